# bench/lib.sh: shell functions shared by the bench scripts (sourced, not run).

# sample_waits: samples the wait events of $MEMBER's client backends in $DB
# every 0.1 s into $TMP/waits until $TMP/stop_waits exists (run it in the
# background; touch $TMP/stop_waits and wait to end it).
sample_waits() {
  rm -f "$TMP/stop_waits"
  : > "$TMP/waits"
  while [ ! -f "$TMP/stop_waits" ]; do
    command psql -X -At -d "$DB" -c "SELECT coalesce(a.wait_event_type || ': ' || a.wait_event, CASE WHEN a.state = 'active' THEN 'on CPU' ELSE a.state END)
        || coalesce(' (waiting for ' || (SELECT string_agg(DISTINCT CASE WHEN l.locktype = 'object' AND l.classid = 'pg_catalog.pg_database'::regclass
                                                                    THEN 'the NOTIFY commit lock (object lock on the database)'
                                                                    ELSE l.locktype || coalesce(' on ' || l.relation::regclass::text, '') END, ', ')
                                           FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) || ')', '')
       FROM pg_stat_activity a WHERE a.usename = '$MEMBER' AND a.backend_type = 'client backend'" >> "$TMP/waits" 2>/dev/null || true
    sleep 0.1
  done
}

# bench_setup ORGS CODE NAME: the setup every register bench repeated.  A fresh
# database $DB with the extension, no parallel workers (one core per
# statement); organisations 1..ORGS (code CODE1.., name 'NAME 1'..); $MEMBER,
# a LOGIN role with password $MEMBER_PW, a `write` member of each with a
# person 'Bench member' of its own (person_id = org_id).  Defines psql (to $DB,
# stopping at the first error) and as_member (runs a command as $MEMBER); on
# exit $DB, $MEMBER and $TMP are removed.  The bench's own tables and rows come
# after, in its own psql call.
bench_setup() {
  local orgs=$1 code=$2 name=$3
  dropdb --if-exists "$DB" >/dev/null 2>&1
  createdb "$DB"
  MEMBER_PW=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  trap 'dropdb --if-exists "$DB" >/dev/null 2>&1; command psql -X -q -d postgres -c "DROP ROLE IF EXISTS $MEMBER" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
  psql() { command psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
  as_member() { PGUSER=$MEMBER PGPASSWORD=$MEMBER_PW "$@"; }
  psql -v DBNAME="$DB" -v member="$MEMBER" -v pw="$MEMBER_PW" -v orgs="$orgs" -v code="$code" -v name="$name" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION iso28000;
DROP ROLE IF EXISTS :"member";
CREATE ROLE :"member" LOGIN PASSWORD :'pw';
ALTER DATABASE :"DBNAME" SET max_parallel_workers_per_gather = 0;
SELECT iso28000.create_organization(:'code' || n, :'name' || ' ' || n) FROM generate_series(1, :orgs) n;
SELECT iso28000.grant_access(o, :'member', 'write') FROM generate_series(1, :orgs) o;
-- The member acts as a person of each organisation through its own role.
INSERT INTO iso28000.person (org_id, full_name, db_role) SELECT o, 'Bench member', :'member' FROM generate_series(1, :orgs) o;
SQL
}
