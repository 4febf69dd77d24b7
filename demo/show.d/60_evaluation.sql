\echo
\echo '=== ISO 28000 9.1: conformity of NPL by clause (latest self-assessment grades, rolled up)'
SET ROLE npl_viewer;
SELECT clause, title, grade, round(score::numeric, 1) AS score, round(coverage::numeric, 1) AS coverage, verdict
  FROM iso28000.conformity_by_clause
 WHERE standard = 'ISO 28000:2022' AND (depth = 1 OR grade IS NOT NULL) ORDER BY seq;
\echo '=== conformity trend across self-assessments (moving window of three)'
SELECT standard, title, assessed_on, round(score::numeric, 1) AS score, round(score_change::numeric, 1) AS change,
       round(moving_score::numeric, 1) AS moving_score, verdict
  FROM iso28000.conformity_trend ORDER BY assessed_on;
\echo '=== indicators'
SELECT name, last_value, target, on_target, past_threshold, measurement_overdue FROM iso28000.indicator_status ORDER BY name;

\echo
\echo '=== ISO 28000 9.2: audit coverage of the cycle (clauses of the programme scope not yet audited)'
SELECT clause, title, audits, covered FROM iso28000.audit_coverage WHERE NOT covered AND depth <= 2 ORDER BY seq;
\echo '=== findings by clause and grade'
SELECT clause, title, grade, findings, with_nonconformity FROM iso28000.findings_by_clause ORDER BY clause_sort, grade;
RESET ROLE;

\echo
\echo '=== ISO 28000 9.2.2: the internal auditor may not audit a process he owns'
SET ROLE npl_security_manager;
\set ON_ERROR_STOP 0
-- (Ids looked up first and written with VALUES, as an application does on a
-- Citus cluster too: doc/distribution.md.)
BEGIN;
SELECT org_id AS npl, person_id AS joost FROM iso28000.person WHERE full_name = 'Joost Bakker' \gset
SELECT audit_id AS pe_audit FROM iso28000.audit WHERE org_id = :npl AND title = 'Performance evaluation' \gset
INSERT INTO iso28000.sms_process (org_id, code, name, owner_id) VALUES (:npl, 'AUD', 'Internal audit', :joost)
RETURNING sms_process_id AS aud \gset
INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (:npl, :pe_audit, :aud);
ROLLBACK;
\set ON_ERROR_STOP 1

\echo
\echo '=== ISO 28000 9.3: the management review input pack (facts from live data)'
SELECT org_id AS review_org, period_start AS review_from, period_end AS review_to
  FROM iso28000.management_review \gset
SELECT input_code, left(facts::text, 110) AS facts
  FROM iso28000.review_input_pack(:review_org, :'review_from', :'review_to')
 ORDER BY 1;
\echo '=== the review cannot close while required inputs are open'
\set ON_ERROR_STOP 0
BEGIN;
UPDATE iso28000.management_review SET status = 'closed', conclusion = 'SMS suitable, adequate and effective', closed_on = current_date;
ROLLBACK;
\set ON_ERROR_STOP 1
RESET ROLE;
