#!/usr/bin/env bash
# pg_dump of the coordinator restores into a fresh cluster (doc/distribution.md,
# "Backup and restore").  Run by test/suite.d/citus after the SQL files, on
# the cluster they left (CITUS_PORTS_LIST: coordinator first).
#
# The dump is taken on the coordinator with pg_dump -Fc: Citus answers the
# COPY of a distributed or reference table from its shards, so the dump holds
# every row once, as plain tables.  A fresh coordinator and two workers get the
# roles (pg_dumpall --roles-only), the dump restored as doc/dba.md prescribes
# for one node (a superuser, session_replication_role = replica, so that rows
# come back in their final states without the triggers re-deciding or
# re-recording them; Citus's own extension is already there and left out of
# the restore list), and one iso28000.distribute().  Checked: every table of
# the extension has the same rows (count and md5 of the ordered rows, read
# through the coordinator), every chain verifies, the registers are
# distributed again, and the cluster takes a new change into the chain.
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tools/citus-cluster
read -r -a old <<< "${CITUS_PORTS_LIST:?run by test/suite.d/citus}"
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'citus_cluster_stop; rm -rf "$tmp"' EXIT

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }
q() { local port=$1; shift; PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -h "$CITUS_HOST" -p "$port" -U "$CITUS_USER" -d postgres "$@"; }

# One line per table of the extension: rows and md5 of the ordered rows.
snapshot() {
  q "$1" <<'SQL'
SET client_min_messages = warning;
CREATE TEMP TABLE snap (line text);
DO $$
DECLARE t regclass; n bigint; h text;
BEGIN
    FOR t IN
        SELECT c.oid::regclass FROM pg_depend d
          JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'iso28000'
          JOIN pg_class c ON c.oid = d.objid AND d.classid = 'pg_class'::regclass
         WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND c.relkind IN ('r', 'p')
         ORDER BY 1::text
    LOOP
        EXECUTE format('SELECT count(*), md5(coalesce(string_agg(r, E''\n'' ORDER BY r), ''''))
                          FROM (SELECT t::text AS r FROM %s t) s', t) INTO n, h;
        INSERT INTO snap VALUES (format('%s: %s rows, md5 %s', t, n, h));
    END LOOP;
END $$;
SELECT line FROM snap ORDER BY line;
SQL
}

if ! PGPASSWORD= pg_dump -h "$CITUS_HOST" -p "${old[0]}" -U "$CITUS_USER" -d postgres -Fc -f "$tmp/coord.dump" 2> "$tmp/dump.log"; then
  notok "pg_dump -Fc of the coordinator" "$(head -5 "$tmp/dump.log")"; exit 1
fi
ok "pg_dump -Fc of the coordinator"
PGPASSWORD= pg_dumpall -h "$CITUS_HOST" -p "${old[0]}" -U "$CITUS_USER" --roles-only 2>/dev/null \
  | grep -vE "^(CREATE|ALTER) ROLE $CITUS_USER( |;)" > "$tmp/roles.sql"
snapshot "${old[0]}" > "$tmp/before" || { notok "a snapshot of the cluster's tables"; exit 1; }

if ! citus_cluster_start; then
  notok "a fresh coordinator and two workers start"; exit 1
fi
new=("${CITUS_PORTS[@]}")
ok "a fresh cluster: coordinator on port ${new[0]}, workers on ${new[1]} and ${new[2]}"

if q "${new[0]}" -f "$tmp/roles.sql" > "$tmp/roles.log" 2>&1; then
  ok "the roles restored on the fresh coordinator (Citus passes them to the workers)"
else
  notok "the roles restored on the fresh coordinator" "$(head -5 "$tmp/roles.log")"
fi

# Citus is in the fresh database already: leave its extension out.
pg_restore -l "$tmp/coord.dump" | grep -vE ' EXTENSION - citus$|COMMENT - EXTENSION citus$' > "$tmp/list"
if PGPASSWORD= PGOPTIONS='-c session_replication_role=replica' \
     pg_restore -h "$CITUS_HOST" -p "${new[0]}" -U "$CITUS_USER" -d postgres --exit-on-error \
                -L "$tmp/list" "$tmp/coord.dump" > "$tmp/restore.log" 2>&1; then
  ok "pg_restore into the fresh coordinator, as a superuser with session_replication_role = replica"
else
  notok "pg_restore into the fresh coordinator" "$(grep -v '^pg_restore: warning' "$tmp/restore.log" | head -8)"
  exit 1
fi

if out=$(q "${new[0]}" -c "SET client_min_messages = warning" -c "SELECT count(*) FROM iso28000.distribute()" 2>&1); then
  ok "iso28000.distribute() converts the restored database ($out tables)"
else
  notok "iso28000.distribute() converts the restored database" "$(echo "$out" | head -5)"
fi
n=$(q "${new[0]}" -c "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'iso28000.%'")
m=$(q "${old[0]}" -c "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'iso28000.%'")
if [ "$n" = "$m" ] && [ "$n" -gt 0 ]; then ok "the restored cluster has the same $n Citus tables of the extension"
else notok "the restored cluster has the same Citus tables" "before: $m, after: $n"; fi

snapshot "${new[0]}" > "$tmp/after"
if diff -u "$tmp/before" "$tmp/after" > "$tmp/diff"; then
  ok "every table of the extension has the same rows after the round trip ($(wc -l < "$tmp/after") tables, read through the coordinator)"
else
  notok "every table of the extension has the same rows after the round trip" "$(head -20 "$tmp/diff")"
fi

bad=$(q "${new[0]}" -c "SELECT string_agg(o.org_id::text, ', ') FROM iso28000.organization o
                        WHERE NOT (SELECT v.valid FROM iso28000.verify_history(o.org_id) v)")
orgs=$(q "${new[0]}" -c "SELECT count(*) FROM iso28000.organization")
if [ -z "$bad" ] && [ "$orgs" -gt 0 ]; then ok "every chain verifies on the restored cluster ($orgs organisations)"
else notok "every chain verifies on the restored cluster" "broken: $bad"; fi

# The chain goes on with the next change, written by a member.
a=$(q "${new[0]}" -c "SELECT org_id FROM iso28000.organization WHERE code = 'CA'")
# (verify_history() in a statement of its own: a statement that filters by
# org_id runs whole on the organisation's worker, doc/distribution.md.)
if out=$(q "${new[0]}" -c "SET ROLE citus_mgr_a" \
           -c "INSERT INTO iso28000.person (org_id, full_name) VALUES ($a, 'Restored newcomer')" \
           -c "SELECT count(*) FROM iso28000.history WHERE org_id = $a AND after_image ->> 'full_name' = 'Restored newcomer'" \
           -c "SELECT valid FROM iso28000.verify_history($a)" 2>&1) \
   && [ "$out" = "$(printf '1\nt')" ]; then
  ok "a member's change on the restored cluster extends the chain, which still verifies"
else
  notok "a member's change on the restored cluster extends the chain" "$out"
fi
