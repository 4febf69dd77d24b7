#!/usr/bin/env bash
# What announcing the outbox costs the real register's writers (issue 13), and
# what iso28000.notify_announce = listen saves (doc/due-and-notify.md), side
# by side in one run.
#
# 1. pgbench, CLIENTS clients (default 8) spread over 8 organisations,
#    PGB_SECONDS per run, ROUNDS rounds, variants interleaved (order reversed
#    every other round), single-row transitions (reported -> contained, simple
#    protocol) as a `write` member, as bench/scaling.sh runs them:
#      plain         a plain copy of the register (no trigger, no row-level security);
#      plain_notify  the plain copy, each UPDATE sending one NOTIFY (pg_notify() of the
#                    row's id, in the same statement): what PostgreSQL's NOTIFY lock
#                    costs a table with nothing else on it;
#      row           the register, notify_announce = row (the default: every row announced),
#                    notify_commit_lock = retry (the default: the NOTIFY lock asked for
#                    without waiting, again every 50 us, src/notification_commit.c);
#      row_queue     the same with notify_commit_lock = queue (PostgreSQL's wait);
#      listen        notify_announce = listen, no mailer listening (nothing announced);
#      listen_heard  notify_announce = listen, a mailer listening (iso28000.listen()):
#                    every row announced, as under row;
#      listen_waiting notify_announce = listen, a mailer waiting in
#                    iso28000.wait_for_notifications(): no NOTIFY, the writers set
#                    its latch after they commit when it sleeps;
#      listen_woken  notify_announce = listen, a waiter that reads only a 9th
#                    organisation nobody writes: it sleeps in the call the whole
#                    run, so every writer is refused the waiter lock and sets its
#                    latch, and it reads (nothing) at every wake: the writers' worst case;
#      off           notify_announce = off.
#    The mailers of listen_heard and listen_waiting do the same work when woken:
#    mark every undelivered row (up to 5000) delivered, then pause 0.1 s (sending
#    takes time) before they listen or wait again.  Before each run every row of
#    the outbox is marked delivered.
#    Per run the tps, and the share of the member's backends' samples waiting
#    for the NOTIFY commit lock (pg_stat_activity every 0.1 s, bench/lib.sh).
# 2. Instructions per transition under row, listen (no mailer) and off:
#    callgrind of a single-user backend (bench/writers.sh's method: (those of
#    N2 transitions - those of N1) / (N2 - N1), after 20 to warm the caches),
#    one organisation, one transaction per transition.  Single-user mode has
#    no listener: under row the NOTIFY is queued and its lock taken as always.
# KEEP=dir keeps the callgrind outputs.  Writes bench/results/announce.md.  Runs inside the cluster bench/run
# starts; alone: make bench BENCH=announce.
set -euo pipefail
cd "$(dirname "$0")/.."
# sample_waits; the private cluster and callgrind (private_cluster*, callgrind_run...): bench/lib.sh
. bench/lib.sh
ROUNDS=${ROUNDS:-3}
PGB_SECONDS=${PGB_SECONDS:-5}
CLIENTS=${CLIENTS:-8}
ROWS=${ROWS:-24000}
VARIANTS=${VARIANTS:-"plain plain_notify row row_queue listen listen_heard listen_waiting listen_woken off"}
N_ROWS=${N_ROWS:-3000}
N1=${N1:-100}
N2=${N2:-400}
DB=iso28000_bench_announce
MEMBER=iso28000_bench_announce_member
MAILER=iso28000_bench_announce_mailer
WAITER=iso28000_bench_announce_waiter
OUT=bench/results/announce.md
TMP=$(mktemp -d)
chmod 755 "$TMP"
mkdir -p bench/results

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB"
PW=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
MAILER_PID=
cleanup() {
  [ -n "$MAILER_PID" ] && kill "$MAILER_PID" 2>/dev/null || true
  dropdb --if-exists "$DB" >/dev/null 2>&1
  command psql -X -q -d postgres -c "DROP ROLE IF EXISTS $MEMBER" -c "DROP ROLE IF EXISTS $MAILER" \
    -c "DROP ROLE IF EXISTS $WAITER" >/dev/null 2>&1
  private_cluster_cleanup   # the private cluster stopped, KEEP's callgrind outputs: bench/lib.sh
  rm -rf "$TMP"
}
trap cleanup EXIT
psql() { command psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
as_member() { PGUSER=$MEMBER PGPASSWORD=$PW "$@"; }

# Organisations 1..8, ids 1..ROWS spread over them: org 1 + (id - 1) % 8.
psql -v member="$MEMBER" -v mailer="$MAILER" -v waiter="$WAITER" -v pw="$PW" -v rows="$ROWS" -v DBNAME="$DB" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION iso28000;
DROP ROLE IF EXISTS :"member";
DROP ROLE IF EXISTS :"mailer";
DROP ROLE IF EXISTS :"waiter";
CREATE ROLE :"member" LOGIN PASSWORD :'pw';
CREATE ROLE :"mailer" LOGIN PASSWORD :'pw';
CREATE ROLE :"waiter" LOGIN PASSWORD :'pw';
ALTER DATABASE :"DBNAME" SET max_parallel_workers_per_gather = 0;
SELECT iso28000.create_organization('AN' || n, 'Announce bench ' || n) FROM generate_series(1, 8) n;
SELECT iso28000.grant_access(o, :'member', 'write') FROM generate_series(1, 8) o;
SELECT iso28000.grant_access(o, :'mailer', 'write') FROM generate_series(1, 8) o;
SELECT iso28000.create_organization('AN9', 'Announce bench 9, written by nobody');
SELECT iso28000.grant_access(9, :'waiter', 'read');
GRANT EXECUTE ON FUNCTION iso28000.listen(), iso28000.unlisten() TO :"mailer";
GRANT EXECUTE ON FUNCTION iso28000.wait_for_notifications(interval) TO :"mailer", :"waiter";
INSERT INTO iso28000.person (org_id, full_name, db_role) SELECT o, 'Bench member', :'member' FROM generate_series(1, 8) o;
INSERT INTO iso28000.nonconformity (org_id, title, severity)
  SELECT 1 + (g - 1) % 8, 'nc ' || g, 'minor' FROM generate_series(1, :rows) g ORDER BY g;
CREATE TABLE public.nc_plain (LIKE iso28000.nonconformity INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
INSERT INTO public.nc_plain SELECT * FROM iso28000.nonconformity;
GRANT SELECT, UPDATE ON public.nc_plain TO :"member";
GRANT USAGE ON SCHEMA public TO :"member";
CREATE TABLE timing (id serial, variant text, round int, tps numeric);
CREATE TABLE waits (id serial, variant text, wait text, samples int);
CREATE FUNCTION bench_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL session_replication_role = replica;
  UPDATE iso28000.nonconformity SET status = 'reported', correction = NULL WHERE status <> 'reported';
  UPDATE public.nc_plain SET status = 'reported', correction = NULL WHERE status <> 'reported';
  UPDATE iso28000.notification SET delivered_at = now() WHERE delivered_at IS NULL;
END $$;
SQL
psql -c "VACUUM ANALYZE" >/dev/null

move_sql() {   # table
  cat <<EOF
\\set k :k + 1
\\set id 1 + (:client_id + :nc * :k) % $ROWS
\\set org 1 + (:id - 1) % 8
UPDATE $1 SET status = 'contained', correction = 'fixed' WHERE org_id = :org AND nonconformity_id = :id;
EOF
}
move_sql public.nc_plain > "$TMP/plain.sql"
cat > "$TMP/plain_notify.sql" <<EOF
\\set k :k + 1
\\set id 1 + (:client_id + :nc * :k) % $ROWS
\\set org 1 + (:id - 1) % 8
WITH u AS (UPDATE public.nc_plain SET status = 'contained', correction = 'fixed' WHERE org_id = :org AND nonconformity_id = :id
           RETURNING nonconformity_id)
SELECT pg_notify('iso28000_bench', nonconformity_id::text) FROM u;
EOF
move_sql iso28000.nonconformity > "$TMP/real.sql"

# A mailer until killed (Debian's python3-psycopg2, tools/setup): listen (listen(), woken by
# NOTIFY), wait (wait_for_notifications(), woken by the writers' SetLatch) or idle (waits as a
# role that reads only organisation 9).  Woken, it marks every undelivered row (up to 5000)
# delivered and pauses 0.1 s.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
cat > "$TMP/mailer.py" <<'EOF'
import select, sys, time, psycopg2
mode = sys.argv[4]
c = psycopg2.connect(dbname=sys.argv[1], user=sys.argv[2], password=sys.argv[3])
c.autocommit = True
cur = c.cursor()

def deliver():
    cur.execute("SELECT org_id, array_agg(notification_id) FROM (SELECT org_id, notification_id"
                " FROM iso28000.notification WHERE delivered_at IS NULL ORDER BY notification_id LIMIT 5000) s"
                " GROUP BY org_id")
    for org, ids in cur.fetchall():
        cur.execute("SELECT iso28000.mark_delivered(%s, %s)", (org, ids))
    time.sleep(0.1)

if mode == "listen":
    cur.execute("SELECT iso28000.listen()")
print("listening", flush=True)
while True:
    if mode == "listen":
        select.select([c], [], [], 1.0)
        c.poll()
        if c.notifies:
            c.notifies.clear()
            deliver()
    else:
        cur.execute("SELECT iso28000.wait_for_notifications('1 minute')")
        if cur.fetchone()[0]:
            deliver()
EOF
start_mailer() {   # listen | wait | idle
  local role=$MAILER
  [ "$1" = idle ] && role=$WAITER
  PGUSER=$role PGPASSWORD=$PW "$PY" "$TMP/mailer.py" "$DB" "$role" "$PW" "$1" > "$TMP/mailer.out" 2>&1 &
  MAILER_PID=$!
  for _ in $(seq 50); do grep -q listening "$TMP/mailer.out" 2>/dev/null && return 0; sleep 0.1; done
  echo "the mailer did not start: $(cat "$TMP/mailer.out")" >&2; exit 1
}
stop_mailer() { kill "$MAILER_PID" 2>/dev/null || true; wait "$MAILER_PID" 2>/dev/null || true; MAILER_PID=; }

echo "announce: pgbench, $CLIENTS clients over 8 organisations, ${PGB_SECONDS}s per run, $ROUNDS rounds ($VARIANTS)"
for ((r = 1; r <= ROUNDS; r++)); do
  order=$VARIANTS
  ((r % 2)) || order=$(echo $VARIANTS | tr ' ' '\n' | tac | tr '\n' ' ')
  for v in $order; do
    mode=${v%%_*}
    [[ "$v" = plain* ]] && mode=row
    lock=retry
    [ "$v" = row_queue ] && lock=queue
    psql -c "ALTER ROLE $MEMBER SET iso28000.notify_commit_lock = $lock" >/dev/null
    psql -c "ALTER ROLE $MEMBER SET iso28000.notify_announce = $mode" >/dev/null
    psql -c "VACUUM iso28000.nonconformity, public.nc_plain" >/dev/null
    case $v in
      listen_heard) start_mailer listen ;;
      listen_waiting) start_mailer wait ;;
      listen_woken) start_mailer idle ;;
    esac
    script=real.sql
    [[ "$v" = plain* ]] && script=$v.sql
    sample_waits &
    tps=$(as_member pgbench -n -T "$PGB_SECONDS" -c "$CLIENTS" -j "$CLIENTS" -D k=0 -D nc="$CLIENTS" \
            -f "$TMP/$script" "$DB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
    touch "$TMP/stop_waits"; wait $! || true
    [ -n "$MAILER_PID" ] && stop_mailer
    sort "$TMP/waits" | uniq -c | while read -r n w; do
      psql -v w="$w" <<< "INSERT INTO waits (variant, wait, samples) VALUES ('$v', :'w', $n)" >/dev/null
    done
    psql -c "SELECT bench_reset()" >/dev/null
    echo "  round $r $v: ${tps:-0} tps"
    psql -c "INSERT INTO timing (variant, round, tps) VALUES ('$v', $r, ${tps:-0})"
  done
done
psql -c "ALTER ROLE $MEMBER RESET iso28000.notify_announce" -c "ALTER ROLE $MEMBER RESET iso28000.notify_commit_lock" >/dev/null
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# 2. Instructions per transition (callgrind), in a private cluster like bench/writers.sh's
# (private_cluster*, callgrind_run, transitions_sql, per_transition: bench/lib.sh).
CG_VARIANTS="row listen off"
declare -A INSN
if command -v valgrind >/dev/null; then
  private_cluster
  private_cluster_load an "$N_ROWS" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION iso28000;
CREATE ROLE an_member LOGIN;
SELECT iso28000.create_organization('AN1', 'Announce bench');
SELECT iso28000.grant_access(1, 'an_member', 'write');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (1, 'Bench member', 'an_member');
INSERT INTO iso28000.nonconformity (org_id, title, severity) SELECT 1, 'nc ' || g, 'minor' FROM generate_series(1, :rows) g;
CREATE FUNCTION public.bench_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL session_replication_role = replica;
  UPDATE iso28000.nonconformity SET status = 'reported', correction = NULL WHERE status <> 'reported';
END $$;
VACUUM ANALYZE;
SQL
  cg_run() {   # mode n: total instructions
    {
      echo "SET iso28000.notify_announce = $1;"
      echo "SET ROLE an_member;"
      transitions_sql iso28000.nonconformity "$2"
    } | callgrind_run an "$1.$2"
  }
  echo "announce: callgrind, $N1 and $N2 transitions per mode ($CG_VARIANTS)"
  for m in $CG_VARIANTS; do
    per_transition cg_run "$m"
    INSN[$m]=$PER
    echo "  $m: ${INSN[$m]} instructions per transition"
  done
fi

{
  cat <<EOF
# Announcing the outbox: row, listen, off

Run by \`make bench BENCH=announce\` (bench/announce.sh), $(date -u +%Y-%m-%d), $(psql -At -c "SELECT split_part(version(), ' on ', 1)"),
$(nproc) CPU cores. Load average (1, 5, 15 min) at the start: $LOAD_START; at the end of the pgbench runs: $LOAD_END.

## pgbench, $CLIENTS clients over 8 organisations

Single-row transitions (\`UPDATE ... SET status = 'contained', correction = 'fixed' WHERE org_id
= o AND nonconformity_id = k\`, each client its own rows, spread over 8 organisations) as a \`write\`
member, ${PGB_SECONDS} s per run, medians of $ROUNDS rounds, variants interleaved. \`plain_notify\`: the
plain copy, each UPDATE sending one \`pg_notify()\` in the same statement (PostgreSQL's NOTIFY lock
on a table with nothing else). \`row\` takes that lock at commit as \`iso28000.notify_commit_lock =
retry\` (the default) says, asking without waiting, again every 50 µs; \`row_queue\` waits in the
lock's queue, as PostgreSQL does. \`listen\`: no mailer;
\`listen_heard\`: a mailer (psycopg2) called \`iso28000.listen()\`, woken by the NOTIFYs;
\`listen_waiting\`: a mailer waits in \`iso28000.wait_for_notifications('1 minute')\`, woken by the
writers' SetLatch (no NOTIFY); both, woken, mark every undelivered row (up to 5000) delivered and
pause 0.1 s. \`listen_woken\`: a waiter that reads only a 9th organisation nobody writes sleeps in
the call the whole run, so every writer is refused the waiter lock, sets its latch, and it reads
(nothing) at each wake: the writers' worst case. Every row of the outbox is marked delivered
before each run.
*NOTIFY lock* is the share of the member's backends' samples waiting in the queue of the lock
PostgreSQL takes at the commit of a transaction that notified; *retrying* the share sleeping
between two requests for it (\`Extension\` waits).

| variant | tps | × plain | × row | NOTIFY lock | retrying | tps of each round |
|---|---:|---:|---:|---:|---:|---|
EOF
  psql -At <<'SQL'
WITH m AS (
  SELECT variant, percentile_disc(0.5) WITHIN GROUP (ORDER BY tps) AS tps,
         string_agg(round(tps)::text, ', ' ORDER BY round) AS rounds, min(id) AS first
    FROM timing GROUP BY variant),
w AS (
  SELECT variant, 100.0 * sum(samples) FILTER (WHERE wait LIKE '%NOTIFY commit lock%') / sum(samples) AS notify_lock,
         100.0 * sum(samples) FILTER (WHERE wait LIKE 'Extension: Extension%') / sum(samples) AS retrying
    FROM waits GROUP BY variant)
SELECT format('| %s | %s | %s× | %s× | %s%% | %s%% | %s |', m.variant, round(m.tps), round(m.tps / p.tps, 2),
              round(m.tps / nullif(r.tps, 0), 2), round(coalesce(w.notify_lock, 0), 1),
              round(coalesce(w.retrying, 0), 1), m.rounds)
  FROM m LEFT JOIN w USING (variant),
       (SELECT tps FROM m WHERE variant = 'plain') p,
       (SELECT tps FROM m WHERE variant = 'row') r
 ORDER BY m.first;
SQL
  echo
  if [ ${#INSN[@]} -gt 0 ]; then
    cat <<EOF
## Instructions per transition

A single-user backend of a private cluster under valgrind's callgrind, as a \`write\` member,
runs single-row transitions of \`iso28000.nonconformity\` (one organisation, one transaction each):
(instructions of $N2 transitions - those of $N1) / $((N2 - N1)), after 20 to warm the caches.
Single-user mode has no listener and no client: under \`row\` the NOTIFY is queued and its lock
taken as always, but no listener is signalled.

| mode | instructions per transition | − row |
|---|---:|---:|
EOF
    for m in $CG_VARIANTS; do
      echo "| \`$m\` | ${INSN[$m]} | $(( INSN[$m] - INSN[row] )) |"
    done
  else
    echo "(valgrind is not installed: no instruction counts; tools/setup installs it)"
  fi
} > "$OUT"
cat "$OUT"
