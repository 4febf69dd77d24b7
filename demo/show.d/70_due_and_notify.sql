\echo
\echo '=== ISO 28000 7.4, 9.1: what falls due at NPL in the next 30 days, or is overdue (due_item, by person)'
SET ROLE npl_viewer;
SELECT responsible_name, count(*) AS items, count(*) FILTER (WHERE overdue) AS overdue, min(due_on) AS first_due
  FROM iso28000.due_item
 WHERE org_code = 'NPL' AND (overdue OR due_on <= current_date + 30)
 GROUP BY responsible_name ORDER BY overdue DESC, responsible_name NULLS LAST;
\echo '=== the five most overdue, with the record they come from'
SELECT register, coalesce(record_code, record_id::text) AS record, left(record_title, 40) AS title, item,
       responsible_name, due_on, days_overdue
  FROM iso28000.due_item WHERE org_code = 'NPL' AND overdue AND due_on IS NOT NULL
 ORDER BY days_overdue DESC, register, record_id LIMIT 5;
RESET ROLE;

\echo
\echo '=== the scheduler raises what fell due into the outbox, once (raise_due_items, twice)'
SET ROLE npl_security_manager;
SELECT iso28000.raise_due_items(org_id) AS raised_first, iso28000.raise_due_items(org_id) AS raised_again
  FROM iso28000.organization WHERE code = 'NPL';
\echo '=== the outbox a mailer reads (LISTEN iso28000_notification): the latest three of each kind'
SELECT kind, recipient, subject, reason
  FROM (SELECT n.kind, p.full_name AS recipient, left(n.subject, 70) AS subject, n.reason,
               row_number() OVER (PARTITION BY n.kind ORDER BY n.notification_id DESC) AS k
          FROM iso28000.notification n
          LEFT JOIN iso28000.person p ON p.org_id = n.org_id AND p.person_id = n.recipient_id
         WHERE n.org_id = (SELECT org_id FROM iso28000.organization WHERE code = 'NPL')) x
 WHERE k <= 3 ORDER BY kind, k;
RESET ROLE;
