/*
 * actor_stamp.c
 *		iso28000.stamp_acting_person(): the person stamps of a register
 *		(verified_by, accepted_by, approved_by, measured_by ...) written from
 *		the acting person (actor.c), never from a person the client names.
 *
 * The rule (sql/core/07_register.sql, doc/security.md), one trigger argument
 * per column, "column", "column:state" or "column:*":
 *	- a value the statement writes (on INSERT, or changed by an UPDATE) must
 *	  be the acting person (IS120); with ":*" a role that manages the
 *	  organisation may name someone else (an import of others' measurements);
 *	- with ":state", entering that state of the status column fills the column
 *	  with the acting person when the statement left it empty or as it was,
 *	  and an UPDATE that keeps the status cannot change it (IS121);
 *	- with ":*", an INSERT that leaves it empty and every UPDATE that names
 *	  nobody new write the acting person into it (NULL when nobody acts).
 *
 * Why C.  0.1.0's PL/pgSQL body turned both rows into jsonb (to_jsonb(NEW),
 * to_jsonb(OLD)) on every row of every statement, to read one or two columns,
 * and rebuilt the row with jsonb_populate_record when it stamped: about a
 * twentieth of a single-row transition of the real register.  Here the row is
 * read in place and rebuilt only when a stamp is written.  The acting person
 * is asked only when a stamp is checked or written, as before.
 *
 * Nothing here runs with raised rights: the trigger runs as the writer; the
 * acting person's look-up switches to the owner of iso28000.person inside
 * actor.c, around fixed queries.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "actor.h"
#include "engines.h"
#include "iso28000_errcodes.h"
#include "membership.h"
#include "trigger_cache.h"

/* One argument of the trigger, read: its column and its state (NULL, a state, or "*"). */
typedef struct StampArg
{
	char	   *col;
	char	   *state;
	AttrNumber	att;
} StampArg;

/*
 * The trigger's arguments as read, kept per backend by trigger: finding the
 * columns by name at every row cost more than the stamps' checks.  Nothing
 * is invalidated from outside: every call checks that the arguments are
 * still these and every column still at its position under its name (see
 * stamp_still_valid); otherwise they are read again.
 */
typedef struct StampCache
{
	Oid			tgoid;			/* hash key */
	bool		ready;
	int			nargs;
	char	  **args;			/* the arguments they were read from */
	StampArg   *parsed;
	AttrNumber	status_att;		/* 0: no status column */
	AttrNumber	org_att;
	MemoryContext cxt;			/* holds all of the above */
} StampCache;

static HTAB *stamp_entries = NULL;

/* Column number of a column of the row, 0 when there is none. */
static AttrNumber
stamp_attnum(TupleDesc desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	return InvalidAttrNumber;
}

/*
 * A bigint column's value (org_id, a person column); false when NULL.  The
 * row is read from the trigger's slot: the BEFORE ROW triggers of a statement
 * share its deformed values.
 */
static bool
stamp_person_value(TupleTableSlot *slot, TupleDesc desc, AttrNumber att, int64 *v)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, att, &isnull);

	if (isnull)
		return false;
	if (TupleDescAttr(desc, att - 1)->atttypid != INT8OID)
		elog(ERROR, "iso28000.stamp_acting_person(): column %s is not a bigint",
			 NameStr(TupleDescAttr(desc, att - 1)->attname));
	*v = DatumGetInt64(d);
	return true;
}

/*
 * The status column's value, read in place: a text or varchar status is not
 * copied (two per row cost a palloc and a copy each, to be compared once);
 * another type goes through its output function.  present is false when
 * there is no status column or the value is NULL.
 */
typedef struct StampStatus
{
	bool		present;
	const char *data;
	int			len;
} StampStatus;

static StampStatus
stamp_status(TupleTableSlot *slot, TupleDesc desc, AttrNumber att)
{
	StampStatus st = {false, NULL, 0};
	bool		isnull;
	Datum		d;
	Oid			typoutput;
	bool		varlena;
	Oid			typid;

	if (slot == NULL || att == InvalidAttrNumber)
		return st;
	d = slot_getattr(slot, att, &isnull);
	if (isnull)
		return st;
	typid = TupleDescAttr(desc, att - 1)->atttypid;
	if (typid == TEXTOID || typid == VARCHAROID)
	{
		text	   *t = DatumGetTextPP(d);

		st.data = VARDATA_ANY(t);
		st.len = VARSIZE_ANY_EXHDR(t);
	}
	else
	{
		getTypeOutputInfo(typid, &typoutput, &varlena);
		st.data = OidOutputFunctionCall(typoutput, d);
		st.len = strlen(st.data);
	}
	st.present = true;
	return st;
}

/* The status as a C string for a message ("<NULL>" when absent). */
static char *
stamp_status_cstring(StampStatus st)
{
	return st.present ? pnstrdup(st.data, st.len) : "<NULL>";
}

/* Whether the status is the named state (a NULL status is no state). */
static inline bool
stamp_status_is(StampStatus st, const char *state)
{
	return st.present && strlen(state) == (size_t) st.len && memcmp(st.data, state, st.len) == 0;
}

/* NULL-safe equality of two statuses (IS NOT DISTINCT FROM). */
static inline bool
stamp_status_same(StampStatus a, StampStatus b)
{
	if (!a.present || !b.present)
		return a.present == b.present;
	return a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
}

/* The acting person of the organisation (false for a NULL organisation or nobody). */
static bool
stamp_acting(bool org_null, int64 org, int64 *me)
{
	return !org_null && iso28000_acting_person(org, me);
}

/* Whether the kept reading still holds for the trigger and the row as they are. */
static bool
stamp_still_valid(StampCache *c, Trigger *tg, TupleDesc desc)
{
	int			i;

	if (!c->ready || !trigger_args_same(tg, c->nargs, c->args) ||
		!trigger_att_is(desc, c->org_att, "org_id") ||
		(c->status_att != InvalidAttrNumber ? !trigger_att_is(desc, c->status_att, "status")
		 : stamp_attnum(desc, "status") != InvalidAttrNumber))
		return false;
	for (i = 0; i < c->nargs; i++)
		if (!trigger_att_is(desc, c->parsed[i].att, c->parsed[i].col))
			return false;
	return true;
}

/*
 * Reads the trigger's arguments into c, in a new context that replaces the
 * old one only once all is read (an error leaves the entry as it was).
 */
static void
stamp_read(StampCache *c, Relation rel, Trigger *tg)
{
	TupleDesc	desc = RelationGetDescr(rel);
	MemoryContext cxt,
				old;
	StampArg   *parsed;
	char	  **args;
	AttrNumber	org_att,
				status_att;
	int			i;

	org_att = stamp_attnum(desc, "org_id");
	if (org_att == InvalidAttrNumber)
		elog(ERROR, "iso28000.stamp_acting_person(): %s has no org_id", RelationGetRelationName(rel));
	status_att = stamp_attnum(desc, "status");
	for (i = 0; i < tg->tgnargs; i++)
	{
		const char *colon = strchr(tg->tgargs[i], ':');
		char	   *col = colon ? pnstrdup(tg->tgargs[i], colon - tg->tgargs[i]) : pstrdup(tg->tgargs[i]);

		if (stamp_attnum(desc, col) == InvalidAttrNumber)
			elog(ERROR, "iso28000.stamp_acting_person(): %s has no column %s", RelationGetRelationName(rel), col);
		pfree(col);
	}

	/* nothing below fails but for memory */
	cxt = AllocSetContextCreate(CacheMemoryContext, "iso28000 person stamps", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	args = palloc(Max(tg->tgnargs, 1) * sizeof(char *));
	parsed = palloc0(Max(tg->tgnargs, 1) * sizeof(StampArg));
	for (i = 0; i < tg->tgnargs; i++)
	{
		const char *arg = tg->tgargs[i];
		const char *colon = strchr(arg, ':');

		args[i] = pstrdup(arg);
		parsed[i].col = colon ? pnstrdup(arg, colon - arg) : pstrdup(arg);
		if (colon != NULL)
		{
			const char *end = strchr(colon + 1, ':');

			parsed[i].state = end ? pnstrdup(colon + 1, end - colon - 1) : pstrdup(colon + 1);
			if (parsed[i].state[0] == '\0')
				parsed[i].state = NULL;
		}
		parsed[i].att = stamp_attnum(desc, parsed[i].col);
	}
	MemoryContextSwitchTo(old);

	if (c->ready)
		MemoryContextDelete(c->cxt);
	c->cxt = cxt;
	c->nargs = tg->tgnargs;
	c->args = args;
	c->parsed = parsed;
	c->org_att = org_att;
	c->status_att = status_att;
	c->ready = true;
}

/* The trigger's arguments as read, from the backend's cache, read again when they no longer hold. */
static StampCache *
stamp_cache(Relation rel, Trigger *tg)
{
	StampCache *c;
	bool		found;

	c = trigger_cache_entry(&stamp_entries, "iso28000 person stamps", sizeof(StampCache), tg->tgoid, &found);
	if (!stamp_still_valid(c, tg, RelationGetDescr(rel)))
		stamp_read(c, rel, tg);
	return c;
}

PG_FUNCTION_INFO_V1(iso28000_stamp_acting_person);
/* BEFORE INSERT OR UPDATE row trigger: person stamps from the acting person (IS120, IS121). */
Datum
iso28000_stamp_acting_person(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	newtup;
	TupleTableSlot *newslot,
			   *oldslot;
	bool		is_update;
	AttrNumber	status_att,
				org_att;
	StampStatus new_status,
				old_status;
	bool		org_null;
	int64		org = 0;
	int			nargs,
				i,
				nfill = 0;
	int		   *fill_cols;
	Datum	   *fill_values;
	bool	   *fill_nulls;
	StampCache *cache;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "iso28000.stamp_acting_person() must be called as a trigger");
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		elog(ERROR, "iso28000.stamp_acting_person() must be a BEFORE INSERT OR UPDATE row trigger");

	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	newtup = is_update ? td->tg_newtuple : td->tg_trigtuple;
	newslot = is_update ? td->tg_newslot : td->tg_trigslot;
	oldslot = is_update ? td->tg_trigslot : NULL;
	nargs = td->tg_trigger->tgnargs;
	if (nargs == 0)
		return PointerGetDatum(newtup);

	cache = stamp_cache(rel, td->tg_trigger);
	status_att = cache->status_att;
	org_att = cache->org_att;
	org_null = !stamp_person_value(newslot, desc, org_att, &org);
	new_status = stamp_status(newslot, desc, status_att);
	old_status = stamp_status(oldslot, desc, status_att);

	fill_cols = palloc(nargs * sizeof(int));
	fill_values = palloc(nargs * sizeof(Datum));
	fill_nulls = palloc(nargs * sizeof(bool));

	for (i = 0; i < nargs; i++)
	{
		const char *col = cache->parsed[i].col;
		const char *state = cache->parsed[i].state;
		AttrNumber	att = cache->parsed[i].att;
		bool		has_new,
					has_old = false,
					entering,
					changed,
					fill = false;
		int64		newv = 0,
					oldv = 0,
					me = 0;
		int			k;

		has_new = stamp_person_value(newslot, desc, att, &newv);
		if (is_update)
			has_old = stamp_person_value(oldslot, desc, att, &oldv);
		/* the new value IS DISTINCT FROM the old one */
		changed = has_new != has_old || (has_new && newv != oldv);
		entering = state != NULL && stamp_status_is(new_status, state) &&
			(!is_update || !stamp_status_is(old_status, state));

		if (state != NULL && strcmp(state, "*") != 0 && is_update && changed &&
			stamp_status_same(new_status, old_status))
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_STAMP_REWRITTEN),
					 errmsg("%s.%s of organisation %s: %s cannot change while the record stays in state \"%s\"",
							get_namespace_name(RelationGetNamespace(rel)), get_rel_name(engine_relid(rel)),
							org_null ? "<NULL>" : psprintf(INT64_FORMAT, org), col,
							stamp_status_cstring(new_status)),
					 errdetail("%s is stamped with the acting person when the record enters \"%s\"; it was %s, the statement gives %s.",
							   col, state,
							   has_old ? psprintf(INT64_FORMAT, oldv) : "empty",
							   has_new ? psprintf(INT64_FORMAT, newv) : "empty"),
					 errtablecol(rel, att)));

		if (has_new && (!is_update || changed))
		{
			bool		found = stamp_acting(org_null, org, &me);

			if ((!found || me != newv) &&
				!(state != NULL && strcmp(state, "*") == 0 && !org_null &&
				  membership_has_level(GetUserId(), org, "manage")))
				ereport(ERROR,
						(errcode(ERRCODE_ISO28000_STAMP_FORGED),
						 errmsg("%s.%s of organisation %s: %s names person " INT64_FORMAT ", but the acting person is %s",
								get_namespace_name(RelationGetNamespace(rel)), get_rel_name(engine_relid(rel)),
								org_null ? "<NULL>" : psprintf(INT64_FORMAT, org), col, newv,
								found ? psprintf("person " INT64_FORMAT, me) : "nobody"),
						 errdetail("%s records who did it: the database writes the acting person, never one the client names.",
								   col),
						 errhint("A person acts through their own role (person.db_role) or through a delegated application that calls iso28000.act_as(org, person) in the transaction."),
						 errtablecol(rel, att)));
		}
		else if (entering)
			fill = true;
		if (state != NULL && strcmp(state, "*") == 0 && (!has_new || (is_update && !changed)))
			fill = true;

		if (fill)
		{
			bool		found = stamp_acting(org_null, org, &me);

			for (k = 0; k < nfill; k++)
				if (fill_cols[k] == att)
					break;
			if (k == nfill)
				nfill++;
			fill_cols[k] = att;
			fill_nulls[k] = !found;
			fill_values[k] = found ? Int64GetDatum(me) : (Datum) 0;
		}
	}

	if (nfill > 0)
		newtup = heap_modify_tuple_by_cols(newtup, desc, nfill, fill_cols, fill_values, fill_nulls);
	return PointerGetDatum(newtup);
}
