-- Bulk import and export (sql/interfaces/import_export.sql): references by the
-- organisation's own keys (codes, e-mail, name, _key), a dry run that reports
-- every problem of every row with its SQLSTATE and column and writes nothing,
-- a real run that writes all or nothing, records in later workflow states
-- moved through the engine, the round trip export -> empty organisation ->
-- export, CSV through a staging table, and every refusal (IS564-IS570).  All
-- checks run as non-superuser roles.  The round trip of the demo's own
-- organisations: test/suite.d/import_export.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(44);

CREATE ROLE tap_ie_mgr NOLOGIN;
CREATE ROLE tap_ie_reader NOLOGIN;
CREATE ROLE tap_ie_stranger NOLOGIN;
SELECT iso28000.create_organization('IE-A', 'Import A', 'tap_ie_mgr') AS a \gset
SELECT iso28000.create_organization('IE-B', 'Import B (empty)', 'tap_ie_mgr') AS b \gset
SELECT iso28000.create_organization('IE-S', 'Stranger', 'tap_ie_stranger') AS s \gset
SET SESSION AUTHORIZATION tap_ie_mgr;
SELECT iso28000.grant_access(:a, 'tap_ie_reader', 'read');
RESET SESSION AUTHORIZATION;

-- A demo-like document, as a spreadsheet user would write it: people by
-- e-mail or name, nodes and processes by code, other records by _key.
CREATE TEMP TABLE doc (d jsonb);
INSERT INTO doc VALUES ($${"registers": {
  "person": [
    {"_key": "p1", "full_name": "Ada Owner", "email": "ada@ie.example", "job_title": "Security manager"},
    {"_key": "p2", "full_name": "Ben Tester"}],
  "sms_process": [
    {"code": "GATE", "name": "Gate control", "owner_id": "ada@ie.example", "purpose": "Control who enters"}],
  "supply_chain_node": [
    {"code": "CARR-1", "name": "Carrier One", "kind": "carrier", "external": true, "owner_id": "Ben Tester"}],
  "security_requirement": [
    {"code": "AEO", "title": "AEO certificate", "kind": "certification", "applies_to_kinds": ["carrier"]}],
  "provider_evidence": [
    {"node_id": "CARR-1", "requirement_id": "AEO", "reference": "NL-AEO-1", "valid_from": "2026-01-01", "valid_until": "2027-01-01"}],
  "control": [
    {"code": "C-1", "title": "Badge check", "control_type": "preventive", "nature": "procedural", "owner_id": "ada@ie.example", "sms_process_id": "GATE",
     "test_interval": "6 mons", "implemented_on": "2026-01-10"}],
  "risk": [
    {"_key": "r1", "reference": "R-1", "title": "Tailgating", "kind": "risk", "threat": "Intruder", "vulnerability": "Open gate",
     "owner_id": "ada@ie.example", "sms_process_id": "GATE", "inherent_rating": "L3C4", "assessed_on": "2026-02-01",
     "identified_on": "2026-01-15", "status": "assessed"}],
  "objective": [
    {"title": "Badge compliance", "target": 99, "unit": "%", "evaluation_method": "gate log", "set_on": "2026-01-01",
     "due_on": "2026-12-31", "owner_id": "Ben Tester"}],
  "nonconformity": [
    {"_key": "nc1", "title": "Gate left open", "severity": "minor", "source": "monitoring", "clause": "8.1", "detected_on": "2026-03-01",
     "owner_id": "ada@ie.example"}],
  "corrective_action": [
    {"nonconformity_id": "nc1", "title": "Door closer", "description": "Fit a door closer", "owner_id": "Ben Tester", "due_on": "2026-12-01"}],
  "improvement": [
    {"title": "Faster badges", "source": "suggestion", "clause": "7.1", "owner_id": "ada@ie.example", "expected_benefit": "shorter queues",
     "status": "approved"}]
}}$$);
GRANT SELECT ON doc TO PUBLIC;

SET SESSION AUTHORIZATION tap_ie_mgr;
SELECT is_empty(format('SELECT * FROM iso28000.import_registers(%s, (SELECT d FROM doc))', :a),
                'the dry run of the demo-like document finds no problem');
SELECT is((SELECT count(*) FROM iso28000.person WHERE org_id = :a), 0::bigint, 'the dry run wrote nothing');
SELECT is((SELECT count(*) FROM iso28000.notification WHERE org_id = :a), 0::bigint, 'nor any notification');
SELECT is_empty(format('SELECT * FROM iso28000.import_registers(%s, (SELECT d FROM doc), false)', :a),
                'the real run imports it');
SELECT results_eq(
  format($$SELECT (SELECT count(*) FROM iso28000.person WHERE org_id = %1$s), (SELECT count(*) FROM iso28000.risk WHERE org_id = %1$s),
                  (SELECT count(*) FROM iso28000.corrective_action WHERE org_id = %1$s),
                  (SELECT count(*) FROM iso28000.provider_evidence WHERE org_id = %1$s)$$, :a),
  $$VALUES (2::bigint, 1::bigint, 1::bigint, 1::bigint)$$, 'people, the risk, the corrective action and the evidence are there');
SELECT is((SELECT p.email FROM iso28000.risk r JOIN iso28000.person p ON p.org_id = r.org_id AND p.person_id = r.owner_id
            WHERE r.org_id = :a AND r.reference = 'R-1'), 'ada@ie.example', 'the risk''s owner was resolved by e-mail');
SELECT is((SELECT p.full_name FROM iso28000.supply_chain_node n JOIN iso28000.person p ON p.org_id = n.org_id AND p.person_id = n.owner_id
            WHERE n.org_id = :a AND n.code = 'CARR-1'), 'Ben Tester', 'the node''s owner was resolved by full name');
SELECT is((SELECT n.title FROM iso28000.corrective_action ca JOIN iso28000.nonconformity n USING (org_id, nonconformity_id)
            WHERE ca.org_id = :a), 'Gate left open', 'the corrective action found its nonconformity by _key');
SELECT results_eq(
  format($$SELECT from_state, to_state FROM iso28000.workflow_event
            WHERE org_id = %s AND table_name = 'iso28000.risk'::regclass ORDER BY event_id$$, :a),
  $$VALUES (NULL::text, 'identified'), ('identified', 'assessed')$$,
  'a risk imported as assessed was created identified and moved to assessed by the workflow engine');
SELECT is((SELECT status FROM iso28000.improvement WHERE org_id = :a), 'approved',
          'an improvement imported as approved went through the engine''s manage-level transition');
SELECT ok((SELECT count(*) FROM iso28000.notification WHERE org_id = :a AND kind = 'assignment') >= 8,
          'the import wrote the assignments of the records it created to the outbox');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a) > 0, true, 'and every row is in the history chain');

-- The round trip: export A, import into the empty B, export B: the same registers.
SELECT is_empty(format('SELECT * FROM iso28000.import_registers(%s, iso28000.export_registers(%s), false)', :b, :a),
                'the export of A imports into the empty organisation B without a problem');
SELECT is(iso28000.export_registers(:b) -> 'registers', iso28000.export_registers(:a) -> 'registers',
          'B exports the same registers as A (ids aside)');
SELECT is((iso28000.export_registers(:a) -> 'registers' -> 'risk' -> 0 ->> 'sms_process_id'), 'GATE',
          'a reference to a register with codes is exported as the code');
SELECT is((iso28000.export_registers(:a) -> 'registers' -> 'corrective_action' -> 0 ->> 'nonconformity_id'), '1',
          'a reference to a register without codes is exported as the record''s _key');
SELECT is((iso28000.export_registers(:a) -> 'registers' -> 'nonconformity' -> 0 ->> 'clause'), '8.1',
          'a clause is exported as text');
SELECT ok(NOT (iso28000.export_registers(:a) -> 'registers' -> 'risk' -> 0) ?| ARRAY['org_id', 'risk_id', 'status_changed_at'],
          'no org_id, internal id or engine stamp is exported');
RESET SESSION AUTHORIZATION;

-- Dry run: every problem of every row, with its SQLSTATE and column; nothing written.
SET SESSION AUTHORIZATION tap_ie_mgr;
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Ben Tester');   -- a second Ben, without e-mail
SELECT results_eq(
  format($$SELECT register, row_number, row_key, column_name, sqlstate
             FROM iso28000.import_registers(%s, '{"registers": {
               "risk": [{"title": "R", "kind": "risk", "owner_id": "nobody@ie.example"},
                        {"title": "S", "kind": "risk", "colour": "red", "org_id": 9}],
               "control": [{"_key": "k", "code": "C-2", "title": "x", "control_type": "preventive", "nature": "physical", "owner_id": "Ben Tester"},
                           {"_key": "k", "code": "C-3", "title": "y", "control_type": "preventive", "nature": "physical"},
                           {"code": "C-4", "title": "", "control_type": "preventive", "nature": "physical"}],
               "spaceship": [],
               "objective": {"not": "an array"}}}')
            ORDER BY register, row_number NULLS FIRST, column_name$$, :a),
  $$VALUES ('control', 1, 'k', 'owner_id', 'IS568'),
           ('control', 2, 'k', '_key', 'IS570'),
           ('control', 3, '3', NULL, '23514'),
           ('objective', NULL, NULL, NULL, 'IS569'),
           ('risk', 1, '1', 'owner_id', 'IS567'),
           ('risk', 2, '2', 'colour', 'IS566'),
           ('risk', 2, '2', 'org_id', 'IS566'),
           ('spaceship', NULL, NULL, NULL, 'IS565')$$,
  'the dry run reports each problem of each row: ambiguous and unknown references, repeated _key, a check constraint, a bad shape, an unknown register and columns');
SELECT is((SELECT count(*) FROM iso28000.control WHERE org_id = :a AND code IN ('C-2', 'C-3', 'C-4')), 0::bigint,
          'the dry run wrote none of the good rows either');

-- The real run: all or nothing, the first problem raised with its SQLSTATE.
SELECT throws_ok(format($$SELECT * FROM iso28000.import_registers(%s, '{"control": [{"code": "C-5", "title": "fine", "control_type": "preventive", "nature": "physical"},
                          {"code": "C-6", "title": "x", "control_type": "preventive", "nature": "physical", "owner_id": "nobody@ie.example"}]}', false)$$, :b),
                 'IS567',
                 format('import into organisation %s refused, nothing written: row 2 of register control: owner_id "nobody@ie.example" names no person of the organisation or of this import', :b),
                 'a real run with one bad row is refused with that row''s SQLSTATE (IS567) and names the row');
SELECT is((SELECT count(*) FROM iso28000.control WHERE org_id = :b AND code = 'C-5'), 0::bigint,
          'and the good row before it was not written');
SELECT throws_ok(format($$SELECT * FROM iso28000.import_registers(%s, '{"risk": [{"title": "R", "kind": "risk", "colour": "red"}]}', false)$$, :b),
                 'IS566', NULL, 'an unknown column is refused (IS566)');
SELECT throws_ok(format($$SELECT * FROM iso28000.import_registers(%s, '{"risk": [{"title": "R", "kind": "risk", "risk_id": 5}]}', false)$$, :b),
                 'IS566', NULL, 'the identity key is refused (IS566)');
SELECT throws_ok(format($$SELECT * FROM iso28000.import_registers(%s, '{"control": [{"code": "C", "title": "c", "control_type": "preventive", "nature": "physical", "owner_id": "Ben Tester"}]}', false)$$, :a),
                 'IS568', NULL, 'an ambiguous person name is refused (IS568)');
SELECT throws_ok(format($$SELECT * FROM iso28000.import_registers(%s, '{"spaceship": []}', false)$$, :b),
                 'IS565', NULL, 'an unknown register is refused (IS565)');
SELECT throws_ok(format($$SELECT * FROM iso28000.import_registers(%s, '[1, 2]', false)$$, :b),
                 'IS569', NULL, 'a document that is not an object of registers is refused (IS569)');
SELECT throws_ok(format($$SELECT * FROM iso28000.import_registers(%s, '{"person": [{"_key": 1, "full_name": "X"}, {"_key": 1, "full_name": "Y"}]}', false)$$, :b),
                 'IS570', NULL, 'a repeated _key is refused (IS570)');
SELECT throws_ok(format($$SELECT * FROM iso28000.import_registers(%s, '{"nonconformity": [{"title": "N", "severity": "minor", "source": "monitoring", "status": "closed"}]}', false)$$, :b),
                 'IS103', NULL, 'a nonconformity imported as closed is moved through the engine, which refuses what its states require (IS103)');
-- A nonconformity with source audit_finding needs the finding that links it
-- (IS166, checked at commit): the import lists it with its row, and refuses it
-- in its own call rather than at the caller's commit.
SELECT results_eq(format($$SELECT row_number, column_name, sqlstate FROM iso28000.import_registers(%s, '{"nonconformity": [{"title": "Seen", "severity": "minor", "source": "monitoring"}, {"title": "Orphan", "severity": "minor", "source": "audit_finding"}]}')$$, :b),
                  $$VALUES (2, 'source', 'IS166')$$,
                  'the dry run lists a nonconformity with source audit_finding that no finding links, with its row and column (IS166)');
SELECT throws_ok(format($$SELECT * FROM iso28000.import_registers(%s, '{"nonconformity": [{"title": "Seen", "severity": "minor", "source": "monitoring"}, {"title": "Orphan", "severity": "minor", "source": "audit_finding"}]}', false)$$, :b),
                 'IS166', NULL, 'a real run refuses it in the call (IS166)');
SELECT is((SELECT count(*) FROM iso28000.nonconformity WHERE org_id = :b AND title IN ('Seen', 'Orphan')), 0::bigint,
          'and writes neither row');
RESET SESSION AUTHORIZATION;

-- Rights: the caller's, under row-level security.
SET SESSION AUTHORIZATION tap_ie_reader;
SELECT throws_ok(format($$SELECT * FROM iso28000.import_registers(%s, '{}')$$, :a), 'IS564',
                 format('role "tap_ie_reader" cannot import into organisation %s: that needs level write', :a),
                 'a reader cannot import, not even a dry run (IS564)');
SELECT is((SELECT jsonb_array_length(iso28000.export_registers(:a) -> 'registers' -> 'risk')), 1, 'a reader exports');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_ie_stranger;
SELECT throws_ok(format('SELECT iso28000.export_registers(%s)', :a), 'IS564', NULL,
                 'a role that is no member cannot export the organisation (IS564)');
SELECT throws_ok(format($$SELECT * FROM iso28000.export_register(%s, 'risk')$$, :a), 'IS564', NULL,
                 'nor one register of it (IS564)');
RESET SESSION AUTHORIZATION;

-- CSV: a temporary view to COPY out, a staging table to COPY in.
SET SESSION AUTHORIZATION tap_ie_mgr;
SELECT is(iso28000.export_csv_view(:a, 'control'), 'pg_temp.control_export', 'export_csv_view names the view it made');
SELECT results_eq('SELECT _key, code, owner_id, sms_process_id, test_interval FROM pg_temp.control_export',
                  $$VALUES ('1', 'C-1', 'ada@ie.example', 'GATE', '6 mons')$$,
                  'the view shows the control with its references as codes and e-mails, as text');
CREATE TEMP TABLE control_stage AS SELECT * FROM pg_temp.control_export WITH NO DATA;
INSERT INTO control_stage (_key, code, title, control_type, nature, owner_id, sms_process_id)
VALUES ('1', 'C-7', 'Fence patrol', 'detective', 'physical', 'ada@ie.example', 'GATE'),
       ('2', 'C-8', 'Camera review', 'detective', 'technical', 'nobody@ie.example', NULL);
SELECT results_eq(format($$SELECT row_number, column_name, sqlstate FROM iso28000.import_staging(%s, 'control', 'control_stage')$$, :a),
                  $$VALUES (2, 'owner_id', 'IS567')$$, 'the staging table''s dry run reports the unknown owner of row 2');
UPDATE control_stage SET owner_id = 'ada@ie.example' WHERE code = 'C-8';
SELECT is_empty(format($$SELECT * FROM iso28000.import_staging(%s, 'control', 'control_stage', false)$$, :a),
                'corrected, the staging table imports');
SELECT results_eq(format($$SELECT code, control_type FROM iso28000.control WHERE org_id = %s AND code IN ('C-7', 'C-8') ORDER BY code$$, :a),
                  $$VALUES ('C-7', 'detective'), ('C-8', 'detective')$$, 'both staged controls are in the register');
RESET SESSION AUTHORIZATION;

-- A hostile search_path changes nothing: every function pins its own.
CREATE SCHEMA tap_ie_evil;
CREATE FUNCTION tap_ie_evil.jsonb_populate_record(anyelement, jsonb) RETURNS anyelement
  LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked'; END $$;
CREATE FUNCTION tap_ie_evil.to_jsonb(anyelement) RETURNS jsonb
  LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked'; END $$;
CREATE FUNCTION tap_ie_evil.trap_eq(bigint, bigint) RETURNS boolean
  LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked'; END $$;
CREATE OPERATOR tap_ie_evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = tap_ie_evil.trap_eq);
GRANT USAGE ON SCHEMA tap_ie_evil TO PUBLIC;
SET SESSION AUTHORIZATION tap_ie_mgr;
SET search_path = tap_ie_evil, pg_catalog, public;
SELECT is_empty(format($$SELECT * FROM iso28000.import_registers(%s, '{"control": [{"code": "C-9", "title": "z", "control_type": "preventive", "nature": "physical", "owner_id": "ada@ie.example"}]}')$$, :a),
                'with a hostile search_path the import neither calls the caller''s functions nor fails');
SELECT is(jsonb_array_length(iso28000.export_registers(:b) -> 'registers' -> 'control'), 1,
          'nor does the export');
SELECT results_eq(format($$SELECT column_name, sqlstate FROM iso28000.import_registers(%s, '{"nonconformity": [{"title": "Orphan", "severity": "minor", "source": "audit_finding"}]}')$$, :b),
                  $$VALUES ('source', 'IS166')$$,
                  'with a trap = (bigint, bigint) first in search_path the audit_finding check still lists the orphan');
RESET search_path;
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
