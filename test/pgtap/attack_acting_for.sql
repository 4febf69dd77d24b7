-- iso28000.acting_for is a claim, not a fact (src/actor.c, doc/distribution.md
-- "The acting person on a cluster"): any role may SET it, and on a node that
-- is not a Citus worker inside another node's transaction it must count for
-- nothing.  Tried on a single node as non-superuser roles: a delegated
-- application that never calls act_as() and a writer with a person of his own
-- each claim another person; the acting person, the stamps, the event log and
-- the history must not name that person.  (On a cluster, test/citus/10_act_as.sql.)
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(9);

CREATE ROLE tap_af_mgr NOLOGIN;     -- manager of A
CREATE ROLE tap_af_app NOLOGIN;     -- a delegated application (never calls act_as here)
CREATE ROLE tap_af_wes NOLOGIN;     -- a writer with a person of his own
SELECT iso28000.create_organization('AF', 'Acting-for claims', 'tap_af_mgr') AS a \gset
SET SESSION AUTHORIZATION tap_af_mgr;
SELECT iso28000.grant_access(:a, 'tap_af_app', 'write');
SELECT iso28000.grant_delegation(:a, 'tap_af_app', 'test application');
SELECT iso28000.grant_access(:a, 'tap_af_wes', 'write');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Mia Manager', 'tap_af_mgr') RETURNING person_id AS mia \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wes Writer', 'tap_af_wes') RETURNING person_id AS wes \gset
RESET SESSION AUTHORIZATION;

SELECT ok(NOT bool_or(rolsuper), 'none of the claimants is a superuser') FROM pg_roles WHERE rolname LIKE 'tap_af_%';

-- The delegated application claims the manager, in the form act_as() writes on a cluster.
SET SESSION AUTHORIZATION tap_af_app;
SELECT set_config('iso28000.acting_for', format('%s:%s:tap_af_app', :a, :mia), true);
SELECT is(iso28000.acting_person(:a), NULL, 'a delegated application''s own claim names nobody without act_as()');
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'Claimed by the app', 'minor');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT format('%s events, persons %s', count(*), array_agg(e.actor_person))
             FROM iso28000.workflow_event e JOIN iso28000.nonconformity n
               ON n.org_id = e.org_id AND n.nonconformity_id = e.record_id
            WHERE n.title = 'Claimed by the app' AND e.table_name = 'iso28000.nonconformity'::regclass),
          '1 events, persons {NULL}', '... its event names nobody');
SELECT is((SELECT format('%s records, persons %s', count(*), array_agg(acting_person))
             FROM iso28000.history WHERE org_id = :a AND after_image ->> 'title' = 'Claimed by the app'),
          '1 records, persons {NULL}', '... and so does its history record');

-- The writer claims the manager, in every form the parser could take.
SET SESSION AUTHORIZATION tap_af_wes;
SELECT set_config('iso28000.acting_for', format('%s:%s:tap_af_wes', :a, :mia), true);
SELECT is(iso28000.acting_person(:a), :'wes'::bigint, 'a writer''s claim of another person: his own person still acts');
SELECT set_config('iso28000.acting_for', format('%s:%s:"tap_af_wes",%s:%s:tap_af_wes', :a, :mia, :a, :mia), true);
SELECT is(iso28000.acting_person(:a), :'wes'::bigint, '... quoted and repeated: the same');
SELECT set_config('iso28000.acting_for', format('%s:%s:', :a, :mia), true);
SELECT is(iso28000.acting_person(:a), :'wes'::bigint, '... with no role named: the same');
SELECT set_config('iso28000.acting_for', 'garbage:"unterminated', true);
SELECT is(iso28000.acting_person(:a), :'wes'::bigint, '... malformed: no error, the same');
SELECT set_config('iso28000.acting_for', format('%s:%s:tap_af_wes', :a, :mia), true);
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'Claimed by the writer', 'minor');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT format('%s events, persons %s', count(*), array_agg(e.actor_person))
             FROM iso28000.workflow_event e JOIN iso28000.nonconformity n
               ON n.org_id = e.org_id AND n.nonconformity_id = e.record_id
            WHERE n.title = 'Claimed by the writer' AND e.table_name = 'iso28000.nonconformity'::regclass),
          format('1 events, persons {%s}', :wes), '... and his event names him, not the manager');

SELECT * FROM finish();
ROLLBACK;
