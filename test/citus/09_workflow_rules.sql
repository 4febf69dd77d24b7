-- Workflow rules defined and changed after distribute(), through the
-- coordinator (doc/distribution.md, "Workflow rules on a cluster"): the rules
-- tables are reference tables, with a placement on every node, each firing
-- the rules tables' statement triggers.  The check of a change
-- (_workflow_rules_check) takes the governed tables of its node, not their
-- shards (before, it took a shard's row type for the table's and refused
-- every change on a worker); the invalidation (workflow_rules_changed) names
-- the rules table as well as the placement it fired on (before, the workers'
-- sessions kept the old rules).  A change counts at the next statement of a
-- member whose session on each worker had the old rules cached: the two
-- organisations' rows are on two workers.
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(15);
SELECT org_id AS a FROM iso28000.organization WHERE code = 'CA' \gset
SELECT org_id AS b FROM iso28000.organization WHERE code = 'CB' \gset

-- A workflow defined after distribute(), governing a table distributed by
-- org_id beside the registers.
SELECT lives_ok($$SELECT iso28000.define_workflow('rule_probe', 'rules changed on a cluster',
    '[{"state": "draft", "initial": true}, {"state": "open"}, {"state": "done", "terminal": true}]',
    '[{"from": "draft", "to": "open", "level": "write"}]')$$,
  'a workflow is defined after distribute(), through the coordinator');
CREATE TABLE iso28000.rule_probe (
  org_id   bigint NOT NULL,
  probe_id integer NOT NULL,
  status   text NOT NULL DEFAULT 'draft',
  note     text,
  PRIMARY KEY (org_id, probe_id));
SELECT iso28000.attach_workflow('iso28000.rule_probe', 'rule_probe');
SET citus.enable_unsafe_triggers = on;
SELECT create_distributed_table('iso28000.rule_probe', 'org_id', colocate_with => 'iso28000.person');
RESET citus.enable_unsafe_triggers;
GRANT SELECT, INSERT, UPDATE ON iso28000.rule_probe TO citus_mgr_a, citus_mgr_b;

SELECT is((SELECT count(DISTINCT pl.nodeport)::integer
             FROM (VALUES (:a::bigint), (:b::bigint)) o(org_id)
             JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('iso28000.rule_probe', o.org_id)
             JOIN pg_dist_node pl ON pl.groupid = p.groupid),
          2, 'the rows of A and of B are on two different workers');

SET ROLE citus_mgr_a;
INSERT INTO iso28000.rule_probe (org_id, probe_id) VALUES (:a, 1), (:a, 2);
SELECT throws_ok(format($$UPDATE iso28000.rule_probe SET status = 'done' WHERE org_id = %s AND probe_id = 1$$, :a),
                 'IS102', NULL, 'A: draft -> done is refused (the rules cached on its worker)');
RESET ROLE;
SET ROLE citus_mgr_b;
INSERT INTO iso28000.rule_probe (org_id, probe_id) VALUES (:b, 1), (:b, 2);
SELECT throws_ok(format($$UPDATE iso28000.rule_probe SET status = 'done' WHERE org_id = %s AND probe_id = 1$$, :b),
                 'IS102', NULL, 'B: draft -> done is refused (the rules cached on the other worker)');
RESET ROLE;

-- A transition added: allowed at the members' next statement, on both workers.
SELECT lives_ok($$INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level)
                  VALUES ('rule_probe', 'draft', 'done', 'write')$$,
                'a transition is added after distribute(), through the coordinator');
SET ROLE citus_mgr_a;
SELECT lives_ok(format($$UPDATE iso28000.rule_probe SET status = 'done' WHERE org_id = %s AND probe_id = 1$$, :a),
                'A: the added transition counts at the next statement');
RESET ROLE;
SET ROLE citus_mgr_b;
SELECT lives_ok(format($$UPDATE iso28000.rule_probe SET status = 'done' WHERE org_id = %s AND probe_id = 1$$, :b),
                'B: the added transition counts at the next statement, on the other worker');
RESET ROLE;

-- A transition removed: refused at the members' next statement, on both workers.
SELECT lives_ok($$DELETE FROM iso28000.workflow_transition WHERE workflow = 'rule_probe' AND from_state = 'draft' AND to_state = 'open'$$,
                'a transition is removed after distribute()');
SET ROLE citus_mgr_a;
SELECT throws_ok(format($$UPDATE iso28000.rule_probe SET status = 'open' WHERE org_id = %s AND probe_id = 2$$, :a),
                 'IS102', NULL, 'A: the removed transition is refused at the next statement');
RESET ROLE;
SET ROLE citus_mgr_b;
SELECT throws_ok(format($$UPDATE iso28000.rule_probe SET status = 'open' WHERE org_id = %s AND probe_id = 2$$, :b),
                 'IS102', NULL, 'B: the removed transition is refused at the next statement');
RESET ROLE;

-- A required column added: a state entered without it is refused on both workers.
SELECT lives_ok($$INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description)
                  VALUES ('rule_probe', 'open', 'note', 'Why it is open.');
                  INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level)
                  VALUES ('rule_probe', 'draft', 'open', 'write')$$,
                'a required column is added after distribute()');
SET ROLE citus_mgr_a;
SELECT throws_ok(format($$UPDATE iso28000.rule_probe SET status = 'open' WHERE org_id = %s AND probe_id = 2$$, :a),
                 'IS103', NULL, 'A: entering the state without the required column is refused (IS103)');
RESET ROLE;
SET ROLE citus_mgr_b;
SELECT throws_ok(format($$UPDATE iso28000.rule_probe SET status = 'open' WHERE org_id = %s AND probe_id = 2$$, :b),
                 'IS103', NULL, 'B: entering the state without the required column is refused (IS103)');
RESET ROLE;

-- The check still refuses a rule that cannot govern the table, on the cluster,
-- and the refused change is written nowhere.
SELECT throws_ok($$INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description)
                   VALUES ('rule_probe', 'done', 'no_such_column', 'Missing.')$$,
                 'IS100', NULL, 'a required column the governed table lacks is refused after distribute() (IS100)');
SELECT is((SELECT array_agg(r.result ORDER BY r.nodeport)
             FROM run_command_on_placements('iso28000.workflow_required_column',
                    $$SELECT count(*) FROM %s WHERE workflow = 'rule_probe' AND column_name = 'no_such_column'$$) r),
          ARRAY['0', '0', '0'], 'and no placement (coordinator, two workers) holds it');
