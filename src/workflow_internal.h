/*
 * workflow_internal.h
 *		The rooms of the workflow engine and what they share.
 *
 *	workflow_rules.c	reads a workflow's rules for one trigger into a cache
 *						entry, refusing rules the engine cannot hold
 *	workflow_cache.c	the per-backend cache of those entries and its
 *						invalidation; the rules tables' statement trigger
 *	workflow_check.c	the checks of one row: required columns, the
 *						member's level, the who/when stamps, and the texts
 *						of the refusals (record key, states)
 *	workflow_event.c	the event writer (iso28000.workflow_event)
 *	workflow.c			the trigger, iso28000.workflow_guard(), which calls
 *						the others in that order
 *
 * The rule about pointers: an entry of the cache (WfTrigger and everything
 * it points to) is valid only until the next call out of the engine (a
 * guard, the level check, the event insert), since a nested trigger call may
 * rebuild the cache.  What the trigger needs after such a call it copies
 * first (the WfTable, the two state names, the level and the guard).
 */
#ifndef ISO28000_WORKFLOW_INTERNAL_H
#define ISO28000_WORKFLOW_INTERNAL_H

#include "postgres.h"

#include "access/htup.h"
#include "datatype/timestamp.h"
#include "executor/tuptable.h"
#include "utils/hsearch.h"
#include "utils/rel.h"
#include "utils/reltrigger.h"

#include "workflow.h"

#define WF_MAX_KEY 4			/* primary key columns shown in messages */

/* One state of a workflow, with the columns needed to be in it. */
typedef struct WfState
{
	char		name[NAMEDATALEN];	/* hash key */
	bool		initial;
	bool		terminal;
	bool		frozen;
	bool		deletable;
	int			nrequired;
	AttrNumber *required;		/* column positions in the governed table */
	char	  **required_desc;	/* what each column holds, for messages */
} WfState;

/* Hash key of a transition. */
typedef struct WfTransKey
{
	char		from[NAMEDATALEN];
	char		to[NAMEDATALEN];
} WfTransKey;

/* One allowed transition. */
typedef struct WfTrans
{
	WfTransKey	key;
	WfLevel		level;
	Oid			guard;			/* InvalidOid when none */
} WfTrans;

/* What the trigger needs of its table, fixed for one cache generation. */
typedef struct WfTable
{
	Oid			relid;
	char		workflow[NAMEDATALEN];
	AttrNumber	status_att;
	AttrNumber	org_att;
	AttrNumber	changed_at_att; /* 0 when the table has no such column */
	AttrNumber	changed_by_att;
	Oid			changed_by_type;
	AttrNumber	note_att;
	int			nkey;
	AttrNumber	key_att[WF_MAX_KEY];
	bool		key_is_id;		/* key is (org_id, integer id): record_id */
	char		initial[NAMEDATALEN];	/* "" unless exactly one initial */
	bool		log_events;		/* append transitions to workflow_event */
	bool		log_by_statement;	/* workflow_log() statement triggers write them */
} WfTable;

/* Cache entry: one per trigger. */
typedef struct WfTrigger
{
	Oid			tgoid;			/* hash key */
	WfTable		table;
	HTAB	   *states;			/* of WfState, by name */
	HTAB	   *transitions;	/* of WfTrans, by WfTransKey */
	/* the last look-ups (workflow.c): a bulk statement repeats them per row */
	WfState    *memo_state[2];
	WfTrans    *memo_trans;
} WfTrigger;

/* The names of the levels, indexed by WfLevel ("" at 0). */
extern const char *const wf_level_names[];

/* workflow_cache.c */
extern WfTrigger *wf_lookup(Trigger *trigger, Relation rel);

/* workflow_rules.c: fills *entry (tgoid set) from the rules, in memory context cxt */
extern void wf_build_trigger(WfTrigger *entry, Trigger *trigger, Relation rel, MemoryContext cxt);

/* workflow_check.c */
extern bool wf_key(char *dst, const char *src, size_t len);
extern const char *wf_user_name(void);
extern char *wf_record_key(const WfTable *t, HeapTuple tup, TupleDesc desc);
extern char *wf_next_states(HTAB *transitions, const char *from);
extern char *wf_known_states(HTAB *states);
extern int	wf_errfields(Relation rel, AttrNumber att);
extern void wf_check_required(Relation rel, const WfTable *t, const WfState *s,
							  TupleTableSlot *slot, HeapTuple tup, const char *from);
extern void wf_check_level(Relation rel, const WfTable *t, HeapTuple oldtup, TupleTableSlot *newslot,
						   const char *from, const char *to, WfLevel level);
extern bool wf_has_level(int64 org, WfLevel level);
extern char *wf_call_guard(Oid guard, HeapTuple tup, TupleDesc desc, Oid rowtype, const char *from,
						   const char *to);
extern void wf_check_stamps(Relation rel, const WfTable *t, TupleTableSlot *oldslot,
							TupleTableSlot *newslot, HeapTuple oldtup, HeapTuple newtup,
							bool transition, const char *state, TimestampTz when);
extern HeapTuple wf_stamp(const WfTable *t, Relation rel, HeapTuple tup, const char *fill_status,
						  TimestampTz when);

/* workflow_event.c; the statement trigger iso28000_workflow_log() is in workflow.h */
extern void wf_log_event(const WfTable *t, Relation rel, TupleTableSlot *slot, HeapTuple tup,
						 const char *from, const char *to, TimestampTz when);
extern void wf_event_collect(const WfTable *t, Relation rel, TupleTableSlot *slot, HeapTuple tup,
							 const char *from, const char *to, TimestampTz when);

/*
 * workflow_event_store.c: the event log's stored runs written without the
 * executor.  wf_store_open() (as the log's owner) locks the table and says
 * whether it can be written directly; if so, wf_store_insert() appends a row
 * (values of the WF_BATCH_NCOLS columns in the order of WF_BATCH_INSERT in
 * workflow_event.c, nulls 'n' or ' ') and wf_store_close() closes it.
 */
#define WF_BATCH_NCOLS 13
extern bool wf_store_open(Oid relid);
extern void wf_store_insert(const Datum *values, const char *nulls);
extern void wf_store_close(void);
extern void wf_store_invalidate(Oid relid);
/* workflow_event.c: drops the kept key columns' text of relid (or all: InvalidOid) */
extern void wf_key_columns_invalidate(Oid relid);

/* workflow_event.c: drops what it knows of a register's foreign key to organization */
extern void wf_org_invalidate(Oid relid);

#endif							/* ISO28000_WORKFLOW_INTERNAL_H */
