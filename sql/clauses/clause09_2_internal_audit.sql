/*
 * sql/clauses/clause09_2_internal_audit.sql
 *		ISO 28000 9.2, internal audit: audit programmes, audits, their teams,
 *		auditees and findings, the independence of auditors, and the audit
 *		workflow (rules of the engine in sql/core/06_workflow.sql).
 *
 * A finding graded minor_nc or major_nc raises its nonconformity in the
 * clause 10 register: sql/clauses/clause10_improvement.sql, which installs
 * after this file, declares that trigger and the finding's foreign key to the
 * nonconformity.  Reference: doc/audit-review.md.
 */

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
    standard       text NOT NULL DEFAULT 'ISO 28000:2022'
                   CONSTRAINT audit_programme_standard_fk REFERENCES iso28000.standard,
    PRIMARY KEY (org_id, programme_id),
    CONSTRAINT audit_programme_period_in_order CHECK (period_end >= period_start),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.audit_programme');
COMMENT ON TABLE iso28000.audit_programme IS
  'ISO 28000 9.2.1, 9.2.2: Internal audit programmes: the cycle (period and frequency), the clauses the cycle must cover, methods and criteria.';
COMMENT ON COLUMN iso28000.audit_programme.title IS 'Name of the programme.';
COMMENT ON COLUMN iso28000.audit_programme.period_start IS 'First day of the audit cycle.';
COMMENT ON COLUMN iso28000.audit_programme.period_end IS 'Last day of the audit cycle.';
COMMENT ON COLUMN iso28000.audit_programme.frequency IS 'How often each clause of the scope is to be audited (e.g. 1 year).';
COMMENT ON COLUMN iso28000.audit_programme.scope IS 'Clauses the cycle must cover (each covers its sub-clauses); audit_coverage shows which were audited and which were missed.';
COMMENT ON COLUMN iso28000.audit_programme.methods IS 'Audit methods (on site, remote, document review, sampling...).';
COMMENT ON COLUMN iso28000.audit_programme.criteria IS 'Audit criteria (ISO 28000:2022, own policies, legal requirements...).';
COMMENT ON COLUMN iso28000.audit_programme.owner_id IS 'Person responsible for the programme.';
COMMENT ON COLUMN iso28000.audit_programme.note IS 'Free note.';
COMMENT ON COLUMN iso28000.audit_programme.standard IS 'Standard whose clauses the scope names (default ISO 28000:2022); audit_coverage counts the audits of the programme of that standard.';

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
    standard          text NOT NULL DEFAULT 'ISO 28000:2022'
                      CONSTRAINT audit_standard_fk REFERENCES iso28000.standard,
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
COMMENT ON COLUMN iso28000.audit.standard IS 'Standard audited (default ISO 28000:2022): the scope and every finding name clauses of it; audit_projection reports the audit against another standard through the clause maps.';

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
    standard          text NOT NULL,
    PRIMARY KEY (org_id, finding_id),
    FOREIGN KEY (org_id, audit_id) REFERENCES iso28000.audit (org_id, audit_id),
    FOREIGN KEY (org_id, process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
    CONSTRAINT audit_finding_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause)
);
SELECT iso28000.register_table('iso28000.audit_finding');
COMMENT ON TABLE iso28000.audit_finding IS
  'ISO 28000 9.2.2, 10.2: Audit findings, each with a clause inside the audit scope, a grade and evidence; a minor_nc or major_nc finding raises its nonconformity by itself.';
COMMENT ON COLUMN iso28000.audit_finding.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_finding.clause IS 'Clause the finding is about; must lie inside the audit scope (IS303).';
COMMENT ON COLUMN iso28000.audit_finding.grade IS 'conforming, observation, opportunity, minor_nc or major_nc.';
COMMENT ON COLUMN iso28000.audit_finding.statement IS 'What the auditor found.';
COMMENT ON COLUMN iso28000.audit_finding.evidence IS 'Objective evidence.';
COMMENT ON COLUMN iso28000.audit_finding.process_id IS 'SMS process concerned, if any.';
COMMENT ON COLUMN iso28000.audit_finding.found_on IS 'Date of the finding.';
COMMENT ON COLUMN iso28000.audit_finding.nonconformity_id IS 'Nonconformity raised for a minor_nc or major_nc finding (set automatically).';
COMMENT ON COLUMN iso28000.audit_finding.standard IS 'Standard of the clause: the audit''s (filled from it when not given; another is refused with IS545).';

-- The standard of an assessment or audit stays while it has results or findings (IS546).
CREATE FUNCTION iso28000.standard_kept()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    n bigint;
    id bigint;
BEGIN
    IF NEW.standard IS NOT DISTINCT FROM OLD.standard THEN
        RETURN NEW;
    END IF;
    IF tbl = 'self_assessment' THEN
        id := OLD.assessment_id;
        SELECT count(*) INTO n FROM iso28000.assessment_result r
         WHERE r.org_id OPERATOR(pg_catalog.=) OLD.org_id AND r.assessment_id OPERATOR(pg_catalog.=) id;
    ELSE
        id := OLD.audit_id;
        SELECT count(*) INTO n FROM iso28000.audit_finding f
         WHERE f.org_id OPERATOR(pg_catalog.=) OLD.org_id AND f.audit_id OPERATOR(pg_catalog.=) id;
    END IF;
    IF n > 0 THEN
        RAISE EXCEPTION '% % cannot change its standard from % to %: it has % %',
                        tbl, id, OLD.standard, NEW.standard, n,
                        CASE tbl WHEN 'self_assessment' THEN 'results' ELSE 'findings' END
              USING ERRCODE = 'IS546',
                    DETAIL = 'Results and findings name clauses of the standard their assessment or audit had when they were recorded.',
                    HINT = 'Record a new assessment or audit of the other standard, or read this one through a clause map (conformity_projection, audit_projection).',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = 'standard';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.standard_kept() IS
  'Trigger on self_assessment and audit: refuses a change of standard while results or findings exist (IS546).';
CREATE TRIGGER standard_kept BEFORE UPDATE OF standard ON iso28000.self_assessment
    FOR EACH ROW EXECUTE FUNCTION iso28000.standard_kept();
CREATE TRIGGER standard_kept BEFORE UPDATE OF standard ON iso28000.audit
    FOR EACH ROW EXECUTE FUNCTION iso28000.standard_kept();

-- True when one of the clauses of scope covers the clause c (scope @> c).
CREATE FUNCTION iso28000.scope_covers(scope iso28000.clause_ref[], c iso28000.clause_ref)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN EXISTS (SELECT FROM unnest(scope) s WHERE s OPERATOR(iso28000.@>) c);
COMMENT ON FUNCTION iso28000.scope_covers(iso28000.clause_ref[], iso28000.clause_ref) IS
  'True when a clause of the scope is the clause or one of its ancestors (8.6 covers 8.6.4); an empty scope covers nothing.';

-- Refuses a finding whose clause lies outside its audit's scope (IS303), or on an audit that is over (IS304).
CREATE FUNCTION iso28000.audit_finding_in_scope()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    audit_scope iso28000.clause_ref[];
    audit_status text;
    audit_standard text;
BEGIN
    SELECT scope, status, standard INTO audit_scope, audit_status, audit_standard FROM iso28000.audit
     WHERE org_id = NEW.org_id AND audit_id = NEW.audit_id;
    IF NEW.standard IS NULL THEN
        -- no audit found: the foreign key refuses the row; ISO 28000:2022 keeps the refusal that one
        NEW.standard := coalesce(audit_standard, 'ISO 28000:2022');
    ELSIF audit_standard IS NOT NULL AND NEW.standard IS DISTINCT FROM audit_standard THEN
        RAISE EXCEPTION 'finding on clause % of % does not belong in audit %, which audits %',
                        NEW.clause, NEW.standard, NEW.audit_id, audit_standard
              USING ERRCODE = 'IS545',
                    DETAIL = 'Every finding of an audit is on a clause of the standard the audit audits.',
                    HINT = 'Record it in an audit of that standard, or leave standard out to take the audit''s.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'standard';
    END IF;
    IF audit_status IN ('closed', 'cancelled') THEN
        RAISE EXCEPTION 'audit % is %: its findings cannot change', NEW.audit_id, audit_status
              USING ERRCODE = 'IS304',
                    DETAIL = 'A closed or cancelled audit keeps the findings it had.',
                    HINT = 'Record a new finding in a new audit.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'audit_id';
    END IF;
    IF audit_scope IS NOT NULL AND NOT iso28000.scope_covers(audit_scope, NEW.clause) THEN
        RAISE EXCEPTION 'finding on clause % lies outside the scope of audit %', NEW.clause, NEW.audit_id
              USING ERRCODE = 'IS303',
                    DETAIL = format('The audit scope is %s; a finding must be on one of these clauses or a sub-clause.', audit_scope),
                    HINT = 'Widen the audit scope first, or record the finding under a clause in scope.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'clause';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_finding_in_scope() IS
  'Trigger: takes the audit''s standard when the finding names none and refuses another (IS545); refuses a finding whose clause lies outside the scope of its audit (IS303), and any new or changed finding of a closed or cancelled audit (IS304).';
CREATE TRIGGER audit_finding_in_scope
    BEFORE INSERT OR UPDATE ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_in_scope();

-- The processes an audit examines: its auditees' and its findings' processes.
-- A view, not a function: the independence rules below read it inside their
-- queries, and Citus plans a view there but not an SQL function with
-- parameters (doc/distribution.md).
CREATE VIEW iso28000.audit_examined_process WITH (security_invoker = true) AS
SELECT x.org_id, x.audit_id, x.process_id FROM iso28000.audit_auditee x WHERE x.process_id IS NOT NULL
UNION
SELECT f.org_id, f.audit_id, f.process_id FROM iso28000.audit_finding f WHERE f.process_id IS NOT NULL;
COMMENT ON VIEW iso28000.audit_examined_process IS
  'ISO 28000 9.2.2: The SMS processes each audit examines: the processes of its auditees and of its findings; what auditor independence is judged against.';
COMMENT ON COLUMN iso28000.audit_examined_process.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_examined_process.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_examined_process.process_id IS 'An SMS process it examines.';
GRANT SELECT ON iso28000.audit_examined_process TO PUBLIC;

-- Who works in each SMS process, as the registers record it: the owner of
-- each of its activities still performed (8.1, 8.2: activity.owner_id) and of
-- each of its controls not retired (8.4, 8.5: control.owner_id).  An auditor
-- who does such work audits his own work when the audit examines the process
-- (9.2.2).  The process's own owner (sms_process.owner_id) is not listed: the
-- independence rules name him apart.  SMS roles and their holders (5.3:
-- sms_role, role_assignment) name responsibilities but no process, so they
-- cannot say who works in one.
CREATE VIEW iso28000.sms_process_worker WITH (security_invoker = true) AS
SELECT a.org_id, a.sms_process_id, a.owner_id AS person_id, 'activity'::text AS works_through,
       a.activity_id AS record_id, a.name AS record_name
  FROM iso28000.activity a
 WHERE a.owner_id IS NOT NULL AND a.active
UNION ALL
SELECT c.org_id, c.sms_process_id, c.owner_id, 'control'::text, c.control_id, c.code
  FROM iso28000.control c
 WHERE c.owner_id IS NOT NULL AND c.sms_process_id IS NOT NULL AND c.retired_on IS NULL;
COMMENT ON VIEW iso28000.sms_process_worker IS
  'ISO 28000 4.4, 8.1, 8.2, 8.4, 9.2.2: The people who work in each SMS process: the owners of its activities still performed and of its controls not retired; an auditor who works in a process the audit examines audits his own work.';
COMMENT ON COLUMN iso28000.sms_process_worker.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.sms_process_worker.sms_process_id IS 'The SMS process.';
COMMENT ON COLUMN iso28000.sms_process_worker.person_id IS 'A person who works in it.';
COMMENT ON COLUMN iso28000.sms_process_worker.works_through IS 'What makes the person work in it: activity (owns an activity of it that is still performed) or control (owns a control of it that is not retired).';
COMMENT ON COLUMN iso28000.sms_process_worker.record_id IS 'The activity_id or control_id.';
COMMENT ON COLUMN iso28000.sms_process_worker.record_name IS 'The activity''s name or the control''s code.';
GRANT SELECT ON iso28000.sms_process_worker TO PUBLIC;

-- Why one of the given persons audits his own work in the audit, as text, or
-- NULL: the first who works in a process the audit examines (the view
-- sms_process_worker over audit_examined_process).  The one place that join
-- is written: audit_worker_conflict asks it for the audit's auditors,
-- audit_person_conflict for one acting person.
CREATE FUNCTION iso28000._audit_worker_conflict(org bigint, audit bigint, persons bigint[])
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (
    SELECT format('%s works in process %s (%s): owns its %s %s (%s)', pe.full_name, pr.sms_process_id, pr.name,
                  w.works_through, w.record_id, w.record_name)
      FROM iso28000.audit_examined_process x
      JOIN iso28000.sms_process_worker w ON w.org_id = org AND w.sms_process_id = x.process_id
      JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
      JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = w.person_id
     WHERE x.org_id = org AND x.audit_id = audit AND w.person_id = ANY (persons)
     ORDER BY pr.sms_process_id, w.works_through, w.record_id
     LIMIT 1);
END
$$;
COMMENT ON FUNCTION iso28000._audit_worker_conflict(bigint, bigint, bigint[]) IS
  'Internal: the first of the persons who works in a process the audit examines (view sms_process_worker: owns an activity or a control of it), as text; NULL when none does. Used by audit_worker_conflict and audit_person_conflict.';

-- Why one of the audit's auditors (lead or team) audits his own work, as
-- text, or NULL: the first who works in a process the audit examines.
CREATE FUNCTION iso28000.audit_worker_conflict(org bigint, audit bigint)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (
    SELECT iso28000._audit_worker_conflict(org, audit, ARRAY(
        SELECT a.lead_auditor_id FROM iso28000.audit a WHERE a.org_id = org AND a.audit_id = audit
        UNION
        SELECT t.person_id FROM iso28000.audit_team_member t WHERE t.org_id = org AND t.audit_id = audit)));
END
$$;
COMMENT ON FUNCTION iso28000.audit_worker_conflict(bigint, bigint) IS
  'ISO 28000 9.2.2: The first auditor of the audit (lead or team) who works in a process the audit examines (view sms_process_worker: owns an activity or a control of it), as text; NULL when none does.';

-- Why the audit's auditors are not independent, as text, or NULL: the first
-- process it examines that one of its auditors (lead or team) owns, else the
-- first of its auditors who is also one of its auditees, else the first who
-- works in a process it examines (each auditing his own work).
CREATE FUNCTION iso28000.audit_independence_conflict(org bigint, audit bigint)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (
    WITH auditors AS (
        SELECT a.lead_auditor_id AS person_id FROM iso28000.audit a WHERE a.org_id = org AND a.audit_id = audit
        UNION
        SELECT t.person_id FROM iso28000.audit_team_member t WHERE t.org_id = org AND t.audit_id = audit)
    SELECT coalesce(
      (SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name)
         FROM iso28000.audit_examined_process x
         JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
         JOIN auditors au ON au.person_id = pr.owner_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
        WHERE x.org_id = org AND x.audit_id = audit
        ORDER BY pr.sms_process_id LIMIT 1),
      (SELECT format('%s is an auditee of audit %s', pe.full_name, audit)
         FROM iso28000.audit_auditee x
         JOIN auditors au ON au.person_id = x.person_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = x.person_id
        WHERE x.org_id = org AND x.audit_id = audit
        ORDER BY x.person_id LIMIT 1),
      iso28000.audit_worker_conflict(org, audit)));
END
$$;
COMMENT ON FUNCTION iso28000.audit_independence_conflict(bigint, bigint) IS
  'ISO 28000 9.2.2: The first auditor of the audit (lead or team) who owns a process the audit examines, else the first who is one of its auditees, else the first who works in a process it examines (audit_worker_conflict), as text; NULL when the audit team is independent.';

-- Refuses a change that would make an auditor audit a process they own or be
-- one of the audit's auditees (IS302), or audit a process they work in (IS160).
-- Locks first, in this order: the audit's row (FOR NO KEY UPDATE: two
-- changes of one audit's team, auditees or findings, or one of them and the
-- start of its fieldwork, queue on it), then the rows of the processes it
-- examines (FOR SHARE, in key order), which process_work_auditor_independent
-- takes FOR NO KEY UPDATE before it gives work in a process or its
-- ownership: an auditor added while he is given work in an examined process
-- is seen by whichever of the two comes second (test/specs/audit_worker_race.spec).
-- The check reads after the locks, with a snapshot taken after them.
CREATE FUNCTION iso28000.audit_check_independence()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    conflict text;
BEGIN
    PERFORM 1 FROM iso28000.audit a
      WHERE a.org_id = NEW.org_id AND a.audit_id = NEW.audit_id
        FOR NO KEY UPDATE;
    PERFORM 1 FROM iso28000.sms_process p
      WHERE p.org_id = NEW.org_id
        AND p.sms_process_id IN (SELECT x.process_id FROM iso28000.audit_examined_process x
                                  WHERE x.org_id = NEW.org_id AND x.audit_id = NEW.audit_id)
      ORDER BY p.sms_process_id
        FOR SHARE OF p;
    conflict := iso28000.audit_independence_conflict(NEW.org_id, NEW.audit_id);
    IF conflict IS NOT NULL AND conflict = iso28000.audit_worker_conflict(NEW.org_id, NEW.audit_id) THEN
        RAISE EXCEPTION 'auditor independence violated in audit % of organisation %: an auditor works in a process it examines',
                        NEW.audit_id, NEW.org_id
              USING ERRCODE = 'IS160',
                    DETAIL = conflict || '; an auditor may not audit his own work (ISO 28000 9.2.2), and who owns an activity or a control of a process works in it.',
                    HINT = 'Choose an auditor who does not work in the processes the audit examines, or leave the process out of its scope.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl,
                    COLUMN = CASE tbl WHEN 'audit' THEN 'lead_auditor_id'
                                                WHEN 'audit_team_member' THEN 'person_id'
                                                ELSE 'process_id' END;
    END IF;
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION 'auditor independence violated in audit %', NEW.audit_id
              USING ERRCODE = 'IS302',
                    DETAIL = conflict || '; an auditor may not audit a process they own, nor be audited by the same audit (ISO 28000 9.2.2).',
                    HINT = 'Choose another auditor for this audit, or leave the process out of its scope.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl,
                    COLUMN = CASE tbl WHEN 'audit' THEN 'lead_auditor_id'
                                                WHEN 'audit_team_member' THEN 'person_id'
                                                ELSE 'process_id' END;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.audit_check_independence() IS
  'Constraint trigger: refuses an audit team, auditee or finding that makes an auditor audit a process they own, or an auditor one of the audit''s auditees (IS302), or an auditor audit a process they work in (IS160).';
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

-- The same independence from the other side: work in a process, or the
-- process itself, given to an auditor of an audit that examines it.  The
-- rules above judge the audit when its team, lead auditor, auditees or
-- findings change; this one judges the work when it is given: an activity
-- (8.1, 8.2) or a control (8.4, 8.5) whose owner, after the change, works
-- in the process (view sms_process_worker: the activity still performed, the
-- control not retired), inserted, given to another owner, moved into the
-- process, performed again or brought back from retirement (IS164); a
-- process given to another owner (IS165).  Refused when the new owner is the
-- lead auditor or a member of the team of an audit not yet over (planned,
-- in_progress or reported: its fieldwork may still run or resume) that
-- examines the process (view audit_examined_process).  A closed or
-- cancelled audit is over: its independence was judged while it ran, and
-- what its auditors do later is judged when they act on what it raised
-- (nonconformity_audit_independent).  Work that already made its owner a
-- worker of the process before the statement (an unrelated change of the
-- row, or a state an earlier release let in) is left to the audit's own
-- checks (its next change, the start guard).
-- Takes the process's row FOR NO KEY UPDATE first (an UPDATE of the process
-- holds it already), which audit_check_independence takes FOR SHARE: see
-- there.
CREATE FUNCTION iso28000.process_work_auditor_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    person bigint;
    process bigint;
    what text;
    col text;
    hit record;
BEGIN
    IF tbl = 'activity' THEN
        IF NEW.owner_id IS NULL OR NOT NEW.active
           OR (TG_OP = 'UPDATE' AND OLD.active AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id
               AND OLD.sms_process_id IS NOT DISTINCT FROM NEW.sms_process_id) THEN
            RETURN NULL;
        END IF;
        what := format('activity %s (%s)', NEW.activity_id, NEW.name);
        col := CASE WHEN TG_OP = 'INSERT' OR OLD.owner_id IS DISTINCT FROM NEW.owner_id THEN 'owner_id'
                    WHEN OLD.sms_process_id IS DISTINCT FROM NEW.sms_process_id THEN 'sms_process_id'
                    ELSE 'active' END;
    ELSIF tbl = 'control' THEN
        IF NEW.owner_id IS NULL OR NEW.sms_process_id IS NULL OR NEW.retired_on IS NOT NULL
           OR (TG_OP = 'UPDATE' AND OLD.retired_on IS NULL AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id
               AND OLD.sms_process_id IS NOT DISTINCT FROM NEW.sms_process_id) THEN
            RETURN NULL;
        END IF;
        what := format('control %s (%s)', NEW.control_id, NEW.code);
        col := CASE WHEN TG_OP = 'INSERT' OR OLD.owner_id IS DISTINCT FROM NEW.owner_id THEN 'owner_id'
                    WHEN OLD.sms_process_id IS DISTINCT FROM NEW.sms_process_id THEN 'sms_process_id'
                    ELSE 'retired_on' END;
    ELSE
        IF NEW.owner_id IS NOT DISTINCT FROM OLD.owner_id THEN
            RETURN NULL;
        END IF;
        what := 'the ownership';
        col := 'owner_id';
    END IF;
    person := NEW.owner_id;
    process := NEW.sms_process_id;
    IF tbl <> 'sms_process' THEN
        PERFORM 1 FROM iso28000.sms_process p
          WHERE p.org_id = NEW.org_id AND p.sms_process_id = process
            FOR NO KEY UPDATE;
    END IF;
    SELECT a.audit_id, a.title, a.status, pr.name AS process_name, pe.full_name,
           CASE WHEN a.lead_auditor_id = person THEN 'the lead auditor' ELSE 'a member of the team' END AS role
      INTO hit
      FROM iso28000.audit a
      JOIN iso28000.sms_process pr ON pr.org_id = NEW.org_id AND pr.sms_process_id = process
      JOIN iso28000.person pe ON pe.org_id = NEW.org_id AND pe.person_id = person
     WHERE a.org_id = NEW.org_id AND a.status IN ('planned', 'in_progress', 'reported')
       AND (a.lead_auditor_id = person
            OR EXISTS (SELECT FROM iso28000.audit_team_member t
                        WHERE t.org_id = NEW.org_id AND t.audit_id = a.audit_id AND t.person_id = person))
       -- audit_examined_process's two tables, each with the organisation named:
       -- on a Citus worker the view (a UNION) in a correlated sub-select made
       -- this a query over every shard, which a trigger on a shard may not run
       AND (EXISTS (SELECT FROM iso28000.audit_auditee x
                     WHERE x.org_id = NEW.org_id AND x.audit_id = a.audit_id AND x.process_id = process)
            OR EXISTS (SELECT FROM iso28000.audit_finding f
                        WHERE f.org_id = NEW.org_id AND f.audit_id = a.audit_id AND f.process_id = process))
     ORDER BY a.audit_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%.% of organisation %: % of process % (%) cannot go to person % (%), % of audit % (%, %), which examines the process',
                        TG_TABLE_SCHEMA, tbl, NEW.org_id, what, process, hit.process_name,
                        person, hit.full_name, hit.role, hit.audit_id, hit.title, hit.status
              USING ERRCODE = CASE WHEN tbl = 'sms_process' THEN 'IS165' ELSE 'IS164' END,
                    DETAIL = CASE WHEN tbl = 'sms_process'
                                  THEN 'An auditor may not audit a process he owns (ISO 28000 9.2.2); the audit is not over.'
                                  ELSE 'An auditor may not audit his own work (ISO 28000 9.2.2), and who owns an activity or a control of a process works in it; the audit is not over.' END,
                    HINT = 'Give it to someone who does not audit the process, or take the person off the audit (a manager changes its lead auditor) first.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = col;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.process_work_auditor_independent() IS
  'ISO 28000 9.2.2: Trigger on activity and control (AFTER INSERT or UPDATE of the owner, the process, active or retired_on) and sms_process (AFTER UPDATE of the owner): refuses work in a process given to an auditor (lead or team) of an audit that examines it and is not over, planned, in_progress or reported (IS164), and the process given to such an auditor (IS165); takes the process''s row FOR NO KEY UPDATE first.';
CREATE TRIGGER process_work_auditor_independent
    AFTER INSERT OR UPDATE OF owner_id, sms_process_id, active ON iso28000.activity
    FOR EACH ROW EXECUTE FUNCTION iso28000.process_work_auditor_independent();
CREATE TRIGGER process_work_auditor_independent
    AFTER INSERT OR UPDATE OF owner_id, sms_process_id, retired_on ON iso28000.control
    FOR EACH ROW EXECUTE FUNCTION iso28000.process_work_auditor_independent();
CREATE TRIGGER process_work_auditor_independent
    AFTER UPDATE OF owner_id ON iso28000.sms_process
    FOR EACH ROW EXECUTE FUNCTION iso28000.process_work_auditor_independent();

-- Why a person may not act for an audit (record its findings, close it): the
-- first process it examines that the person owns, or the person being one of
-- its auditees, or working in a process it examines, as text; NULL when the
-- person is independent of the audit.
CREATE FUNCTION iso28000.audit_person_conflict(org bigint, audit bigint, person bigint)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (
    SELECT coalesce(
      (SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name)
         FROM iso28000.audit_examined_process x
         JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
        WHERE x.org_id = org AND x.audit_id = audit AND pr.owner_id = person
        ORDER BY pr.sms_process_id LIMIT 1),
      (SELECT format('%s is an auditee of audit %s', pe.full_name, audit)
         FROM iso28000.audit_auditee x
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = x.person_id
        WHERE x.org_id = org AND x.audit_id = audit AND x.person_id = person
        LIMIT 1),
      iso28000._audit_worker_conflict(org, audit, ARRAY[person])));
END
$$;
COMMENT ON FUNCTION iso28000.audit_person_conflict(bigint, bigint, bigint) IS
  'ISO 28000 9.2.2: Why the person is not independent of the audit (owns a process it examines, is one of its auditees, or works in a process it examines: owns an activity or a control of it), as text; NULL when independent. Compared with the acting person when findings, auditees or team members are written, and when the audit is cancelled or closed or a nonconformity it raised is rejected.';

-- The acting person who records, changes or removes a finding, an auditee or
-- a member of the team of an audit must be independent of it (IS152): the
-- independence rule above compares the auditors the audit designates; this
-- one compares whoever acts, so the owner of an audited process cannot write
-- the audit's findings, take his process out of it or choose its auditors,
-- through a login of his own or an application acting for him.  A finding
-- needs a person who found it: a session that acts for nobody (a delegated
-- application that did not call act_as() in this transaction, a role without
-- a person) cannot record, change or remove one (IS154); only a role with the
-- privileges of the extension's owner (a loader, a restore), which could
-- switch the trigger off anyway, still may.  Auditees and team members too
-- need a person who writes them (IS158): who chooses what an audit examines
-- and who audits it can only be judged independent for a person.
CREATE FUNCTION iso28000.audit_actor_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    org bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.org_id ELSE NEW.org_id END;
    me bigint := iso28000.acting_person(org);
    conflict text;
BEGIN
    IF me IS NULL THEN
        IF iso28000._has_owner_privileges() THEN
            RETURN NULL;
        END IF;
        IF tbl = 'audit_finding' THEN
            RAISE EXCEPTION '%.% of organisation %: a finding of audit % needs a person who found it; the session acts for nobody',
                            TG_TABLE_SCHEMA, tbl, org,
                            CASE WHEN TG_OP = 'DELETE' THEN OLD.audit_id ELSE NEW.audit_id END
                  USING ERRCODE = 'IS154',
                        DETAIL = format('Role %s has no person in organisation %s and declared none in this transaction; the independence of who writes a finding can only be judged for a person (ISO 28000 9.2.2).', current_user, org),
                        HINT = 'Write findings through a person''s own login, or call iso28000.act_as(org, person) first in the transaction of a delegated application.',
                        SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = 'audit_id';
        END IF;
        RAISE EXCEPTION '%.% of organisation %: % of audit % needs a person who % it; the session acts for nobody',
                        TG_TABLE_SCHEMA, tbl, org,
                        CASE WHEN tbl = 'audit_auditee' THEN 'an auditee' ELSE 'a member of the team' END,
                        CASE WHEN TG_OP = 'DELETE' THEN OLD.audit_id ELSE NEW.audit_id END,
                        CASE TG_OP WHEN 'INSERT' THEN 'adds' WHEN 'UPDATE' THEN 'changes' ELSE 'removes' END
              USING ERRCODE = 'IS158',
                    DETAIL = format('Role %s has no person in organisation %s and declared none in this transaction; who chooses what an audit examines and who audits can only be judged independent for a person (ISO 28000 9.2.2).', current_user, org),
                    HINT = 'Plan the audit through a person''s own login, or call iso28000.act_as(org, person) first in the transaction of a delegated application.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = 'audit_id';
    END IF;
    IF TG_OP <> 'INSERT' THEN
        -- the row as it was: a process it named, the person it named
        conflict := iso28000.audit_person_conflict(org, OLD.audit_id, me);
        IF conflict IS NULL AND tbl IN ('audit_finding', 'audit_auditee') THEN
            IF OLD.process_id IS NOT NULL THEN
                SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name) INTO conflict
                  FROM iso28000.sms_process pr
                  JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
                 WHERE pr.org_id = org AND pr.sms_process_id = OLD.process_id AND pr.owner_id = me;
            END IF;
        END IF;
        IF conflict IS NULL AND tbl = 'audit_auditee' THEN
            IF OLD.person_id = me THEN
                conflict := format('person %s is an auditee of audit %s', me, OLD.audit_id);
            END IF;
        END IF;
    END IF;
    IF conflict IS NULL AND TG_OP <> 'DELETE' THEN
        conflict := iso28000.audit_person_conflict(org, NEW.audit_id, me);
    END IF;
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION '%.% of organisation %: the acting person % is not independent of audit %',
                        TG_TABLE_SCHEMA, tbl, org, me,
                        CASE WHEN TG_OP = 'DELETE' THEN OLD.audit_id ELSE NEW.audit_id END
              USING ERRCODE = 'IS152',
                    DETAIL = conflict || '; who is examined by an audit may not write its findings, auditees or team (ISO 28000 9.2.2).',
                    HINT = 'An auditor of the audit (or a person independent of it) records the change.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = 'audit_id';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.audit_actor_independent() IS
  'Trigger on audit_finding, audit_auditee and audit_team_member: the acting person who writes or removes a row must be independent of the audit: own no process it examines and not be one of its auditees (IS152); a finding (IS154), an auditee or a team member (IS158) is refused to a session acting for nobody unless its role has the privileges of the extension''s owner.';
CREATE TRIGGER audit_actor_independent
    AFTER INSERT OR UPDATE OR DELETE ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_actor_independent();
CREATE TRIGGER audit_actor_independent
    AFTER INSERT OR UPDATE OR DELETE ON iso28000.audit_auditee
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_actor_independent();
CREATE TRIGGER audit_actor_independent
    AFTER INSERT OR UPDATE OR DELETE ON iso28000.audit_team_member
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_actor_independent();

-- The report is the lead auditor's (ISO 28000 9.2.2 b: the results are
-- reported to relevant management; ISO 19011 6.5: the audit team leader is
-- responsible for the audit report and its conclusions).  The acting person
-- who reports an audit (in_progress to reported), withdraws its report
-- (reported to in_progress) or changes the report, conclusion or report date
-- of a reported audit must be its lead auditor, as the audit stood before the
-- statement (IS153).  The lead auditor named when the audit is planned
-- changes only by that lead auditor handing over or by a manager of the
-- organisation (IS163 while planned, IS155 once fieldwork has started):
-- otherwise whoever may write could name himself lead, then start and report.
-- Whoever cancels an audit is a person independent of it (IS156): the owner
-- of an audited process cannot call off the audit of his own process.
-- Fieldwork (planned to in_progress) is started by the lead auditor, as the
-- audit stood before the statement, or by a manager (IS159), as IS155 decides
-- who may change the lead auditor.
-- A session acting for nobody is refused all four (a manager's role still
-- starts fieldwork and changes the lead auditor); a role with the privileges
-- of the extension's owner (a loader, a restore), which could switch the
-- trigger off anyway, is let through.
CREATE FUNCTION iso28000.audit_lead_auditor_acts()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
    what text;
    conflict text;
BEGIN
    IF NEW.status = 'cancelled' AND OLD.status IS DISTINCT FROM 'cancelled'
       AND NOT iso28000._has_owner_privileges() THEN
        me := iso28000.acting_person(OLD.org_id);
        conflict := CASE WHEN me IS NULL THEN 'the session acts for no person'
                         ELSE iso28000.audit_person_conflict(OLD.org_id, OLD.audit_id, me) END;
        IF conflict IS NOT NULL THEN
            RAISE EXCEPTION 'audit % of organisation %: only a person independent of it may cancel it (%)',
                            OLD.audit_id, OLD.org_id, conflict
                  USING ERRCODE = 'IS156',
                        DETAIL = 'Who is examined by an audit may not call it off (ISO 28000 9.2.2: auditors selected to ensure objectivity and impartiality).',
                        HINT = 'The lead auditor or a manager independent of the audit cancels it, with the reason in status_note.',
                        SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'status';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status = 'in_progress' AND OLD.status = 'planned'
       AND NOT iso28000._has_owner_privileges() THEN
        me := iso28000.acting_person(OLD.org_id);
        IF me IS DISTINCT FROM OLD.lead_auditor_id AND NOT iso28000.has_level(OLD.org_id, 'manage') THEN
            RAISE EXCEPTION 'audit % of organisation %: only its lead auditor (person %) or a manager may start its fieldwork; the acting person is %',
                            OLD.audit_id, OLD.org_id, OLD.lead_auditor_id,
                            coalesce('person ' || me, 'nobody (the session acts for no person)')
                  USING ERRCODE = 'IS159',
                        DETAIL = 'The audit team leader opens the fieldwork of the audit he leads (ISO 28000 9.2.2, ISO 19011 6.4); those who manage the audit programme may start it for him (ISO 19011 5.5).',
                        HINT = 'The lead auditor starts it through his own login or an application acting for him (act_as), or a manager of the organisation does.',
                        SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'status';
        END IF;
    END IF;
    IF NEW.status = 'reported' AND OLD.status IS DISTINCT FROM 'reported' THEN
        what := 'report it';
    ELSIF OLD.status = 'reported' AND NEW.status = 'in_progress' THEN
        what := 'withdraw its report';
    ELSIF OLD.status = 'reported' AND NEW.status = 'reported'
          AND (NEW.report, NEW.conclusion, NEW.reported_on) IS DISTINCT FROM (OLD.report, OLD.conclusion, OLD.reported_on) THEN
        what := 'change its report, conclusion or report date';
    END IF;
    IF what IS NULL AND NEW.lead_auditor_id IS NOT DISTINCT FROM OLD.lead_auditor_id THEN
        RETURN NEW;
    END IF;
    IF iso28000._has_owner_privileges() THEN
        RETURN NEW;
    END IF;
    me := iso28000.acting_person(OLD.org_id);
    IF what IS NOT NULL AND me IS DISTINCT FROM OLD.lead_auditor_id THEN
        RAISE EXCEPTION 'audit % of organisation %: only its lead auditor (person %) may %; the acting person is %',
                        OLD.audit_id, OLD.org_id, OLD.lead_auditor_id, what,
                        coalesce('person ' || me, 'nobody (the session acts for no person)')
              USING ERRCODE = 'IS153',
                    DETAIL = 'The audit report and its conclusions are the lead auditor''s (ISO 28000 9.2.2, ISO 19011 6.5).',
                    HINT = 'The lead auditor reports through his own login or an application acting for him (act_as); a manager may hand the audit to another lead auditor.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'lead_auditor_id';
    END IF;
    IF NEW.lead_auditor_id IS DISTINCT FROM OLD.lead_auditor_id
       AND me IS DISTINCT FROM OLD.lead_auditor_id AND NOT iso28000.has_level(OLD.org_id, 'manage') THEN
        RAISE EXCEPTION 'audit % of organisation % is %: its lead auditor (person %) changes only by his handing over or by a manager; the acting person is %',
                        OLD.audit_id, OLD.org_id, OLD.status, OLD.lead_auditor_id,
                        coalesce('person ' || me, 'nobody (the session acts for no person)')
              USING ERRCODE = CASE WHEN OLD.status = 'planned' THEN 'IS163' ELSE 'IS155' END,
                    DETAIL = CASE WHEN OLD.status = 'planned'
                                  THEN 'Those who manage the audit programme assign the audit team leader (ISO 19011 5.5.4); a writer naming himself lead auditor of a planned audit could then start its fieldwork and report it.'
                                  ELSE 'Who leads an audit is decided when it is planned (ISO 19011 5.5.4); after fieldwork starts, a writer naming himself lead auditor could report it.' END,
                    HINT = 'Ask the lead auditor to hand over, or a manager of the organisation to change it.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'lead_auditor_id';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_lead_auditor_acts() IS
  'Trigger on audit (BEFORE UPDATE): only the lead auditor, as the acting person, reports an audit, withdraws its report or changes a reported audit''s report, conclusion or report date (IS153); the lead auditor changes only by the lead auditor or a manager (IS163 while planned, IS155 after); only a person independent of the audit cancels it (IS156); only the lead auditor or a manager starts its fieldwork (IS159); roles with the privileges of the extension''s owner are let through.';
CREATE TRIGGER audit_lead_auditor_acts
    BEFORE UPDATE ON iso28000.audit
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_lead_auditor_acts();

-- ---------------------------------------------------------------------------
-- Workflow (engine: sql/core/06_workflow.sql)
-- ---------------------------------------------------------------------------

-- Guard of the audit workflow: independence to start, a nonconformity for every nc finding to close.
CREATE FUNCTION iso28000.audit_guard(a iso28000.audit, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text;
    me bigint;
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
        IF missing IS NOT NULL THEN
            RETURN 'a nonconformity for every minor_nc or major_nc finding (none for ' || missing || ')';
        END IF;
        -- who closes is a person independent of the audit, not only its designated auditors
        me := iso28000.acting_person(a.org_id);
        IF me IS NULL THEN
            RETURN 'a person closing it (the session acts for nobody: a person''s own login, or act_as() of a delegated application)';
        END IF;
        missing := iso28000.audit_person_conflict(a.org_id, a.audit_id, me);
        RETURN CASE WHEN missing IS NOT NULL
                    THEN 'a person independent of the audit closing it (' || missing || ')' END;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.audit_guard(iso28000.audit, text, text) IS
  'ISO 28000 9.2.2, 10.2: Workflow guard of audits: to start, no auditor may own a process the audit examines; to close, every minor_nc or major_nc finding must have its nonconformity, and the acting person closing it must be independent of the audit (own no process it examines, not be an auditee); a session acting for nobody cannot close it.';

SELECT iso28000.define_workflow('audit',
  'ISO 28000 9.2: an internal audit from plan to closure (fieldwork, report, closure once every nonconforming finding has its nonconformity).',
  states => $wf$[
    {"state": "planned", "initial": true, "deletable": true, "description": "Planned in the programme, not started."},
    {"state": "in_progress", "requires": {"started_on": "the first day of fieldwork"}, "description": "Fieldwork under way."},
    {"state": "reported", "requires": {"reported_on": "the date of the report", "report": "the audit report or where it is kept", "conclusion": "the audit conclusion"}, "description": "Report issued with its conclusion; nonconformities being raised."},
    {"state": "closed", "terminal": true, "frozen": true, "requires": {"closed_on": "the closing date"}, "description": "Closed: every nonconforming finding has its nonconformity."},
    {"state": "cancelled", "terminal": true, "frozen": true, "requires": {"status_note": "why the audit was cancelled"}, "description": "Cancelled (with the reason)."}
  ]$wf$,
  transitions => $wf$[
    {"from": "planned", "to": "in_progress", "level": "write", "guard": "iso28000.audit_guard(iso28000.audit, text, text)", "note": "9.2.2: fieldwork starts; auditors independent of the processes audited."},
    {"from": "planned", "to": "cancelled", "level": "write", "note": "Audit dropped from the programme."},
    {"from": "in_progress", "to": "reported", "level": "write", "note": "9.2.2: report and conclusion issued."},
    {"from": "in_progress", "to": "cancelled", "level": "write", "note": "Audit abandoned."},
    {"from": "reported", "to": "in_progress", "level": "write", "note": "More fieldwork needed."},
    {"from": "reported", "to": "closed", "level": "audit", "guard": "iso28000.audit_guard(iso28000.audit, text, text)", "note": "9.2.2, 10.2: closed once every nonconforming finding has its nonconformity."}
  ]$wf$,
  builtin => true);

SELECT iso28000.attach_workflow('iso28000.audit', 'audit');
