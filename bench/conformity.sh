#!/usr/bin/env bash
# Benchmark of the conformity scoring aggregates (make bench BENCH=conformity).
#
# One table of BENCH_CONFORMITY_ROWS (default 10 million) graded rows is made
# once and reused by every variant, side by side in this one run:
#   C      conformity_score(grade, weight)          (the C aggregate)
#   avg    avg(weight)                              (avg(integer), the yardstick)
#   SQL    the same score in plain SQL: sum() with FILTER and CASE, credits
#          as written in the model (1, 0.5, 0), so numeric arithmetic
#   SQLint the same in plain SQL with exact integer half-units (a faster,
#          less obvious formulation)
# each serial and with two parallel workers, over the whole table and grouped
# by organisation.  Each timing is the median of BENCH_REPS (default 5) runs,
# measured by psql's \timing around a query that returns only the aggregates.
# Memory: peak memory of the grouped HashAggregate at 1/10, 1/2 and all rows.
# Prints the medians and ratios and writes bench/results/conformity.md.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${BENCH_CONFORMITY_ROWS:-10000000}
REPS=${BENCH_REPS:-5}
DB=iso28000_bench_conformity
OUT=bench/results/conformity.md

psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export PGDATABASE=$DB
psql -qX -c "CREATE EXTENSION iso28000"

echo "generating $ROWS rows..."
t0=$(date +%s)
psql -qX <<SQL
SET max_parallel_workers_per_gather = 0;
CREATE UNLOGGED TABLE graded (
  org    integer NOT NULL,
  grade  iso28000.conformity_grade,
  weight integer NOT NULL);
-- 100 organisations; grades skewed like a real SMS (mostly conforming), 1% NULL.
INSERT INTO graded
SELECT 1 + (i % 100),
       CASE WHEN i % 100 = 7 THEN NULL
            ELSE (ARRAY['conforming','conforming','conforming','conforming','observation',
                        'opportunity','minor_nc','major_nc','not_applicable','not_assessed']
                  )[1 + (hashint4(i) & 2147483647) % 10]::iso28000.conformity_grade END,
       1 + (hashint4(i + 1) & 2147483647) % 5
  FROM generate_series(1, $ROWS) i;
VACUUM (FREEZE, ANALYZE) graded;
SQL
gen_s=$(( $(date +%s) - t0 ))
size=$(psql -qXAt -c "SELECT pg_size_pretty(pg_table_size('graded'))")
echo "generated in ${gen_s}s, table $size"

C_EXPR="iso28000.conformity_score(grade, weight)"
AVG_EXPR="avg(weight)"
SQL_EXPR="100 * sum(weight * CASE WHEN grade IN ('conforming', 'observation', 'opportunity') THEN 1
                                      WHEN grade = 'minor_nc' THEN 0.5 ELSE 0 END)
                FILTER (WHERE grade IN ('conforming', 'observation', 'opportunity', 'minor_nc', 'major_nc'))
              / nullif(sum(weight) FILTER (WHERE grade IN ('conforming', 'observation', 'opportunity', 'minor_nc', 'major_nc')), 0)"
SQLINT_EXPR="100.0 * sum(CASE WHEN grade IN ('conforming', 'observation', 'opportunity') THEN 2 * weight
                           WHEN grade = 'minor_nc' THEN weight ELSE 0 END)
                / nullif(2 * sum(weight) FILTER (WHERE grade IN ('conforming', 'observation', 'opportunity', 'minor_nc', 'major_nc')), 0)"

# One timing (ms) of one query under one parallel setting.
time_once() {
  psql -qX -o /dev/null -c "SET max_parallel_workers_per_gather = $1" -c '\timing on' -c "$2" 2>&1 \
    | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Checks that the three formulations agree (the SQL one computes the same score).
agree=$(psql -qXAt -c "SELECT round(($C_EXPR)::numeric, 9) = round(($SQL_EXPR)::numeric, 9) AND round(($C_EXPR)::numeric, 9) = round(($SQLINT_EXPR)::numeric, 9) FROM graded")
agree_grouped=$(psql -qXAt -c "SELECT bool_and(c = s) FROM (SELECT round(($C_EXPR)::numeric, 9) c, round(($SQL_EXPR)::numeric, 9) s FROM graded GROUP BY org) x")
echo "C and plain SQL agree: whole table $agree, per organisation $agree_grouped"

# Warm the cache once.
psql -qX -o /dev/null -c "SELECT count(*) FROM graded"

# Variants run round-robin inside each repetition, so a change in the load of
# this shared machine falls on every variant alike.
VARIANTS="C C1 AVG SQL SQLINT"
C1_EXPR="iso28000.conformity_score(grade)"
declare -A T
tmp=$(mktemp -d)
for shape in whole grouped; do
  for workers in 0 2; do
    for _ in $(seq "$REPS"); do
      for v in $VARIANTS; do
        expr_var="${v}_EXPR"
        if [ "$shape" = whole ]; then q="SELECT ${!expr_var} FROM graded"
        else q="SELECT org, ${!expr_var} FROM graded GROUP BY org"; fi
        time_once "$workers" "$q" >> "$tmp/$shape.$workers.$v"
      done
    done
    for v in $VARIANTS; do
      T[$shape,$workers,$v]=$(median < "$tmp/$shape.$workers.$v")
      printf '%-8s workers=%s %-6s %10s ms\n' "$shape" "$workers" "$v" "${T[$shape,$workers,$v]}"
    done
  done
done
rm -rf "$tmp"

# Peak memory of the grouped aggregation as rows grow (kB), and plan check.
mem_at() {
  psql -qXAt -c "SET max_parallel_workers_per_gather = 0" -c "SET enable_sort = off" \
    -c "EXPLAIN (ANALYZE, FORMAT JSON) SELECT org, $C_EXPR FROM (SELECT * FROM graded LIMIT $1) g GROUP BY org" \
    | python3 -c 'import json,sys; p=json.load(sys.stdin)[0]["Plan"]; print(p.get("Peak Memory Usage", "?"))'
}
m1=$(mem_at $((ROWS / 10))); m2=$(mem_at $((ROWS / 2))); m3=$(mem_at "$ROWS")
echo "grouped HashAggregate peak memory: $((ROWS / 10)) rows ${m1} kB, $((ROWS / 2)) rows ${m2} kB, $ROWS rows ${m3} kB"
plan=$(psql -qXAt -c "SET max_parallel_workers_per_gather = 2" -c "EXPLAIN (COSTS OFF) SELECT $C_EXPR FROM graded")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

{
  echo "# Conformity scoring benchmark"
  echo
  echo "Generated by \`bench/conformity.sh\` (\`make bench BENCH=conformity\`) on $(date -u '+%Y-%m-%d %H:%M UTC'),"
  echo "PostgreSQL $(psql -qXAt -c 'SHOW server_version'), $(nproc) cores (shared with other work)."
  echo "One table of $ROWS graded rows ($size, 100 organisations, 1% NULL grades), generated once in ${gen_s} s"
  echo "and reused by every variant. Each figure is the median of $REPS runs, in milliseconds, timed by psql;"
  echo "the variants run round-robin inside each repetition, so load from other work on the machine falls on all alike."
  echo
  echo "- **C**: \`conformity_score(grade, weight)\`"
  echo "- **C1**: \`conformity_score(grade)\` (unweighted: one input column, like avg)"
  echo "- **avg**: \`avg(weight)\` (\`avg(integer)\` over a column of the same table)"
  echo "- **SQL**: the same score in plain SQL, \`sum\` with \`FILTER\` and \`CASE\`, credits as the model writes them (1, 0.5, 0)"
  echo "- **SQLint**: plain SQL again, in exact integer half-units (a faster, less obvious formulation)"
  echo
  echo "The C and plain-SQL scores were checked equal (to 9 decimals): whole table $agree, per organisation (SQL) $agree_grouped."
  echo
  echo "| query | workers | C (ms) | C1 (ms) | avg (ms) | SQL (ms) | SQLint (ms) | C / avg | C1 / avg | SQL / C | SQLint / C |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for shape in whole grouped; do
    for workers in 0 2; do
      c=${T[$shape,$workers,C]}; a=${T[$shape,$workers,AVG]}; s=${T[$shape,$workers,SQL]}; si=${T[$shape,$workers,SQLINT]}; c1=${T[$shape,$workers,C1]}
      label=$([ "$shape" = whole ] && echo "whole table" || echo "GROUP BY org (100 groups)")
      echo "| $label | $workers | $c | $c1 | $a | $s | $si | $(ratio "$c" "$a") | $(ratio "$c1" "$a") | $(ratio "$s" "$c") | $(ratio "$si" "$c") |"
    done
  done
  echo
  echo "Parallel speed-up of C (serial / two workers): whole table $(ratio "${T[whole,0,C]}" "${T[whole,2,C]}"),"
  echo "grouped $(ratio "${T[grouped,0,C]}" "${T[grouped,2,C]}")."
  echo
  echo "Targets (issue 4): C within 1.1x of avg(integer); plain SQL at least 2.5x slower than C; a parallel speed-up."
  echo
  echo "## Memory"
  echo
  echo "The state is a fixed 112-byte \`conformity_tally\`, updated in place: no allocation per row."
  echo "Peak memory of the grouped HashAggregate (\`EXPLAIN (ANALYZE)\`, serial) as rows grow:"
  echo
  echo "| rows | peak memory (kB) |"
  echo "|---|---|"
  echo "| $((ROWS / 10)) | $m1 |"
  echo "| $((ROWS / 2)) | $m2 |"
  echo "| $ROWS | $m3 |"
  echo
  echo "## Parallel plan"
  echo
  echo '```'
  echo "$plan"
  echo '```'
} > "$OUT"
cat "$OUT"
psql -qX -d postgres -c "DROP DATABASE $DB"
