# bench/lib.sh: shell functions shared by the bench scripts (sourced, not run):
# the register benches' database, member and wait sampling (sample_waits,
# bench_setup), and the callgrind benches' private cluster and counted runs
# (require_callgrind ... function_per_transition, below).

# sample_waits: samples the wait events of $MEMBER's client backends in $DB
# every 0.1 s into $TMP/waits until $TMP/stop_waits exists (run it in the
# background; touch $TMP/stop_waits and wait to end it).
sample_waits() {
  local pid
  rm -f "$TMP/stop_waits"
  : > "$TMP/waits"
  # One session repeats the query (\watch): a connection per sample would
  # fork a backend ten times a second on the cores being measured.
  printf '%s\n' "SELECT coalesce(a.wait_event_type || ': ' || a.wait_event, CASE WHEN a.state = 'active' THEN 'on CPU' ELSE a.state END)
        || coalesce(' (waiting for ' || (SELECT string_agg(DISTINCT CASE WHEN l.locktype = 'object' AND l.classid = 'pg_catalog.pg_database'::regclass
                                                                    THEN 'the NOTIFY commit lock (object lock on the database)'
                                                                    ELSE l.locktype || coalesce(' on ' || l.relation::regclass::text, '') END, ', ')
                                           FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) || ')', '')
       FROM pg_stat_activity a WHERE a.usename = '$MEMBER' AND a.backend_type = 'client backend'" '\watch 0.1' |
    command psql -X -At -d "$DB" -o "$TMP/waits" 2>/dev/null &
  pid=$!
  while [ ! -f "$TMP/stop_waits" ]; do sleep 0.2; done
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
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

# The callgrind benches (bench/writers.sh, bench/path.sh, bench/announce.sh)
# count instructions per transition, which the load of a shared machine does
# not move: a private cluster of the installed extension is loaded and
# stopped, then single-user backends run transitions under valgrind's
# callgrind.  The functions below are that machinery; each bench keeps its
# own data (its SQL), its variants and its report.

# require_callgrind OUT: ends the bench (exit 0) with a report OUT saying so
# when valgrind or callgrind_annotate is not installed (tools/setup installs
# them).
require_callgrind() {
  if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
    echo "(valgrind is not installed: no instruction counts; tools/setup installs it)" > "$1"
    cat "$1"
    exit 0
  fi
}

# as_owner COMMAND...: runs COMMAND as the private cluster's owner (postgres
# when we are root, else ourselves).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# private_cluster: prepares the private cluster in $TMP/data ($TMP: the
# bench's temporary directory, mode 755, given to postgres when we are root).
# Sets BIN (the server's binaries, pg_config --bindir), PRIV (the data
# directory) and OPTS (the server options by which it finds the extension
# where tools/pg-env installed it: extension_destdir and dynamic_library_path
# under ./tmp_install, when the server has extension_destdir; else none).
private_cluster() {
  BIN=$(pg_config --bindir)
  PRIV=$TMP/data
  OPTS=()
  if grep -q extension_destdir "$(pg_config --sharedir)/postgresql.conf.sample" 2>/dev/null && [ -d "$PWD/tmp_install" ]; then
    OPTS=(-c "extension_destdir=$PWD/tmp_install" -c "dynamic_library_path=$PWD/tmp_install$(pg_config --pkglibdir):\$libdir")
  fi
  if [ "$(id -u)" = 0 ]; then chown postgres "$TMP"; fi
}

# private_cluster_load DB ROWS < SQL: initdb of $PRIV (trust), as its owner;
# starts it on a socket in $TMP only (no TCP, port 5432, synchronous_commit
# off, $OPTS), creates the database DB, runs the SQL of stdin in DB as the
# owner with the psql variable rows = ROWS (stopping at the first error), and
# stops it: callgrind_run's single-user backends find it loaded.  Runs in a
# subshell without bench/run's connection settings (PGHOST, PGPORT...): the
# private cluster is reached by its own socket.
private_cluster_load() (
  unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE
  as_owner "$BIN/initdb" -D "$PRIV" -A trust >/dev/null
  as_owner "$BIN/pg_ctl" -D "$PRIV" -w -l "$TMP/log" \
    -o "-c listen_addresses='' -c unix_socket_directories=$TMP -c port=5432 -c synchronous_commit=off ${OPTS[*]:+$(printf "%q " "${OPTS[@]}")}" \
    start >/dev/null
  as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$TMP" -d postgres -c "CREATE DATABASE $1" >/dev/null
  as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$TMP" -d "$1" -v rows="$2" >/dev/null
  as_owner "$BIN/pg_ctl" -D "$PRIV" -w stop >/dev/null
)

# private_cluster_cleanup: for the bench's EXIT trap, before it removes $TMP:
# stops the private cluster if it was prepared (immediate; nothing when it is
# not running) and, with KEEP=dir, copies the callgrind outputs ($TMP/cg.*)
# there, to read further (callgrind_annotate).
private_cluster_cleanup() {
  if [ -n "${PRIV:-}" ]; then as_owner "$BIN/pg_ctl" -D "$PRIV" -m immediate stop >/dev/null 2>&1 || true; fi
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$TMP"/cg.* "$KEEP"/ 2>/dev/null || true; fi
}

# transitions_sql TABLE N: the statements of 20 + N single-row transitions of
# TABLE (reported -> contained, organisation 1's rows 1 to 20 + N, one
# statement and so one transaction each in single-user mode): the first 20
# warm the caches.
transitions_sql() {
  local t
  for ((t = 1; t <= 20 + $2; t++)); do
    echo "UPDATE $1 SET status = 'contained', correction = 'fixed' WHERE org_id = 1 AND nonconformity_id = $t;"
  done
}

# callgrind_run DB NAME < SQL: one counted run; prints its total instructions.
# First DB's rows are put back, outside the count, by a single-user backend
# (SELECT public.bench_reset(); VACUUM; bench_reset is the bench's own), so
# every run starts from the same rows and pages.  Then a single-user backend
# of the private cluster (synchronous_commit off, $OPTS) runs the statements
# of stdin (kept in $TMP/NAME.sql) in DB under valgrind's callgrind: its output
# in $TMP/cg.NAME (KEEP= keeps them), its log in $TMP/NAME.log.  Single-user
# mode has no client: the protocol's cost is not counted.  When the log has an
# ERROR, prints the first three to stderr and exits 1.
callgrind_run() {
  local db=$1 name=$2 sql=$TMP/$2.sql out=$TMP/cg.$2
  printf 'SELECT public.bench_reset();\nVACUUM;\n' | as_owner "$BIN/postgres" --single -D "$PRIV" "${OPTS[@]}" "$db" > "$TMP/reset.log" 2>&1
  cat > "$sql"
  chmod 644 "$sql"
  as_owner valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN/postgres" --single -D "$PRIV" \
    -c synchronous_commit=off "${OPTS[@]}" "$db" < "$sql" > "$TMP/$name.log" 2>&1
  if grep -q "ERROR" "$TMP/$name.log"; then
    grep -m3 "ERROR" "$TMP/$name.log" >&2
    exit 1
  fi
  sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$out" | head -1
}

# per_transition RUN VARIANT: the instructions per transition of VARIANT, set
# in PER: (RUN VARIANT N2 - RUN VARIANT N1) / (N2 - N1), where RUN is the
# bench's function that runs N transitions of VARIANT through callgrind_run
# and prints the total (so its output is $TMP/cg.VARIANT.N).  The start-up,
# the caches' first loads and the shutdown cancel out.  Stops the bench when
# a run fails.
per_transition() {
  local a b
  a=$("$1" "$2" "$N1")
  b=$("$1" "$2" "$N2")
  PER=$(( (b - a) / (N2 - N1) ))
}

# functions_of FILE: the inclusive instructions of the functions in the
# callgrind output FILE, "name count" lines (the first line of each name).
functions_of() {
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
    sed -n 's/^ *\([0-9,]*\) ([ 0-9.]*%) *[^:]*:\([A-Za-z_0-9]*\) .*/\2 \1/p' | tr -d ',' |
    awk '!seen[$1]++'
}

# function_per_transition F1 F2 FUNCTION: the inclusive instructions per
# transition of FUNCTION, from functions_of's lists of the N1 run (F1) and of
# the N2 run (F2): the same (N2 - N1) difference (0 where it is in neither).
function_per_transition() {
  awk -v f="$3" -v d=$((N2 - N1)) 'NR == FNR {if ($1 == f) a = $2; next} $1 == f {b = $2}
                                   END {printf "%d", (b - a) / d}' "$1" "$2"
}
