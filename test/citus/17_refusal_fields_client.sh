#!/usr/bin/env bash
# A refusal raised on a worker as a client of the coordinator receives it
# (doc/distribution.md, "Refusals through the coordinator"), run by
# test/suite.d/citus after 16_refusal_fields.sql, on its organisation CRF and
# its writer citus_rf_wri (LOGIN, not a superuser), with psql in verbose mode.
# Citus passes on only the SQLSTATE, message, detail, hint and context of a
# worker's error; the extension's library carries the schema, table, column
# and constraint in a context line from the worker (src/citus_errfields.c),
# and puts them back as the error's fields in the client's backend on the
# coordinator, where a write of a register loads it (and
# session_preload_libraries at the start of a session).
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tools/citus-cluster
read -r -a ports <<< "${CITUS_PORTS_LIST:?run by test/suite.d/citus}"

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }
admin() { PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -h "$CITUS_HOST" -p "${ports[0]}" -U "$CITUS_USER" -d postgres "$@"; }
# The writer's session through the coordinator, verbose; prints what psql shows of the error.
writer() { PGPASSWORD= psql -Xq -v VERBOSITY=verbose -h "$CITUS_HOST" -p "${ports[0]}" -U citus_rf_wri -d postgres -c "$1" 2>&1; }

org=$(admin -c "SELECT org_id FROM iso28000.organization WHERE code = 'CRF'")
[ -n "$org" ] || { notok "organisation CRF of 16_refusal_fields on the cluster"; exit 1; }
[ "$(admin -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'citus_rf_wri'")" = f ] \
  && ok "the writer is not a superuser" || notok "the writer is not a superuser"
ins="INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on) VALUES ($org, 'Low only', 'low', current_date)"
fk="INSERT INTO iso28000.nonconformity (org_id, title, severity, owner_id) VALUES ($org, 'No such owner', 'minor', -1)"

ra=$(admin -c "SELECT risk_appetite_id FROM iso28000.risk_appetite WHERE org_id = $org ORDER BY 1 LIMIT 1")
upd="UPDATE iso28000.risk_appetite SET max_band = 'high' WHERE org_id = $org AND risk_appetite_id = $ra"
del="DELETE FROM iso28000.risk_appetite WHERE org_id = $org AND risk_appetite_id = $ra"

# check NAME OUTPUT SQLSTATE MESSAGE-START TABLE [CONSTRAINT]: psql's verbose
# report of the error has the SQLSTATE, the message, schema iso28000 and the
# table (and constraint) without a shard's suffix, Citus's context line, and
# no "iso28000 fields:" line left in the context.
check() {
  local name=$1 out=$2 state=$3 msg=$4 table=$5 con=${6:-}
  if grep -qF "ERROR:  $state: $msg" <<< "$out" \
     && grep -q "^SCHEMA NAME:  iso28000$" <<< "$out" && grep -q "^TABLE NAME:  $table$" <<< "$out" \
     && { [ -z "$con" ] || grep -q "^CONSTRAINT NAME:  $con$" <<< "$out"; } \
     && grep -q "while executing command on" <<< "$out" && ! grep -q "iso28000 fields:" <<< "$out"; then
    ok "$name"
  else
    notok "$name" "$out"
  fi
}

check "an INSERT refused on the worker (IS001) arrives with its schema and table fields, the table's name, not the shard's" \
      "$(writer "$ins")" IS001 "role \"citus_rf_wri\" cannot insert iso28000.risk_appetite of organisation $org" risk_appetite
check "so does an UPDATE refused there (IS001)" \
      "$(writer "$upd")" IS001 "role \"citus_rf_wri\" cannot update iso28000.risk_appetite of organisation $org" risk_appetite
check "and a foreign-key violation on the shard (23503): table and constraint without the shard's suffix" \
      "$(writer "$fk")" 23503 "insert or update on table" nonconformity nonconformity_org_id_owner_id_fkey
# With the library loaded at the start of every session of the role.
admin -c "ALTER ROLE citus_rf_wri SET session_preload_libraries = 'iso28000'" >/dev/null
check "with session_preload_libraries = iso28000, a DELETE refused on the worker (IS001) arrives with its fields" \
      "$(writer "$del")" IS001 "role \"citus_rf_wri\" cannot delete iso28000.risk_appetite of organisation $org" risk_appetite
admin -c "ALTER ROLE citus_rf_wri RESET session_preload_libraries" >/dev/null
