-- Refusals carry the fields applications act on (doc/sqlstates.md, "What a
-- refusal carries"): the SQLSTATE, schema, table, the one column at fault,
-- and a detail, whether the refusal comes from the workflow engine (C) or a
-- register's trigger (PL/pgSQL).  test/suite.d/psycopg2 checks the same
-- through a driver for the refusals of the 10.2 walk; this file covers the
-- others: the engine's, the registers' triggers', and those of the tenant
-- model, the acting person, register_table(), the history and distribute().
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(35);
SET LOCAL search_path = iso28000, public;

-- pg_temp.fields_detail(): 'SQLSTATE schema.table.column detail [constraint name]' of the error a statement raises.
\ir include/fields.sql

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
SELECT is(pg_temp.fields_detail(format($$INSERT INTO iso28000.audit_team_member (org_id, audit_id, person_id) VALUES (%s, %s, %s)$$, :acme, :a1, :bob)),
          'IS302 iso28000.audit_team_member.person_id detail', 'IS302 on a team member names audit_team_member.person_id');
SELECT is(pg_temp.fields_detail(format($$UPDATE iso28000.audit SET lead_auditor_id = %s WHERE audit_id = %s$$, :bob, :a1)),
          'IS302 iso28000.audit.lead_auditor_id detail', 'IS302 on an audit names audit.lead_auditor_id');
SELECT is(pg_temp.fields_detail(format($$INSERT INTO iso28000.audit_auditee (org_id, audit_id, process_id) VALUES (%s, %s, %s)$$, :acme, :a2, :gate)),
          'IS302 iso28000.audit_auditee.process_id detail', 'IS302 on an auditee names audit_auditee.process_id');
SELECT is(pg_temp.fields_detail(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, process_id) VALUES (%s, %s, '8.1', 'conforming', 'ok', %s)$$, :acme, :a2, :gate)),
          'IS302 iso28000.audit_finding.process_id detail', 'IS302 on a finding names audit_finding.process_id');

-- IS303, IS304 (PL/pgSQL trigger on audit_finding).
SELECT is(pg_temp.fields_detail(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '9.1', 'conforming', 'x')$$, :acme, :a1)),
          'IS303 iso28000.audit_finding.clause detail', 'IS303 names audit_finding.clause');
SELECT is(pg_temp.fields_detail(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement) VALUES (%s, %s, '8.1', 'conforming', 'x')$$, :acme, :a3)),
          'IS304 iso28000.audit_finding.audit_id detail', 'IS304 names audit_finding.audit_id');

-- IS451 (PL/pgSQL trigger on process_dependency).
INSERT INTO activity (org_id, sms_process_id, name) VALUES (:acme, :gate, 'Seal check') RETURNING activity_id AS act \gset
INSERT INTO supply_chain_node (org_id, code, name, kind) VALUES (:acme, 'N1', 'Terminal', 'site') RETURNING node_id AS n1 \gset
SELECT is(pg_temp.fields_detail(format($$INSERT INTO iso28000.process_dependency (org_id, sms_process_id, activity_id, node_id) VALUES (%s, %s, %s, %s)$$, :acme, :inbound, :act, :n1)),
          'IS451 iso28000.process_dependency.activity_id detail', 'IS451 names process_dependency.activity_id');

-- The engine (C): the status column for a refused transition, the one missing
-- column for IS103, no column when several are missing.
SELECT is(pg_temp.fields_detail(format($$UPDATE iso28000.audit SET status = 'closed' WHERE audit_id = %s$$, :a1)),
          'IS102 iso28000.audit.status detail', 'IS102 names the status column');
SELECT is(pg_temp.fields_detail(format($$UPDATE iso28000.audit SET status = 'in_progress' WHERE audit_id = %s$$, :a1)),
          'IS103 iso28000.audit.started_on detail', 'IS103 with one column missing names it');
UPDATE audit SET status = 'in_progress', started_on = '2025-05-01' WHERE audit_id = :a1;
SELECT is(pg_temp.fields_detail(format($$UPDATE iso28000.audit SET status = 'reported', report = 'R-1' WHERE audit_id = %s$$, :a1)),
          'IS103 iso28000.audit. detail', 'IS103 with several columns missing names none');
SELECT is(pg_temp.fields_detail(format($$UPDATE iso28000.audit SET title = 'x' WHERE audit_id = %s$$, :a3)),
          'IS105 iso28000.audit.status detail', 'IS105 names the status column');
SELECT is(pg_temp.fields_detail(format($$DELETE FROM iso28000.audit WHERE audit_id = %s$$, :a3)),
          'IS107 iso28000.audit.status detail', 'IS107 names the status column');

-- PostgreSQL's own refusals of the registers name their constraint.
SELECT is(pg_temp.fields_detail(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, ' ', 'minor')$$, :acme)),
          '23514 iso28000.nonconformity. detail constraint nonconformity_title_present', 'a CHECK refusal names the table and its constraint');

-- The tenant model (IS001 from C, IS002 to IS004 from PL/pgSQL): the
-- membership's column at fault.
CREATE ROLE tap_ef_nobody;
CREATE ROLE tap_ef_writer;
CREATE ROLE tap_ef_maker;
SELECT grant_access(:acme, 'tap_ef_writer', 'write');
GRANT EXECUTE ON FUNCTION iso28000.create_organization(text, text, regrole) TO tap_ef_maker;
SET SESSION AUTHORIZATION tap_ef_nobody;
SELECT is(pg_temp.fields_detail(format($$SELECT iso28000.require_level(%s, 'read')$$, :acme)),
          'IS001 iso28000.membership.level detail', 'IS001 names membership.level');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ef_maker;
SELECT is(pg_temp.fields_detail($$SELECT iso28000.create_organization('EF-X', 'X', 'tap_ef_nobody')$$),
          'IS002 iso28000.membership.member detail', 'IS002 names membership.member');
RESET SESSION AUTHORIZATION;
SELECT is(pg_temp.fields_detail(format($$SELECT iso28000.grant_access(%s, 'tap_ef_nobody', 'admin')$$, :acme)),
          'IS003 iso28000.membership.level detail', 'IS003 names membership.level');
SELECT is(pg_temp.fields_detail(format($$SELECT iso28000.revoke_access(%s, current_user::regrole)$$, :acme)),
          'IS004 iso28000.membership.level detail', 'IS004 names membership.level');

-- The acting person (C) and who-is-who (PL/pgSQL).
SET SESSION AUTHORIZATION tap_ef_writer;
SELECT is(pg_temp.fields_detail(format($$SELECT iso28000.act_as(%s, %s)$$, :acme, :ann)),
          'IS020 iso28000.delegation. detail', 'IS020 names delegation (no one row is at fault)');
RESET SESSION AUTHORIZATION;
SELECT grant_delegation(:acme, 'tap_ef_writer');
SET SESSION AUTHORIZATION tap_ef_writer;
SELECT is(pg_temp.fields_detail(format($$SELECT iso28000.act_as(%s, NULL)$$, :acme)),
          'IS021 iso28000.person.person_id detail', 'IS021 without a person names person.person_id');
SELECT is(pg_temp.fields_detail(format($$SELECT iso28000.act_as(%s, -1)$$, :acme)),
          'IS021 iso28000.person.person_id detail', 'IS021 for no active person names person.person_id');
SELECT is(pg_temp.fields_detail(format($$UPDATE iso28000.person SET db_role = 'tap_ef_writer' WHERE person_id = %s$$, :bob)),
          'IS022 iso28000.person.db_role detail', 'IS022 names person.db_role');
RESET SESSION AUTHORIZATION;

-- register_table() and attach_workflow() (PL/pgSQL): the table refused.
CREATE TABLE public.tap_ef_public (org_id bigint NOT NULL, id bigint PRIMARY KEY, status text);
CREATE TABLE iso28000.tap_ef_no_org (id bigint PRIMARY KEY);
CREATE TABLE iso28000.tap_ef_int_org (org_id integer, id bigint PRIMARY KEY);
CREATE TABLE iso28000.tap_ef_no_key (org_id bigint NOT NULL, id bigint);
SELECT is(pg_temp.fields_detail($$SELECT iso28000.register_table('public.tap_ef_public')$$),
          'IS010 public.tap_ef_public. detail', 'IS010 names the schema and table refused');
SELECT is(pg_temp.fields_detail($$SELECT iso28000.register_table('iso28000.tap_ef_no_org')$$),
          'IS005 iso28000.tap_ef_no_org.org_id detail', 'IS005 names the table and the missing org_id');
SELECT is(pg_temp.fields_detail($$SELECT iso28000.attach_workflow('public.tap_ef_public', 'nonconformity')$$),
          'IS110 public.tap_ef_public. detail', 'IS110 names the schema and table refused');

-- The history (PL/pgSQL attach_history(), C history_record()).
SELECT is(pg_temp.fields_detail($$SELECT iso28000.attach_history('public.tap_ef_public')$$),
          'IS210 public.tap_ef_public. detail', 'IS210 from attach_history names the schema and table refused');
SELECT is(pg_temp.fields_detail($$SELECT iso28000.attach_history('iso28000.tap_ef_no_org')$$),
          'IS205 iso28000.tap_ef_no_org.org_id detail', 'IS205 without org_id names org_id');
SELECT is(pg_temp.fields_detail($$SELECT iso28000.attach_history('iso28000.tap_ef_int_org')$$),
          'IS205 iso28000.tap_ef_int_org.org_id detail', 'IS205 with org_id not bigint NOT NULL names org_id');
SELECT is(pg_temp.fields_detail($$SELECT iso28000.attach_history('iso28000.tap_ef_no_key')$$),
          'IS205 iso28000.tap_ef_no_key. detail', 'IS205 without a primary key names the table only');
CREATE TRIGGER tap_ef_rec AFTER INSERT ON public.tap_ef_public REFERENCING NEW TABLE AS n
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record();
CREATE TRIGGER tap_ef_rec AFTER INSERT ON iso28000.tap_ef_no_org REFERENCING NEW TABLE AS n
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record();
SELECT is(pg_temp.fields_detail($$INSERT INTO public.tap_ef_public VALUES (1, 1)$$),
          'IS210 public.tap_ef_public. detail', 'IS210 from the recorder names the schema and table refused');
SELECT is(pg_temp.fields_detail($$INSERT INTO iso28000.tap_ef_no_org VALUES (1)$$),
          'IS205 iso28000.tap_ef_no_org.org_id detail', 'IS205 from the recorder names org_id');
CREATE TABLE iso28000.tap_ef_open (org_id bigint NOT NULL REFERENCES iso28000.organization, id bigint, PRIMARY KEY (org_id, id));
SELECT register_table('iso28000.tap_ef_open');
CREATE POLICY tap_ef_anyone ON iso28000.tap_ef_open FOR INSERT WITH CHECK (true);
SET SESSION AUTHORIZATION tap_ef_nobody;
SELECT is(pg_temp.fields_detail(format($$INSERT INTO iso28000.tap_ef_open VALUES (%s, 1)$$, :acme)),
          'IS211 iso28000.tap_ef_open.org_id detail', 'IS211 names the register and org_id');
RESET SESSION AUTHORIZATION;
SELECT create_organization('EF-B', 'Other') AS other \gset
INSERT INTO person (org_id, full_name) VALUES (:acme, 'Cy Clerk') RETURNING person_id AS cy \gset
SELECT is(pg_temp.fields_detail(format($$UPDATE iso28000.person SET org_id = %s WHERE person_id = %s$$, :other, :cy)),
          'IS212 iso28000.person.org_id detail', 'IS212 names the register and org_id');
SELECT is(pg_temp.fields_detail(format($$SELECT * FROM iso28000.verify_history(%s, '%s:0:%s')$$, :acme, :other, repeat('0', 64))),
          'IS204 iso28000.history_head.org_id detail', 'IS204 names history_head.org_id');

-- distribute() (PL/pgSQL): IS050 concerns the database, so the schema only;
-- IS051 names the first table at fault (the detail lists all of them).
SELECT is(pg_temp.fields_detail($$SELECT * FROM iso28000.distribute()$$),
          'IS050 iso28000.. detail', 'IS050 names the schema');
CREATE TABLE iso28000.tap_ef_dist (org_id bigint NOT NULL REFERENCES iso28000.organization, probe_id bigint PRIMARY KEY);
ALTER EXTENSION iso28000 ADD TABLE iso28000.tap_ef_dist;
SELECT is(pg_temp.fields_detail($$SELECT * FROM iso28000.distribute(dry_run => true)$$),
          'IS051 iso28000.tap_ef_dist. detail', 'IS051 names the table that cannot be distributed');
ALTER EXTENSION iso28000 DROP TABLE iso28000.tap_ef_dist;

SELECT * FROM finish();
ROLLBACK;
