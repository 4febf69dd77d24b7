/*
 * sql/clauses/clause10_improvement.sql
 *		ISO 28000 clause 10: improvement.
 *
 * This file is the last of the install script; it ends by marking every
 * workflow rule seeded so far as builtin (see sql/core/07_workflow.sql).
 */

-- Every workflow rule the install script seeded is builtin: pg_dump keeps only
-- the rows a DBA adds later.  Keep this at the end of the last file.
UPDATE iso28000.workflow SET builtin = true;
UPDATE iso28000.workflow_state SET builtin = true;
UPDATE iso28000.workflow_transition SET builtin = true;
UPDATE iso28000.workflow_required_column SET builtin = true;
