/*
 * sql/upgrades/iso28000--0.1.0--0.2.0.sql
 *		Upgrades iso28000 from 0.1.0 to 0.2.0 (ALTER EXTENSION iso28000 UPDATE).
 *
 * Every change made under sql/ after release 0.1.0 is written here too, in the
 * order it must run.  test/suite.d/upgrade checks that 0.1.0 upgraded with this
 * script describes exactly like a fresh install of 0.2.0.
 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION iso28000 UPDATE TO '0.2.0'" to load this file. \quit

-- Issue 17, one install order (sql/install-order): the install script no
-- longer probes for its own objects at run time.  register_table() attaches
-- the history unconditionally (the recorder is created before it); the
-- finding trigger (now declared with clause 10) no longer asks whether the
-- nonconformity register exists; the input pack and the management-review
-- report read every register and view directly.
CREATE OR REPLACE FUNCTION iso28000.register_table(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    seq regclass;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND NOT attisdropped) THEN
        RAISE EXCEPTION 'table % has no org_id column', tbl
              USING ERRCODE = 'IS005',
                    DETAIL = 'Every register belongs to an organisation through its org_id column.';
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY member_read ON %s FOR SELECT
                      USING (org_id = ANY ((SELECT iso28000.member_orgs(''read''))::bigint[]))', tbl);
    EXECUTE format('CREATE POLICY member_insert ON %s FOR INSERT
                      WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))', tbl);
    EXECUTE format('CREATE POLICY member_update ON %s FOR UPDATE
                      USING (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))
                      WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))', tbl);
    EXECUTE format('CREATE POLICY member_delete ON %s FOR DELETE
                      USING (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))', tbl);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO PUBLIC', tbl);

    -- pg_dump keeps the rows of the extension's own registers (and the state of
    -- their identity sequences); a user's table attached here is dumped anyway.
    IF EXISTS (SELECT FROM pg_depend
                WHERE classid = 'pg_class'::regclass AND objid = tbl AND deptype = 'e') THEN
        PERFORM pg_catalog.pg_extension_config_dump(tbl, '');
        FOR seq IN
            SELECT pg_get_serial_sequence(tbl::text, attname)::regclass
              FROM pg_attribute
             WHERE attrelid = tbl AND attidentity <> '' AND NOT attisdropped
        LOOP
            PERFORM pg_catalog.pg_extension_config_dump(seq, '');
        END LOOP;
    END IF;

    -- history: every change is recorded in the organisation's chain (sql/core/05_history.sql).
    PERFORM iso28000.attach_history(tbl);
END
$$;

CREATE OR REPLACE FUNCTION iso28000.audit_finding_raise_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    lead bigint;
    audit_title text;
BEGIN
    IF NEW.grade NOT IN ('minor_nc', 'major_nc') OR NEW.nonconformity_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT a.lead_auditor_id, a.title INTO lead, audit_title
      FROM iso28000.audit a WHERE a.org_id = NEW.org_id AND a.audit_id = NEW.audit_id;
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by)
    VALUES (NEW.org_id,
            left(format('Audit finding on %s: %s', NEW.clause, NEW.statement), 200),
            concat_ws(E'\n', NEW.statement, 'Evidence: ' || NEW.evidence, 'Audit: ' || audit_title),
            'audit_finding', format('audit %s, finding %s', NEW.audit_id, NEW.finding_id),
            NEW.clause, CASE NEW.grade WHEN 'major_nc' THEN 'major' ELSE 'minor' END,
            NEW.found_on, lead)
    RETURNING nonconformity_id INTO NEW.nonconformity_id;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION iso28000._status_counts(tbl text, org bigint, to_on date)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    by_status jsonb;
    overdue   bigint;
BEGIN
    IF NOT iso28000._has_columns(tbl, ARRAY['org_id', 'status']) THEN
        RETURN jsonb_build_object('available', false);
    END IF;
    EXECUTE format('SELECT coalesce(jsonb_object_agg(status, n), ''{}'') FROM
                      (SELECT status, count(*) AS n FROM %s WHERE org_id = $1 GROUP BY status) s', tbl)
      INTO by_status USING org;
    IF iso28000._has_columns(tbl, ARRAY['due_on']) THEN
        EXECUTE format($q$SELECT count(*) FROM %s t
                           WHERE org_id = $1 AND due_on < $2
                             AND NOT EXISTS (SELECT FROM iso28000.workflow_state s
                                              WHERE s.state = t.status AND s.is_terminal)$q$, tbl)
          INTO overdue USING org, to_on;
    END IF;
    RETURN jsonb_build_object('available', true, 'by_status', by_status, 'overdue_at_end', overdue);
END
$$;

CREATE OR REPLACE FUNCTION iso28000.review_input_pack(org bigint, from_on date, to_on date)
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
             'objective_measurements', iso28000._period_counts('iso28000.objective_measurement', org, from_on, to_on,
                                                               'measured_on', 'measured_on'),
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
             'improvements', iso28000._status_counts('iso28000.improvement', org, to_on))
      INTO improvement;

    RETURN QUERY
    SELECT c.input_code, c.title,
           CASE c.input_code
             WHEN 'previous_actions' THEN prev
             WHEN 'context_changes' THEN iso28000._period_counts('iso28000.context_issue', org, from_on, to_on,
                                                                 'identified_on', 'closed_on')
             WHEN 'party_changes' THEN jsonb_build_object(
                 'parties', iso28000._period_counts('iso28000.interested_party', org, from_on, to_on,
                                                    'identified_on', 'closed_on'),
                 'requirements', iso28000._period_counts('iso28000.party_requirement', org, from_on, to_on,
                                                         'identified_on', 'closed_on'))
             WHEN 'nonconformities' THEN jsonb_build_object(
                 'nonconformities', iso28000._status_counts('iso28000.nonconformity', org, to_on),
                 'corrective_actions', iso28000._status_counts('iso28000.corrective_action', org, to_on))
             WHEN 'monitoring_results' THEN monitoring
             WHEN 'audit_results' THEN audits
             WHEN 'objectives' THEN objectives
             WHEN 'improvement_opportunities' THEN improvement
           END
      FROM (SELECT i.input_code, i.title, i.seq FROM iso28000.review_input i
            UNION ALL
            SELECT u.input_code, u.title, u.seq FROM iso28000.review_input_custom u
             WHERE u.org_id = org AND u.active
               AND u.input_code NOT IN (SELECT i2.input_code FROM iso28000.review_input i2)) c
     ORDER BY c.seq, c.input_code;
END
$$;

CREATE OR REPLACE FUNCTION iso28000.management_review_report(org bigint,
                                                  from_on date DEFAULT current_date - 365,
                                                  to_on date DEFAULT current_date)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o      record;
    r      record;
    doc    text;
    part   text;
    rows   text;
    n      bigint;
BEGIN
    IF from_on IS NULL OR to_on IS NULL OR to_on < from_on THEN
        RAISE EXCEPTION 'invalid report period % to %', from_on, to_on
              USING ERRCODE = '22023', HINT = 'Give a period whose end is on or after its start.';
    END IF;
    PERFORM iso28000.require_level(org, 'read');
    SELECT * INTO o FROM iso28000.organization WHERE org_id = org;

    doc := '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        || format('<title>Management review: %s, %s to %s</title>', iso28000.html_escape(o.name), from_on, to_on)
        || '<style>'
        || 'body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px 32px;color:#222;max-width:1100px}'
        || 'h1{font-size:22px;margin-bottom:2px}h2{font-size:17px;border-bottom:2px solid #1f5fa8;padding-bottom:3px;margin-top:28px}'
        || '.sub{color:#555;margin-top:0}table{border-collapse:collapse;margin:6px 0;font-size:13px}'
        || 'th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}th{background:#eef3fa}'
        || '.bar{background:#eee;width:260px;height:14px;position:relative}.bar span{display:block;height:14px}'
        || '.num{text-align:right;white-space:nowrap}.ok{color:#2e7d32}.bad{color:#c62828;font-weight:bold}.muted{color:#777}'
        || '.maps{display:flex;gap:40px;flex-wrap:wrap}.legend span{display:inline-block;padding:1px 8px;margin-right:4px;font-size:12px}'
        || '.objs{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}'
        || '.obj{border:1px solid #ddd;padding:6px 8px;font-size:12px}.obj b{font-size:13px}'
        || 'code{font-size:12px;word-break:break-all}'
        || '</style></head><body>'
        || format('<h1>Management review report: %s</h1>', iso28000.html_escape(o.name))
        || format('<p class="sub">ISO 28000:2022 clause 9.3 &middot; period %s to %s &middot; generated %s by %s</p>',
                  from_on, to_on, to_char(now(), 'YYYY-MM-DD HH24:MI TZ'), iso28000.html_escape(current_user));

    -- 9.3.2 Review inputs.
    part := '<section id="review-inputs"><h2>Review inputs (9.3.2)</h2>';
    FOR r IN SELECT mr.*, p.full_name AS chair
               FROM iso28000.management_review mr
               LEFT JOIN iso28000.person p ON p.org_id = mr.org_id AND p.person_id = mr.chair_id
              WHERE mr.org_id = org AND mr.held_on BETWEEN from_on AND to_on
              ORDER BY mr.held_on DESC LIMIT 1 LOOP
        part := part || format('<p><b>%s</b>, held %s, chaired by %s, status <b>%s</b>; covers %s to %s.</p>',
                               iso28000.html_escape(r.title), r.held_on, iso28000.html_escape(coalesce(r.chair, '-')),
                               iso28000.html_escape(r.status), r.period_start, r.period_end);
        SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td class="%s">%s</td><td>%s</td></tr>',
                                 iso28000.html_escape(i.input_code), iso28000.html_escape(i.title),
                                 CASE WHEN i.addressed THEN 'ok' WHEN i.required THEN 'bad' ELSE 'muted' END,
                                 CASE WHEN i.addressed THEN 'addressed' WHEN i.required THEN 'not yet addressed' ELSE 'optional' END,
                                 iso28000.html_escape(coalesce(i.summary, ''))), '' ORDER BY i.seq, i.input_code)
          INTO rows
          FROM iso28000.review_input_item i
         WHERE i.org_id = org AND i.review_id = r.review_id;
        IF rows IS NOT NULL THEN
            part := part || '<table class="checklist"><tr><th>input</th><th>title</th><th>state</th><th>summary</th></tr>'
                         || rows || '</table>';
        END IF;
    END LOOP;
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td></tr>',
                             iso28000.html_escape(p.input_code), iso28000.html_escape(p.title),
                             iso28000._facts_html(p.facts)), '')
      INTO rows
      FROM iso28000.review_input_pack(org, from_on, to_on) p;
    part := part || '<h3>Facts of the period, by input</h3><table class="input-pack"><tr><th>input</th><th>title</th><th>facts</th></tr>'
                 || coalesce(rows, '') || '</table>';
    doc := doc || part || '</section>';

    -- 9.1, 9.2 Conformity by clause.
    part := '<section id="conformity"><h2>Conformity by clause (9.1, 9.2)</h2>';
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td><div class="bar" title="%s%%"><span style="width:%s%%;background:%s"></span></div></td><td class="num">%s</td><td class="num">%s</td><td>%s</td></tr>',
                             c.clause, iso28000.html_escape(c.title), coalesce(round(c.score::numeric, 1)::text, '-'),
                             coalesce(round(c.score::numeric, 1), 0),
                             CASE WHEN c.score >= 90 THEN '#2e7d32' WHEN c.score >= 70 THEN '#f4a259' ELSE '#c62828' END,
                             coalesce(round(c.score::numeric, 1) || ' %', '-'), coalesce(round(c.coverage::numeric, 1) || ' %', '-'),
                             iso28000.html_escape(coalesce(c.verdict::text, 'not assessed'))), '' ORDER BY c.clause)
      INTO rows
      FROM iso28000.conformity_by_clause c
     WHERE c.org_id = org AND iso28000.depth(c.clause) <= 2;
    part := part || coalesce('<table class="conformity"><tr><th>clause</th><th>title</th><th>score</th><th class="num">score</th><th class="num">coverage</th><th>verdict</th></tr>'
                             || rows || '</table>',
                             '<p class="muted">No self-assessment recorded yet.</p>');
    doc := doc || part || '</section>';

    -- 6.1, 8.3 Risk heat maps.
    part := '<section id="risk-heat-map"><h2>Risk heat map, inherent and residual (6.1, 8.3)</h2>';
    SELECT count(*) INTO n FROM iso28000.risk WHERE org_id = org AND status <> 'closed';
    part := part || format('<p>%s open risks and opportunities; the numbers are the count of open risks in each cell.</p>', n)
                 || '<div class="maps"><figure><figcaption>Inherent</figcaption>' || iso28000._heat_map_svg(org, 'inherent')
                 || '</figure><figure><figcaption>Residual</figcaption>' || iso28000._heat_map_svg(org, 'residual')
                 || '</figure></div><p class="legend">'
                 || (SELECT string_agg(format('<span style="background:%s">%s</span>', iso28000._band_colour(b), b), '')
                       FROM unnest(ARRAY['low', 'medium', 'high', 'critical']) b)
                 || '</p>';
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
                             t.risk_rank, iso28000.html_escape(coalesce(t.reference, '')), iso28000.html_escape(t.title),
                             coalesce(t.inherent_rating::text, '-'), coalesce(t.residual_rating::text, '-'), t.band),
                      '' ORDER BY t.risk_rank, t.risk_id)
      INTO rows
      FROM iso28000.top_risk t WHERE t.org_id = org AND t.risk_rank <= 10;
    part := part || coalesce('<h3>Top risks</h3><table class="top-risks"><tr><th>#</th><th>ref</th><th>risk</th><th>inherent</th><th>residual</th><th>band</th></tr>'
                             || rows || '</table>', '');
    doc := doc || part || '</section>';

    -- 10.2 Nonconformity ageing.
    part := '<section id="nonconformity"><h2>Nonconformities: open, by state and age (10.2)</h2>';
    WITH b(label, lo, hi) AS (VALUES ('0-30 days', 0, 30), ('31-60', 31, 60), ('61-90', 61, 90),
                                     ('91-180', 91, 180), ('over 180', 181, 1000000)),
         s AS (SELECT DISTINCT status FROM iso28000.nonconformity_open WHERE org_id = org)
    SELECT '<table class="ageing"><tr><th>state</th>'
           || (SELECT string_agg(format('<th class="num">%s</th>', label), '' ORDER BY lo) FROM b)
           || '<th class="num">total</th></tr>'
           || string_agg(row_html, '' ORDER BY ord) || '</table>'
      INTO rows
      FROM (SELECT s.status,
                   (SELECT array_position(ARRAY['reported', 'contained', 'cause_analysed', 'action_planned',
                                                'action_taken', 'verified'], s.status)) AS ord,
                   format('<tr><td>%s</td>%s<td class="num"><b>%s</b></td></tr>', s.status,
                          (SELECT string_agg(format('<td class="num" style="background:rgba(224,82,74,%s)">%s</td>',
                                                    least(cnt, 10) / 12.0, NULLIF(cnt, 0)), '' ORDER BY b.lo)
                             FROM (SELECT b.lo, (SELECT count(*) FROM iso28000.nonconformity_open n
                                                  WHERE n.org_id = org AND n.status = s.status
                                                    AND n.age_days BETWEEN b.lo AND b.hi) AS cnt FROM b) b),
                          (SELECT count(*) FROM iso28000.nonconformity_open n
                            WHERE n.org_id = org AND n.status = s.status)) AS row_html
              FROM s) x;
    part := part || coalesce(rows, '<p>No open nonconformity.</p>');
    SELECT count(*) FILTER (WHERE detected_on BETWEEN from_on AND to_on) INTO n
      FROM iso28000.nonconformity WHERE org_id = org;
    part := part || format('<p>%s nonconformities were detected in the period.</p>', n);
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num bad">%s</td></tr>',
                             a.corrective_action_id, iso28000.html_escape(a.title),
                             iso28000.html_escape(coalesce(a.owner_name, '-')), a.due_on, a.days_overdue),
                      '' ORDER BY a.days_overdue DESC, a.corrective_action_id)
      INTO rows
      FROM iso28000.corrective_action_overdue a WHERE a.org_id = org;
    part := part || coalesce('<h3>Overdue corrective actions</h3><table class="overdue"><tr><th>#</th><th>action</th><th>owner</th><th>due</th><th class="num">days late</th></tr>'
                             || rows || '</table>', '<p class="ok">No corrective action is overdue.</p>');
    doc := doc || part || '</section>';

    -- 6.2 Objectives against target.
    part := '<section id="objectives"><h2>Security objectives against target (6.2)</h2>';
    SELECT string_agg(format('<div class="obj"><b>%s</b><br>target %s %s (%s) &middot; latest <span class="%s">%s</span> &middot; %s%s<br>%s</div>',
                             iso28000.html_escape(s.title), s.target, iso28000.html_escape(s.unit), s.direction,
                             CASE WHEN s.target_met THEN 'ok' WHEN s.target_met IS NULL THEN 'muted' ELSE 'bad' END,
                             coalesce(s.latest_value::text, '-'),
                             replace(s.schedule_status, '_', ' '),
                             coalesce(' &middot; ' || s.trend, ''),
                             iso28000._objective_chart_svg(org, s.objective_id, from_on, to_on)),
                      '' ORDER BY s.objective_id)
      INTO rows
      FROM iso28000.objective_status s WHERE s.org_id = org;
    part := part || coalesce('<div class="objs">' || rows || '</div>', '<p>No objective recorded.</p>');
    doc := doc || part || '</section>';

    -- The history chain's head and its verification.
    part := '<section id="history"><h2>History digest</h2>';
    IF NOT iso28000.has_level(org, 'audit') THEN
        part := part || '<p class="muted">Reading the history chain needs audit access to the organisation; an auditor''s report shows its digest.</p>';
    ELSE
        EXECUTE $q$
            SELECT format('<table class="digest"><tr><th>records in the chain</th><td>%s</td></tr>'
                          || '<tr><th>head digest (keep it outside the database)</th><td><code>%s</code></td></tr>'
                          || '<tr><th>verification</th><td class="%s">%s</td></tr></table>',
                          coalesce(d.seq, 0), iso28000.html_escape(coalesce(d.digest, '-')),
                          CASE WHEN v.valid THEN 'ok' ELSE 'bad' END,
                          CASE WHEN v.valid THEN format('the chain verifies (%s records checked)', v.records_checked)
                               ELSE format('BROKEN at record %s: %s', v.first_broken_seq, iso28000.html_escape(coalesce(v.problem, ''))) END)
              FROM iso28000.history_digest($1) d, iso28000.verify_history($1) v $q$
          INTO rows USING org;
        part := part || coalesce(rows, '');
    END IF;
    doc := doc || part || '</section>';

    RETURN doc || '<footer><p class="muted">Produced by iso28000.management_review_report(). Clause numbers and titles of ISO 28000:2022; requirement wording is not reproduced.</p></footer></body></html>';
END
$$;
-- trust-identity (issue 11): the acting person.  The delegation register, its
-- grant and revoke functions, act_as() and acting_person() (src/actor.c), and
-- current_person() answering the acting person.
COMMENT ON COLUMN iso28000.person.db_role IS 'Database role this person logs in as, if any; acting_person() maps the session to the person.';
-- Application roles that a manager lets act for the organisation's people.
CREATE TABLE iso28000.delegation (
    org_id      bigint NOT NULL REFERENCES iso28000.organization,
    delegate    regrole NOT NULL,
    note        text,
    granted_by  name NOT NULL DEFAULT current_user,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, delegate)
);
COMMENT ON TABLE iso28000.delegation IS
  'ISO 28000 5.3, 7.5.3: Database roles (typically an application''s pooled login) that a manager of the organisation lets act for its people with act_as(); change it with grant_delegation() and revoke_delegation(); every change is chained in the history.';
COMMENT ON COLUMN iso28000.delegation.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.delegation.delegate IS 'The delegated database role; roles that have its privileges may act through it.';
COMMENT ON COLUMN iso28000.delegation.note IS 'Why the role is delegated (for example the application it serves).';
COMMENT ON COLUMN iso28000.delegation.granted_by IS 'Role that granted the delegation.';
COMMENT ON COLUMN iso28000.delegation.granted_at IS 'When the delegation was granted or last changed.';
ALTER TABLE iso28000.delegation ENABLE ROW LEVEL SECURITY;
ALTER TABLE iso28000.delegation FORCE ROW LEVEL SECURITY;
CREATE POLICY member_read ON iso28000.delegation FOR SELECT
  USING (org_id = ANY ((SELECT iso28000.member_orgs('read'))::bigint[]));
CREATE POLICY manager_insert ON iso28000.delegation FOR INSERT
  WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs('manage'))::bigint[]));
CREATE POLICY manager_update ON iso28000.delegation FOR UPDATE
  USING (org_id = ANY ((SELECT iso28000.member_orgs('manage'))::bigint[]))
  WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs('manage'))::bigint[]));
CREATE POLICY manager_delete ON iso28000.delegation FOR DELETE
  USING (org_id = ANY ((SELECT iso28000.member_orgs('manage'))::bigint[]));
GRANT SELECT, INSERT, UPDATE, DELETE ON iso28000.delegation TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.delegation', '');

-- Lets a role act for the organisation's people (needs manage).
CREATE FUNCTION iso28000.grant_delegation(org bigint, role regrole, note text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM iso28000.require_level(org, 'manage');
    INSERT INTO iso28000.delegation AS d (org_id, delegate, note)
         VALUES (org, role, grant_delegation.note)
    ON CONFLICT (org_id, delegate)
      DO UPDATE SET note = excluded.note, granted_by = current_user, granted_at = now();
END
$$;
COMMENT ON FUNCTION iso28000.grant_delegation(bigint, regrole, text) IS
  'Lets a database role (an application''s login) act for the people of the organisation with act_as(); the caller must manage the organisation (IS001).';

-- Ends a role's delegation; false when it had none.
CREATE FUNCTION iso28000.revoke_delegation(org bigint, role regrole)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM iso28000.require_level(org, 'manage');
    DELETE FROM iso28000.delegation d WHERE d.org_id = org AND d.delegate = role;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
END
$$;
COMMENT ON FUNCTION iso28000.revoke_delegation(bigint, regrole) IS
  'Ends a role''s delegation in the organisation; returns false when it had none. The caller must manage the organisation (IS001). A declaration already made with act_as() stops counting at the next statement.';

-- Declares the person the current transaction acts for.
CREATE FUNCTION iso28000.act_as(org bigint, person bigint)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'iso28000_act_as';
COMMENT ON FUNCTION iso28000.act_as(bigint, bigint) IS
  'Declares, for the rest of the current transaction (or until its savepoint is rolled back), that the current role acts for the person in the organisation. Refused unless a manager delegated the role there (IS020) and the person is an active person of the organisation (IS021). Kept in backend memory, not in a setting: safe behind a transaction pooler.';

-- The person the current transaction acts for in the organisation.
CREATE FUNCTION iso28000.acting_person(org bigint)
RETURNS bigint
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'iso28000_acting_person_sql';
COMMENT ON FUNCTION iso28000.acting_person(bigint) IS
  'The acting person of the current transaction in the organisation: the person named with act_as() while the current role is still the delegated role that named it, else the active person whose db_role is the current role; NULL when there is none.';

-- The acting person, under its 0.1.0 name.
CREATE OR REPLACE FUNCTION iso28000.current_person(org bigint)
RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$ SELECT iso28000.acting_person(org) $$;
COMMENT ON FUNCTION iso28000.current_person(bigint) IS
  'The acting person of the organisation (acting_person()): the person named with act_as() by a delegated role, else the active person whose db_role is the current role, or NULL.';
SELECT iso28000.attach_history('iso28000.delegation');


-- graph-verify (issue 13): single_points_of_failure in C over a dominator tree (src/spof.c),
-- same signature, rules and answers as the PL/pgSQL function of 0.1.0.
CREATE OR REPLACE FUNCTION iso28000.single_points_of_failure(org_id bigint)
RETURNS TABLE (node_id bigint, sms_process_id bigint, nodes_lost integer)
AS 'MODULE_PATHNAME', 'single_points_of_failure' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION iso28000.single_points_of_failure(bigint) IS
  'ISO 28000 8.1, 8.2: For one organisation, every node whose loss alone cuts a critical process in use (sms_process.critical, not retired), with the number of nodes that stop with it; node_loss_impact''s rules (cycles included), computed in C for all nodes in one pass over a dominator tree, near-linear on chains and trees of needs. Reads as the caller, through row-level security.';

-- graph-verify (issue 13): verify_history walks the chain in C (src/history_verify.c),
-- same checks, order and reports as 0.1.0's PL/pgSQL loop.
-- The walk of verify_history(): every record of a chain in seq order, streamed in C.
CREATE FUNCTION iso28000.history_verify_chain(org bigint, kept_seq bigint, kept_hash bytea,
    OUT records_checked bigint, OUT first_broken_seq bigint, OUT problem text, OUT detail text,
    OUT last_hash bytea)
RETURNS record
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'history_verify_chain';
COMMENT ON FUNCTION iso28000.history_verify_chain(bigint, bigint, bytea) IS
  'The records walk of verify_history(), in C (src/history_verify.c): reads the organisation''s history in seq order with one query whose rows it checks as the executor produces them, as the caller (row-level security applies), recomputes each hash over the canonical serialisation and returns the records checked and the first broken link (missing, reordered, inserted, altered, digest_mismatch against kept_seq and kept_hash), or the hash of the last record when none is broken. verify_history() adds the level check and the chain head.';

-- Recomputes an organisation's chain and names the first broken link.
CREATE OR REPLACE FUNCTION iso28000.verify_history(org bigint, kept_digest text DEFAULT NULL,
    OUT valid boolean, OUT records_checked bigint, OUT first_broken_seq bigint,
    OUT problem text, OUT detail text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    prev bytea;
    head_seq bigint;
    head_hash bytea;
    kept text[];
    kept_seq bigint;
    kept_hash bytea;
BEGIN
    PERFORM iso28000.require_level(org, 'audit');
    IF kept_digest IS NOT NULL THEN
        kept := regexp_match(kept_digest, '^([0-9]+):([0-9]+):([0-9a-f]{64})$');
        IF kept IS NULL THEN
            RAISE EXCEPTION 'invalid input syntax for a history digest: "%"', kept_digest
                  USING ERRCODE = '22P02',
                        HINT = 'A digest is "org_id:seq:hash" as returned by iso28000.history_digest().';
        END IF;
        IF kept[1]::bigint <> org THEN
            RAISE EXCEPTION 'digest "%" is of organisation %, not of organisation %', kept_digest, kept[1], org
                  USING ERRCODE = 'IS204',
                        DETAIL = 'A kept digest only vouches for the chain of its own organisation.';
        END IF;
        kept_seq := kept[2]::bigint;
        kept_hash := decode(kept[3], 'hex');
    END IF;

    valid := false;
    SELECT c.records_checked, c.first_broken_seq, c.problem, c.detail, c.last_hash
      INTO records_checked, first_broken_seq, problem, detail, prev
      FROM iso28000.history_verify_chain(org, kept_seq, kept_hash) c;
    IF problem IS NOT NULL THEN
        RETURN;
    END IF;

    SELECT h.seq, h.hash INTO head_seq, head_hash FROM iso28000.history_head h WHERE h.org_id = org;
    IF NOT FOUND THEN
        head_seq := 0;
        head_hash := decode(repeat('00', 32), 'hex');
    END IF;
    IF head_seq > records_checked THEN
        first_broken_seq := records_checked + 1;
        problem := 'missing';
        detail := format('the chain ends at record %s but its head is at record %s: records were removed',
                         records_checked, head_seq);
        RETURN;
    ELSIF head_seq < records_checked THEN
        first_broken_seq := head_seq + 1;
        problem := 'inserted';
        detail := format('records %s to %s lie beyond the chain head (record %s)',
                         head_seq + 1, records_checked, head_seq);
        RETURN;
    ELSIF head_hash IS DISTINCT FROM prev THEN
        first_broken_seq := head_seq;
        problem := 'altered';
        detail := format('the chain head does not carry the hash of record %s', head_seq);
        RETURN;
    END IF;
    IF kept_seq > records_checked THEN
        first_broken_seq := records_checked + 1;
        problem := 'missing';
        detail := format('the kept digest names record %s but the chain ends at record %s',
                         kept_seq, records_checked);
        RETURN;
    END IF;
    valid := true;
END
$$;
COMMENT ON FUNCTION iso28000.verify_history(bigint, text) IS
  'Recomputes the organisation''s history chain and checks it against its head and, if given, a digest kept from history_digest(). Returns valid, the records checked before the first broken link, and that link: its seq, the problem (missing, altered, reordered, inserted, digest_mismatch) and a sentence. Needs level audit (IS001).';

-- Issue 11 (attack 3): every SQL and PL/pgSQL function pins its search_path, so
-- that an operator or function that the caller put first in search_path never
-- runs inside them (policies, guards and triggers run them for the caller).
ALTER FUNCTION iso28000._band_colour(text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000._facts_html(jsonb) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000._has_columns(text,text[]) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000._heat_map_svg(bigint,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000._keep_a_manager(bigint,regrole) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000._objective_chart_svg(bigint,bigint,date,date) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.appetite_band(bigint,date) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.audit_check_independence() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.audit_finding_in_scope() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.audit_finding_raise_nonconformity() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.audit_guard(iso28000.audit,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.audit_independence_conflict(bigint,bigint) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.band(bigint,iso28000.risk_rating) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.band_rank(text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.corrective_action_reopen_allowed(iso28000.corrective_action,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.criticality_label(integer) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.criticality_rank(text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.document_version_approval_guard(iso28000.document_version,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.document_version_supersede_previous() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.grant_access(bigint,regrole,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.has_level(bigint,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.html_escape(text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.management_review_checklist() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.management_review_guard(iso28000.management_review,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.may_accept_risk(bigint,bigint,iso28000.risk_rating,date) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.member_orgs(text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.node_downstream(bigint,bigint) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.node_loss_impact(bigint,bigint[]) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.node_upstream(bigint,bigint) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.nonconformity_actions_done(iso28000.nonconformity,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.nonconformity_actions_planned(iso28000.nonconformity,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.nonconformity_sms_decision(iso28000.nonconformity,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.nonconformity_verifier_independent(iso28000.nonconformity,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.process_dependency_check_activity() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.raise_nonconformity(bigint,text,text,text,text,text,text,date) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.register_table(regclass) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.require_level(bigint,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.revoke_access(bigint,regrole) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.risk_acceptance_guard(iso28000.risk,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.risk_treated_guard(iso28000.risk,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.risk_treatment_planned_guard(iso28000.risk,text,text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.scope_covers(iso28000.clause_ref[],iso28000.clause_ref) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.within_appetite(bigint,iso28000.risk_rating) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION iso28000.workflow_level_ok(text) SET search_path = pg_catalog, pg_temp;

-- Issue 11 (attack 2): the engines serve the extension's registers only.
-- register_table(), attach_history() and attach_workflow() refuse a table that
-- is not a permanent table of schema iso28000 owned by the extension's owner
-- (IS010, IS210, IS110); none of them, nor the engines' trigger functions, is
-- granted to PUBLIC any more.
CREATE OR REPLACE FUNCTION iso28000._is_extension_table(tbl regclass)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.oid = tbl AND n.nspname = 'iso28000' AND c.relowner = n.nspowner
                      AND c.relpersistence = 'p' AND c.relkind IN ('r', 'p'))
$$;
COMMENT ON FUNCTION iso28000._is_extension_table(regclass) IS
  'Internal: true when the table is a permanent table of schema iso28000 owned by the extension''s owner, the only tables register_table(), the history and the workflow engine accept.';
CREATE OR REPLACE FUNCTION iso28000.register_table(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    seq regclass;
BEGIN
    IF NOT iso28000._is_extension_table(tbl) THEN
        RAISE EXCEPTION 'table % cannot be made a register: it is not a permanent table of schema iso28000 owned by the extension''s owner', tbl
              USING ERRCODE = 'IS010',
                    DETAIL = 'The history and the workflow engine serve only the extension''s own registers.',
                    HINT = 'The extension''s owner creates the table in schema iso28000 and calls register_table().',
                    SCHEMA = (SELECT c.relnamespace::regnamespace::text FROM pg_class c WHERE c.oid = tbl),
                    TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND NOT attisdropped) THEN
        RAISE EXCEPTION 'table % has no org_id column', tbl
              USING ERRCODE = 'IS005',
                    DETAIL = 'Every register belongs to an organisation through its org_id column.';
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY member_read ON %s FOR SELECT
                      USING (org_id = ANY ((SELECT iso28000.member_orgs(''read''))::bigint[]))', tbl);
    EXECUTE format('CREATE POLICY member_insert ON %s FOR INSERT
                      WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))', tbl);
    EXECUTE format('CREATE POLICY member_update ON %s FOR UPDATE
                      USING (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))
                      WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))', tbl);
    EXECUTE format('CREATE POLICY member_delete ON %s FOR DELETE
                      USING (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))', tbl);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO PUBLIC', tbl);

    -- pg_dump keeps the rows of the extension's own registers (and the state of
    -- their identity sequences); a user's table attached here is dumped anyway.
    IF EXISTS (SELECT FROM pg_depend
                WHERE classid = 'pg_class'::regclass AND objid = tbl AND deptype = 'e') THEN
        PERFORM pg_catalog.pg_extension_config_dump(tbl, '');
        FOR seq IN
            SELECT pg_get_serial_sequence(tbl::text, attname)::regclass
              FROM pg_attribute
             WHERE attrelid = tbl AND attidentity <> '' AND NOT attisdropped
        LOOP
            PERFORM pg_catalog.pg_extension_config_dump(seq, '');
        END LOOP;
    END IF;

    -- history: every change is recorded in the organisation's chain (sql/core/05_history.sql).
    PERFORM iso28000.attach_history(tbl);
END
$$;
COMMENT ON FUNCTION iso28000.register_table(regclass) IS
  'Makes a table a register: enables and forces row-level security with the standard member policies, grants DML to PUBLIC (the policies filter rows), has pg_dump keep its rows, and attaches the history chain. The table must be a permanent table of schema iso28000 owned by the extension''s owner (IS010) and have an org_id column (IS005). Not granted to PUBLIC.';
REVOKE ALL ON FUNCTION iso28000.register_table(regclass) FROM PUBLIC;
CREATE OR REPLACE FUNCTION iso28000.attach_history(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
BEGIN
    IF NOT iso28000._is_extension_table(tbl) THEN
        RAISE EXCEPTION 'table % cannot have a history: it is not a permanent table of schema iso28000 owned by the extension''s owner', tbl
              USING ERRCODE = 'IS210',
                    DETAIL = 'The history records only the extension''s own registers.',
                    HINT = 'The extension''s owner creates the table in schema iso28000 and calls register_table().',
                    SCHEMA = (SELECT c.relnamespace::regnamespace::text FROM pg_class c WHERE c.oid = tbl),
                    TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND attnum > 0 AND NOT attisdropped) THEN
        RAISE EXCEPTION 'table % has no org_id column', tbl
              USING ERRCODE = 'IS205',
                    DETAIL = 'The history chains each row into the chain of the organisation named by its org_id.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND atttypid = 'bigint'::regtype AND attnotnull) THEN
        RAISE EXCEPTION 'column org_id of table % is not bigint NOT NULL', tbl
              USING ERRCODE = 'IS205',
                    DETAIL = 'org_id refers to iso28000.organization, whose key is bigint; every row belongs to one organisation.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = tbl AND contype = 'p') THEN
        RAISE EXCEPTION 'table % has no primary key', tbl
              USING ERRCODE = 'IS205',
                    DETAIL = 'A history record names the changed row by its primary key.';
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_insert ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_update ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_delete ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_truncate ON %s', tbl);
    -- A trigger with transition tables fires for one event only: three of them.
    EXECUTE format('CREATE TRIGGER iso28000_history_insert AFTER INSERT ON %s
                      REFERENCING NEW TABLE AS iso28000_new
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
    EXECUTE format('CREATE TRIGGER iso28000_history_update AFTER UPDATE ON %s
                      REFERENCING OLD TABLE AS iso28000_old NEW TABLE AS iso28000_new
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
    EXECUTE format('CREATE TRIGGER iso28000_history_delete AFTER DELETE ON %s
                      REFERENCING OLD TABLE AS iso28000_old
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
    EXECUTE format('CREATE TRIGGER iso28000_history_truncate BEFORE TRUNCATE ON %s
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
END
$$;
COMMENT ON FUNCTION iso28000.attach_history(regclass) IS
  'Attaches the history chain to a register: every INSERT, UPDATE and DELETE is recorded, TRUNCATE is refused (IS202). The table must be a permanent table of schema iso28000 owned by the extension''s owner (IS210) with org_id bigint NOT NULL and a primary key (IS205). register_table() calls it. Not granted to PUBLIC.';
REVOKE ALL ON FUNCTION iso28000.attach_history(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION iso28000.history_record() FROM PUBLIC;
CREATE OR REPLACE FUNCTION iso28000.attach_workflow(tbl regclass, workflow text, status_column name DEFAULT 'status')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  trg name := CASE WHEN status_column = 'status' THEN 'workflow_guard'
                   ELSE 'workflow_guard_' || status_column END;
  coltype regtype;
  missing text;
BEGIN
  IF NOT iso28000._is_extension_table(tbl) THEN
    RAISE EXCEPTION 'workflow "%" cannot govern table %: it is not a permanent table of schema iso28000 owned by the extension''s owner', workflow, tbl
      USING ERRCODE = 'IS110',
            DETAIL = 'The workflow engine governs only the extension''s own registers.',
            HINT = 'The extension''s owner creates the table in schema iso28000 and calls register_table().',
            SCHEMA = (SELECT c.relnamespace::regnamespace::text FROM pg_class c WHERE c.oid = tbl),
            TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM iso28000.workflow w WHERE w.workflow = attach_workflow.workflow) THEN
    RAISE EXCEPTION 'workflow "%" is not defined', workflow
      USING ERRCODE = 'IS100',
            HINT = 'Insert it into iso28000.workflow with its states and transitions first.';
  END IF;
  SELECT a.atttypid INTO coltype FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attname = status_column AND a.attnum > 0 AND NOT a.attisdropped;
  IF coltype IS NULL OR coltype NOT IN ('text'::regtype, 'varchar'::regtype) THEN
    RAISE EXCEPTION 'table % has no text column "%" to hold the state of workflow "%"', tbl, status_column, workflow
      USING ERRCODE = 'IS100';
  END IF;
  SELECT a.atttypid INTO coltype FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attname = 'org_id' AND a.attnum > 0 AND NOT a.attisdropped;
  IF coltype IS DISTINCT FROM 'bigint'::regtype THEN
    RAISE EXCEPTION 'table % has no bigint column org_id', tbl
      USING ERRCODE = 'IS100',
            DETAIL = 'The engine checks the member''s level and logs events per organisation.';
  END IF;
  SELECT string_agg(format('%s (state %s)', r.column_name, r.state), ', ' ORDER BY r.state, r.column_name)
    INTO missing
    FROM iso28000.workflow_required_column r
   WHERE r.workflow = attach_workflow.workflow
     AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = tbl AND a.attname = r.column_name
                        AND a.attnum > 0 AND NOT a.attisdropped);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'table % lacks columns that workflow "%" requires: %', tbl, workflow, missing
      USING ERRCODE = 'IS100';
  END IF;
  EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW '
                 'EXECUTE FUNCTION iso28000.workflow_guard(%L, %L)', trg, tbl, workflow, status_column);
END
$$;
REVOKE ALL ON FUNCTION iso28000.attach_workflow(regclass, text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION iso28000.detach_workflow(regclass, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION iso28000.workflow_guard() FROM PUBLIC;
