-- The registers' row-level security policies and their planner support
-- (src/membership_planner.c): iso28000.policy_has_level(org_id, level)
-- becomes the index condition org_id = ANY (iso28000.policy_orgs(level)) where
-- that narrows the scan, stays a filter where the statement fixes org_id
-- itself, is estimated from org_id's statistics, and never puts a role's
-- organisations into a plan: prepared statements answer for the role and the
-- membership of the moment they run.  Every question is asked as a
-- non-superuser; one part under a hostile search_path.  The same across
-- sessions: the isolation spec policy_plan_revoke.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(39);

CREATE ROLE pp_boss NOLOGIN;        -- manages A, B, C, D
CREATE ROLE pp_writer NOLOGIN;      -- writes A
CREATE ROLE pp_all NOLOGIN;         -- writes A, B, C, D
CREATE ROLE pp_nobody NOLOGIN;      -- member of nothing
CREATE ROLE pp_mallory NOLOGIN;     -- writes B; owns a schema of traps
SELECT iso28000.create_organization('PP-' || n, 'Policy planner ' || n, 'pp_boss') FROM generate_series(1, 4) n;
SELECT min(org_id) AS a, min(org_id) + 1 AS b FROM iso28000.organization WHERE code LIKE 'PP-%' \gset
SET SESSION AUTHORIZATION pp_boss;
SELECT iso28000.grant_access(:a, 'pp_writer', 'write');
SELECT iso28000.grant_access(o.org_id, 'pp_all', 'write') FROM iso28000.organization o WHERE o.code LIKE 'PP-%';
SELECT iso28000.grant_access(:b, 'pp_mallory', 'write');
RESET SESSION AUTHORIZATION;
-- 500 nonconformities in each of the four organisations, with statistics.
INSERT INTO iso28000.nonconformity (org_id, title, severity)
  SELECT o.org_id, 'nc ' || g, 'minor'
    FROM iso28000.organization o CROSS JOIN generate_series(1, 500) g WHERE o.code LIKE 'PP-%';
ANALYZE iso28000.nonconformity;
SELECT min(nonconformity_id) AS nc_a FROM iso28000.nonconformity WHERE org_id = :a \gset
SELECT min(nonconformity_id) AS nc_b FROM iso28000.nonconformity WHERE org_id = :b \gset

CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP r := r || l || E'\n'; END LOOP;
  RETURN r;
END $$;
CREATE FUNCTION pg_temp.rows_of(q text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
  RETURN (j -> 0 -> 'Plan' ->> 'Plan Rows')::numeric;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.plan_of(text), pg_temp.rows_of(text) TO PUBLIC;

-- The policies: every policy of every register (the tables with the history
-- chain: those register_table made, and organization, membership, delegation).
SELECT is((SELECT array_agg(format('%s.%s', polrelid::regclass, polname) ORDER BY 1)
             FROM pg_policy
            WHERE polrelid IN (SELECT tgrelid FROM pg_trigger WHERE tgname = 'iso28000_history_insert')
              AND NOT (coalesce(pg_get_expr(polqual, polrelid), '') ~ '^(iso28000\.policy_has_level\(org_id, ''(read|write|audit|manage)''::text\))?$'
                       AND coalesce(pg_get_expr(polwithcheck, polrelid), '') ~ '^(iso28000\.policy_has_level\(org_id, ''(read|write|audit|manage)''::text\))?$')),
          NULL, 'every policy of every register is iso28000.policy_has_level(org_id, level)');
SELECT is((SELECT array_agg(format('%s.%s', polrelid::regclass, polname) ORDER BY 1)
             FROM pg_policy
            WHERE polname IN ('member_read', 'member_insert', 'member_update', 'member_delete')
              AND polrelid IN (SELECT polrelid FROM pg_policy WHERE polname = 'member_delete')
              AND polrelid IN (SELECT tgrelid FROM pg_trigger WHERE tgname = 'iso28000_history_insert')
              AND NOT (coalesce(pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid))
                         = format('iso28000.policy_has_level(org_id, %L::text)',
                                  CASE polname WHEN 'member_read' THEN 'read' ELSE 'write' END))),
          NULL, 'register_table''s four: read for SELECT, write for the others');
SELECT cmp_ok((SELECT count(DISTINCT polrelid) FROM pg_policy
                WHERE polrelid IN (SELECT tgrelid FROM pg_trigger WHERE tgname = 'iso28000_history_insert')), '>=', 20::bigint,
              'the registers of the extension have them');
SELECT is((SELECT prosupport::regprocedure::text FROM pg_proc WHERE oid = 'iso28000.policy_has_level(bigint, text)'::regprocedure),
          'iso28000.policy_support(internal)', 'policy_has_level has its planner support function');
SELECT is((SELECT row(l.lanname, p.provolatile, p.proisstrict, p.proparallel, p.prosecdef, p.proconfig IS NULL)::text
             FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = 'iso28000.policy_has_level(bigint, text)'::regprocedure),
          '(c,s,t,s,f,t)', 'policy_has_level is C, STABLE, STRICT, PARALLEL SAFE, invoker, without a SET clause');

-- The statement fixes org_id: the policies are a filter, no array in the index condition.
SET SESSION AUTHORIZATION pp_writer;
SELECT pg_temp.plan_of(format($$UPDATE iso28000.nonconformity SET title = 'x' WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc_a)) AS plan \gset
SELECT alike(:'plan'::text, format('%%Index Cond: ((org_id = %s) AND (nonconformity_id = %s))%%', :a, :nc_a),
             'org_id fixed by the statement: the index condition is the statement''s');
SELECT unalike(:'plan'::text, '%policy_orgs%', 'org_id fixed: no organisation array in the plan');
SELECT alike(:'plan'::text, E'%Filter: iso28000.policy_has_level(org_id, ''write''::text)\n%',
             'org_id fixed: the UPDATE policy is a filter, the SELECT policy''s read level implied by it (policy_implied.sql)');
SELECT unalike(pg_temp.plan_of(format('SELECT * FROM iso28000.nonconformity WHERE org_id = %s', :a)), '%policy_orgs%',
               'a read of one organisation: no organisation array either');

-- The statement does not fix org_id: the policy is the index condition, exact (no recheck).
SET LOCAL enable_seqscan = off;
SELECT pg_temp.plan_of(format('SELECT * FROM iso28000.nonconformity WHERE nonconformity_id = %s', :nc_a)) AS plan \gset
SELECT alike(:'plan'::text, format('%%Index Cond: ((org_id = ANY (iso28000.policy_orgs(''read''::text))) AND (nonconformity_id = %s))%%', :nc_a),
             'org_id not fixed: the policy is an index condition on org_id');
SELECT unalike(:'plan'::text, '%policy_has_level%', 'the index condition is exact: no filter');
SELECT unalike(:'plan'::text, '%InitPlan%', 'no InitPlan');
RESET enable_seqscan;

-- Both forms answer alike.
SELECT is((SELECT count(*)::int FROM iso28000.nonconformity WHERE org_id = :a), 500, 'the filter form: the own organisation''s rows');
SELECT is((SELECT count(*)::int FROM iso28000.nonconformity WHERE org_id = :b), 0, 'the filter form: none of another');
SET LOCAL enable_seqscan = off;
SELECT is((SELECT count(*)::int FROM iso28000.nonconformity WHERE nonconformity_id > 0), 500, 'the index form: the own organisation''s rows');
RESET enable_seqscan;
SELECT is((SELECT count(*)::int FROM iso28000.nonconformity WHERE title = 'nc 1'), 1, 'a sequential scan: the own organisation''s rows');
RESET SESSION AUTHORIZATION;

-- The integer family's equalities are known by their OIDs, without the
-- catalog (membership_planner.c, mp_btree_equality): a smallint constant
-- fixes org_id like an integer one; an inequality of the same family does not.
SET SESSION AUTHORIZATION pp_writer;
SELECT unalike(pg_temp.plan_of(format('SELECT * FROM iso28000.nonconformity WHERE org_id = %s::smallint AND nonconformity_id = %s', :a, :nc_a)),
               '%policy_orgs%', 'org_id fixed by a smallint constant: no organisation array');
SET LOCAL enable_seqscan = off;
SELECT alike(pg_temp.plan_of(format('SELECT * FROM iso28000.nonconformity WHERE org_id >= %s AND nonconformity_id = %s', :a, :nc_a)),
             '%org_id = ANY (iso28000.policy_orgs(''read''::text))%', 'org_id bounded by >=, not fixed: the policy is still the index condition');
RESET enable_seqscan;
RESET SESSION AUTHORIZATION;

-- Estimates: what org_id = ANY (the role's organisations) would get.
SET SESSION AUTHORIZATION pp_writer;
SELECT pg_temp.rows_of('SELECT * FROM iso28000.nonconformity') AS rows_one \gset
SELECT pg_temp.rows_of(format('SELECT * FROM iso28000.nonconformity WHERE org_id = %s', :a)) AS rows_fixed_own \gset
SELECT pg_temp.rows_of(format('SELECT * FROM iso28000.nonconformity WHERE org_id = %s', :b)) AS rows_fixed_other \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION pp_all;
SELECT pg_temp.rows_of('SELECT * FROM iso28000.nonconformity') AS rows_all \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION pp_nobody;
SELECT pg_temp.rows_of('SELECT * FROM iso28000.nonconformity') AS rows_none \gset
RESET SESSION AUTHORIZATION;
SELECT ok(:rows_one BETWEEN 400 AND 600, format('a member of one of four organisations: about 500 rows estimated (%s)', :rows_one));
SELECT ok(:rows_all BETWEEN 1800 AND 2200, format('a member of all four: about 2000 (%s)', :rows_all));
SELECT is(:rows_none::numeric, 1::numeric, 'a member of none: one row, the least the planner estimates');
SELECT ok(:rows_fixed_own BETWEEN 400 AND 600, format('org_id fixed to the own organisation: its rows, the policy keeps them all (%s)', :rows_fixed_own));
SELECT is(:rows_fixed_other::numeric, 1::numeric, 'org_id fixed to another organisation: the policy keeps none (one row, the least)');

-- Prepared statements: the plan holds no organisation, so it answers for the
-- membership of the moment it runs (org_id fixed: filter; not fixed: index condition).
SET SESSION AUTHORIZATION pp_writer;
SET plan_cache_mode = force_generic_plan;
PREPARE pp_fixed(bigint, bigint) AS SELECT count(*)::int FROM iso28000.nonconformity WHERE org_id = $1 AND nonconformity_id = $2;
PREPARE pp_open(bigint) AS SELECT count(*)::int FROM iso28000.nonconformity WHERE nonconformity_id = $1;
SELECT results_eq(format('EXECUTE pp_fixed(%s, %s)', :a, :nc_a), ARRAY[1], 'generic plan, org_id fixed: the own row');
SELECT results_eq(format('EXECUTE pp_open(%s)', :nc_a), ARRAY[1], 'generic plan, org_id open: the own row');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION pp_boss;
SELECT iso28000.revoke_access(:a, 'pp_writer') AS revoked \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION pp_writer;
SELECT results_eq(format('EXECUTE pp_fixed(%s, %s)', :a, :nc_a), ARRAY[0], 'revoked: the same prepared statement (filter) finds nothing');
SELECT results_eq(format('EXECUTE pp_open(%s)', :nc_a), ARRAY[0], 'revoked: the same prepared statement (index condition) finds nothing');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION pp_boss;
SELECT iso28000.grant_access(:a, 'pp_writer', 'read');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION pp_writer;
SELECT results_eq(format('EXECUTE pp_fixed(%s, %s)', :a, :nc_a), ARRAY[1], 'granted again: found again');
SELECT results_eq(format('EXECUTE pp_open(%s)', :nc_a), ARRAY[1], 'granted again: found again through the index condition');
SELECT is((SELECT generic_plans > 0 AND custom_plans = 0 FROM pg_prepared_statements WHERE name = 'pp_open'), true,
          'those were generic plans');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION pp_mallory;
SELECT results_eq(format('EXECUTE pp_open(%s)', :nc_a), ARRAY[0], 'another role running the prepared statement gets its own answer (none in A)');
SELECT results_eq(format('EXECUTE pp_open(%s)', :nc_b), ARRAY[1], '... and its own rows');
RESET SESSION AUTHORIZATION;
RESET plan_cache_mode;

-- Daily use as a member: the policies still refuse other organisations' rows.
SET SESSION AUTHORIZATION pp_mallory;
SELECT throws_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, 'forged', 'minor')$$, :a),
                 '42501', NULL, 'a write member of B cannot insert into A');
SELECT results_eq(format($$WITH u AS (UPDATE iso28000.nonconformity SET title = 'moved' WHERE org_id = %s RETURNING 1) SELECT count(*)::int FROM u$$, :a),
                  ARRAY[0], 'nor update A''s rows');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET org_id = %s WHERE nonconformity_id = %s$$, :a, :nc_b),
                 '42501', NULL, 'nor move its own row into A');
RESET SESSION AUTHORIZATION;

-- A hostile search_path: policy_orgs() and = of the attacker's schema are not
-- what the planner puts into the index condition.
CREATE SCHEMA pp_evil AUTHORIZATION pp_mallory;
SET SESSION AUTHORIZATION pp_mallory;
CREATE TABLE pp_evil.fired (trap text);
CREATE FUNCTION pp_evil.policy_orgs(text) RETURNS bigint[] LANGUAGE plpgsql AS
  $f$ BEGIN INSERT INTO pp_evil.fired VALUES ('policy_orgs'); RETURN (SELECT array_agg(org_id) FROM iso28000.organization); END $f$;
CREATE FUNCTION pp_evil.policy_has_level(bigint, text) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN INSERT INTO pp_evil.fired VALUES ('policy_has_level'); RETURN true; END $f$;
CREATE FUNCTION pp_evil.eq(a bigint, b bigint) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN INSERT INTO pp_evil.fired VALUES ('='); RETURN a OPERATOR(pg_catalog.=) b; END $f$;
CREATE OPERATOR pp_evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = pp_evil.eq);
SET search_path = pp_evil, pg_catalog, public, iso28000;
SET enable_seqscan = off;
SELECT is((SELECT count(*)::int FROM iso28000.nonconformity WHERE nonconformity_id > 0), 500,
          'hostile path, index condition: B''s rows only');
SELECT is((SELECT count(*)::int FROM iso28000.nonconformity WHERE org_id OPERATOR(pg_catalog.=) :a), 0,
          'hostile path, filter: none of A');
SELECT alike(pg_temp.plan_of('SELECT * FROM iso28000.nonconformity WHERE nonconformity_id > 0'),
             '%iso28000.policy_orgs(''read''::text)%', 'the index condition calls iso28000.policy_orgs');
RESET enable_seqscan;
RESET search_path;
SELECT is((SELECT array_agg(trap) FROM pp_evil.fired), NULL, 'no trap fired');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
