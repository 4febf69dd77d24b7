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
