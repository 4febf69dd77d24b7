# Sourced by the shell files of test/citus/ that check what a worker's
# triggers run on the organisation's shards (23_actor_shard.sh,
# 24_history_shard.sh, 25_actor_search_path.sh, 26_actor_spoofed_name.sh,
# 27_rel_cache_cancel.sh),
# after they set db: their output lines, psql on a
# node of the cluster (CITUS_PORTS_LIST: coordinator first) and on the
# coordinator, the database made with the extension distributed, and one
# statement through the coordinator with every local
# execution it causes on the nodes it reaches printed as a notice
# (citus.log_local_commands carried to the workers by SET LOCAL with
# citus.propagate_set_commands = local).
. tools/citus-cluster
read -r -a ports <<< "${CITUS_PORTS_LIST:?run by test/suite.d/citus}"

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }
on() { local port=$1; shift; PGPASSWORD= psql -XAtq -v ON_ERROR_STOP=1 -h "$CITUS_HOST" -p "$port" -U "$CITUS_USER" -d "$db" "$@"; }
coord() { on "${ports[0]}" "$@"; }
remote() {
  coord -c "BEGIN" -c "SET LOCAL citus.propagate_set_commands = local" \
        -c "SET LOCAL citus.log_local_commands = on" -c "$1" -c "COMMIT" 2>&1
}
# The database db on every node with Citus, the workers joined, the
# extension created and distributed (4 shards); prints what failed and exits.
shard_db() {
  local out
  if ! out=$(citus_database "$db" "${ports[@]}"); then notok "$out"; exit 1; fi
  if ! out=$(coord -c "SET client_min_messages = warning" -c "CREATE EXTENSION iso28000" \
                   -c "SELECT count(*) FROM iso28000.distribute(shard_count => 4)" 2>&1); then
    notok "the extension created and distributed on database $db" "$out"; exit 1
  fi
}
# A register of test rows, iso28000.NAME (org_id, id, label), distributed
# colocated with person, with a key to organization (ON DELETE ACTION when
# given); prints what failed and exits.
shard_register() {
  local name=$1 action=${2:+ ON DELETE $2} out
  if ! out=$(coord 2>&1 -c "SET client_min_messages = warning" \
      -c "CREATE TABLE iso28000.$name (org_id bigint NOT NULL, id int, label text, PRIMARY KEY (org_id, id))" \
      -c "SELECT iso28000.register_table('iso28000.$name')" \
      -c "SET citus.enable_unsafe_triggers = on" \
      -c "SELECT create_distributed_table('iso28000.$name', 'org_id', colocate_with => 'iso28000.person')" \
      -c "RESET citus.enable_unsafe_triggers" \
      -c "ALTER TABLE iso28000.$name ADD FOREIGN KEY (org_id) REFERENCES iso28000.organization$action"); then
    notok "register iso28000.$name distributed with its key to organization" "$out"; exit 1
  fi
}
