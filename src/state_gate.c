/*
 * state_gate.c
 *		iso28000.fire_on_entering(): a BEFORE ROW trigger that calls another
 *		trigger function only when a row enters one of the states it names,
 *		tested in C instead of a trigger's WHEN clause.
 *
 * Why.  PostgreSQL reads a trigger's WHEN clause back from its node string,
 * plans it (eval_const_expressions) and builds its expression state once per
 * statement (trigger.c, TriggerEnabled).  For the WHEN clause of
 * nonconformity_audit_independent that costs 5 to 12 µs of every single-row
 * UPDATE of the register, more than all its C BEFORE ROW triggers together
 * (bench/before_row.sh: a trigger with that clause, false for the move,
 * against none).  Here the same condition is a few byte comparisons per row,
 * and the trigger function it stands for is looked up and called only when
 * the condition holds, with the caller's TriggerData (so it sees the same
 * NEW, OLD, TG_NAME, TG_OP, TG_TABLE_NAME; TG_ARGV are the gate's arguments).
 *
 * Arguments (sql/core/06_workflow.sql):
 *	0: the trigger function to call, schema-qualified, without parentheses
 *	   ('iso28000.nonconformity_audit_independent');
 *	1: the status column (text or varchar);
 *	2..: one per state, "state" or "state:column[:column...]": the function
 *	   is called when the new row's status is that state and the old row's is
 *	   not (IS DISTINCT FROM; an INSERT always enters), or, with columns, the
 *	   new row stays in that state and one of those columns IS DISTINCT FROM
 *	   its old value.
 *	Statuses are compared byte for byte, as the workflow engine compares
 *	states; columns by their stored image (datum_image_eq), which may call a
 *	value changed where its type's = would not (the function then runs:
 *	the conservative side).
 *
 * Misdeclared gates are refused when they fire (IS146): not BEFORE ROW
 * INSERT or UPDATE, fewer than three arguments, an unknown column, a status
 * column that is not text, a function that does not exist, is not
 * schema-qualified, does not return trigger, or that the table's owner may
 * not execute (as CREATE TRIGGER requires of whoever creates the trigger).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "parser/parse_relation.h"
#include "pgstat.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "iso28000_errcodes.h"
#include "trigger_cache.h"

typedef struct GateState
{
	const char *name;			/* the state, NUL-terminated */
	int			len;
	int			ncols;
	AttrNumber *cols;			/* columns whose change, staying, also opens */
} GateState;

/*
 * A gate's arguments as read, kept per backend by trigger: reading them
 * (column names to positions, the states split) cost more than the gate's
 * test itself when it was done at every statement, which is every row of a
 * single-row UPDATE.  Nothing is invalidated from outside: every call checks
 * that the trigger's arguments are still these and that each column is still
 * at its position under its name (a renamed or dropped column, a replaced
 * trigger read again), which is a few string comparisons.
 */
typedef struct GateCache
{
	Oid			tgoid;			/* hash key: the trigger this was read for */
	bool		ready;			/* the fields below are set */
	int			nargs;
	char	  **args;			/* the trigger's arguments they were read from */
	AttrNumber	status_att;
	int			nstates;
	GateState  *states;
	MemoryContext cxt;			/* holds all of the above */
} GateCache;

/* The trigger function a gate calls, looked up once per statement when first needed (fn_extra). */
typedef struct GateCall
{
	Oid			tgoid;
	FmgrInfo	finfo;
} GateCall;

static HTAB *gate_entries = NULL;

static void
gate_misdeclared(Relation rel, Trigger *tg, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_ISO28000_STATE_GATE_MISDECLARED),
			 errmsg("trigger \"%s\" on %s.%s: %s",
					tg->tgname, get_namespace_name(RelationGetNamespace(rel)),
					RelationGetRelationName(rel), what),
			 errdetail("iso28000.fire_on_entering(function, status_column, state[:column...], ...) is a BEFORE INSERT or UPDATE row trigger."),
			 errtable(rel)));
}

static AttrNumber
gate_attnum(Relation rel, Trigger *tg, const char *name)
{
	AttrNumber	att = attnameAttNum(rel, name, false);

	if (att <= 0)
		gate_misdeclared(rel, tg, psprintf("no column \"%s\"", name));
	return att;
}

/* Whether the kept reading still holds for the trigger and the relation as they are. */
static bool
gate_still_valid(GateCache *c, Trigger *tg, TupleDesc desc)
{
	int			i,
				k;
	Oid			typid;

	if (!c->ready || !trigger_args_same(tg, c->nargs, c->args) ||
		!trigger_att_is(desc, c->status_att, tg->tgargs[1]))
		return false;
	typid = TupleDescAttr(desc, c->status_att - 1)->atttypid;
	if (typid != TEXTOID && typid != VARCHAROID)
		return false;
	for (i = 0; i < c->nstates; i++)
	{
		const GateState *st = &c->states[i];
		const char *col = strchr(c->args[i + 2], ':');

		/* the columns' names, in order, follow the state in its argument */
		for (k = 0; k < st->ncols; k++)
		{
			const char *end;
			Form_pg_attribute a;

			if (col == NULL)
				return false;
			col++;
			end = strchr(col, ':');
			if (st->cols[k] <= 0 || st->cols[k] > desc->natts)
				return false;
			a = TupleDescAttr(desc, st->cols[k] - 1);
			if (a->attisdropped ||
				strncmp(NameStr(a->attname), col, end ? end - col : strlen(col)) != 0 ||
				NameStr(a->attname)[end ? end - col : strlen(col)] != '\0')
				return false;
			col = end;
		}
	}
	return true;
}

/*
 * Reads the trigger's arguments into c (in a new context of its own, which
 * replaces the old one only once all is read: a misdeclared gate leaves the
 * entry as it was).
 */
static void
gate_read(GateCache *c, Relation rel, Trigger *tg)
{
	MemoryContext cxt,
				old;
	AttrNumber	status_att;
	GateState  *states;
	char	  **args;
	int			nstates,
				i;
	Oid			typid;

	if (tg->tgnargs < 3)
		gate_misdeclared(rel, tg, "it needs a function, a status column and at least one state");
	cxt = AllocSetContextCreate(CacheMemoryContext, "iso28000 state gate", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		status_att = gate_attnum(rel, tg, tg->tgargs[1]);
		typid = TupleDescAttr(RelationGetDescr(rel), status_att - 1)->atttypid;
		if (typid != TEXTOID && typid != VARCHAROID)
			gate_misdeclared(rel, tg, psprintf("status column \"%s\" is not text", tg->tgargs[1]));
		args = palloc(tg->tgnargs * sizeof(char *));
		for (i = 0; i < tg->tgnargs; i++)
			args[i] = pstrdup(tg->tgargs[i]);
		nstates = tg->tgnargs - 2;
		states = palloc0(nstates * sizeof(GateState));
		for (i = 0; i < nstates; i++)
		{
			char	   *arg = pstrdup(tg->tgargs[i + 2]);
			char	   *colon = strchr(arg, ':');
			GateState  *st = &states[i];

			st->name = arg;
			if (colon != NULL)
			{
				char	   *col = colon + 1;

				*colon = '\0';
				st->cols = palloc(strlen(col) * sizeof(AttrNumber));
				while (col != NULL)
				{
					char	   *next = strchr(col, ':');

					if (next != NULL)
						*next++ = '\0';
					st->cols[st->ncols++] = gate_attnum(rel, tg, col);
					col = next;
				}
			}
			st->len = strlen(st->name);
			if (st->len == 0)
				gate_misdeclared(rel, tg, "an empty state");
		}
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);

	if (c->ready)
		MemoryContextDelete(c->cxt);
	c->cxt = cxt;
	c->nargs = tg->tgnargs;
	c->args = args;
	c->status_att = status_att;
	c->nstates = nstates;
	c->states = states;
	c->ready = true;
}

/* The gate's arguments as read, from the backend's cache, read again when they no longer hold. */
static GateCache *
gate_cache(TriggerData *td)
{
	Trigger    *tg = td->tg_trigger;
	Relation	rel = td->tg_relation;
	GateCache  *c;
	bool		found;

	c = trigger_cache_entry(&gate_entries, "iso28000 state gates", sizeof(GateCache), tg->tgoid, &found);
	if (!gate_still_valid(c, tg, RelationGetDescr(rel)))
		gate_read(c, rel, tg);
	return c;
}

/* Looks up the trigger function, once per statement, and only when the gate opens. */
static GateCall *
gate_resolve(FunctionCallInfo fcinfo, TriggerData *td)
{
	GateCall   *call = (GateCall *) fcinfo->flinfo->fn_extra;
	Trigger    *tg = td->tg_trigger;
	Relation	rel = td->tg_relation;
	const char *name = tg->tgargs[0];
	List	   *names;
	Oid			fn;
	HeapTuple	proc;
	Oid			rettype;

	if (call != NULL && call->tgoid == tg->tgoid)
		return call;
	names = textToQualifiedNameList(cstring_to_text(name));
	if (list_length(names) < 2)
		gate_misdeclared(rel, tg, psprintf("function %s is not schema-qualified", name));
	fn = LookupFuncName(names, 0, NULL, true);
	if (!OidIsValid(fn))
		gate_misdeclared(rel, tg, psprintf("no function %s", name));
	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	if (!HeapTupleIsValid(proc))
		gate_misdeclared(rel, tg, psprintf("no function %s", name));
	rettype = ((Form_pg_proc) GETSTRUCT(proc))->prorettype;
	ReleaseSysCache(proc);
	if (rettype != TRIGGEROID)
		gate_misdeclared(rel, tg, psprintf("function %s does not return trigger", name));
#if PG_VERSION_NUM >= 160000
	if (object_aclcheck(ProcedureRelationId, fn, rel->rd_rel->relowner, ACL_EXECUTE) != ACLCHECK_OK)
#else
	if (pg_proc_aclcheck(fn, rel->rd_rel->relowner, ACL_EXECUTE) != ACLCHECK_OK)
#endif
		gate_misdeclared(rel, tg, psprintf("the table's owner may not execute %s", name));
	call = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(GateCall));
	fmgr_info_cxt(fn, &call->finfo, fcinfo->flinfo->fn_mcxt);
	call->tgoid = tg->tgoid;
	fcinfo->flinfo->fn_extra = call;
	return call;
}

/*
 * The status of a row, as bytes; false when NULL or no row.  Read from the
 * trigger's slot: the BEFORE ROW triggers of a statement share its deformed
 * values, where reading the tuple would walk its columns again in each.
 */
static bool
gate_status(TupleTableSlot *slot, AttrNumber att, const char **p, int *len)
{
	bool		isnull;
	Datum		d;
	text	   *t;

	if (slot == NULL)
		return false;
	d = slot_getattr(slot, att, &isnull);
	if (isnull)
		return false;
	t = DatumGetTextPP(d);
	*p = VARDATA_ANY(t);
	*len = VARSIZE_ANY_EXHDR(t);
	return true;
}

/* Whether a column of the new row IS DISTINCT FROM the old one (by stored image). */
static bool
gate_changed(TupleTableSlot *newslot, TupleTableSlot *oldslot, TupleDesc desc, AttrNumber att)
{
	Form_pg_attribute a = TupleDescAttr(desc, att - 1);
	bool		nnull,
				onull;
	Datum		n = slot_getattr(newslot, att, &nnull);
	Datum		o = slot_getattr(oldslot, att, &onull);

	if (nnull || onull)
		return nnull != onull;
	return !datum_image_eq(n, o, a->attbyval, a->attlen);
}

PG_FUNCTION_INFO_V1(iso28000_fire_on_entering);
/* BEFORE INSERT OR UPDATE row trigger: calls its function when the row enters one of its states. */
Datum
iso28000_fire_on_entering(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	newtup;
	TupleTableSlot *newslot,
			   *oldslot;
	GateCache  *c;
	const char *np = NULL,
			   *op = NULL;
	int			nlen = 0,
				olen = 0;
	bool		has_new,
				has_old,
				open = false;
	int			i;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"fire_on_entering\" must be fired as a trigger")));
	rel = td->tg_relation;
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		gate_misdeclared(rel, td->tg_trigger, "it must be fired BEFORE INSERT or UPDATE, FOR EACH ROW");
	desc = RelationGetDescr(rel);
	c = gate_cache(td);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		newtup = td->tg_newtuple;
		newslot = td->tg_newslot;
		oldslot = td->tg_trigslot;
	}
	else
	{
		newtup = td->tg_trigtuple;
		newslot = td->tg_trigslot;
		oldslot = NULL;
	}

	has_new = gate_status(newslot, c->status_att, &np, &nlen);
	has_old = gate_status(oldslot, c->status_att, &op, &olen);
	for (i = 0; has_new && !open && i < c->nstates; i++)
	{
		const GateState *s = &c->states[i];
		int			k;

		if (nlen != s->len || memcmp(np, s->name, nlen) != 0)
			continue;
		/* the new status is this state: entering it, or a named column changed in it */
		if (!has_old || olen != s->len || memcmp(op, s->name, olen) != 0)
			open = true;
		for (k = 0; !open && k < s->ncols; k++)
			open = gate_changed(newslot, oldslot, desc, s->cols[k]);
	}
	if (!open)
		return PointerGetDatum(newtup);

	{
		GateCall   *call = gate_resolve(fcinfo, td);
		LOCAL_FCINFO(callinfo, 0);
		PgStat_FunctionCallUsage fcusage;
		Datum		result;

		InitFunctionCallInfoData(*callinfo, &call->finfo, 0, InvalidOid, (Node *) td, NULL);
		pgstat_init_function_usage(callinfo, &fcusage);
		result = FunctionCallInvoke(callinfo);
		pgstat_end_function_usage(&fcusage, true);
		if (callinfo->isnull)
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("trigger function %u returned null value", call->finfo.fn_oid)));
		return result;
	}
}
