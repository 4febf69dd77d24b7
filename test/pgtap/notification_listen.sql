-- iso28000.notify_announce = listen and the mailer's iso28000.listen() /
-- iso28000.unlisten() (src/notification_listen.c): the setting's values and
-- who may set it (iso28000.notify_commit_lock's too), who may call the functions (not PUBLIC; a role that reads
-- no organisation is refused, IS553), the listener lock they take and release
-- (an advisory-kind tag that no pg_advisory_lock() form makes, so a member
-- cannot take it), and that a listen() rolled back leaves no lock.  What
-- happens at commit (announce or not, no lost wake-up) is in
-- test/specs/notification_listen.spec; PREPARE TRANSACTION (IS554) and a
-- mailer that disconnects in test/app/notify_listen.py.  Then
-- iso28000.wait_for_notifications(timeout): who may call it (not PUBLIC;
-- IS553), its refused timeouts (IS555), false after the timeout when the
-- caller sees no undelivered row, true at once when it sees one (its own
-- organisations' only), and the waiter lock (objsubid 28001) held only inside
-- the call.  Writers waking a waiting mailer, REPEATABLE READ (IS556):
-- test/app/notify_listen.py.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(41);

CREATE ROLE tap_nl_mgr NOLOGIN;
CREATE ROLE tap_nl_mailer NOLOGIN;
CREATE ROLE tap_nl_member NOLOGIN;
CREATE ROLE tap_nl_stranger NOLOGIN;
SELECT iso28000.create_organization('NL-A', 'Listener A', 'tap_nl_mgr') AS a \gset
SET SESSION AUTHORIZATION tap_nl_mgr;
SELECT iso28000.grant_access(:a, 'tap_nl_mailer', 'read');
SELECT iso28000.grant_access(:a, 'tap_nl_member', 'write');
RESET SESSION AUTHORIZATION;
GRANT EXECUTE ON FUNCTION iso28000.listen(), iso28000.unlisten() TO tap_nl_mailer, tap_nl_stranger;
GRANT EXECUTE ON FUNCTION iso28000.wait_for_notifications(interval) TO tap_nl_mailer, tap_nl_stranger;

-- The setting.
SET iso28000.notify_announce = listen;
SELECT is(current_setting('iso28000.notify_announce'), 'listen', 'a superuser sets iso28000.notify_announce = listen');
RESET iso28000.notify_announce;
SELECT is(current_setting('iso28000.notify_announce'), 'row', 'row stays the default');
SELECT throws_ok($$SET iso28000.notify_announce = sometimes$$, '22023', NULL,
                 'a value other than row, listen, off is refused (22023)');
SELECT ok((SELECT enumvals FROM pg_settings WHERE name = 'iso28000.notify_announce') = '{row,listen,off}'
          AND (SELECT context FROM pg_settings WHERE name = 'iso28000.notify_announce') = 'superuser',
          'its values are row, listen, off, and only a superuser sets it');
-- iso28000.notify_commit_lock (src/notification_commit.c; what it does at commit:
-- test/specs/notification_commit_lock.spec).
SELECT is(current_setting('iso28000.notify_commit_lock'), 'retry', 'notify_commit_lock: retry is the default');
SELECT ok((SELECT enumvals FROM pg_settings WHERE name = 'iso28000.notify_commit_lock') = '{retry,queue}'
          AND (SELECT context FROM pg_settings WHERE name = 'iso28000.notify_commit_lock') = 'superuser',
          'its values are retry, queue, and only a superuser sets it');
SELECT throws_ok($$SET iso28000.notify_commit_lock = spin$$, '22023', NULL,
                 'a value other than retry, queue is refused (22023)');
SET SESSION AUTHORIZATION tap_nl_member;
SELECT throws_ok($$SET iso28000.notify_commit_lock = queue$$, '42501', NULL,
                 'a member cannot set notify_commit_lock (42501)');
SELECT throws_ok($$SET iso28000.notify_announce = listen$$, '42501', NULL,
                 'a member cannot set listen for himself (42501)');
SELECT throws_ok($$SET iso28000.notify_announce = off$$, '42501', NULL,
                 'nor off');

-- Who may call listen() and unlisten().
SELECT ok(NOT has_function_privilege('tap_nl_member', 'iso28000.listen()', 'EXECUTE')
          AND NOT has_function_privilege('tap_nl_member', 'iso28000.unlisten()', 'EXECUTE'),
          'listen() and unlisten() are not granted to PUBLIC');
SELECT throws_ok($$SELECT iso28000.listen()$$, '42501', NULL,
                 'a member not granted listen() cannot make writers announce (42501)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_nl_stranger;
SELECT throws_ok($$SELECT iso28000.listen()$$, 'IS553',
                 'role "tap_nl_stranger" cannot listen to the notification outbox: it reads no organisation',
                 'a role granted listen() that reads no organisation is refused (IS553)');
SELECT is((SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 28000 AND pid = pg_backend_pid()),
          0::bigint, 'and takes no lock');
RESET SESSION AUTHORIZATION;

-- A listen() in a subtransaction rolled back releases the lock it took.
SELECT iso28000.grant_access(:a, 'tap_nl_stranger', 'read');
SET SESSION AUTHORIZATION tap_nl_stranger;
SAVEPOINT t;
SELECT is(iso28000.listen(), true, 'a role given read in an organisation may listen');
ROLLBACK TO SAVEPOINT t;
SELECT is((SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 28000 AND pid = pg_backend_pid()),
          0::bigint, 'a listen() rolled back to its savepoint releases the lock it took');
SELECT is(iso28000.unlisten(), false, 'unlisten() without listen(): false');
RESET SESSION AUTHORIZATION;

-- The mailer: the listener lock, held for the session.
SET SESSION AUTHORIZATION tap_nl_mailer;
SELECT ok(NOT rolsuper, 'tap_nl_mailer is not a superuser') FROM pg_roles WHERE rolname = current_user;
SELECT is(iso28000.listen(), true, 'listen() starts listening: true');
SELECT results_eq(
  $$SELECT locktype, database = (SELECT oid FROM pg_database WHERE datname = current_database()), classid::int, objid::int, objsubid::int, mode, granted
      FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 28000 AND pid = pg_backend_pid()$$,
  $$VALUES ('advisory'::text, true, 0, 28000, 28000, 'ShareLock'::text, true)$$,
  'the session holds ShareLock on the listener lock of its database (advisory, objid 28000, objsubid 28000)');
SELECT is(iso28000.listen(), false, 'listen() again: false, nothing taken twice');
SELECT is((SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 28000 AND pid = pg_backend_pid()),
          1::bigint, 'one lock');
SELECT is(iso28000.unlisten(), true, 'unlisten(): true, the session held it');
SELECT is((SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 28000 AND pid = pg_backend_pid()),
          1::bigint, 'the lock is released when the transaction commits, not before (an UNLISTEN rolled back keeps listening)');
SAVEPOINT s;
SELECT iso28000.listen();
ROLLBACK TO SAVEPOINT s;
SELECT is(iso28000.unlisten(), true, 'a listen() rolled back to a savepoint does not undo the listening of before');
RESET SESSION AUTHORIZATION;

-- wait_for_notifications(): who may call it.
SET SESSION AUTHORIZATION tap_nl_member;
SELECT ok(NOT has_function_privilege('tap_nl_member', 'iso28000.wait_for_notifications(interval)', 'EXECUTE'),
          'wait_for_notifications() is not granted to PUBLIC');
SELECT throws_ok($$SELECT iso28000.wait_for_notifications('1 second')$$, '42501', NULL,
                 'a member not granted wait_for_notifications() cannot wait (42501)');
RESET SESSION AUTHORIZATION;
SELECT iso28000.create_organization('NL-B', 'Listener B', 'tap_nl_mgr') AS b \gset
CREATE ROLE tap_nl_stranger2 NOLOGIN;
GRANT EXECUTE ON FUNCTION iso28000.wait_for_notifications(interval) TO tap_nl_stranger2;
SET SESSION AUTHORIZATION tap_nl_stranger2;
SELECT throws_ok($$SELECT iso28000.wait_for_notifications('1 second')$$, 'IS553',
                 'role "tap_nl_stranger2" cannot wait for the notification outbox: it reads no organisation',
                 'a role granted wait_for_notifications() that reads no organisation is refused (IS553)');
SELECT is((SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 28001 AND pid = pg_backend_pid()),
          0::bigint, 'and takes no lock');
RESET SESSION AUTHORIZATION;

-- Its timeout: 0 to 1 day.
SET SESSION AUTHORIZATION tap_nl_mailer;
SELECT throws_ok($$SELECT iso28000.wait_for_notifications(NULL)$$, 'IS555',
                 'the timeout of wait_for_notifications() must be from 0 to 1 day, not NULL',
                 'a NULL timeout is refused (IS555)');
SELECT throws_ok($$SELECT iso28000.wait_for_notifications('-1 second')$$, 'IS555', NULL, 'a negative timeout (IS555)');
SELECT throws_ok($$SELECT iso28000.wait_for_notifications('1 day 1 second')$$, 'IS555', NULL, 'over a day (IS555)');
SELECT throws_ok($$SELECT iso28000.wait_for_notifications('1 month')$$, 'IS555', NULL, 'a month (IS555)');

-- Nothing undelivered that the mailer may read: false after the timeout, the lock released.
SELECT is((SELECT count(*) FROM iso28000.notification WHERE delivered_at IS NULL), 0::bigint,
          'the mailer sees no undelivered row');
SELECT is(iso28000.wait_for_notifications('20 milliseconds'), false, 'wait_for_notifications() returns false after its timeout');
SELECT is(iso28000.wait_for_notifications('0'), false, 'and with a timeout of 0');
SELECT is((SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 28001 AND pid = pg_backend_pid()),
          0::bigint, 'the waiter lock is released when the call returns');
RESET SESSION AUTHORIZATION;

-- A row undelivered: true at once for a mailer of its organisation, not for one of another.
SET SESSION AUTHORIZATION tap_nl_mgr;
SELECT iso28000.grant_access(:b, 'tap_nl_stranger2', 'read');
INSERT INTO iso28000.person (org_id, full_name, email) VALUES (:a, 'Wendy Waiter', 'wendy@nl-a.example') RETURNING person_id AS wendy \gset
INSERT INTO iso28000.objective (org_id, title, target, unit, evaluation_method, set_on, due_on, owner_id)
VALUES (:a, 'Woken objective', 1, 'n', 'count', current_date - 30, current_date + 10, :wendy);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_nl_mailer;
SELECT is((SELECT count(*) FROM iso28000.notification WHERE delivered_at IS NULL AND org_id = :a), 1::bigint,
          'an assignment is undelivered in the mailer''s organisation');
SELECT is(iso28000.wait_for_notifications('1 day'), true,
          'wait_for_notifications() returns true at once when an undelivered row is there (a timeout of a day is not waited)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_nl_stranger2;
SELECT is(iso28000.wait_for_notifications('20 milliseconds'), false,
          'a mailer that reads only another organisation does not see it: false after the timeout');
RESET SESSION AUTHORIZATION;

-- A member's advisory locks are other tags: the listener lock is not his to take.
SET SESSION AUTHORIZATION tap_nl_member;
SELECT pg_advisory_lock_shared(0, 28000), pg_advisory_lock_shared(28000::bigint);
SELECT results_eq(
  $$SELECT classid::int, objid::int, objsubid::int FROM pg_locks
     WHERE locktype = 'advisory' AND objid = 28000 AND pid = pg_backend_pid() ORDER BY objsubid$$,
  $$VALUES (0, 28000, 1), (0, 28000, 2), (0, 28000, 28000)$$,
  'pg_advisory_lock_shared() in either form takes another tag (objsubid 1 or 2) than the listener lock (28000, the mailer''s, still held by this backend)');
SELECT pg_advisory_unlock_shared(0, 28000), pg_advisory_unlock_shared(28000::bigint);
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
