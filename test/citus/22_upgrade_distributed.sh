#!/usr/bin/env bash
# ALTER EXTENSION iso28000 UPDATE of an installation that is already
# distributed (doc/distribution.md, "Upgrading on a cluster"): release 0.2.0
# (its frozen script) with its data (test/upgrade/0.2.0/, the roles with
# LOGIN), distributed by its own distribute(), then updated through the
# coordinator.  Run by test/suite.d/citus after the SQL files, on the cluster
# they started (CITUS_PORTS_LIST: coordinator first), on databases of its own.
#
# Citus runs the update script on the coordinator, then passes ALTER
# EXTENSION iso28000 UPDATE on to every worker in the same distributed
# transaction; each node changes its own copy of each table and its own
# placements of the shards (iso28000._upgrade_ddl() of the script).  Checked:
#   - 0.2.0 is distributed with its data, every chain verifies;
#   - a nonconformity linked by two audit findings (as 0.2.0 allowed) is
#     refused with IS585, as on one node, changing nothing;
#   - the update is refused, changing nothing, when it could not reach every
#     node: citus.enable_ddl_propagation off (IS057), citus.enable_metadata_sync
#     off (IS058), a worker without the shards' metadata (IS059), run on a
#     worker rather than the coordinator (IS230);
#   - an update that fails on a worker late in its script (after every node
#     changed its tables and shards) changes nothing on any node: the same
#     version everywhere, each node's catalog and its placements of the shards
#     as they were, every row and chain;
#   - the update through the coordinator brings every node to the current
#     version; the catalog of each node describes like a fresh install of the
#     current version distributed the same way (test/robust/describe.sql), and
#     so do each node's placements of the shards (triggers, indexes,
#     constraints, policies, storage options); every row is kept, every chain
#     verifies with the same records and goes on; every request of
#     test/upgrade/0.2.0/enforced.sql gets its SQLSTATE through the
#     coordinator (a member's transition among them), a nonconformity moves
#     into a state 0.3.0's new trigger gates, and the history stays
#     append-only.
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tools/citus-cluster
read -r -a ports <<< "${CITUS_PORTS_LIST:?run by test/suite.d/citus}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=${ISO28000_CITUS_UPGRADE2_DB:-upgrade_dist}
fresh=${db}_fresh
from=0.2.0
fixture=test/upgrade/$from
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" iso28000.control)
names=(coordinator "worker 1" "worker 2")

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }
on() { local port=$1; shift; PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -h "$CITUS_HOST" -p "$port" -U "$CITUS_USER" -d "$db" "$@"; }
coord() { on "${ports[0]}" "$@"; }
versions() { for p in "${ports[@]}"; do on "$p" -c "SELECT extversion FROM pg_extension WHERE extname = 'iso28000'"; done | tr '\n' ' '; }
# toast_tuple_target of the history's shards: "N of M"
toasted() {
  coord -c "SELECT count(*) FILTER (WHERE result = 'toast_tuple_target=8160') || ' of ' || count(*)
              FROM run_command_on_shards('iso28000.history',
                     \$\$SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE oid = '%s'::regclass\$\$)"
}
chains() { citus_chains "$db" "${ports[0]}"; }
# The state an update must leave alone when it fails, into folder $1: the
# version on each node, each node's catalog (describe.sql) and its placements
# of the shards, the users' rows and the chains.
state() {
  mkdir -p "$1"
  versions > "$1/versions"
  for i in 0 1 2; do
    on "${ports[$i]}" -f test/robust/describe.sql > "$1/describe$i" 2>&1
    citus_placements "$db" "${ports[$i]}" 2>&1 | sort | uniq -c > "$1/placements$i"
  done
  citus_rows "$db" "${ports[0]}" > "$1/rows" 2>&1
  chains > "$1/chains" 2>&1
}
# "ok" when the state is the one before the update, else what differs.
unchanged() {
  local d=$tmp/now f
  rm -rf "$d"; state "$d"
  for f in versions describe0 describe1 describe2 placements0 placements1 placements2 rows chains; do
    if ! diff -q "$tmp/before/$f" "$d/$f" >/dev/null; then
      echo "$f differs: $(diff "$tmp/before/$f" "$d/$f" | grep '^[<>]' | head -3 | cut -c1-200 | tr '\n' ' ')"
      return
    fi
  done
  echo ok
}
sqlstate() { citus_sqlstate "$db" "$1" "$2"; }
# A refused update: its SQLSTATE, then nothing changed anywhere.
refused() {
  local what=$1 want=$2 port=$3 stmt=$4 got same
  got=$(sqlstate "$port" "$stmt")
  if [ "$got" = "$want" ]; then ok "$what: the update is refused ($want)"
  else notok "$what: the update is refused ($want)" "got: $got"; fi
  same=$(unchanged)
  if [ "$same" = ok ]; then ok "...and changed nothing: every node at $from, each node's catalog and placements of the shards, the rows and the chains as they were"
  else notok "...and changed nothing" "$same"; fi
}

if ! out=$(citus_database "$db" "${ports[@]}"); then notok "$out"; exit 1; fi

# Release 0.2.0 and its data, through the coordinator, then its distribute().
if ! out=$(citus_load_release "$db" "${ports[0]}" "$fixture"); then
  notok "$from and its data through the coordinator: $out"; exit 1
fi
if out=$(coord -c "SET client_min_messages = warning" -c "SELECT count(*) FROM iso28000.distribute(shard_count => 4)" 2>&1) &&
   [ "$(versions)" = "$from $from $from " ]; then
  ok "$from with $fixture's data, distributed by its own distribute() ($out tables), on every node"
else
  notok "$from distributed" "$out" "versions: $(versions)"; exit 1
fi
citus_rows_init "$db" "${ports[0]}"

# A nonconformity linked by two audit findings, as 0.2.0 allowed (written as
# the superuser with the triggers off: 0.2.0's trigger on audit_finding cannot
# run on a shard): the update refuses it with IS585 on a cluster too (its check
# runs on the coordinator, over every shard), and changes nothing.
read -r org fid nc <<< "$(coord -F ' ' -c "
  SELECT f.org_id, f.finding_id, (SELECT g.nonconformity_id FROM iso28000.audit_finding g
                                   WHERE g.org_id = f.org_id AND g.audit_id = f.audit_id AND g.clause::text = '8.1')
    FROM iso28000.audit_finding f JOIN iso28000.audit a ON a.org_id = f.org_id AND a.audit_id = f.audit_id
   WHERE a.title = 'Operations and security plans' AND f.clause::text = '8.6.4'")"
link() {
  coord -c "BEGIN" -c "SET LOCAL citus.propagate_set_commands = local" -c "SET LOCAL session_replication_role = replica" \
        -c "UPDATE iso28000.audit_finding SET nonconformity_id = $1 WHERE org_id = $org AND finding_id = $fid RETURNING 'linked'" -c "COMMIT"
}
if [ -n "$nc" ] && [ "$(link "$nc")" = linked ]; then
  state "$tmp/before"
  refused "with nonconformity $nc of organisation $org linked by a second finding ($fid)" IS585 "${ports[0]}" "ALTER EXTENSION iso28000 UPDATE"
  link NULL > /dev/null || notok "finding $fid's link taken off again"
else
  notok "a second finding linked to a nonconformity, as $from allowed" "organisation $org, finding $fid, nonconformity $nc"
fi
state "$tmp/before"
toast_before=$(toasted)
rows=$(awk '/^table/ {s += $3} END {print s+0}' "$tmp/before/rows")
if [ "$rows" -gt 0 ] && [ -s "$tmp/before/chains" ] && ! grep -qv ' true ' "$tmp/before/chains" &&
   ! grep -q MISSING "$tmp/before"/placements*; then
  ok "before the update: $rows rows, $(wc -l < "$tmp/before/chains") chains verify ($(tr '\n' ';' < "$tmp/before/chains")); history shards with toast_tuple_target=8160: $toast_before"
else
  notok "before the update: rows, every chain verifies, every placement there" "$(cat "$tmp/before/chains")" "$(head -3 "$tmp/before/rows")"
fi

# Refused: the update would not reach every node.
refused "with citus.enable_ddl_propagation off on the coordinator" IS057 "${ports[0]}" \
  "SET citus.enable_ddl_propagation = off; ALTER EXTENSION iso28000 UPDATE"
refused "with citus.enable_metadata_sync off on the coordinator" IS058 "${ports[0]}" \
  "SET citus.enable_metadata_sync = off; ALTER EXTENSION iso28000 UPDATE"
refused "with worker 2 marked as without the shards' metadata (in the update's own transaction)" IS059 "${ports[0]}" \
  "BEGIN; UPDATE pg_dist_node SET metadatasynced = false WHERE nodeport = ${ports[2]}; ALTER EXTENSION iso28000 UPDATE; COMMIT"
refused "on worker 1 (not through the coordinator), with DDL propagation off there" IS230 "${ports[1]}" \
  "SET citus.enable_ddl_propagation = off; ALTER EXTENSION iso28000 UPDATE"

# Fails on worker 2 late in its run of the script (a function the script
# creates near its end already there, made on worker 2 alone), after every
# node changed its tables and its shards: nothing may stay changed anywhere.
late=iso28000._org_query_plans
if on "${ports[2]}" -c "SET citus.enable_ddl_propagation = off" \
     -c "CREATE FUNCTION $late() RETURNS bigint LANGUAGE sql AS 'SELECT 0'" >/dev/null; then
  got=$(sqlstate "${ports[0]}" "ALTER EXTENSION iso28000 UPDATE")
  on "${ports[2]}" -c "SET citus.enable_ddl_propagation = off" -c "DROP FUNCTION $late()" >/dev/null
  if [ "$got" = 42723 ]; then ok "an update failing on worker 2 at the end of its script ($late() already there) is refused (42723)"
  else notok "an update failing on worker 2 at the end of its script is refused (42723)" "got: $got"; fi
  same=$(unchanged)
  if [ "$same" = ok ]; then ok "...and changed nothing on any node (one distributed transaction): every node at $from, each node's catalog and placements of the shards, the rows and the chains as they were"
  else notok "...and changed nothing on any node" "$same"; fi
else
  notok "$late() made on worker 2 alone"
fi

# The update, through the coordinator, as a DBA runs it.
if out=$(coord -c "SET client_min_messages = warning" -c "ALTER EXTENSION iso28000 UPDATE" 2>&1); then
  v=$(versions)
  if [ "$v" = "$current $current $current " ]; then
    ok "ALTER EXTENSION iso28000 UPDATE of the distributed $from through the coordinator: $current on every node"
  else
    notok "the update brings every node to $current" "versions: $v"
  fi
else
  notok "ALTER EXTENSION iso28000 UPDATE of the distributed $from through the coordinator" "$(echo "$out" | head -5)"
  citus_cluster_logs 5
  exit 1
fi
t=$(toasted)
if [ "${t%% of *}" = "${t##* of }" ] && [ "${t%% of *}" -gt 0 ]; then
  ok "every shard of the history carries toast_tuple_target=8160 after the update ($t)"
else
  notok "every shard of the history carries toast_tuple_target=8160 after the update" "$t"
fi

# Like a fresh install of the current version, distributed the same way (a
# database of its own on the cluster).
drop_fresh() { for p in "${ports[@]}"; do citus_psql "$p" -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" >/dev/null 2>&1; done; }
drop_fresh
if ! out=$(citus_database "$fresh" "${ports[@]}") ||
   ! out=$(db=$fresh coord -c "CREATE EXTENSION iso28000" -c "SET client_min_messages = warning" \
                       -c "SELECT count(*) FROM iso28000.distribute(shard_count => 4)" 2>&1); then
  notok "a fresh install of $current, distributed, to compare with" "$out"
fi
for i in 0 1 2; do
  db=$fresh on "${ports[$i]}" -f test/robust/describe.sql > "$tmp/fresh_describe$i" 2>&1
  on "${ports[$i]}" -f test/robust/describe.sql > "$tmp/describe$i" 2>&1
  if [ -s "$tmp/fresh_describe$i" ] && diff "$tmp/fresh_describe$i" "$tmp/describe$i" > "$tmp/describe$i.diff"; then
    ok "the ${names[$i]}'s catalog, updated, describes exactly like a fresh distributed install of $current ($(grep -c '^member ' "$tmp/describe$i") member objects)"
  else
    notok "the ${names[$i]}'s catalog describes like a fresh distributed install of $current" "$(head -10 "$tmp/describe$i.diff")"
  fi
  citus_placements "$fresh" "${ports[$i]}" 2>&1 | sort | uniq -c > "$tmp/fresh_placements$i"
  citus_placements "$db" "${ports[$i]}" 2>&1 | sort | uniq -c > "$tmp/placements$i"
  if [ -s "$tmp/fresh_placements$i" ] && ! grep -q MISSING "$tmp/placements$i" &&
     diff "$tmp/fresh_placements$i" "$tmp/placements$i" > "$tmp/placements$i.diff"; then
    ok "the ${names[$i]}'s placements of the shards are like a fresh distributed install's ($(awk '{s += $1} END {print s}' "$tmp/placements$i") triggers, indexes, constraints, policies and relations, $(grep -c ' trigger ' "$tmp/placements$i") distinct triggers)"
  else
    notok "the ${names[$i]}'s placements of the shards are like a fresh distributed install's" "$(head -10 "$tmp/placements$i.diff")"
  fi
done
drop_fresh

# The data: every row kept, every chain verifies and goes on.
citus_rows "$db" "${ports[0]}" > "$tmp/rows_after" 2>&1
citus_same "$tmp/before/rows" "$tmp/rows_after" \
  "every row of every configuration table kept through the update ($rows rows, count and md5 over $from's columns)" \
  "every row kept through the update"
chains > "$tmp/chains_after" 2>&1
citus_same "$tmp/before/chains" "$tmp/chains_after" \
  "every chain verifies after the update, with the same records ($(tr '\n' ';' < "$tmp/chains_after"))" \
  "every chain verifies after the update, as before"
citus_enforced "$db" "${ports[0]}" "$fixture" "updated on the cluster"
# A member's transition through the coordinator into a state that 0.3.0's
# trigger (nonconformity_audit_independent, now behind fire_on_entering)
# gates, recorded in the organisation's chain.
read -r org _ n <<< "$(chains | head -1)"
if out=$(coord -c "SET ROLE npl_security_manager" \
               -c "UPDATE iso28000.nonconformity SET status = 'rejected' WHERE title = 'Restore check: rejected' RETURNING status" 2>&1) &&
   [ "$out" = rejected ] &&
   [ "$(coord -c "SET ROLE robust_auditor" -c "SELECT valid || ' ' || records_checked FROM iso28000.verify_history($org)")" = "true $((n + 1))" ]; then
  ok "npl_security_manager moves a nonconformity back to rejected through the coordinator, through 0.3.0's gate; organisation $org's chain verifies with it ($((n + 1)) records)"
else
  notok "a member's transition into a gated state through the coordinator after the update" "$out"
fi
got=$(sqlstate "${ports[0]}" "DELETE FROM iso28000.history")
if [ "$got" = IS201 ]; then ok "the history is still append-only on the cluster (IS201)"
else notok "the history is still append-only on the cluster (IS201)" "got: $got"; fi
