\echo
\echo '=== iso28000: the clause catalog of ISO 28000:2022 (numbers and titles only)'
SELECT coalesce(pdca, '-') AS pdca, count(*) AS clauses,
       string_agg(clause::text, ' ' ORDER BY clause) FILTER (WHERE iso28000.depth(clause) = 1) AS top_level
  FROM iso28000.clause WHERE standard = 'ISO 28000:2022'
 GROUP BY pdca ORDER BY min(clause);

\echo
\echo '=== clause_ref sorts like the standard, text does not'
WITH refs(r) AS (VALUES ('10.1'), ('9.3.3'), ('4.1'), ('10'), ('4'), ('8.6.4'), ('4.2'), ('A.5.1'), ('4.1.1'), ('9.2'))
SELECT string_agg(r, '  ' ORDER BY r::iso28000.clause_ref) AS "as clause_ref",
       string_agg(r, '  ' ORDER BY r COLLATE "C")          AS "as text"
  FROM refs;
SELECT clause, title FROM iso28000.clause WHERE standard = 'ISO 28000:2022' AND clause <@ '8.6' ORDER BY clause;

\echo
\echo '=== tenant isolation: each role sees only its own organisation'
SET ROLE npl_viewer;
SELECT current_user AS role, o.code, o.name, count(p.*) AS people
  FROM iso28000.organization o LEFT JOIN iso28000.person p USING (org_id) GROUP BY 1, 2, 3;
RESET ROLE;
SET ROLE bc_quality_lead;
SELECT current_user AS role, o.code, o.name, count(p.*) AS people
  FROM iso28000.organization o LEFT JOIN iso28000.person p USING (org_id) GROUP BY 1, 2, 3;
RESET ROLE;
SET ROLE npl_viewer;
\echo 'npl_viewer (read level) tries to add a person:'
\set ON_ERROR_STOP 0
INSERT INTO iso28000.person (org_id, full_name) SELECT org_id, 'Mallory' FROM iso28000.organization;
\set ON_ERROR_STOP 1
RESET ROLE;
