-- The authority to approve a provider exception (ISO 28000 8.1) is the
-- acting person's, not the level of the role that acts for them.
--
-- provider_exception_approval_guard accepted level manage of the current
-- role as the approver's authority.  Through a delegated application
-- (grant_delegation, act_as) the current role is the application's: an
-- application granted manage made every person it acts for an approver, so a
-- clerk with no authority approved through it.  Now level manage counts only
-- when the person acts through their own login (person.db_role is the
-- current role); through an application only an SMS role with
-- may_approve_provider_exceptions counts.  As non-superuser roles: IS524,
-- nothing written, the chain verifies; the person's own login and the SMS
-- role still approve.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(14);

CREATE ROLE tap_pe_mgr NOLOGIN;   -- manager of A
CREATE ROLE tap_pe_max NOLOGIN;   -- Max's own login, manage
CREATE ROLE tap_pe_app NOLOGIN;   -- a delegated application, manage
SELECT iso28000.create_organization('PE', 'Provider exceptions', 'tap_pe_mgr') AS a \gset

SET SESSION AUTHORIZATION tap_pe_mgr;
SELECT iso28000.grant_access(:a, 'tap_pe_max', 'manage');
SELECT iso28000.grant_access(:a, 'tap_pe_app', 'manage');
SELECT iso28000.grant_delegation(:a, 'tap_pe_app', 'intranet with administration');
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Ria Requester') RETURNING person_id AS ria \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Cleo Clerk') RETURNING person_id AS cleo \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Ada Lead') RETURNING person_id AS ada \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Max Manager', 'tap_pe_max') RETURNING person_id AS max \gset
INSERT INTO iso28000.sms_role (org_id, name, responsibilities, may_approve_provider_exceptions)
     VALUES (:a, 'Supply-chain security lead', 'Approves provider exceptions', true) RETURNING sms_role_id AS lead \gset
INSERT INTO iso28000.role_assignment (org_id, sms_role_id, person_id, assigned_on) VALUES (:a, :lead, :ada, current_date - 1);
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, active)
     VALUES (:a, 'SEA', 'Sea carrier', 'carrier', true, false) RETURNING node_id AS sea \gset
RESET SESSION AUTHORIZATION;

SELECT ok(NOT bool_or(rolsuper), 'none of the actors is a superuser') FROM pg_roles WHERE rolname LIKE 'tap_pe_%';

-- Ria requests two exceptions through the application.
SET SESSION AUTHORIZATION tap_pe_app;
SELECT iso28000.act_as(:a, :ria);
INSERT INTO iso28000.provider_exception (org_id, node_id, reason, requested_by, valid_until)
     VALUES (:a, :sea, 'Only carrier on the route', :ria, current_date + 30) RETURNING exception_id AS ex1 \gset
INSERT INTO iso28000.provider_exception (org_id, node_id, reason, requested_by, valid_until)
     VALUES (:a, :sea, 'Second route', :ria, current_date + 30) RETURNING exception_id AS ex2 \gset
RESET SESSION AUTHORIZATION;

CREATE TEMP TABLE before_attack AS SELECT count(*) AS records FROM iso28000.history WHERE org_id = :a;
GRANT SELECT ON before_attack TO PUBLIC;

-- The application's manage level is not Cleo's authority.
SET SESSION AUTHORIZATION tap_pe_app;
SELECT is(iso28000.has_level(:a, 'manage'), true, 'the application role itself has level manage');
SELECT iso28000.act_as(:a, :cleo);
SELECT throws_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE org_id = %s AND exception_id = %s$$, :a, :ex1),
                 'IS524', NULL, 'a clerk without authority cannot approve through an application that has manage (IS524)');
SELECT throws_like(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE org_id = %s AND exception_id = %s$$, :a, :ex1),
                   '%needs level manage through their own login or an SMS role that may approve provider exceptions',
                   'the refusal says what authority counts');
SELECT throws_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved', approved_by = %s WHERE org_id = %s AND exception_id = %s$$, :ada, :a, :ex1),
                 'IS120', NULL, 'nor by naming the lead as approver (IS120)');
-- Max manages through his own login; through the application only an SMS role counts.
SELECT iso28000.act_as(:a, :max);
SELECT throws_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE org_id = %s AND exception_id = %s$$, :a, :ex1),
                 'IS524', NULL, 'through the application a manager''s own level does not count either (IS524)');
RESET SESSION AUTHORIZATION;

SELECT is((SELECT status || ' ' || coalesce(approved_by::text, '-') FROM iso28000.provider_exception WHERE org_id = :a AND exception_id = :ex1),
          'requested -', 'the exception is still requested, approved by nobody');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM before_attack),
          'the refused approvals added nothing to the chain');
SELECT is((SELECT count(*)::int FROM iso28000.workflow_event WHERE org_id = :a AND to_state = 'approved'), 0,
          'and no approval is in the event log');

-- Who has the authority approves.
SET SESSION AUTHORIZATION tap_pe_max;
SELECT lives_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE org_id = %s AND exception_id = %s$$, :a, :ex1),
                'Max approves through his own login, which manages the organisation');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_pe_app;
SELECT iso28000.act_as(:a, :ada);
SELECT lives_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE org_id = %s AND exception_id = %s$$, :a, :ex2),
                'the supply-chain security lead approves through the application (her SMS role)');
RESET SESSION AUTHORIZATION;
SELECT results_eq(format($$SELECT exception_id, approved_by FROM iso28000.provider_exception WHERE org_id = %s ORDER BY exception_id$$, :a),
                  format($$VALUES (%s::bigint, %s::bigint), (%s, %s)$$, :ex1, :max, :ex2, :ada),
                  'each approval is stamped with its approver');
SELECT is((SELECT array_agg(actor_person ORDER BY event_id) FROM iso28000.workflow_event WHERE org_id = :a AND to_state = 'approved'),
          ARRAY[:max, :ada]::bigint[], 'the event log names the approving persons');
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'A''s chain verifies');

SELECT * FROM finish();
ROLLBACK;
