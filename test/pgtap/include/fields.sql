-- test/pgtap/include/fields.sql: the fields a refusal carries (doc/sqlstates.md),
-- for the pgTAP files that check them; included with \ir include/fields.sql
-- (pg_prove runs test/pgtap/*.sql only, not this folder).

-- 'SQLSTATE schema.table.column' of the error a statement raises ('no error' when none).
CREATE FUNCTION pg_temp.fields(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; sc text; tb text; co text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, sc = SCHEMA_NAME, tb = TABLE_NAME, co = COLUMN_NAME;
  RETURN format('%s %s.%s.%s', st, sc, tb, co);
END
$$;

-- The same, then ' detail' or ' no detail', then ' constraint NAME' when the error names one.
CREATE FUNCTION pg_temp.fields_detail(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; sc text; tb text; co text; cn text; de text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, sc = SCHEMA_NAME, tb = TABLE_NAME,
                          co = COLUMN_NAME, cn = CONSTRAINT_NAME, de = PG_EXCEPTION_DETAIL;
  RETURN format('%s %s.%s.%s %s', st, sc, tb, co, CASE WHEN de <> '' THEN 'detail' ELSE 'no detail' END)
         || CASE WHEN cn <> '' THEN ' constraint ' || cn ELSE '' END;
END
$$;
