/*
 * history_verify.c
 *		Streamed verification of an organisation's history chain:
 *		iso28000.history_verify_chain(), the loop of verify_history().
 *
 * verify_history() (sql/core/05_history.sql) checks the caller's level and
 * the kept digest, calls this function for the records, then checks the chain
 * head.  This function runs one query for the organisation's records in seq
 * order, as the caller (row-level security applies), with itself as the
 * query's receiver: each row is checked as the executor produces it, with no
 * copy of the row and no result set.  For each record it recomputes the hash
 * over the canonical serialisation that the recorder hashed (the netstring
 * fields of history_canonical_text(), history.c, over history_canon.c), written
 * from the row's datums straight into one reused buffer: each jsonb column by
 * hj_jsonb_to_text() (history_jsonb_text.c) from its stored binary form, the
 * bytes JsonbToCString writes for the recorder, or by JsonbToCString itself
 * for a value that writer leaves to it.  Nothing is allocated per record: the
 * serialisation and the hash context are reused; a compressed value's copy
 * and other per-record scraps are freed every HV_BATCH records.
 *
 * Where the time goes (bench/results/history_verify.md): about a third in
 * SHA-256 over some 400 bytes a record, a third reading the records in seq
 * order, a third writing the jsonb text and the other fields.
 *
 * The checks, per record r in seq order, with prev the hash of the last good
 * record (32 zero bytes before the first), are those of 0.1.0, in its order:
 *   missing       r.seq is not the next number;
 *   reordered     r.prev_hash is not prev, and a later record has that hash;
 *   inserted      the next record links to prev, and r.hash is not prev;
 *   altered       r.prev_hash is not prev (its link was changed), or the hash
 *                 recomputed from r's fields is not r.hash (its content was);
 *   digest_mismatch  r is the record of the kept digest and its hash differs.
 * The first failure ends the walk.  "inserted" needs the next record's
 * prev_hash, so a record is checked once the next one is read.  A broken
 * link stops the scan; "reordered" then looks for a later record carrying the
 * hash the link names, with one more query, after the scan (a receiver may
 * not run queries of its own).
 */
#include "iso28000_compat.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "nodes/params.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "history.h"
#include "history_canon.h"
#include "history_jsonb_text.h"

/*
 * SHA-256.  The recorder hashes through pg_cryptohash, which with OpenSSL 3
 * looks the digest up again (under a lock) at every init: a quarter of the
 * walk's time.  Where PostgreSQL is built with OpenSSL and its headers are at
 * hand, the walk fetches the digest once and reuses it; the hash is the same.
 */
#if defined(USE_OPENSSL) && defined(__has_include)
#if __has_include(<openssl/evp.h>)
#define HV_OPENSSL 1
#include <openssl/evp.h>
#endif
#endif

typedef struct HvSha
{
#ifdef HV_OPENSSL
	EVP_MD_CTX *ctx;
	EVP_MD	   *md;				/* fetched once (OpenSSL 3), else static */
#else
	pg_cryptohash_ctx *ctx;
#endif
} HvSha;

/* Sets up the hash; hv_sha_free() must follow, on error too. */
static void
hv_sha_init(HvSha *h)
{
#ifdef HV_OPENSSL
	h->ctx = EVP_MD_CTX_new();
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
#else
	h->md = (EVP_MD *) EVP_sha256();
#endif
	if (h->ctx == NULL || h->md == NULL)
		elog(ERROR, "could not create a SHA-256 context");
#else
	h->ctx = pg_cryptohash_create(PG_SHA256);
	if (h->ctx == NULL)
		elog(ERROR, "could not create a SHA-256 context");
#endif
}

/* SHA-256 of len bytes into out. */
static inline void
hv_sha(HvSha *h, const char *data, size_t len, uint8 *out)
{
#ifdef HV_OPENSSL
	unsigned int outlen = 0;

	if (EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1 ||
		EVP_DigestUpdate(h->ctx, data, len) != 1 ||
		EVP_DigestFinal_ex(h->ctx, out, &outlen) != 1 || outlen != HISTORY_HASH_LEN)
		elog(ERROR, "could not compute SHA-256");
#else
	if (pg_cryptohash_init(h->ctx) < 0 ||
		pg_cryptohash_update(h->ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(h->ctx, out, HISTORY_HASH_LEN) < 0)
		elog(ERROR, "could not compute SHA-256");
#endif
}

/* Releases the hash. */
static void
hv_sha_free(HvSha *h)
{
#ifdef HV_OPENSSL
	if (h->ctx)
		EVP_MD_CTX_free(h->ctx);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	if (h->md)
		EVP_MD_free(h->md);
#endif
#else
	if (h->ctx)
		pg_cryptohash_free(h->ctx);
#endif
	h->ctx = NULL;
#ifdef HV_OPENSSL
	h->md = NULL;
#endif
}

/* Records between two resets of the per-record memory. */
#define HV_BATCH 256

/* Columns of the records query, 0-based. */
enum
{
	HV_SEQ, HV_RECORDED_AT, HV_SESSION_ROLE, HV_ACTING_ROLE, HV_TXID, HV_TABLE_NAME,
	HV_OPERATION, HV_ROW_KEY, HV_BEFORE, HV_AFTER, HV_PREV_HASH, HV_HASH, HV_PERSON, HV_NCOLS
};

static const char *const HV_RECORDS_SQL =
"SELECT h.seq, h.recorded_at, h.session_role, h.acting_role, h.txid, h.table_name,"
"       h.operation, h.row_key, h.before_image, h.after_image, h.prev_hash, h.hash, h.acting_person"
"  FROM iso28000.history h"
" WHERE h.org_id OPERATOR(pg_catalog.=) $1"
" ORDER BY h.seq";

static const char *const HV_LATER_SQL =
"SELECT 1 FROM iso28000.history l"
" WHERE l.org_id OPERATOR(pg_catalog.=) $1 AND l.seq OPERATOR(pg_catalog.>) $2"
"   AND l.hash OPERATOR(pg_catalog.=) $3"
" LIMIT 1";

/* A bytea value kept across batches (a hash is 32 bytes; tampered ones may not be). */
typedef struct HvBytes
{
	bool		null;
	int			len;
	uint8	   *data;			/* palloc'd, grown as needed */
	int			cap;
} HvBytes;

/* The record waiting for its successor's prev_hash. */
typedef struct HvPending
{
	bool		present;
	int64		seq;
	HvBytes		prev_hash;
	HvBytes		hash;
	bool		content_ok;		/* recomputed hash equals hash */
} HvPending;

/* The walk's state and its result. */
typedef struct HvState
{
	int64		org_id;
	bool		has_kept;
	int64		kept_seq;
	HvBytes		kept_hash;
	int64		expect_seq;
	uint8		prev[HISTORY_HASH_LEN];
	int64		records_checked;
	int64		broken_seq;		/* 0: none yet */
	const char *problem;
	char	   *detail;
	bool		unlinked;		/* the pending record's link is broken: finish after the scan */
	bool		unlinked_has_next;
} HvState;

/* Copies len bytes (or NULL) into a kept value. */
static void
hv_set(HvBytes *b, const void *data, int len, bool null)
{
	b->null = null;
	b->len = null ? 0 : len;
	if (null)
		return;
	if (b->data == NULL || b->cap < len)
	{
		b->cap = Max(len, 64);
		b->data = b->data ? repalloc(b->data, b->cap) : palloc(b->cap);
	}
	memcpy(b->data, data, len);
}

/* True when a kept value is exactly the 32 bytes h (IS NOT DISTINCT FROM). */
static inline bool
hv_equals(const HvBytes *b, const uint8 *h)
{
	return !b->null && b->len == HISTORY_HASH_LEN && memcmp(b->data, h, HISTORY_HASH_LEN) == 0;
}

static bool hv_check_rest(HvState *st, HvPending *p, const HvBytes *next_prev, bool linked);

/* Reports the first broken link and stops the walk. */
static void
hv_fail(HvState *st, int64 seq, const char *problem, char *detail)
{
	st->broken_seq = seq;
	st->problem = problem;
	st->detail = detail;
}

/*
 * Checks the pending record, now that the next record's prev_hash is known
 * (next_prev NULL at the end of the chain).  Returns false once a link is
 * broken; a broken link (not linked) is only noted in st->unlinked: whether a
 * later record carries the hash it links to (reordered) needs a query, which
 * runs after the scan, and hv_check_unlinked() finishes the check then.
 */
static bool
hv_check_pending(HvState *st, HvPending *p, const HvBytes *next_prev)
{
	bool		linked = hv_equals(&p->prev_hash, st->prev);

	if (!linked)
	{
		st->unlinked = true;
		st->unlinked_has_next = (next_prev != NULL);
		return false;
	}
	return hv_check_rest(st, p, next_prev, linked);
}

/* The checks after "reordered", in 0.1.0's order. */
static bool
hv_check_rest(HvState *st, HvPending *p, const HvBytes *next_prev, bool linked)
{
	if (next_prev != NULL && hv_equals(next_prev, st->prev) && !hv_equals(&p->hash, st->prev))
	{
		hv_fail(st, p->seq, "inserted",
				psprintf("record " INT64_FORMAT " is not part of the chain: record " INT64_FORMAT
						 " links past it to record " INT64_FORMAT,
						 p->seq, p->seq + 1, p->seq - 1));
		return false;
	}
	if (!linked)
	{
		hv_fail(st, p->seq, "altered",
				psprintf("record " INT64_FORMAT " does not link to record " INT64_FORMAT
						 ": its prev_hash was changed", p->seq, p->seq - 1));
		return false;
	}
	if (!p->content_ok)
	{
		hv_fail(st, p->seq, "altered",
				psprintf("record " INT64_FORMAT " does not match its hash: its content was changed",
						 p->seq));
		return false;
	}
	if (st->has_kept && p->seq == st->kept_seq && !p->hash.null &&
		!(p->hash.len == st->kept_hash.len &&
		  memcmp(p->hash.data, st->kept_hash.data, p->hash.len) == 0))
	{
		hv_fail(st, p->seq, "digest_mismatch",
				psprintf("record " INT64_FORMAT " no longer has the hash of the kept digest:"
						 " the chain up to it was rewritten", p->seq));
		return false;
	}
	st->records_checked++;
	memcpy(st->prev, p->hash.data, HISTORY_HASH_LEN);	/* content_ok: 32 bytes */
	st->expect_seq++;
	p->present = false;
	return true;
}

/*
 * The canonical serialisation, written here from the datums (the jsonb
 * columns by hj_jsonb_to_text(), history_jsonb_text.c) rather than through
 * the recorder's history_canonical_text(), which takes NUL-terminated strings
 * and would need each jsonb written and each text copied and measured again.
 * The fields, their order and their text are those of history_canonical_text()
 * (history.c) and doc/history.md, over the same hc_put_field(); a difference
 * in one byte makes every record "altered", which the tests would show
 * (test/pgtap/history_verify_stream.sql, history_jsonb_writer.sql).
 */

/* Makes room for n more bytes and a NUL (enlargeStringInfo, called only when needed). */
static inline void
hv_room(StringInfo out, size_t n)
{
	if ((size_t) (out->maxlen - out->len) <= n)
		enlargeStringInfo(out, (int) n);
}

/* A stored varlena in place, or detoasted when compressed or out of line (pg_detoast_datum_packed). */
static inline struct varlena *
hv_varlena(Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	return VARATT_IS_COMPRESSED(v) || VARATT_IS_EXTERNAL(v) ? detoast_attr(v) : v;
}

/* Appends a netstring field of n bytes (NULL: "~"). */
static inline void
hv_field(StringInfo out, const char *s, size_t n)
{
	hv_room(out, hc_field_size(n));
	out->len = hc_put_field(out->data + out->len, s, n) - out->data;
}

/* Appends an integer field, in decimal as history.c writes it. */
static inline void
hv_int_field(StringInfo out, int64 v)
{
	char		tmp[MAXINT8LEN + 1];

	hv_field(out, tmp, pg_lltoa(v, tmp));
}

/* Appends a text datum as a field, without copying it first. */
static inline void
hv_text_field(StringInfo out, Datum d)
{
	struct varlena *t = hv_varlena(d);

	hv_field(out, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* Digits of n in decimal. */
static inline int
hv_digits(size_t n)
{
	int			d = 1;

	while (n >= 10)
	{
		n /= 10;
		d++;
	}
	return d;
}

/*
 * Writes the text of jsonb datum d by hj_jsonb_to_text() at byte at of out
 * (out->len unchanged, room made for keep more bytes after the text) and
 * returns its length, or HJ_FALLBACK when the writer leaves the value to
 * JsonbToCString().  Reads the stored bytes in place (short header included);
 * only a compressed or out-of-line value is detoasted first.
 */
static long
hv_jsonb_fast(StringInfo out, int at, int keep, Datum d)
{
	struct varlena *v = hv_varlena(d);
	long		n;

	hv_room(out, at - out->len + keep + VARSIZE_ANY_EXHDR(v));
	for (;;)
	{
		n = hj_jsonb_to_text(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), out->data + at,
							 (size_t) (out->maxlen - at - keep - 1));
		if (n != HJ_NO_ROOM)
			return n;
		enlargeStringInfo(out, (out->maxlen - out->len) * 2);
	}
}

/*
 * Appends a jsonb datum (or NULL) as a field: its text as JsonbToCString()
 * writes it, by hv_jsonb_fast() straight after room for a three-digit length
 * (moved when the length has more or fewer digits), or by JsonbToCString()
 * itself, into scratch, for a value that the writer leaves to it.
 */
static void
hv_jsonb_field(StringInfo out, StringInfo scratch, Datum d, bool isnull)
{
	int			start = out->len;
	int			guess = 3;
	int			nd;
	long		n;
	char	   *p;

	if (isnull)
	{
		hv_field(out, NULL, 0);
		return;
	}
	n = hv_jsonb_fast(out, start + guess + 1, 1, d);
	if (n == HJ_FALLBACK)
	{
		Jsonb	   *jb = DatumGetJsonbP(d);

		resetStringInfo(scratch);
		JsonbToCString(scratch, &jb->root, VARSIZE(jb));
		hv_field(out, scratch->data, scratch->len);
		return;
	}
	/* as hc_put_field(): "<n>:", the text, "," */
	nd = hv_digits((size_t) n);
	if (nd != guess)
	{
		hv_room(out, nd + 2 + (size_t) n);
		memmove(out->data + start + nd + 1, out->data + start + guess + 1, n);
	}
	out->len = start + nd + 1 + (int) n;
	out->data[out->len++] = ',';
	out->data[out->len] = '\0';
	p = out->data + start + nd;
	*p = ':';
	while (nd-- > 0)
	{
		*--p = (char) ('0' + n % 10);
		n /= 10;
	}
}

PG_FUNCTION_INFO_V1(history_jsonb_text);
/*
 * The text of a jsonb value as the verifier hashes it (hj_jsonb_to_text(),
 * falling back to JsonbToCString()); with fallback false, NULL where the
 * writer leaves the value to JsonbToCString().  For tests: it must equal
 * value::text for every value.
 */
Datum
history_jsonb_text(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	long		n;

	initStringInfo(&buf);
	n = hv_jsonb_fast(&buf, 0, 0, PG_GETARG_DATUM(0));
	if (n == HJ_FALLBACK)
	{
		Jsonb	   *jb;

		if (!PG_GETARG_BOOL(1))
			PG_RETURN_NULL();
		jb = PG_GETARG_JSONB_P(0);
		JsonbToCString(&buf, &jb->root, VARSIZE(jb));
		n = buf.len;
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, (int) n));
}

/* The walk as the receiver of the records query: each row is checked as the executor produces it. */
typedef struct HvWalk
{
	DestReceiver pub;
	HvState    *st;
	HvPending	pend;
	HvBytes		next_prev;
	HvSha		sha;
	MemoryContext callcxt;		/* kept values, results */
	MemoryContext rowcxt;		/* per-record work, reset every HV_BATCH records */
	uint32		since_reset;
	StringInfoData s_json;		/* a jsonb column's text */
	StringInfoData canon;		/* the record's canonical serialisation */
} HvWalk;

/* Checks one record (and its predecessor, now that its successor is known). */
static bool
hv_receive(TupleTableSlot *slot, DestReceiver *self)
{
	HvWalk	   *w = (HvWalk *) self;
	HvState    *st = w->st;
	HvPending  *pend = &w->pend;
	MemoryContext oldcxt;
	Datum	   *values;
	bool	   *nulls;
	bytea	   *b;
	int64		seq;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	values = slot->tts_values;
	nulls = slot->tts_isnull;
	oldcxt = MemoryContextSwitchTo(w->rowcxt);
	seq = DatumGetInt64(values[HV_SEQ]);

	/* the record before this one gets its successor's prev_hash */
	if (nulls[HV_PREV_HASH])
		hv_set(&w->next_prev, NULL, 0, true);
	else
	{
		b = DatumGetByteaPP(values[HV_PREV_HASH]);
		hv_set(&w->next_prev, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), false);
	}
	MemoryContextSwitchTo(w->callcxt);
	if (pend->present && !hv_check_pending(st, pend, &w->next_prev))
	{
		MemoryContextSwitchTo(oldcxt);
		return false;			/* stops the executor */
	}
	if (seq != st->expect_seq)
	{
		hv_fail(st, st->expect_seq, "missing",
				psprintf("record " INT64_FORMAT " is missing: the chain goes from "
						 INT64_FORMAT " to " INT64_FORMAT,
						 st->expect_seq, st->expect_seq - 1, seq));
		MemoryContextSwitchTo(oldcxt);
		return false;
	}

	/* this record: recompute its hash now, check it once the next one is read */
	MemoryContextSwitchTo(w->rowcxt);
	pend->present = true;
	pend->seq = seq;
	hv_set(&pend->prev_hash, w->next_prev.data, w->next_prev.len, w->next_prev.null);
	if (nulls[HV_HASH])
		hv_set(&pend->hash, NULL, 0, true);
	else
	{
		b = DatumGetByteaPP(values[HV_HASH]);
		hv_set(&pend->hash, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), false);
	}
	pend->content_ok = false;
	if (!pend->prev_hash.null && pend->prev_hash.len == HISTORY_HASH_LEN &&
		!pend->hash.null && pend->hash.len == HISTORY_HASH_LEN &&
		!nulls[HV_RECORDED_AT] && !nulls[HV_SESSION_ROLE] && !nulls[HV_ACTING_ROLE] &&
		!nulls[HV_TXID] && !nulls[HV_TABLE_NAME] && !nulls[HV_OPERATION])
	{
		StringInfo	c = &w->canon;
		char		hex[2 * HISTORY_HASH_LEN];
		uint8		computed[HISTORY_HASH_LEN];

		/* history_canonical_text()'s fields, in its order (see above) */
		resetStringInfo(c);
		hv_field(c, HISTORY_CANON_TAG, sizeof(HISTORY_CANON_TAG) - 1);
		hv_int_field(c, st->org_id);
		hv_int_field(c, seq);
		/* time as microseconds since 1970-01-01 00:00 UTC */
		hv_int_field(c, DatumGetTimestampTz(values[HV_RECORDED_AT]) +
					 (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY);
		hv_text_field(c, values[HV_SESSION_ROLE]);
		hv_text_field(c, values[HV_ACTING_ROLE]);
		hv_int_field(c, DatumGetInt64(values[HV_TXID]));
		hv_text_field(c, values[HV_TABLE_NAME]);
		hv_text_field(c, values[HV_OPERATION]);
		hv_jsonb_field(c, &w->s_json, values[HV_ROW_KEY], nulls[HV_ROW_KEY]);
		hv_jsonb_field(c, &w->s_json, values[HV_BEFORE], nulls[HV_BEFORE]);
		hv_jsonb_field(c, &w->s_json, values[HV_AFTER], nulls[HV_AFTER]);
		hc_put_hex32(hex, pend->prev_hash.data);
		hv_field(c, hex, sizeof(hex));
		/* since 0.2.0: the acting person, a last field only when present (doc/history.md) */
		if (!nulls[HV_PERSON])
			hv_int_field(c, DatumGetInt64(values[HV_PERSON]));
		hv_sha(&w->sha, c->data, c->len, computed);
		pend->content_ok = memcmp(computed, pend->hash.data, HISTORY_HASH_LEN) == 0;
	}
	MemoryContextSwitchTo(oldcxt);
	if (++w->since_reset >= HV_BATCH)
	{
		MemoryContextReset(w->rowcxt);
		w->since_reset = 0;
	}
	return true;
}

/* The receiver's start, end and destruction: nothing to do. */
static void
hv_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
hv_shutdown(DestReceiver *self)
{
}

static void
hv_destroy(DestReceiver *self)
{
}

/* Finishes a record whose link is broken: reordered when a later record has the hash it links to. */
static void
hv_check_unlinked(HvState *st, HvPending *p, const HvBytes *next_prev)
{
	Oid			types[3] = {INT8OID, INT8OID, BYTEAOID};
	Datum		args[3];
	bytea	   *b = palloc(VARHDRSZ + p->prev_hash.len);
	int			rc;

	SET_VARSIZE(b, VARHDRSZ + p->prev_hash.len);
	memcpy(VARDATA(b), p->prev_hash.data, p->prev_hash.len);
	args[0] = Int64GetDatum(st->org_id);
	args[1] = Int64GetDatum(p->seq);
	args[2] = PointerGetDatum(b);
	rc = SPI_execute_with_args(HV_LATER_SQL, 3, types, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "history_verify_chain: query failed: %s", SPI_result_code_string(rc));
	if (SPI_processed > 0 && !p->prev_hash.null)
		hv_fail(st, p->seq, "reordered",
				psprintf("record " INT64_FORMAT " links to a record that comes after it in the chain",
						 p->seq));
	else
		(void) hv_check_rest(st, p, next_prev, false);
}

PG_FUNCTION_INFO_V1(history_verify_chain);
/* Walks an organisation's history chain in seq order and names the first broken link. */
Datum
history_verify_chain(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	HvState		st;
	HvWalk		w;
	SPIPlanPtr	plan;
	SPIExecuteOptions options;
	Oid			argtypes[1] = {INT8OID};
	Datum		out[5];
	bool		outnull[5] = {false, false, false, false, false};
	int			rc;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "history_verify_chain: return type must be a row type");

	memset(&st, 0, sizeof(st));
	memset(&w, 0, sizeof(w));
	st.org_id = PG_GETARG_INT64(0);
	st.expect_seq = 1;
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		bytea	   *k = PG_GETARG_BYTEA_PP(2);

		st.has_kept = true;
		st.kept_seq = PG_GETARG_INT64(1);
		hv_set(&st.kept_hash, VARDATA_ANY(k), VARSIZE_ANY_EXHDR(k), false);
	}

	w.pub.receiveSlot = hv_receive;
	w.pub.rStartup = hv_startup;
	w.pub.rShutdown = hv_shutdown;
	w.pub.rDestroy = hv_destroy;
	w.pub.mydest = DestNone;
	w.st = &st;
	w.callcxt = CurrentMemoryContext;
	w.rowcxt = AllocSetContextCreate(w.callcxt, "history_verify_chain rows", ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&w.s_json);
	initStringInfo(&w.canon);
	/* kept values live in this call's context; repalloc keeps them there */
	hv_set(&w.pend.prev_hash, "", 0, false);
	hv_set(&w.pend.hash, "", 0, false);
	hv_set(&w.next_prev, "", 0, false);

	hv_sha_init(&w.sha);
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "history_verify_chain: SPI_connect failed");
		plan = SPI_prepare(HV_RECORDS_SQL, 1, argtypes);
		if (plan == NULL)
			elog(ERROR, "history_verify_chain: SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		memset(&options, 0, sizeof(options));
		options.params = makeParamList(1);
		options.params->params[0].value = Int64GetDatum(st.org_id);
		options.params->params[0].isnull = false;
		options.params->params[0].pflags = PARAM_FLAG_CONST;
		options.params->params[0].ptype = INT8OID;
		options.read_only = true;
		options.dest = &w.pub;
		rc = SPI_execute_plan_extended(plan, &options);
		if (rc < 0)
			elog(ERROR, "history_verify_chain: query failed: %s", SPI_result_code_string(rc));

		MemoryContextSwitchTo(w.callcxt);
		/* the end of the chain: the pending record has no successor */
		if (st.problem == NULL && !st.unlinked && w.pend.present)
			(void) hv_check_pending(&st, &w.pend, NULL);
		if (st.unlinked)
			hv_check_unlinked(&st, &w.pend, st.unlinked_has_next ? &w.next_prev : NULL);
		if (st.detail != NULL)
			st.detail = MemoryContextStrdup(w.callcxt, st.detail);	/* SPI_finish frees its own */
		SPI_finish();
	}
	PG_FINALLY();
	{
		hv_sha_free(&w.sha);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(w.callcxt);
	MemoryContextDelete(w.rowcxt);

	out[0] = Int64GetDatum(st.records_checked);
	if (st.problem != NULL)
	{
		out[1] = Int64GetDatum(st.broken_seq);
		out[2] = CStringGetTextDatum(st.problem);
		out[3] = CStringGetTextDatum(st.detail);
		outnull[4] = true;
		out[4] = (Datum) 0;
	}
	else
	{
		bytea	   *h = palloc(VARHDRSZ + HISTORY_HASH_LEN);

		SET_VARSIZE(h, VARHDRSZ + HISTORY_HASH_LEN);
		memcpy(VARDATA(h), st.prev, HISTORY_HASH_LEN);
		outnull[1] = outnull[2] = outnull[3] = true;
		out[1] = out[2] = out[3] = (Datum) 0;
		out[4] = PointerGetDatum(h);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), out, outnull)));
}
