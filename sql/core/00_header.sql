/*
 * iso28000 install script.
 *
 * Built by the Makefile from the files sql/install-order lists, in its
 * order: sql/core (types, tenant model, engines), sql/clauses (one file per
 * clause or sub-clause group of ISO 28000:2022, in clause order), sql/views
 * and sql/reports.  Edit those files, never the built script.
 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION iso28000" to load this file. \quit

-- The schema belongs to the extension: the script creates it, so that DROP
-- EXTENSION iso28000 drops it too and leaves nothing behind (a schema named in
-- the control file would be created by CREATE EXTENSION but not be a member).
-- The control file therefore names pg_catalog as the extension's schema, as
-- pg_cron does.  Unqualified names in the rest of the script resolve in
-- iso28000 (after pg_catalog, as before); SET LOCAL, because CREATE EXTENSION
-- restores the caller's search_path only for a LOCAL change (a plain SET would
-- outlive the script).
CREATE SCHEMA iso28000;
SET LOCAL search_path = iso28000;

COMMENT ON SCHEMA iso28000 IS
  'ISO 28000:2022 security management system of record: registers for clauses 4 to 10, enforced workflows, conformity scoring and a hash-chained history.';

-- Daily use needs no privilege beyond USAGE: row-level security decides which
-- organisations' rows a role sees (see sql/core/04_tenant.sql).
GRANT USAGE ON SCHEMA iso28000 TO PUBLIC;
