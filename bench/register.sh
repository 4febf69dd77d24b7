#!/usr/bin/env bash
# Benchmark of the path users take (issue 13): the real register
# iso28000.nonconformity with everything on (workflow engine and its event
# log, history chain, row-level security, the acting person, as a LOGIN role
# that is a `write` member with a person of its own), against a plain copy of
# the same table and rows (public.nc_plain: the same columns, indexes and
# CHECK constraints, no trigger, no row-level security) written by the same
# role, side by side in one run.
#
# 1. One statement moving BIG_ROWS rows of one organisation from `reported`
#    to `contained` (the correction filled), REPS rounds, the order of the two
#    tables alternated; rows put back in `reported` (triggers off, as the
#    superuser) and vacuumed before each run.  Backend CPU time and wall time.
# 2. pgbench, simple protocol, PGB_SECONDS per run, ROUNDS rounds, 1, 2 and 8
#    clients: single-row transitions (reported -> contained, each transaction
#    a different row, so every one is a real transition) and single-row reads
#    by primary key, in one organisation (every client on one history chain)
#    and spread over 8 organisations.
# 3. Where the real register's cost goes: single-row transitions (one
#    organisation, SPLIT_CLIENTS clients) and one statement of SPLIT_ROWS rows,
#    with each layer switched off in turn on the real register (ALTER TABLE
#    ... DISABLE TRIGGER, or DISABLE ROW LEVEL SECURITY, as the superuser
#    between runs, switched on again after), side by side with everything on,
#    everything off and the plain copy, interleaved, medians of ROUNDS.
# 4. Where the time goes: the backend CPU time per transition (every pgbench
#    run of transitions above records it: /proc ticks of each client's
#    backend between its first and its last 200th transaction), the
#    extension's functions' own time per transition (track_functions, one
#    1-client run), a perf profile of one backend attributed to layers and
#    PostgreSQL mechanisms (when perf and python3 are there:
#    bench/register_profile.py), and the wait events of the 8-client
#    transitions (pg_stat_activity sampled every 0.1 s).
# Medians and ratios go to bench/results/register.md with the plans.
#
# Runs inside the cluster that bench/run starts; alone: make bench BENCH=register.
set -euo pipefail
cd "$(dirname "$0")/.."
BIG_ROWS=${BIG_ROWS:-1000000}
REPS=${REPS:-3}
ROWS=${ROWS:-20000}            # rows per organisation set for pgbench
ROUNDS=${ROUNDS:-3}
PGB_SECONDS=${PGB_SECONDS:-5}
CLIENTS=${CLIENTS:-"1 2 8"}
SPLIT_CLIENTS=${SPLIT_CLIENTS:-"1 8"}
SPLIT_ROWS=${SPLIT_ROWS:-100000}
DB=iso28000_bench_register
MEMBER=iso28000_bench_register_member
OUT=bench/results/register.md
TMP=$(mktemp -d)
mkdir -p bench/results

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# the database, the member, its organisations and persons; sample_waits: bench/lib.sh
. bench/lib.sh
bench_setup 10 REG "Register bench"

# Organisation 1: the single-organisation set (ids 1..ROWS); 2..9: the spread
# set (ids ROWS+1..2*ROWS, org 2 + (id - ROWS - 1) % 8); 10: the big statement.
echo "loading: 2 x $ROWS rows for pgbench, $BIG_ROWS rows for the big statement (history on)"
psql -v member="$MEMBER" -v rows="$ROWS" -v big="$BIG_ROWS" >/dev/null <<'SQL'
SET client_min_messages = warning;
INSERT INTO iso28000.nonconformity (org_id, title, severity)
  SELECT CASE WHEN g <= :rows THEN 1 ELSE 2 + (g - :rows - 1) % 8 END, 'nc ' || g, 'minor'
    FROM generate_series(1, 2 * :rows) g ORDER BY g;
-- In statements of 100,000 rows: the history holds a statement's images in memory.
SELECT format('INSERT INTO iso28000.nonconformity (org_id, title, severity) SELECT 10, ''big '' || g, ''minor'' FROM generate_series(%s, %s) g',
              s, least(s + 99999, :big))
  FROM generate_series(1, :big, 100000) s \gexec
-- The plain copy: same columns, rows, indexes and CHECK constraints; no trigger, no row-level security.
CREATE TABLE public.nc_plain (LIKE iso28000.nonconformity INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
INSERT INTO public.nc_plain SELECT * FROM iso28000.nonconformity;
GRANT SELECT, UPDATE ON public.nc_plain TO :"member";
GRANT USAGE ON SCHEMA public TO :"member";
CREATE TABLE timing (part text, target text, clients int, rep int, value numeric, cpu numeric);
GRANT INSERT ON timing TO :"member";
CREATE TABLE waits (part text, wait text, samples int);
CREATE TABLE func_time (func text, calls_per_txn numeric, self_us numeric, total_us numeric);
-- Puts every row back in reported, without the triggers (the superuser's restore mode).
CREATE FUNCTION bench_reset(org_from bigint, org_to bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL session_replication_role = replica;
  UPDATE iso28000.nonconformity SET status = 'reported', correction = NULL
   WHERE org_id BETWEEN org_from AND org_to AND status <> 'reported';
  UPDATE public.nc_plain SET status = 'reported', correction = NULL
   WHERE org_id BETWEEN org_from AND org_to AND status <> 'reported';
END $$;
SQL
psql -c "VACUUM ANALYZE" >/dev/null
echo "  the real register's triggers: $(psql -At -c "SELECT string_agg(tgname, ', ' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'iso28000.nonconformity'::regclass AND NOT tgisinternal")"

# 1. The big statement, as the member.
big_sql() {
  case $1 in
    real)  echo "UPDATE iso28000.nonconformity SET status = 'contained', correction = 'fixed' WHERE org_id = 10 AND status = 'reported'" ;;
    plain) echo "UPDATE public.nc_plain SET status = 'contained', correction = 'fixed' WHERE org_id = 10 AND status = 'reported'" ;;
  esac
}
# Runs one statement as the member; prints its wall ms and its backend's CPU ms.
timed_as_member() {
  local out c0 ms c1
  out=$(as_member command psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -At <<SQL
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\! awk '{print \$14 + \$15}' /proc/\$BPID/stat
SELECT clock_timestamp() AS t0 \gset
$1;
SELECT round((extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000)::numeric, 1);
\! awk '{print \$14 + \$15}' /proc/\$BPID/stat
SQL
)
  read -r c0 ms c1 <<< "$(echo $out)"
  echo "$ms $(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", (b - a) * 1000 / hz}')"
}
echo "big statement: $BIG_ROWS rows, $REPS rounds"
for ((r = 1; r <= REPS; r++)); do
  for t in $( ((r % 2)) && echo "real plain" || echo "plain real"); do
    psql -c "SELECT bench_reset(10, 10)" >/dev/null
    psql -c "VACUUM ANALYZE iso28000.nonconformity, public.nc_plain" >/dev/null
    read -r ms cpu <<< "$(timed_as_member "$(big_sql "$t")")"
    echo "  round $r $t: $ms ms wall, $cpu ms CPU"
    psql -c "INSERT INTO timing VALUES ('big', '$t', 1, $r, $ms, $cpu)"
  done
done
psql -c "SELECT bench_reset(10, 10)" >/dev/null

# 2. pgbench.  Each client walks its own rows: row k of client c is
# base + 1 + (c + nc * k) % ROWS, so every transaction of a run moves a row
# still in reported (ROWS must exceed the transactions of one run; the rows
# are put back after each run).
# The backend's CPU ticks: each client writes "transactions ticks" of its
# backend at its first transaction (.a) and at every 200th (.b).
mkdir -p "$TMP/cpu"
printf '#!/bin/sh\necho "$3 $(awk %s /proc/$1/stat)" > "%s/cpu/$2.$4"\n' "'{print \$14 + \$15}'" "$TMP" > "$TMP/stamp"
chmod +x "$TMP/stamp"
for t in real plain; do
  tbl=$([ "$t" = real ] && echo iso28000.nonconformity || echo public.nc_plain)
  cat > "$TMP/move_$t.sql" <<EOF
\\set k :k + 1
\\if :k = 1
SELECT pg_backend_pid() AS pid \\gset
\\shell $TMP/stamp :pid :client_id :k a
\\elif :k % 200 = 0
\\shell $TMP/stamp :pid :client_id :k b
\\endif
\\set id :base + 1 + (:client_id + :nc * :k) % $ROWS
\\set org :orgbase + (:id - :base - 1) % :norgs
UPDATE $tbl SET status = 'contained', correction = 'fixed' WHERE org_id = :org AND nonconformity_id = :id;
EOF
  cat > "$TMP/read_$t.sql" <<EOF
\\set id :base + random(1, $ROWS)
\\set org :orgbase + (:id - :base - 1) % :norgs
SELECT * FROM $tbl WHERE org_id = :org AND nonconformity_id = :id;
EOF
done
tps() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1; }
# Backend CPU microseconds per transaction over every client of the last run (NULL when too short).
cpu_per_txn() {
  local a b
  for a in "$TMP"/cpu/*.a; do
    b=${a%.a}.b
    if [ -f "$a" ] && [ -f "$b" ]; then echo "$(cat "$a") $(cat "$b")"; fi
  done | awk -v hz="$(getconf CLK_TCK)" '{t += $4 - $2; n += $3 - $1}
                                         END {if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "NULL"}'
}
echo "pgbench: ${PGB_SECONDS}s per run, $ROUNDS rounds, clients $CLIENTS"
for ((r = 1; r <= ROUNDS; r++)); do
  for c in $CLIENTS; do
    for spread in one spread; do
      if [ "$spread" = one ]; then set -- 0 1 1; else set -- "$ROWS" 2 8; fi
      for kind in move read; do
        for t in $( ((r % 2)) && echo "real plain" || echo "plain real"); do
          rm -f "$TMP"/cpu/*
          sampling=$([ "$kind $t $c" = "move real 8" ] && echo yes || echo no)
          if [ "$sampling" = yes ]; then sample_waits & fi
          v=$(as_member pgbench -n -T "$PGB_SECONDS" -c "$c" -j "$c" -D k=0 -D nc="$c" -D base="$1" -D orgbase="$2" -D norgs="$3" \
                -f "$TMP/${kind}_$t.sql" "$DB" 2>/dev/null | tps)
          if [ "$sampling" = yes ]; then
            touch "$TMP/stop_waits"; wait || true
            sort "$TMP/waits" | uniq -c | while read -r n w; do
              psql -v w="$w" <<< "INSERT INTO waits VALUES ('$spread', :'w', $n)" >/dev/null
            done
          fi
          cpu=NULL; [ "$kind" = move ] && cpu=$(cpu_per_txn)
          [ "$kind" = move ] && psql -c "SELECT bench_reset(1, 9)" >/dev/null
          echo "  round $r, $c clients, $spread, $kind $t: ${v:-0} tps, backend CPU ${cpu} us per transaction"
          psql -c "INSERT INTO timing VALUES ('${kind}_$spread', '$t', $c, $r, ${v:-0}, $cpu)"
        done
      done
    done
  done
done

# 3. The split: each layer off in turn.  A layer is a set of triggers of the
# register (or its row-level security); "none" is every one of them off.
LAYERS="all history event_log workflow_guard notification actor_stamp verifier_guard rls none plain"
layer_sql() {  # the ALTER TABLE clauses that switch layer $1 off (or, with ENABLE, on)
  local act=$2
  case $1 in
    history)        echo "$act TRIGGER iso28000_history_insert, $act TRIGGER iso28000_history_update, $act TRIGGER iso28000_history_delete" ;;
    event_log)      echo "$act TRIGGER workflow_event_insert, $act TRIGGER workflow_event_update" ;;
    workflow_guard) echo "$act TRIGGER workflow_guard" ;;
    notification)   echo "$act TRIGGER notify_insert, $act TRIGGER notify_update" ;;
    actor_stamp)    echo "$act TRIGGER actor_stamp" ;;
    verifier_guard) echo "$act TRIGGER nonconformity_keep_verifier_independent" ;;
    rls)            echo "$act ROW LEVEL SECURITY" ;;
    none)           echo "$act TRIGGER USER, $act ROW LEVEL SECURITY" ;;
  esac
}
layer() {  # layer NAME off|on
  local clauses
  case $1 in all|plain) return ;; esac
  clauses=$(layer_sql "$1" "$([ "$2" = off ] && echo DISABLE || echo ENABLE)")
  psql -c "ALTER TABLE iso28000.nonconformity $clauses" >/dev/null
}
# The triggers the split switches must be the register's (a renamed one fails here).
for l in $LAYERS; do layer "$l" off; layer "$l" on; done
split_big_sql() {
  local tbl=iso28000.nonconformity
  [ "$1" = plain ] && tbl=public.nc_plain
  echo "UPDATE $tbl SET status = 'contained', correction = 'fixed' WHERE org_id = 10 AND status = 'reported' AND nonconformity_id <= (SELECT min(nonconformity_id) + $SPLIT_ROWS - 1 FROM $tbl WHERE org_id = 10)"
}
echo "split: layers off in turn ($LAYERS), $ROUNDS rounds"
for ((r = 1; r <= ROUNDS; r++)); do
  order=$LAYERS
  ((r % 2)) || order=$(echo $LAYERS | tr ' ' '\n' | tac | tr '\n' ' ')
  for l in $order; do
    t=$([ "$l" = plain ] && echo plain || echo real)
    layer "$l" off
    for c in $SPLIT_CLIENTS; do
      rm -f "$TMP"/cpu/*
      v=$(as_member pgbench -n -T "$PGB_SECONDS" -c "$c" -j "$c" -D k=0 -D nc="$c" -D base=0 -D orgbase=1 -D norgs=1 \
            -f "$TMP/move_$t.sql" "$DB" 2>/dev/null | tps)
      cpu=$(cpu_per_txn)
      psql -c "SELECT bench_reset(1, 1)" >/dev/null
      echo "  round $r, split $l, $c clients: ${v:-0} tps, backend CPU $cpu us per transaction"
      psql -c "INSERT INTO timing VALUES ('split_$l', '$t', $c, $r, ${v:-0}, $cpu)"
    done
    psql -c "SELECT bench_reset(10, 10)" -c "VACUUM ANALYZE iso28000.nonconformity, public.nc_plain" >/dev/null
    read -r ms cpu <<< "$(timed_as_member "$(split_big_sql "$t")")"
    layer "$l" on
    echo "  round $r, split $l, $SPLIT_ROWS rows: $ms ms wall, $cpu ms CPU"
    psql -c "INSERT INTO timing VALUES ('splitbig_$l', '$t', 1, $r, $ms, $cpu)"
  done
done
psql -c "SELECT bench_reset(10, 10)" >/dev/null

# 4. Where the time goes.  The extension's functions' own time per transition
# (track_functions for the member, one 1-client run of transitions).
echo "where the time goes: the functions' own time (track_functions), 1 client"
psql -c "ALTER ROLE $MEMBER SET track_functions = 'all'" -c "SELECT pg_stat_reset()" >/dev/null
n=$(as_member pgbench -n -T "$PGB_SECONDS" -c 1 -j 1 -D k=0 -D nc=1 -D base=0 -D orgbase=1 -D norgs=1 \
      -f "$TMP/move_real.sql" "$DB" 2>/dev/null | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
psql -c "ALTER ROLE $MEMBER RESET track_functions" >/dev/null
sleep 1   # the backend's counters reach the shared statistics when it exits
psql -c "INSERT INTO func_time SELECT schemaname || '.' || funcname, calls::numeric / ${n:-1}, self_time * 1000 / ${n:-1},
                total_time * 1000 / nullif(calls, 0) FROM pg_stat_user_functions WHERE schemaname = 'iso28000'" >/dev/null
psql -c "SELECT bench_reset(1, 1)" >/dev/null
# A profile of one backend running single-row transitions (perf, as root or
# with perf_event_paranoid <= 1), attributed by bench/register_profile.py.
PROFILE=$TMP/profile.md
cpu_ref=$(psql -At -c "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu)::numeric, 1) FROM timing
                        WHERE target = 'real' AND clients = 1 AND part IN ('move_one', 'split_all') AND cpu IS NOT NULL")
if command -v perf >/dev/null && command -v python3 >/dev/null; then
  echo "where the time goes: perf record of one backend, ${PGB_SECONDS}s"
  as_member pgbench -n -T $((PGB_SECONDS + 3)) -c 1 -j 1 -D k=0 -D nc=1 -D base=0 -D orgbase=1 -D norgs=1 \
    -f "$TMP/move_real.sql" "$DB" >/dev/null 2>&1 &
  pgb=$!
  sleep 1.5
  bpid=$(psql -At -c "SELECT pid FROM pg_stat_activity WHERE usename = '$MEMBER' AND backend_type = 'client backend' LIMIT 1")
  if [ -n "$bpid" ] && perf record --call-graph dwarf,16384 -F 499 -p "$bpid" -o "$TMP/perf.data" -- sleep "$PGB_SECONDS" >/dev/null 2>&1; then
    wait "$pgb" || true
    perf script -i "$TMP/perf.data" -F ip,sym 2>/dev/null > "$TMP/stacks"
    python3 bench/register_profile.py "$TMP/stacks" "$cpu_ref" > "$PROFILE"
  else
    wait "$pgb" || true
    echo "(perf record could not attach to the backend: no profile)" > "$PROFILE"
  fi
  rm -f "$TMP/perf.data" "$TMP/stacks"
  psql -c "SELECT bench_reset(1, 1)" >/dev/null
else
  echo "(perf or python3 is not installed: no profile)" > "$PROFILE"
fi

# Plans, as the member.
{
  echo "-- real register, single-row transition"
  as_member psql -At -c "EXPLAIN (COSTS OFF) UPDATE iso28000.nonconformity SET status = 'contained', correction = 'fixed' WHERE org_id = 2 AND nonconformity_id = $((ROWS + 1))"
  echo "-- plain copy, single-row transition"
  as_member psql -At -c "EXPLAIN (COSTS OFF) UPDATE public.nc_plain SET status = 'contained', correction = 'fixed' WHERE org_id = 2 AND nonconformity_id = $((ROWS + 1))"
  echo "-- real register, single-row read"
  as_member psql -At -c "EXPLAIN (COSTS OFF) SELECT * FROM iso28000.nonconformity WHERE org_id = 2 AND nonconformity_id = $((ROWS + 1))"
  echo "-- real register, the big statement"
  as_member psql -At -c "EXPLAIN (COSTS OFF) $(big_sql real)"
} > "$TMP/plans"

psql -At > "$TMP/report" <<'SQL'
CREATE TEMP VIEW med AS
  SELECT part, target, clients, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS med,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu) AS cpu, count(*) AS n
    FROM timing GROUP BY part, target, clients;
SELECT '| statement | real register | plain copy | real × plain |';
SELECT '|---|---:|---:|---:|';
SELECT format('| one UPDATE of %s rows, backend CPU ms | %s | %s | %s× slower |', (SELECT count(*) FROM iso28000.nonconformity WHERE org_id = 10),
              round(r.cpu), round(p.cpu), round((r.cpu / nullif(p.cpu, 0))::numeric, 2))
  FROM med r JOIN med p ON p.part = r.part AND p.target = 'plain' WHERE r.part = 'big' AND r.target = 'real';
SELECT format('| one UPDATE of %s rows, wall ms | %s | %s | %s× slower |', (SELECT count(*) FROM iso28000.nonconformity WHERE org_id = 10),
              round(r.med), round(p.med), round((r.med / nullif(p.med, 0))::numeric, 2))
  FROM med r JOIN med p ON p.part = r.part AND p.target = 'plain' WHERE r.part = 'big' AND r.target = 'real';
SELECT '';
SELECT '| single-row statement (pgbench) | organisations | clients | real register tps | plain copy tps | real × plain | backend CPU µs per statement, real | plain | plain ÷ real |';
SELECT '|---|---|---:|---:|---:|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s | %s | %s× | %s | %s | %s |',
              CASE WHEN r.part LIKE 'move%' THEN 'transition (UPDATE)' ELSE 'read (SELECT)' END,
              CASE WHEN r.part LIKE '%one' THEN 'one' ELSE 'spread over 8' END,
              r.clients, round(r.med), round(p.med), round((r.med / nullif(p.med, 0))::numeric, 2),
              coalesce(round(r.cpu)::text, ''), coalesce(round(p.cpu)::text, ''),
              coalesce(round((p.cpu / nullif(r.cpu, 0))::numeric, 2) || '×', ''))
  FROM med r JOIN med p ON p.part = r.part AND p.clients = r.clients AND p.target = 'plain'
 WHERE r.target = 'real' AND r.part <> 'big'
 ORDER BY r.part LIKE 'read%', r.part LIKE '%spread', r.clients;
SELECT '';
SELECT '| layer switched off | ' || string_agg(format('tps, %s client(s)', c), ' | ' ORDER BY c) || ' | ' ||
       string_agg(format('%s client(s): × all on', c), ' | ' ORDER BY c) || ' | ' ||
       string_agg(format('%s client(s): × plain', c), ' | ' ORDER BY c) || ' | ' ||
       string_agg(format('CPU µs per transition, %s client(s)', c), ' | ' ORDER BY c) || ' | split statement CPU ms | × all on | × plain |'
  FROM (SELECT DISTINCT clients AS c FROM med WHERE part LIKE 'split\_%') x;
SELECT '|---|' || string_agg('---:|---:|---:|---:|', '' ORDER BY c) || '---:|---:|---:|'
  FROM (SELECT DISTINCT clients AS c FROM med WHERE part LIKE 'split\_%') x;
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s |',
              CASE l WHEN 'all' THEN 'nothing (everything on)' WHEN 'none' THEN 'everything (every trigger and row-level security)'
                     WHEN 'plain' THEN 'the plain copy' ELSE l END,
              string_agg(round(s.med)::text, ' | ' ORDER BY s.clients),
              string_agg(round((s.med / nullif(a.med, 0))::numeric, 2) || '×', ' | ' ORDER BY s.clients),
              string_agg(round((s.med / nullif(p.med, 0))::numeric, 2) || '×', ' | ' ORDER BY s.clients),
              string_agg(coalesce(round(s.cpu)::text, ''), ' | ' ORDER BY s.clients),
              max(round(b.cpu)), max(round((b.cpu / nullif(ab.cpu, 0))::numeric, 2)) || '×',
              max(round((b.cpu / nullif(pb.cpu, 0))::numeric, 2)) || '×')
  FROM (SELECT substr(part, 7) AS l, * FROM med WHERE part LIKE 'split\_%') s
  JOIN med a ON a.part = 'split_all' AND a.clients = s.clients
  JOIN med p ON p.part = 'split_plain' AND p.clients = s.clients
  LEFT JOIN med b ON b.part = 'splitbig_' || s.l
  LEFT JOIN med ab ON ab.part = 'splitbig_all'
  LEFT JOIN med pb ON pb.part = 'splitbig_plain'
 GROUP BY l
 ORDER BY array_position(ARRAY['all', 'history', 'event_log', 'workflow_guard', 'notification', 'actor_stamp', 'verifier_guard', 'rls', 'none', 'plain'], l);
SQL

{
  echo "# The real register against a plain copy"
  echo
  echo "Run by \`make bench BENCH=register\` (bench/register.sh) on $(nproc) cores shared with other work,"
  echo "$(date -u +%Y-%m-%d), PostgreSQL $(psql -At -c 'SHOW server_version'), settings of bench/run"
  echo "(synchronous_commit off). The real register is \`iso28000.nonconformity\` with everything on (triggers:"
  echo "$(psql -At -c "SELECT string_agg(tgname, ', ' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'iso28000.nonconformity'::regclass AND NOT tgisinternal");"
  echo "row-level security), written by a LOGIN role that is a \`write\` member of the organisations and a"
  echo "person of each (the acting person through its own role). The plain copy is \`public.nc_plain\`: the"
  echo "same columns, rows, indexes and CHECK constraints (since 30 Nov 2026; before, the copy had no CHECK"
  echo "constraint, about 16 µs less per transition), no trigger, no row-level security, written by the same role."
  echo
  echo "The big statement: $BIG_ROWS rows of one organisation moved from \`reported\` to \`contained\`, median of"
  echo "$REPS rounds (backend CPU time from \`/proc\`, and wall time). pgbench: ${PGB_SECONDS} s per run, median of"
  echo "$ROUNDS rounds, simple protocol; each transition moves a row still in \`reported\` (every transaction a"
  echo "real transition, rows put back between runs); reads by primary key. \"one\": every row of organisation 1"
  echo "(one history chain for every client); \"spread over 8\": rows of organisations 2 to 9."
  echo
  echo "Load average (1, 5, 15 min) at the start of the run: $LOAD_START; at its end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  sed -n '1,/^| layer switched off/p' "$TMP/report" | sed '$d'
  echo "## Where the cost goes: each layer switched off in turn"
  echo
  echo "The real register with one layer switched off at a time (as the superuser, between runs:"
  echo "\`ALTER TABLE iso28000.nonconformity DISABLE TRIGGER ...\` or \`DISABLE ROW LEVEL SECURITY\`),"
  echo "side by side in the same run with everything on, everything off and the plain copy; single-row"
  echo "transitions of one organisation (pgbench, ${PGB_SECONDS} s, medians of $ROUNDS rounds, the order of the"
  echo "variants reversed every other round) and one statement moving $SPLIT_ROWS rows (backend CPU). A"
  echo "layer's cost is what switching it off gains over everything on. The layers: \`history\` (the"
  echo "three history triggers), \`event_log\` (workflow_event_insert, workflow_event_update),"
  echo "\`workflow_guard\`, \`notification\` (notify_insert, notify_update: the notification outbox),"
  echo "\`actor_stamp\`, \`verifier_guard\` (nonconformity_keep_verifier_independent),"
  echo "\`rls\` (row-level security)."
  echo
  sed -n '/^| layer switched off/,$p' "$TMP/report"
  echo
  echo "## Where the time goes (this run)"
  echo
  echo "The backend CPU time per statement is in the tables above (each client's backend, \`/proc\` ticks"
  echo "between its first and its last 200th transaction: unlike the throughput, it does not count the"
  echo "time a backend waits for the CPU or a lock, so it moves less when the machine is shared)."
  echo
  echo "### The extension's functions, own time per transition"
  echo
  echo "One 1-client run of single-row transitions with \`track_functions = all\` for the member"
  echo "(pg_stat_user_functions; the timing adds its own cost). Own time: without the functions it calls."
  echo
  echo "| function | calls per transition | own µs per transition | µs per call, with what it calls |"
  echo "|---|---:|---:|---:|"
  psql -At -c "SELECT format('| %s | %s | %s | %s |', func, round(calls_per_txn, 2), round(self_us, 1), round(total_us, 1))
                 FROM func_time ORDER BY self_us DESC"
  echo
  echo "### Profile of one backend (perf)"
  echo
  echo "\`perf record --call-graph dwarf\` of one backend running single-row transitions (1 client,"
  echo "${PGB_SECONDS} s), attributed by \`bench/register_profile.py\`: each sample to the trigger of the UPDATE"
  echo "whose work it is (or the part of the statement's life), and to a PostgreSQL mechanism; µs from the"
  echo "median backend CPU per transition of this run with 1 client (${cpu_ref:-unknown} µs; perf's own"
  echo "sampling cost left out)."
  echo
  cat "$PROFILE"
  echo "### What 8 clients wait for"
  echo
  echo "\`pg_stat_activity\` of the member's backends sampled every 0.1 s during the 8-client transitions"
  echo "of the real register (all rounds), with the locks a waiting backend has not been granted."
  echo
  echo "| organisations | state or wait event (lock not granted) | share of samples |"
  echo "|---|---|---:|"
  psql -At -c "SELECT format('| %s | %s | %s%% |', part, wait, round(100.0 * sum(samples) / sum(sum(samples)) OVER (PARTITION BY part), 1))
                 FROM waits GROUP BY part, wait ORDER BY part, sum(samples) DESC"
  echo
  if [ -f bench/register_notes.md ]; then
    cat bench/register_notes.md
    echo
  fi
  echo "## Plans (as the member)"
  echo
  echo '```'
  cat "$TMP/plans"
  echo '```'
  echo
  echo "## Raw figures (part, table, clients, round, wall ms or tps, CPU ms or µs per transaction)"
  echo
  echo '```'
  psql -At -F ' ' -c "SELECT * FROM timing ORDER BY part, target, clients, rep"
  echo '```'
} > "$OUT"
cat "$OUT"
