/*
 * sql/clauses/clause08_6_security_plans.sql
 *
 * ISO 28000:2022 clause 8.6, Security plans: the plans with their response
 * structure (8.6.2), warning and communication (8.6.3), content (8.6.4) and
 * recovery (8.6.5), the exercises that test them with outcomes and lessons, and
 * the view of plans never exercised or not exercised within the period the
 * organisation sets (operation_setting.exercise_interval).
 */

CREATE TABLE iso28000.security_plan (
  org_id                bigint NOT NULL REFERENCES iso28000.organization,
  security_plan_id      bigint GENERATED ALWAYS AS IDENTITY,
  title                 text   NOT NULL,
  scenario              text   NOT NULL,
  status                text   NOT NULL DEFAULT 'draft',
  owner_id              bigint NOT NULL,
  node_id               bigint,
  sms_process_id            bigint,
  document_id           bigint,
  activation_criteria   text,
  response_structure    text   NOT NULL,
  warning_communication text   NOT NULL,
  content               text   NOT NULL,
  recovery              text   NOT NULL,
  approved_on           date,
  next_review_on        date,
  segment_id            bigint,
  PRIMARY KEY (org_id, security_plan_id),
  UNIQUE (org_id, title),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
  FOREIGN KEY (org_id, document_id) REFERENCES iso28000.document (org_id, document_id),
  CONSTRAINT security_plan_segment_fkey FOREIGN KEY (org_id, segment_id)
    REFERENCES iso28000.supply_chain_segment (org_id, segment_id),
  CONSTRAINT security_plan_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT security_plan_scenario_check CHECK (btrim(scenario) <> ''),
  CONSTRAINT security_plan_status_check CHECK (status IN ('draft', 'active', 'retired')),
  CONSTRAINT security_plan_response_structure_check CHECK (btrim(response_structure) <> ''),
  CONSTRAINT security_plan_warning_communication_check CHECK (btrim(warning_communication) <> ''),
  CONSTRAINT security_plan_content_check CHECK (btrim(content) <> ''),
  CONSTRAINT security_plan_recovery_check CHECK (btrim(recovery) <> ''),
  CONSTRAINT security_plan_active_check CHECK (status = 'draft' OR approved_on IS NOT NULL),
  CONSTRAINT security_plan_review_check CHECK (next_review_on > approved_on)
);
SELECT iso28000.register_table('iso28000.security_plan');

COMMENT ON TABLE iso28000.security_plan IS
  'ISO 28000 8.6.1, 8.6.2, 8.6.3, 8.6.4, 8.6.5: Security plans for the disruptions and security incidents the risk assessment identified: response structure, warning and communication, content (the actions) and recovery. An active or retired plan has been approved.';
COMMENT ON COLUMN iso28000.security_plan.title IS 'Title, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.scenario IS 'The security incident, threat or disruption the plan responds to (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.status IS 'draft, active (approved and in force) or retired.';
COMMENT ON COLUMN iso28000.security_plan.owner_id IS 'The person accountable for the plan.';
COMMENT ON COLUMN iso28000.security_plan.node_id IS 'The supply-chain node the plan covers, if it is specific to one.';
COMMENT ON COLUMN iso28000.security_plan.sms_process_id IS 'The process the plan covers, if it is specific to one.';
COMMENT ON COLUMN iso28000.security_plan.document_id IS 'The controlled document (7.5) holding the full plan.';
COMMENT ON COLUMN iso28000.security_plan.segment_id IS 'The supply-chain segment the plan protects, if it is specific to one.';
COMMENT ON COLUMN iso28000.security_plan.activation_criteria IS 'When and by whom the plan is activated.';
COMMENT ON COLUMN iso28000.security_plan.response_structure IS '8.6.2: the response structure: teams, roles, authority, competence (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.warning_communication IS '8.6.3: how warnings are detected and given and who is told what, internally and externally (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.content IS '8.6.4: the actions to take, in order, and the resources they need (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.recovery IS '8.6.5: how operations return to normal, and the conditions to stand down (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.approved_on IS 'Day the plan was approved; required unless the plan is a draft.';
COMMENT ON COLUMN iso28000.security_plan.next_review_on IS 'Next review date (after approved_on).';

CREATE TABLE iso28000.plan_exercise (
  org_id           bigint NOT NULL REFERENCES iso28000.organization,
  exercise_id      bigint GENERATED ALWAYS AS IDENTITY,
  security_plan_id bigint NOT NULL,
  kind             text   NOT NULL,
  planned_on       date,
  held_on          date,
  lead_id          bigint,
  objectives       text   NOT NULL,
  participants     text,
  outcome          text,
  findings         text,
  lessons          text,
  PRIMARY KEY (org_id, exercise_id),
  FOREIGN KEY (org_id, security_plan_id) REFERENCES iso28000.security_plan (org_id, security_plan_id),
  FOREIGN KEY (org_id, lead_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT plan_exercise_kind_check CHECK (kind IN ('walkthrough', 'tabletop', 'simulation',
    'drill', 'full_scale', 'activation')),
  CONSTRAINT plan_exercise_objectives_check CHECK (btrim(objectives) <> ''),
  CONSTRAINT plan_exercise_when_check CHECK (planned_on IS NOT NULL OR held_on IS NOT NULL),
  CONSTRAINT plan_exercise_outcome_check CHECK (outcome IN ('effective', 'partially_effective',
    'ineffective')),
  CONSTRAINT plan_exercise_held_outcome_check CHECK ((held_on IS NULL) = (outcome IS NULL)),
  CONSTRAINT plan_exercise_future_check CHECK (held_on <= current_date),
  CONSTRAINT plan_exercise_lessons_check CHECK (outcome = 'effective' OR coalesce(btrim(lessons), '') <> '')
);
SELECT iso28000.register_table('iso28000.plan_exercise');

COMMENT ON TABLE iso28000.plan_exercise IS
  'ISO 28000 8.6.1, 9.1: Exercises and tests of security plans (and real activations), with outcome, findings and lessons. Held exercises have an outcome; a plan that was not fully effective records its lessons.';
COMMENT ON COLUMN iso28000.plan_exercise.security_plan_id IS 'The plan exercised.';
COMMENT ON COLUMN iso28000.plan_exercise.kind IS 'walkthrough, tabletop, simulation, drill, full_scale, or activation (the plan was used for real).';
COMMENT ON COLUMN iso28000.plan_exercise.planned_on IS 'Day it is planned for; planned_on or held_on is required.';
COMMENT ON COLUMN iso28000.plan_exercise.held_on IS 'Day it was held (not in the future); NULL while only planned.';
COMMENT ON COLUMN iso28000.plan_exercise.lead_id IS 'Who led it.';
COMMENT ON COLUMN iso28000.plan_exercise.objectives IS 'What the exercise tests (required, not blank).';
COMMENT ON COLUMN iso28000.plan_exercise.participants IS 'Who took part, including external parties.';
COMMENT ON COLUMN iso28000.plan_exercise.outcome IS 'effective, partially_effective or ineffective; required exactly when held_on is set.';
COMMENT ON COLUMN iso28000.plan_exercise.findings IS 'What was observed.';
COMMENT ON COLUMN iso28000.plan_exercise.lessons IS 'Lessons learned and changes to make; required unless the outcome was effective.';

CREATE VIEW iso28000.security_plan_exercise_due WITH (security_invoker = true) AS
SELECT p.org_id, p.security_plan_id, p.title, p.status, p.owner_id, o.full_name AS owner_name,
       last.held_on AS last_exercised_on, last.outcome AS last_outcome,
       (last.held_on + s.exercise_interval::interval)::date AS due_on,
       CASE WHEN last.held_on IS NULL THEN 'never_exercised' ELSE 'overdue' END AS reason,
       current_date - (last.held_on + s.exercise_interval::interval)::date AS days_overdue
  FROM iso28000.security_plan p
  JOIN iso28000.person o ON o.org_id = p.org_id AND o.person_id = p.owner_id
  JOIN iso28000.operation_settings s ON s.org_id = p.org_id
  LEFT JOIN LATERAL (
    SELECT e.held_on, e.outcome
      FROM iso28000.plan_exercise e
     WHERE e.org_id = p.org_id AND e.security_plan_id = p.security_plan_id
       AND e.held_on IS NOT NULL
     ORDER BY e.held_on DESC, e.exercise_id DESC
     LIMIT 1) last ON true
 WHERE p.status = 'active'
   AND (last.held_on IS NULL OR last.held_on + s.exercise_interval::interval < current_date);

COMMENT ON VIEW iso28000.security_plan_exercise_due IS
  'ISO 28000 8.6.1: Active security plans never exercised, or whose last exercise is older than the organisation''s exercise interval (operation_settings.exercise_interval).';
GRANT SELECT ON iso28000.security_plan_exercise_due TO PUBLIC;
COMMENT ON COLUMN iso28000.security_plan_exercise_due.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.security_plan_id IS 'The plan.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.title IS 'Its title.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.status IS 'Its status (always active here).';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.owner_id IS 'Its owner.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.owner_name IS 'The owner''s name.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.last_exercised_on IS 'Day of the last exercise held, NULL if never.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.last_outcome IS 'Outcome of that exercise.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.due_on IS 'Day the next exercise was due, NULL if never exercised.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.reason IS 'never_exercised or overdue.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.days_overdue IS 'Days since due_on, NULL if never exercised.';
