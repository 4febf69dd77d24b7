/*
 * sql/clauses/clause08_4_supply_chain_assurance.sql
 *
 * Supply-chain assurance (ISO 28000:2022 8.1, externally provided processes,
 * products and services, and 8.4 controls applied along the chain): the security
 * requirements an organisation sets for its providers as a condition of being
 * in its supply chain, each provider's evidence with its validity, periodic
 * provider assessments, the controls applied upstream or downstream at a node,
 * and the views of providers that fall short and of the critical dependencies
 * on them.  It follows clause08_3-5_risk_treatment_controls.sql, whose
 * controls it applies at the nodes of clause08_1-2_operation.sql.
 *
 * A provider is an external supply_chain_node.  A requirement applies to every
 * active provider whose kind it lists (all kinds when it lists none) and, when
 * it sets min_criticality, on which something depends directly at least that
 * critically.
 */

CREATE TABLE iso28000.security_requirement (
  org_id            bigint  NOT NULL REFERENCES iso28000.organization,
  requirement_id    bigint  GENERATED ALWAYS AS IDENTITY,
  code              text    NOT NULL,
  title             text    NOT NULL,
  kind              text    NOT NULL,
  description       text,
  applies_to_kinds  text[],
  min_criticality   text,
  min_score         numeric(5,2),
  active            boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, requirement_id),
  UNIQUE (org_id, code),
  CONSTRAINT security_requirement_code_check CHECK (btrim(code) <> ''),
  CONSTRAINT security_requirement_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT security_requirement_kind_check CHECK (kind IN ('certification',
    'authorised_operator', 'contract_clause', 'assessment_score', 'other')),
  CONSTRAINT security_requirement_applies_check CHECK (applies_to_kinds <@ ARRAY['supplier',
    'manufacturer', 'site', 'carrier', 'forwarder', 'warehouse', 'port', 'airport',
    'border_crossing', 'customer', 'service_provider', 'authority', 'other']::text[]
    AND cardinality(applies_to_kinds) > 0),
  CONSTRAINT security_requirement_min_criticality_check
    CHECK (min_criticality IN ('low', 'medium', 'high', 'critical')),
  CONSTRAINT security_requirement_min_score_check CHECK (min_score BETWEEN 0 AND 100),
  CONSTRAINT security_requirement_score_kind_check
    CHECK ((kind = 'assessment_score') = (min_score IS NOT NULL))
);
SELECT iso28000.register_table('iso28000.security_requirement');

COMMENT ON TABLE iso28000.security_requirement IS
  'ISO 28000 8.1, 8.4: Security requirements the organisation sets for its providers as a condition of being in its supply chain: a certification (ISO 28000...), an authorised-operator status (AEO, C-TPAT...), contract clauses, a minimum assessment score.';
COMMENT ON COLUMN iso28000.security_requirement.org_id IS 'The organisation that sets the requirement.';
COMMENT ON COLUMN iso28000.security_requirement.code IS 'Short identification, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.security_requirement.title IS 'What is required (required, not blank).';
COMMENT ON COLUMN iso28000.security_requirement.kind IS
  'certification, authorised_operator, contract_clause, assessment_score (met by a current provider_assessment scoring at least min_score) or other; all but assessment_score are met by provider_evidence.';
COMMENT ON COLUMN iso28000.security_requirement.description IS 'Details: scheme, accepted issuers, clause text reference.';
COMMENT ON COLUMN iso28000.security_requirement.applies_to_kinds IS 'Node kinds the requirement applies to (non-empty list of supply_chain_node kinds); NULL: every kind.';
COMMENT ON COLUMN iso28000.security_requirement.min_criticality IS
  'When set, the requirement applies only to providers on which a node or process depends directly at least this critically (low, medium, high, critical).';
COMMENT ON COLUMN iso28000.security_requirement.min_score IS 'For kind assessment_score only (and required there): the lowest acceptable score, 0 to 100.';
COMMENT ON COLUMN iso28000.security_requirement.active IS 'False once the requirement no longer applies.';

CREATE TABLE iso28000.provider_evidence (
  org_id         bigint NOT NULL REFERENCES iso28000.organization,
  evidence_id    bigint GENERATED ALWAYS AS IDENTITY,
  node_id        bigint NOT NULL,
  requirement_id bigint NOT NULL,
  reference      text   NOT NULL,
  issuer         text,
  valid_from     date   NOT NULL,
  valid_until    date,
  revoked_on     date,
  verified_by    bigint,
  verified_on    date,
  document_id    bigint,
  PRIMARY KEY (org_id, evidence_id),
  UNIQUE (org_id, node_id, requirement_id, reference),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, requirement_id) REFERENCES iso28000.security_requirement (org_id, requirement_id),
  FOREIGN KEY (org_id, verified_by) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, document_id) REFERENCES iso28000.document (org_id, document_id),
  CONSTRAINT provider_evidence_reference_check CHECK (btrim(reference) <> ''),
  CONSTRAINT provider_evidence_validity_check CHECK (valid_until >= valid_from),
  CONSTRAINT provider_evidence_revoked_check CHECK (revoked_on >= valid_from),
  CONSTRAINT provider_evidence_verified_check CHECK ((verified_by IS NULL) = (verified_on IS NULL))
);
SELECT iso28000.register_table('iso28000.provider_evidence');
-- Who approved / verified / accepted is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.provider_evidence
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('verified_by');

COMMENT ON TABLE iso28000.provider_evidence IS
  'ISO 28000 8.1, 8.4: Evidence that a provider meets a security requirement: certificate, authorisation or signed contract clause, with its validity and who verified it.';
COMMENT ON COLUMN iso28000.provider_evidence.node_id IS 'The provider (supply-chain node).';
COMMENT ON COLUMN iso28000.provider_evidence.requirement_id IS 'The requirement it satisfies.';
COMMENT ON COLUMN iso28000.provider_evidence.reference IS 'Certificate, authorisation or contract number (required, not blank).';
COMMENT ON COLUMN iso28000.provider_evidence.issuer IS 'Certification body, customs authority, or party to the contract.';
COMMENT ON COLUMN iso28000.provider_evidence.valid_from IS 'First day of validity.';
COMMENT ON COLUMN iso28000.provider_evidence.valid_until IS 'Last day of validity (not before valid_from); NULL: open-ended.';
COMMENT ON COLUMN iso28000.provider_evidence.revoked_on IS 'Day it was suspended or withdrawn (not before valid_from); it counts no more from that day.';
COMMENT ON COLUMN iso28000.provider_evidence.verified_by IS 'Who checked the evidence; set together with verified_on.';
COMMENT ON COLUMN iso28000.provider_evidence.verified_on IS 'When it was checked.';
COMMENT ON COLUMN iso28000.provider_evidence.document_id IS 'The document (7.5) holding a copy.';

CREATE TABLE iso28000.provider_assessment (
  org_id        bigint NOT NULL REFERENCES iso28000.organization,
  assessment_id bigint GENERATED ALWAYS AS IDENTITY,
  node_id       bigint NOT NULL,
  assessed_on   date   NOT NULL,
  assessor_id   bigint,
  method        text   NOT NULL,
  score         numeric(5,2),
  result        text   NOT NULL,
  findings      text,
  next_due_on   date,
  PRIMARY KEY (org_id, assessment_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, assessor_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT provider_assessment_method_check CHECK (method IN ('questionnaire', 'remote_audit',
    'on_site_audit', 'third_party_report')),
  CONSTRAINT provider_assessment_score_check CHECK (score BETWEEN 0 AND 100),
  CONSTRAINT provider_assessment_result_check CHECK (result IN ('approved', 'conditional', 'rejected')),
  CONSTRAINT provider_assessment_findings_check CHECK (result = 'approved' OR coalesce(btrim(findings), '') <> ''),
  CONSTRAINT provider_assessment_next_due_check CHECK (next_due_on > assessed_on)
);
SELECT iso28000.register_table('iso28000.provider_assessment');

COMMENT ON TABLE iso28000.provider_assessment IS
  'ISO 28000 8.1, 9.1: Periodic security assessments of providers: method, score (0 to 100), result and findings.';
COMMENT ON COLUMN iso28000.provider_assessment.node_id IS 'The provider assessed.';
COMMENT ON COLUMN iso28000.provider_assessment.assessed_on IS 'Day of the assessment.';
COMMENT ON COLUMN iso28000.provider_assessment.assessor_id IS 'Who assessed.';
COMMENT ON COLUMN iso28000.provider_assessment.method IS 'questionnaire, remote_audit, on_site_audit or third_party_report.';
COMMENT ON COLUMN iso28000.provider_assessment.score IS 'Score from 0 to 100.';
COMMENT ON COLUMN iso28000.provider_assessment.result IS 'approved, conditional or rejected; anything but approved records its findings.';
COMMENT ON COLUMN iso28000.provider_assessment.findings IS 'What the assessment found; required unless approved.';
COMMENT ON COLUMN iso28000.provider_assessment.next_due_on IS 'When the next assessment is due (after assessed_on).';

CREATE TABLE iso28000.node_control (
  org_id          bigint NOT NULL REFERENCES iso28000.organization,
  node_control_id bigint GENERATED ALWAYS AS IDENTITY,
  node_id         bigint NOT NULL,
  control_id      bigint NOT NULL,
  direction       text   NOT NULL,
  description     text,
  applied_by      text,
  implemented_on  date,
  verified_on     date,
  PRIMARY KEY (org_id, node_control_id),
  UNIQUE (org_id, node_id, control_id, direction),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, control_id) REFERENCES iso28000.control (org_id, control_id),
  CONSTRAINT node_control_direction_check CHECK (direction IN ('upstream', 'at_node', 'downstream')),
  CONSTRAINT node_control_verified_check CHECK (verified_on >= implemented_on)
);
SELECT iso28000.register_table('iso28000.node_control');

COMMENT ON TABLE iso28000.node_control IS
  'ISO 28000 8.4, 8.1: Controls (iso28000.control) applied at a supply-chain node, to what comes from upstream (inbound screening, seal checks), at the node itself, or to what goes downstream (outbound sealing, manifests).';
COMMENT ON COLUMN iso28000.node_control.node_id IS 'The node where the control applies.';
COMMENT ON COLUMN iso28000.node_control.control_id IS 'The control.';
COMMENT ON COLUMN iso28000.node_control.direction IS 'upstream (on inbound flows), at_node, or downstream (on outbound flows).';
COMMENT ON COLUMN iso28000.node_control.description IS 'How the control is applied there.';
COMMENT ON COLUMN iso28000.node_control.applied_by IS 'Who applies it: the organisation, the provider, a third party.';
COMMENT ON COLUMN iso28000.node_control.implemented_on IS 'Day it was put in place.';
COMMENT ON COLUMN iso28000.node_control.verified_on IS 'Day it was last verified in place (not before implemented_on).';

------------------------------------------------------------------------------
-- Views
------------------------------------------------------------------------------

CREATE VIEW iso28000.provider_requirement_status WITH (security_invoker = true) AS
WITH provider AS (
  SELECT n.*,
         greatest((SELECT max(iso28000.criticality_rank(d.criticality))
                     FROM iso28000.supply_chain_dependency d
                    WHERE d.org_id = n.org_id AND d.depends_on_id = n.node_id),
                  (SELECT max(iso28000.criticality_rank(pd.criticality))
                     FROM iso28000.process_dependency pd
                    WHERE pd.org_id = n.org_id AND pd.node_id = n.node_id)) AS reliance
    FROM iso28000.supply_chain_node n
   WHERE n.external AND n.active
),
applicable AS (
  SELECT p.org_id, p.node_id, p.code AS node_code, p.name AS node_name, p.kind AS node_kind,
         iso28000.criticality_label(p.reliance) AS reliance,
         r.requirement_id, r.code AS requirement_code, r.kind AS requirement_kind, r.min_score,
         s.evidence_warning::interval AS evidence_warning,
         s.assessment_interval::interval AS assessment_interval
    FROM provider p
    JOIN iso28000.security_requirement r
      ON r.org_id = p.org_id AND r.active
     AND (r.applies_to_kinds IS NULL OR p.kind = ANY (r.applies_to_kinds))
     AND (r.min_criticality IS NULL
          OR p.reliance >= iso28000.criticality_rank(r.min_criticality))
    JOIN iso28000.operation_settings s ON s.org_id = p.org_id
),
judged AS (
  SELECT a.*, ev.valid_until, ev.any_evidence, pa.assessed_on, pa.score,
         CASE
           WHEN a.requirement_kind = 'assessment_score' THEN
             CASE WHEN pa.assessed_on IS NULL THEN 'not_assessed'
                  WHEN pa.assessed_on + a.assessment_interval < current_date THEN 'expired'
                  WHEN pa.score IS NULL OR pa.score < a.min_score THEN 'score_below_minimum'
                  WHEN (pa.assessed_on + a.assessment_interval)::date < current_date + a.evidence_warning
                    THEN 'expiring'
                  ELSE 'met' END
           ELSE
             CASE WHEN NOT ev.any_evidence THEN 'missing'
                  WHEN NOT ev.current THEN 'expired'
                  WHEN ev.valid_until < current_date + a.evidence_warning THEN 'expiring'
                  ELSE 'met' END
         END AS status,
         CASE WHEN a.requirement_kind = 'assessment_score'
              THEN (pa.assessed_on + a.assessment_interval)::date
              ELSE ev.valid_until END AS expires_on
    FROM applicable a
    -- Non-revoked evidence in force today; the latest expiry wins, open-ended beats any date.
    CROSS JOIN LATERAL (
      SELECT EXISTS (SELECT 1 FROM iso28000.provider_evidence e
                      WHERE e.org_id = a.org_id AND e.node_id = a.node_id
                        AND e.requirement_id = a.requirement_id
                        AND e.valid_from <= current_date) AS any_evidence,
             c.current, c.valid_until
        FROM (SELECT count(*) > 0 AS current,
                     CASE WHEN bool_or(e.valid_until IS NULL AND e.revoked_on IS NULL) THEN NULL
                          ELSE max(least(e.valid_until, e.revoked_on - 1)) END AS valid_until
                FROM iso28000.provider_evidence e
               WHERE e.org_id = a.org_id AND e.node_id = a.node_id
                 AND e.requirement_id = a.requirement_id
                 AND e.valid_from <= current_date
                 AND (e.valid_until IS NULL OR e.valid_until >= current_date)
                 AND (e.revoked_on IS NULL OR e.revoked_on > current_date)) c
    ) ev
    LEFT JOIN LATERAL (
      SELECT x.assessed_on, x.score
        FROM iso28000.provider_assessment x
       WHERE x.org_id = a.org_id AND x.node_id = a.node_id AND x.assessed_on <= current_date
       ORDER BY x.assessed_on DESC, x.assessment_id DESC
       LIMIT 1) pa ON true
)
SELECT j.org_id, j.node_id, j.node_code, j.node_name, j.node_kind, j.reliance,
       j.requirement_id, j.requirement_code, j.requirement_kind, j.status, j.expires_on,
       j.expires_on - current_date AS days_left, j.assessed_on AS last_assessed_on,
       j.score AS last_score
  FROM judged j;

COMMENT ON VIEW iso28000.provider_requirement_status IS
  'ISO 28000 8.1, 8.4: Every requirement that applies to every active provider, judged today: met, expiring (within the organisation''s evidence_warning), expired, missing, not_assessed or score_below_minimum.';
GRANT SELECT ON iso28000.provider_requirement_status TO PUBLIC;
COMMENT ON COLUMN iso28000.provider_requirement_status.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.provider_requirement_status.node_id IS 'The provider.';
COMMENT ON COLUMN iso28000.provider_requirement_status.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_requirement_status.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.provider_requirement_status.node_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.provider_requirement_status.reliance IS 'The strongest criticality with which a node or process depends on it directly, NULL if nothing does.';
COMMENT ON COLUMN iso28000.provider_requirement_status.requirement_id IS 'The requirement.';
COMMENT ON COLUMN iso28000.provider_requirement_status.requirement_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_requirement_status.requirement_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.provider_requirement_status.status IS
  'met; expiring (met today, but the evidence or assessment lapses within evidence_warning); expired (evidence took effect before, none is in force now, or the last assessment is older than assessment_interval); missing (no evidence that has taken effect); not_assessed; score_below_minimum.';
COMMENT ON COLUMN iso28000.provider_requirement_status.expires_on IS 'Last day the evidence (or assessment) in force counts; NULL if open-ended or none.';
COMMENT ON COLUMN iso28000.provider_requirement_status.days_left IS 'Days from today to expires_on.';
COMMENT ON COLUMN iso28000.provider_requirement_status.last_assessed_on IS 'Day of the provider''s latest assessment.';
COMMENT ON COLUMN iso28000.provider_requirement_status.last_score IS 'Its score.';

CREATE VIEW iso28000.provider_assurance_gap WITH (security_invoker = true) AS
SELECT s.*
  FROM iso28000.provider_requirement_status s
 WHERE s.status <> 'met';

COMMENT ON VIEW iso28000.provider_assurance_gap IS
  'ISO 28000 8.1, 8.4: Providers that do not meet a requirement, or whose evidence or assessment expires within the organisation''s warning period (operation_settings.evidence_warning). Columns as provider_requirement_status.';
GRANT SELECT ON iso28000.provider_assurance_gap TO PUBLIC;
COMMENT ON COLUMN iso28000.provider_assurance_gap.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.node_id IS 'The provider.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.node_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.reliance IS 'Strongest direct criticality with which something depends on it.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.requirement_id IS 'The requirement not met.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.requirement_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.requirement_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.status IS 'expiring, expired, missing, not_assessed or score_below_minimum.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.expires_on IS 'Last day the evidence in force counts.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.days_left IS 'Days from today to expires_on.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.last_assessed_on IS 'Day of the latest assessment.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.last_score IS 'Its score.';

CREATE VIEW iso28000.critical_dependency_on_gap_provider WITH (security_invoker = true) AS
WITH gap AS (
  SELECT g.org_id, g.node_id, g.node_code, g.node_name,
         string_agg(g.requirement_code || ':' || g.status, ', ' ORDER BY g.requirement_code) AS gaps
    FROM iso28000.provider_assurance_gap g
   GROUP BY g.org_id, g.node_id, g.node_code, g.node_name
),
node_dep AS (
  SELECT c.org_id, 'node'::text AS dependent_kind, c.node_id AS dependent_id,
         n.name AS dependent_name, c.upstream_node_id AS provider_node_id, c.direct
    FROM iso28000.supply_chain_closure c
    JOIN iso28000.supply_chain_node n ON n.org_id = c.org_id AND n.node_id = c.node_id
   WHERE c.criticality = 'critical' AND c.node_id <> c.upstream_node_id
),
process_dep AS (
  -- A process depends on a provider critically when it needs it critically, or
  -- needs critically a node that depends on the provider critically.
  SELECT pd.org_id, 'process'::text AS dependent_kind, pd.sms_process_id AS dependent_id,
         pr.name AS dependent_name, pd.node_id AS provider_node_id, true AS direct
    FROM iso28000.process_dependency pd
    JOIN iso28000.sms_process pr ON pr.org_id = pd.org_id AND pr.sms_process_id = pd.sms_process_id
   WHERE pd.criticality = 'critical'
  UNION
  SELECT pd.org_id, 'process', pd.sms_process_id, pr.name, c.upstream_node_id, false
    FROM iso28000.process_dependency pd
    JOIN iso28000.sms_process pr ON pr.org_id = pd.org_id AND pr.sms_process_id = pd.sms_process_id
    JOIN iso28000.supply_chain_closure c ON c.org_id = pd.org_id AND c.node_id = pd.node_id
   WHERE pd.criticality = 'critical' AND c.criticality = 'critical'
),
dep AS (
  SELECT org_id, dependent_kind, dependent_id, dependent_name, provider_node_id, bool_or(direct) AS direct
    FROM (SELECT * FROM node_dep UNION ALL SELECT * FROM process_dep) u
   GROUP BY org_id, dependent_kind, dependent_id, dependent_name, provider_node_id
)
SELECT d.org_id, d.dependent_kind, d.dependent_id, d.dependent_name,
       g.node_id AS provider_node_id, g.node_code AS provider_code, g.node_name AS provider_name,
       d.direct, g.gaps
  FROM dep d
  JOIN gap g ON g.org_id = d.org_id AND g.node_id = d.provider_node_id;

COMMENT ON VIEW iso28000.critical_dependency_on_gap_provider IS
  'ISO 28000 8.1, 8.2, 8.4: Critical dependencies on providers listed in provider_assurance_gap: every node or process that depends on such a provider through links that are all critical, directly or transitively.';
GRANT SELECT ON iso28000.critical_dependency_on_gap_provider TO PUBLIC;
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.dependent_kind IS 'node or process.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.dependent_id IS 'The dependent node_id or sms_process_id.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.dependent_name IS 'Its name.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.provider_node_id IS 'The provider that falls short.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.provider_code IS 'Its code.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.provider_name IS 'Its name.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.direct IS 'True when the dependency is a direct link.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.gaps IS 'The provider''s shortfalls, as requirement_code:status, in code order, separated by a comma and a space.';
