-- Provider inclusion (ISO 28000 8.1, 8.4) after distribute() (doc/distribution.md,
-- "Provider inclusion on a cluster"): providers, their evidence, exceptions and
-- the links of criticality high or critical to them written through the
-- coordinator as members (LOGIN, not superusers), checked on the worker that
-- holds the organisation, with the single node's SQLSTATEs and messages
-- (test/pgtap/provider_inclusion.sql).  Before, every such check failed on the
-- worker with 0A000 "could not create distributed plan" (SQL-language functions
-- over the views supply_chain_node_reliance and supply_chain_node_requirement,
-- which Citus plans over every shard and refuses from a shard), and so did any
-- evidence, screening or assessment of an external node (the SQL-language
-- _provider_refresh()).
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(23);

CREATE ROLE citus_pi_mgr LOGIN;
CREATE ROLE citus_pi_wri LOGIN;
SELECT iso28000.create_organization('CPI', 'Cluster provider inclusion', 'citus_pi_mgr') AS a \gset
SELECT ok(NOT bool_or(rolsuper), 'the members are not superusers') FROM pg_roles WHERE rolname LIKE 'citus_pi_%';
SET ROLE citus_pi_mgr;
SELECT iso28000.grant_access(:a, 'citus_pi_wri', 'write');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Mia Manager', 'citus_pi_mgr') RETURNING person_id AS mia \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wim Writer', 'citus_pi_wri') RETURNING person_id AS wim \gset
RESET ROLE;

SET ROLE citus_pi_wri;
INSERT INTO iso28000.security_requirement (org_id, code, title, kind, applies_to_kinds, min_criticality, min_score)
VALUES (:a, 'AEO', 'Authorised economic operator', 'authorised_operator', '{carrier}', NULL, NULL),
       (:a, 'ISO', 'ISO 28000 certificate', 'certification', '{carrier}', 'high', NULL);
SELECT requirement_id AS aeo FROM iso28000.security_requirement WHERE org_id = :a AND code = 'AEO' \gset
SELECT requirement_id AS iso FROM iso28000.security_requirement WHERE org_id = :a AND code = 'ISO' \gset
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind) VALUES (:a, 'SITE', 'Own site', 'site') RETURNING node_id AS site \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical) VALUES (:a, 'Dispatch', :wim, true) RETURNING sms_process_id AS proc \gset

-- IS520: a provider enters active only with its evidence.
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external) VALUES (%s, 'HAUL', 'Haulier', 'carrier', true)$$, :a),
                 'IS520', NULL, 'an active carrier without AEO evidence is refused on the worker (IS520; was 0A000 could not create distributed plan)');
SELECT results_eq(format($$SELECT count(*)::int FROM iso28000.supply_chain_node WHERE org_id = %s AND code = 'HAUL'$$, :a), 'VALUES (0)', 'and nothing was written');
SELECT lives_ok(format($$INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, active) VALUES (%s, 'HAUL', 'Haulier', 'carrier', true, false)$$, :a),
                'an inactive carrier is recorded before its evidence');
SELECT node_id AS haul FROM iso28000.supply_chain_node WHERE org_id = :a AND code = 'HAUL' \gset
SELECT throws_ok(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE org_id = %s AND node_id = %s$$, :a, :haul), 'IS520',
                 format('iso28000.supply_chain_node (org_id, node_id)=(%s, %s) cannot become an active provider: provider "HAUL" (node %s) falls short of AEO (missing)', :a, :haul, :haul),
                 'activating it is refused with the single node''s message, naming the node and what it lacks');
SELECT lives_ok(format($$INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, valid_from, valid_until) VALUES (%s, %s, %s, 'NLAEOF0001', current_date - 100, current_date + 400)$$, :a, :haul, :aeo),
                'its evidence is written, which recomputes its standing on the worker (was 0A000: _provider_refresh)');
SELECT lives_ok(format($$UPDATE iso28000.supply_chain_node SET active = true WHERE org_id = %s AND node_id = %s$$, :a, :haul),
                'with AEO evidence in force it becomes active');
SELECT results_eq(format($$SELECT state FROM iso28000.provider_inclusion WHERE org_id = %s AND node_id = %s$$, :a, :haul), $$VALUES ('included')$$, 'its standing is included');

-- IS521: links of criticality high or critical.
SELECT throws_ok(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'critical')$$, :a, :site, :haul),
                 'IS521', format('iso28000.supply_chain_dependency of organisation %s: a critical link to node %s: provider "HAUL" (node %s) falls short of ISO (missing)', :a, :haul, :haul),
                 'a critical link to a provider without its certificate is refused on the worker (IS521), naming the table, not the shard');
SELECT lives_ok(format($$INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality) VALUES (%s, %s, %s, 'medium')$$, :a, :site, :haul),
                'a medium link needs only AEO, which it meets');
SELECT throws_ok(format($$UPDATE iso28000.supply_chain_dependency SET criticality = 'high' WHERE org_id = %s AND depends_on_id = %s$$, :a, :haul),
                 'IS521', NULL, 'raising it to high needs the certificate (IS521)');
SELECT results_eq(format($$SELECT criticality FROM iso28000.supply_chain_dependency WHERE org_id = %s AND depends_on_id = %s$$, :a, :haul), $$VALUES ('medium')$$, 'the link stayed medium');
SELECT throws_ok(format($$INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality) VALUES (%s, %s, %s, 'critical')$$, :a, :proc, :haul),
                 'IS521', format('iso28000.process_dependency of organisation %s: a critical link to node %s: provider "HAUL" (node %s) falls short of ISO (missing)', :a, :haul, :haul),
                 'so is a critical process dependency (IS521, process_dependency)');
INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, valid_from, valid_until)
VALUES (:a, :haul, :iso, 'ISO-1', current_date - 10, current_date + 700) RETURNING evidence_id AS iso_ev \gset
SELECT lives_ok(format($$UPDATE iso28000.supply_chain_dependency SET criticality = 'critical' WHERE org_id = %s AND depends_on_id = %s$$, :a, :haul),
                'with the certificate the link is raised to critical');
SELECT lives_ok(format($$INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality) VALUES (%s, %s, %s, 'critical')$$, :a, :proc, :haul),
                'and the process depends on it critically');
SELECT results_eq(format($$SELECT requirement_code, status FROM iso28000.provider_requirement_status WHERE org_id = %s AND node_id = %s ORDER BY 1$$, :a, :haul),
                  $$VALUES ('AEO', 'met'), ('ISO', 'met')$$,
                  'provider_requirement_status agrees, through the coordinator');
SELECT results_eq(format($$SELECT requirement_code, status FROM iso28000.provider_requirement_check(%s, %s, 'carrier', iso28000.provider_reliance(%s, %s)) ORDER BY 1$$, :a, :haul, :a, :haul),
                  $$VALUES ('AEO', 'met'), ('ISO', 'met')$$,
                  'so do provider_requirement_check() and provider_reliance() called on the coordinator (were 0A000 there too)');

-- The certificate is revoked: the standing is recomputed on the worker.
SELECT lives_ok(format($$UPDATE iso28000.provider_evidence SET revoked_on = current_date WHERE org_id = %s AND evidence_id = %s$$, :a, :iso_ev),
                'the certificate is revoked');
SELECT results_eq(format($$SELECT state, unmet FROM iso28000.provider_inclusion WHERE org_id = %s AND node_id = %s$$, :a, :haul),
                  $$VALUES ('breach', 'ISO:expired')$$, 'the provider is flagged in breach at once');

-- An exception requested by the writer, approved by the manager (own login).
INSERT INTO iso28000.provider_exception (org_id, node_id, requirement_id, reason, compensating_measures, requested_by, valid_until)
VALUES (:a, :haul, :iso, 'Recertification audit booked', 'Escort on arrival', :wim, current_date + 60) RETURNING exception_id AS ex \gset
RESET ROLE;
SET ROLE citus_pi_mgr;
SELECT lives_ok(format($$UPDATE iso28000.provider_exception SET status = 'approved' WHERE org_id = %s AND exception_id = %s$$, :a, :ex),
                'the manager approves the exception');
SELECT results_eq(format($$SELECT node_id, unmet FROM iso28000.flag_provider_breaches(%s)$$, :a),
                  'SELECT NULL::bigint, NULL::text WHERE false',
                  'flag_provider_breaches() recomputes the providers and finds none in breach');
SELECT results_eq(format($$SELECT state, excepted FROM iso28000.provider_inclusion WHERE org_id = %s AND node_id = %s$$, :a, :haul),
                  format($$VALUES ('excepted', 'ISO:%s')$$, :ex), 'its standing is excepted, naming the exception');
RESET ROLE;
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'the organisation''s chain verifies');
SELECT * FROM finish();
