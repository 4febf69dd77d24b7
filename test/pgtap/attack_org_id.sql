-- Attack 5 (second half) of issue 11: org_id never changes on any register.
--
-- Reported: UPDATE ... SET org_id = ... by a writer of two organisations moved
-- a record into the other one; the first organisation's chain kept only its
-- INSERT, its auditors lost the record, and the chain still verified.  The
-- history recorder, which every register carries (history_chain.sql checks
-- that), refuses such an UPDATE with IS212, whoever makes it.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(16);

CREATE ROLE tap_o_boss NOLOGIN;   -- manages A and B
CREATE ROLE tap_o_two NOLOGIN;    -- writes A and B: the attacker
CREATE ROLE tap_o_one NOLOGIN;    -- writes A only
SELECT iso28000.create_organization('O-A', 'Org A', 'tap_o_boss') AS a \gset
SELECT iso28000.create_organization('O-B', 'Org B', 'tap_o_boss') AS b \gset
SELECT iso28000.grant_access(:a, 'tap_o_two', 'write');
SELECT iso28000.grant_access(:b, 'tap_o_two', 'write');
SELECT iso28000.grant_access(:a, 'tap_o_one', 'write');
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Paula of A') RETURNING person_id AS p \gset
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:a, 'NC of A', 'minor')
  RETURNING nonconformity_id AS nc \gset

CREATE TEMP TABLE chain_before AS SELECT org_id, seq FROM iso28000.history_head;
CREATE FUNCTION pg_temp.chain_unchanged(org bigint) RETURNS boolean LANGUAGE sql AS $$
  SELECT (SELECT seq FROM iso28000.history_head WHERE org_id = org) =
         (SELECT seq FROM chain_before WHERE org_id = org)
     AND (SELECT valid FROM iso28000.verify_history(org))
$$;

SET SESSION AUTHORIZATION tap_o_two;
SELECT throws_ok(format($$UPDATE iso28000.person SET org_id = %s WHERE org_id = %s AND person_id = %s$$, :b, :a, :p),
                 'IS212', format('org_id of a row of register "iso28000.person" cannot change (from %s to %s)', :a, :b),
                 'a writer of both organisations cannot move a person (IS212)');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET org_id = %s WHERE org_id = %s$$, :b, :a),
                 'IS212', NULL, 'nor a nonconformity (a register with a workflow)');
SELECT throws_ok(format($$UPDATE iso28000.person SET org_id = CASE WHEN person_id = %s THEN %s ELSE org_id END,
                                                   full_name = full_name || '.'$$, :p, :b),
                 'IS212', NULL, 'nor one row among others of a statement: the whole statement is refused');
SELECT lives_ok(format($$UPDATE iso28000.person SET org_id = org_id, job_title = 'auditor' WHERE person_id = %s$$, :p),
                'an UPDATE that sets org_id to its own value passes');
RESET SESSION AUTHORIZATION;

-- Columns and variants the attacker would try next.
SET SESSION AUTHORIZATION tap_o_boss;
SELECT throws_ok(format($$UPDATE iso28000.membership SET org_id = %s WHERE org_id = %s AND member = 'tap_o_one'::regrole$$, :b, :a),
                 'IS212', NULL, 'a manager of both cannot move a membership');
SELECT throws_ok(format($$UPDATE iso28000.organization SET org_id = org_id + 1000 WHERE org_id = %s$$, :a),
                 '428C9', NULL, 'nor renumber an organisation (its org_id is GENERATED ALWAYS)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_o_one;
SELECT throws_ok(format($$UPDATE iso28000.person SET org_id = %s WHERE person_id = %s$$, :b, :p),
                 '42501', NULL, 'a writer of A only is stopped by row-level security first');
RESET SESSION AUTHORIZATION;
-- Not even the owner (row-level security bypassed) moves a record.
SELECT throws_ok(format($$UPDATE iso28000.person SET org_id = %s WHERE person_id = %s$$, :b, :p),
                 'IS212', NULL, 'nor the extension''s owner');

SELECT is((SELECT org_id FROM iso28000.person WHERE person_id = :p), :a::bigint, 'the person stayed in A');
SELECT is((SELECT org_id FROM iso28000.nonconformity WHERE nonconformity_id = :nc), :a::bigint, 'the nonconformity stayed in A');
SELECT is((SELECT count(*)::int FROM iso28000.membership WHERE org_id = :a AND member = 'tap_o_one'::regrole), 1,
          'the membership stayed in A');
SELECT ok(pg_temp.chain_unchanged(:b), 'B''s chain has no new record and verifies');
SELECT is((SELECT seq FROM iso28000.history_head WHERE org_id = :a), (SELECT seq + 1 FROM chain_before WHERE org_id = :a),
          'A''s chain has one new record: the UPDATE that kept org_id');
SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'and verifies');
SELECT is((SELECT count(*)::int FROM iso28000.history WHERE org_id = :b AND row_key->>'person_id' = :p::text), 0,
          'no record of the person in B''s chain');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'tap_o_%' AND (rolsuper OR rolcreaterole OR rolbypassrls)),
          0, 'no role of the test gained a privilege');

SELECT * FROM finish();
ROLLBACK;
