-- Tampering with the history as a superuser, each kind detected and located by
-- verify_history: a changed image, a changed link, a deleted record, two
-- records swapped, a record inserted (inside the chain and past its head), the
-- history truncated (its tail, then the whole table), a moved head, and a
-- rewritten chain caught only by a kept digest.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(24);

CREATE TABLE iso28000.ht_item (
    org_id  bigint NOT NULL REFERENCES iso28000.organization,
    item_id bigint GENERATED ALWAYS AS IDENTITY,
    label   text NOT NULL,
    qty     integer,
    PRIMARY KEY (org_id, item_id)
);
SELECT iso28000.register_table('iso28000.ht_item');

-- Ten organisations, each with a chain of 6 records: the organisation, its
-- manager's membership, and four items.
CREATE TEMP TABLE t (n int PRIMARY KEY, org bigint);
INSERT INTO t SELECT n, iso28000.create_organization('T' || n, 'Tamper ' || n) FROM generate_series(1, 10) n;
INSERT INTO iso28000.ht_item (org_id, label, qty)
SELECT t.org, 'item ' || i, i FROM t, generate_series(1, 4) i ORDER BY t.org, i;

-- "valid/first_broken_seq/problem" of an organisation's chain, optionally against a digest.
CREATE FUNCTION pg_temp.vh(n int, kept text DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
  SELECT format('%s/%s/%s', v.valid, v.first_broken_seq, v.problem)
    FROM t, iso28000.verify_history(t.org, kept) v WHERE t.n = vh.n
$$;
CREATE FUNCTION pg_temp.o(n int) RETURNS bigint LANGUAGE sql AS $$ SELECT org FROM t WHERE t.n = o.n $$;

SELECT is((SELECT count(*)::int FROM t WHERE pg_temp.vh(n) = 't//'), 10, 'all ten chains verify before tampering');
SELECT is((SELECT count(DISTINCT seq)::int FROM iso28000.history_head), 1, 'and each has the same length');

-- A digest kept outside the database, before the tampering.
SELECT (iso28000.history_digest(pg_temp.o(6))).digest AS kept6 \gset
SELECT (iso28000.history_digest(pg_temp.o(8))).digest AS kept8 \gset

-- The superuser's ways around the append-only triggers.
SET session_replication_role = replica;

-- 1: a changed image.
UPDATE iso28000.history SET after_image = jsonb_set(after_image, '{qty}', '999')
 WHERE org_id = pg_temp.o(1) AND seq = 4;
SELECT is(pg_temp.vh(1), 'f/4/altered', 'a changed image is found at its record');
SELECT is((SELECT records_checked FROM iso28000.verify_history(pg_temp.o(1))), 3::bigint,
          'records before the broken link are counted as checked');

-- 2: a deleted record.
DELETE FROM iso28000.history WHERE org_id = pg_temp.o(2) AND seq = 3;
SELECT is(pg_temp.vh(2), 'f/3/missing', 'a deleted record is found missing');

-- 3: two records swapped.
UPDATE iso28000.history SET seq = -1 WHERE org_id = pg_temp.o(3) AND seq = 3;
UPDATE iso28000.history SET seq = 3 WHERE org_id = pg_temp.o(3) AND seq = 4;
UPDATE iso28000.history SET seq = 4 WHERE org_id = pg_temp.o(3) AND seq = -1;
SELECT is(pg_temp.vh(3), 'f/3/reordered', 'two swapped records are found reordered');

-- 4: a record inserted inside the chain, forged with a correct hash and link.
UPDATE iso28000.history SET seq = seq + 100 WHERE org_id = pg_temp.o(4) AND seq >= 4;
UPDATE iso28000.history SET seq = seq - 99 WHERE org_id = pg_temp.o(4) AND seq >= 100;
INSERT INTO iso28000.history
SELECT org_id, 4, recorded_at, 'mallory', 'mallory', txid, table_name, 'INSERT', '{"org_id": 0}', NULL, '{"forged": true}', hash,
       iso28000.history_hash(org_id, 4, recorded_at, 'mallory', 'mallory', txid, table_name, 'INSERT',
                             '{"org_id": 0}', NULL, '{"forged": true}', hash)
  FROM iso28000.history WHERE org_id = pg_temp.o(4) AND seq = 3;
SELECT is(pg_temp.vh(4), 'f/4/inserted', 'a forged record inside the chain is found inserted');

-- 5: the tail of the history removed.
DELETE FROM iso28000.history WHERE org_id = pg_temp.o(5) AND seq >= 4;
SELECT is(pg_temp.vh(5), 'f/4/missing', 'a truncated tail is found missing (the head remembers it)');

-- 6: the chain rewritten from record 2 on, consistently, head included: only a kept digest tells.
DO $$
DECLARE
    r record;
    prev bytea;
    h bytea;
BEGIN
    UPDATE iso28000.history SET after_image = jsonb_set(after_image, '{level}', '"read"')
     WHERE org_id = pg_temp.o(6) AND seq = 2;
    SELECT hash INTO prev FROM iso28000.history WHERE org_id = pg_temp.o(6) AND seq = 1;
    FOR r IN SELECT * FROM iso28000.history WHERE org_id = pg_temp.o(6) AND seq >= 2 ORDER BY seq LOOP
        h := iso28000.history_hash(r.org_id, r.seq, r.recorded_at, r.session_role, r.acting_role, r.txid,
                                   r.table_name, r.operation, r.row_key, r.before_image, r.after_image, prev);
        UPDATE iso28000.history SET prev_hash = prev, hash = h WHERE org_id = r.org_id AND seq = r.seq;
        prev := h;
    END LOOP;
    UPDATE iso28000.history_head SET hash = prev WHERE org_id = pg_temp.o(6);
END
$$;
SELECT is(pg_temp.vh(6), 't//', 'a consistently rewritten chain verifies on its own');
SELECT is(pg_temp.vh(6, :'kept6'), 'f/6/digest_mismatch', 'but not against the digest kept before');

-- 7: the chain head moved back by one record.
UPDATE iso28000.history_head h SET seq = 5, hash = (SELECT hash FROM iso28000.history WHERE org_id = h.org_id AND seq = 5)
 WHERE org_id = pg_temp.o(7);
SELECT is(pg_temp.vh(7), 'f/6/inserted', 'a record beyond the head is found inserted');

-- 9: a record's link changed.
UPDATE iso28000.history SET prev_hash = sha256('x') WHERE org_id = pg_temp.o(9) AND seq = 5;
SELECT is(pg_temp.vh(9), 'f/5/altered', 'a changed link is found altered');

-- 10: the head's hash changed.
UPDATE iso28000.history_head SET hash = sha256('y') WHERE org_id = pg_temp.o(10);
SELECT is(pg_temp.vh(10), 'f/6/altered', 'a head that does not carry the last hash is found');

RESET session_replication_role;

-- Tampering with one organisation's chain leaves the others sound.
SELECT is(pg_temp.vh(8), 't//', 'an untouched chain still verifies');
SELECT is(pg_temp.vh(8, :'kept8'), 't//', 'and against its kept digest');
INSERT INTO iso28000.ht_item (org_id, label) VALUES (pg_temp.o(8), 'later');
SELECT is(pg_temp.vh(8, :'kept8'), 't//', 'a digest kept earlier still vouches for the chain after it grows');
SELECT is(pg_temp.vh(8, format('%s:99:%s', pg_temp.o(8), repeat('0', 64))), 'f/8/missing',
          'a digest beyond the chain is found missing');

-- The chains go on after tampering (the head is the truth for new records).
INSERT INTO iso28000.ht_item (org_id, label) VALUES (pg_temp.o(1), 'after');
SELECT is((SELECT max(seq) FROM iso28000.history WHERE org_id = pg_temp.o(1)), 7::bigint, 'recording goes on');
SELECT is(pg_temp.vh(1), 'f/4/altered', 'and the old break is still reported');

-- Disabling the append-only trigger does not help either.
ALTER TABLE iso28000.history DISABLE TRIGGER history_append_only;
UPDATE iso28000.history SET session_role = 'nobody' WHERE org_id = pg_temp.o(8) AND seq = 2;
ALTER TABLE iso28000.history ENABLE TRIGGER history_append_only;
SELECT is(pg_temp.vh(8), 'f/2/altered', 'a change made with the trigger disabled is found');

-- The whole history truncated.
ALTER TABLE iso28000.history DISABLE TRIGGER history_append_only_truncate;
TRUNCATE iso28000.history;
ALTER TABLE iso28000.history ENABLE TRIGGER history_append_only_truncate;
SELECT is(pg_temp.vh(8), 'f/1/missing', 'a truncated history is found missing from its first record');
SELECT is((SELECT records_checked FROM iso28000.verify_history(pg_temp.o(8))), 0::bigint, 'with no record checked');
SELECT is((SELECT count(*)::int FROM t WHERE pg_temp.vh(n) = 'f/1/missing'), 10,
          'every chain reports it, through its head');
SELECT is(pg_temp.vh(6, :'kept6'), 'f/1/missing', 'and a kept digest does as well');

SELECT * FROM finish();
ROLLBACK;
