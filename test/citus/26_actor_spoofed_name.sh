#!/usr/bin/env bash
# A member who names his session like one of Citus's own connections
# (application_name 'citus_internal ...', which any client may set): run by
# test/suite.d/citus on the cluster it started (CITUS_PORTS_LIST:
# coordinator first), in a database of its own.
#
# src/actor.c takes a backend of that name for a worker running the
# coordinator's task (iso28000_citus_task_backend()): its acting-person
# look-ups then run as the owner of person, on the organisation's shards
# where the node holds them, instead of as the caller under row-level
# security on the coordinator.  That must change which relation is read,
# never what is allowed: act_as() still needs a delegation naming the
# caller's role and an active person of the organisation.  Checked, through
# the coordinator and directly on a worker, each with and without the
# spoofed name (the name read back in the same session): act_as() for a
# person of an organisation the member is not delegated in, of his own
# organisation without a delegation, and for nobody's person id: IS020 each
# without the name (the delegation is checked first); refused with it too
# (seen: Citus itself refuses the look-up's distributed query in a backend of
# that name, XX000 "cannot execute a distributed query from a query on a
# shard", on the coordinator, and for the first call on a worker; IS020
# otherwise).  With a delegation, act_as() for a colleague then an UPDATE of a
# register under the spoofed name: either the history names the colleague,
# or the transaction fails and writes nothing (seen: XX000, as above); without
# the name the colleague acts.
# Prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
db=${ISO28000_CITUS_SPOOF_DB:-actor_spoofed_name}
. test/citus/shard_steps.sh

shard_db
shard_register spf_item
if ! out=$(coord 2>&1 <<'SQL'
SET client_min_messages = warning;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'spf_member') THEN CREATE ROLE spf_member LOGIN; END IF;
END $$;
SELECT iso28000.create_organization('SPA', 'the member''s own');
SELECT iso28000.create_organization('SPB', 'another');
SELECT iso28000.grant_access(org_id, 'spf_member', 'write') FROM iso28000.organization WHERE code = 'SPA';
INSERT INTO iso28000.person (org_id, full_name, db_role)
  SELECT org_id, 'Member', 'spf_member' FROM iso28000.organization WHERE code = 'SPA';
INSERT INTO iso28000.person (org_id, full_name)
  SELECT org_id, 'Colleague' FROM iso28000.organization WHERE code = 'SPA';
INSERT INTO iso28000.person (org_id, full_name)
  SELECT org_id, 'Stranger' FROM iso28000.organization WHERE code = 'SPB';
INSERT INTO iso28000.spf_item SELECT org_id, 1, 'x' FROM iso28000.organization WHERE code = 'SPA';
SQL
); then notok "the extension distributed, organisations SPA and SPB, the member and register spf_item" "$out"; exit 1; fi
orga=$(coord -c "SELECT org_id FROM iso28000.organization WHERE code = 'SPA'")
orgb=$(coord -c "SELECT org_id FROM iso28000.organization WHERE code = 'SPB'")
colleague=$(coord -c "SELECT person_id FROM iso28000.person WHERE org_id = $orga AND full_name = 'Colleague'")
stranger=$(coord -c "SELECT person_id FROM iso28000.person WHERE org_id = $orgb")
spoof="citus_internal gpid=10000000001"

# The SQLSTATEs of the three refused calls on node PORT, and the name the
# session had, with application_name NAME ('' for none).
refusals() {
  local port=$1 name=$2 set='' got='' s
  [ -n "$name" ] && set="SET application_name = '$name'; "
  for call in "act_as($orgb, $stranger)" "act_as($orga, $colleague)" "act_as($orga, -1)"; do
    s=$(citus_sqlstate "$db" "$port" "${set}SET ROLE spf_member; SELECT iso28000.${call}")
    got="$got $s"
  done
  echo "${got# }"
}
for node in coordinator worker; do
  case $node in coordinator) port=${ports[0]} ;; worker) port=${ports[1]} ;; esac
  seen=$(on "$port" -c "SET application_name = '$spoof'" -c "SET ROLE spf_member" -c "SELECT current_setting('application_name')" 2>&1)
  plain=$(refusals "$port" '')
  spoofed=$(refusals "$port" "$spoof")
  if [ "$seen" = "$spoof" ] && [ "$plain" = "IS020 IS020 IS020" ] && [ -n "$spoofed" ] && ! [[ " $spoofed " =~ " none " ]]; then
    ok "on the $node, a member naming his session '$spoof' is refused act_as() as without it: $spoofed (without: $plain)"
  else
    notok "on the $node, a member naming his session '$spoof' is refused act_as() as without it (IS020 IS020 IS020)" \
          "name seen: '$seen'" "without: $plain" "with: $spoofed"
  fi
done

# With a delegation, the spoofed name lets nobody else act: the colleague
# acts, or the transaction fails and writes nothing.  Then without it: the
# colleague acts.
coord -c "INSERT INTO iso28000.delegation (org_id, delegate) VALUES ($orga, 'spf_member')" >/dev/null
last() { coord -c "SELECT coalesce(max(seq), 0) || ' ' || coalesce((SELECT acting_person FROM iso28000.history WHERE org_id = $orga AND table_name = 'iso28000.spf_item' AND operation = 'UPDATE' ORDER BY seq DESC LIMIT 1)::text, '-') FROM iso28000.history WHERE org_id = $orga"; }
move() {
  coord -c "$1" -c "SET ROLE spf_member" -c "BEGIN" -c "SELECT iso28000.act_as($orga, $colleague)" \
        -c "UPDATE iso28000.spf_item SET label = '$2' WHERE org_id = $orga" -c "COMMIT" 2>&1
}
before=$(last)
out=$(move "SET application_name = '$spoof'" y)
after=$(last)
label=$(coord -c "SELECT label FROM iso28000.spf_item WHERE org_id = $orga")
if { ! grep -q ERROR <<<"$out" && [ "${after#* }" = "$colleague" ] && [ "$label" = y ]; } ||
   { grep -q ERROR <<<"$out" && [ "$after" = "$before" ] && [ "$label" = x ]; }; then
  ok "with a delegation, under the spoofed name through the coordinator, act_as() for a colleague then an UPDATE: $( grep -q ERROR <<<"$out" && echo "refused, nothing written ($(echo "$out" | grep -m1 ERROR | cut -c1-70))" || echo "the history names the colleague")"
else
  notok "with a delegation, under the spoofed name, act_as() for a colleague then an UPDATE: the colleague acts, or nothing is written" \
        "history (last seq, acting person) before: $before, after: $after; label: $label" "$out"
fi
out=$(move "SET application_name = 'app'" z)
after=$(last)
if ! grep -q ERROR <<<"$out" && [ "${after#* }" = "$colleague" ]; then
  ok "with a delegation, without the spoofed name: act_as() for a colleague then an UPDATE, the history names the colleague ($colleague)"
else
  notok "with a delegation, without the spoofed name: the history names the colleague $colleague" "after: $after" "$out"
fi
