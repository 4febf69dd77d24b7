-- The risk workflow (6.1.3, 8.3) through the workflow engine: every allowed
-- step, every refusal with its SQLSTATE (IS102 no such transition, IS103
-- missing column, IS104 guard, IS105 frozen, IS106 level, IS107 delete), the
-- acceptance authority of 5.3 roles, and the event log.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(36);

CREATE SCHEMA tap_rw;
CREATE TABLE tap_rw.ids (name text PRIMARY KEY, id bigint NOT NULL);
CREATE FUNCTION tap_rw.id(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT id FROM tap_rw.ids WHERE name = $1 $$;
GRANT USAGE ON SCHEMA tap_rw TO PUBLIC;
GRANT SELECT, INSERT ON tap_rw.ids TO PUBLIC;

CREATE ROLE tap_rw_alice NOLOGIN;   -- manager of A, on the risk committee
CREATE ROLE tap_rw_carol NOLOGIN;   -- writer in A, no authority to accept
INSERT INTO tap_rw.ids SELECT 'a', iso28000.create_organization('RW-A', 'Port A', 'tap_rw_alice');
SELECT iso28000.grant_access(tap_rw.id('a'), 'tap_rw_carol', 'write');
WITH p AS (INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (tap_rw.id('a'), 'Alice', 'tap_rw_alice') RETURNING person_id)
INSERT INTO tap_rw.ids SELECT 'alice', person_id FROM p;
WITH p AS (INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (tap_rw.id('a'), 'Carol', 'tap_rw_carol') RETURNING person_id)
INSERT INTO tap_rw.ids SELECT 'carol', person_id FROM p;
WITH r AS (INSERT INTO iso28000.sms_role (org_id, name, responsibilities, may_accept_risks, accept_up_to_band)
           VALUES (tap_rw.id('a'), 'Risk committee', 'Accepts residual risks up to high', true, 'high') RETURNING sms_role_id)
INSERT INTO tap_rw.ids SELECT 'committee', sms_role_id FROM r;
INSERT INTO iso28000.role_assignment (org_id, sms_role_id, person_id, assigned_on)
     VALUES (tap_rw.id('a'), tap_rw.id('committee'), tap_rw.id('alice'), date '2026-01-01');
WITH c AS (INSERT INTO iso28000.control (org_id, code, title, control_type, nature)
           VALUES (tap_rw.id('a'), 'PHY-01', 'CCTV on the quay', 'detective', 'technical') RETURNING control_id)
INSERT INTO tap_rw.ids SELECT 'ctl', control_id FROM c;

-- may_accept_risk ----------------------------------------------------------
SELECT ok(iso28000.may_accept_risk(tap_rw.id('a'), tap_rw.id('alice'), 'L6C7'), 'a committee member may accept a high risk');
SELECT ok(NOT iso28000.may_accept_risk(tap_rw.id('a'), tap_rw.id('alice'), 'L9C9'), 'but not a critical one (band limit high)');
SELECT ok(NOT iso28000.may_accept_risk(tap_rw.id('a'), tap_rw.id('carol'), 'L1C1'), 'a person without the role may accept nothing');
SELECT ok(NOT iso28000.may_accept_risk(tap_rw.id('a'), tap_rw.id('alice'), 'L6C7', date '2025-12-31'), 'nor before the assignment starts');

SET ROLE tap_rw_carol;
INSERT INTO iso28000.risk (org_id, reference, title, threat) VALUES (tap_rw.id('a'), 'R-1', 'Container theft', 'Organised crime');
INSERT INTO tap_rw.ids SELECT 'r1', risk_id FROM iso28000.risk WHERE reference = 'R-1';
SELECT is((SELECT status FROM iso28000.risk WHERE risk_id = tap_rw.id('r1')), 'identified', 'a new risk is identified');
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'treated' WHERE risk_id = tap_rw.id('r1')$$,
                 'IS102', NULL, 'identified -> treated is not a transition');
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'assessed' WHERE risk_id = tap_rw.id('r1')$$,
                 'IS103', NULL, 'assessed needs the inherent rating, owner and date');
SELECT lives_ok($$UPDATE iso28000.risk SET status = 'assessed', inherent_rating = 'L6C7', owner_id = tap_rw.id('carol'),
                         assessed_on = current_date WHERE risk_id = tap_rw.id('r1')$$,
                'identified -> assessed with rating, owner and date');
SELECT throws_ok($$UPDATE iso28000.risk SET inherent_rating = NULL WHERE risk_id = tap_rw.id('r1')$$,
                 'IS103', NULL, 'the inherent rating stays filled while assessed');
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'treatment_planned', treatment = 'reduce', review_on = current_date + 180
                   WHERE risk_id = tap_rw.id('r1')$$,
                 'IS104', NULL, 'reduce needs a live treatment');
SELECT throws_like($$UPDATE iso28000.risk SET status = 'treatment_planned', treatment = 'reduce', review_on = current_date + 180
                     WHERE risk_id = tap_rw.id('r1')$$,
                   '%cannot move from "assessed" to "treatment_planned": a live treatment linking a control (risk_treatment) for the decision to reduce',
                   'the refusal says what is missing');
SELECT lives_ok($$INSERT INTO iso28000.risk_treatment (org_id, risk_id, control_id, due_on)
                  VALUES (tap_rw.id('a'), tap_rw.id('r1'), tap_rw.id('ctl'), current_date + 30)$$, 'a treatment links a control');
SELECT lives_ok($$UPDATE iso28000.risk SET status = 'treatment_planned', treatment = 'reduce', review_on = current_date + 180
                  WHERE risk_id = tap_rw.id('r1')$$, 'assessed -> treatment_planned');
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'treated', residual_rating = 'L3C7' WHERE risk_id = tap_rw.id('r1')$$,
                 'IS104', NULL, 'treated needs every live treatment implemented');
UPDATE iso28000.risk_treatment SET implemented_on = current_date WHERE risk_id = tap_rw.id('r1');
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'treated' WHERE risk_id = tap_rw.id('r1')$$,
                 'IS103', NULL, 'treated needs the residual rating');
SELECT lives_ok($$UPDATE iso28000.risk SET status = 'treated', residual_rating = 'L3C7' WHERE risk_id = tap_rw.id('r1')$$,
                'treatment_planned -> treated');
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'accepted', accepted_by = tap_rw.id('carol'), accepted_on = current_date
                   WHERE risk_id = tap_rw.id('r1')$$,
                 'IS104', NULL, 'a person without the authority cannot accept');
SELECT throws_like($$UPDATE iso28000.risk SET status = 'accepted', accepted_by = tap_rw.id('carol'), accepted_on = current_date
                     WHERE risk_id = tap_rw.id('r1')$$,
                   '%authority to accept medium risks%', 'the refusal names the band of the residual rating');
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'accepted', accepted_by = tap_rw.id('alice'), accepted_on = current_date
                   WHERE risk_id = tap_rw.id('r1')$$,
                 'IS120', NULL, 'nor record someone else''s acceptance');
SELECT throws_like($$UPDATE iso28000.risk SET status = 'accepted', accepted_by = tap_rw.id('alice'), accepted_on = current_date
                     WHERE risk_id = tap_rw.id('r1')$$,
                   '%accepted_by names person %, but the acting person is person %', 'the refusal names both persons');
RESET ROLE;

SET ROLE tap_rw_alice;
SELECT lives_ok($$UPDATE iso28000.risk SET status = 'accepted', accepted_by = tap_rw.id('alice'), accepted_on = current_date
                  WHERE risk_id = tap_rw.id('r1')$$,
                'a committee member accepts the residual risk');
INSERT INTO iso28000.risk (org_id, reference, title, threat, inherent_rating, owner_id, assessed_on)
     VALUES (tap_rw.id('a'), 'R-2', 'Explosive in a container', 'Terrorism', 'L9C9', tap_rw.id('alice'), current_date);
INSERT INTO tap_rw.ids SELECT 'r2', risk_id FROM iso28000.risk WHERE reference = 'R-2';
UPDATE iso28000.risk SET status = 'assessed' WHERE risk_id = tap_rw.id('r2');
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'accepted', treatment = 'accept', review_on = current_date + 30,
                                            accepted_by = tap_rw.id('alice'), accepted_on = current_date
                   WHERE risk_id = tap_rw.id('r2')$$,
                 'IS104', NULL, 'a critical risk is above the committee''s band limit');
SELECT throws_ok($$DELETE FROM iso28000.risk WHERE risk_id = tap_rw.id('r2')$$,
                 'IS107', NULL, 'an assessed risk cannot be deleted');
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'closed' WHERE risk_id = tap_rw.id('r2')$$,
                 'IS103', NULL, 'closing needs the closing date');
SELECT lives_ok($$UPDATE iso28000.risk SET status = 'closed', closed_on = current_date WHERE risk_id = tap_rw.id('r2')$$,
                'assessed -> closed');
SELECT throws_ok($$UPDATE iso28000.risk SET title = 'changed' WHERE risk_id = tap_rw.id('r2')$$,
                 'IS105', NULL, 'a closed risk is frozen');
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'nowhere' WHERE risk_id = tap_rw.id('r2')$$,
                 'IS101', NULL, 'an unknown state is refused');
RESET ROLE;

SET ROLE tap_rw_carol;
SELECT throws_ok($$UPDATE iso28000.risk SET status = 'assessed' WHERE risk_id = tap_rw.id('r2')$$,
                 'IS106', NULL, 'a writer cannot reopen a closed risk');
INSERT INTO iso28000.risk (org_id, reference, title, threat) VALUES (tap_rw.id('a'), 'R-3', 'Duplicate', 'x');
SELECT lives_ok($$DELETE FROM iso28000.risk WHERE reference = 'R-3'$$, 'an identified risk may be deleted');
RESET ROLE;

SET ROLE tap_rw_alice;
SELECT lives_ok($$UPDATE iso28000.risk SET status = 'assessed' WHERE risk_id = tap_rw.id('r2')$$, 'a manager reopens it');
SELECT lives_ok($$UPDATE iso28000.risk SET status = 'treatment_planned', treatment = 'avoid', review_on = current_date + 30
                  WHERE risk_id = tap_rw.id('r2')$$, 'avoid needs no control');
SELECT lives_ok($$UPDATE iso28000.risk SET status = 'assessed' WHERE risk_id = tap_rw.id('r2')$$, 'a planned treatment can be revised');
RESET ROLE;

SELECT results_eq(
  format($$SELECT coalesce(from_state, '-') || '>' || to_state FROM iso28000.workflow_event
            WHERE workflow = 'risk' AND record_id = %s ORDER BY event_id$$, tap_rw.id('r1')),
  ARRAY['->identified', 'identified>assessed', 'assessed>treatment_planned', 'treatment_planned>treated', 'treated>accepted'],
  'the event log holds every step of R-1 and none of the refused ones');
SELECT is((SELECT status_changed_by::text FROM iso28000.risk WHERE risk_id = tap_rw.id('r1')), 'tap_rw_alice',
          'the engine stamps who made the last transition');
SELECT is((SELECT count(*)::int FROM iso28000.risk_heat_map WHERE org_id = tap_rw.id('a') AND rating_kind = 'inherent' AND risk_count > 0), 2,
          'the heat map counts the two open risks');
SELECT is((SELECT array_agg(state ORDER BY state) FROM iso28000.workflow_state WHERE workflow = 'risk'),
          ARRAY['accepted', 'assessed', 'closed', 'identified', 'treated', 'treatment_planned'], 'the six states of the risk workflow');

SELECT * FROM finish();
ROLLBACK;
