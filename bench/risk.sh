#!/usr/bin/env bash
# Benchmark of the risk heat map (make bench BENCH=risk).
#
# BENCH_RISK_ROWS (default 1 million) open risks over 10 organisations, rated
# with a realistic skew (most risks low or medium), 70% with a residual rating.
# Side by side in this one run, read as a non-superuser member of every
# organisation (so row-level security is in every plan):
#   VIEW     SELECT * FROM risk_heat_map: all 2 x 100 cells of every
#            organisation; counts grouped by the risk_rating value itself
#            (one hash aggregate on a 2-byte by-value key), then joined to the
#            generated grid and the organisation's matrix
#   AXES     the same counts grouped by likelihood(r), consequence(r): what a
#            BI tool generates from the two axis columns
#   CELL     the naive grid: for every organisation, kind and cell, a
#            correlated count(*) of the matching risks (200 subqueries per
#            organisation); timed for ONE organisation only, next to VIEW for
#            that organisation (VIEW1), since over all ten it takes minutes
# Each timing is the median of BENCH_REPS (default 5) runs, variants
# round-robin inside each repetition.  The plans (EXPLAIN ANALYZE) are printed
# and kept in the report.  Writes bench/results/risk.md.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${BENCH_RISK_ROWS:-1000000}
REPS=${BENCH_REPS:-5}
DB=iso28000_bench_risk
OUT=bench/results/risk.md

psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export PGDATABASE=$DB
psql -qX -c "CREATE EXTENSION iso28000"

echo "generating $ROWS risks..."
t0=$(date +%s)
psql -qX -v ON_ERROR_STOP=1 -o /dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_risk_reader') THEN
    CREATE ROLE bench_risk_reader NOLOGIN;
  END IF;
END \$\$;
SELECT iso28000.create_organization('BENCH-' || i, 'Bench organisation ' || i) FROM generate_series(1, 10) i;
SELECT iso28000.grant_access(org_id, 'bench_risk_reader', 'read') FROM iso28000.organization;
INSERT INTO iso28000.person (org_id, full_name) SELECT org_id, 'Owner' FROM iso28000.organization;
-- an organisation with its own matrix: the rare catastrophic column is high
INSERT INTO iso28000.risk_band_cell (org_id, rating, band)
SELECT min(org_id), iso28000.risk_rating(l, 10), 'high' FROM iso28000.organization, generate_series(1, 3) l GROUP BY l;
-- bulk load: the workflow and history triggers are for people, not for a generator
ALTER TABLE iso28000.risk DISABLE TRIGGER USER;
INSERT INTO iso28000.risk (org_id, title, threat, inherent_rating, residual_rating, status, owner_id)
SELECT o.org_id, 'risk ' || i, 'threat',
       iso28000.risk_rating(l, c),
       CASE WHEN i % 10 < 7 THEN iso28000.risk_rating(greatest(1, l - 1 - (i % 3)), greatest(1, c - (i % 2))) END,
       CASE WHEN i % 20 = 0 THEN 'closed' ELSE 'assessed' END,
       p.person_id
  FROM generate_series(1, $ROWS) i
  CROSS JOIN LATERAL (SELECT 1 + (hashint4(i) & 2147483647) % 10 AS k) kk
  JOIN (SELECT org_id, row_number() OVER (ORDER BY org_id) AS k FROM iso28000.organization) o ON o.k = kk.k
  JOIN iso28000.person p ON p.org_id = o.org_id
  CROSS JOIN LATERAL (SELECT least(10, 1 + ((hashint4(i + 7) & 2147483647) % 100) / 12) AS l,
                             least(10, 1 + ((hashint4(i + 13) & 2147483647) % 100) / 11) AS c) lc;
ALTER TABLE iso28000.risk ENABLE TRIGGER USER;
VACUUM (FREEZE, ANALYZE) iso28000.risk;
SQL
gen_s=$(( $(date +%s) - t0 ))
size=$(psql -qXAt -c "SELECT pg_size_pretty(pg_table_size('iso28000.risk'))")
ORG1=$(psql -qXAt -c "SELECT min(org_id) FROM iso28000.organization")
echo "generated in ${gen_s}s, table $size"

VIEW_Q="SELECT * FROM iso28000.risk_heat_map"
AXES_Q="SELECT o.org_id, k.rating_kind, g.l AS likelihood, c.c AS consequence, coalesce(n.risk_count, 0) AS risk_count
  FROM iso28000.organization o
 CROSS JOIN (VALUES ('inherent'), ('residual')) k (rating_kind)
 CROSS JOIN generate_series(1, 10) g (l) CROSS JOIN LATERAL generate_series(1, 10) c (c)
  LEFT JOIN (SELECT org_id, 'inherent' AS rating_kind, iso28000.likelihood(inherent_rating) AS l, iso28000.consequence(inherent_rating) AS c, count(*) AS risk_count
               FROM iso28000.risk WHERE status <> 'closed' AND inherent_rating IS NOT NULL GROUP BY 1, 2, 3, 4
             UNION ALL
             SELECT org_id, 'residual', iso28000.likelihood(residual_rating), iso28000.consequence(residual_rating), count(*)
               FROM iso28000.risk WHERE status <> 'closed' AND residual_rating IS NOT NULL GROUP BY 1, 2, 3, 4) n
         ON n.org_id = o.org_id AND n.rating_kind = k.rating_kind AND n.l = g.l AND n.c = c.c"
VIEW1_Q="SELECT * FROM iso28000.risk_heat_map WHERE org_id = $ORG1"
CELL_Q="SELECT o.org_id, k.rating_kind, g.l, c.c,
       (SELECT count(*) FROM iso28000.risk r
         WHERE r.org_id = o.org_id AND r.status <> 'closed'
           AND CASE k.rating_kind WHEN 'inherent' THEN r.inherent_rating ELSE r.residual_rating END
               OPERATOR(iso28000.=) iso28000.risk_rating(g.l, c.c)) AS risk_count
  FROM iso28000.organization o
 CROSS JOIN (VALUES ('inherent'), ('residual')) k (rating_kind)
 CROSS JOIN generate_series(1, 10) g (l) CROSS JOIN generate_series(1, 10) c (c)
 WHERE o.org_id = $ORG1"

# Results agree: the same 2000 (resp. 200) counts.
agree_axes=$(psql -qXAt -c "SET ROLE bench_risk_reader" -c "SELECT count(*) = 0 FROM (($VIEW_Q) v FULL JOIN ($AXES_Q) a
   ON a.org_id = v.org_id AND a.rating_kind = v.rating_kind AND a.likelihood = v.likelihood AND a.consequence = v.consequence)
   WHERE v.risk_count IS DISTINCT FROM a.risk_count")
agree_cell=$(psql -qXAt -c "SET ROLE bench_risk_reader" -c "SELECT count(*) = 0 FROM (($VIEW1_Q) v FULL JOIN ($CELL_Q) a
   ON a.org_id = v.org_id AND a.rating_kind = v.rating_kind AND a.l = v.likelihood AND a.c = v.consequence)
   WHERE v.risk_count IS DISTINCT FROM a.risk_count")
total=$(psql -qXAt -c "SET ROLE bench_risk_reader" -c "SELECT sum(risk_count) FROM iso28000.risk_heat_map")
echo "VIEW and AXES agree: $agree_axes; VIEW and CELL agree for one organisation: $agree_cell; cells sum to $total ratings"

time_once() {
  psql -qX -o /dev/null -c "SET ROLE bench_risk_reader" -c '\timing on' -c "$1" 2>&1 \
    | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

psql -qX -o /dev/null -c "SELECT count(*) FROM iso28000.risk"
declare -A T
for v in VIEW AXES VIEW1 CELL; do T[$v]=""; done
for rep in $(seq 1 "$REPS"); do
  for v in VIEW AXES VIEW1 CELL; do
    q_var="${v}_Q"
    T[$v]+="$(time_once "${!q_var}") "
  done
  echo "rep $rep done"
done
declare -A M
for v in VIEW AXES VIEW1 CELL; do
  M[$v]=$(echo "${T[$v]}" | tr ' ' '\n' | grep . | median)
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
R_AXES=$(ratio "${M[AXES]}" "${M[VIEW]}")
R_CELL=$(ratio "${M[CELL]}" "${M[VIEW1]}")

plan() {
  psql -qX -c "SET ROLE bench_risk_reader" -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) $1" | sed 's/^/    /'
}
P_VIEW=$(plan "$VIEW_Q"); P_AXES=$(plan "$AXES_Q"); P_VIEW1=$(plan "$VIEW1_Q"); P_CELL=$(plan "$CELL_Q")

summary="| query | scope | median (ms) | ratio |
|---|---|---:|---:|
| VIEW: \`risk_heat_map\` (group by the \`risk_rating\`) | 10 organisations, $ROWS risks | ${M[VIEW]} | 1.00 |
| AXES: group by \`likelihood()\`, \`consequence()\` | 10 organisations, $ROWS risks | ${M[AXES]} | $R_AXES |
| VIEW1: \`risk_heat_map WHERE org_id = …\` | 1 organisation (~$((ROWS / 10)) risks) | ${M[VIEW1]} | 1.00 |
| CELL: correlated \`count(*)\` per cell | 1 organisation (~$((ROWS / 10)) risks) | ${M[CELL]} | $R_CELL |"
echo "$summary"

cat > "$OUT" <<MD
# Benchmark: risk heat map

\`bench/risk.sh\` (\`make bench BENCH=risk\`), run on $(date -u +%Y-%m-%d) on $(nproc) cores shared with
other work; PostgreSQL $(psql -qXAt -c "SHOW server_version"), shared_buffers=1GB, work_mem=64MB,
max_parallel_workers_per_gather=2. Medians of $REPS runs, variants round-robin.

Data: $ROWS risks over 10 organisations (table $size, generated in ${gen_s}s), 5% closed,
70% with a residual rating; read as a non-superuser member of every organisation,
so row-level security is in every plan. Results checked equal before timing:
VIEW = AXES: $agree_axes; VIEW1 = CELL: $agree_cell; $total ratings counted.

$summary

- **VIEW** is the shipped view \`iso28000.risk_heat_map\`: per kind, one scan that
  groups by \`(org_id, rating)\` (the 2-byte by-value \`risk_rating\` hashes through
  its hash operator class), then joins the at most 100 groups per organisation to
  the generated 10 x 10 grid and the organisation's own band matrix.
- **AXES** groups by \`likelihood(r), consequence(r)\` instead: two function calls
  and a wider key per row; ratio AXES / VIEW = **$R_AXES**.
- **CELL** is the naive grid: one correlated \`count(*)\` per cell, 200 index scans
  of the organisation's risks; ratio CELL / VIEW1 = **$R_CELL** for one
  organisation (over all ten it grows tenfold).

## Plans

VIEW:

$P_VIEW

AXES:

$P_AXES

VIEW1 (one organisation):

$P_VIEW1

CELL (one organisation):

$P_CELL
MD
echo "wrote $OUT"
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB"
