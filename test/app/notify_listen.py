#!/usr/bin/env python3
"""test/app/notify_listen.py: a mailer LISTENing on the notification outbox.

doc/due-and-notify.md promises that every row of iso28000.notification is
announced with pg_notify on channel iso28000_notification (payload: the
notification_id) when, and only when, the transaction that wrote it commits.
This suite checks it with two connections through psycopg2: a listener (the
mailer) and a writer (a non-superuser member at level write, as an
application would be).  The writer assigns records to a person (an
assignment notification), moves one through a transition, raises due items
and triages a security incident, committing some transactions and rolling
back others (whole, and to a savepoint); the listener must hear exactly the ids of the committed rows,
which must be in the outbox, and nothing of the rolled-back ones.  Then the
mailer marks what it heard delivered.  Then the same under
iso28000.notify_announce = listen, the mailer calling iso28000.listen():
nothing announced while nobody listens (the mailer reads it after listen()),
commits heard, rollbacks not, an error in the mailer's session keeping it
listening, PREPARE TRANSACTION refused (IS554), a mailer that disconnects
leaving no lock behind.  Then iso28000._announce(bigint[]), granted to
PUBLIC, as an attacker: a role of no organisation and a member calling it with
forged and foreign ids, under a hostile search_path, under each setting of
iso28000.notify_announce, and trying to change that setting (also as a
placeholder before the library is loaded).  Then
iso28000.wait_for_notifications(), a mailer woken without NOTIFY: a waiter
blocked returns when a writer under listen commits, with nothing announced;
a waiter of another organisation is woken but returns false at its timeout;
cancel and statement_timeout release the waiter lock; REPEATABLE READ is
refused (IS556); writers racing a waiter that arrives and leaves lose no row;
a waiter whose client dies ends its backend without waiting for its timeout.

Needs a superuser connection from the environment (PGHOST, PGPORT, PGUSER,
PGPASSWORD: pg_virtualenv sets them) to create its database and roles, and
drops them at the end.  Prints "ok N - ..." / "not ok N - ..." lines and
ends with "N passed, N failed".
"""
import contextlib
import os
import random
import select
import subprocess
import sys
import threading
import time

import psycopg2

DB = "iso28000_listen"
WRITER = "iso28000_listen_writer"
MAILER = "iso28000_listen_mailer"
STRANGER = "iso28000_listen_stranger"   # a role of no organisation
OTHER = "iso28000_listen_other"         # a mailer of another organisation (run_wait)
PASSWORD = "listen-%d" % os.getpid()
CHANNEL = "iso28000_notification"

passed = failed = 0
number = 0


def check(good, what, extra=None):
    """Prints one TAP-like line and counts it."""
    global passed, failed, number
    number += 1
    if good:
        passed += 1
        print("ok %d - %s" % (number, what))
    else:
        failed += 1
        print("not ok %d - %s" % (number, what))
        if extra:
            for line in str(extra).splitlines():
                print("#   " + line)


def admin(dbname="postgres"):
    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    return conn


def login(role):
    return psycopg2.connect(dbname=DB, user=role, password=PASSWORD)


def drop_all(cur):
    cur.execute("DROP DATABASE IF EXISTS " + DB)
    for role in (WRITER, MAILER, STRANGER, OTHER):
        cur.execute("DROP ROLE IF EXISTS " + role)


def set_up():
    with contextlib.closing(admin()) as a, a.cursor() as cur:
        drop_all(cur)
        cur.execute("CREATE DATABASE " + DB)
        for role in (WRITER, MAILER, STRANGER, OTHER):
            cur.execute("CREATE ROLE %s LOGIN PASSWORD %%s" % role, (PASSWORD,))
    with contextlib.closing(admin(DB)) as a, a.cursor() as cur:
        cur.execute("CREATE EXTENSION iso28000")
        cur.execute("SELECT iso28000.create_organization('LSN', 'Listen test', %s)", (WRITER,))
        org = cur.fetchone()[0]
        cur.execute("SET ROLE " + WRITER)
        cur.execute("SELECT iso28000.grant_access(%s, %s, 'write')", (org, MAILER))
        cur.execute("INSERT INTO iso28000.person (org_id, full_name, email) VALUES (%s, 'Olga Owner', 'olga@lsn.example')"
                    " RETURNING person_id", (org,))
        olga = cur.fetchone()[0]
        cur.execute("RESET ROLE")
    return org, olga


def heard(listener, wait):
    """The payloads the listener receives within `wait` seconds."""
    got = []
    deadline = time.time() + wait
    while True:
        left = deadline - time.time()
        if left <= 0:
            break
        if select.select([listener], [], [], left) == ([], [], []):
            break
        listener.poll()
        while listener.notifies:
            n = listener.notifies.pop(0)
            got.append((n.channel, n.payload))
    return got


def outbox_ids(cur, org, since):
    cur.execute("SELECT notification_id::text FROM iso28000.notification"
                " WHERE org_id = %s AND notification_id > %s ORDER BY notification_id", (org, since))
    return [r[0] for r in cur.fetchall()]


def objective(cur, org, olga, title, due):
    cur.execute("INSERT INTO iso28000.objective (org_id, title, target, unit, evaluation_method, set_on, due_on, owner_id)"
                " VALUES (%s, %s, 1, 'n', 'count', current_date - 30, current_date + %s, %s) RETURNING objective_id",
                (org, title, due, olga))
    return cur.fetchone()[0]


def main():
    org, olga = set_up()
    try:
        run(org, olga)
        run_listen(org, olga)
        run_announce(org, olga)
        run_wait(org, olga)
    finally:
        with contextlib.closing(admin()) as a, a.cursor() as cur:
            drop_all(cur)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def run(org, olga):
    listener = login(MAILER)
    listener.autocommit = True
    lcur = listener.cursor()
    lcur.execute("LISTEN " + CHANNEL)
    writer = login(WRITER)
    w = writer.cursor()
    w.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    check(w.fetchone()[0] is False, "the writer is not a superuser")

    # 1. Committed: heard after COMMIT, not before.
    objective(w, org, olga, "Committed objective", 10)
    before = heard(listener, 0.5)
    check(before == [], "nothing is heard while the writing transaction is open", before)
    writer.commit()
    got = heard(listener, 5)
    ids = outbox_ids(lcur, org, 0)
    check(len(ids) == 1, "the committed insert left one row in the outbox", ids)
    check(got == [(CHANNEL, i) for i in ids],
          "after COMMIT the listener hears channel %s with the row's notification_id as payload" % CHANNEL,
          "heard %r, outbox %r" % (got, ids))
    last = int(ids[-1])

    # 2. Rolled back: nothing heard, nothing in the outbox.
    objective(w, org, olga, "Rolled-back objective", 10)
    writer.rollback()
    got = heard(listener, 1.0)
    check(got == [], "after ROLLBACK nothing is heard", got)
    check(outbox_ids(lcur, org, last) == [], "after ROLLBACK the outbox holds nothing new")

    # 3. A savepoint rolled back inside a committed transaction: only the kept row.
    objective(w, org, olga, "Kept objective", 10)
    w.execute("SAVEPOINT s")
    objective(w, org, olga, "Dropped objective", 10)
    w.execute("ROLLBACK TO SAVEPOINT s")
    writer.commit()
    got = heard(listener, 5)
    ids = outbox_ids(lcur, org, last)
    lcur.execute("SELECT record_title FROM iso28000.notification WHERE org_id = %s AND notification_id > %s", (org, last))
    titles = [r[0] for r in lcur.fetchall()]
    check(titles == ["Kept objective"], "the savepoint rolled back took its outbox row with it", titles)
    check(got == [(CHANNEL, i) for i in ids], "only the kept row is heard", "heard %r, outbox %r" % (got, ids))
    last = int(ids[-1])

    # 4. A transition, committed.
    w.execute("INSERT INTO iso28000.improvement (org_id, title, owner_id, expected_benefit, due_on)"
              " VALUES (%s, 'Faster gates', %s, 'shorter queues', current_date - 1) RETURNING improvement_id", (org, olga))
    imp = w.fetchone()[0]
    writer.commit()
    heard(listener, 5)
    last = int(outbox_ids(lcur, org, 0)[-1])
    # approving an improvement needs manage: the writer manages the organisation
    w.execute("UPDATE iso28000.improvement SET status = 'approved' WHERE org_id = %s AND improvement_id = %s", (org, imp))
    writer.commit()
    got = heard(listener, 5)
    lcur.execute("SELECT notification_id::text, kind, from_state, to_state FROM iso28000.notification"
                 " WHERE org_id = %s AND notification_id > %s", (org, last))
    rows = lcur.fetchall()
    check([r[1:] for r in rows] == [("transition", "proposed", "approved")],
          "a committed transition writes one transition notification", rows)
    check(got == [(CHANNEL, r[0]) for r in rows], "and it is heard", got)
    last = int(rows[-1][0])

    # 5. Due items raised by a scheduler: committed once, rolled back, raised again.
    w.execute("SELECT iso28000.raise_due_items(%s)", (org,))
    n = w.fetchone()[0]
    writer.rollback()
    check(n == 1 and heard(listener, 1.0) == [], "a raise rolled back (1 row) is not heard")
    w.execute("SELECT iso28000.raise_due_items(%s)", (org,))
    n1 = w.fetchone()[0]
    writer.commit()
    got = heard(listener, 5)
    w.execute("SELECT iso28000.raise_due_items(%s)", (org,))
    n2 = w.fetchone()[0]
    writer.commit()
    again = heard(listener, 1.0)
    ids = outbox_ids(lcur, org, last)
    check(n1 == 1 and n2 == 0, "raise_due_items writes the overdue improvement once, then nothing", (n1, n2))
    check(got == [(CHANNEL, i) for i in ids] and again == [],
          "the committed raise is heard once; the second raise is silent", "heard %r then %r, outbox %r" % (got, again, ids))

    # 6. An incident (8.6.3) reported, then triaged: its transition and its new
    # owner are written to the outbox and heard when committed; a triage rolled
    # back is neither.  It needs no authority notification, so nothing falls due.
    last = int(ids[-1]) if ids else last
    w.execute("INSERT INTO iso28000.security_incident (org_id, reference, title, severity)"
              " VALUES (%s, 'INC-1', 'Seal broken', 'high') RETURNING incident_id", (org,))
    inc = w.fetchone()[0]
    writer.commit()
    got = heard(listener, 1.0)
    check(got == [] and outbox_ids(lcur, org, last) == [],
          "an incident reported without an owner notifies nobody", got)
    w.execute("UPDATE iso28000.security_incident SET status = 'triaged', owner_id = %s, triage_note = 'High'"
              " WHERE org_id = %s AND incident_id = %s", (olga, org, inc))
    writer.rollback()
    got = heard(listener, 1.0)
    check(got == [] and outbox_ids(lcur, org, last) == [], "a triage rolled back is neither written nor heard", got)
    w.execute("UPDATE iso28000.security_incident SET status = 'triaged', owner_id = %s, triage_note = 'High'"
              " WHERE org_id = %s AND incident_id = %s", (olga, org, inc))
    writer.commit()
    got = heard(listener, 5)
    lcur.execute("SELECT notification_id::text, kind, register, record_code, recipient_id, from_state, to_state"
                 " FROM iso28000.notification WHERE org_id = %s AND notification_id > %s ORDER BY notification_id",
                 (org, last))
    rows = lcur.fetchall()
    check(sorted(r[1:] for r in rows) == [("assignment", "security_incident", "INC-1", olga, None, "triaged"),
                                          ("transition", "security_incident", "INC-1", olga, "reported", "triaged")],
          "a committed triage of an incident writes its transition and its owner's assignment", rows)
    check(got == [(CHANNEL, r[0]) for r in rows], "and both are heard on the channel", "heard %r, outbox %r" % (got, rows))

    # 7. One statement of several rows: every row heard, in the order of the ids.
    last = max(int(i) for i in outbox_ids(lcur, org, 0))
    w.execute("INSERT INTO iso28000.objective (org_id, title, target, unit, evaluation_method, set_on, due_on, owner_id)"
              " SELECT %s, 'Batch ' || g, 1, 'n', 'count', current_date - 30, current_date + 10, %s"
              " FROM generate_series(1, 5) g", (org, olga))
    writer.commit()
    got = heard(listener, 5)
    ids = outbox_ids(lcur, org, last)
    check(len(ids) == 5 and got == [(CHANNEL, i) for i in ids],
          "an INSERT of five records: five rows, each heard once, in the order of their ids",
          "heard %r, outbox %r" % (got, ids))
    last = int(ids[-1])

    # 8. iso28000.notify_announce = off (a superuser's setting for the role):
    # the row is written, nothing is heard; a member cannot set it himself.
    with contextlib.closing(admin(DB)) as a, a.cursor() as cur:
        cur.execute("ALTER ROLE %s SET iso28000.notify_announce = off" % WRITER)
    quiet = login(WRITER)
    q = quiet.cursor()
    objective(q, org, olga, "Unannounced objective", 10)
    quiet.commit()
    got = heard(listener, 1.0)
    ids = outbox_ids(lcur, org, last)
    check(len(ids) == 1 and got == [],
          "with iso28000.notify_announce = off for the role the committed row is in the outbox and nothing is heard",
          "heard %r, outbox %r" % (got, ids))
    with contextlib.closing(admin(DB)) as a, a.cursor() as cur:
        cur.execute("ALTER ROLE %s RESET iso28000.notify_announce" % WRITER)
    quiet.close()
    try:
        w.execute("SET iso28000.notify_announce = off")
        refused = None
    except psycopg2.Error as e:
        refused = e.pgcode
    writer.rollback()
    check(refused == "42501", "a member cannot switch the announcements off himself (42501)", refused)

    # 9. The mailer marks what it heard delivered.
    all_ids = [int(i) for i in outbox_ids(lcur, org, 0)]
    lcur.execute("SELECT iso28000.mark_delivered(%s, %s)", (org, all_ids))
    check(lcur.fetchone()[0] == len(all_ids), "the mailer marks every row it heard delivered")
    lcur.execute("SELECT count(*) FROM iso28000.notification WHERE org_id = %s AND delivered_at IS NULL", (org,))
    check(lcur.fetchone()[0] == 0, "nothing is left undelivered")
    listener.close()
    writer.close()


def listener_locks(cur):
    cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 28000 AND objsubid = 28000"
                " AND mode = 'ShareLock' AND granted")
    return cur.fetchone()[0]


def run_listen(org, olga):
    """iso28000.notify_announce = listen: the mailer calls iso28000.listen()."""
    with contextlib.closing(admin(DB)) as a, a.cursor() as cur:
        cur.execute("ALTER ROLE %s SET iso28000.notify_announce = listen" % WRITER)
        cur.execute("GRANT EXECUTE ON FUNCTION iso28000.listen(), iso28000.unlisten() TO %s" % MAILER)
    look = admin(DB)
    lk = look.cursor()
    writer = login(WRITER)
    w = writer.cursor()
    w.execute("SHOW iso28000.notify_announce")
    check(w.fetchone()[0] == "listen", "the writer's role runs with iso28000.notify_announce = listen")
    last = max(int(i) for i in outbox_ids(lk, org, 0))

    # 10. Nobody listens: written, not announced (a plain LISTEN, an old
    # mailer, does not count as listening under 'listen').
    plain = login(MAILER)
    plain.autocommit = True
    plain.cursor().execute("LISTEN " + CHANNEL)
    objective(w, org, olga, "Unheard objective", 10)
    writer.commit()
    ids = outbox_ids(lk, org, last)
    got = heard(plain, 1.0)
    check(len(ids) == 1 and got == [],
          "under listen with no mailer calling listen() the row is written and not announced (a plain LISTEN hears nothing)",
          "heard %r, outbox %r" % (got, ids))
    plain.close()

    # 11. A member cannot make the writers announce: listen() is not his.
    try:
        w.execute("SELECT iso28000.listen()")
        refused = None
    except psycopg2.Error as e:
        refused = e.pgcode
    writer.rollback()
    check(refused == "42501", "a member not granted listen() is refused (42501)", refused)

    # 12. The mailer listens, then reads what it missed.
    mailer = login(MAILER)
    mailer.autocommit = True
    m = mailer.cursor()
    m.execute("SELECT iso28000.listen()")
    check(m.fetchone()[0] is True and listener_locks(lk) == 1, "listen() takes the listener lock for the mailer's session")
    m.execute("SELECT notification_id::text FROM iso28000.notification WHERE org_id = %s AND delivered_at IS NULL"
              " AND notification_id > %s ORDER BY notification_id", (org, last))
    missed = [r[0] for r in m.fetchall()]
    check(missed == ids, "after listen() the mailer reads the row written while nobody listened", missed)
    last = int(ids[-1])

    # 13. Committed: heard; rolled back: nothing; a savepoint rolled back: only the kept row.
    objective(w, org, olga, "Heard objective", 10)
    check(heard(mailer, 0.5) == [], "nothing is heard while the writing transaction is open")
    writer.commit()
    got = heard(mailer, 5)
    ids = outbox_ids(lk, org, last)
    check(len(ids) == 1 and got == [(CHANNEL, ids[0])], "a committed row is announced to the mailer that listens",
          "heard %r, outbox %r" % (got, ids))
    last = int(ids[-1])
    objective(w, org, olga, "Rolled-back objective", 10)
    writer.rollback()
    got = heard(mailer, 1.0)
    check(got == [] and outbox_ids(lk, org, last) == [], "a rolled-back row is neither written nor announced", got)
    objective(w, org, olga, "Kept objective 2", 10)
    w.execute("SAVEPOINT s")
    objective(w, org, olga, "Dropped objective 2", 10)
    w.execute("ROLLBACK TO SAVEPOINT s")
    writer.commit()
    got = heard(mailer, 5)
    lk.execute("SELECT notification_id::text, record_title FROM iso28000.notification WHERE org_id = %s AND notification_id > %s",
               (org, last))
    rows = lk.fetchall()
    check([r[1] for r in rows] == ["Kept objective 2"] and got == [(CHANNEL, rows[0][0])],
          "a savepoint rolled back takes its row and its announcement away; the kept row is heard",
          "heard %r, outbox %r" % (got, rows))
    last = int(rows[-1][0])

    # 14. A failed transaction of the mailer keeps it listening (the lock is not a transaction's).
    try:
        m.execute("SELECT 1 / 0")
    except psycopg2.Error:
        pass
    check(listener_locks(lk) == 1, "an error in the mailer's session keeps the listener lock")
    objective(w, org, olga, "After the error", 10)
    writer.commit()
    got = heard(mailer, 5)
    ids = outbox_ids(lk, org, last)
    check(len(ids) == 1 and got == [(CHANNEL, ids[0])], "and the next committed row is heard", "heard %r" % got)
    last = int(ids[-1])

    # 15. PREPARE TRANSACTION of a transaction holding unannounced rows is refused (IS554).
    objective(w, org, olga, "Prepared objective", 10)
    try:
        w.execute("PREPARE TRANSACTION 'iso28000_listen'")
        refused = None
    except psycopg2.Error as e:
        refused = e.pgcode
    writer.rollback()
    check(refused == "IS554", "PREPARE TRANSACTION of a transaction that wrote the outbox under listen is refused (IS554)", refused)
    lk.execute("SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'iso28000_listen'")
    check(lk.fetchone()[0] == 0 and outbox_ids(lk, org, last) == [] and heard(mailer, 1.0) == [],
          "nothing is prepared, written or heard")

    # 16. The mailer disconnects: its lock goes with it, and nothing more is announced.
    mailer.close()
    for _ in range(50):            # the backend ends after the client closed
        if listener_locks(lk) == 0:
            break
        time.sleep(0.1)
    check(listener_locks(lk) == 0, "a mailer that disconnects leaves no listener lock")
    again = login(MAILER)
    again.autocommit = True
    a = again.cursor()
    a.execute("LISTEN " + CHANNEL)
    objective(w, org, olga, "After the mailer left", 10)
    writer.commit()
    got = heard(again, 1.0)
    check(got == [] and len(outbox_ids(lk, org, last)) == 1,
          "after it left the row is written and not announced", got)
    a.execute("SELECT iso28000.listen()")
    a.execute("SELECT iso28000.unlisten()")
    check(a.fetchone()[0] is True and listener_locks(lk) == 0, "unlisten() releases the lock at its commit")
    again.close()
    writer.close()
    look.close()


def attempt(cur, sql, args=None):
    """Runs sql; returns None, or the SQLSTATE it failed with."""
    try:
        cur.execute(sql, args)
        return None
    except psycopg2.Error as e:
        return e.pgcode


def run_announce(org, olga):
    """iso28000._announce(bigint[]), granted to PUBLIC, in C, run as the caller:
    what raise_due_items() hands its ids to on a cluster.  Called by a role of
    no organisation and by a member, with forged and foreign ids, under a
    hostile search_path with temp tables and a temp function of the names it
    could reach: the listener hears exactly the ids given, on the one channel,
    nothing more than the same role's own NOTIFY sends; the rows stay behind
    row-level security; and it obeys iso28000.notify_announce (row, off,
    listen), which the role cannot change, not even as a placeholder set
    before the library is loaded."""
    with contextlib.closing(admin(DB)) as a, a.cursor() as cur:
        cur.execute("ALTER ROLE %s RESET iso28000.notify_announce" % WRITER)
        # another organisation and a row of its outbox (written as superuser)
        cur.execute("SELECT iso28000.create_organization('FGN', 'Foreign test')")
        fgn = cur.fetchone()[0]
        cur.execute("INSERT INTO iso28000.notification (org_id, kind, register, record_id, subject, reason)"
                    " VALUES (%s, 'transition', 'objective', 1, 'foreign', 'foreign') RETURNING notification_id", (fgn,))
        foreign = cur.fetchone()[0]
    listener = login(MAILER)
    listener.autocommit = True
    lcur = listener.cursor()
    lcur.execute("LISTEN " + CHANNEL)
    heard(listener, 0.5)

    # 17. A role of no organisation, forged and foreign ids, under 'row'.
    stranger = login(STRANGER)
    s = stranger.cursor()
    s.execute("SELECT rolsuper, cardinality(iso28000.policy_orgs('read')) FROM pg_roles WHERE rolname = current_user")
    check(s.fetchone() == (False, 0), "the stranger is no superuser and reads no organisation")
    stranger.commit()
    forged = [999999, 3, 3, None, -1, foreign]
    want = [(CHANNEL, str(i)) for i in sorted(set(i for i in forged if i is not None))]
    s.execute("SELECT iso28000._announce(%s::bigint[])", (forged,))
    before = heard(listener, 0.5)
    stranger.commit()
    got = heard(listener, 5)
    check(before == [] and got == want,
          "a role of no organisation calling _announce() with forged and foreign ids: the listener hears, at commit,"
          " each id once, in order, NULLs skipped, on %s and nothing else" % CHANNEL,
          "heard %r before commit, %r after; wanted %r" % (before, got, want))
    s.execute("SELECT iso28000._announce(ARRAY[424242]::bigint[])")
    stranger.rollback()
    got = heard(listener, 1.0)
    check(got == [], "rolled back, its _announce() is not heard", got)
    s.execute("NOTIFY %s, '999999'" % CHANNEL)
    stranger.commit()
    got = heard(listener, 5)
    check(got == [(CHANNEL, "999999")],
          "the same role's own NOTIFY on the channel is heard: _announce() gives it nothing it lacked", got)
    s.execute("SELECT count(*) FROM iso28000.notification")
    seen_by_stranger = s.fetchone()[0]
    stranger.rollback()
    lcur.execute("SELECT count(*) FROM iso28000.notification WHERE notification_id = %s", (foreign,))
    check(seen_by_stranger == 0 and lcur.fetchone()[0] == 0,
          "the announcement discloses no row: the foreign row stays hidden from the mailer of another"
          " organisation, the outbox from the stranger")

    # 18. A member, the foreign organisation's id, a hostile search_path with
    # its own temp table, function and operator of the names in play.
    writer = login(WRITER)
    w = writer.cursor()
    w.execute("CREATE TEMP TABLE notification (notification_id bigint)")
    w.execute("CREATE FUNCTION pg_temp.pg_notify(text, text) RETURNS void LANGUAGE sql"
              " AS 'INSERT INTO pg_temp.notification VALUES (-7)'")
    w.execute("CREATE FUNCTION pg_temp.lt(bigint, bigint) RETURNS boolean LANGUAGE sql AS 'SELECT $1 > $2'")
    w.execute("CREATE OPERATOR pg_temp.< (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = pg_temp.lt)")
    w.execute("SET search_path = pg_temp, iso28000, public")
    w.execute("SELECT iso28000._announce(ARRAY[%s, 2, 1]::bigint[])", (foreign,))
    writer.commit()
    got = heard(listener, 5)
    w.execute("SELECT count(*) FROM pg_temp.notification")
    check(got == [(CHANNEL, str(i)) for i in sorted([foreign, 2, 1])] and w.fetchone()[0] == 0,
          "a member under search_path pg_temp first, with a temp notification table, pg_notify() and < of its own:"
          " the listener hears the ids, in numeric order; nothing of the caller's runs",
          got)
    writer.rollback()
    writer.close()

    # 19. iso28000.notify_announce = off for the role (a superuser's setting).
    with contextlib.closing(admin(DB)) as a, a.cursor() as cur:
        cur.execute("ALTER ROLE %s SET iso28000.notify_announce = off" % STRANGER)
    stranger.close()
    quiet = login(STRANGER)
    q = quiet.cursor()
    q.execute("SELECT iso28000._announce(ARRAY[501, 502]::bigint[])")
    quiet.commit()
    got = heard(listener, 1.0)
    check(got == [], "under iso28000.notify_announce = off _announce() announces nothing", got)
    q.execute("NOTIFY %s, '503'" % CHANNEL)
    quiet.commit()
    got = heard(listener, 5)
    check(got == [(CHANNEL, "503")], "(while the role's own NOTIFY is heard: off silences the extension, not the channel)", got)
    code = attempt(q, "SET iso28000.notify_announce = row")
    quiet.rollback()
    code2 = attempt(q, "SELECT set_config('iso28000.notify_announce', 'row', true)")
    quiet.rollback()
    code3 = attempt(q, "CREATE FUNCTION pg_temp.loud() RETURNS void LANGUAGE sql SET iso28000.notify_announce = row"
                       " AS 'SELECT iso28000._announce(ARRAY[504]::bigint[])'")
    quiet.rollback()
    check((code, code2, code3) == ("42501", "42501", "42501"),
          "the role cannot turn it back on: SET, set_config() and a function's SET clause are refused (42501)",
          (code, code2, code3))
    quiet.close()

    # 20. Nor through a placeholder set before the library is loaded: a fresh
    # session's first statements, before any function of the extension runs.
    fresh = login(STRANGER)
    f = fresh.cursor()
    f.execute("SELECT count(*) FROM pg_settings WHERE name = 'iso28000.notify_announce'")
    unloaded = f.fetchone()[0] == 0
    code = attempt(f, "SET iso28000.notify_announce = row")
    f.execute("SELECT iso28000._announce(ARRAY[505]::bigint[])")
    f.execute("SHOW iso28000.notify_announce")
    shown = f.fetchone()[0]
    fresh.commit()
    got = heard(listener, 1.0)
    check(unloaded and code is None and shown == "off" and got == [],
          "a fresh session's SET before the library is loaded is a placeholder PostgreSQL drops when the library"
          " defines the setting (a superuser's): it stays off, _announce() is not heard",
          "library unloaded %r, SET %r, shown %r, heard %r, notices %r" % (unloaded, code, shown, got, fresh.notices))
    fresh.close()

    # 21. Under 'listen': announced only when a mailer listens through listen(), at commit.
    with contextlib.closing(admin(DB)) as a, a.cursor() as cur:
        cur.execute("ALTER ROLE %s SET iso28000.notify_announce = listen" % STRANGER)
    lst = login(STRANGER)
    c = lst.cursor()
    c.execute("SELECT iso28000._announce(ARRAY[601]::bigint[])")
    lst.commit()
    got = heard(listener, 1.0)
    check(got == [], "under listen with no mailer calling listen() the stranger's _announce() is not heard", got)
    mailer = login(MAILER)
    mailer.autocommit = True
    m = mailer.cursor()
    m.execute("SELECT iso28000.listen()")
    c.execute("SELECT iso28000._announce(ARRAY[602]::bigint[])")
    check(heard(mailer, 0.5) == [], "nothing before its commit")
    lst.commit()
    got = heard(mailer, 5)
    c.execute("SELECT iso28000._announce(ARRAY[603]::bigint[])")
    lst.rollback()
    again = heard(mailer, 1.0)
    check(got == [(CHANNEL, "602")] and again == [],
          "with a mailer listening it is heard at commit, and not when rolled back", "heard %r then %r" % (got, again))
    c.execute("SELECT iso28000._announce(ARRAY[604]::bigint[])")
    code = attempt(c, "PREPARE TRANSACTION 'iso28000_announce'")
    lst.rollback()
    check(code == "IS554" and heard(mailer, 1.0) == [],
          "PREPARE TRANSACTION after it is refused (IS554), as for a writer: a role cannot park the listener lock",
          code)
    m.execute("SELECT iso28000.unlisten()")
    mailer.close()
    lst.close()
    listener.close()


def waiter_locks(cur, pid=None):
    cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 28000 AND objsubid = 28001"
                " AND mode = 'ShareLock' AND granted AND (%s IS NULL OR pid = %s)", (pid, pid))
    return cur.fetchone()[0]


def deliver_all(cur):
    """A mailer's round: marks every undelivered row it may see delivered; returns their ids."""
    cur.execute("SELECT org_id, array_agg(notification_id ORDER BY notification_id) FROM iso28000.notification"
                " WHERE delivered_at IS NULL GROUP BY org_id")
    done = []
    for org, ids in cur.fetchall():
        cur.execute("SELECT iso28000.mark_delivered(%s, %s)", (org, ids))
        done += ids
    return done


class Wait(threading.Thread):
    """One call of wait_for_notifications(timeout) on conn, in a thread: result, error, when it returned."""

    def __init__(self, conn, timeout):
        threading.Thread.__init__(self, daemon=True)
        self.conn, self.timeout = conn, timeout
        self.result = self.error = self.ended = None
        cur = conn.cursor()
        cur.execute("SELECT pg_backend_pid()")
        self.pid = cur.fetchone()[0]

    def run(self):
        try:
            cur = self.conn.cursor()
            cur.execute("SELECT iso28000.wait_for_notifications(%s::interval)", (self.timeout,))
            self.result = cur.fetchone()[0]
        except psycopg2.Error as e:
            self.error = e.pgcode
        self.ended = time.time()


def sleeping(look, w, seconds=10):
    """Whether the waiter's backend sleeps in the call, holding the waiter lock, within `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        look.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (w.pid,))
        row = look.fetchone()
        if row and row[0] == "Extension" and waiter_locks(look, w.pid) == 1:
            return True
        if w.ended:
            return False
        time.sleep(0.05)
    return False


def run_wait(org, olga):
    """iso28000.wait_for_notifications(): a mailer woken without NOTIFY by writers under listen."""
    with contextlib.closing(admin(DB)) as a, a.cursor() as cur:
        cur.execute("ALTER ROLE %s SET iso28000.notify_announce = listen" % WRITER)
        cur.execute("GRANT EXECUTE ON FUNCTION iso28000.wait_for_notifications(interval) TO %s, %s" % (MAILER, OTHER))
        cur.execute("SELECT iso28000.create_organization('WTB', 'Wait test B')")
        other_org = cur.fetchone()[0]
        cur.execute("SELECT iso28000.grant_access(%s, %s, 'read')", (other_org, OTHER))
    look = admin(DB)
    lk = look.cursor()
    mailer = login(MAILER)
    mailer.autocommit = True
    m = mailer.cursor()
    deliver_all(m)
    writer = login(WRITER)
    w = writer.cursor()
    plain = login(MAILER)
    plain.autocommit = True
    plain.cursor().execute("LISTEN " + CHANNEL)

    # 22. A waiter blocked; a writer commits; the waiter returns, and nothing was NOTIFYed.
    waiter = Wait(mailer, "60 seconds")
    waiter.start()
    asleep = sleeping(lk, waiter)
    check(asleep, "wait_for_notifications() sleeps (wait event Extension) holding the waiter lock (objsubid 28001)")
    objective(w, org, olga, "Waking objective", 10)
    writer.commit()
    committed = time.time()
    waiter.join(30)
    check(waiter.result is True and waiter.ended is not None and waiter.ended - committed < 5,
          "a writer under listen that commits wakes the waiter: true, well before its timeout (60 s) and its re-check (10 s)",
          "result %r, error %r, %.2f s after the commit" % (waiter.result, waiter.error,
                                                           (waiter.ended or time.time()) - committed))
    got = heard(plain, 1.0)
    check(got == [] and waiter_locks(lk) == 0,
          "nothing was NOTIFYed (a plain LISTEN hears nothing), and the waiter lock went with the call", got)
    deliver_all(m)

    # 23. A waiter that reads only another organisation is woken, checks, and sleeps on: false at its timeout.
    other = login(OTHER)
    other.autocommit = True
    ow = Wait(other, "3 seconds")
    ow.start()
    asleep = sleeping(lk, ow)
    objective(w, org, olga, "Foreign objective", 10)
    writer.commit()
    ow.join(30)
    check(asleep and ow.result is False and ow.error is None,
          "a waiter of another organisation does not return for a row it cannot read: false at its timeout",
          "asleep %r, result %r, error %r" % (asleep, ow.result, ow.error))
    deliver_all(m)

    # 24. Cancel and statement_timeout: 57014, the waiter lock released, the session usable.
    cw = Wait(other, "60 seconds")
    cw.start()
    asleep = sleeping(lk, cw)
    lk.execute("SELECT pg_cancel_backend(%s)", (cw.pid,))
    cw.join(30)
    o = other.cursor()
    o.execute("SET statement_timeout = '300ms'")
    code = attempt(o, "SELECT iso28000.wait_for_notifications('60 seconds')")
    o.execute("RESET statement_timeout")
    check(asleep and cw.error == "57014" and code == "57014" and waiter_locks(lk) == 0,
          "a waiter cancelled, or stopped by statement_timeout, ends with 57014 and releases the waiter lock",
          "asleep %r, cancel %r, statement_timeout %r" % (asleep, cw.error, code))
    o.execute("SELECT iso28000.wait_for_notifications('0')")
    check(o.fetchone()[0] is False, "and the session waits again after it")

    # 25. REPEATABLE READ or SERIALIZABLE: refused (the snapshot would never show a new row).
    other.autocommit = False
    o = other.cursor()
    o.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    code = attempt(o, "SELECT iso28000.wait_for_notifications('1 second')")
    other.rollback()
    o.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
    code2 = attempt(o, "SELECT iso28000.wait_for_notifications('1 second')")
    other.rollback()
    check(code == "IS556" and code2 == "IS556", "wait_for_notifications() is refused under REPEATABLE READ and SERIALIZABLE (IS556)",
          (code, code2))
    other.close()

    # 26. Writers racing a waiter that arrives and leaves: every committed row is
    # delivered, each round within 6 s of its last commit (a lost wake-up would
    # leave the waiter asleep until its 10 s re-check).
    stop = threading.Event()
    delivered = []
    problems = []

    def mail():
        while not stop.is_set():
            conn = login(MAILER)
            conn.autocommit = True
            cur = conn.cursor()
            try:
                for _ in range(random.randint(1, 4)):
                    cur.execute("SELECT iso28000.wait_for_notifications('30 seconds')")
                    if cur.fetchone()[0]:
                        delivered.extend(deliver_all(cur))
                    if stop.is_set():
                        break
            except psycopg2.Error as e:
                problems.append(str(e))
                return
            finally:
                conn.close()

    def write(n, tag):
        conn = login(WRITER)
        cur = conn.cursor()
        for i in range(n):
            time.sleep(random.random() * 0.03)
            objective(cur, org, olga, "Race %s %d" % (tag, i), 10)
            conn.commit()
        conn.close()

    lk.execute("SELECT coalesce(max(notification_id), 0) FROM iso28000.notification")
    since = lk.fetchone()[0]
    mailer_thread = threading.Thread(target=mail, daemon=True)
    mailer_thread.start()
    slow = []
    for rnd in range(30):
        writers = [threading.Thread(target=write, args=(random.randint(1, 3), "%d.%d" % (rnd, k))) for k in range(4)]
        for t in writers:
            t.start()
        for t in writers:
            t.join()
        last_commit = time.time()
        while True:
            lk.execute("SELECT count(*) FROM iso28000.notification WHERE org_id = %s AND delivered_at IS NULL", (org,))
            if lk.fetchone()[0] == 0:
                break
            if time.time() - last_commit > 6:
                slow.append(rnd)
                break
            time.sleep(0.02)
        time.sleep(random.random() * 0.2)
    stop.set()
    objective(w, org, olga, "Last race row", 10)   # wakes the waiter so that it stops
    writer.commit()
    mailer_thread.join(60)
    lk.execute("SELECT array_agg(notification_id ORDER BY notification_id) FROM iso28000.notification"
               " WHERE org_id = %s AND notification_id > %s", (org, since))
    written = lk.fetchone()[0] or []
    check(not slow and not problems and sorted(delivered) == written and len(written) > 30,
          "30 rounds of 4 writers racing a waiter that arrives and leaves: every row delivered once, within 6 s of"
          " its round's last commit (%d rows)" % len(written),
          "rounds too slow %r, errors %r, delivered %d of %d, missing %r" % (
              slow, problems, len(delivered), len(written), sorted(set(written) - set(delivered))[:10]))

    # 27. A waiter whose client dies: its backend ends at once, not at its timeout (60 s).
    env = dict(os.environ, PGUSER=MAILER, PGPASSWORD=PASSWORD, PGDATABASE=DB)
    lk.execute("SELECT coalesce(array_agg(pid), '{}') FROM pg_stat_activity WHERE usename = %s", (MAILER,))
    before = set(lk.fetchone()[0])
    proc = subprocess.Popen(["psql", "-XAtq", "-c", "SELECT iso28000.wait_for_notifications('60 seconds')"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid = None
    deadline = time.time() + 10
    while pid is None and time.time() < deadline:
        lk.execute("SELECT pid FROM pg_stat_activity WHERE usename = %s AND wait_event_type = 'Extension'"
                   " AND NOT pid = ANY(%s)", (MAILER, list(before)))
        row = lk.fetchone()
        pid = row[0] if row else None
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    killed = time.time()
    gone = None
    while pid is not None and time.time() - killed < 30:
        lk.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
        if lk.fetchone()[0] == 0:
            gone = time.time() - killed
            break
        time.sleep(0.05)
    check(pid is not None and gone is not None and gone < 5 and waiter_locks(lk) == 0,
          "a waiter whose client is killed ends its backend and its lock at once, not at its 60 s timeout",
          "backend %r gone after %r s" % (pid, gone))
    plain.close()
    writer.close()
    mailer.close()
    look.close()


if __name__ == "__main__":
    sys.exit(main())
