\echo
\echo '=== ISO 28000 8.6, 10.2: security incident INC-2026-07 from report to closure (who moved it, from the event log)'
SET ROLE npl_viewer;
SELECT coalesce(e.from_state, '-') AS from_state, e.to_state, p.full_name AS by
  FROM iso28000.workflow_event e
  JOIN iso28000.security_incident i ON i.org_id = e.org_id AND i.incident_id = e.record_id
  LEFT JOIN iso28000.person p ON p.org_id = e.org_id AND p.person_id = e.actor_person
 WHERE e.table_name = 'iso28000.security_incident'::regclass AND i.reference = 'INC-2026-07'
 ORDER BY e.event_id;
\echo '=== its timeline and the notifications actually sent (7.4, 8.6.3)'
SELECT t.occurred_at::timestamp(0) AS at, t.kind, t.entry
  FROM iso28000.incident_timeline_entry t JOIN iso28000.security_incident i USING (org_id, incident_id)
 WHERE i.reference = 'INC-2026-07' ORDER BY t.occurred_at;
SELECT n.sent_at::timestamp(0) AS sent, n.recipient_kind, n.recipient, n.their_reference,
       round((extract(epoch FROM n.sent_at - i.detected_at) / 3600)::numeric, 1) AS hours_after_detection
  FROM iso28000.incident_notification n JOIN iso28000.security_incident i USING (org_id, incident_id)
 WHERE i.reference = 'INC-2026-07' ORDER BY n.sent_at;
\echo '=== the decision on each linked risk, and what the incident and an exercise raised (10.1)'
SELECT r.reference, r.title, ir.decision, ir.decision_note
  FROM iso28000.incident_risk ir JOIN iso28000.security_incident i USING (org_id, incident_id)
  JOIN iso28000.risk r ON r.org_id = ir.org_id AND r.risk_id = ir.risk_id
 WHERE i.reference = 'INC-2026-07' ORDER BY r.reference;
SELECT source, title, status FROM iso28000.improvement WHERE incident_id IS NOT NULL OR exercise_id IS NOT NULL ORDER BY improvement_id;
\echo '=== open incidents, time to contain, and authority notifications due'
SELECT reference, kind, title, severity, status, age_days, risks_undecided FROM iso28000.security_incident_open ORDER BY severity_rank DESC, age_days DESC;
SELECT severity, contained_count, median_hours, max_hours FROM iso28000.security_incident_time_to_contain ORDER BY severity;
SELECT reference, title, notify_by::timestamp(0) AS notify_by, overdue, hours_left FROM iso28000.incident_notification_due ORDER BY notify_by;
RESET ROLE;

\echo '=== closing without a decision on a linked risk is refused (IS501); nothing is written'
SET ROLE npl_security_manager;
\set ON_ERROR_STOP 0
BEGIN;
UPDATE iso28000.security_incident SET status = 'contained', containment = 'Release PINs frozen for the haulier', contained_at = now()
 WHERE reference = 'INC-2026-09';
UPDATE iso28000.security_incident SET status = 'investigated', investigation = 'Social engineering by phone' WHERE reference = 'INC-2026-09';
UPDATE iso28000.security_incident SET status = 'lessons_learned', lessons_learned = 'Call back on the number in the contract' WHERE reference = 'INC-2026-09';
INSERT INTO iso28000.incident_risk (org_id, incident_id, risk_id)
SELECT i.org_id, i.incident_id, r.risk_id FROM iso28000.security_incident i JOIN iso28000.risk r ON r.org_id = i.org_id AND r.reference = 'R-05'
 WHERE i.reference = 'INC-2026-09'
RETURNING incident_id \g /dev/null
UPDATE iso28000.security_incident SET status = 'closed' WHERE reference = 'INC-2026-09';
ROLLBACK;
\set ON_ERROR_STOP 1
RESET ROLE;
