-- A hostile search_path and hostile temporary objects against
-- iso28000.load_clause_map(), the one SECURITY DEFINER function this
-- release adds (it runs as the extension's owner; the DBA grants EXECUTE).
-- The loader, a non-superuser, puts trap operators and functions in a schema
-- of his own (the names the function calls unqualified: btrim, jsonb_typeof,
-- jsonb_array_elements, jsonb_object_keys, unnest, cardinality, nullif, and
-- the operators ->, ->>, ?, =, <> on the types it compares) and temporary
-- tables named like the extension's (standard, clause, clause_map) in his
-- pg_temp, then calls the function with pg_temp and his schema first in his
-- path.  Each trap logs that it fired and tries to make its author a
-- superuser; none may fire, the maps land in iso28000.clause_map (not in
-- his temporary table), and a refusal keeps its SQLSTATE.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(9);

CREATE ROLE tap_cm_mallory NOLOGIN;
GRANT USAGE ON SCHEMA iso28000 TO tap_cm_mallory;
GRANT EXECUTE ON FUNCTION iso28000.load_clause_map(text, text, jsonb) TO tap_cm_mallory;
SELECT iso28000.load_clauses('TAP-CM-A', '[{"clause": "1", "title": "One"}, {"clause": "2", "title": "Two"}]', 'Standard A');
SELECT iso28000.load_clauses('TAP-CM-B', '[{"clause": "5", "title": "Five"}, {"clause": "6", "title": "Six"}]', 'Standard B');

CREATE SCHEMA tap_cm_evil AUTHORIZATION tap_cm_mallory;
SET SESSION AUTHORIZATION tap_cm_mallory;
CREATE TABLE tap_cm_evil.fired (trap text, ran_as name);
CREATE FUNCTION tap_cm_evil.fire(what text) RETURNS boolean LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    INSERT INTO tap_cm_evil.fired VALUES (what, current_user);
    BEGIN
        EXECUTE 'ALTER ROLE tap_cm_mallory SUPERUSER';
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    RETURN true;
END
$f$;
GRANT INSERT, SELECT ON tap_cm_evil.fired TO PUBLIC;

-- Trap operators on the types the function compares.
DO $d$
DECLARE
    t text;
    op text;
    n int := 0;
BEGIN
    FOREACH t IN ARRAY ARRAY['text', 'int4', 'int8', 'jsonb'] LOOP
        FOREACH op IN ARRAY ARRAY['=', '<>'] LOOP
            n := n + 1;
            EXECUTE format($x$CREATE FUNCTION tap_cm_evil.op%s(a pg_catalog.%s, b pg_catalog.%s) RETURNS boolean
                              LANGUAGE plpgsql AS $b$ BEGIN PERFORM tap_cm_evil.fire(%L);
                              RETURN a::pg_catalog.text OPERATOR(pg_catalog.%s) b::pg_catalog.text; END $b$$x$,
                           n, t, t, op || '(' || t || ')', op);
            EXECUTE format('CREATE OPERATOR tap_cm_evil.%s (LEFTARG = pg_catalog.%s, RIGHTARG = pg_catalog.%s, FUNCTION = tap_cm_evil.op%s)',
                           op, t, t, n);
        END LOOP;
    END LOOP;
END
$d$;
CREATE FUNCTION tap_cm_evil.jt(a jsonb, b text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_cm_evil.fire('->>(jsonb,text)'); RETURN a OPERATOR(pg_catalog.->>) b; END $f$;
CREATE OPERATOR tap_cm_evil.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = tap_cm_evil.jt);
CREATE FUNCTION tap_cm_evil.jj(a jsonb, b text) RETURNS jsonb LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_cm_evil.fire('->(jsonb,text)'); RETURN a OPERATOR(pg_catalog.->) b; END $f$;
CREATE OPERATOR tap_cm_evil.-> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = tap_cm_evil.jj);
CREATE FUNCTION tap_cm_evil.jq(a jsonb, b text) RETURNS boolean LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_cm_evil.fire('?(jsonb,text)'); RETURN a OPERATOR(pg_catalog.?) b; END $f$;
CREATE OPERATOR tap_cm_evil.? (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = tap_cm_evil.jq);

-- Trap functions with the names the function calls.
CREATE FUNCTION tap_cm_evil.btrim(a text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_cm_evil.fire('btrim'); RETURN pg_catalog.btrim(a); END $f$;
CREATE FUNCTION tap_cm_evil.jsonb_typeof(a jsonb) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_cm_evil.fire('jsonb_typeof'); RETURN pg_catalog.jsonb_typeof(a); END $f$;
CREATE FUNCTION tap_cm_evil.jsonb_array_length(a jsonb) RETURNS integer LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_cm_evil.fire('jsonb_array_length'); RETURN pg_catalog.jsonb_array_length(a); END $f$;
CREATE FUNCTION tap_cm_evil.jsonb_array_elements(a jsonb) RETURNS SETOF jsonb LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_cm_evil.fire('jsonb_array_elements'); RETURN QUERY SELECT pg_catalog.jsonb_array_elements(a); END $f$;
CREATE FUNCTION tap_cm_evil.jsonb_object_keys(a jsonb) RETURNS SETOF text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_cm_evil.fire('jsonb_object_keys'); RETURN QUERY SELECT pg_catalog.jsonb_object_keys(a); END $f$;
CREATE FUNCTION tap_cm_evil.cardinality(a anyarray) RETURNS integer LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_cm_evil.fire('cardinality'); RETURN pg_catalog.cardinality(a); END $f$;
CREATE FUNCTION tap_cm_evil.nullif(a text, b text) RETURNS text LANGUAGE plpgsql AS
  $f$ BEGIN PERFORM tap_cm_evil.fire('nullif'); RETURN a; END $f$;

-- Temporary tables named like the extension's, in the loader's pg_temp.
CREATE TEMPORARY TABLE standard (standard text);
CREATE TEMPORARY TABLE clause (standard text, clause text);
CREATE TEMPORARY TABLE clause_map (from_standard text, from_clause text, to_standard text, to_clause text, relation text, note text);
INSERT INTO pg_temp.standard VALUES ('TAP-CM-A'), ('TAP-CM-B'), ('TAP-CM-EVIL');

-- Runs one statement with pg_temp and the loader's schema first in the path
-- (pgTAP itself is left out of it: its functions are not pinned) and returns
-- its first value as text, or the SQLSTATE of its refusal.
CREATE FUNCTION pg_temp.hostile(stmt text) RETURNS text LANGUAGE plpgsql
SET search_path = pg_temp, tap_cm_evil, pg_catalog AS $f$
DECLARE r text;
BEGIN
    EXECUTE stmt INTO r;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    RETURN 'SQLSTATE ' OPERATOR(pg_catalog.||) SQLSTATE;
END
$f$;

SELECT is(pg_temp.hostile($$SELECT iso28000.load_clause_map('TAP-CM-A', 'TAP-CM-B',
          '[{"from": "1", "to": "5", "relation": "equal", "note": " same "}, {"from": "2", "to": "6", "relation": "intersects"}]')$$),
          '2', 'the loader maps two clauses with pg_temp and his own schema first in his path');
SELECT is(pg_temp.hostile($$SELECT iso28000.load_clause_map('TAP-CM-A', 'TAP-CM-EVIL', '[{"from": "1", "to": "5", "relation": "equal"}]')$$),
          'SQLSTATE IS548', 'a standard only his temporary table holds is not in the catalog (IS548)');
SELECT is(pg_temp.hostile($$SELECT iso28000.load_clause_map('TAP-CM-A', 'TAP-CM-B', '[{"from": "1", "to": "5", "relation": "equal"}]')$$),
          'SQLSTATE IS552', 'a pair mapped already is refused (IS552), read from iso28000.clause_map');
SELECT is(pg_temp.hostile($$SELECT iso28000.load_clause_map('TAP-CM-A', 'TAP-CM-B', '[{"from": "1", "to": "6", "relation": "sameish"}]')$$),
          'SQLSTATE IS549', 'an unknown relation is refused (IS549)');
SELECT is((SELECT count(*)::int FROM pg_temp.clause_map), 0, 'nothing was written to his temporary clause_map');

RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM tap_cm_evil.fired), 0, 'no trap fired');
SELECT is((SELECT string_agg(DISTINCT trap, ', ') FROM tap_cm_evil.fired), NULL, 'no trap named');
SELECT ok(NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'tap_cm_mallory'), 'the loader is not a superuser');
SELECT results_eq($$SELECT from_clause::text, to_clause::text, relation, note FROM iso28000.clause_map
                    WHERE from_standard = 'TAP-CM-A' AND to_standard = 'TAP-CM-B' ORDER BY 1$$,
                  $$VALUES ('1', '5', 'equal', 'same'), ('2', '6', 'intersects', NULL::text)$$,
                  'the maps are in iso28000.clause_map, trimmed and in order');

SELECT * FROM finish();
ROLLBACK;
