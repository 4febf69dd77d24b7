-- Audit independence (ISO 28000 9.2.2) and the management review's closure
-- (9.3) compare the acting person, not only the people an audit or review
-- designates.  Before, the independence rule compared the designated auditors
-- (lead, team) with the owners of the audited processes, and the review's
-- closure compared nobody: the owner of an audited process could write,
-- regrade or remove the findings of an audit led by someone else, take his
-- process out of its auditees, and close it; any manager could close a review
-- chaired by someone else.  As non-superuser roles (own logins and a
-- delegated application acting for a person), each refusal with its SQLSTATE,
-- nothing written, and the organisation's chain unchanged and verifying.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(28);

CREATE ROLE tap_ai_mgr NOLOGIN;     -- manager of A
CREATE ROLE tap_ai_ann NOLOGIN;     -- the lead auditor, audit
CREATE ROLE tap_ai_bob NOLOGIN;     -- owns the gate process, audit (the attacker)
CREATE ROLE tap_ai_pia NOLOGIN;     -- interviewed by the audit, write
CREATE ROLE tap_ai_max NOLOGIN;     -- a manager who does not chair the review
CREATE ROLE tap_ai_cat NOLOGIN;     -- the review's chair, manage
CREATE ROLE tap_ai_ghost NOLOGIN;   -- audit, with no person
CREATE ROLE tap_ai_app NOLOGIN;     -- a delegated application, manage
SELECT iso28000.create_organization('AI', 'Audit independence', 'tap_ai_mgr') AS a \gset

SET SESSION AUTHORIZATION tap_ai_mgr;
SELECT iso28000.grant_access(:a, 'tap_ai_ann', 'audit');
SELECT iso28000.grant_access(:a, 'tap_ai_bob', 'audit');
SELECT iso28000.grant_access(:a, 'tap_ai_pia', 'write');
SELECT iso28000.grant_access(:a, 'tap_ai_max', 'manage');
SELECT iso28000.grant_access(:a, 'tap_ai_cat', 'manage');
SELECT iso28000.grant_access(:a, 'tap_ai_ghost', 'audit');
SELECT iso28000.grant_access(:a, 'tap_ai_app', 'manage');
SELECT iso28000.grant_delegation(:a, 'tap_ai_app', 'test application');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Ann Auditor', 'tap_ai_ann') RETURNING person_id AS ann \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Bob Owner', 'tap_ai_bob') RETURNING person_id AS bob \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Pia Interviewed', 'tap_ai_pia') RETURNING person_id AS pia \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Max Manager', 'tap_ai_max') RETURNING person_id AS max \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Cat Chair', 'tap_ai_cat') RETURNING person_id AS cat \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (:a, 'Gate control', :bob) RETURNING sms_process_id AS gate \gset
RESET SESSION AUTHORIZATION;

SELECT ok(NOT bool_or(rolsuper), 'none of the actors is a superuser') FROM pg_roles WHERE rolname LIKE 'tap_ai_%';

-- Ann plans and runs the audit of Bob's gate process, interviewing Pia.
SET SESSION AUTHORIZATION tap_ai_ann;
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
     VALUES (:a, 'Gate audit', '{8}', :ann, current_date - 10, current_date - 8) RETURNING audit_id AS aud \gset
INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (:a, :aud, :gate) RETURNING auditee_id AS ae_gate \gset
INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (:a, :aud, :pia);
UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = :a AND audit_id = :aud;
SELECT lives_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, process_id)
                         VALUES (%s, %s, '8.1', 'observation', 'Gate log kept on paper', %s)$$, :a, :aud, :gate),
                'the lead auditor records a finding on the gate process');
SELECT finding_id AS f1 FROM iso28000.audit_finding WHERE org_id = :a AND audit_id = :aud \gset
RESET SESSION AUTHORIZATION;

CREATE TEMP TABLE before_attack AS
  SELECT (SELECT count(*) FROM iso28000.history WHERE org_id = :a) AS records,
         (SELECT count(*) FROM iso28000.audit_finding WHERE org_id = :a) AS findings,
         (SELECT count(*) FROM iso28000.audit_auditee WHERE org_id = :a) AS auditees;
GRANT SELECT ON before_attack TO PUBLIC;
-- pg_temp.fields(): 'SQLSTATE schema.table.column' of the error a statement raises.
\ir include/fields.sql
GRANT EXECUTE ON FUNCTION pg_temp.fields(text) TO PUBLIC;

-- The owner of the audited process, through his own login.
SET SESSION AUTHORIZATION tap_ai_bob;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement)
                          VALUES (%s, %s, '8.1', 'conforming', 'All fine at the gate')$$, :a, :aud),
                 'IS152', NULL, 'the owner of an audited process cannot record a finding of the audit (IS152)');
SELECT throws_ok(format($$UPDATE iso28000.audit_finding SET grade = 'conforming', statement = 'fine'
                          WHERE org_id = %s AND finding_id = %s$$, :a, :f1),
                 'IS152', NULL, 'nor regrade the auditor''s finding (IS152)');
SELECT throws_ok(format($$UPDATE iso28000.audit_finding SET process_id = NULL WHERE org_id = %s AND finding_id = %s$$, :a, :f1),
                 'IS152', NULL, 'nor take his process off the finding (IS152)');
SELECT throws_ok(format($$DELETE FROM iso28000.audit_finding WHERE org_id = %s AND finding_id = %s$$, :a, :f1),
                 'IS152', NULL, 'nor remove it (IS152)');
SELECT throws_ok(format($$DELETE FROM iso28000.audit_auditee WHERE org_id = %s AND auditee_id = %s$$, :a, :ae_gate),
                 'IS152', NULL, 'nor take his process out of the audit (IS152)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement)
                                 VALUES (%s, %s, '8.1', 'conforming', 'fine')$$, :a, :aud)),
          'IS152 iso28000.audit_finding.audit_id', 'IS152 names the table and audit_id');
RESET SESSION AUTHORIZATION;

-- The same owner through a delegated application acting for him.
SET SESSION AUTHORIZATION tap_ai_app;
SELECT iso28000.act_as(:a, :bob);
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement)
                          VALUES (%s, %s, '8.1', 'conforming', 'All fine at the gate')$$, :a, :aud),
                 'IS152', NULL, 'an application acting for the owner cannot record the finding either (IS152)');
RESET SESSION AUTHORIZATION;

-- A person the audit interviews.
SET SESSION AUTHORIZATION tap_ai_pia;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement)
                          VALUES (%s, %s, '8.2', 'conforming', 'My interview went well')$$, :a, :aud),
                 'IS152', NULL, 'an auditee cannot record a finding of the audit (IS152)');
RESET SESSION AUTHORIZATION;

-- The audit is reported; the owner, at level audit, tries to close it.
SET SESSION AUTHORIZATION tap_ai_ann;
UPDATE iso28000.audit SET status = 'reported', reported_on = current_date - 5, report = 'R-1', conclusion = 'Effective'
 WHERE org_id = :a AND audit_id = :aud;
RESET SESSION AUTHORIZATION;
UPDATE before_attack SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);

SET SESSION AUTHORIZATION tap_ai_bob;
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'closed', closed_on = current_date WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS104', NULL, 'the owner of an audited process cannot close the audit (IS104)');
SELECT throws_like(format($$UPDATE iso28000.audit SET status = 'closed', closed_on = current_date WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                   '%a person independent of the audit closing it (Bob Owner owns process%', 'the refusal names the conflict');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ai_app;
SELECT iso28000.act_as(:a, :bob);
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'closed', closed_on = current_date WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS104', NULL, 'nor can an application acting for him (IS104)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ai_ghost;
SELECT throws_like(format($$UPDATE iso28000.audit SET status = 'closed', closed_on = current_date WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                   '%a person closing it (the session acts for nobody%', 'a role that acts for nobody cannot close it (IS104)');
RESET SESSION AUTHORIZATION;

SELECT is((SELECT status FROM iso28000.audit WHERE org_id = :a AND audit_id = :aud), 'reported', 'the audit stays reported');
SELECT is((SELECT grade::text || ' ' || process_id FROM iso28000.audit_finding WHERE org_id = :a AND finding_id = :f1),
          'observation ' || :gate, 'the auditor''s finding is as she recorded it');
SELECT is((SELECT (count(*), count(*) FILTER (WHERE process_id = :gate))::text FROM iso28000.audit_auditee WHERE org_id = :a AND audit_id = :aud),
          '(2,1)', 'the audit still examines the gate process and Pia');
SELECT is((SELECT count(*) FROM iso28000.audit_finding WHERE org_id = :a), (SELECT findings FROM before_attack), 'no finding was written');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM before_attack),
          'the refused statements added nothing to the chain');

SET SESSION AUTHORIZATION tap_ai_ann;
SELECT lives_ok(format($$UPDATE iso28000.audit SET status = 'closed', closed_on = current_date WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                'the independent lead auditor closes the audit');
RESET SESSION AUTHORIZATION;

-- 9.3: the review's conclusion is its chair's.
SET SESSION AUTHORIZATION tap_ai_max;
INSERT INTO iso28000.management_review (org_id, title, held_on, period_start, period_end, chair_id)
     VALUES (:a, 'MR', current_date - 2, current_date - 365, current_date - 3, :cat) RETURNING review_id AS mr \gset
UPDATE iso28000.management_review SET status = 'held', minutes = 'M-1' WHERE org_id = :a AND review_id = :mr;
UPDATE iso28000.review_input_item SET addressed = true, summary = 'considered' WHERE org_id = :a AND review_id = :mr;
INSERT INTO iso28000.review_output (org_id, review_id, kind, description) VALUES (:a, :mr, 'decision', 'Carry on');
RESET SESSION AUTHORIZATION;
UPDATE before_attack SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);

SET SESSION AUTHORIZATION tap_ai_max;
SELECT throws_ok(format($$UPDATE iso28000.management_review SET status = 'closed', conclusion = 'Suitable', closed_on = current_date
                          WHERE org_id = %s AND review_id = %s$$, :a, :mr),
                 'IS104', NULL, 'a manager who does not chair the review cannot close it (IS104)');
SELECT throws_like(format($$UPDATE iso28000.management_review SET status = 'closed', conclusion = 'Suitable', closed_on = current_date
                            WHERE org_id = %s AND review_id = %s$$, :a, :mr),
                   format('%%its chair (person %s) closing it; the acting person is person %s', :cat, :max), 'the refusal names chair and acting person');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ai_app;
SELECT iso28000.act_as(:a, :max);
SELECT throws_ok(format($$UPDATE iso28000.management_review SET status = 'closed', conclusion = 'Suitable', closed_on = current_date
                          WHERE org_id = %s AND review_id = %s$$, :a, :mr),
                 'IS104', NULL, 'nor can an application acting for him (IS104)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ai_ghost;
SELECT throws_ok(format($$UPDATE iso28000.management_review SET status = 'closed', conclusion = 'Suitable', closed_on = current_date
                          WHERE org_id = %s AND review_id = %s$$, :a, :mr),
                 'IS106', NULL, 'a role below manage cannot close it either (IS106)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status FROM iso28000.management_review WHERE org_id = :a AND review_id = :mr), 'held', 'the review stays held');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM before_attack),
          'the refused closures added nothing to the chain');

SET SESSION AUTHORIZATION tap_ai_cat;
SELECT lives_ok(format($$UPDATE iso28000.management_review SET status = 'closed', conclusion = 'Suitable', closed_on = current_date
                         WHERE org_id = %s AND review_id = %s$$, :a, :mr),
                'the chair closes the review');
RESET SESSION AUTHORIZATION;

SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'A''s chain verifies');

SELECT * FROM finish();
ROLLBACK;
