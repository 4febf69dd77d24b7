/*
 * history_store.h
 *		Writing the history chain without the executor, on a single node.
 *
 * The recorder (history.c) locks an organisation's chain head, appends its
 * records and moves the head.  Through SPI each of those is a whole executor
 * round trip (snapshot, plan check, executor start and end), which is most of
 * what the history costs a single-row statement.  history_store.c does the
 * same three things with the table access method directly, as PostgreSQL's
 * own catalog code does (CatalogTupleInsert, CatalogTupleUpdate), when the two
 * tables are plain local tables whose every index it can maintain and that
 * have no trigger, rule or check constraint on the operations it performs;
 * otherwise (Citus, where the history is distributed, or a changed schema)
 * history_store_usable() says no and the recorder uses SPI as before.
 */
#ifndef ISO28000_HISTORY_STORE_H
#define ISO28000_HISTORY_STORE_H

#include "postgres.h"

#include "access/htup.h"
#include "storage/itemptr.h"

#include "history.h"

/* Columns of iso28000.history that the recorder fills, in this order. */
#define HISTORY_NCOLS 14
extern const char *const history_colnames[HISTORY_NCOLS];

/*
 * True when the history and its heads can be written directly: no Citus in
 * this database, both tables plain with only column btree indexes, no
 * trigger on INSERT (history) or UPDATE (heads), no rule, no check
 * constraint, no forced row-level security, no column the recorder does not
 * fill.  Decided once and kept until either table's relcache entry is
 * invalidated.
 */
extern bool history_store_usable(void);

/*
 * Locks an organisation's head (SELECT ... FOR UPDATE semantics: waits for a
 * concurrent writer, then in READ COMMITTED takes its latest version, and in
 * REPEATABLE READ or SERIALIZABLE fails with 40001 if it moved); returns its
 * seq, hash and the tid of the locked version.  False when the organisation
 * has no head yet.
 */
extern bool history_store_lock_head(int64 org_id, int64 *seq, uint8 *hash, ItemPointer tid);

/*
 * Opens the history and its indexes for a statement's records; history_store_end()
 * closes them (after an error, the transaction's end closed them).
 */
extern void history_store_begin(void);
extern void history_store_end(void);

/* Appends one record: values and nulls in the order of history_colnames, ncols of them. */
extern void history_store_insert(Datum *values, bool *nulls, int ncols);

/*
 * A record formed before its organisation's head is taken: the tuple, with
 * placeholders for what the head decides (seq, prev_hash, hash), and where
 * in it those are (history_store_form()).
 */
typedef struct HistoryFormed
{
	HeapTuple	tup;
	char	   *seq;			/* the int8's bytes */
	char	   *prev_hash;		/* the two hashes' 32 bytes */
	char	   *hash;
} HistoryFormed;

/*
 * Forms a record as history_store_insert() would (values and nulls in the
 * order of history_colnames, ncols of them, seq and the two hashes any
 * placeholder of their size), in the current memory context; NULL when its
 * seq or hashes are not where they can be written in place.
 */
extern HeapTuple history_store_form(Datum *values, bool *nulls, int ncols, HistoryFormed *f);

/* Appends a formed record, its seq and hashes written in (as history_store_insert()). */
extern void history_store_insert_formed(HistoryFormed *f, int64 seq, const uint8 *prev_hash,
										const uint8 *hash);

/* Moves a head that this transaction holds locked (at *tid); *tid becomes its new version. */
extern void history_store_move_head(int64 org_id, int64 seq, const uint8 *hash,
									TimestampTz moved_at, ItemPointer tid);

/* Forgets what is known of the two tables when relid (or every relation) is invalidated. */
extern void history_store_invalidate(Oid relid);

#endif							/* ISO28000_HISTORY_STORE_H */
