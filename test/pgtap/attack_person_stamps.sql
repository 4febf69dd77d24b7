-- The "by" columns that issue 11 left as the client gave them
-- (doc/security.md, "Stamps come from the acting person"), decided per column:
--
-- - measured_by of indicator_measurement (9.1) and objective_measurement
--   (6.2): the evidence of performance that management review reads; the
--   person named vouches for the value.  Now stamped: an insert that leaves
--   it empty and every update write the acting person (stamp_acting_person
--   'measured_by:*'), a writer naming anyone else is refused (IS120), and
--   changing a measurement makes the one who changed it its measurer, so
--   nobody's name stays on a value they did not record.  A manager, who
--   decides who is who and could link any login to any person, may record
--   what someone else measured (an import of past measurements does).
-- - reported_by of a nonconformity or a security incident, made_by of a
--   leadership commitment, sent_by of an incident notification: testimony of
--   something done outside the database (a driver reports by phone, the
--   director commits in a meeting, a notification goes by fax), often by
--   someone without a login.  Kept as given; the history records, as a fact,
--   the acting person who entered it.
--
-- As non-superuser roles: each refusal with its SQLSTATE, nothing written,
-- the chain verifies.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(18);

CREATE ROLE tap_ps_mgr NOLOGIN;   -- manager of A
CREATE ROLE tap_ps_dir NOLOGIN;   -- the director, write
CREATE ROLE tap_ps_wes NOLOGIN;   -- a writer (the attacker)
CREATE ROLE tap_ps_app NOLOGIN;   -- a delegated application, write
SELECT iso28000.create_organization('PS', 'Person stamps', 'tap_ps_mgr') AS a \gset

SET SESSION AUTHORIZATION tap_ps_mgr;
SELECT iso28000.grant_access(:a, 'tap_ps_dir', 'write');
SELECT iso28000.grant_access(:a, 'tap_ps_wes', 'write');
SELECT iso28000.grant_access(:a, 'tap_ps_app', 'write');
SELECT iso28000.grant_delegation(:a, 'tap_ps_app', 'measurement feed');
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Dora Director', 'tap_ps_dir') RETURNING person_id AS dora \gset
INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (:a, 'Wes Writer', 'tap_ps_wes') RETURNING person_id AS wes \gset
INSERT INTO iso28000.indicator (org_id, name, unit, direction, target) VALUES (:a, 'Seal checks passed', '%', 'increase', 98)
  RETURNING indicator_id AS ind \gset
INSERT INTO iso28000.objective (org_id, title, target, unit, direction, due_on, owner_id, evaluation_method)
     VALUES (:a, 'Seals verified', 100, '%', 'increase', current_date + 90, :dora, 'Gate log sample') RETURNING objective_id AS obj \gset
RESET SESSION AUTHORIZATION;

SELECT ok(NOT bool_or(rolsuper), 'none of the actors is a superuser') FROM pg_roles WHERE rolname LIKE 'tap_ps_%';

-- The director records a measurement through her own login.
SET SESSION AUTHORIZATION tap_ps_dir;
INSERT INTO iso28000.indicator_measurement (org_id, indicator_id, measured_on, value)
     VALUES (:a, :ind, current_date - 30, 91) RETURNING measurement_id AS m_dora \gset
RESET SESSION AUTHORIZATION;
SELECT is((SELECT measured_by FROM iso28000.indicator_measurement WHERE org_id = :a AND measurement_id = :m_dora), :dora::bigint,
          'a measurement left without measured_by names the acting person');

-- The writer records one of his own.
SET SESSION AUTHORIZATION tap_ps_wes;
SELECT lives_ok(format($$INSERT INTO iso28000.objective_measurement (org_id, objective_id, measured_on, value, measured_by)
                         VALUES (%s, %s, current_date - 1, 97, %s)$$, :a, :obj, :wes),
                'a writer records a measurement naming himself');
RESET SESSION AUTHORIZATION;
SELECT objective_measurement_id AS m_wes FROM iso28000.objective_measurement WHERE org_id = :a \gset

CREATE TEMP TABLE before_attack AS SELECT count(*) AS records FROM iso28000.history WHERE org_id = :a;
GRANT SELECT ON before_attack TO PUBLIC;

SET SESSION AUTHORIZATION tap_ps_wes;
SELECT throws_ok(format($$INSERT INTO iso28000.indicator_measurement (org_id, indicator_id, measured_on, value, measured_by)
                          VALUES (%s, %s, current_date - 1, 99.5, %s)$$, :a, :ind, :dora),
                 'IS120', NULL, 'a writer cannot record a measurement in the director''s name (IS120)');
SELECT throws_ok(format($$INSERT INTO iso28000.objective_measurement (org_id, objective_id, measured_on, value, measured_by)
                          VALUES (%s, %s, current_date - 2, 100, %s)$$, :a, :obj, :dora),
                 'IS120', NULL, 'nor an objective''s measurement (IS120)');
SELECT throws_ok(format($$UPDATE iso28000.objective_measurement SET measured_by = %s
                          WHERE org_id = %s AND objective_measurement_id = %s$$, :dora, :a, :m_wes),
                 'IS120', NULL, 'nor put the director''s name on his own measurement (IS120)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM iso28000.indicator_measurement WHERE org_id = :a)
          + (SELECT count(*)::int FROM iso28000.objective_measurement WHERE org_id = :a), 2, 'no measurement was written');
SELECT is((SELECT value || ' ' || measured_by FROM iso28000.objective_measurement WHERE org_id = :a AND objective_measurement_id = :m_wes),
          '97 ' || :wes, 'his measurement still names him');
SELECT is((SELECT count(*) FROM iso28000.history WHERE org_id = :a), (SELECT records FROM before_attack),
          'the refused statements added nothing to the chain');

-- Changing a value makes it the changer's.
SET SESSION AUTHORIZATION tap_ps_wes;
SELECT lives_ok(format($$UPDATE iso28000.indicator_measurement SET value = 99.9, measured_by = %s
                         WHERE org_id = %s AND measurement_id = %s$$, :dora, :a, :m_dora),
                'a writer may correct the director''s value, even repeating her name');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT value || ' ' || measured_by FROM iso28000.indicator_measurement WHERE org_id = :a AND measurement_id = :m_dora),
          '99.9 ' || :wes, 'but the corrected value names him, not her');

-- A manager, who decides who is who, may record what someone else measured (an import does).
SET SESSION AUTHORIZATION tap_ps_mgr;
SELECT lives_ok(format($$INSERT INTO iso28000.indicator_measurement (org_id, indicator_id, measured_on, value, measured_by)
                         VALUES (%s, %s, current_date - 60, 88, %s)$$, :a, :ind, :dora),
                'a manager records a measurement the director took');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT measured_by FROM iso28000.indicator_measurement WHERE org_id = :a AND measured_on = current_date - 60), :dora::bigint,
          'in her name');

-- A delegated feed records for the person it acts for.
SET SESSION AUTHORIZATION tap_ps_app;
SELECT iso28000.act_as(:a, :dora);
INSERT INTO iso28000.objective_measurement (org_id, objective_id, measured_on, value) VALUES (:a, :obj, current_date, 98);
RESET SESSION AUTHORIZATION;
SELECT is((SELECT measured_by FROM iso28000.objective_measurement WHERE org_id = :a AND measured_on = current_date), :dora::bigint,
          'an application acting for the director records in her name');
SELECT is((SELECT h.acting_person FROM iso28000.history h
            WHERE h.org_id = :a AND h.table_name = 'iso28000.objective_measurement' ORDER BY h.seq DESC LIMIT 1), :dora::bigint,
          'and the history names her too');

-- Testimony, kept as given: the reporter of a nonconformity.
SET SESSION AUTHORIZATION tap_ps_wes;
INSERT INTO iso28000.nonconformity (org_id, title, severity, reported_by) VALUES (:a, 'Seal missing at gate 4', 'minor', :dora)
  RETURNING nonconformity_id AS nc \gset
RESET SESSION AUTHORIZATION;
SELECT is((SELECT reported_by FROM iso28000.nonconformity WHERE org_id = :a AND nonconformity_id = :nc), :dora::bigint,
          'reported_by is testimony: the writer may name the person who reported it to him');
SELECT is((SELECT h.acting_person FROM iso28000.history h
            WHERE h.org_id = :a AND h.table_name = 'iso28000.nonconformity' AND h.operation = 'INSERT' ORDER BY h.seq DESC LIMIT 1),
          :wes::bigint, 'the history names the writer who entered it, as a fact');

SELECT is((SELECT valid FROM iso28000.verify_history(:a)), true, 'A''s chain verifies');

SELECT * FROM finish();
ROLLBACK;
