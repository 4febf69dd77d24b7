-- Northsea Port & Logistics also holds ISO 22301:2019 (business continuity):
-- a self-assessment of the BCMS with maturity levels beside the grades,
-- maturity targets, levels for the ISO 28000 Q4 assessment, and one audit
-- of the quay's security and continuity plans, audited against ISO 28000 and
-- reported against both standards (findings_by_clause for ISO 28000,
-- audit_projection for ISO 22301; doc/standards.md).  Entered through the
-- intranet's pooled login, which acts for the security manager and the
-- internal auditor (act_as), as an application would; dates are relative to today.
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SET ROLE npl_intranet;
SELECT org_id AS npl, max(person_id) FILTER (WHERE full_name = 'Marit de Vries') AS marit,
       max(person_id) FILTER (WHERE full_name = 'Joost Bakker') AS joost
  FROM iso28000.organization JOIN iso28000.person USING (org_id) WHERE code = 'NPL' GROUP BY org_id \gset

-- 9.1 the security manager assesses the BCMS: every ISO 22301 clause without sub-clauses, graded and rated.
BEGIN;
SELECT iso28000.act_as(:npl, :marit);
INSERT INTO iso28000.self_assessment (org_id, title, assessed_on, scope, assessor_id, method, standard)
VALUES (:npl, 'BCMS self-assessment', current_date - 20, '{4,5,6,7,8,9,10}', :marit,
        'Workshop with the continuity coordinators and evidence review', 'ISO 22301:2019');
INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, weight, maturity, evidence)
SELECT :npl, s.assessment_id, c.clause,
       (CASE WHEN h % 23 = 0 THEN 'major_nc'
             WHEN h % 6 = 0 THEN 'minor_nc'
             WHEN h % 10 = 0 THEN 'observation'
             ELSE 'conforming' END)::iso28000.conformity_grade,
       CASE WHEN iso28000.top_level(c.clause)::text = '8' THEN 2 ELSE 1 END,
       1 + h % 4,
       'Reviewed in the BCMS workshop.'
  FROM iso28000.self_assessment s
 CROSS JOIN iso28000.clause c
 CROSS JOIN LATERAL (SELECT abs(hashtext(c.clause::text || ' BCMS')) AS h) x
 WHERE s.org_id = :npl AND s.title = 'BCMS self-assessment'
   AND c.standard = 'ISO 22301:2019' AND c.pdca IS NOT NULL
   AND NOT EXISTS (SELECT FROM iso28000.clause k WHERE k.standard = c.standard AND k.parent = c.clause);
-- maturity of the ISO 28000 security plans in the Q4 assessment, and the targets of both standards
UPDATE iso28000.assessment_result r SET maturity = CASE WHEN r.grade IN ('minor_nc', 'major_nc') THEN 2 ELSE 3 END
  FROM iso28000.self_assessment s
 WHERE s.org_id = r.org_id AND s.assessment_id = r.assessment_id AND s.org_id = :npl
   AND s.title = 'Q4 full self-assessment' AND r.grade <> 'not_assessed';
INSERT INTO iso28000.maturity_target (org_id, standard, clause, target_level, due_on, note) VALUES
  (:npl, 'ISO 28000:2022', '8', 4, current_date + 180, 'Operation measured by indicators before the AEO renewal'),
  (:npl, 'ISO 28000:2022', '4', 3, NULL, NULL),
  (:npl, 'ISO 22301:2019', '8', 3, current_date + 365, 'Continuity plans defined for every terminal');
COMMIT;

-- 9.2 the internal auditor audits the quay's plans against ISO 28000; the
-- clause maps report the same audit against ISO 22301 (8.5, 8.6 -> 8.3, 8.4).
BEGIN;
SELECT iso28000.act_as(:npl, :joost);
INSERT INTO iso28000.audit (org_id, title, scope, objectives, criteria, lead_auditor_id, planned_start_on, planned_end_on)
VALUES (:npl, 'Integrated audit: security and continuity plans of the quay', '{8.5,8.6}',
        'Security plans and their continuity, one audit for both certificates',
        'ISO 28000:2022 8.5 and 8.6; ISO 22301:2019 8.3 and 8.4 through the clause maps',
        :joost, current_date - 15, current_date - 14);
UPDATE iso28000.audit SET status = 'in_progress', started_on = planned_start_on
 WHERE org_id = :npl AND title = 'Integrated audit: security and continuity plans of the quay';
INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, evidence, found_on)
SELECT a.org_id, a.audit_id, v.clause::iso28000.clause_ref, v.grade::iso28000.conformity_grade, v.st, v.ev, a.started_on
  FROM iso28000.audit a, (VALUES
    ('8.6.2', 'conforming',  'Response structure staffed around the clock', 'Roster Q3'),
    ('8.6.5', 'minor_nc',    'No recovery time objective set for the quay cranes', 'Plan SP-QUAY rev 4'),
    ('8.5.2', 'observation', 'Spare seals budgeted for one terminal only', 'Budget 2026')) AS v(clause, grade, st, ev)
 WHERE a.org_id = :npl AND a.title = 'Integrated audit: security and continuity plans of the quay';
UPDATE iso28000.audit SET status = 'reported', ended_on = started_on + 1, reported_on = started_on + 3,
       report = 'DMS/AUD/' || audit_id, conclusion = 'Plans effective; recovery objectives to be set'
 WHERE org_id = :npl AND title = 'Integrated audit: security and continuity plans of the quay';
COMMIT;
RESET ROLE;
