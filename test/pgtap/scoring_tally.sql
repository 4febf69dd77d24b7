-- conformity_tally and the scoring aggregates: SQLSTATEs of every refusal,
-- binary round trip and the catalog properties parallel and windowed use need.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(41);
SET LOCAL search_path = iso28000, public;

-- Malformed tallies: 22P02.
SELECT throws_ok(format('SELECT %L::iso28000.conformity_tally', s), '22P02', NULL, 'malformed tally ' || s)
  FROM unnest(ARRAY['', ' ', 'conforming=1/1', '{conforming=1/1', '{conforming=1/1}x', '{conforming=1}',
                    '{conforming=/1}', '{Conforming=1/1}', '{conforming=1/1,conforming=2/2}',
                    '{conforming=1/1,}', '{,}', '{conforming=+1/1}', '{conforming 1/1}',
                    '{conforming=1/1 minor_nc=1/1}', '{excellent=1/1}']) s;
-- Negative or oversized numbers: 22003.
SELECT throws_ok(format('SELECT %L::iso28000.conformity_tally', s), '22003', NULL, 'out of range tally ' || s)
  FROM unnest(ARRAY['{conforming=-1/0}', '{minor_nc=1/-1}', '{major_nc=9223372036854775808/0}',
                    '{not_assessed=1/99999999999999999999}']) s;
-- Inconsistent: weights the counts cannot produce (22P02).
SELECT throws_ok(format('SELECT %L::iso28000.conformity_tally', s), '22P02', NULL, 'inconsistent tally ' || s)
  FROM unnest(ARRAY['{conforming=0/1}', '{observation=1/2147483648}', '{opportunity=2/4294967295}']) s;
-- Accepted edge values.
SELECT lives_ok(format('SELECT %L::iso28000.conformity_tally', s), 'valid tally ' || s)
  FROM unnest(ARRAY['{}', ' { } ', '{conforming=1/0}', '{opportunity=2/4294967294}',
                    '{major_nc=9223372036854775807/9223372036854775807}']) s;

-- Overflow of + and of merging: 22003.
SELECT throws_ok($$SELECT '{conforming=9223372036854775807/0}'::iso28000.conformity_tally + '{conforming=1/0}'$$,
                 '22003', 'conformity_tally out of range', '+ refuses a 64-bit overflow');
SELECT throws_ok($$SELECT iso28000.conformity_merge(t) FROM (VALUES ('{minor_nc=9223372036854775807/0}'::iso28000.conformity_tally), ('{minor_nc=1/0}')) v(t)$$,
                 '22003', 'conformity_tally out of range', 'conformity_merge refuses a 64-bit overflow');

-- Negative weight: IS301, in every weighted aggregate.
SELECT throws_ok($$SELECT iso28000.conformity_score(g, -1) FROM (VALUES ('conforming'::iso28000.conformity_grade)) v(g)$$,
                 'IS301', 'conformity weight must not be negative: -1', 'conformity_score refuses a negative weight');
SELECT throws_ok($$SELECT iso28000.conformity_tally(g, w) FROM (VALUES ('conforming'::iso28000.conformity_grade, 2), ('major_nc', -5)) v(g, w)$$,
                 'IS301', 'conformity weight must not be negative: -5', 'conformity_tally refuses a negative weight');

-- Binary I/O: round trip through COPY BINARY, and receive checks like input.
CREATE TEMP TABLE tally_bin (t iso28000.conformity_tally);
CREATE TEMP TABLE tally_raw (b bytea);
INSERT INTO tally_bin VALUES ('{conforming=3/5,minor_nc=1/2,not_assessed=4/0}');
-- (the files go into the cluster's own data directory, never a shared path)
SELECT current_setting('data_directory') || '/iso28000_scoring_tally.bin' AS tally_file \gset
COPY tally_bin TO :'tally_file' (FORMAT binary);
COPY tally_bin FROM :'tally_file' (FORMAT binary);
SELECT is((SELECT count(DISTINCT t::text) FROM tally_bin), 1::bigint, 'binary send then receive gives the same tally');
-- A bytea column's binary form is its raw bytes, so it can feed receive any bytes.
CREATE FUNCTION pg_temp.recv_bytes(bytes bytea) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  DELETE FROM tally_raw;
  INSERT INTO tally_raw VALUES (bytes);
  EXECUTE format('COPY tally_raw TO %L (FORMAT binary)', current_setting('data_directory') || '/iso28000_scoring_raw.bin');
  EXECUTE format('COPY tally_bin FROM %L (FORMAT binary)', current_setting('data_directory') || '/iso28000_scoring_raw.bin');
END $f$;
SELECT throws_ok($$SELECT pg_temp.recv_bytes('\x0100')$$, '22P03', NULL, 'receive refuses a truncated tally');
SELECT throws_ok($$SELECT pg_temp.recv_bytes('\x02' || decode(repeat('00', 112), 'hex'))$$, '22P03', NULL,
                 'receive refuses an unknown version');
SELECT throws_ok($$SELECT pg_temp.recv_bytes('\x01' || decode('ffffffffffffffff' || repeat('00', 104), 'hex'))$$, '22003', NULL,
                 'receive refuses a negative count');
SELECT throws_ok($$SELECT pg_temp.recv_bytes('\x01' || decode('0000000000000000' || '0000000000000001' || repeat('00', 96), 'hex'))$$, '22P02', NULL,
                 'receive refuses a weight without an item');
SELECT lives_ok($$SELECT pg_temp.recv_bytes('\x01' || decode('0000000000000002' || '0000000000000007' || repeat('00', 96), 'hex'))$$,
                 'receive takes a consistent tally');
SELECT is((SELECT t FROM tally_bin WHERE t <> '{conforming=3/5,minor_nc=1/2,not_assessed=4/0}'), '{conforming=2/7}'::iso28000.conformity_tally,
          'received bytes decode to the expected tally');

-- Catalog properties: concrete state, combine, moving window, parallel safe.
SELECT is((SELECT count(*) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.pronamespace = 'iso28000'::regnamespace
              AND p.proname IN ('conformity_score', 'conformity_tally', 'conformity_merge')
              AND a.aggtranstype = 'iso28000.conformity_tally'::regtype
              AND a.aggmtranstype = 'iso28000.conformity_tally'::regtype
              AND a.aggcombinefn <> 0 AND a.aggminvtransfn <> 0 AND a.aggserialfn = 0
              AND p.proparallel = 's'),
          5::bigint, 'the five scoring aggregates keep a concrete state, combine, invert, and are parallel safe');
SELECT is((SELECT typlen FROM pg_type WHERE oid = 'iso28000.conformity_tally'::regtype), 112::smallint,
          'conformity_tally is fixed size');
SELECT is(enum_range(NULL::iso28000.conformity_grade)::text,
          '{conforming,observation,opportunity,minor_nc,major_nc,not_applicable,not_assessed}',
          'grades sort in the order of the design');

SELECT * FROM finish();
ROLLBACK;
