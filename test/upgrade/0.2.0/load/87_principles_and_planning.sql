-- The registers that 0.2.0 added, filled for Northsea Port & Logistics: the
-- principles its SMS follows (4.2.3), the director's commitments with their
-- evidence (5.1), actions that address two risks inside their processes
-- (6.1), what a treatment and a control need (8.5.2), the name of the top
-- maturity level (9.1), and two maps of ISO/IEC 27001's risk treatment onto
-- ISO 28000 (4.4).  Written by the security manager and the director, as the
-- demo's other files are; the maps by the database owner (load_clause_map).
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path

-- 4.4 the ISMS next door: where ISO/IEC 27001's risk treatment meets ISO
-- 28000's strategies and treatments, beyond the seeded harmonized maps.
SELECT iso28000.load_clause_map('ISO/IEC 27001:2022', 'ISO 28000:2022',
  '[{"from": "6.1.3", "to": "8.5.1", "relation": "intersects", "note": "Choosing treatments, for information and for security"},
    {"from": "8.3", "to": "8.5.3", "relation": "intersects", "note": "Implementing the chosen treatments"}]');

SET ROLE npl_security_manager;
SELECT org_id AS npl,
       max(person_id) FILTER (WHERE full_name = 'Marit de Vries') AS marit,
       max(person_id) FILTER (WHERE full_name = 'Lotte de Boer')  AS lotte
  FROM iso28000.organization JOIN iso28000.person USING (org_id) WHERE code = 'NPL' GROUP BY org_id \gset

-- 4.2.3 principles, one still without evidence (sms_principle_without_evidence)
INSERT INTO iso28000.sms_principle (org_id, title, how_applied, evidence, evidence_on, owner_id, adopted_on, review_on)
VALUES (:npl, 'Leadership', 'The board sets the risk appetite and chairs the yearly review.',
        'Minutes of the management review', current_date - 60, :lotte, current_date - 400, current_date + 300),
       (:npl, 'Risk-based approach', 'Every control and plan traces to a risk of the register.',
        'Risk register with treatments', current_date - 30, :marit, current_date - 400, current_date + 300),
       (:npl, 'Continual improvement', 'Nonconformities are closed only once their action is verified effective.',
        NULL, NULL, :marit, current_date - 200, current_date + 165);

-- 6.1 actions that address risks, planned into a process or an objective
INSERT INTO iso28000.risk_action (org_id, risk_id, action, sms_process_id, objective_id, owner_id, planned_on, due_on, done_on, evaluation, effective)
SELECT :npl, r.risk_id, a.action, p.sms_process_id, NULL, r.owner_id, current_date - 120, current_date - 20,
       a.done, a.evaluation, a.effective
  FROM (VALUES ('R-03', 'GATE', 'Repair the turnstile of gate 3 and add a second guard at peak hours',
                current_date - 45, 'No tailgating seen in four weeks of camera review', true),
               ('R-04', 'ITS', 'Patch the terminal operating system servers monthly',
                NULL::date, NULL, NULL::boolean)) AS a(ref, proc, action, done, evaluation, effective)
  JOIN iso28000.risk r ON r.org_id = :npl AND r.reference = a.ref
  JOIN iso28000.sms_process p ON p.org_id = :npl AND p.code = a.proc;

-- 8.5.2 what a treatment and a control need
INSERT INTO iso28000.resource_requirement (org_id, risk_treatment_id, control_id, description, kind, quantity, unit,
                                           needed_from, needed_until, status)
SELECT :npl, t.risk_treatment_id, NULL, 'Guard hours for the treatment of ' || r.reference, 'people', 120, 'hours / month',
       current_date - 30, current_date + 335, 'requested'
  FROM iso28000.risk_treatment t JOIN iso28000.risk r USING (org_id, risk_id)
 WHERE t.org_id = :npl AND r.reference = 'R-03'
 ORDER BY t.risk_treatment_id LIMIT 1;
INSERT INTO iso28000.resource_requirement (org_id, control_id, description, kind, status)
SELECT :npl, control_id, 'Spare disks for the offline backups', 'equipment', 'identified'
  FROM iso28000.control WHERE org_id = :npl AND code = 'TEC-03';

-- 9.1 the top of the maturity scale in NPL's own words (levels 1 to 4 keep
-- the extension's names: maturity_scale)
INSERT INTO iso28000.maturity_level (org_id, level, name, description)
VALUES (:npl, 5, 'Port benchmark', 'Improved from its measurements and compared with the other ports of the range');

RESET ROLE;
SET ROLE npl_director;
-- 5.1 the director's commitments, one with its evidence
INSERT INTO iso28000.leadership_commitment (org_id, commitment, made_by, made_on, evidence, evidence_on, review_on)
VALUES (:npl, 'Fund the second guard at gate 3 for the coming year', :lotte, current_date - 100,
        'Budget line approved by the board', current_date - 90, current_date + 265),
       (:npl, 'Chair every management review in person', :lotte, current_date - 100, NULL, NULL, current_date + 265);
RESET ROLE;
