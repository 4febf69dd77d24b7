-- Registers of clauses 4, 5, 6 and 8.4/8.5 and the organisation risk criteria:
-- keys, foreign keys inside the organisation, every CHECK constraint refusing
-- with its SQLSTATE (and a test that none is left untested), uniqueness, and
-- tenant isolation between two organisations with non-superuser roles.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(150);

CREATE SCHEMA tap_rk;
CREATE TABLE tap_rk.ids (name text PRIMARY KEY, id bigint NOT NULL);
CREATE FUNCTION tap_rk.id(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT id FROM tap_rk.ids WHERE name = $1 $$;
GRANT USAGE ON SCHEMA tap_rk TO PUBLIC;
GRANT SELECT ON tap_rk.ids TO PUBLIC;

CREATE TABLE tap_rk.registers (tbl text PRIMARY KEY);
GRANT SELECT ON tap_rk.registers TO PUBLIC;
INSERT INTO tap_rk.registers VALUES
  ('risk_band_cell'), ('risk_appetite'),
  ('context_issue'), ('interested_party'), ('party_requirement'), ('obligation'), ('compliance_evaluation'),
  ('sms_scope'), ('scope_exclusion'), ('sms_process'),
  ('security_policy'), ('sms_role'), ('role_assignment'),
  ('risk'), ('objective'), ('objective_measurement'), ('planned_change'),
  ('control'), ('risk_treatment'), ('control_test');

CREATE ROLE tap_rk_alice NOLOGIN;   -- manages A
CREATE ROLE tap_rk_bob NOLOGIN;     -- manages B
INSERT INTO tap_rk.ids SELECT 'a', iso28000.create_organization('RK-A', 'Port A', 'tap_rk_alice');
INSERT INTO tap_rk.ids SELECT 'b', iso28000.create_organization('RK-B', 'Carrier B', 'tap_rk_bob');

-- One valid row of every register in A (as superuser), ids kept by name.
WITH p AS (INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (tap_rk.id('a'), 'Ann Owner', 'tap_rk_alice') RETURNING person_id)
INSERT INTO tap_rk.ids SELECT 'pa', person_id FROM p;
WITH p AS (INSERT INTO iso28000.person (org_id, full_name) VALUES (tap_rk.id('a'), 'Abe Approver') RETURNING person_id)
INSERT INTO tap_rk.ids SELECT 'pa2', person_id FROM p;
WITH p AS (INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (tap_rk.id('b'), 'Bea Owner', 'tap_rk_bob') RETURNING person_id)
INSERT INTO tap_rk.ids SELECT 'pb', person_id FROM p;

WITH r AS (INSERT INTO iso28000.context_issue (org_id, title, origin, category, effect_on_sms, owner_id)
           VALUES (tap_rk.id('a'), 'New customs regime', 'external', 'legal', 'More inspections at the gate', tap_rk.id('pa'))
           RETURNING context_issue_id)
INSERT INTO tap_rk.ids SELECT 'issue', context_issue_id FROM r;
WITH r AS (INSERT INTO iso28000.interested_party (org_id, name, category, relevance)
           VALUES (tap_rk.id('a'), 'Customs', 'customs_authority', 'Grants AEO status') RETURNING interested_party_id)
INSERT INTO tap_rk.ids SELECT 'party', interested_party_id FROM r;
INSERT INTO iso28000.party_requirement (org_id, interested_party_id, requirement)
     VALUES (tap_rk.id('a'), tap_rk.id('party'), 'Keep AEO security criteria');
WITH r AS (INSERT INTO iso28000.obligation (org_id, title, kind, reference, owner_id)
           VALUES (tap_rk.id('a'), 'ISPS Code', 'regulatory', 'SOLAS XI-2', tap_rk.id('pa')) RETURNING obligation_id)
INSERT INTO tap_rk.ids SELECT 'obl', obligation_id FROM r;
INSERT INTO iso28000.compliance_evaluation (org_id, obligation_id, evaluated_on, result)
     VALUES (tap_rk.id('a'), tap_rk.id('obl'), date '2026-01-10', 'compliant');
WITH r AS (INSERT INTO iso28000.sms_scope (org_id, version, statement, boundaries, sites, effective_from)
           VALUES (tap_rk.id('a'), 1, 'Container terminal operations', 'Terminal fence line', '{Quay 1}', date '2026-01-01')
           RETURNING sms_scope_id)
INSERT INTO tap_rk.ids SELECT 'scope', sms_scope_id FROM r;
INSERT INTO iso28000.scope_exclusion (org_id, sms_scope_id, excluded, justification)
     VALUES (tap_rk.id('a'), tap_rk.id('scope'), 'Canteen', 'No cargo handled');
WITH r AS (INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (tap_rk.id('a'), 'Gate control', tap_rk.id('pa'))
           RETURNING sms_process_id)
INSERT INTO tap_rk.ids SELECT 'proc', sms_process_id FROM r;
WITH r AS (INSERT INTO iso28000.security_policy (org_id, version, title, body) VALUES (tap_rk.id('a'), 1, 'Security policy', 'We protect cargo.')
           RETURNING security_policy_id)
INSERT INTO tap_rk.ids SELECT 'policy', security_policy_id FROM r;
WITH r AS (INSERT INTO iso28000.sms_role (org_id, name, responsibilities, may_accept_risks)
           VALUES (tap_rk.id('a'), 'Security manager', 'Runs the SMS', true) RETURNING sms_role_id)
INSERT INTO tap_rk.ids SELECT 'role', sms_role_id FROM r;
INSERT INTO iso28000.role_assignment (org_id, sms_role_id, person_id) VALUES (tap_rk.id('a'), tap_rk.id('role'), tap_rk.id('pa'));
WITH r AS (INSERT INTO iso28000.risk (org_id, title, threat, inherent_rating) VALUES (tap_rk.id('a'), 'Cargo theft', 'Organised crime', 'L5C6')
           RETURNING risk_id)
INSERT INTO tap_rk.ids SELECT 'risk', risk_id FROM r;
WITH r AS (INSERT INTO iso28000.objective (org_id, title, target, unit, due_on, owner_id, evaluation_method)
           VALUES (tap_rk.id('a'), 'Seal checks', 100, '%', current_date + 90, tap_rk.id('pa'), 'Monthly audit of gate logs')
           RETURNING objective_id)
INSERT INTO tap_rk.ids SELECT 'obj', objective_id FROM r;
INSERT INTO iso28000.objective_measurement (org_id, objective_id, measured_on, value)
     VALUES (tap_rk.id('a'), tap_rk.id('obj'), current_date, 95);
INSERT INTO iso28000.planned_change (org_id, title, purpose, consequences)
     VALUES (tap_rk.id('a'), 'New gate', 'Faster checks', 'Two weeks of manual checks');
WITH r AS (INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (tap_rk.id('a'), 'PHY-01', 'Fence', 'preventive', 'physical')
           RETURNING control_id)
INSERT INTO tap_rk.ids SELECT 'ctl', control_id FROM r;
INSERT INTO iso28000.risk_treatment (org_id, risk_id, control_id) VALUES (tap_rk.id('a'), tap_rk.id('risk'), tap_rk.id('ctl'));
INSERT INTO iso28000.control_test (org_id, control_id, tested_on, method, result) VALUES (tap_rk.id('a'), tap_rk.id('ctl'), date '2026-03-01', 'inspection', 'effective');
INSERT INTO iso28000.risk_band_cell (org_id, rating, band) VALUES (tap_rk.id('a'), 'L1C10', 'high');
INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on) VALUES (tap_rk.id('a'), 'Medium at most', 'medium', date '2026-01-01');

-- Keys --------------------------------------------------------------------
SELECT col_is_pk('iso28000', tbl, ARRAY['org_id', tbl || '_id'], tbl || ': primary key (org_id, ' || tbl || '_id)')
  FROM tap_rk.registers ORDER BY tbl;
SELECT is((SELECT array_agg(r.tbl ORDER BY 1) FROM tap_rk.registers r
            WHERE NOT EXISTS (SELECT FROM pg_class c
                               WHERE c.oid = ('iso28000.' || r.tbl)::regclass AND c.relrowsecurity AND c.relforcerowsecurity)),
          NULL, 'every register enables and forces row-level security');
SELECT is(
  (SELECT array_agg(conrelid::regclass::text || ' ' || conname ORDER BY 1) FROM pg_constraint k
    WHERE contype = 'f' AND conrelid IN (SELECT ('iso28000.' || tbl)::regclass FROM tap_rk.registers)
      AND confrelid <> 'iso28000.organization'::regclass
      AND (SELECT attname FROM pg_attribute WHERE attrelid = k.conrelid AND attnum = k.conkey[1]) <> 'org_id'),
  NULL, 'every foreign key between registers starts with org_id');
SELECT is(
  (SELECT array_agg(r.tbl ORDER BY 1) FROM tap_rk.registers r, pg_extension e
    WHERE e.extname = 'iso28000' AND NOT ('iso28000.' || r.tbl)::regclass::oid = ANY (e.extconfig)),
  NULL, 'every register is dumped by pg_dump (pg_extension_config_dump)');

-- CHECK constraints: every one refuses, with 23514 and its name -----------
CREATE TEMP TABLE check_case (con text PRIMARY KEY, tbl text NOT NULL, stmt text NOT NULL);
INSERT INTO check_case VALUES
  ('risk_band_cell_band_valid', 'risk_band_cell', $$INSERT INTO iso28000.risk_band_cell (org_id, rating, band) VALUES (tap_rk.id('a'), 'L2C2', 'severe')$$),
  ('risk_appetite_statement_present', 'risk_appetite', $$INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on) VALUES (tap_rk.id('a'), ' ', 'low', '2026-02-01')$$),
  ('risk_appetite_max_band_valid', 'risk_appetite', $$INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on) VALUES (tap_rk.id('a'), 'x', 'none', '2026-02-01')$$),
  ('risk_appetite_approval_complete', 'risk_appetite', $$INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on, approved_on) VALUES (tap_rk.id('a'), 'x', 'low', '2026-02-01', '2026-01-01')$$),
  ('risk_appetite_approved_before_effective', 'risk_appetite', $$INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on, approved_by, approved_on) VALUES (tap_rk.id('a'), 'x', 'low', '2026-02-01', tap_rk.id('pa'), '2026-03-01')$$),
  ('context_issue_title_present', 'context_issue', $$INSERT INTO iso28000.context_issue (org_id, title, origin, effect_on_sms) VALUES (tap_rk.id('a'), '', 'internal', 'x')$$),
  ('context_issue_origin_valid', 'context_issue', $$INSERT INTO iso28000.context_issue (org_id, title, origin, effect_on_sms) VALUES (tap_rk.id('a'), 't', 'both', 'x')$$),
  ('context_issue_category_valid', 'context_issue', $$INSERT INTO iso28000.context_issue (org_id, title, origin, effect_on_sms, category) VALUES (tap_rk.id('a'), 't', 'internal', 'x', 'weather')$$),
  ('context_issue_effect_present', 'context_issue', $$INSERT INTO iso28000.context_issue (org_id, title, origin, effect_on_sms) VALUES (tap_rk.id('a'), 't', 'internal', '  ')$$),
  ('context_issue_effect_direction_valid', 'context_issue', $$INSERT INTO iso28000.context_issue (org_id, title, origin, effect_on_sms, effect_direction) VALUES (tap_rk.id('a'), 't', 'internal', 'x', 'up')$$),
  ('context_issue_review_after_identified', 'context_issue', $$INSERT INTO iso28000.context_issue (org_id, title, origin, effect_on_sms, identified_on, review_on) VALUES (tap_rk.id('a'), 't', 'internal', 'x', '2026-02-01', '2026-01-31')$$),
  ('context_issue_closed_after_identified', 'context_issue', $$INSERT INTO iso28000.context_issue (org_id, title, origin, effect_on_sms, identified_on, closed_on) VALUES (tap_rk.id('a'), 't', 'internal', 'x', '2026-02-01', '2026-01-31')$$),
  ('interested_party_name_present', 'interested_party', $$INSERT INTO iso28000.interested_party (org_id, name, category, relevance) VALUES (tap_rk.id('a'), '', 'other', 'x')$$),
  ('interested_party_category_valid', 'interested_party', $$INSERT INTO iso28000.interested_party (org_id, name, category, relevance) VALUES (tap_rk.id('a'), 'n', 'friend', 'x')$$),
  ('interested_party_relevance_present', 'interested_party', $$INSERT INTO iso28000.interested_party (org_id, name, category, relevance) VALUES (tap_rk.id('a'), 'n', 'other', '')$$),
  ('interested_party_review_after_identified', 'interested_party', $$INSERT INTO iso28000.interested_party (org_id, name, category, relevance, identified_on, review_on) VALUES (tap_rk.id('a'), 'n', 'other', 'x', '2026-02-01', '2026-01-01')$$),
  ('interested_party_closed_after_identified', 'interested_party', $$INSERT INTO iso28000.interested_party (org_id, name, category, relevance, identified_on, closed_on) VALUES (tap_rk.id('a'), 'n', 'other', 'x', '2026-02-01', '2026-01-01')$$),
  ('party_requirement_text_present', 'party_requirement', $$INSERT INTO iso28000.party_requirement (org_id, interested_party_id, requirement) VALUES (tap_rk.id('a'), tap_rk.id('party'), ' ')$$),
  ('party_requirement_justified', 'party_requirement', $$INSERT INTO iso28000.party_requirement (org_id, interested_party_id, requirement, addressed_by_sms) VALUES (tap_rk.id('a'), tap_rk.id('party'), 'r', false)$$),
  ('party_requirement_review_after_identified', 'party_requirement', $$INSERT INTO iso28000.party_requirement (org_id, interested_party_id, requirement, identified_on, review_on) VALUES (tap_rk.id('a'), tap_rk.id('party'), 'r', '2026-02-01', '2026-01-01')$$),
  ('obligation_title_present', 'obligation', $$INSERT INTO iso28000.obligation (org_id, title, kind) VALUES (tap_rk.id('a'), '', 'legal')$$),
  ('obligation_kind_valid', 'obligation', $$INSERT INTO iso28000.obligation (org_id, title, kind) VALUES (tap_rk.id('a'), 't', 'moral')$$),
  ('obligation_interval_positive', 'obligation', $$INSERT INTO iso28000.obligation (org_id, title, kind, evaluation_interval) VALUES (tap_rk.id('a'), 't', 'legal', '0 days')$$),
  ('obligation_period_in_order', 'obligation', $$INSERT INTO iso28000.obligation (org_id, title, kind, applies_from, applies_until) VALUES (tap_rk.id('a'), 't', 'legal', '2026-02-01', '2026-01-01')$$),
  ('compliance_evaluation_result_valid', 'compliance_evaluation', $$INSERT INTO iso28000.compliance_evaluation (org_id, obligation_id, evaluated_on, result, findings) VALUES (tap_rk.id('a'), tap_rk.id('obl'), '2026-02-01', 'fine', 'f')$$),
  ('compliance_evaluation_next_after_evaluated', 'compliance_evaluation', $$INSERT INTO iso28000.compliance_evaluation (org_id, obligation_id, evaluated_on, result, next_due_on) VALUES (tap_rk.id('a'), tap_rk.id('obl'), '2026-02-01', 'compliant', '2026-02-01')$$),
  ('compliance_evaluation_findings_present', 'compliance_evaluation', $$INSERT INTO iso28000.compliance_evaluation (org_id, obligation_id, evaluated_on, result) VALUES (tap_rk.id('a'), tap_rk.id('obl'), '2026-02-01', 'non_compliant')$$),
  ('sms_scope_version_positive', 'sms_scope', $$INSERT INTO iso28000.sms_scope (org_id, version, statement, boundaries, effective_from) VALUES (tap_rk.id('a'), 0, 's', 'b', '2026-01-01')$$),
  ('sms_scope_statement_present', 'sms_scope', $$INSERT INTO iso28000.sms_scope (org_id, version, statement, boundaries, effective_from) VALUES (tap_rk.id('a'), 2, '', 'b', '2026-01-01')$$),
  ('sms_scope_boundaries_present', 'sms_scope', $$INSERT INTO iso28000.sms_scope (org_id, version, statement, boundaries, effective_from) VALUES (tap_rk.id('a'), 2, 's', '', '2026-01-01')$$),
  ('sms_scope_period_in_order', 'sms_scope', $$INSERT INTO iso28000.sms_scope (org_id, version, statement, boundaries, effective_from, effective_until) VALUES (tap_rk.id('a'), 2, 's', 'b', '2026-02-01', '2026-01-01')$$),
  ('sms_scope_approval_complete', 'sms_scope', $$INSERT INTO iso28000.sms_scope (org_id, version, statement, boundaries, effective_from, approved_by) VALUES (tap_rk.id('a'), 2, 's', 'b', '2026-02-01', tap_rk.id('pa'))$$),
  ('sms_scope_approved_before_effective', 'sms_scope', $$INSERT INTO iso28000.sms_scope (org_id, version, statement, boundaries, effective_from, approved_by, approved_on) VALUES (tap_rk.id('a'), 2, 's', 'b', '2026-02-01', tap_rk.id('pa'), '2026-03-01')$$),
  ('scope_exclusion_excluded_present', 'scope_exclusion', $$INSERT INTO iso28000.scope_exclusion (org_id, sms_scope_id, excluded, justification) VALUES (tap_rk.id('a'), tap_rk.id('scope'), '', 'j')$$),
  ('scope_exclusion_justification_present', 'scope_exclusion', $$INSERT INTO iso28000.scope_exclusion (org_id, sms_scope_id, excluded, justification) VALUES (tap_rk.id('a'), tap_rk.id('scope'), 'e', ' ')$$),
  ('sms_process_name_present', 'sms_process', $$INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (tap_rk.id('a'), '', tap_rk.id('pa'))$$),
  ('sms_process_not_own_parent', 'sms_process', $$UPDATE iso28000.sms_process SET parent_process_id = sms_process_id WHERE sms_process_id = tap_rk.id('proc')$$),
  ('sms_process_retired_after_established', 'sms_process', $$INSERT INTO iso28000.sms_process (org_id, name, owner_id, established_on, retired_on) VALUES (tap_rk.id('a'), 'p2', tap_rk.id('pa'), '2026-02-01', '2026-01-01')$$),
  ('security_policy_version_positive', 'security_policy', $$INSERT INTO iso28000.security_policy (org_id, version, title, body) VALUES (tap_rk.id('a'), -1, 't', 'b')$$),
  ('security_policy_title_present', 'security_policy', $$INSERT INTO iso28000.security_policy (org_id, version, title, body) VALUES (tap_rk.id('a'), 2, '', 'b')$$),
  ('security_policy_body_present', 'security_policy', $$INSERT INTO iso28000.security_policy (org_id, version, title, body) VALUES (tap_rk.id('a'), 2, 't', '')$$),
  ('security_policy_approval_complete', 'security_policy', $$INSERT INTO iso28000.security_policy (org_id, version, title, body, approved_on) VALUES (tap_rk.id('a'), 2, 't', 'b', '2026-01-01')$$),
  ('security_policy_approver_not_author', 'security_policy', $$INSERT INTO iso28000.security_policy (org_id, version, title, body, commits_to_requirements, commits_to_improvement, author_id, approved_by, approved_on) VALUES (tap_rk.id('a'), 2, 't', 'b', true, true, tap_rk.id('pa'), tap_rk.id('pa'), '2026-01-01')$$),
  ('security_policy_commitments_before_approval', 'security_policy', $$INSERT INTO iso28000.security_policy (org_id, version, title, body, commits_to_requirements, author_id, approved_by, approved_on) VALUES (tap_rk.id('a'), 2, 't', 'b', true, tap_rk.id('pa'), tap_rk.id('pa2'), '2026-01-01')$$),
  ('security_policy_effective_needs_approval', 'security_policy', $$INSERT INTO iso28000.security_policy (org_id, version, title, body, effective_from) VALUES (tap_rk.id('a'), 2, 't', 'b', '2026-01-01')$$),
  ('security_policy_superseded_after_effective', 'security_policy', $$INSERT INTO iso28000.security_policy (org_id, version, title, body, commits_to_requirements, commits_to_improvement, approved_by, approved_on, effective_from, superseded_on) VALUES (tap_rk.id('a'), 2, 't', 'b', true, true, tap_rk.id('pa2'), '2026-01-01', '2026-01-02', '2026-01-01')$$),
  ('security_policy_communicated_after_approval', 'security_policy', $$INSERT INTO iso28000.security_policy (org_id, version, title, body, commits_to_requirements, commits_to_improvement, approved_by, approved_on, communicated_on) VALUES (tap_rk.id('a'), 2, 't', 'b', true, true, tap_rk.id('pa2'), '2026-01-10', '2026-01-01')$$),
  ('security_policy_review_after_approval', 'security_policy', $$INSERT INTO iso28000.security_policy (org_id, version, title, body, commits_to_requirements, commits_to_improvement, approved_by, approved_on, review_on) VALUES (tap_rk.id('a'), 2, 't', 'b', true, true, tap_rk.id('pa2'), '2026-01-10', '2026-01-01')$$),
  ('sms_role_name_present', 'sms_role', $$INSERT INTO iso28000.sms_role (org_id, name, responsibilities) VALUES (tap_rk.id('a'), ' ', 'r')$$),
  ('sms_role_responsibilities_present', 'sms_role', $$INSERT INTO iso28000.sms_role (org_id, name, responsibilities) VALUES (tap_rk.id('a'), 'n', '')$$),
  ('sms_role_accept_band_valid', 'sms_role', $$INSERT INTO iso28000.sms_role (org_id, name, responsibilities, may_accept_risks, accept_up_to_band) VALUES (tap_rk.id('a'), 'n', 'r', true, 'any')$$),
  ('sms_role_band_needs_authority', 'sms_role', $$INSERT INTO iso28000.sms_role (org_id, name, responsibilities, accept_up_to_band) VALUES (tap_rk.id('a'), 'n', 'r', 'low')$$),
  ('sms_role_retired_after_established', 'sms_role', $$INSERT INTO iso28000.sms_role (org_id, name, responsibilities, established_on, retired_on) VALUES (tap_rk.id('a'), 'n', 'r', '2026-02-01', '2026-01-01')$$),
  ('role_assignment_ended_after_assigned', 'role_assignment', $$INSERT INTO iso28000.role_assignment (org_id, sms_role_id, person_id, assigned_on, ended_on) VALUES (tap_rk.id('a'), tap_rk.id('role'), tap_rk.id('pa2'), '2026-02-01', '2026-01-01')$$),
  ('risk_kind_valid', 'risk', $$INSERT INTO iso28000.risk (org_id, kind, title, threat) VALUES (tap_rk.id('a'), 'hazard', 't', 'x')$$),
  ('risk_title_present', 'risk', $$INSERT INTO iso28000.risk (org_id, title, threat) VALUES (tap_rk.id('a'), '', 'x')$$),
  ('risk_treatment_valid', 'risk', $$INSERT INTO iso28000.risk (org_id, title, threat, treatment) VALUES (tap_rk.id('a'), 't', 'x', 'ignore')$$),
  ('risk_threat_present', 'risk', $$INSERT INTO iso28000.risk (org_id, title) VALUES (tap_rk.id('a'), 't')$$),
  ('risk_treatment_fits_kind', 'risk', $$INSERT INTO iso28000.risk (org_id, title, threat, treatment) VALUES (tap_rk.id('a'), 't', 'x', 'exploit')$$),
  ('risk_treatment_fits_kind/opportunity', 'risk', $$INSERT INTO iso28000.risk (org_id, kind, title, treatment) VALUES (tap_rk.id('a'), 'opportunity', 't', 'avoid')$$),
  ('risk_residual_needs_inherent', 'risk', $$INSERT INTO iso28000.risk (org_id, title, threat, residual_rating) VALUES (tap_rk.id('a'), 't', 'x', 'L2C2')$$),
  ('risk_residual_not_above_inherent', 'risk', $$INSERT INTO iso28000.risk (org_id, title, threat, inherent_rating, residual_rating) VALUES (tap_rk.id('a'), 't', 'x', 'L2C2', 'L3C3')$$),
  ('risk_assessed_after_identified', 'risk', $$INSERT INTO iso28000.risk (org_id, title, threat, identified_on, assessed_on) VALUES (tap_rk.id('a'), 't', 'x', '2026-02-01', '2026-01-01')$$),
  ('risk_review_after_identified', 'risk', $$INSERT INTO iso28000.risk (org_id, title, threat, identified_on, review_on) VALUES (tap_rk.id('a'), 't', 'x', '2026-02-01', '2026-01-01')$$),
  ('risk_acceptance_complete', 'risk', $$INSERT INTO iso28000.risk (org_id, title, threat, accepted_by) VALUES (tap_rk.id('a'), 't', 'x', tap_rk.id('pa'))$$),
  ('risk_accepted_after_identified', 'risk', $$INSERT INTO iso28000.risk (org_id, title, threat, identified_on, accepted_by, accepted_on) VALUES (tap_rk.id('a'), 't', 'x', '2026-02-01', tap_rk.id('pa'), '2026-01-01')$$),
  ('risk_closed_after_identified', 'risk', $$INSERT INTO iso28000.risk (org_id, title, threat, identified_on, closed_on) VALUES (tap_rk.id('a'), 't', 'x', '2026-02-01', '2026-01-01')$$),
  ('objective_title_present', 'objective', $$INSERT INTO iso28000.objective (org_id, title, target, unit, due_on, owner_id, evaluation_method) VALUES (tap_rk.id('a'), '', 1, 'u', '2099-01-01', tap_rk.id('pa'), 'm')$$),
  ('objective_unit_present', 'objective', $$INSERT INTO iso28000.objective (org_id, title, target, unit, due_on, owner_id, evaluation_method) VALUES (tap_rk.id('a'), 't', 1, '', '2099-01-01', tap_rk.id('pa'), 'm')$$),
  ('objective_direction_valid', 'objective', $$INSERT INTO iso28000.objective (org_id, title, target, unit, direction, due_on, owner_id, evaluation_method) VALUES (tap_rk.id('a'), 't', 1, 'u', 'up', '2099-01-01', tap_rk.id('pa'), 'm')$$),
  ('objective_evaluation_method_present', 'objective', $$INSERT INTO iso28000.objective (org_id, title, target, unit, due_on, owner_id, evaluation_method) VALUES (tap_rk.id('a'), 't', 1, 'u', '2099-01-01', tap_rk.id('pa'), ' ')$$),
  ('objective_due_after_set', 'objective', $$INSERT INTO iso28000.objective (org_id, title, target, unit, set_on, due_on, owner_id, evaluation_method) VALUES (tap_rk.id('a'), 't', 1, 'u', '2026-02-01', '2026-01-01', tap_rk.id('pa'), 'm')$$),
  ('objective_baseline_dated', 'objective', $$INSERT INTO iso28000.objective (org_id, title, target, unit, baseline, due_on, owner_id, evaluation_method) VALUES (tap_rk.id('a'), 't', 1, 'u', 0, '2099-01-01', tap_rk.id('pa'), 'm')$$),
  ('objective_baseline_not_after_set', 'objective', $$INSERT INTO iso28000.objective (org_id, title, target, unit, baseline, baseline_on, set_on, due_on, owner_id, evaluation_method) VALUES (tap_rk.id('a'), 't', 1, 'u', 0, '2026-03-01', '2026-02-01', '2099-01-01', tap_rk.id('pa'), 'm')$$),
  ('objective_achieved_after_set', 'objective', $$INSERT INTO iso28000.objective (org_id, title, target, unit, set_on, due_on, owner_id, evaluation_method, achieved_on) VALUES (tap_rk.id('a'), 't', 1, 'u', '2026-02-01', '2099-01-01', tap_rk.id('pa'), 'm', '2026-01-01')$$),
  ('objective_cancelled_after_set', 'objective', $$INSERT INTO iso28000.objective (org_id, title, target, unit, set_on, due_on, owner_id, evaluation_method, cancelled_on) VALUES (tap_rk.id('a'), 't', 1, 'u', '2026-02-01', '2099-01-01', tap_rk.id('pa'), 'm', '2026-01-01')$$),
  ('objective_not_achieved_and_cancelled', 'objective', $$INSERT INTO iso28000.objective (org_id, title, target, unit, set_on, due_on, owner_id, evaluation_method, achieved_on, cancelled_on) VALUES (tap_rk.id('a'), 't', 1, 'u', '2026-02-01', '2099-01-01', tap_rk.id('pa'), 'm', '2026-03-01', '2026-03-01')$$),
  ('planned_change_title_present', 'planned_change', $$INSERT INTO iso28000.planned_change (org_id, title, purpose, consequences) VALUES (tap_rk.id('a'), '', 'p', 'c')$$),
  ('planned_change_purpose_present', 'planned_change', $$INSERT INTO iso28000.planned_change (org_id, title, purpose, consequences) VALUES (tap_rk.id('a'), 't', '', 'c')$$),
  ('planned_change_consequences_present', 'planned_change', $$INSERT INTO iso28000.planned_change (org_id, title, purpose, consequences) VALUES (tap_rk.id('a'), 't', 'p', ' ')$$),
  ('planned_change_planned_after_requested', 'planned_change', $$INSERT INTO iso28000.planned_change (org_id, title, purpose, consequences, requested_on, planned_for) VALUES (tap_rk.id('a'), 't', 'p', 'c', '2026-02-01', '2026-01-01')$$),
  ('planned_change_completed_after_requested', 'planned_change', $$INSERT INTO iso28000.planned_change (org_id, title, purpose, consequences, requested_on, completed_on) VALUES (tap_rk.id('a'), 't', 'p', 'c', '2026-02-01', '2026-01-01')$$),
  ('planned_change_cancelled_after_requested', 'planned_change', $$INSERT INTO iso28000.planned_change (org_id, title, purpose, consequences, requested_on, cancelled_on) VALUES (tap_rk.id('a'), 't', 'p', 'c', '2026-02-01', '2026-01-01')$$),
  ('planned_change_not_completed_and_cancelled', 'planned_change', $$INSERT INTO iso28000.planned_change (org_id, title, purpose, consequences, requested_on, completed_on, cancelled_on) VALUES (tap_rk.id('a'), 't', 'p', 'c', '2026-01-01', '2026-02-01', '2026-02-01')$$),
  ('control_code_present', 'control', $$INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (tap_rk.id('a'), ' ', 't', 'preventive', 'physical')$$),
  ('control_title_present', 'control', $$INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (tap_rk.id('a'), 'C2', '', 'preventive', 'physical')$$),
  ('control_type_valid', 'control', $$INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (tap_rk.id('a'), 'C2', 't', 'magic', 'physical')$$),
  ('control_nature_valid', 'control', $$INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (tap_rk.id('a'), 'C2', 't', 'preventive', 'spiritual')$$),
  ('control_test_interval_positive', 'control', $$INSERT INTO iso28000.control (org_id, code, title, control_type, nature, test_interval) VALUES (tap_rk.id('a'), 'C2', 't', 'preventive', 'physical', '-1 month')$$),
  ('control_retired_after_implemented', 'control', $$INSERT INTO iso28000.control (org_id, code, title, control_type, nature, implemented_on, retired_on) VALUES (tap_rk.id('a'), 'C2', 't', 'preventive', 'physical', '2026-02-01', '2026-01-01')$$),
  ('risk_treatment_effect_valid', 'risk_treatment', $$UPDATE iso28000.risk_treatment SET expected_effect = 'wish' WHERE risk_id = tap_rk.id('risk')$$),
  ('risk_treatment_due_after_planned', 'risk_treatment', $$UPDATE iso28000.risk_treatment SET planned_on = '2026-02-01', due_on = '2026-01-01' WHERE risk_id = tap_rk.id('risk')$$),
  ('risk_treatment_implemented_after_planned', 'risk_treatment', $$UPDATE iso28000.risk_treatment SET planned_on = '2026-02-01', implemented_on = '2026-01-01' WHERE risk_id = tap_rk.id('risk')$$),
  ('risk_treatment_cancelled_after_planned', 'risk_treatment', $$UPDATE iso28000.risk_treatment SET planned_on = '2026-02-01', cancelled_on = '2026-01-01' WHERE risk_id = tap_rk.id('risk')$$),
  ('risk_treatment_not_implemented_and_cancelled', 'risk_treatment', $$UPDATE iso28000.risk_treatment SET planned_on = '2026-01-01', implemented_on = '2026-02-01', cancelled_on = '2026-02-01' WHERE risk_id = tap_rk.id('risk')$$),
  ('control_test_method_valid', 'control_test', $$INSERT INTO iso28000.control_test (org_id, control_id, tested_on, method, result) VALUES (tap_rk.id('a'), tap_rk.id('ctl'), '2026-03-02', 'guess', 'effective')$$),
  ('control_test_result_valid', 'control_test', $$INSERT INTO iso28000.control_test (org_id, control_id, tested_on, method, result, findings) VALUES (tap_rk.id('a'), tap_rk.id('ctl'), '2026-03-02', 'inspection', 'ok', 'f')$$),
  ('control_test_findings_present', 'control_test', $$INSERT INTO iso28000.control_test (org_id, control_id, tested_on, method, result) VALUES (tap_rk.id('a'), tap_rk.id('ctl'), '2026-03-02', 'inspection', 'ineffective')$$),
  ('control_test_sample_positive', 'control_test', $$INSERT INTO iso28000.control_test (org_id, control_id, tested_on, method, result, sample_size) VALUES (tap_rk.id('a'), tap_rk.id('ctl'), '2026-03-02', 'inspection', 'effective', 0)$$),
  ('control_test_exceptions_not_negative', 'control_test', $$INSERT INTO iso28000.control_test (org_id, control_id, tested_on, method, result, exceptions) VALUES (tap_rk.id('a'), tap_rk.id('ctl'), '2026-03-02', 'inspection', 'effective', -1)$$),
  ('control_test_exceptions_within_sample', 'control_test', $$INSERT INTO iso28000.control_test (org_id, control_id, tested_on, method, result, sample_size, exceptions, findings) VALUES (tap_rk.id('a'), tap_rk.id('ctl'), '2026-03-02', 'inspection', 'partially_effective', 5, 6, 'f')$$),
  ('control_test_next_after_tested', 'control_test', $$INSERT INTO iso28000.control_test (org_id, control_id, tested_on, method, result, next_test_on) VALUES (tap_rk.id('a'), tap_rk.id('ctl'), '2026-03-02', 'inspection', 'effective', '2026-03-01')$$);

-- A statement naming an approver or acceptor runs as that acting person
-- (stamp_acting_person refuses any other with IS120 before the CHECK runs).
SELECT iso28000.grant_delegation(tap_rk.id('a'), current_user::regrole);
SELECT throws_ok(stmt, '23514',
                 format('new row for relation "%s" violates check constraint "%s"', tbl, split_part(con, '/', 1)),
                 'check ' || con || ' refuses')
  FROM check_case c
 CROSS JOIN LATERAL (SELECT iso28000.act_as(tap_rk.id('a'),
                                            tap_rk.id(CASE WHEN c.stmt LIKE '%''pa2''%' THEN 'pa2' ELSE 'pa' END))) AS acting
 ORDER BY con;

SELECT is(
  (SELECT array_agg(conname::text ORDER BY 1) FROM pg_constraint k
    WHERE contype = 'c' AND conrelid IN (SELECT ('iso28000.' || tbl)::regclass FROM tap_rk.registers)
      AND conname NOT IN (SELECT con FROM check_case)),
  NULL, 'every CHECK constraint of these registers has a refusing test');

-- Uniqueness, foreign keys inside the organisation, NOT NULL ----------------
SELECT throws_ok($$INSERT INTO iso28000.risk_band_cell (org_id, rating, band) VALUES (tap_rk.id('a'), 'L1C10', 'low')$$,
                 '23505', NULL, 'one band per matrix cell and organisation');
SELECT throws_ok($$INSERT INTO iso28000.sms_scope (org_id, version, statement, boundaries, effective_from) VALUES (tap_rk.id('a'), 1, 's', 'b', '2026-01-01')$$,
                 '23505', NULL, 'scope versions are unique');
SELECT throws_ok($$INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (tap_rk.id('a'), 'Gate control', tap_rk.id('pa'))$$,
                 '23505', NULL, 'process names are unique within an organisation');
SELECT lives_ok($$INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (tap_rk.id('b'), 'Gate control', tap_rk.id('pb'))$$,
                'another organisation may reuse a process name');
SELECT throws_ok($$INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (tap_rk.id('a'), 'PHY-01', 't', 'preventive', 'physical')$$,
                 '23505', NULL, 'control codes are unique');
SELECT throws_ok($$INSERT INTO iso28000.risk_treatment (org_id, risk_id, control_id) VALUES (tap_rk.id('a'), tap_rk.id('risk'), tap_rk.id('ctl'))$$,
                 '23505', NULL, 'a control treats a risk once');
SELECT throws_ok($$INSERT INTO iso28000.objective_measurement (org_id, objective_id, measured_on, value) VALUES (tap_rk.id('a'), tap_rk.id('obj'), current_date, 1)$$,
                 '23505', NULL, 'one measurement per objective and day');
SELECT throws_ok($$INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on) VALUES (tap_rk.id('a'), 'x', 'low', '2026-01-01')$$,
                 '23505', NULL, 'one appetite per organisation and effective date');
SELECT throws_ok($$INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (tap_rk.id('b'), 'Other', tap_rk.id('pa'))$$,
                 '23503', NULL, 'a process of B cannot be owned by a person of A');
SELECT throws_ok($$INSERT INTO iso28000.risk_treatment (org_id, risk_id, control_id)
                   VALUES (tap_rk.id('b'), tap_rk.id('risk'), tap_rk.id('ctl'))$$,
                 '23503', NULL, 'a treatment of B cannot link A''s risk and control');
SELECT throws_ok($$INSERT INTO iso28000.risk (org_id, title, threat, sms_process_id) VALUES (tap_rk.id('b'), 't', 'x', tap_rk.id('proc'))$$,
                 '23503', NULL, 'a risk of B cannot point at A''s process');
SELECT throws_ok($$INSERT INTO iso28000.sms_process (org_id, name) VALUES (tap_rk.id('a'), 'Ownerless')$$,
                 '23502', NULL, 'a process needs an owner');
SELECT throws_ok($$INSERT INTO iso28000.objective (org_id, title, unit, due_on, owner_id, evaluation_method) VALUES (tap_rk.id('a'), 't', 'u', '2099-01-01', tap_rk.id('pa'), 'm')$$,
                 '23502', NULL, 'an objective needs a target');
SELECT throws_ok($$INSERT INTO iso28000.risk (org_id, title, threat, inherent_rating) VALUES (tap_rk.id('a'), 't', 'x', 'L11C1')$$,
                 '22003', NULL, 'a rating outside the matrix is refused by the type');
SELECT lives_ok($$INSERT INTO iso28000.risk (org_id, kind, title, treatment, inherent_rating, residual_rating)
                  VALUES (tap_rk.id('a'), 'opportunity', 'Shared scanner', 'exploit', 'L3C3', 'L6C6')$$,
                'an opportunity needs no threat, may be exploited, and may rate higher after treatment');

-- Tenant isolation: B sees and changes nothing of A ------------------------
CREATE FUNCTION tap_rk.visible(tbl text, org bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM iso28000.%I WHERE org_id = $1', tbl) INTO n USING org;
  RETURN n;
END $$;
CREATE FUNCTION tap_rk.changed(tbl text, org bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('UPDATE iso28000.%I SET org_id = org_id WHERE org_id = $1', tbl) USING org;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA tap_rk TO PUBLIC;

SELECT is((SELECT array_agg(tbl ORDER BY tbl) FROM tap_rk.registers WHERE tap_rk.visible(tbl, tap_rk.id('a')) = 0),
          NULL, 'A has at least one row in every register (as the owner of the data sees it)');

SET ROLE tap_rk_alice;
SELECT is((SELECT array_agg(tbl ORDER BY tbl) FROM tap_rk.registers WHERE tap_rk.visible(tbl, tap_rk.id('a')) = 0),
          NULL, 'A''s manager sees A''s rows in every register');
SELECT is((SELECT array_agg(tbl ORDER BY tbl) FROM tap_rk.registers WHERE tap_rk.visible(tbl, tap_rk.id('b')) > 0),
          NULL, 'A''s manager sees none of B''s rows');
SELECT lives_ok($$INSERT INTO iso28000.risk (org_id, title, threat, inherent_rating, owner_id) VALUES (tap_rk.id('a'), 'Insider', 'Staff', 'L4C7', tap_rk.id('pa'))$$,
                'A''s manager records a risk of A');
SELECT throws_ok($$INSERT INTO iso28000.risk (org_id, title, threat) VALUES (tap_rk.id('b'), 'Intruder', 'x')$$,
                 '42501', NULL, 'A''s manager cannot record a risk of B');
RESET ROLE;

SET ROLE tap_rk_bob;
SELECT is((SELECT array_agg(tbl ORDER BY tbl) FROM tap_rk.registers WHERE tap_rk.visible(tbl, tap_rk.id('a')) > 0),
          NULL, 'B''s manager sees none of A''s rows in any register');
SELECT is((SELECT array_agg(tbl ORDER BY tbl) FROM tap_rk.registers WHERE tap_rk.changed(tbl, tap_rk.id('a')) > 0),
          NULL, 'B''s manager updates none of A''s rows in any register');
SELECT throws_ok($$INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (tap_rk.id('a'), 'X', 'x', 'preventive', 'physical')$$,
                 '42501', NULL, 'B''s manager cannot insert a control into A');
DELETE FROM iso28000.risk WHERE org_id = tap_rk.id('a');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM iso28000.risk WHERE org_id = tap_rk.id('a')), 3, 'B''s manager deleted none of A''s risks');

SELECT * FROM finish();
ROLLBACK;
