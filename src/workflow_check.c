/*
 * workflow_check.c
 *		The checks the workflow engine makes of one row, and the texts of its
 *		refusals.
 *
 * Required columns (IS103), the member's level (IS106, from the membership
 * cache of src/membership.c), the transition's guard (called directly through
 * fmgr; IS104 is raised by the trigger), the who/when stamps (IS120, IS121)
 * and the stamping itself.  The refusals name the record by its primary key
 * and the states by name (wf_record_key, wf_next_states, wf_known_states).
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "citus_compat.h"
#include "engines.h"
#include "iso28000_errcodes.h"
#include "membership.h"
#include "workflow_internal.h"

const char *const wf_level_names[] = {"", "read", "write", "audit", "manage"};

/* The local transaction id of this backend, across PostgreSQL versions. */
static inline LocalTransactionId
wf_local_xid(void)
{
#if PG_VERSION_NUM >= 170000
	return MyProc->vxid.lxid;
#else
	return MyProc->lxid;
#endif
}

/* The name of the current user, kept per backend (engine_role_name): valid until the next call. */
const char *
wf_user_name(void)
{
	return engine_role_name(GetUserId());
}

/* Copies a C string into a zero-padded hash key, refusing what cannot fit. */
bool
wf_key(char *dst, const char *src, size_t len)
{
	memset(dst, 0, NAMEDATALEN);
	if (len >= NAMEDATALEN)
		return false;
	memcpy(dst, src, len);
	return true;
}

/* The record's primary key as text: (org_id, x_id)=(1, 42). */
char *
wf_record_key(const WfTable *t, HeapTuple tup, TupleDesc desc)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	for (i = 0; i < t->nkey; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(NameStr(TupleDescAttr(desc, t->key_att[i] - 1)->attname)));
	appendStringInfoString(&buf, ")=(");
	for (i = 0; i < t->nkey; i++)
	{
		Oid			typ = TupleDescAttr(desc, t->key_att[i] - 1)->atttypid;
		bool		isnull;
		Datum		d = heap_getattr(tup, t->key_att[i], desc, &isnull);

		if (i > 0)
			appendStringInfoString(&buf, ", ");
		if (isnull)
			appendStringInfoString(&buf, "NULL");
		else if (typ == INT8OID || typ == INT4OID || typ == INT2OID)
		{
			/* The usual key, written without a look-up of its output function. */
			int64		v = typ == INT8OID ? DatumGetInt64(d) :
				typ == INT4OID ? (int64) DatumGetInt32(d) : (int64) DatumGetInt16(d);

			appendStringInfo(&buf, INT64_FORMAT, v);
		}
		else
		{
			Oid			outfn;
			bool		varlena;

			getTypeOutputInfo(typ, &outfn, &varlena);
			appendStringInfoString(&buf, OidOutputFunctionCall(outfn, d));
		}
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* True when a column holds a value: not NULL and, for text, not blank. */
static bool
wf_filled(TupleTableSlot *slot, TupleDesc desc, AttrNumber attnum)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);
	Oid			typ;

	if (isnull)
		return false;
	typ = TupleDescAttr(desc, attnum - 1)->atttypid;
	if (typ == TEXTOID || typ == VARCHAROID || typ == BPCHAROID)
	{
		text	   *txt = DatumGetTextPP(d);
		const char *p = VARDATA_ANY(txt);
		int			len = VARSIZE_ANY_EXHDR(txt);
		int			i;

		for (i = 0; i < len; i++)
			if (!isspace((unsigned char) p[i]))
				return true;
		return false;
	}
	return true;
}

/*
 * The schema and table fields of a refusal, and its column field when att is
 * a column (> 0): drivers expose them (psycopg2 diag.table_name, column_name;
 * node-postgres err.table, err.column), so an application learns which column
 * to fix without parsing the message (doc/sqlstates.md).
 */
int
wf_errfields(Relation rel, AttrNumber att)
{
	return att > 0 ? errtablecol(rel, att) : errtable(rel);
}

/* Refuses a row that lacks a column its state requires. */
void
wf_check_required(Relation rel, const WfTable *t, const WfState *s, TupleTableSlot *slot,
				  HeapTuple tup, const char *from)
{
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData cols;
	StringInfoData descs;
	int			i;
	int			missing = 0;
	AttrNumber	one = 0;		/* the missing column when only one is */

	for (i = 0; i < s->nrequired; i++)
		if (!wf_filled(slot, desc, s->required[i]))
		{
			one = missing == 0 ? s->required[i] : 0;
			if (missing++ == 0)
			{
				initStringInfo(&cols);
				initStringInfo(&descs);
			}
			else
			{
				appendStringInfoString(&cols, ", ");
				appendStringInfoString(&descs, "; ");
			}
			appendStringInfoString(&cols, NameStr(TupleDescAttr(desc, s->required[i] - 1)->attname));
			appendStringInfo(&descs, "%s: %s",
							 NameStr(TupleDescAttr(desc, s->required[i] - 1)->attname),
							 s->required_desc[i]);
		}
	if (missing == 0)
		return;
	if (from == NULL || strcmp(from, s->name) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_REQUIRED_COLUMN_MISSING),
				 errmsg("%s %s cannot move from \"%s\" to \"%s\" without %s",
						engine_relname(rel), wf_record_key(t, tup, desc),
						from ? from : "(new record)", s->name, cols.data),
				 errdetail("State \"%s\" of workflow \"%s\" requires %s.", s->name, t->workflow, descs.data),
				 errhint("Fill the missing columns in the same statement."),
				 wf_errfields(rel, one)));
	ereport(ERROR,
			(errcode(ERRCODE_ISO28000_REQUIRED_COLUMN_MISSING),
			 errmsg("%s %s cannot stay in \"%s\" without %s",
					engine_relname(rel), wf_record_key(t, tup, desc), s->name, cols.data),
			 errdetail("State \"%s\" of workflow \"%s\" requires %s.", s->name, t->workflow, descs.data),
			 wf_errfields(rel, one)));
}

/* The states reachable from a state, for messages: "a, b" or "none". */
char *
wf_next_states(HTAB *transitions, const char *from)
{
	HASH_SEQ_STATUS seq;
	WfTrans    *tr;
	StringInfoData buf;

	initStringInfo(&buf);
	hash_seq_init(&seq, transitions);
	while ((tr = hash_seq_search(&seq)) != NULL)
		if (strcmp(tr->key.from, from) == 0)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", tr->key.to);
	return buf.len ? buf.data : "none";
}

/* The states of a workflow, for messages. */
char *
wf_known_states(HTAB *states)
{
	HASH_SEQ_STATUS seq;
	WfState    *s;
	StringInfoData buf;

	initStringInfo(&buf);
	hash_seq_init(&seq, states);
	while ((s = hash_seq_search(&seq)) != NULL)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", s->name);
	return buf.data;
}

/*
 * Does current_user have the level in the organisation?  The extension's one
 * membership rule, from its per-backend cache (src/membership.c).
 */
bool
wf_has_level(int64 org, WfLevel level)
{
	/*
	 * The last answer, kept for the rest of the command: a bulk statement
	 * asks the same question per row.  Only a yes is kept, and only while the
	 * command counter stands still: any write in between (a grant or a
	 * revoke included) moves it and the next row asks again.
	 */
	static Oid	memo_user = InvalidOid;
	static Oid	memo_session = InvalidOid;
	static int64 memo_org = 0;
	static WfLevel memo_level = WF_LEVEL_NONE;
	static LocalTransactionId memo_lxid = InvalidLocalTransactionId;
	static CommandId memo_cid = InvalidCommandId;
	Oid			user = GetUserId();
	CommandId	cid = GetCurrentCommandId(false);

	if (memo_lxid == wf_local_xid() && memo_cid == cid && memo_user == user &&
		memo_session == GetSessionUserId() && memo_org == org && memo_level >= level)
		return true;
	if (!membership_has_level(user, org, wf_level_names[level]))
		return false;
	memo_user = user;
	memo_session = GetSessionUserId();
	memo_org = org;
	memo_level = level;
	memo_lxid = wf_local_xid();
	memo_cid = cid;
	return true;
}

/* Refuses a transition the current role's level in the record's organisation is below (IS106). */
void
wf_check_level(Relation rel, const WfTable *t, HeapTuple oldtup, TupleTableSlot *newslot,
			   const char *from, const char *to, WfLevel level)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull;
	int64		org = DatumGetInt64(slot_getattr(newslot, t->org_att, &isnull));

	if (isnull || !wf_has_level(org, level))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_LEVEL_INSUFFICIENT),
				 errmsg("%s %s: moving from \"%s\" to \"%s\" needs level %s",
						engine_relname(rel), wf_record_key(t, oldtup, desc), from, to,
						wf_level_names[level]),
				 errdetail("Role \"%s\" has a lower level in organisation %lld.",
						   GetUserNameFromId(GetUserId(), false), (long long) org),
				 errhint("A member with level %s grants it with iso28000.grant_access().",
						 wf_level_names[WF_LEVEL_MANAGE]),
				 wf_errfields(rel, t->status_att)));
}

/* Calls a guard: NULL when it allows the transition, else what is missing. */
char *
wf_call_guard(Oid guard, HeapTuple tup, TupleDesc desc, Oid rowtype, const char *from, const char *to)
{
	FmgrInfo	flinfo;
	LOCAL_FCINFO(fcinfo, 3);
	Datum		result;

	fmgr_info(guard, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, 3, InvalidOid, NULL, NULL);
	/* On a Citus shard the row has the shard's type: give it its table's. */
	fcinfo->args[0].value = iso28000_row_as_type(tup, desc, rowtype);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = from ? CStringGetTextDatum(from) : (Datum) 0;
	fcinfo->args[1].isnull = (from == NULL);
	fcinfo->args[2].value = CStringGetTextDatum(to);
	fcinfo->args[2].isnull = false;
	if (flinfo.fn_strict && from == NULL)
		return NULL;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		return NULL;
	return TextDatumGetCString(result);
}

/* The text of a stamp column's value (name or text). */
static char *
wf_stamp_text(const WfTable *t, Datum v)
{
	if (t->changed_by_type == NAMEOID)
		return pstrdup(NameStr(*DatumGetName(v)));
	return TextDatumGetCString(v);
}

/*
 * Whether a stamp's value in the new row differs from the old row's (NULLs
 * equal), compared in place: no copy, per row of a bulk transition.
 */
static bool
wf_stamp_differs(const WfTable *t, AttrNumber att, Datum ov, bool on, Datum nv, bool nn)
{
	if (on || nn)
		return on != nn;
	if (att == t->changed_by_att)
	{
		if (t->changed_by_type == NAMEOID)
			return strncmp(NameStr(*DatumGetName(ov)), NameStr(*DatumGetName(nv)), NAMEDATALEN) != 0;
		else
		{
			text	   *a = DatumGetTextPP(ov);
			text	   *b = DatumGetTextPP(nv);

			return VARSIZE_ANY_EXHDR(a) != VARSIZE_ANY_EXHDR(b) ||
				memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) != 0;
		}
	}
	return DatumGetTimestampTz(ov) != DatumGetTimestampTz(nv);
}

/*
 * The who/when stamps (status_changed_by, status_changed_at) are the
 * engine's: an UPDATE that keeps the state cannot change them (IS121), and a
 * transition or a new record takes a value from the client only when it is
 * the one the engine writes (IS120).  A value the client did not touch (an
 * UPDATE that leaves the column as it was) is simply overwritten.
 */
void
wf_check_stamps(Relation rel, const WfTable *t, TupleTableSlot *oldslot, TupleTableSlot *newslot,
				HeapTuple oldtup, HeapTuple newtup, bool transition, const char *state,
				TimestampTz when)
{
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	atts[2] = {t->changed_by_att, t->changed_at_att};
	int			i;

	for (i = 0; i < 2; i++)
	{
		AttrNumber	att = atts[i];
		const char *col;
		bool		nn;
		bool		on = true;
		Datum		nv;
		Datum		ov = (Datum) 0;
		char	   *given;
		const char *stamp;

		if (att == 0)
			continue;
		/* Each value read once per row. */
		nv = slot_getattr(newslot, att, &nn);
		if (oldtup != NULL)
			ov = slot_getattr(oldslot, att, &on);
		if (!transition)
		{
			if (wf_stamp_differs(t, att, ov, on, nv, nn))
			{
				col = NameStr(TupleDescAttr(desc, att - 1)->attname);
				ereport(ERROR,
						(errcode(ERRCODE_ISO28000_STAMP_REWRITTEN),
						 errmsg("%s %s: %s cannot change while the record stays in state \"%s\"",
								engine_relname(rel), wf_record_key(t, oldtup, desc), col, state),
						 errdetail("The workflow engine stamps %s at each transition; the stamp of the last one stays as written.",
								   col),
						 errtablecol(rel, att)));
			}
			continue;
		}
		if (nn || (oldtup != NULL && !wf_stamp_differs(t, att, ov, on, nv, nn)))
			continue;
		if (att == t->changed_by_att)
		{
			given = wf_stamp_text(t, nv);
			stamp = wf_user_name();
			if (strcmp(given, stamp) == 0)
				continue;
		}
		else
		{
			if (DatumGetTimestampTz(nv) == when)
				continue;
			given = DatumGetCString(DirectFunctionCall1(timestamptz_out, nv));
			stamp = timestamptz_to_str(when);
		}
		col = NameStr(TupleDescAttr(desc, att - 1)->attname);
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_STAMP_FORGED),
				 errmsg("%s %s: %s is stamped by the workflow engine, not given by the client",
						engine_relname(rel), wf_record_key(t, oldtup ? oldtup : newtup, desc), col),
				 errdetail("The statement gave \"%s\"; the engine writes \"%s\".", given, stamp),
				 errhint("Leave %s out of the statement.", col),
				 errtablecol(rel, att)));
	}
}

/*
 * The offsets, in the data of a row, of its two stamp columns, when both are
 * not NULL and of a fixed width (timestamptz, name): false otherwise.
 */
static bool
wf_stamp_offsets(const WfTable *t, HeapTuple tup, TupleDesc desc, Size *at_off, Size *by_off)
{
	HeapTupleHeader hdr = tup->t_data;
	char	   *tp = (char *) hdr + hdr->t_hoff;
	bool		hasnulls = HeapTupleHasNulls(tup);
	bits8	   *bp = hdr->t_bits;
	AttrNumber	last = Max(t->changed_at_att, t->changed_by_att);
	Size		off = 0;
	int			i;

	if (t->changed_at_att == 0 || t->changed_by_att == 0 || t->changed_by_type != NAMEOID ||
		HeapTupleHeaderGetNatts(hdr) < last)
		return false;
	for (i = 0; i < last; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (hasnulls && att_isnull(i, bp))
		{
			if (i + 1 == t->changed_at_att || i + 1 == t->changed_by_att)
				return false;
			continue;
		}
		if (att->attlen == -1)
			off = att_align_pointer(off, att->attalign, -1, tp + off);
		else
			off = att_align_nominal(off, att->attalign);
		if (i + 1 == t->changed_at_att)
			*at_off = off;
		else if (i + 1 == t->changed_by_att)
			*by_off = off;
		off = att_addlength_pointer(off, att->attlen, tp + off);
	}
	return true;
}

/*
 * Sets the stamp columns (and a defaulted status) of the row being written.
 * A row whose stamps are already there (every record the engine created has
 * them) is copied and its two fixed-width stamps written in place: no
 * deforming and forming of the whole row.
 */
HeapTuple
wf_stamp(const WfTable *t, Relation rel, HeapTuple tup, const char *fill_status, TimestampTz when)
{
	Size		at_off = 0;
	Size		by_off = 0;
	int			cols[3];
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	int			n = 0;

	if (fill_status == NULL && wf_stamp_offsets(t, tup, RelationGetDescr(rel), &at_off, &by_off))
	{
		HeapTuple	copy = heap_copytuple(tup);
		char	   *data = (char *) copy->t_data + copy->t_data->t_hoff;
		TimestampTz at = when;

		memcpy(data + at_off, &at, sizeof(TimestampTz));
		namestrcpy((Name) (data + by_off), wf_user_name());
		return copy;
	}
	if (fill_status)
	{
		cols[n] = t->status_att;
		values[n++] = CStringGetTextDatum(fill_status);
	}
	if (t->changed_at_att)
	{
		cols[n] = t->changed_at_att;
		values[n++] = TimestampTzGetDatum(when);
	}
	if (t->changed_by_att)
	{
		const char *who = wf_user_name();

		cols[n] = t->changed_by_att;
		if (t->changed_by_type == NAMEOID)
		{
			Name		nm = palloc0(NAMEDATALEN);

			namestrcpy(nm, who);
			values[n++] = NameGetDatum(nm);
		}
		else
			values[n++] = CStringGetTextDatum(who);
	}
	if (n == 0)
		return tup;
	return heap_modify_tuple_by_cols(tup, RelationGetDescr(rel), n, cols, values, nulls);
}
