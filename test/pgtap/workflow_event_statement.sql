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
SELECT plan(27);

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

SELECT * FROM finish();
ROLLBACK;
