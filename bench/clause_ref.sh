#!/usr/bin/env bash
# Benchmark of clause_ref: sort, btree index build and subtree counts (<@ by
# index range) over one million clause references, against the same values as
# text (C, the database's default and ICU collations; LIKE prefix with a
# text_pattern_ops index) and as int[].  Every variant is measured REPS times,
# interleaved round-robin in one session, and the medians and their ratios to
# clause_ref are printed and written to bench/results/clause_ref.md.
#
# Runs inside the cluster that bench/run starts (PGHOST etc. set); run alone
# with `make bench BENCH=clause_ref`.  Takes 1.5 to 4 minutes on 2 shared cores.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
REPS=${REPS:-5}
DB=iso28000_bench_clause_ref
OUT=bench/results/clause_ref.md
mkdir -p bench/results

dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB"
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1' EXIT
psql() { command psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

psql <<SQL
CREATE EXTENSION iso28000;
SET search_path = iso28000, public;
-- Clause numbers shaped like a real register: top level 4..10, then up to
-- three more levels, deeper levels rarer.  Only the numbered body (int[]
-- cannot hold an annex letter).  Deterministic (setseed).
SELECT setseed(0.2814) \g /dev/null
CREATE UNLOGGED TABLE bench_src AS
  SELECT l1, l2, CASE WHEN l2 IS NOT NULL THEN l3 END AS l3,
         CASE WHEN l2 IS NOT NULL AND l3 IS NOT NULL THEN l4 END AS l4
    FROM (SELECT 4 + floor(random() * 7)::int AS l1,
                 CASE WHEN random() < 0.9 THEN 1 + floor(random() * 15)::int END AS l2,
                 CASE WHEN random() < 0.6 THEN 1 + floor(random() * 12)::int END AS l3,
                 CASE WHEN random() < 0.3 THEN 1 + floor(random() * 9)::int END AS l4
            FROM generate_series(1, $ROWS)) g;
CREATE UNLOGGED TABLE bench AS
  SELECT concat_ws('.', l1, l2, l3, l4)::clause_ref AS c,
         concat_ws('.', l1, l2, l3, l4) AS t,
         array_remove(ARRAY[l1, l2, l3, l4], NULL) AS a
    FROM bench_src;
DROP TABLE bench_src;
VACUUM ANALYZE bench;
SQL

# The variants: clause_ref, text in the C collation, text in the database's
# default collation, text in ICU English when the server has ICU, int[].
VARIANTS="('clause_ref', 'c'), ('text COLLATE \"C\"', 't COLLATE \"C\"'), ('text (default collation)', 't')"
if [ "$(psql -At -c "SELECT count(*) FROM pg_collation WHERE collname = 'en-x-icu'")" = 1 ]; then
  VARIANTS="$VARIANTS, ('text COLLATE \"en-x-icu\"', 't COLLATE \"en-x-icu\"')"
fi
VARIANTS="$VARIANTS, ('int[]', 'a')"

psql -At <<SQL > /tmp/iso28000_bench_clause_ref.$$
SET search_path = iso28000, public;
SET work_mem = '1GB';
SET maintenance_work_mem = '1GB';
SET max_parallel_workers_per_gather = 0;
SET max_parallel_maintenance_workers = 0;
SET jit = off;
CREATE TEMP TABLE timing (variant text, op text, rep int, ms float8);
CREATE FUNCTION pg_temp.ms(sql text) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz;
BEGIN
  t0 := clock_timestamp();
  EXECUTE sql;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END \$\$;
CREATE FUNCTION pg_temp.plan_of(sql text) RETURNS SETOF text LANGUAGE plpgsql AS \$\$
BEGIN
  RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || sql;
END \$\$;
-- Warm the cache once.
SELECT count(*) FROM bench \g /dev/null
DO \$\$
DECLARE
  v record;
  r int;
BEGIN
  FOR r IN 1..$REPS LOOP
    FOR v IN SELECT * FROM (VALUES $VARIANTS) x(variant, expr)
    LOOP
      -- OFFSET past the end: the whole input is sorted, nothing is returned.
      INSERT INTO timing VALUES (v.variant, 'sort', r,
        pg_temp.ms(format('SELECT %s FROM bench ORDER BY 1 OFFSET %s', v.expr, $ROWS + 1)));
      INSERT INTO timing VALUES (v.variant, 'btree build', r,
        pg_temp.ms(format('CREATE INDEX bench_idx ON bench ((%s))', v.expr)));
      DROP INDEX bench_idx;
    END LOOP;
  END LOOP;
END \$\$;
-- Subtree queries: count the rows under 8.6, under 5 and under 10.2.3.
-- clause_ref uses <@ with its btree index (a range scan through the planner
-- support function), then the same without indexes; text uses = OR LIKE
-- prefix with a text_pattern_ops index; int[] compares a leading slice.
CREATE INDEX bench_c ON bench (c);
CREATE INDEX bench_t ON bench (t text_pattern_ops);
CREATE TEMP TABLE subtree (variant text, q text);
INSERT INTO subtree VALUES
  ('clause_ref', \$q\$SELECT (SELECT count(*) FROM bench WHERE c <@ '8.6'), (SELECT count(*) FROM bench WHERE c <@ '5'), (SELECT count(*) FROM bench WHERE c <@ '10.2.3')\$q\$),
  ('clause_ref, no index', \$q\$SELECT (SELECT count(*) FROM bench WHERE c <@ '8.6'), (SELECT count(*) FROM bench WHERE c <@ '5'), (SELECT count(*) FROM bench WHERE c <@ '10.2.3')\$q\$),
  ('text = OR LIKE prefix, text_pattern_ops index', \$q\$SELECT (SELECT count(*) FROM bench WHERE t = '8.6' OR t LIKE '8.6.%'), (SELECT count(*) FROM bench WHERE t = '5' OR t LIKE '5.%'), (SELECT count(*) FROM bench WHERE t = '10.2.3' OR t LIKE '10.2.3.%')\$q\$),
  ('int[] leading slice, no index', \$q\$SELECT (SELECT count(*) FROM bench WHERE a[1:2] = '{8,6}'), (SELECT count(*) FROM bench WHERE a[1:1] = '{5}'), (SELECT count(*) FROM bench WHERE a[1:3] = '{10,2,3}')\$q\$);
DO \$\$
DECLARE
  v record;
  r int;
  noindex boolean;
BEGIN
  FOR r IN 1..$REPS LOOP
    FOR v IN SELECT * FROM subtree LOOP
      noindex := v.variant LIKE '%no index%';
      PERFORM set_config('enable_indexscan', CASE WHEN noindex THEN 'off' ELSE 'on' END, false);
      PERFORM set_config('enable_indexonlyscan', CASE WHEN noindex THEN 'off' ELSE 'on' END, false);
      PERFORM set_config('enable_bitmapscan', CASE WHEN noindex THEN 'off' ELSE 'on' END, false);
      INSERT INTO timing VALUES (v.variant, 'subtree count', r, pg_temp.ms(v.q));
    END LOOP;
  END LOOP;
  RESET enable_indexscan; RESET enable_indexonlyscan; RESET enable_bitmapscan;
END \$\$;
-- Every formulation counts the same rows.
CREATE TEMP TABLE subtree_counts (variant text, counts text);
DO \$\$
DECLARE v record; got text;
BEGIN
  FOR v IN SELECT * FROM subtree LOOP
    EXECUTE 'SELECT row(x.*)::text FROM (' || v.q || ') x' INTO got;
    INSERT INTO subtree_counts VALUES (v.variant, got);
  END LOOP;
END \$\$;
SELECT '%', count(DISTINCT counts) = 1, min(counts) FROM subtree_counts;
SELECT '!', string_agg(p, ' / ') FROM pg_temp.plan_of(\$q\$SELECT count(*) FROM bench WHERE c <@ '8.6'\$q\$) p;
DROP INDEX bench_c, bench_t;
-- Index sizes (one more build each).
CREATE TEMP TABLE sizes (variant text, index_bytes bigint, avg_value_bytes numeric);
DO \$\$
DECLARE v record;
BEGIN
  FOR v IN SELECT * FROM (VALUES $VARIANTS) x(variant, expr)
  LOOP
    EXECUTE format('CREATE INDEX bench_idx ON bench ((%s))', v.expr);
    EXECUTE format('INSERT INTO sizes SELECT %L, pg_relation_size(''bench_idx''), '
                   '(SELECT round(avg(pg_column_size(%s)), 1) FROM bench)', v.variant, v.expr);
    DROP INDEX bench_idx;
  END LOOP;
END \$\$;
-- Report rows: variant | op | median | ratio to clause_ref | min | max
WITH m AS (
  SELECT variant, op, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
         min(ms) AS lo, max(ms) AS hi
    FROM timing GROUP BY variant, op)
SELECT m.op, m.variant, round(m.median::numeric, 1), round((m.median / b.median)::numeric, 2),
       round(m.lo::numeric, 1), round(m.hi::numeric, 1)
  FROM m JOIN m b ON b.op = m.op AND b.variant = 'clause_ref'
 ORDER BY m.op DESC, m.median;
SELECT '#', variant, pg_size_pretty(index_bytes), avg_value_bytes FROM sizes ORDER BY index_bytes;
SELECT '@', current_setting('server_version'), datcollate FROM pg_database WHERE datname = current_database();
SQL

res=/tmp/iso28000_bench_clause_ref.$$
version=$(awk -F'|' '$1=="@" {print $2}' "$res")
collation=$(awk -F'|' '$1=="@" {print $3}' "$res")
{
  echo "# clause_ref benchmark"
  echo
  echo "Sort, btree index build and subtree counts over $ROWS clause references (1 to 4"
  echo "levels, top level 4 to 10), the same values stored as \`clause_ref\`, as \`text\` and"
  echo "as \`int[]\`. Medians of $REPS"
  echo "repetitions, interleaved round-robin in one session (work_mem and"
  echo "maintenance_work_mem 1GB, no parallel workers, no JIT); the ratio is the median"
  echo "divided by clause_ref's median for the same operation (higher = slower than"
  echo "clause_ref). Measured by \`bench/clause_ref.sh\` (\`make bench BENCH=clause_ref\`)"
  echo "on $(date -u +%Y-%m-%d), PostgreSQL $version, $(nproc) CPUs shared with other work,"
  echo "database collation $collation."
  echo
  echo "| operation | stored as | median ms | ratio to clause_ref | min ms | max ms |"
  echo "|---|---|---:|---:|---:|---:|"
  awk -F'|' '$1!="#" && $1!="@" && $1!="%" && $1!="!" {printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}' "$res"
  echo
  echo "Subtree count: the rows under 8.6, under 5 and under 10.2.3, three queries per"
  echo "run; every formulation counts the same rows ($(awk -F'|' '$1=="%" {print ($2=="t" ? "checked: " $3 : "MISMATCH")}' "$res")). The plan of"
  echo "\`c <@ '8.6'\`: $(awk -F'|' '$1=="!" {print $2}' "$res")."
  echo
  echo "| stored as | index size | average value size (bytes) |"
  echo "|---|---:|---:|"
  awk -F'|' '$1=="#" {printf "| %s | %s | %s |\n", $2, $3, $4}' "$res"
  echo
  echo "Only clause_ref sorts in clause order: \`text\` puts 10 before 4 and 8.10"
  echo "before 8.2, so the text rows measure a cost, not an alternative. clause_ref"
  echo "compares one 8-byte integer passed by value (PostgreSQL's own int64 sort"
  echo "comparator); \`int[]\` compares element by element through the array code and"
  echo "its values are four times larger; \`text\` compares bytes (C) or goes through the"
  echo "collation library (ICU, libc)."
} > "$OUT"
rm -f "$res"
cat "$OUT"
