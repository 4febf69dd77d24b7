/*
 * sql/interfaces/import_export.sql
 *		Bulk import and export of an organisation's registers.
 *
 *		export_registers(org) gives every register of the organisation as one
 *		JSON document; import_registers(org, data, dry_run) reads the same
 *		form (or a spreadsheet's rows turned into it) into an organisation.
 *		Records refer to each other by the organisation's own keys, never by
 *		internal ids: a person by e-mail (else full name), a record of a
 *		register with a code column by its code, any other record by its
 *		"_key" in the document (the export numbers each register's rows 1, 2,
 *		3... in the order they were created); clauses as text ("8.6.4").
 *		So an export imports into an empty organisation and exports again the
 *		same.  CSV goes through the same functions: export_csv_view() makes a
 *		temporary view to COPY out, import_staging() reads a staging table
 *		filled with COPY.
 *
 *		Everything runs as the caller, under row-level security, through
 *		every trigger of the registers (workflow engine, stamps, history,
 *		notifications): a record in a state that is not initial is refused
 *		by the workflow engine (IS102), as any INSERT would be.  A dry run
 *		reports each problem of each row (its SQLSTATE, column and message)
 *		and writes nothing; a real run writes everything or nothing.
 *		Reference: doc/import-export.md.
 */

-- Whether import and export handle a register: a table of the extension that
-- keeps a history chain, but the tenant model's own.
CREATE FUNCTION iso28000.transfer_is_register(register text)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (
    SELECT FROM pg_catalog.pg_class c
     WHERE c.relnamespace OPERATOR(pg_catalog.=) 'iso28000'::regnamespace AND c.relkind OPERATOR(pg_catalog.=) 'r'
       AND c.relname OPERATOR(pg_catalog.=) register
       -- provider_inclusion is derived: the database recomputes it from the registers imported
       AND c.relname OPERATOR(pg_catalog.<>) ALL (ARRAY['organization', 'membership', 'delegation', 'provider_inclusion']::name[])
       AND EXISTS (SELECT FROM pg_catalog.pg_trigger g
                    WHERE g.tgrelid OPERATOR(pg_catalog.=) c.oid
                      AND g.tgfoid OPERATOR(pg_catalog.=) 'iso28000.history_record()'::regprocedure))
$$;
COMMENT ON FUNCTION iso28000.transfer_is_register(text) IS
  'True when export and import handle the register: a table of schema iso28000 that keeps a history chain, other than organization, membership, delegation and provider_inclusion (derived: recomputed from the registers imported).';

-- The identity column of a register (NULL when it has none).
CREATE FUNCTION iso28000.transfer_id_column(register text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT a.attname::text FROM pg_catalog.pg_attribute a
   WHERE a.attrelid OPERATOR(pg_catalog.=) ('iso28000.' || pg_catalog.quote_ident(register))::regclass
     AND a.attidentity OPERATOR(pg_catalog.<>) '' AND NOT a.attisdropped
$$;
COMMENT ON FUNCTION iso28000.transfer_id_column(text) IS
  'The identity column of a register (its surrogate key after org_id), NULL when it has none.';

-- The registers import and export handle: the extension's tables that keep a
-- history chain, but the tenant model's own (organisation, membership,
-- delegation), each with its identity column, in an order where every
-- register comes after those it refers to.
CREATE FUNCTION iso28000.transfer_register()
RETURNS TABLE (register text, id_column text, seq integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  todo text[];
  done text[] := '{}';
  pos integer := 0;
  t text;
  progress boolean;
BEGIN
  SELECT array_agg(c.relname::text ORDER BY c.relname) INTO todo
    FROM pg_catalog.pg_class c
   WHERE c.relnamespace OPERATOR(pg_catalog.=) 'iso28000'::regnamespace AND c.relkind OPERATOR(pg_catalog.=) 'r'
     AND iso28000.transfer_is_register(c.relname::text);
  LOOP
    progress := false;
    FOREACH t IN ARRAY todo LOOP
      IF t OPERATOR(pg_catalog.=) ANY (done) THEN CONTINUE; END IF;
      IF NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k
                      WHERE k.conrelid OPERATOR(pg_catalog.=) ('iso28000.' || quote_ident(t))::regclass
                        AND k.contype OPERATOR(pg_catalog.=) 'f'
                        AND k.confrelid OPERATOR(pg_catalog.<>) k.conrelid
                        AND (SELECT r.relname::text FROM pg_catalog.pg_class r WHERE r.oid OPERATOR(pg_catalog.=) k.confrelid)
                            OPERATOR(pg_catalog.=) ANY (todo)
                        AND NOT (SELECT r.relname::text FROM pg_catalog.pg_class r WHERE r.oid OPERATOR(pg_catalog.=) k.confrelid)
                            OPERATOR(pg_catalog.=) ANY (done)) THEN
        done := done || t;
        pos := pos + 1;
        register := t;
        seq := pos;
        id_column := iso28000.transfer_id_column(t);
        RETURN NEXT;
        progress := true;
      END IF;
    END LOOP;
    EXIT WHEN NOT progress;
  END LOOP;
  -- a cycle (none today) would leave registers behind: they come last, by name
  FOREACH t IN ARRAY todo LOOP
    IF NOT t OPERATOR(pg_catalog.=) ANY (done) THEN
      pos := pos + 1;
      register := t;
      seq := pos;
      id_column := iso28000.transfer_id_column(t);
      RETURN NEXT;
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION iso28000.transfer_register() IS
  'The registers that export_registers() and import_registers() handle, with their identity column and the order (seq) in which they are imported (every register after those it refers to).';

-- The references of a register: each column that, with org_id, refers to another register.
CREATE TYPE iso28000.transfer_reference_row AS (column_name text, target text, target_id text, target_key text);
COMMENT ON TYPE iso28000.transfer_reference_row IS
  'A reference between registers as transfer_reference() gives it: the column, the register referred to, its identity column and the column records are named by (email, code, or NULL for _key).';
CREATE FUNCTION iso28000.transfer_reference(register text)
RETURNS SETOF iso28000.transfer_reference_row
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT a.attname::text, r.relname::text, ra.attname::text,
         CASE WHEN r.relname OPERATOR(pg_catalog.=) 'person' THEN 'email'
              WHEN EXISTS (SELECT FROM pg_catalog.pg_attribute x
                            WHERE x.attrelid OPERATOR(pg_catalog.=) r.oid AND x.attname OPERATOR(pg_catalog.=) 'code'
                              AND NOT x.attisdropped) THEN 'code' END
    FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) k.confrelid
    JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) k.conrelid AND a.attnum OPERATOR(pg_catalog.=) k.conkey[2]
    JOIN pg_catalog.pg_attribute ra ON ra.attrelid OPERATOR(pg_catalog.=) k.confrelid AND ra.attnum OPERATOR(pg_catalog.=) k.confkey[2]
   WHERE k.conrelid OPERATOR(pg_catalog.=) ('iso28000.' || pg_catalog.quote_ident(register))::regclass
     AND k.contype OPERATOR(pg_catalog.=) 'f'
     AND pg_catalog.array_length(k.conkey, 1) OPERATOR(pg_catalog.=) 2
     AND (SELECT o.attname FROM pg_catalog.pg_attribute o
           WHERE o.attrelid OPERATOR(pg_catalog.=) k.conrelid AND o.attnum OPERATOR(pg_catalog.=) k.conkey[1])
         OPERATOR(pg_catalog.=) 'org_id'
     AND r.relnamespace OPERATOR(pg_catalog.=) 'iso28000'::regnamespace
$$;
COMMENT ON FUNCTION iso28000.transfer_reference(text) IS
  'The columns of a register that refer to another register of the same organisation, the register referred to, its identity column and the column an export names it by: email for a person (its full name when it has no e-mail), code where the register has one, else NULL (the "_key" of the record in the document).';

-- Columns an export leaves out and an import refuses: set by the database.
CREATE FUNCTION iso28000.transfer_column_ok(register text, column_name text)
RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN column_name NOT IN ('org_id', 'status_changed_at', 'status_changed_by')
       AND NOT (register = 'person' AND column_name = 'db_role');
COMMENT ON FUNCTION iso28000.transfer_column_ok(text, text) IS
  'False for the columns export leaves out and import refuses: org_id (the organisation imported into), the workflow engine''s stamps status_changed_at and status_changed_by, and person.db_role (a login of one cluster; a manager links people to logins).';

-- One register of an organisation, as the export writes it.
CREATE FUNCTION iso28000.export_register(org bigint, register text)
RETURNS SETOF jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  id_column text;
  ref record;
  maps jsonb := '{}';
  refcol jsonb;
  m jsonb;
  r jsonb;
  k text;
  v jsonb;
  out_row jsonb;
  n integer := 0;
BEGIN
  IF NOT iso28000.transfer_is_register(register) THEN
    RAISE EXCEPTION 'export: "%" is not a register that export and import handle', register
      USING ERRCODE = 'IS565', SCHEMA = 'iso28000', TABLE = register,
            HINT = 'SELECT register FROM iso28000.transfer_register() lists them.';
  END IF;
  IF NOT coalesce(iso28000.has_level(org, 'read'), false) THEN
    RAISE EXCEPTION 'role "%" cannot export the registers of organisation %: that needs level read', current_user, org
      USING ERRCODE = 'IS564', SCHEMA = 'iso28000', TABLE = register, COLUMN = 'org_id';
  END IF;
  id_column := iso28000.transfer_id_column(register);
  -- how each referenced register's records are named: code, e-mail/name, or their _key
  SELECT coalesce(jsonb_object_agg(x.column_name, x.target), '{}') INTO refcol
    FROM iso28000.transfer_reference(register) x;
  FOR ref IN SELECT * FROM iso28000.transfer_reference(register) LOOP
    IF maps ? ref.target THEN CONTINUE; END IF;
    EXECUTE format('SELECT coalesce(jsonb_object_agg(x.id::text, x.name), ''{}'') FROM (
                      SELECT t.%1$I AS id, %2$s AS name FROM iso28000.%3$I t
                       WHERE t.org_id OPERATOR(pg_catalog.=) $1) x',
                   ref.target_id,
                   CASE ref.target_key
                     WHEN 'email' THEN 'to_jsonb(coalesce(t.email, t.full_name))'
                     WHEN 'code' THEN format('coalesce(to_jsonb(t.code), to_jsonb(row_number() OVER (ORDER BY t.%I)))', ref.target_id)
                     ELSE format('to_jsonb(row_number() OVER (ORDER BY t.%I))', ref.target_id) END,
                   ref.target)
      INTO m USING org;
    maps := maps || jsonb_build_object(ref.target, m);
  END LOOP;
  FOR r IN EXECUTE format('SELECT to_jsonb(t) FROM iso28000.%I t WHERE t.org_id OPERATOR(pg_catalog.=) $1 ORDER BY t.%I',
                          register, coalesce(id_column, 'org_id')) USING org LOOP
    n := n + 1;
    out_row := jsonb_build_object('_key', n);
    FOR k, v IN SELECT e.key, e.value FROM jsonb_each(r) e LOOP
      CONTINUE WHEN k IS NOT DISTINCT FROM id_column OR NOT iso28000.transfer_column_ok(register, k);
      IF refcol ? k AND jsonb_typeof(v) OPERATOR(pg_catalog.<>) 'null' THEN
        v := maps -> (refcol ->> k) -> (v #>> '{}');
      END IF;
      out_row := out_row || jsonb_build_object(k, v);
    END LOOP;
    RETURN NEXT out_row;
  END LOOP;
END
$$;
COMMENT ON FUNCTION iso28000.export_register(bigint, text) IS
  'The rows of one register of an organisation as export_registers() writes them: one JSON object per record in the order of creation, with "_key" (1, 2, 3...), without org_id, the identity key and the database''s stamps, and each reference to another register as that record''s e-mail (people), code, or _key. Needs level read (IS564); an unknown register is refused (IS565).';

-- Every register of an organisation as one JSON document.
CREATE FUNCTION iso28000.export_registers(org bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  regs jsonb := '{}';
  t record;
  rows jsonb;
  o record;
BEGIN
  IF NOT coalesce(iso28000.has_level(org, 'read'), false) THEN
    RAISE EXCEPTION 'role "%" cannot export the registers of organisation %: that needs level read', current_user, org
      USING ERRCODE = 'IS564', SCHEMA = 'iso28000', TABLE = 'organization', COLUMN = 'org_id';
  END IF;
  FOR t IN SELECT * FROM iso28000.transfer_register() ORDER BY seq LOOP
    SELECT coalesce(jsonb_agg(e ORDER BY (e ->> '_key')::integer), '[]') INTO rows
      FROM iso28000.export_register(org, t.register) e;
    IF jsonb_array_length(rows) OPERATOR(pg_catalog.>) 0 THEN
      regs := regs || jsonb_build_object(t.register, rows);
    END IF;
  END LOOP;
  SELECT g.code, g.name INTO o FROM iso28000.organization g WHERE g.org_id OPERATOR(pg_catalog.=) org;
  RETURN jsonb_build_object('format', 'iso28000-registers', 'version', 1,
                            'organization', jsonb_build_object('code', o.code, 'name', o.name),
                            'registers', regs);
END
$$;
COMMENT ON FUNCTION iso28000.export_registers(bigint) IS
  'Every register of an organisation as one JSON document {"format": "iso28000-registers", "version": 1, "organization": {...}, "registers": {"register": [rows...]}}; rows as export_register() writes them. import_registers() reads it back into another organisation. Needs level read (IS564).';

-- Reads registers from a JSON document into an organisation.
CREATE FUNCTION iso28000.import_registers(org bigint, data jsonb, dry_run boolean DEFAULT true)
RETURNS TABLE (register text, row_number integer, row_key text, column_name text, sqlstate text, message text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  regs jsonb;
  problems jsonb := '[]';
  keys jsonb := '{}';          -- register -> {_key -> new id}
  seen jsonb := '{}';          -- register -> {_key -> true}, every row read
  rowmap jsonb := '{}';        -- register -> {new id -> row number}, for the inclusion checks
  t record;
  ref iso28000.transfer_reference_row;
  rowv jsonb;
  n integer;
  k text;
  v jsonb;
  cols text[];
  vals jsonb;
  rkey text;
  ok boolean;
  newid bigint;
  hits bigint[];
  allowed text[];
  e_state text; e_msg text; e_col text; e_table text;
  p jsonb;
  wf text;
  wf_col text;
  path text[];
  refmap jsonb;
BEGIN
  IF NOT coalesce(iso28000.has_level(org, 'write'), false) THEN
    RAISE EXCEPTION 'role "%" cannot import into organisation %: that needs level write', current_user, org
      USING ERRCODE = 'IS564', SCHEMA = 'iso28000', TABLE = 'organization', COLUMN = 'org_id';
  END IF;
  regs := CASE WHEN data ? 'registers' THEN data -> 'registers' ELSE data END;
  IF jsonb_typeof(regs) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'import into organisation %: the document is not a JSON object of registers', org
      USING ERRCODE = 'IS569', SCHEMA = 'iso28000',
            HINT = 'Give {"registers": {"risk": [{...}, ...], ...}}, the form export_registers() writes.';
  END IF;
  FOR k IN SELECT jsonb_object_keys(regs) LOOP
    IF NOT EXISTS (SELECT FROM iso28000.transfer_register() x WHERE x.register OPERATOR(pg_catalog.=) k) THEN
      problems := problems || jsonb_build_object('register', k, 'sqlstate', 'IS565',
                    'message', format('"%s" is not a register that import handles', k));
    ELSIF jsonb_typeof(regs -> k) IS DISTINCT FROM 'array' THEN
      problems := problems || jsonb_build_object('register', k, 'sqlstate', 'IS569',
                    'message', format('the rows of register %s are not a JSON array', k));
    END IF;
  END LOOP;

  BEGIN
    -- a provider comes with its evidence later in the import: its inclusion is
    -- checked once every register is in (sql/clauses/clause08_4_supply_chain_assurance.sql)
    SET CONSTRAINTS iso28000.inclusion_guard DEFERRED;
    FOR t IN SELECT x.* FROM iso28000.transfer_register() x
              WHERE regs ? x.register AND jsonb_typeof(regs -> x.register) OPERATOR(pg_catalog.=) 'array'
              ORDER BY x.seq LOOP
      keys := keys || jsonb_build_object(t.register, '{}'::jsonb);
      rowmap := rowmap || jsonb_build_object(t.register, '{}'::jsonb);
      seen := seen || jsonb_build_object(t.register, '{}'::jsonb);
      SELECT array_agg(a.attname::text) INTO allowed FROM pg_catalog.pg_attribute a
       WHERE a.attrelid OPERATOR(pg_catalog.=) ('iso28000.' || quote_ident(t.register))::regclass
         AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
         AND a.attname::text IS DISTINCT FROM t.id_column
         AND iso28000.transfer_column_ok(t.register, a.attname::text);
      SELECT coalesce(jsonb_object_agg(x.column_name, to_jsonb(x)), '{}') INTO refmap
        FROM iso28000.transfer_reference(t.register) x;
      n := 0;
      FOR rowv IN SELECT e.value FROM jsonb_array_elements(regs -> t.register) e LOOP
        n := n + 1;
        ok := true;
        IF jsonb_typeof(rowv) IS DISTINCT FROM 'object' THEN
          problems := problems || jsonb_build_object('register', t.register, 'row', n, 'sqlstate', 'IS569',
                        'message', format('row %s of register %s is not a JSON object', n, t.register));
          CONTINUE;
        END IF;
        rkey := coalesce(rowv ->> '_key', n::text);
        IF seen -> t.register ? rkey THEN
          problems := problems || jsonb_build_object('register', t.register, 'row', n, 'key', rkey, 'column', '_key',
                        'sqlstate', 'IS570', 'message', format('row %s of register %s repeats _key "%s"', n, t.register, rkey));
          ok := false;
        END IF;
        seen := jsonb_set(seen, ARRAY[t.register, rkey], 'true');
        cols := '{}';
        vals := '{}';
        FOR k, v IN SELECT e.key, e.value FROM jsonb_each(rowv) e WHERE e.key OPERATOR(pg_catalog.<>) '_key' LOOP
          IF NOT k OPERATOR(pg_catalog.=) ANY (allowed) THEN
            problems := problems || jsonb_build_object('register', t.register, 'row', n, 'key', rkey, 'column', k,
                          'sqlstate', 'IS566', 'message',
                          format('row %s of register %s: column "%s" %s', n, t.register, k,
                                 CASE WHEN k IS NOT DISTINCT FROM t.id_column OR NOT iso28000.transfer_column_ok(t.register, k)
                                      THEN 'is set by the database, not by an import' ELSE 'does not exist' END));
            ok := false;
            CONTINUE;
          END IF;
          IF refmap ? k AND jsonb_typeof(v) OPERATOR(pg_catalog.<>) 'null' THEN
            ref := jsonb_populate_record(NULL::iso28000.transfer_reference_row, refmap -> k);
            -- a record of this import (by _key), else of the organisation (by code, e-mail or name)
            hits := NULL;
            IF keys -> ref.target ? (v #>> '{}') THEN
              hits := ARRAY[(keys -> ref.target ->> (v #>> '{}'))::bigint];
            ELSIF ref.target_key OPERATOR(pg_catalog.=) 'email' THEN
              EXECUTE 'SELECT array_agg(p.person_id) FROM iso28000.person p
                        WHERE p.org_id OPERATOR(pg_catalog.=) $1
                          AND (p.email OPERATOR(pg_catalog.=) $2
                               OR (p.full_name OPERATOR(pg_catalog.=) $2
                                   AND NOT EXISTS (SELECT FROM iso28000.person q WHERE q.org_id OPERATOR(pg_catalog.=) $1
                                                     AND q.email OPERATOR(pg_catalog.=) $2)))'
                INTO hits USING org, v #>> '{}';
            ELSIF ref.target_key OPERATOR(pg_catalog.=) 'code' THEN
              EXECUTE format('SELECT array_agg(t.%I) FROM iso28000.%I t WHERE t.org_id OPERATOR(pg_catalog.=) $1 AND t.code OPERATOR(pg_catalog.=) $2',
                             ref.target_id, ref.target)
                INTO hits USING org, v #>> '{}';
            END IF;
            IF coalesce(array_length(hits, 1), 0) OPERATOR(pg_catalog.=) 1 THEN
              v := to_jsonb(hits[1]);
            ELSE
              problems := problems || jsonb_build_object('register', t.register, 'row', n, 'key', rkey, 'column', k,
                            'sqlstate', CASE WHEN hits IS NULL THEN 'IS567' ELSE 'IS568' END,
                            'message', format('row %s of register %s: %s "%s" %s', n, t.register, k, v #>> '{}',
                                              CASE WHEN hits IS NULL
                                                   THEN format('names no %s of the organisation or of this import', ref.target)
                                                   ELSE format('names %s records of %s', array_length(hits, 1), ref.target) END));
              ok := false;
              CONTINUE;
            END IF;
          END IF;
          cols := cols || k;
          vals := vals || jsonb_build_object(k, v);
        END LOOP;
        CONTINUE WHEN NOT ok;
        BEGIN
          IF t.register OPERATOR(pg_catalog.=) 'review_input_item' AND vals ? 'review_id' AND vals ? 'input_code' THEN
            -- a management review fills its checklist when it is created: the row is updated, not added
            EXECUTE format('UPDATE iso28000.review_input_item t SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::iso28000.review_input_item, $2) r)
                             WHERE t.org_id OPERATOR(pg_catalog.=) $1 AND t.review_id OPERATOR(pg_catalog.=) (($2) ->> ''review_id'')::bigint
                               AND t.input_code OPERATOR(pg_catalog.=) (($2) ->> ''input_code'')
                            RETURNING t.input_item_id',
                           (SELECT string_agg(quote_ident(c), ', ') FROM unnest(cols || 'org_id'::text) c),
                           (SELECT string_agg('r.' || quote_ident(c), ', ') FROM unnest(cols || 'org_id'::text) c))
              INTO newid USING org, vals || jsonb_build_object('org_id', org);
          ELSE
            newid := NULL;
          END IF;
          IF newid IS NULL THEN
            -- a record of a workflow in a later state: inserted in an initial state and moved
            -- along the shortest chain of transitions, each step checked by the engine
            path := NULL;
            SELECT pg_catalog.split_part(pg_catalog.encode(g.tgargs, 'escape'), '\000', 1),
                   coalesce(nullif(pg_catalog.split_part(pg_catalog.encode(g.tgargs, 'escape'), '\000', 2), ''), 'status')
              INTO wf, wf_col
              FROM pg_catalog.pg_trigger g
             WHERE g.tgrelid OPERATOR(pg_catalog.=) ('iso28000.' || quote_ident(t.register))::regclass
               AND g.tgfoid OPERATOR(pg_catalog.=) 'iso28000.workflow_guard()'::regprocedure;
            IF FOUND AND vals ? wf_col AND NOT EXISTS (
                   SELECT FROM iso28000.workflow_state s
                    WHERE s.workflow OPERATOR(pg_catalog.=) wf AND s.state OPERATOR(pg_catalog.=) (vals ->> wf_col) AND s.is_initial) THEN
              WITH RECURSIVE walk (state, steps) AS (
                SELECT s.state, ARRAY[s.state] FROM iso28000.workflow_state s
                 WHERE s.workflow OPERATOR(pg_catalog.=) wf AND s.is_initial
                UNION ALL
                SELECT tr.to_state, w.steps || tr.to_state
                  FROM walk w JOIN iso28000.workflow_transition tr
                    ON tr.workflow OPERATOR(pg_catalog.=) wf AND tr.from_state OPERATOR(pg_catalog.=) w.state
                 WHERE NOT tr.to_state OPERATOR(pg_catalog.=) ANY (w.steps) AND pg_catalog.cardinality(w.steps) OPERATOR(pg_catalog.<) 20)
              SELECT w.steps INTO path FROM walk w
               WHERE w.state OPERATOR(pg_catalog.=) (vals ->> wf_col)
               ORDER BY pg_catalog.cardinality(w.steps) LIMIT 1;
            END IF;
            EXECUTE format('INSERT INTO iso28000.%I (org_id%s) SELECT $1%s FROM jsonb_populate_record(NULL::iso28000.%I, $2) r RETURNING %I',
                           t.register,
                           (SELECT coalesce(string_agg(', ' || quote_ident(c), ''), '') FROM unnest(cols) c),
                           (SELECT coalesce(string_agg(', r.' || quote_ident(c), ''), '') FROM unnest(cols) c),
                           t.register, coalesce(t.id_column, 'org_id'))
              INTO newid USING org, CASE WHEN path IS NULL THEN vals ELSE vals || jsonb_build_object(wf_col, path[1]) END;
            FOR i IN 2 .. coalesce(pg_catalog.cardinality(path), 0) LOOP
              EXECUTE format('UPDATE iso28000.%I t SET %I = $3 WHERE t.org_id OPERATOR(pg_catalog.=) $1 AND t.%I OPERATOR(pg_catalog.=) $2',
                             t.register, wf_col, t.id_column)
                USING org, newid, path[i];
            END LOOP;
          END IF;
          keys := jsonb_set(keys, ARRAY[t.register, rkey], to_jsonb(newid));
          rowmap := jsonb_set(rowmap, ARRAY[t.register, newid::text], to_jsonb(n));
        EXCEPTION WHEN OTHERS THEN
          GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT, e_col = COLUMN_NAME, e_table = TABLE_NAME;
          problems := problems || jsonb_build_object('register', t.register, 'row', n, 'key', rkey,
                        'column', nullif(e_col, ''), 'sqlstate', e_state,
                        'message', format('row %s of register %s: %s', n, t.register, e_msg));
        END;
      END LOOP;
    END LOOP;
    -- every provider and high or critical link imported, checked now that its evidence is in, row by row
    FOR t IN SELECT x.* FROM iso28000.transfer_register() x
              WHERE x.register IN ('supply_chain_node', 'supply_chain_dependency', 'process_dependency')
                AND rowmap ? x.register
              ORDER BY x.seq LOOP
      FOR k, v IN SELECT e.key, e.value FROM jsonb_each(rowmap -> t.register) e LOOP
        BEGIN
          PERFORM iso28000.provider_inclusion_recheck(t.register, org, k::bigint);
        EXCEPTION WHEN OTHERS THEN
          GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT, e_col = COLUMN_NAME;
          problems := problems || jsonb_build_object('register', t.register, 'row', (v #>> '{}')::integer,
                        'column', nullif(e_col, ''), 'sqlstate', e_state,
                        'message', format('row %s of register %s: %s', v #>> '{}', t.register, e_msg));
        END;
      END LOOP;
    END LOOP;
    -- a nonconformity with source audit_finding that no finding links (IS166,
    -- checked at commit by nonconformity_audit_finding_linked, which asks the
    -- same function), listed with its row
    IF rowmap ? 'nonconformity' AND NOT iso28000._has_owner_privileges() THEN
      FOR k, v IN SELECT e.key, e.value FROM jsonb_each(rowmap -> 'nonconformity') e
                   WHERE iso28000._nonconformity_lacks_finding(org, e.key::bigint)
                   ORDER BY (e.value #>> '{}')::integer LOOP
        problems := problems || jsonb_build_object('register', 'nonconformity', 'row', (v #>> '{}')::integer,
                      'column', 'source', 'sqlstate', 'IS166',
                      'message', format('row %s of register nonconformity: it has source audit_finding but no audit finding links it', v #>> '{}'));
      END LOOP;
    END IF;
    BEGIN
      SET CONSTRAINTS iso28000.inclusion_guard IMMEDIATE;
    EXCEPTION WHEN OTHERS THEN
      NULL;   -- the same checks as above, which listed each refusal with its row
    END;
    IF dry_run THEN
      RAISE EXCEPTION 'dry run' USING ERRCODE = 'IS579';
    END IF;
  EXCEPTION WHEN SQLSTATE 'IS579' THEN
    NULL;   -- the dry run's writes are undone; its problems are kept
  END;

  IF NOT dry_run AND jsonb_array_length(problems) OPERATOR(pg_catalog.>) 0 THEN
    p := problems -> 0;
    RAISE EXCEPTION '%', format('import into organisation %s refused, nothing written: %s%s', org, p ->> 'message',
                                CASE WHEN jsonb_array_length(problems) OPERATOR(pg_catalog.>) 1
                                     THEN format(' (and %s more problems)', jsonb_array_length(problems) - 1) ELSE '' END)
      USING ERRCODE = p ->> 'sqlstate', SCHEMA = 'iso28000', TABLE = coalesce(p ->> 'register', ''),
            COLUMN = coalesce(p ->> 'column', ''),
            HINT = 'import_registers(org, data, dry_run => true) lists every problem of every row.';
  END IF;
  FOR p IN SELECT e.value FROM jsonb_array_elements(problems) e LOOP
    register := p ->> 'register';
    row_number := (p ->> 'row')::integer;
    row_key := p ->> 'key';
    column_name := p ->> 'column';
    sqlstate := p ->> 'sqlstate';
    message := p ->> 'message';
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION iso28000.import_registers(bigint, jsonb, boolean) IS
  'Imports registers from a JSON document (the form export_registers() writes) into an organisation, as the caller, through every rule of the registers. With dry_run (the default) writes nothing and returns one row per problem: register, row number, _key, column, SQLSTATE and message; a real run writes every row or, at the first problem, nothing, raising it with its SQLSTATE. Needs level write (IS564); unknown register IS565, column IS566, reference not found IS567 or ambiguous IS568, malformed document IS569, repeated _key IS570.';

-- CSV: a temporary view of one register, as the export writes it, to COPY out.
CREATE FUNCTION iso28000.export_csv_view(org bigint, register text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  cols text;
  name text := register || '_export';
BEGIN
  IF NOT iso28000.transfer_is_register(register) THEN
    RAISE EXCEPTION 'export: "%" is not a register that export and import handle', register
      USING ERRCODE = 'IS565', SCHEMA = 'iso28000', TABLE = register;
  END IF;
  IF NOT coalesce(iso28000.has_level(org, 'read'), false) THEN
    RAISE EXCEPTION 'role "%" cannot export the registers of organisation %: that needs level read', current_user, org
      USING ERRCODE = 'IS564', SCHEMA = 'iso28000', TABLE = register, COLUMN = 'org_id';
  END IF;
  -- arrays in PostgreSQL's own literal form ({a,b}), which the staging import reads back
  SELECT string_agg(CASE WHEN t.typcategory OPERATOR(pg_catalog.=) 'A'
                         THEN format('(SELECT pg_catalog.array_agg(x)::text FROM pg_catalog.jsonb_array_elements_text(e -> %L) x) AS %I', a.attname, a.attname)
                         ELSE format('e ->> %L AS %I', a.attname, a.attname) END, ', ' ORDER BY a.attnum) INTO cols
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
   WHERE a.attrelid OPERATOR(pg_catalog.=) ('iso28000.' || quote_ident(register))::regclass
     AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
     AND a.attname::text IS DISTINCT FROM iso28000.transfer_id_column(register)
     AND iso28000.transfer_column_ok(register, a.attname::text);
  EXECUTE format('CREATE OR REPLACE TEMPORARY VIEW %I AS SELECT e ->> ''_key'' AS _key, %s FROM iso28000.export_register(%s, %L) e',
                 name, cols, org, register);
  RETURN 'pg_temp.' || quote_ident(name);
END
$$;
COMMENT ON FUNCTION iso28000.export_csv_view(bigint, text) IS
  'Creates (or replaces) the temporary view pg_temp.<register>_export: the rows of export_register(org, register) as text columns (_key, then the register''s columns; arrays as {a,b}), for COPY ... TO ... CSV HEADER; returns its name. Needs level read (IS564); unknown register IS565.';

-- CSV: imports the rows of a staging table (filled with COPY ... FROM ... CSV HEADER).
CREATE FUNCTION iso28000.import_staging(org bigint, register_name text, staging regclass, dry_run boolean DEFAULT true)
RETURNS TABLE (register text, row_number integer, row_key text, column_name text, sqlstate text, message text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rows jsonb;
BEGIN
  EXECUTE format('SELECT coalesce(jsonb_agg(jsonb_strip_nulls(to_jsonb(s))), ''[]'') FROM %s s', staging) INTO rows;
  RETURN QUERY SELECT * FROM iso28000.import_registers(org, jsonb_build_object(register_name, rows), dry_run);
END
$$;
COMMENT ON FUNCTION iso28000.import_staging(bigint, text, regclass, boolean) IS
  'Imports the rows of a staging table into one register: each row becomes a JSON object of its non-empty columns (so a column named _key is the row''s key, and an empty cell leaves the register''s default), then import_registers(org, {register: rows}, dry_run). Fill the staging table with COPY ... FROM ... (FORMAT csv, HEADER); its columns are named after the register''s.';
