-- Conventions every object of the extension keeps (doc/tenant.md, doc/dba.md):
-- nothing in public, comments everywhere (clauses first for tables and views),
-- row-level security on every register, org_id first in every register key,
-- views that run with the reader's rights, definer functions with a pinned
-- search_path.  Each test lists the offenders, so a failure names them.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(13);

CREATE TEMP VIEW ext_obj AS
SELECT d.classid, d.objid
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'iso28000';

CREATE TEMP VIEW ext_rel AS
SELECT c.oid, c.relname, c.relkind, c.relnamespace::regnamespace::text AS nsp,
       c.relrowsecurity, c.reloptions
  FROM pg_class c JOIN ext_obj o ON o.classid = 'pg_class'::regclass AND o.objid = c.oid;

SELECT is(
  (SELECT array_agg(pg_describe_object(classid, objid, 0) ORDER BY 1) FROM ext_obj o
    WHERE (pg_identify_object(classid, objid, 0)).schema IS DISTINCT FROM 'iso28000'
      AND (pg_identify_object(classid, objid, 0)).schema IS NOT NULL),
  NULL, 'every object of the extension lives in schema iso28000');

SELECT is(
  (SELECT array_agg(relname ORDER BY relname) FROM ext_rel
    WHERE relkind IN ('r', 'v', 'm') AND obj_description(oid, 'pg_class') IS NULL),
  NULL, 'every table and view has a comment');

SELECT is(
  (SELECT array_agg(relname ORDER BY relname) FROM ext_rel
    WHERE relkind IN ('r', 'v', 'm')
      AND obj_description(oid, 'pg_class') !~ '^ISO 28000 [0-9A-Z][0-9A-Z.]*( to [0-9A-Z][0-9A-Z.]*)?(, [0-9A-Z][0-9A-Z.]*( to [0-9A-Z][0-9A-Z.]*)?)*: '),
  NULL, 'every table and view comment begins with the clauses it serves ("ISO 28000 8.6.2, 8.6.4: ...")');

SELECT is(
  (SELECT array_agg(r.relname || '.' || a.attname ORDER BY 1) FROM ext_rel r
     JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE r.relkind IN ('r', 'v', 'm') AND col_description(r.oid, a.attnum) IS NULL),
  NULL, 'every column of every table and view has a comment');

SELECT is(
  (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
     JOIN ext_obj o ON o.classid = 'pg_proc'::regclass AND o.objid = p.oid
    WHERE obj_description(p.oid, 'pg_proc') IS NULL),
  NULL, 'every function and aggregate has a comment');

SELECT is(
  (SELECT array_agg(t.typname ORDER BY 1) FROM pg_type t
     JOIN ext_obj o ON o.classid = 'pg_type'::regclass AND o.objid = t.oid
    WHERE obj_description(t.oid, 'pg_type') IS NULL
      -- a table's row type and an array type are described by their table and
      -- element type (PostgreSQL 17 and later record them as extension members)
      AND NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
      AND NOT (t.typcategory = 'A' AND t.typelem <> 0)),
  NULL, 'every type has a comment');

SELECT is(
  (SELECT array_agg(op.oid::regoperator::text ORDER BY 1) FROM pg_operator op
     JOIN ext_obj o ON o.classid = 'pg_operator'::regclass AND o.objid = op.oid
    WHERE obj_description(op.oid, 'pg_operator') IS NULL),
  NULL, 'every operator has a comment');

SELECT is(
  (SELECT array_agg(r.relname ORDER BY 1) FROM ext_rel r
    WHERE r.relkind = 'r' AND NOT r.relrowsecurity
      AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attname = 'org_id')),
  NULL, 'every table with an org_id has row-level security enabled');

SELECT is(
  (SELECT array_agg(r.relname ORDER BY 1) FROM ext_rel r
     JOIN pg_constraint k ON k.conrelid = r.oid AND k.contype = 'p'
    WHERE r.relkind = 'r' AND r.relname <> 'organization'
      AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attname = 'org_id')
      AND (SELECT attname FROM pg_attribute WHERE attrelid = r.oid AND attnum = k.conkey[1]) <> 'org_id'),
  NULL, 'org_id is the first column of every register''s primary key');

SELECT is(
  (SELECT array_agg(relname ORDER BY 1) FROM ext_rel
    WHERE relkind = 'v' AND NOT coalesce('security_invoker=true' = ANY (reloptions), false)),
  NULL, 'every view runs with the reader''s rights (security_invoker), so row-level security applies');

SELECT is(
  (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
     JOIN ext_obj o ON o.classid = 'pg_proc'::regclass AND o.objid = p.oid
    WHERE p.prosecdef AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')),
  NULL, 'every SECURITY DEFINER function pins its search_path');

-- Every SQL and PL/pgSQL function pins it too (issue 11, attack 3): a policy,
-- a guard or a trigger runs them with the caller's search_path otherwise, and
-- an operator or function of the caller's, found first, would run in them.
-- C functions name every schema in their SPI queries instead; a SQL function
-- with a BEGIN ATOMIC body is bound to its objects when created (and a SET
-- would keep the planner from inlining it).
SELECT is(
  (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
     JOIN ext_obj o ON o.classid = 'pg_proc'::regclass AND o.objid = p.oid
     JOIN pg_language l ON l.oid = p.prolang
    WHERE l.lanname NOT IN ('c', 'internal')
      AND p.prosqlbody IS NULL  -- BEGIN ATOMIC: bound to its objects when created
      AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c
                       WHERE c IN ('search_path=pg_catalog, pg_temp', 'search_path=iso28000, pg_catalog, pg_temp'))),
  NULL, 'every SQL and PL/pgSQL function pins its search_path to pg_catalog (or iso28000, pg_catalog) and pg_temp last');
SELECT is(
  (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
     JOIN ext_obj o ON o.classid = 'pg_proc'::regclass AND o.objid = p.oid
     JOIN pg_language l ON l.oid = p.prolang
    WHERE l.lanname NOT IN ('c', 'internal', 'sql', 'plpgsql')),
  NULL, 'the extension has functions in C, SQL and PL/pgSQL only (the search_path test covers them all)');

SELECT * FROM finish();
ROLLBACK;
