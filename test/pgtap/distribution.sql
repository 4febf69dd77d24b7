-- iso28000.distribute(): without Citus it refuses with IS050; its dry run
-- plans every table of the extension, catalogs and the tenant directory as
-- reference tables, every other table with org_id distributed by org_id and
-- co-located, each table after the tables it references; a table Citus
-- would refuse is named (IS051).  CI has no Citus: the calls themselves are
-- not run here (doc/distribution.md).
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(16);

SELECT ok(NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus'), 'Citus is not installed here');

SELECT throws_ok('SELECT * FROM iso28000.distribute()', 'IS050',
                 'citus is not installed in this database',
                 'distribute() without Citus refuses with IS050');
SELECT throws_ok('SELECT * FROM iso28000.distribute(dry_run => true, shard_count => 0)', '22023', NULL,
                 'a shard count below 1 is refused');

CREATE TEMP TABLE plan AS SELECT * FROM iso28000.distribute(dry_run => true);

CREATE TEMP VIEW ext_table AS
SELECT c.oid::regclass AS relation,
       EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id') AS has_org
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'iso28000'
  JOIN pg_class c ON c.oid = d.objid
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass
   AND d.deptype = 'e' AND c.relkind IN ('r', 'p');

SELECT set_eq('SELECT relation FROM plan', 'SELECT relation FROM ext_table',
              'the dry run plans every table of the extension');
SELECT is((SELECT count(*) FROM plan), (SELECT count(DISTINCT relation) FROM plan),
          'each table appears once');
SELECT results_eq('SELECT step FROM plan ORDER BY step',
                  'SELECT generate_series(1, (SELECT count(*)::int FROM plan))',
                  'steps are numbered 1 to n');

SELECT set_eq($$SELECT relation FROM plan WHERE method = 'reference'$$,
              $$SELECT relation FROM ext_table
                 WHERE NOT has_org OR relation IN ('iso28000.organization'::regclass, 'iso28000.membership'::regclass)$$,
              'tables without org_id, organization and membership become reference tables');
SELECT set_eq($$SELECT relation FROM plan WHERE method = 'distributed'$$,
              $$SELECT relation FROM ext_table
                 WHERE has_org AND relation NOT IN ('iso28000.organization'::regclass, 'iso28000.membership'::regclass)$$,
              'every other table with org_id is distributed');
SELECT ok((SELECT max(step) FROM plan WHERE method = 'reference')
            < (SELECT min(step) FROM plan WHERE method = 'distributed'),
          'reference tables are converted before distributed ones');

SELECT is((SELECT array_agg(k.conname || ' on ' || k.conrelid::regclass ORDER BY 1)
             FROM pg_constraint k
             JOIN plan a ON a.relation = k.conrelid
             JOIN plan b ON b.relation = k.confrelid
            WHERE k.contype = 'f' AND k.conrelid <> k.confrelid AND b.step > a.step),
          NULL, 'every table comes after the tables its foreign keys reference');

SELECT is((SELECT command FROM plan WHERE method = 'distributed' ORDER BY step LIMIT 1),
          format('SELECT create_distributed_table(%L, %L)',
                 (SELECT relation FROM plan WHERE method = 'distributed' ORDER BY step LIMIT 1)::text, 'org_id'),
          'the first distributed table is distributed by org_id');
SELECT is((SELECT array_agg(relation ORDER BY step) FROM plan
            WHERE method = 'distributed' AND step > (SELECT min(step) FROM plan WHERE method = 'distributed')
              AND command !~ '^SELECT create_distributed_table\(''[a-z0-9_.]+'', ''org_id'', colocate_with => ''[a-z0-9_.]+''\)$'),
          NULL, 'every other distributed table is distributed by org_id, co-located with the first');
SELECT is((SELECT array_agg(relation ORDER BY step) FROM plan
            WHERE method = 'reference' AND command <> format('SELECT create_reference_table(%L)', relation::text)),
          NULL, 'reference tables are made with create_reference_table');
SELECT alike((SELECT command FROM iso28000.distribute(dry_run => true, shard_count => 64)
              WHERE method = 'distributed' ORDER BY step LIMIT 1),
            '%shard_count => 64)', 'a shard count goes to the first distributed table');

-- A table Citus would refuse: org_id outside its primary key.
CREATE TABLE iso28000.dist_probe (org_id bigint NOT NULL REFERENCES iso28000.organization,
                                  probe_id bigint PRIMARY KEY);
ALTER EXTENSION iso28000 ADD TABLE iso28000.dist_probe;
SELECT is((SELECT problem FROM iso28000._distribution_plan() WHERE relation = 'iso28000.dist_probe'::regclass),
          'unique index iso28000.dist_probe_pkey does not include org_id',
          'the plan names a unique key without org_id');
SELECT throws_ok('SELECT * FROM iso28000.distribute(dry_run => true)', 'IS051',
                 'the tables of iso28000 cannot be distributed by org_id as they stand',
                 'a table that cannot be distributed raises IS051, even in a dry run');

SELECT * FROM finish();
ROLLBACK;
