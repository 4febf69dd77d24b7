-- One transaction that writes registers of two organisations whose shards are
-- on two workers (doc/distribution.md, "Transactions over organisations").
-- Before: it was cancelled with "canceling the transaction since it was
-- involved in a distributed deadlock" at its first write on the second
-- worker.  The cause: the workflow event log checked each event's
-- organisation with SELECT ... FROM iso28000.organization FOR KEY SHARE from
-- the register's statement trigger on the shard.  Through Citus that query
-- takes the reference table's shard resource lock (Share and RowExclusive)
-- on the first worker; a worker that is not the first takes it there over a
-- connection of its own.  The same distributed transaction then held the lock
-- in one backend of the first worker and waited for it in another (seen in
-- pg_locks: advisory lock on shard 102022, organization's, RowExclusiveLock
-- granted to the extension owner's connection from the other worker,
-- ShareLock wanted by the transaction's own backend; citus_lock_waits named
-- the same global pid as waiting and blocking).  Now, on a shard, the
-- register's own foreign key to organization's placement on the node (checked
-- by PostgreSQL there, with the same FOR KEY SHARE row lock, no Citus lock)
-- stands for the log's check, as on one node (src/workflow_event.c,
-- wf_org_implied_build).
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(23);
SELECT org_id AS a FROM iso28000.organization WHERE code = 'CA' \gset
SELECT org_id AS b FROM iso28000.organization WHERE code = 'CB' \gset

SELECT is((SELECT count(DISTINCT pl.nodeport)::integer
             FROM (VALUES (:a::bigint), (:b::bigint)) o(org_id)
             JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('iso28000.nonconformity', o.org_id)
             JOIN pg_dist_node pl ON pl.groupid = p.groupid),
          2, 'the rows of A and of B are on two different workers');

CREATE ROLE citus_two_writer LOGIN;
SET ROLE citus_mgr_a;
SELECT iso28000.grant_access(:a, 'citus_two_writer', 'write');
RESET ROLE;
SET ROLE citus_mgr_b;
SELECT iso28000.grant_access(:b, 'citus_two_writer', 'write');
RESET ROLE;

-- Events and history of a nonconformity, read back as the superuser.
SET client_min_messages = error;   -- Citus notes that a temporary function stays local
CREATE FUNCTION pg_temp.events(org bigint, title text) RETURNS text[] LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT array_agg(COALESCE(e.from_state, '-') || '>' || e.to_state || ':' || COALESCE(e.actor_person::text, '-')
                           ORDER BY e.event_id)
    FROM iso28000.workflow_event e
    JOIN iso28000.nonconformity n ON n.org_id = e.org_id AND n.nonconformity_id = e.record_id
   WHERE e.org_id = org AND n.org_id = org AND n.title = events.title
     AND e.table_name = 'iso28000.nonconformity'::regclass);
END $$;
CREATE FUNCTION pg_temp.txids(org bigint, title text) RETURNS bigint[] LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT array_agg(DISTINCT h.txid)
    FROM iso28000.history h
   WHERE h.org_id = org AND h.table_name = 'iso28000.nonconformity'
     AND COALESCE(h.after_image, h.before_image)->>'title' = txids.title);
END $$;
SET client_min_messages = warning;

-- A member of both writes A, then B, then moves both, in one transaction.
SET ROLE citus_two_writer;
BEGIN;
SELECT lives_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, 'Two: A then B', 'minor')$$, :a),
                'A''s row, first write of the transaction');
SELECT lives_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, 'Two: A then B', 'minor')$$, :b),
                'B''s row on the other worker, same transaction (was: distributed deadlock)');
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'contained', correction = 'Sealed again.' WHERE org_id = %s AND title = 'Two: A then B'$$, :a),
                'A''s row moves on (its event logged on the first worker)');
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'contained', correction = 'Sealed again.' WHERE org_id = %s AND title = 'Two: A then B'$$, :b),
                'B''s row moves on (its event logged on the second worker)');
COMMIT;
RESET ROLE;
SELECT is(pg_temp.events(:a, 'Two: A then B'), ARRAY['->reported:-', 'reported>contained:-'],
          'A''s two workflow events are logged, in its organisation');
SELECT is(pg_temp.events(:b, 'Two: A then B'), ARRAY['->reported:-', 'reported>contained:-'],
          'B''s two workflow events are logged, in its organisation');
SELECT is(pg_temp.txids(:a, 'Two: A then B'), pg_temp.txids(:b, 'Two: A then B'),
          'both chains record the one distributed transaction (the same txid on both workers)');

-- The other order: the first write on the other worker.
SET ROLE citus_two_writer;
BEGIN;
SELECT lives_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, 'Two: B then A', 'minor')$$, :b),
                'B first');
SELECT lives_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, 'Two: B then A', 'minor')$$, :a),
                'then A, same transaction');
COMMIT;
RESET ROLE;
SELECT is((SELECT count(*)::integer FROM iso28000.nonconformity WHERE title = 'Two: B then A' AND org_id IN (:a, :b)), 2,
          'both rows committed');

-- A rolled-back transaction over both leaves nothing on either worker.
SET ROLE citus_two_writer;
BEGIN;
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'Two: rolled back', 'minor');
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:b, 'Two: rolled back', 'minor');
ROLLBACK;
RESET ROLE;
SELECT is((SELECT count(*)::integer FROM iso28000.nonconformity WHERE title = 'Two: rolled back'), 0, 'rolled back: no row');
SELECT is((SELECT count(*)::integer FROM iso28000.history WHERE org_id IN (:a, :b)
             AND table_name = 'iso28000.nonconformity' AND after_image->>'title' = 'Two: rolled back'), 0,
          '... no history record on either worker');

-- A delegated application acting for a person in each organisation.
CREATE ROLE citus_two_app LOGIN;
SET ROLE citus_mgr_a;
SELECT iso28000.grant_access(:a, 'citus_two_app', 'write');
SELECT iso28000.grant_delegation(:a, 'citus_two_app', 'one application for two organisations');
RESET ROLE;
SET ROLE citus_mgr_b;
SELECT iso28000.grant_access(:b, 'citus_two_app', 'write');
SELECT iso28000.grant_delegation(:b, 'citus_two_app', 'one application for two organisations');
RESET ROLE;
SELECT person_id AS op FROM iso28000.person WHERE org_id = :a AND full_name = 'Operator A' \gset
SELECT person_id AS rb FROM iso28000.person WHERE org_id = :b AND full_name = 'Reader B' \gset
SET ROLE citus_two_app;
BEGIN;
SELECT iso28000.act_as(:a, :op);
SELECT iso28000.act_as(:b, :rb);
SELECT lives_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, 'Two: acted', 'minor')$$, :a),
                'act_as(): A''s row');
SELECT lives_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, 'Two: acted', 'minor')$$, :b),
                'act_as(): B''s row on the other worker, same transaction');
COMMIT;
RESET ROLE;
SELECT is(pg_temp.events(:a, 'Two: acted'), ARRAY['->reported:' || :op], 'A''s event names the person acted for in A');
SELECT is(pg_temp.events(:b, 'Two: acted'), ARRAY['->reported:' || :rb], 'B''s event names the person acted for in B');

-- The superuser: two new organisations and their first rows, with A's and B's,
-- in one transaction (the organisations are written on every node first).
BEGIN;
SELECT iso28000.create_organization('CC', 'Cluster C', 'citus_mgr_a') AS c \gset
SELECT iso28000.create_organization('CD', 'Cluster D', 'citus_mgr_b') AS d \gset
SELECT lives_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, 'Two: first row', 'minor'), (%s, 'Two: first row', 'minor')$$, :c, :d),
                'a new organisation''s first row in the transaction that created it (was: distributed deadlock)');
SELECT lives_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, 'Two: first row', 'minor'), (%s, 'Two: first row', 'minor')$$, :a, :b),
                '... with A''s and B''s rows on both workers');
COMMIT;
SELECT is((SELECT count(*)::integer FROM iso28000.workflow_event e
             JOIN iso28000.nonconformity n ON n.org_id = e.org_id AND n.nonconformity_id = e.record_id
            WHERE e.table_name = 'iso28000.nonconformity'::regclass AND n.title = 'Two: first row'), 4,
          'one event per new row, in four organisations');

-- The log's organisation check still holds where it is left to the key: a
-- row of an organisation that does not exist is refused (the shard's foreign
-- key to organization's placement), and no event is written.
SELECT throws_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, 'Two: nobody''s', 'minor')$$,
                        (SELECT max(org_id) + 1000 FROM iso28000.organization)),
                 '23503', NULL, 'a row of an organisation that does not exist is refused on the shard (23503)');

SELECT is((SELECT array_agg(result ORDER BY nodeport) FROM run_command_on_workers('SELECT count(*) FROM pg_prepared_xacts')),
          ARRAY['0', '0'], 'no transaction is left prepared on either worker');
SELECT is(ARRAY[(iso28000.verify_history(:a)).valid, (iso28000.verify_history(:b)).valid,
                (iso28000.verify_history(:c)).valid, (iso28000.verify_history(:d)).valid],
          ARRAY[true, true, true, true], 'the four chains verify');

SELECT * FROM finish();
