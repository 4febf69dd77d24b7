-- The state gate iso28000.fire_on_entering() (src/state_gate.c): calls its
-- trigger function exactly when the WHEN clause it stands for would have
-- (every pair of old and new status, with and without a changed column),
-- passes the function's answer on (a changed row, a skipped row), and refuses
-- a misdeclared gate (IS146).  The register's own gate
-- (nonconformity_audit_independent) is tested by attack_audit_report.sql and
-- attack_audit_residuals.sql (IS157, IS161, IS162 through it).
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(23);

CREATE SCHEMA tap_gate;
CREATE TABLE tap_gate.t (id int PRIMARY KEY, status text, verified_by bigint, note text);
CREATE TABLE tap_gate.fired (via text, id int);
CREATE FUNCTION tap_gate.log() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO tap_gate.fired VALUES (TG_ARGV[0], NEW.id);
  RETURN NEW;
END $$;
CREATE FUNCTION tap_gate.log_gate() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO tap_gate.fired VALUES ('gate:' || TG_NAME || ':' || TG_OP || ':' || TG_TABLE_NAME, NEW.id);
  RETURN NEW;
END $$;
-- The WHEN clause nonconformity_audit_independent had in 0.2.0, and the gate that replaced it.
CREATE TRIGGER a_when BEFORE UPDATE OF status, verified_by ON tap_gate.t
    FOR EACH ROW WHEN ((NEW.status = 'rejected' AND OLD.status IS DISTINCT FROM 'rejected')
                       OR (NEW.status = 'verified' AND (OLD.status IS DISTINCT FROM 'verified' OR NEW.verified_by IS DISTINCT FROM OLD.verified_by))
                       OR (NEW.status = 'closed' AND OLD.status IS DISTINCT FROM 'closed'))
    EXECUTE FUNCTION tap_gate.log('when');
CREATE TRIGGER b_gate BEFORE UPDATE OF status, verified_by ON tap_gate.t
    FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.log_gate', 'status',
                                                            'rejected', 'verified:verified_by', 'closed');

-- Every old status against every new one, the verifier kept, changed, set and cleared.
CREATE TABLE tap_gate.cases AS
SELECT row_number() OVER ()::int AS id, o.s AS old_status, n.s AS new_status, v.o AS old_v, v.n AS new_v
  FROM (VALUES (NULL), ('reported'), ('rejected'), ('verified'), ('closed'), ('verifiedx'), ('verifie')) o(s),
       (VALUES (NULL), ('reported'), ('rejected'), ('verified'), ('closed'), ('verifiedx'), ('verifie')) n(s),
       (VALUES (NULL::bigint, NULL::bigint), (1, 1), (1, 2), (NULL, 1), (1, NULL)) v(o, n);
INSERT INTO tap_gate.t (id, status, verified_by) SELECT id, old_status, old_v FROM tap_gate.cases;
UPDATE tap_gate.t SET status = c.new_status, verified_by = c.new_v FROM tap_gate.cases c WHERE c.id = t.id;
SELECT is((SELECT count(*) FROM tap_gate.cases), 245::bigint, '245 cases: 7 old statuses, 7 new, 5 verifier pairs');
SELECT ok((SELECT count(*) FROM tap_gate.fired WHERE via = 'when') BETWEEN 20 AND 100,
          'the WHEN clause fires for some of them, not all');
SELECT is(ARRAY(SELECT id FROM tap_gate.fired WHERE via LIKE 'gate:%' ORDER BY id),
          ARRAY(SELECT id FROM tap_gate.fired WHERE via = 'when' ORDER BY id),
          'the gate calls its function for exactly the rows the WHEN clause fires for');
SELECT is((SELECT DISTINCT via FROM tap_gate.fired WHERE via LIKE 'gate:%'), 'gate:b_gate:UPDATE:t',
          'the function sees the gate''s trigger data (TG_NAME, TG_OP, TG_TABLE_NAME)');
-- An UPDATE that names neither column fires neither (UPDATE OF), a status-only one the gate when entering.
DELETE FROM tap_gate.fired;
UPDATE tap_gate.t SET note = 'x';
SELECT is((SELECT count(*) FROM tap_gate.fired), 0::bigint, 'an UPDATE of other columns calls nothing');
UPDATE tap_gate.t SET status = 'closed' WHERE id IN (SELECT id FROM tap_gate.cases WHERE new_status = 'reported');
SELECT is((SELECT count(*) FROM tap_gate.fired WHERE via LIKE 'gate:%'), 35::bigint, 'entering closed from reported calls it for each row');
DELETE FROM tap_gate.fired;
UPDATE tap_gate.t SET status = 'closed' WHERE status = 'closed';
SELECT is((SELECT count(*) FROM tap_gate.fired WHERE via LIKE 'gate:%'), 0::bigint, 'staying in closed does not');

-- INSERT: a new row in a named state enters it.
CREATE TABLE tap_gate.u (id int PRIMARY KEY, status varchar(20), note text);
CREATE FUNCTION tap_gate.mark() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  IF NEW.note = 'skip' THEN RETURN NULL; END IF;
  NEW.note := 'marked'; RETURN NEW;
END $$;
CREATE TRIGGER gate BEFORE INSERT OR UPDATE ON tap_gate.u
    FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.mark', 'status', 'done');
INSERT INTO tap_gate.u VALUES (1, 'done', NULL), (2, 'open', NULL), (3, 'done', 'skip'), (4, NULL, NULL);
SELECT is(ARRAY(SELECT format('%s:%s', id, note) FROM tap_gate.u ORDER BY id), ARRAY['1:marked', '2:', '4:'],
          'an INSERT in the state calls it (its changed row is stored, its skipped row is not); in another state or none, not');
UPDATE tap_gate.u SET status = 'done' WHERE id = 2;
SELECT is((SELECT note FROM tap_gate.u WHERE id = 2), 'marked', 'entering the state by UPDATE (varchar status) calls it');

-- A gate's arguments are read once per backend and trigger and kept
-- (src/state_gate.c): a column renamed, dropped or put in another place, or
-- the trigger replaced with other arguments, counts from the next row.
CREATE TABLE tap_gate.w (id int PRIMARY KEY, status text, verified_by bigint, note text);
CREATE TRIGGER gate BEFORE UPDATE ON tap_gate.w
    FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.mark', 'status', 'verified:verified_by');
INSERT INTO tap_gate.w VALUES (1, 'verified', 1, NULL), (2, 'verified', 1, NULL), (3, 'open', NULL, NULL);
UPDATE tap_gate.w SET verified_by = 2 WHERE id = 1;
SELECT is((SELECT note FROM tap_gate.w WHERE id = 1), 'marked', 'a new verifier of a verified row opens the gate');
ALTER TABLE tap_gate.w RENAME verified_by TO verified_by_before;
ALTER TABLE tap_gate.w ADD COLUMN verified_by bigint;
UPDATE tap_gate.w SET verified_by_before = 2 WHERE id = 2;
SELECT is((SELECT note FROM tap_gate.w WHERE id = 2), NULL, 'the column renamed: a change of it no longer opens the gate');
UPDATE tap_gate.w SET verified_by = 3 WHERE id = 2;
SELECT is((SELECT note FROM tap_gate.w WHERE id = 2), 'marked', 'a change of the column now under that name does');
ALTER TABLE tap_gate.w RENAME status TO state;
SELECT throws_ok($$UPDATE tap_gate.w SET state = 'verified' WHERE id = 3$$, 'IS146', 'trigger "gate" on tap_gate.w: no column "status"',
                 'the status column renamed: IS146 at the next row');
ALTER TABLE tap_gate.w RENAME state TO status;
CREATE OR REPLACE TRIGGER gate BEFORE UPDATE ON tap_gate.w
    FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.mark', 'status', 'closed');
UPDATE tap_gate.w SET status = 'closed' WHERE id = 3;
SELECT is((SELECT note FROM tap_gate.w WHERE id = 3), 'marked', 'the trigger replaced with another state: it counts from the next row');

-- Misdeclared gates: IS146, when they fire.
CREATE TABLE tap_gate.bad (id int PRIMARY KEY, status text, n int);
CREATE FUNCTION tap_gate.not_a_trigger() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TRIGGER g BEFORE INSERT ON tap_gate.bad FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.mark', 'status');
SELECT throws_ok($$INSERT INTO tap_gate.bad VALUES (1, 'done', 1)$$, 'IS146',
                 'trigger "g" on tap_gate.bad: it needs a function, a status column and at least one state', 'too few arguments: IS146');
DROP TRIGGER g ON tap_gate.bad;
CREATE TRIGGER g BEFORE INSERT ON tap_gate.bad FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.mark', 'state', 'done');
SELECT throws_ok($$INSERT INTO tap_gate.bad VALUES (1, 'done', 1)$$, 'IS146', 'trigger "g" on tap_gate.bad: no column "state"', 'an unknown status column: IS146');
DROP TRIGGER g ON tap_gate.bad;
CREATE TRIGGER g BEFORE INSERT ON tap_gate.bad FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.mark', 'n', 'done');
SELECT throws_ok($$INSERT INTO tap_gate.bad VALUES (1, 'done', 1)$$, 'IS146', 'trigger "g" on tap_gate.bad: status column "n" is not text', 'a status column that is not text: IS146');
DROP TRIGGER g ON tap_gate.bad;
CREATE TRIGGER g BEFORE INSERT ON tap_gate.bad FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.mark', 'status', 'done:nothere');
SELECT throws_ok($$INSERT INTO tap_gate.bad VALUES (1, 'done', 1)$$, 'IS146', 'trigger "g" on tap_gate.bad: no column "nothere"', 'an unknown column of a state: IS146');
DROP TRIGGER g ON tap_gate.bad;
CREATE TRIGGER g BEFORE INSERT ON tap_gate.bad FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('mark', 'status', 'done');
SELECT throws_ok($$INSERT INTO tap_gate.bad VALUES (1, 'done', 1)$$, 'IS146', 'trigger "g" on tap_gate.bad: function mark is not schema-qualified',
                 'a function not schema-qualified: IS146');
SELECT lives_ok($$INSERT INTO tap_gate.bad VALUES (2, 'open', 1)$$, 'the function is looked up only when the gate opens');
DROP TRIGGER g ON tap_gate.bad;
CREATE TRIGGER g BEFORE INSERT ON tap_gate.bad FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.nothere', 'status', 'done');
SELECT throws_ok($$INSERT INTO tap_gate.bad VALUES (1, 'done', 1)$$, 'IS146', 'trigger "g" on tap_gate.bad: no function tap_gate.nothere', 'a missing function: IS146');
DROP TRIGGER g ON tap_gate.bad;
CREATE TRIGGER g BEFORE INSERT ON tap_gate.bad FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.not_a_trigger', 'status', 'done');
SELECT throws_ok($$INSERT INTO tap_gate.bad VALUES (1, 'done', 1)$$, 'IS146', 'trigger "g" on tap_gate.bad: function tap_gate.not_a_trigger does not return trigger',
                 'a function that is not a trigger function: IS146');
DROP TRIGGER g ON tap_gate.bad;
CREATE TRIGGER g AFTER INSERT ON tap_gate.bad FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('tap_gate.mark', 'status', 'done');
SELECT throws_ok($$INSERT INTO tap_gate.bad VALUES (3, 'done', 1)$$, 'IS146',
                 'trigger "g" on tap_gate.bad: it must be fired BEFORE INSERT or UPDATE, FOR EACH ROW', 'an AFTER trigger: IS146');

SELECT * FROM finish();
ROLLBACK;
