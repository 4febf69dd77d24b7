# bench/lib.sh: shell functions shared by the bench scripts (sourced, not run).

# sample_waits: samples the wait events of $MEMBER's client backends in $DB
# every 0.1 s into $TMP/waits until $TMP/stop_waits exists (run it in the
# background; touch $TMP/stop_waits and wait to end it).
sample_waits() {
  rm -f "$TMP/stop_waits"
  : > "$TMP/waits"
  while [ ! -f "$TMP/stop_waits" ]; do
    command psql -X -At -d "$DB" -c "SELECT coalesce(a.wait_event_type || ': ' || a.wait_event, CASE WHEN a.state = 'active' THEN 'on CPU' ELSE a.state END)
        || coalesce(' (waiting for ' || (SELECT string_agg(DISTINCT CASE WHEN l.locktype = 'object' AND l.classid = 'pg_catalog.pg_database'::regclass
                                                                    THEN 'the NOTIFY commit lock (object lock on the database)'
                                                                    ELSE l.locktype || coalesce(' on ' || l.relation::regclass::text, '') END, ', ')
                                           FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) || ')', '')
       FROM pg_stat_activity a WHERE a.usename = '$MEMBER' AND a.backend_type = 'client backend'" >> "$TMP/waits" 2>/dev/null || true
    sleep 0.1
  done
}
