-- The workflow engine on a table of its own (a user's table, not a register):
-- every kind of refusal with its SQLSTATE, stamps, the event log and its
-- actor, the cache seeing rule changes at the next statement, guards,
-- levels, restores in replica mode, and attach_workflow's checks.
BEGIN;
CREATE EXTENSION iso28000;
-- The engine governs only registers of the extension (IS110): this test's
-- tables go into schema iso28000, made by its owner (the superuser here).
SET LOCAL search_path = iso28000, public;
SELECT plan(48);

SELECT iso28000.create_organization('WFE', 'Workflow engine test') AS org \gset

INSERT INTO iso28000.workflow VALUES ('wf_test', 'engine test');
INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable) VALUES
  ('wf_test', 'draft',    true,  false, false, true),
  ('wf_test', 'review',   false, false, false, false),
  ('wf_test', 'approved', false, true,  true,  false),
  ('wf_test', 'dropped',  false, true,  true,  false);
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level) VALUES
  ('wf_test', 'draft',    'review',   'write'),
  ('wf_test', 'review',   'draft',    'write'),
  ('wf_test', 'review',   'approved', 'audit'),
  ('wf_test', 'approved', 'review',   'manage');
INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description) VALUES
  ('wf_test', 'review',   'summary',  'a summary'),
  ('wf_test', 'approved', 'approver', 'the approver');

CREATE TABLE iso28000.wft (
  org_id bigint NOT NULL REFERENCES iso28000.organization,
  wft_id bigint GENERATED ALWAYS AS IDENTITY,
  status text,
  summary text,
  approver text,
  author text,
  status_changed_at timestamptz,
  status_changed_by name,
  status_note text,
  PRIMARY KEY (org_id, wft_id)
);

-- attach_workflow's checks
SELECT throws_ok($$SELECT iso28000.attach_workflow('wft', 'no_such_workflow')$$, 'IS100', NULL,
  'attach_workflow refuses an unknown workflow');
SELECT throws_ok($$SELECT iso28000.attach_workflow('wft', 'wf_test', 'summary_x')$$, 'IS100', NULL,
  'attach_workflow refuses a missing status column');
CREATE TABLE iso28000.wft_noorg (id int PRIMARY KEY, status text, summary text, approver text);
SELECT throws_ok($$SELECT iso28000.attach_workflow('wft_noorg', 'wf_test')$$, 'IS100', NULL,
  'attach_workflow refuses a table without org_id');
CREATE TABLE iso28000.wft_nocol (org_id bigint, id int, status text, PRIMARY KEY (org_id, id));
SELECT throws_ok($$SELECT iso28000.attach_workflow('wft_nocol', 'wf_test')$$, 'IS100', NULL,
  'attach_workflow refuses a table without the required columns');
SELECT lives_ok($$SELECT iso28000.attach_workflow('wft', 'wf_test')$$, 'attach_workflow attaches');
SELECT has_trigger('iso28000', 'wft', 'workflow_guard', 'the trigger is named workflow_guard');

-- INSERT
INSERT INTO wft (org_id, author) VALUES (:org, 'ann');
SELECT is((SELECT status FROM wft), 'draft', 'an INSERT without status gets the initial state');
SELECT is((SELECT status_changed_by FROM wft), current_user::name, 'the insert is stamped with the actor');
SELECT isnt((SELECT status_changed_at FROM wft), NULL, 'the insert is stamped with the time');
SELECT throws_ok(format($$INSERT INTO wft (org_id, status, summary, approver) VALUES (%s, 'approved', 's', 'a')$$, :org),
  'IS102', NULL, 'an INSERT in a state that is not initial is refused');
SELECT throws_ok(format($$INSERT INTO wft (org_id, status) VALUES (%s, 'nonsense')$$, :org),
  'IS101', NULL, 'an INSERT in an unknown state is refused');

-- transitions
SELECT throws_ok($$UPDATE wft SET status = 'review'$$, 'IS103', NULL,
  'entering a state without its required column is refused');
SELECT throws_ok($$UPDATE wft SET status = 'review', summary = '   '$$, 'IS103', NULL,
  'a blank text does not fill a required column');
SELECT throws_ok($$UPDATE wft SET status = 'review', summary = NULL$$,
  'IS103', 'iso28000.wft (org_id, wft_id)=(' || :org || ', 1) cannot move from "draft" to "review" without summary',
  'the message names the table, the key, both states and the missing column');
SELECT throws_ok($$UPDATE wft SET status = 'approved', summary = 's', approver = 'b'$$, 'IS102', NULL,
  'a transition that is not in the rules is refused');
SELECT throws_ok($$UPDATE wft SET status = 'Review'$$, 'IS101', NULL, 'an unknown state is refused');
SELECT throws_ok($$UPDATE wft SET status = NULL$$, 'IS101', NULL, 'a NULL state is refused');
SELECT throws_ok($$UPDATE wft SET status = repeat('x', 100)$$, 'IS101', NULL, 'an over-long state is refused');
UPDATE wft SET status = 'review', summary = 'ok', status_note = 'please review';
SELECT is((SELECT status FROM wft), 'review', 'an allowed transition with its required column passes');
SELECT throws_ok($$UPDATE wft SET summary = ''$$, 'IS103', NULL,
  'a required column must stay filled while in the state');
SELECT lives_ok($$UPDATE wft SET author = 'bea'$$, 'an update that keeps the state and its columns passes');

-- levels: a write member may not approve (audit)
CREATE ROLE wf_writer;
CREATE ROLE wf_auditor;
GRANT ALL ON wft TO wf_writer, wf_auditor;
SELECT iso28000.grant_access(:org, 'wf_writer', 'write');
SELECT iso28000.grant_access(:org, 'wf_auditor', 'audit');
SET ROLE wf_writer;
SELECT throws_ok($$UPDATE wft SET status = 'approved', approver = 'bea'$$, 'IS106', NULL,
  'a transition above the member''s level is refused');
RESET ROLE;
SET ROLE wf_auditor;
SELECT lives_ok($$UPDATE wft SET status = 'approved', approver = 'bea'$$,
  'a member with the level makes the transition');
RESET ROLE;
SELECT is((SELECT status_changed_by FROM wft), 'wf_auditor'::name, 'the transition is stamped with its actor');

-- frozen and delete
SELECT throws_ok($$UPDATE wft SET author = 'cid'$$, 'IS105', NULL, 'a frozen record cannot be changed');
SELECT throws_ok($$DELETE FROM wft$$, 'IS107', NULL, 'a record past its first state cannot be deleted');
INSERT INTO wft (org_id) VALUES (:org);
SELECT lives_ok($$DELETE FROM wft WHERE status = 'draft'$$, 'a record in a deletable state can be deleted');

-- event log
SELECT results_eq(
  $$SELECT from_state, to_state, actor::text, note FROM iso28000.workflow_event
     WHERE table_name = 'wft'::regclass AND record_id = 1 ORDER BY event_id$$,
  $$VALUES (NULL, 'draft', current_user::text, NULL),
           ('draft', 'review', current_user::text, 'please review'),
           ('review', 'approved', 'wf_auditor', 'please review')$$,
  'the event log has every transition with its actor and note, and nothing of the refused ones');
SELECT is((SELECT record_key FROM iso28000.workflow_event WHERE table_name = 'wft'::regclass ORDER BY event_id LIMIT 1),
  '(org_id, wft_id)=(' || :org || ', 1)', 'the event names the record''s key');
SET ROLE wf_writer;
SELECT throws_ok(format($$INSERT INTO iso28000.workflow_event_batch (org_id, events, workflow, table_name, key_columns, record_ids, to_state, actor, occurred_at)
                          VALUES (%s, 1, 'wf_test', 'wft', '(org_id, wft_id)', '{1}', 'draft', 'me', now())$$, :org),
  '42501', NULL, 'members cannot write the event log');
SELECT throws_ok($$DELETE FROM iso28000.workflow_event_batch$$, '42501', NULL, 'members cannot delete events');
SELECT throws_ok(format($$INSERT INTO iso28000.workflow_event (org_id, workflow, table_name, record_key, to_state, actor, occurred_at)
                          VALUES (%s, 'wf_test', 'wft', 'x', 'draft', 'me', now())$$, :org),
  '55000', NULL, 'the view of the events takes no insert');
SELECT throws_ok($$DELETE FROM iso28000.workflow_event$$, '55000', NULL, '...and no delete');
SELECT cmp_ok((SELECT count(*) FROM iso28000.workflow_event), '>', 0::bigint, 'members read the events of their organisation');
RESET ROLE;
CREATE ROLE wf_stranger;
SET ROLE wf_stranger;
SELECT is((SELECT count(*) FROM iso28000.workflow_event), 0::bigint, 'non-members see no events');
RESET ROLE;

-- the person behind the actor
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:org, 'Walt Writer', 'wf_writer');
SET ROLE wf_writer;
INSERT INTO wft (org_id) VALUES (:org);
RESET ROLE;
SELECT is((SELECT p.full_name FROM iso28000.workflow_event e JOIN iso28000.person p
             ON p.org_id = e.org_id AND p.person_id = e.actor_person
            ORDER BY e.event_id DESC LIMIT 1),
  'Walt Writer', 'the event names the person whose db_role is the actor');

-- rules change: seen at the next statement
SELECT throws_ok($$UPDATE wft SET status = 'dropped' WHERE wft_id = (SELECT max(wft_id) FROM wft)$$, 'IS102', NULL,
  'before the rule change...');
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state) VALUES ('wf_test', 'draft', 'dropped');
SELECT lives_ok($$UPDATE wft SET status = 'dropped' WHERE wft_id = (SELECT max(wft_id) FROM wft)$$, '...and after: a new rule applies at the next statement');
UPDATE iso28000.workflow_state SET is_frozen = false WHERE workflow = 'wf_test' AND state = 'dropped';
SELECT lives_ok($$UPDATE wft SET author = 'x' WHERE wft_id = (SELECT max(wft_id) FROM wft)$$, 'a state unfrozen by the DBA takes effect at the next statement');

-- guards
CREATE FUNCTION wft_guard(r wft, from_state text, to_state text) RETURNS text
  LANGUAGE sql AS $$ SELECT CASE WHEN r.approver = r.author THEN 'an approver who is not the author' END $$;
UPDATE iso28000.workflow_transition SET guard = 'wft_guard(wft, text, text)'
 WHERE workflow = 'wf_test' AND from_state = 'approved' AND to_state = 'review';
SELECT throws_ok($$UPDATE wft SET status = 'review', approver = author WHERE wft_id = 1$$, 'IS104',
  'iso28000.wft (org_id, wft_id)=(' || :org || ', 1) cannot move from "approved" to "review": an approver who is not the author',
  'a guard refuses with its reason in the message');
SELECT lives_ok($$UPDATE wft SET status = 'review', approver = 'zed' WHERE wft_id = 1$$, 'the guard allows when its rule holds');
CREATE FUNCTION wft_bad_guard(r int, from_state text, to_state text) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
SELECT throws_ok($$UPDATE iso28000.workflow_transition SET guard = 'wft_bad_guard(int, text, text)'
 WHERE workflow = 'wf_test' AND from_state = 'review' AND to_state = 'draft'$$, 'IS140', NULL,
  'a guard with the wrong signature is refused where it is declared, for the table the workflow governs');

-- restore: replica mode lets rows through, logs nothing
SELECT count(*) AS events_before FROM iso28000.workflow_event \gset
SET session_replication_role = replica;
SELECT lives_ok(format($$INSERT INTO wft (org_id, status, summary, approver) VALUES (%s, 'approved', 's', 'a')$$, :org),
  'a restore in replica mode loads a row in a final state');
SET session_replication_role = origin;
SELECT is((SELECT count(*) FROM iso28000.workflow_event), :events_before::bigint, 'and logs no event');
ALTER TABLE wft ENABLE ALWAYS TRIGGER workflow_guard;
SET session_replication_role = replica;
SELECT lives_ok(format($$INSERT INTO wft (org_id, status, summary, approver) VALUES (%s, 'approved', 's', 'a')$$, :org),
  'even an ENABLE ALWAYS trigger lets a restore through in replica mode');
SET session_replication_role = origin;

-- The actor's name is kept per backend across transactions until a role
-- changes (src/workflow_check.c, wf_user_name): a role renamed after it
-- stamped a row stamps its new name at once, in the same transaction.
INSERT INTO wft (org_id, summary) VALUES (:org, 'renamed role');
SET ROLE wf_writer;
UPDATE wft SET status = 'review' WHERE summary = 'renamed role';
UPDATE wft SET status = 'draft' WHERE summary = 'renamed role';
RESET ROLE;
ALTER ROLE wf_writer RENAME TO wf_writer_renamed;
SET ROLE wf_writer_renamed;
UPDATE wft SET status = 'review' WHERE summary = 'renamed role';
RESET ROLE;
SELECT is((SELECT status_changed_by FROM wft WHERE summary = 'renamed role'), 'wf_writer_renamed'::name,
  'a role renamed after it stamped a row stamps its new name');

-- detach
SELECT lives_ok($$SELECT iso28000.detach_workflow('wft')$$, 'detach_workflow drops the trigger');
SELECT hasnt_trigger('public', 'wft', 'workflow_guard', 'no trigger left');

SELECT * FROM finish();
ROLLBACK;
