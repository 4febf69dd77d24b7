-- NPL's fourth self-assessment of the year (after the three quarterly ones of
-- demo/load/60_evaluation.sql): this time every clause of the catalog that has
-- no sub-clause is graded, with double weight for planning (6) and operation
-- (8), so conformity by clause and its coverage are complete for the
-- dashboard and the management-review report.
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SET ROLE npl_security_manager;
SELECT org_id AS npl, max(person_id) FILTER (WHERE full_name = 'Marit de Vries') AS marit
  FROM iso28000.organization JOIN iso28000.person USING (org_id) WHERE code = 'NPL' GROUP BY org_id \gset
INSERT INTO iso28000.self_assessment (org_id, title, assessed_on, scope, assessor_id, method)
VALUES (:npl, 'Q4 full self-assessment', current_date - 10, '{4,5,6,7,8,9,10}', :marit,
        'Workshop with every process owner and evidence review');
INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, weight, evidence)
SELECT :npl, s.assessment_id, c.clause,
       (CASE WHEN h % 29 = 0 THEN 'major_nc'
             WHEN h % 7 = 0 THEN 'minor_nc'
             WHEN h % 11 = 0 THEN 'observation'
             WHEN h % 13 = 0 THEN 'opportunity'
             WHEN h % 17 = 0 THEN 'not_assessed'
             ELSE 'conforming' END)::iso28000.conformity_grade,
       CASE WHEN iso28000.top_level(c.clause)::text IN ('6', '8') THEN 2 ELSE 1 END,
       'Evidence reviewed in the workshop.'
  FROM iso28000.self_assessment s
 CROSS JOIN iso28000.clause c
 CROSS JOIN LATERAL (SELECT abs(hashtext(c.clause::text || ' Q4')) AS h) x
 WHERE s.org_id = :npl AND s.title = 'Q4 full self-assessment'
   AND c.standard = 'ISO 28000:2022' AND c.pdca IS NOT NULL
   AND NOT EXISTS (SELECT FROM iso28000.clause k WHERE k.standard = c.standard AND k.parent = c.clause);
RESET ROLE;
