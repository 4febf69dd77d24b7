/*
 * sql/core/08_catalog.sql
 *		The clause catalog: the standards an organisation works to, and their
 *		clauses (number and title only).  ISO 28000:2022 is seeded from
 *		data/iso28000-2022-clauses.tsv (sql/core/08_catalog_seed.sql); other
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
