-- Northsea Port & Logistics: context (clause 4), policy and roles (5), risk
-- criteria, risks through their workflow, objectives (6), controls and
-- treatments (8.4, 8.5).  Entered as the security manager, as an application
-- would; dates are relative to today so the views always have something due.
SET ROLE npl_security_manager;
SET search_path = iso28000, public;

CREATE TEMP TABLE p AS
SELECT o.org_id, max(person_id) FILTER (WHERE full_name = 'Marit de Vries') AS marit,
       max(person_id) FILTER (WHERE full_name = 'Joost Bakker') AS joost,
       max(person_id) FILTER (WHERE full_name = 'Anouk Jansen') AS anouk,
       max(person_id) FILTER (WHERE full_name = 'Pieter Smit') AS pieter,
       max(person_id) FILTER (WHERE full_name = 'Sanne Visser') AS sanne,
       max(person_id) FILTER (WHERE full_name = 'Daan Mulder') AS daan,
       max(person_id) FILTER (WHERE full_name = 'Lotte de Boer') AS lotte
  FROM organization o JOIN person USING (org_id) WHERE o.code = 'NPL' GROUP BY o.org_id;
GRANT SELECT ON p TO npl_director;

-- 4.1 context
INSERT INTO context_issue (org_id, title, origin, category, effect_on_sms, effect_direction, owner_id, identified_on, review_on)
SELECT org_id, t, o, c, e, d, marit, current_date - 200, current_date + r FROM p,
  (VALUES ('Rising cocaine trafficking through North Sea ports', 'external', 'security_threat', 'Insider recruitment and container rip-offs target our terminal', 'negative', 90),
          ('EU customs reform (UCC) tightens AEO criteria', 'external', 'legal', 'Our AEO-S status needs documented supply-chain security', 'negative', 180),
          ('New terminal operating system in 2027', 'internal', 'technological', 'Chance to automate seal verification; migration risk', 'mixed', -10)) AS v(t, o, c, e, d, r);

-- 4.2 interested parties and requirements
INSERT INTO interested_party (org_id, name, category, relevance, identified_on)
SELECT org_id, n, c, r, current_date - 300 FROM p,
  (VALUES ('Dutch Customs', 'customs_authority', 'Grants and supervises our AEO-S authorisation'),
          ('Port Authority', 'regulator', 'Enforces the ISPS Code at the port facility'),
          ('Shipping lines', 'customer', 'Expect cargo integrity and fast gate turnaround')) AS v(n, c, r);
INSERT INTO party_requirement (org_id, interested_party_id, requirement, addressed_by_sms, justification)
SELECT ip.org_id, ip.interested_party_id, v.req, v.addr, v.why
  FROM interested_party ip
  JOIN (VALUES ('Dutch Customs', 'Keep the AEO security criteria met at all times', true, NULL),
               ('Port Authority', 'Maintain an approved port facility security plan', true, NULL),
               ('Shipping lines', 'Report seal discrepancies within one hour', true, NULL),
               ('Shipping lines', 'Insure cargo at full value', false, 'Insurance is the shipper''s contractual duty, outside the SMS')) AS v(n, req, addr, why)
    ON v.n = ip.name;

-- 4.2.2 obligations and their evaluations
INSERT INTO obligation (org_id, title, kind, reference, jurisdiction, issuing_body, evaluation_interval, owner_id, applies_from)
SELECT org_id, t, k, ref, 'NL', body, iv::interval, marit, date '2020-01-01' FROM p,
  (VALUES ('ISPS Code', 'regulatory', 'SOLAS chapter XI-2 and ISPS Code part A', 'IMO / Port Authority', '1 year'),
          ('AEO security and safety criteria', 'regulatory', 'Regulation (EU) 952/2013 art. 39(e)', 'Dutch Customs', '6 months'),
          ('TAPA FSR level A', 'contractual', 'Customer contract, annex 4', 'Shipping lines', '1 year')) AS v(t, k, ref, body, iv);
INSERT INTO compliance_evaluation (org_id, obligation_id, evaluated_on, evaluator_id, result, evidence, findings)
SELECT o.org_id, o.obligation_id, current_date - v.ago, p.joost, v.res, 'Internal audit', v.f
  FROM obligation o JOIN p USING (org_id)
  JOIN (VALUES ('ISPS Code', 60, 'compliant', NULL),
               ('AEO security and safety criteria', 250, 'partially_compliant', 'Visitor log gaps at gate 3')) AS v(t, ago, res, f)
    ON v.t = o.title;

-- 4.3 scope, 4.4 processes
INSERT INTO sms_scope (org_id, version, statement, boundaries, sites, supply_chain_segments, effective_from)
SELECT org_id, 1, 'Security management of container handling, storage and gate operations at the Northsea terminal.',
       'Terminal fence line and the inland depot; excludes head office.', '{Quay North,Inland depot}',
       '{ocean freight inbound,hinterland trucking}', current_date - 365 FROM p;
INSERT INTO scope_exclusion (org_id, sms_scope_id, excluded, justification)
SELECT org_id, sms_scope_id, 'Head office administration', 'No cargo, no access to the terminal systems' FROM sms_scope;
INSERT INTO sms_process (org_id, code, name, owner_id, critical, purpose)
SELECT org_id, c, n, o, crit, pur FROM p,
  LATERAL (VALUES ('GATE', 'Gate and access control', pieter, true, 'Only authorised people and vehicles enter'),
                  ('OPS', 'Terminal operations', anouk, true, 'Load, discharge and store containers'),
                  ('SCS', 'Supply-chain security', sanne, false, 'Assure providers and partners'),
                  ('ITS', 'IT security', daan, false, 'Protect terminal systems')) AS v(c, n, o, crit, pur);

-- 5.2 policy, 5.3 roles
INSERT INTO security_policy (org_id, version, title, body, commits_to_requirements, commits_to_improvement,
                             author_id, review_on)
SELECT org_id, 1, 'Security policy', 'NPL protects people, cargo and information across its terminal and supply chain.',
       true, true, marit, current_date + 65 FROM p;
INSERT INTO sms_role (org_id, name, responsibilities, authorities, may_accept_risks, accept_up_to_band, reports_on_performance)
VALUES ((SELECT org_id FROM p), 'Security manager', 'Runs the SMS day to day', 'Accepts residual risks up to high', true, 'high', true),
       ((SELECT org_id FROM p), 'Management board', 'Sets policy and appetite', 'Accepts any residual risk', true, NULL, false),
       ((SELECT org_id FROM p), 'Internal auditor', 'Audits the SMS', NULL, false, NULL, true);
INSERT INTO role_assignment (org_id, sms_role_id, person_id, assigned_on)
SELECT r.org_id, r.sms_role_id, CASE r.name WHEN 'Security manager' THEN p.marit WHEN 'Management board' THEN p.lotte ELSE p.joost END,
       current_date - 400
  FROM sms_role r JOIN p USING (org_id);

-- 6.1.2 risk criteria: rare catastrophic events are high, not low; appetite medium
INSERT INTO risk_band_cell (org_id, rating, band)
SELECT org_id, risk_rating(l, 10), 'high' FROM p, generate_series(1, 3) l;
INSERT INTO risk_appetite (org_id, statement, max_band, effective_on)
SELECT org_id, 'NPL accepts residual security risk up to medium; anything higher needs treatment or board acceptance.',
       'medium', current_date - 300 FROM p;

-- The managing director approves the scope, the policy and the appetite
-- herself: approved_by is stamped from the acting person (her own role,
-- person.db_role), so nobody can record an approval in her name.
SET ROLE npl_director;
UPDATE sms_scope SET approved_by = (SELECT lotte FROM p), approved_on = current_date - 370
 WHERE org_id = (SELECT org_id FROM p) AND version = 1;
UPDATE security_policy SET approved_by = (SELECT lotte FROM p), approved_on = current_date - 300,
       effective_from = current_date - 290, communicated_on = current_date - 280
 WHERE org_id = (SELECT org_id FROM p) AND version = 1;
UPDATE risk_appetite SET approved_by = (SELECT lotte FROM p), approved_on = current_date - 300
 WHERE org_id = (SELECT org_id FROM p);
SET ROLE npl_security_manager;

-- 8.4 controls
INSERT INTO control (org_id, code, title, control_type, nature, owner_id, sms_process_id, test_interval, implemented_on)
SELECT p.org_id, v.code, v.t, v.ty, v.na, v.o, sp.sms_process_id, v.iv::interval, current_date - 500
  FROM p CROSS JOIN LATERAL (VALUES
    ('PHY-01', 'CCTV on quay and gates', 'detective', 'technical', p.pieter, 'GATE', '3 months'),
    ('PHY-02', 'Badge access with photo check', 'preventive', 'physical', p.pieter, 'GATE', '6 months'),
    ('PRC-01', 'Seal verification at gate-in and gate-out', 'detective', 'procedural', p.anouk, 'OPS', '1 month'),
    ('PER-01', 'Screening of staff with access to the quay', 'preventive', 'personnel', p.marit, 'OPS', '1 year'),
    ('TEC-01', 'Endpoint detection on terminal systems', 'detective', 'technical', p.daan, 'ITS', '6 months')) AS v(code, t, ty, na, o, proc, iv)
  JOIN sms_process sp ON sp.org_id = p.org_id AND sp.code = v.proc;
INSERT INTO control_test (org_id, control_id, tested_on, tester_id, method, result, findings, sample_size, exceptions)
SELECT c.org_id, c.control_id, current_date - v.ago, p.joost, v.m, v.res, v.f, v.n, v.x
  FROM control c JOIN p USING (org_id)
  JOIN (VALUES ('PHY-01', 30, 'inspection', 'effective', NULL, 20, 0),
               ('PHY-02', 250, 'reperformance', 'partially_effective', 'Two expired badges still opened gate 3', 50, 2),
               ('PRC-01', 10, 'observation', 'effective', NULL, 40, 0),
               ('TEC-01', 90, 'simulation', 'effective', NULL, NULL, NULL)) AS v(code, ago, m, res, f, n, x)
    ON v.code = c.code;

-- 6.1, 8.3 risks: identified, then moved through the workflow
INSERT INTO risk (org_id, reference, kind, title, threat, vulnerability, asset, sms_process_id, owner_id, identified_on)
SELECT p.org_id, v.ref, v.kind, v.t, v.th, v.vu, v.asset, sp.sms_process_id, v.o, current_date - 180
  FROM p CROSS JOIN LATERAL (VALUES
    ('R-01', 'risk', 'Drug rip-off from containers on the quay', 'Organised crime', 'Insiders with quay access', 'Containers in stack', 'OPS', p.anouk),
    ('R-02', 'risk', 'Tampered seals not detected at gate-out', 'Cargo theft', 'Manual seal check under time pressure', 'Cargo', 'OPS', p.anouk),
    ('R-03', 'risk', 'Tailgating at gate 3', 'Unauthorised entry', 'Turnstile out of order', 'Terminal', 'GATE', p.pieter),
    ('R-04', 'risk', 'Ransomware on the terminal operating system', 'Cyber criminals', 'Unpatched servers', 'TOS', 'ITS', p.daan),
    ('R-05', 'risk', 'Corrupted customs broker', 'Bribery', 'Single broker without checks', 'Declarations', 'SCS', p.sanne),
    ('R-06', 'risk', 'Drone overflight of the container stack', 'Reconnaissance', 'No airspace detection', 'Terminal', 'GATE', p.pieter),
    ('R-07', 'risk', 'Explosive device in an empty container', 'Terrorism', 'Empties not inspected', 'Quay', 'OPS', p.marit),
    ('R-08', 'risk', 'Theft of reefer fuel', 'Petty theft', 'Unlocked gensets', 'Reefer gensets', 'OPS', p.anouk),
    ('O-01', 'opportunity', 'Shared scanner with the neighbouring terminal', NULL, NULL, 'Scanner', 'OPS', p.marit),
    ('R-09', 'risk', 'Flooding of the data room', 'Storm surge', 'Basement location', 'Servers', 'ITS', p.daan)) AS v(ref, kind, t, th, vu, asset, proc, o)
  JOIN sms_process sp ON sp.org_id = p.org_id AND sp.code = v.proc;

UPDATE risk r SET status = 'assessed', inherent_rating = v.rating::risk_rating, assessed_on = current_date - 150,
                  review_on = current_date + v.review
  FROM (VALUES ('R-01', 'L7C9', 60), ('R-02', 'L6C7', 30), ('R-03', 'L8C5', -20), ('R-04', 'L5C9', 45),
               ('R-05', 'L4C7', 60), ('R-06', 'L6C3', 90), ('R-07', 'L1C10', -5), ('R-08', 'L7C2', 120),
               ('O-01', 'L6C6', 60)) AS v(ref, rating, review)
 WHERE r.reference = v.ref;

-- treatments linking controls
INSERT INTO risk_treatment (org_id, risk_id, control_id, expected_effect, owner_id, planned_on, due_on, implemented_on)
SELECT r.org_id, r.risk_id, c.control_id, v.eff, r.owner_id, current_date - 140, current_date + v.due, CASE WHEN v.done THEN current_date - 60 END
  FROM risk r JOIN control c ON c.org_id = r.org_id
  JOIN (VALUES ('R-01', 'PER-01', 'reduce_likelihood', 30, true), ('R-01', 'PHY-01', 'reduce_likelihood', 30, true),
               ('R-02', 'PRC-01', 'reduce_likelihood', 30, true), ('R-03', 'PHY-02', 'reduce_likelihood', -10, false),
               ('R-04', 'TEC-01', 'reduce_both', 60, true)) AS v(ref, code, eff, due, done)
    ON v.ref = r.reference AND v.code = c.code;

UPDATE risk SET status = 'treatment_planned', treatment = 'reduce', treatment_rationale = 'Controls available at reasonable cost'
 WHERE reference IN ('R-01', 'R-02', 'R-03', 'R-04');
-- O-01 (exploit) has no control yet: it stays assessed and shows in risk_without_treatment
UPDATE risk SET treatment = 'exploit', treatment_rationale = 'Shares cost, raises the scan rate' WHERE reference = 'O-01';
UPDATE risk SET status = 'treated', residual_rating = v.rating::risk_rating
  FROM (VALUES ('R-01', 'L4C9'), ('R-02', 'L3C6'), ('R-04', 'L3C8')) AS v(ref, rating)
 WHERE reference = v.ref;
-- the security manager accepts what is within her authority (up to high)
UPDATE risk SET status = 'accepted', accepted_by = (SELECT marit FROM p), accepted_on = current_date - 30,
                status_note = 'Residual risk within the security manager''s authority'
 WHERE reference IN ('R-02', 'R-04');
UPDATE risk SET status = 'accepted', treatment = 'accept', treatment_rationale = 'Cost of treatment exceeds the expected loss',
                accepted_by = (SELECT marit FROM p), accepted_on = current_date - 20
 WHERE reference = 'R-08';

-- 6.2 objectives and measurements
INSERT INTO objective (org_id, title, target, unit, direction, baseline, baseline_on, set_on, due_on, owner_id, evaluation_method, resources, security_policy_id)
SELECT p.org_id, v.t, v.tg, v.u, v.dir, v.bl, current_date - 200, current_date - 200, current_date + v.due, v.o, v.m, v.res,
       (SELECT security_policy_id FROM security_policy WHERE version = 1)
  FROM p CROSS JOIN LATERAL (VALUES
    ('Seals verified at gate-out', 100, '%', 'increase', 82, 120, p.anouk, 'Monthly sample of 200 gate-out records', 'Two seal scanners'),
    ('Security incidents on the quay', 2, 'incidents per quarter', 'decrease', 9, 20, p.marit, 'Incident register count', 'CCTV operator shift'),
    ('Staff screened before quay access', 100, '%', 'increase', 70, -15, p.marit, 'HR screening records', 'Screening agency')) AS v(t, tg, u, dir, bl, due, o, m, res);
INSERT INTO objective_measurement (org_id, objective_id, measured_on, value, measured_by)
SELECT o.org_id, o.objective_id, current_date - v.ago, v.val, o.owner_id
  FROM objective o JOIN (VALUES
    ('Seals verified at gate-out', 150, 86), ('Seals verified at gate-out', 90, 91), ('Seals verified at gate-out', 30, 95),
    ('Security incidents on the quay', 150, 7), ('Security incidents on the quay', 60, 5), ('Security incidents on the quay', 5, 6),
    ('Staff screened before quay access', 100, 85), ('Staff screened before quay access', 20, 92)) AS v(t, ago, val)
    ON v.t = o.title;

-- 6.3 planned change
INSERT INTO planned_change (org_id, title, purpose, consequences, integrity_measures, owner_id, risk_id, planned_for)
SELECT org_id, 'Replace the terminal operating system', 'Automate seal verification and gate transactions',
       'Two weeks of manual gate processing during cut-over', 'Parallel run; manual seal checks doubled', daan,
       (SELECT risk_id FROM risk WHERE reference = 'R-04'), current_date + 200 FROM p;

RESET ROLE;
