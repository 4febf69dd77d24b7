-- Attack 6 of issue 11: recording cannot be switched off by the caller.
--
-- Reported: with SET row_security = off (any role may set it), a call of
-- create_organization() (SECURITY DEFINER) wrote an organisation and its
-- manager's membership without a history record.  Cause: the recorder took
-- row_security = off for a restore and recorded nothing.  Now it skips only
-- when the session's role (the outer user, which SECURITY DEFINER does not
-- change) has the privileges of the registers' owner, who could disable the
-- trigger anyway.  The other settings a role may change cannot stop it.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(15);

CREATE ROLE tap_r_founder NOLOGIN;   -- may create organisations (granted by the DBA)
CREATE ROLE tap_r_writer NOLOGIN;    -- writes A
GRANT EXECUTE ON FUNCTION iso28000.create_organization(text, text, regrole) TO tap_r_founder;
SELECT iso28000.create_organization('R-A', 'Recorded A', 'tap_r_founder') AS a \gset
SELECT iso28000.grant_access(:a, 'tap_r_writer', 'write');

-- The reported attack.
SET SESSION AUTHORIZATION tap_r_founder;
SET row_security = off;
SELECT iso28000.create_organization('R-N', 'Created with row_security off') AS n \gset
RESET row_security;
RESET SESSION AUTHORIZATION;
SELECT results_eq(format($$SELECT seq, table_name, operation FROM iso28000.history WHERE org_id = %s ORDER BY seq$$, :n),
  $$VALUES (1::bigint, 'iso28000.organization'::text, 'INSERT'::text), (2, 'iso28000.membership', 'INSERT')$$,
  'with row_security off, the new organisation and its manager''s membership are recorded');
SELECT is((SELECT valid FROM iso28000.verify_history(:n)), true, 'and its chain verifies');
SELECT is((SELECT session_role FROM iso28000.history WHERE org_id = :n AND seq = 1), 'tap_r_founder',
          'the record names the session''s role, not the definer''s');

-- row_security off for a plain writer: a register refuses rather than skip its policies.
SET SESSION AUTHORIZATION tap_r_writer;
SET row_security = off;
SELECT throws_ok(format($$INSERT INTO iso28000.person (org_id, full_name) VALUES (%s, 'Unrecorded?')$$, :a),
                 '42501', NULL, 'with row_security off a writer cannot write a register at all');
RESET row_security;
-- session_replication_role = replica would skip the triggers: only a superuser may set it.
SELECT throws_ok($$SET session_replication_role = replica$$, '42501', NULL,
                 'a role cannot set session_replication_role');
SELECT throws_ok($$SET LOCAL session_replication_role = replica$$, '42501', NULL, 'not even locally');
-- Nor may a non-owner disable, drop or re-enable the triggers in replica mode.
SELECT throws_ok($$ALTER TABLE iso28000.person DISABLE TRIGGER iso28000_history_insert$$, '42501', NULL,
                 'a role cannot disable the history trigger of a register');
SELECT throws_ok($$ALTER TABLE iso28000.person ENABLE REPLICA TRIGGER iso28000_history_insert$$, '42501', NULL,
                 'nor make it a replica trigger');
SELECT throws_ok($$DROP TRIGGER iso28000_history_insert ON iso28000.person$$, '42501', NULL, 'nor drop it');
-- Other settings a role may change leave the recording on.
SET search_path = public;
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Pacific/Chatham';
SET extra_float_digits = -10;
SET standard_conforming_strings = off;
SET transform_null_equals = on;
SELECT lives_ok(format($$INSERT INTO iso28000.person (org_id, full_name) VALUES (%s, 'Recorded anyway')$$, :a),
                'with other settings changed, the writer writes');
RESET ALL;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM iso28000.history WHERE org_id = :a AND after_image->>'full_name' = 'Recorded anyway'), 1,
          'and the change is recorded');
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'A''s chain verifies');

-- Every history trigger of every register fires in the default (origin) mode,
-- so only session_replication_role = replica, a superuser's setting, skips it.
SELECT is((SELECT array_agg(t.tgrelid::regclass::text || '.' || t.tgname ORDER BY 1) FROM pg_trigger t
            WHERE t.tgfoid IN ('iso28000.history_record()'::regprocedure, 'iso28000.workflow_guard()'::regprocedure)
              AND t.tgenabled <> 'O'),
          NULL, 'every history and workflow trigger is enabled in origin mode');

-- What the owner can still do: a superuser (or the registers' owner) with
-- row_security off is not recorded, as pg_restore needs (it loads the history
-- as data).  Such a role could disable the trigger anyway (doc/security.md).
SET LOCAL row_security = off;
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Restored by the owner');
RESET row_security;
SELECT is((SELECT count(*)::int FROM iso28000.history WHERE org_id = :a AND after_image->>'full_name' = 'Restored by the owner'), 0,
          'the owner with row_security off is not recorded (restore)');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'tap_r_%' AND (rolsuper OR rolcreaterole OR rolbypassrls)),
          0, 'no role of the test gained a privilege');

SELECT * FROM finish();
ROLLBACK;
