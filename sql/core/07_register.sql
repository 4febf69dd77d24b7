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
-- pg_dump keep its rows (the extension's own registers), attaches the history
-- chain, and comments the standard columns (org_id, the identity key) that an
-- own register leaves uncommented.  One call per register.
CREATE FUNCTION iso28000.register_table(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    seq regclass;
    col record;
BEGIN
    PERFORM iso28000._require_extension_table(tbl, 'IS010', format('table %s cannot be made a register', tbl),
                'The history and the workflow engine serve only the extension''s own registers.');
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND NOT attisdropped) THEN
        RAISE EXCEPTION 'table % has no org_id column', tbl
              USING ERRCODE = 'IS005',
                    DETAIL = 'Every register belongs to an organisation through its org_id column.',
                    HINT = 'Add org_id bigint NOT NULL REFERENCES iso28000.organization, first in the primary key.',
                    SCHEMA = 'iso28000', TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl),
                    COLUMN = 'org_id';
    END IF;

    -- The standard columns of the extension's own registers say what they
    -- are, unless the register commented them itself (before this call, or
    -- after it, which overrides): org_id, and the identity column that keys a
    -- row within its organisation.  A user's table keeps its own comments:
    -- nothing of the extension stays on it after DROP EXTENSION.
    FOR col IN
        SELECT a.attname,
               CASE WHEN a.attname = 'org_id' THEN 'The organisation.'
                    ELSE 'Surrogate key within the organisation.' END AS comment
          FROM pg_attribute a
         WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
           AND (a.attname = 'org_id' OR a.attidentity <> '')
           AND col_description(tbl, a.attnum) IS NULL
           AND EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = tbl AND d.deptype = 'e')
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', tbl, col.attname, col.comment);
    END LOOP;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY member_read ON %s FOR SELECT
                      USING (iso28000.policy_has_level(org_id, ''read''))', tbl);
    EXECUTE format('CREATE POLICY member_insert ON %s FOR INSERT
                      WITH CHECK (iso28000.policy_has_level(org_id, ''write''))', tbl);
    EXECUTE format('CREATE POLICY member_update ON %s FOR UPDATE
                      USING (iso28000.policy_has_level(org_id, ''write''))
                      WITH CHECK (iso28000.policy_has_level(org_id, ''write''))', tbl);
    EXECUTE format('CREATE POLICY member_delete ON %s FOR DELETE
                      USING (iso28000.policy_has_level(org_id, ''write''))', tbl);
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
REVOKE ALL ON FUNCTION iso28000.register_table(regclass) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.register_table(regclass) IS
  'Makes a table a register: enables and forces row-level security with the standard member policies, grants DML to PUBLIC (the policies filter rows), has pg_dump keep its rows, attaches the history chain, and comments org_id and the identity key column unless the register comments them itself. The table must be a permanent table of schema iso28000 owned by the extension''s owner (IS010) and have an org_id column (IS005). Not granted to PUBLIC.';

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
COMMENT ON COLUMN iso28000.person.full_name IS 'Full name.';
COMMENT ON COLUMN iso28000.person.email IS 'E-mail address.';
COMMENT ON COLUMN iso28000.person.job_title IS 'Job title or function.';
COMMENT ON COLUMN iso28000.person.db_role IS 'Database role this person logs in as, if any; acting_person() maps the session to the person.';
COMMENT ON COLUMN iso28000.person.active IS 'False once the person has left; their records are kept.';
SELECT iso28000.register_table('iso28000.person');

/*
 * The acting person (src/actor.c, doc/security.md).  A person acts through
 * their own role (person.db_role = current_user) or through an application
 * role that a manager delegated to act for the organisation's people: the
 * application then names the person per transaction with act_as(org, person),
 * which the database checks and keeps in backend memory for that transaction
 * only.  Every stamp and every segregation-of-duties rule asks
 * acting_person(); current_person() is the same answer under its old name.
 */

-- Application roles that a manager lets act for the organisation's people.
CREATE TABLE iso28000.delegation (
    org_id      bigint NOT NULL REFERENCES iso28000.organization,
    delegate    regrole NOT NULL,
    note        text,
    granted_by  name NOT NULL DEFAULT current_user,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, delegate)
);
COMMENT ON TABLE iso28000.delegation IS
  'ISO 28000 5.3, 7.5.3: Database roles (typically an application''s pooled login) that a manager of the organisation lets act for its people with act_as(); change it with grant_delegation() and revoke_delegation(); every change is chained in the history.';
COMMENT ON COLUMN iso28000.delegation.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.delegation.delegate IS 'The delegated database role; roles that have its privileges may act through it.';
COMMENT ON COLUMN iso28000.delegation.note IS 'Why the role is delegated (for example the application it serves).';
COMMENT ON COLUMN iso28000.delegation.granted_by IS 'Role that granted the delegation.';
COMMENT ON COLUMN iso28000.delegation.granted_at IS 'When the delegation was granted or last changed.';
ALTER TABLE iso28000.delegation ENABLE ROW LEVEL SECURITY;
ALTER TABLE iso28000.delegation FORCE ROW LEVEL SECURITY;
CREATE POLICY member_read ON iso28000.delegation FOR SELECT
  USING (iso28000.policy_has_level(org_id, 'read'));
CREATE POLICY manager_insert ON iso28000.delegation FOR INSERT
  WITH CHECK (iso28000.policy_has_level(org_id, 'manage'));
CREATE POLICY manager_update ON iso28000.delegation FOR UPDATE
  USING (iso28000.policy_has_level(org_id, 'manage'))
  WITH CHECK (iso28000.policy_has_level(org_id, 'manage'));
CREATE POLICY manager_delete ON iso28000.delegation FOR DELETE
  USING (iso28000.policy_has_level(org_id, 'manage'));
GRANT SELECT, INSERT, UPDATE, DELETE ON iso28000.delegation TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.delegation', '');
SELECT iso28000.attach_history('iso28000.delegation');

-- Lets a role act for the organisation's people (needs manage).
CREATE FUNCTION iso28000.grant_delegation(org bigint, role regrole, note text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM iso28000.require_level(org, 'manage');
    -- The stamps as values, set from excluded: Citus refuses functions that
    -- are not IMMUTABLE in DO UPDATE SET of a distributed table.
    INSERT INTO iso28000.delegation AS d (org_id, delegate, note, granted_by, granted_at)
         VALUES (org, role, grant_delegation.note, current_user, now())
    ON CONFLICT (org_id, delegate)
      DO UPDATE SET note = excluded.note, granted_by = excluded.granted_by, granted_at = excluded.granted_at;
END
$$;
COMMENT ON FUNCTION iso28000.grant_delegation(bigint, regrole, text) IS
  'Lets a database role (an application''s login) act for the people of the organisation with act_as(); the caller must manage the organisation (IS001).';

-- Ends a role's delegation; false when it had none.
CREATE FUNCTION iso28000.revoke_delegation(org bigint, role regrole)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
    stored oid;
BEGIN
    PERFORM iso28000.require_level(org, 'manage');
    -- The row found by the role's name, then deleted by the oid it holds: on
    -- a Citus cluster the row is on a worker, where the role has another oid
    -- than the one this node would send (doc/distribution.md).
    SELECT d.delegate::oid INTO stored FROM iso28000.delegation d
     WHERE d.org_id = org AND d.delegate::text = role::text;
    DELETE FROM iso28000.delegation d WHERE d.org_id = org AND d.delegate::oid = stored;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
END
$$;
COMMENT ON FUNCTION iso28000.revoke_delegation(bigint, regrole) IS
  'Ends a role''s delegation in the organisation; returns false when it had none. The caller must manage the organisation (IS001). A declaration already made with act_as() stops counting at the next statement.';

-- Declares the person the current transaction acts for.
CREATE FUNCTION iso28000.act_as(org bigint, person bigint)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'iso28000_act_as';
COMMENT ON FUNCTION iso28000.act_as(bigint, bigint) IS
  'Declares, for the rest of the current transaction (or until its savepoint is rolled back), that the current role acts for the person in the organisation. Refused unless a manager delegated the role there (IS020) and the person is an active person of the organisation (IS021). Kept in backend memory, not in a setting: safe behind a transaction pooler.';

-- The person the current transaction acts for in the organisation.
CREATE FUNCTION iso28000.acting_person(org bigint)
RETURNS bigint
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'iso28000_acting_person_sql';
COMMENT ON FUNCTION iso28000.acting_person(bigint) IS
  'The acting person of the current transaction in the organisation: the person named with act_as() while the current role is still the delegated role that named it, else the active person whose db_role is the current role; NULL when there is none.';

-- The acting person's look-ups are kept per backend across statements
-- (src/actor.c); a change of who a person is or of a delegation drops them in
-- every session: at the next command of the own transaction, at the next
-- statement of the others once it commits.
CREATE FUNCTION iso28000.identity_changed() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_identity_changed';
COMMENT ON FUNCTION iso28000.identity_changed() IS
  'Statement trigger on person and delegation: every session drops the acting-person look-ups it keeps (src/actor.c), so the change counts from its next statement.';
CREATE TRIGGER identity_changed AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF org_id, person_id, db_role, active
  ON iso28000.person FOR EACH STATEMENT EXECUTE FUNCTION iso28000.identity_changed();
CREATE TRIGGER identity_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.delegation FOR EACH STATEMENT EXECUTE FUNCTION iso28000.identity_changed();
-- Also in replica mode (a logical replication apply worker, session_replication_role = replica).
ALTER TABLE iso28000.person ENABLE ALWAYS TRIGGER identity_changed;
ALTER TABLE iso28000.delegation ENABLE ALWAYS TRIGGER identity_changed;

-- The acting person, under its 0.1.0 name.
CREATE FUNCTION iso28000.current_person(org bigint)
RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$ SELECT iso28000.acting_person(org) $$;
COMMENT ON FUNCTION iso28000.current_person(bigint) IS
  'The acting person of the organisation (acting_person()): the person named with act_as() by a delegated role, else the active person whose db_role is the current role, or NULL.';

-- Who-is-who is a manager's business: linking a person to a database role
-- (db_role), or making a person active or inactive, needs manage (IS022), so a
-- writer can neither borrow another person's identity nor shed his own.
CREATE FUNCTION iso28000.person_identity_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec iso28000.person := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
  IF ((TG_OP = 'INSERT' AND NEW.db_role IS NOT NULL)
      OR (TG_OP = 'UPDATE' AND (NEW.db_role IS DISTINCT FROM OLD.db_role OR NEW.active IS DISTINCT FROM OLD.active))
      OR (TG_OP = 'DELETE' AND OLD.db_role IS NOT NULL))
     AND NOT coalesce(iso28000.has_level(rec.org_id, 'manage'), false) THEN
    RAISE EXCEPTION 'role "%" cannot change who person % of organisation % is: that needs level manage',
                    current_user, coalesce(rec.person_id::text, '(new)'), rec.org_id
      USING ERRCODE = 'IS022', SCHEMA = 'iso28000', TABLE = 'person',
            COLUMN = CASE WHEN TG_OP = 'UPDATE' AND NEW.db_role IS NOT DISTINCT FROM OLD.db_role THEN 'active' ELSE 'db_role' END,
            DETAIL = 'Linking a person to a database role, and activating or deactivating a person, decide who acts as whom.',
            HINT = 'A manager of the organisation makes the change.';
  END IF;
  RETURN rec;
END
$$;
COMMENT ON FUNCTION iso28000.person_identity_guard() IS
  'Trigger on person: setting or changing db_role, changing active, or deleting a person who has a db_role needs level manage (IS022).';
CREATE TRIGGER person_identity_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.person
  FOR EACH ROW EXECUTE FUNCTION iso28000.person_identity_guard();

-- The person stamps of a register (verified_by, accepted_by, approved_by ...):
-- a column that names who did something names the acting person
-- (acting_person(), src/actor.c), never someone the client chose.  Trigger
-- arguments: one per column, "column", "column:state" or "column:*".  A value
-- the client writes (on INSERT, or changed by an UPDATE) must be the acting
-- person (IS120).  With ":state", entering that state of the status column
-- fills the column with the acting person when the client left it empty or as
-- it was, and an UPDATE that keeps the status cannot change it (IS121).  With
-- ":*", the column names who recorded the row as it now stands: an INSERT
-- that leaves it empty and every UPDATE that does not name someone new write
-- the acting person into it (NULL when nobody acts); naming someone else is
-- refused (IS120) unless the current role manages the organisation, who
-- decides who is who (and could link any login to any person) and so may
-- record what others measured, as an import does.  In C (src/actor_stamp.c):
-- it reads the row in place instead of turning it into jsonb.  Named so that it fires before the workflow
-- engine's trigger (sql/core/06_workflow.sql), whose required columns then see
-- the stamp.
CREATE FUNCTION iso28000.stamp_acting_person()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'iso28000_stamp_acting_person';
COMMENT ON FUNCTION iso28000.stamp_acting_person() IS
  'Trigger (BEFORE INSERT OR UPDATE, one argument per column, "column", "column:state" or "column:*"): a person column is written only with the acting person (IS120); with a state, entering it fills the column with the acting person and an update that keeps the status cannot change it (IS121); with *, an insert that leaves it empty and every update that names nobody new write the acting person into it, and naming another person needs level manage.';
