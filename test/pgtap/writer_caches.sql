-- What the event log's and the outbox's writers keep per backend between
-- statements (issue 13): the registers' trigger descriptions (columns,
-- output functions, the register's name, the slots of the transition tables;
-- src/notification.c), the outbox's slot and expression context and the
-- register's foreign key found to imply the outbox's
-- (src/notification_store.c), the event store's slot
-- (src/workflow_event_store.c) and the key columns' text of the events
-- (src/workflow_event.c).  Each is dropped when what it was made from
-- changes: a statement after ALTER TABLE (a renamed register, a column
-- dropped and added again, a renamed key column, a column added to the
-- outbox or the event store, a foreign key dropped) writes what a fresh
-- backend would.  As a non-superuser member, the tables altered by the
-- superuser in between.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(21);

CREATE ROLE tap_wc_writer NOLOGIN;
SELECT iso28000.create_organization('WC', 'Writer caches') AS org \gset
SELECT iso28000.grant_access(:org, 'tap_wc_writer', 'write');
INSERT INTO iso28000.person (org_id, full_name) VALUES (:org, 'Olga Owner') RETURNING person_id AS olga \gset

CREATE SCHEMA tap_wc;
GRANT USAGE ON SCHEMA tap_wc TO tap_wc_writer;
-- A register tap_wc.<name> with the outbox's triggers, written by the member.
CREATE FUNCTION pg_temp.make_register(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TABLE tap_wc.%I (
    org_id bigint NOT NULL REFERENCES iso28000.organization,
    case_id bigint GENERATED ALWAYS AS IDENTITY,
    code text, title text, status text NOT NULL DEFAULT ''open'', owner_id bigint,
    PRIMARY KEY (org_id, case_id))', name);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE ON tap_wc.%I TO tap_wc_writer', name);
  PERFORM iso28000.attach_notifications(format('tap_wc.%I', name)::regclass, 'case_id', 'code', 'title', 'status', '{owner_id}');
END $$;
SELECT pg_temp.make_register('case_file');
INSERT INTO tap_wc.case_file (org_id, code, title, owner_id) VALUES (:org, 'C-1', 'First title', :olga);

-- The last notification's columns, as text.
CREATE FUNCTION pg_temp.last_note() RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws(' | ', register, record_code, coalesce(record_title, '-'), subject, from_state, to_state)
    FROM iso28000.notification ORDER BY notification_id DESC LIMIT 1 $$;

-- Warm: the trigger's description is kept.
SET SESSION AUTHORIZATION tap_wc_writer;
UPDATE tap_wc.case_file SET status = 'doing' WHERE org_id = :org;
SELECT is(pg_temp.last_note(), 'case_file | C-1 | First title | case_file C-1: open -> doing | open | doing',
          'a transition''s notification, the trigger''s description kept');
RESET SESSION AUTHORIZATION;

-- The register renamed: the next statement names it anew.
ALTER TABLE tap_wc.case_file RENAME TO case_folder;
SET SESSION AUTHORIZATION tap_wc_writer;
UPDATE tap_wc.case_folder SET status = 'done' WHERE org_id = :org;
SELECT is(pg_temp.last_note(), 'case_folder | C-1 | First title | case_folder C-1: doing -> done | doing | done',
          'after the register is renamed, its notifications carry the new name');
RESET SESSION AUTHORIZATION;

-- The title column dropped and added again (another attribute number): read anew.
ALTER TABLE tap_wc.case_folder DROP COLUMN title;
SET SESSION AUTHORIZATION tap_wc_writer;
UPDATE tap_wc.case_folder SET status = 'open' WHERE org_id = :org;
SELECT is(pg_temp.last_note(), 'case_folder | C-1 | - | case_folder C-1: done -> open | done | open',
          'after the title column is dropped, the notification has no title');
RESET SESSION AUTHORIZATION;
ALTER TABLE tap_wc.case_folder ADD COLUMN title text DEFAULT 'Second title';
SET SESSION AUTHORIZATION tap_wc_writer;
UPDATE tap_wc.case_folder SET status = 'doing' WHERE org_id = :org;
SELECT is(pg_temp.last_note(), 'case_folder | C-1 | Second title | case_folder C-1: open -> doing | open | doing',
          'after a title column is added again, the notification reads the new column');
SELECT is(iso28000.notification_writer('tap_wc.case_folder'), 'direct', 'all of it written directly');
RESET SESSION AUTHORIZATION;

-- A column added to the outbox: the kept slot and description are made anew.
ALTER TABLE iso28000.notification ADD COLUMN tap_wc_extra text;
SET SESSION AUTHORIZATION tap_wc_writer;
UPDATE tap_wc.case_folder SET status = 'done' WHERE org_id = :org;
SELECT is(pg_temp.last_note(), 'case_folder | C-1 | Second title | case_folder C-1: doing -> done | doing | done',
          'after a column is added to the outbox, its rows are still written whole');
RESET SESSION AUTHORIZATION;
ALTER TABLE iso28000.notification DROP COLUMN tap_wc_extra;

-- The register's foreign key dropped: the kept answer (it implies the outbox's) goes with it.
ALTER TABLE tap_wc.case_folder DROP CONSTRAINT case_file_org_id_fkey;
SET SESSION AUTHORIZATION tap_wc_writer;
SELECT is(iso28000.notification_writer('tap_wc.case_folder'),
          'executor: the register has no validated, immediate, enabled foreign key org_id -> organization',
          'after the register''s foreign key is dropped, its statements go through the executor');
RESET SESSION AUTHORIZATION;
-- (as the superuser, whom the outbox's row-level security lets through: only its foreign key refuses)
SELECT throws_ok(format($$UPDATE tap_wc.case_folder SET status = 'open', org_id = -1 WHERE org_id = %s$$, :org), '23503', NULL,
                 'and the outbox''s own foreign key refuses an organisation that does not exist');

-- The event log: the key columns' text of a governed table, and the store's slot.
SELECT iso28000.define_workflow('wc_wf', 'writer caches',
  '[{"state": "open", "initial": true}, {"state": "done"}]',
  '[{"from": "open", "to": "done", "level": "write"}, {"from": "done", "to": "open", "level": "write"}]');
CREATE TABLE iso28000.tap_wc_item (
  org_id bigint NOT NULL REFERENCES iso28000.organization,
  item_id bigint GENERATED ALWAYS AS IDENTITY,
  status text,
  PRIMARY KEY (org_id, item_id));
SELECT iso28000.attach_workflow('iso28000.tap_wc_item', 'wc_wf');
GRANT SELECT, INSERT, UPDATE ON iso28000.tap_wc_item TO tap_wc_writer;
CREATE FUNCTION pg_temp.last_event() RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws(' | ', record_key, coalesce(from_state, '-'), to_state)
    FROM iso28000.workflow_event WHERE table_name = 'iso28000.tap_wc_item'::regclass ORDER BY event_id DESC LIMIT 1 $$;
SET SESSION AUTHORIZATION tap_wc_writer;
INSERT INTO iso28000.tap_wc_item (org_id) VALUES (:org) RETURNING item_id AS item \gset
UPDATE iso28000.tap_wc_item SET status = 'done' WHERE org_id = :org;
SELECT is(pg_temp.last_event(), format('(org_id, item_id)=(%s, %s) | open | done', :org, :item),
          'an event names the key columns');
RESET SESSION AUTHORIZATION;
ALTER TABLE iso28000.tap_wc_item RENAME COLUMN item_id TO "Item Id";
SET SESSION AUTHORIZATION tap_wc_writer;
UPDATE iso28000.tap_wc_item SET status = 'open' WHERE org_id = :org;
SELECT is(pg_temp.last_event(), format('(org_id, "Item Id")=(%s, %s) | done | open', :org, :item),
          'after the key column is renamed, the next event names it anew (quoted)');
RESET SESSION AUTHORIZATION;
ALTER TABLE iso28000.workflow_event_batch ADD COLUMN tap_wc_extra text DEFAULT 'x';
SET SESSION AUTHORIZATION tap_wc_writer;
UPDATE iso28000.tap_wc_item SET status = 'done' WHERE org_id = :org;
SELECT is(pg_temp.last_event(), format('(org_id, "Item Id")=(%s, %s) | open | done', :org, :item),
          'after a column is added to the event store, its runs are still written');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT tap_wc_extra FROM iso28000.workflow_event_batch ORDER BY first_event_id DESC LIMIT 1), 'x',
          'with the new column''s default');

-- The outbox's privilege and row-level security answers, kept per backend for
-- the current user (src/notification_store.c, ns_privileges): a member whose
-- INSERT on the outbox came through a role, or who bypassed its policies,
-- loses that at the next statement once the role membership or BYPASSRLS is
-- taken away (pg_auth_members, pg_authid: no relcache invalidation of the
-- outbox).  The register keeps its foreign key, so the direct path is taken.
SELECT pg_temp.make_register('grant_file');
INSERT INTO tap_wc.grant_file (org_id, code, title, owner_id) VALUES (:org, 'secret-9', 'Granted', :olga);
-- The acting role's name in the outbox's actor column, kept per backend
-- (engine_role_name): a role renamed after it wrote a notification writes its
-- new name at its next statement.
SET SESSION AUTHORIZATION tap_wc_writer;
UPDATE tap_wc.grant_file SET status = 'review' WHERE org_id = :org;
RESET SESSION AUTHORIZATION;
ALTER ROLE tap_wc_writer RENAME TO tap_wc_scribe;
SET SESSION AUTHORIZATION tap_wc_scribe;
UPDATE tap_wc.grant_file SET status = 'open' WHERE org_id = :org;
SELECT is((SELECT actor FROM iso28000.notification ORDER BY notification_id DESC LIMIT 1), 'tap_wc_scribe'::name,
          'a role renamed after it wrote a notification writes its new name as the actor');
RESET SESSION AUTHORIZATION;
ALTER ROLE tap_wc_scribe RENAME TO tap_wc_writer;
REVOKE INSERT ON iso28000.notification FROM PUBLIC;
CREATE ROLE tap_wc_outbox NOLOGIN;
GRANT INSERT ON iso28000.notification TO tap_wc_outbox;
GRANT tap_wc_outbox TO tap_wc_writer;
SET SESSION AUTHORIZATION tap_wc_writer;
SELECT is(iso28000.notification_writer('tap_wc.grant_file'), 'direct',
          'a member with INSERT on the outbox through a role: written directly');
SELECT lives_ok(format($$UPDATE tap_wc.grant_file SET status = 'doing' WHERE org_id = %s$$, :org),
                'its transition is written (and the answer kept)');
RESET SESSION AUTHORIZATION;
REVOKE tap_wc_outbox FROM tap_wc_writer;
SET SESSION AUTHORIZATION tap_wc_writer;
SELECT throws_ok(format($$UPDATE tap_wc.grant_file SET status = 'done' WHERE org_id = %s$$, :org), '42501',
                 'permission denied for table notification',
                 'the role taken away, the next transition is refused: the kept answer went with the membership');
RESET SESSION AUTHORIZATION;
GRANT INSERT ON iso28000.notification TO PUBLIC;
CREATE POLICY tap_wc_no_secrets ON iso28000.notification AS RESTRICTIVE FOR INSERT WITH CHECK (subject NOT LIKE '%secret%');
INSERT INTO tap_wc.grant_file (org_id, code, title, owner_id) VALUES (:org, 'open-9', 'Plain', :olga);
SET SESSION AUTHORIZATION tap_wc_writer;
SELECT lives_ok(format($$UPDATE tap_wc.grant_file SET status = 'doing' WHERE org_id = %s AND code = 'open-9'$$, :org),
                'a member''s transition passes the outbox''s restrictive policy (and the answer, policies apply, is kept)');
SELECT throws_ok(format($$UPDATE tap_wc.grant_file SET status = 'done' WHERE org_id = %s AND code = 'secret-9'$$, :org), '42501',
                 'new row violates row-level security policy "tap_wc_no_secrets" for table "notification"',
                 'one whose notification fails the policy is refused with the policy''s name');
RESET SESSION AUTHORIZATION;
-- pg_authid: a role's superuser taken away.  (BYPASSRLS is not kept stale
-- either, but a role that bypasses the policies goes through the executor.)
-- The outbox without row-level security and without INSERT for PUBLIC: a
-- superuser's statement is written directly, a former superuser's refused.
DROP POLICY tap_wc_no_secrets ON iso28000.notification;
ALTER TABLE iso28000.notification NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
REVOKE INSERT ON iso28000.notification FROM PUBLIC;
ALTER ROLE tap_wc_writer SUPERUSER;
SET SESSION AUTHORIZATION tap_wc_writer;
SELECT is(iso28000.notification_writer('tap_wc.grant_file'), 'direct', 'a superuser''s notifications, the outbox without policies: written directly');
SELECT lives_ok(format($$UPDATE tap_wc.grant_file SET status = 'open' WHERE org_id = %s AND code = 'open-9'$$, :org),
                'a superuser''s transition is written (and the answer kept)');
RESET SESSION AUTHORIZATION;
ALTER ROLE tap_wc_writer NOSUPERUSER;
SET SESSION AUTHORIZATION tap_wc_writer;
SELECT throws_ok(format($$UPDATE tap_wc.grant_file SET status = 'doing' WHERE org_id = %s AND code = 'open-9'$$, :org), '42501',
                 'permission denied for table notification',
                 'superuser taken away, the next transition is refused: the kept answer went with pg_authid''s change');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
