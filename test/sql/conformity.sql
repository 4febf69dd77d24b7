-- conformity_grade, conformity_tally and the scoring aggregates: exact output,
-- the scoring model against hand-computed cases, and the equality of serial,
-- parallel, merged and windowed results.
SET search_path = iso28000, public;
SET extra_float_digits = 0;

-- The grades, in the order of doc/scoring.md.
SELECT enum_range(NULL::conformity_grade);

-- Text round trip: canonical order, blanks, empty grades omitted.
SELECT t::text, t::text::conformity_tally = t AS round_trip
  FROM (VALUES ('{}'::conformity_tally),
               ('{ minor_nc = 1 / 2 , conforming=3/5 }'),
               ('{not_assessed=2/0,conforming=0/0}'),
               ('{conforming=9223372036854775807/9223372036854775807}'),
               ('{conforming=1/2147483647}'),
               ('{conforming=1/1,observation=2/2,opportunity=3/3,minor_nc=4/4,major_nc=5/5,not_applicable=6/6,not_assessed=7/7}')) v(t);

-- Malformed, negative and inconsistent tallies (SQLSTATEs are asserted in
-- test/pgtap/scoring_tally.sql).
SELECT ''::conformity_tally;
SELECT 'conforming=1/1'::conformity_tally;
SELECT '{conforming=1/1'::conformity_tally;
SELECT '{conforming=1/1}x'::conformity_tally;
SELECT '{conforming=1}'::conformity_tally;
SELECT '{conforming=/1}'::conformity_tally;
SELECT '{Conforming=1/1}'::conformity_tally;
SELECT '{conforming=1/1,conforming=1/1}'::conformity_tally;
SELECT '{conforming=1/1,}'::conformity_tally;
SELECT '{conforming=+1/1}'::conformity_tally;
SELECT '{conforming=-1/0}'::conformity_tally;
SELECT '{conforming=1/-1}'::conformity_tally;
SELECT '{conforming=9223372036854775808/0}'::conformity_tally;
SELECT '{conforming=0/1}'::conformity_tally;
SELECT '{conforming=1/2147483648}'::conformity_tally;

-- Operators.
SELECT '{conforming=1/1}'::conformity_tally + '{conforming=2/3,major_nc=1/0}' AS sum,
       '{conforming=1/1}'::conformity_tally = '{conforming=1/1}' AS eq,
       '{conforming=1/1}'::conformity_tally <> '{conforming=1/2}' AS ne;
SELECT '{conforming=9223372036854775807/0}'::conformity_tally + '{conforming=1/0}';

-- Derived figures of a stored tally.
SELECT score(t), coverage(t), verdict(t), count_of(t, 'minor_nc'), weight_of(t, 'minor_nc')
  FROM (VALUES ('{conforming=3/6,minor_nc=1/2,not_applicable=4/4,not_assessed=1/1}'::conformity_tally)) v(t);

-- The scoring model, table-driven: each case lists its rows and the
-- hand-computed score, coverage and verdict.
CREATE TEMP TABLE score_case (name text, expect_score float8, expect_coverage float8, expect_verdict text);
CREATE TEMP TABLE score_row (name text, grade conformity_grade, weight integer);
INSERT INTO score_case VALUES
  -- (2*1 + 1*1 + 1*0.5 + 2*0) / 6 = 3.5/6; coverage 4/5 (one not_assessed)
  ('weights',              58.3333333333333, 80, 'nonconforming'),
  -- 1*1 + 0.5 / 2 = 75; not_applicable leaves every denominator
  ('not_applicable',       75, 100, 'conforming_with_findings'),
  -- not_assessed lowers coverage only: score 100, coverage 1/3
  ('not_assessed',         100, 33.3333333333333, 'conforming'),
  -- nothing applicable: every figure NULL
  ('all_not_applicable',   NULL, NULL, NULL),
  -- only major findings: 0, verdict nonconforming
  ('only_major',           0, 100, 'nonconforming'),
  -- NULL grades and NULL weights are ignored: (3*1 + 1*0) / 4 = 75
  ('null_grades',          75, 100, 'nonconforming'),
  -- observation and opportunity earn full credit
  ('findings_full_credit', 100, 100, 'conforming'),
  -- graded items of weight 0 only: no score, but graded and covered
  ('zero_weights',         NULL, 100, 'conforming_with_findings'),
  -- no rows at all
  ('empty',                NULL, NULL, NULL);
INSERT INTO score_row VALUES
  ('weights', 'conforming', 2), ('weights', 'observation', 1), ('weights', 'minor_nc', 1),
  ('weights', 'major_nc', 2), ('weights', 'not_assessed', 3), ('weights', 'not_applicable', 9),
  ('not_applicable', 'conforming', 1), ('not_applicable', 'minor_nc', 1), ('not_applicable', 'not_applicable', 5),
  ('not_assessed', 'conforming', 4), ('not_assessed', 'not_assessed', 1), ('not_assessed', 'not_assessed', 1),
  ('all_not_applicable', 'not_applicable', 1), ('all_not_applicable', 'not_applicable', 2),
  ('only_major', 'major_nc', 1), ('only_major', 'major_nc', 3),
  ('null_grades', 'conforming', 3), ('null_grades', NULL, 5), ('null_grades', 'major_nc', 1), ('null_grades', 'conforming', NULL),
  ('findings_full_credit', 'observation', 2), ('findings_full_credit', 'opportunity', 3),
  ('zero_weights', 'minor_nc', 0), ('zero_weights', 'conforming', 0);
SELECT c.name, round(r.score::numeric, 10) AS score, round(r.coverage::numeric, 10) AS coverage, r.verdict, r.tally,
       round(r.score::numeric, 10) IS NOT DISTINCT FROM round(c.expect_score::numeric, 10)
         AND round(r.coverage::numeric, 10) IS NOT DISTINCT FROM round(c.expect_coverage::numeric, 10)
         AND r.verdict IS NOT DISTINCT FROM c.expect_verdict AS as_computed_by_hand
  FROM score_case c
  CROSS JOIN LATERAL (
    SELECT conformity_score(s.grade, s.weight) AS score,
           coverage(conformity_tally(s.grade, s.weight)) AS coverage,
           verdict(conformity_tally(s.grade, s.weight)) AS verdict,
           conformity_tally(s.grade, s.weight) AS tally
      FROM score_row s WHERE s.name = c.name) r
 ORDER BY c.name;
-- the unweighted form counts every item once: (1+1+0.5+0)/4
SELECT conformity_score(grade) FROM score_row WHERE name = 'weights';
-- a negative weight is refused (IS301)
SELECT conformity_score(grade, weight) FROM (VALUES ('conforming'::conformity_grade, -1)) v(grade, weight);
-- the transition functions refuse to run outside an aggregate
SELECT conformity_tally_trans('{}', 'conforming');

-- Serial = forced parallel = merged stored tallies = moving window.
CREATE TABLE conformity_rows AS
SELECT i, 1 + i % 5 AS org, (DATE '2025-01-01' + (i % 365)) AS graded_on,
       CASE WHEN i % 11 = 0 THEN NULL
            ELSE (enum_range(NULL::conformity_grade))[1 + (i * 7919) % 7] END AS grade,
       (i * 31) % 10 AS weight
  FROM generate_series(1, 40000) i;
ANALYZE conformity_rows;

SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_result AS
SELECT org, conformity_score(grade, weight) AS score, conformity_tally(grade, weight) AS tally,
       conformity_score(grade) AS score1
  FROM conformity_rows GROUP BY org;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT org, conformity_score(grade, weight), conformity_tally(grade, weight), conformity_score(grade)
  FROM conformity_rows GROUP BY org;
EXPLAIN (COSTS OFF)
SELECT conformity_score(grade, weight) FROM conformity_rows;
CREATE TEMP TABLE parallel_result AS
SELECT org, conformity_score(grade, weight) AS score, conformity_tally(grade, weight) AS tally,
       conformity_score(grade) AS score1
  FROM conformity_rows GROUP BY org;
SELECT s.org, round(s.score::numeric, 6) AS score, s.score = p.score AND s.tally = p.tally AND s.score1 = p.score1 AS parallel_equals_serial
  FROM serial_result s JOIN parallel_result p USING (org) ORDER BY org;
-- the whole table, serial and parallel
SELECT (SELECT conformity_tally(grade, weight) FROM conformity_rows) =
       (SELECT conformity_merge(tally) FROM serial_result) AS parallel_total_equals_merged_groups;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;

-- Tallies stored per organisation and month, merged later, equal the direct result.
CREATE TEMP TABLE monthly AS
SELECT org, date_trunc('month', graded_on) AS month, conformity_tally(grade, weight) AS tally
  FROM conformity_rows GROUP BY 1, 2;
SELECT org, m.merged = s.tally AS merged_equals_direct,
       score(m.merged) = s.score AS merged_score_equals_direct, m.months
  FROM (SELECT org, conformity_merge(tally) AS merged, count(*) AS months FROM monthly GROUP BY org) m
  JOIN serial_result s USING (org) ORDER BY org;
-- the + operator folds the same way
SELECT (SELECT tally FROM serial_result WHERE org = 1) + (SELECT tally FROM serial_result WHERE org = 2)
     = (SELECT conformity_merge(tally) FROM serial_result WHERE org IN (1, 2)) AS plus_equals_merge;

-- A moving window (inverse transition) equals recomputing each frame.
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.score IS NOT DISTINCT FROM f.score AND w.tally = f.tally
                          AND w.merged = f.tally) AS frames_equal
  FROM (SELECT i,
               conformity_score(grade, weight) OVER win AS score,
               conformity_tally(grade, weight) OVER win AS tally,
               conformity_merge(conformity_tally(grade, weight)) OVER win AS merged
          FROM conformity_rows WHERE org = 3 AND i <= 4000 GROUP BY i, grade, weight
        WINDOW win AS (ORDER BY i ROWS BETWEEN 25 PRECEDING AND CURRENT ROW)) w
  CROSS JOIN LATERAL (
    SELECT conformity_score(grade, weight) AS score, conformity_tally(grade, weight) AS tally
      FROM (SELECT grade, weight FROM conformity_rows
             WHERE org = 3 AND i <= w.i ORDER BY i DESC LIMIT 26) fr) f;
-- the same over a frame that starts and ends away from the current row
SELECT count(*) AS frames, count(*) FILTER (WHERE w.tally = f.tally) AS frames_equal
  FROM (SELECT i, conformity_tally(grade) OVER (ORDER BY i ROWS BETWEEN 7 PRECEDING AND 3 FOLLOWING) AS tally
          FROM conformity_rows WHERE i <= 1000) w
  CROSS JOIN LATERAL (
    SELECT conformity_tally(grade) AS tally FROM conformity_rows
     WHERE i BETWEEN w.i - 7 AND w.i + 3 AND i <= 1000) f;
-- a sliding window over dates: the score of the last 12 days at each grading day
SELECT graded_on, grade, conformity_tally(grade) OVER w, conformity_score(grade) OVER w
  FROM (SELECT DISTINCT ON (graded_on) graded_on, grade FROM conformity_rows WHERE org = 1 ORDER BY graded_on, i) d
 WINDOW w AS (ORDER BY graded_on RANGE BETWEEN '12 days' PRECEDING AND CURRENT ROW)
 ORDER BY graded_on LIMIT 6;

DROP TABLE conformity_rows;
