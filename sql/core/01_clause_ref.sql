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
