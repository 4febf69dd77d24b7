/*
 * sql/views/review_input_pack.sql
 *		ISO 28000 9.3.2: the input pack of a management review, live data for
 *		the period a review covers, gathered from the registers of every
 *		clause (4, 6, 9 and 10) for the checklist of
 *		sql/clauses/clause09_3_management_review.sql.  The HTML report
 *		(sql/reports/management_review_report.sql) shows it.
 */


-- Rows of a register opened, closed and still open for a period, by its date
-- columns; closed_col NULL for a register whose rows are not closed (party
-- requirements): closed_in_period is then null and every row opened by the
-- end counts as open.
CREATE FUNCTION iso28000._period_counts(tbl text, org bigint, from_on date, to_on date,
                                        opened_col text, closed_col text)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
BEGIN
    EXECUTE format($q$
        SELECT jsonb_build_object(
                 'available', true,
                 'opened_in_period', count(*) FILTER (WHERE %1$I BETWEEN $2 AND $3),
                 'closed_in_period', CASE WHEN $4 THEN count(*) FILTER (WHERE %2$s BETWEEN $2 AND $3) END,
                 'open_at_end', count(*) FILTER (WHERE %1$I <= $3 AND (%2$s IS NULL OR %2$s > $3)))
          FROM %3$s WHERE org_id = $1 $q$, opened_col, coalesce(quote_ident(closed_col), 'NULL::date'), tbl)
      INTO result USING org, from_on, to_on, closed_col IS NOT NULL;
    RETURN result;
END
$$;
COMMENT ON FUNCTION iso28000._period_counts(text, bigint, date, date, text, text) IS
  'Internal: how many rows of a register were opened and closed in a period and how many were open at its end, from two date columns (closed_col NULL: rows are never closed, closed_in_period is null; "available" is always true: every register is installed with the extension; the key is kept for readers of release 0.1.0''s pack).';

-- Rows of a workflow register per status and, when it has a due date, how
-- many are past it.
CREATE FUNCTION iso28000._status_counts(tbl text, org bigint, to_on date, has_due_on boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    by_status jsonb;
    overdue   bigint;
BEGIN
    EXECUTE format('SELECT coalesce(jsonb_object_agg(status, n), ''{}'') FROM
                      (SELECT status, count(*) AS n FROM %s WHERE org_id = $1 GROUP BY status) s', tbl)
      INTO by_status USING org;
    IF has_due_on THEN
        EXECUTE format($q$SELECT count(*) FROM %s t
                           WHERE org_id = $1 AND due_on < $2
                             AND NOT EXISTS (SELECT FROM iso28000.workflow_state s
                                              WHERE s.state = t.status AND s.is_terminal)$q$, tbl)
          INTO overdue USING org, to_on;
    END IF;
    RETURN jsonb_build_object('available', true, 'by_status', by_status, 'overdue_at_end', overdue);
END
$$;
COMMENT ON FUNCTION iso28000._status_counts(text, bigint, date, boolean) IS
  'Internal: rows of a register per status and, when the caller says it has due_on, how many non-terminal rows were past due at the date ("available" is always true, kept for readers of release 0.1.0''s pack).';

-- The input pack of a management review: one row per checklist input with its facts.
CREATE FUNCTION iso28000.review_input_pack(org bigint, from_on date, to_on date)
RETURNS TABLE (input_code text, title text, facts jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    prev jsonb;
    audits jsonb;
    monitoring jsonb;
    objectives jsonb;
    improvement jsonb;
    -- What the helpers (_period_counts, _status_counts) find, each asked in a
    -- statement of its own: on Citus a statement that filters by org_id runs
    -- whole on that organisation's worker, select list included, where a
    -- helper's own queries could not start (doc/distribution.md).
    measurements jsonb := iso28000._period_counts('iso28000.objective_measurement', org, from_on, to_on,
                                                  'measured_on', 'measured_on');
    improvements jsonb := iso28000._status_counts('iso28000.improvement', org, to_on, true);
    incidents jsonb := iso28000._incident_facts(org, from_on, to_on);
    context jsonb := iso28000._period_counts('iso28000.context_issue', org, from_on, to_on,
                                             'identified_on', 'closed_on');
    parties jsonb := jsonb_build_object(
                 'parties', iso28000._period_counts('iso28000.interested_party', org, from_on, to_on,
                                                    'identified_on', 'closed_on'),
                 'requirements', iso28000._period_counts('iso28000.party_requirement', org, from_on, to_on,
                                                         'identified_on', NULL));
    ncs jsonb := jsonb_build_object(
                 'nonconformities', iso28000._status_counts('iso28000.nonconformity', org, to_on, false),
                 'corrective_actions', iso28000._status_counts('iso28000.corrective_action', org, to_on, true));
BEGIN
    -- Actions from earlier reviews: open, overdue, done in the period.
    SELECT jsonb_build_object(
             'open', count(*) FILTER (WHERE o.status = 'open'),
             'overdue', count(*) FILTER (WHERE o.status = 'open' AND o.due_on < to_on),
             'done_in_period', count(*) FILTER (WHERE o.done_on BETWEEN from_on AND to_on),
             'open_actions', coalesce(jsonb_agg(jsonb_build_object(
                 'output_id', o.output_id, 'review_id', o.review_id, 'description', o.description,
                 'owner_id', o.owner_id, 'due_on', o.due_on) ORDER BY o.due_on, o.output_id)
                 FILTER (WHERE o.status = 'open' AND o.kind = 'action'), '[]'))
      INTO prev
      FROM iso28000.review_output o
      JOIN iso28000.management_review r USING (org_id, review_id)
     WHERE o.org_id = org AND r.held_on <= to_on AND o.kind IN ('action', 'sms_change', 'improvement', 'resource');

    -- Audits reported in the period, their findings and conformity.
    SELECT jsonb_build_object(
             'audits_reported', count(DISTINCT a.audit_id),
             'findings', iso28000.conformity_tally(f.grade)::text,
             'score', iso28000.score(iso28000.conformity_tally(f.grade)),
             'verdict', iso28000.verdict(iso28000.conformity_tally(f.grade)),
             'nonconformities_raised', count(f.nonconformity_id))
      INTO audits
      FROM iso28000.audit a
      LEFT JOIN iso28000.audit_finding f USING (org_id, audit_id)
     WHERE a.org_id = org AND a.reported_on BETWEEN from_on AND to_on;

    -- Self-assessments in the period (the conformity trend) and objective measurements.
    SELECT jsonb_build_object(
             'assessments', coalesce(jsonb_agg(jsonb_build_object(
                 'assessment_id', x.assessment_id, 'assessed_on', x.assessed_on,
                 'score', x.score, 'coverage', x.coverage, 'verdict', x.verdict)
                 ORDER BY x.assessed_on, x.assessment_id), '[]'),
             'objective_measurements', measurements,
             'indicators', (SELECT jsonb_build_object(
                                'measured_in_period', count(DISTINCT m.indicator_id),
                                'measurements_in_period', count(m.measurement_id))
                              FROM iso28000.indicator_measurement m
                             WHERE m.org_id = org AND m.measured_on BETWEEN from_on AND to_on),
             'indicators_now', (SELECT jsonb_build_object(
                                'active', count(*),
                                'on_target', count(*) FILTER (WHERE st.on_target),
                                'past_threshold', count(*) FILTER (WHERE st.past_threshold),
                                'measurement_overdue', count(*) FILTER (WHERE st.measurement_overdue))
                              FROM iso28000.indicator_status st WHERE st.org_id = org))
      INTO monitoring
      FROM (SELECT s.assessment_id, s.assessed_on,
                   iso28000.conformity_score(r.grade, r.weight) AS score,
                   iso28000.coverage(iso28000.conformity_tally(r.grade, r.weight)) AS coverage,
                   iso28000.verdict(iso28000.conformity_tally(r.grade, r.weight)) AS verdict
              FROM iso28000.self_assessment s
              LEFT JOIN iso28000.assessment_result r USING (org_id, assessment_id)
             WHERE s.org_id = org AND s.assessed_on BETWEEN from_on AND to_on
             GROUP BY s.assessment_id, s.assessed_on) x;

    objectives := iso28000._period_counts('iso28000.objective', org, from_on, to_on, 'set_on', 'achieved_on')
                  || jsonb_build_object('overdue_at_end', iso28000._objectives_overdue(org, to_on));

    SELECT jsonb_build_object(
             'opportunities_from_audits', (SELECT count(*) FROM iso28000.audit_finding f
                                            WHERE f.org_id = org AND f.grade = 'opportunity'
                                              AND f.found_on BETWEEN from_on AND to_on),
             'opportunities_from_assessments', (SELECT count(*) FROM iso28000.assessment_result r
                                                  JOIN iso28000.self_assessment s USING (org_id, assessment_id)
                                                 WHERE r.org_id = org AND r.grade = 'opportunity'
                                                   AND s.assessed_on BETWEEN from_on AND to_on),
             'improvements', improvements)
      INTO improvement;

    RETURN QUERY
    SELECT c.input_code, c.title,
           CASE c.input_code
             WHEN 'previous_actions' THEN prev
             WHEN 'context_changes' THEN context
             WHEN 'party_changes' THEN parties
             WHEN 'nonconformities' THEN ncs
             WHEN 'monitoring_results' THEN monitoring
             WHEN 'audit_results' THEN audits
             WHEN 'objectives' THEN objectives
             WHEN 'improvement_opportunities' THEN improvement
             WHEN 'security_incidents' THEN incidents
           END
      FROM (SELECT i.input_code, i.title, i.seq FROM iso28000.review_input i
            UNION ALL
            SELECT u.input_code, u.title, u.seq FROM iso28000.review_input_custom u
             WHERE u.org_id = org AND u.active
               AND u.input_code NOT IN (SELECT i2.input_code FROM iso28000.review_input i2)) c
     ORDER BY c.seq, c.input_code;
END
$$;
COMMENT ON FUNCTION iso28000.review_input_pack(bigint, date, date) IS
  'ISO 28000 9.3.2: The input pack of a management review for a period, from live data: one row per checklist input (shared and the organisation''s own) with its facts as JSON: actions of earlier reviews, changes of context issues and interested parties, nonconformities and corrective actions, self-assessment scores (the conformity trend) and measurements, audit results, objectives, improvement opportunities, security incidents and exercises. Each register''s facts carry "available": true (kept from release 0.1.0, whose pack probed for registers); an organisation''s own inputs have NULL facts.';

-- Objectives past their due date and neither achieved nor cancelled at a date.
CREATE FUNCTION iso28000._objectives_overdue(org bigint, at_on date)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE $q$SELECT count(*) FROM iso28000.objective
               WHERE org_id = $1 AND due_on < $2
                 AND (achieved_on IS NULL OR achieved_on > $2) AND (cancelled_on IS NULL OR cancelled_on > $2)$q$
      INTO n USING org, at_on;
    RETURN n;
END
$$;
COMMENT ON FUNCTION iso28000._objectives_overdue(bigint, date) IS
  'Internal: objectives of the organisation past their due date at a date and neither achieved nor cancelled by then.';
