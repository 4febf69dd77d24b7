-- An UPDATE of a register carries its SELECT policy next to its UPDATE
-- policy (PostgreSQL: the old row must pass both USING clauses, the new row
-- the UPDATE policy's WITH CHECK and the SELECT policy's USING).  The planner
-- support of iso28000.policy_has_level (src/membership_planner.c,
-- SupportRequestSimplify) drops policy_has_level(org_id, 'read') where
-- policy_has_level(org_id, 'write') already holds for both the old and the
-- new row: the plan of a member's UPDATE checks its write level once per row
-- and nothing else; who may change what does not move.  Asked as
-- non-superusers; a second permissive UPDATE policy (an OR) and a change of
-- the levels' ranks keep the read policy.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(17);

CREATE ROLE pi_boss NOLOGIN;        -- manages A and B
CREATE ROLE pi_writer NOLOGIN;      -- writes A, reads B
CREATE ROLE pi_reader NOLOGIN;      -- reads A
SELECT iso28000.create_organization('PI-' || n, 'Policy implied ' || n, 'pi_boss') FROM generate_series(1, 2) n;
SELECT min(org_id) AS a, min(org_id) + 1 AS b FROM iso28000.organization WHERE code LIKE 'PI-%' \gset
SET SESSION AUTHORIZATION pi_boss;
SELECT iso28000.grant_access(:a, 'pi_writer', 'write');
SELECT iso28000.grant_access(:b, 'pi_writer', 'read');
SELECT iso28000.grant_access(:a, 'pi_reader', 'read');
RESET SESSION AUTHORIZATION;
INSERT INTO iso28000.nonconformity (org_id, title, severity)
  SELECT o.org_id, 'nc ' || g, 'minor'
    FROM iso28000.organization o CROSS JOIN generate_series(1, 20) g WHERE o.code LIKE 'PI-%';
ANALYZE iso28000.nonconformity;
SELECT min(nonconformity_id) AS nc_a FROM iso28000.nonconformity WHERE org_id = :a \gset
SELECT min(nonconformity_id) AS nc_b FROM iso28000.nonconformity WHERE org_id = :b \gset

CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP r := r || l || E'\n'; END LOOP;
  RETURN r;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.plan_of(text) TO PUBLIC;

SET ROLE pi_writer;
SELECT ok(pg_temp.plan_of(format('UPDATE iso28000.nonconformity SET title = ''t'' WHERE org_id = %s AND nonconformity_id = %s', :a, :nc_a))
            ~ 'policy_has_level\(org_id, ''write''::text\)'
          AND pg_temp.plan_of(format('UPDATE iso28000.nonconformity SET title = ''t'' WHERE org_id = %s AND nonconformity_id = %s', :a, :nc_a))
            !~ '''read''',
          'a member''s UPDATE checks the write level only: the SELECT policy''s read level is implied');
SELECT ok(pg_temp.plan_of('UPDATE iso28000.nonconformity SET title = ''t'' RETURNING title') !~ '''read''',
          'also with RETURNING and no WHERE clause');
SELECT ok(pg_temp.plan_of('SELECT * FROM iso28000.nonconformity') ~ 'policy_has_level\(org_id, ''read''::text\)',
          'a SELECT keeps the read level');
SELECT ok(pg_temp.plan_of('DELETE FROM iso28000.nonconformity WHERE title = ''x''') ~ '''read''',
          'a DELETE keeps both (only UPDATE is simplified)');
SELECT ok(pg_temp.plan_of('SELECT * FROM iso28000.nonconformity FOR UPDATE') ~ '''read''',
          'SELECT ... FOR UPDATE keeps both');

-- Who may change what does not move.
WITH u AS (UPDATE iso28000.nonconformity SET title = 'by writer' WHERE org_id = :a RETURNING 1) SELECT is((SELECT count(*) FROM u),
          20::bigint, 'the writer changes the 20 rows of the organisation it writes');
WITH u AS (UPDATE iso28000.nonconformity SET title = 'by writer' WHERE org_id = :b RETURNING 1) SELECT is((SELECT count(*) FROM u),
          0::bigint, 'and none of the organisation it only reads');
SELECT is((SELECT count(*) FROM iso28000.nonconformity WHERE org_id = :b), 20::bigint, 'which it still sees');
SELECT throws_ok(format('UPDATE iso28000.nonconformity SET org_id = %s WHERE org_id = %s AND nonconformity_id = %s', :b, :a, :nc_a),
                 '42501', NULL, 'a row moved to an organisation it only reads fails the new row''s check');
SELECT is((SELECT array_agg(DISTINCT title) FROM iso28000.nonconformity WHERE org_id = :a AND iso28000.policy_has_level(org_id, 'read')),
          ARRAY['by writer'], 'a read check the member writes itself in an UPDATE is answered as before');
WITH u AS (UPDATE iso28000.nonconformity SET title = CASE WHEN iso28000.policy_has_level(org_id, 'read') THEN 'seen' ELSE 'unseen' END
                       WHERE org_id = :a AND nonconformity_id = :nc_a RETURNING title) SELECT is((SELECT title FROM u),
          'seen', 'a read check in the SET list of an UPDATE holds on the rows it writes');
RESET ROLE;

SET ROLE pi_reader;
SELECT ok(pg_temp.plan_of('UPDATE iso28000.nonconformity SET title = ''t''') ~ '''write''',
          'a reader''s UPDATE carries the write level too');
WITH u AS (UPDATE iso28000.nonconformity SET title = 'by reader' RETURNING 1) SELECT is((SELECT count(*) FROM u),
          0::bigint, 'and changes nothing');
RESET ROLE;

-- A second permissive UPDATE policy makes the UPDATE's check an OR: the write
-- level no longer holds for every row, so the read level stays.
CREATE POLICY pi_extra ON iso28000.nonconformity FOR UPDATE USING (iso28000.policy_has_level(org_id, 'audit'));
SET ROLE pi_writer;
SELECT ok(pg_temp.plan_of('UPDATE iso28000.nonconformity SET title = ''t'' WHERE title <> ''''') ~ '''read''',
          'with two permissive UPDATE policies the read level stays');
RESET ROLE;
DROP POLICY pi_extra ON iso28000.nonconformity;

-- The ranks decide what implies what; a plan made under them is made again
-- when they change.
SET ROLE pi_writer;
PREPARE pi_upd AS UPDATE iso28000.nonconformity SET title = 'p' WHERE title <> '';
CREATE TEMP TABLE pi_plan (step int, line text);
INSERT INTO pi_plan SELECT 1, l FROM pg_temp.plan_of('EXECUTE pi_upd') l;
RESET ROLE;
UPDATE iso28000.access_level SET rank = rank + 10 WHERE level = 'read';
SET ROLE pi_writer;
INSERT INTO pi_plan SELECT 2, l FROM pg_temp.plan_of('EXECUTE pi_upd') l;
RESET ROLE;
SELECT ok((SELECT line FROM pi_plan WHERE step = 1) !~ '''read''', 'a prepared UPDATE is planned without the read level');
SELECT ok((SELECT line FROM pi_plan WHERE step = 2) ~ '''read''',
          'and planned again with it once read ranks above write');

-- Under a hostile search_path the simplification names nothing by path.
CREATE SCHEMA pi_trap;
CREATE FUNCTION pi_trap.policy_has_level(bigint, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
GRANT USAGE ON SCHEMA pi_trap TO PUBLIC;
UPDATE iso28000.access_level SET rank = rank - 10 WHERE level = 'read';
SET ROLE pi_writer;
CREATE TEMP TABLE pi_n (n bigint);
SET search_path = pi_trap, pg_catalog, iso28000;
WITH u AS (UPDATE iso28000.nonconformity SET title = 'trap' WHERE org_id = :b RETURNING 1) INSERT INTO pg_temp.pi_n SELECT count(*) FROM u;
RESET search_path;
RESET ROLE;
SELECT is((SELECT n FROM pi_n), 0::bigint,
          'with a trap policy_has_level first on the path, the organisation it only reads stays unwritten');

SELECT * FROM finish();
ROLLBACK;
