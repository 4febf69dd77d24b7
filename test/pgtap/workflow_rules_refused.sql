-- A misconfigured workflow rule is refused where it is declared, with its own
-- SQLSTATE, never skipped or given a default: by attach_workflow(), by the
-- statement that changes the rules of an attached workflow, and by the engine
-- itself (src/workflow_rules.c) for rules that reached the tables around
-- their CHECK constraints (dropped here, inside the test's transaction).
BEGIN;
CREATE EXTENSION iso28000;
SET LOCAL search_path = iso28000, public;
SELECT plan(18);

SELECT iso28000.create_organization('WRR', 'Workflow rules refused') AS org \gset

CREATE TABLE iso28000.wrr (
  org_id bigint NOT NULL REFERENCES iso28000.organization,
  wrr_id bigint GENERATED ALWAYS AS IDENTITY,
  status text,
  summary text,
  PRIMARY KEY (org_id, wrr_id)
);
CREATE TABLE iso28000.wrr_other (org_id bigint NOT NULL, id int, status text, PRIMARY KEY (org_id, id));
CREATE FUNCTION wrr_guard(r iso28000.wrr, from_state text, to_state text) RETURNS text
  LANGUAGE sql AS $$ SELECT NULL::text $$;
CREATE FUNCTION wrr_any_guard(r record, from_state text, to_state text) RETURNS text
  LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;

-- A workflow whose only transition has a guard for another table's rows.
INSERT INTO iso28000.workflow VALUES ('wrr_wf', 'rules refused test');
INSERT INTO iso28000.workflow_state (workflow, state, is_initial) VALUES
  ('wrr_wf', 'open', true), ('wrr_wf', 'done', false);
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, guard) VALUES
  ('wrr_wf', 'open', 'done', 'wrr_guard(iso28000.wrr, text, text)');

-- attach_workflow: the guard must take the governed table's row (IS140).
SELECT throws_ok($$SELECT iso28000.attach_workflow('wrr_other', 'wrr_wf')$$, 'IS140',
  'workflow "wrr_wf" cannot govern table iso28000.wrr_other: guard iso28000.wrr_guard(iso28000.wrr,text,text) of "open" to "done" must take (iso28000.wrr_other, text, text) and return text',
  'attach_workflow refuses a guard that takes another table''s row');
SELECT hasnt_trigger('iso28000', 'wrr_other', 'workflow_guard', '...and creates no trigger');
SELECT lives_ok($$SELECT iso28000.attach_workflow('wrr', 'wrr_wf')$$, 'the same workflow attaches to the table its guard takes');
SELECT lives_ok($$UPDATE iso28000.workflow_transition SET guard = 'wrr_any_guard(record, text, text)' WHERE workflow = 'wrr_wf'$$,
  'a guard taking record fits any table');

-- A change of the rules of an attached workflow is checked by its statement.
SELECT throws_ok($$UPDATE iso28000.workflow_transition SET guard = 'pg_catalog.textcat(text, text)' WHERE workflow = 'wrr_wf'$$,
  'IS140', NULL, 'a guard of the wrong signature set on an attached workflow is refused by that UPDATE');
SELECT is((SELECT guard::text FROM iso28000.workflow_transition WHERE workflow = 'wrr_wf'),
  'wrr_any_guard(record,text,text)', '...which changed nothing');
SELECT throws_ok($$UPDATE iso28000.workflow_state SET is_initial = false WHERE workflow = 'wrr_wf'$$,
  'IS141', NULL, 'taking the last initial state from an attached workflow is refused');
SELECT throws_ok($$INSERT INTO iso28000.workflow_required_column (workflow, state, column_name) VALUES ('wrr_wf', 'done', 'no_such_column')$$,
  'IS100', NULL, 'requiring a column the governed table lacks is refused by that INSERT');
SELECT lives_ok($$INSERT INTO iso28000.workflow_required_column (workflow, state, column_name) VALUES ('wrr_wf', 'done', 'summary')$$,
  'requiring a column the table has is accepted');

-- attach_workflow: no initial state (rules written by hand; define_workflow refuses them with IS134).
INSERT INTO iso28000.workflow VALUES ('wrr_noinit', 'no initial state');
INSERT INTO iso28000.workflow_state (workflow, state) VALUES ('wrr_noinit', 'open');
SELECT throws_ok($$SELECT iso28000.attach_workflow('wrr_other', 'wrr_noinit')$$, 'IS141', NULL,
  'attach_workflow refuses a workflow without an initial state');

-- Rules around the tables' CHECK constraints: an unknown level and an over-long state name.
ALTER TABLE iso28000.workflow_transition DROP CONSTRAINT workflow_transition_required_level_check;
ALTER TABLE iso28000.workflow_state DROP CONSTRAINT workflow_state_state_check;
INSERT INTO iso28000.workflow VALUES ('wrr_level', 'unknown level');
INSERT INTO iso28000.workflow_state (workflow, state, is_initial) VALUES ('wrr_level', 'open', true), ('wrr_level', 'done', false);
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level) VALUES ('wrr_level', 'open', 'done', 'writer');
SELECT throws_ok($$SELECT iso28000.attach_workflow('wrr_other', 'wrr_level')$$, 'IS139',
  'workflow "wrr_level" cannot govern table iso28000.wrr_other: transition "open" to "done" requires level "writer", which is not read, write, audit or manage',
  'attach_workflow refuses an unknown level');
SELECT throws_ok($$UPDATE iso28000.workflow_transition SET required_level = 'superuser' WHERE workflow = 'wrr_wf'$$,
  'IS139', NULL, 'an unknown level set on an attached workflow is refused by that UPDATE');
INSERT INTO iso28000.workflow VALUES ('wrr_long', 'over-long state');
INSERT INTO iso28000.workflow_state (workflow, state, is_initial) VALUES ('wrr_long', 'open', true), ('wrr_long', repeat('s', 64), false);
SELECT throws_ok($$SELECT iso28000.attach_workflow('wrr_other', 'wrr_long')$$, 'IS138', NULL,
  'attach_workflow refuses a state name of 64 bytes');
SELECT throws_ok($$INSERT INTO iso28000.workflow_state (workflow, state) VALUES ('wrr_wf', repeat('x', 70))$$,
  'IS138', NULL, 'an over-long state added to an attached workflow is refused by that INSERT');

-- The engine refuses the same rules should they reach it (the rules check switched off here).
ALTER TABLE iso28000.workflow_transition DISABLE TRIGGER workflow_rules_check;
ALTER TABLE iso28000.workflow_state DISABLE TRIGGER workflow_rules_check;
UPDATE iso28000.workflow_transition SET required_level = 'superuser' WHERE workflow = 'wrr_wf';
SELECT throws_ok(format($$INSERT INTO iso28000.wrr (org_id, summary) VALUES (%s, 's')$$, :org), 'IS139',
  'workflow "wrr_wf" cannot govern table iso28000.wrr: transition "open" to "done" requires level "superuser", which is not read, write, audit or manage',
  'the engine refuses an unknown level instead of taking it for write');
UPDATE iso28000.workflow_transition SET required_level = 'write' WHERE workflow = 'wrr_wf';
INSERT INTO iso28000.workflow_state (workflow, state) VALUES ('wrr_wf', repeat('y', 64));
SELECT throws_ok(format($$INSERT INTO iso28000.wrr (org_id, summary) VALUES (%s, 's')$$, :org), 'IS138', NULL,
  'the engine refuses an over-long state name instead of skipping it');
DELETE FROM iso28000.workflow_state WHERE workflow = 'wrr_wf' AND state = repeat('y', 64);
UPDATE iso28000.workflow_transition SET guard = 'pg_catalog.textcat(text, text)' WHERE workflow = 'wrr_wf';
SELECT throws_ok(format($$INSERT INTO iso28000.wrr (org_id, summary) VALUES (%s, 's')$$, :org), 'IS140', NULL,
  'the engine refuses a guard that does not fit the table');
UPDATE iso28000.workflow_transition SET guard = NULL WHERE workflow = 'wrr_wf';
SELECT lives_ok(format($$INSERT INTO iso28000.wrr (org_id, summary) VALUES (%s, 's')$$, :org),
  'with the rules corrected the engine takes the row');

SELECT * FROM finish();
ROLLBACK;
