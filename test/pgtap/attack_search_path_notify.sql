-- A hostile search_path and hostile temporary objects against the
-- notification triggers (notification_stamp, notification_announce,
-- notify_register_change) and iso28000.transition().
--
-- attack_search_path.sql covers the tenant model, the engine and the
-- history; this file covers the two pieces written after it.  A writer who may
-- create objects in a schema of his own puts there trap operators and
-- functions (among them pg_notify, format, jsonb_populate_record, the names
-- these functions call), and in his session's pg_temp temporary views named
-- like the extension's tables (notification, nonconformity, person,
-- membership, workflow_rule ...), and domains named like the types they use.
-- A relation named without its schema is looked up in pg_temp first unless
-- the path lists pg_temp later: any function of the extension that named
-- one so, or lacked a pinned search_path, would read the attacker's view and
-- run his code (as the table's owner, in a SECURITY DEFINER function).  With
-- pg_temp and his schema first in search_path he reports a nonconformity
-- (an assignment notification), moves it with transition() (a transition
-- notification), writes a notification directly and meets transition()'s
-- refusals.  Each trap logs that it fired and tries to make its author a
-- superuser; none may fire, and the results must be the ones a plain path
-- gives.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(20);

CREATE ROLE tap_sn_boss NOLOGIN;      -- manages A
CREATE ROLE tap_sn_mallory NOLOGIN;   -- writes A: the attacker
SELECT iso28000.create_organization('SN-A', 'Hostile path, notifications', 'tap_sn_boss') AS a \gset
SELECT iso28000.grant_access(:a, 'tap_sn_mallory', 'write');
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Ann Owner') RETURNING person_id AS ann \gset

CREATE SCHEMA tap_sn_evil AUTHORIZATION tap_sn_mallory;
SET SESSION AUTHORIZATION tap_sn_mallory;
CREATE TABLE tap_sn_evil.fired (trap text, ran_as name);
GRANT INSERT, SELECT ON tap_sn_evil.fired TO PUBLIC;
CREATE FUNCTION tap_sn_evil.fire(what text) RETURNS boolean LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    INSERT INTO tap_sn_evil.fired VALUES (what, current_user);
    BEGIN
        EXECUTE 'ALTER ROLE tap_sn_mallory SUPERUSER';
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    RETURN true;
END
$f$;

-- Trap operators for the types these functions compare.
DO $d$
DECLARE
    t text;
    op text;
    n int := 0;
BEGIN
    FOREACH t IN ARRAY ARRAY['text', 'int8', 'int4', 'int2', 'name', 'oid', 'bool', 'jsonb', 'regclass', 'regproc'] LOOP
        FOREACH op IN ARRAY ARRAY['=', '<>', '<', '>'] LOOP
            n := n + 1;
            EXECUTE format($x$CREATE FUNCTION tap_sn_evil.op%s(a pg_catalog.%s, b pg_catalog.%s) RETURNS boolean
                              LANGUAGE plpgsql AS $b$ BEGIN PERFORM tap_sn_evil.fire(%L);
                              RETURN a::pg_catalog.text OPERATOR(pg_catalog.%s) b::pg_catalog.text; END $b$$x$,
                           n, t, t, op || '(' || t || ')', op);
            EXECUTE format('CREATE OPERATOR tap_sn_evil.%s (LEFTARG = pg_catalog.%s, RIGHTARG = pg_catalog.%s, FUNCTION = tap_sn_evil.op%s)',
                           op, t, t, n);
        END LOOP;
    END LOOP;
END
$d$;
CREATE FUNCTION tap_sn_evil.cat(a text, b text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('||(text,text)'); RETURN a OPERATOR(pg_catalog.||) b; END $f$;
CREATE OPERATOR tap_sn_evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = tap_sn_evil.cat);
CREATE FUNCTION tap_sn_evil.re(a text, b text) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('~(text,text)'); RETURN a OPERATOR(pg_catalog.~) b; END $f$;
CREATE OPERATOR tap_sn_evil.~ (LEFTARG = text, RIGHTARG = text, FUNCTION = tap_sn_evil.re);
CREATE FUNCTION tap_sn_evil.jt(a jsonb, b text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('->>(jsonb,text)'); RETURN a OPERATOR(pg_catalog.->>) b; END $f$;
CREATE OPERATOR tap_sn_evil.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = tap_sn_evil.jt);

-- Trap functions: names the notification triggers and transition() call.
CREATE FUNCTION tap_sn_evil.pg_notify(a text, b text) RETURNS void LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('pg_notify(text,text)'); PERFORM pg_catalog.pg_notify(a, b); END $f$;
CREATE FUNCTION tap_sn_evil.now() RETURNS timestamptz LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('now()'); RETURN pg_catalog.now(); END $f$;
CREATE FUNCTION tap_sn_evil.format(a text, VARIADIC b text[]) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('format(text,text[])'); RETURN pg_catalog.format(a, VARIADIC b); END $f$;
CREATE FUNCTION tap_sn_evil.to_regclass(a text) RETURNS regclass LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('to_regclass(text)'); RETURN pg_catalog.to_regclass(a); END $f$;
CREATE FUNCTION tap_sn_evil.regexp_replace(a text, b text, c text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('regexp_replace(text,text,text)'); RETURN pg_catalog.regexp_replace(a, b, c); END $f$;
CREATE FUNCTION tap_sn_evil.jsonb_typeof(a jsonb) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('jsonb_typeof(jsonb)'); RETURN pg_catalog.jsonb_typeof(a); END $f$;
CREATE FUNCTION tap_sn_evil.jsonb_object_keys(a jsonb) RETURNS SETOF text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('jsonb_object_keys(jsonb)'); RETURN QUERY SELECT pg_catalog.jsonb_object_keys(a); END $f$;
CREATE FUNCTION tap_sn_evil.encode(a bytea, b text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('encode(bytea,text)'); RETURN pg_catalog.encode(a, b); END $f$;
CREATE FUNCTION tap_sn_evil.string_to_array(a text, b text) RETURNS text[] LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('string_to_array(text,text)'); RETURN pg_catalog.string_to_array(a, b); END $f$;
CREATE FUNCTION tap_sn_evil.cardinality(a bigint[]) RETURNS integer LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('cardinality(bigint[])'); RETURN pg_catalog.cardinality(a); END $f$;
CREATE FUNCTION tap_sn_evil.array_remove(a bigint[], b bigint) RETURNS bigint[] LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('array_remove(bigint[],bigint)'); RETURN pg_catalog.array_remove(a, b); END $f$;

-- Temporary views named like the extension's tables, each springing a trap
-- when read; domains named like the types used (in his schema: a temporary
-- domain would shadow the type for every unpinned query of the session,
-- pgTAP's own among them).
CREATE FUNCTION tap_sn_evil.rows_of(what text) RETURNS SETOF record LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS
  $f$ BEGIN PERFORM tap_sn_evil.fire('pg_temp.' || what); RETURN; END $f$;
DO $d$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['notification', 'nonconformity', 'person', 'membership', 'organization',
                             'delegation', 'workflow_rule', 'workflow_state', 'workflow_transition',
                             'workflow_event', 'history', 'history_head', 'access_level'] LOOP
        EXECUTE format('CREATE TEMP VIEW %I AS SELECT * FROM tap_sn_evil.rows_of(%L) AS r(org_id bigint)', t, t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['text', 'jsonb', 'int8', 'name', 'regclass'] LOOP
        EXECUTE format('CREATE DOMAIN tap_sn_evil.%I AS pg_catalog.%I CHECK (tap_sn_evil.fire(%L))', t, t, 'domain ' || t);
    END LOOP;
END
$d$;
RESET SESSION AUTHORIZATION;

-- Runs one statement with the attacker's temporary objects and schema first.
CREATE FUNCTION pg_temp.hostile(stmt text) RETURNS text LANGUAGE plpgsql
SET search_path = pg_temp, tap_sn_evil, pg_catalog AS $f$
DECLARE
    r pg_catalog.text;
BEGIN
    EXECUTE stmt INTO r;
    RETURN r;
END
$f$;
GRANT EXECUTE ON FUNCTION pg_temp.hostile(text) TO PUBLIC;

SET SESSION AUTHORIZATION tap_sn_mallory;
-- The traps work: an unqualified name finds them (the test can fail).
SELECT is(pg_temp.hostile($$SELECT count(*)::pg_catalog.text FROM notification$$), '0',
          'an unqualified table name with the hostile path reads the temporary view');
SELECT is(pg_temp.hostile($$SELECT ('a'::pg_catalog.text = 'a'::pg_catalog.text)::pg_catalog.text$$), 'true',
          'an unqualified operator finds the trap operator');
SELECT is((SELECT array_agg(trap ORDER BY trap) FROM tap_sn_evil.fired), '{=(text),pg_temp.notification}'::text[],
          'and both traps logged it');
DELETE FROM tap_sn_evil.fired;

-- The notification triggers: an assignment on insert.
SELECT isnt(pg_temp.hostile(format($$WITH i AS (INSERT INTO iso28000.nonconformity (org_id, title, severity, owner_id)
                                       VALUES (%s, 'hostile', 'minor', %s) RETURNING nonconformity_id)
                                     SELECT nonconformity_id::pg_catalog.text FROM i$$, :a, :ann)), NULL,
            'a writer reports a nonconformity with an owner under the hostile path');
SELECT nonconformity_id AS nc FROM iso28000.nonconformity WHERE org_id = :a AND title = 'hostile' \gset
SELECT is((SELECT kind || ' ' || recipient_id || ' ' || register || ' ' || actor FROM iso28000.notification
            WHERE org_id = :a AND record_id = :nc),
          'assignment ' || :ann || ' nonconformity tap_sn_mallory', 'notify_register_change wrote the owner''s assignment, stamped');

-- transition(): a move (a transition notification), then its refusals.
SELECT is(pg_temp.hostile(format($$SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'reported', 'contained',
                                                             '{"correction": "Container held"}') OPERATOR(pg_catalog.->>) 'status'$$, :a, :nc)),
          'contained', 'transition() moves it under the hostile path');
SELECT is((SELECT correction FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc), 'Container held',
          'with its changes in the same UPDATE');
SELECT is((SELECT from_state || ' -> ' || to_state || ' ' || recipient_id FROM iso28000.notification
            WHERE org_id = :a AND record_id = :nc AND kind = 'transition'),
          'reported -> contained ' || :ann, 'the transition is notified to the owner');
SELECT throws_ok(format($$SELECT pg_temp.hostile('SELECT iso28000.transition(''iso28000.nonconformity'', %s, %s, ''reported'', ''contained'')::pg_catalog.text')$$, :a, :nc),
                 'IS060', NULL, 'a stale move is still refused (IS060)');
SELECT throws_ok(format($$SELECT pg_temp.hostile('SELECT iso28000.transition(''iso28000.nonconformity'', %s, %s, ''contained'', ''cause_analysed'', ''{"no_such_column": 1}'')::pg_catalog.text')$$, :a, :nc),
                 'IS062', NULL, 'a change of a column the register lacks is refused (IS062)');
SELECT throws_ok(format($$SELECT pg_temp.hostile('SELECT iso28000.transition(''iso28000.nonconformity'', %s, -1, ''reported'', ''contained'')::pg_catalog.text')$$, :a),
                 'IS061', NULL, 'a record that is not there is refused (IS061)');
SELECT throws_ok(format($$SELECT pg_temp.hostile('SELECT iso28000.transition(''iso28000.person'', %s, %s, ''a'', ''b'')::pg_catalog.text')$$, :a, :ann),
                 'IS063', NULL, 'a register without a workflow is refused (IS063)');
SELECT throws_ok(format($$SELECT pg_temp.hostile('SELECT iso28000.transition(''pg_temp.nonconformity'', %s, %s, ''reported'', ''contained'')::pg_catalog.text')$$, :a, :nc),
                 'IS063', NULL, 'the attacker''s temporary look-alike is not a register (IS063)');

-- A notification written directly: stamped by notification_stamp.
SELECT is(pg_temp.hostile(format($$WITH i AS (INSERT INTO iso28000.notification (org_id, kind, register, record_id, subject, reason, actor)
                                   VALUES (%s, 'assignment', 'nonconformity', %s, 's', 'r', 'tap_sn_boss') RETURNING actor)
                                   SELECT actor::pg_catalog.text FROM i$$, :a, :nc)),
          'tap_sn_mallory', 'a notification written directly is stamped with the writer, not the actor it names');
SELECT is((SELECT count(*)::int FROM iso28000.notification WHERE org_id = :a), 3,
          'three notifications: the assignment, the transition, the direct one');
SELECT is((SELECT count(*)::int FROM iso28000.workflow_event WHERE org_id = :a AND record_id = :nc), 2,
          'the event log has the report and the move, not the refused ones');
RESET SESSION AUTHORIZATION;

SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'A''s chain verifies');
SELECT is((SELECT array_agg(DISTINCT trap) FROM tap_sn_evil.fired), NULL, 'no trap fired');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'tap_sn_%' AND (rolsuper OR rolcreaterole OR rolbypassrls)),
          0, 'no role of the test gained a privilege');
SELECT is((SELECT count(*)::int FROM pg_operator WHERE oprnamespace = 'tap_sn_evil'::regnamespace), 10 * 4 + 3,
          'the attacker''s trap operators were in place');

SELECT * FROM finish();
ROLLBACK;
