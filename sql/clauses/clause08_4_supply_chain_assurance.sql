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

-- Partner screening (8.1): a check of a partner against a list or a status
-- (a sanctions or denied-party list, the authorised-economic-operator
-- database), with its result and how long it holds.  A screening that passed
-- and names a requirement counts as evidence for that requirement, from the
-- day it was made to its valid_until.
CREATE TABLE iso28000.partner_screening (
  org_id          bigint NOT NULL REFERENCES iso28000.organization,
  screening_id    bigint GENERATED ALWAYS AS IDENTITY,
  node_id         bigint NOT NULL,
  requirement_id  bigint,
  checked         text   NOT NULL,
  list_name       text   NOT NULL,
  reference       text,
  screened_on     date   NOT NULL DEFAULT current_date,
  result          text   NOT NULL,
  valid_until     date,
  screened_by     bigint,
  notes           text,
  PRIMARY KEY (org_id, screening_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, requirement_id) REFERENCES iso28000.security_requirement (org_id, requirement_id),
  FOREIGN KEY (org_id, screened_by) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT partner_screening_checked_check CHECK (btrim(checked) <> ''),
  CONSTRAINT partner_screening_list_name_check CHECK (btrim(list_name) <> ''),
  CONSTRAINT partner_screening_result_check CHECK (result IN ('pass', 'fail', 'inconclusive')),
  CONSTRAINT partner_screening_validity_check CHECK (valid_until >= screened_on),
  CONSTRAINT partner_screening_pass_until_check CHECK (result <> 'pass' OR valid_until IS NOT NULL)
);
SELECT iso28000.register_table('iso28000.partner_screening');
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.partner_screening
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('screened_by');

COMMENT ON TABLE iso28000.partner_screening IS
  'ISO 28000 8.1, 8.4: Screenings of supply-chain partners: what was checked, against which list or status (a sanctions or denied-party list, an authorised-economic-operator certificate), the result and until when it holds. A passed screening that names a requirement counts as evidence for it.';
COMMENT ON COLUMN iso28000.partner_screening.node_id IS 'The partner screened (supply-chain node).';
COMMENT ON COLUMN iso28000.partner_screening.requirement_id IS 'The requirement a passed screening is evidence for (an authorised_operator requirement for an AEO check); NULL: it evidences none.';
COMMENT ON COLUMN iso28000.partner_screening.checked IS 'What was checked: AEO status, denied-party match, export-control listing (required, not blank).';
COMMENT ON COLUMN iso28000.partner_screening.list_name IS 'The list, register or status checked against: EU AEO database, a consolidated sanctions list (required, not blank).';
COMMENT ON COLUMN iso28000.partner_screening.reference IS 'Certificate number, query reference or match identifier.';
COMMENT ON COLUMN iso28000.partner_screening.screened_on IS 'Day of the screening; as evidence it counts from this day.';
COMMENT ON COLUMN iso28000.partner_screening.result IS 'pass (no match, status held), fail (a match, status not held) or inconclusive; only pass counts as evidence.';
COMMENT ON COLUMN iso28000.partner_screening.valid_until IS 'Last day the result holds (not before screened_on; required for a pass).';
COMMENT ON COLUMN iso28000.partner_screening.screened_by IS 'Who screened: the acting person.';
COMMENT ON COLUMN iso28000.partner_screening.notes IS 'What was found.';

------------------------------------------------------------------------------
-- Views
------------------------------------------------------------------------------

-- On a Citus worker, a trigger on a shard may read the organisation's
-- co-located shards (plain local tables) but not run a distributed query: a
-- view over several registers with per-row sub-selects is not planned for one
-- shard (Citus plans it over every shard, and refuses that from a shard).  The
-- inclusion checks therefore read the two views below through
-- _org_view_sql(), the view's own query with each register replaced by the
-- organisation's shard when this node holds it (doc/distribution.md,
-- "Provider inclusion on a cluster").  On one node it is the view's query.
CREATE FUNCTION iso28000._org_relation(rel regclass, org bigint) RETURNS text
LANGUAGE c STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_org_relation';
GRANT EXECUTE ON FUNCTION iso28000._org_relation(regclass, bigint) TO PUBLIC;
COMMENT ON FUNCTION iso28000._org_relation(regclass, bigint) IS
  'Internal: the qualified name to read an organisation''s rows of a table from in SQL: the organisation''s Citus shard of it when this node holds that shard, else the table itself.';

CREATE FUNCTION iso28000._org_view_sql(view regclass, org bigint) RETURNS text
LANGUAGE c STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_org_view_sql';
GRANT EXECUTE ON FUNCTION iso28000._org_view_sql(regclass, bigint) TO PUBLIC;
COMMENT ON FUNCTION iso28000._org_view_sql(regclass, bigint) IS
  'Internal: the query of a view of the extension with each table it reads replaced by the organisation''s Citus shard of it when this node holds that shard (iso28000._org_relation()); on one node, the view''s own query. Lets a trigger on a shard read the view for one organisation. Cached per backend by view and shard (src/citus_compat.c), dropped when the view, a table it reads, the Citus metadata of one, or a schema, function, operator or type changes.';
CREATE FUNCTION iso28000._org_view_sql_builds() RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_org_view_sql_builds';
COMMENT ON FUNCTION iso28000._org_view_sql_builds() IS
  'Internal, for the tests: how many texts iso28000._org_view_sql() built in this backend (the others came from its cache).';
CREATE FUNCTION iso28000._org_query(query text, args text[], keep boolean) RETURNS SETOF record
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_org_query';
COMMENT ON FUNCTION iso28000._org_query(text, text[], boolean) IS
  'Internal: the rows of a read-only query whose parameter $1 is args, with the caller''s rights (nothing a caller could not run itself). With keep, its plan is kept in this backend by the query''s text (a generic plan), dropped with _org_view_sql()''s texts: provider_reliance() and provider_requirement_check() keep the plan of a view''s query over this node''s shards.';
CREATE FUNCTION iso28000._org_query_plans() RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_org_query_plans';
COMMENT ON FUNCTION iso28000._org_query_plans() IS
  'Internal, for the tests: how many plans iso28000._org_query() made and kept in this backend (the other calls with keep used a kept one).';

-- One source of truth for a provider's standing.  Both the view
-- provider_requirement_status (for people and BI) and the functions the
-- inclusion triggers call (provider_reliance, provider_requirement_check)
-- read the two views below, which hold the rules once.  They are views, not
-- functions, because Citus plans a view's per-row sub-selects correlated on
-- org_id on the shards, but not an SQL function with parameters called per
-- row from inside a shard query (doc/distribution.md).

-- Every node with the strongest criticality with which a node or process depends on it directly.
CREATE VIEW iso28000.supply_chain_node_reliance WITH (security_invoker = true) AS
SELECT n.org_id, n.node_id, n.code AS node_code, n.name AS node_name, n.kind AS node_kind,
       n.external, n.active,
       greatest((SELECT max(iso28000.criticality_rank(d.criticality))
                   FROM iso28000.supply_chain_dependency d
                  WHERE d.org_id = n.org_id AND d.depends_on_id = n.node_id),
                (SELECT max(iso28000.criticality_rank(pd.criticality))
                   FROM iso28000.process_dependency pd
                  WHERE pd.org_id = n.org_id AND pd.node_id = n.node_id)) AS reliance_rank
  FROM iso28000.supply_chain_node n;

COMMENT ON VIEW iso28000.supply_chain_node_reliance IS
  'ISO 28000 8.1, 8.2: Every supply-chain node with the strongest criticality with which a node or process depends on it directly (its reliance, which decides the security requirements that apply to a provider); provider_reliance() answers it for one node.';
GRANT SELECT ON iso28000.supply_chain_node_reliance TO PUBLIC;
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.node_id IS 'The node.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.node_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.external IS 'True for a provider outside the organisation.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.active IS 'True while it is part of the supply chain.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.reliance_rank IS 'Rank (1 low to 4 critical) of the strongest criticality with which a node or process depends on it directly; NULL when nothing does.';

-- The strongest criticality with which a node or process depends on a node directly.
CREATE FUNCTION iso28000.provider_reliance(org bigint, node bigint) RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r integer;
BEGIN
  -- Without Citus the view itself, through a plan PL/pgSQL keeps; on a
  -- cluster the view's query over the organisation's shards (_org_view_sql,
  -- whose text this backend keeps per shard), run by _org_query, which keeps
  -- its plan when the text reads this node's shards (a trigger on a worker),
  -- and plans it at each call otherwise (the coordinator: Citus plans it).
  -- Both read the same view.
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    SELECT v.reliance_rank INTO r FROM iso28000.supply_chain_node_reliance v
     WHERE v.org_id OPERATOR(pg_catalog.=) org AND v.node_id OPERATOR(pg_catalog.=) node;
    RETURN r;
  END IF;
  SELECT q.reliance_rank INTO r
    FROM iso28000._org_query(
           pg_catalog.format('SELECT v.reliance_rank FROM (%s) v WHERE v.org_id OPERATOR(pg_catalog.=) ($1[1])::pg_catalog.int8 AND v.node_id OPERATOR(pg_catalog.=) ($1[2])::pg_catalog.int8',
                             iso28000._org_view_sql('iso28000.supply_chain_node_reliance', org)),
           ARRAY[org::text, node::text],
           iso28000._org_relation('iso28000.supply_chain_node', org) OPERATOR(pg_catalog.<>) 'iso28000.supply_chain_node')
         AS q(reliance_rank integer);
  RETURN r;
END
$$;
COMMENT ON FUNCTION iso28000.provider_reliance(bigint, bigint) IS
  'ISO 28000 8.1, 8.2: The rank (1 low to 4 critical) of the strongest criticality with which a node or process depends directly on the node; NULL when nothing does. Reads view supply_chain_node_reliance.';

-- Every node against every active requirement of its organisation, judged
-- today, whether or not the requirement applies to it (that depends on its
-- kind and reliance: the callers decide).
CREATE VIEW iso28000.supply_chain_node_requirement WITH (security_invoker = true) AS
WITH pair AS (
  SELECT n.org_id, n.node_id, r.requirement_id, r.code AS requirement_code, r.kind AS requirement_kind, r.min_score,
         -- operation_settings' defaults, from the table itself (organization is a
         -- reference table on Citus, which cannot lead an outer join to the registers).
         coalesce(s.evidence_warning, interval '60 days') AS evidence_warning,
         coalesce(s.assessment_interval, interval '1 year') AS assessment_interval
    FROM iso28000.supply_chain_node n
    JOIN iso28000.security_requirement r ON r.org_id = n.org_id AND r.active
    LEFT JOIN iso28000.operation_setting s ON s.org_id = n.org_id
),
-- Evidence (provider_evidence, and passed partner_screening naming the
-- requirement) and the latest assessment, each a sub-select of the row.
facts AS (
  SELECT a.*,
         coalesce((SELECT bool_or(e.valid_from <= current_date) FROM iso28000.provider_evidence e
                    WHERE e.org_id = a.org_id AND e.node_id = a.node_id AND e.requirement_id = a.requirement_id), false)
         OR coalesce((SELECT bool_or(ps.screened_on <= current_date) FROM iso28000.partner_screening ps
                       WHERE ps.org_id = a.org_id AND ps.node_id = a.node_id AND ps.requirement_id = a.requirement_id
                         AND ps.result = 'pass'), false) AS any_evidence,
         (SELECT count(*) > 0 FROM iso28000.provider_evidence e
           WHERE e.org_id = a.org_id AND e.node_id = a.node_id AND e.requirement_id = a.requirement_id
             AND e.valid_from <= current_date AND (e.valid_until IS NULL OR e.valid_until >= current_date)
             AND (e.revoked_on IS NULL OR e.revoked_on > current_date))
         OR (SELECT count(*) > 0 FROM iso28000.partner_screening ps
              WHERE ps.org_id = a.org_id AND ps.node_id = a.node_id AND ps.requirement_id = a.requirement_id
                AND ps.result = 'pass' AND ps.screened_on <= current_date
                AND (ps.valid_until IS NULL OR ps.valid_until >= current_date)) AS current,
         -- Open-ended evidence in force (no last day): NULL when there is none.
         (SELECT bool_or(e.valid_until IS NULL AND e.revoked_on IS NULL) FROM iso28000.provider_evidence e
           WHERE e.org_id = a.org_id AND e.node_id = a.node_id AND e.requirement_id = a.requirement_id
             AND e.valid_from <= current_date AND (e.valid_until IS NULL OR e.valid_until >= current_date)
             AND (e.revoked_on IS NULL OR e.revoked_on > current_date)) AS ev_open,
         (SELECT max(least(e.valid_until, e.revoked_on - 1)) FROM iso28000.provider_evidence e
           WHERE e.org_id = a.org_id AND e.node_id = a.node_id AND e.requirement_id = a.requirement_id
             AND e.valid_from <= current_date AND (e.valid_until IS NULL OR e.valid_until >= current_date)
             AND (e.revoked_on IS NULL OR e.revoked_on > current_date)) AS ev_until,
         (SELECT bool_or(ps.valid_until IS NULL) FROM iso28000.partner_screening ps
           WHERE ps.org_id = a.org_id AND ps.node_id = a.node_id AND ps.requirement_id = a.requirement_id
             AND ps.result = 'pass' AND ps.screened_on <= current_date
             AND (ps.valid_until IS NULL OR ps.valid_until >= current_date)) AS ps_open,
         (SELECT max(ps.valid_until) FROM iso28000.partner_screening ps
           WHERE ps.org_id = a.org_id AND ps.node_id = a.node_id AND ps.requirement_id = a.requirement_id
             AND ps.result = 'pass' AND ps.screened_on <= current_date
             AND (ps.valid_until IS NULL OR ps.valid_until >= current_date)) AS ps_until,
         (SELECT max(x.assessed_on) FROM iso28000.provider_assessment x
           WHERE x.org_id = a.org_id AND x.node_id = a.node_id AND x.assessed_on <= current_date) AS assessed_on,
         (SELECT (array_agg(x.score ORDER BY x.assessed_on DESC, x.assessment_id DESC))[1]
            FROM iso28000.provider_assessment x
           WHERE x.org_id = a.org_id AND x.node_id = a.node_id AND x.assessed_on <= current_date) AS score
    FROM pair a
),
judged AS (
  SELECT f.*,
         -- The latest expiry wins, open-ended beats any date.
         CASE WHEN coalesce(f.ev_open, false) OR coalesce(f.ps_open, false) THEN NULL
              ELSE greatest(f.ev_until, f.ps_until) END AS valid_until
    FROM facts f
)
SELECT j.org_id, j.node_id, j.requirement_id, j.requirement_code, j.requirement_kind,
       CASE
         WHEN j.requirement_kind = 'assessment_score' THEN
           CASE WHEN j.assessed_on IS NULL THEN 'not_assessed'
                WHEN j.assessed_on + j.assessment_interval < current_date THEN 'expired'
                WHEN j.score IS NULL OR j.score < j.min_score THEN 'score_below_minimum'
                WHEN (j.assessed_on + j.assessment_interval)::date < current_date + j.evidence_warning
                  THEN 'expiring'
                ELSE 'met' END
         ELSE
           CASE WHEN NOT j.any_evidence THEN 'missing'
                WHEN NOT j.current THEN 'expired'
                WHEN j.valid_until < current_date + j.evidence_warning THEN 'expiring'
                ELSE 'met' END
       END AS status,
       CASE WHEN j.requirement_kind = 'assessment_score'
            THEN (j.assessed_on + j.assessment_interval)::date
            ELSE j.valid_until END AS expires_on,
       j.assessed_on AS last_assessed_on,
       j.score::numeric AS last_score
  FROM judged j;

COMMENT ON VIEW iso28000.supply_chain_node_requirement IS
  'ISO 28000 8.1, 8.4: Every supply-chain node against every active security requirement of its organisation, judged today, whether or not the requirement applies to the node (that depends on its kind and reliance; provider_requirement_status and provider_requirement_check() keep the ones that apply). Evidence is provider_evidence and passed partner_screening.';
GRANT SELECT ON iso28000.supply_chain_node_requirement TO PUBLIC;
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.node_id IS 'The node.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.requirement_id IS 'The requirement.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.requirement_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.requirement_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.status IS
  'met; expiring (met today, but the evidence or assessment lapses within evidence_warning); expired (evidence took effect before, none is in force now, or the last assessment is older than assessment_interval); missing (no evidence that has taken effect); not_assessed; score_below_minimum.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.expires_on IS 'Last day the evidence (or assessment) in force counts; NULL if open-ended or none.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.last_assessed_on IS 'Day of the node''s latest assessment.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.last_score IS 'Its score.';

-- How a provider of a kind stands today against every requirement that applies
-- at a reliance: the rows of supply_chain_node_requirement that apply, for one
-- node, at any reliance (the one a new link would give it, too).
CREATE FUNCTION iso28000.provider_requirement_check(org bigint, node bigint, node_kind text, reliance integer)
RETURNS TABLE (requirement_id bigint, requirement_code text, requirement_kind text, status text,
               expires_on date, last_assessed_on date, last_score numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- Without Citus the view itself, through a plan PL/pgSQL keeps (the same
  -- query as below); on a cluster the view's query over the organisation's
  -- shards (_org_view_sql), run by _org_query: its plan kept when it reads
  -- this node's shards (a trigger on a worker), else planned at each call.
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    RETURN QUERY
      SELECT j.requirement_id, j.requirement_code, j.requirement_kind, j.status, j.expires_on,
             j.last_assessed_on, j.last_score
        FROM iso28000.supply_chain_node_requirement j
        JOIN iso28000.security_requirement r ON r.org_id OPERATOR(pg_catalog.=) j.org_id
                                            AND r.requirement_id OPERATOR(pg_catalog.=) j.requirement_id
       WHERE j.org_id OPERATOR(pg_catalog.=) org AND j.node_id OPERATOR(pg_catalog.=) node
         AND (r.applies_to_kinds IS NULL OR node_kind OPERATOR(pg_catalog.=) ANY (r.applies_to_kinds))
         AND (r.min_criticality IS NULL OR reliance OPERATOR(pg_catalog.>=) iso28000.criticality_rank(r.min_criticality));
    RETURN;
  END IF;
  RETURN QUERY SELECT * FROM iso28000._org_query(pg_catalog.format(
    $q$SELECT j.requirement_id, j.requirement_code, j.requirement_kind, j.status, j.expires_on,
              j.last_assessed_on, j.last_score
         FROM (%s) j
         JOIN %s r ON r.org_id OPERATOR(pg_catalog.=) j.org_id AND r.requirement_id OPERATOR(pg_catalog.=) j.requirement_id
        WHERE j.org_id OPERATOR(pg_catalog.=) ($1[1])::pg_catalog.int8 AND j.node_id OPERATOR(pg_catalog.=) ($1[2])::pg_catalog.int8
          AND (r.applies_to_kinds IS NULL OR $1[3] OPERATOR(pg_catalog.=) ANY (r.applies_to_kinds))
          AND (r.min_criticality IS NULL OR ($1[4])::pg_catalog.int4 OPERATOR(pg_catalog.>=) iso28000.criticality_rank(r.min_criticality))$q$,
    iso28000._org_view_sql('iso28000.supply_chain_node_requirement', org),
    iso28000._org_relation('iso28000.security_requirement', org)),
    ARRAY[org::text, node::text, node_kind, reliance::text],
    iso28000._org_relation('iso28000.supply_chain_node', org) OPERATOR(pg_catalog.<>) 'iso28000.supply_chain_node')
    AS q(requirement_id bigint, requirement_code text, requirement_kind text, status text,
         expires_on date, last_assessed_on date, last_score numeric);
END
$$;
COMMENT ON FUNCTION iso28000.provider_requirement_check(bigint, bigint, text, integer) IS
  'ISO 28000 8.1, 8.4: How a provider of the given kind stands today against every active requirement that applies to it at the given reliance (rank 1 to 4, NULL for none): status met, expiring, expired, missing, not_assessed or score_below_minimum, read from supply_chain_node_requirement as provider_requirement_status reads it. Passed partner screenings count as evidence. Runs with the caller''s rights.';

CREATE VIEW iso28000.provider_requirement_status WITH (security_invoker = true) AS
SELECT n.org_id, n.node_id, n.node_code, n.node_name, n.node_kind,
       iso28000.criticality_label(n.reliance_rank) AS reliance,
       j.requirement_id, j.requirement_code, j.requirement_kind, j.status, j.expires_on,
       j.expires_on - current_date AS days_left, j.last_assessed_on,
       j.last_score::numeric(5,2) AS last_score
  FROM iso28000.supply_chain_node_reliance n
  JOIN iso28000.security_requirement r
    ON r.org_id = n.org_id AND r.active
   AND (r.applies_to_kinds IS NULL OR n.node_kind = ANY (r.applies_to_kinds))
   AND (r.min_criticality IS NULL OR n.reliance_rank >= iso28000.criticality_rank(r.min_criticality))
  JOIN iso28000.supply_chain_node_requirement j
    ON j.org_id = n.org_id AND j.node_id = n.node_id AND j.requirement_id = r.requirement_id
 WHERE n.external AND n.active;

COMMENT ON VIEW iso28000.provider_requirement_status IS
  'ISO 28000 8.1, 8.4: Every requirement that applies to every active provider, judged today: met, expiring (within the organisation''s evidence_warning), expired, missing, not_assessed or score_below_minimum. Evidence is provider_evidence and passed partner_screening.';
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

------------------------------------------------------------------------------
-- Providers as a condition of inclusion, enforced (8.1)
--
-- A provider (an external node) becomes active, and a link of criticality
-- high or critical to it is created or raised to that criticality (from a node,
-- supply_chain_dependency, or a process, process_dependency), only when it
-- meets every requirement that applies to it at the reliance the change gives
-- it (status met or expiring), or when an approved exception in force covers
-- each requirement it does not meet.  Refused: IS520 (activation), IS521
-- (link), IS522 (only an expired exception would cover it).
--
-- Concurrency: every check first takes the provider's row of
-- provider_inclusion FOR SHARE; every change of what the check reads
-- (evidence, screenings, assessments, exceptions) updates that row (an
-- exclusive row lock), so under READ COMMITTED a check waits for a concurrent
-- change to commit and then reads it (each statement of a trigger function
-- takes a new snapshot), and a change waits for a concurrent check and then
-- sees its link and flags the provider.  test/specs/provider_inclusion.spec.
------------------------------------------------------------------------------

-- Exceptions: a provider admitted although it falls short, for a reason, until an end date.
CREATE TABLE iso28000.provider_exception (
  org_id            bigint NOT NULL REFERENCES iso28000.organization,
  exception_id      bigint GENERATED ALWAYS AS IDENTITY,
  node_id           bigint NOT NULL,
  requirement_id    bigint,
  reason            text   NOT NULL,
  compensating_measures text,
  requested_by      bigint NOT NULL,
  requested_on      date   NOT NULL DEFAULT current_date,
  valid_from        date   NOT NULL DEFAULT current_date,
  valid_until       date   NOT NULL,
  status            text   NOT NULL DEFAULT 'requested',
  approved_by       bigint,
  approved_on       date,
  status_changed_at timestamptz,
  status_changed_by name,
  status_note       text,
  PRIMARY KEY (org_id, exception_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, requirement_id) REFERENCES iso28000.security_requirement (org_id, requirement_id),
  FOREIGN KEY (org_id, requested_by) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, approved_by) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT provider_exception_reason_check CHECK (btrim(reason) <> ''),
  CONSTRAINT provider_exception_validity_check CHECK (valid_until >= valid_from),
  CONSTRAINT provider_exception_approval_check CHECK ((approved_by IS NULL) = (approved_on IS NULL))
);
SELECT iso28000.register_table('iso28000.provider_exception');
CREATE INDEX provider_exception_node ON iso28000.provider_exception (org_id, node_id);
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.provider_exception
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('requested_by', 'approved_by:approved');

COMMENT ON TABLE iso28000.provider_exception IS
  'ISO 28000 8.1, 6.1.1: Exceptions that admit a provider into the supply chain although it does not meet a security requirement (or any), with the reason, compensating measures and an end date; approved by someone with the authority who did not request it. Workflow provider_exception.';
COMMENT ON COLUMN iso28000.provider_exception.node_id IS 'The provider admitted.';
COMMENT ON COLUMN iso28000.provider_exception.requirement_id IS 'The requirement it may fall short of; NULL: every requirement.';
COMMENT ON COLUMN iso28000.provider_exception.reason IS 'Why the provider is admitted all the same (required, not blank).';
COMMENT ON COLUMN iso28000.provider_exception.compensating_measures IS 'What is done meanwhile: escorts, extra seal checks, a follow-up audit.';
COMMENT ON COLUMN iso28000.provider_exception.requested_by IS 'Who asked for it: the acting person (IS120 otherwise).';
COMMENT ON COLUMN iso28000.provider_exception.requested_on IS 'Day it was requested.';
COMMENT ON COLUMN iso28000.provider_exception.valid_from IS 'First day it counts.';
COMMENT ON COLUMN iso28000.provider_exception.valid_until IS 'End date: the last day it counts (not before valid_from); after it the exception is expired and admits nothing.';
COMMENT ON COLUMN iso28000.provider_exception.status IS 'requested, approved, rejected or withdrawn (workflow provider_exception).';
COMMENT ON COLUMN iso28000.provider_exception.approved_by IS 'Who approved it: the acting person when it enters approved, never the requester, holding an SMS role that may approve provider exceptions or level manage through their own login.';
COMMENT ON COLUMN iso28000.provider_exception.approved_on IS 'Day of approval (filled when it enters approved).';
COMMENT ON COLUMN iso28000.provider_exception.status_changed_at IS 'When the status last changed (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.provider_exception.status_changed_by IS 'Database role that last changed the status (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.provider_exception.status_note IS 'Note for the next transition (why rejected or withdrawn); copied into the workflow event log.';

-- Whether a person holds, on a date, an SMS role that may approve provider exceptions.
CREATE FUNCTION iso28000.may_approve_provider_exception(org bigint, person bigint, on_date date DEFAULT current_date)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN EXISTS (
    SELECT FROM iso28000.role_assignment a
      JOIN iso28000.sms_role r ON r.org_id = a.org_id AND r.sms_role_id = a.sms_role_id
      JOIN iso28000.person p ON p.org_id = a.org_id AND p.person_id = a.person_id
     WHERE a.org_id = org AND a.person_id = person AND p.active
       AND r.may_approve_provider_exceptions
       AND a.assigned_on <= on_date AND (a.ended_on IS NULL OR a.ended_on >= on_date)
       AND (r.retired_on IS NULL OR r.retired_on >= on_date));
COMMENT ON FUNCTION iso28000.may_approve_provider_exception(bigint, bigint, date) IS
  'ISO 28000 5.3, 8.1: True when the active person holds, on the date, an SMS role with may_approve_provider_exceptions.';

-- The person approving a record of the supply chain's registers: the acting
-- person, who must exist (nobody_code) and must not be the one who made the
-- record (self_code).  Shared by the approval guards of provider exceptions
-- (IS525, IS523) and segment assessments (IS531, IS530).
CREATE FUNCTION iso28000._approving_person(tbl text, rec text, org bigint, maker bigint, made text,
                                           nobody_code text, self_code text)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me bigint := iso28000.acting_person(org);
BEGIN
  IF me IS NULL THEN
    RAISE EXCEPTION '% cannot be approved by nobody: no person acts in the transaction', rec
      USING ERRCODE = nobody_code, SCHEMA = 'iso28000', TABLE = tbl, COLUMN = 'approved_by',
            DETAIL = 'A record is approved by a person: the person of the current role, or the person a delegated application names with act_as().',
            HINT = 'Call iso28000.act_as(org, person) first, or approve through your own role.';
  END IF;
  IF me = maker THEN
    RAISE EXCEPTION '% cannot be approved by person %, who % it', rec, me, made
      USING ERRCODE = self_code, SCHEMA = 'iso28000', TABLE = tbl, COLUMN = 'approved_by',
            DETAIL = format('Segregation of duties: the approver is not the person who %s it.', made);
  END IF;
  RETURN me;
END
$$;
COMMENT ON FUNCTION iso28000._approving_person(text, text, bigint, bigint, text, text, text) IS
  'Internal: the acting person approving a record of table tbl (rec names it in messages); raises nobody_code when no person acts and self_code when the acting person is maker, the one who made the record (made says how: requested, assessed).';

-- Approval of an exception: by the acting person (IS525 when nobody acts), who
-- did not request it (IS523) and has the authority (IS524), before its end
-- date (IS526).  Fires after actor_stamp and before the workflow engine.
CREATE FUNCTION iso28000.provider_exception_approval_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me bigint;
  rec text := format('iso28000.provider_exception (org_id, exception_id)=(%s, %s)', NEW.org_id, NEW.exception_id);
BEGIN
  IF NEW.status IS DISTINCT FROM 'approved' OR OLD.status IS NOT DISTINCT FROM 'approved' THEN
    RETURN NEW;
  END IF;
  me := iso28000._approving_person('provider_exception', rec, NEW.org_id, NEW.requested_by, 'requested', 'IS525', 'IS523');
  -- The authority is the person's: an SMS role of theirs, or level manage of
  -- their own login.  A delegated application's level is the application's,
  -- lent to every person it acts for: it is no authority of the person.
  IF NOT ((coalesce(iso28000.has_level(NEW.org_id, 'manage'), false)
           AND EXISTS (SELECT FROM iso28000.person p
                        WHERE p.org_id = NEW.org_id AND p.person_id = me AND p.db_role = current_user))
          OR iso28000.may_approve_provider_exception(NEW.org_id, me)) THEN
    RAISE EXCEPTION '% cannot be approved by person %: the approver needs level manage through their own login or an SMS role that may approve provider exceptions', rec, me
      USING ERRCODE = 'IS524', SCHEMA = 'iso28000', TABLE = 'provider_exception', COLUMN = 'approved_by',
            DETAIL = 'Admitting a provider that falls short of its security requirements is a decision for someone with that authority; the level of an application acting for the person (act_as) is not the person''s.',
            HINT = 'A manager assigns an SMS role with may_approve_provider_exceptions, or a manager approves through their own login.';
  END IF;
  IF NEW.valid_until < current_date THEN
    RAISE EXCEPTION '% cannot be approved: it expired on %', rec, NEW.valid_until
      USING ERRCODE = 'IS526', SCHEMA = 'iso28000', TABLE = 'provider_exception', COLUMN = 'valid_until',
            DETAIL = 'An exception whose end date has passed admits nothing.',
            HINT = 'Request a new exception with a new end date.';
  END IF;
  NEW.approved_on := coalesce(NEW.approved_on, current_date);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.provider_exception_approval_guard() IS
  'Trigger on provider_exception (BEFORE UPDATE): entering approved needs an acting person (IS525) who is not the requester (IS523), with an SMS role that may approve provider exceptions or level manage through their own login (not a delegated application''s level) (IS524), before the end date (IS526); fills approved_on.';
CREATE TRIGGER provider_exception_approval_guard BEFORE UPDATE ON iso28000.provider_exception
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_exception_approval_guard();

SELECT iso28000.define_workflow('provider_exception',
  'ISO 28000 8.1: an exception that admits a provider falling short of its security requirements, from request to approval by someone with the authority who did not request it, to rejection or withdrawal.',
  states => $wf$[
    {"state": "requested", "initial": true, "deletable": true, "description": "Asked for; admits nothing yet."},
    {"state": "approved", "frozen": true, "requires": {"approved_by": "the approver", "approved_on": "the approval date"}, "description": "In force from valid_from to valid_until; admits the provider for the requirement (or all)."},
    {"state": "rejected", "terminal": true, "frozen": true, "requires": {"status_note": "why it was rejected"}, "description": "Refused."},
    {"state": "withdrawn", "terminal": true, "frozen": true, "description": "Ended before its end date, or abandoned before a decision."}
  ]$wf$,
  transitions => $wf$[
    {"from": "requested", "to": "approved", "level": "write", "note": "8.1: approval by someone with the authority who did not request it (trigger provider_exception_approval_guard, IS523 to IS526)."},
    {"from": "requested", "to": "rejected", "level": "write", "note": "The exception is refused."},
    {"from": "requested", "to": "withdrawn", "level": "write", "note": "The request is abandoned."},
    {"from": "approved", "to": "withdrawn", "level": "write", "note": "The exception ends early (the provider now meets its requirements, or leaves)."}
  ]$wf$,
  builtin => true);
SELECT iso28000.attach_workflow('iso28000.provider_exception', 'provider_exception');

-- Each requirement a provider of a kind does not meet at a reliance, with the
-- approved exception in force that covers it (NULL: none) and, when none is in
-- force, the end date of the latest approved one that expired.
CREATE FUNCTION iso28000.provider_unmet_requirement(org bigint, node bigint, node_kind text, reliance integer)
RETURNS TABLE (requirement_id bigint, requirement_code text, status text,
               exception_id bigint, exception_expired_on date)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c record;
BEGIN
  -- One query per requirement short (a few): each reads one register of one
  -- organisation, which Citus routes to its shard, also from a shard.
  FOR c IN SELECT k.requirement_id, k.requirement_code, k.status
             FROM iso28000.provider_requirement_check(org, node, node_kind, reliance) k
            WHERE k.status <> ALL (ARRAY['met', 'expiring'])
  LOOP
    requirement_id := c.requirement_id;
    requirement_code := c.requirement_code;
    status := c.status;
    exception_expired_on := NULL;
    SELECT e.exception_id INTO exception_id FROM iso28000.provider_exception e
     WHERE e.org_id = org AND e.node_id = node AND e.status = 'approved'
       AND (e.requirement_id IS NULL OR e.requirement_id = c.requirement_id)
       AND e.valid_from <= current_date AND e.valid_until >= current_date
     ORDER BY e.valid_until DESC, e.exception_id LIMIT 1;
    IF exception_id IS NULL THEN
      SELECT e.valid_until INTO exception_expired_on FROM iso28000.provider_exception e
       WHERE e.org_id = org AND e.node_id = node AND e.status = 'approved'
         AND (e.requirement_id IS NULL OR e.requirement_id = c.requirement_id)
         AND e.valid_until < current_date
       ORDER BY e.valid_until DESC LIMIT 1;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION iso28000.provider_unmet_requirement(bigint, bigint, text, integer) IS
  'ISO 28000 8.1: Each requirement a provider of the given kind does not meet today at the given reliance (rank 1 to 4), with the approved exception in force that covers it (NULL when none) and, when none does, the end date of the latest approved exception that covered it and expired.';

-- The provider's status row: what the inclusion checks lock, and its flag.
CREATE TABLE iso28000.provider_inclusion (
  org_id      bigint NOT NULL REFERENCES iso28000.organization,
  node_id     bigint NOT NULL,
  state       text   NOT NULL DEFAULT 'not_provider',
  reliance    text,
  unmet       text,
  excepted    text,
  flagged_on  date,
  checked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, node_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id)
);
SELECT iso28000.register_table('iso28000.provider_inclusion');

COMMENT ON TABLE iso28000.provider_inclusion IS
  'ISO 28000 8.1, 9.1: Each provider''s standing as a condition of inclusion, recomputed by the database whenever its evidence, screenings, assessments, exceptions or links change, and by flag_provider_breaches() (for evidence that expires with time): included, excepted (admitted under an exception), breach (flagged) or not_provider. The inclusion checks lock its row. Written values are ignored: every write recomputes the row.';
COMMENT ON COLUMN iso28000.provider_inclusion.node_id IS 'The node.';
COMMENT ON COLUMN iso28000.provider_inclusion.state IS 'included (meets every requirement that applies), excepted (meets them or is covered by an approved exception in force), breach (falls short: flagged), not_provider (not an active external node).';
COMMENT ON COLUMN iso28000.provider_inclusion.reliance IS 'Strongest direct criticality with which something depends on it, when checked.';
COMMENT ON COLUMN iso28000.provider_inclusion.unmet IS 'Requirements it falls short of without an exception, as code:status, in code order; NULL when none.';
COMMENT ON COLUMN iso28000.provider_inclusion.excepted IS 'Requirements it falls short of that an exception covers, as code:exception_id; NULL when none.';
COMMENT ON COLUMN iso28000.provider_inclusion.flagged_on IS 'First day of the current breach; NULL when not in breach.';
COMMENT ON COLUMN iso28000.provider_inclusion.checked_at IS 'When the row was last recomputed.';

-- Recomputes a provider_inclusion row on every write, whatever the statement gave.
CREATE FUNCTION iso28000.provider_inclusion_compute()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n record;
  rel integer;
BEGIN
  SELECT sn.kind, sn.active AND sn.external AS provider INTO n
    FROM iso28000.supply_chain_node sn WHERE sn.org_id = NEW.org_id AND sn.node_id = NEW.node_id;
  rel := iso28000.provider_reliance(NEW.org_id, NEW.node_id);
  NEW.reliance := iso28000.criticality_label(rel);
  NEW.checked_at := pg_catalog.statement_timestamp();
  IF NOT coalesce(n.provider, false) THEN
    NEW.state := 'not_provider';
    NEW.unmet := NULL;
    NEW.excepted := NULL;
  ELSE
    SELECT string_agg(u.requirement_code || ':' || u.status, ', ' ORDER BY u.requirement_code)
             FILTER (WHERE u.exception_id IS NULL),
           string_agg(u.requirement_code || ':' || u.exception_id, ', ' ORDER BY u.requirement_code)
             FILTER (WHERE u.exception_id IS NOT NULL)
      INTO NEW.unmet, NEW.excepted
      FROM iso28000.provider_unmet_requirement(NEW.org_id, NEW.node_id, n.kind, rel) u;
    NEW.state := CASE WHEN NEW.unmet IS NOT NULL THEN 'breach'
                      WHEN NEW.excepted IS NOT NULL THEN 'excepted'
                      ELSE 'included' END;
  END IF;
  NEW.flagged_on := CASE WHEN NEW.state = 'breach' THEN
                      CASE WHEN TG_OP = 'UPDATE' AND OLD.state = 'breach' THEN OLD.flagged_on
                           ELSE current_date END END;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.provider_inclusion_compute() IS
  'Trigger on provider_inclusion (BEFORE INSERT OR UPDATE): recomputes state, reliance, unmet, excepted, flagged_on and checked_at from the registers, ignoring what the statement wrote.';
CREATE TRIGGER provider_inclusion_compute BEFORE INSERT OR UPDATE ON iso28000.provider_inclusion
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_compute();

-- Recomputes a node's provider_inclusion row (creating it), taking its row lock.
CREATE FUNCTION iso28000._provider_refresh(org bigint, node bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus cannot plan an SQL function's parameterised
  -- statement on a shard.
  INSERT INTO iso28000.provider_inclusion AS i (org_id, node_id) VALUES (org, node)
  ON CONFLICT (org_id, node_id) DO UPDATE SET state = i.state;
END
$$;
COMMENT ON FUNCTION iso28000._provider_refresh(bigint, bigint) IS
  'Internal: recomputes (creating it if needed) the provider_inclusion row of a node, which takes its row lock until the transaction ends.';

-- Refuses (IS520, IS521 or IS522) when a provider of a kind, at a reliance,
-- falls short of a requirement that no approved exception in force covers.
-- Locks the provider's provider_inclusion row FOR SHARE first (lock => true).
CREATE FUNCTION iso28000._provider_inclusion_check(org bigint, node bigint, node_kind text, reliance integer,
                                                   lock boolean, errcode text, tbl text, col text, what text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  code text;
  unmet text;
  all_expired boolean;
  expired_on date;
BEGIN
  IF lock THEN
    INSERT INTO iso28000.provider_inclusion (org_id, node_id) VALUES (org, node)
    ON CONFLICT (org_id, node_id) DO NOTHING;
    PERFORM 1 FROM iso28000.provider_inclusion i WHERE i.org_id = org AND i.node_id = node FOR SHARE;
  END IF;
  SELECT n.code INTO code FROM iso28000.supply_chain_node n WHERE n.org_id = org AND n.node_id = node;
  SELECT string_agg(u.requirement_code || ' (' || u.status || ')', ', ' ORDER BY u.requirement_code),
         bool_and(u.exception_expired_on IS NOT NULL), max(u.exception_expired_on)
    INTO unmet, all_expired, expired_on
    FROM iso28000.provider_unmet_requirement(org, node, node_kind, reliance) u
   WHERE u.exception_id IS NULL;
  IF unmet IS NULL THEN
    RETURN;
  END IF;
  IF all_expired THEN
    RAISE EXCEPTION '%: provider "%" (node %) falls short of % and its exception expired on %',
                    what, coalesce(code, '?'), node, unmet, expired_on
      USING ERRCODE = 'IS522', SCHEMA = 'iso28000', TABLE = tbl, COLUMN = col,
            DETAIL = 'A provider is included only while it meets its security requirements, or under an approved exception before its end date.',
            HINT = 'Record current evidence, or request and have approved a new exception.';
  END IF;
  RAISE EXCEPTION '%: provider "%" (node %) falls short of %', what, coalesce(code, '?'), node, unmet
    USING ERRCODE = errcode, SCHEMA = 'iso28000', TABLE = tbl, COLUMN = col,
          DETAIL = format('A provider meets its security requirements as a condition of being included in the supply chain (at reliance %s).',
                          coalesce(iso28000.criticality_label(reliance), 'none')),
          HINT = 'Record valid evidence (provider_evidence, a passed partner_screening) or a current assessment, or have an exception approved (provider_exception).';
END
$$;
COMMENT ON FUNCTION iso28000._provider_inclusion_check(bigint, bigint, text, integer, boolean, text, text, text, text) IS
  'Internal: refuses (the given SQLSTATE, or IS522 when only expired exceptions covered the shortfall) when a provider of the kind, at the reliance, falls short of a requirement no approved exception in force covers; with lock, first takes its provider_inclusion row FOR SHARE.';

-- A node becomes an active provider (inserted or updated to active and external).
CREATE FUNCTION iso28000.supply_chain_node_inclusion_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.active AND NEW.external
     AND (TG_OP = 'INSERT' OR NOT (OLD.active AND OLD.external) OR NEW.kind IS DISTINCT FROM OLD.kind) THEN
    PERFORM iso28000._provider_inclusion_check(
      NEW.org_id, NEW.node_id, NEW.kind,
      iso28000.provider_reliance(NEW.org_id, NEW.node_id),
      true, 'IS520', 'supply_chain_node', 'active',
      format('iso28000.supply_chain_node (org_id, node_id)=(%s, %s) cannot become an active provider', NEW.org_id, NEW.node_id));
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.supply_chain_node_inclusion_guard() IS
  'Constraint trigger on supply_chain_node (AFTER INSERT OR UPDATE, deferrable, initially immediate): a node that becomes an active external node (or changes kind while one) must meet the security requirements that apply to it, or be covered by an approved exception in force (IS520; IS522 when the exception expired).';
-- A constraint trigger, checked at the end of the statement; an import that
-- brings a provider with its evidence in one transaction defers it
-- (SET CONSTRAINTS iso28000.inclusion_guard DEFERRED, as import_registers does).
CREATE CONSTRAINT TRIGGER inclusion_guard AFTER INSERT OR UPDATE ON iso28000.supply_chain_node
  DEFERRABLE INITIALLY IMMEDIATE
  FOR EACH ROW EXECUTE FUNCTION iso28000.supply_chain_node_inclusion_guard();

-- A link of criticality high or critical to an active provider is created or raised.
CREATE FUNCTION iso28000.dependency_inclusion_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
  target bigint;
  old_target bigint;
  newrank integer := iso28000.criticality_rank(NEW.criticality);
  n record;
BEGIN
  IF tbl = 'supply_chain_dependency' THEN
    target := NEW.depends_on_id;
    old_target := CASE WHEN TG_OP = 'UPDATE' THEN OLD.depends_on_id END;
  ELSE
    target := NEW.node_id;
    old_target := CASE WHEN TG_OP = 'UPDATE' THEN OLD.node_id END;
  END IF;
  IF newrank >= 3
     AND (TG_OP = 'INSERT' OR target IS DISTINCT FROM old_target
          OR newrank > iso28000.criticality_rank(OLD.criticality)) THEN
    SELECT sn.kind, sn.active AND sn.external AS provider INTO n
      FROM iso28000.supply_chain_node sn WHERE sn.org_id = NEW.org_id AND sn.node_id = target;
    IF coalesce(n.provider, false) THEN
      PERFORM iso28000._provider_inclusion_check(
        NEW.org_id, target, n.kind,
        greatest(iso28000.provider_reliance(NEW.org_id, target), newrank),
        true, 'IS521', tbl, 'criticality',
        format('iso28000.%s of organisation %s: a %s link to node %s', tbl, NEW.org_id, NEW.criticality, target));
    END IF;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.dependency_inclusion_guard() IS
  'Constraint trigger on supply_chain_dependency and process_dependency (AFTER INSERT OR UPDATE, deferrable, initially immediate): a link of criticality high or critical to an active external node, created, moved to it or raised, needs the provider to meet the requirements that apply at the reliance it then has, or an approved exception in force (IS521; IS522 when the exception expired). Takes the provider''s provider_inclusion row FOR SHARE.';
CREATE CONSTRAINT TRIGGER inclusion_guard AFTER INSERT OR UPDATE ON iso28000.supply_chain_dependency
  DEFERRABLE INITIALLY IMMEDIATE
  FOR EACH ROW EXECUTE FUNCTION iso28000.dependency_inclusion_guard();
CREATE CONSTRAINT TRIGGER inclusion_guard AFTER INSERT OR UPDATE ON iso28000.process_dependency
  DEFERRABLE INITIALLY IMMEDIATE
  FOR EACH ROW EXECUTE FUNCTION iso28000.dependency_inclusion_guard();

-- Checks a row already written (a node, or a link from a node or a process)
-- against the condition of inclusion, as its constraint trigger does at the end
-- of a statement: for an import that deferred the triggers and lists its
-- problems row by row (import_registers).
CREATE FUNCTION iso28000.provider_inclusion_recheck(register text, org bigint, id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n record;
  d record;
BEGIN
  IF register = 'supply_chain_node' THEN
    SELECT sn.kind, sn.active AND sn.external AS provider INTO n
      FROM iso28000.supply_chain_node sn WHERE sn.org_id = org AND sn.node_id = id;
    IF coalesce(n.provider, false) THEN
      PERFORM iso28000._provider_inclusion_check(
        org, id, n.kind, iso28000.provider_reliance(org, id), true, 'IS520', 'supply_chain_node', 'active',
        format('iso28000.supply_chain_node (org_id, node_id)=(%s, %s) cannot become an active provider', org, id));
    END IF;
  ELSIF register IN ('supply_chain_dependency', 'process_dependency') THEN
    IF register = 'supply_chain_dependency' THEN
      SELECT x.depends_on_id AS target, x.criticality INTO d
        FROM iso28000.supply_chain_dependency x WHERE x.org_id = org AND x.dependency_id = id;
    ELSE
      SELECT x.node_id AS target, x.criticality INTO d
        FROM iso28000.process_dependency x WHERE x.org_id = org AND x.process_dependency_id = id;
    END IF;
    IF iso28000.criticality_rank(d.criticality) >= 3 THEN
      SELECT sn.kind, sn.active AND sn.external AS provider INTO n
        FROM iso28000.supply_chain_node sn WHERE sn.org_id = org AND sn.node_id = d.target;
      IF coalesce(n.provider, false) THEN
        PERFORM iso28000._provider_inclusion_check(
          org, d.target, n.kind, iso28000.provider_reliance(org, d.target), true, 'IS521', register, 'criticality',
          format('iso28000.%s of organisation %s: a %s link to node %s', register, org, d.criticality, d.target));
      END IF;
    END IF;
  END IF;
END
$$;
COMMENT ON FUNCTION iso28000.provider_inclusion_recheck(text, bigint, bigint) IS
  'ISO 28000 8.1: Checks a row already written of supply_chain_node, supply_chain_dependency or process_dependency (by its id) against the condition of inclusion, as its constraint trigger inclusion_guard does (IS520, IS521, IS522); for an import that deferred the triggers and lists problems row by row.';

-- After a change of what a provider's standing rests on: recompute its row.
CREATE FUNCTION iso28000.provider_inclusion_refresh()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  col text := coalesce(TG_ARGV[0], 'node_id');
  nodes bigint[];
  org bigint;
  nd bigint;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    org := OLD.org_id;
    nodes := nodes || (to_jsonb(OLD) ->> col)::bigint;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    org := NEW.org_id;
    nodes := nodes || (to_jsonb(NEW) ->> col)::bigint;
  END IF;
  FOREACH nd IN ARRAY ARRAY(SELECT DISTINCT x FROM unnest(nodes) x WHERE x IS NOT NULL ORDER BY x) LOOP
    IF EXISTS (SELECT FROM iso28000.supply_chain_node sn
                WHERE sn.org_id = org AND sn.node_id = nd AND sn.external)
       OR EXISTS (SELECT FROM iso28000.provider_inclusion i WHERE i.org_id = org AND i.node_id = nd) THEN
      PERFORM iso28000._provider_refresh(org, nd);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.provider_inclusion_refresh() IS
  'Trigger (AFTER INSERT OR UPDATE OR DELETE, argument: the column naming the node, default node_id): recomputes the provider_inclusion row of each external node the changed row names, so a provider whose evidence is withdrawn is flagged at once.';
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.provider_evidence
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.partner_screening
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.provider_assessment
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.provider_exception
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.supply_chain_dependency
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh('depends_on_id');
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.process_dependency
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();
CREATE TRIGGER inclusion_refresh AFTER UPDATE OF active, external, kind ON iso28000.supply_chain_node
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();

-- For a scheduler: recompute every external node of an organisation (evidence
-- and exceptions also expire with time, when nothing is written) and return
-- those in breach.
CREATE FUNCTION iso28000.flag_provider_breaches(org bigint)
RETURNS TABLE (node_id bigint, node_code text, unmet text, flagged_on date)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  nd bigint;
BEGIN
  PERFORM iso28000.require_level(org, 'write');
  FOR nd IN SELECT sn.node_id FROM iso28000.supply_chain_node sn
             WHERE sn.org_id = org AND sn.external ORDER BY sn.node_id LOOP
    PERFORM iso28000._provider_refresh(org, nd);
  END LOOP;
  RETURN QUERY
    SELECT i.node_id, sn.code, i.unmet, i.flagged_on
      FROM iso28000.provider_inclusion i
      JOIN iso28000.supply_chain_node sn ON sn.org_id = i.org_id AND sn.node_id = i.node_id
     WHERE i.org_id = org AND i.state = 'breach'
     ORDER BY sn.code;
END
$$;
COMMENT ON FUNCTION iso28000.flag_provider_breaches(bigint) IS
  'ISO 28000 8.1, 9.1: For a scheduler (pg_cron, a daily job): recomputes the standing (provider_inclusion) of every external node of the organisation, so that evidence, assessments and exceptions that lapsed with time flag their providers, and returns the providers in breach with what they fall short of and since when. Needs write (IS001).';

CREATE VIEW iso28000.provider_inclusion_breach WITH (security_invoker = true) AS
SELECT i.org_id, i.node_id, n.code AS node_code, n.name AS node_name, n.kind AS node_kind,
       i.reliance, i.unmet, i.excepted, i.flagged_on, current_date - i.flagged_on AS days_flagged, i.checked_at
  FROM iso28000.provider_inclusion i
  JOIN iso28000.supply_chain_node n ON n.org_id = i.org_id AND n.node_id = i.node_id
 WHERE i.state = 'breach';
COMMENT ON VIEW iso28000.provider_inclusion_breach IS
  'ISO 28000 8.1, 9.1: Providers flagged in breach of the condition of inclusion: active external nodes that fall short of a requirement that applies to them with no approved exception in force, as last recomputed (flag_provider_breaches() recomputes them all).';
GRANT SELECT ON iso28000.provider_inclusion_breach TO PUBLIC;
COMMENT ON COLUMN iso28000.provider_inclusion_breach.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.node_id IS 'The provider.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.node_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.reliance IS 'Strongest direct criticality with which something depends on it.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.unmet IS 'Requirements it falls short of, as code:status, in code order, separated by a comma and a space.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.excepted IS 'Requirements it falls short of that an exception covers, as code:exception_id.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.flagged_on IS 'First day of the breach.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.days_flagged IS 'Days since flagged_on.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.checked_at IS 'When the standing was last recomputed.';

CREATE VIEW iso28000.provider_exception_status WITH (security_invoker = true) AS
SELECT e.org_id, e.exception_id, e.node_id, n.code AS node_code, n.name AS node_name,
       r.code AS requirement_code, e.reason, e.status, rq.full_name AS requested_by_name,
       ap.full_name AS approved_by_name, e.approved_on, e.valid_from, e.valid_until,
       CASE WHEN e.status <> 'approved' THEN e.status
            WHEN e.valid_until < current_date THEN 'expired'
            WHEN e.valid_from > current_date THEN 'not_yet_in_force'
            ELSE 'in_force' END AS standing,
       e.valid_until - current_date AS days_left
  FROM iso28000.provider_exception e
  JOIN iso28000.supply_chain_node n ON n.org_id = e.org_id AND n.node_id = e.node_id
  LEFT JOIN iso28000.security_requirement r ON r.org_id = e.org_id AND r.requirement_id = e.requirement_id
  LEFT JOIN iso28000.person rq ON rq.org_id = e.org_id AND rq.person_id = e.requested_by
  LEFT JOIN iso28000.person ap ON ap.org_id = e.org_id AND ap.person_id = e.approved_by;
COMMENT ON VIEW iso28000.provider_exception_status IS
  'ISO 28000 8.1: Every provider exception with its standing today: requested, in_force, not_yet_in_force, expired (approved, past its end date), rejected or withdrawn, and the days left.';
GRANT SELECT ON iso28000.provider_exception_status TO PUBLIC;
COMMENT ON COLUMN iso28000.provider_exception_status.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.provider_exception_status.exception_id IS 'The exception.';
COMMENT ON COLUMN iso28000.provider_exception_status.node_id IS 'The provider.';
COMMENT ON COLUMN iso28000.provider_exception_status.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_exception_status.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.provider_exception_status.requirement_code IS 'The requirement it covers; NULL: every requirement.';
COMMENT ON COLUMN iso28000.provider_exception_status.reason IS 'Why the provider is admitted.';
COMMENT ON COLUMN iso28000.provider_exception_status.status IS 'Its workflow state: requested, approved, rejected or withdrawn.';
COMMENT ON COLUMN iso28000.provider_exception_status.requested_by_name IS 'Who requested it.';
COMMENT ON COLUMN iso28000.provider_exception_status.approved_by_name IS 'Who approved it.';
COMMENT ON COLUMN iso28000.provider_exception_status.approved_on IS 'Day of approval.';
COMMENT ON COLUMN iso28000.provider_exception_status.valid_from IS 'First day it counts.';
COMMENT ON COLUMN iso28000.provider_exception_status.valid_until IS 'Its end date.';
COMMENT ON COLUMN iso28000.provider_exception_status.standing IS 'requested, in_force, not_yet_in_force, expired, rejected or withdrawn.';
COMMENT ON COLUMN iso28000.provider_exception_status.days_left IS 'Days from today to the end date (negative once expired).';

------------------------------------------------------------------------------
-- Supply-chain segments and their security assessments (8.1, 8.2, 6.1.2, 8.3)
--
-- A segment is a named part of the dependency graph (its nodes, and the links
-- between them), upstream or downstream of the organisation, within the scope
-- of the SMS.  A security assessment of a segment scores each threat scenario
-- (iso28000.threat_scenario) with a risk_rating, names the countermeasures
-- (controls, and controls applied at nodes: upstream, at the node, downstream)
-- and the residual rating, and is approved through the workflow engine by
-- someone other than the assessor (IS530 to IS534).
------------------------------------------------------------------------------

CREATE TABLE iso28000.supply_chain_segment (
  org_id              bigint NOT NULL REFERENCES iso28000.organization,
  segment_id          bigint GENERATED ALWAYS AS IDENTITY,
  code                text   NOT NULL,
  name                text   NOT NULL,
  direction           text   NOT NULL,
  description         text,
  sms_scope_id        bigint,
  owner_id            bigint,
  assessment_interval interval NOT NULL DEFAULT '1 year',
  active              boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, segment_id),
  UNIQUE (org_id, code),
  FOREIGN KEY (org_id, sms_scope_id) REFERENCES iso28000.sms_scope (org_id, sms_scope_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT supply_chain_segment_code_check CHECK (btrim(code) <> ''),
  CONSTRAINT supply_chain_segment_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT supply_chain_segment_direction_check CHECK (direction IN ('upstream', 'downstream', 'internal', 'end_to_end')),
  CONSTRAINT supply_chain_segment_interval_check CHECK (assessment_interval > '0'::interval)
);
SELECT iso28000.register_table('iso28000.supply_chain_segment');
COMMENT ON TABLE iso28000.supply_chain_segment IS
  'ISO 28000 4.3, 8.1, 8.2: Segments of the supply chain in the scope of the SMS: named parts of the dependency graph (their nodes in segment_node, the links between them in supply_chain_segment_link), upstream or downstream of the organisation, each assessed for security periodically.';
COMMENT ON COLUMN iso28000.supply_chain_segment.code IS 'Short identification, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.supply_chain_segment.name IS 'Name (required, not blank).';
COMMENT ON COLUMN iso28000.supply_chain_segment.direction IS 'upstream (what comes to the organisation), downstream (what leaves it), internal or end_to_end.';
COMMENT ON COLUMN iso28000.supply_chain_segment.description IS 'What the segment covers: routes, flows, partners.';
COMMENT ON COLUMN iso28000.supply_chain_segment.sms_scope_id IS 'The SMS scope version (4.3) that includes it.';
COMMENT ON COLUMN iso28000.supply_chain_segment.owner_id IS 'Who is responsible for its security.';
COMMENT ON COLUMN iso28000.supply_chain_segment.assessment_interval IS 'How often its security is assessed (positive; default 1 year).';
COMMENT ON COLUMN iso28000.supply_chain_segment.active IS 'False once the segment is no longer used.';

CREATE TABLE iso28000.segment_node (
  org_id          bigint NOT NULL REFERENCES iso28000.organization,
  segment_node_id bigint GENERATED ALWAYS AS IDENTITY,
  segment_id      bigint NOT NULL,
  node_id         bigint NOT NULL,
  PRIMARY KEY (org_id, segment_node_id),
  UNIQUE (org_id, segment_id, node_id),
  FOREIGN KEY (org_id, segment_id) REFERENCES iso28000.supply_chain_segment (org_id, segment_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id)
);
SELECT iso28000.register_table('iso28000.segment_node');
COMMENT ON TABLE iso28000.segment_node IS
  'ISO 28000 8.1, 8.2: The nodes of each supply-chain segment; the links between them belong to the segment (supply_chain_segment_link).';
COMMENT ON COLUMN iso28000.segment_node.segment_id IS 'The segment.';
COMMENT ON COLUMN iso28000.segment_node.node_id IS 'A node of it; once per segment.';

CREATE VIEW iso28000.supply_chain_segment_link WITH (security_invoker = true) AS
SELECT s.org_id, s.segment_id, s.code AS segment_code, d.dependency_id, d.node_id, a.code AS node_code,
       d.depends_on_id, b.code AS depends_on_code, d.criticality, d.flow
  FROM iso28000.supply_chain_segment s
  JOIN iso28000.segment_node sa ON sa.org_id = s.org_id AND sa.segment_id = s.segment_id
  JOIN iso28000.segment_node sb ON sb.org_id = s.org_id AND sb.segment_id = s.segment_id
  JOIN iso28000.supply_chain_dependency d ON d.org_id = s.org_id AND d.node_id = sa.node_id AND d.depends_on_id = sb.node_id
  JOIN iso28000.supply_chain_node a ON a.org_id = d.org_id AND a.node_id = d.node_id
  JOIN iso28000.supply_chain_node b ON b.org_id = d.org_id AND b.node_id = d.depends_on_id;
COMMENT ON VIEW iso28000.supply_chain_segment_link IS
  'ISO 28000 8.1, 8.2: The dependency links of each segment: every link between two of its nodes.';
GRANT SELECT ON iso28000.supply_chain_segment_link TO PUBLIC;
COMMENT ON COLUMN iso28000.supply_chain_segment_link.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.segment_id IS 'The segment.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.segment_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.dependency_id IS 'The link.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.node_id IS 'The dependent node.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.depends_on_id IS 'The node it depends on.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.depends_on_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.criticality IS 'Criticality of the link.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.flow IS 'What flows along it.';

CREATE TABLE iso28000.segment_assessment (
  org_id                bigint NOT NULL REFERENCES iso28000.organization,
  segment_assessment_id bigint GENERATED ALWAYS AS IDENTITY,
  segment_id            bigint NOT NULL,
  title                 text   NOT NULL,
  method                text,
  assessor_id           bigint NOT NULL,
  assessed_on           date   NOT NULL DEFAULT current_date,
  summary               text,
  status                text   NOT NULL DEFAULT 'draft',
  approved_by           bigint,
  approved_on           date,
  status_changed_at     timestamptz,
  status_changed_by     name,
  status_note           text,
  PRIMARY KEY (org_id, segment_assessment_id),
  FOREIGN KEY (org_id, segment_id) REFERENCES iso28000.supply_chain_segment (org_id, segment_id),
  FOREIGN KEY (org_id, assessor_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, approved_by) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT segment_assessment_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT segment_assessment_approval_check CHECK ((approved_by IS NULL) = (approved_on IS NULL)),
  CONSTRAINT segment_assessment_approved_after_check CHECK (approved_on >= assessed_on)
);
SELECT iso28000.register_table('iso28000.segment_assessment');
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.segment_assessment
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('approved_by:approved');
COMMENT ON TABLE iso28000.segment_assessment IS
  'ISO 28000 6.1.2, 8.1, 8.3: Security assessments of supply-chain segments (in the manner of ISO 28001): each threat scenario scored with a risk_rating, its countermeasures and residual rating (segment_scenario_score, segment_countermeasure), approved through workflow segment_assessment by someone other than the assessor.';
COMMENT ON COLUMN iso28000.segment_assessment.segment_id IS 'The segment assessed.';
COMMENT ON COLUMN iso28000.segment_assessment.title IS 'Title (required, not blank).';
COMMENT ON COLUMN iso28000.segment_assessment.method IS 'How it was assessed: workshop, site visits, questionnaires.';
COMMENT ON COLUMN iso28000.segment_assessment.assessor_id IS 'Who assessed (required).';
COMMENT ON COLUMN iso28000.segment_assessment.assessed_on IS 'Day of the assessment.';
COMMENT ON COLUMN iso28000.segment_assessment.summary IS 'Conclusions.';
COMMENT ON COLUMN iso28000.segment_assessment.status IS 'draft, submitted, approved or withdrawn (workflow segment_assessment).';
COMMENT ON COLUMN iso28000.segment_assessment.approved_by IS 'Who approved it: the acting person when it enters approved, never the assessor.';
COMMENT ON COLUMN iso28000.segment_assessment.approved_on IS 'Day of approval (filled when it enters approved); not before assessed_on.';
COMMENT ON COLUMN iso28000.segment_assessment.status_changed_at IS 'When the status last changed (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.segment_assessment.status_changed_by IS 'Database role that last changed the status (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.segment_assessment.status_note IS 'Note for the next transition; copied into the workflow event log.';

CREATE TABLE iso28000.segment_scenario_score (
  org_id                bigint NOT NULL REFERENCES iso28000.organization,
  score_id              bigint GENERATED ALWAYS AS IDENTITY,
  segment_assessment_id bigint NOT NULL,
  threat_scenario_id    bigint NOT NULL,
  node_id               bigint,
  rating                iso28000.risk_rating NOT NULL,
  residual_rating       iso28000.risk_rating,
  rationale             text,
  PRIMARY KEY (org_id, score_id),
  FOREIGN KEY (org_id, segment_assessment_id) REFERENCES iso28000.segment_assessment (org_id, segment_assessment_id),
  FOREIGN KEY (org_id, threat_scenario_id) REFERENCES iso28000.threat_scenario (org_id, threat_scenario_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  CONSTRAINT segment_scenario_score_residual_check CHECK (residual_rating <= rating)
);
SELECT iso28000.register_table('iso28000.segment_scenario_score');
CREATE UNIQUE INDEX segment_scenario_score_unique
  ON iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, coalesce(node_id, 0));
COMMENT ON TABLE iso28000.segment_scenario_score IS
  'ISO 28000 6.1.2, 8.3: Each threat scenario scored in a segment assessment: likelihood x consequence (risk_rating) before and after the countermeasures, for the whole segment or one of its nodes.';
COMMENT ON COLUMN iso28000.segment_scenario_score.segment_assessment_id IS 'The assessment.';
COMMENT ON COLUMN iso28000.segment_scenario_score.threat_scenario_id IS 'The threat scenario (threat_scenario).';
COMMENT ON COLUMN iso28000.segment_scenario_score.node_id IS 'The node of the segment it is scored at; NULL: the whole segment.';
COMMENT ON COLUMN iso28000.segment_scenario_score.rating IS 'Likelihood x consequence without the countermeasures (required).';
COMMENT ON COLUMN iso28000.segment_scenario_score.residual_rating IS 'Likelihood x consequence with them; not above rating.';
COMMENT ON COLUMN iso28000.segment_scenario_score.rationale IS 'Why these ratings.';

CREATE TABLE iso28000.segment_countermeasure (
  org_id            bigint NOT NULL REFERENCES iso28000.organization,
  countermeasure_id bigint GENERATED ALWAYS AS IDENTITY,
  score_id          bigint NOT NULL,
  control_id        bigint,
  node_control_id   bigint,
  position          text   NOT NULL,
  description       text,
  PRIMARY KEY (org_id, countermeasure_id),
  FOREIGN KEY (org_id, score_id) REFERENCES iso28000.segment_scenario_score (org_id, score_id),
  FOREIGN KEY (org_id, control_id) REFERENCES iso28000.control (org_id, control_id),
  FOREIGN KEY (org_id, node_control_id) REFERENCES iso28000.node_control (org_id, node_control_id),
  CONSTRAINT segment_countermeasure_what_check CHECK (control_id IS NOT NULL OR node_control_id IS NOT NULL),
  CONSTRAINT segment_countermeasure_position_check CHECK (position IN ('upstream', 'at_node', 'downstream'))
);
SELECT iso28000.register_table('iso28000.segment_countermeasure');
COMMENT ON TABLE iso28000.segment_countermeasure IS
  'ISO 28000 8.3, 8.4, 8.5: The countermeasures named for a scored threat scenario: a control, or a control applied at a node (node_control), upstream, at the node or downstream.';
COMMENT ON COLUMN iso28000.segment_countermeasure.score_id IS 'The scored scenario.';
COMMENT ON COLUMN iso28000.segment_countermeasure.control_id IS 'The control; it or node_control_id is required.';
COMMENT ON COLUMN iso28000.segment_countermeasure.node_control_id IS 'The control as applied at a node of the segment.';
COMMENT ON COLUMN iso28000.segment_countermeasure.position IS 'upstream, at_node or downstream.';
COMMENT ON COLUMN iso28000.segment_countermeasure.description IS 'How it counters the scenario.';

-- Scores and countermeasures belong to their assessment: frozen once it is
-- approved or withdrawn (IS533), and their nodes are nodes of its segment (IS534).
CREATE FUNCTION iso28000.segment_assessment_part_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
  rec record := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  ids bigint[];
  a record;
  nd bigint;
BEGIN
  IF tbl = 'segment_scenario_score' THEN
    ids := ARRAY[rec.segment_assessment_id] || CASE WHEN TG_OP = 'UPDATE' THEN ARRAY[OLD.segment_assessment_id] ELSE '{}' END;
  ELSE
    SELECT array_agg(s.segment_assessment_id) INTO ids FROM iso28000.segment_scenario_score s
     WHERE s.org_id = rec.org_id
       AND s.score_id IN (rec.score_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.score_id END);
  END IF;
  FOR a IN SELECT x.segment_assessment_id, x.segment_id, x.status FROM iso28000.segment_assessment x
            WHERE x.org_id = rec.org_id AND x.segment_assessment_id = ANY (ids) LOOP
    IF a.status IN ('approved', 'withdrawn') THEN
      RAISE EXCEPTION 'iso28000.% of organisation %: assessment % is %, its scores and countermeasures cannot change',
                      tbl, rec.org_id, a.segment_assessment_id, a.status
        USING ERRCODE = 'IS533', SCHEMA = 'iso28000', TABLE = tbl,
              COLUMN = CASE WHEN tbl = 'segment_scenario_score' THEN 'segment_assessment_id' ELSE 'score_id' END,
              DETAIL = 'An approved assessment is a record of what was decided; a new assessment records a change.';
    END IF;
  END LOOP;
  IF TG_OP <> 'DELETE' THEN
    IF tbl = 'segment_scenario_score' THEN
      nd := NEW.node_id;
    ELSE
      SELECT c.node_id INTO nd FROM iso28000.node_control c
       WHERE c.org_id = NEW.org_id AND c.node_control_id = NEW.node_control_id;
    END IF;
    IF nd IS NOT NULL AND NOT EXISTS (
         SELECT FROM iso28000.segment_assessment x
           JOIN iso28000.segment_node sn ON sn.org_id = x.org_id AND sn.segment_id = x.segment_id
          WHERE x.org_id = NEW.org_id AND x.segment_assessment_id = ANY (ids) AND sn.node_id = nd) THEN
      RAISE EXCEPTION 'iso28000.% of organisation %: node % is not a node of the assessed segment',
                      tbl, NEW.org_id, nd
        USING ERRCODE = 'IS534', SCHEMA = 'iso28000', TABLE = tbl,
              COLUMN = CASE WHEN tbl = 'segment_scenario_score' THEN 'node_id' ELSE 'node_control_id' END,
              DETAIL = 'A scenario is scored, and a control applied, at a node of the segment (segment_node).';
    END IF;
  END IF;
  RETURN rec;
END
$$;
COMMENT ON FUNCTION iso28000.segment_assessment_part_guard() IS
  'Trigger on segment_scenario_score and segment_countermeasure (BEFORE INSERT OR UPDATE OR DELETE): nothing changes once the assessment is approved or withdrawn (IS533); the node scored, or of the node control named, is a node of the assessed segment (IS534).';
CREATE TRIGGER segment_assessment_part_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.segment_scenario_score
  FOR EACH ROW EXECUTE FUNCTION iso28000.segment_assessment_part_guard();
CREATE TRIGGER segment_assessment_part_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.segment_countermeasure
  FOR EACH ROW EXECUTE FUNCTION iso28000.segment_assessment_part_guard();

-- Approval of a segment assessment: by the acting person (IS531), not the
-- assessor (IS530), with at least one scenario scored (IS532).
CREATE FUNCTION iso28000.segment_assessment_approval_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec text := format('iso28000.segment_assessment (org_id, segment_assessment_id)=(%s, %s)', NEW.org_id, NEW.segment_assessment_id);
BEGIN
  IF NEW.status IS DISTINCT FROM 'approved' OR OLD.status IS NOT DISTINCT FROM 'approved' THEN
    RETURN NEW;
  END IF;
  PERFORM iso28000._approving_person('segment_assessment', rec, NEW.org_id, NEW.assessor_id, 'assessed', 'IS531', 'IS530');
  IF NOT EXISTS (SELECT FROM iso28000.segment_scenario_score s
                  WHERE s.org_id = NEW.org_id AND s.segment_assessment_id = NEW.segment_assessment_id) THEN
    RAISE EXCEPTION '% cannot be approved: it scores no threat scenario', rec
      USING ERRCODE = 'IS532', SCHEMA = 'iso28000', TABLE = 'segment_assessment', COLUMN = 'status',
            DETAIL = 'A security assessment scores at least one threat scenario (segment_scenario_score).';
  END IF;
  NEW.approved_on := coalesce(NEW.approved_on, current_date);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.segment_assessment_approval_guard() IS
  'Trigger on segment_assessment (BEFORE UPDATE): entering approved needs an acting person (IS531) who is not the assessor (IS530) and at least one scored threat scenario (IS532); fills approved_on.';
CREATE TRIGGER segment_assessment_approval_guard BEFORE UPDATE ON iso28000.segment_assessment
  FOR EACH ROW EXECUTE FUNCTION iso28000.segment_assessment_approval_guard();

SELECT iso28000.define_workflow('segment_assessment',
  'ISO 28000 6.1.2, 8.1: a security assessment of a supply-chain segment, from draft through submission to approval by someone other than the assessor.',
  states => $wf$[
    {"state": "draft", "initial": true, "deletable": true, "description": "Being assessed: scenarios scored, countermeasures named."},
    {"state": "submitted", "description": "Submitted for approval."},
    {"state": "approved", "frozen": true, "requires": {"approved_by": "the approver", "approved_on": "the approval date"}, "description": "Approved; its scores and countermeasures are frozen."},
    {"state": "withdrawn", "terminal": true, "frozen": true, "description": "Abandoned, or replaced by a later assessment."}
  ]$wf$,
  transitions => $wf$[
    {"from": "draft", "to": "submitted", "level": "write", "note": "The assessor submits it."},
    {"from": "submitted", "to": "draft", "level": "write", "note": "Sent back for changes."},
    {"from": "submitted", "to": "approved", "level": "write", "note": "Approval by someone other than the assessor (trigger segment_assessment_approval_guard, IS530 to IS532)."},
    {"from": "draft", "to": "withdrawn", "level": "write", "note": "Abandoned."},
    {"from": "submitted", "to": "withdrawn", "level": "write", "note": "Abandoned."},
    {"from": "approved", "to": "withdrawn", "level": "write", "note": "Replaced by a later assessment."}
  ]$wf$,
  builtin => true);
SELECT iso28000.attach_workflow('iso28000.segment_assessment', 'segment_assessment');

CREATE VIEW iso28000.segment_assessment_due WITH (security_invoker = true) AS
SELECT s.org_id, s.segment_id, s.code AS segment_code, s.name AS segment_name, s.owner_id,
       l.last_approved_on,
       CASE WHEN l.last_approved_on IS NULL THEN 'never_assessed' ELSE 'overdue' END AS reason,
       (l.last_approved_on + s.assessment_interval)::date AS due_on,
       current_date - (l.last_approved_on + s.assessment_interval)::date AS days_overdue
  FROM iso28000.supply_chain_segment s
  LEFT JOIN LATERAL (SELECT max(a.assessed_on) AS last_approved_on FROM iso28000.segment_assessment a
                      WHERE a.org_id = s.org_id AND a.segment_id = s.segment_id AND a.status = 'approved') l ON true
 WHERE s.active
   AND (l.last_approved_on IS NULL OR (l.last_approved_on + s.assessment_interval)::date < current_date);
COMMENT ON VIEW iso28000.segment_assessment_due IS
  'ISO 28000 6.1.2, 8.1, 9.1: Active supply-chain segments never assessed (no approved security assessment) or whose last approved assessment is older than their assessment_interval.';
GRANT SELECT ON iso28000.segment_assessment_due TO PUBLIC;
COMMENT ON COLUMN iso28000.segment_assessment_due.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.segment_assessment_due.segment_id IS 'The segment.';
COMMENT ON COLUMN iso28000.segment_assessment_due.segment_code IS 'Its code.';
COMMENT ON COLUMN iso28000.segment_assessment_due.segment_name IS 'Its name.';
COMMENT ON COLUMN iso28000.segment_assessment_due.owner_id IS 'Who is responsible for it.';
COMMENT ON COLUMN iso28000.segment_assessment_due.last_approved_on IS 'Day of the latest approved assessment; NULL if none.';
COMMENT ON COLUMN iso28000.segment_assessment_due.reason IS 'never_assessed or overdue.';
COMMENT ON COLUMN iso28000.segment_assessment_due.due_on IS 'When the next assessment was due; NULL if never assessed.';
COMMENT ON COLUMN iso28000.segment_assessment_due.days_overdue IS 'Days since due_on; NULL if never assessed.';

-- The latest approved assessment of each segment.
CREATE VIEW iso28000.segment_scenario_above_appetite WITH (security_invoker = true) AS
WITH latest AS (
  SELECT DISTINCT ON (a.org_id, a.segment_id) a.org_id, a.segment_id, a.segment_assessment_id, a.assessed_on
    FROM iso28000.segment_assessment a
   WHERE a.status = 'approved'
   ORDER BY a.org_id, a.segment_id, a.assessed_on DESC, a.segment_assessment_id DESC
),
-- The organisation's band of each score from a join on its matrix cells (on
-- Citus the SQL function band(org, rating) cannot read them from a shard).
scored AS (
  SELECT l.org_id, l.segment_id, l.segment_assessment_id, l.assessed_on, s.threat_scenario_id, s.node_id,
         s.rating, s.residual_rating,
         coalesce(bc.band, iso28000.band(coalesce(s.residual_rating, s.rating))) AS band
    FROM latest l
    JOIN iso28000.segment_scenario_score s ON s.org_id = l.org_id AND s.segment_assessment_id = l.segment_assessment_id
    LEFT JOIN iso28000.risk_band_cell bc ON bc.org_id = s.org_id AND bc.rating = coalesce(s.residual_rating, s.rating)
)
SELECT s.org_id, s.segment_id, g.code AS segment_code, s.segment_assessment_id, s.assessed_on,
       t.threat_scenario_id, t.code AS scenario_code, t.title AS scenario_title, n.code AS node_code,
       s.rating::text AS rating, s.residual_rating::text AS residual_rating,
       s.band, ap.max_band AS appetite_band
  FROM scored s
  JOIN iso28000.supply_chain_segment g ON g.org_id = s.org_id AND g.segment_id = s.segment_id
  JOIN iso28000.threat_scenario t ON t.org_id = s.org_id AND t.threat_scenario_id = s.threat_scenario_id
  LEFT JOIN iso28000.supply_chain_node n ON n.org_id = s.org_id AND n.node_id = s.node_id
  JOIN LATERAL (SELECT ra.max_band FROM iso28000.risk_appetite ra
                 WHERE ra.org_id = s.org_id AND ra.effective_on <= current_date
                 ORDER BY ra.effective_on DESC LIMIT 1) ap ON true
 WHERE iso28000.band_rank(s.band) > iso28000.band_rank(ap.max_band);
COMMENT ON VIEW iso28000.segment_scenario_above_appetite IS
  'ISO 28000 6.1.3, 8.3, 9.3.2: Per segment, the threat scenarios of its latest approved security assessment whose residual rating (the rating when no residual is given) falls in a band above the organisation''s current risk appetite.';
GRANT SELECT ON iso28000.segment_scenario_above_appetite TO PUBLIC;
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.segment_id IS 'The segment.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.segment_code IS 'Its code.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.segment_assessment_id IS 'Its latest approved assessment.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.assessed_on IS 'When it was assessed.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.threat_scenario_id IS 'The scenario.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.scenario_code IS 'Its code.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.scenario_title IS 'Its title.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.node_code IS 'The node it was scored at; NULL for the whole segment.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.rating IS 'Rating without countermeasures, as text (L4C3).';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.residual_rating IS 'Residual rating, as text.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.band IS 'Band of the residual rating (or the rating) for the organisation.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.appetite_band IS 'Highest band the organisation currently accepts.';

CREATE VIEW iso28000.segment_node_without_countermeasure WITH (security_invoker = true) AS
SELECT g.org_id, g.segment_id, g.code AS segment_code, n.node_id, n.code AS node_code, n.name AS node_name,
       n.kind AS node_kind, n.external
  FROM iso28000.supply_chain_segment g
  JOIN iso28000.segment_node sn ON sn.org_id = g.org_id AND sn.segment_id = g.segment_id
  JOIN iso28000.supply_chain_node n ON n.org_id = sn.org_id AND n.node_id = sn.node_id
 WHERE g.active
   AND NOT EXISTS (SELECT FROM iso28000.node_control c WHERE c.org_id = n.org_id AND c.node_id = n.node_id);
COMMENT ON VIEW iso28000.segment_node_without_countermeasure IS
  'ISO 28000 8.3, 8.4: Nodes of active supply-chain segments where no control is applied (no node_control upstream, at the node or downstream).';
GRANT SELECT ON iso28000.segment_node_without_countermeasure TO PUBLIC;
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.segment_id IS 'The segment.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.segment_code IS 'Its code.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.node_id IS 'The node.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.node_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.external IS 'True for a provider or customer run by another party.';
