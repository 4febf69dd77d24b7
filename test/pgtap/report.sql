-- management_review_report(): one self-contained HTML document with every
-- section, for members only; html_escape() escapes what it must.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(12);

CREATE ROLE report_manager NOLOGIN;
CREATE ROLE report_outsider NOLOGIN;
SELECT iso28000.create_organization('RPT', 'Report <Test> & Co', 'report_manager') AS org \gset

SET ROLE report_manager;
CREATE TEMP TABLE doc AS SELECT iso28000.management_review_report(:org, '2026-01-01', '2026-12-31') AS html;
RESET ROLE;

SELECT ok((SELECT html FROM doc) ~ '^<!DOCTYPE html><html lang="en">.*</html>$', 'a whole HTML document');
SELECT is((SELECT array_agg(id ORDER BY id) FROM (
             SELECT (regexp_matches(html, '<section id="([a-z-]+)"', 'g'))[1] AS id FROM doc) s),
          ARRAY['conformity', 'history', 'nonconformity', 'objectives', 'review-inputs', 'risk-heat-map', 'supply-chain'],
          'every section is there, once');
SELECT ok((SELECT html FROM doc) LIKE '%Report &lt;Test&gt; &amp; Co%', 'the organisation''s name is escaped');
SELECT ok((SELECT html FROM doc) LIKE '%period 2026-01-01 to 2026-12-31%', 'the period is stated');
SELECT ok((SELECT html FROM doc) !~* '(src|href)\s*=\s*"(https?:)?//|@import|url\(', 'nothing is loaded from elsewhere');
SELECT ok((SELECT html FROM doc) !~* '<script', 'no script');
SELECT is((SELECT count(*)::int FROM regexp_matches((SELECT html FROM doc), '<section', 'g')),
          (SELECT count(*)::int FROM regexp_matches((SELECT html FROM doc), '</section>', 'g')),
          'sections are closed');

SET ROLE report_outsider;
SELECT throws_ok(format('SELECT iso28000.management_review_report(%s)', :org), 'IS001', NULL,
                 'a role that cannot read the organisation gets IS001, not an empty report');
RESET ROLE;
SELECT throws_ok(format($$SELECT iso28000.management_review_report(%s, '2026-12-31', '2026-01-01')$$, :org), '22023', NULL,
                 'a period that ends before it starts is refused');
SELECT throws_ok(format($$SELECT iso28000.management_review_report(%s, NULL, '2026-01-01')$$, :org), '22023', NULL,
                 'a period without a start is refused');

SELECT is(iso28000.html_escape($$<a href="x">Tom & Jerry's</a>$$),
          '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;', 'html_escape escapes & < > " and ''');
SELECT is(iso28000.html_escape(NULL), NULL, 'html_escape of NULL is NULL');

SELECT * FROM finish();
ROLLBACK;
