/*
 * workflow_event.c
 *		The workflow engine's event writer: one row of iso28000.workflow_event
 *		per transition (and per creation of a governed record).
 *
 * The event log is the engine's own append-only output: no member may write
 * it, so the trigger inserts as the log's owner, through one kept plan, with
 * every value computed before the switch of user (the record key through the
 * key columns' output functions, the acting person through src/actor.c).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "engines.h"
#include "workflow_internal.h"

/* Kept plan of the event INSERT; the plan cache keeps it valid. */
static SPIPlanPtr wf_event_plan = NULL;

/* Appends one event to iso28000.workflow_event, as the log's owner. */
void
wf_log_event(const WfTable *t, Relation rel, HeapTuple tup, const char *from, const char *to,
			 TimestampTz when)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Datum		values[11];
	char		nulls[11];
	bool		isnull;
	Oid			save_userid;
	int			save_sec;
	int64		person;
	int			rc;
	Oid			argtypes[11] = {INT8OID, TEXTOID, OIDOID, INT8OID, TEXTOID, TEXTOID,
	TEXTOID, NAMEOID, INT8OID, TIMESTAMPTZOID, TEXTOID};

	memset(nulls, ' ', sizeof(nulls));
	values[0] = heap_getattr(tup, t->org_att, desc, &isnull);
	values[1] = CStringGetTextDatum(t->workflow);
	values[2] = ObjectIdGetDatum(engine_relid(rel)); /* its table's, on a Citus shard */
	if (t->key_is_id)
	{
		Datum		id = heap_getattr(tup, t->key_att[1], desc, &isnull);
		Oid			typ = TupleDescAttr(desc, t->key_att[1] - 1)->atttypid;

		if (isnull)
			nulls[3] = 'n';
		else
			values[3] = typ == INT8OID ? id :
				Int64GetDatum(typ == INT4OID ? (int64) DatumGetInt32(id) : (int64) DatumGetInt16(id));
	}
	else
		nulls[3] = 'n';
	values[4] = CStringGetTextDatum(wf_record_key(t, tup, desc));
	if (from)
		values[5] = CStringGetTextDatum(from);
	else
		nulls[5] = 'n';
	values[6] = CStringGetTextDatum(to);
	values[7] = CStringGetDatum(wf_user_name());
	values[9] = TimestampTzGetDatum(when);
	nulls[10] = 'n';
	if (t->note_att)
	{
		values[10] = heap_getattr(tup, t->note_att, desc, &isnull);
		if (!isnull)
			nulls[10] = ' ';
	}

	/* The acting person, as a fact at write time (src/actor.c). */
	if (iso28000_acting_person(DatumGetInt64(values[0]), &person))
		values[8] = Int64GetDatum(person);
	else
		nulls[8] = 'n';

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * Prepare and run as the log's owner: the plan cache replans a plan made
	 * under another role (row-level security), so both use the same one.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(engine_catalog()->workflow_event_owner, save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION | SECURITY_NOFORCE_RLS);
	rc = SPI_execute_plan(engine_keep_plan(&wf_event_plan,
									   "INSERT INTO iso28000.workflow_event (org_id, workflow, table_name, "
									   "record_id, record_key, from_state, to_state, actor, actor_person, "
									   "occurred_at, note) VALUES ($1, $2, $3::pg_catalog.regclass, $4, $5, $6, $7, $8, "
									   "$9, $10, $11)", 11, argtypes),
						  values, nulls, false, 0);
	SetUserIdAndSecContext(save_userid, save_sec);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	SPI_finish();
}
