/*
 * workflow.c
 *		The workflow engine's trigger, iso28000.workflow_guard().
 *
 * Per row the trigger does constant-time hash look-ups in the per-backend
 * cache of the rules (workflow_cache.c, built by workflow_rules.c): no SPI
 * unless the transition has a guard (called directly through fmgr) and for
 * the one INSERT into the event log (workflow_event.c).  The checks of the
 * row are in workflow_check.c; workflow_internal.h says which room holds
 * what, and the rule about pointers into the cache across calls out.
 *
 * Restores: a trigger created with the default enable mode does not fire when
 * session_replication_role = replica, which is how a dump is restored into
 * tables that already carry the trigger (see doc/workflow.md); the check below
 * also covers a trigger someone set to ENABLE ALWAYS.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/regproc.h"
#include "utils/rel.h"

#include "engines.h"
#include "iso28000_errcodes.h"
#include "workflow_internal.h"

/*
 * Reads the status of a row into a zero-padded key.  Returns false when the
 * status is NULL; *toolong is set when it cannot be a state name.  Read from
 * the trigger's slot: the row is deformed once, and every later column the
 * checks read comes from the same deformed values.
 */
static bool
wf_read_status(TupleTableSlot *slot, AttrNumber att, char *key, bool *toolong)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, att, &isnull);
	text	   *txt;

	*toolong = false;
	if (isnull)
	{
		memset(key, 0, NAMEDATALEN);
		return false;
	}
	txt = DatumGetTextPP(d);
	*toolong = !wf_key(key, VARDATA_ANY(txt), VARSIZE_ANY_EXHDR(txt));
	if (*toolong)
		strlcpy(key, VARDATA_ANY(txt), Min(VARSIZE_ANY_EXHDR(txt) + 1, NAMEDATALEN));
	return true;
}

/*
 * A state of the entry by name.  A bulk statement asks for the same one or
 * two states row after row: the last two found are compared first.
 */
static WfState *
wf_state(WfTrigger *entry, const char *name)
{
	WfState    *s;

	if (entry->memo_state[0] != NULL && strcmp(entry->memo_state[0]->name, name) == 0)
		return entry->memo_state[0];
	if (entry->memo_state[1] != NULL && strcmp(entry->memo_state[1]->name, name) == 0)
		return entry->memo_state[1];
	s = hash_search(entry->states, name, HASH_FIND, NULL);
	if (s != NULL)
	{
		entry->memo_state[1] = entry->memo_state[0];
		entry->memo_state[0] = s;
	}
	return s;
}

/* DELETE: only from a deletable state (IS107). */
static void
wf_check_delete(Relation rel, const WfTable *t, const WfState *from_state, HeapTuple oldtup,
				const char *from)
{
	if (from_state == NULL || !from_state->deletable)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_DELETE_REFUSED),
				 errmsg("%s %s cannot be deleted in state \"%s\"",
						engine_relname(rel), wf_record_key(t, oldtup, RelationGetDescr(rel)), from),
				 errdetail("Workflow \"%s\" lets a record be deleted only in its first state.", t->workflow),
				 errhint("A record leaves the active set by a transition (rejected, cancelled...), which the history keeps."),
				 wf_errfields(rel, t->status_att)));
}

/* An UPDATE that keeps the state: a frozen record stays as it is (IS105); required columns stay filled; stamps stay. */
static void
wf_check_stay(Relation rel, const WfTrigger *entry, const WfState *state, HeapTuple oldtup,
			  HeapTuple newtup, TupleTableSlot *oldslot, TupleTableSlot *newslot)
{
	const WfTable *t = &entry->table;

	if (state->frozen)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_RECORD_FROZEN),
				 errmsg("%s %s is frozen in state \"%s\"",
						engine_relname(rel), wf_record_key(t, oldtup, RelationGetDescr(rel)), state->name),
				 errdetail("A record in state \"%s\" of workflow \"%s\" cannot be changed.",
						   state->name, t->workflow),
				 errhint("Move it out of \"%s\" first; allowed next states: %s.",
						 state->name, wf_next_states(entry->transitions, state->name)),
				 wf_errfields(rel, t->status_att)));
	if (state->nrequired > 0)
		wf_check_required(rel, t, state, newslot, newtup, state->name);
	wf_check_stamps(rel, t, oldslot, newslot, oldtup, newtup, false, state->name, 0);
}

/*
 * The rule that allows a new record in a state or a move between two states
 * (IS101 for a state the workflow lacks, IS102 for a move no rule allows):
 * returns the level and guard the move needs (none for a new record).
 */
static void
wf_find_rule(Relation rel, WfTrigger *entry, HeapTuple oldtup, HeapTuple newtup,
			 const WfTransKey *key, bool has_from, bool has_to, const WfState *from_state,
			 const WfState *to_state, WfLevel *level, Oid *guard)
{
	const WfTable *t = &entry->table;
	TupleDesc	desc = RelationGetDescr(rel);
	WfTrans    *trans;

	if (to_state == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_UNKNOWN_STATE),
				 errmsg("%s %s: \"%s\" is not a state of workflow \"%s\"",
						engine_relname(rel), wf_record_key(t, newtup, desc),
						has_to ? key->to : "NULL", t->workflow),
				 errdetail("Moving from \"%s\". The states are: %s.",
						   oldtup ? (has_from ? key->from : "NULL") : "(new record)",
						   wf_known_states(entry->states)),
				 wf_errfields(rel, t->status_att)));

	*level = WF_LEVEL_NONE;
	*guard = InvalidOid;
	if (oldtup == NULL)
	{
		if (!to_state->initial)
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_TRANSITION_NOT_ALLOWED),
					 errmsg("%s %s cannot be created in state \"%s\"",
							engine_relname(rel), wf_record_key(t, newtup, desc), key->to),
					 errdetail("Workflow \"%s\" starts a record in: %s.", t->workflow,
							   t->initial[0] ? t->initial : "(see iso28000.workflow_state.is_initial)"),
					 wf_errfields(rel, t->status_att)));
		return;
	}
	if (from_state == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_UNKNOWN_STATE),
				 errmsg("%s %s is in \"%s\", which is not a state of workflow \"%s\"",
						engine_relname(rel), wf_record_key(t, oldtup, desc),
						has_from ? key->from : "NULL", t->workflow),
				 errdetail("Moving to \"%s\". The states are: %s.", key->to,
						   wf_known_states(entry->states)),
				 wf_errfields(rel, t->status_att)));
	/* The transition found last first: a bulk statement makes the same one row after row. */
	trans = entry->memo_trans;
	if (trans == NULL || strcmp(trans->key.from, key->from) != 0 || strcmp(trans->key.to, key->to) != 0)
		trans = hash_search(entry->transitions, key, HASH_FIND, NULL);
	if (trans != NULL)
		entry->memo_trans = trans;
	if (trans == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_TRANSITION_NOT_ALLOWED),
				 errmsg("%s %s cannot move from \"%s\" to \"%s\"",
						engine_relname(rel), wf_record_key(t, oldtup, desc), key->from, key->to),
				 errdetail("Workflow \"%s\" allows from \"%s\": %s.", t->workflow, key->from,
						   wf_next_states(entry->transitions, key->from)),
				 wf_errfields(rel, t->status_att)));
	*level = trans->level;
	*guard = trans->guard;
}

PG_FUNCTION_INFO_V1(iso28000_workflow_guard);
/* The workflow engine: checks a row's state change against the rules, stamps and logs it. */
Datum
iso28000_workflow_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	oldtup = NULL;
	HeapTuple	newtup = NULL;
	TupleTableSlot *oldslot = NULL;
	TupleTableSlot *newslot = NULL;
	WfTrigger  *entry;
	WfTable		tab;
	WfState    *to_state;
	WfState    *from_state = NULL;
	WfTransKey	key;
	bool		toolong;
	bool		has_from = false;
	bool		has_to;
	const char *fill = NULL;
	WfLevel		level;
	Oid			guard;
	TimestampTz when;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"workflow_guard\" must be fired as a trigger")));
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_WORKFLOW_MISCONFIGURED),
				 errmsg("iso28000.workflow_guard() must be fired BEFORE, FOR EACH ROW"),
				 errhint("Use iso28000.attach_workflow() to create the trigger.")));
	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		newtup = td->tg_trigtuple;
		newslot = td->tg_trigslot;
	}
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		oldtup = td->tg_trigtuple;
		newtup = td->tg_newtuple;
		oldslot = td->tg_trigslot;
		newslot = td->tg_newslot;
	}
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		oldtup = td->tg_trigtuple;
		oldslot = td->tg_trigslot;
	}
	else
		elog(ERROR, "iso28000.workflow_guard() fired for an unexpected event");

	/* A restore (pg_restore --disable-triggers, replica mode) passes unchanged. */
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return PointerGetDatum(newtup ? newtup : oldtup);

	entry = wf_lookup(td->tg_trigger, rel);
	tab = entry->table;

	if (oldtup)
	{
		has_from = wf_read_status(oldslot, tab.status_att, key.from, &toolong);
		from_state = (has_from && !toolong) ? wf_state(entry, key.from) : NULL;
	}
	if (newtup == NULL)
	{
		wf_check_delete(rel, &tab, from_state, oldtup, key.from);
		return PointerGetDatum(oldtup);
	}

	has_to = wf_read_status(newslot, tab.status_att, key.to, &toolong);
	if (!has_to && oldtup == NULL && tab.initial[0] != '\0')
	{
		fill = tab.initial;
		strlcpy(key.to, tab.initial, NAMEDATALEN);
		has_to = true;
	}
	to_state = (has_to && !toolong) ? wf_state(entry, key.to) : NULL;

	if (oldtup && has_from && has_to && strcmp(key.from, key.to) == 0 && from_state != NULL)
	{
		wf_check_stay(rel, entry, from_state, oldtup, newtup, oldslot, newslot);
		return PointerGetDatum(newtup);
	}
	wf_find_rule(rel, entry, oldtup, newtup, &key, has_from, has_to, from_state, to_state,
				 &level, &guard);
	if (to_state->nrequired > 0)
		wf_check_required(rel, &tab, to_state, newslot, newtup, oldtup ? key.from : NULL);

	/* From here on no pointer into the cache is used: calls out may rebuild it. */
	if (level > WF_LEVEL_READ)
		wf_check_level(rel, &tab, oldtup, newslot, key.from, key.to, level);
	if (OidIsValid(guard))
	{
		char	   *why = wf_call_guard(guard, newtup, desc, engine_row_type(rel), key.from, key.to);

		if (why != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_GUARD_REFUSED),
					 errmsg("%s %s cannot move from \"%s\" to \"%s\": %s",
							engine_relname(rel), wf_record_key(&tab, oldtup, desc), key.from, key.to, why),
					 errdetail("Refused by guard %s of workflow \"%s\".", format_procedure(guard),
							   tab.workflow),
					 wf_errfields(rel, tab.status_att)));
	}

	when = GetCurrentStatementStartTimestamp();
	wf_check_stamps(rel, &tab, oldslot, newslot, oldtup, newtup, true, key.to, when);
	newtup = wf_stamp(&tab, rel, newtup, fill, when);

	/*
	 * A new record is logged only for a role that may write in its
	 * organisation: otherwise row-level security refuses the row after this
	 * trigger (42501), or its own foreign key does for an organisation that
	 * does not exist (23503 on the register, not on the event log).
	 */
	if (!tab.log_events)
		return PointerGetDatum(newtup);
	if (tab.log_by_statement)
	{
		/*
		 * workflow_log() writes the events at the end of the statement
		 * (workflow_event.c): a transition is collected here, a new record
		 * read from the INSERT's transition table there.
		 */
		if (oldtup != NULL)
			wf_event_collect(&tab, rel, newslot, td->tg_newtuple, key.from, key.to, when);
		return PointerGetDatum(newtup);
	}
	if (oldtup == NULL)
	{
		bool		isnull;
		int64		org = DatumGetInt64(slot_getattr(newslot, tab.org_att, &isnull));

		if (isnull || !wf_has_level(org, WF_LEVEL_WRITE))
			return PointerGetDatum(newtup);
	}
	wf_log_event(&tab, rel, newslot, td->tg_newtuple ? td->tg_newtuple : td->tg_trigtuple,
				 oldtup ? key.from : NULL, key.to, when);
	return PointerGetDatum(newtup);
}
