/*
 * workflow_cache.c
 *		The workflow engine's per-backend cache of rules, and its invalidation.
 *
 * The cache holds one entry per trigger (keyed by the trigger's OID, so one
 * table may carry two workflows on two status columns) with the workflow's
 * states, its transitions, and the column positions of the governed table
 * (workflow_rules.c builds an entry).  Everything lives in one memory
 * context; the relcache callback, registered the first time the cache is
 * built, only marks the cache stale, and the next trigger call starts a new
 * generation.  Pointers into the cache are never held across a call out
 * (workflow_internal.h), so a nested trigger call may rebuild it safely.
 *
 * What makes it stale: a change of any rules table (their statement trigger,
 * iso28000.workflow_rules_changed() below, sends a relcache invalidation of
 * the table, which PostgreSQL delivers to every backend at commit and to this
 * one at its next command), a change of a governed table (ALTER TABLE sends
 * one itself), or a reset of the whole relcache.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"

#include "citus_compat.h"
#include "engines.h"
#include "iso28000_errcodes.h"
#include "workflow_internal.h"

static MemoryContext wf_context = NULL;
static HTAB *wf_triggers = NULL;
static bool wf_valid = false;
static bool wf_callback_registered = false;
static WfTrigger *wf_last = NULL;	/* the entry found last: a bulk statement asks for it per row */

/* Is the relation one of the rules tables (or the event log)? */
static bool
wf_is_rules_relation(Oid relid)
{
	const EngineCatalog *c = engine_catalog_last();

	return relid == c->workflow || relid == c->workflow_state ||
		relid == c->workflow_transition || relid == c->workflow_required_column ||
		relid == c->workflow_event;
}

/* Relcache callback: marks the cache stale when a rules or governed table changes. */
static void
wf_relcache_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS seq;
	WfTrigger  *t;

	if (!wf_valid)
		return;
	if (!OidIsValid(relid))
	{
		wf_valid = false;
		return;
	}
	hash_seq_init(&seq, wf_triggers);
	while ((t = hash_seq_search(&seq)) != NULL)
		if (t->table.relid == relid)
		{
			wf_valid = false;
			hash_seq_term(&seq);
			return;
		}
	if (wf_is_rules_relation(relid))
		wf_valid = false;
}

/* Starts a new, empty cache generation. */
static void
wf_reset_cache(void)
{
	HASHCTL		ctl;

	if (wf_context == NULL)
		wf_context = AllocSetContextCreate(CacheMemoryContext,
										   "iso28000 workflow cache",
										   ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(wf_context);
	wf_last = NULL;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(WfTrigger);
	ctl.hcxt = wf_context;
	wf_triggers = hash_create("iso28000 workflow triggers", 16, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	if (!OidIsValid(engine_catalog()->workflow_event))
		elog(ERROR, "iso28000.workflow_event does not exist");
	if (!wf_callback_registered)
	{
		CacheRegisterRelcacheCallback(wf_relcache_callback, (Datum) 0);
		wf_callback_registered = true;
	}
	wf_valid = true;
}

/* The cache entry of a trigger, (re)building the cache when stale. */
WfTrigger *
wf_lookup(Trigger *trigger, Relation rel)
{
	WfTrigger  *t;
	WfTrigger	built;
	bool		found;

	if (!wf_valid)
		wf_reset_cache();
	if (wf_last != NULL && wf_last->tgoid == trigger->tgoid)
		return wf_last;
	t = hash_search(wf_triggers, &trigger->tgoid, HASH_FIND, NULL);
	if (t != NULL)
		return wf_last = t;

	/*
	 * Built aside and entered only when complete, so that a refused rule
	 * leaves no half-built entry behind.  An invalidation that arrives
	 * meanwhile only marks the cache stale: its memory stays until the next
	 * look-up, after this entry has been used.
	 */
	memset(&built, 0, sizeof(built));
	built.tgoid = trigger->tgoid;
	wf_build_trigger(&built, trigger, rel, wf_context);
	t = hash_search(wf_triggers, &trigger->tgoid, HASH_ENTER, &found);
	*t = built;
	return wf_last = t;
}

PG_FUNCTION_INFO_V1(iso28000_workflow_rules_changed);
/* Statement trigger on the rules tables: invalidates every backend's cache. */
Datum
iso28000_workflow_rules_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"workflow_rules_changed\" must be fired as a trigger")));
	CacheInvalidateRelcache(td->tg_relation);
	/*
	 * On a Citus node the trigger fires on the reference table's placement
	 * (workflow_state_102010): the cache knows the rules tables by their own
	 * oids, so invalidate the table the placement stands for too.
	 */
	if (iso28000_is_shard(td->tg_relation))
		CacheInvalidateRelcacheByRelid(iso28000_logical_relid(td->tg_relation));
	return PointerGetDatum(NULL);
}
