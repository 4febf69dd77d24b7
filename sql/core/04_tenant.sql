/*
 * sql/core/04_tenant.sql
 *		The tenant model: organisations, membership of database roles in
 *		organisations at a level, and the functions behind the row-level
 *		security pattern that every register gets through register_table()
 *		(sql/core/07_register.sql, after the engines).
 *
 * Who sees what.  Every register row carries org_id.  A role sees and changes
 * the rows of the organisations it is a member of (directly, or through a role
 * whose privileges it has), at a level: read < write < audit < manage, each
 * level including the ones below it.  The extension creates no roles; the
 * DBA creates them and a manager of an organisation grants them access.
 *
 * How membership is decided.  In C (src/membership.c), from a per-backend
 * cache of membership and access_level that every session drops when either
 * changes (a statement trigger) or when roles or role membership change, so a
 * revoke counts from the next statement.  The C code answers for the role it
 * is asked about (the current role) and only when the session user could
 * become that role.  Policies call policy_has_level(org_id, level), which the
 * planner turns into the index condition org_id = ANY (policy_orgs(level))
 * (evaluated once per scan) unless the statement fixes org_id itself; as a
 * filter it costs a hash look-up and a binary search per row.  They contain
 * no sub-select, which Citus refuses in a policy.
 */

-- Access levels, ordered: each includes the ones below it.
CREATE TABLE iso28000.access_level (
    level       text PRIMARY KEY,
    rank        smallint NOT NULL UNIQUE,
    description text NOT NULL
);
COMMENT ON TABLE iso28000.access_level IS
  'ISO 28000 5.3: Levels at which a database role is a member of an organisation; each level includes the ones of lower rank.';
COMMENT ON COLUMN iso28000.access_level.level IS 'Level name: read, write, audit or manage.';
COMMENT ON COLUMN iso28000.access_level.rank IS 'Order of the levels; a higher rank includes every lower one.';
COMMENT ON COLUMN iso28000.access_level.description IS 'What a member at this level may do.';
INSERT INTO iso28000.access_level VALUES
  ('read',   1, 'Sees the organisation''s registers and views.'),
  ('write',  2, 'Also records and changes register entries and moves them through their workflows.'),
  ('audit',  3, 'Also reads the history chain and records audit evidence.'),
  ('manage', 4, 'Also grants and revokes membership and changes the organisation''s settings.');
GRANT SELECT ON iso28000.access_level TO PUBLIC;

-- Organisations: the tenants.
CREATE TABLE iso28000.organization (
    org_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE
                CONSTRAINT organization_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    name        text NOT NULL CONSTRAINT organization_name_present CHECK (btrim(name) <> ''),
    legal_name  text,
    country     text CONSTRAINT organization_country_format CHECK (country ~ '^[A-Z]{2}$'),
    sector      text,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE iso28000.organization IS
  'ISO 28000 4.1, 4.3: Organisations (tenants) whose security management systems this database records; every register row belongs to one.';
COMMENT ON COLUMN iso28000.organization.org_id IS 'Surrogate key; the distribution key of every register.';
COMMENT ON COLUMN iso28000.organization.code IS 'Short unique code (letters, digits, _ . -; up to 63 characters).';
COMMENT ON COLUMN iso28000.organization.name IS 'Name of the organisation.';
COMMENT ON COLUMN iso28000.organization.legal_name IS 'Registered legal name, if different.';
COMMENT ON COLUMN iso28000.organization.country IS 'ISO 3166-1 alpha-2 country code of the head office.';
COMMENT ON COLUMN iso28000.organization.sector IS 'Sector of activity (for example port operations, logistics).';
COMMENT ON COLUMN iso28000.organization.active IS 'False once the organisation no longer runs its SMS here; its records are kept.';
COMMENT ON COLUMN iso28000.organization.created_at IS 'When the organisation was created.';
COMMENT ON COLUMN iso28000.organization.created_by IS 'Database role that created the organisation.';

-- Membership of database roles in organisations.
CREATE TABLE iso28000.membership (
    org_id      bigint NOT NULL REFERENCES iso28000.organization,
    member      regrole NOT NULL,
    level       text NOT NULL REFERENCES iso28000.access_level,
    granted_by  name NOT NULL DEFAULT current_user,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, member)
);
COMMENT ON TABLE iso28000.membership IS
  'ISO 28000 5.3: Database roles that are members of an organisation, and at which level; change it with grant_access() and revoke_access().';
COMMENT ON COLUMN iso28000.membership.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.membership.member IS 'The database role; roles that have its privileges share its access.';
COMMENT ON COLUMN iso28000.membership.level IS 'Access level: read, write, audit or manage.';
COMMENT ON COLUMN iso28000.membership.granted_by IS 'Role that granted the access.';
COMMENT ON COLUMN iso28000.membership.granted_at IS 'When the access was granted or last changed.';

-- Membership is decided in C (src/membership.c) from a per-backend cache of
-- this table and of access_level, which every session drops when they change
-- (this trigger) or when roles or role membership change.  The same C code
-- answers the functions below, every policy and the workflow engine: one rule
-- in one place (test/pgtap/workflow_level_agreement.sql, membership_cache.sql).
CREATE FUNCTION iso28000.membership_changed() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_membership_changed';
COMMENT ON FUNCTION iso28000.membership_changed() IS
  'Statement trigger on membership and access_level: sends a relcache invalidation so that every session drops its cached membership (this one at its next command, the others when the change commits).';
CREATE TRIGGER membership_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.membership FOR EACH STATEMENT EXECUTE FUNCTION iso28000.membership_changed();
CREATE TRIGGER membership_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.access_level FOR EACH STATEMENT EXECUTE FUNCTION iso28000.membership_changed();
-- Also in replica mode (a logical replication apply worker, session_replication_role =
-- replica): every session's cache must hear of a change however it was written.
ALTER TABLE iso28000.membership ENABLE ALWAYS TRIGGER membership_changed;
ALTER TABLE iso28000.access_level ENABLE ALWAYS TRIGGER membership_changed;

-- The organisations in which role r has at least level min_level, for a role
-- the session user can become (else none).
CREATE FUNCTION iso28000._role_orgs(r regrole, min_level text)
RETURNS bigint[]
LANGUAGE c STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_role_orgs';
COMMENT ON FUNCTION iso28000._role_orgs(regrole, text) IS
  'Internal: organisations in which the role has at least the level; answers only for roles the session user can become. Use member_orgs().';

-- The organisations in which the current role has at least the level.
CREATE FUNCTION iso28000.member_orgs(min_level text DEFAULT 'read')
RETURNS bigint[]
LANGUAGE c STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_member_orgs';
COMMENT ON FUNCTION iso28000.member_orgs(text) IS
  'Organisations in which the current role has at least the given access level (read, write, audit, manage).';

-- Whether the current role has at least the level in the organisation.
CREATE FUNCTION iso28000.has_level(org bigint, min_level text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_has_level';
COMMENT ON FUNCTION iso28000.has_level(bigint, text) IS
  'True when the current role has at least the given access level in the organisation.';

-- Refuses with IS001 unless the current role has the level in the organisation.
CREATE FUNCTION iso28000.require_level(org bigint, min_level text)
RETURNS void
LANGUAGE c STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_require_level';
COMMENT ON FUNCTION iso28000.require_level(bigint, text) IS
  'Raises IS001 unless the current role has at least the given access level in the organisation.';

-- member_orgs() for row-level security policies.  Without a SET clause: a C
-- function resolves no name through search_path, and a SET costs a
-- configuration save and restore per call, which a policy in a filter pays
-- per row (3.1 us against 0.33 us in bench/results/rls.md).
CREATE FUNCTION iso28000.policy_orgs(min_level text)
RETURNS bigint[]
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'iso28000_member_orgs';
COMMENT ON FUNCTION iso28000.policy_orgs(text) IS
  'Organisations in which the current role has at least the given access level: member_orgs() without a SET clause, the index condition on org_id that the registers'' policies become (org_id = ANY (iso28000.policy_orgs(level))).';

-- The registers' policies: iso28000.policy_has_level(org_id, level), has_level()
-- without a SET clause, with a planner support function
-- (src/membership_planner.c): on an index whose column holds org_id the planner
-- turns it into org_id = ANY (iso28000.policy_orgs(level)), evaluated once per
-- scan, unless the statement fixes org_id itself (org_id = 2, org_id = $1):
-- then it stays a filter, a binary search per row.  Its selectivity is
-- estimated from one look at org_id's statistics, not one per organisation.
CREATE FUNCTION iso28000.policy_support(internal)
RETURNS internal
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'iso28000_policy_support';
COMMENT ON FUNCTION iso28000.policy_support(internal) IS
  'Internal: planner support of policy_has_level() (index condition on org_id, selectivity).';
CREATE FUNCTION iso28000.policy_has_level(org bigint, min_level text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE
SUPPORT iso28000.policy_support
AS 'MODULE_PATHNAME', 'iso28000_policy_has_level';
COMMENT ON FUNCTION iso28000.policy_has_level(bigint, text) IS
  'True when the current role has at least the given access level in the organisation: has_level() in the form the registers'' row-level security policies call (iso28000.policy_has_level(org_id, level)); the planner makes it an index condition on org_id where that narrows the scan.';

-- Creates an organisation; the calling role becomes its manager.
CREATE FUNCTION iso28000.create_organization(code text, name text, manager regrole DEFAULT current_user::regrole)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
BEGIN
    IF NOT pg_has_role(session_user, manager, 'MEMBER') THEN
        RAISE EXCEPTION 'role "%" cannot make role "%" the manager of a new organisation', session_user, manager
              USING ERRCODE = 'IS002', SCHEMA = 'iso28000', TABLE = 'membership', COLUMN = 'member',
                    DETAIL = 'The manager of a new organisation must be a role the session user can become.',
                    HINT = 'Name a role the session user is a member of, or leave manager out to manage it yourself.';
    END IF;
    INSERT INTO iso28000.organization (code, name, created_by)
         VALUES (create_organization.code, create_organization.name, manager::text)
      RETURNING org_id INTO new_id;
    INSERT INTO iso28000.membership (org_id, member, level, granted_by)
         VALUES (new_id, manager, 'manage', session_user);
    RETURN new_id;
END
$$;
REVOKE ALL ON FUNCTION iso28000.create_organization(text, text, regrole) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.create_organization(text, text, regrole) IS
  'Creates an organisation and makes the manager role (by default the caller) a member at level manage. Not granted to PUBLIC: the DBA grants EXECUTE to the roles that may create organisations.';

-- Refuses with IS004 when role is the organisation's only manager.
CREATE FUNCTION iso28000._keep_a_manager(org bigint, role regrole)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT FROM iso28000.membership
                WHERE org_id = org AND member = role AND level = 'manage')
       AND NOT EXISTS (SELECT FROM iso28000.membership
                        WHERE org_id = org AND member <> role AND level = 'manage') THEN
        RAISE EXCEPTION 'role "%" is the last manager of organisation %', role, org
              USING ERRCODE = 'IS004', SCHEMA = 'iso28000', TABLE = 'membership', COLUMN = 'level',
                    DETAIL = 'An organisation keeps at least one manager.',
                    HINT = 'Grant manage to another role first.';
    END IF;
END
$$;
COMMENT ON FUNCTION iso28000._keep_a_manager(bigint, regrole) IS
  'Internal: raises IS004 when the role is the only manager of the organisation.';

-- Writes (level given) or removes (level NULL) a membership row for
-- grant_access() and revoke_access(), as the owner of the table.  As the owner
-- because on Citus a change to membership locks the rows of access_level it
-- refers to on every node, which Citus allows only to roles that may change
-- access_level (doc/distribution.md).  Every check of a membership change is
-- made here, under the raised rights, so that calling this function directly
-- (it is executable by PUBLIC, as grant_access() runs with the caller's rights)
-- allows nothing more than grant_access() and revoke_access() do: the caller, a
-- role the session user can become, manages the organisation (IS001); the
-- level is known (IS003); the organisation keeps a manager (IS004).  Returns
-- whether a row was written or removed.
CREATE FUNCTION iso28000._membership_write(org bigint, role regrole, new_level text, caller regrole)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF org IS NULL OR role IS NULL OR caller IS NULL
       OR NOT org OPERATOR(pg_catalog.=) ANY (iso28000._role_orgs(caller, 'manage')) THEN
        RAISE EXCEPTION 'role "%" does not have manage access to organisation %', caller, org
              USING ERRCODE = 'IS001', SCHEMA = 'iso28000', TABLE = 'membership',
                    HINT = 'A manager of the organisation grants access with iso28000.grant_access().';
    END IF;
    IF new_level IS NOT NULL
       AND NOT EXISTS (SELECT FROM iso28000.access_level a WHERE a.level OPERATOR(pg_catalog.=) new_level) THEN
        RAISE EXCEPTION 'unknown access level "%"', new_level
              USING ERRCODE = 'IS003', SCHEMA = 'iso28000', TABLE = 'membership', COLUMN = 'level',
                    DETAIL = 'A membership''s level is one of the rows of iso28000.access_level.',
                    HINT = 'Levels are read, write, audit and manage.';
    END IF;
    IF new_level IS DISTINCT FROM 'manage' THEN
        PERFORM iso28000._keep_a_manager(org, role);
    END IF;
    IF new_level IS NULL THEN
        DELETE FROM iso28000.membership m
         WHERE m.org_id OPERATOR(pg_catalog.=) org AND m.member OPERATOR(pg_catalog.=) role;
    ELSE
        -- The stamps as values, set from excluded: Citus refuses functions that
        -- are not IMMUTABLE in DO UPDATE SET of a replicated table.
        INSERT INTO iso28000.membership AS m (org_id, member, level, granted_by, granted_at)
             VALUES (org, role, new_level, pg_catalog.pg_get_userbyid(caller), pg_catalog.now())
        ON CONFLICT (org_id, member)
          DO UPDATE SET level = excluded.level, granted_by = excluded.granted_by, granted_at = excluded.granted_at;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n OPERATOR(pg_catalog.>) 0;
END
$$;
COMMENT ON FUNCTION iso28000._membership_write(bigint, regrole, text, regrole) IS
  'Internal: writes (level given) or removes (level NULL) a membership row as the table''s owner, for grant_access() and revoke_access(); refuses unless the caller, a role the session user can become, manages the organisation (IS001), the level is known (IS003) and the organisation keeps a manager (IS004).';

-- Grants a role access to an organisation at a level (or changes its level).
CREATE FUNCTION iso28000.grant_access(org bigint, role regrole, level text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM iso28000.require_level(org, 'manage');
    PERFORM iso28000._membership_write(org, role, grant_access.level, current_user::regrole);
END
$$;
COMMENT ON FUNCTION iso28000.grant_access(bigint, regrole, text) IS
  'Grants a database role access to an organisation at a level (read, write, audit, manage); the caller must manage the organisation.';

-- Revokes a role's membership of an organisation.
CREATE FUNCTION iso28000.revoke_access(org bigint, role regrole)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM iso28000.require_level(org, 'manage');
    RETURN iso28000._membership_write(org, role, NULL, current_user::regrole);
END
$$;
COMMENT ON FUNCTION iso28000.revoke_access(bigint, regrole) IS
  'Revokes a database role''s membership of an organisation; returns false when it was not a member. The caller must manage the organisation; the last manager cannot be removed.';

-- Whether a table is one the extension's engines serve: a permanent table of
-- schema iso28000 owned by the owner of that schema.  Only the extension's
-- owner (or a superuser) can make one; the C engines apply the same test
-- (iso28000_is_extension_table in src/engines.c).
CREATE FUNCTION iso28000._is_extension_table(tbl regclass)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.oid = tbl AND n.nspname = 'iso28000' AND c.relowner = n.nspowner
                      AND c.relpersistence = 'p' AND c.relkind IN ('r', 'p'))
$$;
COMMENT ON FUNCTION iso28000._is_extension_table(regclass) IS
  'Internal: true when the table is a permanent table of schema iso28000 owned by the extension''s owner, the only tables register_table(), the history and the workflow engine accept.';

-- Whether the current role has the privileges of the extension's owner (the
-- owner of schema iso28000): the owner itself, a superuser, a member of the
-- owner's role (a loader, a restore), or a SECURITY DEFINER function of the
-- extension.  Such a role could switch the extension's triggers off anyway,
-- so the rules that compare acting persons let it through.  No argument: it
-- answers for the current role only (which pg_has_role() tells any role
-- anyway), never about another role or schema.
CREATE FUNCTION iso28000._has_owner_privileges()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT pg_catalog.pg_has_role(current_user, n.nspowner, 'USAGE')
                       FROM pg_catalog.pg_namespace n
                      WHERE n.nspname OPERATOR(pg_catalog.=) 'iso28000'), false)
$$;
COMMENT ON FUNCTION iso28000._has_owner_privileges() IS
  'Internal: true when the current role has the privileges of the extension''s owner (the owner of schema iso28000: the owner, a superuser, a member of its role, a SECURITY DEFINER function of the extension); the audit and nonconformity triggers that compare acting persons let such a role through.';

-- The one refusal of a table _is_extension_table() does not accept, shared by
-- register_table() (IS010), attach_history() (IS210) and attach_workflow()
-- (IS110): the caller says what was refused, its SQLSTATE and its rule; the
-- error names the table in its schema and table fields.
CREATE FUNCTION iso28000._require_extension_table(tbl regclass, sqlstate text, refusal text, rule text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT iso28000._is_extension_table(tbl) THEN
        RAISE EXCEPTION '%: it is not a permanent table of schema iso28000 owned by the extension''s owner', refusal
              USING ERRCODE = sqlstate,
                    DETAIL = rule,
                    HINT = 'The extension''s owner creates the table in schema iso28000 and calls register_table().',
                    SCHEMA = (SELECT c.relnamespace::regnamespace::text FROM pg_class c WHERE c.oid = tbl),
                    TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl);
    END IF;
END
$$;
COMMENT ON FUNCTION iso28000._require_extension_table(regclass, text, text, text) IS
  'Internal: raises the given SQLSTATE (IS010, IS110, IS210), with the refusal as the message, the rule as the detail and the table in the schema and table fields, unless _is_extension_table() accepts the table.';

-- organization: members see their organisations; managers change them; new
-- organisations come only from create_organization().
ALTER TABLE iso28000.organization ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_read ON iso28000.organization FOR SELECT
  USING (iso28000.policy_has_level(org_id, 'read'));
CREATE POLICY manager_update ON iso28000.organization FOR UPDATE
  USING (iso28000.policy_has_level(org_id, 'manage'))
  WITH CHECK (iso28000.policy_has_level(org_id, 'manage'));
GRANT SELECT, UPDATE (name, legal_name, country, sector, active) ON iso28000.organization TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.organization', '');
SELECT pg_catalog.pg_extension_config_dump(pg_get_serial_sequence('iso28000.organization', 'org_id'), '');

-- membership: members see the membership of their organisations; managers
-- change it (grant_access and revoke_access are the friendly way).
ALTER TABLE iso28000.membership ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_read ON iso28000.membership FOR SELECT
  USING (iso28000.policy_has_level(org_id, 'read'));
CREATE POLICY manager_insert ON iso28000.membership FOR INSERT
  WITH CHECK (iso28000.policy_has_level(org_id, 'manage'));
CREATE POLICY manager_update ON iso28000.membership FOR UPDATE
  USING (iso28000.policy_has_level(org_id, 'manage'))
  WITH CHECK (iso28000.policy_has_level(org_id, 'manage'));
CREATE POLICY manager_delete ON iso28000.membership FOR DELETE
  USING (iso28000.policy_has_level(org_id, 'manage'));
GRANT SELECT, INSERT, UPDATE, DELETE ON iso28000.membership TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.membership', '');
