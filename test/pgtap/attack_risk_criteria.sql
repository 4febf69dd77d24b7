-- A writer cannot rewrite the risk criteria (ISO 28000 6.1.2).
--
-- The organisation's risk matrix (risk_band_cell) and risk appetite
-- (risk_appetite) decide which risks are acceptable: a writer who could
-- make every cell "low", or raise the appetite to "critical", would empty
-- risk_above_appetite without treating anything.  Changing them needs level
-- manage (IS001, from risk_criteria_guard), and a refused change leaves
-- nothing behind.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(16);

CREATE ROLE tap_rc_boss NOLOGIN;     -- manages A
CREATE ROLE tap_rc_writer NOLOGIN;   -- writes A: the attacker
CREATE ROLE tap_rc_reader NOLOGIN;   -- reads A
SELECT iso28000.create_organization('RC-A', 'Org A', 'tap_rc_boss') AS a \gset
SELECT iso28000.grant_access(:a, 'tap_rc_writer', 'write');
SELECT iso28000.grant_access(:a, 'tap_rc_reader', 'read');

SET ROLE tap_rc_boss;
SELECT lives_ok(format($$INSERT INTO iso28000.risk_band_cell (org_id, rating, band) VALUES (%s, 'L5C6', 'critical')$$, :a),
                'a manager sets a cell of the matrix');
SELECT lives_ok(format($$INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on)
                         VALUES (%s, 'Low only', 'low', current_date - 1)$$, :a),
                'a manager sets the appetite');
RESET ROLE;
CREATE TEMP TABLE criteria_before AS
  SELECT 'cell' AS kind, rating::text AS k, band AS v FROM iso28000.risk_band_cell
  UNION ALL SELECT 'appetite', effective_on::text, max_band FROM iso28000.risk_appetite;
GRANT SELECT ON criteria_before TO PUBLIC;

SET ROLE tap_rc_writer;
SELECT is(iso28000.within_appetite(:a, 'L5C6'), false, 'L5C6 is above the appetite before the attack');
SELECT throws_ok(format($$INSERT INTO iso28000.risk_band_cell (org_id, rating, band) VALUES (%s, 'L4C6', 'low')$$, :a),
                 'IS001', NULL, 'a writer cannot add a cell to the matrix');
SELECT throws_ok(format($$UPDATE iso28000.risk_band_cell SET band = 'low' WHERE org_id = %s$$, :a),
                 'IS001', NULL, 'a writer cannot lower a cell of the matrix');
SELECT throws_ok(format($$DELETE FROM iso28000.risk_band_cell WHERE org_id = %s$$, :a),
                 'IS001', NULL, 'a writer cannot delete a cell of the matrix');
SELECT throws_ok(format($$INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on)
                          VALUES (%s, 'Anything goes', 'critical', current_date)$$, :a),
                 'IS001', NULL, 'a writer cannot set a newer appetite');
SELECT throws_ok(format($$UPDATE iso28000.risk_appetite SET max_band = 'critical' WHERE org_id = %s$$, :a),
                 'IS001', NULL, 'a writer cannot raise the appetite');
SELECT throws_ok(format($$DELETE FROM iso28000.risk_appetite WHERE org_id = %s$$, :a),
                 'IS001', NULL, 'a writer cannot delete the appetite');
-- The error names the table (drivers expose it as err.table).
CREATE FUNCTION pg_temp.refusal_table(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
  EXECUTE stmt;
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS t = TABLE_NAME;
  RETURN t;
END $$;
SELECT is(pg_temp.refusal_table(format($$UPDATE iso28000.risk_appetite SET max_band = 'critical' WHERE org_id = %s$$, :a)),
          'risk_appetite', 'the refusal carries the table field');
SELECT is(iso28000.within_appetite(:a, 'L5C6'), false, 'L5C6 is still above the appetite after the attack');
RESET ROLE;

SET ROLE tap_rc_reader;
SELECT throws_ok(format($$INSERT INTO iso28000.risk_band_cell (org_id, rating, band) VALUES (%s, 'L4C5', 'low')$$, :a),
                 'IS001', NULL, 'a reader cannot add a cell either (the guard runs before row-level security)');
RESET ROLE;

SELECT is((SELECT count(*) FROM (
             SELECT 'cell' AS kind, rating::text AS k, band AS v FROM iso28000.risk_band_cell
             UNION ALL SELECT 'appetite', effective_on::text, max_band FROM iso28000.risk_appetite
             EXCEPT SELECT * FROM criteria_before) d), 0::bigint,
          'nothing of the refused changes was written');
SELECT is((SELECT count(*) FROM iso28000.history h WHERE h.table_name IN ('iso28000.risk_band_cell', 'iso28000.risk_appetite')), 2::bigint,
          'the history holds the two manager changes only');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'the chain verifies');

SET ROLE tap_rc_boss;
SELECT lives_ok(format($$UPDATE iso28000.risk_appetite SET max_band = 'medium' WHERE org_id = %s$$, :a),
                'a manager changes the appetite');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
