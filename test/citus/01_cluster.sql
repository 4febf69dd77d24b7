-- The cluster itself: a coordinator and two workers with Citus, the
-- extension created through the coordinator reaches every node, its types and
-- aggregates work on a distributed table (scores equal to a local run, the
-- aggregation split between workers and coordinator), and distribute()'s
-- dry run plans every table.  Runs on the coordinator; later files use the
-- extension created here.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION iso28000;
SELECT plan(9);

SELECT is((SELECT count(*)::int FROM citus_get_active_worker_nodes()), 2, 'two active workers');
SELECT matches(citus_version(), '^Citus 13\.2', 'Citus 13.2 on the coordinator');
SELECT is((SELECT array_agg(result ORDER BY nodeport)
             FROM run_command_on_workers($$SELECT extversion FROM pg_extension WHERE extname = 'iso28000'$$)),
          ARRAY[(SELECT extversion FROM pg_extension WHERE extname = 'iso28000'),
                (SELECT extversion FROM pg_extension WHERE extname = 'iso28000')]::text[],
          'CREATE EXTENSION iso28000 on the coordinator created it on both workers');

-- A distributed table of the application's, graded by clause.
CREATE SCHEMA citus_probe;
CREATE TABLE citus_probe.grades (org_id bigint NOT NULL, item integer NOT NULL,
                                 clause iso28000.clause_ref NOT NULL,
                                 grade iso28000.conformity_grade NOT NULL, weight integer NOT NULL);
CREATE TABLE citus_probe.grades_local (LIKE citus_probe.grades);
INSERT INTO citus_probe.grades_local
SELECT 1 + i % 7, i, ('10.' || 1 + i % 3)::iso28000.clause_ref,
       (enum_range(NULL::iso28000.conformity_grade))[1 + (i * 7919) % 7], 1 + i % 5
  FROM generate_series(1, 3000) i;
SELECT create_distributed_table('citus_probe.grades', 'org_id', shard_count => 8);
INSERT INTO citus_probe.grades SELECT * FROM citus_probe.grades_local;

SELECT is((SELECT count(*)::int FROM citus_probe.grades), 3000, 'the rows reached the shards');
SELECT is((SELECT count(DISTINCT nodeport)::int FROM pg_dist_shard_placement p
             JOIN pg_dist_shard s USING (shardid) WHERE s.logicalrelid = 'citus_probe.grades'::regclass),
          2, 'the shards are on both workers');
SELECT results_eq(
  $$SELECT clause::text, iso28000.conformity_score(grade, weight), iso28000.conformity_tally(grade)::text
      FROM citus_probe.grades GROUP BY clause ORDER BY clause$$,
  $$SELECT clause::text, iso28000.conformity_score(grade, weight), iso28000.conformity_tally(grade)::text
      FROM citus_probe.grades_local GROUP BY clause ORDER BY clause$$,
  'scores and tallies per clause over the cluster equal those of a local table, to the digit');

SET client_min_messages = error;  -- Citus warns that a temporary function stays local
CREATE FUNCTION pg_temp.plan_text(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; t text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP t := t || r || E'\n'; END LOOP;
    RETURN t;
END $$;
SET client_min_messages = warning;
SELECT matches(pg_temp.plan_text($$SELECT clause, iso28000.conformity_score(grade, weight) FROM citus_probe.grades GROUP BY clause$$),
               'worker_partial_agg\(.*conformity_score', 'EXPLAIN: the workers compute partial aggregates');
SELECT matches(pg_temp.plan_text($$SELECT clause, iso28000.conformity_score(grade, weight) FROM citus_probe.grades GROUP BY clause$$),
               'coord_combine_agg\(', 'EXPLAIN: the coordinator combines them');

SELECT is((SELECT count(*)::int FROM iso28000.distribute(dry_run => true)),
          (SELECT count(*)::int FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
            WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'iso28000')
              AND d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind IN ('r', 'p')),
          'the dry run plans every table of the extension');

SELECT * FROM finish();
DROP SCHEMA citus_probe CASCADE;
