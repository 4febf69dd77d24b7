#!/usr/bin/env bash
# Benchmark of one record's events (make bench BENCH=event_lookup).
#
# One governed table of BENCH_EL_RECORDS (default 100,000) records, created
# by one INSERT and moved by one UPDATE (two runs of that many events, written
# by the engine), and BENCH_EL_SHORT (default 300,000) runs of one event each,
# as single-row statements write them (inserted into the store directly).
# Side by side in one run, medians over BENCH_EL_LOOKUPS (default 20) records
# picked at random, each looked up BENCH_REPS (default 3) times per form:
#   view      SELECT ... FROM iso28000.workflow_event WHERE org_id, table_name
#             and record_id (the view unnests every run of the table);
#   function  iso28000.record_events(table, org, id) (GIN index on the ids of
#             runs of up to 64 events, btree on the longer runs,
#             array_positions() within a run).
# And what the GIN index costs its writers: BENCH_EL_WRITES (default 50,000)
# one-event runs appended, one statement each, to a copy of the store with
# and without the index (interleaved, BENCH_REPS rounds, medians).
# Writes bench/results/event_lookup.md.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_EL_RECORDS:-100000}
SHORT=${BENCH_EL_SHORT:-300000}
LOOKUPS=${BENCH_EL_LOOKUPS:-20}
WRITES=${BENCH_EL_WRITES:-50000}
REPS=${BENCH_REPS:-3}
DB=iso28000_bench_el
OUT=bench/results/event_lookup.md

psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export PGDATABASE=$DB
psql -qX -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION iso28000;
SELECT iso28000.create_organization('EL', 'Event lookup') AS org \gset
SELECT iso28000.define_workflow('bench_el', 'event lookup',
  '[{"state": "open", "initial": true}, {"state": "done"}]',
  '[{"from": "open", "to": "done", "level": "write"}, {"from": "done", "to": "open", "level": "write"}]');
CREATE TABLE iso28000.bench_el (org_id bigint NOT NULL REFERENCES iso28000.organization,
  el_id bigint NOT NULL, status text, PRIMARY KEY (org_id, el_id));
SELECT iso28000.attach_workflow('iso28000.bench_el', 'bench_el');
INSERT INTO iso28000.bench_el (org_id, el_id) SELECT :org, g FROM generate_series(1, $N) g;
UPDATE iso28000.bench_el SET status = 'done';
INSERT INTO iso28000.workflow_event_batch (org_id, events, workflow, table_name, key_columns, record_ids,
                                           from_state, to_state, actor, occurred_at)
SELECT :org, 1, 'bench_el', 'iso28000.bench_el'::regclass, '(org_id, el_id)', ARRAY[(g % $N) + 1]::bigint[],
       CASE WHEN g % 2 = 0 THEN 'done' ELSE 'open' END, CASE WHEN g % 2 = 0 THEN 'open' ELSE 'done' END,
       current_user, now()
  FROM generate_series(1, $SHORT) g;
VACUUM ANALYZE iso28000.workflow_event_batch;

CREATE FUNCTION public.bench_lookup(reps integer, lookups integer, n bigint, OUT form text, OUT median_ms numeric, OUT events bigint)
RETURNS SETOF record LANGUAGE plpgsql AS \$f\$
DECLARE
  t timestamptz; v numeric[] := '{}'; f numeric[] := '{}'; id bigint; c1 bigint; c2 bigint; tv bigint := 0; tf bigint := 0;
BEGIN
  PERFORM setseed(0.42);
  FOR i IN 1 .. lookups LOOP
    id := 1 + floor(random() * n)::bigint;
    FOR r IN 1 .. reps LOOP
      t := clock_timestamp();
      SELECT count(*) INTO c1 FROM iso28000.workflow_event e
       WHERE e.org_id = 1 AND e.table_name = 'iso28000.bench_el'::regclass AND e.record_id = id;
      v := v || (extract(epoch FROM clock_timestamp() - t) * 1000)::numeric;
      t := clock_timestamp();
      SELECT count(*) INTO c2 FROM iso28000.record_events('iso28000.bench_el', 1, id);
      f := f || (extract(epoch FROM clock_timestamp() - t) * 1000)::numeric;
      IF c1 <> c2 THEN RAISE EXCEPTION 'record %: % events through the view, % through record_events', id, c1, c2; END IF;
    END LOOP;
    tv := tv + c1; tf := tf + c2;
  END LOOP;
  form := 'view'; events := tv;
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) INTO median_ms FROM unnest(v) x; RETURN NEXT;
  form := 'record_events'; events := tf;
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) INTO median_ms FROM unnest(f) x; RETURN NEXT;
END
\$f\$;
SQL

echo "lookups: $LOOKUPS records, $REPS times each, of $((2 * N + SHORT)) events in $((2 + SHORT)) runs"
lookup=$(psql -qXAt -F ' ' -v ON_ERROR_STOP=1 -c "SELECT form, round(median_ms, 2), events FROM public.bench_lookup($REPS, $LOOKUPS, $N)")
echo "$lookup"
plan=$(psql -qXAt -c "EXPLAIN (COSTS OFF) SELECT * FROM iso28000.record_events('iso28000.bench_el', 1, 42)")

# the GIN index's cost to writers: the same one-event appends to two copies of the store
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE public.store_plain (LIKE iso28000.workflow_event_batch INCLUDING DEFAULTS);
CREATE INDEX ON public.store_plain (org_id, first_event_id);
CREATE INDEX ON public.store_plain (org_id, table_name);
CREATE TABLE public.store_gin (LIKE public.store_plain INCLUDING DEFAULTS INCLUDING INDEXES);
CREATE INDEX ON public.store_gin USING gin (record_ids) WHERE events <= 64;
CREATE FUNCTION public.bench_write(tbl text, n integer) RETURNS numeric LANGUAGE plpgsql AS $f$
DECLARE t timestamptz := clock_timestamp();
BEGIN
  FOR i IN 1 .. n LOOP
    EXECUTE format('INSERT INTO public.%I (org_id, events, workflow, table_name, key_columns, record_ids, to_state, actor, occurred_at)
                    VALUES (1, 1, $1, $2, $3, ARRAY[$4]::bigint[], $5, current_user, now())', tbl)
      USING 'bench_el', 'iso28000.bench_el'::regclass, '(org_id, el_id)', i::bigint, 'open';
  END LOOP;
  RETURN (extract(epoch FROM clock_timestamp() - t) * 1000)::numeric;
END $f$;
SQL
plain=(); gin=()
for ((r = 0; r < REPS; r++)); do
  psql -qX -c "TRUNCATE public.store_plain, public.store_gin" -c "CHECKPOINT" >/dev/null
  plain+=("$(psql -qXAt -c "SELECT round(public.bench_write('store_plain', $WRITES), 1)")")
  gin+=("$(psql -qXAt -c "SELECT round(public.bench_write('store_gin', $WRITES), 1)")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mp=$(median "${plain[@]}"); mg=$(median "${gin[@]}")
echo "writes: $WRITES one-event runs: without the GIN index ${mp} ms (${plain[*]}), with it ${mg} ms (${gin[*]})"
view_ms=$(echo "$lookup" | awk '$1 == "view" {print $2}')
fn_ms=$(echo "$lookup" | awk '$1 == "record_events" {print $2}')
load=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "# One record's events: the view against record_events()"
  echo
  echo "\`make bench BENCH=event_lookup\` ($(date -u +%Y-%m-%d), load average $load)."
  echo "One table's event log: $N records created by one INSERT and moved by one UPDATE"
  echo "(two runs of $N events) and $SHORT runs of one event; $LOOKUPS records at random,"
  echo "each looked up $REPS times by both forms (same rows checked), medians."
  echo
  echo "| form | median per lookup | × record_events |"
  echo "|---|---|---|"
  echo "| \`workflow_event\` filtered by org_id, table_name, record_id | ${view_ms} ms | $(awk -v a="$view_ms" -v b="$fn_ms" 'BEGIN {printf "%.1f", a / b}') |"
  echo "| \`record_events(table, org, id)\` | ${fn_ms} ms | 1 |"
  echo
  echo "What the partial GIN index costs writers: $WRITES one-event runs appended, one"
  echo "statement each, to a copy of the store without and with it (medians of $REPS,"
  echo "interleaved): ${mp} ms without, ${mg} ms with ($(awk -v a="$mg" -v b="$mp" 'BEGIN {printf "%.2f", a / b}')×)."
  echo
  echo "Plan of \`record_events\` (EXPLAIN without costs):"
  echo
  echo '```'
  echo "$plan"
  echo '```'
} > "$OUT"
echo "wrote $OUT"
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB"
