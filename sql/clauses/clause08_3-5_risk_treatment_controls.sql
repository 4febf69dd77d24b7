/*
 * sql/clauses/clause08_3-5_risk_treatment_controls.sql
 *		ISO 28000 8.3 to 8.5: security controls (8.4), the treatments that link
 *		risks to controls (8.5), the tests of controls with their results, and
 *		the risk workflow of 6.1 and 8.3 (the risk register itself is
 *		clause06_planning.sql).  Supply-chain assurance
 *		(clause08_4_supply_chain_assurance.sql) refers to control for the
 *		controls applied upstream or downstream at a node.
 */

-- 8.4 Security controls.
CREATE TABLE iso28000.control (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    control_id     bigint GENERATED ALWAYS AS IDENTITY,
    code           text NOT NULL CONSTRAINT control_code_present CHECK (btrim(code) <> ''),
    title          text NOT NULL CONSTRAINT control_title_present CHECK (btrim(title) <> ''),
    description    text,
    control_type   text NOT NULL CONSTRAINT control_type_valid CHECK (control_type IN
                     ('preventive', 'detective', 'corrective', 'deterrent', 'recovery', 'compensating')),
    nature         text NOT NULL CONSTRAINT control_nature_valid CHECK (nature IN
                     ('physical', 'technical', 'procedural', 'personnel', 'contractual')),
    owner_id       bigint,
    sms_process_id bigint,
    test_interval  interval CONSTRAINT control_test_interval_positive CHECK (test_interval > interval '0'),
    implemented_on date,
    retired_on     date,
    PRIMARY KEY (org_id, control_id),
    CONSTRAINT control_code_unique UNIQUE (org_id, code),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
    CONSTRAINT control_retired_after_implemented CHECK (retired_on >= implemented_on)
);
SELECT iso28000.register_table('iso28000.control');
COMMENT ON TABLE iso28000.control IS
  'ISO 28000 8.4, 8.5: Security controls (physical, technical, procedural, personnel, contractual) that the organisation implements, with their owner and how often they are tested.';
COMMENT ON COLUMN iso28000.control.code IS 'The organisation''s code of the control (required, unique), for example PHY-03 or an ISO/IEC 27001 Annex A number.';
COMMENT ON COLUMN iso28000.control.title IS 'Name of the control (required).';
COMMENT ON COLUMN iso28000.control.description IS 'What the control does and how.';
COMMENT ON COLUMN iso28000.control.control_type IS 'preventive, detective, corrective, deterrent, recovery or compensating.';
COMMENT ON COLUMN iso28000.control.nature IS 'physical, technical, procedural, personnel or contractual.';
COMMENT ON COLUMN iso28000.control.owner_id IS 'Person who owns the control.';
COMMENT ON COLUMN iso28000.control.sms_process_id IS 'Process the control belongs to.';
COMMENT ON COLUMN iso28000.control.test_interval IS 'How often the control is tested (positive); NULL when not tested periodically.';
COMMENT ON COLUMN iso28000.control.implemented_on IS 'Date the control went into operation; NULL while planned.';
COMMENT ON COLUMN iso28000.control.retired_on IS 'Date the control was retired; not before implemented_on.';

-- 8.5 Treatments: which control treats which risk.
CREATE TABLE iso28000.risk_treatment (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    risk_treatment_id bigint GENERATED ALWAYS AS IDENTITY,
    risk_id           bigint NOT NULL,
    control_id        bigint NOT NULL,
    description       text,
    expected_effect   text CONSTRAINT risk_treatment_effect_valid CHECK (expected_effect IN
                        ('reduce_likelihood', 'reduce_consequence', 'reduce_both', 'transfer', 'exploit')),
    owner_id          bigint,
    resources         text,
    planned_on        date NOT NULL DEFAULT current_date,
    due_on            date,
    implemented_on    date,
    cancelled_on      date,
    PRIMARY KEY (org_id, risk_treatment_id),
    CONSTRAINT risk_treatment_pair_unique UNIQUE (org_id, risk_id, control_id),
    FOREIGN KEY (org_id, risk_id) REFERENCES iso28000.risk (org_id, risk_id),
    FOREIGN KEY (org_id, control_id) REFERENCES iso28000.control (org_id, control_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT risk_treatment_due_after_planned CHECK (due_on >= planned_on),
    CONSTRAINT risk_treatment_implemented_after_planned CHECK (implemented_on >= planned_on),
    CONSTRAINT risk_treatment_cancelled_after_planned CHECK (cancelled_on >= planned_on),
    CONSTRAINT risk_treatment_not_implemented_and_cancelled CHECK (implemented_on IS NULL OR cancelled_on IS NULL)
);
SELECT iso28000.register_table('iso28000.risk_treatment');
CREATE INDEX risk_treatment_control ON iso28000.risk_treatment (org_id, control_id);
COMMENT ON TABLE iso28000.risk_treatment IS
  'ISO 28000 6.1.3, 8.3, 8.5.1, 8.5.3: Risk treatments: the control that treats a risk, with owner, resources (8.5.2), due date and implementation.';
COMMENT ON COLUMN iso28000.risk_treatment.risk_id IS 'The risk (or opportunity) treated.';
COMMENT ON COLUMN iso28000.risk_treatment.control_id IS 'The control that treats it; one row per risk and control.';
COMMENT ON COLUMN iso28000.risk_treatment.description IS 'How the control is applied to this risk.';
COMMENT ON COLUMN iso28000.risk_treatment.expected_effect IS 'reduce_likelihood, reduce_consequence, reduce_both, transfer or exploit.';
COMMENT ON COLUMN iso28000.risk_treatment.owner_id IS 'Person responsible for the treatment.';
COMMENT ON COLUMN iso28000.risk_treatment.resources IS 'Resources required (8.5.2).';
COMMENT ON COLUMN iso28000.risk_treatment.planned_on IS 'Date the treatment was planned.';
COMMENT ON COLUMN iso28000.risk_treatment.due_on IS 'Date it must be implemented; not before planned_on.';
COMMENT ON COLUMN iso28000.risk_treatment.implemented_on IS 'Date it was implemented; not before planned_on.';
COMMENT ON COLUMN iso28000.risk_treatment.cancelled_on IS 'Date it was cancelled; never together with implemented_on.';

-- 8.4, 9.1 Tests of controls and their results.
CREATE TABLE iso28000.control_test (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    control_test_id bigint GENERATED ALWAYS AS IDENTITY,
    control_id      bigint NOT NULL,
    tested_on       date NOT NULL,
    tester_id       bigint,
    method          text NOT NULL CONSTRAINT control_test_method_valid CHECK (method IN
                      ('inspection', 'observation', 'reperformance', 'inquiry', 'walkthrough', 'simulation', 'exercise')),
    result          text NOT NULL CONSTRAINT control_test_result_valid CHECK (result IN
                      ('effective', 'partially_effective', 'ineffective')),
    findings        text,
    sample_size     integer CONSTRAINT control_test_sample_positive CHECK (sample_size > 0),
    exceptions      integer CONSTRAINT control_test_exceptions_not_negative CHECK (exceptions >= 0),
    next_test_on    date,
    PRIMARY KEY (org_id, control_test_id),
    FOREIGN KEY (org_id, control_id) REFERENCES iso28000.control (org_id, control_id),
    FOREIGN KEY (org_id, tester_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT control_test_findings_present CHECK (result = 'effective' OR btrim(coalesce(findings, '')) <> ''),
    CONSTRAINT control_test_exceptions_within_sample CHECK (exceptions <= sample_size),
    CONSTRAINT control_test_next_after_tested CHECK (next_test_on > tested_on)
);
SELECT iso28000.register_table('iso28000.control_test');
CREATE INDEX control_test_latest ON iso28000.control_test (org_id, control_id, tested_on DESC);
COMMENT ON TABLE iso28000.control_test IS
  'ISO 28000 8.4, 9.1: Tests of security controls: method, sample, exceptions, result and findings.';
COMMENT ON COLUMN iso28000.control_test.control_id IS 'The control tested.';
COMMENT ON COLUMN iso28000.control_test.tested_on IS 'Date of the test.';
COMMENT ON COLUMN iso28000.control_test.tester_id IS 'Person who tested.';
COMMENT ON COLUMN iso28000.control_test.method IS 'inspection, observation, reperformance, inquiry, walkthrough, simulation or exercise.';
COMMENT ON COLUMN iso28000.control_test.result IS 'effective, partially_effective or ineffective.';
COMMENT ON COLUMN iso28000.control_test.findings IS 'What was found; required unless the result is effective.';
COMMENT ON COLUMN iso28000.control_test.sample_size IS 'Number of items tested (positive).';
COMMENT ON COLUMN iso28000.control_test.exceptions IS 'Number of items that failed; not negative, not above the sample.';
COMMENT ON COLUMN iso28000.control_test.next_test_on IS 'Date of the next test, if set explicitly; after tested_on. Otherwise tested_on plus the control''s test_interval.';

-- 6.1.3, 8.5 Open risks that need a treatment and have none.
CREATE VIEW iso28000.risk_without_treatment WITH (security_invoker = true) AS
SELECT o.org_id, o.risk_id, o.reference, o.kind, o.title, o.owner_id, o.status, o.treatment,
       o.current_rating, o.current_likelihood, o.current_consequence, o.score, o.band,
       CASE WHEN o.treatment IS NULL THEN 'no_decision' ELSE 'no_control' END AS reason
  FROM iso28000.risk_open o
 WHERE o.treatment IS NULL
    OR (o.treatment IN ('reduce', 'transfer', 'exploit')
        AND NOT EXISTS (SELECT FROM iso28000.risk_treatment t
                         WHERE t.org_id = o.org_id AND t.risk_id = o.risk_id
                           AND t.cancelled_on IS NULL));
COMMENT ON VIEW iso28000.risk_without_treatment IS
  'ISO 28000 6.1.3, 8.3, 8.5: Open risks and opportunities without a treatment: no treatment decision yet, or a decision to reduce, transfer or exploit with no live treatment linking a control.';
GRANT SELECT ON iso28000.risk_without_treatment TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_without_treatment.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_without_treatment.risk_id IS 'The risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_without_treatment.reference IS 'The organisation''s reference.';
COMMENT ON COLUMN iso28000.risk_without_treatment.kind IS 'risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_without_treatment.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.risk_without_treatment.owner_id IS 'Owner.';
COMMENT ON COLUMN iso28000.risk_without_treatment.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.risk_without_treatment.treatment IS 'Treatment decision, if taken.';
COMMENT ON COLUMN iso28000.risk_without_treatment.current_rating IS 'Residual rating if assessed, else inherent, as text (likelihood x consequence); NULL before assessment.';
COMMENT ON COLUMN iso28000.risk_without_treatment.current_likelihood IS 'Likelihood of the current rating.';
COMMENT ON COLUMN iso28000.risk_without_treatment.current_consequence IS 'Consequence of the current rating.';
COMMENT ON COLUMN iso28000.risk_without_treatment.score IS 'Score of the current rating.';
COMMENT ON COLUMN iso28000.risk_without_treatment.band IS 'Band of the current rating for the organisation.';
COMMENT ON COLUMN iso28000.risk_without_treatment.reason IS 'no_decision (no treatment decided) or no_control (reduce, transfer or exploit decided but no live treatment).';

-- 8.4, 9.1 Controls in operation whose test is due or was never done.
CREATE VIEW iso28000.control_test_due WITH (security_invoker = true) AS
SELECT c.org_id, c.control_id, c.code, c.title, c.owner_id,
       t.tested_on AS last_tested_on, t.result AS last_result,
       coalesce(t.next_test_on, (t.tested_on + c.test_interval)::date) AS next_test_on,
       CASE WHEN t.tested_on IS NULL THEN 'never_tested' ELSE 'overdue' END AS reason
  FROM iso28000.control c
  LEFT JOIN LATERAL (
        SELECT ct.tested_on, ct.result, ct.next_test_on
          FROM iso28000.control_test ct
         WHERE ct.org_id = c.org_id AND ct.control_id = c.control_id
         ORDER BY ct.tested_on DESC, ct.control_test_id DESC
         LIMIT 1) t ON true
 WHERE c.implemented_on IS NOT NULL AND c.retired_on IS NULL
   AND (c.test_interval IS NOT NULL OR t.next_test_on IS NOT NULL)
   AND (t.tested_on IS NULL OR coalesce(t.next_test_on, (t.tested_on + c.test_interval)::date) < current_date);
COMMENT ON VIEW iso28000.control_test_due IS
  'ISO 28000 8.4, 9.1: Controls in operation that are tested periodically and whose test is overdue or was never done.';
GRANT SELECT ON iso28000.control_test_due TO PUBLIC;
COMMENT ON COLUMN iso28000.control_test_due.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.control_test_due.control_id IS 'The control.';
COMMENT ON COLUMN iso28000.control_test_due.code IS 'Code of the control.';
COMMENT ON COLUMN iso28000.control_test_due.title IS 'Name of the control.';
COMMENT ON COLUMN iso28000.control_test_due.owner_id IS 'Owner of the control.';
COMMENT ON COLUMN iso28000.control_test_due.last_tested_on IS 'Date of the latest test; NULL when never tested.';
COMMENT ON COLUMN iso28000.control_test_due.last_result IS 'Result of the latest test.';
COMMENT ON COLUMN iso28000.control_test_due.next_test_on IS 'When the next test was due; NULL when never tested.';
COMMENT ON COLUMN iso28000.control_test_due.reason IS 'never_tested or overdue.';

/*
 * The risk workflow (ISO 28000 6.1.3, 8.3), through the workflow engine
 * (sql/core/06_workflow.sql):
 *
 *   identified -> assessed -> treatment_planned -> treated -> accepted
 *        |            |  \______________________________/^      |
 *        |            \________________ accepted ________/       |
 *        +------------+-- closed <------------------------------+  (from any open state)
 *
 * assessed needs the inherent rating, an owner and the assessment date;
 * treatment_planned needs the treatment decision and a review date, and for
 * reduce, transfer or exploit at least one live treatment linking a control;
 * treated needs the residual rating and every live treatment implemented;
 * accepted needs the acceptance recorded by the accepting person, who holds a
 * role with the authority to accept risks of the rating's band
 * (may_accept_risk); closed needs the closing date and freezes the record
 * until a manager reopens it.  treated, accepted -> assessed re-assess.
 */

-- Guard of treatment_planned: reduce, transfer and exploit need a live treatment.
CREATE FUNCTION iso28000.risk_treatment_planned_guard(r iso28000.risk, from_state text, to_state text) RETURNS text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN CASE
             WHEN r.treatment IN ('reduce', 'transfer', 'exploit')
                  AND NOT EXISTS (SELECT FROM iso28000.risk_treatment t
                                   WHERE t.org_id = r.org_id AND t.risk_id = r.risk_id AND t.cancelled_on IS NULL)
             THEN format('a live treatment linking a control (risk_treatment) for the decision to %s', r.treatment)
           END;
END
$$;
COMMENT ON FUNCTION iso28000.risk_treatment_planned_guard(iso28000.risk, text, text) IS
  'Workflow guard of risk -> treatment_planned: a decision to reduce, transfer or exploit needs at least one live risk_treatment.';

-- Guard of treated: every live treatment of the risk is implemented.
CREATE FUNCTION iso28000.risk_treated_guard(r iso28000.risk, from_state text, to_state text) RETURNS text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN (SELECT format('every live treatment implemented (%s of %s are not)', count(*) FILTER (WHERE t.implemented_on IS NULL), count(*))
              FROM iso28000.risk_treatment t
             WHERE t.org_id = r.org_id AND t.risk_id = r.risk_id AND t.cancelled_on IS NULL
            HAVING count(*) FILTER (WHERE t.implemented_on IS NULL) > 0);
END
$$;
COMMENT ON FUNCTION iso28000.risk_treated_guard(iso28000.risk, text, text) IS
  'Workflow guard of risk -> treated: every live risk_treatment of the risk has its implemented_on.';

-- Guard of accepted: the acceptor is the acting person and holds the authority.
CREATE FUNCTION iso28000.risk_acceptance_guard(r iso28000.risk, from_state text, to_state text) RETURNS text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  rating iso28000.risk_rating := coalesce(r.residual_rating, r.inherent_rating);
BEGIN
  IF r.accepted_by IS DISTINCT FROM iso28000.current_person(r.org_id) THEN
    RETURN format('acceptance recorded by the accepting person: accepted_by must be the person of role "%s"', current_user);
  END IF;
  IF NOT iso28000.may_accept_risk(r.org_id, r.accepted_by, rating, r.accepted_on) THEN
    RETURN format('acceptance by a person holding a role with the authority to accept %s risks (person %s has none on %s)',
                  coalesce(iso28000.band(r.org_id, rating), 'unrated'), r.accepted_by, r.accepted_on);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.risk_acceptance_guard(iso28000.risk, text, text) IS
  'Workflow guard of risk -> accepted: accepted_by is the person of the current role, and holds on accepted_on a role that may accept risks of the current rating''s band (may_accept_risk).';

SELECT iso28000.define_workflow('risk',
  'ISO 28000 6.1.3, 8.3: a risk or opportunity from identification through assessment and treatment to acceptance and closure.',
  states => $wf$[
    {"state": "identified", "initial": true, "deletable": true, "description": "Recorded, not yet assessed; may still be deleted."},
    {"state": "assessed", "requires": {"inherent_rating": "the inherent rating", "owner_id": "the risk owner", "assessed_on": "the date of assessment"}, "description": "Rated (inherent) with an owner."},
    {"state": "treatment_planned", "requires": {"inherent_rating": "the inherent rating", "owner_id": "the risk owner", "treatment": "the treatment decision", "review_on": "the next review date"}, "description": "Treatment decided and, where it needs controls, planned."},
    {"state": "treated", "requires": {"residual_rating": "the residual rating", "owner_id": "the risk owner", "treatment": "the treatment decision"}, "description": "Treatments implemented and residual rating assessed."},
    {"state": "accepted", "requires": {"inherent_rating": "the inherent rating", "owner_id": "the risk owner", "accepted_by": "the person who accepts the risk", "accepted_on": "the date of acceptance", "review_on": "the next review date"}, "description": "Residual risk accepted by someone with the authority."},
    {"state": "closed", "terminal": true, "frozen": true, "requires": {"closed_on": "the closing date"}, "description": "No longer relevant; frozen until reopened."}
  ]$wf$,
  transitions => $wf$[
    {"from": "identified", "to": "assessed", "level": "write", "note": "first assessment"},
    {"from": "assessed", "to": "treatment_planned", "level": "write", "guard": "iso28000.risk_treatment_planned_guard(iso28000.risk, text, text)", "note": "treatment decided"},
    {"from": "assessed", "to": "accepted", "level": "write", "guard": "iso28000.risk_acceptance_guard(iso28000.risk, text, text)", "note": "accepted without further treatment"},
    {"from": "treatment_planned", "to": "treated", "level": "write", "guard": "iso28000.risk_treated_guard(iso28000.risk, text, text)", "note": "treatments implemented"},
    {"from": "treatment_planned", "to": "assessed", "level": "write", "note": "treatment decision revised"},
    {"from": "treated", "to": "accepted", "level": "write", "guard": "iso28000.risk_acceptance_guard(iso28000.risk, text, text)", "note": "residual risk accepted"},
    {"from": "treated", "to": "assessed", "level": "write", "note": "re-assessment"},
    {"from": "accepted", "to": "assessed", "level": "write", "note": "re-assessment at review"},
    {"from": "identified", "to": "closed", "level": "write", "note": "not a risk after all"},
    {"from": "assessed", "to": "closed", "level": "write", "note": "no longer relevant"},
    {"from": "treatment_planned", "to": "closed", "level": "write", "note": "no longer relevant"},
    {"from": "treated", "to": "closed", "level": "write", "note": "no longer relevant"},
    {"from": "accepted", "to": "closed", "level": "write", "note": "no longer relevant"},
    {"from": "closed", "to": "assessed", "level": "manage", "note": "reopened by a manager"}
  ]$wf$,
  builtin => true);

SELECT iso28000.attach_workflow('iso28000.risk', 'risk');

-- 8.5.2 Resources that security strategies, procedures and treatments require.
CREATE TABLE iso28000.resource_requirement (
  org_id                  bigint NOT NULL REFERENCES iso28000.organization,
  resource_requirement_id bigint GENERATED ALWAYS AS IDENTITY,
  risk_treatment_id       bigint,
  control_id              bigint,
  resource_id             bigint,
  description             text   NOT NULL,
  kind                    text   NOT NULL,
  quantity                numeric,
  unit                    text,
  needed_from             date,
  needed_until            date,
  status                  text   NOT NULL DEFAULT 'identified',
  PRIMARY KEY (org_id, resource_requirement_id),
  FOREIGN KEY (org_id, risk_treatment_id) REFERENCES iso28000.risk_treatment (org_id, risk_treatment_id),
  FOREIGN KEY (org_id, control_id) REFERENCES iso28000.control (org_id, control_id),
  FOREIGN KEY (org_id, resource_id) REFERENCES iso28000.resource (org_id, resource_id),
  CONSTRAINT resource_requirement_for_check CHECK (risk_treatment_id IS NOT NULL OR control_id IS NOT NULL),
  CONSTRAINT resource_requirement_description_check CHECK (btrim(description) <> ''),
  CONSTRAINT resource_requirement_kind_check CHECK (kind IN ('people', 'infrastructure', 'equipment',
    'technology', 'information', 'financial', 'external_service', 'other')),
  CONSTRAINT resource_requirement_quantity_check CHECK (quantity >= 0),
  CONSTRAINT resource_requirement_unit_check CHECK (quantity IS NULL OR coalesce(btrim(unit), '') <> ''),
  CONSTRAINT resource_requirement_dates_check CHECK (needed_until >= needed_from),
  CONSTRAINT resource_requirement_status_check CHECK (status IN ('identified', 'requested', 'provided', 'declined')),
  CONSTRAINT resource_requirement_provided_check CHECK (status <> 'provided' OR resource_id IS NOT NULL)
);
SELECT iso28000.register_table('iso28000.resource_requirement');
COMMENT ON TABLE iso28000.resource_requirement IS
  'ISO 28000 8.5.2, 7.1: Resources that security strategies, procedures and treatments require: for a risk treatment or a control, what kind and how much, when, and whether it was provided (by a resource of 7.1).';
COMMENT ON COLUMN iso28000.resource_requirement.risk_treatment_id IS 'The treatment that needs it; it or control_id is required.';
COMMENT ON COLUMN iso28000.resource_requirement.control_id IS 'The control (strategy, procedure) that needs it; it or risk_treatment_id is required.';
COMMENT ON COLUMN iso28000.resource_requirement.resource_id IS 'The resource (7.1) that provides it; required once provided.';
COMMENT ON COLUMN iso28000.resource_requirement.description IS 'What is needed (required, not blank).';
COMMENT ON COLUMN iso28000.resource_requirement.kind IS 'people, infrastructure, equipment, technology, information, financial, external_service or other.';
COMMENT ON COLUMN iso28000.resource_requirement.quantity IS 'How much (not negative); with a unit.';
COMMENT ON COLUMN iso28000.resource_requirement.unit IS 'Unit of the quantity; required with a quantity.';
COMMENT ON COLUMN iso28000.resource_requirement.needed_from IS 'From when it is needed.';
COMMENT ON COLUMN iso28000.resource_requirement.needed_until IS 'Until when; not before needed_from.';
COMMENT ON COLUMN iso28000.resource_requirement.status IS 'identified, requested, provided (names the resource) or declined.';

CREATE VIEW iso28000.resource_requirement_unmet WITH (security_invoker = true) AS
SELECT q.org_id, q.resource_requirement_id, q.description, q.kind, q.quantity, q.unit, q.status,
       q.risk_treatment_id, q.control_id, c.code AS control_code, q.needed_from,
       q.needed_from - current_date AS days_until_needed
  FROM iso28000.resource_requirement q
  LEFT JOIN iso28000.risk_treatment t ON t.org_id = q.org_id AND t.risk_treatment_id = q.risk_treatment_id
  LEFT JOIN iso28000.control c ON c.org_id = q.org_id AND c.control_id = coalesce(q.control_id, t.control_id)
 WHERE q.status IN ('identified', 'requested');
COMMENT ON VIEW iso28000.resource_requirement_unmet IS
  'ISO 28000 8.5.2: Resources required by strategies, procedures and treatments that are not provided yet (identified or requested), with the control concerned and the days until they are needed (negative: late).';
GRANT SELECT ON iso28000.resource_requirement_unmet TO PUBLIC;
COMMENT ON COLUMN iso28000.resource_requirement_unmet.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.resource_requirement_id IS 'The requirement.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.description IS 'What is needed.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.kind IS 'Kind of resource.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.quantity IS 'How much.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.unit IS 'Unit.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.status IS 'identified or requested.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.risk_treatment_id IS 'The treatment that needs it, if any.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.control_id IS 'The control that needs it, if named directly.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.control_code IS 'Code of the control concerned (named directly or through the treatment).';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.needed_from IS 'From when it is needed.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.days_until_needed IS 'Days from today to needed_from; negative when late.';
