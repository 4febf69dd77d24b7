-- test/robust/describe.sql: a canonical description of the installed iso28000
-- extension, one line per fact, sorted, free of OIDs and install times, so
-- that two databases can be compared with diff.  Used by test/suite.d/upgrade
-- (an upgraded install must describe exactly like a fresh one) and by hand:
--   psql -XAtq -f test/robust/describe.sql > a.txt
--
-- It covers every member object of the extension (pg_describe_object) with
-- its definition: functions (pg_get_functiondef, or the aggregate's support
-- functions), tables (columns, defaults, identity, constraints, indexes,
-- row-level security, policies, triggers, rules, privileges), views
-- (pg_get_viewdef), sequences, types (with enum labels and composite
-- attributes), operators, operator classes and families with their members,
-- casts, comments and initial privileges; the extension's configuration
-- tables (pg_extension_config_dump); and the rows of every member table
-- (the seeded catalogue and rules), with time columns left out because they
-- record when the install ran.  Of a configuration table it shows only the
-- rows pg_dump leaves out (its condition false): the rest is users' data, so
-- an install that holds data describes like an empty one (test/suite.d/upgrade
-- upgrades one with data and compares it with a fresh install).
\set ON_ERROR_STOP 1
CREATE TEMP TABLE describe_line (line text);

DO $describe$
DECLARE
    obj record;
    col record;
    line text;
    rows text;
    cols text;
    filter text;
BEGIN
    FOR obj IN
        SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS what
          FROM pg_depend d
          JOIN pg_extension e ON e.oid = d.refobjid
         WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'iso28000'
    LOOP
        INSERT INTO describe_line VALUES ('member ' || obj.what);
        INSERT INTO describe_line
        SELECT format('comment %s: %s', obj.what, description)
          FROM pg_description WHERE classoid = obj.classid AND objoid = obj.objid AND objsubid = 0;
        INSERT INTO describe_line
        SELECT format('init privs %s (%s): %s', obj.what, objsubid, initprivs)
          FROM pg_init_privs WHERE classoid = obj.classid AND objoid = obj.objid;

        IF obj.classid = 'pg_proc'::regclass THEN
            SELECT CASE WHEN p.prokind = 'a'
                        THEN format('aggregate %s: sfunc=%s stype=%s final=%s combine=%s serial=%s deserial=%s msfunc=%s minv=%s mstype=%s mfinal=%s init=%s minit=%s sortop=%s parallel=%s acl=%s',
                                    obj.what, a.aggtransfn, a.aggtranstype::regtype, a.aggfinalfn, a.aggcombinefn,
                                    a.aggserialfn, a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn,
                                    a.aggmtranstype::regtype, a.aggmfinalfn, a.agginitval, a.aggminitval,
                                    a.aggsortop::regoperator, p.proparallel, p.proacl)
                        ELSE format('function %s: %s acl=%s', obj.what, pg_get_functiondef(p.oid), p.proacl)
                   END
              INTO line
              FROM pg_proc p LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
             WHERE p.oid = obj.objid;
            INSERT INTO describe_line VALUES (line);

        ELSIF obj.classid = 'pg_class'::regclass THEN
            INSERT INTO describe_line
            SELECT format('relation %s: kind=%s persistence=%s rls=%s force_rls=%s options=%s acl=%s',
                          obj.what, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
                          c.reloptions, c.relacl)
              FROM pg_class c WHERE c.oid = obj.objid;
            INSERT INTO describe_line
            SELECT format('column %s.%s: %s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s comment=%s',
                          obj.what, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                          pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
                          nullif(a.attcollation, 0)::regcollation, a.attacl,
                          col_description(a.attrelid, a.attnum))
              FROM pg_attribute a
              LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
             WHERE a.attrelid = obj.objid AND a.attnum > 0 AND NOT a.attisdropped;
            INSERT INTO describe_line
            SELECT format('constraint %s %s: %s', obj.what, conname, pg_get_constraintdef(oid))
              FROM pg_constraint WHERE conrelid = obj.objid;
            INSERT INTO describe_line
            SELECT format('index %s: %s', obj.what, pg_get_indexdef(indexrelid))
              FROM pg_index WHERE indrelid = obj.objid;
            INSERT INTO describe_line
            SELECT format('policy %s %s: cmd=%s permissive=%s roles=%s using=%s check=%s',
                          obj.what, polname, polcmd, polpermissive,
                          (SELECT array_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END ORDER BY 1)
                             FROM unnest(polroles) r),
                          pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid))
              FROM pg_policy WHERE polrelid = obj.objid;
            INSERT INTO describe_line
            SELECT format('trigger %s: %s enabled=%s', obj.what, pg_get_triggerdef(oid), tgenabled)
              FROM pg_trigger WHERE tgrelid = obj.objid AND NOT tgisinternal;
            INSERT INTO describe_line
            SELECT format('rule %s: %s', obj.what, pg_get_ruledef(oid))
              FROM pg_rewrite WHERE ev_class = obj.objid AND rulename <> '_RETURN';
            INSERT INTO describe_line
            SELECT format('view %s: %s', obj.what, pg_get_viewdef(obj.objid))
              FROM pg_class WHERE oid = obj.objid AND relkind IN ('v', 'm');
            INSERT INTO describe_line
            SELECT format('sequence %s: %s start=%s inc=%s min=%s max=%s cache=%s cycle=%s',
                          obj.what, seqtypid::regtype, seqstart, seqincrement, seqmin, seqmax, seqcache, seqcycle)
              FROM pg_sequence WHERE seqrelid = obj.objid;

            -- the rows the install script put in the table (catalogue, rules, seeds):
            -- of a configuration table, those that pg_dump leaves out (users'
            -- rows are data, so an install with data describes like one without)
            IF EXISTS (SELECT FROM pg_class WHERE oid = obj.objid AND relkind IN ('r', 'p')) THEN
                SELECT CASE WHEN c.cond IS NULL THEN ''
                            WHEN btrim(c.cond) = '' THEN 'WHERE false'
                            ELSE format('WHERE NOT coalesce((%s), false)', regexp_replace(c.cond, '^\s*WHERE\s+', '', 'i'))
                       END
                  INTO filter
                  FROM (SELECT (SELECT cond FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(tbl, cond)
                                 WHERE e.extname = 'iso28000' AND x.tbl = obj.objid) AS cond) c;
                SELECT string_agg(quote_literal(a.attname), ', ')
                  INTO cols
                  FROM pg_attribute a
                 WHERE a.attrelid = obj.objid AND a.attnum > 0 AND NOT a.attisdropped
                   AND a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype);
                EXECUTE format('SELECT coalesce(string_agg(r, %L ORDER BY r), %L) FROM
                                  (SELECT (to_jsonb(t) %s)::text AS r FROM %s t %s) s',
                               E'\n    ', '(none)',
                               CASE WHEN cols IS NULL THEN '' ELSE format('- ARRAY[%s]::text[]', cols) END,
                               obj.objid::regclass, filter)
                   INTO rows;
                INSERT INTO describe_line VALUES (format('rows %s:%s    %s', obj.what, E'\n', rows));
            END IF;

        ELSIF obj.classid = 'pg_type'::regclass THEN
            INSERT INTO describe_line
            SELECT format('type %s: type=%s len=%s byval=%s align=%s storage=%s category=%s in=%s out=%s recv=%s send=%s mod_in=%s mod_out=%s analyze=%s subscript=%s elem=%s array=%s basetype=%s notnull=%s default=%s collation=%s acl=%s',
                          obj.what, t.typtype, t.typlen, t.typbyval, t.typalign, t.typstorage, t.typcategory,
                          t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout,
                          t.typanalyze, t.typsubscript, nullif(t.typelem, 0)::regtype,
                          nullif(t.typarray, 0)::regtype, nullif(t.typbasetype, 0)::regtype,
                          t.typnotnull, t.typdefault, nullif(t.typcollation, 0)::regcollation, t.typacl)
              FROM pg_type t WHERE t.oid = obj.objid;
            INSERT INTO describe_line
            SELECT format('enum %s: %s', obj.what, string_agg(enumlabel, ', ' ORDER BY enumsortorder))
              FROM pg_enum WHERE enumtypid = obj.objid HAVING count(*) > 0;
            INSERT INTO describe_line
            SELECT format('constraint %s %s: %s', obj.what, conname, pg_get_constraintdef(oid))
              FROM pg_constraint WHERE contypid = obj.objid;

        ELSIF obj.classid = 'pg_operator'::regclass THEN
            INSERT INTO describe_line
            SELECT format('operator %s: proc=%s commutator=%s negator=%s restrict=%s join=%s hashes=%s merges=%s',
                          obj.what, o.oprcode, nullif(o.oprcom, 0)::regoperator, nullif(o.oprnegate, 0)::regoperator,
                          o.oprrest, o.oprjoin, o.oprcanhash, o.oprcanmerge)
              FROM pg_operator o WHERE o.oid = obj.objid;

        ELSIF obj.classid = 'pg_opclass'::regclass THEN
            INSERT INTO describe_line
            SELECT format('opclass %s: family=%s type=%s default=%s keytype=%s',
                          obj.what, pg_describe_object('pg_opfamily'::regclass, c.opcfamily, 0),
                          c.opcintype::regtype, c.opcdefault, nullif(c.opckeytype, 0)::regtype)
              FROM pg_opclass c WHERE c.oid = obj.objid;

        ELSIF obj.classid = 'pg_opfamily'::regclass THEN
            INSERT INTO describe_line
            SELECT format('opfamily %s member %s', obj.what, pg_describe_object('pg_amop'::regclass, oid, 0))
              FROM pg_amop WHERE amopfamily = obj.objid;
            INSERT INTO describe_line
            SELECT format('opfamily %s member %s', obj.what, pg_describe_object('pg_amproc'::regclass, oid, 0))
              FROM pg_amproc WHERE amprocfamily = obj.objid;

        ELSIF obj.classid = 'pg_cast'::regclass THEN
            INSERT INTO describe_line
            SELECT format('cast %s: func=%s context=%s method=%s', obj.what,
                          nullif(c.castfunc, 0)::regprocedure, c.castcontext, c.castmethod)
              FROM pg_cast c WHERE c.oid = obj.objid;

        ELSIF obj.classid = 'pg_namespace'::regclass THEN
            INSERT INTO describe_line
            SELECT format('schema %s: owner_is_superuser=%s acl=%s', obj.what,
                          (SELECT rolsuper FROM pg_roles WHERE oid = nspowner), nspacl)
              FROM pg_namespace WHERE oid = obj.objid;
        END IF;

        -- comments on columns and other sub-objects
        INSERT INTO describe_line
        SELECT format('comment %s: %s', pg_describe_object(classoid, objoid, objsubid), description)
          FROM pg_description WHERE classoid = obj.classid AND objoid = obj.objid AND objsubid <> 0;
    END LOOP;

    INSERT INTO describe_line
    SELECT format('extension %s: version=%s relocatable=%s schema=%s comment=%s',
                  e.extname, e.extversion, e.extrelocatable, e.extnamespace::regnamespace,
                  obj_description(e.oid, 'pg_extension'))
      FROM pg_extension e WHERE e.extname = 'iso28000';
    -- pg_dump keeps these tables' rows (those matching the condition)
    INSERT INTO describe_line
    SELECT format('extension config %s: condition=%L', c.tbl::regclass, c.cond)
      FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS c(tbl, cond)
     WHERE e.extname = 'iso28000';
END
$describe$;

SELECT line FROM describe_line ORDER BY line;
DROP TABLE describe_line;
