/*
 * workflow.c
 *		The workflow engine: iso28000.workflow_guard() and its rules cache.
 *
 * Per row the trigger does constant-time hash look-ups in a per-backend cache
 * of the rules: no SPI unless the transition has a guard (called directly
 * through fmgr) and for the one INSERT into the event log (a saved plan).
 *
 * The cache holds one entry per trigger (keyed by the trigger's OID, so one
 * table may carry two workflows on two status columns) with the workflow's
 * states, its transitions, and the column positions of the governed table.
 * Everything lives in one memory context; the relcache callback, registered
 * the first time the cache is built, only marks the cache stale, and the next
 * trigger call rebuilds it.  Pointers into the cache are never held across a
 * call out (guard, level check, event insert): what is needed after such a call
 * is copied first, so a nested trigger call may rebuild the cache safely.
 *
 * Restores: a trigger created with the default enable mode does not fire when
 * session_replication_role = replica, which is how a dump is restored into
 * tables that already carry the trigger (see doc/workflow.md); the check below
 * also covers a trigger someone set to ENABLE ALWAYS.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "iso28000_errcodes.h"
#include "citus_compat.h"
#include "membership.h"
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
	int			level;			/* WfLevel */
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
} WfTable;

/* Cache entry: one per trigger. */
typedef struct WfTrigger
{
	Oid			tgoid;			/* hash key */
	WfTable		table;
	HTAB	   *states;
	HTAB	   *transitions;
} WfTrigger;

/* The per-backend cache: everything below lives in wf_context. */
static MemoryContext wf_context = NULL;
static HTAB *wf_triggers = NULL;
static bool wf_valid = false;
static bool wf_callback_registered = false;
static Oid	wf_rule_relids[5];
static Oid	wf_event_owner = InvalidOid;

/* Saved plan of the event INSERT; the plan cache keeps it valid. */
static SPIPlanPtr wf_event_plan = NULL;

static const char *const wf_level_names[] = {"", "read", "write", "audit", "manage"};

/* The local transaction id of this backend, across PostgreSQL versions. */
static inline LocalTransactionId
wf_local_xid(void)
{
#if PG_VERSION_NUM >= 170000
	return MyProc->vxid.lxid;
#else
	return MyProc->lxid;
#endif
}

/* The name of the current user, looked up once per user id (names of a live role do not change within a statement). */
static const char *
wf_user_name(void)
{
	static Oid	cached_uid = InvalidOid;
	static NameData cached_name;
	static LocalTransactionId cached_lxid = InvalidLocalTransactionId;
	Oid			uid = GetUserId();

	if (uid != cached_uid || cached_lxid != wf_local_xid())
	{
		namestrcpy(&cached_name, GetUserNameFromId(uid, false));
		cached_uid = uid;
		cached_lxid = wf_local_xid();
	}
	return NameStr(cached_name);
}

/* Relcache callback: marks the cache stale when a rules or governed table changes. */
static void
wf_relcache_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS seq;
	WfTrigger  *t;
	int			i;

	if (!wf_valid)
		return;
	if (!OidIsValid(relid))
	{
		wf_valid = false;
		return;
	}
	for (i = 0; i < lengthof(wf_rule_relids); i++)
		if (wf_rule_relids[i] == relid)
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
}

/* Copies a C string into a zero-padded hash key, refusing what cannot fit. */
static inline bool
wf_key(char *dst, const char *src, size_t len)
{
	memset(dst, 0, NAMEDATALEN);
	if (len >= NAMEDATALEN)
		return false;
	memcpy(dst, src, len);
	return true;
}

/* Looks a relation of schema iso28000 up by name. */
static Oid
wf_relid(const char *name)
{
	return get_relname_relid(name, get_namespace_oid("iso28000", false));
}

/* The owner of a relation. */
static Oid
wf_rel_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
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

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(WfTrigger);
	ctl.hcxt = wf_context;
	wf_triggers = hash_create("iso28000 workflow triggers", 16, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	wf_rule_relids[0] = wf_relid("workflow");
	wf_rule_relids[1] = wf_relid("workflow_state");
	wf_rule_relids[2] = wf_relid("workflow_transition");
	wf_rule_relids[3] = wf_relid("workflow_required_column");
	wf_rule_relids[4] = wf_relid("workflow_event");
	if (!OidIsValid(wf_rule_relids[4]))
		elog(ERROR, "iso28000.workflow_event does not exist");
	wf_event_owner = wf_rel_owner(wf_rule_relids[4]);

	if (!wf_callback_registered)
	{
		CacheRegisterRelcacheCallback(wf_relcache_callback, (Datum) 0);
		wf_callback_registered = true;
	}
	wf_valid = true;
}

/* Schema-qualified name of a relation, for messages. */
static const char *
wf_relname(Relation rel)
{
	/* On a Citus shard: the name of its table (citus_compat.c). */
	return quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  get_rel_name(iso28000_logical_relid(rel)));
}

/* Refuses a table or rules that do not fit the engine. */
static void
wf_misconfigured(const char *relname, const char *workflow, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_ISO28000_WORKFLOW_MISCONFIGURED),
			 errmsg("workflow \"%s\" cannot govern table %s: %s", workflow, relname, what),
			 errhint("See iso28000.attach_workflow() and doc/workflow.md.")));
}

/* Position of a column, 0 when absent; refuses a present column of another type. */
static AttrNumber
wf_column(TupleDesc desc, const char *name, Oid type1, Oid type2, Oid *found_type,
		  const char *relname, const char *workflow)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), name) != 0)
			continue;
		if (OidIsValid(type1) && att->atttypid != type1 && att->atttypid != type2)
			wf_misconfigured(relname, workflow,
							 psprintf("column \"%s\" has type %s, not %s", name,
									  format_type_be(att->atttypid), format_type_be(type1)));
		if (found_type)
			*found_type = att->atttypid;
		return att->attnum;
	}
	return 0;
}

/* Text of an SPI result column, copied into the cache context. */
static char *
wf_spi_text(HeapTuple tup, int col)
{
	char	   *v = SPI_getvalue(tup, SPI_tuptable->tupdesc, col);

	return v ? MemoryContextStrdup(wf_context, v) : NULL;
}

/* Boolean of an SPI result column. */
static bool
wf_spi_bool(HeapTuple tup, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, SPI_tuptable->tupdesc, col, &isnull);

	return !isnull && DatumGetBool(d);
}

/* Reads the primary key columns of the governed table. */
static void
wf_build_key(Relation rel, WfTable *t, const char *relname)
{
	List	   *indexes = RelationGetIndexList(rel);
	Oid			pk = rel->rd_pkindex;
	HeapTuple	tup;
	Form_pg_index idx;
	int			i;

	list_free(indexes);
	if (!OidIsValid(pk))
		wf_misconfigured(relname, t->workflow, "the table has no primary key");
	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pk));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for index %u", pk);
	idx = (Form_pg_index) GETSTRUCT(tup);
	t->nkey = Min(idx->indnkeyatts, WF_MAX_KEY);
	for (i = 0; i < t->nkey; i++)
		t->key_att[i] = idx->indkey.values[i];
	ReleaseSysCache(tup);

	t->key_is_id = false;
	if (t->nkey == 2 && t->key_att[0] == t->org_att && t->key_att[1] > 0)
	{
		Oid			typ = TupleDescAttr(RelationGetDescr(rel), t->key_att[1] - 1)->atttypid;

		t->key_is_id = (typ == INT8OID || typ == INT4OID || typ == INT2OID);
	}
}

/* Builds the cache entry of one trigger from the rules tables. */
static WfTrigger *
wf_build_trigger(Trigger *trigger, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	WfTrigger  *t;
	WfTable		tab;
	HASHCTL		ctl;
	const char *status_col;
	const char *relname;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	MemoryContext oldcxt;
	bool		found;
	int			ninitial = 0;
	uint64		i;
	Oid			typ;

	memset(&tab, 0, sizeof(tab));
	tab.relid = RelationGetRelid(rel);
	if (trigger->tgnargs < 1 || trigger->tgnargs > 2)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_WORKFLOW_MISCONFIGURED),
				 errmsg("iso28000.workflow_guard() takes the workflow name and optionally the status column"),
				 errhint("Use iso28000.attach_workflow() to create the trigger.")));
	if (strlen(trigger->tgargs[0]) >= NAMEDATALEN)
		elog(ERROR, "workflow name too long");
	strlcpy(tab.workflow, trigger->tgargs[0], NAMEDATALEN);
	status_col = trigger->tgnargs > 1 ? trigger->tgargs[1] : "status";
	relname = wf_relname(rel);

	if (!iso28000_is_extension_table(rel))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_WORKFLOW_NOT_REGISTER),
				 errmsg("workflow \"%s\" cannot govern table %s: it is not a register of the extension",
						tab.workflow, relname),
				 errdetail("The workflow engine governs only permanent tables of schema iso28000 owned by the extension's owner."),
				 errhint("A register is created in schema iso28000 by the extension's owner and made one with iso28000.register_table()."),
				 errtable(rel)));
	tab.status_att = wf_column(desc, status_col, TEXTOID, VARCHAROID, NULL, relname, tab.workflow);
	if (tab.status_att == 0)
		wf_misconfigured(relname, tab.workflow, psprintf("no status column \"%s\"", status_col));
	tab.org_att = wf_column(desc, "org_id", INT8OID, INT8OID, NULL, relname, tab.workflow);
	if (tab.org_att == 0)
		wf_misconfigured(relname, tab.workflow, "no org_id column");
	tab.changed_at_att = wf_column(desc, "status_changed_at", TIMESTAMPTZOID, TIMESTAMPTZOID, NULL,
								   relname, tab.workflow);
	tab.changed_by_att = wf_column(desc, "status_changed_by", NAMEOID, TEXTOID, &typ,
								   relname, tab.workflow);
	tab.changed_by_type = tab.changed_by_att ? typ : InvalidOid;
	tab.note_att = wf_column(desc, "status_note", TEXTOID, VARCHAROID, NULL, relname, tab.workflow);
	wf_build_key(rel, &tab, relname);

	oldcxt = MemoryContextSwitchTo(wf_context);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(WfState);
	ctl.hcxt = wf_context;
	{
		HTAB	   *states = hash_create("iso28000 workflow states", 16, &ctl,
										 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		HTAB	   *transitions;

		ctl.keysize = sizeof(WfTransKey);
		ctl.entrysize = sizeof(WfTrans);
		transitions = hash_create("iso28000 workflow transitions", 32, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		MemoryContextSwitchTo(oldcxt);

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		args[0] = CStringGetTextDatum(tab.workflow);

		if (SPI_execute_with_args("SELECT log_events FROM iso28000.workflow WHERE workflow OPERATOR(pg_catalog.=) $1",
								  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute failed");
		if (SPI_processed == 0)
			wf_misconfigured(relname, tab.workflow, "the workflow is not defined");
		tab.log_events = wf_spi_bool(SPI_tuptable->vals[0], 1);

		if (SPI_execute_with_args("SELECT state, is_initial, is_terminal, is_frozen, deletable "
								  "FROM iso28000.workflow_state WHERE workflow OPERATOR(pg_catalog.=) $1",
								  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute failed");
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			char	   *name = SPI_getvalue(tup, SPI_tuptable->tupdesc, 1);
			char		key[NAMEDATALEN];
			WfState    *s;

			if (!wf_key(key, name, strlen(name)))
				continue;
			s = hash_search(states, key, HASH_ENTER, &found);
			s->initial = wf_spi_bool(tup, 2);
			s->terminal = wf_spi_bool(tup, 3);
			s->frozen = wf_spi_bool(tup, 4);
			s->deletable = wf_spi_bool(tup, 5);
			s->nrequired = 0;
			s->required = NULL;
			s->required_desc = NULL;
			if (s->initial)
			{
				ninitial++;
				strlcpy(tab.initial, s->name, NAMEDATALEN);
			}
		}
		if (ninitial != 1)
			tab.initial[0] = '\0';

		if (SPI_execute_with_args("SELECT state, column_name::pg_catalog.text, coalesce(description, column_name::pg_catalog.text) "
								  "FROM iso28000.workflow_required_column WHERE workflow OPERATOR(pg_catalog.=) $1 "
								  "ORDER BY state, column_name",
								  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute failed");
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			char	   *name = SPI_getvalue(tup, SPI_tuptable->tupdesc, 1);
			char	   *col = SPI_getvalue(tup, SPI_tuptable->tupdesc, 2);
			char		key[NAMEDATALEN];
			WfState    *s;
			AttrNumber	att;

			if (!wf_key(key, name, strlen(name)))
				continue;
			s = hash_search(states, key, HASH_FIND, NULL);
			if (s == NULL)
				continue;
			att = wf_column(desc, col, InvalidOid, InvalidOid, NULL, relname, tab.workflow);
			if (att == 0)
				wf_misconfigured(relname, tab.workflow,
								 psprintf("state \"%s\" requires column \"%s\", which the table lacks",
										  name, col));
			if (s->required == NULL)
			{
				s->required = MemoryContextAlloc(wf_context, sizeof(AttrNumber) * SPI_processed);
				s->required_desc = MemoryContextAlloc(wf_context, sizeof(char *) * SPI_processed);
			}
			s->required[s->nrequired] = att;
			s->required_desc[s->nrequired++] = wf_spi_text(tup, 3);
		}

		if (SPI_execute_with_args("SELECT from_state, to_state, required_level, guard::pg_catalog.oid "
								  "FROM iso28000.workflow_transition WHERE workflow OPERATOR(pg_catalog.=) $1",
								  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute failed");
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			char	   *from = SPI_getvalue(tup, SPI_tuptable->tupdesc, 1);
			char	   *to = SPI_getvalue(tup, SPI_tuptable->tupdesc, 2);
			char	   *level = SPI_getvalue(tup, SPI_tuptable->tupdesc, 3);
			bool		isnull;
			Datum		guard = SPI_getbinval(tup, SPI_tuptable->tupdesc, 4, &isnull);
			WfTransKey	key;
			WfTrans    *tr;
			int			l;

			if (!wf_key(key.from, from, strlen(from)) || !wf_key(key.to, to, strlen(to)))
				continue;
			tr = hash_search(transitions, &key, HASH_ENTER, &found);
			tr->level = WF_LEVEL_WRITE;
			for (l = WF_LEVEL_READ; l <= WF_LEVEL_MANAGE; l++)
				if (strcmp(level, wf_level_names[l]) == 0)
					tr->level = l;
			tr->guard = isnull ? InvalidOid : DatumGetObjectId(guard);
			if (OidIsValid(tr->guard))
			{
				Oid			rettype;
				Oid		   *gargs;
				int			gnargs;

				rettype = get_func_signature(tr->guard, &gargs, &gnargs);
				if (rettype != TEXTOID || gnargs != 3 ||
					(gargs[0] != get_rel_type_id(iso28000_logical_relid(rel)) && gargs[0] != RECORDOID) ||
					gargs[1] != TEXTOID || gargs[2] != TEXTOID)
					wf_misconfigured(relname, tab.workflow,
									 psprintf("guard %s of \"%s\" to \"%s\" must take (%s, text, text) and return text",
											  format_procedure(tr->guard), from, to,
											  format_type_be(get_rel_type_id(iso28000_logical_relid(rel)))));
			}
		}
		SPI_finish();

		t = hash_search(wf_triggers, &trigger->tgoid, HASH_ENTER, &found);
		t->table = tab;
		t->states = states;
		t->transitions = transitions;
	}
	return t;
}

/* The cache entry of a trigger, (re)building the cache when stale. */
static WfTrigger *
wf_lookup(Trigger *trigger, Relation rel)
{
	WfTrigger  *t;

	if (!wf_valid)
		wf_reset_cache();
	t = hash_search(wf_triggers, &trigger->tgoid, HASH_FIND, NULL);
	if (t == NULL)
		t = wf_build_trigger(trigger, rel);
	return t;
}

/*
 * Reads the status of a row into a zero-padded key.  Returns false when the
 * status is NULL; *toolong is set when it cannot be a state name.
 */
static bool
wf_read_status(HeapTuple tup, TupleDesc desc, AttrNumber att, char *key, bool *toolong)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, att, desc, &isnull);
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

/* The record's primary key as text: (org_id, x_id)=(1, 42). */
static char *
wf_record_key(const WfTable *t, HeapTuple tup, TupleDesc desc)
{
	StringInfoData names;
	StringInfoData values;
	int			i;

	initStringInfo(&names);
	initStringInfo(&values);
	for (i = 0; i < t->nkey; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, t->key_att[i] - 1);
		bool		isnull;
		Datum		d = heap_getattr(tup, t->key_att[i], desc, &isnull);
		Oid			outfn;
		bool		varlena;

		if (i > 0)
		{
			appendStringInfoString(&names, ", ");
			appendStringInfoString(&values, ", ");
		}
		appendStringInfoString(&names, quote_identifier(NameStr(att->attname)));
		if (isnull)
			appendStringInfoString(&values, "NULL");
		else
		{
			getTypeOutputInfo(att->atttypid, &outfn, &varlena);
			appendStringInfoString(&values, OidOutputFunctionCall(outfn, d));
		}
	}
	return psprintf("(%s)=(%s)", names.data, values.data);
}

/* True when a column holds a value: not NULL and, for text, not blank. */
static bool
wf_filled(HeapTuple tup, TupleDesc desc, AttrNumber attnum)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attnum, desc, &isnull);
	Oid			typ;

	if (isnull)
		return false;
	typ = TupleDescAttr(desc, attnum - 1)->atttypid;
	if (typ == TEXTOID || typ == VARCHAROID || typ == BPCHAROID)
	{
		text	   *txt = DatumGetTextPP(d);
		const char *p = VARDATA_ANY(txt);
		int			len = VARSIZE_ANY_EXHDR(txt);
		int			i;

		for (i = 0; i < len; i++)
			if (!isspace((unsigned char) p[i]))
				return true;
		return false;
	}
	return true;
}

/*
 * The schema and table fields of a refusal, and its column field when att is
 * a column (> 0): drivers expose them (psycopg2 diag.table_name, column_name;
 * node-postgres err.table, err.column), so an application learns which column
 * to fix without parsing the message (doc/sqlstates.md).
 */
static int
wf_errfields(Relation rel, AttrNumber att)
{
	return att > 0 ? errtablecol(rel, att) : errtable(rel);
}

/* Refuses a row that lacks a column its state requires. */
static void
wf_check_required(Relation rel, const WfTable *t, const WfState *s, HeapTuple tup,
				  const char *from)
{
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData cols;
	StringInfoData descs;
	int			i;
	int			missing = 0;
	AttrNumber	one = 0;		/* the missing column when only one is */

	for (i = 0; i < s->nrequired; i++)
		if (!wf_filled(tup, desc, s->required[i]))
		{
			one = missing == 0 ? s->required[i] : 0;
			if (missing++ == 0)
			{
				initStringInfo(&cols);
				initStringInfo(&descs);
			}
			else
			{
				appendStringInfoString(&cols, ", ");
				appendStringInfoString(&descs, "; ");
			}
			appendStringInfoString(&cols, NameStr(TupleDescAttr(desc, s->required[i] - 1)->attname));
			appendStringInfo(&descs, "%s: %s",
							 NameStr(TupleDescAttr(desc, s->required[i] - 1)->attname),
							 s->required_desc[i]);
		}
	if (missing == 0)
		return;
	if (from == NULL || strcmp(from, s->name) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_REQUIRED_COLUMN_MISSING),
				 errmsg("%s %s cannot move from \"%s\" to \"%s\" without %s",
						wf_relname(rel), wf_record_key(t, tup, desc),
						from ? from : "(new record)", s->name, cols.data),
				 errdetail("State \"%s\" of workflow \"%s\" requires %s.", s->name, t->workflow, descs.data),
				 errhint("Fill the missing columns in the same statement."),
				 wf_errfields(rel, one)));
	ereport(ERROR,
			(errcode(ERRCODE_ISO28000_REQUIRED_COLUMN_MISSING),
			 errmsg("%s %s cannot stay in \"%s\" without %s",
					wf_relname(rel), wf_record_key(t, tup, desc), s->name, cols.data),
			 errdetail("State \"%s\" of workflow \"%s\" requires %s.", s->name, t->workflow, descs.data),
			 wf_errfields(rel, one)));
}

/* The states reachable from a state, for messages: "a, b" or "none". */
static char *
wf_next_states(HTAB *transitions, const char *from)
{
	HASH_SEQ_STATUS seq;
	WfTrans    *tr;
	StringInfoData buf;

	initStringInfo(&buf);
	hash_seq_init(&seq, transitions);
	while ((tr = hash_seq_search(&seq)) != NULL)
		if (strcmp(tr->key.from, from) == 0)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", tr->key.to);
	return buf.len ? buf.data : "none";
}

/* The states of a workflow, for messages. */
static char *
wf_known_states(HTAB *states)
{
	HASH_SEQ_STATUS seq;
	WfState    *s;
	StringInfoData buf;

	initStringInfo(&buf);
	hash_seq_init(&seq, states);
	while ((s = hash_seq_search(&seq)) != NULL)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", s->name);
	return buf.data;
}

/* Prepares a plan once and keeps it (the plan cache keeps it valid). */
static SPIPlanPtr
wf_keep_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*slot = plan;
	}
	return *slot;
}

/*
 * Does current_user have the level in the organisation?  The extension's one
 * membership rule, from its per-backend cache (src/membership.c).
 */
static inline bool
wf_has_level(int64 org, int level)
{
	return membership_has_level(GetUserId(), org, wf_level_names[level]);
}

/*
 * Is the relation one the engines serve?  A permanent table of schema
 * iso28000 owned by the owner of that schema: only the extension's owner (or
 * a superuser) can make one, so a table of a user's, a temporary table or a
 * view never qualifies (doc/security.md, accepted tables).
 */
bool
iso28000_is_extension_table(Relation rel)
{
	Oid			nsp = get_namespace_oid("iso28000", true);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(nsp) || RelationGetNamespace(rel) != nsp)
		return false;
	if (rel->rd_rel->relpersistence != RELPERSISTENCE_PERMANENT ||
		(rel->rd_rel->relkind != RELKIND_RELATION && rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE))
		return false;
	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for namespace %u", nsp);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return rel->rd_rel->relowner == owner;
}

/* Calls a guard: NULL when it allows the transition, else what is missing. */
static char *
wf_call_guard(Oid guard, HeapTuple tup, TupleDesc desc, Oid rowtype, const char *from, const char *to)
{
	FmgrInfo	flinfo;
	LOCAL_FCINFO(fcinfo, 3);
	Datum		result;

	fmgr_info(guard, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, 3, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = heap_copy_tuple_as_datum(tup, desc);
	/* On a Citus shard the row has the shard's type: give it its table's. */
	if (OidIsValid(rowtype) && rowtype != desc->tdtypeid)
		HeapTupleHeaderSetTypeId(DatumGetHeapTupleHeader(fcinfo->args[0].value), rowtype);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = from ? CStringGetTextDatum(from) : (Datum) 0;
	fcinfo->args[1].isnull = (from == NULL);
	fcinfo->args[2].value = CStringGetTextDatum(to);
	fcinfo->args[2].isnull = false;
	if (flinfo.fn_strict && from == NULL)
		return NULL;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		return NULL;
	return TextDatumGetCString(result);
}

/* Appends one event to iso28000.workflow_event, as the log's owner. */
static void
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
	values[2] = ObjectIdGetDatum(iso28000_logical_relid(rel));
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
	SetUserIdAndSecContext(wf_event_owner, save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION | SECURITY_NOFORCE_RLS);
	rc = SPI_execute_plan(wf_keep_plan(&wf_event_plan,
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

/* The text of a stamp column's value (name or text). */
static char *
wf_stamp_text(const WfTable *t, Datum v)
{
	if (t->changed_by_type == NAMEOID)
		return pstrdup(NameStr(*DatumGetName(v)));
	return TextDatumGetCString(v);
}

/* Whether a stamp column of the new row differs from the old row (NULLs equal). */
static bool
wf_stamp_changed(const WfTable *t, TupleDesc desc, AttrNumber att, HeapTuple oldtup, HeapTuple newtup)
{
	bool		on,
				nn;
	Datum		ov = heap_getattr(oldtup, att, desc, &on);
	Datum		nv = heap_getattr(newtup, att, desc, &nn);

	if (on || nn)
		return on != nn;
	if (att == t->changed_by_att)
		return strcmp(wf_stamp_text(t, ov), wf_stamp_text(t, nv)) != 0;
	return DatumGetTimestampTz(ov) != DatumGetTimestampTz(nv);
}

/*
 * The who/when stamps (status_changed_by, status_changed_at) are the
 * engine's: an UPDATE that keeps the state cannot change them (IS121), and a
 * transition or a new record takes a value from the client only when it is
 * the one the engine writes (IS120).  A value the client did not touch (an
 * UPDATE that leaves the column as it was) is simply overwritten.
 */
static void
wf_check_stamps(Relation rel, const WfTable *t, HeapTuple oldtup, HeapTuple newtup,
				bool transition, const char *state, TimestampTz when)
{
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	atts[2] = {t->changed_by_att, t->changed_at_att};
	int			i;

	for (i = 0; i < 2; i++)
	{
		AttrNumber	att = atts[i];
		const char *col;
		bool		isnull;
		Datum		v;
		char	   *given;
		const char *stamp;

		if (att == 0)
			continue;
		col = NameStr(TupleDescAttr(desc, att - 1)->attname);
		if (!transition)
		{
			if (wf_stamp_changed(t, desc, att, oldtup, newtup))
				ereport(ERROR,
						(errcode(ERRCODE_ISO28000_STAMP_REWRITTEN),
						 errmsg("%s %s: %s cannot change while the record stays in state \"%s\"",
								wf_relname(rel), wf_record_key(t, oldtup, desc), col, state),
						 errdetail("The workflow engine stamps %s at each transition; the stamp of the last one stays as written.",
								   col),
						 errtablecol(rel, att)));
			continue;
		}
		v = heap_getattr(newtup, att, desc, &isnull);
		if (isnull || (oldtup != NULL && !wf_stamp_changed(t, desc, att, oldtup, newtup)))
			continue;
		if (att == t->changed_by_att)
		{
			given = wf_stamp_text(t, v);
			stamp = wf_user_name();
			if (strcmp(given, stamp) == 0)
				continue;
		}
		else
		{
			if (DatumGetTimestampTz(v) == when)
				continue;
			given = DatumGetCString(DirectFunctionCall1(timestamptz_out, v));
			stamp = timestamptz_to_str(when);
		}
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_STAMP_FORGED),
				 errmsg("%s %s: %s is stamped by the workflow engine, not given by the client",
						wf_relname(rel), wf_record_key(t, oldtup ? oldtup : newtup, desc), col),
				 errdetail("The statement gave \"%s\"; the engine writes \"%s\".", given, stamp),
				 errhint("Leave %s out of the statement.", col),
				 errtablecol(rel, att)));
	}
}

/* Sets the stamp columns (and a defaulted status) of the row being written. */
static HeapTuple
wf_stamp(const WfTable *t, Relation rel, HeapTuple tup, const char *fill_status, TimestampTz when)
{
	int			cols[3];
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	int			n = 0;

	if (fill_status)
	{
		cols[n] = t->status_att;
		values[n++] = CStringGetTextDatum(fill_status);
	}
	if (t->changed_at_att)
	{
		cols[n] = t->changed_at_att;
		values[n++] = TimestampTzGetDatum(when);
	}
	if (t->changed_by_att)
	{
		const char *who = wf_user_name();

		cols[n] = t->changed_by_att;
		if (t->changed_by_type == NAMEOID)
		{
			Name		nm = palloc0(NAMEDATALEN);

			namestrcpy(nm, who);
			values[n++] = NameGetDatum(nm);
		}
		else
			values[n++] = CStringGetTextDatum(who);
	}
	if (n == 0)
		return tup;
	return heap_modify_tuple_by_cols(tup, RelationGetDescr(rel), n, cols, values, nulls);
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
	WfTrigger  *entry;
	WfTable		tab;
	WfState    *to_state;
	WfState    *from_state = NULL;
	WfTrans    *trans = NULL;
	WfTransKey	key;
	bool		toolong;
	bool		has_from = false;
	bool		has_to;
	const char *fill = NULL;
	int			level;
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
		newtup = td->tg_trigtuple;
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		oldtup = td->tg_trigtuple;
		newtup = td->tg_newtuple;
	}
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		oldtup = td->tg_trigtuple;
	else
		elog(ERROR, "iso28000.workflow_guard() fired for an unexpected event");

	/* A restore (pg_restore --disable-triggers, replica mode) passes unchanged. */
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return PointerGetDatum(newtup ? newtup : oldtup);

	entry = wf_lookup(td->tg_trigger, rel);
	tab = entry->table;

	if (oldtup)
	{
		has_from = wf_read_status(oldtup, desc, tab.status_att, key.from, &toolong);
		from_state = (has_from && !toolong) ? hash_search(entry->states, key.from, HASH_FIND, NULL) : NULL;
	}

	if (newtup == NULL)
	{
		/* DELETE: only from a deletable state. */
		if (from_state == NULL || !from_state->deletable)
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_DELETE_REFUSED),
					 errmsg("%s %s cannot be deleted in state \"%s\"",
							wf_relname(rel), wf_record_key(&tab, oldtup, desc), key.from),
					 errdetail("Workflow \"%s\" lets a record be deleted only in its first state.", tab.workflow),
					 errhint("A record leaves the active set by a transition (rejected, cancelled...), which the history keeps."),
					 wf_errfields(rel, tab.status_att)));
		return PointerGetDatum(oldtup);
	}

	has_to = wf_read_status(newtup, desc, tab.status_att, key.to, &toolong);
	if (!has_to && oldtup == NULL && tab.initial[0] != '\0')
	{
		fill = tab.initial;
		strlcpy(key.to, tab.initial, NAMEDATALEN);
		has_to = true;
	}
	to_state = (has_to && !toolong) ? hash_search(entry->states, key.to, HASH_FIND, NULL) : NULL;

	if (oldtup && has_from && has_to && strcmp(key.from, key.to) == 0 && from_state != NULL)
	{
		/* No transition: a frozen record stays as it is; required columns stay filled. */
		if (from_state->frozen)
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_RECORD_FROZEN),
					 errmsg("%s %s is frozen in state \"%s\"",
							wf_relname(rel), wf_record_key(&tab, oldtup, desc), key.from),
					 errdetail("A record in state \"%s\" of workflow \"%s\" cannot be changed.",
							   key.from, tab.workflow),
					 errhint("Move it out of \"%s\" first; allowed next states: %s.",
							 key.from, wf_next_states(entry->transitions, key.from)),
					 wf_errfields(rel, tab.status_att)));
		if (from_state->nrequired > 0)
			wf_check_required(rel, &tab, from_state, newtup, key.from);
		wf_check_stamps(rel, &tab, oldtup, newtup, false, key.from, 0);
		return PointerGetDatum(newtup);
	}

	if (to_state == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_UNKNOWN_STATE),
				 errmsg("%s %s: \"%s\" is not a state of workflow \"%s\"",
						wf_relname(rel), wf_record_key(&tab, newtup, desc),
						has_to ? key.to : "NULL", tab.workflow),
				 errdetail("Moving from \"%s\". The states are: %s.",
						   oldtup ? (has_from ? key.from : "NULL") : "(new record)",
						   wf_known_states(entry->states)),
				 wf_errfields(rel, tab.status_att)));

	if (oldtup == NULL)
	{
		if (!to_state->initial)
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_TRANSITION_NOT_ALLOWED),
					 errmsg("%s %s cannot be created in state \"%s\"",
							wf_relname(rel), wf_record_key(&tab, newtup, desc), key.to),
					 errdetail("Workflow \"%s\" starts a record in: %s.", tab.workflow,
							   tab.initial[0] ? tab.initial : "(see iso28000.workflow_state.is_initial)"),
					 wf_errfields(rel, tab.status_att)));
		level = 0;
		guard = InvalidOid;
	}
	else
	{
		if (from_state == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_UNKNOWN_STATE),
					 errmsg("%s %s is in \"%s\", which is not a state of workflow \"%s\"",
							wf_relname(rel), wf_record_key(&tab, oldtup, desc),
							has_from ? key.from : "NULL", tab.workflow),
					 errdetail("Moving to \"%s\". The states are: %s.", key.to,
							   wf_known_states(entry->states)),
					 wf_errfields(rel, tab.status_att)));
		trans = hash_search(entry->transitions, &key, HASH_FIND, NULL);
		if (trans == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_TRANSITION_NOT_ALLOWED),
					 errmsg("%s %s cannot move from \"%s\" to \"%s\"",
							wf_relname(rel), wf_record_key(&tab, oldtup, desc), key.from, key.to),
					 errdetail("Workflow \"%s\" allows from \"%s\": %s.", tab.workflow, key.from,
							   wf_next_states(entry->transitions, key.from)),
					 wf_errfields(rel, tab.status_att)));
		level = trans->level;
		guard = trans->guard;
	}

	if (to_state->nrequired > 0)
		wf_check_required(rel, &tab, to_state, newtup, oldtup ? key.from : NULL);

	/* From here on no pointer into the cache is used: calls out may rebuild it. */
	if (level > WF_LEVEL_READ)
	{
		bool		isnull;
		int64		org = DatumGetInt64(heap_getattr(newtup, tab.org_att, desc, &isnull));

		if (isnull || !wf_has_level(org, level))
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_LEVEL_INSUFFICIENT),
					 errmsg("%s %s: moving from \"%s\" to \"%s\" needs level %s",
							wf_relname(rel), wf_record_key(&tab, oldtup, desc), key.from, key.to,
							wf_level_names[level]),
					 errdetail("Role \"%s\" has a lower level in organisation %lld.",
							   GetUserNameFromId(GetUserId(), false), (long long) org),
					 errhint("A member with level %s grants it with iso28000.grant_access().",
							 wf_level_names[WF_LEVEL_MANAGE]),
					 wf_errfields(rel, tab.status_att)));
	}

	if (OidIsValid(guard))
	{
		char	   *why = wf_call_guard(guard, newtup, desc,
										 get_rel_type_id(iso28000_logical_relid(rel)), key.from, key.to);

		if (why != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_GUARD_REFUSED),
					 errmsg("%s %s cannot move from \"%s\" to \"%s\": %s",
							wf_relname(rel), wf_record_key(&tab, oldtup, desc), key.from, key.to, why),
					 errdetail("Refused by guard %s of workflow \"%s\".", format_procedure(guard),
							   tab.workflow),
					 wf_errfields(rel, tab.status_att)));
	}

	when = GetCurrentStatementStartTimestamp();
	wf_check_stamps(rel, &tab, oldtup, newtup, true, key.to, when);
	newtup = wf_stamp(&tab, rel, newtup, fill, when);

	/*
	 * A new record is logged only for a role that may write in its
	 * organisation: otherwise row-level security refuses the row after this
	 * trigger (42501), or its own foreign key does for an organisation that
	 * does not exist (23503 on the register, not on the event log).
	 */
	if (tab.log_events && oldtup == NULL)
	{
		bool		isnull;
		int64		org = DatumGetInt64(heap_getattr(newtup, tab.org_att, desc, &isnull));

		if (isnull || !wf_has_level(org, WF_LEVEL_WRITE))
			return PointerGetDatum(newtup);
	}
	if (tab.log_events)
		wf_log_event(&tab, rel, newtup, oldtup ? key.from : NULL, key.to, when);
	return PointerGetDatum(newtup);
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
	return PointerGetDatum(NULL);
}
