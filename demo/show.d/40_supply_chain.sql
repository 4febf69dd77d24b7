\echo
\echo '=== supply chain (8.1, 8.2): everything the bonded warehouse depends on, and how critically'
SET ROLE npl_viewer;
SELECT n.code, n.name, u.criticality
  FROM iso28000.supply_chain_node w
 CROSS JOIN LATERAL iso28000.node_upstream(w.org_id, w.node_id) u
  JOIN iso28000.supply_chain_node n ON n.org_id = w.org_id AND n.node_id = u.upstream_node_id
 WHERE w.code = 'WH1'
 ORDER BY iso28000.criticality_rank(u.criticality) DESC, n.code;

\echo
\echo '=== interdependencies: nodes that depend on each other through a cycle'
SELECT node_code, interdependent_node_code, criticality
  FROM iso28000.supply_chain_interdependency WHERE node_code < interdependent_node_code ORDER BY 1, 2;

\echo
\echo '=== single points of failure: nodes whose loss alone stops a critical process'
SELECT node_code, node_name, process_name, nodes_lost
  FROM iso28000.single_point_of_failure ORDER BY process_name, nodes_lost DESC, node_code;

\echo
\echo '=== supply-chain assurance: providers that fall short of a requirement (or soon will)'
SELECT node_code, requirement_code, status, expires_on, last_score
  FROM iso28000.provider_assurance_gap ORDER BY node_code, requirement_code;

\echo
\echo '=== critical dependencies on those providers'
SELECT provider_code, gaps,
       string_agg(dependent_name, ', ' ORDER BY dependent_name) FILTER (WHERE dependent_kind = 'process') AS critical_processes,
       count(*) FILTER (WHERE dependent_kind = 'node') AS dependent_nodes
  FROM iso28000.critical_dependency_on_gap_provider GROUP BY provider_code, gaps ORDER BY provider_code;

\echo
\echo '=== security plans due for an exercise (8.6), documents past review (7.5)'
SELECT title, reason, last_exercised_on, due_on FROM iso28000.security_plan_exercise_due ORDER BY title;
SELECT code, title, version_label, review_due_on, days_overdue FROM iso28000.document_review_overdue ORDER BY code;
RESET ROLE;
