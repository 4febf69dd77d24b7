-- Maturity beside conformity (issue 16): the scale per organisation (defaults,
-- customised, retired levels), a level per clause per assessment, targets,
-- maturity_by_clause checked by hand, IS547, and row-level security.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(16);
SET LOCAL search_path = iso28000, public;

CREATE ROLE tap_mat_a NOLOGIN;
CREATE ROLE tap_mat_b NOLOGIN;
SELECT create_organization('MAT-A', 'Alpha', 'tap_mat_a') AS a \gset
SELECT create_organization('MAT-B', 'Beta', 'tap_mat_b') AS b \gset

SELECT results_eq(format($$SELECT level, name, customised FROM maturity_scale WHERE org_id = %s ORDER BY level$$, :a),
                  $$VALUES (0, 'Non-existent', false), (1, 'Initial', false), (2, 'Managed', false), (3, 'Defined', false), (4, 'Measured', false), (5, 'Optimizing', false)$$,
                  'every organisation starts with the default scale 0 to 5');

SET LOCAL SESSION AUTHORIZATION tap_mat_a;
INSERT INTO iso28000.maturity_level (org_id, level, name, description) VALUES (:a, 3, 'Standardised', 'Written down and the same at every terminal.');
INSERT INTO iso28000.maturity_level (org_id, level, name, in_use) VALUES (:a, 5, 'Optimizing', false);
SELECT results_eq(format($$SELECT level, name, customised FROM iso28000.maturity_scale WHERE org_id = %s AND level >= 2 ORDER BY level$$, :a),
                  $$VALUES (2, 'Managed', false), (3, 'Standardised', true), (4, 'Measured', false)$$,
                  'an organisation renames a level and retires another');
SELECT is((SELECT count(*)::int FROM iso28000.maturity_scale WHERE org_id = :b), 0, 'it sees only its own scale (row-level security)');

INSERT INTO iso28000.self_assessment (org_id, title, assessed_on) VALUES (:a, 'M1', '2026-01-10'), (:a, 'M2', '2026-04-10');
SELECT assessment_id AS m1 FROM iso28000.self_assessment WHERE title = 'M1' \gset
SELECT assessment_id AS m2 FROM iso28000.self_assessment WHERE title = 'M2' \gset
INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, weight, maturity) VALUES
  (:a, :m1, '8.6.4', 'minor_nc', 2, 2), (:a, :m1, '8.6.1', 'conforming', 1, 4), (:a, :m1, '4.1', 'conforming', 1, 3),
  (:a, :m1, '8.6.2', 'conforming', 1, NULL);
SELECT throws_ok(format($$INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, maturity) VALUES (%s, %s, '8.6.3', 'conforming', 5)$$, :a, :m1),
                 'IS547', NULL, 'a retired level cannot be given');
SELECT throws_ok(format($$INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, maturity) VALUES (%s, %s, '8.6.3', 'conforming', 7)$$, :a, :m1),
                 'IS547', NULL, 'nor a level the scale lacks');
SELECT throws_ok(format($$UPDATE iso28000.assessment_result SET maturity = -1 WHERE org_id = %s AND clause = '4.1'$$, :a),
                 'IS547', NULL, 'the level is checked on update too');
INSERT INTO iso28000.maturity_target (org_id, clause, target_level) VALUES (:a, '8', 4), (:a, '8.6.4', 3);
SELECT throws_ok(format($$INSERT INTO iso28000.maturity_target (org_id, clause, target_level) VALUES (%s, '9', 5)$$, :a),
                 'IS547', NULL, 'a target is on the scale');
SELECT throws_ok(format($$INSERT INTO iso28000.maturity_target (org_id, standard, clause, target_level) VALUES (%s, 'ISO 22301:2019', '8.6.4', 3)$$, :a),
                 '23503', NULL, 'a target names a clause of the catalog');

-- By hand: 8.6.4 level 2 (weight 2, own target 3), 8.6.1 level 4 (weight 1, target 4 from 8);
-- 8.6: average level (2*2 + 4*1) / 3 = 2.67, average target (3*2 + 4*1) / 3 = 3.33, one below target.
SELECT results_eq(format($$SELECT clause, current_level, target_level, gap, average_level, average_target, rated_clauses::int, below_target::int
                             FROM iso28000.maturity_by_clause WHERE org_id = %s AND clause IN ('4', '4.1', '8', '8.6', '8.6.1', '8.6.2', '8.6.4') ORDER BY clause_sort$$, :a),
                  $$VALUES ('4', NULL::int, NULL::int, NULL::int, 3.00, NULL::numeric, 1, 0),
                           ('4.1', 3, NULL, NULL, 3.00, NULL, 1, 0),
                           ('8', NULL, 4, NULL, 2.67, 3.33, 2, 1),
                           ('8.6', NULL, 4, NULL, 2.67, 3.33, 2, 1),
                           ('8.6.1', 4, 4, 0, 4.00, 4.00, 1, 0),
                           ('8.6.2', NULL, 4, NULL, NULL, NULL, 0, 0),
                           ('8.6.4', 2, 3, 1, 2.00, 3.00, 1, 1)$$,
                  'maturity_by_clause: current against target, rolled up like the conformity score (computed by hand)');
SELECT is((SELECT count(*)::int FROM iso28000.maturity_by_clause WHERE org_id = :a), 59, 'one row per clause of the standard assessed');

-- A later assessment raises 8.6.4 to 3: its target is met.
INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, weight, maturity) VALUES (:a, :m2, '8.6.4', 'conforming', 2, 3);
SELECT results_eq(format($$SELECT current_level, gap, below_target::int, average_level FROM iso28000.maturity_by_clause WHERE org_id = %s AND clause = '8.6'$$, :a),
                  $$VALUES (NULL::int, NULL::int, 0, 3.33)$$, 'the latest level counts: 8.6 is no longer below target');
SELECT is((SELECT grade FROM iso28000.conformity_by_clause WHERE org_id = :a AND clause = '8.6.4'), 'conforming', 'the grade beside it is unchanged in meaning');
RESET SESSION AUTHORIZATION;

SET LOCAL SESSION AUTHORIZATION tap_mat_b;
SELECT is((SELECT count(*)::int FROM iso28000.maturity_by_clause), 0, 'another organisation sees none of it');
SELECT throws_ok(format($$INSERT INTO iso28000.maturity_level (org_id, level, name) VALUES (%s, 6, 'Beyond')$$, :a),
                 '42501', NULL, 'nor changes its scale');
INSERT INTO iso28000.maturity_level (org_id, level, name) VALUES (:b, 6, 'Beyond');
SELECT is((SELECT max(level) FROM iso28000.maturity_scale WHERE org_id = :b), 6, 'an organisation may add a level above 5');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM iso28000.maturity_scale WHERE org_id = :a AND level = 6), 0, 'a level added by one organisation is not on another''s scale');

SELECT * FROM finish();
ROLLBACK;
