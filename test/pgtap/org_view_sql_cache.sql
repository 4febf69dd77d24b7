-- iso28000._org_view_sql(view, org) keeps its text per backend
-- (src/citus_compat.c; doc/distribution.md, "Provider inclusion on a
-- cluster"); without Citus the text is the view's own query.  The cache is
-- dropped when the view changes (relcache) and when a schema, function,
-- operator or type changes (what the deparsed text names): a stale text
-- would name a renamed schema's old name, or miss a view's new column.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(7);

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

SELECT * FROM finish();
ROLLBACK;
