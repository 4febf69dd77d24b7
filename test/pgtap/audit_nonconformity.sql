-- A finding graded minor_nc or major_nc raises its nonconformity (ISO 28000
-- 9.2.2, 10.2) in clause 10's register, and the audit closes once each has one.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(8);
SET LOCAL search_path = iso28000, public;

SELECT create_organization('ACME', 'Acme Logistics') AS acme \gset
INSERT INTO person (org_id, full_name) VALUES (:acme, 'Ann Auditor');
SELECT person_id AS ann FROM person WHERE full_name = 'Ann Auditor' \gset
INSERT INTO audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
VALUES (:acme, 'Operations', '{8}', :ann, '2025-05-01', '2025-05-03');
SELECT audit_id AS aud FROM audit WHERE title = 'Operations' \gset
UPDATE audit SET status = 'in_progress', started_on = '2025-05-01' WHERE audit_id = :aud;

-- A nonconforming finding raises its nonconformity by itself.
INSERT INTO audit_finding (org_id, audit_id, clause, grade, statement, evidence, found_on) VALUES
  (:acme, :aud, '8.6.4', 'major_nc', 'No recovery plan for the Rotterdam site', 'Site visit', '2025-05-02'),
  (:acme, :aud, '8.1', 'minor_nc', 'Gate log incomplete', 'Log of 2025-04', '2025-05-02'),
  (:acme, :aud, '8.2', 'conforming', 'Supplier list current', NULL, '2025-05-02');
SELECT finding_id AS f_major FROM audit_finding WHERE clause = '8.6.4' \gset
SELECT finding_id AS f_conf FROM audit_finding WHERE clause = '8.2' \gset
SELECT is((SELECT count(*) FROM audit_finding WHERE audit_id = :aud AND nonconformity_id IS NOT NULL), 2::bigint,
          'the minor_nc and major_nc findings have a nonconformity');
SELECT is((SELECT n.severity || ' ' || n.source || ' ' || n.clause::text || ' ' || n.status FROM nonconformity n
             JOIN audit_finding f ON f.org_id = n.org_id AND f.nonconformity_id = n.nonconformity_id
            WHERE f.finding_id = :f_major),
          'major audit_finding 8.6.4 reported', 'the raised nonconformity has source, severity, clause and its initial state');
SELECT is((SELECT reported_by FROM nonconformity n JOIN audit_finding f ON f.org_id = n.org_id AND f.nonconformity_id = n.nonconformity_id
            WHERE f.finding_id = :f_major), :ann::bigint, 'the lead auditor reports it');
UPDATE audit_finding SET grade = 'minor_nc' WHERE finding_id = :f_conf;
SELECT isnt((SELECT nonconformity_id FROM audit_finding WHERE finding_id = :f_conf), NULL,
            'regrading a finding to minor_nc raises its nonconformity');
SELECT is((SELECT count(*) FROM nonconformity WHERE org_id = :acme), 3::bigint, 'one nonconformity per nonconforming finding');
UPDATE audit_finding SET grade = 'major_nc' WHERE finding_id = :f_conf;
SELECT is((SELECT count(*) FROM nonconformity WHERE org_id = :acme), 3::bigint, 'regrading again raises no second one');

SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, found_on, nonconformity_id)
                         VALUES (%s, %s, '8.3', 'conforming', 'Risk register current', '2025-05-02', -1)$$, :acme, :aud),
                 '23503', NULL, 'a finding cannot point at a nonconformity that does not exist');

UPDATE audit SET status = 'reported', reported_on = '2025-05-10', report = 'R-17', conclusion = 'Findings' WHERE audit_id = :aud;
-- closing needs an acting person independent of the audit: the session acts as Ann
UPDATE person SET db_role = current_user WHERE person_id = :ann;
SELECT lives_ok(format($$UPDATE iso28000.audit SET status = 'closed', closed_on = '2025-06-01' WHERE org_id = %s AND audit_id = %s$$, :acme, :aud),
                'the audit closes: every nonconforming finding has its nonconformity');
SELECT * FROM finish();
ROLLBACK;
