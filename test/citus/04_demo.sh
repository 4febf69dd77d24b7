#!/usr/bin/env bash
# The demo on the cluster (doc/distribution.md, "The demo on a cluster"): run
# by test/suite.d/citus after the SQL files, on the cluster they started
# (CITUS_PORTS_LIST: coordinator first).
#
# A database "demo" on every node with Citus; the demo's own load scripts
# (demo/load/*.sql, as tools/load-demo runs them) through the coordinator,
# with one change that a cluster needs: the demo's roles get LOGIN (Citus
# connects to the workers as the current role, also after SET ROLE; made
# idempotent, as test/robust/lib.sh does, roles being cluster-wide); then
# demo/show.d/*.sql, the demo's views, refusals and report, read on the
# coordinator before distribution (one node's answers); iso28000.distribute()
# on the populated database; and demo/show.d again.  Checked: every view
# answers for the demo's reader and auditor, every chain verifies, and the
# demo's output and report on the cluster equal the single node's (the same
# lines, sorted: ties of the demo's ORDER BY come back in another order),
# except the messages of statements that the demo shows being refused, which
# must be refused on both (Citus may refuse them for a reason of its own
# first; the reasons are printed as comments); and raise_due_items(), which
# raised the due items on the single node, raises nothing more on the cluster
# (demo/show.d/70_due_and_notify.sql).  Leaves the database for 05_dump_restore.sh
# (ISO28000_CITUS_DEMO_DB names another database, for a run by hand).
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tools/citus-cluster
read -r -a ports <<< "${CITUS_PORTS_LIST:?run by test/suite.d/citus}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=${ISO28000_CITUS_DEMO_DB:-demo}

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }
on() { local port=$1; shift; PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -h "$CITUS_HOST" -p "$port" -U "$CITUS_USER" -d "$db" "$@"; }
coord() { on "${ports[0]}" "$@"; }

# The database on every node, with Citus and the workers (Citus does not
# create a database on the workers by itself).
if ! out=$(citus_database "$db" "${ports[@]}"); then notok "$out"; exit 1; fi
coord -c "ALTER DATABASE $db SET search_path = \"\$user\", public, iso28000" >/dev/null ||
  { notok "database $db: its search_path"; exit 1; }

# demo/load, through the coordinator; the demo's roles with LOGIN.
loaded=1
for f in demo/load/*.sql; do
  if ! out=$(sed -E 's/^CREATE ROLE ([A-Za-z0-9_]+) NOLOGIN;/DO $r$BEGIN CREATE ROLE \1 LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$r$;/' "$f" |
             (cd demo && coord -f - 2>&1 >/dev/null)); then
    notok "demo/load through the coordinator: $f" "$(echo "$out" | grep -E 'ERROR|DETAIL' | head -4)"
    loaded=0; break
  fi
done
[ "$loaded" = 1 ] || exit 1
ok "demo/load/*.sql ($(ls demo/load/*.sql | wc -l) files) loads through the coordinator, before distribution"

# demo/show.d: every file, its output and the report, as demo/run prints them.
show() {
  local out=$1
  mkdir -p "$out"
  for f in demo/show.d/*.sql; do
    # The due items and the outbox go to a file of their own: raise_due_items()
    # raises on the single node, and must raise nothing more on the cluster.
    if [ "$f" = demo/show.d/70_due_and_notify.sql ]; then
      (cd demo && PGPASSWORD= psql -X -q -v ON_ERROR_STOP=1 -P pager=off \
         -h "$CITUS_HOST" -p "${ports[0]}" -U "$CITUS_USER" -d "$db" -f "${f#demo/}" > "$out/due.txt" 2>&1)
      continue
    fi
    (cd demo && ISO28000_DEMO_OUT="$out" PGPASSWORD= psql -X -q -v ON_ERROR_STOP=1 -P pager=off \
       -h "$CITUS_HOST" -p "${ports[0]}" -U "$CITUS_USER" -d "$db" -f "${f#demo/}" 2>&1)
  done > "$out/show.txt"
}
# The due notifications: how many, and how many distinct items (one per item
# and due date), read as the superuser through the coordinator.
due_rows() {
  coord -c "SELECT count(*) || ' due notifications, ' || count(DISTINCT (org_id, register, record_id, item, due_on)) || ' distinct items'
              FROM iso28000.notification WHERE kind = 'due'"
}
show "$tmp/single"
due_single=$(due_rows)

if out=$(coord -c "SET client_min_messages = warning" -c "SELECT count(*) FROM iso28000.distribute()" 2>&1); then
  ok "iso28000.distribute() converts the demo's database ($out tables)"
else
  notok "iso28000.distribute() converts the demo's database" "$(echo "$out" | head -5)"; exit 1
fi

show "$tmp/cluster"
# Refusals: the same statements (file:line) refused on both.
refused() { grep -oE '^psql:[^:]+:[0-9]+: ERROR' "$1" | sort; }
if diff <(refused "$tmp/single/show.txt") <(refused "$tmp/cluster/show.txt") > "$tmp/refused.diff"; then
  ok "demo/show.d: the $(refused "$tmp/single/show.txt" | wc -l) statements the demo shows refused are refused on the cluster too"
else
  notok "demo/show.d: the same statements refused" "$(head -10 "$tmp/refused.diff")"
fi
grep -hE '^psql:[^:]+:[0-9]+: ERROR' "$tmp/cluster/show.txt" | while read -r line; do
  grep -qxF "$line" "$tmp/single/show.txt" || echo "# refused for another reason on the cluster: ${line#psql:}"
done
# Everything else: the same lines.  Sorted, because the demo's queries order
# by ranks and dates that tie, and ties come back in another order from the
# shards; the path of the report's file is the run's own.
# The hours left until an incident's notification deadline count from the
# moment each run shows them (distribute() in between takes minutes).
strip() { grep -vE '^psql:[^:]+:[0-9]+: ERROR|^(DETAIL|HINT|CONTEXT):|^while executing command on|^(PL/pgSQL function|SQL statement) |management-review.html$' "$1" |
          sed -E 's/^( INC-[^|]*\|.*\| [tf] +\| +)-?[0-9]+\.[0-9]+$/\1(hours)/' | sort; }
if diff <(strip "$tmp/single/show.txt") <(strip "$tmp/cluster/show.txt") > "$tmp/show.diff"; then
  ok "demo/show.d prints the same lines on the cluster as on one node ($(strip "$tmp/cluster/show.txt" | wc -l) lines: conformity, dashboard, risks, supply chain, evaluation)"
else
  notok "demo/show.d prints the same lines on the cluster as on one node" "$(head -30 "$tmp/show.diff")"
fi
# The report: the same elements (its HTML cut at each tag, sorted, for the
# same reason), the minute it was generated aside.
elements() { sed -E 's/generated [0-9-]+ [0-9:]+ [A-Z]+/generated (time)/; s/-?[0-9]+\.[0-9]+ hours left/(n) hours left/g; s/</\n</g' "$1" | sort; }
if [ -s "$tmp/single/management-review.html" ] && [ -s "$tmp/cluster/management-review.html" ] &&
   diff <(elements "$tmp/single/management-review.html") <(elements "$tmp/cluster/management-review.html") > "$tmp/report.diff"; then
  ok "the management-review report has the same $(elements "$tmp/cluster/management-review.html" | wc -l) elements on the cluster ($(wc -c < "$tmp/cluster/management-review.html") bytes)"
else
  notok "the management-review report is the same" "$(head -10 "$tmp/report.diff" 2>/dev/null | cut -c1-200)"
fi

# demo/show.d/70_due_and_notify.sql: raise_due_items() raised the demo's due
# items on the single node (N, then 0); on the cluster, after distribute(), it
# raises nothing more (0, then 0) and writes no row, and everything else the
# file prints (the due items by person, the most overdue, the outbox) is the
# same.  Citus 13.2.2 reports the rows an INSERT ... SELECT ... ON CONFLICT DO
# NOTHING sent, not those it inserted (its issue 3377), so a count taken from
# ROW_COUNT said 65 again here: raise_due_items() counts its RETURNING rows.
raised() { grep -A2 'raised_first' "$1" | tail -1 | tr -d ' '; }
r1=$(raised "$tmp/single/due.txt"); r2=$(raised "$tmp/cluster/due.txt")
due_cluster=$(due_rows)
if [[ "$r1" =~ ^[1-9][0-9]*\|0$ ]] && [ "$r2" = "0|0" ] && [ "$due_single" = "$due_cluster" ]; then
  ok "raise_due_items() raised ${r1%|*} due items on one node (then 0), and 0 then 0 on the cluster after distribute() ($due_cluster, as before)"
else
  notok "raise_due_items() raises nothing again on the cluster" "one node: $r1 ($due_single)" "cluster: $r2 ($due_cluster)" \
        "$(grep ERROR "$tmp/cluster/due.txt" | head -3)"
fi
strip_due() { grep -vE 'raised_first|^ +[0-9]+ \| +[0-9]+$' "$1" | sort; }
if diff <(strip_due "$tmp/single/due.txt") <(strip_due "$tmp/cluster/due.txt") > "$tmp/due.diff"; then
  ok "demo/show.d/70_due_and_notify.sql prints the same due items and outbox on the cluster ($(strip_due "$tmp/cluster/due.txt" | wc -l) lines)"
else
  notok "demo/show.d/70_due_and_notify.sql prints the same due items and outbox on the cluster" "$(head -20 "$tmp/due.diff")"
fi

# As the demo's reader and auditor: every view answers; every chain verifies.
for r in npl_viewer npl_auditor bc_quality_lead; do
  bad=$(coord -c "SET ROLE $r" -c "
    DO \$\$DECLARE v regclass; bad text := '';
    BEGIN
      FOR v IN SELECT c.oid::regclass FROM pg_class c
                WHERE c.relnamespace = 'iso28000'::regnamespace AND c.relkind = 'v' ORDER BY 1 LOOP
        BEGIN EXECUTE format('SELECT count(*) FROM %s', v);
        EXCEPTION WHEN OTHERS THEN bad := bad || format('%s: %s %s; ', v, SQLSTATE, SQLERRM); END;
      END LOOP;
      RAISE NOTICE '%', bad;
    END\$\$" 2>&1 | sed 's/^NOTICE: *//')
  n=$(coord -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'iso28000'::regnamespace AND relkind = 'v'")
  if [ -z "$bad" ]; then ok "every view ($n) answers for $r on the demo's cluster"
  else notok "every view answers for $r on the demo's cluster" "$bad"; fi
done
broken=$(coord -c "SET ROLE npl_auditor" -c "SELECT count(*) FROM iso28000.organization o WHERE NOT (SELECT v.valid FROM iso28000.verify_history(o.org_id) v)" 2>&1)
if [ "$broken" = 0 ]; then ok "NPL's chain verifies on the cluster, read by its auditor"
else notok "NPL's chain verifies on the cluster" "$broken"; fi
