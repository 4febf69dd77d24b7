/*
 * history.c
 *		Recording into the tamper-evident history chain, and its hash.
 *
 * Every INSERT, UPDATE and DELETE on a register appends one record per row to
 * iso28000.history.  Each organisation has its own chain: record n of an
 * organisation stores the hash of record n-1 and the SHA-256 hash over the
 * canonical serialisation of all its fields (history_canon.c, doc/history.md).
 *
 * Why a statement-level trigger with transition tables.  A row-level trigger
 * would lock the organisation's chain head, insert one history row and move
 * the head once per row: three executor round trips per row.  The statement
 * trigger reads the rows from the transition tables, groups them by
 * organisation (ascending org_id, so two bulk statements lock heads in the same
 * order), takes each organisation's head with SELECT ... FOR UPDATE once,
 * computes the images and hashes in C, and inserts the whole batch with one
 * INSERT ... SELECT from an ephemeral named relation.  The same function also
 * works as a row-level trigger (a batch of one row), which the benchmark uses
 * for the comparison.
 *
 * Why the head row is the lock.  Writers of one organisation queue on the row
 * lock of its history_head row, so sequence numbers are gapless and the chain
 * is linear; writers of another organisation lock another row and never wait.
 *
 * Restore.  pg_dump and pg_restore run with row_security = off, and the history
 * and its heads are restored as data.  Recording is skipped while row_security
 * is off only when the session's role (the outer user, which a SECURITY
 * DEFINER function does not change) has the privileges of the registers'
 * owner: such a role could disable the trigger anyway.  Any other role that
 * turns row_security off is still recorded (issue 11, attack 6: a role that
 * set it and called a SECURITY DEFINER function of the extension used to
 * write unrecorded).  A change made that way is not chained, and
 * verification cannot see it: it checks the records the chain holds, not the
 * registers (doc/history.md says so too).
 *
 * Who may record what (doc/security.md).  The recorder serves only the
 * extension's registers (iso28000_is_extension_table(): a permanent table of
 * schema iso28000 owned by its owner; anything else is refused with IS210),
 * records a row only into the chain of an organisation in which the current
 * role may write (IS211, unless the role has the privileges of the registers'
 * owner, as the extension's SECURITY DEFINER functions and foreign-key
 * actions do), and refuses an UPDATE that moves a row to another organisation
 * (IS212).  Everything that can run code of the caller's choosing (the jsonb
 * images) runs as the caller, before the switch to the owner.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "nodes/makefuncs.h"
#include "storage/itemptr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/queryenvironment.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "actor.h"
#include "citus_compat.h"
#include "engines.h"
#include "history.h"
#include "history_canon.h"
#include "history_image.h"
#include "history_jsonb_text.h"
#include "history_store.h"
#include "iso28000_errcodes.h"
#include "membership.h"

/* Name under which a batch of new history rows is visible to the INSERT. */
#define HISTORY_BATCH_ENR "iso28000_history_batch"
/*
 * Batches up to this many rows are inserted row by row through a kept plan;
 * larger ones in one INSERT ... SELECT from the batch, whose parse and plan
 * cost (about 0.1 ms) pays off only over many rows.
 */
#define HISTORY_DIRECT_ROWS 8

/* Types of the columns of iso28000.history that the recorder fills (history_colnames). */
static Oid	history_coltypes[HISTORY_NCOLS] = {
	INT8OID, INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, INT8OID, TEXTOID,
	TEXTOID, JSONBOID, JSONBOID, JSONBOID, BYTEAOID, BYTEAOID, INT8OID
};

/* One changed row of a register, with the organisation whose chain gets it. */
typedef struct ChangedRow
{
	int64		org_id;
	int			pos;			/* position in the statement, for a stable sort */
	HeapTuple	oldtup;			/* NULL for INSERT */
	HeapTuple	newtup;			/* NULL for DELETE */
	Jsonb	   *before;			/* images and key, converted as the caller */
	Jsonb	   *after;
	Jsonb	   *key;
	char	   *before_text;	/* their jsonb text, when made with them (a presorted register) */
	char	   *after_text;
	char	   *key_text;
	bool		has_person;		/* the acting person in org_id (src/actor.c) */
	int64		person;
	const char *mid;			/* fields 4 to 12 of its canonical text, when made already */
	int			midlen;
	HistoryFormed *formed;		/* its tuple, formed before the head was taken (store only) */
} ChangedRow;

/* Per-statement state of the recorder. */
typedef struct Recorder
{
	Relation	rel;
	TupleDesc	reldesc;
	const char *table_name;
	const char *operation;
	char	   *session_role;
	char	   *acting_role;
	int64		txid;
	TimestampTz recorded_at;
	HistoryRegister reg;		/* what is kept of the register (a copy: stays valid all statement) */
	Datum	   *values;			/* a row's columns, for its image */
	bool	   *nulls;
	StringInfoData canon;
	StringInfoData mid;			/* a record's canonical_middle() */
	TupleDesc	outdesc;
	Tuplestorestate *out;		/* the batch, when not direct */
	bool		direct;			/* insert each record through a kept plan (or the store) */
	bool		store;			/* write through history_store.c, not SPI */
	bool		on_shard;		/* rel is a Citus shard or placement (a worker's statement) */
	int			ncols;			/* HISTORY_NCOLS, or one less on a 0.1.0 schema */
	MemoryContext rowcxt;
	ItemPointer move_tid;		/* set: the direct INSERT also moves this head */
} Recorder;

/* Plans kept for the life of the backend (the plan cache revalidates them). */
static SPIPlanPtr plan_lock_head = NULL;
static SPIPlanPtr plan_new_head = NULL;
static SPIPlanPtr plan_move_head = NULL;
static SPIPlanPtr plan_insert_record = NULL;
static SPIPlanPtr plan_insert_record_v1 = NULL;
static SPIPlanPtr plan_append_move = NULL;
static SPIPlanPtr plan_append_move_v1 = NULL;

/*
 * The INSERT of records, written here once from history_colnames: all
 * HISTORY_NCOLS columns, or all but acting_person (the last) on a 0.1.0
 * schema; from parameters $1... (a kept plan) or from the batch.
 */
static const char *
history_insert_sql(int ncols, bool from_batch)
{
	static char *sql[2][2];		/* [all columns][from the batch] */
	char	  **slot = &sql[ncols == HISTORY_NCOLS][from_batch];

	if (*slot == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		StringInfoData buf;
		int			i;

		initStringInfo(&buf);
		appendStringInfoString(&buf, "INSERT INTO iso28000.history (");
		for (i = 0; i < ncols; i++)
			appendStringInfo(&buf, "%s%s", i ? ", " : "", history_colnames[i]);
		if (from_batch)
			appendStringInfoString(&buf, ") SELECT * FROM " HISTORY_BATCH_ENR);
		else
		{
			appendStringInfoString(&buf, ") VALUES (");
			for (i = 0; i < ncols; i++)
				appendStringInfo(&buf, "%s$%d", i ? ", " : "", i + 1);
			appendStringInfoChar(&buf, ')');
		}
		*slot = buf.data;
		MemoryContextSwitchTo(old);
	}
	return *slot;
}

/*
 * The move of a locked head (at $tid) to its new last record; $1 org_id.  The
 * time is a parameter: Citus refuses volatile functions in an UPDATE.
 */
#define HISTORY_MOVE_HEAD(seq, hash, tid, at) \
	"UPDATE iso28000.history_head SET seq = " seq ", hash = " hash ", moved_at = " at \
	" WHERE ctid OPERATOR(pg_catalog.=) " tid " AND org_id OPERATOR(pg_catalog.=) $1 RETURNING ctid"

/*
 * One record appended and its head moved in one statement (a statement's
 * only record of an organisation, the usual single-row case): one executor
 * round trip instead of two.  The head row is locked already.
 */
static const char *
history_append_move_sql(int ncols)
{
	static char *sql[2];
	char	  **slot = &sql[ncols == HISTORY_NCOLS];

	if (*slot == NULL)
		*slot = MemoryContextStrdup(TopMemoryContext,
									psprintf("WITH appended AS (%s) " HISTORY_MOVE_HEAD("$2", "$13", "$%d", "$%d"),
											 history_insert_sql(ncols, false), ncols + 2, ncols + 1)); /* the time comes first in the text */
	return *slot;
}

/* Appends one netstring field (or "~" for NULL) to buf. */
static void
put_field(StringInfo buf, const char *s)
{
	size_t		n = s ? strlen(s) : 0;
	char	   *end;

	enlargeStringInfo(buf, s ? (int) hc_field_size(n) : 1);
	end = hc_put_field(buf->data + buf->len, s, n);
	buf->len = end - buf->data;
	buf->data[buf->len] = '\0';
}

/* Appends one integer field to buf. */
static void
put_int_field(StringInfo buf, int64 v)
{
	char		tmp[MAXINT8LEN + 1];

	(void) pg_lltoa(v, tmp);	/* INT64_FORMAT's digits, without snprintf() */
	put_field(buf, tmp);
}

/*
 * Appends fields 4 to 12 of a record's canonical serialisation (recorded_at
 * to after_image) to buf: everything but the organisation, the sequence
 * number, the previous hash and the acting person, so that a record linked
 * at commit has its longest part written before its chain head is locked.
 */
static void
canonical_middle(StringInfo buf, const HistoryRecord *rec)
{
	/* Time as microseconds since 1970-01-01 00:00 UTC: no DateStyle, no zone. */
	int64		unix_us = rec->recorded_at +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

	/* room for the images at once: the buffer grows once, not by doubling */
	enlargeStringInfo(buf, 256 + (rec->row_key ? strlen(rec->row_key) : 0) +
					  (rec->before_image ? strlen(rec->before_image) : 0) +
					  (rec->after_image ? strlen(rec->after_image) : 0));
	put_int_field(buf, unix_us);
	put_field(buf, rec->session_role);
	put_field(buf, rec->acting_role);
	put_int_field(buf, rec->txid);
	put_field(buf, rec->table_name);
	put_field(buf, rec->operation);
	put_field(buf, rec->row_key);
	put_field(buf, rec->before_image);
	put_field(buf, rec->after_image);
}

/* Appends a whole canonical serialisation to buf, its middle given (canonical_middle()). */
static void
canonical_around(StringInfo buf, const HistoryRecord *rec, const char *mid, int midlen)
{
	char		hex[2 * HISTORY_HASH_LEN + 1];

	enlargeStringInfo(buf, midlen + 256);
	put_field(buf, HISTORY_CANON_TAG);
	put_int_field(buf, rec->org_id);
	put_int_field(buf, rec->seq);
	appendBinaryStringInfo(buf, mid, midlen);
	*hc_put_hex32(hex, rec->prev_hash) = '\0';
	put_field(buf, hex);
	/* Since 0.2.0: the acting person, only when there is one (doc/history.md). */
	if (rec->has_person)
		put_int_field(buf, rec->acting_person);
}

/* Appends the canonical serialisation of a record to buf. */
void
history_canonical_text(StringInfo buf, const HistoryRecord *rec)
{
	StringInfoData mid;

	initStringInfo(&mid);
	canonical_middle(&mid, rec);
	canonical_around(buf, rec, mid.data, mid.len);
	pfree(mid.data);
}

/*
 * SHA-256.  pg_cryptohash with OpenSSL 3 looks the digest up again (under a
 * lock) at every init, and makes a context per statement: where PostgreSQL is
 * built with OpenSSL and its headers are at hand, the recorder keeps one
 * context and the fetched digest for the life of the backend (as
 * history_verify.c does for its walk); the hash is the same.
 */
#if defined(USE_OPENSSL) && defined(__has_include)
#if __has_include(<openssl/evp.h>)
#define HISTORY_OPENSSL 1
#include <openssl/evp.h>
#endif
#endif

/* SHA-256 of len bytes into out (history.h). */
void
history_sha256(const char *data, size_t len, uint8 *out)
{
#ifdef HISTORY_OPENSSL
	static EVP_MD_CTX *ctx = NULL;
	static EVP_MD *md = NULL;
	unsigned int outlen = 0;

	if (ctx == NULL)
		ctx = EVP_MD_CTX_new();
	if (md == NULL)
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
#else
		md = (EVP_MD *) EVP_sha256();
#endif
	if (ctx == NULL || md == NULL)
		elog(ERROR, "could not create a SHA-256 context");
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
		EVP_DigestUpdate(ctx, data, len) != 1 ||
		EVP_DigestFinal_ex(ctx, out, &outlen) != 1 || outlen != HISTORY_HASH_LEN)
		elog(ERROR, "could not compute SHA-256");
#else
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL)
		elog(ERROR, "could not create a SHA-256 context");
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, out, HISTORY_HASH_LEN) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
#endif
}

/*
 * Text of a jsonb datum in PostgreSQL's canonical jsonb output form, written
 * straight from the binary value by hj_jsonb_to_text() (history_jsonb_text.c,
 * the writer verify_history uses), or by JsonbToCString() for what that
 * writer leaves to it: the same bytes either way.
 */
static char *
jsonb_text(Jsonb *jb)
{
	size_t		len = VARSIZE(jb) - VARHDRSZ;
	size_t		cap = 2 * len + 64;

	for (;;)
	{
		char	   *out = palloc(cap + 1);
		long		n = hj_jsonb_to_text(VARDATA(jb), len, out, cap);

		if (n >= 0)
		{
			out[n] = '\0';
			return out;
		}
		pfree(out);
		if (n != HJ_NO_ROOM || cap > MaxAllocSize / 4)
			break;
		cap *= 2;
	}
	return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
}

/* A bytea datum holding a 32-byte hash. */
static Datum
hash_datum(const uint8 *hash)
{
	bytea	   *b = palloc(VARHDRSZ + HISTORY_HASH_LEN);

	SET_VARSIZE(b, VARHDRSZ + HISTORY_HASH_LEN);
	memcpy(VARDATA(b), hash, HISTORY_HASH_LEN);
	return PointerGetDatum(b);
}

/* Copies a stored 32-byte hash out of a bytea; false when it is not 32 bytes. */
static bool
hash_from_bytea(bytea *b, uint8 *out)
{
	if (VARSIZE_ANY_EXHDR(b) != HISTORY_HASH_LEN)
		return false;
	memcpy(out, VARDATA_ANY(b), HISTORY_HASH_LEN);
	return true;
}

/* Fills a HistoryRecord from the twelve arguments of history_hash(); false if incomplete. */
static bool
record_from_args(FunctionCallInfo fcinfo, HistoryRecord *rec)
{
	int			i;

	for (i = 0; i < 8; i++)
		if (PG_ARGISNULL(i))
			return false;
	if (PG_ARGISNULL(11))
		return false;
	rec->org_id = PG_GETARG_INT64(0);
	rec->seq = PG_GETARG_INT64(1);
	rec->recorded_at = PG_GETARG_TIMESTAMPTZ(2);
	rec->session_role = text_to_cstring(PG_GETARG_TEXT_PP(3));
	rec->acting_role = text_to_cstring(PG_GETARG_TEXT_PP(4));
	rec->txid = PG_GETARG_INT64(5);
	rec->table_name = text_to_cstring(PG_GETARG_TEXT_PP(6));
	rec->operation = text_to_cstring(PG_GETARG_TEXT_PP(7));
	rec->row_key = PG_ARGISNULL(8) ? NULL : jsonb_text(PG_GETARG_JSONB_P(8));
	rec->before_image = PG_ARGISNULL(9) ? NULL : jsonb_text(PG_GETARG_JSONB_P(9));
	rec->after_image = PG_ARGISNULL(10) ? NULL : jsonb_text(PG_GETARG_JSONB_P(10));
	rec->has_person = PG_NARGS() > 12 && !PG_ARGISNULL(12);
	rec->acting_person = rec->has_person ? PG_GETARG_INT64(12) : 0;
	return hash_from_bytea(PG_GETARG_BYTEA_PP(11), rec->prev_hash);
}

/* The canonical serialisation of a history record, as text. */
PG_FUNCTION_INFO_V1(history_canonical);
Datum
history_canonical(PG_FUNCTION_ARGS)
{
	HistoryRecord rec;
	StringInfoData buf;

	if (!record_from_args(fcinfo, &rec))
		PG_RETURN_NULL();
	initStringInfo(&buf);
	history_canonical_text(&buf, &rec);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/* SHA-256 over the canonical serialisation of a history record. */
PG_FUNCTION_INFO_V1(history_hash);
Datum
history_hash(PG_FUNCTION_ARGS)
{
	HistoryRecord rec;
	StringInfoData buf;
	uint8		hash[HISTORY_HASH_LEN];

	if (!record_from_args(fcinfo, &rec))
		PG_RETURN_NULL();
	initStringInfo(&buf);
	history_canonical_text(&buf, &rec);
	history_sha256(buf.data, buf.len, hash);
	PG_RETURN_DATUM(hash_datum(hash));
}

/* Refuses UPDATE, DELETE and TRUNCATE of the history and its heads. */
PG_FUNCTION_INFO_V1(history_refuse_change);
Datum
history_refuse_change(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	const char *what;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"history_refuse_change\" must be fired as a trigger")));
	td = (TriggerData *) fcinfo->context;
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		what = "UPDATE";
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		what = "DELETE";
	else if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		what = "TRUNCATE";
	else
		what = "INSERT";
	ereport(ERROR,
			(errcode(ERRCODE_ISO28000_HISTORY_APPEND_ONLY),
			 errmsg("%s of \"%s\" is not allowed: the history is append-only", what,
					get_rel_name(engine_relid(td->tg_relation))),
			 errdetail("History records are appended by the registers' triggers and are never changed or removed."),
			 errhint("To check the chain, use iso28000.verify_history().")));
	PG_RETURN_NULL();
}

/* Orders changed rows by organisation, then by their place in the statement. */
static int
changed_row_cmp(const void *a, const void *b)
{
	const ChangedRow *x = (const ChangedRow *) a;
	const ChangedRow *y = (const ChangedRow *) b;

	if (x->org_id != y->org_id)
		return x->org_id < y->org_id ? -1 : 1;
	return x->pos - y->pos;
}

/* Reads the organisation of a register row; refuses a NULL one. */
static int64
row_org(Recorder *r, HeapTuple tup, int org_attnum)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, org_attnum, r->reldesc, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("row of register \"%s\" has no org_id", r->table_name),
				 errdetail("Every register row belongs to an organisation, whose history chain records it.")));
	return DatumGetInt64(d);
}

/* Copies every row of a transition table into heap tuples, in order. */
static HeapTuple *
read_transition(Recorder *r, Tuplestorestate *store, int *n)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(r->reldesc, &TTSOpsMinimalTuple);
	int			cap = 64;
	HeapTuple  *tups = palloc(cap * sizeof(HeapTuple));

	*n = 0;
	tuplestore_rescan(store);
	while (tuplestore_gettupleslot(store, true, false, slot))
	{
		if (*n == cap)
		{
			cap *= 2;
			tups = repalloc(tups, cap * sizeof(HeapTuple));
		}
		tups[(*n)++] = ExecCopySlotHeapTuple(slot);
	}
	tuplestore_rescan(store);
	ExecDropSingleTupleTableSlot(slot);
	return tups;
}


/* Builds the recorder's per-statement state. */
static void
recorder_init(Recorder *r, TriggerData *td, HistoryRegister *reg, const char *operation, int n)
{
	int			i;

	r->rel = td->tg_relation;
	r->reldesc = RelationGetDescr(r->rel);
	r->reg = *reg;
	r->table_name = r->reg.table_name;
	r->values = palloc(sizeof(Datum) * Max(r->reldesc->natts, 1));
	r->nulls = palloc(sizeof(bool) * Max(r->reldesc->natts, 1));
	r->operation = operation;
	r->session_role = pstrdup(engine_role_name(GetSessionUserId()));
	r->acting_role = pstrdup(engine_role_name(GetUserId()));
	r->txid = (int64) U64FromFullTransactionId(GetTopFullTransactionId());
	if (iso28000_is_shard(r->rel) && iso28000_distributed_txid() > 0)
		r->txid = iso28000_distributed_txid();	/* the same on every node */
	r->recorded_at = GetCurrentTransactionStartTimestamp();

	initStringInfo(&r->canon);
	initStringInfo(&r->mid);

	/*
	 * On a single node every record goes straight into the table
	 * (history_store.c).  Otherwise a small batch goes through a kept plan,
	 * a large one through a tuple store; Citus cannot ship a tuple store.
	 */
	r->on_shard = iso28000_is_shard(r->rel);
	r->store = !r->on_shard && history_store_usable();
	r->direct = r->store || (n <= HISTORY_DIRECT_ROWS) || r->on_shard;
	r->out = NULL;

	/* A 0.1.0 history has no acting_person (engines.c): written and hashed without it. */
	r->ncols = engine_catalog()->history_has_person ? HISTORY_NCOLS : HISTORY_NCOLS - 1;
	if (!r->direct)
	{
		r->outdesc = CreateTemplateTupleDesc(r->ncols);
		for (i = 0; i < r->ncols; i++)
			TupleDescInitEntry(r->outdesc, (AttrNumber) (i + 1), history_colnames[i],
							   history_coltypes[i], -1, 0);
		r->out = tuplestore_begin_heap(false, false, work_mem);
	}
	r->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "iso28000 history row",
									  ALLOCSET_DEFAULT_SIZES);
}

/* The row key: an object of the primary key columns taken from an image. */
static Jsonb *
row_key(Recorder *r, Jsonb *image)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	int			i;

	if (r->reg.npk == 0)
		return NULL;
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < r->reg.npk; i++)
	{
		JsonbValue	k;
		JsonbValue *v;
		JsonbValue	null;

		k.type = jbvString;
		k.val.string.val = r->reg.pk_names[i];
		k.val.string.len = strlen(r->reg.pk_names[i]);
		v = getKeyJsonValueFromContainer(&image->root, k.val.string.val,
										 k.val.string.len, NULL);
		if (v == NULL)
		{
			null.type = jbvNull;
			v = &null;
		}
		pushJsonbValue(&state, WJB_KEY, &k);
		pushJsonbValue(&state, WJB_VALUE, v);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/*
 * SPI, for the writers of the chain.  When the records go straight into the
 * tables (history_store.c), only the creation of an organisation's first head
 * runs a statement: SPI is then connected when that happens, not for every
 * statement and commit (history_spi_begin(), history_spi_need()).
 */
typedef struct HistorySpi
{
	bool		lazy;			/* connect only when a statement runs */
	bool		connected;
} HistorySpi;

static HistorySpi history_spi = {false, false};

/* Connects SPI now, or (lazy) when history_spi_need() asks; returns the state to restore. */
static HistorySpi
history_spi_begin(bool lazy)
{
	HistorySpi	saved = history_spi;

	history_spi.lazy = lazy;
	history_spi.connected = !lazy;
	if (!lazy && SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	return saved;
}

/* Connects SPI if history_spi_begin() left it to the first statement. */
static void
history_spi_need(void)
{
	if (!history_spi.connected)
	{
		/* in the memory context the writer was in: SPI_finish() returns to it */
		MemoryContext cxt = CurrentMemoryContext;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		MemoryContextSwitchTo(cxt);
		history_spi.connected = true;
	}
}

/* Closes what history_spi_begin() opened (if anything was) and restores the state it returned. */
static void
history_spi_end(HistorySpi saved)
{
	if (history_spi.connected && SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	history_spi = saved;
}

/* The tables the recorder's SPI statements name ("iso28000.TABLE "). */
static const char *const history_tables[2] = {"history", "history_head"};

/*
 * Runs a kept plan, creating and keeping it on first use.  On a Citus shard
 * (on_shard: a trigger on a shard, in a worker's backend running a statement
 * of the coordinator) the statement reads and writes the organisation's
 * shards of history and history_head on this node instead of the distributed
 * tables (iso28000_org_shard_execute()): Citus refuses a query of a
 * distributed table from inside a query on a shard (XX000 "cannot execute a
 * distributed query from a query on a shard") when it does not execute it
 * locally.
 */
static int
run_plan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes,
		 Datum *values, const char *nulls, int64 org_id, bool on_shard, int expect)
{
	int			rc;

	history_spi_need();
	if (!on_shard ||
		!iso28000_org_shard_execute(sql, 2, history_tables, org_id, nargs, argtypes, values, nulls,
									NULL, false, 0, &rc))
		rc = SPI_execute_plan(engine_keep_plan(plan, sql, nargs, argtypes), values, nulls, false, 0);

	if (rc != expect)
		elog(ERROR, "\"%s\" failed: %s", sql, SPI_result_code_string(rc));
	return rc;
}

/*
 * Heads this transaction holds locked.  Once a transaction has locked an
 * organisation's head, later statements of the same transaction need neither
 * look it up again nor walk the row's versions: they update it in place by its
 * ctid.  Without this, a transaction of many statements would make each one
 * walk every version of the head row that it had created so far (they cannot
 * be pruned while it runs): quadratic.  The cache is forgotten at the
 * transaction's end and at any subtransaction abort (which undoes the head's
 * updates made inside it).  Its table is kept for the life of the backend
 * (making one cost about 1,400 instructions per linking transaction): an
 * entry counts only when it carries the current generation, which forgetting
 * advances; a table grown past HELD_HEADS_KEEP entries is dropped instead.
 */
typedef struct HeldHead
{
	int64		org_id;			/* hash key */
	uint64		gen;			/* held_gen when it was noted: held in this transaction */
	int64		seq;
	uint8		hash[HISTORY_HASH_LEN];
	ItemPointerData tid;		/* current version of the head row */
} HeldHead;

static HTAB *held_heads = NULL;	/* in TopMemoryContext */
static uint64 held_gen = 1;		/* entries of an older generation are not held */
static int	held_count = 0;		/* entries of the current generation */

#define HELD_HEADS_KEEP 64

/* Forgets every held head (the transaction ended, or a subtransaction rolled back). */
static void
held_heads_forget(void)
{
	held_gen++;
	held_count = 0;
	if (held_heads != NULL && hash_get_num_entries(held_heads) > HELD_HEADS_KEEP)
	{
		hash_destroy(held_heads);
		held_heads = NULL;
	}
}

static void held_head_moved(int64 org_id, int64 seq, const uint8 *hash);
static void held_head_note(int64 org_id, int64 seq, const uint8 *hash, ItemPointer tid);
static Oid	held_heads_relid = InvalidOid;	/* the history_head they are rows of */
static bool held_heads_callbacks = false;

/*
 * Linking at commit.  In READ COMMITTED a statement's records are not linked
 * into their chains by the statement: the recorder makes them (images, key,
 * acting person, as the caller) and keeps them in the transaction's memory,
 * and history_link_pending() takes each organisation's head, links them in
 * the order they were made and moves the head just before the transaction
 * commits (XACT_EVENT_PRE_COMMIT), so the head's row lock is held only
 * around the commit, not while the rest of the statement, the other AFTER
 * triggers of the register and the rest of the transaction run.  The chain
 * is then in commit order, which is the order of the changes for any one row
 * (a second writer of a row waits for the first to commit).  Kept pending
 * records are linked earlier when the transaction reads the history or its
 * heads (history_executor_start()), so it sees its own records as before;
 * when a statement links at once (a large statement, or a head this
 * transaction holds already); and before PREPARE TRANSACTION.  A savepoint
 * rolled back drops the records made in it and gives back to the pending
 * list the earlier ones that were linked in it.  REPEATABLE READ and
 * SERIALIZABLE transactions, the Citus path (SPI) and
 * iso28000.history_link = statement link at once, as before.
 */
typedef struct PendingRecord
{
	struct PendingRecord *next;
	uint64		order;			/* creation order within the transaction */
	SubTransactionId made_in;	/* the subtransaction that made it */
	SubTransactionId linked_in; /* the one that linked it (on relinkable) */
	Oid			history;		/* the iso28000.history it was made for */
	int64		org_id;
	const char *table_name;
	const char *operation;
	const char *session_role;
	const char *acting_role;
	int64		txid;
	TimestampTz recorded_at;
	Jsonb	   *before;
	Jsonb	   *after;
	Jsonb	   *key;
	bool		has_person;
	int64		person;
	char	   *mid;			/* its canonical_middle(), made at the statement */
	int			midlen;
} PendingRecord;

/* Records not linked yet, newest first; their count; their memory (in TopTransactionContext). */
static PendingRecord *pending = NULL;
static int	pending_n = 0;
static uint64 pending_order = 0;
static MemoryContext pending_cxt = NULL;

/* The history and heads of the last record kept (plan_reads_history()). */
static Oid	pending_history = InvalidOid;
static Oid	pending_head = InvalidOid;

/* Records linked inside a subtransaction: back to pending if it rolls back. */
static PendingRecord *relinkable = NULL;

/* A statement of at most this many rows is linked at commit ... */
#define HISTORY_DEFER_ROWS 1000
/* ... while the transaction keeps at most this many records pending. */
#define HISTORY_DEFER_MAX 10000
/* At the link, at most this many records of an organisation are formed before its head is taken. */
#define HISTORY_FORM_AHEAD 64

/* iso28000.history_link: when a READ COMMITTED transaction links its records. */
typedef enum
{
	HISTORY_LINK_COMMIT,
	HISTORY_LINK_STATEMENT
} HistoryLink;

static const struct config_enum_entry history_link_options[] = {
	{"commit", HISTORY_LINK_COMMIT, false},
	{"statement", HISTORY_LINK_STATEMENT, false},
	{NULL, 0, false}
};
static int	history_link = HISTORY_LINK_COMMIT;

static void history_link_pending(void);
static void history_hook_executor(void);

/* Defines iso28000.history_link (once per backend; a value SET before is taken over). */
static void
history_define_guc(void)
{
	static bool defined = false;

	if (defined)
		return;
	defined = true;
	DefineCustomEnumVariable("iso28000.history_link",
							 "When a READ COMMITTED transaction links its history records into their chains.",
							 "commit: just before it commits, holding each organisation's chain head only "
							 "around the commit; statement: at each statement, holding the head from then on "
							 "to the end of the transaction.",
							 &history_link, HISTORY_LINK_COMMIT, history_link_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
}

/* Links what is pending before the commit; forgets the held heads at the transaction's end. */
static void
held_heads_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			history_link_pending();
			break;
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			break;
		default:
			/* the pending records' memory goes with TopTransactionContext */
			held_heads_forget();
			pending = NULL;
			pending_n = 0;
			relinkable = NULL;
			pending_cxt = NULL;
			break;
	}
}

/*
 * A subtransaction rolled back: the held heads are forgotten (their moves
 * were undone), the records it made are dropped, and the records made before
 * it that it linked are pending again (their inserts were undone).
 */
static void
held_heads_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
							SubTransactionId parentSubid, void *arg)
{
	PendingRecord **link;
	PendingRecord *p;

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	held_heads_forget();
	for (link = &pending; (p = *link) != NULL;)
	{
		if (p->made_in >= mySubid)
		{
			*link = p->next;
			pending_n--;
		}
		else
			link = &p->next;
	}
	for (link = &relinkable; (p = *link) != NULL;)
	{
		if (p->linked_in < mySubid)
		{
			link = &p->next;
			continue;
		}
		*link = p->next;
		if (p->made_in < mySubid)
		{
			p->linked_in = InvalidSubTransactionId;
			p->next = pending;
			pending = p;
			pending_n++;
		}
	}
}

/* Registers the transaction callbacks, once per backend. */
static void
history_register_callbacks(void)
{
	if (!held_heads_callbacks)
	{
		RegisterXactCallback(held_heads_xact_callback, NULL);
		RegisterSubXactCallback(held_heads_subxact_callback, NULL);
		held_heads_callbacks = true;
	}
}

/* The held head of an organisation, if this transaction has one. */
static HeldHead *
held_head(int64 org_id, bool create)
{
	bool		found;
	HeldHead   *held;

	if (!create && held_count == 0)
		return NULL;
	if (create)
		history_register_callbacks();
	if (held_heads == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(HeldHead);
		ctl.hcxt = TopMemoryContext;
		held_heads = hash_create("iso28000 held history heads", 16, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	held = (HeldHead *) hash_search(held_heads, &org_id, create ? HASH_ENTER : HASH_FIND, &found);
	if (held == NULL)
		return NULL;
	if (!found)
		held->gen = 0;
	if (held->gen != held_gen)
	{
		if (!create)
			return NULL;
		held->gen = held_gen;
		held_count++;
	}
	return held;
}

/* Locks an organisation's chain head (creating it); returns its seq, hash and tid. */
static void
lock_head(int64 org_id, int64 *seq, uint8 *hash, ItemPointer tid, bool direct, bool on_shard)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(org_id)};
	HeldHead   *held = held_head(org_id, false);
	int			attempt;

	if (held != NULL)
	{
		*seq = held->seq;
		memcpy(hash, held->hash, HISTORY_HASH_LEN);
		ItemPointerCopy(&held->tid, tid);
		return;
	}
	for (attempt = 0; attempt < 2; attempt++)
	{
		if (direct)
		{
			if (history_store_lock_head(org_id, seq, hash, tid))
				return;
			goto create;
		}
		run_plan(&plan_lock_head,
				 "SELECT seq, hash, ctid FROM iso28000.history_head"
				 " WHERE org_id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
				 1, argtypes, values, NULL, org_id, on_shard, SPI_OK_SELECT);
		if (SPI_processed == 1)
		{
			bool		isnull;
			HeapTuple	row = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;

			*seq = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
			if (!hash_from_bytea(DatumGetByteaPP(SPI_getbinval(row, desc, 2, &isnull)), hash))
				elog(ERROR, "history head of organisation " INT64_FORMAT " has a malformed hash", org_id);
			ItemPointerCopy((ItemPointer) DatumGetPointer(SPI_getbinval(row, desc, 3, &isnull)), tid);
			return;
		}
		/* First record of this organisation: create its head, then lock it. */
create:
		{
			/* at the link before the commit no statement runs: SPI needs a snapshot */
			bool		pushed = !ActiveSnapshotSet();

			if (pushed)
				PushActiveSnapshot(GetTransactionSnapshot());
			run_plan(&plan_new_head,
					 "INSERT INTO iso28000.history_head (org_id, seq, hash)"
					 " VALUES ($1, 0, pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex'))"
					 " ON CONFLICT (org_id) DO NOTHING",
					 1, argtypes, values, NULL, org_id, on_shard, SPI_OK_INSERT);
			if (pushed)
				PopActiveSnapshot();
		}
	}
	elog(ERROR, "could not lock the history head of organisation " INT64_FORMAT, org_id);
}

/* Moves an organisation's locked chain head (at tid) to its new last record. */
static void
move_head(int64 org_id, int64 seq, const uint8 *hash, ItemPointer tid, bool direct, bool on_shard)
{
	Oid			argtypes[5] = {INT8OID, INT8OID, BYTEAOID, TIDOID, TIMESTAMPTZOID};
	Datum		values[5];

	if (direct)
	{
		history_store_move_head(org_id, seq, hash, GetCurrentTimestamp(), tid);
		held_head_note(org_id, seq, hash, tid);
		return;
	}
	values[0] = Int64GetDatum(org_id);
	values[1] = Int64GetDatum(seq);
	values[2] = hash_datum(hash);
	values[3] = PointerGetDatum(tid);
	/* The time as a value: Citus refuses volatile functions in an UPDATE. */
	values[4] = TimestampTzGetDatum(GetCurrentTimestamp());
	run_plan(&plan_move_head, HISTORY_MOVE_HEAD("$2", "$3", "$4", "$5"), 5, argtypes, values,
			 NULL, org_id, on_shard, SPI_OK_UPDATE_RETURNING);
	held_head_moved(org_id, seq, hash);
}

/* Notes where a head moved: its seq, hash and the tid of its new version. */
static void
held_head_note(int64 org_id, int64 seq, const uint8 *hash, ItemPointer tid)
{
	HeldHead   *held = held_head(org_id, true);

	held->seq = seq;
	memcpy(held->hash, hash, HISTORY_HASH_LEN);
	ItemPointerCopy(tid, &held->tid);
}

/* Notes where a head moved (the RETURNING ctid of the last SPI statement). */
static void
held_head_moved(int64 org_id, int64 seq, const uint8 *hash)
{
	bool		isnull;

	if (SPI_processed != 1)
		elog(ERROR, "history head of organisation " INT64_FORMAT " moved under a held lock", org_id);
	held_head_note(org_id, seq, hash,
				   (ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)));
}

/*
 * Converts a changed row into its images and key, as the caller.  to_jsonb()
 * calls the casts to json and the output functions of the row's column types,
 * which their owners wrote: this must run before record_rows() switches to the
 * history's owner, never inside (doc/security.md, raised rights).
 */
static void
convert_row(Recorder *r, ChangedRow *row)
{
	Jsonb	   *key = NULL;
	char	   *key_text = NULL;
	HistoryImageParts parts;

	/*
	 * The key comes with the image it is taken from (the after image, else
	 * the before); for a presorted register their jsonb text too, written
	 * from the same values (history_image.c), so that the text the hash
	 * covers is not read back from the jsonb at the link.  The after image
	 * of an UPDATE takes the columns it shares with the before image (the
	 * same datum) from it, value and text, rather than converting and
	 * escaping them again (history_row_image_like()).
	 */
	parts.made = false;
	row->before = row->oldtup ? history_row_image_like(&r->reg, r->reldesc, row->oldtup, r->values, r->nulls,
													   row->newtup ? NULL : &key, &row->before_text,
													   row->newtup ? NULL : &key_text, NULL,
													   row->newtup ? &parts : NULL) : NULL;
	row->after = row->newtup ? history_row_image_like(&r->reg, r->reldesc, row->newtup, r->values, r->nulls,
													  &key, &row->after_text, &key_text, &parts, NULL) : NULL;
	history_image_parts_free(&parts);
	row->key = key != NULL ? key : row_key(r, row->after ? row->after : row->before);
	/* every text made, or none (then all are written from the jsonb) */
	if (key == NULL || key_text == NULL || (row->oldtup && row->before_text == NULL) ||
		(row->newtup && row->after_text == NULL))
		row->before_text = row->after_text = row->key_text = NULL;
	else
		row->key_text = key_text;
}

/* The jsonb text of an image or key: the one made with it, else written from it. */
static inline char *
image_text(Jsonb *jb, char *made)
{
	if (jb == NULL)
		return NULL;
	return made != NULL ? made : jsonb_text(jb);
}

/* The columns of a changed row's record (in the order of history_colnames), its seq and hashes given. */
static void
record_values(Recorder *r, ChangedRow *row, int64 seq, const uint8 *prev_hash, const uint8 *hash,
			  Datum *values, bool *nulls)
{
	memset(nulls, 0, sizeof(bool) * HISTORY_NCOLS);
	values[0] = Int64GetDatum(row->org_id);
	values[1] = Int64GetDatum(seq);
	values[2] = TimestampTzGetDatum(r->recorded_at);
	values[3] = CStringGetTextDatum(r->session_role);
	values[4] = CStringGetTextDatum(r->acting_role);
	values[5] = Int64GetDatum(r->txid);
	values[6] = CStringGetTextDatum(r->table_name);
	values[7] = CStringGetTextDatum(r->operation);
	values[8] = PointerGetDatum(row->key);
	nulls[8] = (row->key == NULL);
	values[9] = PointerGetDatum(row->before);
	nulls[9] = (row->before == NULL);
	values[10] = PointerGetDatum(row->after);
	nulls[10] = (row->after == NULL);
	values[11] = hash_datum(prev_hash);
	values[12] = hash_datum(hash);
	values[13] = Int64GetDatum(row->person);
	nulls[13] = !row->has_person;
}

/*
 * Forms a changed row's record into f before its organisation's head is
 * taken (history_link_pending()): everything but its seq and hashes, which
 * history_store_insert_formed() writes in under the head.  Leaves f->tup NULL
 * when the history's columns do not allow it (then record_row() forms it).
 */
static void
form_row(Recorder *r, ChangedRow *row, HistoryFormed *f)
{
	static const uint8 zero[HISTORY_HASH_LEN] = {0};
	Datum		values[HISTORY_NCOLS];
	bool		nulls[HISTORY_NCOLS];

	record_values(r, row, 0, zero, zero, values, nulls);
	(void) history_store_form(values, nulls, r->ncols, f);
	row->formed = f;
}

/* Appends the history record of one changed row (images already made) to the output batch. */
static void
record_row(Recorder *r, ChangedRow *row, int64 seq, uint8 *prev_hash)
{
	MemoryContext old = MemoryContextSwitchTo(r->rowcxt);
	HistoryRecord rec;
	Jsonb	   *before = row->before;
	Jsonb	   *after = row->after;
	Jsonb	   *key = row->key;
	Datum		values[HISTORY_NCOLS + 2];
	bool		nulls[HISTORY_NCOLS + 2];
	uint8		hash[HISTORY_HASH_LEN];
	bool		formed;

	rec.org_id = row->org_id;
	rec.seq = seq;
	rec.recorded_at = r->recorded_at;
	rec.session_role = r->session_role;
	rec.acting_role = r->acting_role;
	rec.txid = r->txid;
	rec.table_name = r->table_name;
	rec.operation = r->operation;
	memcpy(rec.prev_hash, prev_hash, HISTORY_HASH_LEN);
	rec.has_person = row->has_person;
	rec.acting_person = row->person;

	resetStringInfo(&r->canon);
	if (row->mid != NULL)
		canonical_around(&r->canon, &rec, row->mid, row->midlen);
	else
	{
		rec.row_key = image_text(key, row->key_text);
		rec.before_image = image_text(before, row->before_text);
		rec.after_image = image_text(after, row->after_text);
		resetStringInfo(&r->mid);
		canonical_middle(&r->mid, &rec);
		canonical_around(&r->canon, &rec, r->mid.data, r->mid.len);
	}
	history_sha256(r->canon.data, r->canon.len, hash);

	formed = r->store && row->formed != NULL && row->formed->tup != NULL;
	if (!formed)
		record_values(r, row, seq, prev_hash, hash, values, nulls);

	if (formed)
	{
		/* Formed before the head was taken: its seq and hashes written in. */
		history_store_insert_formed(row->formed, seq, prev_hash, hash);
		MemoryContextSwitchTo(old);
	}
	else if (r->store)
	{
		/* Straight into the table (history_store.c). */
		history_store_insert(values, nulls, r->ncols);
		MemoryContextSwitchTo(old);
	}
	else if (r->direct && r->move_tid != NULL)
	{
		/* The record and the move of its head in one statement. */
		char		spinulls[HISTORY_NCOLS + 2];
		Oid			argtypes[HISTORY_NCOLS + 2];
		int			i;

		SPIPlanPtr *slot = r->ncols == HISTORY_NCOLS ? &plan_append_move : &plan_append_move_v1;

		for (i = 0; i < r->ncols; i++)
		{
			spinulls[i] = nulls[i] ? 'n' : ' ';
			argtypes[i] = history_coltypes[i];
		}
		values[r->ncols] = PointerGetDatum(r->move_tid);
		spinulls[r->ncols] = ' ';
		argtypes[r->ncols] = TIDOID;
		values[r->ncols + 1] = TimestampTzGetDatum(GetCurrentTimestamp());
		spinulls[r->ncols + 1] = ' ';
		argtypes[r->ncols + 1] = TIMESTAMPTZOID;
		engine_keep_plan(slot, history_append_move_sql(r->ncols), r->ncols + 2, argtypes);
		if (SPI_execute_plan(*slot, values, spinulls, false, 0) != SPI_OK_UPDATE_RETURNING)
			elog(ERROR, "could not append a history record");
		MemoryContextSwitchTo(old);
		held_head_moved(rec.org_id, rec.seq, hash);
	}
	else if (r->direct)
	{
		char		spinulls[HISTORY_NCOLS];
		int			i;

		SPIPlanPtr *slot = r->ncols == HISTORY_NCOLS ? &plan_insert_record : &plan_insert_record_v1;

		for (i = 0; i < HISTORY_NCOLS; i++)
			spinulls[i] = nulls[i] ? 'n' : ' ';
		run_plan(slot, history_insert_sql(r->ncols, false), r->ncols, history_coltypes, values,
				 spinulls, rec.org_id, r->on_shard, SPI_OK_INSERT);
		MemoryContextSwitchTo(old);
	}
	else
	{
		MemoryContextSwitchTo(old);
		tuplestore_putvalues(r->out, r->outdesc, values, nulls);
	}
	MemoryContextReset(r->rowcxt);

	memcpy(prev_hash, hash, HISTORY_HASH_LEN);
}

/* The owner of iso28000.history, as whom the recorder writes the chain. */
static Oid
history_owner(void)
{
	Oid			owner = engine_catalog()->history_owner;

	if (!OidIsValid(owner))
		elog(ERROR, "table iso28000.history does not exist");
	return owner;
}

/* A copy of a jsonb value (NULL stays NULL). */
static Jsonb *
jsonb_copy(Jsonb *j)
{
	Jsonb	   *c;

	if (j == NULL)
		return NULL;
	c = palloc(VARSIZE(j));
	memcpy(c, j, VARSIZE(j));
	return c;
}

static void pending_middle(PendingRecord *p, const char *key_text, const char *before_text,
						   const char *after_text, MemoryContext cxt);

/*
 * Keeps a changed row's record (images made, acting person known) for
 * history_link_pending(), with its canonical_middle(): the text of the
 * record but what depends on the head (sequence number, previous hash),
 * written here, at the statement, so neither the images' text is kept
 * besides it nor anything of it is written at the commit.
 */
static void
defer_row(Recorder *r, ChangedRow *row)
{
	MemoryContext old;
	PendingRecord *p;

	history_register_callbacks();
	history_hook_executor();
	if (pending_cxt == NULL)
		pending_cxt = AllocSetContextCreate(TopTransactionContext, "iso28000 pending history",
											ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(pending_cxt);
	p = palloc(sizeof(PendingRecord));
	p->order = ++pending_order;
	p->made_in = GetCurrentSubTransactionId();
	p->linked_in = InvalidSubTransactionId;
	p->history = pending_history = engine_catalog()->history;
	pending_head = engine_catalog()->history_head;
	p->org_id = row->org_id;
	p->table_name = pstrdup(r->table_name);
	p->operation = r->operation;	/* a literal */
	p->session_role = pstrdup(r->session_role);
	p->acting_role = pstrdup(r->acting_role);
	p->txid = r->txid;
	p->recorded_at = r->recorded_at;
	p->before = jsonb_copy(row->before);
	p->after = jsonb_copy(row->after);
	p->key = jsonb_copy(row->key);
	p->has_person = row->has_person;
	p->person = row->person;
	MemoryContextSwitchTo(old);
	/* the texts (when not made with the images) in the statement's memory, the middle in pending_cxt */
	pending_middle(p, row->key_text, row->before_text, row->after_text, pending_cxt);
	p->next = pending;
	pending = p;
	pending_n++;
}

/*
 * Writes a pending record's canonical_middle() into cxt, from the texts of
 * its images and key made at the statement (or, NULL, written from the
 * jsonb in the current memory context).
 */
static void
pending_middle(PendingRecord *p, const char *key_text, const char *before_text,
			   const char *after_text, MemoryContext cxt)
{
	HistoryRecord rec;
	StringInfoData buf;
	MemoryContext old;

	memset(&rec, 0, sizeof(rec));
	rec.recorded_at = p->recorded_at;
	rec.session_role = p->session_role;
	rec.acting_role = p->acting_role;
	rec.txid = p->txid;
	rec.table_name = p->table_name;
	rec.operation = p->operation;
	rec.row_key = image_text(p->key, (char *) key_text);
	rec.before_image = image_text(p->before, (char *) before_text);
	rec.after_image = image_text(p->after, (char *) after_text);
	old = MemoryContextSwitchTo(cxt);
	initStringInfo(&buf);
	canonical_middle(&buf, &rec);
	MemoryContextSwitchTo(old);
	p->mid = buf.data;
	p->midlen = buf.len;
}

/* A pending record as a changed row, its statement's fields set in r (for record_row()). */
static void
pending_row(Recorder *r, PendingRecord *p, ChangedRow *row)
{
	memset(row, 0, sizeof(*row));
	row->org_id = p->org_id;
	row->before = p->before;
	row->after = p->after;
	row->key = p->key;
	row->has_person = p->has_person && r->ncols == HISTORY_NCOLS;
	row->person = p->person;
	row->mid = p->mid;
	row->midlen = p->midlen;
	r->table_name = p->table_name;
	r->operation = p->operation;
	r->session_role = (char *) p->session_role;
	r->acting_role = (char *) p->acting_role;
	r->txid = p->txid;
	r->recorded_at = p->recorded_at;
}

/* Orders pending records by organisation, then as they were made. */
static int
pending_cmp(const void *a, const void *b)
{
	const PendingRecord *x = *(PendingRecord *const *) a;
	const PendingRecord *y = *(PendingRecord *const *) b;

	if (x->org_id != y->org_id)
		return x->org_id < y->org_id ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

/*
 * Links every pending record: for each organisation in ascending org_id (the
 * order every linker takes heads in, so two of them never deadlock on heads),
 * takes its head, appends its records in the order they were made and moves
 * the head; as the history's owner, like record_rows().  Records linked
 * inside a subtransaction are kept (relinkable) until the transaction ends:
 * if that subtransaction rolls back, or this fails inside it, they are
 * pending again.
 */
static void
history_link_pending(void)
{
	PendingRecord **arr;
	PendingRecord *p;
	SubTransactionId linked_in = GetCurrentSubTransactionId();
	Recorder	r;
	Oid			save_userid;
	int			save_sec;
	Oid			head_relid;
	int			n = 0;
	int			i = 0;
	bool		pushed = false;
	Oid			history;
	HistorySpi	saved_spi;
	MemoryContext oldcxt;
	static MemoryContext formcxt = NULL;
	static HistoryFormed formed[HISTORY_FORM_AHEAD];

	if (pending == NULL)
		return;
	/*
	 * A record made for a history that was dropped since (DROP EXTENSION in
	 * this transaction) went with it, as it would have had it been linked.
	 */
	history = InvalidOid;
	arr = palloc(sizeof(PendingRecord *) * pending_n);
	for (p = pending; p != NULL; p = p->next)
	{
		if (p->history != history &&
			SearchSysCacheExists1(RELOID, ObjectIdGetDatum(p->history)))
			history = p->history;
		if (p->history == history)
			arr[n++] = p;
	}
	pending = NULL;
	pending_n = 0;
	if (n == 0 || history != engine_catalog()->history)
	{
		pfree(arr);
		return;
	}
	if (linked_in != TopSubTransactionId)
		for (i = 0; i < n; i++)
		{
			arr[i]->linked_in = linked_in;
			arr[i]->next = relinkable;
			relinkable = arr[i];
		}
	if (n > 1)
		qsort(arr, n, sizeof(PendingRecord *), pending_cmp);

	head_relid = engine_catalog()->history_head;
	if (head_relid != held_heads_relid)
		held_heads_forget();
	held_heads_relid = head_relid;

	memset(&r, 0, sizeof(r));
	r.store = history_store_usable();
	r.direct = true;
	r.ncols = engine_catalog()->history_has_person ? HISTORY_NCOLS : HISTORY_NCOLS - 1;
	r.rowcxt = AllocSetContextCreate(CurrentMemoryContext, "iso28000 history row",
									 ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&r.canon);
	initStringInfo(&r.mid);

	/*
	 * Before the commit no statement runs: SPI needs a snapshot (the store
	 * takes its own, and lock_head() pushes one for a first head's INSERT).
	 */
	if (!r.store && !ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed = true;
	}
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(history_owner(),
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	saved_spi = history_spi_begin(r.store);
	if (r.store)
	{
		history_store_begin();
		/* kept for the life of the backend, emptied after each use */
		if (formcxt == NULL)
			formcxt = AllocSetContextCreate(TopMemoryContext, "iso28000 history formed",
											ALLOCSET_DEFAULT_SIZES);
	}
	i = 0;
	while (i < n)
	{
		int64		org_id = arr[i]->org_id;
		int64		seq;
		uint8		hash[HISTORY_HASH_LEN];
		ItemPointerData tid;
		int			first = i;
		int			nformed = 0;

		/*
		 * The text of the organisation's records but what depends on the
		 * head (sequence number, previous hash) was written at their
		 * statements (defer_row()): the head's lock, which every other
		 * writer of the organisation waits for, is held from here to the end
		 * of the commit.  Their tuples too, but for the seq and hashes, are
		 * formed before the head is taken (up to HISTORY_FORM_AHEAD of them:
		 * the rest, of a large transaction, are formed under it as before).
		 */
		if (r.store)
		{
			MemoryContextReset(formcxt);
			oldcxt = MemoryContextSwitchTo(formcxt);
			for (; nformed < HISTORY_FORM_AHEAD && first + nformed < n &&
				 arr[first + nformed]->org_id == org_id; nformed++)
			{
				ChangedRow	row;

				pending_row(&r, arr[first + nformed], &row);
				form_row(&r, &row, &formed[nformed]);
			}
			MemoryContextSwitchTo(oldcxt);
		}
		lock_head(org_id, &seq, hash, &tid, r.store, false);
		for (; i < n && arr[i]->org_id == org_id; i++)
		{
			ChangedRow	row;

			pending_row(&r, arr[i], &row);
			if (i - first < nformed)
				row.formed = &formed[i - first];
			record_row(&r, &row, ++seq, hash);
		}
		move_head(org_id, seq, hash, &tid, r.store, false);
	}
	if (r.store)
	{
		history_store_end();
		MemoryContextReset(formcxt);
	}
	history_spi_end(saved_spi);
	SetUserIdAndSecContext(save_userid, save_sec);
	if (pushed)
		PopActiveSnapshot();
	MemoryContextDelete(r.rowcxt);
	pfree(r.canon.data);
	pfree(r.mid.data);
	pfree(arr);
}

/*
 * True when a plan reads the history or its heads (the tables the pending
 * records were made for: no catalog look-up here, which could cache the
 * extension's catalog while it is being dropped).
 */
static bool
plan_reads_history(PlannedStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = (RangeTblEntry *) lfirst(lc);

		if (rte->rtekind == RTE_RELATION &&
			(rte->relid == pending_history || rte->relid == pending_head))
			return true;
	}
	return false;
}

static ExecutorStart_hook_type prev_executor_start = NULL;
static ExecutorRun_hook_type prev_executor_run = NULL;
static ExecutorFinish_hook_type prev_executor_finish = NULL;

/* Executors running (counted as pg_stat_statements counts them): 0 at a top-level query's start. */
static int	history_exec_depth = 0;

/*
 * Links the pending records before a query that may read them: a top-level
 * SELECT (which may call functions that read the history with its snapshot,
 * as verify_history() does) or any query that reads the history or its heads.
 * A top-level query's snapshot gets the new command id before anything of the
 * query ran; a nested query gets a copy with it (the original may be shared
 * with the query that runs it, which must not start seeing its own changes).
 * A top-level INSERT, UPDATE or DELETE that does not read the history leaves
 * them pending, so a transaction of several such statements still takes its
 * heads only at commit.
 */
static void
history_executor_start(QueryDesc *qd, int eflags)
{
	bool		pushed = false;

	if (pending != NULL && !(eflags & EXEC_FLAG_EXPLAIN_ONLY) && !IsInParallelMode() &&
		qd->plannedstmt != NULL &&
		((history_exec_depth == 0 && qd->operation == CMD_SELECT) ||
		 plan_reads_history(qd->plannedstmt)))
	{
		history_link_pending();
		CommandCounterIncrement();
		if (qd->snapshot != NULL && IsMVCCSnapshot(qd->snapshot))
		{
			if (history_exec_depth == 0)
				qd->snapshot->curcid = GetCurrentCommandId(false);
			else
			{
				Snapshot	orig = qd->snapshot;

				/* registered in place of the original, as CreateQueryDesc() registered that */
				PushCopiedSnapshot(orig);
				UpdateActiveSnapshotCommandId();
				qd->snapshot = RegisterSnapshot(GetActiveSnapshot());
				UnregisterSnapshot(orig);
				pushed = true;
			}
		}
	}
	if (prev_executor_start)
		prev_executor_start(qd, eflags);
	else
		standard_ExecutorStart(qd, eflags);
	/* the executor registered the copy: it lives until ExecutorEnd */
	if (pushed)
		PopActiveSnapshot();
}

/* Counts the running executors. */
#if PG_VERSION_NUM >= 180000
/* PostgreSQL 18 dropped ExecutorRun's execute_once argument. */
#define HISTORY_RUN_ARGS_DECL	QueryDesc *qd, ScanDirection direction, uint64 count
#define HISTORY_RUN_ARGS		qd, direction, count
#else
#define HISTORY_RUN_ARGS_DECL	QueryDesc *qd, ScanDirection direction, uint64 count, bool execute_once
#define HISTORY_RUN_ARGS		qd, direction, count, execute_once
#endif

static void
history_executor_run(HISTORY_RUN_ARGS_DECL)
{
	history_exec_depth++;
	PG_TRY();
	{
		if (prev_executor_run)
			prev_executor_run(HISTORY_RUN_ARGS);
		else
			standard_ExecutorRun(HISTORY_RUN_ARGS);
	}
	PG_FINALLY();
	{
		history_exec_depth--;
	}
	PG_END_TRY();
}

/* Counts the running executors (AFTER triggers run in ExecutorFinish). */
static void
history_executor_finish(QueryDesc *qd)
{
	history_exec_depth++;
	PG_TRY();
	{
		if (prev_executor_finish)
			prev_executor_finish(qd);
		else
			standard_ExecutorFinish(qd);
	}
	PG_FINALLY();
	{
		history_exec_depth--;
	}
	PG_END_TRY();
}

/* Installs the executor hooks, once per backend. */
static void
history_hook_executor(void)
{
	static bool hooked = false;

	if (hooked)
		return;
	hooked = true;
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = history_executor_start;
	prev_executor_run = ExecutorRun_hook;
	ExecutorRun_hook = history_executor_run;
	prev_executor_finish = ExecutorFinish_hook;
	ExecutorFinish_hook = history_executor_finish;
}

/*
 * True when a statement's n records may be linked at commit: a READ
 * COMMITTED transaction writing the history directly (not on Citus), under
 * iso28000.history_link = commit, a statement of at most
 * HISTORY_DEFER_ROWS rows, at most HISTORY_DEFER_MAX records kept.
 */
static bool
history_may_defer(Recorder *r, int n)
{
	return r->store && history_link == HISTORY_LINK_COMMIT && !IsolationUsesXactSnapshot() &&
		!IsInParallelMode() && n <= HISTORY_DEFER_ROWS && pending_n + n <= HISTORY_DEFER_MAX;
}

/*
 * Chains the changed rows (sorted by organisation, images made) and inserts
 * the batch.  Only this runs as the history's owner: the head lock and moves
 * and the inserts, all through SPI statements that name every relation,
 * function and operator with its schema and whose parameters have the
 * columns' own types (no cast), plus hashing in C.  No code of the caller's
 * choosing runs under the switch: the images were made before it, as the
 * caller, and SECURITY_RESTRICTED_OPERATION forbids what could change the
 * session's state meanwhile.
 */
static void
record_rows(Recorder *r, ChangedRow *rows, int n)
{
	Oid			save_userid;
	int			save_sec;
	int			i = 0;
	Oid			head_relid;
	HistorySpi	saved_spi;

	/* Held heads are rows of one history_head: forget them if it was replaced. */
	head_relid = engine_catalog()->history_head;
	if (head_relid != held_heads_relid)
		held_heads_forget();
	held_heads_relid = head_relid;

	/* The acting person of each organisation, as the caller, before any switch of user. */
	for (i = 0; i < n; i++)
	{
		if (r->ncols < HISTORY_NCOLS)
			rows[i].has_person = false;
		else if (i > 0 && rows[i].org_id == rows[i - 1].org_id)
		{
			rows[i].has_person = rows[i - 1].has_person;
			rows[i].person = rows[i - 1].person;
		}
		else
			rows[i].has_person = iso28000_acting_person(rows[i].org_id, &rows[i].person);
	}
	i = 0;

	/*
	 * Linked at commit: every row whose organisation's head this transaction
	 * does not hold yet (a held head is moved at once, cheaply).  Otherwise
	 * what is pending is linked first, so the chain keeps the order of the
	 * changes.
	 */
	if (history_may_defer(r, n))
	{
		int			kept = 0;

		for (i = 0; i < n; i++)
		{
			if (held_head(rows[i].org_id, false) == NULL)
				defer_row(r, &rows[i]);
			else
				rows[kept++] = rows[i];
		}
		n = kept;
		i = 0;
		if (n == 0)
			return;
	}
	else if (pending != NULL)
		history_link_pending();

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(history_owner(),
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	saved_spi = history_spi_begin(r->store);

	if (r->store)
		history_store_begin();
	while (i < n)
	{
		int64		org_id = rows[i].org_id;
		int64		seq;
		uint8		hash[HISTORY_HASH_LEN];
		ItemPointerData tid;

		lock_head(org_id, &seq, hash, &tid, r->store, r->on_shard);
		if (r->direct && !r->store && !r->on_shard && (i + 1 == n || rows[i + 1].org_id != org_id))
		{
			/*
			 * The organisation's only record: appended with the move of its
			 * head (not on a Citus shard, whose router takes the two
			 * statements as they were).
			 */
			r->move_tid = &tid;
			record_row(r, &rows[i++], ++seq, hash);
			r->move_tid = NULL;
			continue;
		}
		for (; i < n && rows[i].org_id == org_id; i++)
			record_row(r, &rows[i], ++seq, hash);
		move_head(org_id, seq, hash, &tid, r->store, r->on_shard);
	}

	if (r->store)
		history_store_end();
	if (!r->direct)
	{
		EphemeralNamedRelation enr = palloc0(sizeof(EphemeralNamedRelationData));
		int			rc;

		enr->md.name = HISTORY_BATCH_ENR;
		enr->md.reliddesc = InvalidOid;
		enr->md.tupdesc = r->outdesc;
		enr->md.enrtype = ENR_NAMED_TUPLESTORE;
		enr->md.enrtuples = tuplestore_tuple_count(r->out);
		enr->reldata = r->out;
		if (SPI_register_relation(enr) != SPI_OK_REL_REGISTER)
			elog(ERROR, "could not register the history batch");
		rc = SPI_execute(history_insert_sql(r->ncols, true), false, 0);
		if (rc != SPI_OK_INSERT || SPI_processed != (uint64) n)
			elog(ERROR, "could not append %d history records: %s", n, SPI_result_code_string(rc));
	}

	history_spi_end(saved_spi);
	SetUserIdAndSecContext(save_userid, save_sec);
}

/*
 * On Citus, a reference table (organization, membership) has a placement on
 * every node and each fires its triggers: only the node that holds the
 * organisation's chain records the change.  Keeps those rows (sorted by
 * organisation), returns how many.
 */
static int
iso28000_keep_local_chains(Relation rel, ChangedRow *rows, int n)
{
	int			kept = 0;
	int			i;
	bool		local = false;

	if (!iso28000_is_reference_placement(rel))
		return n;
	for (i = 0; i < n; i++)
	{
		if (i == 0 || rows[i].org_id != rows[i - 1].org_id)
			local = iso28000_chain_is_local(rows[i].org_id);
		if (local)
			rows[kept++] = rows[i];
	}
	return kept;
}

/* Records every row a statement (or one row) changed into its organisation's chain. */
PG_FUNCTION_INFO_V1(history_record);
Datum
history_record(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	Recorder	r;
	const char *operation;
	int			org_attnum;
	HistoryRegister *reg;
	ChangedRow *rows;
	HeapTuple  *olds = NULL;
	HeapTuple  *news = NULL;
	int			nold = 0;
	int			nnew = 0;
	int			n;
	int			i;
	Oid			owner;
	bool		owner_rights;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"history_record\" must be fired as a trigger")));
	td = (TriggerData *) fcinfo->context;
	history_define_guc();

	owner = history_owner();
	if (!iso28000_is_extension_table(td->tg_relation))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_HISTORY_NOT_EXTENSION),
				 errmsg("table \"%s\" is not a register of the extension: the history does not record it",
						engine_relname(td->tg_relation)),
				 errdetail("The history records only permanent tables of schema iso28000 owned by the extension's owner."),
				 errhint("A register is created in schema iso28000 by the extension's owner and made one with iso28000.register_table()."),
				 errtable(td->tg_relation)));

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_HISTORY_TRUNCATE_REGISTER),
				 errmsg("cannot truncate register \"%s\"", get_rel_name(engine_relid(td->tg_relation))),
				 errdetail("The history records every change row by row, and TRUNCATE would remove rows without a record."),
				 errhint("Remove the rows with DELETE, which the history records.")));
	if (!TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_HISTORY_BAD_TRIGGER),
				 errmsg("history trigger \"%s\" on \"%s\" must fire AFTER the change",
						td->tg_trigger->tgname, RelationGetRelationName(td->tg_relation)),
				 errhint("Attach the history with iso28000.attach_history().")));

	/*
	 * pg_restore (row_security off) loads the history as data: record nothing,
	 * but only for a session whose role could disable this trigger anyway.
	 */
	if (!row_security && has_privs_of_role(GetOuterUserId(), owner))
		return PointerGetDatum(NULL);

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		operation = "INSERT";
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		operation = "UPDATE";
	else
		operation = "DELETE";

	reg = history_register(td->tg_relation);
	org_attnum = reg->org_attnum;
	if (org_attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_HISTORY_NOT_A_REGISTER),
				 errmsg("table \"%s\" has no org_id column", RelationGetRelationName(td->tg_relation)),
				 errdetail("The history chains each row into the chain of the organisation named by its org_id."),
				 errtable(td->tg_relation),
				 err_generic_string(PG_DIAG_COLUMN_NAME, "org_id")));

	memset(&r, 0, sizeof(r));
	r.reldesc = RelationGetDescr(td->tg_relation);

	/* Collect the changed rows: one for a row trigger, all for a statement. */
	if (TRIGGER_FIRED_FOR_ROW(td->tg_event))
	{
		if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		{
			news = &td->tg_trigtuple;
			nnew = 1;
		}
		else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		{
			olds = &td->tg_trigtuple;
			news = &td->tg_newtuple;
			nold = nnew = 1;
		}
		else
		{
			olds = &td->tg_trigtuple;
			nold = 1;
		}
	}
	else
	{
		bool		wants_old = !TRIGGER_FIRED_BY_INSERT(td->tg_event);
		bool		wants_new = !TRIGGER_FIRED_BY_DELETE(td->tg_event);

		if ((wants_old && td->tg_oldtable == NULL) || (wants_new && td->tg_newtable == NULL))
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_HISTORY_BAD_TRIGGER),
					 errmsg("history trigger \"%s\" on \"%s\" has no transition tables",
							td->tg_trigger->tgname, RelationGetRelationName(td->tg_relation)),
					 errdetail("A statement-level history trigger reads the changed rows from REFERENCING OLD TABLE and NEW TABLE."),
					 errhint("Attach the history with iso28000.attach_history().")));
		r.rel = td->tg_relation;
		if (wants_old)
			olds = read_transition(&r, td->tg_oldtable, &nold);
		if (wants_new)
			news = read_transition(&r, td->tg_newtable, &nnew);
		if (wants_old && wants_new && nold != nnew)
			elog(ERROR, "transition tables of \"%s\" differ in length (%d old, %d new)",
				 RelationGetRelationName(td->tg_relation), nold, nnew);
	}
	n = Max(nold, nnew);
	if (n == 0)
		return PointerGetDatum(NULL);

	recorder_init(&r, td, reg, operation, n);

	rows = palloc0(sizeof(ChangedRow) * n);
	for (i = 0; i < n; i++)
	{
		rows[i].pos = i;
		rows[i].oldtup = nold ? olds[i] : NULL;
		rows[i].newtup = nnew ? news[i] : NULL;
		/* An UPDATE goes to the chain of the organisation the row now belongs to. */
		rows[i].org_id = row_org(&r, rows[i].newtup ? rows[i].newtup : rows[i].oldtup, org_attnum);
		/* org_id never changes: a record does not move between organisations' chains. */
		if (rows[i].oldtup && rows[i].newtup)
		{
			int64		old_org = row_org(&r, rows[i].oldtup, org_attnum);

			if (old_org != rows[i].org_id)
			{
				convert_row(&r, &rows[i]);
				ereport(ERROR,
						(errcode(ERRCODE_ISO28000_ORG_ID_CHANGED),
						 errmsg("org_id of a row of register \"%s\" cannot change (from " INT64_FORMAT " to " INT64_FORMAT ")",
								r.table_name, old_org, rows[i].org_id),
						 errdetail("Row %s belongs to organisation " INT64_FORMAT " for good: its chain holds its history.",
								   rows[i].key ? jsonb_text(rows[i].key) : "(no key)", old_org),
						 errhint("To move a record, insert a new one in the other organisation and close this one."),
						 errtablecol(td->tg_relation, org_attnum)));
			}
		}
	}
	if (n > 1)
		qsort(rows, n, sizeof(ChangedRow), changed_row_cmp);
	n = iso28000_keep_local_chains(td->tg_relation, rows, n);

	/*
	 * Each organisation's chain takes rows only from a role that may write in
	 * it: neither an append to nor a lock on the chain of another.  A role
	 * with the owner's privileges (the extension's SECURITY DEFINER functions,
	 * foreign-key actions) writes anyway.
	 */
	owner_rights = has_privs_of_role(GetUserId(), owner);
	for (i = 0; i < n && !owner_rights; i++)
	{
		if (i > 0 && rows[i].org_id == rows[i - 1].org_id)
			continue;
		if (!membership_has_level(GetUserId(), rows[i].org_id, "write"))
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_HISTORY_ORG_DENIED),
					 errmsg("role \"%s\" cannot write in organisation " INT64_FORMAT ": the history does not record its change of \"%s\"",
							GetUserNameFromId(GetUserId(), false), rows[i].org_id, r.table_name),
					 errdetail("A change is chained into the history of its row's organisation only for a role with write access there."),
					 errhint("A manager of the organisation grants access with iso28000.grant_access()."),
					 errtablecol(td->tg_relation, org_attnum)));
	}

	/* Everything that can run the caller's code, as the caller, first. */
	for (i = 0; i < n; i++)
		convert_row(&r, &rows[i]);

	if (n > 0)
		record_rows(&r, rows, n);

	if (r.out != NULL)
		tuplestore_end(r.out);
	return PointerGetDatum(NULL);
}
