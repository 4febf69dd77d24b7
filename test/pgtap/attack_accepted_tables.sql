-- Attack 2 of issue 11: the engines serve the extension's registers only, and
-- a chain takes rows only from a role that may write in its organisation.
--
-- Reported: attach_history() accepted any table, and the recorder any org_id,
-- so a non-member appended records to another organisation's append-only
-- chain (forever) and held its head lock.  Now register_table(),
-- attach_history(), attach_workflow() and the engines' trigger functions are
-- not granted to PUBLIC; each of them, and the C triggers themselves, accept
-- only a permanent table of schema iso28000 owned by the extension's owner
-- (IS010, IS210, IS110); the recorder refuses a row of an organisation in
-- which the current role cannot write (IS211).
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(39);

CREATE ROLE tap_t_boss NOLOGIN;      -- manages A
CREATE ROLE tap_t_other NOLOGIN;     -- manages B
CREATE ROLE tap_t_mallory NOLOGIN;   -- writes A only: the attacker
CREATE ROLE tap_t_nobody NOLOGIN;    -- member of nothing
CREATE ROLE tap_t_two NOLOGIN;       -- writes A and B
SELECT iso28000.create_organization('T-A', 'Attacker''s own A', 'tap_t_boss') AS a \gset
SELECT iso28000.create_organization('T-B', 'Attacked B', 'tap_t_other') AS b \gset
SELECT iso28000.grant_access(:a, 'tap_t_mallory', 'write');
SELECT iso28000.grant_access(:a, 'tap_t_two', 'write');
SELECT iso28000.grant_access(:b, 'tap_t_two', 'write');
INSERT INTO iso28000.person (org_id, full_name) VALUES (:b, 'Bea of B');

CREATE TEMP TABLE chain_before AS SELECT org_id, seq, hash FROM iso28000.history_head;
CREATE FUNCTION pg_temp.chain_unchanged(org bigint) RETURNS boolean LANGUAGE sql AS $$
  SELECT (SELECT seq FROM iso28000.history_head WHERE org_id = org) IS NOT DISTINCT FROM
         (SELECT seq FROM chain_before WHERE org_id = org)
     AND (SELECT count(*) FROM iso28000.history WHERE org_id = org) =
         coalesce((SELECT seq FROM chain_before WHERE org_id = org), 0)
     AND (SELECT valid FROM iso28000.verify_history(org))
$$;

-- Who may call the functions that make a register or put an engine on a table.
SELECT is(
  (SELECT array_agg(f ORDER BY f) FROM unnest(ARRAY[
      'iso28000.register_table(regclass)', 'iso28000.attach_history(regclass)',
      'iso28000.attach_workflow(regclass,text,name)', 'iso28000.detach_workflow(regclass,name)',
      'iso28000.history_record()', 'iso28000.workflow_guard()']) f
    WHERE has_function_privilege('tap_t_mallory', f, 'EXECUTE')),
  NULL, 'none of register_table, attach_history, attach_workflow, detach_workflow, history_record, workflow_guard is granted to PUBLIC');

-- The attacker's own tables: a temporary one and one in a schema of its own.
CREATE SCHEMA tap_t_own AUTHORIZATION tap_t_mallory;
SET SESSION AUTHORIZATION tap_t_mallory;
CREATE TABLE pg_temp.tt (org_id bigint NOT NULL, id bigint NOT NULL, status text, PRIMARY KEY (org_id, id));
CREATE TABLE tap_t_own.ut (org_id bigint NOT NULL, id bigint NOT NULL, status text, PRIMARY KEY (org_id, id));
CREATE VIEW tap_t_own.uv AS SELECT * FROM tap_t_own.ut;
SELECT throws_ok($$SELECT iso28000.attach_history('pg_temp.tt')$$, '42501', NULL, 'the attacker cannot call attach_history');
SELECT throws_ok($$SELECT iso28000.register_table('tap_t_own.ut')$$, '42501', NULL, 'nor register_table');
SELECT throws_ok($$SELECT iso28000.attach_workflow('tap_t_own.ut', 'nonconformity')$$, '42501', NULL, 'nor attach_workflow');
SELECT throws_ok($$CREATE TRIGGER h AFTER INSERT ON tap_t_own.ut REFERENCING NEW TABLE AS n
                   FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()$$, '42501', NULL,
                 'nor put the recorder on its own table');
SELECT throws_ok($$CREATE TRIGGER w BEFORE INSERT ON pg_temp.tt
                   FOR EACH ROW EXECUTE FUNCTION iso28000.workflow_guard('nonconformity')$$, '42501', NULL,
                 'nor the workflow guard on its temporary table');
RESET SESSION AUTHORIZATION;

-- Even the extension's owner cannot make them registers: the functions test the table.
SELECT throws_ok($$SELECT iso28000.register_table('tap_t_own.ut')$$, 'IS010', NULL, 'register_table refuses a user''s table (IS010)');
SELECT throws_ok($$SELECT iso28000.register_table('pg_temp.tt')$$, 'IS010', NULL, 'register_table refuses a temporary table (IS010)');
SELECT throws_ok($$SELECT iso28000.attach_history('tap_t_own.ut')$$, 'IS210', NULL, 'attach_history refuses a user''s table (IS210)');
SELECT throws_ok($$SELECT iso28000.attach_history('pg_temp.tt')$$, 'IS210', NULL, 'attach_history refuses a temporary table (IS210)');
SELECT throws_ok($$SELECT iso28000.attach_history('tap_t_own.uv')$$, 'IS210', NULL, 'attach_history refuses a view (IS210)');
SELECT throws_ok($$SELECT iso28000.attach_workflow('tap_t_own.ut', 'nonconformity')$$, 'IS110', NULL, 'attach_workflow refuses a user''s table (IS110)');
SELECT throws_ok($$SELECT iso28000.attach_workflow('pg_temp.tt', 'nonconformity')$$, 'IS110', NULL, 'attach_workflow refuses a temporary table (IS110)');
-- A table in schema iso28000 that someone else owns is no register either.
CREATE TABLE iso28000.tap_t_lent (org_id bigint NOT NULL, id bigint NOT NULL, status text, PRIMARY KEY (org_id, id));
ALTER TABLE iso28000.tap_t_lent OWNER TO tap_t_mallory;
SELECT throws_ok($$SELECT iso28000.register_table('iso28000.tap_t_lent')$$, 'IS010', NULL,
                 'register_table refuses a table of schema iso28000 owned by another role (IS010)');
SELECT throws_ok($$SELECT iso28000.attach_history('iso28000.tap_t_lent')$$, 'IS210', NULL, 'so does attach_history (IS210)');
SELECT throws_ok($$SELECT iso28000.attach_workflow('iso28000.tap_t_lent', 'nonconformity')$$, 'IS110', NULL, 'and attach_workflow (IS110)');
SELECT is((SELECT count(*)::int FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relname IN ('tt', 'ut', 'tap_t_lent') AND NOT t.tgisinternal), 0,
          'no trigger was put on any of them');

-- The C triggers test the table themselves: a trigger a superuser put by hand
-- on a table that is no register refuses every row.
CREATE TRIGGER h_ins AFTER INSERT ON tap_t_own.ut REFERENCING NEW TABLE AS n
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record();
CREATE TRIGGER w_ins BEFORE INSERT ON iso28000.tap_t_lent
  FOR EACH ROW EXECUTE FUNCTION iso28000.workflow_guard('nonconformity');
CREATE TRIGGER h_ins AFTER INSERT ON iso28000.tap_t_lent REFERENCING NEW TABLE AS n
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record();
SET SESSION AUTHORIZATION tap_t_mallory;
SELECT throws_ok(format($$INSERT INTO tap_t_own.ut VALUES (%s, 1, 'x')$$, :b), 'IS210', NULL,
                 'the recorder refuses a row of a table that is no register (IS210)');
SELECT throws_ok(format($$INSERT INTO iso28000.tap_t_lent VALUES (%s, 1, 'reported')$$, :b), 'IS110', NULL,
                 'the workflow guard refuses a table that is no register (IS110)');
RESET SESSION AUTHORIZATION;
DROP TRIGGER w_ins ON iso28000.tap_t_lent;
SET SESSION AUTHORIZATION tap_t_mallory;
SELECT throws_ok(format($$INSERT INTO iso28000.tap_t_lent VALUES (%s, 1, 'reported')$$, :b), 'IS210', NULL,
                 'the recorder refuses a table of schema iso28000 that its owner does not own (IS210)');
RESET SESSION AUTHORIZATION;
SELECT ok(pg_temp.chain_unchanged(:b), 'B''s chain has no new record and verifies');

-- A register whose policies a DBA left open: the recorder still refuses a row
-- of an organisation in which the role cannot write (IS211), so no record is
-- appended to, and no head lock is taken on, another organisation's chain.
CREATE TABLE iso28000.tap_t_open (
    org_id bigint NOT NULL REFERENCES iso28000.organization,
    id     bigint NOT NULL,
    note   text,
    PRIMARY KEY (org_id, id));
SELECT iso28000.register_table('iso28000.tap_t_open');
CREATE POLICY tap_t_anyone ON iso28000.tap_t_open FOR INSERT WITH CHECK (true);
CREATE POLICY tap_t_anyone_read ON iso28000.tap_t_open FOR SELECT USING (true);
CREATE POLICY tap_t_anyone_update ON iso28000.tap_t_open FOR UPDATE USING (true) WITH CHECK (true);
INSERT INTO iso28000.tap_t_open VALUES (:b, 100, 'B''s own');
DELETE FROM chain_before;
INSERT INTO chain_before SELECT org_id, seq, hash FROM iso28000.history_head;

SET SESSION AUTHORIZATION tap_t_mallory;
SELECT throws_ok(format($$INSERT INTO iso28000.tap_t_open VALUES (%s, 1, 'into B')$$, :b), 'IS211', NULL,
                 'a writer of A cannot append to B''s chain (IS211)');
SELECT throws_ok(format($$INSERT INTO iso28000.tap_t_open VALUES (%s, 2, 'A'), (%s, 3, 'B')$$, :a, :b), 'IS211', NULL,
                 'nor in a statement that also writes A');
SELECT throws_ok($$UPDATE iso28000.tap_t_open SET note = 'touched' WHERE id = 100$$, 'IS211', NULL,
                 'nor change a row of B');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_t_nobody;
SELECT throws_ok(format($$INSERT INTO iso28000.tap_t_open VALUES (%s, 4, 'into B')$$, :b), 'IS211',
                 format('role "tap_t_nobody" cannot write in organisation %s: the history does not record its change of "iso28000.tap_t_open"', :b),
                 'a role of no organisation cannot either; the message names role, organisation and register');
SELECT throws_ok(format($$INSERT INTO iso28000.tap_t_open VALUES (%s, 5, 'into A')$$, :a), 'IS211', NULL,
                 'nor into A');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM iso28000.tap_t_open), 1, 'no row was written');
SELECT ok(pg_temp.chain_unchanged(:b), 'B''s chain has no new record and verifies');
SELECT ok(pg_temp.chain_unchanged(:a), 'A''s chain has no new record and verifies');

-- The head lock: a refused writer holds nothing, so B's writers do not wait.
SET SESSION AUTHORIZATION tap_t_mallory;
SELECT throws_ok(format($$INSERT INTO iso28000.tap_t_open VALUES (%s, 6, 'lock B')$$, :b), 'IS211', NULL,
                 'the attempt on B is refused before the head is locked');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM pg_locks l WHERE l.pid = pg_backend_pid() AND l.locktype = 'tuple'
            AND l.relation = 'iso28000.history_head'::regclass), 0, 'no tuple lock of a chain head is held');

-- A writer of both organisations writes both in one statement.
SET SESSION AUTHORIZATION tap_t_two;
SELECT lives_ok(format($$INSERT INTO iso28000.tap_t_open VALUES (%s, 7, 'A'), (%s, 8, 'B')$$, :a, :b),
                'a writer of A and B writes a row of each');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT array_agg(org_id ORDER BY org_id) FROM iso28000.history
            WHERE table_name = 'iso28000.tap_t_open' AND row_key->>'id' IN ('7', '8')),
          ARRAY[:a, :b]::bigint[], 'each row is chained in its own organisation');
SELECT is((SELECT valid FROM iso28000.verify_history(:a)) AND (SELECT valid FROM iso28000.verify_history(:b)), true,
          'both chains verify');

-- The extension's SECURITY DEFINER functions and the owner still write (as before).
SELECT iso28000.create_organization('T-C', 'Created by the owner', 'tap_t_boss') AS c \gset
SELECT is((SELECT count(*)::int FROM iso28000.history WHERE org_id = :c), 2,
          'create_organization records the organisation and its manager');

-- Crafted calls of the C functions.
SET SESSION AUTHORIZATION tap_t_mallory;
SELECT throws_ok($$SELECT iso28000.workflow_guard()$$, '42501', NULL, 'workflow_guard() cannot be called');
SELECT throws_ok($$SELECT iso28000.workflow_rules_changed()$$, '39P01', NULL, 'workflow_rules_changed() only fires as a trigger');
SELECT is(iso28000.history_hash(:b, 1, now(), 'x', 'x', 1, 'iso28000.person', 'INSERT', NULL, NULL, NULL, '\x00'::bytea), NULL,
          'history_hash() with a malformed previous hash answers NULL and writes nothing');
RESET SESSION AUTHORIZATION;

SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'tap_t_%' AND (rolsuper OR rolcreaterole OR rolbypassrls)),
          0, 'no role of the test gained a privilege');

SELECT * FROM finish();
ROLLBACK;
