-- The register side of the notification outbox in C (src/notification.c):
-- what notify_register_change() writes for a statement of several rows (the
-- transitions first, then the assignments column by column, each in the
-- order the statement wrote the rows; one transition per person named, to
-- nobody when none), the stamps notification_stamp() puts on them, the
-- outbox's row-level security still applying to the trigger's INSERT (a
-- refused notification refuses the register's statement, nothing
-- half-written), savepoints, and the trigger functions refusing to fire
-- other than as attach_notifications() and the outbox put them (IS571).
-- Runs as non-superuser roles except where a test table is made.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(23);

CREATE ROLE tap_ntw_mgr NOLOGIN;
CREATE ROLE tap_ntw_writer NOLOGIN;
CREATE ROLE tap_ntw_reader NOLOGIN;
CREATE ROLE tap_ntw_other NOLOGIN;
SELECT iso28000.create_organization('NTW-A', 'Outbox writer A', 'tap_ntw_mgr') AS a \gset
SELECT iso28000.create_organization('NTW-B', 'Outbox writer B', 'tap_ntw_other') AS b \gset
SET SESSION AUTHORIZATION tap_ntw_mgr;
SELECT iso28000.grant_access(:a, 'tap_ntw_writer', 'write');
SELECT iso28000.grant_access(:a, 'tap_ntw_reader', 'read');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wanda Writer', 'tap_ntw_writer') RETURNING person_id AS wanda \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Piet One') RETURNING person_id AS p1 \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Pia Two') RETURNING person_id AS p2 \gset
RESET SESSION AUTHORIZATION;

-- A register of two person columns, with a code and a status (a test table:
-- no register of the extension names two people).
CREATE SCHEMA tap_ntw;
CREATE TABLE tap_ntw.dossier (
  org_id bigint NOT NULL REFERENCES iso28000.organization,
  dossier_id bigint GENERATED ALWAYS AS IDENTITY,
  code text, title text, status text NOT NULL DEFAULT 'open',
  first_person bigint, second_person bigint,
  PRIMARY KEY (org_id, dossier_id));
GRANT USAGE ON SCHEMA tap_ntw TO tap_ntw_writer, tap_ntw_other;
GRANT SELECT, INSERT, UPDATE ON tap_ntw.dossier TO tap_ntw_writer, tap_ntw_other;
SELECT iso28000.attach_notifications('tap_ntw.dossier', 'dossier_id', 'code', 'title', 'status',
                                     '{first_person,second_person}');

SET SESSION AUTHORIZATION tap_ntw_writer;
SELECT ok(NOT rolsuper, 'tap_ntw_writer is not a superuser') FROM pg_roles WHERE rolname = current_user;
INSERT INTO tap_ntw.dossier (org_id, code, title, first_person, second_person)
VALUES (:a, 'D-1', 'First', :p1, :p2), (:a, NULL, 'Second', :p2, :p2), (:a, 'D-3', 'Third', NULL, NULL);
SELECT dossier_id AS d2 FROM tap_ntw.dossier WHERE title = 'Second' \gset
SELECT results_eq(
  format($$SELECT kind, recipient_id, record_code, subject, reason, from_state, to_state
             FROM iso28000.notification WHERE org_id = %s AND register = 'dossier' ORDER BY notification_id$$, :a),
  format($$VALUES ('assignment', %1$s::bigint, 'D-1', 'dossier D-1: First', 'named as first_person', NULL::text, 'open'),
                  ('assignment', %2$s, NULL, 'dossier %3$s: Second', 'named as first_person', NULL, 'open'),
                  ('assignment', %2$s, 'D-1', 'dossier D-1: First', 'named as second_person', NULL, 'open'),
                  ('assignment', %2$s, NULL, 'dossier %3$s: Second', 'named as second_person', NULL, 'open')$$,
         :p1, :p2, :d2),
  'one INSERT of three rows: the assignments of the first person column, then of the second, each in the order of the rows; a row naming nobody gives none');
SELECT results_eq(
  format($$SELECT DISTINCT actor::text COLLATE "default", actor_person, created_at = now(), delivered_at IS NULL, delivered_by IS NULL
             FROM iso28000.notification WHERE org_id = %s AND register = 'dossier'$$, :a),
  format($$VALUES ('tap_ntw_writer', %s::bigint, true, true, true)$$, :wanda),
  'each row is stamped with the writing role, its acting person and the transaction''s time, undelivered');
SELECT max(notification_id) AS last FROM iso28000.notification WHERE org_id = :a \gset

-- One UPDATE of the three rows: a transition to each person named (once),
-- then the assignment of the person column that changed.
UPDATE tap_ntw.dossier SET status = 'closed', second_person = CASE WHEN code = 'D-3' THEN :p1 ELSE second_person END
 WHERE org_id = :a;
SELECT results_eq(
  format($$SELECT kind, record_code, recipient_id, subject, reason, from_state, to_state
             FROM iso28000.notification WHERE org_id = %s AND notification_id > %s ORDER BY notification_id$$, :a, :last),
  format($$VALUES ('transition', 'D-1', %1$s::bigint, 'dossier D-1: open -> closed', 'named on the record', 'open', 'closed'),
                  ('transition', 'D-1', %2$s, 'dossier D-1: open -> closed', 'named on the record', 'open', 'closed'),
                  ('transition', NULL, %2$s, 'dossier %3$s: open -> closed', 'named on the record', 'open', 'closed'),
                  ('transition', 'D-3', %1$s, 'dossier D-3: open -> closed', 'named on the record', 'open', 'closed'),
                  ('assignment', 'D-3', %1$s, 'dossier D-3: Third', 'named as second_person', NULL, 'closed')$$,
         :p1, :p2, :d2),
  'one UPDATE of three rows: every transition (one per person named, a person named twice once) before the assignment of the changed column');
SELECT max(notification_id) AS last FROM iso28000.notification WHERE org_id = :a \gset
UPDATE tap_ntw.dossier SET title = title || ' (renamed)', first_person = first_person WHERE org_id = :a;
SELECT is((SELECT count(*) FROM iso28000.notification WHERE org_id = :a AND notification_id > :last), 0::bigint,
          'an UPDATE that changes neither the status nor a person writes nothing');
UPDATE tap_ntw.dossier SET status = 'reopened', first_person = NULL, second_person = NULL WHERE org_id = :a AND code = 'D-1';
SELECT results_eq(
  format($$SELECT kind, recipient_id, reason, subject FROM iso28000.notification WHERE org_id = %s AND notification_id > %s$$, :a, :last),
  $$VALUES ('transition', NULL::bigint, 'the record names nobody', 'dossier D-1: closed -> reopened')$$,
  'a transition of a record that names nobody goes to nobody; a person column emptied gives no assignment');

-- Savepoints: rolled back with the one that wrote them, kept with a released one.
SELECT max(notification_id) AS last FROM iso28000.notification WHERE org_id = :a \gset
SAVEPOINT s1;
UPDATE tap_ntw.dossier SET status = 'gone' WHERE org_id = :a;
SAVEPOINT s2;
UPDATE tap_ntw.dossier SET status = 'back' WHERE org_id = :a;
SELECT is((SELECT count(*) FROM iso28000.notification WHERE org_id = :a AND notification_id > :last), 6::bigint,
          'inside two savepoints both statements'' transitions are in the outbox');
ROLLBACK TO SAVEPOINT s2;
SELECT is((SELECT count(*) FROM iso28000.notification WHERE org_id = :a AND notification_id > :last), 3::bigint,
          'rolling back to the inner savepoint takes its statement''s rows with it');
RELEASE SAVEPOINT s1;
SELECT is((SELECT array_agg(to_state ORDER BY notification_id) FROM iso28000.notification WHERE org_id = :a AND notification_id > :last),
          '{gone,gone,gone}'::text[], 'a released savepoint keeps the rows of its statement');
RESET SESSION AUTHORIZATION;

-- The outbox's row-level security applies to the trigger's INSERT: a role
-- that may write the table but not organisation A's outbox is refused, and
-- its statement with it.
SET SESSION AUTHORIZATION tap_ntw_other;
SELECT throws_ok(format($$INSERT INTO tap_ntw.dossier (org_id, title, first_person) VALUES (%s, 'Foreign', %s)$$, :a, :p1),
                 '42501', NULL, 'a role without level write in the organisation cannot have the trigger write its outbox');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*) FROM tap_ntw.dossier WHERE title = 'Foreign'), 0::bigint,
          'the refused notification refused the register''s row: nothing half-written');
SET SESSION AUTHORIZATION tap_ntw_other;
SELECT lives_ok(format($$INSERT INTO tap_ntw.dossier (org_id, title) VALUES (%s, 'Nobody named')$$, :a),
                'a statement that gives no notification writes none and needs no right on the outbox');
RESET SESSION AUTHORIZATION;

-- Readers see the outbox of their organisations only.
SET SESSION AUTHORIZATION tap_ntw_reader;
SELECT ok((SELECT count(*) FROM iso28000.notification WHERE register = 'dossier') > 0
          AND NOT EXISTS (SELECT FROM iso28000.notification WHERE org_id <> :a),
          'a reader of organisation A reads its outbox and nothing of another organisation');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ntw_other;
SELECT is((SELECT count(*) FROM iso28000.notification WHERE register = 'dossier'), 0::bigint,
          'a member of organisation B reads none of A''s notifications');
RESET SESSION AUTHORIZATION;

-- iso28000.notify_announce: 'row' unless a superuser says otherwise; a member
-- cannot switch the announcements of his own changes off; with 'off' the rows
-- are written all the same (whether they are heard: test/suite.d/notify_listen).
SELECT is(current_setting('iso28000.notify_announce'), 'row', 'every row is announced unless configured otherwise');
SET SESSION AUTHORIZATION tap_ntw_writer;
SELECT throws_ok($$SET iso28000.notify_announce = off$$, '42501', NULL,
                 'a member cannot switch the announcements off');
RESET SESSION AUTHORIZATION;
SET LOCAL iso28000.notify_announce = off;
SET SESSION AUTHORIZATION tap_ntw_writer;
SELECT max(notification_id) AS last FROM iso28000.notification WHERE org_id = :a \gset
UPDATE tap_ntw.dossier SET status = 'quiet' WHERE org_id = :a AND code = 'D-1';
SELECT is((SELECT count(*) FROM iso28000.notification WHERE org_id = :a AND notification_id > :last), 1::bigint,
          'with the announcements off the transition is written all the same');
RESET SESSION AUTHORIZATION;
RESET iso28000.notify_announce;

-- IS571: the trigger functions fire only as attach_notifications() and the outbox put them.
CREATE TRIGGER bad_row AFTER UPDATE ON tap_ntw.dossier FOR EACH ROW
  EXECUTE FUNCTION iso28000.notify_register_change('dossier_id', '', 'title', 'status');
SELECT throws_ok(format($$UPDATE tap_ntw.dossier SET title = 'x' WHERE org_id = %s AND code = 'D-1'$$, :a), 'IS571',
                 NULL, 'notify_register_change() as a row trigger is refused');
DROP TRIGGER bad_row ON tap_ntw.dossier;
CREATE TRIGGER bad_no_tables AFTER UPDATE ON tap_ntw.dossier FOR EACH STATEMENT
  EXECUTE FUNCTION iso28000.notify_register_change('dossier_id', '', 'title', 'status');
SELECT throws_ok(format($$UPDATE tap_ntw.dossier SET title = 'x' WHERE org_id = %s AND code = 'D-1'$$, :a), 'IS571',
                 NULL, 'notify_register_change() without its transition tables is refused');
DROP TRIGGER bad_no_tables ON tap_ntw.dossier;
CREATE TRIGGER bad_args AFTER INSERT ON tap_ntw.dossier REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION iso28000.notify_register_change('dossier_id', '');
SELECT throws_ok(format($$INSERT INTO tap_ntw.dossier (org_id, title) VALUES (%s, 'y')$$, :a), 'IS571',
                 NULL, 'notify_register_change() without its arguments is refused');
DROP TRIGGER bad_args ON tap_ntw.dossier;
CREATE TRIGGER bad_id AFTER INSERT ON tap_ntw.dossier REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION iso28000.notify_register_change('no_such_id', '', 'title', 'status');
SELECT throws_ok(format($$INSERT INTO tap_ntw.dossier (org_id, title) VALUES (%s, 'y')$$, :a), 'IS571',
                 NULL, 'notify_register_change() naming an id column the table lacks is refused');
DROP TRIGGER bad_id ON tap_ntw.dossier;
CREATE TRIGGER bad_stamp AFTER INSERT ON tap_ntw.dossier FOR EACH ROW EXECUTE FUNCTION iso28000.notification_stamp();
SELECT throws_ok(format($$INSERT INTO tap_ntw.dossier (org_id, title) VALUES (%s, 'y')$$, :a), 'IS571',
                 NULL, 'notification_stamp() fired other than BEFORE a row is refused');
DROP TRIGGER bad_stamp ON tap_ntw.dossier;
CREATE TRIGGER bad_announce AFTER INSERT ON tap_ntw.dossier FOR EACH ROW EXECUTE FUNCTION iso28000.notification_announce();
SELECT throws_ok(format($$INSERT INTO tap_ntw.dossier (org_id, title) VALUES (%s, 'y')$$, :a), 'IS571',
                 NULL, 'notification_announce() fired other than after an INSERT statement with its new rows is refused');
DROP TRIGGER bad_announce ON tap_ntw.dossier;

SELECT * FROM finish();
ROLLBACK;
