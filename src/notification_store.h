/*
 * notification_store.h
 *		Writing a register statement's notifications into the outbox without
 *		the executor, where that is equivalent (src/notification_store.c).
 */
#ifndef ISO28000_NOTIFICATION_STORE_H
#define ISO28000_NOTIFICATION_STORE_H

#include "utils/relcache.h"

/* Defines the setting iso28000.notify_direct (from notification_define_guc()). */
extern void notification_store_define_guc(void);

/* Drops what is known of the outbox when relid (or everything: InvalidOid) is invalidated. */
extern void notification_store_invalidate(Oid relid);

/*
 * Writes nrows notifications (column c of row r in v[c][r], isnull[c][r], in
 * the order of NT_COLUMNS; column 3, the register, is regd for every row)
 * for a statement on register reg, whose org_id is column reg_org_att, and
 * announces them.  Returns false, having written nothing, where the direct
 * path does not apply or a row fails a check: the caller then writes them
 * through the executor, which writes or refuses them itself.
 */
extern bool notification_store_write(Relation reg, AttrNumber reg_org_att, int nrows,
									 Datum **v, bool **isnull, Datum regd);

/*
 * Why a statement on reg (NULL: any register) would go through the
 * executor, or NULL when it would be written directly (privileges and the
 * outbox's row-level security aside, which each row decides).
 */
extern const char *notification_store_refuses(Relation reg, AttrNumber reg_org_att);

#endif							/* ISO28000_NOTIFICATION_STORE_H */
