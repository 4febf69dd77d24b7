-- Links NPL's risks to the supply-chain nodes they threaten (8.1, 8.2), now
-- that demo/load/40_supply_chain.sql has recorded the nodes: the generated
-- risks name their node as their asset; the first ten name a part of the
-- terminal or its systems.
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SET ROLE npl_security_manager;
UPDATE iso28000.risk r SET node_id = n.node_id
  FROM iso28000.supply_chain_node n, iso28000.organization o
 WHERE o.code = 'NPL' AND r.org_id = o.org_id AND n.org_id = o.org_id AND r.status <> 'closed'
   AND n.code = coalesce((SELECT x.code FROM iso28000.supply_chain_node x
                           WHERE x.org_id = o.org_id AND x.name = r.asset),
                         CASE WHEN r.asset IN ('TOS', 'Servers') THEN 'TOS'
                              WHEN r.asset IN ('Terminal', 'Quay', 'Containers in stack', 'Cargo', 'Reefer gensets') THEN 'TERM' END);
RESET ROLE;
