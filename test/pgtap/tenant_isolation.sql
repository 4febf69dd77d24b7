-- Tenant model: two organisations, non-superuser roles, row-level security,
-- membership levels, and every refusal of the tenant functions with its SQLSTATE.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(40);

CREATE ROLE tap_alice NOLOGIN;   -- manages A
CREATE ROLE tap_bob NOLOGIN;     -- manages B
CREATE ROLE tap_carol NOLOGIN;   -- reads A
CREATE ROLE tap_dave NOLOGIN;    -- member of nothing
CREATE ROLE tap_team NOLOGIN;    -- a group role with write on A
CREATE ROLE tap_erin NOLOGIN IN ROLE tap_team;  -- inherits the group's access

SELECT iso28000.create_organization('ORG-A', 'Harbour A', 'tap_alice') AS a \gset
SELECT iso28000.create_organization('ORG-B', 'Carrier B', 'tap_bob') AS b \gset

-- the owner of the data is not needed: every check below runs as a plain role
SELECT ok(NOT rolsuper, 'tap_alice is not a superuser') FROM pg_roles WHERE rolname = 'tap_alice';
SELECT isnt((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'iso28000.person'::regclass), 'tap_alice',
            'tap_alice does not own the registers');

SET SESSION AUTHORIZATION tap_alice;
SELECT lives_ok(format($$SELECT iso28000.grant_access(%s, 'tap_carol', 'read')$$, :a), 'a manager grants read');
SELECT lives_ok(format($$SELECT iso28000.grant_access(%s, 'tap_team', 'write')$$, :a), 'a manager grants write to a group role');
SELECT lives_ok(format($$INSERT INTO iso28000.person (org_id, full_name, email, db_role)
                         VALUES (%s, 'Alice Able', 'alice@a.example', 'tap_alice')$$, :a),
                'a manager records a person of A');
SELECT results_eq('SELECT code FROM iso28000.organization', ARRAY['ORG-A'], 'A sees only its organisation');
SELECT throws_ok(format($$INSERT INTO iso28000.person (org_id, full_name) VALUES (%s, 'Intruder')$$, :b),
                 '42501', NULL, 'a member of A cannot insert into B');
SELECT throws_ok(format($$SELECT iso28000.grant_access(%s, 'tap_alice', 'read')$$, :b),
                 'IS001', NULL, 'a member of A cannot grant access to B');
SELECT throws_ok(format($$SELECT iso28000.grant_access(%s, 'tap_carol', 'owner')$$, :a),
                 'IS003', 'unknown access level "owner"', 'an unknown level is refused');
SELECT throws_ok(format($$SELECT iso28000.revoke_access(%s, 'tap_alice')$$, :a),
                 'IS004', NULL, 'the last manager cannot be revoked');
SELECT throws_ok(format($$SELECT iso28000.grant_access(%s, 'tap_alice', 'write')$$, :a),
                 'IS004', NULL, 'the last manager cannot be downgraded');
SELECT is(iso28000.current_person(:a), (SELECT person_id FROM iso28000.person WHERE db_role = 'tap_alice'),
          'current_person maps the role to its person');
SELECT is(iso28000._role_orgs('tap_bob', 'read'), '{}'::bigint[], 'membership of a role the session cannot become is not revealed');
SELECT throws_ok($$SELECT iso28000.create_organization('ORG-C', 'C')$$, '42501', NULL,
                 'creating organisations needs EXECUTE granted by the DBA');
RESET SESSION AUTHORIZATION;

SET SESSION AUTHORIZATION tap_bob;
SELECT lives_ok(format($$INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (%s, 'Bob Baker', 'tap_bob')$$, :b),
                'B records its own person');
SELECT results_eq('SELECT full_name FROM iso28000.person', ARRAY['Bob Baker'], 'B sees only its people');
SELECT is_empty(format('SELECT 1 FROM iso28000.membership WHERE org_id = %s', :a), 'B does not see A''s members');
UPDATE iso28000.person SET full_name = 'Changed' WHERE org_id = :a;
DELETE FROM iso28000.person WHERE org_id = :a;
UPDATE iso28000.organization SET name = 'Renamed' WHERE org_id = :a;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT full_name FROM iso28000.person WHERE org_id = :a), 'Alice Able', 'B could neither update nor delete A''s rows');
SELECT is((SELECT name FROM iso28000.organization WHERE org_id = :a), 'Harbour A', 'B could not rename A');

SET SESSION AUTHORIZATION tap_carol;
SELECT results_eq('SELECT full_name FROM iso28000.person', ARRAY['Alice Able'], 'a read member sees A');
SELECT throws_ok(format($$INSERT INTO iso28000.person (org_id, full_name) VALUES (%s, 'Carol')$$, :a),
                 '42501', NULL, 'a read member cannot insert');
UPDATE iso28000.person SET full_name = 'Carol was here';
DELETE FROM iso28000.person;
SELECT throws_ok(format($$SELECT iso28000.grant_access(%s, 'tap_dave', 'read')$$, :a),
                 'IS001', NULL, 'a read member cannot grant');
SELECT throws_ok(format($$SELECT iso28000.require_level(%s, 'write')$$, :a),
                 'IS001', 'role "tap_carol" does not have write access to organisation ' || :a, 'require_level names role, level and organisation');
SELECT ok(iso28000.has_level(:a, 'read') AND NOT iso28000.has_level(:a, 'write'), 'has_level follows the level order');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT full_name FROM iso28000.person WHERE org_id = :a), 'Alice Able', 'a read member changed nothing');

SET SESSION AUTHORIZATION tap_erin;
SELECT lives_ok(format($$INSERT INTO iso28000.person (org_id, full_name) VALUES (%s, 'Erin via group')$$, :a),
                'a role inherits the access of its group');
SELECT is(iso28000.member_orgs('write'), ARRAY[:a]::bigint[], 'member_orgs lists organisations through group roles');
RESET SESSION AUTHORIZATION;

SET SESSION AUTHORIZATION tap_dave;
SELECT is_empty('SELECT 1 FROM iso28000.person', 'a non-member sees no people');
SELECT is_empty('SELECT 1 FROM iso28000.organization', 'a non-member sees no organisation');
SELECT is_empty('SELECT 1 FROM iso28000.membership', 'a non-member sees no membership');
SELECT throws_ok(format($$INSERT INTO iso28000.membership (org_id, member, level) VALUES (%s, 'tap_dave', 'manage')$$, :a),
                 '42501', NULL, 'a non-member cannot make itself a member');
RESET SESSION AUTHORIZATION;

-- create_organization, granted by the DBA
GRANT EXECUTE ON FUNCTION iso28000.create_organization(text, text, regrole) TO tap_alice;
SET SESSION AUTHORIZATION tap_alice;
SELECT throws_ok($$SELECT iso28000.create_organization('ORG-C', 'C', 'tap_bob')$$, 'IS002', NULL,
                 'a new organisation''s manager must be a role the session can become');
RESET SESSION AUTHORIZATION;
SELECT lives_ok($$SELECT iso28000.create_organization('ORG-C', 'Org C', 'tap_alice')$$, 'the DBA creates an organisation for a manager');
SELECT throws_ok($$SELECT iso28000.create_organization('bad code!', 'X')$$, '23514', NULL, 'an organisation code is checked');
SELECT throws_ok($$SELECT iso28000.create_organization('ORG-D', '  ')$$, '23514', NULL, 'an organisation name is required');
SELECT throws_ok(format($$INSERT INTO iso28000.person (org_id, full_name, email) VALUES (%s, 'X', 'not-an-email')$$, :a),
                 '23514', NULL, 'an e-mail address is checked');
SELECT throws_ok(format($$INSERT INTO iso28000.person (org_id, full_name) VALUES (%s, '')$$, :a),
                 '23514', NULL, 'a person needs a name');

CREATE TABLE iso28000.tap_no_org (id int);
SELECT throws_ok($$SELECT iso28000.register_table('iso28000.tap_no_org')$$, 'IS005', NULL,
                 'a table without org_id cannot be a register');
SELECT lives_ok(format($$SELECT iso28000.revoke_access(%s, 'tap_carol')$$, :a), 'revoke_access removes a member');
SET SESSION AUTHORIZATION tap_carol;
SELECT is_empty('SELECT 1 FROM iso28000.person', 'a revoked member sees nothing');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
