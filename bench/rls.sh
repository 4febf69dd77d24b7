#!/usr/bin/env bash
# Benchmark of row-level security alone (doc/tenant.md, src/membership.c).
#
# The same 20,000-row register of schema iso28000 (register_table accepts no
# other; 4 organisations, every trigger disabled, so only row-level security
# differs) in five copies, one per policy form:
#   shipped   iso28000.policy_has_level(org_id, level)      (what register_table makes:
#             a C function with a planner support function, src/membership_planner.c)
#   array     org_id = ANY (iso28000.policy_orgs(level))    (0.2.0's policies)
#   per_row   bench_may(org_id, level): the same C function without planner support
#   pinned    org_id = ANY (iso28000.member_orgs(level)): member_orgs has SET search_path
#   v010      org_id = ANY ((SELECT member_orgs(level))::bigint[]) over 0.1.0's SQL
#             functions (copied here): the form and the functions as released
# 1. pgbench, one client, simple protocol: single-row UPDATE and single-row
#    SELECT by primary key, as a LOGIN role that is a write member of the
#    four organisations (and of six more) and as the superuser on the same table, back to back,
#    interleaved over the forms, ROUNDS rounds; medians and ratios.
# 2. A 1M-row count as the member and as the superuser: the policy in a
#    filter, once per row (per-row cost of each form).
# 3. The real register iso28000.nonconformity with everything on (triggers,
#    history, event log, outbox, acting person): single-row transitions as the
#    member (pgbench, 1 and 8 clients, REAL_ROWS rows of organisation 1, each
#    transaction a real transition, rows put back after each run), its
#    policies switched between the shipped form and 0.2.0's array form
#    (ALTER POLICY as the superuser between runs), side by side with a plain
#    copy of the table (no trigger, no row-level security), interleaved;
#    throughput and backend CPU per transition (/proc).
# 4. The plans of the member's statements.
#
# Runs inside the cluster that bench/run starts (PGHOST etc. set); run alone
# with `make bench BENCH=rls`.  Takes about eight minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-20000}
SCAN_ROWS=${SCAN_ROWS:-1000000}
ROUNDS=${ROUNDS:-3}
REAL_ROWS=${REAL_ROWS:-20000}
REAL_CLIENTS=${REAL_CLIENTS:-"1 8"}
PGB_SECONDS=${PGB_SECONDS:-5}
DB=iso28000_bench_rls
MEMBER=iso28000_bench_rls_member
OUT=bench/results/rls.md
TMP=$(mktemp -d)
mkdir -p bench/results
FORMS="shipped array per_row pinned v010"

# the database, the member, its organisations and persons: bench/lib.sh
. bench/lib.sh
bench_setup 10 RLS "RLS bench"

# The member writes in 10 organisations (as in bench/register.sh; bench_setup
# made them, and his person in each); the rows are in 1 to 4.
psql -v member="$MEMBER" -v rows="$ROWS" -v scan_rows="$SCAN_ROWS" -v real_rows="$REAL_ROWS" >/dev/null <<'SQL'

-- The per-row form: the C function behind has_level(), without SET search_path
-- (from the library the extension loads).
DO $$ BEGIN
  EXECUTE format('CREATE FUNCTION bench_may(org bigint, min_level text) RETURNS boolean
                    LANGUAGE c STABLE STRICT PARALLEL SAFE AS %L, %L',
                 (SELECT probin FROM pg_proc WHERE oid = 'iso28000.has_level(bigint, text)'::regprocedure),
                 'iso28000_has_level');
END $$;
-- 0.1.0's membership functions, as released (sql/upgrades/iso28000--0.1.0.sql).
CREATE FUNCTION v010_role_orgs(r regrole, min_level text) RETURNS bigint[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(m.org_id ORDER BY m.org_id), '{}')
      FROM iso28000.membership m
      JOIN iso28000.access_level l ON l.level = m.level
     WHERE pg_has_role(session_user, r, 'MEMBER')
       AND pg_has_role(r, m.member, 'USAGE')
       AND l.rank >= (SELECT rank FROM iso28000.access_level WHERE level = min_level)
$$;
CREATE FUNCTION v010_member_orgs(min_level text DEFAULT 'read') RETURNS bigint[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT public.v010_role_orgs(current_user::regrole, min_level) $$;

CREATE FUNCTION bench_table(name text, form text, n bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    expr text := CASE form
        WHEN 'shipped' THEN NULL
        WHEN 'array'   THEN 'org_id = ANY (iso28000.policy_orgs(%L))'
        WHEN 'per_row' THEN 'public.bench_may(org_id, %L)'
        WHEN 'pinned'  THEN 'org_id = ANY (iso28000.member_orgs(%L))'
        WHEN 'v010'    THEN 'org_id = ANY ((SELECT public.v010_member_orgs(%L))::bigint[])' END;
BEGIN
    EXECUTE format('CREATE TABLE iso28000.%I (
        org_id  bigint NOT NULL REFERENCES iso28000.organization,
        item_id bigint GENERATED ALWAYS AS IDENTITY,
        label   text NOT NULL,
        qty     integer NOT NULL,
        note    text,
        PRIMARY KEY (org_id, item_id))', name);
    PERFORM iso28000.register_table(('iso28000.' || quote_ident(name))::regclass);
    EXECUTE format('ALTER TABLE iso28000.%I DISABLE TRIGGER USER', name);   -- row-level security alone
    IF expr IS NOT NULL THEN
        EXECUTE format('ALTER POLICY member_read ON iso28000.%I USING (' || expr || ')', name, 'read');
        EXECUTE format('ALTER POLICY member_insert ON iso28000.%I WITH CHECK (' || expr || ')', name, 'write');
        EXECUTE format('ALTER POLICY member_update ON iso28000.%I USING (' || expr || ') WITH CHECK (' || expr || ')', name, 'write', 'write');
        EXECUTE format('ALTER POLICY member_delete ON iso28000.%I USING (' || expr || ')', name, 'write');
    END IF;
    EXECUTE format('INSERT INTO iso28000.%I (org_id, label, qty, note)
                    SELECT 1 + g %% 4, ''item '' || g, g %% 1000, ''bench'' FROM generate_series(0, %s - 1) g', name, n);
END $$;
SELECT bench_table('rls_' || f, f, :rows) FROM unnest(ARRAY['shipped', 'array', 'per_row', 'pinned', 'v010']) f;
SELECT bench_table('scan_' || f, f, :scan_rows) FROM unnest(ARRAY['shipped', 'array', 'per_row', 'pinned', 'v010']) f;

-- The real register: the member acts as a person of each organisation; the
-- transitions move rows of organisation 1; a plain copy of the same rows.
INSERT INTO iso28000.nonconformity (org_id, title, severity)
  SELECT CASE WHEN g <= :real_rows THEN 1 ELSE 2 + g % 9 END, 'nc ' || g, 'minor' FROM generate_series(1, 2 * :real_rows) g ORDER BY g;
CREATE TABLE public.nc_plain (LIKE iso28000.nonconformity INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
INSERT INTO public.nc_plain SELECT * FROM iso28000.nonconformity;
GRANT SELECT, UPDATE ON public.nc_plain TO :"member";
GRANT USAGE ON SCHEMA public TO :"member";
-- Puts every row back in reported, without the triggers.
CREATE FUNCTION bench_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL session_replication_role = replica;
  UPDATE iso28000.nonconformity SET status = 'reported', correction = NULL WHERE status <> 'reported';
  UPDATE public.nc_plain SET status = 'reported', correction = NULL WHERE status <> 'reported';
END $$;
-- The real register's policies in one form or the other.
CREATE FUNCTION bench_real_form(form text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE e text := CASE form WHEN 'shipped' THEN 'iso28000.policy_has_level(org_id, %L)'
                            WHEN 'array' THEN 'org_id = ANY (iso28000.policy_orgs(%L))' END;
BEGIN
  EXECUTE format('ALTER POLICY member_read ON iso28000.nonconformity USING (' || e || ')', 'read');
  EXECUTE format('ALTER POLICY member_insert ON iso28000.nonconformity WITH CHECK (' || e || ')', 'write');
  EXECUTE format('ALTER POLICY member_update ON iso28000.nonconformity USING (' || e || ') WITH CHECK (' || e || ')', 'write', 'write');
  EXECUTE format('ALTER POLICY member_delete ON iso28000.nonconformity USING (' || e || ')', 'write');
END $$;

CREATE TABLE timing (part text, form text, who text, rep int, value numeric);
CREATE TABLE real_timing (form text, clients int, rep int, tps numeric, cpu numeric);
GRANT INSERT ON real_timing TO PUBLIC;
GRANT INSERT ON timing TO PUBLIC;
-- Milliseconds that one statement takes.
CREATE FUNCTION bench_ms(sql text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
    t0 := clock_timestamp();
    EXECUTE sql;
    RETURN round(extract(epoch FROM clock_timestamp() - t0) * 1000, 1);
END $$;
SQL
psql -c "VACUUM ANALYZE" >/dev/null

for f in $FORMS; do
  cat > "$TMP/update_$f.sql" <<EOF
\set id random(1, $ROWS)
UPDATE iso28000.rls_$f SET qty = qty + 1 WHERE org_id = 1 + (:id - 1) % 4 AND item_id = :id;
EOF
  cat > "$TMP/select_$f.sql" <<EOF
\set id random(1, $ROWS)
SELECT label, qty FROM iso28000.rls_$f WHERE org_id = 1 + (:id - 1) % 4 AND item_id = :id;
EOF
done

tps() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1; }

echo "pgbench, one client, ${PGB_SECONDS}s per run, $ROUNDS rounds"
for rep in $(seq 1 "$ROUNDS"); do
  for kind in update select; do
    for f in $FORMS; do
      m=$(as_member pgbench -n -T "$PGB_SECONDS" -f "$TMP/${kind}_$f.sql" "$DB" 2>/dev/null | tps)
      s=$(pgbench -n -T "$PGB_SECONDS" -f "$TMP/${kind}_$f.sql" "$DB" 2>/dev/null | tps)
      echo "  round $rep $kind $f: member ${m:-0} tps, superuser ${s:-0} tps"
      psql -c "INSERT INTO timing VALUES ('$kind', '$f', 'member', $rep, ${m:-0}), ('$kind', '$f', 'superuser', $rep, ${s:-0})"
    done
  done
done

echo "$SCAN_ROWS-row count, $ROUNDS rounds"
for rep in $(seq 1 "$ROUNDS"); do
  for f in $FORMS; do
    for who in member superuser; do
      cmd=(psql -c "INSERT INTO timing SELECT 'scan', '$f', '$who', $rep, bench_ms('SELECT count(*) FROM iso28000.scan_$f WHERE qty >= 0')")
      if [ "$who" = member ]; then as_member "${cmd[@]}"; else "${cmd[@]}"; fi
    done
  done
done

# 3. The real register, its policies in the shipped form and in 0.2.0's, and the plain copy.
# The backend's CPU ticks: each client writes "transactions ticks" of its
# backend at its first transaction (.a) and at every 200th (.b).
mkdir -p "$TMP/cpu"
printf '#!/bin/sh\necho "$3 $(awk %s /proc/$1/stat)" > "%s/cpu/$2.$4"\n' "'{print \$14 + \$15}'" "$TMP" > "$TMP/stamp"
chmod +x "$TMP/stamp"
for t in real plain; do
  tbl=$([ "$t" = real ] && echo iso28000.nonconformity || echo public.nc_plain)
  cat > "$TMP/move_$t.sql" <<EOF
\\set k :k + 1
\\if :k = 1
SELECT pg_backend_pid() AS pid \\gset
\\shell $TMP/stamp :pid :client_id :k a
\\elif :k % 200 = 0
\\shell $TMP/stamp :pid :client_id :k b
\\endif
\\set id 1 + (:client_id + :nc * :k) % $REAL_ROWS
UPDATE $tbl SET status = 'contained', correction = 'fixed' WHERE org_id = 1 AND nonconformity_id = :id;
EOF
done
# Backend CPU microseconds per transaction over every client of the last run (NULL when too short).
cpu_per_txn() {
  local a b
  for a in "$TMP"/cpu/*.a; do
    b=${a%.a}.b
    if [ -f "$a" ] && [ -f "$b" ]; then echo "$(cat "$a") $(cat "$b")"; fi
  done | awk -v hz="$(getconf CLK_TCK)" '{t += $4 - $2; n += $3 - $1}
                                         END {if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "NULL"}'
}
REAL_FORMS="shipped array plain"
psql -c "VACUUM ANALYZE iso28000.nonconformity, public.nc_plain" >/dev/null
echo "real register transitions: forms $REAL_FORMS, clients $REAL_CLIENTS, $ROUNDS rounds"
for rep in $(seq 1 "$ROUNDS"); do
  order=$REAL_FORMS
  ((rep % 2)) || order=$(echo $REAL_FORMS | tr ' ' '\n' | tac | tr '\n' ' ')
  for f in $order; do
    t=$([ "$f" = plain ] && echo plain || echo real)
    if [ "$t" = real ]; then psql -c "SELECT bench_real_form('$f')" >/dev/null; fi
    for c in $REAL_CLIENTS; do
      rm -f "$TMP"/cpu/*
      v=$(as_member pgbench -n -T "$PGB_SECONDS" -c "$c" -j "$c" -D k=0 -D nc="$c" -f "$TMP/move_$t.sql" "$DB" 2>/dev/null | tps)
      cpu=$(cpu_per_txn)
      psql -c "SELECT bench_reset()" >/dev/null
      echo "  round $rep, $f, $c clients: ${v:-0} tps, backend CPU $cpu us per transaction"
      psql -c "INSERT INTO real_timing VALUES ('$f', $c, $rep, ${v:-0}, $cpu)"
    done
  done
done
LOAD_REAL_END=$(cut -d' ' -f1-3 /proc/loadavg)
{
  for f in shipped array; do
    psql -c "SELECT bench_real_form('$f')" >/dev/null
    echo "-- real register, policies $f, single-row transition"
    as_member psql -At -c "EXPLAIN (COSTS OFF) UPDATE iso28000.nonconformity SET status = 'contained', correction = 'fixed' WHERE org_id = 1 AND nonconformity_id = 5"
  done
  psql -c "SELECT bench_real_form('shipped')" >/dev/null
} > "$TMP/real_plans"

# 4. Plans, as the member (the superuser bypasses row-level security).
for f in $FORMS; do
  {
    echo "-- $f, single-row UPDATE"
    as_member psql -At -c "EXPLAIN (COSTS OFF) UPDATE iso28000.rls_$f SET qty = qty + 1 WHERE org_id = 2 AND item_id = 5"
    echo "-- $f, single-row SELECT"
    as_member psql -At -c "EXPLAIN (COSTS OFF) SELECT label, qty FROM iso28000.rls_$f WHERE org_id = 2 AND item_id = 5"
    echo "-- $f, $SCAN_ROWS-row count"
    as_member psql -At -c "SET max_parallel_workers_per_gather = 0" -c "EXPLAIN (COSTS OFF) SELECT count(*) FROM iso28000.scan_$f WHERE qty >= 0"
  } >> "$TMP/plans"
done
{
  echo "-- superuser, single-row UPDATE (no row-level security)"
  psql -At -c "EXPLAIN (COSTS OFF) UPDATE iso28000.rls_shipped SET qty = qty + 1 WHERE org_id = 2 AND item_id = 5"
} >> "$TMP/plans"

psql -At > "$TMP/report" <<'SQL'
CREATE TEMP VIEW med AS
  SELECT part, form, who, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS med, count(*) AS n
    FROM timing GROUP BY part, form, who;
CREATE TEMP VIEW form_name (form, label, pos) AS VALUES
  ('shipped', '**`policy_has_level(org_id, l)` with its planner support (shipped)**', 1),
  ('array',   '0.2.0: `org_id = ANY (policy_orgs(l))`', 2),
  ('per_row', '`bench_may(org_id, l)`, C per row, no planner support', 3),
  ('pinned',  '`org_id = ANY (member_orgs(l))`, SET search_path', 4),
  ('v010',    '0.1.0: `org_id = ANY ((SELECT member_orgs(l))::bigint[])`, SQL functions', 5);
SELECT '| statement | policy form | member tps | superuser tps | member × superuser |';
SELECT '|---|---|---:|---:|---:|';
SELECT format('| single-row %s | %s | %s | %s | %s× |', upper(m.part), n.label, round(m.med::numeric), round(s.med::numeric),
              round((m.med / nullif(s.med, 0))::numeric, 2))
  FROM med m JOIN med s ON s.part = m.part AND s.form = m.form AND s.who = 'superuser'
  JOIN form_name n ON n.form = m.form
 WHERE m.who = 'member' AND m.part IN ('update', 'select')
 ORDER BY m.part DESC, n.pos;
SELECT '';
SELECT '| count over every row, policy in a filter | member ms | superuser ms | member × superuser | policy cost per row |';
SELECT '|---|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s× | %s ns |', n.label, round(m.med::numeric, 1), round(s.med::numeric, 1),
              round((s.med / nullif(m.med, 0))::numeric, 2),
              round(((m.med - s.med) * 1e6 / (SELECT count(*) FROM iso28000.scan_shipped))::numeric))
  FROM med m JOIN med s ON s.part = m.part AND s.form = m.form AND s.who = 'superuser'
  JOIN form_name n ON n.form = m.form
 WHERE m.who = 'member' AND m.part = 'scan'
 ORDER BY n.pos;
SELECT '';
CREATE TEMP VIEW real_med AS
  SELECT form, clients, percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS tps,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu) AS cpu
    FROM real_timing GROUP BY form, clients;
SELECT '| real register, single-row transition | clients | tps | × plain copy | backend CPU µs per transition | plain ÷ real (CPU) |';
SELECT '|---|---:|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s× | %s | %s× |',
              CASE r.form WHEN 'shipped' THEN '**policies `policy_has_level(org_id, l)` (shipped)**'
                          WHEN 'array' THEN 'policies `org_id = ANY (policy_orgs(l))` (0.2.0)'
                          ELSE 'the plain copy (no trigger, no row-level security)' END,
              r.clients, round(r.tps), round((r.tps / nullif(p.tps, 0))::numeric, 2), round(r.cpu::numeric),
              round((p.cpu / nullif(r.cpu, 0))::numeric, 2))
  FROM real_med r JOIN real_med p ON p.form = 'plain' AND p.clients = r.clients
 ORDER BY r.clients, CASE r.form WHEN 'shipped' THEN 1 WHEN 'array' THEN 2 ELSE 3 END;
SQL

{
  echo "# Row-level security benchmark"
  echo
  echo "Run by \`make bench BENCH=rls\` (bench/rls.sh) on $(nproc) cores, $(date -u +%Y-%m-%d),"
  echo "PostgreSQL $(psql -At -c 'SHOW server_version'), settings of bench/run (synchronous_commit off)."
  echo "Every number is a median of $ROUNDS rounds measured side by side in this one run, the member"
  echo "and the superuser back to back on the same table, interleaved over the policy forms."
  echo "The machine is shared: load average at the end of the run $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "on $(nproc) cores, so absolute numbers are inflated and noisy; read the ratios."
  echo
  echo "A register of $ROWS rows over 4 organisations with every trigger disabled"
  echo "(\`ALTER TABLE ... DISABLE TRIGGER USER\`), so only row-level security differs; five"
  echo "copies, one per policy form. The member is a LOGIN role with \`write\` in these four"
  echo "organisations and six more (ten, as in bench/register.sh); the superuser bypasses"
  echo "row-level security on the same table."
  echo "pgbench: one client, simple protocol, ${PGB_SECONDS} s per run, a random row by primary key."
  echo
  echo "## Single-row statements (pgbench)"
  echo
  sed -n '1,/^$/p' "$TMP/report" | sed '/^$/d'
  echo
  echo "## The policy per row: a $SCAN_ROWS-row count"
  echo
  echo "\`SELECT count(*) FROM t WHERE qty >= 0\` over $SCAN_ROWS rows: the member's policy is a"
  echo "filter evaluated on every row (the cost per row is (member − superuser) / rows)."
  echo
  sed -n '/^| count over every row/,/^$/p' "$TMP/report" | sed '/^$/d'
  echo
  echo "## The real register: single-row transitions, policy forms side by side"
  echo
  echo "\`iso28000.nonconformity\` with everything on (workflow, event log, history, notification"
  echo "outbox, acting person, row-level security), $REAL_ROWS rows of organisation 1 moved from"
  echo "\`reported\` to \`contained\` by the member (a \`write\` member of 10 organisations; the other rows are in organisations 2 to 10), its"
  echo "policies switched between the shipped form and 0.2.0's between runs, and a plain copy of"
  echo "the table (same columns, rows, indexes and CHECK constraints; no trigger, no row-level"
  echo "security). pgbench, simple protocol, ${PGB_SECONDS} s per run, medians of $ROUNDS rounds, the"
  echo "order of the forms reversed every other round. Backend CPU: /proc ticks of each client's"
  echo "backend between its first and its last 200th transaction. Load average at the end of this"
  echo "part: $LOAD_REAL_END."
  echo
  sed -n '/^| real register/,$p' "$TMP/report"
  echo
  echo "## Plans (as the member)"
  echo
  echo '```'
  cat "$TMP/plans"
  cat "$TMP/real_plans"
  echo '```'
  if [ -f bench/rls_notes.md ]; then
    echo
    cat bench/rls_notes.md
  fi
} > "$OUT"
cat "$OUT"
