-- The Citus suite's data (test/suite.d/citus): loaded the same way into the
-- cluster, through the coordinator, and into a single node, so that their
-- answers can be compared.  Written as an application on a cluster writes
-- (doc/distribution.md): roles with LOGIN, each organisation's rows written by
-- its own members, INSERT ... VALUES (a member's INSERT ... SELECT from
-- elsewhere would reach the shards as COPY, which row-level security refuses).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET search_path = public, iso28000;   -- the operators of the extension's types
CREATE ROLE citus_mgr_a LOGIN;
CREATE ROLE citus_mgr_b LOGIN;
CREATE ROLE citus_auditor_a LOGIN;
CREATE ROLE citus_reader_b LOGIN;
GRANT EXECUTE ON FUNCTION iso28000.create_organization(text, text, regrole) TO citus_mgr_a, citus_mgr_b;

SET ROLE citus_mgr_a;
SELECT iso28000.create_organization('CA', 'Cluster A Port') AS a \gset
SELECT iso28000.grant_access(:a, 'citus_auditor_a', 'audit');
INSERT INTO iso28000.person (org_id, full_name, db_role)
VALUES (:a, 'Manager A', 'citus_mgr_a'), (:a, 'Auditor A', 'citus_auditor_a'), (:a, 'Operator A', NULL);
RESET ROLE;

SET ROLE citus_mgr_b;
SELECT iso28000.create_organization('CB', 'Cluster B Carriers') AS b \gset
SELECT iso28000.grant_access(:b, 'citus_reader_b', 'read');
INSERT INTO iso28000.person (org_id, full_name, db_role)
VALUES (:b, 'Manager B', 'citus_mgr_b'), (:b, 'Reader B', 'citus_reader_b');
RESET ROLE;

-- Three self-assessments per organisation, every leaf clause graded, grades
-- and weights from a hash of clause and assessment: one row per statement.
SET client_min_messages = error;   -- Citus notes that a temporary function stays local
CREATE FUNCTION pg_temp.grade_all(org bigint, seed text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    q integer;
    a bigint;
    c record;
    h integer;
BEGIN
    FOR q IN 1 .. 3 LOOP
        INSERT INTO iso28000.self_assessment (org_id, title, assessed_on)
        VALUES (org, seed || ' Q' || q, date '2026-01-01' + 90 * q)
        RETURNING assessment_id INTO a;
        FOR c IN SELECT k.clause FROM iso28000.clause k
                  WHERE k.standard = 'ISO 28000:2022' AND k.pdca IS NOT NULL
                    AND NOT EXISTS (SELECT FROM iso28000.clause s WHERE s.standard = k.standard AND s.parent = k.clause)
                  ORDER BY k.seq LOOP
            h := abs(hashtext(c.clause::text || seed || q));
            INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, weight)
            VALUES (org, a, c.clause,
                    (CASE WHEN h % 23 = 0 THEN 'major_nc' WHEN h % 7 = 0 THEN 'minor_nc'
                          WHEN h % 11 = 0 THEN 'observation' WHEN h % 13 = 0 THEN 'not_applicable'
                          WHEN h % 17 = 0 THEN 'not_assessed' ELSE 'conforming' END)::iso28000.conformity_grade,
                    1 + h % 3);
        END LOOP;
    END LOOP;
END $$;
SET client_min_messages = warning;
SET ROLE citus_mgr_a;
SELECT pg_temp.grade_all(:a, 'A');
RESET ROLE;
SET ROLE citus_mgr_b;
SELECT pg_temp.grade_all(:b, 'B');
RESET ROLE;

-- A supply chain with a cycle, per organisation.
SET ROLE citus_mgr_a;
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external)
VALUES (:a, 'TERM', 'Terminal', 'site', false), (:a, 'CARR', 'Carrier', 'carrier', true),
       (:a, 'DEPO', 'Depot', 'site', false), (:a, 'CUST', 'Customs broker', 'supplier', true);
SELECT max(node_id) FILTER (WHERE code = 'TERM') AS term, max(node_id) FILTER (WHERE code = 'CARR') AS carr,
       max(node_id) FILTER (WHERE code = 'DEPO') AS depo, max(node_id) FILTER (WHERE code = 'CUST') AS cust
  FROM iso28000.supply_chain_node WHERE org_id = :a \gset
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality)
VALUES (:a, :term, :carr, 'critical'), (:a, :carr, :depo, 'high'), (:a, :depo, :term, 'critical'),
       (:a, :term, :cust, 'medium');
-- A critical process that needs the terminal, and one with two carriers as
-- alternatives: single_point_of_failure has answers to compare.
SELECT person_id AS mgr FROM iso28000.person WHERE org_id = :a AND db_role = 'citus_mgr_a' \gset
INSERT INTO iso28000.sms_process (org_id, code, name, owner_id, critical)
VALUES (:a, 'CH', 'Container handling', :mgr, true), (:a, 'CC', 'Customs clearance', :mgr, true);
SELECT max(sms_process_id) FILTER (WHERE code = 'CH') AS ch, max(sms_process_id) FILTER (WHERE code = 'CC') AS cc
  FROM iso28000.sms_process WHERE org_id = :a \gset
INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality, alternative_group)
VALUES (:a, :ch, :term, 'critical', NULL), (:a, :cc, :cust, 'critical', 'brokers'),
       (:a, :cc, :carr, 'critical', 'brokers');
RESET ROLE;

-- Nonconformities of organisation A, moved through their workflow.
SET ROLE citus_mgr_a;
SELECT person_id AS mgr FROM iso28000.person WHERE org_id = :a AND db_role = 'citus_mgr_a' \gset
INSERT INTO iso28000.nonconformity (org_id, title, description, source, clause, severity, detected_on, reported_by, owner_id)
VALUES (:a, 'Seal not verified', 'Found at the gate.', 'monitoring', '8.1', 'minor', date '2026-03-01', :mgr, :mgr),
       (:a, 'Badge not returned', 'Found on a walkthrough.', 'other', '7.2', 'major', date '2026-03-02', :mgr, :mgr);
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'Container held and resealed.'
 WHERE org_id = :a AND title = 'Seal not verified';
RESET ROLE;
