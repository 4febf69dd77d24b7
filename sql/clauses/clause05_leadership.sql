/*
 * sql/clauses/clause05_leadership.sql
 *		ISO 28000 clause 5, leadership: versions of the security policy (5.2)
 *		and the roles, responsibilities and authorities of the SMS with the
 *		people who hold them (5.3), including the authority to accept risks
 *		that the risk workflow checks.
 */

-- 5.2 Versions of the security policy, each approved by top management.
CREATE TABLE iso28000.security_policy (
    org_id                 bigint NOT NULL REFERENCES iso28000.organization,
    security_policy_id     bigint GENERATED ALWAYS AS IDENTITY,
    version                integer NOT NULL CONSTRAINT security_policy_version_positive CHECK (version > 0),
    title                  text NOT NULL CONSTRAINT security_policy_title_present CHECK (btrim(title) <> ''),
    body                   text NOT NULL CONSTRAINT security_policy_body_present CHECK (btrim(body) <> ''),
    commits_to_requirements boolean NOT NULL DEFAULT false,
    commits_to_improvement boolean NOT NULL DEFAULT false,
    author_id              bigint,
    approved_by            bigint,
    approved_on            date,
    effective_from         date,
    superseded_on          date,
    communicated_on        date,
    review_on              date,
    PRIMARY KEY (org_id, security_policy_id),
    CONSTRAINT security_policy_version_unique UNIQUE (org_id, version),
    FOREIGN KEY (org_id, author_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, approved_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT security_policy_approval_complete CHECK ((approved_by IS NULL) = (approved_on IS NULL)),
    CONSTRAINT security_policy_approver_not_author CHECK (approved_by <> author_id),
    CONSTRAINT security_policy_commitments_before_approval CHECK
      (approved_on IS NULL OR (commits_to_requirements AND commits_to_improvement)),
    CONSTRAINT security_policy_effective_needs_approval CHECK
      (effective_from IS NULL OR (approved_on IS NOT NULL AND approved_on <= effective_from)),
    CONSTRAINT security_policy_superseded_after_effective CHECK (superseded_on >= effective_from),
    CONSTRAINT security_policy_communicated_after_approval CHECK (communicated_on >= approved_on),
    CONSTRAINT security_policy_review_after_approval CHECK (review_on >= approved_on)
);
SELECT iso28000.register_table('iso28000.security_policy');
-- Who approved / verified / accepted is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.security_policy
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('approved_by');
COMMENT ON TABLE iso28000.security_policy IS
  'ISO 28000 5.2, 5.2.1, 5.2.2: Versions of the security policy, with the commitments 5.2.1 requires, approval by someone other than the author, and communication.';
COMMENT ON COLUMN iso28000.security_policy.version IS 'Version number, unique within the organisation (positive).';
COMMENT ON COLUMN iso28000.security_policy.title IS 'Title (required).';
COMMENT ON COLUMN iso28000.security_policy.body IS 'Text of the policy (required).';
COMMENT ON COLUMN iso28000.security_policy.commits_to_requirements IS 'The policy commits to satisfy applicable requirements (5.2.1 c); required before approval.';
COMMENT ON COLUMN iso28000.security_policy.commits_to_improvement IS 'The policy commits to continual improvement of the SMS (5.2.1 d); required before approval.';
COMMENT ON COLUMN iso28000.security_policy.author_id IS 'Person who drafted the version.';
COMMENT ON COLUMN iso28000.security_policy.approved_by IS 'Person (top management) who approved it; never the author; set together with approved_on.';
COMMENT ON COLUMN iso28000.security_policy.approved_on IS 'Date of approval.';
COMMENT ON COLUMN iso28000.security_policy.effective_from IS 'First day the version applies; needs an approval on or before it.';
COMMENT ON COLUMN iso28000.security_policy.superseded_on IS 'Day a later version replaced it; not before effective_from.';
COMMENT ON COLUMN iso28000.security_policy.communicated_on IS 'Date it was communicated within the organisation (5.2.2); not before approval.';
COMMENT ON COLUMN iso28000.security_policy.review_on IS 'Date of the next review; not before approval.';

-- 5.3 Roles of the SMS with their responsibilities and authorities.
CREATE TABLE iso28000.sms_role (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    sms_role_id        bigint GENERATED ALWAYS AS IDENTITY,
    name               text NOT NULL CONSTRAINT sms_role_name_present CHECK (btrim(name) <> ''),
    responsibilities   text NOT NULL CONSTRAINT sms_role_responsibilities_present CHECK (btrim(responsibilities) <> ''),
    authorities        text,
    may_accept_risks   boolean NOT NULL DEFAULT false,
    accept_up_to_band  text CONSTRAINT sms_role_accept_band_valid CHECK (accept_up_to_band IN ('low', 'medium', 'high', 'critical')),
    reports_on_performance boolean NOT NULL DEFAULT false,
    established_on     date NOT NULL DEFAULT current_date,
    retired_on         date,
    may_approve_provider_exceptions boolean NOT NULL DEFAULT false,
    PRIMARY KEY (org_id, sms_role_id),
    CONSTRAINT sms_role_name_unique UNIQUE (org_id, name),
    CONSTRAINT sms_role_band_needs_authority CHECK (accept_up_to_band IS NULL OR may_accept_risks),
    CONSTRAINT sms_role_retired_after_established CHECK (retired_on >= established_on)
);
SELECT iso28000.register_table('iso28000.sms_role');
COMMENT ON TABLE iso28000.sms_role IS
  'ISO 28000 5.3: Roles of the SMS, their responsibilities and authorities, including the authority to accept risks.';
COMMENT ON COLUMN iso28000.sms_role.name IS 'Name of the role, unique within the organisation (required).';
COMMENT ON COLUMN iso28000.sms_role.responsibilities IS 'What the holder is responsible for (required).';
COMMENT ON COLUMN iso28000.sms_role.authorities IS 'What the holder may decide.';
COMMENT ON COLUMN iso28000.sms_role.may_accept_risks IS 'The holder may accept risks (the accepted state of the risk workflow needs it).';
COMMENT ON COLUMN iso28000.sms_role.accept_up_to_band IS 'Highest band of risk the holder may accept; NULL means any band; only with may_accept_risks.';
COMMENT ON COLUMN iso28000.sms_role.reports_on_performance IS 'The holder reports on the performance of the SMS to top management (5.3 b).';
COMMENT ON COLUMN iso28000.sms_role.established_on IS 'Date the role was established.';
COMMENT ON COLUMN iso28000.sms_role.retired_on IS 'Date the role was retired; not before established_on.';
COMMENT ON COLUMN iso28000.sms_role.may_approve_provider_exceptions IS 'The holder may approve an exception that admits a provider falling short of its security requirements (provider_exception, 8.1); set by a manager.';

-- 5.3 Who holds which role, and when.
CREATE TABLE iso28000.role_assignment (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    role_assignment_id bigint GENERATED ALWAYS AS IDENTITY,
    sms_role_id        bigint NOT NULL,
    person_id          bigint NOT NULL,
    assigned_on        date NOT NULL DEFAULT current_date,
    ended_on           date,
    assigned_by        bigint,
    PRIMARY KEY (org_id, role_assignment_id),
    FOREIGN KEY (org_id, sms_role_id) REFERENCES iso28000.sms_role (org_id, sms_role_id),
    FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, assigned_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT role_assignment_ended_after_assigned CHECK (ended_on >= assigned_on)
);
SELECT iso28000.register_table('iso28000.role_assignment');
CREATE INDEX role_assignment_person ON iso28000.role_assignment (org_id, person_id);
COMMENT ON TABLE iso28000.role_assignment IS
  'ISO 28000 5.3: Assignment of SMS roles to people over time.';
COMMENT ON COLUMN iso28000.role_assignment.sms_role_id IS 'The role.';
COMMENT ON COLUMN iso28000.role_assignment.person_id IS 'The person who holds it.';
COMMENT ON COLUMN iso28000.role_assignment.assigned_on IS 'First day the person holds the role.';
COMMENT ON COLUMN iso28000.role_assignment.ended_on IS 'Last day the person holds the role; NULL while they do; not before assigned_on.';
COMMENT ON COLUMN iso28000.role_assignment.assigned_by IS 'Person who made the assignment.';

-- Roles that carry an authority (may_accept_risks, may_approve_provider_exceptions)
-- are a manager's business: creating or changing such a role, and assigning it
-- to a person or ending the assignment, need manage (IS022), so a writer cannot
-- give himself the authority to accept risks or to admit a provider.
CREATE FUNCTION iso28000.sms_role_authority_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec iso28000.sms_role := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
  IF ((TG_OP IN ('INSERT', 'UPDATE') AND (NEW.may_accept_risks OR NEW.may_approve_provider_exceptions))
      OR (TG_OP IN ('UPDATE', 'DELETE') AND (OLD.may_accept_risks OR OLD.may_approve_provider_exceptions)))
     AND (TG_OP <> 'UPDATE' OR (NEW.may_accept_risks, NEW.accept_up_to_band, NEW.retired_on, NEW.established_on,
                                NEW.may_approve_provider_exceptions)
                               IS DISTINCT FROM (OLD.may_accept_risks, OLD.accept_up_to_band, OLD.retired_on, OLD.established_on,
                                                 OLD.may_approve_provider_exceptions))
     AND NOT coalesce(iso28000.has_level(rec.org_id, 'manage'), false) THEN
    RAISE EXCEPTION 'role "%" cannot change the authority of SMS role "%" of organisation %: that needs level manage',
                    current_user, rec.name, rec.org_id
      USING ERRCODE = 'IS022', SCHEMA = 'iso28000', TABLE = 'sms_role',
            COLUMN = CASE WHEN rec.may_accept_risks OR (TG_OP = 'UPDATE' AND OLD.may_accept_risks)
                          THEN 'may_accept_risks' ELSE 'may_approve_provider_exceptions' END,
            DETAIL = 'The authorities to accept risks (with its band limit) and to approve provider exceptions, and their validity, are decided by a manager.',
            HINT = 'A manager of the organisation makes the change.';
  END IF;
  RETURN rec;
END
$$;
COMMENT ON FUNCTION iso28000.sms_role_authority_guard() IS
  'Trigger on sms_role: creating, changing (authority, band, validity) or deleting a role that may accept risks or approve provider exceptions needs level manage (IS022).';
CREATE TRIGGER sms_role_authority_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.sms_role
  FOR EACH ROW EXECUTE FUNCTION iso28000.sms_role_authority_guard();

CREATE FUNCTION iso28000.role_assignment_authority_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec iso28000.role_assignment := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  role_name text;
BEGIN
  SELECT r.name INTO role_name FROM iso28000.sms_role r
   WHERE (r.may_accept_risks OR r.may_approve_provider_exceptions) AND r.org_id = rec.org_id
     AND r.sms_role_id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.sms_role_id END,
                           CASE WHEN TG_OP <> 'INSERT' THEN OLD.sms_role_id END)
   LIMIT 1;
  IF role_name IS NOT NULL AND NOT coalesce(iso28000.has_level(rec.org_id, 'manage'), false) THEN
    RAISE EXCEPTION 'role "%" cannot assign SMS role "%" of organisation %: it carries an authority (to accept risks or to approve provider exceptions), which needs level manage',
                    current_user, role_name, rec.org_id
      USING ERRCODE = 'IS022', SCHEMA = 'iso28000', TABLE = 'role_assignment', COLUMN = 'sms_role_id',
            DETAIL = 'Who holds an authority is decided by a manager.',
            HINT = 'A manager of the organisation makes the assignment.';
  END IF;
  RETURN rec;
END
$$;
COMMENT ON FUNCTION iso28000.role_assignment_authority_guard() IS
  'Trigger on role_assignment: assigning, changing or deleting the assignment of an SMS role that may accept risks or approve provider exceptions needs level manage (IS022).';
CREATE TRIGGER role_assignment_authority_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.role_assignment
  FOR EACH ROW EXECUTE FUNCTION iso28000.role_assignment_authority_guard();
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.role_assignment
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('assigned_by');

-- Whether a person may accept a risk of the given rating on a date.
CREATE FUNCTION iso28000.may_accept_risk(org bigint, person bigint, rating iso28000.risk_rating,
                                         on_date date DEFAULT current_date) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN EXISTS (
    SELECT FROM iso28000.role_assignment a
      JOIN iso28000.sms_role r ON r.org_id = a.org_id AND r.sms_role_id = a.sms_role_id
      JOIN iso28000.person p ON p.org_id = a.org_id AND p.person_id = a.person_id
     WHERE a.org_id = org AND a.person_id = person AND p.active
       AND r.may_accept_risks
       AND a.assigned_on <= on_date AND (a.ended_on IS NULL OR a.ended_on >= on_date)
       AND (r.retired_on IS NULL OR r.retired_on >= on_date)
       AND (r.accept_up_to_band IS NULL OR rating IS NULL
            OR iso28000.band_rank(iso28000.band(org, rating)) <= iso28000.band_rank(r.accept_up_to_band)));
COMMENT ON FUNCTION iso28000.may_accept_risk(bigint, bigint, iso28000.risk_rating, date) IS
  'True when the active person holds, on the date, a role with the authority to accept risks whose band limit (if any) covers the rating''s band for the organisation.';

-- 5.3 Who holds which role today.
CREATE VIEW iso28000.role_holder WITH (security_invoker = true) AS
SELECT r.org_id, r.sms_role_id, r.name AS role_name, a.person_id, p.full_name,
       a.assigned_on, r.may_accept_risks, r.accept_up_to_band
  FROM iso28000.sms_role r
  JOIN iso28000.role_assignment a ON a.org_id = r.org_id AND a.sms_role_id = r.sms_role_id
  JOIN iso28000.person p ON p.org_id = a.org_id AND p.person_id = a.person_id
 WHERE a.assigned_on <= current_date AND (a.ended_on IS NULL OR a.ended_on >= current_date)
   AND (r.retired_on IS NULL OR r.retired_on >= current_date);
COMMENT ON VIEW iso28000.role_holder IS 'ISO 28000 5.3: The people who hold each SMS role today.';
GRANT SELECT ON iso28000.role_holder TO PUBLIC;
COMMENT ON COLUMN iso28000.role_holder.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.role_holder.sms_role_id IS 'The role.';
COMMENT ON COLUMN iso28000.role_holder.role_name IS 'Name of the role.';
COMMENT ON COLUMN iso28000.role_holder.person_id IS 'The holder.';
COMMENT ON COLUMN iso28000.role_holder.full_name IS 'Full name of the holder.';
COMMENT ON COLUMN iso28000.role_holder.assigned_on IS 'Since when the holder holds the role.';
COMMENT ON COLUMN iso28000.role_holder.may_accept_risks IS 'The role carries the authority to accept risks.';
COMMENT ON COLUMN iso28000.role_holder.accept_up_to_band IS 'Highest band the holder may accept; NULL means any.';

-- 5.1 Top management's commitments to the SMS, and their evidence.
CREATE TABLE iso28000.leadership_commitment (
  org_id         bigint NOT NULL REFERENCES iso28000.organization,
  commitment_id  bigint GENERATED ALWAYS AS IDENTITY,
  commitment     text   NOT NULL,
  made_by        bigint NOT NULL,
  made_on        date   NOT NULL DEFAULT current_date,
  evidence       text,
  evidence_on    date,
  review_on      date,
  PRIMARY KEY (org_id, commitment_id),
  FOREIGN KEY (org_id, made_by) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT leadership_commitment_text_check CHECK (btrim(commitment) <> ''),
  CONSTRAINT leadership_commitment_evidence_check CHECK ((evidence_on IS NULL) = (coalesce(btrim(evidence), '') = '')),
  CONSTRAINT leadership_commitment_evidence_date_check CHECK (evidence_on >= made_on),
  CONSTRAINT leadership_commitment_review_check CHECK (review_on >= made_on)
);
SELECT iso28000.register_table('iso28000.leadership_commitment');
COMMENT ON TABLE iso28000.leadership_commitment IS
  'ISO 28000 5.1: Commitments top management makes to the security management system (resources available, policy and objectives compatible with the strategy, integration into the business processes, communication, support of other managers) and the evidence that each is kept.';
COMMENT ON COLUMN iso28000.leadership_commitment.commitment IS 'What top management commits to (required, not blank).';
COMMENT ON COLUMN iso28000.leadership_commitment.made_by IS 'The member of top management who made it.';
COMMENT ON COLUMN iso28000.leadership_commitment.made_on IS 'Date it was made.';
COMMENT ON COLUMN iso28000.leadership_commitment.evidence IS 'Evidence that it is kept (minutes, budget line, a communication); given together with evidence_on.';
COMMENT ON COLUMN iso28000.leadership_commitment.evidence_on IS 'Date of that evidence; not before made_on.';
COMMENT ON COLUMN iso28000.leadership_commitment.review_on IS 'Date it is next reviewed; not before made_on.';

CREATE VIEW iso28000.leadership_commitment_evidence WITH (security_invoker = true) AS
SELECT c.org_id, c.commitment_id, c.commitment, p.full_name AS made_by_name, c.made_on, c.evidence_on,
       CASE WHEN c.evidence_on IS NULL THEN 'no_evidence'
            WHEN c.review_on < current_date THEN 'review_due'
            ELSE 'evidenced' END AS standing
  FROM iso28000.leadership_commitment c
  JOIN iso28000.person p ON p.org_id = c.org_id AND p.person_id = c.made_by;
COMMENT ON VIEW iso28000.leadership_commitment_evidence IS
  'ISO 28000 5.1: Every commitment of top management with its standing: evidenced, no_evidence or review_due.';
GRANT SELECT ON iso28000.leadership_commitment_evidence TO PUBLIC;
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.commitment_id IS 'The commitment.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.commitment IS 'What was committed to.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.made_by_name IS 'Who made it.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.made_on IS 'When.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.evidence_on IS 'Date of the latest evidence.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.standing IS 'evidenced, no_evidence or review_due.';
