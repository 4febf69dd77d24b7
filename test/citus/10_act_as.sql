-- A delegated application's act_as() on a cluster (doc/distribution.md, "The
-- acting person on a cluster"; doc/security.md).  The application's pooled
-- role writes through the coordinator; the triggers that stamp the person,
-- log the workflow event and record the history run on the workers, in other
-- processes than the one that called act_as().  Before: act_as() itself was
-- refused on the coordinator (IS020: its check sent the coordinator's oid of
-- the role to the worker holding the delegation, where the role has another
-- oid), and a declaration, had it been accepted, stayed in the coordinator's
-- memory: the workers stamped nobody (measured_by, the event's actor_person
-- and the history's acting_person NULL).  Now the check names the role, and
-- act_as() carries the declaration to the workers with SET LOCAL
-- iso28000.acting_for, which Citus passes on inside the transaction and
-- which a worker believes only after the check act_as() makes.
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(26);
SELECT org_id AS a FROM iso28000.organization WHERE code = 'CA' \gset
SELECT org_id AS b FROM iso28000.organization WHERE code = 'CB' \gset

CREATE ROLE citus_app_pool LOGIN;
SET ROLE citus_mgr_a;
SELECT iso28000.grant_access(:a, 'citus_app_pool', 'write');
SELECT iso28000.grant_delegation(:a, 'citus_app_pool', 'the pooled application');
INSERT INTO iso28000.indicator (org_id, name, unit) VALUES (:a, 'Seals checked', 'count')
  RETURNING indicator_id AS ind \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Clerk A') RETURNING person_id AS clerk \gset
RESET ROLE;
SET ROLE citus_mgr_b;
SELECT iso28000.grant_access(:b, 'citus_app_pool', 'write');
SELECT iso28000.grant_delegation(:b, 'citus_app_pool', 'the pooled application');
RESET ROLE;
SELECT person_id AS op FROM iso28000.person WHERE org_id = :a AND full_name = 'Operator A' \gset
SELECT person_id AS mgr FROM iso28000.person WHERE org_id = :a AND full_name = 'Manager A' \gset
SELECT person_id AS rb FROM iso28000.person WHERE org_id = :b AND full_name = 'Reader B' \gset

SELECT is((SELECT count(DISTINCT pl.nodeport)::integer
             FROM (VALUES (:a::bigint), (:b::bigint)) o(org_id)
             JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('iso28000.person', o.org_id)
             JOIN pg_dist_node pl ON pl.groupid = p.groupid),
          2, 'the rows of A and of B are on two different workers');

-- The events and history records of one nonconformity, read back as the superuser.
SET client_min_messages = error;   -- Citus notes that a temporary function stays local
CREATE FUNCTION pg_temp.event_people(org bigint, title text) RETURNS bigint[] LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT array_agg(e.actor_person ORDER BY e.event_id)
    FROM iso28000.workflow_event e
    JOIN iso28000.nonconformity n ON n.org_id = e.org_id AND n.nonconformity_id = e.record_id
   WHERE e.org_id = org AND n.org_id = org AND n.title = event_people.title
     AND e.table_name = 'iso28000.nonconformity'::regclass);
END $$;
CREATE FUNCTION pg_temp.history_people(org bigint, title text) RETURNS bigint[] LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT array_agg(h.acting_person ORDER BY h.seq)
    FROM iso28000.history h
   WHERE h.org_id = org AND h.table_name = 'iso28000.nonconformity'
     AND COALESCE(h.after_image, h.before_image)->>'title' = history_people.title);
END $$;
SET client_min_messages = warning;

-- One transaction of the application, acting for Operator A.
SET ROLE citus_app_pool;
BEGIN;
SELECT lives_ok(format('SELECT iso28000.act_as(%s, %s)', :a, :op),
                'the delegated application acts for a person of A through the coordinator (was IS020)');
SELECT is(iso28000.acting_person(:a), :'op'::bigint, 'the coordinator names the declared person');
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'App: seal gap', 'minor');
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'Seal replaced.'
 WHERE org_id = :a AND title = 'App: seal gap';
INSERT INTO iso28000.indicator_measurement (org_id, indicator_id, measured_on, value)
VALUES (:a, :ind, date '2026-02-01', 12);
SELECT COALESCE(measured_by::text, '') AS m1 FROM iso28000.indicator_measurement
 WHERE org_id = :a AND indicator_id = :ind AND measured_on = date '2026-02-01' \gset
SELECT is(NULLIF(:'m1', '')::bigint, :'op'::bigint, 'the stamp written on the worker names the declared person (measured_by)');
COMMIT;
RESET ROLE;
SELECT is(pg_temp.event_people(:a, 'App: seal gap'), ARRAY[:op, :op]::bigint[],
          'both workflow events on the worker name the declared person (actor_person)');
SELECT is(pg_temp.history_people(:a, 'App: seal gap'), ARRAY[:op, :op]::bigint[],
          'both history records on the worker name the declared person (acting_person)');

-- The next transaction of the same pooled session, without act_as(): the
-- workers' connections are the same, and nothing of the declaration is left.
SET ROLE citus_app_pool;
BEGIN;
SELECT is(iso28000.acting_person(:a), NULL, 'a new transaction acts for nobody on the coordinator');
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'App: nobody', 'minor');
INSERT INTO iso28000.indicator_measurement (org_id, indicator_id, measured_on, value)
VALUES (:a, :ind, date '2026-02-02', 13);
SELECT COALESCE(measured_by::text, '') AS m2 FROM iso28000.indicator_measurement
 WHERE org_id = :a AND indicator_id = :ind AND measured_on = date '2026-02-02' \gset
SELECT is(NULLIF(:'m2', '')::bigint, NULL, '... nor on the worker: no stamp');
COMMIT;
RESET ROLE;
SELECT is(pg_temp.event_people(:a, 'App: nobody'), ARRAY[NULL]::bigint[], '... no person in the event');
SELECT is(pg_temp.history_people(:a, 'App: nobody'), ARRAY[NULL]::bigint[], '... nor in the history');

-- A declaration made in a released savepoint counts on (for B, on the
-- other worker); a declaration rolled back to a savepoint stops counting on
-- the worker (Citus rolls the worker's savepoint back, and the setting with
-- it).  Each transaction writes one organisation here; 12_two_orgs acts for
-- people of two organisations on two workers in one transaction.
SET ROLE citus_app_pool;
BEGIN;
SAVEPOINT s2;
SELECT iso28000.act_as(:b, :rb);
RELEASE SAVEPOINT s2;
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:b, 'App: B released', 'minor');
COMMIT;
BEGIN;
SELECT iso28000.act_as(:a, :op);
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'App: before savepoint', 'minor');
SAVEPOINT s1;
SELECT iso28000.act_as(:a, :clerk);
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'App: in savepoint', 'minor');
SELECT is(iso28000.acting_person(:a), :'clerk'::bigint, 'inside the savepoint the new person holds on the coordinator');
ROLLBACK TO SAVEPOINT s1;
SELECT is(iso28000.acting_person(:a), :'op'::bigint, 'after ROLLBACK TO SAVEPOINT the earlier person holds again');
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'App: after savepoint', 'minor');
COMMIT;
RESET ROLE;
SELECT is(pg_temp.event_people(:a, 'App: before savepoint'), ARRAY[:op]::bigint[], 'A, before the savepoint: Operator A');
SELECT is(pg_temp.event_people(:a, 'App: in savepoint'), NULL, 'A, in the rolled-back savepoint: no row left');
SELECT is(pg_temp.event_people(:a, 'App: after savepoint'), ARRAY[:op]::bigint[],
          'A, after the rollback: Operator A again on the worker, not the clerk');
SELECT is(pg_temp.event_people(:b, 'App: B released'), ARRAY[:rb]::bigint[],
          'B, declared in a released savepoint: Reader B');
SELECT is(pg_temp.history_people(:b, 'App: B released'), ARRAY[:rb]::bigint[], '... and in B''s history');

-- The setting is a claim: a role that is not delegated gains nothing by
-- setting it, on the coordinator or on the workers.
SET ROLE citus_mgr_a;
BEGIN;
SET LOCAL citus.propagate_set_commands = local;
SELECT format('%s:%s:citus_mgr_a', :a, :op) AS forged \gset
SET LOCAL iso28000.acting_for = :'forged';
SELECT is(iso28000.acting_person(:a), :'mgr'::bigint, 'a forged setting: the coordinator names the role''s own person');
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'Forged', 'minor');
COMMIT;
RESET ROLE;
SELECT is(pg_temp.event_people(:a, 'Forged'), ARRAY[:mgr]::bigint[],
          'the worker believes no forged setting of a role that is not delegated (the role''s own person)');

-- Revoking the delegation through the coordinator (revoke_delegation()
-- found no row before: it compared the coordinator's oid of the role with
-- the worker's) ends it on the worker too: act_as() is refused, and the
-- role's claim, set by hand, counts for nobody there.
SET ROLE citus_app_pool;
BEGIN;
SELECT iso28000.act_as(:a, :op);
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'App: before revoke', 'minor');
COMMIT;
RESET ROLE;
SET ROLE citus_mgr_a;
SELECT is(iso28000.revoke_delegation(:a, 'citus_app_pool'), true, 'the manager of A revokes the delegation (was false)');
SELECT is(iso28000.revoke_delegation(:a, 'citus_app_pool'), false, '... once');
RESET ROLE;
SET ROLE citus_app_pool;
BEGIN;
SELECT throws_ok(format('SELECT iso28000.act_as(%s, %s)', :a, :op), 'IS020', NULL,
                 'after the revocation act_as() is refused on the cluster (IS020)');
ROLLBACK;
BEGIN;
SET LOCAL citus.propagate_set_commands = local;
SELECT format('%s:%s:citus_app_pool', :a, :op) AS app_claim \gset
SET LOCAL iso28000.acting_for = :'app_claim';
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'App: after revoke', 'minor');
COMMIT;
RESET ROLE;
SELECT is(pg_temp.event_people(:a, 'App: before revoke'), ARRAY[:op]::bigint[], 'before the revocation: Operator A');
SELECT is(pg_temp.event_people(:a, 'App: after revoke'), ARRAY[NULL]::bigint[],
          'after it, the revoked role''s claim counts for nobody on the worker');

SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'the chain of A verifies');
SELECT is((SELECT valid FROM iso28000.verify_history(:b)), true, 'the chain of B verifies');
SELECT * FROM finish();
