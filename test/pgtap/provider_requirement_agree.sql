-- One source of truth for a provider's standing (issue 17): the view
-- provider_requirement_status, which people and BI read, and the functions
-- the inclusion triggers call, provider_reliance() and
-- provider_requirement_check(), read the same views (supply_chain_node_reliance,
-- supply_chain_node_requirement).  Until then the view carried its own copy of
-- both functions' rules.  Here, on data that reaches every status (met,
-- expiring, expired, missing, not_assessed, score_below_minimum) through
-- certificates, revoked and future evidence, passed and failed screenings and
-- assessments, the view and the functions give the same rows, before and
-- after the organisation's warning period changes, and the function still
-- answers for what the view leaves out (an inactive node, a reliance a new
-- link would give).
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(10);

SELECT iso28000.create_organization('AGREE', 'Agree Ltd') AS v \gset
SELECT iso28000.create_organization('OTHER', 'Other Ltd') AS o \gset
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, active)
VALUES (:v, 'F', 'Factory', 'site', false, true), (:v, 'W', 'DC', 'warehouse', false, true),
       (:v, 'S1', 'Good supplier', 'supplier', true, true), (:v, 'S2', 'Weak supplier', 'supplier', true, true),
       (:v, 'K', 'Lapsed carrier', 'carrier', true, true), (:v, 'L', 'Spare carrier', 'carrier', true, true),
       (:v, 'P', 'Screened carrier', 'carrier', true, true), (:v, 'T', 'Former carrier', 'carrier', true, false),
       (:o, 'X', 'Other''s supplier', 'supplier', true, true);
CREATE TEMP VIEW nid AS SELECT code, node_id FROM iso28000.supply_chain_node WHERE org_id = :v;
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality)
SELECT :v, a.node_id, b.node_id, x.c
  FROM (VALUES ('F', 'S1', 'critical'), ('F', 'S2', 'low'), ('F', 'K', 'critical'), ('F', 'T', 'critical'),
               ('W', 'F', 'critical'), ('W', 'P', 'high'), ('F', 'P', 'medium')) x(a, b, c)
  JOIN nid a ON a.code = x.a JOIN nid b ON b.code = x.b;
INSERT INTO iso28000.person (org_id, full_name) VALUES (:v, 'Ann') RETURNING person_id AS ann \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (:v, 'Export', :ann) RETURNING sms_process_id AS export \gset
INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality)
SELECT :v, :export, node_id, 'critical' FROM nid WHERE code IN ('F', 'S2');

INSERT INTO iso28000.security_requirement (org_id, code, title, kind, applies_to_kinds, min_criticality, min_score)
VALUES (:v, 'CERT', 'ISO 28000 certificate', 'certification', '{supplier,carrier}', NULL, NULL),
       (:v, 'AEO', 'Authorised economic operator', 'authorised_operator', '{carrier}', 'high', NULL),
       (:v, 'SCORE', 'Assessment at least 70', 'assessment_score', NULL, NULL, 70),
       (:o, 'CERT', 'Other''s certificate', 'certification', NULL, NULL, NULL);
CREATE TEMP VIEW rid AS SELECT code, requirement_id FROM iso28000.security_requirement WHERE org_id = :v;
INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, valid_from, valid_until, revoked_on)
SELECT :v, n.node_id, r.requirement_id, x.ref, x.f, x.u, x.rv
  FROM (VALUES ('S1', 'CERT', 'C-S1', current_date - 300, current_date + 200, NULL::date),
               ('S1', 'CERT', 'C-S1b', current_date - 10, NULL, current_date + 400),
               ('S2', 'CERT', 'C-S2', current_date - 300, current_date + 10, NULL),
               ('K', 'CERT', 'C-K', current_date - 1000, current_date - 1, NULL),
               ('K', 'AEO', 'AEO-K', current_date - 1000, NULL, current_date - 5),
               ('L', 'CERT', 'C-L', current_date + 5, NULL, NULL),
               ('T', 'CERT', 'C-T', current_date - 100, NULL, NULL)) x(n, r, ref, f, u, rv)
  JOIN nid n ON n.code = x.n JOIN rid r ON r.code = x.r;
INSERT INTO iso28000.partner_screening (org_id, node_id, requirement_id, checked, list_name, reference, result, valid_until)
SELECT :v, n.node_id, r.requirement_id, 'AEO status', 'EU EOS/AEO database', x.ref, x.res, x.u
  FROM (VALUES ('P', 'AEO', 'AEO-P', 'pass', current_date + 45), ('P', 'CERT', 'CERT-P', 'fail', NULL::date),
               ('K', 'AEO', 'AEO-K2', 'pass', current_date + 500)) x(n, r, ref, res, u)
  JOIN nid n ON n.code = x.n JOIN rid r ON r.code = x.r;
INSERT INTO iso28000.provider_assessment (org_id, node_id, assessed_on, method, score, result, findings)
SELECT :v, n.node_id, x.d, 'questionnaire', x.s, x.res, 'Findings'
  FROM (VALUES ('S1', current_date - 10, 85, 'approved'), ('S2', current_date - 10, 60, 'conditional'),
               ('K', current_date - 400, 90, 'approved'), ('P', current_date - 340, 75, 'approved'),
               ('P', current_date - 20, 72, 'approved')) x(n, d, s, res)
  JOIN nid n ON n.code = x.n;

-- The view's rows, and the function's for every active external node at the reliance provider_reliance() gives.
CREATE FUNCTION pg_temp.from_view() RETURNS TABLE (org_id bigint, node_id bigint, reliance text, requirement_id bigint,
    requirement_code text, requirement_kind text, status text, expires_on date, last_assessed_on date, last_score numeric)
LANGUAGE sql AS $$
  SELECT org_id, node_id, reliance, requirement_id, requirement_code, requirement_kind, status, expires_on,
         last_assessed_on, last_score::numeric FROM iso28000.provider_requirement_status
$$;
CREATE FUNCTION pg_temp.from_function() RETURNS TABLE (org_id bigint, node_id bigint, reliance text, requirement_id bigint,
    requirement_code text, requirement_kind text, status text, expires_on date, last_assessed_on date, last_score numeric)
LANGUAGE sql AS $$
  SELECT n.org_id, n.node_id, iso28000.criticality_label(iso28000.provider_reliance(n.org_id, n.node_id)),
         c.requirement_id, c.requirement_code, c.requirement_kind, c.status, c.expires_on, c.last_assessed_on, c.last_score
    FROM iso28000.supply_chain_node n,
         iso28000.provider_requirement_check(n.org_id, n.node_id, n.kind, iso28000.provider_reliance(n.org_id, n.node_id)) c
   WHERE n.external AND n.active
$$;

SELECT is((SELECT array_agg(DISTINCT status ORDER BY status) FROM iso28000.provider_requirement_status WHERE org_id = :v),
          '{expired,expiring,met,missing,not_assessed,score_below_minimum}'::text[],
          'the data reaches every status');
SELECT is((SELECT count(*)::int FROM iso28000.provider_requirement_status), 13, 'the view has a row for each requirement that applies (2 + 2 + 3 + 2 + 3, and 1 of the other organisation)');
SELECT set_eq('SELECT * FROM pg_temp.from_view()', 'SELECT * FROM pg_temp.from_function()',
              'provider_requirement_status and provider_requirement_check() at provider_reliance() give the same rows');
SELECT results_eq(
  $$SELECT node_code, requirement_code, status, reliance, expires_on FROM iso28000.provider_requirement_status
     WHERE org_id = $$ || :v || $$ AND node_code IN ('K', 'P', 'S1') ORDER BY 1, 2$$,
  $$VALUES ('K', 'AEO', 'met', 'critical', current_date + 500), ('K', 'CERT', 'expired', 'critical', NULL),
           ('K', 'SCORE', 'expired', 'critical', current_date - 400 + 365),
           ('P', 'AEO', 'expiring', 'high', current_date + 45), ('P', 'CERT', 'missing', 'high', NULL),
           ('P', 'SCORE', 'met', 'high', current_date - 20 + 365),
           ('S1', 'CERT', 'met', 'critical', current_date + 399), ('S1', 'SCORE', 'met', 'critical', current_date - 10 + 365)$$,
  'the rules as before: a passed screening counts where the evidence was revoked, a failed one is no evidence, the latest assessment and expiry count, open-ended evidence lasts until its revocation');

UPDATE iso28000.operation_setting SET evidence_warning = '5 days' WHERE org_id = :v;
INSERT INTO iso28000.operation_setting (org_id, evidence_warning, assessment_interval)
SELECT :v, '5 days', '2 years' WHERE NOT EXISTS (SELECT FROM iso28000.operation_setting WHERE org_id = :v);
SELECT set_eq('SELECT * FROM pg_temp.from_view()', 'SELECT * FROM pg_temp.from_function()',
              'they agree with the organisation''s own warning period and assessment interval');
SELECT is((SELECT status FROM iso28000.provider_requirement_status WHERE org_id = :v AND node_code = 'K' AND requirement_code = 'SCORE'),
          'met', 'with a two-year interval the carrier''s assessment of 400 days ago counts again');

-- What only the function is asked: an inactive node, a reliance a new link would give.
SELECT results_eq(
  format($$SELECT requirement_code, status FROM iso28000.provider_requirement_check(%s, %s, 'carrier', iso28000.provider_reliance(%s, %s)) ORDER BY 1$$,
         :v, (SELECT node_id FROM nid WHERE code = 'T'), :v, (SELECT node_id FROM nid WHERE code = 'T')),
  $$VALUES ('AEO', 'missing'), ('CERT', 'met'), ('SCORE', 'not_assessed')$$,
  'provider_requirement_check() judges an inactive node the view leaves out');
SELECT results_eq(
  format($$SELECT requirement_code FROM iso28000.provider_requirement_check(%s, %s, 'carrier', %s) ORDER BY 1$$,
         :v, (SELECT node_id FROM nid WHERE code = 'L'), iso28000.criticality_rank('high')),
  $$VALUES ('AEO'), ('CERT'), ('SCORE')$$,
  'at the reliance a high link would give, the AEO requirement applies to the spare carrier');
SELECT is(iso28000.provider_reliance(:v, (SELECT node_id FROM nid WHERE code = 'L')), NULL,
          'while nothing depends on it, its reliance is none');
SELECT results_eq(
  format($$SELECT requirement_code, status FROM iso28000.provider_requirement_check(%s, %s, 'supplier', NULL)$$,
         :o, (SELECT node_id FROM iso28000.supply_chain_node WHERE org_id = :o)),
  $$VALUES ('CERT', 'missing')$$,
  'another organisation''s provider is judged against its own requirements only');

SELECT * FROM finish();
ROLLBACK;
