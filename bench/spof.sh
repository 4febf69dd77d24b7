#!/usr/bin/env bash
# Benchmark of single points of failure (make bench BENCH=spof).
#
# iso28000.single_points_of_failure(org) in C (src/spof.c: a dominator tree and
# an incremental failure closure) against the PL/pgSQL function of 0.1.0, taken
# at run time from the frozen sql/upgrades/iso28000--0.1.0.sql as the baseline
# (one node_loss_impact() call per candidate node).
#
# Graphs, each its own organisation, loaded with triggers off:
#   chain(n)   n nodes, node i needs node i+1 critically, a critical process
#              needs node 1: every node is a single point of failure and losing
#              node i stops i nodes (the worst case for a per-node search).
#   mesh       BENCH_SPOF_NODES (default 100,000) nodes with five links each
#              (500,000): links 1-2 alternatives of one need, link 3 a need on
#              its own, links 4-5 alternatives of another; mostly to one of the
#              next 50 nodes, one in ten anywhere (cycles); criticality spread
#              over low, medium, high, critical; 20 critical processes with three
#              critical needs each among the first 1,000 nodes.
# The old function runs on chain(200) and chain(400) only (13 s and 45 s in
# issue 13), once each, under a statement timeout; the C function on every
# graph, median of BENCH_REPS runs.  The two must return the same rows.
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=${BENCH_SPOF_NODES:-100000}
REPS=${BENCH_REPS:-3}
OLD_TIMEOUT=${BENCH_SPOF_OLD_TIMEOUT:-300}
DB=iso28000_bench_spof
OUT=bench/results/spof.md

psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export PGDATABASE=$DB
psql -qX -c "CREATE EXTENSION iso28000"

# the 0.1.0 function, renamed, from the frozen install script: the baseline
awk '/^CREATE FUNCTION iso28000.single_points_of_failure\(/ { on = 1 } on { print } on && /^END \$\$;/ { exit }' \
    sql/upgrades/iso28000--0.1.0.sql \
  | sed -e 's/^CREATE FUNCTION iso28000.single_points_of_failure(/CREATE FUNCTION public.spof_0_1_0(/' \
        -e 's/single_points_of_failure\.org_id/spof_0_1_0.org_id/g' \
  | psql -qX -v ON_ERROR_STOP=1

psql -qX -v ON_ERROR_STOP=1 <<'SQL'
-- a chain of n critical needs under one critical process; returns the organisation
CREATE FUNCTION public.make_chain(n integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE org bigint := iso28000.create_organization('CHAIN' || n, 'Chain ' || n); owner bigint; first bigint;
BEGIN
  SET LOCAL session_replication_role = replica;
  INSERT INTO iso28000.person (org_id, full_name) VALUES (org, 'Owner') RETURNING person_id INTO owner;
  INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind)
  SELECT org, 'C' || i, 'Chain node ' || i, 'supplier' FROM generate_series(1, n) i;
  SELECT min(node_id) INTO first FROM iso28000.supply_chain_node WHERE org_id = org;
  INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality)
  SELECT org, first + i - 1, first + i, 'critical' FROM generate_series(1, n - 1) i;
  INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical) VALUES (org, 'Run', owner, true);
  INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality)
  SELECT org, p.sms_process_id, first, 'critical' FROM iso28000.sms_process p WHERE p.org_id = org;
  RETURN org;
END $$;

-- median of reps runs of a query, in milliseconds (rows counted, not sent)
CREATE FUNCTION public.bench_median(q text, reps integer, OUT median_ms numeric, OUT row_count bigint)
LANGUAGE plpgsql AS $f$
DECLARE t timestamptz; ms numeric[] := '{}';
BEGIN
  FOR i IN 1 .. reps LOOP
    t := clock_timestamp();
    EXECUTE 'SELECT count(*) FROM (' || q || ') s' INTO row_count;
    ms := ms || round(extract(epoch FROM clock_timestamp() - t) * 1000, 1);
  END LOOP;
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) INTO median_ms FROM unnest(ms) x;
END $f$;
SQL

declare -A ORG
for n in 200 400 10000; do
  ORG[$n]=$(psql -qXAt -c "SELECT public.make_chain($n)")
done

echo "generating the mesh: $NODES nodes, $((NODES * 5)) links..."
t0=$(date +%s)
ORG[mesh]=$(psql -qXAt -v ON_ERROR_STOP=1 <<SQL | tail -1
SET session_replication_role = replica;
SELECT iso28000.create_organization('MESH', 'Mesh Ltd') AS org \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:org, 'Owner') RETURNING person_id AS owner \gset
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind)
SELECT :org, 'M' || i, 'Mesh node ' || i, 'supplier' FROM generate_series(1, $NODES) i;
SELECT min(node_id) - 1 AS base FROM iso28000.supply_chain_node WHERE org_id = :org \gset
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality, alternative_group)
SELECT :org, :base + i, :base + j, crit, grp
  FROM (SELECT i, k,
               CASE WHEN (hashint4(i * 8 + k) & 2147483647) % 10 = 0
                    THEN 1 + (hashint4(i * 8 + k + 1) & 2147483647) % $NODES
                    ELSE 1 + (i + (hashint4(i * 8 + k + 2) & 2147483647) % 50) % $NODES END AS j,
               (ARRAY['low', 'medium', 'high', 'critical'])[1 + (hashint4(i * 8 + k + 3) & 2147483647) % 4] AS crit,
               (ARRAY['a', 'a', NULL, 'b', 'b'])[k] AS grp
          FROM generate_series(1, $NODES) i, generate_series(1, 5) k) l
 WHERE i <> j
ON CONFLICT DO NOTHING;
INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical)
SELECT :org, 'Process ' || p, :owner, true FROM generate_series(1, 20) p;
INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality)
SELECT :org, p.sms_process_id, :base + 1 + (hashint4(p.sms_process_id::int * 4 + k) & 2147483647) % 1000, 'critical'
  FROM iso28000.sms_process p, generate_series(1, 3) k WHERE p.org_id = :org
ON CONFLICT DO NOTHING;
RESET session_replication_role;
VACUUM ANALYZE iso28000.supply_chain_dependency;
VACUUM ANALYZE iso28000.process_dependency;
SELECT :org;
SQL
)
gen_s=$(( $(date +%s) - t0 ))
links=$(psql -qXAt -c "SELECT count(*) FROM iso28000.supply_chain_dependency WHERE org_id = ${ORG[mesh]}")
crit=$(psql -qXAt -c "SELECT count(*) FROM iso28000.supply_chain_dependency WHERE org_id = ${ORG[mesh]} AND criticality = 'critical'")
echo "generated in ${gen_s}s: $links links ($crit critical)"

declare -A MS ROWS OLD OLDROWS SAME
measure() {  # measure(query, reps): prints "median_ms rows"
  psql -qXAt -F ' ' -c "SELECT median_ms, row_count FROM public.bench_median(\$q\$$1\$q\$, $2)" | tail -1
}
for g in 200 400 10000 mesh; do
  read -r MS[$g] ROWS[$g] < <(measure "SELECT * FROM iso28000.single_points_of_failure(${ORG[$g]})" "$REPS")
  printf '  C      %-6s %10s ms  %8s rows\n' "$g" "${MS[$g]}" "${ROWS[$g]}"
done
for g in 200 400; do
  t0=$(date +%s%N)
  if psql -qX -v ON_ERROR_STOP=1 -c "SET statement_timeout = '${OLD_TIMEOUT}s'" \
       -c "CREATE TABLE public.old_$g AS SELECT * FROM public.spof_0_1_0(${ORG[$g]})" >/dev/null 2>&1; then
    OLD[$g]=$(( ($(date +%s%N) - t0) / 1000000 ))
    OLDROWS[$g]=$(psql -qXAt -c "SELECT count(*) FROM public.old_$g")
    SAME[$g]=$(psql -qXAt -c "SELECT NOT EXISTS (
        (SELECT * FROM iso28000.single_points_of_failure(${ORG[$g]}) EXCEPT ALL SELECT * FROM public.old_$g)
        UNION ALL
        (SELECT * FROM public.old_$g EXCEPT ALL SELECT * FROM iso28000.single_points_of_failure(${ORG[$g]})))")
  else
    OLD[$g]="> $((OLD_TIMEOUT * 1000))"; OLDROWS[$g]=""; SAME[$g]="not compared"
  fi
  printf '  0.1.0  %-6s %10s ms  %8s rows  same rows: %s\n' "$g" "${OLD[$g]}" "${OLDROWS[$g]}" "${SAME[$g]}"
done

MESH_STATS=$(psql -qXAt -F ' ' -c "SELECT count(DISTINCT node_id), max(nodes_lost), round(avg(nodes_lost), 1)
                                   FROM iso28000.single_points_of_failure(${ORG[mesh]})")
read -r MESH_NODES MESH_MAXLOST MESH_AVGLOST <<<"$MESH_STATS"
PLAN=$(psql -qXAt -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT * FROM iso28000.single_points_of_failure(${ORG[mesh]})")
echo "$PLAN"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a ~ /^[0-9.]+$/) printf "%.0f", a / b; else print "n/a" }'; }
met() { awk -v a="$1" -v t="$2" 'BEGIN { print (a < t) ? "met" : "not met" }'; }

{
  echo "# Single points of failure benchmark"
  echo
  echo "Generated by \`bench/spof.sh\` (\`make bench BENCH=spof\`) on $(date -u +%Y-%m-%d),"
  echo "PostgreSQL $(psql -qXAt -c 'SHOW server_version'), $(nproc) cores shared with other work (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))."
  echo "Times around \`SELECT count(*) FROM (query)\`: the C function the median of $REPS runs,"
  echo "the 0.1.0 PL/pgSQL function (from the frozen 0.1.0 script) one run, wall clock"
  echo "around its \`CREATE TABLE AS\` from psql."
  echo
  echo "| graph | nodes | links | rows | C ms | 0.1.0 ms | 0.1.0 / C | same rows | target |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
  for g in 200 400; do
    echo "| chain | $g | $((g - 1)) | ${ROWS[$g]} | ${MS[$g]} | ${OLD[$g]} | $(ratio "${OLD[$g]}" "${MS[$g]}")× | ${SAME[$g]} | |"
  done
  echo "| chain | 10000 | 9999 | ${ROWS[10000]} | ${MS[10000]} | not run | | | < 1 s: $(met "${MS[10000]}" 1000) |"
  echo "| mesh | $NODES | $links ($crit critical) | ${ROWS[mesh]} | ${MS[mesh]} | not run | | | < 5 s: $(met "${MS[mesh]}" 5000) |"
  echo
  echo "On the mesh, $MESH_NODES nodes are single points of failure of some process; losing one"
  echo "stops up to $MESH_MAXLOST nodes ($MESH_AVGLOST on average over the rows). Mesh generated in ${gen_s} s."
  echo
  echo "- **C** (\`src/spof.c\`): reads the critical needs of nodes and of critical processes with"
  echo "  two grouping queries through SPI (as the caller, row-level security applies), builds a"
  echo "  dominator tree (Cooper-Harvey-Kennedy) of the graph in which nodes with several needs"
  echo "  or on a cycle are fed from the root, then visits the tree keeping the failure state"
  echo "  of each node's heaviest child and propagating the rest: linear on a chain."
  echo "- **0.1.0**: one \`node_loss_impact()\` per candidate, each iterating SQL to a fixed point:"
  echo "  O(n) statements per candidate over O(n) candidates on a chain."
  echo
  echo "Plan (the function's SPI queries do not appear):"
  echo
  echo '```'
  echo "$PLAN"
  echo '```'
} > "$OUT"
echo "wrote $OUT"
psql -qX -d postgres -c "DROP DATABASE $DB"
