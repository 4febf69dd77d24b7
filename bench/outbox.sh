#!/usr/bin/env bash
# What the notification outbox costs on the real register's path (issue 13):
# single-row transitions of iso28000.nonconformity (reported -> contained)
# as a LOGIN role that is a `write` member with a person of its own, with
# the outbox written three ways, interleaved in one run, medians of ROUNDS:
#
#   direct    the default: notify_register_change() writes the rows without
#             the executor (src/notification_store.c);
#   executor  iso28000.notify_direct = off for the member: the same trigger
#             writes them with its SPI INSERT, the path of main before the
#             direct writer (the same code, reached the same way);
#   off       the layer off: the register's notify_update trigger disabled.
#
# For each: the outbox's own time per transition (track_functions: the
# total time of notify_register_change() per call, its nested stamp and
# announce triggers included, wall clock in the backend), pgbench tps
# (1 client, PGB_SECONDS) and the backend CPU per transaction (/proc ticks of
# the client's backend between its first and its last 200th transaction),
# and one statement moving BIG_ROWS rows (backend CPU).  On a shared machine
# the whole transition's CPU varies by more than the outbox costs; the
# outbox's own time is the measure of the layer, the rest says what the
# register as a whole does.
#
# Runs inside the cluster that bench/run starts; alone: make bench BENCH=outbox.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-20000}
BIG_ROWS=${BIG_ROWS:-20000}
ROUNDS=${ROUNDS:-5}
PGB_SECONDS=${PGB_SECONDS:-5}
DB=iso28000_bench_outbox
MEMBER=iso28000_bench_outbox_member
OUT=bench/results/outbox.md
TMP=$(mktemp -d)
mkdir -p bench/results
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
dropdb --if-exists "$DB" >/dev/null 2>&1
# the database, the member, its organisations and persons: bench/lib.sh
. bench/lib.sh
bench_setup 2 OBX "Outbox bench"

echo "loading: $ROWS rows for pgbench, $BIG_ROWS for the statement"
psql -v rows="$ROWS" -v big="$BIG_ROWS" >/dev/null <<'SQL'
SET client_min_messages = warning;
INSERT INTO iso28000.nonconformity (org_id, title, severity) SELECT 1, 'nc ' || g, 'minor' FROM generate_series(1, :rows) g;
INSERT INTO iso28000.nonconformity (org_id, title, severity) SELECT 2, 'big ' || g, 'minor' FROM generate_series(1, :big) g;
CREATE TABLE timing (part text, variant text, rep int, tps numeric, cpu numeric, outbox_us numeric);
-- Puts every row back in reported, without the triggers (the superuser's restore mode).
CREATE FUNCTION bench_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL session_replication_role = replica;
  UPDATE iso28000.nonconformity SET status = 'reported', correction = NULL WHERE status <> 'reported';
END $$;
SQL
psql -c "VACUUM ANALYZE" >/dev/null
psql -c "ALTER ROLE $MEMBER SET track_functions = 'all'" >/dev/null

variant() {
  psql -c "ALTER ROLE $MEMBER RESET iso28000.notify_direct" -c "ALTER TABLE iso28000.nonconformity ENABLE TRIGGER notify_update" >/dev/null
  case $1 in
    executor) psql -c "ALTER ROLE $MEMBER SET iso28000.notify_direct = off" >/dev/null ;;
    off) psql -c "ALTER TABLE iso28000.nonconformity DISABLE TRIGGER notify_update" >/dev/null ;;
  esac
  psql -c "SELECT bench_reset()" -c "VACUUM iso28000.nonconformity, iso28000.notification" >/dev/null
}

mkdir -p "$TMP/cpu"
printf '#!/bin/sh\necho "$3 $(awk %s /proc/$1/stat)" > "%s/cpu/$2.$4"\n' "'{print \$14 + \$15}'" "$TMP" > "$TMP/stamp"
chmod +x "$TMP/stamp"
cat > "$TMP/move.sql" <<EOF
\\set k :k + 1
\\if :k = 1
SELECT pg_backend_pid() AS pid \\gset
\\shell $TMP/stamp :pid :client_id :k a
\\elif :k % 200 = 0
\\shell $TMP/stamp :pid :client_id :k b
\\endif
\\set id 1 + :k % $ROWS
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'fixed' WHERE org_id = 1 AND nonconformity_id = :id;
EOF
cpu_per_txn() {
  local a=$TMP/cpu/0.a b=$TMP/cpu/0.b
  if [ -f "$a" ] && [ -f "$b" ]; then
    echo "$(cat "$a") $(cat "$b")" | awk -v hz="$(getconf CLK_TCK)" '{n = $3 - $1; if (n > 0) printf "%.1f", ($4 - $2) * 1e6 / hz / n; else print "NULL"}'
  else echo NULL; fi
}
# One statement moving every row of organisation 2, as the member: backend CPU in ms.
big_cpu() {
  as_member command psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -At <<SQL | awk -v hz="$(getconf CLK_TCK)" 'NR == 1 {a = $1} NR == 2 {printf "%.0f", ($1 - a) * 1000 / hz}'
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\! awk '{print \$14 + \$15}' /proc/\$BPID/stat
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'fixed' WHERE org_id = 2 AND status = 'reported';
\! awk '{print \$14 + \$15}' /proc/\$BPID/stat
SQL
}

echo "$ROUNDS rounds, pgbench ${PGB_SECONDS}s, 1 client; statement of $BIG_ROWS rows"
VARIANTS="direct executor off"
for ((r = 1; r <= ROUNDS; r++)); do
  order=$(echo $VARIANTS | tr ' ' '\n' | awk -v r="$r" '{a[NR] = $0} END {for (i = 0; i < NR; i++) print a[(i + r) % NR + 1]}')
  for v in $order; do
    variant "$v"
    rm -f "$TMP"/cpu/*
    psql -c "SELECT pg_stat_reset()" >/dev/null
    tps=$(as_member pgbench -n -T "$PGB_SECONDS" -c 1 -j 1 -D k=0 -f "$TMP/move.sql" "$DB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
    cpu=$(cpu_per_txn)
    sleep 1   # the member's backend has exited and flushed its function statistics
    own=$(psql -At -c "SELECT coalesce(round((sum(total_time) * 1000 / nullif(sum(calls), 0))::numeric, 1)::text, 'NULL')
                         FROM pg_stat_user_functions WHERE funcname = 'notify_register_change'")
    [ "$v" = off ] && own=0
    echo "  round $r $v: $tps tps, $cpu us CPU per transition, outbox $own us per transition"
    psql -c "INSERT INTO timing VALUES ('move', '$v', $r, ${tps:-NULL}, $cpu, $own)"
    psql -c "SELECT bench_reset()" -c "VACUUM iso28000.nonconformity" >/dev/null
    ms=$(big_cpu)
    echo "  round $r $v: statement of $BIG_ROWS rows, $ms ms CPU"
    psql -c "INSERT INTO timing VALUES ('big', '$v', $r, NULL, $ms, NULL)"
  done
done
variant direct
psql -c "ALTER ROLE $MEMBER RESET track_functions" >/dev/null
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "# The notification outbox on the real register (bench/outbox.sh)"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs,"
  echo "load average $LOAD_START at the start, $LOAD_END at the end; $ROUNDS rounds interleaved, medians."
  echo "Single-row transitions of iso28000.nonconformity as a write member (pgbench, 1 client, ${PGB_SECONDS}s),"
  echo "and one statement moving $BIG_ROWS rows. direct: the outbox written without the executor (the default);"
  echo "executor: iso28000.notify_direct = off, the SPI INSERT of before; off: the register's notify_update disabled."
  echo
  psql -At -F ' | ' <<'SQL'
WITH m AS (
  SELECT part, variant,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS tps,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu) AS cpu,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY outbox_us) AS own
    FROM timing GROUP BY part, variant),
o AS (SELECT part, cpu AS off_cpu FROM m WHERE variant = 'off')
SELECT '| variant | outbox''s own time per transition (us, track_functions) | tps | backend CPU per transition (us) | the same minus off | statement CPU (ms) | the same minus off |'
UNION ALL SELECT '|---|---:|---:|---:|---:|---:|---:|'
UNION ALL
SELECT format('| %s | %s | %s | %s | %s | %s | %s |', v.variant, round(mv.own::numeric, 1), round(mv.tps::numeric), round(mv.cpu::numeric, 1),
              round((mv.cpu - om.off_cpu)::numeric, 1), round(bv.cpu::numeric), round((bv.cpu - ob.off_cpu)::numeric))
  FROM (VALUES ('direct', 1), ('executor', 2), ('off', 3)) v(variant, o)
  JOIN m mv ON mv.part = 'move' AND mv.variant = v.variant
  JOIN o om ON om.part = 'move'
  JOIN m bv ON bv.part = 'big' AND bv.variant = v.variant
  JOIN o ob ON ob.part = 'big'
SQL
  echo
  echo "Every round:"
  echo
  echo '```'
  echo "part variant round tps cpu_us_or_ms outbox_us"
  psql -At -F ' ' -c "SELECT part, variant, rep, round(tps), cpu, outbox_us FROM timing ORDER BY rep, part, variant"
  echo '```'
} > "$OUT"
cat "$OUT"
