#!/usr/bin/env python3
"""test/app/nonconformity_app.py: an application written against the docs.

Walks a nonconformity through every step of ISO 28000 10.2 (report, contain,
analyse the cause, plan and take corrective action, verify effectiveness,
close, reopen) the way a web application would: through psycopg2 (Debian's
python3-psycopg2), from a small connection pool that logs in as one
application role and acts for a person per transaction.

Acting for a person, both ways of doc/security.md and doc/applications.md:
Ann and Vic have no database role; a manager delegated the pool role
(grant_delegation, level audit) and each of their transactions starts with
SELECT iso28000.act_as(org, person).  Mia, the manager, has a role of her own
(person.db_role); the pool is a NOINHERIT member of it and her transactions
start with SET LOCAL ROLE.  Neither outlives the transaction, so a pooled
connection goes back to the pool acting for nobody.

Every refusal on the way is asserted the way an application handles it:
its SQLSTATE (e.pgcode), and the machine-readable fields drivers expose
(e.diag.schema_name, table_name, column_name, constraint_name), plus a
detail; see doc/sqlstates.md.  Optimistic concurrency (doc/applications.md):
a transition names the state it expects in its WHERE clause and checks the
row count, so a second, stale copy of the same transition changes nothing;
or it calls iso28000.transition(), which refuses the stale copy with IS060.

Needs a superuser connection from the environment (PGHOST, PGPORT, PGUSER,
PGPASSWORD: pg_virtualenv sets them) to create its database and roles, and
drops them at the end.  Prints "ok N - ..." / "not ok N - ..." lines and
ends with "N passed, N failed".
"""
import contextlib
import os
import sys

import psycopg2
import psycopg2.pool

DB = "iso28000_app"
POOL_ROLE = "iso28000_app_pool"
PASSWORD = "app-pool-%d" % os.getpid()
MANAGER = "iso28000_app_mia"            # a person with a database role of her own
PEOPLE = {  # key -> full name; Ann and Vic are acted for with act_as()
    "ann": "Ann Reporter",
    "vic": "Vic Verifier",
    "mia": "Mia Manager",
}

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
    """A superuser connection (autocommit) from the environment."""
    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    return conn


def set_up():
    """Database, extension, organisation, the pool role and three people."""
    with contextlib.closing(admin()) as a, a.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS " + DB)
        for role in (MANAGER, POOL_ROLE):
            cur.execute("DROP ROLE IF EXISTS " + role)
        cur.execute("CREATE DATABASE " + DB)
        cur.execute("CREATE ROLE %s LOGIN NOINHERIT PASSWORD %%s" % POOL_ROLE, (PASSWORD,))
        cur.execute("CREATE ROLE %s NOLOGIN" % MANAGER)
        cur.execute("GRANT %s TO %s" % (MANAGER, POOL_ROLE))
    with contextlib.closing(admin(DB)) as a, a.cursor() as cur:
        cur.execute("CREATE EXTENSION iso28000")
        cur.execute("SELECT iso28000.create_organization('APP', 'Application test', %s)", (MANAGER,))
        org = cur.fetchone()[0]
        people = {}
        for key, name in PEOPLE.items():
            cur.execute("INSERT INTO iso28000.person (org_id, full_name, db_role) VALUES (%s, %s, %s)"
                        " RETURNING person_id", (org, name, MANAGER if key == "mia" else None))
            people[key] = cur.fetchone()[0]
        # Mia, as the manager, lets the pool in (level audit) and act for the people.
        cur.execute("SET ROLE " + MANAGER)
        cur.execute("SELECT iso28000.grant_access(%s, %s, 'audit')", (org, POOL_ROLE))
        cur.execute("SELECT iso28000.grant_delegation(%s, %s, 'the application suite')", (org, POOL_ROLE))
        cur.execute("RESET ROLE")
    return org, people


def tear_down():
    with contextlib.closing(admin()) as a, a.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS " + DB)
        for role in (MANAGER, POOL_ROLE):
            cur.execute("DROP ROLE IF EXISTS " + role)


class App:
    """The application: a pool of connections as one role, acting for people."""

    def __init__(self, org, people):
        self.org, self.people = org, people
        host = os.environ.get("PGHOST", "localhost")  # a socket directory works too
        self.pool = psycopg2.pool.SimpleConnectionPool(
            1, 2, host=host, port=os.environ.get("PGPORT", "5432"), dbname=DB,
            user=POOL_ROLE, password=PASSWORD)

    @contextlib.contextmanager
    def acting_for(self, who):
        """One transaction acting for a person: act_as(), or her own role for Mia."""
        conn = self.pool.getconn()
        try:
            with conn:  # commits on success, rolls back on an exception
                with conn.cursor() as cur:
                    if who == "mia":
                        cur.execute("SET LOCAL ROLE " + MANAGER)
                    else:
                        cur.execute("SELECT iso28000.act_as(%s, %s)", (self.org, self.people[who]))
                    yield cur
        finally:
            self.pool.putconn(conn)

    def refusal(self, who, sql, args=()):
        """Runs sql for a person; returns the error it raised, or None."""
        try:
            with self.acting_for(who) as cur:
                cur.execute(sql, args)
        except psycopg2.Error as e:
            return e
        return None

    def close(self):
        self.pool.closeall()


def expect_refusal(app, role, sql, args, sqlstate, what, table=None, column=None, constraint=None):
    """Checks a refusal: SQLSTATE, schema, table, column, constraint, detail."""
    e = app.refusal(role, sql, args)
    if e is None:
        check(False, "%s: refused with %s" % (what, sqlstate), "it was not refused")
        return
    d = e.diag
    got = dict(sqlstate=e.pgcode, schema=d.schema_name, table=d.table_name,
               column=d.column_name, constraint=d.constraint_name)
    want = dict(sqlstate=sqlstate, schema="iso28000" if table else None, table=table,
                column=column, constraint=constraint)
    check(got == want,
          "%s: %s, table %s, column %s%s" % (what, sqlstate, table, column,
                                             ", constraint %s" % constraint if constraint else ""),
          "want %r\ngot  %r\nmessage: %s" % (want, got, d.message_primary))
    if sqlstate.startswith("IS"):
        check(bool(d.message_detail), "%s: the refusal has a detail" % what,
              "message: %s" % d.message_primary)


def main():
    org, people = set_up()
    ann, vic, mia = (people[p] for p in ("ann", "vic", "mia"))
    app = App(org, people)
    try:
        walk(app, org, ann, vic, mia)
    finally:
        app.close()
        tear_down()
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def walk(app, org, ann, vic, mia):
    ANN, VIC, MIA = "ann", "vic", "mia"
    nc_where = "WHERE org_id = %s AND nonconformity_id = %s"

    # A transaction that names nobody acts for nobody.
    conn = app.pool.getconn()
    with conn, conn.cursor() as cur:
        cur.execute("SELECT iso28000.acting_person(%s)", (org,))
        check(cur.fetchone()[0] is None, "a pooled transaction that names nobody acts for nobody")
    app.pool.putconn(conn)
    conn = app.pool.getconn()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT iso28000.act_as(%s, %s)", (org, -1))
        e = None
    except psycopg2.Error as err:
        e = err
    app.pool.putconn(conn)
    check(e is not None and e.pgcode == "IS021" and bool(e.diag.message_detail)
          and (e.diag.schema_name, e.diag.table_name, e.diag.column_name) == ("iso28000", "person", "person_id"),
          "act_as for someone who is not a person of the organisation: IS021, table person, column person_id",
          e and "%s %s %s.%s.%s" % (e.pgcode, e.diag.message_primary, e.diag.schema_name,
                                   e.diag.table_name, e.diag.column_name))

    # 10.2: reported.
    with app.acting_for(ANN) as cur:
        cur.execute("SELECT iso28000.acting_person(%s)", (org,))
        check(cur.fetchone()[0] == ann, "acting for Ann through the pool (act_as), the extension vouches for Ann")
        cur.execute("INSERT INTO iso28000.nonconformity (org_id, title, severity, clause, reported_by, owner_id)"
                    " VALUES (%s, 'Seal missing on container MSKU 1234', 'major', '8.1', %s, %s)"
                    " RETURNING nonconformity_id, status", (org, ann, ann))
        nc, status = cur.fetchone()
    check(status == "reported", "Ann reports a nonconformity (reported)")
    key = (org, nc)

    expect_refusal(app, ANN, "UPDATE iso28000.nonconformity SET status = 'closed' " + nc_where, key,
                   "IS102", "reported cannot jump to closed", "nonconformity", "status")
    expect_refusal(app, ANN, "UPDATE iso28000.nonconformity SET status = 'open' " + nc_where, key,
                   "IS101", "a state the workflow does not know", "nonconformity", "status")

    # 10.2 a: contained needs the correction.
    expect_refusal(app, ANN, "UPDATE iso28000.nonconformity SET status = 'contained' " + nc_where, key,
                   "IS103", "contained without the correction (10.2 a)", "nonconformity", "correction")
    # Two screens showed it reported: Ann's transition() wins, Vic's stale one is refused (IS060).
    contain = ("SELECT iso28000.transition('iso28000.nonconformity', %s, %s, 'reported', 'contained',"
               " json_build_object('correction', %s::text)::jsonb) ->> 'status'")
    with app.acting_for(ANN) as cur:
        cur.execute(contain, key + ("Container held, seal replaced, shipper told",))
        check(cur.fetchone()[0] == "contained",
              "Ann contains it (10.2 a) with transition(), naming the state she saw")
    expect_refusal(app, VIC, contain, key + ("stale screen: held again",),
                   "IS060", "the same containment from a stale screen is refused by transition()",
                   "nonconformity", "status")
    with app.acting_for(ANN) as cur:
        cur.execute("SELECT correction FROM iso28000.nonconformity " + nc_where, key)
        check(cur.fetchone()[0] == "Container held, seal replaced, shipper told",
              "the stale containment wrote nothing: Ann's correction is kept")
    expect_refusal(app, ANN, "UPDATE iso28000.nonconformity SET correction = ' ' " + nc_where, key,
                   "IS103", "a contained nonconformity keeps its correction", "nonconformity", "correction")

    # 10.2 b: cause analysed needs the cause, the method and similar nonconformities.
    expect_refusal(app, ANN, "UPDATE iso28000.nonconformity SET status = 'cause_analysed',"
                   " root_cause = 'No seal check at the gate', analysis_method = '5 whys' " + nc_where, key,
                   "IS103", "cause_analysed without similar_nonconformities (10.2 b)",
                   "nonconformity", "similar_nonconformities")
    with app.acting_for(ANN) as cur:
        cur.execute("UPDATE iso28000.nonconformity SET status = 'cause_analysed',"
                    " root_cause = 'No seal check at the gate', analysis_method = '5 whys',"
                    " similar_nonconformities = 'Gate B has the same gap' " + nc_where
                    + " AND status = 'contained'", key)
        check(cur.rowcount == 1, "Ann records the cause analysis (10.2 b)")

    # 10.2 c: action planned needs a live corrective action with an owner and a due date.
    expect_refusal(app, ANN, "UPDATE iso28000.nonconformity SET status = 'action_planned' " + nc_where, key,
                   "IS104", "action_planned without a corrective action (10.2 c)", "nonconformity", "status")
    expect_refusal(app, ANN, "INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id)"
                   " VALUES (%s, %s, 'Seal check at every gate', %s)", (org, nc, ann),
                   "IS103", "a corrective action without a due date", "corrective_action", "due_on")
    with app.acting_for(ANN) as cur:
        cur.execute("INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on)"
                    " VALUES (%s, %s, 'Seal check at every gate', %s, current_date + 14)"
                    " RETURNING corrective_action_id", (org, nc, ann))
        ca = cur.fetchone()[0]
        cur.execute("UPDATE iso28000.nonconformity SET status = 'action_planned' " + nc_where
                    + " AND status = 'cause_analysed'", key)
        check(cur.rowcount == 1, "Ann plans a corrective action with an owner and a due date (10.2 c)")

    # 10.2 c: action taken needs every live corrective action done.
    expect_refusal(app, ANN, "UPDATE iso28000.nonconformity SET status = 'action_taken' " + nc_where, key,
                   "IS104", "action_taken while the corrective action is planned", "nonconformity", "status")
    expect_refusal(app, ANN, "UPDATE iso28000.corrective_action SET status = 'done', evidence = 'GP-7 rev 3'"
                   " WHERE org_id = %s AND corrective_action_id = %s", (org, ca),
                   "IS103", "a corrective action done without its completion date",
                   "corrective_action", "completed_on")
    with app.acting_for(ANN) as cur:
        cur.execute("UPDATE iso28000.corrective_action SET status = 'in_progress'"
                    " WHERE org_id = %s AND corrective_action_id = %s AND status = 'planned'", (org, ca))
        cur.execute("UPDATE iso28000.corrective_action SET status = 'done', completed_on = current_date,"
                    " evidence = 'Gate procedure GP-7 rev 3' WHERE org_id = %s AND corrective_action_id = %s"
                    " AND status = 'in_progress'", (org, ca))
        cur.execute("UPDATE iso28000.nonconformity SET status = 'action_taken' " + nc_where
                    + " AND status = 'action_planned'", key)
        check(cur.rowcount == 1, "Ann completes the action and takes the nonconformity to action_taken")
    expect_refusal(app, ANN, "INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on)"
                   " VALUES (%s, %s, 'One more', %s, current_date)", (org, nc, ann),
                   "IS151", "no corrective action is added while the nonconformity is action_taken",
                   "corrective_action", "nonconformity_id")

    # 10.2 d: verified by an auditor who owns none of its corrective actions.
    verify = ("UPDATE iso28000.nonconformity SET status = 'verified', verified_by = %s, verified_on = current_date,"
              " effectiveness_review = 'Gate audit of 40 containers: all sealed' " + nc_where
              + " AND status = 'action_taken'")
    expect_refusal(app, VIC, verify, (ann, org, nc),
                   "IS120", "acting for Vic, the application cannot name Ann as the verifier",
                   "nonconformity", "verified_by")
    expect_refusal(app, ANN, verify, (ann, org, nc),
                   "IS104", "the owner of a corrective action cannot be the verifier (10.2 d)",
                   "nonconformity", "status")
    with app.acting_for(VIC) as cur:
        cur.execute(verify, (vic, org, nc))
        check(cur.rowcount == 1, "Vic verifies the effectiveness (10.2 d)")
    expect_refusal(app, ANN, "UPDATE iso28000.corrective_action SET description = 'late edit'"
                   " WHERE org_id = %s AND corrective_action_id = %s", (org, ca),
                   "IS150", "the corrective actions of a verified nonconformity are frozen",
                   "corrective_action", "nonconformity_id")

    # 10.2 e: closed with the decision on SMS changes.
    expect_refusal(app, VIC, "UPDATE iso28000.nonconformity SET status = 'closed' " + nc_where, key,
                   "IS103", "closed without the decision on SMS changes (10.2 e)",
                   "nonconformity", "sms_change_needed")
    with app.acting_for(VIC) as cur:
        cur.execute("UPDATE iso28000.nonconformity SET status = 'closed', sms_change_needed = true,"
                    " sms_change_note = 'Gate procedure GP-7 gets a seal check' " + nc_where
                    + " AND status = 'verified'", key)
        check(cur.rowcount == 1, "Vic closes it with the decision on SMS changes (10.2 e)")
    expect_refusal(app, VIC, "UPDATE iso28000.nonconformity SET title = 'rewritten' " + nc_where, key,
                   "IS105", "a closed nonconformity is frozen", "nonconformity", "status")
    expect_refusal(app, MIA, "DELETE FROM iso28000.nonconformity " + nc_where, key,
                   "IS107", "a closed nonconformity is never deleted", "nonconformity", "status")

    # Reopening: manage level; two managers' screens both send the same reopening.
    reopen = ("UPDATE iso28000.nonconformity SET status = 'cause_analysed', status_note = %s "
              + nc_where + " AND status = 'closed'")
    expect_refusal(app, VIC, reopen, ("seal missing again", org, nc),
                   "IS106", "the pool (level audit) acting for Vic cannot reopen (needs manage)",
                   "nonconformity", "status")
    with app.acting_for(MIA) as cur:
        cur.execute(reopen, ("Seal missing again on MSKU 5678", org, nc))
        first = cur.rowcount
    with app.acting_for(MIA) as cur:
        cur.execute(reopen, ("stale screen: reopening again", org, nc))
        second = cur.rowcount
    check(first == 1 and second == 0,
          "optimistic concurrency: the first reopening changes 1 row, the stale second one 0 (expected state in WHERE)")
    with app.acting_for(MIA) as cur:
        cur.execute("SELECT status, status_note FROM iso28000.nonconformity " + nc_where, key)
        row = cur.fetchone()
    check(row == ("cause_analysed", "Seal missing again on MSKU 5678"),
          "the stale transition overwrote nothing: the first reopening's note is kept")

    # What the application reads back: the workflow's events and the BI view.
    with app.acting_for(ANN) as cur:
        cur.execute("SELECT string_agg(to_state, ' ' ORDER BY occurred_at, event_id),"
                    "       string_agg(p.full_name, ', ' ORDER BY occurred_at, event_id)"
                    "  FROM iso28000.workflow_event e LEFT JOIN iso28000.person p"
                    "    ON p.org_id = e.org_id AND p.person_id = e.actor_person"
                    " WHERE e.org_id = %s AND e.table_name = 'iso28000.nonconformity'::regclass AND e.record_id = %s",
                    (org, nc))
        events, actors = cur.fetchone()
        cur.execute("SELECT clause, status FROM iso28000.nonconformity_open WHERE org_id = %s AND clause = %s",
                    (org, "8.1"))
        open_row = cur.fetchone()
    check(events == "reported contained cause_analysed action_planned action_taken verified closed cause_analysed",
          "the event log holds every step of 10.2 and the reopening", events)
    check(actors == "Ann Reporter, Ann Reporter, Ann Reporter, Ann Reporter, Ann Reporter, Vic Verifier, "
                    "Vic Verifier, Mia Manager",
          "each event names the person the pool acted for (act_as) or the manager's own role", actors)
    check(open_row == ("8.1", "cause_analysed"),
          "nonconformity_open filters on the clause with a bound string, default search_path", open_row)


if __name__ == "__main__":
    sys.exit(main())
