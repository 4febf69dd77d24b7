/*
 * sql/views/due_items.sql
 *		Everything that falls due, across every register, in one view:
 *		iso28000.due_item.  One row per thing someone must do by a date
 *		(evaluate an obligation, test a control, review a document, exercise
 *		a plan, renew a provider's evidence or a training, send a
 *		communication, finish a review output, a corrective action, a risk
 *		treatment or an improvement, reach an objective, review a risk or a
 *		context issue, notify an authority of an incident), with the
 *		register and record it comes from, the person responsible and
 *		whether it is overdue.  Plain SQL types only,
 *		security_invoker: row-level security of the registers decides what a
 *		member sees.  The notification outbox raises its rows when they fall
 *		due (iso28000.raise_due_items, sql/views/notification.sql).
 *		Reference: doc/due-and-notify.md.
 */

CREATE VIEW iso28000.due_item WITH (security_invoker = true) AS
WITH items (org_id, register, record_id, record_code, record_title, item, reason, responsible_id, due_on) AS (
    -- 4.2.2 the next compliance evaluation of an obligation in force
    SELECT o.org_id, 'obligation', o.obligation_id, o.reference, o.title, 'compliance_evaluation',
           CASE WHEN e.evaluated_on IS NULL THEN 'never_done' ELSE 'due' END,
           o.owner_id,
           CASE WHEN e.evaluated_on IS NULL THEN o.applies_from
                ELSE coalesce(e.next_due_on, (e.evaluated_on + o.evaluation_interval)::date) END
      FROM iso28000.obligation o
      LEFT JOIN LATERAL (
            SELECT ce.evaluated_on, ce.next_due_on
              FROM iso28000.compliance_evaluation ce
             WHERE ce.org_id = o.org_id AND ce.obligation_id = o.obligation_id
             ORDER BY ce.evaluated_on DESC, ce.compliance_evaluation_id DESC
             LIMIT 1) e ON true
     WHERE (o.applies_until IS NULL OR o.applies_until >= current_date)
       AND (e.evaluated_on IS NULL OR e.next_due_on IS NOT NULL OR o.evaluation_interval IS NOT NULL)
    UNION ALL
    -- 4.1 the review of a context issue still open
    SELECT ci.org_id, 'context_issue', ci.context_issue_id, NULL, ci.title, 'context_review', 'due',
           ci.owner_id, ci.review_on
      FROM iso28000.context_issue ci
     WHERE ci.review_on IS NOT NULL AND ci.closed_on IS NULL
    UNION ALL
    -- 6.1, 8.3 the review of a risk not closed
    SELECT r.org_id, 'risk', r.risk_id, r.reference, r.title, 'risk_review', 'due', r.owner_id, r.review_on
      FROM iso28000.risk r
     WHERE r.review_on IS NOT NULL AND r.status <> 'closed'
    UNION ALL
    -- 6.2 a security objective not yet achieved nor cancelled
    SELECT ob.org_id, 'objective', ob.objective_id, NULL, ob.title, 'objective', 'due', ob.owner_id, ob.due_on
      FROM iso28000.objective ob
     WHERE ob.achieved_on IS NULL AND ob.cancelled_on IS NULL
    UNION ALL
    -- 7.2 the renewal of a training or qualification (the latest of each person and requirement)
    SELECT t.org_id, 'training_record', t.training_record_id, NULL, t.title, 'training_validity', 'expires',
           t.person_id, t.valid_until
      FROM iso28000.training_record t
     WHERE t.valid_until IS NOT NULL
       AND NOT EXISTS (SELECT FROM iso28000.training_record l
                        WHERE l.org_id = t.org_id AND l.person_id = t.person_id
                          AND (l.competence_requirement_id = t.competence_requirement_id
                               OR (t.competence_requirement_id IS NULL AND l.competence_requirement_id IS NULL
                                   AND l.title = t.title))
                          AND l.training_record_id <> t.training_record_id
                          AND (l.valid_until IS NULL OR l.valid_until > t.valid_until))
    UNION ALL
    -- 7.4 the next communication of the plan
    SELECT c.org_id, 'communication', c.communication_id, NULL, c.subject, 'communication', 'due',
           c.owner_id, c.next_due_on
      FROM iso28000.communication c
     WHERE c.active AND c.next_due_on IS NOT NULL
    UNION ALL
    -- 7.5.2 the review of a document
    SELECT d.org_id, 'document', d.document_id, d.code, d.title, 'document_review', 'due', d.owner_id, d.review_due_on
      FROM iso28000.document_current d
     WHERE d.review_due_on IS NOT NULL
    UNION ALL
    -- 8.4, 9.1 the next test of a control in operation
    SELECT c.org_id, 'control', c.control_id, c.code, c.title, 'control_test',
           CASE WHEN t.tested_on IS NULL THEN 'never_done' ELSE 'due' END,
           c.owner_id,
           CASE WHEN t.tested_on IS NULL THEN c.implemented_on
                ELSE coalesce(t.next_test_on, (t.tested_on + c.test_interval)::date) END
      FROM iso28000.control c
      LEFT JOIN LATERAL (
            SELECT ct.tested_on, ct.next_test_on
              FROM iso28000.control_test ct
             WHERE ct.org_id = c.org_id AND ct.control_id = c.control_id
             ORDER BY ct.tested_on DESC, ct.control_test_id DESC
             LIMIT 1) t ON true
     WHERE c.implemented_on IS NOT NULL AND c.retired_on IS NULL
       AND (c.test_interval IS NOT NULL OR t.next_test_on IS NOT NULL)
    UNION ALL
    -- 8.3, 8.5 a risk treatment not implemented yet
    SELECT rt.org_id, 'risk_treatment', rt.risk_treatment_id, NULL, r.title, 'risk_treatment', 'due',
           rt.owner_id, rt.due_on
      FROM iso28000.risk_treatment rt
      JOIN iso28000.risk r ON r.org_id = rt.org_id AND r.risk_id = rt.risk_id
     WHERE rt.due_on IS NOT NULL AND rt.implemented_on IS NULL AND rt.cancelled_on IS NULL
    UNION ALL
    -- 8.4 supply chain: a provider's evidence that expires and is not yet replaced
    SELECT e.org_id, 'provider_evidence', e.evidence_id, n.code || '/' || q.code, q.title || ': ' || n.name,
           'provider_evidence', 'expires', n.owner_id, e.valid_until
      FROM iso28000.provider_evidence e
      JOIN iso28000.supply_chain_node n ON n.org_id = e.org_id AND n.node_id = e.node_id
      JOIN iso28000.security_requirement q ON q.org_id = e.org_id AND q.requirement_id = e.requirement_id
     WHERE e.valid_until IS NOT NULL AND e.revoked_on IS NULL AND n.active AND q.active
       AND NOT EXISTS (SELECT FROM iso28000.provider_evidence l
                        WHERE l.org_id = e.org_id AND l.node_id = e.node_id
                          AND l.requirement_id = e.requirement_id AND l.revoked_on IS NULL
                          AND l.evidence_id <> e.evidence_id
                          AND (l.valid_until IS NULL OR l.valid_until > e.valid_until))
    UNION ALL
    -- 8.4 supply chain: a provider's next assessment (the latest assessment of each node)
    SELECT a.org_id, 'provider_assessment', a.assessment_id, n.code, n.name, 'provider_assessment', 'due',
           n.owner_id, a.next_due_on
      FROM iso28000.provider_assessment a
      JOIN iso28000.supply_chain_node n ON n.org_id = a.org_id AND n.node_id = a.node_id
     WHERE a.next_due_on IS NOT NULL AND n.active
       AND NOT EXISTS (SELECT FROM iso28000.provider_assessment l
                        WHERE l.org_id = a.org_id AND l.node_id = a.node_id
                          AND (l.assessed_on, l.assessment_id) > (a.assessed_on, a.assessment_id))
    UNION ALL
    -- 8.1 supply chain: an approved exception admitting a provider, until it expires
    SELECT x.org_id, 'provider_exception', x.exception_id, n.code, n.name || ': ' || x.reason, 'provider_exception', 'expires',
           n.owner_id, x.valid_until
      FROM iso28000.provider_exception x
      JOIN iso28000.supply_chain_node n ON n.org_id = x.org_id AND n.node_id = x.node_id
     WHERE x.status = 'approved' AND n.active
    UNION ALL
    -- 8.1 supply chain: a partner's screening that expires (the latest of each node and list)
    SELECT s.org_id, 'partner_screening', s.screening_id, n.code, s.list_name || ': ' || n.name, 'partner_screening', 'expires',
           n.owner_id, s.valid_until
      FROM iso28000.partner_screening s
      JOIN iso28000.supply_chain_node n ON n.org_id = s.org_id AND n.node_id = s.node_id
     WHERE s.valid_until IS NOT NULL AND n.active
       AND NOT EXISTS (SELECT FROM iso28000.partner_screening l
                        WHERE l.org_id = s.org_id AND l.node_id = s.node_id AND l.list_name = s.list_name
                          AND (l.screened_on, l.screening_id) > (s.screened_on, s.screening_id))
    UNION ALL
    -- 8.6 the next exercise of an active security plan (never exercised: due since its approval)
    SELECT x.org_id, 'security_plan', x.security_plan_id, NULL, x.title, 'plan_exercise',
           CASE WHEN x.last_exercised_on IS NULL THEN 'never_done' ELSE 'due' END,
           x.owner_id, coalesce(x.due_on, p.approved_on)
      FROM iso28000.security_plan_exercise_due x
      JOIN iso28000.security_plan p ON p.org_id = x.org_id AND p.security_plan_id = x.security_plan_id
    UNION ALL
    -- 8.6 an exercise planned and not yet held
    SELECT e.org_id, 'plan_exercise', e.exercise_id, NULL, p.title || ' (' || e.kind || ')', 'exercise_planned', 'due',
           e.lead_id, e.planned_on
      FROM iso28000.plan_exercise e
      JOIN iso28000.security_plan p ON p.org_id = e.org_id AND p.security_plan_id = e.security_plan_id
     WHERE e.planned_on IS NOT NULL AND e.held_on IS NULL
    UNION ALL
    -- 8.6 the review of an active security plan
    SELECT p.org_id, 'security_plan', p.security_plan_id, NULL, p.title, 'plan_review', 'due', p.owner_id, p.next_review_on
      FROM iso28000.security_plan p
     WHERE p.status = 'active' AND p.next_review_on IS NOT NULL
    UNION ALL
    -- 9.3.3 an action or decision of a management review still open
    SELECT o.org_id, 'review_output', o.output_id, NULL, o.description, 'review_output', 'due', o.owner_id, o.due_on
      FROM iso28000.review_output o
     WHERE o.status = 'open' AND o.due_on IS NOT NULL
    UNION ALL
    -- 10.2 the closing deadline of an open nonconformity
    SELECT n.org_id, 'nonconformity', n.nonconformity_id, NULL, n.title, 'nonconformity_closure', 'due',
           n.owner_id, n.close_due_on
      FROM iso28000.nonconformity_open n
    UNION ALL
    -- 10.2 a corrective action planned or in progress
    SELECT ca.org_id, 'corrective_action', ca.corrective_action_id, NULL, ca.title, 'corrective_action', 'due',
           ca.owner_id, ca.due_on
      FROM iso28000.corrective_action ca
     WHERE ca.status IN ('planned', 'in_progress') AND ca.due_on IS NOT NULL
    UNION ALL
    -- 10.1 an improvement approved and not yet implemented
    SELECT i.org_id, 'improvement', i.improvement_id, NULL, i.title, 'improvement', 'due', i.owner_id, i.due_on
      FROM iso28000.improvement i
     WHERE i.due_on IS NOT NULL AND i.status IN ('proposed', 'approved')
    UNION ALL
    -- 4.2.2, 7.4, 8.6.3 an incident's notification to an authority, required and not yet sent
    -- (no deadline set: due at once, like a task never done)
    SELECT d.org_id, 'security_incident', d.incident_id, d.reference, d.title, 'authority_notification',
           CASE WHEN d.notify_by IS NULL THEN 'never_done' ELSE 'due' END,
           si.owner_id, d.notify_by::date
      FROM iso28000.incident_notification_due d
      JOIN iso28000.security_incident si ON si.org_id = d.org_id AND si.incident_id = d.incident_id)
SELECT it.org_id,
       g.code AS org_code,
       it.register::text AS register,
       it.record_id::bigint AS record_id,
       it.record_code::text AS record_code,
       it.record_title::text AS record_title,
       it.item::text AS item,
       it.reason::text AS reason,
       it.responsible_id::bigint AS responsible_id,
       p.full_name AS responsible_name,
       p.email AS responsible_email,
       it.due_on::date AS due_on,
       (it.due_on IS NULL OR it.due_on < current_date) AS overdue,
       (current_date - it.due_on)::integer AS days_overdue
  FROM items it
  JOIN iso28000.organization g ON g.org_id = it.org_id
  -- person in a sub-select: on Citus 13.2.2 an outer join of this union
  -- straight to the person table crashed the coordinator (doc/distribution.md).
  LEFT JOIN (SELECT pp.org_id, pp.person_id, pp.full_name, pp.email FROM iso28000.person pp) p
    ON p.org_id = it.org_id AND p.person_id = it.responsible_id;
COMMENT ON VIEW iso28000.due_item IS
  'ISO 28000 4.2.2, 6.1, 6.2, 7.2, 7.4, 7.5.2, 8.4, 8.5, 8.6, 9.3.3, 10.1, 10.2: Everything that falls due or is overdue across the registers: the record it comes from, what is due, the person responsible and the date.';
COMMENT ON COLUMN iso28000.due_item.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.due_item.org_code IS 'Short code of the organisation.';
COMMENT ON COLUMN iso28000.due_item.register IS 'Register (table of schema iso28000) of the record the item comes from.';
COMMENT ON COLUMN iso28000.due_item.record_id IS 'Surrogate key of the record in its register (with org_id and register, the link back to it).';
COMMENT ON COLUMN iso28000.due_item.record_code IS 'The record''s code or reference in the organisation, when the register has one.';
COMMENT ON COLUMN iso28000.due_item.record_title IS 'Title, subject or description of the record.';
COMMENT ON COLUMN iso28000.due_item.item IS 'What falls due: compliance_evaluation, context_review, risk_review, objective, training_validity, communication, document_review, control_test, risk_treatment, provider_evidence, provider_assessment, provider_exception, partner_screening, plan_exercise, exercise_planned, plan_review, review_output, nonconformity_closure, corrective_action, improvement, authority_notification.';
COMMENT ON COLUMN iso28000.due_item.reason IS 'due (a date is set), expires (a validity ends) or never_done (a periodic task never performed; due since the record came into force, or undated).';
COMMENT ON COLUMN iso28000.due_item.responsible_id IS 'Person responsible (the record''s owner, the trainee, the exercise lead or the provider node''s owner; an incident''s owner, NULL before triage names one).';
COMMENT ON COLUMN iso28000.due_item.responsible_name IS 'Full name of the person responsible.';
COMMENT ON COLUMN iso28000.due_item.responsible_email IS 'E-mail address of the person responsible.';
COMMENT ON COLUMN iso28000.due_item.due_on IS 'Date it falls due; NULL for a periodic task never performed with no start date, or an authority notification required without a deadline.';
COMMENT ON COLUMN iso28000.due_item.overdue IS 'True when the due date is past (or the task was never performed and has no date).';
COMMENT ON COLUMN iso28000.due_item.days_overdue IS 'Days past the due date; negative while still ahead; NULL without a date.';
GRANT SELECT ON iso28000.due_item TO PUBLIC;
