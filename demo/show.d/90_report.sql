-- Writes NPL's management-review report for the last year to
-- $ISO28000_DEMO_OUT/management-review.html (demo/run sets it to demo/out),
-- produced by NPL's internal auditor, whose audit level lets it read the
-- history chain.
\getenv out ISO28000_DEMO_OUT
\if :{?out}
\else
\set out .
\endif
\set report :out/management-review.html
SET ROLE npl_auditor;
SELECT org_id AS npl FROM iso28000.organization WHERE code = 'NPL' \gset
\pset tuples_only on
\pset format unaligned
SELECT iso28000.management_review_report(:npl, current_date - 365, current_date) \g :report
RESET ROLE;
\pset tuples_only off
\pset format aligned
\echo
\echo '=== management-review report of Northsea Port & Logistics for the last year, written to'
\echo '   ' :report
\echo '    open it in a browser; it is one self-contained HTML file.'
