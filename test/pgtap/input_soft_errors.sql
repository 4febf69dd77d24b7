-- The input functions of clause_ref, risk_rating and conformity_tally refuse
-- bad text through one idiom (errsave, src/iso28000_compat.h): the error is raised
-- with its SQLSTATE on every version, and from PostgreSQL 16 on it is saved
-- instead when the caller asks softly (pg_input_is_valid, pg_input_error_info,
-- COPY ... ON_ERROR), so that no error is raised.  On 15 the soft checks skip.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(15);

-- raised, on every version
SELECT throws_ok($$SELECT '8..1'::iso28000.clause_ref$$, '22P02', NULL, 'clause_ref: bad syntax raises 22P02');
SELECT throws_ok($$SELECT '8.0'::iso28000.clause_ref$$, '22003', NULL, 'clause_ref: a level out of range raises 22003');
SELECT throws_ok($$SELECT 'L4X3'::iso28000.risk_rating$$, '22P02', NULL, 'risk_rating: bad syntax raises 22P02');
SELECT throws_ok($$SELECT 'L11C3'::iso28000.risk_rating$$, '22003', NULL, 'risk_rating: a part out of range raises 22003');
SELECT throws_ok($$SELECT '{conforming=1}'::iso28000.conformity_tally$$, '22P02', NULL, 'conformity_tally: bad syntax raises 22P02');
SELECT throws_ok($$SELECT '{conforming=-1/0}'::iso28000.conformity_tally$$, '22003', NULL,
                 'conformity_tally: a count out of range raises 22003');

-- saved, from PostgreSQL 16 on: the SQLSTATE pg_input_error_info() reports
-- (looked up at run time, since 15 has no such function), or 'valid'.
CREATE FUNCTION pg_temp.soft(val text, typ text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    code text;
BEGIN
    EXECUTE 'SELECT sql_error_code FROM pg_catalog.pg_input_error_info($1, $2)' INTO code USING val, typ;
    RETURN coalesce(code, 'valid');
END
$$;
CREATE TEMP TABLE soft_case (val text, typ text, want text, what text);
INSERT INTO soft_case VALUES
  ('8.6.4', 'iso28000.clause_ref', 'valid', 'clause_ref: a good value is valid'),
  ('8..1', 'iso28000.clause_ref', '22P02', 'clause_ref: bad syntax is saved as 22P02'),
  ('8.0', 'iso28000.clause_ref', '22003', 'clause_ref: a level out of range is saved as 22003'),
  ('L4C3', 'iso28000.risk_rating', 'valid', 'risk_rating: a good value is valid'),
  ('L4X3', 'iso28000.risk_rating', '22P02', 'risk_rating: bad syntax is saved as 22P02'),
  ('L11C3', 'iso28000.risk_rating', '22003', 'risk_rating: a part out of range is saved as 22003'),
  ('{conforming=3/5}', 'iso28000.conformity_tally', 'valid', 'conformity_tally: a good value is valid'),
  ('{conforming=1}', 'iso28000.conformity_tally', '22P02', 'conformity_tally: bad syntax is saved as 22P02'),
  ('{conforming=-1/0}', 'iso28000.conformity_tally', '22003', 'conformity_tally: a count out of range is saved as 22003');
SELECT CASE WHEN current_setting('server_version_num')::int >= 160000
            THEN is(pg_temp.soft(val, typ), want, what)
            ELSE skip('soft input errors are new in PostgreSQL 16: ' || what, 1) END
  FROM soft_case ORDER BY typ, want;

SELECT * FROM finish();
ROLLBACK;
