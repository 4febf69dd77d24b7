/*
 * sql/clauses/clause09_3_management_review.sql
 *		ISO 28000 9.3, management review: the input checklist (9.3.2),
 *		reviews with their attendees, inputs and results (9.3.3), the input
 *		pack of live data for the period a review covers, and the management
 *		review workflow (rules of the engine in sql/core/07_workflow.sql).
 *
 * The HTML report of a review is sql/reports/management_review_report.sql.
 * Reference: doc/audit-review.md.
 */

-- ---------------------------------------------------------------------------
-- 9.3 Management review
-- ---------------------------------------------------------------------------

-- The checklist of inputs every review considers (catalog, shared).
CREATE TABLE iso28000.review_input (
    input_code   text PRIMARY KEY CONSTRAINT review_input_code_format CHECK (input_code ~ '^[a-z][a-z0-9_]*$'),
    clause       iso28000.clause_ref NOT NULL,
    title        text NOT NULL,
    required     boolean NOT NULL DEFAULT true,
    seq          integer NOT NULL,
    builtin      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE iso28000.review_input IS
  'ISO 28000 9.3.2: Inputs every management review considers, shared by all organisations (catalog); an organisation adds its own in review_input_custom.';
COMMENT ON COLUMN iso28000.review_input.input_code IS 'Short code of the input, as the input pack names it.';
COMMENT ON COLUMN iso28000.review_input.clause IS 'Clause that asks for the input.';
COMMENT ON COLUMN iso28000.review_input.title IS 'What the review considers.';
COMMENT ON COLUMN iso28000.review_input.required IS 'A review cannot close until this input is addressed.';
COMMENT ON COLUMN iso28000.review_input.seq IS 'Order on the checklist.';
COMMENT ON COLUMN iso28000.review_input.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';
GRANT SELECT ON iso28000.review_input TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.review_input', 'WHERE NOT builtin');

-- Inputs shared by management-system standards (the harmonized structure).
INSERT INTO iso28000.review_input (input_code, clause, title, required, seq, builtin) VALUES
  ('previous_actions',      '9.3.2', 'Status of actions from previous management reviews', true, 10, true),
  ('context_changes',       '9.3.2', 'Changes in external and internal issues relevant to the SMS', true, 20, true),
  ('party_changes',         '9.3.2', 'Changes in the needs and expectations of interested parties', true, 30, true),
  ('nonconformities',       '9.3.2', 'Trends in nonconformities and corrective actions', true, 40, true),
  ('monitoring_results',    '9.3.2', 'Monitoring and measurement results', true, 50, true),
  ('audit_results',         '9.3.2', 'Audit results', true, 60, true),
  ('objectives',            '9.3.2', 'Fulfilment of security objectives', true, 70, true),
  ('improvement_opportunities', '9.3.2', 'Opportunities for continual improvement', true, 80, true);

CREATE TABLE iso28000.review_input_custom (
    org_id           bigint NOT NULL REFERENCES iso28000.organization,
    custom_input_id  bigint GENERATED ALWAYS AS IDENTITY,
    input_code       text NOT NULL CONSTRAINT review_input_custom_code_format CHECK (input_code ~ '^[a-z][a-z0-9_]*$'),
    clause           iso28000.clause_ref NOT NULL DEFAULT '9.3.2',
    title            text NOT NULL CONSTRAINT review_input_custom_title_present CHECK (btrim(title) <> ''),
    required         boolean NOT NULL DEFAULT true,
    seq              integer NOT NULL DEFAULT 1000,
    active           boolean NOT NULL DEFAULT true,
    PRIMARY KEY (org_id, custom_input_id),
    CONSTRAINT review_input_custom_code_unique UNIQUE (org_id, input_code)
);
SELECT iso28000.register_table('iso28000.review_input_custom');
COMMENT ON TABLE iso28000.review_input_custom IS
  'ISO 28000 9.3.2: An organisation''s own management review inputs, added to the shared checklist of every later review.';
COMMENT ON COLUMN iso28000.review_input_custom.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_input_custom.custom_input_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_input_custom.input_code IS 'Short code of the input (must not be a shared code).';
COMMENT ON COLUMN iso28000.review_input_custom.clause IS 'Clause the input serves.';
COMMENT ON COLUMN iso28000.review_input_custom.title IS 'What the review considers.';
COMMENT ON COLUMN iso28000.review_input_custom.required IS 'A review cannot close until this input is addressed.';
COMMENT ON COLUMN iso28000.review_input_custom.seq IS 'Order on the checklist.';
COMMENT ON COLUMN iso28000.review_input_custom.active IS 'False to leave the input off later reviews.';

CREATE TABLE iso28000.management_review (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    review_id         bigint GENERATED ALWAYS AS IDENTITY,
    title             text NOT NULL CONSTRAINT management_review_title_present CHECK (btrim(title) <> ''),
    held_on           date NOT NULL,
    period_start      date NOT NULL,
    period_end        date NOT NULL,
    chair_id          bigint NOT NULL,
    minutes           text,
    conclusion        text,
    closed_on         date,
    status            text NOT NULL DEFAULT 'planned',
    status_changed_at timestamptz,
    status_changed_by name,
    status_note       text,
    PRIMARY KEY (org_id, review_id),
    FOREIGN KEY (org_id, chair_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT management_review_period_in_order CHECK (period_end >= period_start),
    CONSTRAINT management_review_closed_after_held CHECK (closed_on >= held_on)
);
SELECT iso28000.register_table('iso28000.management_review');
COMMENT ON TABLE iso28000.management_review IS
  'ISO 28000 9.3.1, 9.3.2, 9.3.3: Management reviews: date, chair, the period reviewed, minutes; workflow planned, held, closed (or cancelled); closing needs every required input addressed and results recorded.';
COMMENT ON COLUMN iso28000.management_review.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.management_review.review_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.management_review.title IS 'Name of the review.';
COMMENT ON COLUMN iso28000.management_review.held_on IS 'Date of the meeting.';
COMMENT ON COLUMN iso28000.management_review.period_start IS 'First day of the period reviewed (the input pack covers it).';
COMMENT ON COLUMN iso28000.management_review.period_end IS 'Last day of the period reviewed.';
COMMENT ON COLUMN iso28000.management_review.chair_id IS 'Person chairing the review (top management).';
COMMENT ON COLUMN iso28000.management_review.minutes IS 'Minutes, or where they are kept (needed to enter held).';
COMMENT ON COLUMN iso28000.management_review.conclusion IS 'Conclusion on the continuing suitability, adequacy and effectiveness of the SMS (needed to close).';
COMMENT ON COLUMN iso28000.management_review.closed_on IS 'Date the review was closed (needed to close).';
COMMENT ON COLUMN iso28000.management_review.status IS 'Workflow state: planned, held, closed, cancelled.';
COMMENT ON COLUMN iso28000.management_review.status_changed_at IS 'When the status last changed (stamped by the workflow engine).';
COMMENT ON COLUMN iso28000.management_review.status_changed_by IS 'Who last changed the status (stamped by the workflow engine).';
COMMENT ON COLUMN iso28000.management_review.status_note IS 'Note recorded with the next transition.';

CREATE TABLE iso28000.review_attendee (
    org_id       bigint NOT NULL REFERENCES iso28000.organization,
    attendee_id  bigint GENERATED ALWAYS AS IDENTITY,
    review_id    bigint NOT NULL,
    person_id    bigint NOT NULL,
    role         text,
    PRIMARY KEY (org_id, attendee_id),
    CONSTRAINT review_attendee_once UNIQUE (org_id, review_id, person_id),
    FOREIGN KEY (org_id, review_id) REFERENCES iso28000.management_review (org_id, review_id),
    FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.review_attendee');
COMMENT ON TABLE iso28000.review_attendee IS
  'ISO 28000 9.3.1: People who attended a management review.';
COMMENT ON COLUMN iso28000.review_attendee.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_attendee.attendee_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_attendee.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_attendee.person_id IS 'The attendee.';
COMMENT ON COLUMN iso28000.review_attendee.role IS 'Role at the review (top management, SMS manager, process owner...).';

CREATE TABLE iso28000.review_input_item (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    input_item_id  bigint GENERATED ALWAYS AS IDENTITY,
    review_id      bigint NOT NULL,
    input_code     text NOT NULL,
    title          text NOT NULL,
    required       boolean NOT NULL DEFAULT true,
    seq            integer NOT NULL DEFAULT 1000,
    addressed      boolean NOT NULL DEFAULT false,
    summary        text,
    PRIMARY KEY (org_id, input_item_id),
    CONSTRAINT review_input_item_once UNIQUE (org_id, review_id, input_code),
    CONSTRAINT review_input_item_addressed_has_summary CHECK (NOT addressed OR coalesce(btrim(summary), '') <> ''),
    FOREIGN KEY (org_id, review_id) REFERENCES iso28000.management_review (org_id, review_id)
);
SELECT iso28000.register_table('iso28000.review_input_item');
COMMENT ON TABLE iso28000.review_input_item IS
  'ISO 28000 9.3.2: The input checklist of one management review, copied from the shared and the organisation''s own inputs when the review is created; each input is addressed with a summary.';
COMMENT ON COLUMN iso28000.review_input_item.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_input_item.input_item_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_input_item.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_input_item.input_code IS 'Code of the input (review_input or review_input_custom).';
COMMENT ON COLUMN iso28000.review_input_item.title IS 'What the review considers.';
COMMENT ON COLUMN iso28000.review_input_item.required IS 'The review cannot close until this input is addressed.';
COMMENT ON COLUMN iso28000.review_input_item.seq IS 'Order on the checklist.';
COMMENT ON COLUMN iso28000.review_input_item.addressed IS 'True once the review has considered the input (needs a summary).';
COMMENT ON COLUMN iso28000.review_input_item.summary IS 'What the review noted about the input.';

-- Copies the checklist (shared inputs, then the organisation's active own ones) into a new review.
CREATE FUNCTION iso28000.management_review_checklist()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO iso28000.review_input_item (org_id, review_id, input_code, title, required, seq)
    SELECT NEW.org_id, NEW.review_id, input_code, title, required, seq FROM iso28000.review_input
    UNION ALL
    SELECT NEW.org_id, NEW.review_id, input_code, title, required, seq FROM iso28000.review_input_custom
     WHERE org_id = NEW.org_id AND active
       AND input_code NOT IN (SELECT input_code FROM iso28000.review_input);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.management_review_checklist() IS
  'Trigger: fills the input checklist of a new management review from review_input and the organisation''s active review_input_custom rows.';
CREATE TRIGGER management_review_checklist
    AFTER INSERT ON iso28000.management_review
    FOR EACH ROW EXECUTE FUNCTION iso28000.management_review_checklist();

CREATE TABLE iso28000.review_output (
    org_id       bigint NOT NULL REFERENCES iso28000.organization,
    output_id    bigint GENERATED ALWAYS AS IDENTITY,
    review_id    bigint NOT NULL,
    kind         text NOT NULL
                 CONSTRAINT review_output_kind_known CHECK (kind IN ('decision', 'action', 'sms_change', 'improvement', 'resource')),
    description  text NOT NULL CONSTRAINT review_output_description_present CHECK (btrim(description) <> ''),
    owner_id     bigint,
    due_on       date,
    done_on      date,
    status       text NOT NULL DEFAULT 'open'
                 CONSTRAINT review_output_status_known CHECK (status IN ('open', 'done', 'cancelled')),
    PRIMARY KEY (org_id, output_id),
    FOREIGN KEY (org_id, review_id) REFERENCES iso28000.management_review (org_id, review_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT review_output_action_has_owner_and_due CHECK (kind <> 'action' OR (owner_id IS NOT NULL AND due_on IS NOT NULL)),
    CONSTRAINT review_output_done_has_date CHECK ((status = 'done') = (done_on IS NOT NULL))
);
SELECT iso28000.register_table('iso28000.review_output');
COMMENT ON TABLE iso28000.review_output IS
  'ISO 28000 9.3.3: Results of a management review: decisions, actions (with an owner and a due date), changes needed to the SMS, improvements and resource needs.';
COMMENT ON COLUMN iso28000.review_output.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_output.output_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_output.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_output.kind IS 'decision, action, sms_change, improvement or resource.';
COMMENT ON COLUMN iso28000.review_output.description IS 'What was decided or is to be done.';
COMMENT ON COLUMN iso28000.review_output.owner_id IS 'Person responsible (required for an action).';
COMMENT ON COLUMN iso28000.review_output.due_on IS 'Due date (required for an action).';
COMMENT ON COLUMN iso28000.review_output.done_on IS 'Date the output was carried out (set exactly when status is done).';
COMMENT ON COLUMN iso28000.review_output.status IS 'open, done or cancelled; the next review sees the open and overdue ones (input previous_actions).';

-- ---------------------------------------------------------------------------
-- 9.3.2 The input pack: live data for the period a review covers
-- ---------------------------------------------------------------------------

-- True when the table exists and has every named column.
CREATE FUNCTION iso28000._has_columns(tbl text, cols text[])
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN to_regclass(tbl) IS NOT NULL
   AND (SELECT count(*) FROM pg_attribute
         WHERE attrelid = to_regclass(tbl) AND attname = ANY (cols) AND attnum > 0 AND NOT attisdropped)
       = cardinality(cols);
COMMENT ON FUNCTION iso28000._has_columns(text, text[]) IS
  'Internal: true when the table exists and has every named column (the input pack reads registers of other clauses only when they are installed).';

-- Rows of a register opened, closed and still open for a period, by its date columns.
CREATE FUNCTION iso28000._period_counts(tbl text, org bigint, from_on date, to_on date,
                                        opened_col text, closed_col text)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
BEGIN
    IF NOT iso28000._has_columns(tbl, ARRAY['org_id', opened_col, closed_col]) THEN
        RETURN jsonb_build_object('available', false);
    END IF;
    EXECUTE format($q$
        SELECT jsonb_build_object(
                 'available', true,
                 'opened_in_period', count(*) FILTER (WHERE %1$I BETWEEN $2 AND $3),
                 'closed_in_period', count(*) FILTER (WHERE %2$I BETWEEN $2 AND $3),
                 'open_at_end', count(*) FILTER (WHERE %1$I <= $3 AND (%2$I IS NULL OR %2$I > $3)))
          FROM %3$s WHERE org_id = $1 $q$, opened_col, closed_col, tbl)
      INTO result USING org, from_on, to_on;
    RETURN result;
END
$$;
COMMENT ON FUNCTION iso28000._period_counts(text, bigint, date, date, text, text) IS
  'Internal: how many rows of a register were opened and closed in a period and how many were open at its end, from two date columns; {"available": false} when the register is not installed.';

-- Rows of a workflow register per status, and how many are past their due date.
CREATE FUNCTION iso28000._status_counts(tbl text, org bigint, to_on date)
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
    IF iso28000._has_columns(tbl, ARRAY['due_on']) AND to_regclass('iso28000.workflow_state') IS NOT NULL THEN
        EXECUTE format($q$SELECT count(*) FROM %s t
                           WHERE org_id = $1 AND due_on < $2
                             AND NOT EXISTS (SELECT FROM iso28000.workflow_state s
                                              WHERE s.state = t.status AND s.is_terminal)$q$, tbl)
          INTO overdue USING org, to_on;
    END IF;
    RETURN jsonb_build_object('available', true, 'by_status', by_status, 'overdue_at_end', overdue);
END
$$;
COMMENT ON FUNCTION iso28000._status_counts(text, bigint, date) IS
  'Internal: rows of a register per status and, when it has due_on, how many non-terminal rows were past due at the date; {"available": false} when the register is not installed.';

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

    objectives := CASE WHEN iso28000._has_columns('iso28000.objective', ARRAY['due_on', 'achieved_on', 'cancelled_on'])
                       THEN iso28000._period_counts('iso28000.objective', org, from_on, to_on, 'set_on', 'achieved_on')
                            || jsonb_build_object('overdue_at_end', iso28000._objectives_overdue(org, to_on))
                       ELSE jsonb_build_object('available', false) END;

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
COMMENT ON FUNCTION iso28000.review_input_pack(bigint, date, date) IS
  'ISO 28000 9.3.2: The input pack of a management review for a period, from live data: one row per checklist input (shared and the organisation''s own) with its facts as JSON: actions of earlier reviews, changes of context issues and interested parties, nonconformities and corrective actions, self-assessment scores (the conformity trend) and measurements, audit results, objectives, improvement opportunities. Registers not installed show {"available": false}; an organisation''s own inputs have NULL facts.';

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

-- ---------------------------------------------------------------------------
-- Workflow (engine: sql/core/07_workflow.sql)
-- ---------------------------------------------------------------------------

-- Guard of the management review workflow: to close, every required input addressed and results recorded.
CREATE FUNCTION iso28000.management_review_guard(r iso28000.management_review, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    missing text;
BEGIN
    IF to_state <> 'closed' THEN
        RETURN NULL;
    END IF;
    SELECT string_agg(i.input_code, ', ' ORDER BY i.seq, i.input_code) INTO missing
      FROM iso28000.review_input_item i
     WHERE i.org_id = r.org_id AND i.review_id = r.review_id AND i.required AND NOT i.addressed;
    IF missing IS NOT NULL THEN
        RETURN 'every required input addressed (not yet: ' || missing || ')';
    END IF;
    IF NOT EXISTS (SELECT FROM iso28000.review_output o
                    WHERE o.org_id = r.org_id AND o.review_id = r.review_id AND o.status <> 'cancelled') THEN
        RETURN 'its results recorded (at least one decision, action or SMS change in review_output)';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.management_review_guard(iso28000.management_review, text, text) IS
  'ISO 28000 9.3.2, 9.3.3: Workflow guard of management reviews: to close, every required input of the checklist is addressed and at least one result is recorded.';

INSERT INTO iso28000.workflow (workflow, description) VALUES
  ('management_review', 'ISO 28000 9.3: a management review from plan to closure (held, then closed once every required input is addressed and results are recorded).');

INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable, description) VALUES
  ('management_review', 'planned',   true,  false, false, true,  'Planned, not held yet.'),
  ('management_review', 'held',      false, false, false, false, 'Held; inputs being addressed and results recorded.'),
  ('management_review', 'closed',    false, true,  true,  false, 'Closed: every required input addressed, results recorded.'),
  ('management_review', 'cancelled', false, true,  true,  false, 'Cancelled (with the reason).');

INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level, guard, note) VALUES
  ('management_review', 'planned', 'held',      'write', NULL, '9.3.1: the review took place.'),
  ('management_review', 'planned', 'cancelled', 'write', NULL, 'Review cancelled.'),
  ('management_review', 'held',    'closed',    'manage', 'iso28000.management_review_guard(iso28000.management_review, text, text)', '9.3.2, 9.3.3: every required input addressed and results recorded.');

INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description) VALUES
  ('management_review', 'held',      'minutes',     'the minutes of the review'),
  ('management_review', 'closed',    'conclusion',  'the conclusion on the suitability, adequacy and effectiveness of the SMS'),
  ('management_review', 'closed',    'closed_on',   'the closing date'),
  ('management_review', 'cancelled', 'status_note', 'why the review was cancelled');

SELECT iso28000.attach_workflow('iso28000.management_review', 'management_review');
