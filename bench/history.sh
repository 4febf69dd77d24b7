#!/usr/bin/env bash
# Benchmark of the history chain (doc/history.md).
#
# 1. 100,000 seven-column rows inserted in one statement into a register
#    without history, with the statement-level history trigger (what
#    attach_history installs) and with the same recorder as a row-level
#    trigger; variants interleaved round-robin, REPS times each, each into a
#    fresh table; medians and ratios.
# 2. Where the time goes: the pieces of the statement-level recorder measured
#    alone over the same 100,000 rows (transition-table capture, jsonb images,
#    their text, SHA-256, writing the history rows).
# 3. pgbench on loopback: single-row INSERT and UPDATE transactions, two
#    clients, with and without history, interleaved, medians of tps.
#
# Runs inside the cluster that bench/run starts (PGHOST etc. set); run alone
# with `make bench BENCH=history`.  Takes about three minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-100000}
REPS=${REPS:-5}
ROW_REPS=${ROW_REPS:-3}
ROW_ROWS=${ROW_ROWS:-10000}   # the row-level variant is ~50x slower: fewer rows
PGB_SECONDS=${PGB_SECONDS:-5}
PGB_REPS=${PGB_REPS:-3}
DB=iso28000_bench_history
OUT=bench/results/history.md
TMP=$(mktemp -d)
mkdir -p bench/results

dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB"
# The engines serve only tables of schema iso28000 made by its owner (issue 11):
# the benchmark's tables are created there.
command psql -X -q -d "$DB" -c "ALTER DATABASE $DB SET search_path = iso28000, public" >/dev/null
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
psql() { command psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

psql <<'SQL'
CREATE EXTENSION iso28000;
SELECT iso28000.create_organization('BENCH' || n, 'Bench ' || n) FROM generate_series(1, 4) n;

-- A seven-column register, created fresh for each measurement.
CREATE FUNCTION bench_table(name text, mode text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS %I', name);
    EXECUTE format('CREATE TABLE %I (
        org_id  bigint NOT NULL REFERENCES iso28000.organization,
        item_id bigint GENERATED ALWAYS AS IDENTITY,
        label   text NOT NULL,
        qty     integer NOT NULL,
        price   numeric(12,2),
        due_on  date,
        note    text,
        PRIMARY KEY (org_id, item_id))', name);
    PERFORM iso28000.register_table(name::regclass);
    IF mode = 'none' THEN
        EXECUTE format('DROP TRIGGER iso28000_history_insert ON %I', name);
        EXECUTE format('DROP TRIGGER iso28000_history_update ON %I', name);
        EXECUTE format('DROP TRIGGER iso28000_history_delete ON %I', name);
    ELSIF mode = 'row' THEN
        EXECUTE format('DROP TRIGGER iso28000_history_insert ON %I', name);
        EXECUTE format('DROP TRIGGER iso28000_history_update ON %I', name);
        EXECUTE format('DROP TRIGGER iso28000_history_delete ON %I', name);
        EXECUTE format('CREATE TRIGGER bench_row AFTER INSERT OR UPDATE OR DELETE ON %I
                          FOR EACH ROW EXECUTE FUNCTION iso28000.history_record()', name);
    ELSIF mode = 'capture' THEN
        -- transition tables captured, trigger does nothing: the cost of the capture
        EXECUTE format('DROP TRIGGER iso28000_history_insert ON %I', name);
        EXECUTE format('CREATE TRIGGER bench_capture AFTER INSERT ON %I REFERENCING NEW TABLE AS n
                          FOR EACH STATEMENT EXECUTE FUNCTION bench_noop()', name);
    END IF;
END $$;
CREATE FUNCTION bench_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;

-- Milliseconds that one statement takes, AFTER triggers included.
CREATE FUNCTION bench_ms(sql text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
    t0 := clock_timestamp();
    EXECUTE sql;
    RETURN round(extract(epoch FROM clock_timestamp() - t0) * 1000, 1);
END $$;

CREATE TABLE timing (part text, variant text, rep int, ms numeric);
SQL

INSERT_SQL="INSERT INTO bench_t (org_id, label, qty, price, due_on, note)
  SELECT 1, 'item ' || g, g % 1000, (g % 10000) / 100.0, date '2026-01-01' + g % 365, 'supplier batch ' || (g % 97)
    FROM generate_series(1, $ROWS) g"

echo "bulk insert of $ROWS rows, $REPS rounds"
for rep in $(seq 1 "$REPS"); do
  for mode in none statement capture; do
    psql -c "SELECT bench_table('bench_t', '$mode')" -c "CHECKPOINT" >/dev/null
    psql -c "INSERT INTO timing SELECT 'bulk', '$mode', $rep, bench_ms(\$q\$$INSERT_SQL\$q\$)" >/dev/null
  done
  if [ "$rep" -le "$ROW_REPS" ]; then
    psql -c "SELECT bench_table('bench_t', 'row')" -c "CHECKPOINT" >/dev/null
    psql -c "INSERT INTO timing SELECT 'bulk', 'row', $rep, bench_ms(\$q\$${INSERT_SQL/$ROWS/$ROW_ROWS}\$q\$)" >/dev/null
  fi
done

# Many single-row statements in one transaction (a batch job looping over rows).
LOOP_N=${LOOP_N:-20000}
echo "$LOOP_N single-row statements in one transaction, $REPS rounds"
for rep in $(seq 1 "$REPS"); do
  for mode in none statement; do
    psql -c "SELECT bench_table('bench_l', '$mode')" -c "CHECKPOINT" >/dev/null
    psql -c "INSERT INTO timing SELECT 'loop', '$mode', $rep, bench_ms(\$q\$DO \$d\$ BEGIN FOR i IN 1..$LOOP_N LOOP
               INSERT INTO bench_l (org_id, label, qty, price, due_on, note) VALUES (2, 'item ' || i, i % 1000, 1.5, date '2026-01-01', 'loop'); END LOOP; END \$d\$\$q\$)" >/dev/null
  done
done

# Where the time goes: the recorder's steps, each alone over the same rows.
echo "where the time goes, $REPS rounds"
psql <<SQL
SELECT bench_table('bench_src', 'none');
$(echo "$INSERT_SQL" | sed 's/bench_t/bench_src/');
VACUUM ANALYZE bench_src;
CREATE TABLE history_copy (LIKE iso28000.history INCLUDING ALL);
CREATE TABLE history_rows AS
  SELECT * FROM iso28000.history WHERE table_name = 'iso28000.bench_t' LIMIT $ROWS;
SQL
for rep in $(seq 1 "$REPS"); do
  psql <<SQL >/dev/null
INSERT INTO timing SELECT 'steps', 'to_jsonb(row)', $rep, bench_ms('SELECT count(to_jsonb(s)) FROM bench_src s');
INSERT INTO timing SELECT 'steps', 'to_jsonb(row)::text', $rep, bench_ms('SELECT count(to_jsonb(s)::text) FROM bench_src s');
INSERT INTO timing SELECT 'steps', 'sha256(jsonb text)', $rep, bench_ms('SELECT count(sha256(convert_to(to_jsonb(s)::text, ''UTF8''))) FROM bench_src s');
INSERT INTO timing SELECT 'steps', 'history_hash() per record', $rep, bench_ms('SELECT count(iso28000.history_hash(org_id, seq, recorded_at, session_role, acting_role, txid, table_name, operation, row_key, before_image, after_image, prev_hash)) FROM history_rows');
TRUNCATE history_copy;
CHECKPOINT;
INSERT INTO timing SELECT 'steps', 'insert history rows (heap + PK)', $rep, bench_ms('INSERT INTO history_copy SELECT * FROM history_rows');
SQL
done
psql -c "SELECT 'verify' , bench_ms('SELECT * FROM iso28000.verify_history(1)')" -At > "$TMP/verify"
VERIFY_N=$(psql -At -c "SELECT seq FROM iso28000.history_head WHERE org_id = 1")

# pgbench: single-row transactions, two clients, organisation 1 for both (one
# chain: the writers queue on its head) and each client its own organisation.
echo "pgbench, ${PGB_SECONDS}s per run, $PGB_REPS rounds"
psql -c "SELECT bench_table('pgb_none', 'none')" -c "SELECT bench_table('pgb_hist', 'statement')" >/dev/null
for t in pgb_none pgb_hist; do
  psql -c "INSERT INTO $t (org_id, label, qty, price, due_on, note)
           SELECT 1 + g % 4, 'item ' || g, g % 1000, 1.5, date '2026-01-01', 'seed' FROM generate_series(0, 39999) g" >/dev/null
  cat > "$TMP/insert_$t.sql" <<EOF
INSERT INTO $t (org_id, label, qty, price, due_on, note) VALUES (1, 'pgbench', 1, 2.50, date '2026-02-01', 'one row');
EOF
  cat > "$TMP/insert_own_$t.sql" <<EOF
INSERT INTO $t (org_id, label, qty, price, due_on, note) VALUES (:client_id % 4 + 1, 'pgbench', 1, 2.50, date '2026-02-01', 'one row');
EOF
  cat > "$TMP/update_$t.sql" <<EOF
\set id random(1, 40000)
UPDATE $t SET qty = qty + 1 WHERE org_id = 1 + (:id - 1) % 4 AND item_id = :id;
EOF
done
psql -c "VACUUM ANALYZE pgb_none" -c "VACUUM ANALYZE pgb_hist" >/dev/null
for rep in $(seq 1 "$PGB_REPS"); do
  for kind in insert insert_own update; do
    for t in pgb_none pgb_hist; do
      tps=$(pgbench -n -c 2 -j 2 -T "$PGB_SECONDS" -f "$TMP/${kind}_$t.sql" "$DB" 2>/dev/null \
            | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
      psql -c "INSERT INTO timing VALUES ('pgbench_$kind', '$t', $rep, ${tps:-0})" >/dev/null
    done
  done
done

# When the chain head is taken (doc/history.md): linked at commit (the
# default) or at the statement (iso28000.history_link = statement, as before),
# single-row UPDATE transactions: 2 clients over four organisations, 8 clients
# in one organisation, and 8 clients in one organisation of a register with one
# more AFTER trigger that writes a row (as the real register's layers do; it
# fires after the history's, in name order).  Interleaved, medians; the share
# of the backends' samples (pg_stat_activity every 20 ms) waiting on a lock.
echo "chain head: linked at commit or at the statement, ${PGB_SECONDS}s per run, $PGB_REPS rounds"
psql <<'SQL' >/dev/null
SELECT bench_table('pgb_layer', 'statement');
INSERT INTO pgb_layer (org_id, label, qty, price, due_on, note)
  SELECT 1 + g % 4, 'item ' || g, g % 1000, 1.5, date '2026-01-01', 'seed' FROM generate_series(0, 39999) g;
CREATE TABLE bench_layer_log (org_id bigint, n int, at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION bench_layer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO bench_layer_log (org_id, n) SELECT org_id, count(*) FROM new_rows GROUP BY org_id;
  RETURN NULL;
END $$;
CREATE TRIGGER zz_bench_layer AFTER UPDATE ON pgb_layer REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bench_layer();
VACUUM ANALYZE pgb_layer;
CREATE TABLE waits (variant text, rep int, waiting numeric);
SQL
for t in pgb_none pgb_hist pgb_layer; do
  cat > "$TMP/update1_$t.sql" <<EOF
\set id random(1, 10000)
UPDATE $t SET qty = qty + 1 WHERE org_id = 1 AND item_id = 4 * :id - 3;
EOF
  cat > "$TMP/update2_$t.sql" <<EOF
\set id random(1, 5000)
BEGIN;
UPDATE $t SET qty = qty + 1 WHERE org_id = 1 AND item_id = 8 * :id - 7;
UPDATE $t SET qty = qty + 1 WHERE org_id = 1 AND item_id = 8 * :id - 3;
END;
EOF
done
# runs pgbench with its options, samples the waits; prints tps and the waiting share
head_run() {  # variant clients script mode
  local out
  PGOPTIONS="-c iso28000.history_link=$4" pgbench -n -c "$2" -j "$2" -T "$PGB_SECONDS" -f "$3" "$DB" > "$TMP/pgb.out" 2>/dev/null &
  sleep 1
  out=$(psql -At -c "CREATE TEMP TABLE s (w boolean);
    DO \$\$ BEGIN FOR i IN 1..$(( (PGB_SECONDS - 2) * 50 )) LOOP
      INSERT INTO s SELECT wait_event_type = 'Lock' FROM pg_stat_activity
       WHERE application_name = 'pgbench' AND datname = current_database() AND state = 'active';
      PERFORM pg_sleep(0.02); END LOOP; END \$\$;
    SELECT coalesce(round(100.0 * count(*) FILTER (WHERE w) / nullif(count(*), 0), 1)::text, 'NULL') FROM s;" | tail -1)
  wait
  echo "$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$TMP/pgb.out" | head -1) $out"
}
for rep in $(seq 1 "$PGB_REPS"); do
  for v in "update4 2 update_pgb_none none" "update4 2 update_pgb_hist statement" "update4 2 update_pgb_hist commit" \
           "update1 8 update1_pgb_none none" "update1 8 update1_pgb_hist statement" "update1 8 update1_pgb_hist commit" \
           "layer1 8 update1_pgb_layer statement" "layer1 8 update1_pgb_layer commit" \
           "two1 8 update2_pgb_none none" "two1 8 update2_pgb_hist statement" "two1 8 update2_pgb_hist commit"; do
    set -- $v
    read -r tps waiting <<< "$(head_run "$1" "$2" "$TMP/$3.sql" "$([ "$4" = none ] && echo commit || echo "$4")")"
    psql -c "INSERT INTO timing VALUES ('head_$1', '$4', $rep, ${tps:-0})" \
         -c "INSERT INTO waits VALUES ('head_$1 $4', $rep, ${waiting:-0})" >/dev/null
  done
done

# The backend's CPU time per transaction, one client: on a shared machine the
# throughput of two clients moves with the load, the CPU time a transaction
# costs its backend much less.  CPU ticks of the backend (/proc) over the
# middle of a run, divided by the transactions committed meanwhile.
echo "backend CPU per transaction, 1 client, $PGB_REPS rounds"
cpu_per_xact() {  # file -> microseconds of backend CPU per transaction
  local f=$1 pid c0 c1 x0 x1
  pgbench -n -c 1 -T $((PGB_SECONDS + 2)) -f "$f" "$DB" >/dev/null 2>&1 &
  sleep 1
  pid=$(psql -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench' AND datname = current_database() LIMIT 1")
  c0=$(awk '{print $14 + $15}' /proc/$pid/stat); x0=$(psql -At -c "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
  sleep "$PGB_SECONDS"
  c1=$(awk '{print $14 + $15}' /proc/$pid/stat); x1=$(psql -At -c "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
  wait
  # the two psql calls commit a transaction each
  awk -v c=$((c1 - c0)) -v x=$((x1 - x0 - 1)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", c * 1e6 / hz / x}'
}
for rep in $(seq 1 "$PGB_REPS"); do
  for kind in insert insert_own update; do
    for t in pgb_none pgb_hist; do
      us=$(cpu_per_xact "$TMP/${kind}_$t.sql")
      psql -c "INSERT INTO timing VALUES ('cpu_$kind', '$t', $rep, ${us:-0})" >/dev/null
    done
  done
done

# The report.
psql -At -v rows="$ROWS" -v row_rows="$ROW_ROWS" -v loop_n="$LOOP_N" > "$TMP/report" <<'SQL'
CREATE TEMP VIEW med AS
  SELECT part, variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med, count(*) AS n
    FROM timing GROUP BY part, variant;
SELECT '| variant | rows | median ms | rounds | rows/s | throughput vs no history |';
SELECT '|---|---:|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s | %s | %s |',
              CASE variant WHEN 'none' THEN 'no history'
                           WHEN 'statement' THEN '**statement-level history (kept)**'
                           WHEN 'capture' THEN 'transition table only (no-op trigger)'
                           ELSE 'row-level history (same recorder FOR EACH ROW)' END,
              rows, round(med::numeric, 1), n, round(rows / (med::numeric / 1000)),
              round((rows / med::numeric) / (:rows / (SELECT med FROM med b WHERE b.part = 'bulk' AND b.variant = 'none')::numeric), 2) || '×')
  FROM (SELECT *, CASE variant WHEN 'row' THEN :row_rows ELSE :rows END AS rows FROM med) m WHERE part = 'bulk'
 ORDER BY array_position(ARRAY['none', 'capture', 'statement', 'row'], variant);
SELECT '';
SELECT '| single-row statements in one transaction | median ms | statements/s | vs no history |';
SELECT '|---|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s× |', CASE variant WHEN 'none' THEN 'no history' ELSE 'statement-level history' END,
              round(med::numeric, 1), round(:loop_n / (med::numeric / 1000)),
              round(((SELECT med FROM med b WHERE b.part = 'loop' AND b.variant = 'none') / med)::numeric, 2))
  FROM med WHERE part = 'loop' ORDER BY variant;
SELECT '';
SELECT '|step (alone, over the same rows) | median ms |';
SELECT '|---|---:|';
SELECT format('| %s | %s |', variant, round(med::numeric, 1)) FROM med WHERE part = 'steps' ORDER BY med;
SELECT '';
SELECT '| pgbench (2 clients) | no history tps | history tps | ratio |';
SELECT '|---|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s× |',
              CASE a.part WHEN 'pgbench_insert' THEN 'single-row INSERT, one organisation'
                          WHEN 'pgbench_insert_own' THEN 'single-row INSERT, each client its organisation'
                          ELSE 'single-row UPDATE, four organisations' END,
              round(a.med::numeric), round(b.med::numeric), round((b.med / nullif(a.med, 0))::numeric, 2))
  FROM med a JOIN med b ON b.part = a.part AND b.variant = 'pgb_hist'
 WHERE a.variant = 'pgb_none' AND a.part LIKE 'pgbench%' ORDER BY a.part;
SELECT '';
SELECT '| single-row UPDATE (pgbench) | clients | no history tps | head at the statement tps | head at commit tps | statement ÷ no history | commit ÷ no history | commit ÷ statement | % of samples waiting on a lock (statement / commit) |';
SELECT '|---|---:|---:|---:|---:|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s× | %s / %s |',
              CASE p WHEN 'head_update4' THEN 'four organisations' WHEN 'head_update1' THEN 'one organisation'
                     WHEN 'head_two1' THEN 'one organisation, two UPDATEs in one transaction (BEGIN, UPDATE, UPDATE, END: four round trips)'
                     ELSE 'one organisation, register with one more AFTER trigger (a row written)' END,
              CASE p WHEN 'head_update4' THEN 2 ELSE 8 END,
              coalesce(round(n.med::numeric)::text, '–'), round(st.med::numeric), round(co.med::numeric),
              coalesce(round((st.med / nullif(n.med, 0))::numeric, 2) || '×', '–'),
              coalesce(round((co.med / nullif(n.med, 0))::numeric, 2) || '×', '–'),
              round((co.med / nullif(st.med, 0))::numeric, 2),
              coalesce((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY waiting) FROM waits WHERE variant = p || ' statement')::text, '–'),
              coalesce((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY waiting) FROM waits WHERE variant = p || ' commit')::text, '–'))
  FROM unnest(ARRAY['head_update4', 'head_update1', 'head_layer1', 'head_two1']) WITH ORDINALITY AS x(p, o)
  LEFT JOIN med n ON n.part = p AND n.variant = 'none'
  JOIN med st ON st.part = p AND st.variant = 'statement'
  JOIN med co ON co.part = p AND co.variant = 'commit'
 ORDER BY o;
SELECT '';
SELECT '| backend CPU per transaction (1 client) | no history µs | history µs | history adds µs | ratio (no history ÷ history) |';
SELECT '|---|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s | %s× |',
              CASE a.part WHEN 'cpu_insert' THEN 'single-row INSERT, one organisation'
                          WHEN 'cpu_insert_own' THEN 'single-row INSERT, the client''s organisation'
                          ELSE 'single-row UPDATE, four organisations' END,
              round(a.med::numeric, 1), round(b.med::numeric, 1), round((b.med - a.med)::numeric, 1),
              round((a.med / nullif(b.med, 0))::numeric, 2))
  FROM med a JOIN med b ON b.part = a.part AND b.variant = 'pgb_hist'
 WHERE a.variant = 'pgb_none' AND a.part LIKE 'cpu%' ORDER BY a.part;
SQL

{
  echo "# History chain benchmark"
  echo
  echo "Run by \`make bench BENCH=history\` (bench/history.sh) on $(nproc) cores, $(date -u +%Y-%m-%d),"
  echo "PostgreSQL $(psql -At -c 'SHOW server_version'), settings of bench/run (synchronous_commit off,"
  echo "shared_buffers 1GB). Every number below is a median of rounds measured side by side in"
  echo "this one run. The machine is shared: load average at the end of the run"
  echo "$(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores, so absolute times are inflated and"
  echo "the ratios (measured side by side, interleaved) are what to read."
  echo
  echo "## $ROWS seven-column rows inserted in one statement"
  echo
  echo "Each round inserts into a fresh register; the history rows go to the one"
  echo "\`iso28000.history\` table, which grows as the rounds go. The row-level variant"
  echo "is the same C recorder fired FOR EACH ROW, over $ROW_ROWS rows ($ROW_REPS rounds); compare rows/s."
  echo
  sed -n '1,/^$/p' "$TMP/report" | sed '/^$/d'
  echo
  echo "## $LOOP_N single-row INSERT statements in one transaction"
  echo
  echo "A batch job that loops over rows: every statement moves the head that the"
  echo "transaction already holds, in place by its ctid (before that, each lookup"
  echo "walked the head's versions made by the transaction: 13.8 s for this test)."
  echo
  sed -n '/^| single-row statements/,/^$/p' "$TMP/report" | sed '/^$/d'
  echo
  echo "## Where the time goes"
  echo
  echo "The recorder's steps, each measured alone over the same $ROWS rows. The"
  echo "three image rows are cumulative (the image; the image and its text; those and"
  echo "SHA-256 of the text); history_hash() recomputes a stored record's hash from"
  echo "its stored jsonb (what verify_history does); the insert writes already-built"
  echo "history rows into a copy of the table with its primary key. The image, its"
  echo "text, the hash and the insert add up to about the whole cost of the history."
  echo
  sed -n '/^|step/,/^$/p' "$TMP/report" | sed '/^$/d'
  echo
  echo "verify_history over a chain of $VERIFY_N records: $(cut -d'|' -f2 "$TMP/verify") ms."
  echo
  echo "## pgbench on loopback, single-row transactions"
  echo
  echo "Two clients, ${PGB_SECONDS} s per run, $PGB_REPS rounds, tables seeded with 40,000 rows."
  echo
  sed -n '/^| pgbench/,/^$/p' "$TMP/report" | sed '/^$/d'
  echo
  echo "## When the chain head is taken"
  echo
  echo "Single-row UPDATE transactions (pgbench, ${PGB_SECONDS} s per run, medians of $PGB_REPS rounds, interleaved)"
  echo "with the records linked at commit (the default, doc/history.md \"When the chain head is taken\")"
  echo "and at the statement (\`iso28000.history_link = statement\`, what the recorder did before),"
  echo "and the share of the clients' backends found waiting on a lock (pg_stat_activity sampled"
  echo "every 20 ms, medians): the organisation's head in the history rows. The third row's register"
  echo "has one more AFTER UPDATE statement trigger writing a row (PL/pgSQL), which fires after the"
  echo "history's, as the real register's notification and event-log layers do. The fourth row's"
  echo "transactions make two single-row UPDATEs of the organisation, each its own round trip."
  echo "(–: no sample caught a client's backend.) The pgbench section above ran with the default,"
  echo "the head taken at commit."
  echo
  sed -n '/^| single-row UPDATE (pgbench)/,/^$/p' "$TMP/report" | sed '/^$/d'
  echo
  echo "The same statements from one client, measured as the backend's CPU time per"
  echo "transaction (its /proc ticks over ${PGB_SECONDS} s of the run, divided by the transactions"
  echo "committed meanwhile; medians of $PGB_REPS rounds): on this shared machine the"
  echo "throughput of two clients moves by tens of percent between runs with the load, the"
  echo "CPU time a transaction costs much less. The ratio is the throughput ratio a backend"
  echo "bound by its own CPU would see."
  echo
  sed -n '/^| backend CPU/,$p' "$TMP/report"
} > "$OUT"
cat "$OUT"
