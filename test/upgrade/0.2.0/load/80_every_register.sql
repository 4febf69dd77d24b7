-- Not from the demo: written against release 0.1.0's schema for the upgrade
-- suite, so that every configuration table holds users' rows before the
-- upgrade: the registers the 0.1.0 demo left empty (entered as the security
-- manager, as an application would), and a DBA's own standard, clause,
-- workflow and review input (builtin/seeded false: what pg_dump keeps).
SET search_path = iso28000, public;

-- a DBA's own: a standard with a clause, a review input, a workflow
INSERT INTO standard (standard, title, publisher) VALUES ('NPL-SEC:2025', 'NPL security rulebook', 'NPL');
INSERT INTO clause (standard, clause, title, pdca, parent, seq) VALUES ('NPL-SEC:2025', '1', 'Gates', 'do', NULL, 1);
INSERT INTO review_input (input_code, clause, title, required, seq)
VALUES ('port_authority_notes', '9.3', 'Notes of the port authority', false, 99);
INSERT INTO workflow (workflow, description, log_events) VALUES ('gate_pass', 'A DBA''s own: gate passes', false);
INSERT INTO workflow_state (workflow, state, is_initial, is_terminal, description) VALUES
  ('gate_pass', 'requested', true, false, 'asked for'),
  ('gate_pass', 'issued', false, true, 'handed out');
INSERT INTO workflow_transition (workflow, from_state, to_state, required_level, note)
VALUES ('gate_pass', 'requested', 'issued', 'manage', 'the manager issues');
INSERT INTO workflow_required_column (workflow, state, column_name, description)
VALUES ('gate_pass', 'issued', 'issued_by', 'who issued it');

SET ROLE npl_security_manager;
CREATE TEMP TABLE p80 AS
SELECT o.org_id,
       (SELECT min(person_id) FROM person p WHERE p.org_id = o.org_id) AS someone,
       (SELECT max(person_id) FROM person p WHERE p.org_id = o.org_id) AS other,
       (SELECT min(audit_id) FROM audit a WHERE a.org_id = o.org_id) AS audit_id,
       (SELECT min(node_id) FROM supply_chain_node n WHERE n.org_id = o.org_id) AS node_id,
       (SELECT min(control_id) FROM control c WHERE c.org_id = o.org_id) AS control_id,
       (SELECT min(nonconformity_id) FROM nonconformity n WHERE n.org_id = o.org_id) AS nc_id
  FROM organization o WHERE o.code = 'NPL';
GRANT SELECT ON p80 TO npl_auditor;

INSERT INTO clause_wording (org_id, standard, clause, requirement_text, licence)
SELECT org_id, 'NPL-SEC:2025', '1', 'Every gate is locked outside opening hours.', 'internal' FROM p80;
INSERT INTO resource (org_id, name, kind, owner_id, quantity, unit)
SELECT org_id, 'Patrol vehicles', 'equipment', someone, 3, 'vehicles' FROM p80;
INSERT INTO competence_requirement (org_id, title, role_name, required_level, renewal_interval)
SELECT org_id, 'Seal inspection', 'gate officer', 2, '1 year' FROM p80;
INSERT INTO training_record (org_id, person_id, competence_requirement_id, kind, title, completed_on,
                             valid_until, outcome, level_achieved, awareness_topics)
SELECT p80.org_id, someone, c.competence_requirement_id, 'training', 'Seal inspection course', current_date - 30,
       current_date + 335, 'passed', 2, '{security_policy}'
  FROM p80 JOIN competence_requirement c USING (org_id);
INSERT INTO communication (org_id, subject, audience, direction, channel, frequency, owner_id)
SELECT org_id, 'Gate incidents', 'port authority', 'external', 'e-mail', '1 month', someone FROM p80;
INSERT INTO node_control (org_id, node_id, control_id, direction, description, implemented_on)
SELECT org_id, node_id, control_id, 'at_node', 'seal check at the gate', current_date - 60 FROM p80;
INSERT INTO nonconformity_deadline (org_id, severity, days_to_contain, days_to_close, escalate_after)
SELECT org_id, 'major', 2, 30, 5 FROM p80;
INSERT INTO improvement (org_id, title, source, clause, nonconformity_id, owner_id, expected_benefit, due_on)
SELECT org_id, 'Automatic seal reader at gate 4', 'nonconformity', '8.1', nc_id, someone, 'fewer missed seals',
       current_date + 90 FROM p80;
RESET ROLE;
SET ROLE npl_auditor;
INSERT INTO audit_team_member (org_id, audit_id, person_id, role)
SELECT org_id, audit_id, other, 'observer' FROM p80;
RESET ROLE;
-- 0.1.0 data that 0.2.0's audit rules refuse to new writes (IS160): the
-- observer on the team of the first audit owns an activity of a process it
-- examines.  The upgrade keeps it (test/suite.d/upgrade).
SET ROLE npl_security_manager;
INSERT INTO activity (org_id, sms_process_id, name, owner_id)
SELECT p80.org_id, x.process_id, 'Reefer plug-in checks', other
  FROM p80 JOIN audit_auditee x ON x.org_id = p80.org_id AND x.audit_id = p80.audit_id AND x.process_id IS NOT NULL
 ORDER BY x.process_id LIMIT 1;
RESET ROLE;
