/*
 * sql/reports/management_review_report.sql
 *		The management-review report (9.3): one self-contained HTML document for
 *		an organisation and a period, built in the database from the registers
 *		and views of every clause, so it installs after all of them
 *		(sql/install-order).
 *
 * Sections (each a <section id="...">, which test/suite.d/report_render
 * checks in headless Chromium):
 *   review-inputs   9.3.2: the review of the period, its input checklist, and
 *                   the facts review_input_pack() gathers for each input;
 *   conformity      9.1, 9.2: conformity by clause as bars (score, coverage);
 *   risk-heat-map   6.1, 8.3: inherent and residual heat maps as SVG;
 *   nonconformity   10.2: open nonconformities by state and age, overdue actions;
 *   incidents       8.6, 9.1, 10.2: incidents of the period by severity, open
 *                   incidents, authority notifications due, incidents by node,
 *                   exercises held, and what incidents and exercises raised;
 *   objectives      6.2: every objective's measurements of the period against
 *                   its target, one small SVG chart each;
 *   supply-chain    8.1, 8.4: segments, assessments, providers in breach,
 *                   exceptions (supply_chain_report_html(), a function of its own);
 *   history         the head of the organisation's hash chain and whether
 *                   the chain verifies, to be kept outside the database
 *                   (reading the chain needs audit level; below it the
 *                   section says so).
 *
 * Every register and view it reads is created before it (sql/install-order
 * puts reports last), so it reads them directly.  The function runs with
 * the caller's rights: row-level security decides what it sees, and
 * it refuses (IS001) a caller who cannot read the organisation.  The document
 * embeds no script, font, image or style sheet from elsewhere.
 */

-- Escapes text for HTML element content and attribute values.
CREATE FUNCTION iso28000.html_escape(t text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT replace(replace(replace(replace(replace(t, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                   '"', '&quot;'), '''', '&#39;')
$$;
COMMENT ON FUNCTION iso28000.html_escape(text) IS
  'Escapes &, <, >, double and single quotes for HTML content and attribute values (used by management_review_report).';

-- "no nonconformities", "1 nonconformity", "3 nonconformities".
CREATE FUNCTION iso28000._count_phrase(n bigint, one text, many text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN coalesce(n, 0) = 0 THEN 'no ' || many WHEN n = 1 THEN '1 ' || one ELSE n || ' ' || many END
$$;
COMMENT ON FUNCTION iso28000._count_phrase(bigint, text, text) IS
  'Internal: a count with its noun for the report''s sentences: "no findings", "1 finding", "3 findings".';

-- "2 reported, 1 contained" from a jsonb object of counts, in the given order of keys.
CREATE FUNCTION iso28000._counts_list(counts jsonb, keys text[] DEFAULT NULL)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(format('%s %s', e.value #>> '{}', replace(e.key, '_', ' ')), ', '
                      ORDER BY coalesce(array_position(keys, e.key), 1000), e.key)
      FROM jsonb_each(CASE WHEN jsonb_typeof(counts) = 'object' THEN counts ELSE '{}' END) e
     WHERE (e.value #>> '{}') IS DISTINCT FROM '0'
$$;
COMMENT ON FUNCTION iso28000._counts_list(jsonb, text[]) IS
  'Internal: a jsonb object of counts as words for the report ("2 reported, 1 contained"), zero counts left out, keys in the given order first.';

-- A sentence on the rows of a workflow register per state (facts of _status_counts).
CREATE FUNCTION iso28000._status_sentence(sc jsonb, workflow text, one text, many text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    total   bigint;
    open_n  bigint;
    open_l  text;
    done_l  text;
    overdue bigint := (sc ->> 'overdue_at_end')::bigint;
BEGIN
    IF sc IS NULL OR (sc ->> 'available') = 'false' THEN
        RETURN format('%s carry no state from which they could be counted.', upper(left(many, 1)) || substr(many, 2));
    END IF;
    SELECT sum((e.value #>> '{}')::bigint),
           sum((e.value #>> '{}')::bigint) FILTER (WHERE NOT coalesce(s.is_terminal, false)),
           string_agg(format('%s %s', e.value #>> '{}', replace(e.key, '_', ' ')), ', ' ORDER BY e.key)
             FILTER (WHERE NOT coalesce(s.is_terminal, false)),
           string_agg(format('%s %s', e.value #>> '{}', replace(e.key, '_', ' ')), ', ' ORDER BY e.key)
             FILTER (WHERE s.is_terminal)
      INTO total, open_n, open_l, done_l
      FROM jsonb_each(coalesce(sc -> 'by_status', '{}')) e
      LEFT JOIN iso28000.workflow_state s ON s.workflow = _status_sentence.workflow AND s.state = e.key;
    IF coalesce(total, 0) = 0 THEN
        RETURN format('No %s recorded.', many);
    END IF;
    RETURN format('%s: %s%s.',
                  upper(left(iso28000._count_phrase(total, one, many), 1)) || substr(iso28000._count_phrase(total, one, many), 2),
                  coalesce(open_l, ''),
                  CASE WHEN done_l IS NULL THEN ''
                       WHEN open_l IS NULL THEN 'all finished: ' || done_l
                       ELSE '; finished: ' || done_l END)
        || CASE WHEN overdue > 0 THEN format(' %s past the due date at the end of the period.',
                                           CASE WHEN overdue = 1 THEN '1 is' ELSE overdue || ' are' END)
                WHEN overdue = 0 THEN ' None is past its due date.' ELSE '' END;
END
$$;
COMMENT ON FUNCTION iso28000._status_sentence(jsonb, text, text, text) IS
  'Internal: the rows of a workflow register per state (facts of _status_counts) as a sentence for the report: how many in all, per state (the states not final first, then those final in the workflow), and how many past their due date.';

-- A sentence on the rows of a register opened and closed in a period (facts of _period_counts).
CREATE FUNCTION iso28000._period_sentence(pc jsonb, one text, many text, opened text, closed text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN pc IS NULL OR (pc ->> 'available') = 'false'
                THEN format('%s carry no dates from which the changes of the period could be counted.', upper(left(many, 1)) || substr(many, 2))
                ELSE format('%s %s%s in the period; %s at its end.',
                            upper(left(iso28000._count_phrase((pc ->> 'opened_in_period')::bigint, one, many), 1))
                              || substr(iso28000._count_phrase((pc ->> 'opened_in_period')::bigint, one, many), 2),
                            opened, CASE WHEN pc ->> 'closed_in_period' IS NULL THEN ''
                                         ELSE format(' and %s %s', pc ->> 'closed_in_period', closed) END,
                            CASE WHEN (pc ->> 'open_at_end')::bigint = 1 THEN '1 was open'
                                 ELSE coalesce(pc ->> 'open_at_end', '0') || ' were open' END) END
$$;
COMMENT ON FUNCTION iso28000._period_sentence(jsonb, text, text, text, text) IS
  'Internal: the rows of a register opened and closed in a period (facts of _period_counts) as a sentence for the report; a register whose rows are never closed (closed_in_period null) is said without closings.';

-- Any facts without their own wording, as a small table of labels and values (never raw JSON).
CREATE FUNCTION iso28000._facts_table(facts jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '<table class="facts">'
        || coalesce(string_agg(format('<tr><th>%s</th><td>%s</td></tr>', iso28000.html_escape(replace(e.key, '_', ' ')),
             CASE jsonb_typeof(e.value)
               WHEN 'object' THEN coalesce(iso28000.html_escape(
                                    (SELECT string_agg(replace(k2, '_', ' ') || ': ' ||
                                              CASE jsonb_typeof(v2) WHEN 'array' THEN jsonb_array_length(v2)::text
                                                                    WHEN 'object' THEN (SELECT count(*) FROM jsonb_object_keys(v2))::text || ' items'
                                                                    WHEN 'boolean' THEN CASE WHEN v2::text = 'true' THEN 'yes' ELSE 'no' END
                                                                    WHEN 'null' THEN '-'
                                                                    ELSE v2 #>> '{}' END, '; ' ORDER BY k2)
                                       FROM jsonb_each(e.value) AS x(k2, v2))), '-')
               WHEN 'array' THEN CASE WHEN jsonb_array_length(e.value) = 0 THEN 'none'
                                      ELSE coalesce(iso28000.html_escape(
                                             (SELECT string_agg(coalesce(a.x ->> 'title', a.x ->> 'description', a.x ->> 'reference', a.x #>> '{}'), '; ')
                                                FROM jsonb_array_elements(e.value) AS a(x)
                                               WHERE jsonb_typeof(a.x) IN ('object', 'string', 'number'))),
                                                    jsonb_array_length(e.value) || ' items') END
               WHEN 'boolean' THEN CASE WHEN e.value::text = 'true' THEN 'yes' ELSE 'no' END
               WHEN 'null' THEN '-'
               ELSE iso28000.html_escape(e.value #>> '{}')
             END), '' ORDER BY e.key), '')
        || '</table>'
      FROM jsonb_each(CASE WHEN jsonb_typeof(facts) = 'object' THEN facts ELSE jsonb_build_object('value', facts) END) AS e
$$;
COMMENT ON FUNCTION iso28000._facts_table(jsonb) IS
  'Internal: facts of a review input that have no wording of their own (an input added later) as a small table of labels and values, nested objects and lists in words, booleans as yes and no: never raw JSON.';

-- The facts of one input of the pack as sentences and small tables for a board member.
CREATE FUNCTION iso28000.review_facts_html(input_code text, facts jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t     text;
    rows  text;
    tally iso28000.conformity_tally;
    n     bigint;
BEGIN
    IF facts IS NULL OR jsonb_typeof(facts) = 'null' THEN
        RETURN '<span class="muted">An input of the organisation''s own: the review records what it considered.</span>';
    END IF;
    CASE input_code
    WHEN 'previous_actions' THEN
        t := format('%s from earlier reviews %s open, %s of them overdue; %s done in the period.',
                    upper(left(iso28000._count_phrase((facts ->> 'open')::bigint, 'output', 'outputs'), 1))
                      || substr(iso28000._count_phrase((facts ->> 'open')::bigint, 'output', 'outputs'), 2),
                    CASE WHEN (facts ->> 'open')::bigint = 1 THEN 'is' ELSE 'are' END,
                    coalesce(facts ->> 'overdue', '0'), coalesce(facts ->> 'done_in_period', '0'));
        SELECT string_agg(format('<tr><td>%s</td><td>%s</td></tr>', iso28000.html_escape(a ->> 'description'),
                                 coalesce(a ->> 'due_on', '-')), '' ORDER BY a ->> 'due_on', a ->> 'output_id')
          INTO rows FROM jsonb_array_elements(coalesce(facts -> 'open_actions', '[]')) a;
        RETURN '<p>' || iso28000.html_escape(t) || '</p>'
            || coalesce('<table class="facts"><tr><th>open action</th><th>due</th></tr>' || rows || '</table>', '');
    WHEN 'context_changes' THEN
        RETURN '<p>' || iso28000.html_escape(iso28000._period_sentence(facts, 'external or internal issue', 'external and internal issues',
                                                                     'identified', 'closed')) || '</p>';
    WHEN 'party_changes' THEN
        RETURN '<p>' || iso28000.html_escape(
                   'Interested parties: ' || iso28000._period_sentence(facts -> 'parties', 'party', 'parties', 'identified', 'closed')
                   || ' Their requirements: ' || iso28000._period_sentence(facts -> 'requirements', 'requirement', 'requirements', 'identified', 'closed'))
            || '</p>';
    WHEN 'nonconformities' THEN
        RETURN '<p>' || iso28000.html_escape(iso28000._status_sentence(facts -> 'nonconformities', 'nonconformity', 'nonconformity', 'nonconformities'))
            || '</p><p>' || iso28000.html_escape(iso28000._status_sentence(facts -> 'corrective_actions', 'corrective_action', 'corrective action', 'corrective actions'))
            || '</p>';
    WHEN 'monitoring_results' THEN
        SELECT string_agg(format('<tr><td>%s</td><td class="num">%s</td><td class="num">%s</td><td>%s</td></tr>',
                                 a ->> 'assessed_on', coalesce(round((a ->> 'score')::numeric, 1) || ' %', '-'),
                                 coalesce(round((a ->> 'coverage')::numeric, 1) || ' %', '-'),
                                 iso28000.html_escape(replace(coalesce(a ->> 'verdict', 'not assessed'), '_', ' '))),
                          '' ORDER BY a ->> 'assessed_on')
          INTO rows FROM jsonb_array_elements(coalesce(facts -> 'assessments', '[]')) a;
        t := CASE WHEN rows IS NULL THEN '<p>No self-assessment in the period.</p>'
                  ELSE format('<p>%s in the period:</p>', iso28000.html_escape(upper(left(iso28000._count_phrase(
                         jsonb_array_length(facts -> 'assessments'), 'self-assessment', 'self-assessments'), 1))
                         || substr(iso28000._count_phrase(jsonb_array_length(facts -> 'assessments'), 'self-assessment', 'self-assessments'), 2)))
                       || '<table class="facts"><tr><th>assessed</th><th class="num">score</th><th class="num">coverage</th><th>verdict</th></tr>'
                       || rows || '</table>' END;
        IF (facts -> 'objective_measurements' ->> 'available') = 'true' THEN
            t := t || '<p>' || iso28000.html_escape(format('Objectives were measured %s in the period.',
                   CASE (facts -> 'objective_measurements' ->> 'opened_in_period')::bigint WHEN 0 THEN 'not at all' WHEN 1 THEN 'once'
                        ELSE (facts -> 'objective_measurements' ->> 'opened_in_period') || ' times' END)) || '</p>';
        END IF;
        t := t || '<p>' || iso28000.html_escape(format('%s measured in the period (%s); of %s, %s on target, %s past the threshold and %s due for a measurement.',
                 upper(left(iso28000._count_phrase((facts -> 'indicators' ->> 'measured_in_period')::bigint, 'indicator was', 'indicators were'), 1))
                   || substr(iso28000._count_phrase((facts -> 'indicators' ->> 'measured_in_period')::bigint, 'indicator was', 'indicators were'), 2),
                 iso28000._count_phrase((facts -> 'indicators' ->> 'measurements_in_period')::bigint, 'measurement', 'measurements'),
                 iso28000._count_phrase((facts -> 'indicators_now' ->> 'active')::bigint, 'active indicator', 'active indicators'),
                 coalesce(facts -> 'indicators_now' ->> 'on_target', '0'), coalesce(facts -> 'indicators_now' ->> 'past_threshold', '0'),
                 coalesce(facts -> 'indicators_now' ->> 'measurement_overdue', '0'))) || '</p>';
        RETURN t;
    WHEN 'audit_results' THEN
        n := (facts ->> 'audits_reported')::bigint;
        IF coalesce(n, 0) = 0 THEN
            RETURN '<p>No audit was reported in the period.</p>';
        END IF;
        tally := (facts ->> 'findings')::iso28000.conformity_tally;
        SELECT string_agg(format('%s %s', iso28000.count_of(tally, g), replace(g::text, '_', ' ')), ', ' ORDER BY g)
          INTO t FROM unnest(enum_range(NULL::iso28000.conformity_grade)) g
         WHERE iso28000.count_of(tally, g) > 0;
        RETURN '<p>' || iso28000.html_escape(format('%s reported in the period, with %s%s; the findings score %s (%s). %s raised.',
                   upper(left(iso28000._count_phrase(n, 'audit', 'audits'), 1)) || substr(iso28000._count_phrase(n, 'audit', 'audits'), 2),
                   iso28000._count_phrase((SELECT sum(iso28000.count_of(tally, g)) FROM unnest(enum_range(NULL::iso28000.conformity_grade)) g)::bigint,
                                          'finding', 'findings'),
                   coalesce(': ' || t, ''),
                   coalesce(round((facts ->> 'score')::numeric, 1) || ' %', 'nothing'),
                   replace(coalesce(facts ->> 'verdict', 'no verdict'), '_', ' '),
                   upper(left(iso28000._count_phrase((facts ->> 'nonconformities_raised')::bigint, 'nonconformity was', 'nonconformities were'), 1))
                     || substr(iso28000._count_phrase((facts ->> 'nonconformities_raised')::bigint, 'nonconformity was', 'nonconformities were'), 2)))
            || '</p>';
    WHEN 'objectives' THEN
        IF (facts ->> 'available') = 'false' THEN
            RETURN '<p>Objectives are not recorded in this database.</p>';
        END IF;
        RETURN '<p>' || iso28000.html_escape(format('%s set and %s achieved in the period; %s open at its end, %s of them past the due date.',
                   upper(left(iso28000._count_phrase((facts ->> 'opened_in_period')::bigint, 'objective', 'objectives'), 1))
                     || substr(iso28000._count_phrase((facts ->> 'opened_in_period')::bigint, 'objective', 'objectives'), 2),
                   coalesce(facts ->> 'closed_in_period', '0'), coalesce(facts ->> 'open_at_end', '0'),
                   coalesce(facts ->> 'overdue_at_end', '0'))) || '</p>';
    WHEN 'improvement_opportunities' THEN
        RETURN '<p>' || iso28000.html_escape(format('Audits noted %s and self-assessments %s in the period.',
                   iso28000._count_phrase((facts ->> 'opportunities_from_audits')::bigint, 'opportunity', 'opportunities'),
                   iso28000._count_phrase((facts ->> 'opportunities_from_assessments')::bigint, 'opportunity', 'opportunities')))
            || '</p><p>' || iso28000.html_escape(iso28000._status_sentence(facts -> 'improvements', 'improvement', 'improvement', 'improvements'))
            || '</p>';
    WHEN 'security_incidents' THEN
        t := format('%s reported in the period%s; %s closed and %s dismissed as non-events in it; %s open now.',
                    upper(left(iso28000._count_phrase((facts ->> 'reported_in_period')::bigint, 'incident or event', 'incidents and events'), 1))
                      || substr(iso28000._count_phrase((facts ->> 'reported_in_period')::bigint, 'incident or event', 'incidents and events'), 2),
                    coalesce(' (' || iso28000._counts_list(facts -> 'reported_by_severity', ARRAY['critical', 'high', 'medium', 'low']) || ')', ''),
                    coalesce(facts ->> 'closed_in_period', '0'), coalesce(facts ->> 'dismissed_in_period', '0'),
                    coalesce(facts ->> 'open_now', '0'))
          || CASE WHEN facts ->> 'median_hours_to_contain' IS NOT NULL
                  THEN format(' Contained in a median of %s hours from detection.', facts ->> 'median_hours_to_contain') ELSE '' END
          || format(' Authority notifications: %s sent in the period, %s still due (%s overdue).',
                    coalesce(facts ->> 'authority_notifications_sent', '0'), coalesce(facts ->> 'authority_notifications_due', '0'),
                    coalesce(facts ->> 'authority_notifications_overdue', '0'))
          || format(' %s of security plans held%s.',
                    upper(left(iso28000._count_phrase((facts ->> 'exercises_held')::bigint, 'exercise', 'exercises'), 1))
                      || substr(iso28000._count_phrase((facts ->> 'exercises_held')::bigint, 'exercise', 'exercises'), 2),
                    coalesce(' (' || iso28000._counts_list(facts -> 'exercises_by_outcome', ARRAY['effective', 'partially_effective', 'ineffective']) || ')', ''))
          || format(' Raised in the period: %s and %s from incidents, %s and %s from exercises.',
                    iso28000._count_phrase((facts ->> 'nonconformities_from_incidents')::bigint, 'nonconformity', 'nonconformities'),
                    iso28000._count_phrase((facts ->> 'improvements_from_incidents')::bigint, 'improvement', 'improvements'),
                    iso28000._count_phrase((facts ->> 'nonconformities_from_exercises')::bigint, 'nonconformity', 'nonconformities'),
                    iso28000._count_phrase((facts ->> 'improvements_from_exercises')::bigint, 'improvement', 'improvements'));
        SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td></tr>',
                                 iso28000.html_escape(a ->> 'reference'), iso28000.html_escape(a ->> 'title'),
                                 iso28000.html_escape(a ->> 'severity'), iso28000.html_escape(replace(a ->> 'status', '_', ' ')),
                                 a ->> 'age_days'), '')
          INTO rows FROM jsonb_array_elements(coalesce(facts -> 'open_incidents', '[]')) a;
        RETURN '<p>' || iso28000.html_escape(t) || '</p>'
            || coalesce('<table class="facts"><tr><th>open incident</th><th>what</th><th>severity</th><th>state</th><th class="num">days</th></tr>'
                        || rows || '</table>', '');
    ELSE
        IF (facts ->> 'available') = 'false' AND (SELECT count(*) FROM jsonb_object_keys(facts)) = 1 THEN
            RETURN '<p class="muted">Not recorded in this database.</p>';
        END IF;
        RETURN iso28000._facts_table(facts);
    END CASE;
END
$$;
COMMENT ON FUNCTION iso28000.review_facts_html(text, jsonb) IS
  'ISO 28000 9.3.2: The facts of one input of the management review''s input pack (review_input_pack) as HTML sentences and small tables for a board member, never raw JSON; an input without wording of its own is shown as a table of labels and values. Used by management_review_report.';

-- Colour of a risk band in the report.
CREATE FUNCTION iso28000._band_colour(band text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE band WHEN 'low' THEN '#8fcf8f' WHEN 'medium' THEN '#ffd966'
                     WHEN 'high' THEN '#f4a259' WHEN 'critical' THEN '#e0524a' ELSE '#d9d9d9' END
$$;
COMMENT ON FUNCTION iso28000._band_colour(text) IS
  'Internal: fill colour of a risk band (low, medium, high, critical) in the report.';

-- One risk heat map (inherent or residual) of an organisation as SVG.
CREATE FUNCTION iso28000._heat_map_svg(org bigint, kind text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    svg  text;
    cell constant integer := 30;
    x0   constant integer := 40;
    y0   constant integer := 10;
BEGIN
    SELECT string_agg(format(
             '<rect x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="%s" stroke="#fff"><title>%s: %s risk(s), band %s</title></rect>%s',
             x0 + (h.consequence - 1) * cell, y0 + (10 - h.likelihood) * cell, cell, cell,
             iso28000._band_colour(h.band), CASE WHEN h.risk_count > 0 THEN '1' ELSE '0.35' END,
             h.rating, h.risk_count, h.band,
             CASE WHEN h.risk_count > 0 THEN format(
               '<text x="%s" y="%s" text-anchor="middle" font-size="12" font-weight="bold">%s</text>',
               x0 + (h.consequence - 1) * cell + cell / 2, y0 + (10 - h.likelihood) * cell + cell / 2 + 4,
               h.risk_count) ELSE '' END),
             '' ORDER BY h.likelihood, h.consequence)
      INTO svg
      FROM iso28000.risk_heat_map h
     WHERE h.org_id = org AND h.rating_kind = kind;
    RETURN format('<svg class="heat-map" data-kind="%s" xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" role="img" aria-label="%s risk heat map">',
                  kind, x0 + 10 * cell + 10, y0 + 10 * cell + 40, kind)
        || coalesce(svg, '')
        || (SELECT string_agg(format('<text x="%s" y="%s" text-anchor="middle" font-size="10">%s</text>',
                                     x0 + (i - 1) * cell + cell / 2, y0 + 10 * cell + 14, i)
                           || format('<text x="%s" y="%s" text-anchor="end" font-size="10">%s</text>',
                                     x0 - 6, y0 + (10 - i) * cell + cell / 2 + 4, i), '')
              FROM generate_series(1, 10) i)
        || format('<text x="%s" y="%s" text-anchor="middle" font-size="11">consequence</text>',
                  x0 + 5 * cell, y0 + 10 * cell + 30)
        || format('<text x="12" y="%s" text-anchor="middle" font-size="11" transform="rotate(-90 12 %s)">likelihood</text>',
                  y0 + 5 * cell, y0 + 5 * cell)
        || '</svg>';
END
$$;
COMMENT ON FUNCTION iso28000._heat_map_svg(bigint, text) IS
  'Internal: the inherent or residual risk heat map of an organisation (view risk_heat_map) as an SVG image, likelihood up, consequence across.';

-- A small SVG chart of an objective's measurements in a period against its target.
CREATE FUNCTION iso28000._objective_chart_svg(org bigint, objective bigint, from_on date, to_on date)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    w constant numeric := 240;
    h constant numeric := 64;
    o record;
    lo numeric;
    hi numeric;
    pts text;
    n integer;
BEGIN
    SELECT ob.target, ob.baseline INTO o FROM iso28000.objective ob
     WHERE ob.org_id = org AND ob.objective_id = objective;
    SELECT least(min(m.value), o.target, coalesce(o.baseline, o.target)),
           greatest(max(m.value), o.target, coalesce(o.baseline, o.target)), count(*)
      INTO lo, hi, n
      FROM iso28000.objective_measurement m
     WHERE m.org_id = org AND m.objective_id = objective AND m.measured_on BETWEEN from_on AND to_on;
    IF n = 0 THEN
        RETURN '<svg class="objective-chart" xmlns="http://www.w3.org/2000/svg" width="240" height="64"><text x="4" y="36" font-size="11" fill="#777">no measurement in the period</text></svg>';
    END IF;
    IF hi = lo THEN hi := lo + 1; END IF;
    SELECT string_agg(format('%s,%s',
             round(4 + (w - 8) * (m.measured_on - from_on) / greatest(to_on - from_on, 1), 1),
             round(h - 6 - (h - 12) * (m.value - lo) / (hi - lo), 1)), ' ' ORDER BY m.measured_on)
      INTO pts
      FROM iso28000.objective_measurement m
     WHERE m.org_id = org AND m.objective_id = objective AND m.measured_on BETWEEN from_on AND to_on;
    RETURN format('<svg class="objective-chart" xmlns="http://www.w3.org/2000/svg" width="%s" height="%s">', w, h)
        || format('<rect x="0" y="0" width="%s" height="%s" fill="#fafafa" stroke="#ddd"/>', w, h)
        || format('<line x1="4" x2="%s" y1="%s" y2="%s" stroke="#2e7d32" stroke-dasharray="4 3"><title>target %s</title></line>',
                  w - 4, round(h - 6 - (h - 12) * (o.target - lo) / (hi - lo), 1),
                  round(h - 6 - (h - 12) * (o.target - lo) / (hi - lo), 1), o.target)
        || format('<polyline points="%s" fill="none" stroke="#1f5fa8" stroke-width="2"/>', pts)
        || '</svg>';
END
$$;
COMMENT ON FUNCTION iso28000._objective_chart_svg(bigint, bigint, date, date) IS
  'Internal: a small SVG line chart of an objective''s measurements in a period, with its target as a dashed line.';

-- The supply-chain section (8.1, 8.4): a function of its own, so that the other
-- sections change without touching it.
-- The supply-chain section of the report, as HTML: short sentences, then small tables.
CREATE FUNCTION iso28000.supply_chain_report_html(org bigint, from_on date, to_on date)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    part    text;
    rows    text;
    n_seg   bigint;
    n_due   bigint;
    n_above bigint;
    n_prov  bigint;
    n_breach bigint;
    n_exc   bigint;
    n_expiring bigint;
BEGIN
    part := '<section id="supply-chain"><h2>Supply-chain security (8.1, 8.4, 6.1.2)</h2>';

    -- Segments and their assessments.
    SELECT count(*) INTO n_seg FROM iso28000.supply_chain_segment s WHERE s.org_id = org AND s.active;
    SELECT count(*) INTO n_due FROM iso28000.segment_assessment_due d WHERE d.org_id = org;
    SELECT count(*) INTO n_above FROM iso28000.segment_scenario_above_appetite x WHERE x.org_id = org;
    part := part || format('<p>The supply chain is divided into <b>%s</b> segment%s in the scope of the SMS; '
                           || '%s due a security assessment, and <b>%s</b> threat scenario%s of the latest approved assessments '
                           || '%s above the risk appetite after countermeasures.</p>',
                           n_seg, CASE WHEN n_seg = 1 THEN '' ELSE 's' END,
                           CASE WHEN n_due = 0 THEN 'none is' WHEN n_due = 1 THEN 'one is' ELSE n_due || ' are' END,
                           n_above, CASE WHEN n_above = 1 THEN '' ELSE 's' END, CASE WHEN n_above = 1 THEN 'remains' ELSE 'remain' END);
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td>%s</td><td class="%s">%s</td><td class="num">%s</td></tr>',
                             iso28000.html_escape(s.code), iso28000.html_escape(s.name), s.direction,
                             (SELECT count(*) FROM iso28000.segment_node sn WHERE sn.org_id = s.org_id AND sn.segment_id = s.segment_id),
                             coalesce(la.last_on::text, '-'),
                             CASE WHEN d.reason IS NULL THEN 'ok' ELSE 'bad' END,
                             coalesce(replace(d.reason, '_', ' '), 'current'),
                             (SELECT count(*) FROM iso28000.segment_scenario_above_appetite x
                               WHERE x.org_id = s.org_id AND x.segment_id = s.segment_id)),
                      '' ORDER BY s.code)
      INTO rows
      FROM iso28000.supply_chain_segment s
      LEFT JOIN LATERAL (SELECT max(a.assessed_on) AS last_on FROM iso28000.segment_assessment a
                          WHERE a.org_id = s.org_id AND a.segment_id = s.segment_id AND a.status = 'approved') la ON true
      LEFT JOIN iso28000.segment_assessment_due d ON d.org_id = s.org_id AND d.segment_id = s.segment_id
     WHERE s.org_id = org AND s.active;
    part := part || coalesce('<table class="segments"><tr><th>segment</th><th>name</th><th>direction</th><th class="num">nodes</th><th>last approved assessment</th><th>assessment</th><th class="num">scenarios above appetite</th></tr>'
                             || rows || '</table>', '<p class="muted">No supply-chain segment recorded.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td></tr>',
                             iso28000.html_escape(a.title), iso28000.html_escape(s.code), a.assessed_on,
                             iso28000.html_escape(coalesce(p.full_name, '-')), a.status,
                             (SELECT count(*) FROM iso28000.segment_scenario_score x
                               WHERE x.org_id = a.org_id AND x.segment_assessment_id = a.segment_assessment_id)),
                      '' ORDER BY a.assessed_on DESC, a.segment_assessment_id)
      INTO rows
      FROM iso28000.segment_assessment a
      JOIN iso28000.supply_chain_segment s ON s.org_id = a.org_id AND s.segment_id = a.segment_id
      LEFT JOIN iso28000.person p ON p.org_id = a.org_id AND p.person_id = a.assessor_id
     WHERE a.org_id = org AND a.assessed_on BETWEEN from_on AND to_on;
    part := part || coalesce('<h3>Security assessments of the period</h3><table class="segment-assessments"><tr><th>assessment</th><th>segment</th><th>assessed</th><th>assessor</th><th>state</th><th class="num">scenarios scored</th></tr>'
                             || rows || '</table>', '<p>No segment was assessed in the period.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="bad">%s</td></tr>',
                             iso28000.html_escape(x.segment_code), iso28000.html_escape(x.scenario_title),
                             iso28000.html_escape(coalesce(x.node_code, 'whole segment')),
                             x.residual_rating, x.band),
                      '' ORDER BY x.segment_code, x.scenario_code)
      INTO rows
      FROM iso28000.segment_scenario_above_appetite x WHERE x.org_id = org;
    part := part || coalesce('<table class="scenarios-above-appetite"><tr><th>segment</th><th>threat scenario above appetite</th><th>where</th><th>residual</th><th>band</th></tr>'
                             || rows || '</table>', '');

    -- Providers: the condition of inclusion.
    SELECT count(*) INTO n_prov FROM iso28000.supply_chain_node n WHERE n.org_id = org AND n.external AND n.active;
    SELECT count(*) INTO n_breach FROM iso28000.provider_inclusion_breach b WHERE b.org_id = org;
    SELECT count(*) FILTER (WHERE e.standing = 'in_force'),
           count(*) FILTER (WHERE e.standing = 'in_force' AND e.days_left <= 30)
      INTO n_exc, n_expiring
      FROM iso28000.provider_exception_status e WHERE e.org_id = org;
    part := part || format('<h3>Providers</h3><p>Of <b>%s</b> active provider%s, <b>%s</b> %s short of the security requirements '
                           || 'that are a condition of being in the supply chain; <b>%s</b> %s admitted under an approved exception'
                           || '%s.</p>',
                           n_prov, CASE WHEN n_prov = 1 THEN '' ELSE 's' END,
                           n_breach, CASE WHEN n_breach = 1 THEN 'falls' ELSE 'fall' END,
                           n_exc, CASE WHEN n_exc = 1 THEN 'is' ELSE 'are' END,
                           CASE WHEN n_expiring > 0 THEN format(', of which %s end%s within 30 days', n_expiring,
                                                               CASE WHEN n_expiring = 1 THEN 's' ELSE '' END) ELSE '' END);
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td class="bad">%s</td><td>%s</td><td class="num">%s</td></tr>',
                             iso28000.html_escape(b.node_code), iso28000.html_escape(b.node_name),
                             coalesce(b.reliance, '-'),
                             iso28000.html_escape(replace(replace(b.unmet, ':', ': '), '_', ' ')),
                             b.flagged_on, b.days_flagged),
                      '' ORDER BY b.node_code)
      INTO rows
      FROM iso28000.provider_inclusion_breach b WHERE b.org_id = org;
    part := part || coalesce('<table class="providers-in-breach"><tr><th>provider</th><th>name</th><th>reliance</th><th>falls short of</th><th>flagged since</th><th class="num">days</th></tr>'
                             || rows || '</table>', '<p class="ok">Every active provider meets its security requirements or is covered by an exception.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="%s">%s</td></tr>',
                             iso28000.html_escape(e.node_code), iso28000.html_escape(coalesce(e.requirement_code, 'all')),
                             iso28000.html_escape(e.reason), iso28000.html_escape(coalesce(e.requested_by_name, '-')),
                             iso28000.html_escape(coalesce(e.approved_by_name, '-')), e.valid_until,
                             CASE WHEN e.standing = 'in_force' THEN 'ok' WHEN e.standing = 'expired' THEN 'bad' ELSE 'muted' END,
                             replace(e.standing, '_', ' ')),
                      '' ORDER BY e.valid_until DESC, e.exception_id)
      INTO rows
      FROM iso28000.provider_exception_status e
     WHERE e.org_id = org AND (e.standing IN ('requested', 'in_force', 'not_yet_in_force') OR e.valid_until >= from_on);
    part := part || coalesce('<h3>Exceptions</h3><table class="provider-exceptions"><tr><th>provider</th><th>requirement</th><th>reason</th><th>requested by</th><th>approved by</th><th>until</th><th>standing</th></tr>'
                             || rows || '</table>', '');
    RETURN part || '</section>';
END
$$;
COMMENT ON FUNCTION iso28000.supply_chain_report_html(bigint, date, date) IS
  'ISO 28000 8.1, 8.4, 6.1.2: The supply-chain section of the management-review report as HTML: segments with their latest approved assessment and scenarios above appetite, the assessments of the period, providers in breach of the condition of inclusion and exceptions, each introduced by a sentence. Runs with the caller''s rights; management_review_report() calls it.';

-- The management-review report of an organisation for a period, as HTML.
CREATE FUNCTION iso28000.management_review_report(org bigint,
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
    obj    record;
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
                             iso28000.review_facts_html(p.input_code, p.facts)), '')
      INTO rows
      FROM iso28000.review_input_pack(org, from_on, to_on) p;
    part := part || '<h3>Facts of the period, by input</h3><table class="input-pack"><tr><th>input</th><th>title</th><th>facts</th></tr>'
                 || coalesce(rows, '') || '</table>';
    doc := doc || part || '</section>';

    -- 9.1, 9.2 Conformity by clause, one table per standard self-assessed (ISO 28000 first).
    part := '<section id="conformity"><h2>Conformity by clause (9.1, 9.2)</h2>';
    SELECT string_agg(format('<h3>%s</h3><table class="conformity"><tr><th>clause</th><th>title</th><th>score</th><th class="num">score</th><th class="num">coverage</th><th>verdict</th></tr>%s</table>',
                             iso28000.html_escape(s.standard), s.rows), ''
                      ORDER BY s.standard <> 'ISO 28000:2022', s.standard)
      INTO rows
      FROM (SELECT c.standard,
                   string_agg(format('<tr><td>%s</td><td>%s</td><td><div class="bar" title="%s%%"><span style="width:%s%%;background:%s"></span></div></td><td class="num">%s</td><td class="num">%s</td><td>%s</td></tr>',
                                     c.clause, iso28000.html_escape(c.title), coalesce(round(c.score::numeric, 1)::text, '-'),
                                     coalesce(round(c.score::numeric, 1), 0),
                                     CASE WHEN c.score >= 90 THEN '#2e7d32' WHEN c.score >= 70 THEN '#f4a259' ELSE '#c62828' END,
                                     coalesce(round(c.score::numeric, 1) || ' %', '-'), coalesce(round(c.coverage::numeric, 1) || ' %', '-'),
                                     iso28000.html_escape(coalesce(c.verdict::text, 'not assessed'))), '' ORDER BY c.clause_sort) AS rows
              FROM iso28000.conformity_by_clause c
             WHERE c.org_id = org AND c.depth <= 2
             GROUP BY c.standard) s;
    part := part || coalesce(rows, '<p class="muted">No self-assessment recorded yet.</p>');
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

    -- 8.6, 10.2 Security incidents and exercises.
    part := '<section id="incidents"><h2>Security incidents and exercises (8.6, 9.1, 10.2)</h2>';
    SELECT format('<p>%s were reported in the period; %s of them closed, %s dismissed as non-events; %s are open now.</p>',
                  iso28000.html_escape(upper(left(iso28000._count_phrase(count(*), 'incident or event', 'incidents and events'), 1))
                                       || substr(iso28000._count_phrase(count(*), 'incident or event', 'incidents and events'), 2)),
                  count(*) FILTER (WHERE i.status = 'closed'), count(*) FILTER (WHERE i.status = 'dismissed'),
                  (SELECT count(*) FROM iso28000.security_incident_open x WHERE x.org_id = org))
      INTO rows
      FROM iso28000.security_incident i
     WHERE i.org_id = org AND (i.reported_at)::date BETWEEN from_on AND to_on;
    part := part || rows;
    SELECT '<table class="incident-severity"><tr><th>severity</th><th class="num">reported in the period</th><th class="num">open now</th><th class="num">median hours to contain</th></tr>'
           || string_agg(format('<tr><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td></tr>',
                                sv.severity, sv.reported, sv.open_now, coalesce(sv.median_hours::text, '-')), '' ORDER BY sv.rank DESC)
           || '</table>'
      INTO rows
      FROM (SELECT v.severity, v.rank,
                   (SELECT count(*) FROM iso28000.security_incident i
                     WHERE i.org_id = org AND i.severity = v.severity AND i.status <> 'dismissed'
                       AND (i.reported_at)::date BETWEEN from_on AND to_on) AS reported,
                   (SELECT count(*) FROM iso28000.security_incident_open so WHERE so.org_id = org AND so.severity = v.severity) AS open_now,
                   (SELECT t.median_hours FROM iso28000.security_incident_time_to_contain t
                     WHERE t.org_id = org AND t.severity = v.severity) AS median_hours
              FROM (VALUES ('critical', 4), ('high', 3), ('medium', 2), ('low', 1)) AS v(severity, rank)) sv;
    part := part || rows;
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td class="num%s">%s</td></tr>',
                             iso28000.html_escape(coalesce(so.reference, '#' || so.incident_id)), iso28000.html_escape(so.title),
                             so.severity, replace(so.status, '_', ' '), so.age_days,
                             CASE WHEN so.risks_undecided > 0 THEN ' bad' ELSE '' END, so.risks_undecided),
                      '' ORDER BY so.severity_rank DESC, so.age_days DESC, so.incident_id)
      INTO rows
      FROM iso28000.security_incident_open so WHERE so.org_id = org;
    part := part || coalesce('<h3>Open incidents</h3><table class="open-incidents"><tr><th>ref</th><th>what</th><th>severity</th><th>state</th><th class="num">days open</th><th class="num">risks undecided</th></tr>'
                             || rows || '</table>', '<p class="ok">No incident is open.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td class="%s">%s</td></tr>',
                             iso28000.html_escape(coalesce(d.reference, '#' || d.incident_id)), iso28000.html_escape(d.title),
                             coalesce(to_char(d.notify_by, 'YYYY-MM-DD HH24:MI'), 'no deadline set'),
                             CASE WHEN d.overdue THEN 'bad' ELSE 'muted' END,
                             CASE WHEN d.overdue THEN 'overdue' WHEN d.hours_left IS NOT NULL THEN d.hours_left || ' hours left' ELSE '-' END),
                      '' ORDER BY d.notify_by NULLS LAST, d.incident_id)
      INTO rows
      FROM iso28000.incident_notification_due d WHERE d.org_id = org;
    part := part || coalesce('<h3>Authority notifications still due</h3><table class="notifications-due"><tr><th>ref</th><th>what</th><th>notify by</th><th>state</th></tr>'
                             || rows || '</table>', '<p class="ok">No authority notification is due.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td></tr>',
                             iso28000.html_escape(b.node_code), iso28000.html_escape(b.node_name), b.incident_count, b.open_count),
                      '' ORDER BY b.incident_count DESC, b.node_code)
      INTO rows
      FROM (SELECT * FROM iso28000.security_incident_by_node x WHERE x.org_id = org
             ORDER BY x.incident_count DESC, x.node_code LIMIT 8) b;
    part := part || coalesce('<h3>Incidents by supply-chain node</h3><table class="incidents-by-node"><tr><th>node</th><th>name</th><th class="num">incidents</th><th class="num">open</th></tr>'
                             || rows || '</table>', '');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
                             e.held_on, iso28000.html_escape(p.title), replace(e.kind, '_', ' '),
                             replace(e.outcome, '_', ' ')), '' ORDER BY e.held_on, e.exercise_id)
      INTO rows
      FROM iso28000.plan_exercise e
      JOIN iso28000.security_plan p ON p.org_id = e.org_id AND p.security_plan_id = e.security_plan_id
     WHERE e.org_id = org AND e.held_on BETWEEN from_on AND to_on;
    part := part || coalesce('<h3>Exercises of security plans held in the period</h3><table class="exercises"><tr><th>held</th><th>plan</th><th>kind</th><th>outcome</th></tr>'
                             || rows || '</table>', '<p>No exercise of a security plan was held in the period.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>', x.what, x.origin, iso28000.html_escape(x.title),
                             replace(x.status, '_', ' ')), '' ORDER BY x.what DESC, x.origin, x.title)
      INTO rows
      FROM (SELECT 'nonconformity' AS what, CASE WHEN nc.incident_id IS NOT NULL THEN 'incident' ELSE 'exercise' END AS origin,
                   nc.title, nc.status
              FROM iso28000.nonconformity nc
             WHERE nc.org_id = org AND (nc.incident_id IS NOT NULL OR nc.exercise_id IS NOT NULL)
               AND nc.detected_on BETWEEN from_on AND to_on
            UNION ALL
            SELECT 'improvement', CASE WHEN m.incident_id IS NOT NULL THEN 'incident' ELSE 'exercise' END, m.title, m.status
              FROM iso28000.improvement m
             WHERE m.org_id = org AND (m.incident_id IS NOT NULL OR m.exercise_id IS NOT NULL)
               AND (m.created_at)::date BETWEEN from_on AND to_on) x;
    part := part || coalesce('<h3>What incidents and exercises raised (10.1, 10.2)</h3><table class="raised"><tr><th>raised</th><th>from</th><th>title</th><th>state</th></tr>'
                             || rows || '</table>', '<p>Incidents and exercises raised no nonconformity or improvement in the period.</p>');
    doc := doc || part || '</section>';

    -- 6.2 Objectives against target.
    part := '<section id="objectives"><h2>Security objectives against target (6.2)</h2>';
    -- Each chart in a statement of its own: on Citus a statement that filters
    -- by org_id runs whole on the organisation's worker, where the chart's
    -- own queries could not start (doc/distribution.md).
    rows := NULL;
    FOR obj IN SELECT s.* FROM iso28000.objective_status s WHERE s.org_id = org ORDER BY s.objective_id LOOP
        rows := coalesce(rows, '')
             || format('<div class="obj"><b>%s</b><br>target %s %s (%s) &middot; latest <span class="%s">%s</span> &middot; %s%s<br>%s</div>',
                       iso28000.html_escape(obj.title), obj.target, iso28000.html_escape(obj.unit), obj.direction,
                       CASE WHEN obj.target_met THEN 'ok' WHEN obj.target_met IS NULL THEN 'muted' ELSE 'bad' END,
                       coalesce(obj.latest_value::text, '-'),
                       replace(obj.schedule_status, '_', ' '),
                       coalesce(' &middot; ' || obj.trend, ''),
                       iso28000._objective_chart_svg(org, obj.objective_id, from_on, to_on));
    END LOOP;
    part := part || coalesce('<div class="objs">' || rows || '</div>', '<p>No objective recorded.</p>');
    doc := doc || part || '</section>';

    -- 8.1, 8.4 Supply-chain security (supply_chain_report_html(), above).
    doc := doc || iso28000.supply_chain_report_html(org, from_on, to_on);

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
COMMENT ON FUNCTION iso28000.management_review_report(bigint, date, date) IS
  'ISO 28000 9.3: The management-review report of an organisation for a period, as one self-contained HTML document: review inputs, conformity by clause as bars, inherent and residual risk heat maps (SVG), nonconformity ageing and overdue actions, security incidents and exercises (open incidents, notifications due, what they raised), objectives against target (small SVG charts), and the history digest. Needs read access (IS001).';
