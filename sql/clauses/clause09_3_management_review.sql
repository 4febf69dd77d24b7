/*
 * sql/clauses/clause09_3_management_review.sql
 *		ISO 28000 9.3, management review: the input checklist (9.3.2),
 *		reviews with their attendees, inputs and results (9.3.3), the input
 *		pack of live data for the period a review covers, and the management
 *		review workflow (rules of the engine in sql/core/06_workflow.sql).
 *
 * The input pack of live data for a review's period, which reads the
 * registers of every clause, is sql/views/review_input_pack.sql; the HTML
 * report of a review is sql/reports/management_review_report.sql.
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
SET search_path = pg_catalog, pg_temp
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
COMMENT ON COLUMN iso28000.review_output.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_output.kind IS 'decision, action, sms_change, improvement or resource.';
COMMENT ON COLUMN iso28000.review_output.description IS 'What was decided or is to be done.';
COMMENT ON COLUMN iso28000.review_output.owner_id IS 'Person responsible (required for an action).';
COMMENT ON COLUMN iso28000.review_output.due_on IS 'Due date (required for an action).';
COMMENT ON COLUMN iso28000.review_output.done_on IS 'Date the output was carried out (set exactly when status is done).';
COMMENT ON COLUMN iso28000.review_output.status IS 'open, done or cancelled; the next review sees the open and overdue ones (input previous_actions).';

-- ---------------------------------------------------------------------------
-- Workflow (engine: sql/core/06_workflow.sql)
-- ---------------------------------------------------------------------------

-- Guard of the management review workflow: to close, every required input addressed and results recorded.
CREATE FUNCTION iso28000.management_review_guard(r iso28000.management_review, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text;
    me bigint;
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
    -- the conclusion is top management's: the chair closes, as the acting
    -- person, not whoever holds level manage and names the chair
    me := iso28000.acting_person(r.org_id);
    IF me IS DISTINCT FROM r.chair_id THEN
        RETURN format('its chair (person %s) closing it; the acting person is %s', r.chair_id,
                      coalesce('person ' || me, 'nobody (a person''s own login, or act_as() of a delegated application)'));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.management_review_guard(iso28000.management_review, text, text) IS
  'ISO 28000 9.3.2, 9.3.3: Workflow guard of management reviews: to close, every required input of the checklist is addressed, at least one result is recorded, and the acting person is the review''s chair.';

SELECT iso28000.define_workflow('management_review',
  'ISO 28000 9.3: a management review from plan to closure (held, then closed once every required input is addressed and results are recorded).',
  states => $wf$[
    {"state": "planned", "initial": true, "deletable": true, "description": "Planned, not held yet."},
    {"state": "held", "requires": {"minutes": "the minutes of the review"}, "description": "Held; inputs being addressed and results recorded."},
    {"state": "closed", "terminal": true, "frozen": true, "requires": {"conclusion": "the conclusion on the suitability, adequacy and effectiveness of the SMS", "closed_on": "the closing date"}, "description": "Closed: every required input addressed, results recorded."},
    {"state": "cancelled", "terminal": true, "frozen": true, "requires": {"status_note": "why the review was cancelled"}, "description": "Cancelled (with the reason)."}
  ]$wf$,
  transitions => $wf$[
    {"from": "planned", "to": "held", "level": "write", "note": "9.3.1: the review took place."},
    {"from": "planned", "to": "cancelled", "level": "write", "note": "Review cancelled."},
    {"from": "held", "to": "closed", "level": "manage", "guard": "iso28000.management_review_guard(iso28000.management_review, text, text)", "note": "9.3.2, 9.3.3: every required input addressed and results recorded."}
  ]$wf$,
  builtin => true);

SELECT iso28000.attach_workflow('iso28000.management_review', 'management_review');
