-- Trigger functions that serve two tables and decide by which one fired them
-- (doc/distribution.md, "Triggers that serve two tables").  On a worker a
-- PL/pgSQL trigger's TG_TABLE_NAME is the shard's name (assessment_result_102345),
-- so a test "TG_TABLE_NAME = 'assessment_result'" took the other table's
-- branch there.  Before: every assessment_result with a maturity written after
-- distribute() failed (record "new" has no field "target_level"); a critical
-- supply_chain_dependency on a provider that falls short was let through
-- (dependency_inclusion_guard checked the dependent node, a site, instead of
-- the provider); a segment scenario score failed reading node_control_id.  The
-- functions now ask iso28000._table_name(TG_RELID).  As a manager of the
-- organisation (LOGIN, not a superuser), through the coordinator.
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(11);

CREATE ROLE citus_tb_mgr LOGIN;
SELECT iso28000.create_organization('CTB', 'Cluster table branches', 'citus_tb_mgr') AS a \gset
SELECT ok(NOT rolsuper, 'the manager is not a superuser') FROM pg_roles WHERE rolname = 'citus_tb_mgr';
SELECT is((SELECT array_agg(result ORDER BY nodeport) FROM run_command_on_workers(
            $$SELECT iso28000._table_name(c.oid) || ' ' || iso28000._table_name('iso28000.assessment_result'::regclass)
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'iso28000' AND c.relname ~ '^assessment_result_[0-9]+$' ORDER BY c.relname LIMIT 1$$)),
          ARRAY['assessment_result assessment_result', 'assessment_result assessment_result'],
          'on each worker iso28000._table_name() names the table of a shard, and of the table itself');

SET ROLE citus_tb_mgr;
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Tia Manager', 'citus_tb_mgr') RETURNING person_id AS tia \gset

-- maturity_on_scale (assessment_result, maturity_target): IS547.
INSERT INTO iso28000.self_assessment (org_id, title, assessed_on) VALUES (:a, 'Maturity on a cluster', date '2026-06-01')
  RETURNING assessment_id AS sa \gset
SELECT lives_ok(format($$INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, weight, maturity) VALUES (%s, %s, '8.1', 'conforming', 1, 3)$$, :a, :sa),
                'a result with a maturity on the scale is written on the worker (was: record "new" has no field "target_level")');
SELECT throws_ok(format($$INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, weight, maturity) VALUES (%s, %s, '8.2', 'conforming', 1, 42)$$, :a, :sa),
                 'IS547', format('maturity level 42 is not on the scale of organisation %s (assessment_result.maturity of clause 8.2)', :a),
                 'a level off the scale is refused (IS547), naming the table and column, not the shard');
SELECT throws_ok(format($$INSERT INTO iso28000.maturity_target (org_id, clause, target_level) VALUES (%s, '9', 42)$$, :a),
                 'IS547', format('maturity level 42 is not on the scale of organisation %s (maturity_target.target_level of clause 9)', :a),
                 'so is a target off the scale (IS547, maturity_target.target_level)');

-- dependency_inclusion_guard (supply_chain_dependency, process_dependency):
-- a link of criticality high or critical to an active external node checks
-- that provider (IS521).  On a worker it checked the dependent node of a
-- supply_chain_dependency instead, and let the link through unchecked; then
-- it checked the provider, which Citus refused (0A000, could not create
-- distributed plan) until the inclusion check read its views through the
-- organisation's shards (15_provider_inclusion refuses such links, IS521).
RESET ROLE;
SELECT org_id AS ca FROM iso28000.organization WHERE code = 'CA' \gset
SET ROLE citus_mgr_a;
SELECT max(node_id) FILTER (WHERE code = 'CARR') AS carr, max(node_id) FILTER (WHERE code = 'CUST') AS cust
  FROM iso28000.supply_chain_node WHERE org_id = :ca \gset
SELECT lives_ok(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'critical')$$, :ca, :cust, :carr),
                'a critical link to a provider that meets every requirement is written, as on one node (was 0A000 on the worker)');
SELECT results_eq(format($$SELECT state, reliance FROM iso28000.provider_inclusion WHERE org_id = %s AND node_id = %s$$, :ca, :carr),
                  $$VALUES ('included', 'critical')$$,
                  'the provider was checked on the worker: its standing is recomputed at the new reliance');
RESET ROLE;
SET ROLE citus_tb_mgr;

-- segment_assessment_part_guard (segment_scenario_score, segment_countermeasure): IS534.
SELECT iso28000.seed_threat_scenarios(:a) AS seeded \gset
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind) VALUES (:a, 'SITE', 'Own site', 'site') RETURNING node_id AS site \gset
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind) VALUES (:a, 'WH', 'Warehouse', 'warehouse') RETURNING node_id AS wh \gset
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind) VALUES (:a, 'FAR', 'Elsewhere', 'site') RETURNING node_id AS far \gset
INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (:a, 'SEAL', 'Seal verification', 'detective', 'physical') RETURNING control_id AS seal \gset
INSERT INTO iso28000.node_control (org_id, node_id, control_id, direction) VALUES (:a, :far, :seal, 'at_node') RETURNING node_control_id AS nc_far \gset
INSERT INTO iso28000.supply_chain_segment (org_id, code, name, direction, owner_id)
VALUES (:a, 'INBOUND', 'Site to warehouse', 'upstream', :tia) RETURNING segment_id AS seg \gset
INSERT INTO iso28000.segment_node (org_id, segment_id, node_id) VALUES (:a, :seg, :site), (:a, :seg, :wh);
INSERT INTO iso28000.segment_assessment (org_id, segment_id, title, method, assessor_id, assessed_on)
VALUES (:a, :seg, 'Inbound 2026', 'workshop', :tia, current_date - 2) RETURNING segment_assessment_id AS sa2 \gset
SELECT threat_scenario_id AS tamper FROM iso28000.threat_scenario WHERE org_id = :a AND code = 'SC-TAMPER-SEAL' \gset
SELECT threat_scenario_id AS insider FROM iso28000.threat_scenario WHERE org_id = :a AND code = 'SC-INSIDER' \gset
SELECT throws_ok(format($$INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, node_id, rating) VALUES (%s, %s, %s, %s, 'L5C5')$$, :a, :sa2, :insider, :far),
                 'IS534', format('iso28000.segment_scenario_score of organisation %s: node %s is not a node of the assessed segment', :a, :far),
                 'a scenario is not scored at a node outside the segment (IS534; was: record "new" has no field "node_control_id")');
SELECT lives_ok(format($$INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, node_id, rating) VALUES (%s, %s, %s, %s, 'L2C3')$$, :a, :sa2, :tamper, :wh),
                'a scenario is scored at a node of the segment');
SELECT score_id AS sc1 FROM iso28000.segment_scenario_score WHERE org_id = :a AND segment_assessment_id = :sa2 \gset
SELECT throws_ok(format($$INSERT INTO iso28000.segment_countermeasure (org_id, score_id, node_control_id, position) VALUES (%s, %s, %s, 'at_node')$$, :a, :sc1, :nc_far),
                 'IS534', format('iso28000.segment_countermeasure of organisation %s: node %s is not a node of the assessed segment', :a, :far),
                 'a countermeasure is not a control applied outside the segment (IS534, segment_countermeasure)');
RESET ROLE;
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'the organisation''s chain verifies');
SELECT * FROM finish();
