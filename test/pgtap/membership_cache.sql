-- Membership decided in C from a per-backend cache (src/membership.c): the
-- levels (direct, through a group, revoked, in another organisation), changes
-- made by the same transaction (visible at its next command, undone by a
-- rollback to a savepoint), role membership changes, and no right leaking
-- between roles through SET ROLE, SET LOCAL ROLE or a SECURITY DEFINER
-- function.  Every question is asked as a non-superuser session.  Changes
-- committed by another session are the isolation spec membership_revoke.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(40);

-- NOINHERIT before the grant: from PostgreSQL 16 a grant keeps the inherit
-- option the member had when it was granted, whatever ALTER ROLE says later.
CREATE ROLE mc_alice NOLOGIN NOINHERIT;       -- the session user of most tests
CREATE ROLE mc_team NOLOGIN;                  -- alice may SET ROLE to it, does not inherit it
CREATE ROLE mc_group NOLOGIN;
CREATE ROLE mc_inheritor NOLOGIN IN ROLE mc_group;
CREATE ROLE mc_noinherit NOLOGIN NOINHERIT IN ROLE mc_group;
CREATE ROLE mc_owner NOLOGIN;                 -- owns a SECURITY DEFINER function
CREATE ROLE mc_boss NOLOGIN;
GRANT mc_team TO mc_alice;
SELECT iso28000.create_organization('MCA', 'Membership A', 'mc_boss') AS a \gset
SELECT iso28000.create_organization('MCB', 'Membership B', 'mc_boss') AS b \gset
SET SESSION AUTHORIZATION mc_boss;
SELECT iso28000.grant_access(:a, 'mc_team', 'write');
SELECT iso28000.grant_access(:a, 'mc_group', 'audit');
SELECT iso28000.grant_access(:b, 'mc_group', 'read');
SELECT iso28000.grant_access(:a, 'mc_owner', 'manage');
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Ann in A'), (:b, 'Bea in B');
RESET SESSION AUTHORIZATION;

-- Levels: direct and through a group, each level including the lower ones.
SET SESSION AUTHORIZATION mc_inheritor;
SELECT is(iso28000.member_orgs('read'), ARRAY[:a, :b]::bigint[], 'through a group: read in both organisations, sorted');
SELECT is(iso28000.member_orgs('audit'), ARRAY[:a]::bigint[], 'through a group: audit in A only');
SELECT is(iso28000.member_orgs('manage'), '{}'::bigint[], 'through a group: manage nowhere');
SELECT ok(iso28000.has_level(:a, 'write') AND iso28000.has_level(:a, 'audit') AND NOT iso28000.has_level(:a, 'manage'),
          'audit includes write, not manage');
SELECT ok(iso28000.has_level(:b, 'read') AND NOT iso28000.has_level(:b, 'write'), 'read in another organisation is read only');
SELECT is((SELECT array_agg(full_name ORDER BY full_name) FROM iso28000.person), ARRAY['Ann in A', 'Bea in B'],
          'the policies show the rows of both organisations');
SELECT is(iso28000.member_orgs('nonsense'), '{}'::bigint[], 'an unknown level answers no organisation');
SELECT ok(NOT iso28000.has_level(:a, 'nonsense'), 'an unknown level is not held');
RESET SESSION AUTHORIZATION;

SET SESSION AUTHORIZATION mc_noinherit;
SELECT is(iso28000.member_orgs('read'), '{}'::bigint[], 'a NOINHERIT member of the group does not have its access');
RESET SESSION AUTHORIZATION;

SET SESSION AUTHORIZATION mc_alice;
SELECT is(iso28000.member_orgs('read'), '{}'::bigint[], 'alice has no access of her own');
SELECT throws_ok(format($$SELECT iso28000.require_level(%s, 'read')$$, :a), 'IS001',
                 format('role "mc_alice" does not have read access to organisation %s', :a),
                 'require_level refuses with IS001 and names role, level and organisation');
SELECT throws_ok($$SELECT iso28000.require_level(NULL, 'read')$$, 'IS001',
                 'role "mc_alice" does not have read access to organisation <NULL>',
                 'require_level refuses a NULL organisation');
SELECT is(iso28000._role_orgs('mc_owner', 'read'), '{}'::bigint[],
          'the organisations of a role the session cannot become are not revealed');
SELECT is(iso28000._role_orgs('mc_team', 'write'), ARRAY[:a]::bigint[],
          'those of a role the session can become are');

-- SET ROLE and SET LOCAL ROLE: the answer is the role's, and does not stay.
SET ROLE mc_team;
SELECT is(iso28000.member_orgs('write'), ARRAY[:a]::bigint[], 'after SET ROLE: the role''s organisations');
SELECT lives_ok(format($$SELECT iso28000.require_level(%s, 'write')$$, :a), 'after SET ROLE: require_level passes');
SELECT is((SELECT count(*)::int FROM iso28000.person), 1, 'after SET ROLE: the policies show the role''s rows');
RESET ROLE;
SELECT is(iso28000.member_orgs('read'), '{}'::bigint[], 'after RESET ROLE: nothing is left of the role''s access');
SELECT is((SELECT count(*)::int FROM iso28000.person), 0, 'after RESET ROLE: the policies show nothing');
SAVEPOINT local_role;
SET LOCAL ROLE mc_team;
SELECT ok(iso28000.has_level(:a, 'write'), 'SET LOCAL ROLE in a subtransaction: the role''s level');
ROLLBACK TO SAVEPOINT local_role;
SELECT ok(NOT iso28000.has_level(:a, 'write'), 'after the rollback to the savepoint: alice''s own answer again');
RESET SESSION AUTHORIZATION;

-- A SECURITY DEFINER function answers for its owner only when the session
-- user could become the owner, and its caller's answer is unchanged after it.
CREATE FUNCTION pg_temp.owner_may_manage(org bigint) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT iso28000.has_level(org, 'manage') $$;
ALTER FUNCTION pg_temp.owner_may_manage(bigint) OWNER TO mc_owner;
GRANT EXECUTE ON FUNCTION pg_temp.owner_may_manage(bigint) TO PUBLIC;
SET SESSION AUTHORIZATION mc_alice;
SELECT ok(NOT pg_temp.owner_may_manage(:a), 'a definer function does not lend its owner''s level to a session that cannot become the owner');
SELECT ok(NOT iso28000.has_level(:a, 'read'), 'the caller''s own answer after the definer function');
RESET SESSION AUTHORIZATION;
GRANT mc_owner TO mc_alice;
SET SESSION AUTHORIZATION mc_alice;
SELECT ok(pg_temp.owner_may_manage(:a), 'once the session user may become the owner, the definer function has its level');
SELECT ok(NOT iso28000.has_level(:a, 'read'), 'alice (NOINHERIT) still has no level of her own');
RESET SESSION AUTHORIZATION;
REVOKE mc_owner FROM mc_alice;

-- Changes made by the same transaction count at its next command.
SET SESSION AUTHORIZATION mc_boss;
SELECT ok(iso28000.revoke_access(:a, 'mc_group'), 'revoke_access reports a revoked membership');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION mc_inheritor;
SELECT is(iso28000.member_orgs('read'), ARRAY[:b]::bigint[], 'revoked in A by this transaction: only B is left');
SELECT is((SELECT array_agg(full_name) FROM iso28000.person), ARRAY['Bea in B'], 'revoked: the policies hide A''s rows at once');
RESET SESSION AUTHORIZATION;

SAVEPOINT grant_then_undo;
SET SESSION AUTHORIZATION mc_boss;
SELECT iso28000.grant_access(:a, 'mc_inheritor', 'manage');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION mc_inheritor;
SELECT ok(iso28000.has_level(:a, 'manage'), 'granted in a savepoint: manage at once');
RESET SESSION AUTHORIZATION;
ROLLBACK TO SAVEPOINT grant_then_undo;
SET SESSION AUTHORIZATION mc_inheritor;
SELECT ok(NOT iso28000.has_level(:a, 'read'), 'the savepoint rolled back: the grant is gone from the cache too');
RESET SESSION AUTHORIZATION;

-- Role membership changes count at the next command too.
REVOKE mc_group FROM mc_inheritor;
SET SESSION AUTHORIZATION mc_inheritor;
SELECT is(iso28000.member_orgs('read'), '{}'::bigint[], 'out of the group: no organisation');
SELECT is((SELECT count(*)::int FROM iso28000.person), 0, 'out of the group: the policies show nothing');
RESET SESSION AUTHORIZATION;
SAVEPOINT regroup;
GRANT mc_group TO mc_inheritor;
SET SESSION AUTHORIZATION mc_inheritor;
SELECT is(iso28000.member_orgs('read'), ARRAY[:b]::bigint[], 'back in the group: its organisations again');
RESET SESSION AUTHORIZATION;
ROLLBACK TO SAVEPOINT regroup;
SET SESSION AUTHORIZATION mc_inheritor;
SELECT is(iso28000.member_orgs('read'), '{}'::bigint[], 'the GRANT rolled back to the savepoint: none again');
RESET SESSION AUTHORIZATION;

-- A change of the levels themselves counts at once.
INSERT INTO iso28000.access_level VALUES ('observe', 0, 'Test level below read.');
SET SESSION AUTHORIZATION mc_team;
SELECT is(iso28000.member_orgs('observe'), ARRAY[:a]::bigint[], 'a new level is known at the next command');
RESET SESSION AUTHORIZATION;

-- The policies: no sub-select (Citus refuses them), and they ask the cache.
SELECT is((SELECT array_agg(format('%s.%s', polrelid::regclass, polname) ORDER BY 1)
             FROM pg_policy
            WHERE coalesce(pg_get_expr(polqual, polrelid), '') ~* '\mselect\M'
               OR coalesce(pg_get_expr(polwithcheck, polrelid), '') ~* '\mselect\M'),
          NULL, 'no policy contains a sub-select');
SELECT is((SELECT array_agg(format('%s.%s', polrelid::regclass, polname) ORDER BY 1)
             FROM pg_policy
            WHERE coalesce(pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid)) !~ 'iso28000\.policy_(orgs|has_level)\('),
          NULL, 'every policy asks policy_has_level() or policy_orgs()');
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
            WHERE p.oid IN ('iso28000.member_orgs(text)'::regprocedure, 'iso28000.has_level(bigint, text)'::regprocedure,
                            'iso28000.require_level(bigint, text)'::regprocedure, 'iso28000._role_orgs(regrole, text)'::regprocedure)
              AND (p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
                   OR NOT 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig) OR p.prosecdef)),
          NULL, 'member_orgs, has_level, require_level and _role_orgs are C, invoker, with a pinned search_path');

-- The plan: the policy is an index condition on org_id, with no InitPlan
-- (test/pgtap/policy_planner.sql: where the statement does not fix org_id).
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP r := r || l || E'\n'; END LOOP;
  RETURN r;
END $$;
SET SESSION AUTHORIZATION mc_team;
SET LOCAL enable_seqscan = off;
SELECT pg_temp.plan_of('SELECT full_name FROM iso28000.person WHERE person_id = 1') AS plan \gset
RESET enable_seqscan;
SELECT unalike(:'plan'::text, '%InitPlan%', 'no InitPlan in the plan of a member''s read');
SELECT alike(:'plan'::text, '%Index Cond: ((org_id = ANY (iso28000.policy_orgs(''read''::text)))%', 'the policy is an index condition');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
