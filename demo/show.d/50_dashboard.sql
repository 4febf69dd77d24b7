-- The dashboard of Northsea Port & Logistics, as its security manager would
-- read it in a terminal: every figure comes from the BI views, read as NPL's
-- BI reader (read level), so row-level security is what a real reader gets.
-- A section whose register is not installed is left out.
SELECT to_regclass('iso28000.conformity_by_clause') IS NOT NULL AS has_conformity,
       to_regclass('iso28000.nonconformity_open') IS NOT NULL AS has_nc,
       to_regclass('iso28000.corrective_action_overdue') IS NOT NULL AS has_overdue,
       to_regclass('iso28000.top_risk') IS NOT NULL AS has_risk,
       to_regclass('iso28000.objective_status') IS NOT NULL AS has_objectives,
       to_regclass('iso28000.document_review_overdue') IS NOT NULL AS has_documents,
       to_regclass('iso28000.provider_assurance_gap') IS NOT NULL AS has_assurance,
       to_regprocedure('iso28000.verify_history(bigint, text)') IS NOT NULL AS has_history \gset
SET ROLE npl_viewer;

\echo
\echo '================================================================================'
\echo ' Northsea Port & Logistics: security management system dashboard'
\echo '================================================================================'

\if :has_conformity
\echo
\echo '--- conformity by clause (latest self-assessment; 9.1)'
SELECT c.standard, c.clause, rpad(c.title, 44) AS title,
       coalesce(round(c.score::numeric, 1)::text, '-') AS score,
       coalesce(round(c.coverage::numeric, 1)::text, '-') AS coverage,
       rpad(repeat('#', coalesce(round(c.score::numeric / 5)::int, 0)), 20, '.') AS "score bar",
       coalesce(c.verdict::text, 'not assessed') AS verdict
  FROM iso28000.conformity_by_clause c
 WHERE c.depth = 1
 ORDER BY c.standard, c.clause_sort;
\endif

\if :has_nc
\echo
\echo '--- open nonconformities by state and age (10.2)'
SELECT status,
       count(*) FILTER (WHERE age_days <= 30) AS "0-30 d",
       count(*) FILTER (WHERE age_days BETWEEN 31 AND 90) AS "31-90 d",
       count(*) FILTER (WHERE age_days BETWEEN 91 AND 180) AS "91-180 d",
       count(*) FILTER (WHERE age_days > 180) AS "> 180 d",
       count(*) AS total,
       count(*) FILTER (WHERE escalated) AS escalated
  FROM iso28000.nonconformity_open
 GROUP BY status
 ORDER BY array_position(ARRAY['reported', 'contained', 'cause_analysed', 'action_planned', 'action_taken', 'verified'], status);
\endif

\if :has_overdue
\echo
\echo '--- overdue corrective actions (10.2 c)'
SELECT corrective_action_id AS action, rpad(title, 40) AS title, owner_name AS owner, due_on, days_overdue, severity
  FROM iso28000.corrective_action_overdue
 ORDER BY days_overdue DESC;
\endif

\if :has_risk
\echo
\echo '--- top ten risks by current rating (6.1, 8.3)'
SELECT risk_rank AS "#", reference AS ref, left(title, 58) AS risk, inherent_rating AS inherent,
       residual_rating AS residual, band, treatment
  FROM iso28000.top_risk
 WHERE risk_rank <= 10
 ORDER BY risk_rank, risk_id;
\echo '    risks above the appetite (6.1.3):'
SELECT band, count(*) AS risks, count(*) FILTER (WHERE accepted) AS accepted
  FROM iso28000.risk_above_appetite GROUP BY band ORDER BY iso28000.band_rank(band) DESC;
\endif

\if :has_objectives
\echo
\echo '--- security objectives against target (6.2)'
SELECT left(title, 50) AS objective, target, unit, latest_value AS latest,
       CASE WHEN target_met THEN 'met' WHEN target_met IS NULL THEN '-' ELSE 'not met' END AS target,
       progress_pct AS "progress %", trend, schedule_status AS schedule
  FROM iso28000.objective_status
 ORDER BY objective_id;
\endif

\if :has_documents
\echo
\echo '--- documents past their review date (7.5)'
SELECT code, title, version_label AS version, review_due_on, days_overdue FROM iso28000.document_review_overdue ORDER BY days_overdue DESC;
\endif

\if :has_assurance
\echo
\echo '--- providers not meeting a security requirement (supply-chain assurance)'
SELECT node_code AS node, left(node_name, 36) AS provider, reliance, requirement_code AS requirement, status, expires_on
  FROM iso28000.provider_assurance_gap ORDER BY node_code, requirement_code LIMIT 12;
\endif
RESET ROLE;

\if :has_history
\echo
\echo '--- history chains (who can verify: audit level)'
SET ROLE npl_auditor;
SELECT o.code, d.seq AS records, left(d.digest, 30) || '...' AS head_digest,
       CASE WHEN v.valid THEN 'verified' ELSE 'BROKEN at ' || v.first_broken_seq END AS chain
  FROM iso28000.organization o, iso28000.history_digest(o.org_id) d, iso28000.verify_history(o.org_id) v;
RESET ROLE;
SET ROLE bc_quality_lead;
SELECT o.code, d.seq AS records, left(d.digest, 30) || '...' AS head_digest,
       CASE WHEN v.valid THEN 'verified' ELSE 'BROKEN at ' || v.first_broken_seq END AS chain
  FROM iso28000.organization o, iso28000.history_digest(o.org_id) d, iso28000.verify_history(o.org_id) v;
RESET ROLE;
\endif

\if :has_risk
\echo
\echo '--- isolation: the same query, two organisations'' roles'
SET ROLE npl_viewer;
SELECT current_user AS "role", count(DISTINCT org_id) AS organisations_seen, count(*) AS risks_seen FROM iso28000.risk;
RESET ROLE;
SET ROLE bc_quality_lead;
SELECT current_user AS "role", count(DISTINCT org_id) AS organisations_seen, count(*) AS risks_seen FROM iso28000.risk;
RESET ROLE;
\endif
