-- Northsea Port & Logistics: its supply chain (8.1, 8.2), security plans (8.6),
-- documents (7.5) and the security requirements it sets for its providers.
-- Everything is entered by the security manager, as an application would.
SET ROLE npl_security_manager;

INSERT INTO iso28000.operation_setting (org_id, exercise_interval, evidence_warning)
SELECT org_id, '1 year', '60 days' FROM iso28000.organization WHERE code = 'NPL';

-- the nodes: own sites, providers, a customer
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, external, country)
SELECT o.org_id, n.code, n.name, n.kind, n.external, n.country
  FROM iso28000.organization o,
       (VALUES ('TERM',  'Container terminal',               'site',             false, 'NL'),
               ('GATE',  'Terminal gate and access control', 'site',             false, 'NL'),
               ('WH1',   'Bonded warehouse',                 'warehouse',        false, 'NL'),
               ('BC',    'Baltic Carriers (road haulage)',   'carrier',          true,  'EE'),
               ('RAIL',  'Lowlands Rail Cargo',              'carrier',          true,  'NL'),
               ('GUARD', 'Securitas-like guarding contractor', 'service_provider', true, 'NL'),
               ('TOS',   'Terminal operating system (SaaS)', 'service_provider', true,  'DE'),
               ('GRID',  'Grid power',                       'service_provider', true,  'NL'),
               ('GENSET','Backup generator service',         'service_provider', true,  'NL'),
               ('LINE',  'Deep-sea shipping line',           'customer',         true,  'DK'))
       AS n(code, name, kind, external, country)
 WHERE o.code = 'NPL';

-- who depends on whom ("TERM needs GATE"), with criticality and alternatives
INSERT INTO iso28000.supply_chain_dependency (org_id, node_id, depends_on_id, criticality, alternative_group, flow, description)
SELECT a.org_id, a.node_id, b.node_id, l.criticality, l.grp, l.flow, l.description
  FROM (VALUES ('TERM', 'GATE',   'critical', NULL,      'service',     'every truck and person enters through the gate'),
               ('TERM', 'TOS',    'critical', NULL,      'information', 'container moves are planned in the TOS'),
               ('TERM', 'GRID',   'critical', 'power',   'utility',     'cranes and reefers'),
               ('TERM', 'GENSET', 'critical', 'power',   'utility',     'backup power'),
               ('GATE', 'GUARD',  'critical', NULL,      'service',     'gate staffing'),
               ('GATE', 'TOS',    'critical', NULL,      'information', 'pre-notified truck appointments'),
               ('TOS',  'GATE',   'low',      NULL,      'service',     'on-site server room behind the gate'),
               ('WH1',  'TERM',   'critical', NULL,      'goods',       'containers arrive from the terminal'),
               ('WH1',  'BC',     'critical', 'haulage', 'transport',   'road haulage'),
               ('WH1',  'RAIL',   'critical', 'haulage', 'transport',   'rail shuttle'),
               ('LINE', 'TERM',   'critical', NULL,      'service',     'port calls'))
       AS l(a, b, criticality, grp, flow, description)
  JOIN iso28000.organization o ON o.code = 'NPL'
  JOIN iso28000.supply_chain_node a ON a.org_id = o.org_id AND a.code = l.a
  JOIN iso28000.supply_chain_node b ON b.org_id = o.org_id AND b.code = l.b;

-- the critical processes and what they need
INSERT INTO iso28000.sms_process (org_id, name, owner_id, critical, purpose)
SELECT o.org_id, p.name, pe.person_id, true, p.purpose
  FROM iso28000.organization o
  JOIN iso28000.person pe ON pe.org_id = o.org_id AND pe.full_name = 'Anouk Jansen',
       (VALUES ('Container handling', 'Load, discharge and stack containers securely.'),
               ('Bonded storage', 'Keep goods under customs control until release.')) AS p(name, purpose)
 WHERE o.code = 'NPL'
ON CONFLICT ON CONSTRAINT sms_process_name_unique DO NOTHING;

INSERT INTO iso28000.activity (org_id, sms_process_id, name, node_id, sequence_no)
SELECT p.org_id, p.sms_process_id, a.name, n.node_id, a.seq
  FROM (VALUES ('Container handling', 'Gate-in of trucks', 'GATE', 1),
               ('Container handling', 'Discharge and stacking', 'TERM', 2),
               ('Bonded storage', 'Receipt under customs seal', 'WH1', 1)) AS a(process, name, node, seq)
  JOIN iso28000.organization o ON o.code = 'NPL'
  JOIN iso28000.sms_process p ON p.org_id = o.org_id AND p.name = a.process
  JOIN iso28000.supply_chain_node n ON n.org_id = o.org_id AND n.code = a.node;

INSERT INTO iso28000.process_dependency (org_id, sms_process_id, node_id, criticality)
SELECT p.org_id, p.sms_process_id, n.node_id, 'critical'
  FROM (VALUES ('Container handling', 'TERM'), ('Container handling', 'GATE'), ('Bonded storage', 'WH1')) AS d(process, node)
  JOIN iso28000.organization o ON o.code = 'NPL'
  JOIN iso28000.sms_process p ON p.org_id = o.org_id AND p.name = d.process
  JOIN iso28000.supply_chain_node n ON n.org_id = o.org_id AND n.code = d.node;

-- what NPL requires of its providers, and what they have shown
INSERT INTO iso28000.security_requirement (org_id, code, title, kind, applies_to_kinds, min_criticality, min_score)
SELECT o.org_id, r.code, r.title, r.kind, r.kinds, r.min_crit, r.min_score
  FROM iso28000.organization o,
       (VALUES ('ISO28000', 'ISO 28000 certificate', 'certification', '{carrier,service_provider}'::text[], 'critical', NULL::numeric),
               ('AEO', 'Authorised economic operator (security and safety)', 'authorised_operator', '{carrier}', NULL, NULL),
               ('ASSESS70', 'Supplier security assessment scored 70 or more', 'assessment_score', '{carrier,service_provider}', 'critical', 70))
       AS r(code, title, kind, kinds, min_crit, min_score)
 WHERE o.code = 'NPL';

INSERT INTO iso28000.provider_evidence (org_id, node_id, requirement_id, reference, issuer, valid_from, valid_until)
SELECT o.org_id, n.node_id, r.requirement_id, e.ref, e.issuer, current_date + e.from_days, current_date + e.until_days
  FROM (VALUES ('BC',    'ISO28000', 'ISO28000-EE-0412', 'Nordic Certification', -700, 40),
               ('BC',    'AEO',      'EEAEOF000123',     'Estonian Tax and Customs Board', -1500, 2000),
               ('RAIL',  'AEO',      'NLAEOF004567',     'Dutch Customs', -900, 900),
               ('GUARD', 'ISO28000', 'ISO28000-NL-0077', 'Dutch Certification', -300, 800),
               ('TOS',   'ISO28000', 'ISO28000-DE-2290', 'TUV-like body', -1200, -30))
       AS e(node, req, ref, issuer, from_days, until_days)
  JOIN iso28000.organization o ON o.code = 'NPL'
  JOIN iso28000.supply_chain_node n ON n.org_id = o.org_id AND n.code = e.node
  JOIN iso28000.security_requirement r ON r.org_id = o.org_id AND r.code = e.req;

INSERT INTO iso28000.provider_assessment (org_id, node_id, assessed_on, assessor_id, method, score, result, findings)
SELECT o.org_id, n.node_id, current_date + a.days, pe.person_id, a.method, a.score, a.result, a.findings
  FROM (VALUES ('BC',    -120, 'on_site_audit', 82, 'approved', NULL),
               ('GUARD', -60,  'questionnaire', 64, 'conditional', 'Background checks not documented for subcontracted staff.'),
               ('TOS',   -500, 'third_party_report', 91, 'approved', NULL),
               ('GRID',  -30,  'questionnaire', 75, 'approved', NULL),
               ('GENSET', -30, 'questionnaire', 71, 'approved', NULL))
       AS a(node, days, method, score, result, findings)
  JOIN iso28000.organization o ON o.code = 'NPL'
  JOIN iso28000.supply_chain_node n ON n.org_id = o.org_id AND n.code = a.node
  JOIN iso28000.person pe ON pe.org_id = o.org_id AND pe.full_name = 'Sanne Visser';

-- 7.5: the terminal security plan, written by the supply-chain security officer,
-- approved by the security manager (this session) fourteen months ago
INSERT INTO iso28000.document (org_id, code, title, doc_type, owner_id, classification, review_interval, retention, created_on)
SELECT o.org_id, 'NPL-SP-01', 'Terminal security plan', 'plan', p.person_id, 'confidential', '1 year', '10 years', current_date - 500
  FROM iso28000.organization o JOIN iso28000.person p ON p.org_id = o.org_id AND p.full_name = 'Sanne Visser'
 WHERE o.code = 'NPL';
INSERT INTO iso28000.document_version (org_id, document_id, version_label, author_id, change_summary)
SELECT d.org_id, d.document_id, '1.0', d.owner_id, 'First issue'
  FROM iso28000.document d WHERE d.code = 'NPL-SP-01';
UPDATE iso28000.document_version v SET status = 'in_review' FROM iso28000.document d
 WHERE d.org_id = v.org_id AND d.document_id = v.document_id AND d.code = 'NPL-SP-01';
UPDATE iso28000.document_version v
   SET status = 'approved', approver_id = iso28000.current_person(v.org_id), approved_on = current_date - 430
  FROM iso28000.document d
 WHERE d.org_id = v.org_id AND d.document_id = v.document_id AND d.code = 'NPL-SP-01';

-- 8.6: two plans, one exercised 200 days ago, one never
INSERT INTO iso28000.security_plan (org_id, title, scenario, status, owner_id, node_id, document_id,
                                    response_structure, warning_communication, content, recovery, approved_on)
SELECT o.org_id, p.title, p.scenario, 'active', pe.person_id, n.node_id, d.document_id,
       p.response, p.warning, p.content, p.recovery, current_date - 430
  FROM iso28000.organization o
  JOIN iso28000.person pe ON pe.org_id = o.org_id AND pe.full_name = 'Marit de Vries'
  JOIN iso28000.document d ON d.org_id = o.org_id AND d.code = 'NPL-SP-01',
       (VALUES ('Terminal intrusion', 'Unauthorised entry into the container stack', 'GATE',
                'Duty security officer leads; terminal control room; police liaison',
                'CCTV alarm to control room; call tree; port authority informed within 1 hour',
                'Stop gate-in, sweep the stack, check seals of affected containers',
                'Resume gate-in after sweep; report to customs; lessons into the risk register'),
               ('Terminal operating system outage', 'Ransomware or outage of the TOS', 'TOS',
                'IT security officer leads; TOS provider incident desk',
                'Provider alerts the IT security officer; hauliers informed through the port community system',
                'Switch to paper gate-in lists; freeze yard moves except reefers',
                'Restore from the provider''s clean backup; reconcile yard positions'))
       AS p(title, scenario, node, response, warning, content, recovery)
  JOIN iso28000.supply_chain_node n ON n.code = p.node
 WHERE o.code = 'NPL' AND n.org_id = o.org_id;
INSERT INTO iso28000.plan_exercise (org_id, security_plan_id, kind, held_on, objectives, outcome, findings, lessons)
SELECT p.org_id, p.security_plan_id, 'drill', current_date - 200, 'Test the call tree and the stack sweep',
       'partially_effective', 'The call tree reached the police liaison after 40 minutes.',
       'Put the police liaison first in the call tree.'
  FROM iso28000.security_plan p WHERE p.title = 'Terminal intrusion';

RESET ROLE;
