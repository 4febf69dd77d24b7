-- Clause 9 as members see it: two organisations, two non-superuser roles;
-- each reads its own rows through the registers and the views, works the
-- audit and review workflows, and sees nothing of the other.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(14);

CREATE ROLE tap_sc_alice NOLOGIN;   -- manages A
CREATE ROLE tap_sc_bob NOLOGIN;     -- manages B
SELECT iso28000.create_organization('SC-A', 'Alpha Freight', 'tap_sc_alice') AS a \gset
SELECT iso28000.create_organization('SC-B', 'Beta Ports', 'tap_sc_bob') AS b \gset

SET ROLE tap_sc_alice;
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Alice', 'tap_sc_alice');
SELECT person_id AS alice FROM iso28000.person WHERE org_id = :a \gset
INSERT INTO iso28000.self_assessment (org_id, title, assessed_on, assessor_id) VALUES (:a, 'A-Q1', '2025-03-31', :alice);
SELECT assessment_id AS qa FROM iso28000.self_assessment WHERE org_id = :a \gset
INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade) VALUES
  (:a, :qa, '8.6.4', 'minor_nc'), (:a, :qa, '4.1', 'conforming');
INSERT INTO iso28000.audit_programme (org_id, title, period_start, period_end, scope) VALUES (:a, 'A 2025', '2025-01-01', '2025-12-31', '{8.6}');
SELECT programme_id AS pa FROM iso28000.audit_programme WHERE org_id = :a \gset
INSERT INTO iso28000.audit (org_id, programme_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
VALUES (:a, :pa, 'A plans', '{8.6}', :alice, '2025-05-01', '2025-05-02');
SELECT audit_id AS aa FROM iso28000.audit WHERE org_id = :a \gset
SELECT lives_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = '2025-05-01' WHERE org_id = %s AND audit_id = %s$$, :a, :aa),
                'a manager starts the audit');
INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (:a, :aa, '8.6.2', 'observation', 'ok');
INSERT INTO iso28000.indicator (org_id, name, unit) VALUES (:a, 'Seal checks', '%');
INSERT INTO iso28000.management_review (org_id, title, held_on, period_start, period_end, chair_id)
VALUES (:a, 'A MR', '2025-12-15', '2025-01-01', '2025-12-31', :alice);
SELECT review_id AS ra FROM iso28000.management_review WHERE org_id = :a \gset
UPDATE iso28000.management_review SET status = 'held', minutes = 'm' WHERE review_id = :ra;
UPDATE iso28000.review_input_item SET addressed = true, summary = 's' WHERE review_id = :ra;
INSERT INTO iso28000.review_output (org_id, review_id, kind, description) VALUES (:a, :ra, 'decision', 'Keep going');
SELECT lives_ok(format($$UPDATE iso28000.management_review SET status = 'closed', conclusion = 'fine', closed_on = '2025-12-16' WHERE org_id = %s AND review_id = %s$$, :a, :ra),
                'a manager closes the review');

SELECT is((SELECT count(*) FROM iso28000.conformity_by_clause WHERE org_id = :a), 59::bigint, 'Alice reads conformity_by_clause');
SELECT is((SELECT verdict FROM iso28000.conformity_by_clause WHERE clause::text = '8'), 'conforming_with_findings', 'with her organisation''s grades');
SELECT is((SELECT count(*) FROM iso28000.conformity_trend), 1::bigint, 'Alice reads conformity_trend');
SELECT is((SELECT count(*) FROM iso28000.audit_coverage), 6::bigint, 'Alice reads audit_coverage');
SELECT is((SELECT count(*) FROM iso28000.findings_by_clause), 1::bigint, 'Alice reads findings_by_clause');
SELECT is((SELECT count(*) FROM iso28000.indicator_status), 1::bigint, 'Alice reads indicator_status');
SELECT is((SELECT count(*) FROM iso28000.review_input_pack(:a, '2025-01-01', '2025-12-31')), 9::bigint, 'Alice assembles her input pack');
RESET ROLE;

SET ROLE tap_sc_bob;
SELECT is((SELECT count(*) FROM iso28000.conformity_by_clause), 0::bigint, 'Bob sees no conformity of Alpha');
SELECT is((SELECT count(*) FROM iso28000.audit) + (SELECT count(*) FROM iso28000.audit_finding)
          + (SELECT count(*) FROM iso28000.management_review) + (SELECT count(*) FROM iso28000.self_assessment), 0::bigint,
          'Bob sees no audit, finding, review or assessment of Alpha');
SELECT is((SELECT (facts->>'audits_reported')::int FROM iso28000.review_input_pack(:a, '2025-01-01', '2025-12-31') WHERE input_code = 'audit_results'),
          0, 'Bob''s input pack of Alpha is empty');
SELECT throws_ok(format($$INSERT INTO iso28000.self_assessment (org_id, title, assessed_on) VALUES (%s, 'intrusion', current_date)$$, :a),
                 '42501', NULL, 'Bob cannot write an assessment into Alpha');
SELECT throws_ok(format($$INSERT INTO iso28000.review_input_custom (org_id, input_code, title) VALUES (%s, 'x', 'x')$$, :a),
                 '42501', NULL, 'Bob cannot add an input to Alpha''s checklist');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
