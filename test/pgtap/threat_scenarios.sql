-- The threat scenario catalog (ISO 28000 6.1.2, 8.3; issue 15): the register
-- (key, every CHECK refusing with 23514 and a test that none is left
-- untested, uniqueness per organisation), seed_threat_scenarios() (examples
-- added once, kept when edited, needs write), the risk's foreign key to the
-- catalog inside the organisation, and tenant isolation with non-superuser
-- members.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(28);

CREATE SCHEMA tap_ts;
CREATE TABLE tap_ts.ids (name text PRIMARY KEY, id bigint NOT NULL);
CREATE FUNCTION tap_ts.id(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT id FROM tap_ts.ids WHERE name = $1 $$;
GRANT USAGE ON SCHEMA tap_ts TO PUBLIC;
GRANT SELECT, INSERT ON tap_ts.ids TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA tap_ts TO PUBLIC;

CREATE ROLE tap_ts_alice NOLOGIN;   -- manages A
CREATE ROLE tap_ts_amy NOLOGIN;     -- reads A
CREATE ROLE tap_ts_bob NOLOGIN;     -- manages B
INSERT INTO tap_ts.ids SELECT 'a', iso28000.create_organization('TS-A', 'Port A', 'tap_ts_alice');
INSERT INTO tap_ts.ids SELECT 'b', iso28000.create_organization('TS-B', 'Carrier B', 'tap_ts_bob');
SELECT iso28000.grant_access(tap_ts.id('a'), 'tap_ts_amy', 'read');

SELECT has_table('iso28000', 'threat_scenario', 'the catalog exists');
SELECT col_is_pk('iso28000', 'threat_scenario', ARRAY['org_id', 'threat_scenario_id'], 'keyed by organisation first');
SELECT ok((SELECT 'iso28000.threat_scenario'::regclass::oid = ANY (e.extconfig) FROM pg_extension e WHERE e.extname = 'iso28000'),
          'pg_dump keeps the catalog''s rows');
SELECT has_column('iso28000', 'risk', 'threat_scenario_id', 'a risk may name a scenario of the catalog');
SELECT fk_ok('iso28000', 'risk', ARRAY['org_id', 'threat_scenario_id'],
             'iso28000', 'threat_scenario', ARRAY['org_id', 'threat_scenario_id'],
             'the risk''s scenario is one of its own organisation');

-- Seeding, as the manager of A (a non-superuser member) ---------------------
SET ROLE tap_ts_alice;
SELECT is(iso28000.seed_threat_scenarios(tap_ts.id('a')), 8, 'seed_threat_scenarios adds the eight examples');
SELECT is((SELECT count(*)::int FROM iso28000.threat_scenario WHERE org_id = tap_ts.id('a') AND seeded AND active), 8,
          'they are marked seeded and active');
UPDATE iso28000.threat_scenario SET title = 'Truck theft on the A15' WHERE org_id = tap_ts.id('a') AND code = 'SC-THEFT-TRANSIT';
DELETE FROM iso28000.threat_scenario WHERE org_id = tap_ts.id('a') AND code = 'SC-NODE-LOSS';
SELECT is(iso28000.seed_threat_scenarios(tap_ts.id('a')), 1, 'seeding again adds only the example whose code is missing');
SELECT is((SELECT title FROM iso28000.threat_scenario WHERE org_id = tap_ts.id('a') AND code = 'SC-THEFT-TRANSIT'),
          'Truck theft on the A15', 'and keeps the organisation''s edits');
SELECT throws_ok($$SELECT iso28000.seed_threat_scenarios(tap_ts.id('b'))$$, 'IS001', NULL,
                 'A''s manager cannot seed B''s catalog');
WITH s AS (INSERT INTO iso28000.threat_scenario (org_id, code, title, category, chain_position)
           VALUES (tap_ts.id('a'), 'A-DRONE', 'Drone over the stacks', 'other', 'at_node') RETURNING threat_scenario_id)
INSERT INTO tap_ts.ids SELECT 'own', threat_scenario_id FROM s;
SELECT ok(tap_ts.id('own') IS NOT NULL, 'A''s manager adds a scenario of her own');
SELECT lives_ok($$INSERT INTO iso28000.risk (org_id, title, threat, threat_scenario_id)
                  SELECT tap_ts.id('a'), 'Drone reconnaissance', 'Organised crime', tap_ts.id('own')$$,
                'a risk names a scenario of its organisation');
RESET ROLE;

SET ROLE tap_ts_amy;
SELECT is((SELECT count(*)::int FROM iso28000.threat_scenario WHERE org_id = tap_ts.id('a')), 9, 'a reader of A sees A''s catalog');
SELECT throws_ok($$SELECT iso28000.seed_threat_scenarios(tap_ts.id('a'))$$, 'IS001', NULL,
                 'a reader cannot seed (write needed)');
SELECT throws_ok($$INSERT INTO iso28000.threat_scenario (org_id, code, title) VALUES (tap_ts.id('a'), 'R-1', 'x')$$,
                 '42501', NULL, 'a reader cannot add a scenario');
RESET ROLE;

-- Tenant isolation ----------------------------------------------------------
SET ROLE tap_ts_bob;
SELECT is((SELECT count(*)::int FROM iso28000.threat_scenario WHERE org_id = tap_ts.id('a')), 0, 'B''s manager sees none of A''s scenarios');
UPDATE iso28000.threat_scenario SET active = false WHERE org_id = tap_ts.id('a');
SELECT is(iso28000.seed_threat_scenarios(tap_ts.id('b')), 8, 'B seeds its own catalog with the same codes');
SELECT throws_ok($$INSERT INTO iso28000.risk (org_id, title, threat, threat_scenario_id)
                   VALUES (tap_ts.id('b'), 'Borrowed scenario', 'x', tap_ts.id('own'))$$,
                 '23503', NULL, 'a risk of B cannot name a scenario of A');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM iso28000.threat_scenario WHERE org_id = tap_ts.id('a') AND NOT active), 0,
          'B''s manager deactivated none of A''s scenarios');

-- Uniqueness and CHECK constraints -----------------------------------------
SELECT throws_ok($$INSERT INTO iso28000.threat_scenario (org_id, code, title) VALUES (tap_ts.id('a'), 'SC-SMUGGLE', 'Again')$$,
                 '23505', NULL, 'a code is unique within the organisation');

CREATE TEMP TABLE check_case (con text PRIMARY KEY, stmt text NOT NULL);
INSERT INTO check_case VALUES
  ('threat_scenario_code_format', $$INSERT INTO iso28000.threat_scenario (org_id, code, title) VALUES (tap_ts.id('a'), ' bad code', 't')$$),
  ('threat_scenario_code_format/long', $$INSERT INTO iso28000.threat_scenario (org_id, code, title) VALUES (tap_ts.id('a'), repeat('X', 41), 't')$$),
  ('threat_scenario_title_present', $$INSERT INTO iso28000.threat_scenario (org_id, code, title) VALUES (tap_ts.id('a'), 'T-1', '  ')$$),
  ('threat_scenario_category_valid', $$INSERT INTO iso28000.threat_scenario (org_id, code, title, category) VALUES (tap_ts.id('a'), 'T-1', 't', 'weather')$$),
  ('threat_scenario_chain_position_valid', $$INSERT INTO iso28000.threat_scenario (org_id, code, title, chain_position) VALUES (tap_ts.id('a'), 'T-1', 't', 'midstream')$$);
SELECT throws_ok(stmt, '23514',
                 format('new row for relation "threat_scenario" violates check constraint "%s"', split_part(con, '/', 1)),
                 'check ' || con || ' refuses')
  FROM check_case ORDER BY con;
SELECT is(
  (SELECT array_agg(conname::text ORDER BY 1) FROM pg_constraint k
    WHERE contype = 'c' AND conrelid = 'iso28000.threat_scenario'::regclass
      AND conname NOT IN (SELECT split_part(con, '/', 1) FROM check_case)),
  NULL, 'every CHECK constraint of the catalog has a refusing test');
SELECT lives_ok($$INSERT INTO iso28000.threat_scenario (org_id, code, title) VALUES (tap_ts.id('a'), 'ok.code_1-X', 'Fine')$$,
                'a code of letters, digits, dot, underscore and dash is accepted');

-- The history records the catalog.
SELECT ok((SELECT count(*) FROM iso28000.history h WHERE h.org_id = tap_ts.id('a') AND h.table_name = 'iso28000.threat_scenario') >= 11,
          'every change of the catalog is chained in the history');

SELECT * FROM finish();
ROLLBACK;
