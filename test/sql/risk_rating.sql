-- risk_rating: text and binary I/O, every kind of bad input, accessors, default
-- bands, the total order, btree and hash operator classes, min/max.
SET search_path = iso28000, public;

-- Canonical output; input tolerates letter case and surrounding blanks only.
SELECT 'L4C3'::risk_rating, 'l4c3'::risk_rating, '  L10C10 '::risk_rating, 'L1c1'::risk_rating;
SELECT risk_rating(7, 2), risk_rating(10, 1);

-- Syntax errors (22P02), one per kind.
\set VERBOSITY default
SELECT ''::risk_rating;
SELECT '   '::risk_rating;
SELECT 'X4C3'::risk_rating;
SELECT '4C3'::risk_rating;
SELECT 'L4'::risk_rating;
SELECT 'L4C'::risk_rating;
SELECT 'LC3'::risk_rating;
SELECT 'L4C3x'::risk_rating;
SELECT 'L4C3C2'::risk_rating;
SELECT 'L4 C3'::risk_rating;
SELECT 'L-1C3'::risk_rating;
SELECT 'L+1C3'::risk_rating;
SELECT 'L04C3'::risk_rating;
SELECT 'L4C03'::risk_rating;
SELECT 'L4.0C3'::risk_rating;
-- Range errors (22003).
SELECT 'L0C3'::risk_rating;
SELECT 'L11C3'::risk_rating;
SELECT 'L4C0'::risk_rating;
SELECT 'L4C11'::risk_rating;
SELECT 'L99999999999999999999C1'::risk_rating;
SELECT 'L11C11'::risk_rating;
SELECT risk_rating(0, 5);
SELECT risk_rating(5, 11);
SELECT risk_rating(-2147483648, 5);
\set VERBOSITY terse
-- The SQLSTATE of each kind, without the wording.
DO $$
DECLARE
  lit text;
BEGIN
  FOREACH lit IN ARRAY ARRAY['', 'X4C3', 'L4C3x', 'L04C3', 'L0C3', 'L4C11'] LOOP
    BEGIN
      PERFORM lit::iso28000.risk_rating;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE '% -> %', quote_literal(lit), SQLSTATE;
    END;
  END LOOP;
END $$;
\set VERBOSITY default

-- Accessors and default bands at every threshold.
SELECT r, likelihood(r), consequence(r), score(r), band(r), band_rank(band(r))
  FROM unnest('{L1C1,L3C5,L4C4,L5C7,L6C6,L7C9,L8C8,L10C10}'::risk_rating[]) AS r;
SELECT band, min(score(r)) AS from_score, max(score(r)) AS to_score, count(*) AS cells
  FROM (SELECT risk_rating(l, c) AS r FROM generate_series(1, 10) l, generate_series(1, 10) c) s,
       LATERAL band(r) AS band
 GROUP BY band ORDER BY min(score(r));
SELECT band_rank('low'), band_rank('critical'), band_rank('severe');

-- Every value survives text output and input.
SELECT count(*) AS round_trips
  FROM generate_series(1, 10) l, generate_series(1, 10) c
 WHERE risk_rating(l, c)::text::risk_rating = risk_rating(l, c)
   AND risk_rating(l, c)::text = 'L' || l || 'C' || c;

-- Total order: score, then consequence, then likelihood.
SELECT 'L4C3'::risk_rating < 'L3C4'::risk_rating AS same_score_lower_consequence,
       'L2C6'::risk_rating > 'L6C2'::risk_rating AS gt,
       'L6C2'::risk_rating <= 'L3C4'::risk_rating AS le,
       'L3C4'::risk_rating >= 'L4C3'::risk_rating AS ge,
       'L4C3'::risk_rating = 'l4c3'::risk_rating AS eq,
       'L4C3'::risk_rating <> 'L3C4'::risk_rating AS ne,
       'L10C1'::risk_rating < 'L1C10'::risk_rating AS lt,
       'L5C5'::risk_rating > 'L1C10'::risk_rating AS score_first;
SELECT string_agg(r::text, ' ' ORDER BY r) AS ascending
  FROM unnest('{L5C5,L1C10,L10C1,L2C5,L5C2,L3C4,L4C3,L2C6,L6C2,L1C1}'::risk_rating[]) r;
-- The order is exactly (score, consequence, likelihood) over all 100 values.
WITH v AS (SELECT risk_rating(l, c) AS r FROM generate_series(1, 10) l, generate_series(1, 10) c)
SELECT (SELECT array_agg(r ORDER BY r) FROM v)
     = (SELECT array_agg(r ORDER BY score(r), consequence(r), likelihood(r)) FROM v) AS order_is_total,
       (SELECT count(DISTINCT r) FROM v) AS distinct_values;
-- Comparison support agrees with the operators, in both directions.
WITH v AS (SELECT risk_rating(l, c) AS r FROM generate_series(1, 10) l, generate_series(1, 10) c)
SELECT count(*) FILTER (WHERE sign(risk_rating_cmp(a.r, b.r)) <> CASE WHEN a.r < b.r THEN -1 WHEN a.r > b.r THEN 1 ELSE 0 END) AS cmp_mismatches,
       count(*) FILTER (WHERE (a.r = b.r) <> (a.r::text = b.r::text)) AS eq_mismatches,
       count(*) FILTER (WHERE (a.r = b.r) AND risk_rating_hash(a.r) <> risk_rating_hash(b.r)) AS hash_mismatches
  FROM v a, v b;
SELECT min(r), max(r)
  FROM unnest('{L5C5,L1C10,L10C1,L2C5,L3C4,L4C3}'::risk_rating[]) r;
SELECT risk_rating_hash_extended('L4C3', 0) = risk_rating_hash_extended('L4C3', 0) AS stable,
       risk_rating_hash_extended('L4C3', 0) <> risk_rating_hash_extended('L4C3', 1) AS seeded;

-- btree and hash indexes, merge join, hash aggregate.
CREATE TABLE rr_test (id int, r risk_rating);
INSERT INTO rr_test SELECT g, risk_rating(1 + g % 10, 1 + (g / 10) % 10) FROM generate_series(0, 999) g;
CREATE INDEX rr_test_btree ON rr_test (r);
CREATE INDEX rr_test_hash ON rr_test USING hash (r);
ANALYZE rr_test;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM rr_test WHERE r >= 'L8C9';
SELECT count(*) FROM rr_test WHERE r >= 'L8C9';
SET enable_indexscan = off;
SET enable_bitmapscan = on;
SET enable_indexonlyscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM rr_test WHERE r = 'L8C9';
SELECT count(*) FROM rr_test WHERE r = 'L8C9';
RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_indexscan; RESET enable_indexonlyscan;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT r, count(*) FROM rr_test GROUP BY r;
SELECT count(*) AS groups, sum(n) AS rows FROM (SELECT r, count(*) AS n FROM rr_test GROUP BY r) g;
RESET enable_sort;
SET enable_hashjoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM rr_test a JOIN rr_test b USING (r) WHERE a.id < 10;
SELECT count(*) FROM rr_test a JOIN rr_test b USING (r) WHERE a.id < 10;
RESET enable_hashjoin; RESET enable_nestloop;

-- Binary send and receive: the two bytes, and a binary COPY round trip.
SELECT risk_rating_send('L4C3'), risk_rating_send('L10C10');
-- the files go into the cluster's own data directory, never a shared path
SELECT current_setting('data_directory') || '/iso28000_risk_rating.bin' AS rr_file,
       current_setting('data_directory') || '/iso28000_risk_rating_bad.bin' AS rr_bad_file \gset
COPY (SELECT r FROM rr_test ORDER BY id) TO :'rr_file' (FORMAT binary);
CREATE TABLE rr_copy (r risk_rating);
COPY rr_copy FROM :'rr_file' (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE r IN (SELECT r FROM rr_test)) AS matching FROM rr_copy;
-- receive refuses what input refuses: binary COPY files holding L11C3, then L4C0.
CREATE FUNCTION pg_temp.write_copy_file(path text, field bytea) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  lo oid := lo_from_bytea(0, '\x5047434f50590aff0d0a000000000000000000'::bytea
                             || '\x000100000002'::bytea || field || '\xffff'::bytea);
BEGIN
  PERFORM lo_export(lo, path);
  PERFORM lo_unlink(lo);
END $$;
SELECT pg_temp.write_copy_file(:'rr_bad_file', '\x0b03');
COPY rr_copy FROM :'rr_bad_file' (FORMAT binary);
SELECT pg_temp.write_copy_file(:'rr_bad_file', '\x0400');
COPY rr_copy FROM :'rr_bad_file' (FORMAT binary);
SELECT pg_temp.write_copy_file(:'rr_bad_file', '\x0a0a');
COPY rr_copy FROM :'rr_bad_file' (FORMAT binary);
SELECT count(*) FILTER (WHERE r = 'L10C10') AS received_l10c10 FROM rr_copy;

DROP TABLE rr_test, rr_copy;
