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
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    lvl integer;
    col text;
BEGIN
    IF tbl = 'assessment_result' THEN
        lvl := NEW.maturity; col := 'maturity';
    ELSE
        lvl := NEW.target_level; col := 'target_level';
    END IF;
    -- maturity_scale's rows of the organisation at that level, read from its
    -- tables: on a Citus worker the view (organization, a reference table,
    -- crossed with the defaults) is no query a trigger on a shard may run
    -- ("cannot execute a distributed query from a query on a shard").
    IF lvl IS NOT NULL
       AND NOT EXISTS (SELECT FROM iso28000.maturity_level m
                        WHERE m.org_id OPERATOR(pg_catalog.=) NEW.org_id
                          AND m.level OPERATOR(pg_catalog.=) lvl AND m.in_use)
       AND (NOT EXISTS (SELECT FROM iso28000.maturity_level_default d WHERE d.level OPERATOR(pg_catalog.=) lvl)
            OR EXISTS (SELECT FROM iso28000.maturity_level m
                        WHERE m.org_id OPERATOR(pg_catalog.=) NEW.org_id
                          AND m.level OPERATOR(pg_catalog.=) lvl)) THEN
        RAISE EXCEPTION 'maturity level % is not on the scale of organisation % (%.% of clause %)', lvl, NEW.org_id, tbl, col, NEW.clause
              USING ERRCODE = 'IS547',
                    DETAIL = 'A maturity level is one of the organisation''s scale: the default levels 0 to 5 it has not retired and the levels it defined (maturity_scale).',
                    HINT = 'Choose a level of maturity_scale, or define it in maturity_level first.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = col;
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
