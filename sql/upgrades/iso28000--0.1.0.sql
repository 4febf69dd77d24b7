-- sql/upgrades/iso28000--0.1.0.sql: the install script of release 0.1.0, frozen
-- by tools/freeze-release on 2026-11-30.  Never edit it: releases
-- after 0.1.0 change sql/ and add an upgrade script.
/*
 * iso28000 install script.
 *
 * Built by the Makefile from the files under sql/core (types, tenant model,
 * engines) and sql/clauses (one file per clause group of ISO 28000:2022, in clause
 * order).  Edit those files, never the built script.
 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION iso28000" to load this file. \quit

-- The schema belongs to the extension: the script creates it, so that DROP
-- EXTENSION iso28000 drops it too and leaves nothing behind (a schema named in
-- the control file would be created by CREATE EXTENSION but not be a member).
-- The control file therefore names pg_catalog as the extension's schema, as
-- pg_cron does.  Unqualified names in the rest of the script resolve in
-- iso28000 (after pg_catalog, as before); SET LOCAL, because CREATE EXTENSION
-- restores the caller's search_path only for a LOCAL change (a plain SET would
-- outlive the script).
CREATE SCHEMA iso28000;
SET LOCAL search_path = iso28000;

COMMENT ON SCHEMA iso28000 IS
  'ISO 28000:2022 security management system of record: registers for clauses 4 to 10, enforced workflows, conformity scoring and a hash-chained history.';

-- Daily use needs no privilege beyond USAGE: row-level security decides which
-- organisations' rows a role sees (see sql/core/02_tenant.sql).
GRANT USAGE ON SCHEMA iso28000 TO PUBLIC;
-- sql/core/01_clause_ref.sql
--
-- The clause_ref type: a clause number of ISO 28000 (or of any ISO management
-- system standard), such as 4, 8.6.4, 10.2, or an annex control such as A.5.1.
-- Fixed size (8 bytes), passed by value, ordered hierarchically and numerically
-- (9.3.3 < 10 < 10.1; annexes after the numbered body), with the ancestor
-- operators @> and <@.  See doc/clause_ref.md and src/clause_ref_text.h.

CREATE TYPE iso28000.clause_ref;

CREATE FUNCTION iso28000.clause_ref_in(cstring) RETURNS iso28000.clause_ref
  AS 'MODULE_PATHNAME', 'clause_ref_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.clause_ref_out(iso28000.clause_ref) RETURNS cstring
  AS 'MODULE_PATHNAME', 'clause_ref_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.clause_ref_recv(internal) RETURNS iso28000.clause_ref
  AS 'MODULE_PATHNAME', 'clause_ref_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.clause_ref_send(iso28000.clause_ref) RETURNS bytea
  AS 'MODULE_PATHNAME', 'clause_ref_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Stored like int8: 8 bytes, passed by value on every 64-bit build (and by
-- reference, consistently with the C code's Int64GetDatum, on 32-bit ones).
CREATE TYPE iso28000.clause_ref (
  INPUT = iso28000.clause_ref_in,
  OUTPUT = iso28000.clause_ref_out,
  RECEIVE = iso28000.clause_ref_recv,
  SEND = iso28000.clause_ref_send,
  LIKE = pg_catalog.int8,
  CATEGORY = 'U'
);

COMMENT ON TYPE iso28000.clause_ref IS
  'Clause reference of a management-system standard: 4, 8.6.4, 10.2, or annex form A.5.1. Up to 6 levels, each 1 to 255, optional upper-case annex letter A to Z. Ordered hierarchically (9.3.3 < 10 < 10.1, annexes last); a @> b when a is b or an ancestor of b.';
COMMENT ON FUNCTION iso28000.clause_ref_in(cstring) IS
  'Text input of clause_ref; bad text raises 22P02, a level outside 1..255 raises 22003.';
COMMENT ON FUNCTION iso28000.clause_ref_out(iso28000.clause_ref) IS
  'Text output of clause_ref (the canonical form, e.g. 8.6.4).';
COMMENT ON FUNCTION iso28000.clause_ref_recv(internal) IS
  'Binary input of clause_ref: the packed value as a big-endian int8, checked (22P03 if not canonical).';
COMMENT ON FUNCTION iso28000.clause_ref_send(iso28000.clause_ref) IS
  'Binary output of clause_ref: the packed value as a big-endian int8.';

-- Casts to and from text.

CREATE FUNCTION iso28000.clause_ref(text) RETURNS iso28000.clause_ref
  AS 'MODULE_PATHNAME', 'clause_ref_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.text(iso28000.clause_ref) RETURNS text
  AS 'MODULE_PATHNAME', 'clause_ref_to_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.clause_ref(text) IS
  'Converts text to clause_ref (also the cast text::clause_ref); raises 22P02 or 22003 like input.';
COMMENT ON FUNCTION iso28000.text(iso28000.clause_ref) IS
  'Converts clause_ref to its canonical text (also the cast clause_ref::text).';
CREATE CAST (text AS iso28000.clause_ref)
  WITH FUNCTION iso28000.clause_ref(text) AS ASSIGNMENT;
CREATE CAST (iso28000.clause_ref AS text)
  WITH FUNCTION iso28000.text(iso28000.clause_ref) AS ASSIGNMENT;
COMMENT ON CAST (text AS iso28000.clause_ref) IS
  'Assignment cast: text columns load into clause_ref columns, checked like input.';
COMMENT ON CAST (iso28000.clause_ref AS text) IS
  'Assignment cast to the canonical text.';

-- Comparison.

CREATE FUNCTION iso28000.clause_ref_cmp(iso28000.clause_ref, iso28000.clause_ref) RETURNS integer
  AS 'MODULE_PATHNAME', 'clause_ref_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.clause_ref_eq(iso28000.clause_ref, iso28000.clause_ref) RETURNS boolean
  AS 'MODULE_PATHNAME', 'clause_ref_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION iso28000.clause_ref_ne(iso28000.clause_ref, iso28000.clause_ref) RETURNS boolean
  AS 'MODULE_PATHNAME', 'clause_ref_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION iso28000.clause_ref_lt(iso28000.clause_ref, iso28000.clause_ref) RETURNS boolean
  AS 'MODULE_PATHNAME', 'clause_ref_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION iso28000.clause_ref_le(iso28000.clause_ref, iso28000.clause_ref) RETURNS boolean
  AS 'MODULE_PATHNAME', 'clause_ref_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION iso28000.clause_ref_gt(iso28000.clause_ref, iso28000.clause_ref) RETURNS boolean
  AS 'MODULE_PATHNAME', 'clause_ref_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION iso28000.clause_ref_ge(iso28000.clause_ref, iso28000.clause_ref) RETURNS boolean
  AS 'MODULE_PATHNAME', 'clause_ref_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION iso28000.clause_ref_sortsupport(internal) RETURNS void
  AS 'MODULE_PATHNAME', 'clause_ref_sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.clause_ref_hash(iso28000.clause_ref) RETURNS integer
  AS 'MODULE_PATHNAME', 'clause_ref_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.clause_ref_hash_extended(iso28000.clause_ref, bigint) RETURNS bigint
  AS 'MODULE_PATHNAME', 'clause_ref_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION iso28000.clause_ref_cmp(iso28000.clause_ref, iso28000.clause_ref) IS
  'Hierarchical comparison of clause_ref: -1, 0 or 1 (btree support).';
COMMENT ON FUNCTION iso28000.clause_ref_eq(iso28000.clause_ref, iso28000.clause_ref) IS
  'Implements clause_ref = clause_ref.';
COMMENT ON FUNCTION iso28000.clause_ref_ne(iso28000.clause_ref, iso28000.clause_ref) IS
  'Implements clause_ref <> clause_ref.';
COMMENT ON FUNCTION iso28000.clause_ref_lt(iso28000.clause_ref, iso28000.clause_ref) IS
  'Implements clause_ref < clause_ref (hierarchical order: 9.3.3 < 10).';
COMMENT ON FUNCTION iso28000.clause_ref_le(iso28000.clause_ref, iso28000.clause_ref) IS
  'Implements clause_ref <= clause_ref (hierarchical order).';
COMMENT ON FUNCTION iso28000.clause_ref_gt(iso28000.clause_ref, iso28000.clause_ref) IS
  'Implements clause_ref > clause_ref (hierarchical order).';
COMMENT ON FUNCTION iso28000.clause_ref_ge(iso28000.clause_ref, iso28000.clause_ref) IS
  'Implements clause_ref >= clause_ref (hierarchical order).';
COMMENT ON FUNCTION iso28000.clause_ref_sortsupport(internal) IS
  'Sort support of clause_ref (btree support): integer comparison of the packed value.';
COMMENT ON FUNCTION iso28000.clause_ref_hash(iso28000.clause_ref) IS
  'Hash of clause_ref (hash support): hashint8 of the packed value.';
COMMENT ON FUNCTION iso28000.clause_ref_hash_extended(iso28000.clause_ref, bigint) IS
  'Seeded 64-bit hash of clause_ref (hash support): hashint8extended of the packed value.';

CREATE OPERATOR iso28000.= (
  LEFTARG = iso28000.clause_ref, RIGHTARG = iso28000.clause_ref,
  FUNCTION = iso28000.clause_ref_eq,
  COMMUTATOR = OPERATOR(iso28000.=), NEGATOR = OPERATOR(iso28000.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR iso28000.<> (
  LEFTARG = iso28000.clause_ref, RIGHTARG = iso28000.clause_ref,
  FUNCTION = iso28000.clause_ref_ne,
  COMMUTATOR = OPERATOR(iso28000.<>), NEGATOR = OPERATOR(iso28000.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR iso28000.< (
  LEFTARG = iso28000.clause_ref, RIGHTARG = iso28000.clause_ref,
  FUNCTION = iso28000.clause_ref_lt,
  COMMUTATOR = OPERATOR(iso28000.>), NEGATOR = OPERATOR(iso28000.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR iso28000.<= (
  LEFTARG = iso28000.clause_ref, RIGHTARG = iso28000.clause_ref,
  FUNCTION = iso28000.clause_ref_le,
  COMMUTATOR = OPERATOR(iso28000.>=), NEGATOR = OPERATOR(iso28000.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR iso28000.> (
  LEFTARG = iso28000.clause_ref, RIGHTARG = iso28000.clause_ref,
  FUNCTION = iso28000.clause_ref_gt,
  COMMUTATOR = OPERATOR(iso28000.<), NEGATOR = OPERATOR(iso28000.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR iso28000.>= (
  LEFTARG = iso28000.clause_ref, RIGHTARG = iso28000.clause_ref,
  FUNCTION = iso28000.clause_ref_ge,
  COMMUTATOR = OPERATOR(iso28000.<=), NEGATOR = OPERATOR(iso28000.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR iso28000.= (iso28000.clause_ref, iso28000.clause_ref) IS 'equal';
COMMENT ON OPERATOR iso28000.<> (iso28000.clause_ref, iso28000.clause_ref) IS 'not equal';
COMMENT ON OPERATOR iso28000.< (iso28000.clause_ref, iso28000.clause_ref) IS 'comes before, in hierarchical order';
COMMENT ON OPERATOR iso28000.<= (iso28000.clause_ref, iso28000.clause_ref) IS 'comes before or equal, in hierarchical order';
COMMENT ON OPERATOR iso28000.> (iso28000.clause_ref, iso28000.clause_ref) IS 'comes after, in hierarchical order';
COMMENT ON OPERATOR iso28000.>= (iso28000.clause_ref, iso28000.clause_ref) IS 'comes after or equal, in hierarchical order';

CREATE OPERATOR CLASS iso28000.clause_ref_ops
  DEFAULT FOR TYPE iso28000.clause_ref USING btree AS
    OPERATOR 1 iso28000.<,
    OPERATOR 2 iso28000.<=,
    OPERATOR 3 iso28000.=,
    OPERATOR 4 iso28000.>=,
    OPERATOR 5 iso28000.>,
    FUNCTION 1 iso28000.clause_ref_cmp(iso28000.clause_ref, iso28000.clause_ref),
    FUNCTION 2 iso28000.clause_ref_sortsupport(internal),
    FUNCTION 4 pg_catalog.btequalimage(oid);
CREATE OPERATOR CLASS iso28000.clause_ref_hash_ops
  DEFAULT FOR TYPE iso28000.clause_ref USING hash AS
    OPERATOR 1 iso28000.=,
    FUNCTION 1 iso28000.clause_ref_hash(iso28000.clause_ref),
    FUNCTION 2 iso28000.clause_ref_hash_extended(iso28000.clause_ref, bigint);
COMMENT ON OPERATOR CLASS iso28000.clause_ref_ops USING btree IS
  'Hierarchical order of clause_ref; also answers <@ and @> through their planner support functions.';
COMMENT ON OPERATOR CLASS iso28000.clause_ref_hash_ops USING hash IS
  'Hashing of clause_ref, for hash joins, hash aggregation and hash indexes.';

-- min and max, in the hierarchical order (SORTOP lets a btree index answer them).

CREATE FUNCTION iso28000.clause_ref_smaller(iso28000.clause_ref, iso28000.clause_ref) RETURNS iso28000.clause_ref
  AS 'MODULE_PATHNAME', 'clause_ref_smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.clause_ref_larger(iso28000.clause_ref, iso28000.clause_ref) RETURNS iso28000.clause_ref
  AS 'MODULE_PATHNAME', 'clause_ref_larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.clause_ref_smaller(iso28000.clause_ref, iso28000.clause_ref) IS
  'The lesser of two clause_refs in hierarchical order (transition function of min).';
COMMENT ON FUNCTION iso28000.clause_ref_larger(iso28000.clause_ref, iso28000.clause_ref) IS
  'The greater of two clause_refs in hierarchical order (transition function of max).';
CREATE AGGREGATE iso28000.min(iso28000.clause_ref) (
  SFUNC = iso28000.clause_ref_smaller, STYPE = iso28000.clause_ref,
  COMBINEFUNC = iso28000.clause_ref_smaller, SORTOP = OPERATOR(iso28000.<), PARALLEL = SAFE
);
CREATE AGGREGATE iso28000.max(iso28000.clause_ref) (
  SFUNC = iso28000.clause_ref_larger, STYPE = iso28000.clause_ref,
  COMBINEFUNC = iso28000.clause_ref_larger, SORTOP = OPERATOR(iso28000.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE iso28000.min(iso28000.clause_ref) IS
  'First clause_ref in hierarchical order (9.3.3 before 10).';
COMMENT ON AGGREGATE iso28000.max(iso28000.clause_ref) IS
  'Last clause_ref in hierarchical order (10 after 9.3.3).';

-- Hierarchy.

CREATE FUNCTION iso28000.last_descendant(iso28000.clause_ref) RETURNS iso28000.clause_ref
  AS 'MODULE_PATHNAME', 'clause_ref_last_descendant' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.last_descendant(iso28000.clause_ref) IS
  'Greatest clause_ref contained in the argument (its lower levels all 255): c <@ a exactly when a <= c <= last_descendant(a).';

CREATE FUNCTION iso28000.clause_ref_contains_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'clause_ref_contains_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.clause_ref_contained_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'clause_ref_contained_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.clause_ref_contains_support(internal) IS
  'Planner support of @>: turns it into btree index conditions on clause_ref.';
COMMENT ON FUNCTION iso28000.clause_ref_contained_support(internal) IS
  'Planner support of <@: turns it into btree index conditions on clause_ref.';

CREATE FUNCTION iso28000.clause_ref_contains(iso28000.clause_ref, iso28000.clause_ref) RETURNS boolean
  AS 'MODULE_PATHNAME', 'clause_ref_contains' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
  SUPPORT iso28000.clause_ref_contains_support;
CREATE FUNCTION iso28000.clause_ref_contained(iso28000.clause_ref, iso28000.clause_ref) RETURNS boolean
  AS 'MODULE_PATHNAME', 'clause_ref_contained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
  SUPPORT iso28000.clause_ref_contained_support;
COMMENT ON FUNCTION iso28000.clause_ref_contains(iso28000.clause_ref, iso28000.clause_ref) IS
  'Implements clause_ref @> clause_ref: the first is the second or one of its ancestors.';
COMMENT ON FUNCTION iso28000.clause_ref_contained(iso28000.clause_ref, iso28000.clause_ref) IS
  'Implements clause_ref <@ clause_ref: the first is the second or one of its descendants.';

CREATE FUNCTION iso28000.clause_ref_contains_sel(internal, oid, internal, integer) RETURNS float8
  AS 'MODULE_PATHNAME', 'clause_ref_contains_sel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.clause_ref_contained_sel(internal, oid, internal, integer) RETURNS float8
  AS 'MODULE_PATHNAME', 'clause_ref_contained_sel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.clause_ref_contains_sel(internal, oid, internal, integer) IS
  'Restriction selectivity of @> on clause_ref, from the column statistics.';
COMMENT ON FUNCTION iso28000.clause_ref_contained_sel(internal, oid, internal, integer) IS
  'Restriction selectivity of <@ on clause_ref, from the column statistics.';

CREATE FUNCTION iso28000.clause_ref_contains_joinsel(internal, oid, internal, smallint, internal) RETURNS float8
  AS 'MODULE_PATHNAME', 'clause_ref_contains_joinsel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.clause_ref_contained_joinsel(internal, oid, internal, smallint, internal) RETURNS float8
  AS 'MODULE_PATHNAME', 'clause_ref_contained_joinsel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.clause_ref_contains_joinsel(internal, oid, internal, smallint, internal) IS
  'Join selectivity of @> on clause_ref: that of = times the average depth of the descendant side.';
COMMENT ON FUNCTION iso28000.clause_ref_contained_joinsel(internal, oid, internal, smallint, internal) IS
  'Join selectivity of <@ on clause_ref: that of = times the average depth of the descendant side.';

CREATE OPERATOR iso28000.@> (
  LEFTARG = iso28000.clause_ref, RIGHTARG = iso28000.clause_ref,
  FUNCTION = iso28000.clause_ref_contains,
  COMMUTATOR = OPERATOR(iso28000.<@),
  RESTRICT = iso28000.clause_ref_contains_sel, JOIN = iso28000.clause_ref_contains_joinsel
);
CREATE OPERATOR iso28000.<@ (
  LEFTARG = iso28000.clause_ref, RIGHTARG = iso28000.clause_ref,
  FUNCTION = iso28000.clause_ref_contained,
  COMMUTATOR = OPERATOR(iso28000.@>),
  RESTRICT = iso28000.clause_ref_contained_sel, JOIN = iso28000.clause_ref_contained_joinsel
);
COMMENT ON OPERATOR iso28000.@> (iso28000.clause_ref, iso28000.clause_ref) IS
  'contains: the left clause is the right one or one of its ancestors (8.6 @> 8.6.4)';
COMMENT ON OPERATOR iso28000.<@ (iso28000.clause_ref, iso28000.clause_ref) IS
  'is contained by: the left clause is the right one or one of its descendants (8.6.4 <@ 8)';

CREATE FUNCTION iso28000.depth(iso28000.clause_ref) RETURNS integer
  AS 'MODULE_PATHNAME', 'clause_ref_depth' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.parent(iso28000.clause_ref) RETURNS iso28000.clause_ref
  AS 'MODULE_PATHNAME', 'clause_ref_parent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.top_level(iso28000.clause_ref) RETURNS iso28000.clause_ref
  AS 'MODULE_PATHNAME', 'clause_ref_top_level' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.ancestor(iso28000.clause_ref, integer) RETURNS iso28000.clause_ref
  AS 'MODULE_PATHNAME', 'clause_ref_ancestor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.annex(iso28000.clause_ref) RETURNS text
  AS 'MODULE_PATHNAME', 'clause_ref_annex' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.depth(iso28000.clause_ref) IS
  'Number of numeric levels: 1 for 8 and for A.5, 3 for 8.6.4.';
COMMENT ON FUNCTION iso28000.parent(iso28000.clause_ref) IS
  'The clause one level up (8.6 for 8.6.4), or NULL for a top-level clause (8, A.5).';
COMMENT ON FUNCTION iso28000.top_level(iso28000.clause_ref) IS
  'The top-level clause: 8 for 8.6.4, A.5 for A.5.1.';
COMMENT ON FUNCTION iso28000.ancestor(iso28000.clause_ref, integer) IS
  'The ancestor-or-self at the given depth (ancestor(8.6.4, 2) = 8.6); NULL when the clause is less deep; a depth below 1 raises 22023.';
COMMENT ON FUNCTION iso28000.annex(iso28000.clause_ref) IS
  'The annex letter (A for A.5.1), or NULL for a clause of the numbered body.';
/*
 * sql/core/02_tenant.sql
 *		The tenant model: organisations, their people, membership of database
 *		roles in organisations at a level, and the row-level security pattern
 *		that every register copies through register_table().
 *
 * Who sees what.  Every register row carries org_id.  A role sees and changes
 * the rows of the organisations it is a member of (directly, or through a role
 * whose privileges it has), at a level: read < write < audit < manage, each
 * level including the ones below it.  The extension creates no roles; the
 * DBA creates them and a manager of an organisation grants them access.
 *
 * Why the membership lookup is SECURITY DEFINER with the role as an argument.
 * Policies run with the privileges of the querying role, and the membership
 * table is itself protected; a definer function cannot know its caller's
 * current_user, so the caller passes it (member_orgs() does that) and the
 * function refuses to answer for a role that the session could not become.
 * It is evaluated once per statement (policies wrap it in a sub-select), so
 * row-level security costs one array lookup per row.
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

-- The organisations in which role r has at least level min_level.
-- The workflow engine applies the same rule in its own saved query
-- (wf_has_level in src/workflow.c: SQL functions are planned again in every
-- transaction, too slow per transition); test/pgtap/workflow_level_agreement.sql
-- fails when the two disagree, so change both together.
CREATE FUNCTION iso28000._role_orgs(r regrole, min_level text)
RETURNS bigint[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(m.org_id ORDER BY m.org_id), '{}')
      FROM iso28000.membership m
      JOIN iso28000.access_level l ON l.level = m.level
     WHERE pg_has_role(session_user, r, 'MEMBER')
       AND pg_has_role(r, m.member, 'USAGE')
       AND l.rank >= (SELECT rank FROM iso28000.access_level WHERE level = min_level)
$$;
COMMENT ON FUNCTION iso28000._role_orgs(regrole, text) IS
  'Internal: organisations in which the role has at least the level; answers only for roles the session user can become. Use member_orgs().';

-- The organisations in which the current role has at least the level.
CREATE FUNCTION iso28000.member_orgs(min_level text DEFAULT 'read')
RETURNS bigint[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT iso28000._role_orgs(current_user::regrole, min_level) $$;
COMMENT ON FUNCTION iso28000.member_orgs(text) IS
  'Organisations in which the current role has at least the given access level (read, write, audit, manage).';

-- Whether the current role has at least the level in the organisation.
CREATE FUNCTION iso28000.has_level(org bigint, min_level text)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT org = ANY (iso28000.member_orgs(min_level)) $$;
COMMENT ON FUNCTION iso28000.has_level(bigint, text) IS
  'True when the current role has at least the given access level in the organisation.';

-- Refuses with IS001 unless the current role has the level in the organisation.
CREATE FUNCTION iso28000.require_level(org bigint, min_level text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
    IF NOT coalesce(iso28000.has_level(org, min_level), false) THEN
        RAISE EXCEPTION 'role "%" does not have % access to organisation %', current_user, min_level, org
              USING ERRCODE = 'IS001',
                    HINT = 'A manager of the organisation grants access with iso28000.grant_access().';
    END IF;
END
$$;
COMMENT ON FUNCTION iso28000.require_level(bigint, text) IS
  'Raises IS001 unless the current role has at least the given access level in the organisation.';

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
              USING ERRCODE = 'IS002',
                    DETAIL = 'The manager of a new organisation must be a role the session user can become.';
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
AS $$
BEGIN
    IF EXISTS (SELECT FROM iso28000.membership
                WHERE org_id = org AND member = role AND level = 'manage')
       AND NOT EXISTS (SELECT FROM iso28000.membership
                        WHERE org_id = org AND member <> role AND level = 'manage') THEN
        RAISE EXCEPTION 'role "%" is the last manager of organisation %', role, org
              USING ERRCODE = 'IS004',
                    DETAIL = 'An organisation keeps at least one manager.',
                    HINT = 'Grant manage to another role first.';
    END IF;
END
$$;
COMMENT ON FUNCTION iso28000._keep_a_manager(bigint, regrole) IS
  'Internal: raises IS004 when the role is the only manager of the organisation.';

-- Grants a role access to an organisation at a level (or changes its level).
CREATE FUNCTION iso28000.grant_access(org bigint, role regrole, level text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    PERFORM iso28000.require_level(org, 'manage');
    IF NOT EXISTS (SELECT FROM iso28000.access_level a WHERE a.level = grant_access.level) THEN
        RAISE EXCEPTION 'unknown access level "%"', level
              USING ERRCODE = 'IS003',
                    HINT = 'Levels are read, write, audit and manage.';
    END IF;
    IF level <> 'manage' THEN
        PERFORM iso28000._keep_a_manager(org, role);
    END IF;
    INSERT INTO iso28000.membership AS m (org_id, member, level)
         VALUES (org, role, grant_access.level)
    ON CONFLICT (org_id, member)
      DO UPDATE SET level = excluded.level, granted_by = current_user, granted_at = now();
END
$$;
COMMENT ON FUNCTION iso28000.grant_access(bigint, regrole, text) IS
  'Grants a database role access to an organisation at a level (read, write, audit, manage); the caller must manage the organisation.';

-- Revokes a role's membership of an organisation.
CREATE FUNCTION iso28000.revoke_access(org bigint, role regrole)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM iso28000.require_level(org, 'manage');
    PERFORM iso28000._keep_a_manager(org, role);
    DELETE FROM iso28000.membership WHERE org_id = org AND member = role;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
END
$$;
COMMENT ON FUNCTION iso28000.revoke_access(bigint, regrole) IS
  'Revokes a database role''s membership of an organisation; returns false when it was not a member. The caller must manage the organisation; the last manager cannot be removed.';

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

    -- history: the history chain's trigger is attached here (sql/core/06_history.sql).
    IF to_regprocedure('iso28000.attach_history(regclass)') IS NOT NULL THEN PERFORM iso28000.attach_history(tbl); END IF;
END
$$;
COMMENT ON FUNCTION iso28000.register_table(regclass) IS
  'Makes a table a register: enables and forces row-level security with the standard member policies, grants DML to PUBLIC (the policies filter rows), has pg_dump keep its rows, and attaches the history chain. The table needs an org_id column.';

-- organization: members see their organisations; managers change them; new
-- organisations come only from create_organization().
ALTER TABLE iso28000.organization ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_read ON iso28000.organization FOR SELECT
  USING (org_id = ANY ((SELECT iso28000.member_orgs('read'))::bigint[]));
CREATE POLICY manager_update ON iso28000.organization FOR UPDATE
  USING (org_id = ANY ((SELECT iso28000.member_orgs('manage'))::bigint[]))
  WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs('manage'))::bigint[]));
GRANT SELECT, UPDATE (name, legal_name, country, sector, active) ON iso28000.organization TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.organization', '');
SELECT pg_catalog.pg_extension_config_dump(pg_get_serial_sequence('iso28000.organization', 'org_id'), '');

-- membership: members see the membership of their organisations; managers
-- change it (grant_access and revoke_access are the friendly way).
ALTER TABLE iso28000.membership ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_read ON iso28000.membership FOR SELECT
  USING (org_id = ANY ((SELECT iso28000.member_orgs('read'))::bigint[]));
CREATE POLICY manager_insert ON iso28000.membership FOR INSERT
  WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs('manage'))::bigint[]));
CREATE POLICY manager_update ON iso28000.membership FOR UPDATE
  USING (org_id = ANY ((SELECT iso28000.member_orgs('manage'))::bigint[]))
  WITH CHECK (org_id = ANY ((SELECT iso28000.member_orgs('manage'))::bigint[]));
CREATE POLICY manager_delete ON iso28000.membership FOR DELETE
  USING (org_id = ANY ((SELECT iso28000.member_orgs('manage'))::bigint[]));
GRANT SELECT, INSERT, UPDATE, DELETE ON iso28000.membership TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.membership', '');

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
/*
 * sql/core/03_catalog.sql
 *		The clause catalog: the standards an organisation works to, and their
 *		clauses (number and title only).  ISO 28000:2022 is seeded from
 *		data/iso28000-2022-clauses.tsv (sql/core/03_catalog_seed.sql); other
 *		catalogs (ISO 22301, ISO/IEC 27001 Annex A) can be loaded beside it.
 *
 * The requirement wording is ISO's copyright and is licensed per
 * organisation, so it is not a column of the shared catalog but a register of
 * its own, clause_wording, which each organisation fills with the text it has
 * licensed; clause_catalog shows the two together.
 *
 * Seeded rows belong to the extension and are not dumped; rows a user adds are
 * (seeded = false), so pg_dump and restore keep them.
 */

-- Standards whose clauses the catalog holds.
CREATE TABLE iso28000.standard (
    standard    text PRIMARY KEY CONSTRAINT standard_name_present CHECK (btrim(standard) <> ''),
    title       text NOT NULL CONSTRAINT standard_title_present CHECK (btrim(title) <> ''),
    publisher   text,
    seeded      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE iso28000.standard IS
  'ISO 28000 4.2.2, 4.4: Standards and other requirement sets whose clauses the catalog holds (ISO 28000:2022 is seeded).';
COMMENT ON COLUMN iso28000.standard.standard IS 'Designation with edition, e.g. ISO 28000:2022.';
COMMENT ON COLUMN iso28000.standard.title IS 'Title of the standard.';
COMMENT ON COLUMN iso28000.standard.publisher IS 'Publisher, e.g. ISO.';
COMMENT ON COLUMN iso28000.standard.seeded IS 'True for rows the extension installs; rows added by users are false and are kept by pg_dump.';
INSERT INTO iso28000.standard (standard, title, publisher, seeded) VALUES
  ('ISO 28000:2022', 'Security and resilience — Security management systems — Requirements', 'ISO', true);
SELECT pg_catalog.pg_extension_config_dump('iso28000.standard', 'WHERE NOT seeded');
GRANT SELECT ON iso28000.standard TO PUBLIC;

-- Clauses of the standards, in document order.
CREATE TABLE iso28000.clause (
    standard    text NOT NULL REFERENCES iso28000.standard,
    clause      iso28000.clause_ref NOT NULL,
    title       text NOT NULL CONSTRAINT clause_title_present CHECK (btrim(title) <> ''),
    pdca        text CONSTRAINT clause_pdca_valid CHECK (pdca IN ('plan', 'do', 'check', 'act')),
    parent      iso28000.clause_ref,
    seq         integer NOT NULL CONSTRAINT clause_seq_positive CHECK (seq > 0),
    seeded      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (standard, clause),
    CONSTRAINT clause_seq_unique UNIQUE (standard, seq),
    CONSTRAINT clause_parent_fk FOREIGN KEY (standard, parent) REFERENCES iso28000.clause (standard, clause),
    CONSTRAINT clause_parent_is_parent CHECK (parent IS NOT DISTINCT FROM iso28000.parent(clause))
);
COMMENT ON TABLE iso28000.clause IS
  'ISO 28000 4 to 10: Catalog of the clauses of each standard (number, title, PDCA phase, parent); numbers and titles only.';
COMMENT ON COLUMN iso28000.clause.standard IS 'The standard the clause belongs to.';
COMMENT ON COLUMN iso28000.clause.clause IS 'Clause number as a clause_ref (hierarchical order).';
COMMENT ON COLUMN iso28000.clause.title IS 'Clause title.';
COMMENT ON COLUMN iso28000.clause.pdca IS 'Plan-do-check-act phase, by this project''s convention (plan: 4 to 6, do: 7 and 8, check: 9, act: 10); NULL for clauses 1 to 3.';
COMMENT ON COLUMN iso28000.clause.parent IS 'The enclosing clause, NULL for a top-level clause.';
COMMENT ON COLUMN iso28000.clause.seq IS 'Position in the standard''s table of contents.';
COMMENT ON COLUMN iso28000.clause.seeded IS 'True for rows the extension installs; rows added by users are false and are kept by pg_dump.';
SELECT pg_catalog.pg_extension_config_dump('iso28000.clause', 'WHERE NOT seeded');
GRANT SELECT ON iso28000.clause TO PUBLIC;

-- Requirement wording an organisation has licensed, per clause.
CREATE TABLE iso28000.clause_wording (
    org_id      bigint NOT NULL REFERENCES iso28000.organization,
    wording_id  bigint GENERATED ALWAYS AS IDENTITY,
    standard    text NOT NULL,
    clause      iso28000.clause_ref NOT NULL,
    requirement_text text NOT NULL CONSTRAINT clause_wording_text_present CHECK (btrim(requirement_text) <> ''),
    licence     text,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, wording_id),
    CONSTRAINT clause_wording_unique UNIQUE (org_id, standard, clause),
    FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause)
);
COMMENT ON TABLE iso28000.clause_wording IS
  'ISO 28000 7.5: Requirement wording of catalog clauses that the organisation has licensed and loaded; the extension ships none.';
COMMENT ON COLUMN iso28000.clause_wording.org_id IS 'The organisation that holds the licence.';
COMMENT ON COLUMN iso28000.clause_wording.wording_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.clause_wording.standard IS 'Standard of the clause.';
COMMENT ON COLUMN iso28000.clause_wording.clause IS 'Clause number.';
COMMENT ON COLUMN iso28000.clause_wording.requirement_text IS 'The licensed requirement wording.';
COMMENT ON COLUMN iso28000.clause_wording.licence IS 'Licence under which the wording is held (reference or note).';
COMMENT ON COLUMN iso28000.clause_wording.loaded_at IS 'When the wording was loaded.';
SELECT iso28000.register_table('iso28000.clause_wording');

-- The catalog with the organisation's licensed wording, one row per organisation and clause.
CREATE VIEW iso28000.clause_catalog WITH (security_invoker = true) AS
SELECT o.org_id, c.standard, c.clause, c.title, c.pdca, c.parent, c.seq,
       iso28000.depth(c.clause) AS depth,
       w.requirement_text
  FROM iso28000.organization o
 CROSS JOIN iso28000.clause c
  LEFT JOIN iso28000.clause_wording w
         ON w.org_id = o.org_id AND w.standard = c.standard AND w.clause = c.clause;
COMMENT ON VIEW iso28000.clause_catalog IS
  'ISO 28000 4 to 10: Every catalog clause for each organisation the reader is a member of, with the requirement wording the organisation has licensed (NULL where none is loaded).';
COMMENT ON COLUMN iso28000.clause_catalog.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.clause_catalog.standard IS 'The standard.';
COMMENT ON COLUMN iso28000.clause_catalog.clause IS 'Clause number.';
COMMENT ON COLUMN iso28000.clause_catalog.title IS 'Clause title.';
COMMENT ON COLUMN iso28000.clause_catalog.pdca IS 'Plan-do-check-act phase (project convention).';
COMMENT ON COLUMN iso28000.clause_catalog.parent IS 'Enclosing clause.';
COMMENT ON COLUMN iso28000.clause_catalog.seq IS 'Position in the table of contents.';
COMMENT ON COLUMN iso28000.clause_catalog.depth IS 'Depth in the clause hierarchy (1 for a top-level clause).';
COMMENT ON COLUMN iso28000.clause_catalog.requirement_text IS 'Licensed requirement wording, or NULL.';
GRANT SELECT ON iso28000.clause_catalog TO PUBLIC;
-- sql/core/03_catalog_seed.sql: generated by tools/gen-catalog from
-- data/iso28000-2022-clauses.tsv (clause numbers and titles only; the
-- requirement wording is ISO's copyright). Do not edit by hand.

INSERT INTO iso28000.clause (standard, clause, title, pdca, parent, seq, seeded) VALUES
  ('ISO 28000:2022', '1', 'Scope', NULL, NULL, 1, true),
  ('ISO 28000:2022', '2', 'Normative references', NULL, NULL, 2, true),
  ('ISO 28000:2022', '3', 'Terms and definitions', NULL, NULL, 3, true),
  ('ISO 28000:2022', '4', 'Context of the organization', 'plan', NULL, 4, true),
  ('ISO 28000:2022', '4.1', 'Understanding the organization and its context', 'plan', '4', 5, true),
  ('ISO 28000:2022', '4.2', 'Understanding the needs and expectations of interested parties', 'plan', '4', 6, true),
  ('ISO 28000:2022', '4.2.1', 'General', 'plan', '4.2', 7, true),
  ('ISO 28000:2022', '4.2.2', 'Legal, regulatory and other requirements', 'plan', '4.2', 8, true),
  ('ISO 28000:2022', '4.2.3', 'Principles', 'plan', '4.2', 9, true),
  ('ISO 28000:2022', '4.3', 'Determining the scope of the security management system', 'plan', '4', 10, true),
  ('ISO 28000:2022', '4.4', 'Security management system', 'plan', '4', 11, true),
  ('ISO 28000:2022', '5', 'Leadership', 'plan', NULL, 12, true),
  ('ISO 28000:2022', '5.1', 'Leadership and commitment', 'plan', '5', 13, true),
  ('ISO 28000:2022', '5.2', 'Security policy', 'plan', '5', 14, true),
  ('ISO 28000:2022', '5.2.1', 'Establishing the security policy', 'plan', '5.2', 15, true),
  ('ISO 28000:2022', '5.2.2', 'Security policy requirements', 'plan', '5.2', 16, true),
  ('ISO 28000:2022', '5.3', 'Roles, responsibilities and authorities', 'plan', '5', 17, true),
  ('ISO 28000:2022', '6', 'Planning', 'plan', NULL, 18, true),
  ('ISO 28000:2022', '6.1', 'Actions to address risks and opportunities', 'plan', '6', 19, true),
  ('ISO 28000:2022', '6.1.1', 'General', 'plan', '6.1', 20, true),
  ('ISO 28000:2022', '6.1.2', 'Determining security-related risks and identifying opportunities', 'plan', '6.1', 21, true),
  ('ISO 28000:2022', '6.1.3', 'Addressing security-related risks and exploiting opportunities', 'plan', '6.1', 22, true),
  ('ISO 28000:2022', '6.2', 'Security objectives and planning to achieve them', 'plan', '6', 23, true),
  ('ISO 28000:2022', '6.2.1', 'Establishing security objectives', 'plan', '6.2', 24, true),
  ('ISO 28000:2022', '6.2.2', 'Determining security objectives', 'plan', '6.2', 25, true),
  ('ISO 28000:2022', '6.3', 'Planning of changes', 'plan', '6', 26, true),
  ('ISO 28000:2022', '7', 'Support', 'do', NULL, 27, true),
  ('ISO 28000:2022', '7.1', 'Resources', 'do', '7', 28, true),
  ('ISO 28000:2022', '7.2', 'Competence', 'do', '7', 29, true),
  ('ISO 28000:2022', '7.3', 'Awareness', 'do', '7', 30, true),
  ('ISO 28000:2022', '7.4', 'Communication', 'do', '7', 31, true),
  ('ISO 28000:2022', '7.5', 'Documented information', 'do', '7', 32, true),
  ('ISO 28000:2022', '7.5.1', 'General', 'do', '7.5', 33, true),
  ('ISO 28000:2022', '7.5.2', 'Creating and updating documented information', 'do', '7.5', 34, true),
  ('ISO 28000:2022', '7.5.3', 'Control of documented information', 'do', '7.5', 35, true),
  ('ISO 28000:2022', '8', 'Operation', 'do', NULL, 36, true),
  ('ISO 28000:2022', '8.1', 'Operational planning and control', 'do', '8', 37, true),
  ('ISO 28000:2022', '8.2', 'Identification of processes and activities', 'do', '8', 38, true),
  ('ISO 28000:2022', '8.3', 'Risk assessment and treatment', 'do', '8', 39, true),
  ('ISO 28000:2022', '8.4', 'Controls', 'do', '8', 40, true),
  ('ISO 28000:2022', '8.5', 'Security strategies, procedures, processes and treatments', 'do', '8', 41, true),
  ('ISO 28000:2022', '8.5.1', 'Identification and selection of strategies and treatments', 'do', '8.5', 42, true),
  ('ISO 28000:2022', '8.5.2', 'Resource requirements', 'do', '8.5', 43, true),
  ('ISO 28000:2022', '8.5.3', 'Implementation of treatments', 'do', '8.5', 44, true),
  ('ISO 28000:2022', '8.6', 'Security plans', 'do', '8', 45, true),
  ('ISO 28000:2022', '8.6.1', 'General', 'do', '8.6', 46, true),
  ('ISO 28000:2022', '8.6.2', 'Response structure', 'do', '8.6', 47, true),
  ('ISO 28000:2022', '8.6.3', 'Warning and communication', 'do', '8.6', 48, true),
  ('ISO 28000:2022', '8.6.4', 'Content of the security plans', 'do', '8.6', 49, true),
  ('ISO 28000:2022', '8.6.5', 'Recovery', 'do', '8.6', 50, true),
  ('ISO 28000:2022', '9', 'Performance evaluation', 'check', NULL, 51, true),
  ('ISO 28000:2022', '9.1', 'Monitoring, measurement, analysis and evaluation', 'check', '9', 52, true),
  ('ISO 28000:2022', '9.2', 'Internal audit', 'check', '9', 53, true),
  ('ISO 28000:2022', '9.2.1', 'General', 'check', '9.2', 54, true),
  ('ISO 28000:2022', '9.2.2', 'Internal audit programme', 'check', '9.2', 55, true),
  ('ISO 28000:2022', '9.3', 'Management review', 'check', '9', 56, true),
  ('ISO 28000:2022', '9.3.1', 'General', 'check', '9.3', 57, true),
  ('ISO 28000:2022', '9.3.2', 'Management review inputs', 'check', '9.3', 58, true),
  ('ISO 28000:2022', '9.3.3', 'Management review results', 'check', '9.3', 59, true),
  ('ISO 28000:2022', '10', 'Improvement', 'act', NULL, 60, true),
  ('ISO 28000:2022', '10.1', 'Continual improvement', 'act', '10', 61, true),
  ('ISO 28000:2022', '10.2', 'Nonconformity and corrective action', 'act', '10', 62, true);
/*
 * sql/core/04_risk_rating.sql
 *		The risk_rating type (likelihood x consequence, each 1 to 10): I/O,
 *		accessors, default bands, total order with btree and hash operator
 *		classes, min/max aggregates.  C code in src/risk_rating.c.
 */

CREATE TYPE iso28000.risk_rating;

CREATE FUNCTION iso28000.risk_rating_in(cstring) RETURNS iso28000.risk_rating
  AS 'MODULE_PATHNAME', 'risk_rating_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_out(iso28000.risk_rating) RETURNS cstring
  AS 'MODULE_PATHNAME', 'risk_rating_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_recv(internal) RETURNS iso28000.risk_rating
  AS 'MODULE_PATHNAME', 'risk_rating_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_send(iso28000.risk_rating) RETURNS bytea
  AS 'MODULE_PATHNAME', 'risk_rating_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE iso28000.risk_rating (
  INTERNALLENGTH = 2,
  INPUT = iso28000.risk_rating_in,
  OUTPUT = iso28000.risk_rating_out,
  RECEIVE = iso28000.risk_rating_recv,
  SEND = iso28000.risk_rating_send,
  PASSEDBYVALUE,
  ALIGNMENT = int2,
  STORAGE = plain
);

COMMENT ON TYPE iso28000.risk_rating IS
  'ISO 28000 6.1.2, 8.3: a risk rating, likelihood x consequence, each from 1 to 10, written L<likelihood>C<consequence> (L4C3). Ordered by score, then consequence, then likelihood.';
COMMENT ON FUNCTION iso28000.risk_rating_in(cstring) IS 'Input function of risk_rating: reads L4C3.';
COMMENT ON FUNCTION iso28000.risk_rating_out(iso28000.risk_rating) IS 'Output function of risk_rating: writes L4C3.';
COMMENT ON FUNCTION iso28000.risk_rating_recv(internal) IS 'Binary receive function of risk_rating: one byte likelihood, one byte consequence.';
COMMENT ON FUNCTION iso28000.risk_rating_send(iso28000.risk_rating) IS 'Binary send function of risk_rating: one byte likelihood, one byte consequence.';

-- Constructor and accessors.
CREATE FUNCTION iso28000.risk_rating(likelihood integer, consequence integer) RETURNS iso28000.risk_rating
  AS 'MODULE_PATHNAME', 'risk_rating_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.risk_rating(integer, integer) IS
  'Builds a risk rating from a likelihood and a consequence, each from 1 to 10.';

CREATE FUNCTION iso28000.likelihood(iso28000.risk_rating) RETURNS integer
  AS 'MODULE_PATHNAME', 'risk_rating_likelihood' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.likelihood(iso28000.risk_rating) IS 'Likelihood of a risk rating, 1 to 10.';

CREATE FUNCTION iso28000.consequence(iso28000.risk_rating) RETURNS integer
  AS 'MODULE_PATHNAME', 'risk_rating_consequence' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.consequence(iso28000.risk_rating) IS 'Consequence of a risk rating, 1 to 10.';

CREATE FUNCTION iso28000.score(iso28000.risk_rating) RETURNS integer
  AS 'MODULE_PATHNAME', 'risk_rating_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.score(iso28000.risk_rating) IS 'Score of a risk rating: likelihood x consequence, 1 to 100.';

CREATE FUNCTION iso28000.band(iso28000.risk_rating) RETURNS text
  AS 'MODULE_PATHNAME', 'risk_rating_default_band' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.band(iso28000.risk_rating) IS
  'Default band of a risk rating from its score: low (1-15), medium (16-35), high (36-63), critical (64-100).';

CREATE FUNCTION iso28000.band_rank(band text) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE band WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4 END;
COMMENT ON FUNCTION iso28000.band_rank(text) IS
  'Rank of a risk band, for comparing bands: low 1, medium 2, high 3, critical 4; NULL for anything else.';

-- Comparison.
CREATE FUNCTION iso28000.risk_rating_cmp(iso28000.risk_rating, iso28000.risk_rating) RETURNS integer
  AS 'MODULE_PATHNAME', 'risk_rating_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_lt(iso28000.risk_rating, iso28000.risk_rating) RETURNS boolean
  AS 'MODULE_PATHNAME', 'risk_rating_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_le(iso28000.risk_rating, iso28000.risk_rating) RETURNS boolean
  AS 'MODULE_PATHNAME', 'risk_rating_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_eq(iso28000.risk_rating, iso28000.risk_rating) RETURNS boolean
  AS 'MODULE_PATHNAME', 'risk_rating_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_ne(iso28000.risk_rating, iso28000.risk_rating) RETURNS boolean
  AS 'MODULE_PATHNAME', 'risk_rating_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_ge(iso28000.risk_rating, iso28000.risk_rating) RETURNS boolean
  AS 'MODULE_PATHNAME', 'risk_rating_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_gt(iso28000.risk_rating, iso28000.risk_rating) RETURNS boolean
  AS 'MODULE_PATHNAME', 'risk_rating_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_hash(iso28000.risk_rating) RETURNS integer
  AS 'MODULE_PATHNAME', 'risk_rating_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_hash_extended(iso28000.risk_rating, bigint) RETURNS bigint
  AS 'MODULE_PATHNAME', 'risk_rating_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_larger(iso28000.risk_rating, iso28000.risk_rating) RETURNS iso28000.risk_rating
  AS 'MODULE_PATHNAME', 'risk_rating_larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION iso28000.risk_rating_smaller(iso28000.risk_rating, iso28000.risk_rating) RETURNS iso28000.risk_rating
  AS 'MODULE_PATHNAME', 'risk_rating_smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION iso28000.risk_rating_cmp(iso28000.risk_rating, iso28000.risk_rating) IS 'btree support: -1, 0 or 1 comparing by score, then consequence, then likelihood.';
COMMENT ON FUNCTION iso28000.risk_rating_lt(iso28000.risk_rating, iso28000.risk_rating) IS 'Implements < for risk_rating.';
COMMENT ON FUNCTION iso28000.risk_rating_le(iso28000.risk_rating, iso28000.risk_rating) IS 'Implements <= for risk_rating.';
COMMENT ON FUNCTION iso28000.risk_rating_eq(iso28000.risk_rating, iso28000.risk_rating) IS 'Implements = for risk_rating.';
COMMENT ON FUNCTION iso28000.risk_rating_ne(iso28000.risk_rating, iso28000.risk_rating) IS 'Implements <> for risk_rating.';
COMMENT ON FUNCTION iso28000.risk_rating_ge(iso28000.risk_rating, iso28000.risk_rating) IS 'Implements >= for risk_rating.';
COMMENT ON FUNCTION iso28000.risk_rating_gt(iso28000.risk_rating, iso28000.risk_rating) IS 'Implements > for risk_rating.';
COMMENT ON FUNCTION iso28000.risk_rating_hash(iso28000.risk_rating) IS 'hash support: 32-bit hash of a risk rating.';
COMMENT ON FUNCTION iso28000.risk_rating_hash_extended(iso28000.risk_rating, bigint) IS 'hash support: seeded 64-bit hash of a risk rating.';
COMMENT ON FUNCTION iso28000.risk_rating_larger(iso28000.risk_rating, iso28000.risk_rating) IS 'The greater of two risk ratings (state function of max).';
COMMENT ON FUNCTION iso28000.risk_rating_smaller(iso28000.risk_rating, iso28000.risk_rating) IS 'The lesser of two risk ratings (state function of min).';

CREATE OPERATOR iso28000.< (
  LEFTARG = iso28000.risk_rating, RIGHTARG = iso28000.risk_rating, FUNCTION = iso28000.risk_rating_lt,
  COMMUTATOR = OPERATOR(iso28000.>), NEGATOR = OPERATOR(iso28000.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR iso28000.<= (
  LEFTARG = iso28000.risk_rating, RIGHTARG = iso28000.risk_rating, FUNCTION = iso28000.risk_rating_le,
  COMMUTATOR = OPERATOR(iso28000.>=), NEGATOR = OPERATOR(iso28000.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR iso28000.= (
  LEFTARG = iso28000.risk_rating, RIGHTARG = iso28000.risk_rating, FUNCTION = iso28000.risk_rating_eq,
  COMMUTATOR = OPERATOR(iso28000.=), NEGATOR = OPERATOR(iso28000.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR iso28000.<> (
  LEFTARG = iso28000.risk_rating, RIGHTARG = iso28000.risk_rating, FUNCTION = iso28000.risk_rating_ne,
  COMMUTATOR = OPERATOR(iso28000.<>), NEGATOR = OPERATOR(iso28000.=),
  RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR iso28000.>= (
  LEFTARG = iso28000.risk_rating, RIGHTARG = iso28000.risk_rating, FUNCTION = iso28000.risk_rating_ge,
  COMMUTATOR = OPERATOR(iso28000.<=), NEGATOR = OPERATOR(iso28000.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR iso28000.> (
  LEFTARG = iso28000.risk_rating, RIGHTARG = iso28000.risk_rating, FUNCTION = iso28000.risk_rating_gt,
  COMMUTATOR = OPERATOR(iso28000.<), NEGATOR = OPERATOR(iso28000.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel);

COMMENT ON OPERATOR iso28000.< (iso28000.risk_rating, iso28000.risk_rating) IS 'less than (score, then consequence, then likelihood)';
COMMENT ON OPERATOR iso28000.<= (iso28000.risk_rating, iso28000.risk_rating) IS 'less than or equal (score, then consequence, then likelihood)';
COMMENT ON OPERATOR iso28000.= (iso28000.risk_rating, iso28000.risk_rating) IS 'same likelihood and same consequence';
COMMENT ON OPERATOR iso28000.<> (iso28000.risk_rating, iso28000.risk_rating) IS 'different likelihood or consequence';
COMMENT ON OPERATOR iso28000.>= (iso28000.risk_rating, iso28000.risk_rating) IS 'greater than or equal (score, then consequence, then likelihood)';
COMMENT ON OPERATOR iso28000.> (iso28000.risk_rating, iso28000.risk_rating) IS 'greater than (score, then consequence, then likelihood)';

CREATE OPERATOR CLASS iso28000.risk_rating_ops
  DEFAULT FOR TYPE iso28000.risk_rating USING btree AS
    OPERATOR 1 iso28000.<,
    OPERATOR 2 iso28000.<=,
    OPERATOR 3 iso28000.=,
    OPERATOR 4 iso28000.>=,
    OPERATOR 5 iso28000.>,
    FUNCTION 1 iso28000.risk_rating_cmp(iso28000.risk_rating, iso28000.risk_rating);

CREATE OPERATOR CLASS iso28000.risk_rating_hash_ops
  DEFAULT FOR TYPE iso28000.risk_rating USING hash AS
    OPERATOR 1 iso28000.=,
    FUNCTION 1 iso28000.risk_rating_hash(iso28000.risk_rating),
    FUNCTION 2 iso28000.risk_rating_hash_extended(iso28000.risk_rating, bigint);

COMMENT ON OPERATOR CLASS iso28000.risk_rating_ops USING btree IS 'Default btree operator class of risk_rating: score, then consequence, then likelihood.';
COMMENT ON OPERATOR CLASS iso28000.risk_rating_hash_ops USING hash IS 'Default hash operator class of risk_rating.';

CREATE AGGREGATE iso28000.max(iso28000.risk_rating) (
  SFUNC = iso28000.risk_rating_larger, STYPE = iso28000.risk_rating,
  COMBINEFUNC = iso28000.risk_rating_larger, SORTOP = OPERATOR(iso28000.>), PARALLEL = SAFE);
CREATE AGGREGATE iso28000.min(iso28000.risk_rating) (
  SFUNC = iso28000.risk_rating_smaller, STYPE = iso28000.risk_rating,
  COMBINEFUNC = iso28000.risk_rating_smaller, SORTOP = OPERATOR(iso28000.<), PARALLEL = SAFE);
COMMENT ON AGGREGATE iso28000.max(iso28000.risk_rating) IS 'The highest risk rating of a group.';
COMMENT ON AGGREGATE iso28000.min(iso28000.risk_rating) IS 'The lowest risk rating of a group.';

/*
 * Risk criteria of an organisation (ISO 28000 6.1.2): its own band for any
 * cell of the likelihood x consequence matrix, and its risk appetite (the
 * highest band it accepts without further treatment).  Cells it does not
 * set keep the default band of band(risk_rating).
 */
CREATE TABLE iso28000.risk_band_cell (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    risk_band_cell_id bigint GENERATED ALWAYS AS IDENTITY,
    rating            iso28000.risk_rating NOT NULL,
    band              text NOT NULL CONSTRAINT risk_band_cell_band_valid CHECK (band IN ('low', 'medium', 'high', 'critical')),
    PRIMARY KEY (org_id, risk_band_cell_id),
    CONSTRAINT risk_band_cell_rating_unique UNIQUE (org_id, rating)
);
SELECT iso28000.register_table('iso28000.risk_band_cell');
COMMENT ON TABLE iso28000.risk_band_cell IS
  'ISO 28000 6.1.2: The organisation''s own risk matrix: the band of a likelihood x consequence cell, replacing the default band of that cell.';
COMMENT ON COLUMN iso28000.risk_band_cell.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_band_cell.risk_band_cell_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.risk_band_cell.rating IS 'The matrix cell (likelihood and consequence); one row per cell and organisation.';
COMMENT ON COLUMN iso28000.risk_band_cell.band IS 'Band of the cell: low, medium, high or critical.';

CREATE TABLE iso28000.risk_appetite (
    org_id           bigint NOT NULL REFERENCES iso28000.organization,
    risk_appetite_id bigint GENERATED ALWAYS AS IDENTITY,
    statement        text NOT NULL CONSTRAINT risk_appetite_statement_present CHECK (btrim(statement) <> ''),
    max_band         text NOT NULL CONSTRAINT risk_appetite_max_band_valid CHECK (max_band IN ('low', 'medium', 'high', 'critical')),
    effective_on     date NOT NULL,
    approved_by      bigint,
    approved_on      date,
    PRIMARY KEY (org_id, risk_appetite_id),
    CONSTRAINT risk_appetite_effective_unique UNIQUE (org_id, effective_on),
    FOREIGN KEY (org_id, approved_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT risk_appetite_approval_complete CHECK ((approved_by IS NULL) = (approved_on IS NULL)),
    CONSTRAINT risk_appetite_approved_before_effective CHECK (approved_on <= effective_on)
);
SELECT iso28000.register_table('iso28000.risk_appetite');
COMMENT ON TABLE iso28000.risk_appetite IS
  'ISO 28000 6.1.2, 6.1.3: The organisation''s risk appetite over time: the highest band of residual risk it accepts; the row with the latest effective_on not after today applies.';
COMMENT ON COLUMN iso28000.risk_appetite.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_appetite.risk_appetite_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.risk_appetite.statement IS 'The appetite statement as approved (required).';
COMMENT ON COLUMN iso28000.risk_appetite.max_band IS 'Highest acceptable band of residual risk: low, medium, high or critical.';
COMMENT ON COLUMN iso28000.risk_appetite.effective_on IS 'First day this appetite applies; one row per day and organisation.';
COMMENT ON COLUMN iso28000.risk_appetite.approved_by IS 'Person (top management) who approved it; set together with approved_on.';
COMMENT ON COLUMN iso28000.risk_appetite.approved_on IS 'Date of approval; not after effective_on.';

-- The band of a rating for an organisation: its own cell if set, else the default.
CREATE FUNCTION iso28000.band(org bigint, rating iso28000.risk_rating) RETURNS text
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  RETURN coalesce((SELECT c.band FROM iso28000.risk_band_cell c WHERE c.org_id = org AND c.rating = band.rating),
                  iso28000.band(rating));
COMMENT ON FUNCTION iso28000.band(bigint, iso28000.risk_rating) IS
  'Band of a risk rating for an organisation: the band of its own matrix cell (risk_band_cell) if set, else the default band.';

-- The highest acceptable band of an organisation on a date (NULL if none set).
CREATE FUNCTION iso28000.appetite_band(org bigint, on_date date DEFAULT current_date) RETURNS text
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  RETURN (SELECT a.max_band FROM iso28000.risk_appetite a
           WHERE a.org_id = org AND a.effective_on <= on_date
           ORDER BY a.effective_on DESC LIMIT 1);
COMMENT ON FUNCTION iso28000.appetite_band(bigint, date) IS
  'Highest band of residual risk the organisation accepts on the date (its latest risk_appetite effective by then), or NULL when it has set none.';

-- Whether a rating is within the organisation's appetite today.
CREATE FUNCTION iso28000.within_appetite(org bigint, rating iso28000.risk_rating) RETURNS boolean
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  RETURN iso28000.band_rank(iso28000.band(org, rating)) <= iso28000.band_rank(iso28000.appetite_band(org, current_date));
COMMENT ON FUNCTION iso28000.within_appetite(bigint, iso28000.risk_rating) IS
  'True when the rating''s band for the organisation is not above its current risk appetite; NULL when the organisation has set no appetite.';
/*
 * sql/core/05_scoring.sql
 *		Conformity scoring: the conformity_grade enum, the conformity_tally type
 *		and the scoring aggregates (C in src/conformity_tally.c and
 *		src/conformity_agg.c; reference in doc/scoring.md).
 */

CREATE TYPE iso28000.conformity_grade AS ENUM (
  'conforming', 'observation', 'opportunity', 'minor_nc', 'major_nc',
  'not_applicable', 'not_assessed');
COMMENT ON TYPE iso28000.conformity_grade IS
  'ISO 28000 9.1, 9.2, 9.3: Grade of one item (clause, finding) in an assessment or audit. Credit: conforming, observation, opportunity 1; minor_nc 1/2; major_nc 0. not_applicable leaves every denominator; not_assessed counts against coverage but not against the score.';

-- conformity_tally: a shell type first, then its I/O functions, then the type.
CREATE TYPE iso28000.conformity_tally;

CREATE FUNCTION iso28000.conformity_tally_in(cstring) RETURNS iso28000.conformity_tally
  AS 'MODULE_PATHNAME', 'conformity_tally_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_in(cstring) IS
  'Text input of conformity_tally, e.g. {conforming=3/5,minor_nc=1/2}; refuses malformed (22P02), negative or oversized (22003) and inconsistent (22P02) values.';
CREATE FUNCTION iso28000.conformity_tally_out(iso28000.conformity_tally) RETURNS cstring
  AS 'MODULE_PATHNAME', 'conformity_tally_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_out(iso28000.conformity_tally) IS
  'Canonical text output of conformity_tally: grades in enum order, empty grades omitted.';
CREATE FUNCTION iso28000.conformity_tally_recv(internal) RETURNS iso28000.conformity_tally
  AS 'MODULE_PATHNAME', 'conformity_tally_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_recv(internal) IS
  'Binary input of conformity_tally (version byte, then count and weight sum per grade as int8), checked like text input.';
CREATE FUNCTION iso28000.conformity_tally_send(iso28000.conformity_tally) RETURNS bytea
  AS 'MODULE_PATHNAME', 'conformity_tally_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_send(iso28000.conformity_tally) IS
  'Binary output of conformity_tally.';

CREATE TYPE iso28000.conformity_tally (
  INPUT = iso28000.conformity_tally_in,
  OUTPUT = iso28000.conformity_tally_out,
  RECEIVE = iso28000.conformity_tally_recv,
  SEND = iso28000.conformity_tally_send,
  INTERNALLENGTH = 112,
  ALIGNMENT = double,
  STORAGE = plain);
COMMENT ON TYPE iso28000.conformity_tally IS
  'ISO 28000 9.1: State of the scoring aggregates and a storable summary: per grade, the number of items and the sum of their weights. Fixed size (112 bytes); tallies add exactly, so a summary table can keep them per clause per month and merge them later.';

-- Figures derived from a tally.
CREATE FUNCTION iso28000.score(iso28000.conformity_tally) RETURNS double precision
  AS 'MODULE_PATHNAME', 'conformity_tally_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.score(iso28000.conformity_tally) IS
  'Conformity score in percent: sum(weight x credit) / sum(weight) over graded items (conforming, observation, opportunity credit 1, minor_nc 1/2, major_nc 0). NULL when no graded item carries weight.';
CREATE FUNCTION iso28000.coverage(iso28000.conformity_tally) RETURNS double precision
  AS 'MODULE_PATHNAME', 'conformity_tally_coverage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.coverage(iso28000.conformity_tally) IS
  'Coverage in percent: graded items / applicable items (graded + not_assessed), counted by items. NULL when no item is applicable.';
CREATE FUNCTION iso28000.verdict(iso28000.conformity_tally) RETURNS text
  AS 'MODULE_PATHNAME', 'conformity_tally_verdict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.verdict(iso28000.conformity_tally) IS
  'nonconforming with any major_nc, conforming_with_findings with any minor_nc, else conforming; NULL when nothing is graded.';
CREATE FUNCTION iso28000.count_of(iso28000.conformity_tally, iso28000.conformity_grade) RETURNS bigint
  AS 'MODULE_PATHNAME', 'conformity_tally_count_of' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.count_of(iso28000.conformity_tally, iso28000.conformity_grade) IS
  'Number of items of the given grade in a tally.';
CREATE FUNCTION iso28000.weight_of(iso28000.conformity_tally, iso28000.conformity_grade) RETURNS bigint
  AS 'MODULE_PATHNAME', 'conformity_tally_weight_of' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.weight_of(iso28000.conformity_tally, iso28000.conformity_grade) IS
  'Sum of the weights of the items of the given grade in a tally.';

-- Operators: + adds two tallies; = and <> compare them.
CREATE FUNCTION iso28000.conformity_tally_add(iso28000.conformity_tally, iso28000.conformity_tally)
  RETURNS iso28000.conformity_tally
  AS 'MODULE_PATHNAME', 'conformity_tally_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_add(iso28000.conformity_tally, iso28000.conformity_tally) IS
  'The tally of both sets of items (the + operator); 22003 on 64-bit overflow.';
CREATE FUNCTION iso28000.conformity_tally_eq(iso28000.conformity_tally, iso28000.conformity_tally)
  RETURNS boolean
  AS 'MODULE_PATHNAME', 'conformity_tally_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_eq(iso28000.conformity_tally, iso28000.conformity_tally) IS
  'True when two tallies hold the same counts and weight sums (the = operator).';
CREATE FUNCTION iso28000.conformity_tally_ne(iso28000.conformity_tally, iso28000.conformity_tally)
  RETURNS boolean
  AS 'MODULE_PATHNAME', 'conformity_tally_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_ne(iso28000.conformity_tally, iso28000.conformity_tally) IS
  'True when two tallies differ (the <> operator).';

CREATE OPERATOR iso28000.+ (
  LEFTARG = iso28000.conformity_tally, RIGHTARG = iso28000.conformity_tally,
  FUNCTION = iso28000.conformity_tally_add, COMMUTATOR = OPERATOR(iso28000.+));
COMMENT ON OPERATOR iso28000.+ (iso28000.conformity_tally, iso28000.conformity_tally) IS
  'Adds two conformity tallies.';
CREATE OPERATOR iso28000.= (
  LEFTARG = iso28000.conformity_tally, RIGHTARG = iso28000.conformity_tally,
  FUNCTION = iso28000.conformity_tally_eq, COMMUTATOR = OPERATOR(iso28000.=),
  NEGATOR = OPERATOR(iso28000.<>), RESTRICT = eqsel, JOIN = eqjoinsel);
COMMENT ON OPERATOR iso28000.= (iso28000.conformity_tally, iso28000.conformity_tally) IS
  'Equal conformity tallies.';
CREATE OPERATOR iso28000.<> (
  LEFTARG = iso28000.conformity_tally, RIGHTARG = iso28000.conformity_tally,
  FUNCTION = iso28000.conformity_tally_ne, COMMUTATOR = OPERATOR(iso28000.<>),
  NEGATOR = OPERATOR(iso28000.=), RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR iso28000.<> (iso28000.conformity_tally, iso28000.conformity_tally) IS
  'Different conformity tallies.';

-- Support functions of the aggregates (C, in place in the aggregate context).
CREATE FUNCTION iso28000.conformity_tally_trans(iso28000.conformity_tally, iso28000.conformity_grade)
  RETURNS iso28000.conformity_tally
  AS 'MODULE_PATHNAME', 'conformity_tally_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_trans(iso28000.conformity_tally, iso28000.conformity_grade) IS
  'Aggregate support: adds one item of weight 1. Aggregate context only.';
CREATE FUNCTION iso28000.conformity_tally_trans(iso28000.conformity_tally, iso28000.conformity_grade, integer)
  RETURNS iso28000.conformity_tally
  AS 'MODULE_PATHNAME', 'conformity_tally_trans_w' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_trans(iso28000.conformity_tally, iso28000.conformity_grade, integer) IS
  'Aggregate support: adds one weighted item; a negative weight raises IS301. Aggregate context only.';
CREATE FUNCTION iso28000.conformity_tally_inv(iso28000.conformity_tally, iso28000.conformity_grade)
  RETURNS iso28000.conformity_tally
  AS 'MODULE_PATHNAME', 'conformity_tally_inv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_inv(iso28000.conformity_tally, iso28000.conformity_grade) IS
  'Aggregate support (moving window): removes one item of weight 1. Aggregate context only.';
CREATE FUNCTION iso28000.conformity_tally_inv(iso28000.conformity_tally, iso28000.conformity_grade, integer)
  RETURNS iso28000.conformity_tally
  AS 'MODULE_PATHNAME', 'conformity_tally_inv_w' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_inv(iso28000.conformity_tally, iso28000.conformity_grade, integer) IS
  'Aggregate support (moving window): removes one weighted item. Aggregate context only.';
CREATE FUNCTION iso28000.conformity_tally_combine(iso28000.conformity_tally, iso28000.conformity_tally)
  RETURNS iso28000.conformity_tally
  AS 'MODULE_PATHNAME', 'conformity_tally_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_combine(iso28000.conformity_tally, iso28000.conformity_tally) IS
  'Aggregate support: adds the second tally into the first (combine function, and transition of conformity_merge). Aggregate context only.';
CREATE FUNCTION iso28000.conformity_tally_uncombine(iso28000.conformity_tally, iso28000.conformity_tally)
  RETURNS iso28000.conformity_tally
  AS 'MODULE_PATHNAME', 'conformity_tally_uncombine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.conformity_tally_uncombine(iso28000.conformity_tally, iso28000.conformity_tally) IS
  'Aggregate support (moving window of conformity_merge): subtracts a tally that was merged in. Aggregate context only.';

-- The aggregates.  Every one: concrete state, combine, moving-window support.
CREATE AGGREGATE iso28000.conformity_score(iso28000.conformity_grade) (
  SFUNC = iso28000.conformity_tally_trans, STYPE = iso28000.conformity_tally, INITCOND = '{}',
  FINALFUNC = iso28000.score, COMBINEFUNC = iso28000.conformity_tally_combine,
  MSFUNC = iso28000.conformity_tally_trans, MINVFUNC = iso28000.conformity_tally_inv,
  MSTYPE = iso28000.conformity_tally, MINITCOND = '{}', MFINALFUNC = iso28000.score,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE iso28000.conformity_score(iso28000.conformity_grade) IS
  'ISO 28000 9.1: Conformity score in percent of the graded items, each weight 1; NULL grades ignored; NULL when nothing is graded.';

CREATE AGGREGATE iso28000.conformity_score(iso28000.conformity_grade, integer) (
  SFUNC = iso28000.conformity_tally_trans, STYPE = iso28000.conformity_tally, INITCOND = '{}',
  FINALFUNC = iso28000.score, COMBINEFUNC = iso28000.conformity_tally_combine,
  MSFUNC = iso28000.conformity_tally_trans, MINVFUNC = iso28000.conformity_tally_inv,
  MSTYPE = iso28000.conformity_tally, MINITCOND = '{}', MFINALFUNC = iso28000.score,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE iso28000.conformity_score(iso28000.conformity_grade, integer) IS
  'ISO 28000 9.1: Weighted conformity score in percent; rows with a NULL grade or weight ignored; a negative weight raises IS301; NULL when no graded item carries weight.';

CREATE AGGREGATE iso28000.conformity_tally(iso28000.conformity_grade) (
  SFUNC = iso28000.conformity_tally_trans, STYPE = iso28000.conformity_tally, INITCOND = '{}',
  COMBINEFUNC = iso28000.conformity_tally_combine,
  MSFUNC = iso28000.conformity_tally_trans, MINVFUNC = iso28000.conformity_tally_inv,
  MSTYPE = iso28000.conformity_tally, MINITCOND = '{}',
  PARALLEL = SAFE);
COMMENT ON AGGREGATE iso28000.conformity_tally(iso28000.conformity_grade) IS
  'ISO 28000 9.1: The tally of the graded items, each weight 1 (empty tally {} over no rows); store it and merge it later with conformity_merge or +.';

CREATE AGGREGATE iso28000.conformity_tally(iso28000.conformity_grade, integer) (
  SFUNC = iso28000.conformity_tally_trans, STYPE = iso28000.conformity_tally, INITCOND = '{}',
  COMBINEFUNC = iso28000.conformity_tally_combine,
  MSFUNC = iso28000.conformity_tally_trans, MINVFUNC = iso28000.conformity_tally_inv,
  MSTYPE = iso28000.conformity_tally, MINITCOND = '{}',
  PARALLEL = SAFE);
COMMENT ON AGGREGATE iso28000.conformity_tally(iso28000.conformity_grade, integer) IS
  'ISO 28000 9.1: The tally of weighted graded items; a negative weight raises IS301.';

CREATE AGGREGATE iso28000.conformity_merge(iso28000.conformity_tally) (
  SFUNC = iso28000.conformity_tally_combine, STYPE = iso28000.conformity_tally, INITCOND = '{}',
  COMBINEFUNC = iso28000.conformity_tally_combine,
  MSFUNC = iso28000.conformity_tally_combine, MINVFUNC = iso28000.conformity_tally_uncombine,
  MSTYPE = iso28000.conformity_tally, MINITCOND = '{}',
  PARALLEL = SAFE);
COMMENT ON AGGREGATE iso28000.conformity_merge(iso28000.conformity_tally) IS
  'ISO 28000 9.1: Merges stored tallies into one (NULL tallies ignored); score(conformity_merge(t)) equals the score over the original rows.';
/*
 * sql/core/06_history.sql
 *		The tamper-evident history: every change to every register, one SHA-256
 *		hash chain per organisation, append-only and verifiable.
 *
 * Recording is in C (src/history.c): a statement-level AFTER trigger with
 * transition tables, attached to each register by attach_history(), which
 * register_table() calls.  Record n of an organisation stores the hash of
 * record n-1 (prev_hash) and the SHA-256 hash over the canonical serialisation
 * of its fields (doc/history.md documents it byte by byte; tools/verify-history
 * recomputes it from an export).  history_head holds each organisation's last
 * sequence number and hash; its row is the per-organisation lock that keeps the
 * chain linear, and verify_history() checks the chain against it.
 *
 * Who sees what.  Members at level audit read their organisations' history
 * and chain heads (the tables' policies; the views and functions run with the
 * caller's rights, so they show no more, and require_level() refuses a caller
 * below audit with IS001).  Nobody
 * writes it directly: the recorder writes as the table owner, INSERT is not
 * granted, and UPDATE, DELETE and TRUNCATE are refused by trigger (IS201).
 */

-- The history records.
CREATE TABLE iso28000.history (
    org_id       bigint NOT NULL,
    seq          bigint NOT NULL,
    recorded_at  timestamptz NOT NULL,
    session_role text NOT NULL,
    acting_role  text NOT NULL,
    txid         bigint NOT NULL,
    table_name   text NOT NULL,
    operation    text NOT NULL,
    row_key      jsonb,
    before_image jsonb,
    after_image  jsonb,
    prev_hash    bytea NOT NULL,
    hash         bytea NOT NULL,
    PRIMARY KEY (org_id, seq)
);
COMMENT ON TABLE iso28000.history IS
  'ISO 28000 7.5.3, 9.2: Tamper-evident history of every change to every register: one SHA-256 hash chain per organisation, append-only; check it with verify_history().';
COMMENT ON COLUMN iso28000.history.org_id IS 'Organisation whose chain holds the record (the org_id of the changed row).';
COMMENT ON COLUMN iso28000.history.seq IS 'Position in the organisation''s chain: 1, 2, 3 ... without gaps.';
COMMENT ON COLUMN iso28000.history.recorded_at IS 'Start time of the transaction that made the change.';
COMMENT ON COLUMN iso28000.history.session_role IS 'Session user (the login) that made the change.';
COMMENT ON COLUMN iso28000.history.acting_role IS 'Current user when the change was made (differs from the session user under SET ROLE or inside SECURITY DEFINER functions).';
COMMENT ON COLUMN iso28000.history.txid IS 'Transaction id (64-bit, as pg_current_xact_id()) of the change.';
COMMENT ON COLUMN iso28000.history.table_name IS 'Schema-qualified name of the register that changed.';
COMMENT ON COLUMN iso28000.history.operation IS 'INSERT, UPDATE or DELETE.';
COMMENT ON COLUMN iso28000.history.row_key IS 'Primary key of the changed row, as a jsonb object of its key columns.';
COMMENT ON COLUMN iso28000.history.before_image IS 'The row before the change (UPDATE, DELETE), as jsonb; NULL for INSERT.';
COMMENT ON COLUMN iso28000.history.after_image IS 'The row after the change (INSERT, UPDATE), as jsonb; NULL for DELETE.';
COMMENT ON COLUMN iso28000.history.prev_hash IS 'Hash of the previous record of the chain; 32 zero bytes for the first.';
COMMENT ON COLUMN iso28000.history.hash IS 'SHA-256 over the canonical serialisation of this record, prev_hash included (doc/history.md).';

-- The head of each organisation's chain, and its lock.
CREATE TABLE iso28000.history_head (
    org_id   bigint PRIMARY KEY,
    seq      bigint NOT NULL,
    hash     bytea NOT NULL,
    moved_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE iso28000.history_head IS
  'ISO 28000 7.5.3: Head of each organisation''s history chain (last sequence number and hash); its row is locked while a change is chained, so the chain stays linear.';
COMMENT ON COLUMN iso28000.history_head.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.history_head.seq IS 'Sequence number of the last record of the chain (0 before the first).';
COMMENT ON COLUMN iso28000.history_head.hash IS 'Hash of the last record of the chain.';
COMMENT ON COLUMN iso28000.history_head.moved_at IS 'When the head last moved.';

-- pg_dump keeps the history and the heads, so a restored chain verifies and goes on.
SELECT pg_catalog.pg_extension_config_dump('iso28000.history', '');
SELECT pg_catalog.pg_extension_config_dump('iso28000.history_head', '');

REVOKE ALL ON iso28000.history, iso28000.history_head FROM PUBLIC;
GRANT SELECT ON iso28000.history, iso28000.history_head TO PUBLIC;
ALTER TABLE iso28000.history ENABLE ROW LEVEL SECURITY;
CREATE POLICY auditor_read ON iso28000.history FOR SELECT
  USING (org_id = ANY ((SELECT iso28000.member_orgs('audit'))::bigint[]));
ALTER TABLE iso28000.history_head ENABLE ROW LEVEL SECURITY;
CREATE POLICY auditor_read ON iso28000.history_head FOR SELECT
  USING (org_id = ANY ((SELECT iso28000.member_orgs('audit'))::bigint[]));

-- Records the changed rows of a register into their organisations' chains.
CREATE FUNCTION iso28000.history_record()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'history_record';
COMMENT ON FUNCTION iso28000.history_record() IS
  'Trigger: appends one history record per changed row to the chain of the row''s organisation (statement level, with transition tables); refuses TRUNCATE of a register (IS202). Attach it with attach_history().';

-- Refuses any change to the history other than the recorder's appends.
CREATE FUNCTION iso28000.history_refuse_change()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'history_refuse_change';
COMMENT ON FUNCTION iso28000.history_refuse_change() IS
  'Trigger: refuses UPDATE, DELETE and TRUNCATE of the history (and DELETE and TRUNCATE of its heads) with IS201.';

CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON iso28000.history
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_refuse_change();
CREATE TRIGGER history_append_only_truncate BEFORE TRUNCATE ON iso28000.history
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_refuse_change();
CREATE TRIGGER history_head_kept BEFORE DELETE ON iso28000.history_head
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_refuse_change();
CREATE TRIGGER history_head_kept_truncate BEFORE TRUNCATE ON iso28000.history_head
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_refuse_change();

-- The canonical serialisation of a history record (what its hash covers).
CREATE FUNCTION iso28000.history_canonical(org_id bigint, seq bigint, recorded_at timestamptz,
    session_role text, acting_role text, txid bigint, table_name text, operation text,
    row_key jsonb, before_image jsonb, after_image jsonb, prev_hash bytea)
RETURNS text
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'history_canonical';
COMMENT ON FUNCTION iso28000.history_canonical(bigint, bigint, timestamptz, text, text, bigint, text, text, jsonb, jsonb, jsonb, bytea) IS
  'Canonical serialisation of a history record: netstring fields, as documented in doc/history.md. NULL when a required field is NULL or prev_hash is not 32 bytes.';

-- SHA-256 over the canonical serialisation of a history record.
CREATE FUNCTION iso28000.history_hash(org_id bigint, seq bigint, recorded_at timestamptz,
    session_role text, acting_role text, txid bigint, table_name text, operation text,
    row_key jsonb, before_image jsonb, after_image jsonb, prev_hash bytea)
RETURNS bytea
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'history_hash';
COMMENT ON FUNCTION iso28000.history_hash(bigint, bigint, timestamptz, text, text, bigint, text, text, jsonb, jsonb, jsonb, bytea) IS
  'SHA-256 of history_canonical() of the same fields: the hash a history record must carry.';

-- Attaches the history chain to a register (register_table() calls it).
CREATE FUNCTION iso28000.attach_history(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND attnum > 0 AND NOT attisdropped) THEN
        RAISE EXCEPTION 'table % has no org_id column', tbl
              USING ERRCODE = 'IS205',
                    DETAIL = 'The history chains each row into the chain of the organisation named by its org_id.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND atttypid = 'bigint'::regtype AND attnotnull) THEN
        RAISE EXCEPTION 'column org_id of table % is not bigint NOT NULL', tbl
              USING ERRCODE = 'IS205',
                    DETAIL = 'org_id refers to iso28000.organization, whose key is bigint; every row belongs to one organisation.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = tbl AND contype = 'p') THEN
        RAISE EXCEPTION 'table % has no primary key', tbl
              USING ERRCODE = 'IS205',
                    DETAIL = 'A history record names the changed row by its primary key.';
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_insert ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_update ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_delete ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_truncate ON %s', tbl);
    -- A trigger with transition tables fires for one event only: three of them.
    EXECUTE format('CREATE TRIGGER iso28000_history_insert AFTER INSERT ON %s
                      REFERENCING NEW TABLE AS iso28000_new
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
    EXECUTE format('CREATE TRIGGER iso28000_history_update AFTER UPDATE ON %s
                      REFERENCING OLD TABLE AS iso28000_old NEW TABLE AS iso28000_new
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
    EXECUTE format('CREATE TRIGGER iso28000_history_delete AFTER DELETE ON %s
                      REFERENCING OLD TABLE AS iso28000_old
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
    EXECUTE format('CREATE TRIGGER iso28000_history_truncate BEFORE TRUNCATE ON %s
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
END
$$;
COMMENT ON FUNCTION iso28000.attach_history(regclass) IS
  'Attaches the history chain to a register: every INSERT, UPDATE and DELETE is recorded, TRUNCATE is refused (IS202). The table needs org_id bigint NOT NULL and a primary key (IS205). register_table() calls it.';

-- The registers that exist before this file (created by register_table() before
-- attach_history() existed, or set up by hand like organization and membership).
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass FROM pg_class c
         WHERE c.relnamespace = 'iso28000'::regnamespace AND c.relkind = 'r'
           AND c.relname NOT IN ('history', 'history_head')
           AND EXISTS (SELECT FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped)
         ORDER BY c.relname
    LOOP
        PERFORM iso28000.attach_history(t);
    END LOOP;
END
$$;

-- The head of an organisation's chain, to keep outside the database.
CREATE FUNCTION iso28000.history_digest(org bigint,
    OUT org_id bigint, OUT seq bigint, OUT hash bytea, OUT digest text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM iso28000.require_level(org, 'audit');
    org_id := org;
    SELECT h.seq, h.hash INTO seq, hash FROM iso28000.history_head h WHERE h.org_id = org;
    IF NOT FOUND THEN
        seq := 0;
        hash := decode(repeat('00', 32), 'hex');
    END IF;
    digest := format('%s:%s:%s', org, seq, encode(hash, 'hex'));
END
$$;
COMMENT ON FUNCTION iso28000.history_digest(bigint) IS
  'Head of the organisation''s history chain: last sequence number, its hash, and both as one digest text "org_id:seq:hash" to keep outside the database and pass to verify_history() later. Needs level audit (IS001).';

-- Recomputes an organisation's chain and names the first broken link.
CREATE FUNCTION iso28000.verify_history(org bigint, kept_digest text DEFAULT NULL,
    OUT valid boolean, OUT records_checked bigint, OUT first_broken_seq bigint,
    OUT problem text, OUT detail text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    expect_seq bigint := 1;
    prev bytea := decode(repeat('00', 32), 'hex');
    head_seq bigint;
    head_hash bytea;
    kept text[];
    kept_seq bigint;
    kept_hash bytea;
BEGIN
    PERFORM iso28000.require_level(org, 'audit');
    IF kept_digest IS NOT NULL THEN
        kept := regexp_match(kept_digest, '^([0-9]+):([0-9]+):([0-9a-f]{64})$');
        IF kept IS NULL THEN
            RAISE EXCEPTION 'invalid input syntax for a history digest: "%"', kept_digest
                  USING ERRCODE = '22P02',
                        HINT = 'A digest is "org_id:seq:hash" as returned by iso28000.history_digest().';
        END IF;
        IF kept[1]::bigint <> org THEN
            RAISE EXCEPTION 'digest "%" is of organisation %, not of organisation %', kept_digest, kept[1], org
                  USING ERRCODE = 'IS204',
                        DETAIL = 'A kept digest only vouches for the chain of its own organisation.';
        END IF;
        kept_seq := kept[2]::bigint;
        kept_hash := decode(kept[3], 'hex');
    END IF;

    valid := false;
    records_checked := 0;
    FOR r IN
        SELECT h.*, lead(h.prev_hash) OVER (ORDER BY h.seq) AS next_prev_hash
          FROM iso28000.history h
         WHERE h.org_id = org
         ORDER BY h.seq
    LOOP
        IF r.seq <> expect_seq THEN
            first_broken_seq := expect_seq;
            problem := 'missing';
            detail := format('record %s is missing: the chain goes from %s to %s',
                             expect_seq, expect_seq - 1, r.seq);
            RETURN;
        END IF;
        IF r.prev_hash IS DISTINCT FROM prev
           AND EXISTS (SELECT FROM iso28000.history l
                        WHERE l.org_id = org AND l.seq > r.seq AND l.hash = r.prev_hash) THEN
            first_broken_seq := r.seq;
            problem := 'reordered';
            detail := format('record %s links to a record that comes after it in the chain', r.seq);
            RETURN;
        END IF;
        IF r.next_prev_hash IS NOT DISTINCT FROM prev AND r.hash IS DISTINCT FROM prev THEN
            first_broken_seq := r.seq;
            problem := 'inserted';
            detail := format('record %s is not part of the chain: record %s links past it to record %s',
                             r.seq, r.seq + 1, r.seq - 1);
            RETURN;
        END IF;
        IF r.prev_hash IS DISTINCT FROM prev THEN
            first_broken_seq := r.seq;
            problem := 'altered';
            detail := format('record %s does not link to record %s: its prev_hash was changed', r.seq, r.seq - 1);
            RETURN;
        END IF;
        IF iso28000.history_hash(r.org_id, r.seq, r.recorded_at, r.session_role, r.acting_role,
                                 r.txid, r.table_name, r.operation, r.row_key,
                                 r.before_image, r.after_image, r.prev_hash)
           IS DISTINCT FROM r.hash THEN
            first_broken_seq := r.seq;
            problem := 'altered';
            detail := format('record %s does not match its hash: its content was changed', r.seq);
            RETURN;
        END IF;
        IF r.seq = kept_seq AND r.hash <> kept_hash THEN
            first_broken_seq := r.seq;
            problem := 'digest_mismatch';
            detail := format('record %s no longer has the hash of the kept digest: the chain up to it was rewritten', r.seq);
            RETURN;
        END IF;
        records_checked := records_checked + 1;
        prev := r.hash;
        expect_seq := expect_seq + 1;
    END LOOP;

    SELECT h.seq, h.hash INTO head_seq, head_hash FROM iso28000.history_head h WHERE h.org_id = org;
    IF NOT FOUND THEN
        head_seq := 0;
        head_hash := decode(repeat('00', 32), 'hex');
    END IF;
    IF head_seq > records_checked THEN
        first_broken_seq := records_checked + 1;
        problem := 'missing';
        detail := format('the chain ends at record %s but its head is at record %s: records were removed',
                         records_checked, head_seq);
        RETURN;
    ELSIF head_seq < records_checked THEN
        first_broken_seq := head_seq + 1;
        problem := 'inserted';
        detail := format('records %s to %s lie beyond the chain head (record %s)',
                         head_seq + 1, records_checked, head_seq);
        RETURN;
    ELSIF head_hash IS DISTINCT FROM prev THEN
        first_broken_seq := head_seq;
        problem := 'altered';
        detail := format('the chain head does not carry the hash of record %s', head_seq);
        RETURN;
    END IF;
    IF kept_seq > records_checked THEN
        first_broken_seq := records_checked + 1;
        problem := 'missing';
        detail := format('the kept digest names record %s but the chain ends at record %s',
                         kept_seq, records_checked);
        RETURN;
    END IF;
    valid := true;
END
$$;
COMMENT ON FUNCTION iso28000.verify_history(bigint, text) IS
  'Recomputes the organisation''s history chain and checks it against its head and, if given, a digest kept from history_digest(). Returns valid, the records checked before the first broken link, and that link: its seq, the problem (missing, altered, reordered, inserted, digest_mismatch) and a sentence. Needs level audit (IS001).';

-- Who changed what and when.
CREATE VIEW iso28000.history_log WITH (security_invoker = true) AS
SELECT h.org_id,
       h.seq,
       h.recorded_at,
       h.session_role,
       h.acting_role,
       p.person_id,
       p.full_name AS person_name,
       h.table_name,
       h.operation,
       h.row_key,
       (SELECT array_agg(k ORDER BY k)
          FROM (SELECT jsonb_object_keys(coalesce(h.before_image, '{}'))
                UNION
                SELECT jsonb_object_keys(coalesce(h.after_image, '{}'))) AS keys (k)
         WHERE h.before_image -> k IS DISTINCT FROM h.after_image -> k) AS changed_columns,
       h.txid
  FROM iso28000.history h
  LEFT JOIN iso28000.person p ON p.org_id = h.org_id AND p.db_role = h.session_role;
COMMENT ON VIEW iso28000.history_log IS
  'ISO 28000 7.5.3, 9.2: Who changed what and when, one row per history record, with the columns each change touched; auditors (level audit) see their organisations.';
COMMENT ON COLUMN iso28000.history_log.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.history_log.seq IS 'Position in the organisation''s history chain.';
COMMENT ON COLUMN iso28000.history_log.recorded_at IS 'Start time of the transaction that made the change.';
COMMENT ON COLUMN iso28000.history_log.session_role IS 'Login that made the change.';
COMMENT ON COLUMN iso28000.history_log.acting_role IS 'Current user when the change was made.';
COMMENT ON COLUMN iso28000.history_log.person_id IS 'Person of the organisation whose db_role is the login, if any.';
COMMENT ON COLUMN iso28000.history_log.person_name IS 'Full name of that person.';
COMMENT ON COLUMN iso28000.history_log.table_name IS 'Register that changed.';
COMMENT ON COLUMN iso28000.history_log.operation IS 'INSERT, UPDATE or DELETE.';
COMMENT ON COLUMN iso28000.history_log.row_key IS 'Primary key of the changed row.';
COMMENT ON COLUMN iso28000.history_log.changed_columns IS 'Columns whose value differs between the before and after images (all columns for INSERT and DELETE).';
COMMENT ON COLUMN iso28000.history_log.txid IS 'Transaction id of the change; records with the same txid were made together.';

-- Each record's versions over time.
CREATE VIEW iso28000.record_version WITH (security_invoker = true) AS
SELECT h.org_id,
       h.table_name,
       h.row_key,
       row_number() OVER w AS version,
       h.seq,
       h.operation,
       h.recorded_at AS valid_from,
       lead(h.recorded_at) OVER w AS valid_to,
       h.after_image IS NULL AS deleted,
       coalesce(h.after_image, h.before_image) AS image,
       h.session_role AS changed_by
  FROM iso28000.history h
WINDOW w AS (PARTITION BY h.org_id, h.table_name, h.row_key ORDER BY h.seq);
COMMENT ON VIEW iso28000.record_version IS
  'ISO 28000 7.5.3: Every version of every register row over time, from the history chain; filter on table_name and row_key to follow one record.';
COMMENT ON COLUMN iso28000.record_version.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.record_version.table_name IS 'Register of the row.';
COMMENT ON COLUMN iso28000.record_version.row_key IS 'Primary key of the row, as a jsonb object.';
COMMENT ON COLUMN iso28000.record_version.version IS 'Version number of the row: 1 for its insertion, then one per change.';
COMMENT ON COLUMN iso28000.record_version.seq IS 'History record of this version.';
COMMENT ON COLUMN iso28000.record_version.operation IS 'INSERT, UPDATE or DELETE that made this version.';
COMMENT ON COLUMN iso28000.record_version.valid_from IS 'When this version was written (transaction start).';
COMMENT ON COLUMN iso28000.record_version.valid_to IS 'When the next version was written; NULL for the current one.';
COMMENT ON COLUMN iso28000.record_version.deleted IS 'True for the version that records the row''s deletion.';
COMMENT ON COLUMN iso28000.record_version.image IS 'The row as of this version (its last image for a deletion).';
COMMENT ON COLUMN iso28000.record_version.changed_by IS 'Login that wrote this version.';

-- The history in the form the independent verifier reads (tools/verify-history).
CREATE VIEW iso28000.history_export WITH (security_invoker = true) AS
SELECT h.org_id,
       h.seq,
       ((extract(epoch FROM h.recorded_at) * 1000000)::numeric)::bigint AS recorded_at_us,
       h.session_role,
       h.acting_role,
       h.txid,
       h.table_name,
       h.operation,
       h.row_key::text AS row_key,
       h.before_image::text AS before_image,
       h.after_image::text AS after_image,
       encode(h.prev_hash, 'hex') AS prev_hash,
       encode(h.hash, 'hex') AS hash
  FROM iso28000.history h;
COMMENT ON VIEW iso28000.history_export IS
  'ISO 28000 7.5.3, 9.2: The history as text, field by field as the canonical serialisation uses it, for tools/verify-history: export with COPY (SELECT * FROM iso28000.history_export WHERE org_id = ... ORDER BY seq) TO STDOUT (FORMAT csv, HEADER).';
COMMENT ON COLUMN iso28000.history_export.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.history_export.seq IS 'Position in the chain.';
COMMENT ON COLUMN iso28000.history_export.recorded_at_us IS 'recorded_at as microseconds since 1970-01-01 00:00 UTC.';
COMMENT ON COLUMN iso28000.history_export.session_role IS 'Login that made the change.';
COMMENT ON COLUMN iso28000.history_export.acting_role IS 'Current user when the change was made.';
COMMENT ON COLUMN iso28000.history_export.txid IS 'Transaction id of the change.';
COMMENT ON COLUMN iso28000.history_export.table_name IS 'Register that changed.';
COMMENT ON COLUMN iso28000.history_export.operation IS 'INSERT, UPDATE or DELETE.';
COMMENT ON COLUMN iso28000.history_export.row_key IS 'Primary key of the row, jsonb text.';
COMMENT ON COLUMN iso28000.history_export.before_image IS 'Row before the change, jsonb text (empty when NULL).';
COMMENT ON COLUMN iso28000.history_export.after_image IS 'Row after the change, jsonb text (empty when NULL).';
COMMENT ON COLUMN iso28000.history_export.prev_hash IS 'Hash of the previous record, 64 hex digits.';
COMMENT ON COLUMN iso28000.history_export.hash IS 'Hash of this record, 64 hex digits.';

GRANT SELECT ON iso28000.history_log, iso28000.record_version, iso28000.history_export TO PUBLIC;
/*
 * sql/core/07_workflow.sql
 *		The workflow engine: rules as data, the event log and the attach helper.
 *
 * A workflow is a set of states, the transitions allowed between them, the
 * columns that must be filled to enter a state, an optional guard function per
 * transition and the membership level a transition needs.  The C trigger
 * iso28000.workflow_guard() (src/workflow.c) enforces them on every register
 * it is attached to, and appends every transition to iso28000.workflow_event.
 *
 * The rules are catalog data (no org_id): every organisation of the database
 * follows the same rules.  Rows seeded by the install script are marked
 * builtin at the end of the script (sql/clauses/clause10_improvement.sql) so
 * that pg_dump keeps only the rows a DBA added.  See doc/workflow.md.
 */

-- The membership levels a transition may require, in increasing order.
CREATE FUNCTION iso28000.workflow_level_ok(level text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN level IN ('read', 'write', 'audit', 'manage');
COMMENT ON FUNCTION iso28000.workflow_level_ok(text) IS
  'True when the text is a membership level a workflow transition may require: read, write, audit or manage.';

CREATE TABLE iso28000.workflow (
  workflow    text PRIMARY KEY CHECK (workflow ~ '^[a-z][a-z0-9_]*$' AND length(workflow) < 64),
  description text NOT NULL,
  log_events  boolean NOT NULL DEFAULT true,
  builtin     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE iso28000.workflow IS
  'ISO 28000 7.5.3, 10.2: Workflows the engine enforces (nonconformity, corrective_action, document, risk, audit...). Catalog: no org_id, shared by every organisation.';
COMMENT ON COLUMN iso28000.workflow.workflow IS 'Name of the workflow, as passed to the trigger iso28000.workflow_guard().';
COMMENT ON COLUMN iso28000.workflow.description IS 'What the workflow governs.';
COMMENT ON COLUMN iso28000.workflow.log_events IS 'Whether transitions are appended to iso28000.workflow_event (true by default; the cycle-time views need it). The history chain records every change either way.';
COMMENT ON COLUMN iso28000.workflow.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';

CREATE TABLE iso28000.workflow_state (
  workflow    text NOT NULL REFERENCES iso28000.workflow ON UPDATE CASCADE ON DELETE CASCADE,
  state       text NOT NULL CHECK (state ~ '^[a-z][a-z0-9_]*$' AND length(state) < 64),
  is_initial  boolean NOT NULL DEFAULT false,
  is_terminal boolean NOT NULL DEFAULT false,
  is_frozen   boolean NOT NULL DEFAULT false,
  deletable   boolean NOT NULL DEFAULT false,
  description text,
  builtin     boolean NOT NULL DEFAULT false,
  PRIMARY KEY (workflow, state)
);
COMMENT ON TABLE iso28000.workflow_state IS
  'ISO 28000 7.5.3, 10.2: States of each workflow: where a record may start (initial), where it leaves the active set (terminal), where it may not be changed until a transition takes it out (frozen), and where it may still be deleted.';
COMMENT ON COLUMN iso28000.workflow_state.workflow IS 'The workflow the state belongs to.';
COMMENT ON COLUMN iso28000.workflow_state.state IS 'Name of the state, the value of the status column.';
COMMENT ON COLUMN iso28000.workflow_state.is_initial IS 'A new record may be inserted in this state.';
COMMENT ON COLUMN iso28000.workflow_state.is_terminal IS 'The record has left the active set (closed, rejected, cancelled...); views count it as not open.';
COMMENT ON COLUMN iso28000.workflow_state.is_frozen IS 'A record in this state cannot be updated except by an allowed transition out of it.';
COMMENT ON COLUMN iso28000.workflow_state.deletable IS 'A record in this state may be deleted; in every other state a DELETE is refused (IS107).';
COMMENT ON COLUMN iso28000.workflow_state.description IS 'What the state means.';
COMMENT ON COLUMN iso28000.workflow_state.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';

CREATE TABLE iso28000.workflow_transition (
  workflow       text NOT NULL,
  from_state     text NOT NULL,
  to_state       text NOT NULL CHECK (to_state <> from_state),
  required_level text NOT NULL DEFAULT 'write' CHECK (iso28000.workflow_level_ok(required_level)),
  guard          regprocedure,
  note           text,
  builtin        boolean NOT NULL DEFAULT false,
  PRIMARY KEY (workflow, from_state, to_state),
  FOREIGN KEY (workflow, from_state) REFERENCES iso28000.workflow_state ON UPDATE CASCADE ON DELETE CASCADE,
  FOREIGN KEY (workflow, to_state) REFERENCES iso28000.workflow_state ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE iso28000.workflow_transition IS
  'ISO 28000 7.5.3, 10.2: Allowed transitions of each workflow, the membership level each needs and an optional guard function for rules that look at other rows.';
COMMENT ON COLUMN iso28000.workflow_transition.workflow IS 'The workflow.';
COMMENT ON COLUMN iso28000.workflow_transition.from_state IS 'State the record leaves.';
COMMENT ON COLUMN iso28000.workflow_transition.to_state IS 'State the record enters.';
COMMENT ON COLUMN iso28000.workflow_transition.required_level IS 'Membership level (read, write, audit, manage) the current user needs in the record''s organisation to make the transition (IS106 otherwise).';
COMMENT ON COLUMN iso28000.workflow_transition.guard IS 'Optional guard: a function (row <table row type>, from_state text, to_state text) RETURNS text, NULL to allow, otherwise what is missing (IS104).';
COMMENT ON COLUMN iso28000.workflow_transition.note IS 'Why the transition exists (shown in the documentation and the views).';
COMMENT ON COLUMN iso28000.workflow_transition.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';

CREATE TABLE iso28000.workflow_required_column (
  workflow    text NOT NULL,
  state       text NOT NULL,
  column_name name NOT NULL,
  description text,
  builtin     boolean NOT NULL DEFAULT false,
  PRIMARY KEY (workflow, state, column_name),
  FOREIGN KEY (workflow, state) REFERENCES iso28000.workflow_state ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE iso28000.workflow_required_column IS
  'ISO 28000 7.5.3, 10.2: Columns that must be filled (not NULL, and for text not blank) for a record to enter or stay in a state.';
COMMENT ON COLUMN iso28000.workflow_required_column.workflow IS 'The workflow.';
COMMENT ON COLUMN iso28000.workflow_required_column.state IS 'The state that needs the column.';
COMMENT ON COLUMN iso28000.workflow_required_column.column_name IS 'Column of the governed table that must be filled.';
COMMENT ON COLUMN iso28000.workflow_required_column.description IS 'What the column holds, as the refusal message shows it.';
COMMENT ON COLUMN iso28000.workflow_required_column.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';

GRANT SELECT ON iso28000.workflow, iso28000.workflow_state, iso28000.workflow_transition,
  iso28000.workflow_required_column TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_state', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_transition', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_required_column', 'WHERE NOT builtin');

-- The event log.  Not a register: it is the engine's own append-only output,
-- written by the trigger as the table's owner, so no member can insert, change
-- or delete an event; members read the events of their organisations.
CREATE TABLE iso28000.workflow_event (
  org_id       bigint NOT NULL REFERENCES iso28000.organization,
  event_id     bigint GENERATED ALWAYS AS IDENTITY,
  workflow     text NOT NULL,
  table_name   regclass NOT NULL,
  record_id    bigint,
  record_key   text NOT NULL,
  from_state   text,
  to_state     text NOT NULL,
  actor        name NOT NULL,
  actor_person bigint,
  occurred_at  timestamptz NOT NULL,
  note         text,
  PRIMARY KEY (org_id, event_id)
);
CREATE INDEX workflow_event_record_idx ON iso28000.workflow_event (org_id, table_name, record_id);
COMMENT ON TABLE iso28000.workflow_event IS
  'ISO 28000 7.5.3, 9.1, 10.2: Every workflow transition (and every creation of a governed record): who moved which record from which state to which, and when. Append-only; written by the engine only.';
COMMENT ON COLUMN iso28000.workflow_event.org_id IS 'Organisation of the record.';
COMMENT ON COLUMN iso28000.workflow_event.event_id IS 'Surrogate key, increasing in the order events were written.';
COMMENT ON COLUMN iso28000.workflow_event.workflow IS 'Workflow that governed the transition.';
COMMENT ON COLUMN iso28000.workflow_event.table_name IS 'Table of the record.';
COMMENT ON COLUMN iso28000.workflow_event.record_id IS 'The record''s surrogate key (the primary key column after org_id) when it is an integer, else NULL.';
COMMENT ON COLUMN iso28000.workflow_event.record_key IS 'The record''s whole primary key, as text: (org_id, xxx_id)=(1, 42).';
COMMENT ON COLUMN iso28000.workflow_event.from_state IS 'State the record left; NULL when the record was created.';
COMMENT ON COLUMN iso28000.workflow_event.to_state IS 'State the record entered.';
COMMENT ON COLUMN iso28000.workflow_event.actor IS 'Database role (current_user) that made the change.';
COMMENT ON COLUMN iso28000.workflow_event.actor_person IS 'Person of the organisation whose db_role is the actor, if any.';
COMMENT ON COLUMN iso28000.workflow_event.occurred_at IS 'Start time of the statement that made the transition.';
COMMENT ON COLUMN iso28000.workflow_event.note IS 'The record''s status_note column at the transition, when the table has one.';

ALTER TABLE iso28000.workflow_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE iso28000.workflow_event FORCE ROW LEVEL SECURITY;
CREATE POLICY workflow_event_read ON iso28000.workflow_event FOR SELECT
  USING (iso28000.has_level(org_id, 'read'));
GRANT SELECT ON iso28000.workflow_event TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_event', '');
SELECT pg_catalog.pg_extension_config_dump(pg_get_serial_sequence('iso28000.workflow_event', 'event_id'), '');

-- The trigger: the engine itself (src/workflow.c).
CREATE FUNCTION iso28000.workflow_guard() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_workflow_guard';
COMMENT ON FUNCTION iso28000.workflow_guard() IS
  'Workflow engine trigger (BEFORE INSERT OR UPDATE OR DELETE FOR EACH ROW): arguments are the workflow name and optionally the status column (default status). Enforces the rules of iso28000.workflow_* and logs transitions in iso28000.workflow_event.';

-- Statement trigger on the rules tables: tells every backend to rebuild its cache.
CREATE FUNCTION iso28000.workflow_rules_changed() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_workflow_rules_changed';
COMMENT ON FUNCTION iso28000.workflow_rules_changed() IS
  'Statement trigger on the workflow rules tables: sends a relcache invalidation so that every session rebuilds its cached rules at its next statement.';

CREATE TRIGGER workflow_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.workflow FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_rules_changed();
CREATE TRIGGER workflow_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.workflow_state FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_rules_changed();
CREATE TRIGGER workflow_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.workflow_transition FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_rules_changed();
CREATE TRIGGER workflow_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON iso28000.workflow_required_column FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_rules_changed();

-- Attaches a workflow to a table: checks the table and creates the trigger.
CREATE FUNCTION iso28000.attach_workflow(tbl regclass, workflow text, status_column name DEFAULT 'status')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  trg name := CASE WHEN status_column = 'status' THEN 'workflow_guard'
                   ELSE 'workflow_guard_' || status_column END;
  coltype regtype;
  missing text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM iso28000.workflow w WHERE w.workflow = attach_workflow.workflow) THEN
    RAISE EXCEPTION 'workflow "%" is not defined', workflow
      USING ERRCODE = 'IS100',
            HINT = 'Insert it into iso28000.workflow with its states and transitions first.';
  END IF;
  SELECT a.atttypid INTO coltype FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attname = status_column AND a.attnum > 0 AND NOT a.attisdropped;
  IF coltype IS NULL OR coltype NOT IN ('text'::regtype, 'varchar'::regtype) THEN
    RAISE EXCEPTION 'table % has no text column "%" to hold the state of workflow "%"', tbl, status_column, workflow
      USING ERRCODE = 'IS100';
  END IF;
  SELECT a.atttypid INTO coltype FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attname = 'org_id' AND a.attnum > 0 AND NOT a.attisdropped;
  IF coltype IS DISTINCT FROM 'bigint'::regtype THEN
    RAISE EXCEPTION 'table % has no bigint column org_id', tbl
      USING ERRCODE = 'IS100',
            DETAIL = 'The engine checks the member''s level and logs events per organisation.';
  END IF;
  SELECT string_agg(format('%s (state %s)', r.column_name, r.state), ', ' ORDER BY r.state, r.column_name)
    INTO missing
    FROM iso28000.workflow_required_column r
   WHERE r.workflow = attach_workflow.workflow
     AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = tbl AND a.attname = r.column_name
                        AND a.attnum > 0 AND NOT a.attisdropped);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'table % lacks columns that workflow "%" requires: %', tbl, workflow, missing
      USING ERRCODE = 'IS100';
  END IF;
  EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW '
                 'EXECUTE FUNCTION iso28000.workflow_guard(%L, %L)', trg, tbl, workflow, status_column);
END
$$;
COMMENT ON FUNCTION iso28000.attach_workflow(regclass, text, name) IS
  'Attaches a workflow to a table: creates the BEFORE INSERT OR UPDATE OR DELETE row trigger iso28000.workflow_guard(workflow, status_column), named workflow_guard (or workflow_guard_<column>). The table needs a bigint org_id and a text status column.';

-- Detaches a workflow from a table (drops the trigger attach_workflow created).
CREATE FUNCTION iso28000.detach_workflow(tbl regclass, status_column name DEFAULT 'status')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  EXECUTE format('DROP TRIGGER %I ON %s',
                 CASE WHEN status_column = 'status' THEN 'workflow_guard'
                      ELSE 'workflow_guard_' || status_column END, tbl);
END
$$;
COMMENT ON FUNCTION iso28000.detach_workflow(regclass, name) IS
  'Drops the workflow trigger that attach_workflow created on the table for that status column.';

-- The transitions out of a state, for applications that show the next steps.
CREATE VIEW iso28000.workflow_next_step WITH (security_invoker = true) AS
SELECT t.workflow, t.from_state, t.to_state, t.required_level,
       t.guard, t.note,
       coalesce((SELECT array_agg(r.column_name ORDER BY r.column_name)
                   FROM iso28000.workflow_required_column r
                  WHERE r.workflow = t.workflow AND r.state = t.to_state), '{}') AS required_columns,
       s.is_terminal AS leads_to_terminal
  FROM iso28000.workflow_transition t
  JOIN iso28000.workflow_state s ON s.workflow = t.workflow AND s.state = t.to_state;
COMMENT ON VIEW iso28000.workflow_next_step IS
  'ISO 28000 7.5.3, 10.2: Each allowed transition with the level it needs, its guard and the columns that must be filled to make it.';
COMMENT ON COLUMN iso28000.workflow_next_step.workflow IS 'The workflow.';
COMMENT ON COLUMN iso28000.workflow_next_step.from_state IS 'State the record leaves.';
COMMENT ON COLUMN iso28000.workflow_next_step.to_state IS 'State the record enters.';
COMMENT ON COLUMN iso28000.workflow_next_step.required_level IS 'Membership level the transition needs.';
COMMENT ON COLUMN iso28000.workflow_next_step.guard IS 'Guard function, if any.';
COMMENT ON COLUMN iso28000.workflow_next_step.note IS 'Why the transition exists.';
COMMENT ON COLUMN iso28000.workflow_next_step.required_columns IS 'Columns that must be filled to enter to_state.';
COMMENT ON COLUMN iso28000.workflow_next_step.leads_to_terminal IS 'True when to_state takes the record out of the active set.';
GRANT SELECT ON iso28000.workflow_next_step TO PUBLIC;

/*
 * Seeded rules: the nonconformity and corrective-action workflows of clause
 * 10.2.  Their guards are functions over the register tables, so
 * sql/clauses/clause10_improvement.sql sets them once the tables exist.
 */
INSERT INTO iso28000.workflow (workflow, description) VALUES
  ('nonconformity', 'ISO 28000 10.2: a nonconformity from report to closure (react, evaluate the cause, act, review effectiveness, change the SMS if needed).'),
  ('corrective_action', 'ISO 28000 10.2 c: a corrective action of a nonconformity, from plan to completion.');

INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable, description) VALUES
  ('nonconformity', 'reported',       true,  false, false, true,  'Reported, not yet dealt with.'),
  ('nonconformity', 'rejected',       false, true,  true,  false, 'Not a nonconformity (with the reason).'),
  ('nonconformity', 'contained',      false, false, false, false, '10.2 a: reacted: action taken to control and correct it and to deal with the consequences.'),
  ('nonconformity', 'cause_analysed', false, false, false, false, '10.2 b: causes determined, and whether similar nonconformities exist or could occur.'),
  ('nonconformity', 'action_planned', false, false, false, false, '10.2 c: corrective actions planned, each with an owner and a due date.'),
  ('nonconformity', 'action_taken',   false, false, false, false, '10.2 c: every live corrective action done.'),
  ('nonconformity', 'verified',       false, false, false, false, '10.2 d: effectiveness reviewed by someone who owns none of its corrective actions.'),
  ('nonconformity', 'closed',         false, true,  true,  false, '10.2 e: closed with the decision whether the SMS must change; frozen until reopened.'),
  ('corrective_action', 'planned',     true,  false, false, true,  'Planned with an owner and a due date.'),
  ('corrective_action', 'in_progress', false, false, false, false, 'Being implemented.'),
  ('corrective_action', 'done',        false, false, false, false, 'Completed, with the completion date and the evidence.'),
  ('corrective_action', 'cancelled',   false, true,  true,  false, 'Cancelled, with the reason.');

INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level, note) VALUES
  ('nonconformity', 'reported',       'contained',      'write', '10.2 a: correction taken.'),
  ('nonconformity', 'reported',       'rejected',       'audit', 'Not a nonconformity.'),
  ('nonconformity', 'contained',      'cause_analysed', 'write', '10.2 b: cause analysed.'),
  ('nonconformity', 'cause_analysed', 'action_planned', 'write', '10.2 c: corrective actions planned.'),
  ('nonconformity', 'action_planned', 'action_taken',   'write', '10.2 c: corrective actions done.'),
  ('nonconformity', 'action_taken',   'verified',       'audit', '10.2 d: effectiveness reviewed.'),
  ('nonconformity', 'action_taken',   'cause_analysed', 'audit', '10.2 d: actions found ineffective: back to the analysis (a recurrence).'),
  ('nonconformity', 'verified',       'closed',         'audit', '10.2 e: closed with the decision on SMS changes.'),
  ('nonconformity', 'closed',         'cause_analysed', 'manage', 'Reopened.'),
  ('corrective_action', 'planned',     'in_progress', 'write', 'Work started.'),
  ('corrective_action', 'planned',     'done',        'write', 'Completed at once.'),
  ('corrective_action', 'in_progress', 'done',        'write', 'Completed.'),
  ('corrective_action', 'planned',     'cancelled',   'write', 'Cancelled with a reason.'),
  ('corrective_action', 'in_progress', 'cancelled',   'write', 'Cancelled with a reason.'),
  ('corrective_action', 'done',        'in_progress', 'write', 'Reopened: its nonconformity''s verification found it ineffective.');

INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description) VALUES
  ('nonconformity', 'rejected',       'rejection_reason',      'why it is not a nonconformity'),
  ('nonconformity', 'contained',      'correction',            '10.2 a: what was done to control and correct it and deal with the consequences'),
  ('nonconformity', 'cause_analysed', 'root_cause',            '10.2 b: the cause'),
  ('nonconformity', 'cause_analysed', 'analysis_method',       '10.2 b: the method of the cause analysis'),
  ('nonconformity', 'cause_analysed', 'similar_nonconformities', '10.2 b: whether similar nonconformities exist or could occur'),
  ('nonconformity', 'verified',       'effectiveness_review',  '10.2 d: the review of the effectiveness of the actions'),
  ('nonconformity', 'verified',       'verified_by',           '10.2 d: the person who reviewed effectiveness'),
  ('nonconformity', 'verified',       'verified_on',           '10.2 d: the date of the review'),
  ('nonconformity', 'closed',         'sms_change_needed',     '10.2 e: the decision whether the SMS must change'),
  ('corrective_action', 'planned',     'owner_id',     'the owner'),
  ('corrective_action', 'planned',     'due_on',       'the due date'),
  ('corrective_action', 'done',        'completed_on', 'the completion date'),
  ('corrective_action', 'done',        'evidence',     'the evidence of completion'),
  ('corrective_action', 'cancelled',   'cancel_reason', 'the reason for cancelling');
/*
 * sql/core/09_distribution.sql
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
    citus    boolean := EXISTS (SELECT FROM pg_extension WHERE extname = 'citus');
    done     boolean;
    p        record;
BEGIN
    IF shard_count IS NOT NULL AND shard_count NOT BETWEEN 1 AND 64000 THEN
        RAISE EXCEPTION 'shard_count must be between 1 and 64000, not %', shard_count
              USING ERRCODE = '22023';
    END IF;

    SELECT string_agg(format('%s: %s', q.relation, q.problem), E'\n' ORDER BY q.step)
      INTO problems
      FROM iso28000._distribution_plan() q WHERE q.problem IS NOT NULL;
    IF problems IS NOT NULL THEN
        RAISE EXCEPTION 'the tables of iso28000 cannot be distributed by org_id as they stand'
              USING ERRCODE = 'IS051',
                    DETAIL = problems,
                    HINT = 'Every register keeps org_id NOT NULL, first in its primary key, in every unique constraint, and in every foreign key to another register.';
    END IF;

    IF NOT dry_run AND NOT citus THEN
        RAISE EXCEPTION 'citus is not installed in this database'
              USING ERRCODE = 'IS050',
                    DETAIL = 'iso28000.distribute() makes the catalogs reference tables and distributes the registers by org_id with Citus.',
                    HINT = 'Install Citus on every node, add citus to shared_preload_libraries, run CREATE EXTENSION citus and add the worker nodes, then call iso28000.distribute() again. iso28000.distribute(dry_run => true) shows the plan without Citus.';
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
END
$$;
REVOKE ALL ON FUNCTION iso28000.distribute(boolean, integer) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.distribute(boolean, integer) IS
  'With Citus: makes the catalogs, rule tables and the tenant directory (organization, membership) reference tables and distributes every other table of the extension by org_id, co-located; returns the calls made, in order. dry_run => true returns the plan without Citus and without changing anything. Raises IS050 without Citus and IS051 when a table could not be distributed.';
/*
 * sql/clauses/clause04_context.sql
 *		ISO 28000 clause 4, context of the organisation: context issues (4.1),
 *		interested parties and their requirements (4.2.1), legal, regulatory and
 *		other obligations with their compliance evaluations (4.2.2), scope
 *		versions with exclusions (4.3) and the processes of the SMS (4.4).
 *
 * Every table is a register (org_id first in the key, row-level security
 * through register_table()).  Nothing here is deleted by the application:
 * records leave the active set by a closing date.
 */

-- 4.1 Internal and external issues relevant to the SMS.
CREATE TABLE iso28000.context_issue (
    org_id           bigint NOT NULL REFERENCES iso28000.organization,
    context_issue_id bigint GENERATED ALWAYS AS IDENTITY,
    title            text NOT NULL CONSTRAINT context_issue_title_present CHECK (btrim(title) <> ''),
    description      text,
    origin           text NOT NULL CONSTRAINT context_issue_origin_valid CHECK (origin IN ('internal', 'external')),
    category         text CONSTRAINT context_issue_category_valid CHECK (category IN
                       ('political', 'economic', 'social', 'technological', 'legal', 'environmental',
                        'security_threat', 'organisational', 'supply_chain', 'other')),
    effect_on_sms    text NOT NULL CONSTRAINT context_issue_effect_present CHECK (btrim(effect_on_sms) <> ''),
    effect_direction text NOT NULL DEFAULT 'negative'
                     CONSTRAINT context_issue_effect_direction_valid CHECK (effect_direction IN ('positive', 'negative', 'mixed')),
    owner_id         bigint,
    identified_on    date NOT NULL DEFAULT current_date,
    review_on        date,
    closed_on        date,
    PRIMARY KEY (org_id, context_issue_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT context_issue_review_after_identified CHECK (review_on >= identified_on),
    CONSTRAINT context_issue_closed_after_identified CHECK (closed_on >= identified_on)
);
SELECT iso28000.register_table('iso28000.context_issue');
COMMENT ON TABLE iso28000.context_issue IS
  'ISO 28000 4.1: Internal and external issues relevant to the organisation''s purpose that affect its ability to achieve the intended outcomes of its SMS.';
COMMENT ON COLUMN iso28000.context_issue.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.context_issue.context_issue_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.context_issue.title IS 'Short statement of the issue.';
COMMENT ON COLUMN iso28000.context_issue.description IS 'Longer description and sources.';
COMMENT ON COLUMN iso28000.context_issue.origin IS 'internal or external.';
COMMENT ON COLUMN iso28000.context_issue.category IS 'PESTLE-style category: political, economic, social, technological, legal, environmental, security_threat, organisational, supply_chain, other.';
COMMENT ON COLUMN iso28000.context_issue.effect_on_sms IS 'How the issue affects the SMS and its intended outcomes (required).';
COMMENT ON COLUMN iso28000.context_issue.effect_direction IS 'Whether the effect is positive, negative or mixed.';
COMMENT ON COLUMN iso28000.context_issue.owner_id IS 'Person who monitors the issue.';
COMMENT ON COLUMN iso28000.context_issue.identified_on IS 'Date the issue was identified.';
COMMENT ON COLUMN iso28000.context_issue.review_on IS 'Date of the next review; not before identified_on.';
COMMENT ON COLUMN iso28000.context_issue.closed_on IS 'Date the issue stopped being relevant; NULL while it is.';

-- 4.2.1 Interested parties relevant to the SMS.
CREATE TABLE iso28000.interested_party (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    interested_party_id bigint GENERATED ALWAYS AS IDENTITY,
    name                text NOT NULL CONSTRAINT interested_party_name_present CHECK (btrim(name) <> ''),
    category            text NOT NULL CONSTRAINT interested_party_category_valid CHECK (category IN
                          ('regulator', 'customs_authority', 'law_enforcement', 'customer', 'supplier',
                           'service_provider', 'employee', 'shareholder', 'insurer', 'community',
                           'industry_body', 'partner', 'other')),
    internal            boolean NOT NULL DEFAULT false,
    relevance           text NOT NULL CONSTRAINT interested_party_relevance_present CHECK (btrim(relevance) <> ''),
    contact             text,
    identified_on       date NOT NULL DEFAULT current_date,
    review_on           date,
    closed_on           date,
    PRIMARY KEY (org_id, interested_party_id),
    CONSTRAINT interested_party_name_unique UNIQUE (org_id, name),
    CONSTRAINT interested_party_review_after_identified CHECK (review_on >= identified_on),
    CONSTRAINT interested_party_closed_after_identified CHECK (closed_on >= identified_on)
);
SELECT iso28000.register_table('iso28000.interested_party');
COMMENT ON TABLE iso28000.interested_party IS
  'ISO 28000 4.2.1: Interested parties relevant to the SMS (regulators, customers, suppliers, employees, communities...).';
COMMENT ON COLUMN iso28000.interested_party.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.interested_party.interested_party_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.interested_party.name IS 'Name of the party; unique within the organisation.';
COMMENT ON COLUMN iso28000.interested_party.category IS 'Kind of party: regulator, customs_authority, law_enforcement, customer, supplier, service_provider, employee, shareholder, insurer, community, industry_body, partner, other.';
COMMENT ON COLUMN iso28000.interested_party.internal IS 'True for parties inside the organisation (staff, works council).';
COMMENT ON COLUMN iso28000.interested_party.relevance IS 'Why the party is relevant to the SMS (required).';
COMMENT ON COLUMN iso28000.interested_party.contact IS 'Contact point.';
COMMENT ON COLUMN iso28000.interested_party.identified_on IS 'Date the party was identified.';
COMMENT ON COLUMN iso28000.interested_party.review_on IS 'Date of the next review; not before identified_on.';
COMMENT ON COLUMN iso28000.interested_party.closed_on IS 'Date the party stopped being relevant; NULL while it is.';

-- 4.2.1 b, c Requirements of interested parties, and which the SMS addresses.
CREATE TABLE iso28000.party_requirement (
    org_id               bigint NOT NULL REFERENCES iso28000.organization,
    party_requirement_id bigint GENERATED ALWAYS AS IDENTITY,
    interested_party_id  bigint NOT NULL,
    requirement          text NOT NULL CONSTRAINT party_requirement_text_present CHECK (btrim(requirement) <> ''),
    source               text,
    addressed_by_sms     boolean NOT NULL DEFAULT true,
    justification        text,
    identified_on        date NOT NULL DEFAULT current_date,
    review_on            date,
    PRIMARY KEY (org_id, party_requirement_id),
    FOREIGN KEY (org_id, interested_party_id) REFERENCES iso28000.interested_party (org_id, interested_party_id),
    CONSTRAINT party_requirement_justified CHECK (addressed_by_sms OR btrim(coalesce(justification, '')) <> ''),
    CONSTRAINT party_requirement_review_after_identified CHECK (review_on >= identified_on)
);
SELECT iso28000.register_table('iso28000.party_requirement');
COMMENT ON TABLE iso28000.party_requirement IS
  'ISO 28000 4.2.1: Needs and expectations (requirements) of interested parties, and which of them the SMS addresses.';
COMMENT ON COLUMN iso28000.party_requirement.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.party_requirement.party_requirement_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.party_requirement.interested_party_id IS 'The interested party that has the requirement.';
COMMENT ON COLUMN iso28000.party_requirement.requirement IS 'The need or expectation (required).';
COMMENT ON COLUMN iso28000.party_requirement.source IS 'Where it comes from (contract, meeting, survey, law...).';
COMMENT ON COLUMN iso28000.party_requirement.addressed_by_sms IS 'Whether the SMS addresses the requirement (4.2.1 c).';
COMMENT ON COLUMN iso28000.party_requirement.justification IS 'Why a requirement is not addressed; required when addressed_by_sms is false.';
COMMENT ON COLUMN iso28000.party_requirement.identified_on IS 'Date the requirement was identified.';
COMMENT ON COLUMN iso28000.party_requirement.review_on IS 'Date of the next review; not before identified_on.';

-- 4.2.2 Legal, regulatory and other requirements the organisation must meet.
CREATE TABLE iso28000.obligation (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    obligation_id       bigint GENERATED ALWAYS AS IDENTITY,
    title               text NOT NULL CONSTRAINT obligation_title_present CHECK (btrim(title) <> ''),
    kind                text NOT NULL CONSTRAINT obligation_kind_valid CHECK (kind IN
                          ('legal', 'regulatory', 'contractual', 'voluntary', 'other')),
    reference           text,
    jurisdiction        text,
    issuing_body        text,
    interested_party_id bigint,
    summary             text,
    applies_from        date,
    applies_until       date,
    evaluation_interval interval NOT NULL DEFAULT interval '1 year'
                        CONSTRAINT obligation_interval_positive CHECK (evaluation_interval > interval '0'),
    owner_id            bigint,
    PRIMARY KEY (org_id, obligation_id),
    FOREIGN KEY (org_id, interested_party_id) REFERENCES iso28000.interested_party (org_id, interested_party_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT obligation_period_in_order CHECK (applies_until >= applies_from)
);
SELECT iso28000.register_table('iso28000.obligation');
COMMENT ON TABLE iso28000.obligation IS
  'ISO 28000 4.2.2: Legal, regulatory and other requirements related to security that the organisation must meet, and how often their compliance is evaluated.';
COMMENT ON COLUMN iso28000.obligation.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.obligation.obligation_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.obligation.title IS 'Name of the obligation (required).';
COMMENT ON COLUMN iso28000.obligation.kind IS 'legal, regulatory, contractual, voluntary or other.';
COMMENT ON COLUMN iso28000.obligation.reference IS 'Citation: act, regulation, article, contract clause, standard.';
COMMENT ON COLUMN iso28000.obligation.jurisdiction IS 'Where it applies (country, region, port authority...).';
COMMENT ON COLUMN iso28000.obligation.issuing_body IS 'Authority or party that issues it.';
COMMENT ON COLUMN iso28000.obligation.interested_party_id IS 'The interested party that imposes it, if recorded.';
COMMENT ON COLUMN iso28000.obligation.summary IS 'What the organisation must do.';
COMMENT ON COLUMN iso28000.obligation.applies_from IS 'First day it applies.';
COMMENT ON COLUMN iso28000.obligation.applies_until IS 'Last day it applies; NULL while in force; not before applies_from.';
COMMENT ON COLUMN iso28000.obligation.evaluation_interval IS 'How often compliance must be evaluated (positive; default one year).';
COMMENT ON COLUMN iso28000.obligation.owner_id IS 'Person responsible for compliance.';

-- 4.2.2 Dated evaluations of compliance with an obligation.
CREATE TABLE iso28000.compliance_evaluation (
    org_id                   bigint NOT NULL REFERENCES iso28000.organization,
    compliance_evaluation_id bigint GENERATED ALWAYS AS IDENTITY,
    obligation_id            bigint NOT NULL,
    evaluated_on             date NOT NULL,
    evaluator_id             bigint,
    result                   text NOT NULL CONSTRAINT compliance_evaluation_result_valid CHECK (result IN
                               ('compliant', 'partially_compliant', 'non_compliant', 'not_applicable')),
    evidence                 text,
    findings                 text,
    next_due_on              date,
    PRIMARY KEY (org_id, compliance_evaluation_id),
    FOREIGN KEY (org_id, obligation_id) REFERENCES iso28000.obligation (org_id, obligation_id),
    FOREIGN KEY (org_id, evaluator_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT compliance_evaluation_next_after_evaluated CHECK (next_due_on > evaluated_on),
    CONSTRAINT compliance_evaluation_findings_present CHECK
      (result IN ('compliant', 'not_applicable') OR btrim(coalesce(findings, '')) <> '')
);
SELECT iso28000.register_table('iso28000.compliance_evaluation');
CREATE INDEX compliance_evaluation_latest ON iso28000.compliance_evaluation (org_id, obligation_id, evaluated_on DESC);
COMMENT ON TABLE iso28000.compliance_evaluation IS
  'ISO 28000 4.2.2, 9.1: Dated evaluations of compliance with legal, regulatory and other obligations.';
COMMENT ON COLUMN iso28000.compliance_evaluation.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.compliance_evaluation.compliance_evaluation_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.compliance_evaluation.obligation_id IS 'The obligation evaluated.';
COMMENT ON COLUMN iso28000.compliance_evaluation.evaluated_on IS 'Date of the evaluation.';
COMMENT ON COLUMN iso28000.compliance_evaluation.evaluator_id IS 'Person who evaluated.';
COMMENT ON COLUMN iso28000.compliance_evaluation.result IS 'compliant, partially_compliant, non_compliant or not_applicable.';
COMMENT ON COLUMN iso28000.compliance_evaluation.evidence IS 'Evidence examined.';
COMMENT ON COLUMN iso28000.compliance_evaluation.findings IS 'Gaps found; required unless the result is compliant or not_applicable.';
COMMENT ON COLUMN iso28000.compliance_evaluation.next_due_on IS 'When the next evaluation is due, if set explicitly; after evaluated_on. Otherwise evaluated_on plus the obligation''s interval.';

-- 4.3 Versions of the scope of the SMS.
CREATE TABLE iso28000.sms_scope (
    org_id                bigint NOT NULL REFERENCES iso28000.organization,
    sms_scope_id          bigint GENERATED ALWAYS AS IDENTITY,
    version               integer NOT NULL CONSTRAINT sms_scope_version_positive CHECK (version > 0),
    statement             text NOT NULL CONSTRAINT sms_scope_statement_present CHECK (btrim(statement) <> ''),
    boundaries            text NOT NULL CONSTRAINT sms_scope_boundaries_present CHECK (btrim(boundaries) <> ''),
    sites                 text[] NOT NULL DEFAULT '{}',
    supply_chain_segments text[] NOT NULL DEFAULT '{}',
    activities            text,
    effective_from        date NOT NULL,
    effective_until       date,
    approved_by           bigint,
    approved_on           date,
    PRIMARY KEY (org_id, sms_scope_id),
    CONSTRAINT sms_scope_version_unique UNIQUE (org_id, version),
    FOREIGN KEY (org_id, approved_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT sms_scope_period_in_order CHECK (effective_until >= effective_from),
    CONSTRAINT sms_scope_approval_complete CHECK ((approved_by IS NULL) = (approved_on IS NULL)),
    CONSTRAINT sms_scope_approved_before_effective CHECK (approved_on <= effective_from)
);
SELECT iso28000.register_table('iso28000.sms_scope');
COMMENT ON TABLE iso28000.sms_scope IS
  'ISO 28000 4.3: Versions of the scope of the SMS: boundaries, sites, supply-chain segments and activities covered; exclusions are in scope_exclusion.';
COMMENT ON COLUMN iso28000.sms_scope.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.sms_scope.sms_scope_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.sms_scope.version IS 'Version number, unique within the organisation (positive).';
COMMENT ON COLUMN iso28000.sms_scope.statement IS 'The scope statement as published (required).';
COMMENT ON COLUMN iso28000.sms_scope.boundaries IS 'Organisational, physical and supply-chain boundaries (required).';
COMMENT ON COLUMN iso28000.sms_scope.sites IS 'Sites covered.';
COMMENT ON COLUMN iso28000.sms_scope.supply_chain_segments IS 'Supply-chain segments covered (for example inbound ocean freight, bonded warehousing).';
COMMENT ON COLUMN iso28000.sms_scope.activities IS 'Products, services and activities covered.';
COMMENT ON COLUMN iso28000.sms_scope.effective_from IS 'First day the version applies.';
COMMENT ON COLUMN iso28000.sms_scope.effective_until IS 'Last day it applies; NULL for the current version; not before effective_from.';
COMMENT ON COLUMN iso28000.sms_scope.approved_by IS 'Person who approved the version; set together with approved_on.';
COMMENT ON COLUMN iso28000.sms_scope.approved_on IS 'Date of approval; not after effective_from.';

-- 4.3 Exclusions from a scope version, each justified.
CREATE TABLE iso28000.scope_exclusion (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    scope_exclusion_id bigint GENERATED ALWAYS AS IDENTITY,
    sms_scope_id       bigint NOT NULL,
    excluded           text NOT NULL CONSTRAINT scope_exclusion_excluded_present CHECK (btrim(excluded) <> ''),
    justification      text NOT NULL CONSTRAINT scope_exclusion_justification_present CHECK (btrim(justification) <> ''),
    PRIMARY KEY (org_id, scope_exclusion_id),
    FOREIGN KEY (org_id, sms_scope_id) REFERENCES iso28000.sms_scope (org_id, sms_scope_id)
);
SELECT iso28000.register_table('iso28000.scope_exclusion');
COMMENT ON TABLE iso28000.scope_exclusion IS
  'ISO 28000 4.3: What a scope version excludes (sites, activities, supply-chain segments), each with its justification.';
COMMENT ON COLUMN iso28000.scope_exclusion.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.scope_exclusion.scope_exclusion_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.scope_exclusion.sms_scope_id IS 'The scope version.';
COMMENT ON COLUMN iso28000.scope_exclusion.excluded IS 'What is excluded (required).';
COMMENT ON COLUMN iso28000.scope_exclusion.justification IS 'Why the exclusion does not affect the SMS''s ability to achieve its outcomes (required).';

-- 4.4 Processes of the SMS and their owners.
CREATE TABLE iso28000.sms_process (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    sms_process_id    bigint GENERATED ALWAYS AS IDENTITY,
    code              text,
    name              text NOT NULL CONSTRAINT sms_process_name_present CHECK (btrim(name) <> ''),
    purpose           text,
    owner_id          bigint NOT NULL,
    parent_process_id bigint,
    inputs            text,
    outputs           text,
    critical          boolean NOT NULL DEFAULT false,
    established_on    date NOT NULL DEFAULT current_date,
    retired_on        date,
    PRIMARY KEY (org_id, sms_process_id),
    CONSTRAINT sms_process_name_unique UNIQUE (org_id, name),
    CONSTRAINT sms_process_code_unique UNIQUE (org_id, code),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, parent_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
    CONSTRAINT sms_process_not_own_parent CHECK (parent_process_id <> sms_process_id),
    CONSTRAINT sms_process_retired_after_established CHECK (retired_on >= established_on)
);
SELECT iso28000.register_table('iso28000.sms_process');
COMMENT ON TABLE iso28000.sms_process IS
  'ISO 28000 4.4, 8.1: Processes of the security management system, each with an owner (audits check that an auditor does not audit a process they own).';
COMMENT ON COLUMN iso28000.sms_process.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.sms_process.sms_process_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.sms_process.code IS 'Short code, unique within the organisation when given.';
COMMENT ON COLUMN iso28000.sms_process.name IS 'Name, unique within the organisation (required).';
COMMENT ON COLUMN iso28000.sms_process.purpose IS 'What the process achieves.';
COMMENT ON COLUMN iso28000.sms_process.owner_id IS 'Person who owns the process (required).';
COMMENT ON COLUMN iso28000.sms_process.parent_process_id IS 'Enclosing process, for a process hierarchy; never the process itself.';
COMMENT ON COLUMN iso28000.sms_process.inputs IS 'Inputs of the process.';
COMMENT ON COLUMN iso28000.sms_process.outputs IS 'Outputs of the process.';
COMMENT ON COLUMN iso28000.sms_process.critical IS 'True for processes whose disruption stops the organisation''s critical activities.';
COMMENT ON COLUMN iso28000.sms_process.established_on IS 'Date the process was established.';
COMMENT ON COLUMN iso28000.sms_process.retired_on IS 'Date the process was retired; NULL while in use; not before established_on.';

-- 4.2.2 Every obligation in force with its latest compliance evaluation.
CREATE VIEW iso28000.obligation_compliance WITH (security_invoker = true) AS
SELECT o.org_id, o.obligation_id, o.title, o.kind, o.reference, o.owner_id,
       e.evaluated_on AS last_evaluated_on,
       e.result AS last_result,
       coalesce(e.next_due_on, (e.evaluated_on + o.evaluation_interval)::date) AS next_due_on,
       CASE
         WHEN e.evaluated_on IS NULL THEN 'missing'
         WHEN coalesce(e.next_due_on, (e.evaluated_on + o.evaluation_interval)::date) < current_date THEN 'overdue'
         ELSE 'current'
       END AS evaluation_status
  FROM iso28000.obligation o
  LEFT JOIN LATERAL (
        SELECT ce.evaluated_on, ce.result, ce.next_due_on
          FROM iso28000.compliance_evaluation ce
         WHERE ce.org_id = o.org_id AND ce.obligation_id = o.obligation_id
         ORDER BY ce.evaluated_on DESC, ce.compliance_evaluation_id DESC
         LIMIT 1) e ON true
 WHERE (o.applies_from IS NULL OR o.applies_from <= current_date)
   AND (o.applies_until IS NULL OR o.applies_until >= current_date);
COMMENT ON VIEW iso28000.obligation_compliance IS
  'ISO 28000 4.2.2, 9.1: Obligations in force today with their latest compliance evaluation, when the next is due, and whether it is current, overdue or missing.';
GRANT SELECT ON iso28000.obligation_compliance TO PUBLIC;
COMMENT ON COLUMN iso28000.obligation_compliance.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.obligation_compliance.obligation_id IS 'The obligation.';
COMMENT ON COLUMN iso28000.obligation_compliance.title IS 'Name of the obligation.';
COMMENT ON COLUMN iso28000.obligation_compliance.kind IS 'legal, regulatory, contractual, voluntary or other.';
COMMENT ON COLUMN iso28000.obligation_compliance.reference IS 'Citation of the obligation.';
COMMENT ON COLUMN iso28000.obligation_compliance.owner_id IS 'Person responsible for compliance.';
COMMENT ON COLUMN iso28000.obligation_compliance.last_evaluated_on IS 'Date of the latest evaluation; NULL when never evaluated.';
COMMENT ON COLUMN iso28000.obligation_compliance.last_result IS 'Result of the latest evaluation.';
COMMENT ON COLUMN iso28000.obligation_compliance.next_due_on IS 'When the next evaluation is due: its explicit date, else the latest evaluation plus the obligation''s interval.';
COMMENT ON COLUMN iso28000.obligation_compliance.evaluation_status IS 'current, overdue (next_due_on is past) or missing (never evaluated).';

-- 4.2.2 Obligations whose compliance evaluation is missing or overdue.
CREATE VIEW iso28000.obligation_evaluation_due WITH (security_invoker = true) AS
SELECT org_id, obligation_id, title, kind, owner_id, last_evaluated_on, last_result, next_due_on,
       evaluation_status AS reason,
       current_date - next_due_on AS days_overdue
  FROM iso28000.obligation_compliance
 WHERE evaluation_status IN ('missing', 'overdue');
COMMENT ON VIEW iso28000.obligation_evaluation_due IS
  'ISO 28000 4.2.2, 9.1: Obligations in force whose compliance evaluation is missing or overdue.';
GRANT SELECT ON iso28000.obligation_evaluation_due TO PUBLIC;
COMMENT ON COLUMN iso28000.obligation_evaluation_due.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.obligation_id IS 'The obligation.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.title IS 'Name of the obligation.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.kind IS 'legal, regulatory, contractual, voluntary or other.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.owner_id IS 'Person responsible for compliance.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.last_evaluated_on IS 'Date of the latest evaluation; NULL when never evaluated.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.last_result IS 'Result of the latest evaluation.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.next_due_on IS 'When the evaluation was due; NULL when never evaluated.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.reason IS 'missing (never evaluated) or overdue.';
COMMENT ON COLUMN iso28000.obligation_evaluation_due.days_overdue IS 'Days since the evaluation fell due; NULL when never evaluated.';
/*
 * sql/clauses/clause05_leadership.sql
 *		ISO 28000 clause 5, leadership: versions of the security policy (5.2)
 *		and the roles, responsibilities and authorities of the SMS with the
 *		people who hold them (5.3), including the authority to accept risks
 *		that the risk workflow checks.
 */

-- 5.2 Versions of the security policy, each approved by top management.
CREATE TABLE iso28000.security_policy (
    org_id                 bigint NOT NULL REFERENCES iso28000.organization,
    security_policy_id     bigint GENERATED ALWAYS AS IDENTITY,
    version                integer NOT NULL CONSTRAINT security_policy_version_positive CHECK (version > 0),
    title                  text NOT NULL CONSTRAINT security_policy_title_present CHECK (btrim(title) <> ''),
    body                   text NOT NULL CONSTRAINT security_policy_body_present CHECK (btrim(body) <> ''),
    commits_to_requirements boolean NOT NULL DEFAULT false,
    commits_to_improvement boolean NOT NULL DEFAULT false,
    author_id              bigint,
    approved_by            bigint,
    approved_on            date,
    effective_from         date,
    superseded_on          date,
    communicated_on        date,
    review_on              date,
    PRIMARY KEY (org_id, security_policy_id),
    CONSTRAINT security_policy_version_unique UNIQUE (org_id, version),
    FOREIGN KEY (org_id, author_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, approved_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT security_policy_approval_complete CHECK ((approved_by IS NULL) = (approved_on IS NULL)),
    CONSTRAINT security_policy_approver_not_author CHECK (approved_by <> author_id),
    CONSTRAINT security_policy_commitments_before_approval CHECK
      (approved_on IS NULL OR (commits_to_requirements AND commits_to_improvement)),
    CONSTRAINT security_policy_effective_needs_approval CHECK
      (effective_from IS NULL OR (approved_on IS NOT NULL AND approved_on <= effective_from)),
    CONSTRAINT security_policy_superseded_after_effective CHECK (superseded_on >= effective_from),
    CONSTRAINT security_policy_communicated_after_approval CHECK (communicated_on >= approved_on),
    CONSTRAINT security_policy_review_after_approval CHECK (review_on >= approved_on)
);
SELECT iso28000.register_table('iso28000.security_policy');
COMMENT ON TABLE iso28000.security_policy IS
  'ISO 28000 5.2, 5.2.1, 5.2.2: Versions of the security policy, with the commitments 5.2.1 requires, approval by someone other than the author, and communication.';
COMMENT ON COLUMN iso28000.security_policy.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_policy.security_policy_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.security_policy.version IS 'Version number, unique within the organisation (positive).';
COMMENT ON COLUMN iso28000.security_policy.title IS 'Title (required).';
COMMENT ON COLUMN iso28000.security_policy.body IS 'Text of the policy (required).';
COMMENT ON COLUMN iso28000.security_policy.commits_to_requirements IS 'The policy commits to satisfy applicable requirements (5.2.1 c); required before approval.';
COMMENT ON COLUMN iso28000.security_policy.commits_to_improvement IS 'The policy commits to continual improvement of the SMS (5.2.1 d); required before approval.';
COMMENT ON COLUMN iso28000.security_policy.author_id IS 'Person who drafted the version.';
COMMENT ON COLUMN iso28000.security_policy.approved_by IS 'Person (top management) who approved it; never the author; set together with approved_on.';
COMMENT ON COLUMN iso28000.security_policy.approved_on IS 'Date of approval.';
COMMENT ON COLUMN iso28000.security_policy.effective_from IS 'First day the version applies; needs an approval on or before it.';
COMMENT ON COLUMN iso28000.security_policy.superseded_on IS 'Day a later version replaced it; not before effective_from.';
COMMENT ON COLUMN iso28000.security_policy.communicated_on IS 'Date it was communicated within the organisation (5.2.2); not before approval.';
COMMENT ON COLUMN iso28000.security_policy.review_on IS 'Date of the next review; not before approval.';

-- 5.3 Roles of the SMS with their responsibilities and authorities.
CREATE TABLE iso28000.sms_role (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    sms_role_id        bigint GENERATED ALWAYS AS IDENTITY,
    name               text NOT NULL CONSTRAINT sms_role_name_present CHECK (btrim(name) <> ''),
    responsibilities   text NOT NULL CONSTRAINT sms_role_responsibilities_present CHECK (btrim(responsibilities) <> ''),
    authorities        text,
    may_accept_risks   boolean NOT NULL DEFAULT false,
    accept_up_to_band  text CONSTRAINT sms_role_accept_band_valid CHECK (accept_up_to_band IN ('low', 'medium', 'high', 'critical')),
    reports_on_performance boolean NOT NULL DEFAULT false,
    established_on     date NOT NULL DEFAULT current_date,
    retired_on         date,
    PRIMARY KEY (org_id, sms_role_id),
    CONSTRAINT sms_role_name_unique UNIQUE (org_id, name),
    CONSTRAINT sms_role_band_needs_authority CHECK (accept_up_to_band IS NULL OR may_accept_risks),
    CONSTRAINT sms_role_retired_after_established CHECK (retired_on >= established_on)
);
SELECT iso28000.register_table('iso28000.sms_role');
COMMENT ON TABLE iso28000.sms_role IS
  'ISO 28000 5.3: Roles of the SMS, their responsibilities and authorities, including the authority to accept risks.';
COMMENT ON COLUMN iso28000.sms_role.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.sms_role.sms_role_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.sms_role.name IS 'Name of the role, unique within the organisation (required).';
COMMENT ON COLUMN iso28000.sms_role.responsibilities IS 'What the holder is responsible for (required).';
COMMENT ON COLUMN iso28000.sms_role.authorities IS 'What the holder may decide.';
COMMENT ON COLUMN iso28000.sms_role.may_accept_risks IS 'The holder may accept risks (the accepted state of the risk workflow needs it).';
COMMENT ON COLUMN iso28000.sms_role.accept_up_to_band IS 'Highest band of risk the holder may accept; NULL means any band; only with may_accept_risks.';
COMMENT ON COLUMN iso28000.sms_role.reports_on_performance IS 'The holder reports on the performance of the SMS to top management (5.3 b).';
COMMENT ON COLUMN iso28000.sms_role.established_on IS 'Date the role was established.';
COMMENT ON COLUMN iso28000.sms_role.retired_on IS 'Date the role was retired; not before established_on.';

-- 5.3 Who holds which role, and when.
CREATE TABLE iso28000.role_assignment (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    role_assignment_id bigint GENERATED ALWAYS AS IDENTITY,
    sms_role_id        bigint NOT NULL,
    person_id          bigint NOT NULL,
    assigned_on        date NOT NULL DEFAULT current_date,
    ended_on           date,
    assigned_by        bigint,
    PRIMARY KEY (org_id, role_assignment_id),
    FOREIGN KEY (org_id, sms_role_id) REFERENCES iso28000.sms_role (org_id, sms_role_id),
    FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, assigned_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT role_assignment_ended_after_assigned CHECK (ended_on >= assigned_on)
);
SELECT iso28000.register_table('iso28000.role_assignment');
CREATE INDEX role_assignment_person ON iso28000.role_assignment (org_id, person_id);
COMMENT ON TABLE iso28000.role_assignment IS
  'ISO 28000 5.3: Assignment of SMS roles to people over time.';
COMMENT ON COLUMN iso28000.role_assignment.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.role_assignment.role_assignment_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.role_assignment.sms_role_id IS 'The role.';
COMMENT ON COLUMN iso28000.role_assignment.person_id IS 'The person who holds it.';
COMMENT ON COLUMN iso28000.role_assignment.assigned_on IS 'First day the person holds the role.';
COMMENT ON COLUMN iso28000.role_assignment.ended_on IS 'Last day the person holds the role; NULL while they do; not before assigned_on.';
COMMENT ON COLUMN iso28000.role_assignment.assigned_by IS 'Person who made the assignment.';

-- Whether a person may accept a risk of the given rating on a date.
CREATE FUNCTION iso28000.may_accept_risk(org bigint, person bigint, rating iso28000.risk_rating,
                                         on_date date DEFAULT current_date) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN EXISTS (
    SELECT FROM iso28000.role_assignment a
      JOIN iso28000.sms_role r ON r.org_id = a.org_id AND r.sms_role_id = a.sms_role_id
      JOIN iso28000.person p ON p.org_id = a.org_id AND p.person_id = a.person_id
     WHERE a.org_id = org AND a.person_id = person AND p.active
       AND r.may_accept_risks
       AND a.assigned_on <= on_date AND (a.ended_on IS NULL OR a.ended_on >= on_date)
       AND (r.retired_on IS NULL OR r.retired_on >= on_date)
       AND (r.accept_up_to_band IS NULL OR rating IS NULL
            OR iso28000.band_rank(iso28000.band(org, rating)) <= iso28000.band_rank(r.accept_up_to_band)));
COMMENT ON FUNCTION iso28000.may_accept_risk(bigint, bigint, iso28000.risk_rating, date) IS
  'True when the active person holds, on the date, a role with the authority to accept risks whose band limit (if any) covers the rating''s band for the organisation.';

-- 5.3 Who holds which role today.
CREATE VIEW iso28000.role_holder WITH (security_invoker = true) AS
SELECT r.org_id, r.sms_role_id, r.name AS role_name, a.person_id, p.full_name,
       a.assigned_on, r.may_accept_risks, r.accept_up_to_band
  FROM iso28000.sms_role r
  JOIN iso28000.role_assignment a ON a.org_id = r.org_id AND a.sms_role_id = r.sms_role_id
  JOIN iso28000.person p ON p.org_id = a.org_id AND p.person_id = a.person_id
 WHERE a.assigned_on <= current_date AND (a.ended_on IS NULL OR a.ended_on >= current_date)
   AND (r.retired_on IS NULL OR r.retired_on >= current_date);
COMMENT ON VIEW iso28000.role_holder IS 'ISO 28000 5.3: The people who hold each SMS role today.';
GRANT SELECT ON iso28000.role_holder TO PUBLIC;
COMMENT ON COLUMN iso28000.role_holder.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.role_holder.sms_role_id IS 'The role.';
COMMENT ON COLUMN iso28000.role_holder.role_name IS 'Name of the role.';
COMMENT ON COLUMN iso28000.role_holder.person_id IS 'The holder.';
COMMENT ON COLUMN iso28000.role_holder.full_name IS 'Full name of the holder.';
COMMENT ON COLUMN iso28000.role_holder.assigned_on IS 'Since when the holder holds the role.';
COMMENT ON COLUMN iso28000.role_holder.may_accept_risks IS 'The role carries the authority to accept risks.';
COMMENT ON COLUMN iso28000.role_holder.accept_up_to_band IS 'Highest band the holder may accept; NULL means any.';
/*
 * sql/clauses/clause06_planning.sql
 *		ISO 28000 clause 6, planning, and the risk assessment of 8.3: the risk
 *		register (risks and opportunities, 6.1, 8.3), security objectives and
 *		their measurements (6.2), planned changes to the SMS (6.3), and the
 *		views over them (heat map, top risks, appetite, overdue reviews,
 *		objective status).  Treatments and controls are in clause08a_controls.sql.
 *
 * Ratings are iso28000.risk_rating (sql/core/04_risk_rating.sql); bands come
 * from the organisation's own matrix where it has one (band(org, rating)).
 */

-- 6.1, 8.3 The risk register: security risks and opportunities.
CREATE TABLE iso28000.risk (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    risk_id             bigint GENERATED ALWAYS AS IDENTITY,
    reference           text,
    kind                text NOT NULL DEFAULT 'risk' CONSTRAINT risk_kind_valid CHECK (kind IN ('risk', 'opportunity')),
    title               text NOT NULL CONSTRAINT risk_title_present CHECK (btrim(title) <> ''),
    description         text,
    threat              text,
    vulnerability       text,
    asset               text,
    sms_process_id      bigint,
    node_id             bigint,
    context_issue_id    bigint,
    inherent_rating     iso28000.risk_rating,
    residual_rating     iso28000.risk_rating,
    owner_id            bigint,
    treatment           text CONSTRAINT risk_treatment_valid CHECK (treatment IN ('avoid', 'reduce', 'transfer', 'accept', 'exploit')),
    treatment_rationale text,
    status              text NOT NULL DEFAULT 'identified',
    status_changed_at   timestamptz,
    status_changed_by   name,
    status_note         text,
    identified_on       date NOT NULL DEFAULT current_date,
    assessed_on         date,
    review_on           date,
    accepted_by         bigint,
    accepted_on         date,
    closed_on           date,
    PRIMARY KEY (org_id, risk_id),
    CONSTRAINT risk_reference_unique UNIQUE (org_id, reference),
    FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
    FOREIGN KEY (org_id, context_issue_id) REFERENCES iso28000.context_issue (org_id, context_issue_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, accepted_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT risk_threat_present CHECK (kind = 'opportunity' OR btrim(coalesce(threat, '')) <> ''),
    CONSTRAINT risk_treatment_fits_kind CHECK
      (NOT (kind = 'risk' AND treatment = 'exploit')
       AND NOT (kind = 'opportunity' AND treatment IN ('avoid', 'reduce', 'transfer'))),
    CONSTRAINT risk_residual_needs_inherent CHECK (residual_rating IS NULL OR inherent_rating IS NOT NULL),
    CONSTRAINT risk_residual_not_above_inherent CHECK (kind = 'opportunity' OR residual_rating <= inherent_rating),
    CONSTRAINT risk_assessed_after_identified CHECK (assessed_on >= identified_on),
    CONSTRAINT risk_review_after_identified CHECK (review_on >= identified_on),
    CONSTRAINT risk_acceptance_complete CHECK ((accepted_by IS NULL) = (accepted_on IS NULL)),
    CONSTRAINT risk_accepted_after_identified CHECK (accepted_on >= identified_on),
    CONSTRAINT risk_closed_after_identified CHECK (closed_on >= identified_on)
);
SELECT iso28000.register_table('iso28000.risk');
CREATE INDEX risk_owner ON iso28000.risk (org_id, owner_id);
COMMENT ON TABLE iso28000.risk IS
  'ISO 28000 6.1, 6.1.2, 6.1.3, 8.3: The risk register: security-related risks (threat, vulnerability, affected asset, process or supply-chain node) and opportunities, with inherent and residual rating, owner, treatment decision and acceptance.';
COMMENT ON COLUMN iso28000.risk.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk.risk_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.risk.reference IS 'The organisation''s own reference (for example R-042), unique when given.';
COMMENT ON COLUMN iso28000.risk.kind IS 'risk (a threat to the SMS outcomes) or opportunity.';
COMMENT ON COLUMN iso28000.risk.title IS 'Short statement of the risk (required).';
COMMENT ON COLUMN iso28000.risk.description IS 'Scenario: cause, event and consequences.';
COMMENT ON COLUMN iso28000.risk.threat IS 'Threat source or event (required for risks).';
COMMENT ON COLUMN iso28000.risk.vulnerability IS 'Weakness the threat exploits.';
COMMENT ON COLUMN iso28000.risk.asset IS 'Affected asset (cargo, facility, information, people...).';
COMMENT ON COLUMN iso28000.risk.sms_process_id IS 'Affected process of the SMS.';
COMMENT ON COLUMN iso28000.risk.node_id IS 'Affected supply-chain node (the supply-chain register adds the foreign key).';
COMMENT ON COLUMN iso28000.risk.context_issue_id IS 'Context issue (4.1) the risk arises from.';
COMMENT ON COLUMN iso28000.risk.inherent_rating IS 'Rating before treatment (likelihood x consequence).';
COMMENT ON COLUMN iso28000.risk.residual_rating IS 'Rating after treatment; needs an inherent rating and, for a risk, is not above it.';
COMMENT ON COLUMN iso28000.risk.owner_id IS 'Risk owner.';
COMMENT ON COLUMN iso28000.risk.treatment IS 'Treatment decision: avoid, reduce, transfer or accept for risks; exploit or accept for opportunities.';
COMMENT ON COLUMN iso28000.risk.treatment_rationale IS 'Why this treatment was chosen.';
COMMENT ON COLUMN iso28000.risk.status IS 'Workflow state: identified, assessed, treatment_planned, treated, accepted, closed.';
COMMENT ON COLUMN iso28000.risk.status_changed_at IS 'When the status last changed (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.risk.status_changed_by IS 'Database role that last changed the status (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.risk.status_note IS 'Note for the next transition; copied into the workflow event log.';
COMMENT ON COLUMN iso28000.risk.identified_on IS 'Date the risk was identified.';
COMMENT ON COLUMN iso28000.risk.assessed_on IS 'Date of the latest assessment; not before identified_on.';
COMMENT ON COLUMN iso28000.risk.review_on IS 'Date of the next review; not before identified_on.';
COMMENT ON COLUMN iso28000.risk.accepted_by IS 'Person who accepted the residual risk; set together with accepted_on.';
COMMENT ON COLUMN iso28000.risk.accepted_on IS 'Date of acceptance.';
COMMENT ON COLUMN iso28000.risk.closed_on IS 'Date the risk was closed.';

-- 6.2 Security objectives.
CREATE TABLE iso28000.objective (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    objective_id       bigint GENERATED ALWAYS AS IDENTITY,
    title              text NOT NULL CONSTRAINT objective_title_present CHECK (btrim(title) <> ''),
    description        text,
    security_policy_id bigint,
    target             numeric NOT NULL,
    unit               text NOT NULL CONSTRAINT objective_unit_present CHECK (btrim(unit) <> ''),
    direction          text NOT NULL DEFAULT 'increase'
                       CONSTRAINT objective_direction_valid CHECK (direction IN ('increase', 'decrease', 'maintain')),
    baseline           numeric,
    baseline_on        date,
    set_on             date NOT NULL DEFAULT current_date,
    due_on             date NOT NULL,
    owner_id           bigint NOT NULL,
    resources          text,
    actions            text,
    evaluation_method  text NOT NULL CONSTRAINT objective_evaluation_method_present CHECK (btrim(evaluation_method) <> ''),
    achieved_on        date,
    cancelled_on       date,
    PRIMARY KEY (org_id, objective_id),
    FOREIGN KEY (org_id, security_policy_id) REFERENCES iso28000.security_policy (org_id, security_policy_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT objective_due_after_set CHECK (due_on >= set_on),
    CONSTRAINT objective_baseline_dated CHECK ((baseline IS NULL) = (baseline_on IS NULL)),
    CONSTRAINT objective_baseline_not_after_set CHECK (baseline_on <= set_on),
    CONSTRAINT objective_achieved_after_set CHECK (achieved_on >= set_on),
    CONSTRAINT objective_cancelled_after_set CHECK (cancelled_on >= set_on),
    CONSTRAINT objective_not_achieved_and_cancelled CHECK (achieved_on IS NULL OR cancelled_on IS NULL)
);
SELECT iso28000.register_table('iso28000.objective');
COMMENT ON TABLE iso28000.objective IS
  'ISO 28000 6.2, 6.2.1, 6.2.2: Security objectives: what will be achieved (target, unit, direction, baseline), by when, by whom, with what resources, and how results are evaluated.';
COMMENT ON COLUMN iso28000.objective.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.objective.objective_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.objective.title IS 'Statement of the objective (required).';
COMMENT ON COLUMN iso28000.objective.description IS 'Longer description.';
COMMENT ON COLUMN iso28000.objective.security_policy_id IS 'Policy version the objective is consistent with (6.2.1 a).';
COMMENT ON COLUMN iso28000.objective.target IS 'Target value (required).';
COMMENT ON COLUMN iso28000.objective.unit IS 'Unit of the target and measurements (required), for example %, incidents, days.';
COMMENT ON COLUMN iso28000.objective.direction IS 'increase (at least the target), decrease (at most the target) or maintain (the target, within rounding).';
COMMENT ON COLUMN iso28000.objective.baseline IS 'Starting value; set together with baseline_on.';
COMMENT ON COLUMN iso28000.objective.baseline_on IS 'Date of the baseline; not after set_on.';
COMMENT ON COLUMN iso28000.objective.set_on IS 'Date the objective was set.';
COMMENT ON COLUMN iso28000.objective.due_on IS 'When it will be completed (6.2.2); not before set_on.';
COMMENT ON COLUMN iso28000.objective.owner_id IS 'Who is responsible (required).';
COMMENT ON COLUMN iso28000.objective.resources IS 'Resources required (6.2.2).';
COMMENT ON COLUMN iso28000.objective.actions IS 'What will be done (6.2.2).';
COMMENT ON COLUMN iso28000.objective.evaluation_method IS 'How the results will be evaluated (required).';
COMMENT ON COLUMN iso28000.objective.achieved_on IS 'Date the objective was declared achieved.';
COMMENT ON COLUMN iso28000.objective.cancelled_on IS 'Date the objective was cancelled; never together with achieved_on.';

-- 6.2, 9.1 Measurements of an objective over time.
CREATE TABLE iso28000.objective_measurement (
    org_id                   bigint NOT NULL REFERENCES iso28000.organization,
    objective_measurement_id bigint GENERATED ALWAYS AS IDENTITY,
    objective_id             bigint NOT NULL,
    measured_on              date NOT NULL,
    value                    numeric NOT NULL,
    measured_by              bigint,
    note                     text,
    PRIMARY KEY (org_id, objective_measurement_id),
    CONSTRAINT objective_measurement_one_per_day UNIQUE (org_id, objective_id, measured_on),
    FOREIGN KEY (org_id, objective_id) REFERENCES iso28000.objective (org_id, objective_id),
    FOREIGN KEY (org_id, measured_by) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.objective_measurement');
COMMENT ON TABLE iso28000.objective_measurement IS
  'ISO 28000 6.2, 9.1: Measurements of a security objective over time, one per objective and day.';
COMMENT ON COLUMN iso28000.objective_measurement.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.objective_measurement.objective_measurement_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.objective_measurement.objective_id IS 'The objective measured.';
COMMENT ON COLUMN iso28000.objective_measurement.measured_on IS 'Date of the measurement; one per objective and day.';
COMMENT ON COLUMN iso28000.objective_measurement.value IS 'Measured value, in the objective''s unit.';
COMMENT ON COLUMN iso28000.objective_measurement.measured_by IS 'Person who measured.';
COMMENT ON COLUMN iso28000.objective_measurement.note IS 'Remarks on the measurement.';

-- 6.3 Changes to the SMS, planned.
CREATE TABLE iso28000.planned_change (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    planned_change_id bigint GENERATED ALWAYS AS IDENTITY,
    title             text NOT NULL CONSTRAINT planned_change_title_present CHECK (btrim(title) <> ''),
    description       text,
    purpose           text NOT NULL CONSTRAINT planned_change_purpose_present CHECK (btrim(purpose) <> ''),
    consequences      text NOT NULL CONSTRAINT planned_change_consequences_present CHECK (btrim(consequences) <> ''),
    integrity_measures text,
    resources         text,
    responsibilities  text,
    owner_id          bigint,
    risk_id           bigint,
    requested_on      date NOT NULL DEFAULT current_date,
    planned_for       date,
    completed_on      date,
    cancelled_on      date,
    PRIMARY KEY (org_id, planned_change_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, risk_id) REFERENCES iso28000.risk (org_id, risk_id),
    CONSTRAINT planned_change_planned_after_requested CHECK (planned_for >= requested_on),
    CONSTRAINT planned_change_completed_after_requested CHECK (completed_on >= requested_on),
    CONSTRAINT planned_change_cancelled_after_requested CHECK (cancelled_on >= requested_on),
    CONSTRAINT planned_change_not_completed_and_cancelled CHECK (completed_on IS NULL OR cancelled_on IS NULL)
);
SELECT iso28000.register_table('iso28000.planned_change');
COMMENT ON TABLE iso28000.planned_change IS
  'ISO 28000 6.3: Changes to the SMS carried out in a planned manner: purpose and potential consequences, integrity of the SMS, resources, responsibilities.';
COMMENT ON COLUMN iso28000.planned_change.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.planned_change.planned_change_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.planned_change.title IS 'The change (required).';
COMMENT ON COLUMN iso28000.planned_change.description IS 'What changes.';
COMMENT ON COLUMN iso28000.planned_change.purpose IS 'Purpose of the change (required).';
COMMENT ON COLUMN iso28000.planned_change.consequences IS 'Its potential consequences (required).';
COMMENT ON COLUMN iso28000.planned_change.integrity_measures IS 'How the integrity of the SMS is kept during the change.';
COMMENT ON COLUMN iso28000.planned_change.resources IS 'Resources available for the change.';
COMMENT ON COLUMN iso28000.planned_change.responsibilities IS 'Allocation or reallocation of responsibilities and authorities.';
COMMENT ON COLUMN iso28000.planned_change.owner_id IS 'Person who leads the change.';
COMMENT ON COLUMN iso28000.planned_change.risk_id IS 'Risk or opportunity the change addresses, if any.';
COMMENT ON COLUMN iso28000.planned_change.requested_on IS 'Date the change was requested.';
COMMENT ON COLUMN iso28000.planned_change.planned_for IS 'Planned date; not before requested_on.';
COMMENT ON COLUMN iso28000.planned_change.completed_on IS 'Date completed; not before requested_on.';
COMMENT ON COLUMN iso28000.planned_change.cancelled_on IS 'Date cancelled; never together with completed_on.';

/*
 * Views over the risk register.  A risk is open until it reaches a terminal
 * state of the risk workflow (closed; an organisation that adds terminal
 * states to the workflow rules gets them left out too);
 * its current rating is the residual rating once assessed after treatment,
 * else the inherent one.  Bands come from the organisation's own matrix
 * (risk_band_cell) where set, else the default band; the views join the matrix
 * rather than call band(org, rating) per row.
 */

-- 6.1.2, 8.3 Heat map: open risks per likelihood x consequence cell.
CREATE VIEW iso28000.risk_heat_map WITH (security_invoker = true) AS
WITH counts AS (
    SELECT r.org_id, 'inherent'::text AS rating_kind, r.inherent_rating AS rating, count(*) AS risk_count
      FROM iso28000.risk r
     WHERE r.status NOT IN (SELECT ws.state FROM iso28000.workflow_state ws WHERE ws.workflow = 'risk' AND ws.is_terminal)
       AND r.inherent_rating IS NOT NULL
     GROUP BY r.org_id, r.inherent_rating
    UNION ALL
    SELECT r.org_id, 'residual'::text, r.residual_rating, count(*)
      FROM iso28000.risk r
     WHERE r.status NOT IN (SELECT ws.state FROM iso28000.workflow_state ws WHERE ws.workflow = 'risk' AND ws.is_terminal)
       AND r.residual_rating IS NOT NULL
     GROUP BY r.org_id, r.residual_rating
)
SELECT o.org_id, k.rating_kind, cell.rating,
       iso28000.likelihood(cell.rating) AS likelihood,
       iso28000.consequence(cell.rating) AS consequence,
       iso28000.score(cell.rating) AS score,
       coalesce(bc.band, iso28000.band(cell.rating)) AS band,
       coalesce(c.risk_count, 0) AS risk_count
  FROM iso28000.organization o
 CROSS JOIN (VALUES ('inherent'::text), ('residual'::text)) AS k (rating_kind)
 CROSS JOIN (SELECT iso28000.risk_rating(l, c) AS rating
               FROM generate_series(1, 10) AS l, generate_series(1, 10) AS c) AS cell
  LEFT JOIN iso28000.risk_band_cell bc ON bc.org_id = o.org_id AND bc.rating = cell.rating
  LEFT JOIN counts c ON c.org_id = o.org_id AND c.rating_kind = k.rating_kind AND c.rating = cell.rating;
COMMENT ON VIEW iso28000.risk_heat_map IS
  'ISO 28000 6.1.2, 8.3, 9.1: Risk heat map: for every organisation, every one of the 100 likelihood x consequence cells, inherent and residual, the number of open risks and the cell''s band.';
GRANT SELECT ON iso28000.risk_heat_map TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_heat_map.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_heat_map.rating_kind IS 'inherent (before treatment) or residual (after treatment).';
COMMENT ON COLUMN iso28000.risk_heat_map.rating IS 'The cell as a risk_rating.';
COMMENT ON COLUMN iso28000.risk_heat_map.likelihood IS 'Likelihood of the cell, 1 to 10 (one axis of the map).';
COMMENT ON COLUMN iso28000.risk_heat_map.consequence IS 'Consequence of the cell, 1 to 10 (the other axis).';
COMMENT ON COLUMN iso28000.risk_heat_map.score IS 'Likelihood x consequence.';
COMMENT ON COLUMN iso28000.risk_heat_map.band IS 'Band of the cell for the organisation (its own matrix, else the default): the colour of the cell.';
COMMENT ON COLUMN iso28000.risk_heat_map.risk_count IS 'Number of open risks and opportunities rated in this cell (0 for an empty cell).';

-- 6.1, 8.3 Every open risk with its current rating and band.
CREATE VIEW iso28000.open_risk WITH (security_invoker = true) AS
SELECT r.org_id, r.risk_id, r.reference, r.kind, r.title, r.owner_id, r.status, r.treatment,
       r.inherent_rating, r.residual_rating, cur.rating AS current_rating,
       iso28000.score(cur.rating) AS score,
       coalesce(bc.band, iso28000.band(cur.rating)) AS band,
       r.review_on, r.accepted_by
  FROM iso28000.risk r
 CROSS JOIN LATERAL (SELECT coalesce(r.residual_rating, r.inherent_rating) AS rating) cur
  LEFT JOIN iso28000.risk_band_cell bc ON bc.org_id = r.org_id AND bc.rating = cur.rating
 WHERE r.status NOT IN (SELECT ws.state FROM iso28000.workflow_state ws WHERE ws.workflow = 'risk' AND ws.is_terminal);
COMMENT ON VIEW iso28000.open_risk IS
  'ISO 28000 6.1, 8.3: Every open risk and opportunity (status not a terminal state of the risk workflow, i.e. not closed) with its current rating (residual if assessed, else inherent) and that rating''s band for the organisation; the base of the other risk views.';
COMMENT ON COLUMN iso28000.open_risk.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.open_risk.risk_id IS 'The risk or opportunity.';
COMMENT ON COLUMN iso28000.open_risk.reference IS 'The organisation''s reference.';
COMMENT ON COLUMN iso28000.open_risk.kind IS 'risk or opportunity.';
COMMENT ON COLUMN iso28000.open_risk.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.open_risk.owner_id IS 'Owner.';
COMMENT ON COLUMN iso28000.open_risk.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.open_risk.treatment IS 'Treatment decision, if taken.';
COMMENT ON COLUMN iso28000.open_risk.inherent_rating IS 'Rating before treatment.';
COMMENT ON COLUMN iso28000.open_risk.residual_rating IS 'Rating after treatment, if assessed.';
COMMENT ON COLUMN iso28000.open_risk.current_rating IS 'Residual rating if assessed, else inherent; NULL before assessment.';
COMMENT ON COLUMN iso28000.open_risk.score IS 'Score of the current rating.';
COMMENT ON COLUMN iso28000.open_risk.band IS 'Band of the current rating for the organisation (its own matrix, else the default).';
COMMENT ON COLUMN iso28000.open_risk.review_on IS 'Date of the next review.';
COMMENT ON COLUMN iso28000.open_risk.accepted_by IS 'Person who accepted the residual risk, if accepted.';
GRANT SELECT ON iso28000.open_risk TO PUBLIC;

-- 6.1.2, 8.3 Open risks ranked by current rating.
CREATE VIEW iso28000.top_risk WITH (security_invoker = true) AS
SELECT org_id, risk_id, reference, title, owner_id, status, treatment,
       inherent_rating, residual_rating, current_rating, score, band,
       rank() OVER (PARTITION BY org_id ORDER BY current_rating DESC) AS risk_rank
  FROM iso28000.open_risk
 WHERE kind = 'risk' AND current_rating IS NOT NULL;
COMMENT ON VIEW iso28000.top_risk IS
  'ISO 28000 6.1.2, 8.3, 9.3.2: Open risks ranked within each organisation by current rating (residual if assessed, else inherent), highest first; filter on risk_rank <= 10 for a top ten.';
GRANT SELECT ON iso28000.top_risk TO PUBLIC;
COMMENT ON COLUMN iso28000.top_risk.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.top_risk.risk_id IS 'The risk.';
COMMENT ON COLUMN iso28000.top_risk.reference IS 'The organisation''s reference of the risk.';
COMMENT ON COLUMN iso28000.top_risk.title IS 'Short statement of the risk.';
COMMENT ON COLUMN iso28000.top_risk.owner_id IS 'Risk owner.';
COMMENT ON COLUMN iso28000.top_risk.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.top_risk.treatment IS 'Treatment decision, if taken.';
COMMENT ON COLUMN iso28000.top_risk.inherent_rating IS 'Rating before treatment.';
COMMENT ON COLUMN iso28000.top_risk.residual_rating IS 'Rating after treatment, if assessed.';
COMMENT ON COLUMN iso28000.top_risk.current_rating IS 'Residual rating if assessed, else inherent.';
COMMENT ON COLUMN iso28000.top_risk.score IS 'Score of the current rating.';
COMMENT ON COLUMN iso28000.top_risk.band IS 'Band of the current rating for the organisation.';
COMMENT ON COLUMN iso28000.top_risk.risk_rank IS 'Rank within the organisation, 1 for the highest current rating (ties share a rank).';

-- 6.1.3 Open risks whose current rating is above the organisation's appetite.
CREATE VIEW iso28000.risk_above_appetite WITH (security_invoker = true) AS
SELECT o.org_id, o.risk_id, o.reference, o.title, o.owner_id, o.status, o.treatment,
       o.current_rating, o.band, a.max_band AS appetite_band,
       o.accepted_by IS NOT NULL AS accepted
  FROM iso28000.open_risk o
  JOIN LATERAL (SELECT ra.max_band FROM iso28000.risk_appetite ra
                 WHERE ra.org_id = o.org_id AND ra.effective_on <= current_date
                 ORDER BY ra.effective_on DESC LIMIT 1) a ON true
 WHERE o.kind = 'risk' AND o.current_rating IS NOT NULL
   AND iso28000.band_rank(o.band) > iso28000.band_rank(a.max_band);
COMMENT ON VIEW iso28000.risk_above_appetite IS
  'ISO 28000 6.1.3, 8.3, 9.3.2: Open risks whose current rating (residual if assessed, else inherent) falls in a band above the organisation''s current risk appetite; organisations without an appetite have none here.';
GRANT SELECT ON iso28000.risk_above_appetite TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_above_appetite.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_above_appetite.risk_id IS 'The risk.';
COMMENT ON COLUMN iso28000.risk_above_appetite.reference IS 'The organisation''s reference of the risk.';
COMMENT ON COLUMN iso28000.risk_above_appetite.title IS 'Short statement of the risk.';
COMMENT ON COLUMN iso28000.risk_above_appetite.owner_id IS 'Risk owner.';
COMMENT ON COLUMN iso28000.risk_above_appetite.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.risk_above_appetite.treatment IS 'Treatment decision, if taken.';
COMMENT ON COLUMN iso28000.risk_above_appetite.current_rating IS 'Residual rating if assessed, else inherent.';
COMMENT ON COLUMN iso28000.risk_above_appetite.band IS 'Band of the current rating for the organisation.';
COMMENT ON COLUMN iso28000.risk_above_appetite.appetite_band IS 'Highest band the organisation currently accepts.';
COMMENT ON COLUMN iso28000.risk_above_appetite.accepted IS 'True when the risk was nevertheless formally accepted.';

-- 6.1, 9.1 Open risks whose review date has passed.
CREATE VIEW iso28000.risk_past_review WITH (security_invoker = true) AS
SELECT org_id, risk_id, reference, kind, title, owner_id, status,
       review_on, current_date - review_on AS days_overdue
  FROM iso28000.open_risk
 WHERE review_on < current_date;
COMMENT ON VIEW iso28000.risk_past_review IS
  'ISO 28000 6.1, 8.3, 9.1: Open risks and opportunities whose review date has passed.';
GRANT SELECT ON iso28000.risk_past_review TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_past_review.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_past_review.risk_id IS 'The risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_past_review.reference IS 'The organisation''s reference.';
COMMENT ON COLUMN iso28000.risk_past_review.kind IS 'risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_past_review.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.risk_past_review.owner_id IS 'Owner, who should review it.';
COMMENT ON COLUMN iso28000.risk_past_review.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.risk_past_review.review_on IS 'Date the review was due.';
COMMENT ON COLUMN iso28000.risk_past_review.days_overdue IS 'Days since the review fell due.';

-- 6.2, 9.1 Each objective: latest value against target, trend, schedule.
CREATE VIEW iso28000.objective_status WITH (security_invoker = true) AS
SELECT o.org_id, o.objective_id, o.title, o.owner_id, o.unit, o.direction,
       o.baseline, o.target, o.due_on,
       m.latest_on AS latest_measured_on,
       m.latest AS latest_value,
       coalesce(m.n, 0) AS measurement_count,
       CASE o.direction
         WHEN 'increase' THEN m.latest >= o.target
         WHEN 'decrease' THEN m.latest <= o.target
         ELSE m.latest = o.target
       END AS target_met,
       CASE WHEN o.baseline IS NOT NULL AND o.target <> o.baseline AND m.latest IS NOT NULL
            THEN round(100 * (m.latest - o.baseline) / (o.target - o.baseline), 1)
       END AS progress_pct,
       CASE
         WHEN m.previous IS NULL THEN NULL
         WHEN o.direction = 'increase' THEN CASE sign(m.latest - m.previous) WHEN 1 THEN 'improving' WHEN -1 THEN 'worsening' ELSE 'steady' END
         WHEN o.direction = 'decrease' THEN CASE sign(m.latest - m.previous) WHEN -1 THEN 'improving' WHEN 1 THEN 'worsening' ELSE 'steady' END
         ELSE CASE sign(abs(m.latest - o.target) - abs(m.previous - o.target)) WHEN -1 THEN 'improving' WHEN 1 THEN 'worsening' ELSE 'steady' END
       END AS trend,
       CASE
         WHEN o.cancelled_on IS NOT NULL THEN 'cancelled'
         WHEN o.achieved_on IS NOT NULL THEN 'achieved'
         WHEN o.due_on < current_date THEN 'overdue'
         WHEN o.due_on <= current_date + 30 THEN 'due'
         ELSE 'on_schedule'
       END AS schedule_status
  FROM iso28000.objective o
  LEFT JOIN LATERAL (
        SELECT count(*) AS n, max(om.measured_on) AS latest_on,
               (array_agg(om.value ORDER BY om.measured_on DESC))[1] AS latest,
               (array_agg(om.value ORDER BY om.measured_on DESC))[2] AS previous
          FROM iso28000.objective_measurement om
         WHERE om.org_id = o.org_id AND om.objective_id = o.objective_id) m ON true;
COMMENT ON VIEW iso28000.objective_status IS
  'ISO 28000 6.2, 9.1: Every security objective with its latest measurement against target, progress from baseline, trend over the last two measurements, and whether it is due (within 30 days) or overdue.';
GRANT SELECT ON iso28000.objective_status TO PUBLIC;
COMMENT ON COLUMN iso28000.objective_status.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.objective_status.objective_id IS 'The objective.';
COMMENT ON COLUMN iso28000.objective_status.title IS 'Statement of the objective.';
COMMENT ON COLUMN iso28000.objective_status.owner_id IS 'Who is responsible.';
COMMENT ON COLUMN iso28000.objective_status.unit IS 'Unit of target and values.';
COMMENT ON COLUMN iso28000.objective_status.direction IS 'increase, decrease or maintain.';
COMMENT ON COLUMN iso28000.objective_status.baseline IS 'Starting value.';
COMMENT ON COLUMN iso28000.objective_status.target IS 'Target value.';
COMMENT ON COLUMN iso28000.objective_status.due_on IS 'Due date.';
COMMENT ON COLUMN iso28000.objective_status.latest_measured_on IS 'Date of the latest measurement.';
COMMENT ON COLUMN iso28000.objective_status.latest_value IS 'Latest measured value.';
COMMENT ON COLUMN iso28000.objective_status.measurement_count IS 'Number of measurements.';
COMMENT ON COLUMN iso28000.objective_status.target_met IS 'Whether the latest value meets the target in the objective''s direction; NULL before any measurement.';
COMMENT ON COLUMN iso28000.objective_status.progress_pct IS 'Progress from baseline to target in percent, one decimal; NULL without baseline or measurement.';
COMMENT ON COLUMN iso28000.objective_status.trend IS 'improving, worsening or steady, comparing the last two measurements in the objective''s direction; NULL with fewer than two.';
COMMENT ON COLUMN iso28000.objective_status.schedule_status IS 'cancelled, achieved, overdue (past due_on), due (within 30 days) or on_schedule.';
/*
 * sql/clauses/clause07_support.sql
 *
 * ISO 28000:2022 clause 7, Support: resources (7.1), competence requirements and
 * training records (7.2), awareness (7.3), the communication plan (7.4) and
 * documented information with its versions (7.5).
 *
 * Every table is a register: org_id first in the primary key, every foreign key
 * carries org_id, row-level security and dump registration through
 * iso28000.register_table().  Required text is checked non-blank, dates are
 * checked in order, ranges are checked; a refused row raises 23514
 * (check_violation) naming the constraint.
 */

------------------------------------------------------------------------------
-- Per-organisation periods used by the clause 7 and 8 views
------------------------------------------------------------------------------

CREATE TABLE iso28000.operation_setting (
  org_id                   bigint   NOT NULL REFERENCES iso28000.organization,
  document_review_interval interval NOT NULL DEFAULT interval '1 year',
  exercise_interval        interval NOT NULL DEFAULT interval '1 year',
  evidence_warning         interval NOT NULL DEFAULT interval '60 days',
  assessment_interval      interval NOT NULL DEFAULT interval '1 year',
  PRIMARY KEY (org_id),
  CONSTRAINT operation_setting_document_review_interval_check
    CHECK (document_review_interval > interval '0'),
  CONSTRAINT operation_setting_exercise_interval_check
    CHECK (exercise_interval > interval '0'),
  CONSTRAINT operation_setting_evidence_warning_check
    CHECK (evidence_warning >= interval '0'),
  CONSTRAINT operation_setting_assessment_interval_check
    CHECK (assessment_interval > interval '0')
);
SELECT iso28000.register_table('iso28000.operation_setting');

COMMENT ON TABLE iso28000.operation_setting IS
  'ISO 28000 7.5.3, 8.6.1, 8.1: Per-organisation periods used by the support and operation views (document review, plan exercises, provider evidence and assessments). An organisation without a row gets the column defaults (see view operation_settings).';
COMMENT ON COLUMN iso28000.operation_setting.org_id IS 'The organisation these settings belong to.';
COMMENT ON COLUMN iso28000.operation_setting.document_review_interval IS
  'How long an approved document version stays valid before its review is due, when the document sets no interval of its own.';
COMMENT ON COLUMN iso28000.operation_setting.exercise_interval IS
  'The longest time a security plan may go without an exercise before view security_plan_exercise_due lists it.';
COMMENT ON COLUMN iso28000.operation_setting.evidence_warning IS
  'How far ahead view provider_assurance_gap warns that a provider''s evidence expires.';
COMMENT ON COLUMN iso28000.operation_setting.assessment_interval IS
  'The longest time a provider assessment stays current; an older one no longer satisfies an assessment-score requirement.';

CREATE VIEW iso28000.operation_settings WITH (security_invoker = true) AS
SELECT o.org_id,
       coalesce(s.document_review_interval, interval '1 year')  AS document_review_interval,
       coalesce(s.exercise_interval,        interval '1 year')  AS exercise_interval,
       coalesce(s.evidence_warning,         interval '60 days') AS evidence_warning,
       coalesce(s.assessment_interval,      interval '1 year')  AS assessment_interval,
       s.org_id IS NULL                                         AS defaulted
  FROM iso28000.organization o
  LEFT JOIN iso28000.operation_setting s ON s.org_id = o.org_id;

COMMENT ON VIEW iso28000.operation_settings IS
  'ISO 28000 7.5.3, 8.6.1, 8.1: The periods in force for each organisation: its operation_setting row, or the defaults where it has none.';
GRANT SELECT ON iso28000.operation_settings TO PUBLIC;
COMMENT ON COLUMN iso28000.operation_settings.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.operation_settings.document_review_interval IS 'Default interval between document reviews.';
COMMENT ON COLUMN iso28000.operation_settings.exercise_interval IS 'Longest time a security plan may go unexercised.';
COMMENT ON COLUMN iso28000.operation_settings.evidence_warning IS 'How far ahead provider evidence expiry is reported.';
COMMENT ON COLUMN iso28000.operation_settings.assessment_interval IS 'How long a provider assessment stays current.';
COMMENT ON COLUMN iso28000.operation_settings.defaulted IS 'True when the organisation has no operation_setting row and every value is a default.';

------------------------------------------------------------------------------
-- 7.1 Resources
------------------------------------------------------------------------------

CREATE TABLE iso28000.resource (
  org_id          bigint  NOT NULL REFERENCES iso28000.organization,
  resource_id     bigint  GENERATED ALWAYS AS IDENTITY,
  name            text    NOT NULL,
  kind            text    NOT NULL,
  description     text,
  owner_id        bigint,
  quantity        numeric,
  unit            text,
  available_from  date,
  available_until date,
  active          boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, resource_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT resource_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT resource_kind_check CHECK (kind IN ('people', 'infrastructure', 'equipment',
    'technology', 'information', 'financial', 'external_service', 'other')),
  CONSTRAINT resource_quantity_check CHECK (quantity >= 0),
  CONSTRAINT resource_unit_check CHECK (quantity IS NULL OR coalesce(btrim(unit), '') <> ''),
  CONSTRAINT resource_dates_check CHECK (available_until >= available_from)
);
SELECT iso28000.register_table('iso28000.resource');

COMMENT ON TABLE iso28000.resource IS
  'ISO 28000 7.1: Resources the organisation determines and provides for its security management system: people, infrastructure, equipment, technology, information, money and external services.';
COMMENT ON COLUMN iso28000.resource.org_id IS 'The organisation that provides the resource.';
COMMENT ON COLUMN iso28000.resource.resource_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.resource.name IS 'What the resource is (required, not blank).';
COMMENT ON COLUMN iso28000.resource.kind IS 'people, infrastructure, equipment, technology, information, financial, external_service or other.';
COMMENT ON COLUMN iso28000.resource.description IS 'What the resource is for and where it is used.';
COMMENT ON COLUMN iso28000.resource.owner_id IS 'The person accountable for providing the resource.';
COMMENT ON COLUMN iso28000.resource.quantity IS 'How much is provided (not negative); needs a unit.';
COMMENT ON COLUMN iso28000.resource.unit IS 'Unit of the quantity (FTE, EUR, units...).';
COMMENT ON COLUMN iso28000.resource.available_from IS 'First day the resource is available.';
COMMENT ON COLUMN iso28000.resource.available_until IS 'Last day the resource is available (not before available_from).';
COMMENT ON COLUMN iso28000.resource.active IS 'False once the resource is no longer provided.';

------------------------------------------------------------------------------
-- 7.2 Competence requirements, 7.2 and 7.3 training and awareness records
------------------------------------------------------------------------------

CREATE TABLE iso28000.competence_requirement (
  org_id                    bigint   NOT NULL REFERENCES iso28000.organization,
  competence_requirement_id bigint   GENERATED ALWAYS AS IDENTITY,
  title                     text     NOT NULL,
  description               text,
  role_name                 text     NOT NULL,
  sms_role_id               bigint,
  required_level            smallint NOT NULL DEFAULT 1,
  renewal_interval          interval,
  mandatory                 boolean  NOT NULL DEFAULT true,
  active                    boolean  NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, competence_requirement_id),
  UNIQUE (org_id, role_name, title),
  FOREIGN KEY (org_id, sms_role_id) REFERENCES iso28000.sms_role (org_id, sms_role_id),
  CONSTRAINT competence_requirement_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT competence_requirement_role_name_check CHECK (btrim(role_name) <> ''),
  CONSTRAINT competence_requirement_required_level_check CHECK (required_level BETWEEN 1 AND 5),
  CONSTRAINT competence_requirement_renewal_interval_check CHECK (renewal_interval > interval '0')
);
SELECT iso28000.register_table('iso28000.competence_requirement');

COMMENT ON TABLE iso28000.competence_requirement IS
  'ISO 28000 7.2: The competence a role or function that affects security performance needs, the level required and how often it must be renewed.';
COMMENT ON COLUMN iso28000.competence_requirement.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.competence_requirement.competence_requirement_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.competence_requirement.title IS 'The competence (required, not blank), e.g. "cargo screening".';
COMMENT ON COLUMN iso28000.competence_requirement.description IS 'What the competence covers and how it is demonstrated.';
COMMENT ON COLUMN iso28000.competence_requirement.role_name IS 'The role or function that needs the competence (required, not blank); unique with the title.';
COMMENT ON COLUMN iso28000.competence_requirement.sms_role_id IS 'The SMS role (clause 5.3, iso28000.sms_role) that needs the competence, when it is one.';
COMMENT ON COLUMN iso28000.competence_requirement.required_level IS 'Level required, 1 (awareness) to 5 (expert).';
COMMENT ON COLUMN iso28000.competence_requirement.renewal_interval IS 'How long a qualification stays valid before it must be renewed (positive), NULL if it does not expire.';
COMMENT ON COLUMN iso28000.competence_requirement.mandatory IS 'True when the role may not be performed without the competence.';
COMMENT ON COLUMN iso28000.competence_requirement.active IS 'False once the requirement is retired.';

CREATE TABLE iso28000.training_record (
  org_id                    bigint   NOT NULL REFERENCES iso28000.organization,
  training_record_id        bigint   GENERATED ALWAYS AS IDENTITY,
  person_id                 bigint   NOT NULL,
  competence_requirement_id bigint,
  kind                      text     NOT NULL,
  title                     text     NOT NULL,
  provider                  text,
  started_on                date,
  completed_on              date     NOT NULL,
  valid_until               date,
  outcome                   text     NOT NULL,
  level_achieved            smallint,
  awareness_topics          text[]   NOT NULL DEFAULT '{}',
  evidence                  text,
  PRIMARY KEY (org_id, training_record_id),
  FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, competence_requirement_id)
    REFERENCES iso28000.competence_requirement (org_id, competence_requirement_id),
  CONSTRAINT training_record_kind_check CHECK (kind IN ('training', 'awareness',
    'qualification', 'certification', 'briefing', 'on_the_job')),
  CONSTRAINT training_record_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT training_record_dates_check CHECK (started_on <= completed_on),
  CONSTRAINT training_record_validity_check CHECK (valid_until >= completed_on),
  CONSTRAINT training_record_outcome_check CHECK (outcome IN ('attended', 'passed', 'failed')),
  CONSTRAINT training_record_level_check CHECK (level_achieved BETWEEN 1 AND 5),
  CONSTRAINT training_record_awareness_topics_check CHECK (awareness_topics <@ ARRAY[
    'security_policy', 'contribution', 'nonconformity_implications', 'role_and_responsibility']::text[])
);
SELECT iso28000.register_table('iso28000.training_record');

COMMENT ON TABLE iso28000.training_record IS
  'ISO 28000 7.2, 7.3: Evidence of competence and awareness: training, qualifications, certifications and awareness briefings each person completed, with outcome and validity.';
COMMENT ON COLUMN iso28000.training_record.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.training_record.training_record_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.training_record.person_id IS 'The person trained or briefed.';
COMMENT ON COLUMN iso28000.training_record.competence_requirement_id IS 'The competence requirement this record satisfies, if any.';
COMMENT ON COLUMN iso28000.training_record.kind IS 'training, awareness, qualification, certification, briefing or on_the_job.';
COMMENT ON COLUMN iso28000.training_record.title IS 'Course, briefing or qualification (required, not blank).';
COMMENT ON COLUMN iso28000.training_record.provider IS 'Who delivered it.';
COMMENT ON COLUMN iso28000.training_record.started_on IS 'First day (not after completed_on).';
COMMENT ON COLUMN iso28000.training_record.completed_on IS 'Day it was completed.';
COMMENT ON COLUMN iso28000.training_record.valid_until IS 'Last day the competence counts (not before completed_on), NULL if it does not expire.';
COMMENT ON COLUMN iso28000.training_record.outcome IS 'attended, passed or failed.';
COMMENT ON COLUMN iso28000.training_record.level_achieved IS 'Level reached, 1 to 5, to compare with competence_requirement.required_level.';
COMMENT ON COLUMN iso28000.training_record.awareness_topics IS
  'For awareness (7.3): which of security_policy, contribution, nonconformity_implications, role_and_responsibility were covered.';
COMMENT ON COLUMN iso28000.training_record.evidence IS 'Where the evidence is kept (certificate number, document code, attendance list).';

------------------------------------------------------------------------------
-- 7.4 Communication plan
------------------------------------------------------------------------------

CREATE TABLE iso28000.communication (
  org_id           bigint   NOT NULL REFERENCES iso28000.organization,
  communication_id bigint   GENERATED ALWAYS AS IDENTITY,
  subject          text     NOT NULL,
  audience         text     NOT NULL,
  direction        text     NOT NULL,
  channel          text     NOT NULL,
  frequency        interval,
  trigger_event    text,
  owner_id         bigint   NOT NULL,
  sensitivity      text     NOT NULL DEFAULT 'internal',
  last_done_on     date,
  next_due_on      date,
  active           boolean  NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, communication_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT communication_subject_check CHECK (btrim(subject) <> ''),
  CONSTRAINT communication_audience_check CHECK (btrim(audience) <> ''),
  CONSTRAINT communication_channel_check CHECK (btrim(channel) <> ''),
  CONSTRAINT communication_direction_check CHECK (direction IN ('internal', 'external', 'both')),
  CONSTRAINT communication_frequency_check CHECK (frequency > interval '0'),
  CONSTRAINT communication_when_check CHECK (frequency IS NOT NULL OR coalesce(btrim(trigger_event), '') <> ''),
  CONSTRAINT communication_sensitivity_check CHECK (sensitivity IN ('public', 'internal',
    'confidential', 'restricted')),
  CONSTRAINT communication_dates_check CHECK (next_due_on >= last_done_on)
);
SELECT iso28000.register_table('iso28000.communication');

COMMENT ON TABLE iso28000.communication IS
  'ISO 28000 7.4: The communication plan: on what, when, with whom, how and by whom the organisation communicates internally and externally, and how sensitive the information is.';
COMMENT ON COLUMN iso28000.communication.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.communication.communication_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.communication.subject IS 'On what it communicates (required, not blank).';
COMMENT ON COLUMN iso28000.communication.audience IS 'With whom: staff, interested parties, authorities, providers (required, not blank).';
COMMENT ON COLUMN iso28000.communication.direction IS 'internal, external or both.';
COMMENT ON COLUMN iso28000.communication.channel IS 'How: meeting, e-mail, portal, notice board... (required, not blank).';
COMMENT ON COLUMN iso28000.communication.frequency IS 'When, for recurring communication: the interval (positive).';
COMMENT ON COLUMN iso28000.communication.trigger_event IS 'When, for event-driven communication: the event. Either frequency or trigger_event is required.';
COMMENT ON COLUMN iso28000.communication.owner_id IS 'Who communicates.';
COMMENT ON COLUMN iso28000.communication.sensitivity IS 'public, internal, confidential or restricted: how sensitive the information is before it is disclosed.';
COMMENT ON COLUMN iso28000.communication.last_done_on IS 'When it last took place.';
COMMENT ON COLUMN iso28000.communication.next_due_on IS 'When it is next due (not before last_done_on).';
COMMENT ON COLUMN iso28000.communication.active IS 'False once the communication is no longer planned.';

------------------------------------------------------------------------------
-- 7.5 Documented information
------------------------------------------------------------------------------

CREATE TABLE iso28000.document (
  org_id          bigint   NOT NULL REFERENCES iso28000.organization,
  document_id     bigint   GENERATED ALWAYS AS IDENTITY,
  code            text     NOT NULL,
  title           text     NOT NULL,
  doc_type        text     NOT NULL,
  origin          text     NOT NULL DEFAULT 'internal',
  owner_id        bigint   NOT NULL,
  classification  text     NOT NULL DEFAULT 'internal',
  review_interval interval,
  next_review_on  date,
  retention       interval,
  storage_location text,
  created_on      date     NOT NULL DEFAULT current_date,
  PRIMARY KEY (org_id, document_id),
  UNIQUE (org_id, code),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT document_code_check CHECK (btrim(code) <> ''),
  CONSTRAINT document_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT document_doc_type_check CHECK (doc_type IN ('policy', 'procedure', 'plan',
    'record', 'form', 'manual', 'instruction', 'specification', 'contract', 'other')),
  CONSTRAINT document_origin_check CHECK (origin IN ('internal', 'external')),
  CONSTRAINT document_classification_check CHECK (classification IN ('public', 'internal',
    'confidential', 'restricted', 'secret')),
  CONSTRAINT document_review_interval_check CHECK (review_interval > interval '0'),
  CONSTRAINT document_retention_check CHECK (retention > interval '0'),
  CONSTRAINT document_next_review_check CHECK (next_review_on >= created_on)
);
SELECT iso28000.register_table('iso28000.document');

COMMENT ON TABLE iso28000.document IS
  'ISO 28000 7.5.1, 7.5.2, 7.5.3: Documented information the SMS requires or the organisation decides it needs: identification, owner, classification, review cycle and retention. Its content lives in versions (document_version).';
COMMENT ON COLUMN iso28000.document.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.document.document_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.document.code IS 'Identification, unique within the organisation (required, not blank), e.g. "SMS-PR-007".';
COMMENT ON COLUMN iso28000.document.title IS 'Title (required, not blank).';
COMMENT ON COLUMN iso28000.document.doc_type IS 'policy, procedure, plan, record, form, manual, instruction, specification, contract or other.';
COMMENT ON COLUMN iso28000.document.origin IS 'internal, or external (documented information of external origin, 7.5.3).';
COMMENT ON COLUMN iso28000.document.owner_id IS 'The person responsible for keeping the document current.';
COMMENT ON COLUMN iso28000.document.classification IS 'public, internal, confidential, restricted or secret: protection against loss of confidentiality (7.5.3).';
COMMENT ON COLUMN iso28000.document.review_interval IS 'Time between reviews (positive); NULL takes operation_settings.document_review_interval.';
COMMENT ON COLUMN iso28000.document.next_review_on IS 'Explicit next review date; when NULL the review is due review_interval after the current version was approved.';
COMMENT ON COLUMN iso28000.document.retention IS 'How long superseded or withdrawn versions are retained (positive).';
COMMENT ON COLUMN iso28000.document.storage_location IS 'Where the controlled copy is kept (repository, path, URL).';
COMMENT ON COLUMN iso28000.document.created_on IS 'Day the document was registered; next_review_on may not precede it.';

CREATE TABLE iso28000.document_version (
  org_id              bigint NOT NULL REFERENCES iso28000.organization,
  document_version_id bigint GENERATED ALWAYS AS IDENTITY,
  document_id         bigint NOT NULL,
  version_label       text   NOT NULL,
  status              text   NOT NULL DEFAULT 'draft',
  author_id           bigint NOT NULL,
  approver_id         bigint,
  approved_on         date,
  effective_on        date,
  superseded_on       date,
  change_summary      text,
  content_uri         text,
  content_sha256      text,
  status_changed_at   timestamptz,
  status_changed_by   name,
  status_note         text,
  PRIMARY KEY (org_id, document_version_id),
  UNIQUE (org_id, document_id, version_label),
  FOREIGN KEY (org_id, document_id) REFERENCES iso28000.document (org_id, document_id),
  FOREIGN KEY (org_id, author_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, approver_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT document_version_label_check CHECK (btrim(version_label) <> ''),
  CONSTRAINT document_version_status_check CHECK (status IN ('draft', 'in_review',
    'approved', 'superseded', 'withdrawn')),
  CONSTRAINT document_version_approver_check CHECK (approver_id <> author_id),
  CONSTRAINT document_version_approval_check CHECK (status NOT IN ('approved', 'superseded')
    OR (approver_id IS NOT NULL AND approved_on IS NOT NULL)),
  CONSTRAINT document_version_effective_check CHECK (effective_on >= approved_on),
  CONSTRAINT document_version_superseded_check CHECK (superseded_on >= approved_on),
  CONSTRAINT document_version_sha256_check CHECK (content_sha256 ~ '^[0-9a-f]{64}$')
);
SELECT iso28000.register_table('iso28000.document_version');

-- At most one approved (current) version per document.
CREATE UNIQUE INDEX document_version_one_approved
  ON iso28000.document_version (org_id, document_id) WHERE status = 'approved';

COMMENT ON TABLE iso28000.document_version IS
  'ISO 28000 7.5.2, 7.5.3: Versions of a document with their review and approval: draft, in_review, approved (by someone who is not the author), superseded, withdrawn. At most one version of a document is approved at a time.';
COMMENT ON COLUMN iso28000.document_version.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.document_version.document_version_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.document_version.document_id IS 'The document this is a version of.';
COMMENT ON COLUMN iso28000.document_version.version_label IS 'Version identification, unique within the document (required, not blank), e.g. "3.1".';
COMMENT ON COLUMN iso28000.document_version.status IS 'draft, in_review, approved, superseded or withdrawn.';
COMMENT ON COLUMN iso28000.document_version.author_id IS 'Who wrote this version.';
COMMENT ON COLUMN iso28000.document_version.approver_id IS 'Who approved it for suitability and adequacy; never the author. Required once approved.';
COMMENT ON COLUMN iso28000.document_version.approved_on IS 'Day of approval; required once approved.';
COMMENT ON COLUMN iso28000.document_version.effective_on IS 'Day it takes effect (not before approval).';
COMMENT ON COLUMN iso28000.document_version.superseded_on IS 'Day a later version replaced it (not before approval); retention runs from here.';
COMMENT ON COLUMN iso28000.document_version.change_summary IS 'What changed from the previous version.';
COMMENT ON COLUMN iso28000.document_version.content_uri IS 'Where this version''s content is kept.';
COMMENT ON COLUMN iso28000.document_version.content_sha256 IS 'SHA-256 of the content (64 lower-case hex digits), so the approved text can be proven unaltered.';
COMMENT ON COLUMN iso28000.document_version.status_changed_at IS 'When the status last changed (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.document_version.status_changed_by IS 'Database role that last changed the status (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.document_version.status_note IS 'Reason given with the last transition; copied into the workflow event.';

-- What an approval of a document version still lacks: an approver independent of the author.
CREATE FUNCTION iso28000.document_version_approval_guard(v iso28000.document_version, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  me bigint := iso28000.current_person(v.org_id);
BEGIN
  IF v.approver_id = v.author_id THEN
    RETURN 'an approver who is not the author';
  ELSIF me = v.author_id THEN
    RETURN 'an approver who is not the author (the current session is the author''s)';
  ELSIF me <> v.approver_id THEN
    RETURN format('the approval of person %s, the approver named (the current session is person %s''s)',
                  v.approver_id, me);
  END IF;
  RETURN NULL;
END $$;

COMMENT ON FUNCTION iso28000.document_version_approval_guard(iso28000.document_version, text, text) IS
  'ISO 28000 7.5.2: Workflow guard of in_review -> approved: the approver is not the author, and a session that is a person of the organisation (person.db_role) approves only as the approver it names and never as the author. NULL when the approval may go ahead.';

-- Approving a version supersedes the version that was approved before it.
CREATE FUNCTION iso28000.document_version_supersede_previous() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'approved' AND OLD.status IS DISTINCT FROM 'approved' THEN
    -- Approvals of one document queue on its row: the later one then sees the
    -- earlier one committed and supersedes it, instead of failing on the
    -- one-approved-version index.
    PERFORM 1 FROM iso28000.document d
      WHERE d.org_id = NEW.org_id AND d.document_id = NEW.document_id
        FOR NO KEY UPDATE;
    UPDATE iso28000.document_version v
       SET status = 'superseded',
           superseded_on = greatest(NEW.approved_on, v.approved_on),
           status_note = format('superseded by version %s', NEW.version_label)
     WHERE v.org_id = NEW.org_id AND v.document_id = NEW.document_id
       AND v.status = 'approved' AND v.document_version_id <> NEW.document_version_id;
  END IF;
  RETURN NEW;
END $$;

COMMENT ON FUNCTION iso28000.document_version_supersede_previous() IS
  'ISO 28000 7.5.3: Trigger function: when a version of a document is approved, the version approved before it becomes superseded (through the workflow), so exactly one version is in force. Concurrent approvals of one document queue on the document''s row.';

CREATE TRIGGER document_version_supersede_previous
  BEFORE UPDATE OF status ON iso28000.document_version
  FOR EACH ROW EXECUTE FUNCTION iso28000.document_version_supersede_previous();

-- 7.5.2 and 7.5.3: the document workflow.
INSERT INTO iso28000.workflow (workflow, description) VALUES
  ('document', 'ISO 28000 7.5.2, 7.5.3: a version of a document (iso28000.document_version) from draft through review and approval, by someone who is not the author, to superseded or withdrawn.');
INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable, description) VALUES
  ('document', 'draft',      true,  false, false, true,  'Being written; may still be deleted.'),
  ('document', 'in_review',  false, false, false, false, 'Submitted for review and approval.'),
  ('document', 'approved',   false, false, true,  false, 'Approved and in force; its content can no longer change.'),
  ('document', 'superseded', false, true,  true,  false, 'Replaced by a later approved version; kept for its retention period.'),
  ('document', 'withdrawn',  false, true,  true,  false, 'No longer valid and not replaced, or abandoned before approval.');
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level, guard, note) VALUES
  ('document', 'draft',     'in_review',  'write', NULL, 'The author submits the version for review.'),
  ('document', 'in_review', 'draft',      'write', NULL, 'The reviewer sends it back for changes.'),
  ('document', 'in_review', 'approved',   'write',
   'iso28000.document_version_approval_guard(iso28000.document_version, text, text)',
   '7.5.2: approval for suitability and adequacy, by someone who is not the author.'),
  ('document', 'approved',  'superseded', 'write', NULL, 'A later version was approved (done automatically when it is).'),
  ('document', 'draft',     'withdrawn',  'write', NULL, 'The draft is abandoned.'),
  ('document', 'in_review', 'withdrawn',  'write', NULL, 'The version is abandoned in review.'),
  ('document', 'approved',  'withdrawn',  'write', NULL, '7.5.3: the document is withdrawn from use without replacement.');
INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description) VALUES
  ('document', 'approved',   'approver_id',   'the approver (a person who is not the author)'),
  ('document', 'approved',   'approved_on',   'the approval date'),
  ('document', 'superseded', 'superseded_on', 'the date it was superseded');
SELECT iso28000.attach_workflow('iso28000.document_version', 'document');

CREATE VIEW iso28000.document_current WITH (security_invoker = true) AS
SELECT d.org_id, d.document_id, d.code, d.title, d.doc_type, d.classification,
       d.owner_id, p.full_name AS owner_name,
       v.document_version_id, v.version_label, v.approved_on, v.effective_on,
       coalesce(d.next_review_on,
                (v.approved_on + coalesce(d.review_interval, s.document_review_interval))::date)
         AS review_due_on
  FROM iso28000.document d
  JOIN iso28000.person p ON p.org_id = d.org_id AND p.person_id = d.owner_id
  JOIN iso28000.operation_settings s ON s.org_id = d.org_id
  LEFT JOIN iso28000.document_version v
    ON v.org_id = d.org_id AND v.document_id = d.document_id AND v.status = 'approved';

COMMENT ON VIEW iso28000.document_current IS
  'ISO 28000 7.5.2, 7.5.3: Every document with its current approved version (NULL columns when none is approved) and the date its review is due.';
GRANT SELECT ON iso28000.document_current TO PUBLIC;
COMMENT ON COLUMN iso28000.document_current.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.document_current.document_id IS 'The document.';
COMMENT ON COLUMN iso28000.document_current.code IS 'Document code.';
COMMENT ON COLUMN iso28000.document_current.title IS 'Document title.';
COMMENT ON COLUMN iso28000.document_current.doc_type IS 'Document type.';
COMMENT ON COLUMN iso28000.document_current.classification IS 'Classification.';
COMMENT ON COLUMN iso28000.document_current.owner_id IS 'Owner (person).';
COMMENT ON COLUMN iso28000.document_current.owner_name IS 'Owner''s name.';
COMMENT ON COLUMN iso28000.document_current.document_version_id IS 'The approved version, NULL if none.';
COMMENT ON COLUMN iso28000.document_current.version_label IS 'Label of the approved version.';
COMMENT ON COLUMN iso28000.document_current.approved_on IS 'When the current version was approved.';
COMMENT ON COLUMN iso28000.document_current.effective_on IS 'When the current version took effect.';
COMMENT ON COLUMN iso28000.document_current.review_due_on IS
  'next_review_on if set, else approval date plus the review interval (the document''s, or the organisation''s default).';

CREATE VIEW iso28000.document_review_overdue WITH (security_invoker = true) AS
SELECT c.org_id, c.document_id, c.code, c.title, c.owner_id, c.owner_name,
       c.version_label, c.approved_on, c.review_due_on,
       current_date - c.review_due_on AS days_overdue
  FROM iso28000.document_current c
 WHERE c.review_due_on < current_date
   AND c.document_version_id IS NOT NULL;

COMMENT ON VIEW iso28000.document_review_overdue IS
  'ISO 28000 7.5.2, 7.5.3: Documents in force (with an approved version) whose review date has passed.';
GRANT SELECT ON iso28000.document_review_overdue TO PUBLIC;
COMMENT ON COLUMN iso28000.document_review_overdue.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.document_review_overdue.document_id IS 'The document.';
COMMENT ON COLUMN iso28000.document_review_overdue.code IS 'Document code.';
COMMENT ON COLUMN iso28000.document_review_overdue.title IS 'Document title.';
COMMENT ON COLUMN iso28000.document_review_overdue.owner_id IS 'Owner (person) who must review it.';
COMMENT ON COLUMN iso28000.document_review_overdue.owner_name IS 'Owner''s name.';
COMMENT ON COLUMN iso28000.document_review_overdue.version_label IS 'The approved version in force.';
COMMENT ON COLUMN iso28000.document_review_overdue.approved_on IS 'When it was approved.';
COMMENT ON COLUMN iso28000.document_review_overdue.review_due_on IS 'When its review was due.';
COMMENT ON COLUMN iso28000.document_review_overdue.days_overdue IS 'Days since the review date.';
/*
 * sql/clauses/clause08a_controls.sql
 *		ISO 28000 8.4 and 8.5: security controls, the treatments that link
 *		risks to controls, and the tests of controls with their results.  The
 *		supply-chain registers (clause08b_*.sql) refer to control for the
 *		controls applied upstream or downstream at a node.
 */

-- 8.4 Security controls.
CREATE TABLE iso28000.control (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    control_id     bigint GENERATED ALWAYS AS IDENTITY,
    code           text NOT NULL CONSTRAINT control_code_present CHECK (btrim(code) <> ''),
    title          text NOT NULL CONSTRAINT control_title_present CHECK (btrim(title) <> ''),
    description    text,
    control_type   text NOT NULL CONSTRAINT control_type_valid CHECK (control_type IN
                     ('preventive', 'detective', 'corrective', 'deterrent', 'recovery', 'compensating')),
    nature         text NOT NULL CONSTRAINT control_nature_valid CHECK (nature IN
                     ('physical', 'technical', 'procedural', 'personnel', 'contractual')),
    owner_id       bigint,
    sms_process_id bigint,
    test_interval  interval CONSTRAINT control_test_interval_positive CHECK (test_interval > interval '0'),
    implemented_on date,
    retired_on     date,
    PRIMARY KEY (org_id, control_id),
    CONSTRAINT control_code_unique UNIQUE (org_id, code),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
    CONSTRAINT control_retired_after_implemented CHECK (retired_on >= implemented_on)
);
SELECT iso28000.register_table('iso28000.control');
COMMENT ON TABLE iso28000.control IS
  'ISO 28000 8.4, 8.5: Security controls (physical, technical, procedural, personnel, contractual) that the organisation implements, with their owner and how often they are tested.';
COMMENT ON COLUMN iso28000.control.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.control.control_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.control.code IS 'The organisation''s code of the control (required, unique), for example PHY-03 or an ISO/IEC 27001 Annex A number.';
COMMENT ON COLUMN iso28000.control.title IS 'Name of the control (required).';
COMMENT ON COLUMN iso28000.control.description IS 'What the control does and how.';
COMMENT ON COLUMN iso28000.control.control_type IS 'preventive, detective, corrective, deterrent, recovery or compensating.';
COMMENT ON COLUMN iso28000.control.nature IS 'physical, technical, procedural, personnel or contractual.';
COMMENT ON COLUMN iso28000.control.owner_id IS 'Person who owns the control.';
COMMENT ON COLUMN iso28000.control.sms_process_id IS 'Process the control belongs to.';
COMMENT ON COLUMN iso28000.control.test_interval IS 'How often the control is tested (positive); NULL when not tested periodically.';
COMMENT ON COLUMN iso28000.control.implemented_on IS 'Date the control went into operation; NULL while planned.';
COMMENT ON COLUMN iso28000.control.retired_on IS 'Date the control was retired; not before implemented_on.';

-- 8.5 Treatments: which control treats which risk.
CREATE TABLE iso28000.risk_treatment (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    risk_treatment_id bigint GENERATED ALWAYS AS IDENTITY,
    risk_id           bigint NOT NULL,
    control_id        bigint NOT NULL,
    description       text,
    expected_effect   text CONSTRAINT risk_treatment_effect_valid CHECK (expected_effect IN
                        ('reduce_likelihood', 'reduce_consequence', 'reduce_both', 'transfer', 'exploit')),
    owner_id          bigint,
    resources         text,
    planned_on        date NOT NULL DEFAULT current_date,
    due_on            date,
    implemented_on    date,
    cancelled_on      date,
    PRIMARY KEY (org_id, risk_treatment_id),
    CONSTRAINT risk_treatment_pair_unique UNIQUE (org_id, risk_id, control_id),
    FOREIGN KEY (org_id, risk_id) REFERENCES iso28000.risk (org_id, risk_id),
    FOREIGN KEY (org_id, control_id) REFERENCES iso28000.control (org_id, control_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT risk_treatment_due_after_planned CHECK (due_on >= planned_on),
    CONSTRAINT risk_treatment_implemented_after_planned CHECK (implemented_on >= planned_on),
    CONSTRAINT risk_treatment_cancelled_after_planned CHECK (cancelled_on >= planned_on),
    CONSTRAINT risk_treatment_not_implemented_and_cancelled CHECK (implemented_on IS NULL OR cancelled_on IS NULL)
);
SELECT iso28000.register_table('iso28000.risk_treatment');
CREATE INDEX risk_treatment_control ON iso28000.risk_treatment (org_id, control_id);
COMMENT ON TABLE iso28000.risk_treatment IS
  'ISO 28000 6.1.3, 8.3, 8.5.1, 8.5.3: Risk treatments: the control that treats a risk, with owner, resources (8.5.2), due date and implementation.';
COMMENT ON COLUMN iso28000.risk_treatment.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_treatment.risk_treatment_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.risk_treatment.risk_id IS 'The risk (or opportunity) treated.';
COMMENT ON COLUMN iso28000.risk_treatment.control_id IS 'The control that treats it; one row per risk and control.';
COMMENT ON COLUMN iso28000.risk_treatment.description IS 'How the control is applied to this risk.';
COMMENT ON COLUMN iso28000.risk_treatment.expected_effect IS 'reduce_likelihood, reduce_consequence, reduce_both, transfer or exploit.';
COMMENT ON COLUMN iso28000.risk_treatment.owner_id IS 'Person responsible for the treatment.';
COMMENT ON COLUMN iso28000.risk_treatment.resources IS 'Resources required (8.5.2).';
COMMENT ON COLUMN iso28000.risk_treatment.planned_on IS 'Date the treatment was planned.';
COMMENT ON COLUMN iso28000.risk_treatment.due_on IS 'Date it must be implemented; not before planned_on.';
COMMENT ON COLUMN iso28000.risk_treatment.implemented_on IS 'Date it was implemented; not before planned_on.';
COMMENT ON COLUMN iso28000.risk_treatment.cancelled_on IS 'Date it was cancelled; never together with implemented_on.';

-- 8.4, 9.1 Tests of controls and their results.
CREATE TABLE iso28000.control_test (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    control_test_id bigint GENERATED ALWAYS AS IDENTITY,
    control_id      bigint NOT NULL,
    tested_on       date NOT NULL,
    tester_id       bigint,
    method          text NOT NULL CONSTRAINT control_test_method_valid CHECK (method IN
                      ('inspection', 'observation', 'reperformance', 'inquiry', 'walkthrough', 'simulation', 'exercise')),
    result          text NOT NULL CONSTRAINT control_test_result_valid CHECK (result IN
                      ('effective', 'partially_effective', 'ineffective')),
    findings        text,
    sample_size     integer CONSTRAINT control_test_sample_positive CHECK (sample_size > 0),
    exceptions      integer CONSTRAINT control_test_exceptions_not_negative CHECK (exceptions >= 0),
    next_test_on    date,
    PRIMARY KEY (org_id, control_test_id),
    FOREIGN KEY (org_id, control_id) REFERENCES iso28000.control (org_id, control_id),
    FOREIGN KEY (org_id, tester_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT control_test_findings_present CHECK (result = 'effective' OR btrim(coalesce(findings, '')) <> ''),
    CONSTRAINT control_test_exceptions_within_sample CHECK (exceptions <= sample_size),
    CONSTRAINT control_test_next_after_tested CHECK (next_test_on > tested_on)
);
SELECT iso28000.register_table('iso28000.control_test');
CREATE INDEX control_test_latest ON iso28000.control_test (org_id, control_id, tested_on DESC);
COMMENT ON TABLE iso28000.control_test IS
  'ISO 28000 8.4, 9.1: Tests of security controls: method, sample, exceptions, result and findings.';
COMMENT ON COLUMN iso28000.control_test.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.control_test.control_test_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.control_test.control_id IS 'The control tested.';
COMMENT ON COLUMN iso28000.control_test.tested_on IS 'Date of the test.';
COMMENT ON COLUMN iso28000.control_test.tester_id IS 'Person who tested.';
COMMENT ON COLUMN iso28000.control_test.method IS 'inspection, observation, reperformance, inquiry, walkthrough, simulation or exercise.';
COMMENT ON COLUMN iso28000.control_test.result IS 'effective, partially_effective or ineffective.';
COMMENT ON COLUMN iso28000.control_test.findings IS 'What was found; required unless the result is effective.';
COMMENT ON COLUMN iso28000.control_test.sample_size IS 'Number of items tested (positive).';
COMMENT ON COLUMN iso28000.control_test.exceptions IS 'Number of items that failed; not negative, not above the sample.';
COMMENT ON COLUMN iso28000.control_test.next_test_on IS 'Date of the next test, if set explicitly; after tested_on. Otherwise tested_on plus the control''s test_interval.';

-- 6.1.3, 8.5 Open risks that need a treatment and have none.
CREATE VIEW iso28000.risk_without_treatment WITH (security_invoker = true) AS
SELECT o.org_id, o.risk_id, o.reference, o.kind, o.title, o.owner_id, o.status, o.treatment,
       o.current_rating,
       CASE WHEN o.treatment IS NULL THEN 'no_decision' ELSE 'no_control' END AS reason
  FROM iso28000.open_risk o
 WHERE o.treatment IS NULL
    OR (o.treatment IN ('reduce', 'transfer', 'exploit')
        AND NOT EXISTS (SELECT FROM iso28000.risk_treatment t
                         WHERE t.org_id = o.org_id AND t.risk_id = o.risk_id
                           AND t.cancelled_on IS NULL));
COMMENT ON VIEW iso28000.risk_without_treatment IS
  'ISO 28000 6.1.3, 8.3, 8.5: Open risks and opportunities without a treatment: no treatment decision yet, or a decision to reduce, transfer or exploit with no live treatment linking a control.';
GRANT SELECT ON iso28000.risk_without_treatment TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_without_treatment.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_without_treatment.risk_id IS 'The risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_without_treatment.reference IS 'The organisation''s reference.';
COMMENT ON COLUMN iso28000.risk_without_treatment.kind IS 'risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_without_treatment.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.risk_without_treatment.owner_id IS 'Owner.';
COMMENT ON COLUMN iso28000.risk_without_treatment.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.risk_without_treatment.treatment IS 'Treatment decision, if taken.';
COMMENT ON COLUMN iso28000.risk_without_treatment.current_rating IS 'Residual rating if assessed, else inherent.';
COMMENT ON COLUMN iso28000.risk_without_treatment.reason IS 'no_decision (no treatment decided) or no_control (reduce, transfer or exploit decided but no live treatment).';

-- 8.4, 9.1 Controls in operation whose test is due or was never done.
CREATE VIEW iso28000.control_test_due WITH (security_invoker = true) AS
SELECT c.org_id, c.control_id, c.code, c.title, c.owner_id,
       t.tested_on AS last_tested_on, t.result AS last_result,
       coalesce(t.next_test_on, (t.tested_on + c.test_interval)::date) AS next_test_on,
       CASE WHEN t.tested_on IS NULL THEN 'never_tested' ELSE 'overdue' END AS reason
  FROM iso28000.control c
  LEFT JOIN LATERAL (
        SELECT ct.tested_on, ct.result, ct.next_test_on
          FROM iso28000.control_test ct
         WHERE ct.org_id = c.org_id AND ct.control_id = c.control_id
         ORDER BY ct.tested_on DESC, ct.control_test_id DESC
         LIMIT 1) t ON true
 WHERE c.implemented_on IS NOT NULL AND c.retired_on IS NULL
   AND (c.test_interval IS NOT NULL OR t.next_test_on IS NOT NULL)
   AND (t.tested_on IS NULL OR coalesce(t.next_test_on, (t.tested_on + c.test_interval)::date) < current_date);
COMMENT ON VIEW iso28000.control_test_due IS
  'ISO 28000 8.4, 9.1: Controls in operation that are tested periodically and whose test is overdue or was never done.';
GRANT SELECT ON iso28000.control_test_due TO PUBLIC;
COMMENT ON COLUMN iso28000.control_test_due.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.control_test_due.control_id IS 'The control.';
COMMENT ON COLUMN iso28000.control_test_due.code IS 'Code of the control.';
COMMENT ON COLUMN iso28000.control_test_due.title IS 'Name of the control.';
COMMENT ON COLUMN iso28000.control_test_due.owner_id IS 'Owner of the control.';
COMMENT ON COLUMN iso28000.control_test_due.last_tested_on IS 'Date of the latest test; NULL when never tested.';
COMMENT ON COLUMN iso28000.control_test_due.last_result IS 'Result of the latest test.';
COMMENT ON COLUMN iso28000.control_test_due.next_test_on IS 'When the next test was due; NULL when never tested.';
COMMENT ON COLUMN iso28000.control_test_due.reason IS 'never_tested or overdue.';

/*
 * The risk workflow (ISO 28000 6.1.3, 8.3), through the workflow engine
 * (sql/core/07_workflow.sql):
 *
 *   identified -> assessed -> treatment_planned -> treated -> accepted
 *        |            |  \______________________________/^      |
 *        |            \________________ accepted ________/       |
 *        +------------+-- closed <------------------------------+  (from any open state)
 *
 * assessed needs the inherent rating, an owner and the assessment date;
 * treatment_planned needs the treatment decision and a review date, and for
 * reduce, transfer or exploit at least one live treatment linking a control;
 * treated needs the residual rating and every live treatment implemented;
 * accepted needs the acceptance recorded by the accepting person, who holds a
 * role with the authority to accept risks of the rating's band
 * (may_accept_risk); closed needs the closing date and freezes the record
 * until a manager reopens it.  treated, accepted -> assessed re-assess.
 */

-- Guard of treatment_planned: reduce, transfer and exploit need a live treatment.
CREATE FUNCTION iso28000.risk_treatment_planned_guard(r iso28000.risk, from_state text, to_state text) RETURNS text
  LANGUAGE sql VOLATILE
  RETURN CASE
           WHEN r.treatment IN ('reduce', 'transfer', 'exploit')
                AND NOT EXISTS (SELECT FROM iso28000.risk_treatment t
                                 WHERE t.org_id = r.org_id AND t.risk_id = r.risk_id AND t.cancelled_on IS NULL)
           THEN format('a live treatment linking a control (risk_treatment) for the decision to %s', r.treatment)
         END;
COMMENT ON FUNCTION iso28000.risk_treatment_planned_guard(iso28000.risk, text, text) IS
  'Workflow guard of risk -> treatment_planned: a decision to reduce, transfer or exploit needs at least one live risk_treatment.';

-- Guard of treated: every live treatment of the risk is implemented.
CREATE FUNCTION iso28000.risk_treated_guard(r iso28000.risk, from_state text, to_state text) RETURNS text
  LANGUAGE sql VOLATILE
  RETURN (SELECT format('every live treatment implemented (%s of %s are not)', count(*) FILTER (WHERE t.implemented_on IS NULL), count(*))
            FROM iso28000.risk_treatment t
           WHERE t.org_id = r.org_id AND t.risk_id = r.risk_id AND t.cancelled_on IS NULL
          HAVING count(*) FILTER (WHERE t.implemented_on IS NULL) > 0);
COMMENT ON FUNCTION iso28000.risk_treated_guard(iso28000.risk, text, text) IS
  'Workflow guard of risk -> treated: every live risk_treatment of the risk has its implemented_on.';

-- Guard of accepted: the acceptor is the acting person and holds the authority.
CREATE FUNCTION iso28000.risk_acceptance_guard(r iso28000.risk, from_state text, to_state text) RETURNS text
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  rating iso28000.risk_rating := coalesce(r.residual_rating, r.inherent_rating);
BEGIN
  IF r.accepted_by IS DISTINCT FROM iso28000.current_person(r.org_id) THEN
    RETURN format('acceptance recorded by the accepting person: accepted_by must be the person of role "%s"', current_user);
  END IF;
  IF NOT iso28000.may_accept_risk(r.org_id, r.accepted_by, rating, r.accepted_on) THEN
    RETURN format('acceptance by a person holding a role with the authority to accept %s risks (person %s has none on %s)',
                  coalesce(iso28000.band(r.org_id, rating), 'unrated'), r.accepted_by, r.accepted_on);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.risk_acceptance_guard(iso28000.risk, text, text) IS
  'Workflow guard of risk -> accepted: accepted_by is the person of the current role, and holds on accepted_on a role that may accept risks of the current rating''s band (may_accept_risk).';

INSERT INTO iso28000.workflow (workflow, description)
VALUES ('risk', 'ISO 28000 6.1.3, 8.3: a risk or opportunity from identification through assessment and treatment to acceptance and closure.');

INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable, description) VALUES
  ('risk', 'identified',        true,  false, false, true,  'Recorded, not yet assessed; may still be deleted.'),
  ('risk', 'assessed',          false, false, false, false, 'Rated (inherent) with an owner.'),
  ('risk', 'treatment_planned', false, false, false, false, 'Treatment decided and, where it needs controls, planned.'),
  ('risk', 'treated',           false, false, false, false, 'Treatments implemented and residual rating assessed.'),
  ('risk', 'accepted',          false, false, false, false, 'Residual risk accepted by someone with the authority.'),
  ('risk', 'closed',            false, true,  true,  false, 'No longer relevant; frozen until reopened.');

INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level, guard, note) VALUES
  ('risk', 'identified',        'assessed',          'write', NULL, 'first assessment'),
  ('risk', 'assessed',          'treatment_planned', 'write', 'iso28000.risk_treatment_planned_guard(iso28000.risk, text, text)', 'treatment decided'),
  ('risk', 'assessed',          'accepted',          'write', 'iso28000.risk_acceptance_guard(iso28000.risk, text, text)', 'accepted without further treatment'),
  ('risk', 'treatment_planned', 'treated',           'write', 'iso28000.risk_treated_guard(iso28000.risk, text, text)', 'treatments implemented'),
  ('risk', 'treatment_planned', 'assessed',          'write', NULL, 'treatment decision revised'),
  ('risk', 'treated',           'accepted',          'write', 'iso28000.risk_acceptance_guard(iso28000.risk, text, text)', 'residual risk accepted'),
  ('risk', 'treated',           'assessed',          'write', NULL, 're-assessment'),
  ('risk', 'accepted',          'assessed',          'write', NULL, 're-assessment at review'),
  ('risk', 'identified',        'closed',            'write', NULL, 'not a risk after all'),
  ('risk', 'assessed',          'closed',            'write', NULL, 'no longer relevant'),
  ('risk', 'treatment_planned', 'closed',            'write', NULL, 'no longer relevant'),
  ('risk', 'treated',           'closed',            'write', NULL, 'no longer relevant'),
  ('risk', 'accepted',          'closed',            'write', NULL, 'no longer relevant'),
  ('risk', 'closed',            'assessed',          'manage', NULL, 'reopened by a manager');

INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description) VALUES
  ('risk', 'assessed',          'inherent_rating', 'the inherent rating'),
  ('risk', 'assessed',          'owner_id',        'the risk owner'),
  ('risk', 'assessed',          'assessed_on',     'the date of assessment'),
  ('risk', 'treatment_planned', 'inherent_rating', 'the inherent rating'),
  ('risk', 'treatment_planned', 'owner_id',        'the risk owner'),
  ('risk', 'treatment_planned', 'treatment',       'the treatment decision'),
  ('risk', 'treatment_planned', 'review_on',       'the next review date'),
  ('risk', 'treated',           'residual_rating', 'the residual rating'),
  ('risk', 'treated',           'owner_id',        'the risk owner'),
  ('risk', 'treated',           'treatment',       'the treatment decision'),
  ('risk', 'accepted',          'inherent_rating', 'the inherent rating'),
  ('risk', 'accepted',          'owner_id',        'the risk owner'),
  ('risk', 'accepted',          'accepted_by',     'the person who accepts the risk'),
  ('risk', 'accepted',          'accepted_on',     'the date of acceptance'),
  ('risk', 'accepted',          'review_on',       'the next review date'),
  ('risk', 'closed',            'closed_on',       'the closing date');

SELECT iso28000.attach_workflow('iso28000.risk', 'risk');
/*
 * sql/clauses/clause08b_operation.sql
 *
 * ISO 28000:2022 clauses 8.1 and 8.2, Operational planning and control and the
 * identification of processes and activities: activities of the SMS processes
 * (the process register itself is clause 4.4, iso28000.sms_process), the
 * supply-chain nodes and the dependency links between them, what processes
 * depend on, and the views over that graph: transitive dependencies both ways,
 * interdependencies (cycles) and single points of failure.
 *
 * Graph semantics, used by every view and function below:
 *   - supply_chain_dependency (node_id, depends_on_id): node_id needs depends_on_id.
 *   - criticality low < medium < high < critical.  A dependency of criticality
 *     critical is one without which the dependent cannot operate at all; lower
 *     criticalities degrade it but do not stop it.
 *   - Dependencies of one dependent that share an alternative_group are
 *     interchangeable: the need is met while any one of them is available.  A
 *     dependency with no alternative_group is a need on its own.
 *   - The criticality of a transitive dependency is that of its strongest path,
 *     where a path is as critical as its weakest link.
 */

------------------------------------------------------------------------------
-- Supply-chain nodes and their dependency links
------------------------------------------------------------------------------

-- Rank of a criticality label: low 1, medium 2, high 3, critical 4, else NULL.
-- Not STRICT, so that the planner inlines it (array_position is not strict).
CREATE FUNCTION iso28000.criticality_rank(criticality text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT array_position(ARRAY['low', 'medium', 'high', 'critical'], criticality) $$;

COMMENT ON FUNCTION iso28000.criticality_rank(text) IS
  'ISO 28000 8.2: Rank of a criticality label (low 1, medium 2, high 3, critical 4; NULL for anything else), to order and compare criticalities.';

-- Label of a criticality rank: the inverse of criticality_rank.
CREATE FUNCTION iso28000.criticality_label(rank integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (ARRAY['low', 'medium', 'high', 'critical'])[rank] $$;

COMMENT ON FUNCTION iso28000.criticality_label(integer) IS
  'ISO 28000 8.2: Label of a criticality rank (1 low, 2 medium, 3 high, 4 critical; NULL outside 1 to 4), the inverse of criticality_rank.';

CREATE TABLE iso28000.supply_chain_node (
  org_id      bigint  NOT NULL REFERENCES iso28000.organization,
  node_id     bigint  GENERATED ALWAYS AS IDENTITY,
  code        text    NOT NULL,
  name        text    NOT NULL,
  kind        text    NOT NULL,
  external    boolean NOT NULL DEFAULT false,
  country     text,
  location    text,
  description text,
  owner_id    bigint,
  active      boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, node_id),
  UNIQUE (org_id, code),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT supply_chain_node_code_check CHECK (btrim(code) <> ''),
  CONSTRAINT supply_chain_node_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT supply_chain_node_kind_check CHECK (kind IN ('supplier', 'manufacturer', 'site',
    'carrier', 'forwarder', 'warehouse', 'port', 'airport', 'border_crossing', 'customer',
    'service_provider', 'authority', 'other')),
  CONSTRAINT supply_chain_node_country_check CHECK (country ~ '^[A-Z]{2}$')
);
SELECT iso28000.register_table('iso28000.supply_chain_node');

COMMENT ON TABLE iso28000.supply_chain_node IS
  'ISO 28000 8.1, 8.2: Nodes of the supply chain: the organisation''s own sites and the suppliers, manufacturers, carriers, forwarders, warehouses, ports, customers, service providers and authorities it deals with. External nodes are providers or customers run by another party.';
COMMENT ON COLUMN iso28000.supply_chain_node.org_id IS 'The organisation whose supply chain this is.';
COMMENT ON COLUMN iso28000.supply_chain_node.node_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.supply_chain_node.code IS 'Short identification, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.supply_chain_node.name IS 'Name (required, not blank).';
COMMENT ON COLUMN iso28000.supply_chain_node.kind IS
  'supplier, manufacturer, site, carrier, forwarder, warehouse, port, airport, border_crossing, customer, service_provider, authority or other.';
COMMENT ON COLUMN iso28000.supply_chain_node.external IS
  'True when another party runs the node: the security requirements for providers apply to it.';
COMMENT ON COLUMN iso28000.supply_chain_node.country IS 'ISO 3166-1 alpha-2 country code (two capital letters).';
COMMENT ON COLUMN iso28000.supply_chain_node.location IS 'Address or coordinates.';
COMMENT ON COLUMN iso28000.supply_chain_node.description IS 'What the node does in the supply chain.';
COMMENT ON COLUMN iso28000.supply_chain_node.owner_id IS 'The person who manages the relationship or the site.';
COMMENT ON COLUMN iso28000.supply_chain_node.active IS 'False once the node has left the supply chain.';

CREATE TABLE iso28000.supply_chain_dependency (
  org_id            bigint NOT NULL REFERENCES iso28000.organization,
  dependency_id     bigint GENERATED ALWAYS AS IDENTITY,
  node_id           bigint NOT NULL,
  depends_on_id     bigint NOT NULL,
  criticality       text   NOT NULL DEFAULT 'medium',
  alternative_group text,
  flow              text   NOT NULL DEFAULT 'goods',
  description       text,
  PRIMARY KEY (org_id, dependency_id),
  UNIQUE (org_id, node_id, depends_on_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, depends_on_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  CONSTRAINT supply_chain_dependency_self_check CHECK (node_id <> depends_on_id),
  CONSTRAINT supply_chain_dependency_criticality_check
    CHECK (criticality IN ('low', 'medium', 'high', 'critical')),
  CONSTRAINT supply_chain_dependency_alternative_group_check CHECK (btrim(alternative_group) <> ''),
  CONSTRAINT supply_chain_dependency_flow_check CHECK (flow IN ('goods', 'service', 'transport',
    'information', 'utility', 'finance', 'other'))
);
SELECT iso28000.register_table('iso28000.supply_chain_dependency');

-- Walking the graph downstream needs the reverse direction indexed too.
CREATE INDEX supply_chain_dependency_reverse
  ON iso28000.supply_chain_dependency (org_id, depends_on_id, node_id);

COMMENT ON TABLE iso28000.supply_chain_dependency IS
  'ISO 28000 8.1, 8.2: Dependency links of the supply chain: node_id needs depends_on_id, with a criticality (critical: cannot operate without it) and an optional alternative_group (links of one node in the same group can replace each other).';
COMMENT ON COLUMN iso28000.supply_chain_dependency.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_dependency.dependency_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.supply_chain_dependency.node_id IS 'The dependent node (downstream end).';
COMMENT ON COLUMN iso28000.supply_chain_dependency.depends_on_id IS 'The node it depends on (upstream end); never node_id itself.';
COMMENT ON COLUMN iso28000.supply_chain_dependency.criticality IS
  'low, medium, high or critical; critical means the dependent cannot operate without it (or without an alternative of the same group).';
COMMENT ON COLUMN iso28000.supply_chain_dependency.alternative_group IS
  'Links of the same dependent with the same group are alternatives: the need is met while any one is available. NULL: the link is a need on its own.';
COMMENT ON COLUMN iso28000.supply_chain_dependency.flow IS 'What flows along the link: goods, service, transport, information, utility, finance or other.';
COMMENT ON COLUMN iso28000.supply_chain_dependency.description IS 'What exactly is needed.';

------------------------------------------------------------------------------
-- 8.2 Activities of the SMS processes, and what processes depend on
------------------------------------------------------------------------------

CREATE TABLE iso28000.activity (
  org_id      bigint NOT NULL REFERENCES iso28000.organization,
  activity_id bigint GENERATED ALWAYS AS IDENTITY,
  sms_process_id  bigint NOT NULL,
  name        text   NOT NULL,
  description text,
  owner_id    bigint,
  node_id     bigint,
  sequence_no integer,
  active      boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, activity_id),
  UNIQUE (org_id, sms_process_id, name),
  FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  CONSTRAINT activity_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT activity_sequence_no_check CHECK (sequence_no > 0)
);
SELECT iso28000.register_table('iso28000.activity');

COMMENT ON TABLE iso28000.activity IS
  'ISO 28000 8.1, 8.2: Activities of the SMS processes (the processes are in iso28000.sms_process, clause 4.4), where they are performed and who owns them.';
COMMENT ON COLUMN iso28000.activity.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.activity.activity_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.activity.sms_process_id IS 'The process the activity belongs to.';
COMMENT ON COLUMN iso28000.activity.name IS 'Name, unique within the process (required, not blank).';
COMMENT ON COLUMN iso28000.activity.description IS 'What is done, and the security-relevant controls applied.';
COMMENT ON COLUMN iso28000.activity.owner_id IS 'The person responsible for the activity.';
COMMENT ON COLUMN iso28000.activity.node_id IS 'The supply-chain node where it is performed.';
COMMENT ON COLUMN iso28000.activity.sequence_no IS 'Position in the process (positive).';
COMMENT ON COLUMN iso28000.activity.active IS 'False once the activity is no longer performed.';

CREATE TABLE iso28000.process_dependency (
  org_id                bigint NOT NULL REFERENCES iso28000.organization,
  process_dependency_id bigint GENERATED ALWAYS AS IDENTITY,
  sms_process_id            bigint NOT NULL,
  activity_id           bigint,
  node_id               bigint NOT NULL,
  criticality           text   NOT NULL DEFAULT 'medium',
  alternative_group     text,
  description           text,
  PRIMARY KEY (org_id, process_dependency_id),
  FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
  FOREIGN KEY (org_id, activity_id) REFERENCES iso28000.activity (org_id, activity_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  CONSTRAINT process_dependency_criticality_check
    CHECK (criticality IN ('low', 'medium', 'high', 'critical')),
  CONSTRAINT process_dependency_alternative_group_check CHECK (btrim(alternative_group) <> '')
);
SELECT iso28000.register_table('iso28000.process_dependency');

CREATE UNIQUE INDEX process_dependency_unique
  ON iso28000.process_dependency (org_id, sms_process_id, node_id, coalesce(activity_id, 0));

COMMENT ON TABLE iso28000.process_dependency IS
  'ISO 28000 8.1, 8.2: The supply-chain nodes a process (or one of its activities) depends on, with criticality and alternatives as in supply_chain_dependency. A process stops when one of its critical dependencies has lost every alternative.';
COMMENT ON COLUMN iso28000.process_dependency.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.process_dependency.process_dependency_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.process_dependency.sms_process_id IS 'The dependent process.';
COMMENT ON COLUMN iso28000.process_dependency.activity_id IS 'The activity of that process that needs the node, if the dependency is that specific.';
COMMENT ON COLUMN iso28000.process_dependency.node_id IS 'The node the process depends on.';
COMMENT ON COLUMN iso28000.process_dependency.criticality IS 'low, medium, high or critical (the process cannot run without it).';
COMMENT ON COLUMN iso28000.process_dependency.alternative_group IS 'Dependencies of the same process with the same group are alternatives; NULL: a need on its own.';
COMMENT ON COLUMN iso28000.process_dependency.description IS 'What the process needs from the node.';

-- The activity named in a process dependency must belong to that process.
CREATE FUNCTION iso28000.process_dependency_check_activity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.activity_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM iso28000.activity a
        WHERE a.org_id = NEW.org_id AND a.activity_id = NEW.activity_id
          AND a.sms_process_id = NEW.sms_process_id) THEN
    RAISE EXCEPTION 'activity % does not belong to process %', NEW.activity_id, NEW.sms_process_id
      USING ERRCODE = 'IS451',
            DETAIL = 'A process dependency may name an activity only of the same process.',
            HINT = 'Use the sms_process_id of the activity, or leave activity_id empty.';
  END IF;
  RETURN NEW;
END $$;

COMMENT ON FUNCTION iso28000.process_dependency_check_activity() IS
  'ISO 28000 8.2: Trigger function refusing (IS451) a process dependency whose activity belongs to another process.';

CREATE TRIGGER process_dependency_check_activity
  BEFORE INSERT OR UPDATE OF sms_process_id, activity_id ON iso28000.process_dependency
  FOR EACH ROW EXECUTE FUNCTION iso28000.process_dependency_check_activity();

-- The risk register (clause 6.1, 8.3) may name the supply-chain node at risk.
ALTER TABLE iso28000.risk
  ADD CONSTRAINT risk_node_fkey FOREIGN KEY (org_id, node_id)
  REFERENCES iso28000.supply_chain_node (org_id, node_id);

------------------------------------------------------------------------------
-- Transitive dependencies
------------------------------------------------------------------------------

-- The walk of src/supply_chain.c: every node reached from one node, with the strongest path's rank.
CREATE FUNCTION iso28000.supply_chain_reach(org_id bigint, node_id bigint, downstream boolean DEFAULT false,
                                            OUT reached_node_id bigint, OUT rank integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'supply_chain_reach' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION iso28000.supply_chain_reach(bigint, bigint, boolean) IS
  'ISO 28000 8.1, 8.2: Every node that the node depends on (downstream false) or that depends on it (downstream true), directly or transitively, once each, with the criticality rank (1 to 4) of the strongest path. A widest-path search in C that expands each node once: O(nodes + links), terminating on cycles; the node itself is listed when it lies on a cycle. Reads the links as the caller, through row-level security.';

-- Every node one node depends on, transitively, with the strongest path's criticality.
CREATE FUNCTION iso28000.node_upstream(org_id bigint, node_id bigint)
RETURNS TABLE (upstream_node_id bigint, criticality text)
LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
  SELECT r.reached_node_id, iso28000.criticality_label(r.rank)
    FROM iso28000.supply_chain_reach($1, $2, false) r
$$;

COMMENT ON FUNCTION iso28000.node_upstream(bigint, bigint) IS
  'ISO 28000 8.1, 8.2: Everything a node depends on, directly or transitively, each once, with the criticality of the strongest path. Terminates on cycles; the node itself is listed when it lies on a cycle.';

-- Every node that depends on one node, transitively, with the strongest path's criticality.
CREATE FUNCTION iso28000.node_downstream(org_id bigint, node_id bigint)
RETURNS TABLE (downstream_node_id bigint, criticality text)
LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
  SELECT r.reached_node_id, iso28000.criticality_label(r.rank)
    FROM iso28000.supply_chain_reach($1, $2, true) r
$$;

COMMENT ON FUNCTION iso28000.node_downstream(bigint, bigint) IS
  'ISO 28000 8.1, 8.2: Everything that depends on a node, directly or transitively, each once, with the criticality of the strongest path. Terminates on cycles; the node itself is listed when it lies on a cycle.';

CREATE VIEW iso28000.supply_chain_closure WITH (security_invoker = true) AS
WITH RECURSIVE reach (org_id, node_id, upstream_node_id, rank) AS (
  SELECT d.org_id, d.node_id, d.depends_on_id, iso28000.criticality_rank(d.criticality)
    FROM iso28000.supply_chain_dependency d
  UNION
  SELECT r.org_id, r.node_id, d.depends_on_id, least(r.rank, iso28000.criticality_rank(d.criticality))
    FROM reach r
    JOIN iso28000.supply_chain_dependency d
      ON d.org_id = r.org_id AND d.node_id = r.upstream_node_id
),
pair AS (
  SELECT r.org_id, r.node_id, r.upstream_node_id, max(r.rank) AS rank
    FROM reach r
   GROUP BY r.org_id, r.node_id, r.upstream_node_id
)
SELECT p.org_id, p.node_id, p.upstream_node_id,
       iso28000.criticality_label(p.rank) AS criticality,
       d.dependency_id IS NOT NULL AS direct,
       back.node_id IS NOT NULL AS interdependent
  FROM pair p
  LEFT JOIN iso28000.supply_chain_dependency d
    ON d.org_id = p.org_id AND d.node_id = p.node_id AND d.depends_on_id = p.upstream_node_id
  LEFT JOIN pair back
    ON back.org_id = p.org_id AND back.node_id = p.upstream_node_id
   AND back.upstream_node_id = p.node_id;

COMMENT ON VIEW iso28000.supply_chain_closure IS
  'ISO 28000 8.1, 8.2: Transitive closure of the supply chain: one row per node and every node it depends on, directly or through others (read by upstream_node_id for everything that depends on a node). Terminates on cycles and flags interdependencies. For one node, node_upstream() and node_downstream() are faster.';
GRANT SELECT ON iso28000.supply_chain_closure TO PUBLIC;
COMMENT ON COLUMN iso28000.supply_chain_closure.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_closure.node_id IS 'The dependent node.';
COMMENT ON COLUMN iso28000.supply_chain_closure.upstream_node_id IS 'A node it depends on, directly or transitively (itself when it lies on a cycle).';
COMMENT ON COLUMN iso28000.supply_chain_closure.criticality IS 'Criticality of the strongest path from node to upstream node (a path is as critical as its weakest link).';
COMMENT ON COLUMN iso28000.supply_chain_closure.direct IS 'True when a direct dependency link exists.';
COMMENT ON COLUMN iso28000.supply_chain_closure.interdependent IS 'True when the upstream node also depends on the node, i.e. both lie on one cycle.';

CREATE VIEW iso28000.supply_chain_interdependency WITH (security_invoker = true) AS
SELECT c.org_id, c.node_id, n.code AS node_code, n.name AS node_name,
       c.upstream_node_id AS interdependent_node_id, u.code AS interdependent_node_code,
       u.name AS interdependent_node_name, c.criticality
  FROM iso28000.supply_chain_closure c
  JOIN iso28000.supply_chain_node n ON n.org_id = c.org_id AND n.node_id = c.node_id
  JOIN iso28000.supply_chain_node u ON u.org_id = c.org_id AND u.node_id = c.upstream_node_id
 WHERE c.interdependent;

COMMENT ON VIEW iso28000.supply_chain_interdependency IS
  'ISO 28000 8.1, 8.2: Interdependencies: pairs of nodes that depend on each other through a cycle of dependency links (each pair in both orders; a node paired with itself lies on a cycle).';
GRANT SELECT ON iso28000.supply_chain_interdependency TO PUBLIC;
COMMENT ON COLUMN iso28000.supply_chain_interdependency.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.node_id IS 'A node on a cycle.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.interdependent_node_id IS 'A node it depends on that also depends on it.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.interdependent_node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.interdependent_node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.criticality IS 'Criticality of the strongest path from the node to the interdependent node.';

------------------------------------------------------------------------------
-- Single points of failure
------------------------------------------------------------------------------

-- Nodes and processes that stop when the given nodes are lost, by propagation over critical needs.
CREATE FUNCTION iso28000.node_loss_impact(org_id bigint, lost_node_ids bigint[])
RETURNS TABLE (kind text, id bigint)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE
  failed bigint[] := lost_node_ids;
  added  bigint[];
BEGIN
  -- A node fails once any of its critical needs has lost every alternative.
  LOOP
    SELECT array_agg(DISTINCT g.node_id) INTO added
      FROM (SELECT d.node_id
              FROM iso28000.supply_chain_dependency d
             WHERE d.org_id = node_loss_impact.org_id
               AND NOT d.node_id = ANY (failed)
             GROUP BY d.node_id, d.alternative_group,
                      CASE WHEN d.alternative_group IS NULL THEN d.dependency_id END
            HAVING bool_or(d.criticality = 'critical')
               AND bool_and(d.depends_on_id = ANY (failed))) g;
    EXIT WHEN added IS NULL;
    failed := failed || added;
  END LOOP;

  RETURN QUERY SELECT 'node'::text, f FROM unnest(failed) AS f;
  RETURN QUERY
    SELECT DISTINCT 'process'::text, g.sms_process_id
      FROM (SELECT pd.sms_process_id
              FROM iso28000.process_dependency pd
             WHERE pd.org_id = node_loss_impact.org_id
             GROUP BY pd.sms_process_id, pd.alternative_group,
                      CASE WHEN pd.alternative_group IS NULL THEN pd.process_dependency_id END
            HAVING bool_or(pd.criticality = 'critical')
               AND bool_and(pd.node_id = ANY (failed))) g;
END $$;

COMMENT ON FUNCTION iso28000.node_loss_impact(bigint, bigint[]) IS
  'ISO 28000 8.1, 8.2, 8.6: What stops when the given nodes are lost: kind node for every node that can no longer operate (the lost ones included), kind process for every process cut. A node or process stops when one of its critical needs has lost every alternative; failure propagates until nothing more stops, so cycles terminate.';

-- Every (node, critical process) pair where losing that node alone cuts the process.
CREATE FUNCTION iso28000.single_points_of_failure(org_id bigint)
RETURNS TABLE (node_id bigint, sms_process_id bigint, nodes_lost integer)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE
  candidate bigint;
  lost      integer;
  cut       bigint[];
BEGIN
  -- Only nodes at the providing end of a critical link can start a failure.
  FOR candidate IN
    SELECT d.depends_on_id FROM iso28000.supply_chain_dependency d
     WHERE d.org_id = single_points_of_failure.org_id AND d.criticality = 'critical'
    UNION
    SELECT pd.node_id FROM iso28000.process_dependency pd
     WHERE pd.org_id = single_points_of_failure.org_id AND pd.criticality = 'critical'
    ORDER BY 1
  LOOP
    SELECT count(*) FILTER (WHERE i.kind = 'node'), array_agg(i.id) FILTER (WHERE i.kind = 'process')
      INTO lost, cut
      FROM iso28000.node_loss_impact(single_points_of_failure.org_id, ARRAY[candidate]) i;
    RETURN QUERY
      SELECT candidate, p.sms_process_id, lost
        FROM iso28000.sms_process p
       WHERE p.org_id = single_points_of_failure.org_id AND p.sms_process_id = ANY (cut)
         AND p.critical AND p.retired_on IS NULL
       ORDER BY p.sms_process_id;
  END LOOP;
END $$;

COMMENT ON FUNCTION iso28000.single_points_of_failure(bigint) IS
  'ISO 28000 8.1, 8.2: For one organisation, every node whose loss alone cuts a critical process in use (sms_process.critical, not retired), with the number of nodes that stop with it. Built for SMS-sized graphs (thousands of nodes); see node_loss_impact for the rules.';

CREATE VIEW iso28000.single_point_of_failure WITH (security_invoker = true) AS
SELECT o.org_id, s.node_id, n.code AS node_code, n.name AS node_name, n.kind AS node_kind,
       n.external, s.sms_process_id, p.name AS process_name, s.nodes_lost
  FROM iso28000.organization o
 CROSS JOIN LATERAL iso28000.single_points_of_failure(o.org_id) s
  JOIN iso28000.supply_chain_node n ON n.org_id = o.org_id AND n.node_id = s.node_id
  JOIN iso28000.sms_process p ON p.org_id = o.org_id AND p.sms_process_id = s.sms_process_id;

COMMENT ON VIEW iso28000.single_point_of_failure IS
  'ISO 28000 8.1, 8.2: Single points of failure: the supply-chain nodes whose loss alone cuts a critical process (sms_process.critical), directly or through the nodes that stop with them, because no alternative remains.';
GRANT SELECT ON iso28000.single_point_of_failure TO PUBLIC;
COMMENT ON COLUMN iso28000.single_point_of_failure.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.single_point_of_failure.node_id IS 'The node whose loss cuts the process.';
COMMENT ON COLUMN iso28000.single_point_of_failure.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.single_point_of_failure.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.single_point_of_failure.node_kind IS 'Its kind (supplier, carrier, site...).';
COMMENT ON COLUMN iso28000.single_point_of_failure.external IS 'True when another party runs the node.';
COMMENT ON COLUMN iso28000.single_point_of_failure.sms_process_id IS 'The process cut.';
COMMENT ON COLUMN iso28000.single_point_of_failure.process_name IS 'Its name.';
COMMENT ON COLUMN iso28000.single_point_of_failure.nodes_lost IS 'How many nodes stop when this node is lost (itself included).';
/*
 * sql/clauses/clause08c_security_plans.sql
 *
 * ISO 28000:2022 clause 8.6, Security plans: the plans with their response
 * structure (8.6.2), warning and communication (8.6.3), content (8.6.4) and
 * recovery (8.6.5), the exercises that test them with outcomes and lessons, and
 * the view of plans never exercised or not exercised within the period the
 * organisation sets (operation_setting.exercise_interval).
 */

CREATE TABLE iso28000.security_plan (
  org_id                bigint NOT NULL REFERENCES iso28000.organization,
  security_plan_id      bigint GENERATED ALWAYS AS IDENTITY,
  title                 text   NOT NULL,
  scenario              text   NOT NULL,
  status                text   NOT NULL DEFAULT 'draft',
  owner_id              bigint NOT NULL,
  node_id               bigint,
  sms_process_id            bigint,
  document_id           bigint,
  activation_criteria   text,
  response_structure    text   NOT NULL,
  warning_communication text   NOT NULL,
  content               text   NOT NULL,
  recovery              text   NOT NULL,
  approved_on           date,
  next_review_on        date,
  PRIMARY KEY (org_id, security_plan_id),
  UNIQUE (org_id, title),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
  FOREIGN KEY (org_id, document_id) REFERENCES iso28000.document (org_id, document_id),
  CONSTRAINT security_plan_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT security_plan_scenario_check CHECK (btrim(scenario) <> ''),
  CONSTRAINT security_plan_status_check CHECK (status IN ('draft', 'active', 'retired')),
  CONSTRAINT security_plan_response_structure_check CHECK (btrim(response_structure) <> ''),
  CONSTRAINT security_plan_warning_communication_check CHECK (btrim(warning_communication) <> ''),
  CONSTRAINT security_plan_content_check CHECK (btrim(content) <> ''),
  CONSTRAINT security_plan_recovery_check CHECK (btrim(recovery) <> ''),
  CONSTRAINT security_plan_active_check CHECK (status = 'draft' OR approved_on IS NOT NULL),
  CONSTRAINT security_plan_review_check CHECK (next_review_on > approved_on)
);
SELECT iso28000.register_table('iso28000.security_plan');

COMMENT ON TABLE iso28000.security_plan IS
  'ISO 28000 8.6.1, 8.6.2, 8.6.3, 8.6.4, 8.6.5: Security plans for the disruptions and security incidents the risk assessment identified: response structure, warning and communication, content (the actions) and recovery. An active or retired plan has been approved.';
COMMENT ON COLUMN iso28000.security_plan.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_plan.security_plan_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.security_plan.title IS 'Title, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.scenario IS 'The security incident, threat or disruption the plan responds to (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.status IS 'draft, active (approved and in force) or retired.';
COMMENT ON COLUMN iso28000.security_plan.owner_id IS 'The person accountable for the plan.';
COMMENT ON COLUMN iso28000.security_plan.node_id IS 'The supply-chain node the plan covers, if it is specific to one.';
COMMENT ON COLUMN iso28000.security_plan.sms_process_id IS 'The process the plan covers, if it is specific to one.';
COMMENT ON COLUMN iso28000.security_plan.document_id IS 'The controlled document (7.5) holding the full plan.';
COMMENT ON COLUMN iso28000.security_plan.activation_criteria IS 'When and by whom the plan is activated.';
COMMENT ON COLUMN iso28000.security_plan.response_structure IS '8.6.2: the response structure: teams, roles, authority, competence (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.warning_communication IS '8.6.3: how warnings are detected and given and who is told what, internally and externally (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.content IS '8.6.4: the actions to take, in order, and the resources they need (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.recovery IS '8.6.5: how operations return to normal, and the conditions to stand down (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.approved_on IS 'Day the plan was approved; required unless the plan is a draft.';
COMMENT ON COLUMN iso28000.security_plan.next_review_on IS 'Next review date (after approved_on).';

CREATE TABLE iso28000.plan_exercise (
  org_id           bigint NOT NULL REFERENCES iso28000.organization,
  exercise_id      bigint GENERATED ALWAYS AS IDENTITY,
  security_plan_id bigint NOT NULL,
  kind             text   NOT NULL,
  planned_on       date,
  held_on          date,
  lead_id          bigint,
  objectives       text   NOT NULL,
  participants     text,
  outcome          text,
  findings         text,
  lessons          text,
  PRIMARY KEY (org_id, exercise_id),
  FOREIGN KEY (org_id, security_plan_id) REFERENCES iso28000.security_plan (org_id, security_plan_id),
  FOREIGN KEY (org_id, lead_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT plan_exercise_kind_check CHECK (kind IN ('walkthrough', 'tabletop', 'simulation',
    'drill', 'full_scale', 'activation')),
  CONSTRAINT plan_exercise_objectives_check CHECK (btrim(objectives) <> ''),
  CONSTRAINT plan_exercise_when_check CHECK (planned_on IS NOT NULL OR held_on IS NOT NULL),
  CONSTRAINT plan_exercise_outcome_check CHECK (outcome IN ('effective', 'partially_effective',
    'ineffective')),
  CONSTRAINT plan_exercise_held_outcome_check CHECK ((held_on IS NULL) = (outcome IS NULL)),
  CONSTRAINT plan_exercise_future_check CHECK (held_on <= current_date),
  CONSTRAINT plan_exercise_lessons_check CHECK (outcome = 'effective' OR coalesce(btrim(lessons), '') <> '')
);
SELECT iso28000.register_table('iso28000.plan_exercise');

COMMENT ON TABLE iso28000.plan_exercise IS
  'ISO 28000 8.6.1, 9.1: Exercises and tests of security plans (and real activations), with outcome, findings and lessons. Held exercises have an outcome; a plan that was not fully effective records its lessons.';
COMMENT ON COLUMN iso28000.plan_exercise.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.plan_exercise.exercise_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.plan_exercise.security_plan_id IS 'The plan exercised.';
COMMENT ON COLUMN iso28000.plan_exercise.kind IS 'walkthrough, tabletop, simulation, drill, full_scale, or activation (the plan was used for real).';
COMMENT ON COLUMN iso28000.plan_exercise.planned_on IS 'Day it is planned for; planned_on or held_on is required.';
COMMENT ON COLUMN iso28000.plan_exercise.held_on IS 'Day it was held (not in the future); NULL while only planned.';
COMMENT ON COLUMN iso28000.plan_exercise.lead_id IS 'Who led it.';
COMMENT ON COLUMN iso28000.plan_exercise.objectives IS 'What the exercise tests (required, not blank).';
COMMENT ON COLUMN iso28000.plan_exercise.participants IS 'Who took part, including external parties.';
COMMENT ON COLUMN iso28000.plan_exercise.outcome IS 'effective, partially_effective or ineffective; required exactly when held_on is set.';
COMMENT ON COLUMN iso28000.plan_exercise.findings IS 'What was observed.';
COMMENT ON COLUMN iso28000.plan_exercise.lessons IS 'Lessons learned and changes to make; required unless the outcome was effective.';

CREATE VIEW iso28000.security_plan_exercise_due WITH (security_invoker = true) AS
SELECT p.org_id, p.security_plan_id, p.title, p.status, p.owner_id, o.full_name AS owner_name,
       last.held_on AS last_exercised_on, last.outcome AS last_outcome,
       (last.held_on + s.exercise_interval)::date AS due_on,
       CASE WHEN last.held_on IS NULL THEN 'never_exercised' ELSE 'overdue' END AS reason,
       current_date - (last.held_on + s.exercise_interval)::date AS days_overdue
  FROM iso28000.security_plan p
  JOIN iso28000.person o ON o.org_id = p.org_id AND o.person_id = p.owner_id
  JOIN iso28000.operation_settings s ON s.org_id = p.org_id
  LEFT JOIN LATERAL (
    SELECT e.held_on, e.outcome
      FROM iso28000.plan_exercise e
     WHERE e.org_id = p.org_id AND e.security_plan_id = p.security_plan_id
       AND e.held_on IS NOT NULL
     ORDER BY e.held_on DESC, e.exercise_id DESC
     LIMIT 1) last ON true
 WHERE p.status = 'active'
   AND (last.held_on IS NULL OR last.held_on + s.exercise_interval < current_date);

COMMENT ON VIEW iso28000.security_plan_exercise_due IS
  'ISO 28000 8.6.1: Active security plans never exercised, or whose last exercise is older than the organisation''s exercise interval (operation_settings.exercise_interval).';
GRANT SELECT ON iso28000.security_plan_exercise_due TO PUBLIC;
COMMENT ON COLUMN iso28000.security_plan_exercise_due.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.security_plan_id IS 'The plan.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.title IS 'Its title.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.status IS 'Its status (always active here).';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.owner_id IS 'Its owner.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.owner_name IS 'The owner''s name.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.last_exercised_on IS 'Day of the last exercise held, NULL if never.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.last_outcome IS 'Outcome of that exercise.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.due_on IS 'Day the next exercise was due, NULL if never exercised.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.reason IS 'never_exercised or overdue.';
COMMENT ON COLUMN iso28000.security_plan_exercise_due.days_overdue IS 'Days since due_on, NULL if never exercised.';
/*
 * sql/clauses/clause08d_assurance.sql
 *
 * Supply-chain assurance (ISO 28000:2022 8.1, externally provided processes,
 * products and services, and 8.4 controls applied along the chain): the security
 * requirements an organisation sets for its providers as a condition of being
 * in its supply chain, each provider's evidence with its validity, periodic
 * provider assessments, the controls applied upstream or downstream at a node,
 * and the views of providers that fall short and of the critical dependencies
 * on them.
 *
 * A provider is an external supply_chain_node.  A requirement applies to every
 * active provider whose kind it lists (all kinds when it lists none) and, when
 * it sets min_criticality, on which something depends directly at least that
 * critically.
 */

CREATE TABLE iso28000.security_requirement (
  org_id            bigint  NOT NULL REFERENCES iso28000.organization,
  requirement_id    bigint  GENERATED ALWAYS AS IDENTITY,
  code              text    NOT NULL,
  title             text    NOT NULL,
  kind              text    NOT NULL,
  description       text,
  applies_to_kinds  text[],
  min_criticality   text,
  min_score         numeric(5,2),
  active            boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, requirement_id),
  UNIQUE (org_id, code),
  CONSTRAINT security_requirement_code_check CHECK (btrim(code) <> ''),
  CONSTRAINT security_requirement_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT security_requirement_kind_check CHECK (kind IN ('certification',
    'authorised_operator', 'contract_clause', 'assessment_score', 'other')),
  CONSTRAINT security_requirement_applies_check CHECK (applies_to_kinds <@ ARRAY['supplier',
    'manufacturer', 'site', 'carrier', 'forwarder', 'warehouse', 'port', 'airport',
    'border_crossing', 'customer', 'service_provider', 'authority', 'other']::text[]
    AND cardinality(applies_to_kinds) > 0),
  CONSTRAINT security_requirement_min_criticality_check
    CHECK (min_criticality IN ('low', 'medium', 'high', 'critical')),
  CONSTRAINT security_requirement_min_score_check CHECK (min_score BETWEEN 0 AND 100),
  CONSTRAINT security_requirement_score_kind_check
    CHECK ((kind = 'assessment_score') = (min_score IS NOT NULL))
);
SELECT iso28000.register_table('iso28000.security_requirement');

COMMENT ON TABLE iso28000.security_requirement IS
  'ISO 28000 8.1, 8.4: Security requirements the organisation sets for its providers as a condition of being in its supply chain: a certification (ISO 28000...), an authorised-operator status (AEO, C-TPAT...), contract clauses, a minimum assessment score.';
COMMENT ON COLUMN iso28000.security_requirement.org_id IS 'The organisation that sets the requirement.';
COMMENT ON COLUMN iso28000.security_requirement.requirement_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.security_requirement.code IS 'Short identification, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.security_requirement.title IS 'What is required (required, not blank).';
COMMENT ON COLUMN iso28000.security_requirement.kind IS
  'certification, authorised_operator, contract_clause, assessment_score (met by a current provider_assessment scoring at least min_score) or other; all but assessment_score are met by provider_evidence.';
COMMENT ON COLUMN iso28000.security_requirement.description IS 'Details: scheme, accepted issuers, clause text reference.';
COMMENT ON COLUMN iso28000.security_requirement.applies_to_kinds IS 'Node kinds the requirement applies to (non-empty list of supply_chain_node kinds); NULL: every kind.';
COMMENT ON COLUMN iso28000.security_requirement.min_criticality IS
  'When set, the requirement applies only to providers on which a node or process depends directly at least this critically (low, medium, high, critical).';
COMMENT ON COLUMN iso28000.security_requirement.min_score IS 'For kind assessment_score only (and required there): the lowest acceptable score, 0 to 100.';
COMMENT ON COLUMN iso28000.security_requirement.active IS 'False once the requirement no longer applies.';

CREATE TABLE iso28000.provider_evidence (
  org_id         bigint NOT NULL REFERENCES iso28000.organization,
  evidence_id    bigint GENERATED ALWAYS AS IDENTITY,
  node_id        bigint NOT NULL,
  requirement_id bigint NOT NULL,
  reference      text   NOT NULL,
  issuer         text,
  valid_from     date   NOT NULL,
  valid_until    date,
  revoked_on     date,
  verified_by    bigint,
  verified_on    date,
  document_id    bigint,
  PRIMARY KEY (org_id, evidence_id),
  UNIQUE (org_id, node_id, requirement_id, reference),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, requirement_id) REFERENCES iso28000.security_requirement (org_id, requirement_id),
  FOREIGN KEY (org_id, verified_by) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, document_id) REFERENCES iso28000.document (org_id, document_id),
  CONSTRAINT provider_evidence_reference_check CHECK (btrim(reference) <> ''),
  CONSTRAINT provider_evidence_validity_check CHECK (valid_until >= valid_from),
  CONSTRAINT provider_evidence_revoked_check CHECK (revoked_on >= valid_from),
  CONSTRAINT provider_evidence_verified_check CHECK ((verified_by IS NULL) = (verified_on IS NULL))
);
SELECT iso28000.register_table('iso28000.provider_evidence');

COMMENT ON TABLE iso28000.provider_evidence IS
  'ISO 28000 8.1, 8.4: Evidence that a provider meets a security requirement: certificate, authorisation or signed contract clause, with its validity and who verified it.';
COMMENT ON COLUMN iso28000.provider_evidence.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.provider_evidence.evidence_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.provider_evidence.node_id IS 'The provider (supply-chain node).';
COMMENT ON COLUMN iso28000.provider_evidence.requirement_id IS 'The requirement it satisfies.';
COMMENT ON COLUMN iso28000.provider_evidence.reference IS 'Certificate, authorisation or contract number (required, not blank).';
COMMENT ON COLUMN iso28000.provider_evidence.issuer IS 'Certification body, customs authority, or party to the contract.';
COMMENT ON COLUMN iso28000.provider_evidence.valid_from IS 'First day of validity.';
COMMENT ON COLUMN iso28000.provider_evidence.valid_until IS 'Last day of validity (not before valid_from); NULL: open-ended.';
COMMENT ON COLUMN iso28000.provider_evidence.revoked_on IS 'Day it was suspended or withdrawn (not before valid_from); it counts no more from that day.';
COMMENT ON COLUMN iso28000.provider_evidence.verified_by IS 'Who checked the evidence; set together with verified_on.';
COMMENT ON COLUMN iso28000.provider_evidence.verified_on IS 'When it was checked.';
COMMENT ON COLUMN iso28000.provider_evidence.document_id IS 'The document (7.5) holding a copy.';

CREATE TABLE iso28000.provider_assessment (
  org_id        bigint NOT NULL REFERENCES iso28000.organization,
  assessment_id bigint GENERATED ALWAYS AS IDENTITY,
  node_id       bigint NOT NULL,
  assessed_on   date   NOT NULL,
  assessor_id   bigint,
  method        text   NOT NULL,
  score         numeric(5,2),
  result        text   NOT NULL,
  findings      text,
  next_due_on   date,
  PRIMARY KEY (org_id, assessment_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, assessor_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT provider_assessment_method_check CHECK (method IN ('questionnaire', 'remote_audit',
    'on_site_audit', 'third_party_report')),
  CONSTRAINT provider_assessment_score_check CHECK (score BETWEEN 0 AND 100),
  CONSTRAINT provider_assessment_result_check CHECK (result IN ('approved', 'conditional', 'rejected')),
  CONSTRAINT provider_assessment_findings_check CHECK (result = 'approved' OR coalesce(btrim(findings), '') <> ''),
  CONSTRAINT provider_assessment_next_due_check CHECK (next_due_on > assessed_on)
);
SELECT iso28000.register_table('iso28000.provider_assessment');

COMMENT ON TABLE iso28000.provider_assessment IS
  'ISO 28000 8.1, 9.1: Periodic security assessments of providers: method, score (0 to 100), result and findings.';
COMMENT ON COLUMN iso28000.provider_assessment.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.provider_assessment.assessment_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.provider_assessment.node_id IS 'The provider assessed.';
COMMENT ON COLUMN iso28000.provider_assessment.assessed_on IS 'Day of the assessment.';
COMMENT ON COLUMN iso28000.provider_assessment.assessor_id IS 'Who assessed.';
COMMENT ON COLUMN iso28000.provider_assessment.method IS 'questionnaire, remote_audit, on_site_audit or third_party_report.';
COMMENT ON COLUMN iso28000.provider_assessment.score IS 'Score from 0 to 100.';
COMMENT ON COLUMN iso28000.provider_assessment.result IS 'approved, conditional or rejected; anything but approved records its findings.';
COMMENT ON COLUMN iso28000.provider_assessment.findings IS 'What the assessment found; required unless approved.';
COMMENT ON COLUMN iso28000.provider_assessment.next_due_on IS 'When the next assessment is due (after assessed_on).';

CREATE TABLE iso28000.node_control (
  org_id          bigint NOT NULL REFERENCES iso28000.organization,
  node_control_id bigint GENERATED ALWAYS AS IDENTITY,
  node_id         bigint NOT NULL,
  control_id      bigint NOT NULL,
  direction       text   NOT NULL,
  description     text,
  applied_by      text,
  implemented_on  date,
  verified_on     date,
  PRIMARY KEY (org_id, node_control_id),
  UNIQUE (org_id, node_id, control_id, direction),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, control_id) REFERENCES iso28000.control (org_id, control_id),
  CONSTRAINT node_control_direction_check CHECK (direction IN ('upstream', 'at_node', 'downstream')),
  CONSTRAINT node_control_verified_check CHECK (verified_on >= implemented_on)
);
SELECT iso28000.register_table('iso28000.node_control');

COMMENT ON TABLE iso28000.node_control IS
  'ISO 28000 8.4, 8.1: Controls (iso28000.control) applied at a supply-chain node, to what comes from upstream (inbound screening, seal checks), at the node itself, or to what goes downstream (outbound sealing, manifests).';
COMMENT ON COLUMN iso28000.node_control.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.node_control.node_control_id IS 'Surrogate key.';
COMMENT ON COLUMN iso28000.node_control.node_id IS 'The node where the control applies.';
COMMENT ON COLUMN iso28000.node_control.control_id IS 'The control.';
COMMENT ON COLUMN iso28000.node_control.direction IS 'upstream (on inbound flows), at_node, or downstream (on outbound flows).';
COMMENT ON COLUMN iso28000.node_control.description IS 'How the control is applied there.';
COMMENT ON COLUMN iso28000.node_control.applied_by IS 'Who applies it: the organisation, the provider, a third party.';
COMMENT ON COLUMN iso28000.node_control.implemented_on IS 'Day it was put in place.';
COMMENT ON COLUMN iso28000.node_control.verified_on IS 'Day it was last verified in place (not before implemented_on).';

------------------------------------------------------------------------------
-- Views
------------------------------------------------------------------------------

CREATE VIEW iso28000.provider_requirement_status WITH (security_invoker = true) AS
WITH provider AS (
  SELECT n.*,
         greatest((SELECT max(iso28000.criticality_rank(d.criticality))
                     FROM iso28000.supply_chain_dependency d
                    WHERE d.org_id = n.org_id AND d.depends_on_id = n.node_id),
                  (SELECT max(iso28000.criticality_rank(pd.criticality))
                     FROM iso28000.process_dependency pd
                    WHERE pd.org_id = n.org_id AND pd.node_id = n.node_id)) AS reliance
    FROM iso28000.supply_chain_node n
   WHERE n.external AND n.active
),
applicable AS (
  SELECT p.org_id, p.node_id, p.code AS node_code, p.name AS node_name, p.kind AS node_kind,
         iso28000.criticality_label(p.reliance) AS reliance,
         r.requirement_id, r.code AS requirement_code, r.kind AS requirement_kind, r.min_score,
         s.evidence_warning, s.assessment_interval
    FROM provider p
    JOIN iso28000.security_requirement r
      ON r.org_id = p.org_id AND r.active
     AND (r.applies_to_kinds IS NULL OR p.kind = ANY (r.applies_to_kinds))
     AND (r.min_criticality IS NULL
          OR p.reliance >= iso28000.criticality_rank(r.min_criticality))
    JOIN iso28000.operation_settings s ON s.org_id = p.org_id
),
judged AS (
  SELECT a.*, ev.valid_until, ev.any_evidence, pa.assessed_on, pa.score,
         CASE
           WHEN a.requirement_kind = 'assessment_score' THEN
             CASE WHEN pa.assessed_on IS NULL THEN 'not_assessed'
                  WHEN pa.assessed_on + a.assessment_interval < current_date THEN 'expired'
                  WHEN pa.score IS NULL OR pa.score < a.min_score THEN 'score_below_minimum'
                  WHEN (pa.assessed_on + a.assessment_interval)::date < current_date + a.evidence_warning
                    THEN 'expiring'
                  ELSE 'met' END
           ELSE
             CASE WHEN NOT ev.any_evidence THEN 'missing'
                  WHEN NOT ev.current THEN 'expired'
                  WHEN ev.valid_until < current_date + a.evidence_warning THEN 'expiring'
                  ELSE 'met' END
         END AS status,
         CASE WHEN a.requirement_kind = 'assessment_score'
              THEN (pa.assessed_on + a.assessment_interval)::date
              ELSE ev.valid_until END AS expires_on
    FROM applicable a
    -- Non-revoked evidence in force today; the latest expiry wins, open-ended beats any date.
    CROSS JOIN LATERAL (
      SELECT EXISTS (SELECT 1 FROM iso28000.provider_evidence e
                      WHERE e.org_id = a.org_id AND e.node_id = a.node_id
                        AND e.requirement_id = a.requirement_id
                        AND e.valid_from <= current_date) AS any_evidence,
             c.current, c.valid_until
        FROM (SELECT count(*) > 0 AS current,
                     CASE WHEN bool_or(e.valid_until IS NULL AND e.revoked_on IS NULL) THEN NULL
                          ELSE max(least(e.valid_until, e.revoked_on - 1)) END AS valid_until
                FROM iso28000.provider_evidence e
               WHERE e.org_id = a.org_id AND e.node_id = a.node_id
                 AND e.requirement_id = a.requirement_id
                 AND e.valid_from <= current_date
                 AND (e.valid_until IS NULL OR e.valid_until >= current_date)
                 AND (e.revoked_on IS NULL OR e.revoked_on > current_date)) c
    ) ev
    LEFT JOIN LATERAL (
      SELECT x.assessed_on, x.score
        FROM iso28000.provider_assessment x
       WHERE x.org_id = a.org_id AND x.node_id = a.node_id AND x.assessed_on <= current_date
       ORDER BY x.assessed_on DESC, x.assessment_id DESC
       LIMIT 1) pa ON true
)
SELECT j.org_id, j.node_id, j.node_code, j.node_name, j.node_kind, j.reliance,
       j.requirement_id, j.requirement_code, j.requirement_kind, j.status, j.expires_on,
       j.expires_on - current_date AS days_left, j.assessed_on AS last_assessed_on,
       j.score AS last_score
  FROM judged j;

COMMENT ON VIEW iso28000.provider_requirement_status IS
  'ISO 28000 8.1, 8.4: Every requirement that applies to every active provider, judged today: met, expiring (within the organisation''s evidence_warning), expired, missing, not_assessed or score_below_minimum.';
GRANT SELECT ON iso28000.provider_requirement_status TO PUBLIC;
COMMENT ON COLUMN iso28000.provider_requirement_status.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.provider_requirement_status.node_id IS 'The provider.';
COMMENT ON COLUMN iso28000.provider_requirement_status.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_requirement_status.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.provider_requirement_status.node_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.provider_requirement_status.reliance IS 'The strongest criticality with which a node or process depends on it directly, NULL if nothing does.';
COMMENT ON COLUMN iso28000.provider_requirement_status.requirement_id IS 'The requirement.';
COMMENT ON COLUMN iso28000.provider_requirement_status.requirement_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_requirement_status.requirement_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.provider_requirement_status.status IS
  'met; expiring (met today, but the evidence or assessment lapses within evidence_warning); expired (evidence took effect before, none is in force now, or the last assessment is older than assessment_interval); missing (no evidence that has taken effect); not_assessed; score_below_minimum.';
COMMENT ON COLUMN iso28000.provider_requirement_status.expires_on IS 'Last day the evidence (or assessment) in force counts; NULL if open-ended or none.';
COMMENT ON COLUMN iso28000.provider_requirement_status.days_left IS 'Days from today to expires_on.';
COMMENT ON COLUMN iso28000.provider_requirement_status.last_assessed_on IS 'Day of the provider''s latest assessment.';
COMMENT ON COLUMN iso28000.provider_requirement_status.last_score IS 'Its score.';

CREATE VIEW iso28000.provider_assurance_gap WITH (security_invoker = true) AS
SELECT s.*
  FROM iso28000.provider_requirement_status s
 WHERE s.status <> 'met';

COMMENT ON VIEW iso28000.provider_assurance_gap IS
  'ISO 28000 8.1, 8.4: Providers that do not meet a requirement, or whose evidence or assessment expires within the organisation''s warning period (operation_settings.evidence_warning). Columns as provider_requirement_status.';
GRANT SELECT ON iso28000.provider_assurance_gap TO PUBLIC;
COMMENT ON COLUMN iso28000.provider_assurance_gap.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.node_id IS 'The provider.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.node_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.reliance IS 'Strongest direct criticality with which something depends on it.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.requirement_id IS 'The requirement not met.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.requirement_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.requirement_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.status IS 'expiring, expired, missing, not_assessed or score_below_minimum.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.expires_on IS 'Last day the evidence in force counts.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.days_left IS 'Days from today to expires_on.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.last_assessed_on IS 'Day of the latest assessment.';
COMMENT ON COLUMN iso28000.provider_assurance_gap.last_score IS 'Its score.';

CREATE VIEW iso28000.critical_dependency_on_gap_provider WITH (security_invoker = true) AS
WITH gap AS (
  SELECT g.org_id, g.node_id, g.node_code, g.node_name,
         array_agg(g.requirement_code || ':' || g.status ORDER BY g.requirement_code) AS gaps
    FROM iso28000.provider_assurance_gap g
   GROUP BY g.org_id, g.node_id, g.node_code, g.node_name
),
node_dep AS (
  SELECT c.org_id, 'node'::text AS dependent_kind, c.node_id AS dependent_id,
         n.name AS dependent_name, c.upstream_node_id AS provider_node_id, c.direct
    FROM iso28000.supply_chain_closure c
    JOIN iso28000.supply_chain_node n ON n.org_id = c.org_id AND n.node_id = c.node_id
   WHERE c.criticality = 'critical' AND c.node_id <> c.upstream_node_id
),
process_dep AS (
  -- A process depends on a provider critically when it needs it critically, or
  -- needs critically a node that depends on the provider critically.
  SELECT pd.org_id, 'process'::text AS dependent_kind, pd.sms_process_id AS dependent_id,
         pr.name AS dependent_name, pd.node_id AS provider_node_id, true AS direct
    FROM iso28000.process_dependency pd
    JOIN iso28000.sms_process pr ON pr.org_id = pd.org_id AND pr.sms_process_id = pd.sms_process_id
   WHERE pd.criticality = 'critical'
  UNION
  SELECT pd.org_id, 'process', pd.sms_process_id, pr.name, c.upstream_node_id, false
    FROM iso28000.process_dependency pd
    JOIN iso28000.sms_process pr ON pr.org_id = pd.org_id AND pr.sms_process_id = pd.sms_process_id
    JOIN iso28000.supply_chain_closure c ON c.org_id = pd.org_id AND c.node_id = pd.node_id
   WHERE pd.criticality = 'critical' AND c.criticality = 'critical'
),
dep AS (
  SELECT org_id, dependent_kind, dependent_id, dependent_name, provider_node_id, bool_or(direct) AS direct
    FROM (SELECT * FROM node_dep UNION ALL SELECT * FROM process_dep) u
   GROUP BY org_id, dependent_kind, dependent_id, dependent_name, provider_node_id
)
SELECT d.org_id, d.dependent_kind, d.dependent_id, d.dependent_name,
       g.node_id AS provider_node_id, g.node_code AS provider_code, g.node_name AS provider_name,
       d.direct, g.gaps
  FROM dep d
  JOIN gap g ON g.org_id = d.org_id AND g.node_id = d.provider_node_id;

COMMENT ON VIEW iso28000.critical_dependency_on_gap_provider IS
  'ISO 28000 8.1, 8.2, 8.4: Critical dependencies on providers listed in provider_assurance_gap: every node or process that depends on such a provider through links that are all critical, directly or transitively.';
GRANT SELECT ON iso28000.critical_dependency_on_gap_provider TO PUBLIC;
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.dependent_kind IS 'node or process.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.dependent_id IS 'The dependent node_id or sms_process_id.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.dependent_name IS 'Its name.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.provider_node_id IS 'The provider that falls short.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.provider_code IS 'Its code.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.provider_name IS 'Its name.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.direct IS 'True when the dependency is a direct link.';
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.gaps IS 'The provider''s shortfalls, as requirement_code:status.';
/*
 * sql/clauses/clause09_evaluation.sql
 *		Clause 9 of ISO 28000:2022, performance evaluation: conformity
 *		self-assessments (9.1), internal audit programmes, audits and findings
 *		(9.2), management reviews with their input checklist, input pack and
 *		results (9.3), and the views that report on them.
 *
 * Grades and scoring come from sql/core/05_scoring.sql.  The audit and
 * review workflows are declared at the end of this file (rules of the
 * engine in sql/core/07_workflow.sql); the nonconformity register that a
 * graded finding raises lives in clause10_improvement.sql, which is installed
 * after this file, so the functions that use it are PL/pgSQL (names resolved
 * at run time).  Reference: doc/audit-review.md.
 */

-- ---------------------------------------------------------------------------
-- 9.1 Conformity self-assessments
-- ---------------------------------------------------------------------------

CREATE TABLE iso28000.self_assessment (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    assessment_id  bigint GENERATED ALWAYS AS IDENTITY,
    title          text NOT NULL CONSTRAINT self_assessment_title_present CHECK (btrim(title) <> ''),
    assessed_on    date NOT NULL,
    scope          iso28000.clause_ref[] NOT NULL DEFAULT '{}',
    assessor_id    bigint,
    method         text,
    note           text,
    PRIMARY KEY (org_id, assessment_id),
    FOREIGN KEY (org_id, assessor_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.self_assessment');
COMMENT ON TABLE iso28000.self_assessment IS
  'ISO 28000 9.1, 9.1.2: Conformity self-assessments: an organisation grades the clauses of its SMS on a date; the results hold one grade per clause.';
COMMENT ON COLUMN iso28000.self_assessment.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.self_assessment.assessment_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.self_assessment.title IS 'Name of the assessment.';
COMMENT ON COLUMN iso28000.self_assessment.assessed_on IS 'Date of the assessment; the trend and the latest grade per clause follow it.';
COMMENT ON COLUMN iso28000.self_assessment.scope IS 'Clauses assessed (each covers its sub-clauses); empty means the whole SMS.';
COMMENT ON COLUMN iso28000.self_assessment.assessor_id IS 'Person who led the assessment.';
COMMENT ON COLUMN iso28000.self_assessment.method IS 'How the assessment was done (interviews, document review, sampling...).';
COMMENT ON COLUMN iso28000.self_assessment.note IS 'Free note.';

CREATE TABLE iso28000.assessment_result (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    result_id      bigint GENERATED ALWAYS AS IDENTITY,
    assessment_id  bigint NOT NULL,
    clause         iso28000.clause_ref NOT NULL,
    grade          iso28000.conformity_grade NOT NULL,
    weight         integer NOT NULL DEFAULT 1 CONSTRAINT assessment_result_weight_not_negative CHECK (weight >= 0),
    evidence       text,
    note           text,
    PRIMARY KEY (org_id, result_id),
    CONSTRAINT assessment_result_one_grade_per_clause UNIQUE (org_id, assessment_id, clause),
    FOREIGN KEY (org_id, assessment_id) REFERENCES iso28000.self_assessment (org_id, assessment_id)
);
SELECT iso28000.register_table('iso28000.assessment_result');
COMMENT ON TABLE iso28000.assessment_result IS
  'ISO 28000 9.1, 9.1.2: Results of a self-assessment: one grade per clause, with a weight, the evidence and a note.';
COMMENT ON COLUMN iso28000.assessment_result.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.assessment_result.result_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.assessment_result.assessment_id IS 'The self-assessment.';
COMMENT ON COLUMN iso28000.assessment_result.clause IS 'Clause graded.';
COMMENT ON COLUMN iso28000.assessment_result.grade IS 'Grade given to the clause.';
COMMENT ON COLUMN iso28000.assessment_result.weight IS 'How much the clause counts in the score (zero or more).';
COMMENT ON COLUMN iso28000.assessment_result.evidence IS 'Evidence examined (documents, records, interviews).';
COMMENT ON COLUMN iso28000.assessment_result.note IS 'Free note.';

-- ---------------------------------------------------------------------------
-- 9.1 Indicators and their measurements
-- ---------------------------------------------------------------------------

CREATE TABLE iso28000.indicator (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    indicator_id    bigint GENERATED ALWAYS AS IDENTITY,
    name            text NOT NULL CONSTRAINT indicator_name_present CHECK (btrim(name) <> ''),
    description     text,
    clause          iso28000.clause_ref NOT NULL DEFAULT '9.1',
    unit            text NOT NULL CONSTRAINT indicator_unit_present CHECK (btrim(unit) <> ''),
    direction       text NOT NULL DEFAULT 'increase'
                    CONSTRAINT indicator_direction_valid CHECK (direction IN ('increase', 'decrease', 'maintain')),
    target          numeric,
    threshold       numeric,
    frequency       interval NOT NULL DEFAULT '1 month'
                    CONSTRAINT indicator_frequency_positive CHECK (frequency > interval '0'),
    method          text,
    owner_id        bigint,
    active          boolean NOT NULL DEFAULT true,
    PRIMARY KEY (org_id, indicator_id),
    CONSTRAINT indicator_name_unique UNIQUE (org_id, name),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.indicator');
COMMENT ON TABLE iso28000.indicator IS
  'ISO 28000 9.1, 9.1.1: Indicators of security performance: what is measured, how, how often, by whom, and the target to evaluate it against.';
COMMENT ON COLUMN iso28000.indicator.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.indicator.indicator_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.indicator.name IS 'Name of the indicator (unique in the organisation).';
COMMENT ON COLUMN iso28000.indicator.description IS 'What the indicator shows.';
COMMENT ON COLUMN iso28000.indicator.clause IS 'Clause the indicator monitors (default 9.1).';
COMMENT ON COLUMN iso28000.indicator.unit IS 'Unit of the values.';
COMMENT ON COLUMN iso28000.indicator.direction IS 'Which way is better: increase, decrease or maintain (the target).';
COMMENT ON COLUMN iso28000.indicator.target IS 'Value aimed at.';
COMMENT ON COLUMN iso28000.indicator.threshold IS 'Value past which action is needed (below it for increase, above it for decrease).';
COMMENT ON COLUMN iso28000.indicator.frequency IS 'How often it is measured; a measurement older than this is overdue.';
COMMENT ON COLUMN iso28000.indicator.method IS 'Method of monitoring, measurement, analysis and evaluation (9.1 b).';
COMMENT ON COLUMN iso28000.indicator.owner_id IS 'Person who measures it.';
COMMENT ON COLUMN iso28000.indicator.active IS 'False once the indicator is retired; its measurements are kept.';

CREATE TABLE iso28000.indicator_measurement (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    measurement_id  bigint GENERATED ALWAYS AS IDENTITY,
    indicator_id    bigint NOT NULL,
    measured_on     date NOT NULL,
    value           numeric NOT NULL,
    measured_by     bigint,
    note            text,
    PRIMARY KEY (org_id, measurement_id),
    CONSTRAINT indicator_measurement_one_per_day UNIQUE (org_id, indicator_id, measured_on),
    FOREIGN KEY (org_id, indicator_id) REFERENCES iso28000.indicator (org_id, indicator_id),
    FOREIGN KEY (org_id, measured_by) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.indicator_measurement');
COMMENT ON TABLE iso28000.indicator_measurement IS
  'ISO 28000 9.1, 9.1.1: Measurements of the indicators over time (one per indicator per day).';
COMMENT ON COLUMN iso28000.indicator_measurement.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.indicator_measurement.measurement_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.indicator_measurement.indicator_id IS 'The indicator.';
COMMENT ON COLUMN iso28000.indicator_measurement.measured_on IS 'Date of the measurement.';
COMMENT ON COLUMN iso28000.indicator_measurement.value IS 'Measured value, in the indicator''s unit.';
COMMENT ON COLUMN iso28000.indicator_measurement.measured_by IS 'Person who measured it.';
COMMENT ON COLUMN iso28000.indicator_measurement.note IS 'Free note.';

CREATE VIEW iso28000.indicator_status WITH (security_invoker = true) AS
SELECT i.org_id, i.indicator_id, i.name, i.clause, i.unit, i.direction, i.target, i.threshold,
       m.measured_on AS last_measured_on, m.value AS last_value, p.value AS previous_value,
       m.value - p.value AS change,
       CASE WHEN m.value IS NULL OR i.target IS NULL THEN NULL
            WHEN i.direction = 'increase' THEN m.value >= i.target
            WHEN i.direction = 'decrease' THEN m.value <= i.target
            ELSE m.value = i.target END AS on_target,
       CASE WHEN m.value IS NULL OR i.threshold IS NULL THEN NULL
            WHEN i.direction = 'decrease' THEN m.value > i.threshold
            ELSE m.value < i.threshold END AS past_threshold,
       m.measured_on IS NULL OR m.measured_on + i.frequency < current_date AS measurement_overdue
  FROM iso28000.indicator i
  LEFT JOIN LATERAL (SELECT measured_on, value FROM iso28000.indicator_measurement x
                      WHERE x.org_id = i.org_id AND x.indicator_id = i.indicator_id
                      ORDER BY measured_on DESC LIMIT 1) m ON true
  LEFT JOIN LATERAL (SELECT value FROM iso28000.indicator_measurement x
                      WHERE x.org_id = i.org_id AND x.indicator_id = i.indicator_id
                        AND x.measured_on < m.measured_on
                      ORDER BY measured_on DESC LIMIT 1) p ON true
 WHERE i.active;
COMMENT ON VIEW iso28000.indicator_status IS
  'ISO 28000 9.1, 9.3.2: Each active indicator with its latest and previous value, the change, whether it is on target or past its threshold, and whether a measurement is overdue.';
COMMENT ON COLUMN iso28000.indicator_status.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.indicator_status.indicator_id IS 'The indicator.';
COMMENT ON COLUMN iso28000.indicator_status.name IS 'Name of the indicator.';
COMMENT ON COLUMN iso28000.indicator_status.clause IS 'Clause the indicator monitors.';
COMMENT ON COLUMN iso28000.indicator_status.unit IS 'Unit of the values.';
COMMENT ON COLUMN iso28000.indicator_status.direction IS 'Which way is better.';
COMMENT ON COLUMN iso28000.indicator_status.target IS 'Value aimed at.';
COMMENT ON COLUMN iso28000.indicator_status.threshold IS 'Value past which action is needed.';
COMMENT ON COLUMN iso28000.indicator_status.last_measured_on IS 'Date of the latest measurement.';
COMMENT ON COLUMN iso28000.indicator_status.last_value IS 'Latest value.';
COMMENT ON COLUMN iso28000.indicator_status.previous_value IS 'Value of the measurement before it.';
COMMENT ON COLUMN iso28000.indicator_status.change IS 'Latest minus previous value.';
COMMENT ON COLUMN iso28000.indicator_status.on_target IS 'Latest value meets the target in the indicator''s direction (NULL without target or value).';
COMMENT ON COLUMN iso28000.indicator_status.past_threshold IS 'Latest value is past the threshold (NULL without threshold or value).';
COMMENT ON COLUMN iso28000.indicator_status.measurement_overdue IS 'No measurement yet, or the latest is older than the frequency.';

-- ---------------------------------------------------------------------------
-- 9.2 Internal audit: programmes, audits, teams, auditees, findings
-- ---------------------------------------------------------------------------

CREATE TABLE iso28000.audit_programme (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    programme_id   bigint GENERATED ALWAYS AS IDENTITY,
    title          text NOT NULL CONSTRAINT audit_programme_title_present CHECK (btrim(title) <> ''),
    period_start   date NOT NULL,
    period_end     date NOT NULL,
    frequency      interval NOT NULL DEFAULT '1 year'
                   CONSTRAINT audit_programme_frequency_positive CHECK (frequency > interval '0'),
    scope          iso28000.clause_ref[] NOT NULL DEFAULT '{4,5,6,7,8,9,10}'
                   CONSTRAINT audit_programme_scope_present CHECK (cardinality(scope) > 0),
    methods        text,
    criteria       text,
    owner_id       bigint,
    note           text,
    PRIMARY KEY (org_id, programme_id),
    CONSTRAINT audit_programme_period_in_order CHECK (period_end >= period_start),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.audit_programme');
COMMENT ON TABLE iso28000.audit_programme IS
  'ISO 28000 9.2.1, 9.2.2: Internal audit programmes: the cycle (period and frequency), the clauses the cycle must cover, methods and criteria.';
COMMENT ON COLUMN iso28000.audit_programme.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_programme.programme_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.audit_programme.title IS 'Name of the programme.';
COMMENT ON COLUMN iso28000.audit_programme.period_start IS 'First day of the audit cycle.';
COMMENT ON COLUMN iso28000.audit_programme.period_end IS 'Last day of the audit cycle.';
COMMENT ON COLUMN iso28000.audit_programme.frequency IS 'How often each clause of the scope is to be audited (e.g. 1 year).';
COMMENT ON COLUMN iso28000.audit_programme.scope IS 'Clauses the cycle must cover (each covers its sub-clauses); audit_coverage shows which were audited and which were missed.';
COMMENT ON COLUMN iso28000.audit_programme.methods IS 'Audit methods (on site, remote, document review, sampling...).';
COMMENT ON COLUMN iso28000.audit_programme.criteria IS 'Audit criteria (ISO 28000:2022, own policies, legal requirements...).';
COMMENT ON COLUMN iso28000.audit_programme.owner_id IS 'Person responsible for the programme.';
COMMENT ON COLUMN iso28000.audit_programme.note IS 'Free note.';

CREATE TABLE iso28000.audit (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    audit_id          bigint GENERATED ALWAYS AS IDENTITY,
    programme_id      bigint,
    title             text NOT NULL CONSTRAINT audit_title_present CHECK (btrim(title) <> ''),
    scope             iso28000.clause_ref[] NOT NULL
                      CONSTRAINT audit_scope_present CHECK (cardinality(scope) > 0),
    objectives        text,
    criteria          text,
    lead_auditor_id   bigint NOT NULL,
    planned_start_on  date NOT NULL,
    planned_end_on    date NOT NULL,
    started_on        date,
    ended_on          date,
    reported_on       date,
    closed_on         date,
    report            text,
    conclusion        text,
    status            text NOT NULL DEFAULT 'planned',
    status_changed_at timestamptz,
    status_changed_by name,
    status_note       text,
    PRIMARY KEY (org_id, audit_id),
    FOREIGN KEY (org_id, programme_id) REFERENCES iso28000.audit_programme (org_id, programme_id),
    FOREIGN KEY (org_id, lead_auditor_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT audit_planned_dates_in_order CHECK (planned_end_on >= planned_start_on),
    CONSTRAINT audit_dates_in_order CHECK (ended_on >= started_on AND reported_on >= started_on
                                           AND closed_on >= reported_on)
);
SELECT iso28000.register_table('iso28000.audit');
COMMENT ON TABLE iso28000.audit IS
  'ISO 28000 9.2.1, 9.2.2: Internal audits: scope as clause references (a clause covers its sub-clauses), lead auditor, dates, report; workflow planned, in_progress, reported, closed (or cancelled).';
COMMENT ON COLUMN iso28000.audit.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit.audit_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.audit.programme_id IS 'Programme the audit belongs to, if any.';
COMMENT ON COLUMN iso28000.audit.title IS 'Name of the audit.';
COMMENT ON COLUMN iso28000.audit.scope IS 'Clauses audited; each covers its sub-clauses (8.6 covers 8.6.4). Findings must fall inside it.';
COMMENT ON COLUMN iso28000.audit.objectives IS 'Audit objectives.';
COMMENT ON COLUMN iso28000.audit.criteria IS 'Audit criteria, when they differ from the programme''s.';
COMMENT ON COLUMN iso28000.audit.lead_auditor_id IS 'Lead auditor (also a member of the audit team).';
COMMENT ON COLUMN iso28000.audit.planned_start_on IS 'Planned first day.';
COMMENT ON COLUMN iso28000.audit.planned_end_on IS 'Planned last day.';
COMMENT ON COLUMN iso28000.audit.started_on IS 'Actual first day (needed to enter in_progress).';
COMMENT ON COLUMN iso28000.audit.ended_on IS 'Actual last day of fieldwork.';
COMMENT ON COLUMN iso28000.audit.reported_on IS 'Date the report was issued (needed to enter reported).';
COMMENT ON COLUMN iso28000.audit.closed_on IS 'Date the audit was closed (needed to enter closed).';
COMMENT ON COLUMN iso28000.audit.report IS 'The audit report, or where it is kept (needed to enter reported).';
COMMENT ON COLUMN iso28000.audit.conclusion IS 'Audit conclusion (needed to enter reported).';
COMMENT ON COLUMN iso28000.audit.status IS 'Workflow state: planned, in_progress, reported, closed, cancelled.';
COMMENT ON COLUMN iso28000.audit.status_changed_at IS 'When the status last changed (stamped by the workflow engine).';
COMMENT ON COLUMN iso28000.audit.status_changed_by IS 'Who last changed the status (stamped by the workflow engine).';
COMMENT ON COLUMN iso28000.audit.status_note IS 'Note recorded with the next transition (e.g. why an audit was cancelled).';

CREATE TABLE iso28000.audit_team_member (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    team_member_id  bigint GENERATED ALWAYS AS IDENTITY,
    audit_id        bigint NOT NULL,
    person_id       bigint NOT NULL,
    role            text NOT NULL DEFAULT 'auditor'
                    CONSTRAINT audit_team_member_role_known CHECK (role IN ('auditor', 'technical_expert', 'observer', 'trainee')),
    PRIMARY KEY (org_id, team_member_id),
    CONSTRAINT audit_team_member_once UNIQUE (org_id, audit_id, person_id),
    FOREIGN KEY (org_id, audit_id) REFERENCES iso28000.audit (org_id, audit_id),
    FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.audit_team_member');
COMMENT ON TABLE iso28000.audit_team_member IS
  'ISO 28000 9.2.2: Auditors of an audit besides the lead auditor; none may audit a process they own.';
COMMENT ON COLUMN iso28000.audit_team_member.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_team_member.team_member_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.audit_team_member.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_team_member.person_id IS 'The auditor.';
COMMENT ON COLUMN iso28000.audit_team_member.role IS 'auditor, technical_expert, observer or trainee.';

CREATE TABLE iso28000.audit_auditee (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    auditee_id      bigint GENERATED ALWAYS AS IDENTITY,
    audit_id        bigint NOT NULL,
    process_id      bigint,
    person_id       bigint,
    note            text,
    PRIMARY KEY (org_id, auditee_id),
    CONSTRAINT audit_auditee_process_or_person CHECK (process_id IS NOT NULL OR person_id IS NOT NULL),
    FOREIGN KEY (org_id, audit_id) REFERENCES iso28000.audit (org_id, audit_id),
    FOREIGN KEY (org_id, process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
    FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.audit_auditee');
COMMENT ON TABLE iso28000.audit_auditee IS
  'ISO 28000 9.2.2: What an audit examines: SMS processes (4.4) and the people interviewed. An auditor may not audit a process they own.';
COMMENT ON COLUMN iso28000.audit_auditee.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_auditee.auditee_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.audit_auditee.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_auditee.process_id IS 'SMS process audited (4.4 register iso28000.sms_process).';
COMMENT ON COLUMN iso28000.audit_auditee.person_id IS 'Person audited or interviewed.';
COMMENT ON COLUMN iso28000.audit_auditee.note IS 'Free note.';

CREATE TABLE iso28000.audit_finding (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    finding_id        bigint GENERATED ALWAYS AS IDENTITY,
    audit_id          bigint NOT NULL,
    clause            iso28000.clause_ref NOT NULL,
    grade             iso28000.conformity_grade NOT NULL
                      CONSTRAINT audit_finding_grade_is_judgement CHECK (grade < 'not_applicable'),
    statement         text NOT NULL CONSTRAINT audit_finding_statement_present CHECK (btrim(statement) <> ''),
    evidence          text,
    process_id        bigint,
    found_on          date NOT NULL DEFAULT current_date,
    nonconformity_id  bigint,
    PRIMARY KEY (org_id, finding_id),
    FOREIGN KEY (org_id, audit_id) REFERENCES iso28000.audit (org_id, audit_id),
    FOREIGN KEY (org_id, process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id)
);
SELECT iso28000.register_table('iso28000.audit_finding');
COMMENT ON TABLE iso28000.audit_finding IS
  'ISO 28000 9.2.2, 10.2: Audit findings, each with a clause inside the audit scope, a grade and evidence; a minor_nc or major_nc finding raises its nonconformity by itself.';
COMMENT ON COLUMN iso28000.audit_finding.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_finding.finding_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.audit_finding.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_finding.clause IS 'Clause the finding is about; must lie inside the audit scope (IS303).';
COMMENT ON COLUMN iso28000.audit_finding.grade IS 'conforming, observation, opportunity, minor_nc or major_nc.';
COMMENT ON COLUMN iso28000.audit_finding.statement IS 'What the auditor found.';
COMMENT ON COLUMN iso28000.audit_finding.evidence IS 'Objective evidence.';
COMMENT ON COLUMN iso28000.audit_finding.process_id IS 'SMS process concerned, if any.';
COMMENT ON COLUMN iso28000.audit_finding.found_on IS 'Date of the finding.';
COMMENT ON COLUMN iso28000.audit_finding.nonconformity_id IS 'Nonconformity raised for a minor_nc or major_nc finding (set automatically).';

-- True when one of the clauses of scope covers the clause c (scope @> c).
CREATE FUNCTION iso28000.scope_covers(scope iso28000.clause_ref[], c iso28000.clause_ref)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN EXISTS (SELECT FROM unnest(scope) s WHERE s OPERATOR(iso28000.@>) c);
COMMENT ON FUNCTION iso28000.scope_covers(iso28000.clause_ref[], iso28000.clause_ref) IS
  'True when a clause of the scope is the clause or one of its ancestors (8.6 covers 8.6.4); an empty scope covers nothing.';

-- Refuses a finding whose clause lies outside its audit's scope (IS303), or on an audit that is over (IS304).
CREATE FUNCTION iso28000.audit_finding_in_scope()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    audit_scope iso28000.clause_ref[];
    audit_status text;
BEGIN
    SELECT scope, status INTO audit_scope, audit_status FROM iso28000.audit
     WHERE org_id = NEW.org_id AND audit_id = NEW.audit_id;
    IF audit_status IN ('closed', 'cancelled') THEN
        RAISE EXCEPTION 'audit % is %: its findings cannot change', NEW.audit_id, audit_status
              USING ERRCODE = 'IS304',
                    DETAIL = 'A closed or cancelled audit keeps the findings it had.',
                    HINT = 'Record a new finding in a new audit.';
    END IF;
    IF audit_scope IS NOT NULL AND NOT iso28000.scope_covers(audit_scope, NEW.clause) THEN
        RAISE EXCEPTION 'finding on clause % lies outside the scope of audit %', NEW.clause, NEW.audit_id
              USING ERRCODE = 'IS303',
                    DETAIL = format('The audit scope is %s; a finding must be on one of these clauses or a sub-clause.', audit_scope),
                    HINT = 'Widen the audit scope first, or record the finding under a clause in scope.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_finding_in_scope() IS
  'Trigger: refuses a finding whose clause lies outside the scope of its audit (IS303), and any new or changed finding of a closed or cancelled audit (IS304).';
CREATE TRIGGER audit_finding_in_scope
    BEFORE INSERT OR UPDATE ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_in_scope();

-- The first process of the audit that one of its auditors owns, as text, or NULL.
CREATE FUNCTION iso28000.audit_independence_conflict(org bigint, audit bigint)
RETURNS text
LANGUAGE sql STABLE
AS $$
    WITH auditors AS (
        SELECT a.lead_auditor_id AS person_id FROM iso28000.audit a WHERE a.org_id = org AND a.audit_id = audit
        UNION
        SELECT t.person_id FROM iso28000.audit_team_member t WHERE t.org_id = org AND t.audit_id = audit),
    processes AS (
        SELECT x.process_id FROM iso28000.audit_auditee x
         WHERE x.org_id = org AND x.audit_id = audit AND x.process_id IS NOT NULL
        UNION
        SELECT f.process_id FROM iso28000.audit_finding f
         WHERE f.org_id = org AND f.audit_id = audit AND f.process_id IS NOT NULL)
    SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name)
      FROM processes x
      JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
      JOIN auditors au ON au.person_id = pr.owner_id
      JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
     ORDER BY pr.sms_process_id LIMIT 1
$$;
COMMENT ON FUNCTION iso28000.audit_independence_conflict(bigint, bigint) IS
  'ISO 28000 9.2.2: The first auditor of the audit (lead or team) who owns a process the audit examines, as text; NULL when the audit team is independent.';

-- Refuses a change that would make an auditor audit a process they own (IS302).
CREATE FUNCTION iso28000.audit_check_independence()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    conflict text := iso28000.audit_independence_conflict(NEW.org_id, NEW.audit_id);
BEGIN
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION 'auditor independence violated in audit %', NEW.audit_id
              USING ERRCODE = 'IS302',
                    DETAIL = conflict || '; an auditor may not audit a process they own (ISO 28000 9.2.2).',
                    HINT = 'Choose another auditor for this audit, or leave the process out of its scope.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.audit_check_independence() IS
  'Constraint trigger: refuses an audit team, auditee or finding that makes an auditor audit a process they own (IS302).';
CREATE CONSTRAINT TRIGGER audit_independence
    AFTER INSERT OR UPDATE OF lead_auditor_id ON iso28000.audit
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_check_independence();
CREATE CONSTRAINT TRIGGER audit_independence
    AFTER INSERT OR UPDATE ON iso28000.audit_team_member
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_check_independence();
CREATE CONSTRAINT TRIGGER audit_independence
    AFTER INSERT OR UPDATE ON iso28000.audit_auditee
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_check_independence();
CREATE CONSTRAINT TRIGGER audit_independence
    AFTER INSERT OR UPDATE OF process_id ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_check_independence();

-- ---------------------------------------------------------------------------
-- 9.3 Management review
-- ---------------------------------------------------------------------------

-- The checklist of inputs every review considers (catalog, shared).
CREATE TABLE iso28000.review_input (
    input_code   text PRIMARY KEY CONSTRAINT review_input_code_format CHECK (input_code ~ '^[a-z][a-z0-9_]*$'),
    clause       iso28000.clause_ref NOT NULL,
    title        text NOT NULL,
    required     boolean NOT NULL DEFAULT true,
    seq          integer NOT NULL,
    builtin      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE iso28000.review_input IS
  'ISO 28000 9.3.2: Inputs every management review considers, shared by all organisations (catalog); an organisation adds its own in review_input_custom.';
COMMENT ON COLUMN iso28000.review_input.input_code IS 'Short code of the input, as the input pack names it.';
COMMENT ON COLUMN iso28000.review_input.clause IS 'Clause that asks for the input.';
COMMENT ON COLUMN iso28000.review_input.title IS 'What the review considers.';
COMMENT ON COLUMN iso28000.review_input.required IS 'A review cannot close until this input is addressed.';
COMMENT ON COLUMN iso28000.review_input.seq IS 'Order on the checklist.';
COMMENT ON COLUMN iso28000.review_input.builtin IS 'True for rows seeded by the install script; pg_dump keeps only the rows where it is false.';
GRANT SELECT ON iso28000.review_input TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.review_input', 'WHERE NOT builtin');

-- Inputs shared by management-system standards (the harmonized structure).
INSERT INTO iso28000.review_input (input_code, clause, title, required, seq, builtin) VALUES
  ('previous_actions',      '9.3.2', 'Status of actions from previous management reviews', true, 10, true),
  ('context_changes',       '9.3.2', 'Changes in external and internal issues relevant to the SMS', true, 20, true),
  ('party_changes',         '9.3.2', 'Changes in the needs and expectations of interested parties', true, 30, true),
  ('nonconformities',       '9.3.2', 'Trends in nonconformities and corrective actions', true, 40, true),
  ('monitoring_results',    '9.3.2', 'Monitoring and measurement results', true, 50, true),
  ('audit_results',         '9.3.2', 'Audit results', true, 60, true),
  ('objectives',            '9.3.2', 'Fulfilment of security objectives', true, 70, true),
  ('improvement_opportunities', '9.3.2', 'Opportunities for continual improvement', true, 80, true);

CREATE TABLE iso28000.review_input_custom (
    org_id           bigint NOT NULL REFERENCES iso28000.organization,
    custom_input_id  bigint GENERATED ALWAYS AS IDENTITY,
    input_code       text NOT NULL CONSTRAINT review_input_custom_code_format CHECK (input_code ~ '^[a-z][a-z0-9_]*$'),
    clause           iso28000.clause_ref NOT NULL DEFAULT '9.3.2',
    title            text NOT NULL CONSTRAINT review_input_custom_title_present CHECK (btrim(title) <> ''),
    required         boolean NOT NULL DEFAULT true,
    seq              integer NOT NULL DEFAULT 1000,
    active           boolean NOT NULL DEFAULT true,
    PRIMARY KEY (org_id, custom_input_id),
    CONSTRAINT review_input_custom_code_unique UNIQUE (org_id, input_code)
);
SELECT iso28000.register_table('iso28000.review_input_custom');
COMMENT ON TABLE iso28000.review_input_custom IS
  'ISO 28000 9.3.2: An organisation''s own management review inputs, added to the shared checklist of every later review.';
COMMENT ON COLUMN iso28000.review_input_custom.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_input_custom.custom_input_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_input_custom.input_code IS 'Short code of the input (must not be a shared code).';
COMMENT ON COLUMN iso28000.review_input_custom.clause IS 'Clause the input serves.';
COMMENT ON COLUMN iso28000.review_input_custom.title IS 'What the review considers.';
COMMENT ON COLUMN iso28000.review_input_custom.required IS 'A review cannot close until this input is addressed.';
COMMENT ON COLUMN iso28000.review_input_custom.seq IS 'Order on the checklist.';
COMMENT ON COLUMN iso28000.review_input_custom.active IS 'False to leave the input off later reviews.';

CREATE TABLE iso28000.management_review (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    review_id         bigint GENERATED ALWAYS AS IDENTITY,
    title             text NOT NULL CONSTRAINT management_review_title_present CHECK (btrim(title) <> ''),
    held_on           date NOT NULL,
    period_start      date NOT NULL,
    period_end        date NOT NULL,
    chair_id          bigint NOT NULL,
    minutes           text,
    conclusion        text,
    closed_on         date,
    status            text NOT NULL DEFAULT 'planned',
    status_changed_at timestamptz,
    status_changed_by name,
    status_note       text,
    PRIMARY KEY (org_id, review_id),
    FOREIGN KEY (org_id, chair_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT management_review_period_in_order CHECK (period_end >= period_start),
    CONSTRAINT management_review_closed_after_held CHECK (closed_on >= held_on)
);
SELECT iso28000.register_table('iso28000.management_review');
COMMENT ON TABLE iso28000.management_review IS
  'ISO 28000 9.3.1, 9.3.2, 9.3.3: Management reviews: date, chair, the period reviewed, minutes; workflow planned, held, closed (or cancelled); closing needs every required input addressed and results recorded.';
COMMENT ON COLUMN iso28000.management_review.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.management_review.review_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.management_review.title IS 'Name of the review.';
COMMENT ON COLUMN iso28000.management_review.held_on IS 'Date of the meeting.';
COMMENT ON COLUMN iso28000.management_review.period_start IS 'First day of the period reviewed (the input pack covers it).';
COMMENT ON COLUMN iso28000.management_review.period_end IS 'Last day of the period reviewed.';
COMMENT ON COLUMN iso28000.management_review.chair_id IS 'Person chairing the review (top management).';
COMMENT ON COLUMN iso28000.management_review.minutes IS 'Minutes, or where they are kept (needed to enter held).';
COMMENT ON COLUMN iso28000.management_review.conclusion IS 'Conclusion on the continuing suitability, adequacy and effectiveness of the SMS (needed to close).';
COMMENT ON COLUMN iso28000.management_review.closed_on IS 'Date the review was closed (needed to close).';
COMMENT ON COLUMN iso28000.management_review.status IS 'Workflow state: planned, held, closed, cancelled.';
COMMENT ON COLUMN iso28000.management_review.status_changed_at IS 'When the status last changed (stamped by the workflow engine).';
COMMENT ON COLUMN iso28000.management_review.status_changed_by IS 'Who last changed the status (stamped by the workflow engine).';
COMMENT ON COLUMN iso28000.management_review.status_note IS 'Note recorded with the next transition.';

CREATE TABLE iso28000.review_attendee (
    org_id       bigint NOT NULL REFERENCES iso28000.organization,
    attendee_id  bigint GENERATED ALWAYS AS IDENTITY,
    review_id    bigint NOT NULL,
    person_id    bigint NOT NULL,
    role         text,
    PRIMARY KEY (org_id, attendee_id),
    CONSTRAINT review_attendee_once UNIQUE (org_id, review_id, person_id),
    FOREIGN KEY (org_id, review_id) REFERENCES iso28000.management_review (org_id, review_id),
    FOREIGN KEY (org_id, person_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.review_attendee');
COMMENT ON TABLE iso28000.review_attendee IS
  'ISO 28000 9.3.1: People who attended a management review.';
COMMENT ON COLUMN iso28000.review_attendee.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_attendee.attendee_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_attendee.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_attendee.person_id IS 'The attendee.';
COMMENT ON COLUMN iso28000.review_attendee.role IS 'Role at the review (top management, SMS manager, process owner...).';

CREATE TABLE iso28000.review_input_item (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    input_item_id  bigint GENERATED ALWAYS AS IDENTITY,
    review_id      bigint NOT NULL,
    input_code     text NOT NULL,
    title          text NOT NULL,
    required       boolean NOT NULL DEFAULT true,
    seq            integer NOT NULL DEFAULT 1000,
    addressed      boolean NOT NULL DEFAULT false,
    summary        text,
    PRIMARY KEY (org_id, input_item_id),
    CONSTRAINT review_input_item_once UNIQUE (org_id, review_id, input_code),
    CONSTRAINT review_input_item_addressed_has_summary CHECK (NOT addressed OR coalesce(btrim(summary), '') <> ''),
    FOREIGN KEY (org_id, review_id) REFERENCES iso28000.management_review (org_id, review_id)
);
SELECT iso28000.register_table('iso28000.review_input_item');
COMMENT ON TABLE iso28000.review_input_item IS
  'ISO 28000 9.3.2: The input checklist of one management review, copied from the shared and the organisation''s own inputs when the review is created; each input is addressed with a summary.';
COMMENT ON COLUMN iso28000.review_input_item.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_input_item.input_item_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_input_item.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_input_item.input_code IS 'Code of the input (review_input or review_input_custom).';
COMMENT ON COLUMN iso28000.review_input_item.title IS 'What the review considers.';
COMMENT ON COLUMN iso28000.review_input_item.required IS 'The review cannot close until this input is addressed.';
COMMENT ON COLUMN iso28000.review_input_item.seq IS 'Order on the checklist.';
COMMENT ON COLUMN iso28000.review_input_item.addressed IS 'True once the review has considered the input (needs a summary).';
COMMENT ON COLUMN iso28000.review_input_item.summary IS 'What the review noted about the input.';

-- Copies the checklist (shared inputs, then the organisation's active own ones) into a new review.
CREATE FUNCTION iso28000.management_review_checklist()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO iso28000.review_input_item (org_id, review_id, input_code, title, required, seq)
    SELECT NEW.org_id, NEW.review_id, input_code, title, required, seq FROM iso28000.review_input
    UNION ALL
    SELECT NEW.org_id, NEW.review_id, input_code, title, required, seq FROM iso28000.review_input_custom
     WHERE org_id = NEW.org_id AND active
       AND input_code NOT IN (SELECT input_code FROM iso28000.review_input);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.management_review_checklist() IS
  'Trigger: fills the input checklist of a new management review from review_input and the organisation''s active review_input_custom rows.';
CREATE TRIGGER management_review_checklist
    AFTER INSERT ON iso28000.management_review
    FOR EACH ROW EXECUTE FUNCTION iso28000.management_review_checklist();

CREATE TABLE iso28000.review_output (
    org_id       bigint NOT NULL REFERENCES iso28000.organization,
    output_id    bigint GENERATED ALWAYS AS IDENTITY,
    review_id    bigint NOT NULL,
    kind         text NOT NULL
                 CONSTRAINT review_output_kind_known CHECK (kind IN ('decision', 'action', 'sms_change', 'improvement', 'resource')),
    description  text NOT NULL CONSTRAINT review_output_description_present CHECK (btrim(description) <> ''),
    owner_id     bigint,
    due_on       date,
    done_on      date,
    status       text NOT NULL DEFAULT 'open'
                 CONSTRAINT review_output_status_known CHECK (status IN ('open', 'done', 'cancelled')),
    PRIMARY KEY (org_id, output_id),
    FOREIGN KEY (org_id, review_id) REFERENCES iso28000.management_review (org_id, review_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT review_output_action_has_owner_and_due CHECK (kind <> 'action' OR (owner_id IS NOT NULL AND due_on IS NOT NULL)),
    CONSTRAINT review_output_done_has_date CHECK ((status = 'done') = (done_on IS NOT NULL))
);
SELECT iso28000.register_table('iso28000.review_output');
COMMENT ON TABLE iso28000.review_output IS
  'ISO 28000 9.3.3: Results of a management review: decisions, actions (with an owner and a due date), changes needed to the SMS, improvements and resource needs.';
COMMENT ON COLUMN iso28000.review_output.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.review_output.output_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.review_output.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_output.kind IS 'decision, action, sms_change, improvement or resource.';
COMMENT ON COLUMN iso28000.review_output.description IS 'What was decided or is to be done.';
COMMENT ON COLUMN iso28000.review_output.owner_id IS 'Person responsible (required for an action).';
COMMENT ON COLUMN iso28000.review_output.due_on IS 'Due date (required for an action).';
COMMENT ON COLUMN iso28000.review_output.done_on IS 'Date the output was carried out (set exactly when status is done).';
COMMENT ON COLUMN iso28000.review_output.status IS 'open, done or cancelled; the next review sees the open and overdue ones (input previous_actions).';

-- ---------------------------------------------------------------------------
-- 9.3.2 The input pack: live data for the period a review covers
-- ---------------------------------------------------------------------------

-- True when the table exists and has every named column.
CREATE FUNCTION iso28000._has_columns(tbl text, cols text[])
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN to_regclass(tbl) IS NOT NULL
   AND (SELECT count(*) FROM pg_attribute
         WHERE attrelid = to_regclass(tbl) AND attname = ANY (cols) AND attnum > 0 AND NOT attisdropped)
       = cardinality(cols);
COMMENT ON FUNCTION iso28000._has_columns(text, text[]) IS
  'Internal: true when the table exists and has every named column (the input pack reads registers of other clauses only when they are installed).';

-- Rows of a register opened, closed and still open for a period, by its date columns.
CREATE FUNCTION iso28000._period_counts(tbl text, org bigint, from_on date, to_on date,
                                        opened_col text, closed_col text)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
BEGIN
    IF NOT iso28000._has_columns(tbl, ARRAY['org_id', opened_col, closed_col]) THEN
        RETURN jsonb_build_object('available', false);
    END IF;
    EXECUTE format($q$
        SELECT jsonb_build_object(
                 'available', true,
                 'opened_in_period', count(*) FILTER (WHERE %1$I BETWEEN $2 AND $3),
                 'closed_in_period', count(*) FILTER (WHERE %2$I BETWEEN $2 AND $3),
                 'open_at_end', count(*) FILTER (WHERE %1$I <= $3 AND (%2$I IS NULL OR %2$I > $3)))
          FROM %3$s WHERE org_id = $1 $q$, opened_col, closed_col, tbl)
      INTO result USING org, from_on, to_on;
    RETURN result;
END
$$;
COMMENT ON FUNCTION iso28000._period_counts(text, bigint, date, date, text, text) IS
  'Internal: how many rows of a register were opened and closed in a period and how many were open at its end, from two date columns; {"available": false} when the register is not installed.';

-- Rows of a workflow register per status, and how many are past their due date.
CREATE FUNCTION iso28000._status_counts(tbl text, org bigint, to_on date)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    by_status jsonb;
    overdue   bigint;
BEGIN
    IF NOT iso28000._has_columns(tbl, ARRAY['org_id', 'status']) THEN
        RETURN jsonb_build_object('available', false);
    END IF;
    EXECUTE format('SELECT coalesce(jsonb_object_agg(status, n), ''{}'') FROM
                      (SELECT status, count(*) AS n FROM %s WHERE org_id = $1 GROUP BY status) s', tbl)
      INTO by_status USING org;
    IF iso28000._has_columns(tbl, ARRAY['due_on']) AND to_regclass('iso28000.workflow_state') IS NOT NULL THEN
        EXECUTE format($q$SELECT count(*) FROM %s t
                           WHERE org_id = $1 AND due_on < $2
                             AND NOT EXISTS (SELECT FROM iso28000.workflow_state s
                                              WHERE s.state = t.status AND s.is_terminal)$q$, tbl)
          INTO overdue USING org, to_on;
    END IF;
    RETURN jsonb_build_object('available', true, 'by_status', by_status, 'overdue_at_end', overdue);
END
$$;
COMMENT ON FUNCTION iso28000._status_counts(text, bigint, date) IS
  'Internal: rows of a register per status and, when it has due_on, how many non-terminal rows were past due at the date; {"available": false} when the register is not installed.';

-- The input pack of a management review: one row per checklist input with its facts.
CREATE FUNCTION iso28000.review_input_pack(org bigint, from_on date, to_on date)
RETURNS TABLE (input_code text, title text, facts jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    prev jsonb;
    audits jsonb;
    monitoring jsonb;
    objectives jsonb;
    improvement jsonb;
BEGIN
    -- Actions from earlier reviews: open, overdue, done in the period.
    SELECT jsonb_build_object(
             'open', count(*) FILTER (WHERE o.status = 'open'),
             'overdue', count(*) FILTER (WHERE o.status = 'open' AND o.due_on < to_on),
             'done_in_period', count(*) FILTER (WHERE o.done_on BETWEEN from_on AND to_on),
             'open_actions', coalesce(jsonb_agg(jsonb_build_object(
                 'output_id', o.output_id, 'review_id', o.review_id, 'description', o.description,
                 'owner_id', o.owner_id, 'due_on', o.due_on) ORDER BY o.due_on, o.output_id)
                 FILTER (WHERE o.status = 'open' AND o.kind = 'action'), '[]'))
      INTO prev
      FROM iso28000.review_output o
      JOIN iso28000.management_review r USING (org_id, review_id)
     WHERE o.org_id = org AND r.held_on <= to_on AND o.kind IN ('action', 'sms_change', 'improvement', 'resource');

    -- Audits reported in the period, their findings and conformity.
    SELECT jsonb_build_object(
             'audits_reported', count(DISTINCT a.audit_id),
             'findings', iso28000.conformity_tally(f.grade)::text,
             'score', iso28000.score(iso28000.conformity_tally(f.grade)),
             'verdict', iso28000.verdict(iso28000.conformity_tally(f.grade)),
             'nonconformities_raised', count(f.nonconformity_id))
      INTO audits
      FROM iso28000.audit a
      LEFT JOIN iso28000.audit_finding f USING (org_id, audit_id)
     WHERE a.org_id = org AND a.reported_on BETWEEN from_on AND to_on;

    -- Self-assessments in the period (the conformity trend) and objective measurements.
    SELECT jsonb_build_object(
             'assessments', coalesce(jsonb_agg(jsonb_build_object(
                 'assessment_id', x.assessment_id, 'assessed_on', x.assessed_on,
                 'score', x.score, 'coverage', x.coverage, 'verdict', x.verdict)
                 ORDER BY x.assessed_on, x.assessment_id), '[]'),
             'objective_measurements', iso28000._period_counts('iso28000.objective_measurement', org, from_on, to_on,
                                                               'measured_on', 'measured_on'),
             'indicators', (SELECT jsonb_build_object(
                                'measured_in_period', count(DISTINCT m.indicator_id),
                                'measurements_in_period', count(m.measurement_id))
                              FROM iso28000.indicator_measurement m
                             WHERE m.org_id = org AND m.measured_on BETWEEN from_on AND to_on),
             'indicators_now', (SELECT jsonb_build_object(
                                'active', count(*),
                                'on_target', count(*) FILTER (WHERE st.on_target),
                                'past_threshold', count(*) FILTER (WHERE st.past_threshold),
                                'measurement_overdue', count(*) FILTER (WHERE st.measurement_overdue))
                              FROM iso28000.indicator_status st WHERE st.org_id = org))
      INTO monitoring
      FROM (SELECT s.assessment_id, s.assessed_on,
                   iso28000.conformity_score(r.grade, r.weight) AS score,
                   iso28000.coverage(iso28000.conformity_tally(r.grade, r.weight)) AS coverage,
                   iso28000.verdict(iso28000.conformity_tally(r.grade, r.weight)) AS verdict
              FROM iso28000.self_assessment s
              LEFT JOIN iso28000.assessment_result r USING (org_id, assessment_id)
             WHERE s.org_id = org AND s.assessed_on BETWEEN from_on AND to_on
             GROUP BY s.assessment_id, s.assessed_on) x;

    objectives := CASE WHEN iso28000._has_columns('iso28000.objective', ARRAY['due_on', 'achieved_on', 'cancelled_on'])
                       THEN iso28000._period_counts('iso28000.objective', org, from_on, to_on, 'set_on', 'achieved_on')
                            || jsonb_build_object('overdue_at_end', iso28000._objectives_overdue(org, to_on))
                       ELSE jsonb_build_object('available', false) END;

    SELECT jsonb_build_object(
             'opportunities_from_audits', (SELECT count(*) FROM iso28000.audit_finding f
                                            WHERE f.org_id = org AND f.grade = 'opportunity'
                                              AND f.found_on BETWEEN from_on AND to_on),
             'opportunities_from_assessments', (SELECT count(*) FROM iso28000.assessment_result r
                                                  JOIN iso28000.self_assessment s USING (org_id, assessment_id)
                                                 WHERE r.org_id = org AND r.grade = 'opportunity'
                                                   AND s.assessed_on BETWEEN from_on AND to_on),
             'improvements', iso28000._status_counts('iso28000.improvement', org, to_on))
      INTO improvement;

    RETURN QUERY
    SELECT c.input_code, c.title,
           CASE c.input_code
             WHEN 'previous_actions' THEN prev
             WHEN 'context_changes' THEN iso28000._period_counts('iso28000.context_issue', org, from_on, to_on,
                                                                 'identified_on', 'closed_on')
             WHEN 'party_changes' THEN jsonb_build_object(
                 'parties', iso28000._period_counts('iso28000.interested_party', org, from_on, to_on,
                                                    'identified_on', 'closed_on'),
                 'requirements', iso28000._period_counts('iso28000.party_requirement', org, from_on, to_on,
                                                         'identified_on', 'closed_on'))
             WHEN 'nonconformities' THEN jsonb_build_object(
                 'nonconformities', iso28000._status_counts('iso28000.nonconformity', org, to_on),
                 'corrective_actions', iso28000._status_counts('iso28000.corrective_action', org, to_on))
             WHEN 'monitoring_results' THEN monitoring
             WHEN 'audit_results' THEN audits
             WHEN 'objectives' THEN objectives
             WHEN 'improvement_opportunities' THEN improvement
           END
      FROM (SELECT i.input_code, i.title, i.seq FROM iso28000.review_input i
            UNION ALL
            SELECT u.input_code, u.title, u.seq FROM iso28000.review_input_custom u
             WHERE u.org_id = org AND u.active
               AND u.input_code NOT IN (SELECT i2.input_code FROM iso28000.review_input i2)) c
     ORDER BY c.seq, c.input_code;
END
$$;
COMMENT ON FUNCTION iso28000.review_input_pack(bigint, date, date) IS
  'ISO 28000 9.3.2: The input pack of a management review for a period, from live data: one row per checklist input (shared and the organisation''s own) with its facts as JSON: actions of earlier reviews, changes of context issues and interested parties, nonconformities and corrective actions, self-assessment scores (the conformity trend) and measurements, audit results, objectives, improvement opportunities. Registers not installed show {"available": false}; an organisation''s own inputs have NULL facts.';

-- Objectives past their due date and neither achieved nor cancelled at a date.
CREATE FUNCTION iso28000._objectives_overdue(org bigint, at_on date)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE $q$SELECT count(*) FROM iso28000.objective
               WHERE org_id = $1 AND due_on < $2
                 AND (achieved_on IS NULL OR achieved_on > $2) AND (cancelled_on IS NULL OR cancelled_on > $2)$q$
      INTO n USING org, at_on;
    RETURN n;
END
$$;
COMMENT ON FUNCTION iso28000._objectives_overdue(bigint, date) IS
  'Internal: objectives of the organisation past their due date at a date and neither achieved nor cancelled by then.';

-- ---------------------------------------------------------------------------
-- Views for people and BI
-- ---------------------------------------------------------------------------

CREATE VIEW iso28000.conformity_by_clause WITH (security_invoker = true) AS
WITH latest AS (
    -- the latest self-assessment grade of each clause of each organisation
    SELECT DISTINCT ON (r.org_id, r.clause)
           r.org_id, r.clause, r.grade, r.weight, s.assessed_on
      FROM iso28000.assessment_result r
      JOIN iso28000.self_assessment s USING (org_id, assessment_id)
     ORDER BY r.org_id, r.clause, s.assessed_on DESC, s.assessment_id DESC),
catalog AS (
    SELECT c.clause, c.title, c.seq,
           NOT EXISTS (SELECT FROM iso28000.clause k
                        WHERE k.standard = c.standard AND k.parent = c.clause) AS leaf
      FROM iso28000.clause c
     WHERE c.standard = 'ISO 28000:2022' AND c.pdca IS NOT NULL),
orgs AS (
    SELECT DISTINCT org_id FROM iso28000.self_assessment),
items AS (
    -- graded clauses with their latest grade; leaf clauses never graded count as not_assessed
    SELECT org_id, clause, grade, weight, assessed_on FROM latest
    UNION ALL
    SELECT o.org_id, c.clause, 'not_assessed'::iso28000.conformity_grade, 1, NULL
      FROM orgs o CROSS JOIN catalog c
     WHERE c.leaf AND NOT EXISTS (SELECT FROM latest l WHERE l.org_id = o.org_id AND l.clause = c.clause)),
rolled AS (
    -- each item counts for its clause and every ancestor: one pass, grouped
    SELECT i.org_id, iso28000.ancestor(i.clause, d) AS clause,
           iso28000.conformity_tally(i.grade, i.weight) AS tally, max(i.assessed_on) AS last_assessed_on
      FROM items i
     CROSS JOIN LATERAL generate_series(1, iso28000.depth(i.clause)) AS d
     GROUP BY 1, 2)
SELECT o.org_id, c.clause, c.title, c.seq, l.grade,
       coalesce(r.tally, '{}') AS tally, iso28000.score(r.tally) AS score, iso28000.coverage(r.tally) AS coverage,
       iso28000.verdict(r.tally) AS verdict, r.last_assessed_on
  FROM orgs o
 CROSS JOIN catalog c
  LEFT JOIN rolled r ON r.org_id = o.org_id AND r.clause OPERATOR(iso28000.=) c.clause
  LEFT JOIN latest l ON l.org_id = o.org_id AND l.clause OPERATOR(iso28000.=) c.clause;
COMMENT ON VIEW iso28000.conformity_by_clause IS
  'ISO 28000 9.1, 9.1.2: Conformity of every clause of ISO 28000:2022 per organisation: the latest self-assessment grade of each clause, rolled up the clause hierarchy (a clause counts its own grade and its sub-clauses''), with score, coverage and verdict; a leaf clause never assessed counts as not_assessed.';
COMMENT ON COLUMN iso28000.conformity_by_clause.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.conformity_by_clause.clause IS 'Clause of ISO 28000:2022.';
COMMENT ON COLUMN iso28000.conformity_by_clause.title IS 'Title of the clause.';
COMMENT ON COLUMN iso28000.conformity_by_clause.seq IS 'Position of the clause in the standard (sort by it).';
COMMENT ON COLUMN iso28000.conformity_by_clause.grade IS 'Latest grade given to the clause itself, NULL if never graded.';
COMMENT ON COLUMN iso28000.conformity_by_clause.tally IS 'Tally of the latest grades of the clause and its sub-clauses.';
COMMENT ON COLUMN iso28000.conformity_by_clause.score IS 'Weighted conformity score in percent (NULL when nothing graded).';
COMMENT ON COLUMN iso28000.conformity_by_clause.coverage IS 'Share of applicable clauses graded, in percent.';
COMMENT ON COLUMN iso28000.conformity_by_clause.verdict IS 'nonconforming, conforming_with_findings or conforming (NULL when nothing graded).';
COMMENT ON COLUMN iso28000.conformity_by_clause.last_assessed_on IS 'Date of the most recent grade counted.';

CREATE VIEW iso28000.conformity_trend WITH (security_invoker = true) AS
SELECT x.org_id, x.assessment_id, x.title, x.assessed_on, x.tally,
       iso28000.score(x.tally) AS score, iso28000.coverage(x.tally) AS coverage,
       iso28000.verdict(x.tally) AS verdict,
       iso28000.score(x.tally) - lag(iso28000.score(x.tally)) OVER (PARTITION BY x.org_id ORDER BY x.assessed_on, x.assessment_id) AS score_change,
       iso28000.score(iso28000.conformity_merge(x.tally) OVER w) AS moving_score,
       iso28000.coverage(iso28000.conformity_merge(x.tally) OVER w) AS moving_coverage,
       count(*) OVER w AS moving_assessments
  FROM (SELECT s.org_id, s.assessment_id, s.title, s.assessed_on,
               iso28000.conformity_tally(r.grade, r.weight) AS tally
          FROM iso28000.self_assessment s
          LEFT JOIN iso28000.assessment_result r USING (org_id, assessment_id)
         GROUP BY s.org_id, s.assessment_id) x
WINDOW w AS (PARTITION BY x.org_id ORDER BY x.assessed_on, x.assessment_id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);
COMMENT ON VIEW iso28000.conformity_trend IS
  'ISO 28000 9.1, 9.3.2: Conformity across self-assessments per organisation, in date order: each assessment''s score, coverage and verdict, the change from the previous one, and a moving window over the last three assessments (their tallies merged).';
COMMENT ON COLUMN iso28000.conformity_trend.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.conformity_trend.assessment_id IS 'The self-assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.title IS 'Name of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.assessed_on IS 'Date of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.tally IS 'Tally of the assessment''s results.';
COMMENT ON COLUMN iso28000.conformity_trend.score IS 'Weighted conformity score of the assessment, in percent.';
COMMENT ON COLUMN iso28000.conformity_trend.coverage IS 'Coverage of the assessment, in percent.';
COMMENT ON COLUMN iso28000.conformity_trend.verdict IS 'Verdict of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.score_change IS 'Score minus the previous assessment''s score (percentage points).';
COMMENT ON COLUMN iso28000.conformity_trend.moving_score IS 'Score of this and the two previous assessments together.';
COMMENT ON COLUMN iso28000.conformity_trend.moving_coverage IS 'Coverage of this and the two previous assessments together.';
COMMENT ON COLUMN iso28000.conformity_trend.moving_assessments IS 'Number of assessments in the moving window (up to 3).';

CREATE VIEW iso28000.audit_coverage WITH (security_invoker = true) AS
SELECT p.org_id, p.programme_id, p.title AS programme, p.period_start, p.period_end,
       c.clause, c.title, c.seq,
       count(a.audit_id) AS audits,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) AS audits_done,
       max(coalesce(a.ended_on, a.started_on)) FILTER (WHERE a.status IN ('in_progress', 'reported', 'closed')) AS last_audited_on,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) > 0 AS covered,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) = 0 AND p.period_end < current_date AS missed
  FROM iso28000.audit_programme p
  JOIN iso28000.clause c ON c.standard = 'ISO 28000:2022' AND iso28000.scope_covers(p.scope, c.clause)
  LEFT JOIN iso28000.audit a
         ON a.org_id = p.org_id AND a.programme_id = p.programme_id
        AND a.status <> 'cancelled' AND iso28000.scope_covers(a.scope, c.clause)
 GROUP BY p.org_id, p.programme_id, c.clause, c.title, c.seq;
COMMENT ON VIEW iso28000.audit_coverage IS
  'ISO 28000 9.2.2: Which clauses of its scope an audit programme audited in its cycle and which it missed: per programme and clause, the audits whose scope covers the clause (a clause covers its sub-clauses).';
COMMENT ON COLUMN iso28000.audit_coverage.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_coverage.programme_id IS 'The audit programme.';
COMMENT ON COLUMN iso28000.audit_coverage.programme IS 'Name of the programme.';
COMMENT ON COLUMN iso28000.audit_coverage.period_start IS 'First day of the programme''s cycle.';
COMMENT ON COLUMN iso28000.audit_coverage.period_end IS 'Last day of the programme''s cycle.';
COMMENT ON COLUMN iso28000.audit_coverage.clause IS 'Clause in the programme scope.';
COMMENT ON COLUMN iso28000.audit_coverage.title IS 'Title of the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.seq IS 'Position of the clause in the standard.';
COMMENT ON COLUMN iso28000.audit_coverage.audits IS 'Audits of the programme (not cancelled) whose scope covers the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.audits_done IS 'Of those, audits reported or closed.';
COMMENT ON COLUMN iso28000.audit_coverage.last_audited_on IS 'Last day of fieldwork of the latest audit covering the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.covered IS 'True when a reported or closed audit covered the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.missed IS 'True when the cycle has ended and no audit covered the clause.';

CREATE VIEW iso28000.findings_by_clause WITH (security_invoker = true) AS
SELECT f.org_id, f.clause, c.title, f.grade,
       count(*) AS findings,
       count(DISTINCT f.audit_id) AS audits,
       count(f.nonconformity_id) AS with_nonconformity,
       min(f.found_on) AS first_found_on,
       max(f.found_on) AS last_found_on
  FROM iso28000.audit_finding f
  JOIN iso28000.audit a USING (org_id, audit_id)
  LEFT JOIN iso28000.clause c ON c.standard = 'ISO 28000:2022' AND c.clause = f.clause
 WHERE a.status <> 'cancelled'
 GROUP BY f.org_id, f.clause, c.title, f.grade;
COMMENT ON VIEW iso28000.findings_by_clause IS
  'ISO 28000 9.2.2, 10.2: Audit findings per organisation, clause and grade (cancelled audits left out), with how many raised a nonconformity.';
COMMENT ON COLUMN iso28000.findings_by_clause.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.findings_by_clause.clause IS 'Clause of the findings.';
COMMENT ON COLUMN iso28000.findings_by_clause.title IS 'Title of the clause (NULL for a clause outside the ISO 28000:2022 catalog).';
COMMENT ON COLUMN iso28000.findings_by_clause.grade IS 'Grade of the findings.';
COMMENT ON COLUMN iso28000.findings_by_clause.findings IS 'Number of findings.';
COMMENT ON COLUMN iso28000.findings_by_clause.audits IS 'Number of audits they come from.';
COMMENT ON COLUMN iso28000.findings_by_clause.with_nonconformity IS 'Findings that raised a nonconformity.';
COMMENT ON COLUMN iso28000.findings_by_clause.first_found_on IS 'Date of the first finding.';
COMMENT ON COLUMN iso28000.findings_by_clause.last_found_on IS 'Date of the latest finding.';

-- ---------------------------------------------------------------------------
-- Findings raise their nonconformities (10.2)
-- ---------------------------------------------------------------------------

-- Raises the nonconformity of a minor_nc or major_nc finding (source audit_finding, severity from the grade).
CREATE FUNCTION iso28000.audit_finding_raise_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    lead bigint;
    audit_title text;
BEGIN
    IF NEW.grade NOT IN ('minor_nc', 'major_nc') OR NEW.nonconformity_id IS NOT NULL
       OR to_regclass('iso28000.nonconformity') IS NULL THEN
        RETURN NEW;
    END IF;
    SELECT a.lead_auditor_id, a.title INTO lead, audit_title
      FROM iso28000.audit a WHERE a.org_id = NEW.org_id AND a.audit_id = NEW.audit_id;
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by)
    VALUES (NEW.org_id,
            left(format('Audit finding on %s: %s', NEW.clause, NEW.statement), 200),
            concat_ws(E'\n', NEW.statement, 'Evidence: ' || NEW.evidence, 'Audit: ' || audit_title),
            'audit_finding', format('audit %s, finding %s', NEW.audit_id, NEW.finding_id),
            NEW.clause, CASE NEW.grade WHEN 'major_nc' THEN 'major' ELSE 'minor' END,
            NEW.found_on, lead)
    RETURNING nonconformity_id INTO NEW.nonconformity_id;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_finding_raise_nonconformity() IS
  'Trigger: a finding graded minor_nc or major_nc (inserted, or regraded to one) without a nonconformity raises one in iso28000.nonconformity (source audit_finding, severity minor or major from the grade, reported by the lead auditor) and records its key in the finding.';
CREATE TRIGGER audit_finding_raise_nonconformity
    BEFORE INSERT OR UPDATE OF grade ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_raise_nonconformity();

-- ---------------------------------------------------------------------------
-- Workflows (engine: sql/core/07_workflow.sql)
-- ---------------------------------------------------------------------------

-- Guard of the audit workflow: independence to start, a nonconformity for every nc finding to close.
CREATE FUNCTION iso28000.audit_guard(a iso28000.audit, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    missing text;
BEGIN
    IF to_state = 'in_progress' THEN
        missing := iso28000.audit_independence_conflict(a.org_id, a.audit_id);
        RETURN CASE WHEN missing IS NOT NULL
                    THEN 'auditors independent of the processes audited (' || missing || ')' END;
    END IF;
    IF to_state = 'closed' THEN
        SELECT string_agg(format('finding %s (%s, %s)', f.finding_id, f.clause, f.grade), ', ' ORDER BY f.finding_id)
          INTO missing
          FROM iso28000.audit_finding f
         WHERE f.org_id = a.org_id AND f.audit_id = a.audit_id
           AND f.grade IN ('minor_nc', 'major_nc') AND f.nonconformity_id IS NULL;
        RETURN CASE WHEN missing IS NOT NULL
                    THEN 'a nonconformity for every minor_nc or major_nc finding (none for ' || missing || ')' END;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.audit_guard(iso28000.audit, text, text) IS
  'ISO 28000 9.2.2, 10.2: Workflow guard of audits: to start, no auditor may own a process the audit examines; to close, every minor_nc or major_nc finding must have its nonconformity.';

-- Guard of the management review workflow: to close, every required input addressed and results recorded.
CREATE FUNCTION iso28000.management_review_guard(r iso28000.management_review, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    missing text;
BEGIN
    IF to_state <> 'closed' THEN
        RETURN NULL;
    END IF;
    SELECT string_agg(i.input_code, ', ' ORDER BY i.seq, i.input_code) INTO missing
      FROM iso28000.review_input_item i
     WHERE i.org_id = r.org_id AND i.review_id = r.review_id AND i.required AND NOT i.addressed;
    IF missing IS NOT NULL THEN
        RETURN 'every required input addressed (not yet: ' || missing || ')';
    END IF;
    IF NOT EXISTS (SELECT FROM iso28000.review_output o
                    WHERE o.org_id = r.org_id AND o.review_id = r.review_id AND o.status <> 'cancelled') THEN
        RETURN 'its results recorded (at least one decision, action or SMS change in review_output)';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.management_review_guard(iso28000.management_review, text, text) IS
  'ISO 28000 9.3.2, 9.3.3: Workflow guard of management reviews: to close, every required input of the checklist is addressed and at least one result is recorded.';

INSERT INTO iso28000.workflow (workflow, description) VALUES
  ('audit', 'ISO 28000 9.2: an internal audit from plan to closure (fieldwork, report, closure once every nonconforming finding has its nonconformity).'),
  ('management_review', 'ISO 28000 9.3: a management review from plan to closure (held, then closed once every required input is addressed and results are recorded).');

INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable, description) VALUES
  ('audit', 'planned',     true,  false, false, true,  'Planned in the programme, not started.'),
  ('audit', 'in_progress', false, false, false, false, 'Fieldwork under way.'),
  ('audit', 'reported',    false, false, false, false, 'Report issued with its conclusion; nonconformities being raised.'),
  ('audit', 'closed',      false, true,  true,  false, 'Closed: every nonconforming finding has its nonconformity.'),
  ('audit', 'cancelled',   false, true,  true,  false, 'Cancelled (with the reason).'),
  ('management_review', 'planned',   true,  false, false, true,  'Planned, not held yet.'),
  ('management_review', 'held',      false, false, false, false, 'Held; inputs being addressed and results recorded.'),
  ('management_review', 'closed',    false, true,  true,  false, 'Closed: every required input addressed, results recorded.'),
  ('management_review', 'cancelled', false, true,  true,  false, 'Cancelled (with the reason).');

INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level, guard, note) VALUES
  ('audit', 'planned',     'in_progress', 'write', 'iso28000.audit_guard(iso28000.audit, text, text)', '9.2.2: fieldwork starts; auditors independent of the processes audited.'),
  ('audit', 'planned',     'cancelled',   'write', NULL, 'Audit dropped from the programme.'),
  ('audit', 'in_progress', 'reported',    'write', NULL, '9.2.2: report and conclusion issued.'),
  ('audit', 'in_progress', 'cancelled',   'write', NULL, 'Audit abandoned.'),
  ('audit', 'reported',    'in_progress', 'write', NULL, 'More fieldwork needed.'),
  ('audit', 'reported',    'closed',      'audit', 'iso28000.audit_guard(iso28000.audit, text, text)', '9.2.2, 10.2: closed once every nonconforming finding has its nonconformity.'),
  ('management_review', 'planned', 'held',      'write', NULL, '9.3.1: the review took place.'),
  ('management_review', 'planned', 'cancelled', 'write', NULL, 'Review cancelled.'),
  ('management_review', 'held',    'closed',    'manage', 'iso28000.management_review_guard(iso28000.management_review, text, text)', '9.3.2, 9.3.3: every required input addressed and results recorded.');

INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description) VALUES
  ('audit', 'in_progress', 'started_on',  'the first day of fieldwork'),
  ('audit', 'reported',    'reported_on', 'the date of the report'),
  ('audit', 'reported',    'report',      'the audit report or where it is kept'),
  ('audit', 'reported',    'conclusion',  'the audit conclusion'),
  ('audit', 'closed',      'closed_on',   'the closing date'),
  ('audit', 'cancelled',   'status_note', 'why the audit was cancelled'),
  ('management_review', 'held',      'minutes',     'the minutes of the review'),
  ('management_review', 'closed',    'conclusion',  'the conclusion on the suitability, adequacy and effectiveness of the SMS'),
  ('management_review', 'closed',    'closed_on',   'the closing date'),
  ('management_review', 'cancelled', 'status_note', 'why the review was cancelled');

SELECT iso28000.attach_workflow('iso28000.audit', 'audit');
SELECT iso28000.attach_workflow('iso28000.management_review', 'management_review');

-- Members read the views; row-level security of the registers beneath them
-- (security_invoker) decides which rows they see.
GRANT SELECT ON iso28000.indicator_status, iso28000.conformity_by_clause, iso28000.conformity_trend,
  iso28000.audit_coverage, iso28000.findings_by_clause TO PUBLIC;
/*
 * sql/clauses/clause10_improvement.sql
 *		ISO 28000 clause 10: improvement.
 *
 * This file is the last of the install script; it ends by marking every
 * workflow rule seeded so far as builtin (see sql/core/07_workflow.sql).
 */


/* ---------------------------------------------------------------------------
 * 10.2 Nonconformity and corrective action
 * ------------------------------------------------------------------------- */

CREATE TABLE iso28000.nonconformity (
  org_id                  bigint NOT NULL REFERENCES iso28000.organization,
  nonconformity_id        bigint GENERATED ALWAYS AS IDENTITY,
  title                   text NOT NULL CONSTRAINT nonconformity_title_present CHECK (btrim(title) <> ''),
  description             text,
  source                  text NOT NULL DEFAULT 'other'
                          CONSTRAINT nonconformity_source_known CHECK (source IN
                            ('audit_finding', 'incident', 'monitoring', 'complaint', 'management_review', 'other')),
  source_ref              text,
  clause                  iso28000.clause_ref,
  severity                text NOT NULL CONSTRAINT nonconformity_severity_known CHECK (severity IN ('minor', 'major')),
  detected_on             date NOT NULL DEFAULT current_date,
  reported_by             bigint,
  owner_id                bigint,
  status                  text NOT NULL DEFAULT 'reported',
  rejection_reason        text,
  correction              text,
  root_cause              text,
  analysis_method         text,
  similar_nonconformities text,
  effectiveness_review    text,
  verified_by             bigint,
  verified_on             date,
  sms_change_needed       boolean,
  sms_change_note         text,
  status_changed_at       timestamptz,
  status_changed_by       name,
  status_note             text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, nonconformity_id),
  FOREIGN KEY (org_id, reported_by) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, verified_by) REFERENCES iso28000.person (org_id, person_id)
);
CREATE INDEX nonconformity_status_idx ON iso28000.nonconformity (org_id, status);
COMMENT ON TABLE iso28000.nonconformity IS
  'ISO 28000 10.2: Nonconformities: reaction (correction), cause analysis, corrective actions, review of their effectiveness and the decision on changes to the SMS. Workflow "nonconformity", enforced by iso28000.workflow_guard().';
COMMENT ON COLUMN iso28000.nonconformity.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.nonconformity.nonconformity_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.nonconformity.title IS 'Short statement of the nonconformity.';
COMMENT ON COLUMN iso28000.nonconformity.description IS 'What was found, where and how (the evidence).';
COMMENT ON COLUMN iso28000.nonconformity.source IS 'Where it came from: audit_finding, incident, monitoring, complaint, management_review or other.';
COMMENT ON COLUMN iso28000.nonconformity.source_ref IS 'Reference of the source record (audit finding, incident number...).';
COMMENT ON COLUMN iso28000.nonconformity.clause IS 'Clause of ISO 28000 (or of an integrated standard) not fulfilled.';
COMMENT ON COLUMN iso28000.nonconformity.severity IS 'minor or major; sets the deadlines (nonconformity_deadline).';
COMMENT ON COLUMN iso28000.nonconformity.detected_on IS 'Date it was detected.';
COMMENT ON COLUMN iso28000.nonconformity.reported_by IS 'Person who reported it.';
COMMENT ON COLUMN iso28000.nonconformity.owner_id IS 'Person responsible for dealing with it.';
COMMENT ON COLUMN iso28000.nonconformity.status IS 'Workflow state: reported, rejected, contained, cause_analysed, action_planned, action_taken, verified, closed.';
COMMENT ON COLUMN iso28000.nonconformity.rejection_reason IS 'Why it is not a nonconformity (needed to enter rejected).';
COMMENT ON COLUMN iso28000.nonconformity.correction IS '10.2 a: action taken to control and correct it and to deal with the consequences (needed to enter contained).';
COMMENT ON COLUMN iso28000.nonconformity.root_cause IS '10.2 b: the causes (needed to enter cause_analysed).';
COMMENT ON COLUMN iso28000.nonconformity.analysis_method IS '10.2 b: method of the cause analysis (five whys, fishbone...).';
COMMENT ON COLUMN iso28000.nonconformity.similar_nonconformities IS '10.2 b: whether similar nonconformities exist or could potentially occur, and where.';
COMMENT ON COLUMN iso28000.nonconformity.effectiveness_review IS '10.2 d: review of the effectiveness of the corrective actions (needed to enter verified).';
COMMENT ON COLUMN iso28000.nonconformity.verified_by IS '10.2 d: person who reviewed effectiveness; must own none of its corrective actions.';
COMMENT ON COLUMN iso28000.nonconformity.verified_on IS '10.2 d: date of the effectiveness review.';
COMMENT ON COLUMN iso28000.nonconformity.sms_change_needed IS '10.2 e: decision whether the SMS must change (needed to close).';
COMMENT ON COLUMN iso28000.nonconformity.sms_change_note IS '10.2 e: the change to make to the SMS; needed when sms_change_needed.';
COMMENT ON COLUMN iso28000.nonconformity.status_changed_at IS 'When the status last changed (set by the workflow engine).';
COMMENT ON COLUMN iso28000.nonconformity.status_changed_by IS 'Role that last changed the status (set by the workflow engine).';
COMMENT ON COLUMN iso28000.nonconformity.status_note IS 'Note of the last transition, copied into the workflow event log.';
COMMENT ON COLUMN iso28000.nonconformity.created_at IS 'When the record was created.';
SELECT iso28000.register_table('iso28000.nonconformity');

CREATE TABLE iso28000.corrective_action (
  org_id               bigint NOT NULL REFERENCES iso28000.organization,
  corrective_action_id bigint GENERATED ALWAYS AS IDENTITY,
  nonconformity_id     bigint NOT NULL,
  title                text NOT NULL CONSTRAINT corrective_action_title_present CHECK (btrim(title) <> ''),
  description          text,
  owner_id             bigint,
  due_on               date,
  status               text NOT NULL DEFAULT 'planned',
  completed_on         date,
  evidence             text,
  cancel_reason        text,
  status_changed_at    timestamptz,
  status_changed_by    name,
  status_note          text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, corrective_action_id),
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES iso28000.nonconformity (org_id, nonconformity_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
CREATE INDEX corrective_action_nonconformity_idx ON iso28000.corrective_action (org_id, nonconformity_id);
COMMENT ON TABLE iso28000.corrective_action IS
  'ISO 28000 10.2: Corrective actions of a nonconformity, each with an owner, a due date, completion and evidence. Workflow "corrective_action"; frozen once its nonconformity is verified or closed.';
COMMENT ON COLUMN iso28000.corrective_action.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.corrective_action.corrective_action_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.corrective_action.nonconformity_id IS 'The nonconformity it corrects.';
COMMENT ON COLUMN iso28000.corrective_action.title IS 'What is to be done.';
COMMENT ON COLUMN iso28000.corrective_action.description IS 'Details of the action.';
COMMENT ON COLUMN iso28000.corrective_action.owner_id IS 'Person who owns the action (needed to plan it).';
COMMENT ON COLUMN iso28000.corrective_action.due_on IS 'Due date (needed to plan it).';
COMMENT ON COLUMN iso28000.corrective_action.status IS 'Workflow state: planned, in_progress, done, cancelled.';
COMMENT ON COLUMN iso28000.corrective_action.completed_on IS 'Completion date (needed to enter done).';
COMMENT ON COLUMN iso28000.corrective_action.evidence IS 'Evidence of completion (needed to enter done).';
COMMENT ON COLUMN iso28000.corrective_action.cancel_reason IS 'Why it was cancelled (needed to enter cancelled).';
COMMENT ON COLUMN iso28000.corrective_action.status_changed_at IS 'When the status last changed (set by the workflow engine).';
COMMENT ON COLUMN iso28000.corrective_action.status_changed_by IS 'Role that last changed the status (set by the workflow engine).';
COMMENT ON COLUMN iso28000.corrective_action.status_note IS 'Note of the last transition, copied into the workflow event log.';
COMMENT ON COLUMN iso28000.corrective_action.created_at IS 'When the record was created.';
SELECT iso28000.register_table('iso28000.corrective_action');

-- Guard: action_planned needs a live corrective action with an owner and a due date.
CREATE FUNCTION iso28000.nonconformity_actions_planned(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
AS $$
  SELECT CASE WHEN NOT EXISTS (
           SELECT 1 FROM iso28000.corrective_action ca
            WHERE ca.org_id = r.org_id AND ca.nonconformity_id = r.nonconformity_id
              AND ca.status <> 'cancelled' AND ca.owner_id IS NOT NULL AND ca.due_on IS NOT NULL)
         THEN 'at least one live corrective action with an owner and a due date' END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_actions_planned(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 c): refuses action_planned until the nonconformity has a live corrective action with an owner and a due date.';

-- Guard: action_taken needs every live corrective action done (and one at least).
CREATE FUNCTION iso28000.nonconformity_actions_done(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
AS $$
  SELECT CASE
           WHEN count(*) FILTER (WHERE ca.status NOT IN ('done', 'cancelled')) > 0
             THEN 'every live corrective action done (still open: '
                  || string_agg(ca.corrective_action_id::text, ', ' ORDER BY ca.corrective_action_id)
                       FILTER (WHERE ca.status NOT IN ('done', 'cancelled')) || ')'
           WHEN count(*) FILTER (WHERE ca.status = 'done') = 0
             THEN 'at least one corrective action done'
         END
    FROM iso28000.corrective_action ca
   WHERE ca.org_id = r.org_id AND ca.nonconformity_id = r.nonconformity_id
$$;
COMMENT ON FUNCTION iso28000.nonconformity_actions_done(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 c): refuses action_taken while a live corrective action of the nonconformity is not done, or when none is done.';

-- Guard: the effectiveness reviewer owns none of the corrective actions.
CREATE FUNCTION iso28000.nonconformity_verifier_independent(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
AS $$
  SELECT 'a verifier who owns none of its corrective actions (person ' || r.verified_by
         || ' owns corrective action ' || min(ca.corrective_action_id) || ')'
    FROM iso28000.corrective_action ca
   WHERE ca.org_id = r.org_id AND ca.nonconformity_id = r.nonconformity_id
     AND ca.owner_id = r.verified_by
  HAVING count(*) > 0
$$;
COMMENT ON FUNCTION iso28000.nonconformity_verifier_independent(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 d): refuses verified when the person who reviewed effectiveness owns one of the nonconformity''s corrective actions (segregation of duties).';

-- Guard: closing with an SMS change needs the change described.
CREATE FUNCTION iso28000.nonconformity_sms_decision(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
  SELECT CASE WHEN r.sms_change_needed AND coalesce(btrim(r.sms_change_note), '') = ''
              THEN 'the change to make to the SMS (sms_change_note), since sms_change_needed is true' END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_sms_decision(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 e): refuses closed when the SMS must change but the change is not described.';

-- Guard: a done corrective action is reopened only after its nonconformity's
-- verification found the actions ineffective (it is back in analysis or planning).
CREATE FUNCTION iso28000.corrective_action_reopen_allowed(r iso28000.corrective_action, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
AS $$
  SELECT CASE WHEN n.status NOT IN ('cause_analysed', 'action_planned')
              THEN 'its nonconformity sent back to cause_analysed as ineffective (it is ' || n.status || ')' END
    FROM iso28000.nonconformity n
   WHERE n.org_id = r.org_id AND n.nonconformity_id = r.nonconformity_id
$$;
COMMENT ON FUNCTION iso28000.corrective_action_reopen_allowed(iso28000.corrective_action, text, text) IS
  'Workflow guard (10.2 d): a done corrective action goes back to in_progress only while its nonconformity is back in cause_analysed or action_planned after an ineffective verification.';

UPDATE iso28000.workflow_transition SET guard = 'iso28000.nonconformity_actions_planned(iso28000.nonconformity, text, text)'
 WHERE workflow = 'nonconformity' AND to_state = 'action_planned';
UPDATE iso28000.workflow_transition SET guard = 'iso28000.nonconformity_actions_done(iso28000.nonconformity, text, text)'
 WHERE workflow = 'nonconformity' AND to_state = 'action_taken';
UPDATE iso28000.workflow_transition SET guard = 'iso28000.nonconformity_verifier_independent(iso28000.nonconformity, text, text)'
 WHERE workflow = 'nonconformity' AND to_state = 'verified';
UPDATE iso28000.workflow_transition SET guard = 'iso28000.nonconformity_sms_decision(iso28000.nonconformity, text, text)'
 WHERE workflow = 'nonconformity' AND to_state = 'closed';
UPDATE iso28000.workflow_transition SET guard = 'iso28000.corrective_action_reopen_allowed(iso28000.corrective_action, text, text)'
 WHERE workflow = 'corrective_action' AND from_state = 'done' AND to_state = 'in_progress';

/*
 * A corrective action changes only while its nonconformity is open to it.
 * The trigger locks the nonconformity's row (FOR SHARE) before the workflow
 * trigger runs (triggers fire in name order), so a corrective action being
 * reopened or added and its nonconformity moving to action_taken serialise
 * on that row: whichever comes second sees the other's committed result.
 */
CREATE FUNCTION iso28000.corrective_action_check_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec iso28000.corrective_action := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  nc_status text;
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.org_id, NEW.nonconformity_id) IS DISTINCT FROM (OLD.org_id, OLD.nonconformity_id) THEN
    RAISE EXCEPTION 'corrective action % cannot move from nonconformity % to another', OLD.corrective_action_id, OLD.nonconformity_id
      USING ERRCODE = 'IS150',
            HINT = 'Cancel it and plan a new corrective action on the other nonconformity.';
  END IF;
  SELECT n.status INTO nc_status FROM iso28000.nonconformity n
   WHERE n.org_id = rec.org_id AND n.nonconformity_id = rec.nonconformity_id
     FOR SHARE;
  IF nc_status IN ('verified', 'closed', 'rejected') THEN
    RAISE EXCEPTION 'corrective action % cannot change: nonconformity % is %',
                    coalesce(rec.corrective_action_id::text, '(new)'), rec.nonconformity_id, nc_status
      USING ERRCODE = 'IS150',
            DETAIL = 'The corrective actions of a verified, closed or rejected nonconformity are frozen with it.',
            HINT = 'Reopen the nonconformity (closed to cause_analysed) first.';
  END IF;
  IF nc_status = 'action_taken' AND TG_OP <> 'DELETE' AND rec.status NOT IN ('done', 'cancelled') THEN
    RAISE EXCEPTION 'corrective action % cannot be % while nonconformity % is action_taken',
                    coalesce(rec.corrective_action_id::text, '(new)'),
                    CASE WHEN TG_OP = 'INSERT' THEN 'added' ELSE rec.status END, rec.nonconformity_id
      USING ERRCODE = 'IS151',
            DETAIL = 'Every live corrective action of a nonconformity in action_taken is done.',
            HINT = 'If verification finds the actions ineffective, move the nonconformity back to cause_analysed first.';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION iso28000.corrective_action_check_nonconformity() IS
  'Trigger on corrective_action: locks its nonconformity and refuses changes when it is verified, closed or rejected (IS150) and new or reopened actions when it is action_taken (IS151).';

CREATE TRIGGER corrective_action_check_nonconformity
  BEFORE INSERT OR UPDATE OR DELETE ON iso28000.corrective_action
  FOR EACH ROW EXECUTE FUNCTION iso28000.corrective_action_check_nonconformity();

-- The verifier's independence holds while the record stays verified: the
-- engine runs guards on transitions only, so a change of verifier in place is
-- checked here with the same guard.
CREATE FUNCTION iso28000.nonconformity_keep_verifier_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  why text;
BEGIN
  IF OLD.status = 'verified' AND NEW.status = 'verified' AND NEW.verified_by IS DISTINCT FROM OLD.verified_by THEN
    why := iso28000.nonconformity_verifier_independent(NEW, OLD.status, NEW.status);
    IF why IS NOT NULL THEN
      RAISE EXCEPTION 'iso28000.nonconformity (org_id, nonconformity_id)=(%, %) cannot stay in "verified" with this verifier: %',
                      NEW.org_id, NEW.nonconformity_id, why
        USING ERRCODE = 'IS104';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_keep_verifier_independent() IS
  'Trigger on nonconformity: a verified nonconformity''s verifier may be changed only to someone who owns none of its corrective actions (IS104).';
CREATE TRIGGER nonconformity_keep_verifier_independent BEFORE UPDATE OF verified_by ON iso28000.nonconformity
  FOR EACH ROW EXECUTE FUNCTION iso28000.nonconformity_keep_verifier_independent();

SELECT iso28000.attach_workflow('iso28000.nonconformity', 'nonconformity');
SELECT iso28000.attach_workflow('iso28000.corrective_action', 'corrective_action');

-- Records a nonconformity (for example from an audit finding); returns its id.
CREATE FUNCTION iso28000.raise_nonconformity(
  org bigint, title text, severity text, source text DEFAULT 'other',
  source_ref text DEFAULT NULL, clause text DEFAULT NULL,
  description text DEFAULT NULL, detected_on date DEFAULT current_date)
RETURNS bigint
LANGUAGE sql VOLATILE
AS $$
  INSERT INTO iso28000.nonconformity (org_id, title, severity, source, source_ref, clause, description,
                                      detected_on, reported_by)
  VALUES (org, title, severity, source, source_ref, clause::iso28000.clause_ref, description, detected_on,
          iso28000.current_person(org))
  RETURNING nonconformity_id
$$;
COMMENT ON FUNCTION iso28000.raise_nonconformity(bigint, text, text, text, text, text, text, date) IS
  'Records a nonconformity in state reported, reported by the current person; returns its id. The clause is text (cast to clause_ref, 22P02 if malformed). Audit findings graded minor_nc or major_nc call it.';

/* ---------------------------------------------------------------------------
 * Deadlines and escalation, per organisation and severity
 * ------------------------------------------------------------------------- */

CREATE TABLE iso28000.nonconformity_deadline_default (
  severity        text PRIMARY KEY CONSTRAINT nonconformity_deadline_default_severity CHECK (severity IN ('minor', 'major')),
  days_to_contain integer NOT NULL CHECK (days_to_contain >= 0),
  days_to_close   integer NOT NULL CHECK (days_to_close >= 0),
  escalate_after  integer NOT NULL CHECK (escalate_after >= 0)
);
COMMENT ON TABLE iso28000.nonconformity_deadline_default IS
  'ISO 28000 10.2: Default deadlines of nonconformities by severity, for organisations that set none in nonconformity_deadline.';
COMMENT ON COLUMN iso28000.nonconformity_deadline_default.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_deadline_default.days_to_contain IS 'Days from detection to containment (contained).';
COMMENT ON COLUMN iso28000.nonconformity_deadline_default.days_to_close IS 'Days from detection to closure.';
COMMENT ON COLUMN iso28000.nonconformity_deadline_default.escalate_after IS 'Days past a deadline after which the nonconformity is escalated to top management.';
INSERT INTO iso28000.nonconformity_deadline_default VALUES ('major', 2, 30, 7), ('minor', 7, 90, 30);
GRANT SELECT ON iso28000.nonconformity_deadline_default TO PUBLIC;

CREATE TABLE iso28000.nonconformity_deadline (
  org_id                    bigint NOT NULL REFERENCES iso28000.organization,
  nonconformity_deadline_id bigint GENERATED ALWAYS AS IDENTITY,
  severity                  text NOT NULL CONSTRAINT nonconformity_deadline_severity CHECK (severity IN ('minor', 'major')),
  days_to_contain           integer NOT NULL CHECK (days_to_contain >= 0),
  days_to_close             integer NOT NULL CHECK (days_to_close >= 0),
  escalate_after            integer NOT NULL DEFAULT 0 CHECK (escalate_after >= 0),
  PRIMARY KEY (org_id, nonconformity_deadline_id),
  UNIQUE (org_id, severity)
);
COMMENT ON TABLE iso28000.nonconformity_deadline IS
  'ISO 28000 10.2: Deadlines an organisation sets for its nonconformities by severity: days to contain, days to close, and days past a deadline before escalation.';
COMMENT ON COLUMN iso28000.nonconformity_deadline.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.nonconformity_deadline.nonconformity_deadline_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.nonconformity_deadline.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_deadline.days_to_contain IS 'Days from detection to containment (contained).';
COMMENT ON COLUMN iso28000.nonconformity_deadline.days_to_close IS 'Days from detection to closure.';
COMMENT ON COLUMN iso28000.nonconformity_deadline.escalate_after IS 'Days past a deadline after which the nonconformity is escalated to top management.';
SELECT iso28000.register_table('iso28000.nonconformity_deadline');

/* ---------------------------------------------------------------------------
 * Views for people and BI
 * ------------------------------------------------------------------------- */

CREATE VIEW iso28000.nonconformity_open WITH (security_invoker = true) AS
SELECT n.org_id, n.nonconformity_id, n.title, n.severity, n.source, n.clause, n.status,
       n.owner_id, n.detected_on,
       current_date - n.detected_on AS age_days,
       (current_date - coalesce(n.status_changed_at, n.created_at)::date) AS days_in_state,
       n.detected_on + d.days_to_contain AS contain_due_on,
       n.detected_on + d.days_to_close AS close_due_on,
       (n.status = 'reported' AND current_date > n.detected_on + d.days_to_contain) AS contain_overdue,
       (current_date > n.detected_on + d.days_to_close) AS close_overdue,
       ((n.status = 'reported' AND current_date > n.detected_on + d.days_to_contain + d.escalate_after)
         OR current_date > n.detected_on + d.days_to_close + d.escalate_after) AS escalated,
       (SELECT count(*) FROM iso28000.corrective_action ca
         WHERE ca.org_id = n.org_id AND ca.nonconformity_id = n.nonconformity_id
           AND ca.status IN ('planned', 'in_progress')) AS open_actions
  FROM iso28000.nonconformity n
  CROSS JOIN LATERAL (
    SELECT coalesce(o.days_to_contain, g.days_to_contain) AS days_to_contain,
           coalesce(o.days_to_close, g.days_to_close) AS days_to_close,
           coalesce(o.escalate_after, g.escalate_after) AS escalate_after
      FROM iso28000.nonconformity_deadline_default g
      LEFT JOIN iso28000.nonconformity_deadline o ON o.org_id = n.org_id AND o.severity = g.severity
     WHERE g.severity = n.severity) d
 WHERE n.status NOT IN ('closed', 'rejected');
COMMENT ON VIEW iso28000.nonconformity_open IS
  'ISO 28000 10.2, 9.1: Open nonconformities by state, with their age, their deadlines (nonconformity_deadline, else the defaults) and overdue and escalation flags.';
COMMENT ON COLUMN iso28000.nonconformity_open.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.nonconformity_open.nonconformity_id IS 'The nonconformity.';
COMMENT ON COLUMN iso28000.nonconformity_open.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.nonconformity_open.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_open.source IS 'Where it came from.';
COMMENT ON COLUMN iso28000.nonconformity_open.clause IS 'Clause not fulfilled.';
COMMENT ON COLUMN iso28000.nonconformity_open.status IS 'Current workflow state.';
COMMENT ON COLUMN iso28000.nonconformity_open.owner_id IS 'Person responsible.';
COMMENT ON COLUMN iso28000.nonconformity_open.detected_on IS 'Date detected.';
COMMENT ON COLUMN iso28000.nonconformity_open.age_days IS 'Days since detection.';
COMMENT ON COLUMN iso28000.nonconformity_open.days_in_state IS 'Days since the last transition.';
COMMENT ON COLUMN iso28000.nonconformity_open.contain_due_on IS 'Date by which it must be contained.';
COMMENT ON COLUMN iso28000.nonconformity_open.close_due_on IS 'Date by which it must be closed.';
COMMENT ON COLUMN iso28000.nonconformity_open.contain_overdue IS 'Still reported past the containment date.';
COMMENT ON COLUMN iso28000.nonconformity_open.close_overdue IS 'Still open past the closure date.';
COMMENT ON COLUMN iso28000.nonconformity_open.escalated IS 'Overdue by more than the escalation days: to be escalated to top management.';
COMMENT ON COLUMN iso28000.nonconformity_open.open_actions IS 'Corrective actions planned or in progress.';
GRANT SELECT ON iso28000.nonconformity_open TO PUBLIC;

CREATE VIEW iso28000.corrective_action_overdue WITH (security_invoker = true) AS
SELECT ca.org_id, ca.corrective_action_id, ca.nonconformity_id, ca.title, ca.status,
       ca.owner_id, p.full_name AS owner_name, ca.due_on,
       current_date - ca.due_on AS days_overdue, n.severity
  FROM iso28000.corrective_action ca
  JOIN iso28000.nonconformity n ON n.org_id = ca.org_id AND n.nonconformity_id = ca.nonconformity_id
  LEFT JOIN iso28000.person p ON p.org_id = ca.org_id AND p.person_id = ca.owner_id
 WHERE ca.status IN ('planned', 'in_progress') AND ca.due_on < current_date;
COMMENT ON VIEW iso28000.corrective_action_overdue IS
  'ISO 28000 10.2, 9.1: Corrective actions planned or in progress past their due date.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.corrective_action_id IS 'The corrective action.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.nonconformity_id IS 'Its nonconformity.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.title IS 'What is to be done.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.status IS 'planned or in_progress.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.owner_id IS 'Owner.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.owner_name IS 'Owner''s name.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.due_on IS 'Due date.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.days_overdue IS 'Days past the due date.';
COMMENT ON COLUMN iso28000.corrective_action_overdue.severity IS 'Severity of its nonconformity.';
GRANT SELECT ON iso28000.corrective_action_overdue TO PUBLIC;

CREATE VIEW iso28000.nonconformity_cycle_time WITH (security_invoker = true) AS
WITH stay AS (
  SELECT e.org_id, e.record_id, e.to_state AS state,
         lead(e.occurred_at) OVER w - e.occurred_at AS spent
    FROM iso28000.workflow_event e
   WHERE e.table_name = 'iso28000.nonconformity'::regclass
  WINDOW w AS (PARTITION BY e.org_id, e.record_id ORDER BY e.event_id)
)
SELECT s.org_id, s.state, n.severity,
       count(*) AS stays,
       round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY s.spent)) / 86400)::numeric, 2) AS median_days,
       round((extract(epoch FROM percentile_cont(0.9) WITHIN GROUP (ORDER BY s.spent)) / 86400)::numeric, 2) AS p90_days
  FROM stay s
  JOIN iso28000.nonconformity n ON n.org_id = s.org_id AND n.nonconformity_id = s.record_id
 WHERE s.spent IS NOT NULL
 GROUP BY s.org_id, s.state, n.severity;
COMMENT ON VIEW iso28000.nonconformity_cycle_time IS
  'ISO 28000 10.2, 9.1: Time nonconformities spend in each state, by severity: median and 90th percentile in days, from the workflow event log (stays that have ended).';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.state IS 'Workflow state.';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.stays IS 'Number of ended stays in the state.';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.median_days IS 'Median days in the state.';
COMMENT ON COLUMN iso28000.nonconformity_cycle_time.p90_days IS '90th percentile of days in the state.';
GRANT SELECT ON iso28000.nonconformity_cycle_time TO PUBLIC;

CREATE VIEW iso28000.nonconformity_recurrence WITH (security_invoker = true) AS
SELECT n.org_id, n.nonconformity_id, n.title, n.clause, n.severity, n.status,
       count(*) FILTER (WHERE e.from_state = 'action_taken' AND e.to_state = 'cause_analysed') AS ineffective_count,
       count(*) FILTER (WHERE e.from_state = 'closed' AND e.to_state = 'cause_analysed') AS reopen_count,
       max(e.occurred_at) AS last_recurrence_at
  FROM iso28000.nonconformity n
  JOIN iso28000.workflow_event e
    ON e.org_id = n.org_id AND e.table_name = 'iso28000.nonconformity'::regclass
   AND e.record_id = n.nonconformity_id AND e.to_state = 'cause_analysed'
   AND e.from_state IN ('action_taken', 'closed')
 GROUP BY n.org_id, n.nonconformity_id, n.title, n.clause, n.severity, n.status;
COMMENT ON VIEW iso28000.nonconformity_recurrence IS
  'ISO 28000 10.2: Nonconformities that came back: actions found ineffective at verification (action_taken to cause_analysed) and reopenings after closure.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.nonconformity_id IS 'The nonconformity.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.clause IS 'Clause not fulfilled.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.status IS 'Current state.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.ineffective_count IS 'Times verification found its actions ineffective.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.reopen_count IS 'Times it was reopened after closure.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.last_recurrence_at IS 'When it last came back.';
GRANT SELECT ON iso28000.nonconformity_recurrence TO PUBLIC;

/* ---------------------------------------------------------------------------
 * 10.1 Continual improvement
 * ------------------------------------------------------------------------- */

CREATE TABLE iso28000.improvement (
  org_id            bigint NOT NULL REFERENCES iso28000.organization,
  improvement_id    bigint GENERATED ALWAYS AS IDENTITY,
  title             text NOT NULL CONSTRAINT improvement_title_present CHECK (btrim(title) <> ''),
  description       text,
  source            text NOT NULL DEFAULT 'other'
                    CONSTRAINT improvement_source_known CHECK (source IN
                      ('audit_finding', 'management_review', 'monitoring', 'nonconformity', 'suggestion', 'other')),
  clause            iso28000.clause_ref,
  nonconformity_id  bigint,
  owner_id          bigint,
  expected_benefit  text,
  due_on            date,
  implemented_on    date,
  outcome           text,
  rejection_reason  text,
  status            text NOT NULL DEFAULT 'proposed',
  status_changed_at timestamptz,
  status_changed_by name,
  status_note       text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, improvement_id),
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES iso28000.nonconformity (org_id, nonconformity_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
COMMENT ON TABLE iso28000.improvement IS
  'ISO 28000 10.1: Opportunities to improve the suitability, adequacy and effectiveness of the SMS, from proposal to the review of their outcome. Workflow "improvement".';
COMMENT ON COLUMN iso28000.improvement.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.improvement.improvement_id IS 'Surrogate key within the organisation.';
COMMENT ON COLUMN iso28000.improvement.title IS 'The improvement.';
COMMENT ON COLUMN iso28000.improvement.description IS 'Details.';
COMMENT ON COLUMN iso28000.improvement.source IS 'Where it came from: audit_finding, management_review, monitoring, nonconformity, suggestion or other.';
COMMENT ON COLUMN iso28000.improvement.clause IS 'Clause of the SMS it improves.';
COMMENT ON COLUMN iso28000.improvement.nonconformity_id IS 'Nonconformity it came from, if any.';
COMMENT ON COLUMN iso28000.improvement.owner_id IS 'Person responsible (needed to approve it).';
COMMENT ON COLUMN iso28000.improvement.expected_benefit IS 'Benefit expected (needed to approve it).';
COMMENT ON COLUMN iso28000.improvement.due_on IS 'Target date.';
COMMENT ON COLUMN iso28000.improvement.implemented_on IS 'Date implemented (needed to enter implemented).';
COMMENT ON COLUMN iso28000.improvement.outcome IS 'Review of the outcome (needed to enter reviewed).';
COMMENT ON COLUMN iso28000.improvement.rejection_reason IS 'Why it was not pursued (needed to enter rejected).';
COMMENT ON COLUMN iso28000.improvement.status IS 'Workflow state: proposed, approved, implemented, reviewed, rejected.';
COMMENT ON COLUMN iso28000.improvement.status_changed_at IS 'When the status last changed (set by the workflow engine).';
COMMENT ON COLUMN iso28000.improvement.status_changed_by IS 'Role that last changed the status (set by the workflow engine).';
COMMENT ON COLUMN iso28000.improvement.status_note IS 'Note of the last transition, copied into the workflow event log.';
COMMENT ON COLUMN iso28000.improvement.created_at IS 'When the record was created.';
SELECT iso28000.register_table('iso28000.improvement');

INSERT INTO iso28000.workflow (workflow, description) VALUES
  ('improvement', 'ISO 28000 10.1: an improvement from proposal to the review of its outcome.');
INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable, description) VALUES
  ('improvement', 'proposed',    true,  false, false, true,  'Proposed.'),
  ('improvement', 'approved',    false, false, false, false, 'Approved, with an owner and the expected benefit.'),
  ('improvement', 'implemented', false, false, false, false, 'Implemented.'),
  ('improvement', 'reviewed',    false, true,  true,  false, 'Outcome reviewed.'),
  ('improvement', 'rejected',    false, true,  true,  false, 'Not pursued, with the reason.');
INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level, note) VALUES
  ('improvement', 'proposed',    'approved',    'manage', 'Approved by management.'),
  ('improvement', 'proposed',    'rejected',    'manage', 'Not pursued.'),
  ('improvement', 'approved',    'implemented', 'write',  'Implemented.'),
  ('improvement', 'approved',    'rejected',    'manage', 'Dropped after approval.'),
  ('improvement', 'implemented', 'reviewed',    'audit',  'Outcome reviewed.');
INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description) VALUES
  ('improvement', 'approved',    'owner_id',         'the owner'),
  ('improvement', 'approved',    'expected_benefit', 'the expected benefit'),
  ('improvement', 'implemented', 'implemented_on',   'the date implemented'),
  ('improvement', 'reviewed',    'outcome',          'the review of the outcome'),
  ('improvement', 'rejected',    'rejection_reason', 'why it is not pursued');
SELECT iso28000.attach_workflow('iso28000.improvement', 'improvement');

-- The nonconformity an audit finding raised.  Clause 9 installs before clause
-- 10, so this foreign key of audit_finding is declared here.
ALTER TABLE iso28000.audit_finding
  ADD CONSTRAINT audit_finding_nonconformity_fk FOREIGN KEY (org_id, nonconformity_id)
      REFERENCES iso28000.nonconformity (org_id, nonconformity_id);

-- Every workflow rule the install script seeded is builtin: pg_dump keeps only
-- the rows a DBA adds later.  Keep this at the end of the last file.
UPDATE iso28000.workflow SET builtin = true;
UPDATE iso28000.workflow_state SET builtin = true;
UPDATE iso28000.workflow_transition SET builtin = true;
UPDATE iso28000.workflow_required_column SET builtin = true;
/*
 * sql/clauses/clause99_report.sql
 *		The management-review report (9.3): one self-contained HTML document for
 *		an organisation and a period, built in the database from the registers
 *		and views of every clause, so it sorts after all of them.
 *
 * Sections (each a <section id="...">, which test/suite.d/report_render
 * checks in headless Chromium):
 *   review-inputs   9.3.2: the review of the period, its input checklist, and
 *                   the facts review_input_pack() gathers for each input;
 *   conformity      9.1, 9.2: conformity by clause as bars (score, coverage);
 *   risk-heat-map   6.1, 8.3: inherent and residual heat maps as SVG;
 *   nonconformity   10.2: open nonconformities by state and age, overdue actions;
 *   objectives      6.2: every objective's measurements of the period against
 *                   its target, one small SVG chart each;
 *   history         the head of the organisation's hash chain and whether
 *                   the chain verifies, to be kept outside the database
 *                   (reading the chain needs audit level; below it the
 *                   section says so).
 *
 * The function is PL/pgSQL and looks each register up before it reads it, so
 * a section whose register is not installed says so instead of failing.  It
 * runs with the caller's rights: row-level security decides what it sees, and
 * it refuses (IS001) a caller who cannot read the organisation.  The document
 * embeds no script, font, image or style sheet from elsewhere.
 */

-- Escapes text for HTML element content and attribute values.
CREATE FUNCTION iso28000.html_escape(t text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT replace(replace(replace(replace(replace(t, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                   '"', '&quot;'), '''', '&#39;')
$$;
COMMENT ON FUNCTION iso28000.html_escape(text) IS
  'Escapes &, <, >, double and single quotes for HTML content and attribute values (used by management_review_report).';

-- Facts of one review input (a jsonb object) as short HTML: key: value pairs,
-- nested objects one level deep, lists by their titles or their length.
CREATE FUNCTION iso28000._facts_html(facts jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(string_agg(
             format('%s: <b>%s</b>', iso28000.html_escape(replace(k, '_', ' ')),
                    CASE jsonb_typeof(v)
                      WHEN 'object' THEN
                        (SELECT coalesce(string_agg(iso28000.html_escape(replace(k2, '_', ' ') || ' ' ||
                                           CASE jsonb_typeof(v2) WHEN 'string' THEN v2 #>> '{}'
                                                                 WHEN 'array' THEN jsonb_array_length(v2)::text
                                                                 ELSE v2::text END), ', ' ORDER BY k2), '-')
                           FROM jsonb_each(v) AS e2(k2, v2))
                      WHEN 'array' THEN
                        CASE WHEN jsonb_array_length(v) = 0 THEN 'none'
                             ELSE coalesce((SELECT string_agg(iso28000.html_escape(label), '; ')
                                              FROM jsonb_array_elements(v) AS a(x),
                                                   LATERAL (SELECT CASE jsonb_typeof(x)
                                                                     WHEN 'object' THEN coalesce(x ->> 'description', x ->> 'title', x ->> 'input_code')
                                                                     WHEN 'array' THEN NULL
                                                                     ELSE x #>> '{}' END AS label) l),
                                           jsonb_array_length(v) || ' items') END
                      WHEN 'string' THEN iso28000.html_escape(v #>> '{}')
                      ELSE iso28000.html_escape(v::text)
                    END),
             ' &middot; ' ORDER BY k), '<span class="muted">no facts</span>')
      FROM jsonb_each(CASE WHEN jsonb_typeof(facts) = 'object' THEN facts
                           ELSE jsonb_build_object('value', facts) END) AS e(k, v)
$$;
COMMENT ON FUNCTION iso28000._facts_html(jsonb) IS
  'Internal: the facts of one management-review input (review_input_pack) as short HTML for the report.';

-- Colour of a risk band in the report.
CREATE FUNCTION iso28000._band_colour(band text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE band WHEN 'low' THEN '#8fcf8f' WHEN 'medium' THEN '#ffd966'
                     WHEN 'high' THEN '#f4a259' WHEN 'critical' THEN '#e0524a' ELSE '#d9d9d9' END
$$;
COMMENT ON FUNCTION iso28000._band_colour(text) IS
  'Internal: fill colour of a risk band (low, medium, high, critical) in the report.';

-- One risk heat map (inherent or residual) of an organisation as SVG.
CREATE FUNCTION iso28000._heat_map_svg(org bigint, kind text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    svg  text;
    cell constant integer := 30;
    x0   constant integer := 40;
    y0   constant integer := 10;
BEGIN
    SELECT string_agg(format(
             '<rect x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="%s" stroke="#fff"><title>%s: %s risk(s), band %s</title></rect>%s',
             x0 + (h.consequence - 1) * cell, y0 + (10 - h.likelihood) * cell, cell, cell,
             iso28000._band_colour(h.band), CASE WHEN h.risk_count > 0 THEN '1' ELSE '0.35' END,
             h.rating, h.risk_count, h.band,
             CASE WHEN h.risk_count > 0 THEN format(
               '<text x="%s" y="%s" text-anchor="middle" font-size="12" font-weight="bold">%s</text>',
               x0 + (h.consequence - 1) * cell + cell / 2, y0 + (10 - h.likelihood) * cell + cell / 2 + 4,
               h.risk_count) ELSE '' END),
             '' ORDER BY h.likelihood, h.consequence)
      INTO svg
      FROM iso28000.risk_heat_map h
     WHERE h.org_id = org AND h.rating_kind = kind;
    RETURN format('<svg class="heat-map" data-kind="%s" xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" role="img" aria-label="%s risk heat map">',
                  kind, x0 + 10 * cell + 10, y0 + 10 * cell + 40, kind)
        || coalesce(svg, '')
        || (SELECT string_agg(format('<text x="%s" y="%s" text-anchor="middle" font-size="10">%s</text>',
                                     x0 + (i - 1) * cell + cell / 2, y0 + 10 * cell + 14, i)
                           || format('<text x="%s" y="%s" text-anchor="end" font-size="10">%s</text>',
                                     x0 - 6, y0 + (10 - i) * cell + cell / 2 + 4, i), '')
              FROM generate_series(1, 10) i)
        || format('<text x="%s" y="%s" text-anchor="middle" font-size="11">consequence</text>',
                  x0 + 5 * cell, y0 + 10 * cell + 30)
        || format('<text x="12" y="%s" text-anchor="middle" font-size="11" transform="rotate(-90 12 %s)">likelihood</text>',
                  y0 + 5 * cell, y0 + 5 * cell)
        || '</svg>';
END
$$;
COMMENT ON FUNCTION iso28000._heat_map_svg(bigint, text) IS
  'Internal: the inherent or residual risk heat map of an organisation (view risk_heat_map) as an SVG image, likelihood up, consequence across.';

-- A small SVG chart of an objective's measurements in a period against its target.
CREATE FUNCTION iso28000._objective_chart_svg(org bigint, objective bigint, from_on date, to_on date)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    w constant numeric := 240;
    h constant numeric := 64;
    o record;
    lo numeric;
    hi numeric;
    pts text;
    n integer;
BEGIN
    SELECT ob.target, ob.baseline INTO o FROM iso28000.objective ob
     WHERE ob.org_id = org AND ob.objective_id = objective;
    SELECT least(min(m.value), o.target, coalesce(o.baseline, o.target)),
           greatest(max(m.value), o.target, coalesce(o.baseline, o.target)), count(*)
      INTO lo, hi, n
      FROM iso28000.objective_measurement m
     WHERE m.org_id = org AND m.objective_id = objective AND m.measured_on BETWEEN from_on AND to_on;
    IF n = 0 THEN
        RETURN '<svg class="objective-chart" xmlns="http://www.w3.org/2000/svg" width="240" height="64"><text x="4" y="36" font-size="11" fill="#777">no measurement in the period</text></svg>';
    END IF;
    IF hi = lo THEN hi := lo + 1; END IF;
    SELECT string_agg(format('%s,%s',
             round(4 + (w - 8) * (m.measured_on - from_on) / greatest(to_on - from_on, 1), 1),
             round(h - 6 - (h - 12) * (m.value - lo) / (hi - lo), 1)), ' ' ORDER BY m.measured_on)
      INTO pts
      FROM iso28000.objective_measurement m
     WHERE m.org_id = org AND m.objective_id = objective AND m.measured_on BETWEEN from_on AND to_on;
    RETURN format('<svg class="objective-chart" xmlns="http://www.w3.org/2000/svg" width="%s" height="%s">', w, h)
        || format('<rect x="0" y="0" width="%s" height="%s" fill="#fafafa" stroke="#ddd"/>', w, h)
        || format('<line x1="4" x2="%s" y1="%s" y2="%s" stroke="#2e7d32" stroke-dasharray="4 3"><title>target %s</title></line>',
                  w - 4, round(h - 6 - (h - 12) * (o.target - lo) / (hi - lo), 1),
                  round(h - 6 - (h - 12) * (o.target - lo) / (hi - lo), 1), o.target)
        || format('<polyline points="%s" fill="none" stroke="#1f5fa8" stroke-width="2"/>', pts)
        || '</svg>';
END
$$;
COMMENT ON FUNCTION iso28000._objective_chart_svg(bigint, bigint, date, date) IS
  'Internal: a small SVG line chart of an objective''s measurements in a period, with its target as a dashed line.';

-- The management-review report of an organisation for a period, as HTML.
CREATE FUNCTION iso28000.management_review_report(org bigint,
                                                  from_on date DEFAULT current_date - 365,
                                                  to_on date DEFAULT current_date)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o      record;
    r      record;
    doc    text;
    part   text;
    rows   text;
    n      bigint;
BEGIN
    IF from_on IS NULL OR to_on IS NULL OR to_on < from_on THEN
        RAISE EXCEPTION 'invalid report period % to %', from_on, to_on
              USING ERRCODE = '22023', HINT = 'Give a period whose end is on or after its start.';
    END IF;
    PERFORM iso28000.require_level(org, 'read');
    SELECT * INTO o FROM iso28000.organization WHERE org_id = org;

    doc := '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        || format('<title>Management review: %s, %s to %s</title>', iso28000.html_escape(o.name), from_on, to_on)
        || '<style>'
        || 'body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px 32px;color:#222;max-width:1100px}'
        || 'h1{font-size:22px;margin-bottom:2px}h2{font-size:17px;border-bottom:2px solid #1f5fa8;padding-bottom:3px;margin-top:28px}'
        || '.sub{color:#555;margin-top:0}table{border-collapse:collapse;margin:6px 0;font-size:13px}'
        || 'th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}th{background:#eef3fa}'
        || '.bar{background:#eee;width:260px;height:14px;position:relative}.bar span{display:block;height:14px}'
        || '.num{text-align:right;white-space:nowrap}.ok{color:#2e7d32}.bad{color:#c62828;font-weight:bold}.muted{color:#777}'
        || '.maps{display:flex;gap:40px;flex-wrap:wrap}.legend span{display:inline-block;padding:1px 8px;margin-right:4px;font-size:12px}'
        || '.objs{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}'
        || '.obj{border:1px solid #ddd;padding:6px 8px;font-size:12px}.obj b{font-size:13px}'
        || 'code{font-size:12px;word-break:break-all}'
        || '</style></head><body>'
        || format('<h1>Management review report: %s</h1>', iso28000.html_escape(o.name))
        || format('<p class="sub">ISO 28000:2022 clause 9.3 &middot; period %s to %s &middot; generated %s by %s</p>',
                  from_on, to_on, to_char(now(), 'YYYY-MM-DD HH24:MI TZ'), iso28000.html_escape(current_user));

    -- 9.3.2 Review inputs.
    part := '<section id="review-inputs"><h2>Review inputs (9.3.2)</h2>';
    IF to_regclass('iso28000.management_review') IS NOT NULL THEN
        FOR r IN SELECT mr.*, p.full_name AS chair
                   FROM iso28000.management_review mr
                   LEFT JOIN iso28000.person p ON p.org_id = mr.org_id AND p.person_id = mr.chair_id
                  WHERE mr.org_id = org AND mr.held_on BETWEEN from_on AND to_on
                  ORDER BY mr.held_on DESC LIMIT 1 LOOP
            part := part || format('<p><b>%s</b>, held %s, chaired by %s, status <b>%s</b>; covers %s to %s.</p>',
                                   iso28000.html_escape(r.title), r.held_on, iso28000.html_escape(coalesce(r.chair, '-')),
                                   iso28000.html_escape(r.status), r.period_start, r.period_end);
            SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td class="%s">%s</td><td>%s</td></tr>',
                                     iso28000.html_escape(i.input_code), iso28000.html_escape(i.title),
                                     CASE WHEN i.addressed THEN 'ok' WHEN i.required THEN 'bad' ELSE 'muted' END,
                                     CASE WHEN i.addressed THEN 'addressed' WHEN i.required THEN 'not yet addressed' ELSE 'optional' END,
                                     iso28000.html_escape(coalesce(i.summary, ''))), '' ORDER BY i.seq, i.input_code)
              INTO rows
              FROM iso28000.review_input_item i
             WHERE i.org_id = org AND i.review_id = r.review_id;
            IF rows IS NOT NULL THEN
                part := part || '<table class="checklist"><tr><th>input</th><th>title</th><th>state</th><th>summary</th></tr>'
                             || rows || '</table>';
            END IF;
        END LOOP;
    END IF;
    IF to_regprocedure('iso28000.review_input_pack(bigint, date, date)') IS NOT NULL THEN
        EXECUTE $q$
            SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td></tr>',
                                     iso28000.html_escape(p.input_code), iso28000.html_escape(p.title),
                                     iso28000._facts_html(p.facts)), '')
              FROM iso28000.review_input_pack($1, $2, $3) p $q$
          INTO rows USING org, from_on, to_on;
        part := part || '<h3>Facts of the period, by input</h3><table class="input-pack"><tr><th>input</th><th>title</th><th>facts</th></tr>'
                     || coalesce(rows, '') || '</table>';
    ELSIF to_regclass('iso28000.management_review') IS NULL THEN
        part := part || '<p class="muted">The management-review registers are not installed.</p>';
    END IF;
    doc := doc || part || '</section>';

    -- 9.1, 9.2 Conformity by clause.
    part := '<section id="conformity"><h2>Conformity by clause (9.1, 9.2)</h2>';
    IF to_regclass('iso28000.conformity_by_clause') IS NOT NULL THEN
        SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td><div class="bar" title="%s%%"><span style="width:%s%%;background:%s"></span></div></td><td class="num">%s</td><td class="num">%s</td><td>%s</td></tr>',
                                 c.clause, iso28000.html_escape(c.title), coalesce(round(c.score::numeric, 1)::text, '-'),
                                 coalesce(round(c.score::numeric, 1), 0),
                                 CASE WHEN c.score >= 90 THEN '#2e7d32' WHEN c.score >= 70 THEN '#f4a259' ELSE '#c62828' END,
                                 coalesce(round(c.score::numeric, 1) || ' %', '-'), coalesce(round(c.coverage::numeric, 1) || ' %', '-'),
                                 iso28000.html_escape(coalesce(c.verdict::text, 'not assessed'))), '' ORDER BY c.clause)
          INTO rows
          FROM iso28000.conformity_by_clause c
         WHERE c.org_id = org AND iso28000.depth(c.clause) <= 2;
        part := part || coalesce('<table class="conformity"><tr><th>clause</th><th>title</th><th>score</th><th class="num">score</th><th class="num">coverage</th><th>verdict</th></tr>'
                                 || rows || '</table>',
                                 '<p class="muted">No self-assessment recorded yet.</p>');
    ELSE
        part := part || '<p class="muted">The scoring registers are not installed.</p>';
    END IF;
    doc := doc || part || '</section>';

    -- 6.1, 8.3 Risk heat maps.
    part := '<section id="risk-heat-map"><h2>Risk heat map, inherent and residual (6.1, 8.3)</h2>';
    IF to_regclass('iso28000.risk_heat_map') IS NOT NULL THEN
        SELECT count(*) INTO n FROM iso28000.risk WHERE org_id = org AND status <> 'closed';
        part := part || format('<p>%s open risks and opportunities; the numbers are the count of open risks in each cell.</p>', n)
                     || '<div class="maps"><figure><figcaption>Inherent</figcaption>' || iso28000._heat_map_svg(org, 'inherent')
                     || '</figure><figure><figcaption>Residual</figcaption>' || iso28000._heat_map_svg(org, 'residual')
                     || '</figure></div><p class="legend">'
                     || (SELECT string_agg(format('<span style="background:%s">%s</span>', iso28000._band_colour(b), b), '')
                           FROM unnest(ARRAY['low', 'medium', 'high', 'critical']) b)
                     || '</p>';
        IF to_regclass('iso28000.top_risk') IS NOT NULL THEN
            SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
                                     t.risk_rank, iso28000.html_escape(coalesce(t.reference, '')), iso28000.html_escape(t.title),
                                     coalesce(t.inherent_rating::text, '-'), coalesce(t.residual_rating::text, '-'), t.band),
                              '' ORDER BY t.risk_rank, t.risk_id)
              INTO rows
              FROM iso28000.top_risk t WHERE t.org_id = org AND t.risk_rank <= 10;
            part := part || coalesce('<h3>Top risks</h3><table class="top-risks"><tr><th>#</th><th>ref</th><th>risk</th><th>inherent</th><th>residual</th><th>band</th></tr>'
                                     || rows || '</table>', '');
        END IF;
    ELSE
        part := part || '<p class="muted">The risk register is not installed.</p>';
    END IF;
    doc := doc || part || '</section>';

    -- 10.2 Nonconformity ageing.
    part := '<section id="nonconformity"><h2>Nonconformities: open, by state and age (10.2)</h2>';
    IF to_regclass('iso28000.nonconformity_open') IS NOT NULL THEN
        WITH b(label, lo, hi) AS (VALUES ('0-30 days', 0, 30), ('31-60', 31, 60), ('61-90', 61, 90),
                                         ('91-180', 91, 180), ('over 180', 181, 1000000)),
             s AS (SELECT DISTINCT status FROM iso28000.nonconformity_open WHERE org_id = org)
        SELECT '<table class="ageing"><tr><th>state</th>'
               || (SELECT string_agg(format('<th class="num">%s</th>', label), '' ORDER BY lo) FROM b)
               || '<th class="num">total</th></tr>'
               || string_agg(row_html, '' ORDER BY ord) || '</table>'
          INTO rows
          FROM (SELECT s.status,
                       (SELECT array_position(ARRAY['reported', 'contained', 'cause_analysed', 'action_planned',
                                                    'action_taken', 'verified'], s.status)) AS ord,
                       format('<tr><td>%s</td>%s<td class="num"><b>%s</b></td></tr>', s.status,
                              (SELECT string_agg(format('<td class="num" style="background:rgba(224,82,74,%s)">%s</td>',
                                                        least(cnt, 10) / 12.0, NULLIF(cnt, 0)), '' ORDER BY b.lo)
                                 FROM (SELECT b.lo, (SELECT count(*) FROM iso28000.nonconformity_open n
                                                      WHERE n.org_id = org AND n.status = s.status
                                                        AND n.age_days BETWEEN b.lo AND b.hi) AS cnt FROM b) b),
                              (SELECT count(*) FROM iso28000.nonconformity_open n
                                WHERE n.org_id = org AND n.status = s.status)) AS row_html
                  FROM s) x;
        part := part || coalesce(rows, '<p>No open nonconformity.</p>');
        SELECT count(*) FILTER (WHERE detected_on BETWEEN from_on AND to_on) INTO n
          FROM iso28000.nonconformity WHERE org_id = org;
        part := part || format('<p>%s nonconformities were detected in the period.</p>', n);
        IF to_regclass('iso28000.corrective_action_overdue') IS NOT NULL THEN
            SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num bad">%s</td></tr>',
                                     a.corrective_action_id, iso28000.html_escape(a.title),
                                     iso28000.html_escape(coalesce(a.owner_name, '-')), a.due_on, a.days_overdue),
                              '' ORDER BY a.days_overdue DESC, a.corrective_action_id)
              INTO rows
              FROM iso28000.corrective_action_overdue a WHERE a.org_id = org;
            part := part || coalesce('<h3>Overdue corrective actions</h3><table class="overdue"><tr><th>#</th><th>action</th><th>owner</th><th>due</th><th class="num">days late</th></tr>'
                                     || rows || '</table>', '<p class="ok">No corrective action is overdue.</p>');
        END IF;
    ELSE
        part := part || '<p class="muted">The nonconformity register is not installed.</p>';
    END IF;
    doc := doc || part || '</section>';

    -- 6.2 Objectives against target.
    part := '<section id="objectives"><h2>Security objectives against target (6.2)</h2>';
    IF to_regclass('iso28000.objective_status') IS NOT NULL THEN
        SELECT string_agg(format('<div class="obj"><b>%s</b><br>target %s %s (%s) &middot; latest <span class="%s">%s</span> &middot; %s%s<br>%s</div>',
                                 iso28000.html_escape(s.title), s.target, iso28000.html_escape(s.unit), s.direction,
                                 CASE WHEN s.target_met THEN 'ok' WHEN s.target_met IS NULL THEN 'muted' ELSE 'bad' END,
                                 coalesce(s.latest_value::text, '-'),
                                 replace(s.schedule_status, '_', ' '),
                                 coalesce(' &middot; ' || s.trend, ''),
                                 iso28000._objective_chart_svg(org, s.objective_id, from_on, to_on)),
                          '' ORDER BY s.objective_id)
          INTO rows
          FROM iso28000.objective_status s WHERE s.org_id = org;
        part := part || coalesce('<div class="objs">' || rows || '</div>', '<p>No objective recorded.</p>');
    ELSE
        part := part || '<p class="muted">The objectives register is not installed.</p>';
    END IF;
    doc := doc || part || '</section>';

    -- The history chain's head and its verification.
    part := '<section id="history"><h2>History digest</h2>';
    IF to_regprocedure('iso28000.history_digest(bigint)') IS NULL THEN
        part := part || '<p class="muted">The history chain is not installed.</p>';
    ELSIF NOT iso28000.has_level(org, 'audit') THEN
        part := part || '<p class="muted">Reading the history chain needs audit access to the organisation; an auditor''s report shows its digest.</p>';
    ELSE
        EXECUTE $q$
            SELECT format('<table class="digest"><tr><th>records in the chain</th><td>%s</td></tr>'
                          || '<tr><th>head digest (keep it outside the database)</th><td><code>%s</code></td></tr>'
                          || '<tr><th>verification</th><td class="%s">%s</td></tr></table>',
                          coalesce(d.seq, 0), iso28000.html_escape(coalesce(d.digest, '-')),
                          CASE WHEN v.valid THEN 'ok' ELSE 'bad' END,
                          CASE WHEN v.valid THEN format('the chain verifies (%s records checked)', v.records_checked)
                               ELSE format('BROKEN at record %s: %s', v.first_broken_seq, iso28000.html_escape(coalesce(v.problem, ''))) END)
              FROM iso28000.history_digest($1) d, iso28000.verify_history($1) v $q$
          INTO rows USING org;
        part := part || coalesce(rows, '');
    END IF;
    doc := doc || part || '</section>';

    RETURN doc || '<footer><p class="muted">Produced by iso28000.management_review_report(). Clause numbers and titles of ISO 28000:2022; requirement wording is not reproduced.</p></footer></body></html>';
END
$$;
COMMENT ON FUNCTION iso28000.management_review_report(bigint, date, date) IS
  'ISO 28000 9.3: The management-review report of an organisation for a period, as one self-contained HTML document: review inputs, conformity by clause as bars, inherent and residual risk heat maps (SVG), nonconformity ageing and overdue actions, objectives against target (small SVG charts), and the history digest. Needs read access (IS001).';
