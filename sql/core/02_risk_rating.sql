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
