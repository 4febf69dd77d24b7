/*
 * workflow_event_store.c
 *		Writing the event log's stored runs without the executor.
 *
 * The event writer (workflow_event.c) appends one row of
 * iso28000.workflow_event_batch per run.  Through SPI each append was an
 * INSERT: executor start-up, the table's CHECK constraints parsed and planned
 * again for every statement (PostgreSQL keeps them as node strings), the
 * column default, the index entries.  Measured on the real register's
 * single-row transition that was 15 to 19 us of the 230 a transition cost
 * (doc/workflow.md).  Here the same row is written through the table access
 * method, and what the executor provided is provided as follows:
 *
 * - the column default of every column the engine does not write (the event
 *   id, nextval of its sequence): its expression planned once and kept,
 *   evaluated per row, in column order, before the constraints, as the
 *   executor does;
 * - NOT NULL of every column and every CHECK constraint (NOT VALID ones
 *   too, as the executor checks them): the constraints' expressions planned
 *   once and kept, evaluated on the row before it is written; a refusal is the
 *   executor's (23502, 23514, same message, table and constraint fields);
 * - an entry in every index (btree and GIN), a partial index's predicate
 *   evaluated first (the GIN index of the short runs, the btree of the long
 *   ones), unique indexes checked, as ExecInsertIndexTuples() does;
 * - toasting and WAL: heap_insert() itself.
 *
 * The writer runs as the log's owner, who bypasses the table's row-level
 * security through SPI as well (SECURITY_NOFORCE_RLS); no function looked up
 * by name runs, and a kept expression may call only built-in functions.
 *
 * When it applies (wf_store_open()).  The executor would also fire triggers,
 * apply rules and, on Citus, route the row to the shard of its organisation.
 * The store is used only when none of that is there: a plain heap table with
 * no INSERT trigger (foreign keys are triggers too), no rule, no generated
 * column, the engine's thirteen columns with their types, every index ready
 * and valid, btree or GIN, without expressions, every kept expression made of
 * built-in functions only, the owner's INSERT privilege, and no Citus.  Else
 * the writer uses SPI as before.  The check is made once per backend and
 * again after any relcache invalidation of the table or one of its indexes
 * (CREATE INDEX, CREATE TRIGGER, ALTER TABLE, GRANT), and it is made with the
 * table locked, so nothing it relies on can change while a row is written.
 */
#include "iso28000_compat.h"

#include "access/genam.h"
#include "access/gin_private.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "engines.h"
#include "workflow_internal.h"

/* The engine's columns of workflow_event_batch, in the order of wf_store_insert()'s values. */
static const char *const wf_store_colnames[WF_BATCH_NCOLS] = {
	"org_id", "events", "workflow", "table_name", "key_columns", "record_ids", "record_keys",
	"from_state", "to_state", "actor", "actor_person", "occurred_at", "notes"
};
static const Oid wf_store_coltypes[WF_BATCH_NCOLS] = {
	INT8OID, INT4OID, TEXTOID, REGCLASSOID, TEXTOID, INT8ARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID,
	NAMEOID, INT8OID, TIMESTAMPTZOID, TEXTARRAYOID
};

/* A kept CHECK constraint. */
typedef struct WfStoreCheck
{
	char	   *name;
	ExprState  *expr;
} WfStoreCheck;

/* What is known of the table, kept until it or one of its indexes is invalidated. */
static struct
{
	bool		valid;
	bool		usable;
	Oid			relid;
	MemoryContext cxt;			/* of everything below */
	AttrNumber	attnum[WF_BATCH_NCOLS];
	int			natts;
	ExprState **defaults;		/* per attribute: NULL, or the default of a column not written */
	int			nchecks;
	WfStoreCheck *checks;
	int			nidx;
	Oid		   *idx;			/* the indexes, in RelationGetIndexList() order */
	ExprState **pred;			/* their predicates (NULL: not partial) */
	IndexInfo **info;			/* their descriptions (BuildIndexInfo()) */
	bool	   *gin;			/* which of them are GIN (their state is kept: wf_store_open()) */
	ExprContext *econtext;		/* evaluates the kept expressions */
	TupleTableSlot *slot;		/* the row written, over a copy of the table's descriptor */
}			wfs;

/* See workflow_internal.h; called from the engines' relcache callback. */
void
wf_store_invalidate(Oid relid)
{
	int			i;

	wf_key_columns_invalidate(relid);
	if (!wfs.valid)
		return;
	if (!OidIsValid(relid) || relid == wfs.relid)
	{
		wfs.valid = false;
		return;
	}
	for (i = 0; i < wfs.nidx; i++)
		if (wfs.idx[i] == relid)
			wfs.valid = false;
}

/* A function the kept expressions may call: a built-in one. */
static bool
wf_store_nonbuiltin(Oid func, void *context)
{
	return func >= FirstGenbkiObjectId;
}

/* True when an expression holds anything but built-in functions, constants and columns. */
static bool
wf_store_foreign_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink) || IsA(node, SubPlan) || IsA(node, Param) ||
		IsA(node, CoerceToDomain) || IsA(node, AlternativeSubPlan))
		return true;
	if (check_functions_in_node(node, wf_store_nonbuiltin, context))
		return true;
	return expression_tree_walker(node, wf_store_foreign_walker, context);
}

/* How a kept expression is evaluated. */
typedef enum WfStoreKind
{
	WF_STORE_EXPR,				/* a value (a column default) */
	WF_STORE_QUAL,				/* an index predicate: NULL is false (ExecQual) */
	WF_STORE_CHECK				/* a CHECK constraint: NULL is true (ExecCheck) */
} WfStoreKind;

/* Plans an expression and keeps its state in wfs.cxt; NULL if refused. */
static ExprState *
wf_store_keep(Node *expr, WfStoreKind kind)
{
	MemoryContext old;
	ExprState  *state;

	if (wf_store_foreign_walker(expr, NULL))
		return NULL;
	old = MemoryContextSwitchTo(wfs.cxt);
	expr = (Node *) expression_planner((Expr *) copyObject(expr));
	if (wf_store_foreign_walker(expr, NULL))
		state = NULL;
	else if (kind == WF_STORE_EXPR)
		state = ExecInitExpr((Expr *) expr, NULL);
	else
	{
		List	   *list = IsA(expr, List) ? (List *) expr : make_ands_implicit((Expr *) expr);

		state = kind == WF_STORE_QUAL ? ExecInitQual(list, NULL) : ExecInitCheck(list, NULL);
	}
	MemoryContextSwitchTo(old);
	return state;
}

/* Decides whether the table can be written directly, and keeps what that needs (rel locked). */
static bool
wf_store_check(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TupleConstr *constr = desc->constr;
	List	   *indexes;
	ListCell   *lc;
	int			i,
				j;
	bool		ok = true;

	if (wfs.cxt != NULL)
		MemoryContextDelete(wfs.cxt);
	wfs.cxt = AllocSetContextCreate(CacheMemoryContext, "iso28000 workflow event store",
									ALLOCSET_SMALL_SIZES);
	wfs.nidx = 0;
	wfs.nchecks = 0;
	wfs.defaults = NULL;
	wfs.econtext = NULL;
	wfs.slot = NULL;
	wfs.natts = desc->natts;

	/* On Citus the log is (or may become) distributed: its rows must be routed. */
	if (OidIsValid(get_extension_oid("citus", true)))
		return false;
	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relam != HEAP_TABLE_AM_OID ||
		rel->rd_rel->relhasrules)
		return false;
	if (rel->trigdesc != NULL &&
		(rel->trigdesc->trig_insert_before_row || rel->trigdesc->trig_insert_after_row ||
		 rel->trigdesc->trig_insert_instead_row || rel->trigdesc->trig_insert_before_statement ||
		 rel->trigdesc->trig_insert_after_statement || rel->trigdesc->trig_insert_new_table))
		return false;
	if (pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		return false;

	/* The engine's columns with their types; any other column gets its default. */
	memset(wfs.attnum, 0, sizeof(wfs.attnum));
	wfs.defaults = MemoryContextAllocZero(wfs.cxt, sizeof(ExprState *) * desc->natts);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		if (att->attgenerated)
			return false;
		for (j = 0; j < WF_BATCH_NCOLS; j++)
			if (strcmp(NameStr(att->attname), wf_store_colnames[j]) == 0)
				break;
		if (j < WF_BATCH_NCOLS)
		{
			if (att->atttypid != wf_store_coltypes[j])
				return false;
			wfs.attnum[j] = att->attnum;
		}
		else
		{
			Node	   *def = build_column_default(rel, att->attnum);

			if (def != NULL && (wfs.defaults[i] = wf_store_keep(def, WF_STORE_EXPR)) == NULL)
				return false;
		}
	}
	for (j = 0; j < WF_BATCH_NCOLS; j++)
		if (wfs.attnum[j] == 0)
			return false;

	/* CHECK constraints, every one (the executor checks NOT VALID ones on new rows too). */
	wfs.nchecks = 0;
	if (constr != NULL && constr->num_check > 0)
	{
		wfs.checks = MemoryContextAllocZero(wfs.cxt, sizeof(WfStoreCheck) * constr->num_check);
		for (i = 0; i < constr->num_check; i++)
		{
			ConstrCheck *cc = &constr->check[i];
			ExprState  *state;

#if PG_VERSION_NUM >= 180000
			if (!cc->ccenforced)
				continue;
#endif
			state = wf_store_keep(stringToNode(cc->ccbin), WF_STORE_CHECK);
			if (state == NULL)
				return false;
			wfs.checks[wfs.nchecks].name = MemoryContextStrdup(wfs.cxt, cc->ccname);
			wfs.checks[wfs.nchecks].expr = state;
			wfs.nchecks++;
		}
	}

	/* Indexes: btree or GIN on plain columns, ready and valid; their predicates kept. */
	indexes = RelationGetIndexList(rel);
	wfs.idx = MemoryContextAllocZero(wfs.cxt, sizeof(Oid) * Max(list_length(indexes), 1));
	wfs.pred = MemoryContextAllocZero(wfs.cxt, sizeof(ExprState *) * Max(list_length(indexes), 1));
	wfs.info = MemoryContextAllocZero(wfs.cxt, sizeof(IndexInfo *) * Max(list_length(indexes), 1));
	wfs.gin = MemoryContextAllocZero(wfs.cxt, sizeof(bool) * Max(list_length(indexes), 1));
	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index ind = idx->rd_index;
		List	   *pred;

		wfs.idx[wfs.nidx] = RelationGetRelid(idx);
		wfs.gin[wfs.nidx] = (idx->rd_rel->relam == GIN_AM_OID);
		if ((idx->rd_rel->relam != BTREE_AM_OID && idx->rd_rel->relam != GIN_AM_OID) ||
			!ind->indisvalid || !ind->indisready || !ind->indimmediate || ind->indisexclusion ||
			RelationGetIndexExpressions(idx) != NIL)
			ok = false;
		else if ((pred = RelationGetIndexPredicate(idx)) != NIL &&
				 (wfs.pred[wfs.nidx] = wf_store_keep((Node *) pred, WF_STORE_QUAL)) == NULL)
			ok = false;
		else
		{
			MemoryContext old = MemoryContextSwitchTo(wfs.cxt);

			wfs.info[wfs.nidx] = BuildIndexInfo(idx);
			MemoryContextSwitchTo(old);
		}
		wfs.nidx++;
		index_close(idx, AccessShareLock);
		if (!ok)
			break;
	}
	list_free(indexes);
	if (!ok)
		return false;

	wfs.econtext = NULL;
	{
		MemoryContext old = MemoryContextSwitchTo(wfs.cxt);

		wfs.econtext = CreateStandaloneExprContext();
		/* a copy of the descriptor: one the relcache counts would be pinned per statement */
		wfs.slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(desc), &TTSOpsHeapTuple);
		MemoryContextSwitchTo(old);
	}
	return true;
}

/*
 * The table, open for the rows of one write (wf_store_open()).  An index is
 * opened (and locked) when the first row that goes into it is written: a
 * single-row transition's run never enters the index of the long runs, and
 * one relation lock fewer per transition keeps every lock a transition of
 * the real register takes within the backend's sixteen fast-path slots
 * (past them a lock goes through the shared lock table, whose partition
 * locks the writers of one table queue for).
 */
static struct
{
	Relation	rel;
	Relation   *idx;			/* NULL until a row goes into it */
	TupleTableSlot *slot;
}			wfw;

/* See workflow_internal.h. */
bool
wf_store_open(Oid relid)
{
	Relation	rel;
	List	   *indexes;
	ListCell   *lc;
	int			n = 0;

	(void) engine_catalog();	/* registers the callback that invalidates us */
	if (wfs.valid && !wfs.usable && wfs.relid == relid)
		return false;
	/* locked first: nothing the check relies on changes until the end of the transaction */
	rel = table_open(relid, RowExclusiveLock);
	if (wfs.relid != relid)
		wfs.valid = false;
	while (!wfs.valid)
	{
		wfs.valid = true;
		wfs.relid = relid;
		wfs.usable = wf_store_check(rel);
	}
	if (!wfs.usable)
	{
		table_close(rel, NoLock);
		return false;
	}

	/* the indexes, as the check saw them (a change of the list would have invalidated it) */
	indexes = RelationGetIndexList(rel);
	if (list_length(indexes) != wfs.nidx)
		elog(ERROR, "index list of the workflow event store changed");
	foreach(lc, indexes)
		if (lfirst_oid(lc) != wfs.idx[n++])
			elog(ERROR, "index list of the workflow event store changed");
	list_free(indexes);
	wfw.rel = rel;
	wfw.idx = palloc0(sizeof(Relation) * Max(wfs.nidx, 1));
	for (n = 0; n < wfs.nidx; n++)
	{
		/*
		 * What an index method keeps in ii_AmCache lives in the statement's
		 * memory, except GIN's state: its opclass's support functions and
		 * tuple descriptors, read only once made, which gininsert() would
		 * otherwise set up again for every statement (about 10,000
		 * instructions, a sixth of a single-row transition's event log:
		 * bench/results/writers.md).  It is kept with the rest of what is
		 * known of the table (wfs.cxt), so it goes when the table or the
		 * index is invalidated; and it is used only with the index relation
		 * it was made for (wf_store_insert()).
		 */
		if (!wfs.gin[n])
		{
			wfs.info[n]->ii_AmCache = NULL;
			wfs.info[n]->ii_Context = CurrentMemoryContext;
		}
		else
			wfs.info[n]->ii_Context = wfs.cxt;
	}
	if (wfs.natts != RelationGetDescr(rel)->natts)
		elog(ERROR, "descriptor of the workflow event store changed");
	wfw.slot = wfs.slot;
	return true;
}

/* See workflow_internal.h. */
void
wf_store_close(void)
{
	int			i;

	if (wfw.rel == NULL)
		return;
	ExecClearTuple(wfw.slot);
	wfw.slot = NULL;
	for (i = 0; i < wfs.nidx; i++)
	{
		if (wfw.idx[i] != NULL)
			index_close(wfw.idx[i], NoLock);
		if (!wfs.gin[i])
			wfs.info[i]->ii_AmCache = NULL;
	}
	table_close(wfw.rel, NoLock);
	pfree(wfw.idx);
	wfw.rel = NULL;
}

/* Evaluates a kept expression on the row in wfw.slot. */
static inline Datum
wf_store_eval(ExprState *state, bool *isnull)
{
	wfs.econtext->ecxt_scantuple = wfw.slot;
	return ExecEvalExprSwitchContext(state, wfs.econtext, isnull);
}

/* See workflow_internal.h. */
void
wf_store_insert(const Datum *values, const char *nulls)
{
	Relation	rel = wfw.rel;
	TupleDesc	desc;
	Datum	   *v;
	bool	   *n;
	HeapTuple	tup;
	int			i;

	if (rel == NULL)
		elog(ERROR, "workflow event store not open");
	desc = RelationGetDescr(rel);
	v = palloc0(sizeof(Datum) * desc->natts);
	n = palloc(sizeof(bool) * desc->natts);
	memset(n, true, sizeof(bool) * desc->natts);

	/* SPI advanced the command counter before each INSERT: so does this */
	CommandCounterIncrement();

	/* the engine's values, then the other columns' defaults in column order */
	for (i = 0; i < WF_BATCH_NCOLS; i++)
	{
		v[wfs.attnum[i] - 1] = values[i];
		n[wfs.attnum[i] - 1] = (nulls[i] == 'n');
	}
	for (i = 0; i < desc->natts; i++)
		if (wfs.defaults[i] != NULL)
		{
			bool		isnull;
			Datum		d = wf_store_eval(wfs.defaults[i], &isnull);
			Form_pg_attribute att = TupleDescAttr(desc, i);

			/* out of the per-tuple memory, which is reset below */
			v[i] = isnull ? (Datum) 0 : datumCopy(d, att->attbyval, att->attlen);
			n[i] = isnull;
		}
	ResetExprContext(wfs.econtext);
	tup = heap_form_tuple(desc, v, n);
	ExecStoreHeapTuple(tup, wfw.slot, false);

	/* NOT NULL, then the CHECK constraints, as ExecConstraints() */
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attnotnull && n[i])
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("null value in column \"%s\" of relation \"%s\" violates not-null constraint",
							NameStr(att->attname), RelationGetRelationName(rel)),
					 errtablecol(rel, att->attnum)));
	}
	for (i = 0; i < wfs.nchecks; i++)
	{
		wfs.econtext->ecxt_scantuple = wfw.slot;
		if (!ExecCheck(wfs.checks[i].expr, wfs.econtext))
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("new row for relation \"%s\" violates check constraint \"%s\"",
							RelationGetRelationName(rel), wfs.checks[i].name),
					 errtableconstraint(rel, wfs.checks[i].name)));
	}

	simple_heap_insert(rel, tup);

	/* an entry in every index whose predicate the row satisfies */
	for (i = 0; i < wfs.nidx; i++)
	{
		IndexInfo  *info = wfs.info[i];
		Datum		iv[INDEX_MAX_KEYS];
		bool		in[INDEX_MAX_KEYS];
		int			k;

		if (wfs.pred[i] != NULL)
		{
			wfs.econtext->ecxt_scantuple = wfw.slot;
			if (!ExecQual(wfs.pred[i], wfs.econtext))
				continue;
		}
		if (wfw.idx[i] == NULL)
			wfw.idx[i] = index_open(wfs.idx[i], RowExclusiveLock);
		/* a kept GIN state serves only the relation (and descriptor) it was made for */
		if (wfs.gin[i] && info->ii_AmCache != NULL &&
			(((GinState *) info->ii_AmCache)->index != wfw.idx[i] ||
			 ((GinState *) info->ii_AmCache)->origTupdesc != RelationGetDescr(wfw.idx[i])))
			info->ii_AmCache = NULL;	/* its memory goes with wfs.cxt */
		for (k = 0; k < info->ii_NumIndexAttrs; k++)
			iv[k] = heap_getattr(tup, info->ii_IndexAttrNumbers[k], desc, &in[k]);
		index_insert(wfw.idx[i], iv, in, &tup->t_self, rel,
					 info->ii_Unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO, false, info);
	}
	ResetExprContext(wfs.econtext);
	ExecClearTuple(wfw.slot);
	heap_freetuple(tup);
	pfree(v);
	pfree(n);
}
