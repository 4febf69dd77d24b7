/*
 * workflow_event.c
 *		The workflow engine's event writer: one row of iso28000.workflow_event
 *		per transition (and per creation of a governed record).
 *
 * The event log is the engine's own append-only output: no member may write
 * it, so the engine inserts as the log's owner, with every value computed
 * before the switch of user (the record key through the key columns' output
 * functions, the acting person through src/actor.c).
 *
 * Per statement, not per row.  attach_workflow() gives a governed table, beside
 * the row trigger workflow_guard(), two AFTER ... FOR EACH STATEMENT triggers
 * iso28000.workflow_log() with transition tables (one for INSERT, one for
 * UPDATE, since a trigger with transition tables fires for one event only).
 * At the end of each statement workflow_log() reads the rows the statement
 * wrote (the new and old tables pair up row by row, in the order the rows
 * were written), keeps those whose status changed (and every new record), and
 * writes their events in one INSERT ... SELECT from a tuple store (up to
 * WF_EVENT_DIRECT_ROWS events through a kept plan instead: a single-row
 * transition does not plan a statement).  What it logs is what the statement
 * really wrote, after every BEFORE trigger; nothing is held in memory between
 * statements, so a statement, savepoint or transaction that rolls back takes
 * its events with it, and a later one never sees them.  Events stay in the
 * order the rows were written, each with the actor, acting person and the
 * statement's start time.
 *
 * A row trigger of a table without these statement triggers (one made by hand,
 * or between installing this library and ALTER EXTENSION UPDATE) still logs
 * each transition itself (wf_log_event), as before.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/queryenvironment.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "actor.h"
#include "engines.h"
#include "iso28000_errcodes.h"
#include "workflow_internal.h"

/* The columns of iso28000.workflow_event the engine writes, in this order. */
#define WF_EVENT_NCOLS 11
#define WF_EVENT_INSERT \
	"INSERT INTO iso28000.workflow_event (org_id, workflow, table_name, record_id, record_key," \
	" from_state, to_state, actor, actor_person, occurred_at, note)"
static Oid	wf_event_types[WF_EVENT_NCOLS] = {
	INT8OID, TEXTOID, REGCLASSOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, NAMEOID, INT8OID,
	TIMESTAMPTZOID, TEXTOID
};
static const char *const wf_event_names[WF_EVENT_NCOLS] = {
	"org_id", "workflow", "table_name", "record_id", "record_key", "from_state", "to_state",
	"actor", "actor_person", "occurred_at", "note"
};

/* Statements with up to this many events insert them through a kept plan. */
#define WF_EVENT_DIRECT_ROWS 8
#define WF_EVENT_BATCH_ENR "iso28000_workflow_events"

/* Kept plan of the one-event INSERT; the plan cache keeps it valid. */
static SPIPlanPtr wf_event_plan = NULL;

static void wf_event_check_orgs(const int64 *orgs, int norgs);

/* The values of one event (as the caller: output functions run here). */
static void
wf_event_values(const WfTable *t, Relation rel, HeapTuple tup, const char *from, const char *to,
				TimestampTz when, Datum *values, bool *nulls)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull;
	int64		person;

	memset(nulls, 0, sizeof(bool) * WF_EVENT_NCOLS);
	values[0] = heap_getattr(tup, t->org_att, desc, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("%s %s has no org_id: its workflow event cannot be logged",
						engine_relname(rel), wf_record_key(t, tup, desc)),
				 errtablecol(rel, t->org_att)));
	values[1] = CStringGetTextDatum(t->workflow);
	values[2] = ObjectIdGetDatum(engine_relid(rel)); /* its table's, on a Citus shard */
	nulls[3] = true;
	if (t->key_is_id)
	{
		Datum		id = heap_getattr(tup, t->key_att[1], desc, &isnull);
		Oid			typ = TupleDescAttr(desc, t->key_att[1] - 1)->atttypid;

		if (!isnull)
		{
			values[3] = typ == INT8OID ? id :
				Int64GetDatum(typ == INT4OID ? (int64) DatumGetInt32(id) : (int64) DatumGetInt16(id));
			nulls[3] = false;
		}
	}
	values[4] = CStringGetTextDatum(wf_record_key(t, tup, desc));
	values[5] = from ? CStringGetTextDatum(from) : (Datum) 0;
	nulls[5] = (from == NULL);
	values[6] = CStringGetTextDatum(to);
	values[7] = CStringGetDatum(wf_user_name());
	/* The acting person, as a fact at write time (src/actor.c; cached per statement). */
	nulls[8] = !iso28000_acting_person(DatumGetInt64(values[0]), &person);
	values[8] = nulls[8] ? (Datum) 0 : Int64GetDatum(person);
	values[9] = TimestampTzGetDatum(when);
	nulls[10] = true;
	if (t->note_att)
		values[10] = heap_getattr(tup, t->note_att, desc, &nulls[10]);
}

/* Runs the kept one-event INSERT (inside SPI, as the log's owner). */
static void
wf_event_insert_one(Datum *values, bool *nulls)
{
	char		spinulls[WF_EVENT_NCOLS];
	int			i;
	int			rc;

	for (i = 0; i < WF_EVENT_NCOLS; i++)
		spinulls[i] = nulls[i] ? 'n' : ' ';

	/*
	 * Prepared and run as the log's owner: the plan cache replans a plan made
	 * under another role (row-level security), so both use the same one.
	 */
	rc = SPI_execute_plan(engine_keep_plan(&wf_event_plan,
										   WF_EVENT_INSERT " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
										   WF_EVENT_NCOLS, wf_event_types),
						  values, spinulls, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not append a workflow event: %s", SPI_result_code_string(rc));
}

/* Switches to the log's owner; nothing the caller can shape runs until wf_event_leave(). */
static void
wf_event_enter(Oid *save_userid, int *save_sec)
{
	GetUserIdAndSecContext(save_userid, save_sec);
	SetUserIdAndSecContext(engine_catalog()->workflow_event_owner,
						   *save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION |
						   SECURITY_NOFORCE_RLS);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/* Back to the caller. */
static void
wf_event_leave(Oid save_userid, int save_sec)
{
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	SetUserIdAndSecContext(save_userid, save_sec);
}

/* Appends one event to iso28000.workflow_event, as the log's owner (a row trigger without the statement triggers). */
void
wf_log_event(const WfTable *t, Relation rel, HeapTuple tup, const char *from, const char *to,
			 TimestampTz when)
{
	Datum		values[WF_EVENT_NCOLS];
	bool		nulls[WF_EVENT_NCOLS];
	Oid			save_userid;
	int			save_sec;

	wf_event_values(t, rel, tup, from, to, when, values, nulls);
	wf_event_enter(&save_userid, &save_sec);
	{
		int64		org = DatumGetInt64(values[0]);

		wf_event_check_orgs(&org, 1);
	}
	wf_event_insert_one(values, nulls);
	wf_event_leave(save_userid, save_sec);
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

/* Writes the events of a batch (as the log's owner). */
static void
wf_event_write(Tuplestorestate *events, TupleDesc evdesc, int n)
{
	if (n <= WF_EVENT_DIRECT_ROWS)
	{
		TupleTableSlot *slot = MakeSingleTupleTableSlot(evdesc, &TTSOpsMinimalTuple);

		while (tuplestore_gettupleslot(events, true, false, slot))
		{
			slot_getallattrs(slot);
			wf_event_insert_one(slot->tts_values, slot->tts_isnull);
		}
		ExecDropSingleTupleTableSlot(slot);
	}
	else
	{
		EphemeralNamedRelation enr = palloc0(sizeof(EphemeralNamedRelationData));
		int			rc;

		enr->md.name = WF_EVENT_BATCH_ENR;
		enr->md.reliddesc = InvalidOid;
		enr->md.tupdesc = evdesc;
		enr->md.enrtype = ENR_NAMED_TUPLESTORE;
		enr->md.enrtuples = n;
		enr->reldata = events;
		if (SPI_register_relation(enr) != SPI_OK_REL_REGISTER)
			elog(ERROR, "could not register the workflow events");
		rc = SPI_execute(WF_EVENT_INSERT " SELECT * FROM " WF_EVENT_BATCH_ENR, false, 0);
		if (rc != SPI_OK_INSERT || SPI_processed != (uint64) n)
			elog(ERROR, "could not append %d workflow events: %s", n, SPI_result_code_string(rc));
	}
}

PG_FUNCTION_INFO_V1(iso28000_workflow_log);
/* The event writer: at the end of a statement, logs the transitions its rows made. */
Datum
iso28000_workflow_log(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	WfTable		tab;
	bool		is_update;
	TupleTableSlot *newslot;
	TupleTableSlot *oldslot = NULL;
	TupleDesc	evdesc;
	Tuplestorestate *events;
	MemoryContext rowcxt;
	MemoryContext old;
	TimestampTz when;
	int			n = 0;
	int			i;
	int64	   *orgs;
	int			norgs = 0;
	int			orgcap = 8;
	int64		last_org = 0;
	Oid			save_userid;
	int			save_sec;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"workflow_log\" must be fired as a trigger")));
	is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		!(is_update || TRIGGER_FIRED_BY_INSERT(td->tg_event)) ||
		td->tg_newtable == NULL || (is_update && td->tg_oldtable == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_WORKFLOW_MISCONFIGURED),
				 errmsg("iso28000.workflow_log() must be fired AFTER INSERT or AFTER UPDATE, FOR EACH STATEMENT, with its transition tables"),
				 errhint("Use iso28000.attach_workflow() to create the triggers.")));
	/* A restore (replica mode) logs nothing: the events come from the dump. */
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return PointerGetDatum(NULL);

	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	tab = wf_lookup(td->tg_trigger, rel)->table;
	if (!tab.log_events)
		return PointerGetDatum(NULL);
	when = GetCurrentStatementStartTimestamp();

	evdesc = CreateTemplateTupleDesc(WF_EVENT_NCOLS);
	for (i = 0; i < WF_EVENT_NCOLS; i++)
		TupleDescInitEntry(evdesc, (AttrNumber) (i + 1), wf_event_names[i], wf_event_types[i], -1, 0);
	events = tuplestore_begin_heap(false, false, work_mem);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "iso28000 workflow event", ALLOCSET_DEFAULT_SIZES);
	orgs = palloc(sizeof(int64) * orgcap);

	/* The rows the statement wrote: new and old tables pair up row by row. */
	newslot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	tuplestore_rescan(td->tg_newtable);
	if (is_update)
	{
		oldslot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
		tuplestore_rescan(td->tg_oldtable);
	}
	while (tuplestore_gettupleslot(td->tg_newtable, true, false, newslot))
	{
		char		from[NAMEDATALEN];
		char		to[NAMEDATALEN];
		bool		has_from = false;
		Datum		values[WF_EVENT_NCOLS];
		bool		nulls[WF_EVENT_NCOLS];
		bool		shouldfree;
		HeapTuple	tup;

		if (is_update && !tuplestore_gettupleslot(td->tg_oldtable, true, false, oldslot))
			elog(ERROR, "transition tables of \"%s\" differ in length", RelationGetRelationName(rel));
		if (!wf_slot_status(newslot, tab.status_att, to))
			continue;			/* the row trigger refused it, unless in replica mode */
		if (is_update)
		{
			has_from = wf_slot_status(oldslot, tab.status_att, from);
			if (has_from && strcmp(from, to) == 0)
				continue;		/* no transition */
		}
		old = MemoryContextSwitchTo(rowcxt);
		tup = ExecFetchSlotHeapTuple(newslot, false, &shouldfree);
		wf_event_values(&tab, rel, tup, has_from ? from : NULL, to, when, values, nulls);
		MemoryContextSwitchTo(old);
		tuplestore_putvalues(events, evdesc, values, nulls);
		if (n == 0 || DatumGetInt64(values[0]) != last_org)
		{
			last_org = DatumGetInt64(values[0]);
			wf_event_add_org(&orgs, &norgs, &orgcap, last_org);
		}
		MemoryContextReset(rowcxt);
		n++;
	}
	ExecDropSingleTupleTableSlot(newslot);
	if (oldslot)
		ExecDropSingleTupleTableSlot(oldslot);

	if (n > 0)
	{
		wf_event_enter(&save_userid, &save_sec);
		wf_event_check_orgs(orgs, norgs);
		wf_event_write(events, evdesc, n);
		wf_event_leave(save_userid, save_sec);
	}
	tuplestore_end(events);
	MemoryContextDelete(rowcxt);
	return PointerGetDatum(NULL);
}
