-- 9.1 indicators and their measurements: checks, the status view, and the
-- indicators in the management review input pack.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(13);
SET LOCAL search_path = iso28000, public;

SELECT create_organization('ACME', 'Acme Logistics') AS acme \gset
INSERT INTO person (org_id, full_name) VALUES (:acme, 'Mia Measurer');
SELECT person_id AS mia FROM person WHERE full_name = 'Mia Measurer' \gset

INSERT INTO indicator (org_id, name, unit, direction, target, threshold, frequency, owner_id) VALUES
  (:acme, 'Seal checks passed', '%', 'increase', 98, 95, '1 month', :mia),
  (:acme, 'Gate incidents', 'count', 'decrease', 2, 5, '1 month', :mia),
  (:acme, 'Never measured', 'count', 'maintain', 0, NULL, '1 month', :mia);
SELECT indicator_id AS seal FROM indicator WHERE name = 'Seal checks passed' \gset
SELECT indicator_id AS gate FROM indicator WHERE name = 'Gate incidents' \gset

SELECT throws_ok(format($$INSERT INTO iso28000.indicator (org_id, name, unit) VALUES (%s, 'Seal checks passed', '%%')$$, :acme),
                 '23505', NULL, 'indicator names are unique in an organisation');
SELECT throws_ok(format($$INSERT INTO iso28000.indicator (org_id, name, unit, direction) VALUES (%s, 'x', 'u', 'sideways')$$, :acme),
                 '23514', NULL, 'the direction is increase, decrease or maintain');
SELECT throws_ok(format($$INSERT INTO iso28000.indicator (org_id, name, unit, frequency) VALUES (%s, 'x', 'u', '0 days')$$, :acme),
                 '23514', NULL, 'the frequency is positive');
SELECT throws_ok(format($$INSERT INTO iso28000.indicator (org_id, name, unit) VALUES (%s, 'x', ' ')$$, :acme),
                 '23514', NULL, 'an indicator has a unit');

INSERT INTO indicator_measurement (org_id, indicator_id, measured_on, value, measured_by) VALUES
  (:acme, :seal, current_date - 40, 96, :mia), (:acme, :seal, current_date - 10, 99, :mia),
  (:acme, :gate, current_date - 70, 3, :mia), (:acme, :gate, current_date - 35, 7, :mia);
SELECT throws_ok(format($$INSERT INTO iso28000.indicator_measurement (org_id, indicator_id, measured_on, value) VALUES (%s, %s, current_date - 10, 1)$$, :acme, :seal),
                 '23505', NULL, 'one measurement per indicator per day');

SELECT results_eq(
  format($$SELECT name, last_value, previous_value, change, on_target, past_threshold, measurement_overdue
             FROM iso28000.indicator_status WHERE org_id = %s ORDER BY name$$, :acme),
  $$VALUES ('Gate incidents'::text, 7::numeric, 3::numeric, 4::numeric, false, true, true),
           ('Never measured', NULL, NULL, NULL, NULL, NULL, true),
           ('Seal checks passed', 99, 96, 3, true, false, false)$$,
  'indicator status: latest and previous value, target, threshold, overdue');
UPDATE indicator SET active = false WHERE name = 'Never measured';
SELECT is((SELECT count(*) FROM indicator_status WHERE org_id = :acme), 2::bigint, 'retired indicators leave the status view');

SELECT is((SELECT facts->'indicators'->>'measurements_in_period'
             FROM review_input_pack(:acme, current_date - 50, current_date) WHERE input_code = 'monitoring_results'),
          '3', 'the input pack counts the measurements of the period');
SELECT is((SELECT facts->'indicators'->>'measured_in_period'
             FROM review_input_pack(:acme, current_date - 50, current_date) WHERE input_code = 'monitoring_results'),
          '2', 'and the indicators measured');
SELECT is((SELECT facts->'indicators_now'->>'on_target'
             FROM review_input_pack(:acme, current_date - 50, current_date) WHERE input_code = 'monitoring_results'),
          '1', 'and how many are on target now');
SELECT is((SELECT facts->'indicators_now'->>'past_threshold'
             FROM review_input_pack(:acme, current_date - 50, current_date) WHERE input_code = 'monitoring_results'),
          '1', 'and how many are past their threshold');
SELECT is((SELECT facts->'context_changes'->>'available'
             FROM (SELECT jsonb_build_object('context_changes', facts) AS facts
                     FROM review_input_pack(:acme, current_date - 50, current_date) WHERE input_code = 'context_changes') x),
          CASE WHEN to_regclass('iso28000.context_issue') IS NULL THEN 'false' ELSE 'true' END,
          'a register of another clause is read when installed, else marked unavailable');

SELECT is((SELECT (facts->'requirements'->>'available') || ' ' || coalesce(facts->'requirements'->>'closed_in_period', 'null')
             FROM review_input_pack(:acme, current_date - 50, current_date) WHERE input_code = 'party_changes'),
          'true null', 'party requirements, which have no closing date, are counted (0.1.0 showed them as not available)');

SELECT * FROM finish();
ROLLBACK;
