-- Attack 3 of issue 11: a hostile search_path.
--
-- A non-superuser who may create objects in a schema of its own fills it with
-- traps: operators (= <> < <= > >= || ~ ~~ @> -> ->>) for the common types,
-- functions the extension's SQL and C call by name, and domains that shadow
-- type names (text, oid, name, regclass, jsonb ...).  It puts that schema
-- before pg_catalog in search_path and works the tenant model, the workflow
-- engine and the history as a writer and as a manager.  Each trap logs that it
-- fired (and tries to make its author a superuser); none may fire.  A trap that
-- fired in this test means some function of the extension lacks a pinned
-- search_path or some SPI query of its C code names an object without its
-- schema.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(22);

CREATE ROLE tap_s_boss NOLOGIN;      -- manages A
CREATE ROLE tap_s_mallory NOLOGIN;   -- writes A: the attacker
CREATE ROLE tap_s_other NOLOGIN;     -- manages B
CREATE ROLE tap_s_reader NOLOGIN;    -- granted read in A during the test
SELECT iso28000.create_organization('S-A', 'Hostile path A', 'tap_s_boss') AS a \gset
SELECT iso28000.create_organization('S-B', 'Bystander B', 'tap_s_other') AS b \gset
SELECT iso28000.grant_access(:a, 'tap_s_mallory', 'write');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Vic Verifier', NULL) RETURNING person_id AS vic \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Ann Owner') RETURNING person_id AS ann \gset
-- B has workflow events that A's members must not see.
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:b, 'B only', 'minor');

CREATE SCHEMA tap_s_evil AUTHORIZATION tap_s_mallory;
SET SESSION AUTHORIZATION tap_s_mallory;
CREATE TABLE tap_s_evil.fired (trap text, ran_as name, at_level int);
GRANT INSERT, SELECT ON tap_s_evil.fired TO PUBLIC;
-- What each trap runs: log, then try to become superuser.
CREATE FUNCTION tap_s_evil.fire(what text) RETURNS boolean LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    INSERT INTO tap_s_evil.fired VALUES (what, current_user, pg_catalog.pg_trigger_depth());
    BEGIN
        EXECUTE 'ALTER ROLE tap_s_mallory SUPERUSER';
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    RETURN true;
END
$f$;

-- Trap operators: same name and types as pg_catalog's, same answer, plus the log.
DO $d$
DECLARE
    t text;
    op text;
    opname text[] := ARRAY['=', '<>', '<', '<=', '>', '>='];
    n int := 0;
BEGIN
    FOREACH t IN ARRAY ARRAY['text', 'int8', 'int4', 'int2', 'name', 'oid', 'bool', 'numeric',
                             'timestamptz', 'date', 'jsonb', 'bytea', 'tid',
                             'int8,int4', 'int4,int8', 'name,text', 'text,name'] LOOP
        FOREACH op IN ARRAY opname LOOP
            n := n + 1;
            EXECUTE format($x$CREATE FUNCTION tap_s_evil.op%s(a pg_catalog.%s, b pg_catalog.%s) RETURNS boolean
                              LANGUAGE plpgsql AS $b$ BEGIN PERFORM tap_s_evil.fire(%L);
                              RETURN a OPERATOR(pg_catalog.%s) b; END $b$$x$,
                           n, split_part(t, ',', 1), coalesce(nullif(split_part(t, ',', 2), ''), t),
                           op || '(' || t || ')', op);
            EXECUTE format('CREATE OPERATOR tap_s_evil.%s (LEFTARG = pg_catalog.%s, RIGHTARG = pg_catalog.%s, FUNCTION = tap_s_evil.op%s)',
                           op, split_part(t, ',', 1), coalesce(nullif(split_part(t, ',', 2), ''), t), n);
        END LOOP;
    END LOOP;
END
$d$;
CREATE FUNCTION tap_s_evil.cat(a text, b text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('||(text,text)'); RETURN a OPERATOR(pg_catalog.||) b; END $f$;
CREATE OPERATOR tap_s_evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = tap_s_evil.cat);
CREATE FUNCTION tap_s_evil.re(a text, b text) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('~(text,text)'); RETURN a OPERATOR(pg_catalog.~) b; END $f$;
CREATE OPERATOR tap_s_evil.~ (LEFTARG = text, RIGHTARG = text, FUNCTION = tap_s_evil.re);
CREATE FUNCTION tap_s_evil.lk(a text, b text) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('~~(text,text)'); RETURN a OPERATOR(pg_catalog.~~) b; END $f$;
CREATE OPERATOR tap_s_evil.~~ (LEFTARG = text, RIGHTARG = text, FUNCTION = tap_s_evil.lk);
CREATE FUNCTION tap_s_evil.jf(a jsonb, b text) RETURNS jsonb LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('->(jsonb,text)'); RETURN a OPERATOR(pg_catalog.->) b; END $f$;
CREATE OPERATOR tap_s_evil.-> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = tap_s_evil.jf);
CREATE FUNCTION tap_s_evil.jt(a jsonb, b text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('->>(jsonb,text)'); RETURN a OPERATOR(pg_catalog.->>) b; END $f$;
CREATE OPERATOR tap_s_evil.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = tap_s_evil.jt);
CREATE FUNCTION tap_s_evil.ac(a bigint[], b bigint[]) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('@>(bigint[],bigint[])'); RETURN a OPERATOR(pg_catalog.@>) b; END $f$;
CREATE OPERATOR tap_s_evil.@> (LEFTARG = bigint[], RIGHTARG = bigint[], FUNCTION = tap_s_evil.ac);

-- Trap functions: names the extension calls, with exact argument types.
CREATE FUNCTION tap_s_evil.now() RETURNS timestamptz LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('now()'); RETURN pg_catalog.now(); END $f$;
CREATE FUNCTION tap_s_evil.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('clock_timestamp()'); RETURN pg_catalog.clock_timestamp(); END $f$;
CREATE FUNCTION tap_s_evil.lower(a text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('lower(text)'); RETURN pg_catalog.lower(a); END $f$;
CREATE FUNCTION tap_s_evil.btrim(a text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('btrim(text)'); RETURN pg_catalog.btrim(a); END $f$;
CREATE FUNCTION tap_s_evil.length(a text) RETURNS integer LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('length(text)'); RETURN pg_catalog.length(a); END $f$;
CREATE FUNCTION tap_s_evil.format(a text, b text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('format(text,text)'); RETURN pg_catalog.format(a, b); END $f$;
CREATE FUNCTION tap_s_evil.repeat(a text, b integer) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('repeat(text,integer)'); RETURN pg_catalog.repeat(a, b); END $f$;
CREATE FUNCTION tap_s_evil.decode(a text, b text) RETURNS bytea LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('decode(text,text)'); RETURN pg_catalog.decode(a, b); END $f$;
CREATE FUNCTION tap_s_evil.encode(a bytea, b text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('encode(bytea,text)'); RETURN pg_catalog.encode(a, b); END $f$;
CREATE FUNCTION tap_s_evil.regexp_match(a text, b text) RETURNS text[] LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('regexp_match(text,text)'); RETURN pg_catalog.regexp_match(a, b); END $f$;
CREATE FUNCTION tap_s_evil.array_position(a text[], b text) RETURNS integer LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('array_position(text[],text)'); RETURN pg_catalog.array_position(a, b); END $f$;
CREATE FUNCTION tap_s_evil.cardinality(a bigint[]) RETURNS integer LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('cardinality(bigint[])'); RETURN pg_catalog.cardinality(a); END $f$;
CREATE FUNCTION tap_s_evil.to_regclass(a text) RETURNS regclass LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('to_regclass(text)'); RETURN pg_catalog.to_regclass(a); END $f$;
CREATE FUNCTION tap_s_evil.current_setting(a text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('current_setting(text)'); RETURN pg_catalog.current_setting(a); END $f$;
CREATE FUNCTION tap_s_evil.pg_has_role(a name, b regrole, c text) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('pg_has_role(name,regrole,text)'); RETURN pg_catalog.pg_has_role(a, b::pg_catalog.oid, c); END $f$;
CREATE FUNCTION tap_s_evil.pg_has_role(a regrole, b regrole, c text) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('pg_has_role(regrole,regrole,text)'); RETURN pg_catalog.pg_has_role(a::pg_catalog.oid, b::pg_catalog.oid, c); END $f$;
CREATE FUNCTION tap_s_evil.pg_has_role(a oid, b oid, c text) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('pg_has_role(oid,oid,text)'); RETURN pg_catalog.pg_has_role(a, b, c); END $f$;
CREATE FUNCTION tap_s_evil.to_jsonb(a text) RETURNS jsonb LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_s_evil.fire('to_jsonb(text)'); RETURN pg_catalog.to_jsonb(a); END $f$;

-- Domains that shadow type names: a cast to "text" or a variable of type
-- "oid" written without pg_catalog finds them and runs their check.
CREATE FUNCTION tap_s_evil.dom_ok(what text) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN RETURN tap_s_evil.fire('domain ' || what); END $f$;
DO $d$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['text', 'oid', 'name', 'regclass', 'regrole', 'regprocedure', 'regtype',
                             'jsonb', 'bytea', 'timestamptz', 'date', 'numeric', 'int8', 'int4', 'bool', 'varchar'] LOOP
        EXECUTE format('CREATE DOMAIN tap_s_evil.%I AS pg_catalog.%I CHECK (tap_s_evil.dom_ok(%L))', t, t, t);
    END LOOP;
END
$d$;
-- A non-superuser cannot put a cast between built-in types.
SELECT throws_ok($$CREATE CAST (pg_catalog.text AS pg_catalog.int8) WITH INOUT$$, '42501', NULL,
                 'a cast between built-in types needs a superuser');
RESET SESSION AUTHORIZATION;

-- Runs one statement with the attacker's schema before pg_catalog.
CREATE FUNCTION pg_temp.hostile(stmt text) RETURNS bigint LANGUAGE plpgsql
SET search_path = tap_s_evil, pg_catalog, pg_temp AS $f$
DECLARE
    n bigint;
BEGIN
    EXECUTE stmt INTO n;
    RETURN n;
END
$f$;
GRANT EXECUTE ON FUNCTION pg_temp.hostile(text) TO PUBLIC;

SELECT is((SELECT count(*)::int FROM pg_operator WHERE oprnamespace = 'tap_s_evil'::regnamespace), 17 * 6 + 6,
          'the attacker''s traps are in place');
-- Tenant model, as the writer.
SET SESSION AUTHORIZATION tap_s_mallory;
-- The traps work: a query with the hostile path springs them (the test can fail).
SELECT is(pg_temp.hostile($$SELECT count(*) FROM (SELECT 1 WHERE 'a'::pg_catalog.text = 'a'::pg_catalog.text) s$$), 1::bigint,
          'a query with the hostile path finds the trap operator');
SELECT is((SELECT count(*)::int FROM tap_s_evil.fired), 1, 'and the trap logged it');
DELETE FROM tap_s_evil.fired;
SELECT is(pg_temp.hostile(format($$SELECT iso28000.has_level(%s, 'write')::int::bigint$$, :a)), 1::bigint,
          'has_level answers for A');
SELECT is(pg_temp.hostile(format($$SELECT iso28000.has_level(%s, 'read')::int::bigint$$, :b)), 0::bigint,
          'has_level refuses B whatever the search_path');
SELECT is(pg_temp.hostile($$SELECT pg_catalog.cardinality(iso28000.member_orgs('read'))::bigint$$), 1::bigint,
          'member_orgs lists A only');
SELECT lives_ok(format($$SELECT pg_temp.hostile('SELECT 1::bigint FROM (SELECT iso28000.require_level(%s, ''write'')) s')$$, :a),
                'require_level passes for A');
SELECT is(pg_temp.hostile(format($$WITH i AS (INSERT INTO iso28000.person (org_id, full_name, email) VALUES (%s, 'Mal Writer', 'mal@a.example') RETURNING 1)
                                   SELECT count(*) FROM i$$, :a)), 1::bigint, 'a writer inserts a person (policies, history)');
SELECT is(pg_temp.hostile(format($$WITH u AS (UPDATE iso28000.person SET job_title = 'clerk'
                                   WHERE org_id OPERATOR(pg_catalog.=) %s AND full_name OPERATOR(pg_catalog.=) 'Mal Writer' RETURNING 1)
                                   SELECT count(*) FROM u$$, :a)), 1::bigint, 'and updates it');
SELECT is(pg_temp.hostile($$SELECT count(*) FROM iso28000.person$$), 3::bigint, 'sees A''s people only');

-- Workflow engine, as the writer: a nonconformity along its path.
SELECT is(pg_temp.hostile(format($$WITH i AS (INSERT INTO iso28000.nonconformity (org_id, title, severity, correction, root_cause,
                                      analysis_method, similar_nonconformities)
                                   VALUES (%s, 'hostile', 'minor', 'fixed', 'cause', '5 whys', 'none') RETURNING nonconformity_id)
                                   SELECT nonconformity_id FROM i$$, :a)) > 0, true, 'a writer reports a nonconformity');
SELECT lives_ok(format($$SELECT pg_temp.hostile('WITH u AS (UPDATE iso28000.nonconformity SET status = ''contained''
                          WHERE org_id OPERATOR(pg_catalog.=) %s AND title OPERATOR(pg_catalog.=) ''hostile'' RETURNING 1) SELECT count(*) FROM u')$$, :a),
                'contains it (engine: rules cache, level check, stamps, event log)');
SELECT lives_ok(format($$SELECT pg_temp.hostile('WITH u AS (UPDATE iso28000.nonconformity SET status = ''cause_analysed''
                          WHERE org_id OPERATOR(pg_catalog.=) %s AND title OPERATOR(pg_catalog.=) ''hostile'' RETURNING 1) SELECT count(*) FROM u')$$, :a),
                'analyses its cause');
SELECT throws_ok(format($$SELECT pg_temp.hostile('WITH u AS (UPDATE iso28000.nonconformity SET status = ''closed''
                          WHERE org_id OPERATOR(pg_catalog.=) %s AND title OPERATOR(pg_catalog.=) ''hostile'' RETURNING 1) SELECT count(*) FROM u')$$, :a),
                 'IS102', NULL, 'and cannot skip to closed');
SELECT is(pg_temp.hostile($$SELECT count(*) FROM iso28000.workflow_event
                            WHERE org_id OPERATOR(pg_catalog.<>) 0$$),
          (SELECT count(*) FROM iso28000.workflow_event WHERE org_id = :a),
          'the event log''s policy (has_level) shows A''s events only');
RESET SESSION AUTHORIZATION;

-- Tenant and history, as the manager.
SET SESSION AUTHORIZATION tap_s_boss;
SELECT lives_ok(format($$SELECT pg_temp.hostile('SELECT 1::bigint FROM (SELECT iso28000.grant_access(%s, ''tap_s_reader'', ''read'')) s')$$, :a),
                'a manager grants access');
SELECT lives_ok(format($$SELECT pg_temp.hostile('SELECT 1::bigint FROM (SELECT iso28000.revoke_access(%s, ''tap_s_reader'')) s')$$, :a),
                'and revokes it');
SELECT is(pg_temp.hostile(format($$SELECT (valid)::int::bigint FROM iso28000.verify_history(%s)$$, :a)), 1::bigint,
          'verify_history: A''s chain verifies');
SELECT is(pg_temp.hostile(format($$SELECT seq FROM iso28000.history_digest(%s)$$, :a)),
          (SELECT max(seq) FROM iso28000.history WHERE org_id = :a), 'history_digest names the head');
RESET SESSION AUTHORIZATION;

SELECT is((SELECT array_agg(DISTINCT trap) FROM tap_s_evil.fired), NULL, 'no trap fired');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'tap_s_%' AND (rolsuper OR rolcreaterole OR rolbypassrls)),
          0, 'no role of the test gained a privilege');

SELECT * FROM finish();
ROLLBACK;
