-- Single points of failure in C (src/spof.c) against two slow references
-- written here in SQL, on hand-made graphs (diamond, chain, cycles that keep
-- each other supplied, ANDs of needs, interdependencies, unreachable nodes)
-- and on seeded random graphs of a few dozen nodes with cycles.
--   ref_impact: for every node, node_loss_impact(org, ARRAY[node]) (the
--               propagation of 0.1.0, unchanged), critical processes in use only.
--   ref_works:  for every node, the opposite view: start with every other node
--               working and remove, until nothing changes, each node one of
--               whose critical needs has no working alternative left.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(35);

CREATE FUNCTION pg_temp.ref_impact(org bigint)
RETURNS TABLE (node_id bigint, sms_process_id bigint, nodes_lost integer)
LANGUAGE sql AS $$
  SELECT n.node_id, c.id, (SELECT count(*)::integer FROM iso28000.node_loss_impact(org, ARRAY[n.node_id]) i
                            WHERE i.kind = 'node')
    FROM iso28000.supply_chain_node n
   CROSS JOIN LATERAL iso28000.node_loss_impact(org, ARRAY[n.node_id]) c
    JOIN iso28000.sms_process p ON p.org_id = org AND p.sms_process_id = c.id
   WHERE n.org_id = org AND c.kind = 'process' AND p.critical AND p.retired_on IS NULL
$$;

CREATE FUNCTION pg_temp.ref_works(org bigint)
RETURNS TABLE (node_id bigint, sms_process_id bigint, nodes_lost integer)
LANGUAGE plpgsql AS $$
DECLARE
  lost bigint;
  working bigint[];
  stopped bigint[];
BEGIN
  FOR lost IN SELECT n.node_id FROM iso28000.supply_chain_node n WHERE n.org_id = org ORDER BY 1 LOOP
    SELECT array_agg(n.node_id) INTO working FROM iso28000.supply_chain_node n
     WHERE n.org_id = org AND n.node_id <> lost;
    LOOP
      -- nodes with a critical need none of whose alternatives still works
      SELECT array_agg(DISTINCT d.node_id) INTO stopped
        FROM (SELECT d.node_id FROM iso28000.supply_chain_dependency d
               WHERE d.org_id = org AND d.node_id = ANY (working)
               GROUP BY d.node_id, coalesce(d.alternative_group, 'link ' || d.dependency_id)
              HAVING bool_or(d.criticality = 'critical')
                 AND NOT bool_or(d.depends_on_id = ANY (working))) d;
      EXIT WHEN stopped IS NULL;
      SELECT array_agg(w) INTO working FROM unnest(working) w WHERE NOT w = ANY (stopped);
      working := coalesce(working, '{}');
    END LOOP;
    RETURN QUERY
      SELECT lost, p.sms_process_id,
             (SELECT count(*)::integer FROM iso28000.supply_chain_node n
               WHERE n.org_id = org AND NOT n.node_id = ANY (working))
        FROM iso28000.sms_process p
       WHERE p.org_id = org AND p.critical AND p.retired_on IS NULL
         AND EXISTS (SELECT 1 FROM iso28000.process_dependency pd
                      WHERE pd.org_id = org AND pd.sms_process_id = p.sms_process_id
                      GROUP BY coalesce(pd.alternative_group, 'link ' || pd.process_dependency_id)
                     HAVING bool_or(pd.criticality = 'critical')
                        AND NOT bool_or(pd.node_id = ANY (working)));
  END LOOP;
END $$;

-- A hand-made graph: nodes by code, links "X>Y" (X needs Y) with criticality and group.
CREATE FUNCTION pg_temp.graph(code text, nodes text[], links text[][], procs text[][])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  org bigint := iso28000.create_organization(code, code || ' Ltd');
  owner bigint;
  l text[];
BEGIN
  INSERT INTO iso28000.person (org_id, full_name) VALUES (org, 'Owner') RETURNING person_id INTO owner;
  INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind)
  SELECT org, c, 'Node ' || c, 'site' FROM unnest(nodes) c;
  FOREACH l SLICE 1 IN ARRAY links LOOP
    INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality, alternative_group)
    SELECT org, a.node_id, b.node_id, l[3], nullif(l[4], '')
      FROM iso28000.supply_chain_node a, iso28000.supply_chain_node b
     WHERE a.org_id = org AND b.org_id = org AND a.code = l[1] AND b.code = l[2];
  END LOOP;
  -- processes: name, critical (t/f/retired), node, criticality, group
  FOREACH l SLICE 1 IN ARRAY procs LOOP
    INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical, retired_on)
    VALUES (org, l[1], owner, l[2] <> 'f', CASE WHEN l[2] = 'retired' THEN current_date END)
    ON CONFLICT DO NOTHING;
    INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality, alternative_group)
    SELECT org, p.sms_process_id, n.node_id, l[4], nullif(l[5], '')
      FROM iso28000.sms_process p, iso28000.supply_chain_node n
     WHERE p.org_id = org AND n.org_id = org AND p.name = l[1] AND n.code = l[3];
  END LOOP;
  RETURN org;
END $$;

-- What the C function says, by codes, ordered.
CREATE FUNCTION pg_temp.spof(org bigint, fn text DEFAULT 'iso28000.single_points_of_failure')
RETURNS TABLE (node text, process text, lost integer) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT n.code, p.name, s.nodes_lost FROM %s($1) s
       JOIN iso28000.supply_chain_node n ON n.org_id = $1 AND n.node_id = s.node_id
       JOIN iso28000.sms_process p ON p.org_id = $1 AND p.sms_process_id = s.sms_process_id
      ORDER BY 1, 2', fn) USING org;
END $$;

-- Both references and the function agree, row for row.
CREATE FUNCTION pg_temp.agree(org bigint, what text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
  RETURN NEXT results_eq(format('SELECT * FROM iso28000.single_points_of_failure(%s) ORDER BY 1, 2', org),
                         format('SELECT * FROM pg_temp.ref_impact(%s) ORDER BY 1, 2', org),
                         what || ': the C function agrees with node_loss_impact for every node');
  RETURN NEXT results_eq(format('SELECT * FROM pg_temp.ref_works(%s) ORDER BY 1, 2', org),
                         format('SELECT * FROM pg_temp.ref_impact(%s) ORDER BY 1, 2', org),
                         what || ': and the two references agree with each other');
END $$;

-- 1. a diamond: F needs A or B, each needs R; the process needs F
SELECT pg_temp.graph('DIAMOND', '{F,A,B,R,U}',
  '{{F,A,critical,ab},{F,B,low,ab},{A,R,critical,""},{B,R,critical,""},{U,R,critical,""}}',
  '{{Make,t,F,critical,""}}') AS diamond \gset
SELECT results_eq('SELECT * FROM pg_temp.spof(' || :diamond || ')',
  $$VALUES ('F', 'Make', 1), ('R', 'Make', 5)$$,
  'diamond: the join R and F itself, not the alternatives A and B; R stops all five (U too)');
SELECT * FROM pg_temp.agree(:diamond, 'diamond');

-- 2. a chain of 30 single needs under a process: every node, losing i stops 31 - i
SELECT pg_temp.graph('CHAIN', ARRAY(SELECT 'C' || i FROM generate_series(1, 30) i),
  ARRAY(SELECT ARRAY['C' || i, 'C' || (i + 1), 'critical', ''] FROM generate_series(1, 29) i),
  '{{Run,t,C1,critical,""}}') AS chain \gset
SELECT results_eq('SELECT lost FROM pg_temp.spof(' || :chain || ') ORDER BY 1',
  'SELECT i FROM generate_series(1, 30) i', 'chain: each node stops itself and everything above it');
SELECT * FROM pg_temp.agree(:chain, 'chain');

-- 3. cycles that keep each other supplied: A needs B; B needs A or C; C needs D.
-- Losing C or D stops nothing (A and B supply each other); losing B stops A.
-- Q and S need each other critically and T needs Q: losing either stops both, and T.
SELECT pg_temp.graph('CYCLE', '{A,B,C,D,Q,S,T}',
  '{{A,B,critical,""},{B,A,critical,ab},{B,C,critical,ab},{C,D,critical,""},{Q,S,critical,""},{S,Q,critical,""},{T,Q,critical,""}}',
  '{{Run,t,A,critical,""},{Ship,t,T,critical,""}}') AS cyc \gset
SELECT results_eq('SELECT * FROM pg_temp.spof(' || :cyc || ')',
  $$VALUES ('A', 'Run', 1), ('B', 'Run', 2), ('Q', 'Ship', 3), ('S', 'Ship', 3), ('T', 'Ship', 1)$$,
  'cycles: a cycle keeps itself supplied (C, D are no single points); an interdependency fails as one');
SELECT * FROM pg_temp.agree(:cyc, 'cycles');

-- 4. ANDs of needs, unreachable nodes and process alternatives:
-- H needs J and K (two needs); J and K both need L; M, N, O are unconnected;
-- Pack needs H or O (alternatives), Load needs K and is not critical, Old is retired.
SELECT pg_temp.graph('ANDS', '{H,J,K,L,M,N,O}',
  '{{H,J,critical,""},{H,K,critical,""},{J,L,critical,""},{K,L,high,""},{M,N,critical,""}}',
  '{{Pack,t,H,critical,alt},{Pack,t,O,medium,alt},{Load,f,K,critical,""},{Old,retired,J,critical,""},{Send,t,J,critical,""},{Send,t,K,critical,""}}') AS ands \gset
SELECT results_eq('SELECT * FROM pg_temp.spof(' || :ands || ')',
  $$VALUES ('J', 'Send', 2), ('K', 'Send', 2), ('L', 'Send', 3)$$,
  'ANDs: J and K each cut Send; L stops J, and so H and Send; Pack keeps O; Load, Old do not count');
SELECT * FROM pg_temp.agree(:ands, 'ANDs');

-- 5. self-loops cannot be stored, so no graph has one
SELECT throws_ok(
  format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality)
           SELECT %s, node_id, node_id, 'critical' FROM iso28000.supply_chain_node WHERE org_id = %s AND code = 'A'$$, :cyc, :cyc),
  '23514', NULL, 'a node cannot depend on itself (supply_chain_dependency_self_check)');

-- 6. seeded random graphs of 40 nodes: mostly short forward links (chains, diamonds),
-- some anywhere (cycles), mixed criticality and alternative groups, four processes
CREATE FUNCTION pg_temp.random_graph(seed double precision) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  org bigint := iso28000.create_organization('RND' || (seed * 1000)::int, 'Random ' || seed);
  owner bigint;
BEGIN
  PERFORM setseed(seed);
  INSERT INTO iso28000.person (org_id, full_name) VALUES (org, 'Owner') RETURNING person_id INTO owner;
  INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind)
  SELECT org, 'N' || i, 'Node ' || i, 'site' FROM generate_series(1, 40) i;
  INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality, alternative_group)
  SELECT org, a.node_id, b.node_id, r.crit, r.grp
    FROM (SELECT i, CASE WHEN random() < 0.8 THEN i + 1 + floor(random() * 3)::int
                         ELSE 1 + floor(random() * 40)::int END AS j,
                 (ARRAY['low', 'medium', 'high', 'critical', 'critical', 'critical'])[1 + floor(random() * 6)::int] AS crit,
                 (ARRAY[NULL, NULL, NULL, 'g1', 'g1', 'g2'])[1 + floor(random() * 6)::int] AS grp
            FROM generate_series(1, 40) i, generate_series(1, 2) k) r
    JOIN iso28000.supply_chain_node a ON a.org_id = org AND a.code = 'N' || r.i
    JOIN iso28000.supply_chain_node b ON b.org_id = org AND b.code = 'N' || r.j
   WHERE r.i <> r.j
  ON CONFLICT DO NOTHING;
  INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical, retired_on)
  VALUES (org, 'P1', owner, true, NULL), (org, 'P2', owner, true, NULL),
         (org, 'P3', owner, false, NULL), (org, 'P4', owner, true, current_date);
  INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality, alternative_group)
  SELECT org, p.sms_process_id, n.node_id, r.crit, r.grp
    FROM (SELECT 'P' || (1 + floor(random() * 4)::int) AS proc, 1 + floor(random() * 10)::int AS j,
                 (ARRAY['medium', 'critical', 'critical'])[1 + floor(random() * 3)::int] AS crit,
                 (ARRAY[NULL, NULL, 'a'])[1 + floor(random() * 3)::int] AS grp
            FROM generate_series(1, 10)) r
    JOIN iso28000.sms_process p ON p.org_id = org AND p.name = r.proc
    JOIN iso28000.supply_chain_node n ON n.org_id = org AND n.code = 'N' || r.j
  ON CONFLICT DO NOTHING;
  RETURN org;
END $$;

CREATE TEMP TABLE seeds AS
SELECT s, pg_temp.random_graph(s) AS org FROM unnest(ARRAY[0.11, 0.23, 0.37, 0.41, 0.53, 0.67, 0.79, 0.83, 0.97]) s;
SELECT cmp_ok((SELECT count(*) FROM seeds s, iso28000.single_points_of_failure(s.org)), '>', 40::bigint,
              'the random graphs have single points of failure to compare');
SELECT cmp_ok((SELECT count(*) FROM seeds s, iso28000.supply_chain_interdependency i WHERE i.org_id = s.org),
              '>', 0::bigint, 'and cycles');
SELECT pg_temp.agree(org, 'random graph, seed ' || s) FROM seeds ORDER BY s;

-- 7. the rows come ordered by node, then process, as 0.1.0 returned them
SELECT results_eq(
  format('SELECT node_id, sms_process_id FROM iso28000.single_points_of_failure(%s)', (SELECT org FROM seeds ORDER BY s LIMIT 1)),
  format('SELECT node_id, sms_process_id FROM iso28000.single_points_of_failure(%s) ORDER BY 1, 2', (SELECT org FROM seeds ORDER BY s LIMIT 1)),
  'rows ordered by node, then process');

-- 8. row-level security: a member of another organisation sees nothing of it
CREATE ROLE tap_spof_other NOLOGIN;
SELECT iso28000.grant_access(iso28000.create_organization('SPOF_OTHER', 'Other'), 'tap_spof_other', 'read');
SET LOCAL ROLE tap_spof_other;
SELECT is_empty('SELECT 1 FROM iso28000.single_points_of_failure(' || :chain || ')',
                'the function reads through row-level security');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
