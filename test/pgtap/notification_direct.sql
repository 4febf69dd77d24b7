-- The outbox written without the executor (src/notification_store.c), and
-- the executor path it falls back to: which one a statement takes
-- (notification_writer()), that both write the same rows with the same
-- stamps and ids in the same order, that the direct path keeps every index
-- (amcheck), and that what the executor refused it still refuses, with the
-- executor's SQLSTATE, nothing half-written: the outbox's row-level
-- security (a non-member, a restrictive policy), its CHECK constraints, its
-- foreign key (a register without one of its own goes through the
-- executor). A trigger, a policy for some roles or iso28000.notify_direct =
-- off send the statements through the executor. As non-superuser roles
-- except where a test table, trigger, policy or constraint is made.
BEGIN;
CREATE EXTENSION iso28000;
-- amcheck where it is installed (contrib; not in every build).
DO $$ BEGIN
  IF EXISTS (SELECT FROM pg_available_extensions WHERE name = 'amcheck') THEN CREATE EXTENSION IF NOT EXISTS amcheck; END IF;
END $$;
SELECT plan(32);

CREATE ROLE tap_ntd_mgr NOLOGIN;
CREATE ROLE tap_ntd_writer NOLOGIN;
CREATE ROLE tap_ntd_outsider NOLOGIN;
SELECT iso28000.create_organization('NTD-A', 'Direct outbox A', 'tap_ntd_mgr') AS a \gset
SET SESSION AUTHORIZATION tap_ntd_mgr;
SELECT iso28000.grant_access(:a, 'tap_ntd_writer', 'write');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wim Writer', 'tap_ntd_writer') RETURNING person_id AS wim \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Olga Owner') RETURNING person_id AS p1 \gset
RESET SESSION AUTHORIZATION;

-- Test registers without row-level security of their own (so that an
-- outsider may write them and only the outbox refuses him): one with the
-- foreign key org_id -> organization, one without.
CREATE SCHEMA tap_ntd;
CREATE TABLE tap_ntd.case_file (
  org_id bigint NOT NULL REFERENCES iso28000.organization,
  case_id bigint GENERATED ALWAYS AS IDENTITY,
  code text, title text, status text NOT NULL DEFAULT 'open', owner_id bigint,
  PRIMARY KEY (org_id, case_id));
CREATE TABLE tap_ntd.loose (
  org_id bigint NOT NULL,
  loose_id bigint GENERATED ALWAYS AS IDENTITY,
  title text, status text NOT NULL DEFAULT 'open', owner_id bigint,
  PRIMARY KEY (org_id, loose_id));
GRANT USAGE ON SCHEMA tap_ntd TO tap_ntd_writer, tap_ntd_outsider;
GRANT SELECT, INSERT, UPDATE ON tap_ntd.case_file, tap_ntd.loose TO tap_ntd_writer, tap_ntd_outsider;
SELECT iso28000.attach_notifications('tap_ntd.case_file', 'case_id', 'code', 'title', 'status', '{owner_id}');
SELECT iso28000.attach_notifications('tap_ntd.loose', 'loose_id', NULL, 'title', 'status', '{owner_id}');
CREATE TABLE tap_ntd.fired (n int);
CREATE FUNCTION tap_ntd.count_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO tap_ntd.fired VALUES (1); RETURN NULL; END $$;
GRANT SELECT, INSERT ON tap_ntd.fired TO PUBLIC;

-- Which path.
SET SESSION AUTHORIZATION tap_ntd_writer;
SELECT is(iso28000.notification_writer(), 'direct', 'the outbox as installed is written directly');
SELECT is(iso28000.notification_writer('iso28000.nonconformity'), 'direct',
          'a register of the extension (its own foreign key to organization) is written directly');
SELECT is(iso28000.notification_writer('tap_ntd.loose'),
          'executor: the register has no validated, immediate, enabled foreign key org_id -> organization',
          'a register without a foreign key of its own to organization goes through the executor');
SELECT is(iso28000.notification_writer('iso28000.organization'), 'executor: the register has no validated, immediate, enabled foreign key org_id -> organization',
          'a table whose org_id references nothing goes through the executor');
SELECT throws_ok($$SET iso28000.notify_direct = off$$, '42501', NULL, 'a member cannot choose the path');
SELECT throws_ok($$SELECT iso28000.notification_writer('pg_catalog.pg_authid')$$, '42501', 'permission denied for table pg_authid',
                 'notification_writer() opens only a table the caller may use');
RESET SESSION AUTHORIZATION;

-- The same statements through both paths write the same rows, in the same order.
CREATE TEMP TABLE outcome (path text, seq int, kind text, recipient_id bigint, register text, record_code text,
                           subject text, reason text, from_state text, to_state text, actor text,
                           actor_person bigint, now_stamp boolean, undelivered boolean);
GRANT ALL ON outcome TO PUBLIC;
CREATE FUNCTION pg_temp.both_paths(path text, a bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE last bigint := (SELECT coalesce(max(notification_id), 0) FROM iso28000.notification);
BEGIN
  INSERT INTO tap_ntd.case_file (org_id, code, title, owner_id)
  SELECT a, path || '-' || g, 'Case ' || g, CASE WHEN g % 2 = 0 THEN (SELECT person_id FROM iso28000.person WHERE full_name = 'Olga Owner') END
    FROM generate_series(1, 4) g;
  UPDATE tap_ntd.case_file SET status = 'closed' WHERE code LIKE path || '-%';
  INSERT INTO outcome
  SELECT path, row_number() OVER (ORDER BY notification_id), kind, recipient_id, register, replace(record_code, path, 'X'),
         replace(subject, path, 'X'), reason, from_state, to_state, actor::text, actor_person, created_at = now(),
         delivered_at IS NULL AND delivered_by IS NULL
    FROM iso28000.notification WHERE notification_id > last;
END $$;
SET SESSION AUTHORIZATION tap_ntd_writer;
SELECT pg_temp.both_paths('direct', :a);
RESET SESSION AUTHORIZATION;
SET iso28000.notify_direct = off;
SET SESSION AUTHORIZATION tap_ntd_writer;
SELECT is(iso28000.notification_writer(), 'executor: iso28000.notify_direct is off', 'with notify_direct off, the executor');
SELECT pg_temp.both_paths('executor', :a);
RESET SESSION AUTHORIZATION;
RESET iso28000.notify_direct;
SELECT is((SELECT count(*) FROM outcome WHERE path = 'direct'), 6::bigint,
          'direct: two assignments and four transitions');
SELECT set_eq($$SELECT seq, kind, recipient_id, register, record_code, subject, reason, from_state, to_state, actor, actor_person, now_stamp, undelivered
                  FROM outcome WHERE path = 'direct'$$,
              $$SELECT seq, kind, recipient_id, register, record_code, subject, reason, from_state, to_state, actor, actor_person, now_stamp, undelivered
                  FROM outcome WHERE path = 'executor'$$,
              'both paths write the same rows in the same order (notification_id), with the same stamps');
SELECT results_eq($$SELECT DISTINCT actor, actor_person, now_stamp, undelivered FROM outcome WHERE path = 'direct'$$,
                  format($$VALUES ('tap_ntd_writer'::text, %s::bigint, true, true)$$, :wim),
                  'direct rows are stamped with the role, its acting person and the transaction''s time, undelivered');
SELECT is((SELECT array_agg(kind || ':' || record_code ORDER BY seq) FROM outcome WHERE path = 'direct'),
          '{assignment:X-2,assignment:X-4,transition:X-1,transition:X-2,transition:X-3,transition:X-4}'::text[],
          'the order documented: the statement''s rows in the order written (one statement of assignments, then one of transitions)');
SELECT ok((SELECT bool_and(d) FROM (SELECT notification_id - lag(notification_id) OVER (ORDER BY notification_id) > 0 AS d
                                      FROM iso28000.notification WHERE register = 'case_file') s WHERE d IS NOT NULL),
          'notification_id increases');
SELECT CASE WHEN EXISTS (SELECT FROM pg_extension WHERE extname = 'amcheck')
  THEN lives_ok($$SELECT bt_index_check(i.indexrelid, true) FROM pg_index i WHERE i.indrelid = 'iso28000.notification'::regclass$$,
                'every index of the outbox (primary key, the partial ones) holds every row written directly (amcheck heapallindexed)')
  ELSE skip('amcheck is not installed', 1) END;
SELECT is((SELECT count(*) FROM iso28000.notification WHERE register = 'case_file' AND delivered_at IS NULL), 12::bigint,
          'the rows are all there');

-- Savepoints.
SET SESSION AUTHORIZATION tap_ntd_writer;
SELECT count(*) AS before FROM iso28000.notification \gset
SAVEPOINT s;
UPDATE tap_ntd.case_file SET status = 'reopened' WHERE org_id = :a;
SELECT is((SELECT count(*) FROM iso28000.notification) - :before, 8::bigint, 'direct rows written in a savepoint');
ROLLBACK TO SAVEPOINT s;
SELECT is((SELECT count(*) FROM iso28000.notification), :before::bigint, 'rolling back to the savepoint takes them away');
RESET SESSION AUTHORIZATION;

-- Row-level security: an outsider (no level in organisation A) may write the
-- test register but not A's outbox: refused as the executor refused it, and
-- the register's statement with it.
SET SESSION AUTHORIZATION tap_ntd_outsider;
SELECT is(iso28000.notification_writer('tap_ntd.case_file'), 'direct', 'the outsider''s statement is tried directly');
SELECT throws_ok(format($$UPDATE tap_ntd.case_file SET status = 'hijacked' WHERE org_id = %s$$, :a), '42501',
                 'new row violates row-level security policy for table "notification"',
                 'a non-member''s notification is refused (42501): the outbox''s row-level security');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*) FROM tap_ntd.case_file WHERE status = 'hijacked'), 0::bigint,
          'and the register''s statement with it: nothing half-written');
-- row_security = off where the outbox's policies apply: refused, as the executor refuses it.
SET SESSION AUTHORIZATION tap_ntd_writer;
SET row_security = off;
SELECT throws_ok(format($$UPDATE tap_ntd.case_file SET status = 'unguarded' WHERE org_id = %s$$, :a), '42501',
                 'query would be affected by row-level security policy for table "notification"',
                 'row_security = off does not let a member write the outbox past its policies');
RESET row_security;
RESET SESSION AUTHORIZATION;
-- A restrictive policy of the outbox applies too.
CREATE POLICY no_secrets ON iso28000.notification AS RESTRICTIVE FOR INSERT WITH CHECK (subject NOT LIKE '%secret%');
SET SESSION AUTHORIZATION tap_ntd_writer;
SELECT is(iso28000.notification_writer(), 'direct', 'a restrictive policy for PUBLIC keeps the direct path');
SELECT throws_ok(format($$INSERT INTO tap_ntd.case_file (org_id, code, title, owner_id) VALUES (%s, 'secret-1', 't', %s)$$, :a, :p1),
                 '42501', 'new row violates row-level security policy "no_secrets" for table "notification"',
                 'a notification failing a restrictive policy is refused with the policy''s name');
SELECT lives_ok(format($$INSERT INTO tap_ntd.case_file (org_id, code, title, owner_id) VALUES (%s, 'open-1', 't', %s)$$, :a, :p1),
                'one that passes it is written');
RESET SESSION AUTHORIZATION;
DROP POLICY no_secrets ON iso28000.notification;
CREATE POLICY writer_only ON iso28000.notification FOR INSERT TO tap_ntd_writer WITH CHECK (true);
SELECT is(iso28000.notification_writer(), 'executor: policy "writer_only" of the outbox is for some roles only',
          'a policy for some roles sends the statements through the executor');
DROP POLICY writer_only ON iso28000.notification;

-- CHECK constraints of the outbox, its own and one a DBA adds.
ALTER TABLE iso28000.notification ADD CONSTRAINT tap_short_subject CHECK (length(subject) < 40);
SET SESSION AUTHORIZATION tap_ntd_writer;
SELECT is(iso28000.notification_writer(), 'direct', 'a CHECK constraint keeps the direct path');
SELECT throws_ok(format($$INSERT INTO tap_ntd.case_file (org_id, code, title, owner_id) VALUES (%s, 'C-LONG', repeat('t', 50), %s)$$, :a, :p1),
                 '23514', 'new row for relation "notification" violates check constraint "tap_short_subject"',
                 'a notification failing a CHECK constraint is refused with the executor''s error (23514)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*) FROM tap_ntd.case_file WHERE code = 'C-LONG'), 0::bigint, 'and its register row with it');
ALTER TABLE iso28000.notification DROP CONSTRAINT tap_short_subject;

-- The foreign key: a register without its own goes through the executor,
-- whose foreign key check refuses an organisation that does not exist; one
-- with its own refuses the row itself.
SELECT throws_ok($$INSERT INTO tap_ntd.loose (org_id, title, owner_id) VALUES (987654321, 'x', 1)$$, '23503',
                 'insert or update on table "notification" violates foreign key constraint "notification_org_id_fkey"',
                 'a register without a foreign key: the outbox''s own refuses an unknown organisation (23503)');
SELECT throws_ok($$INSERT INTO tap_ntd.case_file (org_id, title, owner_id) VALUES (987654321, 'x', 1)$$, '23503',
                 'insert or update on table "case_file" violates foreign key constraint "case_file_org_id_fkey"',
                 'a register with one: its own key refuses the row before the outbox is written (23503)');

-- A trigger a DBA adds to the outbox makes it use the executor, and fires.
CREATE TRIGGER tap_count AFTER INSERT ON iso28000.notification FOR EACH ROW EXECUTE FUNCTION tap_ntd.count_row();
SET SESSION AUTHORIZATION tap_ntd_writer;
SELECT is(iso28000.notification_writer(), 'executor: trigger "tap_count" fires on INSERT of the outbox',
          'a trigger on the outbox sends the statements through the executor');
UPDATE tap_ntd.case_file SET status = 'triggered' WHERE org_id = :a AND code LIKE 'direct-%';
SELECT is((SELECT count(*) FROM tap_ntd.fired), 4::bigint, 'and the trigger fires for every row');
RESET SESSION AUTHORIZATION;
DROP TRIGGER tap_count ON iso28000.notification;
SELECT is(iso28000.notification_writer(), 'direct', 'dropped, the direct path again');

SELECT * FROM finish();
ROLLBACK;
