/*
 * sql/core/07_register.sql
 *		register_table(), the one call that makes a table a register (the
 *		row-level security pattern of the tenant model, pg_dump, the history
 *		chain), and the first register: the people of an organisation.
 *
 * It comes after both engines (sql/core/05_history.sql,
 * sql/core/06_workflow.sql), so that every register it makes is recorded
 * from its creation; every file after it declares its registers with it.
 */

-- Enables and forces row-level security on a register with the standard
-- policies, grants daily use to PUBLIC (the policies decide which rows), has
-- pg_dump keep its rows, and attaches the history chain.  One call per register.
CREATE FUNCTION iso28000.register_table(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    seq regclass;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND NOT attisdropped) THEN
        RAISE EXCEPTION 'table % has no org_id column', tbl
              USING ERRCODE = 'IS005',
                    DETAIL = 'Every register belongs to an organisation through its org_id column.';
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY member_read ON %s FOR SELECT
                      USING (org_id = ANY ((SELECT iso28000.member_orgs(''read''))::bigint[]))', tbl);
    EXECUTE format('CREATE POLICY member_insert ON %s FOR INSERT
                      WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))', tbl);
    EXECUTE format('CREATE POLICY member_update ON %s FOR UPDATE
                      USING (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))
                      WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))', tbl);
    EXECUTE format('CREATE POLICY member_delete ON %s FOR DELETE
                      USING (org_id = ANY ((SELECT iso28000.member_orgs(''write''))::bigint[]))', tbl);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO PUBLIC', tbl);

    -- pg_dump keeps the rows of the extension's own registers (and the state of
    -- their identity sequences); a user's table attached here is dumped anyway.
    IF EXISTS (SELECT FROM pg_depend
                WHERE classid = 'pg_class'::regclass AND objid = tbl AND deptype = 'e') THEN
        PERFORM pg_catalog.pg_extension_config_dump(tbl, '');
        FOR seq IN
            SELECT pg_get_serial_sequence(tbl::text, attname)::regclass
              FROM pg_attribute
             WHERE attrelid = tbl AND attidentity <> '' AND NOT attisdropped
        LOOP
            PERFORM pg_catalog.pg_extension_config_dump(seq, '');
        END LOOP;
    END IF;

    -- history: every change is recorded in the organisation's chain (sql/core/05_history.sql).
    PERFORM iso28000.attach_history(tbl);
END
$$;
COMMENT ON FUNCTION iso28000.register_table(regclass) IS
  'Makes a table a register: enables and forces row-level security with the standard member policies, grants DML to PUBLIC (the policies filter rows), has pg_dump keep its rows, and attaches the history chain. The table needs an org_id column.';

-- People of an organisation: owners, auditors, verifiers, approvers.
CREATE TABLE iso28000.person (
    org_id      bigint NOT NULL REFERENCES iso28000.organization,
    person_id   bigint GENERATED ALWAYS AS IDENTITY,
    full_name   text NOT NULL CONSTRAINT person_full_name_present CHECK (btrim(full_name) <> ''),
    email       text CONSTRAINT person_email_format CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    job_title   text,
    db_role     name,
    active      boolean NOT NULL DEFAULT true,
    PRIMARY KEY (org_id, person_id),
    CONSTRAINT person_db_role_unique UNIQUE (org_id, db_role)
);
COMMENT ON TABLE iso28000.person IS
  'ISO 28000 5.3, 7.2: People of the organisation who own, perform, audit, verify or approve; a person may have a database login.';
COMMENT ON COLUMN iso28000.person.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.person.person_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.person.full_name IS 'Full name.';
COMMENT ON COLUMN iso28000.person.email IS 'E-mail address.';
COMMENT ON COLUMN iso28000.person.job_title IS 'Job title or function.';
COMMENT ON COLUMN iso28000.person.db_role IS 'Database role this person logs in as, if any; current_person() maps the session to the person.';
COMMENT ON COLUMN iso28000.person.active IS 'False once the person has left; their records are kept.';
SELECT iso28000.register_table('iso28000.person');

-- The person of the organisation whose database role is the current role.
CREATE FUNCTION iso28000.current_person(org bigint)
RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT person_id FROM iso28000.person
     WHERE org_id = org AND db_role = current_user AND active
$$;
COMMENT ON FUNCTION iso28000.current_person(bigint) IS
  'The active person of the organisation whose db_role is the current role, or NULL.';
