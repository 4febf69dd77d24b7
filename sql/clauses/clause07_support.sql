/*
 * sql/clauses/clause07_support.sql
 *
 * ISO 28000:2022 clause 7, Support: resources (7.1), competence requirements and
 * training records (7.2), awareness (7.3), the communication plan (7.4) and
 * documented information with its versions (7.5).
 *
 * Every table is a register: org_id first in the primary key, every foreign key
 * carries org_id, row-level security and dump registration through
 * iso28000.register_table().  Required text is checked non-blank, dates are
 * checked in order, ranges are checked; a refused row raises 23514
 * (check_violation) naming the constraint.
 */

------------------------------------------------------------------------------
-- Per-organisation periods used by the clause 7 and 8 views
------------------------------------------------------------------------------

CREATE TABLE iso28000.operation_setting (
  org_id                   bigint   NOT NULL REFERENCES iso28000.organization,
  document_review_interval interval NOT NULL DEFAULT interval '1 year',
  exercise_interval        interval NOT NULL DEFAULT interval '1 year',
  evidence_warning         interval NOT NULL DEFAULT interval '60 days',
  assessment_interval      interval NOT NULL DEFAULT interval '1 year',
  PRIMARY KEY (org_id),
  CONSTRAINT operation_setting_document_review_interval_check
    CHECK (document_review_interval > interval '0'),
  CONSTRAINT operation_setting_exercise_interval_check
    CHECK (exercise_interval > interval '0'),
  CONSTRAINT operation_setting_evidence_warning_check
    CHECK (evidence_warning >= interval '0'),
  CONSTRAINT operation_setting_assessment_interval_check
    CHECK (assessment_interval > interval '0')
);
SELECT iso28000.register_table('iso28000.operation_setting');

COMMENT ON TABLE iso28000.operation_setting IS
  'ISO 28000 7.5.3, 8.6.1, 8.1: Per-organisation periods used by the support and operation views (document review, plan exercises, provider evidence and assessments). An organisation without a row gets the column defaults (see view operation_settings).';
COMMENT ON COLUMN iso28000.operation_setting.org_id IS 'The organisation these settings belong to.';
COMMENT ON COLUMN iso28000.operation_setting.document_review_interval IS
  'How long an approved document version stays valid before its review is due, when the document sets no interval of its own.';
COMMENT ON COLUMN iso28000.operation_setting.exercise_interval IS
  'The longest time a security plan may go without an exercise before view security_plan_exercise_due lists it.';
COMMENT ON COLUMN iso28000.operation_setting.evidence_warning IS
  'How far ahead view provider_assurance_gap warns that a provider''s evidence expires.';
COMMENT ON COLUMN iso28000.operation_setting.assessment_interval IS
  'The longest time a provider assessment stays current; an older one no longer satisfies an assessment-score requirement.';

CREATE VIEW iso28000.operation_settings WITH (security_invoker = true) AS
SELECT o.org_id,
       coalesce(s.document_review_interval, interval '1 year')::text  AS document_review_interval,
       coalesce(s.exercise_interval,        interval '1 year')::text  AS exercise_interval,
       coalesce(s.evidence_warning,         interval '60 days')::text AS evidence_warning,
       coalesce(s.assessment_interval,      interval '1 year')::text  AS assessment_interval,
       s.org_id IS NULL                                         AS defaulted
  FROM iso28000.organization o
  LEFT JOIN iso28000.operation_setting s ON s.org_id = o.org_id;

COMMENT ON VIEW iso28000.operation_settings IS
  'ISO 28000 7.5.3, 8.6.1, 8.1: The periods in force for each organisation: its operation_setting row, or the defaults where it has none.';
GRANT SELECT ON iso28000.operation_settings TO PUBLIC;
COMMENT ON COLUMN iso28000.operation_settings.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.operation_settings.document_review_interval IS 'Default interval between document reviews, as the text of an interval (1 year).';
COMMENT ON COLUMN iso28000.operation_settings.exercise_interval IS 'Longest time a security plan may go unexercised, as the text of an interval.';
COMMENT ON COLUMN iso28000.operation_settings.evidence_warning IS 'How far ahead provider evidence expiry is reported, as the text of an interval (60 days).';
COMMENT ON COLUMN iso28000.operation_settings.assessment_interval IS 'How long a provider assessment stays current, as the text of an interval.';
COMMENT ON COLUMN iso28000.operation_settings.defaulted IS 'True when the organisation has no operation_setting row and every value is a default.';

------------------------------------------------------------------------------
-- 7.1 Resources
------------------------------------------------------------------------------

CREATE TABLE iso28000.resource (
  org_id          bigint  NOT NULL REFERENCES iso28000.organization,
  resource_id     bigint  GENERATED ALWAYS AS IDENTITY,
  name            text    NOT NULL,
  kind            text    NOT NULL,
  description     text,
  owner_id        bigint,
  quantity        numeric,
  unit            text,
  available_from  date,
  available_until date,
  active          boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, resource_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT resource_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT resource_kind_check CHECK (kind IN ('people', 'infrastructure', 'equipment',
    'technology', 'information', 'financial', 'external_service', 'other')),
  CONSTRAINT resource_quantity_check CHECK (quantity >= 0),
  CONSTRAINT resource_unit_check CHECK (quantity IS NULL OR coalesce(btrim(unit), '') <> ''),
  CONSTRAINT resource_dates_check CHECK (available_until >= available_from)
);
SELECT iso28000.register_table('iso28000.resource');

COMMENT ON TABLE iso28000.resource IS
  'ISO 28000 7.1: Resources the organisation determines and provides for its security management system: people, infrastructure, equipment, technology, information, money and external services.';
COMMENT ON COLUMN iso28000.resource.org_id IS 'The organisation that provides the resource.';
COMMENT ON COLUMN iso28000.resource.name IS 'What the resource is (required, not blank).';
COMMENT ON COLUMN iso28000.resource.kind IS 'people, infrastructure, equipment, technology, information, financial, external_service or other.';
COMMENT ON COLUMN iso28000.resource.description IS 'What the resource is for and where it is used.';
COMMENT ON COLUMN iso28000.resource.owner_id IS 'The person accountable for providing the resource.';
COMMENT ON COLUMN iso28000.resource.quantity IS 'How much is provided (not negative); needs a unit.';
COMMENT ON COLUMN iso28000.resource.unit IS 'Unit of the quantity (FTE, EUR, units...).';
COMMENT ON COLUMN iso28000.resource.available_from IS 'First day the resource is available.';
COMMENT ON COLUMN iso28000.resource.available_until IS 'Last day the resource is available (not before available_from).';
COMMENT ON COLUMN iso28000.resource.active IS 'False once the resource is no longer provided.';

------------------------------------------------------------------------------
-- 7.2 Competence requirements, 7.2 and 7.3 training and awareness records
------------------------------------------------------------------------------

CREATE TABLE iso28000.competence_requirement (
  org_id                    bigint   NOT NULL REFERENCES iso28000.organization,
  competence_requirement_id bigint   GENERATED ALWAYS AS IDENTITY,
  title                     text     NOT NULL,
  description               text,
  role_name                 text     NOT NULL,
  sms_role_id               bigint,
  required_level            smallint NOT NULL DEFAULT 1,
  renewal_interval          interval,
  mandatory                 boolean  NOT NULL DEFAULT true,
  active                    boolean  NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, competence_requirement_id),
  UNIQUE (org_id, role_name, title),
  FOREIGN KEY (org_id, sms_role_id) REFERENCES iso28000.sms_role (org_id, sms_role_id),
  CONSTRAINT competence_requirement_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT competence_requirement_role_name_check CHECK (btrim(role_name) <> ''),
  CONSTRAINT competence_requirement_required_level_check CHECK (required_level BETWEEN 1 AND 5),
  CONSTRAINT competence_requirement_renewal_interval_check CHECK (renewal_interval > interval '0')
);
SELECT iso28000.register_table('iso28000.competence_requirement');

COMMENT ON TABLE iso28000.competence_requirement IS
  'ISO 28000 7.2: The competence a role or function that affects security performance needs, the level required and how often it must be renewed.';
COMMENT ON COLUMN iso28000.competence_requirement.title IS 'The competence (required, not blank), e.g. "cargo screening".';
COMMENT ON COLUMN iso28000.competence_requirement.description IS 'What the competence covers and how it is demonstrated.';
COMMENT ON COLUMN iso28000.competence_requirement.role_name IS 'The role or function that needs the competence (required, not blank); unique with the title.';
COMMENT ON COLUMN iso28000.competence_requirement.sms_role_id IS 'The SMS role (clause 5.3, iso28000.sms_role) that needs the competence, when it is one.';
COMMENT ON COLUMN iso28000.competence_requirement.required_level IS 'Level required, 1 (awareness) to 5 (expert).';
COMMENT ON COLUMN iso28000.competence_requirement.renewal_interval IS 'How long a qualification stays valid before it must be renewed (positive), NULL if it does not expire.';
COMMENT ON COLUMN iso28000.competence_requirement.mandatory IS 'True when the role may not be performed without the competence.';
COMMENT ON COLUMN iso28000.competence_requirement.active IS 'False once the requirement is retired.';

CREATE TABLE iso28000.training_record (
  org_id                    bigint   NOT NULL REFERENCES iso28000.organization,
  training_record_id        bigint   GENERATED ALWAYS AS IDENTITY,
  person_id                 bigint   NOT NULL,
  competence_requirement_id bigint,
  kind                      text     NOT NULL,
  title                     text     NOT NULL,
  provider                  text,
  started_on                date,
  completed_on              date     NOT NULL,
  valid_until               date,
  outcome                   text     NOT NULL,
  level_achieved            smallint,
  awareness_topics          text[]   NOT NULL DEFAULT '{}',
  evidence                  text,
  PRIMARY KEY (org_id, training_record_id),
  FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, competence_requirement_id)
    REFERENCES iso28000.competence_requirement (org_id, competence_requirement_id),
  CONSTRAINT training_record_kind_check CHECK (kind IN ('training', 'awareness',
    'qualification', 'certification', 'briefing', 'on_the_job')),
  CONSTRAINT training_record_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT training_record_dates_check CHECK (started_on <= completed_on),
  CONSTRAINT training_record_validity_check CHECK (valid_until >= completed_on),
  CONSTRAINT training_record_outcome_check CHECK (outcome IN ('attended', 'passed', 'failed')),
  CONSTRAINT training_record_level_check CHECK (level_achieved BETWEEN 1 AND 5),
  CONSTRAINT training_record_awareness_topics_check CHECK (awareness_topics <@ ARRAY[
    'security_policy', 'contribution', 'nonconformity_implications', 'role_and_responsibility']::text[])
);
SELECT iso28000.register_table('iso28000.training_record');

COMMENT ON TABLE iso28000.training_record IS
  'ISO 28000 7.2, 7.3: Evidence of competence and awareness: training, qualifications, certifications and awareness briefings each person completed, with outcome and validity.';
COMMENT ON COLUMN iso28000.training_record.person_id IS 'The person trained or briefed.';
COMMENT ON COLUMN iso28000.training_record.competence_requirement_id IS 'The competence requirement this record satisfies, if any.';
COMMENT ON COLUMN iso28000.training_record.kind IS 'training, awareness, qualification, certification, briefing or on_the_job.';
COMMENT ON COLUMN iso28000.training_record.title IS 'Course, briefing or qualification (required, not blank).';
COMMENT ON COLUMN iso28000.training_record.provider IS 'Who delivered it.';
COMMENT ON COLUMN iso28000.training_record.started_on IS 'First day (not after completed_on).';
COMMENT ON COLUMN iso28000.training_record.completed_on IS 'Day it was completed.';
COMMENT ON COLUMN iso28000.training_record.valid_until IS 'Last day the competence counts (not before completed_on), NULL if it does not expire.';
COMMENT ON COLUMN iso28000.training_record.outcome IS 'attended, passed or failed.';
COMMENT ON COLUMN iso28000.training_record.level_achieved IS 'Level reached, 1 to 5, to compare with competence_requirement.required_level.';
COMMENT ON COLUMN iso28000.training_record.awareness_topics IS
  'For awareness (7.3): which of security_policy, contribution, nonconformity_implications, role_and_responsibility were covered.';
COMMENT ON COLUMN iso28000.training_record.evidence IS 'Where the evidence is kept (certificate number, document code, attendance list).';

------------------------------------------------------------------------------
-- 7.4 Communication plan
------------------------------------------------------------------------------

CREATE TABLE iso28000.communication (
  org_id           bigint   NOT NULL REFERENCES iso28000.organization,
  communication_id bigint   GENERATED ALWAYS AS IDENTITY,
  subject          text     NOT NULL,
  audience         text     NOT NULL,
  direction        text     NOT NULL,
  channel          text     NOT NULL,
  frequency        interval,
  trigger_event    text,
  owner_id         bigint   NOT NULL,
  sensitivity      text     NOT NULL DEFAULT 'internal',
  last_done_on     date,
  next_due_on      date,
  active           boolean  NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, communication_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT communication_subject_check CHECK (btrim(subject) <> ''),
  CONSTRAINT communication_audience_check CHECK (btrim(audience) <> ''),
  CONSTRAINT communication_channel_check CHECK (btrim(channel) <> ''),
  CONSTRAINT communication_direction_check CHECK (direction IN ('internal', 'external', 'both')),
  CONSTRAINT communication_frequency_check CHECK (frequency > interval '0'),
  CONSTRAINT communication_when_check CHECK (frequency IS NOT NULL OR coalesce(btrim(trigger_event), '') <> ''),
  CONSTRAINT communication_sensitivity_check CHECK (sensitivity IN ('public', 'internal',
    'confidential', 'restricted')),
  CONSTRAINT communication_dates_check CHECK (next_due_on >= last_done_on)
);
SELECT iso28000.register_table('iso28000.communication');

COMMENT ON TABLE iso28000.communication IS
  'ISO 28000 7.4: The communication plan: on what, when, with whom, how and by whom the organisation communicates internally and externally, and how sensitive the information is.';
COMMENT ON COLUMN iso28000.communication.subject IS 'On what it communicates (required, not blank).';
COMMENT ON COLUMN iso28000.communication.audience IS 'With whom: staff, interested parties, authorities, providers (required, not blank).';
COMMENT ON COLUMN iso28000.communication.direction IS 'internal, external or both.';
COMMENT ON COLUMN iso28000.communication.channel IS 'How: meeting, e-mail, portal, notice board... (required, not blank).';
COMMENT ON COLUMN iso28000.communication.frequency IS 'When, for recurring communication: the interval (positive).';
COMMENT ON COLUMN iso28000.communication.trigger_event IS 'When, for event-driven communication: the event. Either frequency or trigger_event is required.';
COMMENT ON COLUMN iso28000.communication.owner_id IS 'Who communicates.';
COMMENT ON COLUMN iso28000.communication.sensitivity IS 'public, internal, confidential or restricted: how sensitive the information is before it is disclosed.';
COMMENT ON COLUMN iso28000.communication.last_done_on IS 'When it last took place.';
COMMENT ON COLUMN iso28000.communication.next_due_on IS 'When it is next due (not before last_done_on).';
COMMENT ON COLUMN iso28000.communication.active IS 'False once the communication is no longer planned.';

------------------------------------------------------------------------------
-- 7.5 Documented information
------------------------------------------------------------------------------

CREATE TABLE iso28000.document (
  org_id          bigint   NOT NULL REFERENCES iso28000.organization,
  document_id     bigint   GENERATED ALWAYS AS IDENTITY,
  code            text     NOT NULL,
  title           text     NOT NULL,
  doc_type        text     NOT NULL,
  origin          text     NOT NULL DEFAULT 'internal',
  owner_id        bigint   NOT NULL,
  classification  text     NOT NULL DEFAULT 'internal',
  review_interval interval,
  next_review_on  date,
  retention       interval,
  storage_location text,
  created_on      date     NOT NULL DEFAULT current_date,
  PRIMARY KEY (org_id, document_id),
  UNIQUE (org_id, code),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT document_code_check CHECK (btrim(code) <> ''),
  CONSTRAINT document_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT document_doc_type_check CHECK (doc_type IN ('policy', 'procedure', 'plan',
    'record', 'form', 'manual', 'instruction', 'specification', 'contract', 'other')),
  CONSTRAINT document_origin_check CHECK (origin IN ('internal', 'external')),
  CONSTRAINT document_classification_check CHECK (classification IN ('public', 'internal',
    'confidential', 'restricted', 'secret')),
  CONSTRAINT document_review_interval_check CHECK (review_interval > interval '0'),
  CONSTRAINT document_retention_check CHECK (retention > interval '0'),
  CONSTRAINT document_next_review_check CHECK (next_review_on >= created_on)
);
SELECT iso28000.register_table('iso28000.document');

COMMENT ON TABLE iso28000.document IS
  'ISO 28000 7.5.1, 7.5.2, 7.5.3: Documented information the SMS requires or the organisation decides it needs: identification, owner, classification, review cycle and retention. Its content lives in versions (document_version).';
COMMENT ON COLUMN iso28000.document.code IS 'Identification, unique within the organisation (required, not blank), e.g. "SMS-PR-007".';
COMMENT ON COLUMN iso28000.document.title IS 'Title (required, not blank).';
COMMENT ON COLUMN iso28000.document.doc_type IS 'policy, procedure, plan, record, form, manual, instruction, specification, contract or other.';
COMMENT ON COLUMN iso28000.document.origin IS 'internal, or external (documented information of external origin, 7.5.3).';
COMMENT ON COLUMN iso28000.document.owner_id IS 'The person responsible for keeping the document current.';
COMMENT ON COLUMN iso28000.document.classification IS 'public, internal, confidential, restricted or secret: protection against loss of confidentiality (7.5.3).';
COMMENT ON COLUMN iso28000.document.review_interval IS 'Time between reviews (positive); NULL takes operation_settings.document_review_interval.';
COMMENT ON COLUMN iso28000.document.next_review_on IS 'Explicit next review date; when NULL the review is due review_interval after the current version was approved.';
COMMENT ON COLUMN iso28000.document.retention IS 'How long superseded or withdrawn versions are retained (positive).';
COMMENT ON COLUMN iso28000.document.storage_location IS 'Where the controlled copy is kept (repository, path, URL).';
COMMENT ON COLUMN iso28000.document.created_on IS 'Day the document was registered; next_review_on may not precede it.';

CREATE TABLE iso28000.document_version (
  org_id              bigint NOT NULL REFERENCES iso28000.organization,
  document_version_id bigint GENERATED ALWAYS AS IDENTITY,
  document_id         bigint NOT NULL,
  version_label       text   NOT NULL,
  status              text   NOT NULL DEFAULT 'draft',
  author_id           bigint NOT NULL,
  approver_id         bigint,
  approved_on         date,
  effective_on        date,
  superseded_on       date,
  change_summary      text,
  content_uri         text,
  content_sha256      text,
  status_changed_at   timestamptz,
  status_changed_by   name,
  status_note         text,
  PRIMARY KEY (org_id, document_version_id),
  UNIQUE (org_id, document_id, version_label),
  FOREIGN KEY (org_id, document_id) REFERENCES iso28000.document (org_id, document_id),
  FOREIGN KEY (org_id, author_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, approver_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT document_version_label_check CHECK (btrim(version_label) <> ''),
  CONSTRAINT document_version_status_check CHECK (status IN ('draft', 'in_review',
    'approved', 'superseded', 'withdrawn')),
  CONSTRAINT document_version_approver_check CHECK (approver_id <> author_id),
  CONSTRAINT document_version_approval_check CHECK (status NOT IN ('approved', 'superseded')
    OR (approver_id IS NOT NULL AND approved_on IS NOT NULL)),
  CONSTRAINT document_version_effective_check CHECK (effective_on >= approved_on),
  CONSTRAINT document_version_superseded_check CHECK (superseded_on >= approved_on),
  CONSTRAINT document_version_sha256_check CHECK (content_sha256 ~ '^[0-9a-f]{64}$')
);
SELECT iso28000.register_table('iso28000.document_version');

-- At most one approved (current) version per document.
CREATE UNIQUE INDEX document_version_one_approved
  ON iso28000.document_version (org_id, document_id) WHERE status = 'approved';

COMMENT ON TABLE iso28000.document_version IS
  'ISO 28000 7.5.2, 7.5.3: Versions of a document with their review and approval: draft, in_review, approved (by someone who is not the author), superseded, withdrawn. At most one version of a document is approved at a time.';
COMMENT ON COLUMN iso28000.document_version.document_id IS 'The document this is a version of.';
COMMENT ON COLUMN iso28000.document_version.version_label IS 'Version identification, unique within the document (required, not blank), e.g. "3.1".';
COMMENT ON COLUMN iso28000.document_version.status IS 'draft, in_review, approved, superseded or withdrawn.';
COMMENT ON COLUMN iso28000.document_version.author_id IS 'Who wrote this version.';
COMMENT ON COLUMN iso28000.document_version.approver_id IS 'Who approved it for suitability and adequacy; never the author. Required once approved.';
COMMENT ON COLUMN iso28000.document_version.approved_on IS 'Day of approval; required once approved.';
COMMENT ON COLUMN iso28000.document_version.effective_on IS 'Day it takes effect (not before approval).';
COMMENT ON COLUMN iso28000.document_version.superseded_on IS 'Day a later version replaced it (not before approval); retention runs from here.';
COMMENT ON COLUMN iso28000.document_version.change_summary IS 'What changed from the previous version.';
COMMENT ON COLUMN iso28000.document_version.content_uri IS 'Where this version''s content is kept.';
COMMENT ON COLUMN iso28000.document_version.content_sha256 IS 'SHA-256 of the content (64 lower-case hex digits), so the approved text can be proven unaltered.';
COMMENT ON COLUMN iso28000.document_version.status_changed_at IS 'When the status last changed (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.document_version.status_changed_by IS 'Database role that last changed the status (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.document_version.status_note IS 'Reason given with the last transition; copied into the workflow event.';

-- What an approval of a document version still lacks: an approver independent of the author.
CREATE FUNCTION iso28000.document_version_approval_guard(v iso28000.document_version, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me bigint := iso28000.current_person(v.org_id);
BEGIN
  IF v.approver_id = v.author_id THEN
    RETURN 'an approver who is not the author';
  ELSIF me IS NULL THEN
    RETURN format('the approval of person %s, the approver named (the current session acts for nobody in the organisation)',
                  v.approver_id);
  ELSIF me = v.author_id THEN
    RETURN 'an approver who is not the author (the current session is the author''s)';
  ELSIF me <> v.approver_id THEN
    RETURN format('the approval of person %s, the approver named (the current session is person %s''s)',
                  v.approver_id, me);
  END IF;
  RETURN NULL;
END $$;

COMMENT ON FUNCTION iso28000.document_version_approval_guard(iso28000.document_version, text, text) IS
  'ISO 28000 7.5.2: Workflow guard of in_review -> approved: the approver is not the author, and the acting person (acting_person(): a delegated application''s act_as() or the person of the current role) is the approver named and not the author; a session that acts for nobody cannot approve. NULL when the approval may go ahead.';

-- Approving a version supersedes the version that was approved before it.
CREATE FUNCTION iso28000.document_version_supersede_previous() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.status = 'approved' AND OLD.status IS DISTINCT FROM 'approved' THEN
    -- Approvals of one document queue on its row: the later one then sees the
    -- earlier one committed and supersedes it, instead of failing on the
    -- one-approved-version index.
    PERFORM 1 FROM iso28000.document d
      WHERE d.org_id = NEW.org_id AND d.document_id = NEW.document_id
        FOR NO KEY UPDATE;
    UPDATE iso28000.document_version v
       SET status = 'superseded',
           superseded_on = greatest(NEW.approved_on, v.approved_on),
           status_note = format('superseded by version %s', NEW.version_label)
     WHERE v.org_id = NEW.org_id AND v.document_id = NEW.document_id
       AND v.status = 'approved' AND v.document_version_id <> NEW.document_version_id;
  END IF;
  RETURN NEW;
END $$;

COMMENT ON FUNCTION iso28000.document_version_supersede_previous() IS
  'ISO 28000 7.5.3: Trigger function: when a version of a document is approved, the version approved before it becomes superseded (through the workflow), so exactly one version is in force. Concurrent approvals of one document queue on the document''s row.';

CREATE TRIGGER document_version_supersede_previous
  BEFORE UPDATE OF status ON iso28000.document_version
  FOR EACH ROW EXECUTE FUNCTION iso28000.document_version_supersede_previous();

-- 7.5.2 and 7.5.3: the document workflow.
SELECT iso28000.define_workflow('document',
  'ISO 28000 7.5.2, 7.5.3: a version of a document (iso28000.document_version) from draft through review and approval, by someone who is not the author, to superseded or withdrawn.',
  states => $wf$[
    {"state": "draft", "initial": true, "deletable": true, "description": "Being written; may still be deleted."},
    {"state": "in_review", "description": "Submitted for review and approval."},
    {"state": "approved", "frozen": true, "requires": {"approver_id": "the approver (a person who is not the author)", "approved_on": "the approval date"}, "description": "Approved and in force; its content can no longer change."},
    {"state": "superseded", "terminal": true, "frozen": true, "requires": {"superseded_on": "the date it was superseded"}, "description": "Replaced by a later approved version; kept for its retention period."},
    {"state": "withdrawn", "terminal": true, "frozen": true, "description": "No longer valid and not replaced, or abandoned before approval."}
  ]$wf$,
  transitions => $wf$[
    {"from": "draft", "to": "in_review", "level": "write", "note": "The author submits the version for review."},
    {"from": "in_review", "to": "draft", "level": "write", "note": "The reviewer sends it back for changes."},
    {"from": "in_review", "to": "approved", "level": "write", "guard": "iso28000.document_version_approval_guard(iso28000.document_version, text, text)", "note": "7.5.2: approval for suitability and adequacy, by someone who is not the author."},
    {"from": "approved", "to": "superseded", "level": "write", "note": "A later version was approved (done automatically when it is)."},
    {"from": "draft", "to": "withdrawn", "level": "write", "note": "The draft is abandoned."},
    {"from": "in_review", "to": "withdrawn", "level": "write", "note": "The version is abandoned in review."},
    {"from": "approved", "to": "withdrawn", "level": "write", "note": "7.5.3: the document is withdrawn from use without replacement."}
  ]$wf$,
  builtin => true);
SELECT iso28000.attach_workflow('iso28000.document_version', 'document');

CREATE VIEW iso28000.document_current WITH (security_invoker = true) AS
SELECT d.org_id, d.document_id, d.code, d.title, d.doc_type, d.classification,
       d.owner_id, p.full_name AS owner_name,
       v.document_version_id, v.version_label, v.approved_on, v.effective_on,
       coalesce(d.next_review_on,
                (v.approved_on + coalesce(d.review_interval, s.document_review_interval::interval))::date)
         AS review_due_on
  FROM iso28000.document d
  JOIN iso28000.person p ON p.org_id = d.org_id AND p.person_id = d.owner_id
  JOIN iso28000.operation_settings s ON s.org_id = d.org_id
  LEFT JOIN iso28000.document_version v
    ON v.org_id = d.org_id AND v.document_id = d.document_id AND v.status = 'approved';

COMMENT ON VIEW iso28000.document_current IS
  'ISO 28000 7.5.2, 7.5.3: Every document with its current approved version (NULL columns when none is approved) and the date its review is due.';
GRANT SELECT ON iso28000.document_current TO PUBLIC;
COMMENT ON COLUMN iso28000.document_current.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.document_current.document_id IS 'The document.';
COMMENT ON COLUMN iso28000.document_current.code IS 'Document code.';
COMMENT ON COLUMN iso28000.document_current.title IS 'Document title.';
COMMENT ON COLUMN iso28000.document_current.doc_type IS 'Document type.';
COMMENT ON COLUMN iso28000.document_current.classification IS 'Classification.';
COMMENT ON COLUMN iso28000.document_current.owner_id IS 'Owner (person).';
COMMENT ON COLUMN iso28000.document_current.owner_name IS 'Owner''s name.';
COMMENT ON COLUMN iso28000.document_current.document_version_id IS 'The approved version, NULL if none.';
COMMENT ON COLUMN iso28000.document_current.version_label IS 'Label of the approved version.';
COMMENT ON COLUMN iso28000.document_current.approved_on IS 'When the current version was approved.';
COMMENT ON COLUMN iso28000.document_current.effective_on IS 'When the current version took effect.';
COMMENT ON COLUMN iso28000.document_current.review_due_on IS
  'next_review_on if set, else approval date plus the review interval (the document''s, or the organisation''s default).';

CREATE VIEW iso28000.document_review_overdue WITH (security_invoker = true) AS
SELECT c.org_id, c.document_id, c.code, c.title, c.owner_id, c.owner_name,
       c.version_label, c.approved_on, c.review_due_on,
       current_date - c.review_due_on AS days_overdue
  FROM iso28000.document_current c
 WHERE c.review_due_on < current_date
   AND c.document_version_id IS NOT NULL;

COMMENT ON VIEW iso28000.document_review_overdue IS
  'ISO 28000 7.5.2, 7.5.3: Documents in force (with an approved version) whose review date has passed.';
GRANT SELECT ON iso28000.document_review_overdue TO PUBLIC;
COMMENT ON COLUMN iso28000.document_review_overdue.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.document_review_overdue.document_id IS 'The document.';
COMMENT ON COLUMN iso28000.document_review_overdue.code IS 'Document code.';
COMMENT ON COLUMN iso28000.document_review_overdue.title IS 'Document title.';
COMMENT ON COLUMN iso28000.document_review_overdue.owner_id IS 'Owner (person) who must review it.';
COMMENT ON COLUMN iso28000.document_review_overdue.owner_name IS 'Owner''s name.';
COMMENT ON COLUMN iso28000.document_review_overdue.version_label IS 'The approved version in force.';
COMMENT ON COLUMN iso28000.document_review_overdue.approved_on IS 'When it was approved.';
COMMENT ON COLUMN iso28000.document_review_overdue.review_due_on IS 'When its review was due.';
COMMENT ON COLUMN iso28000.document_review_overdue.days_overdue IS 'Days since the review date.';
