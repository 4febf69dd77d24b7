-- The supply-chain graph: transitive closure both ways on a graph with cycles
-- (terminates, right answer, interdependencies), and single points of failure
-- on a small graph checked by hand.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(25);

SELECT iso28000.create_organization('GRAPH', 'Graph Ltd') AS g \gset
SELECT iso28000.create_organization('OTHER', 'Other Ltd') AS o \gset
CREATE ROLE tap_other NOLOGIN;
SELECT iso28000.grant_access(:o, 'tap_other', 'write');

-- The hand-checked graph ("X -> Y" reads "X depends on Y"):
--   F -> S1, F -> S2   critical, alternatives of group "parts"
--   S1 -> R, S2 -> R   critical (both suppliers need the same raw material)
--   F -> C             critical;  C -> P critical;  P -> C low   (cycle C, P)
--   W -> F             high (degrades W, does not stop it)
--   F -> X             low;  X -> Y critical;  Y -> X critical   (cycle X, Y)
--   Z -> X             low
-- Processes: Export needs F and W critically; Admin needs Z (medium).
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external)
SELECT :g, c, 'Node ' || c, k, k <> 'site'
  FROM (VALUES ('F', 'site'), ('S1', 'supplier'), ('S2', 'supplier'), ('R', 'supplier'),
               ('C', 'carrier'), ('P', 'port'), ('W', 'warehouse'), ('X', 'service_provider'),
               ('Y', 'service_provider'), ('Z', 'customer')) v(c, k);

CREATE TEMP VIEW nid AS
  SELECT code, node_id FROM iso28000.supply_chain_node WHERE org_id = :g;

INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality, alternative_group)
SELECT :g, a.node_id, b.node_id, v.crit, v.grp
  FROM (VALUES ('F', 'S1', 'critical', 'parts'), ('F', 'S2', 'critical', 'parts'),
               ('S1', 'R', 'critical', NULL), ('S2', 'R', 'critical', NULL),
               ('F', 'C', 'critical', NULL), ('C', 'P', 'critical', NULL), ('P', 'C', 'low', NULL),
               ('W', 'F', 'high', NULL), ('F', 'X', 'low', NULL),
               ('X', 'Y', 'critical', NULL), ('Y', 'X', 'critical', NULL), ('Z', 'X', 'low', NULL)) v(x, y, crit, grp)
  JOIN nid a ON a.code = v.x JOIN nid b ON b.code = v.y;

INSERT INTO iso28000.person (org_id, full_name) VALUES (:g, 'Owner') RETURNING person_id AS owner \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical) VALUES (:g, 'Export', :owner, true) RETURNING sms_process_id AS export \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical) VALUES (:g, 'Admin', :owner, true) RETURNING sms_process_id AS admin \gset
INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality)
SELECT :g, :export, node_id, 'critical' FROM nid WHERE code IN ('F', 'W')
UNION ALL
SELECT :g, :admin, node_id, 'medium' FROM nid WHERE code = 'Z';
-- Canteen needs W critically but is not a critical process: never a single point of failure
INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical) VALUES (:g, 'Canteen', :owner, false) RETURNING sms_process_id AS canteen \gset
INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality)
SELECT :g, :canteen, node_id, 'critical' FROM nid WHERE code = 'W';

-- closure, read both ways
SELECT results_eq(
  format($$SELECT n.code, u.criticality FROM iso28000.node_upstream(%s, (SELECT node_id FROM nid WHERE code = 'F')) u
            JOIN nid n ON n.node_id = u.upstream_node_id ORDER BY 1$$, :g),
  $$VALUES ('C', 'critical'), ('P', 'critical'), ('R', 'critical'), ('S1', 'critical'), ('S2', 'critical'),
           ('X', 'low'), ('Y', 'low')$$,
  'node_upstream(F): everything F depends on, with the strongest path''s criticality');
SELECT results_eq(
  format($$SELECT n.code, u.criticality FROM iso28000.node_upstream(%s, (SELECT node_id FROM nid WHERE code = 'C')) u
            JOIN nid n ON n.node_id = u.upstream_node_id ORDER BY 1$$, :g),
  $$VALUES ('C', 'low'), ('P', 'critical')$$,
  'node_upstream(C) terminates on the cycle C, P and lists C itself');
SELECT results_eq(
  format($$SELECT n.code, d.criticality FROM iso28000.node_downstream(%s, (SELECT node_id FROM nid WHERE code = 'R')) d
            JOIN nid n ON n.node_id = d.downstream_node_id ORDER BY 1$$, :g),
  $$VALUES ('F', 'critical'), ('S1', 'critical'), ('S2', 'critical'), ('W', 'high')$$,
  'node_downstream(R): everything that depends on R');
SELECT results_eq(
  format($$SELECT n.code FROM iso28000.node_downstream(%s, (SELECT node_id FROM nid WHERE code = 'X')) d
            JOIN nid n ON n.node_id = d.downstream_node_id ORDER BY 1$$, :g),
  $$VALUES ('F'), ('W'), ('X'), ('Y'), ('Z')$$,
  'node_downstream(X) terminates on the cycle X, Y');
SELECT is_empty(
  format($$SELECT 1 FROM iso28000.node_upstream(%s, (SELECT node_id FROM nid WHERE code = 'R'))$$, :g),
  'a node that depends on nothing has an empty upstream');

SELECT is((SELECT count(*) FROM iso28000.supply_chain_closure WHERE org_id = :g), 27::bigint,
          'the closure has the 27 pairs counted by hand (F 7, W 8, S1 1, S2 1, C 2, P 2, X 2, Y 2, Z 2)');
SELECT set_eq(
  format($$SELECT c.node_id, c.upstream_node_id, c.criticality FROM iso28000.supply_chain_closure c WHERE c.org_id = %s$$, :g),
  format($$SELECT n.node_id, u.upstream_node_id, u.criticality FROM nid n, iso28000.node_upstream(%s, n.node_id) u$$, :g),
  'the closure view agrees with node_upstream for every node');
SELECT set_eq(
  format($$SELECT c.upstream_node_id, c.node_id FROM iso28000.supply_chain_closure c WHERE c.org_id = %s$$, :g),
  format($$SELECT n.node_id, d.downstream_node_id FROM nid n, iso28000.node_downstream(%s, n.node_id) d$$, :g),
  'the closure view read backwards agrees with node_downstream');
SELECT results_eq(
  $$SELECT a.code, b.code FROM iso28000.supply_chain_closure c
      JOIN nid a ON a.node_id = c.node_id JOIN nid b ON b.node_id = c.upstream_node_id
     WHERE c.direct ORDER BY 1, 2$$,
  $$VALUES ('C', 'P'), ('F', 'C'), ('F', 'S1'), ('F', 'S2'), ('F', 'X'), ('P', 'C'), ('S1', 'R'), ('S2', 'R'),
           ('W', 'F'), ('X', 'Y'), ('Y', 'X'), ('Z', 'X')$$,
  'direct marks exactly the links');
SELECT results_eq(
  $$SELECT node_code, interdependent_node_code, criticality FROM iso28000.supply_chain_interdependency ORDER BY 1, 2$$,
  $$VALUES ('C', 'C', 'low'), ('C', 'P', 'critical'), ('P', 'C', 'low'), ('P', 'P', 'low'),
           ('X', 'X', 'critical'), ('X', 'Y', 'critical'), ('Y', 'X', 'critical'), ('Y', 'Y', 'critical')$$,
  'the interdependencies are the two cycles, each pair both ways');

-- a ring of 60 nodes with chords: every node reaches every node, and the walk ends
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind)
SELECT :o, 'R' || i, 'Ring ' || i, 'site' FROM generate_series(1, 60) i;
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id)
SELECT :o, a.node_id, b.node_id
  FROM generate_series(1, 60) i
  JOIN iso28000.supply_chain_node a ON a.org_id = :o AND a.code = 'R' || i
  JOIN iso28000.supply_chain_node b ON b.org_id = :o
   AND b.code IN ('R' || (i % 60 + 1), 'R' || ((i + 6) % 60 + 1));
SELECT is((SELECT count(*) FROM iso28000.supply_chain_closure WHERE org_id = :o), 3600::bigint,
          'on a ring with chords the closure is every ordered pair, itself included');
SELECT is((SELECT count(*) FROM iso28000.node_upstream(:o, (SELECT node_id FROM iso28000.supply_chain_node WHERE org_id = :o AND code = 'R1'))),
          60::bigint, 'node_upstream on the ring lists all 60 nodes once');

-- the C walk behind node_upstream/node_downstream agrees with the recursive SQL
-- of the closure view on a random graph of 150 nodes and about 600 links with cycles
SELECT iso28000.create_organization('RAND', 'Random Ltd') AS r \gset
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind)
SELECT :r, 'X' || i, 'Random ' || i, 'site' FROM generate_series(1, 150) i;
CREATE TEMP TABLE rnid AS SELECT node_id, row_number() OVER (ORDER BY node_id) AS i
  FROM iso28000.supply_chain_node WHERE org_id = :r;
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality)
SELECT :r, a.node_id, b.node_id, (ARRAY['low', 'medium', 'high', 'critical'])[1 + (hashint4(a.i::int * 3 + k) & 3)]
  FROM rnid a, generate_series(1, 4) k, rnid b
 WHERE b.i = 1 + (hashint4(a.i::int * 17 + k * 101) & 2147483647) % 150 AND b.node_id <> a.node_id
ON CONFLICT DO NOTHING;
ANALYZE iso28000.supply_chain_dependency;
ANALYZE rnid;
SELECT cmp_ok((SELECT count(*) FROM iso28000.supply_chain_dependency WHERE org_id = :r), '>', 500::bigint,
              'the random graph has over 500 links');
SELECT set_eq(
  format($$SELECT c.node_id, c.upstream_node_id, c.criticality FROM iso28000.supply_chain_closure c WHERE c.org_id = %s$$, :r),
  format($$SELECT n.node_id, u.upstream_node_id, u.criticality FROM rnid n, iso28000.node_upstream(%s, n.node_id) u$$, :r),
  'on the random graph node_upstream (C) and the closure view (SQL) agree pair by pair, criticality included');
SELECT set_eq(
  format($$SELECT c.upstream_node_id, c.node_id, c.criticality FROM iso28000.supply_chain_closure c WHERE c.org_id = %s$$, :r),
  format($$SELECT n.node_id, d.downstream_node_id, d.criticality FROM rnid n, iso28000.node_downstream(%s, n.node_id) d$$, :r),
  'and node_downstream agrees with the closure view read backwards');
SELECT is_empty(format('SELECT 1 FROM iso28000.supply_chain_reach(%s, -1)', :r), 'an unknown node reaches nothing');

-- single points of failure, checked by hand:
--   F and W: Export needs them directly.  R: both suppliers stop, so F stops.
--   C: F stops.  P: C stops, so F stops.  S1, S2: each has an alternative.
--   X, Y: only a low link from F.  Z: Admin's need is not critical.
SELECT results_eq(
  format($$SELECT node_code, process_name, nodes_lost FROM iso28000.single_point_of_failure WHERE org_id = %s ORDER BY 1$$, :g),
  $$VALUES ('C', 'Export', 2), ('F', 'Export', 1), ('P', 'Export', 3), ('R', 'Export', 4), ('W', 'Export', 1)$$,
  'single points of failure of the hand-checked graph, with the nodes that stop with each');
SELECT results_eq(
  format($$SELECT i.kind, coalesce(n.code, p.name) FROM iso28000.node_loss_impact(%s,
             ARRAY(SELECT node_id FROM nid WHERE code IN ('S1', 'S2'))) i
           LEFT JOIN nid n ON i.kind = 'node' AND n.node_id = i.id
           LEFT JOIN iso28000.sms_process p ON i.kind = 'process' AND p.sms_process_id = i.id ORDER BY 1, 2$$, :g),
  $$VALUES ('node', 'F'), ('node', 'S1'), ('node', 'S2'), ('process', 'Export')$$,
  'losing both alternatives together stops F and cuts Export');
SELECT results_eq(
  format($$SELECT i.kind, n.code FROM iso28000.node_loss_impact(%s, ARRAY(SELECT node_id FROM nid WHERE code = 'Y')) i
           JOIN nid n ON n.node_id = i.id ORDER BY 2$$, :g),
  $$VALUES ('node', 'X'), ('node', 'Y')$$,
  'failure propagates around a critical cycle and stops there');

SELECT results_eq(
  format($$SELECT i.kind, coalesce(n.code, p.name) FROM iso28000.node_loss_impact(%s, ARRAY(SELECT node_id FROM nid WHERE code = 'W')) i
           LEFT JOIN nid n ON i.kind = 'node' AND n.node_id = i.id
           LEFT JOIN iso28000.sms_process p ON i.kind = 'process' AND p.sms_process_id = i.id ORDER BY 1, 2$$, :g),
  $$VALUES ('node', 'W'), ('process', 'Canteen'), ('process', 'Export')$$,
  'node_loss_impact lists every process cut, critical or not');

-- adding an alternative carrier removes C as a single point of failure, not P
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external) VALUES (:g, 'C2', 'Node C2', 'carrier', true);
UPDATE iso28000.supply_chain_dependency SET alternative_group = 'carriage'
 WHERE org_id = :g AND node_id = (SELECT node_id FROM nid WHERE code = 'F')
   AND depends_on_id = (SELECT node_id FROM nid WHERE code = 'C');
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality, alternative_group)
SELECT :g, (SELECT node_id FROM nid WHERE code = 'F'), (SELECT node_id FROM nid WHERE code = 'C2'), 'critical', 'carriage';
SELECT results_eq(
  format($$SELECT node_code FROM iso28000.single_point_of_failure WHERE org_id = %s ORDER BY 1$$, :g),
  $$VALUES ('F'::text), ('R'), ('W')$$,
  'with an alternative carrier neither C, C2 nor P is a single point of failure');

-- the views and functions respect row-level security
SELECT node_id AS f FROM nid WHERE code = 'F' \gset
SET SESSION AUTHORIZATION tap_other;
SELECT is_empty(format('SELECT 1 FROM iso28000.supply_chain_closure WHERE org_id = %s', :g),
                'another organisation''s member sees none of the closure');
SELECT is_empty(format('SELECT 1 FROM iso28000.node_upstream(%s, %s)', :g, :f),
                'node_upstream reads through row-level security');
SELECT is_empty('SELECT 1 FROM iso28000.single_point_of_failure', 'nor any single point of failure');
SELECT is_empty('SELECT 1 FROM iso28000.supply_chain_interdependency WHERE node_code NOT LIKE ''R%''',
                'nor any interdependency of the other organisation');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
