-- clause_ref: input and output, binary I/O, ordering, operators, hierarchy
-- functions, casts, index support and every kind of bad input.
SET search_path = iso28000, pg_catalog;

-- Input and output: the text form is canonical, so output equals input.
SELECT c, c::clause_ref AS value, c::clause_ref::text = c AS round_trips,
       depth(c::clause_ref), annex(c::clause_ref)
  FROM (VALUES ('4'), ('8.6.4'), ('10.2'), ('A.5.1'), ('1'), ('255'),
               ('1.2.3.4.5.6'), ('255.255.255.255.255.255'), ('B.1'),
               ('Z.255.255.255.255.255.255'), ('100.20.3')) v(c);

-- Fixed size, passed by value, btree and hash opclasses.
SELECT typlen, typbyval, typalign, typstorage FROM pg_type WHERE oid = 'clause_ref'::regtype;
SELECT pg_column_size('8.6.4'::clause_ref);
SELECT amname, opcname, opcdefault
  FROM pg_opclass JOIN pg_am ON pg_am.oid = opcmethod
 WHERE opcintype = 'clause_ref'::regtype ORDER BY amname;

-- Binary output is the packed value, big-endian: annex, levels 1..6, 0.
SELECT c, clause_ref_send(c::clause_ref)
  FROM (VALUES ('4'), ('8.6.4'), ('10.2'), ('A.5.1'), ('255.255.255.255.255.255')) v(c);

-- Ordering is hierarchical and numeric, annexes after the numbered body.
SELECT c FROM unnest('{10.1,A.1,4.1.1,9.3.3,B.1,4,10,4.2,4.1,A.5.1,A.5,255}'::clause_ref[]) c
 ORDER BY c;
SELECT '4'::clause_ref < '4.1' AND '4.1' < '4.1.1'::clause_ref AND '4.1.1' < '4.2'::clause_ref
   AND '4.2' < '9.3.3'::clause_ref AND '9.3.3' < '10'::clause_ref AND '10' < '10.1'::clause_ref
   AND '10.1' < 'A.1'::clause_ref AND 'A.255' < 'B.1'::clause_ref AS chain_holds;

-- Every clause of the ISO 28000:2022 catalog, in document order (seq), then
-- shuffled deterministically: sorting the shuffled clause_refs gives back the
-- document order, which sorting them as text does not.
CREATE TEMP TABLE catalog_clause (seq integer, clause text);
INSERT INTO catalog_clause VALUES
  (1, '1'),
  (2, '2'),
  (3, '3'),
  (4, '4'),
  (5, '4.1'),
  (6, '4.2'),
  (7, '4.2.1'),
  (8, '4.2.2'),
  (9, '4.2.3'),
  (10, '4.3'),
  (11, '4.4'),
  (12, '5'),
  (13, '5.1'),
  (14, '5.2'),
  (15, '5.2.1'),
  (16, '5.2.2'),
  (17, '5.3'),
  (18, '6'),
  (19, '6.1'),
  (20, '6.1.1'),
  (21, '6.1.2'),
  (22, '6.1.3'),
  (23, '6.2'),
  (24, '6.2.1'),
  (25, '6.2.2'),
  (26, '6.3'),
  (27, '7'),
  (28, '7.1'),
  (29, '7.2'),
  (30, '7.3'),
  (31, '7.4'),
  (32, '7.5'),
  (33, '7.5.1'),
  (34, '7.5.2'),
  (35, '7.5.3'),
  (36, '8'),
  (37, '8.1'),
  (38, '8.2'),
  (39, '8.3'),
  (40, '8.4'),
  (41, '8.5'),
  (42, '8.5.1'),
  (43, '8.5.2'),
  (44, '8.5.3'),
  (45, '8.6'),
  (46, '8.6.1'),
  (47, '8.6.2'),
  (48, '8.6.3'),
  (49, '8.6.4'),
  (50, '8.6.5'),
  (51, '9'),
  (52, '9.1'),
  (53, '9.2'),
  (54, '9.2.1'),
  (55, '9.2.2'),
  (56, '9.3'),
  (57, '9.3.1'),
  (58, '9.3.2'),
  (59, '9.3.3'),
  (60, '10'),
  (61, '10.1'),
  (62, '10.2');
SELECT count(*) AS clauses FROM catalog_clause;
CREATE TEMP TABLE shuffled AS
  SELECT clause::clause_ref AS c FROM catalog_clause ORDER BY md5(clause);
SELECT array_agg(clause ORDER BY seq) <> (SELECT array_agg(c::text) FROM shuffled)
       AS input_is_shuffled,
       array_agg(clause ORDER BY seq) = (SELECT array_agg(c::text ORDER BY c) FROM shuffled)
       AS clause_ref_sort_is_document_order,
       array_agg(clause ORDER BY seq) = (SELECT array_agg(c::text ORDER BY c::text COLLATE "C") FROM shuffled)
       AS text_sort_is_document_order
  FROM catalog_clause;
-- Same through a btree index (index order).
CREATE TEMP TABLE sorted_by_index AS SELECT c FROM shuffled;
CREATE INDEX ON sorted_by_index (c);
SET enable_seqscan = off;
SELECT array_agg(clause ORDER BY seq) = (SELECT array_agg(c::text) FROM (SELECT c FROM sorted_by_index ORDER BY c) s)
       AS index_order_is_document_order
  FROM catalog_clause;
RESET enable_seqscan;

-- Comparison operators and containment on pairs.
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
       clause_ref_cmp(a, b) AS cmp, a @> b AS contains, a <@ b AS contained
  FROM (VALUES ('8.6'::clause_ref, '8.6'::clause_ref), ('8.6', '8.6.4'), ('8.6.4', '8.6'),
               ('8', '8.6.4'), ('8.6', '8.60'), ('9.3.3', '10'), ('10', '10.1'),
               ('10.2', 'A.1'), ('A.5', 'A.5.1'), ('A.5', 'B.5.1'), ('5', 'A.5'),
               ('1', '255.255.255.255.255.255')) v(a, b);

-- min and max follow the hierarchical order (and use a btree index).
SELECT min(c), max(c), min(c) FILTER (WHERE c > '9.3.3') FROM shuffled;

-- min and max have a combine function: a parallel plan aggregates in the
-- workers (Partial Aggregate) and gives the same answer.  (A temporary table
-- cannot be scanned in parallel, hence a plain one, dropped at once.)
CREATE TABLE clause_ref_parallel_test AS SELECT c FROM shuffled, generate_series(1, 100);
ANALYZE clause_ref_parallel_test;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT min(c), max(c), count(*) FILTER (WHERE c <@ '8') FROM clause_ref_parallel_test;
SELECT min(c), max(c), count(*) FILTER (WHERE c <@ '8') FROM clause_ref_parallel_test;
RESET parallel_setup_cost; RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;
DROP TABLE clause_ref_parallel_test;

-- Hierarchy functions.
SELECT c, depth(c), parent(c), top_level(c), ancestor(c, 1) AS a1, ancestor(c, 2) AS a2,
       ancestor(c, 3) AS a3, ancestor(c, 7) AS a7, last_descendant(c), annex(c)
  FROM unnest('{4,8.6,8.6.4,10.2,A.5,A.5.1,1.2.3.4.5.6}'::clause_ref[]) c;
-- c <@ a exactly when a <= c <= last_descendant(a), on every catalog pair.
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (c <@ a) <> (c >= a AND c <= last_descendant(a))) AS mismatches,
       count(*) FILTER (WHERE c <@ a) AS contained_pairs,
       count(*) FILTER (WHERE (c <@ a) <> (a @> c)) AS commutator_mismatches,
       count(*) FILTER (WHERE (c <@ a) <> (c::text = a::text OR c::text LIKE a::text || '.%')) AS text_prefix_mismatches
  FROM shuffled s1(c), shuffled s2(a);
-- NULL in, NULL out.
SELECT depth(NULL), parent(NULL), ancestor('8.6', NULL), NULL::clause_ref @> '8';

-- Casts to and from text, and assignment from a text column.
SELECT '8.6.4'::text::clause_ref, clause_ref('A.5.1'), text('10.2'::clause_ref),
       pg_typeof('8.6.4'::clause_ref::text);
CREATE TEMP TABLE assigned (c clause_ref);
INSERT INTO assigned SELECT clause FROM catalog_clause WHERE seq <= 3;
SELECT c FROM assigned ORDER BY c;
SELECT castcontext, castsource::regtype, casttarget::regtype FROM pg_cast
 WHERE castsource = 'clause_ref'::regtype OR casttarget = 'clause_ref'::regtype
 ORDER BY 2, 3;

-- Hashing is hashint8 of the packed value; hash joins, hash aggregates,
-- merge joins and hash indexes work.
SELECT clause_ref_hash('8.6.4') = hashint8((x'0008060400000000')::bigint) AS hash_is_hashint8,
       clause_ref_hash_extended('8.6.4', 42) = hashint8extended((x'0008060400000000')::bigint, 42) AS extended_is_hashint8;
SET enable_mergejoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM shuffled s1 JOIN shuffled s2 ON s1.c = s2.c;
SELECT count(*) FROM shuffled s1 JOIN shuffled s2 ON s1.c = s2.c;
RESET enable_mergejoin; SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM shuffled s1 JOIN shuffled s2 ON s1.c = s2.c;
SELECT count(*) FROM shuffled s1 JOIN shuffled s2 ON s1.c = s2.c;
RESET enable_hashjoin; RESET enable_nestloop;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT top_level(c), count(*) FROM shuffled GROUP BY 1;
SELECT top_level(c), count(*) FROM shuffled GROUP BY 1 ORDER BY 1;
RESET enable_sort;
CREATE TEMP TABLE hashed AS SELECT c FROM shuffled;
CREATE INDEX hashed_c ON hashed USING hash (c);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT c FROM hashed WHERE c = '8.6.4';
SELECT c FROM hashed WHERE c = '8.6.4';
RESET enable_seqscan;

-- A plain btree index answers c <@ a and a @> c with a range scan, and
-- c @> a with an array of the ancestors, through the planner support
-- functions of <@ and @>.  The conditions are exact: an index scan needs no
-- filter (a bitmap heap scan rechecks, as it does for LIKE 'abc%').
CREATE TEMP TABLE ref_index AS
  SELECT c, n FROM shuffled, generate_series(1, 50) n;
CREATE INDEX ref_index_c ON ref_index (c);
ANALYZE ref_index;
SET enable_bitmapscan = off; SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM ref_index WHERE c <@ '8.6';
EXPLAIN (COSTS OFF) SELECT * FROM ref_index WHERE '8.6' @> c;
EXPLAIN (COSTS OFF) SELECT * FROM ref_index WHERE c <@ '1.2.3.4.5.6';
EXPLAIN (COSTS OFF) SELECT * FROM ref_index WHERE c @> '8.6.4';
EXPLAIN (COSTS OFF) SELECT * FROM ref_index WHERE '8.6.4' <@ c;
RESET enable_bitmapscan; RESET enable_seqscan;
EXPLAIN (COSTS OFF) SELECT * FROM ref_index WHERE c <@ '8.6';
SELECT count(*), min(c), max(c) FROM ref_index WHERE c <@ '8.6';
SELECT count(*), min(c), max(c) FROM ref_index WHERE '8.6' @> c;
SELECT c, count(*) FROM ref_index WHERE c @> '8.6.4' GROUP BY c ORDER BY c;
-- The index gives the same rows as a sequential scan, for every catalog clause.
SET enable_seqscan = off;
CREATE TEMP TABLE via_index AS
  SELECT a.c AS a, (SELECT count(*) FROM ref_index r WHERE r.c <@ a.c) AS below,
         (SELECT count(*) FROM ref_index r WHERE r.c @> a.c) AS above
    FROM shuffled a;
RESET enable_seqscan;
SET enable_indexscan = off; SET enable_bitmapscan = off;
SELECT count(*) AS clauses, sum(below) AS below, sum(above) AS above,
       count(*) FILTER (WHERE below <> (SELECT count(*) FROM ref_index r WHERE r.c <@ a)
                           OR above <> (SELECT count(*) FROM ref_index r WHERE r.c @> a)) AS mismatches
  FROM via_index;
RESET enable_indexscan; RESET enable_bitmapscan;
-- A parameter or an outer column is bounded at run time by last_descendant().
PREPARE below(clause_ref) AS SELECT count(*) FROM ref_index WHERE c <@ $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE below('8.6');
EXECUTE below('8.6');
RESET plan_cache_mode;
DEALLOCATE below;
-- (The outer side is read through an index and the aggregate is pinned, so
-- that no plan node is disabled: PostgreSQL 18 marks those in EXPLAIN.)
CREATE INDEX catalog_clause_seq ON catalog_clause (seq);
SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_seqscan = off;
SET enable_bitmapscan = off; SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
  SELECT a.c, count(*) FROM catalog_clause k JOIN LATERAL (SELECT k.clause::clause_ref AS c) a ON true
    JOIN ref_index r ON r.c <@ a.c WHERE k.seq < 5 GROUP BY a.c;
RESET enable_hashjoin; RESET enable_mergejoin; RESET enable_seqscan;
RESET enable_bitmapscan; RESET enable_hashagg;
DROP INDEX catalog_clause_seq;
-- Selectivity comes from the column statistics (6 of the 62 clauses, 300 of
-- the 3100 rows, are under 8.6; 3 of them contain 8.6.4).
CREATE FUNCTION pg_temp.estimated_rows(query text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan->0->'Plan'->>'Plan Rows')::bigint;
END $$;
SELECT q, pg_temp.estimated_rows(q)
  FROM (VALUES ($$SELECT * FROM ref_index WHERE c <@ '8.6'$$),
               ($$SELECT * FROM ref_index WHERE '8.6' @> c$$),
               ($$SELECT * FROM ref_index WHERE c <@ '8'$$),
               ($$SELECT * FROM ref_index WHERE c <@ '10.2'$$),
               ($$SELECT * FROM ref_index WHERE c @> '8.6.4'$$),
               ($$SELECT * FROM ref_index WHERE '8.6.4' <@ c$$)) v(q);

-- A join d <@ a is estimated as d = a times the average depth of d (from
-- its statistics): 7000 rows here, where contjoinsel would say 192.
ANALYZE shuffled;
SELECT q, pg_temp.estimated_rows(q) AS estimated
  FROM (VALUES ($$SELECT * FROM ref_index r JOIN shuffled a ON r.c <@ a.c$$),
               ($$SELECT * FROM ref_index r JOIN shuffled a ON a.c @> r.c$$),
               ($$SELECT * FROM shuffled a JOIN shuffled d ON d.c <@ a.c$$)) v(q);
SELECT (SELECT count(*) FROM ref_index r JOIN shuffled a ON r.c <@ a.c) AS actual,
       (SELECT count(*) FROM shuffled a JOIN shuffled d ON d.c <@ a.c) AS actual_catalog;

-- Bad input: 22P02 for syntax, 22003 for a level out of range, with the input
-- quoted (clipped past 64 bytes) and a detail that says what is wrong.
CREATE FUNCTION pg_temp.try_input(t text, OUT state text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM t::clause_ref;
  state := 'accepted';
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL;
END $$;
SELECT label, (pg_temp.try_input(t)).*
  FROM (VALUES ('empty', ''), ('space', ' '), ('leading space', ' 8.6'),
               ('trailing space', '8.6 '), ('inner space', '8. 6'), ('tab', E'8\t6'),
               ('newline', E'8.6\n'), ('double dot', '8..1'), ('trailing dot', '8.'),
               ('leading dot', '.8'), ('lone dot', '.'), ('zero', '0'), ('zero level', '8.0'),
               ('256', '256'), ('level 3 is 256', '8.6.256'), ('huge level', '99999999999999999999'),
               ('leading zero', '08'), ('leading zero level', '8.06'), ('double zero', '00'),
               ('seven levels', '1.2.3.4.5.6.7'), ('annex alone', 'A'), ('annex and dot', 'A.'),
               ('annex double dot', 'A..1'), ('annex no dot', 'A5'), ('two letters', 'AB.1'),
               ('annex seven levels', 'A.1.2.3.4.5.6.7'), ('annex zero', 'A.0'),
               ('lower-case annex', 'a.5.1'), ('lower-case alone', 'a'), ('letter inside', '8.A'),
               ('trailing garbage', '8.6x'), ('trailing garbage 2', '8.6.4;'), ('sign', '-8'),
               ('plus', '+8'), ('decimal comma', '8,6'), ('NUL-like backslash zero', '8\0'),
               ('NUL-like escape', E'8.\\x00'), ('control character', E'8.\x01'),
               ('non-ASCII', '8.6é'), ('full-width digit', '８'),
               ('very long', repeat('1.', 5000) || '1'),
               ('very long digits', repeat('9', 10000))) v(label, t);
-- The full report of a syntax error and of a range error.
SELECT '8..1'::clause_ref;
SELECT '8.6.256'::clause_ref;
SELECT 'A'::clause_ref;
SELECT 'a.5'::text::clause_ref;
SELECT ancestor('8.6', 0);

-- Binary receive validates: a canonical value loads, others raise 22P03.
-- The files are written by lo_export into the data directory of the test
-- cluster, then read by COPY FROM ... (FORMAT binary).
CREATE TEMP TABLE received (c clause_ref);
CREATE FUNCTION pg_temp.copy_binary(packed text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE lo oid; detail text;
BEGIN
  lo := lo_from_bytea(0, decode('5047434f50590aff0d0a00' || '00000000' || '00000000'
                                || '0001' || '00000008' || packed || 'ffff', 'hex'));
  PERFORM lo_export(lo, 'iso28000_clause_ref_recv.bin');
  PERFORM lo_unlink(lo);
  COPY received FROM 'iso28000_clause_ref_recv.bin' (FORMAT binary);
  RETURN 'loaded';
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN sqlstate || ': ' || sqlerrm || ' (' || detail || ')';
END $$;
SELECT packed, pg_temp.copy_binary(packed)
  FROM (VALUES ('0008060400000000'), ('0105010000000000'), ('00ffffffffffff00'),
               ('0008060400000001'), ('1b01000000000000'), ('ff01000000000000'),
               ('0000000000000000'), ('0008000400000000'), ('0100000000000000')) v(packed);
SELECT c FROM received ORDER BY c;
