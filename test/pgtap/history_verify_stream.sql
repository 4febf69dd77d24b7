-- verify_history walks the chain in C (src/history_verify.c, its per-record
-- memory reset every 256 records): on a chain of over 4,200 records, every kind of
-- tampering at the first records, around the batch boundary and at the last
-- record gives exactly the row (valid, records_checked, first_broken_seq,
-- problem, detail) of the PL/pgSQL verifier of 0.1.0, kept here as reference.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(87);

-- 0.1.0's verify_history, verbatim but for its name
CREATE FUNCTION pg_temp.verify_ref(org bigint, kept_digest text DEFAULT NULL,
    OUT valid boolean, OUT records_checked bigint, OUT first_broken_seq bigint,
    OUT problem text, OUT detail text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    expect_seq bigint := 1;
    prev bytea := decode(repeat('00', 32), 'hex');
    head_seq bigint;
    head_hash bytea;
    kept text[];
    kept_seq bigint;
    kept_hash bytea;
BEGIN
    PERFORM iso28000.require_level(org, 'audit');
    IF kept_digest IS NOT NULL THEN
        kept := regexp_match(kept_digest, '^([0-9]+):([0-9]+):([0-9a-f]{64})$');
        IF kept IS NULL THEN
            RAISE EXCEPTION 'invalid input syntax for a history digest: "%"', kept_digest
                  USING ERRCODE = '22P02',
                        HINT = 'A digest is "org_id:seq:hash" as returned by iso28000.history_digest().';
        END IF;
        IF kept[1]::bigint <> org THEN
            RAISE EXCEPTION 'digest "%" is of organisation %, not of organisation %', kept_digest, kept[1], org
                  USING ERRCODE = 'IS204',
                        DETAIL = 'A kept digest only vouches for the chain of its own organisation.';
        END IF;
        kept_seq := kept[2]::bigint;
        kept_hash := decode(kept[3], 'hex');
    END IF;

    valid := false;
    records_checked := 0;
    FOR r IN
        SELECT h.*, lead(h.prev_hash) OVER (ORDER BY h.seq) AS next_prev_hash
          FROM iso28000.history h
         WHERE h.org_id = org
         ORDER BY h.seq
    LOOP
        IF r.seq <> expect_seq THEN
            first_broken_seq := expect_seq;
            problem := 'missing';
            detail := format('record %s is missing: the chain goes from %s to %s',
                             expect_seq, expect_seq - 1, r.seq);
            RETURN;
        END IF;
        IF r.prev_hash IS DISTINCT FROM prev
           AND EXISTS (SELECT FROM iso28000.history l
                        WHERE l.org_id = org AND l.seq > r.seq AND l.hash = r.prev_hash) THEN
            first_broken_seq := r.seq;
            problem := 'reordered';
            detail := format('record %s links to a record that comes after it in the chain', r.seq);
            RETURN;
        END IF;
        IF r.next_prev_hash IS NOT DISTINCT FROM prev AND r.hash IS DISTINCT FROM prev THEN
            first_broken_seq := r.seq;
            problem := 'inserted';
            detail := format('record %s is not part of the chain: record %s links past it to record %s',
                             r.seq, r.seq + 1, r.seq - 1);
            RETURN;
        END IF;
        IF r.prev_hash IS DISTINCT FROM prev THEN
            first_broken_seq := r.seq;
            problem := 'altered';
            detail := format('record %s does not link to record %s: its prev_hash was changed', r.seq, r.seq - 1);
            RETURN;
        END IF;
        IF iso28000.history_hash(r.org_id, r.seq, r.recorded_at, r.session_role, r.acting_role,
                                 r.txid, r.table_name, r.operation, r.row_key,
                                 r.before_image, r.after_image, r.prev_hash)
           IS DISTINCT FROM r.hash THEN
            first_broken_seq := r.seq;
            problem := 'altered';
            detail := format('record %s does not match its hash: its content was changed', r.seq);
            RETURN;
        END IF;
        IF r.seq = kept_seq AND r.hash <> kept_hash THEN
            first_broken_seq := r.seq;
            problem := 'digest_mismatch';
            detail := format('record %s no longer has the hash of the kept digest: the chain up to it was rewritten', r.seq);
            RETURN;
        END IF;
        records_checked := records_checked + 1;
        prev := r.hash;
        expect_seq := expect_seq + 1;
    END LOOP;

    SELECT h.seq, h.hash INTO head_seq, head_hash FROM iso28000.history_head h WHERE h.org_id = org;
    IF NOT FOUND THEN
        head_seq := 0;
        head_hash := decode(repeat('00', 32), 'hex');
    END IF;
    IF head_seq > records_checked THEN
        first_broken_seq := records_checked + 1;
        problem := 'missing';
        detail := format('the chain ends at record %s but its head is at record %s: records were removed',
                         records_checked, head_seq);
        RETURN;
    ELSIF head_seq < records_checked THEN
        first_broken_seq := head_seq + 1;
        problem := 'inserted';
        detail := format('records %s to %s lie beyond the chain head (record %s)',
                         head_seq + 1, records_checked, head_seq);
        RETURN;
    ELSIF head_hash IS DISTINCT FROM prev THEN
        first_broken_seq := head_seq;
        problem := 'altered';
        detail := format('the chain head does not carry the hash of record %s', head_seq);
        RETURN;
    END IF;
    IF kept_seq > records_checked THEN
        first_broken_seq := records_checked + 1;
        problem := 'missing';
        detail := format('the kept digest names record %s but the chain ends at record %s',
                         kept_seq, records_checked);
        RETURN;
    END IF;
    valid := true;
END
$$;

CREATE TABLE iso28000.hs_item (
    org_id  bigint NOT NULL REFERENCES iso28000.organization,
    item_id bigint GENERATED ALWAYS AS IDENTITY,
    label   text NOT NULL,
    qty     integer,
    price   numeric(12,2),
    PRIMARY KEY (org_id, item_id)
);
SELECT iso28000.register_table('iso28000.hs_item');
SELECT iso28000.create_organization('HS', 'Stream Ltd') AS org \gset
SELECT iso28000.create_organization('HS2', 'Other Ltd') AS org2 \gset
INSERT INTO iso28000.hs_item (org_id, label, qty, price)
SELECT :org, 'item "' || i || E'"\n', i, i / 7.0 FROM generate_series(1, 4200) i;
UPDATE iso28000.hs_item SET qty = qty + 1 WHERE org_id = :org AND item_id % 100 = 0;
DELETE FROM iso28000.hs_item WHERE org_id = :org AND item_id % 1000 = 0;
INSERT INTO iso28000.hs_item (org_id, label) VALUES (:org2, 'other');
SELECT max(seq) AS last FROM iso28000.history WHERE org_id = :org \gset

SELECT cmp_ok(:last::bigint, '>', 4200::bigint, 'the chain is longer than one batch of 4096');
SELECT is((SELECT row(v.*)::text FROM iso28000.verify_history(:org) v), 
          (SELECT row(v.*)::text FROM pg_temp.verify_ref(:org) v), 'the untouched chain: same row');
SELECT is((SELECT valid FROM iso28000.verify_history(:org)), true, 'and it verifies');

-- Tampering as a superuser around the append-only triggers.
CREATE FUNCTION pg_temp.tamper(org bigint, kind text, pos bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL session_replication_role = replica;
  CASE kind
  WHEN 'none' THEN
    NULL;
  WHEN 'image' THEN
    UPDATE iso28000.history SET after_image = coalesce(after_image, '{}') || '{"qty": 999}' WHERE org_id = org AND seq = pos;
  WHEN 'role' THEN
    UPDATE iso28000.history SET session_role = 'mallory' WHERE org_id = org AND seq = pos;
  WHEN 'link' THEN
    UPDATE iso28000.history SET prev_hash = sha256('x') WHERE org_id = org AND seq = pos;
  WHEN 'hash' THEN
    UPDATE iso28000.history SET hash = sha256('z') WHERE org_id = org AND seq = pos;
  WHEN 'short_hash' THEN
    UPDATE iso28000.history SET hash = '\x00' WHERE org_id = org AND seq = pos;
  WHEN 'delete' THEN
    DELETE FROM iso28000.history WHERE org_id = org AND seq = pos;
  WHEN 'swap' THEN
    UPDATE iso28000.history SET seq = -1 WHERE org_id = org AND seq = pos;
    UPDATE iso28000.history SET seq = pos WHERE org_id = org AND seq = pos + 1;
    UPDATE iso28000.history SET seq = pos + 1 WHERE org_id = org AND seq = -1;
  WHEN 'insert' THEN
    -- a forged record at pos, linking to pos - 1 with a correct hash
    UPDATE iso28000.history SET seq = -seq WHERE org_id = org AND seq >= pos;
    UPDATE iso28000.history SET seq = 1 - seq WHERE org_id = org AND seq < 0;
    INSERT INTO iso28000.history
    SELECT org, pos, now(), 'mallory', 'mallory', 1, 'iso28000.hs_item', 'INSERT', '{"org_id": 0}', NULL, '{"forged": true}',
           p, iso28000.history_hash(org, pos, now(), 'mallory', 'mallory', 1, 'iso28000.hs_item', 'INSERT',
                                    '{"org_id": 0}', NULL, '{"forged": true}', p)
      FROM (SELECT coalesce((SELECT hash FROM iso28000.history WHERE org_id = org AND seq = pos - 1),
                            decode(repeat('00', 32), 'hex')) AS p) x;
  WHEN 'tail' THEN
    DELETE FROM iso28000.history WHERE org_id = org AND seq >= pos;
  WHEN 'head_back' THEN
    UPDATE iso28000.history_head h SET seq = pos,
           hash = (SELECT hash FROM iso28000.history WHERE org_id = org AND seq = pos) WHERE h.org_id = org;
  WHEN 'head_hash' THEN
    UPDATE iso28000.history_head SET hash = sha256('y') WHERE org_id = org;
  ELSE
    RAISE EXCEPTION 'unknown kind %', kind;
  END CASE;
END $$;

-- Tampers, runs both verifiers (optionally against a digest), and undoes the tampering.
CREATE FUNCTION pg_temp.both(org bigint, kind text, pos bigint, kept text, OUT c text, OUT r text)
LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    PERFORM pg_temp.tamper(org, kind, pos);
    SELECT row(v.*)::text INTO c FROM iso28000.verify_history(org, kept) v;
    SELECT row(v.*)::text INTO r FROM pg_temp.verify_ref(org, kept) v;
    RAISE EXCEPTION USING ERRCODE = 'ZZ001';
  EXCEPTION WHEN SQLSTATE 'ZZ001' THEN
    NULL;  -- rolled back
  END;
END $$;

CREATE TEMP TABLE cases AS
SELECT k.kind, p.pos, b.*
  FROM unnest(ARRAY['image', 'role', 'link', 'hash', 'short_hash', 'delete', 'swap', 'insert', 'tail',
                    'head_back', 'head_hash']) WITH ORDINALITY k(kind, kn),
       unnest(ARRAY[1, 2, 4095, 4096, 4097, 4098, :last]::bigint[]) WITH ORDINALITY p(pos, pn),
       pg_temp.both(:org, k.kind, p.pos, NULL) b
 ORDER BY k.kn, p.pn;
SELECT is(c, r, format('%s at record %s: %s', kind, pos, r)) FROM cases;
SELECT cmp_ok((SELECT count(DISTINCT split_part(r, ',', 4)) FROM cases)::int, '>=', 5,
              'the cases cover missing, reordered, inserted and altered');

-- digests kept at the batch boundary: right, rewritten, beyond the chain
SELECT is(c, r, format('kept digest %s: %s', kept, r))
  FROM (SELECT d.kept, b.* FROM (VALUES
          (format('%s:%s:%s', :org, 4096, (SELECT encode(hash, 'hex') FROM iso28000.history WHERE org_id = :org AND seq = 4096))),
          (format('%s:%s:%s', :org, 4097, encode(sha256('w'), 'hex'))),
          (format('%s:%s:%s', :org, :last + 5, repeat('0', 64)))) d(kept),
        pg_temp.both(:org, 'none', 0, d.kept) b) x;

-- the walk reads through row-level security: a member of another organisation sees no record
CREATE ROLE tap_hs_other NOLOGIN;
SELECT iso28000.grant_access(:org2, 'tap_hs_other', 'audit');
SET LOCAL ROLE tap_hs_other;
SELECT is((SELECT row(records_checked, problem, encode(last_hash, 'hex'))::text
             FROM iso28000.history_verify_chain(:org, NULL, NULL)),
          row(0, NULL::text, repeat('0', 64))::text, 'history_verify_chain shows no record of another organisation');
SELECT throws_ok(format('SELECT * FROM iso28000.verify_history(%s)', :org), 'IS001', NULL,
                 'and verify_history refuses it');
SELECT is((SELECT valid FROM iso28000.verify_history(:org2)), true, 'its own chain verifies');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
