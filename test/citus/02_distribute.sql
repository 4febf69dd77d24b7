-- distribute() on a populated database: the suite's data (test/citus/data.sql)
-- is written first, through the coordinator, then every table is converted in
-- one call.  Nothing is lost, the chains still verify, Citus's safety settings
-- are left as they were, and a second call changes nothing.
\i test/citus/data.sql
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(17);

CREATE TEMP TABLE before_counts AS
SELECT (SELECT count(*) FROM iso28000.person) AS persons,
       (SELECT count(*) FROM iso28000.assessment_result) AS results,
       (SELECT count(*) FROM iso28000.history) AS history,
       (SELECT count(*) FROM iso28000.workflow_event) AS events;
CREATE TEMP TABLE plan_rows AS SELECT * FROM iso28000.distribute(dry_run => true);
-- The answers of the single node, before distribution, to compare with the cluster's.
CREATE TEMP TABLE single_scores AS
SELECT org_id, clause, grade, score, coverage, verdict, minor_nc_count, major_nc_count FROM iso28000.conformity_by_clause;
CREATE TEMP TABLE single_trend AS
SELECT org_id, title, score, coverage, verdict, score_change, moving_score, moving_coverage FROM iso28000.conformity_trend;
CREATE TEMP TABLE single_spof AS
SELECT org_id, node_id, node_code, sms_process_id, process_name, nodes_lost FROM iso28000.single_point_of_failure;
CREATE TEMP TABLE single_closure AS
SELECT org_id, node_id, upstream_node_id, criticality, direct, interdependent FROM iso28000.supply_chain_closure;

SELECT lives_ok('CREATE TEMP TABLE done AS SELECT * FROM iso28000.distribute()', 'distribute() converts a populated database in one call');
SELECT is((SELECT count(*) FROM pg_dist_partition p JOIN plan_rows r ON r.relation = p.logicalrelid
            WHERE (r.method = 'reference') = (p.partmethod = 'n')),
          (SELECT count(*) FROM plan_rows), 'every table of the plan is now a Citus table of the planned kind');
SELECT is((SELECT count(DISTINCT colocationid) FROM pg_dist_partition p JOIN plan_rows r ON r.relation = p.logicalrelid
            WHERE r.method = 'distributed'), 1::bigint, 'the distributed tables are co-located');
SELECT is((SELECT count(*) FROM pg_constraint k JOIN plan_rows r ON r.relation = k.conrelid WHERE k.contype = 'f'),
          (SELECT count(*) FROM pg_constraint k JOIN pg_depend d ON d.objid = k.conrelid AND d.deptype = 'e'
             JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'iso28000' WHERE k.contype = 'f'),
          'the foreign keys set aside during the conversion are back');
SELECT results_eq('SELECT persons, results, history, events FROM before_counts',
                  $$SELECT (SELECT count(*) FROM iso28000.person), (SELECT count(*) FROM iso28000.assessment_result),
                           (SELECT count(*) FROM iso28000.history), (SELECT count(*) FROM iso28000.workflow_event)$$,
                  'the rows, their history and the workflow events are all there, once');

SELECT set_eq('SELECT org_id, clause, grade, score, coverage, verdict, minor_nc_count, major_nc_count FROM iso28000.conformity_by_clause',
              'SELECT * FROM single_scores', 'conformity_by_clause on the cluster equals the single node''s, to the digit');
SELECT set_eq('SELECT org_id, title, score, coverage, verdict, score_change, moving_score, moving_coverage FROM iso28000.conformity_trend',
              'SELECT * FROM single_trend', 'conformity_trend (moving windows of merged tallies) equals the single node''s');
SELECT set_eq('SELECT org_id, node_id, upstream_node_id, criticality, direct, interdependent FROM iso28000.supply_chain_closure',
              'SELECT * FROM single_closure', 'supply_chain_closure equals the single node''s');

SELECT ok((SELECT count(*) FROM single_spof) > 0, 'the single node finds single points of failure');
SELECT set_eq('SELECT org_id, node_id, node_code, sms_process_id, process_name, nodes_lost FROM iso28000.single_point_of_failure',
              'SELECT * FROM single_spof', 'single_point_of_failure equals the single node''s (the walk reads the shards on the workers)');

SET ROLE citus_mgr_a;
SELECT ok((SELECT valid FROM iso28000.verify_history((SELECT org_id FROM iso28000.organization WHERE code = 'CA'))),
          'organisation A''s chain verifies after distribution');
RESET ROLE;
SET ROLE citus_mgr_b;
SELECT ok((SELECT valid FROM iso28000.verify_history((SELECT org_id FROM iso28000.organization WHERE code = 'CB'))),
          'organisation B''s chain verifies after distribution');
RESET ROLE;

SELECT is(current_setting('citus.allow_nested_distributed_execution'), 'off',
          'citus.allow_nested_distributed_execution is still off on the coordinator');
SELECT is(current_setting('citus.skip_advisory_lock_permission_checks'), 'off',
          'citus.skip_advisory_lock_permission_checks is still off on the coordinator');
SELECT is((SELECT array_agg(DISTINCT result) FROM run_command_on_workers(
             $$SELECT current_setting('citus.allow_nested_distributed_execution') || current_setting('citus.skip_advisory_lock_permission_checks')$$)),
          ARRAY['offoff'], 'and on the workers');
-- Every trigger of the extension is on, on every table, shard and placement
-- of every node: Citus does not pass ALTER TABLE ... ENABLE TRIGGER on to the
-- shards for a trigger that fires on TRUNCATE, so distribute() leaves those on.
-- And each is on as the install made it: membership_changed and
-- identity_changed ALWAYS (they fire in replica mode too, sql/core/04_tenant.sql
-- and 07_register.sql), every other one ORIGIN (ENABLE).
SELECT is((SELECT array_agg(DISTINCT result) FROM run_command_on_all_nodes(
             $$SELECT coalesce(string_agg(tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text, ', ' ORDER BY 1), 'none')
                 FROM pg_catalog.pg_trigger
                WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'iso28000.%'
                  AND tgenabled::text IS DISTINCT FROM
                      CASE WHEN regexp_replace(tgname, '_[0-9]+$', '') IN ('membership_changed', 'identity_changed')
                           THEN 'A' ELSE 'O' END$$)),
          ARRAY['none'], 'no trigger of the extension is disabled on any table, shard or placement, on any node (membership_changed, workflow_rules_changed), and the ALWAYS ones stay ALWAYS');
SELECT lives_ok($$SELECT count(*) FROM iso28000.distribute()$$, 'a second distribute() skips what is converted');

SELECT * FROM finish();
