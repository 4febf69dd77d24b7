-- iso28000._org_view_sql(view, org) keeps its text per backend
-- (src/citus_compat.c; doc/distribution.md, "Provider inclusion on a
-- cluster"); without Citus the text is the view's own query.  The cache is
-- dropped when the view changes (relcache) and when a schema, function,
-- operator or type changes (what the deparsed text names): a stale text
-- would name a renamed schema's old name, or miss a view's new column.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(16);
\ir include/fields.sql

SELECT is(iso28000._org_view_sql('iso28000.supply_chain_node_reliance', 1),
          rtrim(pg_get_viewdef('iso28000.supply_chain_node_reliance'), E'; \n'),
          'without Citus the text is the view''s own query');
SELECT iso28000._org_view_sql_builds() AS b0 \gset
SELECT count(iso28000._org_view_sql('iso28000.supply_chain_node_requirement', g)) FROM generate_series(1, 50) g;
SELECT is(iso28000._org_view_sql_builds() - :b0, 1::bigint,
          'fifty calls for fifty organisations build the text once (one node: one text per view)');

-- A view in one schema that names a function of another.
CREATE SCHEMA ovc_fn;
CREATE FUNCTION ovc_fn.label(t text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT upper(t)';
CREATE SCHEMA ovc_view;
CREATE VIEW ovc_view.people AS SELECT p.org_id, ovc_fn.label(p.full_name) AS name FROM iso28000.person p;
SELECT ok(strpos(iso28000._org_view_sql('ovc_view.people', 1), 'ovc_fn.label(') > 0, 'the text names the function by its schema');
SELECT iso28000._org_view_sql_builds() AS b1 \gset
SELECT iso28000._org_view_sql('ovc_view.people', 2);
SELECT is(iso28000._org_view_sql_builds() - :b1, 0::bigint, 'asked again, it comes from the cache');
ALTER SCHEMA ovc_fn RENAME TO ovc_fn2;
SELECT ok(strpos(iso28000._org_view_sql('ovc_view.people', 1), 'ovc_fn2.label(') > 0,
          'after the function''s schema is renamed the text names the new one (the cache was dropped)');
CREATE OR REPLACE VIEW ovc_view.people AS
  SELECT p.org_id, ovc_fn2.label(p.full_name) AS name, p.person_id FROM iso28000.person p;
SELECT ok(strpos(iso28000._org_view_sql('ovc_view.people', 1), 'person_id') > 0,
          'after the view is replaced the text is the new query');
SELECT is(iso28000.provider_reliance(1, 1), NULL, 'provider_reliance() still answers on one node');

-- Refusals and the caller's rights (the functions are granted to every role
-- and run as the caller; neither is SECURITY DEFINER).
SELECT throws_ok($$SELECT iso28000._org_view_sql('iso28000.nonconformity', 1)$$, 'IS052',
                 'relation iso28000.nonconformity is not a view: iso28000._org_view_sql() reads a view''s query',
                 'a table is refused with IS052 (0.3.0 before: XX000, "function returned NULL")');
SELECT is(pg_temp.fields($$SELECT iso28000._org_view_sql('iso28000.nonconformity', 1)$$),
          'IS052 iso28000.nonconformity.', 'IS052 names the relation''s schema and table');

-- The view's text is deparsed under the function's own search_path: a first
-- call in a session whose path puts the extension's schema first still gets
-- every table qualified (an unqualified name would escape the shard
-- substitution, and would resolve through the reader's path).
CREATE VIEW ovc_view.people2 AS SELECT p.org_id, p.full_name FROM iso28000.person p;
SET LOCAL search_path = iso28000, public;
SELECT ok(strpos(iso28000._org_view_sql('ovc_view.people2', 1), 'iso28000.person') > 0,
          'under a caller''s search_path that names the schema first, the text still qualifies its tables');
RESET search_path;

CREATE ROLE ovc_mgr_a NOLOGIN;
CREATE ROLE ovc_mgr_b NOLOGIN;
CREATE ROLE ovc_nobody NOLOGIN;
SELECT iso28000.create_organization('OVCA', 'Org view cache A', 'ovc_mgr_a') AS oa \gset
SELECT iso28000.create_organization('OVCB', 'Org view cache B', 'ovc_mgr_b') AS ob \gset
INSERT INTO iso28000.nonconformity (org_id, title, severity) VALUES (:oa, 'ovc a', 'minor'), (:ob, 'ovc b', 'minor');
SELECT ok(NOT bool_or(rolsuper OR rolbypassrls), 'none of the callers below is a superuser or bypasses row-level security')
  FROM pg_roles WHERE rolname LIKE 'ovc\_%';

-- _org_query() runs read-only statements only, whoever calls it.
SET LOCAL ROLE ovc_mgr_a;
SELECT throws_ok($$SELECT * FROM iso28000._org_query('UPDATE iso28000.nonconformity SET title = ''x''', '{}', true) AS q(x int)$$,
                 '0A000', NULL, 'a member''s write through _org_query() is refused (read-only)');
RESET ROLE;

-- A plan kept by one role is not another role's rows: the superuser's plan
-- (which bypasses row-level security) made first, the same text by the
-- members and by a role of no organisation in the same backend.
SELECT is(array_agg(t ORDER BY t), ARRAY['ovc a', 'ovc b'], 'the superuser reads both organisations'' rows through a kept plan')
  FROM iso28000._org_query($$SELECT n.title FROM iso28000.nonconformity n WHERE n.title OPERATOR(pg_catalog.~~) 'ovc %'$$, '{}', true) AS q(t text);
SET LOCAL ROLE ovc_mgr_a;
SELECT is(array_agg(t ORDER BY t), ARRAY['ovc a'], 'the same text as the manager of A: A''s row only')
  FROM iso28000._org_query($$SELECT n.title FROM iso28000.nonconformity n WHERE n.title OPERATOR(pg_catalog.~~) 'ovc %'$$, '{}', true) AS q(t text);
RESET ROLE;
SET LOCAL ROLE ovc_mgr_b;
SELECT is(array_agg(t ORDER BY t), ARRAY['ovc b'], '... as the manager of B: B''s row only')
  FROM iso28000._org_query($$SELECT n.title FROM iso28000.nonconformity n WHERE n.title OPERATOR(pg_catalog.~~) 'ovc %'$$, '{}', true) AS q(t text);
RESET ROLE;
SET LOCAL ROLE ovc_nobody;
SELECT is(count(*), 0::bigint, '... as a role of no organisation: no row')
  FROM iso28000._org_query($$SELECT n.title FROM iso28000.nonconformity n WHERE n.title OPERATOR(pg_catalog.~~) 'ovc %'$$, '{}', true) AS q(t text);
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
