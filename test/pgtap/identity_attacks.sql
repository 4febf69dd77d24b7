-- Issue 11, attacks 4a-4d and 5 (first half), as non-superuser roles: each
-- refusal with its SQLSTATE, and that nothing changed (no role gained an
-- authority, no mapping moved, the attribution of earlier changes stayed, the
-- record stayed in its state with its stamps).  Segregation of duties compares
-- acting persons (src/actor.c), never a person the client names.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(44);

CREATE ROLE tap_ia_mgr NOLOGIN;     -- manager of A
CREATE ROLE tap_ia_dir NOLOGIN;     -- the managing director, manage
CREATE ROLE tap_ia_wes NOLOGIN;     -- a writer (the attacker)
CREATE ROLE tap_ia_aud NOLOGIN;     -- an auditor who owns a corrective action
CREATE ROLE tap_ia_ind NOLOGIN;     -- an independent auditor
CREATE ROLE tap_ia_ghost NOLOGIN;   -- a second login of the writer, with no person
SELECT iso28000.create_organization('IA', 'Identity attacks', 'tap_ia_mgr') AS a \gset

SET SESSION AUTHORIZATION tap_ia_mgr;
SELECT iso28000.grant_access(:a, 'tap_ia_dir', 'manage');
SELECT iso28000.grant_access(:a, 'tap_ia_wes', 'write');
SELECT iso28000.grant_access(:a, 'tap_ia_ghost', 'write');
SELECT iso28000.grant_access(:a, 'tap_ia_aud', 'audit');
SELECT iso28000.grant_access(:a, 'tap_ia_ind', 'audit');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Dora Director', 'tap_ia_dir') RETURNING person_id AS dora \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wes Writer', 'tap_ia_wes') RETURNING person_id AS wes \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Aud Owner', 'tap_ia_aud') RETURNING person_id AS aud \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Ida Independent', 'tap_ia_ind') RETURNING person_id AS ind \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Nola No-login') RETURNING person_id AS nola \gset
INSERT INTO iso28000.sms_role (org_id, name, responsibilities, may_accept_risks)
     VALUES (:a, 'Board', 'Accepts any risk', true) RETURNING sms_role_id AS board \gset
INSERT INTO iso28000.sms_role (org_id, name, responsibilities)
     VALUES (:a, 'Clerk', 'Keeps the registers') RETURNING sms_role_id AS clerk \gset
INSERT INTO iso28000.role_assignment (org_id, sms_role_id, person_id, assigned_on) VALUES (:a, :board, :dora, current_date - 10);
RESET SESSION AUTHORIZATION;

SELECT ok(NOT bool_or(rolsuper), 'none of the attackers is a superuser')
  FROM pg_roles WHERE rolname LIKE 'tap_ia_%';

-- 4a: the authority to accept risks -------------------------------------
SET SESSION AUTHORIZATION tap_ia_wes;
SELECT throws_ok(format('INSERT INTO iso28000.role_assignment (org_id, sms_role_id, person_id) VALUES (%s, %s, %s)', :a, :board, :wes),
                 'IS022', NULL, '4a: a writer cannot assign himself the board''s role (IS022)');
SELECT throws_ok(format('UPDATE iso28000.sms_role SET may_accept_risks = true WHERE org_id = %s AND sms_role_id = %s', :a, :clerk),
                 'IS022', NULL, '4a variant: a writer cannot give a role he may hold the authority (IS022)');
SELECT throws_ok(format($$INSERT INTO iso28000.sms_role (org_id, name, responsibilities, may_accept_risks) VALUES (%s, 'Shadow board', 'x', true)$$, :a),
                 'IS022', NULL, '4a variant: a writer cannot create a role with the authority (IS022)');
SELECT throws_ok(format('UPDATE iso28000.role_assignment SET person_id = %s WHERE org_id = %s AND sms_role_id = %s', :wes, :a, :board),
                 'IS022', NULL, '4a variant: a writer cannot move the board''s assignment to himself (IS022)');
SELECT lives_ok(format('INSERT INTO iso28000.role_assignment (org_id, sms_role_id, person_id) VALUES (%s, %s, %s)', :a, :clerk, :wes),
                'a role without an authority is still a writer''s business');
INSERT INTO iso28000.risk (org_id, reference, title, threat, status, inherent_rating, owner_id, assessed_on,
                           treatment, review_on)
     VALUES (:a, 'R-1', 'Cargo theft', 'Crime', 'identified', 'L9C9', :wes, current_date, 'accept', current_date + 90)
  RETURNING risk_id AS r1 \gset
UPDATE iso28000.risk SET status = 'assessed' WHERE org_id = :a AND risk_id = :r1;
SELECT throws_ok(format($$UPDATE iso28000.risk SET status = 'accepted', accepted_by = %s, accepted_on = current_date
                           WHERE org_id = %s AND risk_id = %s$$, :dora, :a, :r1),
                 'IS120', NULL, '4a: a writer cannot record the board member as the acceptor (IS120)');
SELECT throws_ok(format($$UPDATE iso28000.risk SET status = 'accepted', accepted_on = current_date
                           WHERE org_id = %s AND risk_id = %s$$, :a, :r1),
                 'IS104', NULL, '4a: accepting as himself, the writer lacks the authority (IS104)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM iso28000.role_assignment WHERE org_id = :a AND sms_role_id = :board), 1,
          '4a: the board''s role is still held by one person ...');
SELECT ok(NOT iso28000.may_accept_risk(:a, :wes, 'L9C9') AND iso28000.may_accept_risk(:a, :dora, 'L9C9'),
          '... the director, and the writer gained no authority');
SELECT is((SELECT status || '/' || coalesce(accepted_by::text, '-') FROM iso28000.risk WHERE org_id = :a AND risk_id = :r1),
          'assessed/-', '4a: the risk is not accepted');
SET SESSION AUTHORIZATION tap_ia_dir;
SELECT lives_ok(format($$UPDATE iso28000.risk SET status = 'accepted', accepted_on = current_date
                          WHERE org_id = %s AND risk_id = %s$$, :a, :r1),
                'the director accepts the risk as herself');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT accepted_by FROM iso28000.risk WHERE org_id = :a AND risk_id = :r1), :'dora'::bigint,
          'accepted_by is stamped with the acting person');

-- 4b: document approval vs author -----------------------------------------
SET SESSION AUTHORIZATION tap_ia_wes;
INSERT INTO iso28000.document (org_id, code, title, doc_type, owner_id)
     VALUES (:a, 'DOC-1', 'Gate procedure', 'procedure', :wes) RETURNING document_id AS doc \gset
INSERT INTO iso28000.document_version (org_id, document_id, version_label, author_id, approver_id)
     VALUES (:a, :doc, '1', :wes, :dora) RETURNING document_version_id AS v1 \gset
UPDATE iso28000.document_version SET status = 'in_review' WHERE org_id = :a AND document_version_id = :v1;
SELECT throws_ok(format('UPDATE iso28000.person SET db_role = NULL WHERE org_id = %s AND person_id = %s', :a, :wes),
                 'IS022', NULL, '4b: the author cannot unlink his own db_role (IS022)');
SELECT throws_ok(format($$UPDATE iso28000.document_version SET status = 'approved', approved_on = current_date
                           WHERE org_id = %s AND document_version_id = %s$$, :a, :v1),
                 'IS104', NULL, '4b: the author cannot approve in the approver''s name (IS104)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ia_ghost;
SELECT throws_ok(format($$UPDATE iso28000.document_version SET status = 'approved', approved_on = current_date
                           WHERE org_id = %s AND document_version_id = %s$$, :a, :v1),
                 'IS104', NULL, '4b variant: a login with no person cannot approve for the named approver (IS104)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT db_role::text FROM iso28000.person WHERE org_id = :a AND person_id = :wes), 'tap_ia_wes',
          '4b: the author''s db_role did not change');
SELECT is((SELECT status FROM iso28000.document_version WHERE org_id = :a AND document_version_id = :v1), 'in_review',
          '4b: the version is not approved');
SET SESSION AUTHORIZATION tap_ia_dir;
SELECT lives_ok(format($$UPDATE iso28000.document_version SET status = 'approved', approved_on = current_date
                          WHERE org_id = %s AND document_version_id = %s$$, :a, :v1),
                'the named approver approves as herself');
RESET SESSION AUTHORIZATION;

-- 4c: attribution ------------------------------------------------------------
SELECT is((SELECT array_agg(DISTINCT actor_person) FROM iso28000.workflow_event
            WHERE org_id = :a AND actor = 'tap_ia_wes'), ARRAY[:wes]::bigint[],
          'before: the writer''s events name the writer');
SELECT is((SELECT array_agg(DISTINCT person_id) FROM iso28000.history_log WHERE org_id = :a AND acting_role = 'tap_ia_wes'),
          ARRAY[:wes]::bigint[], 'before: the history names the writer as the person of his changes');
SET SESSION AUTHORIZATION tap_ia_wes;
SELECT throws_ok(format($$UPDATE iso28000.person SET db_role = 'tap_ia_wes' WHERE org_id = %s AND person_id = %s$$, :a, :dora),
                 'IS022', NULL, '4c: a writer cannot set the director''s db_role to his own role (IS022)');
SELECT throws_ok(format($$INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (%s, 'Dora Director', 'tap_ia_ghost')$$, :a),
                 'IS022', NULL, '4c variant: a writer cannot create a person linked to a login (IS022)');
SELECT throws_ok(format('UPDATE iso28000.person SET active = false WHERE org_id = %s AND person_id = %s', :a, :dora),
                 'IS022', NULL, '4c variant: a writer cannot deactivate the director (IS022)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT db_role::text FROM iso28000.person WHERE org_id = :a AND person_id = :dora), 'tap_ia_dir',
          '4c: the director''s db_role did not change');
-- A manager's legitimate change of a mapping does not rewrite past attribution.
SET SESSION AUTHORIZATION tap_ia_mgr;
SELECT lives_ok(format('UPDATE iso28000.person SET db_role = NULL WHERE org_id = %s AND person_id = %s', :a, :wes),
                'a manager unlinks the writer''s role');
SELECT lives_ok(format($$UPDATE iso28000.person SET db_role = 'tap_ia_wes' WHERE org_id = %s AND person_id = %s$$, :a, :nola),
                'and links it to another person');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT array_agg(DISTINCT actor_person) FROM iso28000.workflow_event
            WHERE org_id = :a AND actor = 'tap_ia_wes'), ARRAY[:wes]::bigint[],
          '4c: the writer''s earlier events still name the writer (recorded at write time)');
SELECT is((SELECT array_agg(DISTINCT person_id) FROM iso28000.history_log
            WHERE org_id = :a AND acting_role = 'tap_ia_wes' AND table_name <> 'iso28000.person'),
          ARRAY[:wes]::bigint[], '4c: history_log still names the writer for his earlier changes (history.acting_person)');
SET SESSION AUTHORIZATION tap_ia_mgr;
SELECT iso28000.grant_access(:a, 'tap_ia_wes', 'write');
UPDATE iso28000.person SET db_role = NULL WHERE org_id = :a AND person_id = :nola;
UPDATE iso28000.person SET db_role = 'tap_ia_wes' WHERE org_id = :a AND person_id = :wes;
RESET SESSION AUTHORIZATION;

-- 4d: verification independence -------------------------------------------
SET SESSION AUTHORIZATION tap_ia_wes;
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'Gate left open', 'minor')
  RETURNING nonconformity_id AS nc \gset
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'closed the gate' WHERE org_id = :a AND nonconformity_id = :nc;
UPDATE iso28000.nonconformity SET status = 'cause_analysed', root_cause = 'no check', analysis_method = '5 whys',
       similar_nonconformities = 'none' WHERE org_id = :a AND nonconformity_id = :nc;
INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on, completed_on, evidence)
     VALUES (:a, :nc, 'gate check at shift change', :aud, current_date + 5, current_date, 'checklist');
UPDATE iso28000.corrective_action SET status = 'done' WHERE org_id = :a AND nonconformity_id = :nc;
UPDATE iso28000.nonconformity SET status = 'action_planned' WHERE org_id = :a AND nonconformity_id = :nc;
UPDATE iso28000.nonconformity SET status = 'action_taken' WHERE org_id = :a AND nonconformity_id = :nc;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ia_aud;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'effective',
                                  verified_by = %s, verified_on = current_date WHERE org_id = %s AND nonconformity_id = %s$$, :ind, :a, :nc),
                 'IS120', NULL, '4d: the owner of the corrective action cannot verify in someone else''s name (IS120)');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'effective',
                                  verified_by = %s, verified_on = current_date WHERE org_id = %s AND nonconformity_id = %s$$, :nola, :a, :nc),
                 'IS120', NULL, '4d variant: nor in the name of a person with no login (IS120)');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'effective',
                                  verified_on = current_date WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS104', NULL, '4d: verifying as himself, the owner is not independent (IS104)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status || '/' || coalesce(verified_by::text, '-') FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc),
          'action_taken/-', '4d: the nonconformity is not verified and names no verifier');
SET SESSION AUTHORIZATION tap_ia_ind;
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', effectiveness_review = 'effective',
                                 verified_on = current_date WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                'an independent auditor verifies');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT verified_by FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc), :'ind'::bigint,
          'verified_by is stamped with the acting person');
SET SESSION AUTHORIZATION tap_ia_aud;
SELECT throws_ok(format('UPDATE iso28000.nonconformity SET verified_by = %s WHERE org_id = %s AND nonconformity_id = %s', :aud, :a, :nc),
                 'IS121', NULL, '4d variant: the verifier cannot be rewritten while the record stays verified (IS121)');
RESET SESSION AUTHORIZATION;

-- 5 (first half): status stamps -------------------------------------------
SELECT status_changed_by::text AS by_before, status_changed_at AS at_before
  FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc \gset
SET SESSION AUTHORIZATION tap_ia_wes;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status_changed_by = 'tap_ia_dir' WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS121', NULL, '5: an UPDATE that keeps the status cannot set status_changed_by (IS121)');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status_changed_at = '2001-01-01' WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS121', NULL, '5: nor status_changed_at (IS121)');
SELECT throws_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity, status_changed_by) VALUES (%s, 'forged', 'minor', 'tap_ia_dir')$$, :a),
                 'IS120', NULL, '5 variant: a new record cannot carry a forged status_changed_by (IS120)');
SELECT throws_ok(format($$UPDATE iso28000.corrective_action SET status = 'in_progress', status_changed_at = '2001-01-01'
                           WHERE org_id = %s AND nonconformity_id = %s$$, :a, :nc),
                 'IS150', NULL, '(a frozen corrective action stays frozen first)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status_changed_by::text || '@' || status_changed_at FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc),
          :'by_before' || '@' || :'at_before', '5: the stamps did not change');
SELECT is((SELECT status_changed_by::text FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc), 'tap_ia_ind',
          'the stamp names the role that made the last transition');

-- The acting person is one netstring after prev_hash, present only with a person:
-- without one, a record serialises as in 0.1.0 (doc/history.md).
SELECT is(iso28000.history_canonical(1, 1, '2026-01-01 00:00+00', 'a', 'b', 7, 't', 'INSERT', NULL, NULL, NULL,
                                     decode(repeat('00', 32), 'hex'), 42),
          iso28000.history_canonical(1, 1, '2026-01-01 00:00+00', 'a', 'b', 7, 't', 'INSERT', NULL, NULL, NULL,
                                     decode(repeat('00', 32), 'hex')) || '2:42,',
          'the acting person is appended to the 0.1.0 serialisation as one field');
-- The chain of the organisation still verifies.
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'the history chain verifies');

SELECT * FROM finish();
ROLLBACK;
