#!/usr/bin/env bash
# What the AFTER STATEMENT writers cost on the real register's single-row
# transition (issue 13), counted in instructions, which the load of a shared
# machine does not move: the history (its statement trigger and the link of
# its records at commit), the workflow event log and the notification outbox.
#
# A private cluster of the installed extension is loaded like
# bench/register.sh (a LOGIN member of organisation 1 at `write` with a person
# of its own, N_ROWS nonconformities and their plain copy, public.nc_plain:
# same columns, indexes and CHECK constraints, no trigger, no row-level
# security), stopped, and then a single-user backend runs, under valgrind's
# callgrind, 20 transitions to warm its caches and N1, then N2 single-row
# transitions (reported -> contained, one transaction each, as the member).
# Per transition = (instructions of the N2 run - those of the N1 run) / (N2 -
# N1): the start-up, the caches' first loads and the shutdown cancel out.
# Single-user mode has no client: the protocol's cost is not counted.
#
# Variants, side by side in one run: everything on; each writer switched off
# in turn (as the superuser, in the same backend before it takes the member's
# role: the history's and the outbox's triggers disabled, the event log by
# its workflow's log_events); the three off together; the plain copy.  And,
# from the everything-on runs, the instructions per transition of the
# writers' own functions (inclusive, the same N2 - N1 difference).
#
# Needs valgrind (tools/setup installs it); without it the report says so.
# Runs inside the cluster that bench/run starts (not used: the private
# cluster is its own); alone: make bench BENCH=writers.
set -euo pipefail
cd "$(dirname "$0")/.."
N_ROWS=${N_ROWS:-3000}
N1=${N1:-100}
N2=${N2:-400}
OUT=bench/results/writers.md
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
private_cluster_load wr "$N_ROWS" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION iso28000;
CREATE ROLE wr_member LOGIN;
SELECT iso28000.create_organization('WR1', 'Writers bench');
SELECT iso28000.grant_access(1, 'wr_member', 'write');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (1, 'Bench member', 'wr_member');
INSERT INTO iso28000.nonconformity (org_id, title, severity) SELECT 1, 'nc ' || g, 'minor' FROM generate_series(1, :rows) g;
CREATE TABLE public.nc_plain (LIKE iso28000.nonconformity INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
INSERT INTO public.nc_plain SELECT * FROM iso28000.nonconformity;
GRANT SELECT, UPDATE ON public.nc_plain TO wr_member;
GRANT USAGE ON SCHEMA public TO wr_member;
CREATE FUNCTION public.bench_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL session_replication_role = replica;
  UPDATE iso28000.nonconformity SET status = 'reported', correction = NULL WHERE status <> 'reported';
  UPDATE public.nc_plain SET status = 'reported', correction = NULL WHERE status <> 'reported';
END $$;
VACUUM ANALYZE;
SQL

# The statements that switch a writer off ($2 = off) or on again: the history's
# and the outbox's triggers on the register; the event log by its workflow's
# log_events (its statement triggers alone are not the log: the row trigger
# collects the events and what no statement trigger wrote is written at commit).
layer_sql() {
  local dis=DISABLE log=false t
  [ "$2" = on ] && dis=ENABLE log=true
  case $1 in
    history) for t in iso28000_history_insert iso28000_history_update iso28000_history_delete; do
               echo "ALTER TABLE iso28000.nonconformity $dis TRIGGER $t;"; done ;;
    event_log) echo "UPDATE iso28000.workflow SET log_events = $log WHERE workflow = 'nonconformity';" ;;
    outbox) for t in notify_insert notify_update; do echo "ALTER TABLE iso28000.nonconformity $dis TRIGGER $t;"; done ;;
    writers) layer_sql history "$2"; layer_sql event_log "$2"; layer_sql outbox "$2" ;;
  esac
}
# Runs N transitions of variant $1 under callgrind (callgrind_run); prints the total instructions.
run() {
  local variant=$1 n=$2 tbl=iso28000.nonconformity
  [ "$variant" = plain ] && tbl=public.nc_plain
  {
    layer_sql "$variant" off
    echo "SET ROLE wr_member;"
    transitions_sql "$tbl" "$n"
    echo "RESET ROLE;"
    layer_sql "$variant" on
  } | callgrind_run wr "$variant.$n" || { echo "variant $variant failed" >&2; exit 1; }
}

VARIANTS="all history event_log outbox writers plain"
echo "callgrind: $N1 and $N2 transitions per variant ($VARIANTS)"
: > "$TMP/totals"
for v in $VARIANTS; do
  per_transition run "$v"
  echo "  $v: $PER instructions per transition"
  echo "$v $PER" >> "$TMP/totals"
done
functions_of "$TMP/cg.all.$N1" > "$TMP/f1"
functions_of "$TMP/cg.all.$N2" > "$TMP/f2"

# The report.
per() { awk -v v="$1" '$1 == v {print $2}' "$TMP/totals"; }
fn() { function_per_transition "$TMP/f1" "$TMP/f2" "$1"; }  # instructions per transition of function $1
ALL=$(per all)
PLAIN=$(per plain)
{
  echo "# The writers, counted in instructions"
  echo
  echo "Run by \`make bench BENCH=writers\` (bench/writers.sh), $(date -u +%Y-%m-%d), $("$BIN/postgres" --version | sed 's/postgres (PostgreSQL) /PostgreSQL /')."
  echo "A single-user backend of a private cluster under valgrind's callgrind, as a \`write\` member with a"
  echo "person of its own, runs single-row transitions of \`iso28000.nonconformity\` (reported -> contained, one"
  echo "transaction each): instructions per transition = (those of $N2 transitions - those of $N1) / $((N2 - N1)),"
  echo "after 20 to warm the caches. The load of the machine does not move these counts; the client protocol"
  echo "is not in them (single-user mode); SHA-256 runs without the CPU's SHA instructions under valgrind, so"
  echo "the history's hashing counts more here than it costs on the machine."
  echo
  echo "| variant | instructions per transition | × everything on | plain ÷ variant |"
  echo "|---|---:|---:|---:|"
  for v in $VARIANTS; do
    case $v in
      all) label="everything on" ;;
      history) label="the history's triggers off" ;;
      event_log) label="the event log off (\`log_events\`)" ;;
      outbox) label="the outbox's triggers off" ;;
      writers) label="all three writers off" ;;
      plain) label="the plain copy" ;;
    esac
    p=$(per "$v")
    echo "| $label | $p | $(awk -v a="$p" -v b="$ALL" 'BEGIN {printf "%.2f×", a / b}') | $(awk -v a="$PLAIN" -v b="$p" 'BEGIN {printf "%.2f×", a / b}') |"
  done
  echo
  echo "A writer's cost is what switching it off saves: history $((ALL - $(per history))), event log $((ALL - $(per event_log))),"
  echo "outbox $((ALL - $(per outbox))), the three $((ALL - $(per writers))) instructions per transition."
  echo
  echo "The writers' functions with everything on, inclusive (what they call included):"
  echo
  echo "| function | what | instructions per transition |"
  echo "|---|---|---:|"
  echo "| \`history_record\` | the history's statement trigger: images, key, their text, acting person | $(fn history_record) |"
  echo "| \`object_jsonb\` | of it: the images and key in jsonb's binary form | $(fn object_jsonb) |"
  echo "| \`pairs_text\` | of it: the images' and key's text, which the hash covers | $(fn pairs_text) |"
  echo "| \`history_link_pending\` | the history linked at commit: canonical text, hash, head lock, insert, head move | $(fn history_link_pending) |"
  echo "| \`jsonb_text\` | of it: the text of images read back from jsonb (a register of non-scalar columns only) | $(fn jsonb_text) |"
  echo "| \`history_sha256\` | of it: SHA-256 | $(fn history_sha256) |"
  echo "| \`history_store_insert\` | of it: the record's heap and index insert | $(fn history_store_insert) |"
  echo "| \`iso28000_workflow_log\` | the event log's statement trigger | $(fn iso28000_workflow_log) |"
  echo "| \`wf_store_insert\` | of it: the run's row, its checks and index entries | $(fn wf_store_insert) |"
  echo "| \`initGinState\` | of it: GIN's state, made once per backend and index since it is kept | $(fn initGinState) |"
  echo "| \`iso28000_notify_register_change\` | the outbox's statement trigger | $(fn iso28000_notify_register_change) |"
  echo "| \`notification_store_write\` | of it: the rows, their checks and index entries | $(fn notification_store_write) |"
  echo "| \`AfterTriggerEndQuery\` | every AFTER trigger of the statement, with the queue | $(fn AfterTriggerEndQuery) |"
  echo "| \`CommitTransactionCommand\` | the commit, the history's link included | $(fn CommitTransactionCommand) |"
} > "$OUT"
cat "$OUT"
