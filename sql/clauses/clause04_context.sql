/*
 * sql/clauses/clause04_context.sql
 *		ISO 28000 clause 4, context of the organisation: context issues (4.1),
 *		interested parties and their requirements (4.2.1), legal, regulatory and
 *		other obligations with their compliance evaluations (4.2.2), scope
 *		versions with exclusions (4.3) and the processes of the SMS (4.4).
 *
 * Every table is a register (org_id first in the key, row-level security
 * through register_table()).  Nothing here is deleted by the application:
 * records leave the active set by a closing date.
 */

-- 4.1 Internal and external issues relevant to the SMS.
CREATE TABLE iso28000.context_issue (
    org_id           bigint NOT NULL REFERENCES iso28000.organization,
    context_issue_id bigint GENERATED ALWAYS AS IDENTITY,
    title            text NOT NULL CONSTRAINT context_issue_title_present CHECK (btrim(title) <> ''),
    description      text,
    origin           text NOT NULL CONSTRAINT context_issue_origin_valid CHECK (origin IN ('internal', 'external')),
    category         text CONSTRAINT context_issue_category_valid CHECK (category IN
                       ('political', 'economic', 'social', 'technological', 'legal', 'environmental',
                        'security_threat', 'organisational', 'supply_chain', 'other')),
    effect_on_sms    text NOT NULL CONSTRAINT context_issue_effect_present CHECK (btrim(effect_on_sms) <> ''),
    effect_direction text NOT NULL DEFAULT 'negative'
                     CONSTRAINT context_issue_effect_direction_valid CHECK (effect_direction IN ('positive', 'negative', 'mixed')),
    owner_id         bigint,
    identified_on    date NOT NULL DEFAULT current_date,
    review_on        date,
    closed_on        date,
    PRIMARY KEY (org_id, context_issue_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT context_issue_review_after_identified CHECK (review_on >= identified_on),
    CONSTRAINT context_issue_closed_after_identified CHECK (closed_on >= identified_on)
);
SELECT iso28000.register_table('iso28000.context_issue');
COMMENT ON TABLE iso28000.context_issue IS
  'ISO 28000 4.1: Internal and external issues relevant to the organisation''s purpose that affect its ability to achieve the intended outcomes of its SMS.';
COMMENT ON COLUMN iso28000.context_issue.title IS 'Short statement of the issue.';
COMMENT ON COLUMN iso28000.context_issue.description IS 'Longer description and sources.';
COMMENT ON COLUMN iso28000.context_issue.origin IS 'internal or external.';
COMMENT ON COLUMN iso28000.context_issue.category IS 'PESTLE-style category: political, economic, social, technological, legal, environmental, security_threat, organisational, supply_chain, other.';
COMMENT ON COLUMN iso28000.context_issue.effect_on_sms IS 'How the issue affects the SMS and its intended outcomes (required).';
COMMENT ON COLUMN iso28000.context_issue.effect_direction IS 'Whether the effect is positive, negative or mixed.';
COMMENT ON COLUMN iso28000.context_issue.owner_id IS 'Person who monitors the issue.';
COMMENT ON COLUMN iso28000.context_issue.identified_on IS 'Date the issue was identified.';
COMMENT ON COLUMN iso28000.context_issue.review_on IS 'Date of the next review; not before identified_on.';
COMMENT ON COLUMN iso28000.context_issue.closed_on IS 'Date the issue stopped being relevant; NULL while it is.';

-- 4.2.1 Interested parties relevant to the SMS.
CREATE TABLE iso28000.interested_party (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    interested_party_id bigint GENERATED ALWAYS AS IDENTITY,
    name                text NOT NULL CONSTRAINT interested_party_name_present CHECK (btrim(name) <> ''),
    category            text NOT NULL CONSTRAINT interested_party_category_valid CHECK (category IN
                          ('regulator', 'customs_authority', 'law_enforcement', 'customer', 'supplier',
                           'service_provider', 'employee', 'shareholder', 'insurer', 'community',
                           'industry_body', 'partner', 'other')),
    internal            boolean NOT NULL DEFAULT false,
    relevance           text NOT NULL CONSTRAINT interested_party_relevance_present CHECK (btrim(relevance) <> ''),
    contact             text,
    identified_on       date NOT NULL DEFAULT current_date,
    review_on           date,
    closed_on           date,
    PRIMARY KEY (org_id, interested_party_id),
    CONSTRAINT interested_party_name_unique UNIQUE (org_id, name),
    CONSTRAINT interested_party_review_after_identified CHECK (review_on >= identified_on),
    CONSTRAINT interested_party_closed_after_identified CHECK (closed_on >= identified_on)
);
SELECT iso28000.register_table('iso28000.interested_party');
COMMENT ON TABLE iso28000.interested_party IS
  'ISO 28000 4.2.1: Interested parties relevant to the SMS (regulators, customers, suppliers, employees, communities...).';
COMMENT ON COLUMN iso28000.interested_party.name IS 'Name of the party; unique within the organisation.';
COMMENT ON COLUMN iso28000.interested_party.category IS 'Kind of party: regulator, customs_authority, law_enforcement, customer, supplier, service_provider, employee, shareholder, insurer, community, industry_body, partner, other.';
COMMENT ON COLUMN iso28000.interested_party.internal IS 'True for parties inside the organisation (staff, works council).';
COMMENT ON COLUMN iso28000.interested_party.relevance IS 'Why the party is relevant to the SMS (required).';
COMMENT ON COLUMN iso28000.interested_party.contact IS 'Contact point.';
COMMENT ON COLUMN iso28000.interested_party.identified_on IS 'Date the party was identified.';
COMMENT ON COLUMN iso28000.interested_party.review_on IS 'Date of the next review; not before identified_on.';
COMMENT ON COLUMN iso28000.interested_party.closed_on IS 'Date the party stopped being relevant; NULL while it is.';

-- 4.2.1 b, c Requirements of interested parties, and which the SMS addresses.
CREATE TABLE iso28000.party_requirement (
    org_id               bigint NOT NULL REFERENCES iso28000.organization,
    party_requirement_id bigint GENERATED ALWAYS AS IDENTITY,
    interested_party_id  bigint NOT NULL,
    requirement          text NOT NULL CONSTRAINT party_requirement_text_present CHECK (btrim(requirement) <> ''),
    source               text,
    addressed_by_sms     boolean NOT NULL DEFAULT true,
    justification        text,
    identified_on        date NOT NULL DEFAULT current_date,
    review_on            date,
    PRIMARY KEY (org_id, party_requirement_id),
    FOREIGN KEY (org_id, interested_party_id) REFERENCES iso28000.interested_party (org_id, interested_party_id),
    CONSTRAINT party_requirement_justified CHECK (addressed_by_sms OR btrim(coalesce(justification, '')) <> ''),
    CONSTRAINT party_requirement_review_after_identified CHECK (review_on >= identified_on)
);
SELECT iso28000.register_table('iso28000.party_requirement');
COMMENT ON TABLE iso28000.party_requirement IS
  'ISO 28000 4.2.1: Needs and expectations (requirements) of interested parties, and which of them the SMS addresses.';
COMMENT ON COLUMN iso28000.party_requirement.interested_party_id IS 'The interested party that has the requirement.';
COMMENT ON COLUMN iso28000.party_requirement.requirement IS 'The need or expectation (required).';
COMMENT ON COLUMN iso28000.party_requirement.source IS 'Where it comes from (contract, meeting, survey, law...).';
COMMENT ON COLUMN iso28000.party_requirement.addressed_by_sms IS 'Whether the SMS addresses the requirement (4.2.1 c).';
COMMENT ON COLUMN iso28000.party_requirement.justification IS 'Why a requirement is not addressed; required when addressed_by_sms is false.';
COMMENT ON COLUMN iso28000.party_requirement.identified_on IS 'Date the requirement was identified.';
COMMENT ON COLUMN iso28000.party_requirement.review_on IS 'Date of the next review; not before identified_on.';

-- 4.2.2 Legal, regulatory and other requirements the organisation must meet.
CREATE TABLE iso28000.obligation (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    obligation_id       bigint GENERATED ALWAYS AS IDENTITY,
    title               text NOT NULL CONSTRAINT obligation_title_present CHECK (btrim(title) <> ''),
    kind                text NOT NULL CONSTRAINT obligation_kind_valid CHECK (kind IN
                          ('legal', 'regulatory', 'contractual', 'voluntary', 'other')),
    reference           text,
    jurisdiction        text,
    issuing_body        text,
    interested_party_id bigint,
    summary             text,
    applies_from        date,
    applies_until       date,
    evaluation_interval interval NOT NULL DEFAULT interval '1 year'
                        CONSTRAINT obligation_interval_positive CHECK (evaluation_interval > interval '0'),
    owner_id            bigint,
    PRIMARY KEY (org_id, obligation_id),
    FOREIGN KEY (org_id, interested_party_id) REFERENCES iso28000.interested_party (org_id, interested_party_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT obligation_period_in_order CHECK (applies_until >= applies_from)
);
SELECT iso28000.register_table('iso28000.obligation');
COMMENT ON TABLE iso28000.obligation IS
  'ISO 28000 4.2.2: Legal, regulatory and other requirements related to security that the organisation must meet, and how often their compliance is evaluated.';
COMMENT ON COLUMN iso28000.obligation.title IS 'Name of the obligation (required).';
COMMENT ON COLUMN iso28000.obligation.kind IS 'legal, regulatory, contractual, voluntary or other.';
COMMENT ON COLUMN iso28000.obligation.reference IS 'Citation: act, regulation, article, contract clause, standard.';
COMMENT ON COLUMN iso28000.obligation.jurisdiction IS 'Where it applies (country, region, port authority...).';
COMMENT ON COLUMN iso28000.obligation.issuing_body IS 'Authority or party that issues it.';
COMMENT ON COLUMN iso28000.obligation.interested_party_id IS 'The interested party that imposes it, if recorded.';
COMMENT ON COLUMN iso28000.obligation.summary IS 'What the organisation must do.';
COMMENT ON COLUMN iso28000.obligation.applies_from IS 'First day it applies.';
COMMENT ON COLUMN iso28000.obligation.applies_until IS 'Last day it applies; NULL while in force; not before applies_from.';
COMMENT ON COLUMN iso28000.obligation.evaluation_interval IS 'How often compliance must be evaluated (positive; default one year).';
COMMENT ON COLUMN iso28000.obligation.owner_id IS 'Person responsible for compliance.';

-- 4.2.2 Dated evaluations of compliance with an obligation.
CREATE TABLE iso28000.compliance_evaluation (
    org_id                   bigint NOT NULL REFERENCES iso28000.organization,
    compliance_evaluation_id bigint GENERATED ALWAYS AS IDENTITY,
    obligation_id            bigint NOT NULL,
    evaluated_on             date NOT NULL,
    evaluator_id             bigint,
    result                   text NOT NULL CONSTRAINT compliance_evaluation_result_valid CHECK (result IN
                               ('compliant', 'partially_compliant', 'non_compliant', 'not_applicable')),
    evidence                 text,
    findings                 text,
    next_due_on              date,
    PRIMARY KEY (org_id, compliance_evaluation_id),
    FOREIGN KEY (org_id, obligation_id) REFERENCES iso28000.obligation (org_id, obligation_id),
    FOREIGN KEY (org_id, evaluator_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT compliance_evaluation_next_after_evaluated CHECK (next_due_on > evaluated_on),
    CONSTRAINT compliance_evaluation_findings_present CHECK
      (result IN ('compliant', 'not_applicable') OR btrim(coalesce(findings, '')) <> '')
);
SELECT iso28000.register_table('iso28000.compliance_evaluation');
CREATE INDEX compliance_evaluation_latest ON iso28000.compliance_evaluation (org_id, obligation_id, evaluated_on DESC);
COMMENT ON TABLE iso28000.compliance_evaluation IS
  'ISO 28000 4.2.2, 9.1: Dated evaluations of compliance with legal, regulatory and other obligations.';
COMMENT ON COLUMN iso28000.compliance_evaluation.obligation_id IS 'The obligation evaluated.';
COMMENT ON COLUMN iso28000.compliance_evaluation.evaluated_on IS 'Date of the evaluation.';
COMMENT ON COLUMN iso28000.compliance_evaluation.evaluator_id IS 'Person who evaluated.';
COMMENT ON COLUMN iso28000.compliance_evaluation.result IS 'compliant, partially_compliant, non_compliant or not_applicable.';
COMMENT ON COLUMN iso28000.compliance_evaluation.evidence IS 'Evidence examined.';
COMMENT ON COLUMN iso28000.compliance_evaluation.findings IS 'Gaps found; required unless the result is compliant or not_applicable.';
COMMENT ON COLUMN iso28000.compliance_evaluation.next_due_on IS 'When the next evaluation is due, if set explicitly; after evaluated_on. Otherwise evaluated_on plus the obligation''s interval.';

-- 4.3 Versions of the scope of the SMS.
CREATE TABLE iso28000.sms_scope (
    org_id                bigint NOT NULL REFERENCES iso28000.organization,
    sms_scope_id          bigint GENERATED ALWAYS AS IDENTITY,
    version               integer NOT NULL CONSTRAINT sms_scope_version_positive CHECK (version > 0),
    statement             text NOT NULL CONSTRAINT sms_scope_statement_present CHECK (btrim(statement) <> ''),
    boundaries            text NOT NULL CONSTRAINT sms_scope_boundaries_present CHECK (btrim(boundaries) <> ''),
    sites                 text[] NOT NULL DEFAULT '{}',
    supply_chain_segments text[] NOT NULL DEFAULT '{}',
    activities            text,
    effective_from        date NOT NULL,
    effective_until       date,
    approved_by           bigint,
    approved_on           date,
    PRIMARY KEY (org_id, sms_scope_id),
    CONSTRAINT sms_scope_version_unique UNIQUE (org_id, version),
    FOREIGN KEY (org_id, approved_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT sms_scope_period_in_order CHECK (effective_until >= effective_from),
    CONSTRAINT sms_scope_approval_complete CHECK ((approved_by IS NULL) = (approved_on IS NULL)),
    CONSTRAINT sms_scope_approved_before_effective CHECK (approved_on <= effective_from)
);
SELECT iso28000.register_table('iso28000.sms_scope');
-- Who approved / verified / accepted is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.sms_scope
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('approved_by');
COMMENT ON TABLE iso28000.sms_scope IS
  'ISO 28000 4.3: Versions of the scope of the SMS: boundaries, sites, supply-chain segments and activities covered; exclusions are in scope_exclusion.';
COMMENT ON COLUMN iso28000.sms_scope.version IS 'Version number, unique within the organisation (positive).';
COMMENT ON COLUMN iso28000.sms_scope.statement IS 'The scope statement as published (required).';
COMMENT ON COLUMN iso28000.sms_scope.boundaries IS 'Organisational, physical and supply-chain boundaries (required).';
COMMENT ON COLUMN iso28000.sms_scope.sites IS 'Sites covered.';
COMMENT ON COLUMN iso28000.sms_scope.supply_chain_segments IS 'Supply-chain segments covered (for example inbound ocean freight, bonded warehousing).';
COMMENT ON COLUMN iso28000.sms_scope.activities IS 'Products, services and activities covered.';
COMMENT ON COLUMN iso28000.sms_scope.effective_from IS 'First day the version applies.';
COMMENT ON COLUMN iso28000.sms_scope.effective_until IS 'Last day it applies; NULL for the current version; not before effective_from.';
COMMENT ON COLUMN iso28000.sms_scope.approved_by IS 'Person who approved the version; set together with approved_on.';
COMMENT ON COLUMN iso28000.sms_scope.approved_on IS 'Date of approval; not after effective_from.';

-- 4.3 Exclusions from a scope version, each justified.
CREATE TABLE iso28000.scope_exclusion (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    scope_exclusion_id bigint GENERATED ALWAYS AS IDENTITY,
    sms_scope_id       bigint NOT NULL,
    excluded           text NOT NULL CONSTRAINT scope_exclusion_excluded_present CHECK (btrim(excluded) <> ''),
    justification      text NOT NULL CONSTRAINT scope_exclusion_justification_present CHECK (btrim(justification) <> ''),
    PRIMARY KEY (org_id, scope_exclusion_id),
    FOREIGN KEY (org_id, sms_scope_id) REFERENCES iso28000.sms_scope (org_id, sms_scope_id)
);
SELECT iso28000.register_table('iso28000.scope_exclusion');
COMMENT ON TABLE iso28000.scope_exclusion IS
  'ISO 28000 4.3: What a scope version excludes (sites, activities, supply-chain segments), each with its justification.';
COMMENT ON COLUMN iso28000.scope_exclusion.sms_scope_id IS 'The scope version.';
COMMENT ON COLUMN iso28000.scope_exclusion.excluded IS 'What is excluded (required).';
COMMENT ON COLUMN iso28000.scope_exclusion.justification IS 'Why the exclusion does not affect the SMS''s ability to achieve its outcomes (required).';

-- 4.4 Processes of the SMS and their owners.
CREATE TABLE iso28000.sms_process (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    sms_process_id    bigint GENERATED ALWAYS AS IDENTITY,
    code              text,
    name              text NOT NULL CONSTRAINT sms_process_name_present CHECK (btrim(name) <> ''),
    purpose           text,
    owner_id          bigint NOT NULL,
    parent_process_id bigint,
    inputs            text,
    outputs           text,
    critical          boolean NOT NULL DEFAULT false,
    established_on    date NOT NULL DEFAULT current_date,
    retired_on        date,
    PRIMARY KEY (org_id, sms_process_id),
    CONSTRAINT sms_process_name_unique UNIQUE (org_id, name),
    CONSTRAINT sms_process_code_unique UNIQUE (org_id, code),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, parent_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
    CONSTRAINT sms_process_not_own_parent CHECK (parent_process_id <> sms_process_id),
    CONSTRAINT sms_process_retired_after_established CHECK (retired_on >= established_on)
);
SELECT iso28000.register_table('iso28000.sms_process');
COMMENT ON TABLE iso28000.sms_process IS
  'ISO 28000 4.4, 8.1: Processes of the security management system, each with an owner (audits check that an auditor does not audit a process they own).';
COMMENT ON COLUMN iso28000.sms_process.code IS 'Short code, unique within the organisation when given.';
COMMENT ON COLUMN iso28000.sms_process.name IS 'Name, unique within the organisation (required).';
COMMENT ON COLUMN iso28000.sms_process.purpose IS 'What the process achieves.';
COMMENT ON COLUMN iso28000.sms_process.owner_id IS 'Person who owns the process (required).';
COMMENT ON COLUMN iso28000.sms_process.parent_process_id IS 'Enclosing process, for a process hierarchy; never the process itself.';
COMMENT ON COLUMN iso28000.sms_process.inputs IS 'Inputs of the process.';
COMMENT ON COLUMN iso28000.sms_process.outputs IS 'Outputs of the process.';
COMMENT ON COLUMN iso28000.sms_process.critical IS 'True for processes whose disruption stops the organisation''s critical activities.';
COMMENT ON COLUMN iso28000.sms_process.established_on IS 'Date the process was established.';
COMMENT ON COLUMN iso28000.sms_process.retired_on IS 'Date the process was retired; NULL while in use; not before established_on.';

-- 4.2.2 Every obligation in force with its latest compliance evaluation.
CREATE VIEW iso28000.obligation_compliance WITH (security_invoker = true) AS
SELECT o.org_id, o.obligation_id, o.title, o.kind, o.reference, o.owner_id,
       e.evaluated_on AS last_evaluated_on,
       e.result AS last_result,
       coalesce(e.next_due_on, (e.evaluated_on + o.evaluation_interval)::date) AS next_due_on,
       CASE
         WHEN e.evaluated_on IS NULL THEN 'missing'
         WHEN coalesce(e.next_due_on, (e.evaluated_on + o.evaluation_interval)::date) < current_date THEN 'overdue'
         ELSE 'current'
       END AS evaluation_status
  FROM iso28000.obligation o
  LEFT JOIN LATERAL (
        SELECT ce.evaluated_on, ce.result, ce.next_due_on
          FROM iso28000.compliance_evaluation ce
         WHERE ce.org_id = o.org_id AND ce.obligation_id = o.obligation_id
         ORDER BY ce.evaluated_on DESC, ce.compliance_evaluation_id DESC
         LIMIT 1) e ON true
 WHERE (o.applies_from IS NULL OR o.applies_from <= current_date)
   AND (o.applies_until IS NULL OR o.applies_until >= current_date);
COMMENT ON VIEW iso28000.obligation_compliance IS
  'ISO 28000 4.2.2, 9.1: Obligations in force today with their latest compliance evaluation, when the next is due, and whether it is current, overdue or missing.';
GRANT SELECT ON iso28000.obligation_compliance TO PUBLIC;
COMMENT ON COLUMN iso28000.obligation_compliance.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.obligation_compliance.obligation_id IS 'The obligation.';
COMMENT ON COLUMN iso28000.obligation_compliance.title IS 'Name of the obligation.';
COMMENT ON COLUMN iso28000.obligation_compliance.kind IS 'legal, regulatory, contractual, voluntary or other.';
COMMENT ON COLUMN iso28000.obligation_compliance.reference IS 'Citation of the obligation.';
COMMENT ON COLUMN iso28000.obligation_compliance.owner_id IS 'Person responsible for compliance.';
COMMENT ON COLUMN iso28000.obligation_compliance.last_evaluated_on IS 'Date of the latest evaluation; NULL when never evaluated.';
COMMENT ON COLUMN iso28000.obligation_compliance.last_result IS 'Result of the latest evaluation.';
COMMENT ON COLUMN iso28000.obligation_compliance.next_due_on IS 'When the next evaluation is due: its explicit date, else the latest evaluation plus the obligation''s interval.';
COMMENT ON COLUMN iso28000.obligation_compliance.evaluation_status IS 'current, overdue (next_due_on is past) or missing (never evaluated).';

-- 4.2.2 Obligations whose compliance evaluation is missing or overdue.
CREATE VIEW iso28000.obligation_evaluation_due WITH (security_invoker = true) AS
SELECT org_id, obligation_id, title, kind, owner_id, last_evaluated_on, last_result, next_due_on,
       evaluation_status AS reason,
       current_date - next_due_on AS days_overdue
  FROM iso28000.obligation_compliance
 WHERE evaluation_status IN ('missing', 'overdue');
COMMENT ON VIEW iso28000.obligation_evaluation_due IS
  'ISO 28000 4.2.2, 9.1: Obligations in force whose compliance evaluation is missing or overdue.';
GRANT SELECT ON iso28000.obligation_evaluation_due TO PUBLIC;
COMMENT ON COLUMN iso28000.obligation_evaluation_due.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.obligation_id IS 'The obligation.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.title IS 'Name of the obligation.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.kind IS 'legal, regulatory, contractual, voluntary or other.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.owner_id IS 'Person responsible for compliance.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.last_evaluated_on IS 'Date of the latest evaluation; NULL when never evaluated.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.last_result IS 'Result of the latest evaluation.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.next_due_on IS 'When the evaluation was due; NULL when never evaluated.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.reason IS 'missing (never evaluated) or overdue.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.days_overdue IS 'Days since the evaluation fell due; NULL when never evaluated.';

-- 4.2.3 The principles the organisation applies in its SMS, with evidence.
CREATE TABLE iso28000.sms_principle (
  org_id        bigint NOT NULL REFERENCES iso28000.organization,
  principle_id  bigint GENERATED ALWAYS AS IDENTITY,
  title         text   NOT NULL,
  how_applied   text   NOT NULL,
  evidence      text,
  evidence_on   date,
  owner_id      bigint,
  adopted_on    date   NOT NULL DEFAULT current_date,
  review_on     date,
  active        boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, principle_id),
  UNIQUE (org_id, title),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT sms_principle_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT sms_principle_how_applied_check CHECK (btrim(how_applied) <> ''),
  CONSTRAINT sms_principle_evidence_check CHECK ((evidence_on IS NULL) = (coalesce(btrim(evidence), '') = '')),
  CONSTRAINT sms_principle_review_check CHECK (review_on >= adopted_on)
);
SELECT iso28000.register_table('iso28000.sms_principle');
COMMENT ON TABLE iso28000.sms_principle IS
  'ISO 28000 4.2.3: The principles the organisation applies in its security management system (for example leadership, risk-based decisions, involvement of people, continual improvement), how each is applied, and the evidence that it is.';
COMMENT ON COLUMN iso28000.sms_principle.title IS 'The principle, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.sms_principle.how_applied IS 'How the organisation applies it (required, not blank).';
COMMENT ON COLUMN iso28000.sms_principle.evidence IS 'Evidence that it is applied: a record, a decision, a document reference; given together with evidence_on.';
COMMENT ON COLUMN iso28000.sms_principle.evidence_on IS 'Date of that evidence.';
COMMENT ON COLUMN iso28000.sms_principle.owner_id IS 'Person who sees to it.';
COMMENT ON COLUMN iso28000.sms_principle.adopted_on IS 'Date the principle was adopted.';
COMMENT ON COLUMN iso28000.sms_principle.review_on IS 'Date of its next review; not before adopted_on.';
COMMENT ON COLUMN iso28000.sms_principle.active IS 'False once it is no longer applied.';

CREATE VIEW iso28000.sms_principle_without_evidence WITH (security_invoker = true) AS
SELECT p.org_id, p.principle_id, p.title, p.owner_id,
       CASE WHEN p.evidence_on IS NULL THEN 'no_evidence' ELSE 'review_due' END AS reason,
       p.evidence_on, p.review_on
  FROM iso28000.sms_principle p
 WHERE p.active AND (p.evidence_on IS NULL OR p.review_on < current_date);
COMMENT ON VIEW iso28000.sms_principle_without_evidence IS
  'ISO 28000 4.2.3: Principles applied with no evidence yet (no_evidence), or whose review date has passed (review_due).';
GRANT SELECT ON iso28000.sms_principle_without_evidence TO PUBLIC;
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.principle_id IS 'The principle.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.title IS 'Its title.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.owner_id IS 'Who sees to it.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.reason IS 'no_evidence or review_due.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.evidence_on IS 'Date of the latest evidence, if any.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.review_on IS 'Review date.';
