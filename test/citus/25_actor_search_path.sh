#!/usr/bin/env bash
# The acting person's look-up on a worker under a member's hostile
# search_path (doc/distribution.md, "The acting person on a cluster"): run
# by test/suite.d/citus on the cluster it started (CITUS_PORTS_LIST:
# coordinator first), in a database of its own.
#
# On a worker the look-ups (src/actor.c) run a fixed text with the
# organisation's shards of person and delegation put in
# (iso28000_org_shard_execute()), as the owner of person, in the member's
# transaction, so with the member's search_path (carried to the worker by
# SET LOCAL with citus.propagate_set_commands = local).  The trap: a schema
# of the member's (a LOGIN role, no superuser) on every node, first in the
# path, holding tables named person and delegation (a row claiming person
# 999999 for the member's role) and an operator = for bigint and for name
# that raises (temporary tables cannot reach a worker's session: the schema
# stands in for pg_temp).  Checked:
#   - under the trap's path an unqualified = fires it and an unqualified
#     person reads the trap's table, on each worker;
#   - a member's UPDATE of a register through the coordinator under that
#     path (the path seen on the worker in the same transaction): done, the
#     history names the member's real person, not 999999, and the trap did
#     not fire;
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
db=${ISO28000_CITUS_ACTOR_SP_DB:-actor_search_path}
. test/citus/shard_steps.sh

shard_db
shard_register asp_item
if ! out=$(coord 2>&1 <<'SQL'
SET client_min_messages = warning;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'asp_member') THEN CREATE ROLE asp_member LOGIN; END IF;
END $$;
SELECT iso28000.create_organization('ASP', 'hostile path');
SELECT iso28000.grant_access(org_id, 'asp_member', 'write') FROM iso28000.organization WHERE code = 'ASP';
INSERT INTO iso28000.person (org_id, full_name, db_role)
  SELECT org_id, 'Member', 'asp_member' FROM iso28000.organization WHERE code = 'ASP';
INSERT INTO iso28000.asp_item SELECT org_id, 1, 'x' FROM iso28000.organization WHERE code = 'ASP';
SQL
); then notok "the extension distributed, organisation ASP, its member and register asp_item" "$out"; exit 1; fi
org=$(coord -c "SELECT org_id FROM iso28000.organization WHERE code = 'ASP'")
person=$(coord -c "SELECT person_id FROM iso28000.person WHERE org_id = $org AND db_role = 'asp_member'")

# The trap, made the same on every node (Citus propagates neither operators
# nor the tables of a schema it does not distribute).
trap_sql="SET citus.enable_ddl_propagation = off;
CREATE SCHEMA asp_trap AUTHORIZATION asp_member;
SET ROLE asp_member;
CREATE FUNCTION asp_trap.eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS \$f\$BEGIN RAISE EXCEPTION 'trap fired'; END\$f\$;
CREATE FUNCTION asp_trap.eq(name, name) RETURNS boolean LANGUAGE plpgsql AS \$f\$BEGIN RAISE EXCEPTION 'trap fired'; END\$f\$;
CREATE OPERATOR asp_trap.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = asp_trap.eq);
CREATE OPERATOR asp_trap.= (LEFTARG = name, RIGHTARG = name, FUNCTION = asp_trap.eq);
CREATE TABLE asp_trap.person (org_id bigint, person_id bigint, db_role name, active boolean);
INSERT INTO asp_trap.person VALUES ($org, 999999, 'asp_member', true);
CREATE TABLE asp_trap.delegation (org_id bigint, delegate oid);
RESET ROLE;"
made=0
for p in "${ports[@]}"; do on "$p" -c "$trap_sql" >/dev/null 2>&1 && made=$((made + 1)); done
fired=0 read_trap=0
for p in "${ports[@]:1}"; do
  r=$(on "$p" -c "SET search_path = asp_trap, pg_catalog" -c "SELECT 1::bigint = 1::bigint" 2>&1)
  case "$r" in *"trap fired"*) fired=$((fired + 1)) ;; esac
  [ "$(on "$p" -c "SET search_path = asp_trap, pg_catalog" -c "SELECT max(person_id) FROM person" 2>&1)" = 999999 ] && read_trap=$((read_trap + 1))
done
if [ "$made" = "${#ports[@]}" ] && [ "$fired" = 2 ] && [ "$read_trap" = 2 ]; then
  ok "the trap is made on every node; under its path an unqualified = fires it and an unqualified person reads its table, on each worker"
else
  notok "the trap is made on every node and fires under its path on each worker" "made on $made nodes, fired on $fired workers, its person read on $read_trap"
fi

path='asp_trap, iso28000, pg_catalog'
out=$(coord -c "SET ROLE asp_member" -c "BEGIN" -c "SET LOCAL citus.propagate_set_commands = local" \
            -c "SET LOCAL search_path = $path" \
            -c "UPDATE iso28000.asp_item SET label = 'y' WHERE org_id = $org" \
            -c "SELECT 'worker path: ' || current_setting('search_path') FROM iso28000.asp_item WHERE org_id OPERATOR(pg_catalog.=) $org" \
            -c "COMMIT" 2>&1)
got=$(coord -c "SELECT acting_person FROM iso28000.history WHERE org_id = $org AND table_name = 'iso28000.asp_item' AND operation = 'UPDATE' ORDER BY seq DESC LIMIT 1")
if grep -q "^worker path: $path\$" <<<"$out" && ! grep -q "ERROR" <<<"$out" && [ "$got" = "$person" ]; then
  ok "a member's UPDATE through the coordinator under the trap's path (seen on the worker): the worker's look-up finds the real person ($got), the trap does not fire"
else
  notok "a member's UPDATE through the coordinator under the trap's path: the worker's look-up finds the real person $person" \
        "recorded: '$got'" "$out"
fi
