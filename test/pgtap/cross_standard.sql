-- Several standards side by side (issue 16): the seeded catalogs and maps,
-- the standard of results and findings (IS545, IS546), views by standard,
-- a projection through the maps checked by hand, serial = forced parallel
-- through the maps, and load_clauses() with its refusals (IS540 to IS544).
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(75);
SET LOCAL search_path = iso28000, public;

-- The seeded catalogs and maps.
SELECT results_eq($$SELECT standard, count(*)::int FROM clause GROUP BY standard ORDER BY standard$$,
                  $$VALUES ('ISO 22301:2019', 64), ('ISO 28000:2022', 62), ('ISO/IEC 27001:2022', 41)$$,
                  'ISO 22301:2019 and ISO/IEC 27001:2022 (clauses 4 to 10) are seeded beside ISO 28000:2022');
SELECT is((SELECT count(*)::int FROM clause WHERE standard <> 'ISO 28000:2022' AND NOT (clause >= '4' AND clause < '11')), 0,
          'the two new catalogs hold clauses 4 to 10 only');
SELECT is((SELECT title FROM clause WHERE standard = 'ISO 22301:2019' AND clause = '8.4.4'), 'Business continuity plans', 'titles are seeded');
SELECT is((SELECT count(*)::int FROM clause_map WHERE seeded), 99, '99 maps between the harmonized clauses are seeded');
SELECT is((SELECT count(*)::int FROM clause_crosswalk), 198, 'clause_crosswalk reads every map both ways');
SELECT is((SELECT relation FROM clause_crosswalk WHERE from_standard = 'ISO 22301:2019' AND from_clause = '8.2.3' AND to_standard = 'ISO 28000:2022'),
          'subset', 'a map read backwards swaps superset and subset');
SELECT throws_ok($$INSERT INTO iso28000.clause_map (from_standard, from_clause, to_standard, to_clause, relation) VALUES ('ISO 28000:2022', '4.1', 'ISO 22301:2019', '4.2', 'similar')$$,
                 '23514', NULL, 'a relation is equal, subset, superset or intersects');
SELECT throws_ok($$INSERT INTO iso28000.clause_map (from_standard, from_clause, to_standard, to_clause, relation) VALUES ('ISO 28000:2022', '8.6.4', 'ISO 22301:2019', '8.6.4', 'equal')$$,
                 '23503', NULL, 'a map names clauses of the catalog');

-- One organisation; the superuser running the test manages it.
SELECT create_organization('XS', 'Cross Standard Ltd') AS xs \gset
INSERT INTO person (org_id, full_name) VALUES (:xs, 'Ann Auditor');
SELECT person_id AS ann FROM person WHERE org_id = :xs \gset

-- A self-assessment of ISO 28000, small enough to project by hand.
INSERT INTO self_assessment (org_id, title, assessed_on) VALUES (:xs, 'S28', '2026-01-10');
SELECT assessment_id AS s28 FROM self_assessment WHERE title = 'S28' \gset
INSERT INTO assessment_result (org_id, assessment_id, clause, grade, weight) VALUES
  (:xs, :s28, '4.1', 'conforming', 1), (:xs, :s28, '4.2.3', 'conforming', 1),
  (:xs, :s28, '6.1.2', 'minor_nc', 2), (:xs, :s28, '6.1.3', 'major_nc', 1),
  (:xs, :s28, '8.6.4', 'conforming', 3), (:xs, :s28, '5.2.1', 'minor_nc', 1), (:xs, :s28, '8.3', 'conforming', 1);
SELECT is((SELECT string_agg(DISTINCT standard, ',') FROM assessment_result WHERE assessment_id = :s28), 'ISO 28000:2022',
          'a result takes its assessment''s standard');

-- By hand, onto ISO 22301: 6.1.2 -> 6.1.1 (minor_nc, weight 2), 6.1.3 -> 6.1.2 (major_nc, 1);
-- 6.1 = (0.5*2 + 0*1) / 3 = 33.33 %; 6 adds 6.2.1, 6.2.2 and 6.3, reached by no result: 3 not_assessed,
-- so coverage 2 of 5 = 40 %.  8.6.4 -> 8.4.4 (conforming, 3).  4.2.3 (Principles) maps to nothing.
SELECT results_eq(
  format($$SELECT clause, mapped_from, score, coverage, verdict, tally FROM conformity_projection
            WHERE assessment_id = %s AND standard = 'ISO 22301:2019' AND clause IN ('6', '6.1', '6.1.1', '6.1.2', '6.3', '8.4.4')
            ORDER BY clause_sort$$, :s28),
  $$VALUES ('6', NULL, 33.33, 40.00, 'nonconforming', '{minor_nc=1/2,major_nc=1/1,not_assessed=3/3}'),
           ('6.1', NULL, 33.33, 100.00, 'nonconforming', '{minor_nc=1/2,major_nc=1/1}'),
           ('6.1.1', '6.1.2', 50.00, 100.00, 'conforming_with_findings', '{minor_nc=1/2}'),
           ('6.1.2', '6.1.3', 0.00, 100.00, 'nonconforming', '{major_nc=1/1}'),
           ('6.3', '6.3', NULL, 0.00, NULL, '{not_assessed=1/1}'),
           ('8.4.4', '8.6.4', 100.00, 100.00, 'conforming', '{conforming=1/3}')$$,
  'an ISO 28000 self-assessment projected onto ISO 22301 gives the figures computed by hand');
SELECT results_eq(
  format($$SELECT clause, reached FROM conformity_projection
            WHERE assessment_id = %s AND standard = 'ISO 22301:2019' AND clause IN ('4.3', '4.3.1', '8.4', '8.5', '8.6') ORDER BY clause_sort$$, :s28),
  $$VALUES ('4.3', true), ('4.3.1', false), ('8.4', true), ('8.5', false), ('8.6', false)$$,
  'coverage: the ISO 22301 clauses no ISO 28000 clause reaches are marked (4.3.1, 8.5, 8.6)');
SELECT is((SELECT count(*)::int FROM conformity_projection WHERE assessment_id = :s28 AND standard = 'ISO 22301:2019'), 64,
          'every ISO 22301 clause of clauses 4 to 10 has a row');
-- The deepest map wins: 5.2.1 (no map of its own) reaches ISO/IEC 27001 5.2 through the map of 5.2; 8.3 maps to 8.2 and 8.3, so 8 counts it twice
-- (and 8.1, reached by a map but by no result, once as not_assessed).
SELECT results_eq(
  format($$SELECT clause, mapped_from, tally FROM conformity_projection
            WHERE assessment_id = %s AND standard = 'ISO/IEC 27001:2022' AND clause IN ('5.2', '8', '8.2', '8.3') ORDER BY clause_sort$$, :s28),
  $$VALUES ('5.2', '5.2', '{minor_nc=1/1}'), ('8', NULL, '{conforming=2/2,not_assessed=1/1}'), ('8.2', '8.3', '{conforming=1/1}'), ('8.3', '8.3', '{conforming=1/1}')$$,
  'onto ISO/IEC 27001: a result reaches through the deepest map covering it, each pair (result, target clause) is one item');

-- A self-assessment of ISO 22301 in the same organisation: its own rows in conformity_by_clause, and the maps read backwards.
INSERT INTO self_assessment (org_id, title, assessed_on, standard) VALUES (:xs, 'S22301', '2026-02-01', 'ISO 22301:2019');
SELECT assessment_id AS s22 FROM self_assessment WHERE title = 'S22301' \gset
SELECT lives_ok(format($$INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade) VALUES (%s, %s, '8.5', 'minor_nc'), (%s, %s, '10.1', 'conforming')$$, :xs, :s22, :xs, :s22),
                'results of an ISO 22301 assessment name ISO 22301 clauses (8.5 is not an ISO 28000 clause)');
SELECT throws_ok(format($$INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, standard) VALUES (%s, %s, '7.1', 'conforming', 'ISO 28000:2022')$$, :xs, :s22),
                 'IS545', NULL, 'a result naming another standard than its assessment''s is refused');
SELECT throws_ok(format($$INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade) VALUES (%s, %s, '8.4.4', 'conforming')$$, :xs, :s28),
                 '23503', NULL, 'a result names a clause of its standard''s catalog (8.4.4 is not in ISO 28000)');
SELECT throws_ok(format($$UPDATE iso28000.self_assessment SET standard = 'ISO/IEC 27001:2022' WHERE org_id = %s AND assessment_id = %s$$, :xs, :s22),
                 'IS546', NULL, 'an assessment keeps its standard once it has results');
SELECT results_eq(format($$SELECT standard, count(*)::int FROM conformity_by_clause WHERE org_id = %s GROUP BY standard ORDER BY standard$$, :xs),
                  $$VALUES ('ISO 22301:2019', 64), ('ISO 28000:2022', 59)$$,
                  'conformity_by_clause reports each standard the organisation assessed, clause by clause');
SELECT is((SELECT verdict FROM conformity_by_clause WHERE org_id = :xs AND standard = 'ISO 22301:2019' AND clause = '8'), 'conforming_with_findings',
          'with that standard''s grades');
SELECT is((SELECT count(*)::int FROM conformity_trend WHERE org_id = :xs AND standard = 'ISO 22301:2019' AND moving_assessments = 1), 1,
          'conformity_trend compares assessments of the same standard');
SELECT results_eq(format($$SELECT clause, mapped_from, tally FROM conformity_projection
                            WHERE assessment_id = %s AND standard = 'ISO 28000:2022' AND clause IN ('10.1', '10.2') ORDER BY clause_sort$$, :s22),
                  $$VALUES ('10.1', '10.2', '{not_assessed=1/1}'), ('10.2', '10.1', '{conforming=1/1}')$$,
                  'an ISO 22301 assessment projects onto ISO 28000 through the maps read backwards (22301 10.1 is 28000 10.2)');

-- An audit of ISO 22301 and one of ISO 28000: findings, their nonconformities, the views and the projection.
INSERT INTO audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on, standard)
VALUES (:xs, 'A22301', '{8.4}', :ann, '2026-03-01', '2026-03-02', 'ISO 22301:2019'),
       (:xs, 'A28000', '{8.6,6.1}', :ann, '2026-03-05', '2026-03-06', DEFAULT);
SELECT audit_id AS a22 FROM audit WHERE title = 'A22301' \gset
SELECT audit_id AS a28 FROM audit WHERE title = 'A28000' \gset
UPDATE audit SET status = 'in_progress', started_on = planned_start_on WHERE org_id = :xs;
INSERT INTO audit_finding (org_id, audit_id, clause, grade, statement) VALUES
  (:xs, :a22, '8.4.4', 'minor_nc', 'Plan for the data centre not tested'),
  (:xs, :a28, '8.6.4', 'minor_nc', 'Quay plan out of date'), (:xs, :a28, '6.1.2', 'conforming', 'Criteria applied');
SELECT is((SELECT n.standard || ' ' || n.clause FROM nonconformity n JOIN audit_finding f USING (org_id, nonconformity_id) WHERE f.audit_id = :a22),
          'ISO 22301:2019 8.4.4', 'a finding takes its audit''s standard, and the nonconformity it raises takes the finding''s');
SELECT raise_nonconformity(:xs, 'Exercise programme not run', 'minor', clause => '8.5', standard => 'ISO 22301:2019') AS nc22 \gset
SELECT is((SELECT standard || ' ' || clause FROM nonconformity WHERE org_id = :xs AND nonconformity_id = :nc22),
          'ISO 22301:2019 8.5', 'raise_nonconformity takes the standard of the clause');
SELECT throws_ok(format($$INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, standard) VALUES (%s, %s, '8.4.4', 'conforming', 'x', 'ISO 28000:2022')$$, :xs, :a22),
                 'IS545', NULL, 'a finding naming another standard than its audit''s is refused');
SELECT throws_ok(format($$UPDATE iso28000.audit SET standard = 'ISO 28000:2022' WHERE org_id = %s AND audit_id = %s$$, :xs, :a22),
                 'IS546', NULL, 'an audit keeps its standard once it has findings');
SELECT results_eq(format($$SELECT standard, clause, findings::int FROM findings_by_clause WHERE org_id = %s ORDER BY standard, clause_sort$$, :xs),
                  $$VALUES ('ISO 22301:2019', '8.4.4', 1), ('ISO 28000:2022', '6.1.2', 1), ('ISO 28000:2022', '8.6.4', 1)$$,
                  'findings_by_clause names the standard of each clause');
SELECT results_eq(format($$SELECT clause, reached, findings::int, verdict, tally FROM audit_projection
                            WHERE audit_id = %s AND standard = 'ISO 22301:2019' AND clause IN ('6.1', '6.1.1', '8.4', '8.4.4', '8.5', '4.1') ORDER BY clause_sort$$, :a28),
                  $$VALUES ('4.1', false, 0, NULL, NULL), ('6.1', true, 1, 'conforming', '{conforming=1/1}'),
                           ('6.1.1', true, 1, 'conforming', '{conforming=1/1}'), ('8.4', true, 1, 'conforming_with_findings', '{minor_nc=1/1}'),
                           ('8.4.4', true, 1, 'conforming_with_findings', '{minor_nc=1/1}'), ('8.5', false, 0, NULL, NULL)$$,
                  'the ISO 28000 audit reported against ISO 22301: reached through its scope, findings through the maps');
SELECT is((SELECT count(*)::int FROM audit_projection WHERE audit_id = :a22 AND standard = 'ISO 28000:2022' AND findings > 0 AND clause = '8.6.4'), 1,
          'the ISO 22301 audit reported against ISO 28000 (8.4.4 reaches 8.6.4)');

-- Serial = forced parallel through the maps.  A standard of the test's own
-- whose 180 sub-clauses map through two clauses onto ISO 22301 4.1 and 8.4
-- (8.4.4 through a deeper map of 2.5), assessed 40 times: many results per
-- target clause.  PostgreSQL 15 plans the view's scan of the results and
-- their join to the maps in parallel workers, but aggregates in the leader:
-- it estimates as many groups as joined rows.  The partial plan of the same
-- aggregate through the maps is forced further down.
SELECT load_clauses('TAP-X:2026', (SELECT jsonb_agg(jsonb_build_object('clause', c, 'title', 'Clause ' || c, 'pdca', 'do'))
                                     FROM (SELECT '1' AS c UNION ALL SELECT '2'
                                           UNION ALL SELECT '1.' || i FROM generate_series(1, 120) i
                                           UNION ALL SELECT '2.' || i FROM generate_series(1, 60) i) x),
                    'A standard of the test') AS loaded \gset
INSERT INTO clause_map (from_standard, from_clause, to_standard, to_clause, relation) VALUES
  ('TAP-X:2026', '1', 'ISO 22301:2019', '4.1', 'equal'), ('TAP-X:2026', '2', 'ISO 22301:2019', '8.4', 'subset'),
  ('TAP-X:2026', '2.5', 'ISO 22301:2019', '8.4.4', 'equal');
INSERT INTO self_assessment (org_id, title, assessed_on, standard)
SELECT :xs, 'P' || i, DATE '2025-01-01' + i, 'TAP-X:2026' FROM generate_series(1, 40) i;
INSERT INTO assessment_result (org_id, assessment_id, clause, grade, weight)
SELECT s.org_id, s.assessment_id, c.clause,
       (enum_range(NULL::conformity_grade))[1 + (s.assessment_id * 7 + c.seq * 13) % 7],
       ((s.assessment_id + c.seq) % 4)::int
  FROM self_assessment s JOIN clause c ON c.standard = 'TAP-X:2026' AND iso28000.depth(c.clause) = 2
 WHERE s.org_id = :xs AND s.title LIKE 'P%';
ANALYZE assessment_result;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE proj_serial AS
SELECT assessment_id, standard, clause, tally, score, coverage FROM conformity_projection WHERE org_id = :xs;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
CREATE FUNCTION pg_temp.plan_lines(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE r text; BEGIN FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP RETURN NEXT r; END LOOP; END $$;
SELECT ok((SELECT bool_or(l ~ 'Parallel Seq Scan on assessment_result') AND bool_or(l ~ 'Gather')
             FROM pg_temp.plan_lines(format('SELECT assessment_id, standard, clause, tally FROM iso28000.conformity_projection WHERE org_id = %s', :xs)) AS l),
          'the projection runs as a parallel plan: workers scan the results and join them to the maps');
CREATE TEMP TABLE proj_parallel AS
SELECT assessment_id, standard, clause, tally, score, coverage FROM conformity_projection WHERE org_id = :xs;
SELECT is((SELECT count(*)::int FROM proj_serial p JOIN self_assessment s USING (assessment_id) WHERE s.standard = 'TAP-X:2026'), 40 * 64,
          'each of the 40 assessments is projected onto every ISO 22301 clause');
SELECT is_empty($$(SELECT * FROM proj_serial EXCEPT ALL SELECT * FROM proj_parallel) UNION ALL (SELECT * FROM proj_parallel EXCEPT ALL SELECT * FROM proj_serial)$$,
                'serial and parallel projections agree to the last digit (tallies, scores, coverage)');
-- The deepest map wins: a result on 2.5 reaches 8.4.4 (map of 2.5), not 8.4 through the map of 2;
-- 8.4 counts the 59 other results of 2, the one of 8.4.4 and 4 unreached leaves (8.4.1 to 8.4.3, 8.4.5).
SELECT results_eq(
  $$SELECT p.clause, (SELECT sum(count_of(p.tally::conformity_tally, g))::int FROM unnest(enum_range(NULL::conformity_grade)) g)
      FROM proj_serial p JOIN self_assessment s USING (assessment_id)
     WHERE s.title = 'P1' AND p.standard = 'ISO 22301:2019' AND p.clause IN ('4.1', '8.4', '8.4.4') ORDER BY p.clause$$,
  $$VALUES ('4.1', 120), ('8.4', 64), ('8.4.4', 1)$$,
  'each result reaches through the deepest map covering it, so it counts once in a target clause and its parents');
-- The partial plan: the results tallied per target clause through the maps
-- of 1 and 2.5 with the view's aggregate (conformity_tally), each result
-- joined to the maps of its clause and of its parent by equality (what <@
-- means for these two-level clauses; a parallel nested loop over <@ would
-- rescan the maps per result on PostgreSQL 15).  With a cost on each row
-- gathered the workers build partial tallies (transition function) over a
-- parallel scan of the results and the leader combines them (combine
-- function): the figures equal the serial run's and the view's own tallies
-- of 4.1 and 8.4.4 merged over the 40 assessments.
SET LOCAL parallel_tuple_cost = 0.1;
CREATE TEMP VIEW through_map AS
SELECT m.to_clause::text AS clause, count(*) AS items, conformity_tally(res.grade, res.weight)::text AS tally,
       score(conformity_tally(res.grade, res.weight)) AS score
  FROM assessment_result res
 CROSS JOIN LATERAL (VALUES (iso28000.ancestor(res.clause, 1)), (res.clause)) AS a(clause)
  JOIN clause_map m ON m.from_standard = res.standard AND m.from_clause OPERATOR(iso28000.=) a.clause
 WHERE res.org_id = :xs AND m.from_standard = 'TAP-X:2026' AND m.to_standard = 'ISO 22301:2019' AND m.from_clause IN ('1', '2.5')
 GROUP BY m.to_clause;
SELECT ok((SELECT bool_or(l ~ 'Partial (Group|Hash)?Aggregate') AND bool_or(l ~ 'Finalize (Group|Hash)?Aggregate')
                  AND bool_or(l ~ 'Parallel Seq Scan on assessment_result')
             FROM pg_temp.plan_lines('SELECT * FROM through_map') AS l),
          'through the maps the results are tallied partially in parallel workers and combined in the leader (Partial and Finalize Aggregate)');
CREATE TEMP TABLE map_parallel AS SELECT * FROM through_map;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT ok((SELECT NOT bool_or(l ~ 'Partial|Gather') FROM pg_temp.plan_lines('SELECT * FROM through_map') AS l), 'and serially without workers');
CREATE TEMP TABLE map_serial AS SELECT * FROM through_map;
SELECT results_eq('SELECT * FROM map_parallel ORDER BY clause', 'SELECT * FROM map_serial ORDER BY clause',
                  'the combined tallies through the maps equal the serial ones to the last digit (items, tallies, scores)');
SELECT results_eq($$SELECT clause, items::int FROM map_serial ORDER BY clause$$, $$VALUES ('4.1', 4800), ('8.4.4', 40)$$,
                  'each of the 40 assessments brings its 120 results of 1.x to 4.1 and its result of 2.5 to 8.4.4');
SELECT results_eq('SELECT clause, tally FROM map_parallel ORDER BY clause',
                  $$SELECT p.clause, conformity_merge(p.tally::conformity_tally)::text FROM proj_serial p JOIN self_assessment s USING (assessment_id)
                     WHERE s.standard = 'TAP-X:2026' AND p.standard = 'ISO 22301:2019' AND p.clause IN ('4.1', '8.4.4') GROUP BY p.clause ORDER BY p.clause$$,
                  'and equal the projection''s tallies of 4.1 and 8.4.4 merged over the 40 assessments');
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;

-- load_clauses(): run by a role the DBA granted it to.
CREATE ROLE tap_xs_loader NOLOGIN;
CREATE ROLE tap_xs_other NOLOGIN;
GRANT EXECUTE ON FUNCTION load_clauses(text, jsonb, text, text) TO tap_xs_loader;
GRANT USAGE ON SCHEMA iso28000 TO tap_xs_loader, tap_xs_other;
SET LOCAL ROLE tap_xs_other;
SELECT throws_ok($$SELECT iso28000.load_clauses('ISO 9001:2015', '[{"clause": "4", "title": "Context of the organization"}]', 'Quality management systems')$$,
                 '42501', NULL, 'load_clauses is the DBA''s to grant');
RESET ROLE;
SET LOCAL ROLE tap_xs_loader;
SELECT is(load_clauses('ISO 9001:2015', '[{"clause": "4", "title": "Context of the organization"}, {"clause": "4.1", "title": "Understanding the organization and its context"}]',
                       'Quality management systems — Requirements', 'ISO'), 2,
          'load_clauses adds a standard with its clauses');
SELECT is(load_clauses('ISO/IEC 27001:2022', '[{"clause": "A.5.1", "title": "Policies for information security"}, {"clause": "A.5", "title": "Organizational controls"}]'), 2,
          'and Annex A controls to a seeded standard, in the clause_ref annex form');
RESET ROLE;
SELECT results_eq($$SELECT clause::text, pdca, parent::text, seq, seeded FROM iso28000.clause WHERE standard = 'ISO/IEC 27001:2022' AND clause >= 'A.1' ORDER BY seq$$,
                  $$VALUES ('A.5', 'do', NULL, 42, false), ('A.5.1', 'do', 'A.5', 43, false)$$,
                  'loaded clauses follow the catalog in clause order, with their parent, PDCA by convention, not seeded (so pg_dump keeps them)');
SET LOCAL ROLE tap_xs_loader;
SELECT throws_ok($$SELECT iso28000.load_clauses(' ', '[]')$$, 'IS540', NULL, 'a standard is named');
SELECT throws_ok($$SELECT iso28000.load_clauses('ISO 14001:2015', '[{"clause": "4", "title": "Context"}]')$$, 'IS540', NULL, 'a new standard needs its title');
SELECT throws_ok($$SELECT iso28000.load_clauses('ISO 9001:2015', '{"clause": "5"}')$$, 'IS541', NULL, 'the clauses are a JSON array');
SELECT throws_ok($$SELECT iso28000.load_clauses('ISO 9001:2015', '[{"clause": "5", "title": "Leadership", "requirement": "Top management shall ..."}]')$$,
                 'IS541', NULL, 'an element carrying requirement wording is refused');
SELECT throws_ok($$SELECT iso28000.load_clauses('ISO 9001:2015', '[{"clause": "5", "title": "Leadership", "pdca": "improve"}]')$$,
                 'IS541', NULL, 'a PDCA phase is plan, do, check or act');
SELECT throws_ok($$SELECT iso28000.load_clauses('ISO 9001:2015', '[{"clause": "5..1", "title": "X"}]')$$, 'IS542', NULL, 'a clause number is a clause reference');
SELECT throws_ok($$SELECT iso28000.load_clauses('ISO 9001:2015', '[{"clause": "4.1", "title": "Again"}]')$$, 'IS543', NULL, 'a clause already in the catalog is refused');
SELECT throws_ok($$SELECT iso28000.load_clauses('ISO 9001:2015', '[{"clause": "5.1.1", "title": "General"}]')$$, 'IS544', NULL, 'a clause needs its parent');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM iso28000.clause WHERE standard = 'ISO 9001:2015'), 2, 'refused loads add nothing');
SELECT is(:loaded, 182, 'load_clauses returns the number of clauses added');

-- load_clause_map(): maps between two standards of the catalog, by a role the DBA granted it to.
GRANT EXECUTE ON FUNCTION load_clause_map(text, text, jsonb) TO tap_xs_loader;
SET LOCAL ROLE tap_xs_other;
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO/IEC 27001:2022', 'ISO 28000:2022', '[{"from": "A.5.1", "to": "5.2", "relation": "intersects"}]')$$,
                 '42501', NULL, 'load_clause_map is the DBA''s to grant');
RESET ROLE;
SET LOCAL ROLE tap_xs_loader;
SELECT is(load_clause_map('ISO/IEC 27001:2022', 'ISO 28000:2022',
                          '[{"from": "A.5.1", "to": "5.2", "relation": "intersects", "note": "Policies"},
                            {"from": "A.5", "to": "5", "relation": "intersects"}]'), 2,
          'load_clause_map adds maps from Annex A controls, in the clause_ref annex form, to ISO 28000 clauses');
SELECT is(load_clause_map('ISO 9001:2015', 'ISO 22301:2019', '[{"from": "4.1", "to": "4.1", "relation": "equal", "note": null}]'), 1,
          'and between a loaded standard and a seeded one');
RESET ROLE;
SELECT results_eq($$SELECT from_clause, to_standard, to_clause, relation, note, inverse FROM clause_crosswalk
                     WHERE from_standard = 'ISO 28000:2022' AND to_standard <> 'ISO 22301:2019' AND to_clause LIKE 'A.%' ORDER BY from_clause_sort$$,
                  $$VALUES ('5', 'ISO/IEC 27001:2022', 'A.5', 'intersects', NULL, true), ('5.2', 'ISO/IEC 27001:2022', 'A.5.1', 'intersects', 'Policies', true)$$,
                  'clause_crosswalk reads the loaded maps both ways');
SELECT results_eq($$SELECT seeded FROM clause_map WHERE from_standard IN ('ISO/IEC 27001:2022', 'ISO 9001:2015') AND NOT (from_clause >= '4' AND from_clause < '11' AND from_standard = 'ISO/IEC 27001:2022')$$,
                  $$VALUES (false), (false), (false)$$, 'loaded maps are not seeded (pg_dump keeps them)');
-- Through a loaded map, an ISO/IEC 27001 self-assessment of A.5.1 reaches ISO 28000 5.2.
INSERT INTO self_assessment (org_id, title, assessed_on, standard) VALUES (:xs, 'Annex A', current_date, 'ISO/IEC 27001:2022') RETURNING assessment_id AS annex \gset
INSERT INTO assessment_result (org_id, assessment_id, clause, grade) VALUES (:xs, :annex, 'A.5.1', 'minor_nc');
SELECT results_eq(format($$SELECT clause, reached, tally FROM conformity_projection WHERE assessment_id = %s AND standard = 'ISO 28000:2022' AND clause IN ('5.2', '5.3') ORDER BY clause_sort$$, :annex),
                  $$VALUES ('5.2', true, '{minor_nc=1/1,not_assessed=2/2}'), ('5.3', true, '{not_assessed=1/1}')$$,
                  'the projection reads the Annex A result through the loaded map onto 5.2 (beside its two sub-clauses 5.2.1 and 5.2.2, not assessed); 5.3 has no result');
SET LOCAL ROLE tap_xs_loader;
SELECT throws_ok($$SELECT iso28000.load_clause_map('', 'ISO 28000:2022', '[{"from": "A.5", "to": "5", "relation": "equal"}]')$$, 'IS548',
                 'load_clause_map: the from standard is missing', 'a map names its standards (IS548)');
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO 14001:2015', 'ISO 28000:2022', '[{"from": "4", "to": "4", "relation": "equal"}]')$$, 'IS548',
                 'load_clause_map: the from standard "ISO 14001:2015" is not in the catalog', 'of the catalog (IS548)');
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO 28000:2022', 'ISO 28000:2022', '[{"from": "4", "to": "4.1", "relation": "superset"}]')$$, 'IS548',
                 NULL, 'two different ones (IS548)');
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 28000:2022', '[]')$$, 'IS549', NULL, 'the maps are a non-empty JSON array (IS549)');
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 28000:2022', '[{"from": "4", "to": "4", "relation": "equal", "requirement": "shall"}]')$$, 'IS549',
                 'load_clause_map: element 1 of the maps from "ISO 9001:2015" to "ISO 28000:2022" has the unknown key "requirement"', 'an unknown key is refused (IS549)');
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 28000:2022', '[{"from": "4", "relation": "equal"}]')$$, 'IS549', NULL, 'a map has its to clause (IS549)');
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 28000:2022', '[{"from": "4", "to": "4", "relation": "similar"}]')$$, 'IS549', NULL, 'a relation is equal, subset, superset or intersects (IS549)');
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 28000:2022', '[{"from": "4..1", "to": "4", "relation": "equal"}]')$$, 'IS550', NULL, 'a clause is a clause reference (IS550)');
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 28000:2022', '[{"from": "4.1", "to": "4", "relation": "subset"}, {"from": "4.2", "to": "4.2", "relation": "equal"}]')$$, 'IS551',
                 'load_clause_map: element 2 of the maps from "ISO 9001:2015" to "ISO 28000:2022": clause 4.2 is not a clause of "ISO 9001:2015"',
                 'a clause of the catalog of its standard (IS551), and the good element before it is not added');
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO 28000:2022', 'ISO 9001:2015', '[{"from": "4", "to": "4", "relation": "equal"}, {"from": "4", "to": "4", "relation": "subset"}]')$$, 'IS552',
                 NULL, 'a pair given twice is refused (IS552)');
SELECT throws_ok($$SELECT iso28000.load_clause_map('ISO 22301:2019', 'ISO 9001:2015', '[{"from": "4.1", "to": "4.1", "relation": "equal"}]')$$, 'IS552',
                 'load_clause_map: 4.1 of "ISO 22301:2019" and 4.1 of "ISO 9001:2015" are already mapped', 'a pair already mapped the other way is refused (IS552)');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM clause_map WHERE 'ISO 9001:2015' IN (from_standard, to_standard)), 1, 'refused loads add no map');
CREATE FUNCTION pg_temp.map_error_fields(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE t text; c text;
BEGIN EXECUTE q; RETURN 'no error';
EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS t = TABLE_NAME, c = COLUMN_NAME; RETURN SQLSTATE || ' ' || t || '.' || c; END $f$;
SELECT results_eq($$SELECT pg_temp.map_error_fields(q) FROM (VALUES
                     ($q$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 14001:2015', '[{"from": "4", "to": "4", "relation": "equal"}]')$q$),
                     ($q$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 28000:2022', '[{"from": "4", "to": "4", "relation": "alike"}]')$q$),
                     ($q$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 28000:2022', '[{"from": "4", "to": "4.x", "relation": "equal"}]')$q$),
                     ($q$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 28000:2022', '[{"from": "4", "to": "11", "relation": "equal"}]')$q$),
                     ($q$SELECT iso28000.load_clause_map('ISO 9001:2015', 'ISO 22301:2019', '[{"from": "4.1", "to": "4.1", "relation": "equal"}]')$q$)) v(q)$$,
                  $$VALUES ('IS548 clause_map.to_standard'), ('IS549 clause_map.relation'), ('IS550 clause_map.to_clause'),
                           ('IS551 clause_map.to_clause'), ('IS552 clause_map.to_clause')$$,
                  'each refusal names the table and the column at fault');

-- Indicators (9.1) and improvements (10.1) name the standard of their clause too.
INSERT INTO indicator (org_id, name, unit) VALUES (:xs, 'Gate incidents', 'n');
INSERT INTO indicator (org_id, name, unit, clause, standard) VALUES (:xs, 'Exercises held', 'n', '8.5', 'ISO 22301:2019');
SELECT results_eq(format($$SELECT name, standard, clause FROM indicator_status WHERE org_id = %s ORDER BY name$$, :xs),
                  $$VALUES ('Exercises held', 'ISO 22301:2019', '8.5'), ('Gate incidents', 'ISO 28000:2022', '9.1')$$,
                  'an indicator monitors a clause of ISO 28000:2022 by default, or of the standard it names; indicator_status shows it');
SELECT throws_ok(format($$INSERT INTO iso28000.indicator (org_id, name, unit, clause, standard) VALUES (%s, 'Stray', 'n', '8.7', 'ISO 22301:2019')$$, :xs),
                 '23503', NULL, 'an indicator''s clause is a clause of its standard (8.7 is not one of ISO 22301)');
INSERT INTO improvement (org_id, title, clause) VALUES (:xs, 'Shorter call tree', '8.6.4');
INSERT INTO improvement (org_id, title, clause, standard) VALUES (:xs, 'Exercise the data centre', '8.5', 'ISO 22301:2019');
INSERT INTO improvement (org_id, title) VALUES (:xs, 'No clause');
SELECT results_eq(format($$SELECT title, standard, clause::text FROM improvement WHERE org_id = %s ORDER BY title$$, :xs),
                  $$VALUES ('Exercise the data centre', 'ISO 22301:2019', '8.5'), ('No clause', 'ISO 28000:2022', NULL),
                           ('Shorter call tree', 'ISO 28000:2022', '8.6.4')$$,
                  'an improvement names the standard of the clause it improves (default ISO 28000:2022)');
SELECT throws_ok(format($$INSERT INTO iso28000.improvement (org_id, title, clause, standard) VALUES (%s, 'Stray', '8.6.4', 'ISO 22301:2019')$$, :xs),
                 '23503', NULL, 'an improvement''s clause is a clause of its standard');
SELECT throws_ok(format($$INSERT INTO iso28000.improvement (org_id, title, standard) VALUES (%s, 'Unknown', 'ISO 9999:2000')$$, :xs),
                 '23503', NULL, 'and its standard one of the catalog (even without a clause)');

SELECT * FROM finish();
ROLLBACK;
