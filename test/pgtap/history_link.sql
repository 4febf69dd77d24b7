-- History records linked at commit (iso28000.history_link = commit, the
-- default on one node; doc/history.md, "When the chain head is taken"): a
-- READ COMMITTED statement keeps its records in memory and the commit links
-- them; a transaction that reads the history or its heads links them first
-- and sees them; a rolled-back savepoint drops its records and gives back the
-- earlier ones it had linked; iso28000.history_link = statement links at each
-- statement.  Concurrency and REPEATABLE READ: test/specs/history_link.spec.
-- This whole file runs in one transaction, so every record below is linked by
-- a read, never by a commit.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(19);

CREATE ROLE tap_hl_boss NOLOGIN;
CREATE ROLE tap_hl_writer NOLOGIN;
SELECT iso28000.create_organization('HL-A', 'Link A', 'tap_hl_boss') AS a \gset
SELECT iso28000.create_organization('HL-B', 'Link B', 'tap_hl_boss') AS b \gset
CREATE TABLE iso28000.hl_item (
    org_id  bigint NOT NULL REFERENCES iso28000.organization,
    item_id bigint GENERATED ALWAYS AS IDENTITY,
    label   text NOT NULL,
    PRIMARY KEY (org_id, item_id)
);
SELECT iso28000.register_table('iso28000.hl_item');
GRANT SELECT, INSERT, UPDATE, DELETE ON iso28000.hl_item TO tap_hl_writer;
SELECT iso28000.grant_access(:a, 'tap_hl_writer', 'write');
SELECT iso28000.grant_access(:b, 'tap_hl_writer', 'write');

-- The records of one organisation's chain made by this test, as label:seq.
CREATE FUNCTION pg_temp.hl_chain(org bigint) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(coalesce(h.after_image, h.before_image)->>'label' || ':' || h.operation || ':' || h.seq, ' ' ORDER BY h.seq)
    FROM iso28000.history h WHERE h.org_id = org AND h.table_name = 'iso28000.hl_item' $$;
SELECT seq AS a0 FROM iso28000.history_head WHERE org_id = :a \gset
SELECT seq AS b0 FROM iso28000.history_head WHERE org_id = :b \gset

SET ROLE tap_hl_writer;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:a, 'one'), (:a, 'two');
RESET ROLE;
SELECT is(current_setting('iso28000.history_link'), 'commit',
          'iso28000.history_link is commit by default');
SELECT is(pg_temp.hl_chain(:a), format('one:INSERT:%s two:INSERT:%s', :a0 + 1, :a0 + 2),
          'the transaction reads its own records: a read links them, in the statement''s order');
SELECT is((SELECT seq FROM iso28000.history_head WHERE org_id = :a), :a0 + 2::bigint,
          'and the head moved to the last of them');

-- A rolled-back savepoint leaves no record and no gap.
SET ROLE tap_hl_writer;
SAVEPOINT sp;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:a, 'gone');
UPDATE iso28000.hl_item SET label = 'gone too' WHERE org_id = :a AND label = 'one';
ROLLBACK TO SAVEPOINT sp;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:a, 'three');
RESET ROLE;
SELECT is(pg_temp.hl_chain(:a), format('one:INSERT:%s two:INSERT:%s three:INSERT:%s', :a0 + 1, :a0 + 2, :a0 + 3),
          'records made in a rolled-back savepoint are dropped: the next record takes the next seq');

-- Records made before a subtransaction and linked in it (a read inside a
-- PL/pgSQL exception block) are linked again when it rolls back: none lost.
SET ROLE tap_hl_writer;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:a, 'four'), (:b, 'b-one');
RESET ROLE;
DO $$
BEGIN
  PERFORM count(*) FROM iso28000.history;   -- links 'four' and 'b-one' in the block's subtransaction
  RAISE EXCEPTION 'undo the block';
EXCEPTION WHEN raise_exception THEN
  NULL;
END $$;
SELECT is(pg_temp.hl_chain(:a), format('one:INSERT:%s two:INSERT:%s three:INSERT:%s four:INSERT:%s', :a0 + 1, :a0 + 2, :a0 + 3, :a0 + 4),
          'a record linked in a rolled-back subtransaction is linked again, once');
SELECT is(pg_temp.hl_chain(:b), format('b-one:INSERT:%s', :b0 + 1),
          'so is the other organisation''s');

-- Records made in a subtransaction that commits (a released savepoint) stay.
SET ROLE tap_hl_writer;
SAVEPOINT kept;
UPDATE iso28000.hl_item SET label = 'FOUR' WHERE org_id = :a AND label = 'four';
RELEASE SAVEPOINT kept;
RESET ROLE;
SELECT is(pg_temp.hl_chain(:a), format('one:INSERT:%s two:INSERT:%s three:INSERT:%s four:INSERT:%s FOUR:UPDATE:%s', :a0 + 1, :a0 + 2, :a0 + 3, :a0 + 4, :a0 + 5),
          'a record of a released savepoint is kept');

-- A savepoint that read (linked) and then rolled back drops its own records
-- and gives back the earlier ones.
SET ROLE tap_hl_writer;
DELETE FROM iso28000.hl_item WHERE org_id = :a AND label = 'two';
SAVEPOINT sp2;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:a, 'gone again');
RESET ROLE;
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a AND table_name = 'iso28000.hl_item'), 7::bigint,
          'a read inside the savepoint sees the records made before it and in it');
ROLLBACK TO SAVEPOINT sp2;
RESET ROLE;   -- the rollback undid the RESET ROLE made after the savepoint
SELECT is(pg_temp.hl_chain(:a), format('one:INSERT:%s two:INSERT:%s three:INSERT:%s four:INSERT:%s FOUR:UPDATE:%s two:DELETE:%s', :a0 + 1, :a0 + 2, :a0 + 3, :a0 + 4, :a0 + 5, :a0 + 6),
          'after its rollback: the DELETE made before it is there again, the INSERT made in it is not');

-- verify_history (a C walk through SPI) sees the records made since the last read.
SET ROLE tap_hl_writer;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:a, 'five');
SET ROLE tap_hl_boss;
SELECT is((SELECT records_checked FROM iso28000.verify_history(:a)), :a0 + 7::bigint,
          'verify_history() checks the records made just before it');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)) AND (SELECT valid FROM iso28000.verify_history(:b)),
          'both chains verify');
RESET ROLE;

-- A statement of more than 1000 rows is linked by the statement itself, after
-- what was pending, in order.
SET ROLE tap_hl_writer;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:b, 'b-two');
INSERT INTO iso28000.hl_item (org_id, label) SELECT :b, 'bulk ' || g FROM generate_series(1, 1001) g;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:b, 'b-three');
RESET ROLE;
SELECT is((SELECT array_agg(h.seq - :b0 ORDER BY h.seq) FROM iso28000.history h
            WHERE h.org_id = :b AND h.after_image->>'label' IN ('b-one', 'b-two', 'bulk 1', 'bulk 1001', 'b-three')),
          ARRAY[1, 2, 3, 1003, 1004]::bigint[],
          'a large statement links at once, after the pending records and before the next ones');
SET ROLE tap_hl_boss;
SELECT ok((SELECT valid FROM iso28000.verify_history(:b)), 'that chain verifies');
RESET ROLE;

-- iso28000.history_link = statement: linked by each statement.
SET iso28000.history_link = statement;
SET ROLE tap_hl_writer;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:a, 'six');
RESET ROLE;
SELECT is((SELECT after_image->>'label' FROM iso28000.history WHERE org_id = :a ORDER BY seq DESC LIMIT 1), 'six',
          'history_link = statement: the record is linked by its statement');
RESET iso28000.history_link;
SELECT throws_ok($$SET iso28000.history_link = sometime$$, '22023', NULL,
                 'history_link takes commit or statement only');
SET ROLE tap_hl_boss;
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'the chain verifies at the end');
RESET ROLE;

-- The heads a transaction holds are forgotten when a savepoint rolls back,
-- however many it held (a kept table of more than 64 is dropped, a smaller
-- one kept with its entries outdated: src/history.c, held_heads_forget()):
-- each chain goes on from its head as it was before the savepoint.
SET iso28000.history_link = statement;
SAVEPOINT few;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:a, 'gone a'), (:b, 'gone b');
ROLLBACK TO SAVEPOINT few;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:a, 'seven'), (:b, 'b-four');
CREATE TEMP TABLE hl_many AS
  SELECT iso28000.create_organization('HLM-' || g, 'Many ' || g, 'tap_hl_boss') AS org FROM generate_series(1, 70) g;
GRANT SELECT ON hl_many TO tap_hl_boss;
SAVEPOINT many;
INSERT INTO iso28000.hl_item (org_id, label) SELECT org, 'held' FROM hl_many;
INSERT INTO iso28000.hl_item (org_id, label) VALUES (:a, 'held a');
ROLLBACK TO SAVEPOINT many;
INSERT INTO iso28000.hl_item (org_id, label) SELECT org, 'after' FROM hl_many;
RESET iso28000.history_link;
SELECT is((SELECT count(*) FROM iso28000.history WHERE table_name = 'iso28000.hl_item'
             AND after_image->>'label' IN ('held', 'held a', 'gone a', 'gone b')), 0::bigint,
          'no record of a rolled-back savepoint that held 70 heads, or 2, is left');
SET ROLE tap_hl_boss;
SELECT is((SELECT count(*) FROM hl_many m, iso28000.verify_history(m.org) v
            WHERE v.valid AND v.records_checked = (SELECT seq FROM iso28000.history_head h WHERE h.org_id = m.org)
              AND (SELECT after_image->>'label' FROM iso28000.history h WHERE h.org_id = m.org ORDER BY seq DESC LIMIT 1) = 'after'),
          70::bigint, 'the 70 chains go on from their heads after the rollback, and verify');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)) AND (SELECT valid FROM iso28000.verify_history(:b))
          AND (SELECT after_image->>'label' FROM iso28000.history WHERE org_id = :a ORDER BY seq DESC LIMIT 1) = 'seven',
          'so do the two held again after a savepoint that held only them (and went on after the other)');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
