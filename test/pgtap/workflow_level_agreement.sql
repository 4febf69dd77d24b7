-- The workflow engine and has_level() must apply the same membership rule:
-- direct and inherited membership, the level order, and the session-user
-- guard.  Both ask src/membership.c now (the engine calls
-- membership_has_level() from C, has_level() is its SQL face); this test
-- keeps them honest.  For every role and every level, a transition that needs
-- the level succeeds exactly when has_level() says the role has it.
BEGIN;
CREATE EXTENSION iso28000;
-- The engine governs only registers of the extension (IS110): this test's
-- tables go into schema iso28000, made by its owner (the superuser here).
SET LOCAL search_path = iso28000, public;
SELECT plan(3);

CREATE ROLE lva_read NOLOGIN;
CREATE ROLE lva_write NOLOGIN;
CREATE ROLE lva_audit NOLOGIN;
CREATE ROLE lva_manage NOLOGIN;
CREATE ROLE lva_group NOLOGIN;
CREATE ROLE lva_inherits NOLOGIN IN ROLE lva_group;   -- audit through its group
CREATE ROLE lva_none NOLOGIN;
SELECT iso28000.create_organization('LVA', 'Level agreement', 'lva_manage') AS org \gset
SELECT iso28000.create_organization('LVB', 'Other organisation', 'lva_none') AS other \gset
SET SESSION AUTHORIZATION lva_manage;
SELECT iso28000.grant_access(:org, 'lva_read', 'read');
SELECT iso28000.grant_access(:org, 'lva_write', 'write');
SELECT iso28000.grant_access(:org, 'lva_audit', 'audit');
SELECT iso28000.grant_access(:org, 'lva_group', 'audit');
RESET SESSION AUTHORIZATION;

INSERT INTO iso28000.workflow VALUES ('wf_lva', 'level agreement test');
INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable) VALUES
  ('wf_lva', 'start', true, false, false, true),
  ('wf_lva', 'write', false, true, false, false),
  ('wf_lva', 'audit', false, true, false, false),
  ('wf_lva', 'manage', false, true, false, false);
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level) VALUES
  ('wf_lva', 'start', 'write', 'write'),
  ('wf_lva', 'start', 'audit', 'audit'),
  ('wf_lva', 'start', 'manage', 'manage');
CREATE TABLE lva (
  org_id bigint NOT NULL,
  lva_id bigint GENERATED ALWAYS AS IDENTITY,
  actor name NOT NULL,
  target text NOT NULL,
  status text,
  PRIMARY KEY (org_id, lva_id)
);
SELECT iso28000.attach_workflow('lva', 'wf_lva');
GRANT SELECT, UPDATE ON lva TO PUBLIC;
INSERT INTO lva (org_id, actor, target)
SELECT o, r, t
  FROM unnest(ARRAY[:org, :other]::bigint[]) o,
       unnest(ARRAY['lva_read', 'lva_write', 'lva_audit', 'lva_manage', 'lva_inherits', 'lva_none']) r,
       unnest(ARRAY['write', 'audit', 'manage']) t;

-- As the current role: moves its rows, records whether the engine let each
-- through and what has_level() says.
CREATE TABLE lva_result (org_id bigint, actor name, target text, engine_ok boolean, has_level boolean);
GRANT INSERT ON lva_result TO PUBLIC;
CREATE FUNCTION pg_temp.lva_try() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  x record;
  ok boolean;
BEGIN
  FOR x IN SELECT * FROM lva WHERE actor = current_user ORDER BY lva_id LOOP
    BEGIN
      UPDATE lva SET status = x.target WHERE org_id = x.org_id AND lva_id = x.lva_id;
      ok := true;
    EXCEPTION WHEN SQLSTATE 'IS106' THEN
      ok := false;
    END;
    INSERT INTO lva_result VALUES (x.org_id, x.actor, x.target, ok, iso28000.has_level(x.org_id, x.target));
  END LOOP;
END $$;

SET SESSION AUTHORIZATION lva_read;     SELECT pg_temp.lva_try(); RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION lva_write;    SELECT pg_temp.lva_try(); RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION lva_audit;    SELECT pg_temp.lva_try(); RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION lva_manage;   SELECT pg_temp.lva_try(); RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION lva_inherits; SELECT pg_temp.lva_try(); RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION lva_none;     SELECT pg_temp.lva_try(); RESET SESSION AUTHORIZATION;

SELECT is((SELECT count(*)::int FROM lva_result), 36, 'every role tried every level in both organisations');
SELECT is((SELECT array_agg(format('%s %s %s: engine %s, has_level %s', org_id, actor, target, engine_ok, has_level))
             FROM lva_result WHERE engine_ok IS DISTINCT FROM has_level),
          NULL, 'the engine lets a transition through exactly when has_level() says the role has the level');
SELECT is((SELECT string_agg(actor || ':' || target, ' ' ORDER BY actor, target) FROM lva_result
             WHERE engine_ok AND org_id = :org),
          'lva_audit:audit lva_audit:write lva_inherits:audit lva_inherits:write lva_manage:audit lva_manage:manage lva_manage:write lva_write:write',
          'levels include the lower ones, are inherited through a group role, and read moves nothing');

SELECT * FROM finish();
ROLLBACK;
