/*
 * sql/aliases/release_0_1_0.sql
 *		The names release 0.1.0 shipped for objects that the naming rule
 *		(README, "Names") has since renamed, kept as aliases so that queries,
 *		dashboards and workflow rules written for 0.1.0 go on working.
 *
 * The rule: a view is named for what it answers, register first
 * (risk_open beside nonconformity_open); a workflow guard is
 * <table>_<condition>_guard.  Each alias only forwards to the object under
 * its new name; new code uses the new names.  Listed in doc/naming.md.
 */

-- Copies the comments of a relation's columns to the same-named columns of
-- another (an alias view says what its columns are in the words of the view
-- it forwards to, written once there).
CREATE FUNCTION iso28000._copy_column_comments(source regclass, target regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT t.attname, col_description(source, s.attnum) AS comment
          FROM pg_attribute t
          JOIN pg_attribute s ON s.attrelid = source AND s.attname = t.attname AND s.attnum > 0 AND NOT s.attisdropped
         WHERE t.attrelid = target AND t.attnum > 0 AND NOT t.attisdropped
           AND col_description(source, s.attnum) IS NOT NULL
         ORDER BY t.attnum
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, c.attname, c.comment);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION iso28000._copy_column_comments(regclass, regclass) FROM PUBLIC;
COMMENT ON FUNCTION iso28000._copy_column_comments(regclass, regclass) IS
  'Internal: comments every column of target with the comment of the same-named column of source (the columns of an alias view).';

-- open_risk (0.1.0) is risk_open.
CREATE VIEW iso28000.open_risk WITH (security_invoker = true) AS
SELECT * FROM iso28000.risk_open;
COMMENT ON VIEW iso28000.open_risk IS
  'ISO 28000 6.1, 8.3: Alias of risk_open, under the name release 0.1.0 gave it; new code reads risk_open (views are named register first, then what they answer).';
SELECT iso28000._copy_column_comments('iso28000.risk_open', 'iso28000.open_risk');
GRANT SELECT ON iso28000.open_risk TO PUBLIC;

-- The clause 10.2 guards under their 0.1.0 names (now <table>_<condition>_guard).
CREATE FUNCTION iso28000.nonconformity_actions_planned(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
RETURN iso28000.nonconformity_actions_planned_guard(r, from_state, to_state);
COMMENT ON FUNCTION iso28000.nonconformity_actions_planned(iso28000.nonconformity, text, text) IS
  'Alias of nonconformity_actions_planned_guard, under the name release 0.1.0 gave it.';

CREATE FUNCTION iso28000.nonconformity_actions_done(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
RETURN iso28000.nonconformity_actions_done_guard(r, from_state, to_state);
COMMENT ON FUNCTION iso28000.nonconformity_actions_done(iso28000.nonconformity, text, text) IS
  'Alias of nonconformity_actions_done_guard, under the name release 0.1.0 gave it.';

CREATE FUNCTION iso28000.nonconformity_verifier_independent(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
RETURN iso28000.nonconformity_verifier_independent_guard(r, from_state, to_state);
COMMENT ON FUNCTION iso28000.nonconformity_verifier_independent(iso28000.nonconformity, text, text) IS
  'Alias of nonconformity_verifier_independent_guard, under the name release 0.1.0 gave it.';

CREATE FUNCTION iso28000.nonconformity_sms_decision(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN iso28000.nonconformity_sms_decision_guard(r, from_state, to_state);
COMMENT ON FUNCTION iso28000.nonconformity_sms_decision(iso28000.nonconformity, text, text) IS
  'Alias of nonconformity_sms_decision_guard, under the name release 0.1.0 gave it.';

CREATE FUNCTION iso28000.corrective_action_reopen_allowed(r iso28000.corrective_action, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
RETURN iso28000.corrective_action_reopen_guard(r, from_state, to_state);
COMMENT ON FUNCTION iso28000.corrective_action_reopen_allowed(iso28000.corrective_action, text, text) IS
  'Alias of corrective_action_reopen_guard, under the name release 0.1.0 gave it.';
