#!/usr/bin/env bash
# Notifications on a cluster (doc/distribution.md, "Notifications on a
# cluster"): run by test/suite.d/citus after 04_demo.sh, on the demo's
# distributed database (CITUS_PORTS_LIST: coordinator first).
#
# A member's change of a register writes its notification rows on the worker
# that holds the organisation's shards, in a distributed transaction that
# Citus may have to PREPARE, which a backend that ran NOTIFY cannot: the
# shards stay silent.  Checked, with psql as the listener (it prints the
# notifications it received after each command):
#   - a LISTEN on the coordinator hears nothing of a register's change, and a
#     LISTEN on the worker that holds the rows hears nothing either, while
#     the change's notification row is written;
#   - raise_due_items() through the coordinator announces each row it wrote
#     (payload: its notification_id) to a LISTEN on the coordinator;
#   - and obeys iso28000.notify_announce as on one node: under 'off' nothing
#     is heard, under 'listen' nothing while no mailer listens through
#     iso28000.listen() and every row while one does, under 'row' every row;
#   - a mailer that reads the outbox through the coordinator (the rows not
#     yet delivered) finds the register's notification, marks it delivered
#     with mark_delivered(), and does not find it again.
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tools/citus-cluster
read -r -a ports <<< "${CITUS_PORTS_LIST:?run by test/suite.d/citus}"
db=${ISO28000_CITUS_DEMO_DB:-demo}
tag=$$   # this run's objectives
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }
on() { local port=$1; shift; PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -h "$CITUS_HOST" -p "$port" -U "$CITUS_USER" -d "$db" "$@"; }
coord() { on "${ports[0]}" "$@"; }

org=$(coord -c "SELECT org_id FROM iso28000.organization WHERE code = 'NPL'")
owner=$(coord -c "SELECT person_id FROM iso28000.person WHERE org_id = $org AND db_role = 'npl_security_manager'")
[ -n "$org" ] && [ -n "$owner" ] || { notok "the demo's organisation NPL and its security manager on the cluster"; exit 1; }
worker=$(coord -c "SELECT p.nodeport FROM pg_dist_placement pl JOIN pg_dist_node p ON p.groupid = pl.groupid
                    WHERE pl.shardid = get_shard_id_for_distribution_column('iso28000.notification', $org)")
rows() { coord -c "SELECT count(*) FROM iso28000.notification WHERE org_id = $org AND register = 'objective' AND record_id IN
                     (SELECT objective_id FROM iso28000.objective WHERE org_id = $org AND title LIKE 'Notify check $tag %')"; }

# listen PORT SQL [ANNOUNCE [MAILER]]: a psql session on PORT LISTENs (or runs
# MAILER, e.g. SELECT iso28000.listen()), SQL runs in another session (through
# the coordinator, as NPL's security manager, under iso28000.notify_announce =
# ANNOUNCE, default row, which the superuser sets before SET ROLE), then the
# listener runs one more command; prints the payloads it heard, one a line.
listen() {
  local port=$1 sql=$2 announce=${3:-row} mailer=${4:-LISTEN iso28000_notification}
  PGPASSWORD= psql -X -q -h "$CITUS_HOST" -p "$port" -U "$CITUS_USER" -d "$db" 2>&1 <<EOF |
$mailer;
\\! PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -h $CITUS_HOST -p ${ports[0]} -U $CITUS_USER -d $db -c "SET iso28000.notify_announce = $announce" -c "SET ROLE npl_security_manager" -c "$sql" >/dev/null
SELECT pg_sleep(0.5);
SELECT 1;
EOF
    sed -n 's/^Asynchronous notification "iso28000_notification" with payload "\([0-9]*\)" received.*/\1/p'
}

# A register's change: a new objective names its owner (an assignment).
before=$(rows)
insert="INSERT INTO iso28000.objective (org_id, title, target, unit, set_on, due_on, owner_id, evaluation_method) VALUES ($org, 'Notify check $tag %s', 95, 'percent', current_date - 10, current_date - 1, $owner, 'monthly gate audit')"
heard_coord=$(listen "${ports[0]}" "$(printf "$insert" 'coordinator')")
heard_worker=$(listen "$worker" "$(printf "$insert" 'worker')")
after=$(rows)
if [ "$after" -eq $((before + 2)) ] && [ -z "$heard_coord" ] && [ -z "$heard_worker" ]; then
  ok "a register's change on the cluster writes its notification row ($before -> $after) and announces nothing: not to a LISTEN on the coordinator, nor on the worker holding the rows (port $worker)"
else
  notok "a register's change writes its row and is not announced (the shards stay silent)" \
        "rows: $before -> $after" "heard on the coordinator: [$heard_coord]" "heard on the worker: [$heard_worker]"
fi

# raise_due_items() announces from the coordinator: both objectives are overdue.
due_ids() { coord -c "SELECT notification_id FROM iso28000.notification WHERE org_id = $org AND kind = 'due' ORDER BY 1"; }
due_ids > "$tmp/due_before"
heard=$(listen "${ports[0]}" "SELECT iso28000.raise_due_items($org)" | sort -n | tr '\n' ' ')
raised=$(due_ids | comm -13 "$tmp/due_before" - | sort -n | tr '\n' ' ')
objectives=$(coord -c "SELECT count(*) FROM iso28000.notification n WHERE n.org_id = $org AND n.kind = 'due' AND n.register = 'objective'
                        AND n.record_id IN (SELECT objective_id FROM iso28000.objective WHERE org_id = $org AND title LIKE 'Notify check $tag %')")
if [ "$objectives" = 2 ] && [ -n "$heard" ] && [ "$heard" = "$raised" ]; then
  ok "raise_due_items() through the coordinator is heard by a LISTEN on the coordinator: one payload per row it wrote ($heard)"
else
  notok "raise_due_items() is heard on the coordinator, one payload per row" "heard: [$heard]" "rows written: [$raised]" "the objectives' due rows: $objectives"
fi

# raise_due_items() obeys iso28000.notify_announce on a cluster as on one
# node: 'off' announces none of its rows, 'listen' none while no mailer
# listens through iso28000.listen() and every one while one does, 'row' every
# one.  Each case raises the due item of a new overdue objective.
announce_case() {
  local announce=$1 mailer=$2 expect=$3 name how=" with a plain LISTEN"
  [ -n "$mailer" ] && how=" with a mailer in iso28000.listen()"
  name="Announce check $tag $announce${mailer:+ mailer}"   # not a 'Notify check' row: the mailer below counts those
  coord -c "SET ROLE npl_security_manager" -c "INSERT INTO iso28000.objective (org_id, title, target, unit, set_on, due_on, owner_id, evaluation_method)
                                              VALUES ($org, '$name', 95, 'percent', current_date - 10, current_date - 1, $owner, 'monthly gate audit')" >/dev/null
  due_ids > "$tmp/due_before"
  heard=$(listen "${ports[0]}" "SELECT iso28000.raise_due_items($org)" "$announce" "${mailer:-LISTEN iso28000_notification}" | sort -n | tr '\n' ' ')
  raised=$(due_ids | comm -13 "$tmp/due_before" - | sort -n | tr '\n' ' ')
  mine=$(coord -c "SELECT count(*) FROM iso28000.notification n WHERE n.org_id = $org AND n.kind = 'due' AND n.register = 'objective'
                    AND n.record_id IN (SELECT objective_id FROM iso28000.objective WHERE org_id = $org AND title = '$name')")
  if [ "$expect" = heard ]; then want=$raised; else want=; fi
  if [ "$mine" = 1 ] && [ "$heard" = "$want" ]; then
    ok "raise_due_items() on the cluster under notify_announce = $announce$how: writes the due row ($raised) and is $( [ "$expect" = heard ] && echo "heard, one payload per row" || echo "not heard")"
  else
    notok "raise_due_items() under notify_announce = $announce$how: expected $expect" \
          "heard: [$heard]" "rows written: [$raised]" "the new objective's due rows: $mine"
  fi
}
announce_case off '' silent
announce_case listen '' silent
announce_case listen 'SELECT iso28000.listen()' heard
announce_case row '' heard

# The mailer's way on a cluster: read what is not yet delivered, mark it.
pending() { coord -c "SET ROLE npl_security_manager" -c "SELECT string_agg(notification_id::text, ' ' ORDER BY created_at, notification_id)
                        FROM iso28000.notification WHERE org_id = $org AND delivered_at IS NULL AND kind = 'assignment'
                         AND register = 'objective'
                         AND record_id IN (SELECT objective_id FROM iso28000.objective WHERE org_id = $org AND title LIKE 'Notify check $tag %')"; }
ids=$(pending)
n=$(echo "$ids" | wc -w)
marked=$(coord -c "SET ROLE npl_security_manager" -c "SELECT iso28000.mark_delivered($org, '{$(echo "$ids" | tr ' ' ',')}'::bigint[])" 2>&1)
again=$(pending)
if [ "$n" = 2 ] && [ "$marked" = 2 ] && [ -z "$again" ]; then
  ok "a mailer reading the outbox through the coordinator finds the 2 assignments, marks them delivered (mark_delivered: $marked) and finds nothing more"
else
  notok "a mailer reads, marks and no longer finds the undelivered rows" "pending: [$ids]" "mark_delivered: $marked" "then: [$again]"
fi
