-- Refusals raised on a worker, as the client of the coordinator receives them
-- (doc/distribution.md, "Refusals through the coordinator"): the message names
-- the table, never the shard (risk_criteria_guard, the acting-person stamp, the
-- history's append-only guard named the shard: risk_appetite_102345), and of
-- the error's fields the SQLSTATE, message, detail, hint and context arrive,
-- the schema, table and column do not (Citus's ReportResultError() passes on
-- no others): the worker names them in a last context line "iso28000 fields:
-- ..." (src/citus_errfields.c), which 17_refusal_fields_client.sh shows put
-- back as fields when the library is loaded in the client's backend.  As
-- members (LOGIN, not superusers) through the coordinator.
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(8);

CREATE ROLE citus_rf_mgr LOGIN;
CREATE ROLE citus_rf_wri LOGIN;
SELECT iso28000.create_organization('CRF', 'Cluster refusal fields', 'citus_rf_mgr') AS a \gset
SELECT ok(NOT bool_or(rolsuper), 'the members are not superusers') FROM pg_roles WHERE rolname LIKE 'citus_rf_%';
SET ROLE citus_rf_mgr;
SELECT iso28000.grant_access(:a, 'citus_rf_wri', 'write');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Mia Manager', 'citus_rf_mgr') RETURNING person_id AS mia \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wim Writer', 'citus_rf_wri') RETURNING person_id AS wim \gset
RESET ROLE;

SET client_min_messages = error;   -- Citus notes that a temporary function stays local
-- Every field of the error a statement raises, as the client gets it.
CREATE FUNCTION pg_temp.all_fields(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  st text; ms text; de text; hi text; sc text; tb text; co text; cx text;
BEGIN
  EXECUTE q;
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, ms = MESSAGE_TEXT, de = PG_EXCEPTION_DETAIL,
                          hi = PG_EXCEPTION_HINT, sc = SCHEMA_NAME, tb = TABLE_NAME, co = COLUMN_NAME,
                          cx = PG_EXCEPTION_CONTEXT;
  RETURN ARRAY[st, ms, de, hi, sc, tb, co, (cx ~ 'while executing command on ')::text,
               coalesce(substring(cx from 'iso28000 fields: [^\n]*'), 'no fields line')];
END
$$;
SET client_min_messages = warning;
GRANT EXECUTE ON FUNCTION pg_temp.all_fields(text) TO PUBLIC;

-- risk_criteria_guard (IS001): a writer may not change the risk criteria.
SET ROLE citus_rf_wri;
SELECT is(pg_temp.all_fields(format($$INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on) VALUES (%s, 'Low only', 'low', current_date)$$, :a)),
          ARRAY['IS001',
                format('role "citus_rf_wri" cannot insert iso28000.risk_appetite of organisation %s: the risk criteria need level manage', :a),
                'The risk matrix and the risk appetite decide which risks are acceptable (ISO 28000 6.1.2); top management sets them.',
                'A manager of the organisation makes the change.',
                '', '', '', 'true', 'iso28000 fields: schema=iso28000, table=risk_appetite'],
          'risk_criteria_guard''s refusal names the table, not the shard (was risk_appetite_NNNNNN); SQLSTATE, message, detail, hint and context arrive, schema, table and column do not, but the worker names them in a context line (the table, not the shard)');
SELECT throws_ok(format($$INSERT INTO iso28000.risk_band_cell (org_id, rating, band) VALUES (%s, 'L1C1', 'low')$$, :a),
                 'IS001', format('role "citus_rf_wri" cannot insert iso28000.risk_band_cell of organisation %s: the risk criteria need level manage', :a),
                 'so does its refusal on risk_band_cell');
RESET ROLE;

-- The acting-person stamp (IS120, IS121, src/actor_stamp.c).
SET ROLE citus_rf_mgr;
SELECT is((pg_temp.all_fields(format($$INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on, approved_by, approved_on) VALUES (%s, 'Low only', 'low', current_date, %s, current_date)$$, :a, :wim)))[1:2],
          ARRAY['IS120', format('iso28000.risk_appetite of organisation %s: approved_by names person %s, but the acting person is person %s', :a, :wim, :mia)],
          'a stamp naming another person is refused (IS120), naming the table, not the shard');
INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on, approved_by, approved_on)
VALUES (:a, 'Medium at most', 'medium', current_date, :mia, current_date) RETURNING risk_appetite_id AS ra \gset
SELECT lives_ok(format($$UPDATE iso28000.risk_appetite SET max_band = 'low' WHERE org_id = %s AND risk_appetite_id = %s$$, :a, :ra),
                'the manager changes the risk criteria on the worker');
RESET ROLE;

-- The history's append-only guard (IS201, src/history.c), even for the superuser.
SELECT is((pg_temp.all_fields(format($$UPDATE iso28000.history SET acting_person = NULL WHERE org_id = %s$$, :a)))[1:2],
          ARRAY['IS201', 'UPDATE of "history" is not allowed: the history is append-only'],
          'an UPDATE of the history is refused on the worker, naming the history, not its shard');
SELECT is((pg_temp.all_fields(format($$DELETE FROM iso28000.history WHERE org_id = %s$$, :a)))[1:2],
          ARRAY['IS201', 'DELETE of "history" is not allowed: the history is append-only'],
          'so is a DELETE');
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'the organisation''s chain verifies');
SELECT * FROM finish();
