-- clause_ref: every kind of bad input raises its SQLSTATE (22P02 syntax,
-- 22003 level out of range), through input and through the cast from text;
-- good inputs load and print back unchanged; ancestor() refuses depth < 1.
-- Exact messages and details are in test/sql/clause_ref.sql.
BEGIN;
CREATE EXTENSION iso28000;
SET LOCAL search_path = public, iso28000;
SELECT plan(57);

CREATE TEMP TABLE bad_input (t text, code text);
INSERT INTO bad_input VALUES
  ('', '22P02'), (' ', '22P02'), (' 8.6', '22P02'), ('8.6 ', '22P02'), ('8. 6', '22P02'),
  (E'8\t6', '22P02'), (E'8.6\n', '22P02'), ('8..1', '22P02'), ('8.', '22P02'), ('.8', '22P02'),
  ('.', '22P02'), ('08', '22P02'), ('8.06', '22P02'), ('1.2.3.4.5.6.7', '22P02'),
  ('A', '22P02'), ('A.', '22P02'), ('A..1', '22P02'), ('A5', '22P02'), ('AB.1', '22P02'),
  ('a.5.1', '22P02'), ('8.A', '22P02'), ('8.6x', '22P02'), ('-8', '22P02'), ('8\0', '22P02'),
  (E'8.\x01', '22P02'), ('８', '22P02'), (repeat('1.', 5000) || '1', '22P02'),
  ('0', '22003'), ('8.0', '22003'), ('256', '22003'), ('8.6.256', '22003'),
  ('99999999999999999999', '22003'), ('A.0', '22003');

-- 33 bad inputs through the type input function
SELECT throws_ok(format('SELECT %L::iso28000.clause_ref', t), code, NULL,
                 format('input %s raises %s', left(t, 20), code))
  FROM bad_input;

-- the same through the cast from a text value (4 samples)
SELECT throws_ok(format('SELECT %L::text::iso28000.clause_ref', t), code, NULL,
                 format('cast from text %s raises %s', t, code))
  FROM (VALUES ('8..1', '22P02'), ('a.5', '22P02'), ('256', '22003'), ('', '22P02')) v(t, code);

-- and through an assignment into a clause_ref column
CREATE TEMP TABLE target (c iso28000.clause_ref);
SELECT throws_ok($$INSERT INTO target SELECT 'A.'::text$$, '22P02', NULL,
                 'assignment of bad text raises 22P02');
SELECT throws_ok($$INSERT INTO target SELECT '8.0'::text$$, '22003', NULL,
                 'assignment of an out-of-range level raises 22003');

-- good inputs load and print back unchanged (12)
SELECT is(t::iso28000.clause_ref::text, t, format('%s round-trips', t))
  FROM unnest(ARRAY['1', '4', '8.6.4', '10.2', '255', 'A.5.1', 'B.1', 'Z.255',
                    '1.2.3.4.5.6', '255.255.255.255.255.255', 'A.1.2.3.4.5.6',
                    '100.20.3']) t;

-- ancestor() needs a depth of at least 1 (22023); beyond the depth it is NULL
SELECT throws_ok($$SELECT iso28000.ancestor('8.6', 0)$$, '22023', NULL, 'ancestor(c, 0) raises 22023');
SELECT throws_ok($$SELECT iso28000.ancestor('8.6', -1)$$, '22023', NULL, 'ancestor(c, -1) raises 22023');
SELECT is(iso28000.ancestor('8.6', 3), NULL, 'ancestor beyond the depth is NULL');
SELECT is(iso28000.parent('8'), NULL, 'a top-level clause has no parent');

-- the type's functions (in C) and operators are immutable, strict and
-- parallel safe; functions of registers that merely take a clause_ref are not
-- the type's and may read tables
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
            WHERE p.pronamespace = 'iso28000'::regnamespace
              AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
              AND ('iso28000.clause_ref'::regtype = ANY (p.proargtypes)
                   OR p.prorettype = 'iso28000.clause_ref'::regtype)
              AND p.prokind = 'f'
              AND (p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's')),
          NULL, 'every clause_ref function is IMMUTABLE STRICT PARALLEL SAFE');
SELECT is((SELECT array_agg(oprname ORDER BY 1) FROM pg_operator
            WHERE oprleft = 'iso28000.clause_ref'::regtype
              AND (oprcom = 0 OR (oprname NOT IN ('@>', '<@') AND oprnegate = 0)
                   OR oprrest = 0 OR oprjoin = 0)),
          NULL, 'every clause_ref operator has a commutator, a negator (except @> <@) and estimators');

SELECT * FROM finish();
ROLLBACK;
