-- The acting person (src/actor.c): delegation by a manager, act_as() refused
-- without it (IS020) and for a person who is not an active person of the
-- organisation (IS021), savepoints, SET ROLE, revocation, and the event log
-- recording the acting person at write time.  Every check runs as a
-- non-superuser role.  Commit and rollback are covered by the isolation spec
-- test/specs/identity_pooled_act_as.spec (this file is one transaction).
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(33);

CREATE ROLE tap_id_mgr NOLOGIN;      -- manages A
CREATE ROLE tap_id_mgrb NOLOGIN;     -- manages B
CREATE ROLE tap_id_app NOLOGIN;      -- the application's pooled role, write in A and B
CREATE ROLE tap_id_writer NOLOGIN;   -- a writer of A with a person of his own
CREATE ROLE tap_id_clerk NOLOGIN;    -- a role the application may SET ROLE to
GRANT tap_id_clerk TO tap_id_app;

SELECT iso28000.create_organization('ID-A', 'Identity A', 'tap_id_mgr') AS a \gset
SELECT iso28000.create_organization('ID-B', 'Identity B', 'tap_id_mgrb') AS b \gset

SET SESSION AUTHORIZATION tap_id_mgr;
SELECT iso28000.grant_access(:a, 'tap_id_app', 'write');
SELECT iso28000.grant_access(:a, 'tap_id_writer', 'write');
SELECT iso28000.grant_access(:a, 'tap_id_clerk', 'write');
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Ann App-user') RETURNING person_id AS ann \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Ben App-user') RETURNING person_id AS ben \gset
INSERT INTO iso28000.person (org_id, full_name, active) VALUES (:a, 'Gone Person', false) RETURNING person_id AS gone \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wes Writer', 'tap_id_writer') RETURNING person_id AS wes \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Cleo Clerk', 'tap_id_clerk') RETURNING person_id AS cleo \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_id_mgrb;
SELECT iso28000.grant_access(:b, 'tap_id_app', 'write');
INSERT INTO iso28000.person (org_id, full_name) VALUES (:b, 'Bea of B') RETURNING person_id AS bea \gset
RESET SESSION AUTHORIZATION;

SELECT ok(NOT rolsuper, 'tap_id_app is not a superuser') FROM pg_roles WHERE rolname = 'tap_id_app';

-- Without delegation: refused, and nothing is declared.
SET SESSION AUTHORIZATION tap_id_app;
SELECT throws_ok(format('SELECT iso28000.act_as(%s, %s)', :a, :ann), 'IS020',
                 format('role "tap_id_app" may not act for the people of organisation %s', :a),
                 'act_as without a delegation is refused (IS020)');
SELECT is(iso28000.acting_person(:a), NULL, 'a refused act_as declares nobody');
RESET SESSION AUTHORIZATION;

-- Only a manager delegates.
SET SESSION AUTHORIZATION tap_id_writer;
SELECT is(iso28000.acting_person(:a), :'wes'::bigint, 'role-per-person: a role acts as the person whose db_role it is');
SELECT throws_ok(format($$SELECT iso28000.grant_delegation(%s, 'tap_id_app')$$, :a), 'IS001', NULL,
                 'a writer cannot delegate (IS001)');
SELECT throws_ok(format($$INSERT INTO iso28000.delegation (org_id, delegate) VALUES (%s, 'tap_id_writer')$$, :a),
                 '42501', NULL, 'a writer cannot insert a delegation directly (row-level security)');
SELECT throws_ok(format('SELECT iso28000.act_as(%s, %s)', :a, :ann), 'IS020', NULL,
                 'a writer with a person of his own cannot act for another person');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_id_mgrb;
SELECT throws_ok(format($$SELECT iso28000.grant_delegation(%s, 'tap_id_app')$$, :a), 'IS001', NULL,
                 'the manager of B cannot delegate in A');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_id_mgr;
SELECT lives_ok(format($$SELECT iso28000.grant_delegation(%s, 'tap_id_app', 'the web application')$$, :a),
                'the manager of A delegates the application role');
RESET SESSION AUTHORIZATION;

-- With delegation in A.
SET SESSION AUTHORIZATION tap_id_app;
SELECT throws_ok(format('SELECT iso28000.act_as(%s, %s)', :a, :bea), 'IS021',
                 format('person %s is not an active person of organisation %s', :bea, :a),
                 'act_as for a person of another organisation is refused (IS021)');
SELECT throws_ok(format('SELECT iso28000.act_as(%s, %s)', :a, :gone), 'IS021', NULL,
                 'act_as for an inactive person is refused (IS021)');
SELECT throws_ok(format('SELECT iso28000.act_as(%s, %s)', :b, :bea), 'IS020', NULL,
                 'a delegation in A does not reach B');
SELECT throws_ok(format('SELECT iso28000.act_as(%s, NULL)', :a), 'IS021', NULL, 'act_as needs a person');
SELECT is(iso28000.acting_person(:a), NULL, 'the refusals declared nobody');
SELECT lives_ok(format('SELECT iso28000.act_as(%s, %s)', :a, :ann), 'a delegated role acts for a person of A');
SELECT is(iso28000.acting_person(:a), :'ann'::bigint, 'acting_person is the declared person');
SELECT is(iso28000.current_person(:a), :'ann'::bigint, 'current_person gives the same answer');
SELECT is(iso28000.acting_person(:b), NULL, 'the declaration is for A only');

-- The event log records the acting person when it is written.
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'seen by Ann', 'minor')
  RETURNING nonconformity_id AS nc1 \gset
SELECT is((SELECT actor_person FROM iso28000.workflow_event WHERE org_id = :a AND record_id = :nc1
             AND table_name = 'iso28000.nonconformity'::regclass),
          :'ann'::bigint, 'the event of the new record names the acting person');

-- Savepoints: a declaration in a rolled-back savepoint does not survive; a released one does.
SAVEPOINT s1;
SELECT iso28000.act_as(:a, :ben);
SELECT is(iso28000.acting_person(:a), :'ben'::bigint, 'inside the savepoint the new declaration holds');
ROLLBACK TO SAVEPOINT s1;
SELECT is(iso28000.acting_person(:a), :'ann'::bigint, 'ROLLBACK TO SAVEPOINT restores the earlier person');
SAVEPOINT s2;
SAVEPOINT s3;
SELECT iso28000.act_as(:a, :ben);
RELEASE SAVEPOINT s3;
SELECT is(iso28000.acting_person(:a), :'ben'::bigint, 'a released savepoint hands its declaration to its parent');
ROLLBACK TO SAVEPOINT s2;
SELECT is(iso28000.acting_person(:a), :'ann'::bigint, 'rolling back the parent drops it too');
SELECT throws_ok(format('SELECT iso28000.act_as(%s, %s)', :a, :gone), 'IS021', NULL, 'a refused act_as ...');
SELECT is(iso28000.acting_person(:a), :'ann'::bigint, '... leaves the earlier declaration in force');

-- SET ROLE: the declaration belongs to the role that made it.
SET LOCAL ROLE tap_id_clerk;
SELECT is(iso28000.acting_person(:a), :'cleo'::bigint, 'after SET ROLE the other role acts as its own person');
RESET ROLE;
SELECT is(iso28000.acting_person(:a), :'ann'::bigint, 'back in the delegated role the declaration holds again');
RESET SESSION AUTHORIZATION;

-- Another role of the same backend does not inherit the declaration.
SET SESSION AUTHORIZATION tap_id_writer;
SELECT is(iso28000.acting_person(:a), :'wes'::bigint, 'another role in the same transaction is not the declared person');
RESET SESSION AUTHORIZATION;

-- Revocation: the declaration stops counting, and act_as is refused.
SET SESSION AUTHORIZATION tap_id_mgr;
SELECT is(iso28000.revoke_delegation(:a, 'tap_id_app'), true, 'the manager revokes the delegation');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_id_app;
SELECT is(iso28000.acting_person(:a), NULL, 'after revocation the earlier declaration no longer counts');
SELECT throws_ok(format('SELECT iso28000.act_as(%s, %s)', :a, :ann), 'IS020', NULL,
                 'act_as after revocation is refused (IS020)');
RESET SESSION AUTHORIZATION;

-- Every change of a delegation is chained in the organisation's history.
SELECT is((SELECT array_agg(operation ORDER BY seq) FROM iso28000.history
            WHERE org_id = :a AND table_name = 'iso28000.delegation'),
          ARRAY['INSERT', 'DELETE'], 'granting and revoking the delegation are in the history chain');
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'the chain verifies');

SELECT * FROM finish();
ROLLBACK;
