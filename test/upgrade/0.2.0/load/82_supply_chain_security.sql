-- Northsea Port & Logistics: supply-chain security (ISO 28000 8.1, 6.1.2).
-- A new haulier is refused inclusion (its AEO status is suspended), then
-- admitted under an exception the security manager approves; the hinterland
-- segment is assessed scenario by scenario and the assessment approved by
-- someone other than its assessor.  The supply-chain security officer, Sanne
-- Visser, works through the intranet (a delegated pool, act_as); the security
-- manager, Marit de Vries, through her own role.
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SELECT org_id AS npl FROM iso28000.organization WHERE code = 'NPL' \gset
SELECT person_id AS sanne FROM iso28000.person WHERE org_id = :npl AND full_name = 'Sanne Visser' \gset

-- Sanne records the haulier (not yet active) and screens it.
BEGIN;
SET LOCAL ROLE npl_intranet;
SELECT iso28000.act_as(:npl, :sanne);
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, country, active, description)
VALUES (:npl, 'NSH', 'North Sea Hauliers', 'carrier', true, 'NL', false, 'Reefer haulage on the Rotterdam shuttle');
INSERT INTO iso28000.partner_screening (org_id, node_id, requirement_id, checked, list_name, reference, result, notes)
SELECT :npl, n.node_id, r.requirement_id, 'AEO status', 'EU EOS/AEO database', 'NLAEOF009911', 'fail',
       'Certificate suspended on 2026-10-02 pending a re-audit by Dutch Customs'
  FROM iso28000.supply_chain_node n JOIN iso28000.security_requirement r ON r.org_id = n.org_id AND r.code = 'AEO'
 WHERE n.org_id = :npl AND n.code = 'NSH';
INSERT INTO iso28000.partner_screening (org_id, node_id, checked, list_name, result, valid_until)
SELECT :npl, node_id, 'Denied-party match', 'EU consolidated financial sanctions list', 'pass', current_date + 180
  FROM iso28000.supply_chain_node WHERE org_id = :npl AND code = 'NSH';
COMMIT;

-- Including it now is refused: the AEO requirement applies to every carrier (IS520).
BEGIN;
SET LOCAL ROLE npl_intranet;
SELECT iso28000.act_as(:npl, :sanne);
DO $$
BEGIN
  UPDATE iso28000.supply_chain_node SET active = true WHERE code = 'NSH';
  RAISE EXCEPTION 'demo: North Sea Hauliers was included without its AEO status';
EXCEPTION WHEN SQLSTATE 'IS520' THEN
  NULL;   -- refused, as it must be: the node stays inactive
END
$$;
-- so she requests an exception for the AEO requirement, for ninety days.
INSERT INTO iso28000.provider_exception (org_id, node_id, requirement_id, reason, compensating_measures, requested_by, valid_until)
SELECT :npl, n.node_id, r.requirement_id,
       'Only haulier with reefer capacity on the Rotterdam shuttle; AEO re-audit booked for January',
       'Escort on every run; seal check at gate-in and at the warehouse; weekly review of the re-audit',
       :sanne, current_date + 90
  FROM iso28000.supply_chain_node n JOIN iso28000.security_requirement r ON r.org_id = n.org_id AND r.code = 'AEO'
 WHERE n.org_id = :npl AND n.code = 'NSH';
COMMIT;

-- Marit, who manages the organisation and did not request it, approves it.
SET ROLE npl_security_manager;
UPDATE iso28000.provider_exception SET status = 'approved'
 WHERE org_id = :npl AND node_id = (SELECT node_id FROM iso28000.supply_chain_node WHERE org_id = :npl AND code = 'NSH');
RESET ROLE;

-- Now the haulier is included, under the exception.
BEGIN;
SET LOCAL ROLE npl_intranet;
SELECT iso28000.act_as(:npl, :sanne);
UPDATE iso28000.supply_chain_node SET active = true WHERE org_id = :npl AND code = 'NSH';
COMMIT;

-- Segments of the supply chain in the scope of the SMS: the hinterland
-- (terminal to warehouse, road and rail) and the services the terminal needs.
SET ROLE npl_security_manager;
INSERT INTO iso28000.supply_chain_segment (org_id, code, name, direction, description, sms_scope_id, owner_id)
SELECT :npl, s.code, s.name, s.direction, s.description,
       (SELECT max(sms_scope_id) FROM iso28000.sms_scope WHERE org_id = :npl), :sanne
  FROM (VALUES ('HINTERLAND', 'Terminal to bonded warehouse, road and rail', 'downstream',
                'Containers leave the terminal by road (Baltic Carriers, North Sea Hauliers) or rail for the bonded warehouse.'),
               ('SERVICES', 'Services the terminal runs on', 'upstream',
                'Guarding, the terminal operating system and power.')) AS s(code, name, direction, description);
INSERT INTO iso28000.segment_node (org_id, segment_id, node_id)
SELECT :npl, s.segment_id, n.node_id
  FROM (VALUES ('HINTERLAND', 'TERM'), ('HINTERLAND', 'WH1'), ('HINTERLAND', 'BC'), ('HINTERLAND', 'RAIL'), ('HINTERLAND', 'NSH'),
               ('SERVICES', 'GATE'), ('SERVICES', 'GUARD'), ('SERVICES', 'TOS'), ('SERVICES', 'GRID'), ('SERVICES', 'GENSET')) AS v(seg, node)
  JOIN iso28000.supply_chain_segment s ON s.org_id = :npl AND s.code = v.seg
  JOIN iso28000.supply_chain_node n ON n.org_id = :npl AND n.code = v.node;
-- the seal check is applied where containers leave the terminal and arrive at the warehouse
INSERT INTO iso28000.node_control (org_id, node_id, control_id, direction, description, applied_by, implemented_on)
SELECT :npl, n.node_id, c.control_id, v.dir, v.descr, 'NPL', current_date - 200
  FROM (VALUES ('TERM', 'downstream', 'Seal number recorded at gate-out'),
               ('WH1', 'upstream', 'Seal number checked against the manifest on arrival')) AS v(node, dir, descr)
  JOIN iso28000.supply_chain_node n ON n.org_id = :npl AND n.code = v.node
  JOIN iso28000.control c ON c.org_id = :npl AND c.code = 'PRC-01';
-- a security plan tied to the segment it protects
UPDATE iso28000.security_plan SET segment_id = (SELECT segment_id FROM iso28000.supply_chain_segment WHERE org_id = :npl AND code = 'SERVICES')
 WHERE org_id = :npl AND title = 'Terminal operating system outage';
RESET ROLE;

-- Sanne assesses the hinterland segment, scenario by scenario.
BEGIN;
SET LOCAL ROLE npl_intranet;
SELECT iso28000.act_as(:npl, :sanne);
INSERT INTO iso28000.segment_assessment (org_id, segment_id, title, method, assessor_id, assessed_on, summary)
SELECT :npl, segment_id, 'Hinterland security assessment 2026', 'Workshop with the hauliers and a night visit of the warehouse',
       :sanne, current_date - 12, 'Seal tampering is well countered; insider collusion at the warehouse is not.'
  FROM iso28000.supply_chain_segment WHERE org_id = :npl AND code = 'HINTERLAND';
INSERT INTO iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, node_id, rating, residual_rating, rationale)
SELECT :npl, a.segment_assessment_id, t.threat_scenario_id, n.node_id, v.rating::iso28000.risk_rating, v.residual::iso28000.risk_rating, v.why
  FROM (VALUES ('SC-TAMPER-SEAL', 'WH1', 'L6C7', 'L2C7', 'Seals recorded at gate-out and checked on arrival'),
               ('SC-THEFT-TRANSIT', 'BC', 'L5C6', 'L4C6', 'Unsecured parking on the A15; no escort'),
               ('SC-INSIDER', 'WH1', 'L5C8', 'L5C8', 'Warehouse staff see every schedule; no screening of temporary staff')) AS v(sc, node, rating, residual, why)
  JOIN iso28000.segment_assessment a ON a.org_id = :npl AND a.title = 'Hinterland security assessment 2026'
  JOIN iso28000.threat_scenario t ON t.org_id = :npl AND t.code = v.sc
  JOIN iso28000.supply_chain_node n ON n.org_id = :npl AND n.code = v.node;
INSERT INTO iso28000.segment_countermeasure (org_id, score_id, node_control_id, position, description)
SELECT :npl, s.score_id, nc.node_control_id, nc.direction, nc.description
  FROM iso28000.segment_scenario_score s
  JOIN iso28000.threat_scenario t ON t.org_id = s.org_id AND t.threat_scenario_id = s.threat_scenario_id AND t.code = 'SC-TAMPER-SEAL'
  JOIN iso28000.node_control nc ON nc.org_id = s.org_id
  JOIN iso28000.supply_chain_node n ON n.org_id = nc.org_id AND n.node_id = nc.node_id AND n.code IN ('TERM', 'WH1')
 WHERE s.org_id = :npl;
UPDATE iso28000.segment_assessment SET status = 'submitted' WHERE org_id = :npl AND title = 'Hinterland security assessment 2026';
COMMIT;

-- Marit approves it (she did not assess it).
SET ROLE npl_security_manager;
UPDATE iso28000.segment_assessment SET status = 'approved' WHERE org_id = :npl AND title = 'Hinterland security assessment 2026';
RESET ROLE;
