-- NPL's risk register at full size, on top of demo/load/20_context_risks.sql
-- (context, processes, controls, the first ten risks, three objectives):
-- seven more controls, 56 more risks (seven threats at eight places of NPL's
-- supply chain, generated) taken through the risk workflow in bulk as the
-- people of NPL would (identified, assessed, treatment planned with controls,
-- treated, accepted by the security manager within her authority), their
-- control tests, three more objectives, and a year of monthly measurements for
-- every objective.  The asset of each risk is the name of a supply-chain node;
-- demo/load/45_risk_nodes.sql links the risks to the nodes of
-- demo/load/40_supply_chain.sql.
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SET ROLE npl_security_manager;
SELECT org_id AS npl FROM iso28000.organization WHERE code = 'NPL' \gset
SELECT max(person_id) FILTER (WHERE full_name = 'Marit de Vries') AS marit,
       max(person_id) FILTER (WHERE full_name = 'Joost Bakker')   AS joost,
       max(person_id) FILTER (WHERE full_name = 'Anouk Jansen')   AS anouk,
       max(person_id) FILTER (WHERE full_name = 'Pieter Smit')    AS pieter,
       max(person_id) FILTER (WHERE full_name = 'Sanne Visser')   AS sanne,
       max(person_id) FILTER (WHERE full_name = 'Daan Mulder')    AS daan,
       max(person_id) FILTER (WHERE full_name = 'Lotte de Boer')  AS lotte
  FROM iso28000.person WHERE org_id = :npl \gset

-- 8.4 More controls, on the processes of 20_context_risks.sql.
INSERT INTO iso28000.control (org_id, code, title, control_type, nature, owner_id, sms_process_id, test_interval, implemented_on)
SELECT :npl, c.code, c.title, c.ctype, c.nature, c.owner, p.sms_process_id, c.every, current_date - 700
  FROM (VALUES
    ('PRC-02', 'Single-use PIN codes for container release', 'preventive', 'technical', :daan::bigint, 'ITS', interval '6 months'),
    ('TEC-02', 'Network segmentation of OT systems', 'preventive', 'technical', :daan::bigint, 'ITS', interval '1 year'),
    ('TEC-03', 'Offline backups and tested restore of the TOS', 'recovery', 'technical', :daan::bigint, 'ITS', interval '6 months'),
    ('CON-01', 'Security clauses in carrier and provider contracts', 'preventive', 'contractual', :sanne::bigint, 'SCS', interval '1 year'),
    ('PHY-03', 'Random inspection of outgoing trucks', 'deterrent', 'physical', :pieter::bigint, 'GATE', interval '3 months'),
    ('PHY-04', 'Perimeter fence with intrusion detection', 'preventive', 'physical', :pieter::bigint, 'GATE', interval '1 year'),
    ('PER-02', 'Yearly security awareness training', 'preventive', 'personnel', :marit::bigint, 'OPS', interval '1 year'))
       AS c(code, title, ctype, nature, owner, proc, every)
  JOIN iso28000.sms_process p ON p.org_id = :npl AND p.code = c.proc;
INSERT INTO iso28000.control_test (org_id, control_id, tested_on, tester_id, method, result, findings, sample_size, exceptions, next_test_on)
SELECT :npl, c.control_id, current_date - 40 - 9 * g, :joost,
       (ARRAY['inspection', 'observation', 'reperformance', 'walkthrough'])[1 + g % 4],
       CASE WHEN g = 2 THEN 'partially_effective' WHEN g = 5 THEN 'ineffective' ELSE 'effective' END,
       CASE WHEN g IN (2, 5) THEN 'Exceptions in the sample; see the test file.' END,
       25, CASE WHEN g = 2 THEN 2 WHEN g = 5 THEN 6 ELSE 0 END,
       current_date - 40 - 9 * g + c.test_interval
  FROM iso28000.control c
 CROSS JOIN LATERAL (SELECT (row_number() OVER ())::int AS g) x
 WHERE c.org_id = :npl AND c.code IN ('PRC-02', 'TEC-02', 'TEC-03', 'CON-01', 'PHY-03', 'PHY-04', 'PER-02');

-- 6.1, 8.3 Identified: seven threats at eight nodes of the supply chain.
WITH threat(t, title, threat, vuln, proc, tl, tc) AS (VALUES
    (1, 'Drug smuggling by rip-on/rip-off', 'Organised crime', 'Insider access to container stacks', 'OPS', 7, 8),
    (2, 'Theft of high-value cargo', 'Cargo theft', 'Weak release controls', 'OPS', 6, 6),
    (3, 'Ransomware', 'Cyber criminals', 'Flat networks and legacy OT', 'ITS', 5, 9),
    (4, 'Fraudulent pick-up by a fake driver', 'Identity fraud', 'Paper-based driver identification', 'GATE', 6, 5),
    (5, 'Seal or cargo tampering in transit', 'Tampering', 'Carriers not all certified', 'SCS', 5, 7),
    (6, 'Corruption of staff by criminal networks', 'Bribery', 'Screening not repeated after hiring', 'OPS', 5, 8),
    (7, 'Loss of a critical provider', 'Provider failure', 'Few alternatives', 'SCS', 4, 7)),
node(a, name) AS (VALUES (1, 'Container terminal'), (2, 'Terminal gate and access control'),
                          (3, 'Bonded warehouse'), (4, 'Lowlands Rail Cargo'), (5, 'Grid power'),
                          (6, 'Baltic Carriers (road haulage)'), (7, 'Terminal operating system (SaaS)'),
                          (8, 'Securitas-like guarding contractor'))
INSERT INTO iso28000.risk (org_id, reference, kind, title, threat, vulnerability, asset, sms_process_id,
                           owner_id, identified_on)
SELECT :npl, format('R-%s%s', t, a), 'risk', format('%s at %s', threat.title, node.name), threat.threat, threat.vuln,
       node.name, p.sms_process_id,
       (ARRAY[:marit, :anouk, :pieter, :sanne, :daan]::bigint[])[1 + (t + a) % 5],
       current_date - 420 + 3 * a
  FROM threat CROSS JOIN node
  JOIN iso28000.sms_process p ON p.org_id = :npl AND p.code = threat.proc;

CREATE TEMP TABLE demo_risk AS
SELECT r.risk_id, substr(r.reference, 3, 1)::int AS t, substr(r.reference, 4, 1)::int AS a,
       iso28000.risk_rating(least(10, greatest(1, tl.l + (substr(r.reference, 4, 1)::int * 3 + substr(r.reference, 3, 1)::int) % 5 - 2)),
                            least(10, greatest(1, tl.c + (substr(r.reference, 4, 1)::int + substr(r.reference, 3, 1)::int * 2) % 4 - 1))) AS inherent
  FROM iso28000.risk r
  JOIN (VALUES (1, 7, 8), (2, 6, 6), (3, 5, 9), (4, 6, 5), (5, 5, 7), (6, 5, 8), (7, 4, 7)) AS tl(t, l, c)
    ON tl.t = substr(r.reference, 3, 1)::int
 WHERE r.org_id = :npl AND r.reference ~ '^R-[1-7][1-8]$';
-- Residual: each control cuts likelihood by 1 to 4 and consequence by 0 to 2.
ALTER TABLE demo_risk ADD residual iso28000.risk_rating;
UPDATE demo_risk SET residual = iso28000.risk_rating(greatest(1, iso28000.likelihood(inherent) - 1 - (a + t) % 4),
                                                     greatest(1, iso28000.consequence(inherent) - (a * t) % 3));

-- Assessed: inherent rating, owner, date.
UPDATE iso28000.risk r SET status = 'assessed', inherent_rating = d.inherent,
       assessed_on = r.identified_on + 20, review_on = current_date - 20 + 9 * ((d.t * 7 + d.a * 3) % 13)
  FROM demo_risk d WHERE r.org_id = :npl AND r.risk_id = d.risk_id;

-- Treatment planned: the controls of the risk's process, plus awareness.
INSERT INTO iso28000.risk_treatment (org_id, risk_id, control_id, expected_effect, owner_id, planned_on, due_on, implemented_on)
SELECT :npl, r.risk_id, c.control_id,
       (ARRAY['reduce_likelihood', 'reduce_consequence', 'reduce_both'])[1 + (r.risk_id + c.control_id) % 3],
       c.owner_id, r.assessed_on, r.assessed_on + 120,
       CASE WHEN d.a <> 8 OR d.t > 4 THEN r.assessed_on + 90 END
  FROM iso28000.risk r
  JOIN demo_risk d ON d.risk_id = r.risk_id
  JOIN iso28000.control c ON c.org_id = r.org_id AND (c.sms_process_id = r.sms_process_id OR c.code = 'PER-02')
 WHERE r.org_id = :npl;
UPDATE iso28000.risk r SET status = 'treatment_planned', treatment = CASE WHEN d.t = 7 THEN 'transfer' ELSE 'reduce' END,
       treatment_rationale = 'Decided at the yearly risk workshop.'
  FROM demo_risk d WHERE r.org_id = :npl AND r.risk_id = d.risk_id;

-- Treated: every treatment implemented (all but the guard company's node,
-- whose new contract is still being negotiated), residual rating assessed.
UPDATE iso28000.risk r SET status = 'treated', residual_rating = d.residual
  FROM demo_risk d WHERE r.org_id = :npl AND r.risk_id = d.risk_id AND (d.a <> 8 OR d.t > 4);

-- Accepted by the security manager where the residual band is within her authority.
UPDATE iso28000.risk r SET status = 'accepted', accepted_by = :marit, accepted_on = r.assessed_on + 150,
       status_note = 'Residual risk accepted at the risk workshop.'
  FROM demo_risk d
 WHERE r.org_id = :npl AND r.risk_id = d.risk_id AND r.status = 'treated'
   AND (d.t + d.a) % 3 = 0
   AND iso28000.may_accept_risk(:npl, :marit, d.residual, r.assessed_on + 150);
DROP TABLE demo_risk;

-- 6.2 Three more objectives, and a year of monthly measurements for each.
INSERT INTO iso28000.objective (org_id, title, target, unit, direction, baseline, baseline_on, set_on, due_on, owner_id, resources, evaluation_method)
VALUES
  (:npl, 'Unauthorised access attempts detected at the gates', 20, 'attempts / month', 'decrease', 45, current_date - 380, current_date - 370, current_date + 30, :pieter, 'Badge and PIN upgrade', 'Access control log, monthly'),
  (:npl, 'Critical OT patches applied within 30 days', 90, '%', 'increase', 55, current_date - 380, current_date - 370, current_date + 120, :daan, 'OT maintenance windows', 'Patch management report, monthly'),
  (:npl, 'Hinterland carriers with valid security certification', 100, '%', 'increase', 60, current_date - 380, current_date - 370, current_date + 200, :sanne, 'Carrier audits', 'Provider evidence register, monthly');
INSERT INTO iso28000.objective_measurement (org_id, objective_id, measured_on, value, measured_by)
SELECT :npl, o.objective_id, (current_date - 355 + 30 * m)::date,
       least(CASE WHEN o.unit = '%' THEN 100 END,   -- a percentage stays at or below 100
             round(o.baseline + (o.target - o.baseline) * (m / 12.0) * f.speed
                   + f.noise * sin(m * 1.7 + o.objective_id)::numeric, 1)),
       o.owner_id
  FROM iso28000.objective o
 CROSS JOIN generate_series(0, 11) AS m
 CROSS JOIN LATERAL (SELECT (ARRAY[0.9, 1.1, 0.8, 0.7, 0.85, 1.05])[1 + (o.objective_id % 6)::int] AS speed,
                            (ARRAY[0.4, 3.0, 2.0, 3.0, 2.5, 0.5])[1 + (o.objective_id % 6)::int] AS noise) f
 WHERE o.org_id = :npl AND o.baseline IS NOT NULL
   AND NOT EXISTS (SELECT FROM iso28000.objective_measurement x
                    WHERE x.org_id = o.org_id AND x.objective_id = o.objective_id
                      AND x.measured_on = (current_date - 355 + 30 * m)::date);
RESET ROLE;
