/*
 * sql/clauses/clause06_planning.sql
 *		ISO 28000 clause 6, planning, and the risk assessment of 8.3: the risk
 *		register (risks and opportunities, 6.1, 8.3), security objectives and
 *		their measurements (6.2), planned changes to the SMS (6.3), and the
 *		views over them (heat map, top risks, appetite, overdue reviews,
 *		objective status).  Treatments and controls are in
 *		clause08_3-5_risk_treatment_controls.sql.
 *
 * Ratings are iso28000.risk_rating (sql/core/02_risk_rating.sql); bands come
 * from the organisation's own matrix where it has one (band(org, rating)).
 */

-- 6.1, 8.3 The risk register: security risks and opportunities.
CREATE TABLE iso28000.risk (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    risk_id             bigint GENERATED ALWAYS AS IDENTITY,
    reference           text,
    kind                text NOT NULL DEFAULT 'risk' CONSTRAINT risk_kind_valid CHECK (kind IN ('risk', 'opportunity')),
    title               text NOT NULL CONSTRAINT risk_title_present CHECK (btrim(title) <> ''),
    description         text,
    threat              text,
    vulnerability       text,
    asset               text,
    sms_process_id      bigint,
    node_id             bigint,
    context_issue_id    bigint,
    inherent_rating     iso28000.risk_rating,
    residual_rating     iso28000.risk_rating,
    owner_id            bigint,
    treatment           text CONSTRAINT risk_treatment_valid CHECK (treatment IN ('avoid', 'reduce', 'transfer', 'accept', 'exploit')),
    treatment_rationale text,
    status              text NOT NULL DEFAULT 'identified',
    status_changed_at   timestamptz,
    status_changed_by   name,
    status_note         text,
    identified_on       date NOT NULL DEFAULT current_date,
    assessed_on         date,
    review_on           date,
    accepted_by         bigint,
    accepted_on         date,
    closed_on           date,
    PRIMARY KEY (org_id, risk_id),
    CONSTRAINT risk_reference_unique UNIQUE (org_id, reference),
    FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
    FOREIGN KEY (org_id, context_issue_id) REFERENCES iso28000.context_issue (org_id, context_issue_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, accepted_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT risk_threat_present CHECK (kind = 'opportunity' OR btrim(coalesce(threat, '')) <> ''),
    CONSTRAINT risk_treatment_fits_kind CHECK
      (NOT (kind = 'risk' AND treatment = 'exploit')
       AND NOT (kind = 'opportunity' AND treatment IN ('avoid', 'reduce', 'transfer'))),
    CONSTRAINT risk_residual_needs_inherent CHECK (residual_rating IS NULL OR inherent_rating IS NOT NULL),
    CONSTRAINT risk_residual_not_above_inherent CHECK (kind = 'opportunity' OR residual_rating <= inherent_rating),
    CONSTRAINT risk_assessed_after_identified CHECK (assessed_on >= identified_on),
    CONSTRAINT risk_review_after_identified CHECK (review_on >= identified_on),
    CONSTRAINT risk_acceptance_complete CHECK ((accepted_by IS NULL) = (accepted_on IS NULL)),
    CONSTRAINT risk_accepted_after_identified CHECK (accepted_on >= identified_on),
    CONSTRAINT risk_closed_after_identified CHECK (closed_on >= identified_on)
);
SELECT iso28000.register_table('iso28000.risk');
-- Who approved / verified / accepted is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.risk
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('accepted_by:accepted');
CREATE INDEX risk_owner ON iso28000.risk (org_id, owner_id);
COMMENT ON TABLE iso28000.risk IS
  'ISO 28000 6.1, 6.1.2, 6.1.3, 8.3: The risk register: security-related risks (threat, vulnerability, affected asset, process or supply-chain node) and opportunities, with inherent and residual rating, owner, treatment decision and acceptance.';
COMMENT ON COLUMN iso28000.risk.reference IS 'The organisation''s own reference (for example R-042), unique when given.';
COMMENT ON COLUMN iso28000.risk.kind IS 'risk (a threat to the SMS outcomes) or opportunity.';
COMMENT ON COLUMN iso28000.risk.title IS 'Short statement of the risk (required).';
COMMENT ON COLUMN iso28000.risk.description IS 'Scenario: cause, event and consequences.';
COMMENT ON COLUMN iso28000.risk.threat IS 'Threat source or event (required for risks).';
COMMENT ON COLUMN iso28000.risk.vulnerability IS 'Weakness the threat exploits.';
COMMENT ON COLUMN iso28000.risk.asset IS 'Affected asset (cargo, facility, information, people...).';
COMMENT ON COLUMN iso28000.risk.sms_process_id IS 'Affected process of the SMS.';
COMMENT ON COLUMN iso28000.risk.node_id IS 'Affected supply-chain node (the supply-chain register adds the foreign key).';
COMMENT ON COLUMN iso28000.risk.context_issue_id IS 'Context issue (4.1) the risk arises from.';
COMMENT ON COLUMN iso28000.risk.inherent_rating IS 'Rating before treatment (likelihood x consequence).';
COMMENT ON COLUMN iso28000.risk.residual_rating IS 'Rating after treatment; needs an inherent rating and, for a risk, is not above it.';
COMMENT ON COLUMN iso28000.risk.owner_id IS 'Risk owner.';
COMMENT ON COLUMN iso28000.risk.treatment IS 'Treatment decision: avoid, reduce, transfer or accept for risks; exploit or accept for opportunities.';
COMMENT ON COLUMN iso28000.risk.treatment_rationale IS 'Why this treatment was chosen.';
COMMENT ON COLUMN iso28000.risk.status IS 'Workflow state: identified, assessed, treatment_planned, treated, accepted, closed.';
COMMENT ON COLUMN iso28000.risk.status_changed_at IS 'When the status last changed (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.risk.status_changed_by IS 'Database role that last changed the status (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.risk.status_note IS 'Note for the next transition; copied into the workflow event log.';
COMMENT ON COLUMN iso28000.risk.identified_on IS 'Date the risk was identified.';
COMMENT ON COLUMN iso28000.risk.assessed_on IS 'Date of the latest assessment; not before identified_on.';
COMMENT ON COLUMN iso28000.risk.review_on IS 'Date of the next review; not before identified_on.';
COMMENT ON COLUMN iso28000.risk.accepted_by IS 'Person who accepted the residual risk; set together with accepted_on.';
COMMENT ON COLUMN iso28000.risk.accepted_on IS 'Date of acceptance.';
COMMENT ON COLUMN iso28000.risk.closed_on IS 'Date the risk was closed.';

-- 6.2 Security objectives.
CREATE TABLE iso28000.objective (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    objective_id       bigint GENERATED ALWAYS AS IDENTITY,
    title              text NOT NULL CONSTRAINT objective_title_present CHECK (btrim(title) <> ''),
    description        text,
    security_policy_id bigint,
    target             numeric NOT NULL,
    unit               text NOT NULL CONSTRAINT objective_unit_present CHECK (btrim(unit) <> ''),
    direction          text NOT NULL DEFAULT 'increase'
                       CONSTRAINT objective_direction_valid CHECK (direction IN ('increase', 'decrease', 'maintain')),
    baseline           numeric,
    baseline_on        date,
    set_on             date NOT NULL DEFAULT current_date,
    due_on             date NOT NULL,
    owner_id           bigint NOT NULL,
    resources          text,
    actions            text,
    evaluation_method  text NOT NULL CONSTRAINT objective_evaluation_method_present CHECK (btrim(evaluation_method) <> ''),
    achieved_on        date,
    cancelled_on       date,
    PRIMARY KEY (org_id, objective_id),
    FOREIGN KEY (org_id, security_policy_id) REFERENCES iso28000.security_policy (org_id, security_policy_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT objective_due_after_set CHECK (due_on >= set_on),
    CONSTRAINT objective_baseline_dated CHECK ((baseline IS NULL) = (baseline_on IS NULL)),
    CONSTRAINT objective_baseline_not_after_set CHECK (baseline_on <= set_on),
    CONSTRAINT objective_achieved_after_set CHECK (achieved_on >= set_on),
    CONSTRAINT objective_cancelled_after_set CHECK (cancelled_on >= set_on),
    CONSTRAINT objective_not_achieved_and_cancelled CHECK (achieved_on IS NULL OR cancelled_on IS NULL)
);
SELECT iso28000.register_table('iso28000.objective');
COMMENT ON TABLE iso28000.objective IS
  'ISO 28000 6.2, 6.2.1, 6.2.2: Security objectives: what will be achieved (target, unit, direction, baseline), by when, by whom, with what resources, and how results are evaluated.';
COMMENT ON COLUMN iso28000.objective.title IS 'Statement of the objective (required).';
COMMENT ON COLUMN iso28000.objective.description IS 'Longer description.';
COMMENT ON COLUMN iso28000.objective.security_policy_id IS 'Policy version the objective is consistent with (6.2.1 a).';
COMMENT ON COLUMN iso28000.objective.target IS 'Target value (required).';
COMMENT ON COLUMN iso28000.objective.unit IS 'Unit of the target and measurements (required), for example %, incidents, days.';
COMMENT ON COLUMN iso28000.objective.direction IS 'increase (at least the target), decrease (at most the target) or maintain (the target, within rounding).';
COMMENT ON COLUMN iso28000.objective.baseline IS 'Starting value; set together with baseline_on.';
COMMENT ON COLUMN iso28000.objective.baseline_on IS 'Date of the baseline; not after set_on.';
COMMENT ON COLUMN iso28000.objective.set_on IS 'Date the objective was set.';
COMMENT ON COLUMN iso28000.objective.due_on IS 'When it will be completed (6.2.2); not before set_on.';
COMMENT ON COLUMN iso28000.objective.owner_id IS 'Who is responsible (required).';
COMMENT ON COLUMN iso28000.objective.resources IS 'Resources required (6.2.2).';
COMMENT ON COLUMN iso28000.objective.actions IS 'What will be done (6.2.2).';
COMMENT ON COLUMN iso28000.objective.evaluation_method IS 'How the results will be evaluated (required).';
COMMENT ON COLUMN iso28000.objective.achieved_on IS 'Date the objective was declared achieved.';
COMMENT ON COLUMN iso28000.objective.cancelled_on IS 'Date the objective was cancelled; never together with achieved_on.';

-- 6.2, 9.1 Measurements of an objective over time.
CREATE TABLE iso28000.objective_measurement (
    org_id                   bigint NOT NULL REFERENCES iso28000.organization,
    objective_measurement_id bigint GENERATED ALWAYS AS IDENTITY,
    objective_id             bigint NOT NULL,
    measured_on              date NOT NULL,
    value                    numeric NOT NULL,
    measured_by              bigint,
    note                     text,
    PRIMARY KEY (org_id, objective_measurement_id),
    CONSTRAINT objective_measurement_one_per_day UNIQUE (org_id, objective_id, measured_on),
    FOREIGN KEY (org_id, objective_id) REFERENCES iso28000.objective (org_id, objective_id),
    FOREIGN KEY (org_id, measured_by) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.objective_measurement');
-- Who measured is the acting person who wrote the measurement (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.objective_measurement
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('measured_by:*');
COMMENT ON TABLE iso28000.objective_measurement IS
  'ISO 28000 6.2, 9.1: Measurements of a security objective over time, one per objective and day.';
COMMENT ON COLUMN iso28000.objective_measurement.objective_id IS 'The objective measured.';
COMMENT ON COLUMN iso28000.objective_measurement.measured_on IS 'Date of the measurement; one per objective and day.';
COMMENT ON COLUMN iso28000.objective_measurement.value IS 'Measured value, in the objective''s unit.';
COMMENT ON COLUMN iso28000.objective_measurement.measured_by IS 'Person who measured and recorded the value: the acting person of the insert or of the last change, stamped by the database (NULL when nobody acts); naming another person needs level manage (IS120).';
COMMENT ON COLUMN iso28000.objective_measurement.note IS 'Remarks on the measurement.';

-- 6.3 Changes to the SMS, planned.
CREATE TABLE iso28000.planned_change (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    planned_change_id bigint GENERATED ALWAYS AS IDENTITY,
    title             text NOT NULL CONSTRAINT planned_change_title_present CHECK (btrim(title) <> ''),
    description       text,
    purpose           text NOT NULL CONSTRAINT planned_change_purpose_present CHECK (btrim(purpose) <> ''),
    consequences      text NOT NULL CONSTRAINT planned_change_consequences_present CHECK (btrim(consequences) <> ''),
    integrity_measures text,
    resources         text,
    responsibilities  text,
    owner_id          bigint,
    risk_id           bigint,
    requested_on      date NOT NULL DEFAULT current_date,
    planned_for       date,
    completed_on      date,
    cancelled_on      date,
    PRIMARY KEY (org_id, planned_change_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, risk_id) REFERENCES iso28000.risk (org_id, risk_id),
    CONSTRAINT planned_change_planned_after_requested CHECK (planned_for >= requested_on),
    CONSTRAINT planned_change_completed_after_requested CHECK (completed_on >= requested_on),
    CONSTRAINT planned_change_cancelled_after_requested CHECK (cancelled_on >= requested_on),
    CONSTRAINT planned_change_not_completed_and_cancelled CHECK (completed_on IS NULL OR cancelled_on IS NULL)
);
SELECT iso28000.register_table('iso28000.planned_change');
COMMENT ON TABLE iso28000.planned_change IS
  'ISO 28000 6.3: Changes to the SMS carried out in a planned manner: purpose and potential consequences, integrity of the SMS, resources, responsibilities.';
COMMENT ON COLUMN iso28000.planned_change.title IS 'The change (required).';
COMMENT ON COLUMN iso28000.planned_change.description IS 'What changes.';
COMMENT ON COLUMN iso28000.planned_change.purpose IS 'Purpose of the change (required).';
COMMENT ON COLUMN iso28000.planned_change.consequences IS 'Its potential consequences (required).';
COMMENT ON COLUMN iso28000.planned_change.integrity_measures IS 'How the integrity of the SMS is kept during the change.';
COMMENT ON COLUMN iso28000.planned_change.resources IS 'Resources available for the change.';
COMMENT ON COLUMN iso28000.planned_change.responsibilities IS 'Allocation or reallocation of responsibilities and authorities.';
COMMENT ON COLUMN iso28000.planned_change.owner_id IS 'Person who leads the change.';
COMMENT ON COLUMN iso28000.planned_change.risk_id IS 'Risk or opportunity the change addresses, if any.';
COMMENT ON COLUMN iso28000.planned_change.requested_on IS 'Date the change was requested.';
COMMENT ON COLUMN iso28000.planned_change.planned_for IS 'Planned date; not before requested_on.';
COMMENT ON COLUMN iso28000.planned_change.completed_on IS 'Date completed; not before requested_on.';
COMMENT ON COLUMN iso28000.planned_change.cancelled_on IS 'Date cancelled; never together with completed_on.';

/*
 * Views over the risk register.  A risk is open until it reaches a terminal
 * state of the risk workflow (closed; an organisation that adds terminal
 * states to the workflow rules gets them left out too);
 * its current rating is the residual rating once assessed after treatment,
 * else the inherent one.  Bands come from the organisation's own matrix
 * (risk_band_cell) where set, else the default band; the views join the matrix
 * rather than call band(org, rating) per row.
 */

-- 6.1.2, 8.3 Heat map: open risks per likelihood x consequence cell.
CREATE VIEW iso28000.risk_heat_map WITH (security_invoker = true) AS
WITH counts AS (
    SELECT r.org_id, 'inherent'::text AS rating_kind, r.inherent_rating AS rating, count(*) AS risk_count
      FROM iso28000.risk r
     WHERE r.status NOT IN (SELECT ws.state FROM iso28000.workflow_state ws WHERE ws.workflow = 'risk' AND ws.is_terminal)
       AND r.inherent_rating IS NOT NULL
     GROUP BY r.org_id, r.inherent_rating
    UNION ALL
    SELECT r.org_id, 'residual'::text, r.residual_rating, count(*)
      FROM iso28000.risk r
     WHERE r.status NOT IN (SELECT ws.state FROM iso28000.workflow_state ws WHERE ws.workflow = 'risk' AND ws.is_terminal)
       AND r.residual_rating IS NOT NULL
     GROUP BY r.org_id, r.residual_rating
)
SELECT o.org_id, k.rating_kind, cell.rating::text AS rating,
       iso28000.likelihood(cell.rating) AS likelihood,
       iso28000.consequence(cell.rating) AS consequence,
       iso28000.score(cell.rating) AS score,
       coalesce(c.band, iso28000.band(cell.rating)) AS band,
       coalesce(c.risk_count, 0) AS risk_count
  FROM iso28000.organization o
 CROSS JOIN (VALUES ('inherent'::text), ('residual'::text)) AS k (rating_kind)
 CROSS JOIN (SELECT iso28000.risk_rating(l, c) AS rating
               FROM generate_series(1, 10) AS l, generate_series(1, 10) AS c) AS cell
  -- The organisation's bands and counts in one grouped subquery: on Citus,
  -- two outer joins in a row from the reference table organization to the
  -- registers crash Citus 13.2's planner (doc/distribution.md).
  LEFT JOIN (SELECT x.org_id, x.rating_kind, x.rating, max(x.band) AS band, max(x.risk_count) AS risk_count
               FROM (SELECT b.org_id, kk.rating_kind, b.rating, b.band, NULL::bigint AS risk_count
                       FROM iso28000.risk_band_cell b
                      CROSS JOIN (VALUES ('inherent'::text), ('residual'::text)) AS kk (rating_kind)
                     UNION ALL
                     SELECT n.org_id, n.rating_kind, n.rating, NULL, n.risk_count FROM counts n) x
              GROUP BY x.org_id, x.rating_kind, x.rating) c
    ON c.org_id = o.org_id AND c.rating_kind = k.rating_kind AND c.rating = cell.rating;
COMMENT ON VIEW iso28000.risk_heat_map IS
  'ISO 28000 6.1.2, 8.3, 9.1: Risk heat map: for every organisation, every one of the 100 likelihood x consequence cells, inherent and residual, the number of open risks and the cell''s band.';
GRANT SELECT ON iso28000.risk_heat_map TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_heat_map.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_heat_map.rating_kind IS 'inherent (before treatment) or residual (after treatment).';
COMMENT ON COLUMN iso28000.risk_heat_map.rating IS 'The cell as the text of a risk_rating (likelihood x consequence, e.g. 3x4).';
COMMENT ON COLUMN iso28000.risk_heat_map.likelihood IS 'Likelihood of the cell, 1 to 10 (one axis of the map).';
COMMENT ON COLUMN iso28000.risk_heat_map.consequence IS 'Consequence of the cell, 1 to 10 (the other axis).';
COMMENT ON COLUMN iso28000.risk_heat_map.score IS 'Likelihood x consequence.';
COMMENT ON COLUMN iso28000.risk_heat_map.band IS 'Band of the cell for the organisation (its own matrix, else the default): the colour of the cell.';
COMMENT ON COLUMN iso28000.risk_heat_map.risk_count IS 'Number of open risks and opportunities rated in this cell (0 for an empty cell).';

-- 6.1, 8.3 Every open risk with its current rating and band.
CREATE VIEW iso28000.risk_open WITH (security_invoker = true) AS
SELECT r.org_id, r.risk_id, r.reference, r.kind, r.title, r.owner_id, r.status, r.treatment,
       r.inherent_rating::text AS inherent_rating,
       iso28000.likelihood(r.inherent_rating) AS inherent_likelihood,
       iso28000.consequence(r.inherent_rating) AS inherent_consequence,
       iso28000.score(r.inherent_rating) AS inherent_score,
       coalesce(bi.band, iso28000.band(r.inherent_rating)) AS inherent_band,
       r.residual_rating::text AS residual_rating,
       iso28000.likelihood(r.residual_rating) AS residual_likelihood,
       iso28000.consequence(r.residual_rating) AS residual_consequence,
       iso28000.score(r.residual_rating) AS residual_score,
       coalesce(br.band, iso28000.band(r.residual_rating)) AS residual_band,
       cur.rating::text AS current_rating,
       iso28000.likelihood(cur.rating) AS current_likelihood,
       iso28000.consequence(cur.rating) AS current_consequence,
       iso28000.score(cur.rating) AS score,
       coalesce(bc.band, iso28000.band(cur.rating)) AS band,
       r.review_on, r.accepted_by
  FROM iso28000.risk r
 CROSS JOIN LATERAL (SELECT coalesce(r.residual_rating, r.inherent_rating) AS rating) cur
  LEFT JOIN iso28000.risk_band_cell bc ON bc.org_id = r.org_id AND bc.rating = cur.rating
  LEFT JOIN iso28000.risk_band_cell bi ON bi.org_id = r.org_id AND bi.rating = r.inherent_rating
  LEFT JOIN iso28000.risk_band_cell br ON br.org_id = r.org_id AND br.rating = r.residual_rating
 WHERE r.status NOT IN (SELECT ws.state FROM iso28000.workflow_state ws WHERE ws.workflow = 'risk' AND ws.is_terminal);
COMMENT ON VIEW iso28000.risk_open IS
  'ISO 28000 6.1, 8.3: Every open risk and opportunity (status not a terminal state of the risk workflow, i.e. not closed) with its current rating (residual if assessed, else inherent) and that rating''s band for the organisation; the base of the other risk views.';
COMMENT ON COLUMN iso28000.risk_open.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_open.risk_id IS 'The risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_open.reference IS 'The organisation''s reference.';
COMMENT ON COLUMN iso28000.risk_open.kind IS 'risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_open.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.risk_open.owner_id IS 'Owner.';
COMMENT ON COLUMN iso28000.risk_open.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.risk_open.treatment IS 'Treatment decision, if taken.';
COMMENT ON COLUMN iso28000.risk_open.inherent_rating IS 'Rating before treatment, as text (likelihood x consequence, e.g. 3x4).';
COMMENT ON COLUMN iso28000.risk_open.inherent_likelihood IS 'Likelihood of the inherent rating.';
COMMENT ON COLUMN iso28000.risk_open.inherent_consequence IS 'Consequence of the inherent rating.';
COMMENT ON COLUMN iso28000.risk_open.inherent_score IS 'Score of the inherent rating (likelihood x consequence).';
COMMENT ON COLUMN iso28000.risk_open.inherent_band IS 'Band of the inherent rating for the organisation (its own matrix, else the default).';
COMMENT ON COLUMN iso28000.risk_open.residual_rating IS 'Rating after treatment, if assessed, as text.';
COMMENT ON COLUMN iso28000.risk_open.residual_likelihood IS 'Likelihood of the residual rating.';
COMMENT ON COLUMN iso28000.risk_open.residual_consequence IS 'Consequence of the residual rating.';
COMMENT ON COLUMN iso28000.risk_open.residual_score IS 'Score of the residual rating.';
COMMENT ON COLUMN iso28000.risk_open.residual_band IS 'Band of the residual rating for the organisation.';
COMMENT ON COLUMN iso28000.risk_open.current_rating IS 'Residual rating if assessed, else inherent, as text; NULL before assessment. Sort ratings by score, then current_consequence.';
COMMENT ON COLUMN iso28000.risk_open.current_likelihood IS 'Likelihood of the current rating.';
COMMENT ON COLUMN iso28000.risk_open.current_consequence IS 'Consequence of the current rating.';
COMMENT ON COLUMN iso28000.risk_open.score IS 'Score of the current rating.';
COMMENT ON COLUMN iso28000.risk_open.band IS 'Band of the current rating for the organisation (its own matrix, else the default).';
COMMENT ON COLUMN iso28000.risk_open.review_on IS 'Date of the next review.';
COMMENT ON COLUMN iso28000.risk_open.accepted_by IS 'Person who accepted the residual risk, if accepted.';
GRANT SELECT ON iso28000.risk_open TO PUBLIC;

-- 6.1.2, 8.3 Open risks ranked by current rating.
CREATE VIEW iso28000.top_risk WITH (security_invoker = true) AS
SELECT org_id, risk_id, reference, title, owner_id, status, treatment,
       inherent_rating, inherent_likelihood, inherent_consequence, inherent_score, inherent_band,
       residual_rating, residual_likelihood, residual_consequence, residual_score, residual_band,
       current_rating, current_likelihood, current_consequence, score, band,
       rank() OVER (PARTITION BY org_id ORDER BY score DESC, current_consequence DESC) AS risk_rank
  FROM iso28000.risk_open
 WHERE kind = 'risk' AND current_rating IS NOT NULL;
COMMENT ON VIEW iso28000.top_risk IS
  'ISO 28000 6.1.2, 8.3, 9.3.2: Open risks ranked within each organisation by current rating (residual if assessed, else inherent), highest first; filter on risk_rank <= 10 for a top ten.';
GRANT SELECT ON iso28000.top_risk TO PUBLIC;
COMMENT ON COLUMN iso28000.top_risk.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.top_risk.risk_id IS 'The risk.';
COMMENT ON COLUMN iso28000.top_risk.reference IS 'The organisation''s reference of the risk.';
COMMENT ON COLUMN iso28000.top_risk.title IS 'Short statement of the risk.';
COMMENT ON COLUMN iso28000.top_risk.owner_id IS 'Risk owner.';
COMMENT ON COLUMN iso28000.top_risk.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.top_risk.treatment IS 'Treatment decision, if taken.';
COMMENT ON COLUMN iso28000.top_risk.inherent_rating IS 'Rating before treatment, as text (likelihood x consequence, e.g. 3x4).';
COMMENT ON COLUMN iso28000.top_risk.inherent_likelihood IS 'Likelihood of the inherent rating.';
COMMENT ON COLUMN iso28000.top_risk.inherent_consequence IS 'Consequence of the inherent rating.';
COMMENT ON COLUMN iso28000.top_risk.inherent_score IS 'Score of the inherent rating.';
COMMENT ON COLUMN iso28000.top_risk.inherent_band IS 'Band of the inherent rating for the organisation.';
COMMENT ON COLUMN iso28000.top_risk.residual_rating IS 'Rating after treatment, if assessed, as text.';
COMMENT ON COLUMN iso28000.top_risk.residual_likelihood IS 'Likelihood of the residual rating.';
COMMENT ON COLUMN iso28000.top_risk.residual_consequence IS 'Consequence of the residual rating.';
COMMENT ON COLUMN iso28000.top_risk.residual_score IS 'Score of the residual rating.';
COMMENT ON COLUMN iso28000.top_risk.residual_band IS 'Band of the residual rating for the organisation.';
COMMENT ON COLUMN iso28000.top_risk.current_rating IS 'Residual rating if assessed, else inherent, as text.';
COMMENT ON COLUMN iso28000.top_risk.current_likelihood IS 'Likelihood of the current rating.';
COMMENT ON COLUMN iso28000.top_risk.current_consequence IS 'Consequence of the current rating (ranks ratings of equal score).';
COMMENT ON COLUMN iso28000.top_risk.score IS 'Score of the current rating.';
COMMENT ON COLUMN iso28000.top_risk.band IS 'Band of the current rating for the organisation.';
COMMENT ON COLUMN iso28000.top_risk.risk_rank IS 'Rank within the organisation, 1 for the highest current rating (ties share a rank).';

-- 6.1.3 Open risks whose current rating is above the organisation's appetite.
CREATE VIEW iso28000.risk_above_appetite WITH (security_invoker = true) AS
SELECT o.org_id, o.risk_id, o.reference, o.title, o.owner_id, o.status, o.treatment,
       o.current_rating, o.current_likelihood, o.current_consequence, o.score,
       o.band, a.max_band AS appetite_band,
       o.accepted_by IS NOT NULL AS accepted
  FROM iso28000.risk_open o
  JOIN LATERAL (SELECT ra.max_band FROM iso28000.risk_appetite ra
                 WHERE ra.org_id = o.org_id AND ra.effective_on <= current_date
                 ORDER BY ra.effective_on DESC LIMIT 1) a ON true
 WHERE o.kind = 'risk' AND o.current_rating IS NOT NULL
   AND iso28000.band_rank(o.band) > iso28000.band_rank(a.max_band);
COMMENT ON VIEW iso28000.risk_above_appetite IS
  'ISO 28000 6.1.3, 8.3, 9.3.2: Open risks whose current rating (residual if assessed, else inherent) falls in a band above the organisation''s current risk appetite; organisations without an appetite have none here.';
GRANT SELECT ON iso28000.risk_above_appetite TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_above_appetite.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_above_appetite.risk_id IS 'The risk.';
COMMENT ON COLUMN iso28000.risk_above_appetite.reference IS 'The organisation''s reference of the risk.';
COMMENT ON COLUMN iso28000.risk_above_appetite.title IS 'Short statement of the risk.';
COMMENT ON COLUMN iso28000.risk_above_appetite.owner_id IS 'Risk owner.';
COMMENT ON COLUMN iso28000.risk_above_appetite.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.risk_above_appetite.treatment IS 'Treatment decision, if taken.';
COMMENT ON COLUMN iso28000.risk_above_appetite.current_rating IS 'Residual rating if assessed, else inherent, as text (likelihood x consequence).';
COMMENT ON COLUMN iso28000.risk_above_appetite.current_likelihood IS 'Likelihood of the current rating.';
COMMENT ON COLUMN iso28000.risk_above_appetite.current_consequence IS 'Consequence of the current rating.';
COMMENT ON COLUMN iso28000.risk_above_appetite.score IS 'Score of the current rating.';
COMMENT ON COLUMN iso28000.risk_above_appetite.band IS 'Band of the current rating for the organisation.';
COMMENT ON COLUMN iso28000.risk_above_appetite.appetite_band IS 'Highest band the organisation currently accepts.';
COMMENT ON COLUMN iso28000.risk_above_appetite.accepted IS 'True when the risk was nevertheless formally accepted.';

-- 6.1, 9.1 Open risks whose review date has passed.
CREATE VIEW iso28000.risk_past_review WITH (security_invoker = true) AS
SELECT org_id, risk_id, reference, kind, title, owner_id, status,
       review_on, current_date - review_on AS days_overdue
  FROM iso28000.risk_open
 WHERE review_on < current_date;
COMMENT ON VIEW iso28000.risk_past_review IS
  'ISO 28000 6.1, 8.3, 9.1: Open risks and opportunities whose review date has passed.';
GRANT SELECT ON iso28000.risk_past_review TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_past_review.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_past_review.risk_id IS 'The risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_past_review.reference IS 'The organisation''s reference.';
COMMENT ON COLUMN iso28000.risk_past_review.kind IS 'risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_past_review.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.risk_past_review.owner_id IS 'Owner, who should review it.';
COMMENT ON COLUMN iso28000.risk_past_review.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.risk_past_review.review_on IS 'Date the review was due.';
COMMENT ON COLUMN iso28000.risk_past_review.days_overdue IS 'Days since the review fell due.';

-- 6.2, 9.1 Each objective: latest value against target, trend, schedule.
CREATE VIEW iso28000.objective_status WITH (security_invoker = true) AS
SELECT o.org_id, o.objective_id, o.title, o.owner_id, o.unit, o.direction,
       o.baseline, o.target, o.due_on,
       m.latest_on AS latest_measured_on,
       m.latest AS latest_value,
       coalesce(m.n, 0) AS measurement_count,
       CASE o.direction
         WHEN 'increase' THEN m.latest >= o.target
         WHEN 'decrease' THEN m.latest <= o.target
         ELSE m.latest = o.target
       END AS target_met,
       CASE WHEN o.baseline IS NOT NULL AND o.target <> o.baseline AND m.latest IS NOT NULL
            THEN round(100 * (m.latest - o.baseline) / (o.target - o.baseline), 1)
       END AS progress_pct,
       CASE
         WHEN m.previous IS NULL THEN NULL
         WHEN o.direction = 'increase' THEN CASE sign(m.latest - m.previous) WHEN 1 THEN 'improving' WHEN -1 THEN 'worsening' ELSE 'steady' END
         WHEN o.direction = 'decrease' THEN CASE sign(m.latest - m.previous) WHEN -1 THEN 'improving' WHEN 1 THEN 'worsening' ELSE 'steady' END
         ELSE CASE sign(abs(m.latest - o.target) - abs(m.previous - o.target)) WHEN -1 THEN 'improving' WHEN 1 THEN 'worsening' ELSE 'steady' END
       END AS trend,
       CASE
         WHEN o.cancelled_on IS NOT NULL THEN 'cancelled'
         WHEN o.achieved_on IS NOT NULL THEN 'achieved'
         WHEN o.due_on < current_date THEN 'overdue'
         WHEN o.due_on <= current_date + 30 THEN 'due'
         ELSE 'on_schedule'
       END AS schedule_status
  FROM iso28000.objective o
  LEFT JOIN LATERAL (
        SELECT count(*) AS n, max(om.measured_on) AS latest_on,
               (array_agg(om.value ORDER BY om.measured_on DESC))[1] AS latest,
               (array_agg(om.value ORDER BY om.measured_on DESC))[2] AS previous
          FROM iso28000.objective_measurement om
         WHERE om.org_id = o.org_id AND om.objective_id = o.objective_id) m ON true;
COMMENT ON VIEW iso28000.objective_status IS
  'ISO 28000 6.2, 9.1: Every security objective with its latest measurement against target, progress from baseline, trend over the last two measurements, and whether it is due (within 30 days) or overdue.';
GRANT SELECT ON iso28000.objective_status TO PUBLIC;
COMMENT ON COLUMN iso28000.objective_status.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.objective_status.objective_id IS 'The objective.';
COMMENT ON COLUMN iso28000.objective_status.title IS 'Statement of the objective.';
COMMENT ON COLUMN iso28000.objective_status.owner_id IS 'Who is responsible.';
COMMENT ON COLUMN iso28000.objective_status.unit IS 'Unit of target and values.';
COMMENT ON COLUMN iso28000.objective_status.direction IS 'increase, decrease or maintain.';
COMMENT ON COLUMN iso28000.objective_status.baseline IS 'Starting value.';
COMMENT ON COLUMN iso28000.objective_status.target IS 'Target value.';
COMMENT ON COLUMN iso28000.objective_status.due_on IS 'Due date.';
COMMENT ON COLUMN iso28000.objective_status.latest_measured_on IS 'Date of the latest measurement.';
COMMENT ON COLUMN iso28000.objective_status.latest_value IS 'Latest measured value.';
COMMENT ON COLUMN iso28000.objective_status.measurement_count IS 'Number of measurements.';
COMMENT ON COLUMN iso28000.objective_status.target_met IS 'Whether the latest value meets the target in the objective''s direction; NULL before any measurement.';
COMMENT ON COLUMN iso28000.objective_status.progress_pct IS 'Progress from baseline to target in percent, one decimal; NULL without baseline or measurement.';
COMMENT ON COLUMN iso28000.objective_status.trend IS 'improving, worsening or steady, comparing the last two measurements in the objective''s direction; NULL with fewer than two.';
COMMENT ON COLUMN iso28000.objective_status.schedule_status IS 'cancelled, achieved, overdue (past due_on), due (within 30 days) or on_schedule.';

-- 6.1.1 Actions to address risks and opportunities, tied to the plan: integrated
-- into an SMS process or an objective, with how their effectiveness is evaluated.
CREATE TABLE iso28000.risk_action (
  org_id          bigint NOT NULL REFERENCES iso28000.organization,
  risk_action_id  bigint GENERATED ALWAYS AS IDENTITY,
  risk_id         bigint NOT NULL,
  action          text   NOT NULL,
  sms_process_id  bigint,
  objective_id    bigint,
  owner_id        bigint,
  planned_on      date   NOT NULL DEFAULT current_date,
  due_on          date,
  done_on         date,
  evaluation      text,
  effective       boolean,
  PRIMARY KEY (org_id, risk_action_id),
  FOREIGN KEY (org_id, risk_id) REFERENCES iso28000.risk (org_id, risk_id),
  FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
  FOREIGN KEY (org_id, objective_id) REFERENCES iso28000.objective (org_id, objective_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT risk_action_action_check CHECK (btrim(action) <> ''),
  CONSTRAINT risk_action_plan_check CHECK (sms_process_id IS NOT NULL OR objective_id IS NOT NULL),
  CONSTRAINT risk_action_due_check CHECK (due_on >= planned_on),
  CONSTRAINT risk_action_done_check CHECK (done_on >= planned_on),
  CONSTRAINT risk_action_effective_check CHECK (effective IS NULL OR (done_on IS NOT NULL AND coalesce(btrim(evaluation), '') <> ''))
);
SELECT iso28000.register_table('iso28000.risk_action');
CREATE INDEX risk_action_risk ON iso28000.risk_action (org_id, risk_id);
COMMENT ON TABLE iso28000.risk_action IS
  'ISO 28000 6.1.1: Actions to address risks and opportunities, tied to the plan: each integrated into an SMS process (4.4) or an objective (6.2), with its owner, dates, and how and with what result its effectiveness was evaluated.';
COMMENT ON COLUMN iso28000.risk_action.risk_id IS 'The risk or opportunity addressed.';
COMMENT ON COLUMN iso28000.risk_action.action IS 'What is done (required, not blank).';
COMMENT ON COLUMN iso28000.risk_action.sms_process_id IS 'The SMS process it is integrated into; it or objective_id is required.';
COMMENT ON COLUMN iso28000.risk_action.objective_id IS 'The security objective it serves; it or sms_process_id is required.';
COMMENT ON COLUMN iso28000.risk_action.owner_id IS 'Who carries it out.';
COMMENT ON COLUMN iso28000.risk_action.planned_on IS 'Date it was planned.';
COMMENT ON COLUMN iso28000.risk_action.due_on IS 'Date it is due; not before planned_on.';
COMMENT ON COLUMN iso28000.risk_action.done_on IS 'Date it was done; not before planned_on.';
COMMENT ON COLUMN iso28000.risk_action.evaluation IS 'How its effectiveness was evaluated.';
COMMENT ON COLUMN iso28000.risk_action.effective IS 'The result of that evaluation; only once done and evaluated.';

CREATE VIEW iso28000.risk_action_open WITH (security_invoker = true) AS
SELECT a.org_id, a.risk_action_id, a.risk_id, r.title AS risk_title, a.action, a.sms_process_id, a.objective_id,
       a.owner_id, a.due_on, coalesce(a.due_on < current_date, false) AS overdue
  FROM iso28000.risk_action a
  JOIN iso28000.risk r ON r.org_id = a.org_id AND r.risk_id = a.risk_id
 WHERE a.done_on IS NULL;
COMMENT ON VIEW iso28000.risk_action_open IS
  'ISO 28000 6.1.1: Actions to address risks and opportunities not done yet, with the risk, where they are tied into the plan, and whether they are overdue.';
GRANT SELECT ON iso28000.risk_action_open TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_action_open.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_action_open.risk_action_id IS 'The action.';
COMMENT ON COLUMN iso28000.risk_action_open.risk_id IS 'The risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_action_open.risk_title IS 'Its title.';
COMMENT ON COLUMN iso28000.risk_action_open.action IS 'What is done.';
COMMENT ON COLUMN iso28000.risk_action_open.sms_process_id IS 'The SMS process it is integrated into.';
COMMENT ON COLUMN iso28000.risk_action_open.objective_id IS 'The objective it serves.';
COMMENT ON COLUMN iso28000.risk_action_open.owner_id IS 'Who carries it out.';
COMMENT ON COLUMN iso28000.risk_action_open.due_on IS 'When it is due.';
COMMENT ON COLUMN iso28000.risk_action_open.overdue IS 'True when due_on has passed.';
