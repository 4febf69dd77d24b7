-- Included by 11_shard_move.sql (\ir) after each move, with :phase and
-- :title set: a manager of A writes and moves a nonconformity through its
-- workflow in the session that was open across the move, and the result is
-- read back as the superuser.  9 tests.
SET ROLE citus_mgr_a;
SELECT lives_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, %L, 'minor')$$, :a, :'title'),
                :'phase' || ': a member of A writes a nonconformity');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'closed' WHERE org_id = %s AND title = %L$$, :a, :'title'),
                 'IS102', NULL, :'phase' || ': a transition the workflow does not allow is refused on the worker (IS102)');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'contained' WHERE org_id = %s AND title = %L$$, :a, :'title'),
                 'IS103', NULL, :'phase' || ': a state without its required column is refused (IS103)');
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'contained', correction = 'Seal replaced.' WHERE org_id = %s AND title = %L$$, :a, :'title'),
                :'phase' || ': a legal transition passes');
RESET ROLE;
SELECT is(pg_temp.move_events(:a, :'title'), ARRAY['reported ' || :mgr, 'contained ' || :mgr],
          :'phase' || ': its workflow events name the table (not the shard) and the acting person');
SELECT is(pg_temp.move_history(:a, :'title'), ARRAY['INSERT reported ' || :mgr, 'UPDATE contained ' || :mgr],
          :'phase' || ': its history records name the table and the acting person');
SELECT valid AS chain_valid, records_checked AS chain_records FROM iso28000.verify_history(:a) \gset
SELECT count(*) AS a_records FROM iso28000.history WHERE org_id = :a \gset
SELECT is(:'chain_valid'::boolean, true, :'phase' || ': A''s chain verifies');
SELECT is(:'chain_records'::bigint, :'a_records'::bigint,
          :'phase' || ': ... every record of A, the moved ones and the new ones');
SELECT is(pg_temp.trigger_mismatches(), 'none',
          :'phase' || ': every placement of the extension''s distributed tables has its table''s triggers, enabled as the install made them');
