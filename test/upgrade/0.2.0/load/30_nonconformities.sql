-- NPL's nonconformities (10.2), moved through the workflow step by step, as
-- the people of NPL would: 32 nonconformities detected over the last year,
-- left in every state (reported, rejected, contained, cause_analysed,
-- action_planned, action_taken, verified, closed, and one reopened), with
-- their corrective actions (some overdue).  Each UPDATE is a transition that
-- the workflow engine checks: the required columns, the guards (actions
-- planned, actions done, an independent verifier, the SMS decision) and the
-- member's level.  Runs when the nonconformity register is installed.
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SELECT to_regclass('iso28000.nonconformity') IS NOT NULL AS has_nc \gset
\if :has_nc
SET ROLE npl_security_manager;
SELECT org_id AS npl FROM iso28000.organization WHERE code = 'NPL' \gset
SELECT max(person_id) FILTER (WHERE full_name = 'Marit de Vries') AS marit,
       max(person_id) FILTER (WHERE full_name = 'Joost Bakker')   AS joost,
       max(person_id) FILTER (WHERE full_name = 'Anouk Jansen')   AS anouk,
       max(person_id) FILTER (WHERE full_name = 'Pieter Smit')    AS pieter,
       max(person_id) FILTER (WHERE full_name = 'Sanne Visser')   AS sanne,
       max(person_id) FILTER (WHERE full_name = 'Daan Mulder')    AS daan
  FROM iso28000.person WHERE org_id = :npl \gset

-- Reported: the stage a nonconformity is in follows n % 8 (0 stays reported).
INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity, detected_on, reported_by, owner_id)
SELECT :npl,
       (ARRAY['Seal not verified for outgoing container', 'Visitor badge not returned', 'CCTV camera out of service over 48 h',
              'Contractor started work before screening', 'Security plan drill not held', 'Release PIN shared by e-mail',
              'Perimeter alarm test overdue', 'Carrier certificate expired'])[1 + n % 8] || ' (' || n || ')',
       'Found during ' || (ARRAY['a gate inspection', 'a walkthrough', 'monitoring', 'an incident review'])[1 + n % 4] || '.',
       (ARRAY['monitoring', 'incident', 'complaint', 'other'])[1 + n % 4],
       'NC-' || n,
       (ARRAY['8.1', '7.2', '8.1', '7.2', '8.6', '7.5.3', '9.1', '8.1'])[1 + n % 8]::iso28000.clause_ref,
       CASE WHEN n % 5 = 0 THEN 'major' ELSE 'minor' END,
       current_date - (11 * n + 3),
       (ARRAY[:pieter, :anouk, :daan, :sanne]::bigint[])[1 + n % 4],
       (ARRAY[:pieter, :anouk, :daan, :sanne]::bigint[])[1 + n % 4]
  FROM generate_series(1, 32) AS n;

CREATE TEMP VIEW demo_nc AS
SELECT nonconformity_id, split_part(source_ref, '-', 2)::int AS n
  FROM iso28000.nonconformity WHERE org_id = :npl AND source_ref LIKE 'NC-%';
GRANT SELECT ON demo_nc TO npl_auditor;

-- Rejected (audit level): not a nonconformity after all.
UPDATE iso28000.nonconformity SET status = 'rejected',
       rejection_reason = 'Duplicate of an earlier report; the requirement was met.'
 WHERE org_id = :npl AND nonconformity_id IN (SELECT nonconformity_id FROM demo_nc WHERE n % 8 = 1);

-- 10.2 a: contained.
UPDATE iso28000.nonconformity SET status = 'contained',
       correction = 'Immediate correction made and consequences dealt with; affected cargo re-checked.'
 WHERE org_id = :npl AND nonconformity_id IN (SELECT nonconformity_id FROM demo_nc WHERE n % 8 >= 2);

-- 10.2 b: causes determined.
UPDATE iso28000.nonconformity SET status = 'cause_analysed',
       root_cause = 'Procedure step not enforced by the system; shift handover gap.',
       analysis_method = '5 whys with the shift leaders',
       similar_nonconformities = 'Checked the other terminal: one similar case, added to this record.'
 WHERE org_id = :npl AND nonconformity_id IN (SELECT nonconformity_id FROM demo_nc WHERE n % 8 >= 3);

-- 10.2 c: corrective actions, each with an owner and a due date, then planned.
INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on)
SELECT :npl, d.nonconformity_id, a.title,
       (ARRAY[:pieter, :anouk, :daan, :sanne]::bigint[])[1 + (d.n + a.k) % 4],
       current_date - 60 + 9 * d.n - 20 * a.k
  FROM demo_nc d
 CROSS JOIN (VALUES (1, 'Make the step mandatory in the system'), (2, 'Brief every shift on the procedure')) AS a(k, title)
 WHERE d.n % 8 >= 4;
UPDATE iso28000.nonconformity SET status = 'action_planned'
 WHERE org_id = :npl AND nonconformity_id IN (SELECT nonconformity_id FROM demo_nc WHERE n % 8 >= 4);

-- Work on the actions: some started, all done where the nonconformity goes on.
UPDATE iso28000.corrective_action SET status = 'in_progress'
 WHERE org_id = :npl AND nonconformity_id IN (SELECT nonconformity_id FROM demo_nc WHERE n % 8 >= 4 AND n % 3 = 0);
UPDATE iso28000.corrective_action SET status = 'done', completed_on = least(due_on, current_date),
       evidence = 'Change record and briefing attendance list.'
 WHERE org_id = :npl AND nonconformity_id IN (SELECT nonconformity_id FROM demo_nc WHERE n % 8 >= 5);
UPDATE iso28000.nonconformity SET status = 'action_taken'
 WHERE org_id = :npl AND nonconformity_id IN (SELECT nonconformity_id FROM demo_nc WHERE n % 8 >= 5);
RESET ROLE;

-- 10.2 d: the internal auditor, who owns none of the actions, reviews
-- effectiveness through the intranet: its pooled login acts for him in this
-- transaction (act_as), and verified_by is stamped with the acting person.
GRANT SELECT ON demo_nc TO npl_intranet;
SET ROLE npl_intranet;
BEGIN;
SELECT iso28000.act_as(:npl, :joost);
UPDATE iso28000.nonconformity SET status = 'verified',
       effectiveness_review = 'Sampled 20 cases after the actions: no recurrence.',
       verified_on = current_date - 5
 WHERE org_id = :npl AND nonconformity_id IN (SELECT nonconformity_id FROM demo_nc WHERE n % 8 >= 6);
COMMIT;
RESET ROLE;
SET ROLE npl_auditor;
-- 10.2 e: closed with the decision whether the SMS must change.
UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = (nonconformity_id % 2 = 0),
       sms_change_note = CASE WHEN nonconformity_id % 2 = 0 THEN 'Gate procedure GP-03 revised.' END
 WHERE org_id = :npl AND nonconformity_id IN (SELECT nonconformity_id FROM demo_nc WHERE n % 8 = 7);
RESET ROLE;

-- A closed nonconformity reopened by the manager (it recurred), back to the analysis.
SET ROLE npl_security_manager;
UPDATE iso28000.nonconformity SET status = 'cause_analysed',
       status_note = 'Recurred at the Botlek terminal; reopened.'
 WHERE org_id = :npl AND nonconformity_id = (SELECT nonconformity_id FROM demo_nc WHERE n = 31);
RESET ROLE;
DROP VIEW demo_nc;
\endif
