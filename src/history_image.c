/*
 * history_image.c
 *		The jsonb images of a register's rows, and what the recorder keeps of
 *		each register between statements (history_image.h).
 *
 * The image must be to_jsonb(row), to the byte: it is stored, its text is
 * hashed, and an auditor's tools recompute nothing but the hash.  So each
 * column is turned into its jsonb value exactly as to_jsonb() turns it (its
 * jsonb.c: jsonb_categorize_type() decides a category from the column's base
 * type, datum_to_jsonb() converts by category), with the decision taken once
 * per register instead of once per value:
 *
 *   boolean                      -> true / false
 *   smallint, integer, bigint    -> the number (what numeric_in() makes of its text)
 *   real ... numeric             -> the output text as a JSON number, or as a
 *                                   string when it holds 'N' or 'n' (NaN, Infinity)
 *   date, timestamp, timestamptz -> JsonEncodeDateTime() (ISO 8601)
 *   any other scalar             -> the output function's text, as a string
 *   anything else                -> to_jsonb() of the value, pushed in
 *
 * "Anything else" is arrays, composites, json and jsonb, and a type that is
 * not built in (an enum, the extension's own types) for which a cast to json
 * exists: to_jsonb() converts such a type through its cast.  A type without
 * one is a scalar like the built-in ones; since a user may create a cast at
 * any moment, a change to pg_cast (its syscache's invalidation) makes every
 * register's description again (cast_changed()).  A built-in type's category
 * cannot change (to_jsonb() ignores casts of built-in types), nor can a
 * domain's base type.  test/pgtap/history_store.sql compares the images with
 * to_jsonb() of rows of every kind, and creates a cast between statements.
 *
 * The kept description (names, kinds, output functions, the primary key's
 * columns, the org_id column, the register's name) lives in a memory context
 * of its own under CacheMemoryContext, one per register, and is dropped when
 * the register's relcache entry is invalidated: the engines' relcache
 * callback (engines.c) calls history_register_invalidate(), which only marks
 * it; the next statement makes it again.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/pg_type.h"
#include "nodes/bitmapset.h"
#include "nodes/makefuncs.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "engines.h"
#include "history_image.h"
#include "history_jsonb_text.h"

static HTAB *registers = NULL;

/* See history_image.h. */
void
history_register_invalidate(Oid relid)
{
	HistoryRegister *reg;

	if (registers == NULL)
		return;
	if (OidIsValid(relid))
	{
		reg = hash_search(registers, &relid, HASH_FIND, NULL);
		if (reg != NULL)
			reg->valid = false;
	}
	else
	{
		HASH_SEQ_STATUS status;

		hash_seq_init(&status, registers);
		while ((reg = hash_seq_search(&status)) != NULL)
			reg->valid = false;
	}
}

/*
 * True when to_jsonb() would convert a value of this type (not built in, not
 * an array or composite) through a cast to json: a cast with a function
 * (jsonb_categorize_type()).
 */
static bool
has_json_cast(Oid type)
{
	Oid			castfunc = InvalidOid;

	return find_coercion_pathway(JSONOID, type, COERCION_EXPLICIT, &castfunc) == COERCION_PATH_FUNC &&
		OidIsValid(castfunc);
}

/*
 * A cast was created, changed or dropped (pg_cast's cache was invalidated):
 * every register whose columns' kinds depend on casts to json is described
 * again by its next statement; simply all of them.
 */
static void
cast_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	history_register_invalidate(InvalidOid);
}

/* Decides how a column's values become jsonb (jsonb_categorize_type()), with its function. */
static void
column_describe(HistoryColumn *col, Form_pg_attribute att, MemoryContext cxt)
{
	Oid			base = getBaseType(att->atttypid);
	Oid			outfn = InvalidOid;
	bool		varlena;

	switch (base)
	{
		case BOOLOID:
			col->kind = HCOL_BOOL;
			break;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			/* numeric_in() of the integer's text is the integer as a numeric */
			col->kind = HCOL_INTEGER;
			col->typid = base;
			break;
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			col->kind = HCOL_NUMBER;
			getTypeOutputInfo(base, &outfn, &varlena);
			break;
		case DATEOID:
			col->kind = HCOL_DATE;
			break;
		case TIMESTAMPOID:
			col->kind = HCOL_TIMESTAMP;
			break;
		case TIMESTAMPTZOID:
			col->kind = HCOL_TIMESTAMPTZ;
			break;
		case JSONOID:
		case JSONBOID:
			col->kind = HCOL_OTHER;
			break;
		default:
			if (OidIsValid(get_element_type(base)) ||
				base == ANYARRAYOID || base == ANYCOMPATIBLEARRAYOID || base == RECORDARRAYOID ||
				type_is_rowtype(base) || (base >= FirstNormalObjectId && has_json_cast(base)))
				col->kind = HCOL_OTHER;
			else
			{
				/*
				 * A built-in scalar, or a type of the database's (an enum, the
				 * extension's own types) with no cast to json: its output
				 * function's text, as to_jsonb() gives it.  A cast created
				 * later invalidates every register (cast_changed()).
				 */
				col->kind = HCOL_TEXT;
				getTypeOutputInfo(base, &outfn, &varlena);
			}
			break;
	}

	if (OidIsValid(outfn))
		fmgr_info_cxt(outfn, &col->fn, cxt);
	else if (col->kind == HCOL_OTHER)
	{
		/* to_jsonb() learns its argument's type through fn_expr. */
		MemoryContext old = MemoryContextSwitchTo(cxt);
		FuncExpr   *expr = makeFuncExpr(F_TO_JSONB, JSONBOID,
										list_make1(makeNullConst(att->atttypid, att->atttypmod, att->attcollation)),
										InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);

		fmgr_info_cxt(F_TO_JSONB, &col->fn, cxt);
		fmgr_info_set_expr((Node *) expr, &col->fn);
		MemoryContextSwitchTo(old);
	}
}

/* The register whose columns sort_keys() orders. */
static HistoryRegister *sorting;

/* jsonb's order of object keys (lengthCompareJsonbStringValue()): shorter first, then bytewise. */
static int
key_cmp(const void *a, const void *b)
{
	const HistoryColumn *x = &sorting->cols[*(const int *) a];
	const HistoryColumn *y = &sorting->cols[*(const int *) b];

	if (x->namelen != y->namelen)
		return x->namelen > y->namelen ? 1 : -1;
	return memcmp(x->name, y->name, x->namelen);
}

/* Sorts column indexes into jsonb's order of their names (column names are unique). */
static void
sort_keys(HistoryRegister *reg, int *idx, int n)
{
	sorting = reg;
	if (n > 1)
		qsort(idx, n, sizeof(int), key_cmp);
	sorting = NULL;
}

/*
 * The start of the jsonb datum of an object whose keys are the names of the
 * columns cols (n, in jsonb's key order) and whose values are scalars: what
 * JsonbValueToJsonb() writes before the values' data, and which depends only
 * on the keys (convertJsonbObject(): the varlena header, here left to fill,
 * the container's header, a JEntry per key, one per value, then the keys'
 * strings; a key's JEntry holds its length, or every JB_OFFSET_STRIDE'th the
 * end offset of its data).  The values' JEntries are left to fill
 * (object_jsonb()).  *keyslen: the bytes of the keys' data.
 */
static char *
object_head(HistoryRegister *reg, const int *cols, int n, int *headlen, int *keyslen)
{
	int			len = VARHDRSZ + sizeof(uint32) + 2 * n * sizeof(JEntry);
	int			total = 0;
	char	   *head;
	uint32		header = (uint32) n | JB_FOBJECT;
	int			i;

	for (i = 0; i < n; i++)
		len += reg->cols[cols[i]].namelen;
	head = palloc0(len);
	memcpy(head + VARHDRSZ, &header, sizeof(uint32));
	len = VARHDRSZ + sizeof(uint32) + 2 * n * sizeof(JEntry);
	for (i = 0; i < n; i++)
	{
		HistoryColumn *col = &reg->cols[cols[i]];
		JEntry		meta;

		total += col->namelen;
		if ((i % JB_OFFSET_STRIDE) == 0)
			meta = JENTRY_ISSTRING | (uint32) total | JENTRY_HAS_OFF;
		else
			meta = JENTRY_ISSTRING | (uint32) col->namelen;
		memcpy(head + VARHDRSZ + sizeof(uint32) + i * sizeof(JEntry), &meta, sizeof(JEntry));
		memcpy(head + len, col->name, col->namelen);
		len += col->namelen;
	}
	*headlen = len;
	*keyslen = total;
	return head;
}

/*
 * The jsonb datum of an object of n scalar values whose keys' part head
 * (object_head()) was made once: byte for byte what JsonbValueToJsonb()
 * makes of the same pairs (convertJsonbObject() and convertJsonbScalar(): a
 * string's bytes, a numeric after padding to a 4-byte boundary of the datum,
 * nothing for a boolean or null; each value's JEntry its type and length, or
 * every JB_OFFSET_STRIDE'th counting the keys the end offset of its data).
 */
static Jsonb *
object_jsonb(const char *head, int headlen, int keyslen, const JsonbPair *pairs, int n)
{
	Size		size = headlen;
	char	   *out;
	int			pos;
	uint32		total = (uint32) keyslen;
	int			i;

	for (i = 0; i < n; i++)
	{
		const JsonbValue *v = &pairs[i].value;

		if (v->type == jbvString)
			size += v->val.string.len;
		else if (v->type == jbvNumeric)
			size += VARSIZE_ANY(v->val.numeric) + 3;
	}
	out = palloc(size);
	memcpy(out, head, headlen);
	pos = headlen;
	for (i = 0; i < n; i++)
	{
		const JsonbValue *v = &pairs[i].value;
		uint32		type;
		uint32		len = 0;
		JEntry		meta;

		switch (v->type)
		{
			case jbvNull:
				type = JENTRY_ISNULL;
				break;
			case jbvBool:
				type = v->val.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
				break;
			case jbvString:
				type = JENTRY_ISSTRING;
				len = v->val.string.len;
				memcpy(out + pos, v->val.string.val, len);
				pos += len;
				break;
			case jbvNumeric:
				{
					int			pad = INTALIGN(pos) - pos;
					int			numlen = VARSIZE_ANY(v->val.numeric);

					type = JENTRY_ISNUMERIC;
					memset(out + pos, 0, pad);
					memcpy(out + pos + pad, v->val.numeric, numlen);
					pos += pad + numlen;
					len = pad + numlen;
				}
				break;
			default:
				elog(ERROR, "unexpected jsonb value type %d in a history image", (int) v->type);
				type = 0;		/* keep the compiler quiet */
		}
		total += len;
		if (total > JENTRY_OFFLENMASK)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("total size of jsonb object elements exceeds the maximum of %d bytes",
							JENTRY_OFFLENMASK)));
		if (((i + n) % JB_OFFSET_STRIDE) == 0)
			meta = type | total | JENTRY_HAS_OFF;
		else
			meta = type | len;
		memcpy(out + VARHDRSZ + sizeof(uint32) + (n + i) * sizeof(JEntry), &meta, sizeof(JEntry));
	}
	SET_VARSIZE(out, pos);
	return (Jsonb *) out;
}

/* Fills a register's description from its relation. */
static void
register_describe(HistoryRegister *reg, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	MemoryContext old;
	Bitmapset  *pk;
	int			attno = -1;
	int			i;

	/*
	 * The description it replaces may still be in use by a statement that
	 * called out (a cast to json of a user's type can run SQL): it is freed
	 * with the transaction, not now.  Until the end, natts says "unfinished".
	 */
	if (reg->cxt != NULL)
		MemoryContextSetParent(reg->cxt, TopTransactionContext);
	reg->natts = -1;
	reg->cxt = AllocSetContextCreate(CacheMemoryContext, "iso28000 history register",
									 ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(reg->cxt);

	reg->table_name = pstrdup(engine_relname(rel));
	reg->org_attnum = 0;
	reg->cols = palloc0(sizeof(HistoryColumn) * Max(desc->natts, 1));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		HistoryColumn *col = &reg->cols[i];

		if (att->attisdropped)
		{
			col->kind = HCOL_DROPPED;
			continue;
		}
		col->name = pstrdup(NameStr(att->attname));
		col->namelen = strlen(col->name);
		{
			StringInfoData kt;

			initStringInfo(&kt);
			escape_json(&kt, col->name);
			appendBinaryStringInfo(&kt, ": ", 2);
			col->keytext = kt.data;
			col->keytextlen = kt.len;
		}
		if (strcmp(col->name, "org_id") == 0)
			reg->org_attnum = att->attnum;
		column_describe(col, att, reg->cxt);
	}

	/* The image's keys in jsonb's order, unless a column's value is pushed in as jsonb. */
	reg->presorted = true;
	reg->nkeys = 0;
	reg->key_order = palloc(sizeof(int) * Max(desc->natts, 1));
	for (i = 0; i < desc->natts; i++)
	{
		if (reg->cols[i].kind == HCOL_DROPPED)
			continue;
		if (reg->cols[i].kind == HCOL_OTHER)
			reg->presorted = false;
		reg->key_order[reg->nkeys++] = i;
	}
	sort_keys(reg, reg->key_order, reg->nkeys);

	/* The row key: the primary key columns, in column order. */
	pk = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_PRIMARY_KEY);
	reg->npk = 0;
	reg->pk_names = palloc(sizeof(char *) * (bms_num_members(pk) + 1));
	while ((attno = bms_next_member(pk, attno)) >= 0)
	{
		AttrNumber	a = attno + FirstLowInvalidHeapAttributeNumber;

		if (a > 0)
			reg->pk_names[reg->npk++] = pstrdup(NameStr(TupleDescAttr(desc, a - 1)->attname));
	}
	reg->pk_order = palloc(sizeof(int) * (reg->npk + 1));
	reg->npk_cols = 0;
	attno = -1;
	while ((attno = bms_next_member(pk, attno)) >= 0)
	{
		AttrNumber	a = attno + FirstLowInvalidHeapAttributeNumber;

		if (a > 0 && reg->cols[a - 1].kind != HCOL_DROPPED)
			reg->pk_order[reg->npk_cols++] = a - 1;
	}
	/* A key column missing from the image would be null in the key: not presorted then. */
	if (reg->npk_cols != reg->npk)
		reg->presorted = false;
	sort_keys(reg, reg->pk_order, reg->npk_cols);
	if (reg->presorted)
	{
		reg->image_head = object_head(reg, reg->key_order, reg->nkeys, &reg->image_headlen,
									  &reg->image_keyslen);
		reg->key_head = object_head(reg, reg->pk_order, reg->npk_cols, &reg->key_headlen,
									&reg->key_keyslen);
	}
	MemoryContextSwitchTo(old);
	reg->natts = desc->natts;	/* finished */
}

/* See history_image.h. */
HistoryRegister *
history_register(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	HistoryRegister *reg;
	bool		found;

	if (registers == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(HistoryRegister);
		ctl.hcxt = CacheMemoryContext;
		registers = hash_create("iso28000 history registers", 32, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		(void) engine_catalog();	/* registers the callback that invalidates us */
		CacheRegisterSyscacheCallback(CASTSOURCETARGET, cast_changed, (Datum) 0);
	}
	reg = hash_search(registers, &relid, HASH_ENTER, &found);
	if (!found)
	{
		reg->valid = false;
		reg->cxt = NULL;
	}
	/* An invalidation that arrives while it is made makes it again. */
	while (!reg->valid || reg->natts != RelationGetDescr(rel)->natts)
	{
		reg->valid = true;
		register_describe(reg, rel);
	}
	return reg;
}

/* Pushes the contents of a jsonb value into the object being built, as a value (datum_to_jsonb()). */
static void
push_jsonb(JsonbParseState **state, Jsonb *jb)
{
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (JB_ROOT_IS_SCALAR(jb))
	{
		(void) JsonbIteratorNext(&it, &v, true);	/* the pseudo-array */
		(void) JsonbIteratorNext(&it, &v, true);
		pushJsonbValue(state, WJB_VALUE, &v);
		return;
	}
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_ARRAY || tok == WJB_END_ARRAY ||
			tok == WJB_BEGIN_OBJECT || tok == WJB_END_OBJECT)
			pushJsonbValue(state, tok, NULL);
		else
			pushJsonbValue(state, tok, &v);
	}
}

/* A string value, refused past jsonb's limit as to_jsonb() refuses it. */
static void
string_value(JsonbValue *v, char *s)
{
	size_t		len = strlen(s);

	if (len > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("string too long to represent as jsonb string"),
				 errdetail("Due to an implementation restriction, jsonb strings cannot exceed %d bytes.",
						   JENTRY_OFFLENMASK)));
	v->type = jbvString;
	v->val.string.val = s;
	v->val.string.len = (int) len;
}

/* A column's non-null value as jsonb's scalar, for every kind but OTHER (datum_to_jsonb()). */
static void
column_value(HistoryColumn *col, Datum d, JsonbValue *v)
{
	char	   *s;

	switch (col->kind)
	{
		case HCOL_BOOL:
			v->type = jbvBool;
			v->val.boolean = DatumGetBool(d);
			break;
		case HCOL_INTEGER:
			v->type = jbvNumeric;
			v->val.numeric = int64_to_numeric(col->typid == INT2OID ? (int64) DatumGetInt16(d) :
											  col->typid == INT4OID ? (int64) DatumGetInt32(d) :
											  DatumGetInt64(d));
			break;
		case HCOL_NUMBER:
			s = OutputFunctionCall(&col->fn, d);
			if (strchr(s, 'N') == NULL && strchr(s, 'n') == NULL)
			{
				v->type = jbvNumeric;
				v->val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
																	 ObjectIdGetDatum(InvalidOid),
																	 Int32GetDatum(-1)));
			}
			else
				string_value(v, s);
			break;
		case HCOL_DATE:
			string_value(v, JsonEncodeDateTime(NULL, d, DATEOID, NULL));
			break;
		case HCOL_TIMESTAMP:
			string_value(v, JsonEncodeDateTime(NULL, d, TIMESTAMPOID, NULL));
			break;
		case HCOL_TIMESTAMPTZ:
			string_value(v, JsonEncodeDateTime(NULL, d, TIMESTAMPTZOID, NULL));
			break;
		case HCOL_TEXT:
			string_value(v, OutputFunctionCall(&col->fn, d));
			break;
		case HCOL_OTHER:
		case HCOL_DROPPED:
			elog(ERROR, "column \"%s\" has no scalar image", col->name);
	}
}

/* See history_image.h.  values and nulls have room for the register's columns. */
Jsonb *
history_row_image(HistoryRegister *reg, TupleDesc desc, HeapTuple tup, Datum *values, bool *nulls)
{
	return history_row_image_key(reg, desc, tup, values, nulls, NULL);
}

/*
 * The jsonb text of an object of scalar pairs given in jsonb's key order
 * (cols: each pair's column), as JsonbToCString() writes the jsonb value that
 * JsonbValueToJsonb() makes of them: "{", the pairs separated by ", ", each
 * key with ": " (kept per column) and its value, "}".  A string is escaped
 * as escape_json() escapes it, by the writer verify_history uses
 * (history_jsonb_text.c); a number is numeric_out()'s text of the numeric,
 * which for an integer column is the integer in decimal.  The room for the
 * whole text is counted first, so it is written without growing the buffer.
 */
static char *
pairs_text(HistoryRegister *reg, const JsonbPair *pairs, const int *cols, int n,
		   const Datum *values, const HistoryImageParts *like, const bool *reuse,
		   int *vstart, int *vlen)
{
	char	  **numbers = palloc(sizeof(char *) * Max(n, 1));
	Size		room = 3;
	char	   *out;
	char	   *p;
	int			i;

	for (i = 0; i < n; i++)
	{
		HistoryColumn *col = &reg->cols[cols[i]];
		const JsonbValue *v = &pairs[i].value;

		numbers[i] = NULL;
		room += col->keytextlen + 2;
		if (reuse != NULL && reuse[i])
		{
			room += like->vlen[i];
			continue;
		}
		switch (v->type)
		{
			case jbvString:
				room += 6 * (Size) v->val.string.len + 2;
				break;
			case jbvNumeric:
				if (col->kind == HCOL_INTEGER)
					room += MAXINT8LEN + 1;
				else
				{
					numbers[i] = DatumGetCString(DirectFunctionCall1(numeric_out,
																	 NumericGetDatum(v->val.numeric)));
					room += strlen(numbers[i]);
				}
				break;
			default:
				room += 5;
				break;
		}
	}
	out = palloc(room);
	p = out;
	*p++ = '{';
	for (i = 0; i < n; i++)
	{
		HistoryColumn *col = &reg->cols[cols[i]];
		const JsonbValue *v = &pairs[i].value;

		if (i > 0)
		{
			*p++ = ',';
			*p++ = ' ';
		}
		if (reuse != NULL && reuse[i] && vstart == NULL)
		{
			/*
			 * A run of pairs taken from the other image: the same keys in
			 * the same order, so their text there, separators included, in
			 * one piece.
			 */
			int			j = i;
			int			from = like->vstart[i] - col->keytextlen;
			int			to;

			while (j + 1 < n && reuse[j + 1])
				j++;
			to = like->vstart[j] + like->vlen[j];
			memcpy(p, like->text + from, to - from);
			p += to - from;
			i = j;
			continue;
		}
		memcpy(p, col->keytext, col->keytextlen);
		p += col->keytextlen;
		if (vstart != NULL)
			vstart[i] = (int) (p - out);
		if (reuse != NULL && reuse[i])
		{
			/* the same datum in the other image: its value's text from there */
			memcpy(p, like->text + like->vstart[i], like->vlen[i]);
			p += like->vlen[i];
			if (vlen != NULL)
				vlen[i] = like->vlen[i];
			continue;
		}
		switch (v->type)
		{
			case jbvNull:
				memcpy(p, "null", 4);
				p += 4;
				break;
			case jbvBool:
				if (v->val.boolean)
				{
					memcpy(p, "true", 4);
					p += 4;
				}
				else
				{
					memcpy(p, "false", 5);
					p += 5;
				}
				break;
			case jbvString:
				{
					long		w = hj_string_to_text(v->val.string.val, v->val.string.len, p,
													  6 * (size_t) v->val.string.len + 2);

					if (w < 0)
					{
						/* a NUL byte (never in a column's text): escape_json() itself */
						StringInfoData esc;

						initStringInfo(&esc);
						escape_json(&esc, v->val.string.val);
						if ((Size) esc.len > 6 * (Size) v->val.string.len + 2)
							elog(ERROR, "escaped string longer than expected");
						memcpy(p, esc.data, esc.len);
						w = esc.len;
						pfree(esc.data);
					}
					p += w;
				}
				break;
			case jbvNumeric:
				if (numbers[i] == NULL)
				{
					Datum		d = values[cols[i]];

					p += pg_lltoa(col->typid == INT2OID ? (int64) DatumGetInt16(d) :
								  col->typid == INT4OID ? (int64) DatumGetInt32(d) :
								  DatumGetInt64(d), p);
				}
				else
				{
					size_t		len = strlen(numbers[i]);

					memcpy(p, numbers[i], len);
					p += len;
				}
				break;
			default:
				elog(ERROR, "column \"%s\" has no scalar image", col->name);
		}
		if (vlen != NULL)
			vlen[i] = (int) (p - out) - vstart[i];
	}
	*p++ = '}';
	*p = '\0';
	Assert((Size) (p - out) < room);
	pfree(numbers);
	return out;
}

/* See history_image.h. */
Jsonb *
history_row_image_key(HistoryRegister *reg, TupleDesc desc, HeapTuple tup, Datum *values,
					  bool *nulls, Jsonb **key)
{
	return history_row_image_like(reg, desc, tup, values, nulls, key, NULL, NULL, NULL, NULL);
}

/* See history_image.h. */
void
history_image_parts_free(HistoryImageParts *parts)
{
	if (!parts->made)
		return;
	pfree(parts->values);
	pfree(parts->nulls);
	pfree(parts->pairs);
	pfree(parts->vstart);
	pfree(parts->vlen);
	parts->made = false;
}

/* See history_image.h. */
Jsonb *
history_row_image_text(HistoryRegister *reg, TupleDesc desc, HeapTuple tup, Datum *values,
					   bool *nulls, Jsonb **key, char **text, char **key_text)
{
	return history_row_image_like(reg, desc, tup, values, nulls, key, text, key_text, NULL, NULL);
}

/* See history_image.h. */
Jsonb *
history_row_image_like(HistoryRegister *reg, TupleDesc desc, HeapTuple tup, Datum *values,
					   bool *nulls, Jsonb **key, char **text, char **key_text,
					   const HistoryImageParts *like, HistoryImageParts *keep)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	int			i;

	heap_deform_tuple(tup, desc, values, nulls);
	if (key != NULL)
		*key = NULL;
	if (text != NULL)
		*text = NULL;
	if (key_text != NULL)
		*key_text = NULL;
	if (keep != NULL)
		keep->made = false;
	if (like != NULL && (!like->made || text == NULL || !reg->presorted))
		like = NULL;

	if (reg->presorted)
	{
		/*
		 * One object value, its pairs in key order: object_jsonb() writes
		 * them as they are, which is what pushJsonbValue() leaves after
		 * sorting them (the names are unique).
		 */
		JsonbPair  *pairs = palloc(sizeof(JsonbPair) * Max(reg->nkeys, 1));
		bool	   *reuse = like != NULL ? palloc(sizeof(bool) * Max(reg->nkeys, 1)) : NULL;
		bool		keeping = keep != NULL && text != NULL;
		int		   *vstart = keeping ? palloc(sizeof(int) * Max(reg->nkeys, 1)) : NULL;
		int		   *vlen = keeping ? palloc(sizeof(int) * Max(reg->nkeys, 1)) : NULL;
		Jsonb	   *image;

		for (i = 0; i < reg->nkeys; i++)
		{
			int			c = reg->key_order[i];
			HistoryColumn *col = &reg->cols[c];

			pairs[i].key.type = jbvString;
			pairs[i].key.val.string.val = col->name;
			pairs[i].key.val.string.len = col->namelen;
			pairs[i].order = i;
			if (reuse != NULL)
				reuse[i] = false;
			if (nulls[c])
			{
				pairs[i].value.type = jbvNull;
				/* null in both: its text ("null") taken with its neighbours' */
				if (like != NULL && like->nulls[c])
					reuse[i] = true;
			}
			else if (like != NULL && !like->nulls[c] &&
					 datum_image_eq(values[c], like->values[c],
									TupleDescAttr(desc, c)->attbyval, TupleDescAttr(desc, c)->attlen))
			{
				/* the same datum as in the other image: its value, already made */
				pairs[i].value = like->pairs[i].value;
				reuse[i] = true;
			}
			else
				column_value(col, values[c], &pairs[i].value);
		}
		image = object_jsonb(reg->image_head, reg->image_headlen, reg->image_keyslen, pairs, reg->nkeys);
		if (text != NULL)
			*text = pairs_text(reg, pairs, reg->key_order, reg->nkeys, values, like, reuse, vstart, vlen);
		if (reuse != NULL)
			pfree(reuse);
		if (keeping)
		{
			keep->values = palloc(sizeof(Datum) * Max(reg->natts, 1));
			keep->nulls = palloc(sizeof(bool) * Max(reg->natts, 1));
			memcpy(keep->values, values, sizeof(Datum) * reg->natts);
			memcpy(keep->nulls, nulls, sizeof(bool) * reg->natts);
			keep->pairs = pairs;
			keep->vstart = vstart;
			keep->vlen = vlen;
			keep->text = *text;
			keep->made = true;
		}

		if (key != NULL && reg->npk > 0)
		{
			JsonbPair  *kp = palloc(sizeof(JsonbPair) * reg->npk_cols);
			int			j;

			/* the key columns' pairs, found by column in the image's pairs */
			for (i = 0; i < reg->npk_cols; i++)
				for (j = 0; j < reg->nkeys; j++)
					if (reg->key_order[j] == reg->pk_order[i])
					{
						kp[i] = pairs[j];
						kp[i].order = i;
						break;
					}
			*key = object_jsonb(reg->key_head, reg->key_headlen, reg->key_keyslen, kp, reg->npk_cols);
			if (key_text != NULL)
				*key_text = pairs_text(reg, kp, reg->pk_order, reg->npk_cols, values, NULL, NULL, NULL, NULL);
			pfree(kp);
		}
		if (!keeping)
			pfree(pairs);
		return image;
	}

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < reg->natts; i++)
	{
		HistoryColumn *col = &reg->cols[i];
		JsonbValue	k;
		JsonbValue	v;

		if (col->kind == HCOL_DROPPED)
			continue;
		k.type = jbvString;
		k.val.string.val = col->name;
		k.val.string.len = col->namelen;
		pushJsonbValue(&state, WJB_KEY, &k);

		if (nulls[i])
			v.type = jbvNull;
		else if (col->kind == HCOL_OTHER)
		{
			push_jsonb(&state, DatumGetJsonbP(FunctionCall1(&col->fn, values[i])));
			continue;
		}
		else
			column_value(col, values[i], &v);
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}
