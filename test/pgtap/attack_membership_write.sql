-- A direct call of _membership_write() allows no more than grant_access().
--
-- _membership_write() writes membership as the table's owner (SECURITY
-- DEFINER, for Citus) and is executable by PUBLIC, because grant_access()
-- and revoke_access() run with the caller's rights and call it.  Until this
-- test, the level check (IS003) and the last-manager rule (IS004) were made
-- only by the callers: a manager calling it directly could remove the last
-- manager, or grant a level that does not exist.  Every check is now made
-- under the raised rights, and a refusal writes nothing.
--
-- The caller argument: _membership_write() believes it only for a role the
-- session user can become (_role_orgs(), src/membership.c).  The session user
-- of pg_prove is a superuser, who can become every role, so those tests run
-- under SET SESSION AUTHORIZATION of a plain role: the session user is then
-- that role, as for a login of its own.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(17);

CREATE ROLE tap_mw_boss NOLOGIN;     -- the only manager of A
CREATE ROLE tap_mw_writer NOLOGIN;   -- writes A: the attacker
CREATE ROLE tap_mw_other NOLOGIN;    -- a role of nobody
CREATE ROLE tap_mw_deputy NOLOGIN;   -- a member of the boss's role
GRANT tap_mw_boss TO tap_mw_deputy;
SELECT iso28000.create_organization('MW-A', 'Org A', 'tap_mw_boss') AS a \gset
SELECT iso28000.grant_access(:a, 'tap_mw_writer', 'write');
CREATE TEMP TABLE membership_before AS SELECT org_id, member::text, level FROM iso28000.membership;
GRANT SELECT ON membership_before TO PUBLIC;
CREATE FUNCTION pg_temp.membership_unchanged() RETURNS boolean LANGUAGE sql AS $$
  SELECT NOT EXISTS (SELECT org_id, member::text, level FROM iso28000.membership
                     EXCEPT SELECT * FROM membership_before)
     AND NOT EXISTS (SELECT * FROM membership_before
                     EXCEPT SELECT org_id, member::text, level FROM iso28000.membership)
$$;

SET ROLE tap_mw_writer;
SELECT throws_ok(format($$SELECT iso28000._membership_write(%s, 'tap_mw_writer', 'manage', 'tap_mw_writer')$$, :a),
                 'IS001', NULL, 'a writer cannot make himself manager through _membership_write');
SELECT throws_ok(format($$SELECT iso28000._membership_write(%s, 'tap_mw_boss', NULL, 'tap_mw_writer')$$, :a),
                 'IS001', NULL, 'a writer cannot remove the manager through _membership_write');
RESET ROLE;

SET ROLE tap_mw_boss;
SELECT throws_ok(format($$SELECT iso28000._membership_write(%s, 'tap_mw_boss', NULL, 'tap_mw_boss')$$, :a),
                 'IS004', NULL, 'the last manager cannot remove himself through _membership_write');
SELECT throws_ok(format($$SELECT iso28000._membership_write(%s, 'tap_mw_boss', 'read', 'tap_mw_boss')$$, :a),
                 'IS004', NULL, 'the last manager cannot demote himself through _membership_write');
SELECT throws_ok(format($$SELECT iso28000._membership_write(%s, 'tap_mw_other', 'owner', 'tap_mw_boss')$$, :a),
                 'IS003', NULL, 'an unknown level is refused by _membership_write');
SELECT throws_ok(format($$SELECT iso28000.revoke_access(%s, 'tap_mw_boss')$$, :a),
                 'IS004', NULL, 'revoke_access keeps the rule');
SELECT throws_ok(format($$SELECT iso28000.grant_access(%s, 'tap_mw_other', 'owner')$$, :a),
                 'IS003', NULL, 'grant_access keeps the level check');
RESET ROLE;

-- A session of its own: the writer names the manager as the caller.
SET SESSION AUTHORIZATION tap_mw_writer;
SELECT is(session_user::text, 'tap_mw_writer', 'the session user is the writer, not a superuser');
SELECT throws_ok(format($$SELECT iso28000._membership_write(%s, 'tap_mw_writer', 'manage', 'tap_mw_boss')$$, :a),
                 'IS001', NULL, 'a writer''s session cannot pass the manager as caller to make himself manager');
SELECT throws_ok(format($$SELECT iso28000._membership_write(%s, 'tap_mw_other', 'write', 'tap_mw_boss')$$, :a),
                 'IS001', NULL, 'nor to let another role in');
SELECT throws_ok(format($$SELECT iso28000._membership_write(%s, 'tap_mw_writer', NULL, 'tap_mw_boss')$$, :a),
                 'IS001', NULL, 'nor to remove a membership');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_mw_other;
SELECT throws_ok(format($$SELECT iso28000._membership_write(%s, 'tap_mw_other', 'read', 'tap_mw_boss')$$, :a),
                 'IS001', NULL, 'a role of nobody cannot pass the manager as caller either');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a AND table_name = 'iso28000.membership'),
          (SELECT count(*) FROM iso28000.history WHERE org_id = :a AND table_name = 'iso28000.membership' AND operation = 'INSERT'),
          'the membership chain holds only the grants made through grant_access');
SELECT ok(pg_temp.membership_unchanged(), 'nothing of the refused changes was written');

SET ROLE tap_mw_boss;
SELECT lives_ok(format($$SELECT iso28000.grant_access(%s, 'tap_mw_other', 'read')$$, :a),
                'a manager still grants access');
RESET ROLE;
-- A session that can become the manager's role passes it as the caller.
SET SESSION AUTHORIZATION tap_mw_deputy;
SELECT lives_ok(format($$SELECT iso28000._membership_write(%s, 'tap_mw_other', 'write', 'tap_mw_boss')$$, :a),
                'a member of the manager''s role may name it as the caller');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'A''s chain verifies');

SELECT * FROM finish();
ROLLBACK;
