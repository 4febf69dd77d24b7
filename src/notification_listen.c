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
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/async.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "iso28000_errcodes.h"
#include "membership.h"
#include "notification.h"

/* The fourth field of the listener lock's tag: no SQL function makes it. */
#define NL_LOCK_CLASS 28000

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

static int
nl_cmp(const void *a, const void *b)
{
	int64		x = ((const NlPending *) a)->id;
	int64		y = ((const NlPending *) b)->id;

	return (x > y) - (x < y);
}

/* Announces every kept id, in the order of the ids. */
static void
nl_announce_kept(void)
{
	if (nl_npending > 1)
		qsort(nl_pending, nl_npending, sizeof(NlPending), nl_cmp);
	for (int i = 0; i < nl_npending; i++)
	{
		char		payload[32];

		snprintf(payload, sizeof(payload), INT64_FORMAT, nl_pending[i].id);
		Async_Notify(NOTIFY_CHANNEL, payload);
	}
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
		case XACT_EVENT_PREPARE:
			nl_npending = 0;
			if (nl_unlisten_sub != InvalidSubTransactionId)
				nl_release();
			nl_listen_sub = InvalidSubTransactionId;
			nl_unlisten_sub = InvalidSubTransactionId;
			break;
		case XACT_EVENT_ABORT:
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
