/*
 * sql/interfaces/notification.sql
 *		The notification outbox: transitions, assignments of a record to a
 *		person and items falling due become rows of iso28000.notification,
 *		written in the transaction that caused them (and rolled back with
 *		it), and each row is announced with pg_notify on the channel
 *		iso28000_notification, the payload being the row's notification_id.
 *		A mailer or chat bridge LISTENs, reads the row, sends it and marks it
 *		delivered (iso28000.mark_delivered).  Nothing runs in the background:
 *		a scheduler (cron, pg_cron) calls iso28000.raise_due_items() to raise
 *		the items of iso28000.due_item that fell due; raising twice writes
 *		nothing twice.
 *
 *		Everything runs with the caller's rights: a register's statement
 *		trigger writes the outbox as the member who changed the register,
 *		under the outbox's row-level security (write level); the database
 *		stamps who wrote each row.  Reference: doc/due-and-notify.md.
 */

CREATE TABLE iso28000.notification (
    org_id          bigint NOT NULL REFERENCES iso28000.organization,
    notification_id bigint GENERATED ALWAYS AS IDENTITY,
    kind            text NOT NULL CONSTRAINT notification_kind_known
                         CHECK (kind IN ('transition', 'assignment', 'due')),
    recipient_id    bigint,
    register        text NOT NULL,
    record_id       bigint NOT NULL,
    record_code     text,
    record_title    text,
    subject         text NOT NULL,
    reason          text NOT NULL,
    from_state      text,
    to_state        text,
    item            text,
    due_on          date,
    actor           name NOT NULL DEFAULT current_user,
    actor_person    bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    delivered_by    name,
    PRIMARY KEY (org_id, notification_id),
    CONSTRAINT notification_due_has_item CHECK (kind <> 'due' OR item IS NOT NULL)
);
-- An item is raised once per due date (raise_due_items is idempotent).
CREATE UNIQUE INDEX notification_due_once ON iso28000.notification
    (org_id, register, record_id, item, coalesce(due_on, '-infinity'::date)) WHERE kind = 'due';
CREATE INDEX notification_undelivered ON iso28000.notification (org_id, notification_id)
    WHERE delivered_at IS NULL;
COMMENT ON TABLE iso28000.notification IS
  'ISO 28000 7.4, 9.1: The notification outbox: a row per transition, assignment of a record to a person, or item falling due, written in the transaction that caused it and announced with pg_notify on channel iso28000_notification (payload: notification_id). A mailer marks rows delivered with mark_delivered().';
COMMENT ON COLUMN iso28000.notification.org_id IS 'Organisation of the record.';
COMMENT ON COLUMN iso28000.notification.notification_id IS 'Surrogate key, increasing in the order rows were written; the payload of the pg_notify.';
COMMENT ON COLUMN iso28000.notification.kind IS 'Why it was written: transition (the record changed state), assignment (a person was named on the record) or due (the record has something falling due).';
COMMENT ON COLUMN iso28000.notification.recipient_id IS 'Person to notify (the record''s owner or the person assigned); NULL when the record names nobody.';
COMMENT ON COLUMN iso28000.notification.register IS 'Register (table of schema iso28000) of the record.';
COMMENT ON COLUMN iso28000.notification.record_id IS 'Surrogate key of the record in its register: with org_id and register, the link back to it.';
COMMENT ON COLUMN iso28000.notification.record_code IS 'The record''s code or reference, when the register has one.';
COMMENT ON COLUMN iso28000.notification.record_title IS 'Title of the record.';
COMMENT ON COLUMN iso28000.notification.subject IS 'One line saying what happened, for a mail subject.';
COMMENT ON COLUMN iso28000.notification.reason IS 'Why the recipient gets it: the role in which the record names them, or what falls due.';
COMMENT ON COLUMN iso28000.notification.from_state IS 'For a transition: the state left.';
COMMENT ON COLUMN iso28000.notification.to_state IS 'For a transition: the state entered.';
COMMENT ON COLUMN iso28000.notification.item IS 'For a due item: what falls due (the item column of due_item).';
COMMENT ON COLUMN iso28000.notification.due_on IS 'For a due item: the date it falls due.';
COMMENT ON COLUMN iso28000.notification.actor IS 'Database role that wrote the row (current_user), stamped by the database.';
COMMENT ON COLUMN iso28000.notification.actor_person IS 'Acting person of the transaction that wrote the row (acting_person()), stamped by the database.';
COMMENT ON COLUMN iso28000.notification.created_at IS 'Start of the transaction that wrote the row, stamped by the database.';
COMMENT ON COLUMN iso28000.notification.delivered_at IS 'When a consumer marked it delivered (mark_delivered); NULL while waiting.';
COMMENT ON COLUMN iso28000.notification.delivered_by IS 'Database role that marked it delivered.';

ALTER TABLE iso28000.notification ENABLE ROW LEVEL SECURITY;
ALTER TABLE iso28000.notification FORCE ROW LEVEL SECURITY;
CREATE POLICY member_read ON iso28000.notification FOR SELECT
  USING (org_id = ANY (iso28000.policy_orgs('read')));
CREATE POLICY member_insert ON iso28000.notification FOR INSERT
  WITH CHECK (org_id = ANY (iso28000.policy_orgs('write')));
CREATE POLICY member_update ON iso28000.notification FOR UPDATE
  USING (org_id = ANY (iso28000.policy_orgs('write')))
  WITH CHECK (org_id = ANY (iso28000.policy_orgs('write')));
GRANT SELECT, INSERT ON iso28000.notification TO PUBLIC;
GRANT UPDATE (delivered_at) ON iso28000.notification TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('iso28000.notification', '');
SELECT pg_catalog.pg_extension_config_dump(pg_get_serial_sequence('iso28000.notification', 'notification_id'), '');

-- Stamps every row written: who wrote it and when, nothing delivered yet; an
-- update only marks it delivered, once (IS562), stamped with the role.
-- In C (src/notification.c): it runs once for every row of the outbox.
CREATE FUNCTION iso28000.notification_stamp()
RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_notification_stamp';
COMMENT ON FUNCTION iso28000.notification_stamp() IS
  'Trigger on notification: an insert is stamped with the writing role, the acting person and the time, undelivered; an update only marks a row delivered once (IS562), stamped with the role.';
CREATE TRIGGER notification_stamp BEFORE INSERT OR UPDATE ON iso28000.notification
  FOR EACH ROW EXECUTE FUNCTION iso28000.notification_stamp();

-- Announces every row written on channel iso28000_notification; the payload
-- is the notification_id.  Listeners hear it only when the transaction commits.
-- On Citus it fires on a worker's shard (notification_NNNN), inside the
-- distributed transaction, which cannot PREPARE after a NOTIFY: the shard
-- stays silent, and raise_due_items() announces from the coordinator.
CREATE FUNCTION iso28000.notification_announce()
RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_notification_announce';
COMMENT ON FUNCTION iso28000.notification_announce() IS
  'Statement trigger on notification: pg_notify(''iso28000_notification'', notification_id) for every row written, delivered to listeners when the transaction commits.';
CREATE TRIGGER notification_announce AFTER INSERT ON iso28000.notification
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.notification_announce();

/*
 * The registers' side: one statement trigger function for all of them,
 * attached by attach_notifications(register, id column, code column, title
 * column, status column, person columns).  After an INSERT it writes an
 * assignment for every person column filled; after an UPDATE a transition for
 * every row whose status changed (to each person the row names, or to nobody)
 * and an assignment for every person column that changed to a person.  It
 * reads the statement's transition tables, so a statement that changes a
 * thousand rows runs it once.
 *
 * In C (src/notification.c): it reads the transition tables itself and writes
 * the statement's notifications as the member who changed the register,
 * directly (src/notification_store.c: the outbox's stamps, constraints,
 * row-level security and announcement applied by the same code, its
 * foreign key implied by the register's own) where the outbox carries
 * nothing else, otherwise in one INSERT of the outbox through a plan
 * planned once per backend (the executor: everything on the outbox
 * applies); on a Citus shard row by row with VALUES.  The PL/pgSQL version
 * of 0.1.0 spent about 250 microseconds of a single-row transition here
 * (bench/register.sh), the INSERT about 30, the direct writer
 * bench/outbox.sh says.
 */
CREATE FUNCTION iso28000.notify_register_change()
RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_notify_register_change';
COMMENT ON FUNCTION iso28000.notify_register_change() IS
  'Statement trigger (AFTER INSERT / AFTER UPDATE with transition tables new_rows, old_rows) that attach_notifications() puts on a register: writes an assignment notification for each person column filled or changed to a person, and a transition notification for each row whose status changed.';

-- Which writer the outbox gets in this session (src/notification_store.c).
CREATE FUNCTION iso28000.notification_writer(register regclass DEFAULT NULL)
RETURNS text
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_notification_writer';
COMMENT ON FUNCTION iso28000.notification_writer(regclass) IS
  'How notify_register_change() writes the outbox in this session for a statement on the given register (NULL: any): ''direct'' (without the executor, where that is equivalent) or ''executor: '' and the reason (a trigger, rule, policy for some roles, foreign key or column the direct path would skip, iso28000.notify_direct off, Citus).';

-- Announcing the outbox only when a mailer listens (iso28000.notify_announce = listen):
-- a mailer calls iso28000.listen() instead of LISTEN (src/notification_listen.c).
CREATE FUNCTION iso28000.listen()
RETURNS boolean
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_listen';
REVOKE ALL ON FUNCTION iso28000.listen() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.listen() IS
  'For a mailer: LISTEN iso28000_notification, and takes for the session the lock that tells writers under iso28000.notify_announce = listen to announce their rows (waiting for the commits in progress that announced nothing). Read the undelivered rows after the transaction that called it commits. True when it started listening, false when the session already did. Needs level read in an organisation (IS553); not granted to PUBLIC: a DBA grants it to the mailer''s role.';

CREATE FUNCTION iso28000.unlisten()
RETURNS boolean
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_unlisten';
REVOKE ALL ON FUNCTION iso28000.unlisten() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.unlisten() IS
  'For a mailer: UNLISTEN iso28000_notification, and releases the listener lock of iso28000.listen() when the transaction commits; true when the session held it. Not granted to PUBLIC.';

-- A mailer waits for the outbox without LISTEN: writers under 'listen' set its latch
-- after they commit, no NOTIFY (src/notification_listen.c).
CREATE FUNCTION iso28000.wait_for_notifications(timeout interval)
RETURNS boolean
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_wait_for_notifications';
REVOKE ALL ON FUNCTION iso28000.wait_for_notifications(interval) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.wait_for_notifications(interval) IS
  'For a mailer, without LISTEN: true as soon as an undelivered row of the outbox that the caller may read is there (at once if there is one), false after the timeout (0 to 1 day, IS555). Writers under iso28000.notify_announce = listen wake it after they commit, without NOTIFY; under row and off it finds the rows by checking at least every 10 s. READ COMMITTED only (IS556). Needs level read in an organisation (IS553); not granted to PUBLIC: a DBA grants it to the mailer''s role.';

-- Puts the notification triggers on a register.
CREATE FUNCTION iso28000.attach_notifications(tbl regclass, id_column name, code_column name,
                                              title_column name, status_column name,
                                              person_columns name[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  args text := format('%L, %L, %L, %L', id_column, coalesce(code_column, ''), title_column, coalesce(status_column, ''))
               || coalesce((SELECT string_agg(format(', %L', c), '' ORDER BY o) FROM unnest(person_columns) WITH ORDINALITY AS u(c, o)), '');
BEGIN
  EXECUTE format('CREATE TRIGGER notify_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.notify_register_change(%s)', tbl, args);
  EXECUTE format('CREATE TRIGGER notify_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.notify_register_change(%s)', tbl, args);
END
$$;
REVOKE ALL ON FUNCTION iso28000.attach_notifications(regclass, name, name, name, name, name[]) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.attach_notifications(regclass, name, name, name, name, name[]) IS
  'Puts the notification triggers (notify_insert, notify_update) on a register: its identity column, code column (or NULL), title column, status column (or NULL) and the columns that assign the record to a person. Not granted to PUBLIC.';

-- The registers whose transitions and assignments are notified.
SELECT iso28000.attach_notifications(t.tbl, t.id_col, t.code_col, t.title_col, t.status_col, t.persons)
  FROM (VALUES
    ('iso28000.context_issue'::regclass, 'context_issue_id'::name, NULL::name, 'title'::name, NULL::name, '{owner_id}'::name[]),
    ('iso28000.obligation', 'obligation_id', 'reference', 'title', NULL, '{owner_id}'),
    ('iso28000.sms_process', 'sms_process_id', 'code', 'name', NULL, '{owner_id}'),
    ('iso28000.role_assignment', 'role_assignment_id', NULL, 'role_assignment_id', NULL, '{person_id}'),
    ('iso28000.risk', 'risk_id', 'reference', 'title', 'status', '{owner_id}'),
    ('iso28000.objective', 'objective_id', NULL, 'title', NULL, '{owner_id}'),
    ('iso28000.planned_change', 'planned_change_id', NULL, 'title', NULL, '{owner_id}'),
    ('iso28000.resource', 'resource_id', NULL, 'name', NULL, '{owner_id}'),
    ('iso28000.communication', 'communication_id', NULL, 'subject', NULL, '{owner_id}'),
    ('iso28000.document', 'document_id', 'code', 'title', NULL, '{owner_id}'),
    ('iso28000.document_version', 'document_version_id', NULL, 'version_label', 'status', '{approver_id}'),
    ('iso28000.supply_chain_node', 'node_id', 'code', 'name', NULL, '{owner_id}'),
    ('iso28000.activity', 'activity_id', NULL, 'name', NULL, '{owner_id}'),
    ('iso28000.control', 'control_id', 'code', 'title', NULL, '{owner_id}'),
    ('iso28000.risk_treatment', 'risk_treatment_id', NULL, 'description', NULL, '{owner_id}'),
    ('iso28000.security_plan', 'security_plan_id', NULL, 'title', 'status', '{owner_id}'),
    ('iso28000.plan_exercise', 'exercise_id', NULL, 'kind', NULL, '{lead_id}'),
    ('iso28000.indicator', 'indicator_id', NULL, 'name', NULL, '{owner_id}'),
    ('iso28000.audit_programme', 'programme_id', NULL, 'title', NULL, '{owner_id}'),
    ('iso28000.audit', 'audit_id', NULL, 'title', 'status', '{lead_auditor_id}'),
    ('iso28000.audit_team_member', 'team_member_id', NULL, 'team_member_id', NULL, '{person_id}'),
    ('iso28000.management_review', 'review_id', NULL, 'title', 'status', '{chair_id}'),
    ('iso28000.review_output', 'output_id', NULL, 'description', 'status', '{owner_id}'),
    ('iso28000.nonconformity', 'nonconformity_id', NULL, 'title', 'status', '{owner_id}'),
    ('iso28000.corrective_action', 'corrective_action_id', NULL, 'title', 'status', '{owner_id}'),
    ('iso28000.provider_exception', 'exception_id', NULL, 'reason', 'status', '{requested_by}'),
    ('iso28000.improvement', 'improvement_id', NULL, 'title', 'status', '{owner_id}'),
    ('iso28000.security_incident', 'incident_id', 'reference', 'title', 'status', '{owner_id}')
  ) AS t(tbl, id_col, code_col, title_col, status_col, persons);

-- Announces outbox ids as iso28000.notify_announce says (src/citus_compat.c):
-- what raise_due_items() calls on a distributed outbox, whose shards stay silent.
CREATE FUNCTION iso28000._announce(ids bigint[]) RETURNS void
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_announce_ids';
GRANT EXECUTE ON FUNCTION iso28000._announce(bigint[]) TO PUBLIC;
COMMENT ON FUNCTION iso28000._announce(bigint[]) IS
  'Internal: announces each id on channel iso28000_notification as iso28000.notify_announce says (row: now; listen: at commit if a mailer listens through listen(); off: none). raise_due_items() calls it on a Citus cluster, where the outbox''s shards stay silent. Never announces more than pg_notify(), granted to PUBLIC, already allows.';

-- Raises the due items that fell due, once each.
CREATE FUNCTION iso28000.raise_due_items(org bigint DEFAULT NULL, horizon_days integer DEFAULT 0)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer;
  ids bigint[];
  distributed boolean := false;
BEGIN
  IF horizon_days IS NULL OR horizon_days < 0 OR horizon_days > 366 THEN
    RAISE EXCEPTION 'raise_due_items: horizon_days must be between 0 and 366, not %', coalesce(horizon_days::text, 'NULL')
      USING ERRCODE = 'IS561', SCHEMA = 'iso28000', TABLE = 'notification', COLUMN = 'due_on';
  END IF;
  IF org IS NOT NULL AND NOT coalesce(iso28000.has_level(org, 'write'), false) THEN
    RAISE EXCEPTION 'role "%" cannot raise the due items of organisation %: that needs level write', current_user, org
      USING ERRCODE = 'IS560', SCHEMA = 'iso28000', TABLE = 'notification', COLUMN = 'org_id',
            HINT = 'A manager grants the scheduler''s role write access with iso28000.grant_access(org, role, ''write'').';
  END IF;
  WITH raised AS (
    INSERT INTO iso28000.notification AS nt (org_id, kind, recipient_id, register, record_id, record_code, record_title,
                                             subject, reason, item, due_on)
    SELECT d.org_id, 'due', d.responsible_id, d.register, d.record_id, d.record_code, d.record_title,
           pg_catalog.format('%s %s: %s %s', d.register, coalesce(d.record_code, d.record_id::text),
                             replace(d.item, '_', ' '),
                             CASE WHEN d.due_on IS NULL THEN 'never done'
                                  WHEN d.overdue THEN 'overdue since ' || d.due_on::text
                                  ELSE 'due on ' || d.due_on::text END),
           d.reason, d.item, d.due_on
      FROM iso28000.due_item d
     WHERE (org IS NULL OR d.org_id OPERATOR(pg_catalog.=) org)
       AND d.org_id OPERATOR(pg_catalog.=) ANY (iso28000.policy_orgs('write'))
       AND (d.due_on IS NULL OR d.due_on OPERATOR(pg_catalog.<=) current_date + horizon_days)
    ON CONFLICT DO NOTHING
    RETURNING nt.notification_id)
  SELECT count(*)::integer, array_agg(r.notification_id ORDER BY r.notification_id) INTO n, ids FROM raised r;
  -- On Citus the rows are written on the workers, whose shards stay silent
  -- (notification_announce): the coordinator announces them, as
  -- iso28000.notify_announce says (row, listen, off), as on one node.
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1)'
       INTO distributed USING 'iso28000.notification'::regclass;
  END IF;
  IF distributed AND n OPERATOR(pg_catalog.>) 0 THEN
    PERFORM iso28000._announce(ids);
  END IF;
  RETURN n;
END
$$;
COMMENT ON FUNCTION iso28000.raise_due_items(bigint, integer) IS
  'Writes a due notification for every item of due_item that falls due within horizon_days (0: today or overdue) in the given organisation (NULL: every organisation where the caller writes), once per item and due date; returns how many it wrote. For a scheduler: cron or pg_cron. Needs level write (IS560); horizon_days between 0 and 366 (IS561).';

-- The consumer's side: marks notifications delivered.
CREATE FUNCTION iso28000.mark_delivered(org bigint, ids bigint[])
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer;
  missing bigint;
  delivered timestamptz;
BEGIN
  IF NOT coalesce(iso28000.has_level(org, 'write'), false) THEN
    RAISE EXCEPTION 'role "%" cannot mark notifications of organisation % delivered: that needs level write', current_user, org
      USING ERRCODE = 'IS560', SCHEMA = 'iso28000', TABLE = 'notification', COLUMN = 'delivered_at';
  END IF;
  SELECT x INTO missing
    FROM unnest(ids) AS x
   WHERE x IS NULL OR NOT EXISTS (SELECT FROM iso28000.notification nt
                                   WHERE nt.org_id OPERATOR(pg_catalog.=) org
                                     AND nt.notification_id OPERATOR(pg_catalog.=) x)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'notification % of organisation % does not exist or is not visible to role "%"', coalesce(missing::text, 'NULL'), org, current_user
      USING ERRCODE = 'IS563', SCHEMA = 'iso28000', TABLE = 'notification', COLUMN = 'notification_id';
  END IF;
  -- The time as a value: Citus refuses a volatile function in UPDATE ... SET.
  delivered := pg_catalog.clock_timestamp();
  UPDATE iso28000.notification nt SET delivered_at = delivered
   WHERE nt.org_id OPERATOR(pg_catalog.=) org AND nt.notification_id OPERATOR(pg_catalog.=) ANY (ids) AND nt.delivered_at IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION iso28000.mark_delivered(bigint, bigint[]) IS
  'Marks notifications of an organisation delivered (stamped with the time and the role) and returns how many it marked; those already delivered are left as they are. Under row-level security: needs level write (IS560); a notification that does not exist or that the caller cannot see is refused (IS563).';
