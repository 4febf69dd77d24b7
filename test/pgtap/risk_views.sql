-- Views over the registers of clauses 4-6 and 8.4/8.5, on small hand-checked
-- data: heat map, top risks, appetite, risks without treatment, overdue
-- reviews, objective status, obligations and control tests due, role holders;
-- and that a reader sees only their organisation in every view.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(25);

CREATE SCHEMA tap_rv;
CREATE TABLE tap_rv.ids (name text PRIMARY KEY, id bigint NOT NULL);
CREATE FUNCTION tap_rv.id(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT id FROM tap_rv.ids WHERE name = $1 $$;
GRANT USAGE ON SCHEMA tap_rv TO PUBLIC;
GRANT SELECT ON tap_rv.ids TO PUBLIC;

CREATE ROLE tap_rv_alice NOLOGIN;
CREATE ROLE tap_rv_bob NOLOGIN;
INSERT INTO tap_rv.ids SELECT 'a', iso28000.create_organization('RV-A', 'Port A', 'tap_rv_alice');
INSERT INTO tap_rv.ids SELECT 'b', iso28000.create_organization('RV-B', 'Carrier B', 'tap_rv_bob');
WITH p AS (INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (tap_rv.id('a'), 'Alice', 'tap_rv_alice') RETURNING person_id)
INSERT INTO tap_rv.ids SELECT 'alice', person_id FROM p;
WITH p AS (INSERT INTO iso28000.person (org_id, full_name) VALUES (tap_rv.id('b'), 'Bob') RETURNING person_id)
INSERT INTO tap_rv.ids SELECT 'bob', person_id FROM p;

-- Risks of A (statuses set directly by the superuser, as a migration would).
ALTER TABLE iso28000.risk DISABLE TRIGGER USER;
INSERT INTO iso28000.risk (org_id, reference, kind, title, threat, inherent_rating, residual_rating, treatment, status, review_on, identified_on)
VALUES (tap_rv.id('a'), 'R-1', 'risk', 'Theft',     'crime',  'L6C7', 'L3C7', 'reduce', 'treated',  current_date + 10, date '2026-01-01'),
       (tap_rv.id('a'), 'R-2', 'risk', 'Tampering', 'crime',  'L6C7', NULL,   NULL,     'assessed', current_date - 5,  date '2026-01-01'),
       (tap_rv.id('a'), 'R-3', 'risk', 'Drone',     'hobby',  'L2C4', NULL,   'accept', 'assessed', NULL,              date '2026-01-01'),
       (tap_rv.id('a'), 'R-4', 'risk', 'Old',       'gone',   'L9C9', NULL,   NULL,     'closed',   current_date - 99, date '2026-01-01'),
       (tap_rv.id('a'), 'O-1', 'opportunity', 'Shared scanner', NULL, 'L5C5', NULL, 'exploit', 'assessed', NULL, date '2026-01-01'),
       (tap_rv.id('a'), 'R-5', 'risk', 'Cyber',     'malware','L1C10', NULL,  'transfer', 'assessed', NULL,            date '2026-01-01'),
       (tap_rv.id('b'), 'B-1', 'risk', 'Piracy',    'pirates','L9C9', NULL,   NULL,     'assessed', current_date - 1,  date '2026-01-01');
ALTER TABLE iso28000.risk ENABLE TRIGGER USER;
INSERT INTO iso28000.control (org_id, code, title, control_type, nature, implemented_on, test_interval)
VALUES (tap_rv.id('a'), 'C-1', 'Fence', 'preventive', 'physical', date '2026-01-01', interval '6 months'),
       (tap_rv.id('a'), 'C-2', 'Guards', 'deterrent', 'personnel', date '2026-01-01', interval '1 month'),
       (tap_rv.id('a'), 'C-3', 'Planned', 'detective', 'technical', NULL, interval '1 month');
INSERT INTO iso28000.risk_treatment (org_id, risk_id, control_id)
SELECT r.org_id, r.risk_id, c.control_id FROM iso28000.risk r, iso28000.control c WHERE r.reference = 'R-1' AND c.code = 'C-1';
INSERT INTO iso28000.risk_treatment (org_id, risk_id, control_id, cancelled_on)
SELECT r.org_id, r.risk_id, c.control_id, current_date FROM iso28000.risk r, iso28000.control c WHERE r.reference = 'R-5' AND c.code = 'C-2';
INSERT INTO iso28000.control_test (org_id, control_id, tested_on, method, result)
SELECT org_id, control_id, current_date - 10, 'inspection', 'effective' FROM iso28000.control WHERE code = 'C-1';
INSERT INTO iso28000.control_test (org_id, control_id, tested_on, method, result, findings)
SELECT org_id, control_id, current_date - 40, 'observation', 'ineffective', 'Guard asleep' FROM iso28000.control WHERE code = 'C-2';
INSERT INTO iso28000.risk_band_cell (org_id, rating, band) VALUES (tap_rv.id('a'), 'L1C10', 'critical');
INSERT INTO iso28000.risk_appetite (org_id, statement, max_band, effective_on)
VALUES (tap_rv.id('a'), 'Low only, from next year', 'low', current_date + 365),
       (tap_rv.id('a'), 'Medium at most', 'medium', current_date - 365);

SET ROLE tap_rv_alice;

-- Heat map
SELECT is((SELECT count(*)::int FROM iso28000.risk_heat_map), 200, 'the heat map has 2 x 100 cells for the one organisation A sees');
SELECT results_eq(
  $$SELECT rating_kind || ' ' || rating::text || ' ' || band || ' ' || risk_count FROM iso28000.risk_heat_map
     WHERE risk_count > 0 ORDER BY rating_kind, score DESC, consequence DESC$$,
  ARRAY['inherent L6C7 high 2', 'inherent L5C5 medium 1', 'inherent L1C10 critical 1', 'inherent L2C4 low 1', 'residual L3C7 medium 1'],
  'open risks per cell, inherent and residual, closed risks left out, the organisation''s own band for L1C10');
SELECT is((SELECT band FROM iso28000.risk_heat_map WHERE rating::text = 'L1C10' AND rating_kind = 'residual'), 'critical',
          'empty cells carry the organisation''s band too');

SELECT results_eq($$SELECT reference || ' ' || coalesce(current_rating::text, '-') || ' ' || band FROM iso28000.risk_open ORDER BY reference$$,
                  ARRAY['O-1 L5C5 medium', 'R-1 L3C7 medium', 'R-2 L6C7 high', 'R-3 L2C4 low', 'R-5 L1C10 critical'],
                  'risk_open: open risks and opportunities, current rating, the organisation''s band');
SELECT set_eq($$SELECT * FROM iso28000.open_risk$$, $$SELECT * FROM iso28000.risk_open$$,
              'open_risk, the name release 0.1.0 shipped, is an alias of risk_open with the same rows as the same role');

RESET ROLE;
INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable, description)
VALUES ('risk', 'transferred_out', false, true, true, false, 'A terminal state an organisation adds');
ALTER TABLE iso28000.risk DISABLE TRIGGER USER;   -- move R-3 outside the workflow, as a migration would
UPDATE iso28000.risk SET status = 'transferred_out' WHERE reference = 'R-3';
SET ROLE tap_rv_alice;
SELECT is((SELECT count(*)::int FROM iso28000.risk_open WHERE reference = 'R-3'), 0,
          'a risk in a terminal state added to the workflow rules is no longer open');
RESET ROLE;
UPDATE iso28000.risk SET status = 'assessed' WHERE reference = 'R-3';
ALTER TABLE iso28000.risk ENABLE TRIGGER USER;
DELETE FROM iso28000.workflow_state WHERE state = 'transferred_out';
SET ROLE tap_rv_alice;

-- Top risks (risks only, current rating = residual else inherent)
SELECT results_eq(
  $$SELECT reference || ' ' || current_rating::text || ' ' || risk_rank FROM iso28000.top_risk ORDER BY risk_rank, reference$$,
  ARRAY['R-2 L6C7 1', 'R-1 L3C7 2', 'R-5 L1C10 3', 'R-3 L2C4 4'],
  'top risks ranked by current rating, opportunities and closed risks excluded');
SELECT is((SELECT band FROM iso28000.top_risk WHERE reference = 'R-5'), 'critical', 'top_risk uses the organisation''s matrix');

-- Appetite (medium today; the future low appetite does not apply yet)
SELECT results_eq(
  $$SELECT reference || ' ' || band || ' > ' || appetite_band FROM iso28000.risk_above_appetite ORDER BY reference$$,
  ARRAY['R-2 high > medium', 'R-5 critical > medium'],
  'risks above today''s appetite');
SELECT is(iso28000.appetite_band(tap_rv.id('a'), current_date + 400), 'low', 'the future appetite applies from its date');
SELECT ok(iso28000.within_appetite(tap_rv.id('a'), 'L3C7') AND NOT iso28000.within_appetite(tap_rv.id('a'), 'L6C7'),
          'within_appetite follows the current appetite');
SELECT is(iso28000.within_appetite(tap_rv.id('b'), 'L1C1'), NULL::boolean, 'no appetite, no answer');

-- Without treatment: R-2 has no decision; R-5 transfer with only a cancelled treatment; O-1 exploit with none
SELECT results_eq(
  $$SELECT reference || ' ' || reason FROM iso28000.risk_without_treatment ORDER BY reference$$,
  ARRAY['O-1 no_control', 'R-2 no_decision', 'R-5 no_control'],
  'risks without a decision, or without a live treatment for reduce, transfer, exploit');

-- Past review
SELECT results_eq($$SELECT reference || ' ' || days_overdue FROM iso28000.risk_past_review$$, ARRAY['R-2 5'],
                  'open risks past their review date (closed R-4 is not listed)');

-- Control tests: C-2 tested 40 days ago monthly; C-1 current; C-3 not in operation
SELECT results_eq($$SELECT code || ' ' || reason FROM iso28000.control_test_due$$, ARRAY['C-2 overdue'],
                  'controls whose test is overdue');
UPDATE iso28000.control SET implemented_on = date '2026-01-01' WHERE code = 'C-3';
SELECT results_eq($$SELECT code || ' ' || reason FROM iso28000.control_test_due ORDER BY code$$, ARRAY['C-2 overdue', 'C-3 never_tested'],
                  'a control put in operation and never tested is due');
RESET ROLE;

-- Objectives
INSERT INTO iso28000.objective (org_id, title, target, unit, direction, baseline, baseline_on, set_on, due_on, owner_id, evaluation_method)
VALUES (tap_rv.id('a'), 'Seal checks', 100, '%', 'increase', 80, date '2026-01-01', date '2026-01-01', current_date + 200, tap_rv.id('alice'), 'audit'),
       (tap_rv.id('a'), 'Incidents', 2, 'incidents', 'decrease', 10, date '2026-01-01', date '2026-01-01', current_date + 10, tap_rv.id('alice'), 'count'),
       (tap_rv.id('a'), 'Response time', 15, 'minutes', 'maintain', NULL, NULL, date '2026-01-01', current_date - 1, tap_rv.id('alice'), 'drills'),
       (tap_rv.id('a'), 'Unmeasured', 1, 'x', 'increase', NULL, NULL, date '2026-01-01', current_date + 100, tap_rv.id('alice'), 'm');
INSERT INTO iso28000.objective_measurement (org_id, objective_id, measured_on, value)
SELECT o.org_id, o.objective_id, m.d, m.v
  FROM iso28000.objective o
  JOIN (VALUES ('Seal checks', date '2026-02-01', 90), ('Seal checks', date '2026-03-01', 85),
               ('Incidents', date '2026-02-01', 6), ('Incidents', date '2026-03-01', 2),
               ('Response time', date '2026-02-01', 18), ('Response time', date '2026-03-01', 16)) AS m(t, d, v) ON m.t = o.title;
SET ROLE tap_rv_alice;
SELECT results_eq(
  $$SELECT title || ' ' || coalesce(latest_value::text, '-') || ' ' || coalesce(target_met::text, '-') || ' ' || coalesce(progress_pct::text, '-')
           || ' ' || coalesce(trend, '-') || ' ' || schedule_status
      FROM iso28000.objective_status ORDER BY title$$,
  ARRAY['Incidents 2 true 100.0 improving due',
        'Response time 16 false - improving overdue',
        'Seal checks 85 false 25.0 worsening on_schedule',
        'Unmeasured - - - - on_schedule'],
  'objective status: latest value against target, progress, trend by direction, schedule');
RESET ROLE;

-- Obligations
INSERT INTO iso28000.obligation (org_id, title, kind, evaluation_interval)
VALUES (tap_rv.id('a'), 'ISPS', 'regulatory', interval '1 year'),
       (tap_rv.id('a'), 'AEO', 'regulatory', interval '6 months'),
       (tap_rv.id('a'), 'Never checked', 'legal', interval '1 year'),
       (tap_rv.id('a'), 'Repealed', 'legal', interval '1 year');
UPDATE iso28000.obligation SET applies_from = date '2020-01-01', applies_until = date '2021-01-01' WHERE title = 'Repealed';
INSERT INTO iso28000.compliance_evaluation (org_id, obligation_id, evaluated_on, result)
SELECT org_id, obligation_id, current_date - 30, 'compliant' FROM iso28000.obligation WHERE title = 'ISPS';
INSERT INTO iso28000.compliance_evaluation (org_id, obligation_id, evaluated_on, result, findings)
SELECT org_id, obligation_id, current_date - 400, 'partially_compliant', 'gaps' FROM iso28000.obligation WHERE title = 'AEO';
INSERT INTO iso28000.compliance_evaluation (org_id, obligation_id, evaluated_on, result)
SELECT org_id, obligation_id, current_date - 200, 'compliant' FROM iso28000.obligation WHERE title = 'AEO';
SET ROLE tap_rv_alice;
SELECT results_eq($$SELECT title || ' ' || evaluation_status FROM iso28000.obligation_compliance ORDER BY title$$,
                  ARRAY['AEO overdue', 'ISPS current', 'Never checked missing'],
                  'obligations in force with the status of their latest evaluation');
SELECT results_eq($$SELECT title || ' ' || reason || ' ' || coalesce(days_overdue::text, '-') FROM iso28000.obligation_evaluation_due ORDER BY title$$,
                  ARRAY['AEO overdue ' || (current_date - ((current_date - 200) + interval '6 months')::date)::text, 'Never checked missing -'],
                  'obligations whose evaluation is missing or overdue, with days overdue');
RESET ROLE;

-- Role holders
INSERT INTO iso28000.sms_role (org_id, name, responsibilities, may_accept_risks) VALUES (tap_rv.id('a'), 'Security manager', 'SMS', true);
INSERT INTO iso28000.role_assignment (org_id, sms_role_id, person_id, assigned_on, ended_on)
SELECT org_id, sms_role_id, tap_rv.id('alice'), date '2026-01-01', NULL FROM iso28000.sms_role;
SET ROLE tap_rv_alice;
SELECT results_eq($$SELECT role_name || ' ' || full_name || ' ' || may_accept_risks FROM iso28000.role_holder$$,
                  ARRAY['Security manager Alice true'], 'who holds which role today');
RESET ROLE;
UPDATE iso28000.role_assignment SET ended_on = current_date - 1;
SET ROLE tap_rv_alice;
SELECT is_empty($$SELECT 1 FROM iso28000.role_holder$$, 'an ended assignment is no longer held');
RESET ROLE;

-- B sees only B in every view
SET ROLE tap_rv_bob;
SELECT is((SELECT count(*)::int FROM iso28000.risk_heat_map), 100 * 2, 'B''s heat map has only B''s cells');
SELECT results_eq($$SELECT reference FROM iso28000.top_risk$$, ARRAY['B-1'], 'B sees only its own top risk');
SELECT is_empty($$SELECT 1 FROM iso28000.objective_status UNION ALL SELECT 1 FROM iso28000.obligation_compliance
                  UNION ALL SELECT 1 FROM iso28000.control_test_due UNION ALL SELECT 1 FROM iso28000.role_holder
                  UNION ALL SELECT 1 FROM iso28000.risk_above_appetite$$,
                'B sees none of A''s objectives, obligations, controls, role holders or appetite breaches');
SELECT results_eq($$SELECT reference FROM iso28000.risk_past_review UNION ALL SELECT reference FROM iso28000.risk_without_treatment$$,
                  ARRAY['B-1', 'B-1'], 'B sees only its own overdue and untreated risks');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
