-- Clause 10.2: the nonconformity and corrective-action workflows, table-driven.
-- Every pair of states is tried on a fresh record: the allowed transitions
-- pass (with their required columns filled and their guards satisfied), every
-- other pair fails with IS102.  Then each required column, each guard, the
-- frozen states, deletes, levels, segregation of duties and the event log.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(132);

SELECT iso28000.create_organization('NCW', 'Nonconformity workflow test') AS org \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:org, 'Ann Owner') RETURNING person_id AS ann \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:org, 'Vic Verifier') RETURNING person_id AS vic \gset

CREATE TEMP TABLE ctx AS SELECT :org::bigint AS org, :ann::bigint AS ann, :vic::bigint AS vic;
-- The test's own role acts for Vic (delegated like an application): the
-- verifier is stamped from the acting person, never named by the statement.
SELECT iso28000.grant_delegation(:org, current_user::regrole);
SELECT iso28000.act_as(:org, :vic);

-- A new nonconformity with every column filled, moved along the main path to
-- the given state (its one corrective action done on the way).
CREATE FUNCTION pg_temp.nc_at(target text, with_action boolean DEFAULT true) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  c ctx;
  id bigint;
  st text;
  path text[] := ARRAY['reported', 'contained', 'cause_analysed', 'action_planned', 'action_taken', 'verified', 'closed'];
BEGIN
  SELECT * INTO c FROM ctx;
  INSERT INTO iso28000.nonconformity (org_id, title, severity, rejection_reason, correction, root_cause,
         analysis_method, similar_nonconformities, effectiveness_review, verified_on, sms_change_needed)
  VALUES (c.org, 'nc to ' || target, 'minor', 'not an nc', 'fixed', 'cause', '5 whys', 'none elsewhere',
          'effective', current_date, false)
  RETURNING nonconformity_id INTO id;
  IF target = 'rejected' THEN
    UPDATE iso28000.nonconformity SET status = 'rejected' WHERE org_id = c.org AND nonconformity_id = id;
    RETURN id;
  END IF;
  FOREACH st IN ARRAY path[2:array_position(path, target)] LOOP
    UPDATE iso28000.nonconformity SET status = st WHERE org_id = c.org AND nonconformity_id = id;
    IF st = 'cause_analysed' AND with_action THEN
      INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on, completed_on, evidence)
      VALUES (c.org, id, 'ca of ' || id, c.ann, current_date + 10, current_date, 'photo');
      UPDATE iso28000.corrective_action SET status = 'done' WHERE org_id = c.org AND nonconformity_id = id;
    END IF;
  END LOOP;
  RETURN id;
END $$;

-- A new corrective action (on a nonconformity in cause_analysed) moved to the given state.
CREATE FUNCTION pg_temp.ca_at(target text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  c ctx;
  nc bigint := pg_temp.nc_at('cause_analysed', false);
  id bigint;
BEGIN
  SELECT * INTO c FROM ctx;
  INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on, completed_on, evidence, cancel_reason)
  VALUES (c.org, nc, 'ca to ' || target, c.ann, current_date + 10, current_date, 'photo', 'superseded')
  RETURNING corrective_action_id INTO id;
  IF target IN ('in_progress', 'done', 'cancelled') THEN
    UPDATE iso28000.corrective_action SET status = CASE WHEN target = 'cancelled' THEN 'cancelled' ELSE 'in_progress' END
     WHERE org_id = c.org AND corrective_action_id = id;
  END IF;
  IF target = 'done' THEN
    UPDATE iso28000.corrective_action SET status = 'done' WHERE org_id = c.org AND corrective_action_id = id;
  END IF;
  RETURN id;
END $$;

-- A fresh record of either workflow in the given state.
CREATE FUNCTION pg_temp.record_at(workflow text, target text) RETURNS bigint LANGUAGE sql AS $$
  SELECT CASE workflow WHEN 'nonconformity' THEN pg_temp.nc_at(target) ELSE pg_temp.ca_at(target) END
$$;

SELECT pg_temp.nc_at('closed') AS nc0 \gset
SELECT is((SELECT status FROM iso28000.nonconformity WHERE nonconformity_id = :nc0), 'closed',
  'the helper drives a nonconformity to closed');

-- Every ordered pair of distinct states of both workflows, each on a fresh
-- record: 8 x 7 = 56 nonconformity tests and 4 x 3 = 12 corrective-action tests.
SELECT CASE WHEN t.workflow IS NOT NULL
            THEN lives_ok(format('UPDATE iso28000.%I SET status = %L WHERE %I = %s', a.workflow, b.state,
                                 a.workflow || '_id', pg_temp.record_at(a.workflow, a.state)),
                          format('%s %s -> %s is allowed', a.workflow, a.state, b.state))
            ELSE throws_ok(format('UPDATE iso28000.%I SET status = %L WHERE %I = %s', a.workflow, b.state,
                                  a.workflow || '_id', pg_temp.record_at(a.workflow, a.state)),
                           'IS102', NULL, format('%s %s -> %s is refused', a.workflow, a.state, b.state))
       END
  FROM iso28000.workflow_state a
  JOIN iso28000.workflow_state b ON b.workflow = a.workflow AND b.state <> a.state
  LEFT JOIN iso28000.workflow_transition t
    ON t.workflow = a.workflow AND t.from_state = a.state AND t.to_state = b.state
 WHERE a.workflow IN ('nonconformity', 'corrective_action')
 ORDER BY a.workflow DESC, a.state, b.state;

SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'open' WHERE nonconformity_id = %s$$, pg_temp.nc_at('reported')),
  'IS101', NULL, 'an unknown nonconformity state is refused');
SELECT throws_ok(format($$INSERT INTO iso28000.nonconformity (org_id, title, severity, status, correction) VALUES (%s, 'x', 'minor', 'contained', 'c')$$, :org),
  'IS102', NULL, 'a nonconformity cannot be created past reported');

-- Each required column, table-driven: entering the state with the column NULL is refused.
SELECT throws_ok(format('UPDATE iso28000.nonconformity SET status = %L, %I = NULL WHERE nonconformity_id = %s',
                        r.state, r.column_name, pg_temp.nc_at(f.from_state)),
                 'IS103', NULL, format('nonconformity: %s needs %s', r.state, r.column_name))
  FROM iso28000.workflow_required_column r
  JOIN LATERAL (SELECT t.from_state FROM iso28000.workflow_transition t
                 WHERE t.workflow = r.workflow AND t.to_state = r.state ORDER BY t.from_state LIMIT 1) f ON true
 WHERE r.workflow = 'nonconformity' AND r.column_name <> 'verified_by'
 ORDER BY r.state, r.column_name;
-- verified_by is stamped with the acting person: a role that acts for nobody leaves it empty.
CREATE ROLE ncw_ghost;
SELECT iso28000.grant_access(:org, 'ncw_ghost', 'audit');
SELECT pg_temp.nc_at('action_taken') AS nc_ghost \gset
SET ROLE ncw_ghost;
SELECT throws_ok(format('UPDATE iso28000.nonconformity SET status = %L WHERE nonconformity_id = %s', 'verified', :nc_ghost),
                 'IS103', NULL, 'nonconformity: verified needs verified_by (an acting person)');
RESET ROLE;

SELECT throws_ok(format('UPDATE iso28000.corrective_action SET status = %L, %I = NULL WHERE corrective_action_id = %s',
                        r.state, r.column_name, pg_temp.ca_at(f.from_state)),
                 'IS103', NULL, format('corrective action: %s needs %s', r.state, r.column_name))
  FROM iso28000.workflow_required_column r
  JOIN LATERAL (SELECT t.from_state FROM iso28000.workflow_transition t
                 WHERE t.workflow = r.workflow AND t.to_state = r.state ORDER BY t.from_state LIMIT 1) f ON true
 WHERE r.workflow = 'corrective_action' AND r.state <> 'planned'
 ORDER BY r.state, r.column_name;
SELECT throws_ok(format($$INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, due_on) VALUES (%s, %s, 'x', current_date)$$,
                        :org, pg_temp.nc_at('contained')),
  'IS103', NULL, 'corrective action: planned needs owner_id');
SELECT throws_ok(format($$INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id) VALUES (%s, %s, 'x', %s)$$,
                        :org, pg_temp.nc_at('contained'), :ann),
  'IS103', NULL, 'corrective action: planned needs due_on');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET correction = ' ' WHERE nonconformity_id = %s$$, pg_temp.nc_at('contained')),
  'IS103', NULL, 'a contained nonconformity keeps its correction');

-- Guards.
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'action_planned' WHERE nonconformity_id = %s$$, pg_temp.nc_at('cause_analysed', false)),
  'IS104', NULL, 'action_planned needs a corrective action');
SELECT pg_temp.nc_at('cause_analysed', false) AS nc1 \gset
INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on, cancel_reason)
VALUES (:org, :nc1, 'cancelled one', :ann, current_date, 'dup');
UPDATE iso28000.corrective_action SET status = 'cancelled' WHERE nonconformity_id = :nc1;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'action_planned' WHERE nonconformity_id = %s$$, :nc1),
  'IS104', NULL, 'a cancelled corrective action does not count as planned');
INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on)
VALUES (:org, :nc1, 'live one', :ann, current_date + 5);
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'action_planned' WHERE nonconformity_id = %s$$, :nc1),
  'action_planned with a live corrective action passes');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'action_taken' WHERE nonconformity_id = %s$$, :nc1),
  'IS104', NULL, 'action_taken needs every live corrective action done');
UPDATE iso28000.corrective_action SET status = 'in_progress' WHERE nonconformity_id = :nc1 AND status = 'planned';
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'action_taken' WHERE nonconformity_id = %s$$, :nc1),
  'IS104', NULL, 'an action in progress is not done');
UPDATE iso28000.corrective_action SET status = 'done', completed_on = current_date, evidence = 'log'
 WHERE nonconformity_id = :nc1 AND status = 'in_progress';
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'action_taken' WHERE nonconformity_id = %s$$, :nc1),
  'action_taken once every live action is done (cancelled ones aside)');

-- Segregation of duties: the verifier (the acting person) owns none of the corrective actions.
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified', verified_by = %s WHERE nonconformity_id = %s$$, :ann, :nc1),
  'IS120', NULL, 'the verifier cannot be named by the statement: it is the acting person');
SELECT iso28000.act_as(:org, :ann);
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified' WHERE nonconformity_id = %s$$, :nc1),
  'IS104', NULL, 'the owner of a corrective action cannot verify its nonconformity');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified' WHERE nonconformity_id = %s$$, :nc1),
  'IS104', format('iso28000.nonconformity (org_id, nonconformity_id)=(%s, %s) cannot move from "action_taken" to "verified": a verifier who owns none of its corrective actions (person %s owns corrective action %s)',
                  :org, :nc1, :ann, (SELECT min(corrective_action_id) FROM iso28000.corrective_action WHERE nonconformity_id = :nc1)),
  'the refusal names the record, both states and the conflict');
SELECT iso28000.act_as(:org, :vic);
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified' WHERE nonconformity_id = %s$$, :nc1),
  'an independent verifier verifies');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET verified_by = %s WHERE nonconformity_id = %s$$, :ann, :nc1),
  'IS121', NULL, 'a verified nonconformity cannot take the owner of one of its actions as verifier afterwards');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = true, sms_change_note = NULL WHERE nonconformity_id = %s$$, :nc1),
  'IS104', NULL, 'closing with an SMS change needs the change described');

-- Corrective actions of a verified or closed nonconformity are frozen with it.
SELECT throws_ok(format($$UPDATE iso28000.corrective_action SET description = 'late edit' WHERE nonconformity_id = %s$$, :nc1),
  'IS150', NULL, 'a corrective action of a verified nonconformity cannot change');
SELECT throws_ok(format($$INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on) VALUES (%s, %s, 'late', %s, current_date)$$, :org, :nc1, :ann),
  'IS150', NULL, 'no corrective action is added to a verified nonconformity');
UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = true, sms_change_note = 'add a seal check' WHERE nonconformity_id = :nc1;
SELECT throws_ok(format($$UPDATE iso28000.corrective_action SET status = 'in_progress' WHERE nonconformity_id = %s AND status = 'done'$$, :nc1),
  'IS150', NULL, 'a corrective action of a closed nonconformity cannot be reopened');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET title = 'rewritten' WHERE nonconformity_id = %s$$, :nc1),
  'IS105', NULL, 'a closed nonconformity is frozen');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET title = 'rewritten' WHERE nonconformity_id = %s$$, pg_temp.nc_at('rejected')),
  'IS105', NULL, 'a rejected nonconformity is frozen');
SELECT throws_ok(format($$UPDATE iso28000.corrective_action SET title = 'rewritten' WHERE corrective_action_id = %s$$, pg_temp.ca_at('cancelled')),
  'IS105', NULL, 'a cancelled corrective action is frozen');

-- No corrective action is added or reopened while the nonconformity is action_taken.
SELECT pg_temp.nc_at('action_taken') AS nc2 \gset
SELECT throws_ok(format($$INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on) VALUES (%s, %s, 'more', %s, current_date)$$, :org, :nc2, :ann),
  'IS151', NULL, 'no corrective action is added while its nonconformity is action_taken');
SELECT throws_ok(format($$UPDATE iso28000.corrective_action SET status = 'in_progress' WHERE nonconformity_id = %s$$, :nc2),
  'IS151', NULL, 'no corrective action is reopened while its nonconformity is action_taken');
SELECT throws_ok(format($$UPDATE iso28000.corrective_action SET nonconformity_id = %s WHERE nonconformity_id = %s$$, :nc1, :nc2),
  'IS150', NULL, 'a corrective action does not move to another nonconformity');

-- Ineffective: back to cause_analysed, then the action may be reopened.
UPDATE iso28000.nonconformity SET status = 'cause_analysed', status_note = 'seal still fails' WHERE nonconformity_id = :nc2;
SELECT lives_ok(format($$UPDATE iso28000.corrective_action SET status = 'in_progress' WHERE nonconformity_id = %s$$, :nc2),
  'after an ineffective verification a corrective action is reopened');
SELECT pg_temp.nc_at('contained') AS nc7 \gset
INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on, completed_on, evidence)
VALUES (:org, :nc7, 'early fix', :ann, current_date, current_date, 'done at once');
UPDATE iso28000.corrective_action SET status = 'done' WHERE nonconformity_id = :nc7;
SELECT throws_ok(format($$UPDATE iso28000.corrective_action SET status = 'in_progress' WHERE nonconformity_id = %s$$, :nc7),
  'IS104', NULL, 'a done action is reopened only after an ineffective verification');
SELECT is((SELECT ineffective_count FROM iso28000.nonconformity_recurrence WHERE nonconformity_id = :nc2), 1::bigint,
  'the ineffective verification counts as a recurrence');

-- Deletes.
SELECT lives_ok(format($$DELETE FROM iso28000.nonconformity WHERE nonconformity_id = %s$$, pg_temp.nc_at('reported')),
  'a reported nonconformity can be deleted');
SELECT throws_ok(format($$DELETE FROM iso28000.nonconformity WHERE nonconformity_id = %s$$, pg_temp.nc_at('contained')),
  'IS107', NULL, 'a nonconformity past reported cannot be deleted');
SELECT lives_ok(format($$DELETE FROM iso28000.corrective_action WHERE corrective_action_id = %s$$, pg_temp.ca_at('planned')),
  'a planned corrective action can be deleted');
SELECT throws_ok(format($$DELETE FROM iso28000.corrective_action WHERE corrective_action_id = %s$$, pg_temp.ca_at('in_progress')),
  'IS107', NULL, 'a corrective action past planned cannot be deleted');

-- Levels and the actor in the event log.
CREATE ROLE ncw_writer;
CREATE ROLE ncw_auditor;
SELECT iso28000.grant_access(:org, 'ncw_writer', 'write');
SELECT iso28000.grant_access(:org, 'ncw_auditor', 'audit');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:org, 'Wes Writer', 'ncw_writer') RETURNING person_id AS wes \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:org, 'Ada Auditor', 'ncw_auditor');
SELECT pg_temp.nc_at('action_taken') AS nc3 \gset
SELECT pg_temp.nc_at('closed') AS nc4 \gset
SET ROLE ncw_writer;
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified' WHERE nonconformity_id = %s$$, :nc3),
  'IS106', NULL, 'a writer cannot verify (audit level)');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'cause_analysed' WHERE nonconformity_id = %s$$, :nc4),
  'IS106', NULL, 'a writer cannot reopen a closed nonconformity (manage level)');
SELECT throws_ok($$INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (-1, 'nowhere', 'minor')$$,
  '42501', 'new row violates row-level security policy for table "nonconformity"',
  'a record for an organisation that does not exist is refused like one for an organisation the role is not a member of');
SELECT iso28000.raise_nonconformity(:org, 'seal broken on container', 'major', 'incident', 'INC-7', '8.1') AS nc5 \gset
UPDATE iso28000.nonconformity SET status = 'contained', correction = 'container quarantined' WHERE nonconformity_id = :nc5;
RESET ROLE;
SET ROLE ncw_auditor;
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'verified' WHERE nonconformity_id = %s$$, :nc3),
  'an auditor verifies');
RESET ROLE;
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'cause_analysed' WHERE nonconformity_id = %s$$, :nc4),
  'a manager reopens a closed nonconformity');
SELECT is((SELECT reported_by FROM iso28000.nonconformity WHERE nonconformity_id = :nc5), :wes::bigint,
  'raise_nonconformity records the current person as reporter');
SELECT is(
  (SELECT string_agg(concat_ws(' ', coalesce(from_state, '-'), to_state, actor, actor_person), '; ' ORDER BY event_id)
     FROM iso28000.workflow_event
    WHERE table_name = 'iso28000.nonconformity'::regclass AND record_id = :nc5),
  format('- reported ncw_writer %s; reported contained ncw_writer %s', :wes, :wes),
  'the event log records each transition with its actor and person');
SELECT is((SELECT status_changed_by FROM iso28000.nonconformity WHERE nonconformity_id = :nc3), 'ncw_auditor'::name,
  'the record is stamped with the actor of its last transition');
SELECT is((SELECT count(*) FROM iso28000.workflow_event
            WHERE table_name = 'iso28000.nonconformity'::regclass AND record_id = :nc4),
  8::bigint, 'a closed-then-reopened nonconformity has 8 events (creation, 6 transitions, reopening)');

-- Views.
UPDATE iso28000.nonconformity SET detected_on = current_date - 10 WHERE nonconformity_id = :nc5;
INSERT INTO iso28000.nonconformity (org_id, title, severity, detected_on) VALUES (:org, 'old report', 'major', current_date - 40)
  RETURNING nonconformity_id AS nc6 \gset
SELECT results_eq(
  format($$SELECT contain_overdue, close_overdue, escalated FROM iso28000.nonconformity_open WHERE nonconformity_id IN (%s, %s) ORDER BY nonconformity_id$$, :nc5, :nc6),
  $$VALUES (false, false, false), (true, true, true)$$,
  'nonconformity_open flags overdue containment, closure and escalation (default deadlines)');
INSERT INTO iso28000.nonconformity_deadline (org_id, severity, days_to_contain, days_to_close) VALUES (:org, 'major', 1, 5);
SELECT results_eq(
  format($$SELECT contain_due_on, close_overdue FROM iso28000.nonconformity_open WHERE nonconformity_id = %s$$, :nc5),
  $$VALUES (current_date - 9, true)$$,
  'an organisation''s own deadlines replace the defaults');
SELECT ok(NOT EXISTS (SELECT 1 FROM iso28000.nonconformity_open WHERE nonconformity_id = :nc1),
  'a closed nonconformity is not open');
UPDATE iso28000.corrective_action SET due_on = current_date - 3 WHERE nonconformity_id = :nc2;
SELECT is((SELECT days_overdue FROM iso28000.corrective_action_overdue WHERE nonconformity_id = :nc2), 3,
  'corrective_action_overdue lists a reopened action past its due date');
SELECT cmp_ok((SELECT sum(stays) FROM iso28000.nonconformity_cycle_time WHERE org_id = :org), '>', 0::numeric,
  'nonconformity_cycle_time has the stays from the event log');
SELECT is((SELECT reopen_count FROM iso28000.nonconformity_recurrence WHERE nonconformity_id = :nc4), 1::bigint,
  'a reopening counts as a recurrence');

-- 10.1 improvements follow their own workflow.
INSERT INTO iso28000.improvement (org_id, title) VALUES (:org, 'automate seal checks') RETURNING improvement_id AS imp \gset
SELECT throws_ok(format($$UPDATE iso28000.improvement SET status = 'approved' WHERE improvement_id = %s$$, :imp),
  'IS103', NULL, 'an improvement is approved only with an owner and the expected benefit');
SELECT lives_ok(format($$UPDATE iso28000.improvement SET status = 'approved', owner_id = %s, expected_benefit = 'fewer breaches' WHERE improvement_id = %s$$, :ann, :imp),
  'an improvement with owner and benefit is approved');
SELECT throws_ok(format($$UPDATE iso28000.improvement SET status = 'reviewed' WHERE improvement_id = %s$$, :imp),
  'IS102', NULL, 'an improvement is reviewed only once implemented');

SELECT * FROM finish();
ROLLBACK;
