/*
 * sql/clauses/clause10_improvement.sql
 *		ISO 28000 clause 10: improvement.
 *
 * The improvement register of 10.1, the nonconformities and corrective
 * actions of 10.2 with their workflows, and what links 9.2 audit findings to
 * the nonconformities they raise.
 */


/* ---------------------------------------------------------------------------
 * 10.2 Nonconformity and corrective action
 * ------------------------------------------------------------------------- */

CREATE TABLE iso28000.nonconformity (
  org_id                  bigint NOT NULL REFERENCES iso28000.organization,
  nonconformity_id        bigint GENERATED ALWAYS AS IDENTITY,
  title                   text NOT NULL CONSTRAINT nonconformity_title_present CHECK (btrim(title) <> ''),
  description             text,
  source                  text NOT NULL DEFAULT 'other'
                          CONSTRAINT nonconformity_source_known CHECK (source IN
                            ('audit_finding', 'incident', 'exercise', 'monitoring', 'complaint', 'management_review', 'other')),
  source_ref              text,
  clause                  iso28000.clause_ref,
  severity                text NOT NULL CONSTRAINT nonconformity_severity_known CHECK (severity IN ('minor', 'major')),
  detected_on             date NOT NULL DEFAULT current_date,
  reported_by             bigint,
  owner_id                bigint,
  status                  text NOT NULL DEFAULT 'reported',
  rejection_reason        text,
  correction              text,
  root_cause              text,
  analysis_method         text,
  similar_nonconformities text,
  effectiveness_review    text,
  verified_by             bigint,
  verified_on             date,
  sms_change_needed       boolean,
  sms_change_note         text,
  status_changed_at       timestamptz,
  status_changed_by       name,
  status_note             text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  standard                text NOT NULL DEFAULT 'ISO 28000:2022',
  PRIMARY KEY (org_id, nonconformity_id),
  CONSTRAINT nonconformity_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause),
  FOREIGN KEY (org_id, reported_by) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, verified_by) REFERENCES iso28000.person (org_id, person_id)
);
CREATE INDEX nonconformity_status_idx ON iso28000.nonconformity (org_id, status);
COMMENT ON TABLE iso28000.nonconformity IS
  'ISO 28000 10.2: Nonconformities: reaction (correction), cause analysis, corrective actions, review of their effectiveness and the decision on changes to the SMS. Workflow "nonconformity", enforced by iso28000.workflow_guard().';
COMMENT ON COLUMN iso28000.nonconformity.title IS 'Short statement of the nonconformity.';
COMMENT ON COLUMN iso28000.nonconformity.description IS 'What was found, where and how (the evidence).';
COMMENT ON COLUMN iso28000.nonconformity.source IS 'Where it came from: audit_finding, incident, exercise (of a security plan), monitoring, complaint, management_review or other.';
COMMENT ON COLUMN iso28000.nonconformity.source_ref IS 'Reference of the source record (audit finding, incident number...).';
COMMENT ON COLUMN iso28000.nonconformity.clause IS 'Clause of ISO 28000 (or of an integrated standard) not fulfilled.';
COMMENT ON COLUMN iso28000.nonconformity.severity IS 'minor or major; sets the deadlines (nonconformity_deadline).';
COMMENT ON COLUMN iso28000.nonconformity.detected_on IS 'Date it was detected.';
COMMENT ON COLUMN iso28000.nonconformity.reported_by IS 'Person who reported it.';
COMMENT ON COLUMN iso28000.nonconformity.owner_id IS 'Person responsible for dealing with it.';
COMMENT ON COLUMN iso28000.nonconformity.status IS 'Workflow state: reported, rejected, contained, cause_analysed, action_planned, action_taken, verified, closed.';
COMMENT ON COLUMN iso28000.nonconformity.rejection_reason IS 'Why it is not a nonconformity (needed to enter rejected).';
COMMENT ON COLUMN iso28000.nonconformity.correction IS '10.2 a: action taken to control and correct it and to deal with the consequences (needed to enter contained).';
COMMENT ON COLUMN iso28000.nonconformity.root_cause IS '10.2 b: the causes (needed to enter cause_analysed).';
COMMENT ON COLUMN iso28000.nonconformity.analysis_method IS '10.2 b: method of the cause analysis (five whys, fishbone...).';
COMMENT ON COLUMN iso28000.nonconformity.similar_nonconformities IS '10.2 b: whether similar nonconformities exist or could potentially occur, and where.';
COMMENT ON COLUMN iso28000.nonconformity.effectiveness_review IS '10.2 d: review of the effectiveness of the corrective actions (needed to enter verified).';
COMMENT ON COLUMN iso28000.nonconformity.verified_by IS '10.2 d: person who reviewed effectiveness; must own none of its corrective actions.';
COMMENT ON COLUMN iso28000.nonconformity.verified_on IS '10.2 d: date of the effectiveness review.';
COMMENT ON COLUMN iso28000.nonconformity.sms_change_needed IS '10.2 e: decision whether the SMS must change (needed to close).';
COMMENT ON COLUMN iso28000.nonconformity.sms_change_note IS '10.2 e: the change to make to the SMS; needed when sms_change_needed.';
COMMENT ON COLUMN iso28000.nonconformity.status_changed_at IS 'When the status last changed (set by the workflow engine).';
COMMENT ON COLUMN iso28000.nonconformity.status_changed_by IS 'Role that last changed the status (set by the workflow engine).';
COMMENT ON COLUMN iso28000.nonconformity.status_note IS 'Note of the last transition, copied into the workflow event log.';
COMMENT ON COLUMN iso28000.nonconformity.created_at IS 'When the record was created.';
COMMENT ON COLUMN iso28000.nonconformity.standard IS 'Standard of the clause not fulfilled (default ISO 28000:2022; a nonconformity raised by an audit finding takes the finding''s).';
SELECT iso28000.register_table('iso28000.nonconformity');
-- Who approved / verified / accepted is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.nonconformity
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('verified_by:verified');

CREATE TABLE iso28000.corrective_action (
  org_id               bigint NOT NULL REFERENCES iso28000.organization,
  corrective_action_id bigint GENERATED ALWAYS AS IDENTITY,
  nonconformity_id     bigint NOT NULL,
  title                text NOT NULL CONSTRAINT corrective_action_title_present CHECK (btrim(title) <> ''),
  description          text,
  owner_id             bigint,
  due_on               date,
  status               text NOT NULL DEFAULT 'planned',
  completed_on         date,
  evidence             text,
  cancel_reason        text,
  status_changed_at    timestamptz,
  status_changed_by    name,
  status_note          text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, corrective_action_id),
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES iso28000.nonconformity (org_id, nonconformity_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
CREATE INDEX corrective_action_nonconformity_idx ON iso28000.corrective_action (org_id, nonconformity_id);
COMMENT ON TABLE iso28000.corrective_action IS
  'ISO 28000 10.2: Corrective actions of a nonconformity, each with an owner, a due date, completion and evidence. Workflow "corrective_action"; frozen once its nonconformity is verified or closed.';
COMMENT ON COLUMN iso28000.corrective_action.nonconformity_id IS 'The nonconformity it corrects.';
COMMENT ON COLUMN iso28000.corrective_action.title IS 'What is to be done.';
COMMENT ON COLUMN iso28000.corrective_action.description IS 'Details of the action.';
COMMENT ON COLUMN iso28000.corrective_action.owner_id IS 'Person who owns the action (needed to plan it).';
COMMENT ON COLUMN iso28000.corrective_action.due_on IS 'Due date (needed to plan it).';
COMMENT ON COLUMN iso28000.corrective_action.status IS 'Workflow state: planned, in_progress, done, cancelled.';
COMMENT ON COLUMN iso28000.corrective_action.completed_on IS 'Completion date (needed to enter done).';
COMMENT ON COLUMN iso28000.corrective_action.evidence IS 'Evidence of completion (needed to enter done).';
COMMENT ON COLUMN iso28000.corrective_action.cancel_reason IS 'Why it was cancelled (needed to enter cancelled).';
COMMENT ON COLUMN iso28000.corrective_action.status_changed_at IS 'When the status last changed (set by the workflow engine).';
COMMENT ON COLUMN iso28000.corrective_action.status_changed_by IS 'Role that last changed the status (set by the workflow engine).';
COMMENT ON COLUMN iso28000.corrective_action.status_note IS 'Note of the last transition, copied into the workflow event log.';
COMMENT ON COLUMN iso28000.corrective_action.created_at IS 'When the record was created.';
SELECT iso28000.register_table('iso28000.corrective_action');

-- Guard: action_planned needs a live corrective action with an owner and a due date.
CREATE FUNCTION iso28000.nonconformity_actions_planned_guard(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN (SELECT CASE WHEN NOT EXISTS (
           SELECT 1 FROM iso28000.corrective_action ca
            WHERE ca.org_id = r.org_id AND ca.nonconformity_id = r.nonconformity_id
              AND ca.status <> 'cancelled' AND ca.owner_id IS NOT NULL AND ca.due_on IS NOT NULL)
         THEN 'at least one live corrective action with an owner and a due date' END);
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_actions_planned_guard(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 c): refuses action_planned until the nonconformity has a live corrective action with an owner and a due date.';

-- Guard: action_taken needs every live corrective action done (and one at least).
CREATE FUNCTION iso28000.nonconformity_actions_done_guard(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN (SELECT CASE
           WHEN count(*) FILTER (WHERE ca.status NOT IN ('done', 'cancelled')) > 0
             THEN 'every live corrective action done (still open: '
                  || string_agg(ca.corrective_action_id::text, ', ' ORDER BY ca.corrective_action_id)
                       FILTER (WHERE ca.status NOT IN ('done', 'cancelled')) || ')'
           WHEN count(*) FILTER (WHERE ca.status = 'done') = 0
             THEN 'at least one corrective action done'
         END
    FROM iso28000.corrective_action ca
   WHERE ca.org_id = r.org_id AND ca.nonconformity_id = r.nonconformity_id);
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_actions_done_guard(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 c): refuses action_taken while a live corrective action of the nonconformity is not done, or when none is done.';

-- Guard: the effectiveness reviewer owns none of the corrective actions.
CREATE FUNCTION iso28000.nonconformity_verifier_independent_guard(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN (SELECT 'a verifier who owns none of its corrective actions (person ' || r.verified_by
         || ' owns corrective action ' || min(ca.corrective_action_id) || ')'
    FROM iso28000.corrective_action ca
   WHERE ca.org_id = r.org_id AND ca.nonconformity_id = r.nonconformity_id
     AND ca.owner_id = r.verified_by
  HAVING count(*) > 0);
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_verifier_independent_guard(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 d): refuses verified when the person who reviewed effectiveness owns one of the nonconformity''s corrective actions (segregation of duties).';

-- Guard: closing with an SMS change needs the change described.
CREATE FUNCTION iso28000.nonconformity_sms_decision_guard(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN r.sms_change_needed AND coalesce(btrim(r.sms_change_note), '') = ''
              THEN 'the change to make to the SMS (sms_change_note), since sms_change_needed is true' END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_sms_decision_guard(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 e): refuses closed when the SMS must change but the change is not described.';

-- Guard: a done corrective action is reopened only after its nonconformity's
-- verification found the actions ineffective (it is back in analysis or planning).
CREATE FUNCTION iso28000.corrective_action_reopen_guard(r iso28000.corrective_action, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN (SELECT CASE WHEN n.status NOT IN ('cause_analysed', 'action_planned')
              THEN 'its nonconformity sent back to cause_analysed as ineffective (it is ' || n.status || ')' END
    FROM iso28000.nonconformity n
   WHERE n.org_id = r.org_id AND n.nonconformity_id = r.nonconformity_id);
END
$$;
COMMENT ON FUNCTION iso28000.corrective_action_reopen_guard(iso28000.corrective_action, text, text) IS
  'Workflow guard (10.2 d): a done corrective action goes back to in_progress only while its nonconformity is back in cause_analysed or action_planned after an ineffective verification.';

-- The nonconformity and corrective-action workflows (engine: sql/core/06_workflow.sql).
SELECT iso28000.define_workflow('nonconformity',
  'ISO 28000 10.2: a nonconformity from report to closure (react, evaluate the cause, act, review effectiveness, change the SMS if needed).',
  states => $wf$[
    {"state": "reported", "initial": true, "deletable": true, "description": "Reported, not yet dealt with."},
    {"state": "rejected", "terminal": true, "frozen": true, "requires": {"rejection_reason": "why it is not a nonconformity"}, "description": "Not a nonconformity (with the reason)."},
    {"state": "contained", "requires": {"correction": "10.2 a: what was done to control and correct it and deal with the consequences"}, "description": "10.2 a: reacted: action taken to control and correct it and to deal with the consequences."},
    {"state": "cause_analysed", "requires": {"root_cause": "10.2 b: the cause", "analysis_method": "10.2 b: the method of the cause analysis", "similar_nonconformities": "10.2 b: whether similar nonconformities exist or could occur"}, "description": "10.2 b: causes determined, and whether similar nonconformities exist or could occur."},
    {"state": "action_planned", "description": "10.2 c: corrective actions planned, each with an owner and a due date."},
    {"state": "action_taken", "description": "10.2 c: every live corrective action done."},
    {"state": "verified", "requires": {"effectiveness_review": "10.2 d: the review of the effectiveness of the actions", "verified_by": "10.2 d: the person who reviewed effectiveness", "verified_on": "10.2 d: the date of the review"}, "description": "10.2 d: effectiveness reviewed by someone who owns none of its corrective actions."},
    {"state": "closed", "terminal": true, "frozen": true, "requires": {"sms_change_needed": "10.2 e: the decision whether the SMS must change"}, "description": "10.2 e: closed with the decision whether the SMS must change; frozen until reopened."}
  ]$wf$,
  transitions => $wf$[
    {"from": "reported", "to": "contained", "level": "write", "note": "10.2 a: correction taken."},
    {"from": "reported", "to": "rejected", "level": "audit", "note": "Not a nonconformity."},
    {"from": "contained", "to": "cause_analysed", "level": "write", "note": "10.2 b: cause analysed."},
    {"from": "cause_analysed", "to": "action_planned", "level": "write", "guard": "iso28000.nonconformity_actions_planned_guard(iso28000.nonconformity, text, text)", "note": "10.2 c: corrective actions planned."},
    {"from": "action_planned", "to": "action_taken", "level": "write", "guard": "iso28000.nonconformity_actions_done_guard(iso28000.nonconformity, text, text)", "note": "10.2 c: corrective actions done."},
    {"from": "action_taken", "to": "verified", "level": "audit", "guard": "iso28000.nonconformity_verifier_independent_guard(iso28000.nonconformity, text, text)", "note": "10.2 d: effectiveness reviewed."},
    {"from": "action_taken", "to": "cause_analysed", "level": "audit", "note": "10.2 d: actions found ineffective: back to the analysis (a recurrence)."},
    {"from": "verified", "to": "closed", "level": "audit", "guard": "iso28000.nonconformity_sms_decision_guard(iso28000.nonconformity, text, text)", "note": "10.2 e: closed with the decision on SMS changes."},
    {"from": "closed", "to": "cause_analysed", "level": "manage", "note": "Reopened."}
  ]$wf$,
  builtin => true);

SELECT iso28000.define_workflow('corrective_action',
  'ISO 28000 10.2 c: a corrective action of a nonconformity, from plan to completion.',
  states => $wf$[
    {"state": "planned", "initial": true, "deletable": true, "requires": {"owner_id": "the owner", "due_on": "the due date"}, "description": "Planned with an owner and a due date."},
    {"state": "in_progress", "description": "Being implemented."},
    {"state": "done", "requires": {"completed_on": "the completion date", "evidence": "the evidence of completion"}, "description": "Completed, with the completion date and the evidence."},
    {"state": "cancelled", "terminal": true, "frozen": true, "requires": {"cancel_reason": "the reason for cancelling"}, "description": "Cancelled, with the reason."}
  ]$wf$,
  transitions => $wf$[
    {"from": "planned", "to": "in_progress", "level": "write", "note": "Work started."},
    {"from": "planned", "to": "done", "level": "write", "note": "Completed at once."},
    {"from": "in_progress", "to": "done", "level": "write", "note": "Completed."},
    {"from": "planned", "to": "cancelled", "level": "write", "note": "Cancelled with a reason."},
    {"from": "in_progress", "to": "cancelled", "level": "write", "note": "Cancelled with a reason."},
    {"from": "done", "to": "in_progress", "level": "write", "guard": "iso28000.corrective_action_reopen_guard(iso28000.corrective_action, text, text)", "note": "Reopened: its nonconformity's verification found it ineffective."}
  ]$wf$,
  builtin => true);

/*
 * A corrective action changes only while its nonconformity is open to it.
 * The trigger locks the nonconformity's row (FOR SHARE) before the workflow
 * trigger runs (triggers fire in name order), so a corrective action being
 * reopened or added and its nonconformity moving to action_taken serialise
 * on that row: whichever comes second sees the other's committed result.
 */
CREATE FUNCTION iso28000.corrective_action_check_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec iso28000.corrective_action := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  nc_status text;
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.org_id, NEW.nonconformity_id) IS DISTINCT FROM (OLD.org_id, OLD.nonconformity_id) THEN
    RAISE EXCEPTION 'corrective action % cannot move from nonconformity % to another', OLD.corrective_action_id, OLD.nonconformity_id
      USING ERRCODE = 'IS150',
            DETAIL = 'A corrective action belongs to the nonconformity it was planned for.',
            HINT = 'Cancel it and plan a new corrective action on the other nonconformity.',
            SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'nonconformity_id';
  END IF;
  SELECT n.status INTO nc_status FROM iso28000.nonconformity n
   WHERE n.org_id = rec.org_id AND n.nonconformity_id = rec.nonconformity_id
     FOR SHARE;
  IF nc_status IN ('verified', 'closed', 'rejected') THEN
    RAISE EXCEPTION 'corrective action % cannot change: nonconformity % is %',
                    coalesce(rec.corrective_action_id::text, '(new)'), rec.nonconformity_id, nc_status
      USING ERRCODE = 'IS150',
            DETAIL = 'The corrective actions of a verified, closed or rejected nonconformity are frozen with it.',
            HINT = 'Reopen the nonconformity (closed to cause_analysed) first.',
            SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'nonconformity_id';
  END IF;
  IF nc_status = 'action_taken' AND TG_OP <> 'DELETE' AND rec.status NOT IN ('done', 'cancelled') THEN
    RAISE EXCEPTION 'corrective action % cannot be % while nonconformity % is action_taken',
                    coalesce(rec.corrective_action_id::text, '(new)'),
                    CASE WHEN TG_OP = 'INSERT' THEN 'added' ELSE rec.status END, rec.nonconformity_id
      USING ERRCODE = 'IS151',
            DETAIL = 'Every live corrective action of a nonconformity in action_taken is done.',
            HINT = 'If verification finds the actions ineffective, move the nonconformity back to cause_analysed first.',
            SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'nonconformity_id';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION iso28000.corrective_action_check_nonconformity() IS
  'Trigger on corrective_action: locks its nonconformity and refuses changes when it is verified, closed or rejected (IS150) and new or reopened actions when it is action_taken (IS151).';

CREATE TRIGGER corrective_action_check_nonconformity
  BEFORE INSERT OR UPDATE OR DELETE ON iso28000.corrective_action
  FOR EACH ROW EXECUTE FUNCTION iso28000.corrective_action_check_nonconformity();

-- The verifier's independence holds while the record stays verified: the
-- engine runs guards on transitions only, so a change of verifier in place is
-- checked here with the same guard.
CREATE FUNCTION iso28000.nonconformity_keep_verifier_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  why text;
BEGIN
  IF OLD.status = 'verified' AND NEW.status = 'verified' AND NEW.verified_by IS DISTINCT FROM OLD.verified_by THEN
    why := iso28000.nonconformity_verifier_independent_guard(NEW, OLD.status, NEW.status);
    IF why IS NOT NULL THEN
      RAISE EXCEPTION 'iso28000.nonconformity (org_id, nonconformity_id)=(%, %) cannot stay in "verified" with this verifier: %',
                      NEW.org_id, NEW.nonconformity_id, why
        USING ERRCODE = 'IS104',
              DETAIL = 'The verifier of a verified nonconformity owns none of its corrective actions (ISO 28000 10.2 d).',
              HINT = 'Choose a verifier who owns none of its corrective actions.',
              SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'verified_by';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_keep_verifier_independent() IS
  'Trigger on nonconformity: a verified nonconformity''s verifier may be changed only to someone who owns none of its corrective actions (IS104).';
CREATE TRIGGER nonconformity_keep_verifier_independent BEFORE UPDATE OF verified_by ON iso28000.nonconformity
  FOR EACH ROW EXECUTE FUNCTION iso28000.nonconformity_keep_verifier_independent();

SELECT iso28000.attach_workflow('iso28000.nonconformity', 'nonconformity');
SELECT iso28000.attach_workflow('iso28000.corrective_action', 'corrective_action');

-- Records a nonconformity (for example from an audit finding); returns its id.
CREATE FUNCTION iso28000.raise_nonconformity(
  org bigint, title text, severity text, source text DEFAULT 'other',
  source_ref text DEFAULT NULL, clause text DEFAULT NULL,
  description text DEFAULT NULL, detected_on date DEFAULT current_date,
  standard text DEFAULT 'ISO 28000:2022')
RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO iso28000.nonconformity (org_id, title, severity, source, source_ref, clause, description,
                                      detected_on, reported_by, standard)
  VALUES (org, title, severity, source, source_ref, clause::iso28000.clause_ref, description, detected_on,
          iso28000.current_person(org), standard)
  RETURNING nonconformity_id
$$;
COMMENT ON FUNCTION iso28000.raise_nonconformity(bigint, text, text, text, text, text, text, date, text) IS
  'Records a nonconformity in state reported, reported by the current person; returns its id. The clause is text (cast to clause_ref, 22P02 if malformed) of the standard given (default ISO 28000:2022; 23503 for a clause the standard lacks).';

/* ---------------------------------------------------------------------------
 * Deadlines and escalation, per organisation and severity
 * ------------------------------------------------------------------------- */

CREATE TABLE iso28000.nonconformity_deadline_default (
  severity        text PRIMARY KEY CONSTRAINT nonconformity_deadline_default_severity CHECK (severity IN ('minor', 'major')),
  days_to_contain integer NOT NULL CHECK (days_to_contain >= 0),
  days_to_close   integer NOT NULL CHECK (days_to_close >= 0),
  escalate_after  integer NOT NULL CHECK (escalate_after >= 0)
);
COMMENT ON TABLE iso28000.nonconformity_deadline_default IS
  'ISO 28000 10.2: Default deadlines of nonconformities by severity, for organisations that set none in nonconformity_deadline.';
COMMENT ON COLUMN iso28000.nonconformity_deadline_default.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_deadline_default.days_to_contain IS 'Days from detection to containment (contained).';
COMMENT ON COLUMN iso28000.nonconformity_deadline_default.days_to_close IS 'Days from detection to closure.';
COMMENT ON COLUMN iso28000.nonconformity_deadline_default.escalate_after IS 'Days past a deadline after which the nonconformity is escalated to top management.';
INSERT INTO iso28000.nonconformity_deadline_default VALUES ('major', 2, 30, 7), ('minor', 7, 90, 30);
GRANT SELECT ON iso28000.nonconformity_deadline_default TO PUBLIC;

CREATE TABLE iso28000.nonconformity_deadline (
  org_id                    bigint NOT NULL REFERENCES iso28000.organization,
  nonconformity_deadline_id bigint GENERATED ALWAYS AS IDENTITY,
  severity                  text NOT NULL CONSTRAINT nonconformity_deadline_severity CHECK (severity IN ('minor', 'major')),
  days_to_contain           integer NOT NULL CHECK (days_to_contain >= 0),
  days_to_close             integer NOT NULL CHECK (days_to_close >= 0),
  escalate_after            integer NOT NULL DEFAULT 0 CHECK (escalate_after >= 0),
  PRIMARY KEY (org_id, nonconformity_deadline_id),
  UNIQUE (org_id, severity)
);
COMMENT ON TABLE iso28000.nonconformity_deadline IS
  'ISO 28000 10.2: Deadlines an organisation sets for its nonconformities by severity: days to contain, days to close, and days past a deadline before escalation.';
COMMENT ON COLUMN iso28000.nonconformity_deadline.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_deadline.days_to_contain IS 'Days from detection to containment (contained).';
COMMENT ON COLUMN iso28000.nonconformity_deadline.days_to_close IS 'Days from detection to closure.';
COMMENT ON COLUMN iso28000.nonconformity_deadline.escalate_after IS 'Days past a deadline after which the nonconformity is escalated to top management.';
SELECT iso28000.register_table('iso28000.nonconformity_deadline');

/* ---------------------------------------------------------------------------
 * Views for people and BI
 * ------------------------------------------------------------------------- */

-- The deadlines as two plain joins (the defaults, a reference table on Citus,
-- and the organisation's own, co-located): a lateral sub-select over both
-- crashed Citus 13.2's planner when a member aggregated over the flags
-- (doc/distribution.md).
CREATE VIEW iso28000.nonconformity_open WITH (security_invoker = true) AS
SELECT n.org_id, n.nonconformity_id, n.title, n.severity, n.source,
       n.clause::text AS clause, iso28000.sort_key(n.clause) AS clause_sort, n.status,
       n.owner_id, n.detected_on,
       current_date - n.detected_on AS age_days,
       (current_date - coalesce(n.status_changed_at, n.created_at)::date) AS days_in_state,
       n.detected_on + coalesce(o.days_to_contain, g.days_to_contain) AS contain_due_on,
       n.detected_on + coalesce(o.days_to_close, g.days_to_close) AS close_due_on,
       (n.status = 'reported' AND current_date > n.detected_on + coalesce(o.days_to_contain, g.days_to_contain)) AS contain_overdue,
       (current_date > n.detected_on + coalesce(o.days_to_close, g.days_to_close)) AS close_overdue,
       ((n.status = 'reported'
         AND current_date > n.detected_on + coalesce(o.days_to_contain, g.days_to_contain) + coalesce(o.escalate_after, g.escalate_after))
         OR current_date > n.detected_on + coalesce(o.days_to_close, g.days_to_close) + coalesce(o.escalate_after, g.escalate_after)) AS escalated,
       (SELECT count(*) FROM iso28000.corrective_action ca
         WHERE ca.org_id = n.org_id AND ca.nonconformity_id = n.nonconformity_id
           AND ca.status IN ('planned', 'in_progress')) AS open_actions,
       n.standard
  FROM iso28000.nonconformity n
  JOIN iso28000.nonconformity_deadline_default g ON g.severity = n.severity
  LEFT JOIN iso28000.nonconformity_deadline o ON o.org_id = n.org_id AND o.severity = n.severity
 WHERE n.status NOT IN ('closed', 'rejected');
COMMENT ON VIEW iso28000.nonconformity_open IS
  'ISO 28000 10.2, 9.1: Open nonconformities by state, with their age, their deadlines (nonconformity_deadline, else the defaults) and overdue and escalation flags.';
COMMENT ON COLUMN iso28000.nonconformity_open.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.nonconformity_open.nonconformity_id IS 'The nonconformity.';
COMMENT ON COLUMN iso28000.nonconformity_open.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.nonconformity_open.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_open.source IS 'Where it came from.';
COMMENT ON COLUMN iso28000.nonconformity_open.clause IS 'Clause not fulfilled, as text.';
COMMENT ON COLUMN iso28000.nonconformity_open.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.nonconformity_open.status IS 'Current workflow state.';
COMMENT ON COLUMN iso28000.nonconformity_open.owner_id IS 'Person responsible.';
COMMENT ON COLUMN iso28000.nonconformity_open.detected_on IS 'Date detected.';
COMMENT ON COLUMN iso28000.nonconformity_open.age_days IS 'Days since detection.';
COMMENT ON COLUMN iso28000.nonconformity_open.days_in_state IS 'Days since the last transition.';
COMMENT ON COLUMN iso28000.nonconformity_open.contain_due_on IS 'Date by which it must be contained.';
COMMENT ON COLUMN iso28000.nonconformity_open.close_due_on IS 'Date by which it must be closed.';
COMMENT ON COLUMN iso28000.nonconformity_open.contain_overdue IS 'Still reported past the containment date.';
COMMENT ON COLUMN iso28000.nonconformity_open.close_overdue IS 'Still open past the closure date.';
COMMENT ON COLUMN iso28000.nonconformity_open.escalated IS 'Overdue by more than the escalation days: to be escalated to top management.';
COMMENT ON COLUMN iso28000.nonconformity_open.open_actions IS 'Corrective actions planned or in progress.';
COMMENT ON COLUMN iso28000.nonconformity_open.standard IS 'Standard of the clause not fulfilled.';
GRANT SELECT ON iso28000.nonconformity_open TO PUBLIC;

CREATE VIEW iso28000.corrective_action_overdue WITH (security_invoker = true) AS
SELECT ca.org_id, ca.corrective_action_id, ca.nonconformity_id, ca.title, ca.status,
       ca.owner_id, p.full_name AS owner_name, ca.due_on,
       current_date - ca.due_on AS days_overdue, n.severity
  FROM iso28000.corrective_action ca
  JOIN iso28000.nonconformity n ON n.org_id = ca.org_id AND n.nonconformity_id = ca.nonconformity_id
  LEFT JOIN iso28000.person p ON p.org_id = ca.org_id AND p.person_id = ca.owner_id
 WHERE ca.status IN ('planned', 'in_progress') AND ca.due_on < current_date;
COMMENT ON VIEW iso28000.corrective_action_overdue IS
  'ISO 28000 10.2, 9.1: Corrective actions planned or in progress past their due date.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.corrective_action_id IS 'The corrective action.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.nonconformity_id IS 'Its nonconformity.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.title IS 'What is to be done.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.status IS 'planned or in_progress.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.owner_id IS 'Owner.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.owner_name IS 'Owner''s name.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.due_on IS 'Due date.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.days_overdue IS 'Days past the due date.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.severity IS 'Severity of its nonconformity.';
GRANT SELECT ON iso28000.corrective_action_overdue TO PUBLIC;

CREATE VIEW iso28000.nonconformity_cycle_time WITH (security_invoker = true) AS
WITH stay AS (
  SELECT e.org_id, e.record_id, e.to_state AS state,
         lead(e.occurred_at) OVER w - e.occurred_at AS spent
    FROM iso28000.workflow_event e
   WHERE e.table_name = 'iso28000.nonconformity'::regclass
  WINDOW w AS (PARTITION BY e.org_id, e.record_id ORDER BY e.event_id)
)
SELECT s.org_id, s.state, n.severity,
       count(*) AS stays,
       round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY s.spent)) / 86400)::numeric, 2) AS median_days,
       round((extract(epoch FROM percentile_cont(0.9) WITHIN GROUP (ORDER BY s.spent)) / 86400)::numeric, 2) AS p90_days
  FROM stay s
  JOIN iso28000.nonconformity n ON n.org_id = s.org_id AND n.nonconformity_id = s.record_id
 WHERE s.spent IS NOT NULL
 GROUP BY s.org_id, s.state, n.severity;
COMMENT ON VIEW iso28000.nonconformity_cycle_time IS
  'ISO 28000 10.2, 9.1: Time nonconformities spend in each state, by severity: median and 90th percentile in days, from the workflow event log (stays that have ended).';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.state IS 'Workflow state.';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.stays IS 'Number of ended stays in the state.';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.median_days IS 'Median days in the state.';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.p90_days IS '90th percentile of days in the state.';
GRANT SELECT ON iso28000.nonconformity_cycle_time TO PUBLIC;

CREATE VIEW iso28000.nonconformity_recurrence WITH (security_invoker = true) AS
SELECT n.org_id, n.nonconformity_id, n.title, n.clause::text AS clause,
       iso28000.sort_key(n.clause) AS clause_sort, n.severity, n.status,
       count(*) FILTER (WHERE e.from_state = 'action_taken' AND e.to_state = 'cause_analysed') AS ineffective_count,
       count(*) FILTER (WHERE e.from_state = 'closed' AND e.to_state = 'cause_analysed') AS reopen_count,
       max(e.occurred_at) AS last_recurrence_at, n.standard
  FROM iso28000.nonconformity n
  JOIN iso28000.workflow_event e
    ON e.org_id = n.org_id AND e.table_name = 'iso28000.nonconformity'::regclass
   AND e.record_id = n.nonconformity_id AND e.to_state = 'cause_analysed'
   AND e.from_state IN ('action_taken', 'closed')
 GROUP BY n.org_id, n.nonconformity_id, n.title, n.clause, n.severity, n.status;
COMMENT ON VIEW iso28000.nonconformity_recurrence IS
  'ISO 28000 10.2: Nonconformities that came back: actions found ineffective at verification (action_taken to cause_analysed) and reopenings after closure.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.nonconformity_id IS 'The nonconformity.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.clause IS 'Clause not fulfilled, as text.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.status IS 'Current state.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.ineffective_count IS 'Times verification found its actions ineffective.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.reopen_count IS 'Times it was reopened after closure.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.last_recurrence_at IS 'When it last came back.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.standard IS 'Standard of the clause not fulfilled.';
GRANT SELECT ON iso28000.nonconformity_recurrence TO PUBLIC;

/* ---------------------------------------------------------------------------
 * 10.1 Continual improvement
 * ------------------------------------------------------------------------- */

CREATE TABLE iso28000.improvement (
  org_id            bigint NOT NULL REFERENCES iso28000.organization,
  improvement_id    bigint GENERATED ALWAYS AS IDENTITY,
  title             text NOT NULL CONSTRAINT improvement_title_present CHECK (btrim(title) <> ''),
  description       text,
  source            text NOT NULL DEFAULT 'other'
                    CONSTRAINT improvement_source_known CHECK (source IN
                      ('audit_finding', 'management_review', 'monitoring', 'nonconformity', 'incident', 'exercise', 'suggestion', 'other')),
  clause            iso28000.clause_ref,
  nonconformity_id  bigint,
  owner_id          bigint,
  expected_benefit  text,
  due_on            date,
  implemented_on    date,
  outcome           text,
  rejection_reason  text,
  status            text NOT NULL DEFAULT 'proposed',
  status_changed_at timestamptz,
  status_changed_by name,
  status_note       text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  standard          text NOT NULL DEFAULT 'ISO 28000:2022' CONSTRAINT improvement_standard_fk REFERENCES iso28000.standard,
  PRIMARY KEY (org_id, improvement_id),
  CONSTRAINT improvement_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause),
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES iso28000.nonconformity (org_id, nonconformity_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
COMMENT ON TABLE iso28000.improvement IS
  'ISO 28000 10.1: Opportunities to improve the suitability, adequacy and effectiveness of the SMS, from proposal to the review of their outcome. Workflow "improvement".';
COMMENT ON COLUMN iso28000.improvement.title IS 'The improvement.';
COMMENT ON COLUMN iso28000.improvement.description IS 'Details.';
COMMENT ON COLUMN iso28000.improvement.source IS 'Where it came from: audit_finding, management_review, monitoring, nonconformity, incident, exercise (of a security plan), suggestion or other.';
COMMENT ON COLUMN iso28000.improvement.clause IS 'Clause of the SMS it improves.';
COMMENT ON COLUMN iso28000.improvement.standard IS 'Standard of the clause it improves (default ISO 28000:2022); (standard, clause) is a clause of the catalog when a clause is given.';
COMMENT ON COLUMN iso28000.improvement.nonconformity_id IS 'Nonconformity it came from, if any.';
COMMENT ON COLUMN iso28000.improvement.owner_id IS 'Person responsible (needed to approve it).';
COMMENT ON COLUMN iso28000.improvement.expected_benefit IS 'Benefit expected (needed to approve it).';
COMMENT ON COLUMN iso28000.improvement.due_on IS 'Target date.';
COMMENT ON COLUMN iso28000.improvement.implemented_on IS 'Date implemented (needed to enter implemented).';
COMMENT ON COLUMN iso28000.improvement.outcome IS 'Review of the outcome (needed to enter reviewed).';
COMMENT ON COLUMN iso28000.improvement.rejection_reason IS 'Why it was not pursued (needed to enter rejected).';
COMMENT ON COLUMN iso28000.improvement.status IS 'Workflow state: proposed, approved, implemented, reviewed, rejected.';
COMMENT ON COLUMN iso28000.improvement.status_changed_at IS 'When the status last changed (set by the workflow engine).';
COMMENT ON COLUMN iso28000.improvement.status_changed_by IS 'Role that last changed the status (set by the workflow engine).';
COMMENT ON COLUMN iso28000.improvement.status_note IS 'Note of the last transition, copied into the workflow event log.';
COMMENT ON COLUMN iso28000.improvement.created_at IS 'When the record was created.';
SELECT iso28000.register_table('iso28000.improvement');

SELECT iso28000.define_workflow('improvement',
  'ISO 28000 10.1: an improvement from proposal to the review of its outcome.',
  states => $wf$[
    {"state": "proposed", "initial": true, "deletable": true, "description": "Proposed."},
    {"state": "approved", "requires": {"owner_id": "the owner", "expected_benefit": "the expected benefit"}, "description": "Approved, with an owner and the expected benefit."},
    {"state": "implemented", "requires": {"implemented_on": "the date implemented"}, "description": "Implemented."},
    {"state": "reviewed", "terminal": true, "frozen": true, "requires": {"outcome": "the review of the outcome"}, "description": "Outcome reviewed."},
    {"state": "rejected", "terminal": true, "frozen": true, "requires": {"rejection_reason": "why it is not pursued"}, "description": "Not pursued, with the reason."}
  ]$wf$,
  transitions => $wf$[
    {"from": "proposed", "to": "approved", "level": "manage", "note": "Approved by management."},
    {"from": "proposed", "to": "rejected", "level": "manage", "note": "Not pursued."},
    {"from": "approved", "to": "implemented", "level": "write", "note": "Implemented."},
    {"from": "approved", "to": "rejected", "level": "manage", "note": "Dropped after approval."},
    {"from": "implemented", "to": "reviewed", "level": "audit", "note": "Outcome reviewed."}
  ]$wf$,
  builtin => true);
SELECT iso28000.attach_workflow('iso28000.improvement', 'improvement');

/* ---------------------------------------------------------------------------
 * 9.2 -> 10.2 Audit findings raise their nonconformities
 * ------------------------------------------------------------------------- */

-- Standard's order: 9.2 audit findings precede the 10.2 nonconformities they raise, so their link is declared here.
ALTER TABLE iso28000.audit_finding
  ADD CONSTRAINT audit_finding_nonconformity_fk FOREIGN KEY (org_id, nonconformity_id)
      REFERENCES iso28000.nonconformity (org_id, nonconformity_id);

-- Raises the nonconformity of a minor_nc or major_nc finding (source audit_finding, severity from the grade).
CREATE FUNCTION iso28000.audit_finding_raise_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lead bigint;
    audit_title text;
    -- computed before the INSERT: on a Citus worker the INSERT is deparsed and
    -- CASE over NEW.grade there became "conformity_grade = boolean"
    sev text := CASE NEW.grade WHEN 'major_nc' THEN 'major' ELSE 'minor' END;
BEGIN
    IF NEW.grade NOT IN ('minor_nc', 'major_nc') OR NEW.nonconformity_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT a.lead_auditor_id, a.title INTO lead, audit_title
      FROM iso28000.audit a WHERE a.org_id = NEW.org_id AND a.audit_id = NEW.audit_id;
    -- the finding that links the nonconformity is written after this trigger:
    -- its check waits for the commit even if the session asked for it at once
    SET CONSTRAINTS iso28000.nonconformity_audit_finding_linked DEFERRED;
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by, standard)
    VALUES (NEW.org_id,
            left(format('Audit finding on %s: %s', NEW.clause, NEW.statement), 200),
            concat_ws(E'\n', NEW.statement, 'Evidence: ' || NEW.evidence, 'Audit: ' || audit_title),
            'audit_finding', format('audit %s, finding %s', NEW.audit_id, NEW.finding_id),
            NEW.clause, sev,
            NEW.found_on, lead, NEW.standard)
    RETURNING nonconformity_id INTO NEW.nonconformity_id;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_finding_raise_nonconformity() IS
  'Trigger: a finding graded minor_nc or major_nc (inserted, or regraded to one) without a nonconformity raises one in iso28000.nonconformity (source audit_finding, severity minor or major from the grade, reported by the lead auditor) and records its key in the finding.';
CREATE TRIGGER audit_finding_raise_nonconformity
    BEFORE INSERT OR UPDATE OF grade ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_raise_nonconformity();

-- A nonconformity raised by an audit finding is judged by people independent
-- of that audit (ISO 28000 9.2.2, 10.2; ISO 19011 6.4.8: diverging opinions
-- between auditee and audit team are recorded, not decided by the auditee;
-- 6.7: the completion and effectiveness of the actions that follow an audit
-- are verified).  Whoever is examined by the audit (owns a process it
-- examines, works in one, or is one of its auditees) may not
--   - reject it ("not a nonconformity"): the acting person (IS157);
--   - verify the effectiveness of its corrective actions: the verifier,
--     verified_by, which the engine stamps with the acting person (IS161);
--     this adds to the rule of the verifier guard (the verifier owns none of
--     its corrective actions), and holds while the record stays verified, as
--     nonconformity_keep_verifier_independent holds that one;
--   - close it with the decision on changes to the SMS: the acting person
--     (IS162).
-- The auditor who found it may verify and close it (the follow-up of his
-- audit).  A session acting for nobody is refused all three; a role with
-- the privileges of the extension's owner is let through.
CREATE FUNCTION iso28000.nonconformity_audit_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
    who bigint;
    conflict text;
    r record;
BEGIN
    IF iso28000._has_owner_privileges() THEN
        RETURN NEW;
    END IF;
    me := iso28000.acting_person(NEW.org_id);
    who := CASE WHEN NEW.status = 'verified' THEN NEW.verified_by ELSE me END;
    FOR r IN SELECT f.audit_id, f.finding_id FROM iso28000.audit_finding f
              WHERE f.org_id = NEW.org_id AND f.nonconformity_id = NEW.nonconformity_id ORDER BY f.finding_id LOOP
        conflict := CASE WHEN who IS NULL AND NEW.status = 'verified' THEN 'no verifier: the session acts for no person'
                         WHEN who IS NULL THEN 'the session acts for no person'
                         ELSE iso28000.audit_person_conflict(NEW.org_id, r.audit_id, who) END;
        CONTINUE WHEN conflict IS NULL;
        RAISE EXCEPTION 'nonconformity % of organisation % was raised by finding % of audit %: only a person independent of that audit may % it (%)',
                        NEW.nonconformity_id, NEW.org_id, r.finding_id, r.audit_id,
                        CASE NEW.status WHEN 'rejected' THEN 'reject' WHEN 'verified' THEN 'verify' ELSE 'close' END, conflict
              USING ERRCODE = CASE NEW.status WHEN 'rejected' THEN 'IS157' WHEN 'verified' THEN 'IS161' ELSE 'IS162' END,
                    DETAIL = CASE NEW.status
                               WHEN 'rejected' THEN 'Who is examined by an audit may not dismiss its findings (ISO 28000 9.2.2, 10.2).'
                               WHEN 'verified' THEN 'Who is examined by an audit may not judge the effectiveness of the actions taken on its findings (ISO 28000 9.2.2, 10.2 d); the verifier must also own none of the corrective actions.'
                               ELSE 'Who is examined by an audit may not close what its findings raised, nor decide alone whether the SMS must change (ISO 28000 9.2.2, 10.2 e).' END,
                    HINT = CASE NEW.status
                             WHEN 'rejected' THEN 'A person independent of the audit (its lead auditor, a manager) decides whether it is a nonconformity; the auditee records his view in the description or a note.'
                             WHEN 'verified' THEN 'An auditor of the audit, or another person independent of it, reviews the effectiveness.'
                             ELSE 'An auditor of the audit, a manager or another person independent of it closes it.' END,
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                    COLUMN = CASE NEW.status WHEN 'verified' THEN 'verified_by' ELSE 'status' END;
    END LOOP;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_audit_independent() IS
  'Trigger on nonconformity (BEFORE UPDATE: entering rejected, verified or closed, or a new verifier of a verified one): a nonconformity raised by an audit finding is rejected (IS157) and closed (IS162) only by an acting person independent of that audit, and verified only by a verifier independent of it (IS161); a session acting for nobody is refused; roles with the privileges of the extension''s owner are let through.';
-- Fires on entering rejected, verified (or a new verifier while verified) and
-- closed: the state gate (iso28000.fire_on_entering, src/state_gate.c) tests
-- that in C per row and calls the function only then; a WHEN clause would be
-- planned again at every statement.
CREATE TRIGGER nonconformity_audit_independent
    BEFORE UPDATE OF status, verified_by ON iso28000.nonconformity
    FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('iso28000.nonconformity_audit_independent', 'status',
                                                            'rejected', 'verified:verified_by', 'closed');

-- IS166's condition (see below), stated once: the constraint trigger and
-- import_registers (which lists it per row before the commit) ask it.
-- PL/pgSQL, not SQL: Citus cannot plan an SQL function's parameterised
-- query from a trigger on a shard.
CREATE FUNCTION iso28000._nonconformity_lacks_finding(org bigint, nc bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN EXISTS (SELECT FROM iso28000.nonconformity n
                    WHERE n.org_id OPERATOR(pg_catalog.=) org
                      AND n.nonconformity_id OPERATOR(pg_catalog.=) nc
                      AND n.source OPERATOR(pg_catalog.=) 'audit_finding'
                      AND NOT EXISTS (SELECT FROM iso28000.audit_finding f
                                       WHERE f.org_id OPERATOR(pg_catalog.=) n.org_id
                                         AND f.nonconformity_id OPERATOR(pg_catalog.=) n.nonconformity_id));
END
$$;
COMMENT ON FUNCTION iso28000._nonconformity_lacks_finding(bigint, bigint) IS
  'Internal: true when nonconformity nc of organisation org has source audit_finding and no audit finding links it (audit_finding.nonconformity_id), read as the row is now: the condition of IS166, asked by the constraint trigger nonconformity_audit_finding_linked and by import_registers.';

-- Which audit raised a nonconformity is the link its finding keeps
-- (audit_finding.nonconformity_id): the rules above judge by it.  So a
-- nonconformity whose source is audit_finding has a finding that links it,
-- as audit_finding_raise_nonconformity makes it: one typed in with that
-- source, or given it later, would look raised by an audit while no audit's
-- independence applies to it (IS166).  The finding is written after the
-- nonconformity it raises (in the same statement), so the check is a
-- constraint trigger deferred to the commit; the raise sets it DEFERRED for
-- a session that asked for IMMEDIATE.  A nonconformity that already had the
-- source before the statement (one an earlier release let in) is not judged
-- again; neither is a role with the privileges of the extension's owner (a
-- restore loads nonconformities before the findings that link them, in
-- transactions of their own).
CREATE FUNCTION iso28000.nonconformity_audit_finding_linked()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.source = 'audit_finding' THEN
        RETURN NULL;
    END IF;
    IF iso28000._has_owner_privileges() THEN
        RETURN NULL;
    END IF;
    -- the row as it is now: a later statement of the transaction may have changed its source
    IF iso28000._nonconformity_lacks_finding(NEW.org_id, NEW.nonconformity_id) THEN
        RAISE EXCEPTION 'nonconformity % of organisation % has source audit_finding but no audit finding links it',
                        NEW.nonconformity_id, NEW.org_id
              USING ERRCODE = 'IS166',
                    DETAIL = format('Source reference: %s. A nonconformity is raised by an audit finding when the finding is graded minor_nc or major_nc; the independence of that audit then decides who may reject, verify and close it (ISO 28000 9.2.2, 10.2).', coalesce(NEW.source_ref, 'none')),
                    HINT = 'Record the finding (grade minor_nc or major_nc) in its audit, which raises the nonconformity, or give this one another source.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'source';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_audit_finding_linked() IS
  'ISO 28000 9.2.2, 10.2: Constraint trigger on nonconformity (AFTER INSERT or UPDATE of source, deferred to the commit): a nonconformity given source audit_finding must be linked by an audit finding (audit_finding.nonconformity_id) when the transaction commits (IS166); roles with the privileges of the extension''s owner are let through.';
CREATE CONSTRAINT TRIGGER nonconformity_audit_finding_linked
    AFTER INSERT OR UPDATE OF source ON iso28000.nonconformity
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.source = 'audit_finding')
    EXECUTE FUNCTION iso28000.nonconformity_audit_finding_linked();

-- A finding keeps the nonconformity it raised: its link changes neither to
-- another nonconformity nor to none, and a finding that has one is not
-- removed (IS167).  Unlinked, the nonconformity would leave the rules of
-- its audit (nonconformity_audit_independent) while keeping its source; a
-- finding regraded to minor_nc or major_nc would raise a second one.  A
-- finding without one, inserted or changed, may be linked only to a
-- nonconformity with source audit_finding that no other finding links
-- (IS168): one that an earlier release left without its finding, or one an
-- import brings with the finding; not a nonconformity raised elsewhere (an
-- incident's, one already closed), which would stand in for the one a
-- minor_nc or major_nc finding raises, nor another finding's.  A key that
-- names no nonconformity is left to the foreign key (23503).
-- Two sessions linking two findings to one nonconformity at once: each
-- would read only the other's committed rows.  The unique constraint
-- audit_finding_one_per_nonconformity makes the later one fail whatever
-- the isolation level; so that it fails as IS168, with its fields, the
-- check first takes the nonconformity's row FOR NO KEY UPDATE (which the
-- finding's foreign key check, FOR KEY SHARE, does not wait for): the later
-- session waits for the earlier one's commit, and under READ COMMITTED its
-- next statement, the check, sees the committed finding.
CREATE FUNCTION iso28000.audit_finding_keeps_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    src text;
    other bigint;
    nc_found boolean;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.nonconformity_id IS NOT NULL
       AND (TG_OP = 'DELETE' OR NEW.nonconformity_id IS DISTINCT FROM OLD.nonconformity_id) THEN
        RAISE EXCEPTION 'finding % of audit % (organisation %) raised nonconformity %: it cannot %',
                        OLD.finding_id, OLD.audit_id, OLD.org_id, OLD.nonconformity_id,
                        CASE WHEN TG_OP = 'DELETE' THEN 'be removed'
                             WHEN NEW.nonconformity_id IS NULL THEN 'drop the link'
                             ELSE format('be linked to nonconformity %s instead', NEW.nonconformity_id) END
              USING ERRCODE = 'IS167',
                    DETAIL = 'The link says which audit raised the nonconformity, and so who is independent enough to reject, verify or close it (ISO 28000 9.2.2, 10.2).',
                    HINT = 'A nonconformity that is not one is rejected through its workflow by a person independent of the audit.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = iso28000._table_name(TG_RELID), COLUMN = 'nonconformity_id';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.nonconformity_id IS NULL OR (TG_OP = 'UPDATE' AND OLD.nonconformity_id IS NOT NULL) THEN
        RETURN NEW;
    END IF;
    -- Two queries, each on the organisation's shard alone: on a Citus worker
    -- a sub-select correlated to the nonconformity was refused from this
    -- trigger on a shard (XX000, cannot execute a distributed query from a
    -- query on a shard; doc/distribution.md).
    SELECT n.source INTO src
      FROM iso28000.nonconformity n
     WHERE n.org_id = NEW.org_id AND n.nonconformity_id = NEW.nonconformity_id
       FOR NO KEY UPDATE;
    nc_found := FOUND;
    SELECT f.finding_id INTO other
      FROM iso28000.audit_finding f
     WHERE f.org_id = NEW.org_id AND f.nonconformity_id = NEW.nonconformity_id
       AND f.finding_id IS DISTINCT FROM NEW.finding_id
     ORDER BY f.finding_id LIMIT 1;
    IF nc_found AND (src IS DISTINCT FROM 'audit_finding' OR other IS NOT NULL) THEN
        RAISE EXCEPTION 'finding % of audit % (organisation %) cannot be linked to nonconformity %: %',
                        NEW.finding_id, NEW.audit_id, NEW.org_id, NEW.nonconformity_id,
                        CASE WHEN other IS NOT NULL THEN format('finding %s links it already', other)
                             ELSE format('its source is %s, not audit_finding', src) END
              USING ERRCODE = 'IS168',
                    DETAIL = 'A finding links the nonconformity it raised (a minor_nc or major_nc finding raises its own), or one with source audit_finding that no other finding links.',
                    HINT = 'Leave nonconformity_id out: a minor_nc or major_nc finding raises its nonconformity by itself.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = iso28000._table_name(TG_RELID), COLUMN = 'nonconformity_id';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_finding_keeps_nonconformity() IS
  'ISO 28000 9.2.2, 10.2: Trigger on audit_finding (BEFORE INSERT, UPDATE of nonconformity_id, DELETE): a finding that raised a nonconformity keeps the link and is not removed (IS167); a finding is linked only to a nonconformity with source audit_finding that no other finding links (IS168), checked after taking the nonconformity''s row FOR NO KEY UPDATE, so that two sessions linking one nonconformity at once queue (the unique constraint audit_finding_one_per_nonconformity holds whatever the isolation level).';
CREATE TRIGGER audit_finding_keeps_nonconformity
    BEFORE INSERT OR UPDATE OF nonconformity_id OR DELETE ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_keeps_nonconformity();
-- One finding per nonconformity (IS168), whatever two sessions do at once;
-- its index serves the foreign key's look-ups from nonconformity.  Findings
-- without one (NULL) do not collide.
-- Standard's order: it constrains the finding's link to a 10.2 nonconformity, declared above in this file.
ALTER TABLE iso28000.audit_finding
  ADD CONSTRAINT audit_finding_one_per_nonconformity UNIQUE (org_id, nonconformity_id);
