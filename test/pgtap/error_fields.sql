-- Refusals carry the fields applications act on (doc/sqlstates.md, "What a
-- refusal carries"): the SQLSTATE, schema, table, the one column at fault,
-- and a detail, whether the refusal comes from the workflow engine (C) or a
-- register's trigger (PL/pgSQL).  test/suite.d/psycopg2 checks the same
-- through a driver for the refusals of the 10.2 walk; this file covers the
-- others.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(13);
SET LOCAL search_path = iso28000, public;

-- 'SQLSTATE schema.table.column detail [constraint name]' of the error a statement raises.
CREATE FUNCTION pg_temp.fields(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; sc text; tb text; co text; cn text; de text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, sc = SCHEMA_NAME, tb = TABLE_NAME,
                          co = COLUMN_NAME, cn = CONSTRAINT_NAME, de = PG_EXCEPTION_DETAIL;
  RETURN format('%s %s.%s.%s %s', st, sc, tb, co, CASE WHEN de <> '' THEN 'detail' ELSE 'no detail' END)
         || CASE WHEN cn <> '' THEN ' constraint ' || cn ELSE '' END;
END
$$;

SELECT create_organization('ACME', 'Acme Logistics') AS acme \gset
INSERT INTO person (org_id, full_name) VALUES (:acme, 'Ann Auditor'), (:acme, 'Bob Owner');
SELECT person_id AS ann FROM person WHERE full_name = 'Ann Auditor' \gset
SELECT person_id AS bob FROM person WHERE full_name = 'Bob Owner' \gset
INSERT INTO sms_process (org_id, name, owner_id) VALUES (:acme, 'Gate control', :bob), (:acme, 'Inbound', :ann);
SELECT sms_process_id AS gate FROM sms_process WHERE name = 'Gate control' \gset
SELECT sms_process_id AS inbound FROM sms_process WHERE name = 'Inbound' \gset
INSERT INTO audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
VALUES (:acme, 'Gate audit', '{8.1}', :ann, '2025-05-01', '2025-05-02'),
       (:acme, 'Bob''s audit', '{8.1}', :bob, '2025-06-01', '2025-06-02'),
       (:acme, 'Cancelled audit', '{8.1}', :ann, '2025-07-01', '2025-07-02');
SELECT audit_id AS a1 FROM audit WHERE title = 'Gate audit' \gset
SELECT audit_id AS a2 FROM audit WHERE title = 'Bob''s audit' \gset
SELECT audit_id AS a3 FROM audit WHERE title = 'Cancelled audit' \gset
INSERT INTO audit_auditee (org_id, audit_id, process_id) VALUES (:acme, :a1, :gate);
UPDATE audit SET status = 'cancelled', status_note = 'postponed' WHERE audit_id = :a3;

-- IS302 (PL/pgSQL constraint trigger on four tables): the auditor's column of each.
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :acme, :a1, :bob)),
          'IS302 iso28000.audit_team_member.person_id detail', 'IS302 on a team member names audit_team_member.person_id');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE audit_id = %s$$, :bob, :a1)),
          'IS302 iso28000.audit.lead_auditor_id detail', 'IS302 on an audit names audit.lead_auditor_id');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (%s, %s, %s)$$, :acme, :a2, :gate)),
          'IS302 iso28000.audit_auditee.process_id detail', 'IS302 on an auditee names audit_auditee.process_id');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, process_id) VALUES (%s, %s, '8.1', 'conforming', 'ok', %s)$$, :acme, :a2, :gate)),
          'IS302 iso28000.audit_finding.process_id detail', 'IS302 on a finding names audit_finding.process_id');

-- IS303, IS304 (PL/pgSQL trigger on audit_finding).
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '9.1', 'conforming', 'x')$$, :acme, :a1)),
          'IS303 iso28000.audit_finding.clause detail', 'IS303 names audit_finding.clause');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '8.1', 'conforming', 'x')$$, :acme, :a3)),
          'IS304 iso28000.audit_finding.audit_id detail', 'IS304 names audit_finding.audit_id');

-- IS451 (PL/pgSQL trigger on process_dependency).
INSERT INTO activity (org_id, sms_process_id, name) VALUES (:acme, :gate, 'Seal check') RETURNING activity_id AS act \gset
INSERT INTO supply_chain_node (org_id, code, name, kind) VALUES (:acme, 'N1', 'Terminal', 'site') RETURNING node_id AS n1 \gset
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.process_dependency (org_id, sms_process_id, activity_id, node_id) VALUES (%s, %s, %s, %s)$$, :acme, :inbound, :act, :n1)),
          'IS451 iso28000.process_dependency.activity_id detail', 'IS451 names process_dependency.activity_id');

-- The engine (C): the status column for a refused transition, the one missing
-- column for IS103, no column when several are missing.
SELECT is(pg_temp.fields(format($$UPDATE iso28000.audit SET status = 'closed' WHERE audit_id = %s$$, :a1)),
          'IS102 iso28000.audit.status detail', 'IS102 names the status column');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.audit SET status = 'in_progress' WHERE audit_id = %s$$, :a1)),
          'IS103 iso28000.audit.started_on detail', 'IS103 with one column missing names it');
UPDATE audit SET status = 'in_progress', started_on = '2025-05-01' WHERE audit_id = :a1;
SELECT is(pg_temp.fields(format($$UPDATE iso28000.audit SET status = 'reported', report = 'R-1' WHERE audit_id = %s$$, :a1)),
          'IS103 iso28000.audit. detail', 'IS103 with several columns missing names none');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.audit SET title = 'x' WHERE audit_id = %s$$, :a3)),
          'IS105 iso28000.audit.status detail', 'IS105 names the status column');
SELECT is(pg_temp.fields(format($$DELETE FROM iso28000.audit WHERE audit_id = %s$$, :a3)),
          'IS107 iso28000.audit.status detail', 'IS107 names the status column');

-- PostgreSQL's own refusals of the registers name their constraint.
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, ' ', 'minor')$$, :acme)),
          '23514 iso28000.nonconformity. detail constraint nonconformity_title_present', 'a CHECK refusal names the table and its constraint');

SELECT * FROM finish();
ROLLBACK;
