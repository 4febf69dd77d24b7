-- Shard moves (doc/distribution.md, "Moving shards"): the shard group of
-- organisation A (every distributed table of the extension is co-located, so
-- a move of its register's shard moves its history, chain heads and event
-- log with it) moves to the other worker with citus_move_shard_placement in
-- block_writes mode (no logical replication), and back.  After each move,
-- in this same session (its connections to the workers, and the workers'
-- backends with their per-backend shard-to-table maps, open across the
-- moves), a member writes and transitions a record, the guards refuse what
-- they refused before, the events and history records name the table and
-- the acting person, A's chain verifies, and the shards' triggers are there.
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(43);
SELECT org_id AS a FROM iso28000.organization WHERE code = 'CA' \gset
SELECT org_id AS b FROM iso28000.organization WHERE code = 'CB' \gset
SELECT person_id AS mgr FROM iso28000.person WHERE org_id = :a AND full_name = 'Manager A' \gset

SET client_min_messages = error;   -- Citus notes that a temporary function stays local
-- The to_state and actor_person of the events of one nonconformity of the table iso28000.nonconformity.
CREATE FUNCTION pg_temp.move_events(org bigint, title text) RETURNS text[] LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT array_agg(e.to_state || ' ' || coalesce(e.actor_person::text, '-') ORDER BY e.event_id)
            FROM iso28000.workflow_event e
            JOIN iso28000.nonconformity n ON n.org_id = e.org_id AND n.nonconformity_id = e.record_id
           WHERE e.org_id = org AND n.org_id = org AND n.title = move_events.title
             AND e.table_name = 'iso28000.nonconformity'::regclass);
END $$;
-- The operation, status and acting person of its history records of the table iso28000.nonconformity.
CREATE FUNCTION pg_temp.move_history(org bigint, title text) RETURNS text[] LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT array_agg(h.operation || ' ' || (h.after_image->>'status') || ' ' || coalesce(h.acting_person::text, '-')
                           ORDER BY h.seq)
            FROM iso28000.history h
           WHERE h.org_id = org AND h.table_name = 'iso28000.nonconformity'
             AND h.after_image->>'title' = move_history.title);
END $$;
-- On every node, the placements (by Citus's metadata) of the extension's
-- distributed tables that are missing or whose triggers differ from their
-- table's (names without the shard suffix, and enabled state), or 'none'.
-- (pg_class hides shards from a query on a worker; pg_trigger and regclass
-- do not.)
CREATE FUNCTION pg_temp.trigger_mismatches() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  seen bigint;
  expected bigint;
  differ text;
BEGIN
  SELECT sum(split_part(r.result, '|', 1)::bigint),
         coalesce(string_agg(DISTINCT split_part(r.result, '|', 2), '; ') FILTER (WHERE split_part(r.result, '|', 2) <> ''), 'none')
    INTO seen, differ
    FROM run_command_on_all_nodes($q$
              WITH pl AS (
                SELECT p.logicalrelid::regclass AS tab,
                       pg_catalog.to_regclass(p.logicalrelid::regclass::text || '_' || s.shardid) AS shard
                  FROM pg_catalog.pg_dist_placement l
                  JOIN pg_catalog.pg_dist_shard s ON s.shardid = l.shardid
                  JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = s.logicalrelid
                 WHERE l.groupid = (SELECT groupid FROM pg_catalog.pg_dist_local_group)
                   AND p.partmethod = 'h'
                   AND (SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid = p.logicalrelid)
                       = 'iso28000'::pg_catalog.regnamespace),
              trg AS (
                SELECT g.tgrelid, string_agg(regexp_replace(g.tgname, '_[0-9]+$', '') || ':' || g.tgenabled::text, ','
                                             ORDER BY regexp_replace(g.tgname, '_[0-9]+$', '')) AS list
                  FROM pg_catalog.pg_trigger g WHERE NOT g.tgisinternal GROUP BY g.tgrelid)
              SELECT count(*) || '|' ||
                     coalesce(string_agg(pl.tab::text || ' ' || coalesce(pl.shard::text, 'missing'), ', ')
                                FILTER (WHERE pl.shard IS NULL
                                           OR coalesce(ts.list, '') <> coalesce(tt.list, '')), '')
                FROM pl
                LEFT JOIN trg tt ON tt.tgrelid = pl.tab
                LEFT JOIN trg ts ON ts.tgrelid = pl.shard $q$) r;
  SELECT count(*) INTO expected
    FROM pg_dist_placement l JOIN pg_dist_shard s ON s.shardid = l.shardid
    JOIN pg_dist_partition p ON p.logicalrelid = s.logicalrelid
   WHERE p.partmethod = 'h'
     AND (SELECT c.relnamespace FROM pg_class c WHERE c.oid = p.logicalrelid) = 'iso28000'::regnamespace;
  IF seen IS DISTINCT FROM expected THEN
    RETURN format('%s placements checked of %s', seen, expected);
  END IF;
  RETURN differ;
END $$;
SET client_min_messages = warning;

-- A's shard group and where it is.
SELECT get_shard_id_for_distribution_column('iso28000.nonconformity', :a) AS nc_shard \gset
SELECT get_shard_id_for_distribution_column('iso28000.history', :a) AS hist_shard \gset
SELECT n.nodename AS src_host, n.nodeport AS src_port
  FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid WHERE p.shardid = :nc_shard \gset
SELECT nodename AS dst_host, nodeport AS dst_port FROM pg_dist_node
 WHERE groupid <> 0 AND noderole = 'primary' AND nodeport <> :src_port ORDER BY nodeid LIMIT 1 \gset


-- Before: A's manager writes in this session, so the workers' backends of
-- its connections hold A's shards in their shard-to-table maps.
\set phase 'before the move'
\set title 'Move: before'
\ir shard_move_writes.sql
-- The process on A's worker that served A's manager in this session.
SET ROLE citus_mgr_a;
SELECT pg_backend_pid() AS pid_before FROM iso28000.person WHERE org_id = :a LIMIT 1 \gset
RESET ROLE;

-- The move, in block_writes mode, as the superuser.
SELECT citus_move_shard_placement(:nc_shard, :'src_host', :src_port, :'dst_host', :dst_port,
                                  shard_transfer_mode => 'block_writes') IS NOT NULL AS moved \gset
SELECT is((SELECT array_agg(DISTINCT n.nodeport) FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
            WHERE p.shardid IN (:nc_shard, :hist_shard)),
          ARRAY[:dst_port], 'A''s register shard and history shard are now on the other worker, beside B''s');
CALL citus_cleanup_orphaned_resources();

\set phase 'after the move'
\set title 'Move: after'
\ir shard_move_writes.sql

-- And back, by the history's shard this time (the same group), in the same
-- session: the workers' backends that cached A's old shards meet A's new
-- ones under the same names.
SELECT citus_move_shard_placement(:hist_shard, :'dst_host', :dst_port, :'src_host', :src_port,
                                  shard_transfer_mode => 'block_writes') IS NOT NULL AS moved \gset
CALL citus_cleanup_orphaned_resources();
\set phase 'moved back'
\set title 'Move: back'
\ir shard_move_writes.sql
SELECT is((SELECT array_agg(DISTINCT n.nodeport) FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
            WHERE p.shardid IN (:nc_shard, :hist_shard)),
          ARRAY[:src_port], 'A''s shards are back on their first worker');
SET ROLE citus_mgr_a;
SELECT pg_backend_pid() AS pid_back FROM iso28000.person WHERE org_id = :a LIMIT 1 \gset
RESET ROLE;
SELECT is(:pid_back, :pid_before,
          'the same process on that worker served A before the moves and after them (its per-backend maps were open across both)');
SELECT is((SELECT valid FROM iso28000.verify_history(:b)), true, 'B''s chain, whose shards stayed, verifies');

-- Rebalancing: Citus's rebalancer plans the moves and runs them in
-- block_writes mode.  A rebalance strategy of the test, whose
-- shard_allowed_on_node function forbids A's shard group on one node (the
-- costs and capacities are Citus's own, one per shard and node), makes the
-- rebalancer move exactly A's group there and back (the other groups stay
-- balanced within the threshold), first with rebalance_table_shards(), then
-- with the background rebalancer, citus_rebalance_start() and
-- citus_rebalance_wait().
CREATE FUNCTION public.iso28000_test_shard_allowed(shardid bigint, nodeid int) RETURNS boolean
LANGUAGE plpgsql STABLE AS $f$
BEGIN
  RETURN NOT (nodeid = current_setting('iso28000_test.forbid_node')::int
              AND shardid = get_shard_id_for_distribution_column(
                              (SELECT s.logicalrelid FROM pg_dist_shard s WHERE s.shardid = iso28000_test_shard_allowed.shardid),
                              current_setting('iso28000_test.org')));
END $f$;
SELECT citus_add_rebalance_strategy('iso28000_test_forbid_org', 'citus_shard_cost_1', 'citus_node_capacity_1',
                                    'public.iso28000_test_shard_allowed', 0.1);
SELECT nodeid AS src_node FROM pg_dist_node WHERE nodeport = :src_port \gset
SELECT nodeid AS dst_node FROM pg_dist_node WHERE nodeport = :dst_port \gset
SELECT set_config('iso28000_test.org', :'a', false), set_config('iso28000_test.forbid_node', :'src_node', false) \gset
SELECT rebalance_table_shards(rebalance_strategy => 'iso28000_test_forbid_org', shard_transfer_mode => 'block_writes') \gset
CALL citus_cleanup_orphaned_resources();
SELECT is((SELECT array_agg(DISTINCT n.nodeport) FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
            WHERE p.shardid IN (:nc_shard, :hist_shard)),
          ARRAY[:dst_port], 'the rebalancer moved A''s shard group to the other worker, in block_writes mode');
\set phase 'after the rebalancer'
\set title 'Move: rebalanced'
\ir shard_move_writes.sql
SELECT set_config('iso28000_test.forbid_node', :'dst_node', false) \gset
SELECT citus_rebalance_start(rebalance_strategy => 'iso28000_test_forbid_org', shard_transfer_mode => 'block_writes') AS job \gset
SELECT citus_rebalance_wait() \gset
CALL citus_cleanup_orphaned_resources();
SELECT is((SELECT array_agg(DISTINCT n.nodeport) FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
            WHERE p.shardid IN (:nc_shard, :hist_shard)),
          ARRAY[:src_port], 'the background rebalancer moved it back (citus_rebalance_start, block_writes)');
SELECT is((SELECT state::text FROM pg_dist_background_job WHERE job_id = :job), 'finished', 'its job finished');
DELETE FROM pg_dist_rebalance_strategy WHERE name = 'iso28000_test_forbid_org';
DROP FUNCTION public.iso28000_test_shard_allowed(bigint, int);

SELECT * FROM finish();
