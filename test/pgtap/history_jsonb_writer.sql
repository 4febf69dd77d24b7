-- The jsonb writer of verify_history (src/history_jsonb_text.c) against
-- PostgreSQL's own jsonb text (value::text, JsonbToCString), which the
-- recorder hashes: edge cases one by one, thousands of random values from
-- fixed seeds and one fresh seed (a property test), each value also through
-- the chain (recorded by the recorder, verified by the walk), and tampering
-- that changes only the text form of a value.  history_jsonb_text(v, false)
-- is NULL where the writer leaves a value to JsonbToCString, so every case
-- that must take the writer's own path is checked to take it.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(19);

CREATE TEMP TABLE edge (n serial, v jsonb, fast boolean DEFAULT true);
INSERT INTO edge (v) VALUES
  ('{}'), ('[]'), ('null'), ('true'), ('false'), ('"x"'), ('""'), ('0'), ('-0'), ('1'), ('-1'),
  ('0.0'), ('0.000'), ('-0.0001'), ('1.10'), ('12.50'), ('100'), ('1000'), ('100.5'), ('9999'), ('10000'), ('10001'), ('99999999'), ('100000000'),
  ('0.1234'), ('0.00001234'), ('1e-7'), ('1.0e+3'), ('1e100'), ('1e-100'), ('-1.5E-30'),
  ('123456789012345678901234567890.123456789012345678901234567890'),
  ('3.14159265358979323846264338327950288419716939937510'),
  ('"\""'), ('"\\"'), ('"\/"'), ('"\b\f\n\r\t"'), ('"\u0001\u0002\u001e\u001f"'), ('"\u007f"'),
  ('"é ü ß 漢字"'), ('"😀"'), ('"  "'), ('"a\"b\\c\nd"'),
  ('{"a": {"b": [1, {"c": []}]}, "d": {}}'), ('[[[]]]'), ('[{}, [], null, true, false, "", 0]'),
  ('{"bb": 1, "a": 2, "ccc": 3, "aa": 4}'), ('{"a\"b": 1, "\n": 2, "é": 3, "": 4}'),
  ('[1, "two", 3.0, null, [4], {"five": 5}]'), ('{"k": null}'), ('[null]'), ('{"k": [[{"x": {"y": "z"}}]]}');
-- strings of 1 to 24 characters with a character to escape at each position
-- (the 8-byte scan and its overlapping tail)
INSERT INTO edge (v)
SELECT to_jsonb(overlay(repeat('a', len) PLACING c FROM pos FOR 1))
  FROM generate_series(1, 24) len, generate_series(1, 24) pos,
       unnest(ARRAY['"', '\', E'\n', E'\x01', E'\x1f', ' ', '~', 'é']) c
 WHERE pos <= len;
-- more than 32 children: offsets stored every 32nd entry (JB_OFFSET_STRIDE)
INSERT INTO edge (v)
SELECT jsonb_agg(CASE WHEN i % 3 = 0 THEN to_jsonb(i) WHEN i % 3 = 1 THEN to_jsonb('s' || i) ELSE to_jsonb(i / 7.0) END)
  FROM generate_series(1, 100) i;
INSERT INTO edge (v)
SELECT jsonb_object_agg('key' || i, CASE WHEN i % 2 = 0 THEN to_jsonb(i) ELSE jsonb_build_array(i, 'x' || i) END)
  FROM generate_series(1, 70) i;
-- long strings and big numbers
INSERT INTO edge (v) VALUES (to_jsonb(repeat('abcdefg"', 500))), (to_jsonb(repeat('9', 1000)::numeric)),
  (to_jsonb(('0.' || repeat('0', 500) || '1')::numeric)), (to_jsonb(round(1::numeric / 3, 1000))),
  (to_jsonb(-(2::numeric ^ 200))), (to_jsonb(1e-16383::numeric * 0));
-- nesting deeper than the writer goes (256): left to JsonbToCString
INSERT INTO edge (v, fast) VALUES ((repeat('[', 300) || '1' || repeat(']', 300))::jsonb, false),
  ((repeat('{"a": ', 300) || '{}' || repeat('}', 300))::jsonb, false);

SELECT is((SELECT count(*) FROM edge WHERE iso28000.history_jsonb_text(v) IS DISTINCT FROM v::text), 0::bigint,
          format('%s edge cases: the writer writes value::text', (SELECT count(*) FROM edge)));
SELECT is((SELECT string_agg(v::text, ' | ') FROM edge WHERE fast AND iso28000.history_jsonb_text(v, false) IS NULL),
          NULL, 'the writer writes every edge case itself but the deep ones');
SELECT is((SELECT count(*) FROM edge WHERE NOT fast AND iso28000.history_jsonb_text(v, false) IS NULL), 2::bigint,
          'it leaves nesting deeper than 256 to JsonbToCString');
SELECT is(iso28000.history_jsonb_text('"é\n"'::jsonb), '"é\n"', 'a string: UTF-8 as is, newline escaped');
SELECT is(iso28000.history_jsonb_text('{"b": 1.50, "a": [true, null]}'::jsonb), '{"a": [true, null], "b": 1.50}',
          'an object: keys in stored order, ", " and ": ", the numeric''s scale kept');
SELECT is(iso28000.history_jsonb_text('"\u001f"'::jsonb), '"\u001f"', 'a control character as \u00xx, lower case');

-- Random values (a property test): nested objects and arrays (sometimes more
-- than 32 children), numbers of random sign, digits and scale, strings drawn
-- from characters that need escaping, multi-byte UTF-8 and plain ASCII.
CREATE FUNCTION pg_temp.rand_json(depth integer) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  chars text[] := ARRAY['a', 'b', 'Z', '0', ' ', '"', '\', '/', E'\n', E'\r', E'\t', E'\b', E'\f', E'\x01',
                        E'\x1f', E'\x7f', 'é', '€', '漢', '😀', ' ', '{', '}', ':', ','];
  k integer := floor(random() * CASE WHEN depth > 0 THEN 9 ELSE 7 END);
  n integer;
  s text := '';
  r jsonb;
BEGIN
  CASE k
  WHEN 0 THEN RETURN 'null';
  WHEN 1 THEN RETURN to_jsonb(random() < 0.5);
  WHEN 2, 3 THEN  -- a number
    s := CASE WHEN random() < 0.3 THEN '-' ELSE '' END
         || (floor(random() * 10 ^ floor(random() * 12)))::bigint::text
         || CASE WHEN random() < 0.5 THEN '.' || lpad((floor(random() * 1e9))::bigint::text, 1 + floor(random() * 14)::int, '0') ELSE '' END
         || CASE WHEN random() < 0.2 THEN 'e' || (floor(random() * 80) - 40)::int ELSE '' END;
    RETURN s::jsonb;
  WHEN 4, 5, 6 THEN  -- a string
    n := floor(random() * CASE WHEN random() < 0.1 THEN 200 ELSE 20 END);
    FOR i IN 1 .. n LOOP
      s := s || CASE WHEN random() < 0.6 THEN chr(97 + floor(random() * 26)::int)
                     ELSE chars[1 + floor(random() * array_length(chars, 1))::int] END;
    END LOOP;
    RETURN to_jsonb(s);
  WHEN 7 THEN  -- an array
    n := floor(random() * CASE WHEN random() < 0.1 THEN 45 ELSE 6 END);
    r := '[]';
    FOR i IN 1 .. n LOOP
      r := r || jsonb_build_array(pg_temp.rand_json(depth - 1));
    END LOOP;
    RETURN r;
  ELSE  -- an object
    n := floor(random() * CASE WHEN random() < 0.1 THEN 45 ELSE 6 END);
    r := '{}';
    FOR i IN 1 .. n LOOP
      r := r || jsonb_build_object(coalesce(pg_temp.rand_json(0) #>> '{}', 'k'), pg_temp.rand_json(depth - 1));
    END LOOP;
    RETURN r;
  END CASE;
END $$;

SELECT (floor(random() * 1e9))::bigint AS fresh_seed \gset
CREATE TEMP TABLE rnd (seed bigint, n integer, v jsonb);
CREATE FUNCTION pg_temp.fill(seed bigint, count integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM setseed((seed % 1000000) / 1000000.0);
  INSERT INTO rnd SELECT seed, i, pg_temp.rand_json(3) FROM generate_series(1, count) i;
END $$;
SELECT pg_temp.fill(s, 400) FROM unnest(ARRAY[1, 2, 3, 4]::bigint[]) s;
SELECT pg_temp.fill(:fresh_seed, 400);

SELECT is((SELECT count(*) FROM rnd WHERE seed < 5 AND iso28000.history_jsonb_text(v, false) IS DISTINCT FROM v::text),
          0::bigint, '1,600 random values of fixed seeds: the writer writes value::text, itself');
SELECT is((SELECT string_agg(v::text, ' | ') FROM rnd
            WHERE seed = :fresh_seed AND iso28000.history_jsonb_text(v, false) IS DISTINCT FROM v::text),
          NULL, format('400 random values of seed %s: the same', :fresh_seed));
SELECT cmp_ok((SELECT count(*) FROM rnd WHERE jsonb_typeof(v) IN ('object', 'array')
                 AND v::text ~ '\\[nrtbf"\\]|\\u00'), '>', 50::bigint,
              'the random values include containers with escaped strings');
SELECT cmp_ok((SELECT count(*) FROM rnd WHERE CASE WHEN jsonb_typeof(v) = 'array' THEN jsonb_array_length(v) > 32 END), '>', 5::bigint,
              'and arrays of more than 32 elements');

-- Through the chain: the recorder hashes each value as JsonbToCString writes it
-- and the walk rewrites it with the writer; the chain verifies only when every
-- byte agrees.
CREATE TABLE iso28000.hj_doc (
    org_id bigint NOT NULL REFERENCES iso28000.organization,
    doc_id bigint GENERATED ALWAYS AS IDENTITY,
    doc    jsonb,
    PRIMARY KEY (org_id, doc_id)
);
SELECT iso28000.register_table('iso28000.hj_doc');
SELECT iso28000.create_organization('HJ', 'Writer Ltd') AS org \gset
INSERT INTO iso28000.hj_doc (org_id, doc) SELECT :org, v FROM edge ORDER BY n;
INSERT INTO iso28000.hj_doc (org_id, doc) SELECT :org, v FROM rnd ORDER BY seed, n;
UPDATE iso28000.hj_doc SET doc = jsonb_build_array(doc, doc_id) WHERE org_id = :org AND doc_id % 5 = 0;
DELETE FROM iso28000.hj_doc WHERE org_id = :org AND doc_id % 7 = 0;
SELECT cmp_ok((SELECT count(*) FROM iso28000.history WHERE org_id = :org), '>', 3000::bigint,
              'the chain holds every value, updated and deleted ones twice');
SELECT is((SELECT row(valid, problem)::text FROM iso28000.verify_history(:org)), '(t,)',
          'the chain of every edge case and random value verifies');
SELECT is((SELECT count(*) FROM iso28000.history h,
                   LATERAL (VALUES (h.row_key), (h.before_image), (h.after_image)) x(j)
             WHERE h.org_id = :org AND j IS NOT NULL
               AND iso28000.history_jsonb_text(j, false) IS DISTINCT FROM j::text
               AND j::text NOT LIKE '%[[[[[[[[[[[[[[[[[[[[%' AND j::text NOT LIKE '%{"a": {"a": {"a": {"a": {"a": %'),
          0::bigint, 'each image of the chain but the deeply nested ones is written by the writer itself, as its ::text');

-- Tampering that keeps the value but not its text: verification names the record.
CREATE FUNCTION pg_temp.tampered(org bigint, pos bigint, newdoc jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  BEGIN
    SET LOCAL session_replication_role = replica;
    UPDATE iso28000.history SET after_image = jsonb_set(after_image, '{doc}', newdoc)
     WHERE org_id = org AND seq = pos;
    SELECT row(v.valid, v.records_checked, v.first_broken_seq, v.problem)::text INTO r
      FROM iso28000.verify_history(org) v;
    RAISE EXCEPTION USING ERRCODE = 'ZZ001';
  EXCEPTION WHEN SQLSTATE 'ZZ001' THEN
    NULL;  -- rolled back
  END;
  RETURN r;
END $$;
SELECT h.seq AS s110 FROM iso28000.history h
 WHERE h.org_id = :org AND h.operation = 'INSERT' AND h.after_image -> 'doc' = '1.10' ORDER BY h.seq LIMIT 1 \gset
SELECT h.seq AS snl FROM iso28000.history h
 WHERE h.org_id = :org AND h.operation = 'INSERT' AND h.after_image -> 'doc' = '"\b\f\n\r\t"' ORDER BY h.seq LIMIT 1 \gset
SELECT h.seq AS sobj FROM iso28000.history h
 WHERE h.org_id = :org AND h.operation = 'INSERT' AND h.after_image -> 'doc' = '{"k": null}' ORDER BY h.seq LIMIT 1 \gset
SELECT is(pg_temp.tampered(:org, :s110, '1.1'), format('(f,%s,%s,altered)', :s110 - 1, :s110),
          '1.10 made 1.1 (equal numbers, another text): altered');
SELECT is(pg_temp.tampered(:org, :s110, '1.100'), format('(f,%s,%s,altered)', :s110 - 1, :s110),
          '1.10 made 1.100: altered');
SELECT is(pg_temp.tampered(:org, :snl, '"\b\f\n\r\u000b"'), format('(f,%s,%s,altered)', :snl - 1, :snl),
          'one escaped character changed: altered');
SELECT is(pg_temp.tampered(:org, :sobj, '{"k": []}'), format('(f,%s,%s,altered)', :sobj - 1, :sobj),
          'null made an empty array: altered');
SELECT is(pg_temp.tampered(:org, :sobj, '{"k": null, "l": null}'), format('(f,%s,%s,altered)', :sobj - 1, :sobj),
          'a member added: altered');
SELECT matches(pg_temp.tampered(:org, :sobj, '{"k": null}'), '^\(t,[0-9]+,,\)$',
          'the same value written back: still verifies (the check can pass)');

SELECT * FROM finish();
ROLLBACK;
