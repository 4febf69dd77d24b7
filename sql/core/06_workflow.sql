/*
 * sql/core/06_workflow.sql
 *		The workflow engine: rules as data, the event log and the attach helper.
 *
 * A workflow is a set of states, the transitions allowed between them, the
 * columns that must be filled to enter a state, an optional guard function per
 * transition and the membership level a transition needs.  The C trigger
 * iso28000.workflow_guard() (src/workflow*.c) enforces them on every register
 * it is attached to, and appends every transition to iso28000.workflow_event.
 *
 * The rules are catalog data (no org_id): every organisation of the database
 * follows the same rules.  Each register's file declares its own workflow with
 * define_workflow(..., builtin => true), so that pg_dump keeps only the rows a
 * DBA added.  See doc/workflow.md.
 */

-- The membership levels a transition may require, in increasing order.
CREATE FUNCTION iso28000.workflow_level_ok(level text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN level IN ('read', 'write', 'audit', 'manage');
COMMENT ON FUNCTION iso28000.workflow_level_ok(text) IS
  'True when the text is a membership level a workflow transition may require: read, write, audit or manage.';

CREATE TABLE iso28000.workflow (
  workflow    text PRIMARY KEY CHECK (workflow ~ '^[a-z][a-z0-9_]*$' AND length(workflow) < 64),
  description text NOT NULL,
  log_events  boolean NOT NULL DEFAULT true,
  builtin     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE iso28000.workflow IS
  'ISO 28000 7.5.3, 10.2: Workflows the engine enforces (nonconformity, corrective_action, document, risk, audit...). Catalog: no org_id, shared by every organisation.';
COMMENT ON COLUMN iso28000.workflow.workflow IS 'Name of the workflow, as passed to the trigger iso28000.workflow_guard().';
COMMENT ON COLUMN iso28000.workflow.description IS 'What the workflow governs.';
COMMENT ON COLUMN iso28000.workflow.log_events IS 'Whether transitions are appended to iso28000.workflow_event (true by default; the cycle-time views need it). The history chain records every change either way.';
COMMENT ON COLUMN iso28000.workflow.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';

CREATE TABLE iso28000.workflow_state (
  workflow    text NOT NULL REFERENCES iso28000.workflow ON UPDATE CASCADE ON DELETE CASCADE,
  state       text NOT NULL CHECK (state ~ '^[a-z][a-z0-9_]*$' AND length(state) < 64),
  is_initial  boolean NOT NULL DEFAULT false,
  is_terminal boolean NOT NULL DEFAULT false,
  is_frozen   boolean NOT NULL DEFAULT false,
  deletable   boolean NOT NULL DEFAULT false,
  description text,
  builtin     boolean NOT NULL DEFAULT false,
  PRIMARY KEY (workflow, state)
);
COMMENT ON TABLE iso28000.workflow_state IS
  'ISO 28000 7.5.3, 10.2: States of each workflow: where a record may start (initial), where it leaves the active set (terminal), where it may not be changed until a transition takes it out (frozen), and where it may still be deleted.';
COMMENT ON COLUMN iso28000.workflow_state.workflow IS 'The workflow the state belongs to.';
COMMENT ON COLUMN iso28000.workflow_state.state IS 'Name of the state, the value of the status column.';
COMMENT ON COLUMN iso28000.workflow_state.is_initial IS 'A new record may be inserted in this state.';
COMMENT ON COLUMN iso28000.workflow_state.is_terminal IS 'The record has left the active set (closed, rejected, cancelled...); views count it as not open.';
COMMENT ON COLUMN iso28000.workflow_state.is_frozen IS 'A record in this state cannot be updated except by an allowed transition out of it.';
COMMENT ON COLUMN iso28000.workflow_state.deletable IS 'A record in this state may be deleted; in every other state a DELETE is refused (IS107).';
COMMENT ON COLUMN iso28000.workflow_state.description IS 'What the state means.';
COMMENT ON COLUMN iso28000.workflow_state.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';

CREATE TABLE iso28000.workflow_transition (
  workflow       text NOT NULL,
  from_state     text NOT NULL,
  to_state       text NOT NULL CHECK (to_state <> from_state),
  required_level text NOT NULL DEFAULT 'write' CHECK (iso28000.workflow_level_ok(required_level)),
  guard          regprocedure,
  note           text,
  builtin        boolean NOT NULL DEFAULT false,
  PRIMARY KEY (workflow, from_state, to_state),
  FOREIGN KEY (workflow, from_state) REFERENCES iso28000.workflow_state ON UPDATE CASCADE ON DELETE CASCADE,
  FOREIGN KEY (workflow, to_state) REFERENCES iso28000.workflow_state ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE iso28000.workflow_transition IS
  'ISO 28000 7.5.3, 10.2: Allowed transitions of each workflow, the membership level each needs and an optional guard function for rules that look at other rows.';
COMMENT ON COLUMN iso28000.workflow_transition.workflow IS 'The workflow.';
COMMENT ON COLUMN iso28000.workflow_transition.from_state IS 'State the record leaves.';
COMMENT ON COLUMN iso28000.workflow_transition.to_state IS 'State the record enters.';
COMMENT ON COLUMN iso28000.workflow_transition.required_level IS 'Membership level (read, write, audit, manage) the current user needs in the record''s organisation to make the transition (IS106 otherwise).';
COMMENT ON COLUMN iso28000.workflow_transition.guard IS 'Optional guard: a function (row <table row type>, from_state text, to_state text) RETURNS text, NULL to allow, otherwise what is missing (IS104).';
COMMENT ON COLUMN iso28000.workflow_transition.note IS 'Why the transition exists (shown in the documentation and the views).';
COMMENT ON COLUMN iso28000.workflow_transition.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';

CREATE TABLE iso28000.workflow_required_column (
  workflow    text NOT NULL,
  state       text NOT NULL,
  column_name name NOT NULL,
  description text,
  builtin     boolean NOT NULL DEFAULT false,
  PRIMARY KEY (workflow, state, column_name),
  FOREIGN KEY (workflow, state) REFERENCES iso28000.workflow_state ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE iso28000.workflow_required_column IS
  'ISO 28000 7.5.3, 10.2: Columns that must be filled (not NULL, and for text not blank) for a record to enter or stay in a state.';
COMMENT ON COLUMN iso28000.workflow_required_column.workflow IS 'The workflow.';
COMMENT ON COLUMN iso28000.workflow_required_column.state IS 'The state that needs the column.';
COMMENT ON COLUMN iso28000.workflow_required_column.column_name IS 'Column of the governed table that must be filled.';
COMMENT ON COLUMN iso28000.workflow_required_column.description IS 'What the column holds, as the refusal message shows it.';
COMMENT ON COLUMN iso28000.workflow_required_column.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';

GRANT SELECT ON iso28000.workflow, iso28000.workflow_state, iso28000.workflow_transition,
  iso28000.workflow_required_column TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_state', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_transition', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_required_column', 'WHERE NOT builtin');

-- The event log.  Not a register: it is the engine's own append-only output,
-- written by the trigger as the table's owner, so no member can insert, change
-- or delete an event; members read the events of their organisations.
-- Stored compactly (src/workflow_event.c): one row of workflow_event_batch per
-- run of events of one statement that share organisation, workflow, table,
-- both states, actor, acting person and time, with the records' ids (or keys)
-- and notes as arrays in the order the rows were written; the view
-- workflow_event shows one row per event.  Event ids: first_event_id +
-- position - 1, the runs' first ids taken from a sequence that steps by
-- 1048576, the most events a stored run holds.
-- No foreign key to iso28000.organization: every event's organisation is
-- its record's, which the register's own foreign key guarantees; where no
-- enforced key does, the engine checks (and key-share locks) each
-- organisation once per statement instead of once per event
-- (src/workflow_event.c, doc/workflow.md).
CREATE SEQUENCE iso28000.workflow_event_event_id_seq AS bigint INCREMENT BY 1048576;
CREATE TABLE iso28000.workflow_event_batch (
  org_id         bigint NOT NULL,
  first_event_id bigint NOT NULL DEFAULT pg_catalog.nextval('iso28000.workflow_event_event_id_seq'::pg_catalog.regclass),
  events         integer NOT NULL CHECK (events BETWEEN 1 AND 1048576),
  workflow       text NOT NULL,
  table_name     regclass NOT NULL,
  key_columns    text,
  record_ids     bigint[],
  record_keys    text[],
  from_state     text,
  to_state       text NOT NULL,
  actor          name NOT NULL,
  actor_person   bigint,
  occurred_at    timestamptz NOT NULL,
  notes          text[],
  -- One btree for the key and the reads by table: (org_id, table_name) leads,
  -- so the reads of one table's runs (the views, the cycle times) find them
  -- here, in event order.  A second (org_id, table_name) index cost every
  -- single-row transition a btree entry (about 8,000 instructions:
  -- doc/workflow.md).  Event ids are unique by their sequence.
  PRIMARY KEY (org_id, table_name, first_event_id),
  CHECK (coalesce(pg_catalog.cardinality(record_ids), pg_catalog.cardinality(record_keys)) = events),
  CHECK (record_keys IS NOT NULL OR key_columns IS NOT NULL)
);
ALTER SEQUENCE iso28000.workflow_event_event_id_seq OWNED BY iso28000.workflow_event_batch.first_event_id;
-- Arrays stored out of line uncompressed: compressing a run of a million ids
-- cost more than writing them (bench/results/workflow.md).
ALTER TABLE iso28000.workflow_event_batch ALTER COLUMN record_ids SET STORAGE EXTERNAL,
  ALTER COLUMN record_keys SET STORAGE EXTERNAL, ALTER COLUMN notes SET STORAGE EXTERNAL;
COMMENT ON TABLE iso28000.workflow_event_batch IS
  'ISO 28000 7.5.3, 9.1, 10.2: Store of the workflow event log: one row per run of events of one statement with the same organisation, workflow, table, states, actor and time; read it through the view iso28000.workflow_event. Append-only; written by the engine only.';
COMMENT ON COLUMN iso28000.workflow_event_batch.org_id IS 'Organisation of the records.';
COMMENT ON COLUMN iso28000.workflow_event_batch.first_event_id IS 'Event id of the run''s first event; the n-th event of the run has first_event_id + n - 1.';
COMMENT ON COLUMN iso28000.workflow_event_batch.events IS 'Number of events of the run (1 to 1048576).';
COMMENT ON COLUMN iso28000.workflow_event_batch.workflow IS 'Workflow that governed the transitions.';
COMMENT ON COLUMN iso28000.workflow_event_batch.table_name IS 'Table of the records.';
COMMENT ON COLUMN iso28000.workflow_event_batch.key_columns IS 'The primary key''s columns, as in record_key ((org_id, xxx_id)), when record_ids say the keys; NULL when record_keys holds them.';
COMMENT ON COLUMN iso28000.workflow_event_batch.record_ids IS 'The records'' surrogate keys, in the order the rows were written (NULL when the key is not (org_id, integer id)).';
COMMENT ON COLUMN iso28000.workflow_event_batch.record_keys IS 'The records'' whole primary keys as text, when record_ids cannot say them; else NULL.';
COMMENT ON COLUMN iso28000.workflow_event_batch.from_state IS 'State the records left; NULL when they were created.';
COMMENT ON COLUMN iso28000.workflow_event_batch.to_state IS 'State the records entered.';
COMMENT ON COLUMN iso28000.workflow_event_batch.actor IS 'Database role (current_user) that made the changes.';
COMMENT ON COLUMN iso28000.workflow_event_batch.actor_person IS 'Acting person of the organisation, if any.';
COMMENT ON COLUMN iso28000.workflow_event_batch.occurred_at IS 'Start time of the statement that made the transitions.';
COMMENT ON COLUMN iso28000.workflow_event_batch.notes IS 'Each record''s status_note at its transition, when the table has one and any is set; else NULL.';

ALTER TABLE iso28000.workflow_event_batch ENABLE ROW LEVEL SECURITY;
ALTER TABLE iso28000.workflow_event_batch FORCE ROW LEVEL SECURITY;
CREATE POLICY workflow_event_read ON iso28000.workflow_event_batch FOR SELECT
  USING (org_id = ANY (iso28000.policy_orgs('read')));
GRANT SELECT ON iso28000.workflow_event_batch TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_event_batch', '');
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_event_event_id_seq', '');

CREATE VIEW iso28000.workflow_event WITH (security_invoker = true) AS
SELECT e.org_id, e.first_event_id + e.n - 1 AS event_id, e.workflow, e.table_name, e.record_id,
       coalesce(e.record_key, e.key_columns || '=(' || e.org_id || ', ' || e.record_id || ')') AS record_key,
       e.from_state, e.to_state, e.actor, e.actor_person, e.occurred_at, e.note
  FROM (SELECT b.org_id, b.first_event_id, b.workflow, b.table_name, b.key_columns, b.from_state,
               b.to_state, b.actor, b.actor_person, b.occurred_at,
               unnest(b.record_ids) AS record_id, unnest(b.record_keys) AS record_key,
               unnest(b.notes) AS note, generate_series(1::bigint, b.events::bigint) AS n
          FROM iso28000.workflow_event_batch b) e;
COMMENT ON VIEW iso28000.workflow_event IS
  'ISO 28000 7.5.3, 9.1, 10.2: Every workflow transition (and every creation of a governed record): who moved which record from which state to which, and when; one row per event, in event_id order as written. Append-only; written by the engine only (stored in iso28000.workflow_event_batch). Keeps the columns and types of the 0.1.0 table it replaced (table_name regclass, actor name) for the applications and views that read it; dashboards read nonconformity_cycle_time and nonconformity_recurrence. Not meant for BI.';
COMMENT ON COLUMN iso28000.workflow_event.org_id IS 'Organisation of the record.';
COMMENT ON COLUMN iso28000.workflow_event.event_id IS 'Identifier of the event, increasing in the order events were written.';
COMMENT ON COLUMN iso28000.workflow_event.workflow IS 'Workflow that governed the transition.';
COMMENT ON COLUMN iso28000.workflow_event.table_name IS 'Table of the record.';
COMMENT ON COLUMN iso28000.workflow_event.record_id IS 'The record''s surrogate key (the primary key column after org_id) when it is an integer, else NULL.';
COMMENT ON COLUMN iso28000.workflow_event.record_key IS 'The record''s whole primary key, as text: (org_id, xxx_id)=(1, 42).';
COMMENT ON COLUMN iso28000.workflow_event.from_state IS 'State the record left; NULL when the record was created.';
COMMENT ON COLUMN iso28000.workflow_event.to_state IS 'State the record entered.';
COMMENT ON COLUMN iso28000.workflow_event.actor IS 'Database role (current_user) that made the change.';
COMMENT ON COLUMN iso28000.workflow_event.actor_person IS 'Person of the organisation whose db_role is the actor, if any.';
COMMENT ON COLUMN iso28000.workflow_event.occurred_at IS 'Start time of the statement that made the transition.';
COMMENT ON COLUMN iso28000.workflow_event.note IS 'The record''s status_note column at the transition, when the table has one.';
GRANT SELECT ON iso28000.workflow_event TO PUBLIC;

-- One record's events as an index lookup.  The view unnests every run of a
-- table before it can filter by record_id; record_events() finds the runs
-- that hold the record first: runs of up to 64 events through a GIN index on
-- their ids (what single-row and small statements write), longer runs
-- through a btree that holds only them (few: each is a statement of more
-- than 64 rows), then unnests those runs alone.  The GIN index leaves the long
-- runs out because indexing a million-id run costs more than the statement
-- that wrote it (measured: a 1M-row transition 12-13 s without it, 16-18 s
-- with a GIN index over every run).
CREATE INDEX workflow_event_batch_record_idx ON iso28000.workflow_event_batch
  USING gin (record_ids) WHERE events <= 64;
CREATE INDEX workflow_event_batch_long_run_idx ON iso28000.workflow_event_batch (org_id, table_name)
  WHERE events > 64;

CREATE FUNCTION iso28000.record_events(tbl regclass, org bigint, id bigint)
RETURNS SETOF iso28000.workflow_event
LANGUAGE sql STABLE
-- No SET search_path: the body is bound to its objects when created (BEGIN
-- ATOMIC), and a SET would stop the planner from inlining it into the query
-- that calls it (where the indexes above are used).  Within a run, the
-- record's positions come from array_positions(), a scan in C, instead of
-- unnesting the run (a run of a million ids is read once, not turned into a
-- million rows).
BEGIN ATOMIC
  SELECT b.org_id, b.first_event_id + p.n - 1 AS event_id, b.workflow, b.table_name,
         b.record_ids[p.n] AS record_id,
         coalesce(b.record_keys[p.n], b.key_columns || '=(' || b.org_id || ', ' || b.record_ids[p.n] || ')') AS record_key,
         b.from_state, b.to_state, b.actor, b.actor_person, b.occurred_at, b.notes[p.n] AS note
    FROM (SELECT s.* FROM iso28000.workflow_event_batch s
           WHERE s.org_id = record_events.org AND s.table_name = record_events.tbl AND s.events <= 64
             AND s.record_ids @> ARRAY[record_events.id]
          UNION ALL
          SELECT l.* FROM iso28000.workflow_event_batch l
           WHERE l.org_id = record_events.org AND l.table_name = record_events.tbl AND l.events > 64) b
    CROSS JOIN LATERAL unnest(array_positions(b.record_ids, record_events.id)) AS p(n)
   ORDER BY 2;
END;
COMMENT ON FUNCTION iso28000.record_events(regclass, bigint, bigint) IS
  'The events of one record (table, organisation, record_id) from the event log, in event_id order: the rows of iso28000.workflow_event for that record, found through the store''s indexes instead of unnesting every run of the table. Reads with the caller''s rights (row-level security of the store applies). For tables keyed by (org_id, integer id).';

-- The trigger: the engine itself (src/workflow.c and its rooms).
CREATE FUNCTION iso28000.workflow_guard() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_workflow_guard';
REVOKE ALL ON FUNCTION iso28000.workflow_guard() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.workflow_guard() IS
  'Workflow engine trigger (BEFORE INSERT OR UPDATE OR DELETE FOR EACH ROW): arguments are the workflow name and optionally the status column (default status). Enforces the rules of iso28000.workflow_* and logs transitions in iso28000.workflow_event.';

-- A state gate (src/state_gate.c): a BEFORE ROW trigger that calls another
-- trigger function only when the row enters one of the states it names (or,
-- for "state:column", stays in it with that column changed), tested in C per
-- row.  It stands for a WHEN clause on the status, which PostgreSQL reads
-- back from its node string and plans again at every statement (5 to 12 µs
-- of a single-row UPDATE; bench/before_row.sh).
CREATE FUNCTION iso28000.fire_on_entering() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_fire_on_entering';
REVOKE ALL ON FUNCTION iso28000.fire_on_entering() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.fire_on_entering() IS
  'State gate trigger (BEFORE INSERT OR UPDATE FOR EACH ROW): arguments are a schema-qualified trigger function (without parentheses), the status column, and one or more states, each "state" or "state:column[:column...]". Calls the function, with the same trigger data, when the new row''s status is one of the states and the old row''s is not (an INSERT always enters), or, for a state with columns, when one of those columns changed while the row stays in it; otherwise passes the row unchanged. Misdeclared: IS146.';

-- The event writer (src/workflow_event.c): AFTER INSERT (with its new table)
-- and AFTER UPDATE statement triggers, which attach_workflow() puts beside
-- workflow_guard(): the events of a statement are written once, at its end,
-- one stored row per run (the row trigger collects the transitions of an
-- UPDATE in memory).
CREATE FUNCTION iso28000.workflow_log() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_workflow_log';
REVOKE ALL ON FUNCTION iso28000.workflow_log() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.workflow_log() IS
  'Workflow event writer (AFTER INSERT FOR EACH STATEMENT with its new table, AFTER UPDATE FOR EACH STATEMENT; same arguments as workflow_guard): at the end of the statement appends its new records and the transitions that workflow_guard collected to the event log (iso28000.workflow_event, stored in workflow_event_batch), one row per run of events.';

-- The two statement triggers of the event writer for a governed table and status column.
CREATE FUNCTION iso28000._workflow_attach_log(tbl regclass, workflow text, status_column name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  sfx text := CASE WHEN status_column = 'status' THEN '' ELSE '_' || status_column END;
BEGIN
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS iso28000_wf_new '
                 'FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_log(%L, %L)',
                 'workflow_event_insert' || sfx, tbl, workflow, status_column);
  EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s '
                 'FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_log(%L, %L)',
                 'workflow_event_update' || sfx, tbl, workflow, status_column);
END
$$;
REVOKE ALL ON FUNCTION iso28000._workflow_attach_log(regclass, text, name) FROM PUBLIC;
COMMENT ON FUNCTION iso28000._workflow_attach_log(regclass, text, name) IS
  'Creates the event writer''s statement triggers workflow_event_insert and workflow_event_update (suffixed _<status_column> unless it is status) on a governed table; attach_workflow() calls it.';

-- Statement trigger on the rules tables: tells every backend to rebuild its cache.
CREATE FUNCTION iso28000.workflow_rules_changed() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_workflow_rules_changed';
COMMENT ON FUNCTION iso28000.workflow_rules_changed() IS
  'Statement trigger on the workflow rules tables: sends a relcache invalidation so that every session rebuilds its cached rules at its next statement.';

CREATE TRIGGER workflow_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.workflow FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_rules_changed();
CREATE TRIGGER workflow_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.workflow_state FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_rules_changed();
CREATE TRIGGER workflow_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.workflow_transition FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_rules_changed();
CREATE TRIGGER workflow_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.workflow_required_column FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_rules_changed();

-- Declares a workflow in one call, every property of a rule named: its states
-- (initial, terminal, frozen, deletable, the columns each requires) and its
-- transitions (from, to, level, guard, note).  A misconfigured rule is refused
-- here, where it is declared, with its SQLSTATE (IS130-IS137), and nothing is
-- written; nothing is skipped or given a default the declaration did not say.
CREATE FUNCTION iso28000.define_workflow(workflow text, description text,
                                         states jsonb, transitions jsonb,
                                         builtin boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st jsonb;
    tr jsonb;
    k text;
    bad text;
    names text[] := '{}';
    pairs text[] := '{}';
    initials int := 0;
    g regprocedure;
    rettype oid;
    argtypes oidvector;
    nargs int;
BEGIN
    IF EXISTS (SELECT FROM iso28000.workflow w WHERE w.workflow = define_workflow.workflow) THEN
        RAISE EXCEPTION 'workflow "%" is already defined', define_workflow.workflow
              USING ERRCODE = 'IS130', SCHEMA = 'iso28000', TABLE = 'workflow', COLUMN = 'workflow',
                    HINT = 'Change its rows in iso28000.workflow_state and iso28000.workflow_transition, or delete it first.';
    END IF;
    IF define_workflow.workflow IS NULL OR define_workflow.workflow !~ '^[a-z][a-z0-9_]*$'
       OR length(define_workflow.workflow) >= 64 THEN
        RAISE EXCEPTION 'workflow name "%" is not a lower-case identifier of fewer than 64 characters', define_workflow.workflow
              USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow', COLUMN = 'workflow';
    END IF;
    IF define_workflow.description IS NULL OR btrim(define_workflow.description) = '' THEN
        RAISE EXCEPTION 'workflow "%" has no description', define_workflow.workflow
              USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow', COLUMN = 'description';
    END IF;
    IF jsonb_typeof(states) IS DISTINCT FROM 'array' OR jsonb_array_length(states) = 0 THEN
        RAISE EXCEPTION 'the states of workflow "%" are not a non-empty JSON array of objects', define_workflow.workflow
              USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow_state';
    END IF;
    IF jsonb_typeof(transitions) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'the transitions of workflow "%" are not a JSON array of objects', define_workflow.workflow
              USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow_transition';
    END IF;

    -- The states: named once each, known properties only, booleans as booleans.
    FOR st IN SELECT value FROM jsonb_array_elements(states) LOOP
        IF jsonb_typeof(st) <> 'object' THEN
            RAISE EXCEPTION 'workflow "%": a state is not a JSON object: %', define_workflow.workflow, st
                  USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow_state';
        END IF;
        SELECT string_agg(key, ', ' ORDER BY key) INTO bad FROM jsonb_object_keys(st) AS key
         WHERE key NOT IN ('state', 'description', 'initial', 'terminal', 'frozen', 'deletable', 'requires');
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'workflow "%", state "%": unknown properties %', define_workflow.workflow, st->>'state', bad
                  USING ERRCODE = 'IS132', SCHEMA = 'iso28000', TABLE = 'workflow_state',
                        HINT = 'A state has: state, description, initial, terminal, frozen, deletable (true or false) and requires (an object of column: description).';
        END IF;
        IF jsonb_typeof(st->'state') IS DISTINCT FROM 'string' OR st->>'state' !~ '^[a-z][a-z0-9_]*$'
           OR length(st->>'state') >= 64 THEN
            RAISE EXCEPTION 'workflow "%": state name % is not a lower-case identifier of fewer than 64 characters',
                  define_workflow.workflow, coalesce((st->'state')::text, 'missing')
                  USING ERRCODE = 'IS133', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'state';
        END IF;
        IF st->>'state' = ANY (names) THEN
            RAISE EXCEPTION 'workflow "%": state "%" is declared twice', define_workflow.workflow, st->>'state'
                  USING ERRCODE = 'IS133', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'state';
        END IF;
        names := names || (st->>'state');
        FOREACH k IN ARRAY ARRAY['initial', 'terminal', 'frozen', 'deletable'] LOOP
            IF st ? k AND jsonb_typeof(st->k) <> 'boolean' THEN
                RAISE EXCEPTION 'workflow "%", state "%": % is %, not true or false', define_workflow.workflow, st->>'state', k, st->k
                      USING ERRCODE = 'IS132', SCHEMA = 'iso28000', TABLE = 'workflow_state';
            END IF;
        END LOOP;
        IF st ? 'description' AND jsonb_typeof(st->'description') <> 'string' THEN
            RAISE EXCEPTION 'workflow "%", state "%": the description is not a string', define_workflow.workflow, st->>'state'
                  USING ERRCODE = 'IS132', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'description';
        END IF;
        IF st ? 'requires' AND (jsonb_typeof(st->'requires') <> 'object'
                                OR EXISTS (SELECT FROM jsonb_each(st->'requires') r
                                            WHERE jsonb_typeof(r.value) <> 'string' OR r.key = '')) THEN
            RAISE EXCEPTION 'workflow "%", state "%": requires is not an object of column name: description', define_workflow.workflow, st->>'state'
                  USING ERRCODE = 'IS132', SCHEMA = 'iso28000', TABLE = 'workflow_required_column';
        END IF;
        IF coalesce((st->>'initial')::boolean, false) THEN
            initials := initials + 1;
        END IF;
    END LOOP;
    IF initials = 0 THEN
        RAISE EXCEPTION 'workflow "%" has no initial state: no record could ever be inserted', define_workflow.workflow
              USING ERRCODE = 'IS134', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'is_initial',
                    HINT = 'Mark the state a new record starts in with "initial": true.';
    END IF;

    -- The transitions: between declared states, once each, with a level and a
    -- guard that exists and has the guard's signature.
    FOR tr IN SELECT value FROM jsonb_array_elements(transitions) LOOP
        IF jsonb_typeof(tr) <> 'object' THEN
            RAISE EXCEPTION 'workflow "%": a transition is not a JSON object: %', define_workflow.workflow, tr
                  USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow_transition';
        END IF;
        SELECT string_agg(key, ', ' ORDER BY key) INTO bad FROM jsonb_object_keys(tr) AS key
         WHERE key NOT IN ('from', 'to', 'level', 'guard', 'note');
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'workflow "%", transition % -> %: unknown properties %', define_workflow.workflow, tr->>'from', tr->>'to', bad
                  USING ERRCODE = 'IS132', SCHEMA = 'iso28000', TABLE = 'workflow_transition',
                        HINT = 'A transition has: from, to, level (read, write, audit or manage), guard and note.';
        END IF;
        IF NOT (tr->>'from' = ANY (names)) OR NOT (tr->>'to' = ANY (names)) OR tr->>'from' = tr->>'to' THEN
            RAISE EXCEPTION 'workflow "%": transition % -> % does not join two different states it declares',
                  define_workflow.workflow, coalesce(tr->>'from', 'missing'), coalesce(tr->>'to', 'missing')
                  USING ERRCODE = 'IS135', SCHEMA = 'iso28000', TABLE = 'workflow_transition';
        END IF;
        IF (tr->>'from') || ' -> ' || (tr->>'to') = ANY (pairs) THEN
            RAISE EXCEPTION 'workflow "%": transition % -> % is declared twice', define_workflow.workflow, tr->>'from', tr->>'to'
                  USING ERRCODE = 'IS135', SCHEMA = 'iso28000', TABLE = 'workflow_transition';
        END IF;
        pairs := pairs || ((tr->>'from') || ' -> ' || (tr->>'to'));
        IF NOT coalesce(iso28000.workflow_level_ok(tr->>'level'), false) THEN
            RAISE EXCEPTION 'workflow "%", transition % -> %: level % is not read, write, audit or manage',
                  define_workflow.workflow, tr->>'from', tr->>'to', coalesce((tr->'level')::text, 'missing')
                  USING ERRCODE = 'IS136', SCHEMA = 'iso28000', TABLE = 'workflow_transition', COLUMN = 'required_level';
        END IF;
        IF tr ? 'guard' AND jsonb_typeof(tr->'guard') <> 'null' THEN
            g := CASE WHEN jsonb_typeof(tr->'guard') = 'string' THEN to_regprocedure(tr->>'guard') END;
            IF g IS NOT NULL THEN
                SELECT p.prorettype, p.proargtypes, p.pronargs INTO rettype, argtypes, nargs
                  FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) g;
            END IF;
            IF g IS NULL OR nargs <> 3 OR rettype <> 'text'::regtype
               OR argtypes[1] <> 'text'::regtype OR argtypes[2] <> 'text'::regtype THEN
                RAISE EXCEPTION 'workflow "%", transition % -> %: guard % is not a function (row, from_state text, to_state text) RETURNS text',
                      define_workflow.workflow, tr->>'from', tr->>'to', tr->'guard'
                      USING ERRCODE = 'IS137', SCHEMA = 'iso28000', TABLE = 'workflow_transition', COLUMN = 'guard';
            END IF;
        END IF;
    END LOOP;

    INSERT INTO iso28000.workflow (workflow, description, builtin)
    VALUES (define_workflow.workflow, define_workflow.description, define_workflow.builtin);
    INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable, description, builtin)
    SELECT define_workflow.workflow, s.value->>'state',
           coalesce((s.value->>'initial')::boolean, false), coalesce((s.value->>'terminal')::boolean, false),
           coalesce((s.value->>'frozen')::boolean, false), coalesce((s.value->>'deletable')::boolean, false),
           s.value->>'description', define_workflow.builtin
      FROM jsonb_array_elements(states) s;
    INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description, builtin)
    SELECT define_workflow.workflow, s.value->>'state', r.key, r.value #>> '{}', define_workflow.builtin
      FROM jsonb_array_elements(states) s, jsonb_each(coalesce(s.value->'requires', '{}')) r;
    INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level, guard, note, builtin)
    SELECT define_workflow.workflow, t.value->>'from', t.value->>'to', t.value->>'level',
           to_regprocedure(t.value->>'guard'), t.value->>'note', define_workflow.builtin
      FROM jsonb_array_elements(transitions) t;
END
$$;
COMMENT ON FUNCTION iso28000.define_workflow(text, text, jsonb, jsonb, boolean) IS
  'Declares a workflow in one call: states as a JSON array of {state, description, initial, terminal, frozen, deletable, requires: {column: description}} (unset booleans false), transitions as a JSON array of {from, to, level, guard, note}. Refuses a workflow already defined (IS130), a malformed declaration (IS131), an unknown property or a value of the wrong type (IS132), a bad or repeated state name (IS133), no initial state (IS134), a transition between undeclared or equal states or declared twice (IS135), a level that is not read, write, audit or manage (IS136), a guard that is not a function (row, text, text) RETURNS text (IS137); nothing is written then. builtin marks the rows the install script seeds.';

-- The rules of a workflow as the engine will read them for one table: refused
-- here, where they are declared (by attach_workflow() and, for a change of the
-- rules of an attached workflow, by the rules tables' statement trigger below),
-- rather than at the first write to the table.  The engine (src/workflow_rules.c)
-- refuses the same rules with the same SQLSTATEs should they reach it anyway.
CREATE FUNCTION iso28000._workflow_check_rules(tbl regclass, workflow text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad record;
  missing text;
  rowtype oid;
BEGIN
  SELECT s.state INTO bad FROM iso28000.workflow_state s
   WHERE s.workflow = _workflow_check_rules.workflow AND octet_length(s.state) >= 64
   ORDER BY s.state LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'workflow "%" cannot govern table %: state name "%..." is % bytes long, more than the 63 a state may have',
          workflow, tbl, left(bad.state, 20), octet_length(bad.state)
      USING ERRCODE = 'IS138', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'state';
  END IF;
  SELECT t.from_state, t.to_state, t.required_level INTO bad FROM iso28000.workflow_transition t
   WHERE t.workflow = _workflow_check_rules.workflow
     AND NOT coalesce(t.required_level IN ('read', 'write', 'audit', 'manage'), false)
   ORDER BY t.from_state, t.to_state LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'workflow "%" cannot govern table %: transition "%" to "%" requires level "%", which is not read, write, audit or manage',
          workflow, tbl, bad.from_state, bad.to_state, bad.required_level
      USING ERRCODE = 'IS139', SCHEMA = 'iso28000', TABLE = 'workflow_transition', COLUMN = 'required_level';
  END IF;
  IF NOT EXISTS (SELECT FROM iso28000.workflow_state s
                  WHERE s.workflow = _workflow_check_rules.workflow AND s.is_initial) THEN
    RAISE EXCEPTION 'workflow "%" cannot govern table %: it has no initial state, so no record could be inserted', workflow, tbl
      USING ERRCODE = 'IS141', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'is_initial',
            HINT = 'Mark the state a new record starts in with is_initial.';
  END IF;
  SELECT c.reltype INTO rowtype FROM pg_class c WHERE c.oid OPERATOR(pg_catalog.=) tbl;
  SELECT t.from_state, t.to_state, t.guard::oid AS guard INTO bad
    FROM iso28000.workflow_transition t
    LEFT JOIN pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.guard::oid
   WHERE t.workflow = _workflow_check_rules.workflow AND t.guard IS NOT NULL
     AND NOT coalesce(p.prorettype OPERATOR(pg_catalog.=) 'text'::regtype AND p.pronargs = 3
                      AND p.proargtypes[0] IN (rowtype, 'record'::regtype)
                      AND p.proargtypes[1] OPERATOR(pg_catalog.=) 'text'::regtype
                      AND p.proargtypes[2] OPERATOR(pg_catalog.=) 'text'::regtype, false)
   ORDER BY t.from_state, t.to_state LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'workflow "%" cannot govern table %: guard % of "%" to "%" must take (%, text, text) and return text',
          workflow, tbl, bad.guard::regprocedure, bad.from_state, bad.to_state, rowtype::regtype
      USING ERRCODE = 'IS140', SCHEMA = 'iso28000', TABLE = 'workflow_transition', COLUMN = 'guard';
  END IF;
  SELECT string_agg(format('%s (state %s)', r.column_name, r.state), ', ' ORDER BY r.state, r.column_name)
    INTO missing
    FROM iso28000.workflow_required_column r
   WHERE r.workflow = _workflow_check_rules.workflow
     AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = tbl AND a.attname = r.column_name
                        AND a.attnum > 0 AND NOT a.attisdropped);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'table % lacks columns that workflow "%" requires: %', tbl, workflow, missing
      USING ERRCODE = 'IS100', SCHEMA = 'iso28000', TABLE = 'workflow_required_column', COLUMN = 'column_name';
  END IF;
END
$$;
REVOKE ALL ON FUNCTION iso28000._workflow_check_rules(regclass, text) FROM PUBLIC;
COMMENT ON FUNCTION iso28000._workflow_check_rules(regclass, text) IS
  'Refuses rules of a workflow that cannot govern the table: a state name of 64 bytes or more (IS138), a level that is not read, write, audit or manage (IS139), a guard that does not take (table row or record, text, text) and return text (IS140), no initial state (IS141), a required column the table lacks (IS100).';

-- True when a relation is a shard (or a placement) of a Citus table, whose
-- row type is the shard's own (src/citus_compat.c); false without Citus.
CREATE FUNCTION iso28000._is_shard(rel regclass) RETURNS boolean
LANGUAGE c STABLE STRICT COST 1000
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_is_citus_shard';
REVOKE ALL ON FUNCTION iso28000._is_shard(regclass) FROM PUBLIC;
COMMENT ON FUNCTION iso28000._is_shard(regclass) IS
  'Internal: true when the relation is a shard or a placement of a Citus table (named <table>_<shard id> after a table of pg_dist_shard, in its schema); false without Citus.';

-- The name of the table a relation stands for (a Citus shard's table), for
-- the PL/pgSQL triggers that decide or name by table: TG_TABLE_NAME is the
-- shard's name on a worker (src/citus_compat.c, doc/distribution.md).
CREATE FUNCTION iso28000._table_name(rel regclass) RETURNS text
LANGUAGE c STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_table_name';
GRANT EXECUTE ON FUNCTION iso28000._table_name(regclass) TO PUBLIC;
COMMENT ON FUNCTION iso28000._table_name(regclass) IS
  'Internal: the name (without schema) of the table a relation stands for: the Citus table of a shard or placement (person for person_102008), else the relation''s own name; what the extension''s PL/pgSQL triggers use instead of TG_TABLE_NAME, which names the shard on a worker.';

-- Statement trigger on the rules tables: a change of the rules of a workflow
-- that governs a table is checked against that table at once (the tables in
-- name order), so a guard or a required column that cannot fit is refused by
-- the statement that declares it.  On a Citus node the workflow's trigger is
-- also on the shards of the table, each with its own row type: they are left
-- out (the table itself, present on every node, is checked), as the engine
-- hands a guard the row as a row of its table.
CREATE FUNCTION iso28000._workflow_rules_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a record;
BEGIN
  FOR a IN
    SELECT g.tgrelid::regclass AS tbl, split_part(encode(g.tgargs, 'escape'), '\000', 1) AS workflow
      FROM pg_trigger g
     WHERE g.tgfoid OPERATOR(pg_catalog.=) 'iso28000.workflow_guard()'::regprocedure
       AND NOT iso28000._is_shard(g.tgrelid)
     ORDER BY g.tgrelid::regclass::text, 2
  LOOP
    IF EXISTS (SELECT FROM iso28000.workflow w WHERE w.workflow = a.workflow) THEN
      PERFORM iso28000._workflow_check_rules(a.tbl, a.workflow);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION iso28000._workflow_rules_check() FROM PUBLIC;
COMMENT ON FUNCTION iso28000._workflow_rules_check() IS
  'Statement trigger on the workflow rules tables: checks the rules of every workflow that governs a table against that table (iso28000._workflow_check_rules), so a misconfigured rule is refused by the statement that declares it.';
CREATE TRIGGER workflow_rules_check AFTER INSERT OR UPDATE OR DELETE
  ON iso28000.workflow_state FOR EACH STATEMENT EXECUTE FUNCTION iso28000._workflow_rules_check();
CREATE TRIGGER workflow_rules_check AFTER INSERT OR UPDATE OR DELETE
  ON iso28000.workflow_transition FOR EACH STATEMENT EXECUTE FUNCTION iso28000._workflow_rules_check();
CREATE TRIGGER workflow_rules_check AFTER INSERT OR UPDATE OR DELETE
  ON iso28000.workflow_required_column FOR EACH STATEMENT EXECUTE FUNCTION iso28000._workflow_rules_check();

-- Attaches a workflow to a table: checks the table and creates the trigger.
CREATE FUNCTION iso28000.attach_workflow(tbl regclass, workflow text, status_column name DEFAULT 'status')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  trg name := CASE WHEN status_column = 'status' THEN 'workflow_guard'
                   ELSE 'workflow_guard_' || status_column END;
  coltype regtype;
BEGIN
  PERFORM iso28000._require_extension_table(tbl, 'IS110', format('workflow "%s" cannot govern table %s', workflow, tbl),
              'The workflow engine governs only the extension''s own registers.');
  IF NOT EXISTS (SELECT 1 FROM iso28000.workflow w WHERE w.workflow = attach_workflow.workflow) THEN
    RAISE EXCEPTION 'workflow "%" is not defined', workflow
      USING ERRCODE = 'IS100',
            HINT = 'Insert it into iso28000.workflow with its states and transitions first.';
  END IF;
  SELECT a.atttypid INTO coltype FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attname = status_column AND a.attnum > 0 AND NOT a.attisdropped;
  IF coltype IS NULL OR coltype NOT IN ('text'::regtype, 'varchar'::regtype) THEN
    RAISE EXCEPTION 'table % has no text column "%" to hold the state of workflow "%"', tbl, status_column, workflow
      USING ERRCODE = 'IS100';
  END IF;
  SELECT a.atttypid INTO coltype FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attname = 'org_id' AND a.attnum > 0 AND NOT a.attisdropped;
  IF coltype IS DISTINCT FROM 'bigint'::regtype THEN
    RAISE EXCEPTION 'table % has no bigint column org_id', tbl
      USING ERRCODE = 'IS100',
            DETAIL = 'The engine checks the member''s level and logs events per organisation.';
  END IF;
  PERFORM iso28000._workflow_check_rules(tbl, workflow);
  EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW '
                 'EXECUTE FUNCTION iso28000.workflow_guard(%L, %L)', trg, tbl, workflow, status_column);
  -- The event writer, for a workflow that logs its events (a row trigger
  -- without it logs each event itself, should log_events be switched on later).
  IF (SELECT w.log_events FROM iso28000.workflow w WHERE w.workflow = attach_workflow.workflow) THEN
    PERFORM iso28000._workflow_attach_log(tbl, workflow, status_column);
  END IF;
END
$$;
REVOKE ALL ON FUNCTION iso28000.attach_workflow(regclass, text, name) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.attach_workflow(regclass, text, name) IS
  'Attaches a workflow to a table: creates the BEFORE INSERT OR UPDATE OR DELETE row trigger iso28000.workflow_guard(workflow, status_column), named workflow_guard (or workflow_guard_<column>), and the event writer''s AFTER INSERT and AFTER UPDATE statement triggers iso28000.workflow_log(), named workflow_event_insert and workflow_event_update (suffixed likewise). The table needs a bigint org_id and a text status column; the workflow''s rules must fit it (iso28000._workflow_check_rules: IS100, IS138-IS141).';

-- Detaches a workflow from a table (drops the trigger attach_workflow created).
CREATE FUNCTION iso28000.detach_workflow(tbl regclass, status_column name DEFAULT 'status')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  EXECUTE format('DROP TRIGGER %I ON %s',
                 CASE WHEN status_column = 'status' THEN 'workflow_guard'
                      ELSE 'workflow_guard_' || status_column END, tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s',
                 CASE WHEN status_column = 'status' THEN 'workflow_event_insert'
                      ELSE 'workflow_event_insert_' || status_column END, tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s',
                 CASE WHEN status_column = 'status' THEN 'workflow_event_update'
                      ELSE 'workflow_event_update_' || status_column END, tbl);
END
$$;
REVOKE ALL ON FUNCTION iso28000.detach_workflow(regclass, name) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.detach_workflow(regclass, name) IS
  'Drops the workflow triggers that attach_workflow created on the table for that status column (workflow_guard and the event writer''s workflow_event_insert and workflow_event_update).';

-- The transitions out of a state, for applications that show the next steps.
CREATE VIEW iso28000.workflow_next_step WITH (security_invoker = true) AS
SELECT t.workflow, t.from_state, t.to_state, t.required_level,
       (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
          FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE p.oid = t.guard) AS guard,
       t.note,
       coalesce((SELECT string_agg(r.column_name::text, ', ' ORDER BY r.column_name)
                   FROM iso28000.workflow_required_column r
                  WHERE r.workflow = t.workflow AND r.state = t.to_state), '') AS required_columns,
       s.is_terminal AS leads_to_terminal
  FROM iso28000.workflow_transition t
  JOIN iso28000.workflow_state s ON s.workflow = t.workflow AND s.state = t.to_state;
COMMENT ON VIEW iso28000.workflow_next_step IS
  'ISO 28000 7.5.3, 10.2: Each allowed transition with the level it needs, its guard and the columns that must be filled to make it.';
COMMENT ON COLUMN iso28000.workflow_next_step.workflow IS 'The workflow.';
COMMENT ON COLUMN iso28000.workflow_next_step.from_state IS 'State the record leaves.';
COMMENT ON COLUMN iso28000.workflow_next_step.to_state IS 'State the record enters.';
COMMENT ON COLUMN iso28000.workflow_next_step.required_level IS 'Membership level the transition needs.';
COMMENT ON COLUMN iso28000.workflow_next_step.guard IS 'Guard function, if any, as schema.name.';
COMMENT ON COLUMN iso28000.workflow_next_step.note IS 'Why the transition exists.';
COMMENT ON COLUMN iso28000.workflow_next_step.required_columns IS 'Columns that must be filled to enter to_state, in name order, separated by a comma and a space (empty when none).';
COMMENT ON COLUMN iso28000.workflow_next_step.leads_to_terminal IS 'True when to_state takes the record out of the active set.';
GRANT SELECT ON iso28000.workflow_next_step TO PUBLIC;
