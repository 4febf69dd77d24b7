-- The provider functions' cluster branch under a hostile search_path, on the
-- cluster (doc/distribution.md, "Provider inclusion on a cluster"; one node:
-- test/pgtap/provider_inclusion.sql, org_view_sql_cache.sql).  On a cluster
-- provider_reliance() and provider_requirement_check() run the views' text
-- from _org_view_sql() through _org_query(): that text, deparsed under the
-- functions' own path, holds bare operators (n.org_id = r.org_id ...), which
-- a caller's path would resolve if the functions did not pin theirs.
--
-- The trap: a schema of the member's (citus_pi_wri, a LOGIN role, no
-- superuser, of 15_provider_inclusion), on every node, first in the path,
-- with =(bigint, bigint), =(text, text) and =(integer, integer) that raise,
-- and tables named like the views and registers the functions read (temporary
-- tables cannot reach a worker's session: the schema stands in for pg_temp).
-- The path reaches the workers by citus.propagate_set_commands = local (SET
-- LOCAL), which each check shows: the worker's current_setting('search_path')
-- in the same transaction.  Checked:
--   - on the coordinator (the functions plan the view's text over the
--     distributed tables; Citus routes it) the answers equal the clean ones;
--   - routed to the worker that holds the organisation (the functions read its
--     shards there, with kept plans) they are equal too;
--   - the inclusion triggers on the worker (IS520, IS521, the standing
--     recomputed by evidence) refuse and accept as 15 does, same messages.
-- With the search_path of provider_reliance, provider_requirement_check and
-- _org_query reset on every node the trap fires (checked by hand: see the
-- commit message).
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(14);

SELECT org_id AS a FROM iso28000.organization WHERE code = 'CPI' \gset
SELECT node_id AS haul FROM iso28000.supply_chain_node WHERE org_id = :a AND code = 'HAUL' \gset
SELECT node_id AS site FROM iso28000.supply_chain_node WHERE org_id = :a AND code = 'SITE' \gset
SELECT requirement_id AS aeo FROM iso28000.security_requirement WHERE org_id = :a AND code = 'AEO' \gset
-- the new provider's code (TRAP1 on the suite's run; another when run again)
SELECT 'TRAP' || count(*) AS tc FROM iso28000.supply_chain_node WHERE org_id = :a AND code LIKE 'TRAP%' \gset

-- The trap, made the same on every node (Citus propagates neither operators
-- nor, reliably, tables of a schema it does not distribute).
\set trap 'SET citus.enable_ddl_propagation = off; CREATE SCHEMA citus_pi_trap AUTHORIZATION citus_pi_wri; SET ROLE citus_pi_wri; CREATE FUNCTION citus_pi_trap.eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $f$BEGIN RAISE EXCEPTION ''trap fired''; END$f$; CREATE FUNCTION citus_pi_trap.eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $f$BEGIN RAISE EXCEPTION ''trap fired''; END$f$; CREATE FUNCTION citus_pi_trap.eq(integer, integer) RETURNS boolean LANGUAGE plpgsql AS $f$BEGIN RAISE EXCEPTION ''trap fired''; END$f$; CREATE OPERATOR citus_pi_trap.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = citus_pi_trap.eq); CREATE OPERATOR citus_pi_trap.= (LEFTARG = text, RIGHTARG = text, FUNCTION = citus_pi_trap.eq); CREATE OPERATOR citus_pi_trap.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = citus_pi_trap.eq); CREATE TABLE citus_pi_trap.supply_chain_node_reliance (org_id bigint, node_id bigint, reliance_rank integer); CREATE TABLE citus_pi_trap.supply_chain_node_requirement (org_id bigint, node_id bigint, requirement_id bigint); CREATE TABLE citus_pi_trap.supply_chain_node (org_id bigint, node_id bigint); CREATE TABLE citus_pi_trap.security_requirement (org_id bigint, requirement_id bigint); RESET ROLE'
:trap;
RESET citus.enable_ddl_propagation;
SELECT is(array_agg(success ORDER BY nodeport), ARRAY[true, true], 'the trap is made on both workers')
  FROM run_command_on_workers(:'trap');
SELECT is(array_agg(result ORDER BY nodeport), ARRAY['ERROR:  trap fired', 'ERROR:  trap fired'],
          'under the trap''s path an unqualified = fires it, on each worker')
  FROM run_command_on_workers($w$DO $d$BEGIN PERFORM set_config('search_path', 'citus_pi_trap, pg_catalog', true); PERFORM 1::bigint = 1::bigint; END$d$$w$);

-- What a statement raises, or 'ok'; the first column of a query's first row,
-- or what it raises: run with the caller's path (no SET clause here).
-- (Citus warns that it keeps a temporary function local: it is.)
SET client_min_messages = error;
CREATE FUNCTION pg_temp.outcome(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.value(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
  EXECUTE q INTO v;
  RETURN v;
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.outcome(text), pg_temp.value(text) TO PUBLIC;
SET client_min_messages = warning;
\set rel_q 'SELECT iso28000.provider_reliance(' :a ', ' :haul ')'
\set chk_q 'SELECT string_agg(c.requirement_code || '':'' || c.status, '','' ORDER BY c.requirement_code) FROM iso28000.provider_requirement_check(' :a ', ' :haul ', ''carrier'', 4) c'
\set sql_q 'SELECT md5(iso28000._org_view_sql(''iso28000.supply_chain_node_requirement'', ' :a '))'

-- The clean answers, as the member.
SET ROLE citus_pi_wri;
SELECT pg_temp.value(:'rel_q') AS clean_rel, pg_temp.value(:'chk_q') AS clean_chk, pg_temp.value(:'sql_q') AS clean_sql \gset

-- 1. On the coordinator, under the hostile path.
BEGIN;
SET LOCAL search_path = citus_pi_trap, pg_temp, pg_catalog;
SELECT pg_temp.value(:'rel_q') AS co_rel, pg_temp.value(:'chk_q') AS co_chk, pg_temp.value(:'sql_q') AS co_sql \gset
COMMIT;
RESET ROLE;
SELECT is(:'co_rel'::text, :'clean_rel', 'on the coordinator, under the hostile path, provider_reliance answers as under a clean one');
SELECT is(:'co_chk'::text, :'clean_chk', 'and so does provider_requirement_check (' || :'clean_chk' || ')');
SELECT is(:'co_sql'::text, :'clean_sql', 'and _org_view_sql writes the same text');

-- 2. Routed to the worker that holds the organisation: the functions there
-- read its shards.  The path reaches that worker (SET LOCAL, propagated).
SET ROLE citus_pi_wri;
BEGIN;
SET LOCAL citus.propagate_set_commands = local;
SET LOCAL search_path = citus_pi_trap, pg_temp, pg_catalog;
SELECT pg_temp.value(format($q$SELECT current_setting('search_path') || ' | ' || iso28000._org_relation('iso28000.supply_chain_node', %s)
                                       || ' | ' || coalesce(iso28000.provider_reliance(%s, %s)::text, 'NULL')
                                       || ' | ' || (SELECT string_agg(c.requirement_code || ':' || c.status, ',' ORDER BY c.requirement_code)
                                                      FROM iso28000.provider_requirement_check(%s, %s, 'carrier', 4) c)
                                  FROM iso28000.supply_chain_node n
                                 WHERE n.org_id OPERATOR(pg_catalog.=) %s AND n.node_id OPERATOR(pg_catalog.=) %s$q$,
                              :a, :a, :haul, :a, :haul, :a, :haul)) AS w \gset
COMMIT;
RESET ROLE;
SELECT is(split_part(:'w', ' | ', 1), 'citus_pi_trap, pg_temp, pg_catalog'::text, 'routed to the worker, the statement runs there under the hostile path');
SELECT matches(split_part(:'w', ' | ', 2), '^iso28000\.supply_chain_node_[0-9]+$', 'which holds the organisation''s shard: the functions read it there');
SELECT is(split_part(:'w', ' | ', 3) || ' / ' || split_part(:'w', ' | ', 4), coalesce(:'clean_rel', 'NULL') || ' / ' || :'clean_chk',
          'provider_reliance and provider_requirement_check answer there as under a clean path (' || :'w' || ')');

-- 3. The inclusion triggers on the worker, each statement in a transaction
-- under the hostile path (propagated), with the worker's path shown.
\set hostile 'BEGIN; SET LOCAL citus.propagate_set_commands = local; SET LOCAL search_path = citus_pi_trap, pg_temp, pg_catalog;'
\set wpath 'SELECT current_setting(''search_path'') FROM iso28000.supply_chain_node n WHERE n.org_id OPERATOR(pg_catalog.=) ' :a ' LIMIT 1'
SET ROLE citus_pi_wri;
:hostile
SELECT pg_temp.outcome(format($$INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external) VALUES (%s, %L, 'Trapper', 'carrier', true)$$, :a, :'tc')) AS t1 \gset
SELECT pg_temp.outcome(format($$INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, active) VALUES (%s, %L, 'Trapper', 'carrier', true, false)$$, :a, :'tc')) AS t2 \gset
:wpath \gset t2_
COMMIT;
SELECT node_id AS trap FROM iso28000.supply_chain_node WHERE org_id = :a AND code = :'tc' \gset
:hostile
SELECT pg_temp.outcome(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE org_id OPERATOR(pg_catalog.=) %s AND node_id OPERATOR(pg_catalog.=) %s$$, :a, :trap)) AS t3 \gset
:wpath \gset t3_
COMMIT;
:hostile
SELECT pg_temp.outcome(format($$INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, valid_from, valid_until) VALUES (%s, %s, %s, 'NLAEOF0009', current_date - 100, current_date + 400)$$, :a, :trap, :aeo)) AS t4 \gset
SELECT pg_temp.outcome(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE org_id OPERATOR(pg_catalog.=) %s AND node_id OPERATOR(pg_catalog.=) %s$$, :a, :trap)) AS t5 \gset
SELECT pg_temp.outcome(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'critical')$$, :a, :site, :trap)) AS t6 \gset
SELECT pg_temp.outcome(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'medium')$$, :a, :site, :trap)) AS t7 \gset
:wpath \gset t7_
COMMIT;
RESET ROLE;
SELECT is(ARRAY[:'t2_current_setting'::text, :'t3_current_setting', :'t7_current_setting'],
          ARRAY['citus_pi_trap, pg_temp, pg_catalog', 'citus_pi_trap, pg_temp, pg_catalog', 'citus_pi_trap, pg_temp, pg_catalog']::text[],
          'on the worker, in each of these transactions, the path is the hostile one');
SELECT is(ARRAY[left(:'t1', 5), :'t2'], ARRAY['IS520', 'ok']::text[],
          'an active carrier without evidence is refused on the worker (IS520, 15''s message); inactive it is recorded');
SELECT is(ARRAY[:'t3'::text, :'t4', :'t5'],
          ARRAY['IS520 iso28000.supply_chain_node (org_id, node_id)=(' || :a || ', ' || :trap || ') cannot become an active provider: provider "' || :'tc' || '" (node ' || :trap || ') falls short of AEO (missing)', 'ok', 'ok'],
          'activating it is refused (IS520); its evidence recomputes its standing; then it becomes active');
SELECT is(ARRAY[:'t6'::text, :'t7'],
          ARRAY['IS521 iso28000.supply_chain_dependency of organisation ' || :a || ': a critical link to node ' || :trap || ': provider "' || :'tc' || '" (node ' || :trap || ') falls short of ISO (missing)', 'ok'],
          'a critical link to it is refused (IS521, 15''s message), a medium one accepted');
SELECT results_eq(format($$SELECT state, active FROM iso28000.provider_inclusion p JOIN iso28000.supply_chain_node n USING (org_id, node_id) WHERE p.org_id = %s AND p.node_id = %s$$, :a, :trap),
                  $$VALUES ('included', true)$$, 'its standing is included, as under a clean path');

SET citus.enable_ddl_propagation = off;
DROP SCHEMA citus_pi_trap CASCADE;
RESET citus.enable_ddl_propagation;
SELECT is(bool_and(success), true, 'the trap is dropped on the workers') FROM run_command_on_workers('SET citus.enable_ddl_propagation = off; DROP SCHEMA citus_pi_trap CASCADE');
SELECT * FROM finish();
