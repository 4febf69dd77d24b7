/*
 * sql/views/conformity.sql
 *		The conformity of the whole standard, clause by clause, for people and
 *		BI: from the self-assessments of 9.1 (conformity_by_clause,
 *		conformity_trend) and the audits of 9.2 (audit_coverage,
 *		findings_by_clause, which counts the nonconformities of 10.2 that
 *		findings raised).  Every view runs with the caller's rights
 *		(security_invoker): row-level security of the registers beneath them
 *		decides which rows a member sees.  Reference: doc/audit-review.md.
 */

CREATE VIEW iso28000.conformity_by_clause WITH (security_invoker = true) AS
WITH latest AS (
    -- the latest self-assessment grade of each clause of each organisation and standard
    SELECT DISTINCT ON (r.org_id, r.standard, r.clause)
           r.org_id, r.standard, r.clause, r.grade, r.weight, s.assessed_on
      FROM iso28000.assessment_result r
      JOIN iso28000.self_assessment s USING (org_id, assessment_id)
     ORDER BY r.org_id, r.standard, r.clause, s.assessed_on DESC, s.assessment_id DESC),
catalog AS (
    SELECT c.standard, c.clause, c.title, c.seq,
           NOT EXISTS (SELECT FROM iso28000.clause k
                        WHERE k.standard = c.standard AND k.parent = c.clause) AS leaf
      FROM iso28000.clause c
     WHERE c.pdca IS NOT NULL),
orgs AS (
    -- each organisation with each standard it has self-assessed
    SELECT DISTINCT org_id, standard FROM iso28000.self_assessment),
items AS (
    -- graded clauses with their latest grade; leaf clauses never graded count as not_assessed
    SELECT org_id, standard, clause, grade, weight, assessed_on FROM latest
    UNION ALL
    SELECT o.org_id, c.standard, c.clause, 'not_assessed'::iso28000.conformity_grade, 1, NULL
      FROM orgs o JOIN catalog c ON c.standard = o.standard
     WHERE c.leaf AND NOT EXISTS (SELECT FROM latest l WHERE l.org_id = o.org_id AND l.standard = c.standard
                                                         AND l.clause = c.clause)),
rolled AS (
    -- each item counts for its clause and every ancestor: one pass, grouped
    SELECT i.org_id, i.standard, iso28000.ancestor(i.clause, d) AS clause,
           iso28000.conformity_tally(i.grade, i.weight) AS tally, max(i.assessed_on) AS last_assessed_on
      FROM items i
     CROSS JOIN LATERAL generate_series(1, iso28000.depth(i.clause)) AS d
     GROUP BY 1, 2, 3)
SELECT o.org_id, c.clause::text AS clause, iso28000.sort_key(c.clause) AS clause_sort,
       c.title, c.seq, iso28000.depth(c.clause) AS depth, l.grade::text AS grade,
       round(iso28000.score(r.tally)::numeric, 2) AS score,
       round(iso28000.coverage(r.tally)::numeric, 2) AS coverage,
       iso28000.verdict(r.tally) AS verdict,
       coalesce(iso28000.count_of(r.tally, 'minor_nc'), 0) AS minor_nc_count,
       coalesce(iso28000.count_of(r.tally, 'major_nc'), 0) AS major_nc_count,
       r.last_assessed_on, o.standard
  FROM orgs o
  JOIN catalog c ON c.standard = o.standard
  LEFT JOIN rolled r ON r.org_id = o.org_id AND r.standard = o.standard AND r.clause OPERATOR(iso28000.=) c.clause
  LEFT JOIN latest l ON l.org_id = o.org_id AND l.standard = o.standard AND l.clause OPERATOR(iso28000.=) c.clause;
COMMENT ON VIEW iso28000.conformity_by_clause IS
  'ISO 28000 9.1, 9.1.2: Conformity of every clause of every standard an organisation has self-assessed (ISO 28000:2022, ISO 22301:2019, ...; column standard): the latest self-assessment grade of each clause, rolled up the clause hierarchy (a clause counts its own grade and its sub-clauses''), with score, coverage and verdict; a leaf clause never assessed counts as not_assessed.';
COMMENT ON COLUMN iso28000.conformity_by_clause.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.conformity_by_clause.clause IS 'Clause of the standard, as text.';
COMMENT ON COLUMN iso28000.conformity_by_clause.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.conformity_by_clause.title IS 'Title of the clause.';
COMMENT ON COLUMN iso28000.conformity_by_clause.seq IS 'Position of the clause in the standard (sort by it).';
COMMENT ON COLUMN iso28000.conformity_by_clause.depth IS 'Depth in the clause hierarchy (1 for a top-level clause such as 8, 2 for 8.1).';
COMMENT ON COLUMN iso28000.conformity_by_clause.grade IS 'Latest grade given to the clause itself (conforming, observation, opportunity, minor_nc, major_nc, not_applicable, not_assessed), NULL if never graded.';
COMMENT ON COLUMN iso28000.conformity_by_clause.score IS 'Weighted conformity score of the latest grades of the clause and its sub-clauses, in percent, to two decimals (NULL when nothing graded).';
COMMENT ON COLUMN iso28000.conformity_by_clause.coverage IS 'Share of applicable clauses graded, in percent, to two decimals.';
COMMENT ON COLUMN iso28000.conformity_by_clause.verdict IS 'nonconforming, conforming_with_findings or conforming (NULL when nothing graded).';
COMMENT ON COLUMN iso28000.conformity_by_clause.minor_nc_count IS 'Clauses among the clause and its sub-clauses whose latest grade is minor_nc.';
COMMENT ON COLUMN iso28000.conformity_by_clause.major_nc_count IS 'Clauses among the clause and its sub-clauses whose latest grade is major_nc.';
COMMENT ON COLUMN iso28000.conformity_by_clause.last_assessed_on IS 'Date of the most recent grade counted.';
COMMENT ON COLUMN iso28000.conformity_by_clause.standard IS 'Standard of the clause (ISO 28000:2022, ISO 22301:2019, ...): filter on it.';

CREATE VIEW iso28000.conformity_trend WITH (security_invoker = true) AS
SELECT x.org_id, x.assessment_id, x.title, x.assessed_on,
       round(iso28000.score(x.tally)::numeric, 2) AS score,
       round(iso28000.coverage(x.tally)::numeric, 2) AS coverage,
       iso28000.verdict(x.tally) AS verdict,
       round((iso28000.score(x.tally) - lag(iso28000.score(x.tally)) OVER (PARTITION BY x.org_id, x.standard ORDER BY x.assessed_on, x.assessment_id))::numeric, 2) AS score_change,
       round(iso28000.score(iso28000.conformity_merge(x.tally) OVER w)::numeric, 2) AS moving_score,
       round(iso28000.coverage(iso28000.conformity_merge(x.tally) OVER w)::numeric, 2) AS moving_coverage,
       count(*) OVER w AS moving_assessments, x.standard
  FROM (SELECT s.org_id, s.assessment_id, s.title, s.assessed_on, s.standard,
               iso28000.conformity_tally(r.grade, r.weight) AS tally
          FROM iso28000.self_assessment s
          LEFT JOIN iso28000.assessment_result r USING (org_id, assessment_id)
         GROUP BY s.org_id, s.assessment_id) x
WINDOW w AS (PARTITION BY x.org_id, x.standard ORDER BY x.assessed_on, x.assessment_id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);
COMMENT ON VIEW iso28000.conformity_trend IS
  'ISO 28000 9.1, 9.3.2: Conformity across self-assessments per organisation and standard, in date order: each assessment''s score, coverage and verdict, the change from the previous one of the same standard, and a moving window over the last three (their tallies merged).';
COMMENT ON COLUMN iso28000.conformity_trend.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.conformity_trend.assessment_id IS 'The self-assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.title IS 'Name of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.assessed_on IS 'Date of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.score IS 'Weighted conformity score of the assessment, in percent, to two decimals.';
COMMENT ON COLUMN iso28000.conformity_trend.coverage IS 'Coverage of the assessment, in percent, to two decimals.';
COMMENT ON COLUMN iso28000.conformity_trend.verdict IS 'Verdict of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.score_change IS 'Score minus the previous assessment''s score (percentage points, to two decimals).';
COMMENT ON COLUMN iso28000.conformity_trend.moving_score IS 'Score of this and the two previous assessments together (their tallies merged), to two decimals.';
COMMENT ON COLUMN iso28000.conformity_trend.moving_coverage IS 'Coverage of this and the two previous assessments together, to two decimals.';
COMMENT ON COLUMN iso28000.conformity_trend.moving_assessments IS 'Number of assessments in the moving window (up to 3).';
COMMENT ON COLUMN iso28000.conformity_trend.standard IS 'Standard assessed; the change and the moving window compare assessments of the same standard.';

CREATE VIEW iso28000.audit_coverage WITH (security_invoker = true) AS
SELECT p.org_id, p.programme_id, p.title AS programme, p.period_start, p.period_end,
       c.clause::text AS clause, iso28000.sort_key(c.clause) AS clause_sort, c.title, c.seq,
       iso28000.depth(c.clause) AS depth,
       count(a.audit_id) AS audits,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) AS audits_done,
       max(coalesce(a.ended_on, a.started_on)) FILTER (WHERE a.status IN ('in_progress', 'reported', 'closed')) AS last_audited_on,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) > 0 AS covered,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) = 0 AND p.period_end < current_date AS missed,
       p.standard
  FROM iso28000.audit_programme p
  JOIN iso28000.clause c ON c.standard = p.standard AND iso28000.scope_covers(p.scope, c.clause)
  LEFT JOIN iso28000.audit a
         ON a.org_id = p.org_id AND a.programme_id = p.programme_id AND a.standard = p.standard
        AND a.status <> 'cancelled' AND iso28000.scope_covers(a.scope, c.clause)
 GROUP BY p.org_id, p.programme_id, c.clause, c.title, c.seq;
COMMENT ON VIEW iso28000.audit_coverage IS
  'ISO 28000 9.2.2: Which clauses of its scope an audit programme audited in its cycle and which it missed: per programme and clause, the audits whose scope covers the clause (a clause covers its sub-clauses).';
COMMENT ON COLUMN iso28000.audit_coverage.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_coverage.programme_id IS 'The audit programme.';
COMMENT ON COLUMN iso28000.audit_coverage.programme IS 'Name of the programme.';
COMMENT ON COLUMN iso28000.audit_coverage.period_start IS 'First day of the programme''s cycle.';
COMMENT ON COLUMN iso28000.audit_coverage.period_end IS 'Last day of the programme''s cycle.';
COMMENT ON COLUMN iso28000.audit_coverage.clause IS 'Clause in the programme scope, as text.';
COMMENT ON COLUMN iso28000.audit_coverage.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.audit_coverage.title IS 'Title of the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.seq IS 'Position of the clause in the standard.';
COMMENT ON COLUMN iso28000.audit_coverage.depth IS 'Depth in the clause hierarchy (1 for a top-level clause such as 8, 2 for 8.1).';
COMMENT ON COLUMN iso28000.audit_coverage.audits IS 'Audits of the programme (not cancelled) whose scope covers the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.audits_done IS 'Of those, audits reported or closed.';
COMMENT ON COLUMN iso28000.audit_coverage.last_audited_on IS 'Last day of fieldwork of the latest audit covering the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.covered IS 'True when a reported or closed audit covered the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.missed IS 'True when the cycle has ended and no audit covered the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.standard IS 'Standard of the programme''s scope; only audits of that standard count.';

CREATE VIEW iso28000.findings_by_clause WITH (security_invoker = true) AS
SELECT f.org_id, f.clause::text AS clause, iso28000.sort_key(f.clause) AS clause_sort,
       c.title, f.grade::text AS grade,
       count(*) AS findings,
       count(DISTINCT f.audit_id) AS audits,
       count(f.nonconformity_id) AS with_nonconformity,
       min(f.found_on) AS first_found_on,
       max(f.found_on) AS last_found_on, f.standard
  FROM iso28000.audit_finding f
  JOIN iso28000.audit a USING (org_id, audit_id)
  LEFT JOIN iso28000.clause c ON c.standard = f.standard AND c.clause = f.clause
 WHERE a.status <> 'cancelled'
 GROUP BY f.org_id, f.standard, f.clause, c.title, f.grade;
COMMENT ON VIEW iso28000.findings_by_clause IS
  'ISO 28000 9.2.2, 10.2: Audit findings per organisation, standard, clause and grade (cancelled audits left out), with how many raised a nonconformity.';
COMMENT ON COLUMN iso28000.findings_by_clause.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.findings_by_clause.clause IS 'Clause of the findings, as text.';
COMMENT ON COLUMN iso28000.findings_by_clause.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.findings_by_clause.title IS 'Title of the clause in the catalog of its standard.';
COMMENT ON COLUMN iso28000.findings_by_clause.grade IS 'Grade of the findings (conforming, observation, opportunity, minor_nc, major_nc, not_applicable, not_assessed).';
COMMENT ON COLUMN iso28000.findings_by_clause.findings IS 'Number of findings.';
COMMENT ON COLUMN iso28000.findings_by_clause.audits IS 'Number of audits they come from.';
COMMENT ON COLUMN iso28000.findings_by_clause.with_nonconformity IS 'Findings that raised a nonconformity.';
COMMENT ON COLUMN iso28000.findings_by_clause.first_found_on IS 'Date of the first finding.';
COMMENT ON COLUMN iso28000.findings_by_clause.last_found_on IS 'Date of the latest finding.';
COMMENT ON COLUMN iso28000.findings_by_clause.standard IS 'Standard of the clause (the audit''s).';

-- Members read the views; row-level security of the registers beneath them
-- (security_invoker) decides which rows they see.
GRANT SELECT ON iso28000.conformity_by_clause, iso28000.conformity_trend,
  iso28000.audit_coverage, iso28000.findings_by_clause TO PUBLIC;
