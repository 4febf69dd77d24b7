/*
 * sql/core/06_workflow_transition.sql
 *		transition(): one workflow move of one record, refused when the
 *		record is no longer in the state the caller saw (issue 14).
 *
 * An application shows a record in a state; by the time the user's click
 * arrives, someone else may have moved it.  A plain UPDATE of the status then
 * either fails for another reason or, when the second move is the same as the
 * first, becomes an edit in the same state that silently overwrites the
 * first one's text.  The cure is to name the state the user saw in the WHERE
 * clause and check the row count (doc/applications.md); transition() does
 * exactly that and turns a row count of 0 into a refusal an application can
 * act on: IS060 when the record is in another state now, IS061 when the
 * caller cannot see it at all.
 *
 * It runs as the caller (SECURITY INVOKER): row-level security, the
 * workflow engine (levels, required columns, guards) and the acting person
 * apply exactly as to the caller's own UPDATE; it adds no right.  The record
 * is found by org_id and the other column of its primary key.
 */

-- One workflow move of one record, refused (IS060) when it is no longer in the expected state.
CREATE FUNCTION iso28000.transition(tbl regclass, org bigint, id bigint,
                                    expected_status text, new_status text,
                                    changes jsonb DEFAULT '{}', status_column name DEFAULT 'status')
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel_name  text;
    key_col   name;
    bad       text;
    set_list  text;
    after     jsonb;
    found_now text;
    moved     record;
    n         bigint;
BEGIN
    IF tbl IS NULL OR org IS NULL OR id IS NULL OR expected_status IS NULL OR new_status IS NULL
       OR status_column IS NULL THEN
        RAISE EXCEPTION 'transition needs a table, an organisation, a record, the expected state and the new state'
              USING ERRCODE = '22004',
                    HINT = 'Call iso28000.transition(table, org_id, id, expected_status, new_status[, changes]).';
    END IF;
    SELECT c.relname INTO rel_name FROM pg_class c WHERE c.oid = tbl;

    -- A register of the extension whose status_column a workflow governs.
    IF NOT iso28000._is_extension_table(tbl)
       OR NOT EXISTS (SELECT FROM pg_trigger tg
                       WHERE tg.tgrelid = tbl AND tg.tgenabled <> 'D'
                         AND tg.tgfoid = 'iso28000.workflow_guard()'::regprocedure
                         AND (string_to_array(encode(tg.tgargs, 'escape'), '\000'))[2] = status_column) THEN
        RAISE EXCEPTION 'no workflow governs column "%" of table %', status_column, tbl
              USING ERRCODE = 'IS063',
                    SCHEMA = (SELECT c.relnamespace::regnamespace::text FROM pg_class c WHERE c.oid = tbl),
                    TABLE = rel_name, COLUMN = status_column,
                    DETAIL = 'transition() moves records of the extension''s registers that have a workflow.',
                    HINT = 'The registers with a workflow are listed by iso28000.workflow_next_step and doc/workflow.md.';
    END IF;

    -- The record's key within its organisation: the primary key's other column.
    SELECT a.attname INTO key_col
      FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = tbl AND i.indisprimary AND i.indnatts = 2 AND a.attname <> 'org_id';
    IF key_col IS NULL THEN
        RAISE EXCEPTION 'table % has no primary key (org_id, id) to find a record by', tbl
              USING ERRCODE = 'IS063', SCHEMA = 'iso28000', TABLE = rel_name,
                    DETAIL = 'transition() finds the record by org_id and the other column of the primary key.';
    END IF;

    -- The columns set along with the move: the register's own, never the
    -- state, the organisation or the key.
    IF changes IS NULL OR jsonb_typeof(changes) <> 'object' THEN
        RAISE EXCEPTION 'the changes of a transition are a JSON object of column names and values, not %',
                        coalesce(jsonb_typeof(changes), 'NULL')
              USING ERRCODE = 'IS062', SCHEMA = 'iso28000', TABLE = rel_name,
                    DETAIL = 'transition() sets the columns named by the keys of the object to its values.',
                    HINT = 'Pass ''{}'' when the move changes no other column.';
    END IF;
    SELECT min(k) INTO bad
      FROM jsonb_object_keys(changes) k
     WHERE k IN (status_column, 'org_id', key_col)
        OR NOT EXISTS (SELECT FROM pg_attribute a
                        WHERE a.attrelid = tbl AND a.attname = k AND a.attnum > 0 AND NOT a.attisdropped);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'a transition of % cannot set column "%"', tbl, bad
              USING ERRCODE = 'IS062', SCHEMA = 'iso28000', TABLE = rel_name, COLUMN = bad,
                    DETAIL = CASE WHEN bad IN (status_column, 'org_id', key_col)
                                  THEN 'The state, the organisation and the key of the record are the transition''s own arguments.'
                                  ELSE format('Table %s has no column "%s".', tbl, bad) END,
                    HINT = 'The columns of each register are listed in doc/registers/.';
    END IF;
    SELECT string_agg(format('%I = r.%I', k, k), ', ' ORDER BY k) INTO set_list
      FROM jsonb_object_keys(changes) k;

    -- The move itself: the expected state in the WHERE clause, as the caller.
    EXECUTE format('UPDATE %s AS t SET %I = $1%s FROM jsonb_populate_record(NULL::%s, $2) AS r
                     WHERE t.org_id OPERATOR(pg_catalog.=) $3 AND t.%I OPERATOR(pg_catalog.=) $4
                       AND t.%I OPERATOR(pg_catalog.=) $5
                    RETURNING t.*',
                   tbl, status_column, coalesce(', ' || set_list, ''), tbl, key_col, status_column)
       INTO moved
      USING new_status, changes, org, id, expected_status;
    -- The row as JSON here, not in RETURNING: Citus refuses a function that
    -- is not IMMUTABLE there (to_jsonb is STABLE) when the table is distributed.
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        after := to_jsonb(moved);
        RETURN after;
    END IF;

    -- No row moved: the record is in another state now, or not there for the caller.
    EXECUTE format('SELECT t.%I::text FROM %s AS t WHERE t.org_id OPERATOR(pg_catalog.=) $1 AND t.%I OPERATOR(pg_catalog.=) $2',
                   status_column, tbl, key_col)
       INTO found_now
      USING org, id;
    IF found_now IS NULL OR found_now = expected_status THEN
        RAISE EXCEPTION '% (org_id, %)=(%, %) does not exist or cannot be changed by role "%"',
                        tbl, key_col, org, id, current_user
              USING ERRCODE = 'IS061', SCHEMA = 'iso28000', TABLE = rel_name, COLUMN = key_col,
                    DETAIL = 'No record with this key is visible to the role for update in the organisation.',
                    HINT = 'Check the organisation and the record''s id; a member needs write access to change records.';
    END IF;
    RAISE EXCEPTION '% (org_id, %)=(%, %) is in state "%", not "%": it changed since it was read',
                    tbl, key_col, org, id, found_now, expected_status
          USING ERRCODE = 'IS060', SCHEMA = 'iso28000', TABLE = rel_name, COLUMN = status_column,
                DETAIL = format('The move from "%s" to "%s" was not made and nothing was written: someone moved the record first.',
                                expected_status, new_status),
                HINT = 'Reload the record and offer the moves from its current state (iso28000.workflow_next_step).';
END
$$;
COMMENT ON FUNCTION iso28000.transition(regclass, bigint, bigint, text, text, jsonb, name) IS
  'Moves one record of a register with a workflow from expected_status to new_status, setting the columns named in changes (a JSON object) in the same UPDATE, as the caller (row-level security and the workflow engine apply), and returns the record after the move as JSON. Refuses a record no longer in expected_status (IS060: someone moved it first; nothing is written), a record the caller cannot see or change (IS061), changes naming a column the register lacks or the state, org_id or key (IS062), and a table no workflow governs (IS063).';
