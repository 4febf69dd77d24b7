-- The event log's runs written through the table access method
-- (src/workflow_event_store.c) and the SPI INSERT it falls back to, and the
-- organisation check that the register's own foreign key makes unneeded
-- (src/workflow_event.c, wf_org_implied).  Both writers give the same rows;
-- the direct one provides what the executor provided (the event id default,
-- CHECK constraints, every index entry, partial indexes by their predicates);
-- anything it would skip (an INSERT trigger, a CHECK calling a function that
-- is not built in) sends the write to SPI.  Which writer ran is told by a
-- CHECK refusal's detail: the executor's says "Failing row contains ...", the
-- direct writer's has none.
BEGIN;
CREATE EXTENSION iso28000;
-- amcheck checks the btree entries; a PostgreSQL built without contrib has none (the checks are skipped).
SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'amcheck') AS has_amcheck \gset
\if :has_amcheck
CREATE EXTENSION amcheck;
\endif
SET LOCAL search_path = iso28000, public;
SELECT plan(34);
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || q; END $$;

SELECT iso28000.create_organization('WST', 'Workflow event store') AS org \gset
SELECT iso28000.define_workflow('wst_wf', 'event store',
  '[{"state": "open", "initial": true}, {"state": "doing"}, {"state": "done"}]',
  '[{"from": "open", "to": "doing", "level": "write"}, {"from": "doing", "to": "done", "level": "write"},
    {"from": "doing", "to": "open", "level": "write"}]');
CREATE TABLE iso28000.wst (
  org_id bigint NOT NULL REFERENCES iso28000.organization,
  wst_id bigint GENERATED ALWAYS AS IDENTITY,
  status text,
  status_note text,
  PRIMARY KEY (org_id, wst_id)
);
SELECT iso28000.attach_workflow('iso28000.wst', 'wst_wf');
CREATE FUNCTION wst_rows() RETURNS SETOF text LANGUAGE sql AS
  $$ SELECT format('%s %s %s %s %s %s %s', record_id, record_key, coalesce(from_state, '-'), to_state, actor, coalesce(note, '-'), workflow)
       FROM iso28000.workflow_event WHERE table_name = 'iso28000.wst'::regclass ORDER BY event_id $$;
-- The detail of the refusal of a statement (NULL when it went through).
CREATE FUNCTION wst_detail(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  EXECUTE stmt;
  RETURN NULL;
EXCEPTION WHEN check_violation THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN d;
END $$;

-- The direct writer: contents, event ids from the column default, every index.
INSERT INTO wst (org_id) SELECT :org FROM generate_series(1, 3);
UPDATE wst SET status = 'doing', status_note = 'n' || wst_id WHERE wst_id = 2;
SELECT is(ARRAY(SELECT wst_rows()), ARRAY[
  format('1 (org_id, wst_id)=(%s, 1) - open %s - wst_wf', :org, current_user),
  format('2 (org_id, wst_id)=(%s, 2) - open %s - wst_wf', :org, current_user),
  format('3 (org_id, wst_id)=(%s, 3) - open %s - wst_wf', :org, current_user),
  format('2 (org_id, wst_id)=(%s, 2) open doing %s n2 wst_wf', :org, current_user)],
  'the direct writer logs the creations and the transition with their keys, states, actor and note');
SELECT is((SELECT max(first_event_id) - min(first_event_id) FROM workflow_event_batch
            WHERE table_name = 'iso28000.wst'::regclass), 1048576::bigint,
  'each run takes its first event id from the sequence (the column default), one step apart');
UPDATE wst SET status = 'doing' WHERE wst_id IN (1, 3);
INSERT INTO wst (org_id) SELECT :org FROM generate_series(1, 1000);
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wst'::regclass), 1006::bigint,
  'a 1000-row INSERT logs 1000 events (its run stored out of line)');
SELECT is((SELECT events FROM workflow_event_batch WHERE table_name = 'iso28000.wst'::regclass ORDER BY first_event_id DESC LIMIT 1),
  1000, '...in one stored row');
\if :has_amcheck
SELECT lives_ok($$SELECT bt_index_check('iso28000.workflow_event_batch_pkey', true)$$,
  'the primary key holds an entry for every row the direct writer wrote');
SELECT lives_ok($$SELECT bt_index_check('iso28000.workflow_event_batch_long_run_idx', true)$$,
  'and the partial index of long runs, for the rows its predicate takes');
\else
SELECT skip('amcheck is not installed here', 2);
\endif
-- The store's indexes: one btree for the key and the reads by table (issue 13:
-- a second (org_id, table_name) btree cost every transition an entry), the GIN
-- index of the short runs' ids, the btree of the long runs.
SELECT is((SELECT array_agg(pg_get_indexdef(indexrelid) ORDER BY pg_get_indexdef(indexrelid)) FROM pg_index
            WHERE indrelid = 'iso28000.workflow_event_batch'::regclass),
  ARRAY['CREATE INDEX workflow_event_batch_long_run_idx ON iso28000.workflow_event_batch USING btree (org_id, table_name) WHERE (events > 64)',
        'CREATE INDEX workflow_event_batch_record_idx ON iso28000.workflow_event_batch USING gin (record_ids) WHERE (events <= 64)',
        'CREATE UNIQUE INDEX workflow_event_batch_pkey ON iso28000.workflow_event_batch USING btree (org_id, table_name, first_event_id)'],
  'the event store has three indexes, the primary key leading with (org_id, table_name)');
SET LOCAL enable_seqscan = off;
SELECT ok((SELECT string_agg(p, ' ') FROM pg_temp.plan_of(format(
             $$SELECT first_event_id FROM iso28000.workflow_event_batch WHERE org_id = %s AND table_name = 'iso28000.wst'::regclass ORDER BY first_event_id$$, :org)) p)
          ~ 'Index (Only )?Scan using workflow_event_batch_pkey',
  'one table''s runs of an organisation are read through the primary key, in event order');
RESET enable_seqscan;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = on;
SELECT is((SELECT count(*) FROM workflow_event_batch WHERE org_id = :org AND table_name = 'iso28000.wst'::regclass
            AND events > 64), 1::bigint, 'the long run is found through the partial btree');
SELECT is((SELECT count(*) FROM workflow_event_batch WHERE record_ids @> ARRAY[2::bigint] AND events <= 64
            AND table_name = 'iso28000.wst'::regclass), 2::bigint,
  'the short runs of record 2 are found through the partial GIN index (its creation and its transition)');
SELECT is((SELECT count(*) FROM workflow_event_batch WHERE record_ids @> ARRAY[500::bigint] AND events <= 64
            AND table_name = 'iso28000.wst'::regclass), 0::bigint,
  '...which leaves the long run out');
SELECT is((SELECT array_agg(to_state ORDER BY event_id) FROM record_events('iso28000.wst', :org, 2)),
  ARRAY['open', 'doing'], 'record_events() finds a record of short runs');
SELECT is((SELECT array_agg(to_state ORDER BY event_id) FROM record_events('iso28000.wst', :org, 500)),
  ARRAY['open'], 'and a record of the long run');
RESET enable_seqscan;
RESET enable_bitmapscan;

-- The GIN index's state (its opclass's functions) is kept across statements
-- with what is known of the log (wf_store_open()) and dropped with it when the
-- index changes: transitions of several statements, the index altered
-- (fastupdate off: the entries go into its tree, through the kept functions,
-- not into its pending list), then dropped and made anew (another relation)
-- between statements; every transition is found through the index.
ALTER INDEX workflow_event_batch_record_idx SET (fastupdate = off);
UPDATE wst SET status = 'doing' WHERE wst_id = 4;
UPDATE wst SET status = 'doing' WHERE wst_id = 5;
UPDATE wst SET status = 'doing' WHERE wst_id IN (6, 7);
DROP INDEX workflow_event_batch_record_idx;
CREATE INDEX workflow_event_batch_record_idx ON workflow_event_batch
  USING gin (record_ids) WITH (fastupdate = off) WHERE events <= 64;
UPDATE wst SET status = 'doing' WHERE wst_id = 8;
UPDATE wst SET status = 'doing' WHERE wst_id = 9;
ALTER INDEX workflow_event_batch_record_idx SET (fastupdate = on);
UPDATE wst SET status = 'doing' WHERE wst_id = 10;
UPDATE wst SET status = 'doing' WHERE wst_id = 11;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = on;
SELECT is(ARRAY(SELECT k FROM generate_series(4, 11) k
                 WHERE (SELECT count(*) FROM workflow_event_batch WHERE record_ids @> ARRAY[k::bigint] AND events <= 64
                          AND table_name = 'iso28000.wst'::regclass) = 1),
  ARRAY[4, 5, 6, 7, 8, 9, 10, 11],
  'with the GIN state kept across statements, every transition is found through the GIN index, before and after the index changed');
SELECT is((SELECT array_agg(to_state ORDER BY event_id) FROM record_events('iso28000.wst', :org, 9)),
  ARRAY['open', 'doing'], '...and by record_events()');
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wst'::regclass), 1014::bigint,
  '...eight events, none lost or doubled');

-- CHECK constraints: evaluated by the direct writer (no "Failing row" detail).
ALTER TABLE workflow_event_batch ADD CONSTRAINT wst_no_done CHECK (to_state <> 'done') NOT VALID;
SELECT throws_ok($$UPDATE iso28000.wst SET status = 'done' WHERE wst_id = 1$$, '23514',
  'new row for relation "workflow_event_batch" violates check constraint "wst_no_done"',
  'a CHECK constraint added to the log refuses the event (23514), and the transition with it');
SELECT is(wst_detail($$UPDATE iso28000.wst SET status = 'done' WHERE wst_id = 1$$), '',
  '...refused by the direct writer (no executor detail)');
SELECT is((SELECT status FROM wst WHERE wst_id = 1), 'doing', '...the record keeps its state');
SELECT lives_ok($$UPDATE iso28000.wst SET status = 'open' WHERE wst_id = 1$$, 'a row the constraint takes is written');
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wst'::regclass), 1015::bigint,
  '...as one more event');

-- An INSERT trigger on the log: the write goes through SPI (the trigger fires).
CREATE TABLE public.wst_fired (n int);
CREATE FUNCTION public.wst_count() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$ BEGIN INSERT INTO public.wst_fired VALUES (1); RETURN NEW; END $$;
CREATE TRIGGER wst_count BEFORE INSERT ON workflow_event_batch FOR EACH ROW EXECUTE FUNCTION public.wst_count();
UPDATE wst SET status = 'doing' WHERE wst_id = 1;
SELECT is((SELECT count(*) FROM wst_fired), 1::bigint, 'with an INSERT trigger on the log, the writer uses SPI (the trigger fired)');
SELECT is((SELECT format('%s %s %s', record_id, from_state, to_state) FROM iso28000.workflow_event
            WHERE table_name = 'iso28000.wst'::regclass ORDER BY event_id DESC LIMIT 1),
  '1 open doing', '...and logs the same event');
SELECT alike(wst_detail($$UPDATE iso28000.wst SET status = 'done' WHERE wst_id = 1$$), 'Failing row contains%',
  'the CHECK constraint refuses through the executor too (its detail)');
SAVEPOINT trig;
UPDATE wst SET status = 'open' WHERE wst_id = 1;
ROLLBACK TO SAVEPOINT trig;
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wst'::regclass), 1016::bigint,
  'an event written through SPI goes with its rolled-back savepoint');
DROP TRIGGER wst_count ON workflow_event_batch;
UPDATE wst SET status = 'open' WHERE wst_id = 1;
SELECT is((SELECT count(*) FROM wst_fired), 1::bigint, 'the trigger dropped: the direct writer again (the trigger''s count went with the rolled-back writes, nothing since)');
SAVEPOINT direct;
UPDATE wst SET status = 'doing' WHERE wst_id = 1;
ROLLBACK TO SAVEPOINT direct;
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wst'::regclass), 1017::bigint,
  'an event written directly goes with its rolled-back savepoint');
ALTER TABLE workflow_event_batch DROP CONSTRAINT wst_no_done;

-- A CHECK calling a function that is not built in: SPI (the function runs).
CREATE TABLE public.wst_called (n int);
CREATE FUNCTION public.wst_ok(text) RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$ BEGIN INSERT INTO public.wst_called VALUES (1); RETURN true; END $$;
ALTER TABLE workflow_event_batch ADD CONSTRAINT wst_fn CHECK (public.wst_ok(to_state)) NOT VALID;
UPDATE wst SET status = 'doing' WHERE wst_id = 1;
SELECT is((SELECT count(*) FROM wst_called), 1::bigint, 'a CHECK calling a function of its own sends the write to SPI (the function ran once)');
ALTER TABLE workflow_event_batch DROP CONSTRAINT wst_fn;

-- As a member without rights on the log: the writer still writes as the log's owner.
CREATE ROLE tap_wst_writer;
SELECT iso28000.grant_access(:org, 'tap_wst_writer', 'write');
GRANT USAGE ON SCHEMA iso28000 TO tap_wst_writer;
GRANT SELECT, UPDATE ON wst TO tap_wst_writer;
SET ROLE tap_wst_writer;
UPDATE iso28000.wst SET status = 'done' WHERE wst_id = 2;
SELECT throws_ok($$INSERT INTO iso28000.workflow_event_batch (org_id, events, workflow, table_name, record_keys, to_state, actor, occurred_at)
                   VALUES (1, 1, 'x', 'iso28000.wst', '{x}', 'done', 'x', now())$$, '42501', NULL,
  'the member still cannot write the log itself (42501)');
RESET ROLE;
SELECT is((SELECT format('%s %s %s %s', record_id, from_state, to_state, actor) FROM iso28000.workflow_event
            WHERE table_name = 'iso28000.wst'::regclass ORDER BY event_id DESC LIMIT 1),
  '2 doing done tap_wst_writer', 'a member''s transition is logged with the member as its actor');

-- The organisation check stays where the register's key does not stand for it.
-- (a foreign key NOT VALID keeps it too: test/specs/workflow_event_org.spec)
CREATE TABLE iso28000.wst_off (org_id bigint NOT NULL REFERENCES iso28000.organization, wst_id int, status text,
  PRIMARY KEY (org_id, wst_id));
SELECT iso28000.attach_workflow('iso28000.wst_off', 'wst_wf');
-- Switches the foreign key's check triggers on wst_off off or on.
CREATE FUNCTION wst_fk_checks(action text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t name;
BEGIN
  FOR t IN SELECT tgname FROM pg_trigger WHERE tgrelid = 'iso28000.wst_off'::regclass
             AND tgfoid IN ('"RI_FKey_check_ins"'::regproc, '"RI_FKey_check_upd"'::regproc) LOOP
    EXECUTE format('ALTER TABLE iso28000.wst_off %s TRIGGER %I', action, t);
  END LOOP;
END $$;
SELECT wst_fk_checks('DISABLE');
SELECT throws_ok($$INSERT INTO iso28000.wst_off VALUES (999999, 1)$$, '23503',
  'workflow event of organisation 999999 cannot be logged: the organisation does not exist',
  'a foreign key whose triggers are disabled does not stand for the check (23503)');
SELECT lives_ok($$INSERT INTO iso28000.wst_off VALUES (1, 1)$$, '...an organisation that exists is logged');
SELECT wst_fk_checks('ENABLE');
SELECT throws_ok($$INSERT INTO iso28000.wst_off VALUES (999999, 2)$$, '23503', NULL,
  'enabled again, the key refuses the orphan itself (23503, the register''s own check)');
SELECT is((SELECT count(*) FROM iso28000.workflow_event WHERE table_name = 'iso28000.wst_off'::regclass), 1::bigint,
  '...and only the one event was logged');

SELECT * FROM finish();
ROLLBACK;
