#!/usr/bin/env bash
# Benchmark: provider_reliance(), provider_requirement_check() and
# _org_view_sql() on a Citus cluster, as the inclusion triggers call them on
# the worker that holds the organisation's shards, before and after the
# per-backend caches of src/citus_compat.c (doc/distribution.md, "Provider
# inclusion on a cluster").  "before" is the 0.3.0 code before the caches,
# recreated in a schema of its own (_org_view_sql in PL/pgSQL, the functions
# running EXECUTE ... USING, planned at every call); "after" is the
# extension's.  Both run in one backend per node, interleaved, ROUNDS rounds
# of CALLS calls each; medians of the rounds, microseconds per call.  Writes
# bench/results/citus_view.md.
set -uo pipefail
cd "$(dirname "$0")/.."
PGMAJOR=${PGMAJOR:-15}
if [ ! -f "$(/usr/lib/postgresql/$PGMAJOR/bin/pg_config --pkglibdir)/citus.so" ]; then
  echo "bench/citus_view.sh: skipped: Citus is not installed (tools/citus-build ../shared/vendor/citus-13.2.2.tar.xz)"
  exit 0
fi
. tools/citus-cluster
# make bench installs into tmp_install already; run by hand, install here
[ -d "${CITUS_DESTDIR:-$PWD/tmp_install}" ] || make -s install DESTDIR="$PWD/tmp_install" >/dev/null || exit 1
trap 'citus_cluster_stop' EXIT
citus_cluster_start || { echo "cluster did not start"; exit 1; }
C=${CITUS_PORTS[0]}
ROUNDS=${BENCH_ROUNDS:-7}
CALLS=${BENCH_CALLS:-200}

citus_psql "$C" -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || { echo "set-up failed"; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION iso28000;
SELECT count(*) FROM iso28000.distribute(shard_count => 4);
SELECT iso28000.create_organization('BV', 'bench');
INSERT INTO iso28000.security_requirement (org_id, code, title, kind, applies_to_kinds, min_criticality, min_score)
VALUES (1, 'AEO', 'Authorised economic operator', 'authorised_operator', '{carrier}', NULL, NULL),
       (1, 'ISO', 'ISO 28000 certificate', 'certification', '{carrier}', 'high', NULL);
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind) VALUES (1, 'SITE', 'Own site', 'site');
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, active) VALUES (1, 'HAUL', 'Haulier', 'carrier', true, false);
INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, valid_from, valid_until)
VALUES (1, 2, 1, 'AEO-1', current_date - 10, current_date + 400), (1, 2, 2, 'ISO-1', current_date - 10, current_date + 400);
UPDATE iso28000.supply_chain_node SET active = true WHERE org_id = 1 AND node_id = 2;
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (1, 1, 2, 'critical');

-- "before": the functions as 0.3.0 had them before the caches.
CREATE SCHEMA bench_before;
CREATE FUNCTION bench_before.org_view_sql(view regclass, org bigint) RETURNS text
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  q text := rtrim(pg_catalog.pg_get_viewdef(view), E'; \n');
  t record;
  rel text;
BEGIN
  FOR t IN SELECT DISTINCT d.refobjid::regclass AS rel, c.relname
             FROM pg_catalog.pg_rewrite w
             JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = w.oid
                                        AND d.refclassid = 'pg_catalog.pg_class'::regclass
             JOIN pg_catalog.pg_class c ON c.oid = d.refobjid AND c.relkind = 'r'
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'iso28000'
            WHERE w.ev_class = view
  LOOP
    -- _org_relation() as it was: one look-up of pg_dist_shard per table and call
    SELECT 'iso28000.' || t.relname || '_' || s.shardid INTO rel
      FROM pg_dist_shard s JOIN pg_dist_placement pl ON pl.shardid = s.shardid
     WHERE s.logicalrelid = t.rel
       AND worker_hash(org) >= s.shardminvalue::int4 AND worker_hash(org) <= s.shardmaxvalue::int4
       AND pl.groupid = (SELECT g.groupid FROM pg_dist_local_group g)
       AND to_regclass('iso28000.' || t.relname || '_' || s.shardid) IS NOT NULL;
    q := regexp_replace(q, '\miso28000\.' || t.relname || '\M(?![.(])', coalesce(rel, 'iso28000.' || t.relname), 'g');
  END LOOP;
  RETURN q;
END $$;
CREATE FUNCTION bench_before.provider_reliance(org bigint, node bigint) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE r integer;
BEGIN
  EXECUTE format('SELECT v.reliance_rank FROM (%s) v WHERE v.org_id = $1 AND v.node_id = $2',
                 bench_before.org_view_sql('iso28000.supply_chain_node_reliance', org))
    INTO r USING org, node;
  RETURN r;
END $$;
CREATE FUNCTION bench_before.provider_requirement_check(org bigint, node bigint, node_kind text, reliance integer)
RETURNS TABLE (requirement_id bigint, requirement_code text, requirement_kind text, status text,
               expires_on date, last_assessed_on date, last_score numeric)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    $q$SELECT j.requirement_id, j.requirement_code, j.requirement_kind, j.status, j.expires_on,
              j.last_assessed_on, j.last_score
         FROM (%s) j
         JOIN %s r ON r.org_id = j.org_id AND r.requirement_id = j.requirement_id
        WHERE j.org_id = $1 AND j.node_id = $2
          AND (r.applies_to_kinds IS NULL OR $3 = ANY (r.applies_to_kinds))
          AND (r.min_criticality IS NULL OR $4 >= iso28000.criticality_rank(r.min_criticality))$q$,
    bench_before.org_view_sql('iso28000.supply_chain_node_requirement', org),
    coalesce((SELECT 'iso28000.security_requirement_' || s.shardid
                FROM pg_dist_shard s JOIN pg_dist_placement pl ON pl.shardid = s.shardid
               WHERE s.logicalrelid = 'iso28000.security_requirement'::regclass
                 AND worker_hash(org) >= s.shardminvalue::int4 AND worker_hash(org) <= s.shardmaxvalue::int4
                 AND pl.groupid = (SELECT g.groupid FROM pg_dist_local_group g)), 'iso28000.security_requirement'))
    USING org, node, node_kind, reliance;
END $$;
-- Microseconds per call of one variant, CALLS calls in this backend.
CREATE FUNCTION bench_before.per_call(what text, calls int) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; n bigint;
BEGIN
  t0 := clock_timestamp();
  CASE what
    WHEN 'view_sql before' THEN SELECT count(bench_before.org_view_sql('iso28000.supply_chain_node_requirement', 1 + 0 * g)) INTO n FROM generate_series(1, calls) g;
    WHEN 'view_sql after' THEN SELECT count(iso28000._org_view_sql('iso28000.supply_chain_node_requirement', 1 + 0 * g)) INTO n FROM generate_series(1, calls) g;
    WHEN 'reliance before' THEN SELECT count(bench_before.provider_reliance(1, 2 + 0 * g)) INTO n FROM generate_series(1, calls) g;
    WHEN 'reliance after' THEN SELECT count(iso28000.provider_reliance(1, 2 + 0 * g)) INTO n FROM generate_series(1, calls) g;
    WHEN 'requirement_check before' THEN SELECT count(*) INTO n FROM generate_series(1, calls) g, bench_before.provider_requirement_check(1, 2 + 0 * g, 'carrier', 4);
    WHEN 'requirement_check after' THEN SELECT count(*) INTO n FROM generate_series(1, calls) g, iso28000.provider_requirement_check(1, 2 + 0 * g, 'carrier', 4);
  END CASE;
  RETURN round(extract(epoch FROM clock_timestamp() - t0) * 1e6 / calls, 1);
END $$;
SQL

# The worker holding organisation 1's shards, and the other one.
w=$(citus_psql "$C" -Atc "SELECT nodeport FROM pg_dist_shard_placement WHERE shardid = get_shard_id_for_distribution_column('iso28000.supply_chain_node', 1)")
other=$(for p in "${CITUS_PORTS[1]}" "${CITUS_PORTS[2]}"; do [ "$p" != "$w" ] && echo "$p"; done)
load=$(cut -d' ' -f1-3 /proc/loadavg)

# Same answers first.
same=$(citus_psql "$w" -Atc "SELECT (SELECT array_agg(x ORDER BY x) FROM bench_before.provider_requirement_check(1, 2, 'carrier', 4) x)::text
                                   = (SELECT array_agg(x ORDER BY x) FROM iso28000.provider_requirement_check(1, 2, 'carrier', 4) x)::text
                               AND bench_before.provider_reliance(1, 2) IS NOT DISTINCT FROM iso28000.provider_reliance(1, 2)
                               AND bench_before.org_view_sql('iso28000.supply_chain_node_requirement', 1) = iso28000._org_view_sql('iso28000.supply_chain_node_requirement', 1)")
[ "$same" = t ] || { echo "before and after disagree on worker $w"; exit 1; }

# One psql (one backend) per node: ROUNDS rounds, each running every variant, interleaved.
run_node() {   # run_node PORT -> lines "variant round us"
  local port=$1 sql="" r v
  for r in $(seq 1 "$ROUNDS"); do
    for v in "view_sql before" "view_sql after" "reliance before" "reliance after" "requirement_check before" "requirement_check after"; do
      sql+="SELECT '$v', $r, bench_before.per_call('$v', $CALLS);"$'\n'
    done
  done
  citus_psql "$port" -AtF'|' <<< "$sql"
}
report=bench/results/citus_view.md
tmp=$(mktemp)
{
  echo "# Citus: the provider checks' view queries, before and after the per-backend caches"
  echo
  echo "$(date -u +%F), $(nproc) cores shared with other work (load $load at the start), PostgreSQL $PGMAJOR, Citus 13.2.2, 4 shards;"
  echo "one backend per node, $ROUNDS interleaved rounds of $CALLS calls per variant; medians of the rounds, microseconds per call (first round included: it pays the caches' filling)."
  echo
  echo "| node | call | before (µs) | after (µs) | before / after |"
  echo "|---|---|---|---|---|"
} > "$tmp"
for node in "worker:$w" "other worker:$other" "coordinator:$C"; do
  label=${node%%:*}; port=${node##*:}
  run_node "$port" | python3 -c "
import sys, statistics
d = {}
for line in sys.stdin:
    v, r, us = line.strip().split('|')
    d.setdefault(v, []).append(float(us))
for call in ('view_sql', 'reliance', 'requirement_check'):
    b = statistics.median(d[call + ' before']); a = statistics.median(d[call + ' after'])
    print('| %s | %s | %.1f | %.1f | %.1fx |' % ('$label', call, b, a, b / a))
" >> "$tmp"
done
cat >> "$tmp" <<'MD'

- `worker`: the worker that holds organisation 1's shards, where the
  inclusion triggers run (`provider_reliance()` and
  `provider_requirement_check()` called from a trigger on a shard read the
  organisation's shards: `keep` is true, the plan is kept); `other worker`
  and `coordinator`: nodes without those shards, where the view's text
  names the tables and Citus plans the query at every call (no plan is kept
  there; only the text and the shard map are cached).
- `view_sql`: `_org_view_sql('supply_chain_node_requirement', org)` alone;
  before: `pg_get_viewdef()`, the view's tables from `pg_depend`, one look-up
  of `pg_dist_shard` per table and a regular expression per table, at every
  call; after: a hash of the organisation and a look-up in the backend's
  cache.
- `reliance`, `requirement_check`: the whole function, with its query run;
  before: `EXECUTE ... USING`, parsed and planned at every call.
MD
cp "$tmp" "$report"; rm -f "$tmp"
cat "$report"
