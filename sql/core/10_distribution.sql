/*
 * sql/core/10_distribution.sql
 *		Distribution with Citus: iso28000.distribute() makes the catalogs, the
 *		rule tables and the tenant directory reference tables and distributes
 *		every other table of the extension by org_id, all co-located.
 *
 * Which table goes where is discovered from the catalog, not listed here, so
 * a register added later is distributed too:
 *   - a table of the extension without an org_id column (clause catalog,
 *     access levels, workflow rules, grade credits...) is a reference table:
 *     small, read everywhere, copied to every node;
 *   - organization and membership, although they carry org_id, are reference
 *     tables too: every row-level security policy on every node asks
 *     member_orgs(), which reads membership across all organisations of the
 *     role, and every register's foreign key points at organization;
 *   - every other table of the extension with org_id (the registers, the
 *     history and its chain heads, the workflow event log) is distributed by
 *     org_id, co-located with the first of them, so that a tenant's rows, its
 *     joins and its foreign keys stay on one node.
 * The steps are ordered so that every table a foreign key references is
 * converted before the table that references it, as Citus requires.
 *
 * Before running anything, the plan is checked for what Citus would refuse
 * (a distributed table whose primary key or unique constraints lack org_id,
 * a foreign key between distributed tables that does not pair org_id with
 * org_id, a reference table referencing a distributed one, a nullable
 * org_id); any such problem raises IS051 and names the tables.  Without
 * Citus the function raises IS050; dry_run => true returns the plan without
 * Citus and without changing anything (doc/distribution.md).
 */

-- The tables of the extension and how each would be distributed, in order.
CREATE FUNCTION iso28000._distribution_plan()
RETURNS TABLE (step integer, relation regclass, method text, problem text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tabs    oid[];
    methods text[];
    probs   text[];
    pending oid[];
    ready   oid[];
    m       text;
    k       integer;
    n       integer := 0;
BEGIN
    -- Every table of the extension, its method, and what Citus would refuse.
    WITH t AS (
        SELECT c.oid, c.relname, a.attnum AS org_col, a.attnotnull AS org_notnull,
               CASE WHEN a.attnum IS NULL OR c.relname IN ('organization', 'membership')
                    THEN 'reference' ELSE 'distributed' END AS method
          FROM pg_depend d
          JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'iso28000'
          JOIN pg_class c ON c.oid = d.objid
          LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
         WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass
           AND d.deptype = 'e' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    )
    SELECT array_agg(t.oid ORDER BY t.oid::regclass::text),
           array_agg(t.method ORDER BY t.oid::regclass::text),
           array_agg(CASE t.method WHEN 'distributed' THEN
               coalesce(
                 CASE WHEN NOT t.org_notnull
                      THEN 'org_id may be NULL; a distribution column must be NOT NULL' END,
                 (SELECT format('unique index %s does not include org_id', i.indexrelid::regclass)
                    FROM pg_index i
                   WHERE i.indrelid = t.oid AND i.indisunique AND NOT t.org_col = ANY (i.indkey::int2[])
                   ORDER BY 1 LIMIT 1),
                 (SELECT format('foreign key %I to %s does not pair org_id with org_id', f.conname, f.confrelid::regclass)
                    FROM pg_constraint f JOIN t r ON r.oid = f.confrelid AND r.method = 'distributed'
                   WHERE f.conrelid = t.oid AND f.contype = 'f'
                     AND NOT EXISTS (SELECT FROM unnest(f.conkey, f.confkey) AS p(col, refcol)
                                      WHERE p.col = t.org_col AND p.refcol = r.org_col)
                   ORDER BY 1 LIMIT 1))
             ELSE
                 (SELECT format('foreign key %I references %s, which is distributed; a reference table cannot reference a distributed table',
                                f.conname, f.confrelid::regclass)
                    FROM pg_constraint f JOIN t r ON r.oid = f.confrelid AND r.method = 'distributed'
                   WHERE f.conrelid = t.oid AND f.contype = 'f'
                   ORDER BY 1 LIMIT 1)
             END ORDER BY t.oid::regclass::text)
      INTO tabs, methods, probs
      FROM t;

    -- Order: reference tables first, then distributed ones; within each, a
    -- table comes after every table it references (self-references aside).
    -- A cycle of foreign keys is broken by name order, and reported.
    FOREACH m IN ARRAY ARRAY['reference', 'distributed'] LOOP
        pending := ARRAY(SELECT tabs[i] FROM generate_subscripts(tabs, 1) AS i WHERE methods[i] = m);
        WHILE cardinality(pending) > 0 LOOP
            ready := ARRAY(
                SELECT p FROM unnest(pending) AS p
                 WHERE NOT EXISTS (SELECT FROM pg_constraint f
                                    WHERE f.conrelid = p AND f.contype = 'f' AND f.confrelid <> p
                                      AND f.confrelid = ANY (pending))
                 ORDER BY p::regclass::text);
            IF cardinality(ready) = 0 THEN
                ready := pending[1:1];
                k := array_position(tabs, ready[1]);
                probs[k] := coalesce(probs[k] || '; ', '')
                            || 'part of a cycle of foreign keys that Citus cannot convert in any order';
            END IF;
            FOR i IN 1 .. cardinality(ready) LOOP
                k := array_position(tabs, ready[i]);
                n := n + 1;
                step := n;
                relation := ready[i];
                method := methods[k];
                problem := probs[k];
                RETURN NEXT;
            END LOOP;
            pending := ARRAY(SELECT p FROM unnest(pending) AS p WHERE p <> ALL (ready));
        END LOOP;
    END LOOP;
END
$$;
COMMENT ON FUNCTION iso28000._distribution_plan() IS
  'Internal: every table of the extension in the order distribute() converts it, with its method (reference or distributed) and what Citus would refuse about it, if anything.';

-- Distributes the extension's tables with Citus, or returns the plan.
CREATE FUNCTION iso28000.distribute(dry_run boolean DEFAULT false, shard_count integer DEFAULT NULL)
RETURNS TABLE (step integer, relation regclass, method text, command text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    anchor   regclass;
    problems text;
    first_bad regclass;
    citus    boolean := EXISTS (SELECT FROM pg_extension WHERE extname = 'citus');
    done     boolean;
    p        record;
    fk       record;
    fks      text[] := '{}';
    tg       record;
    tgs      text[] := '{}';
    rg       record;
    regs     text[];
    fixes    text[] := '{}';
    k        integer;
BEGIN
    IF shard_count IS NOT NULL AND shard_count NOT BETWEEN 1 AND 64000 THEN
        RAISE EXCEPTION 'shard_count must be between 1 and 64000, not %', shard_count
              USING ERRCODE = '22023';
    END IF;

    SELECT string_agg(format('%s: %s', q.relation, q.problem), E'\n' ORDER BY q.step),
           (array_agg(q.relation ORDER BY q.step))[1]
      INTO problems, first_bad
      FROM iso28000._distribution_plan() q WHERE q.problem IS NOT NULL;
    IF problems IS NOT NULL THEN
        -- The table field names the first table at fault; the detail lists every one.
        RAISE EXCEPTION 'the tables of iso28000 cannot be distributed by org_id as they stand'
              USING ERRCODE = 'IS051', SCHEMA = 'iso28000',
                    TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = first_bad),
                    DETAIL = problems,
                    HINT = 'Every register keeps org_id NOT NULL, first in its primary key, in every unique constraint, and in every foreign key to another register.';
    END IF;

    IF NOT dry_run AND NOT citus THEN
        RAISE EXCEPTION 'citus is not installed in this database'
              USING ERRCODE = 'IS050', SCHEMA = 'iso28000',
                    DETAIL = 'iso28000.distribute() makes the catalogs reference tables and distributes the registers by org_id with Citus.',
                    HINT = 'Install Citus on every node, add citus to shared_preload_libraries, run CREATE EXTENSION citus and add the worker nodes, then call iso28000.distribute() again. iso28000.distribute(dry_run => true) shows the plan without Citus.';
    END IF;

    -- Foreign keys between the extension's tables are set aside while the
    -- tables are converted and made again afterwards.  Otherwise the first
    -- reference table would make Citus turn every local table that references
    -- it (membership, every register) into a "Citus local table", whose copy
    -- collides on the workers with the extension's own table.  Citus checks
    -- the keys again when they are added back, now between Citus tables.
    IF NOT dry_run THEN
        -- Foreign keys to reference tables are checked over one connection per
        -- node: Citus refuses them after parallel work in the same transaction.
        PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
        FOR fk IN
            SELECT k.conrelid::regclass AS rel, k.conname, pg_get_constraintdef(k.oid) AS def
              FROM pg_constraint k
             WHERE k.contype = 'f'
               AND k.conrelid IN (SELECT q.relation FROM iso28000._distribution_plan() q)
               AND NOT EXISTS (SELECT FROM pg_dist_partition d WHERE d.logicalrelid = k.conrelid)
             ORDER BY 1, 2
        LOOP
            fks := fks || format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.rel, fk.conname, fk.def);
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.rel, fk.conname);
            -- CREATE EXTENSION made the same tables on the workers, and Citus
            -- does not pass on DDL of a table that is not yet its own.
            PERFORM run_command_on_workers(format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I',
                                                  fk.rel, fk.conname));
        END LOOP;

        -- Citus copies the rows of a populated table into its shards, and the
        -- shards' triggers would take that copy for new writes: the workflow
        -- guard would refuse rows past their initial state and the history
        -- would record every row twice.  The extension's triggers are off for
        -- the conversion, in this transaction, and on again after it.  Not
        -- those that fire on TRUNCATE (membership_changed,
        -- workflow_rules_changed, the history's truncate guards), which the
        -- copy does not fire: Citus does not pass ALTER TABLE ... ENABLE
        -- TRIGGER on to the shards for a trigger that fires on TRUNCATE, so
        -- their copies on the shards and placements would stay disabled (the
        -- membership and workflow caches of the nodes' sessions never told
        -- of a change).
        FOR tg IN
            SELECT g.tgrelid::regclass AS rel, g.tgname
              FROM pg_trigger g
             WHERE NOT g.tgisinternal AND g.tgenabled = 'O'
               AND (g.tgtype::integer & 32) = 0   -- TRIGGER_TYPE_TRUNCATE
               AND g.tgrelid IN (SELECT q.relation FROM iso28000._distribution_plan() q)
               AND NOT EXISTS (SELECT FROM pg_dist_partition d WHERE d.logicalrelid = g.tgrelid)
             ORDER BY 1, 2
        LOOP
            tgs := tgs || format('ALTER TABLE %s ENABLE TRIGGER %I', tg.rel, tg.tgname);
            EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', tg.rel, tg.tgname);
        END LOOP;

        -- Citus copies existing rows to the shards in binary, where a reg*
        -- value (membership.member, workflow_event.table_name) is the
        -- coordinator's oid, meaningless on a worker.  Each such value is
        -- written again by name once its table is converted.
        FOR rg IN
            SELECT a.attrelid::regclass AS rel, a.attname, a.atttypid::regtype AS typ,
                   -- a reg* key column holds the coordinator's oid on the worker: compared as an oid
                   (SELECT string_agg(CASE WHEN k.atttypid::regtype::text LIKE 'reg%'
                                           THEN format('%I::oid = %%L::oid', k.attname)
                                           ELSE format('%I = %%L::%s', k.attname, format_type(k.atttypid, k.atttypmod)) END,
                                      ' AND ' ORDER BY k.attnum)
                      FROM pg_index i JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = ANY (i.indkey::int2[])
                     WHERE i.indrelid = a.attrelid AND i.indisprimary) AS pk,
                   (SELECT array_agg(CASE WHEN k.atttypid::regtype::text LIKE 'reg%'
                                          THEN format('t.%I::oid::text', k.attname)
                                          ELSE format('t.%I::text', k.attname) END ORDER BY k.attnum)
                      FROM pg_index i JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = ANY (i.indkey::int2[])
                     WHERE i.indrelid = a.attrelid AND i.indisprimary) AS pkcols
              FROM pg_attribute a
             WHERE a.attrelid IN (SELECT q.relation FROM iso28000._distribution_plan() q)
               AND NOT EXISTS (SELECT FROM pg_dist_partition d WHERE d.logicalrelid = a.attrelid)
               AND a.attnum > 0 AND NOT a.attisdropped
               AND a.atttypid IN ('regrole'::regtype, 'regclass'::regtype, 'regtype'::regtype, 'regproc'::regtype,
                                  'regprocedure'::regtype, 'regnamespace'::regtype)
             ORDER BY 1, 2
        LOOP
            EXECUTE format('SELECT coalesce(array_agg(format(%L, t.%I::text%s)), ''{}'') FROM %s t WHERE t.%I IS NOT NULL',
                           format('UPDATE %s SET %I = %%L::%s WHERE %s', rg.rel, rg.attname, rg.typ, rg.pk),
                           rg.attname,
                           (SELECT string_agg(', ' || c, '') FROM unnest(rg.pkcols) c),
                           rg.rel, rg.attname)
               INTO regs;
            fixes := fixes || regs;
        END LOOP;
    END IF;

    FOR p IN SELECT * FROM iso28000._distribution_plan() ORDER BY 1 LOOP
        step := p.step;
        relation := p.relation;
        method := p.method;
        IF p.method = 'reference' THEN
            command := format('SELECT create_reference_table(%L)', p.relation::text);
        ELSIF anchor IS NULL THEN
            anchor := p.relation;
            command := format('SELECT create_distributed_table(%L, %L%s)', p.relation::text, 'org_id',
                              CASE WHEN shard_count IS NULL THEN ''
                                   ELSE format(', shard_count => %s', shard_count) END);
        ELSE
            command := format('SELECT create_distributed_table(%L, %L, colocate_with => %L)',
                              p.relation::text, 'org_id', anchor::text);
        END IF;
        IF NOT dry_run THEN
            -- Skip what an earlier run already converted.
            EXECUTE 'SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = $1)'
               INTO done USING p.relation;
            IF NOT done THEN
                -- Triggers (workflow guard, history chain) stay on the shards.
                PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
                EXECUTE command;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;

    FOR k IN 1 .. cardinality(fixes) LOOP
        EXECUTE fixes[k];
    END LOOP;

    -- The engines insert rows on the workers (workflow events, findings that
    -- raise nonconformities), drawing identities from the workers' copies of
    -- the sequences, which CREATE EXTENSION made starting at 1 like the
    -- coordinator's.  Each worker gets the range Citus gives the sequences it
    -- makes itself: from its group id times 2^48.
    IF NOT dry_run THEN
        PERFORM run_command_on_workers(format(
            $d$DO $x$ DECLARE s regclass; v bigint; BEGIN FOREACH s IN ARRAY %L::regclass[] LOOP
                 EXECUTE format('SELECT last_value FROM %%s', s) INTO v;
                 IF v < ((SELECT groupid FROM pg_dist_local_group)::bigint << 48) THEN
                   EXECUTE format('ALTER SEQUENCE %%s RESTART WITH %%s', s,
                                  ((SELECT groupid FROM pg_dist_local_group)::bigint << 48) + 1);
                 END IF;
               END LOOP; END $x$ $d$,
            (SELECT array_agg(d.objid::regclass::text ORDER BY 1)
               FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                AND d.deptype IN ('a', 'i')
                AND d.refobjid IN (SELECT q.relation FROM iso28000._distribution_plan() q)
                AND (SELECT c.relkind FROM pg_class c WHERE c.oid = d.objid) = 'S')));
    END IF;
    FOR k IN 1 .. cardinality(tgs) LOOP
        EXECUTE tgs[k];
    END LOOP;
    FOR k IN 1 .. cardinality(fks) LOOP
        EXECUTE fks[k];
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION iso28000.distribute(boolean, integer) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.distribute(boolean, integer) IS
  'With Citus: makes the catalogs, rule tables and the tenant directory (organization, membership) reference tables and distributes every other table of the extension by org_id, co-located; returns the calls made, in order. dry_run => true returns the plan without Citus and without changing anything. Raises IS050 without Citus and IS051 when a table could not be distributed.';
