-- Providers as a condition of inclusion (ISO 28000 8.1), enforced: a provider
-- becomes active, and a link of criticality high or critical to it is created
-- or raised, only when it meets its security requirements or under an
-- approved exception in force; the approval of an exception (authority,
-- segregation, end date); partner screenings as evidence; flagging when
-- evidence is withdrawn or lapses; every refusal's SQLSTATE, message and
-- fields, and that nothing was written.  Run as non-superuser members.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(82);

CREATE ROLE tap_pi_mgr NOLOGIN;   -- manager: Mia
CREATE ROLE tap_pi_wri NOLOGIN;   -- writer: Wim (no authority)
CREATE ROLE tap_pi_app NOLOGIN;   -- a delegated application (write), acts for Rob and Ada
CREATE ROLE tap_pi_rd  NOLOGIN;   -- a reader
CREATE ROLE tap_pi_oth NOLOGIN;   -- writer of another organisation
CREATE ROLE tap_pi_svc NOLOGIN;   -- a service account (write) that acts for nobody
SELECT iso28000.create_organization('PI', 'Provider inclusion', 'tap_pi_mgr') AS a \gset
SELECT iso28000.create_organization('PO', 'Other', 'tap_pi_oth') AS b \gset

SET SESSION AUTHORIZATION tap_pi_mgr;
SELECT iso28000.grant_access(:a, 'tap_pi_wri', 'write');
SELECT iso28000.grant_access(:a, 'tap_pi_app', 'write');
SELECT iso28000.grant_access(:a, 'tap_pi_rd', 'read');
SELECT iso28000.grant_access(:a, 'tap_pi_svc', 'write');
SELECT iso28000.grant_delegation(:a, 'tap_pi_app');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Mia Manager', 'tap_pi_mgr') RETURNING person_id AS mia \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wim Writer', 'tap_pi_wri') RETURNING person_id AS wim \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Rob Requester') RETURNING person_id AS rob \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Ada Approver') RETURNING person_id AS ada \gset
INSERT INTO iso28000.sms_role (org_id, name, responsibilities, may_approve_provider_exceptions)
     VALUES (:a, 'Supply-chain security lead', 'Admits providers', true) RETURNING sms_role_id AS lead \gset
INSERT INTO iso28000.role_assignment (org_id, sms_role_id, person_id, assigned_on) VALUES (:a, :lead, :ada, current_date - 5);
RESET SESSION AUTHORIZATION;
SELECT ok(NOT bool_or(rolsuper), 'none of the test roles is a superuser') FROM pg_roles WHERE rolname LIKE 'tap_pi_%';

-- pg_temp.fields(): 'SQLSTATE schema.table.column' of the error a statement raises.
\ir include/fields.sql
GRANT EXECUTE ON FUNCTION pg_temp.fields(text) TO PUBLIC;

-- the writer records the requirements and the organisation's own site
SET SESSION AUTHORIZATION tap_pi_wri;
INSERT INTO iso28000.security_requirement (org_id, code, title, kind, applies_to_kinds, min_criticality, min_score)
VALUES (:a, 'AEO', 'Authorised economic operator', 'authorised_operator', '{carrier}', NULL, NULL),
       (:a, 'ISO', 'ISO 28000 certificate', 'certification', '{carrier}', 'high', NULL),
       (:a, 'SCORE', 'Assessment of 70 or more', 'assessment_score', '{carrier}', 'critical', 70);
SELECT requirement_id AS aeo FROM iso28000.security_requirement WHERE code = 'AEO' \gset
SELECT requirement_id AS iso FROM iso28000.security_requirement WHERE code = 'ISO' \gset
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind) VALUES (:a, 'SITE', 'Own site', 'site') RETURNING node_id AS site \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical) VALUES (:a, 'Dispatch', :wim, true) RETURNING sms_process_id AS proc \gset

-- IS520: a provider does not enter active without its evidence ----------------
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external) VALUES (%s, 'HAUL', 'Haulier', 'carrier', true)$$, :a),
                 'IS520', NULL, 'an active carrier without AEO evidence cannot be inserted (IS520)');
SELECT is_empty($$SELECT 1 FROM iso28000.supply_chain_node WHERE code = 'HAUL'$$, 'and nothing was written');
SELECT lives_ok(format($$INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, active) VALUES (%s, 'HAUL', 'Haulier', 'carrier', true, false)$$, :a),
                'an inactive carrier can be recorded before its evidence');
SELECT node_id AS haul FROM iso28000.supply_chain_node WHERE code = 'HAUL' \gset
SELECT throws_ok(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = %s$$, :haul), 'IS520',
                 format('iso28000.supply_chain_node (org_id, node_id)=(%s, %s) cannot become an active provider: provider "HAUL" (node %s) falls short of AEO (missing)', :a, :haul, :haul),
                 'activating it without evidence is refused, naming the node and what it lacks');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = %s$$, :haul)),
          'IS520 iso28000.supply_chain_node.active', 'IS520 names supply_chain_node.active');
SELECT is((SELECT active FROM iso28000.supply_chain_node WHERE node_id = :haul), false, 'the node stayed inactive');
INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, valid_from, valid_until)
VALUES (:a, :haul, :aeo, 'NLAEOF0001', current_date - 100, current_date + 400);
SELECT lives_ok(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = %s$$, :haul),
                'with AEO evidence in force it becomes active');
SELECT lives_ok(format($$INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external) VALUES (%s, 'TOS', 'Software', 'service_provider', true)$$, :a),
                'a provider no requirement applies to enters active');
SELECT lives_ok(format($$UPDATE iso28000.supply_chain_node SET external = false, active = false WHERE node_id = %s$$, :haul),
                'a provider may always leave');
SELECT lives_ok(format($$UPDATE iso28000.supply_chain_node SET external = true, active = true WHERE node_id = %s$$, :haul),
                'and come back while it meets its requirements');

-- IS521: links of criticality high or critical -------------------------------
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'critical')$$, :a, :site, :haul),
                 'IS521', format('iso28000.supply_chain_dependency of organisation %s: a critical link to node %s: provider "HAUL" (node %s) falls short of ISO (missing), SCORE (not_assessed)', :a, :haul, :haul),
                 'a critical link to a provider without its certificate and assessment is refused (IS521)');
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'high')$$, :a, :site, :haul)),
          'IS521 iso28000.supply_chain_dependency.criticality', 'IS521 names supply_chain_dependency.criticality');
SELECT is_empty($$SELECT 1 FROM iso28000.supply_chain_dependency$$, 'no link was written');
SELECT lives_ok(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'medium')$$, :a, :site, :haul),
                'a medium link needs only what applies to every carrier (AEO, met)');
SELECT throws_ok(format($$UPDATE iso28000.supply_chain_dependency SET criticality = 'high' WHERE depends_on_id = %s$$, :haul),
                 'IS521', NULL, 'raising it to high needs the certificate that applies from high (IS521)');
SELECT is((SELECT criticality FROM iso28000.supply_chain_dependency WHERE depends_on_id = :haul), 'medium', 'the link stayed medium');
INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, valid_from, valid_until)
VALUES (:a, :haul, :iso, 'ISO-1', current_date - 10, current_date + 700);
SELECT lives_ok(format($$UPDATE iso28000.supply_chain_dependency SET criticality = 'high' WHERE depends_on_id = %s$$, :haul),
                'with the certificate it can be raised to high');
SELECT throws_ok(format($$UPDATE iso28000.supply_chain_dependency SET criticality = 'critical' WHERE depends_on_id = %s$$, :haul),
                 'IS521', NULL, 'critical also needs an assessment (not assessed: IS521)');
INSERT INTO iso28000.provider_assessment (org_id, node_id, assessed_on, method, score, result, findings)
VALUES (:a, :haul, current_date - 3, 'questionnaire', 60, 'conditional', 'Seal log incomplete');
SELECT throws_ok(format($$UPDATE iso28000.supply_chain_dependency SET criticality = 'critical' WHERE depends_on_id = %s$$, :haul),
                 'IS521', NULL, 'an assessment below the minimum does not do (IS521)');
INSERT INTO iso28000.provider_assessment (org_id, node_id, assessed_on, method, score, result)
VALUES (:a, :haul, current_date - 1, 'on_site_audit', 85, 'approved');
SELECT lives_ok(format($$UPDATE iso28000.supply_chain_dependency SET criticality = 'critical' WHERE depends_on_id = %s$$, :haul),
                'at or above the minimum it can be raised to critical');
SELECT is((SELECT state FROM iso28000.provider_inclusion WHERE node_id = :haul), 'included', 'the haulier is included');

-- process dependencies are links too
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, active) VALUES (:a, 'RAIL', 'Rail', 'carrier', true, false) RETURNING node_id AS rail \gset
INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, valid_from) VALUES (:a, :rail, :aeo, 'NLAEOF0002', current_date - 1);
UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = :rail;
SELECT is(pg_temp.fields(format($$INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality) VALUES (%s, %s, %s, 'critical')$$, :a, :proc, :rail)),
          'IS521 iso28000.process_dependency.criticality', 'a critical process dependency on a provider that falls short is refused (IS521, process_dependency.criticality)');
SELECT lives_ok(format($$INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality) VALUES (%s, %s, %s, 'low')$$, :a, :proc, :rail),
                'a low one is not');
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'high')$$, :a, :haul, :rail),
                 'IS521', NULL, 'nor a high link from another provider');

-- partner screening: a passed AEO check counts as evidence, a failed one does not
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, active)
VALUES (:a, 'FWD', 'Forwarder', 'carrier', true, false), (:a, 'SEA', 'Sea carrier', 'carrier', true, false);
SELECT node_id AS fwd FROM iso28000.supply_chain_node WHERE code = 'FWD' \gset
SELECT node_id AS sea FROM iso28000.supply_chain_node WHERE code = 'SEA' \gset
INSERT INTO iso28000.partner_screening (org_id, node_id, requirement_id, checked, list_name, reference, result, valid_until)
VALUES (:a, :fwd, :aeo, 'AEO status', 'EU EOS/AEO database', 'DEAEOF77', 'pass', current_date + 90),
       (:a, :sea, :aeo, 'AEO status', 'EU EOS/AEO database', 'DKAEOF12', 'fail', NULL);
SELECT lives_ok(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = %s$$, :fwd),
                'a passed screening against the AEO database is evidence');
SELECT results_eq(format($$SELECT requirement_code, status, expires_on FROM iso28000.provider_requirement_status WHERE node_id = %s$$, :fwd),
                  format($$VALUES ('AEO', 'met', current_date + 90)$$),
                  'provider_requirement_status counts it until its valid_until');
SELECT throws_ok(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = %s$$, :sea),
                 'IS520', NULL, 'a failed screening is not (IS520)');

-- exceptions: request, then approval by someone with the authority --------
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_pi_app;
SELECT iso28000.act_as(:a, :rob);
SELECT throws_ok(format($$INSERT INTO iso28000.provider_exception (org_id, node_id, requirement_id, reason, requested_by, valid_until) VALUES (%s, %s, %s, 'Renewal pending', %s, current_date + 60)$$, :a, :sea, :aeo, :ada),
                 'IS120', NULL, 'the requester is the acting person, never one the client names (IS120)');
INSERT INTO iso28000.provider_exception (org_id, node_id, requirement_id, reason, compensating_measures, requested_by, valid_until)
VALUES (:a, :sea, :aeo, 'AEO renewal filed; only carrier on the route', 'Escort and seal check on arrival', :rob, current_date + 60)
RETURNING exception_id AS ex1 \gset
SELECT throws_ok(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = %s$$, :sea),
                 'IS520', NULL, 'a requested exception admits nothing');
SELECT throws_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE exception_id = %s$$, :ex1), 'IS523',
                 format('iso28000.provider_exception (org_id, exception_id)=(%s, %s) cannot be approved by person %s, who requested it', :a, :ex1, :rob),
                 'the requester cannot approve it (IS523)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_pi_svc;
SELECT throws_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE exception_id = %s$$, :ex1), 'IS525', NULL,
                 'a session that acts for nobody cannot approve (IS525)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_pi_wri;
SELECT throws_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE exception_id = %s$$, :ex1), 'IS524', NULL,
                 'a writer without the authority cannot approve (IS524)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE exception_id = %s$$, :ex1)),
          'IS524 iso28000.provider_exception.approved_by', 'IS524 names provider_exception.approved_by');
SELECT throws_ok(format($$INSERT INTO iso28000.sms_role (org_id, name, responsibilities, may_approve_provider_exceptions) VALUES (%s, 'Self-made', 'x', true)$$, :a),
                 'IS022', NULL, 'nor give himself the authority with a role of his own (IS022)');
SELECT throws_ok(format($$INSERT INTO iso28000.role_assignment (org_id, sms_role_id, person_id) VALUES (%s, %s, %s)$$, :a, :lead, :wim),
                 'IS022', NULL, 'nor assign himself the lead''s role (IS022)');
SELECT is((SELECT status FROM iso28000.provider_exception WHERE exception_id = :ex1), 'requested', 'the exception is still requested');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_pi_app;
SELECT iso28000.act_as(:a, :ada);
SELECT lives_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE exception_id = %s$$, :ex1),
                'the supply-chain security lead approves it');
SELECT results_eq(format($$SELECT e.approved_by, e.approved_on, s.standing FROM iso28000.provider_exception e JOIN iso28000.provider_exception_status s USING (org_id, exception_id) WHERE exception_id = %s$$, :ex1),
                  format($$VALUES (%s::bigint, current_date, 'in_force')$$, :ada),
                  'stamped with the acting person and today, in force');
SELECT lives_ok(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = %s$$, :sea),
                'under the approved exception the sea carrier enters');
SELECT results_eq(format($$SELECT state, excepted FROM iso28000.provider_inclusion WHERE node_id = %s$$, :sea),
                  format($$VALUES ('excepted', 'AEO:%s')$$, :ex1), 'its standing is excepted, naming the exception');
SELECT throws_ok(format($$UPDATE iso28000.provider_exception SET valid_until = current_date + 900 WHERE exception_id = %s$$, :ex1),
                 'IS105', NULL, 'an approved exception cannot be extended: it is frozen');
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'high')$$, :a, :site, :sea),
                 'IS521', NULL, 'an exception for AEO does not cover the certificate a high link needs (IS521)');

-- an exception past its end date is refused ------------------------------
SELECT iso28000.act_as(:a, :rob);
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, active) VALUES (:a, 'OLD', 'Old carrier', 'carrier', true, false) RETURNING node_id AS old \gset
INSERT INTO iso28000.provider_exception (org_id, node_id, reason, requested_by, valid_from, valid_until)
VALUES (:a, :old, 'Was needed last month', :rob, current_date - 40, current_date - 1) RETURNING exception_id AS ex2 \gset
INSERT INTO iso28000.provider_exception (org_id, node_id, reason, requested_by, valid_until)
VALUES (:a, :old, 'Trial period', :rob, current_date) RETURNING exception_id AS ex3 \gset
SELECT iso28000.act_as(:a, :ada);
SELECT throws_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE exception_id = %s$$, :ex2), 'IS526',
                 format('iso28000.provider_exception (org_id, exception_id)=(%s, %s) cannot be approved: it expired on %s', :a, :ex2, current_date - 1),
                 'an exception whose end date has passed cannot be approved (IS526)');
SELECT lives_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE exception_id = %s$$, :ex3),
                'one that ends today can');
RESET SESSION AUTHORIZATION;
-- a day passes: the superuser moves the approved exception's end date back (the workflow freezes it)
ALTER TABLE iso28000.provider_exception DISABLE TRIGGER workflow_guard;
UPDATE iso28000.provider_exception SET valid_from = current_date - 30, valid_until = current_date - 1 WHERE exception_id = :ex3;
ALTER TABLE iso28000.provider_exception ENABLE TRIGGER workflow_guard;
SET SESSION AUTHORIZATION tap_pi_wri;
SELECT throws_ok(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = %s$$, :old), 'IS522',
                 format('iso28000.supply_chain_node (org_id, node_id)=(%s, %s) cannot become an active provider: provider "OLD" (node %s) falls short of AEO (missing) and its exception expired on %s', :a, :old, :old, current_date - 1),
                 'an expired exception admits nothing (IS522)');
SELECT is(pg_temp.fields(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = %s$$, :old)),
          'IS522 iso28000.supply_chain_node.active', 'IS522 names supply_chain_node.active');
SELECT is((SELECT standing FROM iso28000.provider_exception_status WHERE exception_id = :ex3), 'expired', 'provider_exception_status says expired');

-- a manager may approve too
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_pi_mgr;
SELECT lives_ok(format($$INSERT INTO iso28000.provider_exception (org_id, node_id, reason, requested_by, valid_until) VALUES (%s, %s, 'Pilot', %s, current_date + 30)$$, :a, :old, :mia),
                'a manager requests one');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_pi_app;
SELECT iso28000.act_as(:a, :rob);
SELECT throws_ok($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE reason = 'Pilot'$$, 'IS524', NULL,
                 'Rob has no authority: the pool''s write level does not lend him one (IS524)');
RESET SESSION AUTHORIZATION;
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Max Manager', 'tap_pi_rd') RETURNING person_id AS max \gset
SELECT iso28000.grant_access(:a, 'tap_pi_rd', 'manage');
SET SESSION AUTHORIZATION tap_pi_rd;
SELECT lives_ok($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE reason = 'Pilot'$$, 'another manager approves it');
SELECT lives_ok(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE node_id = %s$$, :old), 'and the carrier enters');
RESET SESSION AUTHORIZATION;
SELECT iso28000.grant_access(:a, 'tap_pi_rd', 'read');

-- flagging: evidence withdrawn, evidence lapsed with time ----------------
SET SESSION AUTHORIZATION tap_pi_wri;
SELECT is_empty($$SELECT 1 FROM iso28000.provider_inclusion_breach WHERE node_code = 'HAUL'$$, 'the haulier is not flagged');
UPDATE iso28000.provider_evidence SET revoked_on = current_date WHERE reference = 'ISO-1';
SELECT results_eq($$SELECT unmet, flagged_on, reliance FROM iso28000.provider_inclusion_breach WHERE node_code = 'HAUL'$$,
                  $$VALUES ('ISO:expired', current_date, 'critical')$$,
                  'withdrawing its certificate flags it at once, with what it lacks');
UPDATE iso28000.provider_inclusion SET state = 'included', unmet = NULL, flagged_on = NULL WHERE node_id = :haul;
SELECT is((SELECT state FROM iso28000.provider_inclusion WHERE node_id = :haul), 'breach', 'a written standing is recomputed, not taken');
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'critical')$$, :a, :fwd, :haul),
                 'IS521', NULL, 'no further critical link to it');
UPDATE iso28000.provider_evidence SET revoked_on = NULL WHERE reference = 'ISO-1';
SELECT is((SELECT state FROM iso28000.provider_inclusion WHERE node_id = :haul), 'included', 'reinstating the certificate clears the flag');
RESET SESSION AUTHORIZATION;
-- time passes: the forwarder's screening lapses, and nothing is written that would recompute it
ALTER TABLE iso28000.partner_screening DISABLE TRIGGER inclusion_refresh;
UPDATE iso28000.partner_screening SET screened_on = current_date - 200, valid_until = current_date - 1 WHERE reference = 'DEAEOF77';
ALTER TABLE iso28000.partner_screening ENABLE TRIGGER inclusion_refresh;
SELECT is((SELECT state FROM iso28000.provider_inclusion WHERE node_id = :fwd), 'included', 'until recomputed, the forwarder still stands included');
SET SESSION AUTHORIZATION tap_pi_rd;
SELECT throws_ok(format('SELECT * FROM iso28000.flag_provider_breaches(%s)', :a), 'IS001', NULL,
                 'a reader cannot run the flagging (IS001)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_pi_wri;
SELECT results_eq(format('SELECT node_code, unmet, flagged_on FROM iso28000.flag_provider_breaches(%s)', :a),
                  $$VALUES ('FWD', 'AEO:expired', current_date)$$,
                  'flag_provider_breaches, as a scheduler runs it, flags the forwarder whose screening lapsed, and only it');
SELECT results_eq($$SELECT code, state FROM iso28000.provider_inclusion JOIN iso28000.supply_chain_node USING (org_id, node_id) WHERE external ORDER BY 1$$,
                  $$VALUES ('FWD', 'breach'), ('HAUL', 'included'), ('OLD', 'excepted'), ('RAIL', 'included'), ('SEA', 'excepted'), ('TOS', 'included')$$,
                  'every provider''s standing after the run');
RESET SESSION AUTHORIZATION;

-- the report's supply-chain section names the provider in breach and the exceptions
SET SESSION AUTHORIZATION tap_pi_wri;
CREATE TEMP TABLE sec AS SELECT iso28000.supply_chain_report_html(:a, current_date - 365, current_date) AS html;
SELECT ok((SELECT html FROM sec) LIKE '%Of <b>6</b> active providers, <b>1</b> falls short of the security requirements%<b>2</b> are admitted under an approved exception, of which 1 ends within 30 days.%',
          'the report says how many providers fall short and how many are admitted under an exception');
SELECT ok((SELECT html FROM sec) LIKE '%<td>FWD</td><td>Forwarder</td><td>-</td><td class="bad">AEO: expired</td>%',
          'and lists the provider in breach with what it lacks');
SELECT ok((SELECT html FROM sec) LIKE '%<td>SEA</td><td>AEO</td><td>AEO renewal filed; only carrier on the route</td><td>Rob Requester</td><td>Ada Approver</td>%in force</td>%',
          'and the exception in force with who requested and approved it');
RESET SESSION AUTHORIZATION;

-- every CHECK constraint of the new registers refuses with 23514 and its name
SET SESSION AUTHORIZATION tap_pi_wri;
CREATE TEMP TABLE bad (tbl text, con text, assignment text);
INSERT INTO bad VALUES
  ('partner_screening', 'partner_screening_checked_check', $$checked = ' '$$),
  ('partner_screening', 'partner_screening_list_name_check', $$list_name = ''$$),
  ('partner_screening', 'partner_screening_result_check', $$result = 'maybe'$$),
  ('partner_screening', 'partner_screening_validity_check', $$valid_until = screened_on - 1$$),
  ('partner_screening', 'partner_screening_pass_until_check', $$valid_until = NULL$$),
  ('provider_exception', 'provider_exception_reason_check', $$reason = ' '$$),
  ('provider_exception', 'provider_exception_validity_check', $$valid_until = valid_from - 1$$),
  ('provider_exception', 'provider_exception_approval_check', $$approved_on = NULL$$);
RESET SESSION AUTHORIZATION;
ALTER TABLE iso28000.provider_exception DISABLE TRIGGER workflow_guard;
SET SESSION AUTHORIZATION tap_pi_wri;
SELECT throws_ok(format('UPDATE iso28000.%I SET %s WHERE %s', tbl, assignment,
                        CASE tbl WHEN 'partner_screening' THEN $$result = 'pass'$$ ELSE $$status = 'approved'$$ END),
                 '23514', format('new row for relation "%s" violates check constraint "%s"', tbl, con),
                 con || ' refuses ' || assignment)
  FROM bad ORDER BY tbl, con;
RESET SESSION AUTHORIZATION;
ALTER TABLE iso28000.provider_exception ENABLE TRIGGER workflow_guard;
SELECT is(
  (SELECT array_agg(c.conname::text ORDER BY 1) FROM pg_constraint c
    WHERE c.contype = 'c' AND c.conrelid IN ('iso28000.partner_screening'::regclass, 'iso28000.provider_exception'::regclass,
                                              'iso28000.provider_inclusion'::regclass)
      AND c.conname NOT IN (SELECT con FROM bad)),
  NULL, 'every CHECK constraint of partner_screening, provider_exception and provider_inclusion is tested above');

-- A hostile search_path: the member's own schema first with a trap = (bigint,
-- bigint), and a temporary table named like the view the functions read. The
-- functions pin theirs, so the answers are the same and the trap never fires.
CREATE SCHEMA tap_pi_trap AUTHORIZATION tap_pi_wri;
SET SESSION AUTHORIZATION tap_pi_wri;
SELECT array_agg(iso28000.provider_reliance(:a, n) ORDER BY n) AS clean_rel,
       (SELECT count(*) FROM iso28000.supply_chain_node x, iso28000.provider_requirement_check(:a, x.node_id, x.kind, 4) c
         WHERE x.org_id = :a) AS clean_chk,
       md5(iso28000._org_view_sql('iso28000.supply_chain_node_requirement', :a)) AS clean_sql
  FROM unnest(ARRAY[:haul, :rail, :sea, :site]::bigint[]) n \gset
CREATE FUNCTION tap_pi_trap.eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql
  AS $$BEGIN RAISE EXCEPTION 'trap fired'; END$$;
CREATE OPERATOR tap_pi_trap.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = tap_pi_trap.eq);
CREATE TEMP TABLE supply_chain_node_reliance (org_id bigint, node_id bigint, reliance_rank integer);
INSERT INTO supply_chain_node_reliance SELECT :a, n, 1 FROM unnest(ARRAY[:haul, :rail, :sea, :site]::bigint[]) n;
SET search_path = tap_pi_trap, pg_temp, pg_catalog;
SELECT (SELECT array_agg(iso28000.provider_reliance(:a, n) ORDER BY n) FROM unnest(ARRAY[:haul, :rail, :sea, :site]::bigint[]) n) AS hostile_rel,
       (SELECT count(*) FROM iso28000.supply_chain_node x, iso28000.provider_requirement_check(:a, x.node_id, x.kind, 4) c
         WHERE x.org_id OPERATOR(pg_catalog.=) :a) AS hostile_chk,
       md5(iso28000._org_view_sql('iso28000.supply_chain_node_requirement', :a)) AS hostile_sql \gset
RESET search_path;
SELECT is(:'hostile_rel'::text, :'clean_rel'::text, 'provider_reliance answers the same under a hostile search_path (trap operator, temp table of the view''s name)');
SELECT is(:'hostile_chk'::text, :'clean_chk'::text, 'provider_requirement_check answers the same under it');
SELECT is(:'hostile_sql'::text, :'clean_sql'::text, '_org_view_sql writes the same query text under it');
RESET SESSION AUTHORIZATION;

-- tenant isolation
SET SESSION AUTHORIZATION tap_pi_oth;
SELECT is_empty(format('SELECT 1 FROM iso28000.%I', t), 'the other organisation sees no row of ' || t)
  FROM unnest(ARRAY['partner_screening', 'provider_exception', 'provider_inclusion', 'provider_inclusion_breach',
                    'provider_exception_status']) t;
SELECT throws_ok(format($$INSERT INTO iso28000.provider_exception (org_id, node_id, reason, requested_by, valid_until) VALUES (%s, %s, 'x', NULL, current_date)$$, :a, :sea),
                 '42501', NULL, 'nor writes one');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
