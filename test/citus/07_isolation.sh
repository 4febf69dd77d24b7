#!/usr/bin/env bash
# Isolation specs on the cluster (doc/distribution.md, "Concurrency on a
# cluster"): run by test/suite.d/citus after the SQL files, on the cluster
# they started (CITUS_PORTS_LIST: coordinator first).
#
# pg_isolation_regress --use-existing against the coordinator, on a database
# with Citus on every node where the extension is created and distributed
# once.  Each spec of SPECS is test/specs/NAME.spec with its own setup and
# teardown blocks replaced by test/citus/specs/NAME.setup (a spec's setup
# creates and its teardown drops the extension, and distributing it for every
# permutation would take minutes): its sessions, steps and permutations are
# the single node's, and so is its expected output (expected/NAME.out), which
# the cluster must print exactly.
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tools/citus-cluster
read -r -a ports <<< "${CITUS_PORTS_LIST:?run by test/suite.d/citus}"
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
db=${ISO28000_CITUS_ISOLATION_DB:-isolation}
# workflow_event_commit first: its step s1mine counts every event of the log
# with a from_state, which the other specs' tables would add to.
# (ISO28000_CITUS_SPECS names others, e.g. "" to run only the specs of the cluster below)
SPECS="${ISO28000_CITUS_SPECS-workflow_event_commit history_chain membership_revoke workflow_rules_cache workflow_event_concurrent}"

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }
on() { local port=$1; shift; PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -h "$CITUS_HOST" -p "$port" -U "$CITUS_USER" -d "$db" "$@"; }
coord() { on "${ports[0]}" "$@"; }

if ! out=$(citus_database "$db" "${ports[@]}"); then notok "$out"; exit 1; fi

# What the specs' setup blocks made, made once: the extension, distributed;
# membership_revoke's roles (LOGIN), organisation 1 and its people;
# history_chain's register hi_item, distributed beside the registers.
if out=$(coord 2>&1 <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION iso28000;
SELECT count(*) FROM iso28000.distribute(shard_count => 4);
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'iso_mb_member') THEN CREATE ROLE iso_mb_member LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'iso_mb_group') THEN CREATE ROLE iso_mb_group LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'iso_mb_inheritor') THEN CREATE ROLE iso_mb_inheritor LOGIN; END IF;
  -- identity_revoke_cluster's (test/citus/specs/)
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'iso_irc_group') THEN CREATE ROLE iso_irc_group NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'iso_irc_app') THEN CREATE ROLE iso_irc_app LOGIN; END IF;
  -- policy_plan_revoke_cluster's and writer_locks_cluster's
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'iso_pp_member') THEN CREATE ROLE iso_pp_member LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wl_member') THEN CREATE ROLE wl_member LOGIN; END IF;
END $$;
SELECT iso28000.create_organization('ISO', 'Isolation test');
INSERT INTO iso28000.person (org_id, full_name) VALUES (1, 'Ann Owner'), (1, 'Bob Auditor');
-- (its foreign key to the reference table organization added once it is
-- distributed: a local table referencing a reference table would become a
-- Citus local table, which takes no identity column)
CREATE TABLE iso28000.hi_item (
  org_id  bigint NOT NULL,
  item_id bigint GENERATED ALWAYS AS IDENTITY,
  label   text NOT NULL,
  PRIMARY KEY (org_id, item_id));
SELECT iso28000.register_table('iso28000.hi_item');
SET citus.enable_unsafe_triggers = on;
SELECT create_distributed_table('iso28000.hi_item', 'org_id', colocate_with => 'iso28000.person');
RESET citus.enable_unsafe_triggers;
ALTER TABLE iso28000.hi_item ADD FOREIGN KEY (org_id) REFERENCES iso28000.organization;
CREATE FUNCTION public.hi_org(c text) RETURNS bigint LANGUAGE sql STABLE
  AS $f$ SELECT org_id FROM iso28000.organization WHERE code = c $f$;
-- history_seen_head's register, function and procedure (made once, as hi_item).
CREATE TABLE iso28000.hsh_item (
  org_id  bigint NOT NULL,
  item_id bigint GENERATED ALWAYS AS IDENTITY,
  label   text NOT NULL,
  PRIMARY KEY (org_id, item_id));
SELECT iso28000.register_table('iso28000.hsh_item');
SET citus.enable_unsafe_triggers = on;
SELECT create_distributed_table('iso28000.hsh_item', 'org_id', colocate_with => 'iso28000.person');
RESET citus.enable_unsafe_triggers;
ALTER TABLE iso28000.hsh_item ADD FOREIGN KEY (org_id) REFERENCES iso28000.organization;
CREATE FUNCTION public.hsh_org(c text) RETURNS bigint LANGUAGE sql STABLE
  AS $f$ SELECT org_id FROM iso28000.organization WHERE code = c $f$;
CREATE PROCEDURE public.hsh_many(c text, n int) LANGUAGE plpgsql AS $f$
BEGIN
  FOR i IN 1..n LOOP
    INSERT INTO iso28000.hsh_item (org_id, label) VALUES (hsh_org(c), 'many');
    COMMIT;
  END LOOP;
END $f$;
-- workflow_rules_cache's workflow, defined after distribute(): the rules
-- tables are reference tables, and their statement triggers fire on the
-- placement of every node (before they left out the shards, defining it
-- failed on a worker: a shard's row type taken for the governed table's).
INSERT INTO iso28000.workflow VALUES ('cache_test', 'rules cache test');
INSERT INTO iso28000.workflow_state (workflow, state, is_initial) VALUES
  ('cache_test', 'a', true), ('cache_test', 'b', false), ('cache_test', 'c', false);
-- workflow_event_concurrent's workflow, defined after distribute() too.
INSERT INTO iso28000.workflow VALUES ('evc', 'events concurrency');
INSERT INTO iso28000.workflow_state (workflow, state, is_initial) VALUES ('evc', 'a', true), ('evc', 'b', false), ('evc', 'c', false);
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state) VALUES ('evc', 'a', 'b'), ('evc', 'b', 'c'), ('evc', 'a', 'c');
-- workflow_event_commit's workflow, defined after distribute() too.
INSERT INTO iso28000.workflow VALUES ('evp', 'events at commit');
INSERT INTO iso28000.workflow_state (workflow, state, is_initial) VALUES ('evp', 'a', true), ('evp', 'b', false), ('evp', 'c', false);
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state) VALUES ('evp', 'a', 'b'), ('evp', 'b', 'c'), ('evp', 'a', 'c');
-- isolationtester asks pg_isolation_test_session_is_blocked() whether a step
-- waits; PostgreSQL's sees only the coordinator's locks, and a step waiting
-- for a lock on a worker would look busy forever.  Citus's own isolation
-- tests swap in its version, which reads the cluster's wait graph; so does
-- this database (a throwaway one).
SELECT citus_internal.replace_isolation_tester_func();
SQL
); then
  ok "the extension distributed on database $db, with the specs' roles, organisation and register"
else
  notok "the specs' database on the cluster" "$(echo "$out" | grep -E 'ERROR|DETAIL' | head -4)"; exit 1
fi

# The cluster's specs: the setup replaced, everything else as on one node.
mkdir -p "$tmp/specs" "$tmp/expected"
for s in $SPECS; do
  { cat "test/citus/specs/$s.setup"
    awk 'BEGIN { skip = 0; sessions = 0 }
         /^session / { sessions = 1 }
         !sessions && /^(setup|teardown)[ \t]*$/ { skip = 1; next }
         skip && /^}/ { skip = 0; next }
         !skip { print }' "test/specs/$s.spec"
  } > "$tmp/specs/$s.spec"
  cp "expected/$s.out" "$tmp/expected/$s.out"
  # Permutations known to differ on the cluster (test/citus/specs/NAME.skip,
  # with the reasons): left out of the spec and of its expected output.
  if [ -f "test/citus/specs/$s.skip" ]; then
    grep -vE '^(#|$)' "test/citus/specs/$s.skip" > "$tmp/$s.skip"
    awk 'NR == FNR { skip["permutation " $0] = 1; next } !($0 in skip)' "$tmp/$s.skip" "$tmp/specs/$s.spec" > "$tmp/$s.spec"
    # the steps only those permutations used (isolationtester reports unused ones)
    awk 'NR == FNR { if ($1 == "permutation") for (i = 2; i <= NF; i++) used[$i] = 1; next }
         /^step / && !($2 in used) { cutting = 1 }
         cutting { if ($0 ~ /}/) cutting = 0; next }
         { print }' "$tmp/$s.spec" "$tmp/$s.spec" > "$tmp/specs/$s.spec"
    # their sections of the expected output, with the blank line before each
    awk 'NR == FNR { skip["starting permutation: " $0] = 1; next }
         /^$/ { if (!drop) pend++; next }
         /^starting permutation: / { drop = ($0 in skip) }
         drop { next }
         { for (; pend > 0; pend--) print ""; print }
         END { if (drop) pend--; for (; pend > 0; pend--) print "" }' "$tmp/$s.skip" "$tmp/expected/$s.out" > "$tmp/$s.out" &&
      mv "$tmp/$s.out" "$tmp/expected/$s.out"
  fi
done
# Specs of the cluster only (test/citus/specs/NAME.spec, with their setup and
# their expected output NAME.out): what the cluster does differently from one
# node, shown rather than left out.
# (ISO28000_CITUS_CLUSTER_SPECS="a b" runs only those, while iterating)
CLUSTER_SPECS=
for f in test/citus/specs/*.spec; do
  [ -e "$f" ] || continue
  s=$(basename "$f" .spec)
  if [ -n "${ISO28000_CITUS_CLUSTER_SPECS:-}" ] && [[ " $ISO28000_CITUS_CLUSTER_SPECS " != *" $s "* ]]; then continue; fi
  cp "$f" "$tmp/specs/$s.spec"
  cp "test/citus/specs/$s.out" "$tmp/expected/$s.out"
  CLUSTER_SPECS="$CLUSTER_SPECS $s"
done
chmod -R a+rX "$tmp"
bindir=$(/usr/lib/postgresql/${PGMAJOR:-15}/bin/pg_config --pgxs | sed 's|/src/makefiles/pgxs.mk$||')/src/test/isolation
out=$(PGPASSWORD= "$bindir/pg_isolation_regress" --use-existing --host="$CITUS_HOST" --port="${ports[0]}" --user="$CITUS_USER" \
        --dbname="$db" --inputdir="$tmp" --outputdir="$tmp" $SPECS $CLUSTER_SPECS 2>&1)
for s in $SPECS $CLUSTER_SPECS; do
  perms=$(grep -c '^permutation' "$tmp/specs/$s.spec")
  [ -f "$tmp/$s.skip" ] && perms="$perms of $(grep -c '^permutation' "test/specs/$s.spec")"
  same="the same output as on one node"
  [ -f "test/citus/specs/$s.spec" ] && same="the cluster's expected output, test/citus/specs/$s.out"
  if grep -qE "^(ok|test) +[0-9]* *-? *$s +\.\.\. ok|^ok +[0-9]+ +- +$s " <<<"$out"; then
    ok "isolation spec $s ($perms permutations) through the coordinator: $same"
  else
    notok "isolation spec $s through the coordinator prints $same" \
          "$(echo "$out" | grep -E "$s" | head -2)" "$(head -${ISO28000_DIFF_LINES:-40} "$tmp/regression.diffs" 2>/dev/null)"
  fi
done
