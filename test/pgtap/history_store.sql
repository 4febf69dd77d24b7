-- The recorder's fast paths (issue 13): records written straight into the
-- table (src/history_store.c) and what the recorder keeps per register between
-- statements (src/history.c).  Every record must be what the executor path
-- and to_jsonb() would have made: the chains verify, the images equal
-- to_jsonb() of the row to the byte, every index of the history is kept, and
-- a trigger on the history (which only the executor fires) turns the fast
-- path off.  Columns added and dropped between statements of one session are
-- recorded as they are.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(45);

SELECT iso28000.create_organization('HS-A', 'Store A') AS a \gset
SELECT iso28000.create_organization('HS-B', 'Store B') AS b \gset

CREATE TABLE iso28000.hs_item (
    org_id  bigint NOT NULL REFERENCES iso28000.organization,
    item_id bigint GENERATED ALWAYS AS IDENTITY,
    label   text NOT NULL,
    qty     integer,
    PRIMARY KEY (org_id, item_id)
);
SELECT iso28000.register_table('iso28000.hs_item');

-- 1. Every index of the history is kept by the direct writes.
CREATE INDEX hs_history_table ON iso28000.history (table_name, org_id);
INSERT INTO iso28000.hs_item (org_id, label, qty) VALUES (:a, 'one', 1);
INSERT INTO iso28000.hs_item (org_id, label, qty) VALUES (:a, 'two', 2), (:b, 'three', 3);
UPDATE iso28000.hs_item SET qty = qty + 10 WHERE org_id = :a;
DELETE FROM iso28000.hs_item WHERE label = 'three';
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SELECT is((SELECT count(*)::int FROM iso28000.history WHERE table_name = 'iso28000.hs_item' AND org_id = :a),
          4, 'an index the history was given finds every record written since (index scan)');
RESET enable_seqscan;
RESET enable_bitmapscan;
SET LOCAL enable_indexscan = off;
SET LOCAL enable_bitmapscan = off;
SELECT is((SELECT count(*)::int FROM iso28000.history WHERE table_name = 'iso28000.hs_item' AND org_id = :a),
          4, 'the heap holds the same records (sequential scan)');
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT is((SELECT seq FROM iso28000.history_head WHERE org_id = :a),
          (SELECT max(seq) FROM iso28000.history WHERE org_id = :a), 'the head is at the last record');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'the chain of A verifies');
SELECT ok((SELECT valid FROM iso28000.verify_history(:b)), 'the chain of B verifies');
DROP INDEX iso28000.hs_history_table;

-- 2. A trigger on the history is fired only by the executor: with one there,
--    the recorder writes through SPI again, and the trigger sees each record.
CREATE TABLE public.hs_seen (seq bigint);
CREATE FUNCTION public.hs_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.hs_seen VALUES (NEW.seq); RETURN NULL; END $$;
CREATE TRIGGER hs_note AFTER INSERT ON iso28000.history FOR EACH ROW EXECUTE FUNCTION public.hs_note();
INSERT INTO iso28000.hs_item (org_id, label) VALUES (:a, 'seen 1');
INSERT INTO iso28000.hs_item (org_id, label) SELECT :a, 'seen ' || g FROM generate_series(2, 20) g;
SELECT is((SELECT count(*)::int FROM public.hs_seen), 20,
          'with an INSERT trigger on the history, every record goes through the executor');
DROP TRIGGER hs_note ON iso28000.history;
INSERT INTO iso28000.hs_item (org_id, label) VALUES (:a, 'unseen');
SELECT is((SELECT count(*)::int FROM public.hs_seen), 20, 'without it, the direct path again');
SELECT is((SELECT count(*)::int FROM iso28000.history WHERE org_id = :a AND after_image->>'label' = 'unseen'), 1,
          'and the record is there');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'the chain verifies across both paths');

-- 3. Columns added and dropped between statements of one session.
INSERT INTO iso28000.hs_item (org_id, label, qty) VALUES (:a, 'before add', 5);
ALTER TABLE iso28000.hs_item ADD COLUMN colour text DEFAULT 'blue';
INSERT INTO iso28000.hs_item (org_id, label, qty, colour) VALUES (:a, 'after add', 6, 'red');
SELECT is((SELECT after_image FROM iso28000.history WHERE org_id = :a AND after_image->>'label' = 'after add'),
          (SELECT to_jsonb(i) FROM iso28000.hs_item i WHERE label = 'after add'),
          'a column added between statements is in the next image');
UPDATE iso28000.hs_item SET qty = 50 WHERE label = 'before add';
SELECT is((SELECT before_image->>'colour' FROM iso28000.history
            WHERE org_id = :a AND operation = 'UPDATE' AND after_image->>'label' = 'before add'),
          'blue', 'a row written before the column was added shows its default (missing attribute)');
ALTER TABLE iso28000.hs_item DROP COLUMN qty;
UPDATE iso28000.hs_item SET label = 'after drop' WHERE label = 'after add';
SELECT is((SELECT after_image FROM iso28000.history WHERE org_id = :a AND after_image->>'label' = 'after drop'),
          (SELECT to_jsonb(i) FROM iso28000.hs_item i WHERE label = 'after drop'),
          'a dropped column is gone from the next image');
SELECT ok((SELECT NOT (after_image ? 'qty') AND before_image ? 'colour' AND NOT (before_image ? 'qty')
             FROM iso28000.history WHERE org_id = :a AND after_image->>'label' = 'after drop'),
          'before and after images both lack the dropped column');
ALTER TABLE iso28000.hs_item ADD COLUMN qty numeric(8,2);
UPDATE iso28000.hs_item SET qty = 1.5 WHERE label = 'after drop';
SELECT is((SELECT after_image->'qty' FROM iso28000.history
            WHERE org_id = :a AND after_image->>'label' = 'after drop' AND after_image ? 'qty'),
          '1.50'::jsonb, 'a column added again under the same name with another type');
ALTER TABLE iso28000.hs_item ALTER COLUMN colour TYPE varchar(10);
UPDATE iso28000.hs_item SET colour = 'green' WHERE label = 'after drop';
SELECT is((SELECT after_image->'colour' FROM iso28000.history
            WHERE org_id = :a AND after_image->>'colour' = 'green'),
          '"green"'::jsonb, 'a column whose type changed (table rewritten)');
ALTER TABLE iso28000.hs_item RENAME COLUMN colour TO shade;
UPDATE iso28000.hs_item SET shade = 'grey' WHERE label = 'after drop';
SELECT is((SELECT after_image->'shade' FROM iso28000.history
            WHERE org_id = :a AND after_image->>'shade' = 'grey'),
          '"grey"'::jsonb, 'a renamed column under its new name');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'the chain verifies after the columns changed');

-- 4. The images are to_jsonb() of the row, to the byte, for every kind of column.
CREATE TYPE iso28000.hs_mood AS ENUM ('calm', 'storm');
CREATE DOMAIN iso28000.hs_pos AS integer CHECK (VALUE > 0);
CREATE TYPE iso28000.hs_pair AS (x integer, y text);
CREATE TABLE iso28000.hs_kinds (
    org_id bigint NOT NULL REFERENCES iso28000.organization,
    k_id   bigint GENERATED ALWAYS AS IDENTITY,
    i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision, n numeric, n2 numeric(10,3),
    b boolean, d date, ts timestamp, tstz timestamptz, iv interval, t text, vc varchar(20), c char(5),
    nm name, u uuid, ip inet, by bytea, ia integer[], ta text[], j json, jb jsonb,
    mood iso28000.hs_mood, pos iso28000.hs_pos, pair iso28000.hs_pair, m money, bits bit varying,
    PRIMARY KEY (org_id, k_id)
);
SELECT iso28000.register_table('iso28000.hs_kinds');
SET LOCAL timezone = 'America/St_Johns';
INSERT INTO iso28000.hs_kinds (org_id, i2, i4, i8, f4, f8, n, n2, b, d, ts, tstz, iv, t, vc, c, nm, u, ip, by,
                               ia, ta, j, jb, mood, pos, pair, m, bits) VALUES
  (:a, -32768, 2147483647, -9223372036854775808, 1.5e-10, 1e300, 123456789012345678901234567890.123456789, -0.5,
   true, '2026-02-28', '2026-02-28 12:34:56.789', '2026-02-28 12:34:56.789+05:30', '1 year 2 days 03:04:05',
   E'tab\there "quoted" \\ back \u00e9 \U0001F600 \x01', 'varying', 'ab', 'a name',
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.0.1/24', '\xdeadbeef',
   '{1,NULL,3}', '{"a b","c\"d",NULL}', '{"z": 1, "a": [1, 2.50]}', '{"z": 1, "a": [1, 2.50]}',
   'storm', 42, ROW(7, 'seven'), 12.34, B'1011'),
  (:a, NULL, NULL, NULL, 'NaN', 'Infinity', 'NaN', NULL, false, 'infinity', '-infinity', 'infinity', NULL,
   '', NULL, NULL, NULL, NULL, NULL, NULL, '{}', '{}', 'null', 'null', NULL, NULL, NULL, NULL, NULL),
  (:a, 0, 0, 0, '-Infinity', -0.0, 0.000001, 0, NULL, '0001-01-01 BC', '2000-01-01', '1999-12-31 23:59:59.999999+00',
   '-1 second', 'x', 'y', 'z', 'w', NULL, '::1', '', '{{1,2},{3,4}}', '{x}', '[1, "two", {"3": null}]', '[]',
   'calm', 1, ROW(NULL, NULL), -1, B'');
SELECT is((SELECT count(*)::int FROM iso28000.hs_kinds k JOIN iso28000.history h
             ON h.org_id = k.org_id AND h.table_name = 'iso28000.hs_kinds' AND h.operation = 'INSERT'
            AND h.row_key = jsonb_build_object('org_id', k.org_id, 'k_id', k.k_id)
            WHERE h.after_image::text = to_jsonb(k)::text), 3,
          'every kind of column: the after image is to_jsonb() of the row, as text');
UPDATE iso28000.hs_kinds SET t = t || '!';
SELECT is((SELECT count(*)::int FROM iso28000.hs_kinds k JOIN iso28000.history h
             ON h.org_id = k.org_id AND h.table_name = 'iso28000.hs_kinds' AND h.operation = 'UPDATE'
            AND h.row_key = jsonb_build_object('org_id', k.org_id, 'k_id', k.k_id)
            WHERE h.after_image::text = to_jsonb(k)::text
              AND h.before_image::text = (to_jsonb(k) || jsonb_build_object('t', left(k.t, -1)))::text), 3,
          'and both images of an update');
-- A cast to json of a type of the caller's is what to_jsonb() uses for it.
CREATE FUNCTION iso28000.hs_mood_json(iso28000.hs_mood) RETURNS json LANGUAGE sql IMMUTABLE
  AS $$ SELECT json_build_object('mood', $1::text) $$;
CREATE CAST (iso28000.hs_mood AS json) WITH FUNCTION iso28000.hs_mood_json(iso28000.hs_mood);
UPDATE iso28000.hs_kinds SET t = 'cast' WHERE mood = 'storm';
SELECT is((SELECT after_image->'mood' FROM iso28000.history
            WHERE table_name = 'iso28000.hs_kinds' AND after_image->>'t' = 'cast'),
          '{"mood": "storm"}'::jsonb, 'a cast to json created between statements is used by the next image');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'the chain verifies');

-- 5. A register without a column of kind OTHER: its images are built with their
--    keys already in jsonb's order (shorter names first, then bytewise), its
--    integers straight into numerics, and its row key from the same values.
--    Columns declared out of that order, integers at their limits, an enum
--    (a type of the database's without a cast to json: its label).
CREATE TYPE iso28000.hs_tide AS ENUM ('low', 'high');
CREATE TABLE iso28000.hs_scalar (
    zeta   text,
    org_id bigint NOT NULL REFERENCES iso28000.organization,
    "B"    numeric(10,2),
    a      smallint,
    sid    integer GENERATED ALWAYS AS IDENTITY,
    mm     integer,
    bb     bigint,
    yes    boolean,
    on_day date,
    at_ts  timestamptz,
    f      double precision,
    tide   iso28000.hs_tide,
    PRIMARY KEY (sid, org_id)
);
SELECT iso28000.register_table('iso28000.hs_scalar');
INSERT INTO iso28000.hs_scalar (zeta, org_id, "B", a, mm, bb, yes, on_day, at_ts, f, tide) VALUES
  (E'x "y" \\ \u00e9 \n\t\x01\x1f\x7f \U0001F600', :a, 'NaN', -32768, -2147483648, -9223372036854775808, true, 'infinity', '2026-02-28 12:34:56.5+05:30', 'Infinity', 'high'),
  ('', :a, -0.5, 32767, 2147483647, 9223372036854775807, false, '2026-02-28', '-infinity', -0.0, 'low'),
  (NULL, :a, 0, 0, 0, 0, NULL, NULL, NULL, 1e-300, NULL),
  ('n', :a, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT is((SELECT count(*)::int FROM iso28000.hs_scalar k JOIN iso28000.history h
             ON h.org_id = k.org_id AND h.table_name = 'iso28000.hs_scalar' AND h.operation = 'INSERT'
            AND h.row_key::text = jsonb_build_object('org_id', k.org_id, 'sid', k.sid)::text
            WHERE h.after_image::text = to_jsonb(k)::text
              AND pg_column_size(h.after_image) = pg_column_size(to_jsonb(k))), 4,
          'scalar columns only: the after image is to_jsonb() of the row (text and size), the key its key');
UPDATE iso28000.hs_scalar SET yes = NOT yes WHERE yes IS NOT NULL;
SELECT is((SELECT count(*)::int FROM iso28000.hs_scalar k JOIN iso28000.history h
             ON h.org_id = k.org_id AND h.table_name = 'iso28000.hs_scalar' AND h.operation = 'UPDATE'
            AND h.row_key::text = jsonb_build_object('org_id', k.org_id, 'sid', k.sid)::text
            WHERE h.after_image::text = to_jsonb(k)::text
              AND h.before_image::text = (to_jsonb(k) || jsonb_build_object('yes', NOT k.yes))::text), 2,
          'and both images of an update, with the key');
-- An update's after image takes the columns it shares with the before image
-- (the same datum) from it, value and text (history_image.c,
-- history_row_image_like()): changed columns of every kind between
-- unchanged ones of every kind, some growing, some shrinking, so that each
-- taken value lands at another offset of the after image's text than it had.
CREATE TEMP TABLE hs_scalar_was AS SELECT * FROM iso28000.hs_scalar;
UPDATE iso28000.hs_scalar SET "B" = CASE WHEN "B" = 'NaN' THEN "B" ELSE "B" * 1000 END,
       mm = mm / 1000, at_ts = at_ts + interval '1 day 1 second', zeta = zeta,
       f = CASE WHEN f = 1e-300 THEN 2.5 ELSE f END, tide = 'low';
SELECT is((SELECT count(*)::int FROM iso28000.hs_scalar k JOIN hs_scalar_was w USING (sid) JOIN iso28000.history h
             ON h.org_id = k.org_id AND h.table_name = 'iso28000.hs_scalar' AND h.operation = 'UPDATE'
            AND h.row_key::text = jsonb_build_object('org_id', k.org_id, 'sid', k.sid)::text
            WHERE h.seq = (SELECT max(seq) FROM iso28000.history x WHERE x.org_id = h.org_id
                             AND x.table_name = h.table_name AND x.row_key = h.row_key)
              AND h.after_image::text = to_jsonb(k)::text
              AND pg_column_size(h.after_image) = pg_column_size(to_jsonb(k))
              AND h.before_image::text = to_jsonb(w)::text), 4,
          'an update of some columns of every kind: both images are to_jsonb() of the rows, the unchanged columns taken from the before image');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)),
          'and the text they were hashed as is the images'' text (the chain verifies)');
CREATE FUNCTION iso28000.hs_tide_json(iso28000.hs_tide) RETURNS json LANGUAGE sql IMMUTABLE
  AS $$ SELECT json_build_object('tide', $1::text) $$;
CREATE CAST (iso28000.hs_tide AS json) WITH FUNCTION iso28000.hs_tide_json(iso28000.hs_tide);
UPDATE iso28000.hs_scalar SET zeta = 'cast' WHERE tide = 'high';
SELECT is((SELECT h.after_image::text FROM iso28000.history h
            WHERE h.table_name = 'iso28000.hs_scalar' AND h.after_image->>'zeta' = 'cast'),
          (SELECT to_jsonb(k)::text FROM iso28000.hs_scalar k WHERE zeta = 'cast'),
          'a cast to json of the enum created between statements: the next image has the cast''s value');
CREATE TABLE public.hs_scalar_gone AS SELECT * FROM iso28000.hs_scalar;
DELETE FROM iso28000.hs_scalar;
SELECT is((SELECT count(*)::int FROM public.hs_scalar_gone k JOIN iso28000.history h
             ON h.org_id = k.org_id AND h.table_name = 'iso28000.hs_scalar' AND h.operation = 'DELETE'
            AND h.row_key::text = jsonb_build_object('org_id', k.org_id, 'sid', k.sid)::text
            WHERE h.before_image::text = to_jsonb(k)::text AND h.after_image IS NULL), 4,
          'and the before image of a delete, its key taken from it');
SELECT is((SELECT string_agg(h.after_image::text, ' ' ORDER BY h.seq) FROM iso28000.history h
            WHERE h.table_name = 'iso28000.hs_scalar' AND h.operation = 'INSERT' AND h.after_image->>'zeta' = 'n'),
          '{"B": null, "a": null, "f": null, "bb": null, "mm": null, "sid": 4, "yes": null, "tide": null, "zeta": "n", "at_ts": null, '
            || '"on_day": null, "org_id": ' || :a || '}',
          'the keys in jsonb''s order: by length, then bytewise');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'the chain verifies with the scalar register''s records');

-- 6. A scalar register of more than 32 columns: its images are written
--    straight into jsonb's binary form (the keys' part once per register, the
--    values per row: src/history_image.c, object_jsonb()), where every 32nd
--    entry holds an offset that key look-ups and iteration rely on; strings
--    and numerics alternate, so numerics are padded at every alignment.
SELECT format('CREATE TABLE iso28000.hs_wide (org_id bigint NOT NULL REFERENCES iso28000.organization,'
              ' wid integer GENERATED ALWAYS AS IDENTITY, %s, PRIMARY KEY (org_id, wid))',
              string_agg(format('c%s %s', g, CASE g % 4 WHEN 0 THEN 'text' WHEN 1 THEN 'numeric'
                                                        WHEN 2 THEN 'boolean' ELSE 'bigint' END), ', '))
  FROM generate_series(1, 40) g \gexec
SELECT iso28000.register_table('iso28000.hs_wide');
INSERT INTO iso28000.hs_wide (org_id) VALUES (:a);
SELECT format('INSERT INTO iso28000.hs_wide (org_id, %s) VALUES (%s, %s)',
              string_agg(format('c%s', g), ', '), :a,
              string_agg(CASE g % 4 WHEN 0 THEN quote_literal(repeat('x', g % 7) || g)
                                    WHEN 1 THEN (g * 1.25)::text
                                    WHEN 2 THEN (g % 3 = 0)::text
                                    ELSE (-g::bigint * 1000000007)::text END, ', '))
  FROM generate_series(1, 40) g \gexec
UPDATE iso28000.hs_wide SET c8 = 'changed', c1 = 12345.678, c2 = NULL WHERE c4 IS NOT NULL;
SELECT is((SELECT count(*)::int FROM iso28000.hs_wide k JOIN iso28000.history h
             ON h.org_id = k.org_id AND h.table_name = 'iso28000.hs_wide' AND h.row_key ->> 'wid' = k.wid::text
            WHERE h.seq = (SELECT max(seq) FROM iso28000.history x WHERE x.org_id = h.org_id
                             AND x.table_name = h.table_name AND x.row_key = h.row_key)
              AND h.after_image::text = to_jsonb(k)::text AND h.after_image = to_jsonb(k)
              AND pg_column_size(h.after_image) = pg_column_size(to_jsonb(k))
              AND h.row_key = jsonb_build_object('org_id', k.org_id, 'wid', k.wid)
              AND h.row_key::text = jsonb_build_object('org_id', k.org_id, 'wid', k.wid)::text), 2,
          '42 columns: each row''s last image is to_jsonb() of the row (text, size, equality), its key its key');
SELECT is((SELECT count(*)::int FROM iso28000.hs_wide k JOIN iso28000.history h
             ON h.org_id = k.org_id AND h.table_name = 'iso28000.hs_wide' AND h.row_key ->> 'wid' = k.wid::text
            CROSS JOIN generate_series(1, 40) g
            WHERE h.operation = 'UPDATE' AND h.after_image -> ('c' || g) = to_jsonb(k) -> ('c' || g)
              AND (SELECT count(*) FROM jsonb_each(h.after_image)) = 42
              AND (SELECT count(*) FROM jsonb_each(h.before_image)) = 42), 40,
          'every one of its 42 keys is found by look-up and by iteration, past the offsets');
SELECT is((SELECT array_agg(key ORDER BY key) FROM iso28000.history h, jsonb_each_text(h.before_image)
            WHERE h.table_name = 'iso28000.hs_wide' AND h.operation = 'UPDATE'
              AND value IS DISTINCT FROM h.after_image ->> key),
          ARRAY['c1', 'c2', 'c8'], 'the before image of the update holds the values it had');
-- The bytes themselves: the update's after image, copied as it is stored,
-- beside to_jsonb() of the row (pageinspect, where installed).
SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pageinspect') AS has_pageinspect \gset
\if :has_pageinspect
CREATE EXTENSION pageinspect;
CREATE TABLE public.hs_bytes (n int, j jsonb);
INSERT INTO public.hs_bytes
  SELECT 1, h.after_image FROM iso28000.history h
   WHERE h.table_name = 'iso28000.hs_wide' AND h.operation = 'UPDATE';
INSERT INTO public.hs_bytes SELECT 2, to_jsonb(k) FROM iso28000.hs_wide k WHERE c4 IS NOT NULL;
INSERT INTO public.hs_bytes
  SELECT 3, h.row_key FROM iso28000.history h
   WHERE h.table_name = 'iso28000.hs_wide' AND h.operation = 'UPDATE';
INSERT INTO public.hs_bytes SELECT 4, jsonb_build_object('org_id', k.org_id, 'wid', k.wid) FROM iso28000.hs_wide k WHERE c4 IS NOT NULL;
SELECT is((SELECT format('%s rows, %s value', count(*), count(DISTINCT a.t_attrs[2])) FROM heap_page_item_attrs(get_raw_page('public.hs_bytes', 0), 'public.hs_bytes'::regclass) a
            WHERE a.t_attrs[1] IN ('\x01000000'::bytea, '\x02000000'::bytea)), '2 rows, 1 value',
          'the wide image''s stored bytes are to_jsonb()''s, byte for byte');
SELECT is((SELECT format('%s rows, %s value', count(*), count(DISTINCT a.t_attrs[2])) FROM heap_page_item_attrs(get_raw_page('public.hs_bytes', 0), 'public.hs_bytes'::regclass) a
            WHERE a.t_attrs[1] IN ('\x03000000'::bytea, '\x04000000'::bytea)), '2 rows, 1 value',
          'and so are its key''s');
\else
SELECT skip('pageinspect is not installed here', 2);
\endif
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'the chain verifies with the wide register''s records');

-- 7. The roles' names are kept per backend between statements (history.c,
--    role_name()); a role renamed between two statements of a session is
--    recorded under its new name at the next.
CREATE ROLE hs_renamed SUPERUSER;
SET ROLE hs_renamed;
INSERT INTO iso28000.hs_wide (org_id, c4) VALUES (:a, 'renamed 1');
RESET ROLE;
ALTER ROLE hs_renamed RENAME TO hs_renamed_2;
SET ROLE hs_renamed_2;
INSERT INTO iso28000.hs_wide (org_id, c4) VALUES (:a, 'renamed 2');
RESET ROLE;
SELECT is((SELECT string_agg(h.acting_role || ' ' || (h.after_image ->> 'c4'), ', ' ORDER BY h.seq) FROM iso28000.history h
            WHERE h.table_name = 'iso28000.hs_wide' AND h.after_image ->> 'c4' LIKE 'renamed %'),
          'hs_renamed renamed 1, hs_renamed_2 renamed 2', 'a role renamed between statements: the next record has its new name');

-- 8. A record past 2 kB (two images of a row with long texts) is stored as it
--    is up to what a page holds: TOAST would compress its images with pglz at
--    every write (sql/core/05_history.sql, toast_tuple_target).
SELECT is((SELECT reloptions FROM pg_class WHERE oid = 'iso28000.history'::regclass),
          ARRAY['toast_tuple_target=8160'], 'the history keeps a record up to a page as it is');
UPDATE iso28000.hs_wide SET c4 = repeat('wide ', 300), c8 = repeat('page ', 300) WHERE c4 = 'renamed 2';
SELECT is((SELECT format('%s, %s, %s', coalesce(pg_column_compression(h.before_image), 'as it is'),
                         coalesce(pg_column_compression(h.after_image), 'as it is'),
                         pg_column_size(h.*) > 3000)
             FROM iso28000.history h
            WHERE h.table_name = 'iso28000.hs_wide' AND h.operation = 'UPDATE' AND h.after_image ->> 'c4' LIKE 'wide %'),
          'as it is, as it is, t', 'a record of more than 3 kB: neither image compressed');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'and the chain verifies with it');

-- 9. The link at commit forms each record's tuple before it takes the
--    organisation's head and writes in only its seq and hashes under it
--    (history.c, form_row(); history_store.c, history_store_form()), up to 64
--    records of an organisation: the rest are formed under the head as
--    before.  70 records of a new organisation pending (single-row INSERTs,
--    an UPDATE of six rows, a DELETE, a record of more than 8 kB that TOAST
--    stores out of line), interleaved with 7 of another, linked when the
--    history is read.
--    The two organisations are made unrecorded (row_security off, as a
--    restore does), so that no head of theirs is held by this transaction
--    (which would link each statement's records at once).
SET row_security = off;
SELECT iso28000.create_organization('HS-C', 'Store C') AS c \gset
SELECT iso28000.create_organization('HS-D', 'Store D') AS d \gset
RESET row_security;
SELECT is((SELECT count(*)::int FROM iso28000.history_head WHERE org_id IN (:c, :d)), 0,
          'two organisations without a chain yet');
DO $$
DECLARE
  c bigint := (SELECT org_id FROM iso28000.organization WHERE code = 'HS-C');
  d bigint := (SELECT org_id FROM iso28000.organization WHERE code = 'HS-D');
BEGIN
  FOR g IN 1..62 LOOP
    INSERT INTO iso28000.hs_item (org_id, label, qty) VALUES (c, 'formed ' || g, g);
    IF g % 9 = 0 THEN
      INSERT INTO iso28000.hs_item (org_id, label, qty) VALUES (d, 'formed d' || g, g);
    END IF;
  END LOOP;
  UPDATE iso28000.hs_item SET qty = -qty WHERE org_id = c AND label IN ('formed 1', 'formed 2', 'formed 3', 'formed 4', 'formed 6', 'formed 7');
  DELETE FROM iso28000.hs_item WHERE org_id = c AND label = 'formed 5';
  INSERT INTO iso28000.hs_item (org_id, label, qty) VALUES (c, repeat(md5('out of line') || ' ', 400), 0);
  INSERT INTO iso28000.hs_item (org_id, label, qty) VALUES (d, 'formed d last', 0);
END $$;
SELECT is((SELECT format('%s records, seq %s to %s', count(*), min(seq), max(seq)) FROM iso28000.history
            WHERE org_id = :c),
          '70 records, seq 1 to 70', 'the link at commit: 70 pending records of one organisation, without a gap');
SELECT is((SELECT count(*)::int FROM iso28000.history h JOIN iso28000.history p
             ON p.org_id = h.org_id AND p.seq = h.seq - 1 AND p.hash = h.prev_hash
            WHERE h.org_id IN (:c, :d) AND h.table_name = 'iso28000.hs_item'),
          75, 'each of them (and the 7 of the other) but the first stores the hash of the record before it');
SELECT is((SELECT count(*)::int FROM iso28000.history
            WHERE org_id IN (:c, :d) AND table_name = 'iso28000.hs_item'
              AND hash = iso28000.history_hash(org_id, seq, recorded_at, session_role, acting_role, txid,
                                               table_name, operation, row_key, before_image, after_image, prev_hash)),
          77, 'each stored hash, those written in under the head, is history_hash() of its record');
SELECT is((SELECT format('%s, %s', length(h.after_image ->> 'label') > 8000, (h.after_image ->> 'label') = repeat(md5('out of line') || ' ', 400))
             FROM iso28000.history h WHERE h.org_id = :c AND h.seq = (SELECT max(seq) FROM iso28000.history WHERE org_id = :c)),
          't, t', 'the last record, of more than 8 kB (TOAST stores it), is there whole');
SELECT ok((SELECT valid FROM iso28000.verify_history(:c)) AND (SELECT valid FROM iso28000.verify_history(:d)),
          'both chains verify');

SELECT * FROM finish();
ROLLBACK;
