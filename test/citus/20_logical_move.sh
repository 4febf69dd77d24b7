#!/usr/bin/env bash
# A shard move with logical replication under the registers' forced
# row-level security (doc/distribution.md, "Moving shards"), run by
# test/suite.d/citus on the suite's data (organisation CA and its manager
# citus_mgr_a, LOGIN, not a superuser), with wal_level = logical on every node
# (tools/citus-cluster).
#
# Citus 13.2.2 applies the move's subscription as a role it makes for the
# move on the target worker (citus_shard_move_subscription_role_..., a member
# of the tables' owner, not a superuser, no BYPASSRLS); PostgreSQL 15 refuses
# to apply into a table whose row-level security holds for that role, which
# FORCE ROW LEVEL SECURITY makes it do.  The procedure shown here: while the
# move waits, a superuser gives that role BYPASSRLS on the target worker; the
# apply worker's next attempt goes through and the move completes.  Checked:
# the move first meets the refusal (so the test fails if that ever changes),
# the rows a member wrote during the move are all there once, the chain
# verifies, a transition is checked on the new node, and nothing of the move
# (roles, subscriptions) is left.  A's group is moved back with block_writes.
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tools/citus-cluster
read -r -a ports <<< "${CITUS_PORTS_LIST:?run by test/suite.d/citus}"
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }
on() { local p=$1; shift; PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -h "$CITUS_HOST" -p "$p" -U "$CITUS_USER" -d postgres "$@"; }
admin() { on "${ports[0]}" "$@"; }
member() { PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -h "$CITUS_HOST" -p "${ports[0]}" -U citus_mgr_a -d postgres "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

levels=$(for p in "${ports[@]}"; do on "$p" -c "SHOW wal_level"; done | sort -u | tr '\n' ' ')
[ "$levels" = "logical " ] && ok "wal_level is logical on every node" || { notok "wal_level is logical on every node" "$levels"; exit 1; }
a=$(admin -c "SELECT org_id FROM iso28000.organization WHERE code = 'CA'")
shard=$(admin -c "SELECT get_shard_id_for_distribution_column('iso28000.nonconformity', $a)")
src=$(admin -c "SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid WHERE p.shardid = $shard")
dst=${ports[1]}; [ "$src" = "${ports[1]}" ] && dst=${ports[2]}
dst_log=$(awk -v p="$dst" '$2 == p { print $1 }' "$CITUS_DIR/nodes"); dst_log="$CITUS_DIR/$dst_log.log"
before=$(grep -c "cannot replicate into relation with row-level security enabled" "$dst_log")

# A's manager writes 40 nonconformities through the coordinator meanwhile.
( for i in $(seq 1 40); do
    member -c "INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES ($a, 'Logical move $i', 'minor')" || echo "write $i failed"
    sleep 0.2
  done > "$tmp/writes" 2>&1 ) &
writer=$!
sleep 1
( admin -c "SET statement_timeout = '180s'" \
        -c "SELECT citus_move_shard_placement($shard, '$CITUS_HOST', $src, '$CITUS_HOST', $dst, shard_transfer_mode => 'force_logical')" \
        > "$tmp/move" 2>&1; echo "rc=$?" >> "$tmp/move" ) &
mover=$!

# The refusal, then the procedure.
role=
for i in $(seq 1 120); do
  if [ "$(grep -c "cannot replicate into relation with row-level security enabled" "$dst_log")" -gt "$before" ]; then
    role=$(grep "cannot replicate into relation with row-level security enabled" "$dst_log" | tail -1 | sed -E 's/.*user "([^"]+)".*/\1/')
    break
  fi
  grep -q '^rc=' "$tmp/move" 2>/dev/null && break
  sleep 0.5
done
if [ -n "$role" ]; then
  ok "the move's subscription is refused by row-level security on the target worker (role $role)"
  on "$dst" -c "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = '$role'" | grep -qx 'f|f' &&
    ok "the role Citus made for the move is neither a superuser nor BYPASSRLS" ||
    notok "the role Citus made for the move is neither a superuser nor BYPASSRLS"
  on "$dst" -c "SET citus.enable_ddl_propagation = off" -c "ALTER ROLE \"$role\" BYPASSRLS" &&
    ok "a superuser gives it BYPASSRLS on the target worker while the move waits" ||
    notok "ALTER ROLE $role BYPASSRLS on the target worker"
else
  notok "the move's subscription is refused by row-level security on the target worker" "$(cat "$tmp/move")"
fi
wait "$mover"; wait "$writer"
grep -q '^rc=0' "$tmp/move" && ok "the move with logical replication completes" || notok "the move with logical replication completes" "$(cat "$tmp/move")"
[ ! -s "$tmp/writes" ] && ok "the member's 40 writes during the move all succeeded" || notok "the member's writes during the move" "$(head -3 "$tmp/writes")"
[ "$(admin -c "SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid WHERE p.shardid = $shard")" = "$dst" ] &&
  ok "A's shard is on the other worker" || notok "A's shard is on the other worker"
n=$(admin -c "SELECT count(*) FROM iso28000.nonconformity WHERE org_id = $a AND title LIKE 'Logical move %'")
[ "$n" = 40 ] && ok "the 40 nonconformities are there, once each" || notok "the 40 nonconformities are there" "$n"
[ "$(admin -c "SELECT valid FROM iso28000.verify_history($a)")" = t ] && ok "A's chain verifies" || notok "A's chain verifies"
# A transition on the new node: the guard refuses an illegal one, a legal one passes.
nc=$(admin -c "SELECT nonconformity_id FROM iso28000.nonconformity WHERE org_id = $a AND title = 'Logical move 40'")
out=$(member -c "UPDATE iso28000.nonconformity SET status = 'closed' WHERE org_id = $a AND nonconformity_id = $nc" 2>&1)
grep -q 'IS102' <<<"$out" && ok "an illegal transition is refused on the new node (IS102)" || notok "an illegal transition is refused on the new node" "$out"
member -c "UPDATE iso28000.nonconformity SET status = 'contained', correction = 'held' WHERE org_id = $a AND nonconformity_id = $nc" >/dev/null 2>&1 &&
  ok "a legal transition passes on the new node" || notok "a legal transition passes on the new node"
# The old placements are dropped once nothing holds them: retried a while.
for i in $(seq 1 30); do
  admin -c "CALL citus_cleanup_orphaned_resources()" >/dev/null 2>&1
  [ "$(admin -c "SELECT count(*) FROM pg_dist_cleanup")" = 0 ] && break
  sleep 1
done
left=$(for p in "${ports[@]}"; do on "$p" -c "SELECT (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'citus_shard_move%') + (SELECT count(*) FROM pg_subscription)"; done | tr '\n' ' ')
[ "$left" = "0 0 0 " ] && ok "no role or subscription of the move is left on any node" || notok "no role or subscription of the move is left" "$left"
# Back, as the other tests expect it.
admin -c "SELECT citus_move_shard_placement($shard, '$CITUS_HOST', $dst, '$CITUS_HOST', $src, shard_transfer_mode => 'block_writes')" >/dev/null &&
  admin -c "CALL citus_cleanup_orphaned_resources()" >/dev/null 2>&1 &&
  ok "moved back with block_writes" || notok "moved back with block_writes"
