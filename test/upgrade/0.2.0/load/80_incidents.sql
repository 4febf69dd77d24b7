-- Northsea Port & Logistics: its threat scenario catalog (ISO 28000 6.1.2,
-- 8.3), seeded with the extension's examples for the supply chain, and its
-- risks named by scenario beside their free-text threat; then a security
-- incident from report to closure (8.6, 10.2) with the notification to
-- customs, a near miss still open, a false alarm dismissed, and the
-- improvements an incident and an exercise raise (10.1).
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SET ROLE npl_security_manager;        -- Marit de Vries, acting through her own role
SELECT org_id AS npl FROM iso28000.organization WHERE code = 'NPL' \gset

SELECT iso28000.seed_threat_scenarios(:npl);
INSERT INTO iso28000.threat_scenario (org_id, code, title, description, category, chain_position)
VALUES (:npl, 'NPL-DRONE', 'Drone reconnaissance of the container stack',
        'A drone maps the stack and the guard rounds to prepare a rip-off; seen twice over the quay in 2026.',
        'other', 'at_node');

UPDATE iso28000.risk r SET threat_scenario_id = s.threat_scenario_id
  FROM (VALUES ('R-01', 'SC-SMUGGLE'), ('R-02', 'SC-TAMPER-SEAL'), ('R-04', 'SC-CYBER-PROVIDER'),
               ('R-05', 'SC-FALSE-DOCS'), ('R-06', 'NPL-DRONE')) AS v(ref, code)
  JOIN iso28000.threat_scenario s ON s.org_id = :npl AND s.code = v.code
 WHERE r.org_id = :npl AND r.reference = v.ref AND r.status <> 'closed';SELECT max(person_id) FILTER (WHERE full_name = 'Marit de Vries') AS marit,
       max(person_id) FILTER (WHERE full_name = 'Pieter Smit')    AS pieter,
       max(person_id) FILTER (WHERE full_name = 'Sanne Visser')   AS sanne
  FROM iso28000.person WHERE org_id = :npl \gset
RESET ROLE;

-- 8.6 The gate supervisor reports, through the intranet (a pooled login that
-- acts for him with act_as), a broken seal found at gate-out twelve days ago.
SET ROLE npl_intranet;
BEGIN;
SELECT iso28000.act_as(:npl, :pieter);
INSERT INTO iso28000.security_incident (org_id, reference, kind, title, description, severity, threat_scenario_id,
                                        occurred_at, detected_at, reported_at, reported_by,
                                        authority_notification_required, authority_notify_by)
SELECT :npl, 'INC-2026-07', 'incident', 'Container seal found broken at gate-out',
       'At gate-out lane 2 the seal of a loaded 40'' container did not match the manifest; the truck was held.',
       'high', s.threat_scenario_id, now() - interval '12 days 9 hours', now() - interval '12 days 6 hours',
       now() - interval '12 days 5 hours 40 minutes', :pieter, true, now() - interval '11 days 6 hours'
  FROM iso28000.threat_scenario s WHERE s.org_id = :npl AND s.code = 'SC-TAMPER-SEAL';
SELECT incident_id AS inc FROM iso28000.security_incident WHERE org_id = :npl AND reference = 'INC-2026-07' \gset
INSERT INTO iso28000.incident_timeline_entry (org_id, incident_id, occurred_at, kind, entry, author_id) VALUES
  (:npl, :inc, now() - interval '12 days 6 hours', 'observation', 'Seal number on the container differs from the manifest; truck held at lane 2.', :pieter),
  (:npl, :inc, now() - interval '12 days 5 hours 30 minutes', 'action', 'Terminal intrusion plan activated; stack sweep of the block the container came from.', :pieter);
INSERT INTO iso28000.incident_node (org_id, incident_id, node_id, role)
SELECT :npl, :inc, n.node_id, v.role
  FROM (VALUES ('GATE', 'site'), ('TERM', 'affected')) AS v(code, role)
  JOIN iso28000.supply_chain_node n ON n.org_id = :npl AND n.code = v.code;
INSERT INTO iso28000.incident_process (org_id, incident_id, sms_process_id)
SELECT :npl, :inc, p.sms_process_id FROM iso28000.sms_process p WHERE p.org_id = :npl AND p.code IN ('GATE', 'OPS');
INSERT INTO iso28000.incident_risk (org_id, incident_id, risk_id)
SELECT :npl, :inc, r.risk_id FROM iso28000.risk r WHERE r.org_id = :npl AND r.reference IN ('R-01', 'R-02');
COMMIT;
RESET ROLE;

-- The security manager triages it: Pieter handles it, the plan is recorded as activated.
SET ROLE npl_security_manager;
UPDATE iso28000.security_incident i SET status = 'triaged', owner_id = :pieter,
       triage_note = 'High: possible tampering of a loaded container; customs to be told within 24 hours (AEO-S).',
       security_plan_id = p.security_plan_id, plan_activated_at = now() - interval '12 days 5 hours 30 minutes'
  FROM iso28000.security_plan p
 WHERE i.org_id = :npl AND i.incident_id = :inc AND p.org_id = :npl AND p.title = 'Terminal intrusion';
RESET ROLE;

-- Pieter contains it and notifies customs and the shipping line (the log of
-- what was actually sent, beside the communication plan of 7.4).
SET ROLE npl_intranet;
BEGIN;
SELECT iso28000.act_as(:npl, :pieter);
UPDATE iso28000.security_incident SET status = 'contained', contained_at = now() - interval '12 days 2 hours',
       containment = 'Container held under CCTV in the inspection bay; block 14 swept, no other seal broken.'
 WHERE org_id = :npl AND incident_id = :inc;
INSERT INTO iso28000.incident_notification (org_id, incident_id, recipient_kind, recipient, interested_party_id,
                                            channel, content, sent_at, sent_by, their_reference, acknowledged_at)
SELECT :npl, :inc, v.kind, v.recipient, ip.interested_party_id, v.channel, v.content,
       now() - v.sent, :pieter, v.ref, now() - v.ack
  FROM (VALUES ('authority', 'Dutch Customs, Rotterdam duty officer', 'Dutch Customs', 'phone, then the AEO portal',
                'Seal mismatch on a loaded container at gate-out; container held for inspection; seal numbers and CCTV stills attached.',
                interval '12 days 4 hours', 'DC-2026-4411', interval '12 days 3 hours'),
               ('partner', 'Shipping line, cargo security desk', 'Shipping lines', 'e-mail',
                'Your container is held at our gate after a seal mismatch; customs informed; release after their inspection.',
                interval '12 days 3 hours', NULL, NULL))
       AS v(kind, recipient, party, channel, content, sent, ref, ack)
  LEFT JOIN iso28000.interested_party ip ON ip.org_id = :npl AND ip.name = v.party;
INSERT INTO iso28000.incident_timeline_entry (org_id, incident_id, occurred_at, kind, entry, author_id) VALUES
  (:npl, :inc, now() - interval '12 days 4 hours', 'communication', 'Dutch Customs informed by phone (case DC-2026-4411).', :pieter),
  (:npl, :inc, now() - interval '10 days', 'observation', 'Customs inspection: goods complete; the seal was replaced during a night stop before arrival.', :pieter);
UPDATE iso28000.security_incident SET status = 'investigated',
       investigation = 'The haulier''s driver left the truck unattended overnight at an unsecured parking; the seal was replaced there. Our gate check found it as designed.'
 WHERE org_id = :npl AND incident_id = :inc;
UPDATE iso28000.security_incident SET status = 'lessons_learned',
       lessons_learned = 'Require secured parking from hauliers on night runs; record seal numbers at every handover, not only at the gate.'
 WHERE org_id = :npl AND incident_id = :inc;
COMMIT;
RESET ROLE;

-- The security manager decides on each linked risk (the seal risk is
-- re-assessed, the smuggling risk confirmed) and closes the incident; the
-- incident raises an improvement, and the exercise of the same plan another.
SET ROLE npl_security_manager;
UPDATE iso28000.risk SET assessed_on = current_date - 2 WHERE org_id = :npl AND reference = 'R-02';
UPDATE iso28000.incident_risk ir SET decision = CASE r.reference WHEN 'R-02' THEN 'reassess' ELSE 'confirmed' END,
       decided_on = current_date - 2, decided_by = :marit,
       decision_note = CASE r.reference WHEN 'R-02' THEN 'Night stops were not in the assessment; likelihood raised.'
                                        ELSE 'No sign of contraband; assessment stands.' END
  FROM iso28000.risk r
 WHERE ir.org_id = :npl AND ir.incident_id = :inc AND r.org_id = ir.org_id AND r.risk_id = ir.risk_id;
UPDATE iso28000.security_incident SET status = 'closed', status_note = 'Lessons taken into the haulier requirements.'
 WHERE org_id = :npl AND incident_id = :inc;
SELECT iso28000.incident_raise_improvement(:npl, :inc, 'Secured parking and seal records at every handover for hauliers');
SELECT iso28000.exercise_raise_improvement(:npl, e.exercise_id, 'Police liaison first in the call tree')
  FROM iso28000.plan_exercise e JOIN iso28000.security_plan p USING (org_id, security_plan_id)
 WHERE e.org_id = :npl AND p.title = 'Terminal intrusion' AND e.outcome = 'partially_effective';

-- A near miss reported two days ago, still open, customs to be told by tomorrow;
-- and a false alarm dismissed.
INSERT INTO iso28000.security_incident (org_id, reference, kind, title, severity, threat_scenario_id, detected_at, reported_at,
                                        reported_by, authority_notification_required, authority_notify_by)
SELECT :npl, 'INC-2026-09', 'near_miss', 'Caller posing as a haulier asked for a release PIN', 'medium', s.threat_scenario_id,
       now() - interval '2 days', now() - interval '2 days', :sanne, true, now() + interval '1 day'
  FROM iso28000.threat_scenario s WHERE s.org_id = :npl AND s.code = 'SC-FRAUD-PICKUP';
UPDATE iso28000.security_incident SET status = 'triaged', owner_id = :sanne
 WHERE org_id = :npl AND reference = 'INC-2026-09';
INSERT INTO iso28000.incident_node (org_id, incident_id, node_id, role)
SELECT i.org_id, i.incident_id, n.node_id, 'site'
  FROM iso28000.security_incident i JOIN iso28000.supply_chain_node n ON n.org_id = i.org_id AND n.code = 'GATE'
 WHERE i.org_id = :npl AND i.reference = 'INC-2026-09';
INSERT INTO iso28000.security_incident (org_id, reference, kind, title, severity, detected_at, reported_at, reported_by)
VALUES (:npl, 'INC-2026-08', 'event', 'Fence alarm at the reefer yard', 'low', now() - interval '6 days', now() - interval '6 days', :pieter);
UPDATE iso28000.security_incident SET status = 'dismissed', dismissal_reason = 'Gulls on the fence sensor; camera footage checked.'
 WHERE org_id = :npl AND reference = 'INC-2026-08';
RESET ROLE;
