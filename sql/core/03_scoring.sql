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
