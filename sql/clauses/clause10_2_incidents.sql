/*
 * sql/clauses/clause10_2_incidents.sql
 *		ISO 28000 8.6, 9.1, 10.2: security incidents and events, from report to
 *		closure, and what they (and the exercises of 8.6) feed into improvement.
 *
 * The incident register has its own workflow on the engine
 * (sql/core/06_workflow.sql):
 *
 *   reported -> triaged -> contained -> investigated -> lessons_learned -> closed
 *       |           |
 *       +-----------+--> dismissed (a non-event, with the reason)
 *
 * Around it: a timeline of entries, the nodes (sites among them), processes
 * and risks involved, the security plan activated, and a log of the
 * notifications actually sent to authorities and partners (beside the
 * communication plan of 7.4).  An incident closes only with its lessons
 * learned and a decision on each linked risk (re-assess or confirmed, a
 * re-assessed risk assessed again since the incident); the guard refuses
 * with IS500, IS501 or IS502, and the risks, nodes and processes of a closed
 * or dismissed incident no longer change (IS503).  An incident or a held
 * exercise raises a nonconformity (10.2) or an improvement (10.1) with the
 * link kept in nonconformity.incident_id / exercise_id and improvement.incident_id /
 * exercise_id (IS504 to IS506).
 *
 * The file follows clause 10 (sql/install-order) because the incident links
 * to the nonconformities and improvements it raises.
 */

CREATE TABLE iso28000.security_incident (
    org_id                bigint NOT NULL REFERENCES iso28000.organization,
    incident_id           bigint GENERATED ALWAYS AS IDENTITY,
    reference             text,
    kind                  text NOT NULL DEFAULT 'incident'
                          CONSTRAINT security_incident_kind_valid CHECK (kind IN ('incident', 'event', 'near_miss')),
    title                 text NOT NULL CONSTRAINT security_incident_title_present CHECK (btrim(title) <> ''),
    description           text,
    severity              text NOT NULL
                          CONSTRAINT security_incident_severity_valid CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    threat_scenario_id    bigint,
    security_plan_id      bigint,
    plan_activated_at     timestamptz,
    occurred_at           timestamptz,
    detected_at           timestamptz NOT NULL DEFAULT now(),
    reported_at           timestamptz NOT NULL DEFAULT now(),
    reported_by           bigint,
    owner_id              bigint,
    authority_notification_required boolean NOT NULL DEFAULT false,
    authority_notify_by   timestamptz,
    status                text NOT NULL DEFAULT 'reported',
    triage_note           text,
    containment           text,
    contained_at          timestamptz,
    investigation         text,
    lessons_learned       text,
    dismissal_reason      text,
    status_changed_at     timestamptz,
    status_changed_by     name,
    status_note           text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, incident_id),
    CONSTRAINT security_incident_reference_unique UNIQUE (org_id, reference),
    FOREIGN KEY (org_id, threat_scenario_id) REFERENCES iso28000.threat_scenario (org_id, threat_scenario_id),
    FOREIGN KEY (org_id, security_plan_id) REFERENCES iso28000.security_plan (org_id, security_plan_id),
    FOREIGN KEY (org_id, reported_by) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT security_incident_detected_after_occurred CHECK (detected_at >= occurred_at),
    CONSTRAINT security_incident_reported_after_detected CHECK (reported_at >= detected_at),
    CONSTRAINT security_incident_contained_after_detected CHECK (contained_at >= detected_at),
    CONSTRAINT security_incident_activation_needs_plan CHECK (plan_activated_at IS NULL OR security_plan_id IS NOT NULL),
    CONSTRAINT security_incident_notify_by_needs_requirement CHECK (authority_notify_by IS NULL OR authority_notification_required)
);
CREATE INDEX security_incident_status_idx ON iso28000.security_incident (org_id, status);
SELECT iso28000.register_table('iso28000.security_incident');
COMMENT ON TABLE iso28000.security_incident IS
  'ISO 28000 8.6, 9.1, 10.2: Security incidents and events (and near misses) from report to closure: severity, the scenario and the security plan activated, containment, investigation and lessons learned, and whether an authority must be notified. Workflow "security_incident": reported, triaged, contained, investigated, lessons_learned, closed, or dismissed as a non-event.';
COMMENT ON COLUMN iso28000.security_incident.reference IS 'The organisation''s own reference (for example INC-2026-014), unique when given.';
COMMENT ON COLUMN iso28000.security_incident.kind IS 'incident (harm done or attempted), event (a security-relevant occurrence) or near_miss.';
COMMENT ON COLUMN iso28000.security_incident.title IS 'Short statement of what happened (required).';
COMMENT ON COLUMN iso28000.security_incident.description IS 'What happened, where, to what, as first reported.';
COMMENT ON COLUMN iso28000.security_incident.severity IS 'low, medium, high or critical.';
COMMENT ON COLUMN iso28000.security_incident.threat_scenario_id IS 'The scenario of the catalog (threat_scenario) it matches, if any.';
COMMENT ON COLUMN iso28000.security_incident.security_plan_id IS '8.6: the security plan activated for it, if any.';
COMMENT ON COLUMN iso28000.security_incident.plan_activated_at IS '8.6: when the plan was activated; needs security_plan_id.';
COMMENT ON COLUMN iso28000.security_incident.occurred_at IS 'When it happened, if known; not after detected_at.';
COMMENT ON COLUMN iso28000.security_incident.detected_at IS 'When it was detected; not after reported_at.';
COMMENT ON COLUMN iso28000.security_incident.reported_at IS 'When it was reported into the register; its age counts from here.';
COMMENT ON COLUMN iso28000.security_incident.reported_by IS 'Person who reported it (who observed it, not necessarily who typed it in).';
COMMENT ON COLUMN iso28000.security_incident.owner_id IS 'Person who handles the incident (needed to triage it).';
COMMENT ON COLUMN iso28000.security_incident.authority_notification_required IS 'True when a law, a regulation or a contract requires notifying an authority (view incident_notification_due).';
COMMENT ON COLUMN iso28000.security_incident.authority_notify_by IS 'Deadline of the authority notification; only when one is required.';
COMMENT ON COLUMN iso28000.security_incident.status IS 'Workflow state: reported, triaged, contained, investigated, lessons_learned, closed, dismissed.';
COMMENT ON COLUMN iso28000.security_incident.triage_note IS 'What the triage decided (severity, owner, plan to activate).';
COMMENT ON COLUMN iso28000.security_incident.containment IS 'What was done to contain it and limit its consequences (needed to enter contained).';
COMMENT ON COLUMN iso28000.security_incident.contained_at IS 'When it was contained (needed to enter contained); not before detected_at.';
COMMENT ON COLUMN iso28000.security_incident.investigation IS 'What the investigation found: how it happened and its causes (needed to enter investigated).';
COMMENT ON COLUMN iso28000.security_incident.lessons_learned IS '10.2: the lessons learned and what changes because of them (needed to enter lessons_learned and to close).';
COMMENT ON COLUMN iso28000.security_incident.dismissal_reason IS 'Why it is not a security incident or event (needed to enter dismissed).';
COMMENT ON COLUMN iso28000.security_incident.status_changed_at IS 'When the status last changed (set by the workflow engine).';
COMMENT ON COLUMN iso28000.security_incident.status_changed_by IS 'Role that last changed the status (set by the workflow engine).';
COMMENT ON COLUMN iso28000.security_incident.status_note IS 'Note of the last transition, copied into the workflow event log.';
COMMENT ON COLUMN iso28000.security_incident.created_at IS 'When the record was created.';

-- The timeline of an incident: what was observed, done, decided, communicated, when.
CREATE TABLE iso28000.incident_timeline_entry (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    timeline_entry_id bigint GENERATED ALWAYS AS IDENTITY,
    incident_id       bigint NOT NULL,
    occurred_at       timestamptz NOT NULL DEFAULT now(),
    kind              text NOT NULL DEFAULT 'observation'
                      CONSTRAINT incident_timeline_entry_kind_valid CHECK (kind IN
                        ('observation', 'action', 'decision', 'communication', 'other')),
    entry             text NOT NULL CONSTRAINT incident_timeline_entry_text_present CHECK (btrim(entry) <> ''),
    author_id         bigint,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, timeline_entry_id),
    FOREIGN KEY (org_id, incident_id) REFERENCES iso28000.security_incident (org_id, incident_id),
    FOREIGN KEY (org_id, author_id) REFERENCES iso28000.person (org_id, person_id)
);
CREATE INDEX incident_timeline_entry_incident_idx ON iso28000.incident_timeline_entry (org_id, incident_id, occurred_at);
SELECT iso28000.register_table('iso28000.incident_timeline_entry');
COMMENT ON TABLE iso28000.incident_timeline_entry IS
  'ISO 28000 8.6, 10.2: The timeline of a security incident: each observation, action, decision or communication with the time it happened and who made it.';
COMMENT ON COLUMN iso28000.incident_timeline_entry.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_timeline_entry.occurred_at IS 'When it happened (not when it was typed in: see created_at).';
COMMENT ON COLUMN iso28000.incident_timeline_entry.kind IS 'observation, action, decision, communication or other.';
COMMENT ON COLUMN iso28000.incident_timeline_entry.entry IS 'What happened (required).';
COMMENT ON COLUMN iso28000.incident_timeline_entry.author_id IS 'Person who observed, did or decided it.';
COMMENT ON COLUMN iso28000.incident_timeline_entry.created_at IS 'When the entry was recorded.';

-- The supply-chain nodes (sites among them) an incident involved.
CREATE TABLE iso28000.incident_node (
    org_id           bigint NOT NULL REFERENCES iso28000.organization,
    incident_node_id bigint GENERATED ALWAYS AS IDENTITY,
    incident_id      bigint NOT NULL,
    node_id          bigint NOT NULL,
    role             text NOT NULL DEFAULT 'affected'
                     CONSTRAINT incident_node_role_valid CHECK (role IN ('site', 'affected', 'origin', 'involved')),
    PRIMARY KEY (org_id, incident_node_id),
    CONSTRAINT incident_node_once UNIQUE (org_id, incident_id, node_id),
    FOREIGN KEY (org_id, incident_id) REFERENCES iso28000.security_incident (org_id, incident_id),
    FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id)
);
CREATE INDEX incident_node_node_idx ON iso28000.incident_node (org_id, node_id);
SELECT iso28000.register_table('iso28000.incident_node');
COMMENT ON TABLE iso28000.incident_node IS
  'ISO 28000 8.2, 8.6: The supply-chain nodes a security incident involved: the site where it happened, the nodes it affected, the node it came from.';
COMMENT ON COLUMN iso28000.incident_node.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_node.node_id IS 'The node (supply_chain_node).';
COMMENT ON COLUMN iso28000.incident_node.role IS 'site (where it happened), affected, origin (where it came from) or involved.';

-- The processes of the SMS an incident involved.
CREATE TABLE iso28000.incident_process (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    incident_process_id bigint GENERATED ALWAYS AS IDENTITY,
    incident_id         bigint NOT NULL,
    sms_process_id      bigint NOT NULL,
    PRIMARY KEY (org_id, incident_process_id),
    CONSTRAINT incident_process_once UNIQUE (org_id, incident_id, sms_process_id),
    FOREIGN KEY (org_id, incident_id) REFERENCES iso28000.security_incident (org_id, incident_id),
    FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id)
);
SELECT iso28000.register_table('iso28000.incident_process');
COMMENT ON TABLE iso28000.incident_process IS
  'ISO 28000 4.4, 8.6: The processes of the SMS a security incident involved.';
COMMENT ON COLUMN iso28000.incident_process.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_process.sms_process_id IS 'The process (sms_process).';

-- The risks an incident bears on, and the decision taken on each.
CREATE TABLE iso28000.incident_risk (
    org_id           bigint NOT NULL REFERENCES iso28000.organization,
    incident_risk_id bigint GENERATED ALWAYS AS IDENTITY,
    incident_id      bigint NOT NULL,
    risk_id          bigint NOT NULL,
    decision         text CONSTRAINT incident_risk_decision_valid CHECK (decision IN ('reassess', 'confirmed')),
    decision_note    text,
    decided_by       bigint,
    decided_on       date,
    PRIMARY KEY (org_id, incident_risk_id),
    CONSTRAINT incident_risk_once UNIQUE (org_id, incident_id, risk_id),
    FOREIGN KEY (org_id, incident_id) REFERENCES iso28000.security_incident (org_id, incident_id),
    FOREIGN KEY (org_id, risk_id) REFERENCES iso28000.risk (org_id, risk_id),
    FOREIGN KEY (org_id, decided_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT incident_risk_decision_complete CHECK ((decision IS NULL) = (decided_on IS NULL))
);
CREATE INDEX incident_risk_risk_idx ON iso28000.incident_risk (org_id, risk_id);
SELECT iso28000.register_table('iso28000.incident_risk');
-- Who decided is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.incident_risk
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('decided_by');
COMMENT ON TABLE iso28000.incident_risk IS
  'ISO 28000 6.1.2, 8.6, 10.2: The risks a security incident bears on, each with the decision the incident led to: reassess (the risk is assessed again) or confirmed (its assessment stands). An incident closes only when every linked risk has its decision.';
COMMENT ON COLUMN iso28000.incident_risk.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_risk.risk_id IS 'The risk (risk register).';
COMMENT ON COLUMN iso28000.incident_risk.decision IS 'reassess (the risk must be assessed again: its assessed_on must then be on or after the incident''s report date to close) or confirmed; NULL until decided.';
COMMENT ON COLUMN iso28000.incident_risk.decision_note IS 'Why.';
COMMENT ON COLUMN iso28000.incident_risk.decided_by IS 'Person who decided; only the acting person (IS120).';
COMMENT ON COLUMN iso28000.incident_risk.decided_on IS 'Date of the decision; set exactly when decision is.';

-- Notifications actually sent about an incident (the log beside the plan of 7.4).
CREATE TABLE iso28000.incident_notification (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    notification_id     bigint GENERATED ALWAYS AS IDENTITY,
    incident_id         bigint NOT NULL,
    recipient_kind      text NOT NULL
                        CONSTRAINT incident_notification_recipient_kind_valid CHECK (recipient_kind IN
                          ('authority', 'partner', 'customer', 'internal', 'other')),
    recipient           text NOT NULL CONSTRAINT incident_notification_recipient_present CHECK (btrim(recipient) <> ''),
    interested_party_id bigint,
    communication_id    bigint,
    channel             text,
    content             text NOT NULL CONSTRAINT incident_notification_content_present CHECK (btrim(content) <> ''),
    sent_at             timestamptz NOT NULL DEFAULT now(),
    sent_by             bigint,
    their_reference     text,
    acknowledged_at     timestamptz,
    PRIMARY KEY (org_id, notification_id),
    FOREIGN KEY (org_id, incident_id) REFERENCES iso28000.security_incident (org_id, incident_id),
    FOREIGN KEY (org_id, interested_party_id) REFERENCES iso28000.interested_party (org_id, interested_party_id),
    FOREIGN KEY (org_id, communication_id) REFERENCES iso28000.communication (org_id, communication_id),
    FOREIGN KEY (org_id, sent_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT incident_notification_acknowledged_after_sent CHECK (acknowledged_at >= sent_at)
);
CREATE INDEX incident_notification_incident_idx ON iso28000.incident_notification (org_id, incident_id);
SELECT iso28000.register_table('iso28000.incident_notification');
COMMENT ON TABLE iso28000.incident_notification IS
  'ISO 28000 7.4, 8.6.3: Notifications actually sent about a security incident to authorities, partners, customers or staff: what was sent, to whom, how, when and by whom, and when it was acknowledged; the log of communications beside the communication plan.';
COMMENT ON COLUMN iso28000.incident_notification.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_notification.recipient_kind IS 'authority, partner, customer, internal or other; an authority notification settles incident_notification_due.';
COMMENT ON COLUMN iso28000.incident_notification.recipient IS 'To whom it was sent (required), for example Customs Rotterdam, duty officer.';
COMMENT ON COLUMN iso28000.incident_notification.interested_party_id IS 'The interested party (4.2) notified, if recorded there.';
COMMENT ON COLUMN iso28000.incident_notification.communication_id IS 'The planned communication (7.4) this notification carries out, if any.';
COMMENT ON COLUMN iso28000.incident_notification.channel IS 'How: phone, e-mail, portal, letter, meeting.';
COMMENT ON COLUMN iso28000.incident_notification.content IS 'What was sent or said (required).';
COMMENT ON COLUMN iso28000.incident_notification.sent_at IS 'When it was sent.';
COMMENT ON COLUMN iso28000.incident_notification.sent_by IS 'Person who sent it.';
COMMENT ON COLUMN iso28000.incident_notification.their_reference IS 'The recipient''s reference (a case number), if any.';
COMMENT ON COLUMN iso28000.incident_notification.acknowledged_at IS 'When the recipient acknowledged it; not before sent_at.';

-- The risks, nodes and processes of a closed or dismissed incident no longer
-- change.  The incident's row is read FOR SHARE, so a change that races the
-- closing of the incident waits for it and then sees it closed, and a
-- closing that comes second waits for the change and its guard sees it.
CREATE FUNCTION iso28000.incident_link_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    org   bigint;
    inc   bigint;
    st    text;
BEGIN
    FOR org, inc IN
        SELECT DISTINCT x.org_id, x.incident_id
          FROM (SELECT OLD.org_id, OLD.incident_id WHERE TG_OP <> 'INSERT'
                UNION ALL
                SELECT NEW.org_id, NEW.incident_id WHERE TG_OP <> 'DELETE') AS x (org_id, incident_id)
    LOOP
        SELECT i.status INTO st FROM iso28000.security_incident i
         WHERE i.org_id OPERATOR(pg_catalog.=) org AND i.incident_id OPERATOR(pg_catalog.=) inc
           FOR SHARE;
        IF st IN ('closed', 'dismissed') THEN
            RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) is %: its % cannot change', org, inc, st,
                            CASE tbl WHEN 'incident_risk' THEN 'risks' WHEN 'incident_node' THEN 'nodes' ELSE 'processes' END
                  USING ERRCODE = 'IS503', SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = 'incident_id',
                        DETAIL = format('%s of organisation %s cannot be inserted, changed or deleted once its incident is %s.', tbl, org, st),
                        HINT = 'Record what came later in the incident''s timeline, or open a new incident.';
        END IF;
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION iso28000.incident_link_guard() IS
  'Trigger on incident_risk, incident_node and incident_process: refuses (IS503) a row inserted, changed or deleted for a closed or dismissed incident; reads the incident FOR SHARE so that it cannot race the incident''s closing.';
CREATE TRIGGER incident_link_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.incident_risk
  FOR EACH ROW EXECUTE FUNCTION iso28000.incident_link_guard();
CREATE TRIGGER incident_link_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.incident_node
  FOR EACH ROW EXECUTE FUNCTION iso28000.incident_link_guard();
CREATE TRIGGER incident_link_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.incident_process
  FOR EACH ROW EXECUTE FUNCTION iso28000.incident_link_guard();

-- Guard of closed: lessons learned, and a decision on every linked risk.
CREATE FUNCTION iso28000.security_incident_close_guard(r iso28000.security_incident, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    undecided text;
    stale     text;
BEGIN
    IF coalesce(btrim(r.lessons_learned), '') = '' THEN
        RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) cannot close without its lessons learned', r.org_id, r.incident_id
              USING ERRCODE = 'IS500', SCHEMA = 'iso28000', TABLE = 'security_incident', COLUMN = 'lessons_learned',
                    DETAIL = '10.2: an incident closes with the lessons learned and what changes because of them.';
    END IF;
    SELECT string_agg(format('risk %s', ir.risk_id), ', ' ORDER BY ir.risk_id) FILTER (WHERE ir.decision IS NULL),
           string_agg(format('risk %s (assessed %s)', ir.risk_id, coalesce(k.assessed_on::text, 'never')), ', ' ORDER BY ir.risk_id)
             FILTER (WHERE ir.decision OPERATOR(pg_catalog.=) 'reassess'
                       AND (k.assessed_on IS NULL OR k.assessed_on OPERATOR(pg_catalog.<) (r.reported_at)::date))
      INTO undecided, stale
      FROM iso28000.incident_risk ir
      JOIN iso28000.risk k ON k.org_id OPERATOR(pg_catalog.=) ir.org_id AND k.risk_id OPERATOR(pg_catalog.=) ir.risk_id
     WHERE ir.org_id OPERATOR(pg_catalog.=) r.org_id AND ir.incident_id OPERATOR(pg_catalog.=) r.incident_id;
    IF undecided IS NOT NULL THEN
        RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) cannot close: no decision on %', r.org_id, r.incident_id, undecided
              USING ERRCODE = 'IS501', SCHEMA = 'iso28000', TABLE = 'incident_risk', COLUMN = 'decision',
                    DETAIL = 'Every risk linked to the incident needs a decision: reassess or confirmed.',
                    HINT = 'Set incident_risk.decision and decided_on for each linked risk.';
    END IF;
    IF stale IS NOT NULL THEN
        RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) cannot close: % to be re-assessed not assessed since the incident was reported on %',
                        r.org_id, r.incident_id, stale, (r.reported_at)::date
              USING ERRCODE = 'IS502', SCHEMA = 'iso28000', TABLE = 'risk', COLUMN = 'assessed_on',
                    DETAIL = 'A risk the incident sends back for re-assessment is assessed again (risk.assessed_on on or after the report date) before the incident closes.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.security_incident_close_guard(iso28000.security_incident, text, text) IS
  'Workflow guard of security_incident -> closed: refuses without lessons learned (IS500), while a linked risk has no decision (IS501), or while a risk to be re-assessed has not been assessed since the incident was reported (IS502).';

SELECT iso28000.define_workflow('security_incident',
  'ISO 28000 8.6, 10.2: a security incident or event from report to closure with lessons learned, or dismissed as a non-event.',
  states => $wf$[
    {"state": "reported", "initial": true, "description": "Reported, not yet triaged."},
    {"state": "triaged", "requires": {"owner_id": "the person who handles the incident"}, "description": "Severity confirmed and an owner named."},
    {"state": "contained", "requires": {"containment": "what was done to contain it", "contained_at": "when it was contained"}, "description": "Contained: the harm is stopped or limited."},
    {"state": "investigated", "requires": {"investigation": "what the investigation found"}, "description": "Investigated: how it happened and why."},
    {"state": "lessons_learned", "requires": {"lessons_learned": "the lessons learned"}, "description": "10.2: lessons learned recorded; risks decided before closing."},
    {"state": "closed", "terminal": true, "frozen": true, "description": "Closed with its lessons learned and a decision on each linked risk."},
    {"state": "dismissed", "terminal": true, "frozen": true, "requires": {"dismissal_reason": "why it is not a security incident or event"}, "description": "Not a security incident or event (with the reason)."}
  ]$wf$,
  transitions => $wf$[
    {"from": "reported", "to": "triaged", "level": "write", "note": "triaged"},
    {"from": "reported", "to": "dismissed", "level": "write", "note": "a non-event"},
    {"from": "triaged", "to": "dismissed", "level": "write", "note": "a non-event after triage"},
    {"from": "triaged", "to": "contained", "level": "write", "note": "contained"},
    {"from": "contained", "to": "investigated", "level": "write", "note": "investigated"},
    {"from": "investigated", "to": "lessons_learned", "level": "write", "note": "lessons learned"},
    {"from": "lessons_learned", "to": "closed", "level": "manage", "guard": "iso28000.security_incident_close_guard(iso28000.security_incident, text, text)", "note": "closed by a manager"}
  ]$wf$,
  builtin => true);
SELECT iso28000.attach_workflow('iso28000.security_incident', 'security_incident');

/* ---------------------------------------------------------------------------
 * Incidents and exercises feed improvement (10.1, 10.2)
 * ------------------------------------------------------------------------- */

-- Standard's order: the nonconformities of 10.2 (clause10_improvement.sql) keep the incident or the 8.6 exercise that raised them.
ALTER TABLE iso28000.nonconformity
  ADD COLUMN incident_id bigint,
  ADD COLUMN exercise_id bigint,
  ADD CONSTRAINT nonconformity_incident_fk FOREIGN KEY (org_id, incident_id)
      REFERENCES iso28000.security_incident (org_id, incident_id),
  ADD CONSTRAINT nonconformity_exercise_fk FOREIGN KEY (org_id, exercise_id)
      REFERENCES iso28000.plan_exercise (org_id, exercise_id);
COMMENT ON COLUMN iso28000.nonconformity.incident_id IS 'The security incident that raised it (incident_raise_nonconformity), if any.';
COMMENT ON COLUMN iso28000.nonconformity.exercise_id IS 'The exercise of a security plan that raised it (exercise_raise_nonconformity), if any.';
-- Standard's order: the improvements of 10.1 (clause10_improvement.sql) keep the incident or the 8.6 exercise that raised them.
ALTER TABLE iso28000.improvement
  ADD COLUMN incident_id bigint,
  ADD COLUMN exercise_id bigint,
  ADD CONSTRAINT improvement_incident_fk FOREIGN KEY (org_id, incident_id)
      REFERENCES iso28000.security_incident (org_id, incident_id),
  ADD CONSTRAINT improvement_exercise_fk FOREIGN KEY (org_id, exercise_id)
      REFERENCES iso28000.plan_exercise (org_id, exercise_id);
COMMENT ON COLUMN iso28000.improvement.incident_id IS 'The security incident that raised it (incident_raise_improvement), if any.';
COMMENT ON COLUMN iso28000.improvement.exercise_id IS 'The exercise of a security plan that raised it (exercise_raise_improvement), if any.';

-- The incident a raise function starts from, visible to the caller, or IS504 / IS506.
CREATE FUNCTION iso28000._incident_for_raise(org bigint, incident bigint)
RETURNS iso28000.security_incident
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i iso28000.security_incident;
BEGIN
    SELECT * INTO i FROM iso28000.security_incident s
     WHERE s.org_id OPERATOR(pg_catalog.=) org AND s.incident_id OPERATOR(pg_catalog.=) incident;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'security incident % of organisation % does not exist or is not visible to role "%"', incident, org, current_user
              USING ERRCODE = 'IS504', SCHEMA = 'iso28000', TABLE = 'security_incident', COLUMN = 'incident_id';
    END IF;
    IF i.status OPERATOR(pg_catalog.=) 'dismissed' THEN
        RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) was dismissed as a non-event: it raises nothing', org, incident
              USING ERRCODE = 'IS506', SCHEMA = 'iso28000', TABLE = 'security_incident', COLUMN = 'status',
                    DETAIL = format('Reason given: %s', i.dismissal_reason);
    END IF;
    RETURN i;
END
$$;
COMMENT ON FUNCTION iso28000._incident_for_raise(bigint, bigint) IS
  'Internal: the incident a raise function starts from; IS504 when it does not exist or is not visible, IS506 when it was dismissed.';

-- The held exercise a raise function starts from, or IS504 / IS505.
CREATE FUNCTION iso28000._exercise_for_raise(org bigint, exercise bigint)
RETURNS iso28000.plan_exercise
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e iso28000.plan_exercise;
BEGIN
    SELECT * INTO e FROM iso28000.plan_exercise x
     WHERE x.org_id OPERATOR(pg_catalog.=) org AND x.exercise_id OPERATOR(pg_catalog.=) exercise;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'exercise % of organisation % does not exist or is not visible to role "%"', exercise, org, current_user
              USING ERRCODE = 'IS504', SCHEMA = 'iso28000', TABLE = 'plan_exercise', COLUMN = 'exercise_id';
    END IF;
    IF e.outcome IS NULL THEN
        RAISE EXCEPTION 'iso28000.plan_exercise (org_id, exercise_id)=(%, %) has not been held: it has no outcome to raise anything from', org, exercise
              USING ERRCODE = 'IS505', SCHEMA = 'iso28000', TABLE = 'plan_exercise', COLUMN = 'outcome',
                    HINT = 'Record held_on and the outcome first.';
    END IF;
    RETURN e;
END
$$;
COMMENT ON FUNCTION iso28000._exercise_for_raise(bigint, bigint) IS
  'Internal: the exercise a raise function starts from; IS504 when it does not exist or is not visible, IS505 when it has not been held (no outcome).';

-- An incident raises a nonconformity (10.2), linked by nonconformity.incident_id.
CREATE FUNCTION iso28000.incident_raise_nonconformity(org bigint, incident bigint, severity text DEFAULT 'minor',
                                                      title text DEFAULT NULL, clause iso28000.clause_ref DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i  iso28000.security_incident := iso28000._incident_for_raise(org, incident);
    id bigint;
BEGIN
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by, incident_id)
    VALUES (org, coalesce(incident_raise_nonconformity.title, left(format('Incident %s: %s', coalesce(i.reference, i.incident_id::text), i.title), 200)),
            concat_ws(E'\n', i.description, 'Investigation: ' || i.investigation, 'Lessons learned: ' || i.lessons_learned),
            'incident', format('incident %s', coalesce(i.reference, i.incident_id::text)), incident_raise_nonconformity.clause,
            incident_raise_nonconformity.severity, (i.detected_at)::date, iso28000.acting_person(org), i.incident_id)
    RETURNING nonconformity_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION iso28000.incident_raise_nonconformity(bigint, bigint, text, text, iso28000.clause_ref) IS
  'ISO 28000 10.2: raises a nonconformity (source incident, severity minor by default, reported by the acting person) from a security incident and keeps the link in nonconformity.incident_id; returns its id. IS504 when the incident does not exist or is not visible, IS506 when it was dismissed; the register''s own checks and row-level security apply.';

-- An incident raises an improvement (10.1), linked by improvement.incident_id.
CREATE FUNCTION iso28000.incident_raise_improvement(org bigint, incident bigint, title text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i  iso28000.security_incident := iso28000._incident_for_raise(org, incident);
    id bigint;
BEGIN
    INSERT INTO iso28000.improvement (org_id, title, description, source, incident_id)
    VALUES (org, coalesce(incident_raise_improvement.title, left(format('From incident %s: %s', coalesce(i.reference, i.incident_id::text), i.title), 200)),
            coalesce(i.lessons_learned, i.investigation, i.description), 'incident', i.incident_id)
    RETURNING improvement_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION iso28000.incident_raise_improvement(bigint, bigint, text) IS
  'ISO 28000 10.1: raises an improvement (source incident, described by the lessons learned) from a security incident and keeps the link in improvement.incident_id; returns its id. IS504 when the incident does not exist or is not visible, IS506 when it was dismissed.';

-- A held exercise raises a nonconformity (10.2), linked by nonconformity.exercise_id.
CREATE FUNCTION iso28000.exercise_raise_nonconformity(org bigint, exercise bigint, severity text DEFAULT 'minor',
                                                      title text DEFAULT NULL, clause iso28000.clause_ref DEFAULT '8.6')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e  iso28000.plan_exercise := iso28000._exercise_for_raise(org, exercise);
    id bigint;
BEGIN
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by, exercise_id)
    VALUES (org, coalesce(exercise_raise_nonconformity.title,
                          left(format('Exercise %s of %s: %s', e.exercise_id, e.held_on, replace(e.outcome, '_', ' ')), 200)),
            concat_ws(E'\n', 'Objectives: ' || e.objectives, 'Findings: ' || e.findings, 'Lessons: ' || e.lessons),
            'exercise', format('exercise %s', e.exercise_id), exercise_raise_nonconformity.clause,
            exercise_raise_nonconformity.severity, e.held_on, iso28000.acting_person(org), e.exercise_id)
    RETURNING nonconformity_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION iso28000.exercise_raise_nonconformity(bigint, bigint, text, text, iso28000.clause_ref) IS
  'ISO 28000 8.6, 10.2: raises a nonconformity (source exercise, clause 8.6 and severity minor by default, reported by the acting person) from a held exercise of a security plan and keeps the link in nonconformity.exercise_id; returns its id. IS504 when the exercise does not exist or is not visible, IS505 when it has not been held.';

-- A held exercise raises an improvement (10.1), linked by improvement.exercise_id.
CREATE FUNCTION iso28000.exercise_raise_improvement(org bigint, exercise bigint, title text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e  iso28000.plan_exercise := iso28000._exercise_for_raise(org, exercise);
    id bigint;
BEGIN
    INSERT INTO iso28000.improvement (org_id, title, description, source, clause, exercise_id)
    VALUES (org, coalesce(exercise_raise_improvement.title, left(format('From exercise %s of %s', e.exercise_id, e.held_on), 200)),
            coalesce(e.lessons, e.findings, e.objectives), 'exercise', '8.6', e.exercise_id)
    RETURNING improvement_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION iso28000.exercise_raise_improvement(bigint, bigint, text) IS
  'ISO 28000 8.6, 10.1: raises an improvement (source exercise, clause 8.6, described by the lessons) from a held exercise of a security plan and keeps the link in improvement.exercise_id; returns its id. IS504 when the exercise does not exist or is not visible, IS505 when it has not been held.';

/* ---------------------------------------------------------------------------
 * Views (9.1)
 * ------------------------------------------------------------------------- */

CREATE VIEW iso28000.security_incident_open WITH (security_invoker = true) AS
SELECT i.org_id, i.incident_id, i.reference, i.kind, i.title, i.severity,
       CASE i.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END AS severity_rank,
       i.status, i.owner_id, p.full_name AS owner_name, i.reported_at,
       (extract(epoch FROM now() - i.reported_at) / 86400)::integer AS age_days,
       (extract(epoch FROM now() - coalesce(i.status_changed_at, i.reported_at)) / 86400)::integer AS days_in_state,
       i.contained_at IS NOT NULL AS contained,
       round((extract(epoch FROM i.contained_at - i.detected_at) / 3600)::numeric, 1) AS hours_to_contain,
       (SELECT count(*) FROM iso28000.incident_risk ir
         WHERE ir.org_id = i.org_id AND ir.incident_id = i.incident_id AND ir.decision IS NULL) AS risks_undecided
  FROM iso28000.security_incident i
  LEFT JOIN iso28000.person p ON p.org_id = i.org_id AND p.person_id = i.owner_id
 WHERE i.status NOT IN ('closed', 'dismissed');
COMMENT ON VIEW iso28000.security_incident_open IS
  'ISO 28000 8.6, 9.1, 10.2: Open security incidents with their age and severity (sort by severity_rank, then age_days), time in state, whether contained and how fast, and how many linked risks still await a decision.';
COMMENT ON COLUMN iso28000.security_incident_open.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_incident_open.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.security_incident_open.reference IS 'The organisation''s reference.';
COMMENT ON COLUMN iso28000.security_incident_open.kind IS 'incident, event or near_miss.';
COMMENT ON COLUMN iso28000.security_incident_open.title IS 'What happened.';
COMMENT ON COLUMN iso28000.security_incident_open.severity IS 'low, medium, high or critical.';
COMMENT ON COLUMN iso28000.security_incident_open.severity_rank IS 'Severity as a number to sort by: 4 critical, 3 high, 2 medium, 1 low.';
COMMENT ON COLUMN iso28000.security_incident_open.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.security_incident_open.owner_id IS 'Person handling it.';
COMMENT ON COLUMN iso28000.security_incident_open.owner_name IS 'Their name.';
COMMENT ON COLUMN iso28000.security_incident_open.reported_at IS 'When it was reported.';
COMMENT ON COLUMN iso28000.security_incident_open.age_days IS 'Whole days since it was reported.';
COMMENT ON COLUMN iso28000.security_incident_open.days_in_state IS 'Whole days since the last transition.';
COMMENT ON COLUMN iso28000.security_incident_open.contained IS 'True once contained_at is recorded.';
COMMENT ON COLUMN iso28000.security_incident_open.hours_to_contain IS 'Hours from detection to containment, to one decimal; NULL until contained.';
COMMENT ON COLUMN iso28000.security_incident_open.risks_undecided IS 'Linked risks without a decision yet (the incident cannot close while there are any).';
GRANT SELECT ON iso28000.security_incident_open TO PUBLIC;

CREATE VIEW iso28000.security_incident_time_to_contain WITH (security_invoker = true) AS
SELECT i.org_id, i.severity,
       count(*) AS contained_count,
       round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY i.contained_at - i.detected_at)) / 3600)::numeric, 1) AS median_hours,
       round((extract(epoch FROM percentile_cont(0.9) WITHIN GROUP (ORDER BY i.contained_at - i.detected_at)) / 3600)::numeric, 1) AS p90_hours,
       round((extract(epoch FROM max(i.contained_at - i.detected_at)) / 3600)::numeric, 1) AS max_hours
  FROM iso28000.security_incident i
 WHERE i.contained_at IS NOT NULL AND i.status <> 'dismissed'
 GROUP BY i.org_id, i.severity;
COMMENT ON VIEW iso28000.security_incident_time_to_contain IS
  'ISO 28000 8.6, 9.1: Time from detection to containment of security incidents, by severity: median, 90th percentile and longest, in hours.';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.severity IS 'low, medium, high or critical.';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.contained_count IS 'Incidents of that severity contained (dismissed ones left out).';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.median_hours IS 'Median hours from detection to containment.';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.p90_hours IS '90th percentile of those hours.';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.max_hours IS 'Longest time to contain, in hours.';
GRANT SELECT ON iso28000.security_incident_time_to_contain TO PUBLIC;

CREATE VIEW iso28000.security_incident_by_node WITH (security_invoker = true) AS
SELECT n.org_id, n.node_id, n.code AS node_code, n.name AS node_name, n.kind AS node_kind,
       count(*) AS incident_count,
       count(*) FILTER (WHERE i.status NOT IN ('closed', 'dismissed')) AS open_count,
       count(*) FILTER (WHERE x.role = 'site') AS as_site_count,
       max(CASE i.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END) AS max_severity_rank,
       max(i.reported_at) AS last_reported_at
  FROM iso28000.incident_node x
  JOIN iso28000.security_incident i ON i.org_id = x.org_id AND i.incident_id = x.incident_id
  JOIN iso28000.supply_chain_node n ON n.org_id = x.org_id AND n.node_id = x.node_id
 WHERE i.status <> 'dismissed'
 GROUP BY n.org_id, n.node_id, n.code, n.name, n.kind;
COMMENT ON VIEW iso28000.security_incident_by_node IS
  'ISO 28000 8.2, 8.6, 9.1: Security incidents per supply-chain node (dismissed ones left out): how many, how many open, how many happened at the node as a site, the highest severity and the latest report.';
COMMENT ON COLUMN iso28000.security_incident_by_node.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_incident_by_node.node_id IS 'The node.';
COMMENT ON COLUMN iso28000.security_incident_by_node.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.security_incident_by_node.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.security_incident_by_node.node_kind IS 'Its kind (site, carrier, port...).';
COMMENT ON COLUMN iso28000.security_incident_by_node.incident_count IS 'Incidents involving the node.';
COMMENT ON COLUMN iso28000.security_incident_by_node.open_count IS 'Of them, not closed.';
COMMENT ON COLUMN iso28000.security_incident_by_node.as_site_count IS 'Of them, those that happened at the node (role site).';
COMMENT ON COLUMN iso28000.security_incident_by_node.max_severity_rank IS 'Highest severity: 4 critical, 3 high, 2 medium, 1 low.';
COMMENT ON COLUMN iso28000.security_incident_by_node.last_reported_at IS 'When the latest of them was reported.';
GRANT SELECT ON iso28000.security_incident_by_node TO PUBLIC;

CREATE VIEW iso28000.security_incident_by_risk WITH (security_invoker = true) AS
SELECT k.org_id, k.risk_id, k.reference AS risk_reference, k.title AS risk_title, k.status AS risk_status,
       count(*) AS incident_count,
       count(*) FILTER (WHERE i.status NOT IN ('closed', 'dismissed')) AS open_count,
       count(*) FILTER (WHERE x.decision = 'reassess') AS reassess_count,
       count(*) FILTER (WHERE x.decision = 'confirmed') AS confirmed_count,
       count(*) FILTER (WHERE x.decision IS NULL) AS undecided_count,
       max(i.reported_at) AS last_reported_at
  FROM iso28000.incident_risk x
  JOIN iso28000.security_incident i ON i.org_id = x.org_id AND i.incident_id = x.incident_id
  JOIN iso28000.risk k ON k.org_id = x.org_id AND k.risk_id = x.risk_id
 WHERE i.status <> 'dismissed'
 GROUP BY k.org_id, k.risk_id, k.reference, k.title, k.status;
COMMENT ON VIEW iso28000.security_incident_by_risk IS
  'ISO 28000 6.1.2, 8.6, 9.1: Security incidents per risk of the register (dismissed ones left out): how many, how many open, and the decisions they led to (reassess, confirmed, not yet decided).';
COMMENT ON COLUMN iso28000.security_incident_by_risk.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.risk_id IS 'The risk.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.risk_reference IS 'Its reference.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.risk_title IS 'Its title.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.risk_status IS 'Its workflow state.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.incident_count IS 'Incidents linked to the risk.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.open_count IS 'Of them, not closed.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.reassess_count IS 'Decisions to re-assess the risk.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.confirmed_count IS 'Decisions confirming its assessment.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.undecided_count IS 'Links still awaiting a decision.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.last_reported_at IS 'When the latest of them was reported.';
GRANT SELECT ON iso28000.security_incident_by_risk TO PUBLIC;

CREATE VIEW iso28000.incident_notification_due WITH (security_invoker = true) AS
SELECT i.org_id, i.incident_id, i.reference, i.title, i.severity, i.status, i.reported_at,
       i.authority_notify_by AS notify_by,
       i.authority_notify_by < now() AS overdue,
       round((extract(epoch FROM i.authority_notify_by - now()) / 3600)::numeric, 1) AS hours_left
  FROM iso28000.security_incident i
 WHERE i.authority_notification_required AND i.status <> 'dismissed'
   AND NOT EXISTS (SELECT FROM iso28000.incident_notification n
                    WHERE n.org_id = i.org_id AND n.incident_id = i.incident_id AND n.recipient_kind = 'authority');
COMMENT ON VIEW iso28000.incident_notification_due IS
  'ISO 28000 4.2.2, 7.4, 8.6.3: Security incidents that must be notified to an authority and for which no authority notification has been sent yet, with the deadline and whether it has passed.';
COMMENT ON COLUMN iso28000.incident_notification_due.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.incident_notification_due.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_notification_due.reference IS 'Its reference.';
COMMENT ON COLUMN iso28000.incident_notification_due.title IS 'What happened.';
COMMENT ON COLUMN iso28000.incident_notification_due.severity IS 'low, medium, high or critical.';
COMMENT ON COLUMN iso28000.incident_notification_due.status IS 'Workflow state of the incident.';
COMMENT ON COLUMN iso28000.incident_notification_due.reported_at IS 'When it was reported.';
COMMENT ON COLUMN iso28000.incident_notification_due.notify_by IS 'Deadline of the notification, NULL when none was set.';
COMMENT ON COLUMN iso28000.incident_notification_due.overdue IS 'True when the deadline has passed; NULL without a deadline.';
COMMENT ON COLUMN iso28000.incident_notification_due.hours_left IS 'Hours until the deadline (negative once passed), to one decimal.';
GRANT SELECT ON iso28000.incident_notification_due TO PUBLIC;

/* ---------------------------------------------------------------------------
 * 9.3.2 The management review considers incidents and exercises
 * ------------------------------------------------------------------------- */

INSERT INTO iso28000.review_input (input_code, clause, title, required, seq, builtin) VALUES
  ('security_incidents', '9.3.2', 'Security incidents and events, exercises of security plans, and what they raised', false, 85, true);

-- The facts of the input security_incidents for a period.
CREATE FUNCTION iso28000._incident_facts(org bigint, from_on date, to_on date)
RETURNS jsonb
-- PL/pgSQL: on Citus the queries of an SQL function with parameters cannot be
-- planned (doc/distribution.md).
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (SELECT jsonb_build_object(
    'reported_in_period', (SELECT count(*) FROM iso28000.security_incident i
                            WHERE i.org_id = org AND (i.reported_at)::date BETWEEN from_on AND to_on),
    'reported_by_severity', (SELECT coalesce(jsonb_object_agg(s.severity, s.n), '{}') FROM
                               (SELECT i.severity, count(*) AS n FROM iso28000.security_incident i
                                 WHERE i.org_id = org AND (i.reported_at)::date BETWEEN from_on AND to_on
                                   AND i.status <> 'dismissed'
                                 GROUP BY i.severity) s),
    'closed_in_period', (SELECT count(*) FROM iso28000.security_incident i
                          WHERE i.org_id = org AND i.status = 'closed' AND (i.status_changed_at)::date BETWEEN from_on AND to_on),
    'dismissed_in_period', (SELECT count(*) FROM iso28000.security_incident i
                             WHERE i.org_id = org AND i.status = 'dismissed' AND (i.status_changed_at)::date BETWEEN from_on AND to_on),
    'open_now', (SELECT count(*) FROM iso28000.security_incident i
                  WHERE i.org_id = org AND i.status NOT IN ('closed', 'dismissed')),
    'median_hours_to_contain', (SELECT round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY i.contained_at - i.detected_at)) / 3600)::numeric, 1)
                                  FROM iso28000.security_incident i
                                 WHERE i.org_id = org AND i.status <> 'dismissed' AND (i.contained_at)::date BETWEEN from_on AND to_on),
    'authority_notifications_sent', (SELECT count(*) FROM iso28000.incident_notification n
                                      WHERE n.org_id = org AND n.recipient_kind = 'authority'
                                        AND (n.sent_at)::date BETWEEN from_on AND to_on),
    'authority_notifications_due', (SELECT count(*) FROM iso28000.incident_notification_due d WHERE d.org_id = org),
    'authority_notifications_overdue', (SELECT count(*) FROM iso28000.incident_notification_due d WHERE d.org_id = org AND d.overdue),
    'exercises_held', (SELECT count(*) FROM iso28000.plan_exercise e
                        WHERE e.org_id = org AND e.held_on BETWEEN from_on AND to_on),
    'exercises_by_outcome', (SELECT coalesce(jsonb_object_agg(s.outcome, s.n), '{}') FROM
                               (SELECT e.outcome, count(*) AS n FROM iso28000.plan_exercise e
                                 WHERE e.org_id = org AND e.held_on BETWEEN from_on AND to_on GROUP BY e.outcome) s),
    'nonconformities_from_incidents', (SELECT count(*) FROM iso28000.nonconformity n
                                        WHERE n.org_id = org AND n.incident_id IS NOT NULL AND n.detected_on BETWEEN from_on AND to_on),
    'nonconformities_from_exercises', (SELECT count(*) FROM iso28000.nonconformity n
                                        WHERE n.org_id = org AND n.exercise_id IS NOT NULL AND n.detected_on BETWEEN from_on AND to_on),
    'improvements_from_incidents', (SELECT count(*) FROM iso28000.improvement m
                                     WHERE m.org_id = org AND m.incident_id IS NOT NULL AND (m.created_at)::date BETWEEN from_on AND to_on),
    'improvements_from_exercises', (SELECT count(*) FROM iso28000.improvement m
                                     WHERE m.org_id = org AND m.exercise_id IS NOT NULL AND (m.created_at)::date BETWEEN from_on AND to_on),
    'open_incidents', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                 'reference', coalesce(o.reference, '#' || o.incident_id), 'title', o.title,
                                 'severity', o.severity, 'status', o.status, 'age_days', o.age_days)
                               ORDER BY o.severity_rank DESC, o.age_days DESC, o.incident_id), '[]')
                         FROM (SELECT * FROM iso28000.security_incident_open x WHERE x.org_id = org
                                ORDER BY x.severity_rank DESC, x.age_days DESC, x.incident_id LIMIT 10) o)));
END
$$;
COMMENT ON FUNCTION iso28000._incident_facts(bigint, date, date) IS
  'Internal: the facts of the management review input security_incidents for a period: incidents reported (by severity), closed and dismissed in it, open now, median hours to contain, authority notifications sent, due and overdue, exercises held by outcome, nonconformities and improvements raised by incidents and exercises, and the ten most severe open incidents.';
