-- The person stamps in C (src/actor_stamp.c) and the acting person's cached
-- look-ups (src/actor.c), on the real nonconformity register, as
-- non-superuser roles:
--   - entering verified fills verified_by with the acting person: the role's
--     own person, or the person a delegated application acts for;
--   - a verified record's verifier cannot change while it stays verified
--     (IS121), nor can a statement name someone other than the acting person
--     (IS120), each with its message, schema, table and column;
--   - the look-ups are kept across statements, yet a change of the own
--     transaction (a person deactivated, a delegation revoked) counts from its
--     next statement, and rolled back, the old answer is back;
--   - nonconformity_keep_verifier_independent (BEFORE UPDATE OF verified_by)
--     does not run on an UPDATE that does not name verified_by.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(32);

CREATE ROLE tap_as_mgr NOLOGIN;   -- manager
CREATE ROLE tap_as_vic NOLOGIN;   -- a verifier with a login of his own, audit
CREATE ROLE tap_as_app NOLOGIN;   -- a delegated application, audit
SELECT iso28000.create_organization('AS', 'Actor stamp', 'tap_as_mgr') AS a \gset
SET SESSION AUTHORIZATION tap_as_mgr;
SELECT iso28000.grant_access(:a, 'tap_as_vic', 'audit');
SELECT iso28000.grant_access(:a, 'tap_as_app', 'audit');
SELECT iso28000.grant_delegation(:a, 'tap_as_app', 'verification app');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Vic Verifier', 'tap_as_vic') RETURNING person_id AS vic \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Val Verifier') RETURNING person_id AS val \gset
INSERT INTO iso28000.nonconformity (org_id, title, severity) SELECT :a, 'seal ' || g, 'minor' FROM generate_series(1, 3) g;
RESET SESSION AUTHORIZATION;
-- Straight to action_taken, the restore way (no triggers): the test is about the stamp of verified.
SET session_replication_role = replica;
UPDATE iso28000.nonconformity SET status = 'action_taken', correction = 'c', root_cause = 'r', analysis_method = 'm',
       similar_nonconformities = 's' WHERE org_id = :a;
RESET session_replication_role;
SELECT min(nonconformity_id) AS nc1, min(nonconformity_id) + 1 AS nc2, min(nonconformity_id) + 2 AS nc3
  FROM iso28000.nonconformity WHERE org_id = :a \gset

SELECT is((SELECT l.lanname::text FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = 'iso28000.stamp_acting_person'::regproc), 'c', 'stamp_acting_person is written in C');

-- 1. Entering verified stamps the acting person: the role's own person.
SET SESSION AUTHORIZATION tap_as_vic;
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'ok', verified_on = current_date
                         WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc1), 'Vic verifies');
SELECT is((SELECT verified_by FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc1), :vic::bigint,
          'verified_by left empty is the acting person (Vic, through his own role)');

-- 2. A verified record keeps its verifier (IS121), with the fields.
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET verified_by = NULL WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc1),
                 'IS121', format('iso28000.nonconformity of organisation %s: verified_by cannot change while the record stays in state "verified"', :a),
                 'the verifier cannot be emptied while the record stays verified (IS121, message)');
CREATE FUNCTION pg_temp.err_fields(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text; t text; c text; d text;
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS s = SCHEMA_NAME, t = TABLE_NAME, c = COLUMN_NAME, d = PG_EXCEPTION_DETAIL;
  RETURN concat_ws(' ', s, t, c, d);
END $$;
SELECT is(pg_temp.err_fields(format($$UPDATE iso28000.nonconformity SET verified_by = NULL WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc1)),
          format('iso28000 nonconformity verified_by verified_by is stamped with the acting person when the record enters "verified"; it was %s, the statement gives empty.', :vic),
          'IS121 names schema, table, column, and both values in its detail');

-- 3. A statement cannot name another person (IS120), with the fields.
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'ok', verified_on = current_date,
                                 verified_by = %s WHERE org_id = %s AND nonconformity_id = %s$$, :val, :a, :nc2),
                 'IS120', format('iso28000.nonconformity of organisation %s: verified_by names person %s, but the acting person is person %s', :a, :val, :vic),
                 'Vic cannot verify in Val''s name (IS120, message)');
SELECT is(pg_temp.err_fields(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'ok', verified_on = current_date,
                                             verified_by = %s WHERE org_id = %s AND nonconformity_id = %s$$, :val, :a, :nc2)),
          'iso28000 nonconformity verified_by verified_by records who did it: the database writes the acting person, never one the client names.',
          'IS120 names schema, table and column');
SELECT is((SELECT status FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc2), 'action_taken', 'nothing was written');

-- 4. The verifier guard runs on UPDATE OF verified_by only.
RESET SESSION AUTHORIZATION;
SET LOCAL track_functions = 'all';
SET SESSION AUTHORIZATION tap_as_vic;
UPDATE iso28000.nonconformity SET effectiveness_review = 'reviewed again' WHERE org_id = :a AND nonconformity_id = :nc1;
SELECT is(coalesce(pg_stat_get_xact_function_calls('iso28000.nonconformity_keep_verifier_independent'::regproc), 0), 0::bigint,
          'an UPDATE that does not name verified_by does not run the verifier guard');
SELECT is(coalesce(pg_stat_get_xact_function_calls('iso28000.stamp_acting_person'::regproc), 0), 1::bigint,
          '(the stamp trigger ran once)');
UPDATE iso28000.nonconformity SET verified_by = :vic WHERE org_id = :a AND nonconformity_id = :nc1;
SELECT is(coalesce(pg_stat_get_xact_function_calls('iso28000.nonconformity_keep_verifier_independent'::regproc), 0), 1::bigint,
          'one that names verified_by does (so the count above could have failed)');

-- 5. The look-ups are kept across statements, yet see the own transaction's changes at its next statement.
SELECT is(iso28000.acting_person(:a), :vic::bigint, 'Vic acts as himself');
RESET SESSION AUTHORIZATION;
SAVEPOINT deactivate;
SET SESSION AUTHORIZATION tap_as_mgr;
UPDATE iso28000.person SET active = false WHERE org_id = :a AND person_id = :vic;
SET SESSION AUTHORIZATION tap_as_vic;
SELECT is(iso28000.acting_person(:a), NULL, 'deactivated: Vic acts for nobody from the next statement');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'ok', verified_on = current_date
                          WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc2),
                 'IS103', NULL, 'a verification by nobody stamps nobody, so verified lacks its verifier (IS103)');
SELECT is((SELECT status || ' ' || coalesce(verified_by::text, '-') FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc2),
          'action_taken -', '... and nothing was written');
RESET SESSION AUTHORIZATION;
ROLLBACK TO SAVEPOINT deactivate;
SET SESSION AUTHORIZATION tap_as_vic;
SELECT is(iso28000.acting_person(:a), :vic::bigint, 'the deactivation rolled back: Vic acts as himself again');

-- 5b. Written in replica mode (as a logical replication apply worker writes), the change still counts.
SELECT is((SELECT string_agg(c.relname || '.' || t.tgname || '=' || t.tgenabled::text, ', ' ORDER BY c.relname)
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE t.tgname IN ('identity_changed', 'membership_changed')),
          'access_level.membership_changed=A, delegation.identity_changed=A, membership.membership_changed=A, person.identity_changed=A',
          'the triggers that drop the identity caches fire in replica mode too (ENABLE ALWAYS)');
RESET SESSION AUTHORIZATION;
SAVEPOINT replica;
SET LOCAL session_replication_role = replica;
UPDATE iso28000.person SET active = false WHERE org_id = :a AND person_id = :vic;
SET LOCAL session_replication_role = origin;
SET SESSION AUTHORIZATION tap_as_vic;
SELECT is(iso28000.acting_person(:a), NULL, 'deactivated in replica mode: Vic acts for nobody from the next statement');
RESET SESSION AUTHORIZATION;
ROLLBACK TO SAVEPOINT replica;
SET SESSION AUTHORIZATION tap_as_vic;
SELECT is(iso28000.acting_person(:a), :vic::bigint, 'rolled back: Vic acts as himself again');

-- 5c. A column stamped without a state (security_policy.approved_by): even a manager names only
-- the acting person.  (0.1.0's PL/pgSQL let a manager through: NOT (NULL = '*' AND true) is NULL.)
SET SESSION AUTHORIZATION tap_as_mgr;
SELECT throws_ok(format($$INSERT INTO iso28000.security_policy (org_id, version, title, body, commits_to_requirements,
                                 commits_to_improvement, approved_by, approved_on)
                          VALUES (%s, 1, 'Policy', 'We secure the chain.', true, true, %s, current_date)$$, :a, :val),
                 'IS120', NULL, 'a manager cannot record Val as the approver of a policy (IS120)');
SELECT is((SELECT count(*)::int FROM iso28000.security_policy WHERE org_id = :a), 0, '... and nothing was written');
SET SESSION AUTHORIZATION tap_as_vic;

-- 6. The delegated application, and its delegation revoked in the same transaction.
SET SESSION AUTHORIZATION tap_as_app;
SELECT iso28000.act_as(:a, :val) AS declared \gset
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'ok', verified_on = current_date
                         WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc2), 'the application verifies for Val');
SELECT is((SELECT verified_by FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc2), :val::bigint,
          'verified_by is the person the application acts for');
SET SESSION AUTHORIZATION tap_as_mgr;
SELECT iso28000.revoke_delegation(:a, 'tap_as_app') AS revoked \gset
SET SESSION AUTHORIZATION tap_as_app;
SELECT is(iso28000.acting_person(:a), NULL, 'delegation revoked: the application acts for nobody from the next statement');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'ok', verified_on = current_date
                          WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc3),
                 'IS103', NULL, 'a verification after the revoke stamps nobody, not Val (IS103)');
SELECT is((SELECT status || ' ' || coalesce(verified_by::text, '-') FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc3),
          'action_taken -', '... and nothing was written');
RESET SESSION AUTHORIZATION;

-- The trigger's arguments are read once per backend and trigger and kept
-- (src/actor_stamp.c): a column renamed, dropped or put in another place
-- is found again by its name at the next row.
CREATE SCHEMA tap_as_s;
CREATE TABLE tap_as_s.t (org_id bigint, id int PRIMARY KEY, status text, verified_by bigint);
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON tap_as_s.t
    FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('verified_by:verified');
GRANT USAGE ON SCHEMA tap_as_s TO PUBLIC;
GRANT SELECT, INSERT, UPDATE ON tap_as_s.t TO PUBLIC;
INSERT INTO tap_as_s.t VALUES (:a, 1, 'open', NULL), (:a, 2, 'open', NULL), (:a, 3, 'open', NULL);
SET SESSION AUTHORIZATION tap_as_vic;
UPDATE tap_as_s.t SET status = 'verified' WHERE id = 1;
SELECT is((SELECT verified_by FROM tap_as_s.t WHERE id = 1), :vic::bigint, 'a table of its own: entering verified stamps Vic');
RESET SESSION AUTHORIZATION;
ALTER TABLE tap_as_s.t RENAME verified_by TO verified_by_before;
ALTER TABLE tap_as_s.t ADD COLUMN verified_by bigint;
SET SESSION AUTHORIZATION tap_as_vic;
UPDATE tap_as_s.t SET status = 'verified' WHERE id = 2;
SELECT is((SELECT format('%s %s', verified_by_before, verified_by) FROM tap_as_s.t WHERE id = 2), format(' %s', :vic),
          'the stamped column renamed and another added under its name: the new one is stamped, in the same session');
RESET SESSION AUTHORIZATION;
ALTER TABLE tap_as_s.t DROP COLUMN verified_by;
SET SESSION AUTHORIZATION tap_as_vic;
SELECT throws_ok($$UPDATE tap_as_s.t SET status = 'verified' WHERE id = 3$$, 'XX000',
                 'iso28000.stamp_acting_person(): t has no column verified_by', 'and once it is dropped, the trigger says so');
RESET SESSION AUTHORIZATION;
CREATE OR REPLACE TRIGGER stamp BEFORE INSERT OR UPDATE ON tap_as_s.t
    FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('verified_by_before:verified');
SET SESSION AUTHORIZATION tap_as_vic;
UPDATE tap_as_s.t SET status = 'verified' WHERE id = 3;
SELECT is((SELECT verified_by_before FROM tap_as_s.t WHERE id = 3), :vic::bigint,
          'the trigger replaced with other arguments: they count from its next row');
RESET SESSION AUTHORIZATION;

-- The cache-dropping triggers refuse to run as row triggers (an internal
-- error: only the extension's owner can attach them).
CREATE TEMPORARY TABLE tap_as_scratch (x int);
CREATE TRIGGER t_identity AFTER INSERT ON tap_as_scratch FOR EACH ROW EXECUTE FUNCTION iso28000.identity_changed();
CREATE TRIGGER t_membership AFTER UPDATE ON tap_as_scratch FOR EACH ROW EXECUTE FUNCTION iso28000.membership_changed();
SELECT throws_ok($$INSERT INTO tap_as_scratch VALUES (1)$$, 'XX000',
                 'iso28000.identity_changed() must be called as a statement trigger',
                 'identity_changed() as a row trigger is refused (XX000)');
DROP TRIGGER t_identity ON tap_as_scratch;
INSERT INTO tap_as_scratch VALUES (1);
SELECT throws_ok($$UPDATE tap_as_scratch SET x = 2$$, 'XX000',
                 'iso28000.membership_changed() must be called as a statement trigger',
                 'membership_changed() as a row trigger is refused (XX000)');

SELECT * FROM finish();
ROLLBACK;
