\echo
\echo '=== ISO 28000 6.1.2, 8.3: risk heat map of NPL (open risks; rows likelihood 10 to 1, columns consequence 1 to 10; cell = count, band letter)'
SET ROLE npl_viewer;
SELECT likelihood AS "L \ C",
       string_agg(CASE WHEN risk_count = 0 THEN lower(left(band, 1)) || ' .'
                       ELSE upper(left(band, 1)) || lpad(risk_count::text, 2) END, '  ' ORDER BY consequence) AS "inherent: 1 .. 10"
  FROM iso28000.risk_heat_map WHERE rating_kind = 'inherent'
 GROUP BY likelihood ORDER BY likelihood DESC;
SELECT likelihood AS "L \ C",
       string_agg(CASE WHEN risk_count = 0 THEN lower(left(band, 1)) || ' .'
                       ELSE upper(left(band, 1)) || lpad(risk_count::text, 2) END, '  ' ORDER BY consequence) AS "residual: 1 .. 10"
  FROM iso28000.risk_heat_map WHERE rating_kind = 'residual'
 GROUP BY likelihood ORDER BY likelihood DESC;

\echo '=== top risks, and those above the appetite (medium)'
SELECT risk_rank, reference, title, status, current_rating, band FROM iso28000.top_risk WHERE risk_rank <= 5 ORDER BY risk_rank;
SELECT reference, title, current_rating, band, appetite_band, accepted FROM iso28000.risk_above_appetite ORDER BY score DESC, current_consequence DESC;
\echo '=== risks without treatment, and past their review date'
SELECT reference, title, status, reason FROM iso28000.risk_without_treatment ORDER BY reference;
SELECT reference, title, review_on, days_overdue FROM iso28000.risk_past_review ORDER BY days_overdue DESC;

\echo '=== ISO 28000 6.2: objectives'
SELECT title, latest_value, target, unit, target_met, progress_pct, trend, schedule_status FROM iso28000.objective_status ORDER BY title;
\echo '=== ISO 28000 4.2.2, 8.4: obligations and control tests due'
SELECT title, reason, last_evaluated_on, days_overdue FROM iso28000.obligation_evaluation_due ORDER BY title;
SELECT code, title, last_tested_on, last_result, next_test_on, reason FROM iso28000.control_test_due ORDER BY code;
RESET ROLE;

\echo '=== ISO 28000 5.3, 6.1.3: the internal auditor holds no role that may accept risks, so the workflow refuses his acceptance'
SET ROLE npl_auditor;
\set ON_ERROR_STOP 0
UPDATE iso28000.risk SET status = 'accepted', accepted_by = iso28000.current_person(org_id), accepted_on = current_date
 WHERE reference = 'R-06';
\set ON_ERROR_STOP 1
RESET ROLE;
