/*
 * sql/upgrades/iso28000--0.2.0--0.3.0.sql
 *		Upgrades iso28000 from 0.2.0 to 0.3.0 (ALTER EXTENSION iso28000 UPDATE).
 *
 * Every change made under sql/ after release 0.2.0 is written here too, in the
 * order it must run.  test/suite.d/upgrade checks that 0.2.0 upgraded with this
 * script describes exactly like a fresh install of 0.3.0.
 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION iso28000 UPDATE TO '0.3.0'" to load this file. \quit

-- The BEFORE ROW path of the real register (issue 13, triggers): the state
-- gate stands for nonconformity_audit_independent's WHEN clause
-- (sql/core/06_workflow.sql, sql/clauses/clause10_improvement.sql).
CREATE FUNCTION iso28000.fire_on_entering() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_fire_on_entering';
REVOKE ALL ON FUNCTION iso28000.fire_on_entering() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.fire_on_entering() IS
  'State gate trigger (BEFORE INSERT OR UPDATE FOR EACH ROW): arguments are a schema-qualified trigger function (without parentheses), the status column, and one or more states, each "state" or "state:column[:column...]". Calls the function, with the same trigger data, when the new row''s status is one of the states and the old row''s is not (an INSERT always enters), or, for a state with columns, when one of those columns changed while the row stays in it; otherwise passes the row unchanged. Misdeclared: IS146.';
DROP TRIGGER nonconformity_audit_independent ON iso28000.nonconformity;
CREATE TRIGGER nonconformity_audit_independent
    BEFORE UPDATE OF status, verified_by ON iso28000.nonconformity
    FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('iso28000.nonconformity_audit_independent', 'status',
                                                            'rejected', 'verified:verified_by', 'closed');
