/*
 * workflow_event.c
 *		The workflow engine's event writer: every transition (and every
 *		creation of a governed record) in the event log, written per statement.
 *
 * The log is stored compactly (sql/core/06_workflow.sql): one row of
 * iso28000.workflow_event_batch per run of events of one statement that share
 * their organisation, workflow, table, both states, actor, acting person and
 * time, holding the records' ids (or keys) and notes as arrays in the order
 * the rows were written; the view iso28000.workflow_event unnests them into
 * one row per event, with the same columns as ever.  Event ids are
 * first_event_id + position - 1: a run takes one value of a sequence that
 * steps by WF_EVENT_RUN_MAX, so a longer run is split.  Writing a million
 * transitions costs one array, not a million heap rows and index entries.
 *
 * UPDATE: the row trigger workflow_guard() already sees OLD and NEW, so it
 * appends each transition to a pending run in this backend's memory
 * (wf_event_collect: compares with the last run and stores the id), and the
 * AFTER UPDATE FOR EACH STATEMENT trigger iso28000.workflow_log() (without
 * transition tables) writes every pending run of its subtransaction at the
 * statement's end (WfRun below).  Nothing is held between statements: a
 * statement that fails takes its pending runs with it (the subtransaction or
 * transaction callbacks drop the runs of what aborts), a released savepoint
 * hands its runs to its parent, and a run still pending at commit (a row
 * trigger that fired without its statement trigger, e.g. on a partition) is
 * written before the commit.  A nested statement's trigger writes the runs of
 * its enclosing statement collected so far when they are in the same
 * subtransaction (they share their fate); runs of an outer subtransaction
 * wait for their own statement.
 *
 * INSERT: creation events come from the AFTER INSERT statement trigger's
 * transition table (the new rows as written: an INSERT ... ON CONFLICT that
 * creates nothing logs nothing).
 *
 * The event log is the engine's own append-only output: no member may write
 * it, so the engine inserts as the log's owner, with every value computed
 * before the switch of user (the record key through the key columns' output
 * functions, the acting person through src/actor.c).  A row trigger of a
 * table without the statement triggers (one made by hand, or between
 * installing this library and ALTER EXTENSION UPDATE) still logs each
 * transition itself (wf_log_event).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "actor.h"
#include "citus_compat.h"
#include "engines.h"
#include "iso28000_errcodes.h"
#include "workflow_internal.h"

/* Citus's setting that lets a query on a shard start a distributed one. */
#define WF_CITUS_NESTED "citus.allow_nested_distributed_execution"

/* Events of one stored run at most: the step of iso28000.workflow_event_event_id_seq. */
#define WF_EVENT_RUN_MAX 1048576

/* The columns of iso28000.workflow_event_batch the engine writes, in this order (WF_BATCH_NCOLS). */
#define WF_BATCH_INSERT \
	"INSERT INTO iso28000.workflow_event_batch (org_id, events, workflow, table_name, key_columns," \
	" record_ids, record_keys, from_state, to_state, actor, actor_person, occurred_at, notes)" \
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
static Oid	wf_batch_types[WF_BATCH_NCOLS] = {
	INT8OID, INT4OID, TEXTOID, REGCLASSOID, TEXTOID, INT8ARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID,
	NAMEOID, INT8OID, TIMESTAMPTZOID, TEXTARRAYOID
};

/*
 * A run: consecutive events of one statement with the same organisation,
 * workflow, table, states, actor and time.  Pending runs (UPDATE) live in
 * wf_pending_cxt, a child of TopTransactionContext, until written.
 */
typedef struct WfRun
{
	struct WfRun *next;
	int			nest_level;		/* subtransaction that collected it */
	int64		org;
	Oid			user;			/* the actor, as a role */
	NameData	actor;
	char		workflow[NAMEDATALEN];
	Oid			table_name;		/* the register (its table's, on a Citus shard) */
	Oid			relid;			/* the relation the trigger fired on */
	AttrNumber	status_att;
	char	   *key_columns;	/* "(org_id, x_id)" when the ids say the keys */
	bool		has_from;
	char		from[NAMEDATALEN];
	char		to[NAMEDATALEN];
	TimestampTz when;
	bool		org_implied;	/* the record's foreign key stands for the organisation check */
	bool		has_person;		/* the acting person, taken when written */
	int64		person;
	int			n;
	int			cap;
	Datum	   *ids;			/* int8, when the key is (org_id, integer id) */
	Datum	   *keys;			/* text, otherwise */
	Datum	   *notes;			/* text, when the table has status_note */
	bool	   *note_nulls;
	bool		any_note;
} WfRun;

static MemoryContext wf_pending_cxt = NULL;
static WfRun *wf_pending = NULL;	/* oldest first */
static WfRun *wf_pending_tail = NULL;
static bool wf_callbacks = false;

static void wf_event_check_orgs(const int64 *orgs, int norgs);
static void wf_runs_write(WfRun *runs);
static bool wf_org_implied(Relation rel, AttrNumber org_att);

/*
 * The key columns of a table whose key is (org_id, id), as its events name
 * them: "(org_id, x_id)".  The last one is kept (quoting the names again for
 * every statement was about 1,500 instructions of a single-row transition):
 * for the table and key columns it was made for, until the table's relcache
 * entry is invalidated (a column renamed: wf_store_invalidate()).
 */
static struct
{
	Oid			relid;
	AttrNumber	att[2];
	char		text[2 * NAMEDATALEN * 2 + 8];
}			wf_kc;

void
wf_key_columns_invalidate(Oid relid)
{
	if (!OidIsValid(relid) || relid == wf_kc.relid)
		wf_kc.relid = InvalidOid;
}

static const char *
wf_key_columns(const WfTable *t, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	char	   *text;

	if (wf_kc.relid == RelationGetRelid(rel) && wf_kc.att[0] == t->key_att[0] &&
		wf_kc.att[1] == t->key_att[1])
		return wf_kc.text;
	(void) engine_catalog();	/* registers the relcache callback that invalidates us */
	text = psprintf("(%s, %s)",
					quote_identifier(NameStr(TupleDescAttr(desc, t->key_att[0] - 1)->attname)),
					quote_identifier(NameStr(TupleDescAttr(desc, t->key_att[1] - 1)->attname)));
	if (strlen(text) >= sizeof(wf_kc.text))
		return text;
	strlcpy(wf_kc.text, text, sizeof(wf_kc.text));
	wf_kc.att[0] = t->key_att[0];
	wf_kc.att[1] = t->key_att[1];
	wf_kc.relid = RelationGetRelid(rel);
	return wf_kc.text;
}

/* A new, empty run in memory context cxt. */
static WfRun *
wf_run_new(MemoryContext cxt, const WfTable *t, Relation rel, int64 org, const char *from,
		   const char *to, TimestampTz when)
{
	WfRun	   *r = MemoryContextAllocZero(cxt, sizeof(WfRun));

	r->nest_level = GetCurrentTransactionNestLevel();
	r->org = org;
	r->user = GetUserId();
	namestrcpy(&r->actor, wf_user_name());
	strlcpy(r->workflow, t->workflow, NAMEDATALEN);
	r->table_name = engine_relid(rel);
	r->relid = RelationGetRelid(rel);
	r->org_implied = wf_org_implied(rel, t->org_att);
	r->status_att = t->status_att;
	if (t->key_is_id)
		r->key_columns = MemoryContextStrdup(cxt, wf_key_columns(t, rel));
	r->has_from = (from != NULL);
	if (from)
		strlcpy(r->from, from, NAMEDATALEN);
	strlcpy(r->to, to, NAMEDATALEN);
	r->when = when;
	r->cap = 16;
	if (t->key_is_id)
		r->ids = MemoryContextAlloc(cxt, sizeof(Datum) * r->cap);
	else
		r->keys = MemoryContextAlloc(cxt, sizeof(Datum) * r->cap);
	if (t->note_att)
	{
		r->notes = MemoryContextAlloc(cxt, sizeof(Datum) * r->cap);
		r->note_nulls = MemoryContextAlloc(cxt, sizeof(bool) * r->cap);
	}
	return r;
}

/* Does the event belong to the run? */
static inline bool
wf_run_takes(const WfRun *r, Relation rel, const WfTable *t, int64 org, const char *from,
			 const char *to, TimestampTz when)
{
	return r->n < WF_EVENT_RUN_MAX && r->org == org && r->relid == RelationGetRelid(rel) &&
		r->status_att == t->status_att && r->when == when && r->user == GetUserId() &&
		r->nest_level == GetCurrentTransactionNestLevel() &&
		(from != NULL) == r->has_from && strcmp(r->to, to) == 0 &&
		(from == NULL || strcmp(r->from, from) == 0) && strcmp(r->workflow, t->workflow) == 0;
}

/* Appends the event of a row (its id or key, and its note) to a run, in the run's context. */
static void
wf_run_add(WfRun *r, MemoryContext cxt, const WfTable *t, TupleTableSlot *slot, HeapTuple tup,
		   TupleDesc desc)
{
	bool		isnull;

	if (r->n == r->cap)
	{
		r->cap *= 2;
		if (r->ids)
			r->ids = repalloc_huge(r->ids, sizeof(Datum) * r->cap);
		else
			r->keys = repalloc_huge(r->keys, sizeof(Datum) * r->cap);
		if (r->notes)
		{
			r->notes = repalloc_huge(r->notes, sizeof(Datum) * r->cap);
			r->note_nulls = repalloc_huge(r->note_nulls, sizeof(bool) * r->cap);
		}
	}
	if (r->ids)
	{
		Datum		id = slot_getattr(slot, t->key_att[1], &isnull);
		Oid			typ = TupleDescAttr(desc, t->key_att[1] - 1)->atttypid;

		/* a primary key column is never NULL */
		r->ids[r->n] = typ == INT8OID ? id :
			Int64GetDatum(typ == INT4OID ? (int64) DatumGetInt32(id) : (int64) DatumGetInt16(id));
	}
	else
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		r->keys[r->n] = CStringGetTextDatum(wf_record_key(t, tup, desc));
		MemoryContextSwitchTo(old);
	}
	if (r->notes)
	{
		Datum		note = slot_getattr(slot, t->note_att, &isnull);

		r->note_nulls[r->n] = isnull;
		r->notes[r->n] = (Datum) 0;
		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			r->notes[r->n] = PointerGetDatum(PG_DETOAST_DATUM_COPY(note));
			MemoryContextSwitchTo(old);
			r->any_note = true;
		}
	}
	r->n++;
}

/* The organisation of a row, which its event needs. */
static int64
wf_row_org(const WfTable *t, Relation rel, TupleTableSlot *slot, HeapTuple tup)
{
	bool		isnull;
	Datum		org = slot_getattr(slot, t->org_att, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("%s %s has no org_id: its workflow event cannot be logged",
						engine_relname(rel), wf_record_key(t, tup, RelationGetDescr(rel))),
				 errtablecol(rel, t->org_att)));
	return DatumGetInt64(org);
}

/* Drops the pending runs of subtransactions at nest level >= level (all for level 0). */
static void
wf_pending_drop(int level)
{
	WfRun	   *r;
	WfRun	   *keep = NULL;
	WfRun	   *tail = NULL;

	if (level <= 1)
	{
		wf_pending = wf_pending_tail = NULL;
		if (wf_pending_cxt != NULL && level == 1)
			MemoryContextReset(wf_pending_cxt);
		return;
	}
	for (r = wf_pending; r != NULL; r = r->next)
		if (r->nest_level < level)
		{
			if (tail)
				tail->next = r;
			else
				keep = r;
			tail = r;
		}
	if (tail)
		tail->next = NULL;
	wf_pending = keep;
	wf_pending_tail = tail;
}

/*
 * On a Citus node: whether this node holds the shard of the event log for the
 * organisation of every run (false when the log is not distributed).
 */
static bool
wf_log_shards_local(const WfRun *runs)
{
	const EngineCatalog *cat = engine_catalog();
	Oid			log = OidIsValid(cat->workflow_event_batch) ? cat->workflow_event_batch : cat->workflow_event;
	char	   *table;
	const WfRun *r;

	if (!OidIsValid(log))
		return false;
	table = quote_qualified_identifier(get_namespace_name(get_rel_namespace(log)), get_rel_name(log));
	for (r = runs; r != NULL; r = r->next)
		if (strcmp(iso28000_org_relation_name(log, r->org), table) == 0)
			return false;
	return true;
}

/* Transaction end: nothing pending survives it. */
static void
wf_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			/* A run whose statement trigger did not fire (a partition's rows): written now. */
			if (wf_pending != NULL)
			{
				WfRun	   *runs = wf_pending;
				bool		snap = !ActiveSnapshotSet();
				int			guc_level = -1;

				wf_pending = wf_pending_tail = NULL;
				/* no statement runs at commit: SPI needs a snapshot (as deferred triggers get) */
				if (snap)
					PushActiveSnapshot(GetTransactionSnapshot());

				/*
				 * On a Citus worker (a shard's rows, written at its PREPARE
				 * TRANSACTION) the writer's queries (the acting person on
				 * person and delegation, the organisation on the reference
				 * table organization, the INSERT into the distributed log)
				 * run on this node's placements (co-located by org_id), as
				 * they do from the statement trigger; but Citus lets a query
				 * on a shard run them only from inside a trigger, and refuses
				 * them here ("cannot execute a distributed query from a query
				 * on a shard").  Allowed for the write only, and only when
				 * this node holds the log's shard of every run: else the
				 * INSERT would be a remote write outside the worker's
				 * prepared transaction, and stays refused (as the statement
				 * trigger of a table not co-located with the log is).
				 */
				if (GetConfigOption(WF_CITUS_NESTED, true, false) != NULL &&
					wf_log_shards_local(runs))
				{
					guc_level = NewGUCNestLevel();
					(void) set_config_option(WF_CITUS_NESTED, "on", PGC_SUSET, PGC_S_SESSION,
											 GUC_ACTION_SAVE, true, 0, false);
				}
				wf_runs_write(runs);
				if (guc_level >= 0)
					AtEOXact_GUC(true, guc_level);
				if (snap)
					PopActiveSnapshot();
			}
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* the context goes with TopTransactionContext */
			wf_pending = wf_pending_tail = NULL;
			wf_pending_cxt = NULL;
			break;
		default:
			break;
	}
}

/* Subtransaction end: an aborted one's runs go, a committed one's pass to its parent. */
static void
wf_subxact_callback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid,
					void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	WfRun	   *r;

	if (event == SUBXACT_EVENT_ABORT_SUB)
		wf_pending_drop(level);
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		for (r = wf_pending; r != NULL; r = r->next)
			if (r->nest_level >= level)
				r->nest_level = level - 1;
}

/*
 * Collects the event of one UPDATE that moves a row from one state to
 * another, for the AFTER UPDATE statement trigger to write (the row trigger's
 * side; per row it compares with the last run and stores the row's id).
 */
void
wf_event_collect(const WfTable *t, Relation rel, TupleTableSlot *slot, HeapTuple tup,
				 const char *from, const char *to, TimestampTz when)
{
	int64		org = wf_row_org(t, rel, slot, tup);
	WfRun	   *r = wf_pending_tail;

	if (!wf_callbacks)
	{
		RegisterXactCallback(wf_xact_callback, NULL);
		RegisterSubXactCallback(wf_subxact_callback, NULL);
		wf_callbacks = true;
	}
	if (wf_pending_cxt == NULL)
		wf_pending_cxt = AllocSetContextCreate(TopTransactionContext, "iso28000 workflow events",
											   ALLOCSET_DEFAULT_SIZES);
	if (r == NULL || !wf_run_takes(r, rel, t, org, from, to, when))
	{
		r = wf_run_new(wf_pending_cxt, t, rel, org, from, to, when);
		if (wf_pending_tail)
			wf_pending_tail->next = r;
		else
			wf_pending = r;
		wf_pending_tail = r;
	}
	wf_run_add(r, wf_pending_cxt, t, slot, tup, RelationGetDescr(rel));
}

/* Kept plan of the batch INSERT; the plan cache keeps it valid. */
static SPIPlanPtr wf_batch_plan = NULL;

/* The stored row of a run (at most WF_EVENT_RUN_MAX events from offset), built as the caller. */
static void
wf_run_values(const WfRun *r, int offset, int n, Datum *values, char *nulls)
{
	memset(nulls, ' ', WF_BATCH_NCOLS);
	values[0] = Int64GetDatum(r->org);
	values[1] = Int32GetDatum(n);
	values[2] = CStringGetTextDatum(r->workflow);
	values[3] = ObjectIdGetDatum(r->table_name);
	if (r->key_columns)
		values[4] = CStringGetTextDatum(r->key_columns);
	else
		nulls[4] = 'n';
	if (r->ids)
		values[5] = PointerGetDatum(construct_array(r->ids + offset, n, INT8OID, sizeof(int64),
													FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	else
		nulls[5] = 'n';
	if (r->keys)
		values[6] = PointerGetDatum(construct_array(r->keys + offset, n, TEXTOID, -1, false,
													TYPALIGN_INT));
	else
		nulls[6] = 'n';
	if (r->has_from)
		values[7] = CStringGetTextDatum(r->from);
	else
		nulls[7] = 'n';
	values[8] = CStringGetTextDatum(r->to);
	values[9] = NameGetDatum(&r->actor);
	if (r->has_person)
		values[10] = Int64GetDatum(r->person);
	else
		nulls[10] = 'n';
	values[11] = TimestampTzGetDatum(r->when);
	if (r->notes && r->any_note)
	{
		int			dims[1] = {n};
		int			lbs[1] = {1};

		values[12] = PointerGetDatum(construct_md_array(r->notes + offset, r->note_nulls + offset, 1,
														dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
	}
	else
		nulls[12] = 'n';
}

/*
 * Between installing this library and ALTER EXTENSION UPDATE the log may still
 * be 0.1.0's table iso28000.workflow_event, one row per event: the events of
 * the runs are inserted into it one by one (inside SPI, as the log's owner).
 */
#define WF_EVENT_INSERT_010 \
	"INSERT INTO iso28000.workflow_event (org_id, workflow, table_name, record_id, record_key," \
	" from_state, to_state, actor, actor_person, occurred_at, note)" \
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
static SPIPlanPtr wf_event_plan_010 = NULL;

static void
wf_runs_write_010(WfRun *runs)
{
	Oid			types[11] = {INT8OID, TEXTOID, REGCLASSOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, NAMEOID,
		INT8OID, TIMESTAMPTZOID, TEXTOID};
	WfRun	   *r;

	for (r = runs; r != NULL; r = r->next)
	{
		int			i;

		for (i = 0; i < r->n; i++)
		{
			Datum		values[11];
			char		nulls[11];
			int			rc;

			memset(nulls, ' ', sizeof(nulls));
			values[0] = Int64GetDatum(r->org);
			values[1] = CStringGetTextDatum(r->workflow);
			values[2] = ObjectIdGetDatum(r->table_name);
			if (r->ids)
			{
				values[3] = r->ids[i];
				values[4] = CStringGetTextDatum(psprintf("%s=(" INT64_FORMAT ", " INT64_FORMAT ")", r->key_columns,
														 r->org, DatumGetInt64(r->ids[i])));
			}
			else
			{
				nulls[3] = 'n';
				values[4] = r->keys[i];
			}
			values[5] = r->has_from ? CStringGetTextDatum(r->from) : (Datum) 0;
			nulls[5] = r->has_from ? ' ' : 'n';
			values[6] = CStringGetTextDatum(r->to);
			values[7] = NameGetDatum(&r->actor);
			nulls[8] = r->has_person ? ' ' : 'n';
			values[8] = Int64GetDatum(r->person);
			values[9] = TimestampTzGetDatum(r->when);
			nulls[10] = (r->notes == NULL || r->note_nulls[i]) ? 'n' : ' ';
			values[10] = nulls[10] == 'n' ? (Datum) 0 : r->notes[i];
			rc = SPI_execute_plan(engine_keep_plan(&wf_event_plan_010, WF_EVENT_INSERT_010, 11, types),
								  values, nulls, false, 0);
			if (rc != SPI_OK_INSERT)
				elog(ERROR, "could not append a workflow event: %s", SPI_result_code_string(rc));
		}
	}
}

/* Whether the writer connected to SPI (wf_event_spi()) since wf_event_enter(). */
static bool wf_spi_connected = false;

/* Switches to the log's owner; nothing the caller can shape runs until wf_event_leave(). */
static void
wf_event_enter(Oid *save_userid, int *save_sec)
{
	GetUserIdAndSecContext(save_userid, save_sec);
	SetUserIdAndSecContext(engine_catalog()->workflow_event_owner,
						   *save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION |
						   SECURITY_NOFORCE_RLS);
	wf_spi_connected = false;
}

/* Connects to SPI, once per write, when a query must run (the fallback, the organisation check). */
static void
wf_event_spi(void)
{
	if (wf_spi_connected)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	wf_spi_connected = true;
}

/* Back to the caller. */
static void
wf_event_leave(Oid save_userid, int save_sec)
{
	if (wf_spi_connected)
	{
		wf_spi_connected = false;
		if (SPI_finish() != SPI_OK_FINISH)
			elog(ERROR, "SPI_finish failed");
	}
	SetUserIdAndSecContext(save_userid, save_sec);
}

/* Adds an organisation to the set of a statement's (kept small: events of one statement rarely span many). */
static void
wf_event_add_org(int64 **orgs, int *norgs, int *cap, int64 org)
{
	int			i;

	for (i = *norgs - 1; i >= 0; i--)
		if ((*orgs)[i] == org)
			return;
	if (*norgs == *cap)
	{
		*cap *= 2;
		*orgs = repalloc(*orgs, sizeof(int64) * *cap);
	}
	(*orgs)[(*norgs)++] = org;
}

/*
 * Writes runs, in order, each as one or more stored rows (values computed as
 * the caller, the INSERT as the log's owner).
 */
static void
wf_runs_write(WfRun *runs)
{
	typedef struct WfRow
	{
		Datum		values[WF_BATCH_NCOLS];
		char		nulls[WF_BATCH_NCOLS];
	} WfRow;
	WfRun	   *r;
	WfRow	   *rows;
	int			nrows = 0;
	int			caprows = 8;
	int64	   *orgs;
	int			norgs = 0;
	int			orgcap = 8;
	int			i;
	Oid			save_userid;
	int			save_sec;

	if (runs == NULL)
		return;
	rows = palloc(sizeof(WfRow) * caprows);
	orgs = palloc(sizeof(int64) * orgcap);
	for (r = runs; r != NULL; r = r->next)
	{
		int			offset;

		if (!r->org_implied)
			wf_event_add_org(&orgs, &norgs, &orgcap, r->org);
		/* The acting person, as a fact at write time (src/actor.c; cached per statement). */
		r->has_person = iso28000_acting_person(r->org, &r->person);
		for (offset = 0; offset < r->n; offset += WF_EVENT_RUN_MAX)
		{
			if (nrows == caprows)
			{
				caprows *= 2;
				rows = repalloc(rows, sizeof(WfRow) * caprows);
			}
			wf_run_values(r, offset, Min(r->n - offset, WF_EVENT_RUN_MAX),
						  rows[nrows].values, rows[nrows].nulls);
			nrows++;
		}
	}

	wf_event_enter(&save_userid, &save_sec);
	wf_event_check_orgs(orgs, norgs);
	if (!OidIsValid(engine_catalog()->workflow_event_batch))
	{
		wf_event_spi();
		wf_runs_write_010(runs);
		nrows = 0;
	}
	else if (wf_store_open(engine_catalog()->workflow_event_batch))
	{
		/* through the table access method (workflow_event_store.c) */
		for (i = 0; i < nrows; i++)
			wf_store_insert(rows[i].values, rows[i].nulls);
		wf_store_close();
		nrows = 0;
	}
	else
		wf_event_spi();
	for (i = 0; i < nrows; i++)
	{
		/*
		 * Prepared and run as the log's owner: the plan cache replans a plan
		 * made under another role (row-level security), so both use the same
		 * one.
		 */
		int			rc = SPI_execute_plan(engine_keep_plan(&wf_batch_plan, WF_BATCH_INSERT,
														   WF_BATCH_NCOLS, wf_batch_types),
										  rows[i].values, rows[i].nulls, false, 0);

		if (rc != SPI_OK_INSERT)
			elog(ERROR, "could not append workflow events: %s", SPI_result_code_string(rc));
	}
	wf_event_leave(save_userid, save_sec);
}

/* Appends one event to the log, as the log's owner (a row trigger without the statement triggers). */
void
wf_log_event(const WfTable *t, Relation rel, TupleTableSlot *slot, HeapTuple tup, const char *from,
			 const char *to, TimestampTz when)
{
	int64		org = wf_row_org(t, rel, slot, tup);
	WfRun	   *r = wf_run_new(CurrentMemoryContext, t, rel, org, from, to, when);

	wf_run_add(r, CurrentMemoryContext, t, slot, tup, RelationGetDescr(rel));
	wf_runs_write(r);
}

/* Reads a row's status as text into buf (NAMEDATALEN); false when NULL. */
static bool
wf_slot_status(TupleTableSlot *slot, AttrNumber att, char *buf)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, att, &isnull);
	text	   *txt;

	if (isnull)
		return false;
	txt = DatumGetTextPP(d);
	/* The row trigger refused any status that is not a state: it fits. */
	strlcpy(buf, VARDATA_ANY(txt), Min(VARSIZE_ANY_EXHDR(txt) + 1, NAMEDATALEN));
	return true;
}

/*
 * When the organisation check can go (doc/workflow.md, "The organisation of
 * an event").  Every event's organisation is the org_id of the row its
 * statement wrote (the new row).  When that column is the register's own
 * foreign key to iso28000.organization, validated and enforced (its check
 * triggers on the register and its action triggers on organization enabled,
 * and the session not in replica mode, where none of them fires), the
 * register's key already gives what the check gave:
 *
 * - the organisation exists: an INSERT, or an UPDATE that changes org_id (or
 *   whose row this transaction inserted), has the foreign key's own check
 *   (RI_FKey_check), which key-share locks the organisation row exactly as
 *   the event writer's check did, before the statement's AFTER STATEMENT
 *   trigger writes the events (or, deferred, before the commit);
 * - an UPDATE that keeps org_id changes a row that references the
 *   organisation, and holds that row's lock until it ends.  A concurrent
 *   DELETE of the organisation then either finds the row (ON DELETE NO
 *   ACTION or RESTRICT: refused, 23503, at once instead of after waiting for
 *   the key-share lock) or must delete or update it (CASCADE, SET NULL, SET
 *   DEFAULT: it waits for the transition's transaction, so the organisation
 *   exists when the events commit, as it did behind the key-share lock; once
 *   that DELETE commits, the rows and the organisation are gone and the
 *   events stay, as they did before: the log has no foreign key).  A DELETE
 *   that committed first leaves no row to transition (READ COMMITTED: the
 *   UPDATE finds nothing; REPEATABLE READ: 40001).
 *
 * test/specs/workflow_event_org.spec races these.  On Citus, a shard whose
 * key points at organization's placement on its node counts the same way.
 * Anything else (no such key, NOT VALID, a trigger disabled, a partition
 * whose key is its parent's, a Citus table that is not a shard, replica
 * mode) keeps the check.  The answer is kept per register
 * until a relcache invalidation of it or of organization.
 */
typedef struct WfOrgImplied
{
	Oid			relid;			/* hash key */
	bool		implied;
} WfOrgImplied;

static HTAB *wf_org_cache = NULL;
static Oid	wf_org_rel = InvalidOid;	/* iso28000.organization when the cache was filled */
static Oid	wf_org_placement = InvalidOid;	/* its Citus placement on this node, when used */
static uint64 wf_org_generation = 0;	/* counts invalidations */

/* See workflow_internal.h; called from the engines' relcache callback. */
void
wf_org_invalidate(Oid relid)
{
	wf_org_generation++;
	if (wf_org_cache == NULL)
		return;
	if (!OidIsValid(relid) || relid == wf_org_rel ||
		(OidIsValid(wf_org_placement) && relid == wf_org_placement))
	{
		HASH_SEQ_STATUS st;
		WfOrgImplied *e;

		hash_seq_init(&st, wf_org_cache);
		while ((e = hash_seq_search(&st)) != NULL)
			(void) hash_search(wf_org_cache, &e->relid, HASH_REMOVE, NULL);
		wf_org_rel = InvalidOid;	/* looked up again: the extension may have been made again */
		wf_org_placement = InvalidOid;
	}
	else
		(void) hash_search(wf_org_cache, &relid, HASH_REMOVE, NULL);
}

/* Decides wf_org_implied() for a register (no cache). */
static bool
wf_org_implied_build(Relation rel, AttrNumber org_att)
{
	Relation	org;
	Oid			org_relid = wf_org_rel;
	bool		implied;

	if (!OidIsValid(wf_org_rel))
		return false;
	if (OidIsValid(get_extension_oid("citus", true)))
	{
		/*
		 * On a Citus shard the register's key points at organization's
		 * placement on this node (a reference table's local copy), and its
		 * check runs there, in this backend.  The log's own check would be a
		 * query on the reference table through Citus, which takes its shard
		 * resource lock (FOR KEY SHARE: Share and RowExclusive) on the first
		 * worker over a connection of its own: a transaction writing two
		 * organisations on two workers then waited for itself there and was
		 * cancelled as a distributed deadlock (doc/distribution.md,
		 * test/citus/12_two_orgs.sql).  Anything but a shard keeps the check.
		 */
		if (!iso28000_is_shard(rel))
			return false;
		org_relid = iso28000_local_placement(wf_org_rel);
		if (org_relid == wf_org_rel)
			return false;		/* no placement here */
		wf_org_placement = org_relid;
	}
	org = table_open(org_relid, AccessShareLock);
	implied = iso28000_org_key_enforced(rel, org_att, org_relid,
										get_attnum(org_relid, "org_id"), org);
	table_close(org, AccessShareLock);
	return implied;
}

/* Whether the organisation of rel's events needs no check of its own (above). */
static bool
wf_org_implied(Relation rel, AttrNumber org_att)
{
	WfOrgImplied *e;
	Oid			relid = RelationGetRelid(rel);
	Oid			org_rel;
	bool		found;
	bool		implied;
	uint64		generation;

	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return false;
	if (wf_org_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(WfOrgImplied);
		ctl.hcxt = CacheMemoryContext;
		wf_org_cache = hash_create("iso28000 workflow event organisation", 16, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	if (!OidIsValid(wf_org_rel))
	{
		org_rel = get_relname_relid("organization", engine_catalog()->nsp);
		wf_org_invalidate(InvalidOid);
		wf_org_rel = org_rel;
	}
	e = hash_search(wf_org_cache, &relid, HASH_FIND, NULL);
	if (e != NULL)
		return e->implied;
	/* made again when an invalidation arrived while it was made (it takes a lock) */
	do
	{
		generation = wf_org_generation;
		implied = wf_org_implied_build(rel, org_att);
	} while (generation != wf_org_generation);
	if (!OidIsValid(wf_org_rel))
		return implied;			/* the cache was emptied meanwhile: asked again next time */
	e = hash_search(wf_org_cache, &relid, HASH_ENTER, &found);
	e->implied = implied;
	return implied;
}

/* Kept plan of the organisation check that stands for the log's foreign key. */
static SPIPlanPtr wf_org_plan = NULL;

/*
 * The organisations of a statement's events exist, and stay until the end of
 * the transaction: what a foreign key from the event log to
 * iso28000.organization would check (the same FOR KEY SHARE lock as its
 * check), once per organisation and statement instead of once per event
 * (inside SPI, as the log's owner).
 */
static void
wf_event_check_orgs(const int64 *orgs, int norgs)
{
	Oid			argtypes[1] = {INT8OID};
	int			i;

	if (norgs > 0)
		wf_event_spi();
	for (i = 0; i < norgs; i++)
	{
		Datum		values[1] = {Int64GetDatum(orgs[i])};
		int			rc = SPI_execute_plan(engine_keep_plan(&wf_org_plan,
														   "SELECT FROM iso28000.organization x WHERE x.org_id OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x",
														   1, argtypes),
										  values, NULL, false, 1);

		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not check organisation " INT64_FORMAT ": %s", orgs[i], SPI_result_code_string(rc));
		if (SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("workflow event of organisation " INT64_FORMAT " cannot be logged: the organisation does not exist", orgs[i]),
					 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
					 err_generic_string(PG_DIAG_TABLE_NAME, "workflow_event"),
					 err_generic_string(PG_DIAG_COLUMN_NAME, "org_id")));
	}
}

/* The runs of the statement's new records, from the INSERT trigger's transition table. */
static WfRun *
wf_insert_runs(const WfTable *t, Relation rel, Tuplestorestate *newtable, TimestampTz when)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
	WfRun	   *head = NULL;
	WfRun	   *tail = NULL;

	tuplestore_rescan(newtable);
	while (tuplestore_gettupleslot(newtable, true, false, slot))
	{
		char		to[NAMEDATALEN];
		bool		shouldfree;
		HeapTuple	tup;
		int64		org;

		if (!wf_slot_status(slot, t->status_att, to))
			continue;			/* the row trigger refused it, unless in replica mode */
		tup = ExecFetchSlotHeapTuple(slot, false, &shouldfree);
		org = wf_row_org(t, rel, slot, tup);
		if (tail == NULL || !wf_run_takes(tail, rel, t, org, NULL, to, when))
		{
			WfRun	   *r = wf_run_new(CurrentMemoryContext, t, rel, org, NULL, to, when);

			if (tail)
				tail->next = r;
			else
				head = r;
			tail = r;
		}
		wf_run_add(tail, CurrentMemoryContext, t, slot, tup, RelationGetDescr(rel));
		if (shouldfree)
			heap_freetuple(tup);
	}
	ExecDropSingleTupleTableSlot(slot);
	return head;
}

PG_FUNCTION_INFO_V1(iso28000_workflow_log);
/* The event writer: at the end of a statement, logs the transitions its rows made. */
Datum
iso28000_workflow_log(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	WfTable		tab;
	bool		is_update;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"workflow_log\" must be fired as a trigger")));
	is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		!(is_update || TRIGGER_FIRED_BY_INSERT(td->tg_event)) ||
		(!is_update && td->tg_newtable == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_WORKFLOW_MISCONFIGURED),
				 errmsg("iso28000.workflow_log() must be fired AFTER INSERT (with its new table) or AFTER UPDATE, FOR EACH STATEMENT"),
				 errhint("Use iso28000.attach_workflow() to create the triggers.")));
	/* A restore (replica mode) logs nothing: the events come from the dump. */
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return PointerGetDatum(NULL);

	if (is_update)
	{
		/*
		 * Every run pending in this subtransaction: this statement's, and
		 * those an enclosing statement collected so far (same fate).
		 */
		int			level = GetCurrentTransactionNestLevel();
		WfRun	   *mine = NULL;
		WfRun	   *mine_tail = NULL;
		WfRun	   *r;
		WfRun	   *next;
		WfRun	   *keep_tail = NULL;

		for (r = wf_pending; r != NULL; r = next)
		{
			next = r->next;
			r->next = NULL;
			if (r->nest_level >= level)
			{
				if (mine_tail)
					mine_tail->next = r;
				else
					mine = r;
				mine_tail = r;
			}
			else
			{
				if (keep_tail)
					keep_tail->next = r;
				else
					wf_pending = r;
				keep_tail = r;
			}
		}
		if (keep_tail == NULL)
			wf_pending = NULL;
		wf_pending_tail = keep_tail;
		wf_runs_write(mine);
		/* their memory: freed with the context when nothing is left pending */
		if (wf_pending == NULL && wf_pending_cxt != NULL)
			MemoryContextReset(wf_pending_cxt);
		return PointerGetDatum(NULL);
	}

	rel = td->tg_relation;
	tab = wf_lookup(td->tg_trigger, rel)->table;
	if (!tab.log_events)
		return PointerGetDatum(NULL);
	wf_runs_write(wf_insert_runs(&tab, rel, td->tg_newtable, GetCurrentStatementStartTimestamp()));
	return PointerGetDatum(NULL);
}
