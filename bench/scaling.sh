#!/usr/bin/env bash
# What keeps 8 clients of the real register from scaling (issue 13), side by
# side in one run.
#
# 1. The locks one steady-state transition takes (pg_locks of the member's
#    own backend inside an open transaction, after warm-up transitions in the
#    same session): how many relation locks, and whether each went through the
#    backend's 16 fast-path slots or the shared lock table.
# 2. pgbench, CLIENTS clients (default 8), PGB_SECONDS per run, ROUNDS rounds,
#    variants interleaved (order reversed every other round), single-row
#    transitions (reported -> contained, simple protocol) as a `write` member:
#      plain         a plain copy of the register (no trigger, no row-level security);
#      real_one      the register as installed, all rows of one organisation;
#      real_spread   the register, rows spread over 8 organisations;
#      *_quiet       the same with iso28000.notify_announce = off (the outbox
#                    writes its rows but sends no NOTIFY: PostgreSQL takes a
#                    lock on the database at the commit of every transaction
#                    that notified, so notifying transactions commit one at a time).
#    Per run: tps, the backend CPU per transaction (/proc/PID/schedstat of
#    each client's backend), "backend cores busy" = tps x CPU per transaction
#    (what the run got of the machine's cores), and the waits of the member's
#    backends sampled every 0.1 s (pg_stat_activity, the lock not granted).
#    Reading: when a variant's cores busy stays near the plain copy's, it is
#    bound by its CPU per transaction; when it drops, by waiting.
# Writes bench/results/scaling.md.  Runs inside the cluster bench/run starts;
# alone: make bench BENCH=scaling.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
PGB_SECONDS=${PGB_SECONDS:-5}
CLIENTS=${CLIENTS:-8}
ROWS=${ROWS:-24000}
VARIANTS=${VARIANTS:-"plain real_one real_spread real_one_quiet real_spread_quiet"}
DB=iso28000_bench_scaling
MEMBER=iso28000_bench_scaling_member
OUT=bench/results/scaling.md
TMP=$(mktemp -d)
mkdir -p bench/results "$TMP/cpu"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# the database, the member, its organisations and persons; sample_waits: bench/lib.sh
. bench/lib.sh
bench_setup 9 SC "Scaling bench"

# Organisation 1: ids 1..ROWS; organisations 2..9: ids ROWS+1..2*ROWS, org 2 + (id - ROWS - 1) % 8.
psql -v member="$MEMBER" -v rows="$ROWS" >/dev/null <<'SQL'
SET client_min_messages = warning;
INSERT INTO iso28000.nonconformity (org_id, title, severity)
  SELECT CASE WHEN g <= :rows THEN 1 ELSE 2 + (g - :rows - 1) % 8 END, 'nc ' || g, 'minor'
    FROM generate_series(1, 2 * :rows) g ORDER BY g;
CREATE TABLE public.nc_plain (LIKE iso28000.nonconformity INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
INSERT INTO public.nc_plain SELECT * FROM iso28000.nonconformity;
GRANT SELECT, UPDATE ON public.nc_plain TO :"member";
GRANT USAGE ON SCHEMA public TO :"member";
CREATE TABLE timing (id serial, variant text, round int, tps numeric, cpu_us numeric);
CREATE TABLE waits (id serial, variant text, wait text, samples int);
CREATE FUNCTION bench_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL session_replication_role = replica;
  UPDATE iso28000.nonconformity SET status = 'reported', correction = NULL WHERE status <> 'reported';
  UPDATE public.nc_plain SET status = 'reported', correction = NULL WHERE status <> 'reported';
END $$;
SQL
psql -c "VACUUM ANALYZE" >/dev/null

# 1. The locks of one steady-state transition.
LOCKS=$(as_member command psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -At -F ' | ' <<SQL
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'fixed' WHERE org_id = 1 AND nonconformity_id = 1;
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'fixed' WHERE org_id = 1 AND nonconformity_id = 2;
BEGIN;
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'fixed' WHERE org_id = 1 AND nonconformity_id = 3;
SELECT '| ' || l.locktype, coalesce(l.relation::regclass::text, ''), l.mode, CASE WHEN l.fastpath THEN 'fast path' ELSE 'shared lock table' END || ' |'
  FROM pg_locks l WHERE l.pid = pg_backend_pid() AND l.relation IS DISTINCT FROM 'pg_catalog.pg_locks'::regclass
 ORDER BY l.fastpath, l.locktype, 2;
COMMIT;
SQL
)
psql -c "SELECT bench_reset()" >/dev/null
NREL=$(grep -c '^| relation' <<< "$LOCKS" || true)
NFAST=$(grep '^| relation' <<< "$LOCKS" | grep -c 'fast path' || true)
echo "scaling: a steady-state transition takes $NREL relation locks, $NFAST of them in fast-path slots (16 per backend)"

printf '#!/bin/sh\necho "$3 $(awk %s /proc/$1/schedstat)" > "%s/cpu/$2.$4"\n' "'{print \$1}'" "$TMP" > "$TMP/stamp"
chmod +x "$TMP/stamp"
move_sql() {   # table base orgbase norgs
  cat <<EOF
\\set k :k + 1
\\if :k = 1
SELECT pg_backend_pid() AS pid \\gset
\\shell $TMP/stamp :pid :client_id :k a
\\elif :k % 250 = 0
\\shell $TMP/stamp :pid :client_id :k b
\\endif
\\set id $2 + 1 + (:client_id + :nc * :k) % $ROWS
\\set org $3 + (:id - $2 - 1) % $4
UPDATE $1 SET status = 'contained', correction = 'fixed' WHERE org_id = :org AND nonconformity_id = :id;
EOF
}
move_sql public.nc_plain 0 1 1 > "$TMP/plain.sql"
move_sql iso28000.nonconformity 0 1 1 > "$TMP/real_one.sql"
move_sql iso28000.nonconformity "$ROWS" 2 8 > "$TMP/real_spread.sql"
cp "$TMP/real_one.sql" "$TMP/real_one_quiet.sql"
cp "$TMP/real_spread.sql" "$TMP/real_spread_quiet.sql"

cpu_per_txn() {
  local a b
  for a in "$TMP"/cpu/*.a; do
    b=${a%.a}.b
    if [ -f "$a" ] && [ -f "$b" ]; then echo "$(cat "$a") $(cat "$b")"; fi
  done | awk '{t += $4 - $2; n += $3 - $1} END {if (n > 0) printf "%.1f", t / 1e3 / n; else print "NULL"}'
}

echo "scaling: pgbench, $CLIENTS clients, ${PGB_SECONDS}s per run, $ROUNDS rounds ($VARIANTS)"
for ((r = 1; r <= ROUNDS; r++)); do
  order=$VARIANTS
  ((r % 2)) || order=$(echo $VARIANTS | tr ' ' '\n' | tac | tr '\n' ' ')
  for v in $order; do
    case $v in
      *_quiet) psql -c "ALTER ROLE $MEMBER SET iso28000.notify_announce = off" ;;
      *)       psql -c "ALTER ROLE $MEMBER RESET iso28000.notify_announce" ;;
    esac >/dev/null
    psql -c "VACUUM iso28000.nonconformity, public.nc_plain" >/dev/null
    rm -f "$TMP"/cpu/*
    sample_waits &
    tps=$(as_member pgbench -n -T "$PGB_SECONDS" -c "$CLIENTS" -j "$CLIENTS" -D k=0 -D nc="$CLIENTS" \
            -f "$TMP/$v.sql" "$DB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
    touch "$TMP/stop_waits"; wait || true
    sort "$TMP/waits" | uniq -c | while read -r n w; do
      psql -v w="$w" <<< "INSERT INTO waits (variant, wait, samples) VALUES ('$v', :'w', $n)" >/dev/null
    done
    cpu=$(cpu_per_txn)
    psql -c "SELECT bench_reset()" >/dev/null
    echo "  round $r $v: ${tps:-0} tps, backend CPU $cpu us per transaction"
    psql -c "INSERT INTO timing (variant, round, tps, cpu_us) VALUES ('$v', $r, ${tps:-0}, $cpu)"
  done
done
psql -c "ALTER ROLE $MEMBER RESET iso28000.notify_announce" >/dev/null
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

{
  cat <<EOF
# What 8 clients of the real register wait for

Run by \`make bench BENCH=scaling\` (bench/scaling.sh), $(date -u +%Y-%m-%d), $(psql -At -c "SELECT split_part(version(), ' on ', 1)"),
$(nproc) CPU cores. Load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $LOAD_END.

## The locks of one transition

A steady-state single-row transition of the register as the \`write\` member (third in its
session) holds $NREL relation locks, $NFAST of them in the backend's 16 fast-path slots (a
relation lock that finds no free slot goes through the shared lock table, whose partition
LWLocks 8 clients would contend for). The first transition of a backend takes more: its caches
read the catalog (workflow, person and their indexes).

| lock | relation | mode | where |
|---|---|---|---|
$LOCKS

## pgbench, $CLIENTS clients

Single-row transitions (\`UPDATE ... SET status = 'contained', correction = 'fixed' WHERE org_id
= o AND nonconformity_id = k\`, each client its own rows), ${PGB_SECONDS} s per run, medians of
$ROUNDS rounds, variants interleaved. *Cores busy* is tps × backend CPU per transaction: the
share of the machine the member's backends got. A variant bound by its CPU per transaction
keeps the plain copy's cores busy; one that waits drops below it.

| variant | tps | × plain | backend CPU µs per transaction | × plain | cores busy | tps of each round |
|---|---:|---:|---:|---:|---:|---|
EOF
  psql -At <<'SQL'
WITH m AS (
  SELECT variant, percentile_disc(0.5) WITHIN GROUP (ORDER BY tps) AS tps,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY cpu_us) AS cpu,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY tps * cpu_us / 1e6) AS busy,
         string_agg(round(tps)::text, ', ' ORDER BY round) AS rounds, min(id) AS first
    FROM timing GROUP BY variant)
SELECT format('| %s | %s | %s× | %s | %s× | %s | %s |', m.variant, round(m.tps), round(m.tps / p.tps, 2),
              m.cpu, round(m.cpu / p.cpu, 2), round(m.busy, 2), m.rounds)
  FROM m, (SELECT tps, cpu FROM m WHERE variant = 'plain') p
 ORDER BY m.first;
SQL
  cat <<'EOF'

## What the member's backends were doing

`pg_stat_activity` sampled every 0.1 s during every run (all rounds); "waiting for" names the
lock a backend had asked for and not been granted.

| variant | state or wait event | share of samples |
|---|---|---:|
EOF
  psql -At <<'SQL'
SELECT format('| %s | %s | %s%% |', w.variant, w.wait, round(100.0 * sum(w.samples) / sum(sum(w.samples)) OVER (PARTITION BY w.variant), 1))
  FROM waits w JOIN (SELECT variant, min(id) AS first FROM timing GROUP BY variant) t USING (variant)
 GROUP BY w.variant, w.wait, t.first
 ORDER BY t.first, sum(w.samples) DESC;
SQL
} > "$OUT"
cat "$OUT"
