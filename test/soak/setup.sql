-- test/soak/setup.sql: the soak's database, run by test/soak/soak as a
-- superuser after CREATE EXTENSION iso28000.
--
-- Four organisations; eight client roles soak_c0..soak_c7, plain NOLOGIN
-- roles, client i a member at level audit (write included) of organisation
-- i % 4, with a person of its own (the owner of its corrective actions) and a
-- verifier person who owns none.  pgbench logs in as soak_login, a plain role
-- that may SET ROLE to every client role and is a member of no organisation.
--
-- Every request goes through soak.try(), which runs it in a subtransaction
-- and logs what was expected (ok, or the SQLSTATE of the refusal) and what
-- happened, so that after the run "the refusals were exactly the invalid
-- requests" is one query.  Each client works on its own records only (their
-- title names the client), so what each request should do is known when it
-- is made, while clients of one organisation still contend for its history
-- chain and its rows.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

DO $$
BEGIN
  FOR i IN 0..7 LOOP
    BEGIN
      EXECUTE format('CREATE ROLE soak_c%s NOLOGIN', i);
    EXCEPTION WHEN duplicate_object THEN NULL;
    END;
  END LOOP;
  BEGIN
    CREATE ROLE soak_login LOGIN;
  EXCEPTION WHEN duplicate_object THEN NULL;
  END;
  BEGIN
    CREATE ROLE soak_auditor NOLOGIN;
  EXCEPTION WHEN duplicate_object THEN NULL;
  END;
END $$;
DO $$ BEGIN FOR i IN 0..7 LOOP EXECUTE format('GRANT soak_c%s TO soak_login', i); END LOOP; END $$;

CREATE SCHEMA soak;
GRANT USAGE ON SCHEMA soak TO PUBLIC;

-- The organisations and who acts for them.
CREATE TABLE soak.client (
  client      int PRIMARY KEY,
  role        name NOT NULL,
  org_id      bigint NOT NULL,
  other_org   bigint NOT NULL,   -- an organisation the client is not a member of
  owner_id    bigint,            -- the client's person
  verifier_id bigint,            -- a person of the organisation who owns no action
  assessment_id bigint,          -- the client's self-assessment (once clause 9.1 is installed)
  audit_id    bigint             -- the client's audit in progress, scope clause 8 (clause 9.2)
);
GRANT SELECT ON soak.client TO PUBLIC;

-- Every request: what was expected and what happened.
CREATE TABLE soak.attempt (
  client   int NOT NULL,
  org_id   bigint NOT NULL,
  action   text NOT NULL,
  expected text NOT NULL,        -- 'ok', a SQLSTATE, or for reads the expected value
  got      text NOT NULL,
  at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
GRANT INSERT ON soak.attempt TO PUBLIC;

DO $$
DECLARE
  orgs bigint[] := '{}';
  o bigint;
BEGIN
  FOR i IN 0..3 LOOP
    o := iso28000.create_organization('SOAK-' || i, 'Soak organisation ' || i, ('soak_c' || i)::regrole);
    orgs := orgs || o;
    INSERT INTO iso28000.membership (org_id, member, level) VALUES (o, 'soak_auditor', 'audit');
  END LOOP;
  FOR i IN 0..7 LOOP
    IF i >= 4 THEN
      INSERT INTO iso28000.membership (org_id, member, level) VALUES (orgs[i % 4 + 1], ('soak_c' || i)::regrole, 'audit');
    ELSE
      -- the creator is manager; the soak's clients act at level audit
      UPDATE iso28000.membership SET level = 'audit' WHERE org_id = orgs[i + 1] AND member = ('soak_c' || i)::regrole;
    END IF;
    INSERT INTO soak.client (client, role, org_id, other_org) VALUES (i, 'soak_c' || i, orgs[i % 4 + 1], orgs[(i + 1) % 4 + 1]);
  END LOOP;
  -- every organisation keeps a manager (the DBA's role), not used by the clients
  INSERT INTO iso28000.membership (org_id, member, level)
  SELECT unnest(orgs), current_user::regrole, 'manage' ON CONFLICT DO NOTHING;
END $$;

INSERT INTO iso28000.person (org_id, full_name, db_role)
SELECT org_id, 'Soak client ' || client, role FROM soak.client;
INSERT INTO iso28000.person (org_id, full_name)
SELECT DISTINCT org_id, 'Soak verifier' FROM soak.client;
-- Each client role is also a delegated application role of its organisation,
-- so that it can act for the organisation's verifier (act_as) when it
-- verifies: a verifier must be the acting person (IS120), and the soak's
-- verifier has no login of its own.
SELECT iso28000.grant_delegation(org_id, role::regrole, 'soak client') FROM soak.client;
UPDATE soak.client c SET
  owner_id = (SELECT person_id FROM iso28000.person p WHERE p.org_id = c.org_id AND p.db_role = c.role),
  verifier_id = (SELECT person_id FROM iso28000.person p WHERE p.org_id = c.org_id AND p.full_name = 'Soak verifier');

-- A self-assessment per client, when the clause 9.1 registers are installed.
DO $$
BEGIN
  IF to_regclass('iso28000.self_assessment') IS NOT NULL THEN
    EXECUTE $q$INSERT INTO iso28000.self_assessment (org_id, title, assessed_on, assessor_id)
               SELECT org_id, 'soak ' || client, current_date, owner_id FROM soak.client$q$;
    EXECUTE $q$UPDATE soak.client c SET assessment_id =
                 (SELECT s.assessment_id FROM iso28000.self_assessment s
                   WHERE s.org_id = c.org_id AND s.title = 'soak ' || c.client)$q$;
  END IF;
END $$;

-- An audit in progress per client (clause 9.2), scope clause 8, led by the
-- verifier (who owns no process), to record findings into.
INSERT INTO iso28000.audit (org_id, title, scope, lead_auditor_id, planned_start_on, planned_end_on)
SELECT org_id, 'soak audit ' || client, '{8}', verifier_id, current_date, current_date + 30 FROM soak.client;
UPDATE iso28000.audit SET status = 'in_progress', started_on = current_date WHERE title LIKE 'soak audit %';
UPDATE soak.client c SET audit_id =
  (SELECT a.audit_id FROM iso28000.audit a WHERE a.org_id = c.org_id AND a.title = 'soak audit ' || c.client);

-- Runs one request as the current role in a subtransaction and logs the outcome:
-- 'ok' (a change must touch a row), or the SQLSTATE it was refused with.
CREATE FUNCTION soak.try(client int, org bigint, action text, expected text, stmt text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  st text := 'ok';
  n bigint;
BEGIN
  BEGIN
    EXECUTE stmt;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN st := 'no row'; END IF;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
  END;
  INSERT INTO soak.attempt (client, org_id, action, expected, got) VALUES (client, org, action, expected, st);
END $$;

-- The next valid step of one of the client's open nonconformities.
CREATE FUNCTION soak.advance(c soak.client, nc iso28000.nonconformity, r int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  key text := format('org_id = %s AND nonconformity_id = %s', nc.org_id, nc.nonconformity_id);
  ca iso28000.corrective_action;
BEGIN
  CASE nc.status
  WHEN 'reported' THEN
    IF r % 10 = 0 THEN
      PERFORM soak.try(c.client, c.org_id, 'nonconformity reported -> rejected', 'ok',
        format('UPDATE iso28000.nonconformity SET status = ''rejected'', rejection_reason = ''duplicate'' WHERE %s', key));
    ELSE
      PERFORM soak.try(c.client, c.org_id, 'nonconformity reported -> contained', 'ok',
        format('UPDATE iso28000.nonconformity SET status = ''contained'', correction = ''gate locked'' WHERE %s', key));
    END IF;
  WHEN 'contained' THEN
    PERFORM soak.try(c.client, c.org_id, 'nonconformity contained -> cause_analysed', 'ok',
      format('UPDATE iso28000.nonconformity SET status = ''cause_analysed'', root_cause = ''worn lock'',
                     analysis_method = ''5 whys'', similar_nonconformities = ''none'' WHERE %s', key));
  WHEN 'cause_analysed' THEN
    SELECT * INTO ca FROM iso28000.corrective_action a
     WHERE a.org_id = nc.org_id AND a.nonconformity_id = nc.nonconformity_id AND a.status = 'done' LIMIT 1;
    IF ca.corrective_action_id IS NOT NULL AND r % 2 = 0 THEN
      PERFORM soak.try(c.client, c.org_id, 'corrective action done -> in_progress (ineffective)', 'ok',
        format('UPDATE iso28000.corrective_action SET status = ''in_progress'' WHERE org_id = %s AND corrective_action_id = %s',
               ca.org_id, ca.corrective_action_id));
    ELSIF NOT EXISTS (SELECT FROM iso28000.corrective_action a
                       WHERE a.org_id = nc.org_id AND a.nonconformity_id = nc.nonconformity_id AND a.status <> 'cancelled') THEN
      PERFORM soak.try(c.client, c.org_id, 'corrective action planned', 'ok',
        format('INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on)
                VALUES (%s, %s, ''replace lock'', %s, current_date + 14)', nc.org_id, nc.nonconformity_id, c.owner_id));
    ELSE
      PERFORM soak.try(c.client, c.org_id, 'nonconformity cause_analysed -> action_planned', 'ok',
        format('UPDATE iso28000.nonconformity SET status = ''action_planned'' WHERE %s', key));
    END IF;
  WHEN 'action_planned' THEN
    SELECT * INTO ca FROM iso28000.corrective_action a
     WHERE a.org_id = nc.org_id AND a.nonconformity_id = nc.nonconformity_id AND a.status IN ('planned', 'in_progress')
     LIMIT 1;
    IF ca.corrective_action_id IS NULL THEN
      PERFORM soak.try(c.client, c.org_id, 'nonconformity action_planned -> action_taken', 'ok',
        format('UPDATE iso28000.nonconformity SET status = ''action_taken'' WHERE %s', key));
    ELSIF ca.status = 'planned' THEN
      PERFORM soak.try(c.client, c.org_id, 'corrective action planned -> in_progress', 'ok',
        format('UPDATE iso28000.corrective_action SET status = ''in_progress'' WHERE org_id = %s AND corrective_action_id = %s',
               ca.org_id, ca.corrective_action_id));
    ELSE
      PERFORM soak.try(c.client, c.org_id, 'corrective action in_progress -> done', 'ok',
        format('UPDATE iso28000.corrective_action SET status = ''done'', completed_on = current_date, evidence = ''photo''
                 WHERE org_id = %s AND corrective_action_id = %s', ca.org_id, ca.corrective_action_id));
    END IF;
  WHEN 'action_taken' THEN
    IF r % 7 = 0 THEN
      PERFORM soak.try(c.client, c.org_id, 'nonconformity action_taken -> cause_analysed (ineffective)', 'ok',
        format('UPDATE iso28000.nonconformity SET status = ''cause_analysed'' WHERE %s', key));
    ELSE
      PERFORM iso28000.act_as(c.org_id, c.verifier_id);   -- for the rest of this transaction
      PERFORM soak.try(c.client, c.org_id, 'nonconformity action_taken -> verified', 'ok',
        format('UPDATE iso28000.nonconformity SET status = ''verified'', effectiveness_review = ''no recurrence'',
                       verified_by = %s, verified_on = current_date WHERE %s', c.verifier_id, key));
    END IF;
  WHEN 'verified' THEN
    PERFORM soak.try(c.client, c.org_id, 'nonconformity verified -> closed', 'ok',
      format('UPDATE iso28000.nonconformity SET status = ''closed'', sms_change_needed = false WHERE %s', key));
  ELSE
    NULL;
  END CASE;
END $$;

-- One of the client's own nonconformities in a state, at random (NULL if none).
CREATE FUNCTION soak.mine(c soak.client, in_state text)
RETURNS iso28000.nonconformity LANGUAGE sql AS $$
  SELECT n.* FROM iso28000.nonconformity n
   WHERE n.org_id = c.org_id AND n.title = 'soak ' || c.client AND n.status = in_state
   ORDER BY random() LIMIT 1
$$;

-- An invalid request of kind k, on the client's own records; each must be refused.
CREATE FUNCTION soak.invalid(c soak.client, k int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  nc iso28000.nonconformity;
  key text;
BEGIN
  nc := soak.mine(c, CASE k WHEN 0 THEN 'reported' WHEN 1 THEN 'reported' WHEN 2 THEN 'cause_analysed'
                            WHEN 3 THEN 'closed' WHEN 4 THEN 'closed' WHEN 5 THEN 'contained'
                            WHEN 7 THEN 'reported' WHEN 8 THEN 'closed' WHEN 9 THEN 'action_taken' END);
  key := format('org_id = %s AND nonconformity_id = %s', nc.org_id, nc.nonconformity_id);
  IF k = 6 THEN
    PERFORM soak.try(c.client, c.org_id, 'insert into another organisation', '42501',
      format('INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (%s, ''intruder'', ''minor'')', c.other_org));
  ELSIF nc.nonconformity_id IS NULL THEN
    RETURN;                       -- no record in the state this kind needs yet
  ELSIF k = 0 THEN
    PERFORM soak.try(c.client, c.org_id, 'nonconformity reported -> action_taken (skips states)', 'IS102',
      format('UPDATE iso28000.nonconformity SET status = ''action_taken'' WHERE %s', key));
  ELSIF k = 1 THEN
    PERFORM soak.try(c.client, c.org_id, 'nonconformity reported -> contained without correction', 'IS103',
      format('UPDATE iso28000.nonconformity SET status = ''contained'' WHERE %s', key));
  ELSIF k = 2 THEN
    IF EXISTS (SELECT FROM iso28000.corrective_action a WHERE a.org_id = nc.org_id
                  AND a.nonconformity_id = nc.nonconformity_id AND a.status <> 'cancelled') THEN
      RETURN;                     -- has an action: the guard would let it pass
    END IF;
    PERFORM soak.try(c.client, c.org_id, 'nonconformity cause_analysed -> action_planned without action', 'IS104',
      format('UPDATE iso28000.nonconformity SET status = ''action_planned'' WHERE %s', key));
  ELSIF k = 3 THEN
    PERFORM soak.try(c.client, c.org_id, 'closed nonconformity edited', 'IS105',
      format('UPDATE iso28000.nonconformity SET description = ''edited after closure'' WHERE %s', key));
  ELSIF k = 4 THEN
    PERFORM soak.try(c.client, c.org_id, 'nonconformity closed -> cause_analysed below level manage', 'IS106',
      format('UPDATE iso28000.nonconformity SET status = ''cause_analysed'' WHERE %s', key));
  ELSIF k = 5 THEN
    PERFORM soak.try(c.client, c.org_id, 'contained nonconformity deleted', 'IS107',
      format('DELETE FROM iso28000.nonconformity WHERE %s', key));
  ELSIF k = 7 THEN
    PERFORM soak.try(c.client, c.org_id, 'nonconformity to an unknown state', 'IS101',
      format('UPDATE iso28000.nonconformity SET status = ''forgotten'' WHERE %s', key));
  ELSIF k = 8 THEN
    PERFORM soak.try(c.client, c.org_id, 'corrective action added to a closed nonconformity', 'IS150',
      format('INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on)
              VALUES (%s, %s, ''late'', %s, current_date)', nc.org_id, nc.nonconformity_id, c.owner_id));
  ELSIF k = 9 THEN
    PERFORM soak.try(c.client, c.org_id, 'nonconformity verified by the owner of its action', 'IS104',
      format('UPDATE iso28000.nonconformity SET status = ''verified'', effectiveness_review = ''fine'',
                     verified_by = %s, verified_on = current_date WHERE %s', c.owner_id, key));
  END IF;
END $$;

-- One pgbench transaction of client cl with the random number r (1..100).
CREATE FUNCTION soak.step(cl int, r int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  c soak.client;
  nc iso28000.nonconformity;
  seen bigint;
  n_other bigint;
  cl_ref text;
BEGIN
  SELECT * INTO c FROM soak.client WHERE client = cl;
  PERFORM set_config('role', c.role, true);     -- act as the client's role until the end of the transaction
  IF r <= 20 THEN
    PERFORM soak.try(c.client, c.org_id, 'nonconformity reported', 'ok',
      format('INSERT INTO iso28000.nonconformity (org_id, title, severity, source) VALUES (%s, ''soak %s'', %L, ''monitoring'')',
             c.org_id, c.client, CASE WHEN r % 2 = 0 THEN 'minor' ELSE 'major' END));
  ELSIF r <= 70 THEN
    SELECT n.* INTO nc FROM iso28000.nonconformity n
     WHERE n.org_id = c.org_id AND n.title = 'soak ' || c.client AND n.status NOT IN ('closed', 'rejected')
     ORDER BY random() LIMIT 1;
    IF nc.nonconformity_id IS NOT NULL THEN
      PERFORM soak.advance(c, nc, r);
    END IF;
  ELSIF r <= 90 THEN
    PERFORM soak.invalid(c, r % 10);
  ELSIF r BETWEEN 91 AND 93 AND c.audit_id IS NOT NULL THEN
    -- an audit finding in scope (a minor_nc or major_nc raises its nonconformity),
    -- or one outside the audit's scope (IS303)
    IF r = 93 THEN
      PERFORM soak.try(c.client, c.org_id, 'audit finding outside the audit scope', 'IS303',
        format('INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, found_on)
                VALUES (%s, %s, ''4.1'', ''conforming'', ''soak'', current_date)', c.org_id, c.audit_id));
    ELSE
      PERFORM soak.try(c.client, c.org_id, 'audit finding in scope', 'ok',
        format('INSERT INTO iso28000.audit_finding (org_id, audit_id, clause, grade, statement, found_on)
                VALUES (%s, %s, %L, %L, ''soak'', current_date)', c.org_id, c.audit_id,
               (ARRAY['8.1', '8.2', '8.3', '8.4', '8.5', '8.6.2', '8.6.4'])[1 + floor(random() * 7)::int],
               (ARRAY['conforming', 'observation', 'minor_nc', 'major_nc'])[1 + floor(random() * 4)::int]));
    END IF;
  ELSIF r > 95 AND c.assessment_id IS NOT NULL THEN
    -- grade a clause in the client's self-assessment: once per clause (23505 after)
    cl_ref := (ARRAY['4.1', '4.2', '4.3', '4.4', '5.1', '5.2', '5.3', '6.1', '6.2', '6.3', '7.1', '7.2', '7.3',
                     '7.4', '7.5', '8.1', '8.2', '8.3', '8.4', '8.5', '8.6', '9.1', '9.2', '9.3', '10.1', '10.2'])
              [1 + floor(random() * 26)::int];
    EXECUTE 'SELECT count(*) FROM iso28000.assessment_result WHERE org_id = $1 AND assessment_id = $2 AND clause OPERATOR(iso28000.=) $3::iso28000.clause_ref'
       INTO seen USING c.org_id, c.assessment_id, cl_ref;
    PERFORM soak.try(c.client, c.org_id, 'self-assessment grade ' || CASE WHEN seen = 0 THEN 'of a new clause' ELSE 'of a graded clause again' END,
      CASE WHEN seen = 0 THEN 'ok' ELSE '23505' END,
      format('INSERT INTO iso28000.assessment_result (org_id, assessment_id, clause, grade, weight) VALUES (%s, %s, %L, %L, %s)',
             c.org_id, c.assessment_id, cl_ref,
             (ARRAY['conforming', 'conforming', 'observation', 'opportunity', 'minor_nc', 'major_nc', 'not_applicable', 'not_assessed'])
               [1 + floor(random() * 8)::int], 1 + r % 3));
    PERFORM soak.try(c.client, c.org_id, 'scoring query (self-assessments)', 'ok',
      'SELECT iso28000.conformity_score(grade, weight) FROM iso28000.assessment_result GROUP BY org_id, assessment_id');
  ELSE
    -- scoring over what the client sees, and what it must not see
    PERFORM soak.try(c.client, c.org_id, 'scoring query', 'ok',
      'SELECT iso28000.conformity_score(CASE severity WHEN ''major'' THEN ''major_nc'' ELSE ''minor_nc'' END::iso28000.conformity_grade)
         FROM iso28000.nonconformity');
    SELECT (SELECT count(*) FROM iso28000.nonconformity WHERE org_id <> c.org_id)
         + (SELECT count(*) FROM iso28000.corrective_action WHERE org_id <> c.org_id)
         + (SELECT count(*) FROM iso28000.person WHERE org_id <> c.org_id)
         + (SELECT count(*) FROM iso28000.workflow_event WHERE org_id <> c.org_id)
         + (SELECT count(*) FROM iso28000.history WHERE org_id <> c.org_id)
         + (SELECT count(*) FROM iso28000.organization WHERE org_id <> c.org_id)
         + (SELECT count(*) FROM iso28000.audit_finding WHERE org_id <> c.org_id)
      INTO seen;
    IF c.assessment_id IS NOT NULL THEN
      EXECUTE 'SELECT (SELECT count(*) FROM iso28000.self_assessment WHERE org_id <> $1)
                    + (SELECT count(*) FROM iso28000.assessment_result WHERE org_id <> $1)'
         INTO n_other USING c.org_id;
      seen := seen + n_other;
    END IF;
    INSERT INTO soak.attempt (client, org_id, action, expected, got)
    VALUES (c.client, c.org_id, 'rows of other organisations seen', '0', seen::text);
  END IF;
END $$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA soak TO PUBLIC;
