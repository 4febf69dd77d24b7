-- Least privilege: daily use needs no superuser, and a member, even a manager,
-- cannot step around the engines: no disabling a trigger or row-level
-- security, no changing a policy or a rule, no writing the history or the
-- event log, no TRUNCATE, no DDL in the extension's schema, no
-- session_replication_role.  Nothing is created in public.  (Comments, RLS
-- on every register and pinned search_path of definer functions are checked
-- by conventions.sql; data isolation between organisations by
-- tenant_isolation.sql.)  Each "escape" test lists what a member managed to
-- do, so a failure names it.
BEGIN;
CREATE TEMP TABLE public_before AS
SELECT 'relation ' || relname AS obj FROM pg_class WHERE relnamespace = 'public'::regnamespace
UNION ALL SELECT 'function ' || oid::regprocedure FROM pg_proc WHERE pronamespace = 'public'::regnamespace
UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace
UNION ALL SELECT 'operator ' || oid::regoperator FROM pg_operator WHERE oprnamespace = 'public'::regnamespace;
CREATE EXTENSION iso28000;
SELECT plan(24);

SELECT is(
  (SELECT array_agg(obj ORDER BY obj) FROM (
     SELECT 'relation ' || relname AS obj FROM pg_class WHERE relnamespace = 'public'::regnamespace
     UNION ALL SELECT 'function ' || oid::regprocedure FROM pg_proc WHERE pronamespace = 'public'::regnamespace
     UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace
     UNION ALL SELECT 'operator ' || oid::regoperator FROM pg_operator WHERE oprnamespace = 'public'::regnamespace
     EXCEPT SELECT obj FROM public_before) s),
  NULL, 'CREATE EXTENSION creates nothing in public (relations, functions, types, operators)');

-- The roles: a manager and a writer of organisation LP, a manager of another.
CREATE ROLE lp_manager NOLOGIN;
CREATE ROLE lp_writer NOLOGIN;
CREATE ROLE lp_other NOLOGIN;
SELECT iso28000.create_organization('LP', 'Least Privilege Ltd', 'lp_manager') AS lp \gset
SELECT iso28000.create_organization('LP-OTHER', 'Other Ltd', 'lp_other') AS other \gset

SELECT ok(NOT rolsuper AND NOT rolbypassrls AND NOT rolcreaterole AND NOT rolcreatedb, 'the daily roles are plain roles')
  FROM pg_roles WHERE rolname = 'lp_manager';

-- Daily use, as non-superuser members.
SET ROLE lp_manager;
SELECT lives_ok(format($$SELECT iso28000.grant_access(%s, 'lp_writer', 'write')$$, :lp),
                'a manager (no superuser) grants write access');
SELECT lives_ok(format($$INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (%s, 'Lena Writer', 'lp_writer')$$, :lp),
                'a manager records a person');
SET ROLE lp_writer;
SELECT lives_ok(format($$UPDATE iso28000.person SET job_title = 'Security officer' WHERE org_id = %s$$, :lp),
                'a writer (no superuser) updates a register');
SELECT is(iso28000.current_person(:lp), (SELECT person_id FROM iso28000.person WHERE db_role = 'lp_writer'),
          'a writer is mapped to its person');

-- What a member tries, and what it must not get away with.
RESET ROLE;
CREATE TEMP TABLE escaped (who name, what text);
GRANT ALL ON escaped TO PUBLIC;
-- Runs each statement as the current role and records the ones that went
-- through; every statement is rolled back (by the exception that follows it).
CREATE FUNCTION pg_temp.try_all(stmts text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
  FOREACH s IN ARRAY stmts LOOP
    BEGIN
      EXECUTE s;
      RAISE EXCEPTION USING ERRCODE = 'LP000';
    EXCEPTION
      WHEN SQLSTATE 'LP000' THEN INSERT INTO escaped VALUES (current_user, s);
      WHEN OTHERS THEN NULL;
    END;
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.try_all(text[]) TO PUBLIC;

CREATE TEMP TABLE ext_table AS
SELECT c.oid::regclass AS tbl,
       EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped) AS has_org
  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'iso28000') AND c.relkind IN ('r', 'p');
GRANT SELECT ON ext_table TO PUBLIC;

CREATE TEMP TABLE attempt AS
SELECT 'trigger' AS kind, format('ALTER TABLE %s DISABLE TRIGGER ALL', tbl) AS stmt FROM ext_table
UNION ALL SELECT 'trigger', format('ALTER TABLE %s DISABLE TRIGGER USER', tbl) FROM ext_table
UNION ALL SELECT 'trigger', format('ALTER TABLE %s DISABLE TRIGGER %I', tgrelid::regclass, tgname)
  FROM pg_trigger WHERE tgrelid IN (SELECT tbl FROM ext_table) AND NOT tgisinternal
UNION ALL SELECT 'trigger', format('DROP TRIGGER %I ON %s', tgname, tgrelid::regclass)
  FROM pg_trigger WHERE tgrelid IN (SELECT tbl FROM ext_table) AND NOT tgisinternal
UNION ALL SELECT 'rls', format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', tbl) FROM ext_table
UNION ALL SELECT 'rls', format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', tbl) FROM ext_table
UNION ALL SELECT 'policy', format('ALTER POLICY %I ON %s USING (true)', polname, polrelid::regclass)
  FROM pg_policy WHERE polrelid IN (SELECT tbl FROM ext_table)
UNION ALL SELECT 'policy', format('DROP POLICY %I ON %s', polname, polrelid::regclass)
  FROM pg_policy WHERE polrelid IN (SELECT tbl FROM ext_table)
UNION ALL SELECT 'policy', format('CREATE POLICY lp_all ON %s USING (true)', tbl) FROM ext_table
UNION ALL SELECT 'truncate', format('TRUNCATE %s', tbl) FROM ext_table
UNION ALL SELECT 'ddl', format('ALTER TABLE %s ADD COLUMN lp_extra text', tbl) FROM ext_table
UNION ALL SELECT 'ddl', format('DROP TABLE %s', tbl) FROM ext_table
UNION ALL SELECT 'ddl', 'CREATE TABLE iso28000.lp_mine (x int)'
UNION ALL SELECT 'ddl', 'CREATE FUNCTION iso28000.has_level(org bigint, min_level text, x int) RETURNS boolean LANGUAGE sql AS ''SELECT true'''
UNION ALL SELECT 'ddl', 'CREATE OR REPLACE FUNCTION iso28000.member_orgs(min_level text DEFAULT ''read'') RETURNS bigint[] LANGUAGE sql AS ''SELECT ARRAY(SELECT org_id FROM iso28000.organization)'''
UNION ALL SELECT 'ddl', format('ALTER FUNCTION %s SECURITY DEFINER', p.oid::regprocedure)
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'iso28000') AND p.prokind = 'f'
UNION ALL SELECT 'rules', format('INSERT INTO %s DEFAULT VALUES', tbl) FROM ext_table WHERE NOT has_org
UNION ALL SELECT 'rules', format('UPDATE %s SET %I = %I', tbl, a.attname, a.attname) FROM ext_table
  JOIN pg_attribute a ON a.attrelid = tbl AND a.attnum = 1 WHERE NOT has_org
UNION ALL SELECT 'rules', format('DELETE FROM %s', tbl) FROM ext_table WHERE NOT has_org
UNION ALL SELECT 'history', format('INSERT INTO %s SELECT * FROM %s', tbl, tbl) FROM ext_table
 WHERE tbl::text IN ('iso28000.history', 'iso28000.history_head', 'iso28000.workflow_event_batch')
UNION ALL SELECT 'history', format('UPDATE %s SET org_id = org_id', tbl) FROM ext_table
 WHERE tbl::text IN ('iso28000.history', 'iso28000.history_head', 'iso28000.workflow_event_batch')
UNION ALL SELECT 'history', format('DELETE FROM %s', tbl) FROM ext_table
 WHERE tbl::text IN ('iso28000.history', 'iso28000.history_head', 'iso28000.workflow_event_batch')
UNION ALL SELECT 'settings', 'SET session_replication_role = replica'
UNION ALL SELECT 'settings', 'SET LOCAL allow_system_table_mods = on'
UNION ALL SELECT 'settings', 'ALTER ROLE CURRENT_USER BYPASSRLS'
UNION ALL SELECT 'settings', 'LOAD ''$libdir/iso28000''';
GRANT SELECT ON attempt TO PUBLIC;

-- Each attempt, by the manager then by the writer.
SET ROLE lp_manager;
SELECT pg_temp.try_all(ARRAY(SELECT stmt FROM attempt));
SET ROLE lp_writer;
SELECT pg_temp.try_all(ARRAY(SELECT stmt FROM attempt));
RESET ROLE;

SELECT is((SELECT array_agg(who || ': ' || what ORDER BY 1) FROM escaped NATURAL JOIN (SELECT stmt AS what, kind FROM attempt) a WHERE kind = 'trigger'),
          NULL, 'a member cannot disable or drop a trigger of the extension (workflow, history, append-only guards)');
SELECT is((SELECT array_agg(who || ': ' || what ORDER BY 1) FROM escaped NATURAL JOIN (SELECT stmt AS what, kind FROM attempt) a WHERE kind = 'rls'),
          NULL, 'a member cannot switch off row-level security');
SELECT is((SELECT array_agg(who || ': ' || what ORDER BY 1) FROM escaped NATURAL JOIN (SELECT stmt AS what, kind FROM attempt) a WHERE kind = 'policy'),
          NULL, 'a member cannot alter, drop or add a policy');
SELECT is((SELECT array_agg(who || ': ' || what ORDER BY 1) FROM escaped NATURAL JOIN (SELECT stmt AS what, kind FROM attempt) a WHERE kind = 'truncate'),
          NULL, 'a member cannot TRUNCATE any table of the extension');
SELECT is((SELECT array_agg(who || ': ' || what ORDER BY 1) FROM escaped NATURAL JOIN (SELECT stmt AS what, kind FROM attempt) a WHERE kind = 'ddl'),
          NULL, 'a member cannot alter or drop a table, nor create, replace or alter a function in schema iso28000');
SELECT is((SELECT array_agg(who || ': ' || what ORDER BY 1) FROM escaped NATURAL JOIN (SELECT stmt AS what, kind FROM attempt) a WHERE kind = 'rules'),
          NULL, 'a member cannot insert, change or delete a rule or catalogue row (tables without org_id: workflow rules, levels, clauses...)');
SELECT is((SELECT array_agg(who || ': ' || what ORDER BY 1) FROM escaped NATURAL JOIN (SELECT stmt AS what, kind FROM attempt) a WHERE kind = 'history'),
          NULL, 'a member cannot write, change or delete the history, its chain heads or the workflow event log');
SELECT is((SELECT array_agg(who || ': ' || what ORDER BY 1) FROM escaped NATURAL JOIN (SELECT stmt AS what, kind FROM attempt) a WHERE kind = 'settings'),
          NULL, 'a member cannot set session_replication_role or allow_system_table_mods, take BYPASSRLS, or LOAD the library');
SELECT ok((SELECT count(*) FROM attempt) > 50, 'the attempts cover every table, trigger, policy and function of the extension');

-- The same, as privileges (so that a new table cannot slip through unnoticed).
SELECT is((SELECT array_agg(tbl::text || ' ' || p ORDER BY 1) FROM ext_table, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
            WHERE NOT has_org AND has_table_privilege('lp_manager', tbl, p)),
          NULL, 'no member holds INSERT, UPDATE, DELETE or TRUNCATE on a table without org_id (rules, catalogue)');
SELECT is((SELECT array_agg(tbl::text || ' ' || p ORDER BY 1) FROM ext_table, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
            WHERE tbl::text IN ('iso28000.history', 'iso28000.history_head', 'iso28000.workflow_event_batch')
              AND has_table_privilege('lp_manager', tbl, p)),
          NULL, 'no member holds INSERT, UPDATE, DELETE or TRUNCATE on the history, its heads or the event log');
SELECT is((SELECT array_agg(c.oid::regclass::text || ' ' || x.privilege_type ORDER BY 1)
             FROM pg_class c JOIN ext_table e ON e.tbl = c.oid, aclexplode(c.relacl) x
            WHERE x.grantee = 0 AND x.privilege_type NOT IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE')),
          NULL, 'PUBLIC holds no TRUNCATE, REFERENCES or TRIGGER privilege on any table of the extension');
SELECT is((SELECT array_agg(n ORDER BY 1) FROM unnest(ARRAY['lp_manager', 'lp_writer']) n
            WHERE has_schema_privilege(n, 'iso28000', 'CREATE')),
          NULL, 'members cannot create objects in schema iso28000');
SELECT ok(NOT has_schema_privilege('lp_manager', 'public', 'CREATE') OR current_setting('server_version_num')::int < 150000,
          'on PostgreSQL 15 and later, members cannot create objects in public either');

-- Definer functions: a pinned search_path that does not name a writable
-- schema ("$user", public) and names pg_temp last, so no member can plant an
-- object that the function would pick up.
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
             JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
             JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'iso28000',
                  unnest(p.proconfig) c
            WHERE p.prosecdef AND c LIKE 'search_path=%'
              AND (c ~ '(^search_path=|, *)("\$user"|\$user|public)( *,|$)'
                   OR c !~ 'pg_temp$')),
          NULL, 'every SECURITY DEFINER function''s search_path names neither "$user" nor public, and names pg_temp last');
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
             JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
             JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'iso28000'
             JOIN pg_roles r ON r.oid = p.proowner
            WHERE p.prosecdef AND NOT r.rolsuper),
          NULL, 'every SECURITY DEFINER function is owned by the (superuser) installer, not by a member');

-- A member cannot promote itself.
SET ROLE lp_writer;
SELECT throws_ok(format($$SELECT iso28000.grant_access(%s, 'lp_writer', 'manage')$$, :lp), 'IS001', NULL,
                 'a writer cannot raise its own level');
SELECT is((SELECT count(*) FROM iso28000.membership WHERE member = 'lp_writer'::regrole AND level = 'manage'), 0::bigint,
          'the writer is still not a manager');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
