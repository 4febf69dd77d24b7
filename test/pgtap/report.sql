-- management_review_report(): one self-contained HTML document with every
-- section, for members only; html_escape() escapes what it must.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(20);

CREATE ROLE report_manager NOLOGIN;
CREATE ROLE report_outsider NOLOGIN;
SELECT iso28000.create_organization('RPT', 'Report <Test> & Co', 'report_manager') AS org \gset

SET ROLE report_manager;
CREATE TEMP TABLE doc AS SELECT iso28000.management_review_report(:org, '2026-01-01', '2026-12-31') AS html;
RESET ROLE;

SELECT ok((SELECT html FROM doc) ~ '^<!DOCTYPE html><html lang="en">.*</html>$', 'a whole HTML document');
SELECT is((SELECT array_agg(id ORDER BY id) FROM (
             SELECT (regexp_matches(html, '<section id="([a-z-]+)"', 'g'))[1] AS id FROM doc) s),
          ARRAY['conformity', 'history', 'incidents', 'nonconformity', 'objectives', 'review-inputs', 'risk-heat-map', 'supply-chain'],
          'every section is there, once');
SELECT ok((SELECT html FROM doc) LIKE '%Report &lt;Test&gt; &amp; Co%', 'the organisation''s name is escaped');
SELECT ok((SELECT html FROM doc) LIKE '%period 2026-01-01 to 2026-12-31%', 'the period is stated');
SELECT ok((SELECT html FROM doc) !~* '(src|href)\s*=\s*"(https?:)?//|@import|url\(', 'nothing is loaded from elsewhere');
SELECT ok((SELECT html FROM doc) !~* '<script', 'no script');
SELECT is((SELECT count(*)::int FROM regexp_matches((SELECT html FROM doc), '<section', 'g')),
          (SELECT count(*)::int FROM regexp_matches((SELECT html FROM doc), '</section>', 'g')),
          'sections are closed');

-- The facts of the period read as words: every input of the pack, for an
-- empty organisation too, and facts of an input without wording of its own.
SELECT is((SELECT array_agg(p.input_code ORDER BY p.input_code) FROM iso28000.review_input_pack(:org, '2026-01-01', '2026-12-31') p
            WHERE iso28000.review_facts_html(p.input_code, p.facts) ~ '[{}]|"[a-z_]+":|\m(true|false|null|available)\M'),
          NULL, 'no input of the pack shows raw JSON, true/false or "available"');
SELECT ok((SELECT html FROM doc) LIKE '%No incident is open.%', 'the incidents section says when no incident is open');
SELECT is(iso28000.review_facts_html('audit_results', '{"audits_reported": 2, "findings": "{ conforming = 2/2, observation = 1/1, minor_nc = 1/1 }", "score": 87.5, "verdict": "conforming_with_findings", "nonconformities_raised": 1}'),
          '<p>2 audits reported in the period, with 4 findings: 2 conforming, 1 observation, 1 minor nc; the findings score 87.5 % (conforming with findings). 1 nonconformity was raised.</p>',
          'audit results read as a sentence, the tally in words');
SELECT is(iso28000.review_facts_html('nonconformities', '{"nonconformities": {"available": true, "by_status": {"closed": 6, "reported": 2, "contained": 1}, "overdue_at_end": null}, "corrective_actions": {"available": true, "by_status": {"done": 24, "planned": 6}, "overdue_at_end": 3}}'),
          '<p>9 nonconformities: 1 contained, 2 reported; finished: 6 closed.</p><p>30 corrective actions: 24 done, 6 planned. 3 are past the due date at the end of the period.</p>',
          'the counts per state that printed as {"done": 24, "planned": 6} read as sentences, terminal states apart');
SELECT is(iso28000.review_facts_html('context_changes', '{"available": false}'),
          '<p>External and internal issues carry no dates from which the changes of the period could be counted.</p>',
          '"available false" is said in words');
SELECT is(iso28000.review_facts_html('supply_chain_input', '{"segments": 3, "assessed": true, "by_band": {"high": 1, "low": 2}, "gaps": [{"title": "Gate & co"}]}'),
          '<table class="facts"><tr><th>assessed</th><td>yes</td></tr><tr><th>by band</th><td>high: 1; low: 2</td></tr><tr><th>gaps</th><td>Gate &amp; co</td></tr><tr><th>segments</th><td>3</td></tr></table>',
          'an input without wording of its own is a table of labels and values, escaped, never JSON');
SELECT is(iso28000.review_facts_html('my_own_input', NULL),
          '<span class="muted">An input of the organisation''s own: the review records what it considered.</span>',
          'an organisation''s own input says the review records it');
SELECT ok(iso28000.review_facts_html('security_incidents', iso28000._incident_facts(:org, '2026-01-01', '2026-12-31'))
            LIKE '<p>No incidents and events reported in the period; 0 closed and 0 dismissed as non-events in it; 0 open now. Authority notifications: 0 sent in the period, 0 still due (0 overdue). No exercises of security plans held. %',
          'the incidents input reads as sentences');

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
