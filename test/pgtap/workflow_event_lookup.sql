-- One record's events as an index lookup (issue 13): the view
-- iso28000.workflow_event unnests every run of a table before it can filter
-- by record_id; iso28000.record_events(table, org, id) finds the runs that
-- hold the record through the store's indexes (a GIN index on the ids of
-- runs of up to 64 events, a btree on the longer runs) and unnests only
-- those.  Its plan uses both indexes and no sequential scan of the store,
-- and it returns exactly the view's rows for the record, in event_id order:
-- records of single-row statements, of a statement of 200 rows (a long run),
-- with notes, after a refused statement and a rolled-back savepoint, and
-- through row-level security.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(17);

SELECT iso28000.create_organization('WEL', 'Event lookup') AS org \gset
SELECT iso28000.create_organization('WEX', 'Another organisation') AS other \gset
SELECT iso28000.define_workflow('wel_wf', 'event lookup',
  '[{"state": "open", "initial": true, "deletable": true}, {"state": "doing"}, {"state": "done"}]',
  '[{"from": "open", "to": "doing", "level": "write"}, {"from": "doing", "to": "done", "level": "write"},
    {"from": "doing", "to": "open", "level": "write"}, {"from": "done", "to": "open", "level": "write"}]');
CREATE TABLE iso28000.wel (
  org_id bigint NOT NULL REFERENCES iso28000.organization,
  wel_id bigint GENERATED ALWAYS AS IDENTITY,
  status text,
  status_changed_at timestamptz,
  status_changed_by name,
  status_note text,
  PRIMARY KEY (org_id, wel_id)
);
SELECT iso28000.attach_workflow('iso28000.wel', 'wel_wf');

-- Events of every kind: a 200-row INSERT and transition (long runs), single
-- rows with and without notes, a refused statement, a rolled-back savepoint.
INSERT INTO iso28000.wel (org_id) SELECT :org FROM generate_series(1, 200);
INSERT INTO iso28000.wel (org_id) SELECT :other FROM generate_series(1, 3);
UPDATE iso28000.wel SET status = 'doing' WHERE org_id = :org;
UPDATE iso28000.wel SET status = 'done', status_note = 'finished ' || wel_id WHERE org_id = :org AND wel_id IN (7, 150);
UPDATE iso28000.wel SET status = 'open' WHERE org_id = :org AND wel_id = 7;
UPDATE iso28000.wel SET status = 'doing' WHERE org_id = :org AND wel_id = 7;
UPDATE iso28000.wel SET status = 'done' WHERE org_id = :org AND wel_id BETWEEN 10 AND 12;
SAVEPOINT s;
UPDATE iso28000.wel SET status = 'open' WHERE org_id = :org AND wel_id = 7;
ROLLBACK TO SAVEPOINT s;
UPDATE iso28000.wel SET status = 'done' WHERE org_id = :org AND wel_id = 9;
SELECT throws_ok(format($$UPDATE iso28000.wel SET status = 'doing' WHERE org_id = %s AND wel_id = 9$$, :org), 'IS102', NULL,
                 'a transition the workflow does not have is refused (done to doing)');
SELECT min(wel_id) AS x1 FROM iso28000.wel WHERE org_id = :other \gset

-- Filler: 3000 other runs of the same table, as single-row statements write them, so the planner has a choice.
INSERT INTO iso28000.workflow_event_batch (org_id, events, workflow, table_name, key_columns, record_ids, to_state, from_state, actor, occurred_at)
SELECT :org, 1, 'wel_wf', 'iso28000.wel'::regclass, '(org_id, wel_id)', ARRAY[100000 + g]::bigint[], 'doing', 'open', current_user, now()
  FROM generate_series(1, 3000) g;
ANALYZE iso28000.workflow_event_batch;

CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; p text := '';
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP p := p || l || E'\n'; END LOOP;
  RETURN p;
END $$;
SELECT pg_temp.plan_of(format('SELECT * FROM iso28000.record_events(%L::regclass, %s, %s)', 'iso28000.wel', :org, 7)) AS lookup_plan \gset
SELECT diag(:'lookup_plan');
SELECT ok(:'lookup_plan' ~ 'Bitmap Index Scan on workflow_event_batch_record_idx',
          'a record''s short runs are found through the GIN index on their ids');
SELECT ok(:'lookup_plan' ~ 'Index Scan using workflow_event_batch_long_run_idx|Bitmap Index Scan on workflow_event_batch_long_run_idx',
          'its long runs through the index that holds only them');
SELECT ok(:'lookup_plan' !~ 'Seq Scan' AND :'lookup_plan' !~ 'Function Scan on record_events',
          'no sequential scan of the store, and the function is inlined into the query');
SELECT ok(pg_temp.plan_of(format('SELECT * FROM iso28000.workflow_event WHERE table_name = %L::regclass AND org_id = %s AND record_id = %s',
                                 'iso28000.wel', :org, 7)) !~ 'workflow_event_batch_record_idx',
          'the view itself cannot use the id index (it unnests every run of the table first)');

-- The same rows as the view, in the same order.
CREATE FUNCTION pg_temp.view_events(r bigint, o bigint) RETURNS SETOF iso28000.workflow_event LANGUAGE sql AS
  $$ SELECT * FROM iso28000.workflow_event WHERE table_name = 'iso28000.wel'::regclass AND org_id = o AND record_id = r ORDER BY event_id $$;
SELECT results_eq(format('SELECT * FROM iso28000.record_events(%L, %s, 7)', 'iso28000.wel', :org),
                  format('SELECT * FROM pg_temp.view_events(7, %s)', :org),
                  'record 7 (long runs, a note, single-row moves, a rolled-back savepoint): the view''s rows');
SELECT is((SELECT array_agg(coalesce(from_state, '-') || '>' || to_state || coalesce(' ' || note, '') ORDER BY event_id)
             FROM iso28000.record_events('iso28000.wel', :org, 7)),
          ARRAY['->open', 'open>doing', 'doing>done finished 7', 'done>open finished 7', 'open>doing finished 7'],
          '...which are its five events, in order, with the status_note the row had at each');
SELECT results_eq(format('SELECT * FROM iso28000.record_events(%L, %s, 150)', 'iso28000.wel', :org),
                  format('SELECT * FROM pg_temp.view_events(150, %s)', :org),
                  'record 150 (inside the 200-event runs): the view''s rows');
SELECT results_eq(format('SELECT * FROM iso28000.record_events(%L, %s, 11)', 'iso28000.wel', :org),
                  format('SELECT * FROM pg_temp.view_events(11, %s)', :org),
                  'record 11 (a three-row statement): the view''s rows');
SELECT results_eq(format('SELECT * FROM iso28000.record_events(%L, %s, 9)', 'iso28000.wel', :org),
                  format('SELECT * FROM pg_temp.view_events(9, %s)', :org),
                  'record 9 (a refused statement after its last move): the view''s rows');
SELECT is((SELECT count(*) FROM iso28000.record_events('iso28000.wel', :org, 9)), 3::bigint, '...three of them');
SELECT results_eq(format('SELECT * FROM iso28000.record_events(%L, %s, %s)', 'iso28000.wel', :other, :x1),
                  format('SELECT * FROM pg_temp.view_events(%s, %s)', :x1, :other),
                  'a record of the other organisation: the view''s rows');
SELECT is((SELECT count(*) FROM iso28000.record_events('iso28000.wel', :org, :x1)), 0::bigint,
          'the same id asked of the wrong organisation gives nothing');

-- An event carried over from 0.1.0 by the upgrade: a run of one with its id and its key as text, no key_columns.
INSERT INTO iso28000.workflow_event_batch (org_id, first_event_id, events, workflow, table_name, key_columns, record_ids,
                                           record_keys, from_state, to_state, actor, occurred_at, notes)
VALUES (:org, 5, 1, 'wel_wf', 'iso28000.wel'::regclass, NULL, ARRAY[7]::bigint[],
        ARRAY[format('(org_id, wel_id)=(%s, 7)', :org)], 'open', 'doing', 'someone_in_010', '2025-01-01', ARRAY['from 0.1.0']);
SELECT results_eq(format('SELECT * FROM iso28000.record_events(%L, %s, 7)', 'iso28000.wel', :org),
                  format('SELECT * FROM pg_temp.view_events(7, %s)', :org),
                  'with an event carried over from 0.1.0 (id and key text): still the view''s rows');
SELECT is((SELECT event_id || ' ' || record_key || ' ' || note FROM iso28000.record_events('iso28000.wel', :org, 7) LIMIT 1),
          format('5 (org_id, wel_id)=(%s, 7) from 0.1.0', :org), '...the old event first, with its key and note');

-- Row-level security: a reader of one organisation sees its records' events only.
CREATE ROLE tap_wel_reader;
SELECT iso28000.grant_access(:org, 'tap_wel_reader', 'read');
SET LOCAL ROLE tap_wel_reader;
SELECT is((SELECT count(*) FROM iso28000.record_events('iso28000.wel', :org, 7)), 6::bigint,
          'a reader of the organisation gets the record''s events');
SELECT is((SELECT count(*) FROM iso28000.record_events('iso28000.wel', :other, :x1)), 0::bigint,
          '...and none of a record of an organisation he is not a member of');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
