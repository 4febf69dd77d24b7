-- Clause 9 registers: self-assessments, audit programmes, audits, findings,
-- management reviews; their checks, refusals (SQLSTATEs) and views.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(39);
SET LOCAL search_path = iso28000, public;

-- Two organisations; the superuser running the test manages both.
SELECT create_organization('ACME', 'Acme Logistics') AS acme \gset
SELECT create_organization('OTHER', 'Other Ltd') AS other \gset
INSERT INTO person (org_id, full_name) VALUES (:acme, 'Ann Auditor'), (:acme, 'Bob Owner'), (:acme, 'Cat Chair'), (:other, 'Olga');
SELECT person_id AS ann FROM person WHERE full_name = 'Ann Auditor' \gset
SELECT person_id AS bob FROM person WHERE full_name = 'Bob Owner' \gset
SELECT person_id AS cat FROM person WHERE full_name = 'Cat Chair' \gset
SELECT person_id AS olga FROM person WHERE full_name = 'Olga' \gset

-- 9.1 self-assessments
INSERT INTO self_assessment (org_id, title, assessed_on, assessor_id)
VALUES (:acme, 'Q1', '2025-03-31', :ann), (:acme, 'Q2', '2025-06-30', :ann), (:acme, 'Q3', '2025-09-30', :ann);
SELECT assessment_id AS q1 FROM self_assessment WHERE title = 'Q1' \gset
SELECT assessment_id AS q2 FROM self_assessment WHERE title = 'Q2' \gset
SELECT assessment_id AS q3 FROM self_assessment WHERE title = 'Q3' \gset
INSERT INTO assessment_result (org_id, assessment_id, clause, grade, weight) VALUES
  (:acme, :q1, '8.6.4', 'major_nc', 2), (:acme, :q1, '8.6.1', 'conforming', 1), (:acme, :q1, '4.1', 'conforming', 1),
  (:acme, :q2, '8.6.4', 'minor_nc', 2), (:acme, :q2, '8.6.2', 'not_applicable', 1),
  (:acme, :q3, '8.6.4', 'conforming', 2), (:acme, :q3, '4.1', 'opportunity', 1);

SELECT throws_ok(format($$INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade) VALUES (%s, %s, '8.6.4', 'conforming')$$, :acme, :q1),
                 '23505', NULL, 'one grade per clause per assessment');
SELECT throws_ok(format($$INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, weight) VALUES (%s, %s, '9.1', 'conforming', -1)$$, :acme, :q1),
                 '23514', NULL, 'a result weight is never negative');
SELECT throws_ok(format($$INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade) VALUES (%s, %s, '9.1', 'conforming')$$, :other, :q1),
                 '23503', NULL, 'a result belongs to an assessment of the same organisation');
SELECT throws_ok(format($$INSERT INTO iso28000.self_assessment (org_id, title, assessed_on, assessor_id) VALUES (%s, 'x', current_date, %s)$$, :acme, :olga),
                 '23503', NULL, 'the assessor is a person of the same organisation');
SELECT throws_ok(format($$INSERT INTO iso28000.self_assessment (org_id, title, assessed_on) VALUES (%s, ' ', current_date)$$, :acme),
                 '23514', NULL, 'an assessment has a title');

-- conformity_by_clause: latest grade per clause rolled up the hierarchy.
SELECT is((SELECT grade::text FROM conformity_by_clause WHERE org_id = :acme AND clause = '8.6.4'), 'conforming',
          'the latest grade of a clause is the one of the latest assessment');
-- 8.6: 8.6.1 conforming (Q1), 8.6.2 not_applicable (Q2), 8.6.3 and 8.6.5 never (not_assessed), 8.6.4 conforming (Q3)
SELECT is((SELECT row(score, coverage, verdict, minor_nc_count, major_nc_count)::text FROM conformity_by_clause WHERE org_id = :acme AND clause = '8.6'),
          '(100.00,50.00,conforming,0,0)', '8.6 rolls up the latest grades of its sub-clauses: score, coverage (2 of 4 applicable), verdict, no nonconformity');
SELECT is((SELECT string_agg(clause, ' ' ORDER BY clause_sort) FROM conformity_by_clause
            WHERE org_id = :acme AND clause IN ('10.1', '9', '4.1', '10', '4')),
          '4 4.1 9 10 10.1', 'clause_sort sorts the clauses (text) like the standard');
SELECT is((SELECT verdict FROM conformity_by_clause WHERE org_id = :acme AND clause = '4'), 'conforming',
          'an opportunity keeps the verdict conforming');
SELECT is((SELECT count(*) FROM conformity_by_clause WHERE org_id = :acme), 59::bigint,
          'every clause of clauses 4 to 10 has a row');
SELECT ok((SELECT coverage < 20 FROM conformity_by_clause WHERE org_id = :acme AND clause = '8'),
          'clauses never assessed lower the coverage of their parents');

-- conformity_trend: score per assessment and the moving window.
SELECT results_eq(
  format($$SELECT title, score, moving_score, moving_assessments FROM iso28000.conformity_trend WHERE org_id = %s ORDER BY assessed_on$$, :acme),
  $$VALUES ('Q1', 50.00, 50.00, 1::bigint),
           ('Q2', 50.00, 50.00, 2::bigint),
           ('Q3', 100.00, 66.67, 3::bigint)$$,
  'conformity trend: Q1 (2*0+1+1)/4, Q2 (2*0.5)/2, Q3 (2+1)/3; moving window at Q3 (2+1+3)/(4+2+3)');

-- 9.2 audit programme and audits
INSERT INTO audit_programme (org_id, title, period_start, period_end, scope, owner_id)
VALUES (:acme, '2025 cycle', '2025-01-01', '2025-12-31', '{8.1,8.6}', :cat);
SELECT programme_id AS prog FROM audit_programme WHERE title = '2025 cycle' \gset
SELECT throws_ok(format($$INSERT INTO iso28000.audit_programme (org_id, title, period_start, period_end) VALUES (%s, 'bad', '2025-02-01', '2025-01-01')$$, :acme),
                 '23514', NULL, 'a programme period ends after it starts');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_programme (org_id, title, period_start, period_end, scope) VALUES (%s, 'bad', '2025-01-01', '2025-12-31', '{}')$$, :acme),
                 '23514', NULL, 'a programme covers at least one clause');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_programme (org_id, title, period_start, period_end, frequency) VALUES (%s, 'bad', '2025-01-01', '2025-12-31', '-1 day')$$, :acme),
                 '23514', NULL, 'a programme frequency is positive');

INSERT INTO audit (org_id, programme_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
VALUES (:acme, :prog, 'Security plans', '{8.6}', :ann, '2025-05-01', '2025-05-02');
SELECT audit_id AS aud FROM audit WHERE title = 'Security plans' \gset
SELECT throws_ok(format($$INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on) VALUES (%s, 'x', '{}', %s, '2025-01-01', '2025-01-02')$$, :acme, :ann),
                 '23514', NULL, 'an audit has a scope');
SELECT throws_ok(format($$INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on) VALUES (%s, 'x', '{8}', %s, '2025-01-02', '2025-01-01')$$, :acme, :ann),
                 '23514', NULL, 'planned dates in order');
SELECT throws_ok(format($$INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on) VALUES (%s, 'x', '{8}', %s, '2025-01-01', '2025-01-02')$$, :acme, :olga),
                 '23503', NULL, 'the lead auditor is a person of the same organisation');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id, role) VALUES (%s, %s, %s, 'boss')$$, :acme, :aud, :bob),
                 '23514', NULL, 'team roles are known');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id) VALUES (%s, %s)$$, :acme, :aud),
                 '23514', NULL, 'an auditee is a process or a person');

-- Findings inside the scope (8.6 covers 8.6.4), refused outside it.
INSERT INTO audit_finding (org_id, audit_id, clause, grade, statement, found_on) VALUES
  (:acme, :aud, '8.6.4', 'conforming', 'Plan tested', '2025-05-01'),
  (:acme, :aud, '8.6', 'observation', 'Plan register is tidy', '2025-05-01'),
  (:acme, :aud, '8.6.2', 'opportunity', 'Automate call trees', '2025-05-02');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '8.5', 'conforming', 'x')$$, :acme, :aud),
                 'IS303', 'finding on clause 8.5 lies outside the scope of audit ' || :aud, 'a finding outside the audit scope is refused');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '8', 'conforming', 'x')$$, :acme, :aud),
                 'IS303', NULL, 'a parent of the scope is outside it');
SELECT throws_ok(format($$UPDATE iso28000.audit_finding SET clause = '9.1' WHERE org_id = %s AND audit_id = %s$$, :acme, :aud),
                 'IS303', NULL, 'moving a finding out of scope is refused');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '8.6', 'not_assessed', 'x')$$, :acme, :aud),
                 '23514', NULL, 'a finding grade is a judgement');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '8.6', 'conforming', '')$$, :acme, :aud),
                 '23514', NULL, 'a finding has a statement');

SELECT results_eq(
  format($$SELECT clause::text, grade::text, findings FROM iso28000.findings_by_clause WHERE org_id = %s ORDER BY clause, grade$$, :acme),
  $$VALUES ('8.6', 'observation', 1::bigint), ('8.6.2', 'opportunity', 1::bigint), ('8.6.4', 'conforming', 1::bigint)$$,
  'findings by clause and grade');

-- Audit coverage: the programme covers 8.1 and 8.6 and their sub-clauses.
SELECT is((SELECT count(*) FROM audit_coverage WHERE programme_id = :prog), 7::bigint,
          'audit coverage lists every clause of the programme scope (8.1, 8.6 and 8.6.1 to 8.6.5)');
SELECT is((SELECT count(*) FROM audit_coverage WHERE programme_id = :prog AND audits = 1), 6::bigint,
          'the audit of 8.6 covers 8.6 and its sub-clauses');
SELECT is((SELECT count(*) FROM audit_coverage WHERE programme_id = :prog AND covered), 0::bigint,
          'a planned audit does not count as done');
UPDATE audit SET status = 'in_progress', started_on = '2025-05-01' WHERE audit_id = :aud;
UPDATE audit SET status = 'reported', ended_on = '2025-05-02', reported_on = '2025-05-10',
                 report = 'DMS 2025-17', conclusion = 'Plans effective' WHERE audit_id = :aud;
SELECT is((SELECT array_agg(clause::text ORDER BY clause) FROM audit_coverage WHERE programme_id = :prog AND missed), '{8.1}'::text[],
          'once the cycle is over, 8.1 is missed');

-- 9.3 management review: the checklist is copied into each review.
INSERT INTO review_input_custom (org_id, input_code, title) VALUES (:acme, 'customs_feedback', 'Feedback from customs authorities');
SELECT throws_ok(format($$INSERT INTO iso28000.review_input_custom (org_id, input_code, title) VALUES (%s, 'Bad Code', 'x')$$, :acme),
                 '23514', NULL, 'input codes are lower-case identifiers');
INSERT INTO management_review (org_id, title, held_on, period_start, period_end, chair_id)
VALUES (:acme, 'MR 2025', '2025-12-15', '2025-01-01', '2025-12-31', :cat);
SELECT review_id AS mr FROM management_review WHERE title = 'MR 2025' \gset
SELECT is((SELECT count(*) FROM review_input_item WHERE review_id = :mr), 10::bigint,
          'a new review gets the nine shared inputs and the organisation''s own');
SELECT throws_ok(format($$UPDATE iso28000.review_input_item SET addressed = true WHERE review_id = %s AND input_code = 'audit_results'$$, :mr),
                 '23514', NULL, 'an input is addressed with a summary');
SELECT throws_ok(format($$INSERT INTO iso28000.review_output (org_id, review_id, kind, description) VALUES (%s, %s, 'action', 'Fix it')$$, :acme, :mr),
                 '23514', NULL, 'an action has an owner and a due date');
SELECT throws_ok(format($$INSERT INTO iso28000.review_output (org_id, review_id, kind, description, status) VALUES (%s, %s, 'decision', 'Go', 'done')$$, :acme, :mr),
                 '23514', NULL, 'a done output has its date');
INSERT INTO review_output (org_id, review_id, kind, description, owner_id, due_on)
VALUES (:acme, :mr, 'action', 'Test the recovery plan', :bob, '2025-12-20');

-- The input pack assembles live data for the period.
SELECT is((SELECT count(*) FROM review_input_pack(:acme, '2025-01-01', '2025-12-31')), 10::bigint,
          'the input pack has one row per checklist input');
SELECT is((SELECT facts->>'findings' FROM review_input_pack(:acme, '2025-01-01', '2025-12-31') WHERE input_code = 'audit_results'),
          '{conforming=1/1,observation=1/1,opportunity=1/1}', 'the pack tallies the findings of audits reported in the period');
SELECT is((SELECT jsonb_array_length(facts->'assessments') FROM review_input_pack(:acme, '2025-01-01', '2025-12-31') WHERE input_code = 'monitoring_results'),
          3, 'the pack lists the self-assessments of the period');
SELECT is((SELECT (facts->>'overdue')::int FROM review_input_pack(:acme, '2026-01-01', '2026-03-31') WHERE input_code = 'previous_actions'),
          1, 'the next pack shows the action of the previous review as overdue');

SELECT * FROM finish();
ROLLBACK;
