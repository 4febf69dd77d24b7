-- The clauses left by 0.1.0 (issue 15): 4.2.3 principles, 5.1 leadership
-- commitments, 6.1.1 actions on risks and opportunities tied to the plan,
-- 8.5.2 resource requirements; every CHECK of their registers refuses with
-- 23514 and its name; tenant isolation; and every clause 4 to 10 of the
-- catalog is named by the comment of at least one register or view.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(36);

-- Every clause of ISO 28000:2022 from 4 to 10 is named by a table or view
-- comment of the extension ('ISO 28000 6.1.1, 8.3: ...'): a clause with
-- sub-clauses counts when it or one of its sub-clauses is named, a clause
-- without them only when it is named itself.
CREATE TEMP VIEW clause_named AS
WITH objs AS (
  SELECT obj_description(c.oid, 'pg_class') AS d
    FROM pg_class c
    JOIN pg_depend dp ON dp.classid = 'pg_class'::regclass AND dp.objid = c.oid AND dp.deptype = 'e'
    JOIN pg_extension e ON e.oid = dp.refobjid AND e.extname = 'iso28000'
   WHERE c.relkind IN ('r', 'v')),
named AS (
  SELECT DISTINCT m[1]::iso28000.clause_ref AS clause
    FROM objs, regexp_matches(substring(d FROM '^ISO 28000 ([0-9A-Z., ]+):'), '([0-9]+(\.[0-9]+)*)', 'g') m)
SELECT k.clause::text AS clause, k.title,
       EXISTS (SELECT FROM named n WHERE n.clause OPERATOR(iso28000.=) k.clause
                  OR (n.clause OPERATOR(iso28000.<@) k.clause
                      AND EXISTS (SELECT FROM iso28000.clause s WHERE s.standard = k.standard AND s.parent OPERATOR(iso28000.=) k.clause))) AS named
  FROM iso28000.clause k
 WHERE k.standard = 'ISO 28000:2022' AND k.clause OPERATOR(iso28000.>=) '4' AND k.clause OPERATOR(iso28000.<) '11';
SELECT cmp_ok((SELECT count(*) FROM clause_named), '>=', 50::bigint, 'the catalog lists the clauses 4 to 10');
SELECT is((SELECT array_agg(clause || ' ' || title ORDER BY clause) FROM clause_named WHERE NOT named), NULL,
          'every clause 4 to 10 of the catalog is named by a register or view comment');
SELECT ok((SELECT named FROM clause_named WHERE clause = c), c || ' is named') FROM unnest(ARRAY['4.2.3', '5.1', '6.1.1', '8.5.2']) c;

CREATE ROLE tap_cc_w NOLOGIN;
CREATE ROLE tap_cc_o NOLOGIN;
SELECT iso28000.create_organization('CC', 'Clauses', 'tap_cc_w') AS a \gset
SELECT iso28000.create_organization('CO', 'Other', 'tap_cc_o') AS b \gset
SET SESSION AUTHORIZATION tap_cc_w;
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Cleo Chief') RETURNING person_id AS cleo \gset
INSERT INTO iso28000.sms_process (org_id, name, owner_id) VALUES (:a, 'Gate', :cleo) RETURNING sms_process_id AS proc \gset
INSERT INTO iso28000.risk (org_id, title, threat, owner_id) VALUES (:a, 'Tailgating at the gate', 'Intruder follows a truck', :cleo) RETURNING risk_id AS risk \gset
INSERT INTO iso28000.control (org_id, code, title, control_type, nature) VALUES (:a, 'PHY-1', 'Turnstiles', 'preventive', 'physical') RETURNING control_id AS ctl \gset
INSERT INTO iso28000.risk_treatment (org_id, risk_id, control_id) VALUES (:a, :risk, :ctl) RETURNING risk_treatment_id AS trt \gset
INSERT INTO iso28000.resource (org_id, name, kind) VALUES (:a, 'Turnstile budget', 'financial') RETURNING resource_id AS res \gset

INSERT INTO iso28000.sms_principle (org_id, title, how_applied, evidence, evidence_on, owner_id, adopted_on, review_on)
VALUES (:a, 'Risk-based decisions', 'Every change to the gate goes through the risk register', 'Change board minutes 2026-03', current_date - 30, :cleo, current_date - 60, current_date + 300),
       (:a, 'Involvement of people', 'Guards take part in the annual review', NULL, NULL, :cleo, current_date - 60, NULL);
INSERT INTO iso28000.leadership_commitment (org_id, commitment, made_by, made_on, evidence, evidence_on, review_on)
VALUES (:a, 'Provide the resources the SMS needs', :cleo, current_date - 90, 'Budget line 4711 approved', current_date - 80, current_date - 1),
       (:a, 'Integrate the SMS into the business processes', :cleo, current_date - 10, NULL, NULL, NULL);
INSERT INTO iso28000.risk_action (org_id, risk_id, action, sms_process_id, owner_id, planned_on, due_on)
VALUES (:a, :risk, 'Add tailgating to the gate briefing', :proc, :cleo, current_date - 20, current_date - 1);
INSERT INTO iso28000.resource_requirement (org_id, risk_treatment_id, description, kind, quantity, unit, needed_from, status)
VALUES (:a, :trt, 'Two turnstiles', 'equipment', 2, 'units', current_date + 30, 'requested');

SELECT results_eq($$SELECT title, reason FROM iso28000.sms_principle_without_evidence$$,
                  $$VALUES ('Involvement of people', 'no_evidence')$$, '4.2.3: the principle without evidence is listed');
SELECT results_eq($$SELECT commitment, standing FROM iso28000.leadership_commitment_evidence ORDER BY commitment_id$$,
                  $$VALUES ('Provide the resources the SMS needs', 'review_due'), ('Integrate the SMS into the business processes', 'no_evidence')$$,
                  '5.1: each commitment with its standing');
SELECT results_eq($$SELECT action, overdue FROM iso28000.risk_action_open$$,
                  $$VALUES ('Add tailgating to the gate briefing', true)$$, '6.1.1: the open action, overdue');
SELECT results_eq($$SELECT description, control_code, days_until_needed FROM iso28000.resource_requirement_unmet$$,
                  $$VALUES ('Two turnstiles', 'PHY-1', 30)$$, '8.5.2: the unmet requirement, with the control of its treatment');

-- every CHECK refuses with 23514 and its name
CREATE TEMP TABLE bad (tbl text, con text, assignment text);
INSERT INTO bad VALUES
  ('sms_principle', 'sms_principle_title_check', $$title = ' '$$),
  ('sms_principle', 'sms_principle_how_applied_check', $$how_applied = ''$$),
  ('sms_principle', 'sms_principle_evidence_check', $$evidence = NULL$$),
  ('sms_principle', 'sms_principle_evidence_check', $$evidence_on = NULL$$),
  ('sms_principle', 'sms_principle_review_check', $$review_on = adopted_on - 1$$),
  ('leadership_commitment', 'leadership_commitment_text_check', $$commitment = ''$$),
  ('leadership_commitment', 'leadership_commitment_evidence_check', $$evidence = ' '$$),
  ('leadership_commitment', 'leadership_commitment_evidence_date_check', $$evidence_on = made_on - 1$$),
  ('leadership_commitment', 'leadership_commitment_review_check', $$review_on = made_on - 1$$),
  ('risk_action', 'risk_action_action_check', $$action = ''$$),
  ('risk_action', 'risk_action_plan_check', $$sms_process_id = NULL$$),
  ('risk_action', 'risk_action_due_check', $$due_on = planned_on - 1$$),
  ('risk_action', 'risk_action_done_check', $$done_on = planned_on - 1$$),
  ('risk_action', 'risk_action_effective_check', $$effective = true$$),
  ('resource_requirement', 'resource_requirement_for_check', $$risk_treatment_id = NULL$$),
  ('resource_requirement', 'resource_requirement_description_check', $$description = ''$$),
  ('resource_requirement', 'resource_requirement_kind_check', $$kind = 'magic'$$),
  ('resource_requirement', 'resource_requirement_quantity_check', $$quantity = -1$$),
  ('resource_requirement', 'resource_requirement_unit_check', $$unit = NULL$$),
  ('resource_requirement', 'resource_requirement_dates_check', $$needed_until = needed_from - 1$$),
  ('resource_requirement', 'resource_requirement_status_check', $$status = 'maybe'$$),
  ('resource_requirement', 'resource_requirement_provided_check', $$status = 'provided'$$);
SELECT throws_ok(format('UPDATE iso28000.%I SET %s WHERE %s', tbl, assignment,
                        CASE tbl WHEN 'sms_principle' THEN 'evidence_on IS NOT NULL' WHEN 'leadership_commitment' THEN 'evidence_on IS NOT NULL' ELSE 'true' END),
                 '23514', format('new row for relation "%s" violates check constraint "%s"', tbl, con),
                 con || ' refuses ' || assignment)
  FROM bad ORDER BY tbl, con, assignment;
SELECT lives_ok(format($$UPDATE iso28000.resource_requirement SET status = 'provided', resource_id = %s$$, :res),
                'a requirement is provided by a resource of 7.1');
RESET SESSION AUTHORIZATION;
SELECT is(
  (SELECT array_agg(c.conname::text ORDER BY 1) FROM pg_constraint c
    WHERE c.contype = 'c' AND c.conrelid IN ('iso28000.sms_principle'::regclass, 'iso28000.leadership_commitment'::regclass,
                                              'iso28000.risk_action'::regclass, 'iso28000.resource_requirement'::regclass)
      AND c.conname NOT IN (SELECT con FROM bad)),
  NULL, 'every CHECK constraint of the four registers is tested above');

-- tenant isolation
SET SESSION AUTHORIZATION tap_cc_o;
SELECT is((SELECT count(*) FROM iso28000.sms_principle) + (SELECT count(*) FROM iso28000.leadership_commitment)
          + (SELECT count(*) FROM iso28000.risk_action) + (SELECT count(*) FROM iso28000.resource_requirement), 0::bigint,
          'another organisation sees none of the rows');
SELECT throws_ok(format($$INSERT INTO iso28000.sms_principle (org_id, title, how_applied) VALUES (%s, 'x', 'y')$$, :a),
                 '42501', NULL, 'nor writes one');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
