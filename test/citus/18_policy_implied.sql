-- A member's UPDATE of a distributed register after the planner
-- simplification of c0876a8 (src/membership_planner.c, SupportRequestSimplify:
-- in an UPDATE, policy_has_level(org_id, 'read') is dropped where
-- policy_has_level(org_id, 'write') holds for the old and the new row;
-- test/pgtap/policy_implied.sql on one node).  On a cluster the UPDATE runs on
-- the worker that holds the organisation's shard, as the member, under the
-- shard's own policies: who may change what must not move.  As non-superuser
-- roles with LOGIN (Citus connects to the workers as the current role).
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(11);
SELECT org_id AS a FROM iso28000.organization WHERE code = 'CA' \gset
SELECT org_id AS b FROM iso28000.organization WHERE code = 'CB' \gset

CREATE ROLE citus_pi_writer LOGIN;   -- writes A, reads B
CREATE ROLE citus_pi_reader LOGIN;   -- reads A
SET ROLE citus_mgr_a;
SELECT iso28000.grant_access(:a, 'citus_pi_writer', 'write');
SELECT iso28000.grant_access(:a, 'citus_pi_reader', 'read');
INSERT INTO iso28000.nonconformity (org_id, title, severity)
     VALUES (:a, 'PI nc A 1', 'minor'), (:a, 'PI nc A 2', 'minor'), (:a, 'PI nc A 3', 'minor');
RESET ROLE;
SET ROLE citus_mgr_b;
SELECT iso28000.grant_access(:b, 'citus_pi_writer', 'read');
INSERT INTO iso28000.nonconformity (org_id, title, severity)
     VALUES (:b, 'PI nc B 1', 'minor'), (:b, 'PI nc B 2', 'minor'), (:b, 'PI nc B 3', 'minor');
RESET ROLE;
SELECT min(nonconformity_id) AS nc_a FROM iso28000.nonconformity WHERE org_id = :a AND title LIKE 'PI nc A %' \gset

SELECT ok(NOT bool_or(rolsuper), 'neither the writer nor the reader is a superuser') FROM pg_roles WHERE rolname LIKE 'citus_pi_%';
SELECT is((SELECT count(DISTINCT pl.nodeport)::integer
             FROM (VALUES (:a::bigint), (:b::bigint)) o(org_id)
             JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('iso28000.nonconformity', o.org_id)
             JOIN pg_dist_node pl ON pl.groupid = p.groupid),
          2, 'the nonconformities of A and of B are on two different workers');

SET client_min_messages = error;   -- Citus notes that a temporary function stays local
CREATE FUNCTION pg_temp.plan_text(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; t text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP t := t || r || E'\n'; END LOOP;
    RETURN t;
END $$;
SET client_min_messages = warning;
GRANT EXECUTE ON FUNCTION pg_temp.plan_text(text) TO PUBLIC;

-- Each count is read into a variable first: a pgTAP call around a query
-- that Citus routes to one shard would be sent to the worker with it.
SET ROLE citus_pi_writer;
SELECT pg_temp.plan_text(format('UPDATE iso28000.nonconformity SET title = title WHERE org_id = %s AND nonconformity_id = %s', :a, :nc_a)) AS plan \gset
SELECT ok(:'plan' ~ 'Update on iso28000\.nonconformity_[0-9]+'
          AND :'plan' ~ 'policy_has_level\((nonconformity\.)?org_id, ''write''::text\)'
          AND :'plan' !~ '''read''',
          'the worker''s plan of the writer''s UPDATE checks the write level only (the read level implied)');
WITH u AS (UPDATE iso28000.nonconformity SET title = title || ' by writer' WHERE org_id = :a AND title LIKE 'PI nc A %' RETURNING 1)
SELECT count(*) AS n FROM u \gset
SELECT is(:n::bigint, 3::bigint, 'the writer updates the rows of the organisation it writes, on its worker');
WITH u AS (UPDATE iso28000.nonconformity SET title = title || ' by writer' WHERE org_id = :b AND title LIKE 'PI nc B %' RETURNING 1)
SELECT count(*) AS n FROM u \gset
SELECT is(:n::bigint, 0::bigint, 'and none of the organisation it only reads');
SELECT count(*) AS n FROM iso28000.nonconformity WHERE org_id = :b AND title LIKE 'PI nc B %' \gset
SELECT is(:n::bigint, 3::bigint, 'which it still sees');
WITH u AS (UPDATE iso28000.nonconformity SET title = title || '+' WHERE title LIKE 'PI nc %' RETURNING org_id)
SELECT array_agg(DISTINCT org_id)::text AS orgs FROM u \gset
SELECT is(:'orgs', ARRAY[:a::bigint]::text, 'an UPDATE over every shard changes the rows of A only');
SELECT throws_ok(format('UPDATE iso28000.nonconformity SET org_id = %s WHERE org_id = %s AND nonconformity_id = %s', :b, :a, :nc_a),
                 '0A000', 'modifying the partition value of rows is not allowed',
                 'moving a row to the organisation it only reads is refused (by Citus, 0A000, before the new row''s check, 42501 on one node)');
RESET ROLE;
SELECT count(*) AS n FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc_a \gset
SELECT is(:n::bigint, 1::bigint, 'the row stays in A');

SET ROLE citus_pi_reader;
WITH u AS (UPDATE iso28000.nonconformity SET title = 'by reader' WHERE title LIKE 'PI nc %' RETURNING 1)
SELECT count(*) AS n FROM u \gset
SELECT is(:n::bigint, 0::bigint, 'a reader''s UPDATE changes nothing');
RESET ROLE;
SELECT array_agg(title ORDER BY title)::text AS titles FROM iso28000.nonconformity WHERE title LIKE 'PI nc %' \gset
SELECT is(:'titles', ARRAY['PI nc A 1 by writer+', 'PI nc A 2 by writer+', 'PI nc A 3 by writer+', 'PI nc B 1', 'PI nc B 2', 'PI nc B 3']::text,
          'the registers hold the writer''s changes to A and nothing else');

SELECT * FROM finish();
