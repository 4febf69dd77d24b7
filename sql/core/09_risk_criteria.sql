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
  tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
BEGIN
  IF NOT coalesce(iso28000.has_level(org, 'manage'), false) THEN
    RAISE EXCEPTION 'role "%" cannot % %.% of organisation %: the risk criteria need level manage',
                    current_user, lower(TG_OP), TG_TABLE_SCHEMA, tbl, org
      USING ERRCODE = 'IS001', SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl,
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
