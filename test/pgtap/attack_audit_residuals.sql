-- The residuals of the internal-audit trust rules (ISO 28000 9.2.2, 10.2)
-- that attack_audit_report.sql left written down as not covered, tried as
-- non-superuser roles (own logins and a delegated application acting for
-- people through act_as), each refusal with its SQLSTATE and fields, nothing
-- written, the chain unchanged and verifying.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(85);

CREATE ROLE tap_rs_mgr NOLOGIN;     -- manager of the organisation (a person)
CREATE ROLE tap_rs_ann NOLOGIN;     -- the lead auditor, audit
CREATE ROLE tap_rs_tom NOLOGIN;     -- an auditor, audit
CREATE ROLE tap_rs_bob NOLOGIN;     -- owns the gate process, audit
CREATE ROLE tap_rs_wes NOLOGIN;     -- works in the gate process (owns an activity and a control of it), audit
CREATE ROLE tap_rs_app NOLOGIN;     -- a delegated application, audit
CREATE ROLE tap_rs_app2 NOLOGIN;    -- a delegated application, audit, that never calls act_as
CREATE ROLE tap_rs_ghost NOLOGIN;   -- audit, with no person
CREATE ROLE tap_rs_loader NOLOGIN;  -- a member of the extension owner's role (a loader)
CREATE ROLE tap_rs_trap NOLOGIN;    -- owns a schema of trap functions and operators
SELECT iso28000.create_organization('RS', 'Audit residuals', 'tap_rs_mgr') AS a \gset

SET SESSION AUTHORIZATION tap_rs_mgr;
SELECT iso28000.grant_access(:a, 'tap_rs_ann', 'audit');
SELECT iso28000.grant_access(:a, 'tap_rs_tom', 'audit');
SELECT iso28000.grant_access(:a, 'tap_rs_bob', 'audit');
SELECT iso28000.grant_access(:a, 'tap_rs_wes', 'audit');
SELECT iso28000.grant_access(:a, 'tap_rs_app', 'audit');
SELECT iso28000.grant_delegation(:a, 'tap_rs_app', 'test application');
SELECT iso28000.grant_access(:a, 'tap_rs_app2', 'audit');
SELECT iso28000.grant_access(:a, 'tap_rs_loader', 'write');
SELECT iso28000.grant_access(:a, 'tap_rs_ghost', 'audit');
SELECT iso28000.grant_delegation(:a, 'tap_rs_app2', 'second application');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Mia Manager', 'tap_rs_mgr') RETURNING person_id AS mia \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Ann Auditor', 'tap_rs_ann') RETURNING person_id AS ann \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Tom Teammate', 'tap_rs_tom') RETURNING person_id AS tom \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Bob Owner', 'tap_rs_bob') RETURNING person_id AS bob \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wes Worker', 'tap_rs_wes') RETURNING person_id AS wes \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Cal Controller') RETURNING person_id AS cal \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (:a, 'Gate control', :bob) RETURNING sms_process_id AS gate \gset
INSERT INTO iso28000.activity (org_id, sms_process_id, name, owner_id) VALUES (:a, :gate, 'Truck check-in', :wes) RETURNING activity_id AS act \gset
INSERT INTO iso28000.control (org_id, code, title, control_type, nature, owner_id, sms_process_id)
     VALUES (:a, 'GATE-1', 'Seal check at the gate', 'detective', 'procedural', :cal, :gate) RETURNING control_id AS ctl \gset
RESET SESSION AUTHORIZATION;

SELECT ok(NOT bool_or(rolsuper), 'none of the actors is a superuser') FROM pg_roles WHERE rolname LIKE 'tap_rs_%';
\ir include/fields.sql
GRANT EXECUTE ON FUNCTION pg_temp.fields(text) TO PUBLIC;
CREATE TEMP TABLE chain (records bigint);
GRANT SELECT ON chain TO PUBLIC;
INSERT INTO chain VALUES (0);

-- 5. One helper says whether the current role has the extension owner's privileges.
SELECT is((SELECT format('%s %s %s %s', p.pronargs, p.prosecdef, p.provolatile, p.proconfig)
             FROM pg_proc p WHERE p.oid = 'iso28000._has_owner_privileges()'::regprocedure),
          '0 f s {"search_path=pg_catalog, pg_temp"}',
          '_has_owner_privileges() takes no argument, runs as the caller, and pins its search_path');
SELECT throws_ok($$SELECT iso28000._has_owner_privileges('tap_rs_bob')$$, '42883', NULL,
                 'it answers for the current role only: it cannot be asked about another role');
SELECT is(iso28000._has_owner_privileges(), true, 'the extension''s owner has its privileges');
-- the role that owns the extension (postgres, or whoever ran the tests' cluster)
SELECT format('GRANT %I TO tap_rs_loader', nspowner::regrole) FROM pg_namespace WHERE nspname = 'iso28000' \gexec
SET SESSION AUTHORIZATION tap_rs_loader;
SELECT is(iso28000._has_owner_privileges(), true, 'so has a member of the owner''s role (a loader)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_bob;
SELECT is(iso28000._has_owner_privileges(), false, 'a member of an organisation has not');
RESET SESSION AUTHORIZATION;
-- a schema of traps first in the path: a pg_has_role and an = that say yes
CREATE SCHEMA tap_rs_traps AUTHORIZATION tap_rs_trap;
SET SESSION AUTHORIZATION tap_rs_trap;
CREATE FUNCTION tap_rs_traps.pg_has_role(name, oid, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE FUNCTION tap_rs_traps.pg_has_role(name, name, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE FUNCTION tap_rs_traps.coalesce_trap(name, name) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR tap_rs_traps.= (LEFTARG = name, RIGHTARG = name, FUNCTION = tap_rs_traps.coalesce_trap);
GRANT USAGE ON SCHEMA tap_rs_traps TO PUBLIC;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_bob;
SET search_path = tap_rs_traps, pg_catalog, iso28000;
SELECT tap_rs_traps.pg_has_role('x', 'y', 'USAGE') AS trap_works, iso28000._has_owner_privileges() AS trapped \gset
RESET search_path;
RESET SESSION AUTHORIZATION;
SELECT is(:'trap_works' || ' ' || :'trapped', 't f', 'with trap functions and operators first in search_path the answer is still no');
SELECT is((SELECT count(*) FROM pg_proc p
            WHERE p.pronamespace = 'iso28000'::regnamespace AND p.prosrc LIKE '%nspowner%TG_TABLE_SCHEMA%'), 0::bigint,
          'no trigger function of the extension writes the owner check out itself any more');
SELECT is((SELECT string_agg(format('%s:%s', p.proname,
                                    (length(p.prosrc) - length(replace(p.prosrc, 'iso28000._has_owner_privileges()', '')))
                                    / length('iso28000._has_owner_privileges()')), ' ' ORDER BY p.proname)
             FROM pg_proc p WHERE p.pronamespace = 'iso28000'::regnamespace AND p.prosrc LIKE '%_has_owner_privileges()%'),
          'audit_actor_independent:1 audit_lead_auditor_acts:3 import_registers:1 nonconformity_audit_finding_linked:1 nonconformity_audit_independent:1',
          'the owner checks of the audit and nonconformity triggers (and the import, which mirrors one) call the helper');

-- A loader (the owner's privileges) still writes what the rules refuse to persons.
SET SESSION AUTHORIZATION tap_rs_loader;
SELECT lives_ok(format($$INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
                         VALUES (%s, 'Loaded audit', '{8}', %s, current_date - 10, current_date - 8)$$, :a, :ann),
                'a loader plans an audit');
SELECT lives_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement)
                         SELECT %s, audit_id, '8.1', 'conforming', 'Loaded finding' FROM iso28000.audit WHERE org_id = %s AND title = 'Loaded audit'$$, :a, :a),
                'and records a finding while acting for nobody (the IS154 check lets the owner''s privileges through)');
SELECT is((SELECT count(*) FROM iso28000.audit_finding WHERE org_id = :a AND statement = 'Loaded finding'), 1::bigint, 'the loaded finding is there');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_app2;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement)
                          SELECT %s, audit_id, '8.1', 'conforming', 'x' FROM iso28000.audit WHERE org_id = %s AND title = 'Loaded audit'$$, :a, :a),
                 'IS154', NULL, 'an application acting for nobody still may not (IS154)');
RESET SESSION AUTHORIZATION;

-- Ann plans the audit of Bob's gate process, with Tom on the team.
SET SESSION AUTHORIZATION tap_rs_ann;
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
     VALUES (:a, 'Gate audit', '{8}', :ann, current_date - 10, current_date - 8) RETURNING audit_id AS aud \gset
INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (:a, :aud, :gate) RETURNING auditee_id AS ae \gset
INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (:a, :aud, :tom) RETURNING team_member_id AS tm \gset
RESET SESSION AUTHORIZATION;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);

-- 2. Auditees and the team are written by a person, as findings are.
SET SESSION AUTHORIZATION tap_rs_app2;   -- delegated, but no act_as in this transaction
SELECT throws_ok(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :mia),
                 'IS158', NULL, 'an application acting for nobody cannot add an auditee (IS158)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :mia)),
          'IS158 iso28000.audit_auditee.audit_id', 'IS158 names audit_auditee and audit_id');
SELECT throws_like(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :mia),
                   format('iso28000.audit_auditee of organisation %s: an auditee of audit %s needs a person who adds it; the session acts for nobody', :a, :aud),
                   'the refusal names the table, the organisation and the audit');
SELECT throws_ok(format($$UPDATE iso28000.audit_auditee SET note = 'only the gate office' WHERE org_id = %s AND auditee_id = %s$$, :a, :ae),
                 'IS158', NULL, '...nor change one (IS158)');
SELECT throws_ok(format($$DELETE FROM iso28000.audit_auditee WHERE org_id = %s AND auditee_id = %s$$, :a, :ae),
                 'IS158', NULL, '...nor take the process out of the audit (IS158)');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :wes),
                 'IS158', NULL, '...nor put someone on the team (IS158)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :wes)),
          'IS158 iso28000.audit_team_member.audit_id', 'IS158 names audit_team_member and audit_id');
SELECT throws_ok(format($$UPDATE iso28000.audit_team_member SET role = 'observer' WHERE org_id = %s AND team_member_id = %s$$, :a, :tm),
                 'IS158', NULL, '...nor change a member''s role (IS158)');
SELECT throws_ok(format($$DELETE FROM iso28000.audit_team_member WHERE org_id = %s AND team_member_id = %s$$, :a, :tm),
                 'IS158', NULL, '...nor take an auditor off the team (IS158)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_ghost;  -- a role with no person
SELECT throws_ok(format($$DELETE FROM iso28000.audit_team_member WHERE org_id = %s AND team_member_id = %s$$, :a, :tm),
                 'IS158', NULL, 'a role with no person cannot take an auditor off the team (IS158)');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :mia),
                 'IS158', NULL, '...nor add an auditee (IS158)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT format('%s %s', (SELECT string_agg(coalesce(process_id::text, '-') || '/' || coalesce(person_id::text, '-') || '/' || coalesce(note, ''), ',')
                                      FROM iso28000.audit_auditee WHERE org_id = :a AND audit_id = :aud),
                                  (SELECT string_agg(person_id || ' ' || role, ',') FROM iso28000.audit_team_member WHERE org_id = :a AND audit_id = :aud))),
          format('%s/-/ %s auditor', :gate, :tom), 'the auditees and the team are as Ann planned them');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused statements added nothing to the chain');
SET SESSION AUTHORIZATION tap_rs_app;
SELECT iso28000.act_as(:a, :ann);
SELECT lives_ok(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :mia),
                'acting for Ann, the application adds an auditee');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT h.acting_person FROM iso28000.history h
            WHERE h.org_id = :a AND h.table_name = 'iso28000.audit_auditee' AND h.operation = 'INSERT'
            ORDER BY h.seq DESC LIMIT 1), :ann::bigint, 'the history names Ann as the person who added it');

-- 1. Nobody who works in an audited process sits on its audit's team or leads it.
SELECT is((SELECT string_agg(format('%s %s %s', person_id, works_through, record_name), ', ' ORDER BY works_through)
             FROM iso28000.sms_process_worker WHERE org_id = :a AND sms_process_id = :gate),
          format('%s activity Truck check-in, %s control GATE-1', :wes, :cal),
          'sms_process_worker: Wes works in the gate process through his activity, Cal through his control');
SET SESSION AUTHORIZATION tap_rs_ann;
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
     VALUES (:a, 'Third gate audit', '{8}', :ann, current_date - 3, current_date - 2) RETURNING audit_id AS aud3 \gset
INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (:a, :aud3, :gate);
RESET SESSION AUTHORIZATION;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET SESSION AUTHORIZATION tap_rs_ann;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud3, :wes),
                 'IS160', NULL, 'the owner of an activity of the audited process cannot sit on the team (IS160)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud3, :wes)),
          'IS160 iso28000.audit_team_member.person_id', 'IS160 names audit_team_member and person_id');
SELECT throws_like(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud3, :wes),
                   format('auditor independence violated in audit %s of organisation %s: an auditor works in a process it examines', :aud3, :a),
                   'the refusal names the audit and what is wrong');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id, role) VALUES (%s, %s, %s, 'technical_expert')$$, :a, :aud3, :cal),
                 'IS160', NULL, 'nor the owner of a control of it, in any role (IS160)');
SELECT throws_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :wes, :a, :aud3),
                 'IS160', NULL, 'nor can he be made its lead auditor (IS160)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :wes, :a, :aud3)),
          'IS160 iso28000.audit.lead_auditor_id', 'IS160 on the audit names lead_auditor_id');
SELECT lives_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud3, :tom),
                'Tom, who does not work in the gate process, joins the team');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_mgr;
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
     VALUES (:a, 'Fourth audit', '{8}', :wes, current_date - 1, current_date) RETURNING audit_id AS aud4 \gset
RESET SESSION AUTHORIZATION;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET SESSION AUTHORIZATION tap_rs_mgr;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (%s, %s, %s)$$, :a, :aud4, :gate),
                 'IS160', NULL, 'an audit led by Wes cannot be made to examine the process he works in (IS160)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (%s, %s, %s)$$, :a, :aud4, :gate)),
          'IS160 iso28000.audit_auditee.process_id', 'IS160 on an auditee names process_id');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_wes;
SELECT throws_like(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '8.1', 'conforming', 'All fine')$$, :a, :aud3),
                   '%not independent of audit%', 'who works in the audited process cannot record its findings either (IS152)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '8.1', 'conforming', 'All fine')$$, :a, :aud3)),
          'IS152 iso28000.audit_finding.audit_id', '...refused with IS152, as for the process owner');
RESET SESSION AUTHORIZATION;
SELECT is(iso28000.audit_person_conflict(:a, :aud3, :wes),
          format('Wes Worker works in process %s (Gate control): owns its activity %s (Truck check-in)', :gate, :act),
          'audit_person_conflict says why Wes is not independent of the audit');
SELECT is((SELECT format('%s|%s', (SELECT string_agg(person_id::text, ',') FROM iso28000.audit_team_member WHERE org_id = :a AND audit_id = :aud3),
                                 (SELECT string_agg(lead_auditor_id::text, ',' ORDER BY audit_id) FROM iso28000.audit WHERE org_id = :a AND audit_id IN (:aud3, :aud4)))),
          format('%s|%s,%s', :tom, :ann, :wes), 'the team of the third audit is Tom; its lead is still Ann');
SELECT is((SELECT count(*) FROM iso28000.audit_auditee WHERE org_id = :a AND audit_id = :aud4), 0::bigint, 'the fourth audit examines nothing');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused statements added nothing to the chain');
-- Tom takes over an activity of the gate process after joining the team:
-- refused when it is given (IS164, attack_audit_work.sql); left by an earlier
-- release (made here with the check off), fieldwork cannot start.
SET SESSION AUTHORIZATION tap_rs_mgr;
SELECT throws_ok(format($$INSERT INTO iso28000.activity (org_id, sms_process_id, name, owner_id) VALUES (%s, %s, 'Visitor passes', %s)$$, :a, :gate, :tom),
                 'IS164', NULL, 'an activity of the audited process is not given to an auditor of the planned audit (IS164)');
RESET SESSION AUTHORIZATION;
ALTER TABLE iso28000.activity DISABLE TRIGGER process_work_auditor_independent;
SET SESSION AUTHORIZATION tap_rs_mgr;
INSERT INTO iso28000.activity (org_id, sms_process_id, name, owner_id) VALUES (:a, :gate, 'Visitor passes', :tom) RETURNING activity_id AS act2 \gset
RESET SESSION AUTHORIZATION;
ALTER TABLE iso28000.activity ENABLE TRIGGER process_work_auditor_independent;
SET SESSION AUTHORIZATION tap_rs_ann;
SELECT throws_like(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 3 WHERE org_id = %s AND audit_id = %s$$, :a, :aud3),
                   '%auditors independent of the processes audited (Tom Teammate works in process%', 'the start guard names the auditor who works in the process (IS104)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_mgr;
UPDATE iso28000.activity SET active = false WHERE org_id = :a AND activity_id = :act2;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_ann;
SELECT lives_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 3 WHERE org_id = %s AND audit_id = %s$$, :a, :aud3),
                'once the activity is no longer performed, the lead auditor starts the fieldwork');
RESET SESSION AUTHORIZATION;

-- 3. Fieldwork is started by the lead auditor or a manager.
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET SESSION AUTHORIZATION tap_rs_tom;
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS159', NULL, 'an auditor of the team who is not its lead cannot start the fieldwork (IS159)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud)),
          'IS159 iso28000.audit.status', 'IS159 names the table and status');
SELECT throws_like(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                   format('audit %s of organisation %s: only its lead auditor (person %s) or a manager may start its fieldwork; the acting person is person %s', :aud, :a, :ann, :tom),
                   'the refusal names the audit, its lead auditor and who acted');
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10, lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud),
                 'IS159', NULL, '...nor by naming himself lead auditor in the same statement (IS159)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_bob;
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS159', NULL, 'nor can the owner of the audited process (IS159)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_app;
SELECT iso28000.act_as(:a, :tom);
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS159', NULL, 'nor an application acting for a team member (IS159)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_app2;
SELECT throws_like(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                   '%may start its fieldwork; the acting person is nobody%', 'nor an application acting for nobody (IS159)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status || ' ' || lead_auditor_id || ' ' || coalesce(started_on::text, '-') FROM iso28000.audit WHERE org_id = :a AND audit_id = :aud),
          'planned ' || :ann || ' -', 'the audit is still planned, led by Ann, not started');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused starts added nothing to the chain');
SET SESSION AUTHORIZATION tap_rs_app;
SELECT iso28000.act_as(:a, :ann);
SELECT lives_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                'acting for Ann, the lead auditor, the application starts the fieldwork');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_ann;
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
     VALUES (:a, 'Second gate audit', '{8}', :ann, current_date - 5, current_date - 4) RETURNING audit_id AS aud2 \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_mgr;
SELECT lives_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 5 WHERE org_id = %s AND audit_id = %s$$, :a, :aud2),
                'a manager may start the fieldwork of an audit he does not lead');
RESET SESSION AUTHORIZATION;

-- 3b. Nor by first naming oneself lead auditor of the planned audit.
SET SESSION AUTHORIZATION tap_rs_ann;
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
     VALUES (:a, 'Fifth audit', '{8}', :ann, current_date - 2, current_date - 1) RETURNING audit_id AS aud5 \gset
RESET SESSION AUTHORIZATION;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET SESSION AUTHORIZATION tap_rs_tom;
SELECT throws_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud5),
                 'IS163', NULL, 'a writer cannot name himself lead auditor of a planned audit led by someone else (IS163)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud5)),
          'IS163 iso28000.audit.lead_auditor_id', 'IS163 names the table and lead_auditor_id');
SELECT throws_like(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud5),
                   format('audit %s of organisation %s is planned: its lead auditor (person %s) changes only by his handing over or by a manager; the acting person is person %s', :aud5, :a, :ann, :tom),
                   'the refusal names the audit, its state, its lead and who acted');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_app2;
SELECT throws_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud5),
                 'IS163', NULL, 'nor a session acting for nobody (IS163)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT lead_auditor_id FROM iso28000.audit WHERE org_id = :a AND audit_id = :aud5), :ann::bigint, 'Ann still leads the fifth audit');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused changes added nothing to the chain');
SET SESSION AUTHORIZATION tap_rs_ann;
SELECT lives_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud5),
                'the lead auditor hands the planned audit over to Tom');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_mgr;
SELECT lives_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :ann, :a, :aud5),
                'a manager gives it back to Ann');
RESET SESSION AUTHORIZATION;

-- 4. The nonconformity an audit raised is verified and closed by people independent of that audit.
SET SESSION AUTHORIZATION tap_rs_ann;
INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, process_id)
     VALUES (:a, :aud, '8.1', 'minor_nc', 'Seals not logged at the gate', :gate) RETURNING nonconformity_id AS nc \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_bob;    -- the process owner deals with it, up to action_taken
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'Seals logged again from today' WHERE org_id = :a AND nonconformity_id = :nc;
UPDATE iso28000.nonconformity SET status = 'cause_analysed', root_cause = 'Log book removed in the new layout',
       analysis_method = 'five whys', similar_nonconformities = 'none' WHERE org_id = :a AND nonconformity_id = :nc;
INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on)
     VALUES (:a, :nc, 'Put the log book back', :bob, current_date + 10);
UPDATE iso28000.nonconformity SET status = 'action_planned' WHERE org_id = :a AND nonconformity_id = :nc;
UPDATE iso28000.corrective_action SET status = 'done', completed_on = current_date, evidence = 'Photo of the log book'
 WHERE org_id = :a AND nonconformity_id = :nc;
UPDATE iso28000.nonconformity SET status = 'action_taken' WHERE org_id = :a AND nonconformity_id = :nc;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc), 'action_taken',
          'the nonconformity the gate audit raised has its actions taken');
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET SESSION AUTHORIZATION tap_rs_wes;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'fine', verified_on = current_date
                          WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS161', NULL, 'who works in the audited process cannot verify it, though he owns none of its actions (IS161)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'fine', verified_on = current_date
                                 WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc)),
          'IS161 iso28000.nonconformity.verified_by', 'IS161 names nonconformity and verified_by');
SELECT throws_like(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'fine', verified_on = current_date
                            WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                   format('nonconformity %s of organisation %s was raised by finding %% of audit %s: only a person independent of that audit may verify it (Wes Worker works in process%%', :nc, :a, :aud),
                   'the refusal names the nonconformity, the audit and the conflict');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_mgr;    -- Mia is an auditee of the gate audit (section 2)
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'fine', verified_on = current_date
                          WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS161', NULL, 'nor can an auditee of the audit, a manager though she is (IS161)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_app;
SELECT iso28000.act_as(:a, :bob);
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'fine', verified_on = current_date
                          WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS161', NULL, 'nor an application acting for the process owner (IS161)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_app2;
SELECT throws_like(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'fine', verified_on = current_date
                            WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                   '%may verify it (no verifier: the session acts for no person)', 'nor a session acting for nobody (IS161)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status || ' ' || coalesce(verified_by::text, '-') FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc),
          'action_taken -', 'the nonconformity is not verified');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused verifications added nothing to the chain');
SET SESSION AUTHORIZATION tap_rs_tom;
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'Sampled a week of the log', verified_on = current_date
                         WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                'an auditor of the audit verifies the actions taken on its finding');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT verified_by FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc), :tom::bigint, 'Tom is its verifier');
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET SESSION AUTHORIZATION tap_rs_bob;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = false WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS162', NULL, 'the owner of the audited process cannot close it (IS162)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = false WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc)),
          'IS162 iso28000.nonconformity.status', 'IS162 names nonconformity and status');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_wes;
SELECT throws_like(format($$UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = false WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                   format('nonconformity %s of organisation %s was raised by finding %% of audit %s: only a person independent of that audit may close it (Wes Worker works in process%%', :nc, :a, :aud),
                   'nor can who works in it (IS162)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_rs_app2;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = false WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS162', NULL, 'nor a session acting for nobody (IS162)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc), 'verified', 'the nonconformity stays verified');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused closures added nothing to the chain');
SET SESSION AUTHORIZATION tap_rs_ann;
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = false WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                'the lead auditor closes it');
RESET SESSION AUTHORIZATION;

SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'the organisation''s chain verifies');

SELECT * FROM finish();
ROLLBACK;
