-- Supply-chain segments and their security assessments (issue 15): a segment's
-- nodes and links, assessments scoring threat scenarios with countermeasures
-- and residual ratings, approved through the workflow engine by someone other
-- than the assessor; the views of segments due an assessment, scenarios above
-- appetite and nodes without countermeasures; every refusal's SQLSTATE and
-- every CHECK.  Run as non-superuser members.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(59);

CREATE ROLE tap_sg_mgr NOLOGIN;   -- Mia, manager, approves
CREATE ROLE tap_sg_ass NOLOGIN;   -- Sam, writer, assesses
CREATE ROLE tap_sg_svc NOLOGIN;   -- a service account that acts for nobody
CREATE ROLE tap_sg_oth NOLOGIN;   -- another organisation
SELECT iso28000.create_organization('SG', 'Segments', 'tap_sg_mgr') AS a \gset
SELECT iso28000.create_organization('SO', 'Other', 'tap_sg_oth') AS b \gset
SET SESSION AUTHORIZATION tap_sg_mgr;
SELECT iso28000.grant_access(:a, 'tap_sg_ass', 'write');
SELECT iso28000.grant_access(:a, 'tap_sg_svc', 'write');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Mia Manager', 'tap_sg_mgr') RETURNING person_id AS mia \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Sam Assessor', 'tap_sg_ass') RETURNING person_id AS sam \gset
INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on)
VALUES (:a, 'Medium at most', 'medium', current_date - 30);
RESET SESSION AUTHORIZATION;
SELECT ok(NOT bool_or(rolsuper), 'none of the test roles is a superuser') FROM pg_roles WHERE rolname LIKE 'tap_sg_%';

-- pg_temp.fields(): 'SQLSTATE schema.table.column' of the error a statement raises.
\ir include/fields.sql
GRANT EXECUTE ON FUNCTION pg_temp.fields(text) TO PUBLIC;

SET SESSION AUTHORIZATION tap_sg_ass;
SELECT is(iso28000.seed_threat_scenarios(:a), 8, 'the threat scenario catalog is seeded');
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external)
VALUES (:a, 'WH', 'Warehouse', 'warehouse', false), (:a, 'PORT', 'Port terminal', 'port', false),
       (:a, 'HUB', 'Inland hub', 'site', false), (:a, 'FAR', 'Elsewhere', 'site', false);
CREATE TEMP VIEW nid AS SELECT code, node_id FROM iso28000.supply_chain_node;
SELECT node_id AS wh FROM nid WHERE code = 'WH' \gset
SELECT node_id AS port FROM nid WHERE code = 'PORT' \gset
SELECT node_id AS hub FROM nid WHERE code = 'HUB' \gset
SELECT node_id AS far FROM nid WHERE code = 'FAR' \gset
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality)
VALUES (:a, :wh, :port, 'critical'), (:a, :hub, :wh, 'high'), (:a, :far, :hub, 'low');
INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (:a, 'SEAL', 'Seal verification', 'detective', 'physical') RETURNING control_id AS seal \gset
INSERT INTO iso28000.node_control (org_id, node_id, control_id, direction) VALUES (:a, :wh, :seal, 'upstream') RETURNING node_control_id AS nc_wh \gset
INSERT INTO iso28000.node_control (org_id, node_id, control_id, direction) VALUES (:a, :far, :seal, 'at_node') RETURNING node_control_id AS nc_far \gset

INSERT INTO iso28000.supply_chain_segment (org_id, code, name, direction, owner_id)
VALUES (:a, 'INBOUND', 'Port to hub', 'upstream', :sam) RETURNING segment_id AS seg \gset
INSERT INTO iso28000.segment_node (org_id, segment_id, node_id) VALUES (:a, :seg, :port), (:a, :seg, :wh), (:a, :seg, :hub);
SELECT results_eq(format('SELECT node_code, depends_on_code, criticality FROM iso28000.supply_chain_segment_link WHERE segment_id = %s ORDER BY 1', :seg),
                  $$VALUES ('HUB', 'WH', 'high'), ('WH', 'PORT', 'critical')$$,
                  'the segment''s links are the links between its nodes');
SELECT results_eq($$SELECT segment_code, reason FROM iso28000.segment_assessment_due$$,
                  $$VALUES ('INBOUND', 'never_assessed')$$, 'a segment never assessed is due');
SELECT results_eq($$SELECT node_code FROM iso28000.segment_node_without_countermeasure ORDER BY 1$$,
                  $$VALUES ('HUB'), ('PORT')$$, 'nodes of the segment where no control is applied');
SELECT throws_ok(format($$INSERT INTO iso28000.segment_node (org_id, segment_id, node_id) VALUES (%s, %s, %s)$$, :a, :seg, :wh),
                 '23505', NULL, 'a node is in a segment once');

-- the assessment
INSERT INTO iso28000.segment_assessment (org_id, segment_id, title, method, assessor_id, assessed_on)
VALUES (:a, :seg, 'Inbound 2026', 'workshop and site visits', :sam, current_date - 2) RETURNING segment_assessment_id AS sa \gset
SELECT threat_scenario_id AS tamper FROM iso28000.threat_scenario WHERE code = 'SC-TAMPER-SEAL' \gset
SELECT threat_scenario_id AS insider FROM iso28000.threat_scenario WHERE code = 'SC-INSIDER' \gset
SELECT threat_scenario_id AS smuggle FROM iso28000.threat_scenario WHERE code = 'SC-SMUGGLE' \gset
SELECT throws_ok(format($$INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, node_id, rating) VALUES (%s, %s, %s, %s, 'L5C5')$$, :a, :sa, :insider, :far),
                 'IS534', format('iso28000.segment_scenario_score of organisation %s: node %s is not a node of the assessed segment', :a, :far),
                 'a scenario is not scored at a node outside the segment (IS534)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, node_id, rating) VALUES (%s, %s, %s, %s, 'L5C5')$$, :a, :sa, :insider, :far)),
          'IS534 iso28000.segment_scenario_score.node_id', 'IS534 names segment_scenario_score.node_id');
INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, node_id, rating, residual_rating, rationale)
VALUES (:a, :sa, :tamper, :wh, 'L6C7', 'L3C7', 'Seals checked on arrival') RETURNING score_id AS sc1 \gset
INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, node_id, rating, residual_rating)
VALUES (:a, :sa, :insider, :hub, 'L8C9', 'L8C9') RETURNING score_id AS sc2 \gset
INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, rating)
VALUES (:a, :sa, :smuggle, 'L2C2') RETURNING score_id AS sc3 \gset
SELECT throws_ok(format($$INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, node_id, rating) VALUES (%s, %s, %s, %s, 'L1C1')$$, :a, :sa, :tamper, :wh),
                 '23505', NULL, 'a scenario is scored once per node in an assessment');
SELECT throws_ok(format($$INSERT INTO iso28000.segment_countermeasure (org_id, score_id, node_control_id, position) VALUES (%s, %s, %s, 'at_node')$$, :a, :sc1, :nc_far),
                 'IS534', NULL, 'a countermeasure is not a control applied outside the segment (IS534)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.segment_countermeasure (org_id, score_id, node_control_id, position) VALUES (%s, %s, %s, 'at_node')$$, :a, :sc1, :nc_far)),
          'IS534 iso28000.segment_countermeasure.node_control_id', 'IS534 names segment_countermeasure.node_control_id');
SELECT lives_ok(format($$INSERT INTO iso28000.segment_countermeasure (org_id, score_id, node_control_id, position, description) VALUES (%s, %s, %s, 'upstream', 'Seal numbers checked against the manifest')$$, :a, :sc1, :nc_wh),
                'a control applied upstream at the warehouse counters seal tampering');
SELECT lives_ok(format($$INSERT INTO iso28000.segment_countermeasure (org_id, score_id, control_id, position) VALUES (%s, %s, %s, 'downstream')$$, :a, :sc1, :seal),
                'and the control itself, downstream');
UPDATE iso28000.segment_assessment SET status = 'submitted' WHERE segment_assessment_id = :sa;

-- approval: not by the assessor, not by nobody, not without scores
SELECT throws_ok(format($$UPDATE iso28000.segment_assessment SET status = 'approved' WHERE segment_assessment_id = %s$$, :sa), 'IS530',
                 format('iso28000.segment_assessment (org_id, segment_assessment_id)=(%s, %s) cannot be approved by person %s, who assessed it', :a, :sa, :sam),
                 'the assessor cannot approve his assessment (IS530)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.segment_assessment SET status = 'approved' WHERE segment_assessment_id = %s$$, :sa)),
          'IS530 iso28000.segment_assessment.approved_by', 'IS530 names segment_assessment.approved_by');
INSERT INTO iso28000.segment_assessment (org_id, segment_id, title, assessor_id) VALUES (:a, :seg, 'Empty', :sam) RETURNING segment_assessment_id AS empty \gset
UPDATE iso28000.segment_assessment SET status = 'submitted' WHERE segment_assessment_id = :empty;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_sg_svc;
SELECT throws_ok(format($$UPDATE iso28000.segment_assessment SET status = 'approved' WHERE segment_assessment_id = %s$$, :sa), 'IS531', NULL,
                 'a session that acts for nobody cannot approve (IS531)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_sg_mgr;
SELECT throws_ok(format($$UPDATE iso28000.segment_assessment SET status = 'approved' WHERE segment_assessment_id = %s$$, :empty), 'IS532', NULL,
                 'an assessment that scores no scenario cannot be approved (IS532)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.segment_assessment SET status = 'approved' WHERE segment_assessment_id = %s$$, :empty)),
          'IS532 iso28000.segment_assessment.status', 'IS532 names segment_assessment.status');
INSERT INTO iso28000.segment_assessment (org_id, segment_id, title, assessor_id) VALUES (:a, :seg, 'Still a draft', :sam) RETURNING segment_assessment_id AS draft \gset
INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, rating) VALUES (:a, :draft, :smuggle, 'L2C2');
SELECT throws_ok(format($$UPDATE iso28000.segment_assessment SET status = 'approved' WHERE segment_assessment_id = %s$$, :draft), 'IS102', NULL,
                 'a draft goes through submission first (the engine, IS102)');
SELECT lives_ok(format($$UPDATE iso28000.segment_assessment SET status = 'approved' WHERE segment_assessment_id = %s$$, :sa),
                'the manager approves it');
SELECT results_eq(format('SELECT approved_by, approved_on FROM iso28000.segment_assessment WHERE segment_assessment_id = %s', :sa),
                  format('VALUES (%s::bigint, current_date)', :mia), 'stamped with the acting person and today');
SELECT isnt_empty(format($$SELECT 1 FROM iso28000.workflow_event WHERE workflow = 'segment_assessment' AND record_id = %s AND to_state = 'approved'$$, :sa),
                  'the approval is in the workflow event log');
RESET SESSION AUTHORIZATION;

-- an approved assessment is frozen, scores and countermeasures included
SET SESSION AUTHORIZATION tap_sg_ass;
SELECT throws_ok(format($$UPDATE iso28000.segment_scenario_score SET residual_rating = 'L1C1' WHERE score_id = %s$$, :sc2), 'IS533',
                 format('iso28000.segment_scenario_score of organisation %s: assessment %s is approved, its scores and countermeasures cannot change', :a, :sa),
                 'a score of an approved assessment cannot change (IS533)');
SELECT throws_ok(format($$DELETE FROM iso28000.segment_scenario_score WHERE score_id = %s$$, :sc3), 'IS533', NULL, 'nor be deleted');
SELECT throws_ok(format($$INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, rating) VALUES (%s, %s, %s, 'L1C1')$$, :a, :sa, :insider),
                 'IS533', NULL, 'nor added');
SELECT throws_ok(format($$INSERT INTO iso28000.segment_countermeasure (org_id, score_id, control_id, position) VALUES (%s, %s, %s, 'at_node')$$, :a, :sc2, :seal),
                 'IS533', NULL, 'nor a countermeasure added');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.segment_countermeasure (org_id, score_id, control_id, position) VALUES (%s, %s, %s, 'at_node')$$, :a, :sc2, :seal)),
          'IS533 iso28000.segment_countermeasure.score_id', 'IS533 names segment_countermeasure.score_id');
SELECT throws_ok(format($$UPDATE iso28000.segment_assessment SET summary = 'edited' WHERE segment_assessment_id = %s$$, :sa),
                 'IS105', NULL, 'the assessment itself is frozen (the engine, IS105)');

-- the views
SELECT is_empty($$SELECT 1 FROM iso28000.segment_assessment_due$$, 'an approved assessment within the interval: not due');
SELECT results_eq($$SELECT segment_code, scenario_code, node_code, residual_rating, band, appetite_band FROM iso28000.segment_scenario_above_appetite$$,
                  $$VALUES ('INBOUND', 'SC-INSIDER', 'HUB', 'L8C9', 'critical', 'medium')$$,
                  'the scenario above appetite after its countermeasures: insider collusion at the hub');
SELECT results_eq($$SELECT node_code FROM iso28000.segment_node_without_countermeasure ORDER BY 1$$,
                  $$VALUES ('HUB'), ('PORT')$$, 'the hub and the port still have no control applied');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_sg_mgr;
UPDATE iso28000.supply_chain_segment SET assessment_interval = '1 day' WHERE segment_id = :seg;
SELECT results_eq($$SELECT segment_code, reason, days_overdue FROM iso28000.segment_assessment_due$$,
                  $$VALUES ('INBOUND', 'overdue', 1)$$, 'assessed two days ago with an interval of a day: overdue by one day');

-- a security plan tied to the segment it protects
INSERT INTO iso28000.security_plan (org_id, title, scenario, owner_id, segment_id, response_structure, warning_communication, content, recovery)
VALUES (:a, 'Inbound tampering', 'Seal found broken', :mia, :seg, 'Duty officer', 'Call tree', 'Quarantine the container', 'Release after inspection');
SELECT is((SELECT s.code FROM iso28000.security_plan p JOIN iso28000.supply_chain_segment s USING (org_id, segment_id)), 'INBOUND',
          'a security plan names the segment it protects');
SELECT throws_ok(format($$UPDATE iso28000.security_plan SET segment_id = %s$$, :seg + 1000), '23503', NULL, 'only a segment of the organisation');
RESET SESSION AUTHORIZATION;

-- every CHECK constraint refuses with 23514 and its name
CREATE TEMP TABLE bad (tbl text, con text, assignment text);
INSERT INTO bad VALUES
  ('supply_chain_segment', 'supply_chain_segment_code_check', $$code = ' '$$),
  ('supply_chain_segment', 'supply_chain_segment_name_check', $$name = ''$$),
  ('supply_chain_segment', 'supply_chain_segment_direction_check', $$direction = 'sideways'$$),
  ('supply_chain_segment', 'supply_chain_segment_interval_check', $$assessment_interval = '0'$$),
  ('segment_assessment', 'segment_assessment_title_check', $$title = ''$$),
  ('segment_assessment', 'segment_assessment_approval_check', $$approved_on = NULL$$),
  ('segment_assessment', 'segment_assessment_approved_after_check', $$approved_on = assessed_on - 1$$),
  ('segment_scenario_score', 'segment_scenario_score_residual_check', $$residual_rating = 'L9C9'$$),
  ('segment_countermeasure', 'segment_countermeasure_what_check', $$control_id = NULL, node_control_id = NULL$$),
  ('segment_countermeasure', 'segment_countermeasure_position_check', $$position = 'inside'$$);
GRANT SELECT ON bad TO PUBLIC;
-- the rows of the approved assessment are frozen by the engine and the part guard: take them out to reach the CHECKs
ALTER TABLE iso28000.segment_assessment DISABLE TRIGGER workflow_guard;
ALTER TABLE iso28000.segment_scenario_score DISABLE TRIGGER segment_assessment_part_guard;
ALTER TABLE iso28000.segment_countermeasure DISABLE TRIGGER segment_assessment_part_guard;
SET SESSION AUTHORIZATION tap_sg_ass;
SELECT throws_ok(format('UPDATE iso28000.%I SET %s WHERE %s', tbl, assignment,
                        CASE tbl WHEN 'segment_assessment' THEN $$status = 'approved'$$
                                 WHEN 'segment_scenario_score' THEN format('score_id = %s', :sc1) ELSE 'true' END),
                 '23514', format('new row for relation "%s" violates check constraint "%s"', tbl, con),
                 con || ' refuses ' || assignment)
  FROM bad ORDER BY tbl, con;
RESET SESSION AUTHORIZATION;
ALTER TABLE iso28000.segment_assessment ENABLE TRIGGER workflow_guard;
ALTER TABLE iso28000.segment_scenario_score ENABLE TRIGGER segment_assessment_part_guard;
ALTER TABLE iso28000.segment_countermeasure ENABLE TRIGGER segment_assessment_part_guard;
SELECT is(
  (SELECT array_agg(c.conname::text ORDER BY 1) FROM pg_constraint c
    WHERE c.contype = 'c' AND c.conrelid IN ('iso28000.supply_chain_segment'::regclass, 'iso28000.segment_node'::regclass,
            'iso28000.segment_assessment'::regclass, 'iso28000.segment_scenario_score'::regclass, 'iso28000.segment_countermeasure'::regclass)
      AND c.conname NOT IN (SELECT con FROM bad)),
  NULL, 'every CHECK constraint of the segment registers is tested above');

-- the supply-chain section of the management-review report
SET SESSION AUTHORIZATION tap_sg_ass;
CREATE TEMP TABLE sec AS SELECT iso28000.supply_chain_report_html(:a, current_date - 365, current_date) AS html;
SELECT ok((SELECT html FROM sec) ~ '^<section id="supply-chain">.*</section>$', 'the report''s supply-chain section is one section');
SELECT ok((SELECT html FROM sec) LIKE '%divided into <b>1</b> segment in the scope of the SMS; one is due a security assessment, and <b>1</b> threat scenario of the latest approved assessments remains above the risk appetite%',
          'it says in a sentence how many segments there are, how many are due and how many scenarios remain above appetite');
SELECT ok((SELECT html FROM sec) LIKE '%<td>INBOUND</td><td>Insider collusion at a site</td><td>HUB</td><td>L8C9</td><td class="bad">critical</td>%',
          'and lists the scenario above appetite');
SELECT ok((SELECT html FROM sec) LIKE '%<td>Inbound 2026</td><td>INBOUND</td>%<td>Sam Assessor</td><td>approved</td><td class="num">3</td>%',
          'and the assessments of the period');
RESET SESSION AUTHORIZATION;

-- tenant isolation
SET SESSION AUTHORIZATION tap_sg_oth;
SELECT is_empty(format('SELECT 1 FROM iso28000.%I', t), 'the other organisation sees no row of ' || t)
  FROM unnest(ARRAY['supply_chain_segment', 'segment_node', 'segment_assessment', 'segment_scenario_score',
                    'segment_countermeasure', 'supply_chain_segment_link', 'segment_assessment_due',
                    'segment_scenario_above_appetite', 'segment_node_without_countermeasure']) t;
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_segment (org_id, code, name, direction) VALUES (%s, 'X', 'X', 'upstream')$$, :a),
                 '42501', NULL, 'nor writes one');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
