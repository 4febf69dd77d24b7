-- The internal-audit trust rules on a cluster (ISO 28000 9.2.2, 10.2;
-- sql/clauses/clause09_2_internal_audit.sql, the trigger
-- nonconformity_audit_independent of clause10_improvement.sql): the triggers
-- run on the worker that holds the organisation's shards, call the acting
-- person and the independence checks there, and must refuse exactly as on one
-- node (test/pgtap/attack_audit_residuals.sql): each refusal with its SQLSTATE
-- and its table and column, nothing written, the chain unchanged.  As
-- non-superuser roles with LOGIN (Citus connects to the workers as the
-- current role), their own logins and a delegated application acting for
-- them with act_as().
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(48);

CREATE ROLE citus_au_mgr LOGIN;     -- manager of the organisation (a person)
CREATE ROLE citus_au_ann LOGIN;     -- the lead auditor, audit
CREATE ROLE citus_au_tom LOGIN;     -- an auditor, audit
CREATE ROLE citus_au_bob LOGIN;     -- owns the gate process, audit
CREATE ROLE citus_au_wes LOGIN;     -- works in the gate process (owns an activity of it), audit
CREATE ROLE citus_au_app LOGIN;     -- a delegated application, audit
CREATE ROLE citus_au_app2 LOGIN;    -- a delegated application, audit, that never calls act_as
CREATE ROLE citus_au_ghost LOGIN;   -- audit, with no person
SELECT iso28000.create_organization('CAU', 'Cluster audit rules', 'citus_au_mgr') AS a \gset

SET ROLE citus_au_mgr;
SELECT iso28000.grant_access(:a, 'citus_au_ann', 'audit');
SELECT iso28000.grant_access(:a, 'citus_au_tom', 'audit');
SELECT iso28000.grant_access(:a, 'citus_au_bob', 'audit');
SELECT iso28000.grant_access(:a, 'citus_au_wes', 'audit');
SELECT iso28000.grant_access(:a, 'citus_au_app', 'audit');
SELECT iso28000.grant_delegation(:a, 'citus_au_app', 'test application');
SELECT iso28000.grant_access(:a, 'citus_au_app2', 'audit');
SELECT iso28000.grant_delegation(:a, 'citus_au_app2', 'second application');
SELECT iso28000.grant_access(:a, 'citus_au_ghost', 'audit');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Mia Manager', 'citus_au_mgr') RETURNING person_id AS mia \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Ann Auditor', 'citus_au_ann') RETURNING person_id AS ann \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Tom Teammate', 'citus_au_tom') RETURNING person_id AS tom \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Bob Owner', 'citus_au_bob') RETURNING person_id AS bob \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wes Worker', 'citus_au_wes') RETURNING person_id AS wes \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (:a, 'Gate control', :bob) RETURNING sms_process_id AS gate \gset
INSERT INTO iso28000.activity (org_id, sms_process_id, name, owner_id) VALUES (:a, :gate, 'Truck check-in', :wes) RETURNING activity_id AS act \gset
RESET ROLE;

SELECT ok(NOT bool_or(rolsuper), 'none of the actors is a superuser') FROM pg_roles WHERE rolname LIKE 'citus_au_%';
SELECT ok((SELECT groupid FROM pg_dist_placement WHERE shardid = get_shard_id_for_distribution_column('iso28000.audit', :a))
          <> (SELECT groupid FROM pg_dist_node WHERE nodeport = current_setting('port')::int),
          'the organisation''s audits are on a worker, not on the coordinator');
SET client_min_messages = error;   -- Citus notes that a temporary function stays local
\ir ../pgtap/include/fields.sql
SET client_min_messages = warning;
GRANT EXECUTE ON FUNCTION pg_temp.fields(text) TO PUBLIC;
CREATE TEMP TABLE chain (records bigint);
GRANT SELECT ON chain TO PUBLIC;
INSERT INTO chain VALUES (0);

-- Ann plans the audit of Bob's gate process, with Tom on the team.
SET ROLE citus_au_ann;
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
     VALUES (:a, 'Gate audit', '{8}', :ann, current_date - 10, current_date - 8) RETURNING audit_id AS aud \gset
INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (:a, :aud, :gate) RETURNING auditee_id AS ae \gset
INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (:a, :aud, :tom) RETURNING team_member_id AS tm \gset
RESET ROLE;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);

-- IS154, IS158: findings, auditees and the team are written by a person.
SET ROLE citus_au_app2;   -- delegated, but no act_as in this transaction
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '8.1', 'conforming', 'x')$$, :a, :aud),
                 'IS154', NULL, 'an application acting for nobody cannot record a finding on the worker (IS154)');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :mia),
                 'IS158', NULL, 'nor add an auditee (IS158)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :mia)),
          'IS158 ..', 'through the coordinator the refusal has no schema, table or column: Citus passes on only the SQLSTATE, message, detail, hint and context of a worker''s error');
SELECT throws_like(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :mia),
                   format('iso28000.audit_auditee of organisation %s: an auditee of audit %s needs a person who adds it; the session acts for nobody', :a, :aud),
                   'the refusal names the table (not the shard), the organisation and the audit');
SELECT throws_ok(format($$DELETE FROM iso28000.audit_auditee WHERE org_id = %s AND auditee_id = %s$$, :a, :ae),
                 'IS158', NULL, 'nor take the process out of the audit (IS158)');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :wes),
                 'IS158', NULL, 'nor put someone on the team (IS158)');
SELECT throws_ok(format($$UPDATE iso28000.audit_team_member SET role = 'observer' WHERE org_id = %s AND team_member_id = %s$$, :a, :tm),
                 'IS158', NULL, 'nor change a member''s role (IS158)');
RESET ROLE;
SET ROLE citus_au_ghost;  -- a role with no person
SELECT throws_ok(format($$DELETE FROM iso28000.audit_team_member WHERE org_id = %s AND team_member_id = %s$$, :a, :tm),
                 'IS158', NULL, 'a role with no person cannot take an auditor off the team (IS158)');
RESET ROLE;
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused statements added nothing to the chain');
SET ROLE citus_au_app;
BEGIN;
SELECT iso28000.act_as(:a, :ann);
SELECT lives_ok(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud, :mia),
                'acting for Ann through act_as(), the application adds an auditee on the worker');
COMMIT;
RESET ROLE;

-- IS160: nobody who works in an audited process sits on its team or leads it.
SET ROLE citus_au_ann;
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
     VALUES (:a, 'Third gate audit', '{8}', :ann, current_date - 3, current_date - 2) RETURNING audit_id AS aud3 \gset
INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (:a, :aud3, :gate);
RESET ROLE;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET ROLE citus_au_ann;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud3, :wes),
                 'IS160', NULL, 'the owner of an activity of the audited process cannot sit on the team (IS160)');
SELECT throws_like(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud3, :wes),
                   format('auditor independence violated in audit %s of organisation %s: an auditor works in a process it examines', :aud3, :a),
                   'the refusal names the audit and what is wrong');
SELECT throws_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :wes, :a, :aud3),
                 'IS160', NULL, 'nor can he be made its lead auditor (IS160)');
SELECT lives_ok(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :a, :aud3, :tom),
                'Tom, who does not work in the gate process, joins the team');
RESET ROLE;
SET ROLE citus_au_wes;
SELECT throws_like(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '8.1', 'conforming', 'All fine')$$, :a, :aud3),
                   format('iso28000.audit_finding of organisation %s: the acting person %s is not independent of audit %s', :a, :wes, :aud3),
                   'who works in the audited process cannot record its findings (IS152, the table named, not the shard)');
RESET ROLE;
SELECT string_agg(person_id::text, ',') AS team3 FROM iso28000.audit_team_member WHERE org_id = :a AND audit_id = :aud3 \gset
SELECT is(:'team3'::text, :tom::text, 'the team of the third audit is Tom alone');

-- IS159: fieldwork is started by the lead auditor or a manager.
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET ROLE citus_au_tom;
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS159', NULL, 'an auditor of the team who is not its lead cannot start the fieldwork (IS159)');
SELECT throws_like(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                   format('audit %s of organisation %s: only its lead auditor (person %s) or a manager may start its fieldwork; the acting person is person %s', :aud, :a, :ann, :tom),
                   'the refusal names the audit, its lead auditor and who acted');
RESET ROLE;
SET ROLE citus_au_app;
BEGIN;
SELECT iso28000.act_as(:a, :tom);
SELECT throws_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                 'IS159', NULL, 'nor an application acting for a team member (IS159)');
ROLLBACK;
RESET ROLE;
SET ROLE citus_au_app2;
SELECT throws_like(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                   '%may start its fieldwork; the acting person is nobody%', 'nor an application acting for nobody (IS159)');
RESET ROLE;
SELECT status || ' ' || lead_auditor_id AS st FROM iso28000.audit WHERE org_id = :a AND audit_id = :aud \gset
SELECT is(:'st'::text, 'planned ' || :ann, 'the audit is still planned, led by Ann');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused starts added nothing to the chain');
SET ROLE citus_au_app;
BEGIN;
SELECT iso28000.act_as(:a, :ann);
SELECT lives_ok(format($$UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date - 10 WHERE org_id = %s AND audit_id = %s$$, :a, :aud),
                'acting for Ann, the lead auditor, the application starts the fieldwork');
COMMIT;
RESET ROLE;

-- IS163: nobody names himself lead auditor of a planned audit.
SET ROLE citus_au_ann;
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
     VALUES (:a, 'Fifth audit', '{8}', :ann, current_date - 2, current_date - 1) RETURNING audit_id AS aud5 \gset
RESET ROLE;
SET ROLE citus_au_tom;
SELECT throws_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud5),
                 'IS163', NULL, 'a writer cannot name himself lead auditor of a planned audit led by someone else (IS163)');
SELECT throws_like(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud5),
                   format('audit %s of organisation %s is planned: its lead auditor (person %s) changes only by his handing over or by a manager; the acting person is person %s', :aud5, :a, :ann, :tom),
                   'the refusal names the audit, its state, its lead and who acted');
RESET ROLE;
SET ROLE citus_au_app2;
SELECT throws_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud5),
                 'IS163', NULL, 'nor a session acting for nobody (IS163)');
RESET ROLE;
SELECT lead_auditor_id AS lead5 FROM iso28000.audit WHERE org_id = :a AND audit_id = :aud5 \gset
SELECT is(:'lead5'::text, :ann::text, 'Ann still leads the fifth audit');
SET ROLE citus_au_ann;
SELECT lives_ok(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE org_id = %s AND audit_id = %s$$, :tom, :a, :aud5),
                'the lead auditor hands the planned audit over to Tom');
RESET ROLE;

-- IS161, IS162 (nonconformity_audit_independent): the nonconformity an audit
-- raised is verified and closed by people independent of that audit.
SET ROLE citus_au_ann;
INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, process_id)
     VALUES (:a, :aud, '8.1', 'minor_nc', 'Seals not logged at the gate', :gate) RETURNING nonconformity_id AS nc \gset
RESET ROLE;
SELECT isnt(:'nc'::text, ''::text, 'the finding raised its nonconformity on the worker');
-- IS168 (audit_finding_keeps_nonconformity, 162f84a): a second finding
-- linking the same nonconformity is refused on the worker by the trigger,
-- which takes the nonconformity's row FOR NO KEY UPDATE through the shard
-- before its check, ahead of the unique constraint
-- audit_finding_one_per_nonconformity (23505).
SET ROLE citus_au_ann;
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, nonconformity_id)
                          VALUES (%s, %s, '8.2', 'conforming', 'Same seals again', %s)$$, :a, :aud, :nc),
                 'IS168', NULL, 'a second finding linking the same nonconformity is refused on the worker (IS168, not 23505)');
SELECT throws_like(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, nonconformity_id)
                            VALUES (%s, %s, '8.2', 'conforming', 'Same seals again', %s)$$, :a, :aud, :nc),
                   format('finding %% of audit %s (organisation %s) cannot be linked to nonconformity %s: finding %% links it already', :aud, :a, :nc),
                   'the refusal names the audit, the nonconformity and the finding that links it');
RESET ROLE;
SELECT count(*) AS links FROM iso28000.audit_finding WHERE org_id = :a AND nonconformity_id = :nc \gset
SELECT is(:links::bigint, 1::bigint, 'one finding links the nonconformity');
SET ROLE citus_au_bob;    -- the process owner deals with it, up to action_taken
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'Seals logged again from today' WHERE org_id = :a AND nonconformity_id = :nc;
UPDATE iso28000.nonconformity SET status = 'cause_analysed', root_cause = 'Log book removed in the new layout',
       analysis_method = 'five whys', similar_nonconformities = 'none' WHERE org_id = :a AND nonconformity_id = :nc;
INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on)
     VALUES (:a, :nc, 'Put the log book back', :bob, current_date + 10);
UPDATE iso28000.nonconformity SET status = 'action_planned' WHERE org_id = :a AND nonconformity_id = :nc;
UPDATE iso28000.corrective_action SET status = 'done', completed_on = current_date, evidence = 'Photo of the log book'
 WHERE org_id = :a AND nonconformity_id = :nc;
UPDATE iso28000.nonconformity SET status = 'action_taken' WHERE org_id = :a AND nonconformity_id = :nc;
RESET ROLE;
SELECT status AS ncst FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc \gset
SELECT is(:'ncst'::text, 'action_taken', 'the nonconformity the gate audit raised has its actions taken');
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET ROLE citus_au_wes;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'fine', verified_on = current_date
                          WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS161', NULL, 'who works in the audited process cannot verify it (IS161)');
SELECT throws_like(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'fine', verified_on = current_date
                            WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                   format('nonconformity %s of organisation %s was raised by finding %% of audit %s: only a person independent of that audit may verify it (Wes Worker works in process%%', :nc, :a, :aud),
                   'the refusal names the nonconformity, the audit and the conflict');
RESET ROLE;
SET ROLE citus_au_app;
BEGIN;
SELECT iso28000.act_as(:a, :bob);
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'fine', verified_on = current_date
                          WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS161', NULL, 'nor an application acting for the process owner (IS161)');
ROLLBACK;
RESET ROLE;
SET ROLE citus_au_app2;
SELECT throws_like(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'fine', verified_on = current_date
                            WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                   '%may verify it (no verifier: the session acts for no person)', 'nor a session acting for nobody (IS161)');
RESET ROLE;
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused verifications added nothing to the chain');
SET ROLE citus_au_tom;
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'Sampled a week of the log', verified_on = current_date
                         WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                'an auditor of the audit verifies the actions taken on its finding');
RESET ROLE;
UPDATE chain SET records = (SELECT count(*) FROM iso28000.history WHERE org_id = :a);
SET ROLE citus_au_bob;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = false WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS162', NULL, 'the owner of the audited process cannot close it (IS162)');
SELECT throws_like(format($$UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = false WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                   format('nonconformity %s of organisation %s was raised by finding %% of audit %s: only a person independent of that audit may close it (Bob Owner owns process%%', :nc, :a, :aud),
                   'the refusal names the nonconformity, the audit and the conflict');
RESET ROLE;
SET ROLE citus_au_app2;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = false WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS162', NULL, 'nor a session acting for nobody (IS162)');
RESET ROLE;
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM chain),
          'the refused closures added nothing to the chain');
SET ROLE citus_au_ann;
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = false WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                'the lead auditor closes it');
RESET ROLE;

SELECT status AS ncst FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc \gset
SELECT is(:'ncst'::text, 'closed', 'the nonconformity is closed by the lead auditor');
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'the organisation''s chain verifies');
SELECT * FROM finish();
