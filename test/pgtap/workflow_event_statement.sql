-- The event log is written per statement (src/workflow_event.c): the
-- workflow_log() statement triggers that attach_workflow() creates write the
-- events of a statement once, at its end.  Complete (every transition and
-- every new record, none for an UPDATE that keeps the state), in the order the
-- rows were written, with actor and statement time; nothing survives a
-- statement, savepoint or transaction that rolls back; a table with only the
-- row trigger still logs per row.
BEGIN;
CREATE EXTENSION iso28000;
SET LOCAL search_path = iso28000, public;
SELECT plan(41);

SELECT iso28000.create_organization('WES', 'Workflow events per statement') AS org \gset

SELECT iso28000.define_workflow('wes_wf', 'events per statement',
  '[{"state": "open", "initial": true, "deletable": true}, {"state": "doing"}, {"state": "done", "requires": {"summary": "a summary"}}]',
  '[{"from": "open", "to": "doing", "level": "write"}, {"from": "doing", "to": "done", "level": "write"},
    {"from": "doing", "to": "open", "level": "write"}]');
CREATE TABLE iso28000.wes (
  org_id bigint NOT NULL REFERENCES iso28000.organization,
  wes_id bigint GENERATED ALWAYS AS IDENTITY,
  status text,
  summary text,
  status_changed_at timestamptz,
  status_changed_by name,
  status_note text,
  PRIMARY KEY (org_id, wes_id)
);
SELECT iso28000.attach_workflow('wes', 'wes_wf');
SELECT set_eq($$SELECT tgname::text FROM pg_trigger WHERE tgrelid = 'iso28000.wes'::regclass AND NOT tgisinternal$$,
  ARRAY['workflow_guard', 'workflow_event_insert', 'workflow_event_update'],
  'attach_workflow creates the row trigger and the two statement triggers of the event writer');

CREATE FUNCTION wes_events() RETURNS bigint LANGUAGE sql AS
  $$ SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wes'::regclass $$;

-- INSERT: one event per new record, direct path (<= 8) and batch path.
INSERT INTO wes (org_id) SELECT :org FROM generate_series(1, 3);
SELECT is(wes_events(), 3::bigint, 'a 3-row INSERT logs 3 creation events');
INSERT INTO wes (org_id) SELECT :org FROM generate_series(1, 20);
SELECT is(wes_events(), 23::bigint, 'a 20-row INSERT logs 20 more (one INSERT of the batch)');
SELECT is((SELECT count(*) FROM iso28000.workflow_event e JOIN wes w ON w.org_id = e.org_id AND w.wes_id = e.record_id
            WHERE e.table_name = 'iso28000.wes'::regclass AND e.from_state IS NULL AND e.to_state = 'open'
              AND e.actor = current_user AND e.occurred_at = w.status_changed_at
              AND e.record_key = format('(org_id, wes_id)=(%s, %s)', w.org_id, w.wes_id)),
  23::bigint, 'each creation event names its record, NULL to open, the actor and the stamp''s time');

-- UPDATE: only rows whose state changes; in the order the rows were written.
UPDATE wes SET status = 'doing', status_note = 'started ' || wes_id WHERE wes_id <= 12;
SELECT is(wes_events(), 35::bigint, 'a 12-row transition logs 12 events');
SELECT is((SELECT array_agg(record_id ORDER BY event_id) FROM iso28000.workflow_event
            WHERE table_name = 'iso28000.wes'::regclass AND to_state = 'doing'),
  (SELECT array_agg(wes_id ORDER BY wes_id) FROM wes WHERE wes_id <= 12),
  'its events follow the order in which the rows were written');
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wes'::regclass
            AND to_state = 'doing' AND from_state = 'open' AND note = 'started ' || record_id),
  12::bigint, 'with from_state, to_state and the status_note written by the statement');
UPDATE wes SET summary = 'no transition' WHERE wes_id <= 20;
SELECT is(wes_events(), 35::bigint, 'an UPDATE that keeps every state logs nothing');
UPDATE wes SET status = CASE WHEN wes_id <= 2 THEN 'done' ELSE status END, summary = 's' WHERE wes_id <= 5;
SELECT is(wes_events(), 37::bigint, 'an UPDATE moving 2 of its 5 rows logs 2 events');

-- A refused row: the statement fails and logs nothing.
SELECT throws_ok($$UPDATE wes SET status = 'done', summary = NULL WHERE wes_id BETWEEN 3 AND 12$$, 'IS103', NULL,
  'a statement with one refused row fails');
SELECT is(wes_events(), 37::bigint, '...and none of its rows'' events is written');

-- Savepoints: events go with the savepoint they were written in.
SAVEPOINT a;
UPDATE wes SET status = 'done' WHERE wes_id BETWEEN 3 AND 12;
SELECT is(wes_events(), 47::bigint, 'inside a savepoint, 10 transitions log 10 events');
ROLLBACK TO SAVEPOINT a;
SELECT is(wes_events(), 37::bigint, 'ROLLBACK TO SAVEPOINT removes them');
SELECT is((SELECT count(*) FROM wes WHERE status = 'done'), 2::bigint, '...with the rows'' transitions');
UPDATE wes SET status = 'done' WHERE wes_id = 3;
SELECT is(wes_events(), 38::bigint, 'after the rollback a new transition logs exactly its one event');
SAVEPOINT b;
UPDATE wes SET status = 'open' WHERE wes_id BETWEEN 4 AND 12;
RELEASE SAVEPOINT b;
SELECT is(wes_events(), 47::bigint, 'a released savepoint keeps its events');

-- A failure caught inside a function (a subtransaction) takes its events with it.
CREATE FUNCTION wes_try() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  UPDATE iso28000.wes SET status = 'doing' WHERE wes_id BETWEEN 4 AND 12;
  RAISE EXCEPTION 'changed my mind';
EXCEPTION WHEN raise_exception THEN
  RETURN 'caught';
END $$;
SELECT is(wes_try(), 'caught', 'a function moves 9 rows, then fails and catches it');
SELECT is(wes_events(), 47::bigint, '...and none of the 9 events stays');
SELECT is((SELECT count(*) FROM wes WHERE status = 'open'), 20::bigint, '...nor the transitions');

-- Statements nested in one statement each log their own events.
CREATE FUNCTION wes_move(id bigint, st text) RETURNS void LANGUAGE sql AS
  $$ UPDATE iso28000.wes SET status = st WHERE wes_id = id $$;
SELECT wes_move(wes_id, 'doing') FROM wes WHERE wes_id BETWEEN 4 AND 6;
SELECT is(wes_events(), 50::bigint, 'three statements run by one query log three events');

-- Readable through the event log's row-level security by a member.
CREATE ROLE tap_wes_reader;
GRANT USAGE ON SCHEMA iso28000 TO tap_wes_reader;
SELECT iso28000.grant_access(:org, 'tap_wes_reader', 'read');
SET LOCAL ROLE tap_wes_reader;
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wes'::regclass), 50::bigint,
  'a reader of the organisation sees every event');
RESET ROLE;

-- Replica mode (restore): nothing logged.
SET LOCAL session_replication_role = replica;
INSERT INTO wes (org_id, status) SELECT :org, 'done' FROM generate_series(1, 10);
SET LOCAL session_replication_role = origin;
SELECT is(wes_events(), 50::bigint, 'a restore in replica mode logs nothing');

-- The triggers refuse to be misused.
CREATE TRIGGER wes_bad AFTER DELETE ON iso28000.wes FOR EACH ROW EXECUTE FUNCTION iso28000.workflow_log('wes_wf');
SELECT throws_ok($$DELETE FROM wes WHERE wes_id = 13$$, 'IS100', NULL,
  'workflow_log() fired other than AFTER INSERT or UPDATE FOR EACH STATEMENT with transition tables is refused');
DROP TRIGGER wes_bad ON wes;

-- detach drops all three; a table with only the row trigger logs each row itself.
SELECT iso28000.detach_workflow('wes');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'iso28000.wes'::regclass AND NOT tgisinternal), 0,
  'detach_workflow drops the row trigger and both statement triggers');
CREATE TRIGGER workflow_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.wes FOR EACH ROW
  EXECUTE FUNCTION iso28000.workflow_guard('wes_wf', 'status');
UPDATE wes SET status = 'doing' WHERE wes_id BETWEEN 7 AND 12;
SELECT is(wes_events(), 56::bigint, 'with only the row trigger, each transition is still logged');
SELECT iso28000._workflow_attach_log('iso28000.wes', 'wes_wf', 'status');
SELECT max(event_id) AS last_event FROM iso28000.workflow_event \gset
UPDATE wes SET status = 'open' WHERE wes_id BETWEEN 7 AND 12;
SELECT is(wes_events(), 62::bigint, 'with the statement triggers back, six transitions log six events');
SELECT is((SELECT count(DISTINCT record_id) FROM iso28000.workflow_event WHERE event_id > :last_event),
  6::bigint, '...one for each record, none twice');


-- The store: one row of iso28000.workflow_event_batch per run of a statement's
-- events (same organisation, states, actor and time), the ids in the order the
-- rows were written; the view iso28000.workflow_event shows one row per event.
CREATE TABLE iso28000.wes_run (
  org_id bigint NOT NULL REFERENCES iso28000.organization,
  wr_id bigint NOT NULL,
  status text,
  summary text,
  status_changed_at timestamptz,
  status_changed_by name,
  status_note text,
  PRIMARY KEY (org_id, wr_id)
);
SELECT iso28000.attach_workflow('wes_run', 'wes_wf');
CREATE FUNCTION wes_runs(st text) RETURNS bigint LANGUAGE sql AS
  $$ SELECT count(*) FROM iso28000.workflow_event_batch WHERE table_name = 'iso28000.wes_run'::regclass AND to_state = st $$;
INSERT INTO wes_run (org_id, wr_id) SELECT :org, g FROM generate_series(1, 1000) g;
SELECT is(wes_runs('open'), 1::bigint, 'a 1000-row INSERT stores its creation events as one run');
UPDATE wes_run SET status = 'doing';
SELECT is(wes_runs('doing'), 1::bigint, 'a 1000-row transition is stored as one run');
SELECT is((SELECT events FROM iso28000.workflow_event_batch WHERE table_name = 'iso28000.wes_run'::regclass AND to_state = 'doing'),
  1000, '...of 1000 events');
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wes_run'::regclass
            AND from_state = 'open' AND to_state = 'doing' AND actor = current_user),
  1000::bigint, 'the view shows the 1000 events, each with from, to and actor');
SELECT is((SELECT max(event_id) - min(event_id) + 1 FROM iso28000.workflow_event
            WHERE table_name = 'iso28000.wes_run'::regclass AND to_state = 'doing'),
  1000::bigint, '...with consecutive event ids');
SELECT is((SELECT count(*) FROM iso28000.workflow_event e JOIN wes_run w ON w.org_id = e.org_id AND w.wr_id = e.record_id
            WHERE e.table_name = 'iso28000.wes_run'::regclass AND e.to_state = 'doing'
              AND e.record_key = format('(org_id, wr_id)=(%s, %s)', w.org_id, w.wr_id)
              AND e.occurred_at = w.status_changed_at),
  1000::bigint, '...each naming its record and the time of the record''s stamp');

-- A statement refused at its last row leaves nothing of what its earlier rows collected.
SELECT throws_ok($$UPDATE wes_run SET status = 'done', summary = CASE WHEN wr_id = 1000 THEN NULL ELSE 's' END$$,
  'IS103', NULL, 'a transition of 1000 rows refused at its last row fails');
UPDATE wes_run SET status = 'done', summary = 's' WHERE wr_id = 1;
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wes_run'::regclass AND to_state = 'done'),
  1::bigint, '...and the next statement logs its one event, none of the 999 collected before the refusal');

-- Rows in different states, interleaved: one run per stretch, in the order written.
UPDATE wes_run SET status = CASE WHEN wr_id % 3 = 0 THEN 'open' ELSE 'done' END, summary = 's',
                   status_note = 'n' || wr_id
 WHERE wr_id BETWEEN 2 AND 13;
SELECT is((SELECT count(*) FROM iso28000.workflow_event_batch
            WHERE table_name = 'iso28000.wes_run'::regclass AND occurred_at = (SELECT max(occurred_at) FROM iso28000.workflow_event_batch)),
  9::bigint, '12 rows moved to two states in turn (d o dd o dd o dd o d) make 9 runs');
SELECT is((SELECT array_agg(record_id ORDER BY event_id) FROM iso28000.workflow_event
            WHERE table_name = 'iso28000.wes_run'::regclass AND note IS NOT NULL),
  (SELECT array_agg(g::bigint ORDER BY g) FROM generate_series(2, 13) g),
  '...whose events keep the order in which the rows were written');
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wes_run'::regclass
            AND note = 'n' || record_id AND to_state = CASE WHEN record_id % 3 = 0 THEN 'open' ELSE 'done' END),
  12::bigint, '...each with its own state and status_note');

-- INSERT ... ON CONFLICT: a record not created logs nothing; the update it makes instead is a transition.
INSERT INTO wes_run (org_id, wr_id) VALUES (:org, 500) ON CONFLICT DO NOTHING;
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wes_run'::regclass AND record_id = 500),
  2::bigint, 'INSERT ... ON CONFLICT DO NOTHING on an existing record logs nothing (its creation and first move only)');
INSERT INTO wes_run (org_id, wr_id) VALUES (:org, 500) ON CONFLICT (org_id, wr_id) DO UPDATE SET status = 'open';
SELECT is((SELECT array_agg(from_state || '>' || to_state ORDER BY event_id) FROM iso28000.workflow_event
            WHERE table_name = 'iso28000.wes_run'::regclass AND record_id = 500 AND from_state IS NOT NULL),
  ARRAY['open>doing', 'doing>open'], 'INSERT ... ON CONFLICT DO UPDATE logs the transition it makes, and no creation');

-- A key that is not (org_id, integer id): no record_id, the key as text.
CREATE TABLE iso28000.wes_code (
  org_id bigint NOT NULL REFERENCES iso28000.organization,
  code text NOT NULL,
  status text,
  summary text,
  PRIMARY KEY (org_id, code)
);
SELECT iso28000.attach_workflow('wes_code', 'wes_wf');
INSERT INTO wes_code (org_id, code) VALUES (:org, 'a b'), (:org, 'c');
UPDATE wes_code SET status = 'doing';
SELECT results_eq($$SELECT record_id, record_key, from_state, to_state FROM iso28000.workflow_event
                     WHERE table_name = 'iso28000.wes_code'::regclass ORDER BY event_id$$,
  format($$VALUES (NULL::bigint, '(org_id, code)=(%1$s, a b)', NULL, 'open'), (NULL, '(org_id, code)=(%1$s, c)', NULL, 'open'),
                  (NULL, '(org_id, code)=(%1$s, a b)', 'open', 'doing'), (NULL, '(org_id, code)=(%1$s, c)', 'open', 'doing')$$, :org),
  'a table keyed by text logs its keys as text, without record_id');

SELECT * FROM finish();
ROLLBACK;
