#!/usr/bin/env bash
# The history's statements on a worker read and write the organisation's
# shards of history and history_head (doc/distribution.md, "The history on a
# cluster"): run by test/suite.d/citus on the cluster it started
# (CITUS_PORTS_LIST: coordinator first), in a database of its own.
#
# A register's history trigger fires on its shard, in the worker's backend,
# inside the coordinator's task: it locks the organisation's chain head
# (SELECT ... FOR UPDATE), makes it for a first record (INSERT ... ON
# CONFLICT DO NOTHING), appends the records and moves the head.  Through the
# distributed history_head and history, Citus ran each statement through its
# executor: locally when it could (allowed in a trigger), through a
# connection when it could not, which it refuses there (XX000 "cannot
# execute a distributed query from a query on a shard"): one way the cascade
# of an organisation's DELETE failed now and then in
# workflow_event_org_cluster.  As 23_actor_shard.sh does for the acting
# person, this checks that those statements do not reach Citus's executor at
# all: each step runs with citus.log_local_commands = on carried to the
# workers, and no notice of a local execution may name a shard of history or
# history_head (before the fix each step printed such notices: "SELECT seq,
# hash, ctid FROM iso28000.history_head_102... WHERE ...").  Checked:
#   - a new organisation (its organization row, a reference table, recorded
#     on the worker that holds its chain): the first head made, record 1;
#   - an INSERT and an UPDATE of a register row: records 2 and 3;
#   - a DELETE of an organisation cascading to a register: its delete record;
#   - the chains verify (verify_history) and their seqs have no gap.
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
db=${ISO28000_CITUS_HISTORY_DB:-history_shard}
. test/citus/shard_steps.sh
# A notice of a local execution of the history's statements: a distributed query of history or history_head.
chain='executing the command locally: .*iso28000\.history(_head)?_[0-9]+'
# "ok" when the step's output has no such notice and no error, else what it had.
clean() { if grep -qE "$chain|ERROR" <<<"$1"; then echo "$1" | grep -E "$chain|ERROR" | head -3; else echo ok; fi; }

shard_db
shard_register hs_item CASCADE

out=$(remote "SELECT iso28000.create_organization('HS1', 'first head on a worker')")
org=$(coord -c "SELECT org_id FROM iso28000.organization WHERE code = 'HS1'")
# (with its creator's membership: a second record)
got=$(coord -c "SELECT table_name || ':' || operation FROM iso28000.history WHERE org_id = $org AND seq = 1")
gaps=$(coord -c "SELECT count(*) || '/' || max(seq) || '/' || (SELECT seq FROM iso28000.history_head WHERE org_id = $org) FROM iso28000.history WHERE org_id = $org")
why=$(clean "$out")
if [ -n "$org" ] && [ "$got" = "iso28000.organization:INSERT" ] && [ "${gaps%%/*}" = "${gaps##*/}" ] && [ "$why" = ok ]; then
  ok "a new organisation through the coordinator: the worker makes its chain head and record 1 on the shards, not through Citus"
else
  notok "a new organisation through the coordinator: the worker makes its chain head and record 1 on the shards, not through Citus" \
        "record 1: '$got', records/last seq/head: $gaps" "$why"
fi

out=$(remote "INSERT INTO iso28000.hs_item VALUES ($org, 1, 'x')")
out2=$(remote "UPDATE iso28000.hs_item SET label = 'y' WHERE org_id = $org")
got=$(coord -c "SELECT string_agg(operation, ',' ORDER BY seq) FROM iso28000.history WHERE org_id = $org AND table_name = 'iso28000.hs_item'")
gaps=$(coord -c "SELECT count(*) || '/' || max(seq) || '/' || (SELECT seq FROM iso28000.history_head WHERE org_id = $org) FROM iso28000.history WHERE org_id = $org")
why=$(clean "$out$out2")
if [ "$got" = "INSERT,UPDATE" ] && [ "${gaps%%/*}" = "${gaps##*/}" ] && [ "$why" = ok ]; then
  ok "an INSERT and an UPDATE of a register through the coordinator: the worker locks and moves the head and appends the records on the shards, not through Citus ($gaps)"
else
  notok "an INSERT and an UPDATE of a register through the coordinator: the records on the shards, not through Citus" \
        "records of hs_item: '$got', records/last seq/head: $gaps" "$why"
fi

valid=$(coord -c "SELECT valid || ' ' || records_checked FROM iso28000.verify_history($org)" 2>&1)
if [ "$valid" = "true ${gaps%%/*}" ]; then
  ok "the chain written on the shards verifies ($valid)"
else
  notok "the chain written on the shards verifies (${gaps%%/*} records)" "$valid"
fi

coord -c "SELECT iso28000.create_organization('HS2', 'deleted')" >/dev/null
org2=$(coord -c "SELECT org_id FROM iso28000.organization WHERE code = 'HS2'")
coord -c "INSERT INTO iso28000.hs_item VALUES ($org2, 1, 'x')" >/dev/null
out=$(remote "WITH m AS (DELETE FROM iso28000.membership m USING iso28000.organization o WHERE m.org_id = o.org_id AND o.code = 'HS2') DELETE FROM iso28000.organization WHERE code = 'HS2'")
left=$(coord -c "SELECT count(*) FROM iso28000.hs_item WHERE org_id = $org2")
got=$(coord -c "SELECT string_agg(operation, ',' ORDER BY seq) FROM iso28000.history WHERE org_id = $org2 AND table_name = 'iso28000.hs_item'")
gaps=$(coord -c "SELECT count(*) || '/' || max(seq) FROM iso28000.history WHERE org_id = $org2")
why=$(clean "$out")
if [ "$left" = 0 ] && [ "$got" = "INSERT,DELETE" ] && [ "${gaps%/*}" = "${gaps#*/}" ] && [ "$why" = ok ]; then
  ok "a DELETE of an organisation through the coordinator cascades to a register on its worker, the delete recorded on the shards, not through Citus ($gaps records, no gap)"
else
  notok "a DELETE of an organisation through the coordinator cascades to a register on its worker, recorded on the shards" \
        "rows left: $left, records of hs_item: '$got' (expected INSERT,DELETE), records/last seq: $gaps" "$why"
fi
