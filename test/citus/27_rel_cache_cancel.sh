#!/usr/bin/env bash
# A backend's answer to "which table does this relation stand for" survives
# an error in the middle of finding it (src/citus_compat.c,
# citus_rel_info()): run by test/suite.d/citus on the cluster it started
# (CITUS_PORTS_LIST: coordinator first), in a database of its own.
#
# The engines ask once per backend whether a relation is a shard or a
# placement of a reference table, by a query of Citus's catalogs.  The entry
# of the cache used to be made before that query: when the query ended in an
# error (Citus cancels a worker's statement when the coordinator gives up on
# it, which workflow_event_org_cluster's refused DELETEs do), the entry stayed
# with its defaults for the life of the backend, organization's placement
# taken for a table of its own.  Every worker then recorded the change of an
# organisation in its chain, and a worker without the chain's shard failed
# the acting person's look-up with XX000 ("cannot execute a distributed
# query from a query on a shard"): one run in five of that spec here.  Here
# the error is made on purpose: another session holds pg_dist_shard locked
# while a worker's backend, with lock_timeout set, first asks about
# organization's placement; once the lock is gone the same backend asks
# again.  Checked:
#   - the first question is refused 55P03 (the lock timeout), not answered;
#   - the same backend then calls the placement a shard (_is_shard()).
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
db=${ISO28000_CITUS_REL_CACHE_DB:-rel_cache}
. test/citus/shard_steps.sh

shard_db
placement=$(coord -c "SELECT 'iso28000.organization_' || shardid FROM pg_dist_shard WHERE logicalrelid = 'iso28000.organization'::regclass")
worker=${ports[1]}

# Holds pg_dist_shard locked on node PORT for SECONDS in the background, and
# returns once the lock is held.
hold_lock() {
  local port=$1 secs=$2 i
  on "$port" -c "BEGIN" -c "LOCK TABLE pg_catalog.pg_dist_shard IN ACCESS EXCLUSIVE MODE" \
             -c "SELECT pg_sleep($secs)" -c "COMMIT" >/dev/null 2>&1 &
  for i in $(seq 1 100); do
    [ "$(on "$port" -c "SELECT count(*) FROM pg_locks WHERE relation = 'pg_catalog.pg_dist_shard'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && return 0
    sleep 0.1
  done
  return 1
}
# In one backend of node PORT: the question asked under the lock (its
# SQLSTATE), a wait for the lock to go, then the question again.
ask_twice() {
  PGPASSWORD= psql -X -q -h "$CITUS_HOST" -p "$1" -U "$CITUS_USER" -d "$db" \
    -c '\set VERBOSITY sqlstate' \
    -c "SET lock_timeout = '300ms'" \
    -c "SELECT 'first: ' || iso28000._is_shard('$placement')" \
    -c "RESET lock_timeout" \
    -c "BEGIN" -c "LOCK TABLE pg_catalog.pg_dist_shard IN ACCESS SHARE MODE" -c "COMMIT" \
    -c "SELECT 'then: ' || iso28000._is_shard('$placement')" 2>&1 | sed 's/^ *//' | grep -E '^(ERROR|first|then)'
}

if ! hold_lock "$worker" 3; then
  notok "a session holds pg_dist_shard locked on a worker"; wait; exit 1
fi
got=$(ask_twice "$worker")
wait
if grep -qx 'ERROR:  55P03' <<<"$got" && ! grep -q '^first' <<<"$got"; then
  ok "on a worker, the first question about $placement under a held lock is refused 55P03"
else
  notok "on a worker, the first question about $placement under a held lock is refused 55P03" "$got"
fi
if grep -qx 'then: true' <<<"$got"; then
  ok "the same backend then calls $placement a placement of its table (not a table of its own)"
else
  notok "the same backend then calls $placement a placement of its table" "$got"
fi

