-- Security incidents (ISO 28000 8.6, 9.1, 10.2; issue 15): the registers
-- (keys, pg_dump, every CHECK refusing with 23514 and a test that none is
-- left untested), the workflow (every legal step, the illegal ones, required
-- columns, level, frozen states, deletion), the closing guard (IS500 to
-- IS502), links of a closed incident (IS503), incidents and exercises raising
-- nonconformities and improvements with the link kept (IS504 to IS506), the
-- views, and row-level security with non-superuser members.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(107);

CREATE SCHEMA tap_in;
CREATE TABLE tap_in.ids (name text PRIMARY KEY, id bigint NOT NULL);
CREATE FUNCTION tap_in.id(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT id FROM tap_in.ids WHERE name = $1 $$;
GRANT USAGE ON SCHEMA tap_in TO PUBLIC;
GRANT SELECT, INSERT ON tap_in.ids TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA tap_in TO PUBLIC;

CREATE TABLE tap_in.registers (tbl text PRIMARY KEY);
INSERT INTO tap_in.registers VALUES ('security_incident'), ('incident_timeline_entry'), ('incident_node'),
  ('incident_process'), ('incident_risk'), ('incident_notification');

CREATE ROLE tap_in_mia NOLOGIN;     -- manages A
CREATE ROLE tap_in_wim NOLOGIN;     -- writes in A
CREATE ROLE tap_in_rob NOLOGIN;     -- reads A
CREATE ROLE tap_in_bob NOLOGIN;     -- manages B
INSERT INTO tap_in.ids SELECT 'a', iso28000.create_organization('IN-A', 'Port A', 'tap_in_mia');
INSERT INTO tap_in.ids SELECT 'b', iso28000.create_organization('IN-B', 'Carrier B', 'tap_in_bob');
SELECT iso28000.grant_access(tap_in.id('a'), 'tap_in_wim', 'write');
SELECT iso28000.grant_access(tap_in.id('a'), 'tap_in_rob', 'read');

-- People, a node, a process, two risks, a plan and two exercises of A (as superuser).
WITH p AS (INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES
             (tap_in.id('a'), 'Mia Manager', 'tap_in_mia'), (tap_in.id('a'), 'Wim Writer', 'tap_in_wim')
           RETURNING person_id, db_role)
INSERT INTO tap_in.ids SELECT db_role, person_id FROM p;
WITH n AS (INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind) VALUES (tap_in.id('a'), 'QUAY', 'Quay 1', 'site') RETURNING node_id)
INSERT INTO tap_in.ids SELECT 'node', node_id FROM n;
WITH n AS (INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (tap_in.id('a'), 'Gate control', tap_in.id('tap_in_mia')) RETURNING sms_process_id)
INSERT INTO tap_in.ids SELECT 'proc', sms_process_id FROM n;
WITH r AS (INSERT INTO iso28000.risk (org_id, reference, title, threat, identified_on) VALUES
             (tap_in.id('a'), 'R-1', 'Seal tampering', 'Thieves', current_date - 30),
             (tap_in.id('a'), 'R-2', 'Fictitious pickup', 'Fraudsters', current_date - 30)
           RETURNING risk_id, reference)
INSERT INTO tap_in.ids SELECT reference, risk_id FROM r;
UPDATE iso28000.risk SET status = 'assessed', inherent_rating = 'L5C5', owner_id = tap_in.id('tap_in_mia'), assessed_on = current_date - 20
 WHERE org_id = tap_in.id('a');
WITH s AS (INSERT INTO iso28000.security_plan (org_id, title, scenario, owner_id, response_structure, warning_communication, content, recovery)
           VALUES (tap_in.id('a'), 'Theft response', 'Cargo theft', tap_in.id('tap_in_mia'), 'Duty team', 'Call the police', 'Secure the site', 'Resume')
           RETURNING security_plan_id)
INSERT INTO tap_in.ids SELECT 'plan', security_plan_id FROM s;
WITH e AS (INSERT INTO iso28000.plan_exercise (org_id, security_plan_id, kind, held_on, objectives, outcome, findings, lessons)
           VALUES (tap_in.id('a'), tap_in.id('plan'), 'tabletop', current_date - 5, 'Call tree', 'partially_effective', 'Two numbers wrong', 'Check the call tree monthly')
           RETURNING exercise_id)
INSERT INTO tap_in.ids SELECT 'held', exercise_id FROM e;
WITH e AS (INSERT INTO iso28000.plan_exercise (org_id, security_plan_id, kind, planned_on, objectives)
           VALUES (tap_in.id('a'), tap_in.id('plan'), 'drill', current_date + 30, 'Evacuation') RETURNING exercise_id)
INSERT INTO tap_in.ids SELECT 'planned', exercise_id FROM e;

SELECT is((SELECT array_agg(r.tbl ORDER BY 1) FROM tap_in.registers r, pg_extension e
            WHERE e.extname = 'iso28000' AND NOT ('iso28000.' || r.tbl)::regclass::oid = ANY (e.extconfig)),
          NULL, 'every incident register is kept by pg_dump');
SELECT is((SELECT array_agg(r.tbl ORDER BY 1) FROM tap_in.registers r
            WHERE NOT EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = ('iso28000.' || r.tbl)::regclass AND t.tgname = 'iso28000_history_update')),
          NULL, 'every incident register is chained in the history');
SELECT is((SELECT array_agg(r.tbl ORDER BY 1) FROM tap_in.registers r JOIN pg_class c ON c.oid = ('iso28000.' || r.tbl)::regclass
            WHERE NOT (c.relrowsecurity AND c.relforcerowsecurity)),
          NULL, 'every incident register has row-level security, forced');
SELECT has_trigger('iso28000', 'security_incident', 'workflow_guard', 'the incident register runs on the workflow engine');

-- The whole way, as the writer Wim, closed by the manager Mia --------------
SET ROLE tap_in_wim;
WITH i AS (INSERT INTO iso28000.security_incident (org_id, reference, title, severity, detected_at, reported_at, reported_by,
                                                   authority_notification_required, authority_notify_by, security_plan_id, plan_activated_at)
           VALUES (tap_in.id('a'), 'INC-1', 'Seal found broken at gate-out', 'high', now() - interval '6 hours', now() - interval '5 hours',
                   tap_in.id('tap_in_wim'), true, now() + interval '18 hours', tap_in.id('plan'), now() - interval '5 hours')
           RETURNING incident_id, status)
INSERT INTO tap_in.ids SELECT 'inc', incident_id FROM i WHERE status = 'reported';
SELECT ok(tap_in.id('inc') IS NOT NULL, 'a writer reports an incident; it starts reported');
SELECT lives_ok($$INSERT INTO iso28000.incident_timeline_entry (org_id, incident_id, occurred_at, kind, entry, author_id)
                  VALUES (tap_in.id('a'), tap_in.id('inc'), now() - interval '6 hours', 'observation', 'Seal number does not match the manifest', tap_in.id('tap_in_wim'))$$,
                'a timeline entry is recorded');
SELECT lives_ok($$INSERT INTO iso28000.incident_node (org_id, incident_id, node_id, role) VALUES (tap_in.id('a'), tap_in.id('inc'), tap_in.id('node'), 'site')$$,
                'the site is linked');
SELECT lives_ok($$INSERT INTO iso28000.incident_process (org_id, incident_id, sms_process_id) VALUES (tap_in.id('a'), tap_in.id('inc'), tap_in.id('proc'))$$,
                'the process is linked');
SELECT lives_ok($$INSERT INTO iso28000.incident_risk (org_id, incident_id, risk_id) VALUES (tap_in.id('a'), tap_in.id('inc'), tap_in.id('R-1')),
                                                                                           (tap_in.id('a'), tap_in.id('inc'), tap_in.id('R-2'))$$,
                'two risks are linked, undecided');
SELECT is((SELECT notify_by IS NOT NULL AND NOT overdue FROM iso28000.incident_notification_due WHERE incident_id = tap_in.id('inc')), true,
          'the authority notification is due, not yet overdue');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'triaged' WHERE incident_id = tap_in.id('inc')$$,
                 'IS103', NULL, 'triaged needs an owner');
SELECT lives_ok($$UPDATE iso28000.security_incident SET status = 'triaged', owner_id = tap_in.id('tap_in_wim'), triage_note = 'High: plan activated'
                   WHERE incident_id = tap_in.id('inc')$$, 'reported -> triaged');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'investigated', investigation = 'x' WHERE incident_id = tap_in.id('inc')$$,
                 'IS102', NULL, 'triaged -> investigated skips containment');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'contained', contained_at = now() WHERE incident_id = tap_in.id('inc')$$,
                 'IS103', NULL, 'contained needs what was done');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'contained', containment = 'Container sealed again' WHERE incident_id = tap_in.id('inc')$$,
                 'IS103', NULL, 'contained needs when');
SELECT lives_ok($$UPDATE iso28000.security_incident SET status = 'contained', containment = 'Container held and resealed under police watch',
                                                        contained_at = now() - interval '3 hours'
                   WHERE incident_id = tap_in.id('inc')$$, 'triaged -> contained');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'lessons_learned', lessons_learned = 'x' WHERE incident_id = tap_in.id('inc')$$,
                 'IS102', NULL, 'contained -> lessons_learned skips the investigation');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'investigated' WHERE incident_id = tap_in.id('inc')$$,
                 'IS103', NULL, 'investigated needs the findings');
SELECT lives_ok($$UPDATE iso28000.security_incident SET status = 'investigated', investigation = 'Seal swapped during the night stop'
                   WHERE incident_id = tap_in.id('inc')$$, 'contained -> investigated');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'closed' WHERE incident_id = tap_in.id('inc')$$,
                 'IS102', NULL, 'investigated -> closed skips the lessons');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'lessons_learned', lessons_learned = ' ' WHERE incident_id = tap_in.id('inc')$$,
                 'IS103', NULL, 'lessons_learned needs the lessons, not blank');
SELECT lives_ok($$UPDATE iso28000.security_incident SET status = 'lessons_learned', lessons_learned = 'No unattended night stops; check seals at every handover'
                   WHERE incident_id = tap_in.id('inc')$$, 'investigated -> lessons_learned');
SELECT throws_ok($$UPDATE iso28000.security_incident SET lessons_learned = NULL WHERE incident_id = tap_in.id('inc')$$,
                 'IS103', NULL, 'the lessons stay while the incident is in lessons_learned');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'closed' WHERE incident_id = tap_in.id('inc')$$,
                 'IS106', NULL, 'a writer cannot close an incident (manage needed)');
SELECT lives_ok($$INSERT INTO iso28000.incident_notification (org_id, incident_id, recipient_kind, recipient, channel, content, sent_at, sent_by)
                  VALUES (tap_in.id('a'), tap_in.id('inc'), 'authority', 'Customs, duty officer', 'phone', 'Broken seal on container MSKU1234567; held at gate 2',
                          now() - interval '4 hours', tap_in.id('tap_in_wim'))$$,
                'the authority notification is logged');
SELECT is((SELECT count(*)::int FROM iso28000.incident_notification_due WHERE incident_id = tap_in.id('inc')), 0,
          'an incident notified to an authority is no longer due');
SELECT throws_ok($$UPDATE iso28000.incident_risk SET decision = 'confirmed', decided_on = current_date, decided_by = tap_in.id('tap_in_mia')
                   WHERE incident_id = tap_in.id('inc') AND risk_id = tap_in.id('R-2')$$,
                 'IS120', NULL, 'a decision names only the acting person as its decider');
RESET ROLE;

SET ROLE tap_in_mia;
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'closed' WHERE incident_id = tap_in.id('inc')$$,
                 'IS501', 'iso28000.security_incident (org_id, incident_id)=(' || tap_in.id('a') || ', ' || tap_in.id('inc')
                          || ') cannot close: no decision on risk ' || tap_in.id('R-1') || ', risk ' || tap_in.id('R-2'),
                 'closing with undecided risks is refused with IS501, naming the incident and the risks');
UPDATE iso28000.incident_risk SET decision = 'reassess', decided_on = current_date, decision_note = 'Night stops not in the assessment'
 WHERE incident_id = tap_in.id('inc') AND risk_id = tap_in.id('R-1');
UPDATE iso28000.incident_risk SET decision = 'confirmed', decided_on = current_date, decided_by = tap_in.id('tap_in_mia')
 WHERE incident_id = tap_in.id('inc') AND risk_id = tap_in.id('R-2');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'closed' WHERE incident_id = tap_in.id('inc')$$,
                 'IS502', NULL, 'a risk to re-assess that was not assessed since the report blocks closing (IS502)');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'closed', lessons_learned = NULL WHERE incident_id = tap_in.id('inc')$$,
                 'IS500', NULL, 'closing while blanking the lessons is refused (IS500)');
UPDATE iso28000.risk SET assessed_on = current_date, inherent_rating = 'L7C5' WHERE risk_id = tap_in.id('R-1');
SELECT lives_ok($$UPDATE iso28000.security_incident SET status = 'closed', status_note = 'Lessons taken into the gate procedure'
                   WHERE incident_id = tap_in.id('inc')$$, 'lessons_learned -> closed by a manager once every risk is decided');
SELECT is((SELECT decided_by FROM iso28000.incident_risk WHERE incident_id = tap_in.id('inc') AND risk_id = tap_in.id('R-2')),
          tap_in.id('tap_in_mia'), 'the decider is the acting person');
SELECT throws_ok($$UPDATE iso28000.security_incident SET title = 'Rewritten' WHERE incident_id = tap_in.id('inc')$$,
                 'IS105', NULL, 'a closed incident is frozen');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'investigated' WHERE incident_id = tap_in.id('inc')$$,
                 'IS102', NULL, 'a closed incident does not reopen');
SELECT throws_ok($$DELETE FROM iso28000.security_incident WHERE incident_id = tap_in.id('inc')$$,
                 'IS107', NULL, 'an incident is never deleted');
SELECT throws_ok($$UPDATE iso28000.incident_risk SET decision = NULL, decided_on = NULL WHERE incident_id = tap_in.id('inc')$$,
                 'IS503', NULL, 'the risk decisions of a closed incident are kept (IS503)');
SELECT throws_ok($$INSERT INTO iso28000.incident_node (org_id, incident_id, node_id) VALUES (tap_in.id('a'), tap_in.id('inc'), tap_in.id('node'))$$,
                 'IS503', NULL, 'no node is linked to a closed incident');
SELECT throws_ok($$DELETE FROM iso28000.incident_process WHERE incident_id = tap_in.id('inc')$$,
                 'IS503', NULL, 'no process is unlinked from a closed incident');
SELECT lives_ok($$INSERT INTO iso28000.incident_timeline_entry (org_id, incident_id, kind, entry)
                  VALUES (tap_in.id('a'), tap_in.id('inc'), 'communication', 'Customs confirmed the case is closed')$$,
                'the timeline still takes what came later');
RESET ROLE;

-- Other steps: dismissal, illegal moves ------------------------------------
SET ROLE tap_in_wim;
WITH i AS (INSERT INTO iso28000.security_incident (org_id, title, severity) VALUES (tap_in.id('a'), 'Alarm at gate 3', 'low') RETURNING incident_id)
INSERT INTO tap_in.ids SELECT 'inc2', incident_id FROM i;
WITH i AS (INSERT INTO iso28000.security_incident (org_id, title, severity) VALUES (tap_in.id('a'), 'Stranger on the quay', 'medium') RETURNING incident_id)
INSERT INTO tap_in.ids SELECT 'inc3', incident_id FROM i;
SELECT throws_ok($$INSERT INTO iso28000.security_incident (org_id, title, severity, status, owner_id) VALUES (tap_in.id('a'), 'x', 'low', 'triaged', tap_in.id('tap_in_wim'))$$,
                 'IS102', NULL, 'an incident is not inserted triaged');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'contained', containment = 'x', contained_at = now() WHERE incident_id = tap_in.id('inc2')$$,
                 'IS102', NULL, 'reported -> contained skips triage');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'closed', lessons_learned = 'x' WHERE incident_id = tap_in.id('inc2')$$,
                 'IS102', NULL, 'reported -> closed is not a step');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'solved' WHERE incident_id = tap_in.id('inc2')$$,
                 'IS101', NULL, 'an unknown state is refused');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'dismissed' WHERE incident_id = tap_in.id('inc2')$$,
                 'IS103', NULL, 'dismissed needs the reason');
SELECT lives_ok($$UPDATE iso28000.security_incident SET status = 'dismissed', dismissal_reason = 'A bird set off the sensor'
                   WHERE incident_id = tap_in.id('inc2')$$, 'reported -> dismissed');
SELECT throws_ok($$UPDATE iso28000.security_incident SET status = 'triaged', owner_id = tap_in.id('tap_in_wim') WHERE incident_id = tap_in.id('inc2')$$,
                 'IS102', NULL, 'a dismissed incident stays dismissed');
SELECT throws_ok($$INSERT INTO iso28000.incident_risk (org_id, incident_id, risk_id) VALUES (tap_in.id('a'), tap_in.id('inc2'), tap_in.id('R-1'))$$,
                 'IS503', NULL, 'no risk is linked to a dismissed incident');
SELECT lives_ok($$UPDATE iso28000.security_incident SET status = 'triaged', owner_id = tap_in.id('tap_in_wim') WHERE incident_id = tap_in.id('inc3')$$,
                'reported -> triaged (second incident)');
SELECT lives_ok($$UPDATE iso28000.security_incident SET status = 'dismissed', dismissal_reason = 'A visiting pilot with a valid pass'
                   WHERE incident_id = tap_in.id('inc3')$$, 'triaged -> dismissed');
SELECT throws_ok($$DELETE FROM iso28000.security_incident WHERE incident_id = tap_in.id('inc3')$$,
                 'IS107', NULL, 'a dismissed incident is never deleted');
RESET ROLE;

-- Incidents and exercises raise nonconformities and improvements -----------
SET ROLE tap_in_wim;
SELECT lives_ok($$INSERT INTO tap_in.ids SELECT 'nc', iso28000.incident_raise_nonconformity(tap_in.id('a'), tap_in.id('inc'), 'major')$$,
                'the incident raises a nonconformity');
SELECT results_eq($$SELECT incident_id, source, severity, reported_by, status FROM iso28000.nonconformity WHERE nonconformity_id = tap_in.id('nc')$$,
                  $$VALUES (tap_in.id('inc'), 'incident'::text, 'major'::text, tap_in.id('tap_in_wim'), 'reported'::text)$$,
                  'linked to its incident, source incident, reported by the acting person');
SELECT lives_ok($$INSERT INTO tap_in.ids SELECT 'imp', iso28000.incident_raise_improvement(tap_in.id('a'), tap_in.id('inc'))$$,
                'the incident raises an improvement');
SELECT results_eq($$SELECT incident_id, source, description FROM iso28000.improvement WHERE improvement_id = tap_in.id('imp')$$,
                  $$VALUES (tap_in.id('inc'), 'incident'::text, 'No unattended night stops; check seals at every handover'::text)$$,
                  'linked to its incident and described by the lessons learned');
SELECT throws_ok($$SELECT iso28000.incident_raise_nonconformity(tap_in.id('a'), tap_in.id('inc2'))$$,
                 'IS506', NULL, 'a dismissed incident raises no nonconformity');
SELECT throws_ok($$SELECT iso28000.incident_raise_improvement(tap_in.id('a'), tap_in.id('inc3'))$$,
                 'IS506', NULL, 'nor an improvement');
SELECT throws_ok($$SELECT iso28000.incident_raise_nonconformity(tap_in.id('a'), -1)$$,
                 'IS504', NULL, 'an incident that does not exist raises nothing');
SELECT lives_ok($$INSERT INTO tap_in.ids SELECT 'nc_ex', iso28000.exercise_raise_nonconformity(tap_in.id('a'), tap_in.id('held'))$$,
                'a held exercise raises a nonconformity');
SELECT results_eq($$SELECT exercise_id, source, clause::text, detected_on FROM iso28000.nonconformity WHERE nonconformity_id = tap_in.id('nc_ex')$$,
                  $$VALUES (tap_in.id('held'), 'exercise'::text, '8.6'::text, current_date - 5)$$,
                  'linked to its exercise, clause 8.6, detected the day it was held');
SELECT lives_ok($$INSERT INTO tap_in.ids SELECT 'imp_ex', iso28000.exercise_raise_improvement(tap_in.id('a'), tap_in.id('held'), 'Monthly call-tree check')$$,
                'a held exercise raises an improvement');
SELECT results_eq($$SELECT exercise_id, source, title, description FROM iso28000.improvement WHERE improvement_id = tap_in.id('imp_ex')$$,
                  $$VALUES (tap_in.id('held'), 'exercise'::text, 'Monthly call-tree check'::text, 'Check the call tree monthly'::text)$$,
                  'linked to its exercise, with the title given and the lessons');
SELECT throws_ok($$SELECT iso28000.exercise_raise_improvement(tap_in.id('a'), tap_in.id('planned'))$$,
                 'IS505', NULL, 'an exercise not yet held raises nothing');
SELECT throws_ok($$SELECT iso28000.exercise_raise_nonconformity(tap_in.id('a'), -1)$$,
                 'IS504', NULL, 'an exercise that does not exist raises nothing');
RESET ROLE;

SET ROLE tap_in_bob;
SELECT throws_ok($$SELECT iso28000.incident_raise_nonconformity(tap_in.id('a'), tap_in.id('inc'))$$,
                 'IS504', NULL, 'B''s manager cannot raise from A''s incident: it is not visible to him');
SELECT throws_ok($$SELECT iso28000.exercise_raise_improvement(tap_in.id('a'), tap_in.id('held'))$$,
                 'IS504', NULL, 'nor from A''s exercise');
RESET ROLE;

-- Views --------------------------------------------------------------------
SET ROLE tap_in_wim;
WITH i AS (INSERT INTO iso28000.security_incident (org_id, title, severity, detected_at, reported_at, authority_notification_required, authority_notify_by)
           VALUES (tap_in.id('a'), 'Fence cut at the reefer yard', 'critical', now() - interval '3 days', now() - interval '3 days', true, now() - interval '1 day')
           RETURNING incident_id)
INSERT INTO tap_in.ids SELECT 'inc4', incident_id FROM i;
INSERT INTO iso28000.incident_node (org_id, incident_id, node_id, role) VALUES (tap_in.id('a'), tap_in.id('inc4'), tap_in.id('node'), 'affected');
INSERT INTO iso28000.incident_risk (org_id, incident_id, risk_id) VALUES (tap_in.id('a'), tap_in.id('inc4'), tap_in.id('R-1'));
RESET ROLE;
SET ROLE tap_in_rob;
SELECT results_eq($$SELECT incident_id, severity_rank, age_days, risks_undecided::int FROM iso28000.security_incident_open WHERE org_id = tap_in.id('a')$$,
                  $$VALUES (tap_in.id('inc4'), 4, 3, 1)$$,
                  'security_incident_open: only the open incident, critical, three days old, one risk undecided');
SELECT results_eq($$SELECT severity, contained_count, median_hours FROM iso28000.security_incident_time_to_contain WHERE org_id = tap_in.id('a')$$,
                  $$VALUES ('high'::text, 1::bigint, 3.0::numeric)$$,
                  'security_incident_time_to_contain: the contained incident took three hours from detection');
SELECT results_eq($$SELECT node_code, incident_count, open_count, as_site_count, max_severity_rank FROM iso28000.security_incident_by_node WHERE org_id = tap_in.id('a')$$,
                  $$VALUES ('QUAY'::text, 2::bigint, 1::bigint, 1::bigint, 4)$$,
                  'security_incident_by_node: two incidents at the quay, one open, one as the site, the worst critical');
SELECT results_eq($$SELECT risk_reference, incident_count, reassess_count, confirmed_count, undecided_count FROM iso28000.security_incident_by_risk
                     WHERE org_id = tap_in.id('a') ORDER BY risk_reference$$,
                  $$VALUES ('R-1'::text, 2::bigint, 1::bigint, 0::bigint, 1::bigint), ('R-2'::text, 1::bigint, 0::bigint, 1::bigint, 0::bigint)$$,
                  'security_incident_by_risk: decisions per risk');
SELECT results_eq($$SELECT incident_id, overdue FROM iso28000.incident_notification_due WHERE org_id = tap_in.id('a')$$,
                  $$VALUES (tap_in.id('inc4'), true)$$,
                  'incident_notification_due: the unnotified incident, past its deadline');
SELECT is((SELECT count(*)::int FROM iso28000.incident_timeline_entry WHERE incident_id = tap_in.id('inc')), 2, 'a reader sees the timeline');
SELECT throws_ok($$INSERT INTO iso28000.security_incident (org_id, title, severity) VALUES (tap_in.id('a'), 'x', 'low')$$,
                 '42501', NULL, 'a reader cannot report an incident');
SELECT throws_ok($$INSERT INTO iso28000.incident_notification (org_id, incident_id, recipient_kind, recipient, content) VALUES (tap_in.id('a'), tap_in.id('inc4'), 'authority', 'Police', 'x')$$,
                 '42501', NULL, 'a reader cannot log a notification');
RESET ROLE;

-- Tenant isolation -----------------------------------------------------------
CREATE FUNCTION tap_in.visible(tbl text, org bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM iso28000.%I WHERE org_id = $1', tbl) INTO n USING org;
  RETURN n;
END $$;
CREATE FUNCTION tap_in.changed(tbl text, org bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('UPDATE iso28000.%I SET org_id = org_id WHERE org_id = $1', tbl) USING org;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA tap_in TO PUBLIC;
GRANT SELECT ON tap_in.registers TO PUBLIC;
SET ROLE tap_in_rob;
SELECT is((SELECT array_agg(tbl ORDER BY tbl) FROM tap_in.registers WHERE tap_in.visible(tbl, tap_in.id('a')) = 0),
          NULL, 'A''s reader sees A''s rows in every incident register');
RESET ROLE;
SET ROLE tap_in_bob;
SELECT is((SELECT array_agg(tbl ORDER BY tbl) FROM tap_in.registers WHERE tap_in.visible(tbl, tap_in.id('a')) > 0),
          NULL, 'B''s manager sees none of A''s rows in any incident register');
SELECT is((SELECT array_agg(tbl ORDER BY tbl) FROM tap_in.registers WHERE tap_in.changed(tbl, tap_in.id('a')) > 0),
          NULL, 'B''s manager updates none of A''s rows');
SELECT is((SELECT count(*)::int FROM iso28000.security_incident_open WHERE org_id = tap_in.id('a')), 0, 'nor sees them through the views');
SELECT throws_ok($$INSERT INTO iso28000.security_incident (org_id, title, severity) VALUES (tap_in.id('a'), 'x', 'low')$$,
                 '42501', NULL, 'B''s manager cannot report an incident of A');
SELECT throws_ok($$INSERT INTO iso28000.security_incident (org_id, title, severity, owner_id) VALUES (tap_in.id('b'), 'x', 'low', tap_in.id('tap_in_mia'))$$,
                 '23503', NULL, 'an incident of B cannot be owned by a person of A');
RESET ROLE;

-- CHECK constraints: every one refuses, with 23514 and its name --------------
CREATE TEMP TABLE check_case (con text PRIMARY KEY, tbl text NOT NULL, stmt text NOT NULL);
INSERT INTO check_case VALUES
  ('security_incident_kind_valid', 'security_incident', $$INSERT INTO iso28000.security_incident (org_id, title, severity, kind) VALUES (tap_in.id('a'), 't', 'low', 'rumour')$$),
  ('security_incident_title_present', 'security_incident', $$INSERT INTO iso28000.security_incident (org_id, title, severity) VALUES (tap_in.id('a'), ' ', 'low')$$),
  ('security_incident_severity_valid', 'security_incident', $$INSERT INTO iso28000.security_incident (org_id, title, severity) VALUES (tap_in.id('a'), 't', 'huge')$$),
  ('security_incident_detected_after_occurred', 'security_incident', $$INSERT INTO iso28000.security_incident (org_id, title, severity, occurred_at) VALUES (tap_in.id('a'), 't', 'low', now() + interval '1 hour')$$),
  ('security_incident_reported_after_detected', 'security_incident', $$INSERT INTO iso28000.security_incident (org_id, title, severity, detected_at, reported_at) VALUES (tap_in.id('a'), 't', 'low', now(), now() - interval '1 hour')$$),
  ('security_incident_contained_after_detected', 'security_incident', $$INSERT INTO iso28000.security_incident (org_id, title, severity, contained_at) VALUES (tap_in.id('a'), 't', 'low', now() - interval '1 hour')$$),
  ('security_incident_activation_needs_plan', 'security_incident', $$INSERT INTO iso28000.security_incident (org_id, title, severity, plan_activated_at) VALUES (tap_in.id('a'), 't', 'low', now())$$),
  ('security_incident_notify_by_needs_requirement', 'security_incident', $$INSERT INTO iso28000.security_incident (org_id, title, severity, authority_notify_by) VALUES (tap_in.id('a'), 't', 'low', now())$$),
  ('incident_timeline_entry_kind_valid', 'incident_timeline_entry', $$INSERT INTO iso28000.incident_timeline_entry (org_id, incident_id, kind, entry) VALUES (tap_in.id('a'), tap_in.id('inc4'), 'gossip', 'e')$$),
  ('incident_timeline_entry_text_present', 'incident_timeline_entry', $$INSERT INTO iso28000.incident_timeline_entry (org_id, incident_id, entry) VALUES (tap_in.id('a'), tap_in.id('inc4'), '')$$),
  ('incident_node_role_valid', 'incident_node', $$UPDATE iso28000.incident_node SET role = 'victim' WHERE incident_id = tap_in.id('inc4')$$),
  ('incident_risk_decision_valid', 'incident_risk', $$UPDATE iso28000.incident_risk SET decision = 'ignore', decided_on = current_date WHERE incident_id = tap_in.id('inc4')$$),
  ('incident_risk_decision_complete', 'incident_risk', $$UPDATE iso28000.incident_risk SET decision = 'confirmed' WHERE incident_id = tap_in.id('inc4')$$),
  ('incident_notification_recipient_kind_valid', 'incident_notification', $$INSERT INTO iso28000.incident_notification (org_id, incident_id, recipient_kind, recipient, content) VALUES (tap_in.id('a'), tap_in.id('inc4'), 'press', 'r', 'c')$$),
  ('incident_notification_recipient_present', 'incident_notification', $$INSERT INTO iso28000.incident_notification (org_id, incident_id, recipient_kind, recipient, content) VALUES (tap_in.id('a'), tap_in.id('inc4'), 'partner', ' ', 'c')$$),
  ('incident_notification_content_present', 'incident_notification', $$INSERT INTO iso28000.incident_notification (org_id, incident_id, recipient_kind, recipient, content) VALUES (tap_in.id('a'), tap_in.id('inc4'), 'partner', 'r', '')$$),
  ('incident_notification_acknowledged_after_sent', 'incident_notification', $$INSERT INTO iso28000.incident_notification (org_id, incident_id, recipient_kind, recipient, content, sent_at, acknowledged_at) VALUES (tap_in.id('a'), tap_in.id('inc4'), 'partner', 'r', 'c', now(), now() - interval '1 minute')$$);
SELECT throws_ok(stmt, '23514', format('new row for relation "%s" violates check constraint "%s"', tbl, con), 'check ' || con || ' refuses')
  FROM check_case ORDER BY con;
SELECT is(
  (SELECT array_agg(conname::text ORDER BY 1) FROM pg_constraint k
    WHERE contype = 'c' AND conrelid IN (SELECT ('iso28000.' || tbl)::regclass FROM tap_in.registers)
      AND conname NOT IN (SELECT con FROM check_case)),
  NULL, 'every CHECK constraint of the incident registers has a refusing test');
SELECT throws_ok($$INSERT INTO iso28000.incident_node (org_id, incident_id, node_id) VALUES (tap_in.id('a'), tap_in.id('inc4'), tap_in.id('node'))$$,
                 '23505', NULL, 'a node is linked to an incident once');
SELECT throws_ok($$INSERT INTO iso28000.nonconformity (org_id, title, severity, source) VALUES (tap_in.id('a'), 't', 'minor', 'rumour')$$,
                 '23514', NULL, 'the sources of a nonconformity are still checked');
SELECT lives_ok($$INSERT INTO iso28000.improvement (org_id, title, source) VALUES (tap_in.id('a'), 'From the drill', 'exercise')$$,
                'an improvement may come from an exercise');

-- pg_temp.fields_detail(): 'SQLSTATE schema.table.column detail [constraint name]' of the error a statement raises.
\ir include/fields.sql
WITH i AS (INSERT INTO iso28000.security_incident (org_id, title, severity, detected_at, reported_at, owner_id)
           VALUES (tap_in.id('a'), 'Forged pickup order', 'medium', now() - interval '1 day', now() - interval '1 day', tap_in.id('tap_in_wim'))
           RETURNING incident_id)
INSERT INTO tap_in.ids SELECT 'inc5', incident_id FROM i;
UPDATE iso28000.security_incident SET status = 'triaged' WHERE incident_id = tap_in.id('inc5');
UPDATE iso28000.security_incident SET status = 'contained', containment = 'Load recalled', contained_at = now() WHERE incident_id = tap_in.id('inc5');
UPDATE iso28000.security_incident SET status = 'investigated', investigation = 'Forged e-mail order' WHERE incident_id = tap_in.id('inc5');
UPDATE iso28000.security_incident SET status = 'lessons_learned', lessons_learned = 'Call back on the contract number' WHERE incident_id = tap_in.id('inc5');
INSERT INTO iso28000.incident_risk (org_id, incident_id, risk_id) VALUES (tap_in.id('a'), tap_in.id('inc5'), tap_in.id('R-2'));
SELECT is(pg_temp.fields_detail(format($$UPDATE iso28000.security_incident SET status = 'closed', lessons_learned = NULL WHERE incident_id = %s$$, tap_in.id('inc5'))),
          'IS500 iso28000.security_incident.lessons_learned detail', 'IS500 names security_incident.lessons_learned');
SELECT is(pg_temp.fields_detail(format($$UPDATE iso28000.security_incident SET status = 'closed' WHERE incident_id = %s$$, tap_in.id('inc5'))),
          'IS501 iso28000.incident_risk.decision detail', 'IS501 names incident_risk.decision');
UPDATE iso28000.incident_risk SET decision = 'reassess', decided_on = current_date WHERE incident_id = tap_in.id('inc5');
SELECT is(pg_temp.fields_detail(format($$UPDATE iso28000.security_incident SET status = 'closed' WHERE incident_id = %s$$, tap_in.id('inc5'))),
          'IS502 iso28000.risk.assessed_on detail', 'IS502 names risk.assessed_on');
SELECT is(pg_temp.fields_detail(format($$INSERT INTO iso28000.incident_node (org_id, incident_id, node_id) VALUES (%s, %s, %s)$$,
                                tap_in.id('a'), tap_in.id('inc'), tap_in.id('node'))),
          'IS503 iso28000.incident_node.incident_id detail', 'IS503 names the link table and incident_id');
SELECT is(pg_temp.fields_detail(format($$SELECT iso28000.incident_raise_improvement(%s, -1)$$, tap_in.id('a'))),
          'IS504 iso28000.security_incident.incident_id no detail', 'IS504 names security_incident.incident_id');
SELECT is(pg_temp.fields_detail(format($$SELECT iso28000.exercise_raise_nonconformity(%s, %s)$$, tap_in.id('a'), tap_in.id('planned'))),
          'IS505 iso28000.plan_exercise.outcome no detail', 'IS505 names plan_exercise.outcome');
SELECT is(pg_temp.fields_detail(format($$SELECT iso28000.incident_raise_nonconformity(%s, %s)$$, tap_in.id('a'), tap_in.id('inc2'))),
          'IS506 iso28000.security_incident.status detail', 'IS506 names security_incident.status');

SELECT * FROM finish();
ROLLBACK;
