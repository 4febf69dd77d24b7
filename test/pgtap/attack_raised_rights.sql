-- Attack 1 of issue 11: no caller code under raised rights.
--
-- The history recorder writes the chain as the history's owner.  Converting a
-- changed row to jsonb runs casts to json and output functions that the owner
-- of a column's type wrote; the recorder must do that as the caller, before it
-- switches user.  Each trap below tries to make its author a superuser and
-- writes into a log its author owns who it ran as; the test asserts that it
-- ran as the attacker and that no role gained a privilege.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(21);

CREATE ROLE tap_x_boss NOLOGIN;      -- manages A
CREATE ROLE tap_x_mallory NOLOGIN;   -- writes A: the attacker
CREATE ROLE tap_x_other NOLOGIN;     -- manages B
SELECT iso28000.create_organization('X-A', 'Attacked A', 'tap_x_boss') AS a \gset
SELECT iso28000.create_organization('X-B', 'Bystander B', 'tap_x_other') AS b \gset
SELECT iso28000.grant_access(:a, 'tap_x_mallory', 'write');

-- The attacker's own schema, with a log of the traps that ran.
CREATE SCHEMA tap_x_evil AUTHORIZATION tap_x_mallory;
SET SESSION AUTHORIZATION tap_x_mallory;
CREATE TABLE tap_x_evil.fired (trap text, ran_as name, became_superuser boolean);
GRANT INSERT ON tap_x_evil.fired TO PUBLIC;
-- The trap: log who it runs as, then try to become superuser.
CREATE FUNCTION tap_x_evil.trap(what text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    BEGIN
        EXECUTE 'ALTER ROLE tap_x_mallory SUPERUSER';
        INSERT INTO tap_x_evil.fired VALUES (what, current_user, true);
    EXCEPTION WHEN insufficient_privilege THEN
        INSERT INTO tap_x_evil.fired VALUES (what, current_user, false);
    END;
END
$f$;
-- A type of the attacker's, with a cast to json that springs the trap.
CREATE TYPE tap_x_evil.e AS ENUM ('x');
CREATE FUNCTION tap_x_evil.e_json(tap_x_evil.e) RETURNS json LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM tap_x_evil.trap('cast');
    RETURN '"x"'::json;
END
$f$;
CREATE CAST (tap_x_evil.e AS json) WITH FUNCTION tap_x_evil.e_json(tap_x_evil.e);
CREATE DOMAIN tap_x_evil.d AS tap_x_evil.e;
CREATE TYPE tap_x_evil.c AS (inner_e tap_x_evil.e);
RESET SESSION AUTHORIZATION;

-- A register that a DBA made with columns of the attacker's types.
CREATE TABLE iso28000.tap_x_reg (
    org_id  bigint NOT NULL REFERENCES iso28000.organization,
    id      bigint NOT NULL,
    v_enum  tap_x_evil.e,
    v_dom   tap_x_evil.d,
    v_comp  tap_x_evil.c,
    v_arr   tap_x_evil.e[],
    PRIMARY KEY (org_id, id)
);
SELECT iso28000.register_table('iso28000.tap_x_reg');

CREATE TEMP TABLE chain_before AS
  SELECT org_id, max(seq) AS seq FROM iso28000.history GROUP BY org_id;

SET SESSION AUTHORIZATION tap_x_mallory;
SELECT lives_ok(format($$INSERT INTO iso28000.tap_x_reg (org_id, id, v_enum) VALUES (%s, 1, 'x')$$, :a),
                'a register row with a column of a type whose cast to json is the attacker''s');
SELECT lives_ok(format($$INSERT INTO iso28000.tap_x_reg (org_id, id, v_dom) VALUES (%s, 2, 'x')$$, :a),
                'a domain over it');
SELECT lives_ok(format($$INSERT INTO iso28000.tap_x_reg (org_id, id, v_comp) VALUES (%s, 3, ROW('x'))$$, :a),
                'a composite holding it');
SELECT lives_ok(format($$INSERT INTO iso28000.tap_x_reg (org_id, id, v_arr) VALUES (%s, 4, '{x}')$$, :a),
                'an array of it');
SELECT lives_ok($$UPDATE iso28000.tap_x_reg SET id = id + 10$$, 'an update converts the before and after images');
SELECT lives_ok($$DELETE FROM iso28000.tap_x_reg WHERE id = 11$$, 'a delete converts the before image');
RESET SESSION AUTHORIZATION;

SELECT ok((SELECT count(*) FROM tap_x_evil.fired) >= 6, 'the traps ran (the test can fail)');
SELECT is((SELECT array_agg(DISTINCT ran_as::text) FROM tap_x_evil.fired), ARRAY['tap_x_mallory'],
          'every conversion ran as the attacker, never as the history''s owner');
SELECT is((SELECT count(*)::int FROM tap_x_evil.fired WHERE became_superuser), 0, 'no trap became superuser');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'tap_x_%' AND (rolsuper OR rolcreaterole OR rolbypassrls)),
          0, 'no role of the test gained a privilege');
SELECT ok(NOT pg_has_role('tap_x_mallory', (SELECT relowner FROM pg_class WHERE oid = 'iso28000.history'::regclass), 'MEMBER'),
          'the attacker is no member of the history''s owner');
SELECT is((SELECT count(*)::int FROM iso28000.history h WHERE h.org_id = :a
             AND h.table_name = 'iso28000.tap_x_reg'), 4 + 4 + 1,
          'the attacker''s changes are recorded in A''s chain (4 inserts, 4 updates, 1 delete)');
SELECT is((SELECT after_image->>'v_enum' FROM iso28000.history
            WHERE org_id = :a AND table_name = 'iso28000.tap_x_reg' AND operation = 'INSERT' AND row_key->>'id' = '1'),
          'x', 'the image holds what the caller''s cast returned');
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'A''s chain verifies');
SELECT is((SELECT max(seq) FROM iso28000.history WHERE org_id = :b),
          (SELECT seq FROM chain_before WHERE org_id = :b), 'B''s chain has no new record');
SELECT is((SELECT valid FROM iso28000.verify_history(:b)), true, 'B''s chain verifies');

-- The output function of a type of one's own needs a base type, which only a
-- superuser may create.
SET SESSION AUTHORIZATION tap_x_mallory;
SELECT throws_ok($$CREATE TYPE tap_x_evil.base (INPUT = pg_catalog.textin, OUTPUT = pg_catalog.textout)$$,
                 '42501', NULL, 'a non-superuser cannot give a type an output function of its own');
-- The recorder is not granted to PUBLIC: it can be neither called nor put on a table.
SELECT throws_ok($$SELECT iso28000.history_record()$$, '42501', NULL,
                 'history_record() cannot be called');
-- The attack as reported: a temporary table with a column of the attacker's
-- type, attached to the history.
CREATE TABLE pg_temp.t (org_id bigint NOT NULL, id bigint NOT NULL, v tap_x_evil.e, PRIMARY KEY (org_id, id));
SELECT throws_ok($$SELECT iso28000.attach_history('pg_temp.t')$$, '42501', NULL,
                 'attach_history() is not granted to the attacker');
SELECT throws_ok($$CREATE TRIGGER t_hist AFTER INSERT ON pg_temp.t REFERENCING NEW TABLE AS n
                   FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()$$, '42501', NULL,
                 'nor may the attacker put the recorder on a table of its own');
RESET SESSION AUTHORIZATION;
SELECT throws_ok($$SELECT iso28000.attach_history('pg_temp.t')$$, 'IS210', NULL,
                 'even a superuser cannot attach the history to a temporary table (IS210)');

SELECT * FROM finish();
ROLLBACK;
