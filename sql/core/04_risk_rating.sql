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
