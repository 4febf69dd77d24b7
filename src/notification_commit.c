/*
 * notification_commit.c
 *		How a transaction that announced outbox rows takes PostgreSQL's NOTIFY
 *		lock at its commit (iso28000.notify_commit_lock).
 *
 * PostgreSQL makes every transaction that queued a notification take one lock
 * at its commit (PreCommit_Notify: AccessExclusiveLock on the shared object
 * "database 0", pg_locks locktype object, classid pg_database, objid 0) and
 * hold it to the end of the commit, so that listeners hear transactions in
 * the order they committed.  Notifying writers commit one at a time.  Waiting
 * in that lock's queue is what makes it slow on a busy machine: a committing
 * writer releases the lock to the first waiter, asleep, and the lock stays
 * granted to it, unused, until the scheduler runs it; with more writers than
 * cores that takes longer than the commit itself (bench/announce.sh: a plain
 * table whose UPDATE sends one NOTIFY keeps about 0.4x of its throughput
 * with 8 clients on 2 cores).
 *
 * Under 'retry' (the default) a transaction that announced outbox rows
 * (notification_commit_notify(): under 'row' as it writes them, under
 * 'listen' at commit) asks for the same lock itself, without waiting, from
 * a pre-commit callback registered when the library is loaded (PostgreSQL
 * calls the latest registered first: this one comes after the extension's
 * others and any registered since, before those registered earlier);
 * refused, it sleeps NC_RETRY_SLEEP_US and asks again, so the lock goes to a
 * writer that is running, not to one that must first be woken.
 * PreCommit_Notify then finds it held.  Nothing else changes: the same lock,
 * in the same mode, held to the same end, taken after the deferred triggers
 * and the extension's other pre-commit callbacks.  What keeps it fair:
 *
 * - a request without waiting is refused while anyone waits in the lock's
 *   queue (LockAcquire checks the queue's wait mask first), so a session
 *   that waits there (any other application's NOTIFY, a writer under
 *   'queue') is served before every writer that retries;
 * - a writer that was refused for NC_RETRY_MAX_US waits in the queue like
 *   any other, and is then served before those that retry: no writer is
 *   passed over for ever;
 * - a cancel or a timeout interrupts the retries as it would the wait;
 * - while it sleeps between two requests, pg_stat_activity shows the writer
 *   waiting (wait_event_type and wait_event Extension).
 *
 * What moves: the lock is taken just before PostgreSQL's last pre-commit
 * steps instead of just after them (ON COMMIT DELETE ROWS and ON COMMIT DROP
 * of temporary tables, the sync of relations the transaction created under
 * wal_level minimal, large objects, the serializable check), so it is also
 * held while they run.  Where Citus is loaded (shared_preload_libraries:
 * its settings are defined) writers wait in the queue as PostgreSQL makes
 * them: Citus's pre-commit callback, which talks to the other nodes, runs
 * after the extension's, and the lock would be held across it.
 *
 * Only the extension's own announcements retry: a transaction whose
 * announcing subtransactions all rolled back (PostgreSQL drops their
 * notifications) takes no lock, and one that queued only its own NOTIFYs
 * waits as PostgreSQL makes it.  'queue' restores PostgreSQL's wait.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_database.h"
#include "commands/async.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "citus_compat.h"
#include "notification.h"

/* Sleep between two requests, and how long a writer retries before it waits in the queue. */
#define NC_RETRY_SLEEP_US 50
#define NC_RETRY_MAX_US 10000

typedef enum
{
	NC_LOCK_RETRY,
	NC_LOCK_QUEUE
} NcLock;

static const struct config_enum_entry nc_lock_options[] = {
	{"retry", NC_LOCK_RETRY, false},
	{"queue", NC_LOCK_QUEUE, false},
	{NULL, 0, false}
};
static int	nc_lock = NC_LOCK_RETRY;

/*
 * The outermost subtransaction still alive in which this transaction
 * announced (InvalidSubTransactionId: none).  A subtransaction rolled back
 * drops what it and its children announced, and those alone are the ones at
 * or above its id (every subtransaction begun after it is its child); one
 * committed hands them to its parent.
 */
static SubTransactionId nc_announced_in = InvalidSubTransactionId;

/* Every LockAcquire of PostgreSQL's NOTIFY lock, as PreCommit_Notify makes its tag. */
static void
nc_tag(LOCKTAG *tag)
{
	SET_LOCKTAG_OBJECT(*tag, InvalidOid, DatabaseRelationId, InvalidOid, 0);
}

/* Takes the NOTIFY lock for this transaction's commit, retrying without waiting first. */
static void
nc_take_lock(void)
{
	LOCKTAG		tag;
	TimestampTz start = 0;

	nc_tag(&tag);
	for (;;)
	{
		if (LockAcquire(&tag, AccessExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL)
			return;
		if (start == 0)
			start = GetCurrentTimestamp();
		else if (TimestampDifferenceExceeds(start, GetCurrentTimestamp(), NC_RETRY_MAX_US / 1000))
			break;
		CHECK_FOR_INTERRUPTS();
		/* pg_stat_activity: wait_event_type Extension, wait_event Extension */
		pgstat_report_wait_start(PG_WAIT_EXTENSION);
		pg_usleep(NC_RETRY_SLEEP_US);
		pgstat_report_wait_end();
	}
	/* in the queue, like PreCommit_Notify (lock_timeout and deadlocks as there) */
	(void) LockAcquire(&tag, AccessExclusiveLock, false, false);
}

static void
nc_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			if (nc_announced_in != InvalidSubTransactionId && nc_lock == NC_LOCK_RETRY &&
				!iso28000_citus_loaded())
				nc_take_lock();
			nc_announced_in = InvalidSubTransactionId;
			break;
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			break;
		default:
			nc_announced_in = InvalidSubTransactionId;
			break;
	}
}

static void
nc_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	if (nc_announced_in == InvalidSubTransactionId || nc_announced_in < mySubid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		nc_announced_in = InvalidSubTransactionId;
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		nc_announced_in = parentSubid;
}

/* See notification.h. */
void
notification_commit_define_guc(void)
{
	DefineCustomEnumVariable("iso28000.notify_commit_lock",
							 "How a transaction that announced outbox rows takes PostgreSQL's NOTIFY lock at commit.",
							 "retry: asks without waiting, again every 50 microseconds, and waits in the "
							 "lock's queue after 10 milliseconds; queue: waits in the queue at once, as "
							 "PostgreSQL does.",
							 &nc_lock, NC_LOCK_RETRY, nc_lock_options,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	/* registered before any of the extension's other callbacks: called after them */
	RegisterXactCallback(nc_xact_callback, NULL);
	RegisterSubXactCallback(nc_subxact_callback, NULL);
}

static int
nc_cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* See notification.h. */
void
notification_commit_notify(int64 *ids, int n)
{
	SubTransactionId cur = GetCurrentSubTransactionId();

	if (n == 0)
		return;
	if (n > 1)
		qsort(ids, n, sizeof(int64), nc_cmp_int64);
	for (int i = 0; i < n; i++)
	{
		char		payload[32];

		snprintf(payload, sizeof(payload), INT64_FORMAT, ids[i]);
		Async_Notify(NOTIFY_CHANNEL, payload);
	}
	/* the outermost live (sub)transaction that announced */
	if (nc_announced_in == InvalidSubTransactionId || cur < nc_announced_in)
		nc_announced_in = cur;
}
