-- History chain: recording of every register change, one chain per
-- organisation, actors, views, append-only refusals, access levels, and every
-- error path of the history with its SQLSTATE.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(54);

CREATE ROLE tap_h_boss NOLOGIN;     -- manages A
CREATE ROLE tap_h_writer NOLOGIN;   -- writes A
CREATE ROLE tap_h_auditor NOLOGIN;  -- audits A
CREATE ROLE tap_h_other NOLOGIN;    -- manages B

SELECT iso28000.create_organization('H-A', 'History A', 'tap_h_boss') AS a \gset
SELECT iso28000.create_organization('H-B', 'History B', 'tap_h_other') AS b \gset

-- A register of this test, attached through register_table() like any other.
CREATE TABLE iso28000.h_item (
    org_id  bigint NOT NULL REFERENCES iso28000.organization,
    item_id bigint GENERATED ALWAYS AS IDENTITY,
    label   text NOT NULL,
    qty     integer,
    PRIMARY KEY (org_id, item_id)
);
SELECT iso28000.register_table('iso28000.h_item');

-- Every register is attached: each table of the extension's schema that has an
-- org_id carries the four triggers.  The only exceptions are append-only logs
-- that no member writes, which are not registers: the history's own tables and
-- the workflow engine's event log (written by the engine as a consequence of a
-- register change, which the history records), and the notification outbox
-- (sql/interfaces/notification.sql: messages about register changes, stamped
-- by the database, consumed and marked delivered).  A new table with org_id makes
-- this test fail until it is attached (register_table) or listed here.
SELECT is(
  (SELECT array_agg(c.relname ORDER BY c.relname) FROM pg_class c
    WHERE c.relnamespace = 'iso28000'::regnamespace AND c.relkind IN ('r', 'p')
      AND c.relname NOT IN ('history', 'history_head', 'workflow_event_batch', 'notification')
      AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped)
      AND (SELECT count(*) FROM pg_trigger t
            WHERE t.tgrelid = c.oid AND t.tgfoid = 'iso28000.history_record()'::regprocedure
              AND t.tgname IN ('iso28000_history_insert', 'iso28000_history_update',
                               'iso28000_history_delete', 'iso28000_history_truncate')) <> 4),
  NULL, 'every register of schema iso28000 has the history triggers');
SELECT ok((SELECT count(*) FROM pg_class c
            WHERE c.relnamespace = 'iso28000'::regnamespace AND c.relkind = 'r'
              AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = c.oid
                           AND t.tgfoid = 'iso28000.history_record()'::regprocedure)) >= 3,
          'organization, membership and person at least are attached');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'iso28000.h_item'::regclass
             AND tgfoid = 'iso28000.history_record()'::regprocedure), 4,
          'register_table() attaches the history to a new register');

-- Creating an organisation is recorded in its own chain.
SELECT results_eq(format($$SELECT seq, table_name, operation FROM iso28000.history WHERE org_id = %s ORDER BY seq$$, :a),
  $$VALUES (1::bigint, 'iso28000.organization'::text, 'INSERT'::text), (2, 'iso28000.membership', 'INSERT')$$,
  'the organisation and its first membership open its chain');

-- Writers record changes; the actor is the session user (here the superuser
-- running the test) and the current user.
SELECT iso28000.grant_access(:a, 'tap_h_writer', 'write');
SELECT iso28000.grant_access(:a, 'tap_h_auditor', 'audit');
SET ROLE tap_h_writer;
INSERT INTO iso28000.h_item (org_id, label, qty) VALUES (:a, 'seal', 10), (:a, 'lock', 5), (:a, 'tag', 1);
UPDATE iso28000.h_item SET qty = qty + 1 WHERE label IN ('seal', 'lock');
DELETE FROM iso28000.h_item WHERE label = 'tag';
RESET ROLE;

SELECT results_eq(format($$SELECT seq, operation, row_key->>'item_id', coalesce(after_image, before_image)->>'label'
                             FROM iso28000.history WHERE org_id = %s AND table_name = 'iso28000.h_item' ORDER BY seq$$, :a),
  format($$SELECT * FROM (VALUES (5::bigint, 'INSERT'::text, '%1$s'::text, 'seal'::text), (6, 'INSERT', '%2$s', 'lock'),
                           (7, 'INSERT', '%3$s', 'tag'), (8, 'UPDATE', '%1$s', 'seal'), (9, 'UPDATE', '%2$s', 'lock'),
                           (10, 'DELETE', '%3$s', 'tag')) v$$,
         (SELECT min(item_id) FROM iso28000.h_item), (SELECT min(item_id) + 1 FROM iso28000.h_item),
         (SELECT min(item_id) + 2 FROM iso28000.h_item)),
  'one record per row, in statement order, with gapless sequence numbers');
SELECT is((SELECT array_agg(DISTINCT session_role || '/' || acting_role) FROM iso28000.history
            WHERE org_id = :a AND table_name = 'iso28000.h_item'),
          ARRAY[session_user || '/tap_h_writer'], 'the actor is recorded as session user and current user');
SELECT is((SELECT (before_image->>'qty') || '->' || (after_image->>'qty') FROM iso28000.history
            WHERE org_id = :a AND operation = 'UPDATE' AND after_image->>'label' = 'seal'),
          '10->11', 'an UPDATE keeps the before and after image of the same row');
SELECT ok((SELECT bool_and(after_image IS NULL AND before_image IS NOT NULL) FROM iso28000.history
            WHERE org_id = :a AND operation = 'DELETE'), 'a DELETE keeps the before image only');
SELECT ok((SELECT bool_and(txid = (SELECT pg_current_xact_id()::text::bigint)) FROM iso28000.history WHERE org_id = :a),
          'the transaction id is recorded (one transaction here)');
SELECT is((SELECT prev_hash FROM iso28000.history WHERE org_id = :a AND seq = 1), decode(repeat('00', 32), 'hex'),
          'the first record links to 32 zero bytes');
SELECT is((SELECT count(*)::int FROM iso28000.history h JOIN iso28000.history p
             ON p.org_id = h.org_id AND p.seq = h.seq - 1 AND p.hash = h.prev_hash WHERE h.org_id = :a),
          (SELECT count(*)::int - 1 FROM iso28000.history WHERE org_id = :a),
          'each record stores the hash of the one before it');
SELECT is((SELECT count(*)::int FROM iso28000.history
            WHERE hash = iso28000.history_hash(org_id, seq, recorded_at, session_role, acting_role, txid,
                                               table_name, operation, row_key, before_image, after_image, prev_hash)),
          (SELECT count(*)::int FROM iso28000.history), 'every stored hash is history_hash() of its record');
SELECT is(encode(sha256(convert_to(iso28000.history_canonical(org_id, seq, recorded_at, session_role, acting_role, txid,
                 table_name, operation, row_key, before_image, after_image, prev_hash), 'UTF8')), 'hex'),
          encode(hash, 'hex'), 'the hash is SHA-256 of the canonical serialisation')
  FROM iso28000.history WHERE org_id = :a AND seq = 8;
SELECT alike(iso28000.history_canonical(org_id, seq, recorded_at, session_role, acting_role, txid,
                 table_name, operation, row_key, before_image, after_image, prev_hash),
            '19:iso28000.history.v1,%:' || org_id || ',1:1,%,6:INSERT,%~%,64:' || repeat('0', 64) || ',',
            'the canonical serialisation is netstrings, NULL as ~')
  FROM iso28000.history WHERE org_id = :a AND seq = 1;

-- Chains are per organisation; one statement touching two organisations extends both.
INSERT INTO iso28000.h_item (org_id, label, qty) VALUES (:b, 'b1', 1), (:a, 'a1', 1), (:b, 'b2', 2);
SELECT results_eq(format($$SELECT org_id, seq, after_image->>'label' FROM iso28000.history
                            WHERE table_name = 'iso28000.h_item' AND after_image->>'label' IN ('a1', 'b1', 'b2') ORDER BY org_id, seq$$),
  format($$VALUES (%1$s::bigint, 11::bigint, 'a1'::text), (%2$s, 3, 'b1'), (%2$s, 4, 'b2')$$, :a, :b),
  'a statement touching two organisations extends each chain in statement order');
SELECT results_eq('SELECT org_id, seq FROM iso28000.history_head ORDER BY org_id',
  format($$VALUES (%s::bigint, 11::bigint), (%s, 4)$$, :a, :b), 'each organisation has its own head');
SELECT is((SELECT count(*)::int FROM iso28000.history WHERE org_id = :a AND after_image->>'label' = 'nothing'), 0,
          'a statement that changes no row records nothing');
UPDATE iso28000.h_item SET qty = 0 WHERE false;
SELECT is((SELECT seq FROM iso28000.history_head WHERE org_id = :a), 11::bigint, 'and does not move the head');

-- Verification and the digest.
SELECT results_eq(format('SELECT valid, records_checked, first_broken_seq, problem FROM iso28000.verify_history(%s)', :a),
  $$VALUES (true, 11::bigint, NULL::bigint, NULL::text)$$, 'a sound chain verifies');
SELECT iso28000.history_digest(:a) AS dig \gset
SELECT is((iso28000.history_digest(:a)).digest, format('%s:11:%s', :a, (SELECT encode(hash, 'hex') FROM iso28000.history WHERE org_id = :a AND seq = 11)),
          'the digest is org_id:seq:hash of the head');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a, (iso28000.history_digest(:a)).digest)),
          'the chain verifies against its current digest');
SELECT throws_ok(format($$SELECT * FROM iso28000.verify_history(%s, '%s:1:%s')$$, :a, :b, repeat('ab', 32)),
                 'IS204', NULL, 'a digest of another organisation is refused');
SELECT throws_ok(format($$SELECT * FROM iso28000.verify_history(%s, 'not-a-digest')$$, :a),
                 '22P02', NULL, 'a malformed digest is refused');

-- Views.
SELECT is((SELECT changed_columns FROM iso28000.history_log WHERE org_id = :a AND seq = 8), 'qty',
          'history_log names the columns an UPDATE changed');
SELECT is((SELECT max(version)::int FROM iso28000.record_version WHERE org_id = :a AND table_name = 'iso28000.h_item'
             AND row_key = (SELECT row_key::text FROM iso28000.history WHERE org_id = :a AND seq = 7)), 2,
          'record_version lists a deleted row''s two versions');
SELECT ok((SELECT deleted AND valid_to IS NULL FROM iso28000.record_version WHERE org_id = :a AND seq = 10),
          'the deletion is the last version of the row');
SELECT is((SELECT valid_to FROM iso28000.record_version WHERE org_id = :a AND seq = 5),
          (SELECT recorded_at FROM iso28000.history WHERE org_id = :a AND seq = 8),
          'a version is valid until the next one');
SELECT is((SELECT count(*)::int FROM iso28000.history_export WHERE org_id = :a), 11, 'history_export has every record');

-- Who sees the history: members at level audit, of their organisations only.
SET ROLE tap_h_auditor;
SELECT is((SELECT array_agg(DISTINCT org_id) FROM iso28000.history), ARRAY[:a::bigint], 'an auditor of A sees A''s history only');
SELECT is((SELECT count(*)::int FROM iso28000.history_log), 11, 'and A''s history_log');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'an auditor verifies the chain');
SELECT throws_ok(format('SELECT * FROM iso28000.verify_history(%s)', :b), 'IS001', NULL,
                 'verify_history needs level audit in the organisation');
SELECT throws_ok(format('SELECT * FROM iso28000.history_digest(%s)', :b), 'IS001', NULL,
                 'history_digest needs level audit in the organisation');
SELECT throws_ok(format($$INSERT INTO iso28000.history SELECT * FROM iso28000.history WHERE org_id = %s$$, :a),
                 '42501', NULL, 'nobody inserts into the history directly');
SELECT is((SELECT array_agg(org_id) FROM iso28000.history_head), ARRAY[:a::bigint], 'an auditor of A sees A''s chain head only');
RESET ROLE;
SET ROLE tap_h_writer;
SELECT is((SELECT count(*)::int FROM iso28000.history), 0, 'a writer (below audit) sees no history');
RESET ROLE;

-- Append-only, even for a superuser.
SELECT throws_ok('UPDATE iso28000.history SET operation = operation', 'IS201', NULL, 'UPDATE of the history is refused');
SELECT throws_ok('DELETE FROM iso28000.history', 'IS201', NULL, 'DELETE of the history is refused');
SELECT throws_ok('TRUNCATE iso28000.history', 'IS201', NULL, 'TRUNCATE of the history is refused');
SELECT throws_ok('DELETE FROM iso28000.history_head', 'IS201', NULL, 'DELETE of the chain heads is refused');
SELECT throws_ok('TRUNCATE iso28000.history_head', 'IS201', NULL, 'TRUNCATE of the chain heads is refused');
SELECT throws_ok('TRUNCATE iso28000.h_item', 'IS202', NULL, 'TRUNCATE of a register is refused');

-- attach_history() only takes registers; a history trigger must be AFTER with transition tables.
CREATE TABLE iso28000.h_no_org (id int PRIMARY KEY);
CREATE TABLE iso28000.h_no_pk (org_id bigint NOT NULL, x int);
SELECT throws_ok($$SELECT iso28000.attach_history('iso28000.h_no_org')$$, 'IS205', NULL, 'a table without org_id cannot be attached');
SELECT throws_ok($$SELECT iso28000.attach_history('iso28000.h_no_pk')$$, 'IS205', NULL, 'a table without a primary key cannot be attached');
CREATE TABLE iso28000.h_int_org (org_id integer NOT NULL, id int, PRIMARY KEY (org_id, id));
SELECT throws_ok($$SELECT iso28000.attach_history('iso28000.h_int_org')$$, 'IS205', NULL, 'a table whose org_id is not bigint cannot be attached');
CREATE TABLE iso28000.h_bad (org_id bigint NOT NULL, id int, PRIMARY KEY (org_id, id));
CREATE TRIGGER h_before BEFORE INSERT ON iso28000.h_bad FOR EACH ROW EXECUTE FUNCTION iso28000.history_record();
SELECT throws_ok(format('INSERT INTO iso28000.h_bad VALUES (%s, 1)', :a), 'IS203', NULL, 'a BEFORE history trigger is refused');
DROP TRIGGER h_before ON iso28000.h_bad;
CREATE TRIGGER h_plain AFTER INSERT ON iso28000.h_bad FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record();
SELECT throws_ok(format('INSERT INTO iso28000.h_bad VALUES (%s, 1)', :a), 'IS203', NULL,
                 'a statement history trigger without transition tables is refused');
DROP TRIGGER h_plain ON iso28000.h_bad;

-- A row-level history trigger records the same way (the benchmark compares the two).
CREATE TRIGGER h_row AFTER INSERT OR UPDATE OR DELETE ON iso28000.h_bad FOR EACH ROW EXECUTE FUNCTION iso28000.history_record();
INSERT INTO iso28000.h_bad VALUES (:a, 1), (:a, 2);
UPDATE iso28000.h_bad SET id = id + 10;
SELECT is((SELECT array_agg(operation || ':' || (after_image->>'id') ORDER BY seq) FROM iso28000.history
            WHERE org_id = :a AND table_name = 'iso28000.h_bad'),
          ARRAY['INSERT:1', 'INSERT:2', 'UPDATE:11', 'UPDATE:12'], 'a row-level history trigger records each row');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'and the chain still verifies');

-- Many statements in one transaction reuse the head they hold; a rolled-back
-- savepoint undoes its records and its head move, a released one keeps them.
SELECT set_config('h.org_a', :'a', false);
DO $$
BEGIN
    FOR i IN 1..300 LOOP
        INSERT INTO iso28000.h_item (org_id, label) VALUES (current_setting('h.org_a')::bigint, 'loop ' || i);
    END LOOP;
END
$$;
SAVEPOINT sp_undone;
INSERT INTO iso28000.h_item (org_id, label) VALUES (:a, 'undone');
UPDATE iso28000.h_item SET qty = 7 WHERE org_id = :a AND label LIKE 'loop 1%';
ROLLBACK TO SAVEPOINT sp_undone;
SAVEPOINT sp_kept;
INSERT INTO iso28000.h_item (org_id, label) VALUES (:a, 'kept');
RELEASE SAVEPOINT sp_kept;
INSERT INTO iso28000.h_item (org_id, label) VALUES (:a, 'after savepoints');
SELECT is((SELECT count(*)::int FROM iso28000.history WHERE org_id = :a AND after_image->>'label' = 'undone'), 0,
          'a rolled-back savepoint leaves no record');
SELECT is((SELECT array_agg(after_image->>'label' ORDER BY seq) FROM iso28000.history
            WHERE org_id = :a AND seq > (SELECT max(seq) FROM iso28000.history WHERE org_id = :a) - 2),
          ARRAY['kept', 'after savepoints'], 'the records after it follow on without a gap');
SELECT is((SELECT seq FROM iso28000.history_head WHERE org_id = :a),
          (SELECT max(seq) FROM iso28000.history WHERE org_id = :a), 'the head is at the last record');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'the chain of many statements verifies');

-- pg_restore runs with row_security off and loads the history as data: nothing is recorded then.
SET row_security = off;
INSERT INTO iso28000.h_item (org_id, label) VALUES (:a, 'restored');
RESET row_security;
SELECT is((SELECT count(*)::int FROM iso28000.history WHERE after_image->>'label' = 'restored'), 0,
          'with row_security off (pg_restore) nothing is recorded');

SELECT * FROM finish();
ROLLBACK;
