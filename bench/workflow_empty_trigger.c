/*
 * workflow_empty_trigger.c
 *		An empty C row trigger: the floor that PostgreSQL's trigger machinery
 *		sets, for bench/workflow.sh only.
 *
 * Built by bench/workflow.sh as its own tiny module (never part of
 * iso28000.so) and loaded from an absolute path.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(bench_empty_trigger);
/* Returns the row unchanged. */
Datum
bench_empty_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "bench_empty_trigger must be called as a trigger");
	return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple);
}
