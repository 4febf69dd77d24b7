/*
 * notification.h
 *		The notification outbox's triggers in C (src/notification.c).
 */
#ifndef ISO28000_NOTIFICATION_H
#define ISO28000_NOTIFICATION_H

#include "fmgr.h"

#define NOTIFY_CHANNEL "iso28000_notification"

/* The columns a register's trigger writes (NT_COLUMNS), then the stamps notification_stamp sets. */
#define NS_NCOLS 11
#define NS_NSTAMPS 5

/* Defines the settings iso28000.notify_announce and iso28000.notify_direct (once; from _PG_init). */
extern void notification_define_guc(void);

/* Whether rows written to the outbox are announced (iso28000.notify_announce). */
extern bool notification_announces(void);

/*
 * Announces each id on channel iso28000_notification, in the order of the ids
 * (sorts ids), as iso28000.notify_announce says: now ('row'), at commit if a
 * mailer listens ('listen'), or not at all ('off').
 */
extern void notification_announce_ids(int64 *ids, int n);

/*
 * Defines iso28000.notify_commit_lock and registers the callbacks that take
 * PostgreSQL's NOTIFY lock at commit for a transaction that announced
 * (src/notification_commit.c; once, from notification_define_guc()).
 */
extern void notification_commit_define_guc(void);

/*
 * Announces each id on channel iso28000_notification now, in the order of
 * the ids (sorts ids), and notes that the current (sub)transaction did, so
 * that its commit takes the NOTIFY lock as iso28000.notify_commit_lock says.
 * The one place the extension queues its announcements.
 */
extern void notification_commit_notify(int64 *ids, int n);

/* Keeps ids for the end of the transaction, announced then if a mailer listens (src/notification_listen.c). */
extern void notification_listen_keep(const int64 *ids, int n);

extern PGDLLEXPORT Datum iso28000_listen(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum iso28000_unlisten(PG_FUNCTION_ARGS);

/*
 * The stamps of a row inserted into the outbox for organisation org (when
 * has_org), in this order: actor, actor_person, created_at, delivered_at,
 * delivered_by; what notification_stamp() sets.
 */
extern void notification_stamp_insert(bool has_org, int64 org, Datum *vals, bool *nulls);

/* Marks what the registers' trigger keeps of register relid (or of all: InvalidOid) stale. */
extern void notification_registers_invalidate(Oid relid);

extern PGDLLEXPORT Datum iso28000_notification_stamp(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum iso28000_notification_announce(PG_FUNCTION_ARGS);

#endif							/* ISO28000_NOTIFICATION_H */
