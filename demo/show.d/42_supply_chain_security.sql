\echo
\echo '=== providers as a condition of inclusion (8.1): North Sea Hauliers was refused (AEO suspended), then admitted under an approved exception'
SET ROLE npl_viewer;
SELECT n.code, n.active, i.state, i.excepted, e.reason, e.requested_by_name, e.approved_by_name, e.valid_until
  FROM iso28000.supply_chain_node n
  JOIN iso28000.provider_inclusion i USING (org_id, node_id)
  JOIN iso28000.provider_exception_status e USING (org_id, node_id)
 WHERE n.code = 'NSH';
SELECT checked, list_name, result, notes FROM iso28000.partner_screening ORDER BY screening_id;

\echo
\echo '=== providers flagged: they fall short and no exception covers them (flag_provider_breaches() recomputes them for a scheduler)'
SELECT node_code, reliance, unmet, flagged_on FROM iso28000.provider_inclusion_breach ORDER BY node_code;

\echo
\echo '=== supply-chain segments: due an assessment, scenarios above appetite, nodes without countermeasures'
SELECT segment_code, reason FROM iso28000.segment_assessment_due ORDER BY 1;
SELECT segment_code, scenario_code, node_code, rating, residual_rating, band, appetite_band
  FROM iso28000.segment_scenario_above_appetite ORDER BY 1, 2;
SELECT segment_code, string_agg(node_code, ', ' ORDER BY node_code) AS nodes_without_countermeasure
  FROM iso28000.segment_node_without_countermeasure GROUP BY 1 ORDER BY 1;
RESET ROLE;
