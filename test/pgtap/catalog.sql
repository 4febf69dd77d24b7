-- The clause catalog: seeded content, hierarchy, checks, who may change it,
-- what pg_dump keeps, and the per-organisation licensed wording.
BEGIN;
CREATE EXTENSION iso28000;
SET LOCAL search_path = public, iso28000;
SELECT plan(22);

SELECT is((SELECT count(*)::int FROM iso28000.clause WHERE standard = 'ISO 28000:2022'), 62, '62 clauses of ISO 28000:2022 are seeded');
SELECT is((SELECT count(*)::int FROM iso28000.clause WHERE standard = 'ISO 28000:2022' AND clause >= '4' AND clause < '11'), 59,
          '59 of them are in clauses 4 to 10');
SELECT results_eq($$SELECT pdca, count(*)::int FROM iso28000.clause WHERE standard = 'ISO 28000:2022' AND pdca IS NOT NULL GROUP BY pdca ORDER BY min(clause)$$,
                  $$VALUES ('plan', 23), ('do', 24), ('check', 9), ('act', 3)$$, 'PDCA phases follow the project convention');
SELECT is((SELECT title FROM iso28000.clause WHERE standard = 'ISO 28000:2022' AND clause = '8.6.4'), 'Content of the security plans', 'titles are seeded');
SELECT is((SELECT parent::text FROM iso28000.clause WHERE standard = 'ISO 28000:2022' AND clause = '9.3.2'), '9.3', 'parent of 9.3.2 is 9.3');
SELECT is_empty($$SELECT 1 FROM iso28000.clause WHERE iso28000.depth(clause) = 1 AND parent IS NOT NULL$$, 'top-level clauses have no parent');
SELECT results_eq($$SELECT clause::text FROM iso28000.clause WHERE standard = 'ISO 28000:2022' AND clause <@ '9.2' ORDER BY clause$$,
                  ARRAY['9.2', '9.2.1', '9.2.2'], '<@ finds a clause and its sub-clauses');
SELECT ok((SELECT bool_and(seeded) FROM iso28000.clause), 'seeded rows are marked seeded');
SELECT is((SELECT array_agg(c.relname || ' ' || t.cond ORDER BY c.relname)
             FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS t(cfg, cond) JOIN pg_class c ON c.oid = t.cfg
            WHERE e.extname = 'iso28000' AND t.cfg IN ('iso28000.clause'::regclass, 'iso28000.standard'::regclass)),
          ARRAY['clause WHERE NOT seeded', 'standard WHERE NOT seeded'],
          'pg_dump keeps only user-added standards and clauses');

-- checks
INSERT INTO iso28000.standard (standard, title, publisher) VALUES ('ISO 9001:2015', 'Quality management systems', 'ISO');
SELECT lives_ok($$INSERT INTO iso28000.clause (standard, clause, title, seq) VALUES ('ISO 9001:2015', 'A.5', 'Organizational controls', 1)$$,
                'the DBA loads another catalog');
SELECT lives_ok($$INSERT INTO iso28000.clause (standard, clause, title, parent, seq) VALUES ('ISO 9001:2015', 'A.5.1', 'Policies for information security', 'A.5', 2)$$,
                'annex clauses fit the same catalog');
SELECT ok(NOT (SELECT seeded FROM iso28000.clause WHERE standard = 'ISO 9001:2015' AND clause = 'A.5.1'), 'a user-added clause is not seeded, so it is dumped');
SELECT throws_ok($$INSERT INTO iso28000.clause (standard, clause, title, parent, seq) VALUES ('ISO 9001:2015', 'A.5.2', 'X', 'A.6', 3)$$,
                 '23514', NULL, 'a parent that is not the clause''s parent is refused');
SELECT throws_ok($$INSERT INTO iso28000.clause (standard, clause, title, parent, seq) VALUES ('ISO 9001:2015', 'A.6.1', 'X', 'A.6', 3)$$,
                 '23503', NULL, 'a parent missing from the catalog is refused');
SELECT throws_ok($$INSERT INTO iso28000.clause (standard, clause, title, pdca, seq) VALUES ('ISO 9001:2015', 'A.7', 'X', 'improve', 4)$$,
                 '23514', NULL, 'an unknown PDCA phase is refused');
SELECT throws_ok($$INSERT INTO iso28000.clause (standard, clause, title, seq) VALUES ('ISO 9001:2015', 'A.8', ' ', 5)$$,
                 '23514', NULL, 'a clause needs a title');
SELECT throws_ok($$INSERT INTO iso28000.clause (standard, clause, title, seq) VALUES ('ISO 99999', '1', 'X', 1)$$,
                 '23503', NULL, 'a clause of an unknown standard is refused');

-- who may change the catalog, and the licensed wording per organisation
CREATE ROLE tap_cat_a NOLOGIN;
CREATE ROLE tap_cat_b NOLOGIN;
SELECT iso28000.create_organization('CAT-A', 'A', 'tap_cat_a') AS a \gset
SELECT iso28000.create_organization('CAT-B', 'B', 'tap_cat_b') AS b \gset
SET SESSION AUTHORIZATION tap_cat_a;
SELECT throws_ok($$INSERT INTO iso28000.clause (standard, clause, title, seq) VALUES ('ISO 28000:2022', '11', 'X', 99)$$,
                 '42501', NULL, 'a member cannot change the shared catalog');
SELECT lives_ok(format($$INSERT INTO iso28000.clause_wording (org_id, standard, clause, requirement_text, licence)
                         VALUES (%s, 'ISO 28000:2022', '10.2', 'Licensed wording of 10.2.', 'Licence 42')$$, :a),
                'an organisation loads its licensed wording');
SELECT is((SELECT requirement_text FROM iso28000.clause_catalog WHERE standard = 'ISO 28000:2022' AND clause = '10.2'), 'Licensed wording of 10.2.',
          'clause_catalog shows the organisation''s wording');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_cat_b;
SELECT is((SELECT count(*)::int FROM iso28000.clause_catalog WHERE requirement_text IS NOT NULL), 0,
          'another organisation does not see that wording');
SELECT throws_ok(format($$INSERT INTO iso28000.clause_wording (org_id, standard, clause, requirement_text) VALUES (%s, 'ISO 28000:2022', '10.2', 'x')$$, :a),
                 '42501', NULL, 'nor can it load wording for the first');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
