-- iso28000.transition(): a workflow move that names the state the caller saw
-- and refuses a stale one (IS060) with the table and status column, a record
-- the caller cannot see or change (IS061), bad changes (IS062) and a table no
-- workflow governs (IS063); the engine's own refusals pass through; nothing is
-- written by a refused call.  The race of two sessions is
-- test/specs/transition_stale.spec.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(18);

-- pg_temp.fields(): 'SQLSTATE schema.table.column' of the error a statement raises.
\ir include/fields.sql

CREATE ROLE tap_tr_writer;
CREATE ROLE tap_tr_reader;
CREATE ROLE tap_tr_other;
SELECT iso28000.create_organization('TRA', 'Transition A') AS a \gset
SELECT iso28000.create_organization('TRB', 'Transition B') AS b \gset
SELECT iso28000.grant_access(:a, 'tap_tr_writer', 'write');
SELECT iso28000.grant_access(:a, 'tap_tr_reader', 'read');
SELECT iso28000.grant_access(:b, 'tap_tr_other', 'write');
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'Seal missing', 'major')
RETURNING nonconformity_id AS nc \gset

SET SESSION AUTHORIZATION tap_tr_writer;
SELECT is((SELECT iso28000.transition('iso28000.nonconformity', :a, :nc, 'reported', 'contained',
                                      '{"correction": "Container held"}') ->> 'status'),
          'contained', 'a move from the expected state is made and the record returned as JSON');
SELECT is((SELECT correction FROM iso28000.nonconformity WHERE nonconformity_id = :nc), 'Container held',
          'the changes are written in the same UPDATE');

-- The same move again, from a stale screen.
SELECT throws_ok(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'reported', 'contained', '{"correction": "stale"}')$$, :a, :nc),
                 'IS060',
                 format('iso28000.nonconformity (org_id, nonconformity_id)=(%s, %s) is in state "contained", not "reported": it changed since it was read', :a, :nc),
                 'a stale move is refused with IS060 and a message naming the record and both states');
SELECT is(pg_temp.fields(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'reported', 'contained', '{"correction": "stale"}')$$, :a, :nc)),
          'IS060 iso28000.nonconformity.status', 'IS060 names the register and its status column');
SELECT is((SELECT correction FROM iso28000.nonconformity WHERE nonconformity_id = :nc), 'Container held',
          'the stale move wrote nothing');

-- An edit within the state, guarded the same way.
SELECT is((SELECT iso28000.transition('iso28000.nonconformity', :a, :nc, 'contained', 'contained',
                                      '{"correction": "Container held, seal replaced"}') ->> 'correction'),
          'Container held, seal replaced', 'an edit within the expected state is made');

-- The engine still decides: a required column, a move no rule allows.
SELECT is(pg_temp.fields(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'contained', 'cause_analysed', '{"root_cause": "no check", "analysis_method": "5 whys"}')$$, :a, :nc)),
          'IS103 iso28000.nonconformity.similar_nonconformities', 'the engine''s IS103 passes through with its column');
SELECT is(pg_temp.fields(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'contained', 'closed')$$, :a, :nc)),
          'IS102 iso28000.nonconformity.status', 'the engine''s IS102 passes through');

-- Bad changes.
SELECT is(pg_temp.fields(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'contained', 'contained', '{"corection": "typo"}')$$, :a, :nc)),
          'IS062 iso28000.nonconformity.corection', 'a column the register lacks: IS062 names it');
SELECT is(pg_temp.fields(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'contained', 'contained', '{"status": "closed"}')$$, :a, :nc)),
          'IS062 iso28000.nonconformity.status', 'the state is not a change: IS062');
SELECT is(pg_temp.fields(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'contained', 'contained', '[1]')$$, :a, :nc)),
          'IS062 iso28000.nonconformity.', 'changes that are not an object: IS062');

-- Not there for the caller.
SELECT is(pg_temp.fields(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, -1, 'contained', 'cause_analysed')$$, :a)),
          'IS061 iso28000.nonconformity.nonconformity_id', 'no such record: IS061 names the key column');
SELECT is(pg_temp.fields($$SELECT iso28000.transition('iso28000.person', 1, 1, 'a', 'b')$$),
          'IS063 iso28000.person.status', 'a register without a workflow: IS063');
RESET SESSION AUTHORIZATION;

SET SESSION AUTHORIZATION tap_tr_reader;
SELECT is(pg_temp.fields(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'contained', 'rejected', '{"rejection_reason": "x"}')$$, :a, :nc)),
          'IS061 iso28000.nonconformity.nonconformity_id', 'a reader sees the record but cannot change it: IS061, not IS060');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_tr_other;
SELECT is(pg_temp.fields(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'reported', 'contained')$$, :a, :nc)),
          'IS061 iso28000.nonconformity.nonconformity_id', 'another organisation''s member learns nothing: IS061, not IS060');
SELECT is(pg_temp.fields(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'contained', 'cause_analysed')$$, :a, :nc)),
          'IS061 iso28000.nonconformity.nonconformity_id', 'not even when it names the record''s current state');
RESET SESSION AUTHORIZATION;

SELECT is((SELECT status || ' ' || correction FROM iso28000.nonconformity WHERE nonconformity_id = :nc),
          'contained Container held, seal replaced', 'no refused call wrote anything');
SELECT is((SELECT string_agg(from_state || '>' || to_state, ' ' ORDER BY event_id) FROM iso28000.workflow_event
            WHERE table_name = 'iso28000.nonconformity'::regclass AND record_id = :nc AND from_state IS NOT NULL),
          'reported>contained', 'one transition event: the stale and refused moves left none');

SELECT * FROM finish();
ROLLBACK;
