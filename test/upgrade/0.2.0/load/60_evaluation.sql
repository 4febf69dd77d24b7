-- Northsea Port & Logistics, clause 9: three quarterly self-assessments,
-- indicators with their measurements, the internal audit programme of the
-- cycle with two audits and their findings, and a management review under
-- way.  Entered as the security manager and the internal auditor, as an
-- application would; dates are relative to today.
SET ROLE npl_security_manager;
SET search_path = iso28000, public;

CREATE TEMP TABLE p9 AS
SELECT o.org_id, max(person_id) FILTER (WHERE full_name = 'Marit de Vries') AS marit,
       max(person_id) FILTER (WHERE full_name = 'Joost Bakker') AS joost,
       max(person_id) FILTER (WHERE full_name = 'Anouk Jansen') AS anouk,
       max(person_id) FILTER (WHERE full_name = 'Pieter Smit') AS pieter,
       max(person_id) FILTER (WHERE full_name = 'Lotte de Boer') AS lotte
  FROM organization o JOIN person USING (org_id) WHERE o.code = 'NPL' GROUP BY o.org_id;
GRANT SELECT ON p9 TO npl_auditor;

-- 9.1 self-assessments: the security plans (8.6) improve quarter by quarter.
INSERT INTO self_assessment (org_id, title, assessed_on, assessor_id, method)
SELECT org_id, t, current_date - d, marit, 'Document review and interviews' FROM p9,
  (VALUES ('Q1 self-assessment', 270), ('Q2 self-assessment', 180), ('Q3 self-assessment', 90)) AS v(t, d);
INSERT INTO assessment_result (org_id, assessment_id, clause, grade, weight, evidence)
SELECT s.org_id, s.assessment_id, v.clause::clause_ref, v.grade::conformity_grade, v.w, v.ev
  FROM self_assessment s
  JOIN (VALUES
    ('Q1 self-assessment', '4.1',   'conforming',     1, 'Context register reviewed'),
    ('Q1 self-assessment', '6.1.2', 'minor_nc',       3, 'Risk criteria not approved'),
    ('Q1 self-assessment', '8.6.4', 'major_nc',       3, 'No recovery plan for the quay'),
    ('Q1 self-assessment', '8.6.5', 'not_assessed',   2, NULL),
    ('Q2 self-assessment', '6.1.2', 'conforming',     3, 'Criteria approved by the board'),
    ('Q2 self-assessment', '8.6.4', 'minor_nc',       3, 'Quay plan drafted, not tested'),
    ('Q2 self-assessment', '8.6.5', 'opportunity',    2, 'Recovery could reuse the IT playbook'),
    ('Q2 self-assessment', '7.4',   'not_applicable', 1, 'Communication covered by group policy'),
    ('Q3 self-assessment', '8.6.4', 'conforming',     3, 'Quay plan tested in exercise EX-3'),
    ('Q3 self-assessment', '8.1',   'observation',    2, 'Work instructions partly outdated'),
    ('Q3 self-assessment', '9.1',   'conforming',     1, 'Indicators measured monthly')) AS v(title, clause, grade, w, ev)
    ON v.title = s.title;

-- 9.1 indicators and their measurements.
INSERT INTO indicator (org_id, name, unit, direction, target, threshold, frequency, method, owner_id)
SELECT org_id, n, u, d, t, th, f::interval, m, o FROM p9,
  LATERAL (VALUES ('Seal checks passed at gate-out', '%', 'increase', 99, 97, '1 month', 'Gate log sample of 200 containers', anouk),
                  ('Unauthorised entries detected', 'count', 'decrease', 0, 2, '1 month', 'Access control alarms', pieter),
                  ('Security awareness training completed', '%', 'increase', 95, 80, '3 months', 'LMS report', marit)) AS v(n, u, d, t, th, f, m, o);
INSERT INTO indicator_measurement (org_id, indicator_id, measured_on, value, measured_by)
SELECT i.org_id, i.indicator_id, current_date - v.ago, v.val, i.owner_id
  FROM indicator i JOIN p9 USING (org_id)
  JOIN (VALUES ('Seal checks passed at gate-out', 70, 97.5), ('Seal checks passed at gate-out', 40, 98.5),
               ('Seal checks passed at gate-out', 10, 99.5),
               ('Unauthorised entries detected', 65, 1), ('Unauthorised entries detected', 35, 3),
               ('Security awareness training completed', 150, 72)) AS v(name, ago, val) ON v.name = i.name;

-- 9.2 the audit programme of the cycle: clauses 6, 7, 8 and 9.
INSERT INTO audit_programme (org_id, title, period_start, period_end, frequency, scope, methods, criteria, owner_id)
SELECT org_id, 'Internal audit cycle', current_date - 300, current_date + 65, '1 year', '{6,7,8,9}',
       'On site, interviews, record sampling', 'ISO 28000:2022; NPL security policy v3', marit FROM p9;
RESET ROLE;

-- The internal auditor plans and runs the audits of the programme.
SET ROLE npl_auditor;
INSERT INTO audit (org_id, programme_id, title, scope, objectives, lead_auditor_id, planned_start_on, planned_end_on)
SELECT p9.org_id, ap.programme_id, v.t, v.scope::clause_ref[], v.obj, p9.joost, current_date - v.d, current_date - v.d + 2
  FROM p9 JOIN audit_programme ap USING (org_id),
  (VALUES ('Operations and security plans', '{8.1,8.6}', 'Operational control and plans for the quay', 120),
          ('Risk assessment', '{6.1}', 'Risk criteria and assessment', 60),
          ('Performance evaluation', '{9}', 'Monitoring, audit, review', -30)) AS v(t, scope, obj, d);
INSERT INTO audit_auditee (org_id, audit_id, process_id)
SELECT a.org_id, a.audit_id, sp.sms_process_id
  FROM audit a JOIN sms_process sp ON sp.org_id = a.org_id AND sp.code = 'OPS'
 WHERE a.title = 'Operations and security plans';
UPDATE audit SET status = 'in_progress', started_on = planned_start_on WHERE title IN ('Operations and security plans', 'Risk assessment');
INSERT INTO audit_finding (org_id, audit_id, clause, grade, statement, evidence, found_on)
SELECT a.org_id, a.audit_id, v.clause::clause_ref, v.grade::conformity_grade, v.st, v.ev, a.started_on
  FROM audit a JOIN (VALUES
    ('Operations and security plans', '8.1',   'minor_nc',    'Seal check instruction not updated after the new gate layout', 'WI-OPS-12 rev 2'),
    ('Operations and security plans', '8.6.4', 'conforming',  'Quay security plan tested', 'Exercise report EX-3'),
    ('Operations and security plans', '8.6.2', 'opportunity', 'Call tree could be automated', NULL),
    ('Risk assessment', '6.1.2', 'conforming',  'Criteria approved and applied', 'Board minutes'),
    ('Risk assessment', '6.1.3', 'observation', 'Treatment owners not always informed', 'Interview')) AS v(title, clause, grade, st, ev)
    ON v.title = a.title;
UPDATE audit SET status = 'reported', ended_on = started_on + 2, reported_on = started_on + 7,
                 report = 'DMS/AUD/' || audit_id, conclusion = 'SMS effective with findings'
 WHERE title IN ('Operations and security plans', 'Risk assessment');
UPDATE audit SET status = 'closed', closed_on = reported_on + 14 WHERE title = 'Risk assessment';
RESET ROLE;

-- 9.3 the management review of the year, held; the checklist is being worked.
SET ROLE npl_security_manager;
INSERT INTO review_input_custom (org_id, input_code, title)
SELECT org_id, 'customs_feedback', 'Feedback from Dutch Customs on the AEO-S authorisation' FROM p9;
INSERT INTO management_review (org_id, title, held_on, period_start, period_end, chair_id)
SELECT org_id, 'Management review ' || extract(year FROM current_date), current_date - 5, current_date - 365, current_date - 6, lotte FROM p9;
INSERT INTO review_attendee (org_id, review_id, person_id, role)
SELECT r.org_id, r.review_id, v.who, v.role FROM management_review r JOIN p9 USING (org_id),
  LATERAL (VALUES (p9.lotte, 'Chair, managing director'), (p9.marit, 'Security manager'), (p9.joost, 'Internal auditor')) AS v(who, role);
UPDATE management_review SET status = 'held', minutes = 'DMS/MR/' || review_id;
UPDATE review_input_item SET addressed = true, summary = 'Reviewed; see minutes'
 WHERE input_code NOT IN ('objectives', 'customs_feedback');
INSERT INTO review_output (org_id, review_id, kind, description, owner_id, due_on)
SELECT r.org_id, r.review_id, v.k, v.d, v.o, current_date + v.due
  FROM management_review r JOIN p9 USING (org_id),
  LATERAL (VALUES ('action', 'Update seal check instruction for the new gate layout', p9.anouk, 30),
                  ('sms_change', 'Add the quay to the scope of the recovery plan', p9.marit, 90)) AS v(k, d, o, due);
RESET ROLE;
