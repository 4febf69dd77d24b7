-- test/soak/invariants.sql: one query that returns every violated invariant
-- of the registers (one row per offending record); after a soak it must
-- return nothing.  Run as a superuser (row-level security hides nothing).
-- Usable on any database with the extension, not only after a soak.
WITH nc AS (SELECT * FROM iso28000.nonconformity),
     ca AS (SELECT * FROM iso28000.corrective_action),
     st AS (SELECT * FROM iso28000.workflow_state)
-- every record is in a state of its workflow
SELECT 'nonconformity in an unknown state' AS invariant, org_id, nonconformity_id AS id, status AS detail FROM nc
 WHERE NOT EXISTS (SELECT FROM st WHERE workflow = 'nonconformity' AND state = nc.status)
UNION ALL
SELECT 'corrective action in an unknown state', org_id, corrective_action_id, status FROM ca
 WHERE NOT EXISTS (SELECT FROM st WHERE workflow = 'corrective_action' AND state = ca.status)
UNION ALL
-- every column its state requires is filled (10.2 a, b, d, e; actions: owner, due date, evidence, reason)
SELECT 'nonconformity lacks ' || r.column_name || ' required by ' || nc.status, nc.org_id, nc.nonconformity_id, NULL
  FROM nc JOIN iso28000.workflow_required_column r ON r.workflow = 'nonconformity' AND r.state = nc.status
 WHERE coalesce(btrim(to_jsonb(nc) ->> r.column_name::text), '') = ''
UNION ALL
SELECT 'corrective action lacks ' || r.column_name || ' required by ' || ca.status, ca.org_id, ca.corrective_action_id, NULL
  FROM ca JOIN iso28000.workflow_required_column r ON r.workflow = 'corrective_action' AND r.state = ca.status
 WHERE coalesce(btrim(to_jsonb(ca) ->> r.column_name::text), '') = ''
UNION ALL
-- 10.2 c: past cause_analysed, a live action with an owner and a due date
SELECT 'nonconformity past planning without a live action', org_id, nonconformity_id, status FROM nc
 WHERE status IN ('action_planned', 'action_taken', 'verified', 'closed')
   AND NOT EXISTS (SELECT FROM ca WHERE ca.org_id = nc.org_id AND ca.nonconformity_id = nc.nonconformity_id
                      AND ca.status <> 'cancelled' AND ca.owner_id IS NOT NULL AND ca.due_on IS NOT NULL)
UNION ALL
-- 10.2 c: from action_taken on, every live action is done
SELECT 'nonconformity ' || nc.status || ' with an open action', nc.org_id, nc.nonconformity_id, ca.corrective_action_id::text
  FROM nc JOIN ca ON ca.org_id = nc.org_id AND ca.nonconformity_id = nc.nonconformity_id
 WHERE nc.status IN ('action_taken', 'verified', 'closed') AND ca.status IN ('planned', 'in_progress')
UNION ALL
-- 10.2 d: the verifier owns none of the actions
SELECT 'nonconformity verified by the owner of one of its actions', nc.org_id, nc.nonconformity_id, nc.verified_by::text
  FROM nc
 WHERE nc.status IN ('verified', 'closed')
   AND EXISTS (SELECT FROM ca WHERE ca.org_id = nc.org_id AND ca.nonconformity_id = nc.nonconformity_id
                  AND ca.owner_id = nc.verified_by)
UNION ALL
-- 10.2 e: an SMS change is described when one is needed
SELECT 'closed nonconformity needs an SMS change that is not described', org_id, nonconformity_id, NULL FROM nc
 WHERE status = 'closed' AND sms_change_needed AND coalesce(btrim(sms_change_note), '') = ''
UNION ALL
-- a corrective action belongs to a nonconformity of its own organisation (the key says so)
SELECT 'corrective action of a missing nonconformity', org_id, corrective_action_id, nonconformity_id::text FROM ca
 WHERE NOT EXISTS (SELECT FROM nc WHERE nc.org_id = ca.org_id AND nc.nonconformity_id = ca.nonconformity_id)
UNION ALL
-- the event log tells the same story as the records: each step an allowed transition ...
SELECT 'event of a transition that is not allowed', e.org_id, e.event_id, e.from_state || ' -> ' || e.to_state
  FROM iso28000.workflow_event e
 WHERE e.from_state IS NOT NULL
   AND NOT EXISTS (SELECT FROM iso28000.workflow_transition t
                    WHERE t.workflow = e.workflow AND t.from_state = e.from_state AND t.to_state = e.to_state)
UNION ALL
-- ... each event starting where the previous one of its record ended ...
SELECT 'events of a record do not chain', org_id, event_id, record_key FROM (
  SELECT e.*, lag(to_state) OVER (PARTITION BY org_id, table_name, record_key ORDER BY event_id) AS prev_to
    FROM iso28000.workflow_event e) e
 WHERE prev_to IS NOT NULL AND from_state IS DISTINCT FROM prev_to
UNION ALL
-- ... and the last one ending in the record's present state
SELECT 'record not in the state its last event reached', e.org_id, e.record_id, coalesce(nc.status, ca.status) || ' vs ' || e.to_state
  FROM (SELECT DISTINCT ON (org_id, table_name, record_id) org_id, table_name, record_id, to_state
          FROM iso28000.workflow_event ORDER BY org_id, table_name, record_id, event_id DESC) e
  LEFT JOIN nc ON e.table_name = 'iso28000.nonconformity'::regclass AND nc.org_id = e.org_id AND nc.nonconformity_id = e.record_id
  LEFT JOIN ca ON e.table_name = 'iso28000.corrective_action'::regclass AND ca.org_id = e.org_id AND ca.corrective_action_id = e.record_id
 WHERE e.table_name IN ('iso28000.nonconformity'::regclass, 'iso28000.corrective_action'::regclass)
   AND e.to_state IS DISTINCT FROM coalesce(nc.status, ca.status)
UNION ALL
-- the history chain: gapless per organisation, its head at the last record
SELECT 'history chain has a gap or a stale head', h.org_id, h.seq, (SELECT count(*) FROM iso28000.history x WHERE x.org_id = h.org_id)::text
  FROM iso28000.history_head h
 WHERE h.seq <> (SELECT count(*) FROM iso28000.history x WHERE x.org_id = h.org_id)
    OR h.seq <> coalesce((SELECT max(seq) FROM iso28000.history x WHERE x.org_id = h.org_id), 0)
UNION ALL
-- every nonconformity has the INSERT that created it in its organisation's history
SELECT 'register row without its INSERT in the history', nc.org_id, nc.nonconformity_id, NULL FROM nc
 WHERE NOT EXISTS (SELECT FROM iso28000.history h
                    WHERE h.table_name = 'iso28000.nonconformity' AND h.operation = 'INSERT'
                      AND h.org_id = nc.org_id AND (h.row_key ->> 'nonconformity_id')::bigint = nc.nonconformity_id)
UNION ALL
-- 9.2 / 10.2: a finding graded minor_nc or major_nc has raised its nonconformity
SELECT 'nonconforming audit finding without its nonconformity', f.org_id, f.finding_id, f.grade::text
  FROM iso28000.audit_finding f
 WHERE f.grade IN ('minor_nc', 'major_nc')
   AND NOT EXISTS (SELECT FROM nc WHERE nc.org_id = f.org_id AND nc.nonconformity_id = f.nonconformity_id)
ORDER BY 1, 2, 3;
