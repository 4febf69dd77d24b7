-- The naming rule (doc/naming.md) and the names release 0.1.0 shipped, kept
-- as aliases: every guard a workflow rule names is <table>_<condition>_guard,
-- the alias view has the rows and the column comments of the view it
-- forwards to, and each alias guard answers like the guard it calls.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(9);
SET LOCAL search_path = iso28000, public;

SELECT is((SELECT string_agg(DISTINCT t.guard::text, ', ') FROM workflow_transition t
            WHERE t.guard IS NOT NULL AND (SELECT p.proname FROM pg_proc p WHERE p.oid = t.guard) !~ '^[a-z][a-z0-9_]*_guard$'),
          NULL, 'every guard a workflow rule names is <table>_<condition>_guard');
SELECT is((SELECT count(*)::int FROM pg_attribute a
            WHERE a.attrelid = 'iso28000.open_risk'::regclass AND a.attnum > 0
              AND col_description(a.attrelid, a.attnum) IS DISTINCT FROM
                  (SELECT col_description(b.attrelid, b.attnum) FROM pg_attribute b
                    WHERE b.attrelid = 'iso28000.risk_open'::regclass AND b.attname = a.attname)),
          0, 'the alias view open_risk carries the column comments of risk_open');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'iso28000.open_risk'::regclass AND attnum > 0),
          (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'iso28000.risk_open'::regclass AND attnum > 0),
          'open_risk has the columns of risk_open, in order');

SELECT create_organization('NAM', 'Naming') AS org \gset
INSERT INTO person (org_id, full_name) VALUES (:org, 'Ann') RETURNING person_id AS ann \gset
INSERT INTO nonconformity (org_id, title, severity, correction, root_cause, analysis_method, similar_nonconformities)
VALUES (:org, 'Seal missing', 'major', 'held', 'no check', '5 whys', 'none') RETURNING nonconformity_id AS nc \gset
UPDATE nonconformity SET status = 'contained' WHERE nonconformity_id = :nc;
UPDATE nonconformity SET status = 'cause_analysed' WHERE nonconformity_id = :nc;
INSERT INTO corrective_action (org_id, nonconformity_id, title, owner_id, due_on)
VALUES (:org, :nc, 'Check seals', :ann, current_date + 7) RETURNING corrective_action_id AS ca \gset
-- The nonconformity as a guard sees it on its way to verified and closed:
-- Ann, who owns its action, as the verifier; an SMS change without a note.
CREATE FUNCTION pg_temp.nc_row(id bigint, verifier bigint) RETURNS iso28000.nonconformity
LANGUAGE plpgsql AS $$
DECLARE r iso28000.nonconformity;
BEGIN
  SELECT * INTO r FROM iso28000.nonconformity WHERE nonconformity_id = id;
  r.verified_by := verifier;
  r.sms_change_needed := true;
  RETURN r;
END $$;

SELECT is(nonconformity_actions_planned(n, 'cause_analysed', 'action_planned'),
          nonconformity_actions_planned_guard(n, 'cause_analysed', 'action_planned'),
          'nonconformity_actions_planned (0.1.0) answers like its guard') FROM (SELECT pg_temp.nc_row(:nc, :ann) AS n) x;
SELECT is(nonconformity_actions_done(n, 'action_planned', 'action_taken'),
          nonconformity_actions_done_guard(n, 'action_planned', 'action_taken'),
          'nonconformity_actions_done (0.1.0) answers like its guard') FROM (SELECT pg_temp.nc_row(:nc, :ann) AS n) x;
SELECT isnt(nonconformity_actions_done(n, 'action_planned', 'action_taken'), NULL,
            '... and refuses while the action is planned') FROM (SELECT pg_temp.nc_row(:nc, :ann) AS n) x;
SELECT is(nonconformity_verifier_independent(n, 'action_taken', 'verified'),
          nonconformity_verifier_independent_guard(n, 'action_taken', 'verified'),
          'nonconformity_verifier_independent (0.1.0) answers like its guard (the owner as verifier: refused)') FROM (SELECT pg_temp.nc_row(:nc, :ann) AS n) x;
SELECT is(nonconformity_sms_decision(n, 'verified', 'closed'),
          nonconformity_sms_decision_guard(n, 'verified', 'closed'),
          'nonconformity_sms_decision (0.1.0) answers like its guard') FROM (SELECT pg_temp.nc_row(:nc, :ann) AS n) x;
SELECT is(corrective_action_reopen_allowed(c, 'done', 'in_progress'),
          corrective_action_reopen_guard(c, 'done', 'in_progress'),
          'corrective_action_reopen_allowed (0.1.0) answers like its guard') FROM corrective_action c WHERE c.corrective_action_id = :ca;

SELECT * FROM finish();
ROLLBACK;
