#!/usr/bin/env bash
# ALTER EXTENSION iso28000 UPDATE on a cluster (doc/distribution.md,
# "Upgrading on a cluster"): run by test/suite.d/citus after the SQL files,
# on the cluster they started (CITUS_PORTS_LIST: coordinator first).
#
# Release 0.1.0 (its frozen script, sql/upgrades/iso28000--0.1.0.sql) on a
# database with Citus on every node: CREATE EXTENSION through the coordinator
# (Citus propagates it to the workers), then 0.1.0's data as the upgrade suite
# loads it (test/upgrade/0.1.0/: the load, the workflow drive; the fixture's
# roles with LOGIN, as a cluster needs).  Checked:
#   - 0.1.0's own distribute() is refused by Citus (0A000: its policies hold
#     sub-selects), so no 0.1.0 installation was ever distributed: the way to
#     a cluster is the update first, then distribute();
#   - ALTER EXTENSION iso28000 UPDATE through the coordinator brings every node
#     to the current version;
#   - distribute() converts the upgraded, populated database, and every shard
#     of the history carries 0.3.0's toast_tuple_target;
#   - on the coordinator and on each worker, the extension's catalog describes
#     exactly like a fresh install of the current version
#     (test/robust/describe.sql);
#   - every row of every configuration table is kept (count and md5 over
#     0.1.0's columns, read through the coordinator), every chain verifies
#     with the same number of records and goes on with a new change, every
#     request of test/upgrade/0.1.0/enforced.sql gets its SQLSTATE, and the
#     history stays append-only.
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tools/citus-cluster
read -r -a ports <<< "${CITUS_PORTS_LIST:?run by test/suite.d/citus}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=${ISO28000_CITUS_UPGRADE_DB:-upgrade}
plain=${db}_fresh
from=0.1.0
fixture=test/upgrade/$from
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" iso28000.control)

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }
on() { local port=$1; shift; PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -h "$CITUS_HOST" -p "$port" -U "$CITUS_USER" -d "$db" "$@"; }
coord() { on "${ports[0]}" "$@"; }
sqlstate() { citus_sqlstate "$db" "${ports[0]}" "$1"; }

# The database on every node, with Citus and the workers.
if ! out=$(citus_database "$db" "${ports[@]}"); then notok "$out"; exit 1; fi

# Release 0.1.0 and its data, through the coordinator (the fixture's first
# file creates the extension at version 0.1.0); its roles with LOGIN.
if ! out=$(citus_load_release "$db" "${ports[0]}" "$fixture"); then
  notok "$from and its data through the coordinator: $out"; exit 1
fi
versions=$(for p in "${ports[@]}"; do on "$p" -c "SELECT extversion FROM pg_extension WHERE extname = 'iso28000'"; done | tr '\n' ' ')
if [ "$versions" = "$from $from $from " ]; then
  ok "CREATE EXTENSION iso28000 VERSION '$from' through the coordinator, on every node; $fixture loaded and driven through its workflows"
else
  notok "iso28000 $from on every node" "versions: $versions"; exit 1
fi
# (robust_auditor, as in test/robust/lib.sh, with LOGIN, verifies the chains:
# citus_load_release gave it level audit.)

# 0.1.0 itself cannot be distributed: Citus refuses its policies.
state=$(sqlstate "SET client_min_messages = warning; SELECT count(*) FROM iso28000.distribute()")
if [ "$state" = 0A000 ]; then
  ok "$from's own distribute() is refused by Citus (0A000: its policies hold sub-selects): a $from installation is updated before it is distributed"
else
  notok "$from's own distribute() is refused by Citus with 0A000" "got: $state"
fi

# Before the update: the users' rows, as the upgrade suite takes them (by
# name: 0.2.0 turns iso28000.workflow_event into a view over a new store).
citus_rows_init "$db" "${ports[0]}"
snapshot() { citus_rows "$db" "${ports[0]}"; }
chains() { citus_chains "$db" "${ports[0]}"; }
snapshot > "$tmp/before" 2>&1
chains > "$tmp/chains_before" 2>&1
rows=$(awk '/^table/ {s += $3} END {print s+0}' "$tmp/before")
if [ "$rows" -gt 0 ] && ! grep -qv ' true ' "$tmp/chains_before"; then
  ok "before the update: $(grep -c '^table' "$tmp/before") configuration tables, $rows rows; $(wc -l < "$tmp/chains_before") chains verify"
else
  notok "before the update: rows and verifying chains" "$(head -5 "$tmp/before")" "$(cat "$tmp/chains_before")"
fi

# The update, through the coordinator: Citus runs it on every node.
if out=$(coord -c "ALTER EXTENSION iso28000 UPDATE" 2>&1); then
  versions=$(for p in "${ports[@]}"; do on "$p" -c "SELECT extversion FROM pg_extension WHERE extname = 'iso28000'"; done | tr '\n' ' ')
  if [ "$versions" = "$current $current $current " ]; then
    ok "ALTER EXTENSION iso28000 UPDATE through the coordinator: $from to $current on every node"
  else
    notok "ALTER EXTENSION iso28000 UPDATE brings every node to $current" "versions: $versions"
  fi
else
  notok "ALTER EXTENSION iso28000 UPDATE through the coordinator" "$(echo "$out" | head -5)"; exit 1
fi

if out=$(coord -c "SET client_min_messages = warning" -c "SELECT count(*) FROM iso28000.distribute(shard_count => 4)" 2>&1); then
  ok "distribute() converts the upgraded database ($out tables)"
else
  notok "distribute() converts the upgraded database" "$(echo "$out" | head -5)"; exit 1
fi

# 0.3.0's toast_tuple_target of the history (a step of 0.2.0 -> 0.3.0), set
# by the update before distribute(): every shard made from the table has it.
toast=$(coord -c "SELECT count(*) FILTER (WHERE result = 'toast_tuple_target=8160') || ' of ' || count(*)
                    FROM run_command_on_shards('iso28000.history',
                           \$\$SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE oid = '%s'::regclass\$\$)")
if [ "${toast%% of *}" = "${toast##* of }" ] && [ "${toast%% of *}" -gt 0 ]; then
  ok "every shard of the history carries toast_tuple_target=8160 after the update and distribute() ($toast)"
else
  notok "every shard of the history carries toast_tuple_target=8160 after the update and distribute()" "$toast"
fi

# The catalog on every node: like a fresh install of the current version
# (a database of the coordinator's server without Citus).
citus_psql "${ports[0]}" -c "DROP DATABASE IF EXISTS $plain" -c "CREATE DATABASE $plain" 2>/dev/null &&
  db=$plain coord -c "CREATE EXTENSION iso28000" &&
  db=$plain coord -f test/robust/describe.sql > "$tmp/fresh" || notok "a fresh install of $current to compare with"
for i in 0 1 2; do
  name=$([ "$i" = 0 ] && echo coordinator || echo "worker $i")
  on "${ports[$i]}" -f test/robust/describe.sql > "$tmp/node$i" 2>&1
  if [ -s "$tmp/fresh" ] && diff "$tmp/fresh" "$tmp/node$i" > "$tmp/node$i.diff"; then
    ok "the $name's catalog, updated and distributed, describes exactly like a fresh install of $current ($(grep -c '^member ' "$tmp/node$i") member objects)"
  else
    notok "the $name's catalog describes like a fresh install of $current" "$(head -20 "$tmp/node$i.diff")"
  fi
done
citus_psql "${ports[0]}" -c "DROP DATABASE IF EXISTS $plain" >/dev/null 2>&1

# The data: every row kept, read through the coordinator from the shards.
snapshot > "$tmp/after" 2>&1
citus_same "$tmp/before" "$tmp/after" \
  "every row of every configuration table kept through the update and distribute() ($rows rows, count and md5 over $from's columns)" \
  "every row kept through the update and distribute()"
chains > "$tmp/chains_after" 2>&1
citus_same "$tmp/chains_before" "$tmp/chains_after" \
  "every chain verifies on the cluster, with the same number of records ($(tr '\n' ';' < "$tmp/chains_after"))" \
  "every chain verifies on the cluster, as before"
# Each chain goes on: a new person, as a manager of the organisation.
while read -r org _ n; do
  mgr=$(coord -c "SELECT member FROM iso28000.membership WHERE org_id = $org AND level = 'manage' ORDER BY member::text LIMIT 1")
  if out=$(coord -c "SET ROLE $mgr" -c "INSERT INTO iso28000.person (org_id, full_name) VALUES ($org, 'Upgraded Ursula')" 2>&1); then
    got=$(coord -c "SET ROLE robust_auditor" -c "SELECT valid || ' ' || records_checked FROM iso28000.verify_history($org)")
    if [ "$got" = "true $((n + 1))" ]; then ok "organisation $org's chain goes on on the cluster ($mgr's new person chained: $got)"
    else notok "organisation $org's chain goes on" "expected: true $((n + 1)), got: $got"; fi
  else
    notok "organisation $org: $mgr writes a person through the coordinator" "$(echo "$out" | head -3)"
  fi
done < "$tmp/chains_after"

# The workflows: each request of 0.1.0's list, with its SQLSTATE.
citus_enforced "$db" "${ports[0]}" "$fixture" "upgraded and distributed"
got=$(sqlstate "DELETE FROM iso28000.history")
if [ "$got" = IS201 ]; then ok "the history is still append-only on the cluster (IS201)"
else notok "the history is still append-only on the cluster (IS201)" "got: $got"; fi
