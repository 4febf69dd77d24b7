-- test/robust/workflows.sql: records moved through their workflows before the
-- dump (test/suite.d/dump_restore), as the demo's members, plus one rule a
-- DBA added (builtin = false, so pg_dump keeps it).  Each part runs only once
-- the registers it needs are installed.
\set ON_ERROR_STOP 1
SELECT to_regclass('iso28000.nonconformity') IS NOT NULL AS has_nc \gset
\if :has_nc
-- a rule of the DBA's own: a rejected nonconformity may be reported again
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level, note)
VALUES ('nonconformity', 'rejected', 'reported', 'manage', 'Restore check: rejected in error (a DBA''s own rule).');

SET ROLE npl_security_manager;
CREATE TEMP TABLE rc AS
SELECT o.org_id,
       (SELECT person_id FROM iso28000.person p WHERE p.org_id = o.org_id AND p.db_role = 'npl_security_manager') AS owner,
       (SELECT person_id FROM iso28000.person p WHERE p.org_id = o.org_id AND p.db_role = 'npl_auditor') AS verifier
  FROM iso28000.organization o WHERE o.code = 'NPL';

-- one left in each of: reported, rejected, action_planned, closed
INSERT INTO iso28000.nonconformity (org_id, title, severity, source)
SELECT org_id, t, 'minor', 'monitoring' FROM rc,
       unnest(ARRAY['Restore check: reported', 'Restore check: rejected',
                    'Restore check: planned', 'Restore check: closed']) t;
UPDATE iso28000.nonconformity SET status = 'rejected', rejection_reason = 'duplicate of an earlier report'
 WHERE title = 'Restore check: rejected';
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'gate 4 locked'
 WHERE title IN ('Restore check: planned', 'Restore check: closed');
UPDATE iso28000.nonconformity SET status = 'cause_analysed', root_cause = 'worn lock', analysis_method = '5 whys',
       similar_nonconformities = 'gates 2 and 3 checked: none'
 WHERE title IN ('Restore check: planned', 'Restore check: closed');
INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on)
SELECT n.org_id, n.nonconformity_id, 'replace the lock of ' || n.title, rc.owner, current_date + 14
  FROM iso28000.nonconformity n JOIN rc USING (org_id)
 WHERE n.title IN ('Restore check: planned', 'Restore check: closed');
UPDATE iso28000.nonconformity SET status = 'action_planned'
 WHERE title IN ('Restore check: planned', 'Restore check: closed');
UPDATE iso28000.corrective_action SET status = 'done', completed_on = current_date, evidence = 'photo of the new lock'
 WHERE title = 'replace the lock of Restore check: closed';
UPDATE iso28000.nonconformity SET status = 'action_taken' WHERE title = 'Restore check: closed';
-- 10.2 d: the auditor verifies as herself (verified_by is the acting person).
SET ROLE npl_auditor;
UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'no recurrence in 30 days',
       verified_on = current_date
 WHERE title = 'Restore check: closed';
SET ROLE npl_security_manager;
UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = false WHERE title = 'Restore check: closed';
RESET ROLE;
\endif
