#!/usr/bin/env bash
# Benchmark of the workflow engine (iso28000.workflow_guard).
#
# 1. One million rows moved through one transition (reported -> contained,
#    with a required column) in one UPDATE, side by side in one run:
#      none           no trigger
#      empty_c        an empty C row trigger (bench/workflow_empty_trigger.c,
#                     built here as its own tiny module): the floor set by
#                     PostgreSQL's trigger machinery
#      engine_nolog   the C engine on a workflow with log_events = false
#      engine         the C engine, appending every transition to the event log
#      plpgsql_nolog  the same rules as a PL/pgSQL trigger (bench/workflow_plpgsql.sql)
#      plpgsql        the same, appending to the event log
#    Each variant runs REPS times, the order rotated every round; medians and
#    ratios are printed and written to bench/results/workflow.md.
# 2. Single-row transitions through pgbench on loopback: TPS per variant.
#
# Runs inside the cluster that bench/run starts; alone: make bench BENCH=workflow.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
REPS=${REPS:-3}
PGB_ROWS=${PGB_ROWS:-100000}
PGB_SECONDS=${PGB_SECONDS:-10}
PGB_CLIENTS=${PGB_CLIENTS:-2}
DB=iso28000_bench_workflow
OUT=bench/results/workflow.md
mkdir -p bench/results

BUILD=$(mktemp -d /tmp/iso28000_bench_workflow.XXXXXX)
chmod 755 "$BUILD"
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1; rm -rf "$BUILD"' EXIT
gcc -O2 -fPIC -shared -I"$(pg_config --includedir-server)" \
    -o "$BUILD/workflow_empty_trigger.so" bench/workflow_empty_trigger.c
chmod 755 "$BUILD/workflow_empty_trigger.so"

dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB"
# The engines serve only tables of schema iso28000 made by its owner (issue 11):
# the benchmark's tables are created there.
command psql -X -q -d "$DB" -c "ALTER DATABASE $DB SET search_path = iso28000, public" >/dev/null
psql() { command psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

psql -v so="$BUILD/workflow_empty_trigger.so" <<'SQL'
CREATE EXTENSION iso28000;
SELECT iso28000.create_organization('BENCH', 'Benchmark') \g /dev/null
CREATE FUNCTION bench_empty_trigger() RETURNS trigger LANGUAGE c AS :'so', 'bench_empty_trigger';
\i bench/workflow_plpgsql.sql
INSERT INTO iso28000.workflow (workflow, description, log_events) VALUES
  ('bench_log', 'benchmark, events logged', true), ('bench_nolog', 'benchmark, no event log', false);
INSERT INTO iso28000.workflow_state (workflow, state, is_initial)
  SELECT w, s, s = 'reported' FROM unnest(ARRAY['bench_log', 'bench_nolog']) w, unnest(ARRAY['reported', 'contained']) s;
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level)
  SELECT w, f, t, 'write' FROM unnest(ARRAY['bench_log', 'bench_nolog']) w,
         (VALUES ('reported', 'contained'), ('contained', 'reported')) v(f, t);
INSERT INTO iso28000.workflow_required_column (workflow, state, column_name)
  SELECT w, 'contained', 'correction' FROM unnest(ARRAY['bench_log', 'bench_nolog']) w;
CREATE TABLE bench_nc (
  org_id bigint NOT NULL, id bigint NOT NULL, status text NOT NULL, correction text,
  status_changed_at timestamptz, status_changed_by name, PRIMARY KEY (org_id, id));
-- Puts the variant's trigger (only) on bench_nc.
CREATE FUNCTION bench_use(variant text) RETURNS void LANGUAGE plpgsql SET client_min_messages = warning AS $$
BEGIN
  DROP TRIGGER IF EXISTS bench_trigger ON bench_nc;
  IF variant <> 'none' THEN
    EXECUTE 'CREATE TRIGGER bench_trigger BEFORE INSERT OR UPDATE OR DELETE ON bench_nc FOR EACH ROW EXECUTE FUNCTION '
      || CASE variant
           WHEN 'empty_c' THEN 'bench_empty_trigger()'
           WHEN 'engine_nolog' THEN 'iso28000.workflow_guard(''bench_nolog'')'
           WHEN 'engine' THEN 'iso28000.workflow_guard(''bench_log'')'
           WHEN 'plpgsql_nolog' THEN 'bench_plpgsql_guard(''bench_nolog'')'
           WHEN 'plpgsql' THEN 'bench_plpgsql_guard(''bench_log'')'
         END;
  END IF;
  -- The engine with its event log: the event writer's statement triggers, as attach_workflow makes them.
  DROP TRIGGER IF EXISTS workflow_event_insert ON bench_nc;
  DROP TRIGGER IF EXISTS workflow_event_update ON bench_nc;
  IF variant = 'engine' THEN
    EXECUTE 'DROP TRIGGER bench_trigger ON bench_nc';
    EXECUTE 'CREATE TRIGGER bench_trigger BEFORE INSERT OR UPDATE OR DELETE ON bench_nc FOR EACH ROW EXECUTE FUNCTION iso28000.workflow_guard(''bench_log'', ''status'')';
    PERFORM iso28000._workflow_attach_log('bench_nc', 'bench_log', 'status');
  END IF;
END $$;
SET client_min_messages = warning;
SQL

VARIANTS=(none empty_c engine_nolog engine plpgsql_nolog plpgsql)
RES=$BUILD/times
: > "$RES"
echo "bulk: $ROWS rows, one UPDATE reported -> contained, $REPS rounds"
for ((r = 0; r < REPS; r++)); do
  n=${#VARIANTS[@]}
  for ((i = 0; i < n; i++)); do
    v=${VARIANTS[$(((i + r) % n))]}
    psql <<SQL >/dev/null
SET client_min_messages = warning;
SELECT bench_use('none');
TRUNCATE bench_nc;
TRUNCATE iso28000.workflow_event_batch;
INSERT INTO bench_nc (org_id, id, status, correction, status_changed_at, status_changed_by)
  SELECT 1, g, 'reported', 'fixed', now() - interval '1 day', current_user FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE bench_nc;
SELECT bench_use('$v');
SQL
    # wall time, and the CPU time of the backend (utime + stime from /proc,
    # in clock ticks): the machine is shared, CPU time is what contention
    # changes least.
    out=$(psql -At <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\! awk '{print $14 + $15}' /proc/$BPID/stat
SELECT clock_timestamp() AS t0 \gset
UPDATE bench_nc SET status = 'contained';
SELECT round((extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000)::numeric, 1);
\! awk '{print $14 + $15}' /proc/$BPID/stat
SQL
)
    read -r t0 ms t1 <<< "$(echo $out)"
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", (b - a) * 1000 / hz}')
    events=$(psql -At -c "SELECT count(*) FROM iso28000.workflow_event")
    echo "  round $((r + 1)) $v: $ms ms wall, $cpu ms CPU ($events events)"
    echo "$v $ms $cpu" >> "$RES"
  done
done

median() { grep "^$1 " "$RES" | awk -v c="$2" '{print $c}' | sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
declare -A MED CPU
for v in "${VARIANTS[@]}"; do MED[$v]=$(median "$v" 2); CPU[$v]=$(median "$v" 3); done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# pgbench: single-row transitions, flipping a random row between the two states.
psql <<SQL >/dev/null
SELECT bench_use('none');
TRUNCATE bench_nc;
TRUNCATE iso28000.workflow_event_batch;
INSERT INTO bench_nc (org_id, id, status, correction, status_changed_at, status_changed_by)
  SELECT 1, g, 'reported', 'fixed', now() - interval '1 day', current_user FROM generate_series(1, $PGB_ROWS) g;
VACUUM ANALYZE bench_nc;
SQL
cat > "$BUILD/flip.sql" <<EOF2
\set id random(1, $PGB_ROWS)
UPDATE bench_nc SET status = CASE status WHEN 'reported' THEN 'contained' ELSE 'reported' END WHERE org_id = 1 AND id = :id;
EOF2
PGB_VARIANTS=(none empty_c engine_nolog engine plpgsql)
declare -A TPS
echo "pgbench: $PGB_CLIENTS clients, ${PGB_SECONDS}s per variant, single-row transitions on loopback"
for v in "${PGB_VARIANTS[@]}"; do
  psql -c "SELECT bench_use('$v')" >/dev/null
  TPS[$v]=$(pgbench -n -h localhost -c "$PGB_CLIENTS" -j "$PGB_CLIENTS" -T "$PGB_SECONDS" -f "$BUILD/flip.sql" "$DB" 2>/dev/null \
            | sed -n 's/^tps = \([0-9.]*\) .*without.*/\1/p' | cut -d. -f1)
  echo "  $v: ${TPS[$v]} tps"
done

{
  echo "# Workflow engine benchmark"
  echo
  echo "Generated by \`bench/workflow.sh\` ($(date -u +%Y-%m-%d), PostgreSQL $(psql -At -c 'SHOW server_version'), $(nproc) cores shared with other work)."
  echo
  echo "## One UPDATE moving $ROWS rows through one transition"
  echo
  echo "\`UPDATE bench_nc SET status = 'contained'\` on $ROWS rows in \`reported\`; the target state requires"
  echo "the \`correction\` column and the transition the \`write\` level. Median of $REPS rounds, variant order"
  echo "rotated each round, table reloaded and vacuumed before each run. The rows are loaded with their"
  echo "\`status_changed_at\` and \`status_changed_by\` stamps, as the engine creates every record (until"
  echo "2026-11-30 they were loaded without, so the engine's stamps also widened every row it moved)."
  echo
  echo "Two measures: the backend's CPU time (utime + stime of the server process, from \`/proc\`), which"
  echo "other work on the shared machine disturbs least, and the wall time. Ratios use the CPU time."
  echo
  echo "| variant | median CPU ms | × no trigger | × empty C trigger | median wall ms |"
  echo "|---|---:|---:|---:|---:|"
  for v in "${VARIANTS[@]}"; do
    echo "| $v | ${CPU[$v]} | $(ratio "${CPU[$v]}" "${CPU[none]}") | $(ratio "${CPU[$v]}" "${CPU[empty_c]}") | ${MED[$v]} |"
  done
  echo
  echo "- C engine with its event log against the empty C trigger: **$(ratio "${CPU[engine]}" "${CPU[empty_c]}")×** (issue 13 target ≤ 1.6×)"
  echo "- C engine without the event log against the empty C trigger: **$(ratio "${CPU[engine_nolog]}" "${CPU[empty_c]}")×** (issue 13 target ≤ 1.08×)"
  echo "- PL/pgSQL against the C engine, without the event log: **$(ratio "${CPU[plpgsql_nolog]}" "${CPU[engine_nolog]}")×** (target ≥ 2×)"
  echo "- PL/pgSQL against the C engine, with the event log: **$(ratio "${CPU[plpgsql]}" "${CPU[engine]}")×**"
  echo "- the event log in the C engine (the row trigger collects each transition's record id in a run in memory, the workflow_log() statement trigger stores each run as one row of workflow_event_batch with the ids as an array, one organisation check): $(ratio "${CPU[engine]}" "${CPU[engine_nolog]}")× the engine without it"
  echo
  perrow() { awk -v a="$1" -v b="$2" -v n="$ROWS" 'BEGIN {printf "%.2f", (a - b) * 1000 / n}'; }
  echo "Per row, in CPU microseconds: the trigger machinery (empty C trigger over none) $(perrow "${CPU[empty_c]}" "${CPU[none]}");"
  echo "the engine's own work over the empty trigger $(perrow "${CPU[engine_nolog]}" "${CPU[empty_c]}") (reading both states from the trigger's"
  echo "slots, the state and transition look-ups (the last ones remembered), the required column, the level check"
  echo "(its last yes remembered for the command), and stamping \`status_changed_at\` and \`status_changed_by\` in"
  echo "place in a copy of the row, which the executor copies once more); the event log $(perrow "${CPU[engine]}" "${CPU[engine_nolog]}")"
  echo "(one array element per event; one stored row, one sequence value and one organisation check per run)."
  echo
  echo "## Single-row transitions (pgbench, loopback)"
  echo
  echo "$PGB_CLIENTS clients, ${PGB_SECONDS} s per variant, each transaction flips one random row of $PGB_ROWS between"
  echo "\`reported\` and \`contained\`."
  echo
  echo "| variant | TPS | × no trigger | × empty C trigger |"
  echo "|---|---:|---:|---:|"
  for v in "${PGB_VARIANTS[@]}"; do
    echo "| $v | ${TPS[$v]} | $(ratio "${TPS[$v]}" "${TPS[none]}") | $(ratio "${TPS[$v]}" "${TPS[empty_c]}") |"
  done
  echo
  echo "The pgbench figures are wall-clock throughput on a shared 2-core machine: read them as orders of"
  echo "magnitude, not to the percent."
  echo
  echo "## Raw times (variant, wall ms, CPU ms)"
  echo
  echo '```'
  cat "$RES"
  echo '```'
} > "$OUT"
cat "$OUT"
