-- Northsea Port & Logistics: its threat scenario catalog (ISO 28000 6.1.2,
-- 8.3), seeded with the extension's examples for the supply chain, and its
-- risks named by scenario beside their free-text threat.
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SET ROLE npl_security_manager;        -- Marit de Vries, acting through her own role
SELECT org_id AS npl FROM iso28000.organization WHERE code = 'NPL' \gset

SELECT iso28000.seed_threat_scenarios(:npl);
INSERT INTO iso28000.threat_scenario (org_id, code, title, description, category, chain_position)
VALUES (:npl, 'NPL-DRONE', 'Drone reconnaissance of the container stack',
        'A drone maps the stack and the guard rounds to prepare a rip-off; seen twice over the quay in 2026.',
        'other', 'at_node');

UPDATE iso28000.risk r SET threat_scenario_id = s.threat_scenario_id
  FROM (VALUES ('R-01', 'SC-SMUGGLE'), ('R-02', 'SC-TAMPER-SEAL'), ('R-04', 'SC-CYBER-PROVIDER'),
               ('R-05', 'SC-FALSE-DOCS'), ('R-06', 'NPL-DRONE')) AS v(ref, code)
  JOIN iso28000.threat_scenario s ON s.org_id = :npl AND s.code = v.code
 WHERE r.org_id = :npl AND r.reference = v.ref AND r.status <> 'closed';
RESET ROLE;
