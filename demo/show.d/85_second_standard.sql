\echo
\echo '=== Several standards: NPL also holds ISO 22301:2019 (doc/standards.md)'
SET ROLE npl_viewer;
SELECT standard, count(*) FILTER (WHERE grade IS NOT NULL) AS graded, round(avg(score) FILTER (WHERE depth = 1)::numeric, 1) AS mean_top_score
  FROM iso28000.conformity_by_clause GROUP BY standard ORDER BY standard;
\echo '=== one audit, reported against ISO 28000 (findings) and ISO 22301 (through the clause maps)'
SELECT f.standard, f.clause, f.grade, f.findings
  FROM iso28000.findings_by_clause f
 WHERE f.clause LIKE '8.5%' OR f.clause LIKE '8.6%' ORDER BY f.standard, f.clause_sort, f.grade;
SELECT p.standard, p.clause, p.title, p.reached, p.findings, p.verdict
  FROM iso28000.audit_projection p
 WHERE p.audit_title LIKE 'Integrated audit%' AND p.standard = 'ISO 22301:2019' AND (p.findings > 0 OR (p.depth = 2 AND p.clause LIKE '8.%'))
 ORDER BY p.clause_sort;
\echo '=== maturity against target (clauses below target)'
SELECT standard, clause, title, average_level, average_target, below_target
  FROM iso28000.maturity_by_clause WHERE depth = 1 AND below_target > 0 ORDER BY standard, clause_sort;
RESET ROLE;
