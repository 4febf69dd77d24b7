#!/usr/bin/env bash
# The acting person's look-ups on a worker read the organisation's shards
# (doc/distribution.md, "The acting person on a cluster"): run by
# test/suite.d/citus on the cluster it started (CITUS_PORTS_LIST:
# coordinator first), in a database of its own.
#
# A register's triggers on its shard look up the acting person (the history
# records it) in the worker's backend, inside the coordinator's task.  When
# that look-up queried the distributed iso28000.person (and delegation),
# Citus ran it through its executor: locally when it could (allowed in a
# trigger), through a connection when it could not, which it refuses there
# (XX000 "cannot execute a distributed query from a query on a shard"): the
# cascade of an organisation's DELETE failed about one run in eight to
# twelve of workflow_event_org_cluster.  Which way Citus goes depends on the
# transaction's earlier accesses, so this checks instead that the look-ups
# do not reach Citus's executor at all: each statement runs with
# citus.log_local_commands = on carried to the workers (SET LOCAL with
# citus.propagate_set_commands = local), and no notice of a local execution
# may name a shard of person or delegation (before the fix each of the first
# three steps printed one: "SELECT person_id FROM iso28000.person_102196 p
# ...", "SELECT (EXISTS (SELECT FROM iso28000.delegation_102084 d ...";
# the fourth passed).  Checked:
#   - an UPDATE of a register row through the coordinator: its history
#     record names the person whose db_role is the current user;
#   - act_as() by a delegated application role, then an UPDATE: the worker
#     checks the delegation and the person on its shards, the history names
#     the declared person;
#   - a DELETE of an organisation (no person of its own: person's key would
#     refuse it) cascading to a register: done, the register's rows gone,
#     the delete recorded, with nobody acting;
#   - a DELETE of an organisation refused by the NO ACTION keys of a
#     register and of person: 23503, not XX000.
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
db=${ISO28000_CITUS_ACTOR_DB:-actor_shard}
. test/citus/shard_steps.sh

shard_db
shard_register as_cascade CASCADE
shard_register as_keep
if ! out=$(coord 2>&1 <<'SQL'
SET client_min_messages = warning;
SELECT iso28000.create_organization('AS1', 'cascade'), iso28000.create_organization('AS2', 'no action');
INSERT INTO iso28000.person (org_id, full_name, db_role)
  SELECT org_id, 'Ann', current_user FROM iso28000.organization WHERE code = 'AS2';
INSERT INTO iso28000.as_cascade SELECT org_id, 1, 'x' FROM iso28000.organization WHERE code = 'AS1';
INSERT INTO iso28000.as_keep SELECT org_id, 1, 'x' FROM iso28000.organization WHERE code = 'AS2';
INSERT INTO iso28000.person (org_id, full_name) SELECT org_id, 'Bob' FROM iso28000.organization WHERE code = 'AS2';
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'as_app') THEN CREATE ROLE as_app LOGIN; END IF;
END $$;
SELECT iso28000.grant_access(org_id, 'as_app', 'write'), iso28000.grant_delegation(org_id, 'as_app', 'the application')
  FROM iso28000.organization WHERE code = 'AS2';
SQL
); then notok "the extension distributed, organisations AS1 and AS2, registers as_cascade and as_keep" "$out"; exit 1; fi
org1=$(coord -c "SELECT org_id FROM iso28000.organization WHERE code = 'AS1'")
org2=$(coord -c "SELECT org_id FROM iso28000.organization WHERE code = 'AS2'")
ann2=$(coord -c "SELECT person_id FROM iso28000.person WHERE org_id = $org2 AND full_name = 'Ann'")
bob2=$(coord -c "SELECT person_id FROM iso28000.person WHERE org_id = $org2 AND full_name = 'Bob'")
# A notice of a local execution of the acting person's look-ups: a distributed query of person or delegation.
lookup='executing the command locally: .*iso28000\.(person|delegation)_[0-9]+'

out=$(remote "UPDATE iso28000.as_keep SET label = 'y' WHERE org_id = $org2")
got=$(coord -c "SELECT acting_person FROM iso28000.history WHERE org_id = $org2 AND table_name = 'iso28000.as_keep' AND operation = 'UPDATE'")
if [ "$got" = "$ann2" ] && ! grep -qE "$lookup" <<<"$out"; then
  ok "an UPDATE of a register through the coordinator, the worker's look-up reads the shard, not through Citus: the history names the person of the current user ($got)"
else
  notok "an UPDATE of a register through the coordinator, the worker's look-up reads the shard, not through Citus, and records person $ann2" "recorded: '$got'" "$(echo "$out" | grep -E "ERROR|$lookup" | head -3)"
fi

out=$(coord -c "SET ROLE as_app" -c "BEGIN" -c "SET LOCAL citus.propagate_set_commands = local" \
            -c "SET LOCAL citus.log_local_commands = on" -c "SELECT iso28000.act_as($org2, $bob2)" \
            -c "UPDATE iso28000.as_keep SET label = 'z' WHERE org_id = $org2" -c "COMMIT" 2>&1)
got=$(coord -c "SELECT acting_person FROM iso28000.history WHERE org_id = $org2 AND table_name = 'iso28000.as_keep' AND operation = 'UPDATE' ORDER BY seq DESC LIMIT 1")
if [ "$got" = "$bob2" ] && ! grep -qE "$lookup" <<<"$out"; then
  ok "act_as() by a delegated role through the coordinator: the worker checks the delegation on its shards, the history names the declared person ($got)"
else
  notok "act_as() by a delegated role through the coordinator: the worker checks the delegation on its shards and records person $bob2" \
        "recorded: '$got'" "$(echo "$out" | grep -E "ERROR|$lookup" | head -3)"
fi

# An UPDATE outside a transaction block: a single-shard statement, which
# Citus sends to the worker without a distributed transaction id; the worker
# still runs a task there (its backend is one of Citus's connections).  The
# notices reach the worker through a setting of the role (ALTER ROLE ... SET,
# which Citus propagates), SET LOCAL needing a transaction block.
coord -c "ALTER ROLE as_app SET citus.log_local_commands = on" >/dev/null
out=$(coord -c "SET ROLE as_app" -c "UPDATE iso28000.as_keep SET label = 'w' WHERE org_id = $org2" \
            -c "SELECT 'on the worker: ' || current_setting('citus.log_local_commands') FROM iso28000.as_keep WHERE org_id OPERATOR(pg_catalog.=) $org2" 2>&1)
coord -c "ALTER ROLE as_app RESET citus.log_local_commands" >/dev/null
n=$(coord -c "SELECT count(*) FROM iso28000.as_keep WHERE org_id = $org2 AND label = 'w'")
if [ "$n" = 1 ] && grep -q "^on the worker: on$" <<<"$out" && ! grep -qE "ERROR|$lookup" <<<"$out"; then
  ok "an UPDATE outside a transaction block through the coordinator: the worker's look-up reads the shard, not through Citus (the notices reach the worker)"
else
  notok "an UPDATE outside a transaction block through the coordinator: the worker's look-up reads the shard, not through Citus" \
        "rows updated: '$n'" "$(echo "$out" | grep -E "ERROR|$lookup|on the worker" | head -3)"
fi

out=$(remote "WITH m AS (DELETE FROM iso28000.membership m USING iso28000.organization o WHERE m.org_id = o.org_id AND o.code = 'AS1') DELETE FROM iso28000.organization WHERE code = 'AS1'")
left=$(coord -c "SELECT count(*) FROM iso28000.as_cascade WHERE org_id = $org1")
orgleft=$(coord -c "SELECT count(*) FROM iso28000.organization WHERE code = 'AS1'")
got=$(coord -c "SELECT count(*) FILTER (WHERE acting_person IS NULL) || '/' || count(*) FROM iso28000.history WHERE org_id = $org1 AND table_name = 'iso28000.as_cascade' AND operation = 'DELETE'")
if [ "$left" = 0 ] && [ "$orgleft" = 0 ] && [ "$got" = "1/1" ] && ! grep -qE "$lookup" <<<"$out"; then
  ok "a DELETE of an organisation through the coordinator cascades to a register on its worker, the look-up on the shard, the delete recorded (nobody acting: the organisation has no person)"
else
  notok "a DELETE of an organisation through the coordinator cascades to a register on its worker" \
        "rows left: $left, organisation left: $orgleft, delete records without person/all: '$got' (expected 1/1)" "$out"
fi

out=$(coord -c "BEGIN" -c "SET LOCAL citus.propagate_set_commands = local" \
            -c "SET LOCAL citus.log_local_commands = on" -c "\\set VERBOSITY verbose" \
            -c "WITH m AS (DELETE FROM iso28000.membership m USING iso28000.organization o WHERE m.org_id = o.org_id AND o.code = 'AS2') DELETE FROM iso28000.organization WHERE code = 'AS2'" 2>&1)
if grep -q "ERROR:  23503" <<<"$out" && [ "$(coord -c "SELECT count(*) FROM iso28000.as_keep WHERE org_id = $org2")" = 1 ]; then
  ok "a DELETE of an organisation through the coordinator refused by a register's key: 23503"
else
  notok "a DELETE of an organisation through the coordinator refused by a register's key: 23503" "$out"
fi
