#!/usr/bin/env bash
# The BEFORE ROW path of the real register (issue 13): what a single-row
# transition of iso28000.nonconformity pays for its BEFORE ROW triggers, side
# by side in one run.
#
# Single-row transitions (reported -> contained, the correction filled,
# simple protocol, one statement per transaction, autocommit), STMTS per run,
# as a LOGIN role that is a `write` member and a person of the organisation;
# backend CPU time per transition from /proc/PID/schedstat of the member's
# backend (nanoseconds on the CPU, not the 10 ms ticks of /proc/PID/stat).
# Variants, switched between runs as the superuser (ALTER TABLE ... DISABLE /
# ENABLE TRIGGER), interleaved, the order reversed every other round,
# medians of ROUNDS:
#   plain          a plain copy of the register (same columns, rows, indexes
#                  and CHECK constraints), no trigger, no row-level security;
#   trig_off       a second copy carrying the triggers below, all disabled: a
#                  BEFORE ROW UPDATE trigger that merely exists makes
#                  PostgreSQL lock the old row first (GetTupleForTrigger);
#   trig_noop      one C BEFORE UPDATE row trigger on that does nothing
#                  (suppress_redundant_updates_trigger: the rows differ);
#   trig_noop2     two such triggers: the cost of each further trigger;
#   trig_when      trig_noop and a trigger with the WHEN clause of 0.2.0's
#                  nonconformity_audit_independent (false for this move);
#   real           the register as installed (everything on);
#   real_when_clause  the register with 0.2.0's WHEN-clause trigger switched
#                  on in place of the state gate (before / after, side by side);
#   real_no_*      the register with one BEFORE ROW trigger switched off
#                  (the name says which), to price each (NO_SPLIT=1: not run).
# Writes bench/results/before_row.md.
#
# Runs inside the cluster that bench/run starts; alone: make bench BENCH=before_row.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
STMTS=${STMTS:-3000}
DB=iso28000_bench_before_row
MEMBER=iso28000_bench_before_row_member
OUT=bench/results/before_row.md
TMP=$(mktemp -d)
mkdir -p bench/results

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# the database, the member, its organisation and person: bench/lib.sh
. bench/lib.sh
bench_setup 1 BR "Before-row bench"

psql -v member="$MEMBER" -v rows="$STMTS" >/dev/null <<'SQL'
SET client_min_messages = warning;
INSERT INTO iso28000.nonconformity (org_id, title, severity)
  SELECT 1, 'nc ' || g, 'minor' FROM generate_series(1, :rows) g ORDER BY g;
CREATE TABLE public.nc_plain (LIKE iso28000.nonconformity INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
INSERT INTO public.nc_plain SELECT * FROM iso28000.nonconformity;
GRANT SELECT, UPDATE ON public.nc_plain TO :"member";
GRANT USAGE ON SCHEMA public TO :"member";
-- A second copy for the triggers: a BEFORE ROW UPDATE trigger that exists, even
-- disabled, makes PostgreSQL lock the old row before the update.
CREATE TABLE public.nc_trig (LIKE iso28000.nonconformity INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
INSERT INTO public.nc_trig SELECT * FROM iso28000.nonconformity;
GRANT SELECT, UPDATE ON public.nc_trig TO :"member";
CREATE FUNCTION public.bench_never() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER noop1 BEFORE UPDATE ON public.nc_trig FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE TRIGGER noop2 BEFORE UPDATE ON public.nc_trig FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE TRIGGER when1 BEFORE UPDATE OF status, verified_by ON public.nc_trig
    FOR EACH ROW WHEN ((NEW.status = 'rejected' AND OLD.status IS DISTINCT FROM 'rejected')
                       OR (NEW.status = 'verified' AND (OLD.status IS DISTINCT FROM 'verified' OR NEW.verified_by IS DISTINCT FROM OLD.verified_by))
                       OR (NEW.status = 'closed' AND OLD.status IS DISTINCT FROM 'closed'))
    EXECUTE FUNCTION public.bench_never();
ALTER TABLE public.nc_trig DISABLE TRIGGER USER;
-- The register's audit trigger as 0.2.0 declared it (a WHEN clause), switched on
-- in place of the state gate in the variant real_when_clause.
CREATE TRIGGER nonconformity_audit_independent_when
    BEFORE UPDATE OF status, verified_by ON iso28000.nonconformity
    FOR EACH ROW WHEN ((NEW.status = 'rejected' AND OLD.status IS DISTINCT FROM 'rejected')
                       OR (NEW.status = 'verified' AND (OLD.status IS DISTINCT FROM 'verified' OR NEW.verified_by IS DISTINCT FROM OLD.verified_by))
                       OR (NEW.status = 'closed' AND OLD.status IS DISTINCT FROM 'closed'))
    EXECUTE FUNCTION iso28000.nonconformity_audit_independent();
ALTER TABLE iso28000.nonconformity DISABLE TRIGGER nonconformity_audit_independent_when;
CREATE TABLE timing (variant text, round int, cpu_us numeric, wall_us numeric);
CREATE FUNCTION bench_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL session_replication_role = replica;
  UPDATE iso28000.nonconformity SET status = 'reported', correction = NULL WHERE status <> 'reported';
  UPDATE public.nc_plain SET status = 'reported', correction = NULL WHERE status <> 'reported';
  UPDATE public.nc_trig SET status = 'reported', correction = NULL WHERE status <> 'reported';
END $$;
SQL
psql -c "VACUUM ANALYZE" >/dev/null
BEFORE_ROW=$(psql -At -c "SELECT string_agg(tgname, ' ' ORDER BY tgname) FROM pg_trigger
                           WHERE tgrelid = 'iso28000.nonconformity'::regclass AND NOT tgisinternal
                             AND (tgtype & 2) <> 0 AND (tgtype & 1) <> 0 AND tgenabled <> 'D'")   # BEFORE, ROW
echo "  the register's BEFORE ROW triggers: $BEFORE_ROW"

# The variants: the table and the ALTER TABLE clauses that set it up (undone after).
VARIANTS=${VARIANTS:-"plain trig_off trig_noop trig_noop2 trig_when real real_when_clause"}
if [ -z "${NO_SPLIT:-}" ]; then
  for t in $BEFORE_ROW; do
    case $t in workflow_guard*) ;; *) VARIANTS="$VARIANTS real_no_$t" ;; esac
  done
fi
variant_table() {
  case $1 in plain) echo public.nc_plain ;; trig*) echo public.nc_trig ;; *) echo iso28000.nonconformity ;; esac
}
variant_on() {
  case $1 in
    plain|trig_off|real) ;;
    trig_noop)  psql -c "ALTER TABLE public.nc_trig ENABLE TRIGGER noop1" ;;
    trig_noop2) psql -c "ALTER TABLE public.nc_trig ENABLE TRIGGER noop1, ENABLE TRIGGER noop2" ;;
    trig_when)  psql -c "ALTER TABLE public.nc_trig ENABLE TRIGGER noop1, ENABLE TRIGGER when1" ;;
    real_when_clause) psql -c "ALTER TABLE iso28000.nonconformity DISABLE TRIGGER nonconformity_audit_independent,
                                                                  ENABLE TRIGGER nonconformity_audit_independent_when" ;;
    real_no_*)  psql -c "ALTER TABLE iso28000.nonconformity DISABLE TRIGGER ${1#real_no_}" ;;
  esac >/dev/null
}
variant_off() {
  case $1 in
    trig*)      psql -c "ALTER TABLE public.nc_trig DISABLE TRIGGER USER" ;;
    real_when_clause) psql -c "ALTER TABLE iso28000.nonconformity ENABLE TRIGGER nonconformity_audit_independent,
                                                                   DISABLE TRIGGER nonconformity_audit_independent_when" ;;
    real_no_*)  psql -c "ALTER TABLE iso28000.nonconformity ENABLE TRIGGER ${1#real_no_}" ;;
  esac >/dev/null
}

# One run: STMTS single-row transitions through one psql session of the member.
run() {
  local tbl out c0 c1 t0 t1
  tbl=$(variant_table "$1")
  {
    echo "SELECT pg_backend_pid() AS pid \\gset"
    echo "\\setenv BPID :pid"
    echo "\\! awk '{print \$1}' /proc/\$BPID/schedstat > $TMP/cpu0"
    echo "SELECT extract(epoch FROM clock_timestamp());"
    for ((i = 1; i <= STMTS; i++)); do
      echo "UPDATE $tbl SET status = 'contained', correction = 'fixed' WHERE org_id = 1 AND nonconformity_id = $i;"
    done
    echo "SELECT extract(epoch FROM clock_timestamp());"
    echo "\\! awk '{print \$1}' /proc/\$BPID/schedstat > $TMP/cpu1"
  } > "$TMP/run.sql"
  out=$(PGUSER=$MEMBER PGPASSWORD=$MEMBER_PW command psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -At -f "$TMP/run.sql")
  read -r t0 t1 <<< "$(echo $out)"
  c0=$(cat "$TMP/cpu0"); c1=$(cat "$TMP/cpu1")
  awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v n="$STMTS" \
    'BEGIN {printf "%.1f %.1f", (b - a) / 1e3 / n, (e - s) * 1e6 / n}'
}

echo "before_row: $ROUNDS rounds of $STMTS single-row transitions per variant ($VARIANTS)"
for ((r = 1; r <= ROUNDS; r++)); do
  order=$VARIANTS
  ((r % 2)) || order=$(echo $VARIANTS | tr ' ' '\n' | tac | tr '\n' ' ')
  for v in $order; do
    psql -c "SELECT bench_reset()" >/dev/null
    psql -c "VACUUM iso28000.nonconformity, public.nc_plain, public.nc_trig" >/dev/null
    variant_on "$v"
    read -r cpu wall <<< "$(run "$v")"
    variant_off "$v"
    echo "  round $r $v: $cpu us CPU, $wall us wall per transition"
    psql -c "INSERT INTO timing VALUES ('$v', $r, $cpu, $wall)"
  done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

{
  cat <<EOF
# The BEFORE ROW path of the real register

Run by \`make bench BENCH=before_row\` (bench/before_row.sh), $(date -u +%Y-%m-%d), $(psql -At -c "SELECT split_part(version(), ' on ', 1)");
$ROUNDS rounds of $STMTS single-row transitions (\`UPDATE ... SET status = 'contained',
correction = 'fixed' WHERE org_id = 1 AND nonconformity_id = k\`, simple protocol, autocommit)
per variant, as a \`write\` member acting as its own person; variants interleaved, the order
reversed every other round; backend CPU time per transition from \`/proc/PID/schedstat\` (ns),
wall time per transition as the client sees it. Medians.

The register's BEFORE ROW triggers: $BEFORE_ROW.

Load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $LOAD_END.

| variant | CPU µs per transition | × plain | − plain, µs (paired) | − real, µs (paired) | wall µs | CPU µs of each round |
|---|---:|---:|---:|---:|---:|---|
EOF
  # "paired": the median over rounds of the difference with plain (or real) in the same round,
  # steadier on a shared machine than the difference of the medians.
  psql -At -F ' ' <<'SQL'
WITH m AS (
  SELECT variant, percentile_disc(0.5) WITHIN GROUP (ORDER BY cpu_us) AS cpu,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY wall_us) AS wall,
         string_agg(cpu_us::text, ', ' ORDER BY round) AS rounds, min(ctid::text) AS first
    FROM timing GROUP BY variant),
d AS (
  SELECT t.variant,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY t.cpu_us - p.cpu_us) AS dp,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY t.cpu_us - r.cpu_us) AS dr
    FROM timing t
    JOIN timing p ON p.round = t.round AND p.variant = 'plain'
    LEFT JOIN timing r ON r.round = t.round AND r.variant = 'real'
   GROUP BY t.variant)
SELECT format('| %s | %s | %s× | %s | %s | %s | %s |', m.variant, m.cpu,
              round(m.cpu / p.cpu, 2), d.dp, coalesce(d.dr::text, ''), m.wall, m.rounds)
  FROM m JOIN d USING (variant), (SELECT cpu FROM m WHERE variant = 'plain') p
 ORDER BY m.first;
SQL
  cat <<'EOF'

Reading: `trig_off − plain` is what a BEFORE ROW UPDATE trigger costs by existing, even
disabled: PostgreSQL locks the old row before the update (GetTupleForTrigger: heap_lock_tuple
and its own WAL record, Heap LOCK, 54 bytes); `trig_noop − trig_off` the call of one C trigger
that does nothing (the slots, fmgr); `trig_noop2 − trig_noop` each further one; `trig_when −
trig_noop` a trigger whose WHEN clause is false for the move (the clause read back and
prepared per statement); `real_when_clause − real` what the register paid for
nonconformity_audit_independent's WHEN clause before the state gate (0.2.0's trigger, switched
on in place of the gate); `real − real_no_X` what trigger X costs on the register.
EOF
} > "$OUT"
cat "$OUT"
