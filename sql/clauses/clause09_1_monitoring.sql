/*
 * sql/clauses/clause09_1_monitoring.sql
 *		ISO 28000 9.1, monitoring, measurement, analysis and evaluation:
 *		conformity self-assessments with their graded results, and the
 *		indicators of the SMS with their measurements and status.
 *
 * Grades and scoring come from sql/core/03_scoring.sql.  The conformity of
 * the whole standard clause by clause (conformity_by_clause,
 * conformity_trend) is in sql/views/conformity.sql.  Reference:
 * doc/audit-review.md.
 */

-- ---------------------------------------------------------------------------
-- 9.1 Conformity self-assessments
-- ---------------------------------------------------------------------------

CREATE TABLE iso28000.self_assessment (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    assessment_id  bigint GENERATED ALWAYS AS IDENTITY,
    title          text NOT NULL CONSTRAINT self_assessment_title_present CHECK (btrim(title) <> ''),
    assessed_on    date NOT NULL,
    scope          iso28000.clause_ref[] NOT NULL DEFAULT '{}',
    assessor_id    bigint,
    method         text,
    note           text,
    standard       text NOT NULL DEFAULT 'ISO 28000:2022'
                   CONSTRAINT self_assessment_standard_fk REFERENCES iso28000.standard,
    PRIMARY KEY (org_id, assessment_id),
    FOREIGN KEY (org_id, assessor_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.self_assessment');
COMMENT ON TABLE iso28000.self_assessment IS
  'ISO 28000 9.1, 9.1.2: Conformity self-assessments: an organisation grades the clauses of its SMS on a date; the results hold one grade per clause.';
COMMENT ON COLUMN iso28000.self_assessment.title IS 'Name of the assessment.';
COMMENT ON COLUMN iso28000.self_assessment.assessed_on IS 'Date of the assessment; the trend and the latest grade per clause follow it.';
COMMENT ON COLUMN iso28000.self_assessment.scope IS 'Clauses assessed (each covers its sub-clauses); empty means the whole SMS.';
COMMENT ON COLUMN iso28000.self_assessment.assessor_id IS 'Person who led the assessment.';
COMMENT ON COLUMN iso28000.self_assessment.method IS 'How the assessment was done (interviews, document review, sampling...).';
COMMENT ON COLUMN iso28000.self_assessment.note IS 'Free note.';
COMMENT ON COLUMN iso28000.self_assessment.standard IS 'Standard assessed (default ISO 28000:2022): its scope and every result name clauses of it.';

CREATE TABLE iso28000.assessment_result (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    result_id      bigint GENERATED ALWAYS AS IDENTITY,
    assessment_id  bigint NOT NULL,
    clause         iso28000.clause_ref NOT NULL,
    grade          iso28000.conformity_grade NOT NULL,
    weight         integer NOT NULL DEFAULT 1 CONSTRAINT assessment_result_weight_not_negative CHECK (weight >= 0),
    evidence       text,
    note           text,
    standard       text NOT NULL,
    maturity       integer,
    PRIMARY KEY (org_id, result_id),
    CONSTRAINT assessment_result_one_grade_per_clause UNIQUE (org_id, assessment_id, clause),
    FOREIGN KEY (org_id, assessment_id) REFERENCES iso28000.self_assessment (org_id, assessment_id),
    CONSTRAINT assessment_result_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause)
);
SELECT iso28000.register_table('iso28000.assessment_result');
COMMENT ON TABLE iso28000.assessment_result IS
  'ISO 28000 9.1, 9.1.2: Results of a self-assessment: one grade per clause, with a weight, the evidence and a note.';
COMMENT ON COLUMN iso28000.assessment_result.assessment_id IS 'The self-assessment.';
COMMENT ON COLUMN iso28000.assessment_result.clause IS 'Clause graded.';
COMMENT ON COLUMN iso28000.assessment_result.grade IS 'Grade given to the clause.';
COMMENT ON COLUMN iso28000.assessment_result.weight IS 'How much the clause counts in the score (zero or more).';
COMMENT ON COLUMN iso28000.assessment_result.evidence IS 'Evidence examined (documents, records, interviews).';
COMMENT ON COLUMN iso28000.assessment_result.note IS 'Free note.';
COMMENT ON COLUMN iso28000.assessment_result.maturity IS 'Maturity level of the clause in this assessment, beside the grade, on the organisation''s scale (maturity_scale in clause09_1_maturity.sql; another is refused with IS547); NULL when not rated.';
COMMENT ON COLUMN iso28000.assessment_result.standard IS 'Standard of the clause: the assessment''s (filled from it when not given; another is refused with IS545).';

-- A result names its assessment's standard: filled in when not given, refused when another (IS545).
CREATE FUNCTION iso28000.assessment_result_standard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    assessed text;
BEGIN
    SELECT s.standard INTO assessed FROM iso28000.self_assessment s
     WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.assessment_id OPERATOR(pg_catalog.=) NEW.assessment_id;
    IF NEW.standard IS NULL THEN
        -- no assessment found: the foreign key refuses the row; ISO 28000:2022 keeps the refusal that one
        NEW.standard := coalesce(assessed, 'ISO 28000:2022');
    ELSIF assessed IS NOT NULL AND NEW.standard IS DISTINCT FROM assessed THEN
        RAISE EXCEPTION 'result on clause % of % does not belong in self-assessment %, which assesses %',
                        NEW.clause, NEW.standard, NEW.assessment_id, assessed
              USING ERRCODE = 'IS545',
                    DETAIL = 'Every result of a self-assessment grades a clause of the standard the assessment assesses.',
                    HINT = 'Record it in a self-assessment of that standard, or leave standard out to take the assessment''s.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'standard';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.assessment_result_standard() IS
  'Trigger on assessment_result: takes the standard of the self-assessment when none is given, and refuses another (IS545).';
CREATE TRIGGER assessment_result_standard BEFORE INSERT OR UPDATE OF standard, assessment_id ON iso28000.assessment_result
    FOR EACH ROW EXECUTE FUNCTION iso28000.assessment_result_standard();


-- ---------------------------------------------------------------------------
-- 9.1 Indicators and their measurements
-- ---------------------------------------------------------------------------

CREATE TABLE iso28000.indicator (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    indicator_id    bigint GENERATED ALWAYS AS IDENTITY,
    name            text NOT NULL CONSTRAINT indicator_name_present CHECK (btrim(name) <> ''),
    description     text,
    clause          iso28000.clause_ref NOT NULL DEFAULT '9.1',
    unit            text NOT NULL CONSTRAINT indicator_unit_present CHECK (btrim(unit) <> ''),
    direction       text NOT NULL DEFAULT 'increase'
                    CONSTRAINT indicator_direction_valid CHECK (direction IN ('increase', 'decrease', 'maintain')),
    target          numeric,
    threshold       numeric,
    frequency       interval NOT NULL DEFAULT '1 month'
                    CONSTRAINT indicator_frequency_positive CHECK (frequency > interval '0'),
    method          text,
    owner_id        bigint,
    active          boolean NOT NULL DEFAULT true,
    standard        text NOT NULL DEFAULT 'ISO 28000:2022',
    PRIMARY KEY (org_id, indicator_id),
    CONSTRAINT indicator_name_unique UNIQUE (org_id, name),
    CONSTRAINT indicator_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.indicator');
COMMENT ON TABLE iso28000.indicator IS
  'ISO 28000 9.1, 9.1.1: Indicators of security performance: what is measured, how, how often, by whom, and the target to evaluate it against.';
COMMENT ON COLUMN iso28000.indicator.name IS 'Name of the indicator (unique in the organisation).';
COMMENT ON COLUMN iso28000.indicator.description IS 'What the indicator shows.';
COMMENT ON COLUMN iso28000.indicator.clause IS 'Clause the indicator monitors (default 9.1).';
COMMENT ON COLUMN iso28000.indicator.unit IS 'Unit of the values.';
COMMENT ON COLUMN iso28000.indicator.direction IS 'Which way is better: increase, decrease or maintain (the target).';
COMMENT ON COLUMN iso28000.indicator.target IS 'Value aimed at.';
COMMENT ON COLUMN iso28000.indicator.threshold IS 'Value past which action is needed (below it for increase, above it for decrease).';
COMMENT ON COLUMN iso28000.indicator.frequency IS 'How often it is measured; a measurement older than this is overdue.';
COMMENT ON COLUMN iso28000.indicator.method IS 'Method of monitoring, measurement, analysis and evaluation (9.1 b).';
COMMENT ON COLUMN iso28000.indicator.owner_id IS 'Person who measures it.';
COMMENT ON COLUMN iso28000.indicator.active IS 'False once the indicator is retired; its measurements are kept.';
COMMENT ON COLUMN iso28000.indicator.standard IS 'Standard of the clause monitored (default ISO 28000:2022); (standard, clause) is a clause of the catalog.';

CREATE TABLE iso28000.indicator_measurement (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    measurement_id  bigint GENERATED ALWAYS AS IDENTITY,
    indicator_id    bigint NOT NULL,
    measured_on     date NOT NULL,
    value           numeric NOT NULL,
    measured_by     bigint,
    note            text,
    PRIMARY KEY (org_id, measurement_id),
    CONSTRAINT indicator_measurement_one_per_day UNIQUE (org_id, indicator_id, measured_on),
    FOREIGN KEY (org_id, indicator_id) REFERENCES iso28000.indicator (org_id, indicator_id),
    FOREIGN KEY (org_id, measured_by) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.indicator_measurement');
-- Who measured is the acting person who wrote the measurement (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.indicator_measurement
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('measured_by:*');
COMMENT ON TABLE iso28000.indicator_measurement IS
  'ISO 28000 9.1, 9.1.1: Measurements of the indicators over time (one per indicator per day).';
COMMENT ON COLUMN iso28000.indicator_measurement.indicator_id IS 'The indicator.';
COMMENT ON COLUMN iso28000.indicator_measurement.measured_on IS 'Date of the measurement.';
COMMENT ON COLUMN iso28000.indicator_measurement.value IS 'Measured value, in the indicator''s unit.';
COMMENT ON COLUMN iso28000.indicator_measurement.measured_by IS 'Person who measured and recorded the value: the acting person of the insert or of the last change, stamped by the database (NULL when nobody acts); naming another person needs level manage (IS120).';
COMMENT ON COLUMN iso28000.indicator_measurement.note IS 'Free note.';

CREATE VIEW iso28000.indicator_status WITH (security_invoker = true) AS
SELECT i.org_id, i.indicator_id, i.name, i.clause::text AS clause, iso28000.sort_key(i.clause) AS clause_sort, i.unit, i.direction, i.target, i.threshold,
       m.measured_on AS last_measured_on, m.value AS last_value, p.value AS previous_value,
       m.value - p.value AS change,
       CASE WHEN m.value IS NULL OR i.target IS NULL THEN NULL
            WHEN i.direction = 'increase' THEN m.value >= i.target
            WHEN i.direction = 'decrease' THEN m.value <= i.target
            ELSE m.value = i.target END AS on_target,
       CASE WHEN m.value IS NULL OR i.threshold IS NULL THEN NULL
            WHEN i.direction = 'decrease' THEN m.value > i.threshold
            ELSE m.value < i.threshold END AS past_threshold,
       m.measured_on IS NULL OR m.measured_on + i.frequency < current_date AS measurement_overdue,
       i.standard
  FROM iso28000.indicator i
  LEFT JOIN LATERAL (SELECT measured_on, value FROM iso28000.indicator_measurement x
                      WHERE x.org_id = i.org_id AND x.indicator_id = i.indicator_id
                      ORDER BY measured_on DESC LIMIT 1) m ON true
  LEFT JOIN LATERAL (SELECT value FROM iso28000.indicator_measurement x
                      WHERE x.org_id = i.org_id AND x.indicator_id = i.indicator_id
                        AND x.measured_on < m.measured_on
                      ORDER BY measured_on DESC LIMIT 1) p ON true
 WHERE i.active;
COMMENT ON VIEW iso28000.indicator_status IS
  'ISO 28000 9.1, 9.3.2: Each active indicator with its latest and previous value, the change, whether it is on target or past its threshold, and whether a measurement is overdue.';
COMMENT ON COLUMN iso28000.indicator_status.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.indicator_status.indicator_id IS 'The indicator.';
COMMENT ON COLUMN iso28000.indicator_status.name IS 'Name of the indicator.';
COMMENT ON COLUMN iso28000.indicator_status.clause IS 'Clause the indicator monitors, as text.';
COMMENT ON COLUMN iso28000.indicator_status.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.indicator_status.unit IS 'Unit of the values.';
COMMENT ON COLUMN iso28000.indicator_status.direction IS 'Which way is better.';
COMMENT ON COLUMN iso28000.indicator_status.target IS 'Value aimed at.';
COMMENT ON COLUMN iso28000.indicator_status.threshold IS 'Value past which action is needed.';
COMMENT ON COLUMN iso28000.indicator_status.last_measured_on IS 'Date of the latest measurement.';
COMMENT ON COLUMN iso28000.indicator_status.last_value IS 'Latest value.';
COMMENT ON COLUMN iso28000.indicator_status.previous_value IS 'Value of the measurement before it.';
COMMENT ON COLUMN iso28000.indicator_status.change IS 'Latest minus previous value.';
COMMENT ON COLUMN iso28000.indicator_status.on_target IS 'Latest value meets the target in the indicator''s direction (NULL without target or value).';
COMMENT ON COLUMN iso28000.indicator_status.past_threshold IS 'Latest value is past the threshold (NULL without threshold or value).';
COMMENT ON COLUMN iso28000.indicator_status.measurement_overdue IS 'No measurement yet, or the latest is older than the frequency.';
COMMENT ON COLUMN iso28000.indicator_status.standard IS 'Standard of the clause monitored.';

-- Members read the view; row-level security of the registers beneath it
-- (security_invoker) decides which rows they see.
GRANT SELECT ON iso28000.indicator_status TO PUBLIC;
