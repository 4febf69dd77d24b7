-- Who reports an audit, who chooses its team, and who writes its findings
-- (ISO 28000 9.2.2; ISO 19011 5.5.4 and 6.5), compared with the acting
-- person.  Before: anyone with write could report an audit, withdraw its
-- report or rewrite its conclusion, and name himself lead auditor once it
-- had started; the owner of an audited process could add or remove the
-- audit's team members; a person the audit examines could sit on its team;
-- and a session acting for nobody (an application that did not call act_as
-- in this transaction, a role without a person) could write findings.  As
-- non-superuser roles (own logins and a delegated application), each refusal
-- with its SQLSTATE, nothing written, the chain unchanged and verifying.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(48);

CREATE ROLE tap_ar_mgr NOLOGIN;     -- manager of the organisation (a person)
CREATE ROLE tap_ar_ann NOLOGIN;     -- the lead auditor, audit
CREATE ROLE tap_ar_tom NOLOGIN;     -- an auditor of the team, audit
CREATE ROLE tap_ar_bob NOLOGIN;     -- owns the gate process, audit (the attacker)
CREATE ROLE tap_ar_pia NOLOGIN;     -- interviewed by the audit, write
CREATE ROLE tap_ar_ghost NOLOGIN;   -- audit, with no person
CREATE ROLE tap_ar_app NOLOGIN;     -- a delegated application, audit
CREATE ROLE tap_ar_app2 NOLOGIN;    -- another delegated application, audit, that never calls act_as
SELECT iso28000.create_organization('AR', 'Audit reporting', 'tap_ar_mgr') AS a \gset

SET SESSION AUTHORIZATION tap_ar_mgr;
SELECT iso28000.grant_access(:a, 'tap_ar_ann', 'audit');
SELECT iso28000.grant_access(:a, 'tap_ar_tom', 'audit');
SELECT iso28000.grant_access(:a, 'tap_ar_bob', 'audit');
SELECT iso28000.grant_access(:a, 'tap_ar_pia', 'write');
SELECT iso28000.grant_access(:a, 'tap_ar_ghost', 'audit');
SELECT iso28000.grant_access(:a, 'tap_ar_app', 'audit');
SELECT iso28000.grant_delegation(:a, 'tap_ar_app', 'test application');
SELECT iso28000.grant_access(:a, 'tap_ar_app2', 'audit');
SELECT iso28000.grant_delegation(:a, 'tap_ar_app2', 'second application');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Mia Manager', 'tap_ar_mgr') RETURNING person_id AS mia \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Ann Auditor', 'tap_ar_ann') RETURNING person_id AS ann \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Tom Teammate', 'tap_ar_tom') RETURNING person_id AS tom \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Bob Owner', 'tap_ar_bob') RETURNING person_id AS bob \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Pia Interviewed', 'tap_ar_pia') RETURNING person_id AS pia \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (:a, 'Gate control', :bob) RETURNING sms_process_id AS gate \gset
RESET SESSION AUTHORIZATION;

SELECT ok(NOT bool_or(rolsuper), 'none of the actors is a superuser') FROM pg_roles WHERE rolname LIKE 'tap_ar_%';
\ir include/fields.sql
GRANT EXECUTE ON FUNCTION pg_temp.fields(text) TO PUBLIC;
CREATE TEMP TABLE chain (records bigint);
GRANT SELECT ON chain TO PUBLIC;
INSERT INTO chain VALUES (0);

-- Ann plans the audit of Bob's gate process, interviewing Pia.
SET SESSION AUTHORIZATION tap_ar_ann;
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
     VALUES (:a, 'Gate audit', '{8}', :ann, current_date - 10, current_date - 8) RETURNING audit_id AS aud \gset
INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (:a, :aud, :gate);
INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (:a, :aud, :pia);
RESET SESSION AUTHORIZATION;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);

-- 2. The team: whoever chooses it is independent of the audit, and nobody the audit examines sits on it.
SET SESSION AUTHORIZATION tap_ar_bob;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :tom),
                 'IS152', NULL, 'the owner of an audited process cannot choose the audit''s team (IS152)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :tom)),
          'IS152 iso28000.audit_team_member.audit_id', 'IS152 names audit_team_member and audit_id');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_app;
SELECT iso28000.act_as(:a, :bob);
SELECT throws_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :tom),
                 'IS152', NULL, 'nor can an application acting for him (IS152)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_pia;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :pia),
                 'IS152', NULL, 'an auditee cannot put herself on the team (IS152)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_ann;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :pia),
                 'IS302', NULL, 'an auditee cannot be put on the team of the audit that examines her work (IS302)');
SELECT throws_like(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :pia),
                   'auditor independence violated in audit%', 'the refusal names the audit');
SELECT is(iso28000.audit_independence_conflict(:a, :aud), NULL, 'the team is independent after the refusals');
SELECT lives_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :tom),
                'the independent lead auditor puts Tom on the team');
SELECT team_member_id AS tm FROM iso28000.audit_team_member WHERE org_id = :a AND audit_id = :aud \gset
SELECT throws_ok(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :tom),
                 'IS302', NULL, 'an auditor of the team cannot be made one of its auditees (IS302)');
RESET SESSION AUTHORIZATION;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET SESSION AUTHORIZATION tap_ar_bob;
SELECT throws_ok(format($$DELETE FROM iso28000.audit_team_member WHERE org_id = %s AND team_member_id = %s$$, :a, :tm),
                 'IS152', NULL, 'the owner cannot take an auditor off the team (IS152)');
SELECT throws_ok(format($$UPDATE iso28000.audit_team_member SET role = 'observer' WHERE org_id = %s AND team_member_id = %s$$, :a, :tm),
                 'IS152', NULL, 'nor change his role (IS152)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT string_agg(person_id || ' ' || role, ',') FROM iso28000.audit_team_member WHERE org_id = :a AND audit_id = :aud),
          :tom || ' auditor', 'the team is Tom, as an auditor');

SET SESSION AUTHORIZATION tap_ar_ann;
UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = :a AND audit_id = :aud;
INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, process_id)
     VALUES (:a, :aud, '8.1', 'observation', 'Gate log kept on paper', :gate) RETURNING finding_id AS f1 \gset
RESET SESSION AUTHORIZATION;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);

-- 3. A finding needs a person who found it.
SET SESSION AUTHORIZATION tap_ar_ghost;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement)
                          VALUES (%s, %s, '8.1', 'conforming', 'All fine at the gate')$$, :a, :aud),
                 'IS154', NULL, 'a role with no person cannot record a finding (IS154)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement)
                                 VALUES (%s, %s, '8.1', 'conforming', 'fine')$$, :a, :aud)),
          'IS154 iso28000.audit_finding.audit_id', 'IS154 names the table and audit_id');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_app2;   -- delegated, but no act_as in this transaction
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement)
                          VALUES (%s, %s, '8.1', 'conforming', 'All fine at the gate')$$, :a, :aud),
                 'IS154', NULL, 'a delegated application that did not call act_as cannot record a finding (IS154)');
SELECT throws_ok(format($$UPDATE iso28000.audit_finding SET grade = 'conforming' WHERE org_id = %s AND finding_id = %s$$, :a, :f1),
                 'IS154', NULL, '...nor regrade one (IS154)');
SELECT throws_ok(format($$DELETE FROM iso28000.audit_finding WHERE org_id = %s AND finding_id = %s$$, :a, :f1),
                 'IS154', NULL, '...nor remove one (IS154)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_app;
SELECT iso28000.act_as(:a, :tom);
SELECT lives_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement)
                         VALUES (%s, %s, '8.2', 'conforming', 'Visitor passes checked')$$, :a, :aud),
                'acting for Tom, an auditor of the team, it records his finding');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT h.acting_person FROM iso28000.history h
            WHERE h.org_id = :a AND h.table_name = 'iso28000.audit_finding' AND h.operation = 'INSERT'
            ORDER BY h.seq DESC LIMIT 1), :tom::bigint, 'the history names Tom as the person who recorded it');
SELECT is((SELECT grade::text FROM iso28000.audit_finding WHERE org_id = :a AND finding_id = :f1), 'observation',
          'Ann''s finding is as she recorded it');
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);

-- A nonconformity the audit raised is not the auditee's to dismiss.
SET SESSION AUTHORIZATION tap_ar_ann;
INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, process_id)
     VALUES (:a, :aud, '8.1', 'minor_nc', 'Gate seals not logged', :gate) RETURNING nonconformity_id AS nc \gset
RESET SESSION AUTHORIZATION;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET SESSION AUTHORIZATION tap_ar_bob;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'rejected', rejection_reason = 'seals are fine' WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS157', NULL, 'the owner of the audited process cannot reject the nonconformity the audit raised (IS157)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.nonconformity SET status = 'rejected', rejection_reason = 'x' WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc)),
          'IS157 iso28000.nonconformity.status', 'IS157 names the table and status');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_app2;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'rejected', rejection_reason = 'seals are fine' WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS157', NULL, 'nor a session acting for nobody (IS157)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc), 'reported',
          'the nonconformity stays reported');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused rejections added nothing to the chain');

-- Calling the audit off: a person independent of it, not its auditee or the owner of its process.
SET SESSION AUTHORIZATION tap_ar_bob;
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'cancelled', status_note = 'not needed' WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS156', NULL, 'the owner of the audited process cannot cancel the audit (IS156)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.audit SET status = 'cancelled', status_note = 'x' WHERE org_id = %s AND audit_id = %s$$, :a, :aud)),
          'IS156 iso28000.audit.status', 'IS156 names the table and status');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_pia;
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'cancelled', status_note = 'not needed' WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS156', NULL, 'nor can an auditee (IS156)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_app2;
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'cancelled', status_note = 'not needed' WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS156', NULL, 'nor a session acting for nobody (IS156)');
RESET SESSION AUTHORIZATION;

-- 1. The report is the lead auditor's.
SET SESSION AUTHORIZATION tap_ar_tom;
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'reported', reported_on = current_date - 5, report = 'R-1', conclusion = 'Effective'
                          WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS153', NULL, 'an auditor of the team who is not its lead cannot report the audit (IS153)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.audit SET status = 'reported', reported_on = current_date - 5, report = 'R-1', conclusion = 'Effective'
                                 WHERE org_id = %s AND audit_id = %s$$, :a, :aud)),
          'IS153 iso28000.audit.lead_auditor_id', 'IS153 names the table and lead_auditor_id');
SELECT throws_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud),
                 'IS155', NULL, 'nor name himself lead auditor once fieldwork has started (IS155)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_bob;
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'reported', reported_on = current_date - 5, report = 'R-1', conclusion = 'Effective'
                          WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS153', NULL, 'the owner of the audited process cannot report it (IS153)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_app2;
SELECT throws_like(format($$UPDATE iso28000.audit SET status = 'reported', reported_on = current_date - 5, report = 'R-1', conclusion = 'Effective'
                            WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                   '%only its lead auditor%the acting person is nobody%', 'an application acting for nobody cannot report it (IS153)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_app;
SELECT iso28000.act_as(:a, :pia);
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'reported', reported_on = current_date - 5, report = 'R-1', conclusion = 'Effective'
                          WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS153', NULL, 'nor acting for an auditee (IS153)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status || ' ' || lead_auditor_id FROM iso28000.audit WHERE org_id = :a AND audit_id = :aud), 'in_progress ' || :ann,
          'the audit is still in progress, led by Ann');

SET SESSION AUTHORIZATION tap_ar_app;
SELECT iso28000.act_as(:a, :ann);
SELECT lives_ok(format($$UPDATE iso28000.audit SET status = 'reported', reported_on = current_date - 5, report = 'R-1', conclusion = 'Effective'
                         WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                'acting for Ann, the lead auditor, the application reports the audit');
RESET SESSION AUTHORIZATION;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);

SET SESSION AUTHORIZATION tap_ar_tom;
SELECT throws_ok(format($$UPDATE iso28000.audit SET conclusion = 'Not effective' WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS153', NULL, 'another auditor cannot rewrite the conclusion of the reported audit (IS153)');
SELECT throws_ok(format($$UPDATE iso28000.audit SET report = 'R-2', reported_on = current_date WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS153', NULL, '...nor its report (IS153)');
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'in_progress' WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS153', NULL, '...nor withdraw it to fieldwork (IS153)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_bob;
SELECT throws_ok(format($$UPDATE iso28000.audit SET conclusion = 'Effective, no issue at the gate' WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS153', NULL, 'nor can the owner of the audited process (IS153)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status || ' ' || report || ' ' || conclusion FROM iso28000.audit WHERE org_id = :a AND audit_id = :aud),
          'reported R-1 Effective', 'the report stands as the lead auditor issued it');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused statements added nothing to the chain');

-- A manager hands the audit to Tom; from then on the report is his.
SET SESSION AUTHORIZATION tap_ar_mgr;
SELECT lives_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud),
                'a manager may change the lead auditor of a reported audit');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_ann;
SELECT throws_ok(format($$UPDATE iso28000.audit SET conclusion = 'Effective with findings' WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS153', NULL, 'Ann, no longer lead, cannot change the conclusion (IS153)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ar_tom;
SELECT lives_ok(format($$UPDATE iso28000.audit SET status = 'in_progress' WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                'the new lead auditor withdraws the report for more fieldwork');
RESET SESSION AUTHORIZATION;

SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'the organisation''s chain verifies');

SELECT * FROM finish();
ROLLBACK;
