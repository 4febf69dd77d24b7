/*
 * sql/views/cross_standard.sql
 *		Several standards side by side: one standard's self-assessment and
 *		audit results read through the clause maps (sql/core/08_catalog.sql,
 *		clause_map) onto another standard.  Reference: doc/standards.md.
 *
 * How a result reaches the target.  A result on clause x of the source
 * standard S reaches target clause t of standard T through the map rows
 * between S and T (read in both directions) whose source clause covers x
 * (x <@ from_clause); of those only the deepest source clause counts, so a
 * map of 8.6.4 wins over a map of 8.6 for a result on 8.6.4, and a result
 * is not counted twice through a clause and its sub-clause.  Each pair
 * (result, target clause) is one item of the target clause.
 *
 * Scoring.  The items of a target clause are tallied with the scoring
 * aggregate (conformity_tally, one tally per target clause, grouped straight
 * over the results so a parallel plan aggregates partially in the workers),
 * a target leaf clause no item reaches adds one not_assessed item, and a
 * clause counts its own tally and its sub-clauses' (conformity_merge up the
 * target's hierarchy), exactly as conformity_by_clause rolls up.  Integer
 * sums throughout: serial and parallel plans agree to the last digit
 * (test/pgtap/cross_standard.sql).
 */

-- The rule of the header, once, for both projections: for each catalog
-- clause x, the target clauses of the deepest map rows covering it.
CREATE VIEW iso28000.clause_map_reach WITH (security_invoker = true) AS
SELECT x.standard AS source_standard, x.clause AS source_clause, p.to_standard, p.to_clause
  FROM iso28000.clause x
  JOIN (SELECT m.from_standard, m.from_clause, m.to_standard, m.to_clause FROM iso28000.clause_map m
        UNION ALL
        SELECT m.to_standard, m.to_clause, m.from_standard, m.from_clause FROM iso28000.clause_map m) p
    ON p.from_standard = x.standard AND x.clause OPERATOR(iso28000.<@) p.from_clause
 WHERE NOT EXISTS (SELECT FROM iso28000.clause_map q
                    WHERE (q.from_standard = x.standard AND q.to_standard = p.to_standard
                           AND x.clause OPERATOR(iso28000.<@) q.from_clause
                           AND q.from_clause OPERATOR(iso28000.>) p.from_clause)
                       OR (q.to_standard = x.standard AND q.from_standard = p.to_standard
                           AND x.clause OPERATOR(iso28000.<@) q.to_clause
                           AND q.to_clause OPERATOR(iso28000.>) p.from_clause));
COMMENT ON VIEW iso28000.clause_map_reach IS
  'ISO 28000 4.4: Where a result on each catalog clause reaches another standard through the clause maps (read both ways): the target clauses of the deepest map rows whose source clause covers it; what conformity_projection and audit_projection count. Not meant for BI.';
COMMENT ON COLUMN iso28000.clause_map_reach.source_standard IS 'Standard of the clause a result is recorded on.';
COMMENT ON COLUMN iso28000.clause_map_reach.source_clause IS 'That clause.';
COMMENT ON COLUMN iso28000.clause_map_reach.to_standard IS 'Standard reached.';
COMMENT ON COLUMN iso28000.clause_map_reach.to_clause IS 'Clause reached.';
GRANT SELECT ON iso28000.clause_map_reach TO PUBLIC;

CREATE VIEW iso28000.conformity_projection WITH (security_invoker = true) AS
WITH target AS (
    -- each assessment with each standard its own standard has maps to, and that standard's clauses
    SELECT s.org_id, s.assessment_id, s.title AS assessment_title, s.assessed_on, s.standard AS source_standard,
           c.standard, c.clause, c.title, c.seq,
           NOT EXISTS (SELECT FROM iso28000.clause k WHERE k.standard = c.standard AND k.parent = c.clause) AS leaf
      FROM iso28000.self_assessment s
      JOIN iso28000.clause c
        ON c.pdca IS NOT NULL
       AND EXISTS (SELECT FROM iso28000.clause_map m
                    WHERE (m.from_standard = s.standard AND m.to_standard = c.standard)
                       OR (m.to_standard = s.standard AND m.from_standard = c.standard))),
reach AS NOT MATERIALIZED (
    -- for each catalog clause, the target clauses of the deepest map rows covering it
    SELECT r.source_standard, r.source_clause, r.to_standard, r.to_clause FROM iso28000.clause_map_reach r),
per_target AS (
    -- one tally per target clause: the scoring aggregate straight over the results
    SELECT res.org_id, res.assessment_id, m.to_standard AS standard, m.to_clause AS clause,
           iso28000.conformity_tally(res.grade, res.weight) AS tally
      FROM iso28000.assessment_result res
      JOIN reach m ON m.source_standard = res.standard AND m.source_clause OPERATOR(iso28000.=) res.clause
     GROUP BY 1, 2, 3, 4),
leaves AS (
    SELECT t.org_id, t.assessment_id, t.standard, t.clause,
           CASE WHEN p.tally IS NOT NULL THEN p.tally
                WHEN t.leaf THEN '{not_assessed=1/1}'::iso28000.conformity_tally END AS tally
      FROM target t
      LEFT JOIN per_target p ON p.org_id = t.org_id AND p.assessment_id = t.assessment_id
                            AND p.standard = t.standard AND p.clause OPERATOR(iso28000.=) t.clause),
rolled AS (
    SELECT l.org_id, l.assessment_id, l.standard, iso28000.ancestor(l.clause, d) AS clause,
           iso28000.conformity_merge(l.tally) AS tally
      FROM leaves l
     CROSS JOIN LATERAL generate_series(1, iso28000.depth(l.clause)) AS d
     WHERE l.tally IS NOT NULL
     GROUP BY 1, 2, 3, 4)
SELECT t.org_id, t.assessment_id, t.assessment_title, t.assessed_on, t.source_standard, t.standard,
       t.clause::text AS clause, iso28000.sort_key(t.clause) AS clause_sort, t.title, t.seq,
       iso28000.depth(t.clause) AS depth,
       (SELECT string_agg(p.from_clause::text, ', ' ORDER BY iso28000.sort_key(p.from_clause))
          FROM (SELECT m.from_standard, m.from_clause, m.to_standard, m.to_clause FROM iso28000.clause_map m
                UNION ALL
                SELECT m.to_standard, m.to_clause, m.from_standard, m.from_clause FROM iso28000.clause_map m) p
         WHERE p.from_standard = t.source_standard AND p.to_standard = t.standard
           AND p.to_clause OPERATOR(iso28000.=) t.clause) AS mapped_from,
       EXISTS (SELECT FROM reach m WHERE m.source_standard = t.source_standard AND m.to_standard = t.standard
                                      AND m.to_clause OPERATOR(iso28000.<@) t.clause) AS reached,
       round(iso28000.score(r.tally)::numeric, 2) AS score,
       round(iso28000.coverage(r.tally)::numeric, 2) AS coverage,
       iso28000.verdict(r.tally) AS verdict,
       coalesce(iso28000.count_of(r.tally, 'minor_nc'), 0) AS minor_nc_count,
       coalesce(iso28000.count_of(r.tally, 'major_nc'), 0) AS major_nc_count,
       r.tally::text AS tally
  FROM target t
  LEFT JOIN leaves l ON l.org_id = t.org_id AND l.assessment_id = t.assessment_id
                    AND l.standard = t.standard AND l.clause OPERATOR(iso28000.=) t.clause
  LEFT JOIN rolled r ON r.org_id = t.org_id AND r.assessment_id = t.assessment_id
                    AND r.standard = t.standard AND r.clause OPERATOR(iso28000.=) t.clause;
COMMENT ON VIEW iso28000.conformity_projection IS
  'ISO 28000 9.1, 9.1.2, 4.4: Each self-assessment read through the clause maps onto every other standard its standard is mapped to: per target clause, the source clauses mapped onto it, whether any source clause reaches it or a sub-clause (reached), and the score, coverage and verdict of the results that reach it, rolled up the target''s hierarchy like conformity_by_clause (a target leaf no result reaches counts as not_assessed).';
COMMENT ON COLUMN iso28000.conformity_projection.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.conformity_projection.assessment_id IS 'The self-assessment read.';
COMMENT ON COLUMN iso28000.conformity_projection.assessment_title IS 'Name of the self-assessment.';
COMMENT ON COLUMN iso28000.conformity_projection.assessed_on IS 'Date of the self-assessment.';
COMMENT ON COLUMN iso28000.conformity_projection.source_standard IS 'Standard the assessment assessed.';
COMMENT ON COLUMN iso28000.conformity_projection.standard IS 'Standard reported against (the target of the maps).';
COMMENT ON COLUMN iso28000.conformity_projection.clause IS 'Clause of the target standard, as text.';
COMMENT ON COLUMN iso28000.conformity_projection.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.conformity_projection.title IS 'Title of the target clause.';
COMMENT ON COLUMN iso28000.conformity_projection.seq IS 'Position of the target clause in its standard.';
COMMENT ON COLUMN iso28000.conformity_projection.depth IS 'Depth of the target clause (1 for a top-level clause).';
COMMENT ON COLUMN iso28000.conformity_projection.mapped_from IS 'Clauses of the source standard mapped onto this clause (read both ways), comma separated; NULL when none is.';
COMMENT ON COLUMN iso28000.conformity_projection.reached IS 'True when a map from the source standard reaches this clause or one of its sub-clauses; false marks a gap the source standard does not cover.';
COMMENT ON COLUMN iso28000.conformity_projection.score IS 'Weighted conformity score of the items of the clause and its sub-clauses, in percent, to two decimals.';
COMMENT ON COLUMN iso28000.conformity_projection.coverage IS 'Share of applicable items graded, in percent, to two decimals (unreached leaves count as not_assessed).';
COMMENT ON COLUMN iso28000.conformity_projection.verdict IS 'nonconforming, conforming_with_findings or conforming (NULL when nothing graded).';
COMMENT ON COLUMN iso28000.conformity_projection.minor_nc_count IS 'Items graded minor_nc among the clause and its sub-clauses.';
COMMENT ON COLUMN iso28000.conformity_projection.major_nc_count IS 'Items graded major_nc among the clause and its sub-clauses.';
COMMENT ON COLUMN iso28000.conformity_projection.tally IS 'The merged conformity_tally of the clause, as text ({conforming=3/5,...}), to check the figures by hand.';

CREATE VIEW iso28000.audit_projection WITH (security_invoker = true) AS
WITH target AS (
    SELECT a.org_id, a.audit_id, a.title AS audit_title, a.status AS audit_status, a.scope, a.standard AS source_standard,
           c.standard, c.clause, c.title, c.seq
      FROM iso28000.audit a
      JOIN iso28000.clause c
        ON c.pdca IS NOT NULL
       AND EXISTS (SELECT FROM iso28000.clause_map m
                    WHERE (m.from_standard = a.standard AND m.to_standard = c.standard)
                       OR (m.to_standard = a.standard AND m.from_standard = c.standard))
     WHERE a.status <> 'cancelled'),
reach AS NOT MATERIALIZED (
    -- for each catalog clause, the target clauses of the deepest map rows covering it
    SELECT r.source_standard, r.source_clause, r.to_standard, r.to_clause FROM iso28000.clause_map_reach r),
per_target AS (
    -- one tally per target clause of each audit: the findings, each of weight 1
    SELECT f.org_id, f.audit_id, m.to_standard AS standard, m.to_clause AS clause,
           iso28000.conformity_tally(f.grade) AS tally, count(*) AS findings
      FROM iso28000.audit_finding f
      JOIN reach m ON m.source_standard = f.standard AND m.source_clause OPERATOR(iso28000.=) f.clause
     GROUP BY 1, 2, 3, 4),
rolled AS (
    SELECT p.org_id, p.audit_id, p.standard, iso28000.ancestor(p.clause, d) AS clause,
           iso28000.conformity_merge(p.tally) AS tally, sum(p.findings)::bigint AS findings
      FROM per_target p
     CROSS JOIN LATERAL generate_series(1, iso28000.depth(p.clause)) AS d
     GROUP BY 1, 2, 3, 4)
SELECT t.org_id, t.audit_id, t.audit_title, t.audit_status, t.source_standard, t.standard,
       t.clause::text AS clause, iso28000.sort_key(t.clause) AS clause_sort, t.title, t.seq,
       iso28000.depth(t.clause) AS depth,
       EXISTS (SELECT FROM reach m
                WHERE m.source_standard = t.source_standard AND m.to_standard = t.standard
                  AND m.to_clause OPERATOR(iso28000.<@) t.clause
                  AND iso28000.scope_covers(t.scope, m.source_clause)) AS reached,
       coalesce(r.findings, 0) AS findings,
       round(iso28000.score(r.tally)::numeric, 2) AS score,
       iso28000.verdict(r.tally) AS verdict,
       coalesce(iso28000.count_of(r.tally, 'minor_nc'), 0) AS minor_nc_count,
       coalesce(iso28000.count_of(r.tally, 'major_nc'), 0) AS major_nc_count,
       r.tally::text AS tally
  FROM target t
  LEFT JOIN rolled r ON r.org_id = t.org_id AND r.audit_id = t.audit_id
                    AND r.standard = t.standard AND r.clause OPERATOR(iso28000.=) t.clause;
COMMENT ON VIEW iso28000.audit_projection IS
  'ISO 28000 9.2.2, 4.4: Each audit (not cancelled) reported against every other standard its standard is mapped to: per target clause, whether the audit scope reaches it through the maps (reached; false marks what the audit said nothing about), and the findings that reach it with their score and verdict, rolled up the target''s hierarchy.';
COMMENT ON COLUMN iso28000.audit_projection.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_projection.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_projection.audit_title IS 'Name of the audit.';
COMMENT ON COLUMN iso28000.audit_projection.audit_status IS 'Workflow state of the audit.';
COMMENT ON COLUMN iso28000.audit_projection.source_standard IS 'Standard the audit audited.';
COMMENT ON COLUMN iso28000.audit_projection.standard IS 'Standard reported against (the target of the maps).';
COMMENT ON COLUMN iso28000.audit_projection.clause IS 'Clause of the target standard, as text.';
COMMENT ON COLUMN iso28000.audit_projection.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.audit_projection.title IS 'Title of the target clause.';
COMMENT ON COLUMN iso28000.audit_projection.seq IS 'Position of the target clause in its standard.';
COMMENT ON COLUMN iso28000.audit_projection.depth IS 'Depth of the target clause (1 for a top-level clause).';
COMMENT ON COLUMN iso28000.audit_projection.reached IS 'True when a source clause inside the audit scope maps onto this clause or one of its sub-clauses.';
COMMENT ON COLUMN iso28000.audit_projection.findings IS 'Findings that reach the clause and its sub-clauses (a finding reaching two sub-clauses counts in each).';
COMMENT ON COLUMN iso28000.audit_projection.score IS 'Conformity score of those findings, in percent, to two decimals (NULL without findings).';
COMMENT ON COLUMN iso28000.audit_projection.verdict IS 'nonconforming, conforming_with_findings or conforming (NULL without findings).';
COMMENT ON COLUMN iso28000.audit_projection.minor_nc_count IS 'Findings graded minor_nc among them.';
COMMENT ON COLUMN iso28000.audit_projection.major_nc_count IS 'Findings graded major_nc among them.';
COMMENT ON COLUMN iso28000.audit_projection.tally IS 'The merged conformity_tally, as text.';

GRANT SELECT ON iso28000.conformity_projection, iso28000.audit_projection TO PUBLIC;
