/*
 * sql/clauses/clause09_evaluation.sql
 *		Clause 9 of ISO 28000:2022, performance evaluation: conformity
 *		self-assessments (9.1), internal audit programmes, audits and findings
 *		(9.2), management reviews with their input checklist, input pack and
 *		results (9.3), and the views that report on them.
 *
 * Grades and scoring come from sql/core/05_scoring.sql.  The audit and
 * review workflows are declared at the end of this file (rules of the
 * engine in sql/core/07_workflow.sql); the nonconformity register that a
 * graded finding raises lives in clause10_improvement.sql, which is installed
 * after this file, so the functions that use it are PL/pgSQL (names resolved
 * at run time).  Reference: doc/audit-review.md.
 */

-- ---------------------------------------------------------------------------
-- 9.1 Conformity self-assessments
-- ---------------------------------------------------------------------------

CREATE TABLE iso28000.self_assessment (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    assessment_id  bigint GENERATED ALWAYS AS IDENTITY,
    title          text NOT NULL CONSTRAINT self_assessment_title_present CHECK (btrim(title) <> ''),
    assessed_on    date NOT NULL,
    scope          iso28000.clause_ref[] NOT NULL DEFAULT '{}',
    assessor_id    bigint,
    method         text,
    note           text,
    PRIMARY KEY (org_id, assessment_id),
    FOREIGN KEY (org_id, assessor_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.self_assessment');
COMMENT ON TABLE iso28000.self_assessment IS
  'ISO 28000 9.1, 9.1.2: Conformity self-assessments: an organisation grades the clauses of its SMS on a date; the results hold one grade per clause.';
COMMENT ON COLUMN iso28000.self_assessment.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.self_assessment.assessment_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.self_assessment.title IS 'Name of the assessment.';
COMMENT ON COLUMN iso28000.self_assessment.assessed_on IS 'Date of the assessment; the trend and the latest grade per clause follow it.';
COMMENT ON COLUMN iso28000.self_assessment.scope IS 'Clauses assessed (each covers its sub-clauses); empty means the whole SMS.';
COMMENT ON COLUMN iso28000.self_assessment.assessor_id IS 'Person who led the assessment.';
COMMENT ON COLUMN iso28000.self_assessment.method IS 'How the assessment was done (interviews, document review, sampling...).';
COMMENT ON COLUMN iso28000.self_assessment.note IS 'Free note.';

CREATE TABLE iso28000.assessment_result (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    result_id      bigint GENERATED ALWAYS AS IDENTITY,
    assessment_id  bigint NOT NULL,
    clause         iso28000.clause_ref NOT NULL,
    grade          iso28000.conformity_grade NOT NULL,
    weight         integer NOT NULL DEFAULT 1 CONSTRAINT assessment_result_weight_not_negative CHECK (weight >= 0),
    evidence       text,
    note           text,
    PRIMARY KEY (org_id, result_id),
    CONSTRAINT assessment_result_one_grade_per_clause UNIQUE (org_id, assessment_id, clause),
    FOREIGN KEY (org_id, assessment_id) REFERENCES iso28000.self_assessment (org_id, assessment_id)
);
SELECT iso28000.register_table('iso28000.assessment_result');
COMMENT ON TABLE iso28000.assessment_result IS
  'ISO 28000 9.1, 9.1.2: Results of a self-assessment: one grade per clause, with a weight, the evidence and a note.';
COMMENT ON COLUMN iso28000.assessment_result.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.assessment_result.result_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.assessment_result.assessment_id IS 'The self-assessment.';
COMMENT ON COLUMN iso28000.assessment_result.clause IS 'Clause graded.';
COMMENT ON COLUMN iso28000.assessment_result.grade IS 'Grade given to the clause.';
COMMENT ON COLUMN iso28000.assessment_result.weight IS 'How much the clause counts in the score (zero or more).';
COMMENT ON COLUMN iso28000.assessment_result.evidence IS 'Evidence examined (documents, records, interviews).';
COMMENT ON COLUMN iso28000.assessment_result.note IS 'Free note.';

-- ---------------------------------------------------------------------------
-- 9.1 Indicators and their measurements
-- ---------------------------------------------------------------------------

CREATE TABLE iso28000.indicator (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    indicator_id    bigint GENERATED ALWAYS AS IDENTITY,
    name            text NOT NULL CONSTRAINT indicator_name_present CHECK (btrim(name) <> ''),
    description     text,
    clause          iso28000.clause_ref NOT NULL DEFAULT '9.1',
    unit            text NOT NULL CONSTRAINT indicator_unit_present CHECK (btrim(unit) <> ''),
    direction       text NOT NULL DEFAULT 'increase'
                    CONSTRAINT indicator_direction_valid CHECK (direction IN ('increase', 'decrease', 'maintain')),
    target          numeric,
    threshold       numeric,
    frequency       interval NOT NULL DEFAULT '1 month'
                    CONSTRAINT indicator_frequency_positive CHECK (frequency > interval '0'),
    method          text,
    owner_id        bigint,
    active          boolean NOT NULL DEFAULT true,
    PRIMARY KEY (org_id, indicator_id),
    CONSTRAINT indicator_name_unique UNIQUE (org_id, name),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.indicator');
COMMENT ON TABLE iso28000.indicator IS
  'ISO 28000 9.1, 9.1.1: Indicators of security performance: what is measured, how, how often, by whom, and the target to evaluate it against.';
COMMENT ON COLUMN iso28000.indicator.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.indicator.indicator_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.indicator.name IS 'Name of the indicator (unique in the organisation).';
COMMENT ON COLUMN iso28000.indicator.description IS 'What the indicator shows.';
COMMENT ON COLUMN iso28000.indicator.clause IS 'Clause the indicator monitors (default 9.1).';
COMMENT ON COLUMN iso28000.indicator.unit IS 'Unit of the values.';
COMMENT ON COLUMN iso28000.indicator.direction IS 'Which way is better: increase, decrease or maintain (the target).';
COMMENT ON COLUMN iso28000.indicator.target IS 'Value aimed at.';
COMMENT ON COLUMN iso28000.indicator.threshold IS 'Value past which action is needed (below it for increase, above it for decrease).';
COMMENT ON COLUMN iso28000.indicator.frequency IS 'How often it is measured; a measurement older than this is overdue.';
COMMENT ON COLUMN iso28000.indicator.method IS 'Method of monitoring, measurement, analysis and evaluation (9.1 b).';
COMMENT ON COLUMN iso28000.indicator.owner_id IS 'Person who measures it.';
COMMENT ON COLUMN iso28000.indicator.active IS 'False once the indicator is retired; its measurements are kept.';

CREATE TABLE iso28000.indicator_measurement (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    measurement_id  bigint GENERATED ALWAYS AS IDENTITY,
    indicator_id    bigint NOT NULL,
    measured_on     date NOT NULL,
    value           numeric NOT NULL,
    measured_by     bigint,
    note            text,
    PRIMARY KEY (org_id, measurement_id),
    CONSTRAINT indicator_measurement_one_per_day UNIQUE (org_id, indicator_id, measured_on),
    FOREIGN KEY (org_id, indicator_id) REFERENCES iso28000.indicator (org_id, indicator_id),
    FOREIGN KEY (org_id, measured_by) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.indicator_measurement');
COMMENT ON TABLE iso28000.indicator_measurement IS
  'ISO 28000 9.1, 9.1.1: Measurements of the indicators over time (one per indicator per day).';
COMMENT ON COLUMN iso28000.indicator_measurement.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.indicator_measurement.measurement_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.indicator_measurement.indicator_id IS 'The indicator.';
COMMENT ON COLUMN iso28000.indicator_measurement.measured_on IS 'Date of the measurement.';
COMMENT ON COLUMN iso28000.indicator_measurement.value IS 'Measured value, in the indicator''s unit.';
COMMENT ON COLUMN iso28000.indicator_measurement.measured_by IS 'Person who measured it.';
COMMENT ON COLUMN iso28000.indicator_measurement.note IS 'Free note.';

CREATE VIEW iso28000.indicator_status WITH (security_invoker = true) AS
SELECT i.org_id, i.indicator_id, i.name, i.clause, i.unit, i.direction, i.target, i.threshold,
       m.measured_on AS last_measured_on, m.value AS last_value, p.value AS previous_value,
       m.value - p.value AS change,
       CASE WHEN m.value IS NULL OR i.target IS NULL THEN NULL
            WHEN i.direction = 'increase' THEN m.value >= i.target
            WHEN i.direction = 'decrease' THEN m.value <= i.target
            ELSE m.value = i.target END AS on_target,
       CASE WHEN m.value IS NULL OR i.threshold IS NULL THEN NULL
            WHEN i.direction = 'decrease' THEN m.value > i.threshold
            ELSE m.value < i.threshold END AS past_threshold,
       m.measured_on IS NULL OR m.measured_on + i.frequency < current_date AS measurement_overdue
  FROM iso28000.indicator i
  LEFT JOIN LATERAL (SELECT measured_on, value FROM iso28000.indicator_measurement x
                      WHERE x.org_id = i.org_id AND x.indicator_id = i.indicator_id
                      ORDER BY measured_on DESC LIMIT 1) m ON true
  LEFT JOIN LATERAL (SELECT value FROM iso28000.indicator_measurement x
                      WHERE x.org_id = i.org_id AND x.indicator_id = i.indicator_id
                        AND x.measured_on < m.measured_on
                      ORDER BY measured_on DESC LIMIT 1) p ON true
 WHERE i.active;
COMMENT ON VIEW iso28000.indicator_status IS
  'ISO 28000 9.1, 9.3.2: Each active indicator with its latest and previous value, the change, whether it is on target or past its threshold, and whether a measurement is overdue.';
COMMENT ON COLUMN iso28000.indicator_status.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.indicator_status.indicator_id IS 'The indicator.';
COMMENT ON COLUMN iso28000.indicator_status.name IS 'Name of the indicator.';
COMMENT ON COLUMN iso28000.indicator_status.clause IS 'Clause the indicator monitors.';
COMMENT ON COLUMN iso28000.indicator_status.unit IS 'Unit of the values.';
COMMENT ON COLUMN iso28000.indicator_status.direction IS 'Which way is better.';
COMMENT ON COLUMN iso28000.indicator_status.target IS 'Value aimed at.';
COMMENT ON COLUMN iso28000.indicator_status.threshold IS 'Value past which action is needed.';
COMMENT ON COLUMN iso28000.indicator_status.last_measured_on IS 'Date of the latest measurement.';
COMMENT ON COLUMN iso28000.indicator_status.last_value IS 'Latest value.';
COMMENT ON COLUMN iso28000.indicator_status.previous_value IS 'Value of the measurement before it.';
COMMENT ON COLUMN iso28000.indicator_status.change IS 'Latest minus previous value.';
COMMENT ON COLUMN iso28000.indicator_status.on_target IS 'Latest value meets the target in the indicator''s direction (NULL without target or value).';
COMMENT ON COLUMN iso28000.indicator_status.past_threshold IS 'Latest value is past the threshold (NULL without threshold or value).';
COMMENT ON COLUMN iso28000.indicator_status.measurement_overdue IS 'No measurement yet, or the latest is older than the frequency.';

-- ---------------------------------------------------------------------------
-- 9.2 Internal audit: programmes, audits, teams, auditees, findings
-- ---------------------------------------------------------------------------

CREATE TABLE iso28000.audit_programme (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    programme_id   bigint GENERATED ALWAYS AS IDENTITY,
    title          text NOT NULL CONSTRAINT audit_programme_title_present CHECK (btrim(title) <> ''),
    period_start   date NOT NULL,
    period_end     date NOT NULL,
    frequency      interval NOT NULL DEFAULT '1 year'
                   CONSTRAINT audit_programme_frequency_positive CHECK (frequency > interval '0'),
    scope          iso28000.clause_ref[] NOT NULL DEFAULT '{4,5,6,7,8,9,10}'
                   CONSTRAINT audit_programme_scope_present CHECK (cardinality(scope) > 0),
    methods        text,
    criteria       text,
    owner_id       bigint,
    note           text,
    PRIMARY KEY (org_id, programme_id),
    CONSTRAINT audit_programme_period_in_order CHECK (period_end >= period_start),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.audit_programme');
COMMENT ON TABLE iso28000.audit_programme IS
  'ISO 28000 9.2.1, 9.2.2: Internal audit programmes: the cycle (period and frequency), the clauses the cycle must cover, methods and criteria.';
COMMENT ON COLUMN iso28000.audit_programme.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_programme.programme_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.audit_programme.title IS 'Name of the programme.';
COMMENT ON COLUMN iso28000.audit_programme.period_start IS 'First day of the audit cycle.';
COMMENT ON COLUMN iso28000.audit_programme.period_end IS 'Last day of the audit cycle.';
COMMENT ON COLUMN iso28000.audit_programme.frequency IS 'How often each clause of the scope is to be audited (e.g. 1 year).';
COMMENT ON COLUMN iso28000.audit_programme.scope IS 'Clauses the cycle must cover (each covers its sub-clauses); audit_coverage shows which were audited and which were missed.';
COMMENT ON COLUMN iso28000.audit_programme.methods IS 'Audit methods (on site, remote, document review, sampling...).';
COMMENT ON COLUMN iso28000.audit_programme.criteria IS 'Audit criteria (ISO 28000:2022, own policies, legal requirements...).';
COMMENT ON COLUMN iso28000.audit_programme.owner_id IS 'Person responsible for the programme.';
COMMENT ON COLUMN iso28000.audit_programme.note IS 'Free note.';

CREATE TABLE iso28000.audit (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    audit_id          bigint GENERATED ALWAYS AS IDENTITY,
    programme_id      bigint,
    title             text NOT NULL CONSTRAINT audit_title_present CHECK (btrim(title) <> ''),
    scope             iso28000.clause_ref[] NOT NULL
                      CONSTRAINT audit_scope_present CHECK (cardinality(scope) > 0),
    objectives        text,
    criteria          text,
    lead_auditor_id   bigint NOT NULL,
    planned_start_on  date NOT NULL,
    planned_end_on    date NOT NULL,
    started_on        date,
    ended_on          date,
    reported_on       date,
    closed_on         date,
    report            text,
    conclusion        text,
    status            text NOT NULL DEFAULT 'planned',
    status_changed_at timestamptz,
    status_changed_by name,
    status_note       text,
    PRIMARY KEY (org_id, audit_id),
    FOREIGN KEY (org_id, programme_id) REFERENCES iso28000.audit_programme (org_id, programme_id),
    FOREIGN KEY (org_id, lead_auditor_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT audit_planned_dates_in_order CHECK (planned_end_on >= planned_start_on),
    CONSTRAINT audit_dates_in_order CHECK (ended_on >= started_on AND reported_on >= started_on
                                           AND closed_on >= reported_on)
);
SELECT iso28000.register_table('iso28000.audit');
COMMENT ON TABLE iso28000.audit IS
  'ISO 28000 9.2.1, 9.2.2: Internal audits: scope as clause references (a clause covers its sub-clauses), lead auditor, dates, report; workflow planned, in_progress, reported, closed (or cancelled).';
COMMENT ON COLUMN iso28000.audit.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit.audit_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.audit.programme_id IS 'Programme the audit belongs to, if any.';
COMMENT ON COLUMN iso28000.audit.title IS 'Name of the audit.';
COMMENT ON COLUMN iso28000.audit.scope IS 'Clauses audited; each covers its sub-clauses (8.6 covers 8.6.4). Findings must fall inside it.';
COMMENT ON COLUMN iso28000.audit.objectives IS 'Audit objectives.';
COMMENT ON COLUMN iso28000.audit.criteria IS 'Audit criteria, when they differ from the programme''s.';
COMMENT ON COLUMN iso28000.audit.lead_auditor_id IS 'Lead auditor (also a member of the audit team).';
COMMENT ON COLUMN iso28000.audit.planned_start_on IS 'Planned first day.';
COMMENT ON COLUMN iso28000.audit.planned_end_on IS 'Planned last day.';
COMMENT ON COLUMN iso28000.audit.started_on IS 'Actual first day (needed to enter in_progress).';
COMMENT ON COLUMN iso28000.audit.ended_on IS 'Actual last day of fieldwork.';
COMMENT ON COLUMN iso28000.audit.reported_on IS 'Date the report was issued (needed to enter reported).';
COMMENT ON COLUMN iso28000.audit.closed_on IS 'Date the audit was closed (needed to enter closed).';
COMMENT ON COLUMN iso28000.audit.report IS 'The audit report, or where it is kept (needed to enter reported).';
COMMENT ON COLUMN iso28000.audit.conclusion IS 'Audit conclusion (needed to enter reported).';
COMMENT ON COLUMN iso28000.audit.status IS 'Workflow state: planned, in_progress, reported, closed, cancelled.';
COMMENT ON COLUMN iso28000.audit.status_changed_at IS 'When the status last changed (stamped by the workflow engine).';
COMMENT ON COLUMN iso28000.audit.status_changed_by IS 'Who last changed the status (stamped by the workflow engine).';
COMMENT ON COLUMN iso28000.audit.status_note IS 'Note recorded with the next transition (e.g. why an audit was cancelled).';

CREATE TABLE iso28000.audit_team_member (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    team_member_id  bigint GENERATED ALWAYS AS IDENTITY,
    audit_id        bigint NOT NULL,
    person_id       bigint NOT NULL,
    role            text NOT NULL DEFAULT 'auditor'
                    CONSTRAINT audit_team_member_role_known CHECK (role IN ('auditor', 'technical_expert', 'observer', 'trainee')),
    PRIMARY KEY (org_id, team_member_id),
    CONSTRAINT audit_team_member_once UNIQUE (org_id, audit_id, person_id),
    FOREIGN KEY (org_id, audit_id) REFERENCES iso28000.audit (org_id, audit_id),
    FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.audit_team_member');
COMMENT ON TABLE iso28000.audit_team_member IS
  'ISO 28000 9.2.2: Auditors of an audit besides the lead auditor; none may audit a process they own.';
COMMENT ON COLUMN iso28000.audit_team_member.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_team_member.team_member_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.audit_team_member.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_team_member.person_id IS 'The auditor.';
COMMENT ON COLUMN iso28000.audit_team_member.role IS 'auditor, technical_expert, observer or trainee.';

CREATE TABLE iso28000.audit_auditee (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    auditee_id      bigint GENERATED ALWAYS AS IDENTITY,
    audit_id        bigint NOT NULL,
    process_id      bigint,
    person_id       bigint,
    note            text,
    PRIMARY KEY (org_id, auditee_id),
    CONSTRAINT audit_auditee_process_or_person CHECK (process_id IS NOT NULL OR person_id IS NOT NULL),
    FOREIGN KEY (org_id, audit_id) REFERENCES iso28000.audit (org_id, audit_id),
    FOREIGN KEY (org_id, process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
    FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.audit_auditee');
COMMENT ON TABLE iso28000.audit_auditee IS
  'ISO 28000 9.2.2: What an audit examines: SMS processes (4.4) and the people interviewed. An auditor may not audit a process they own.';
COMMENT ON COLUMN iso28000.audit_auditee.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_auditee.auditee_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.audit_auditee.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_auditee.process_id IS 'SMS process audited (4.4 register iso28000.sms_process).';
COMMENT ON COLUMN iso28000.audit_auditee.person_id IS 'Person audited or interviewed.';
COMMENT ON COLUMN iso28000.audit_auditee.note IS 'Free note.';

CREATE TABLE iso28000.audit_finding (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    finding_id        bigint GENERATED ALWAYS AS IDENTITY,
    audit_id          bigint NOT NULL,
    clause            iso28000.clause_ref NOT NULL,
    grade             iso28000.conformity_grade NOT NULL
                      CONSTRAINT audit_finding_grade_is_judgement CHECK (grade < 'not_applicable'),
    statement         text NOT NULL CONSTRAINT audit_finding_statement_present CHECK (btrim(statement) <> ''),
    evidence          text,
    process_id        bigint,
    found_on          date NOT NULL DEFAULT current_date,
    nonconformity_id  bigint,
    PRIMARY KEY (org_id, finding_id),
    FOREIGN KEY (org_id, audit_id) REFERENCES iso28000.audit (org_id, audit_id),
    FOREIGN KEY (org_id, process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id)
);
SELECT iso28000.register_table('iso28000.audit_finding');
COMMENT ON TABLE iso28000.audit_finding IS
  'ISO 28000 9.2.2, 10.2: Audit findings, each with a clause inside the audit scope, a grade and evidence; a minor_nc or major_nc finding raises its nonconformity by itself.';
COMMENT ON COLUMN iso28000.audit_finding.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_finding.finding_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.audit_finding.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_finding.clause IS 'Clause the finding is about; must lie inside the audit scope (IS303).';
COMMENT ON COLUMN iso28000.audit_finding.grade IS 'conforming, observation, opportunity, minor_nc or major_nc.';
COMMENT ON COLUMN iso28000.audit_finding.statement IS 'What the auditor found.';
COMMENT ON COLUMN iso28000.audit_finding.evidence IS 'Objective evidence.';
COMMENT ON COLUMN iso28000.audit_finding.process_id IS 'SMS process concerned, if any.';
COMMENT ON COLUMN iso28000.audit_finding.found_on IS 'Date of the finding.';
COMMENT ON COLUMN iso28000.audit_finding.nonconformity_id IS 'Nonconformity raised for a minor_nc or major_nc finding (set automatically).';

-- True when one of the clauses of scope covers the clause c (scope @> c).
CREATE FUNCTION iso28000.scope_covers(scope iso28000.clause_ref[], c iso28000.clause_ref)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN EXISTS (SELECT FROM unnest(scope) s WHERE s OPERATOR(iso28000.@>) c);
COMMENT ON FUNCTION iso28000.scope_covers(iso28000.clause_ref[], iso28000.clause_ref) IS
  'True when a clause of the scope is the clause or one of its ancestors (8.6 covers 8.6.4); an empty scope covers nothing.';

-- Refuses a finding whose clause lies outside its audit's scope (IS303), or on an audit that is over (IS304).
CREATE FUNCTION iso28000.audit_finding_in_scope()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    audit_scope iso28000.clause_ref[];
    audit_status text;
BEGIN
    SELECT scope, status INTO audit_scope, audit_status FROM iso28000.audit
     WHERE org_id = NEW.org_id AND audit_id = NEW.audit_id;
    IF audit_status IN ('closed', 'cancelled') THEN
        RAISE EXCEPTION 'audit % is %: its findings cannot change', NEW.audit_id, audit_status
              USING ERRCODE = 'IS304',
                    DETAIL = 'A closed or cancelled audit keeps the findings it had.',
                    HINT = 'Record a new finding in a new audit.';
    END IF;
    IF audit_scope IS NOT NULL AND NOT iso28000.scope_covers(audit_scope, NEW.clause) THEN
        RAISE EXCEPTION 'finding on clause % lies outside the scope of audit %', NEW.clause, NEW.audit_id
              USING ERRCODE = 'IS303',
                    DETAIL = format('The audit scope is %s; a finding must be on one of these clauses or a sub-clause.', audit_scope),
                    HINT = 'Widen the audit scope first, or record the finding under a clause in scope.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_finding_in_scope() IS
  'Trigger: refuses a finding whose clause lies outside the scope of its audit (IS303), and any new or changed finding of a closed or cancelled audit (IS304).';
CREATE TRIGGER audit_finding_in_scope
    BEFORE INSERT OR UPDATE ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_in_scope();

-- The first process of the audit that one of its auditors owns, as text, or NULL.
CREATE FUNCTION iso28000.audit_independence_conflict(org bigint, audit bigint)
RETURNS text
LANGUAGE sql STABLE
AS $$
    WITH auditors AS (
        SELECT a.lead_auditor_id AS person_id FROM iso28000.audit a WHERE a.org_id = org AND a.audit_id = audit
        UNION
        SELECT t.person_id FROM iso28000.audit_team_member t WHERE t.org_id = org AND t.audit_id = audit),
    processes AS (
        SELECT x.process_id FROM iso28000.audit_auditee x
         WHERE x.org_id = org AND x.audit_id = audit AND x.process_id IS NOT NULL
        UNION
        SELECT f.process_id FROM iso28000.audit_finding f
         WHERE f.org_id = org AND f.audit_id = audit AND f.process_id IS NOT NULL)
    SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name)
      FROM processes x
      JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
      JOIN auditors au ON au.person_id = pr.owner_id
      JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
     ORDER BY pr.sms_process_id LIMIT 1
$$;
COMMENT ON FUNCTION iso28000.audit_independence_conflict(bigint, bigint) IS
  'ISO 28000 9.2.2: The first auditor of the audit (lead or team) who owns a process the audit examines, as text; NULL when the audit team is independent.';

-- Refuses a change that would make an auditor audit a process they own (IS302).
CREATE FUNCTION iso28000.audit_check_independence()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    conflict text := iso28000.audit_independence_conflict(NEW.org_id, NEW.audit_id);
BEGIN
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION 'auditor independence violated in audit %', NEW.audit_id
              USING ERRCODE = 'IS302',
                    DETAIL = conflict || '; an auditor may not audit a process they own (ISO 28000 9.2.2).',
                    HINT = 'Choose another auditor for this audit, or leave the process out of its scope.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.audit_check_independence() IS
  'Constraint trigger: refuses an audit team, auditee or finding that makes an auditor audit a process they own (IS302).';
CREATE CONSTRAINT TRIGGER audit_independence
    AFTER INSERT OR UPDATE OF lead_auditor_id ON iso28000.audit
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_check_independence();
CREATE CONSTRAINT TRIGGER audit_independence
    AFTER INSERT OR UPDATE ON iso28000.audit_team_member
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_check_independence();
CREATE CONSTRAINT TRIGGER audit_independence
    AFTER INSERT OR UPDATE ON iso28000.audit_auditee
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_check_independence();
CREATE CONSTRAINT TRIGGER audit_independence
    AFTER INSERT OR UPDATE OF process_id ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_check_independence();

-- ---------------------------------------------------------------------------
-- 9.3 Management review
-- ---------------------------------------------------------------------------

-- The checklist of inputs every review considers (catalog, shared).
CREATE TABLE iso28000.review_input (
    input_code   text PRIMARY KEY CONSTRAINT review_input_code_format CHECK (input_code ~ '^[a-z][a-z0-9_]*$'),
    clause       iso28000.clause_ref NOT NULL,
    title        text NOT NULL,
    required     boolean NOT NULL DEFAULT true,
    seq          integer NOT NULL,
    builtin      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE iso28000.review_input IS
  'ISO 28000 9.3.2: Inputs every management review considers, shared by all organisations (catalog); an organisation adds its own in review_input_custom.';
COMMENT ON COLUMN iso28000.review_input.input_code IS 'Short code of the input, as the input pack names it.';
COMMENT ON COLUMN iso28000.review_input.clause IS 'Clause that asks for the input.';
COMMENT ON COLUMN iso28000.review_input.title IS 'What the review considers.';
COMMENT ON COLUMN iso28000.review_input.required IS 'A review cannot close until this input is addressed.';
COMMENT ON COLUMN iso28000.review_input.seq IS 'Order on the checklist.';
COMMENT ON COLUMN iso28000.review_input.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';
GRANT SELECT ON iso28000.review_input TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.review_input', 'WHERE NOT builtin');

-- Inputs shared by management-system standards (the harmonized structure).
INSERT INTO iso28000.review_input (input_code, clause, title, required, seq, builtin) VALUES
  ('previous_actions',      '9.3.2', 'Status of actions from previous management reviews', true, 10, true),
  ('context_changes',       '9.3.2', 'Changes in external and internal issues relevant to the SMS', true, 20, true),
  ('party_changes',         '9.3.2', 'Changes in the needs and expectations of interested parties', true, 30, true),
  ('nonconformities',       '9.3.2', 'Trends in nonconformities and corrective actions', true, 40, true),
  ('monitoring_results',    '9.3.2', 'Monitoring and measurement results', true, 50, true),
  ('audit_results',         '9.3.2', 'Audit results', true, 60, true),
  ('objectives',            '9.3.2', 'Fulfilment of security objectives', true, 70, true),
  ('improvement_opportunities', '9.3.2', 'Opportunities for continual improvement', true, 80, true);

CREATE TABLE iso28000.review_input_custom (
    org_id           bigint NOT NULL REFERENCES iso28000.organization,
    custom_input_id  bigint GENERATED ALWAYS AS IDENTITY,
    input_code       text NOT NULL CONSTRAINT review_input_custom_code_format CHECK (input_code ~ '^[a-z][a-z0-9_]*$'),
    clause           iso28000.clause_ref NOT NULL DEFAULT '9.3.2',
    title            text NOT NULL CONSTRAINT review_input_custom_title_present CHECK (btrim(title) <> ''),
    required         boolean NOT NULL DEFAULT true,
    seq              integer NOT NULL DEFAULT 1000,
    active           boolean NOT NULL DEFAULT true,
    PRIMARY KEY (org_id, custom_input_id),
    CONSTRAINT review_input_custom_code_unique UNIQUE (org_id, input_code)
);
SELECT iso28000.register_table('iso28000.review_input_custom');
COMMENT ON TABLE iso28000.review_input_custom IS
  'ISO 28000 9.3.2: An organisation''s own management review inputs, added to the shared checklist of every later review.';
COMMENT ON COLUMN iso28000.review_input_custom.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_input_custom.custom_input_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_input_custom.input_code IS 'Short code of the input (must not be a shared code).';
COMMENT ON COLUMN iso28000.review_input_custom.clause IS 'Clause the input serves.';
COMMENT ON COLUMN iso28000.review_input_custom.title IS 'What the review considers.';
COMMENT ON COLUMN iso28000.review_input_custom.required IS 'A review cannot close until this input is addressed.';
COMMENT ON COLUMN iso28000.review_input_custom.seq IS 'Order on the checklist.';
COMMENT ON COLUMN iso28000.review_input_custom.active IS 'False to leave the input off later reviews.';

CREATE TABLE iso28000.management_review (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    review_id         bigint GENERATED ALWAYS AS IDENTITY,
    title             text NOT NULL CONSTRAINT management_review_title_present CHECK (btrim(title) <> ''),
    held_on           date NOT NULL,
    period_start      date NOT NULL,
    period_end        date NOT NULL,
    chair_id          bigint NOT NULL,
    minutes           text,
    conclusion        text,
    closed_on         date,
    status            text NOT NULL DEFAULT 'planned',
    status_changed_at timestamptz,
    status_changed_by name,
    status_note       text,
    PRIMARY KEY (org_id, review_id),
    FOREIGN KEY (org_id, chair_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT management_review_period_in_order CHECK (period_end >= period_start),
    CONSTRAINT management_review_closed_after_held CHECK (closed_on >= held_on)
);
SELECT iso28000.register_table('iso28000.management_review');
COMMENT ON TABLE iso28000.management_review IS
  'ISO 28000 9.3.1, 9.3.2, 9.3.3: Management reviews: date, chair, the period reviewed, minutes; workflow planned, held, closed (or cancelled); closing needs every required input addressed and results recorded.';
COMMENT ON COLUMN iso28000.management_review.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.management_review.review_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.management_review.title IS 'Name of the review.';
COMMENT ON COLUMN iso28000.management_review.held_on IS 'Date of the meeting.';
COMMENT ON COLUMN iso28000.management_review.period_start IS 'First day of the period reviewed (the input pack covers it).';
COMMENT ON COLUMN iso28000.management_review.period_end IS 'Last day of the period reviewed.';
COMMENT ON COLUMN iso28000.management_review.chair_id IS 'Person chairing the review (top management).';
COMMENT ON COLUMN iso28000.management_review.minutes IS 'Minutes, or where they are kept (needed to enter held).';
COMMENT ON COLUMN iso28000.management_review.conclusion IS 'Conclusion on the continuing suitability, adequacy and effectiveness of the SMS (needed to close).';
COMMENT ON COLUMN iso28000.management_review.closed_on IS 'Date the review was closed (needed to close).';
COMMENT ON COLUMN iso28000.management_review.status IS 'Workflow state: planned, held, closed, cancelled.';
COMMENT ON COLUMN iso28000.management_review.status_changed_at IS 'When the status last changed (stamped by the workflow engine).';
COMMENT ON COLUMN iso28000.management_review.status_changed_by IS 'Who last changed the status (stamped by the workflow engine).';
COMMENT ON COLUMN iso28000.management_review.status_note IS 'Note recorded with the next transition.';

CREATE TABLE iso28000.review_attendee (
    org_id       bigint NOT NULL REFERENCES iso28000.organization,
    attendee_id  bigint GENERATED ALWAYS AS IDENTITY,
    review_id    bigint NOT NULL,
    person_id    bigint NOT NULL,
    role         text,
    PRIMARY KEY (org_id, attendee_id),
    CONSTRAINT review_attendee_once UNIQUE (org_id, review_id, person_id),
    FOREIGN KEY (org_id, review_id) REFERENCES iso28000.management_review (org_id, review_id),
    FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.review_attendee');
COMMENT ON TABLE iso28000.review_attendee IS
  'ISO 28000 9.3.1: People who attended a management review.';
COMMENT ON COLUMN iso28000.review_attendee.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_attendee.attendee_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_attendee.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_attendee.person_id IS 'The attendee.';
COMMENT ON COLUMN iso28000.review_attendee.role IS 'Role at the review (top management, SMS manager, process owner...).';

CREATE TABLE iso28000.review_input_item (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    input_item_id  bigint GENERATED ALWAYS AS IDENTITY,
    review_id      bigint NOT NULL,
    input_code     text NOT NULL,
    title          text NOT NULL,
    required       boolean NOT NULL DEFAULT true,
    seq            integer NOT NULL DEFAULT 1000,
    addressed      boolean NOT NULL DEFAULT false,
    summary        text,
    PRIMARY KEY (org_id, input_item_id),
    CONSTRAINT review_input_item_once UNIQUE (org_id, review_id, input_code),
    CONSTRAINT review_input_item_addressed_has_summary CHECK (NOT addressed OR coalesce(btrim(summary), '') <> ''),
    FOREIGN KEY (org_id, review_id) REFERENCES iso28000.management_review (org_id, review_id)
);
SELECT iso28000.register_table('iso28000.review_input_item');
COMMENT ON TABLE iso28000.review_input_item IS
  'ISO 28000 9.3.2: The input checklist of one management review, copied from the shared and the organisation''s own inputs when the review is created; each input is addressed with a summary.';
COMMENT ON COLUMN iso28000.review_input_item.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_input_item.input_item_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_input_item.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_input_item.input_code IS 'Code of the input (review_input or review_input_custom).';
COMMENT ON COLUMN iso28000.review_input_item.title IS 'What the review considers.';
COMMENT ON COLUMN iso28000.review_input_item.required IS 'The review cannot close until this input is addressed.';
COMMENT ON COLUMN iso28000.review_input_item.seq IS 'Order on the checklist.';
COMMENT ON COLUMN iso28000.review_input_item.addressed IS 'True once the review has considered the input (needs a summary).';
COMMENT ON COLUMN iso28000.review_input_item.summary IS 'What the review noted about the input.';

-- Copies the checklist (shared inputs, then the organisation's active own ones) into a new review.
CREATE FUNCTION iso28000.management_review_checklist()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO iso28000.review_input_item (org_id, review_id, input_code, title, required, seq)
    SELECT NEW.org_id, NEW.review_id, input_code, title, required, seq FROM iso28000.review_input
    UNION ALL
    SELECT NEW.org_id, NEW.review_id, input_code, title, required, seq FROM iso28000.review_input_custom
     WHERE org_id = NEW.org_id AND active
       AND input_code NOT IN (SELECT input_code FROM iso28000.review_input);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.management_review_checklist() IS
  'Trigger: fills the input checklist of a new management review from review_input and the organisation''s active review_input_custom rows.';
CREATE TRIGGER management_review_checklist
    AFTER INSERT ON iso28000.management_review
    FOR EACH ROW EXECUTE FUNCTION iso28000.management_review_checklist();

CREATE TABLE iso28000.review_output (
    org_id       bigint NOT NULL REFERENCES iso28000.organization,
    output_id    bigint GENERATED ALWAYS AS IDENTITY,
    review_id    bigint NOT NULL,
    kind         text NOT NULL
                 CONSTRAINT review_output_kind_known CHECK (kind IN ('decision', 'action', 'sms_change', 'improvement', 'resource')),
    description  text NOT NULL CONSTRAINT review_output_description_present CHECK (btrim(description) <> ''),
    owner_id     bigint,
    due_on       date,
    done_on      date,
    status       text NOT NULL DEFAULT 'open'
                 CONSTRAINT review_output_status_known CHECK (status IN ('open', 'done', 'cancelled')),
    PRIMARY KEY (org_id, output_id),
    FOREIGN KEY (org_id, review_id) REFERENCES iso28000.management_review (org_id, review_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT review_output_action_has_owner_and_due CHECK (kind <> 'action' OR (owner_id IS NOT NULL AND due_on IS NOT NULL)),
    CONSTRAINT review_output_done_has_date CHECK ((status = 'done') = (done_on IS NOT NULL))
);
SELECT iso28000.register_table('iso28000.review_output');
COMMENT ON TABLE iso28000.review_output IS
  'ISO 28000 9.3.3: Results of a management review: decisions, actions (with an owner and a due date), changes needed to the SMS, improvements and resource needs.';
COMMENT ON COLUMN iso28000.review_output.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_output.output_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_output.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_output.kind IS 'decision, action, sms_change, improvement or resource.';
COMMENT ON COLUMN iso28000.review_output.description IS 'What was decided or is to be done.';
COMMENT ON COLUMN iso28000.review_output.owner_id IS 'Person responsible (required for an action).';
COMMENT ON COLUMN iso28000.review_output.due_on IS 'Due date (required for an action).';
COMMENT ON COLUMN iso28000.review_output.done_on IS 'Date the output was carried out (set exactly when status is done).';
COMMENT ON COLUMN iso28000.review_output.status IS 'open, done or cancelled; the next review sees the open and overdue ones (input previous_actions).';

-- ---------------------------------------------------------------------------
-- 9.3.2 The input pack: live data for the period a review covers
-- ---------------------------------------------------------------------------

-- True when the table exists and has every named column.
CREATE FUNCTION iso28000._has_columns(tbl text, cols text[])
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN to_regclass(tbl) IS NOT NULL
   AND (SELECT count(*) FROM pg_attribute
         WHERE attrelid = to_regclass(tbl) AND attname = ANY (cols) AND attnum > 0 AND NOT attisdropped)
       = cardinality(cols);
COMMENT ON FUNCTION iso28000._has_columns(text, text[]) IS
  'Internal: true when the table exists and has every named column (the input pack reads registers of other clauses only when they are installed).';

-- Rows of a register opened, closed and still open for a period, by its date columns.
CREATE FUNCTION iso28000._period_counts(tbl text, org bigint, from_on date, to_on date,
                                        opened_col text, closed_col text)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
BEGIN
    IF NOT iso28000._has_columns(tbl, ARRAY['org_id', opened_col, closed_col]) THEN
        RETURN jsonb_build_object('available', false);
    END IF;
    EXECUTE format($q$
        SELECT jsonb_build_object(
                 'available', true,
                 'opened_in_period', count(*) FILTER (WHERE %1$I BETWEEN $2 AND $3),
                 'closed_in_period', count(*) FILTER (WHERE %2$I BETWEEN $2 AND $3),
                 'open_at_end', count(*) FILTER (WHERE %1$I <= $3 AND (%2$I IS NULL OR %2$I > $3)))
          FROM %3$s WHERE org_id = $1 $q$, opened_col, closed_col, tbl)
      INTO result USING org, from_on, to_on;
    RETURN result;
END
$$;
COMMENT ON FUNCTION iso28000._period_counts(text, bigint, date, date, text, text) IS
  'Internal: how many rows of a register were opened and closed in a period and how many were open at its end, from two date columns; {"available": false} when the register is not installed.';

-- Rows of a workflow register per status, and how many are past their due date.
CREATE FUNCTION iso28000._status_counts(tbl text, org bigint, to_on date)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    by_status jsonb;
    overdue   bigint;
BEGIN
    IF NOT iso28000._has_columns(tbl, ARRAY['org_id', 'status']) THEN
        RETURN jsonb_build_object('available', false);
    END IF;
    EXECUTE format('SELECT coalesce(jsonb_object_agg(status, n), ''{}'') FROM
                      (SELECT status, count(*) AS n FROM %s WHERE org_id = $1 GROUP BY status) s', tbl)
      INTO by_status USING org;
    IF iso28000._has_columns(tbl, ARRAY['due_on']) AND to_regclass('iso28000.workflow_state') IS NOT NULL THEN
        EXECUTE format($q$SELECT count(*) FROM %s t
                           WHERE org_id = $1 AND due_on < $2
                             AND NOT EXISTS (SELECT FROM iso28000.workflow_state s
                                              WHERE s.state = t.status AND s.is_terminal)$q$, tbl)
          INTO overdue USING org, to_on;
    END IF;
    RETURN jsonb_build_object('available', true, 'by_status', by_status, 'overdue_at_end', overdue);
END
$$;
COMMENT ON FUNCTION iso28000._status_counts(text, bigint, date) IS
  'Internal: rows of a register per status and, when it has due_on, how many non-terminal rows were past due at the date; {"available": false} when the register is not installed.';

-- The input pack of a management review: one row per checklist input with its facts.
CREATE FUNCTION iso28000.review_input_pack(org bigint, from_on date, to_on date)
RETURNS TABLE (input_code text, title text, facts jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    prev jsonb;
    audits jsonb;
    monitoring jsonb;
    objectives jsonb;
    improvement jsonb;
BEGIN
    -- Actions from earlier reviews: open, overdue, done in the period.
    SELECT jsonb_build_object(
             'open', count(*) FILTER (WHERE o.status = 'open'),
             'overdue', count(*) FILTER (WHERE o.status = 'open' AND o.due_on < to_on),
             'done_in_period', count(*) FILTER (WHERE o.done_on BETWEEN from_on AND to_on),
             'open_actions', coalesce(jsonb_agg(jsonb_build_object(
                 'output_id', o.output_id, 'review_id', o.review_id, 'description', o.description,
                 'owner_id', o.owner_id, 'due_on', o.due_on) ORDER BY o.due_on, o.output_id)
                 FILTER (WHERE o.status = 'open' AND o.kind = 'action'), '[]'))
      INTO prev
      FROM iso28000.review_output o
      JOIN iso28000.management_review r USING (org_id, review_id)
     WHERE o.org_id = org AND r.held_on <= to_on AND o.kind IN ('action', 'sms_change', 'improvement', 'resource');

    -- Audits reported in the period, their findings and conformity.
    SELECT jsonb_build_object(
             'audits_reported', count(DISTINCT a.audit_id),
             'findings', iso28000.conformity_tally(f.grade)::text,
             'score', iso28000.score(iso28000.conformity_tally(f.grade)),
             'verdict', iso28000.verdict(iso28000.conformity_tally(f.grade)),
             'nonconformities_raised', count(f.nonconformity_id))
      INTO audits
      FROM iso28000.audit a
      LEFT JOIN iso28000.audit_finding f USING (org_id, audit_id)
     WHERE a.org_id = org AND a.reported_on BETWEEN from_on AND to_on;

    -- Self-assessments in the period (the conformity trend) and objective measurements.
    SELECT jsonb_build_object(
             'assessments', coalesce(jsonb_agg(jsonb_build_object(
                 'assessment_id', x.assessment_id, 'assessed_on', x.assessed_on,
                 'score', x.score, 'coverage', x.coverage, 'verdict', x.verdict)
                 ORDER BY x.assessed_on, x.assessment_id), '[]'),
             'objective_measurements', iso28000._period_counts('iso28000.objective_measurement', org, from_on, to_on,
                                                               'measured_on', 'measured_on'),
             'indicators', (SELECT jsonb_build_object(
                                'measured_in_period', count(DISTINCT m.indicator_id),
                                'measurements_in_period', count(m.measurement_id))
                              FROM iso28000.indicator_measurement m
                             WHERE m.org_id = org AND m.measured_on BETWEEN from_on AND to_on),
             'indicators_now', (SELECT jsonb_build_object(
                                'active', count(*),
                                'on_target', count(*) FILTER (WHERE st.on_target),
                                'past_threshold', count(*) FILTER (WHERE st.past_threshold),
                                'measurement_overdue', count(*) FILTER (WHERE st.measurement_overdue))
                              FROM iso28000.indicator_status st WHERE st.org_id = org))
      INTO monitoring
      FROM (SELECT s.assessment_id, s.assessed_on,
                   iso28000.conformity_score(r.grade, r.weight) AS score,
                   iso28000.coverage(iso28000.conformity_tally(r.grade, r.weight)) AS coverage,
                   iso28000.verdict(iso28000.conformity_tally(r.grade, r.weight)) AS verdict
              FROM iso28000.self_assessment s
              LEFT JOIN iso28000.assessment_result r USING (org_id, assessment_id)
             WHERE s.org_id = org AND s.assessed_on BETWEEN from_on AND to_on
             GROUP BY s.assessment_id, s.assessed_on) x;

    objectives := CASE WHEN iso28000._has_columns('iso28000.objective', ARRAY['due_on', 'achieved_on', 'cancelled_on'])
                       THEN iso28000._period_counts('iso28000.objective', org, from_on, to_on, 'set_on', 'achieved_on')
                            || jsonb_build_object('overdue_at_end', iso28000._objectives_overdue(org, to_on))
                       ELSE jsonb_build_object('available', false) END;

    SELECT jsonb_build_object(
             'opportunities_from_audits', (SELECT count(*) FROM iso28000.audit_finding f
                                            WHERE f.org_id = org AND f.grade = 'opportunity'
                                              AND f.found_on BETWEEN from_on AND to_on),
             'opportunities_from_assessments', (SELECT count(*) FROM iso28000.assessment_result r
                                                  JOIN iso28000.self_assessment s USING (org_id, assessment_id)
                                                 WHERE r.org_id = org AND r.grade = 'opportunity'
                                                   AND s.assessed_on BETWEEN from_on AND to_on),
             'improvements', iso28000._status_counts('iso28000.improvement', org, to_on))
      INTO improvement;

    RETURN QUERY
    SELECT c.input_code, c.title,
           CASE c.input_code
             WHEN 'previous_actions' THEN prev
             WHEN 'context_changes' THEN iso28000._period_counts('iso28000.context_issue', org, from_on, to_on,
                                                                 'identified_on', 'closed_on')
             WHEN 'party_changes' THEN jsonb_build_object(
                 'parties', iso28000._period_counts('iso28000.interested_party', org, from_on, to_on,
                                                    'identified_on', 'closed_on'),
                 'requirements', iso28000._period_counts('iso28000.party_requirement', org, from_on, to_on,
                                                         'identified_on', 'closed_on'))
             WHEN 'nonconformities' THEN jsonb_build_object(
                 'nonconformities', iso28000._status_counts('iso28000.nonconformity', org, to_on),
                 'corrective_actions', iso28000._status_counts('iso28000.corrective_action', org, to_on))
             WHEN 'monitoring_results' THEN monitoring
             WHEN 'audit_results' THEN audits
             WHEN 'objectives' THEN objectives
             WHEN 'improvement_opportunities' THEN improvement
           END
      FROM (SELECT i.input_code, i.title, i.seq FROM iso28000.review_input i
            UNION ALL
            SELECT u.input_code, u.title, u.seq FROM iso28000.review_input_custom u
             WHERE u.org_id = org AND u.active
               AND u.input_code NOT IN (SELECT i2.input_code FROM iso28000.review_input i2)) c
     ORDER BY c.seq, c.input_code;
END
$$;
COMMENT ON FUNCTION iso28000.review_input_pack(bigint, date, date) IS
  'ISO 28000 9.3.2: The input pack of a management review for a period, from live data: one row per checklist input (shared and the organisation''s own) with its facts as JSON: actions of earlier reviews, changes of context issues and interested parties, nonconformities and corrective actions, self-assessment scores (the conformity trend) and measurements, audit results, objectives, improvement opportunities. Registers not installed show {"available": false}; an organisation''s own inputs have NULL facts.';

-- Objectives past their due date and neither achieved nor cancelled at a date.
CREATE FUNCTION iso28000._objectives_overdue(org bigint, at_on date)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE $q$SELECT count(*) FROM iso28000.objective
               WHERE org_id = $1 AND due_on < $2
                 AND (achieved_on IS NULL OR achieved_on > $2) AND (cancelled_on IS NULL OR cancelled_on > $2)$q$
      INTO n USING org, at_on;
    RETURN n;
END
$$;
COMMENT ON FUNCTION iso28000._objectives_overdue(bigint, date) IS
  'Internal: objectives of the organisation past their due date at a date and neither achieved nor cancelled by then.';

-- ---------------------------------------------------------------------------
-- Views for people and BI
-- ---------------------------------------------------------------------------

CREATE VIEW iso28000.conformity_by_clause WITH (security_invoker = true) AS
WITH latest AS (
    -- the latest self-assessment grade of each clause of each organisation
    SELECT DISTINCT ON (r.org_id, r.clause)
           r.org_id, r.clause, r.grade, r.weight, s.assessed_on
      FROM iso28000.assessment_result r
      JOIN iso28000.self_assessment s USING (org_id, assessment_id)
     ORDER BY r.org_id, r.clause, s.assessed_on DESC, s.assessment_id DESC),
catalog AS (
    SELECT c.clause, c.title, c.seq,
           NOT EXISTS (SELECT FROM iso28000.clause k
                        WHERE k.standard = c.standard AND k.parent = c.clause) AS leaf
      FROM iso28000.clause c
     WHERE c.standard = 'ISO 28000:2022' AND c.pdca IS NOT NULL),
orgs AS (
    SELECT DISTINCT org_id FROM iso28000.self_assessment),
items AS (
    -- graded clauses with their latest grade; leaf clauses never graded count as not_assessed
    SELECT org_id, clause, grade, weight, assessed_on FROM latest
    UNION ALL
    SELECT o.org_id, c.clause, 'not_assessed'::iso28000.conformity_grade, 1, NULL
      FROM orgs o CROSS JOIN catalog c
     WHERE c.leaf AND NOT EXISTS (SELECT FROM latest l WHERE l.org_id = o.org_id AND l.clause = c.clause)),
rolled AS (
    -- each item counts for its clause and every ancestor: one pass, grouped
    SELECT i.org_id, iso28000.ancestor(i.clause, d) AS clause,
           iso28000.conformity_tally(i.grade, i.weight) AS tally, max(i.assessed_on) AS last_assessed_on
      FROM items i
     CROSS JOIN LATERAL generate_series(1, iso28000.depth(i.clause)) AS d
     GROUP BY 1, 2)
SELECT o.org_id, c.clause, c.title, c.seq, l.grade,
       coalesce(r.tally, '{}') AS tally, iso28000.score(r.tally) AS score, iso28000.coverage(r.tally) AS coverage,
       iso28000.verdict(r.tally) AS verdict, r.last_assessed_on
  FROM orgs o
 CROSS JOIN catalog c
  LEFT JOIN rolled r ON r.org_id = o.org_id AND r.clause OPERATOR(iso28000.=) c.clause
  LEFT JOIN latest l ON l.org_id = o.org_id AND l.clause OPERATOR(iso28000.=) c.clause;
COMMENT ON VIEW iso28000.conformity_by_clause IS
  'ISO 28000 9.1, 9.1.2: Conformity of every clause of ISO 28000:2022 per organisation: the latest self-assessment grade of each clause, rolled up the clause hierarchy (a clause counts its own grade and its sub-clauses''), with score, coverage and verdict; a leaf clause never assessed counts as not_assessed.';
COMMENT ON COLUMN iso28000.conformity_by_clause.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.conformity_by_clause.clause IS 'Clause of ISO 28000:2022.';
COMMENT ON COLUMN iso28000.conformity_by_clause.title IS 'Title of the clause.';
COMMENT ON COLUMN iso28000.conformity_by_clause.seq IS 'Position of the clause in the standard (sort by it).';
COMMENT ON COLUMN iso28000.conformity_by_clause.grade IS 'Latest grade given to the clause itself, NULL if never graded.';
COMMENT ON COLUMN iso28000.conformity_by_clause.tally IS 'Tally of the latest grades of the clause and its sub-clauses.';
COMMENT ON COLUMN iso28000.conformity_by_clause.score IS 'Weighted conformity score in percent (NULL when nothing graded).';
COMMENT ON COLUMN iso28000.conformity_by_clause.coverage IS 'Share of applicable clauses graded, in percent.';
COMMENT ON COLUMN iso28000.conformity_by_clause.verdict IS 'nonconforming, conforming_with_findings or conforming (NULL when nothing graded).';
COMMENT ON COLUMN iso28000.conformity_by_clause.last_assessed_on IS 'Date of the most recent grade counted.';

CREATE VIEW iso28000.conformity_trend WITH (security_invoker = true) AS
SELECT x.org_id, x.assessment_id, x.title, x.assessed_on, x.tally,
       iso28000.score(x.tally) AS score, iso28000.coverage(x.tally) AS coverage,
       iso28000.verdict(x.tally) AS verdict,
       iso28000.score(x.tally) - lag(iso28000.score(x.tally)) OVER (PARTITION BY x.org_id ORDER BY x.assessed_on, x.assessment_id) AS score_change,
       iso28000.score(iso28000.conformity_merge(x.tally) OVER w) AS moving_score,
       iso28000.coverage(iso28000.conformity_merge(x.tally) OVER w) AS moving_coverage,
       count(*) OVER w AS moving_assessments
  FROM (SELECT s.org_id, s.assessment_id, s.title, s.assessed_on,
               iso28000.conformity_tally(r.grade, r.weight) AS tally
          FROM iso28000.self_assessment s
          LEFT JOIN iso28000.assessment_result r USING (org_id, assessment_id)
         GROUP BY s.org_id, s.assessment_id) x
WINDOW w AS (PARTITION BY x.org_id ORDER BY x.assessed_on, x.assessment_id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);
COMMENT ON VIEW iso28000.conformity_trend IS
  'ISO 28000 9.1, 9.3.2: Conformity across self-assessments per organisation, in date order: each assessment''s score, coverage and verdict, the change from the previous one, and a moving window over the last three assessments (their tallies merged).';
COMMENT ON COLUMN iso28000.conformity_trend.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.conformity_trend.assessment_id IS 'The self-assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.title IS 'Name of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.assessed_on IS 'Date of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.tally IS 'Tally of the assessment''s results.';
COMMENT ON COLUMN iso28000.conformity_trend.score IS 'Weighted conformity score of the assessment, in percent.';
COMMENT ON COLUMN iso28000.conformity_trend.coverage IS 'Coverage of the assessment, in percent.';
COMMENT ON COLUMN iso28000.conformity_trend.verdict IS 'Verdict of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.score_change IS 'Score minus the previous assessment''s score (percentage points).';
COMMENT ON COLUMN iso28000.conformity_trend.moving_score IS 'Score of this and the two previous assessments together.';
COMMENT ON COLUMN iso28000.conformity_trend.moving_coverage IS 'Coverage of this and the two previous assessments together.';
COMMENT ON COLUMN iso28000.conformity_trend.moving_assessments IS 'Number of assessments in the moving window (up to 3).';

CREATE VIEW iso28000.audit_coverage WITH (security_invoker = true) AS
SELECT p.org_id, p.programme_id, p.title AS programme, p.period_start, p.period_end,
       c.clause, c.title, c.seq,
       count(a.audit_id) AS audits,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) AS audits_done,
       max(coalesce(a.ended_on, a.started_on)) FILTER (WHERE a.status IN ('in_progress', 'reported', 'closed')) AS last_audited_on,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) > 0 AS covered,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) = 0 AND p.period_end < current_date AS missed
  FROM iso28000.audit_programme p
  JOIN iso28000.clause c ON c.standard = 'ISO 28000:2022' AND iso28000.scope_covers(p.scope, c.clause)
  LEFT JOIN iso28000.audit a
         ON a.org_id = p.org_id AND a.programme_id = p.programme_id
        AND a.status <> 'cancelled' AND iso28000.scope_covers(a.scope, c.clause)
 GROUP BY p.org_id, p.programme_id, c.clause, c.title, c.seq;
COMMENT ON VIEW iso28000.audit_coverage IS
  'ISO 28000 9.2.2: Which clauses of its scope an audit programme audited in its cycle and which it missed: per programme and clause, the audits whose scope covers the clause (a clause covers its sub-clauses).';
COMMENT ON COLUMN iso28000.audit_coverage.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_coverage.programme_id IS 'The audit programme.';
COMMENT ON COLUMN iso28000.audit_coverage.programme IS 'Name of the programme.';
COMMENT ON COLUMN iso28000.audit_coverage.period_start IS 'First day of the programme''s cycle.';
COMMENT ON COLUMN iso28000.audit_coverage.period_end IS 'Last day of the programme''s cycle.';
COMMENT ON COLUMN iso28000.audit_coverage.clause IS 'Clause in the programme scope.';
COMMENT ON COLUMN iso28000.audit_coverage.title IS 'Title of the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.seq IS 'Position of the clause in the standard.';
COMMENT ON COLUMN iso28000.audit_coverage.audits IS 'Audits of the programme (not cancelled) whose scope covers the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.audits_done IS 'Of those, audits reported or closed.';
COMMENT ON COLUMN iso28000.audit_coverage.last_audited_on IS 'Last day of fieldwork of the latest audit covering the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.covered IS 'True when a reported or closed audit covered the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.missed IS 'True when the cycle has ended and no audit covered the clause.';

CREATE VIEW iso28000.findings_by_clause WITH (security_invoker = true) AS
SELECT f.org_id, f.clause, c.title, f.grade,
       count(*) AS findings,
       count(DISTINCT f.audit_id) AS audits,
       count(f.nonconformity_id) AS with_nonconformity,
       min(f.found_on) AS first_found_on,
       max(f.found_on) AS last_found_on
  FROM iso28000.audit_finding f
  JOIN iso28000.audit a USING (org_id, audit_id)
  LEFT JOIN iso28000.clause c ON c.standard = 'ISO 28000:2022' AND c.clause = f.clause
 WHERE a.status <> 'cancelled'
 GROUP BY f.org_id, f.clause, c.title, f.grade;
COMMENT ON VIEW iso28000.findings_by_clause IS
  'ISO 28000 9.2.2, 10.2: Audit findings per organisation, clause and grade (cancelled audits left out), with how many raised a nonconformity.';
COMMENT ON COLUMN iso28000.findings_by_clause.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.findings_by_clause.clause IS 'Clause of the findings.';
COMMENT ON COLUMN iso28000.findings_by_clause.title IS 'Title of the clause (NULL for a clause outside the ISO 28000:2022 catalog).';
COMMENT ON COLUMN iso28000.findings_by_clause.grade IS 'Grade of the findings.';
COMMENT ON COLUMN iso28000.findings_by_clause.findings IS 'Number of findings.';
COMMENT ON COLUMN iso28000.findings_by_clause.audits IS 'Number of audits they come from.';
COMMENT ON COLUMN iso28000.findings_by_clause.with_nonconformity IS 'Findings that raised a nonconformity.';
COMMENT ON COLUMN iso28000.findings_by_clause.first_found_on IS 'Date of the first finding.';
COMMENT ON COLUMN iso28000.findings_by_clause.last_found_on IS 'Date of the latest finding.';

-- ---------------------------------------------------------------------------
-- Findings raise their nonconformities (10.2)
-- ---------------------------------------------------------------------------

-- Raises the nonconformity of a minor_nc or major_nc finding (source audit_finding, severity from the grade).
CREATE FUNCTION iso28000.audit_finding_raise_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    lead bigint;
    audit_title text;
BEGIN
    IF NEW.grade NOT IN ('minor_nc', 'major_nc') OR NEW.nonconformity_id IS NOT NULL
       OR to_regclass('iso28000.nonconformity') IS NULL THEN
        RETURN NEW;
    END IF;
    SELECT a.lead_auditor_id, a.title INTO lead, audit_title
      FROM iso28000.audit a WHERE a.org_id = NEW.org_id AND a.audit_id = NEW.audit_id;
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by)
    VALUES (NEW.org_id,
            left(format('Audit finding on %s: %s', NEW.clause, NEW.statement), 200),
            concat_ws(E'\n', NEW.statement, 'Evidence: ' || NEW.evidence, 'Audit: ' || audit_title),
            'audit_finding', format('audit %s, finding %s', NEW.audit_id, NEW.finding_id),
            NEW.clause, CASE NEW.grade WHEN 'major_nc' THEN 'major' ELSE 'minor' END,
            NEW.found_on, lead)
    RETURNING nonconformity_id INTO NEW.nonconformity_id;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_finding_raise_nonconformity() IS
  'Trigger: a finding graded minor_nc or major_nc (inserted, or regraded to one) without a nonconformity raises one in iso28000.nonconformity (source audit_finding, severity minor or major from the grade, reported by the lead auditor) and records its key in the finding.';
CREATE TRIGGER audit_finding_raise_nonconformity
    BEFORE INSERT OR UPDATE OF grade ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_raise_nonconformity();

-- ---------------------------------------------------------------------------
-- Workflows (engine: sql/core/07_workflow.sql)
-- ---------------------------------------------------------------------------

-- Guard of the audit workflow: independence to start, a nonconformity for every nc finding to close.
CREATE FUNCTION iso28000.audit_guard(a iso28000.audit, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    missing text;
BEGIN
    IF to_state = 'in_progress' THEN
        missing := iso28000.audit_independence_conflict(a.org_id, a.audit_id);
        RETURN CASE WHEN missing IS NOT NULL
                    THEN 'auditors independent of the processes audited (' || missing || ')' END;
    END IF;
    IF to_state = 'closed' THEN
        SELECT string_agg(format('finding %s (%s, %s)', f.finding_id, f.clause, f.grade), ', ' ORDER BY f.finding_id)
          INTO missing
          FROM iso28000.audit_finding f
         WHERE f.org_id = a.org_id AND f.audit_id = a.audit_id
           AND f.grade IN ('minor_nc', 'major_nc') AND f.nonconformity_id IS NULL;
        RETURN CASE WHEN missing IS NOT NULL
                    THEN 'a nonconformity for every minor_nc or major_nc finding (none for ' || missing || ')' END;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.audit_guard(iso28000.audit, text, text) IS
  'ISO 28000 9.2.2, 10.2: Workflow guard of audits: to start, no auditor may own a process the audit examines; to close, every minor_nc or major_nc finding must have its nonconformity.';

-- Guard of the management review workflow: to close, every required input addressed and results recorded.
CREATE FUNCTION iso28000.management_review_guard(r iso28000.management_review, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    missing text;
BEGIN
    IF to_state <> 'closed' THEN
        RETURN NULL;
    END IF;
    SELECT string_agg(i.input_code, ', ' ORDER BY i.seq, i.input_code) INTO missing
      FROM iso28000.review_input_item i
     WHERE i.org_id = r.org_id AND i.review_id = r.review_id AND i.required AND NOT i.addressed;
    IF missing IS NOT NULL THEN
        RETURN 'every required input addressed (not yet: ' || missing || ')';
    END IF;
    IF NOT EXISTS (SELECT FROM iso28000.review_output o
                    WHERE o.org_id = r.org_id AND o.review_id = r.review_id AND o.status <> 'cancelled') THEN
        RETURN 'its results recorded (at least one decision, action or SMS change in review_output)';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.management_review_guard(iso28000.management_review, text, text) IS
  'ISO 28000 9.3.2, 9.3.3: Workflow guard of management reviews: to close, every required input of the checklist is addressed and at least one result is recorded.';

INSERT INTO iso28000.workflow (workflow, description) VALUES
  ('audit', 'ISO 28000 9.2: an internal audit from plan to closure (fieldwork, report, closure once every nonconforming finding has its nonconformity).'),
  ('management_review', 'ISO 28000 9.3: a management review from plan to closure (held, then closed once every required input is addressed and results are recorded).');

INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable, description) VALUES
  ('audit', 'planned',     true,  false, false, true,  'Planned in the programme, not started.'),
  ('audit', 'in_progress', false, false, false, false, 'Fieldwork under way.'),
  ('audit', 'reported',    false, false, false, false, 'Report issued with its conclusion; nonconformities being raised.'),
  ('audit', 'closed',      false, true,  true,  false, 'Closed: every nonconforming finding has its nonconformity.'),
  ('audit', 'cancelled',   false, true,  true,  false, 'Cancelled (with the reason).'),
  ('management_review', 'planned',   true,  false, false, true,  'Planned, not held yet.'),
  ('management_review', 'held',      false, false, false, false, 'Held; inputs being addressed and results recorded.'),
  ('management_review', 'closed',    false, true,  true,  false, 'Closed: every required input addressed, results recorded.'),
  ('management_review', 'cancelled', false, true,  true,  false, 'Cancelled (with the reason).');

INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level, guard, note) VALUES
  ('audit', 'planned',     'in_progress', 'write', 'iso28000.audit_guard(iso28000.audit, text, text)', '9.2.2: fieldwork starts; auditors independent of the processes audited.'),
  ('audit', 'planned',     'cancelled',   'write', NULL, 'Audit dropped from the programme.'),
  ('audit', 'in_progress', 'reported',    'write', NULL, '9.2.2: report and conclusion issued.'),
  ('audit', 'in_progress', 'cancelled',   'write', NULL, 'Audit abandoned.'),
  ('audit', 'reported',    'in_progress', 'write', NULL, 'More fieldwork needed.'),
  ('audit', 'reported',    'closed',      'audit', 'iso28000.audit_guard(iso28000.audit, text, text)', '9.2.2, 10.2: closed once every nonconforming finding has its nonconformity.'),
  ('management_review', 'planned', 'held',      'write', NULL, '9.3.1: the review took place.'),
  ('management_review', 'planned', 'cancelled', 'write', NULL, 'Review cancelled.'),
  ('management_review', 'held',    'closed',    'manage', 'iso28000.management_review_guard(iso28000.management_review, text, text)', '9.3.2, 9.3.3: every required input addressed and results recorded.');

INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description) VALUES
  ('audit', 'in_progress', 'started_on',  'the first day of fieldwork'),
  ('audit', 'reported',    'reported_on', 'the date of the report'),
  ('audit', 'reported',    'report',      'the audit report or where it is kept'),
  ('audit', 'reported',    'conclusion',  'the audit conclusion'),
  ('audit', 'closed',      'closed_on',   'the closing date'),
  ('audit', 'cancelled',   'status_note', 'why the audit was cancelled'),
  ('management_review', 'held',      'minutes',     'the minutes of the review'),
  ('management_review', 'closed',    'conclusion',  'the conclusion on the suitability, adequacy and effectiveness of the SMS'),
  ('management_review', 'closed',    'closed_on',   'the closing date'),
  ('management_review', 'cancelled', 'status_note', 'why the review was cancelled');

SELECT iso28000.attach_workflow('iso28000.audit', 'audit');
SELECT iso28000.attach_workflow('iso28000.management_review', 'management_review');

-- Members read the views; row-level security of the registers beneath them
-- (security_invoker) decides which rows they see.
GRANT SELECT ON iso28000.indicator_status, iso28000.conformity_by_clause, iso28000.conformity_trend,
  iso28000.audit_coverage, iso28000.findings_by_clause TO PUBLIC;
