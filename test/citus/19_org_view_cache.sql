-- iso28000._org_view_sql(view, org) cached per backend (doc/distribution.md,
-- "Provider inclusion on a cluster"): the view's query with each table it
-- reads replaced by the organisation's shard when this node holds it, which
-- provider_reliance() and provider_requirement_check() read on a cluster.
-- Before, every call deparsed the view and asked pg_dist_shard once per table
-- (PL/pgSQL); now the text is kept per view and shard and dropped when the
-- view, a table or its Citus metadata changes.  On every worker the cached
-- texts equal those of the former PL/pgSQL function (kept here as
-- citus_ovc.old_sql) for 400 organisations; a second pass over them builds
-- nothing; and a worker's backend that cached "not here" for organisation A
-- reads A's shard once A's group moved onto that worker, and the table again
-- once it moved away (the invalidation Citus sends with its metadata); and
-- the provider checks keep one plan per shard for the shards a worker holds.
SET client_min_messages = warning;
SELECT plan(10);
SELECT org_id AS a FROM iso28000.organization WHERE code = 'CA' \gset
SELECT org_id AS b FROM iso28000.organization WHERE code = 'CB' \gset

-- The former PL/pgSQL body of iso28000._org_view_sql (0.3.0 before the cache),
-- and two probes; Citus creates them on the workers too.
CREATE SCHEMA citus_ovc;
CREATE FUNCTION citus_ovc.old_sql(view regclass, org bigint) RETURNS text
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  q text := rtrim(pg_catalog.pg_get_viewdef(view), E'; \n');
  t record;
  rel text;
BEGIN
  FOR t IN SELECT DISTINCT d.refobjid::regclass AS rel, c.relname
             FROM pg_catalog.pg_rewrite w
             JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                                        AND d.objid OPERATOR(pg_catalog.=) w.oid
                                        AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
             JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.refobjid AND c.relkind OPERATOR(pg_catalog.=) 'r'
             JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace AND n.nspname OPERATOR(pg_catalog.=) 'iso28000'
            WHERE w.ev_class OPERATOR(pg_catalog.=) view
  LOOP
    -- iso28000._org_relation() as it was, in SQL (the C function now shares the cache)
    SELECT 'iso28000.' || t.relname || '_' || s.shardid INTO rel
      FROM pg_dist_shard s JOIN pg_dist_placement pl ON pl.shardid = s.shardid
     WHERE s.logicalrelid = t.rel
       AND worker_hash(org) >= s.shardminvalue::int4 AND worker_hash(org) <= s.shardmaxvalue::int4
       AND pl.groupid = (SELECT g.groupid FROM pg_dist_local_group g)
       AND to_regclass('iso28000.' || t.relname || '_' || s.shardid) IS NOT NULL;
    q := pg_catalog.regexp_replace(q, '\miso28000\.' OPERATOR(pg_catalog.||) t.relname OPERATOR(pg_catalog.||) '\M(?![.(])',
                                   coalesce(rel, 'iso28000.' || t.relname), 'g');
  END LOOP;
  RETURN q;
END
$$;
-- Organisations -100 to 300, both views: how many texts differ from the old function's.
CREATE FUNCTION citus_ovc.differ() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM generate_series(-100, 300) o,
         (VALUES ('iso28000.supply_chain_node_reliance'::regclass), ('iso28000.supply_chain_node_requirement')) v(v)
   WHERE iso28000._org_view_sql(v.v, o) IS DISTINCT FROM citus_ovc.old_sql(v.v, o) $$;
-- Two passes over the same 400 organisations and both views: the texts built
-- by each (the first at most one per view and shard this node holds, and one
-- per view for the others; the second none).
CREATE FUNCTION citus_ovc.builds() RETURNS text LANGUAGE plpgsql AS $$
DECLARE b0 bigint; b1 bigint; b2 bigint; held bigint;
BEGIN
  b0 := iso28000._org_view_sql_builds();
  PERFORM iso28000._org_view_sql(v.v, o) FROM generate_series(-100, 300) o,
          (VALUES ('iso28000.supply_chain_node_reliance'::regclass), ('iso28000.supply_chain_node_requirement')) v(v);
  b1 := iso28000._org_view_sql_builds();
  PERFORM iso28000._org_view_sql(v.v, o) FROM generate_series(-100, 300) o,
          (VALUES ('iso28000.supply_chain_node_reliance'::regclass), ('iso28000.supply_chain_node_requirement')) v(v);
  b2 := iso28000._org_view_sql_builds();
  SELECT count(*) INTO held FROM pg_dist_shard s JOIN pg_dist_placement pl ON pl.shardid = s.shardid
   WHERE s.logicalrelid = 'iso28000.supply_chain_node'::regclass
     AND pl.groupid = (SELECT g.groupid FROM pg_dist_local_group g);
  RETURN format('first pass within %s: %s, second pass built %s', 2 * (held + 1), b1 - b0 <= 2 * (held + 1), b2 - b1);
END $$;
-- provider_requirement_check() and provider_reliance() for every
-- organisation of -100 to 300 whose shards this node holds, twice: the plans
-- _org_query() made and kept in each pass (the first at most one per shard
-- and query, the second none), and that it kept none for the others.
CREATE FUNCTION citus_ovc.plans() RETURNS text LANGUAGE plpgsql AS $$
DECLARE p0 bigint; p1 bigint; p2 bigint; p3 bigint; held bigint; o bigint;
BEGIN
  p0 := iso28000._org_query_plans();
  FOR pass IN 1..2 LOOP
    FOR o IN SELECT g FROM generate_series(-100, 300) g
              WHERE iso28000._org_relation('iso28000.supply_chain_node', g) <> 'iso28000.supply_chain_node' LOOP
      PERFORM iso28000.provider_reliance(o, 1);
      PERFORM * FROM iso28000.provider_requirement_check(o, 1, 'carrier', 4);
    END LOOP;
    IF pass = 1 THEN p1 := iso28000._org_query_plans(); END IF;
  END LOOP;
  p2 := iso28000._org_query_plans();
  FOR o IN SELECT g FROM generate_series(-100, 300) g
            WHERE iso28000._org_relation('iso28000.supply_chain_node', g) = 'iso28000.supply_chain_node' LIMIT 20 LOOP
    PERFORM iso28000.provider_reliance(o, 1);
    PERFORM * FROM iso28000.provider_requirement_check(o, 1, 'carrier', 4);
  END LOOP;
  p3 := iso28000._org_query_plans();
  SELECT count(*) INTO held FROM pg_dist_shard s JOIN pg_dist_placement pl ON pl.shardid = s.shardid
   WHERE s.logicalrelid = 'iso28000.supply_chain_node'::regclass
     AND pl.groupid = (SELECT g.groupid FROM pg_dist_local_group g);
  RETURN format('first pass within %s: %s, second pass kept %s, other organisations kept %s',
                2 * held, p1 - p0 BETWEEN 1 AND 2 * held, p2 - p1, p3 - p2);
END $$;
-- The text A's view gets, evaluated on the worker that holds B (a router
-- query on B's shard, through this session's cached connection).
\set on_b 'SELECT iso28000._org_view_sql(''iso28000.supply_chain_node_reliance'', ' :a ') AS t FROM iso28000.person WHERE org_id = ' :b ' LIMIT 1'
\set shard_on_b 'SELECT iso28000._org_relation(''iso28000.supply_chain_node'', ' :a ') AS t FROM iso28000.person WHERE org_id = ' :b ' LIMIT 1'
\set pid_on_b 'SELECT pg_backend_pid() AS pid FROM iso28000.person WHERE org_id = ' :b ' LIMIT 1'

SELECT results_eq($$SELECT result FROM run_command_on_workers('SELECT citus_ovc.differ()') ORDER BY nodeport$$,
                  $$VALUES ('0'), ('0')$$,
                  'on each worker the cached texts equal the former PL/pgSQL function''s for 401 organisations and both views');
SELECT results_eq($$SELECT result FROM run_command_on_workers('SELECT citus_ovc.builds()') ORDER BY nodeport$$,
                  $$SELECT format('first pass within %s: t, second pass built 0',
                                  2 * (count(*) FILTER (WHERE n.nodeport = w.nodeport) + 1))
                      FROM (SELECT DISTINCT nodeport FROM pg_dist_node WHERE groupid <> 0) w
                      CROSS JOIN pg_dist_shard s JOIN pg_dist_placement pl ON pl.shardid = s.shardid
                      JOIN pg_dist_node n ON n.groupid = pl.groupid
                     WHERE s.logicalrelid = 'iso28000.supply_chain_node'::regclass
                     GROUP BY w.nodeport ORDER BY w.nodeport$$,
                  'a second pass over the same organisations builds no text: each came from the cache');

SELECT results_eq($$SELECT result FROM run_command_on_workers('SELECT citus_ovc.plans()') ORDER BY nodeport$$,
                  $$SELECT format('first pass within %s: t, second pass kept 0, other organisations kept 0',
                                  2 * count(*) FILTER (WHERE n.nodeport = w.nodeport))
                      FROM (SELECT DISTINCT nodeport FROM pg_dist_node WHERE groupid <> 0) w
                      CROSS JOIN pg_dist_shard s JOIN pg_dist_placement pl ON pl.shardid = s.shardid
                      JOIN pg_dist_node n ON n.groupid = pl.groupid
                     WHERE s.logicalrelid = 'iso28000.supply_chain_node'::regclass
                     GROUP BY w.nodeport ORDER BY w.nodeport$$,
                  'the provider checks'' plans over a worker''s own shards are kept, one per shard and query; none for organisations held elsewhere');

-- A's group and where it is, and B's worker.
SELECT get_shard_id_for_distribution_column('iso28000.nonconformity', :a) AS nc_shard \gset
SELECT n.nodename AS src_host, n.nodeport AS src_port
  FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid WHERE p.shardid = :nc_shard \gset
SELECT n.nodename AS dst_host, n.nodeport AS dst_port
  FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
 WHERE p.shardid = get_shard_id_for_distribution_column('iso28000.nonconformity', :b) \gset
SELECT isnt(:src_port, :dst_port, 'A and B are on different workers');

:pid_on_b \gset before_
:on_b \gset before_
SELECT ok(strpos(:'before_t', 'FROM iso28000.supply_chain_node n') > 0,
            'on B''s worker, A''s text reads the table (A''s shard is elsewhere); the backend has cached it');
SELECT citus_move_shard_placement(:nc_shard, :'src_host', :src_port, :'dst_host', :dst_port,
                                  shard_transfer_mode => 'block_writes') IS NOT NULL AS moved \gset
CALL citus_cleanup_orphaned_resources();
:pid_on_b \gset after_
:on_b \gset after_
:shard_on_b \gset after_shard_
SELECT is(:after_pid, :before_pid, 'the same process on B''s worker answers after the move (its cache was open across it)');
SELECT ok(strpos(:'after_t', 'FROM ' || :'after_shard_t' || ' n') > 0,
            'after A''s group moved there it reads A''s shard on that worker (the cached text was dropped)');
SELECT isnt(:'after_shard_t'::text, 'iso28000.supply_chain_node'::text, '(which is a shard there)');
SELECT citus_move_shard_placement(:nc_shard, :'dst_host', :dst_port, :'src_host', :src_port,
                                  shard_transfer_mode => 'block_writes') IS NOT NULL AS moved \gset
CALL citus_cleanup_orphaned_resources();
:on_b \gset back_
SELECT ok(strpos(:'back_t', 'FROM iso28000.supply_chain_node n') > 0,
            'moved back, it reads the table again there');
SELECT is((SELECT array_agg(DISTINCT n.nodeport) FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
            WHERE p.shardid = :nc_shard), ARRAY[:src_port], 'A''s group is back on its first worker');

DROP SCHEMA citus_ovc CASCADE;
SELECT * FROM finish();
