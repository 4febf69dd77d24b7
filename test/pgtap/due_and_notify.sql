-- Due items and the notification outbox (sql/views/due_items.sql,
-- sql/interfaces/notification.sql): due_item across registers under
-- row-level security, assignments and transitions written to the outbox by
-- the registers' statement triggers, rolled back with their savepoint,
-- raise_due_items() idempotent, mark_delivered(), the database's stamps, and
-- every refusal's SQLSTATE (IS560-IS563).  All checks run as non-superuser
-- roles.  Commit/rollback with a real LISTEN: test/suite.d/notify_listen.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(52);

CREATE ROLE tap_due_mgr NOLOGIN;
CREATE ROLE tap_due_writer NOLOGIN;
CREATE ROLE tap_due_reader NOLOGIN;
CREATE ROLE tap_due_other NOLOGIN;
SELECT iso28000.create_organization('DUE-A', 'Due A', 'tap_due_mgr') AS a \gset
SELECT iso28000.create_organization('DUE-B', 'Due B', 'tap_due_other') AS b \gset

SET SESSION AUTHORIZATION tap_due_mgr;
SELECT iso28000.grant_access(:a, 'tap_due_writer', 'write');
SELECT iso28000.grant_access(:a, 'tap_due_reader', 'read');
INSERT INTO iso28000.person (org_id, full_name, email, db_role) VALUES (:a, 'Mia Manager', 'mia@due.example', 'tap_due_mgr') RETURNING person_id AS mia \gset
INSERT INTO iso28000.person (org_id, full_name, email, db_role) VALUES (:a, 'Wim Writer', 'wim@due.example', 'tap_due_writer') RETURNING person_id AS wim \gset
INSERT INTO iso28000.person (org_id, full_name) VALUES (:a, 'Olga Owner') RETURNING person_id AS olga \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_due_other;
INSERT INTO iso28000.person (org_id, full_name) VALUES (:b, 'Bob of B') RETURNING person_id AS bob \gset
INSERT INTO iso28000.objective (org_id, title, target, unit, evaluation_method, set_on, due_on, owner_id)
VALUES (:b, 'B objective', 1, 'n', 'count', current_date - 100, current_date - 10, :bob);
RESET SESSION AUTHORIZATION;

SELECT ok(NOT rolsuper, 'tap_due_writer is not a superuser') FROM pg_roles WHERE rolname = 'tap_due_writer';

-- An assignment on insert, written as the writer, stamped by the database.
SET SESSION AUTHORIZATION tap_due_writer;
INSERT INTO iso28000.objective (org_id, title, target, unit, evaluation_method, set_on, due_on, owner_id)
VALUES (:a, 'Gate throughput', 95, '%', 'gate log', current_date - 100, current_date - 5, :olga)
RETURNING objective_id AS obj_late \gset
SELECT results_eq(
  format($$SELECT kind, recipient_id, register, record_id, reason, actor::text COLLATE "default", actor_person
             FROM iso28000.notification WHERE org_id = %s AND register = 'objective' ORDER BY notification_id$$, :a),
  format($$VALUES ('assignment', %s::bigint, 'objective', %s::bigint, 'named as owner_id', 'tap_due_writer', %s::bigint)$$, :olga, :obj_late, :wim),
  'inserting an objective with an owner writes one assignment to the owner, stamped with the writing role and the acting person');
SELECT is((SELECT subject FROM iso28000.notification WHERE org_id = :a AND register = 'objective'),
          'objective ' || :obj_late || ': Gate throughput', 'the subject names the register, the record and its title');

-- Rolled back with its savepoint.
SAVEPOINT s1;
INSERT INTO iso28000.objective (org_id, title, target, unit, evaluation_method, due_on, owner_id)
VALUES (:a, 'Rolled back', 1, 'n', 'count', current_date + 10, :olga);
SELECT is((SELECT count(*) FROM iso28000.notification WHERE org_id = :a AND record_title = 'Rolled back'), 1::bigint,
          'inside the savepoint the assignment is in the outbox');
ROLLBACK TO SAVEPOINT s1;
SELECT is((SELECT count(*) FROM iso28000.notification WHERE org_id = :a AND record_title = 'Rolled back'), 0::bigint,
          'rolling back to the savepoint takes the outbox row with it');

-- A statement of several rows writes one row per record, a changed owner a new assignment.
INSERT INTO iso28000.objective (org_id, title, target, unit, evaluation_method, due_on, owner_id)
SELECT :a, 'Batch ' || i, 1, 'n', 'count', current_date + 40, :olga FROM generate_series(1, 3) i;
SELECT is((SELECT count(*) FROM iso28000.notification WHERE org_id = :a AND record_title LIKE 'Batch %'), 3::bigint,
          'one INSERT of three records writes three assignments');
UPDATE iso28000.objective SET owner_id = :wim WHERE org_id = :a AND title = 'Batch 1';
UPDATE iso28000.objective SET title = 'Batch 2 renamed' WHERE org_id = :a AND title = 'Batch 2';
SELECT results_eq(
  format($$SELECT recipient_id, record_title FROM iso28000.notification
            WHERE org_id = %s AND record_title LIKE 'Batch %%' ORDER BY notification_id$$, :a),
  format($$VALUES (%1$s::bigint, 'Batch 1'), (%1$s, 'Batch 2'), (%1$s, 'Batch 3'), (%2$s::bigint, 'Batch 1')$$, :olga, :wim),
  'changing the owner writes an assignment to the new owner; changing another column writes none');

-- A client cannot forge the stamps.
INSERT INTO iso28000.notification (org_id, kind, register, record_id, subject, reason, actor, created_at)
VALUES (:a, 'assignment', 'objective', :obj_late, 'forged', 'forged', 'postgres', '2000-01-01');
SELECT results_eq(
  format($$SELECT actor::text COLLATE "default", created_at = now() FROM iso28000.notification WHERE org_id = %s AND subject = 'forged'$$, :a),
  $$VALUES ('tap_due_writer', true)$$,
  'a row written by hand is stamped with the role that wrote it and the time, whatever the client gave');
RESET SESSION AUTHORIZATION;

-- Transitions: an improvement approved by the manager.
SET SESSION AUTHORIZATION tap_due_mgr;
INSERT INTO iso28000.improvement (org_id, title, owner_id, expected_benefit, due_on)
VALUES (:a, 'Faster badges', :olga, 'shorter queues', current_date + 3) RETURNING improvement_id AS imp \gset
UPDATE iso28000.improvement SET status = 'approved' WHERE org_id = :a AND improvement_id = :imp;
SELECT results_eq(
  format($$SELECT kind, recipient_id, from_state, to_state, subject FROM iso28000.notification
            WHERE org_id = %s AND register = 'improvement' ORDER BY notification_id$$, :a),
  format($$VALUES ('assignment', %1$s::bigint, NULL, 'proposed', 'improvement %2$s: Faster badges'),
                  ('transition', %1$s::bigint, 'proposed', 'approved', 'improvement %2$s: proposed -> approved')$$, :olga, :imp),
  'a transition writes a transition notification to the owner, with both states');
SELECT is((SELECT count(*) FROM iso28000.due_item WHERE org_id = :a AND register = 'improvement' AND record_id = :imp), 1::bigint,
          'an approved improvement with a due date is a due item');
UPDATE iso28000.improvement SET status = 'implemented', implemented_on = current_date, owner_id = :wim
 WHERE org_id = :a AND improvement_id = :imp;
SELECT results_eq(
  format($$SELECT kind, recipient_id, to_state FROM iso28000.notification
            WHERE org_id = %s AND register = 'improvement' AND notification_id > (
                  SELECT max(notification_id) FROM iso28000.notification WHERE org_id = %s AND to_state = 'approved')
            ORDER BY kind DESC$$, :a, :a),
  format($$VALUES ('transition', %1$s::bigint, 'implemented'), ('assignment', %1$s::bigint, 'implemented')$$, :wim),
  'a transition that also changes the owner notifies the new owner of both');
RESET SESSION AUTHORIZATION;

-- Due items: what the registers hold, under row-level security.
SET SESSION AUTHORIZATION tap_due_mgr;
INSERT INTO iso28000.communication (org_id, subject, audience, direction, channel, frequency, owner_id, next_due_on)
VALUES (:a, 'Quarterly security bulletin', 'staff', 'internal', 'intranet', '3 months', :mia, current_date + 20)
RETURNING communication_id AS com \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_due_reader;
SELECT results_eq(
  format($$SELECT register, record_id, record_title, item, reason, responsible_name, due_on, overdue, days_overdue
             FROM iso28000.due_item WHERE org_id = %s AND register IN ('objective', 'communication') AND record_title NOT LIKE 'Batch%%'
            ORDER BY due_on$$, :a),
  format($$VALUES ('objective', %s::bigint, 'Gate throughput', 'objective', 'due', 'Olga Owner', current_date - 5, true, 5),
                  ('communication', %s::bigint, 'Quarterly security bulletin', 'communication', 'due', 'Mia Manager', current_date + 20, false, -20)$$,
         :obj_late, :com),
  'due_item lists the late objective (overdue by 5 days) and the communication due in 20 days, with the person responsible');
SELECT is((SELECT count(*) FROM iso28000.due_item WHERE org_id = :b), 0::bigint,
          'a reader of A sees no due item of B (security_invoker, row-level security)');
SELECT is((SELECT org_code FROM iso28000.due_item WHERE org_id = :a LIMIT 1), 'DUE-A', 'the organisation''s code is given');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*) FROM iso28000.due_item WHERE register = 'improvement' AND record_id = :imp), 0::bigint,
          'the improvement, now implemented, is no longer due');

-- Only plain types a BI tool reads, and a comment on every column.
SELECT is((SELECT count(*) FROM information_schema.columns
            WHERE table_schema = 'iso28000' AND table_name = 'due_item'
              AND data_type NOT IN ('bigint', 'integer', 'text', 'date', 'boolean')), 0::bigint,
          'due_item has only bigint, integer, text, date and boolean columns');
SELECT is((SELECT count(*) FROM pg_attribute WHERE attrelid = 'iso28000.due_item'::regclass AND attnum > 0
              AND col_description(attrelid, attnum) IS NULL), 0::bigint, 'every column of due_item has a comment');
SELECT ok((SELECT 'security_invoker=true' = ANY (reloptions) FROM pg_class WHERE oid = 'iso28000.due_item'::regclass),
          'due_item runs with the caller''s rights');

-- raise_due_items: once each.
SET SESSION AUTHORIZATION tap_due_writer;
SELECT is(iso28000.raise_due_items(:a), 1, 'raising writes the one item due today or overdue (the late objective)');
SELECT is(iso28000.raise_due_items(:a), 0, 'raising again writes nothing');
SELECT is(iso28000.raise_due_items(:a, 30), 1, 'a horizon of 30 days raises the communication due in 20 days too');
SELECT is(iso28000.raise_due_items(NULL, 30), 0, 'raising every organisation of the caller again writes nothing');
SELECT results_eq(
  format($$SELECT recipient_id, item, due_on, subject FROM iso28000.notification
            WHERE org_id = %s AND kind = 'due' AND register = 'objective'$$, :a),
  format($$VALUES (%s::bigint, 'objective', current_date - 5, 'objective %s: objective overdue since ' || (current_date - 5)::text)$$, :olga, :obj_late),
  'the due row names the person responsible, the item, the date and says it is overdue');
UPDATE iso28000.objective SET due_on = current_date WHERE org_id = :a AND objective_id = :obj_late;
SELECT is(iso28000.raise_due_items(:a), 1, 'a new due date is raised again');
SELECT is((SELECT count(*) FROM iso28000.notification WHERE org_id = :b), 0::bigint,
          'a writer of A raised nothing in B, and sees nothing of B');
SAVEPOINT s2;
SELECT is(iso28000.raise_due_items(:a, 60), 3, 'within a savepoint, a horizon of 60 days raises the three batch objectives');
ROLLBACK TO SAVEPOINT s2;
SELECT is(iso28000.raise_due_items(:a, 60), 3, 'rolled back, they are raised again (nothing was left behind)');
RESET SESSION AUTHORIZATION;

-- Refusals.
SET SESSION AUTHORIZATION tap_due_reader;
SELECT throws_ok(format('SELECT iso28000.raise_due_items(%s)', :a), 'IS560',
                 format('role "tap_due_reader" cannot raise the due items of organisation %s: that needs level write', :a),
                 'a reader cannot raise due items (IS560)');
SELECT throws_ok(format('SELECT iso28000.mark_delivered(%s, ARRAY[1])', :a), 'IS560', NULL,
                 'a reader cannot mark notifications delivered (IS560)');
SELECT throws_ok(format($$INSERT INTO iso28000.notification (org_id, kind, register, record_id, subject, reason)
                          VALUES (%s, 'due', 'objective', 1, 'x', 'x')$$, :a), '42501', NULL,
                 'a reader cannot write the outbox (row-level security)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_due_writer;
SELECT throws_ok(format('SELECT iso28000.raise_due_items(%s, -1)', :a), 'IS561',
                 'raise_due_items: horizon_days must be between 0 and 366, not -1', 'a negative horizon is refused (IS561)');
SELECT throws_ok(format('SELECT iso28000.raise_due_items(%s)', :b), 'IS560', NULL,
                 'a writer of A cannot raise the due items of B (IS560)');
SELECT max(notification_id) AS last FROM iso28000.notification WHERE org_id = :a \gset
SELECT throws_ok(format('SELECT iso28000.mark_delivered(%s, ARRAY[%s, %s])', :a, :last, :last + 100000), 'IS563',
                 format('notification %s of organisation %s does not exist or is not visible to role "tap_due_writer"', :last + 100000, :a),
                 'marking an unknown notification is refused (IS563)');
SELECT is((SELECT delivered_at FROM iso28000.notification WHERE org_id = :a AND notification_id = :last), NULL,
          'the refused call marked nothing');

-- The consumer's side.
SELECT is(iso28000.mark_delivered(:a, ARRAY[:last, :last - 1]), 2, 'mark_delivered marks two rows');
SELECT results_eq(
  format($$SELECT delivered_by::text COLLATE "default", delivered_at IS NOT NULL FROM iso28000.notification WHERE org_id = %s AND notification_id = %s$$, :a, :last),
  $$VALUES ('tap_due_writer', true)$$, 'a delivered row is stamped with the role that marked it');
SELECT is(iso28000.mark_delivered(:a, ARRAY[:last]), 0, 'marking it again changes nothing');
SELECT throws_ok(format('UPDATE iso28000.notification SET delivered_at = now() WHERE org_id = %s AND notification_id = %s', :a, :last),
                 'IS562', NULL, 'a delivered row cannot be delivered again by hand (IS562)');
SELECT throws_ok(format('UPDATE iso28000.notification SET subject = %L WHERE org_id = %s', 'changed', :a),
                 '42501', NULL, 'no column but delivered_at may be updated');
SELECT throws_ok(format('DELETE FROM iso28000.notification WHERE org_id = %s', :a),
                 '42501', NULL, 'no member may delete from the outbox');
RESET SESSION AUTHORIZATION;

-- Supply chain: an approved provider exception expires; its approval is notified to the requester.
SET SESSION AUTHORIZATION tap_due_writer;
INSERT INTO iso28000.supply_chain_node (org_id, code, name, kind, owner_id)
VALUES (:a, 'N-1', 'Carrier One', 'carrier', :olga) RETURNING node_id AS node \gset
INSERT INTO iso28000.provider_exception (org_id, node_id, reason, requested_by, valid_until)
VALUES (:a, :node, 'certificate renewal pending', :wim, current_date + 15) RETURNING exception_id AS exc \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_due_mgr;
UPDATE iso28000.provider_exception SET status = 'approved', approved_on = current_date WHERE org_id = :a AND exception_id = :exc;
SELECT results_eq(
  format($$SELECT record_code, item, reason, responsible_id, due_on, overdue FROM iso28000.due_item
            WHERE org_id = %s AND register = 'provider_exception'$$, :a),
  format($$VALUES ('N-1', 'provider_exception', 'expires', %s::bigint, current_date + 15, false)$$, :olga),
  'an approved provider exception is a due item of the node''s owner until it expires');
SELECT results_eq(
  format($$SELECT kind, recipient_id, from_state, to_state FROM iso28000.notification
            WHERE org_id = %s AND register = 'provider_exception' ORDER BY notification_id$$, :a),
  format($$VALUES ('assignment', %1$s::bigint, NULL, 'requested'), ('transition', %1$s::bigint, 'requested', 'approved')$$, :wim),
  'its approval is notified to the person who requested it');
RESET SESSION AUTHORIZATION;

-- Incidents (8.6.3): an authority notification required and not yet sent is a
-- due item of the incident's owner, dated by its deadline; the incident's
-- transitions and owners are notified.
SET SESSION AUTHORIZATION tap_due_writer;
INSERT INTO iso28000.security_incident (org_id, reference, title, severity, detected_at, reported_at, owner_id,
                                        authority_notification_required, authority_notify_by)
VALUES (:a, 'INC-LATE', 'Seal broken at gate 2', 'high', now() - interval '3 days', now() - interval '3 days', :olga,
        true, now() - interval '2 days')
RETURNING incident_id AS inc_late \gset
INSERT INTO iso28000.security_incident (org_id, reference, title, severity, owner_id,
                                        authority_notification_required, authority_notify_by)
VALUES (:a, 'INC-SOON', 'Fence cut', 'medium', :mia, true, now() + interval '2 days')
RETURNING incident_id AS inc_soon \gset
INSERT INTO iso28000.security_incident (org_id, reference, title, severity, authority_notification_required)
VALUES (:a, 'INC-NOW', 'Drone over the yard', 'low', true)
RETURNING incident_id AS inc_now \gset
INSERT INTO iso28000.security_incident (org_id, reference, title, severity, owner_id)
VALUES (:a, 'INC-QUIET', 'Badge lost', 'low', :olga);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_due_reader;
SELECT results_eq(
  format($$SELECT record_id, record_code, record_title, item, reason, responsible_id, responsible_name, due_on, overdue, days_overdue
             FROM iso28000.due_item WHERE org_id = %s AND register = 'security_incident' ORDER BY record_code$$, :a),
  format($$VALUES (%1$s::bigint, 'INC-LATE', 'Seal broken at gate 2', 'authority_notification', 'due', %4$s::bigint, 'Olga Owner', current_date - 2, true, 2),
                  (%3$s::bigint, 'INC-NOW', 'Drone over the yard', 'authority_notification', 'never_done', NULL::bigint, NULL::text, NULL::date, true, NULL::integer),
                  (%2$s::bigint, 'INC-SOON', 'Fence cut', 'authority_notification', 'due', %5$s::bigint, 'Mia Manager', current_date + 2, false, -2)$$,
         :inc_late, :inc_soon, :inc_now, :olga, :mia),
  'due_item lists the authority notifications not yet sent: overdue by 2 days, without a deadline (at once, nobody named yet) and due in 2 days, each with the incident''s owner; an incident that needs none is not listed');
SELECT is((SELECT count(*) FROM iso28000.due_item WHERE org_id = :b AND register = 'security_incident'), 0::bigint,
          'a reader of A sees no incident of B among the due items');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_due_writer;
INSERT INTO iso28000.incident_notification (org_id, incident_id, recipient_kind, recipient, content)
VALUES (:a, :inc_soon, 'partner', 'Carrier One', 'Fence cut near your bay');
SELECT is((SELECT count(*) FROM iso28000.due_item WHERE org_id = :a AND register = 'security_incident' AND record_id = :inc_soon), 1::bigint,
          'a notification to a partner does not settle the authority notification');
INSERT INTO iso28000.incident_notification (org_id, incident_id, recipient_kind, recipient, content)
VALUES (:a, :inc_soon, 'authority', 'Police', 'Fence cut, reported');
SELECT is((SELECT count(*) FROM iso28000.due_item WHERE org_id = :a AND register = 'security_incident' AND record_id = :inc_soon), 0::bigint,
          'once the authority is notified, the item is gone');
SELECT results_eq(
  format($$SELECT kind, recipient_id, record_code, reason, to_state FROM iso28000.notification
            WHERE org_id = %s AND register = 'security_incident' ORDER BY notification_id$$, :a),
  format($$VALUES ('assignment', %1$s::bigint, 'INC-LATE', 'named as owner_id', 'reported'),
                  ('assignment', %2$s::bigint, 'INC-SOON', 'named as owner_id', 'reported'),
                  ('assignment', %1$s::bigint, 'INC-QUIET', 'named as owner_id', 'reported')$$, :olga, :mia),
  'reporting an incident with an owner notifies the owner (security_incident is attached to the outbox)');
SELECT max(notification_id) AS before_triage FROM iso28000.notification WHERE org_id = :a \gset
UPDATE iso28000.security_incident SET status = 'triaged', owner_id = :wim, triage_note = 'Low: watch the yard'
 WHERE org_id = :a AND incident_id = :inc_now;
SELECT results_eq(
  format($$SELECT kind, recipient_id, from_state, to_state, subject FROM iso28000.notification
            WHERE org_id = %s AND notification_id > %s ORDER BY kind DESC$$, :a, :before_triage),
  format($$VALUES ('transition', %1$s::bigint, 'reported', 'triaged', 'security_incident INC-NOW: reported -> triaged'),
                  ('assignment', %1$s::bigint, NULL, 'triaged', 'security_incident INC-NOW: Drone over the yard')$$, :wim),
  'triaging an incident writes a transition and an assignment to its new owner, in the same transaction');
SELECT is(iso28000.raise_due_items(:a), 2, 'raise_due_items raises the overdue and the undated authority notifications');
SELECT results_eq(
  format($$SELECT record_code, recipient_id, due_on FROM iso28000.notification
            WHERE org_id = %s AND kind = 'due' AND register = 'security_incident' ORDER BY record_code$$, :a),
  format($$VALUES ('INC-LATE', %s::bigint, current_date - 2), ('INC-NOW', %s::bigint, NULL::date)$$, :olga, :wim),
  'each raised to the incident''s owner (the one named at triage for the undated one)');
RESET SESSION AUTHORIZATION;

-- The pg_notify announcement is queued by a statement trigger on the outbox.
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgrelid = 'iso28000.notification'::regclass
              AND tgname = 'notification_announce' AND tgtype & 1 = 0), 1::bigint,
          'the outbox announces its rows with a statement-level trigger');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgname IN ('notify_insert', 'notify_update')
              AND tgtype & 1 = 0), 56::bigint, 'every attached register has its two statement-level notification triggers');

SELECT * FROM finish();
ROLLBACK;
