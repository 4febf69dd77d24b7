-- Registers of clause 7, 8.1/8.2, 8.6 and supply-chain assurance: keys,
-- foreign keys that never cross organisations, every CHECK constraint refusing
-- with 23514 and its own name, and tenant isolation for every table.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(164);

CREATE TEMP TABLE reg (tbl text PRIMARY KEY, key text);
INSERT INTO reg VALUES
  ('operation_setting', NULL), ('resource', 'resource_id'),
  ('competence_requirement', 'competence_requirement_id'), ('training_record', 'training_record_id'),
  ('communication', 'communication_id'), ('document', 'document_id'),
  ('document_version', 'document_version_id'), ('supply_chain_node', 'node_id'),
  ('supply_chain_dependency', 'dependency_id'), ('activity', 'activity_id'),
  ('process_dependency', 'process_dependency_id'), ('security_plan', 'security_plan_id'),
  ('plan_exercise', 'exercise_id'), ('security_requirement', 'requirement_id'),
  ('provider_evidence', 'evidence_id'), ('provider_assessment', 'assessment_id'),
  ('node_control', 'node_control_id');
GRANT SELECT ON reg TO PUBLIC;

-- keys: (org_id, surrogate) everywhere, org_id alone for the settings row
SELECT col_is_pk('iso28000', tbl, CASE WHEN key IS NULL THEN ARRAY['org_id'] ELSE ARRAY['org_id', key] END,
                 tbl || ' has primary key (org_id' || coalesce(', ' || key, '') || ')')
  FROM reg ORDER BY tbl;

-- every foreign key of these registers, except to organization, includes org_id first
SELECT is(
  (SELECT array_agg(c.conname ORDER BY c.conname) FROM pg_constraint c
    WHERE c.contype = 'f' AND c.conrelid IN (SELECT ('iso28000.' || tbl)::regclass FROM reg)
      AND c.confrelid <> 'iso28000.organization'::regclass
      AND (SELECT attname FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = c.conkey[1]) <> 'org_id'),
  NULL, 'every foreign key between registers starts with org_id');

CREATE ROLE tap_sa NOLOGIN;   -- writes A
CREATE ROLE tap_sb NOLOGIN;   -- writes B
SELECT iso28000.create_organization('SUP-A', 'Shipper A') AS a \gset
SELECT iso28000.create_organization('SUP-B', 'Shipper B') AS b \gset
SELECT iso28000.grant_access(:a, 'tap_sa', 'write');
SELECT iso28000.grant_access(:b, 'tap_sb', 'write');

-- one valid row in every register of A (as superuser; RLS is tested below)
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Ann Author'), (:a, 'Paul Approver');
SELECT person_id AS ann FROM iso28000.person WHERE org_id = :a AND full_name = 'Ann Author' \gset
SELECT person_id AS paul FROM iso28000.person WHERE org_id = :a AND full_name = 'Paul Approver' \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical) VALUES (:a, 'Export shipping', :ann, true) RETURNING sms_process_id AS proc \gset
INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (:a, 'PHY-1', 'Seal check', 'detective', 'physical') RETURNING control_id AS ctl \gset

INSERT INTO iso28000.operation_setting (org_id) VALUES (:a);
INSERT INTO iso28000.resource (org_id, name, kind, owner_id, quantity, unit, available_from, available_until)
  VALUES (:a, 'Guards', 'people', :ann, 4, 'FTE', '2026-01-01', '2026-12-31');
INSERT INTO iso28000.competence_requirement (org_id, title, role_name, required_level, renewal_interval)
  VALUES (:a, 'Cargo screening', 'Screener', 3, '2 years') RETURNING competence_requirement_id AS cr \gset
INSERT INTO iso28000.training_record (org_id, person_id, competence_requirement_id, kind, title, started_on,
                                      completed_on, valid_until, outcome, level_achieved, awareness_topics)
  VALUES (:a, :ann, :cr, 'awareness', 'Induction', '2026-01-05', '2026-01-06', '2027-01-06', 'passed', 3,
          '{security_policy}');
INSERT INTO iso28000.communication (org_id, subject, audience, direction, channel, frequency, owner_id,
                                    last_done_on, next_due_on)
  VALUES (:a, 'Threat level', 'All staff', 'internal', 'Briefing', '1 month', :ann, '2026-01-01', '2026-02-01');
INSERT INTO iso28000.document (org_id, code, title, doc_type, owner_id, review_interval, retention,
                               next_review_on, created_on)
  VALUES (:a, 'SMS-PR-1', 'Access control', 'procedure', :ann, '1 year', '7 years', '2026-06-01', '2026-01-01')
  RETURNING document_id AS doc \gset
INSERT INTO iso28000.document_version (org_id, document_id, version_label, author_id, content_sha256)
  VALUES (:a, :doc, '1.0', :ann, repeat('ab', 32));
UPDATE iso28000.document_version SET status = 'in_review' WHERE org_id = :a;
-- The test's own role acts like a delegated application: as Paul to approve, as Ann to verify evidence.
SELECT iso28000.grant_delegation(:a, current_user::regrole);
SELECT iso28000.act_as(:a, :paul);
UPDATE iso28000.document_version SET status = 'approved', approver_id = :paul, approved_on = '2026-01-10',
       effective_on = '2026-01-15' WHERE org_id = :a;
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, country)
  VALUES (:a, 'SUP1', 'Supplier 1', 'supplier', true, 'DE'), (:a, 'WH', 'Warehouse', 'warehouse', false, 'FR');
SELECT node_id AS n1 FROM iso28000.supply_chain_node WHERE org_id = :a AND code = 'SUP1' \gset
SELECT node_id AS n2 FROM iso28000.supply_chain_node WHERE org_id = :a AND code = 'WH' \gset
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality, alternative_group)
  VALUES (:a, :n2, :n1, 'critical', 'parts');
INSERT INTO iso28000.activity (org_id, sms_process_id, name, owner_id, node_id, sequence_no)
  VALUES (:a, :proc, 'Load container', :ann, :n2, 1) RETURNING activity_id AS act \gset
INSERT INTO iso28000.process_dependency (org_id, sms_process_id, activity_id, node_id, criticality, alternative_group)
  VALUES (:a, :proc, :act, :n2, 'critical', 'site');
INSERT INTO iso28000.security_plan (org_id, title, scenario, status, owner_id, response_structure,
                                    warning_communication, content, recovery, approved_on, next_review_on)
  VALUES (:a, 'Cargo theft', 'Theft of cargo', 'active', :ann, 'Crisis team', 'Call tree', 'Secure site',
          'Resume loading', '2026-01-01', '2027-01-01') RETURNING security_plan_id AS plan \gset
INSERT INTO iso28000.plan_exercise (org_id, security_plan_id, kind, planned_on, held_on, objectives, outcome, lessons)
  VALUES (:a, :plan, 'tabletop', '2026-02-01', '2026-02-01', 'Test call tree', 'partially_effective', 'Update numbers');
INSERT INTO iso28000.security_requirement (org_id, code, title, kind, applies_to_kinds, min_criticality)
  VALUES (:a, 'ISO28000', 'ISO 28000 certificate', 'certification', '{supplier}', 'high')
  RETURNING requirement_id AS req \gset
SELECT iso28000.act_as(:a, :ann);
INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, valid_from, valid_until,
                                        revoked_on, verified_by, verified_on)
  VALUES (:a, :n1, :req, 'CERT-1', '2026-01-01', '2029-01-01', NULL, :ann, '2026-01-02');
INSERT INTO iso28000.provider_assessment (org_id, node_id, assessed_on, method, score, result, next_due_on)
  VALUES (:a, :n1, '2026-03-01', 'questionnaire', 80, 'approved', '2027-03-01');
INSERT INTO iso28000.node_control (org_id, node_id, control_id, direction, implemented_on, verified_on)
  VALUES (:a, :n2, :ctl, 'upstream', '2026-01-01', '2026-02-01');

SELECT is(
  (SELECT array_agg(tbl ORDER BY tbl) FROM reg
    WHERE NOT (SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = ('iso28000.' || tbl)::regclass)),
  NULL, 'row-level security is enabled and forced on every register');

-- every CHECK constraint refuses with 23514 and names itself
CREATE TEMP TABLE bad (tbl text, con text, assignment text);
INSERT INTO bad VALUES
  ('operation_setting', 'operation_setting_document_review_interval_check', $$document_review_interval = '0'$$),
  ('operation_setting', 'operation_setting_exercise_interval_check', $$exercise_interval = '-1 day'$$),
  ('operation_setting', 'operation_setting_evidence_warning_check', $$evidence_warning = '-1 day'$$),
  ('operation_setting', 'operation_setting_assessment_interval_check', $$assessment_interval = '0'$$),
  ('resource', 'resource_name_check', $$name = '  '$$),
  ('resource', 'resource_kind_check', $$kind = 'magic'$$),
  ('resource', 'resource_quantity_check', $$quantity = -1$$),
  ('resource', 'resource_unit_check', $$unit = ''$$),
  ('resource', 'resource_unit_check', $$unit = NULL$$),
  ('resource', 'resource_dates_check', $$available_until = '2025-12-31'$$),
  ('competence_requirement', 'competence_requirement_title_check', $$title = ''$$),
  ('competence_requirement', 'competence_requirement_role_name_check', $$role_name = ' '$$),
  ('competence_requirement', 'competence_requirement_required_level_check', $$required_level = 6$$),
  ('competence_requirement', 'competence_requirement_renewal_interval_check', $$renewal_interval = '0'$$),
  ('training_record', 'training_record_kind_check', $$kind = 'seminar'$$),
  ('training_record', 'training_record_title_check', $$title = ''$$),
  ('training_record', 'training_record_dates_check', $$started_on = '2026-01-07'$$),
  ('training_record', 'training_record_validity_check', $$valid_until = '2026-01-05'$$),
  ('training_record', 'training_record_outcome_check', $$outcome = 'excellent'$$),
  ('training_record', 'training_record_level_check', $$level_achieved = 0$$),
  ('training_record', 'training_record_awareness_topics_check', $$awareness_topics = '{gossip}'$$),
  ('communication', 'communication_subject_check', $$subject = ''$$),
  ('communication', 'communication_audience_check', $$audience = ''$$),
  ('communication', 'communication_channel_check', $$channel = ''$$),
  ('communication', 'communication_direction_check', $$direction = 'sideways'$$),
  ('communication', 'communication_frequency_check', $$frequency = '0'$$),
  ('communication', 'communication_when_check', $$frequency = NULL, trigger_event = ' '$$),
  ('communication', 'communication_when_check', $$frequency = NULL, trigger_event = NULL$$),
  ('communication', 'communication_sensitivity_check', $$sensitivity = 'secret'$$),
  ('communication', 'communication_dates_check', $$next_due_on = '2025-12-31'$$),
  ('document', 'document_code_check', $$code = ''$$),
  ('document', 'document_title_check', $$title = ''$$),
  ('document', 'document_doc_type_check', $$doc_type = 'memo'$$),
  ('document', 'document_origin_check', $$origin = 'alien'$$),
  ('document', 'document_classification_check', $$classification = 'top'$$),
  ('document', 'document_review_interval_check', $$review_interval = '0'$$),
  ('document', 'document_retention_check', $$retention = '-1 year'$$),
  ('document', 'document_next_review_check', $$next_review_on = '2025-01-01'$$),
  ('document_version', 'document_version_label_check', $$version_label = ''$$),
  ('document_version', 'document_version_status_check', $$status = 'final'$$),
  ('document_version', 'document_version_approver_check', $$approver_id = author_id$$),
  ('document_version', 'document_version_approval_check', $$approved_on = NULL$$),
  ('document_version', 'document_version_effective_check', $$effective_on = '2026-01-09'$$),
  ('document_version', 'document_version_superseded_check', $$superseded_on = '2026-01-09'$$),
  ('document_version', 'document_version_sha256_check', $$content_sha256 = 'ABC'$$),
  ('supply_chain_node', 'supply_chain_node_code_check', $$code = ''$$),
  ('supply_chain_node', 'supply_chain_node_name_check', $$name = ''$$),
  ('supply_chain_node', 'supply_chain_node_kind_check', $$kind = 'island'$$),
  ('supply_chain_node', 'supply_chain_node_country_check', $$country = 'Germany'$$),
  ('supply_chain_dependency', 'supply_chain_dependency_self_check', $$depends_on_id = node_id$$),
  ('supply_chain_dependency', 'supply_chain_dependency_criticality_check', $$criticality = 'vital'$$),
  ('supply_chain_dependency', 'supply_chain_dependency_alternative_group_check', $$alternative_group = ''$$),
  ('supply_chain_dependency', 'supply_chain_dependency_flow_check', $$flow = 'love'$$),
  ('activity', 'activity_name_check', $$name = ''$$),
  ('activity', 'activity_sequence_no_check', $$sequence_no = 0$$),
  ('process_dependency', 'process_dependency_criticality_check', $$criticality = 'vital'$$),
  ('process_dependency', 'process_dependency_alternative_group_check', $$alternative_group = ' '$$),
  ('security_plan', 'security_plan_title_check', $$title = ''$$),
  ('security_plan', 'security_plan_scenario_check', $$scenario = ''$$),
  ('security_plan', 'security_plan_status_check', $$status = 'live'$$),
  ('security_plan', 'security_plan_response_structure_check', $$response_structure = ''$$),
  ('security_plan', 'security_plan_warning_communication_check', $$warning_communication = ''$$),
  ('security_plan', 'security_plan_content_check', $$content = ''$$),
  ('security_plan', 'security_plan_recovery_check', $$recovery = ''$$),
  ('security_plan', 'security_plan_active_check', $$approved_on = NULL, next_review_on = NULL$$),
  ('security_plan', 'security_plan_review_check', $$next_review_on = approved_on$$),
  ('plan_exercise', 'plan_exercise_kind_check', $$kind = 'party'$$),
  ('plan_exercise', 'plan_exercise_objectives_check', $$objectives = ''$$),
  ('plan_exercise', 'plan_exercise_when_check', $$planned_on = NULL, held_on = NULL, outcome = NULL$$),
  ('plan_exercise', 'plan_exercise_outcome_check', $$outcome = 'fine'$$),
  ('plan_exercise', 'plan_exercise_held_outcome_check', $$outcome = NULL$$),
  ('plan_exercise', 'plan_exercise_future_check', $$held_on = current_date + 1$$),
  ('plan_exercise', 'plan_exercise_lessons_check', $$lessons = NULL$$),
  ('plan_exercise', 'plan_exercise_lessons_check', $$lessons = ' '$$),
  ('security_requirement', 'security_requirement_code_check', $$code = ''$$),
  ('security_requirement', 'security_requirement_title_check', $$title = ''$$),
  ('security_requirement', 'security_requirement_kind_check', $$kind = 'handshake'$$),
  ('security_requirement', 'security_requirement_applies_check', $$applies_to_kinds = '{}'$$),
  ('security_requirement', 'security_requirement_min_criticality_check', $$min_criticality = 'vital'$$),
  ('security_requirement', 'security_requirement_min_score_check', $$kind = 'assessment_score', min_score = 101$$),
  ('security_requirement', 'security_requirement_score_kind_check', $$min_score = 50$$),
  ('provider_evidence', 'provider_evidence_reference_check', $$reference = ''$$),
  ('provider_evidence', 'provider_evidence_validity_check', $$valid_until = '2025-12-31'$$),
  ('provider_evidence', 'provider_evidence_revoked_check', $$revoked_on = '2025-12-31'$$),
  ('provider_evidence', 'provider_evidence_verified_check', $$verified_on = NULL$$),
  ('provider_assessment', 'provider_assessment_method_check', $$method = 'gut_feeling'$$),
  ('provider_assessment', 'provider_assessment_score_check', $$score = -0.01$$),
  ('provider_assessment', 'provider_assessment_result_check', $$result = 'maybe', findings = 'unclear'$$),
  ('provider_assessment', 'provider_assessment_findings_check', $$result = 'rejected'$$),
  ('provider_assessment', 'provider_assessment_findings_check', $$result = 'conditional', findings = ''$$),
  ('provider_assessment', 'provider_assessment_next_due_check', $$next_due_on = assessed_on$$),
  ('node_control', 'node_control_direction_check', $$direction = 'sideways'$$),
  ('node_control', 'node_control_verified_check', $$verified_on = '2025-12-31'$$);

-- the CHECKs of document_version stand even without the document workflow
-- (which refuses most of these changes first, with its own IS1xx codes)
ALTER TABLE iso28000.document_version DISABLE TRIGGER workflow_guard;
SELECT throws_ok(format('UPDATE iso28000.%I SET %s', tbl, assignment), '23514',
                 format('new row for relation "%s" violates check constraint "%s"', tbl, con),
                 con || ' refuses ' || assignment)
  FROM bad ORDER BY tbl, con;
ALTER TABLE iso28000.document_version ENABLE TRIGGER workflow_guard;

SELECT is(
  (SELECT array_agg(c.conname::text ORDER BY 1) FROM pg_constraint c
    WHERE c.contype = 'c' AND c.conrelid IN (SELECT ('iso28000.' || tbl)::regclass FROM reg)
      AND c.conname NOT IN (SELECT con FROM bad)),
  NULL, 'every CHECK constraint of these registers is tested above');

-- uniqueness
SELECT throws_ok(format($$INSERT INTO iso28000.document (org_id, code, title, doc_type, owner_id) VALUES (%s, 'SMS-PR-1', 'Again', 'form', %s)$$, :a, :ann),
                 '23505', NULL, 'document codes are unique within an organisation');
ALTER TABLE iso28000.document_version DISABLE TRIGGER workflow_guard;
SELECT throws_ok(format($$INSERT INTO iso28000.document_version (org_id, document_id, version_label, status, author_id, approver_id, approved_on) VALUES (%s, %s, '2.0', 'approved', %s, %s, '2026-02-01')$$, :a, :doc, :ann, :paul),
                 '23505', NULL, 'a document has at most one approved version, even without the workflow');
ALTER TABLE iso28000.document_version ENABLE TRIGGER workflow_guard;
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id) VALUES (%s, %s, %s)$$, :a, :n2, :n1),
                 '23505', NULL, 'one dependency link per ordered pair of nodes');
SELECT throws_ok(format($$INSERT INTO iso28000.process_dependency (org_id, sms_process_id, activity_id, node_id) VALUES (%s, %s, %s, %s)$$, :a, :proc, :act, :n2),
                 '23505', NULL, 'one process dependency per process, activity and node');
SELECT throws_ok(format($$INSERT INTO iso28000.operation_setting (org_id) VALUES (%s)$$, :a),
                 '23505', NULL, 'one settings row per organisation');

-- foreign keys never cross organisations
INSERT INTO iso28000.person (org_id, full_name) VALUES (:b, 'Bea') RETURNING person_id AS bea \gset
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind) VALUES (:b, 'BX', 'B site', 'site') RETURNING node_id AS nb \gset
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id) VALUES (%s, %s, %s)$$, :a, :n2, :nb),
                 '23503', NULL, 'a dependency cannot reach a node of another organisation');
SELECT throws_ok(format($$INSERT INTO iso28000.document (org_id, code, title, doc_type, owner_id) VALUES (%s, 'X', 'X', 'form', %s)$$, :a, :bea),
                 '23503', NULL, 'a document owner is a person of the same organisation');
SELECT throws_ok(format($$UPDATE iso28000.provider_evidence SET node_id = %s$$, :nb),
                 '23503', NULL, 'evidence belongs to a provider of the same organisation');
SELECT throws_ok(format($$UPDATE iso28000.node_control SET org_id = %s$$, :b),
                 '23503', NULL, 'a node control cannot move to another organisation');

-- a process dependency names an activity of its own process only
INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (:a, 'Inbound', :ann) RETURNING sms_process_id AS proc2 \gset
SELECT throws_ok(format($$INSERT INTO iso28000.process_dependency (org_id, sms_process_id, activity_id, node_id) VALUES (%s, %s, %s, %s)$$, :a, :proc2, :act, :n1),
                 'IS451', format('activity %s does not belong to process %s', :act, :proc2),
                 'a process dependency cannot name another process''s activity');
SELECT lives_ok(format($$INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id) VALUES (%s, %s, %s)$$, :a, :proc2, :n1),
                'a process dependency without activity is fine');

-- the risk register's node_id refers to a node
SELECT fk_ok('iso28000', 'risk', ARRAY['org_id', 'node_id'], 'iso28000', 'supply_chain_node', ARRAY['org_id', 'node_id'],
             'risk.node_id refers to supply_chain_node');

-- tenant isolation: B's writer sees none of A's rows and changes none
SET SESSION AUTHORIZATION tap_sb;
SELECT is_empty(format('SELECT 1 FROM iso28000.%I WHERE org_id = %s', tbl, :a), 'B sees no row of A in ' || tbl)
  FROM reg ORDER BY tbl;
SELECT results_eq('SELECT code FROM iso28000.supply_chain_node', ARRAY['BX'], 'B sees its own node only');
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind) VALUES (%s, 'EVIL', 'Evil', 'site')$$, :a),
                 '42501', NULL, 'B cannot insert a node into A');
SELECT throws_ok(format($$INSERT INTO iso28000.operation_setting (org_id) VALUES (%s)$$, :a),
                 '42501', NULL, 'B cannot change A''s settings');
UPDATE iso28000.document SET title = 'hacked';
DELETE FROM iso28000.supply_chain_dependency;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT title FROM iso28000.document WHERE document_id = :doc), 'Access control', 'B changed no document of A');
SELECT is((SELECT count(*) FROM iso28000.supply_chain_dependency WHERE org_id = :a), 1::bigint, 'B deleted no link of A');

-- A's writer sees every one of its rows
SET SESSION AUTHORIZATION tap_sa;
SELECT isnt_empty(format('SELECT 1 FROM iso28000.%I', tbl), 'A sees its row of ' || tbl)
  FROM reg ORDER BY tbl;
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
