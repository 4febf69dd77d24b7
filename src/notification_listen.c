/*
 * notification_listen.c
 *		Announcing the outbox only when a mailer listens
 *		(iso28000.notify_announce = listen; doc/due-and-notify.md).
 *
 * A transaction that sent a NOTIFY takes one lock on the whole database while
 * it commits (PreCommit_Notify), so writers that announce their outbox rows
 * commit one at a time.  Under 'listen' a writer announces only when a mailer
 * listens, and no wake-up is lost:
 *
 * - A mailer calls iso28000.listen(): it takes, for its session, ShareLock on
 *   the listener lock (below), waiting for the writers that are committing
 *   without announcing, then LISTENs on iso28000_notification.  Once the
 *   transaction that called it has committed, the mailer reads the
 *   undelivered rows, then waits for announcements.
 * - A writer under 'listen' keeps the ids of the rows it wrote for the end of
 *   its transaction (dropping those of a subtransaction rolled back).  Just
 *   before its commit (XACT_EVENT_PRE_COMMIT, after the deferred triggers,
 *   before PreCommit_Notify) it asks for RowExclusiveLock on the listener lock
 *   without waiting.  Refused: a mailer holds ShareLock (or waits for it), so
 *   the writer announces every id, as under 'row'.  Granted: nobody listens,
 *   the writer announces nothing and keeps the lock to the end of its commit.
 *
 * Why nothing is lost.  A writer granted the lock holds it until its commit is
 * visible (locks are released after ProcArrayEndTransaction), so a mailer
 * arriving meanwhile gets its ShareLock only after that commit: the rows are
 * among the undelivered rows it reads after its own commit.  A writer that
 * asks after the mailer took (or asked for) the ShareLock is refused and
 * announces: if it commits before the mailer's LISTEN commits, its rows are
 * read by the mailer afterwards; if later, PostgreSQL delivers its
 * announcement (a listener misses no notification of a transaction that
 * commits after its LISTEN does).  A writer never waits for this lock: it asks
 * without waiting, and a mailer's request waiting in the queue already makes
 * the writers' requests fail.  A mailer waits at most for the commits in
 * progress: the lock is asked for at commit, not at the outbox write, so a
 * writer idle in its transaction does not hold it.
 *
 * The listener lock is an advisory-kind lock tag (USER_LOCKMETHOD) whose
 * fourth field is 28000, which none of pg_advisory_lock()'s forms produce (they
 * use 1 and 2): no member can take it from SQL.  The user lock method,
 * because the default one releases a session's session-level locks when any
 * of its transactions aborts (ProcReleaseLocks): a mailer whose
 * mark_delivered() fails would stop being seen.  A user lock held for the
 * session survives aborts and is released when the session ends, by
 * iso28000.unlisten() at commit, or by pg_advisory_unlock_all() (and DISCARD
 * ALL, which also stops listening).  The backend that listens announces its
 * own rows (its own ShareLock would not refuse it).
 *
 * PREPARE TRANSACTION of a transaction holding unannounced rows is refused
 * (IS554), as a NOTIFY would be refused (0A000): a prepared transaction holding
 * the lock would hold up every mailer until COMMIT PREPARED, and one that a
 * mailer listens to cannot announce.  On a Citus worker the outbox's shards
 * stay silent (notification_announce), so nothing is kept there.
 *
 * Waking a mailer without NOTIFY: iso28000.wait_for_notifications(timeout).
 * A mailer that listens brings back PostgreSQL's database lock at every
 * writer's commit (the writers NOTIFY).  A mailer may instead wait in
 * wait_for_notifications(), and the writers set its latch after they commit:
 * no NOTIFY, no database lock.
 *
 * - The mailer, inside the call: takes ShareLock on the waiter lock (the same
 *   scheme as the listener lock, fourth field 28001) as a lock of its
 *   transaction (only other waiters take it, in the same mode: it never
 *   waits); then loops: ResetLatch; reads, with a fresh snapshot (READ
 *   COMMITTED: the call refuses the others, IS556), whether an undelivered row
 *   it may see is there: if so it returns true; else WaitLatch until the latch
 *   is set, the timeout, or the client's socket closes (the backend then ends,
 *   FATAL), then CHECK_FOR_INTERRUPTS.  It releases the lock when it
 *   returns; an error (cancel, statement_timeout) releases it with the
 *   transaction or subtransaction.  So the lock is held only by backends
 *   inside the call, inside a transaction.
 * - A writer under 'listen' that kept rows (XACT_EVENT_PRE_COMMIT) takes no
 *   lock for the waiters: after its commit is visible (XACT_EVENT_COMMIT runs
 *   after ProcArrayEndTransaction) it looks up the holders of the waiter lock
 *   (GetLockConflicts, for RowExclusiveLock: the ShareLock holders) and sets
 *   each one's latch.  With nobody waiting that is a hash look-up under the
 *   lock partition's shared LWLock, cheaper than asking for a lock and
 *   releasing it (what the listener lock needs, because its NOTIFY must be
 *   decided before the commit).
 *
 * Why no wake-up is lost.  Let a writer's commit become visible at V, and its
 * look-up of the holders run at E > V.  A call that takes the lock after E
 * checks after E > V: it reads the rows.  Take a call whose last check C
 * before V did not see the rows (its snapshot predates V) and that is still in
 * the call at E: it holds the lock
 * from before its ResetLatch R < C until it returns, so it holds it at E, and
 * it is inside its transaction, so its virtual transaction id is valid and
 * GetLockConflicts (which skips the invalid ones) lists it.  The writer sets
 * its latch at S > E > R: the latch was reset before C, so WaitLatch returns
 * (or does not sleep) and the next check, after S > V, reads the rows.  A call
 * that ends between V and E ended by its own timeout or an error, and the
 * next call's checks come after V.  One gap, PostgreSQL's: a wait inside the
 * check itself (a buffer another backend is reading in, a lock the first check
 * waits for, client_connection_check_interval's look at the socket) resets
 * the latch when it ends, and a writer's SetLatch that lands
 * there, after the check's snapshot, is swallowed.  So the call checks again
 * at least every NL_WAIT_RECHECK_MS (10 s) while it waits: such a row waits at
 * most that much longer.  Several mailers are each woken; a mailer that
 * writes rows itself does not wake itself (GetLockConflicts skips its own
 * backend, and it is not inside the call then) and sees them at its next
 * check.  Waking is only a hint: the check decides, so a latch set for
 * another reason, or by a writer of an organisation the mailer cannot read,
 * only makes it check again.
 *
 * Who is woken: the backends holding the waiter lock, a tag no SQL function
 * makes, taken only inside wait_for_notifications() (not granted to PUBLIC;
 * a role that reads no organisation is refused, IS553) and released when it
 * returns.  Between the look-up and SetLatch a holder may have ended its
 * transaction: the latch is set only if the backend still runs the same
 * virtual transaction (a stale latch set would be harmless anyway: latch
 * waiters in PostgreSQL check their condition again).  The lock tags carry
 * the database's oid: a writer wakes only the waiters of its database.
 * Subtransactions rolled back take their rows away (as for listen()), and
 * PREPARE TRANSACTION with rows kept is refused (IS554) before any of this.
 * A mailer waiting inside a prepared transaction cannot be: the lock is
 * released when the call returns.  On Citus, as for listen(): only the rows
 * the coordinator writes itself wake a mailer waiting there.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/async.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
#if PG_VERSION_NUM >= 170000
#include "storage/procarray.h"
#else
#include "storage/sinvaladt.h"
#endif

#include "iso28000_errcodes.h"
#include "membership.h"
#include "notification.h"

/* The fourth field of the listener lock's and the waiter lock's tags: no SQL function makes them. */
#define NL_LOCK_CLASS 28000
#define NL_WAIT_CLASS 28001

/* The longest wait_for_notifications() accepts: a waiting call holds its snapshot, as pg_sleep() would. */
#define NL_WAIT_MAX_USECS USECS_PER_DAY

/* wait_for_notifications() checks at least this often (a wake the check's own waits swallowed: head of file) */
#define NL_WAIT_RECHECK_MS 10000

/* An id written under 'listen' and not announced yet, with its subtransaction. */
typedef struct NlPending
{
	int64		id;
	SubTransactionId sub;
} NlPending;

static NlPending *nl_pending = NULL;	/* in TopMemoryContext */
static int	nl_npending = 0;
static int	nl_cap = 0;
static bool nl_callbacks = false;

/* This transaction kept outbox rows to its commit: wake the waiters once it is visible. */
static bool nl_wake = false;

/* listen() took the session lock in this transaction, in this subtransaction */
static SubTransactionId nl_listen_sub = InvalidSubTransactionId;

/* unlisten() was called in this transaction, in this subtransaction: release at commit */
static SubTransactionId nl_unlisten_sub = InvalidSubTransactionId;

/* LockAcquireExtended() has a logLockFailure argument from PostgreSQL 18 on. */
#if PG_VERSION_NUM >= 180000
#define NL_ACQUIRE(tag, mode, session, dontwait, reportmem) \
	LockAcquireExtended(tag, mode, session, dontwait, reportmem, NULL, false)
#else
#define NL_ACQUIRE(tag, mode, session, dontwait, reportmem) \
	LockAcquireExtended(tag, mode, session, dontwait, reportmem, NULL)
#endif

static void
nl_tag(LOCKTAG *tag)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, 0, 28000, NL_LOCK_CLASS);
}

static void
nl_wait_tag(LOCKTAG *tag)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, 0, 28000, NL_WAIT_CLASS);
}

/* Whether this session holds the listener lock (listen()). */
static bool
nl_listening(void)
{
	LOCKTAG		tag;

	nl_tag(&tag);
#if PG_VERSION_NUM >= 170000
	return LockHeldByMe(&tag, ShareLock, false);
#else
	return LockHeldByMe(&tag, ShareLock);
#endif
}

static void
nl_release(void)
{
	LOCKTAG		tag;

	nl_tag(&tag);
	if (nl_listening())
		LockRelease(&tag, ShareLock, true);
}

/* Announces every kept id, in the order of the ids. */
static void
nl_announce_kept(void)
{
	int64	   *ids = palloc(sizeof(int64) * nl_npending);

	for (int i = 0; i < nl_npending; i++)
		ids[i] = nl_pending[i].id;
	notification_commit_notify(ids, nl_npending);
	pfree(ids);
	nl_npending = 0;
}

/* Whether a mailer listens: false when this transaction got the lock (kept to its end). */
static bool
nl_someone_listens(void)
{
	LOCKTAG		tag;

	if (nl_listening())
		return true;			/* this session: its own ShareLock would not refuse it */
	nl_tag(&tag);
	/* without waiting; a lock table out of memory also says "announce", which is always safe */
	return NL_ACQUIRE(&tag, RowExclusiveLock, false, true, false) == LOCKACQUIRE_NOT_AVAIL;
}

/*
 * Sets the latch of every backend holding the waiter lock, in the same
 * virtual transaction as when it was found.  Runs after the commit (nothing
 * here may fail in a way that matters: GetLockConflicts only allocates a
 * small array).
 */
static void
nl_wake_waiters(void)
{
	LOCKTAG		tag;
	VirtualTransactionId *vxids;

	nl_wait_tag(&tag);
	vxids = GetLockConflicts(&tag, RowExclusiveLock, NULL);
	for (VirtualTransactionId *v = vxids; VirtualTransactionIdIsValid(*v); v++)
	{
#if PG_VERSION_NUM >= 170000
		PGPROC	   *proc = ProcNumberGetProc(v->procNumber);

		if (proc != NULL && proc->vxid.lxid == v->localTransactionId)
			SetLatch(&proc->procLatch);
#else
		PGPROC	   *proc = BackendIdGetProc(v->backendId);

		if (proc != NULL && proc->lxid == v->localTransactionId)
			SetLatch(&proc->procLatch);
#endif
	}
	pfree(vxids);
}

static void
nl_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			if (nl_npending > 0)
			{
				if (nl_someone_listens())
					nl_announce_kept();
				nl_wake = true;
				nl_npending = 0;
			}
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (nl_npending > 0)
				ereport(ERROR,
						(errcode(ERRCODE_ISO28000_NOTIFY_PREPARE),
						 errmsg("cannot prepare a transaction that wrote %d notification%s under iso28000.notify_announce = listen",
								nl_npending, nl_npending == 1 ? "" : "s"),
						 errdetail("Whether a mailer listens is decided, and the rows announced, when the transaction commits; a prepared transaction cannot announce."),
						 errhint("Commit it without PREPARE TRANSACTION, or write the outbox under iso28000.notify_announce = off."),
						 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
						 err_generic_string(PG_DIAG_TABLE_NAME, "notification")));
			break;
		case XACT_EVENT_COMMIT:
			if (nl_wake)
			{
				nl_wake = false;
				nl_wake_waiters();	/* the commit is visible: ProcArrayEndTransaction ran */
			}
			/* FALLTHROUGH */
		case XACT_EVENT_PREPARE:
			nl_wake = false;
			nl_npending = 0;
			if (nl_unlisten_sub != InvalidSubTransactionId)
				nl_release();
			nl_listen_sub = InvalidSubTransactionId;
			nl_unlisten_sub = InvalidSubTransactionId;
			break;
		case XACT_EVENT_ABORT:
			nl_wake = false;
			nl_npending = 0;
			/* the LISTEN of this transaction is undone: so is its lock */
			if (nl_listen_sub != InvalidSubTransactionId)
				nl_release();
			nl_listen_sub = InvalidSubTransactionId;
			nl_unlisten_sub = InvalidSubTransactionId;
			break;
		default:
			break;
	}
}

static void
nl_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	int			kept = 0;

	switch (event)
	{
		case SUBXACT_EVENT_ABORT_SUB:
			for (int i = 0; i < nl_npending; i++)
				if (nl_pending[i].sub != mySubid)
					nl_pending[kept++] = nl_pending[i];
			nl_npending = kept;
			if (nl_listen_sub == mySubid)
			{
				nl_release();
				nl_listen_sub = InvalidSubTransactionId;
			}
			if (nl_unlisten_sub == mySubid)
				nl_unlisten_sub = InvalidSubTransactionId;
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			for (int i = 0; i < nl_npending; i++)
				if (nl_pending[i].sub == mySubid)
					nl_pending[i].sub = parentSubid;
			if (nl_listen_sub == mySubid)
				nl_listen_sub = parentSubid;
			if (nl_unlisten_sub == mySubid)
				nl_unlisten_sub = parentSubid;
			break;
		default:
			break;
	}
}

static void
nl_register_callbacks(void)
{
	if (!nl_callbacks)
	{
		RegisterXactCallback(nl_xact_callback, NULL);
		RegisterSubXactCallback(nl_subxact_callback, NULL);
		nl_callbacks = true;
	}
}

/* See notification.h. */
void
notification_listen_keep(const int64 *ids, int n)
{
	SubTransactionId sub = GetCurrentSubTransactionId();

	nl_register_callbacks();
	if (nl_npending + n > nl_cap)
	{
		int			cap = Max(nl_cap * 2, Max(nl_npending + n, 16));

		nl_pending = nl_pending == NULL
			? MemoryContextAlloc(TopMemoryContext, sizeof(NlPending) * cap)
			: repalloc(nl_pending, sizeof(NlPending) * cap);
		nl_cap = cap;
	}
	for (int i = 0; i < n; i++)
	{
		nl_pending[nl_npending].id = ids[i];
		nl_pending[nl_npending].sub = sub;
		nl_npending++;
	}
}

/* Refuses a role that reads no organisation's notifications (IS553). */
static void
nl_check_reader(const char *fn)
{
	int64	   *orgs;

	if (superuser())
		return;
	if (membership_orgs(GetUserId(), "read", 4, &orgs) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_NOTIFY_LISTENER),
				 errmsg("role \"%s\" cannot %s the notification outbox: it reads no organisation",
						GetUserNameFromId(GetUserId(), false), fn),
				 errdetail("A mailer reads the rows it is woken for: it needs level read in an organisation."),
				 errhint("A manager grants the mailer's role access with iso28000.grant_access(org, role, 'read')."),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
				 err_generic_string(PG_DIAG_TABLE_NAME, "notification")));
}

/* Starts listening for the outbox's announcements, as a mailer under any setting. */
PG_FUNCTION_INFO_V1(iso28000_listen);
Datum
iso28000_listen(PG_FUNCTION_ARGS)
{
	bool		started = false;

	nl_check_reader("listen to");
	nl_register_callbacks();
	if (!nl_listening())
	{
		LOCKTAG		tag;

		nl_tag(&tag);
		/* waits for the writers committing without announcing, and only for them */
		(void) NL_ACQUIRE(&tag, ShareLock, true, false, true);
		nl_listen_sub = GetCurrentSubTransactionId();
		started = true;
	}
	Async_Listen(NOTIFY_CHANNEL);
	nl_unlisten_sub = InvalidSubTransactionId;
	PG_RETURN_BOOL(started);
}

/* Stops listening: UNLISTEN, and the listener lock released when the transaction commits. */
PG_FUNCTION_INFO_V1(iso28000_unlisten);
Datum
iso28000_unlisten(PG_FUNCTION_ARGS)
{
	bool		was = nl_listening();

	nl_register_callbacks();
	Async_Unlisten(NOTIFY_CHANNEL);
	if (was)
		nl_unlisten_sub = GetCurrentSubTransactionId();
	PG_RETURN_BOOL(was);
}

/* The timeout of wait_for_notifications() in milliseconds; refuses NULL, negative, infinite or over a day (IS555). */
static int64
nl_wait_timeout_ms(FunctionCallInfo fcinfo)
{
	Interval   *iv = PG_ARGISNULL(0) ? NULL : PG_GETARG_INTERVAL_P(0);
	int64		usecs = 0;

	/* months (and PostgreSQL 17's infinite intervals, whose month is INT_MIN or INT_MAX) are over a day */
	if (iv != NULL && iv->month == 0 && iv->day >= 0 && iv->day <= 1)
		usecs = iv->time + (int64) iv->day * USECS_PER_DAY;
	if (iv == NULL || iv->month != 0 || iv->day < 0 || iv->day > 1 || usecs < 0 || usecs > NL_WAIT_MAX_USECS)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_NOTIFY_WAIT_TIMEOUT),
				 errmsg("the timeout of wait_for_notifications() must be from 0 to 1 day, not %s",
						iv == NULL ? "NULL"
						: DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)))),
				 errdetail("The call holds its statement's snapshot while it waits, as pg_sleep() would."),
				 errhint("Call it again in a loop, for example every minute."),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
				 err_generic_string(PG_DIAG_TABLE_NAME, "notification")));
	return usecs / 1000;
}

/*
 * Waits until an undelivered row of the outbox that the caller may read is
 * there, or the timeout: true or false.  Writers under notify_announce =
 * listen set the waiting caller's latch after they commit (see the head of
 * this file); the check with a fresh snapshot decides.
 */
PG_FUNCTION_INFO_V1(iso28000_wait_for_notifications);
Datum
iso28000_wait_for_notifications(PG_FUNCTION_ARGS)
{
	int64		timeout_ms;
	TimestampTz deadline;
	LOCKTAG		tag;
	SPIPlanPtr	plan;
	bool		found = false;
	int			events = WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH;
	pgsocket	sock = PGINVALID_SOCKET;

	nl_check_reader("wait for");
	timeout_ms = nl_wait_timeout_ms(fcinfo);
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_NOTIFY_WAIT_SNAPSHOT),
				 errmsg("cannot wait for notifications in a %s transaction",
						IsolationIsSerializable() ? "SERIALIZABLE" : "REPEATABLE READ"),
				 errdetail("The transaction's snapshot would never show the rows committed while it waits."),
				 errhint("Call it in a READ COMMITTED transaction, for example in autocommit."),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
				 err_generic_string(PG_DIAG_TABLE_NAME, "notification")));
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);

	/* a lock of this transaction, the writers' list of whom to wake; only waiters take it, never in conflict */
	nl_wait_tag(&tag);
	(void) NL_ACQUIRE(&tag, ShareLock, false, false, true);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* as the caller: its row-level security decides which rows it may see */
	plan = SPI_prepare("SELECT 1 FROM iso28000.notification WHERE delivered_at IS NULL LIMIT 1", 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not prepare the outbox's check: %s", SPI_result_code_string(SPI_result));
	/* a mailer that disconnects while it waits ends its backend, as client_connection_check_interval would */
	if (MyProcPort != NULL && MyProcPort->sock != PGINVALID_SOCKET && WaitEventSetCanReportClosed())
	{
		events |= WL_SOCKET_CLOSED;
		sock = MyProcPort->sock;
	}
	for (;;)
	{
		long		left;
		int			rc;

		ResetLatch(MyLatch);
		/* read_only = false: a new snapshot for each check (READ COMMITTED) */
		rc = SPI_execute_plan(plan, NULL, NULL, false, 1);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not read the outbox: %s", SPI_result_code_string(rc));
		found = SPI_processed > 0;
		SPI_freetuptable(SPI_tuptable);
		if (found)
			break;
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		if (left <= 0)
			break;
		rc = WaitLatchOrSocket(MyLatch, events, sock, Min(left, NL_WAIT_RECHECK_MS), PG_WAIT_EXTENSION);
		if (rc & WL_SOCKET_CLOSED)
		{
			ClientConnectionLost = true;	/* ProcessInterrupts ends the backend: FATAL 08006 */
			InterruptPending = true;
		}
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	/* the lock is for waiting only: a call that returned is not woken */
	LockRelease(&tag, ShareLock, false);
	PG_RETURN_BOOL(found);
}
