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
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "actor.h"
#include "engines.h"
#include "iso28000_errcodes.h"
#include "membership.h"

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

/* A bigint column's value (org_id, a person column); false when NULL. */
static bool
stamp_person_value(HeapTuple tup, TupleDesc desc, AttrNumber att, int64 *v)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, att, desc, &isnull);

	if (isnull)
		return false;
	if (TupleDescAttr(desc, att - 1)->atttypid != INT8OID)
		elog(ERROR, "iso28000.stamp_acting_person(): column %s is not a bigint",
			 NameStr(TupleDescAttr(desc, att - 1)->attname));
	*v = DatumGetInt64(d);
	return true;
}

/* The status column's value as text (NULL when absent or NULL). */
static char *
stamp_status(HeapTuple tup, TupleDesc desc, AttrNumber att)
{
	bool		isnull;
	Datum		d;
	Oid			typoutput;
	bool		varlena;
	Oid			typid;

	if (tup == NULL || att == InvalidAttrNumber)
		return NULL;
	d = heap_getattr(tup, att, desc, &isnull);
	if (isnull)
		return NULL;
	typid = TupleDescAttr(desc, att - 1)->atttypid;
	if (typid == TEXTOID || typid == VARCHAROID)
		return TextDatumGetCString(d);
	getTypeOutputInfo(typid, &typoutput, &varlena);
	return OidOutputFunctionCall(typoutput, d);
}

/* NULL-safe string equality (IS NOT DISTINCT FROM). */
static inline bool
stamp_same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The acting person of the organisation (false for a NULL organisation or nobody). */
static bool
stamp_acting(bool org_null, int64 org, int64 *me)
{
	return !org_null && iso28000_acting_person(org, me);
}

PG_FUNCTION_INFO_V1(iso28000_stamp_acting_person);
/* BEFORE INSERT OR UPDATE row trigger: person stamps from the acting person (IS120, IS121). */
Datum
iso28000_stamp_acting_person(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	newtup,
				oldtup;
	bool		is_update;
	AttrNumber	status_att,
				org_att;
	char	   *new_status,
			   *old_status;
	bool		org_null;
	int64		org = 0;
	int			nargs,
				i,
				nfill = 0;
	int		   *fill_cols;
	Datum	   *fill_values;
	bool	   *fill_nulls;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "iso28000.stamp_acting_person() must be called as a trigger");
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		elog(ERROR, "iso28000.stamp_acting_person() must be a BEFORE INSERT OR UPDATE row trigger");

	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	newtup = is_update ? td->tg_newtuple : td->tg_trigtuple;
	oldtup = is_update ? td->tg_trigtuple : NULL;
	nargs = td->tg_trigger->tgnargs;
	if (nargs == 0)
		return PointerGetDatum(newtup);

	status_att = stamp_attnum(desc, "status");
	org_att = stamp_attnum(desc, "org_id");
	if (org_att == InvalidAttrNumber)
		elog(ERROR, "iso28000.stamp_acting_person(): %s has no org_id", RelationGetRelationName(rel));
	org_null = !stamp_person_value(newtup, desc, org_att, &org);
	new_status = stamp_status(newtup, desc, status_att);
	old_status = stamp_status(oldtup, desc, status_att);

	fill_cols = palloc(nargs * sizeof(int));
	fill_values = palloc(nargs * sizeof(Datum));
	fill_nulls = palloc(nargs * sizeof(bool));

	for (i = 0; i < nargs; i++)
	{
		const char *arg = td->tg_trigger->tgargs[i];
		const char *colon = strchr(arg, ':');
		char	   *col = colon ? pnstrdup(arg, colon - arg) : pstrdup(arg);
		char	   *state = NULL;
		AttrNumber	att;
		bool		has_new,
					has_old = false,
					entering,
					changed,
					fill = false;
		int64		newv = 0,
					oldv = 0,
					me = 0;
		int			k;

		if (colon != NULL)
		{
			const char *end = strchr(colon + 1, ':');

			state = end ? pnstrdup(colon + 1, end - colon - 1) : pstrdup(colon + 1);
			if (state[0] == '\0')
				state = NULL;
		}
		att = stamp_attnum(desc, col);
		if (att == InvalidAttrNumber)
			elog(ERROR, "iso28000.stamp_acting_person(): %s has no column %s", RelationGetRelationName(rel), col);

		has_new = stamp_person_value(newtup, desc, att, &newv);
		if (is_update)
			has_old = stamp_person_value(oldtup, desc, att, &oldv);
		/* the new value IS DISTINCT FROM the old one */
		changed = has_new != has_old || (has_new && newv != oldv);
		entering = state != NULL && stamp_same_text(new_status, state) &&
			(!is_update || !stamp_same_text(old_status, state));

		if (state != NULL && strcmp(state, "*") != 0 && is_update && changed &&
			stamp_same_text(new_status, old_status))
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_STAMP_REWRITTEN),
					 errmsg("%s.%s of organisation %s: %s cannot change while the record stays in state \"%s\"",
							get_namespace_name(RelationGetNamespace(rel)), get_rel_name(engine_relid(rel)),
							org_null ? "<NULL>" : psprintf(INT64_FORMAT, org), col,
							new_status ? new_status : "<NULL>"),
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
