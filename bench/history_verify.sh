#!/usr/bin/env bash
# Benchmark of history verification (make bench BENCH=history_verify).
#
# One organisation's chain of BENCH_HV_RECORDS (default 1,000,000) records,
# written by the real recorder: a seven-column register filled by INSERT
# statements of 100,000 rows, then one UPDATE of every tenth row.  Side by side
# in one run:
#   verify (C)      iso28000.verify_history(org): the records walked in C
#                   (src/history_verify.c), median of BENCH_REPS runs;
#   verify (0.1.0)  the PL/pgSQL verify_history of release 0.1.0, taken at run
#                   time from the frozen sql/upgrades/iso28000--0.1.0.sql (kept
#                   in this benchmark only), one run;
#   scan            the floor of any verifier in the database: reading the
#                   chain in seq order (count(*) over the ordered rows, OFFSET 0
#                   so that they are produced);
#   text_sha        every record's jsonb written as text and hashed in SQL
#                   (no chaining, no checks): what the jsonb text costs.
# Writes bench/results/history_verify.md.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_HV_RECORDS:-1000000}
REPS=${BENCH_REPS:-3}
DB=iso28000_bench_hv
OUT=bench/results/history_verify.md

psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "DROP ROLE IF EXISTS bench_hv_auditor" -c "CREATE DATABASE $DB"
export PGDATABASE=$DB
psql -qX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION iso28000"

# the 0.1.0 verifier, renamed, from the frozen install script
awk '/^CREATE FUNCTION iso28000.verify_history\(/ { on = 1 } on { print } on && /^\$\$;/ { exit }' \
    sql/upgrades/iso28000--0.1.0.sql | sed 's/^CREATE FUNCTION iso28000.verify_history(/CREATE FUNCTION public.verify_history_0_1_0(/' \
  | psql -qX -v ON_ERROR_STOP=1

echo "writing a chain of $N records..."
t0=$(date +%s)
ORG=$(psql -qXAt -v ON_ERROR_STOP=1 <<SQL | tail -1
SELECT iso28000.create_organization('HV', 'Verify Ltd') AS org \gset
CREATE TABLE iso28000.bench_item (
    org_id  bigint NOT NULL REFERENCES iso28000.organization,
    item_id bigint GENERATED ALWAYS AS IDENTITY,
    label   text NOT NULL,
    qty     integer NOT NULL,
    price   numeric(12,2),
    due_on  date,
    note    text,
    PRIMARY KEY (org_id, item_id));
SELECT iso28000.register_table('iso28000.bench_item');
SELECT :org;
SQL
)
inserts=$(( N * 10 / 11 / 100000 ))
[ "$inserts" -ge 1 ] || inserts=1
per=$(( N * 10 / 11 / inserts ))
for ((k = 0; k < inserts; k++)); do
  psql -qX -v ON_ERROR_STOP=1 -c "INSERT INTO iso28000.bench_item (org_id, label, qty, price, due_on, note)
    SELECT $ORG, 'item ' || i, i, i / 3.0, date '2026-01-01' + i % 365, 'note ' || md5(i::text)
      FROM generate_series($((k * per + 1)), $(((k + 1) * per))) i"
done
psql -qX -v ON_ERROR_STOP=1 -c "UPDATE iso28000.bench_item SET qty = qty + 1, note = 'checked' WHERE item_id % 10 = 0"
# a member at level audit, for verify_member (its membership is a record of the chain too)
psql -qX -v ON_ERROR_STOP=1 -c "CREATE ROLE bench_hv_auditor" -c "SELECT iso28000.grant_access($ORG, 'bench_hv_auditor', 'audit')" >/dev/null
psql -qX -c "VACUUM ANALYZE iso28000.history"
gen_s=$(( $(date +%s) - t0 ))
records=$(psql -qXAt -c "SELECT count(*) FROM iso28000.history WHERE org_id = $ORG")
avg_bytes=$(psql -qXAt -c "SELECT round(avg(coalesce(length(before_image::text), 0) + coalesce(length(after_image::text), 0) + length(row_key::text))) FROM iso28000.history WHERE org_id = $ORG")
echo "written in ${gen_s}s: $records records (jsonb text ${avg_bytes} bytes per record on average)"

psql -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE FUNCTION public.bench_cpu_ms() RETURNS numeric LANGUAGE sql SECURITY DEFINER AS $f$
  -- this backend's CPU time (user + system, clock ticks of 10 ms) from /proc
  SELECT (split_part(s, ' ', 14)::numeric + split_part(s, ' ', 15)::numeric) * 10
    FROM pg_read_file('/proc/self/stat') s
$f$;
CREATE FUNCTION public.bench_median(q text, reps integer, OUT median_ms numeric, OUT cpu_ms numeric, OUT result text)
LANGUAGE plpgsql AS $f$
DECLARE t timestamptz; c numeric; ms numeric[] := '{}'; cpu numeric[] := '{}';
BEGIN
  FOR i IN 1 .. reps LOOP
    c := public.bench_cpu_ms();
    t := clock_timestamp();
    EXECUTE q INTO result;
    ms := ms || round(extract(epoch FROM clock_timestamp() - t) * 1000, 1);
    cpu := cpu || (public.bench_cpu_ms() - c);
  END LOOP;
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) INTO median_ms FROM unnest(ms) x;
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) INTO cpu_ms FROM unnest(cpu) x;
END $f$;
SQL

declare -A MS CPU RES
run() {  # run(name, query, reps)
  local line rest
  line=$(psql -qXAt -F '|' -c "${AS_ROLE:-}SELECT median_ms, cpu_ms, result FROM public.bench_median(\$q\$$2\$q\$, $3)" | tail -1)
  MS[$1]=${line%%|*}; rest=${line#*|}; CPU[$1]=${rest%%|*}; RES[$1]=${rest#*|}
  printf '  %-16s %10s ms  (CPU %s ms)  %s\n' "$1" "${MS[$1]}" "${CPU[$1]}" "${RES[$1]}"
}
echo "medians:"
run verify_c "SELECT row(v.*)::text FROM iso28000.verify_history($ORG) v" "$REPS"
# the same as a member at level audit: the records read through row-level security
AS_ROLE="SET ROLE bench_hv_auditor;"
run verify_member "SELECT row(v.*)::text FROM iso28000.verify_history($ORG) v" "$REPS"
AS_ROLE=""
run scan "SELECT count(*)::text FROM (SELECT * FROM iso28000.history h WHERE h.org_id = $ORG ORDER BY h.seq OFFSET 0) s" "$REPS"
run text_sha "SELECT sum(get_byte(sha256(convert_to(concat(h.row_key::text, h.before_image::text, h.after_image::text), 'UTF8')), 0))::text FROM iso28000.history h WHERE h.org_id = $ORG" "$REPS"
variants="verify_c verify_member verify_0_1_0 scan text_sha"
if [ -n "$(psql -qXAt -c "SELECT to_regprocedure('iso28000.history_jsonb_text(jsonb,boolean)')")" ]; then
  run writer_sha "SELECT sum(get_byte(sha256(convert_to(concat(iso28000.history_jsonb_text(h.row_key), iso28000.history_jsonb_text(h.before_image), iso28000.history_jsonb_text(h.after_image)), 'UTF8')), 0))::text FROM iso28000.history h WHERE h.org_id = $ORG" "$REPS"
  variants="$variants writer_sha"
fi
run verify_0_1_0 "SELECT row(v.*)::text FROM public.verify_history_0_1_0($ORG) v" 1

rate() { awk -v n="$records" -v ms="$1" 'BEGIN { if (ms > 0) printf "%.0f", n / (ms / 1000); else print "n/a" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
met=$(awk -v r="$(rate "${MS[verify_c]}")" 'BEGIN { print (r >= 1000000) ? "met" : "not met" }')
met_cpu=$(awk -v r="$(rate "${CPU[verify_c]}")" 'BEGIN { print (r >= 1000000) ? "met" : "not met" }')

{
  echo "# History verification benchmark"
  echo
  echo "Generated by \`bench/history_verify.sh\` (\`make bench BENCH=history_verify\`) on $(date -u +%Y-%m-%d),"
  echo "PostgreSQL $(psql -qXAt -c 'SHOW server_version'), $(nproc) cores shared with other work"
  echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)). Medians of $REPS runs in one session;"
  echo "the 0.1.0 verifier one run."
  echo
  echo "One chain of $records records written by the recorder (a seven-column register:"
  echo "$(( inserts * per )) inserted by $inserts statements, every tenth row updated once; written in ${gen_s} s;"
  echo "row key and images ${avg_bytes} bytes of jsonb text per record on average)."
  echo
  echo "| variant | median ms | records/s | time / verify (C) | CPU ms | records per CPU second | result |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for v in $variants; do
    echo "| $v | ${MS[$v]} | $(rate "${MS[$v]}") | $(ratio "${MS[$v]}" "${MS[verify_c]}") | ${CPU[$v]} | $(rate "${CPU[$v]}") | \`${RES[$v]}\` |"
  done
  echo
  echo "Target ≥ 1,000,000 records/s: $met in elapsed time ($(rate "${MS[verify_c]}") records/s),"
  echo "$met_cpu in the backend's CPU time ($(rate "${CPU[verify_c]}") records per CPU second; CPU time is"
  echo "user + system of the backend from /proc, in clock ticks of 10 ms: on a machine shared with other"
  echo "work the elapsed time also counts the time the backend waited for a core)."
  echo "verify (C) is $(ratio "${MS[verify_0_1_0]}" "${MS[verify_c]}")× faster than the 0.1.0 verifier."
  echo
  echo "- **verify_c**: \`iso28000.verify_history(org)\` as a superuser, the walk in C"
  echo "  (\`src/history_verify.c\`): one query in seq order whose rows it receives as the"
  echo "  executor produces them; each record's jsonb columns written from their stored binary"
  echo "  form by \`src/history_jsonb_text.c\` (the bytes \`JsonbToCString\` writes) straight into"
  echo "  the canonical serialisation, one reused buffer, SHA-256 (OpenSSL), the checks of 0.1.0."
  echo "- **verify_member**: the same as a member at level audit (row-level security on the records)."
  echo "- **verify_0_1_0**: the PL/pgSQL loop of 0.1.0 (a window function for the next"
  echo "  link, one \`history_hash()\` call per record with its arguments built as text)."
  echo "- **scan**: reading the records in seq order, nothing else: the floor."
  echo "- **text_sha**: jsonb to text (\`JsonbToCString\`) and SHA-256 in SQL over the same rows."
  echo "- **writer_sha**: the same with the jsonb written by \`history_jsonb_text()\` (the verifier's writer)."
  echo
  echo "Where the time of verify_c goes (measured 2026-11-30 on this machine, backend CPU time over this"
  echo "chain with parts of the walk left out of a build, medians of 4; \`perf record\` agrees): SHA-256 over"
  echo "the canonical serialisation (about 400 bytes a record) about 0.32 s, writing the jsonb text about"
  echo "0.25 s, reading the records in seq order (index scan, heap fetch, deforming 13 columns) and the other"
  echo "fields about 0.32 s. A million records a second in elapsed time needs an idle core; beyond that,"
  echo "only spreading the hashing over parallel workers (each record's hash needs only its own fields) or"
  echo "a multi-buffer SHA-256 would go faster: the serialisation is fixed by the hashes already stored."
} > "$OUT"
echo "wrote $OUT"
psql -qX -d postgres -c "DROP DATABASE $DB" -c "DROP ROLE bench_hv_auditor"
