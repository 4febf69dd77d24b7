#!/usr/bin/env bash
# Where the rest of the real register's single-row transition goes (issue 13,
# "path"): everything but the three AFTER STATEMENT writers (history, event
# log, outbox; bench/writers.sh counts those), counted in instructions, which
# the load of a shared machine does not move.  The rest is the BEFORE ROW
# triggers (actor_stamp, workflow_guard, the state gate of
# nonconformity_audit_independent), the AFTER ROW and constraint triggers and
# foreign keys of the register, row-level security (rewrite, planning,
# executor) and the trigger machinery PostgreSQL runs per statement.
#
# A private cluster of the installed extension is loaded like
# bench/register.sh (a LOGIN member at `write` of 10 organisations with a
# person in each, N_ROWS nonconformities in organisation 1 and N_ROWS spread
# over 2 to 9, their plain copy public.nc_plain: same columns, indexes and
# CHECK constraints, no trigger, no row-level security), stopped, and then a
# single-user backend runs, under valgrind's callgrind, 20 transitions to warm
# its caches and N1, then N2 single-row transitions of organisation 1
# (reported -> contained, one transaction each, as the member).  Per
# transition = (instructions of the N2 run - those of the N1 run) / (N2 -
# N1): start-up, the caches' first loads and shutdown cancel out.  No client
# protocol (single-user mode).
#
# Variants, side by side in one run (switched as the superuser in the same
# backend before it takes the member's role): everything on; the writers
# off (history's and outbox's triggers disabled, the event log by its
# workflow's log_events); the writers and row-level security off; the writers
# and the three BEFORE ROW triggers off; the writers and every user trigger
# off; the plain copy.  And, from the everything-on and plain runs, the
# inclusive instructions per transition of the parts of a transition (parse,
# rewrite with the policies, plan, executor start with the trigger
# descriptors, BEFORE ROW triggers, AFTER ROW queueing, commit).
#
# Needs valgrind (tools/setup installs it); without it the report says so.
# Runs inside the cluster that bench/run starts (not used: the private
# cluster is its own); alone: make bench BENCH=path.
set -euo pipefail
cd "$(dirname "$0")/.."
N_ROWS=${N_ROWS:-3000}
N1=${N1:-100}
N2=${N2:-400}
OUT=bench/results/path.md
mkdir -p bench/results
# require_callgrind, private_cluster*, callgrind_run, per_transition, functions_of: bench/lib.sh
. bench/lib.sh
require_callgrind "$OUT"
# The private cluster is reached by its own socket, not bench/run's (whose settings are in the environment).
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE
TMP=$(mktemp -d)
chmod 755 "$TMP"
private_cluster
cleanup() {
  private_cluster_cleanup
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "private cluster in $TMP: $N_ROWS rows"
private_cluster_load path "$N_ROWS" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION iso28000;
CREATE ROLE path_member LOGIN;
SELECT iso28000.create_organization('PATH' || n, 'Path bench ' || n) FROM generate_series(1, 10) n;
SELECT iso28000.grant_access(o, 'path_member', 'write') FROM generate_series(1, 10) o;
INSERT INTO iso28000.person (org_id, full_name, db_role) SELECT o, 'Bench member', 'path_member' FROM generate_series(1, 10) o;
INSERT INTO iso28000.nonconformity (org_id, title, severity) SELECT 1, 'nc ' || g, 'minor' FROM generate_series(1, :rows) g;
INSERT INTO iso28000.nonconformity (org_id, title, severity) SELECT 2 + g % 8, 'nc ' || g, 'minor' FROM generate_series(1, :rows) g;
CREATE TABLE public.nc_plain (LIKE iso28000.nonconformity INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
INSERT INTO public.nc_plain SELECT * FROM iso28000.nonconformity;
GRANT SELECT, UPDATE ON public.nc_plain TO path_member;
GRANT USAGE ON SCHEMA public TO path_member;
CREATE FUNCTION public.bench_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL session_replication_role = replica;
  UPDATE iso28000.nonconformity SET status = 'reported', correction = NULL WHERE status <> 'reported';
  UPDATE public.nc_plain SET status = 'reported', correction = NULL WHERE status <> 'reported';
END $$;
VACUUM ANALYZE;
SQL

# The statements that switch a layer off ($2 = off) or on again: the history's
# and the outbox's triggers on the register; the event log by its workflow's
# log_events (its statement triggers alone are not the log: the row trigger
# collects the events and what no statement trigger wrote is written at commit);
# row-level security of the register; the BEFORE ROW triggers; every user
# trigger (ALTER TABLE ... DISABLE TRIGGER USER: the foreign keys stay).
layer_sql() {
  local dis=DISABLE log=false t
  [ "$2" = on ] && dis=ENABLE log=true
  case $1 in
    history) for t in iso28000_history_insert iso28000_history_update iso28000_history_delete; do
               echo "ALTER TABLE iso28000.nonconformity $dis TRIGGER $t;"; done ;;
    event_log) echo "UPDATE iso28000.workflow SET log_events = $log WHERE workflow = 'nonconformity';" ;;
    outbox) for t in notify_insert notify_update; do echo "ALTER TABLE iso28000.nonconformity $dis TRIGGER $t;"; done ;;
    writers) layer_sql history "$2"; layer_sql event_log "$2"; layer_sql outbox "$2" ;;
    rls) [ "$2" = on ] && echo "ALTER TABLE iso28000.nonconformity ENABLE ROW LEVEL SECURITY;" || echo "ALTER TABLE iso28000.nonconformity DISABLE ROW LEVEL SECURITY;" ;;
    br) for t in actor_stamp workflow_guard nonconformity_audit_independent; do echo "ALTER TABLE iso28000.nonconformity $dis TRIGGER $t;"; done ;;
    wr_rls) layer_sql writers "$2"; layer_sql rls "$2" ;;
    wr_br) layer_sql writers "$2"; layer_sql br "$2" ;;
    wr_rls_br) layer_sql writers "$2"; layer_sql rls "$2"; layer_sql br "$2" ;;
    wr_user) echo "ALTER TABLE iso28000.nonconformity $dis TRIGGER USER;"; layer_sql event_log "$2" ;;
    wr_user_rls) layer_sql wr_user "$2"; layer_sql rls "$2" ;;
  esac
}
# Runs N transitions of variant $1 under callgrind (callgrind_run); prints the total instructions.
run() {
  local variant=$1 n=$2 tbl=iso28000.nonconformity
  [ "$variant" = plain ] && tbl=public.nc_plain
  {
    layer_sql "$variant" off
    echo "SET ROLE path_member;"
    transitions_sql "$tbl" "$n"
    echo "RESET ROLE;"
    layer_sql "$variant" on
  } | callgrind_run path "$variant.$n" || { echo "variant $variant failed" >&2; exit 1; }
}

VARIANTS=${VARIANTS:-"all writers wr_rls wr_br wr_user plain"}
echo "callgrind: $N1 and $N2 transitions per variant ($VARIANTS)"
: > "$TMP/totals"
for v in $VARIANTS; do
  per_transition run "$v"
  echo "  $v: $PER instructions per transition"
  echo "$v $PER" >> "$TMP/totals"
done
for v in all plain; do
  functions_of "$TMP/cg.$v.$N1" > "$TMP/f1.$v"
  functions_of "$TMP/cg.$v.$N2" > "$TMP/f2.$v"
done

per() { awk -v v="$1" '$1 == v {print $2}' "$TMP/totals"; }
minus() { if [ -n "$1" ] && [ -n "$2" ]; then echo $(($1 - $2)); else echo "(a variant not run)"; fi; }  # $1 - $2, when both variants ran (VARIANTS=)
fn() { function_per_transition "$TMP/f1.$1" "$TMP/f2.$1" "$2"; }  # instructions per transition of function $2 in variant $1
ALL=$(per all)
PLAIN=$(per plain)
{
  echo "# The rest of the path, counted in instructions"
  echo
  echo "Run by \`make bench BENCH=path\` (bench/path.sh), $(date -u +%Y-%m-%d), $("$BIN/postgres" --version | sed 's/postgres (PostgreSQL) /PostgreSQL /')."
  echo "A single-user backend of a private cluster under valgrind's callgrind, as a \`write\` member of 10"
  echo "organisations with a person in each, runs single-row transitions of \`iso28000.nonconformity\` in"
  echo "organisation 1 (reported -> contained, one transaction each): instructions per transition = (those"
  echo "of $N2 transitions - those of $N1) / $((N2 - N1)), after 20 to warm the caches. The load of the machine"
  echo "does not move these counts; the client protocol is not in them (single-user mode)."
  echo
  echo "| variant | instructions per transition | × everything on | plain ÷ variant |"
  echo "|---|---:|---:|---:|"
  for v in $VARIANTS; do
    case $v in
      all) label="everything on" ;;
      writers) label="the three writers off (history, event log, outbox)" ;;
      wr_rls) label="the writers and row-level security off" ;;
      wr_br) label="the writers and the three BEFORE ROW triggers off" ;;
      wr_user) label="the writers and every user trigger off" ;;
      plain) label="the plain copy" ;;
    esac
    p=$(per "$v")
    echo "| $label | $p | $(awk -v a="$p" -v b="$ALL" 'BEGIN {printf "%.2f×", a / b}') | $(awk -v a="$PLAIN" -v b="$p" 'BEGIN {printf "%.2f×", a / b}') |"
  done
  echo
  W=$(per writers)
  echo "Besides the writers, the register costs $(minus "$W" "$PLAIN") instructions per transition more than the plain copy."
  echo "Switched off with the writers: row-level security $(minus "$W" "$(per wr_rls)"), the calls of the three BEFORE ROW"
  echo "triggers $(minus "$W" "$(per wr_br)"), the calls of every user trigger $(minus "$W" "$(per wr_user)"). With every user trigger"
  echo "and the writers off the register still costs $(minus "$(per wr_user)" "$PLAIN") more than the plain copy: row-level"
  echo "security and what the triggers cost by being there (their descriptors copied per statement, the old row"
  echo "locked before a BEFORE ROW UPDATE trigger, each foreign key asked whether it must fire)."
  echo
  echo "The parts of a transition, inclusive (what they call included), everything on and the plain copy:"
  echo
  echo "| part | function | everything on | plain copy |"
  echo "|---|---|---:|---:|"
  while IFS='|' read -r part f; do
    echo "| $part | \`$f\` | $(fn all "$f") | $(fn plain "$f") |"
  done <<'PARTS'
parse|pg_parse_query
analyse and rewrite (the policies added)|pg_analyze_and_rewrite_fixedparams
of it: the policies|get_row_security_policies
plan|pg_plan_queries
of it: the policies' planner support|iso28000_policy_support
executor start|standard_ExecutorStart
of it: the trigger descriptors copied|CopyTriggerDesc
executor run (scan, update, BEFORE ROW triggers, AFTER ROW queueing)|standard_ExecutorRun
of it: the BEFORE ROW triggers|ExecBRUpdateTriggersNew
of them: workflow_guard|iso28000_workflow_guard
of them: actor_stamp|iso28000_stamp_acting_person
of them: the state gate|iso28000_fire_on_entering
of it: the row-level security checks of the new row|ExecWithCheckOptions
of it: the AFTER ROW events (foreign keys, statement triggers' rows)|ExecARUpdateTriggers
the AFTER triggers at the end of the statement|AfterTriggerEndQuery
commit|CommitTransactionCommand
PARTS
  if [ -f bench/path_notes.md ]; then echo; cat bench/path_notes.md; fi
} > "$OUT"
cat "$OUT"
