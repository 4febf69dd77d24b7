-- A transaction that records, drops the extension, creates it again and
-- records again: the heads it remembered belonged to the dropped history_head
-- and must not be used (the new organisation gets the same org_id).
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(3);
SELECT is(iso28000.create_organization('RC-1', 'Recreate'), 1::bigint, 'the first organisation is recorded');
DROP EXTENSION iso28000 CASCADE;
CREATE EXTENSION iso28000;
SELECT lives_ok($$SELECT iso28000.create_organization('RC-1', 'Recreate')$$,
                'after DROP and CREATE EXTENSION in the same transaction, recording works');
SELECT results_eq($$SELECT valid, records_checked FROM iso28000.verify_history(1)$$,
                  $$VALUES (true, 2::bigint)$$, 'and the new chain starts afresh and verifies');
SELECT * FROM finish();
ROLLBACK;
