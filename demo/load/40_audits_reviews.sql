-- NPL's performance evaluation (9.1 to 9.3): two conformity self-assessments
-- six months apart (one grade per clause of the catalog), the internal audit
-- programme of the year with five audits in every state, their findings (the
-- nonconforming ones raise their nonconformity by themselves), and two
-- management reviews: last year's, closed, and this year's, held, with its
-- checklist being worked through.  Audits go through the audit workflow as
-- the internal auditor, who owns no process; reviews as the managers.
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SELECT org_id AS npl FROM iso28000.organization WHERE code = 'NPL' \gset
SELECT max(person_id) FILTER (WHERE full_name = 'Marit de Vries') AS marit,
       max(person_id) FILTER (WHERE full_name = 'Joost Bakker')   AS joost,
       max(person_id) FILTER (WHERE full_name = 'Anouk Jansen')   AS anouk,
       max(person_id) FILTER (WHERE full_name = 'Pieter Smit')    AS pieter,
       max(person_id) FILTER (WHERE full_name = 'Sanne Visser')   AS sanne,
       max(person_id) FILTER (WHERE full_name = 'Daan Mulder')    AS daan,
       max(person_id) FILTER (WHERE full_name = 'Lotte de Boer')  AS lotte
  FROM iso28000.person WHERE org_id = :npl \gset

-- 9.1 Self-assessments: every leaf clause of the catalog graded, twice.
SET ROLE npl_security_manager;
INSERT INTO iso28000.self_assessment (org_id, title, assessed_on, scope, assessor_id, method)
VALUES (:npl, 'Self-assessment, spring', current_date - 200, '{4,5,6,7,8,9,10}', :marit, 'Workshop with process owners'),
       (:npl, 'Self-assessment, autumn', current_date - 20, '{4,5,6,7,8,9,10}', :marit, 'Workshop with process owners and evidence review');
INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, weight, evidence)
SELECT :npl, s.assessment_id, c.clause,
       (CASE
          WHEN h % 23 = 0 AND s.title LIKE '%spring' THEN 'major_nc'
          WHEN h % 7 = 0 THEN 'minor_nc'
          WHEN h % 11 = 0 THEN 'observation'
          WHEN h % 13 = 0 THEN 'opportunity'
          WHEN h % 17 = 0 AND s.title LIKE '%spring' THEN 'not_assessed'
          WHEN h % 19 = 0 AND s.title LIKE '%spring' THEN 'minor_nc'
          ELSE 'conforming' END)::iso28000.conformity_grade,
       CASE WHEN iso28000.top_level(c.clause) IN ('8', '6') THEN 2 ELSE 1 END,
       'Evidence reviewed in the workshop.'
  FROM iso28000.self_assessment s
 CROSS JOIN iso28000.clause c
 CROSS JOIN LATERAL (SELECT abs(hashtext(c.clause::text || s.title)) AS h) x
 WHERE s.org_id = :npl AND c.standard = 'ISO 28000:2022' AND c.pdca IS NOT NULL
   AND NOT EXISTS (SELECT FROM iso28000.clause k WHERE k.standard = c.standard AND k.parent = c.clause);

-- 9.2 The audit programme of the year and its audits.
INSERT INTO iso28000.audit_programme (org_id, title, period_start, period_end, frequency, methods, criteria, owner_id)
VALUES (:npl, 'Internal audit programme', current_date - 330, current_date + 35, '1 year',
        'Interviews, observation on the terminals, sampling of records', 'ISO 28000:2022, the ISPS code, NPL procedures', :marit);
RESET ROLE;

SET ROLE npl_auditor;
INSERT INTO iso28000.audit (org_id, programme_id, title, scope, objectives, lead_auditor_id, planned_start_on, planned_end_on)
SELECT :npl, p.programme_id, a.title, a.scope::iso28000.clause_ref[], 'Conformity and effectiveness of the SMS in scope.', :joost,
       current_date + a.start_in, current_date + a.start_in + 3
  FROM iso28000.audit_programme p,
       (VALUES ('Audit 1: gate and access control', '{8.1,7.2}', -300),
               ('Audit 2: leadership and planning', '{5,6}', -210),
               ('Audit 3: documented information and support', '{7}', -120),
               ('Audit 4: operations and security plans', '{8}', -25),
               ('Audit 5: performance evaluation and improvement', '{9,10}', 20)) AS a(title, scope, start_in)
 WHERE p.org_id = :npl;
INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id)
SELECT :npl, a.audit_id, p.sms_process_id
  FROM iso28000.audit a JOIN iso28000.sms_process p ON p.org_id = a.org_id
 WHERE a.org_id = :npl AND ((a.title LIKE 'Audit 1%' AND p.code = 'GATE') OR (a.title LIKE 'Audit 4%' AND p.code IN ('OPS', 'SCS')));

-- Fieldwork: audits 1 to 4 start.
UPDATE iso28000.audit SET status = 'in_progress', started_on = planned_start_on
 WHERE org_id = :npl AND title ~ '^Audit [1-4]';
INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, evidence, found_on)
SELECT :npl, a.audit_id, f.clause::iso28000.clause_ref, f.grade::iso28000.conformity_grade, f.statement, f.evidence,
       a.started_on + 1
  FROM iso28000.audit a
  JOIN (VALUES
    ('Audit 1', '8.1',   'conforming',  'Gate procedure followed in all 30 sampled transactions.', 'Gate log sample'),
    ('Audit 1', '8.1',   'minor_nc',    'Two visitor badges not returned and not blocked.', 'Badge system report'),
    ('Audit 1', '7.2',   'observation', 'Refresher training records are kept in two places.', 'HR and training files'),
    ('Audit 2', '5.2',   'conforming',  'Policy approved, communicated and available.', 'Intranet, briefing records'),
    ('Audit 2', '6.1.2', 'minor_nc',    'Risk criteria not applied to two new risks.', 'Risk register extract'),
    ('Audit 2', '6.2',   'opportunity', 'Objectives could be linked to the risk register.', 'Objectives list'),
    ('Audit 3', '7.5.3', 'major_nc',    'Superseded port facility security plan still in use at the Botlek gate.', 'Copy found at gate 3'),
    ('Audit 3', '7.3',   'conforming',  'Awareness sessions held as planned.', 'Attendance lists'),
    ('Audit 4', '8.6',   'observation', 'Exercise lessons not yet fed into the ransomware plan.', 'Exercise report'),
    ('Audit 4', '8.2',   'minor_nc',    'Critical provider without a valid assessment.', 'Provider register'))
       AS f(audit, clause, grade, statement, evidence) ON a.title LIKE f.audit || ':%'
 WHERE a.org_id = :npl;
-- Reported: audits 1 to 3.
UPDATE iso28000.audit SET status = 'reported', reported_on = started_on + 10, ended_on = started_on + 3,
       report = 'Audit report in the document register.', conclusion = 'The SMS in scope is effective, with the findings listed.'
 WHERE org_id = :npl AND title ~ '^Audit [1-3]';
-- Closed: audits 1 and 2, whose nonconforming findings raised their
-- nonconformities (when the nonconformity register is installed).
SELECT to_regclass('iso28000.nonconformity') IS NOT NULL AS has_nc \gset
\if :has_nc
UPDATE iso28000.audit SET status = 'closed', closed_on = reported_on + 14
 WHERE org_id = :npl AND title ~ '^Audit [1-2]';
\endif
RESET ROLE;

-- 9.3 Management reviews: last year's (closed) and this year's (held).
SET ROLE npl_director;
INSERT INTO iso28000.management_review (org_id, title, held_on, period_start, period_end, chair_id)
VALUES (:npl, 'Management review ' || extract(year FROM current_date - 365), current_date - 350, current_date - 715, current_date - 351, :lotte),
       (:npl, 'Management review ' || extract(year FROM current_date), current_date - 10, current_date - 350, current_date - 11, :lotte);
INSERT INTO iso28000.review_attendee (org_id, review_id, person_id, role)
SELECT :npl, r.review_id, p.pid, p.role
  FROM iso28000.management_review r,
       (VALUES (:lotte::bigint, 'chair'), (:marit::bigint, 'security manager'), (:joost::bigint, 'internal auditor'),
               (:anouk::bigint, 'operations')) AS p(pid, role)
 WHERE r.org_id = :npl;
UPDATE iso28000.management_review SET status = 'held',
       minutes = 'Inputs presented by the security manager; discussion of the audit results and the risk picture.'
 WHERE org_id = :npl;
-- Inputs addressed: all of last year's, all but one of this year's.
UPDATE iso28000.review_input_item i SET addressed = true,
       summary = 'Presented and discussed: ' || lower(i.title) || '.'
  FROM iso28000.management_review r
 WHERE i.org_id = :npl AND r.org_id = i.org_id AND r.review_id = i.review_id
   AND (r.held_on < current_date - 300 OR i.input_code <> 'improvement_opportunities');
INSERT INTO iso28000.review_output (org_id, review_id, kind, description, owner_id, due_on, done_on, status)
SELECT :npl, r.review_id, o.kind, o.descr, o.owner, o.due, o.done, CASE WHEN o.done IS NULL THEN 'open' ELSE 'done' END
  FROM iso28000.management_review r,
       (VALUES ('decision', 'The SMS remains suitable, adequate and effective.', NULL::bigint, NULL::date, NULL::date),
               ('action', 'Extend seal verification to empty containers.', :pieter::bigint, current_date - 200, current_date - 210),
               ('resource', 'Budget for two additional gate officers.', :lotte::bigint, current_date - 250, current_date - 260))
       AS o(kind, descr, owner, due, done)
 WHERE r.org_id = :npl AND r.held_on < current_date - 300;
INSERT INTO iso28000.review_output (org_id, review_id, kind, description, owner_id, due_on)
SELECT :npl, r.review_id, o.kind, o.descr, o.owner, o.due
  FROM iso28000.management_review r,
       (VALUES ('action', 'Withdraw every superseded copy of the port facility security plan.', :marit::bigint, current_date + 20),
               ('sms_change', 'Provider assessments become a condition of the carrier contracts.', :sanne::bigint, current_date + 90))
       AS o(kind, descr, owner, due)
 WHERE r.org_id = :npl AND r.held_on >= current_date - 300;
UPDATE iso28000.management_review SET status = 'closed', closed_on = held_on + 14,
       conclusion = 'The SMS is suitable, adequate and effective; actions recorded.'
 WHERE org_id = :npl AND held_on < current_date - 300;
RESET ROLE;
