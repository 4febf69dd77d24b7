-- define_workflow(): a workflow declared with named properties writes the same
-- rows as the four tables take, and every misconfigured rule is refused where
-- it is declared, with its SQLSTATE, writing nothing.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(20);

CREATE FUNCTION pg_temp.ok_guard(r iso28000.risk, f text, t text) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
CREATE FUNCTION pg_temp.bad_guard(r iso28000.risk, f text) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;

-- a good declaration
SELECT lives_ok($$SELECT iso28000.define_workflow('t_good', 'A test workflow.',
  states => '[{"state": "open", "initial": true, "deletable": true, "description": "Open.", "requires": {"title": "the title"}},
              {"state": "shut", "terminal": true, "frozen": true}]',
  transitions => '[{"from": "open", "to": "shut", "level": "audit", "guard": "pg_temp.ok_guard(iso28000.risk, text, text)", "note": "n"}]')$$,
  'a well-formed workflow is declared');
SELECT results_eq($$SELECT state, is_initial, is_terminal, is_frozen, deletable, description, builtin
                      FROM iso28000.workflow_state WHERE workflow = 't_good' ORDER BY state$$,
                  $$VALUES ('open', true, false, false, true, 'Open.'::text, false), ('shut', false, true, true, false, NULL, false)$$,
                  'its states, with unset booleans false');
SELECT is((SELECT string_agg(format('%s/%s/%s/%s/%s', from_state, to_state, required_level,
                                    guard = 'pg_temp.ok_guard(iso28000.risk, text, text)'::regprocedure, note), ';')
             FROM iso28000.workflow_transition WHERE workflow = 't_good'),
          'open/shut/audit/t/n', 'its transition, with level, guard and note');
SELECT is((SELECT string_agg(format('%s/%s/%s', state, column_name, description), ';')
             FROM iso28000.workflow_required_column WHERE workflow = 't_good'),
          'open/title/the title', 'its required column');
SELECT is((SELECT count(*) FROM iso28000.workflow WHERE builtin), 10::bigint,
          'the ten workflows of the install script (provider_exception, segment_assessment and security_incident among them) are builtin, and no other');

-- refusals
SELECT throws_ok($$SELECT iso28000.define_workflow('t_good', 'Again.', '[{"state": "a", "initial": true}]', '[]')$$,
                 'IS130', 'workflow "t_good" is already defined', 'a workflow declared twice: IS130');
SELECT throws_ok($$SELECT iso28000.define_workflow('T-Bad', 'x', '[{"state": "a", "initial": true}]', '[]')$$,
                 'IS131', NULL, 'a workflow name that is not an identifier: IS131');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_1', '  ', '[{"state": "a", "initial": true}]', '[]')$$,
                 'IS131', NULL, 'no description: IS131');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_2', 'x', '{"a": 1}', '[]')$$,
                 'IS131', NULL, 'states that are not an array: IS131');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_3', 'x', '[{"state": "a", "intial": true}]', '[]')$$,
                 'IS132', 'workflow "t_3", state "a": unknown properties intial', 'a misspelt property is refused, not skipped: IS132');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_4', 'x', '[{"state": "a", "initial": "yes"}]', '[]')$$,
                 'IS132', NULL, 'a boolean given as a string: IS132');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_5', 'x', '[{"state": "a", "initial": true, "requires": ["title"]}]', '[]')$$,
                 'IS132', NULL, 'requires that is not an object: IS132');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_6', 'x', format('[{"state": "%s", "initial": true}]', repeat('a', 64))::jsonb, '[]')$$,
                 'IS133', NULL, 'an over-long state name is refused, not skipped: IS133');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_7', 'x', '[{"state": "a", "initial": true}, {"state": "a"}]', '[]')$$,
                 'IS133', NULL, 'a state declared twice: IS133');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_8', 'x', '[{"state": "a"}, {"state": "b"}]', '[]')$$,
                 'IS134', NULL, 'no initial state: IS134');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_9', 'x', '[{"state": "a", "initial": true}]',
                   '[{"from": "a", "to": "z", "level": "write"}]')$$,
                 'IS135', NULL, 'a transition to an undeclared state: IS135');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_10', 'x', '[{"state": "a", "initial": true}, {"state": "b"}]',
                   '[{"from": "a", "to": "b", "level": "owner"}]')$$,
                 'IS136', NULL, 'an unknown level is refused, not taken as write: IS136');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_11', 'x', '[{"state": "a", "initial": true}, {"state": "b"}]',
                   '[{"from": "a", "to": "b"}]')$$,
                 'IS136', NULL, 'a transition without a level is refused, not defaulted: IS136');
SELECT throws_ok($$SELECT iso28000.define_workflow('t_12', 'x', '[{"state": "a", "initial": true}, {"state": "b"}]',
                   '[{"from": "a", "to": "b", "level": "write", "guard": "pg_temp.bad_guard(iso28000.risk, text)"}]')$$,
                 'IS137', NULL, 'a guard without the guard''s signature: IS137');
SELECT is((SELECT count(*) FROM iso28000.workflow WHERE workflow ~ '^t_[0-9]'), 0::bigint,
          'a refused declaration writes nothing');

SELECT * FROM finish();
ROLLBACK;
