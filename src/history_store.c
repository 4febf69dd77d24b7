/*
 * history_store.c
 *		Writing the history chain without the executor (history_store.h).
 *
 * What SPI did and what stands in for it here:
 *
 * - SELECT seq, hash, ctid FROM history_head WHERE org_id = $1 FOR UPDATE:
 *   an index scan of the head's primary key with the statement's snapshot
 *   (a new one in READ COMMITTED, the transaction's otherwise), then
 *   table_tuple_lock() in exclusive mode, waiting, and in READ COMMITTED
 *   following the row to its latest version, exactly as ExecLockRows() does;
 *   in REPEATABLE READ and SERIALIZABLE a head moved by a concurrent
 *   transaction is a serialization failure (40001), as there.
 * - INSERT INTO history ...: heap insert (which toasts large images) and an
 *   entry in each index, unique ones checked, as CatalogTupleInsert() does.
 * - UPDATE history_head SET seq, hash, moved_at WHERE ctid = $tid: heap
 *   update of the locked version (a heap-only tuple when it fits, no index
 *   entry then), as CatalogTupleUpdate() does.
 *
 * Each step first advances the command counter, as SPI does before every
 * statement, so that a head created or moved earlier in the same command
 * (two statement triggers of one INSERT ... ON CONFLICT) is visible and not
 * "updated by self".  Everything runs as the history's owner, who bypasses
 * the tables' row-level security as it did through SPI; no function looked
 * up by name runs (the only operator is int8 equality, by its OID).
 *
 * When it applies (history_store_usable()).  The executor would also fire
 * triggers, apply rules and check constraints, and on Citus route the write
 * to the shard of the organisation.  None of that applies to the extension's
 * own tables on a single node, and the check is made once per backend and
 * again whenever either table's relcache entry is invalidated (CREATE INDEX,
 * CREATE TRIGGER, ALTER TABLE, and Citus distributing them): if anything is
 * there that this file would skip, the recorder uses SPI.
 */
#include "iso28000_compat.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/tuptable.h"
#include "nodes/execnodes.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "engines.h"
#include "history_store.h"

const char *const history_colnames[HISTORY_NCOLS] = {
	"org_id", "seq", "recorded_at", "session_role", "acting_role", "txid", "table_name",
	"operation", "row_key", "before_image", "after_image", "prev_hash", "hash", "acting_person"
};

/* Columns of history_head, in this order. */
#define HEAD_NCOLS 4
static const char *const head_colnames[HEAD_NCOLS] = {"org_id", "seq", "hash", "moved_at"};

/* What is known of the two tables, kept until either is invalidated. */
static struct
{
	bool		valid;
	bool		usable;
	Oid			history;
	Oid			head;
	Oid			head_index;		/* the head's primary key */
	AttrNumber	hist_attnum[HISTORY_NCOLS]; /* 0: no such column (0.1.0's acting_person) */
	AttrNumber	head_attnum[HEAD_NCOLS];
	/* The history's indexes and their IndexInfo, made at the first opening (store_open()). */
	bool		hist_indexes;
	int			hist_nidx;
	Oid		   *hist_idx;
	IndexInfo **hist_info;
	MemoryContext cxt;			/* holds them */
}			store;

/*
 * The head opened by history_store_lock_head(), kept for the move of the head
 * that follows (history_store_move_head()); forgotten by history_store_begin(),
 * which every link or statement calls first (after an error the transaction's
 * end closed it).
 */
static Relation head_rel = NULL;

/*
 * Where this backend last saw each organisation's head: the tid of the
 * version it locked or made, kept across transactions (see lock_seen_head()).
 * Only a hint: every use checks what is there.  Forgotten with the rest when
 * either table is invalidated (a rewrite gives the head new tids).
 */
typedef struct SeenHead
{
	int64		org_id;			/* hash key */
	ItemPointerData tid;
} SeenHead;

static HTAB *seen_heads = NULL;
static bool seen_heads_valid = false;

/* See history_store.h; called from the engines' relcache callback. */
void
history_store_invalidate(Oid relid)
{
	bool		hit = !OidIsValid(relid) || relid == store.history || relid == store.head ||
		relid == store.head_index;
	int			i;

	for (i = 0; !hit && store.hist_indexes && i < store.hist_nidx; i++)
		hit = (relid == store.hist_idx[i]);
	if (hit)
	{
		store.valid = false;
		store.hist_indexes = false;
		seen_heads_valid = false;
	}
}

/* The seen heads, emptied if they were invalidated since the last use. */
static HTAB *
seen_heads_table(void)
{
	if (!seen_heads_valid && seen_heads != NULL)
	{
		hash_destroy(seen_heads);
		seen_heads = NULL;
	}
	seen_heads_valid = true;
	if (seen_heads == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(SeenHead);
		ctl.hcxt = TopMemoryContext;
		seen_heads = hash_create("iso28000 seen history heads", 16, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return seen_heads;
}

/* Notes the tid of an organisation's head version that this backend locked or made. */
static void
seen_head_note(int64 org_id, ItemPointer tid)
{
	SeenHead   *seen = hash_search(seen_heads_table(), &org_id, HASH_ENTER, NULL);

	ItemPointerCopy(tid, &seen->tid);
}

/* Finds the attribute of each named column; false when a non-dropped column is none of them. */
static bool
map_columns(Relation rel, const char *const *names, int nnames, AttrNumber *attnums)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i,
				j;

	memset(attnums, 0, sizeof(AttrNumber) * nnames);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		for (j = 0; j < nnames; j++)
			if (strcmp(NameStr(att->attname), names[j]) == 0)
				break;
		if (j == nnames || att->attgenerated)
			return false;
		attnums[j] = att->attnum;
	}
	return true;
}

/*
 * True when every index of rel is one this file maintains correctly: a ready,
 * valid btree on plain columns, no expression, no predicate, not deferrable,
 * no exclusion constraint.
 */
static bool
indexes_plain(Relation rel, Oid *primary)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	bool		ok = true;

	*primary = InvalidOid;
	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index ind = idx->rd_index;

		if (idx->rd_rel->relam != BTREE_AM_OID || !ind->indisvalid || !ind->indisready ||
			!ind->indimmediate || ind->indisexclusion ||
			!heap_attisnull(idx->rd_indextuple, Anum_pg_index_indexprs, NULL) ||
			!heap_attisnull(idx->rd_indextuple, Anum_pg_index_indpred, NULL))
			ok = false;
		if (ind->indisprimary)
			*primary = RelationGetRelid(idx);
		index_close(idx, AccessShareLock);
	}
	list_free(indexes);
	return ok;
}

/* Decides whether the two tables can be written directly (see history_store.h). */
static bool
store_check(void)
{
	const EngineCatalog *c = engine_catalog();
	Relation	hist;
	Relation	head;
	bool		ok = true;
	Oid			hist_pk;

	store.history = c->history;
	store.head = c->history_head;
	store.head_index = InvalidOid;
	if (!OidIsValid(c->history) || !OidIsValid(c->history_head))
		return false;
	/* On Citus the history is (or may become) distributed: its writes must be routed. */
	if (OidIsValid(get_extension_oid("citus", true)))
		return false;

	hist = table_open(c->history, AccessShareLock);
	head = table_open(c->history_head, AccessShareLock);

	if (hist->rd_rel->relkind != RELKIND_RELATION || head->rd_rel->relkind != RELKIND_RELATION ||
		hist->rd_rel->relforcerowsecurity || head->rd_rel->relforcerowsecurity ||
		hist->rd_rel->relhasrules || head->rd_rel->relhasrules ||
		hist->rd_rel->relchecks > 0 || head->rd_rel->relchecks > 0)
		ok = false;
	if (ok && hist->trigdesc != NULL &&
		(hist->trigdesc->trig_insert_before_row || hist->trigdesc->trig_insert_after_row ||
		 hist->trigdesc->trig_insert_instead_row || hist->trigdesc->trig_insert_before_statement ||
		 hist->trigdesc->trig_insert_after_statement))
		ok = false;
	if (ok && head->trigdesc != NULL &&
		(head->trigdesc->trig_update_before_row || head->trigdesc->trig_update_after_row ||
		 head->trigdesc->trig_update_instead_row || head->trigdesc->trig_update_before_statement ||
		 head->trigdesc->trig_update_after_statement))
		ok = false;
	if (ok && (!map_columns(hist, history_colnames, HISTORY_NCOLS, store.hist_attnum) ||
			   !map_columns(head, head_colnames, HEAD_NCOLS, store.head_attnum)))
		ok = false;
	/* Every column but 0.1.0's acting_person is there; org_id is the head's key. */
	if (ok)
	{
		int			i;

		for (i = 0; i < HISTORY_NCOLS - 1; i++)
			if (store.hist_attnum[i] == 0)
				ok = false;
		for (i = 0; i < HEAD_NCOLS; i++)
			if (store.head_attnum[i] == 0)
				ok = false;
	}
	if (ok && (!indexes_plain(hist, &hist_pk) || !indexes_plain(head, &store.head_index) ||
			   !OidIsValid(store.head_index)))
		ok = false;
	if (ok)
	{
		Relation	idx = index_open(store.head_index, AccessShareLock);

		/* The head is found by its primary key on org_id alone. */
		if (idx->rd_index->indnkeyatts != 1 ||
			idx->rd_index->indkey.values[0] != store.head_attnum[0])
			ok = false;
		index_close(idx, AccessShareLock);
	}

	table_close(head, AccessShareLock);
	table_close(hist, AccessShareLock);
	return ok;
}

/* See history_store.h. */
bool
history_store_usable(void)
{
	(void) engine_catalog();	/* registers the callback that invalidates us */
	while (!store.valid)
	{
		store.valid = true;
		store.usable = store_check();
	}
	return store.usable;
}

/* A table opened for writing with its indexes (as ExecOpenIndices() opens them). */
typedef struct StoreRel
{
	Relation	rel;
	int			nidx;
	Relation   *idx;
	IndexInfo **info;
} StoreRel;

/* Opens a table and its indexes for writing. */
static void
store_open(StoreRel *s, Oid relid)
{
	List	   *indexes;
	ListCell   *lc;

	s->rel = table_open(relid, RowExclusiveLock);
	indexes = RelationGetIndexList(s->rel);
	s->nidx = 0;
	s->idx = palloc(sizeof(Relation) * Max(list_length(indexes), 1));
	s->info = palloc(sizeof(IndexInfo *) * Max(list_length(indexes), 1));
	foreach(lc, indexes)
	{
		s->idx[s->nidx] = index_open(lfirst_oid(lc), RowExclusiveLock);
		s->info[s->nidx] = BuildIndexInfo(s->idx[s->nidx]);
		s->nidx++;
	}
	list_free(indexes);
}

/*
 * Opens the history and its indexes for writing, with the index list and
 * IndexInfo kept from the first opening after the tables were last checked
 * (history_store_usable()): a new, dropped or rebuilt index changes the
 * history's relcache entry, and an index's own invalidation is watched too
 * (history_store_invalidate()), so what is kept is what store_open() would
 * build.  The locks are taken every time, as there.
 */
static void
history_open(StoreRel *s)
{
	int			i;

	s->rel = table_open(store.history, RowExclusiveLock);
	if (!store.hist_indexes)
	{
		List	   *indexes = RelationGetIndexList(s->rel);
		ListCell   *lc;
		MemoryContext old;

		if (store.cxt == NULL)
			store.cxt = AllocSetContextCreate(TopMemoryContext, "iso28000 history store",
											  ALLOCSET_SMALL_SIZES);
		MemoryContextReset(store.cxt);
		store.hist_nidx = 0;
		store.hist_idx = MemoryContextAlloc(store.cxt, sizeof(Oid) * Max(list_length(indexes), 1));
		store.hist_info = MemoryContextAlloc(store.cxt, sizeof(IndexInfo *) * Max(list_length(indexes), 1));
		/* an invalidation while the indexes are opened resets it */
		store.hist_indexes = true;
		foreach(lc, indexes)
		{
			Relation	idx = index_open(lfirst_oid(lc), RowExclusiveLock);

			old = MemoryContextSwitchTo(store.cxt);
			store.hist_info[store.hist_nidx] = BuildIndexInfo(idx);
			MemoryContextSwitchTo(old);
			store.hist_idx[store.hist_nidx++] = lfirst_oid(lc);
			index_close(idx, NoLock);
		}
		list_free(indexes);
	}
	s->nidx = store.hist_nidx;
	s->idx = palloc(sizeof(Relation) * Max(s->nidx, 1));
	s->info = store.hist_info;
	for (i = 0; i < s->nidx; i++)
		s->idx[i] = index_open(store.hist_idx[i], RowExclusiveLock);
}

/* Closes what store_open() opened (the locks are kept to the end of the transaction). */
static void
store_close(StoreRel *s)
{
	int			i;

	for (i = 0; i < s->nidx; i++)
		index_close(s->idx[i], NoLock);
	table_close(s->rel, NoLock);
	pfree(s->idx);
	if (s->info != store.hist_info)
		pfree(s->info);
	s->rel = NULL;
}

/* Inserts the index entries of a heap tuple just written (not heap-only), as CatalogIndexInsert() does. */
static void
insert_index_entries(StoreRel *s, HeapTuple tup, bool unchanged)
{
	TupleDesc	desc = RelationGetDescr(s->rel);
	int			n;

	for (n = 0; n < s->nidx; n++)
	{
		IndexInfo  *info = s->info[n];
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];
		int			i;

		for (i = 0; i < info->ii_NumIndexAttrs; i++)
			values[i] = heap_getattr(tup, info->ii_IndexAttrNumbers[i], desc, &isnull[i]);
		index_insert(s->idx[n], values, isnull, &tup->t_self, s->rel,
					 info->ii_Unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO, unchanged, info);
	}
}

/* The history, open for the records of one statement (history_store_begin()). */
static StoreRel writer;

/*
 * Locks an organisation's head starting from the version this backend saw
 * last (seen_heads), without the index scan: the scan finds the row's root
 * and walks its heap-only versions, one visibility check (often a commit log
 * look-up) per version made since the page was last pruned, and the head
 * gets one version per linking transaction.  The seen version is used only
 * when its line pointer still holds a tuple of this organisation's head that
 * heap_lock_tuple() can lock (inserted by a committed transaction, or by this
 * one before this command); the lock, in exclusive mode, waiting, follows
 * the row to its latest version (TUPLE_LOCK_FLAG_FIND_LAST_VERSION), as
 * after the index scan in READ COMMITTED.  Used only in READ COMMITTED: a
 * transaction snapshot must see the version it locks.  A line pointer freed
 * and reused for a tuple of another organisation, a version made by an
 * aborted transaction, a chain that ends in a deletion or a page gone with a
 * truncation: false, and the caller scans the index.  The buffer stays
 * pinned from the check to the lock, so no pruning frees the tuple between.
 */
static bool
lock_seen_head(Relation rel, int64 org_id, TupleTableSlot *slot, Snapshot snap)
{
	SeenHead   *seen = hash_search(seen_heads_table(), &org_id, HASH_FIND, NULL);
	ItemPointerData at;
	BlockNumber blk;
	OffsetNumber off;
	Buffer		buf;
	Page		page;
	CommandId	cid;
	bool		usable = false;
	TM_FailureData tmfd;
	TM_Result	res = TM_Invisible;

	if (seen == NULL || IsolationUsesXactSnapshot())
		return false;
	ItemPointerCopy(&seen->tid, &at);
	blk = ItemPointerGetBlockNumber(&at);
	off = ItemPointerGetOffsetNumber(&at);
	if (blk >= RelationGetNumberOfBlocks(rel))
		return false;
	cid = GetCurrentCommandId(true);
	buf = ReadBuffer(rel, blk);
	heap_page_prune_opt(rel, buf);	/* as an index fetch of the page would */
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page))
	{
		ItemId		lp = PageGetItemId(page, off);

		if (ItemIdIsNormal(lp))
		{
			HeapTupleData tup;
			bool		isnull;
			Datum		d;

			tup.t_data = (HeapTupleHeader) PageGetItem(page, lp);
			tup.t_len = ItemIdGetLength(lp);
			tup.t_tableOid = RelationGetRelid(rel);
			ItemPointerCopy(&at, &tup.t_self);
			d = heap_getattr(&tup, store.head_attnum[0], RelationGetDescr(rel), &isnull);
			usable = !isnull && DatumGetInt64(d) == org_id &&
				HeapTupleSatisfiesUpdate(&tup, cid, buf) != TM_Invisible;
		}
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	if (usable)
		res = table_tuple_lock(rel, &at, snap, slot, cid, LockTupleExclusive, LockWaitBlock,
							   TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd);
	ReleaseBuffer(buf);
	if (res == TM_Ok)
		return true;
	if (res == TM_Updated && ItemPointerIndicatesMovedPartitions(&tmfd.ctid))
		elog(ERROR, "history head of organisation " INT64_FORMAT " moved to another partition", org_id);
	return false;
}

/* See history_store.h. */
bool
history_store_lock_head(int64 org_id, int64 *seq, uint8 *hash, ItemPointer tid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	found;
	ItemPointerData at;
	Snapshot	snap;
	TupleTableSlot *slot;
	TM_FailureData tmfd;
	TM_Result	res;
	bool		isnull;
	Datum		d;
	bytea	   *b;

	CommandCounterIncrement();
	rel = table_open(store.head, RowExclusiveLock);
	snap = RegisterSnapshot(GetTransactionSnapshot());
	slot = table_slot_create(rel, NULL);

	if (!lock_seen_head(rel, org_id, slot, snap))
	{
		ScanKeyInit(&key, store.head_attnum[0], BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(org_id));
		scan = systable_beginscan(rel, store.head_index, true, snap, 1, &key);
		found = systable_getnext(scan);
		if (HeapTupleIsValid(found))
			ItemPointerCopy(&found->t_self, &at);
		systable_endscan(scan);
		if (!HeapTupleIsValid(found))
		{
			ExecDropSingleTupleTableSlot(slot);
			UnregisterSnapshot(snap);
			table_close(rel, NoLock);
			return false;
		}

		res = table_tuple_lock(rel, &at, snap, slot, GetCurrentCommandId(true),
							   LockTupleExclusive, LockWaitBlock,
							   IsolationUsesXactSnapshot() ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION,
							   &tmfd);
		switch (res)
		{
			case TM_Ok:
				break;
			case TM_Updated:
			case TM_Deleted:
				if (IsolationUsesXactSnapshot())
					ereport(ERROR,
							(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							 errmsg("could not serialize access due to concurrent update")));
				if (res == TM_Updated && ItemPointerIndicatesMovedPartitions(&tmfd.ctid))
					elog(ERROR, "history head of organisation " INT64_FORMAT " moved to another partition", org_id);
				/* Deleted under us in READ COMMITTED: as if there were none. */
				ExecDropSingleTupleTableSlot(slot);
				UnregisterSnapshot(snap);
				table_close(rel, NoLock);
				return false;
			default:
				elog(ERROR, "could not lock the history head of organisation " INT64_FORMAT ": %d",
					 org_id, (int) res);
		}
	}

	/* The latest version (READ COMMITTED) still belongs to the organisation. */
	d = slot_getattr(slot, store.head_attnum[0], &isnull);
	if (isnull || DatumGetInt64(d) != org_id)
		elog(ERROR, "history head of organisation " INT64_FORMAT " changed its organisation", org_id);
	d = slot_getattr(slot, store.head_attnum[1], &isnull);
	if (isnull)
		elog(ERROR, "history head of organisation " INT64_FORMAT " has no seq", org_id);
	*seq = DatumGetInt64(d);
	d = slot_getattr(slot, store.head_attnum[2], &isnull);
	b = isnull ? NULL : DatumGetByteaPP(d);
	if (b == NULL || VARSIZE_ANY_EXHDR(b) != HISTORY_HASH_LEN)
		elog(ERROR, "history head of organisation " INT64_FORMAT " has a malformed hash", org_id);
	memcpy(hash, VARDATA_ANY(b), HISTORY_HASH_LEN);
	ItemPointerCopy(&slot->tts_tid, tid);
	seen_head_note(org_id, tid);

	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snap);
	/* kept open for the move of the head, which follows */
	if (head_rel != NULL)
		table_close(head_rel, NoLock);
	head_rel = rel;
	return true;
}

/* See history_store.h. */
void
history_store_begin(void)
{
	/* After an error the previous statement's opening was closed with its transaction. */
	head_rel = NULL;
	history_open(&writer);
}

/* See history_store.h. */
void
history_store_end(void)
{
	if (writer.rel != NULL)
		store_close(&writer);
}

/* A record's tuple, from values and nulls in the order of history_colnames, ncols of them. */
static HeapTuple
form_record(Datum *values, bool *nulls, int ncols)
{
	Relation	rel = writer.rel;
	TupleDesc	desc;
	Datum	   *v;
	bool	   *n;
	HeapTuple	tup;
	int			i;

	if (rel == NULL)
		elog(ERROR, "history store not open");
	desc = RelationGetDescr(rel);
	v = palloc0(sizeof(Datum) * desc->natts);
	n = palloc(sizeof(bool) * desc->natts);

	memset(n, true, sizeof(bool) * desc->natts);
	for (i = 0; i < ncols; i++)
	{
		AttrNumber	a = store.hist_attnum[i];

		if (a == 0)
			elog(ERROR, "iso28000.history has no column \"%s\"", history_colnames[i]);
		v[a - 1] = values[i];
		n[a - 1] = nulls[i];
	}
	tup = heap_form_tuple(desc, v, n);
	pfree(v);
	pfree(n);
	return tup;
}

/* See history_store.h. */
void
history_store_insert(Datum *values, bool *nulls, int ncols)
{
	HeapTuple	tup = form_record(values, nulls, ncols);

	simple_heap_insert(writer.rel, tup);
	insert_index_entries(&writer, tup, false);
	heap_freetuple(tup);
}

/*
 * See history_store.h.  The places are found as heap_deform_tuple() finds
 * its attributes; the seq must be an int8 and each hash a varlena of 32 bytes
 * stored inline, as a 32-byte bytea always is (heap_form_tuple() gives it a
 * short header; it is never compressed or stored out of line).
 */
HeapTuple
history_store_form(Datum *values, bool *nulls, int ncols, HistoryFormed *f)
{
	HeapTuple	tup = form_record(values, nulls, ncols);
	TupleDesc	desc = RelationGetDescr(writer.rel);
	HeapTupleHeader th = tup->t_data;
	bits8	   *bp = th->t_bits;
	bool		hasnulls = HeapTupleHasNulls(tup);
	char	   *tp = (char *) th + th->t_hoff;
	uint32		off = 0;
	int			natts = HeapTupleHeaderGetNatts(th);
	int			i;

	f->tup = tup;
	f->seq = f->prev_hash = f->hash = NULL;
	for (i = 0; i < natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (hasnulls && att_isnull(i, bp))
			continue;
		if (att->attlen == -1)
			off = att_align_pointer(off, att->attalign, -1, tp + off);
		else
			off = att_align_nominal(off, att->attalign);
		if (i + 1 == store.hist_attnum[1] && att->atttypid == INT8OID)
			f->seq = tp + off;
		else if ((i + 1 == store.hist_attnum[11] || i + 1 == store.hist_attnum[12]) &&
				 att->atttypid == BYTEAOID && !VARATT_IS_EXTERNAL(tp + off) &&
				 !VARATT_IS_COMPRESSED(tp + off) && VARSIZE_ANY_EXHDR(tp + off) == HISTORY_HASH_LEN)
			*(i + 1 == store.hist_attnum[11] ? &f->prev_hash : &f->hash) = VARDATA_ANY(tp + off);
		off = att_addlength_pointer(off, att->attlen, tp + off);
	}
	if (f->seq == NULL || f->prev_hash == NULL || f->hash == NULL)
	{
		heap_freetuple(tup);
		f->tup = NULL;
	}
	return f->tup;
}

/* See history_store.h. */
void
history_store_insert_formed(HistoryFormed *f, int64 seq, const uint8 *prev_hash, const uint8 *hash)
{
	if (writer.rel == NULL)
		elog(ERROR, "history store not open");
	memcpy(f->seq, &seq, sizeof(int64));
	memcpy(f->prev_hash, prev_hash, HISTORY_HASH_LEN);
	memcpy(f->hash, hash, HISTORY_HASH_LEN);
	simple_heap_insert(writer.rel, f->tup);
	insert_index_entries(&writer, f->tup, false);
	heap_freetuple(f->tup);
	f->tup = NULL;
}

/* See history_store.h. */
void
history_store_move_head(int64 org_id, int64 seq, const uint8 *hash,
						TimestampTz moved_at, ItemPointer tid)
{
	StoreRel	head;
	Relation	rel;
	TupleDesc	desc;
	Datum		v[HEAD_NCOLS];
	bool		n[HEAD_NCOLS];
	Datum	   *values;
	bool	   *nulls;
	bytea	   *b;
	HeapTuple	tup;
	bool		index_entries;
	int			i;

	CommandCounterIncrement();
	/* the head's table, as history_store_lock_head() opened it */
	rel = head_rel != NULL ? head_rel : table_open(store.head, RowExclusiveLock);
	head_rel = NULL;
	desc = RelationGetDescr(rel);

	b = palloc(VARHDRSZ + HISTORY_HASH_LEN);
	SET_VARSIZE(b, VARHDRSZ + HISTORY_HASH_LEN);
	memcpy(VARDATA(b), hash, HISTORY_HASH_LEN);
	v[0] = Int64GetDatum(org_id);
	v[1] = Int64GetDatum(seq);
	v[2] = PointerGetDatum(b);
	v[3] = TimestampTzGetDatum(moved_at);
	memset(n, 0, sizeof(n));

	values = palloc0(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	memset(nulls, true, sizeof(bool) * desc->natts);
	for (i = 0; i < HEAD_NCOLS; i++)
	{
		values[store.head_attnum[i] - 1] = v[i];
		nulls[store.head_attnum[i] - 1] = n[i];
	}
	tup = heap_form_tuple(desc, values, nulls);
#if PG_VERSION_NUM >= 160000
	{
		TU_UpdateIndexes upd;

		simple_heap_update(rel, tid, tup, &upd);
		index_entries = (upd != TU_None);
	}
#else
	simple_heap_update(rel, tid, tup);
	index_entries = !HeapTupleIsHeapOnly(tup);
#endif
	/* A heap-only version (the usual case) needs no index entry: the indexes are opened only otherwise. */
	if (index_entries)
	{
		store_open(&head, store.head);
		insert_index_entries(&head, tup, true);
		store_close(&head);
	}
	ItemPointerCopy(&tup->t_self, tid);
	seen_head_note(org_id, tid);
	heap_freetuple(tup);
	pfree(values);
	pfree(nulls);
	pfree(b);
	table_close(rel, NoLock);
}
