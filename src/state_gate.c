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
#include "fmgr.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "parser/parse_relation.h"
#include "pgstat.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "iso28000_errcodes.h"

typedef struct GateState
{
	const char *name;			/* the state, NUL-terminated */
	int			len;
	int			ncols;
	AttrNumber *cols;			/* columns whose change, staying, also opens */
} GateState;

typedef struct GateCache
{
	Oid			tgoid;			/* the trigger this was read for */
	AttrNumber	status_att;
	int			nstates;
	GateState  *states;
	bool		resolved;		/* finfo is set up */
	FmgrInfo	finfo;			/* the trigger function, looked up when first needed */
} GateCache;

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

/* Reads the trigger's arguments once per statement (the cache lives in fn_mcxt). */
static GateCache *
gate_cache(FunctionCallInfo fcinfo, TriggerData *td)
{
	GateCache  *c = (GateCache *) fcinfo->flinfo->fn_extra;
	Trigger    *tg = td->tg_trigger;
	Relation	rel = td->tg_relation;
	MemoryContext old;
	Oid			typid;
	int			i;

	if (c != NULL && c->tgoid == tg->tgoid)
		return c;
	if (tg->tgnargs < 3)
		gate_misdeclared(rel, tg, "it needs a function, a status column and at least one state");
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	c = palloc0(sizeof(GateCache));
	c->tgoid = tg->tgoid;
	c->status_att = gate_attnum(rel, tg, tg->tgargs[1]);
	typid = TupleDescAttr(RelationGetDescr(rel), c->status_att - 1)->atttypid;
	if (typid != TEXTOID && typid != VARCHAROID)
		gate_misdeclared(rel, tg, psprintf("status column \"%s\" is not text", tg->tgargs[1]));
	c->nstates = tg->tgnargs - 2;
	c->states = palloc0(c->nstates * sizeof(GateState));
	for (i = 0; i < c->nstates; i++)
	{
		char	   *arg = pstrdup(tg->tgargs[i + 2]);
		char	   *colon = strchr(arg, ':');
		GateState  *s = &c->states[i];

		s->name = arg;
		if (colon != NULL)
		{
			char	   *col = colon + 1;

			*colon = '\0';
			s->cols = palloc(strlen(col) * sizeof(AttrNumber));
			while (col != NULL)
			{
				char	   *next = strchr(col, ':');

				if (next != NULL)
					*next++ = '\0';
				s->cols[s->ncols++] = gate_attnum(rel, tg, col);
				col = next;
			}
		}
		s->len = strlen(s->name);
		if (s->len == 0)
			gate_misdeclared(rel, tg, "an empty state");
	}
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = c;
	return c;
}

/* Looks up the trigger function, once per statement, and only when the gate opens. */
static void
gate_resolve(FunctionCallInfo fcinfo, TriggerData *td, GateCache *c)
{
	Trigger    *tg = td->tg_trigger;
	Relation	rel = td->tg_relation;
	const char *name = tg->tgargs[0];
	List	   *names;
	Oid			fn;
	HeapTuple	proc;
	Oid			rettype;

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
	fmgr_info_cxt(fn, &c->finfo, fcinfo->flinfo->fn_mcxt);
	c->resolved = true;
}

/* The status of a row, as bytes; false when NULL. */
static bool
gate_status(HeapTuple tup, TupleDesc desc, AttrNumber att, const char **p, int *len)
{
	bool		isnull;
	Datum		d;
	text	   *t;

	if (tup == NULL)
		return false;
	d = heap_getattr(tup, att, desc, &isnull);
	if (isnull)
		return false;
	t = DatumGetTextPP(d);
	*p = VARDATA_ANY(t);
	*len = VARSIZE_ANY_EXHDR(t);
	return true;
}

/* Whether a column of the new row IS DISTINCT FROM the old one (by stored image). */
static bool
gate_changed(HeapTuple newtup, HeapTuple oldtup, TupleDesc desc, AttrNumber att)
{
	Form_pg_attribute a = TupleDescAttr(desc, att - 1);
	bool		nnull,
				onull;
	Datum		n = heap_getattr(newtup, att, desc, &nnull);
	Datum		o = heap_getattr(oldtup, att, desc, &onull);

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
	HeapTuple	newtup,
				oldtup;
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
	c = gate_cache(fcinfo, td);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		newtup = td->tg_newtuple;
		oldtup = td->tg_trigtuple;
	}
	else
	{
		newtup = td->tg_trigtuple;
		oldtup = NULL;
	}

	has_new = gate_status(newtup, desc, c->status_att, &np, &nlen);
	has_old = gate_status(oldtup, desc, c->status_att, &op, &olen);
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
			open = gate_changed(newtup, oldtup, desc, s->cols[k]);
	}
	if (!open)
		return PointerGetDatum(newtup);

	if (!c->resolved)
		gate_resolve(fcinfo, td, c);
	{
		LOCAL_FCINFO(callinfo, 0);
		PgStat_FunctionCallUsage fcusage;
		Datum		result;

		InitFunctionCallInfoData(*callinfo, &c->finfo, 0, InvalidOid, (Node *) td, NULL);
		pgstat_init_function_usage(callinfo, &fcusage);
		result = FunctionCallInvoke(callinfo);
		pgstat_end_function_usage(&fcusage, true);
		if (callinfo->isnull)
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("trigger function %u returned null value", c->finfo.fn_oid)));
		return result;
	}
}
