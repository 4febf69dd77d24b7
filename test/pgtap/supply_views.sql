-- Views of clause 7.5, 8.6 and supply-chain assurance, on data dated relative
-- to today: documents past review, security plans due for an exercise (with
-- the organisation's own period), provider requirement status and gaps, and
-- critical dependencies on providers that fall short.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(16);

SELECT iso28000.create_organization('VIEWS', 'Views Ltd') AS v \gset
CREATE ROLE tap_outsider NOLOGIN;
INSERT INTO iso28000.person (org_id, full_name) VALUES (:v, 'Ann'), (:v, 'Paul');
SELECT person_id AS ann FROM iso28000.person WHERE org_id = :v AND full_name = 'Ann' \gset
SELECT person_id AS paul FROM iso28000.person WHERE org_id = :v AND full_name = 'Paul' \gset

SELECT is((SELECT (exercise_interval, evidence_warning, defaulted)::text FROM iso28000.operation_settings WHERE org_id = :v),
          '("1 year","60 days",t)', 'an organisation without settings gets the defaults');
INSERT INTO iso28000.operation_setting (org_id, exercise_interval, evidence_warning, assessment_interval)
VALUES (:v, '6 months', '30 days', '1 year');
SELECT is((SELECT (exercise_interval, evidence_warning, defaulted)::text FROM iso28000.operation_settings WHERE org_id = :v),
          '("6 mons","30 days",f)', 'its own settings replace the defaults');

-- 7.5 documents
INSERT INTO iso28000.document (org_id, code, title, doc_type, owner_id, review_interval, next_review_on, created_on)
VALUES (:v, 'D1', 'Default interval, approved 400 days ago', 'procedure', :ann, NULL, NULL, current_date - 500),
       (:v, 'D2', 'Approved 100 days ago', 'procedure', :ann, NULL, NULL, current_date - 500),
       (:v, 'D3', 'Explicit date yesterday', 'policy', :ann, NULL, current_date - 1, current_date - 500),
       (:v, 'D4', 'Only a draft', 'form', :ann, NULL, current_date - 1, current_date - 500),
       (:v, 'D5', 'Quarterly review', 'plan', :ann, '3 months', NULL, current_date - 500);
INSERT INTO iso28000.document_version (org_id, document_id, version_label, author_id)
SELECT :v, document_id, '1', :ann FROM iso28000.document WHERE org_id = :v;
UPDATE iso28000.document_version v SET status = 'in_review'
  FROM iso28000.document d WHERE d.org_id = v.org_id AND d.document_id = v.document_id AND d.code <> 'D4';
SELECT iso28000.grant_delegation(:v, current_user::regrole);   -- the test acts for Paul, who approves
SELECT iso28000.act_as(:v, :paul);
UPDATE iso28000.document_version v SET status = x.status, approver_id = :paul, approved_on = x.approved
  FROM iso28000.document d, (VALUES ('D1', 'approved', current_date - 400), ('D2', 'approved', current_date - 100),
               ('D3', 'approved', current_date - 30), ('D4', 'draft', NULL::date),
               ('D5', 'approved', current_date - 100)) x(code, status, approved)
 WHERE d.org_id = v.org_id AND d.document_id = v.document_id AND d.code = x.code AND x.status = 'approved';

SELECT results_eq(
  'SELECT code, days_overdue FROM iso28000.document_review_overdue ORDER BY code',
  $$SELECT * FROM (VALUES ('D1', current_date - (current_date - 400 + interval '1 year')::date),
                          ('D3', 1),
                          ('D5', current_date - (current_date - 100 + interval '3 months')::date)) x(c, d)$$,
  'documents past review: default interval, explicit date and own interval; drafts and recent ones are not');
SELECT results_eq(
  $$SELECT code, version_label FROM iso28000.document_current WHERE code IN ('D2', 'D4') ORDER BY code$$,
  $$VALUES ('D2', '1'), ('D4', NULL)$$, 'document_current shows the approved version, none for a draft');

-- 8.6 security plans
INSERT INTO iso28000.security_plan (org_id, title, scenario, status, owner_id, response_structure,
                                    warning_communication, content, recovery, approved_on)
SELECT :v, t, 'Scenario ' || t, s, :ann, 'Team', 'Call tree', 'Actions', 'Recovery',
       CASE WHEN s = 'draft' THEN NULL ELSE current_date - 1000 END
  FROM (VALUES ('P1 never', 'active'), ('P2 recent', 'active'), ('P3 old', 'active'),
               ('P4 draft', 'draft'), ('P5 only planned', 'active')) x(t, s);
INSERT INTO iso28000.plan_exercise (org_id, security_plan_id, kind, planned_on, held_on, objectives, outcome, lessons)
SELECT :v, p.security_plan_id, 'drill', x.planned, x.held, 'Test', x.outcome, 'Lessons'
  FROM (VALUES ('P2 recent', NULL::date, current_date - 30, 'effective'),
               ('P3 old', NULL, current_date - 200, 'ineffective'),
               ('P3 old', NULL, current_date - 600, 'effective'),
               ('P5 only planned', current_date + 10, NULL, NULL)) x(t, planned, held, outcome)
  JOIN iso28000.security_plan p ON p.org_id = :v AND p.title = x.t;

SELECT results_eq(
  'SELECT title, reason, last_exercised_on, last_outcome FROM iso28000.security_plan_exercise_due ORDER BY title',
  $$VALUES ('P1 never', 'never_exercised', NULL::date, NULL::text),
           ('P3 old', 'overdue', current_date - 200, 'ineffective'),
           ('P5 only planned', 'never_exercised', NULL, NULL)$$,
  'plans never exercised or not within six months; drafts and a planned-only exercise do not count');
UPDATE iso28000.operation_setting SET exercise_interval = '1 year' WHERE org_id = :v;
SELECT results_eq(
  'SELECT title FROM iso28000.security_plan_exercise_due ORDER BY title',
  $$VALUES ('P1 never'), ('P5 only planned')$$,
  'with a one-year period the plan exercised 200 days ago is no longer due');

-- supply-chain assurance
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, active)
VALUES (:v, 'F', 'Factory', 'site', false, true), (:v, 'W', 'DC', 'warehouse', false, true),
       (:v, 'S1', 'Good supplier', 'supplier', true, true), (:v, 'S2', 'Weak supplier', 'supplier', true, true),
       (:v, 'K', 'Lapsed carrier', 'carrier', true, true), (:v, 'L', 'Spare carrier', 'carrier', true, true),
       (:v, 'T', 'Former carrier', 'carrier', true, false);
CREATE TEMP VIEW nid AS SELECT code, node_id FROM iso28000.supply_chain_node WHERE org_id = :v;
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality)
SELECT :v, a.node_id, b.node_id, x.c
  FROM (VALUES ('F', 'S1', 'critical'), ('F', 'S2', 'low'), ('F', 'K', 'critical'), ('F', 'T', 'critical'),
               ('W', 'F', 'critical')) x(a, b, c)
  JOIN nid a ON a.code = x.a JOIN nid b ON b.code = x.b;
INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (:v, 'Export', :ann) RETURNING sms_process_id AS export \gset
INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality)
SELECT :v, :export, node_id, 'critical' FROM nid WHERE code = 'F';

INSERT INTO iso28000.security_requirement (org_id, code, title, kind, applies_to_kinds, min_criticality, min_score)
VALUES (:v, 'CERT', 'ISO 28000 certificate', 'certification', '{supplier,carrier}', NULL, NULL),
       (:v, 'AEO', 'Authorised economic operator', 'authorised_operator', '{carrier}', 'critical', NULL),
       (:v, 'SCORE', 'Assessment at least 70', 'assessment_score', NULL, NULL, 70);
CREATE TEMP VIEW rid AS SELECT code, requirement_id FROM iso28000.security_requirement WHERE org_id = :v;
INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, valid_from, valid_until, revoked_on)
SELECT :v, n.node_id, r.requirement_id, x.ref, x.f, x.u, x.rv
  FROM (VALUES ('S1', 'CERT', 'C-S1', current_date - 300, current_date + 200, NULL::date),
               ('S2', 'CERT', 'C-S2', current_date - 300, current_date + 10, NULL),
               ('K', 'CERT', 'C-K', current_date - 1000, current_date - 1, NULL),
               ('K', 'AEO', 'AEO-K', current_date - 1000, NULL, current_date - 5),
               ('L', 'CERT', 'C-L', current_date + 5, NULL, NULL)) x(n, r, ref, f, u, rv)
  JOIN nid n ON n.code = x.n JOIN rid r ON r.code = x.r;
INSERT INTO iso28000.provider_assessment (org_id, node_id, assessed_on, method, score, result, findings)
SELECT :v, n.node_id, x.d, 'questionnaire', x.s, x.res, 'Findings'
  FROM (VALUES ('S1', current_date - 10, 85, 'approved'), ('S2', current_date - 10, 60, 'conditional'),
               ('K', current_date - 400, 90, 'approved')) x(n, d, s, res)
  JOIN nid n ON n.code = x.n;

SELECT results_eq(
  'SELECT node_code, requirement_code, status, reliance FROM iso28000.provider_requirement_status ORDER BY 1, 2',
  $$VALUES ('K', 'AEO', 'expired', 'critical'), ('K', 'CERT', 'expired', 'critical'), ('K', 'SCORE', 'expired', 'critical'),
           ('L', 'CERT', 'missing', NULL), ('L', 'SCORE', 'not_assessed', NULL),
           ('S1', 'CERT', 'met', 'critical'), ('S1', 'SCORE', 'met', 'critical'),
           ('S2', 'CERT', 'expiring', 'low'), ('S2', 'SCORE', 'score_below_minimum', 'low')$$,
  'every applicable requirement of every active provider, judged today');
SELECT results_eq(
  $$SELECT expires_on, days_left FROM iso28000.provider_requirement_status WHERE node_code = 'S2' AND requirement_code = 'CERT'$$,
  $$VALUES (current_date + 10, 10)$$, 'expiring evidence shows its last day and the days left');
SELECT is((SELECT count(*) FROM iso28000.provider_assurance_gap), 7::bigint, 'the gap view keeps everything not met');
UPDATE iso28000.operation_setting SET evidence_warning = '5 days' WHERE org_id = :v;
SELECT is((SELECT status FROM iso28000.provider_requirement_status WHERE node_code = 'S2' AND requirement_code = 'CERT'),
          'met', 'with a five-day warning the certificate of S2 is no longer reported as expiring');
UPDATE iso28000.provider_evidence SET revoked_on = current_date
 WHERE org_id = :v AND reference = 'C-S1';
SELECT is((SELECT status FROM iso28000.provider_requirement_status WHERE node_code = 'S1' AND requirement_code = 'CERT'),
          'expired', 'a certificate revoked today no longer counts');
UPDATE iso28000.provider_evidence SET revoked_on = NULL WHERE org_id = :v AND reference = 'C-S1';

SELECT results_eq(
  'SELECT dependent_kind, dependent_name, provider_code, direct, gaps FROM iso28000.critical_dependency_on_gap_provider ORDER BY 1, 2, 3',
  $$VALUES ('node', 'DC', 'K', false, 'AEO:expired, CERT:expired, SCORE:expired'),
           ('node', 'Factory', 'K', true, 'AEO:expired, CERT:expired, SCORE:expired'),
           ('process', 'Export', 'K', false, 'AEO:expired, CERT:expired, SCORE:expired')$$,
  'critical dependencies, direct and transitive, on the provider that falls short; low links and unused providers are not');

-- controls applied at a node
INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (:v, 'PHY-2', 'Seal verification', 'detective', 'physical') RETURNING control_id AS ctl \gset
SELECT lives_ok(format($$INSERT INTO iso28000.node_control (org_id, node_id, control_id, direction)
                         SELECT %s, node_id, %s, d FROM nid, unnest(ARRAY['upstream', 'downstream']) d WHERE code = 'F'$$, :v, :ctl),
                'a control applies upstream and downstream at the same node');

-- the views read through row-level security
SET SESSION AUTHORIZATION tap_outsider;
SELECT is_empty('SELECT 1 FROM iso28000.document_review_overdue UNION ALL SELECT 1 FROM iso28000.security_plan_exercise_due',
                'an outsider sees no overdue document or plan');
SELECT is_empty('SELECT 1 FROM iso28000.provider_requirement_status UNION ALL SELECT 1 FROM iso28000.critical_dependency_on_gap_provider',
                'an outsider sees no provider status');
SELECT is_empty('SELECT 1 FROM iso28000.operation_settings', 'an outsider sees no settings');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
