-- sql/upgrades/iso28000--0.2.0.sql: the install script of release 0.2.0, frozen
-- by tools/freeze-release on 2026-11-30.  Never edit it: releases
-- after 0.2.0 change sql/ and add an upgrade script.
/*
 * iso28000 install script.
 *
 * Built by the Makefile from the files sql/install-order lists, in its
 * order: sql/core (types, tenant model, engines), sql/clauses (one file per
 * clause or sub-clause group of ISO 28000:2022, in clause order), sql/views
 * and sql/reports.  Edit those files, never the built script.
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
-- organisations' rows a role sees (see sql/core/04_tenant.sql).
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
CREATE FUNCTION iso28000.sort_key(iso28000.clause_ref) RETURNS bigint
  AS 'MODULE_PATHNAME', 'clause_ref_sort_key' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION iso28000.sort_key(iso28000.clause_ref) IS
  'A bigint that sorts like the clause (4 < 4.1 < 9.3.3 < 10 < A.1): the clause_sort column of the views, which give the clause itself as text.';
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
 * sql/core/02_risk_rating.sql
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
  SET search_path = pg_catalog, pg_temp
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
 * sql/core/03_scoring.sql
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
 * become that role.  Policies call policy_orgs(), which the planner uses as
 * an index condition on org_id (evaluated once per scan) or, in a filter,
 * costs a hash look-up and an array copy per row; they contain no sub-select,
 * which Citus refuses in a policy.
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
  'Organisations in which the current role has at least the given access level: member_orgs() in the form row-level security policies call (org_id = ANY (iso28000.policy_orgs(level))).';

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
  USING (org_id = ANY (iso28000.policy_orgs('read')));
CREATE POLICY manager_update ON iso28000.organization FOR UPDATE
  USING (org_id = ANY (iso28000.policy_orgs('manage')))
  WITH CHECK (org_id = ANY (iso28000.policy_orgs('manage')));
GRANT SELECT, UPDATE (name, legal_name, country, sector, active) ON iso28000.organization TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.organization', '');
SELECT pg_catalog.pg_extension_config_dump(pg_get_serial_sequence('iso28000.organization', 'org_id'), '');

-- membership: members see the membership of their organisations; managers
-- change it (grant_access and revoke_access are the friendly way).
ALTER TABLE iso28000.membership ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_read ON iso28000.membership FOR SELECT
  USING (org_id = ANY (iso28000.policy_orgs('read')));
CREATE POLICY manager_insert ON iso28000.membership FOR INSERT
  WITH CHECK (org_id = ANY (iso28000.policy_orgs('manage')));
CREATE POLICY manager_update ON iso28000.membership FOR UPDATE
  USING (org_id = ANY (iso28000.policy_orgs('manage')))
  WITH CHECK (org_id = ANY (iso28000.policy_orgs('manage')));
CREATE POLICY manager_delete ON iso28000.membership FOR DELETE
  USING (org_id = ANY (iso28000.policy_orgs('manage')));
GRANT SELECT, INSERT, UPDATE, DELETE ON iso28000.membership TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.membership', '');
/*
 * sql/core/05_history.sql
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
    acting_person bigint,
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
COMMENT ON COLUMN iso28000.history.acting_person IS 'The acting person of the organisation when the change was made (acting_person(): act_as() of a delegated role, or the person whose db_role was the current role), recorded as a fact at write time and covered by the hash; NULL when nobody acted as a person, and for every record written before 0.2.0.';

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
  USING (org_id = ANY (iso28000.policy_orgs('audit')));
ALTER TABLE iso28000.history_head ENABLE ROW LEVEL SECURITY;
CREATE POLICY auditor_read ON iso28000.history_head FOR SELECT
  USING (org_id = ANY (iso28000.policy_orgs('audit')));

-- Records the changed rows of a register into their organisations' chains.
CREATE FUNCTION iso28000.history_record()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'history_record';
REVOKE ALL ON FUNCTION iso28000.history_record() FROM PUBLIC;
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
    row_key jsonb, before_image jsonb, after_image jsonb, prev_hash bytea, acting_person bigint DEFAULT NULL)
RETURNS text
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'history_canonical';
COMMENT ON FUNCTION iso28000.history_canonical(bigint, bigint, timestamptz, text, text, bigint, text, text, jsonb, jsonb, jsonb, bytea, bigint) IS
  'Canonical serialisation of a history record: netstring fields, as documented in doc/history.md; the acting person is a last field only when it is not NULL. NULL when a required field is NULL or prev_hash is not 32 bytes.';

-- SHA-256 over the canonical serialisation of a history record.
CREATE FUNCTION iso28000.history_hash(org_id bigint, seq bigint, recorded_at timestamptz,
    session_role text, acting_role text, txid bigint, table_name text, operation text,
    row_key jsonb, before_image jsonb, after_image jsonb, prev_hash bytea, acting_person bigint DEFAULT NULL)
RETURNS bytea
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'history_hash';
COMMENT ON FUNCTION iso28000.history_hash(bigint, bigint, timestamptz, text, text, bigint, text, text, jsonb, jsonb, jsonb, bytea, bigint) IS
  'SHA-256 of history_canonical() of the same fields: the hash a history record must carry.';

-- Attaches the history chain to a register (register_table() calls it).
CREATE FUNCTION iso28000.attach_history(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
BEGIN
    PERFORM iso28000._require_extension_table(tbl, 'IS210', format('table %s cannot have a history', tbl),
                'The history records only the extension''s own registers.');
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND attnum > 0 AND NOT attisdropped) THEN
        RAISE EXCEPTION 'table % has no org_id column', tbl
              USING ERRCODE = 'IS205', SCHEMA = 'iso28000', TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl),
                    COLUMN = 'org_id',
                    DETAIL = 'The history chains each row into the chain of the organisation named by its org_id.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND atttypid = 'bigint'::regtype AND attnotnull) THEN
        RAISE EXCEPTION 'column org_id of table % is not bigint NOT NULL', tbl
              USING ERRCODE = 'IS205', SCHEMA = 'iso28000', TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl),
                    COLUMN = 'org_id',
                    DETAIL = 'org_id refers to iso28000.organization, whose key is bigint; every row belongs to one organisation.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = tbl AND contype = 'p') THEN
        RAISE EXCEPTION 'table % has no primary key', tbl
              USING ERRCODE = 'IS205', SCHEMA = 'iso28000', TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl),
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
REVOKE ALL ON FUNCTION iso28000.attach_history(regclass) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.attach_history(regclass) IS
  'Attaches the history chain to a register: every INSERT, UPDATE and DELETE is recorded, TRUNCATE is refused (IS202). The table must be a permanent table of schema iso28000 owned by the extension''s owner (IS210) with org_id bigint NOT NULL and a primary key (IS205). register_table() calls it. Not granted to PUBLIC.';

-- The two tables of the tenant model (sql/core/04_tenant.sql) are recorded
-- too; every register after this file is recorded by register_table().
SELECT iso28000.attach_history('iso28000.membership');
SELECT iso28000.attach_history('iso28000.organization');

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

-- The walk of verify_history(): every record of a chain in seq order, streamed in C.
CREATE FUNCTION iso28000.history_verify_chain(org bigint, kept_seq bigint, kept_hash bytea,
    OUT records_checked bigint, OUT first_broken_seq bigint, OUT problem text, OUT detail text,
    OUT last_hash bytea)
RETURNS record
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'history_verify_chain';
COMMENT ON FUNCTION iso28000.history_verify_chain(bigint, bigint, bytea) IS
  'The records walk of verify_history(), in C (src/history_verify.c): reads the organisation''s history in seq order with one query whose rows it checks as the executor produces them, as the caller (row-level security applies), recomputes each hash over the canonical serialisation and returns the records checked and the first broken link (missing, reordered, inserted, altered, digest_mismatch against kept_seq and kept_hash), or the hash of the last record when none is broken. verify_history() adds the level check and the chain head.';

-- The jsonb text that verify_history() hashes, written from the binary value.
CREATE FUNCTION iso28000.history_jsonb_text(value jsonb, fallback boolean DEFAULT true)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'history_jsonb_text';
COMMENT ON FUNCTION iso28000.history_jsonb_text(jsonb, boolean) IS
  'The text of a jsonb value as verify_history() hashes it: written straight from the stored binary value (src/history_jsonb_text.c), byte for byte what value::text (JsonbToCString) writes, which the history''s hashes cover; a value the writer leaves to JsonbToCString (a NUL byte in a string, nesting deeper than 256, a special or oddly stored numeric) is written by JsonbToCString, or is NULL when fallback is false. For checking the writer against value::text.';

-- Recomputes an organisation's chain and names the first broken link.
CREATE FUNCTION iso28000.verify_history(org bigint, kept_digest text DEFAULT NULL,
    OUT valid boolean, OUT records_checked bigint, OUT first_broken_seq bigint,
    OUT problem text, OUT detail text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    prev bytea;
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
                  USING ERRCODE = 'IS204', SCHEMA = 'iso28000', TABLE = 'history_head', COLUMN = 'org_id',
                        DETAIL = 'A kept digest only vouches for the chain of its own organisation.',
                        HINT = 'Pass the digest that iso28000.history_digest() returned for this organisation.';
        END IF;
        kept_seq := kept[2]::bigint;
        kept_hash := decode(kept[3], 'hex');
    END IF;

    valid := false;
    SELECT c.records_checked, c.first_broken_seq, c.problem, c.detail, c.last_hash
      INTO records_checked, first_broken_seq, problem, detail, prev
      FROM iso28000.history_verify_chain(org, kept_seq, kept_hash) c;
    IF problem IS NOT NULL THEN
        RETURN;
    END IF;

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
/*
 * sql/core/06_workflow.sql
 *		The workflow engine: rules as data, the event log and the attach helper.
 *
 * A workflow is a set of states, the transitions allowed between them, the
 * columns that must be filled to enter a state, an optional guard function per
 * transition and the membership level a transition needs.  The C trigger
 * iso28000.workflow_guard() (src/workflow*.c) enforces them on every register
 * it is attached to, and appends every transition to iso28000.workflow_event.
 *
 * The rules are catalog data (no org_id): every organisation of the database
 * follows the same rules.  Each register's file declares its own workflow with
 * define_workflow(..., builtin => true), so that pg_dump keeps only the rows a
 * DBA added.  See doc/workflow.md.
 */

-- The membership levels a transition may require, in increasing order.
CREATE FUNCTION iso28000.workflow_level_ok(level text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
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
-- Stored compactly (src/workflow_event.c): one row of workflow_event_batch per
-- run of events of one statement that share organisation, workflow, table,
-- both states, actor, acting person and time, with the records' ids (or keys)
-- and notes as arrays in the order the rows were written; the view
-- workflow_event shows one row per event.  Event ids: first_event_id +
-- position - 1, the runs' first ids taken from a sequence that steps by
-- 1048576, the most events a stored run holds.
-- No foreign key to iso28000.organization: every event's organisation is
-- its record's, which the register's own foreign key guarantees; where no
-- enforced key does, the engine checks (and key-share locks) each
-- organisation once per statement instead of once per event
-- (src/workflow_event.c, doc/workflow.md).
CREATE SEQUENCE iso28000.workflow_event_event_id_seq AS bigint INCREMENT BY 1048576;
CREATE TABLE iso28000.workflow_event_batch (
  org_id         bigint NOT NULL,
  first_event_id bigint NOT NULL DEFAULT pg_catalog.nextval('iso28000.workflow_event_event_id_seq'::pg_catalog.regclass),
  events         integer NOT NULL CHECK (events BETWEEN 1 AND 1048576),
  workflow       text NOT NULL,
  table_name     regclass NOT NULL,
  key_columns    text,
  record_ids     bigint[],
  record_keys    text[],
  from_state     text,
  to_state       text NOT NULL,
  actor          name NOT NULL,
  actor_person   bigint,
  occurred_at    timestamptz NOT NULL,
  notes          text[],
  PRIMARY KEY (org_id, first_event_id),
  CHECK (coalesce(pg_catalog.cardinality(record_ids), pg_catalog.cardinality(record_keys)) = events),
  CHECK (record_keys IS NOT NULL OR key_columns IS NOT NULL)
);
ALTER SEQUENCE iso28000.workflow_event_event_id_seq OWNED BY iso28000.workflow_event_batch.first_event_id;
-- Arrays stored out of line uncompressed: compressing a run of a million ids
-- cost more than writing them (bench/results/workflow.md).
ALTER TABLE iso28000.workflow_event_batch ALTER COLUMN record_ids SET STORAGE EXTERNAL,
  ALTER COLUMN record_keys SET STORAGE EXTERNAL, ALTER COLUMN notes SET STORAGE EXTERNAL;
CREATE INDEX workflow_event_batch_table_idx ON iso28000.workflow_event_batch (org_id, table_name);
COMMENT ON TABLE iso28000.workflow_event_batch IS
  'ISO 28000 7.5.3, 9.1, 10.2: Store of the workflow event log: one row per run of events of one statement with the same organisation, workflow, table, states, actor and time; read it through the view iso28000.workflow_event. Append-only; written by the engine only.';
COMMENT ON COLUMN iso28000.workflow_event_batch.org_id IS 'Organisation of the records.';
COMMENT ON COLUMN iso28000.workflow_event_batch.first_event_id IS 'Event id of the run''s first event; the n-th event of the run has first_event_id + n - 1.';
COMMENT ON COLUMN iso28000.workflow_event_batch.events IS 'Number of events of the run (1 to 1048576).';
COMMENT ON COLUMN iso28000.workflow_event_batch.workflow IS 'Workflow that governed the transitions.';
COMMENT ON COLUMN iso28000.workflow_event_batch.table_name IS 'Table of the records.';
COMMENT ON COLUMN iso28000.workflow_event_batch.key_columns IS 'The primary key''s columns, as in record_key ((org_id, xxx_id)), when record_ids say the keys; NULL when record_keys holds them.';
COMMENT ON COLUMN iso28000.workflow_event_batch.record_ids IS 'The records'' surrogate keys, in the order the rows were written (NULL when the key is not (org_id, integer id)).';
COMMENT ON COLUMN iso28000.workflow_event_batch.record_keys IS 'The records'' whole primary keys as text, when record_ids cannot say them; else NULL.';
COMMENT ON COLUMN iso28000.workflow_event_batch.from_state IS 'State the records left; NULL when they were created.';
COMMENT ON COLUMN iso28000.workflow_event_batch.to_state IS 'State the records entered.';
COMMENT ON COLUMN iso28000.workflow_event_batch.actor IS 'Database role (current_user) that made the changes.';
COMMENT ON COLUMN iso28000.workflow_event_batch.actor_person IS 'Acting person of the organisation, if any.';
COMMENT ON COLUMN iso28000.workflow_event_batch.occurred_at IS 'Start time of the statement that made the transitions.';
COMMENT ON COLUMN iso28000.workflow_event_batch.notes IS 'Each record''s status_note at its transition, when the table has one and any is set; else NULL.';

ALTER TABLE iso28000.workflow_event_batch ENABLE ROW LEVEL SECURITY;
ALTER TABLE iso28000.workflow_event_batch FORCE ROW LEVEL SECURITY;
CREATE POLICY workflow_event_read ON iso28000.workflow_event_batch FOR SELECT
  USING (org_id = ANY (iso28000.policy_orgs('read')));
GRANT SELECT ON iso28000.workflow_event_batch TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_event_batch', '');
SELECT pg_catalog.pg_extension_config_dump('iso28000.workflow_event_event_id_seq', '');

CREATE VIEW iso28000.workflow_event WITH (security_invoker = true) AS
SELECT e.org_id, e.first_event_id + e.n - 1 AS event_id, e.workflow, e.table_name, e.record_id,
       coalesce(e.record_key, e.key_columns || '=(' || e.org_id || ', ' || e.record_id || ')') AS record_key,
       e.from_state, e.to_state, e.actor, e.actor_person, e.occurred_at, e.note
  FROM (SELECT b.org_id, b.first_event_id, b.workflow, b.table_name, b.key_columns, b.from_state,
               b.to_state, b.actor, b.actor_person, b.occurred_at,
               unnest(b.record_ids) AS record_id, unnest(b.record_keys) AS record_key,
               unnest(b.notes) AS note, generate_series(1::bigint, b.events::bigint) AS n
          FROM iso28000.workflow_event_batch b) e;
COMMENT ON VIEW iso28000.workflow_event IS
  'ISO 28000 7.5.3, 9.1, 10.2: Every workflow transition (and every creation of a governed record): who moved which record from which state to which, and when; one row per event, in event_id order as written. Append-only; written by the engine only (stored in iso28000.workflow_event_batch). Keeps the columns and types of the 0.1.0 table it replaced (table_name regclass, actor name) for the applications and views that read it; dashboards read nonconformity_cycle_time and nonconformity_recurrence. Not meant for BI.';
COMMENT ON COLUMN iso28000.workflow_event.org_id IS 'Organisation of the record.';
COMMENT ON COLUMN iso28000.workflow_event.event_id IS 'Identifier of the event, increasing in the order events were written.';
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
GRANT SELECT ON iso28000.workflow_event TO PUBLIC;

-- One record's events as an index lookup.  The view unnests every run of a
-- table before it can filter by record_id; record_events() finds the runs
-- that hold the record first: runs of up to 64 events through a GIN index on
-- their ids (what single-row and small statements write), longer runs
-- through a btree that holds only them (few: each is a statement of more
-- than 64 rows), then unnests those runs alone.  The GIN index leaves the long
-- runs out because indexing a million-id run costs more than the statement
-- that wrote it (measured: a 1M-row transition 12-13 s without it, 16-18 s
-- with a GIN index over every run).
CREATE INDEX workflow_event_batch_record_idx ON iso28000.workflow_event_batch
  USING gin (record_ids) WHERE events <= 64;
CREATE INDEX workflow_event_batch_long_run_idx ON iso28000.workflow_event_batch (org_id, table_name)
  WHERE events > 64;

CREATE FUNCTION iso28000.record_events(tbl regclass, org bigint, id bigint)
RETURNS SETOF iso28000.workflow_event
LANGUAGE sql STABLE
-- No SET search_path: the body is bound to its objects when created (BEGIN
-- ATOMIC), and a SET would stop the planner from inlining it into the query
-- that calls it (where the indexes above are used).  Within a run, the
-- record's positions come from array_positions(), a scan in C, instead of
-- unnesting the run (a run of a million ids is read once, not turned into a
-- million rows).
BEGIN ATOMIC
  SELECT b.org_id, b.first_event_id + p.n - 1 AS event_id, b.workflow, b.table_name,
         b.record_ids[p.n] AS record_id,
         coalesce(b.record_keys[p.n], b.key_columns || '=(' || b.org_id || ', ' || b.record_ids[p.n] || ')') AS record_key,
         b.from_state, b.to_state, b.actor, b.actor_person, b.occurred_at, b.notes[p.n] AS note
    FROM (SELECT s.* FROM iso28000.workflow_event_batch s
           WHERE s.org_id = record_events.org AND s.table_name = record_events.tbl AND s.events <= 64
             AND s.record_ids @> ARRAY[record_events.id]
          UNION ALL
          SELECT l.* FROM iso28000.workflow_event_batch l
           WHERE l.org_id = record_events.org AND l.table_name = record_events.tbl AND l.events > 64) b
    CROSS JOIN LATERAL unnest(array_positions(b.record_ids, record_events.id)) AS p(n)
   ORDER BY 2;
END;
COMMENT ON FUNCTION iso28000.record_events(regclass, bigint, bigint) IS
  'The events of one record (table, organisation, record_id) from the event log, in event_id order: the rows of iso28000.workflow_event for that record, found through the store''s indexes instead of unnesting every run of the table. Reads with the caller''s rights (row-level security of the store applies). For tables keyed by (org_id, integer id).';

-- The trigger: the engine itself (src/workflow.c and its rooms).
CREATE FUNCTION iso28000.workflow_guard() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_workflow_guard';
REVOKE ALL ON FUNCTION iso28000.workflow_guard() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.workflow_guard() IS
  'Workflow engine trigger (BEFORE INSERT OR UPDATE OR DELETE FOR EACH ROW): arguments are the workflow name and optionally the status column (default status). Enforces the rules of iso28000.workflow_* and logs transitions in iso28000.workflow_event.';

-- The event writer (src/workflow_event.c): AFTER INSERT (with its new table)
-- and AFTER UPDATE statement triggers, which attach_workflow() puts beside
-- workflow_guard(): the events of a statement are written once, at its end,
-- one stored row per run (the row trigger collects the transitions of an
-- UPDATE in memory).
CREATE FUNCTION iso28000.workflow_log() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_workflow_log';
REVOKE ALL ON FUNCTION iso28000.workflow_log() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.workflow_log() IS
  'Workflow event writer (AFTER INSERT FOR EACH STATEMENT with its new table, AFTER UPDATE FOR EACH STATEMENT; same arguments as workflow_guard): at the end of the statement appends its new records and the transitions that workflow_guard collected to the event log (iso28000.workflow_event, stored in workflow_event_batch), one row per run of events.';

-- The two statement triggers of the event writer for a governed table and status column.
CREATE FUNCTION iso28000._workflow_attach_log(tbl regclass, workflow text, status_column name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  sfx text := CASE WHEN status_column = 'status' THEN '' ELSE '_' || status_column END;
BEGIN
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS iso28000_wf_new '
                 'FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_log(%L, %L)',
                 'workflow_event_insert' || sfx, tbl, workflow, status_column);
  EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s '
                 'FOR EACH STATEMENT EXECUTE FUNCTION iso28000.workflow_log(%L, %L)',
                 'workflow_event_update' || sfx, tbl, workflow, status_column);
END
$$;
REVOKE ALL ON FUNCTION iso28000._workflow_attach_log(regclass, text, name) FROM PUBLIC;
COMMENT ON FUNCTION iso28000._workflow_attach_log(regclass, text, name) IS
  'Creates the event writer''s statement triggers workflow_event_insert and workflow_event_update (suffixed _<status_column> unless it is status) on a governed table; attach_workflow() calls it.';

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

-- Declares a workflow in one call, every property of a rule named: its states
-- (initial, terminal, frozen, deletable, the columns each requires) and its
-- transitions (from, to, level, guard, note).  A misconfigured rule is refused
-- here, where it is declared, with its SQLSTATE (IS130-IS137), and nothing is
-- written; nothing is skipped or given a default the declaration did not say.
CREATE FUNCTION iso28000.define_workflow(workflow text, description text,
                                         states jsonb, transitions jsonb,
                                         builtin boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st jsonb;
    tr jsonb;
    k text;
    bad text;
    names text[] := '{}';
    pairs text[] := '{}';
    initials int := 0;
    g regprocedure;
    rettype oid;
    argtypes oidvector;
    nargs int;
BEGIN
    IF EXISTS (SELECT FROM iso28000.workflow w WHERE w.workflow = define_workflow.workflow) THEN
        RAISE EXCEPTION 'workflow "%" is already defined', define_workflow.workflow
              USING ERRCODE = 'IS130', SCHEMA = 'iso28000', TABLE = 'workflow', COLUMN = 'workflow',
                    HINT = 'Change its rows in iso28000.workflow_state and iso28000.workflow_transition, or delete it first.';
    END IF;
    IF define_workflow.workflow IS NULL OR define_workflow.workflow !~ '^[a-z][a-z0-9_]*$'
       OR length(define_workflow.workflow) >= 64 THEN
        RAISE EXCEPTION 'workflow name "%" is not a lower-case identifier of fewer than 64 characters', define_workflow.workflow
              USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow', COLUMN = 'workflow';
    END IF;
    IF define_workflow.description IS NULL OR btrim(define_workflow.description) = '' THEN
        RAISE EXCEPTION 'workflow "%" has no description', define_workflow.workflow
              USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow', COLUMN = 'description';
    END IF;
    IF jsonb_typeof(states) IS DISTINCT FROM 'array' OR jsonb_array_length(states) = 0 THEN
        RAISE EXCEPTION 'the states of workflow "%" are not a non-empty JSON array of objects', define_workflow.workflow
              USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow_state';
    END IF;
    IF jsonb_typeof(transitions) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'the transitions of workflow "%" are not a JSON array of objects', define_workflow.workflow
              USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow_transition';
    END IF;

    -- The states: named once each, known properties only, booleans as booleans.
    FOR st IN SELECT value FROM jsonb_array_elements(states) LOOP
        IF jsonb_typeof(st) <> 'object' THEN
            RAISE EXCEPTION 'workflow "%": a state is not a JSON object: %', define_workflow.workflow, st
                  USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow_state';
        END IF;
        SELECT string_agg(key, ', ' ORDER BY key) INTO bad FROM jsonb_object_keys(st) AS key
         WHERE key NOT IN ('state', 'description', 'initial', 'terminal', 'frozen', 'deletable', 'requires');
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'workflow "%", state "%": unknown properties %', define_workflow.workflow, st->>'state', bad
                  USING ERRCODE = 'IS132', SCHEMA = 'iso28000', TABLE = 'workflow_state',
                        HINT = 'A state has: state, description, initial, terminal, frozen, deletable (true or false) and requires (an object of column: description).';
        END IF;
        IF jsonb_typeof(st->'state') IS DISTINCT FROM 'string' OR st->>'state' !~ '^[a-z][a-z0-9_]*$'
           OR length(st->>'state') >= 64 THEN
            RAISE EXCEPTION 'workflow "%": state name % is not a lower-case identifier of fewer than 64 characters',
                  define_workflow.workflow, coalesce((st->'state')::text, 'missing')
                  USING ERRCODE = 'IS133', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'state';
        END IF;
        IF st->>'state' = ANY (names) THEN
            RAISE EXCEPTION 'workflow "%": state "%" is declared twice', define_workflow.workflow, st->>'state'
                  USING ERRCODE = 'IS133', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'state';
        END IF;
        names := names || (st->>'state');
        FOREACH k IN ARRAY ARRAY['initial', 'terminal', 'frozen', 'deletable'] LOOP
            IF st ? k AND jsonb_typeof(st->k) <> 'boolean' THEN
                RAISE EXCEPTION 'workflow "%", state "%": % is %, not true or false', define_workflow.workflow, st->>'state', k, st->k
                      USING ERRCODE = 'IS132', SCHEMA = 'iso28000', TABLE = 'workflow_state';
            END IF;
        END LOOP;
        IF st ? 'description' AND jsonb_typeof(st->'description') <> 'string' THEN
            RAISE EXCEPTION 'workflow "%", state "%": the description is not a string', define_workflow.workflow, st->>'state'
                  USING ERRCODE = 'IS132', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'description';
        END IF;
        IF st ? 'requires' AND (jsonb_typeof(st->'requires') <> 'object'
                                OR EXISTS (SELECT FROM jsonb_each(st->'requires') r
                                            WHERE jsonb_typeof(r.value) <> 'string' OR r.key = '')) THEN
            RAISE EXCEPTION 'workflow "%", state "%": requires is not an object of column name: description', define_workflow.workflow, st->>'state'
                  USING ERRCODE = 'IS132', SCHEMA = 'iso28000', TABLE = 'workflow_required_column';
        END IF;
        IF coalesce((st->>'initial')::boolean, false) THEN
            initials := initials + 1;
        END IF;
    END LOOP;
    IF initials = 0 THEN
        RAISE EXCEPTION 'workflow "%" has no initial state: no record could ever be inserted', define_workflow.workflow
              USING ERRCODE = 'IS134', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'is_initial',
                    HINT = 'Mark the state a new record starts in with "initial": true.';
    END IF;

    -- The transitions: between declared states, once each, with a level and a
    -- guard that exists and has the guard's signature.
    FOR tr IN SELECT value FROM jsonb_array_elements(transitions) LOOP
        IF jsonb_typeof(tr) <> 'object' THEN
            RAISE EXCEPTION 'workflow "%": a transition is not a JSON object: %', define_workflow.workflow, tr
                  USING ERRCODE = 'IS131', SCHEMA = 'iso28000', TABLE = 'workflow_transition';
        END IF;
        SELECT string_agg(key, ', ' ORDER BY key) INTO bad FROM jsonb_object_keys(tr) AS key
         WHERE key NOT IN ('from', 'to', 'level', 'guard', 'note');
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'workflow "%", transition % -> %: unknown properties %', define_workflow.workflow, tr->>'from', tr->>'to', bad
                  USING ERRCODE = 'IS132', SCHEMA = 'iso28000', TABLE = 'workflow_transition',
                        HINT = 'A transition has: from, to, level (read, write, audit or manage), guard and note.';
        END IF;
        IF NOT (tr->>'from' = ANY (names)) OR NOT (tr->>'to' = ANY (names)) OR tr->>'from' = tr->>'to' THEN
            RAISE EXCEPTION 'workflow "%": transition % -> % does not join two different states it declares',
                  define_workflow.workflow, coalesce(tr->>'from', 'missing'), coalesce(tr->>'to', 'missing')
                  USING ERRCODE = 'IS135', SCHEMA = 'iso28000', TABLE = 'workflow_transition';
        END IF;
        IF (tr->>'from') || ' -> ' || (tr->>'to') = ANY (pairs) THEN
            RAISE EXCEPTION 'workflow "%": transition % -> % is declared twice', define_workflow.workflow, tr->>'from', tr->>'to'
                  USING ERRCODE = 'IS135', SCHEMA = 'iso28000', TABLE = 'workflow_transition';
        END IF;
        pairs := pairs || ((tr->>'from') || ' -> ' || (tr->>'to'));
        IF NOT coalesce(iso28000.workflow_level_ok(tr->>'level'), false) THEN
            RAISE EXCEPTION 'workflow "%", transition % -> %: level % is not read, write, audit or manage',
                  define_workflow.workflow, tr->>'from', tr->>'to', coalesce((tr->'level')::text, 'missing')
                  USING ERRCODE = 'IS136', SCHEMA = 'iso28000', TABLE = 'workflow_transition', COLUMN = 'required_level';
        END IF;
        IF tr ? 'guard' AND jsonb_typeof(tr->'guard') <> 'null' THEN
            g := CASE WHEN jsonb_typeof(tr->'guard') = 'string' THEN to_regprocedure(tr->>'guard') END;
            IF g IS NOT NULL THEN
                SELECT p.prorettype, p.proargtypes, p.pronargs INTO rettype, argtypes, nargs
                  FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) g;
            END IF;
            IF g IS NULL OR nargs <> 3 OR rettype <> 'text'::regtype
               OR argtypes[1] <> 'text'::regtype OR argtypes[2] <> 'text'::regtype THEN
                RAISE EXCEPTION 'workflow "%", transition % -> %: guard % is not a function (row, from_state text, to_state text) RETURNS text',
                      define_workflow.workflow, tr->>'from', tr->>'to', tr->'guard'
                      USING ERRCODE = 'IS137', SCHEMA = 'iso28000', TABLE = 'workflow_transition', COLUMN = 'guard';
            END IF;
        END IF;
    END LOOP;

    INSERT INTO iso28000.workflow (workflow, description, builtin)
    VALUES (define_workflow.workflow, define_workflow.description, define_workflow.builtin);
    INSERT INTO iso28000.workflow_state (workflow, state, is_initial, is_terminal, is_frozen, deletable, description, builtin)
    SELECT define_workflow.workflow, s.value->>'state',
           coalesce((s.value->>'initial')::boolean, false), coalesce((s.value->>'terminal')::boolean, false),
           coalesce((s.value->>'frozen')::boolean, false), coalesce((s.value->>'deletable')::boolean, false),
           s.value->>'description', define_workflow.builtin
      FROM jsonb_array_elements(states) s;
    INSERT INTO iso28000.workflow_required_column (workflow, state, column_name, description, builtin)
    SELECT define_workflow.workflow, s.value->>'state', r.key, r.value #>> '{}', define_workflow.builtin
      FROM jsonb_array_elements(states) s, jsonb_each(coalesce(s.value->'requires', '{}')) r;
    INSERT INTO iso28000.workflow_transition (workflow, from_state, to_state, required_level, guard, note, builtin)
    SELECT define_workflow.workflow, t.value->>'from', t.value->>'to', t.value->>'level',
           to_regprocedure(t.value->>'guard'), t.value->>'note', define_workflow.builtin
      FROM jsonb_array_elements(transitions) t;
END
$$;
COMMENT ON FUNCTION iso28000.define_workflow(text, text, jsonb, jsonb, boolean) IS
  'Declares a workflow in one call: states as a JSON array of {state, description, initial, terminal, frozen, deletable, requires: {column: description}} (unset booleans false), transitions as a JSON array of {from, to, level, guard, note}. Refuses a workflow already defined (IS130), a malformed declaration (IS131), an unknown property or a value of the wrong type (IS132), a bad or repeated state name (IS133), no initial state (IS134), a transition between undeclared or equal states or declared twice (IS135), a level that is not read, write, audit or manage (IS136), a guard that is not a function (row, text, text) RETURNS text (IS137); nothing is written then. builtin marks the rows the install script seeds.';

-- The rules of a workflow as the engine will read them for one table: refused
-- here, where they are declared (by attach_workflow() and, for a change of the
-- rules of an attached workflow, by the rules tables' statement trigger below),
-- rather than at the first write to the table.  The engine (src/workflow_rules.c)
-- refuses the same rules with the same SQLSTATEs should they reach it anyway.
CREATE FUNCTION iso28000._workflow_check_rules(tbl regclass, workflow text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad record;
  missing text;
  rowtype oid;
BEGIN
  SELECT s.state INTO bad FROM iso28000.workflow_state s
   WHERE s.workflow = _workflow_check_rules.workflow AND octet_length(s.state) >= 64
   ORDER BY s.state LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'workflow "%" cannot govern table %: state name "%..." is % bytes long, more than the 63 a state may have',
          workflow, tbl, left(bad.state, 20), octet_length(bad.state)
      USING ERRCODE = 'IS138', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'state';
  END IF;
  SELECT t.from_state, t.to_state, t.required_level INTO bad FROM iso28000.workflow_transition t
   WHERE t.workflow = _workflow_check_rules.workflow
     AND NOT coalesce(t.required_level IN ('read', 'write', 'audit', 'manage'), false)
   ORDER BY t.from_state, t.to_state LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'workflow "%" cannot govern table %: transition "%" to "%" requires level "%", which is not read, write, audit or manage',
          workflow, tbl, bad.from_state, bad.to_state, bad.required_level
      USING ERRCODE = 'IS139', SCHEMA = 'iso28000', TABLE = 'workflow_transition', COLUMN = 'required_level';
  END IF;
  IF NOT EXISTS (SELECT FROM iso28000.workflow_state s
                  WHERE s.workflow = _workflow_check_rules.workflow AND s.is_initial) THEN
    RAISE EXCEPTION 'workflow "%" cannot govern table %: it has no initial state, so no record could be inserted', workflow, tbl
      USING ERRCODE = 'IS141', SCHEMA = 'iso28000', TABLE = 'workflow_state', COLUMN = 'is_initial',
            HINT = 'Mark the state a new record starts in with is_initial.';
  END IF;
  SELECT c.reltype INTO rowtype FROM pg_class c WHERE c.oid OPERATOR(pg_catalog.=) tbl;
  SELECT t.from_state, t.to_state, t.guard::oid AS guard INTO bad
    FROM iso28000.workflow_transition t
    LEFT JOIN pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.guard::oid
   WHERE t.workflow = _workflow_check_rules.workflow AND t.guard IS NOT NULL
     AND NOT coalesce(p.prorettype OPERATOR(pg_catalog.=) 'text'::regtype AND p.pronargs = 3
                      AND p.proargtypes[0] IN (rowtype, 'record'::regtype)
                      AND p.proargtypes[1] OPERATOR(pg_catalog.=) 'text'::regtype
                      AND p.proargtypes[2] OPERATOR(pg_catalog.=) 'text'::regtype, false)
   ORDER BY t.from_state, t.to_state LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'workflow "%" cannot govern table %: guard % of "%" to "%" must take (%, text, text) and return text',
          workflow, tbl, bad.guard::regprocedure, bad.from_state, bad.to_state, rowtype::regtype
      USING ERRCODE = 'IS140', SCHEMA = 'iso28000', TABLE = 'workflow_transition', COLUMN = 'guard';
  END IF;
  SELECT string_agg(format('%s (state %s)', r.column_name, r.state), ', ' ORDER BY r.state, r.column_name)
    INTO missing
    FROM iso28000.workflow_required_column r
   WHERE r.workflow = _workflow_check_rules.workflow
     AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = tbl AND a.attname = r.column_name
                        AND a.attnum > 0 AND NOT a.attisdropped);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'table % lacks columns that workflow "%" requires: %', tbl, workflow, missing
      USING ERRCODE = 'IS100', SCHEMA = 'iso28000', TABLE = 'workflow_required_column', COLUMN = 'column_name';
  END IF;
END
$$;
REVOKE ALL ON FUNCTION iso28000._workflow_check_rules(regclass, text) FROM PUBLIC;
COMMENT ON FUNCTION iso28000._workflow_check_rules(regclass, text) IS
  'Refuses rules of a workflow that cannot govern the table: a state name of 64 bytes or more (IS138), a level that is not read, write, audit or manage (IS139), a guard that does not take (table row or record, text, text) and return text (IS140), no initial state (IS141), a required column the table lacks (IS100).';

-- True when a relation is a shard (or a placement) of a Citus table, whose
-- row type is the shard's own (src/citus_compat.c); false without Citus.
CREATE FUNCTION iso28000._is_shard(rel regclass) RETURNS boolean
LANGUAGE c STABLE STRICT COST 1000
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_is_citus_shard';
REVOKE ALL ON FUNCTION iso28000._is_shard(regclass) FROM PUBLIC;
COMMENT ON FUNCTION iso28000._is_shard(regclass) IS
  'Internal: true when the relation is a shard or a placement of a Citus table (named <table>_<shard id> after a table of pg_dist_shard, in its schema); false without Citus.';

-- Statement trigger on the rules tables: a change of the rules of a workflow
-- that governs a table is checked against that table at once (the tables in
-- name order), so a guard or a required column that cannot fit is refused by
-- the statement that declares it.  On a Citus node the workflow's trigger is
-- also on the shards of the table, each with its own row type: they are left
-- out (the table itself, present on every node, is checked), as the engine
-- hands a guard the row as a row of its table.
CREATE FUNCTION iso28000._workflow_rules_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a record;
BEGIN
  FOR a IN
    SELECT g.tgrelid::regclass AS tbl, split_part(encode(g.tgargs, 'escape'), '\000', 1) AS workflow
      FROM pg_trigger g
     WHERE g.tgfoid OPERATOR(pg_catalog.=) 'iso28000.workflow_guard()'::regprocedure
       AND NOT iso28000._is_shard(g.tgrelid)
     ORDER BY g.tgrelid::regclass::text, 2
  LOOP
    IF EXISTS (SELECT FROM iso28000.workflow w WHERE w.workflow = a.workflow) THEN
      PERFORM iso28000._workflow_check_rules(a.tbl, a.workflow);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION iso28000._workflow_rules_check() FROM PUBLIC;
COMMENT ON FUNCTION iso28000._workflow_rules_check() IS
  'Statement trigger on the workflow rules tables: checks the rules of every workflow that governs a table against that table (iso28000._workflow_check_rules), so a misconfigured rule is refused by the statement that declares it.';
CREATE TRIGGER workflow_rules_check AFTER INSERT OR UPDATE OR DELETE
  ON iso28000.workflow_state FOR EACH STATEMENT EXECUTE FUNCTION iso28000._workflow_rules_check();
CREATE TRIGGER workflow_rules_check AFTER INSERT OR UPDATE OR DELETE
  ON iso28000.workflow_transition FOR EACH STATEMENT EXECUTE FUNCTION iso28000._workflow_rules_check();
CREATE TRIGGER workflow_rules_check AFTER INSERT OR UPDATE OR DELETE
  ON iso28000.workflow_required_column FOR EACH STATEMENT EXECUTE FUNCTION iso28000._workflow_rules_check();

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
BEGIN
  PERFORM iso28000._require_extension_table(tbl, 'IS110', format('workflow "%s" cannot govern table %s', workflow, tbl),
              'The workflow engine governs only the extension''s own registers.');
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
  PERFORM iso28000._workflow_check_rules(tbl, workflow);
  EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW '
                 'EXECUTE FUNCTION iso28000.workflow_guard(%L, %L)', trg, tbl, workflow, status_column);
  -- The event writer, for a workflow that logs its events (a row trigger
  -- without it logs each event itself, should log_events be switched on later).
  IF (SELECT w.log_events FROM iso28000.workflow w WHERE w.workflow = attach_workflow.workflow) THEN
    PERFORM iso28000._workflow_attach_log(tbl, workflow, status_column);
  END IF;
END
$$;
REVOKE ALL ON FUNCTION iso28000.attach_workflow(regclass, text, name) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.attach_workflow(regclass, text, name) IS
  'Attaches a workflow to a table: creates the BEFORE INSERT OR UPDATE OR DELETE row trigger iso28000.workflow_guard(workflow, status_column), named workflow_guard (or workflow_guard_<column>), and the event writer''s AFTER INSERT and AFTER UPDATE statement triggers iso28000.workflow_log(), named workflow_event_insert and workflow_event_update (suffixed likewise). The table needs a bigint org_id and a text status column; the workflow''s rules must fit it (iso28000._workflow_check_rules: IS100, IS138-IS141).';

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
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s',
                 CASE WHEN status_column = 'status' THEN 'workflow_event_insert'
                      ELSE 'workflow_event_insert_' || status_column END, tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s',
                 CASE WHEN status_column = 'status' THEN 'workflow_event_update'
                      ELSE 'workflow_event_update_' || status_column END, tbl);
END
$$;
REVOKE ALL ON FUNCTION iso28000.detach_workflow(regclass, name) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.detach_workflow(regclass, name) IS
  'Drops the workflow triggers that attach_workflow created on the table for that status column (workflow_guard and the event writer''s workflow_event_insert and workflow_event_update).';

-- The transitions out of a state, for applications that show the next steps.
CREATE VIEW iso28000.workflow_next_step WITH (security_invoker = true) AS
SELECT t.workflow, t.from_state, t.to_state, t.required_level,
       (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
          FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE p.oid = t.guard) AS guard,
       t.note,
       coalesce((SELECT string_agg(r.column_name::text, ', ' ORDER BY r.column_name)
                   FROM iso28000.workflow_required_column r
                  WHERE r.workflow = t.workflow AND r.state = t.to_state), '') AS required_columns,
       s.is_terminal AS leads_to_terminal
  FROM iso28000.workflow_transition t
  JOIN iso28000.workflow_state s ON s.workflow = t.workflow AND s.state = t.to_state;
COMMENT ON VIEW iso28000.workflow_next_step IS
  'ISO 28000 7.5.3, 10.2: Each allowed transition with the level it needs, its guard and the columns that must be filled to make it.';
COMMENT ON COLUMN iso28000.workflow_next_step.workflow IS 'The workflow.';
COMMENT ON COLUMN iso28000.workflow_next_step.from_state IS 'State the record leaves.';
COMMENT ON COLUMN iso28000.workflow_next_step.to_state IS 'State the record enters.';
COMMENT ON COLUMN iso28000.workflow_next_step.required_level IS 'Membership level the transition needs.';
COMMENT ON COLUMN iso28000.workflow_next_step.guard IS 'Guard function, if any, as schema.name.';
COMMENT ON COLUMN iso28000.workflow_next_step.note IS 'Why the transition exists.';
COMMENT ON COLUMN iso28000.workflow_next_step.required_columns IS 'Columns that must be filled to enter to_state, in name order, separated by a comma and a space (empty when none).';
COMMENT ON COLUMN iso28000.workflow_next_step.leads_to_terminal IS 'True when to_state takes the record out of the active set.';
GRANT SELECT ON iso28000.workflow_next_step TO PUBLIC;
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
                      USING (org_id = ANY (iso28000.policy_orgs(''read'')))', tbl);
    EXECUTE format('CREATE POLICY member_insert ON %s FOR INSERT
                      WITH CHECK (org_id = ANY (iso28000.policy_orgs(''write'')))', tbl);
    EXECUTE format('CREATE POLICY member_update ON %s FOR UPDATE
                      USING (org_id = ANY (iso28000.policy_orgs(''write'')))
                      WITH CHECK (org_id = ANY (iso28000.policy_orgs(''write'')))', tbl);
    EXECUTE format('CREATE POLICY member_delete ON %s FOR DELETE
                      USING (org_id = ANY (iso28000.policy_orgs(''write'')))', tbl);
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
  USING (org_id = ANY (iso28000.policy_orgs('read')));
CREATE POLICY manager_insert ON iso28000.delegation FOR INSERT
  WITH CHECK (org_id = ANY (iso28000.policy_orgs('manage')));
CREATE POLICY manager_update ON iso28000.delegation FOR UPDATE
  USING (org_id = ANY (iso28000.policy_orgs('manage')))
  WITH CHECK (org_id = ANY (iso28000.policy_orgs('manage')));
CREATE POLICY manager_delete ON iso28000.delegation FOR DELETE
  USING (org_id = ANY (iso28000.policy_orgs('manage')));
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
/*
 * sql/core/08_catalog.sql
 *		The clause catalog: the standards an organisation works to, and their
 *		clauses (number and title only), and maps between the clauses of two
 *		standards.  ISO 28000:2022, ISO 22301:2019 and ISO/IEC 27001:2022
 *		(clauses 4 to 10) and the maps between their harmonized clauses are
 *		seeded from data/ (sql/core/08_catalog_seed.sql, tools/gen-catalog);
 *		load_clauses() adds others (ISO/IEC 27001 Annex A, ISO 9001).
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
  'ISO 28000 4.2.2, 4.4: Standards and other requirement sets whose clauses the catalog holds (ISO 28000:2022, ISO 22301:2019 and ISO/IEC 27001:2022 are seeded).';
COMMENT ON COLUMN iso28000.standard.standard IS 'Designation with edition, e.g. ISO 28000:2022.';
COMMENT ON COLUMN iso28000.standard.title IS 'Title of the standard.';
COMMENT ON COLUMN iso28000.standard.publisher IS 'Publisher, e.g. ISO.';
COMMENT ON COLUMN iso28000.standard.seeded IS 'True for rows the extension installs; rows added by users are false and are kept by pg_dump.';
-- The seeded standards (ISO 28000:2022, ISO 22301:2019, ISO/IEC 27001:2022) are in sql/core/08_catalog_seed.sql.
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
    -- Written with = rather than IS NOT DISTINCT FROM: Citus rebuilds the DDL of
    -- a reference table on every node from the catalog, where only = can be
    -- schema-qualified (OPERATOR(iso28000.=)).
    CONSTRAINT clause_parent_is_parent CHECK (CASE WHEN parent IS NULL THEN iso28000.parent(clause) IS NULL
                                                   ELSE coalesce(parent = iso28000.parent(clause), false) END)
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
COMMENT ON COLUMN iso28000.clause_wording.standard IS 'Standard of the clause.';
COMMENT ON COLUMN iso28000.clause_wording.clause IS 'Clause number.';
COMMENT ON COLUMN iso28000.clause_wording.requirement_text IS 'The licensed requirement wording.';
COMMENT ON COLUMN iso28000.clause_wording.licence IS 'Licence under which the wording is held (reference or note).';
COMMENT ON COLUMN iso28000.clause_wording.loaded_at IS 'When the wording was loaded.';
SELECT iso28000.register_table('iso28000.clause_wording');

-- The catalog with the organisation's licensed wording, one row per organisation and clause.
CREATE VIEW iso28000.clause_catalog WITH (security_invoker = true) AS
SELECT o.org_id, c.standard, c.clause::text AS clause, iso28000.sort_key(c.clause) AS clause_sort,
       c.title, c.pdca, c.parent::text AS parent, c.seq,
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
COMMENT ON COLUMN iso28000.clause_catalog.clause IS 'Clause number, as text.';
COMMENT ON COLUMN iso28000.clause_catalog.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.clause_catalog.title IS 'Clause title.';
COMMENT ON COLUMN iso28000.clause_catalog.pdca IS 'Plan-do-check-act phase (project convention).';
COMMENT ON COLUMN iso28000.clause_catalog.parent IS 'Enclosing clause, as text (NULL for a top-level clause).';
COMMENT ON COLUMN iso28000.clause_catalog.seq IS 'Position in the table of contents.';
COMMENT ON COLUMN iso28000.clause_catalog.depth IS 'Depth in the clause hierarchy (1 for a top-level clause).';
COMMENT ON COLUMN iso28000.clause_catalog.requirement_text IS 'Licensed requirement wording, or NULL.';
GRANT SELECT ON iso28000.clause_catalog TO PUBLIC;

-- Maps between the clauses of two standards ("assess once, report against several").
CREATE TABLE iso28000.clause_map (
    from_standard text NOT NULL,
    from_clause   iso28000.clause_ref NOT NULL,
    to_standard   text NOT NULL,
    to_clause     iso28000.clause_ref NOT NULL,
    relation      text NOT NULL
                  CONSTRAINT clause_map_relation_known CHECK (relation IN ('equal', 'subset', 'superset', 'intersects')),
    note          text,
    seeded        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (from_standard, from_clause, to_standard, to_clause),
    CONSTRAINT clause_map_two_standards CHECK (from_standard <> to_standard),
    CONSTRAINT clause_map_from_fk FOREIGN KEY (from_standard, from_clause) REFERENCES iso28000.clause (standard, clause),
    CONSTRAINT clause_map_to_fk FOREIGN KEY (to_standard, to_clause) REFERENCES iso28000.clause (standard, clause)
);
CREATE INDEX clause_map_to_idx ON iso28000.clause_map (to_standard, to_clause);
COMMENT ON TABLE iso28000.clause_map IS
  'ISO 28000 4.4, 9.1, 9.2: Map between a clause of one standard and a clause of another, with how their requirements relate; read in both directions (clause_crosswalk). The maps between the harmonized clauses of ISO 28000:2022, ISO 22301:2019 and ISO/IEC 27001:2022 are seeded.';
COMMENT ON COLUMN iso28000.clause_map.from_standard IS 'Standard of the source clause.';
COMMENT ON COLUMN iso28000.clause_map.from_clause IS 'Source clause; it covers its sub-clauses.';
COMMENT ON COLUMN iso28000.clause_map.to_standard IS 'Standard of the target clause.';
COMMENT ON COLUMN iso28000.clause_map.to_clause IS 'Target clause.';
COMMENT ON COLUMN iso28000.clause_map.relation IS 'How the source clause relates to the target: equal, subset (the source asks part of what the target asks), superset (the source asks all of it and more) or intersects (they overlap).';
COMMENT ON COLUMN iso28000.clause_map.note IS 'Why the clauses map (short, factual; never requirement wording).';
COMMENT ON COLUMN iso28000.clause_map.seeded IS 'True for rows the extension installs; rows added by users are false and are kept by pg_dump.';
SELECT pg_catalog.pg_extension_config_dump('iso28000.clause_map', 'WHERE NOT seeded');
GRANT SELECT ON iso28000.clause_map TO PUBLIC;

-- Every map in both directions, in plain types.
CREATE VIEW iso28000.clause_crosswalk WITH (security_invoker = true) AS
SELECT m.from_standard, m.from_clause::text AS from_clause, iso28000.sort_key(m.from_clause) AS from_clause_sort, f.title AS from_title,
       m.to_standard, m.to_clause::text AS to_clause, iso28000.sort_key(m.to_clause) AS to_clause_sort, t.title AS to_title,
       m.relation, m.note, false AS inverse
  FROM iso28000.clause_map m
  JOIN iso28000.clause f ON f.standard = m.from_standard AND f.clause OPERATOR(iso28000.=) m.from_clause
  JOIN iso28000.clause t ON t.standard = m.to_standard AND t.clause OPERATOR(iso28000.=) m.to_clause
UNION ALL
SELECT m.to_standard, m.to_clause::text, iso28000.sort_key(m.to_clause), t.title,
       m.from_standard, m.from_clause::text, iso28000.sort_key(m.from_clause), f.title,
       CASE m.relation WHEN 'subset' THEN 'superset' WHEN 'superset' THEN 'subset' ELSE m.relation END,
       m.note, true
  FROM iso28000.clause_map m
  JOIN iso28000.clause f ON f.standard = m.from_standard AND f.clause OPERATOR(iso28000.=) m.from_clause
  JOIN iso28000.clause t ON t.standard = m.to_standard AND t.clause OPERATOR(iso28000.=) m.to_clause;
COMMENT ON VIEW iso28000.clause_crosswalk IS
  'ISO 28000 4.4, 9.1, 9.2: Every clause map in both directions (a map read backwards swaps subset and superset), with the titles of both clauses.';
COMMENT ON COLUMN iso28000.clause_crosswalk.from_standard IS 'Standard read from.';
COMMENT ON COLUMN iso28000.clause_crosswalk.from_clause IS 'Clause read from, as text.';
COMMENT ON COLUMN iso28000.clause_crosswalk.from_clause_sort IS 'Sorts from_clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1).';
COMMENT ON COLUMN iso28000.clause_crosswalk.from_title IS 'Title of the clause read from.';
COMMENT ON COLUMN iso28000.clause_crosswalk.to_standard IS 'Standard mapped onto.';
COMMENT ON COLUMN iso28000.clause_crosswalk.to_clause IS 'Clause mapped onto, as text.';
COMMENT ON COLUMN iso28000.clause_crosswalk.to_clause_sort IS 'Sorts to_clause as the standard does.';
COMMENT ON COLUMN iso28000.clause_crosswalk.to_title IS 'Title of the clause mapped onto.';
COMMENT ON COLUMN iso28000.clause_crosswalk.relation IS 'equal, subset, superset or intersects, read from from_clause to to_clause.';
COMMENT ON COLUMN iso28000.clause_crosswalk.note IS 'Note of the map.';
COMMENT ON COLUMN iso28000.clause_crosswalk.inverse IS 'True when the row is a map read backwards.';
GRANT SELECT ON iso28000.clause_crosswalk TO PUBLIC;

-- Loads the clauses of a standard (numbers and titles) into the shared catalog.
CREATE FUNCTION iso28000.load_clauses(standard text, clauses jsonb, title text DEFAULT NULL, publisher text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    std text := btrim(load_clauses.standard);
    entry jsonb;
    pos integer := 0;
    key text;
    txt text;
    c iso28000.clause_ref;
    cs iso28000.clause_ref[] := '{}';
    ts text[] := '{}';
    ps text[] := '{}';
    ph text;
    base integer;
    missing text;
BEGIN
    IF std IS NULL OR std = '' THEN
        RAISE EXCEPTION 'load_clauses: the standard is missing'
              USING ERRCODE = 'IS540', DETAIL = 'A standard is named by its designation with edition, e.g. ISO 9001:2015.',
                    SCHEMA = 'iso28000', TABLE = 'standard', COLUMN = 'standard';
    END IF;
    IF NOT EXISTS (SELECT FROM iso28000.standard s WHERE s.standard OPERATOR(pg_catalog.=) std) THEN
        IF coalesce(btrim(load_clauses.title), '') = '' THEN
            RAISE EXCEPTION 'load_clauses: standard "%" is not in the catalog and no title was given to add it', std
                  USING ERRCODE = 'IS540', HINT = 'Pass the title of the standard (title => ...) to add it.',
                        SCHEMA = 'iso28000', TABLE = 'standard', COLUMN = 'title';
        END IF;
    END IF;
    IF jsonb_typeof(clauses) IS DISTINCT FROM 'array' OR jsonb_array_length(clauses) = 0 THEN
        RAISE EXCEPTION 'load_clauses: the clauses of "%" must be a non-empty JSON array', std
              USING ERRCODE = 'IS541', DETAIL = 'Each element is an object {"clause": "A.5.1", "title": "...", "pdca": "do"}; pdca is optional.',
                    SCHEMA = 'iso28000', TABLE = 'clause';
    END IF;
    FOR entry IN SELECT x FROM jsonb_array_elements(clauses) AS x LOOP
        pos := pos + 1;
        IF jsonb_typeof(entry) IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION 'load_clauses: element % of the clauses of "%" is not a JSON object', pos, std
                  USING ERRCODE = 'IS541', SCHEMA = 'iso28000', TABLE = 'clause';
        END IF;
        SELECT min(k) INTO key FROM jsonb_object_keys(entry) AS k WHERE k NOT IN ('clause', 'title', 'pdca');
        IF key IS NOT NULL THEN
            RAISE EXCEPTION 'load_clauses: element % of the clauses of "%" has the unknown key "%"', pos, std, key
                  USING ERRCODE = 'IS541',
                        DETAIL = 'An element holds clause, title and pdca only: the catalog keeps numbers and titles, never requirement wording (that goes to clause_wording, per organisation).',
                        SCHEMA = 'iso28000', TABLE = 'clause';
        END IF;
        txt := entry ->> 'clause';
        IF txt IS NULL THEN
            RAISE EXCEPTION 'load_clauses: element % of the clauses of "%" has no clause number', pos, std
                  USING ERRCODE = 'IS541', SCHEMA = 'iso28000', TABLE = 'clause', COLUMN = 'clause';
        END IF;
        BEGIN
            c := iso28000.clause_ref(txt);
        EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
            RAISE EXCEPTION 'load_clauses: element % of the clauses of "%": "%" is not a clause reference', pos, std, txt
                  USING ERRCODE = 'IS542', DETAIL = SQLERRM,
                        HINT = 'A clause reference looks like "4", "8.6.4" or "A.5.1" (doc/clause_ref.md).',
                        SCHEMA = 'iso28000', TABLE = 'clause', COLUMN = 'clause';
        END;
        IF coalesce(btrim(entry ->> 'title'), '') = '' THEN
            RAISE EXCEPTION 'load_clauses: clause % of "%" has no title', txt, std
                  USING ERRCODE = 'IS541', SCHEMA = 'iso28000', TABLE = 'clause', COLUMN = 'title';
        END IF;
        ph := entry ->> 'pdca';
        IF ph IS NOT NULL AND ph NOT IN ('plan', 'do', 'check', 'act') THEN
            RAISE EXCEPTION 'load_clauses: clause % of "%" has the PDCA phase "%"', txt, std, ph
                  USING ERRCODE = 'IS541', DETAIL = 'The phase is plan, do, check or act, or absent.',
                        SCHEMA = 'iso28000', TABLE = 'clause', COLUMN = 'pdca';
        END IF;
        IF ph IS NULL THEN
            -- this project's convention: 4 to 6 plan, 7 and 8 do, 9 check, 10 act; annex controls do; 1 to 3 none
            ph := CASE WHEN iso28000.annex(c) IS NOT NULL THEN 'do'
                       ELSE CASE iso28000.top_level(c)::text WHEN '4' THEN 'plan' WHEN '5' THEN 'plan' WHEN '6' THEN 'plan'
                                 WHEN '7' THEN 'do' WHEN '8' THEN 'do' WHEN '9' THEN 'check' WHEN '10' THEN 'act' END END;
        END IF;
        IF c OPERATOR(iso28000.=) ANY (cs) THEN
            RAISE EXCEPTION 'load_clauses: clause % of "%" is given twice', txt, std
                  USING ERRCODE = 'IS543', SCHEMA = 'iso28000', TABLE = 'clause', COLUMN = 'clause';
        END IF;
        IF EXISTS (SELECT FROM iso28000.clause k WHERE k.standard OPERATOR(pg_catalog.=) std AND k.clause OPERATOR(iso28000.=) c) THEN
            RAISE EXCEPTION 'load_clauses: clause % of "%" is already in the catalog', txt, std
                  USING ERRCODE = 'IS543', HINT = 'Load only the clauses the catalog lacks.',
                        SCHEMA = 'iso28000', TABLE = 'clause', COLUMN = 'clause';
        END IF;
        cs := cs || c;
        ts := ts || btrim(entry ->> 'title');
        ps := ps || ph;
    END LOOP;
    SELECT min(u.c::text) INTO missing
      FROM unnest(cs) AS u(c)
     WHERE iso28000.parent(u.c) IS NOT NULL
       AND NOT iso28000.parent(u.c) OPERATOR(iso28000.=) ANY (cs)
       AND NOT EXISTS (SELECT FROM iso28000.clause k
                        WHERE k.standard OPERATOR(pg_catalog.=) std AND k.clause OPERATOR(iso28000.=) iso28000.parent(u.c));
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'load_clauses: the parent of clause % of "%" is neither in the catalog nor loaded with it', missing, std
              USING ERRCODE = 'IS544', HINT = 'Load the enclosing clause too (A.5 before A.5.1).',
                    SCHEMA = 'iso28000', TABLE = 'clause', COLUMN = 'parent';
    END IF;
    INSERT INTO iso28000.standard (standard, title, publisher)
    SELECT std, btrim(load_clauses.title), load_clauses.publisher
     WHERE NOT EXISTS (SELECT FROM iso28000.standard s WHERE s.standard OPERATOR(pg_catalog.=) std);
    SELECT coalesce(max(k.seq), 0) INTO base FROM iso28000.clause k WHERE k.standard OPERATOR(pg_catalog.=) std;
    INSERT INTO iso28000.clause (standard, clause, title, pdca, parent, seq)
    SELECT std, u.c, u.t, u.p, iso28000.parent(u.c), base OPERATOR(pg_catalog.+) (row_number() OVER (ORDER BY iso28000.sort_key(u.c)))::integer
      FROM unnest(cs, ts, ps) AS u(c, t, p);
    RETURN cardinality(cs);
END
$$;
REVOKE ALL ON FUNCTION iso28000.load_clauses(text, jsonb, text, text) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.load_clauses(text, jsonb, text, text) IS
  'Adds the clauses of a standard to the shared catalog (numbers and titles only), creating the standard when a title is given: clauses is a JSON array of {"clause": "A.5.1", "title": "...", "pdca": "do"}; pdca defaults to this project''s convention (annex controls do). Refuses bad input with IS540 to IS544; returns the number of clauses added. Runs as the extension''s owner: the DBA grants EXECUTE to the roles that may extend the catalog.';

-- Loads maps between the clauses of two standards of the catalog.
CREATE FUNCTION iso28000.load_clause_map(from_standard text, to_standard text, maps jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fs text := btrim(load_clause_map.from_standard);
    ts text := btrim(load_clause_map.to_standard);
    entry jsonb;
    pos integer := 0;
    key text;
    side text;
    txt text;
    rel text;
    c iso28000.clause_ref;
    fc iso28000.clause_ref;
    tc iso28000.clause_ref;
    fcs iso28000.clause_ref[] := '{}';
    tcs iso28000.clause_ref[] := '{}';
    rels text[] := '{}';
    notes text[] := '{}';
BEGIN
    FOREACH side IN ARRAY ARRAY['from', 'to'] LOOP
        txt := CASE side WHEN 'from' THEN fs ELSE ts END;
        IF txt IS NULL OR txt = '' THEN
            RAISE EXCEPTION 'load_clause_map: the % standard is missing', side
                  USING ERRCODE = 'IS548', SCHEMA = 'iso28000', TABLE = 'clause_map', COLUMN = side || '_standard';
        END IF;
        IF NOT EXISTS (SELECT FROM iso28000.standard s WHERE s.standard OPERATOR(pg_catalog.=) txt) THEN
            RAISE EXCEPTION 'load_clause_map: the % standard "%" is not in the catalog', side, txt
                  USING ERRCODE = 'IS548', HINT = 'Load its clauses first with load_clauses().',
                        SCHEMA = 'iso28000', TABLE = 'clause_map', COLUMN = side || '_standard';
        END IF;
    END LOOP;
    IF fs OPERATOR(pg_catalog.=) ts THEN
        RAISE EXCEPTION 'load_clause_map: a map joins two standards, not "%" to itself', fs
              USING ERRCODE = 'IS548', SCHEMA = 'iso28000', TABLE = 'clause_map', COLUMN = 'to_standard';
    END IF;
    IF jsonb_typeof(maps) IS DISTINCT FROM 'array' OR jsonb_array_length(maps) OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'load_clause_map: the maps from "%" to "%" must be a non-empty JSON array', fs, ts
              USING ERRCODE = 'IS549', DETAIL = 'Each element is an object {"from": "A.5.1", "to": "5.2", "relation": "intersects", "note": "..."}; note is optional.',
                    SCHEMA = 'iso28000', TABLE = 'clause_map';
    END IF;
    FOR entry IN SELECT x FROM jsonb_array_elements(maps) AS x LOOP
        pos := pos OPERATOR(pg_catalog.+) 1;
        IF jsonb_typeof(entry) IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION 'load_clause_map: element % of the maps from "%" to "%" is not a JSON object', pos, fs, ts
                  USING ERRCODE = 'IS549', SCHEMA = 'iso28000', TABLE = 'clause_map';
        END IF;
        SELECT min(k) INTO key FROM jsonb_object_keys(entry) AS k
         WHERE k OPERATOR(pg_catalog.<>) ALL (ARRAY['from', 'to', 'relation', 'note']);
        IF key IS NOT NULL THEN
            RAISE EXCEPTION 'load_clause_map: element % of the maps from "%" to "%" has the unknown key "%"', pos, fs, ts, key
                  USING ERRCODE = 'IS549', DETAIL = 'An element holds from, to, relation and note only.',
                        SCHEMA = 'iso28000', TABLE = 'clause_map';
        END IF;
        FOREACH side IN ARRAY ARRAY['from', 'to'] LOOP
            IF jsonb_typeof(entry -> side) IS DISTINCT FROM 'string' THEN
                RAISE EXCEPTION 'load_clause_map: element % of the maps from "%" to "%" has no % clause', pos, fs, ts, side
                      USING ERRCODE = 'IS549', SCHEMA = 'iso28000', TABLE = 'clause_map', COLUMN = side || '_clause';
            END IF;
            txt := entry ->> side;
            BEGIN
                c := iso28000.clause_ref(txt);
            EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
                RAISE EXCEPTION 'load_clause_map: element % of the maps from "%" to "%": "%" is not a clause reference', pos, fs, ts, txt
                      USING ERRCODE = 'IS550', DETAIL = SQLERRM,
                            HINT = 'A clause reference looks like "4", "8.6.4" or "A.5.1" (doc/clause_ref.md).',
                            SCHEMA = 'iso28000', TABLE = 'clause_map', COLUMN = side || '_clause';
            END;
            IF NOT EXISTS (SELECT FROM iso28000.clause k
                            WHERE k.standard OPERATOR(pg_catalog.=) CASE side WHEN 'from' THEN fs ELSE ts END
                              AND k.clause OPERATOR(iso28000.=) c) THEN
                RAISE EXCEPTION 'load_clause_map: element % of the maps from "%" to "%": clause % is not a clause of "%"',
                                pos, fs, ts, txt, CASE side WHEN 'from' THEN fs ELSE ts END
                      USING ERRCODE = 'IS551', HINT = 'Load the clause first with load_clauses().',
                            SCHEMA = 'iso28000', TABLE = 'clause_map', COLUMN = side || '_clause';
            END IF;
            IF side OPERATOR(pg_catalog.=) 'from' THEN fc := c; ELSE tc := c; END IF;
        END LOOP;
        rel := entry ->> 'relation';
        IF rel IS NULL OR rel OPERATOR(pg_catalog.<>) ALL (ARRAY['equal', 'subset', 'superset', 'intersects']) THEN
            RAISE EXCEPTION 'load_clause_map: the map of % to % has the relation "%"', fc, tc, coalesce(rel, '')
                  USING ERRCODE = 'IS549', DETAIL = 'The relation is equal, subset, superset or intersects, read from the from clause to the to clause.',
                        SCHEMA = 'iso28000', TABLE = 'clause_map', COLUMN = 'relation';
        END IF;
        IF entry ? 'note' AND jsonb_typeof(entry -> 'note') NOT IN ('string', 'null') THEN
            RAISE EXCEPTION 'load_clause_map: the note of the map of % to % is not a string', fc, tc
                  USING ERRCODE = 'IS549', SCHEMA = 'iso28000', TABLE = 'clause_map', COLUMN = 'note';
        END IF;
        IF EXISTS (SELECT FROM unnest(fcs, tcs) AS u(f, t) WHERE u.f OPERATOR(iso28000.=) fc AND u.t OPERATOR(iso28000.=) tc) THEN
            RAISE EXCEPTION 'load_clause_map: the map of % of "%" to % of "%" is given twice', fc, fs, tc, ts
                  USING ERRCODE = 'IS552', SCHEMA = 'iso28000', TABLE = 'clause_map', COLUMN = 'to_clause';
        END IF;
        IF EXISTS (SELECT FROM iso28000.clause_map m
                    WHERE (m.from_standard OPERATOR(pg_catalog.=) fs AND m.from_clause OPERATOR(iso28000.=) fc
                           AND m.to_standard OPERATOR(pg_catalog.=) ts AND m.to_clause OPERATOR(iso28000.=) tc)
                       OR (m.from_standard OPERATOR(pg_catalog.=) ts AND m.from_clause OPERATOR(iso28000.=) tc
                           AND m.to_standard OPERATOR(pg_catalog.=) fs AND m.to_clause OPERATOR(iso28000.=) fc)) THEN
            RAISE EXCEPTION 'load_clause_map: % of "%" and % of "%" are already mapped', fc, fs, tc, ts
                  USING ERRCODE = 'IS552', HINT = 'A map is read in both directions (clause_crosswalk): load each pair once.',
                        SCHEMA = 'iso28000', TABLE = 'clause_map', COLUMN = 'to_clause';
        END IF;
        fcs := fcs OPERATOR(pg_catalog.||) fc;
        tcs := tcs OPERATOR(pg_catalog.||) tc;
        rels := rels OPERATOR(pg_catalog.||) rel;
        notes := notes OPERATOR(pg_catalog.||) nullif(btrim(entry ->> 'note'), '');
    END LOOP;
    INSERT INTO iso28000.clause_map (from_standard, from_clause, to_standard, to_clause, relation, note)
    SELECT fs, u.f, ts, u.t, u.r, u.n FROM unnest(fcs, tcs, rels, notes) AS u(f, t, r, n);
    RETURN cardinality(fcs);
END
$$;
REVOKE ALL ON FUNCTION iso28000.load_clause_map(text, text, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.load_clause_map(text, text, jsonb) IS
  'Adds maps between the clauses of two standards of the catalog: maps is a JSON array of {"from": "A.5.1", "to": "5.2", "relation": "intersects", "note": "..."} (relation equal, subset, superset or intersects, read from the from clause to the to clause). Refuses bad input with IS548 to IS552 and adds nothing then; returns the number of maps added. Runs as the extension''s owner: the DBA grants EXECUTE to the roles that may extend the catalog.';
-- sql/core/08_catalog_seed.sql: generated by tools/gen-catalog from
-- data/standards.tsv, the clause lists it names and
-- data/clause-map-harmonized.tsv (clause numbers and titles only; the
-- requirement wording is ISO's copyright). Do not edit by hand.

INSERT INTO iso28000.standard (standard, title, publisher, seeded) VALUES
  ('ISO 28000:2022', 'Security and resilience — Security management systems — Requirements', 'ISO', true),
  ('ISO 22301:2019', 'Security and resilience — Business continuity management systems — Requirements', 'ISO', true),
  ('ISO/IEC 27001:2022', 'Information security, cybersecurity and privacy protection — Information security management systems — Requirements', 'ISO/IEC', true);

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

INSERT INTO iso28000.clause (standard, clause, title, pdca, parent, seq, seeded) VALUES
  ('ISO 22301:2019', '4', 'Context of the organization', 'plan', NULL, 1, true),
  ('ISO 22301:2019', '4.1', 'Understanding the organization and its context', 'plan', '4', 2, true),
  ('ISO 22301:2019', '4.2', 'Understanding the needs and expectations of interested parties', 'plan', '4', 3, true),
  ('ISO 22301:2019', '4.2.1', 'General', 'plan', '4.2', 4, true),
  ('ISO 22301:2019', '4.2.2', 'Legal and regulatory requirements', 'plan', '4.2', 5, true),
  ('ISO 22301:2019', '4.3', 'Determining the scope of the business continuity management system', 'plan', '4', 6, true),
  ('ISO 22301:2019', '4.3.1', 'General', 'plan', '4.3', 7, true),
  ('ISO 22301:2019', '4.3.2', 'Scope of the business continuity management system', 'plan', '4.3', 8, true),
  ('ISO 22301:2019', '4.4', 'Business continuity management system', 'plan', '4', 9, true),
  ('ISO 22301:2019', '5', 'Leadership', 'plan', NULL, 10, true),
  ('ISO 22301:2019', '5.1', 'Leadership and commitment', 'plan', '5', 11, true),
  ('ISO 22301:2019', '5.2', 'Policy', 'plan', '5', 12, true),
  ('ISO 22301:2019', '5.2.1', 'Establishing the business continuity policy', 'plan', '5.2', 13, true),
  ('ISO 22301:2019', '5.2.2', 'Communicating the business continuity policy', 'plan', '5.2', 14, true),
  ('ISO 22301:2019', '5.3', 'Roles, responsibilities and authorities', 'plan', '5', 15, true),
  ('ISO 22301:2019', '6', 'Planning', 'plan', NULL, 16, true),
  ('ISO 22301:2019', '6.1', 'Actions to address risks and opportunities', 'plan', '6', 17, true),
  ('ISO 22301:2019', '6.1.1', 'Determining risks and opportunities', 'plan', '6.1', 18, true),
  ('ISO 22301:2019', '6.1.2', 'Addressing risks and opportunities', 'plan', '6.1', 19, true),
  ('ISO 22301:2019', '6.2', 'Business continuity objectives and planning to achieve them', 'plan', '6', 20, true),
  ('ISO 22301:2019', '6.2.1', 'Establishing business continuity objectives', 'plan', '6.2', 21, true),
  ('ISO 22301:2019', '6.2.2', 'Determining business continuity objectives', 'plan', '6.2', 22, true),
  ('ISO 22301:2019', '6.3', 'Planning changes to the business continuity management system', 'plan', '6', 23, true),
  ('ISO 22301:2019', '7', 'Support', 'do', NULL, 24, true),
  ('ISO 22301:2019', '7.1', 'Resources', 'do', '7', 25, true),
  ('ISO 22301:2019', '7.2', 'Competence', 'do', '7', 26, true),
  ('ISO 22301:2019', '7.3', 'Awareness', 'do', '7', 27, true),
  ('ISO 22301:2019', '7.4', 'Communication', 'do', '7', 28, true),
  ('ISO 22301:2019', '7.5', 'Documented information', 'do', '7', 29, true),
  ('ISO 22301:2019', '7.5.1', 'General', 'do', '7.5', 30, true),
  ('ISO 22301:2019', '7.5.2', 'Creating and updating', 'do', '7.5', 31, true),
  ('ISO 22301:2019', '7.5.3', 'Control of documented information', 'do', '7.5', 32, true),
  ('ISO 22301:2019', '8', 'Operation', 'do', NULL, 33, true),
  ('ISO 22301:2019', '8.1', 'Operational planning and control', 'do', '8', 34, true),
  ('ISO 22301:2019', '8.2', 'Business impact analysis and risk assessment', 'do', '8', 35, true),
  ('ISO 22301:2019', '8.2.1', 'General', 'do', '8.2', 36, true),
  ('ISO 22301:2019', '8.2.2', 'Business impact analysis', 'do', '8.2', 37, true),
  ('ISO 22301:2019', '8.2.3', 'Risk assessment', 'do', '8.2', 38, true),
  ('ISO 22301:2019', '8.3', 'Business continuity strategies and solutions', 'do', '8', 39, true),
  ('ISO 22301:2019', '8.3.1', 'General', 'do', '8.3', 40, true),
  ('ISO 22301:2019', '8.3.2', 'Identification of strategies and solutions', 'do', '8.3', 41, true),
  ('ISO 22301:2019', '8.3.3', 'Selection of strategies and solutions', 'do', '8.3', 42, true),
  ('ISO 22301:2019', '8.3.4', 'Resource requirements', 'do', '8.3', 43, true),
  ('ISO 22301:2019', '8.3.5', 'Implementation of solutions', 'do', '8.3', 44, true),
  ('ISO 22301:2019', '8.4', 'Business continuity plans and procedures', 'do', '8', 45, true),
  ('ISO 22301:2019', '8.4.1', 'General', 'do', '8.4', 46, true),
  ('ISO 22301:2019', '8.4.2', 'Response structure', 'do', '8.4', 47, true),
  ('ISO 22301:2019', '8.4.3', 'Warning and communication', 'do', '8.4', 48, true),
  ('ISO 22301:2019', '8.4.4', 'Business continuity plans', 'do', '8.4', 49, true),
  ('ISO 22301:2019', '8.4.5', 'Recovery', 'do', '8.4', 50, true),
  ('ISO 22301:2019', '8.5', 'Exercise programme', 'do', '8', 51, true),
  ('ISO 22301:2019', '8.6', 'Evaluation of business continuity documentation and capabilities', 'do', '8', 52, true),
  ('ISO 22301:2019', '9', 'Performance evaluation', 'check', NULL, 53, true),
  ('ISO 22301:2019', '9.1', 'Monitoring, measurement, analysis and evaluation', 'check', '9', 54, true),
  ('ISO 22301:2019', '9.2', 'Internal audit', 'check', '9', 55, true),
  ('ISO 22301:2019', '9.2.1', 'General', 'check', '9.2', 56, true),
  ('ISO 22301:2019', '9.2.2', 'Audit programme(s)', 'check', '9.2', 57, true),
  ('ISO 22301:2019', '9.3', 'Management review', 'check', '9', 58, true),
  ('ISO 22301:2019', '9.3.1', 'General', 'check', '9.3', 59, true),
  ('ISO 22301:2019', '9.3.2', 'Management review input', 'check', '9.3', 60, true),
  ('ISO 22301:2019', '9.3.3', 'Management review outputs', 'check', '9.3', 61, true),
  ('ISO 22301:2019', '10', 'Improvement', 'act', NULL, 62, true),
  ('ISO 22301:2019', '10.1', 'Nonconformity and corrective action', 'act', '10', 63, true),
  ('ISO 22301:2019', '10.2', 'Continual improvement', 'act', '10', 64, true);

INSERT INTO iso28000.clause (standard, clause, title, pdca, parent, seq, seeded) VALUES
  ('ISO/IEC 27001:2022', '4', 'Context of the organization', 'plan', NULL, 1, true),
  ('ISO/IEC 27001:2022', '4.1', 'Understanding the organization and its context', 'plan', '4', 2, true),
  ('ISO/IEC 27001:2022', '4.2', 'Understanding the needs and expectations of interested parties', 'plan', '4', 3, true),
  ('ISO/IEC 27001:2022', '4.3', 'Determining the scope of the information security management system', 'plan', '4', 4, true),
  ('ISO/IEC 27001:2022', '4.4', 'Information security management system', 'plan', '4', 5, true),
  ('ISO/IEC 27001:2022', '5', 'Leadership', 'plan', NULL, 6, true),
  ('ISO/IEC 27001:2022', '5.1', 'Leadership and commitment', 'plan', '5', 7, true),
  ('ISO/IEC 27001:2022', '5.2', 'Policy', 'plan', '5', 8, true),
  ('ISO/IEC 27001:2022', '5.3', 'Organizational roles, responsibilities and authorities', 'plan', '5', 9, true),
  ('ISO/IEC 27001:2022', '6', 'Planning', 'plan', NULL, 10, true),
  ('ISO/IEC 27001:2022', '6.1', 'Actions to address risks and opportunities', 'plan', '6', 11, true),
  ('ISO/IEC 27001:2022', '6.1.1', 'General', 'plan', '6.1', 12, true),
  ('ISO/IEC 27001:2022', '6.1.2', 'Information security risk assessment', 'plan', '6.1', 13, true),
  ('ISO/IEC 27001:2022', '6.1.3', 'Information security risk treatment', 'plan', '6.1', 14, true),
  ('ISO/IEC 27001:2022', '6.2', 'Information security objectives and planning to achieve them', 'plan', '6', 15, true),
  ('ISO/IEC 27001:2022', '6.3', 'Planning of changes', 'plan', '6', 16, true),
  ('ISO/IEC 27001:2022', '7', 'Support', 'do', NULL, 17, true),
  ('ISO/IEC 27001:2022', '7.1', 'Resources', 'do', '7', 18, true),
  ('ISO/IEC 27001:2022', '7.2', 'Competence', 'do', '7', 19, true),
  ('ISO/IEC 27001:2022', '7.3', 'Awareness', 'do', '7', 20, true),
  ('ISO/IEC 27001:2022', '7.4', 'Communication', 'do', '7', 21, true),
  ('ISO/IEC 27001:2022', '7.5', 'Documented information', 'do', '7', 22, true),
  ('ISO/IEC 27001:2022', '7.5.1', 'General', 'do', '7.5', 23, true),
  ('ISO/IEC 27001:2022', '7.5.2', 'Creating and updating', 'do', '7.5', 24, true),
  ('ISO/IEC 27001:2022', '7.5.3', 'Control of documented information', 'do', '7.5', 25, true),
  ('ISO/IEC 27001:2022', '8', 'Operation', 'do', NULL, 26, true),
  ('ISO/IEC 27001:2022', '8.1', 'Operational planning and control', 'do', '8', 27, true),
  ('ISO/IEC 27001:2022', '8.2', 'Information security risk assessment', 'do', '8', 28, true),
  ('ISO/IEC 27001:2022', '8.3', 'Information security risk treatment', 'do', '8', 29, true),
  ('ISO/IEC 27001:2022', '9', 'Performance evaluation', 'check', NULL, 30, true),
  ('ISO/IEC 27001:2022', '9.1', 'Monitoring, measurement, analysis and evaluation', 'check', '9', 31, true),
  ('ISO/IEC 27001:2022', '9.2', 'Internal audit', 'check', '9', 32, true),
  ('ISO/IEC 27001:2022', '9.2.1', 'General', 'check', '9.2', 33, true),
  ('ISO/IEC 27001:2022', '9.2.2', 'Internal audit programme', 'check', '9.2', 34, true),
  ('ISO/IEC 27001:2022', '9.3', 'Management review', 'check', '9', 35, true),
  ('ISO/IEC 27001:2022', '9.3.1', 'General', 'check', '9.3', 36, true),
  ('ISO/IEC 27001:2022', '9.3.2', 'Management review inputs', 'check', '9.3', 37, true),
  ('ISO/IEC 27001:2022', '9.3.3', 'Management review results', 'check', '9.3', 38, true),
  ('ISO/IEC 27001:2022', '10', 'Improvement', 'act', NULL, 39, true),
  ('ISO/IEC 27001:2022', '10.1', 'Continual improvement', 'act', '10', 40, true),
  ('ISO/IEC 27001:2022', '10.2', 'Nonconformity and corrective action', 'act', '10', 41, true);

INSERT INTO iso28000.clause_map (from_standard, from_clause, to_standard, to_clause, relation, note, seeded) VALUES
  ('ISO 28000:2022', '4.1', 'ISO 22301:2019', '4.1', 'equal', NULL, true),
  ('ISO 28000:2022', '4.2.1', 'ISO 22301:2019', '4.2.1', 'equal', NULL, true),
  ('ISO 28000:2022', '4.3', 'ISO 22301:2019', '4.3', 'equal', NULL, true),
  ('ISO 28000:2022', '4.4', 'ISO 22301:2019', '4.4', 'equal', NULL, true),
  ('ISO 28000:2022', '5.1', 'ISO 22301:2019', '5.1', 'equal', NULL, true),
  ('ISO 28000:2022', '5.2.1', 'ISO 22301:2019', '5.2.1', 'equal', NULL, true),
  ('ISO 28000:2022', '5.3', 'ISO 22301:2019', '5.3', 'equal', NULL, true),
  ('ISO 28000:2022', '6.2.1', 'ISO 22301:2019', '6.2.1', 'equal', NULL, true),
  ('ISO 28000:2022', '6.2.2', 'ISO 22301:2019', '6.2.2', 'equal', NULL, true),
  ('ISO 28000:2022', '6.3', 'ISO 22301:2019', '6.3', 'equal', NULL, true),
  ('ISO 28000:2022', '7.1', 'ISO 22301:2019', '7.1', 'equal', NULL, true),
  ('ISO 28000:2022', '7.2', 'ISO 22301:2019', '7.2', 'equal', NULL, true),
  ('ISO 28000:2022', '7.3', 'ISO 22301:2019', '7.3', 'equal', NULL, true),
  ('ISO 28000:2022', '7.4', 'ISO 22301:2019', '7.4', 'equal', NULL, true),
  ('ISO 28000:2022', '7.5.1', 'ISO 22301:2019', '7.5.1', 'equal', NULL, true),
  ('ISO 28000:2022', '7.5.2', 'ISO 22301:2019', '7.5.2', 'equal', NULL, true),
  ('ISO 28000:2022', '7.5.3', 'ISO 22301:2019', '7.5.3', 'equal', NULL, true),
  ('ISO 28000:2022', '8.1', 'ISO 22301:2019', '8.1', 'equal', NULL, true),
  ('ISO 28000:2022', '9.1', 'ISO 22301:2019', '9.1', 'equal', NULL, true),
  ('ISO 28000:2022', '9.2.1', 'ISO 22301:2019', '9.2.1', 'equal', NULL, true),
  ('ISO 28000:2022', '9.2.2', 'ISO 22301:2019', '9.2.2', 'equal', NULL, true),
  ('ISO 28000:2022', '9.3.1', 'ISO 22301:2019', '9.3.1', 'equal', NULL, true),
  ('ISO 28000:2022', '9.3.2', 'ISO 22301:2019', '9.3.2', 'equal', NULL, true),
  ('ISO 28000:2022', '9.3.3', 'ISO 22301:2019', '9.3.3', 'equal', NULL, true),
  ('ISO 28000:2022', '4.2.2', 'ISO 22301:2019', '4.2.2', 'superset', 'ISO 28000 adds other requirements the organization subscribes to', true),
  ('ISO 28000:2022', '5.2.2', 'ISO 22301:2019', '5.2.2', 'intersects', 'Policy requirements against communicating the policy', true),
  ('ISO 28000:2022', '6.1.2', 'ISO 22301:2019', '6.1.1', 'equal', 'Numbered 6.1.1 in ISO 22301', true),
  ('ISO 28000:2022', '6.1.3', 'ISO 22301:2019', '6.1.2', 'equal', 'Numbered 6.1.2 in ISO 22301', true),
  ('ISO 28000:2022', '8.2', 'ISO 22301:2019', '8.2.2', 'intersects', 'Processes and activities against business impact analysis', true),
  ('ISO 28000:2022', '8.3', 'ISO 22301:2019', '8.2.3', 'superset', 'ISO 28000 8.3 covers treatment as well', true),
  ('ISO 28000:2022', '8.5.1', 'ISO 22301:2019', '8.3.2', 'equal', NULL, true),
  ('ISO 28000:2022', '8.5.1', 'ISO 22301:2019', '8.3.3', 'equal', NULL, true),
  ('ISO 28000:2022', '8.5.2', 'ISO 22301:2019', '8.3.4', 'equal', NULL, true),
  ('ISO 28000:2022', '8.5.3', 'ISO 22301:2019', '8.3.5', 'equal', NULL, true),
  ('ISO 28000:2022', '8.6.1', 'ISO 22301:2019', '8.4.1', 'equal', NULL, true),
  ('ISO 28000:2022', '8.6.2', 'ISO 22301:2019', '8.4.2', 'equal', NULL, true),
  ('ISO 28000:2022', '8.6.3', 'ISO 22301:2019', '8.4.3', 'equal', NULL, true),
  ('ISO 28000:2022', '8.6.4', 'ISO 22301:2019', '8.4.4', 'intersects', 'Security plans against business continuity plans', true),
  ('ISO 28000:2022', '8.6.5', 'ISO 22301:2019', '8.4.5', 'equal', NULL, true),
  ('ISO 28000:2022', '10.1', 'ISO 22301:2019', '10.2', 'equal', 'Continual improvement is 10.2 in ISO 22301', true),
  ('ISO 28000:2022', '10.2', 'ISO 22301:2019', '10.1', 'equal', 'Nonconformity is 10.1 in ISO 22301', true),
  ('ISO 28000:2022', '4.1', 'ISO/IEC 27001:2022', '4.1', 'equal', NULL, true),
  ('ISO 28000:2022', '4.2', 'ISO/IEC 27001:2022', '4.2', 'equal', NULL, true),
  ('ISO 28000:2022', '4.3', 'ISO/IEC 27001:2022', '4.3', 'equal', NULL, true),
  ('ISO 28000:2022', '4.4', 'ISO/IEC 27001:2022', '4.4', 'equal', NULL, true),
  ('ISO 28000:2022', '5.1', 'ISO/IEC 27001:2022', '5.1', 'equal', NULL, true),
  ('ISO 28000:2022', '5.2', 'ISO/IEC 27001:2022', '5.2', 'equal', NULL, true),
  ('ISO 28000:2022', '5.3', 'ISO/IEC 27001:2022', '5.3', 'equal', NULL, true),
  ('ISO 28000:2022', '6.1.1', 'ISO/IEC 27001:2022', '6.1.1', 'equal', NULL, true),
  ('ISO 28000:2022', '6.2', 'ISO/IEC 27001:2022', '6.2', 'equal', NULL, true),
  ('ISO 28000:2022', '6.3', 'ISO/IEC 27001:2022', '6.3', 'equal', NULL, true),
  ('ISO 28000:2022', '7.1', 'ISO/IEC 27001:2022', '7.1', 'equal', NULL, true),
  ('ISO 28000:2022', '7.2', 'ISO/IEC 27001:2022', '7.2', 'equal', NULL, true),
  ('ISO 28000:2022', '7.3', 'ISO/IEC 27001:2022', '7.3', 'equal', NULL, true),
  ('ISO 28000:2022', '7.4', 'ISO/IEC 27001:2022', '7.4', 'equal', NULL, true),
  ('ISO 28000:2022', '7.5.1', 'ISO/IEC 27001:2022', '7.5.1', 'equal', NULL, true),
  ('ISO 28000:2022', '7.5.2', 'ISO/IEC 27001:2022', '7.5.2', 'equal', NULL, true),
  ('ISO 28000:2022', '7.5.3', 'ISO/IEC 27001:2022', '7.5.3', 'equal', NULL, true),
  ('ISO 28000:2022', '8.1', 'ISO/IEC 27001:2022', '8.1', 'equal', NULL, true),
  ('ISO 28000:2022', '9.1', 'ISO/IEC 27001:2022', '9.1', 'equal', NULL, true),
  ('ISO 28000:2022', '9.2.1', 'ISO/IEC 27001:2022', '9.2.1', 'equal', NULL, true),
  ('ISO 28000:2022', '9.2.2', 'ISO/IEC 27001:2022', '9.2.2', 'equal', NULL, true),
  ('ISO 28000:2022', '9.3.1', 'ISO/IEC 27001:2022', '9.3.1', 'equal', NULL, true),
  ('ISO 28000:2022', '9.3.2', 'ISO/IEC 27001:2022', '9.3.2', 'equal', NULL, true),
  ('ISO 28000:2022', '9.3.3', 'ISO/IEC 27001:2022', '9.3.3', 'equal', NULL, true),
  ('ISO 28000:2022', '10.1', 'ISO/IEC 27001:2022', '10.1', 'equal', NULL, true),
  ('ISO 28000:2022', '10.2', 'ISO/IEC 27001:2022', '10.2', 'equal', NULL, true),
  ('ISO 28000:2022', '6.1.2', 'ISO/IEC 27001:2022', '6.1.2', 'intersects', 'Security-related risks against information security risks', true),
  ('ISO 28000:2022', '6.1.3', 'ISO/IEC 27001:2022', '6.1.3', 'intersects', 'Security-related risks against information security risks', true),
  ('ISO 28000:2022', '8.3', 'ISO/IEC 27001:2022', '8.2', 'intersects', 'Risk assessment in operation', true),
  ('ISO 28000:2022', '8.3', 'ISO/IEC 27001:2022', '8.3', 'intersects', 'Risk treatment in operation', true),
  ('ISO 22301:2019', '4.1', 'ISO/IEC 27001:2022', '4.1', 'equal', NULL, true),
  ('ISO 22301:2019', '4.2', 'ISO/IEC 27001:2022', '4.2', 'equal', NULL, true),
  ('ISO 22301:2019', '4.3', 'ISO/IEC 27001:2022', '4.3', 'equal', NULL, true),
  ('ISO 22301:2019', '4.4', 'ISO/IEC 27001:2022', '4.4', 'equal', NULL, true),
  ('ISO 22301:2019', '5.1', 'ISO/IEC 27001:2022', '5.1', 'equal', NULL, true),
  ('ISO 22301:2019', '5.2', 'ISO/IEC 27001:2022', '5.2', 'equal', NULL, true),
  ('ISO 22301:2019', '5.3', 'ISO/IEC 27001:2022', '5.3', 'equal', NULL, true),
  ('ISO 22301:2019', '6.2', 'ISO/IEC 27001:2022', '6.2', 'equal', NULL, true),
  ('ISO 22301:2019', '6.3', 'ISO/IEC 27001:2022', '6.3', 'equal', NULL, true),
  ('ISO 22301:2019', '7.1', 'ISO/IEC 27001:2022', '7.1', 'equal', NULL, true),
  ('ISO 22301:2019', '7.2', 'ISO/IEC 27001:2022', '7.2', 'equal', NULL, true),
  ('ISO 22301:2019', '7.3', 'ISO/IEC 27001:2022', '7.3', 'equal', NULL, true),
  ('ISO 22301:2019', '7.4', 'ISO/IEC 27001:2022', '7.4', 'equal', NULL, true),
  ('ISO 22301:2019', '7.5.1', 'ISO/IEC 27001:2022', '7.5.1', 'equal', NULL, true),
  ('ISO 22301:2019', '7.5.2', 'ISO/IEC 27001:2022', '7.5.2', 'equal', NULL, true),
  ('ISO 22301:2019', '7.5.3', 'ISO/IEC 27001:2022', '7.5.3', 'equal', NULL, true),
  ('ISO 22301:2019', '8.1', 'ISO/IEC 27001:2022', '8.1', 'equal', NULL, true),
  ('ISO 22301:2019', '9.1', 'ISO/IEC 27001:2022', '9.1', 'equal', NULL, true),
  ('ISO 22301:2019', '9.2.1', 'ISO/IEC 27001:2022', '9.2.1', 'equal', NULL, true),
  ('ISO 22301:2019', '9.2.2', 'ISO/IEC 27001:2022', '9.2.2', 'equal', NULL, true),
  ('ISO 22301:2019', '9.3.1', 'ISO/IEC 27001:2022', '9.3.1', 'equal', NULL, true),
  ('ISO 22301:2019', '9.3.2', 'ISO/IEC 27001:2022', '9.3.2', 'equal', NULL, true),
  ('ISO 22301:2019', '9.3.3', 'ISO/IEC 27001:2022', '9.3.3', 'equal', NULL, true),
  ('ISO 22301:2019', '6.1.1', 'ISO/IEC 27001:2022', '6.1.1', 'intersects', 'Determining risks and opportunities', true),
  ('ISO 22301:2019', '6.1.2', 'ISO/IEC 27001:2022', '6.1.1', 'intersects', 'Addressing risks and opportunities', true),
  ('ISO 22301:2019', '8.2.3', 'ISO/IEC 27001:2022', '8.2', 'intersects', 'Disruption risks against information security risks', true),
  ('ISO 22301:2019', '10.1', 'ISO/IEC 27001:2022', '10.2', 'equal', 'Nonconformity is 10.2 in ISO/IEC 27001', true),
  ('ISO 22301:2019', '10.2', 'ISO/IEC 27001:2022', '10.1', 'equal', 'Continual improvement is 10.1 in ISO/IEC 27001', true);
/*
 * sql/core/09_risk_criteria.sql
 *		The risk criteria of an organisation (ISO 28000 6.1.2): its own risk
 *		matrix and its risk appetite, registers over the risk_rating type
 *		(sql/core/02_risk_rating.sql), with band(org, rating) and the appetite
 *		functions that the risk register of clause 6 and its views use.
 */

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
-- Who approved the appetite is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.risk_appetite
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('approved_by');
COMMENT ON TABLE iso28000.risk_appetite IS
  'ISO 28000 6.1.2, 6.1.3: The organisation''s risk appetite over time: the highest band of residual risk it accepts; the row with the latest effective_on not after today applies.';
COMMENT ON COLUMN iso28000.risk_appetite.statement IS 'The appetite statement as approved (required).';
COMMENT ON COLUMN iso28000.risk_appetite.max_band IS 'Highest acceptable band of residual risk: low, medium, high or critical.';
COMMENT ON COLUMN iso28000.risk_appetite.effective_on IS 'First day this appetite applies; one row per day and organisation.';
COMMENT ON COLUMN iso28000.risk_appetite.approved_by IS 'Person (top management) who approved it; set together with approved_on.';
COMMENT ON COLUMN iso28000.risk_appetite.approved_on IS 'Date of approval; not after effective_on.';

-- The risk criteria are top management's (6.1.2, 5.1): a writer who could
-- rewrite the matrix or the appetite could make any risk acceptable, so
-- changing them needs level manage (IS001), checked per row whoever writes.
CREATE FUNCTION iso28000.risk_criteria_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  org bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.org_id ELSE NEW.org_id END;
BEGIN
  IF NOT coalesce(iso28000.has_level(org, 'manage'), false) THEN
    RAISE EXCEPTION 'role "%" cannot % %.% of organisation %: the risk criteria need level manage',
                    current_user, lower(TG_OP), TG_TABLE_SCHEMA, TG_TABLE_NAME, org
      USING ERRCODE = 'IS001', SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
            DETAIL = 'The risk matrix and the risk appetite decide which risks are acceptable (ISO 28000 6.1.2); top management sets them.',
            HINT = 'A manager of the organisation makes the change.';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION iso28000.risk_criteria_guard() IS
  'Trigger on risk_band_cell and risk_appetite: inserting, changing or deleting the organisation''s risk criteria needs level manage (IS001).';
CREATE TRIGGER risk_criteria_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.risk_band_cell
  FOR EACH ROW EXECUTE FUNCTION iso28000.risk_criteria_guard();
CREATE TRIGGER risk_criteria_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.risk_appetite
  FOR EACH ROW EXECUTE FUNCTION iso28000.risk_criteria_guard();

-- The band of a rating for an organisation: its own cell if set, else the default.
CREATE FUNCTION iso28000.band(org bigint, rating iso28000.risk_rating) RETURNS text
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN coalesce((SELECT c.band FROM iso28000.risk_band_cell c WHERE c.org_id = org AND c.rating = band.rating),
                  iso28000.band(rating));
COMMENT ON FUNCTION iso28000.band(bigint, iso28000.risk_rating) IS
  'Band of a risk rating for an organisation: the band of its own matrix cell (risk_band_cell) if set, else the default band.';

-- The highest acceptable band of an organisation on a date (NULL if none set).
CREATE FUNCTION iso28000.appetite_band(org bigint, on_date date DEFAULT current_date) RETURNS text
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN (SELECT a.max_band FROM iso28000.risk_appetite a
           WHERE a.org_id = org AND a.effective_on <= on_date
           ORDER BY a.effective_on DESC LIMIT 1);
COMMENT ON FUNCTION iso28000.appetite_band(bigint, date) IS
  'Highest band of residual risk the organisation accepts on the date (its latest risk_appetite effective by then), or NULL when it has set none.';

-- Whether a rating is within the organisation's appetite today.
CREATE FUNCTION iso28000.within_appetite(org bigint, rating iso28000.risk_rating) RETURNS boolean
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN iso28000.band_rank(iso28000.band(org, rating)) <= iso28000.band_rank(iso28000.appetite_band(org, current_date));
COMMENT ON FUNCTION iso28000.within_appetite(bigint, iso28000.risk_rating) IS
  'True when the rating''s band for the organisation is not above its current risk appetite; NULL when the organisation has set no appetite.';
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
-- Who approved / verified / accepted is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.sms_scope
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('approved_by');
COMMENT ON TABLE iso28000.sms_scope IS
  'ISO 28000 4.3: Versions of the scope of the SMS: boundaries, sites, supply-chain segments and activities covered; exclusions are in scope_exclusion.';
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

-- 4.2.3 The principles the organisation applies in its SMS, with evidence.
CREATE TABLE iso28000.sms_principle (
  org_id        bigint NOT NULL REFERENCES iso28000.organization,
  principle_id  bigint GENERATED ALWAYS AS IDENTITY,
  title         text   NOT NULL,
  how_applied   text   NOT NULL,
  evidence      text,
  evidence_on   date,
  owner_id      bigint,
  adopted_on    date   NOT NULL DEFAULT current_date,
  review_on     date,
  active        boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, principle_id),
  UNIQUE (org_id, title),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT sms_principle_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT sms_principle_how_applied_check CHECK (btrim(how_applied) <> ''),
  CONSTRAINT sms_principle_evidence_check CHECK ((evidence_on IS NULL) = (coalesce(btrim(evidence), '') = '')),
  CONSTRAINT sms_principle_review_check CHECK (review_on >= adopted_on)
);
SELECT iso28000.register_table('iso28000.sms_principle');
COMMENT ON TABLE iso28000.sms_principle IS
  'ISO 28000 4.2.3: The principles the organisation applies in its security management system (for example leadership, risk-based decisions, involvement of people, continual improvement), how each is applied, and the evidence that it is.';
COMMENT ON COLUMN iso28000.sms_principle.title IS 'The principle, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.sms_principle.how_applied IS 'How the organisation applies it (required, not blank).';
COMMENT ON COLUMN iso28000.sms_principle.evidence IS 'Evidence that it is applied: a record, a decision, a document reference; given together with evidence_on.';
COMMENT ON COLUMN iso28000.sms_principle.evidence_on IS 'Date of that evidence.';
COMMENT ON COLUMN iso28000.sms_principle.owner_id IS 'Person who sees to it.';
COMMENT ON COLUMN iso28000.sms_principle.adopted_on IS 'Date the principle was adopted.';
COMMENT ON COLUMN iso28000.sms_principle.review_on IS 'Date of its next review; not before adopted_on.';
COMMENT ON COLUMN iso28000.sms_principle.active IS 'False once it is no longer applied.';

CREATE VIEW iso28000.sms_principle_without_evidence WITH (security_invoker = true) AS
SELECT p.org_id, p.principle_id, p.title, p.owner_id,
       CASE WHEN p.evidence_on IS NULL THEN 'no_evidence' ELSE 'review_due' END AS reason,
       p.evidence_on, p.review_on
  FROM iso28000.sms_principle p
 WHERE p.active AND (p.evidence_on IS NULL OR p.review_on < current_date);
COMMENT ON VIEW iso28000.sms_principle_without_evidence IS
  'ISO 28000 4.2.3: Principles applied with no evidence yet (no_evidence), or whose review date has passed (review_due).';
GRANT SELECT ON iso28000.sms_principle_without_evidence TO PUBLIC;
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.principle_id IS 'The principle.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.title IS 'Its title.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.owner_id IS 'Who sees to it.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.reason IS 'no_evidence or review_due.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.evidence_on IS 'Date of the latest evidence, if any.';
COMMENT ON COLUMN iso28000.sms_principle_without_evidence.review_on IS 'Review date.';
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
-- Who approved / verified / accepted is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.security_policy
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('approved_by');
COMMENT ON TABLE iso28000.security_policy IS
  'ISO 28000 5.2, 5.2.1, 5.2.2: Versions of the security policy, with the commitments 5.2.1 requires, approval by someone other than the author, and communication.';
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
    may_approve_provider_exceptions boolean NOT NULL DEFAULT false,
    PRIMARY KEY (org_id, sms_role_id),
    CONSTRAINT sms_role_name_unique UNIQUE (org_id, name),
    CONSTRAINT sms_role_band_needs_authority CHECK (accept_up_to_band IS NULL OR may_accept_risks),
    CONSTRAINT sms_role_retired_after_established CHECK (retired_on >= established_on)
);
SELECT iso28000.register_table('iso28000.sms_role');
COMMENT ON TABLE iso28000.sms_role IS
  'ISO 28000 5.3: Roles of the SMS, their responsibilities and authorities, including the authority to accept risks.';
COMMENT ON COLUMN iso28000.sms_role.name IS 'Name of the role, unique within the organisation (required).';
COMMENT ON COLUMN iso28000.sms_role.responsibilities IS 'What the holder is responsible for (required).';
COMMENT ON COLUMN iso28000.sms_role.authorities IS 'What the holder may decide.';
COMMENT ON COLUMN iso28000.sms_role.may_accept_risks IS 'The holder may accept risks (the accepted state of the risk workflow needs it).';
COMMENT ON COLUMN iso28000.sms_role.accept_up_to_band IS 'Highest band of risk the holder may accept; NULL means any band; only with may_accept_risks.';
COMMENT ON COLUMN iso28000.sms_role.reports_on_performance IS 'The holder reports on the performance of the SMS to top management (5.3 b).';
COMMENT ON COLUMN iso28000.sms_role.established_on IS 'Date the role was established.';
COMMENT ON COLUMN iso28000.sms_role.retired_on IS 'Date the role was retired; not before established_on.';
COMMENT ON COLUMN iso28000.sms_role.may_approve_provider_exceptions IS 'The holder may approve an exception that admits a provider falling short of its security requirements (provider_exception, 8.1); set by a manager.';

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
COMMENT ON COLUMN iso28000.role_assignment.sms_role_id IS 'The role.';
COMMENT ON COLUMN iso28000.role_assignment.person_id IS 'The person who holds it.';
COMMENT ON COLUMN iso28000.role_assignment.assigned_on IS 'First day the person holds the role.';
COMMENT ON COLUMN iso28000.role_assignment.ended_on IS 'Last day the person holds the role; NULL while they do; not before assigned_on.';
COMMENT ON COLUMN iso28000.role_assignment.assigned_by IS 'Person who made the assignment.';

-- Roles that carry an authority (may_accept_risks, may_approve_provider_exceptions)
-- are a manager's business: creating or changing such a role, and assigning it
-- to a person or ending the assignment, need manage (IS022), so a writer cannot
-- give himself the authority to accept risks or to admit a provider.
CREATE FUNCTION iso28000.sms_role_authority_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec iso28000.sms_role := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
  IF ((TG_OP IN ('INSERT', 'UPDATE') AND (NEW.may_accept_risks OR NEW.may_approve_provider_exceptions))
      OR (TG_OP IN ('UPDATE', 'DELETE') AND (OLD.may_accept_risks OR OLD.may_approve_provider_exceptions)))
     AND (TG_OP <> 'UPDATE' OR (NEW.may_accept_risks, NEW.accept_up_to_band, NEW.retired_on, NEW.established_on,
                                NEW.may_approve_provider_exceptions)
                               IS DISTINCT FROM (OLD.may_accept_risks, OLD.accept_up_to_band, OLD.retired_on, OLD.established_on,
                                                 OLD.may_approve_provider_exceptions))
     AND NOT coalesce(iso28000.has_level(rec.org_id, 'manage'), false) THEN
    RAISE EXCEPTION 'role "%" cannot change the authority of SMS role "%" of organisation %: that needs level manage',
                    current_user, rec.name, rec.org_id
      USING ERRCODE = 'IS022', SCHEMA = 'iso28000', TABLE = 'sms_role',
            COLUMN = CASE WHEN rec.may_accept_risks OR (TG_OP = 'UPDATE' AND OLD.may_accept_risks)
                          THEN 'may_accept_risks' ELSE 'may_approve_provider_exceptions' END,
            DETAIL = 'The authorities to accept risks (with its band limit) and to approve provider exceptions, and their validity, are decided by a manager.',
            HINT = 'A manager of the organisation makes the change.';
  END IF;
  RETURN rec;
END
$$;
COMMENT ON FUNCTION iso28000.sms_role_authority_guard() IS
  'Trigger on sms_role: creating, changing (authority, band, validity) or deleting a role that may accept risks or approve provider exceptions needs level manage (IS022).';
CREATE TRIGGER sms_role_authority_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.sms_role
  FOR EACH ROW EXECUTE FUNCTION iso28000.sms_role_authority_guard();

CREATE FUNCTION iso28000.role_assignment_authority_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec iso28000.role_assignment := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  role_name text;
BEGIN
  SELECT r.name INTO role_name FROM iso28000.sms_role r
   WHERE (r.may_accept_risks OR r.may_approve_provider_exceptions) AND r.org_id = rec.org_id
     AND r.sms_role_id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.sms_role_id END,
                           CASE WHEN TG_OP <> 'INSERT' THEN OLD.sms_role_id END)
   LIMIT 1;
  IF role_name IS NOT NULL AND NOT coalesce(iso28000.has_level(rec.org_id, 'manage'), false) THEN
    RAISE EXCEPTION 'role "%" cannot assign SMS role "%" of organisation %: it carries an authority (to accept risks or to approve provider exceptions), which needs level manage',
                    current_user, role_name, rec.org_id
      USING ERRCODE = 'IS022', SCHEMA = 'iso28000', TABLE = 'role_assignment', COLUMN = 'sms_role_id',
            DETAIL = 'Who holds an authority is decided by a manager.',
            HINT = 'A manager of the organisation makes the assignment.';
  END IF;
  RETURN rec;
END
$$;
COMMENT ON FUNCTION iso28000.role_assignment_authority_guard() IS
  'Trigger on role_assignment: assigning, changing or deleting the assignment of an SMS role that may accept risks or approve provider exceptions needs level manage (IS022).';
CREATE TRIGGER role_assignment_authority_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.role_assignment
  FOR EACH ROW EXECUTE FUNCTION iso28000.role_assignment_authority_guard();
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.role_assignment
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('assigned_by');

-- Whether a person may accept a risk of the given rating on a date.
CREATE FUNCTION iso28000.may_accept_risk(org bigint, person bigint, rating iso28000.risk_rating,
                                         on_date date DEFAULT current_date) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
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

-- 5.1 Top management's commitments to the SMS, and their evidence.
CREATE TABLE iso28000.leadership_commitment (
  org_id         bigint NOT NULL REFERENCES iso28000.organization,
  commitment_id  bigint GENERATED ALWAYS AS IDENTITY,
  commitment     text   NOT NULL,
  made_by        bigint NOT NULL,
  made_on        date   NOT NULL DEFAULT current_date,
  evidence       text,
  evidence_on    date,
  review_on      date,
  PRIMARY KEY (org_id, commitment_id),
  FOREIGN KEY (org_id, made_by) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT leadership_commitment_text_check CHECK (btrim(commitment) <> ''),
  CONSTRAINT leadership_commitment_evidence_check CHECK ((evidence_on IS NULL) = (coalesce(btrim(evidence), '') = '')),
  CONSTRAINT leadership_commitment_evidence_date_check CHECK (evidence_on >= made_on),
  CONSTRAINT leadership_commitment_review_check CHECK (review_on >= made_on)
);
SELECT iso28000.register_table('iso28000.leadership_commitment');
COMMENT ON TABLE iso28000.leadership_commitment IS
  'ISO 28000 5.1: Commitments top management makes to the security management system (resources available, policy and objectives compatible with the strategy, integration into the business processes, communication, support of other managers) and the evidence that each is kept.';
COMMENT ON COLUMN iso28000.leadership_commitment.commitment IS 'What top management commits to (required, not blank).';
COMMENT ON COLUMN iso28000.leadership_commitment.made_by IS 'The member of top management who made it.';
COMMENT ON COLUMN iso28000.leadership_commitment.made_on IS 'Date it was made.';
COMMENT ON COLUMN iso28000.leadership_commitment.evidence IS 'Evidence that it is kept (minutes, budget line, a communication); given together with evidence_on.';
COMMENT ON COLUMN iso28000.leadership_commitment.evidence_on IS 'Date of that evidence; not before made_on.';
COMMENT ON COLUMN iso28000.leadership_commitment.review_on IS 'Date it is next reviewed; not before made_on.';

CREATE VIEW iso28000.leadership_commitment_evidence WITH (security_invoker = true) AS
SELECT c.org_id, c.commitment_id, c.commitment, p.full_name AS made_by_name, c.made_on, c.evidence_on,
       CASE WHEN c.evidence_on IS NULL THEN 'no_evidence'
            WHEN c.review_on < current_date THEN 'review_due'
            ELSE 'evidenced' END AS standing
  FROM iso28000.leadership_commitment c
  JOIN iso28000.person p ON p.org_id = c.org_id AND p.person_id = c.made_by;
COMMENT ON VIEW iso28000.leadership_commitment_evidence IS
  'ISO 28000 5.1: Every commitment of top management with its standing: evidenced, no_evidence or review_due.';
GRANT SELECT ON iso28000.leadership_commitment_evidence TO PUBLIC;
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.commitment_id IS 'The commitment.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.commitment IS 'What was committed to.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.made_by_name IS 'Who made it.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.made_on IS 'When.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.evidence_on IS 'Date of the latest evidence.';
COMMENT ON COLUMN iso28000.leadership_commitment_evidence.standing IS 'evidenced, no_evidence or review_due.';
/*
 * sql/clauses/clause06_planning.sql
 *		ISO 28000 clause 6, planning, and the risk assessment of 8.3: the risk
 *		register (risks and opportunities, 6.1, 8.3), security objectives and
 *		their measurements (6.2), planned changes to the SMS (6.3), and the
 *		views over them (heat map, top risks, appetite, overdue reviews,
 *		objective status).  Treatments and controls are in
 *		clause08_3-5_risk_treatment_controls.sql.
 *
 * Ratings are iso28000.risk_rating (sql/core/02_risk_rating.sql); bands come
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
-- Who approved / verified / accepted is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.risk
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('accepted_by:accepted');
CREATE INDEX risk_owner ON iso28000.risk (org_id, owner_id);
COMMENT ON TABLE iso28000.risk IS
  'ISO 28000 6.1, 6.1.2, 6.1.3, 8.3: The risk register: security-related risks (threat, vulnerability, affected asset, process or supply-chain node) and opportunities, with inherent and residual rating, owner, treatment decision and acceptance.';
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
-- Who measured is the acting person who wrote the measurement (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.objective_measurement
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('measured_by:*');
COMMENT ON TABLE iso28000.objective_measurement IS
  'ISO 28000 6.2, 9.1: Measurements of a security objective over time, one per objective and day.';
COMMENT ON COLUMN iso28000.objective_measurement.objective_id IS 'The objective measured.';
COMMENT ON COLUMN iso28000.objective_measurement.measured_on IS 'Date of the measurement; one per objective and day.';
COMMENT ON COLUMN iso28000.objective_measurement.value IS 'Measured value, in the objective''s unit.';
COMMENT ON COLUMN iso28000.objective_measurement.measured_by IS 'Person who measured and recorded the value: the acting person of the insert or of the last change, stamped by the database (NULL when nobody acts); naming another person needs level manage (IS120).';
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
SELECT o.org_id, k.rating_kind, cell.rating::text AS rating,
       iso28000.likelihood(cell.rating) AS likelihood,
       iso28000.consequence(cell.rating) AS consequence,
       iso28000.score(cell.rating) AS score,
       coalesce(c.band, iso28000.band(cell.rating)) AS band,
       coalesce(c.risk_count, 0) AS risk_count
  FROM iso28000.organization o
 CROSS JOIN (VALUES ('inherent'::text), ('residual'::text)) AS k (rating_kind)
 CROSS JOIN (SELECT iso28000.risk_rating(l, c) AS rating
               FROM generate_series(1, 10) AS l, generate_series(1, 10) AS c) AS cell
  -- The organisation's bands and counts in one grouped subquery: on Citus,
  -- two outer joins in a row from the reference table organization to the
  -- registers crash Citus 13.2's planner (doc/distribution.md).
  LEFT JOIN (SELECT x.org_id, x.rating_kind, x.rating, max(x.band) AS band, max(x.risk_count) AS risk_count
               FROM (SELECT b.org_id, kk.rating_kind, b.rating, b.band, NULL::bigint AS risk_count
                       FROM iso28000.risk_band_cell b
                      CROSS JOIN (VALUES ('inherent'::text), ('residual'::text)) AS kk (rating_kind)
                     UNION ALL
                     SELECT n.org_id, n.rating_kind, n.rating, NULL, n.risk_count FROM counts n) x
              GROUP BY x.org_id, x.rating_kind, x.rating) c
    ON c.org_id = o.org_id AND c.rating_kind = k.rating_kind AND c.rating = cell.rating;
COMMENT ON VIEW iso28000.risk_heat_map IS
  'ISO 28000 6.1.2, 8.3, 9.1: Risk heat map: for every organisation, every one of the 100 likelihood x consequence cells, inherent and residual, the number of open risks and the cell''s band.';
GRANT SELECT ON iso28000.risk_heat_map TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_heat_map.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_heat_map.rating_kind IS 'inherent (before treatment) or residual (after treatment).';
COMMENT ON COLUMN iso28000.risk_heat_map.rating IS 'The cell as the text of a risk_rating (likelihood x consequence, e.g. 3x4).';
COMMENT ON COLUMN iso28000.risk_heat_map.likelihood IS 'Likelihood of the cell, 1 to 10 (one axis of the map).';
COMMENT ON COLUMN iso28000.risk_heat_map.consequence IS 'Consequence of the cell, 1 to 10 (the other axis).';
COMMENT ON COLUMN iso28000.risk_heat_map.score IS 'Likelihood x consequence.';
COMMENT ON COLUMN iso28000.risk_heat_map.band IS 'Band of the cell for the organisation (its own matrix, else the default): the colour of the cell.';
COMMENT ON COLUMN iso28000.risk_heat_map.risk_count IS 'Number of open risks and opportunities rated in this cell (0 for an empty cell).';

-- 6.1, 8.3 Every open risk with its current rating and band.
CREATE VIEW iso28000.risk_open WITH (security_invoker = true) AS
SELECT r.org_id, r.risk_id, r.reference, r.kind, r.title, r.owner_id, r.status, r.treatment,
       r.inherent_rating::text AS inherent_rating,
       iso28000.likelihood(r.inherent_rating) AS inherent_likelihood,
       iso28000.consequence(r.inherent_rating) AS inherent_consequence,
       iso28000.score(r.inherent_rating) AS inherent_score,
       coalesce(bi.band, iso28000.band(r.inherent_rating)) AS inherent_band,
       r.residual_rating::text AS residual_rating,
       iso28000.likelihood(r.residual_rating) AS residual_likelihood,
       iso28000.consequence(r.residual_rating) AS residual_consequence,
       iso28000.score(r.residual_rating) AS residual_score,
       coalesce(br.band, iso28000.band(r.residual_rating)) AS residual_band,
       cur.rating::text AS current_rating,
       iso28000.likelihood(cur.rating) AS current_likelihood,
       iso28000.consequence(cur.rating) AS current_consequence,
       iso28000.score(cur.rating) AS score,
       coalesce(bc.band, iso28000.band(cur.rating)) AS band,
       r.review_on, r.accepted_by
  FROM iso28000.risk r
 CROSS JOIN LATERAL (SELECT coalesce(r.residual_rating, r.inherent_rating) AS rating) cur
  LEFT JOIN iso28000.risk_band_cell bc ON bc.org_id = r.org_id AND bc.rating = cur.rating
  LEFT JOIN iso28000.risk_band_cell bi ON bi.org_id = r.org_id AND bi.rating = r.inherent_rating
  LEFT JOIN iso28000.risk_band_cell br ON br.org_id = r.org_id AND br.rating = r.residual_rating
 WHERE r.status NOT IN (SELECT ws.state FROM iso28000.workflow_state ws WHERE ws.workflow = 'risk' AND ws.is_terminal);
COMMENT ON VIEW iso28000.risk_open IS
  'ISO 28000 6.1, 8.3: Every open risk and opportunity (status not a terminal state of the risk workflow, i.e. not closed) with its current rating (residual if assessed, else inherent) and that rating''s band for the organisation; the base of the other risk views.';
COMMENT ON COLUMN iso28000.risk_open.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_open.risk_id IS 'The risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_open.reference IS 'The organisation''s reference.';
COMMENT ON COLUMN iso28000.risk_open.kind IS 'risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_open.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.risk_open.owner_id IS 'Owner.';
COMMENT ON COLUMN iso28000.risk_open.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.risk_open.treatment IS 'Treatment decision, if taken.';
COMMENT ON COLUMN iso28000.risk_open.inherent_rating IS 'Rating before treatment, as text (likelihood x consequence, e.g. 3x4).';
COMMENT ON COLUMN iso28000.risk_open.inherent_likelihood IS 'Likelihood of the inherent rating.';
COMMENT ON COLUMN iso28000.risk_open.inherent_consequence IS 'Consequence of the inherent rating.';
COMMENT ON COLUMN iso28000.risk_open.inherent_score IS 'Score of the inherent rating (likelihood x consequence).';
COMMENT ON COLUMN iso28000.risk_open.inherent_band IS 'Band of the inherent rating for the organisation (its own matrix, else the default).';
COMMENT ON COLUMN iso28000.risk_open.residual_rating IS 'Rating after treatment, if assessed, as text.';
COMMENT ON COLUMN iso28000.risk_open.residual_likelihood IS 'Likelihood of the residual rating.';
COMMENT ON COLUMN iso28000.risk_open.residual_consequence IS 'Consequence of the residual rating.';
COMMENT ON COLUMN iso28000.risk_open.residual_score IS 'Score of the residual rating.';
COMMENT ON COLUMN iso28000.risk_open.residual_band IS 'Band of the residual rating for the organisation.';
COMMENT ON COLUMN iso28000.risk_open.current_rating IS 'Residual rating if assessed, else inherent, as text; NULL before assessment. Sort ratings by score, then current_consequence.';
COMMENT ON COLUMN iso28000.risk_open.current_likelihood IS 'Likelihood of the current rating.';
COMMENT ON COLUMN iso28000.risk_open.current_consequence IS 'Consequence of the current rating.';
COMMENT ON COLUMN iso28000.risk_open.score IS 'Score of the current rating.';
COMMENT ON COLUMN iso28000.risk_open.band IS 'Band of the current rating for the organisation (its own matrix, else the default).';
COMMENT ON COLUMN iso28000.risk_open.review_on IS 'Date of the next review.';
COMMENT ON COLUMN iso28000.risk_open.accepted_by IS 'Person who accepted the residual risk, if accepted.';
GRANT SELECT ON iso28000.risk_open TO PUBLIC;

-- 6.1.2, 8.3 Open risks ranked by current rating.
CREATE VIEW iso28000.top_risk WITH (security_invoker = true) AS
SELECT org_id, risk_id, reference, title, owner_id, status, treatment,
       inherent_rating, inherent_likelihood, inherent_consequence, inherent_score, inherent_band,
       residual_rating, residual_likelihood, residual_consequence, residual_score, residual_band,
       current_rating, current_likelihood, current_consequence, score, band,
       rank() OVER (PARTITION BY org_id ORDER BY score DESC, current_consequence DESC) AS risk_rank
  FROM iso28000.risk_open
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
COMMENT ON COLUMN iso28000.top_risk.inherent_rating IS 'Rating before treatment, as text (likelihood x consequence, e.g. 3x4).';
COMMENT ON COLUMN iso28000.top_risk.inherent_likelihood IS 'Likelihood of the inherent rating.';
COMMENT ON COLUMN iso28000.top_risk.inherent_consequence IS 'Consequence of the inherent rating.';
COMMENT ON COLUMN iso28000.top_risk.inherent_score IS 'Score of the inherent rating.';
COMMENT ON COLUMN iso28000.top_risk.inherent_band IS 'Band of the inherent rating for the organisation.';
COMMENT ON COLUMN iso28000.top_risk.residual_rating IS 'Rating after treatment, if assessed, as text.';
COMMENT ON COLUMN iso28000.top_risk.residual_likelihood IS 'Likelihood of the residual rating.';
COMMENT ON COLUMN iso28000.top_risk.residual_consequence IS 'Consequence of the residual rating.';
COMMENT ON COLUMN iso28000.top_risk.residual_score IS 'Score of the residual rating.';
COMMENT ON COLUMN iso28000.top_risk.residual_band IS 'Band of the residual rating for the organisation.';
COMMENT ON COLUMN iso28000.top_risk.current_rating IS 'Residual rating if assessed, else inherent, as text.';
COMMENT ON COLUMN iso28000.top_risk.current_likelihood IS 'Likelihood of the current rating.';
COMMENT ON COLUMN iso28000.top_risk.current_consequence IS 'Consequence of the current rating (ranks ratings of equal score).';
COMMENT ON COLUMN iso28000.top_risk.score IS 'Score of the current rating.';
COMMENT ON COLUMN iso28000.top_risk.band IS 'Band of the current rating for the organisation.';
COMMENT ON COLUMN iso28000.top_risk.risk_rank IS 'Rank within the organisation, 1 for the highest current rating (ties share a rank).';

-- 6.1.3 Open risks whose current rating is above the organisation's appetite.
CREATE VIEW iso28000.risk_above_appetite WITH (security_invoker = true) AS
SELECT o.org_id, o.risk_id, o.reference, o.title, o.owner_id, o.status, o.treatment,
       o.current_rating, o.current_likelihood, o.current_consequence, o.score,
       o.band, a.max_band AS appetite_band,
       o.accepted_by IS NOT NULL AS accepted
  FROM iso28000.risk_open o
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
COMMENT ON COLUMN iso28000.risk_above_appetite.current_rating IS 'Residual rating if assessed, else inherent, as text (likelihood x consequence).';
COMMENT ON COLUMN iso28000.risk_above_appetite.current_likelihood IS 'Likelihood of the current rating.';
COMMENT ON COLUMN iso28000.risk_above_appetite.current_consequence IS 'Consequence of the current rating.';
COMMENT ON COLUMN iso28000.risk_above_appetite.score IS 'Score of the current rating.';
COMMENT ON COLUMN iso28000.risk_above_appetite.band IS 'Band of the current rating for the organisation.';
COMMENT ON COLUMN iso28000.risk_above_appetite.appetite_band IS 'Highest band the organisation currently accepts.';
COMMENT ON COLUMN iso28000.risk_above_appetite.accepted IS 'True when the risk was nevertheless formally accepted.';

-- 6.1, 9.1 Open risks whose review date has passed.
CREATE VIEW iso28000.risk_past_review WITH (security_invoker = true) AS
SELECT org_id, risk_id, reference, kind, title, owner_id, status,
       review_on, current_date - review_on AS days_overdue
  FROM iso28000.risk_open
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

-- 6.1.1 Actions to address risks and opportunities, tied to the plan: integrated
-- into an SMS process or an objective, with how their effectiveness is evaluated.
CREATE TABLE iso28000.risk_action (
  org_id          bigint NOT NULL REFERENCES iso28000.organization,
  risk_action_id  bigint GENERATED ALWAYS AS IDENTITY,
  risk_id         bigint NOT NULL,
  action          text   NOT NULL,
  sms_process_id  bigint,
  objective_id    bigint,
  owner_id        bigint,
  planned_on      date   NOT NULL DEFAULT current_date,
  due_on          date,
  done_on         date,
  evaluation      text,
  effective       boolean,
  PRIMARY KEY (org_id, risk_action_id),
  FOREIGN KEY (org_id, risk_id) REFERENCES iso28000.risk (org_id, risk_id),
  FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
  FOREIGN KEY (org_id, objective_id) REFERENCES iso28000.objective (org_id, objective_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT risk_action_action_check CHECK (btrim(action) <> ''),
  CONSTRAINT risk_action_plan_check CHECK (sms_process_id IS NOT NULL OR objective_id IS NOT NULL),
  CONSTRAINT risk_action_due_check CHECK (due_on >= planned_on),
  CONSTRAINT risk_action_done_check CHECK (done_on >= planned_on),
  CONSTRAINT risk_action_effective_check CHECK (effective IS NULL OR (done_on IS NOT NULL AND coalesce(btrim(evaluation), '') <> ''))
);
SELECT iso28000.register_table('iso28000.risk_action');
CREATE INDEX risk_action_risk ON iso28000.risk_action (org_id, risk_id);
COMMENT ON TABLE iso28000.risk_action IS
  'ISO 28000 6.1.1: Actions to address risks and opportunities, tied to the plan: each integrated into an SMS process (4.4) or an objective (6.2), with its owner, dates, and how and with what result its effectiveness was evaluated.';
COMMENT ON COLUMN iso28000.risk_action.risk_id IS 'The risk or opportunity addressed.';
COMMENT ON COLUMN iso28000.risk_action.action IS 'What is done (required, not blank).';
COMMENT ON COLUMN iso28000.risk_action.sms_process_id IS 'The SMS process it is integrated into; it or objective_id is required.';
COMMENT ON COLUMN iso28000.risk_action.objective_id IS 'The security objective it serves; it or sms_process_id is required.';
COMMENT ON COLUMN iso28000.risk_action.owner_id IS 'Who carries it out.';
COMMENT ON COLUMN iso28000.risk_action.planned_on IS 'Date it was planned.';
COMMENT ON COLUMN iso28000.risk_action.due_on IS 'Date it is due; not before planned_on.';
COMMENT ON COLUMN iso28000.risk_action.done_on IS 'Date it was done; not before planned_on.';
COMMENT ON COLUMN iso28000.risk_action.evaluation IS 'How its effectiveness was evaluated.';
COMMENT ON COLUMN iso28000.risk_action.effective IS 'The result of that evaluation; only once done and evaluated.';

CREATE VIEW iso28000.risk_action_open WITH (security_invoker = true) AS
SELECT a.org_id, a.risk_action_id, a.risk_id, r.title AS risk_title, a.action, a.sms_process_id, a.objective_id,
       a.owner_id, a.due_on, coalesce(a.due_on < current_date, false) AS overdue
  FROM iso28000.risk_action a
  JOIN iso28000.risk r ON r.org_id = a.org_id AND r.risk_id = a.risk_id
 WHERE a.done_on IS NULL;
COMMENT ON VIEW iso28000.risk_action_open IS
  'ISO 28000 6.1.1: Actions to address risks and opportunities not done yet, with the risk, where they are tied into the plan, and whether they are overdue.';
GRANT SELECT ON iso28000.risk_action_open TO PUBLIC;
COMMENT ON COLUMN iso28000.risk_action_open.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.risk_action_open.risk_action_id IS 'The action.';
COMMENT ON COLUMN iso28000.risk_action_open.risk_id IS 'The risk or opportunity.';
COMMENT ON COLUMN iso28000.risk_action_open.risk_title IS 'Its title.';
COMMENT ON COLUMN iso28000.risk_action_open.action IS 'What is done.';
COMMENT ON COLUMN iso28000.risk_action_open.sms_process_id IS 'The SMS process it is integrated into.';
COMMENT ON COLUMN iso28000.risk_action_open.objective_id IS 'The objective it serves.';
COMMENT ON COLUMN iso28000.risk_action_open.owner_id IS 'Who carries it out.';
COMMENT ON COLUMN iso28000.risk_action_open.due_on IS 'When it is due.';
COMMENT ON COLUMN iso28000.risk_action_open.overdue IS 'True when due_on has passed.';
/*
 * sql/clauses/clause06_1_threat_scenarios.sql
 *		ISO 28000 6.1.2, 8.3 (and 8.6 for the plans that answer them): the
 *		organisation's catalog of threat scenarios, so that risks, security
 *		assessments of supply-chain segments and security incidents name the
 *		same scenario instead of free text alone.
 *
 * The catalog is a register (one per organisation, row-level security,
 * history).  seed_threat_scenarios(org) copies a few example scenarios for
 * the supply chain, written for this extension (not taken from any
 * standard), into an organisation's catalog; the organisation edits them and
 * adds its own.  A risk names its scenario with the nullable foreign key
 * risk.threat_scenario_id, beside the free text of risk.threat.
 */

CREATE TABLE iso28000.threat_scenario (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    threat_scenario_id bigint GENERATED ALWAYS AS IDENTITY,
    code               text NOT NULL CONSTRAINT threat_scenario_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$'),
    title              text NOT NULL CONSTRAINT threat_scenario_title_present CHECK (btrim(title) <> ''),
    description        text,
    category           text NOT NULL DEFAULT 'other'
                       CONSTRAINT threat_scenario_category_valid CHECK (category IN
                         ('theft', 'tampering', 'smuggling', 'fraud', 'insider', 'cyber', 'sabotage',
                          'terrorism', 'piracy', 'disruption', 'other')),
    chain_position     text NOT NULL DEFAULT 'any'
                       CONSTRAINT threat_scenario_chain_position_valid CHECK (chain_position IN
                         ('upstream', 'at_node', 'in_transit', 'downstream', 'any')),
    seeded             boolean NOT NULL DEFAULT false,
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, threat_scenario_id),
    CONSTRAINT threat_scenario_code_unique UNIQUE (org_id, code)
);
SELECT iso28000.register_table('iso28000.threat_scenario');
COMMENT ON TABLE iso28000.threat_scenario IS
  'ISO 28000 6.1.2, 8.3, 8.6: The organisation''s catalog of threat scenarios (what could happen, where in the supply chain), named by risks, security assessments of supply-chain segments and security incidents instead of free text alone; seed_threat_scenarios() adds the extension''s examples.';
COMMENT ON COLUMN iso28000.threat_scenario.code IS 'Short code, unique within the organisation (letters, digits, _ . -, up to 40 characters), for example SC-THEFT-TRANSIT.';
COMMENT ON COLUMN iso28000.threat_scenario.title IS 'What could happen, in a few words (required).';
COMMENT ON COLUMN iso28000.threat_scenario.description IS 'The scenario: who or what, how, against which asset, with which consequence.';
COMMENT ON COLUMN iso28000.threat_scenario.category IS 'theft, tampering, smuggling, fraud, insider, cyber, sabotage, terrorism, piracy, disruption or other.';
COMMENT ON COLUMN iso28000.threat_scenario.chain_position IS 'Where in the supply chain it strikes: upstream (at providers), at_node (a site of the chain), in_transit, downstream (towards customers) or any.';
COMMENT ON COLUMN iso28000.threat_scenario.seeded IS 'True when the row was copied from the extension''s examples by seed_threat_scenarios(); the organisation may edit it.';
COMMENT ON COLUMN iso28000.threat_scenario.active IS 'False once the scenario is no longer considered; it stays in the catalog for the records that name it.';
COMMENT ON COLUMN iso28000.threat_scenario.created_at IS 'When the scenario entered the catalog.';

-- The extension's example scenarios, copied into an organisation's catalog.
CREATE FUNCTION iso28000.seed_threat_scenarios(org bigint)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    PERFORM iso28000.require_level(org, 'write');
    -- Counted from RETURNING, not ROW_COUNT: on Citus an INSERT ... SELECT
    -- ... ON CONFLICT DO NOTHING reports the rows it sent, not those it
    -- inserted (doc/distribution.md).
    WITH added AS (
    INSERT INTO iso28000.threat_scenario AS t (org_id, code, title, description, category, chain_position, seeded)
    SELECT org, e.code, e.title, e.description, e.category, e.chain_position, true
      FROM (VALUES
        ('SC-THEFT-TRANSIT', 'Cargo theft in transit', 'Criminals steal a load or a whole vehicle while it is parked or stopped on the road (unsecured parking, staged breakdown, hijacking); loss of goods and of the customer''s trust.', 'theft', 'in_transit'),
        ('SC-TAMPER-SEAL', 'Container or seal tampering', 'A container, trailer or package is opened and its seal replaced between two checks, to steal from it or to add something to it; the consignment can no longer be vouched for.', 'tampering', 'in_transit'),
        ('SC-SMUGGLE', 'Contraband hidden in legitimate cargo', 'Drugs, weapons or other illicit goods are concealed in a legitimate shipment (rip-on/rip-off at a port, a corrupted packer upstream); seizure, fines and loss of trusted-trader status.', 'smuggling', 'upstream'),
        ('SC-FRAUD-PICKUP', 'Fictitious pickup', 'Someone posing as the contracted carrier, with forged or stolen credentials, collects a consignment at a site; the goods leave the chain under the organisation''s own paperwork.', 'fraud', 'at_node'),
        ('SC-INSIDER', 'Insider collusion at a site', 'An employee or a contractor''s staff at a warehouse or terminal passes information on loads and schedules, or opens access, to criminals.', 'insider', 'at_node'),
        ('SC-CYBER-PROVIDER', 'Cyber attack on a provider', 'Ransomware or a breach at a provider (carrier, forwarder, port community system) stops bookings, manifests or gate transactions, or leaks shipment data that targets loads.', 'cyber', 'upstream'),
        ('SC-FALSE-DOCS', 'False or altered shipping documents', 'A manifest, declaration or certificate is falsified or altered so that goods are misdeclared or released without the checks they need.', 'fraud', 'any'),
        ('SC-NODE-LOSS', 'Loss of a critical node', 'A critical site of the chain (port, hub, single supplier) is closed by sabotage, blockade, strike or an attack nearby; flows stop until the node recovers or is replaced.', 'disruption', 'at_node')
      ) AS e (code, title, description, category, chain_position)
    ON CONFLICT (org_id, code) DO NOTHING
    RETURNING t.code)
    SELECT count(*)::integer INTO n FROM added;
    RETURN n;
END
$$;
COMMENT ON FUNCTION iso28000.seed_threat_scenarios(bigint) IS
  'Copies the extension''s example threat scenarios for the supply chain (cargo theft in transit, seal tampering, contraband, fictitious pickup, insider collusion, cyber attack on a provider, false documents, loss of a critical node) into the organisation''s catalog, keeping any scenario whose code it already has; returns how many it added. Needs write (IS001). The examples were written for this extension.';

-- Standard's order: the risk register of clause 6 (clause06_planning.sql) names a scenario of this catalog, which is declared after it.
ALTER TABLE iso28000.risk
  ADD COLUMN threat_scenario_id bigint,
  ADD CONSTRAINT risk_threat_scenario_fk FOREIGN KEY (org_id, threat_scenario_id)
      REFERENCES iso28000.threat_scenario (org_id, threat_scenario_id);
CREATE INDEX risk_threat_scenario ON iso28000.risk (org_id, threat_scenario_id);
COMMENT ON COLUMN iso28000.risk.threat_scenario_id IS 'The threat scenario of the organisation''s catalog (threat_scenario) the risk is about, if any; threat keeps the free text.';
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
       coalesce(s.document_review_interval, interval '1 year')::text  AS document_review_interval,
       coalesce(s.exercise_interval,        interval '1 year')::text  AS exercise_interval,
       coalesce(s.evidence_warning,         interval '60 days')::text AS evidence_warning,
       coalesce(s.assessment_interval,      interval '1 year')::text  AS assessment_interval,
       s.org_id IS NULL                                         AS defaulted
  FROM iso28000.organization o
  LEFT JOIN iso28000.operation_setting s ON s.org_id = o.org_id;

COMMENT ON VIEW iso28000.operation_settings IS
  'ISO 28000 7.5.3, 8.6.1, 8.1: The periods in force for each organisation: its operation_setting row, or the defaults where it has none.';
GRANT SELECT ON iso28000.operation_settings TO PUBLIC;
COMMENT ON COLUMN iso28000.operation_settings.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.operation_settings.document_review_interval IS 'Default interval between document reviews, as the text of an interval (1 year).';
COMMENT ON COLUMN iso28000.operation_settings.exercise_interval IS 'Longest time a security plan may go unexercised, as the text of an interval.';
COMMENT ON COLUMN iso28000.operation_settings.evidence_warning IS 'How far ahead provider evidence expiry is reported, as the text of an interval (60 days).';
COMMENT ON COLUMN iso28000.operation_settings.assessment_interval IS 'How long a provider assessment stays current, as the text of an interval.';
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
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me bigint := iso28000.current_person(v.org_id);
BEGIN
  IF v.approver_id = v.author_id THEN
    RETURN 'an approver who is not the author';
  ELSIF me IS NULL THEN
    RETURN format('the approval of person %s, the approver named (the current session acts for nobody in the organisation)',
                  v.approver_id);
  ELSIF me = v.author_id THEN
    RETURN 'an approver who is not the author (the current session is the author''s)';
  ELSIF me <> v.approver_id THEN
    RETURN format('the approval of person %s, the approver named (the current session is person %s''s)',
                  v.approver_id, me);
  END IF;
  RETURN NULL;
END $$;

COMMENT ON FUNCTION iso28000.document_version_approval_guard(iso28000.document_version, text, text) IS
  'ISO 28000 7.5.2: Workflow guard of in_review -> approved: the approver is not the author, and the acting person (acting_person(): a delegated application''s act_as() or the person of the current role) is the approver named and not the author; a session that acts for nobody cannot approve. NULL when the approval may go ahead.';

-- Approving a version supersedes the version that was approved before it.
CREATE FUNCTION iso28000.document_version_supersede_previous() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
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
SELECT iso28000.define_workflow('document',
  'ISO 28000 7.5.2, 7.5.3: a version of a document (iso28000.document_version) from draft through review and approval, by someone who is not the author, to superseded or withdrawn.',
  states => $wf$[
    {"state": "draft", "initial": true, "deletable": true, "description": "Being written; may still be deleted."},
    {"state": "in_review", "description": "Submitted for review and approval."},
    {"state": "approved", "frozen": true, "requires": {"approver_id": "the approver (a person who is not the author)", "approved_on": "the approval date"}, "description": "Approved and in force; its content can no longer change."},
    {"state": "superseded", "terminal": true, "frozen": true, "requires": {"superseded_on": "the date it was superseded"}, "description": "Replaced by a later approved version; kept for its retention period."},
    {"state": "withdrawn", "terminal": true, "frozen": true, "description": "No longer valid and not replaced, or abandoned before approval."}
  ]$wf$,
  transitions => $wf$[
    {"from": "draft", "to": "in_review", "level": "write", "note": "The author submits the version for review."},
    {"from": "in_review", "to": "draft", "level": "write", "note": "The reviewer sends it back for changes."},
    {"from": "in_review", "to": "approved", "level": "write", "guard": "iso28000.document_version_approval_guard(iso28000.document_version, text, text)", "note": "7.5.2: approval for suitability and adequacy, by someone who is not the author."},
    {"from": "approved", "to": "superseded", "level": "write", "note": "A later version was approved (done automatically when it is)."},
    {"from": "draft", "to": "withdrawn", "level": "write", "note": "The draft is abandoned."},
    {"from": "in_review", "to": "withdrawn", "level": "write", "note": "The version is abandoned in review."},
    {"from": "approved", "to": "withdrawn", "level": "write", "note": "7.5.3: the document is withdrawn from use without replacement."}
  ]$wf$,
  builtin => true);
SELECT iso28000.attach_workflow('iso28000.document_version', 'document');

CREATE VIEW iso28000.document_current WITH (security_invoker = true) AS
SELECT d.org_id, d.document_id, d.code, d.title, d.doc_type, d.classification,
       d.owner_id, p.full_name AS owner_name,
       v.document_version_id, v.version_label, v.approved_on, v.effective_on,
       coalesce(d.next_review_on,
                (v.approved_on + coalesce(d.review_interval, s.document_review_interval::interval))::date)
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
 * sql/clauses/clause08_1-2_operation.sql
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
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS
$$ SELECT array_position(ARRAY['low', 'medium', 'high', 'critical'], criticality) $$;

COMMENT ON FUNCTION iso28000.criticality_rank(text) IS
  'ISO 28000 8.2: Rank of a criticality label (low 1, medium 2, high 3, critical 4; NULL for anything else), to order and compare criticalities.';

-- Label of a criticality rank: the inverse of criticality_rank.
CREATE FUNCTION iso28000.criticality_label(rank integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS
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
COMMENT ON COLUMN iso28000.process_dependency.sms_process_id IS 'The dependent process.';
COMMENT ON COLUMN iso28000.process_dependency.activity_id IS 'The activity of that process that needs the node, if the dependency is that specific.';
COMMENT ON COLUMN iso28000.process_dependency.node_id IS 'The node the process depends on.';
COMMENT ON COLUMN iso28000.process_dependency.criticality IS 'low, medium, high or critical (the process cannot run without it).';
COMMENT ON COLUMN iso28000.process_dependency.alternative_group IS 'Dependencies of the same process with the same group are alternatives; NULL: a need on its own.';
COMMENT ON COLUMN iso28000.process_dependency.description IS 'What the process needs from the node.';

-- The activity named in a process dependency must belong to that process.
CREATE FUNCTION iso28000.process_dependency_check_activity() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.activity_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM iso28000.activity a
        WHERE a.org_id = NEW.org_id AND a.activity_id = NEW.activity_id
          AND a.sms_process_id = NEW.sms_process_id) THEN
    RAISE EXCEPTION 'activity % does not belong to process %', NEW.activity_id, NEW.sms_process_id
      USING ERRCODE = 'IS451',
            DETAIL = 'A process dependency may name an activity only of the same process.',
            HINT = 'Use the sms_process_id of the activity, or leave activity_id empty.',
            SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'activity_id';
  END IF;
  RETURN NEW;
END $$;

COMMENT ON FUNCTION iso28000.process_dependency_check_activity() IS
  'ISO 28000 8.2: Trigger function refusing (IS451) a process dependency whose activity belongs to another process.';

CREATE TRIGGER process_dependency_check_activity
  BEFORE INSERT OR UPDATE OF sms_process_id, activity_id ON iso28000.process_dependency
  FOR EACH ROW EXECUTE FUNCTION iso28000.process_dependency_check_activity();

-- The risk register (clause 6.1, 8.3) may name the supply-chain node at risk.
-- Standard's order: the 6.1 risk register precedes the 8.1 supply-chain nodes it names, so its link is declared here.
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
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.reached_node_id, iso28000.criticality_label(r.rank)
    FROM iso28000.supply_chain_reach($1, $2, false) r
$$;

COMMENT ON FUNCTION iso28000.node_upstream(bigint, bigint) IS
  'ISO 28000 8.1, 8.2: Everything a node depends on, directly or transitively, each once, with the criticality of the strongest path. Terminates on cycles; the node itself is listed when it lies on a cycle.';

-- Every node that depends on one node, transitively, with the strongest path's criticality.
CREATE FUNCTION iso28000.node_downstream(org_id bigint, node_id bigint)
RETURNS TABLE (downstream_node_id bigint, criticality text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.reached_node_id, iso28000.criticality_label(r.rank)
    FROM iso28000.supply_chain_reach($1, $2, true) r
$$;

COMMENT ON FUNCTION iso28000.node_downstream(bigint, bigint) IS
  'ISO 28000 8.1, 8.2: Everything that depends on a node, directly or transitively, each once, with the criticality of the strongest path. Terminates on cycles; the node itself is listed when it lies on a cycle.';

-- The nodes reached from one node, as an array (for supply_chain_closure).
CREATE FUNCTION iso28000._reach_nodes(org_id bigint, node_id bigint, downstream boolean)
RETURNS bigint[]
LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(r.reached_node_id), '{}') FROM iso28000.supply_chain_reach($1, $2, $3) r
$$;

COMMENT ON FUNCTION iso28000._reach_nodes(bigint, bigint, boolean) IS
  'Internal: the nodes supply_chain_reach() reaches from a node, as an array; supply_chain_closure.interdependent.';

-- One walk in C per node (supply_chain_reach, called in the select list) rather
-- than a recursive CTE over every organisation: the same pairs and
-- criticalities, in a shape that Citus runs beside each organisation's shard
-- (doc/distribution.md).
CREATE VIEW iso28000.supply_chain_closure WITH (security_invoker = true) AS
SELECT s.org_id, s.node_id, (s.reach).reached_node_id AS upstream_node_id,
       iso28000.criticality_label((s.reach).rank) AS criticality,
       d.dependency_id IS NOT NULL AS direct,
       (s.reach).reached_node_id = ANY (s.downstream) AS interdependent
  FROM (SELECT n.org_id, n.node_id,
               iso28000.supply_chain_reach(n.org_id, n.node_id, false) AS reach,
               iso28000._reach_nodes(n.org_id, n.node_id, true) AS downstream
          FROM iso28000.supply_chain_node n) s
  LEFT JOIN iso28000.supply_chain_dependency d
    ON d.org_id = s.org_id AND d.node_id = s.node_id AND d.depends_on_id = (s.reach).reached_node_id;

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
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
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

-- Every (node, critical process) pair where losing that node alone cuts the process:
-- node_loss_impact's rules for every candidate at once, over a dominator tree (src/spof.c).
CREATE FUNCTION iso28000.single_points_of_failure(org_id bigint)
RETURNS TABLE (node_id bigint, sms_process_id bigint, nodes_lost integer)
AS 'MODULE_PATHNAME', 'single_points_of_failure' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION iso28000.single_points_of_failure(bigint) IS
  'ISO 28000 8.1, 8.2: For one organisation, every node whose loss alone cuts a critical process in use (sms_process.critical, not retired), with the number of nodes that stop with it; node_loss_impact''s rules (cycles included), computed in C for all nodes in one pass over a dominator tree, near-linear on chains and trees of needs. Reads as the caller, through row-level security.';

-- One call per organisation that has processes, in the select list of a query
-- grouped by org_id over a register: on Citus it runs beside that
-- organisation's shards, where single_points_of_failure() reads them
-- (doc/distribution.md); an organisation without processes has no answer.
CREATE VIEW iso28000.single_point_of_failure WITH (security_invoker = true) AS
SELECT s.org_id, (s.spof).node_id, n.code AS node_code, n.name AS node_name, n.kind AS node_kind,
       n.external, (s.spof).sms_process_id, p.name AS process_name, (s.spof).nodes_lost
  FROM (SELECT pr.org_id, iso28000.single_points_of_failure(pr.org_id) AS spof
          FROM iso28000.sms_process pr
         GROUP BY pr.org_id) s
  JOIN iso28000.supply_chain_node n ON n.org_id = s.org_id AND n.node_id = (s.spof).node_id
  JOIN iso28000.sms_process p ON p.org_id = s.org_id AND p.sms_process_id = (s.spof).sms_process_id;

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
 * sql/clauses/clause08_3-5_risk_treatment_controls.sql
 *		ISO 28000 8.3 to 8.5: security controls (8.4), the treatments that link
 *		risks to controls (8.5), the tests of controls with their results, and
 *		the risk workflow of 6.1 and 8.3 (the risk register itself is
 *		clause06_planning.sql).  Supply-chain assurance
 *		(clause08_4_supply_chain_assurance.sql) refers to control for the
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
       o.current_rating, o.current_likelihood, o.current_consequence, o.score, o.band,
       CASE WHEN o.treatment IS NULL THEN 'no_decision' ELSE 'no_control' END AS reason
  FROM iso28000.risk_open o
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
COMMENT ON COLUMN iso28000.risk_without_treatment.current_rating IS 'Residual rating if assessed, else inherent, as text (likelihood x consequence); NULL before assessment.';
COMMENT ON COLUMN iso28000.risk_without_treatment.current_likelihood IS 'Likelihood of the current rating.';
COMMENT ON COLUMN iso28000.risk_without_treatment.current_consequence IS 'Consequence of the current rating.';
COMMENT ON COLUMN iso28000.risk_without_treatment.score IS 'Score of the current rating.';
COMMENT ON COLUMN iso28000.risk_without_treatment.band IS 'Band of the current rating for the organisation.';
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
 * (sql/core/06_workflow.sql):
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
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN CASE
             WHEN r.treatment IN ('reduce', 'transfer', 'exploit')
                  AND NOT EXISTS (SELECT FROM iso28000.risk_treatment t
                                   WHERE t.org_id = r.org_id AND t.risk_id = r.risk_id AND t.cancelled_on IS NULL)
             THEN format('a live treatment linking a control (risk_treatment) for the decision to %s', r.treatment)
           END;
END
$$;
COMMENT ON FUNCTION iso28000.risk_treatment_planned_guard(iso28000.risk, text, text) IS
  'Workflow guard of risk -> treatment_planned: a decision to reduce, transfer or exploit needs at least one live risk_treatment.';

-- Guard of treated: every live treatment of the risk is implemented.
CREATE FUNCTION iso28000.risk_treated_guard(r iso28000.risk, from_state text, to_state text) RETURNS text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN (SELECT format('every live treatment implemented (%s of %s are not)', count(*) FILTER (WHERE t.implemented_on IS NULL), count(*))
              FROM iso28000.risk_treatment t
             WHERE t.org_id = r.org_id AND t.risk_id = r.risk_id AND t.cancelled_on IS NULL
            HAVING count(*) FILTER (WHERE t.implemented_on IS NULL) > 0);
END
$$;
COMMENT ON FUNCTION iso28000.risk_treated_guard(iso28000.risk, text, text) IS
  'Workflow guard of risk -> treated: every live risk_treatment of the risk has its implemented_on.';

-- Guard of accepted: the acceptor is the acting person and holds the authority.
CREATE FUNCTION iso28000.risk_acceptance_guard(r iso28000.risk, from_state text, to_state text) RETURNS text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
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

SELECT iso28000.define_workflow('risk',
  'ISO 28000 6.1.3, 8.3: a risk or opportunity from identification through assessment and treatment to acceptance and closure.',
  states => $wf$[
    {"state": "identified", "initial": true, "deletable": true, "description": "Recorded, not yet assessed; may still be deleted."},
    {"state": "assessed", "requires": {"inherent_rating": "the inherent rating", "owner_id": "the risk owner", "assessed_on": "the date of assessment"}, "description": "Rated (inherent) with an owner."},
    {"state": "treatment_planned", "requires": {"inherent_rating": "the inherent rating", "owner_id": "the risk owner", "treatment": "the treatment decision", "review_on": "the next review date"}, "description": "Treatment decided and, where it needs controls, planned."},
    {"state": "treated", "requires": {"residual_rating": "the residual rating", "owner_id": "the risk owner", "treatment": "the treatment decision"}, "description": "Treatments implemented and residual rating assessed."},
    {"state": "accepted", "requires": {"inherent_rating": "the inherent rating", "owner_id": "the risk owner", "accepted_by": "the person who accepts the risk", "accepted_on": "the date of acceptance", "review_on": "the next review date"}, "description": "Residual risk accepted by someone with the authority."},
    {"state": "closed", "terminal": true, "frozen": true, "requires": {"closed_on": "the closing date"}, "description": "No longer relevant; frozen until reopened."}
  ]$wf$,
  transitions => $wf$[
    {"from": "identified", "to": "assessed", "level": "write", "note": "first assessment"},
    {"from": "assessed", "to": "treatment_planned", "level": "write", "guard": "iso28000.risk_treatment_planned_guard(iso28000.risk, text, text)", "note": "treatment decided"},
    {"from": "assessed", "to": "accepted", "level": "write", "guard": "iso28000.risk_acceptance_guard(iso28000.risk, text, text)", "note": "accepted without further treatment"},
    {"from": "treatment_planned", "to": "treated", "level": "write", "guard": "iso28000.risk_treated_guard(iso28000.risk, text, text)", "note": "treatments implemented"},
    {"from": "treatment_planned", "to": "assessed", "level": "write", "note": "treatment decision revised"},
    {"from": "treated", "to": "accepted", "level": "write", "guard": "iso28000.risk_acceptance_guard(iso28000.risk, text, text)", "note": "residual risk accepted"},
    {"from": "treated", "to": "assessed", "level": "write", "note": "re-assessment"},
    {"from": "accepted", "to": "assessed", "level": "write", "note": "re-assessment at review"},
    {"from": "identified", "to": "closed", "level": "write", "note": "not a risk after all"},
    {"from": "assessed", "to": "closed", "level": "write", "note": "no longer relevant"},
    {"from": "treatment_planned", "to": "closed", "level": "write", "note": "no longer relevant"},
    {"from": "treated", "to": "closed", "level": "write", "note": "no longer relevant"},
    {"from": "accepted", "to": "closed", "level": "write", "note": "no longer relevant"},
    {"from": "closed", "to": "assessed", "level": "manage", "note": "reopened by a manager"}
  ]$wf$,
  builtin => true);

SELECT iso28000.attach_workflow('iso28000.risk', 'risk');

-- 8.5.2 Resources that security strategies, procedures and treatments require.
CREATE TABLE iso28000.resource_requirement (
  org_id                  bigint NOT NULL REFERENCES iso28000.organization,
  resource_requirement_id bigint GENERATED ALWAYS AS IDENTITY,
  risk_treatment_id       bigint,
  control_id              bigint,
  resource_id             bigint,
  description             text   NOT NULL,
  kind                    text   NOT NULL,
  quantity                numeric,
  unit                    text,
  needed_from             date,
  needed_until            date,
  status                  text   NOT NULL DEFAULT 'identified',
  PRIMARY KEY (org_id, resource_requirement_id),
  FOREIGN KEY (org_id, risk_treatment_id) REFERENCES iso28000.risk_treatment (org_id, risk_treatment_id),
  FOREIGN KEY (org_id, control_id) REFERENCES iso28000.control (org_id, control_id),
  FOREIGN KEY (org_id, resource_id) REFERENCES iso28000.resource (org_id, resource_id),
  CONSTRAINT resource_requirement_for_check CHECK (risk_treatment_id IS NOT NULL OR control_id IS NOT NULL),
  CONSTRAINT resource_requirement_description_check CHECK (btrim(description) <> ''),
  CONSTRAINT resource_requirement_kind_check CHECK (kind IN ('people', 'infrastructure', 'equipment',
    'technology', 'information', 'financial', 'external_service', 'other')),
  CONSTRAINT resource_requirement_quantity_check CHECK (quantity >= 0),
  CONSTRAINT resource_requirement_unit_check CHECK (quantity IS NULL OR coalesce(btrim(unit), '') <> ''),
  CONSTRAINT resource_requirement_dates_check CHECK (needed_until >= needed_from),
  CONSTRAINT resource_requirement_status_check CHECK (status IN ('identified', 'requested', 'provided', 'declined')),
  CONSTRAINT resource_requirement_provided_check CHECK (status <> 'provided' OR resource_id IS NOT NULL)
);
SELECT iso28000.register_table('iso28000.resource_requirement');
COMMENT ON TABLE iso28000.resource_requirement IS
  'ISO 28000 8.5.2, 7.1: Resources that security strategies, procedures and treatments require: for a risk treatment or a control, what kind and how much, when, and whether it was provided (by a resource of 7.1).';
COMMENT ON COLUMN iso28000.resource_requirement.risk_treatment_id IS 'The treatment that needs it; it or control_id is required.';
COMMENT ON COLUMN iso28000.resource_requirement.control_id IS 'The control (strategy, procedure) that needs it; it or risk_treatment_id is required.';
COMMENT ON COLUMN iso28000.resource_requirement.resource_id IS 'The resource (7.1) that provides it; required once provided.';
COMMENT ON COLUMN iso28000.resource_requirement.description IS 'What is needed (required, not blank).';
COMMENT ON COLUMN iso28000.resource_requirement.kind IS 'people, infrastructure, equipment, technology, information, financial, external_service or other.';
COMMENT ON COLUMN iso28000.resource_requirement.quantity IS 'How much (not negative); with a unit.';
COMMENT ON COLUMN iso28000.resource_requirement.unit IS 'Unit of the quantity; required with a quantity.';
COMMENT ON COLUMN iso28000.resource_requirement.needed_from IS 'From when it is needed.';
COMMENT ON COLUMN iso28000.resource_requirement.needed_until IS 'Until when; not before needed_from.';
COMMENT ON COLUMN iso28000.resource_requirement.status IS 'identified, requested, provided (names the resource) or declined.';

CREATE VIEW iso28000.resource_requirement_unmet WITH (security_invoker = true) AS
SELECT q.org_id, q.resource_requirement_id, q.description, q.kind, q.quantity, q.unit, q.status,
       q.risk_treatment_id, q.control_id, c.code AS control_code, q.needed_from,
       q.needed_from - current_date AS days_until_needed
  FROM iso28000.resource_requirement q
  LEFT JOIN iso28000.risk_treatment t ON t.org_id = q.org_id AND t.risk_treatment_id = q.risk_treatment_id
  LEFT JOIN iso28000.control c ON c.org_id = q.org_id AND c.control_id = coalesce(q.control_id, t.control_id)
 WHERE q.status IN ('identified', 'requested');
COMMENT ON VIEW iso28000.resource_requirement_unmet IS
  'ISO 28000 8.5.2: Resources required by strategies, procedures and treatments that are not provided yet (identified or requested), with the control concerned and the days until they are needed (negative: late).';
GRANT SELECT ON iso28000.resource_requirement_unmet TO PUBLIC;
COMMENT ON COLUMN iso28000.resource_requirement_unmet.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.resource_requirement_id IS 'The requirement.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.description IS 'What is needed.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.kind IS 'Kind of resource.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.quantity IS 'How much.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.unit IS 'Unit.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.status IS 'identified or requested.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.risk_treatment_id IS 'The treatment that needs it, if any.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.control_id IS 'The control that needs it, if named directly.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.control_code IS 'Code of the control concerned (named directly or through the treatment).';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.needed_from IS 'From when it is needed.';
COMMENT ON COLUMN iso28000.resource_requirement_unmet.days_until_needed IS 'Days from today to needed_from; negative when late.';
/*
 * sql/clauses/clause08_4_supply_chain_assurance.sql
 *
 * Supply-chain assurance (ISO 28000:2022 8.1, externally provided processes,
 * products and services, and 8.4 controls applied along the chain): the security
 * requirements an organisation sets for its providers as a condition of being
 * in its supply chain, each provider's evidence with its validity, periodic
 * provider assessments, the controls applied upstream or downstream at a node,
 * and the views of providers that fall short and of the critical dependencies
 * on them.  It follows clause08_3-5_risk_treatment_controls.sql, whose
 * controls it applies at the nodes of clause08_1-2_operation.sql.
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
-- Who approved / verified / accepted is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.provider_evidence
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('verified_by');

COMMENT ON TABLE iso28000.provider_evidence IS
  'ISO 28000 8.1, 8.4: Evidence that a provider meets a security requirement: certificate, authorisation or signed contract clause, with its validity and who verified it.';
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
COMMENT ON COLUMN iso28000.node_control.node_id IS 'The node where the control applies.';
COMMENT ON COLUMN iso28000.node_control.control_id IS 'The control.';
COMMENT ON COLUMN iso28000.node_control.direction IS 'upstream (on inbound flows), at_node, or downstream (on outbound flows).';
COMMENT ON COLUMN iso28000.node_control.description IS 'How the control is applied there.';
COMMENT ON COLUMN iso28000.node_control.applied_by IS 'Who applies it: the organisation, the provider, a third party.';
COMMENT ON COLUMN iso28000.node_control.implemented_on IS 'Day it was put in place.';
COMMENT ON COLUMN iso28000.node_control.verified_on IS 'Day it was last verified in place (not before implemented_on).';

-- Partner screening (8.1): a check of a partner against a list or a status
-- (a sanctions or denied-party list, the authorised-economic-operator
-- database), with its result and how long it holds.  A screening that passed
-- and names a requirement counts as evidence for that requirement, from the
-- day it was made to its valid_until.
CREATE TABLE iso28000.partner_screening (
  org_id          bigint NOT NULL REFERENCES iso28000.organization,
  screening_id    bigint GENERATED ALWAYS AS IDENTITY,
  node_id         bigint NOT NULL,
  requirement_id  bigint,
  checked         text   NOT NULL,
  list_name       text   NOT NULL,
  reference       text,
  screened_on     date   NOT NULL DEFAULT current_date,
  result          text   NOT NULL,
  valid_until     date,
  screened_by     bigint,
  notes           text,
  PRIMARY KEY (org_id, screening_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, requirement_id) REFERENCES iso28000.security_requirement (org_id, requirement_id),
  FOREIGN KEY (org_id, screened_by) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT partner_screening_checked_check CHECK (btrim(checked) <> ''),
  CONSTRAINT partner_screening_list_name_check CHECK (btrim(list_name) <> ''),
  CONSTRAINT partner_screening_result_check CHECK (result IN ('pass', 'fail', 'inconclusive')),
  CONSTRAINT partner_screening_validity_check CHECK (valid_until >= screened_on),
  CONSTRAINT partner_screening_pass_until_check CHECK (result <> 'pass' OR valid_until IS NOT NULL)
);
SELECT iso28000.register_table('iso28000.partner_screening');
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.partner_screening
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('screened_by');

COMMENT ON TABLE iso28000.partner_screening IS
  'ISO 28000 8.1, 8.4: Screenings of supply-chain partners: what was checked, against which list or status (a sanctions or denied-party list, an authorised-economic-operator certificate), the result and until when it holds. A passed screening that names a requirement counts as evidence for it.';
COMMENT ON COLUMN iso28000.partner_screening.node_id IS 'The partner screened (supply-chain node).';
COMMENT ON COLUMN iso28000.partner_screening.requirement_id IS 'The requirement a passed screening is evidence for (an authorised_operator requirement for an AEO check); NULL: it evidences none.';
COMMENT ON COLUMN iso28000.partner_screening.checked IS 'What was checked: AEO status, denied-party match, export-control listing (required, not blank).';
COMMENT ON COLUMN iso28000.partner_screening.list_name IS 'The list, register or status checked against: EU AEO database, a consolidated sanctions list (required, not blank).';
COMMENT ON COLUMN iso28000.partner_screening.reference IS 'Certificate number, query reference or match identifier.';
COMMENT ON COLUMN iso28000.partner_screening.screened_on IS 'Day of the screening; as evidence it counts from this day.';
COMMENT ON COLUMN iso28000.partner_screening.result IS 'pass (no match, status held), fail (a match, status not held) or inconclusive; only pass counts as evidence.';
COMMENT ON COLUMN iso28000.partner_screening.valid_until IS 'Last day the result holds (not before screened_on; required for a pass).';
COMMENT ON COLUMN iso28000.partner_screening.screened_by IS 'Who screened: the acting person.';
COMMENT ON COLUMN iso28000.partner_screening.notes IS 'What was found.';

------------------------------------------------------------------------------
-- Views
------------------------------------------------------------------------------

-- One source of truth for a provider's standing.  Both the view
-- provider_requirement_status (for people and BI) and the functions the
-- inclusion triggers call (provider_reliance, provider_requirement_check)
-- read the two views below, which hold the rules once.  They are views, not
-- functions, because Citus plans a view's per-row sub-selects correlated on
-- org_id on the shards, but not an SQL function with parameters called per
-- row from inside a shard query (doc/distribution.md).

-- Every node with the strongest criticality with which a node or process depends on it directly.
CREATE VIEW iso28000.supply_chain_node_reliance WITH (security_invoker = true) AS
SELECT n.org_id, n.node_id, n.code AS node_code, n.name AS node_name, n.kind AS node_kind,
       n.external, n.active,
       greatest((SELECT max(iso28000.criticality_rank(d.criticality))
                   FROM iso28000.supply_chain_dependency d
                  WHERE d.org_id = n.org_id AND d.depends_on_id = n.node_id),
                (SELECT max(iso28000.criticality_rank(pd.criticality))
                   FROM iso28000.process_dependency pd
                  WHERE pd.org_id = n.org_id AND pd.node_id = n.node_id)) AS reliance_rank
  FROM iso28000.supply_chain_node n;

COMMENT ON VIEW iso28000.supply_chain_node_reliance IS
  'ISO 28000 8.1, 8.2: Every supply-chain node with the strongest criticality with which a node or process depends on it directly (its reliance, which decides the security requirements that apply to a provider); provider_reliance() answers it for one node.';
GRANT SELECT ON iso28000.supply_chain_node_reliance TO PUBLIC;
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.node_id IS 'The node.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.node_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.external IS 'True for a provider outside the organisation.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.active IS 'True while it is part of the supply chain.';
COMMENT ON COLUMN iso28000.supply_chain_node_reliance.reliance_rank IS 'Rank (1 low to 4 critical) of the strongest criticality with which a node or process depends on it directly; NULL when nothing does.';

-- The strongest criticality with which a node or process depends on a node directly.
CREATE FUNCTION iso28000.provider_reliance(org bigint, node bigint) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.reliance_rank FROM iso28000.supply_chain_node_reliance r
   WHERE r.org_id = org AND r.node_id = node
$$;
COMMENT ON FUNCTION iso28000.provider_reliance(bigint, bigint) IS
  'ISO 28000 8.1, 8.2: The rank (1 low to 4 critical) of the strongest criticality with which a node or process depends directly on the node; NULL when nothing does. Reads view supply_chain_node_reliance.';

-- Every node against every active requirement of its organisation, judged
-- today, whether or not the requirement applies to it (that depends on its
-- kind and reliance: the callers decide).
CREATE VIEW iso28000.supply_chain_node_requirement WITH (security_invoker = true) AS
WITH pair AS (
  SELECT n.org_id, n.node_id, r.requirement_id, r.code AS requirement_code, r.kind AS requirement_kind, r.min_score,
         -- operation_settings' defaults, from the table itself (organization is a
         -- reference table on Citus, which cannot lead an outer join to the registers).
         coalesce(s.evidence_warning, interval '60 days') AS evidence_warning,
         coalesce(s.assessment_interval, interval '1 year') AS assessment_interval
    FROM iso28000.supply_chain_node n
    JOIN iso28000.security_requirement r ON r.org_id = n.org_id AND r.active
    LEFT JOIN iso28000.operation_setting s ON s.org_id = n.org_id
),
-- Evidence (provider_evidence, and passed partner_screening naming the
-- requirement) and the latest assessment, each a sub-select of the row.
facts AS (
  SELECT a.*,
         coalesce((SELECT bool_or(e.valid_from <= current_date) FROM iso28000.provider_evidence e
                    WHERE e.org_id = a.org_id AND e.node_id = a.node_id AND e.requirement_id = a.requirement_id), false)
         OR coalesce((SELECT bool_or(ps.screened_on <= current_date) FROM iso28000.partner_screening ps
                       WHERE ps.org_id = a.org_id AND ps.node_id = a.node_id AND ps.requirement_id = a.requirement_id
                         AND ps.result = 'pass'), false) AS any_evidence,
         (SELECT count(*) > 0 FROM iso28000.provider_evidence e
           WHERE e.org_id = a.org_id AND e.node_id = a.node_id AND e.requirement_id = a.requirement_id
             AND e.valid_from <= current_date AND (e.valid_until IS NULL OR e.valid_until >= current_date)
             AND (e.revoked_on IS NULL OR e.revoked_on > current_date))
         OR (SELECT count(*) > 0 FROM iso28000.partner_screening ps
              WHERE ps.org_id = a.org_id AND ps.node_id = a.node_id AND ps.requirement_id = a.requirement_id
                AND ps.result = 'pass' AND ps.screened_on <= current_date
                AND (ps.valid_until IS NULL OR ps.valid_until >= current_date)) AS current,
         -- Open-ended evidence in force (no last day): NULL when there is none.
         (SELECT bool_or(e.valid_until IS NULL AND e.revoked_on IS NULL) FROM iso28000.provider_evidence e
           WHERE e.org_id = a.org_id AND e.node_id = a.node_id AND e.requirement_id = a.requirement_id
             AND e.valid_from <= current_date AND (e.valid_until IS NULL OR e.valid_until >= current_date)
             AND (e.revoked_on IS NULL OR e.revoked_on > current_date)) AS ev_open,
         (SELECT max(least(e.valid_until, e.revoked_on - 1)) FROM iso28000.provider_evidence e
           WHERE e.org_id = a.org_id AND e.node_id = a.node_id AND e.requirement_id = a.requirement_id
             AND e.valid_from <= current_date AND (e.valid_until IS NULL OR e.valid_until >= current_date)
             AND (e.revoked_on IS NULL OR e.revoked_on > current_date)) AS ev_until,
         (SELECT bool_or(ps.valid_until IS NULL) FROM iso28000.partner_screening ps
           WHERE ps.org_id = a.org_id AND ps.node_id = a.node_id AND ps.requirement_id = a.requirement_id
             AND ps.result = 'pass' AND ps.screened_on <= current_date
             AND (ps.valid_until IS NULL OR ps.valid_until >= current_date)) AS ps_open,
         (SELECT max(ps.valid_until) FROM iso28000.partner_screening ps
           WHERE ps.org_id = a.org_id AND ps.node_id = a.node_id AND ps.requirement_id = a.requirement_id
             AND ps.result = 'pass' AND ps.screened_on <= current_date
             AND (ps.valid_until IS NULL OR ps.valid_until >= current_date)) AS ps_until,
         (SELECT max(x.assessed_on) FROM iso28000.provider_assessment x
           WHERE x.org_id = a.org_id AND x.node_id = a.node_id AND x.assessed_on <= current_date) AS assessed_on,
         (SELECT (array_agg(x.score ORDER BY x.assessed_on DESC, x.assessment_id DESC))[1]
            FROM iso28000.provider_assessment x
           WHERE x.org_id = a.org_id AND x.node_id = a.node_id AND x.assessed_on <= current_date) AS score
    FROM pair a
),
judged AS (
  SELECT f.*,
         -- The latest expiry wins, open-ended beats any date.
         CASE WHEN coalesce(f.ev_open, false) OR coalesce(f.ps_open, false) THEN NULL
              ELSE greatest(f.ev_until, f.ps_until) END AS valid_until
    FROM facts f
)
SELECT j.org_id, j.node_id, j.requirement_id, j.requirement_code, j.requirement_kind,
       CASE
         WHEN j.requirement_kind = 'assessment_score' THEN
           CASE WHEN j.assessed_on IS NULL THEN 'not_assessed'
                WHEN j.assessed_on + j.assessment_interval < current_date THEN 'expired'
                WHEN j.score IS NULL OR j.score < j.min_score THEN 'score_below_minimum'
                WHEN (j.assessed_on + j.assessment_interval)::date < current_date + j.evidence_warning
                  THEN 'expiring'
                ELSE 'met' END
         ELSE
           CASE WHEN NOT j.any_evidence THEN 'missing'
                WHEN NOT j.current THEN 'expired'
                WHEN j.valid_until < current_date + j.evidence_warning THEN 'expiring'
                ELSE 'met' END
       END AS status,
       CASE WHEN j.requirement_kind = 'assessment_score'
            THEN (j.assessed_on + j.assessment_interval)::date
            ELSE j.valid_until END AS expires_on,
       j.assessed_on AS last_assessed_on,
       j.score::numeric AS last_score
  FROM judged j;

COMMENT ON VIEW iso28000.supply_chain_node_requirement IS
  'ISO 28000 8.1, 8.4: Every supply-chain node against every active security requirement of its organisation, judged today, whether or not the requirement applies to the node (that depends on its kind and reliance; provider_requirement_status and provider_requirement_check() keep the ones that apply). Evidence is provider_evidence and passed partner_screening.';
GRANT SELECT ON iso28000.supply_chain_node_requirement TO PUBLIC;
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.node_id IS 'The node.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.requirement_id IS 'The requirement.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.requirement_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.requirement_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.status IS
  'met; expiring (met today, but the evidence or assessment lapses within evidence_warning); expired (evidence took effect before, none is in force now, or the last assessment is older than assessment_interval); missing (no evidence that has taken effect); not_assessed; score_below_minimum.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.expires_on IS 'Last day the evidence (or assessment) in force counts; NULL if open-ended or none.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.last_assessed_on IS 'Day of the node''s latest assessment.';
COMMENT ON COLUMN iso28000.supply_chain_node_requirement.last_score IS 'Its score.';

-- How a provider of a kind stands today against every requirement that applies
-- at a reliance: the rows of supply_chain_node_requirement that apply, for one
-- node, at any reliance (the one a new link would give it, too).
CREATE FUNCTION iso28000.provider_requirement_check(org bigint, node bigint, node_kind text, reliance integer)
RETURNS TABLE (requirement_id bigint, requirement_code text, requirement_kind text, status text,
               expires_on date, last_assessed_on date, last_score numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT j.requirement_id, j.requirement_code, j.requirement_kind, j.status, j.expires_on,
       j.last_assessed_on, j.last_score
  FROM iso28000.supply_chain_node_requirement j
  JOIN iso28000.security_requirement r ON r.org_id = j.org_id AND r.requirement_id = j.requirement_id
 WHERE j.org_id = org AND j.node_id = node
   AND (r.applies_to_kinds IS NULL OR node_kind = ANY (r.applies_to_kinds))
   AND (r.min_criticality IS NULL OR reliance >= iso28000.criticality_rank(r.min_criticality))
$$;
COMMENT ON FUNCTION iso28000.provider_requirement_check(bigint, bigint, text, integer) IS
  'ISO 28000 8.1, 8.4: How a provider of the given kind stands today against every active requirement that applies to it at the given reliance (rank 1 to 4, NULL for none): status met, expiring, expired, missing, not_assessed or score_below_minimum, read from supply_chain_node_requirement as provider_requirement_status reads it. Passed partner screenings count as evidence. Runs with the caller''s rights.';

CREATE VIEW iso28000.provider_requirement_status WITH (security_invoker = true) AS
SELECT n.org_id, n.node_id, n.node_code, n.node_name, n.node_kind,
       iso28000.criticality_label(n.reliance_rank) AS reliance,
       j.requirement_id, j.requirement_code, j.requirement_kind, j.status, j.expires_on,
       j.expires_on - current_date AS days_left, j.last_assessed_on,
       j.last_score::numeric(5,2) AS last_score
  FROM iso28000.supply_chain_node_reliance n
  JOIN iso28000.security_requirement r
    ON r.org_id = n.org_id AND r.active
   AND (r.applies_to_kinds IS NULL OR n.node_kind = ANY (r.applies_to_kinds))
   AND (r.min_criticality IS NULL OR n.reliance_rank >= iso28000.criticality_rank(r.min_criticality))
  JOIN iso28000.supply_chain_node_requirement j
    ON j.org_id = n.org_id AND j.node_id = n.node_id AND j.requirement_id = r.requirement_id
 WHERE n.external AND n.active;

COMMENT ON VIEW iso28000.provider_requirement_status IS
  'ISO 28000 8.1, 8.4: Every requirement that applies to every active provider, judged today: met, expiring (within the organisation''s evidence_warning), expired, missing, not_assessed or score_below_minimum. Evidence is provider_evidence and passed partner_screening.';
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
         string_agg(g.requirement_code || ':' || g.status, ', ' ORDER BY g.requirement_code) AS gaps
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
COMMENT ON COLUMN iso28000.critical_dependency_on_gap_provider.gaps IS 'The provider''s shortfalls, as requirement_code:status, in code order, separated by a comma and a space.';

------------------------------------------------------------------------------
-- Providers as a condition of inclusion, enforced (8.1)
--
-- A provider (an external node) becomes active, and a link of criticality
-- high or critical to it is created or raised to that criticality (from a node,
-- supply_chain_dependency, or a process, process_dependency), only when it
-- meets every requirement that applies to it at the reliance the change gives
-- it (status met or expiring), or when an approved exception in force covers
-- each requirement it does not meet.  Refused: IS520 (activation), IS521
-- (link), IS522 (only an expired exception would cover it).
--
-- Concurrency: every check first takes the provider's row of
-- provider_inclusion FOR SHARE; every change of what the check reads
-- (evidence, screenings, assessments, exceptions) updates that row (an
-- exclusive row lock), so under READ COMMITTED a check waits for a concurrent
-- change to commit and then reads it (each statement of a trigger function
-- takes a new snapshot), and a change waits for a concurrent check and then
-- sees its link and flags the provider.  test/specs/provider_inclusion.spec.
------------------------------------------------------------------------------

-- Exceptions: a provider admitted although it falls short, for a reason, until an end date.
CREATE TABLE iso28000.provider_exception (
  org_id            bigint NOT NULL REFERENCES iso28000.organization,
  exception_id      bigint GENERATED ALWAYS AS IDENTITY,
  node_id           bigint NOT NULL,
  requirement_id    bigint,
  reason            text   NOT NULL,
  compensating_measures text,
  requested_by      bigint NOT NULL,
  requested_on      date   NOT NULL DEFAULT current_date,
  valid_from        date   NOT NULL DEFAULT current_date,
  valid_until       date   NOT NULL,
  status            text   NOT NULL DEFAULT 'requested',
  approved_by       bigint,
  approved_on       date,
  status_changed_at timestamptz,
  status_changed_by name,
  status_note       text,
  PRIMARY KEY (org_id, exception_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, requirement_id) REFERENCES iso28000.security_requirement (org_id, requirement_id),
  FOREIGN KEY (org_id, requested_by) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, approved_by) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT provider_exception_reason_check CHECK (btrim(reason) <> ''),
  CONSTRAINT provider_exception_validity_check CHECK (valid_until >= valid_from),
  CONSTRAINT provider_exception_approval_check CHECK ((approved_by IS NULL) = (approved_on IS NULL))
);
SELECT iso28000.register_table('iso28000.provider_exception');
CREATE INDEX provider_exception_node ON iso28000.provider_exception (org_id, node_id);
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.provider_exception
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('requested_by', 'approved_by:approved');

COMMENT ON TABLE iso28000.provider_exception IS
  'ISO 28000 8.1, 6.1.1: Exceptions that admit a provider into the supply chain although it does not meet a security requirement (or any), with the reason, compensating measures and an end date; approved by someone with the authority who did not request it. Workflow provider_exception.';
COMMENT ON COLUMN iso28000.provider_exception.node_id IS 'The provider admitted.';
COMMENT ON COLUMN iso28000.provider_exception.requirement_id IS 'The requirement it may fall short of; NULL: every requirement.';
COMMENT ON COLUMN iso28000.provider_exception.reason IS 'Why the provider is admitted all the same (required, not blank).';
COMMENT ON COLUMN iso28000.provider_exception.compensating_measures IS 'What is done meanwhile: escorts, extra seal checks, a follow-up audit.';
COMMENT ON COLUMN iso28000.provider_exception.requested_by IS 'Who asked for it: the acting person (IS120 otherwise).';
COMMENT ON COLUMN iso28000.provider_exception.requested_on IS 'Day it was requested.';
COMMENT ON COLUMN iso28000.provider_exception.valid_from IS 'First day it counts.';
COMMENT ON COLUMN iso28000.provider_exception.valid_until IS 'End date: the last day it counts (not before valid_from); after it the exception is expired and admits nothing.';
COMMENT ON COLUMN iso28000.provider_exception.status IS 'requested, approved, rejected or withdrawn (workflow provider_exception).';
COMMENT ON COLUMN iso28000.provider_exception.approved_by IS 'Who approved it: the acting person when it enters approved, never the requester, holding an SMS role that may approve provider exceptions or level manage through their own login.';
COMMENT ON COLUMN iso28000.provider_exception.approved_on IS 'Day of approval (filled when it enters approved).';
COMMENT ON COLUMN iso28000.provider_exception.status_changed_at IS 'When the status last changed (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.provider_exception.status_changed_by IS 'Database role that last changed the status (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.provider_exception.status_note IS 'Note for the next transition (why rejected or withdrawn); copied into the workflow event log.';

-- Whether a person holds, on a date, an SMS role that may approve provider exceptions.
CREATE FUNCTION iso28000.may_approve_provider_exception(org bigint, person bigint, on_date date DEFAULT current_date)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN EXISTS (
    SELECT FROM iso28000.role_assignment a
      JOIN iso28000.sms_role r ON r.org_id = a.org_id AND r.sms_role_id = a.sms_role_id
      JOIN iso28000.person p ON p.org_id = a.org_id AND p.person_id = a.person_id
     WHERE a.org_id = org AND a.person_id = person AND p.active
       AND r.may_approve_provider_exceptions
       AND a.assigned_on <= on_date AND (a.ended_on IS NULL OR a.ended_on >= on_date)
       AND (r.retired_on IS NULL OR r.retired_on >= on_date));
COMMENT ON FUNCTION iso28000.may_approve_provider_exception(bigint, bigint, date) IS
  'ISO 28000 5.3, 8.1: True when the active person holds, on the date, an SMS role with may_approve_provider_exceptions.';

-- The person approving a record of the supply chain's registers: the acting
-- person, who must exist (nobody_code) and must not be the one who made the
-- record (self_code).  Shared by the approval guards of provider exceptions
-- (IS525, IS523) and segment assessments (IS531, IS530).
CREATE FUNCTION iso28000._approving_person(tbl text, rec text, org bigint, maker bigint, made text,
                                           nobody_code text, self_code text)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me bigint := iso28000.acting_person(org);
BEGIN
  IF me IS NULL THEN
    RAISE EXCEPTION '% cannot be approved by nobody: no person acts in the transaction', rec
      USING ERRCODE = nobody_code, SCHEMA = 'iso28000', TABLE = tbl, COLUMN = 'approved_by',
            DETAIL = 'A record is approved by a person: the person of the current role, or the person a delegated application names with act_as().',
            HINT = 'Call iso28000.act_as(org, person) first, or approve through your own role.';
  END IF;
  IF me = maker THEN
    RAISE EXCEPTION '% cannot be approved by person %, who % it', rec, me, made
      USING ERRCODE = self_code, SCHEMA = 'iso28000', TABLE = tbl, COLUMN = 'approved_by',
            DETAIL = format('Segregation of duties: the approver is not the person who %s it.', made);
  END IF;
  RETURN me;
END
$$;
COMMENT ON FUNCTION iso28000._approving_person(text, text, bigint, bigint, text, text, text) IS
  'Internal: the acting person approving a record of table tbl (rec names it in messages); raises nobody_code when no person acts and self_code when the acting person is maker, the one who made the record (made says how: requested, assessed).';

-- Approval of an exception: by the acting person (IS525 when nobody acts), who
-- did not request it (IS523) and has the authority (IS524), before its end
-- date (IS526).  Fires after actor_stamp and before the workflow engine.
CREATE FUNCTION iso28000.provider_exception_approval_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me bigint;
  rec text := format('iso28000.provider_exception (org_id, exception_id)=(%s, %s)', NEW.org_id, NEW.exception_id);
BEGIN
  IF NEW.status IS DISTINCT FROM 'approved' OR OLD.status IS NOT DISTINCT FROM 'approved' THEN
    RETURN NEW;
  END IF;
  me := iso28000._approving_person('provider_exception', rec, NEW.org_id, NEW.requested_by, 'requested', 'IS525', 'IS523');
  -- The authority is the person's: an SMS role of theirs, or level manage of
  -- their own login.  A delegated application's level is the application's,
  -- lent to every person it acts for: it is no authority of the person.
  IF NOT ((coalesce(iso28000.has_level(NEW.org_id, 'manage'), false)
           AND EXISTS (SELECT FROM iso28000.person p
                        WHERE p.org_id = NEW.org_id AND p.person_id = me AND p.db_role = current_user))
          OR iso28000.may_approve_provider_exception(NEW.org_id, me)) THEN
    RAISE EXCEPTION '% cannot be approved by person %: the approver needs level manage through their own login or an SMS role that may approve provider exceptions', rec, me
      USING ERRCODE = 'IS524', SCHEMA = 'iso28000', TABLE = 'provider_exception', COLUMN = 'approved_by',
            DETAIL = 'Admitting a provider that falls short of its security requirements is a decision for someone with that authority; the level of an application acting for the person (act_as) is not the person''s.',
            HINT = 'A manager assigns an SMS role with may_approve_provider_exceptions, or a manager approves through their own login.';
  END IF;
  IF NEW.valid_until < current_date THEN
    RAISE EXCEPTION '% cannot be approved: it expired on %', rec, NEW.valid_until
      USING ERRCODE = 'IS526', SCHEMA = 'iso28000', TABLE = 'provider_exception', COLUMN = 'valid_until',
            DETAIL = 'An exception whose end date has passed admits nothing.',
            HINT = 'Request a new exception with a new end date.';
  END IF;
  NEW.approved_on := coalesce(NEW.approved_on, current_date);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.provider_exception_approval_guard() IS
  'Trigger on provider_exception (BEFORE UPDATE): entering approved needs an acting person (IS525) who is not the requester (IS523), with an SMS role that may approve provider exceptions or level manage through their own login (not a delegated application''s level) (IS524), before the end date (IS526); fills approved_on.';
CREATE TRIGGER provider_exception_approval_guard BEFORE UPDATE ON iso28000.provider_exception
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_exception_approval_guard();

SELECT iso28000.define_workflow('provider_exception',
  'ISO 28000 8.1: an exception that admits a provider falling short of its security requirements, from request to approval by someone with the authority who did not request it, to rejection or withdrawal.',
  states => $wf$[
    {"state": "requested", "initial": true, "deletable": true, "description": "Asked for; admits nothing yet."},
    {"state": "approved", "frozen": true, "requires": {"approved_by": "the approver", "approved_on": "the approval date"}, "description": "In force from valid_from to valid_until; admits the provider for the requirement (or all)."},
    {"state": "rejected", "terminal": true, "frozen": true, "requires": {"status_note": "why it was rejected"}, "description": "Refused."},
    {"state": "withdrawn", "terminal": true, "frozen": true, "description": "Ended before its end date, or abandoned before a decision."}
  ]$wf$,
  transitions => $wf$[
    {"from": "requested", "to": "approved", "level": "write", "note": "8.1: approval by someone with the authority who did not request it (trigger provider_exception_approval_guard, IS523 to IS526)."},
    {"from": "requested", "to": "rejected", "level": "write", "note": "The exception is refused."},
    {"from": "requested", "to": "withdrawn", "level": "write", "note": "The request is abandoned."},
    {"from": "approved", "to": "withdrawn", "level": "write", "note": "The exception ends early (the provider now meets its requirements, or leaves)."}
  ]$wf$,
  builtin => true);
SELECT iso28000.attach_workflow('iso28000.provider_exception', 'provider_exception');

-- Each requirement a provider of a kind does not meet at a reliance, with the
-- approved exception in force that covers it (NULL: none) and, when none is in
-- force, the end date of the latest approved one that expired.
CREATE FUNCTION iso28000.provider_unmet_requirement(org bigint, node bigint, node_kind text, reliance integer)
RETURNS TABLE (requirement_id bigint, requirement_code text, status text,
               exception_id bigint, exception_expired_on date)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT c.requirement_id, c.requirement_code, c.status, x.exception_id,
       CASE WHEN x.exception_id IS NULL THEN y.valid_until END
  FROM iso28000.provider_requirement_check(org, node, node_kind, reliance) c
  LEFT JOIN LATERAL (
    SELECT e.exception_id FROM iso28000.provider_exception e
     WHERE e.org_id = org AND e.node_id = node AND e.status = 'approved'
       AND (e.requirement_id IS NULL OR e.requirement_id = c.requirement_id)
       AND e.valid_from <= current_date AND e.valid_until >= current_date
     ORDER BY e.valid_until DESC, e.exception_id LIMIT 1) x ON true
  LEFT JOIN LATERAL (
    SELECT e.valid_until FROM iso28000.provider_exception e
     WHERE e.org_id = org AND e.node_id = node AND e.status = 'approved'
       AND (e.requirement_id IS NULL OR e.requirement_id = c.requirement_id)
       AND e.valid_until < current_date
     ORDER BY e.valid_until DESC LIMIT 1) y ON true
 WHERE c.status NOT IN ('met', 'expiring')
$$;
COMMENT ON FUNCTION iso28000.provider_unmet_requirement(bigint, bigint, text, integer) IS
  'ISO 28000 8.1: Each requirement a provider of the given kind does not meet today at the given reliance (rank 1 to 4), with the approved exception in force that covers it (NULL when none) and, when none does, the end date of the latest approved exception that covered it and expired.';

-- The provider's status row: what the inclusion checks lock, and its flag.
CREATE TABLE iso28000.provider_inclusion (
  org_id      bigint NOT NULL REFERENCES iso28000.organization,
  node_id     bigint NOT NULL,
  state       text   NOT NULL DEFAULT 'not_provider',
  reliance    text,
  unmet       text,
  excepted    text,
  flagged_on  date,
  checked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, node_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id)
);
SELECT iso28000.register_table('iso28000.provider_inclusion');

COMMENT ON TABLE iso28000.provider_inclusion IS
  'ISO 28000 8.1, 9.1: Each provider''s standing as a condition of inclusion, recomputed by the database whenever its evidence, screenings, assessments, exceptions or links change, and by flag_provider_breaches() (for evidence that expires with time): included, excepted (admitted under an exception), breach (flagged) or not_provider. The inclusion checks lock its row. Written values are ignored: every write recomputes the row.';
COMMENT ON COLUMN iso28000.provider_inclusion.node_id IS 'The node.';
COMMENT ON COLUMN iso28000.provider_inclusion.state IS 'included (meets every requirement that applies), excepted (meets them or is covered by an approved exception in force), breach (falls short: flagged), not_provider (not an active external node).';
COMMENT ON COLUMN iso28000.provider_inclusion.reliance IS 'Strongest direct criticality with which something depends on it, when checked.';
COMMENT ON COLUMN iso28000.provider_inclusion.unmet IS 'Requirements it falls short of without an exception, as code:status, in code order; NULL when none.';
COMMENT ON COLUMN iso28000.provider_inclusion.excepted IS 'Requirements it falls short of that an exception covers, as code:exception_id; NULL when none.';
COMMENT ON COLUMN iso28000.provider_inclusion.flagged_on IS 'First day of the current breach; NULL when not in breach.';
COMMENT ON COLUMN iso28000.provider_inclusion.checked_at IS 'When the row was last recomputed.';

-- Recomputes a provider_inclusion row on every write, whatever the statement gave.
CREATE FUNCTION iso28000.provider_inclusion_compute()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n record;
  rel integer;
BEGIN
  SELECT sn.kind, sn.active AND sn.external AS provider INTO n
    FROM iso28000.supply_chain_node sn WHERE sn.org_id = NEW.org_id AND sn.node_id = NEW.node_id;
  rel := iso28000.provider_reliance(NEW.org_id, NEW.node_id);
  NEW.reliance := iso28000.criticality_label(rel);
  NEW.checked_at := pg_catalog.statement_timestamp();
  IF NOT coalesce(n.provider, false) THEN
    NEW.state := 'not_provider';
    NEW.unmet := NULL;
    NEW.excepted := NULL;
  ELSE
    SELECT string_agg(u.requirement_code || ':' || u.status, ', ' ORDER BY u.requirement_code)
             FILTER (WHERE u.exception_id IS NULL),
           string_agg(u.requirement_code || ':' || u.exception_id, ', ' ORDER BY u.requirement_code)
             FILTER (WHERE u.exception_id IS NOT NULL)
      INTO NEW.unmet, NEW.excepted
      FROM iso28000.provider_unmet_requirement(NEW.org_id, NEW.node_id, n.kind, rel) u;
    NEW.state := CASE WHEN NEW.unmet IS NOT NULL THEN 'breach'
                      WHEN NEW.excepted IS NOT NULL THEN 'excepted'
                      ELSE 'included' END;
  END IF;
  NEW.flagged_on := CASE WHEN NEW.state = 'breach' THEN
                      CASE WHEN TG_OP = 'UPDATE' AND OLD.state = 'breach' THEN OLD.flagged_on
                           ELSE current_date END END;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.provider_inclusion_compute() IS
  'Trigger on provider_inclusion (BEFORE INSERT OR UPDATE): recomputes state, reliance, unmet, excepted, flagged_on and checked_at from the registers, ignoring what the statement wrote.';
CREATE TRIGGER provider_inclusion_compute BEFORE INSERT OR UPDATE ON iso28000.provider_inclusion
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_compute();

-- Recomputes a node's provider_inclusion row (creating it), taking its row lock.
CREATE FUNCTION iso28000._provider_refresh(org bigint, node bigint)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO iso28000.provider_inclusion AS i (org_id, node_id) VALUES (org, node)
  ON CONFLICT (org_id, node_id) DO UPDATE SET state = i.state;
$$;
COMMENT ON FUNCTION iso28000._provider_refresh(bigint, bigint) IS
  'Internal: recomputes (creating it if needed) the provider_inclusion row of a node, which takes its row lock until the transaction ends.';

-- Refuses (IS520, IS521 or IS522) when a provider of a kind, at a reliance,
-- falls short of a requirement that no approved exception in force covers.
-- Locks the provider's provider_inclusion row FOR SHARE first (lock => true).
CREATE FUNCTION iso28000._provider_inclusion_check(org bigint, node bigint, node_kind text, reliance integer,
                                                   lock boolean, errcode text, tbl text, col text, what text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  code text;
  unmet text;
  all_expired boolean;
  expired_on date;
BEGIN
  IF lock THEN
    INSERT INTO iso28000.provider_inclusion (org_id, node_id) VALUES (org, node)
    ON CONFLICT (org_id, node_id) DO NOTHING;
    PERFORM 1 FROM iso28000.provider_inclusion i WHERE i.org_id = org AND i.node_id = node FOR SHARE;
  END IF;
  SELECT n.code INTO code FROM iso28000.supply_chain_node n WHERE n.org_id = org AND n.node_id = node;
  SELECT string_agg(u.requirement_code || ' (' || u.status || ')', ', ' ORDER BY u.requirement_code),
         bool_and(u.exception_expired_on IS NOT NULL), max(u.exception_expired_on)
    INTO unmet, all_expired, expired_on
    FROM iso28000.provider_unmet_requirement(org, node, node_kind, reliance) u
   WHERE u.exception_id IS NULL;
  IF unmet IS NULL THEN
    RETURN;
  END IF;
  IF all_expired THEN
    RAISE EXCEPTION '%: provider "%" (node %) falls short of % and its exception expired on %',
                    what, coalesce(code, '?'), node, unmet, expired_on
      USING ERRCODE = 'IS522', SCHEMA = 'iso28000', TABLE = tbl, COLUMN = col,
            DETAIL = 'A provider is included only while it meets its security requirements, or under an approved exception before its end date.',
            HINT = 'Record current evidence, or request and have approved a new exception.';
  END IF;
  RAISE EXCEPTION '%: provider "%" (node %) falls short of %', what, coalesce(code, '?'), node, unmet
    USING ERRCODE = errcode, SCHEMA = 'iso28000', TABLE = tbl, COLUMN = col,
          DETAIL = format('A provider meets its security requirements as a condition of being included in the supply chain (at reliance %s).',
                          coalesce(iso28000.criticality_label(reliance), 'none')),
          HINT = 'Record valid evidence (provider_evidence, a passed partner_screening) or a current assessment, or have an exception approved (provider_exception).';
END
$$;
COMMENT ON FUNCTION iso28000._provider_inclusion_check(bigint, bigint, text, integer, boolean, text, text, text, text) IS
  'Internal: refuses (the given SQLSTATE, or IS522 when only expired exceptions covered the shortfall) when a provider of the kind, at the reliance, falls short of a requirement no approved exception in force covers; with lock, first takes its provider_inclusion row FOR SHARE.';

-- A node becomes an active provider (inserted or updated to active and external).
CREATE FUNCTION iso28000.supply_chain_node_inclusion_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.active AND NEW.external
     AND (TG_OP = 'INSERT' OR NOT (OLD.active AND OLD.external) OR NEW.kind IS DISTINCT FROM OLD.kind) THEN
    PERFORM iso28000._provider_inclusion_check(
      NEW.org_id, NEW.node_id, NEW.kind,
      iso28000.provider_reliance(NEW.org_id, NEW.node_id),
      true, 'IS520', 'supply_chain_node', 'active',
      format('iso28000.supply_chain_node (org_id, node_id)=(%s, %s) cannot become an active provider', NEW.org_id, NEW.node_id));
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.supply_chain_node_inclusion_guard() IS
  'Constraint trigger on supply_chain_node (AFTER INSERT OR UPDATE, deferrable, initially immediate): a node that becomes an active external node (or changes kind while one) must meet the security requirements that apply to it, or be covered by an approved exception in force (IS520; IS522 when the exception expired).';
-- A constraint trigger, checked at the end of the statement; an import that
-- brings a provider with its evidence in one transaction defers it
-- (SET CONSTRAINTS iso28000.inclusion_guard DEFERRED, as import_registers does).
CREATE CONSTRAINT TRIGGER inclusion_guard AFTER INSERT OR UPDATE ON iso28000.supply_chain_node
  DEFERRABLE INITIALLY IMMEDIATE
  FOR EACH ROW EXECUTE FUNCTION iso28000.supply_chain_node_inclusion_guard();

-- A link of criticality high or critical to an active provider is created or raised.
CREATE FUNCTION iso28000.dependency_inclusion_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target bigint;
  old_target bigint;
  newrank integer := iso28000.criticality_rank(NEW.criticality);
  n record;
BEGIN
  IF TG_TABLE_NAME = 'supply_chain_dependency' THEN
    target := NEW.depends_on_id;
    old_target := CASE WHEN TG_OP = 'UPDATE' THEN OLD.depends_on_id END;
  ELSE
    target := NEW.node_id;
    old_target := CASE WHEN TG_OP = 'UPDATE' THEN OLD.node_id END;
  END IF;
  IF newrank >= 3
     AND (TG_OP = 'INSERT' OR target IS DISTINCT FROM old_target
          OR newrank > iso28000.criticality_rank(OLD.criticality)) THEN
    SELECT sn.kind, sn.active AND sn.external AS provider INTO n
      FROM iso28000.supply_chain_node sn WHERE sn.org_id = NEW.org_id AND sn.node_id = target;
    IF coalesce(n.provider, false) THEN
      PERFORM iso28000._provider_inclusion_check(
        NEW.org_id, target, n.kind,
        greatest(iso28000.provider_reliance(NEW.org_id, target), newrank),
        true, 'IS521', TG_TABLE_NAME, 'criticality',
        format('iso28000.%s of organisation %s: a %s link to node %s', TG_TABLE_NAME, NEW.org_id, NEW.criticality, target));
    END IF;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.dependency_inclusion_guard() IS
  'Constraint trigger on supply_chain_dependency and process_dependency (AFTER INSERT OR UPDATE, deferrable, initially immediate): a link of criticality high or critical to an active external node, created, moved to it or raised, needs the provider to meet the requirements that apply at the reliance it then has, or an approved exception in force (IS521; IS522 when the exception expired). Takes the provider''s provider_inclusion row FOR SHARE.';
CREATE CONSTRAINT TRIGGER inclusion_guard AFTER INSERT OR UPDATE ON iso28000.supply_chain_dependency
  DEFERRABLE INITIALLY IMMEDIATE
  FOR EACH ROW EXECUTE FUNCTION iso28000.dependency_inclusion_guard();
CREATE CONSTRAINT TRIGGER inclusion_guard AFTER INSERT OR UPDATE ON iso28000.process_dependency
  DEFERRABLE INITIALLY IMMEDIATE
  FOR EACH ROW EXECUTE FUNCTION iso28000.dependency_inclusion_guard();

-- Checks a row already written (a node, or a link from a node or a process)
-- against the condition of inclusion, as its constraint trigger does at the end
-- of a statement: for an import that deferred the triggers and lists its
-- problems row by row (import_registers).
CREATE FUNCTION iso28000.provider_inclusion_recheck(register text, org bigint, id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n record;
  d record;
BEGIN
  IF register = 'supply_chain_node' THEN
    SELECT sn.kind, sn.active AND sn.external AS provider INTO n
      FROM iso28000.supply_chain_node sn WHERE sn.org_id = org AND sn.node_id = id;
    IF coalesce(n.provider, false) THEN
      PERFORM iso28000._provider_inclusion_check(
        org, id, n.kind, iso28000.provider_reliance(org, id), true, 'IS520', 'supply_chain_node', 'active',
        format('iso28000.supply_chain_node (org_id, node_id)=(%s, %s) cannot become an active provider', org, id));
    END IF;
  ELSIF register IN ('supply_chain_dependency', 'process_dependency') THEN
    IF register = 'supply_chain_dependency' THEN
      SELECT x.depends_on_id AS target, x.criticality INTO d
        FROM iso28000.supply_chain_dependency x WHERE x.org_id = org AND x.dependency_id = id;
    ELSE
      SELECT x.node_id AS target, x.criticality INTO d
        FROM iso28000.process_dependency x WHERE x.org_id = org AND x.process_dependency_id = id;
    END IF;
    IF iso28000.criticality_rank(d.criticality) >= 3 THEN
      SELECT sn.kind, sn.active AND sn.external AS provider INTO n
        FROM iso28000.supply_chain_node sn WHERE sn.org_id = org AND sn.node_id = d.target;
      IF coalesce(n.provider, false) THEN
        PERFORM iso28000._provider_inclusion_check(
          org, d.target, n.kind, iso28000.provider_reliance(org, d.target), true, 'IS521', register, 'criticality',
          format('iso28000.%s of organisation %s: a %s link to node %s', register, org, d.criticality, d.target));
      END IF;
    END IF;
  END IF;
END
$$;
COMMENT ON FUNCTION iso28000.provider_inclusion_recheck(text, bigint, bigint) IS
  'ISO 28000 8.1: Checks a row already written of supply_chain_node, supply_chain_dependency or process_dependency (by its id) against the condition of inclusion, as its constraint trigger inclusion_guard does (IS520, IS521, IS522); for an import that deferred the triggers and lists problems row by row.';

-- After a change of what a provider's standing rests on: recompute its row.
CREATE FUNCTION iso28000.provider_inclusion_refresh()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  col text := coalesce(TG_ARGV[0], 'node_id');
  nodes bigint[];
  org bigint;
  nd bigint;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    org := OLD.org_id;
    nodes := nodes || (to_jsonb(OLD) ->> col)::bigint;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    org := NEW.org_id;
    nodes := nodes || (to_jsonb(NEW) ->> col)::bigint;
  END IF;
  FOREACH nd IN ARRAY ARRAY(SELECT DISTINCT x FROM unnest(nodes) x WHERE x IS NOT NULL ORDER BY x) LOOP
    IF EXISTS (SELECT FROM iso28000.supply_chain_node sn
                WHERE sn.org_id = org AND sn.node_id = nd AND sn.external)
       OR EXISTS (SELECT FROM iso28000.provider_inclusion i WHERE i.org_id = org AND i.node_id = nd) THEN
      PERFORM iso28000._provider_refresh(org, nd);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.provider_inclusion_refresh() IS
  'Trigger (AFTER INSERT OR UPDATE OR DELETE, argument: the column naming the node, default node_id): recomputes the provider_inclusion row of each external node the changed row names, so a provider whose evidence is withdrawn is flagged at once.';
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.provider_evidence
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.partner_screening
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.provider_assessment
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.provider_exception
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.supply_chain_dependency
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh('depends_on_id');
CREATE TRIGGER inclusion_refresh AFTER INSERT OR UPDATE OR DELETE ON iso28000.process_dependency
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();
CREATE TRIGGER inclusion_refresh AFTER UPDATE OF active, external, kind ON iso28000.supply_chain_node
  FOR EACH ROW EXECUTE FUNCTION iso28000.provider_inclusion_refresh();

-- For a scheduler: recompute every external node of an organisation (evidence
-- and exceptions also expire with time, when nothing is written) and return
-- those in breach.
CREATE FUNCTION iso28000.flag_provider_breaches(org bigint)
RETURNS TABLE (node_id bigint, node_code text, unmet text, flagged_on date)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  nd bigint;
BEGIN
  PERFORM iso28000.require_level(org, 'write');
  FOR nd IN SELECT sn.node_id FROM iso28000.supply_chain_node sn
             WHERE sn.org_id = org AND sn.external ORDER BY sn.node_id LOOP
    PERFORM iso28000._provider_refresh(org, nd);
  END LOOP;
  RETURN QUERY
    SELECT i.node_id, sn.code, i.unmet, i.flagged_on
      FROM iso28000.provider_inclusion i
      JOIN iso28000.supply_chain_node sn ON sn.org_id = i.org_id AND sn.node_id = i.node_id
     WHERE i.org_id = org AND i.state = 'breach'
     ORDER BY sn.code;
END
$$;
COMMENT ON FUNCTION iso28000.flag_provider_breaches(bigint) IS
  'ISO 28000 8.1, 9.1: For a scheduler (pg_cron, a daily job): recomputes the standing (provider_inclusion) of every external node of the organisation, so that evidence, assessments and exceptions that lapsed with time flag their providers, and returns the providers in breach with what they fall short of and since when. Needs write (IS001).';

CREATE VIEW iso28000.provider_inclusion_breach WITH (security_invoker = true) AS
SELECT i.org_id, i.node_id, n.code AS node_code, n.name AS node_name, n.kind AS node_kind,
       i.reliance, i.unmet, i.excepted, i.flagged_on, current_date - i.flagged_on AS days_flagged, i.checked_at
  FROM iso28000.provider_inclusion i
  JOIN iso28000.supply_chain_node n ON n.org_id = i.org_id AND n.node_id = i.node_id
 WHERE i.state = 'breach';
COMMENT ON VIEW iso28000.provider_inclusion_breach IS
  'ISO 28000 8.1, 9.1: Providers flagged in breach of the condition of inclusion: active external nodes that fall short of a requirement that applies to them with no approved exception in force, as last recomputed (flag_provider_breaches() recomputes them all).';
GRANT SELECT ON iso28000.provider_inclusion_breach TO PUBLIC;
COMMENT ON COLUMN iso28000.provider_inclusion_breach.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.node_id IS 'The provider.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.node_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.reliance IS 'Strongest direct criticality with which something depends on it.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.unmet IS 'Requirements it falls short of, as code:status, in code order, separated by a comma and a space.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.excepted IS 'Requirements it falls short of that an exception covers, as code:exception_id.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.flagged_on IS 'First day of the breach.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.days_flagged IS 'Days since flagged_on.';
COMMENT ON COLUMN iso28000.provider_inclusion_breach.checked_at IS 'When the standing was last recomputed.';

CREATE VIEW iso28000.provider_exception_status WITH (security_invoker = true) AS
SELECT e.org_id, e.exception_id, e.node_id, n.code AS node_code, n.name AS node_name,
       r.code AS requirement_code, e.reason, e.status, rq.full_name AS requested_by_name,
       ap.full_name AS approved_by_name, e.approved_on, e.valid_from, e.valid_until,
       CASE WHEN e.status <> 'approved' THEN e.status
            WHEN e.valid_until < current_date THEN 'expired'
            WHEN e.valid_from > current_date THEN 'not_yet_in_force'
            ELSE 'in_force' END AS standing,
       e.valid_until - current_date AS days_left
  FROM iso28000.provider_exception e
  JOIN iso28000.supply_chain_node n ON n.org_id = e.org_id AND n.node_id = e.node_id
  LEFT JOIN iso28000.security_requirement r ON r.org_id = e.org_id AND r.requirement_id = e.requirement_id
  LEFT JOIN iso28000.person rq ON rq.org_id = e.org_id AND rq.person_id = e.requested_by
  LEFT JOIN iso28000.person ap ON ap.org_id = e.org_id AND ap.person_id = e.approved_by;
COMMENT ON VIEW iso28000.provider_exception_status IS
  'ISO 28000 8.1: Every provider exception with its standing today: requested, in_force, not_yet_in_force, expired (approved, past its end date), rejected or withdrawn, and the days left.';
GRANT SELECT ON iso28000.provider_exception_status TO PUBLIC;
COMMENT ON COLUMN iso28000.provider_exception_status.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.provider_exception_status.exception_id IS 'The exception.';
COMMENT ON COLUMN iso28000.provider_exception_status.node_id IS 'The provider.';
COMMENT ON COLUMN iso28000.provider_exception_status.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.provider_exception_status.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.provider_exception_status.requirement_code IS 'The requirement it covers; NULL: every requirement.';
COMMENT ON COLUMN iso28000.provider_exception_status.reason IS 'Why the provider is admitted.';
COMMENT ON COLUMN iso28000.provider_exception_status.status IS 'Its workflow state: requested, approved, rejected or withdrawn.';
COMMENT ON COLUMN iso28000.provider_exception_status.requested_by_name IS 'Who requested it.';
COMMENT ON COLUMN iso28000.provider_exception_status.approved_by_name IS 'Who approved it.';
COMMENT ON COLUMN iso28000.provider_exception_status.approved_on IS 'Day of approval.';
COMMENT ON COLUMN iso28000.provider_exception_status.valid_from IS 'First day it counts.';
COMMENT ON COLUMN iso28000.provider_exception_status.valid_until IS 'Its end date.';
COMMENT ON COLUMN iso28000.provider_exception_status.standing IS 'requested, in_force, not_yet_in_force, expired, rejected or withdrawn.';
COMMENT ON COLUMN iso28000.provider_exception_status.days_left IS 'Days from today to the end date (negative once expired).';

------------------------------------------------------------------------------
-- Supply-chain segments and their security assessments (8.1, 8.2, 6.1.2, 8.3)
--
-- A segment is a named part of the dependency graph (its nodes, and the links
-- between them), upstream or downstream of the organisation, within the scope
-- of the SMS.  A security assessment of a segment scores each threat scenario
-- (iso28000.threat_scenario) with a risk_rating, names the countermeasures
-- (controls, and controls applied at nodes: upstream, at the node, downstream)
-- and the residual rating, and is approved through the workflow engine by
-- someone other than the assessor (IS530 to IS534).
------------------------------------------------------------------------------

CREATE TABLE iso28000.supply_chain_segment (
  org_id              bigint NOT NULL REFERENCES iso28000.organization,
  segment_id          bigint GENERATED ALWAYS AS IDENTITY,
  code                text   NOT NULL,
  name                text   NOT NULL,
  direction           text   NOT NULL,
  description         text,
  sms_scope_id        bigint,
  owner_id            bigint,
  assessment_interval interval NOT NULL DEFAULT '1 year',
  active              boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, segment_id),
  UNIQUE (org_id, code),
  FOREIGN KEY (org_id, sms_scope_id) REFERENCES iso28000.sms_scope (org_id, sms_scope_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT supply_chain_segment_code_check CHECK (btrim(code) <> ''),
  CONSTRAINT supply_chain_segment_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT supply_chain_segment_direction_check CHECK (direction IN ('upstream', 'downstream', 'internal', 'end_to_end')),
  CONSTRAINT supply_chain_segment_interval_check CHECK (assessment_interval > '0'::interval)
);
SELECT iso28000.register_table('iso28000.supply_chain_segment');
COMMENT ON TABLE iso28000.supply_chain_segment IS
  'ISO 28000 4.3, 8.1, 8.2: Segments of the supply chain in the scope of the SMS: named parts of the dependency graph (their nodes in segment_node, the links between them in supply_chain_segment_link), upstream or downstream of the organisation, each assessed for security periodically.';
COMMENT ON COLUMN iso28000.supply_chain_segment.code IS 'Short identification, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.supply_chain_segment.name IS 'Name (required, not blank).';
COMMENT ON COLUMN iso28000.supply_chain_segment.direction IS 'upstream (what comes to the organisation), downstream (what leaves it), internal or end_to_end.';
COMMENT ON COLUMN iso28000.supply_chain_segment.description IS 'What the segment covers: routes, flows, partners.';
COMMENT ON COLUMN iso28000.supply_chain_segment.sms_scope_id IS 'The SMS scope version (4.3) that includes it.';
COMMENT ON COLUMN iso28000.supply_chain_segment.owner_id IS 'Who is responsible for its security.';
COMMENT ON COLUMN iso28000.supply_chain_segment.assessment_interval IS 'How often its security is assessed (positive; default 1 year).';
COMMENT ON COLUMN iso28000.supply_chain_segment.active IS 'False once the segment is no longer used.';

CREATE TABLE iso28000.segment_node (
  org_id          bigint NOT NULL REFERENCES iso28000.organization,
  segment_node_id bigint GENERATED ALWAYS AS IDENTITY,
  segment_id      bigint NOT NULL,
  node_id         bigint NOT NULL,
  PRIMARY KEY (org_id, segment_node_id),
  UNIQUE (org_id, segment_id, node_id),
  FOREIGN KEY (org_id, segment_id) REFERENCES iso28000.supply_chain_segment (org_id, segment_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id)
);
SELECT iso28000.register_table('iso28000.segment_node');
COMMENT ON TABLE iso28000.segment_node IS
  'ISO 28000 8.1, 8.2: The nodes of each supply-chain segment; the links between them belong to the segment (supply_chain_segment_link).';
COMMENT ON COLUMN iso28000.segment_node.segment_id IS 'The segment.';
COMMENT ON COLUMN iso28000.segment_node.node_id IS 'A node of it; once per segment.';

CREATE VIEW iso28000.supply_chain_segment_link WITH (security_invoker = true) AS
SELECT s.org_id, s.segment_id, s.code AS segment_code, d.dependency_id, d.node_id, a.code AS node_code,
       d.depends_on_id, b.code AS depends_on_code, d.criticality, d.flow
  FROM iso28000.supply_chain_segment s
  JOIN iso28000.segment_node sa ON sa.org_id = s.org_id AND sa.segment_id = s.segment_id
  JOIN iso28000.segment_node sb ON sb.org_id = s.org_id AND sb.segment_id = s.segment_id
  JOIN iso28000.supply_chain_dependency d ON d.org_id = s.org_id AND d.node_id = sa.node_id AND d.depends_on_id = sb.node_id
  JOIN iso28000.supply_chain_node a ON a.org_id = d.org_id AND a.node_id = d.node_id
  JOIN iso28000.supply_chain_node b ON b.org_id = d.org_id AND b.node_id = d.depends_on_id;
COMMENT ON VIEW iso28000.supply_chain_segment_link IS
  'ISO 28000 8.1, 8.2: The dependency links of each segment: every link between two of its nodes.';
GRANT SELECT ON iso28000.supply_chain_segment_link TO PUBLIC;
COMMENT ON COLUMN iso28000.supply_chain_segment_link.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.segment_id IS 'The segment.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.segment_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.dependency_id IS 'The link.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.node_id IS 'The dependent node.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.depends_on_id IS 'The node it depends on.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.depends_on_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.criticality IS 'Criticality of the link.';
COMMENT ON COLUMN iso28000.supply_chain_segment_link.flow IS 'What flows along it.';

CREATE TABLE iso28000.segment_assessment (
  org_id                bigint NOT NULL REFERENCES iso28000.organization,
  segment_assessment_id bigint GENERATED ALWAYS AS IDENTITY,
  segment_id            bigint NOT NULL,
  title                 text   NOT NULL,
  method                text,
  assessor_id           bigint NOT NULL,
  assessed_on           date   NOT NULL DEFAULT current_date,
  summary               text,
  status                text   NOT NULL DEFAULT 'draft',
  approved_by           bigint,
  approved_on           date,
  status_changed_at     timestamptz,
  status_changed_by     name,
  status_note           text,
  PRIMARY KEY (org_id, segment_assessment_id),
  FOREIGN KEY (org_id, segment_id) REFERENCES iso28000.supply_chain_segment (org_id, segment_id),
  FOREIGN KEY (org_id, assessor_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, approved_by) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT segment_assessment_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT segment_assessment_approval_check CHECK ((approved_by IS NULL) = (approved_on IS NULL)),
  CONSTRAINT segment_assessment_approved_after_check CHECK (approved_on >= assessed_on)
);
SELECT iso28000.register_table('iso28000.segment_assessment');
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.segment_assessment
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('approved_by:approved');
COMMENT ON TABLE iso28000.segment_assessment IS
  'ISO 28000 6.1.2, 8.1, 8.3: Security assessments of supply-chain segments (in the manner of ISO 28001): each threat scenario scored with a risk_rating, its countermeasures and residual rating (segment_scenario_score, segment_countermeasure), approved through workflow segment_assessment by someone other than the assessor.';
COMMENT ON COLUMN iso28000.segment_assessment.segment_id IS 'The segment assessed.';
COMMENT ON COLUMN iso28000.segment_assessment.title IS 'Title (required, not blank).';
COMMENT ON COLUMN iso28000.segment_assessment.method IS 'How it was assessed: workshop, site visits, questionnaires.';
COMMENT ON COLUMN iso28000.segment_assessment.assessor_id IS 'Who assessed (required).';
COMMENT ON COLUMN iso28000.segment_assessment.assessed_on IS 'Day of the assessment.';
COMMENT ON COLUMN iso28000.segment_assessment.summary IS 'Conclusions.';
COMMENT ON COLUMN iso28000.segment_assessment.status IS 'draft, submitted, approved or withdrawn (workflow segment_assessment).';
COMMENT ON COLUMN iso28000.segment_assessment.approved_by IS 'Who approved it: the acting person when it enters approved, never the assessor.';
COMMENT ON COLUMN iso28000.segment_assessment.approved_on IS 'Day of approval (filled when it enters approved); not before assessed_on.';
COMMENT ON COLUMN iso28000.segment_assessment.status_changed_at IS 'When the status last changed (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.segment_assessment.status_changed_by IS 'Database role that last changed the status (filled by the workflow engine).';
COMMENT ON COLUMN iso28000.segment_assessment.status_note IS 'Note for the next transition; copied into the workflow event log.';

CREATE TABLE iso28000.segment_scenario_score (
  org_id                bigint NOT NULL REFERENCES iso28000.organization,
  score_id              bigint GENERATED ALWAYS AS IDENTITY,
  segment_assessment_id bigint NOT NULL,
  threat_scenario_id    bigint NOT NULL,
  node_id               bigint,
  rating                iso28000.risk_rating NOT NULL,
  residual_rating       iso28000.risk_rating,
  rationale             text,
  PRIMARY KEY (org_id, score_id),
  FOREIGN KEY (org_id, segment_assessment_id) REFERENCES iso28000.segment_assessment (org_id, segment_assessment_id),
  FOREIGN KEY (org_id, threat_scenario_id) REFERENCES iso28000.threat_scenario (org_id, threat_scenario_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  CONSTRAINT segment_scenario_score_residual_check CHECK (residual_rating <= rating)
);
SELECT iso28000.register_table('iso28000.segment_scenario_score');
CREATE UNIQUE INDEX segment_scenario_score_unique
  ON iso28000.segment_scenario_score (org_id, segment_assessment_id, threat_scenario_id, coalesce(node_id, 0));
COMMENT ON TABLE iso28000.segment_scenario_score IS
  'ISO 28000 6.1.2, 8.3: Each threat scenario scored in a segment assessment: likelihood x consequence (risk_rating) before and after the countermeasures, for the whole segment or one of its nodes.';
COMMENT ON COLUMN iso28000.segment_scenario_score.segment_assessment_id IS 'The assessment.';
COMMENT ON COLUMN iso28000.segment_scenario_score.threat_scenario_id IS 'The threat scenario (threat_scenario).';
COMMENT ON COLUMN iso28000.segment_scenario_score.node_id IS 'The node of the segment it is scored at; NULL: the whole segment.';
COMMENT ON COLUMN iso28000.segment_scenario_score.rating IS 'Likelihood x consequence without the countermeasures (required).';
COMMENT ON COLUMN iso28000.segment_scenario_score.residual_rating IS 'Likelihood x consequence with them; not above rating.';
COMMENT ON COLUMN iso28000.segment_scenario_score.rationale IS 'Why these ratings.';

CREATE TABLE iso28000.segment_countermeasure (
  org_id            bigint NOT NULL REFERENCES iso28000.organization,
  countermeasure_id bigint GENERATED ALWAYS AS IDENTITY,
  score_id          bigint NOT NULL,
  control_id        bigint,
  node_control_id   bigint,
  position          text   NOT NULL,
  description       text,
  PRIMARY KEY (org_id, countermeasure_id),
  FOREIGN KEY (org_id, score_id) REFERENCES iso28000.segment_scenario_score (org_id, score_id),
  FOREIGN KEY (org_id, control_id) REFERENCES iso28000.control (org_id, control_id),
  FOREIGN KEY (org_id, node_control_id) REFERENCES iso28000.node_control (org_id, node_control_id),
  CONSTRAINT segment_countermeasure_what_check CHECK (control_id IS NOT NULL OR node_control_id IS NOT NULL),
  CONSTRAINT segment_countermeasure_position_check CHECK (position IN ('upstream', 'at_node', 'downstream'))
);
SELECT iso28000.register_table('iso28000.segment_countermeasure');
COMMENT ON TABLE iso28000.segment_countermeasure IS
  'ISO 28000 8.3, 8.4, 8.5: The countermeasures named for a scored threat scenario: a control, or a control applied at a node (node_control), upstream, at the node or downstream.';
COMMENT ON COLUMN iso28000.segment_countermeasure.score_id IS 'The scored scenario.';
COMMENT ON COLUMN iso28000.segment_countermeasure.control_id IS 'The control; it or node_control_id is required.';
COMMENT ON COLUMN iso28000.segment_countermeasure.node_control_id IS 'The control as applied at a node of the segment.';
COMMENT ON COLUMN iso28000.segment_countermeasure.position IS 'upstream, at_node or downstream.';
COMMENT ON COLUMN iso28000.segment_countermeasure.description IS 'How it counters the scenario.';

-- Scores and countermeasures belong to their assessment: frozen once it is
-- approved or withdrawn (IS533), and their nodes are nodes of its segment (IS534).
CREATE FUNCTION iso28000.segment_assessment_part_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec record := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  ids bigint[];
  a record;
  nd bigint;
BEGIN
  IF TG_TABLE_NAME = 'segment_scenario_score' THEN
    ids := ARRAY[rec.segment_assessment_id] || CASE WHEN TG_OP = 'UPDATE' THEN ARRAY[OLD.segment_assessment_id] ELSE '{}' END;
  ELSE
    SELECT array_agg(s.segment_assessment_id) INTO ids FROM iso28000.segment_scenario_score s
     WHERE s.org_id = rec.org_id
       AND s.score_id IN (rec.score_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.score_id END);
  END IF;
  FOR a IN SELECT x.segment_assessment_id, x.segment_id, x.status FROM iso28000.segment_assessment x
            WHERE x.org_id = rec.org_id AND x.segment_assessment_id = ANY (ids) LOOP
    IF a.status IN ('approved', 'withdrawn') THEN
      RAISE EXCEPTION 'iso28000.% of organisation %: assessment % is %, its scores and countermeasures cannot change',
                      TG_TABLE_NAME, rec.org_id, a.segment_assessment_id, a.status
        USING ERRCODE = 'IS533', SCHEMA = 'iso28000', TABLE = TG_TABLE_NAME,
              COLUMN = CASE WHEN TG_TABLE_NAME = 'segment_scenario_score' THEN 'segment_assessment_id' ELSE 'score_id' END,
              DETAIL = 'An approved assessment is a record of what was decided; a new assessment records a change.';
    END IF;
  END LOOP;
  IF TG_OP <> 'DELETE' THEN
    IF TG_TABLE_NAME = 'segment_scenario_score' THEN
      nd := NEW.node_id;
    ELSE
      SELECT c.node_id INTO nd FROM iso28000.node_control c
       WHERE c.org_id = NEW.org_id AND c.node_control_id = NEW.node_control_id;
    END IF;
    IF nd IS NOT NULL AND NOT EXISTS (
         SELECT FROM iso28000.segment_assessment x
           JOIN iso28000.segment_node sn ON sn.org_id = x.org_id AND sn.segment_id = x.segment_id
          WHERE x.org_id = NEW.org_id AND x.segment_assessment_id = ANY (ids) AND sn.node_id = nd) THEN
      RAISE EXCEPTION 'iso28000.% of organisation %: node % is not a node of the assessed segment',
                      TG_TABLE_NAME, NEW.org_id, nd
        USING ERRCODE = 'IS534', SCHEMA = 'iso28000', TABLE = TG_TABLE_NAME,
              COLUMN = CASE WHEN TG_TABLE_NAME = 'segment_scenario_score' THEN 'node_id' ELSE 'node_control_id' END,
              DETAIL = 'A scenario is scored, and a control applied, at a node of the segment (segment_node).';
    END IF;
  END IF;
  RETURN rec;
END
$$;
COMMENT ON FUNCTION iso28000.segment_assessment_part_guard() IS
  'Trigger on segment_scenario_score and segment_countermeasure (BEFORE INSERT OR UPDATE OR DELETE): nothing changes once the assessment is approved or withdrawn (IS533); the node scored, or of the node control named, is a node of the assessed segment (IS534).';
CREATE TRIGGER segment_assessment_part_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.segment_scenario_score
  FOR EACH ROW EXECUTE FUNCTION iso28000.segment_assessment_part_guard();
CREATE TRIGGER segment_assessment_part_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.segment_countermeasure
  FOR EACH ROW EXECUTE FUNCTION iso28000.segment_assessment_part_guard();

-- Approval of a segment assessment: by the acting person (IS531), not the
-- assessor (IS530), with at least one scenario scored (IS532).
CREATE FUNCTION iso28000.segment_assessment_approval_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec text := format('iso28000.segment_assessment (org_id, segment_assessment_id)=(%s, %s)', NEW.org_id, NEW.segment_assessment_id);
BEGIN
  IF NEW.status IS DISTINCT FROM 'approved' OR OLD.status IS NOT DISTINCT FROM 'approved' THEN
    RETURN NEW;
  END IF;
  PERFORM iso28000._approving_person('segment_assessment', rec, NEW.org_id, NEW.assessor_id, 'assessed', 'IS531', 'IS530');
  IF NOT EXISTS (SELECT FROM iso28000.segment_scenario_score s
                  WHERE s.org_id = NEW.org_id AND s.segment_assessment_id = NEW.segment_assessment_id) THEN
    RAISE EXCEPTION '% cannot be approved: it scores no threat scenario', rec
      USING ERRCODE = 'IS532', SCHEMA = 'iso28000', TABLE = 'segment_assessment', COLUMN = 'status',
            DETAIL = 'A security assessment scores at least one threat scenario (segment_scenario_score).';
  END IF;
  NEW.approved_on := coalesce(NEW.approved_on, current_date);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.segment_assessment_approval_guard() IS
  'Trigger on segment_assessment (BEFORE UPDATE): entering approved needs an acting person (IS531) who is not the assessor (IS530) and at least one scored threat scenario (IS532); fills approved_on.';
CREATE TRIGGER segment_assessment_approval_guard BEFORE UPDATE ON iso28000.segment_assessment
  FOR EACH ROW EXECUTE FUNCTION iso28000.segment_assessment_approval_guard();

SELECT iso28000.define_workflow('segment_assessment',
  'ISO 28000 6.1.2, 8.1: a security assessment of a supply-chain segment, from draft through submission to approval by someone other than the assessor.',
  states => $wf$[
    {"state": "draft", "initial": true, "deletable": true, "description": "Being assessed: scenarios scored, countermeasures named."},
    {"state": "submitted", "description": "Submitted for approval."},
    {"state": "approved", "frozen": true, "requires": {"approved_by": "the approver", "approved_on": "the approval date"}, "description": "Approved; its scores and countermeasures are frozen."},
    {"state": "withdrawn", "terminal": true, "frozen": true, "description": "Abandoned, or replaced by a later assessment."}
  ]$wf$,
  transitions => $wf$[
    {"from": "draft", "to": "submitted", "level": "write", "note": "The assessor submits it."},
    {"from": "submitted", "to": "draft", "level": "write", "note": "Sent back for changes."},
    {"from": "submitted", "to": "approved", "level": "write", "note": "Approval by someone other than the assessor (trigger segment_assessment_approval_guard, IS530 to IS532)."},
    {"from": "draft", "to": "withdrawn", "level": "write", "note": "Abandoned."},
    {"from": "submitted", "to": "withdrawn", "level": "write", "note": "Abandoned."},
    {"from": "approved", "to": "withdrawn", "level": "write", "note": "Replaced by a later assessment."}
  ]$wf$,
  builtin => true);
SELECT iso28000.attach_workflow('iso28000.segment_assessment', 'segment_assessment');

CREATE VIEW iso28000.segment_assessment_due WITH (security_invoker = true) AS
SELECT s.org_id, s.segment_id, s.code AS segment_code, s.name AS segment_name, s.owner_id,
       l.last_approved_on,
       CASE WHEN l.last_approved_on IS NULL THEN 'never_assessed' ELSE 'overdue' END AS reason,
       (l.last_approved_on + s.assessment_interval)::date AS due_on,
       current_date - (l.last_approved_on + s.assessment_interval)::date AS days_overdue
  FROM iso28000.supply_chain_segment s
  LEFT JOIN LATERAL (SELECT max(a.assessed_on) AS last_approved_on FROM iso28000.segment_assessment a
                      WHERE a.org_id = s.org_id AND a.segment_id = s.segment_id AND a.status = 'approved') l ON true
 WHERE s.active
   AND (l.last_approved_on IS NULL OR (l.last_approved_on + s.assessment_interval)::date < current_date);
COMMENT ON VIEW iso28000.segment_assessment_due IS
  'ISO 28000 6.1.2, 8.1, 9.1: Active supply-chain segments never assessed (no approved security assessment) or whose last approved assessment is older than their assessment_interval.';
GRANT SELECT ON iso28000.segment_assessment_due TO PUBLIC;
COMMENT ON COLUMN iso28000.segment_assessment_due.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.segment_assessment_due.segment_id IS 'The segment.';
COMMENT ON COLUMN iso28000.segment_assessment_due.segment_code IS 'Its code.';
COMMENT ON COLUMN iso28000.segment_assessment_due.segment_name IS 'Its name.';
COMMENT ON COLUMN iso28000.segment_assessment_due.owner_id IS 'Who is responsible for it.';
COMMENT ON COLUMN iso28000.segment_assessment_due.last_approved_on IS 'Day of the latest approved assessment; NULL if none.';
COMMENT ON COLUMN iso28000.segment_assessment_due.reason IS 'never_assessed or overdue.';
COMMENT ON COLUMN iso28000.segment_assessment_due.due_on IS 'When the next assessment was due; NULL if never assessed.';
COMMENT ON COLUMN iso28000.segment_assessment_due.days_overdue IS 'Days since due_on; NULL if never assessed.';

-- The latest approved assessment of each segment.
CREATE VIEW iso28000.segment_scenario_above_appetite WITH (security_invoker = true) AS
WITH latest AS (
  SELECT DISTINCT ON (a.org_id, a.segment_id) a.org_id, a.segment_id, a.segment_assessment_id, a.assessed_on
    FROM iso28000.segment_assessment a
   WHERE a.status = 'approved'
   ORDER BY a.org_id, a.segment_id, a.assessed_on DESC, a.segment_assessment_id DESC
),
-- The organisation's band of each score from a join on its matrix cells (on
-- Citus the SQL function band(org, rating) cannot read them from a shard).
scored AS (
  SELECT l.org_id, l.segment_id, l.segment_assessment_id, l.assessed_on, s.threat_scenario_id, s.node_id,
         s.rating, s.residual_rating,
         coalesce(bc.band, iso28000.band(coalesce(s.residual_rating, s.rating))) AS band
    FROM latest l
    JOIN iso28000.segment_scenario_score s ON s.org_id = l.org_id AND s.segment_assessment_id = l.segment_assessment_id
    LEFT JOIN iso28000.risk_band_cell bc ON bc.org_id = s.org_id AND bc.rating = coalesce(s.residual_rating, s.rating)
)
SELECT s.org_id, s.segment_id, g.code AS segment_code, s.segment_assessment_id, s.assessed_on,
       t.threat_scenario_id, t.code AS scenario_code, t.title AS scenario_title, n.code AS node_code,
       s.rating::text AS rating, s.residual_rating::text AS residual_rating,
       s.band, ap.max_band AS appetite_band
  FROM scored s
  JOIN iso28000.supply_chain_segment g ON g.org_id = s.org_id AND g.segment_id = s.segment_id
  JOIN iso28000.threat_scenario t ON t.org_id = s.org_id AND t.threat_scenario_id = s.threat_scenario_id
  LEFT JOIN iso28000.supply_chain_node n ON n.org_id = s.org_id AND n.node_id = s.node_id
  JOIN LATERAL (SELECT ra.max_band FROM iso28000.risk_appetite ra
                 WHERE ra.org_id = s.org_id AND ra.effective_on <= current_date
                 ORDER BY ra.effective_on DESC LIMIT 1) ap ON true
 WHERE iso28000.band_rank(s.band) > iso28000.band_rank(ap.max_band);
COMMENT ON VIEW iso28000.segment_scenario_above_appetite IS
  'ISO 28000 6.1.3, 8.3, 9.3.2: Per segment, the threat scenarios of its latest approved security assessment whose residual rating (the rating when no residual is given) falls in a band above the organisation''s current risk appetite.';
GRANT SELECT ON iso28000.segment_scenario_above_appetite TO PUBLIC;
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.segment_id IS 'The segment.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.segment_code IS 'Its code.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.segment_assessment_id IS 'Its latest approved assessment.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.assessed_on IS 'When it was assessed.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.threat_scenario_id IS 'The scenario.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.scenario_code IS 'Its code.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.scenario_title IS 'Its title.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.node_code IS 'The node it was scored at; NULL for the whole segment.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.rating IS 'Rating without countermeasures, as text (L4C3).';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.residual_rating IS 'Residual rating, as text.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.band IS 'Band of the residual rating (or the rating) for the organisation.';
COMMENT ON COLUMN iso28000.segment_scenario_above_appetite.appetite_band IS 'Highest band the organisation currently accepts.';

CREATE VIEW iso28000.segment_node_without_countermeasure WITH (security_invoker = true) AS
SELECT g.org_id, g.segment_id, g.code AS segment_code, n.node_id, n.code AS node_code, n.name AS node_name,
       n.kind AS node_kind, n.external
  FROM iso28000.supply_chain_segment g
  JOIN iso28000.segment_node sn ON sn.org_id = g.org_id AND sn.segment_id = g.segment_id
  JOIN iso28000.supply_chain_node n ON n.org_id = sn.org_id AND n.node_id = sn.node_id
 WHERE g.active
   AND NOT EXISTS (SELECT FROM iso28000.node_control c WHERE c.org_id = n.org_id AND c.node_id = n.node_id);
COMMENT ON VIEW iso28000.segment_node_without_countermeasure IS
  'ISO 28000 8.3, 8.4: Nodes of active supply-chain segments where no control is applied (no node_control upstream, at the node or downstream).';
GRANT SELECT ON iso28000.segment_node_without_countermeasure TO PUBLIC;
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.segment_id IS 'The segment.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.segment_code IS 'Its code.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.node_id IS 'The node.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.node_kind IS 'Its kind.';
COMMENT ON COLUMN iso28000.segment_node_without_countermeasure.external IS 'True for a provider or customer run by another party.';
/*
 * sql/clauses/clause08_6_security_plans.sql
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
  segment_id            bigint,
  PRIMARY KEY (org_id, security_plan_id),
  UNIQUE (org_id, title),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
  FOREIGN KEY (org_id, document_id) REFERENCES iso28000.document (org_id, document_id),
  CONSTRAINT security_plan_segment_fkey FOREIGN KEY (org_id, segment_id)
    REFERENCES iso28000.supply_chain_segment (org_id, segment_id),
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
COMMENT ON COLUMN iso28000.security_plan.title IS 'Title, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.scenario IS 'The security incident, threat or disruption the plan responds to (required, not blank).';
COMMENT ON COLUMN iso28000.security_plan.status IS 'draft, active (approved and in force) or retired.';
COMMENT ON COLUMN iso28000.security_plan.owner_id IS 'The person accountable for the plan.';
COMMENT ON COLUMN iso28000.security_plan.node_id IS 'The supply-chain node the plan covers, if it is specific to one.';
COMMENT ON COLUMN iso28000.security_plan.sms_process_id IS 'The process the plan covers, if it is specific to one.';
COMMENT ON COLUMN iso28000.security_plan.document_id IS 'The controlled document (7.5) holding the full plan.';
COMMENT ON COLUMN iso28000.security_plan.segment_id IS 'The supply-chain segment the plan protects, if it is specific to one.';
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
       (last.held_on + s.exercise_interval::interval)::date AS due_on,
       CASE WHEN last.held_on IS NULL THEN 'never_exercised' ELSE 'overdue' END AS reason,
       current_date - (last.held_on + s.exercise_interval::interval)::date AS days_overdue
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
   AND (last.held_on IS NULL OR last.held_on + s.exercise_interval::interval < current_date);

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
 * sql/clauses/clause09_1_monitoring.sql
 *		ISO 28000 9.1, monitoring, measurement, analysis and evaluation:
 *		conformity self-assessments with their graded results, and the
 *		indicators of the SMS with their measurements and status.
 *
 * Grades and scoring come from sql/core/03_scoring.sql.  The conformity of
 * the whole standard clause by clause (conformity_by_clause,
 * conformity_trend) is in sql/views/conformity.sql.  Reference:
 * doc/audit-review.md.
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
    standard       text NOT NULL DEFAULT 'ISO 28000:2022'
                   CONSTRAINT self_assessment_standard_fk REFERENCES iso28000.standard,
    PRIMARY KEY (org_id, assessment_id),
    FOREIGN KEY (org_id, assessor_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.self_assessment');
COMMENT ON TABLE iso28000.self_assessment IS
  'ISO 28000 9.1, 9.1.2: Conformity self-assessments: an organisation grades the clauses of its SMS on a date; the results hold one grade per clause.';
COMMENT ON COLUMN iso28000.self_assessment.title IS 'Name of the assessment.';
COMMENT ON COLUMN iso28000.self_assessment.assessed_on IS 'Date of the assessment; the trend and the latest grade per clause follow it.';
COMMENT ON COLUMN iso28000.self_assessment.scope IS 'Clauses assessed (each covers its sub-clauses); empty means the whole SMS.';
COMMENT ON COLUMN iso28000.self_assessment.assessor_id IS 'Person who led the assessment.';
COMMENT ON COLUMN iso28000.self_assessment.method IS 'How the assessment was done (interviews, document review, sampling...).';
COMMENT ON COLUMN iso28000.self_assessment.note IS 'Free note.';
COMMENT ON COLUMN iso28000.self_assessment.standard IS 'Standard assessed (default ISO 28000:2022): its scope and every result name clauses of it.';

CREATE TABLE iso28000.assessment_result (
    org_id         bigint NOT NULL REFERENCES iso28000.organization,
    result_id      bigint GENERATED ALWAYS AS IDENTITY,
    assessment_id  bigint NOT NULL,
    clause         iso28000.clause_ref NOT NULL,
    grade          iso28000.conformity_grade NOT NULL,
    weight         integer NOT NULL DEFAULT 1 CONSTRAINT assessment_result_weight_not_negative CHECK (weight >= 0),
    evidence       text,
    note           text,
    standard       text NOT NULL,
    maturity       integer,
    PRIMARY KEY (org_id, result_id),
    CONSTRAINT assessment_result_one_grade_per_clause UNIQUE (org_id, assessment_id, clause),
    FOREIGN KEY (org_id, assessment_id) REFERENCES iso28000.self_assessment (org_id, assessment_id),
    CONSTRAINT assessment_result_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause)
);
SELECT iso28000.register_table('iso28000.assessment_result');
COMMENT ON TABLE iso28000.assessment_result IS
  'ISO 28000 9.1, 9.1.2: Results of a self-assessment: one grade per clause, with a weight, the evidence and a note.';
COMMENT ON COLUMN iso28000.assessment_result.assessment_id IS 'The self-assessment.';
COMMENT ON COLUMN iso28000.assessment_result.clause IS 'Clause graded.';
COMMENT ON COLUMN iso28000.assessment_result.grade IS 'Grade given to the clause.';
COMMENT ON COLUMN iso28000.assessment_result.weight IS 'How much the clause counts in the score (zero or more).';
COMMENT ON COLUMN iso28000.assessment_result.evidence IS 'Evidence examined (documents, records, interviews).';
COMMENT ON COLUMN iso28000.assessment_result.note IS 'Free note.';
COMMENT ON COLUMN iso28000.assessment_result.maturity IS 'Maturity level of the clause in this assessment, beside the grade, on the organisation''s scale (maturity_scale in clause09_1_maturity.sql; another is refused with IS547); NULL when not rated.';
COMMENT ON COLUMN iso28000.assessment_result.standard IS 'Standard of the clause: the assessment''s (filled from it when not given; another is refused with IS545).';

-- A result names its assessment's standard: filled in when not given, refused when another (IS545).
CREATE FUNCTION iso28000.assessment_result_standard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    assessed text;
BEGIN
    SELECT s.standard INTO assessed FROM iso28000.self_assessment s
     WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id AND s.assessment_id OPERATOR(pg_catalog.=) NEW.assessment_id;
    IF NEW.standard IS NULL THEN
        -- no assessment found: the foreign key refuses the row; ISO 28000:2022 keeps the refusal that one
        NEW.standard := coalesce(assessed, 'ISO 28000:2022');
    ELSIF assessed IS NOT NULL AND NEW.standard IS DISTINCT FROM assessed THEN
        RAISE EXCEPTION 'result on clause % of % does not belong in self-assessment %, which assesses %',
                        NEW.clause, NEW.standard, NEW.assessment_id, assessed
              USING ERRCODE = 'IS545',
                    DETAIL = 'Every result of a self-assessment grades a clause of the standard the assessment assesses.',
                    HINT = 'Record it in a self-assessment of that standard, or leave standard out to take the assessment''s.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'standard';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.assessment_result_standard() IS
  'Trigger on assessment_result: takes the standard of the self-assessment when none is given, and refuses another (IS545).';
CREATE TRIGGER assessment_result_standard BEFORE INSERT OR UPDATE OF standard, assessment_id ON iso28000.assessment_result
    FOR EACH ROW EXECUTE FUNCTION iso28000.assessment_result_standard();


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
    standard        text NOT NULL DEFAULT 'ISO 28000:2022',
    PRIMARY KEY (org_id, indicator_id),
    CONSTRAINT indicator_name_unique UNIQUE (org_id, name),
    CONSTRAINT indicator_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.indicator');
COMMENT ON TABLE iso28000.indicator IS
  'ISO 28000 9.1, 9.1.1: Indicators of security performance: what is measured, how, how often, by whom, and the target to evaluate it against.';
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
COMMENT ON COLUMN iso28000.indicator.standard IS 'Standard of the clause monitored (default ISO 28000:2022); (standard, clause) is a clause of the catalog.';

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
-- Who measured is the acting person who wrote the measurement (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.indicator_measurement
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('measured_by:*');
COMMENT ON TABLE iso28000.indicator_measurement IS
  'ISO 28000 9.1, 9.1.1: Measurements of the indicators over time (one per indicator per day).';
COMMENT ON COLUMN iso28000.indicator_measurement.indicator_id IS 'The indicator.';
COMMENT ON COLUMN iso28000.indicator_measurement.measured_on IS 'Date of the measurement.';
COMMENT ON COLUMN iso28000.indicator_measurement.value IS 'Measured value, in the indicator''s unit.';
COMMENT ON COLUMN iso28000.indicator_measurement.measured_by IS 'Person who measured and recorded the value: the acting person of the insert or of the last change, stamped by the database (NULL when nobody acts); naming another person needs level manage (IS120).';
COMMENT ON COLUMN iso28000.indicator_measurement.note IS 'Free note.';

CREATE VIEW iso28000.indicator_status WITH (security_invoker = true) AS
SELECT i.org_id, i.indicator_id, i.name, i.clause::text AS clause, iso28000.sort_key(i.clause) AS clause_sort, i.unit, i.direction, i.target, i.threshold,
       m.measured_on AS last_measured_on, m.value AS last_value, p.value AS previous_value,
       m.value - p.value AS change,
       CASE WHEN m.value IS NULL OR i.target IS NULL THEN NULL
            WHEN i.direction = 'increase' THEN m.value >= i.target
            WHEN i.direction = 'decrease' THEN m.value <= i.target
            ELSE m.value = i.target END AS on_target,
       CASE WHEN m.value IS NULL OR i.threshold IS NULL THEN NULL
            WHEN i.direction = 'decrease' THEN m.value > i.threshold
            ELSE m.value < i.threshold END AS past_threshold,
       m.measured_on IS NULL OR m.measured_on + i.frequency < current_date AS measurement_overdue,
       i.standard
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
COMMENT ON COLUMN iso28000.indicator_status.clause IS 'Clause the indicator monitors, as text.';
COMMENT ON COLUMN iso28000.indicator_status.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
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
COMMENT ON COLUMN iso28000.indicator_status.standard IS 'Standard of the clause monitored.';

-- Members read the view; row-level security of the registers beneath it
-- (security_invoker) decides which rows they see.
GRANT SELECT ON iso28000.indicator_status TO PUBLIC;
/*
 * sql/clauses/clause09_1_maturity.sql
 *		ISO 28000 9.1: maturity beside conformity.  Each organisation has a
 *		maturity scale (levels 0 to 5 by default, with names and descriptions
 *		it can change), gives a maturity level per clause per self-assessment
 *		beside the grade (assessment_result.maturity), sets target levels per
 *		clause, and reads current against target by clause, rolled up the
 *		clause hierarchy like the conformity score (maturity_by_clause).
 *		Reference: doc/standards.md.
 */

-- The default scale, for organisations that change none of it.
CREATE TABLE iso28000.maturity_level_default (
    level        integer PRIMARY KEY CONSTRAINT maturity_level_default_range CHECK (level BETWEEN 0 AND 5),
    name         text NOT NULL,
    description  text NOT NULL
);
COMMENT ON TABLE iso28000.maturity_level_default IS
  'ISO 28000 9.1: The default maturity scale, levels 0 to 5, for organisations that define none of their own (maturity_level).';
COMMENT ON COLUMN iso28000.maturity_level_default.level IS 'Level, 0 (lowest) to 5.';
COMMENT ON COLUMN iso28000.maturity_level_default.name IS 'Name of the level.';
COMMENT ON COLUMN iso28000.maturity_level_default.description IS 'What the level means.';
INSERT INTO iso28000.maturity_level_default (level, name, description) VALUES
  (0, 'Non-existent', 'The practice is not performed.'),
  (1, 'Initial', 'The practice is performed ad hoc and depends on individuals.'),
  (2, 'Managed', 'The practice is planned and tracked, but not the same everywhere.'),
  (3, 'Defined', 'The practice is documented and followed the same way across the organization.'),
  (4, 'Measured', 'The practice is measured and controlled with indicators.'),
  (5, 'Optimizing', 'The practice is improved continually from its measurements and feedback.');
GRANT SELECT ON iso28000.maturity_level_default TO PUBLIC;

-- An organisation's own levels: they replace the default of the same level, add levels, or retire one.
CREATE TABLE iso28000.maturity_level (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    maturity_level_id  bigint GENERATED ALWAYS AS IDENTITY,
    level              integer NOT NULL CONSTRAINT maturity_level_range CHECK (level BETWEEN 0 AND 10),
    name               text NOT NULL CONSTRAINT maturity_level_name_present CHECK (btrim(name) <> ''),
    description        text,
    in_use             boolean NOT NULL DEFAULT true,
    PRIMARY KEY (org_id, maturity_level_id),
    CONSTRAINT maturity_level_once UNIQUE (org_id, level)
);
SELECT iso28000.register_table('iso28000.maturity_level');
COMMENT ON TABLE iso28000.maturity_level IS
  'ISO 28000 9.1: The organisation''s own maturity levels: a row replaces the default level of the same number (its name and description), adds a level (up to 10), or retires one (in_use false).';
COMMENT ON COLUMN iso28000.maturity_level.level IS 'Level, 0 to 10.';
COMMENT ON COLUMN iso28000.maturity_level.name IS 'Name of the level in the organisation.';
COMMENT ON COLUMN iso28000.maturity_level.description IS 'What the level means in the organisation.';
COMMENT ON COLUMN iso28000.maturity_level.in_use IS 'False retires the level (a default one too): it may no longer be given or targeted.';

-- The scale of each organisation: its own levels in use, and the defaults it has not replaced.
CREATE VIEW iso28000.maturity_scale WITH (security_invoker = true) AS
SELECT o.org_id, d.level, d.name, d.description, false AS customised
  FROM iso28000.organization o
  CROSS JOIN iso28000.maturity_level_default d
 -- uncorrelated: on Citus organization is a reference table, and a sub-select
 -- correlated to it is refused
 WHERE (o.org_id, d.level) NOT IN (SELECT m.org_id, m.level FROM iso28000.maturity_level m)
UNION ALL
SELECT m.org_id, m.level, m.name, m.description, true
  FROM iso28000.maturity_level m
 WHERE m.in_use;
COMMENT ON VIEW iso28000.maturity_scale IS
  'ISO 28000 9.1: The maturity scale of each organisation: the levels it defined (in use) and the default levels 0 to 5 it has not replaced.';
COMMENT ON COLUMN iso28000.maturity_scale.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.maturity_scale.level IS 'Level.';
COMMENT ON COLUMN iso28000.maturity_scale.name IS 'Name of the level.';
COMMENT ON COLUMN iso28000.maturity_scale.description IS 'What the level means.';
COMMENT ON COLUMN iso28000.maturity_scale.customised IS 'True when the organisation defined the level itself.';
GRANT SELECT ON iso28000.maturity_scale TO PUBLIC;

-- Target maturity levels per clause; a target covers the clause's sub-clauses that have none of their own.
CREATE TABLE iso28000.maturity_target (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    maturity_target_id  bigint GENERATED ALWAYS AS IDENTITY,
    standard            text NOT NULL DEFAULT 'ISO 28000:2022',
    clause              iso28000.clause_ref NOT NULL,
    target_level        integer NOT NULL,
    due_on              date,
    note                text,
    PRIMARY KEY (org_id, maturity_target_id),
    CONSTRAINT maturity_target_once UNIQUE (org_id, standard, clause),
    CONSTRAINT maturity_target_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause)
);
SELECT iso28000.register_table('iso28000.maturity_target');
COMMENT ON TABLE iso28000.maturity_target IS
  'ISO 28000 9.1, 6.2: Target maturity levels per clause of a standard; a target covers the sub-clauses that have none of their own.';
COMMENT ON COLUMN iso28000.maturity_target.standard IS 'Standard of the clause (default ISO 28000:2022).';
COMMENT ON COLUMN iso28000.maturity_target.clause IS 'Clause the target is set for; it covers its sub-clauses.';
COMMENT ON COLUMN iso28000.maturity_target.target_level IS 'Level aimed at, on the organisation''s scale (another is refused with IS547).';
COMMENT ON COLUMN iso28000.maturity_target.due_on IS 'When the level is to be reached.';
COMMENT ON COLUMN iso28000.maturity_target.note IS 'Free note.';

-- A level given or targeted is on the organisation's scale (IS547).
CREATE FUNCTION iso28000.maturity_on_scale()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lvl integer;
    col text;
BEGIN
    IF TG_TABLE_NAME = 'assessment_result' THEN
        lvl := NEW.maturity; col := 'maturity';
    ELSE
        lvl := NEW.target_level; col := 'target_level';
    END IF;
    IF lvl IS NOT NULL AND NOT EXISTS (SELECT FROM iso28000.maturity_scale s
                                        WHERE s.org_id OPERATOR(pg_catalog.=) NEW.org_id
                                          AND s.level OPERATOR(pg_catalog.=) lvl) THEN
        RAISE EXCEPTION 'maturity level % is not on the scale of organisation % (%.% of clause %)', lvl, NEW.org_id, TG_TABLE_NAME, col, NEW.clause
              USING ERRCODE = 'IS547',
                    DETAIL = 'A maturity level is one of the organisation''s scale: the default levels 0 to 5 it has not retired and the levels it defined (maturity_scale).',
                    HINT = 'Choose a level of maturity_scale, or define it in maturity_level first.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = col;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.maturity_on_scale() IS
  'Trigger on assessment_result and maturity_target: refuses a maturity level that is not on the organisation''s scale (IS547).';
CREATE TRIGGER maturity_on_scale BEFORE INSERT OR UPDATE OF maturity ON iso28000.assessment_result
    FOR EACH ROW EXECUTE FUNCTION iso28000.maturity_on_scale();
CREATE TRIGGER maturity_on_scale BEFORE INSERT OR UPDATE OF target_level ON iso28000.maturity_target
    FOR EACH ROW EXECUTE FUNCTION iso28000.maturity_on_scale();

-- Current against target by clause, rolled up the hierarchy like conformity_by_clause.
CREATE VIEW iso28000.maturity_by_clause WITH (security_invoker = true) AS
WITH latest AS (
    -- the latest maturity level given to each clause of each organisation and standard
    SELECT DISTINCT ON (r.org_id, r.standard, r.clause)
           r.org_id, r.standard, r.clause, r.maturity, r.weight, s.assessed_on
      FROM iso28000.assessment_result r
      JOIN iso28000.self_assessment s USING (org_id, assessment_id)
     WHERE r.maturity IS NOT NULL
     ORDER BY r.org_id, r.standard, r.clause, s.assessed_on DESC, s.assessment_id DESC),
orgs AS (
    SELECT org_id, standard FROM iso28000.self_assessment
    UNION
    SELECT org_id, standard FROM iso28000.maturity_target),
targeted AS (
    -- each catalog clause with the target of the clause or of its nearest ancestor that has one
    SELECT o.org_id, c.standard, c.clause, c.title, c.seq,
           (SELECT t.target_level FROM iso28000.maturity_target t
             WHERE t.org_id = o.org_id AND t.standard = c.standard AND t.clause OPERATOR(iso28000.@>) c.clause
             ORDER BY t.clause DESC LIMIT 1) AS target_level
      FROM orgs o
      JOIN iso28000.clause c ON c.standard = o.standard AND c.pdca IS NOT NULL),
items AS (
    SELECT l.org_id, l.standard, l.clause, l.maturity, l.weight, l.assessed_on, t.target_level
      FROM latest l
      JOIN targeted t ON t.org_id = l.org_id AND t.standard = l.standard AND t.clause OPERATOR(iso28000.=) l.clause),
rolled AS (
    -- each rated clause counts for itself and every ancestor, weighted like the conformity score
    SELECT i.org_id, i.standard, iso28000.ancestor(i.clause, d) AS clause,
           count(*) AS rated, sum(i.weight) AS weight_sum, sum(i.weight * i.maturity) AS level_sum,
           sum(i.weight) FILTER (WHERE i.target_level IS NOT NULL) AS target_weight_sum,
           sum(i.weight * i.target_level) AS target_sum,
           count(*) FILTER (WHERE i.maturity < i.target_level) AS below_target,
           max(i.assessed_on) AS last_assessed_on
      FROM items i
     CROSS JOIN LATERAL generate_series(1, iso28000.depth(i.clause)) AS d
     GROUP BY 1, 2, 3)
SELECT t.org_id, t.standard, t.clause::text AS clause, iso28000.sort_key(t.clause) AS clause_sort,
       t.title, t.seq, iso28000.depth(t.clause) AS depth,
       l.maturity AS current_level, t.target_level,
       t.target_level - l.maturity AS gap,
       round(r.level_sum::numeric / nullif(r.weight_sum, 0), 2) AS average_level,
       round(r.target_sum::numeric / nullif(r.target_weight_sum, 0), 2) AS average_target,
       coalesce(r.rated, 0) AS rated_clauses,
       coalesce(r.below_target, 0) AS below_target,
       r.last_assessed_on
  FROM targeted t
  LEFT JOIN latest l ON l.org_id = t.org_id AND l.standard = t.standard AND l.clause OPERATOR(iso28000.=) t.clause
  LEFT JOIN rolled r ON r.org_id = t.org_id AND r.standard = t.standard AND r.clause OPERATOR(iso28000.=) t.clause;
COMMENT ON VIEW iso28000.maturity_by_clause IS
  'ISO 28000 9.1, 6.2: Maturity against target of every clause of every standard an organisation has self-assessed or set targets for: the latest level given to the clause, its target (its own or its nearest ancestor''s) and the gap, and over the clause and its sub-clauses the weighted average level and target and how many rated clauses are below target.';
COMMENT ON COLUMN iso28000.maturity_by_clause.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.maturity_by_clause.standard IS 'Standard of the clause.';
COMMENT ON COLUMN iso28000.maturity_by_clause.clause IS 'Clause, as text.';
COMMENT ON COLUMN iso28000.maturity_by_clause.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.maturity_by_clause.title IS 'Title of the clause.';
COMMENT ON COLUMN iso28000.maturity_by_clause.seq IS 'Position of the clause in its standard.';
COMMENT ON COLUMN iso28000.maturity_by_clause.depth IS 'Depth of the clause (1 for a top-level clause).';
COMMENT ON COLUMN iso28000.maturity_by_clause.current_level IS 'Latest maturity level given to the clause itself (NULL if never rated).';
COMMENT ON COLUMN iso28000.maturity_by_clause.target_level IS 'Target level of the clause, its own or its nearest ancestor''s (NULL without one).';
COMMENT ON COLUMN iso28000.maturity_by_clause.gap IS 'Target minus current level (positive: below target).';
COMMENT ON COLUMN iso28000.maturity_by_clause.average_level IS 'Average of the latest levels of the clause and its sub-clauses, weighted by the results'' weights, to two decimals.';
COMMENT ON COLUMN iso28000.maturity_by_clause.average_target IS 'Average target of those rated clauses that have one, weighted the same way, to two decimals.';
COMMENT ON COLUMN iso28000.maturity_by_clause.rated_clauses IS 'Clauses among the clause and its sub-clauses with a maturity level.';
COMMENT ON COLUMN iso28000.maturity_by_clause.below_target IS 'Rated clauses among them whose level is below their target.';
COMMENT ON COLUMN iso28000.maturity_by_clause.last_assessed_on IS 'Date of the most recent level counted.';
GRANT SELECT ON iso28000.maturity_by_clause TO PUBLIC;
/*
 * sql/clauses/clause09_2_internal_audit.sql
 *		ISO 28000 9.2, internal audit: audit programmes, audits, their teams,
 *		auditees and findings, the independence of auditors, and the audit
 *		workflow (rules of the engine in sql/core/06_workflow.sql).
 *
 * A finding graded minor_nc or major_nc raises its nonconformity in the
 * clause 10 register: sql/clauses/clause10_improvement.sql, which installs
 * after this file, declares that trigger and the finding's foreign key to the
 * nonconformity.  Reference: doc/audit-review.md.
 */

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
    standard       text NOT NULL DEFAULT 'ISO 28000:2022'
                   CONSTRAINT audit_programme_standard_fk REFERENCES iso28000.standard,
    PRIMARY KEY (org_id, programme_id),
    CONSTRAINT audit_programme_period_in_order CHECK (period_end >= period_start),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
SELECT iso28000.register_table('iso28000.audit_programme');
COMMENT ON TABLE iso28000.audit_programme IS
  'ISO 28000 9.2.1, 9.2.2: Internal audit programmes: the cycle (period and frequency), the clauses the cycle must cover, methods and criteria.';
COMMENT ON COLUMN iso28000.audit_programme.title IS 'Name of the programme.';
COMMENT ON COLUMN iso28000.audit_programme.period_start IS 'First day of the audit cycle.';
COMMENT ON COLUMN iso28000.audit_programme.period_end IS 'Last day of the audit cycle.';
COMMENT ON COLUMN iso28000.audit_programme.frequency IS 'How often each clause of the scope is to be audited (e.g. 1 year).';
COMMENT ON COLUMN iso28000.audit_programme.scope IS 'Clauses the cycle must cover (each covers its sub-clauses); audit_coverage shows which were audited and which were missed.';
COMMENT ON COLUMN iso28000.audit_programme.methods IS 'Audit methods (on site, remote, document review, sampling...).';
COMMENT ON COLUMN iso28000.audit_programme.criteria IS 'Audit criteria (ISO 28000:2022, own policies, legal requirements...).';
COMMENT ON COLUMN iso28000.audit_programme.owner_id IS 'Person responsible for the programme.';
COMMENT ON COLUMN iso28000.audit_programme.note IS 'Free note.';
COMMENT ON COLUMN iso28000.audit_programme.standard IS 'Standard whose clauses the scope names (default ISO 28000:2022); audit_coverage counts the audits of the programme of that standard.';

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
    standard          text NOT NULL DEFAULT 'ISO 28000:2022'
                      CONSTRAINT audit_standard_fk REFERENCES iso28000.standard,
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
COMMENT ON COLUMN iso28000.audit.standard IS 'Standard audited (default ISO 28000:2022): the scope and every finding name clauses of it; audit_projection reports the audit against another standard through the clause maps.';

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
    standard          text NOT NULL,
    PRIMARY KEY (org_id, finding_id),
    FOREIGN KEY (org_id, audit_id) REFERENCES iso28000.audit (org_id, audit_id),
    FOREIGN KEY (org_id, process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
    CONSTRAINT audit_finding_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause)
);
SELECT iso28000.register_table('iso28000.audit_finding');
COMMENT ON TABLE iso28000.audit_finding IS
  'ISO 28000 9.2.2, 10.2: Audit findings, each with a clause inside the audit scope, a grade and evidence; a minor_nc or major_nc finding raises its nonconformity by itself.';
COMMENT ON COLUMN iso28000.audit_finding.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_finding.clause IS 'Clause the finding is about; must lie inside the audit scope (IS303).';
COMMENT ON COLUMN iso28000.audit_finding.grade IS 'conforming, observation, opportunity, minor_nc or major_nc.';
COMMENT ON COLUMN iso28000.audit_finding.statement IS 'What the auditor found.';
COMMENT ON COLUMN iso28000.audit_finding.evidence IS 'Objective evidence.';
COMMENT ON COLUMN iso28000.audit_finding.process_id IS 'SMS process concerned, if any.';
COMMENT ON COLUMN iso28000.audit_finding.found_on IS 'Date of the finding.';
COMMENT ON COLUMN iso28000.audit_finding.nonconformity_id IS 'Nonconformity raised for a minor_nc or major_nc finding (set automatically).';
COMMENT ON COLUMN iso28000.audit_finding.standard IS 'Standard of the clause: the audit''s (filled from it when not given; another is refused with IS545).';

-- The standard of an assessment or audit stays while it has results or findings (IS546).
CREATE FUNCTION iso28000.standard_kept()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
    id bigint;
BEGIN
    IF NEW.standard IS NOT DISTINCT FROM OLD.standard THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'self_assessment' THEN
        id := OLD.assessment_id;
        SELECT count(*) INTO n FROM iso28000.assessment_result r
         WHERE r.org_id OPERATOR(pg_catalog.=) OLD.org_id AND r.assessment_id OPERATOR(pg_catalog.=) id;
    ELSE
        id := OLD.audit_id;
        SELECT count(*) INTO n FROM iso28000.audit_finding f
         WHERE f.org_id OPERATOR(pg_catalog.=) OLD.org_id AND f.audit_id OPERATOR(pg_catalog.=) id;
    END IF;
    IF n > 0 THEN
        RAISE EXCEPTION '% % cannot change its standard from % to %: it has % %',
                        TG_TABLE_NAME, id, OLD.standard, NEW.standard, n,
                        CASE TG_TABLE_NAME WHEN 'self_assessment' THEN 'results' ELSE 'findings' END
              USING ERRCODE = 'IS546',
                    DETAIL = 'Results and findings name clauses of the standard their assessment or audit had when they were recorded.',
                    HINT = 'Record a new assessment or audit of the other standard, or read this one through a clause map (conformity_projection, audit_projection).',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'standard';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.standard_kept() IS
  'Trigger on self_assessment and audit: refuses a change of standard while results or findings exist (IS546).';
CREATE TRIGGER standard_kept BEFORE UPDATE OF standard ON iso28000.self_assessment
    FOR EACH ROW EXECUTE FUNCTION iso28000.standard_kept();
CREATE TRIGGER standard_kept BEFORE UPDATE OF standard ON iso28000.audit
    FOR EACH ROW EXECUTE FUNCTION iso28000.standard_kept();

-- True when one of the clauses of scope covers the clause c (scope @> c).
CREATE FUNCTION iso28000.scope_covers(scope iso28000.clause_ref[], c iso28000.clause_ref)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN EXISTS (SELECT FROM unnest(scope) s WHERE s OPERATOR(iso28000.@>) c);
COMMENT ON FUNCTION iso28000.scope_covers(iso28000.clause_ref[], iso28000.clause_ref) IS
  'True when a clause of the scope is the clause or one of its ancestors (8.6 covers 8.6.4); an empty scope covers nothing.';

-- Refuses a finding whose clause lies outside its audit's scope (IS303), or on an audit that is over (IS304).
CREATE FUNCTION iso28000.audit_finding_in_scope()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    audit_scope iso28000.clause_ref[];
    audit_status text;
    audit_standard text;
BEGIN
    SELECT scope, status, standard INTO audit_scope, audit_status, audit_standard FROM iso28000.audit
     WHERE org_id = NEW.org_id AND audit_id = NEW.audit_id;
    IF NEW.standard IS NULL THEN
        -- no audit found: the foreign key refuses the row; ISO 28000:2022 keeps the refusal that one
        NEW.standard := coalesce(audit_standard, 'ISO 28000:2022');
    ELSIF audit_standard IS NOT NULL AND NEW.standard IS DISTINCT FROM audit_standard THEN
        RAISE EXCEPTION 'finding on clause % of % does not belong in audit %, which audits %',
                        NEW.clause, NEW.standard, NEW.audit_id, audit_standard
              USING ERRCODE = 'IS545',
                    DETAIL = 'Every finding of an audit is on a clause of the standard the audit audits.',
                    HINT = 'Record it in an audit of that standard, or leave standard out to take the audit''s.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'standard';
    END IF;
    IF audit_status IN ('closed', 'cancelled') THEN
        RAISE EXCEPTION 'audit % is %: its findings cannot change', NEW.audit_id, audit_status
              USING ERRCODE = 'IS304',
                    DETAIL = 'A closed or cancelled audit keeps the findings it had.',
                    HINT = 'Record a new finding in a new audit.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'audit_id';
    END IF;
    IF audit_scope IS NOT NULL AND NOT iso28000.scope_covers(audit_scope, NEW.clause) THEN
        RAISE EXCEPTION 'finding on clause % lies outside the scope of audit %', NEW.clause, NEW.audit_id
              USING ERRCODE = 'IS303',
                    DETAIL = format('The audit scope is %s; a finding must be on one of these clauses or a sub-clause.', audit_scope),
                    HINT = 'Widen the audit scope first, or record the finding under a clause in scope.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'clause';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_finding_in_scope() IS
  'Trigger: takes the audit''s standard when the finding names none and refuses another (IS545); refuses a finding whose clause lies outside the scope of its audit (IS303), and any new or changed finding of a closed or cancelled audit (IS304).';
CREATE TRIGGER audit_finding_in_scope
    BEFORE INSERT OR UPDATE ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_in_scope();

-- The processes an audit examines: its auditees' and its findings' processes.
-- A view, not a function: the independence rules below read it inside their
-- queries, and Citus plans a view there but not an SQL function with
-- parameters (doc/distribution.md).
CREATE VIEW iso28000.audit_examined_process WITH (security_invoker = true) AS
SELECT x.org_id, x.audit_id, x.process_id FROM iso28000.audit_auditee x WHERE x.process_id IS NOT NULL
UNION
SELECT f.org_id, f.audit_id, f.process_id FROM iso28000.audit_finding f WHERE f.process_id IS NOT NULL;
COMMENT ON VIEW iso28000.audit_examined_process IS
  'ISO 28000 9.2.2: The SMS processes each audit examines: the processes of its auditees and of its findings; what auditor independence is judged against.';
COMMENT ON COLUMN iso28000.audit_examined_process.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_examined_process.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_examined_process.process_id IS 'An SMS process it examines.';
GRANT SELECT ON iso28000.audit_examined_process TO PUBLIC;

-- Who works in each SMS process, as the registers record it: the owner of
-- each of its activities still performed (8.1, 8.2: activity.owner_id) and of
-- each of its controls not retired (8.4, 8.5: control.owner_id).  An auditor
-- who does such work audits his own work when the audit examines the process
-- (9.2.2).  The process's own owner (sms_process.owner_id) is not listed: the
-- independence rules name him apart.  SMS roles and their holders (5.3:
-- sms_role, role_assignment) name responsibilities but no process, so they
-- cannot say who works in one.
CREATE VIEW iso28000.sms_process_worker WITH (security_invoker = true) AS
SELECT a.org_id, a.sms_process_id, a.owner_id AS person_id, 'activity'::text AS works_through,
       a.activity_id AS record_id, a.name AS record_name
  FROM iso28000.activity a
 WHERE a.owner_id IS NOT NULL AND a.active
UNION ALL
SELECT c.org_id, c.sms_process_id, c.owner_id, 'control'::text, c.control_id, c.code
  FROM iso28000.control c
 WHERE c.owner_id IS NOT NULL AND c.sms_process_id IS NOT NULL AND c.retired_on IS NULL;
COMMENT ON VIEW iso28000.sms_process_worker IS
  'ISO 28000 4.4, 8.1, 8.2, 8.4, 9.2.2: The people who work in each SMS process: the owners of its activities still performed and of its controls not retired; an auditor who works in a process the audit examines audits his own work.';
COMMENT ON COLUMN iso28000.sms_process_worker.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.sms_process_worker.sms_process_id IS 'The SMS process.';
COMMENT ON COLUMN iso28000.sms_process_worker.person_id IS 'A person who works in it.';
COMMENT ON COLUMN iso28000.sms_process_worker.works_through IS 'What makes the person work in it: activity (owns an activity of it that is still performed) or control (owns a control of it that is not retired).';
COMMENT ON COLUMN iso28000.sms_process_worker.record_id IS 'The activity_id or control_id.';
COMMENT ON COLUMN iso28000.sms_process_worker.record_name IS 'The activity''s name or the control''s code.';
GRANT SELECT ON iso28000.sms_process_worker TO PUBLIC;

-- Why one of the audit's auditors (lead or team) audits his own work, as
-- text, or NULL: the first who works in a process the audit examines.
CREATE FUNCTION iso28000.audit_worker_conflict(org bigint, audit bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH auditors AS (
        SELECT a.lead_auditor_id AS person_id FROM iso28000.audit a WHERE a.org_id = org AND a.audit_id = audit
        UNION
        SELECT t.person_id FROM iso28000.audit_team_member t WHERE t.org_id = org AND t.audit_id = audit)
    SELECT format('%s works in process %s (%s): owns its %s %s (%s)', pe.full_name, pr.sms_process_id, pr.name,
                  w.works_through, w.record_id, w.record_name)
      FROM iso28000.audit_examined_process x
      JOIN iso28000.sms_process_worker w ON w.org_id = org AND w.sms_process_id = x.process_id
      JOIN auditors au ON au.person_id = w.person_id
      JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
      JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = w.person_id
     WHERE x.org_id = org AND x.audit_id = audit
     ORDER BY pr.sms_process_id, w.works_through, w.record_id
     LIMIT 1
$$;
COMMENT ON FUNCTION iso28000.audit_worker_conflict(bigint, bigint) IS
  'ISO 28000 9.2.2: The first auditor of the audit (lead or team) who works in a process the audit examines (view sms_process_worker: owns an activity or a control of it), as text; NULL when none does.';

-- Why the audit's auditors are not independent, as text, or NULL: the first
-- process it examines that one of its auditors (lead or team) owns, else the
-- first of its auditors who is also one of its auditees, else the first who
-- works in a process it examines (each auditing his own work).
CREATE FUNCTION iso28000.audit_independence_conflict(org bigint, audit bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH auditors AS (
        SELECT a.lead_auditor_id AS person_id FROM iso28000.audit a WHERE a.org_id = org AND a.audit_id = audit
        UNION
        SELECT t.person_id FROM iso28000.audit_team_member t WHERE t.org_id = org AND t.audit_id = audit)
    SELECT coalesce(
      (SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name)
         FROM iso28000.audit_examined_process x
         JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
         JOIN auditors au ON au.person_id = pr.owner_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
        WHERE x.org_id = org AND x.audit_id = audit
        ORDER BY pr.sms_process_id LIMIT 1),
      (SELECT format('%s is an auditee of audit %s', pe.full_name, audit)
         FROM iso28000.audit_auditee x
         JOIN auditors au ON au.person_id = x.person_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = x.person_id
        WHERE x.org_id = org AND x.audit_id = audit
        ORDER BY x.person_id LIMIT 1),
      iso28000.audit_worker_conflict(org, audit))
$$;
COMMENT ON FUNCTION iso28000.audit_independence_conflict(bigint, bigint) IS
  'ISO 28000 9.2.2: The first auditor of the audit (lead or team) who owns a process the audit examines, else the first who is one of its auditees, else the first who works in a process it examines (audit_worker_conflict), as text; NULL when the audit team is independent.';

-- Refuses a change that would make an auditor audit a process they own or be
-- one of the audit's auditees (IS302), or audit a process they work in (IS160).
CREATE FUNCTION iso28000.audit_check_independence()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    conflict text := iso28000.audit_independence_conflict(NEW.org_id, NEW.audit_id);
BEGIN
    IF conflict IS NOT NULL AND conflict = iso28000.audit_worker_conflict(NEW.org_id, NEW.audit_id) THEN
        RAISE EXCEPTION 'auditor independence violated in audit % of organisation %: an auditor works in a process it examines',
                        NEW.audit_id, NEW.org_id
              USING ERRCODE = 'IS160',
                    DETAIL = conflict || '; an auditor may not audit his own work (ISO 28000 9.2.2), and who owns an activity or a control of a process works in it.',
                    HINT = 'Choose an auditor who does not work in the processes the audit examines, or leave the process out of its scope.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                    COLUMN = CASE TG_TABLE_NAME WHEN 'audit' THEN 'lead_auditor_id'
                                                WHEN 'audit_team_member' THEN 'person_id'
                                                ELSE 'process_id' END;
    END IF;
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION 'auditor independence violated in audit %', NEW.audit_id
              USING ERRCODE = 'IS302',
                    DETAIL = conflict || '; an auditor may not audit a process they own, nor be audited by the same audit (ISO 28000 9.2.2).',
                    HINT = 'Choose another auditor for this audit, or leave the process out of its scope.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                    COLUMN = CASE TG_TABLE_NAME WHEN 'audit' THEN 'lead_auditor_id'
                                                WHEN 'audit_team_member' THEN 'person_id'
                                                ELSE 'process_id' END;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.audit_check_independence() IS
  'Constraint trigger: refuses an audit team, auditee or finding that makes an auditor audit a process they own, or an auditor one of the audit''s auditees (IS302), or an auditor audit a process they work in (IS160).';
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

-- Why a person may not act for an audit (record its findings, close it): the
-- first process it examines that the person owns, or the person being one of
-- its auditees, or working in a process it examines, as text; NULL when the
-- person is independent of the audit.
CREATE FUNCTION iso28000.audit_person_conflict(org bigint, audit bigint, person bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(
      (SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name)
         FROM iso28000.audit_examined_process x
         JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
        WHERE x.org_id = org AND x.audit_id = audit AND pr.owner_id = person
        ORDER BY pr.sms_process_id LIMIT 1),
      (SELECT format('%s is an auditee of audit %s', pe.full_name, audit)
         FROM iso28000.audit_auditee x
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = x.person_id
        WHERE x.org_id = org AND x.audit_id = audit AND x.person_id = person
        LIMIT 1),
      (SELECT format('%s works in process %s (%s): owns its %s %s (%s)', pe.full_name, pr.sms_process_id, pr.name,
                     w.works_through, w.record_id, w.record_name)
         FROM iso28000.audit_examined_process x
         JOIN iso28000.sms_process_worker w ON w.org_id = org AND w.sms_process_id = x.process_id
         JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = w.person_id
        WHERE x.org_id = org AND x.audit_id = audit AND w.person_id = person
        ORDER BY pr.sms_process_id, w.works_through, w.record_id LIMIT 1))
$$;
COMMENT ON FUNCTION iso28000.audit_person_conflict(bigint, bigint, bigint) IS
  'ISO 28000 9.2.2: Why the person is not independent of the audit (owns a process it examines, is one of its auditees, or works in a process it examines: owns an activity or a control of it), as text; NULL when independent. Compared with the acting person when findings, auditees or team members are written, and when the audit is cancelled or closed or a nonconformity it raised is rejected.';

-- The acting person who records, changes or removes a finding, an auditee or
-- a member of the team of an audit must be independent of it (IS152): the
-- independence rule above compares the auditors the audit designates; this
-- one compares whoever acts, so the owner of an audited process cannot write
-- the audit's findings, take his process out of it or choose its auditors,
-- through a login of his own or an application acting for him.  A finding
-- needs a person who found it: a session that acts for nobody (a delegated
-- application that did not call act_as() in this transaction, a role without
-- a person) cannot record, change or remove one (IS154); only a role with the
-- privileges of the extension's owner (a loader, a restore), which could
-- switch the trigger off anyway, still may.  Auditees and team members too
-- need a person who writes them (IS158): who chooses what an audit examines
-- and who audits it can only be judged independent for a person.
CREATE FUNCTION iso28000.audit_actor_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.org_id ELSE NEW.org_id END;
    me bigint := iso28000.acting_person(org);
    conflict text;
BEGIN
    IF me IS NULL THEN
        IF iso28000._has_owner_privileges() THEN
            RETURN NULL;
        END IF;
        IF TG_TABLE_NAME = 'audit_finding' THEN
            RAISE EXCEPTION '%.% of organisation %: a finding of audit % needs a person who found it; the session acts for nobody',
                            TG_TABLE_SCHEMA, TG_TABLE_NAME, org,
                            CASE WHEN TG_OP = 'DELETE' THEN OLD.audit_id ELSE NEW.audit_id END
                  USING ERRCODE = 'IS154',
                        DETAIL = format('Role %s has no person in organisation %s and declared none in this transaction; the independence of who writes a finding can only be judged for a person (ISO 28000 9.2.2).', current_user, org),
                        HINT = 'Write findings through a person''s own login, or call iso28000.act_as(org, person) first in the transaction of a delegated application.',
                        SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'audit_id';
        END IF;
        RAISE EXCEPTION '%.% of organisation %: % of audit % needs a person who % it; the session acts for nobody',
                        TG_TABLE_SCHEMA, TG_TABLE_NAME, org,
                        CASE WHEN TG_TABLE_NAME = 'audit_auditee' THEN 'an auditee' ELSE 'a member of the team' END,
                        CASE WHEN TG_OP = 'DELETE' THEN OLD.audit_id ELSE NEW.audit_id END,
                        CASE TG_OP WHEN 'INSERT' THEN 'adds' WHEN 'UPDATE' THEN 'changes' ELSE 'removes' END
              USING ERRCODE = 'IS158',
                    DETAIL = format('Role %s has no person in organisation %s and declared none in this transaction; who chooses what an audit examines and who audits can only be judged independent for a person (ISO 28000 9.2.2).', current_user, org),
                    HINT = 'Plan the audit through a person''s own login, or call iso28000.act_as(org, person) first in the transaction of a delegated application.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'audit_id';
    END IF;
    IF TG_OP <> 'INSERT' THEN
        -- the row as it was: a process it named, the person it named
        conflict := iso28000.audit_person_conflict(org, OLD.audit_id, me);
        IF conflict IS NULL AND TG_TABLE_NAME IN ('audit_finding', 'audit_auditee') THEN
            IF OLD.process_id IS NOT NULL THEN
                SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name) INTO conflict
                  FROM iso28000.sms_process pr
                  JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
                 WHERE pr.org_id = org AND pr.sms_process_id = OLD.process_id AND pr.owner_id = me;
            END IF;
        END IF;
        IF conflict IS NULL AND TG_TABLE_NAME = 'audit_auditee' THEN
            IF OLD.person_id = me THEN
                conflict := format('person %s is an auditee of audit %s', me, OLD.audit_id);
            END IF;
        END IF;
    END IF;
    IF conflict IS NULL AND TG_OP <> 'DELETE' THEN
        conflict := iso28000.audit_person_conflict(org, NEW.audit_id, me);
    END IF;
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION '%.% of organisation %: the acting person % is not independent of audit %',
                        TG_TABLE_SCHEMA, TG_TABLE_NAME, org, me,
                        CASE WHEN TG_OP = 'DELETE' THEN OLD.audit_id ELSE NEW.audit_id END
              USING ERRCODE = 'IS152',
                    DETAIL = conflict || '; who is examined by an audit may not write its findings, auditees or team (ISO 28000 9.2.2).',
                    HINT = 'An auditor of the audit (or a person independent of it) records the change.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'audit_id';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.audit_actor_independent() IS
  'Trigger on audit_finding, audit_auditee and audit_team_member: the acting person who writes or removes a row must be independent of the audit: own no process it examines and not be one of its auditees (IS152); a finding (IS154), an auditee or a team member (IS158) is refused to a session acting for nobody unless its role has the privileges of the extension''s owner.';
CREATE TRIGGER audit_actor_independent
    AFTER INSERT OR UPDATE OR DELETE ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_actor_independent();
CREATE TRIGGER audit_actor_independent
    AFTER INSERT OR UPDATE OR DELETE ON iso28000.audit_auditee
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_actor_independent();
CREATE TRIGGER audit_actor_independent
    AFTER INSERT OR UPDATE OR DELETE ON iso28000.audit_team_member
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_actor_independent();

-- The report is the lead auditor's (ISO 28000 9.2.2 b: the results are
-- reported to relevant management; ISO 19011 6.5: the audit team leader is
-- responsible for the audit report and its conclusions).  The acting person
-- who reports an audit (in_progress to reported), withdraws its report
-- (reported to in_progress) or changes the report, conclusion or report date
-- of a reported audit must be its lead auditor, as the audit stood before the
-- statement (IS153).  The lead auditor named when the audit is planned
-- changes only by that lead auditor handing over or by a manager of the
-- organisation (IS163 while planned, IS155 once fieldwork has started):
-- otherwise whoever may write could name himself lead, then start and report.
-- Whoever cancels an audit is a person independent of it (IS156): the owner
-- of an audited process cannot call off the audit of his own process.
-- Fieldwork (planned to in_progress) is started by the lead auditor, as the
-- audit stood before the statement, or by a manager (IS159), as IS155 decides
-- who may change the lead auditor.
-- A session acting for nobody is refused all four (a manager's role still
-- starts fieldwork and changes the lead auditor); a role with the privileges
-- of the extension's owner (a loader, a restore), which could switch the
-- trigger off anyway, is let through.
CREATE FUNCTION iso28000.audit_lead_auditor_acts()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
    what text;
    conflict text;
BEGIN
    IF NEW.status = 'cancelled' AND OLD.status IS DISTINCT FROM 'cancelled'
       AND NOT iso28000._has_owner_privileges() THEN
        me := iso28000.acting_person(OLD.org_id);
        conflict := CASE WHEN me IS NULL THEN 'the session acts for no person'
                         ELSE iso28000.audit_person_conflict(OLD.org_id, OLD.audit_id, me) END;
        IF conflict IS NOT NULL THEN
            RAISE EXCEPTION 'audit % of organisation %: only a person independent of it may cancel it (%)',
                            OLD.audit_id, OLD.org_id, conflict
                  USING ERRCODE = 'IS156',
                        DETAIL = 'Who is examined by an audit may not call it off (ISO 28000 9.2.2: auditors selected to ensure objectivity and impartiality).',
                        HINT = 'The lead auditor or a manager independent of the audit cancels it, with the reason in status_note.',
                        SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'status';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status = 'in_progress' AND OLD.status = 'planned'
       AND NOT iso28000._has_owner_privileges() THEN
        me := iso28000.acting_person(OLD.org_id);
        IF me IS DISTINCT FROM OLD.lead_auditor_id AND NOT iso28000.has_level(OLD.org_id, 'manage') THEN
            RAISE EXCEPTION 'audit % of organisation %: only its lead auditor (person %) or a manager may start its fieldwork; the acting person is %',
                            OLD.audit_id, OLD.org_id, OLD.lead_auditor_id,
                            coalesce('person ' || me, 'nobody (the session acts for no person)')
                  USING ERRCODE = 'IS159',
                        DETAIL = 'The audit team leader opens the fieldwork of the audit he leads (ISO 28000 9.2.2, ISO 19011 6.4); those who manage the audit programme may start it for him (ISO 19011 5.5).',
                        HINT = 'The lead auditor starts it through his own login or an application acting for him (act_as), or a manager of the organisation does.',
                        SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'status';
        END IF;
    END IF;
    IF NEW.status = 'reported' AND OLD.status IS DISTINCT FROM 'reported' THEN
        what := 'report it';
    ELSIF OLD.status = 'reported' AND NEW.status = 'in_progress' THEN
        what := 'withdraw its report';
    ELSIF OLD.status = 'reported' AND NEW.status = 'reported'
          AND (NEW.report, NEW.conclusion, NEW.reported_on) IS DISTINCT FROM (OLD.report, OLD.conclusion, OLD.reported_on) THEN
        what := 'change its report, conclusion or report date';
    END IF;
    IF what IS NULL AND NEW.lead_auditor_id IS NOT DISTINCT FROM OLD.lead_auditor_id THEN
        RETURN NEW;
    END IF;
    IF iso28000._has_owner_privileges() THEN
        RETURN NEW;
    END IF;
    me := iso28000.acting_person(OLD.org_id);
    IF what IS NOT NULL AND me IS DISTINCT FROM OLD.lead_auditor_id THEN
        RAISE EXCEPTION 'audit % of organisation %: only its lead auditor (person %) may %; the acting person is %',
                        OLD.audit_id, OLD.org_id, OLD.lead_auditor_id, what,
                        coalesce('person ' || me, 'nobody (the session acts for no person)')
              USING ERRCODE = 'IS153',
                    DETAIL = 'The audit report and its conclusions are the lead auditor''s (ISO 28000 9.2.2, ISO 19011 6.5).',
                    HINT = 'The lead auditor reports through his own login or an application acting for him (act_as); a manager may hand the audit to another lead auditor.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'lead_auditor_id';
    END IF;
    IF NEW.lead_auditor_id IS DISTINCT FROM OLD.lead_auditor_id
       AND me IS DISTINCT FROM OLD.lead_auditor_id AND NOT iso28000.has_level(OLD.org_id, 'manage') THEN
        RAISE EXCEPTION 'audit % of organisation % is %: its lead auditor (person %) changes only by his handing over or by a manager; the acting person is %',
                        OLD.audit_id, OLD.org_id, OLD.status, OLD.lead_auditor_id,
                        coalesce('person ' || me, 'nobody (the session acts for no person)')
              USING ERRCODE = CASE WHEN OLD.status = 'planned' THEN 'IS163' ELSE 'IS155' END,
                    DETAIL = CASE WHEN OLD.status = 'planned'
                                  THEN 'Those who manage the audit programme assign the audit team leader (ISO 19011 5.5.4); a writer naming himself lead auditor of a planned audit could then start its fieldwork and report it.'
                                  ELSE 'Who leads an audit is decided when it is planned (ISO 19011 5.5.4); after fieldwork starts, a writer naming himself lead auditor could report it.' END,
                    HINT = 'Ask the lead auditor to hand over, or a manager of the organisation to change it.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'lead_auditor_id';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_lead_auditor_acts() IS
  'Trigger on audit (BEFORE UPDATE): only the lead auditor, as the acting person, reports an audit, withdraws its report or changes a reported audit''s report, conclusion or report date (IS153); the lead auditor changes only by the lead auditor or a manager (IS163 while planned, IS155 after); only a person independent of the audit cancels it (IS156); only the lead auditor or a manager starts its fieldwork (IS159); roles with the privileges of the extension''s owner are let through.';
CREATE TRIGGER audit_lead_auditor_acts
    BEFORE UPDATE ON iso28000.audit
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_lead_auditor_acts();

-- ---------------------------------------------------------------------------
-- Workflow (engine: sql/core/06_workflow.sql)
-- ---------------------------------------------------------------------------

-- Guard of the audit workflow: independence to start, a nonconformity for every nc finding to close.
CREATE FUNCTION iso28000.audit_guard(a iso28000.audit, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text;
    me bigint;
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
        IF missing IS NOT NULL THEN
            RETURN 'a nonconformity for every minor_nc or major_nc finding (none for ' || missing || ')';
        END IF;
        -- who closes is a person independent of the audit, not only its designated auditors
        me := iso28000.acting_person(a.org_id);
        IF me IS NULL THEN
            RETURN 'a person closing it (the session acts for nobody: a person''s own login, or act_as() of a delegated application)';
        END IF;
        missing := iso28000.audit_person_conflict(a.org_id, a.audit_id, me);
        RETURN CASE WHEN missing IS NOT NULL
                    THEN 'a person independent of the audit closing it (' || missing || ')' END;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.audit_guard(iso28000.audit, text, text) IS
  'ISO 28000 9.2.2, 10.2: Workflow guard of audits: to start, no auditor may own a process the audit examines; to close, every minor_nc or major_nc finding must have its nonconformity, and the acting person closing it must be independent of the audit (own no process it examines, not be an auditee); a session acting for nobody cannot close it.';

SELECT iso28000.define_workflow('audit',
  'ISO 28000 9.2: an internal audit from plan to closure (fieldwork, report, closure once every nonconforming finding has its nonconformity).',
  states => $wf$[
    {"state": "planned", "initial": true, "deletable": true, "description": "Planned in the programme, not started."},
    {"state": "in_progress", "requires": {"started_on": "the first day of fieldwork"}, "description": "Fieldwork under way."},
    {"state": "reported", "requires": {"reported_on": "the date of the report", "report": "the audit report or where it is kept", "conclusion": "the audit conclusion"}, "description": "Report issued with its conclusion; nonconformities being raised."},
    {"state": "closed", "terminal": true, "frozen": true, "requires": {"closed_on": "the closing date"}, "description": "Closed: every nonconforming finding has its nonconformity."},
    {"state": "cancelled", "terminal": true, "frozen": true, "requires": {"status_note": "why the audit was cancelled"}, "description": "Cancelled (with the reason)."}
  ]$wf$,
  transitions => $wf$[
    {"from": "planned", "to": "in_progress", "level": "write", "guard": "iso28000.audit_guard(iso28000.audit, text, text)", "note": "9.2.2: fieldwork starts; auditors independent of the processes audited."},
    {"from": "planned", "to": "cancelled", "level": "write", "note": "Audit dropped from the programme."},
    {"from": "in_progress", "to": "reported", "level": "write", "note": "9.2.2: report and conclusion issued."},
    {"from": "in_progress", "to": "cancelled", "level": "write", "note": "Audit abandoned."},
    {"from": "reported", "to": "in_progress", "level": "write", "note": "More fieldwork needed."},
    {"from": "reported", "to": "closed", "level": "audit", "guard": "iso28000.audit_guard(iso28000.audit, text, text)", "note": "9.2.2, 10.2: closed once every nonconforming finding has its nonconformity."}
  ]$wf$,
  builtin => true);

SELECT iso28000.attach_workflow('iso28000.audit', 'audit');
/*
 * sql/clauses/clause09_3_management_review.sql
 *		ISO 28000 9.3, management review: the input checklist (9.3.2),
 *		reviews with their attendees, inputs and results (9.3.3), the input
 *		pack of live data for the period a review covers, and the management
 *		review workflow (rules of the engine in sql/core/06_workflow.sql).
 *
 * The input pack of live data for a review's period, which reads the
 * registers of every clause, is sql/views/review_input_pack.sql; the HTML
 * report of a review is sql/reports/management_review_report.sql.
 * Reference: doc/audit-review.md.
 */

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
SET search_path = pg_catalog, pg_temp
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
COMMENT ON COLUMN iso28000.review_output.review_id IS 'The review.';
COMMENT ON COLUMN iso28000.review_output.kind IS 'decision, action, sms_change, improvement or resource.';
COMMENT ON COLUMN iso28000.review_output.description IS 'What was decided or is to be done.';
COMMENT ON COLUMN iso28000.review_output.owner_id IS 'Person responsible (required for an action).';
COMMENT ON COLUMN iso28000.review_output.due_on IS 'Due date (required for an action).';
COMMENT ON COLUMN iso28000.review_output.done_on IS 'Date the output was carried out (set exactly when status is done).';
COMMENT ON COLUMN iso28000.review_output.status IS 'open, done or cancelled; the next review sees the open and overdue ones (input previous_actions).';

-- ---------------------------------------------------------------------------
-- Workflow (engine: sql/core/06_workflow.sql)
-- ---------------------------------------------------------------------------

-- Guard of the management review workflow: to close, every required input addressed and results recorded.
CREATE FUNCTION iso28000.management_review_guard(r iso28000.management_review, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text;
    me bigint;
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
    -- the conclusion is top management's: the chair closes, as the acting
    -- person, not whoever holds level manage and names the chair
    me := iso28000.acting_person(r.org_id);
    IF me IS DISTINCT FROM r.chair_id THEN
        RETURN format('its chair (person %s) closing it; the acting person is %s', r.chair_id,
                      coalesce('person ' || me, 'nobody (a person''s own login, or act_as() of a delegated application)'));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.management_review_guard(iso28000.management_review, text, text) IS
  'ISO 28000 9.3.2, 9.3.3: Workflow guard of management reviews: to close, every required input of the checklist is addressed, at least one result is recorded, and the acting person is the review''s chair.';

SELECT iso28000.define_workflow('management_review',
  'ISO 28000 9.3: a management review from plan to closure (held, then closed once every required input is addressed and results are recorded).',
  states => $wf$[
    {"state": "planned", "initial": true, "deletable": true, "description": "Planned, not held yet."},
    {"state": "held", "requires": {"minutes": "the minutes of the review"}, "description": "Held; inputs being addressed and results recorded."},
    {"state": "closed", "terminal": true, "frozen": true, "requires": {"conclusion": "the conclusion on the suitability, adequacy and effectiveness of the SMS", "closed_on": "the closing date"}, "description": "Closed: every required input addressed, results recorded."},
    {"state": "cancelled", "terminal": true, "frozen": true, "requires": {"status_note": "why the review was cancelled"}, "description": "Cancelled (with the reason)."}
  ]$wf$,
  transitions => $wf$[
    {"from": "planned", "to": "held", "level": "write", "note": "9.3.1: the review took place."},
    {"from": "planned", "to": "cancelled", "level": "write", "note": "Review cancelled."},
    {"from": "held", "to": "closed", "level": "manage", "guard": "iso28000.management_review_guard(iso28000.management_review, text, text)", "note": "9.3.2, 9.3.3: every required input addressed and results recorded."}
  ]$wf$,
  builtin => true);

SELECT iso28000.attach_workflow('iso28000.management_review', 'management_review');
/*
 * sql/clauses/clause10_improvement.sql
 *		ISO 28000 clause 10: improvement.
 *
 * The improvement register of 10.1, the nonconformities and corrective
 * actions of 10.2 with their workflows, and what links 9.2 audit findings to
 * the nonconformities they raise.
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
                            ('audit_finding', 'incident', 'exercise', 'monitoring', 'complaint', 'management_review', 'other')),
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
  standard                text NOT NULL DEFAULT 'ISO 28000:2022',
  PRIMARY KEY (org_id, nonconformity_id),
  CONSTRAINT nonconformity_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause),
  FOREIGN KEY (org_id, reported_by) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, verified_by) REFERENCES iso28000.person (org_id, person_id)
);
CREATE INDEX nonconformity_status_idx ON iso28000.nonconformity (org_id, status);
COMMENT ON TABLE iso28000.nonconformity IS
  'ISO 28000 10.2: Nonconformities: reaction (correction), cause analysis, corrective actions, review of their effectiveness and the decision on changes to the SMS. Workflow "nonconformity", enforced by iso28000.workflow_guard().';
COMMENT ON COLUMN iso28000.nonconformity.title IS 'Short statement of the nonconformity.';
COMMENT ON COLUMN iso28000.nonconformity.description IS 'What was found, where and how (the evidence).';
COMMENT ON COLUMN iso28000.nonconformity.source IS 'Where it came from: audit_finding, incident, exercise (of a security plan), monitoring, complaint, management_review or other.';
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
COMMENT ON COLUMN iso28000.nonconformity.standard IS 'Standard of the clause not fulfilled (default ISO 28000:2022; a nonconformity raised by an audit finding takes the finding''s).';
SELECT iso28000.register_table('iso28000.nonconformity');
-- Who approved / verified / accepted is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.nonconformity
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('verified_by:verified');

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
CREATE FUNCTION iso28000.nonconformity_actions_planned_guard(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN (SELECT CASE WHEN NOT EXISTS (
           SELECT 1 FROM iso28000.corrective_action ca
            WHERE ca.org_id = r.org_id AND ca.nonconformity_id = r.nonconformity_id
              AND ca.status <> 'cancelled' AND ca.owner_id IS NOT NULL AND ca.due_on IS NOT NULL)
         THEN 'at least one live corrective action with an owner and a due date' END);
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_actions_planned_guard(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 c): refuses action_planned until the nonconformity has a live corrective action with an owner and a due date.';

-- Guard: action_taken needs every live corrective action done (and one at least).
CREATE FUNCTION iso28000.nonconformity_actions_done_guard(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN (SELECT CASE
           WHEN count(*) FILTER (WHERE ca.status NOT IN ('done', 'cancelled')) > 0
             THEN 'every live corrective action done (still open: '
                  || string_agg(ca.corrective_action_id::text, ', ' ORDER BY ca.corrective_action_id)
                       FILTER (WHERE ca.status NOT IN ('done', 'cancelled')) || ')'
           WHEN count(*) FILTER (WHERE ca.status = 'done') = 0
             THEN 'at least one corrective action done'
         END
    FROM iso28000.corrective_action ca
   WHERE ca.org_id = r.org_id AND ca.nonconformity_id = r.nonconformity_id);
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_actions_done_guard(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 c): refuses action_taken while a live corrective action of the nonconformity is not done, or when none is done.';

-- Guard: the effectiveness reviewer owns none of the corrective actions.
CREATE FUNCTION iso28000.nonconformity_verifier_independent_guard(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN (SELECT 'a verifier who owns none of its corrective actions (person ' || r.verified_by
         || ' owns corrective action ' || min(ca.corrective_action_id) || ')'
    FROM iso28000.corrective_action ca
   WHERE ca.org_id = r.org_id AND ca.nonconformity_id = r.nonconformity_id
     AND ca.owner_id = r.verified_by
  HAVING count(*) > 0);
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_verifier_independent_guard(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 d): refuses verified when the person who reviewed effectiveness owns one of the nonconformity''s corrective actions (segregation of duties).';

-- Guard: closing with an SMS change needs the change described.
CREATE FUNCTION iso28000.nonconformity_sms_decision_guard(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN r.sms_change_needed AND coalesce(btrim(r.sms_change_note), '') = ''
              THEN 'the change to make to the SMS (sms_change_note), since sms_change_needed is true' END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_sms_decision_guard(iso28000.nonconformity, text, text) IS
  'Workflow guard (10.2 e): refuses closed when the SMS must change but the change is not described.';

-- Guard: a done corrective action is reopened only after its nonconformity's
-- verification found the actions ineffective (it is back in analysis or planning).
CREATE FUNCTION iso28000.corrective_action_reopen_guard(r iso28000.corrective_action, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus plans the query of a guard that runs on a
  -- shard only with PL/pgSQL parameters (doc/distribution.md).
  RETURN (SELECT CASE WHEN n.status NOT IN ('cause_analysed', 'action_planned')
              THEN 'its nonconformity sent back to cause_analysed as ineffective (it is ' || n.status || ')' END
    FROM iso28000.nonconformity n
   WHERE n.org_id = r.org_id AND n.nonconformity_id = r.nonconformity_id);
END
$$;
COMMENT ON FUNCTION iso28000.corrective_action_reopen_guard(iso28000.corrective_action, text, text) IS
  'Workflow guard (10.2 d): a done corrective action goes back to in_progress only while its nonconformity is back in cause_analysed or action_planned after an ineffective verification.';

-- The nonconformity and corrective-action workflows (engine: sql/core/06_workflow.sql).
SELECT iso28000.define_workflow('nonconformity',
  'ISO 28000 10.2: a nonconformity from report to closure (react, evaluate the cause, act, review effectiveness, change the SMS if needed).',
  states => $wf$[
    {"state": "reported", "initial": true, "deletable": true, "description": "Reported, not yet dealt with."},
    {"state": "rejected", "terminal": true, "frozen": true, "requires": {"rejection_reason": "why it is not a nonconformity"}, "description": "Not a nonconformity (with the reason)."},
    {"state": "contained", "requires": {"correction": "10.2 a: what was done to control and correct it and deal with the consequences"}, "description": "10.2 a: reacted: action taken to control and correct it and to deal with the consequences."},
    {"state": "cause_analysed", "requires": {"root_cause": "10.2 b: the cause", "analysis_method": "10.2 b: the method of the cause analysis", "similar_nonconformities": "10.2 b: whether similar nonconformities exist or could occur"}, "description": "10.2 b: causes determined, and whether similar nonconformities exist or could occur."},
    {"state": "action_planned", "description": "10.2 c: corrective actions planned, each with an owner and a due date."},
    {"state": "action_taken", "description": "10.2 c: every live corrective action done."},
    {"state": "verified", "requires": {"effectiveness_review": "10.2 d: the review of the effectiveness of the actions", "verified_by": "10.2 d: the person who reviewed effectiveness", "verified_on": "10.2 d: the date of the review"}, "description": "10.2 d: effectiveness reviewed by someone who owns none of its corrective actions."},
    {"state": "closed", "terminal": true, "frozen": true, "requires": {"sms_change_needed": "10.2 e: the decision whether the SMS must change"}, "description": "10.2 e: closed with the decision whether the SMS must change; frozen until reopened."}
  ]$wf$,
  transitions => $wf$[
    {"from": "reported", "to": "contained", "level": "write", "note": "10.2 a: correction taken."},
    {"from": "reported", "to": "rejected", "level": "audit", "note": "Not a nonconformity."},
    {"from": "contained", "to": "cause_analysed", "level": "write", "note": "10.2 b: cause analysed."},
    {"from": "cause_analysed", "to": "action_planned", "level": "write", "guard": "iso28000.nonconformity_actions_planned_guard(iso28000.nonconformity, text, text)", "note": "10.2 c: corrective actions planned."},
    {"from": "action_planned", "to": "action_taken", "level": "write", "guard": "iso28000.nonconformity_actions_done_guard(iso28000.nonconformity, text, text)", "note": "10.2 c: corrective actions done."},
    {"from": "action_taken", "to": "verified", "level": "audit", "guard": "iso28000.nonconformity_verifier_independent_guard(iso28000.nonconformity, text, text)", "note": "10.2 d: effectiveness reviewed."},
    {"from": "action_taken", "to": "cause_analysed", "level": "audit", "note": "10.2 d: actions found ineffective: back to the analysis (a recurrence)."},
    {"from": "verified", "to": "closed", "level": "audit", "guard": "iso28000.nonconformity_sms_decision_guard(iso28000.nonconformity, text, text)", "note": "10.2 e: closed with the decision on SMS changes."},
    {"from": "closed", "to": "cause_analysed", "level": "manage", "note": "Reopened."}
  ]$wf$,
  builtin => true);

SELECT iso28000.define_workflow('corrective_action',
  'ISO 28000 10.2 c: a corrective action of a nonconformity, from plan to completion.',
  states => $wf$[
    {"state": "planned", "initial": true, "deletable": true, "requires": {"owner_id": "the owner", "due_on": "the due date"}, "description": "Planned with an owner and a due date."},
    {"state": "in_progress", "description": "Being implemented."},
    {"state": "done", "requires": {"completed_on": "the completion date", "evidence": "the evidence of completion"}, "description": "Completed, with the completion date and the evidence."},
    {"state": "cancelled", "terminal": true, "frozen": true, "requires": {"cancel_reason": "the reason for cancelling"}, "description": "Cancelled, with the reason."}
  ]$wf$,
  transitions => $wf$[
    {"from": "planned", "to": "in_progress", "level": "write", "note": "Work started."},
    {"from": "planned", "to": "done", "level": "write", "note": "Completed at once."},
    {"from": "in_progress", "to": "done", "level": "write", "note": "Completed."},
    {"from": "planned", "to": "cancelled", "level": "write", "note": "Cancelled with a reason."},
    {"from": "in_progress", "to": "cancelled", "level": "write", "note": "Cancelled with a reason."},
    {"from": "done", "to": "in_progress", "level": "write", "guard": "iso28000.corrective_action_reopen_guard(iso28000.corrective_action, text, text)", "note": "Reopened: its nonconformity's verification found it ineffective."}
  ]$wf$,
  builtin => true);

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
            DETAIL = 'A corrective action belongs to the nonconformity it was planned for.',
            HINT = 'Cancel it and plan a new corrective action on the other nonconformity.',
            SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'nonconformity_id';
  END IF;
  SELECT n.status INTO nc_status FROM iso28000.nonconformity n
   WHERE n.org_id = rec.org_id AND n.nonconformity_id = rec.nonconformity_id
     FOR SHARE;
  IF nc_status IN ('verified', 'closed', 'rejected') THEN
    RAISE EXCEPTION 'corrective action % cannot change: nonconformity % is %',
                    coalesce(rec.corrective_action_id::text, '(new)'), rec.nonconformity_id, nc_status
      USING ERRCODE = 'IS150',
            DETAIL = 'The corrective actions of a verified, closed or rejected nonconformity are frozen with it.',
            HINT = 'Reopen the nonconformity (closed to cause_analysed) first.',
            SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'nonconformity_id';
  END IF;
  IF nc_status = 'action_taken' AND TG_OP <> 'DELETE' AND rec.status NOT IN ('done', 'cancelled') THEN
    RAISE EXCEPTION 'corrective action % cannot be % while nonconformity % is action_taken',
                    coalesce(rec.corrective_action_id::text, '(new)'),
                    CASE WHEN TG_OP = 'INSERT' THEN 'added' ELSE rec.status END, rec.nonconformity_id
      USING ERRCODE = 'IS151',
            DETAIL = 'Every live corrective action of a nonconformity in action_taken is done.',
            HINT = 'If verification finds the actions ineffective, move the nonconformity back to cause_analysed first.',
            SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'nonconformity_id';
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
    why := iso28000.nonconformity_verifier_independent_guard(NEW, OLD.status, NEW.status);
    IF why IS NOT NULL THEN
      RAISE EXCEPTION 'iso28000.nonconformity (org_id, nonconformity_id)=(%, %) cannot stay in "verified" with this verifier: %',
                      NEW.org_id, NEW.nonconformity_id, why
        USING ERRCODE = 'IS104',
              DETAIL = 'The verifier of a verified nonconformity owns none of its corrective actions (ISO 28000 10.2 d).',
              HINT = 'Choose a verifier who owns none of its corrective actions.',
              SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'verified_by';
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
  description text DEFAULT NULL, detected_on date DEFAULT current_date,
  standard text DEFAULT 'ISO 28000:2022')
RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO iso28000.nonconformity (org_id, title, severity, source, source_ref, clause, description,
                                      detected_on, reported_by, standard)
  VALUES (org, title, severity, source, source_ref, clause::iso28000.clause_ref, description, detected_on,
          iso28000.current_person(org), standard)
  RETURNING nonconformity_id
$$;
COMMENT ON FUNCTION iso28000.raise_nonconformity(bigint, text, text, text, text, text, text, date, text) IS
  'Records a nonconformity in state reported, reported by the current person; returns its id. The clause is text (cast to clause_ref, 22P02 if malformed) of the standard given (default ISO 28000:2022; 23503 for a clause the standard lacks).';

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
COMMENT ON COLUMN iso28000.nonconformity_deadline.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_deadline.days_to_contain IS 'Days from detection to containment (contained).';
COMMENT ON COLUMN iso28000.nonconformity_deadline.days_to_close IS 'Days from detection to closure.';
COMMENT ON COLUMN iso28000.nonconformity_deadline.escalate_after IS 'Days past a deadline after which the nonconformity is escalated to top management.';
SELECT iso28000.register_table('iso28000.nonconformity_deadline');

/* ---------------------------------------------------------------------------
 * Views for people and BI
 * ------------------------------------------------------------------------- */

-- The deadlines as two plain joins (the defaults, a reference table on Citus,
-- and the organisation's own, co-located): a lateral sub-select over both
-- crashed Citus 13.2's planner when a member aggregated over the flags
-- (doc/distribution.md).
CREATE VIEW iso28000.nonconformity_open WITH (security_invoker = true) AS
SELECT n.org_id, n.nonconformity_id, n.title, n.severity, n.source,
       n.clause::text AS clause, iso28000.sort_key(n.clause) AS clause_sort, n.status,
       n.owner_id, n.detected_on,
       current_date - n.detected_on AS age_days,
       (current_date - coalesce(n.status_changed_at, n.created_at)::date) AS days_in_state,
       n.detected_on + coalesce(o.days_to_contain, g.days_to_contain) AS contain_due_on,
       n.detected_on + coalesce(o.days_to_close, g.days_to_close) AS close_due_on,
       (n.status = 'reported' AND current_date > n.detected_on + coalesce(o.days_to_contain, g.days_to_contain)) AS contain_overdue,
       (current_date > n.detected_on + coalesce(o.days_to_close, g.days_to_close)) AS close_overdue,
       ((n.status = 'reported'
         AND current_date > n.detected_on + coalesce(o.days_to_contain, g.days_to_contain) + coalesce(o.escalate_after, g.escalate_after))
         OR current_date > n.detected_on + coalesce(o.days_to_close, g.days_to_close) + coalesce(o.escalate_after, g.escalate_after)) AS escalated,
       (SELECT count(*) FROM iso28000.corrective_action ca
         WHERE ca.org_id = n.org_id AND ca.nonconformity_id = n.nonconformity_id
           AND ca.status IN ('planned', 'in_progress')) AS open_actions,
       n.standard
  FROM iso28000.nonconformity n
  JOIN iso28000.nonconformity_deadline_default g ON g.severity = n.severity
  LEFT JOIN iso28000.nonconformity_deadline o ON o.org_id = n.org_id AND o.severity = n.severity
 WHERE n.status NOT IN ('closed', 'rejected');
COMMENT ON VIEW iso28000.nonconformity_open IS
  'ISO 28000 10.2, 9.1: Open nonconformities by state, with their age, their deadlines (nonconformity_deadline, else the defaults) and overdue and escalation flags.';
COMMENT ON COLUMN iso28000.nonconformity_open.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.nonconformity_open.nonconformity_id IS 'The nonconformity.';
COMMENT ON COLUMN iso28000.nonconformity_open.title IS 'Short statement.';
COMMENT ON COLUMN iso28000.nonconformity_open.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_open.source IS 'Where it came from.';
COMMENT ON COLUMN iso28000.nonconformity_open.clause IS 'Clause not fulfilled, as text.';
COMMENT ON COLUMN iso28000.nonconformity_open.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
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
COMMENT ON COLUMN iso28000.nonconformity_open.standard IS 'Standard of the clause not fulfilled.';
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
SELECT n.org_id, n.nonconformity_id, n.title, n.clause::text AS clause,
       iso28000.sort_key(n.clause) AS clause_sort, n.severity, n.status,
       count(*) FILTER (WHERE e.from_state = 'action_taken' AND e.to_state = 'cause_analysed') AS ineffective_count,
       count(*) FILTER (WHERE e.from_state = 'closed' AND e.to_state = 'cause_analysed') AS reopen_count,
       max(e.occurred_at) AS last_recurrence_at, n.standard
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
COMMENT ON COLUMN iso28000.nonconformity_recurrence.clause IS 'Clause not fulfilled, as text.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.severity IS 'minor or major.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.status IS 'Current state.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.ineffective_count IS 'Times verification found its actions ineffective.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.reopen_count IS 'Times it was reopened after closure.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.last_recurrence_at IS 'When it last came back.';
COMMENT ON COLUMN iso28000.nonconformity_recurrence.standard IS 'Standard of the clause not fulfilled.';
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
                      ('audit_finding', 'management_review', 'monitoring', 'nonconformity', 'incident', 'exercise', 'suggestion', 'other')),
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
  standard          text NOT NULL DEFAULT 'ISO 28000:2022' CONSTRAINT improvement_standard_fk REFERENCES iso28000.standard,
  PRIMARY KEY (org_id, improvement_id),
  CONSTRAINT improvement_clause_fk FOREIGN KEY (standard, clause) REFERENCES iso28000.clause (standard, clause),
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES iso28000.nonconformity (org_id, nonconformity_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id)
);
COMMENT ON TABLE iso28000.improvement IS
  'ISO 28000 10.1: Opportunities to improve the suitability, adequacy and effectiveness of the SMS, from proposal to the review of their outcome. Workflow "improvement".';
COMMENT ON COLUMN iso28000.improvement.title IS 'The improvement.';
COMMENT ON COLUMN iso28000.improvement.description IS 'Details.';
COMMENT ON COLUMN iso28000.improvement.source IS 'Where it came from: audit_finding, management_review, monitoring, nonconformity, incident, exercise (of a security plan), suggestion or other.';
COMMENT ON COLUMN iso28000.improvement.clause IS 'Clause of the SMS it improves.';
COMMENT ON COLUMN iso28000.improvement.standard IS 'Standard of the clause it improves (default ISO 28000:2022); (standard, clause) is a clause of the catalog when a clause is given.';
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

SELECT iso28000.define_workflow('improvement',
  'ISO 28000 10.1: an improvement from proposal to the review of its outcome.',
  states => $wf$[
    {"state": "proposed", "initial": true, "deletable": true, "description": "Proposed."},
    {"state": "approved", "requires": {"owner_id": "the owner", "expected_benefit": "the expected benefit"}, "description": "Approved, with an owner and the expected benefit."},
    {"state": "implemented", "requires": {"implemented_on": "the date implemented"}, "description": "Implemented."},
    {"state": "reviewed", "terminal": true, "frozen": true, "requires": {"outcome": "the review of the outcome"}, "description": "Outcome reviewed."},
    {"state": "rejected", "terminal": true, "frozen": true, "requires": {"rejection_reason": "why it is not pursued"}, "description": "Not pursued, with the reason."}
  ]$wf$,
  transitions => $wf$[
    {"from": "proposed", "to": "approved", "level": "manage", "note": "Approved by management."},
    {"from": "proposed", "to": "rejected", "level": "manage", "note": "Not pursued."},
    {"from": "approved", "to": "implemented", "level": "write", "note": "Implemented."},
    {"from": "approved", "to": "rejected", "level": "manage", "note": "Dropped after approval."},
    {"from": "implemented", "to": "reviewed", "level": "audit", "note": "Outcome reviewed."}
  ]$wf$,
  builtin => true);
SELECT iso28000.attach_workflow('iso28000.improvement', 'improvement');

/* ---------------------------------------------------------------------------
 * 9.2 -> 10.2 Audit findings raise their nonconformities
 * ------------------------------------------------------------------------- */

-- Standard's order: 9.2 audit findings precede the 10.2 nonconformities they raise, so their link is declared here.
ALTER TABLE iso28000.audit_finding
  ADD CONSTRAINT audit_finding_nonconformity_fk FOREIGN KEY (org_id, nonconformity_id)
      REFERENCES iso28000.nonconformity (org_id, nonconformity_id);

-- Raises the nonconformity of a minor_nc or major_nc finding (source audit_finding, severity from the grade).
CREATE FUNCTION iso28000.audit_finding_raise_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lead bigint;
    audit_title text;
BEGIN
    IF NEW.grade NOT IN ('minor_nc', 'major_nc') OR NEW.nonconformity_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT a.lead_auditor_id, a.title INTO lead, audit_title
      FROM iso28000.audit a WHERE a.org_id = NEW.org_id AND a.audit_id = NEW.audit_id;
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by, standard)
    VALUES (NEW.org_id,
            left(format('Audit finding on %s: %s', NEW.clause, NEW.statement), 200),
            concat_ws(E'\n', NEW.statement, 'Evidence: ' || NEW.evidence, 'Audit: ' || audit_title),
            'audit_finding', format('audit %s, finding %s', NEW.audit_id, NEW.finding_id),
            NEW.clause, CASE NEW.grade WHEN 'major_nc' THEN 'major' ELSE 'minor' END,
            NEW.found_on, lead, NEW.standard)
    RETURNING nonconformity_id INTO NEW.nonconformity_id;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.audit_finding_raise_nonconformity() IS
  'Trigger: a finding graded minor_nc or major_nc (inserted, or regraded to one) without a nonconformity raises one in iso28000.nonconformity (source audit_finding, severity minor or major from the grade, reported by the lead auditor) and records its key in the finding.';
CREATE TRIGGER audit_finding_raise_nonconformity
    BEFORE INSERT OR UPDATE OF grade ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_raise_nonconformity();

-- A nonconformity raised by an audit finding is judged by people independent
-- of that audit (ISO 28000 9.2.2, 10.2; ISO 19011 6.4.8: diverging opinions
-- between auditee and audit team are recorded, not decided by the auditee;
-- 6.7: the completion and effectiveness of the actions that follow an audit
-- are verified).  Whoever is examined by the audit (owns a process it
-- examines, works in one, or is one of its auditees) may not
--   - reject it ("not a nonconformity"): the acting person (IS157);
--   - verify the effectiveness of its corrective actions: the verifier,
--     verified_by, which the engine stamps with the acting person (IS161);
--     this adds to the rule of the verifier guard (the verifier owns none of
--     its corrective actions), and holds while the record stays verified, as
--     nonconformity_keep_verifier_independent holds that one;
--   - close it with the decision on changes to the SMS: the acting person
--     (IS162).
-- The auditor who found it may verify and close it (the follow-up of his
-- audit).  A session acting for nobody is refused all three; a role with
-- the privileges of the extension's owner is let through.
CREATE FUNCTION iso28000.nonconformity_audit_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
    who bigint;
    conflict text;
    r record;
BEGIN
    IF iso28000._has_owner_privileges() THEN
        RETURN NEW;
    END IF;
    me := iso28000.acting_person(NEW.org_id);
    who := CASE WHEN NEW.status = 'verified' THEN NEW.verified_by ELSE me END;
    FOR r IN SELECT f.audit_id, f.finding_id FROM iso28000.audit_finding f
              WHERE f.org_id = NEW.org_id AND f.nonconformity_id = NEW.nonconformity_id ORDER BY f.finding_id LOOP
        conflict := CASE WHEN who IS NULL AND NEW.status = 'verified' THEN 'no verifier: the session acts for no person'
                         WHEN who IS NULL THEN 'the session acts for no person'
                         ELSE iso28000.audit_person_conflict(NEW.org_id, r.audit_id, who) END;
        CONTINUE WHEN conflict IS NULL;
        RAISE EXCEPTION 'nonconformity % of organisation % was raised by finding % of audit %: only a person independent of that audit may % it (%)',
                        NEW.nonconformity_id, NEW.org_id, r.finding_id, r.audit_id,
                        CASE NEW.status WHEN 'rejected' THEN 'reject' WHEN 'verified' THEN 'verify' ELSE 'close' END, conflict
              USING ERRCODE = CASE NEW.status WHEN 'rejected' THEN 'IS157' WHEN 'verified' THEN 'IS161' ELSE 'IS162' END,
                    DETAIL = CASE NEW.status
                               WHEN 'rejected' THEN 'Who is examined by an audit may not dismiss its findings (ISO 28000 9.2.2, 10.2).'
                               WHEN 'verified' THEN 'Who is examined by an audit may not judge the effectiveness of the actions taken on its findings (ISO 28000 9.2.2, 10.2 d); the verifier must also own none of the corrective actions.'
                               ELSE 'Who is examined by an audit may not close what its findings raised, nor decide alone whether the SMS must change (ISO 28000 9.2.2, 10.2 e).' END,
                    HINT = CASE NEW.status
                             WHEN 'rejected' THEN 'A person independent of the audit (its lead auditor, a manager) decides whether it is a nonconformity; the auditee records his view in the description or a note.'
                             WHEN 'verified' THEN 'An auditor of the audit, or another person independent of it, reviews the effectiveness.'
                             ELSE 'An auditor of the audit, a manager or another person independent of it closes it.' END,
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                    COLUMN = CASE NEW.status WHEN 'verified' THEN 'verified_by' ELSE 'status' END;
    END LOOP;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_audit_independent() IS
  'Trigger on nonconformity (BEFORE UPDATE: entering rejected, verified or closed, or a new verifier of a verified one): a nonconformity raised by an audit finding is rejected (IS157) and closed (IS162) only by an acting person independent of that audit, and verified only by a verifier independent of it (IS161); a session acting for nobody is refused; roles with the privileges of the extension''s owner are let through.';
CREATE TRIGGER nonconformity_audit_independent
    BEFORE UPDATE OF status, verified_by ON iso28000.nonconformity
    FOR EACH ROW WHEN ((NEW.status = 'rejected' AND OLD.status IS DISTINCT FROM 'rejected')
                       OR (NEW.status = 'verified' AND (OLD.status IS DISTINCT FROM 'verified' OR NEW.verified_by IS DISTINCT FROM OLD.verified_by))
                       OR (NEW.status = 'closed' AND OLD.status IS DISTINCT FROM 'closed'))
    EXECUTE FUNCTION iso28000.nonconformity_audit_independent();
/*
 * sql/clauses/clause10_2_incidents.sql
 *		ISO 28000 8.6, 9.1, 10.2: security incidents and events, from report to
 *		closure, and what they (and the exercises of 8.6) feed into improvement.
 *
 * The incident register has its own workflow on the engine
 * (sql/core/06_workflow.sql):
 *
 *   reported -> triaged -> contained -> investigated -> lessons_learned -> closed
 *       |           |
 *       +-----------+--> dismissed (a non-event, with the reason)
 *
 * Around it: a timeline of entries, the nodes (sites among them), processes
 * and risks involved, the security plan activated, and a log of the
 * notifications actually sent to authorities and partners (beside the
 * communication plan of 7.4).  An incident closes only with its lessons
 * learned and a decision on each linked risk (re-assess or confirmed, a
 * re-assessed risk assessed again since the incident); the guard refuses
 * with IS500, IS501 or IS502, and the risks, nodes and processes of a closed
 * or dismissed incident no longer change (IS503).  An incident or a held
 * exercise raises a nonconformity (10.2) or an improvement (10.1) with the
 * link kept in nonconformity.incident_id / exercise_id and improvement.incident_id /
 * exercise_id (IS504 to IS506).
 *
 * The file follows clause 10 (sql/install-order) because the incident links
 * to the nonconformities and improvements it raises.
 */

CREATE TABLE iso28000.security_incident (
    org_id                bigint NOT NULL REFERENCES iso28000.organization,
    incident_id           bigint GENERATED ALWAYS AS IDENTITY,
    reference             text,
    kind                  text NOT NULL DEFAULT 'incident'
                          CONSTRAINT security_incident_kind_valid CHECK (kind IN ('incident', 'event', 'near_miss')),
    title                 text NOT NULL CONSTRAINT security_incident_title_present CHECK (btrim(title) <> ''),
    description           text,
    severity              text NOT NULL
                          CONSTRAINT security_incident_severity_valid CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    threat_scenario_id    bigint,
    security_plan_id      bigint,
    plan_activated_at     timestamptz,
    occurred_at           timestamptz,
    detected_at           timestamptz NOT NULL DEFAULT now(),
    reported_at           timestamptz NOT NULL DEFAULT now(),
    reported_by           bigint,
    owner_id              bigint,
    authority_notification_required boolean NOT NULL DEFAULT false,
    authority_notify_by   timestamptz,
    status                text NOT NULL DEFAULT 'reported',
    triage_note           text,
    containment           text,
    contained_at          timestamptz,
    investigation         text,
    lessons_learned       text,
    dismissal_reason      text,
    status_changed_at     timestamptz,
    status_changed_by     name,
    status_note           text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, incident_id),
    CONSTRAINT security_incident_reference_unique UNIQUE (org_id, reference),
    FOREIGN KEY (org_id, threat_scenario_id) REFERENCES iso28000.threat_scenario (org_id, threat_scenario_id),
    FOREIGN KEY (org_id, security_plan_id) REFERENCES iso28000.security_plan (org_id, security_plan_id),
    FOREIGN KEY (org_id, reported_by) REFERENCES iso28000.person (org_id, person_id),
    FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT security_incident_detected_after_occurred CHECK (detected_at >= occurred_at),
    CONSTRAINT security_incident_reported_after_detected CHECK (reported_at >= detected_at),
    CONSTRAINT security_incident_contained_after_detected CHECK (contained_at >= detected_at),
    CONSTRAINT security_incident_activation_needs_plan CHECK (plan_activated_at IS NULL OR security_plan_id IS NOT NULL),
    CONSTRAINT security_incident_notify_by_needs_requirement CHECK (authority_notify_by IS NULL OR authority_notification_required)
);
CREATE INDEX security_incident_status_idx ON iso28000.security_incident (org_id, status);
SELECT iso28000.register_table('iso28000.security_incident');
COMMENT ON TABLE iso28000.security_incident IS
  'ISO 28000 8.6, 9.1, 10.2: Security incidents and events (and near misses) from report to closure: severity, the scenario and the security plan activated, containment, investigation and lessons learned, and whether an authority must be notified. Workflow "security_incident": reported, triaged, contained, investigated, lessons_learned, closed, or dismissed as a non-event.';
COMMENT ON COLUMN iso28000.security_incident.reference IS 'The organisation''s own reference (for example INC-2026-014), unique when given.';
COMMENT ON COLUMN iso28000.security_incident.kind IS 'incident (harm done or attempted), event (a security-relevant occurrence) or near_miss.';
COMMENT ON COLUMN iso28000.security_incident.title IS 'Short statement of what happened (required).';
COMMENT ON COLUMN iso28000.security_incident.description IS 'What happened, where, to what, as first reported.';
COMMENT ON COLUMN iso28000.security_incident.severity IS 'low, medium, high or critical.';
COMMENT ON COLUMN iso28000.security_incident.threat_scenario_id IS 'The scenario of the catalog (threat_scenario) it matches, if any.';
COMMENT ON COLUMN iso28000.security_incident.security_plan_id IS '8.6: the security plan activated for it, if any.';
COMMENT ON COLUMN iso28000.security_incident.plan_activated_at IS '8.6: when the plan was activated; needs security_plan_id.';
COMMENT ON COLUMN iso28000.security_incident.occurred_at IS 'When it happened, if known; not after detected_at.';
COMMENT ON COLUMN iso28000.security_incident.detected_at IS 'When it was detected; not after reported_at.';
COMMENT ON COLUMN iso28000.security_incident.reported_at IS 'When it was reported into the register; its age counts from here.';
COMMENT ON COLUMN iso28000.security_incident.reported_by IS 'Person who reported it (who observed it, not necessarily who typed it in).';
COMMENT ON COLUMN iso28000.security_incident.owner_id IS 'Person who handles the incident (needed to triage it).';
COMMENT ON COLUMN iso28000.security_incident.authority_notification_required IS 'True when a law, a regulation or a contract requires notifying an authority (view incident_notification_due).';
COMMENT ON COLUMN iso28000.security_incident.authority_notify_by IS 'Deadline of the authority notification; only when one is required.';
COMMENT ON COLUMN iso28000.security_incident.status IS 'Workflow state: reported, triaged, contained, investigated, lessons_learned, closed, dismissed.';
COMMENT ON COLUMN iso28000.security_incident.triage_note IS 'What the triage decided (severity, owner, plan to activate).';
COMMENT ON COLUMN iso28000.security_incident.containment IS 'What was done to contain it and limit its consequences (needed to enter contained).';
COMMENT ON COLUMN iso28000.security_incident.contained_at IS 'When it was contained (needed to enter contained); not before detected_at.';
COMMENT ON COLUMN iso28000.security_incident.investigation IS 'What the investigation found: how it happened and its causes (needed to enter investigated).';
COMMENT ON COLUMN iso28000.security_incident.lessons_learned IS '10.2: the lessons learned and what changes because of them (needed to enter lessons_learned and to close).';
COMMENT ON COLUMN iso28000.security_incident.dismissal_reason IS 'Why it is not a security incident or event (needed to enter dismissed).';
COMMENT ON COLUMN iso28000.security_incident.status_changed_at IS 'When the status last changed (set by the workflow engine).';
COMMENT ON COLUMN iso28000.security_incident.status_changed_by IS 'Role that last changed the status (set by the workflow engine).';
COMMENT ON COLUMN iso28000.security_incident.status_note IS 'Note of the last transition, copied into the workflow event log.';
COMMENT ON COLUMN iso28000.security_incident.created_at IS 'When the record was created.';

-- The timeline of an incident: what was observed, done, decided, communicated, when.
CREATE TABLE iso28000.incident_timeline_entry (
    org_id            bigint NOT NULL REFERENCES iso28000.organization,
    timeline_entry_id bigint GENERATED ALWAYS AS IDENTITY,
    incident_id       bigint NOT NULL,
    occurred_at       timestamptz NOT NULL DEFAULT now(),
    kind              text NOT NULL DEFAULT 'observation'
                      CONSTRAINT incident_timeline_entry_kind_valid CHECK (kind IN
                        ('observation', 'action', 'decision', 'communication', 'other')),
    entry             text NOT NULL CONSTRAINT incident_timeline_entry_text_present CHECK (btrim(entry) <> ''),
    author_id         bigint,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, timeline_entry_id),
    FOREIGN KEY (org_id, incident_id) REFERENCES iso28000.security_incident (org_id, incident_id),
    FOREIGN KEY (org_id, author_id) REFERENCES iso28000.person (org_id, person_id)
);
CREATE INDEX incident_timeline_entry_incident_idx ON iso28000.incident_timeline_entry (org_id, incident_id, occurred_at);
SELECT iso28000.register_table('iso28000.incident_timeline_entry');
COMMENT ON TABLE iso28000.incident_timeline_entry IS
  'ISO 28000 8.6, 10.2: The timeline of a security incident: each observation, action, decision or communication with the time it happened and who made it.';
COMMENT ON COLUMN iso28000.incident_timeline_entry.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_timeline_entry.occurred_at IS 'When it happened (not when it was typed in: see created_at).';
COMMENT ON COLUMN iso28000.incident_timeline_entry.kind IS 'observation, action, decision, communication or other.';
COMMENT ON COLUMN iso28000.incident_timeline_entry.entry IS 'What happened (required).';
COMMENT ON COLUMN iso28000.incident_timeline_entry.author_id IS 'Person who observed, did or decided it.';
COMMENT ON COLUMN iso28000.incident_timeline_entry.created_at IS 'When the entry was recorded.';

-- The supply-chain nodes (sites among them) an incident involved.
CREATE TABLE iso28000.incident_node (
    org_id           bigint NOT NULL REFERENCES iso28000.organization,
    incident_node_id bigint GENERATED ALWAYS AS IDENTITY,
    incident_id      bigint NOT NULL,
    node_id          bigint NOT NULL,
    role             text NOT NULL DEFAULT 'affected'
                     CONSTRAINT incident_node_role_valid CHECK (role IN ('site', 'affected', 'origin', 'involved')),
    PRIMARY KEY (org_id, incident_node_id),
    CONSTRAINT incident_node_once UNIQUE (org_id, incident_id, node_id),
    FOREIGN KEY (org_id, incident_id) REFERENCES iso28000.security_incident (org_id, incident_id),
    FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id)
);
CREATE INDEX incident_node_node_idx ON iso28000.incident_node (org_id, node_id);
SELECT iso28000.register_table('iso28000.incident_node');
COMMENT ON TABLE iso28000.incident_node IS
  'ISO 28000 8.2, 8.6: The supply-chain nodes a security incident involved: the site where it happened, the nodes it affected, the node it came from.';
COMMENT ON COLUMN iso28000.incident_node.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_node.node_id IS 'The node (supply_chain_node).';
COMMENT ON COLUMN iso28000.incident_node.role IS 'site (where it happened), affected, origin (where it came from) or involved.';

-- The processes of the SMS an incident involved.
CREATE TABLE iso28000.incident_process (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    incident_process_id bigint GENERATED ALWAYS AS IDENTITY,
    incident_id         bigint NOT NULL,
    sms_process_id      bigint NOT NULL,
    PRIMARY KEY (org_id, incident_process_id),
    CONSTRAINT incident_process_once UNIQUE (org_id, incident_id, sms_process_id),
    FOREIGN KEY (org_id, incident_id) REFERENCES iso28000.security_incident (org_id, incident_id),
    FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id)
);
SELECT iso28000.register_table('iso28000.incident_process');
COMMENT ON TABLE iso28000.incident_process IS
  'ISO 28000 4.4, 8.6: The processes of the SMS a security incident involved.';
COMMENT ON COLUMN iso28000.incident_process.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_process.sms_process_id IS 'The process (sms_process).';

-- The risks an incident bears on, and the decision taken on each.
CREATE TABLE iso28000.incident_risk (
    org_id           bigint NOT NULL REFERENCES iso28000.organization,
    incident_risk_id bigint GENERATED ALWAYS AS IDENTITY,
    incident_id      bigint NOT NULL,
    risk_id          bigint NOT NULL,
    decision         text CONSTRAINT incident_risk_decision_valid CHECK (decision IN ('reassess', 'confirmed')),
    decision_note    text,
    decided_by       bigint,
    decided_on       date,
    PRIMARY KEY (org_id, incident_risk_id),
    CONSTRAINT incident_risk_once UNIQUE (org_id, incident_id, risk_id),
    FOREIGN KEY (org_id, incident_id) REFERENCES iso28000.security_incident (org_id, incident_id),
    FOREIGN KEY (org_id, risk_id) REFERENCES iso28000.risk (org_id, risk_id),
    FOREIGN KEY (org_id, decided_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT incident_risk_decision_complete CHECK ((decision IS NULL) = (decided_on IS NULL))
);
CREATE INDEX incident_risk_risk_idx ON iso28000.incident_risk (org_id, risk_id);
SELECT iso28000.register_table('iso28000.incident_risk');
-- Who decided is the acting person (stamp_acting_person, sql/core/07_register.sql).
CREATE TRIGGER actor_stamp BEFORE INSERT OR UPDATE ON iso28000.incident_risk
  FOR EACH ROW EXECUTE FUNCTION iso28000.stamp_acting_person('decided_by');
COMMENT ON TABLE iso28000.incident_risk IS
  'ISO 28000 6.1.2, 8.6, 10.2: The risks a security incident bears on, each with the decision the incident led to: reassess (the risk is assessed again) or confirmed (its assessment stands). An incident closes only when every linked risk has its decision.';
COMMENT ON COLUMN iso28000.incident_risk.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_risk.risk_id IS 'The risk (risk register).';
COMMENT ON COLUMN iso28000.incident_risk.decision IS 'reassess (the risk must be assessed again: its assessed_on must then be on or after the incident''s report date to close) or confirmed; NULL until decided.';
COMMENT ON COLUMN iso28000.incident_risk.decision_note IS 'Why.';
COMMENT ON COLUMN iso28000.incident_risk.decided_by IS 'Person who decided; only the acting person (IS120).';
COMMENT ON COLUMN iso28000.incident_risk.decided_on IS 'Date of the decision; set exactly when decision is.';

-- Notifications actually sent about an incident (the log beside the plan of 7.4).
CREATE TABLE iso28000.incident_notification (
    org_id              bigint NOT NULL REFERENCES iso28000.organization,
    notification_id     bigint GENERATED ALWAYS AS IDENTITY,
    incident_id         bigint NOT NULL,
    recipient_kind      text NOT NULL
                        CONSTRAINT incident_notification_recipient_kind_valid CHECK (recipient_kind IN
                          ('authority', 'partner', 'customer', 'internal', 'other')),
    recipient           text NOT NULL CONSTRAINT incident_notification_recipient_present CHECK (btrim(recipient) <> ''),
    interested_party_id bigint,
    communication_id    bigint,
    channel             text,
    content             text NOT NULL CONSTRAINT incident_notification_content_present CHECK (btrim(content) <> ''),
    sent_at             timestamptz NOT NULL DEFAULT now(),
    sent_by             bigint,
    their_reference     text,
    acknowledged_at     timestamptz,
    PRIMARY KEY (org_id, notification_id),
    FOREIGN KEY (org_id, incident_id) REFERENCES iso28000.security_incident (org_id, incident_id),
    FOREIGN KEY (org_id, interested_party_id) REFERENCES iso28000.interested_party (org_id, interested_party_id),
    FOREIGN KEY (org_id, communication_id) REFERENCES iso28000.communication (org_id, communication_id),
    FOREIGN KEY (org_id, sent_by) REFERENCES iso28000.person (org_id, person_id),
    CONSTRAINT incident_notification_acknowledged_after_sent CHECK (acknowledged_at >= sent_at)
);
CREATE INDEX incident_notification_incident_idx ON iso28000.incident_notification (org_id, incident_id);
SELECT iso28000.register_table('iso28000.incident_notification');
COMMENT ON TABLE iso28000.incident_notification IS
  'ISO 28000 7.4, 8.6.3: Notifications actually sent about a security incident to authorities, partners, customers or staff: what was sent, to whom, how, when and by whom, and when it was acknowledged; the log of communications beside the communication plan.';
COMMENT ON COLUMN iso28000.incident_notification.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_notification.recipient_kind IS 'authority, partner, customer, internal or other; an authority notification settles incident_notification_due.';
COMMENT ON COLUMN iso28000.incident_notification.recipient IS 'To whom it was sent (required), for example Customs Rotterdam, duty officer.';
COMMENT ON COLUMN iso28000.incident_notification.interested_party_id IS 'The interested party (4.2) notified, if recorded there.';
COMMENT ON COLUMN iso28000.incident_notification.communication_id IS 'The planned communication (7.4) this notification carries out, if any.';
COMMENT ON COLUMN iso28000.incident_notification.channel IS 'How: phone, e-mail, portal, letter, meeting.';
COMMENT ON COLUMN iso28000.incident_notification.content IS 'What was sent or said (required).';
COMMENT ON COLUMN iso28000.incident_notification.sent_at IS 'When it was sent.';
COMMENT ON COLUMN iso28000.incident_notification.sent_by IS 'Person who sent it.';
COMMENT ON COLUMN iso28000.incident_notification.their_reference IS 'The recipient''s reference (a case number), if any.';
COMMENT ON COLUMN iso28000.incident_notification.acknowledged_at IS 'When the recipient acknowledged it; not before sent_at.';

-- The risks, nodes and processes of a closed or dismissed incident no longer
-- change.  The incident's row is read FOR SHARE, so a change that races the
-- closing of the incident waits for it and then sees it closed, and a
-- closing that comes second waits for the change and its guard sees it.
CREATE FUNCTION iso28000.incident_link_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    org   bigint;
    inc   bigint;
    st    text;
BEGIN
    FOR org, inc IN
        SELECT DISTINCT x.org_id, x.incident_id
          FROM (SELECT OLD.org_id, OLD.incident_id WHERE TG_OP <> 'INSERT'
                UNION ALL
                SELECT NEW.org_id, NEW.incident_id WHERE TG_OP <> 'DELETE') AS x (org_id, incident_id)
    LOOP
        SELECT i.status INTO st FROM iso28000.security_incident i
         WHERE i.org_id OPERATOR(pg_catalog.=) org AND i.incident_id OPERATOR(pg_catalog.=) inc
           FOR SHARE;
        IF st IN ('closed', 'dismissed') THEN
            RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) is %: its % cannot change', org, inc, st,
                            CASE TG_TABLE_NAME WHEN 'incident_risk' THEN 'risks' WHEN 'incident_node' THEN 'nodes' ELSE 'processes' END
                  USING ERRCODE = 'IS503', SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'incident_id',
                        DETAIL = format('%s of organisation %s cannot be inserted, changed or deleted once its incident is %s.', TG_TABLE_NAME, org, st),
                        HINT = 'Record what came later in the incident''s timeline, or open a new incident.';
        END IF;
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION iso28000.incident_link_guard() IS
  'Trigger on incident_risk, incident_node and incident_process: refuses (IS503) a row inserted, changed or deleted for a closed or dismissed incident; reads the incident FOR SHARE so that it cannot race the incident''s closing.';
CREATE TRIGGER incident_link_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.incident_risk
  FOR EACH ROW EXECUTE FUNCTION iso28000.incident_link_guard();
CREATE TRIGGER incident_link_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.incident_node
  FOR EACH ROW EXECUTE FUNCTION iso28000.incident_link_guard();
CREATE TRIGGER incident_link_guard BEFORE INSERT OR UPDATE OR DELETE ON iso28000.incident_process
  FOR EACH ROW EXECUTE FUNCTION iso28000.incident_link_guard();

-- Guard of closed: lessons learned, and a decision on every linked risk.
CREATE FUNCTION iso28000.security_incident_close_guard(r iso28000.security_incident, from_state text, to_state text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    undecided text;
    stale     text;
BEGIN
    IF coalesce(btrim(r.lessons_learned), '') = '' THEN
        RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) cannot close without its lessons learned', r.org_id, r.incident_id
              USING ERRCODE = 'IS500', SCHEMA = 'iso28000', TABLE = 'security_incident', COLUMN = 'lessons_learned',
                    DETAIL = '10.2: an incident closes with the lessons learned and what changes because of them.';
    END IF;
    SELECT string_agg(format('risk %s', ir.risk_id), ', ' ORDER BY ir.risk_id) FILTER (WHERE ir.decision IS NULL),
           string_agg(format('risk %s (assessed %s)', ir.risk_id, coalesce(k.assessed_on::text, 'never')), ', ' ORDER BY ir.risk_id)
             FILTER (WHERE ir.decision OPERATOR(pg_catalog.=) 'reassess'
                       AND (k.assessed_on IS NULL OR k.assessed_on OPERATOR(pg_catalog.<) (r.reported_at)::date))
      INTO undecided, stale
      FROM iso28000.incident_risk ir
      JOIN iso28000.risk k ON k.org_id OPERATOR(pg_catalog.=) ir.org_id AND k.risk_id OPERATOR(pg_catalog.=) ir.risk_id
     WHERE ir.org_id OPERATOR(pg_catalog.=) r.org_id AND ir.incident_id OPERATOR(pg_catalog.=) r.incident_id;
    IF undecided IS NOT NULL THEN
        RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) cannot close: no decision on %', r.org_id, r.incident_id, undecided
              USING ERRCODE = 'IS501', SCHEMA = 'iso28000', TABLE = 'incident_risk', COLUMN = 'decision',
                    DETAIL = 'Every risk linked to the incident needs a decision: reassess or confirmed.',
                    HINT = 'Set incident_risk.decision and decided_on for each linked risk.';
    END IF;
    IF stale IS NOT NULL THEN
        RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) cannot close: % to be re-assessed not assessed since the incident was reported on %',
                        r.org_id, r.incident_id, stale, (r.reported_at)::date
              USING ERRCODE = 'IS502', SCHEMA = 'iso28000', TABLE = 'risk', COLUMN = 'assessed_on',
                    DETAIL = 'A risk the incident sends back for re-assessment is assessed again (risk.assessed_on on or after the report date) before the incident closes.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.security_incident_close_guard(iso28000.security_incident, text, text) IS
  'Workflow guard of security_incident -> closed: refuses without lessons learned (IS500), while a linked risk has no decision (IS501), or while a risk to be re-assessed has not been assessed since the incident was reported (IS502).';

SELECT iso28000.define_workflow('security_incident',
  'ISO 28000 8.6, 10.2: a security incident or event from report to closure with lessons learned, or dismissed as a non-event.',
  states => $wf$[
    {"state": "reported", "initial": true, "description": "Reported, not yet triaged."},
    {"state": "triaged", "requires": {"owner_id": "the person who handles the incident"}, "description": "Severity confirmed and an owner named."},
    {"state": "contained", "requires": {"containment": "what was done to contain it", "contained_at": "when it was contained"}, "description": "Contained: the harm is stopped or limited."},
    {"state": "investigated", "requires": {"investigation": "what the investigation found"}, "description": "Investigated: how it happened and why."},
    {"state": "lessons_learned", "requires": {"lessons_learned": "the lessons learned"}, "description": "10.2: lessons learned recorded; risks decided before closing."},
    {"state": "closed", "terminal": true, "frozen": true, "description": "Closed with its lessons learned and a decision on each linked risk."},
    {"state": "dismissed", "terminal": true, "frozen": true, "requires": {"dismissal_reason": "why it is not a security incident or event"}, "description": "Not a security incident or event (with the reason)."}
  ]$wf$,
  transitions => $wf$[
    {"from": "reported", "to": "triaged", "level": "write", "note": "triaged"},
    {"from": "reported", "to": "dismissed", "level": "write", "note": "a non-event"},
    {"from": "triaged", "to": "dismissed", "level": "write", "note": "a non-event after triage"},
    {"from": "triaged", "to": "contained", "level": "write", "note": "contained"},
    {"from": "contained", "to": "investigated", "level": "write", "note": "investigated"},
    {"from": "investigated", "to": "lessons_learned", "level": "write", "note": "lessons learned"},
    {"from": "lessons_learned", "to": "closed", "level": "manage", "guard": "iso28000.security_incident_close_guard(iso28000.security_incident, text, text)", "note": "closed by a manager"}
  ]$wf$,
  builtin => true);
SELECT iso28000.attach_workflow('iso28000.security_incident', 'security_incident');

/* ---------------------------------------------------------------------------
 * Incidents and exercises feed improvement (10.1, 10.2)
 * ------------------------------------------------------------------------- */

-- Standard's order: the nonconformities of 10.2 (clause10_improvement.sql) keep the incident or the 8.6 exercise that raised them.
ALTER TABLE iso28000.nonconformity
  ADD COLUMN incident_id bigint,
  ADD COLUMN exercise_id bigint,
  ADD CONSTRAINT nonconformity_incident_fk FOREIGN KEY (org_id, incident_id)
      REFERENCES iso28000.security_incident (org_id, incident_id),
  ADD CONSTRAINT nonconformity_exercise_fk FOREIGN KEY (org_id, exercise_id)
      REFERENCES iso28000.plan_exercise (org_id, exercise_id);
COMMENT ON COLUMN iso28000.nonconformity.incident_id IS 'The security incident that raised it (incident_raise_nonconformity), if any.';
COMMENT ON COLUMN iso28000.nonconformity.exercise_id IS 'The exercise of a security plan that raised it (exercise_raise_nonconformity), if any.';
-- Standard's order: the improvements of 10.1 (clause10_improvement.sql) keep the incident or the 8.6 exercise that raised them.
ALTER TABLE iso28000.improvement
  ADD COLUMN incident_id bigint,
  ADD COLUMN exercise_id bigint,
  ADD CONSTRAINT improvement_incident_fk FOREIGN KEY (org_id, incident_id)
      REFERENCES iso28000.security_incident (org_id, incident_id),
  ADD CONSTRAINT improvement_exercise_fk FOREIGN KEY (org_id, exercise_id)
      REFERENCES iso28000.plan_exercise (org_id, exercise_id);
COMMENT ON COLUMN iso28000.improvement.incident_id IS 'The security incident that raised it (incident_raise_improvement), if any.';
COMMENT ON COLUMN iso28000.improvement.exercise_id IS 'The exercise of a security plan that raised it (exercise_raise_improvement), if any.';

-- The incident a raise function starts from, visible to the caller, or IS504 / IS506.
CREATE FUNCTION iso28000._incident_for_raise(org bigint, incident bigint)
RETURNS iso28000.security_incident
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i iso28000.security_incident;
BEGIN
    SELECT * INTO i FROM iso28000.security_incident s
     WHERE s.org_id OPERATOR(pg_catalog.=) org AND s.incident_id OPERATOR(pg_catalog.=) incident;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'security incident % of organisation % does not exist or is not visible to role "%"', incident, org, current_user
              USING ERRCODE = 'IS504', SCHEMA = 'iso28000', TABLE = 'security_incident', COLUMN = 'incident_id';
    END IF;
    IF i.status OPERATOR(pg_catalog.=) 'dismissed' THEN
        RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) was dismissed as a non-event: it raises nothing', org, incident
              USING ERRCODE = 'IS506', SCHEMA = 'iso28000', TABLE = 'security_incident', COLUMN = 'status',
                    DETAIL = format('Reason given: %s', i.dismissal_reason);
    END IF;
    RETURN i;
END
$$;
COMMENT ON FUNCTION iso28000._incident_for_raise(bigint, bigint) IS
  'Internal: the incident a raise function starts from; IS504 when it does not exist or is not visible, IS506 when it was dismissed.';

-- The held exercise a raise function starts from, or IS504 / IS505.
CREATE FUNCTION iso28000._exercise_for_raise(org bigint, exercise bigint)
RETURNS iso28000.plan_exercise
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e iso28000.plan_exercise;
BEGIN
    SELECT * INTO e FROM iso28000.plan_exercise x
     WHERE x.org_id OPERATOR(pg_catalog.=) org AND x.exercise_id OPERATOR(pg_catalog.=) exercise;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'exercise % of organisation % does not exist or is not visible to role "%"', exercise, org, current_user
              USING ERRCODE = 'IS504', SCHEMA = 'iso28000', TABLE = 'plan_exercise', COLUMN = 'exercise_id';
    END IF;
    IF e.outcome IS NULL THEN
        RAISE EXCEPTION 'iso28000.plan_exercise (org_id, exercise_id)=(%, %) has not been held: it has no outcome to raise anything from', org, exercise
              USING ERRCODE = 'IS505', SCHEMA = 'iso28000', TABLE = 'plan_exercise', COLUMN = 'outcome',
                    HINT = 'Record held_on and the outcome first.';
    END IF;
    RETURN e;
END
$$;
COMMENT ON FUNCTION iso28000._exercise_for_raise(bigint, bigint) IS
  'Internal: the exercise a raise function starts from; IS504 when it does not exist or is not visible, IS505 when it has not been held (no outcome).';

-- An incident raises a nonconformity (10.2), linked by nonconformity.incident_id.
CREATE FUNCTION iso28000.incident_raise_nonconformity(org bigint, incident bigint, severity text DEFAULT 'minor',
                                                      title text DEFAULT NULL, clause iso28000.clause_ref DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i  iso28000.security_incident := iso28000._incident_for_raise(org, incident);
    id bigint;
BEGIN
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by, incident_id)
    VALUES (org, coalesce(incident_raise_nonconformity.title, left(format('Incident %s: %s', coalesce(i.reference, i.incident_id::text), i.title), 200)),
            concat_ws(E'\n', i.description, 'Investigation: ' || i.investigation, 'Lessons learned: ' || i.lessons_learned),
            'incident', format('incident %s', coalesce(i.reference, i.incident_id::text)), incident_raise_nonconformity.clause,
            incident_raise_nonconformity.severity, (i.detected_at)::date, iso28000.acting_person(org), i.incident_id)
    RETURNING nonconformity_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION iso28000.incident_raise_nonconformity(bigint, bigint, text, text, iso28000.clause_ref) IS
  'ISO 28000 10.2: raises a nonconformity (source incident, severity minor by default, reported by the acting person) from a security incident and keeps the link in nonconformity.incident_id; returns its id. IS504 when the incident does not exist or is not visible, IS506 when it was dismissed; the register''s own checks and row-level security apply.';

-- An incident raises an improvement (10.1), linked by improvement.incident_id.
CREATE FUNCTION iso28000.incident_raise_improvement(org bigint, incident bigint, title text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i  iso28000.security_incident := iso28000._incident_for_raise(org, incident);
    id bigint;
BEGIN
    INSERT INTO iso28000.improvement (org_id, title, description, source, incident_id)
    VALUES (org, coalesce(incident_raise_improvement.title, left(format('From incident %s: %s', coalesce(i.reference, i.incident_id::text), i.title), 200)),
            coalesce(i.lessons_learned, i.investigation, i.description), 'incident', i.incident_id)
    RETURNING improvement_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION iso28000.incident_raise_improvement(bigint, bigint, text) IS
  'ISO 28000 10.1: raises an improvement (source incident, described by the lessons learned) from a security incident and keeps the link in improvement.incident_id; returns its id. IS504 when the incident does not exist or is not visible, IS506 when it was dismissed.';

-- A held exercise raises a nonconformity (10.2), linked by nonconformity.exercise_id.
CREATE FUNCTION iso28000.exercise_raise_nonconformity(org bigint, exercise bigint, severity text DEFAULT 'minor',
                                                      title text DEFAULT NULL, clause iso28000.clause_ref DEFAULT '8.6')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e  iso28000.plan_exercise := iso28000._exercise_for_raise(org, exercise);
    id bigint;
BEGIN
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by, exercise_id)
    VALUES (org, coalesce(exercise_raise_nonconformity.title,
                          left(format('Exercise %s of %s: %s', e.exercise_id, e.held_on, replace(e.outcome, '_', ' ')), 200)),
            concat_ws(E'\n', 'Objectives: ' || e.objectives, 'Findings: ' || e.findings, 'Lessons: ' || e.lessons),
            'exercise', format('exercise %s', e.exercise_id), exercise_raise_nonconformity.clause,
            exercise_raise_nonconformity.severity, e.held_on, iso28000.acting_person(org), e.exercise_id)
    RETURNING nonconformity_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION iso28000.exercise_raise_nonconformity(bigint, bigint, text, text, iso28000.clause_ref) IS
  'ISO 28000 8.6, 10.2: raises a nonconformity (source exercise, clause 8.6 and severity minor by default, reported by the acting person) from a held exercise of a security plan and keeps the link in nonconformity.exercise_id; returns its id. IS504 when the exercise does not exist or is not visible, IS505 when it has not been held.';

-- A held exercise raises an improvement (10.1), linked by improvement.exercise_id.
CREATE FUNCTION iso28000.exercise_raise_improvement(org bigint, exercise bigint, title text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e  iso28000.plan_exercise := iso28000._exercise_for_raise(org, exercise);
    id bigint;
BEGIN
    INSERT INTO iso28000.improvement (org_id, title, description, source, clause, exercise_id)
    VALUES (org, coalesce(exercise_raise_improvement.title, left(format('From exercise %s of %s', e.exercise_id, e.held_on), 200)),
            coalesce(e.lessons, e.findings, e.objectives), 'exercise', '8.6', e.exercise_id)
    RETURNING improvement_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION iso28000.exercise_raise_improvement(bigint, bigint, text) IS
  'ISO 28000 8.6, 10.1: raises an improvement (source exercise, clause 8.6, described by the lessons) from a held exercise of a security plan and keeps the link in improvement.exercise_id; returns its id. IS504 when the exercise does not exist or is not visible, IS505 when it has not been held.';

/* ---------------------------------------------------------------------------
 * Views (9.1)
 * ------------------------------------------------------------------------- */

CREATE VIEW iso28000.security_incident_open WITH (security_invoker = true) AS
SELECT i.org_id, i.incident_id, i.reference, i.kind, i.title, i.severity,
       CASE i.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END AS severity_rank,
       i.status, i.owner_id, p.full_name AS owner_name, i.reported_at,
       (extract(epoch FROM now() - i.reported_at) / 86400)::integer AS age_days,
       (extract(epoch FROM now() - coalesce(i.status_changed_at, i.reported_at)) / 86400)::integer AS days_in_state,
       i.contained_at IS NOT NULL AS contained,
       round((extract(epoch FROM i.contained_at - i.detected_at) / 3600)::numeric, 1) AS hours_to_contain,
       (SELECT count(*) FROM iso28000.incident_risk ir
         WHERE ir.org_id = i.org_id AND ir.incident_id = i.incident_id AND ir.decision IS NULL) AS risks_undecided
  FROM iso28000.security_incident i
  LEFT JOIN iso28000.person p ON p.org_id = i.org_id AND p.person_id = i.owner_id
 WHERE i.status NOT IN ('closed', 'dismissed');
COMMENT ON VIEW iso28000.security_incident_open IS
  'ISO 28000 8.6, 9.1, 10.2: Open security incidents with their age and severity (sort by severity_rank, then age_days), time in state, whether contained and how fast, and how many linked risks still await a decision.';
COMMENT ON COLUMN iso28000.security_incident_open.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_incident_open.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.security_incident_open.reference IS 'The organisation''s reference.';
COMMENT ON COLUMN iso28000.security_incident_open.kind IS 'incident, event or near_miss.';
COMMENT ON COLUMN iso28000.security_incident_open.title IS 'What happened.';
COMMENT ON COLUMN iso28000.security_incident_open.severity IS 'low, medium, high or critical.';
COMMENT ON COLUMN iso28000.security_incident_open.severity_rank IS 'Severity as a number to sort by: 4 critical, 3 high, 2 medium, 1 low.';
COMMENT ON COLUMN iso28000.security_incident_open.status IS 'Workflow state.';
COMMENT ON COLUMN iso28000.security_incident_open.owner_id IS 'Person handling it.';
COMMENT ON COLUMN iso28000.security_incident_open.owner_name IS 'Their name.';
COMMENT ON COLUMN iso28000.security_incident_open.reported_at IS 'When it was reported.';
COMMENT ON COLUMN iso28000.security_incident_open.age_days IS 'Whole days since it was reported.';
COMMENT ON COLUMN iso28000.security_incident_open.days_in_state IS 'Whole days since the last transition.';
COMMENT ON COLUMN iso28000.security_incident_open.contained IS 'True once contained_at is recorded.';
COMMENT ON COLUMN iso28000.security_incident_open.hours_to_contain IS 'Hours from detection to containment, to one decimal; NULL until contained.';
COMMENT ON COLUMN iso28000.security_incident_open.risks_undecided IS 'Linked risks without a decision yet (the incident cannot close while there are any).';
GRANT SELECT ON iso28000.security_incident_open TO PUBLIC;

CREATE VIEW iso28000.security_incident_time_to_contain WITH (security_invoker = true) AS
SELECT i.org_id, i.severity,
       count(*) AS contained_count,
       round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY i.contained_at - i.detected_at)) / 3600)::numeric, 1) AS median_hours,
       round((extract(epoch FROM percentile_cont(0.9) WITHIN GROUP (ORDER BY i.contained_at - i.detected_at)) / 3600)::numeric, 1) AS p90_hours,
       round((extract(epoch FROM max(i.contained_at - i.detected_at)) / 3600)::numeric, 1) AS max_hours
  FROM iso28000.security_incident i
 WHERE i.contained_at IS NOT NULL AND i.status <> 'dismissed'
 GROUP BY i.org_id, i.severity;
COMMENT ON VIEW iso28000.security_incident_time_to_contain IS
  'ISO 28000 8.6, 9.1: Time from detection to containment of security incidents, by severity: median, 90th percentile and longest, in hours.';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.severity IS 'low, medium, high or critical.';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.contained_count IS 'Incidents of that severity contained (dismissed ones left out).';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.median_hours IS 'Median hours from detection to containment.';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.p90_hours IS '90th percentile of those hours.';
COMMENT ON COLUMN iso28000.security_incident_time_to_contain.max_hours IS 'Longest time to contain, in hours.';
GRANT SELECT ON iso28000.security_incident_time_to_contain TO PUBLIC;

CREATE VIEW iso28000.security_incident_by_node WITH (security_invoker = true) AS
SELECT n.org_id, n.node_id, n.code AS node_code, n.name AS node_name, n.kind AS node_kind,
       count(*) AS incident_count,
       count(*) FILTER (WHERE i.status NOT IN ('closed', 'dismissed')) AS open_count,
       count(*) FILTER (WHERE x.role = 'site') AS as_site_count,
       max(CASE i.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END) AS max_severity_rank,
       max(i.reported_at) AS last_reported_at
  FROM iso28000.incident_node x
  JOIN iso28000.security_incident i ON i.org_id = x.org_id AND i.incident_id = x.incident_id
  JOIN iso28000.supply_chain_node n ON n.org_id = x.org_id AND n.node_id = x.node_id
 WHERE i.status <> 'dismissed'
 GROUP BY n.org_id, n.node_id, n.code, n.name, n.kind;
COMMENT ON VIEW iso28000.security_incident_by_node IS
  'ISO 28000 8.2, 8.6, 9.1: Security incidents per supply-chain node (dismissed ones left out): how many, how many open, how many happened at the node as a site, the highest severity and the latest report.';
COMMENT ON COLUMN iso28000.security_incident_by_node.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_incident_by_node.node_id IS 'The node.';
COMMENT ON COLUMN iso28000.security_incident_by_node.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.security_incident_by_node.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.security_incident_by_node.node_kind IS 'Its kind (site, carrier, port...).';
COMMENT ON COLUMN iso28000.security_incident_by_node.incident_count IS 'Incidents involving the node.';
COMMENT ON COLUMN iso28000.security_incident_by_node.open_count IS 'Of them, not closed.';
COMMENT ON COLUMN iso28000.security_incident_by_node.as_site_count IS 'Of them, those that happened at the node (role site).';
COMMENT ON COLUMN iso28000.security_incident_by_node.max_severity_rank IS 'Highest severity: 4 critical, 3 high, 2 medium, 1 low.';
COMMENT ON COLUMN iso28000.security_incident_by_node.last_reported_at IS 'When the latest of them was reported.';
GRANT SELECT ON iso28000.security_incident_by_node TO PUBLIC;

CREATE VIEW iso28000.security_incident_by_risk WITH (security_invoker = true) AS
SELECT k.org_id, k.risk_id, k.reference AS risk_reference, k.title AS risk_title, k.status AS risk_status,
       count(*) AS incident_count,
       count(*) FILTER (WHERE i.status NOT IN ('closed', 'dismissed')) AS open_count,
       count(*) FILTER (WHERE x.decision = 'reassess') AS reassess_count,
       count(*) FILTER (WHERE x.decision = 'confirmed') AS confirmed_count,
       count(*) FILTER (WHERE x.decision IS NULL) AS undecided_count,
       max(i.reported_at) AS last_reported_at
  FROM iso28000.incident_risk x
  JOIN iso28000.security_incident i ON i.org_id = x.org_id AND i.incident_id = x.incident_id
  JOIN iso28000.risk k ON k.org_id = x.org_id AND k.risk_id = x.risk_id
 WHERE i.status <> 'dismissed'
 GROUP BY k.org_id, k.risk_id, k.reference, k.title, k.status;
COMMENT ON VIEW iso28000.security_incident_by_risk IS
  'ISO 28000 6.1.2, 8.6, 9.1: Security incidents per risk of the register (dismissed ones left out): how many, how many open, and the decisions they led to (reassess, confirmed, not yet decided).';
COMMENT ON COLUMN iso28000.security_incident_by_risk.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.risk_id IS 'The risk.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.risk_reference IS 'Its reference.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.risk_title IS 'Its title.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.risk_status IS 'Its workflow state.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.incident_count IS 'Incidents linked to the risk.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.open_count IS 'Of them, not closed.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.reassess_count IS 'Decisions to re-assess the risk.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.confirmed_count IS 'Decisions confirming its assessment.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.undecided_count IS 'Links still awaiting a decision.';
COMMENT ON COLUMN iso28000.security_incident_by_risk.last_reported_at IS 'When the latest of them was reported.';
GRANT SELECT ON iso28000.security_incident_by_risk TO PUBLIC;

CREATE VIEW iso28000.incident_notification_due WITH (security_invoker = true) AS
SELECT i.org_id, i.incident_id, i.reference, i.title, i.severity, i.status, i.reported_at,
       i.authority_notify_by AS notify_by,
       i.authority_notify_by < now() AS overdue,
       round((extract(epoch FROM i.authority_notify_by - now()) / 3600)::numeric, 1) AS hours_left
  FROM iso28000.security_incident i
 WHERE i.authority_notification_required AND i.status <> 'dismissed'
   AND NOT EXISTS (SELECT FROM iso28000.incident_notification n
                    WHERE n.org_id = i.org_id AND n.incident_id = i.incident_id AND n.recipient_kind = 'authority');
COMMENT ON VIEW iso28000.incident_notification_due IS
  'ISO 28000 4.2.2, 7.4, 8.6.3: Security incidents that must be notified to an authority and for which no authority notification has been sent yet, with the deadline and whether it has passed.';
COMMENT ON COLUMN iso28000.incident_notification_due.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.incident_notification_due.incident_id IS 'The incident.';
COMMENT ON COLUMN iso28000.incident_notification_due.reference IS 'Its reference.';
COMMENT ON COLUMN iso28000.incident_notification_due.title IS 'What happened.';
COMMENT ON COLUMN iso28000.incident_notification_due.severity IS 'low, medium, high or critical.';
COMMENT ON COLUMN iso28000.incident_notification_due.status IS 'Workflow state of the incident.';
COMMENT ON COLUMN iso28000.incident_notification_due.reported_at IS 'When it was reported.';
COMMENT ON COLUMN iso28000.incident_notification_due.notify_by IS 'Deadline of the notification, NULL when none was set.';
COMMENT ON COLUMN iso28000.incident_notification_due.overdue IS 'True when the deadline has passed; NULL without a deadline.';
COMMENT ON COLUMN iso28000.incident_notification_due.hours_left IS 'Hours until the deadline (negative once passed), to one decimal.';
GRANT SELECT ON iso28000.incident_notification_due TO PUBLIC;

/* ---------------------------------------------------------------------------
 * 9.3.2 The management review considers incidents and exercises
 * ------------------------------------------------------------------------- */

INSERT INTO iso28000.review_input (input_code, clause, title, required, seq, builtin) VALUES
  ('security_incidents', '9.3.2', 'Security incidents and events, exercises of security plans, and what they raised', false, 85, true);

-- The facts of the input security_incidents for a period.
CREATE FUNCTION iso28000._incident_facts(org bigint, from_on date, to_on date)
RETURNS jsonb
-- PL/pgSQL: on Citus the queries of an SQL function with parameters cannot be
-- planned (doc/distribution.md).
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (SELECT jsonb_build_object(
    'reported_in_period', (SELECT count(*) FROM iso28000.security_incident i
                            WHERE i.org_id = org AND (i.reported_at)::date BETWEEN from_on AND to_on),
    'reported_by_severity', (SELECT coalesce(jsonb_object_agg(s.severity, s.n), '{}') FROM
                               (SELECT i.severity, count(*) AS n FROM iso28000.security_incident i
                                 WHERE i.org_id = org AND (i.reported_at)::date BETWEEN from_on AND to_on
                                   AND i.status <> 'dismissed'
                                 GROUP BY i.severity) s),
    'closed_in_period', (SELECT count(*) FROM iso28000.security_incident i
                          WHERE i.org_id = org AND i.status = 'closed' AND (i.status_changed_at)::date BETWEEN from_on AND to_on),
    'dismissed_in_period', (SELECT count(*) FROM iso28000.security_incident i
                             WHERE i.org_id = org AND i.status = 'dismissed' AND (i.status_changed_at)::date BETWEEN from_on AND to_on),
    'open_now', (SELECT count(*) FROM iso28000.security_incident i
                  WHERE i.org_id = org AND i.status NOT IN ('closed', 'dismissed')),
    'median_hours_to_contain', (SELECT round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY i.contained_at - i.detected_at)) / 3600)::numeric, 1)
                                  FROM iso28000.security_incident i
                                 WHERE i.org_id = org AND i.status <> 'dismissed' AND (i.contained_at)::date BETWEEN from_on AND to_on),
    'authority_notifications_sent', (SELECT count(*) FROM iso28000.incident_notification n
                                      WHERE n.org_id = org AND n.recipient_kind = 'authority'
                                        AND (n.sent_at)::date BETWEEN from_on AND to_on),
    'authority_notifications_due', (SELECT count(*) FROM iso28000.incident_notification_due d WHERE d.org_id = org),
    'authority_notifications_overdue', (SELECT count(*) FROM iso28000.incident_notification_due d WHERE d.org_id = org AND d.overdue),
    'exercises_held', (SELECT count(*) FROM iso28000.plan_exercise e
                        WHERE e.org_id = org AND e.held_on BETWEEN from_on AND to_on),
    'exercises_by_outcome', (SELECT coalesce(jsonb_object_agg(s.outcome, s.n), '{}') FROM
                               (SELECT e.outcome, count(*) AS n FROM iso28000.plan_exercise e
                                 WHERE e.org_id = org AND e.held_on BETWEEN from_on AND to_on GROUP BY e.outcome) s),
    'nonconformities_from_incidents', (SELECT count(*) FROM iso28000.nonconformity n
                                        WHERE n.org_id = org AND n.incident_id IS NOT NULL AND n.detected_on BETWEEN from_on AND to_on),
    'nonconformities_from_exercises', (SELECT count(*) FROM iso28000.nonconformity n
                                        WHERE n.org_id = org AND n.exercise_id IS NOT NULL AND n.detected_on BETWEEN from_on AND to_on),
    'improvements_from_incidents', (SELECT count(*) FROM iso28000.improvement m
                                     WHERE m.org_id = org AND m.incident_id IS NOT NULL AND (m.created_at)::date BETWEEN from_on AND to_on),
    'improvements_from_exercises', (SELECT count(*) FROM iso28000.improvement m
                                     WHERE m.org_id = org AND m.exercise_id IS NOT NULL AND (m.created_at)::date BETWEEN from_on AND to_on),
    'open_incidents', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                 'reference', coalesce(o.reference, '#' || o.incident_id), 'title', o.title,
                                 'severity', o.severity, 'status', o.status, 'age_days', o.age_days)
                               ORDER BY o.severity_rank DESC, o.age_days DESC, o.incident_id), '[]')
                         FROM (SELECT * FROM iso28000.security_incident_open x WHERE x.org_id = org
                                ORDER BY x.severity_rank DESC, x.age_days DESC, x.incident_id LIMIT 10) o)));
END
$$;
COMMENT ON FUNCTION iso28000._incident_facts(bigint, date, date) IS
  'Internal: the facts of the management review input security_incidents for a period: incidents reported (by severity), closed and dismissed in it, open now, median hours to contain, authority notifications sent, due and overdue, exercises held by outcome, nonconformities and improvements raised by incidents and exercises, and the ten most severe open incidents.';
/*
 * sql/views/conformity.sql
 *		The conformity of the whole standard, clause by clause, for people and
 *		BI: from the self-assessments of 9.1 (conformity_by_clause,
 *		conformity_trend) and the audits of 9.2 (audit_coverage,
 *		findings_by_clause, which counts the nonconformities of 10.2 that
 *		findings raised).  Every view runs with the caller's rights
 *		(security_invoker): row-level security of the registers beneath them
 *		decides which rows a member sees.  Reference: doc/audit-review.md.
 */

CREATE VIEW iso28000.conformity_by_clause WITH (security_invoker = true) AS
WITH latest AS (
    -- the latest self-assessment grade of each clause of each organisation and standard
    SELECT DISTINCT ON (r.org_id, r.standard, r.clause)
           r.org_id, r.standard, r.clause, r.grade, r.weight, s.assessed_on
      FROM iso28000.assessment_result r
      JOIN iso28000.self_assessment s USING (org_id, assessment_id)
     ORDER BY r.org_id, r.standard, r.clause, s.assessed_on DESC, s.assessment_id DESC),
catalog AS (
    SELECT c.standard, c.clause, c.title, c.seq,
           NOT EXISTS (SELECT FROM iso28000.clause k
                        WHERE k.standard = c.standard AND k.parent = c.clause) AS leaf
      FROM iso28000.clause c
     WHERE c.pdca IS NOT NULL),
orgs AS (
    -- each organisation with each standard it has self-assessed
    SELECT DISTINCT org_id, standard FROM iso28000.self_assessment),
items AS (
    -- graded clauses with their latest grade; leaf clauses never graded count as not_assessed
    SELECT org_id, standard, clause, grade, weight, assessed_on FROM latest
    UNION ALL
    SELECT o.org_id, c.standard, c.clause, 'not_assessed'::iso28000.conformity_grade, 1, NULL
      FROM orgs o JOIN catalog c ON c.standard = o.standard
     WHERE c.leaf AND NOT EXISTS (SELECT FROM latest l WHERE l.org_id = o.org_id AND l.standard = c.standard
                                                         AND l.clause = c.clause)),
rolled AS (
    -- each item counts for its clause and every ancestor: one pass, grouped
    SELECT i.org_id, i.standard, iso28000.ancestor(i.clause, d) AS clause,
           iso28000.conformity_tally(i.grade, i.weight) AS tally, max(i.assessed_on) AS last_assessed_on
      FROM items i
     CROSS JOIN LATERAL generate_series(1, iso28000.depth(i.clause)) AS d
     GROUP BY 1, 2, 3)
SELECT o.org_id, c.clause::text AS clause, iso28000.sort_key(c.clause) AS clause_sort,
       c.title, c.seq, iso28000.depth(c.clause) AS depth, l.grade::text AS grade,
       round(iso28000.score(r.tally)::numeric, 2) AS score,
       round(iso28000.coverage(r.tally)::numeric, 2) AS coverage,
       iso28000.verdict(r.tally) AS verdict,
       coalesce(iso28000.count_of(r.tally, 'minor_nc'), 0) AS minor_nc_count,
       coalesce(iso28000.count_of(r.tally, 'major_nc'), 0) AS major_nc_count,
       r.last_assessed_on, o.standard
  FROM orgs o
  JOIN catalog c ON c.standard = o.standard
  LEFT JOIN rolled r ON r.org_id = o.org_id AND r.standard = o.standard AND r.clause OPERATOR(iso28000.=) c.clause
  LEFT JOIN latest l ON l.org_id = o.org_id AND l.standard = o.standard AND l.clause OPERATOR(iso28000.=) c.clause;
COMMENT ON VIEW iso28000.conformity_by_clause IS
  'ISO 28000 9.1, 9.1.2: Conformity of every clause of every standard an organisation has self-assessed (ISO 28000:2022, ISO 22301:2019, ...; column standard): the latest self-assessment grade of each clause, rolled up the clause hierarchy (a clause counts its own grade and its sub-clauses''), with score, coverage and verdict; a leaf clause never assessed counts as not_assessed.';
COMMENT ON COLUMN iso28000.conformity_by_clause.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.conformity_by_clause.clause IS 'Clause of the standard, as text.';
COMMENT ON COLUMN iso28000.conformity_by_clause.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.conformity_by_clause.title IS 'Title of the clause.';
COMMENT ON COLUMN iso28000.conformity_by_clause.seq IS 'Position of the clause in the standard (sort by it).';
COMMENT ON COLUMN iso28000.conformity_by_clause.depth IS 'Depth in the clause hierarchy (1 for a top-level clause such as 8, 2 for 8.1).';
COMMENT ON COLUMN iso28000.conformity_by_clause.grade IS 'Latest grade given to the clause itself (conforming, observation, opportunity, minor_nc, major_nc, not_applicable, not_assessed), NULL if never graded.';
COMMENT ON COLUMN iso28000.conformity_by_clause.score IS 'Weighted conformity score of the latest grades of the clause and its sub-clauses, in percent, to two decimals (NULL when nothing graded).';
COMMENT ON COLUMN iso28000.conformity_by_clause.coverage IS 'Share of applicable clauses graded, in percent, to two decimals.';
COMMENT ON COLUMN iso28000.conformity_by_clause.verdict IS 'nonconforming, conforming_with_findings or conforming (NULL when nothing graded).';
COMMENT ON COLUMN iso28000.conformity_by_clause.minor_nc_count IS 'Clauses among the clause and its sub-clauses whose latest grade is minor_nc.';
COMMENT ON COLUMN iso28000.conformity_by_clause.major_nc_count IS 'Clauses among the clause and its sub-clauses whose latest grade is major_nc.';
COMMENT ON COLUMN iso28000.conformity_by_clause.last_assessed_on IS 'Date of the most recent grade counted.';
COMMENT ON COLUMN iso28000.conformity_by_clause.standard IS 'Standard of the clause (ISO 28000:2022, ISO 22301:2019, ...): filter on it.';

CREATE VIEW iso28000.conformity_trend WITH (security_invoker = true) AS
SELECT x.org_id, x.assessment_id, x.title, x.assessed_on,
       round(iso28000.score(x.tally)::numeric, 2) AS score,
       round(iso28000.coverage(x.tally)::numeric, 2) AS coverage,
       iso28000.verdict(x.tally) AS verdict,
       round((iso28000.score(x.tally) - lag(iso28000.score(x.tally)) OVER (PARTITION BY x.org_id, x.standard ORDER BY x.assessed_on, x.assessment_id))::numeric, 2) AS score_change,
       round(iso28000.score(iso28000.conformity_merge(x.tally) OVER w)::numeric, 2) AS moving_score,
       round(iso28000.coverage(iso28000.conformity_merge(x.tally) OVER w)::numeric, 2) AS moving_coverage,
       count(*) OVER w AS moving_assessments, x.standard
  FROM (SELECT s.org_id, s.assessment_id, s.title, s.assessed_on, s.standard,
               iso28000.conformity_tally(r.grade, r.weight) AS tally
          FROM iso28000.self_assessment s
          LEFT JOIN iso28000.assessment_result r USING (org_id, assessment_id)
         GROUP BY s.org_id, s.assessment_id) x
WINDOW w AS (PARTITION BY x.org_id, x.standard ORDER BY x.assessed_on, x.assessment_id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);
COMMENT ON VIEW iso28000.conformity_trend IS
  'ISO 28000 9.1, 9.3.2: Conformity across self-assessments per organisation and standard, in date order: each assessment''s score, coverage and verdict, the change from the previous one of the same standard, and a moving window over the last three (their tallies merged).';
COMMENT ON COLUMN iso28000.conformity_trend.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.conformity_trend.assessment_id IS 'The self-assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.title IS 'Name of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.assessed_on IS 'Date of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.score IS 'Weighted conformity score of the assessment, in percent, to two decimals.';
COMMENT ON COLUMN iso28000.conformity_trend.coverage IS 'Coverage of the assessment, in percent, to two decimals.';
COMMENT ON COLUMN iso28000.conformity_trend.verdict IS 'Verdict of the assessment.';
COMMENT ON COLUMN iso28000.conformity_trend.score_change IS 'Score minus the previous assessment''s score (percentage points, to two decimals).';
COMMENT ON COLUMN iso28000.conformity_trend.moving_score IS 'Score of this and the two previous assessments together (their tallies merged), to two decimals.';
COMMENT ON COLUMN iso28000.conformity_trend.moving_coverage IS 'Coverage of this and the two previous assessments together, to two decimals.';
COMMENT ON COLUMN iso28000.conformity_trend.moving_assessments IS 'Number of assessments in the moving window (up to 3).';
COMMENT ON COLUMN iso28000.conformity_trend.standard IS 'Standard assessed; the change and the moving window compare assessments of the same standard.';

CREATE VIEW iso28000.audit_coverage WITH (security_invoker = true) AS
SELECT p.org_id, p.programme_id, p.title AS programme, p.period_start, p.period_end,
       c.clause::text AS clause, iso28000.sort_key(c.clause) AS clause_sort, c.title, c.seq,
       iso28000.depth(c.clause) AS depth,
       count(a.audit_id) AS audits,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) AS audits_done,
       max(coalesce(a.ended_on, a.started_on)) FILTER (WHERE a.status IN ('in_progress', 'reported', 'closed')) AS last_audited_on,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) > 0 AS covered,
       count(a.audit_id) FILTER (WHERE a.status IN ('reported', 'closed')) = 0 AND p.period_end < current_date AS missed,
       p.standard
  FROM iso28000.audit_programme p
  JOIN iso28000.clause c ON c.standard = p.standard AND iso28000.scope_covers(p.scope, c.clause)
  LEFT JOIN iso28000.audit a
         ON a.org_id = p.org_id AND a.programme_id = p.programme_id AND a.standard = p.standard
        AND a.status <> 'cancelled' AND iso28000.scope_covers(a.scope, c.clause)
 GROUP BY p.org_id, p.programme_id, c.clause, c.title, c.seq;
COMMENT ON VIEW iso28000.audit_coverage IS
  'ISO 28000 9.2.2: Which clauses of its scope an audit programme audited in its cycle and which it missed: per programme and clause, the audits whose scope covers the clause (a clause covers its sub-clauses).';
COMMENT ON COLUMN iso28000.audit_coverage.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_coverage.programme_id IS 'The audit programme.';
COMMENT ON COLUMN iso28000.audit_coverage.programme IS 'Name of the programme.';
COMMENT ON COLUMN iso28000.audit_coverage.period_start IS 'First day of the programme''s cycle.';
COMMENT ON COLUMN iso28000.audit_coverage.period_end IS 'Last day of the programme''s cycle.';
COMMENT ON COLUMN iso28000.audit_coverage.clause IS 'Clause in the programme scope, as text.';
COMMENT ON COLUMN iso28000.audit_coverage.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.audit_coverage.title IS 'Title of the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.seq IS 'Position of the clause in the standard.';
COMMENT ON COLUMN iso28000.audit_coverage.depth IS 'Depth in the clause hierarchy (1 for a top-level clause such as 8, 2 for 8.1).';
COMMENT ON COLUMN iso28000.audit_coverage.audits IS 'Audits of the programme (not cancelled) whose scope covers the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.audits_done IS 'Of those, audits reported or closed.';
COMMENT ON COLUMN iso28000.audit_coverage.last_audited_on IS 'Last day of fieldwork of the latest audit covering the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.covered IS 'True when a reported or closed audit covered the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.missed IS 'True when the cycle has ended and no audit covered the clause.';
COMMENT ON COLUMN iso28000.audit_coverage.standard IS 'Standard of the programme''s scope; only audits of that standard count.';

CREATE VIEW iso28000.findings_by_clause WITH (security_invoker = true) AS
SELECT f.org_id, f.clause::text AS clause, iso28000.sort_key(f.clause) AS clause_sort,
       c.title, f.grade::text AS grade,
       count(*) AS findings,
       count(DISTINCT f.audit_id) AS audits,
       count(f.nonconformity_id) AS with_nonconformity,
       min(f.found_on) AS first_found_on,
       max(f.found_on) AS last_found_on, f.standard
  FROM iso28000.audit_finding f
  JOIN iso28000.audit a USING (org_id, audit_id)
  LEFT JOIN iso28000.clause c ON c.standard = f.standard AND c.clause = f.clause
 WHERE a.status <> 'cancelled'
 GROUP BY f.org_id, f.standard, f.clause, c.title, f.grade;
COMMENT ON VIEW iso28000.findings_by_clause IS
  'ISO 28000 9.2.2, 10.2: Audit findings per organisation, standard, clause and grade (cancelled audits left out), with how many raised a nonconformity.';
COMMENT ON COLUMN iso28000.findings_by_clause.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.findings_by_clause.clause IS 'Clause of the findings, as text.';
COMMENT ON COLUMN iso28000.findings_by_clause.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.findings_by_clause.title IS 'Title of the clause in the catalog of its standard.';
COMMENT ON COLUMN iso28000.findings_by_clause.grade IS 'Grade of the findings (conforming, observation, opportunity, minor_nc, major_nc, not_applicable, not_assessed).';
COMMENT ON COLUMN iso28000.findings_by_clause.findings IS 'Number of findings.';
COMMENT ON COLUMN iso28000.findings_by_clause.audits IS 'Number of audits they come from.';
COMMENT ON COLUMN iso28000.findings_by_clause.with_nonconformity IS 'Findings that raised a nonconformity.';
COMMENT ON COLUMN iso28000.findings_by_clause.first_found_on IS 'Date of the first finding.';
COMMENT ON COLUMN iso28000.findings_by_clause.last_found_on IS 'Date of the latest finding.';
COMMENT ON COLUMN iso28000.findings_by_clause.standard IS 'Standard of the clause (the audit''s).';

-- Members read the views; row-level security of the registers beneath them
-- (security_invoker) decides which rows they see.
GRANT SELECT ON iso28000.conformity_by_clause, iso28000.conformity_trend,
  iso28000.audit_coverage, iso28000.findings_by_clause TO PUBLIC;
/*
 * sql/views/cross_standard.sql
 *		Several standards side by side: one standard's self-assessment and
 *		audit results read through the clause maps (sql/core/08_catalog.sql,
 *		clause_map) onto another standard.  Reference: doc/standards.md.
 *
 * How a result reaches the target.  A result on clause x of the source
 * standard S reaches target clause t of standard T through the map rows
 * between S and T (read in both directions) whose source clause covers x
 * (x <@ from_clause); of those only the deepest source clause counts, so a
 * map of 8.6.4 wins over a map of 8.6 for a result on 8.6.4, and a result
 * is not counted twice through a clause and its sub-clause.  Each pair
 * (result, target clause) is one item of the target clause.
 *
 * Scoring.  The items of a target clause are tallied with the scoring
 * aggregate (conformity_tally, one tally per target clause, grouped straight
 * over the results so a parallel plan aggregates partially in the workers),
 * a target leaf clause no item reaches adds one not_assessed item, and a
 * clause counts its own tally and its sub-clauses' (conformity_merge up the
 * target's hierarchy), exactly as conformity_by_clause rolls up.  Integer
 * sums throughout: serial and parallel plans agree to the last digit
 * (test/pgtap/cross_standard.sql).
 */

-- The rule of the header, once, for both projections: for each catalog
-- clause x, the target clauses of the deepest map rows covering it.
CREATE VIEW iso28000.clause_map_reach WITH (security_invoker = true) AS
SELECT x.standard AS source_standard, x.clause AS source_clause, p.to_standard, p.to_clause
  FROM iso28000.clause x
  JOIN (SELECT m.from_standard, m.from_clause, m.to_standard, m.to_clause FROM iso28000.clause_map m
        UNION ALL
        SELECT m.to_standard, m.to_clause, m.from_standard, m.from_clause FROM iso28000.clause_map m) p
    ON p.from_standard = x.standard AND x.clause OPERATOR(iso28000.<@) p.from_clause
 WHERE NOT EXISTS (SELECT FROM iso28000.clause_map q
                    WHERE (q.from_standard = x.standard AND q.to_standard = p.to_standard
                           AND x.clause OPERATOR(iso28000.<@) q.from_clause
                           AND q.from_clause OPERATOR(iso28000.>) p.from_clause)
                       OR (q.to_standard = x.standard AND q.from_standard = p.to_standard
                           AND x.clause OPERATOR(iso28000.<@) q.to_clause
                           AND q.to_clause OPERATOR(iso28000.>) p.from_clause));
COMMENT ON VIEW iso28000.clause_map_reach IS
  'ISO 28000 4.4: Where a result on each catalog clause reaches another standard through the clause maps (read both ways): the target clauses of the deepest map rows whose source clause covers it; what conformity_projection and audit_projection count. Not meant for BI.';
COMMENT ON COLUMN iso28000.clause_map_reach.source_standard IS 'Standard of the clause a result is recorded on.';
COMMENT ON COLUMN iso28000.clause_map_reach.source_clause IS 'That clause.';
COMMENT ON COLUMN iso28000.clause_map_reach.to_standard IS 'Standard reached.';
COMMENT ON COLUMN iso28000.clause_map_reach.to_clause IS 'Clause reached.';
GRANT SELECT ON iso28000.clause_map_reach TO PUBLIC;

CREATE VIEW iso28000.conformity_projection WITH (security_invoker = true) AS
WITH target AS (
    -- each assessment with each standard its own standard has maps to, and that standard's clauses
    SELECT s.org_id, s.assessment_id, s.title AS assessment_title, s.assessed_on, s.standard AS source_standard,
           c.standard, c.clause, c.title, c.seq,
           NOT EXISTS (SELECT FROM iso28000.clause k WHERE k.standard = c.standard AND k.parent = c.clause) AS leaf
      FROM iso28000.self_assessment s
      JOIN iso28000.clause c
        ON c.pdca IS NOT NULL
       AND EXISTS (SELECT FROM iso28000.clause_map m
                    WHERE (m.from_standard = s.standard AND m.to_standard = c.standard)
                       OR (m.to_standard = s.standard AND m.from_standard = c.standard))),
reach AS NOT MATERIALIZED (
    -- for each catalog clause, the target clauses of the deepest map rows covering it
    SELECT r.source_standard, r.source_clause, r.to_standard, r.to_clause FROM iso28000.clause_map_reach r),
per_target AS (
    -- one tally per target clause: the scoring aggregate straight over the results
    SELECT res.org_id, res.assessment_id, m.to_standard AS standard, m.to_clause AS clause,
           iso28000.conformity_tally(res.grade, res.weight) AS tally
      FROM iso28000.assessment_result res
      JOIN reach m ON m.source_standard = res.standard AND m.source_clause OPERATOR(iso28000.=) res.clause
     GROUP BY 1, 2, 3, 4),
leaves AS (
    SELECT t.org_id, t.assessment_id, t.standard, t.clause,
           CASE WHEN p.tally IS NOT NULL THEN p.tally
                WHEN t.leaf THEN '{not_assessed=1/1}'::iso28000.conformity_tally END AS tally
      FROM target t
      LEFT JOIN per_target p ON p.org_id = t.org_id AND p.assessment_id = t.assessment_id
                            AND p.standard = t.standard AND p.clause OPERATOR(iso28000.=) t.clause),
rolled AS (
    SELECT l.org_id, l.assessment_id, l.standard, iso28000.ancestor(l.clause, d) AS clause,
           iso28000.conformity_merge(l.tally) AS tally
      FROM leaves l
     CROSS JOIN LATERAL generate_series(1, iso28000.depth(l.clause)) AS d
     WHERE l.tally IS NOT NULL
     GROUP BY 1, 2, 3, 4)
SELECT t.org_id, t.assessment_id, t.assessment_title, t.assessed_on, t.source_standard, t.standard,
       t.clause::text AS clause, iso28000.sort_key(t.clause) AS clause_sort, t.title, t.seq,
       iso28000.depth(t.clause) AS depth,
       (SELECT string_agg(p.from_clause::text, ', ' ORDER BY iso28000.sort_key(p.from_clause))
          FROM (SELECT m.from_standard, m.from_clause, m.to_standard, m.to_clause FROM iso28000.clause_map m
                UNION ALL
                SELECT m.to_standard, m.to_clause, m.from_standard, m.from_clause FROM iso28000.clause_map m) p
         WHERE p.from_standard = t.source_standard AND p.to_standard = t.standard
           AND p.to_clause OPERATOR(iso28000.=) t.clause) AS mapped_from,
       EXISTS (SELECT FROM reach m WHERE m.source_standard = t.source_standard AND m.to_standard = t.standard
                                      AND m.to_clause OPERATOR(iso28000.<@) t.clause) AS reached,
       round(iso28000.score(r.tally)::numeric, 2) AS score,
       round(iso28000.coverage(r.tally)::numeric, 2) AS coverage,
       iso28000.verdict(r.tally) AS verdict,
       coalesce(iso28000.count_of(r.tally, 'minor_nc'), 0) AS minor_nc_count,
       coalesce(iso28000.count_of(r.tally, 'major_nc'), 0) AS major_nc_count,
       r.tally::text AS tally
  FROM target t
  LEFT JOIN leaves l ON l.org_id = t.org_id AND l.assessment_id = t.assessment_id
                    AND l.standard = t.standard AND l.clause OPERATOR(iso28000.=) t.clause
  LEFT JOIN rolled r ON r.org_id = t.org_id AND r.assessment_id = t.assessment_id
                    AND r.standard = t.standard AND r.clause OPERATOR(iso28000.=) t.clause;
COMMENT ON VIEW iso28000.conformity_projection IS
  'ISO 28000 9.1, 9.1.2, 4.4: Each self-assessment read through the clause maps onto every other standard its standard is mapped to: per target clause, the source clauses mapped onto it, whether any source clause reaches it or a sub-clause (reached), and the score, coverage and verdict of the results that reach it, rolled up the target''s hierarchy like conformity_by_clause (a target leaf no result reaches counts as not_assessed).';
COMMENT ON COLUMN iso28000.conformity_projection.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.conformity_projection.assessment_id IS 'The self-assessment read.';
COMMENT ON COLUMN iso28000.conformity_projection.assessment_title IS 'Name of the self-assessment.';
COMMENT ON COLUMN iso28000.conformity_projection.assessed_on IS 'Date of the self-assessment.';
COMMENT ON COLUMN iso28000.conformity_projection.source_standard IS 'Standard the assessment assessed.';
COMMENT ON COLUMN iso28000.conformity_projection.standard IS 'Standard reported against (the target of the maps).';
COMMENT ON COLUMN iso28000.conformity_projection.clause IS 'Clause of the target standard, as text.';
COMMENT ON COLUMN iso28000.conformity_projection.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.conformity_projection.title IS 'Title of the target clause.';
COMMENT ON COLUMN iso28000.conformity_projection.seq IS 'Position of the target clause in its standard.';
COMMENT ON COLUMN iso28000.conformity_projection.depth IS 'Depth of the target clause (1 for a top-level clause).';
COMMENT ON COLUMN iso28000.conformity_projection.mapped_from IS 'Clauses of the source standard mapped onto this clause (read both ways), comma separated; NULL when none is.';
COMMENT ON COLUMN iso28000.conformity_projection.reached IS 'True when a map from the source standard reaches this clause or one of its sub-clauses; false marks a gap the source standard does not cover.';
COMMENT ON COLUMN iso28000.conformity_projection.score IS 'Weighted conformity score of the items of the clause and its sub-clauses, in percent, to two decimals.';
COMMENT ON COLUMN iso28000.conformity_projection.coverage IS 'Share of applicable items graded, in percent, to two decimals (unreached leaves count as not_assessed).';
COMMENT ON COLUMN iso28000.conformity_projection.verdict IS 'nonconforming, conforming_with_findings or conforming (NULL when nothing graded).';
COMMENT ON COLUMN iso28000.conformity_projection.minor_nc_count IS 'Items graded minor_nc among the clause and its sub-clauses.';
COMMENT ON COLUMN iso28000.conformity_projection.major_nc_count IS 'Items graded major_nc among the clause and its sub-clauses.';
COMMENT ON COLUMN iso28000.conformity_projection.tally IS 'The merged conformity_tally of the clause, as text ({conforming=3/5,...}), to check the figures by hand.';

CREATE VIEW iso28000.audit_projection WITH (security_invoker = true) AS
WITH target AS (
    SELECT a.org_id, a.audit_id, a.title AS audit_title, a.status AS audit_status, a.scope, a.standard AS source_standard,
           c.standard, c.clause, c.title, c.seq
      FROM iso28000.audit a
      JOIN iso28000.clause c
        ON c.pdca IS NOT NULL
       AND EXISTS (SELECT FROM iso28000.clause_map m
                    WHERE (m.from_standard = a.standard AND m.to_standard = c.standard)
                       OR (m.to_standard = a.standard AND m.from_standard = c.standard))
     WHERE a.status <> 'cancelled'),
reach AS NOT MATERIALIZED (
    -- for each catalog clause, the target clauses of the deepest map rows covering it
    SELECT r.source_standard, r.source_clause, r.to_standard, r.to_clause FROM iso28000.clause_map_reach r),
per_target AS (
    -- one tally per target clause of each audit: the findings, each of weight 1
    SELECT f.org_id, f.audit_id, m.to_standard AS standard, m.to_clause AS clause,
           iso28000.conformity_tally(f.grade) AS tally, count(*) AS findings
      FROM iso28000.audit_finding f
      JOIN reach m ON m.source_standard = f.standard AND m.source_clause OPERATOR(iso28000.=) f.clause
     GROUP BY 1, 2, 3, 4),
rolled AS (
    SELECT p.org_id, p.audit_id, p.standard, iso28000.ancestor(p.clause, d) AS clause,
           iso28000.conformity_merge(p.tally) AS tally, sum(p.findings)::bigint AS findings
      FROM per_target p
     CROSS JOIN LATERAL generate_series(1, iso28000.depth(p.clause)) AS d
     GROUP BY 1, 2, 3, 4)
SELECT t.org_id, t.audit_id, t.audit_title, t.audit_status, t.source_standard, t.standard,
       t.clause::text AS clause, iso28000.sort_key(t.clause) AS clause_sort, t.title, t.seq,
       iso28000.depth(t.clause) AS depth,
       EXISTS (SELECT FROM reach m
                WHERE m.source_standard = t.source_standard AND m.to_standard = t.standard
                  AND m.to_clause OPERATOR(iso28000.<@) t.clause
                  AND iso28000.scope_covers(t.scope, m.source_clause)) AS reached,
       coalesce(r.findings, 0) AS findings,
       round(iso28000.score(r.tally)::numeric, 2) AS score,
       iso28000.verdict(r.tally) AS verdict,
       coalesce(iso28000.count_of(r.tally, 'minor_nc'), 0) AS minor_nc_count,
       coalesce(iso28000.count_of(r.tally, 'major_nc'), 0) AS major_nc_count,
       r.tally::text AS tally
  FROM target t
  LEFT JOIN rolled r ON r.org_id = t.org_id AND r.audit_id = t.audit_id
                    AND r.standard = t.standard AND r.clause OPERATOR(iso28000.=) t.clause;
COMMENT ON VIEW iso28000.audit_projection IS
  'ISO 28000 9.2.2, 4.4: Each audit (not cancelled) reported against every other standard its standard is mapped to: per target clause, whether the audit scope reaches it through the maps (reached; false marks what the audit said nothing about), and the findings that reach it with their score and verdict, rolled up the target''s hierarchy.';
COMMENT ON COLUMN iso28000.audit_projection.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.audit_projection.audit_id IS 'The audit.';
COMMENT ON COLUMN iso28000.audit_projection.audit_title IS 'Name of the audit.';
COMMENT ON COLUMN iso28000.audit_projection.audit_status IS 'Workflow state of the audit.';
COMMENT ON COLUMN iso28000.audit_projection.source_standard IS 'Standard the audit audited.';
COMMENT ON COLUMN iso28000.audit_projection.standard IS 'Standard reported against (the target of the maps).';
COMMENT ON COLUMN iso28000.audit_projection.clause IS 'Clause of the target standard, as text.';
COMMENT ON COLUMN iso28000.audit_projection.clause_sort IS 'Sorts clause as the standard does (4 < 4.1 < 9.3 < 10 < A.1), where clause, being text, sorts 10 before 9.';
COMMENT ON COLUMN iso28000.audit_projection.title IS 'Title of the target clause.';
COMMENT ON COLUMN iso28000.audit_projection.seq IS 'Position of the target clause in its standard.';
COMMENT ON COLUMN iso28000.audit_projection.depth IS 'Depth of the target clause (1 for a top-level clause).';
COMMENT ON COLUMN iso28000.audit_projection.reached IS 'True when a source clause inside the audit scope maps onto this clause or one of its sub-clauses.';
COMMENT ON COLUMN iso28000.audit_projection.findings IS 'Findings that reach the clause and its sub-clauses (a finding reaching two sub-clauses counts in each).';
COMMENT ON COLUMN iso28000.audit_projection.score IS 'Conformity score of those findings, in percent, to two decimals (NULL without findings).';
COMMENT ON COLUMN iso28000.audit_projection.verdict IS 'nonconforming, conforming_with_findings or conforming (NULL without findings).';
COMMENT ON COLUMN iso28000.audit_projection.minor_nc_count IS 'Findings graded minor_nc among them.';
COMMENT ON COLUMN iso28000.audit_projection.major_nc_count IS 'Findings graded major_nc among them.';
COMMENT ON COLUMN iso28000.audit_projection.tally IS 'The merged conformity_tally, as text.';

GRANT SELECT ON iso28000.conformity_projection, iso28000.audit_projection TO PUBLIC;
/*
 * sql/views/history.sql
 *		Views of the history chain (sql/core/05_history.sql) for people and
 *		for the independent verifier: who changed what and when (with the
 *		person of the organisation behind the login), each record's versions,
 *		and the export that tools/verify-history reads.  They run with the
 *		caller's rights: the history's policies show members at level audit
 *		their organisations' records.
 */


-- The columns whose value differs between two row images.  A function rather
-- than a sub-select in history_log: Citus runs it on the workers, beside the
-- history shards, where it cannot push down a sub-select without FROM.
CREATE FUNCTION iso28000._changed_columns(before_image jsonb, after_image jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(k, ', ' ORDER BY k)
      FROM (SELECT jsonb_object_keys(coalesce(before_image, '{}'))
            UNION
            SELECT jsonb_object_keys(coalesce(after_image, '{}'))) AS keys (k)
     WHERE before_image -> k IS DISTINCT FROM after_image -> k
$$;
COMMENT ON FUNCTION iso28000._changed_columns(jsonb, jsonb) IS
  'Internal: the keys whose values differ between two row images (all keys when one is NULL), sorted and separated by commas; NULL when none differ. history_log.changed_columns.';

-- Who changed what and when.
CREATE VIEW iso28000.history_log WITH (security_invoker = true) AS
SELECT h.org_id,
       h.seq,
       h.recorded_at,
       h.session_role,
       h.acting_role,
       h.acting_person AS person_id,
       p.full_name AS person_name,
       h.table_name,
       h.operation,
       h.row_key::text AS row_key,
       iso28000._changed_columns(h.before_image, h.after_image) AS changed_columns,
       h.txid
  FROM iso28000.history h
  LEFT JOIN iso28000.person p ON p.org_id = h.org_id AND p.person_id = h.acting_person;
COMMENT ON VIEW iso28000.history_log IS
  'ISO 28000 7.5.3, 9.2: Who changed what and when, one row per history record, with the columns each change touched; auditors (level audit) see their organisations.';
COMMENT ON COLUMN iso28000.history_log.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.history_log.seq IS 'Position in the organisation''s history chain.';
COMMENT ON COLUMN iso28000.history_log.recorded_at IS 'Start time of the transaction that made the change.';
COMMENT ON COLUMN iso28000.history_log.session_role IS 'Login that made the change.';
COMMENT ON COLUMN iso28000.history_log.acting_role IS 'Current user when the change was made.';
COMMENT ON COLUMN iso28000.history_log.person_id IS 'The acting person recorded with the change (history.acting_person): a fact at write time, not moved by later changes of person.db_role; NULL when nobody acted as a person and for records written before 0.2.0.';
COMMENT ON COLUMN iso28000.history_log.person_name IS 'Full name of that person.';
COMMENT ON COLUMN iso28000.history_log.table_name IS 'Register that changed.';
COMMENT ON COLUMN iso28000.history_log.operation IS 'INSERT, UPDATE or DELETE.';
COMMENT ON COLUMN iso28000.history_log.row_key IS 'Primary key of the changed row, as the text of a JSON object.';
COMMENT ON COLUMN iso28000.history_log.changed_columns IS 'Columns whose value differs between the before and after images (all columns for INSERT and DELETE), in name order, separated by a comma and a space.';
COMMENT ON COLUMN iso28000.history_log.txid IS 'Transaction id of the change; records with the same txid were made together.';

-- Each record's versions over time.
CREATE VIEW iso28000.record_version WITH (security_invoker = true) AS
SELECT h.org_id,
       h.table_name,
       h.row_key::text AS row_key,
       row_number() OVER w AS version,
       h.seq,
       h.operation,
       h.recorded_at AS valid_from,
       lead(h.recorded_at) OVER w AS valid_to,
       h.after_image IS NULL AS deleted,
       coalesce(h.after_image, h.before_image)::text AS image,
       h.session_role AS changed_by
  FROM iso28000.history h
WINDOW w AS (PARTITION BY h.org_id, h.table_name, h.row_key ORDER BY h.seq);
COMMENT ON VIEW iso28000.record_version IS
  'ISO 28000 7.5.3: Every version of every register row over time, from the history chain; filter on table_name and row_key to follow one record.';
COMMENT ON COLUMN iso28000.record_version.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.record_version.table_name IS 'Register of the row.';
COMMENT ON COLUMN iso28000.record_version.row_key IS 'Primary key of the row, as the text of a JSON object.';
COMMENT ON COLUMN iso28000.record_version.version IS 'Version number of the row: 1 for its insertion, then one per change.';
COMMENT ON COLUMN iso28000.record_version.seq IS 'History record of this version.';
COMMENT ON COLUMN iso28000.record_version.operation IS 'INSERT, UPDATE or DELETE that made this version.';
COMMENT ON COLUMN iso28000.record_version.valid_from IS 'When this version was written (transaction start).';
COMMENT ON COLUMN iso28000.record_version.valid_to IS 'When the next version was written; NULL for the current one.';
COMMENT ON COLUMN iso28000.record_version.deleted IS 'True for the version that records the row''s deletion.';
COMMENT ON COLUMN iso28000.record_version.image IS 'The row as of this version (its last image for a deletion), as the text of a JSON object (cast it to jsonb to pick a column).';
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
       encode(h.hash, 'hex') AS hash,
       h.acting_person
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
COMMENT ON COLUMN iso28000.history_export.acting_person IS 'The acting person recorded with the change (empty when none); hashed as a last field only when present.';

GRANT SELECT ON iso28000.history_log, iso28000.record_version, iso28000.history_export TO PUBLIC;
/*
 * sql/views/review_input_pack.sql
 *		ISO 28000 9.3.2: the input pack of a management review, live data for
 *		the period a review covers, gathered from the registers of every
 *		clause (4, 6, 9 and 10) for the checklist of
 *		sql/clauses/clause09_3_management_review.sql.  The HTML report
 *		(sql/reports/management_review_report.sql) shows it.
 */


-- Rows of a register opened, closed and still open for a period, by its date
-- columns; closed_col NULL for a register whose rows are not closed (party
-- requirements): closed_in_period is then null and every row opened by the
-- end counts as open.
CREATE FUNCTION iso28000._period_counts(tbl text, org bigint, from_on date, to_on date,
                                        opened_col text, closed_col text)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
BEGIN
    EXECUTE format($q$
        SELECT jsonb_build_object(
                 'available', true,
                 'opened_in_period', count(*) FILTER (WHERE %1$I BETWEEN $2 AND $3),
                 'closed_in_period', CASE WHEN $4 THEN count(*) FILTER (WHERE %2$s BETWEEN $2 AND $3) END,
                 'open_at_end', count(*) FILTER (WHERE %1$I <= $3 AND (%2$s IS NULL OR %2$s > $3)))
          FROM %3$s WHERE org_id = $1 $q$, opened_col, coalesce(quote_ident(closed_col), 'NULL::date'), tbl)
      INTO result USING org, from_on, to_on, closed_col IS NOT NULL;
    RETURN result;
END
$$;
COMMENT ON FUNCTION iso28000._period_counts(text, bigint, date, date, text, text) IS
  'Internal: how many rows of a register were opened and closed in a period and how many were open at its end, from two date columns (closed_col NULL: rows are never closed, closed_in_period is null; "available" is always true: every register is installed with the extension; the key is kept for readers of release 0.1.0''s pack).';

-- Rows of a workflow register per status and, when it has a due date, how
-- many are past it.
CREATE FUNCTION iso28000._status_counts(tbl text, org bigint, to_on date, has_due_on boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    by_status jsonb;
    overdue   bigint;
BEGIN
    EXECUTE format('SELECT coalesce(jsonb_object_agg(status, n), ''{}'') FROM
                      (SELECT status, count(*) AS n FROM %s WHERE org_id = $1 GROUP BY status) s', tbl)
      INTO by_status USING org;
    IF has_due_on THEN
        EXECUTE format($q$SELECT count(*) FROM %s t
                           WHERE org_id = $1 AND due_on < $2
                             AND NOT EXISTS (SELECT FROM iso28000.workflow_state s
                                              WHERE s.state = t.status AND s.is_terminal)$q$, tbl)
          INTO overdue USING org, to_on;
    END IF;
    RETURN jsonb_build_object('available', true, 'by_status', by_status, 'overdue_at_end', overdue);
END
$$;
COMMENT ON FUNCTION iso28000._status_counts(text, bigint, date, boolean) IS
  'Internal: rows of a register per status and, when the caller says it has due_on, how many non-terminal rows were past due at the date ("available" is always true, kept for readers of release 0.1.0''s pack).';

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
    -- What the helpers (_period_counts, _status_counts) find, each asked in a
    -- statement of its own: on Citus a statement that filters by org_id runs
    -- whole on that organisation's worker, select list included, where a
    -- helper's own queries could not start (doc/distribution.md).
    measurements jsonb := iso28000._period_counts('iso28000.objective_measurement', org, from_on, to_on,
                                                  'measured_on', 'measured_on');
    improvements jsonb := iso28000._status_counts('iso28000.improvement', org, to_on, true);
    incidents jsonb := iso28000._incident_facts(org, from_on, to_on);
    context jsonb := iso28000._period_counts('iso28000.context_issue', org, from_on, to_on,
                                             'identified_on', 'closed_on');
    parties jsonb := jsonb_build_object(
                 'parties', iso28000._period_counts('iso28000.interested_party', org, from_on, to_on,
                                                    'identified_on', 'closed_on'),
                 'requirements', iso28000._period_counts('iso28000.party_requirement', org, from_on, to_on,
                                                         'identified_on', NULL));
    ncs jsonb := jsonb_build_object(
                 'nonconformities', iso28000._status_counts('iso28000.nonconformity', org, to_on, false),
                 'corrective_actions', iso28000._status_counts('iso28000.corrective_action', org, to_on, true));
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
             'objective_measurements', measurements,
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

    objectives := iso28000._period_counts('iso28000.objective', org, from_on, to_on, 'set_on', 'achieved_on')
                  || jsonb_build_object('overdue_at_end', iso28000._objectives_overdue(org, to_on));

    SELECT jsonb_build_object(
             'opportunities_from_audits', (SELECT count(*) FROM iso28000.audit_finding f
                                            WHERE f.org_id = org AND f.grade = 'opportunity'
                                              AND f.found_on BETWEEN from_on AND to_on),
             'opportunities_from_assessments', (SELECT count(*) FROM iso28000.assessment_result r
                                                  JOIN iso28000.self_assessment s USING (org_id, assessment_id)
                                                 WHERE r.org_id = org AND r.grade = 'opportunity'
                                                   AND s.assessed_on BETWEEN from_on AND to_on),
             'improvements', improvements)
      INTO improvement;

    RETURN QUERY
    SELECT c.input_code, c.title,
           CASE c.input_code
             WHEN 'previous_actions' THEN prev
             WHEN 'context_changes' THEN context
             WHEN 'party_changes' THEN parties
             WHEN 'nonconformities' THEN ncs
             WHEN 'monitoring_results' THEN monitoring
             WHEN 'audit_results' THEN audits
             WHEN 'objectives' THEN objectives
             WHEN 'improvement_opportunities' THEN improvement
             WHEN 'security_incidents' THEN incidents
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
  'ISO 28000 9.3.2: The input pack of a management review for a period, from live data: one row per checklist input (shared and the organisation''s own) with its facts as JSON: actions of earlier reviews, changes of context issues and interested parties, nonconformities and corrective actions, self-assessment scores (the conformity trend) and measurements, audit results, objectives, improvement opportunities, security incidents and exercises. Each register''s facts carry "available": true (kept from release 0.1.0, whose pack probed for registers); an organisation''s own inputs have NULL facts.';

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
/*
 * sql/views/due_items.sql
 *		Everything that falls due, across every register, in one view:
 *		iso28000.due_item.  One row per thing someone must do by a date
 *		(evaluate an obligation, test a control, review a document, exercise
 *		a plan, renew a provider's evidence or a training, send a
 *		communication, finish a review output, a corrective action, a risk
 *		treatment or an improvement, reach an objective, review a risk or a
 *		context issue, notify an authority of an incident), with the
 *		register and record it comes from, the person responsible and
 *		whether it is overdue.  Plain SQL types only,
 *		security_invoker: row-level security of the registers decides what a
 *		member sees.  The notification outbox raises its rows when they fall
 *		due (iso28000.raise_due_items, sql/views/notification.sql).
 *		Reference: doc/due-and-notify.md.
 */

CREATE VIEW iso28000.due_item WITH (security_invoker = true) AS
WITH items (org_id, register, record_id, record_code, record_title, item, reason, responsible_id, due_on) AS (
    -- 4.2.2 the next compliance evaluation of an obligation in force
    SELECT o.org_id, 'obligation', o.obligation_id, o.reference, o.title, 'compliance_evaluation',
           CASE WHEN e.evaluated_on IS NULL THEN 'never_done' ELSE 'due' END,
           o.owner_id,
           CASE WHEN e.evaluated_on IS NULL THEN o.applies_from
                ELSE coalesce(e.next_due_on, (e.evaluated_on + o.evaluation_interval)::date) END
      FROM iso28000.obligation o
      LEFT JOIN LATERAL (
            SELECT ce.evaluated_on, ce.next_due_on
              FROM iso28000.compliance_evaluation ce
             WHERE ce.org_id = o.org_id AND ce.obligation_id = o.obligation_id
             ORDER BY ce.evaluated_on DESC, ce.compliance_evaluation_id DESC
             LIMIT 1) e ON true
     WHERE (o.applies_until IS NULL OR o.applies_until >= current_date)
       AND (e.evaluated_on IS NULL OR e.next_due_on IS NOT NULL OR o.evaluation_interval IS NOT NULL)
    UNION ALL
    -- 4.1 the review of a context issue still open
    SELECT ci.org_id, 'context_issue', ci.context_issue_id, NULL, ci.title, 'context_review', 'due',
           ci.owner_id, ci.review_on
      FROM iso28000.context_issue ci
     WHERE ci.review_on IS NOT NULL AND ci.closed_on IS NULL
    UNION ALL
    -- 6.1, 8.3 the review of a risk not closed
    SELECT r.org_id, 'risk', r.risk_id, r.reference, r.title, 'risk_review', 'due', r.owner_id, r.review_on
      FROM iso28000.risk r
     WHERE r.review_on IS NOT NULL AND r.status <> 'closed'
    UNION ALL
    -- 6.2 a security objective not yet achieved nor cancelled
    SELECT ob.org_id, 'objective', ob.objective_id, NULL, ob.title, 'objective', 'due', ob.owner_id, ob.due_on
      FROM iso28000.objective ob
     WHERE ob.achieved_on IS NULL AND ob.cancelled_on IS NULL
    UNION ALL
    -- 7.2 the renewal of a training or qualification (the latest of each person and requirement)
    SELECT t.org_id, 'training_record', t.training_record_id, NULL, t.title, 'training_validity', 'expires',
           t.person_id, t.valid_until
      FROM iso28000.training_record t
     WHERE t.valid_until IS NOT NULL
       AND NOT EXISTS (SELECT FROM iso28000.training_record l
                        WHERE l.org_id = t.org_id AND l.person_id = t.person_id
                          AND (l.competence_requirement_id = t.competence_requirement_id
                               OR (t.competence_requirement_id IS NULL AND l.competence_requirement_id IS NULL
                                   AND l.title = t.title))
                          AND l.training_record_id <> t.training_record_id
                          AND (l.valid_until IS NULL OR l.valid_until > t.valid_until))
    UNION ALL
    -- 7.4 the next communication of the plan
    SELECT c.org_id, 'communication', c.communication_id, NULL, c.subject, 'communication', 'due',
           c.owner_id, c.next_due_on
      FROM iso28000.communication c
     WHERE c.active AND c.next_due_on IS NOT NULL
    UNION ALL
    -- 7.5.2 the review of a document
    SELECT d.org_id, 'document', d.document_id, d.code, d.title, 'document_review', 'due', d.owner_id, d.review_due_on
      FROM iso28000.document_current d
     WHERE d.review_due_on IS NOT NULL
    UNION ALL
    -- 8.4, 9.1 the next test of a control in operation
    SELECT c.org_id, 'control', c.control_id, c.code, c.title, 'control_test',
           CASE WHEN t.tested_on IS NULL THEN 'never_done' ELSE 'due' END,
           c.owner_id,
           CASE WHEN t.tested_on IS NULL THEN c.implemented_on
                ELSE coalesce(t.next_test_on, (t.tested_on + c.test_interval)::date) END
      FROM iso28000.control c
      LEFT JOIN LATERAL (
            SELECT ct.tested_on, ct.next_test_on
              FROM iso28000.control_test ct
             WHERE ct.org_id = c.org_id AND ct.control_id = c.control_id
             ORDER BY ct.tested_on DESC, ct.control_test_id DESC
             LIMIT 1) t ON true
     WHERE c.implemented_on IS NOT NULL AND c.retired_on IS NULL
       AND (c.test_interval IS NOT NULL OR t.next_test_on IS NOT NULL)
    UNION ALL
    -- 8.3, 8.5 a risk treatment not implemented yet
    SELECT rt.org_id, 'risk_treatment', rt.risk_treatment_id, NULL, r.title, 'risk_treatment', 'due',
           rt.owner_id, rt.due_on
      FROM iso28000.risk_treatment rt
      JOIN iso28000.risk r ON r.org_id = rt.org_id AND r.risk_id = rt.risk_id
     WHERE rt.due_on IS NOT NULL AND rt.implemented_on IS NULL AND rt.cancelled_on IS NULL
    UNION ALL
    -- 8.4 supply chain: a provider's evidence that expires and is not yet replaced
    SELECT e.org_id, 'provider_evidence', e.evidence_id, n.code || '/' || q.code, q.title || ': ' || n.name,
           'provider_evidence', 'expires', n.owner_id, e.valid_until
      FROM iso28000.provider_evidence e
      JOIN iso28000.supply_chain_node n ON n.org_id = e.org_id AND n.node_id = e.node_id
      JOIN iso28000.security_requirement q ON q.org_id = e.org_id AND q.requirement_id = e.requirement_id
     WHERE e.valid_until IS NOT NULL AND e.revoked_on IS NULL AND n.active AND q.active
       AND NOT EXISTS (SELECT FROM iso28000.provider_evidence l
                        WHERE l.org_id = e.org_id AND l.node_id = e.node_id
                          AND l.requirement_id = e.requirement_id AND l.revoked_on IS NULL
                          AND l.evidence_id <> e.evidence_id
                          AND (l.valid_until IS NULL OR l.valid_until > e.valid_until))
    UNION ALL
    -- 8.4 supply chain: a provider's next assessment (the latest assessment of each node)
    SELECT a.org_id, 'provider_assessment', a.assessment_id, n.code, n.name, 'provider_assessment', 'due',
           n.owner_id, a.next_due_on
      FROM iso28000.provider_assessment a
      JOIN iso28000.supply_chain_node n ON n.org_id = a.org_id AND n.node_id = a.node_id
     WHERE a.next_due_on IS NOT NULL AND n.active
       AND NOT EXISTS (SELECT FROM iso28000.provider_assessment l
                        WHERE l.org_id = a.org_id AND l.node_id = a.node_id
                          AND (l.assessed_on, l.assessment_id) > (a.assessed_on, a.assessment_id))
    UNION ALL
    -- 8.1 supply chain: an approved exception admitting a provider, until it expires
    SELECT x.org_id, 'provider_exception', x.exception_id, n.code, n.name || ': ' || x.reason, 'provider_exception', 'expires',
           n.owner_id, x.valid_until
      FROM iso28000.provider_exception x
      JOIN iso28000.supply_chain_node n ON n.org_id = x.org_id AND n.node_id = x.node_id
     WHERE x.status = 'approved' AND n.active
    UNION ALL
    -- 8.1 supply chain: a partner's screening that expires (the latest of each node and list)
    SELECT s.org_id, 'partner_screening', s.screening_id, n.code, s.list_name || ': ' || n.name, 'partner_screening', 'expires',
           n.owner_id, s.valid_until
      FROM iso28000.partner_screening s
      JOIN iso28000.supply_chain_node n ON n.org_id = s.org_id AND n.node_id = s.node_id
     WHERE s.valid_until IS NOT NULL AND n.active
       AND NOT EXISTS (SELECT FROM iso28000.partner_screening l
                        WHERE l.org_id = s.org_id AND l.node_id = s.node_id AND l.list_name = s.list_name
                          AND (l.screened_on, l.screening_id) > (s.screened_on, s.screening_id))
    UNION ALL
    -- 8.6 the next exercise of an active security plan (never exercised: due since its approval)
    SELECT x.org_id, 'security_plan', x.security_plan_id, NULL, x.title, 'plan_exercise',
           CASE WHEN x.last_exercised_on IS NULL THEN 'never_done' ELSE 'due' END,
           x.owner_id, coalesce(x.due_on, p.approved_on)
      FROM iso28000.security_plan_exercise_due x
      JOIN iso28000.security_plan p ON p.org_id = x.org_id AND p.security_plan_id = x.security_plan_id
    UNION ALL
    -- 8.6 an exercise planned and not yet held
    SELECT e.org_id, 'plan_exercise', e.exercise_id, NULL, p.title || ' (' || e.kind || ')', 'exercise_planned', 'due',
           e.lead_id, e.planned_on
      FROM iso28000.plan_exercise e
      JOIN iso28000.security_plan p ON p.org_id = e.org_id AND p.security_plan_id = e.security_plan_id
     WHERE e.planned_on IS NOT NULL AND e.held_on IS NULL
    UNION ALL
    -- 8.6 the review of an active security plan
    SELECT p.org_id, 'security_plan', p.security_plan_id, NULL, p.title, 'plan_review', 'due', p.owner_id, p.next_review_on
      FROM iso28000.security_plan p
     WHERE p.status = 'active' AND p.next_review_on IS NOT NULL
    UNION ALL
    -- 9.3.3 an action or decision of a management review still open
    SELECT o.org_id, 'review_output', o.output_id, NULL, o.description, 'review_output', 'due', o.owner_id, o.due_on
      FROM iso28000.review_output o
     WHERE o.status = 'open' AND o.due_on IS NOT NULL
    UNION ALL
    -- 10.2 the closing deadline of an open nonconformity
    SELECT n.org_id, 'nonconformity', n.nonconformity_id, NULL, n.title, 'nonconformity_closure', 'due',
           n.owner_id, n.close_due_on
      FROM iso28000.nonconformity_open n
    UNION ALL
    -- 10.2 a corrective action planned or in progress
    SELECT ca.org_id, 'corrective_action', ca.corrective_action_id, NULL, ca.title, 'corrective_action', 'due',
           ca.owner_id, ca.due_on
      FROM iso28000.corrective_action ca
     WHERE ca.status IN ('planned', 'in_progress') AND ca.due_on IS NOT NULL
    UNION ALL
    -- 10.1 an improvement approved and not yet implemented
    SELECT i.org_id, 'improvement', i.improvement_id, NULL, i.title, 'improvement', 'due', i.owner_id, i.due_on
      FROM iso28000.improvement i
     WHERE i.due_on IS NOT NULL AND i.status IN ('proposed', 'approved')
    UNION ALL
    -- 4.2.2, 7.4, 8.6.3 an incident's notification to an authority, required and not yet sent
    -- (no deadline set: due at once, like a task never done)
    SELECT d.org_id, 'security_incident', d.incident_id, d.reference, d.title, 'authority_notification',
           CASE WHEN d.notify_by IS NULL THEN 'never_done' ELSE 'due' END,
           si.owner_id, d.notify_by::date
      FROM iso28000.incident_notification_due d
      JOIN iso28000.security_incident si ON si.org_id = d.org_id AND si.incident_id = d.incident_id)
SELECT it.org_id,
       g.code AS org_code,
       it.register::text AS register,
       it.record_id::bigint AS record_id,
       it.record_code::text AS record_code,
       it.record_title::text AS record_title,
       it.item::text AS item,
       it.reason::text AS reason,
       it.responsible_id::bigint AS responsible_id,
       p.full_name AS responsible_name,
       p.email AS responsible_email,
       it.due_on::date AS due_on,
       (it.due_on IS NULL OR it.due_on < current_date) AS overdue,
       (current_date - it.due_on)::integer AS days_overdue
  FROM items it
  JOIN iso28000.organization g ON g.org_id = it.org_id
  -- person in a sub-select: on Citus 13.2.2 an outer join of this union
  -- straight to the person table crashed the coordinator (doc/distribution.md).
  LEFT JOIN (SELECT pp.org_id, pp.person_id, pp.full_name, pp.email FROM iso28000.person pp) p
    ON p.org_id = it.org_id AND p.person_id = it.responsible_id;
COMMENT ON VIEW iso28000.due_item IS
  'ISO 28000 4.2.2, 6.1, 6.2, 7.2, 7.4, 7.5.2, 8.4, 8.5, 8.6, 9.3.3, 10.1, 10.2: Everything that falls due or is overdue across the registers: the record it comes from, what is due, the person responsible and the date.';
COMMENT ON COLUMN iso28000.due_item.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.due_item.org_code IS 'Short code of the organisation.';
COMMENT ON COLUMN iso28000.due_item.register IS 'Register (table of schema iso28000) of the record the item comes from.';
COMMENT ON COLUMN iso28000.due_item.record_id IS 'Surrogate key of the record in its register (with org_id and register, the link back to it).';
COMMENT ON COLUMN iso28000.due_item.record_code IS 'The record''s code or reference in the organisation, when the register has one.';
COMMENT ON COLUMN iso28000.due_item.record_title IS 'Title, subject or description of the record.';
COMMENT ON COLUMN iso28000.due_item.item IS 'What falls due: compliance_evaluation, context_review, risk_review, objective, training_validity, communication, document_review, control_test, risk_treatment, provider_evidence, provider_assessment, provider_exception, partner_screening, plan_exercise, exercise_planned, plan_review, review_output, nonconformity_closure, corrective_action, improvement, authority_notification.';
COMMENT ON COLUMN iso28000.due_item.reason IS 'due (a date is set), expires (a validity ends) or never_done (a periodic task never performed; due since the record came into force, or undated).';
COMMENT ON COLUMN iso28000.due_item.responsible_id IS 'Person responsible (the record''s owner, the trainee, the exercise lead or the provider node''s owner; an incident''s owner, NULL before triage names one).';
COMMENT ON COLUMN iso28000.due_item.responsible_name IS 'Full name of the person responsible.';
COMMENT ON COLUMN iso28000.due_item.responsible_email IS 'E-mail address of the person responsible.';
COMMENT ON COLUMN iso28000.due_item.due_on IS 'Date it falls due; NULL for a periodic task never performed with no start date, or an authority notification required without a deadline.';
COMMENT ON COLUMN iso28000.due_item.overdue IS 'True when the due date is past (or the task was never performed and has no date).';
COMMENT ON COLUMN iso28000.due_item.days_overdue IS 'Days past the due date; negative while still ahead; NULL without a date.';
GRANT SELECT ON iso28000.due_item TO PUBLIC;
/*
 * sql/reports/management_review_report.sql
 *		The management-review report (9.3): one self-contained HTML document for
 *		an organisation and a period, built in the database from the registers
 *		and views of every clause, so it installs after all of them
 *		(sql/install-order).
 *
 * Sections (each a <section id="...">, which test/suite.d/report_render
 * checks in headless Chromium):
 *   review-inputs   9.3.2: the review of the period, its input checklist, and
 *                   the facts review_input_pack() gathers for each input;
 *   conformity      9.1, 9.2: conformity by clause as bars (score, coverage);
 *   risk-heat-map   6.1, 8.3: inherent and residual heat maps as SVG;
 *   nonconformity   10.2: open nonconformities by state and age, overdue actions;
 *   incidents       8.6, 9.1, 10.2: incidents of the period by severity, open
 *                   incidents, authority notifications due, incidents by node,
 *                   exercises held, and what incidents and exercises raised;
 *   objectives      6.2: every objective's measurements of the period against
 *                   its target, one small SVG chart each;
 *   supply-chain    8.1, 8.4: segments, assessments, providers in breach,
 *                   exceptions (supply_chain_report_html(), a function of its own);
 *   history         the head of the organisation's hash chain and whether
 *                   the chain verifies, to be kept outside the database
 *                   (reading the chain needs audit level; below it the
 *                   section says so).
 *
 * Every register and view it reads is created before it (sql/install-order
 * puts reports last), so it reads them directly.  The function runs with
 * the caller's rights: row-level security decides what it sees, and
 * it refuses (IS001) a caller who cannot read the organisation.  The document
 * embeds no script, font, image or style sheet from elsewhere.
 */

-- Escapes text for HTML element content and attribute values.
CREATE FUNCTION iso28000.html_escape(t text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT replace(replace(replace(replace(replace(t, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                   '"', '&quot;'), '''', '&#39;')
$$;
COMMENT ON FUNCTION iso28000.html_escape(text) IS
  'Escapes &, <, >, double and single quotes for HTML content and attribute values (used by management_review_report).';

-- "no nonconformities", "1 nonconformity", "3 nonconformities".
CREATE FUNCTION iso28000._count_phrase(n bigint, one text, many text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN coalesce(n, 0) = 0 THEN 'no ' || many WHEN n = 1 THEN '1 ' || one ELSE n || ' ' || many END
$$;
COMMENT ON FUNCTION iso28000._count_phrase(bigint, text, text) IS
  'Internal: a count with its noun for the report''s sentences: "no findings", "1 finding", "3 findings".';

-- "2 reported, 1 contained" from a jsonb object of counts, in the given order of keys.
CREATE FUNCTION iso28000._counts_list(counts jsonb, keys text[] DEFAULT NULL)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(format('%s %s', e.value #>> '{}', replace(e.key, '_', ' ')), ', '
                      ORDER BY coalesce(array_position(keys, e.key), 1000), e.key)
      FROM jsonb_each(CASE WHEN jsonb_typeof(counts) = 'object' THEN counts ELSE '{}' END) e
     WHERE (e.value #>> '{}') IS DISTINCT FROM '0'
$$;
COMMENT ON FUNCTION iso28000._counts_list(jsonb, text[]) IS
  'Internal: a jsonb object of counts as words for the report ("2 reported, 1 contained"), zero counts left out, keys in the given order first.';

-- A sentence on the rows of a workflow register per state (facts of _status_counts).
CREATE FUNCTION iso28000._status_sentence(sc jsonb, workflow text, one text, many text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    total   bigint;
    open_n  bigint;
    open_l  text;
    done_l  text;
    overdue bigint := (sc ->> 'overdue_at_end')::bigint;
BEGIN
    IF sc IS NULL OR (sc ->> 'available') = 'false' THEN
        RETURN format('%s carry no state from which they could be counted.', upper(left(many, 1)) || substr(many, 2));
    END IF;
    SELECT sum((e.value #>> '{}')::bigint),
           sum((e.value #>> '{}')::bigint) FILTER (WHERE NOT coalesce(s.is_terminal, false)),
           string_agg(format('%s %s', e.value #>> '{}', replace(e.key, '_', ' ')), ', ' ORDER BY e.key)
             FILTER (WHERE NOT coalesce(s.is_terminal, false)),
           string_agg(format('%s %s', e.value #>> '{}', replace(e.key, '_', ' ')), ', ' ORDER BY e.key)
             FILTER (WHERE s.is_terminal)
      INTO total, open_n, open_l, done_l
      FROM jsonb_each(coalesce(sc -> 'by_status', '{}')) e
      LEFT JOIN iso28000.workflow_state s ON s.workflow = _status_sentence.workflow AND s.state = e.key;
    IF coalesce(total, 0) = 0 THEN
        RETURN format('No %s recorded.', many);
    END IF;
    RETURN format('%s: %s%s.',
                  upper(left(iso28000._count_phrase(total, one, many), 1)) || substr(iso28000._count_phrase(total, one, many), 2),
                  coalesce(open_l, ''),
                  CASE WHEN done_l IS NULL THEN ''
                       WHEN open_l IS NULL THEN 'all finished: ' || done_l
                       ELSE '; finished: ' || done_l END)
        || CASE WHEN overdue > 0 THEN format(' %s past the due date at the end of the period.',
                                           CASE WHEN overdue = 1 THEN '1 is' ELSE overdue || ' are' END)
                WHEN overdue = 0 THEN ' None is past its due date.' ELSE '' END;
END
$$;
COMMENT ON FUNCTION iso28000._status_sentence(jsonb, text, text, text) IS
  'Internal: the rows of a workflow register per state (facts of _status_counts) as a sentence for the report: how many in all, per state (the states not final first, then those final in the workflow), and how many past their due date.';

-- A sentence on the rows of a register opened and closed in a period (facts of _period_counts).
CREATE FUNCTION iso28000._period_sentence(pc jsonb, one text, many text, opened text, closed text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN pc IS NULL OR (pc ->> 'available') = 'false'
                THEN format('%s carry no dates from which the changes of the period could be counted.', upper(left(many, 1)) || substr(many, 2))
                ELSE format('%s %s%s in the period; %s at its end.',
                            upper(left(iso28000._count_phrase((pc ->> 'opened_in_period')::bigint, one, many), 1))
                              || substr(iso28000._count_phrase((pc ->> 'opened_in_period')::bigint, one, many), 2),
                            opened, CASE WHEN pc ->> 'closed_in_period' IS NULL THEN ''
                                         ELSE format(' and %s %s', pc ->> 'closed_in_period', closed) END,
                            CASE WHEN (pc ->> 'open_at_end')::bigint = 1 THEN '1 was open'
                                 ELSE coalesce(pc ->> 'open_at_end', '0') || ' were open' END) END
$$;
COMMENT ON FUNCTION iso28000._period_sentence(jsonb, text, text, text, text) IS
  'Internal: the rows of a register opened and closed in a period (facts of _period_counts) as a sentence for the report; a register whose rows are never closed (closed_in_period null) is said without closings.';

-- Any facts without their own wording, as a small table of labels and values (never raw JSON).
CREATE FUNCTION iso28000._facts_table(facts jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '<table class="facts">'
        || coalesce(string_agg(format('<tr><th>%s</th><td>%s</td></tr>', iso28000.html_escape(replace(e.key, '_', ' ')),
             CASE jsonb_typeof(e.value)
               WHEN 'object' THEN coalesce(iso28000.html_escape(
                                    (SELECT string_agg(replace(k2, '_', ' ') || ': ' ||
                                              CASE jsonb_typeof(v2) WHEN 'array' THEN jsonb_array_length(v2)::text
                                                                    WHEN 'object' THEN (SELECT count(*) FROM jsonb_object_keys(v2))::text || ' items'
                                                                    WHEN 'boolean' THEN CASE WHEN v2::text = 'true' THEN 'yes' ELSE 'no' END
                                                                    WHEN 'null' THEN '-'
                                                                    ELSE v2 #>> '{}' END, '; ' ORDER BY k2)
                                       FROM jsonb_each(e.value) AS x(k2, v2))), '-')
               WHEN 'array' THEN CASE WHEN jsonb_array_length(e.value) = 0 THEN 'none'
                                      ELSE coalesce(iso28000.html_escape(
                                             (SELECT string_agg(coalesce(a.x ->> 'title', a.x ->> 'description', a.x ->> 'reference', a.x #>> '{}'), '; ')
                                                FROM jsonb_array_elements(e.value) AS a(x)
                                               WHERE jsonb_typeof(a.x) IN ('object', 'string', 'number'))),
                                                    jsonb_array_length(e.value) || ' items') END
               WHEN 'boolean' THEN CASE WHEN e.value::text = 'true' THEN 'yes' ELSE 'no' END
               WHEN 'null' THEN '-'
               ELSE iso28000.html_escape(e.value #>> '{}')
             END), '' ORDER BY e.key), '')
        || '</table>'
      FROM jsonb_each(CASE WHEN jsonb_typeof(facts) = 'object' THEN facts ELSE jsonb_build_object('value', facts) END) AS e
$$;
COMMENT ON FUNCTION iso28000._facts_table(jsonb) IS
  'Internal: facts of a review input that have no wording of their own (an input added later) as a small table of labels and values, nested objects and lists in words, booleans as yes and no: never raw JSON.';

-- The facts of one input of the pack as sentences and small tables for a board member.
CREATE FUNCTION iso28000.review_facts_html(input_code text, facts jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t     text;
    rows  text;
    tally iso28000.conformity_tally;
    n     bigint;
BEGIN
    IF facts IS NULL OR jsonb_typeof(facts) = 'null' THEN
        RETURN '<span class="muted">An input of the organisation''s own: the review records what it considered.</span>';
    END IF;
    CASE input_code
    WHEN 'previous_actions' THEN
        t := format('%s from earlier reviews %s open, %s of them overdue; %s done in the period.',
                    upper(left(iso28000._count_phrase((facts ->> 'open')::bigint, 'output', 'outputs'), 1))
                      || substr(iso28000._count_phrase((facts ->> 'open')::bigint, 'output', 'outputs'), 2),
                    CASE WHEN (facts ->> 'open')::bigint = 1 THEN 'is' ELSE 'are' END,
                    coalesce(facts ->> 'overdue', '0'), coalesce(facts ->> 'done_in_period', '0'));
        SELECT string_agg(format('<tr><td>%s</td><td>%s</td></tr>', iso28000.html_escape(a ->> 'description'),
                                 coalesce(a ->> 'due_on', '-')), '' ORDER BY a ->> 'due_on', a ->> 'output_id')
          INTO rows FROM jsonb_array_elements(coalesce(facts -> 'open_actions', '[]')) a;
        RETURN '<p>' || iso28000.html_escape(t) || '</p>'
            || coalesce('<table class="facts"><tr><th>open action</th><th>due</th></tr>' || rows || '</table>', '');
    WHEN 'context_changes' THEN
        RETURN '<p>' || iso28000.html_escape(iso28000._period_sentence(facts, 'external or internal issue', 'external and internal issues',
                                                                     'identified', 'closed')) || '</p>';
    WHEN 'party_changes' THEN
        RETURN '<p>' || iso28000.html_escape(
                   'Interested parties: ' || iso28000._period_sentence(facts -> 'parties', 'party', 'parties', 'identified', 'closed')
                   || ' Their requirements: ' || iso28000._period_sentence(facts -> 'requirements', 'requirement', 'requirements', 'identified', 'closed'))
            || '</p>';
    WHEN 'nonconformities' THEN
        RETURN '<p>' || iso28000.html_escape(iso28000._status_sentence(facts -> 'nonconformities', 'nonconformity', 'nonconformity', 'nonconformities'))
            || '</p><p>' || iso28000.html_escape(iso28000._status_sentence(facts -> 'corrective_actions', 'corrective_action', 'corrective action', 'corrective actions'))
            || '</p>';
    WHEN 'monitoring_results' THEN
        SELECT string_agg(format('<tr><td>%s</td><td class="num">%s</td><td class="num">%s</td><td>%s</td></tr>',
                                 a ->> 'assessed_on', coalesce(round((a ->> 'score')::numeric, 1) || ' %', '-'),
                                 coalesce(round((a ->> 'coverage')::numeric, 1) || ' %', '-'),
                                 iso28000.html_escape(replace(coalesce(a ->> 'verdict', 'not assessed'), '_', ' '))),
                          '' ORDER BY a ->> 'assessed_on')
          INTO rows FROM jsonb_array_elements(coalesce(facts -> 'assessments', '[]')) a;
        t := CASE WHEN rows IS NULL THEN '<p>No self-assessment in the period.</p>'
                  ELSE format('<p>%s in the period:</p>', iso28000.html_escape(upper(left(iso28000._count_phrase(
                         jsonb_array_length(facts -> 'assessments'), 'self-assessment', 'self-assessments'), 1))
                         || substr(iso28000._count_phrase(jsonb_array_length(facts -> 'assessments'), 'self-assessment', 'self-assessments'), 2)))
                       || '<table class="facts"><tr><th>assessed</th><th class="num">score</th><th class="num">coverage</th><th>verdict</th></tr>'
                       || rows || '</table>' END;
        IF (facts -> 'objective_measurements' ->> 'available') = 'true' THEN
            t := t || '<p>' || iso28000.html_escape(format('Objectives were measured %s in the period.',
                   CASE (facts -> 'objective_measurements' ->> 'opened_in_period')::bigint WHEN 0 THEN 'not at all' WHEN 1 THEN 'once'
                        ELSE (facts -> 'objective_measurements' ->> 'opened_in_period') || ' times' END)) || '</p>';
        END IF;
        t := t || '<p>' || iso28000.html_escape(format('%s measured in the period (%s); of %s, %s on target, %s past the threshold and %s due for a measurement.',
                 upper(left(iso28000._count_phrase((facts -> 'indicators' ->> 'measured_in_period')::bigint, 'indicator was', 'indicators were'), 1))
                   || substr(iso28000._count_phrase((facts -> 'indicators' ->> 'measured_in_period')::bigint, 'indicator was', 'indicators were'), 2),
                 iso28000._count_phrase((facts -> 'indicators' ->> 'measurements_in_period')::bigint, 'measurement', 'measurements'),
                 iso28000._count_phrase((facts -> 'indicators_now' ->> 'active')::bigint, 'active indicator', 'active indicators'),
                 coalesce(facts -> 'indicators_now' ->> 'on_target', '0'), coalesce(facts -> 'indicators_now' ->> 'past_threshold', '0'),
                 coalesce(facts -> 'indicators_now' ->> 'measurement_overdue', '0'))) || '</p>';
        RETURN t;
    WHEN 'audit_results' THEN
        n := (facts ->> 'audits_reported')::bigint;
        IF coalesce(n, 0) = 0 THEN
            RETURN '<p>No audit was reported in the period.</p>';
        END IF;
        tally := (facts ->> 'findings')::iso28000.conformity_tally;
        SELECT string_agg(format('%s %s', iso28000.count_of(tally, g), replace(g::text, '_', ' ')), ', ' ORDER BY g)
          INTO t FROM unnest(enum_range(NULL::iso28000.conformity_grade)) g
         WHERE iso28000.count_of(tally, g) > 0;
        RETURN '<p>' || iso28000.html_escape(format('%s reported in the period, with %s%s; the findings score %s (%s). %s raised.',
                   upper(left(iso28000._count_phrase(n, 'audit', 'audits'), 1)) || substr(iso28000._count_phrase(n, 'audit', 'audits'), 2),
                   iso28000._count_phrase((SELECT sum(iso28000.count_of(tally, g)) FROM unnest(enum_range(NULL::iso28000.conformity_grade)) g)::bigint,
                                          'finding', 'findings'),
                   coalesce(': ' || t, ''),
                   coalesce(round((facts ->> 'score')::numeric, 1) || ' %', 'nothing'),
                   replace(coalesce(facts ->> 'verdict', 'no verdict'), '_', ' '),
                   upper(left(iso28000._count_phrase((facts ->> 'nonconformities_raised')::bigint, 'nonconformity was', 'nonconformities were'), 1))
                     || substr(iso28000._count_phrase((facts ->> 'nonconformities_raised')::bigint, 'nonconformity was', 'nonconformities were'), 2)))
            || '</p>';
    WHEN 'objectives' THEN
        IF (facts ->> 'available') = 'false' THEN
            RETURN '<p>Objectives are not recorded in this database.</p>';
        END IF;
        RETURN '<p>' || iso28000.html_escape(format('%s set and %s achieved in the period; %s open at its end, %s of them past the due date.',
                   upper(left(iso28000._count_phrase((facts ->> 'opened_in_period')::bigint, 'objective', 'objectives'), 1))
                     || substr(iso28000._count_phrase((facts ->> 'opened_in_period')::bigint, 'objective', 'objectives'), 2),
                   coalesce(facts ->> 'closed_in_period', '0'), coalesce(facts ->> 'open_at_end', '0'),
                   coalesce(facts ->> 'overdue_at_end', '0'))) || '</p>';
    WHEN 'improvement_opportunities' THEN
        RETURN '<p>' || iso28000.html_escape(format('Audits noted %s and self-assessments %s in the period.',
                   iso28000._count_phrase((facts ->> 'opportunities_from_audits')::bigint, 'opportunity', 'opportunities'),
                   iso28000._count_phrase((facts ->> 'opportunities_from_assessments')::bigint, 'opportunity', 'opportunities')))
            || '</p><p>' || iso28000.html_escape(iso28000._status_sentence(facts -> 'improvements', 'improvement', 'improvement', 'improvements'))
            || '</p>';
    WHEN 'security_incidents' THEN
        t := format('%s reported in the period%s; %s closed and %s dismissed as non-events in it; %s open now.',
                    upper(left(iso28000._count_phrase((facts ->> 'reported_in_period')::bigint, 'incident or event', 'incidents and events'), 1))
                      || substr(iso28000._count_phrase((facts ->> 'reported_in_period')::bigint, 'incident or event', 'incidents and events'), 2),
                    coalesce(' (' || iso28000._counts_list(facts -> 'reported_by_severity', ARRAY['critical', 'high', 'medium', 'low']) || ')', ''),
                    coalesce(facts ->> 'closed_in_period', '0'), coalesce(facts ->> 'dismissed_in_period', '0'),
                    coalesce(facts ->> 'open_now', '0'))
          || CASE WHEN facts ->> 'median_hours_to_contain' IS NOT NULL
                  THEN format(' Contained in a median of %s hours from detection.', facts ->> 'median_hours_to_contain') ELSE '' END
          || format(' Authority notifications: %s sent in the period, %s still due (%s overdue).',
                    coalesce(facts ->> 'authority_notifications_sent', '0'), coalesce(facts ->> 'authority_notifications_due', '0'),
                    coalesce(facts ->> 'authority_notifications_overdue', '0'))
          || format(' %s of security plans held%s.',
                    upper(left(iso28000._count_phrase((facts ->> 'exercises_held')::bigint, 'exercise', 'exercises'), 1))
                      || substr(iso28000._count_phrase((facts ->> 'exercises_held')::bigint, 'exercise', 'exercises'), 2),
                    coalesce(' (' || iso28000._counts_list(facts -> 'exercises_by_outcome', ARRAY['effective', 'partially_effective', 'ineffective']) || ')', ''))
          || format(' Raised in the period: %s and %s from incidents, %s and %s from exercises.',
                    iso28000._count_phrase((facts ->> 'nonconformities_from_incidents')::bigint, 'nonconformity', 'nonconformities'),
                    iso28000._count_phrase((facts ->> 'improvements_from_incidents')::bigint, 'improvement', 'improvements'),
                    iso28000._count_phrase((facts ->> 'nonconformities_from_exercises')::bigint, 'nonconformity', 'nonconformities'),
                    iso28000._count_phrase((facts ->> 'improvements_from_exercises')::bigint, 'improvement', 'improvements'));
        SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td></tr>',
                                 iso28000.html_escape(a ->> 'reference'), iso28000.html_escape(a ->> 'title'),
                                 iso28000.html_escape(a ->> 'severity'), iso28000.html_escape(replace(a ->> 'status', '_', ' ')),
                                 a ->> 'age_days'), '')
          INTO rows FROM jsonb_array_elements(coalesce(facts -> 'open_incidents', '[]')) a;
        RETURN '<p>' || iso28000.html_escape(t) || '</p>'
            || coalesce('<table class="facts"><tr><th>open incident</th><th>what</th><th>severity</th><th>state</th><th class="num">days</th></tr>'
                        || rows || '</table>', '');
    ELSE
        IF (facts ->> 'available') = 'false' AND (SELECT count(*) FROM jsonb_object_keys(facts)) = 1 THEN
            RETURN '<p class="muted">Not recorded in this database.</p>';
        END IF;
        RETURN iso28000._facts_table(facts);
    END CASE;
END
$$;
COMMENT ON FUNCTION iso28000.review_facts_html(text, jsonb) IS
  'ISO 28000 9.3.2: The facts of one input of the management review''s input pack (review_input_pack) as HTML sentences and small tables for a board member, never raw JSON; an input without wording of its own is shown as a table of labels and values. Used by management_review_report.';

-- Colour of a risk band in the report.
CREATE FUNCTION iso28000._band_colour(band text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
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
SET search_path = pg_catalog, pg_temp
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
SET search_path = pg_catalog, pg_temp
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

-- The supply-chain section (8.1, 8.4): a function of its own, so that the other
-- sections change without touching it.
-- The supply-chain section of the report, as HTML: short sentences, then small tables.
CREATE FUNCTION iso28000.supply_chain_report_html(org bigint, from_on date, to_on date)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    part    text;
    rows    text;
    n_seg   bigint;
    n_due   bigint;
    n_above bigint;
    n_prov  bigint;
    n_breach bigint;
    n_exc   bigint;
    n_expiring bigint;
BEGIN
    part := '<section id="supply-chain"><h2>Supply-chain security (8.1, 8.4, 6.1.2)</h2>';

    -- Segments and their assessments.
    SELECT count(*) INTO n_seg FROM iso28000.supply_chain_segment s WHERE s.org_id = org AND s.active;
    SELECT count(*) INTO n_due FROM iso28000.segment_assessment_due d WHERE d.org_id = org;
    SELECT count(*) INTO n_above FROM iso28000.segment_scenario_above_appetite x WHERE x.org_id = org;
    part := part || format('<p>The supply chain is divided into <b>%s</b> segment%s in the scope of the SMS; '
                           || '%s due a security assessment, and <b>%s</b> threat scenario%s of the latest approved assessments '
                           || '%s above the risk appetite after countermeasures.</p>',
                           n_seg, CASE WHEN n_seg = 1 THEN '' ELSE 's' END,
                           CASE WHEN n_due = 0 THEN 'none is' WHEN n_due = 1 THEN 'one is' ELSE n_due || ' are' END,
                           n_above, CASE WHEN n_above = 1 THEN '' ELSE 's' END, CASE WHEN n_above = 1 THEN 'remains' ELSE 'remain' END);
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td>%s</td><td class="%s">%s</td><td class="num">%s</td></tr>',
                             iso28000.html_escape(s.code), iso28000.html_escape(s.name), s.direction,
                             (SELECT count(*) FROM iso28000.segment_node sn WHERE sn.org_id = s.org_id AND sn.segment_id = s.segment_id),
                             coalesce(la.last_on::text, '-'),
                             CASE WHEN d.reason IS NULL THEN 'ok' ELSE 'bad' END,
                             coalesce(replace(d.reason, '_', ' '), 'current'),
                             (SELECT count(*) FROM iso28000.segment_scenario_above_appetite x
                               WHERE x.org_id = s.org_id AND x.segment_id = s.segment_id)),
                      '' ORDER BY s.code)
      INTO rows
      FROM iso28000.supply_chain_segment s
      LEFT JOIN LATERAL (SELECT max(a.assessed_on) AS last_on FROM iso28000.segment_assessment a
                          WHERE a.org_id = s.org_id AND a.segment_id = s.segment_id AND a.status = 'approved') la ON true
      LEFT JOIN iso28000.segment_assessment_due d ON d.org_id = s.org_id AND d.segment_id = s.segment_id
     WHERE s.org_id = org AND s.active;
    part := part || coalesce('<table class="segments"><tr><th>segment</th><th>name</th><th>direction</th><th class="num">nodes</th><th>last approved assessment</th><th>assessment</th><th class="num">scenarios above appetite</th></tr>'
                             || rows || '</table>', '<p class="muted">No supply-chain segment recorded.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td></tr>',
                             iso28000.html_escape(a.title), iso28000.html_escape(s.code), a.assessed_on,
                             iso28000.html_escape(coalesce(p.full_name, '-')), a.status,
                             (SELECT count(*) FROM iso28000.segment_scenario_score x
                               WHERE x.org_id = a.org_id AND x.segment_assessment_id = a.segment_assessment_id)),
                      '' ORDER BY a.assessed_on DESC, a.segment_assessment_id)
      INTO rows
      FROM iso28000.segment_assessment a
      JOIN iso28000.supply_chain_segment s ON s.org_id = a.org_id AND s.segment_id = a.segment_id
      LEFT JOIN iso28000.person p ON p.org_id = a.org_id AND p.person_id = a.assessor_id
     WHERE a.org_id = org AND a.assessed_on BETWEEN from_on AND to_on;
    part := part || coalesce('<h3>Security assessments of the period</h3><table class="segment-assessments"><tr><th>assessment</th><th>segment</th><th>assessed</th><th>assessor</th><th>state</th><th class="num">scenarios scored</th></tr>'
                             || rows || '</table>', '<p>No segment was assessed in the period.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="bad">%s</td></tr>',
                             iso28000.html_escape(x.segment_code), iso28000.html_escape(x.scenario_title),
                             iso28000.html_escape(coalesce(x.node_code, 'whole segment')),
                             x.residual_rating, x.band),
                      '' ORDER BY x.segment_code, x.scenario_code)
      INTO rows
      FROM iso28000.segment_scenario_above_appetite x WHERE x.org_id = org;
    part := part || coalesce('<table class="scenarios-above-appetite"><tr><th>segment</th><th>threat scenario above appetite</th><th>where</th><th>residual</th><th>band</th></tr>'
                             || rows || '</table>', '');

    -- Providers: the condition of inclusion.
    SELECT count(*) INTO n_prov FROM iso28000.supply_chain_node n WHERE n.org_id = org AND n.external AND n.active;
    SELECT count(*) INTO n_breach FROM iso28000.provider_inclusion_breach b WHERE b.org_id = org;
    SELECT count(*) FILTER (WHERE e.standing = 'in_force'),
           count(*) FILTER (WHERE e.standing = 'in_force' AND e.days_left <= 30)
      INTO n_exc, n_expiring
      FROM iso28000.provider_exception_status e WHERE e.org_id = org;
    part := part || format('<h3>Providers</h3><p>Of <b>%s</b> active provider%s, <b>%s</b> %s short of the security requirements '
                           || 'that are a condition of being in the supply chain; <b>%s</b> %s admitted under an approved exception'
                           || '%s.</p>',
                           n_prov, CASE WHEN n_prov = 1 THEN '' ELSE 's' END,
                           n_breach, CASE WHEN n_breach = 1 THEN 'falls' ELSE 'fall' END,
                           n_exc, CASE WHEN n_exc = 1 THEN 'is' ELSE 'are' END,
                           CASE WHEN n_expiring > 0 THEN format(', of which %s end%s within 30 days', n_expiring,
                                                               CASE WHEN n_expiring = 1 THEN 's' ELSE '' END) ELSE '' END);
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td class="bad">%s</td><td>%s</td><td class="num">%s</td></tr>',
                             iso28000.html_escape(b.node_code), iso28000.html_escape(b.node_name),
                             coalesce(b.reliance, '-'),
                             iso28000.html_escape(replace(replace(b.unmet, ':', ': '), '_', ' ')),
                             b.flagged_on, b.days_flagged),
                      '' ORDER BY b.node_code)
      INTO rows
      FROM iso28000.provider_inclusion_breach b WHERE b.org_id = org;
    part := part || coalesce('<table class="providers-in-breach"><tr><th>provider</th><th>name</th><th>reliance</th><th>falls short of</th><th>flagged since</th><th class="num">days</th></tr>'
                             || rows || '</table>', '<p class="ok">Every active provider meets its security requirements or is covered by an exception.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="%s">%s</td></tr>',
                             iso28000.html_escape(e.node_code), iso28000.html_escape(coalesce(e.requirement_code, 'all')),
                             iso28000.html_escape(e.reason), iso28000.html_escape(coalesce(e.requested_by_name, '-')),
                             iso28000.html_escape(coalesce(e.approved_by_name, '-')), e.valid_until,
                             CASE WHEN e.standing = 'in_force' THEN 'ok' WHEN e.standing = 'expired' THEN 'bad' ELSE 'muted' END,
                             replace(e.standing, '_', ' ')),
                      '' ORDER BY e.valid_until DESC, e.exception_id)
      INTO rows
      FROM iso28000.provider_exception_status e
     WHERE e.org_id = org AND (e.standing IN ('requested', 'in_force', 'not_yet_in_force') OR e.valid_until >= from_on);
    part := part || coalesce('<h3>Exceptions</h3><table class="provider-exceptions"><tr><th>provider</th><th>requirement</th><th>reason</th><th>requested by</th><th>approved by</th><th>until</th><th>standing</th></tr>'
                             || rows || '</table>', '');
    RETURN part || '</section>';
END
$$;
COMMENT ON FUNCTION iso28000.supply_chain_report_html(bigint, date, date) IS
  'ISO 28000 8.1, 8.4, 6.1.2: The supply-chain section of the management-review report as HTML: segments with their latest approved assessment and scenarios above appetite, the assessments of the period, providers in breach of the condition of inclusion and exceptions, each introduced by a sentence. Runs with the caller''s rights; management_review_report() calls it.';

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
    obj    record;
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
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td></tr>',
                             iso28000.html_escape(p.input_code), iso28000.html_escape(p.title),
                             iso28000.review_facts_html(p.input_code, p.facts)), '')
      INTO rows
      FROM iso28000.review_input_pack(org, from_on, to_on) p;
    part := part || '<h3>Facts of the period, by input</h3><table class="input-pack"><tr><th>input</th><th>title</th><th>facts</th></tr>'
                 || coalesce(rows, '') || '</table>';
    doc := doc || part || '</section>';

    -- 9.1, 9.2 Conformity by clause, one table per standard self-assessed (ISO 28000 first).
    part := '<section id="conformity"><h2>Conformity by clause (9.1, 9.2)</h2>';
    SELECT string_agg(format('<h3>%s</h3><table class="conformity"><tr><th>clause</th><th>title</th><th>score</th><th class="num">score</th><th class="num">coverage</th><th>verdict</th></tr>%s</table>',
                             iso28000.html_escape(s.standard), s.rows), ''
                      ORDER BY s.standard <> 'ISO 28000:2022', s.standard)
      INTO rows
      FROM (SELECT c.standard,
                   string_agg(format('<tr><td>%s</td><td>%s</td><td><div class="bar" title="%s%%"><span style="width:%s%%;background:%s"></span></div></td><td class="num">%s</td><td class="num">%s</td><td>%s</td></tr>',
                                     c.clause, iso28000.html_escape(c.title), coalesce(round(c.score::numeric, 1)::text, '-'),
                                     coalesce(round(c.score::numeric, 1), 0),
                                     CASE WHEN c.score >= 90 THEN '#2e7d32' WHEN c.score >= 70 THEN '#f4a259' ELSE '#c62828' END,
                                     coalesce(round(c.score::numeric, 1) || ' %', '-'), coalesce(round(c.coverage::numeric, 1) || ' %', '-'),
                                     iso28000.html_escape(coalesce(c.verdict::text, 'not assessed'))), '' ORDER BY c.clause_sort) AS rows
              FROM iso28000.conformity_by_clause c
             WHERE c.org_id = org AND c.depth <= 2
             GROUP BY c.standard) s;
    part := part || coalesce(rows, '<p class="muted">No self-assessment recorded yet.</p>');
    doc := doc || part || '</section>';

    -- 6.1, 8.3 Risk heat maps.
    part := '<section id="risk-heat-map"><h2>Risk heat map, inherent and residual (6.1, 8.3)</h2>';
    SELECT count(*) INTO n FROM iso28000.risk WHERE org_id = org AND status <> 'closed';
    part := part || format('<p>%s open risks and opportunities; the numbers are the count of open risks in each cell.</p>', n)
                 || '<div class="maps"><figure><figcaption>Inherent</figcaption>' || iso28000._heat_map_svg(org, 'inherent')
                 || '</figure><figure><figcaption>Residual</figcaption>' || iso28000._heat_map_svg(org, 'residual')
                 || '</figure></div><p class="legend">'
                 || (SELECT string_agg(format('<span style="background:%s">%s</span>', iso28000._band_colour(b), b), '')
                       FROM unnest(ARRAY['low', 'medium', 'high', 'critical']) b)
                 || '</p>';
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
                             t.risk_rank, iso28000.html_escape(coalesce(t.reference, '')), iso28000.html_escape(t.title),
                             coalesce(t.inherent_rating::text, '-'), coalesce(t.residual_rating::text, '-'), t.band),
                      '' ORDER BY t.risk_rank, t.risk_id)
      INTO rows
      FROM iso28000.top_risk t WHERE t.org_id = org AND t.risk_rank <= 10;
    part := part || coalesce('<h3>Top risks</h3><table class="top-risks"><tr><th>#</th><th>ref</th><th>risk</th><th>inherent</th><th>residual</th><th>band</th></tr>'
                             || rows || '</table>', '');
    doc := doc || part || '</section>';

    -- 10.2 Nonconformity ageing.
    part := '<section id="nonconformity"><h2>Nonconformities: open, by state and age (10.2)</h2>';
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
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num bad">%s</td></tr>',
                             a.corrective_action_id, iso28000.html_escape(a.title),
                             iso28000.html_escape(coalesce(a.owner_name, '-')), a.due_on, a.days_overdue),
                      '' ORDER BY a.days_overdue DESC, a.corrective_action_id)
      INTO rows
      FROM iso28000.corrective_action_overdue a WHERE a.org_id = org;
    part := part || coalesce('<h3>Overdue corrective actions</h3><table class="overdue"><tr><th>#</th><th>action</th><th>owner</th><th>due</th><th class="num">days late</th></tr>'
                             || rows || '</table>', '<p class="ok">No corrective action is overdue.</p>');
    doc := doc || part || '</section>';

    -- 8.6, 10.2 Security incidents and exercises.
    part := '<section id="incidents"><h2>Security incidents and exercises (8.6, 9.1, 10.2)</h2>';
    SELECT format('<p>%s were reported in the period; %s of them closed, %s dismissed as non-events; %s are open now.</p>',
                  iso28000.html_escape(upper(left(iso28000._count_phrase(count(*), 'incident or event', 'incidents and events'), 1))
                                       || substr(iso28000._count_phrase(count(*), 'incident or event', 'incidents and events'), 2)),
                  count(*) FILTER (WHERE i.status = 'closed'), count(*) FILTER (WHERE i.status = 'dismissed'),
                  (SELECT count(*) FROM iso28000.security_incident_open x WHERE x.org_id = org))
      INTO rows
      FROM iso28000.security_incident i
     WHERE i.org_id = org AND (i.reported_at)::date BETWEEN from_on AND to_on;
    part := part || rows;
    SELECT '<table class="incident-severity"><tr><th>severity</th><th class="num">reported in the period</th><th class="num">open now</th><th class="num">median hours to contain</th></tr>'
           || string_agg(format('<tr><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td></tr>',
                                sv.severity, sv.reported, sv.open_now, coalesce(sv.median_hours::text, '-')), '' ORDER BY sv.rank DESC)
           || '</table>'
      INTO rows
      FROM (SELECT v.severity, v.rank,
                   (SELECT count(*) FROM iso28000.security_incident i
                     WHERE i.org_id = org AND i.severity = v.severity AND i.status <> 'dismissed'
                       AND (i.reported_at)::date BETWEEN from_on AND to_on) AS reported,
                   (SELECT count(*) FROM iso28000.security_incident_open so WHERE so.org_id = org AND so.severity = v.severity) AS open_now,
                   (SELECT t.median_hours FROM iso28000.security_incident_time_to_contain t
                     WHERE t.org_id = org AND t.severity = v.severity) AS median_hours
              FROM (VALUES ('critical', 4), ('high', 3), ('medium', 2), ('low', 1)) AS v(severity, rank)) sv;
    part := part || rows;
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td class="num%s">%s</td></tr>',
                             iso28000.html_escape(coalesce(so.reference, '#' || so.incident_id)), iso28000.html_escape(so.title),
                             so.severity, replace(so.status, '_', ' '), so.age_days,
                             CASE WHEN so.risks_undecided > 0 THEN ' bad' ELSE '' END, so.risks_undecided),
                      '' ORDER BY so.severity_rank DESC, so.age_days DESC, so.incident_id)
      INTO rows
      FROM iso28000.security_incident_open so WHERE so.org_id = org;
    part := part || coalesce('<h3>Open incidents</h3><table class="open-incidents"><tr><th>ref</th><th>what</th><th>severity</th><th>state</th><th class="num">days open</th><th class="num">risks undecided</th></tr>'
                             || rows || '</table>', '<p class="ok">No incident is open.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td class="%s">%s</td></tr>',
                             iso28000.html_escape(coalesce(d.reference, '#' || d.incident_id)), iso28000.html_escape(d.title),
                             coalesce(to_char(d.notify_by, 'YYYY-MM-DD HH24:MI'), 'no deadline set'),
                             CASE WHEN d.overdue THEN 'bad' ELSE 'muted' END,
                             CASE WHEN d.overdue THEN 'overdue' WHEN d.hours_left IS NOT NULL THEN d.hours_left || ' hours left' ELSE '-' END),
                      '' ORDER BY d.notify_by NULLS LAST, d.incident_id)
      INTO rows
      FROM iso28000.incident_notification_due d WHERE d.org_id = org;
    part := part || coalesce('<h3>Authority notifications still due</h3><table class="notifications-due"><tr><th>ref</th><th>what</th><th>notify by</th><th>state</th></tr>'
                             || rows || '</table>', '<p class="ok">No authority notification is due.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td></tr>',
                             iso28000.html_escape(b.node_code), iso28000.html_escape(b.node_name), b.incident_count, b.open_count),
                      '' ORDER BY b.incident_count DESC, b.node_code)
      INTO rows
      FROM (SELECT * FROM iso28000.security_incident_by_node x WHERE x.org_id = org
             ORDER BY x.incident_count DESC, x.node_code LIMIT 8) b;
    part := part || coalesce('<h3>Incidents by supply-chain node</h3><table class="incidents-by-node"><tr><th>node</th><th>name</th><th class="num">incidents</th><th class="num">open</th></tr>'
                             || rows || '</table>', '');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
                             e.held_on, iso28000.html_escape(p.title), replace(e.kind, '_', ' '),
                             replace(e.outcome, '_', ' ')), '' ORDER BY e.held_on, e.exercise_id)
      INTO rows
      FROM iso28000.plan_exercise e
      JOIN iso28000.security_plan p ON p.org_id = e.org_id AND p.security_plan_id = e.security_plan_id
     WHERE e.org_id = org AND e.held_on BETWEEN from_on AND to_on;
    part := part || coalesce('<h3>Exercises of security plans held in the period</h3><table class="exercises"><tr><th>held</th><th>plan</th><th>kind</th><th>outcome</th></tr>'
                             || rows || '</table>', '<p>No exercise of a security plan was held in the period.</p>');
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>', x.what, x.origin, iso28000.html_escape(x.title),
                             replace(x.status, '_', ' ')), '' ORDER BY x.what DESC, x.origin, x.title)
      INTO rows
      FROM (SELECT 'nonconformity' AS what, CASE WHEN nc.incident_id IS NOT NULL THEN 'incident' ELSE 'exercise' END AS origin,
                   nc.title, nc.status
              FROM iso28000.nonconformity nc
             WHERE nc.org_id = org AND (nc.incident_id IS NOT NULL OR nc.exercise_id IS NOT NULL)
               AND nc.detected_on BETWEEN from_on AND to_on
            UNION ALL
            SELECT 'improvement', CASE WHEN m.incident_id IS NOT NULL THEN 'incident' ELSE 'exercise' END, m.title, m.status
              FROM iso28000.improvement m
             WHERE m.org_id = org AND (m.incident_id IS NOT NULL OR m.exercise_id IS NOT NULL)
               AND (m.created_at)::date BETWEEN from_on AND to_on) x;
    part := part || coalesce('<h3>What incidents and exercises raised (10.1, 10.2)</h3><table class="raised"><tr><th>raised</th><th>from</th><th>title</th><th>state</th></tr>'
                             || rows || '</table>', '<p>Incidents and exercises raised no nonconformity or improvement in the period.</p>');
    doc := doc || part || '</section>';

    -- 6.2 Objectives against target.
    part := '<section id="objectives"><h2>Security objectives against target (6.2)</h2>';
    -- Each chart in a statement of its own: on Citus a statement that filters
    -- by org_id runs whole on the organisation's worker, where the chart's
    -- own queries could not start (doc/distribution.md).
    rows := NULL;
    FOR obj IN SELECT s.* FROM iso28000.objective_status s WHERE s.org_id = org ORDER BY s.objective_id LOOP
        rows := coalesce(rows, '')
             || format('<div class="obj"><b>%s</b><br>target %s %s (%s) &middot; latest <span class="%s">%s</span> &middot; %s%s<br>%s</div>',
                       iso28000.html_escape(obj.title), obj.target, iso28000.html_escape(obj.unit), obj.direction,
                       CASE WHEN obj.target_met THEN 'ok' WHEN obj.target_met IS NULL THEN 'muted' ELSE 'bad' END,
                       coalesce(obj.latest_value::text, '-'),
                       replace(obj.schedule_status, '_', ' '),
                       coalesce(' &middot; ' || obj.trend, ''),
                       iso28000._objective_chart_svg(org, obj.objective_id, from_on, to_on));
    END LOOP;
    part := part || coalesce('<div class="objs">' || rows || '</div>', '<p>No objective recorded.</p>');
    doc := doc || part || '</section>';

    -- 8.1, 8.4 Supply-chain security (supply_chain_report_html(), above).
    doc := doc || iso28000.supply_chain_report_html(org, from_on, to_on);

    -- The history chain's head and its verification.
    part := '<section id="history"><h2>History digest</h2>';
    IF NOT iso28000.has_level(org, 'audit') THEN
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
  'ISO 28000 9.3: The management-review report of an organisation for a period, as one self-contained HTML document: review inputs, conformity by clause as bars, inherent and residual risk heat maps (SVG), nonconformity ageing and overdue actions, security incidents and exercises (open incidents, notifications due, what they raised), objectives against target (small SVG charts), and the history digest. Needs read access (IS001).';
/*
 * sql/interfaces/notification.sql
 *		The notification outbox: transitions, assignments of a record to a
 *		person and items falling due become rows of iso28000.notification,
 *		written in the transaction that caused them (and rolled back with
 *		it), and each row is announced with pg_notify on the channel
 *		iso28000_notification, the payload being the row's notification_id.
 *		A mailer or chat bridge LISTENs, reads the row, sends it and marks it
 *		delivered (iso28000.mark_delivered).  Nothing runs in the background:
 *		a scheduler (cron, pg_cron) calls iso28000.raise_due_items() to raise
 *		the items of iso28000.due_item that fell due; raising twice writes
 *		nothing twice.
 *
 *		Everything runs with the caller's rights: a register's statement
 *		trigger writes the outbox as the member who changed the register,
 *		under the outbox's row-level security (write level); the database
 *		stamps who wrote each row.  Reference: doc/due-and-notify.md.
 */

CREATE TABLE iso28000.notification (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    notification_id bigint GENERATED ALWAYS AS IDENTITY,
    kind            text NOT NULL CONSTRAINT notification_kind_known
                         CHECK (kind IN ('transition', 'assignment', 'due')),
    recipient_id    bigint,
    register        text NOT NULL,
    record_id       bigint NOT NULL,
    record_code     text,
    record_title    text,
    subject         text NOT NULL,
    reason          text NOT NULL,
    from_state      text,
    to_state        text,
    item            text,
    due_on          date,
    actor           name NOT NULL DEFAULT current_user,
    actor_person    bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    delivered_by    name,
    PRIMARY KEY (org_id, notification_id),
    CONSTRAINT notification_due_has_item CHECK (kind <> 'due' OR item IS NOT NULL)
);
-- An item is raised once per due date (raise_due_items is idempotent).
CREATE UNIQUE INDEX notification_due_once ON iso28000.notification
    (org_id, register, record_id, item, coalesce(due_on, '-infinity'::date)) WHERE kind = 'due';
CREATE INDEX notification_undelivered ON iso28000.notification (org_id, notification_id)
    WHERE delivered_at IS NULL;
COMMENT ON TABLE iso28000.notification IS
  'ISO 28000 7.4, 9.1: The notification outbox: a row per transition, assignment of a record to a person, or item falling due, written in the transaction that caused it and announced with pg_notify on channel iso28000_notification (payload: notification_id). A mailer marks rows delivered with mark_delivered().';
COMMENT ON COLUMN iso28000.notification.org_id IS 'Organisation of the record.';
COMMENT ON COLUMN iso28000.notification.notification_id IS 'Surrogate key, increasing in the order rows were written; the payload of the pg_notify.';
COMMENT ON COLUMN iso28000.notification.kind IS 'Why it was written: transition (the record changed state), assignment (a person was named on the record) or due (the record has something falling due).';
COMMENT ON COLUMN iso28000.notification.recipient_id IS 'Person to notify (the record''s owner or the person assigned); NULL when the record names nobody.';
COMMENT ON COLUMN iso28000.notification.register IS 'Register (table of schema iso28000) of the record.';
COMMENT ON COLUMN iso28000.notification.record_id IS 'Surrogate key of the record in its register: with org_id and register, the link back to it.';
COMMENT ON COLUMN iso28000.notification.record_code IS 'The record''s code or reference, when the register has one.';
COMMENT ON COLUMN iso28000.notification.record_title IS 'Title of the record.';
COMMENT ON COLUMN iso28000.notification.subject IS 'One line saying what happened, for a mail subject.';
COMMENT ON COLUMN iso28000.notification.reason IS 'Why the recipient gets it: the role in which the record names them, or what falls due.';
COMMENT ON COLUMN iso28000.notification.from_state IS 'For a transition: the state left.';
COMMENT ON COLUMN iso28000.notification.to_state IS 'For a transition: the state entered.';
COMMENT ON COLUMN iso28000.notification.item IS 'For a due item: what falls due (the item column of due_item).';
COMMENT ON COLUMN iso28000.notification.due_on IS 'For a due item: the date it falls due.';
COMMENT ON COLUMN iso28000.notification.actor IS 'Database role that wrote the row (current_user), stamped by the database.';
COMMENT ON COLUMN iso28000.notification.actor_person IS 'Acting person of the transaction that wrote the row (acting_person()), stamped by the database.';
COMMENT ON COLUMN iso28000.notification.created_at IS 'Start of the transaction that wrote the row, stamped by the database.';
COMMENT ON COLUMN iso28000.notification.delivered_at IS 'When a consumer marked it delivered (mark_delivered); NULL while waiting.';
COMMENT ON COLUMN iso28000.notification.delivered_by IS 'Database role that marked it delivered.';

ALTER TABLE iso28000.notification ENABLE ROW LEVEL SECURITY;
ALTER TABLE iso28000.notification FORCE ROW LEVEL SECURITY;
CREATE POLICY member_read ON iso28000.notification FOR SELECT
  USING (org_id = ANY (iso28000.policy_orgs('read')));
CREATE POLICY member_insert ON iso28000.notification FOR INSERT
  WITH CHECK (org_id = ANY (iso28000.policy_orgs('write')));
CREATE POLICY member_update ON iso28000.notification FOR UPDATE
  USING (org_id = ANY (iso28000.policy_orgs('write')))
  WITH CHECK (org_id = ANY (iso28000.policy_orgs('write')));
GRANT SELECT, INSERT ON iso28000.notification TO PUBLIC;
GRANT UPDATE (delivered_at) ON iso28000.notification TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.notification', '');
SELECT pg_catalog.pg_extension_config_dump(pg_get_serial_sequence('iso28000.notification', 'notification_id'), '');

-- Stamps every row written: who wrote it and when, nothing delivered yet; an
-- update only marks it delivered, once (IS562), stamped with the role.
-- In C (src/notification.c): it runs once for every row of the outbox.
CREATE FUNCTION iso28000.notification_stamp()
RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_notification_stamp';
COMMENT ON FUNCTION iso28000.notification_stamp() IS
  'Trigger on notification: an insert is stamped with the writing role, the acting person and the time, undelivered; an update only marks a row delivered once (IS562), stamped with the role.';
CREATE TRIGGER notification_stamp BEFORE INSERT OR UPDATE ON iso28000.notification
  FOR EACH ROW EXECUTE FUNCTION iso28000.notification_stamp();

-- Announces every row written on channel iso28000_notification; the payload
-- is the notification_id.  Listeners hear it only when the transaction commits.
-- On Citus it fires on a worker's shard (notification_NNNN), inside the
-- distributed transaction, which cannot PREPARE after a NOTIFY: the shard
-- stays silent, and raise_due_items() announces from the coordinator.
CREATE FUNCTION iso28000.notification_announce()
RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_notification_announce';
COMMENT ON FUNCTION iso28000.notification_announce() IS
  'Statement trigger on notification: pg_notify(''iso28000_notification'', notification_id) for every row written, delivered to listeners when the transaction commits.';
CREATE TRIGGER notification_announce AFTER INSERT ON iso28000.notification
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.notification_announce();

/*
 * The registers' side: one statement trigger function for all of them,
 * attached by attach_notifications(register, id column, code column, title
 * column, status column, person columns).  After an INSERT it writes an
 * assignment for every person column filled; after an UPDATE a transition for
 * every row whose status changed (to each person the row names, or to nobody)
 * and an assignment for every person column that changed to a person.  It
 * reads the statement's transition tables, so a statement that changes a
 * thousand rows runs it once.
 *
 * In C (src/notification.c): it reads the transition tables itself and writes
 * the statement's notifications as the member who changed the register,
 * directly (src/notification_store.c: the outbox's stamps, constraints,
 * row-level security and announcement applied by the same code, its
 * foreign key implied by the register's own) where the outbox carries
 * nothing else, otherwise in one INSERT of the outbox through a plan
 * planned once per backend (the executor: everything on the outbox
 * applies); on a Citus shard row by row with VALUES.  The PL/pgSQL version
 * of 0.1.0 spent about 250 microseconds of a single-row transition here
 * (bench/register.sh), the INSERT about 30, the direct writer
 * bench/outbox.sh says.
 */
CREATE FUNCTION iso28000.notify_register_change()
RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_notify_register_change';
COMMENT ON FUNCTION iso28000.notify_register_change() IS
  'Statement trigger (AFTER INSERT / AFTER UPDATE with transition tables new_rows, old_rows) that attach_notifications() puts on a register: writes an assignment notification for each person column filled or changed to a person, and a transition notification for each row whose status changed.';

-- Which writer the outbox gets in this session (src/notification_store.c).
CREATE FUNCTION iso28000.notification_writer(register regclass DEFAULT NULL)
RETURNS text
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_notification_writer';
COMMENT ON FUNCTION iso28000.notification_writer(regclass) IS
  'How notify_register_change() writes the outbox in this session for a statement on the given register (NULL: any): ''direct'' (without the executor, where that is equivalent) or ''executor: '' and the reason (a trigger, rule, policy for some roles, foreign key or column the direct path would skip, iso28000.notify_direct off, Citus).';

-- Puts the notification triggers on a register.
CREATE FUNCTION iso28000.attach_notifications(tbl regclass, id_column name, code_column name,
                                              title_column name, status_column name,
                                              person_columns name[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  args text := format('%L, %L, %L, %L', id_column, coalesce(code_column, ''), title_column, coalesce(status_column, ''))
               || coalesce((SELECT string_agg(format(', %L', c), '' ORDER BY o) FROM unnest(person_columns) WITH ORDINALITY AS u(c, o)), '');
BEGIN
  EXECUTE format('CREATE TRIGGER notify_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.notify_register_change(%s)', tbl, args);
  EXECUTE format('CREATE TRIGGER notify_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.notify_register_change(%s)', tbl, args);
END
$$;
REVOKE ALL ON FUNCTION iso28000.attach_notifications(regclass, name, name, name, name, name[]) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.attach_notifications(regclass, name, name, name, name, name[]) IS
  'Puts the notification triggers (notify_insert, notify_update) on a register: its identity column, code column (or NULL), title column, status column (or NULL) and the columns that assign the record to a person. Not granted to PUBLIC.';

-- The registers whose transitions and assignments are notified.
SELECT iso28000.attach_notifications(t.tbl, t.id_col, t.code_col, t.title_col, t.status_col, t.persons)
  FROM (VALUES
    ('iso28000.context_issue'::regclass, 'context_issue_id'::name, NULL::name, 'title'::name, NULL::name, '{owner_id}'::name[]),
    ('iso28000.obligation', 'obligation_id', 'reference', 'title', NULL, '{owner_id}'),
    ('iso28000.sms_process', 'sms_process_id', 'code', 'name', NULL, '{owner_id}'),
    ('iso28000.role_assignment', 'role_assignment_id', NULL, 'role_assignment_id', NULL, '{person_id}'),
    ('iso28000.risk', 'risk_id', 'reference', 'title', 'status', '{owner_id}'),
    ('iso28000.objective', 'objective_id', NULL, 'title', NULL, '{owner_id}'),
    ('iso28000.planned_change', 'planned_change_id', NULL, 'title', NULL, '{owner_id}'),
    ('iso28000.resource', 'resource_id', NULL, 'name', NULL, '{owner_id}'),
    ('iso28000.communication', 'communication_id', NULL, 'subject', NULL, '{owner_id}'),
    ('iso28000.document', 'document_id', 'code', 'title', NULL, '{owner_id}'),
    ('iso28000.document_version', 'document_version_id', NULL, 'version_label', 'status', '{approver_id}'),
    ('iso28000.supply_chain_node', 'node_id', 'code', 'name', NULL, '{owner_id}'),
    ('iso28000.activity', 'activity_id', NULL, 'name', NULL, '{owner_id}'),
    ('iso28000.control', 'control_id', 'code', 'title', NULL, '{owner_id}'),
    ('iso28000.risk_treatment', 'risk_treatment_id', NULL, 'description', NULL, '{owner_id}'),
    ('iso28000.security_plan', 'security_plan_id', NULL, 'title', 'status', '{owner_id}'),
    ('iso28000.plan_exercise', 'exercise_id', NULL, 'kind', NULL, '{lead_id}'),
    ('iso28000.indicator', 'indicator_id', NULL, 'name', NULL, '{owner_id}'),
    ('iso28000.audit_programme', 'programme_id', NULL, 'title', NULL, '{owner_id}'),
    ('iso28000.audit', 'audit_id', NULL, 'title', 'status', '{lead_auditor_id}'),
    ('iso28000.audit_team_member', 'team_member_id', NULL, 'team_member_id', NULL, '{person_id}'),
    ('iso28000.management_review', 'review_id', NULL, 'title', 'status', '{chair_id}'),
    ('iso28000.review_output', 'output_id', NULL, 'description', 'status', '{owner_id}'),
    ('iso28000.nonconformity', 'nonconformity_id', NULL, 'title', 'status', '{owner_id}'),
    ('iso28000.corrective_action', 'corrective_action_id', NULL, 'title', 'status', '{owner_id}'),
    ('iso28000.provider_exception', 'exception_id', NULL, 'reason', 'status', '{requested_by}'),
    ('iso28000.improvement', 'improvement_id', NULL, 'title', 'status', '{owner_id}'),
    ('iso28000.security_incident', 'incident_id', 'reference', 'title', 'status', '{owner_id}')
  ) AS t(tbl, id_col, code_col, title_col, status_col, persons);

-- Raises the due items that fell due, once each.
CREATE FUNCTION iso28000.raise_due_items(org bigint DEFAULT NULL, horizon_days integer DEFAULT 0)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer;
  ids bigint[];
  distributed boolean := false;
BEGIN
  IF horizon_days IS NULL OR horizon_days < 0 OR horizon_days > 366 THEN
    RAISE EXCEPTION 'raise_due_items: horizon_days must be between 0 and 366, not %', coalesce(horizon_days::text, 'NULL')
      USING ERRCODE = 'IS561', SCHEMA = 'iso28000', TABLE = 'notification', COLUMN = 'due_on';
  END IF;
  IF org IS NOT NULL AND NOT coalesce(iso28000.has_level(org, 'write'), false) THEN
    RAISE EXCEPTION 'role "%" cannot raise the due items of organisation %: that needs level write', current_user, org
      USING ERRCODE = 'IS560', SCHEMA = 'iso28000', TABLE = 'notification', COLUMN = 'org_id',
            HINT = 'A manager grants the scheduler''s role write access with iso28000.grant_access(org, role, ''write'').';
  END IF;
  WITH raised AS (
    INSERT INTO iso28000.notification AS nt (org_id, kind, recipient_id, register, record_id, record_code, record_title,
                                             subject, reason, item, due_on)
    SELECT d.org_id, 'due', d.responsible_id, d.register, d.record_id, d.record_code, d.record_title,
           pg_catalog.format('%s %s: %s %s', d.register, coalesce(d.record_code, d.record_id::text),
                             replace(d.item, '_', ' '),
                             CASE WHEN d.due_on IS NULL THEN 'never done'
                                  WHEN d.overdue THEN 'overdue since ' || d.due_on::text
                                  ELSE 'due on ' || d.due_on::text END),
           d.reason, d.item, d.due_on
      FROM iso28000.due_item d
     WHERE (org IS NULL OR d.org_id OPERATOR(pg_catalog.=) org)
       AND d.org_id OPERATOR(pg_catalog.=) ANY (iso28000.policy_orgs('write'))
       AND (d.due_on IS NULL OR d.due_on OPERATOR(pg_catalog.<=) current_date + horizon_days)
    ON CONFLICT DO NOTHING
    RETURNING nt.notification_id)
  SELECT count(*)::integer, array_agg(r.notification_id ORDER BY r.notification_id) INTO n, ids FROM raised r;
  -- On Citus the rows are written on the workers, whose shards stay silent
  -- (notification_announce): the coordinator announces them.
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1)'
       INTO distributed USING 'iso28000.notification'::regclass;
  END IF;
  IF distributed AND n OPERATOR(pg_catalog.>) 0 THEN
    PERFORM pg_catalog.pg_notify('iso28000_notification', i::text) FROM pg_catalog.unnest(ids) AS i;
  END IF;
  RETURN n;
END
$$;
COMMENT ON FUNCTION iso28000.raise_due_items(bigint, integer) IS
  'Writes a due notification for every item of due_item that falls due within horizon_days (0: today or overdue) in the given organisation (NULL: every organisation where the caller writes), once per item and due date; returns how many it wrote. For a scheduler: cron or pg_cron. Needs level write (IS560); horizon_days between 0 and 366 (IS561).';

-- The consumer's side: marks notifications delivered.
CREATE FUNCTION iso28000.mark_delivered(org bigint, ids bigint[])
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer;
  missing bigint;
  delivered timestamptz;
BEGIN
  IF NOT coalesce(iso28000.has_level(org, 'write'), false) THEN
    RAISE EXCEPTION 'role "%" cannot mark notifications of organisation % delivered: that needs level write', current_user, org
      USING ERRCODE = 'IS560', SCHEMA = 'iso28000', TABLE = 'notification', COLUMN = 'delivered_at';
  END IF;
  SELECT x INTO missing
    FROM unnest(ids) AS x
   WHERE x IS NULL OR NOT EXISTS (SELECT FROM iso28000.notification nt
                                   WHERE nt.org_id OPERATOR(pg_catalog.=) org
                                     AND nt.notification_id OPERATOR(pg_catalog.=) x)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'notification % of organisation % does not exist or is not visible to role "%"', coalesce(missing::text, 'NULL'), org, current_user
      USING ERRCODE = 'IS563', SCHEMA = 'iso28000', TABLE = 'notification', COLUMN = 'notification_id';
  END IF;
  -- The time as a value: Citus refuses a volatile function in UPDATE ... SET.
  delivered := pg_catalog.clock_timestamp();
  UPDATE iso28000.notification nt SET delivered_at = delivered
   WHERE nt.org_id OPERATOR(pg_catalog.=) org AND nt.notification_id OPERATOR(pg_catalog.=) ANY (ids) AND nt.delivered_at IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION iso28000.mark_delivered(bigint, bigint[]) IS
  'Marks notifications of an organisation delivered (stamped with the time and the role) and returns how many it marked; those already delivered are left as they are. Under row-level security: needs level write (IS560); a notification that does not exist or that the caller cannot see is refused (IS563).';
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
/*
 * sql/aliases/release_0_1_0.sql
 *		The names release 0.1.0 shipped for objects that the naming rule
 *		(README, "Names") has since renamed, kept as aliases so that queries,
 *		dashboards and workflow rules written for 0.1.0 go on working.
 *
 * The rule: a view is named for what it answers, register first
 * (risk_open beside nonconformity_open); a workflow guard is
 * <table>_<condition>_guard.  Each alias only forwards to the object under
 * its new name; new code uses the new names.  Listed in doc/naming.md.
 */

-- Copies the comments of a relation's columns to the same-named columns of
-- another (an alias view says what its columns are in the words of the view
-- it forwards to, written once there).
CREATE FUNCTION iso28000._copy_column_comments(source regclass, target regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT t.attname, col_description(source, s.attnum) AS comment
          FROM pg_attribute t
          JOIN pg_attribute s ON s.attrelid = source AND s.attname = t.attname AND s.attnum > 0 AND NOT s.attisdropped
         WHERE t.attrelid = target AND t.attnum > 0 AND NOT t.attisdropped
           AND col_description(source, s.attnum) IS NOT NULL
         ORDER BY t.attnum
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, c.attname, c.comment);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION iso28000._copy_column_comments(regclass, regclass) FROM PUBLIC;
COMMENT ON FUNCTION iso28000._copy_column_comments(regclass, regclass) IS
  'Internal: comments every column of target with the comment of the same-named column of source (the columns of an alias view).';

-- open_risk (0.1.0) is risk_open.
CREATE VIEW iso28000.open_risk WITH (security_invoker = true) AS
SELECT * FROM iso28000.risk_open;
COMMENT ON VIEW iso28000.open_risk IS
  'ISO 28000 6.1, 8.3: Alias of risk_open, under the name release 0.1.0 gave it; new code reads risk_open (views are named register first, then what they answer).';
SELECT iso28000._copy_column_comments('iso28000.risk_open', 'iso28000.open_risk');
GRANT SELECT ON iso28000.open_risk TO PUBLIC;

-- The clause 10.2 guards under their 0.1.0 names (now <table>_<condition>_guard).
CREATE FUNCTION iso28000.nonconformity_actions_planned(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
RETURN iso28000.nonconformity_actions_planned_guard(r, from_state, to_state);
COMMENT ON FUNCTION iso28000.nonconformity_actions_planned(iso28000.nonconformity, text, text) IS
  'Alias of nonconformity_actions_planned_guard, under the name release 0.1.0 gave it.';

CREATE FUNCTION iso28000.nonconformity_actions_done(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
RETURN iso28000.nonconformity_actions_done_guard(r, from_state, to_state);
COMMENT ON FUNCTION iso28000.nonconformity_actions_done(iso28000.nonconformity, text, text) IS
  'Alias of nonconformity_actions_done_guard, under the name release 0.1.0 gave it.';

CREATE FUNCTION iso28000.nonconformity_verifier_independent(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
RETURN iso28000.nonconformity_verifier_independent_guard(r, from_state, to_state);
COMMENT ON FUNCTION iso28000.nonconformity_verifier_independent(iso28000.nonconformity, text, text) IS
  'Alias of nonconformity_verifier_independent_guard, under the name release 0.1.0 gave it.';

CREATE FUNCTION iso28000.nonconformity_sms_decision(r iso28000.nonconformity, from_state text, to_state text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN iso28000.nonconformity_sms_decision_guard(r, from_state, to_state);
COMMENT ON FUNCTION iso28000.nonconformity_sms_decision(iso28000.nonconformity, text, text) IS
  'Alias of nonconformity_sms_decision_guard, under the name release 0.1.0 gave it.';

CREATE FUNCTION iso28000.corrective_action_reopen_allowed(r iso28000.corrective_action, from_state text, to_state text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
RETURN iso28000.corrective_action_reopen_guard(r, from_state, to_state);
COMMENT ON FUNCTION iso28000.corrective_action_reopen_allowed(iso28000.corrective_action, text, text) IS
  'Alias of corrective_action_reopen_guard, under the name release 0.1.0 gave it.';
