# test/robust/lib.sh: helpers shared by the robustness suites (test/suite.d/
# dump_restore, drop_recreate, upgrade) and the soak driver.  Sourced, not run.
# Each check prints "ok   what" or "FAIL what"; finish prints the
# "N passed, N failed" line that test/suites counts.

passed=0
failed=0

# Records a passing check.
ok() { passed=$((passed + 1)); echo "ok   $*"; }

# Records a failing check.
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# check WHAT EXPECTED ACTUAL: passes when the two strings are equal.
check_eq() {
  if [ "$2" == "$3" ]; then ok "$1"; else fail "$1: expected [$2], got [$3]"; fi
}

# check_files WHAT A B: passes when two files are equal, else shows the diff.
check_files() {
  if diff -u "$2" "$3" > "$3.diff" 2>&1; then ok "$1"
  else fail "$1"; head -40 "$3.diff" | sed 's/^/    /'; fi
}

# q DB SQL: runs SQL in DB, unaligned tuples only, stops at the first error.
q() { local db=$1; shift; psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c "$@"; }

# sqlstate DB SQL: runs SQL (expected to fail) and prints the SQLSTATE it
# failed with, or "none" when it succeeded.
sqlstate() {
  local db=$1 out
  shift
  out=$(PGOPTIONS='-c client_min_messages=error' psql -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -d "$db" \
          -c '\set VERBOSITY verbose' -c "$@" 2>&1 >/dev/null)
  if [ -z "$out" ]; then echo none; else
    echo "$out" | sed -n 's/^[^:]*: *\([0-9A-Z]\{5\}\): .*/\1/p' | head -1
  fi
}

# load_sql DB FILE...: runs each file in DB (stops at its first error), with
# the demo's CREATE ROLE statements made idempotent (roles are cluster-wide,
# and another suite may have made them).  One ok, or a fail per file.
load_sql() {
  local db=$1 f out all_ok=1
  shift
  for f in "$@"; do
    if ! out=$(sed -E 's/^CREATE ROLE ([A-Za-z0-9_]+)([^;]*);/DO $r$BEGIN CREATE ROLE \1\2; EXCEPTION WHEN duplicate_object THEN NULL; END$r$;/' "$f" |
               psql -XAtq -v ON_ERROR_STOP=1 -d "$db" 2>&1 >/dev/null); then
      fail "load $f"; echo "$out" | head -10 | sed 's/^/    /'; all_ok=0
    fi
  done
  [ "$all_ok" -eq 1 ] && ok "loaded $# files ($(dirname "$1")/)"
  [ "$all_ok" -eq 1 ]
}

# add_auditor DB: robust_auditor, a member at level audit of every
# organisation, verifies the chains as a member would.
add_auditor() {
  q "$1" "DO \$\$BEGIN CREATE ROLE robust_auditor NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END\$\$;
          INSERT INTO iso28000.membership (org_id, member, level)
          SELECT org_id, 'robust_auditor', 'audit' FROM iso28000.organization
          ON CONFLICT DO NOTHING;" > /dev/null
}

# verify_all DB: "org_id valid records_checked", one line per organisation,
# from iso28000.verify_history as robust_auditor.
verify_all() {
  q "$1" "SET ROLE robust_auditor;
          SELECT o.org_id || ' ' || v.valid || ' ' || v.records_checked
            FROM iso28000.organization o, iso28000.verify_history(o.org_id) v ORDER BY o.org_id"
}

# Prints the summary line and returns non-zero when a check failed.
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
