/*
 * workflow_rules.c
 *		Reads the rules of one workflow trigger into a cache entry.
 *
 * An entry holds what the trigger needs of its table (the status, org_id,
 * stamp and note columns, the primary key) and the workflow's rules from
 * iso28000.workflow, workflow_state, workflow_required_column and
 * workflow_transition, read through SPI with schema-qualified queries.
 *
 * A rule the engine cannot hold is refused, never skipped or given a default:
 * a state name of NAMEDATALEN bytes or more (IS138), a level that is not read,
 * write, audit or manage (IS139), a guard whose signature does not fit the
 * table (IS140).  The rules tables' CHECK constraints and attach_workflow()
 * refuse the same rules where they are declared; the engine refuses them
 * again here so that rules that reached the tables another way (a constraint
 * dropped, a guard changed after attaching) are never half applied.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_index.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "engines.h"
#include "iso28000_errcodes.h"
#include "workflow_internal.h"

/* The statement of a workflow's rules: its table, name and where the entry goes. */
typedef struct WfBuild
{
	Relation	rel;
	TupleDesc	desc;
	const char *relname;
	WfTable    *tab;
	MemoryContext cxt;
} WfBuild;

/* Refuses a table that does not fit the engine. */
static void
wf_misconfigured(const WfBuild *b, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_ISO28000_WORKFLOW_MISCONFIGURED),
			 errmsg("workflow \"%s\" cannot govern table %s: %s", b->tab->workflow, b->relname, what),
			 errhint("See iso28000.attach_workflow() and doc/workflow.md."),
			 errtable(b->rel)));
}

/* Refuses a rule of the rules tables that the engine cannot hold. */
static void
wf_bad_rule(const WfBuild *b, int sqlstate, const char *rules_table, const char *column,
			const char *what)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("workflow \"%s\" cannot govern table %s: %s", b->tab->workflow, b->relname, what),
			 errdetail("The rule is a row of iso28000.%s.", rules_table),
			 errhint("Correct the rule; iso28000.define_workflow() and attach_workflow() refuse such rules where they are declared."),
			 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
			 err_generic_string(PG_DIAG_TABLE_NAME, rules_table),
			 err_generic_string(PG_DIAG_COLUMN_NAME, column)));
}

/* Copies a state name into a hash key, refusing one the engine cannot hold (IS138). */
static void
wf_state_key(const WfBuild *b, char *key, const char *name, const char *rules_table,
			 const char *column)
{
	if (!wf_key(key, name, strlen(name)))
		wf_bad_rule(b, ERRCODE_ISO28000_WORKFLOW_STATE_TOO_LONG, rules_table, column,
					psprintf("state name \"%.*s...\" is %zu bytes long, more than the %d a state may have",
							 20, name, strlen(name), NAMEDATALEN - 1));
}

/* Position of a column, 0 when absent; refuses a present column of another type. */
static AttrNumber
wf_column(const WfBuild *b, const char *name, Oid type1, Oid type2, Oid *found_type)
{
	int			i;

	for (i = 0; i < b->desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(b->desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), name) != 0)
			continue;
		if (OidIsValid(type1) && att->atttypid != type1 && att->atttypid != type2)
			wf_misconfigured(b, psprintf("column \"%s\" has type %s, not %s", name,
										 format_type_be(att->atttypid), format_type_be(type1)));
		if (found_type)
			*found_type = att->atttypid;
		return att->attnum;
	}
	return 0;
}

/* Text of an SPI result column, copied into the cache context. */
static char *
wf_spi_text(const WfBuild *b, HeapTuple tup, int col)
{
	char	   *v = SPI_getvalue(tup, SPI_tuptable->tupdesc, col);

	return v ? MemoryContextStrdup(b->cxt, v) : NULL;
}

/* Boolean of an SPI result column. */
static bool
wf_spi_bool(HeapTuple tup, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, SPI_tuptable->tupdesc, col, &isnull);

	return !isnull && DatumGetBool(d);
}

/* Runs one query of the rules with the workflow's name as $1. */
static void
wf_rules_query(const WfBuild *b, const char *sql)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(b->tab->workflow)};

	if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %s", sql);
}

/* Reads the primary key columns of the governed table. */
static void
wf_build_key(const WfBuild *b)
{
	WfTable    *t = b->tab;
	List	   *indexes = RelationGetIndexList(b->rel);
	Oid			pk = b->rel->rd_pkindex;
	HeapTuple	tup;
	Form_pg_index idx;
	int			i;

	list_free(indexes);
	if (!OidIsValid(pk))
		wf_misconfigured(b, "the table has no primary key");
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
		Oid			typ = TupleDescAttr(b->desc, t->key_att[1] - 1)->atttypid;

		t->key_is_id = (typ == INT8OID || typ == INT4OID || typ == INT2OID);
	}
}

/*
 * Does the table carry workflow_log() statement triggers for INSERT (with its
 * new table) and for UPDATE for the same workflow and status column
 * (attach_workflow makes them)?  Then they write the events, once per
 * statement, the row trigger collecting the transitions of an UPDATE; else
 * the row trigger writes each event itself.
 */
static bool
wf_logs_by_statement(Relation rel, Trigger *trigger)
{
	TriggerDesc *trigdesc = rel->trigdesc;
	bool		on_insert = false;
	bool		on_update = false;
	const char *status = trigger->tgnargs > 1 ? trigger->tgargs[1] : "status";
	int			i;

	if (trigdesc == NULL)
		return false;
	for (i = 0; i < trigdesc->numtriggers; i++)
	{
		Trigger    *t = &trigdesc->triggers[i];
		char	   *fname;

		if (t->tgenabled == TRIGGER_DISABLED || TRIGGER_FOR_ROW(t->tgtype) ||
			!TRIGGER_FOR_AFTER(t->tgtype) ||
			t->tgnargs < 1 || t->tgnargs > 2 || strcmp(t->tgargs[0], trigger->tgargs[0]) != 0 ||
			strcmp(t->tgnargs > 1 ? t->tgargs[1] : "status", status) != 0)
			continue;
		fname = get_func_name(t->tgfoid);
		if (fname == NULL || strcmp(fname, "workflow_log") != 0 ||
			get_func_namespace(t->tgfoid) != engine_catalog()->nsp)
			continue;
		if (TRIGGER_FOR_INSERT(t->tgtype) && t->tgnewtable != NULL)
			on_insert = true;
		if (TRIGGER_FOR_UPDATE(t->tgtype))
			on_update = true;
	}
	return on_insert && on_update;
}

/* What the trigger needs of its table: arguments, columns, key. */
static void
wf_build_table(WfBuild *b, Trigger *trigger)
{
	WfTable    *t = b->tab;
	const char *status_col;
	Oid			typ;

	t->relid = RelationGetRelid(b->rel);
	if (trigger->tgnargs < 1 || trigger->tgnargs > 2)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_WORKFLOW_MISCONFIGURED),
				 errmsg("iso28000.workflow_guard() takes the workflow name and optionally the status column"),
				 errhint("Use iso28000.attach_workflow() to create the trigger.")));
	if (strlen(trigger->tgargs[0]) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_WORKFLOW_MISCONFIGURED),
				 errmsg("workflow name \"%.20s...\" of trigger \"%s\" is too long", trigger->tgargs[0],
						trigger->tgname),
				 errhint("Use iso28000.attach_workflow() to create the trigger.")));
	strlcpy(t->workflow, trigger->tgargs[0], NAMEDATALEN);
	status_col = trigger->tgnargs > 1 ? trigger->tgargs[1] : "status";

	if (!iso28000_is_extension_table(b->rel))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_WORKFLOW_NOT_REGISTER),
				 errmsg("workflow \"%s\" cannot govern table %s: it is not a register of the extension",
						t->workflow, b->relname),
				 errdetail("The workflow engine governs only permanent tables of schema iso28000 owned by the extension's owner."),
				 errhint("A register is created in schema iso28000 by the extension's owner and made one with iso28000.register_table()."),
				 errtable(b->rel)));
	t->status_att = wf_column(b, status_col, TEXTOID, VARCHAROID, NULL);
	if (t->status_att == 0)
		wf_misconfigured(b, psprintf("no status column \"%s\"", status_col));
	t->org_att = wf_column(b, "org_id", INT8OID, INT8OID, NULL);
	if (t->org_att == 0)
		wf_misconfigured(b, "no org_id column");
	t->changed_at_att = wf_column(b, "status_changed_at", TIMESTAMPTZOID, TIMESTAMPTZOID, NULL);
	t->changed_by_att = wf_column(b, "status_changed_by", NAMEOID, TEXTOID, &typ);
	t->changed_by_type = t->changed_by_att ? typ : InvalidOid;
	t->note_att = wf_column(b, "status_note", TEXTOID, VARCHAROID, NULL);
	wf_build_key(b);
	t->log_by_statement = wf_logs_by_statement(b->rel, trigger);
}

/* iso28000.workflow: the workflow exists; whether it logs its events. */
static void
wf_load_workflow(WfBuild *b)
{
	wf_rules_query(b, "SELECT log_events FROM iso28000.workflow WHERE workflow OPERATOR(pg_catalog.=) $1");
	if (SPI_processed == 0)
		wf_misconfigured(b, "the workflow is not defined");
	b->tab->log_events = wf_spi_bool(SPI_tuptable->vals[0], 1);
}

/* iso28000.workflow_state: the states, and the one initial state if there is one. */
static HTAB *
wf_load_states(WfBuild *b)
{
	HASHCTL		ctl;
	HTAB	   *states;
	int			ninitial = 0;
	uint64		i;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(WfState);
	ctl.hcxt = b->cxt;
	/* Hashed over the name's length, not the key's 64 bytes: looked up twice per row. */
	states = hash_create("iso28000 workflow states", 16, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	wf_rules_query(b, "SELECT state, is_initial, is_terminal, is_frozen, deletable "
				   "FROM iso28000.workflow_state WHERE workflow OPERATOR(pg_catalog.=) $1");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		char		key[NAMEDATALEN];
		WfState    *s;

		wf_state_key(b, key, SPI_getvalue(tup, SPI_tuptable->tupdesc, 1), "workflow_state", "state");
		s = hash_search(states, key, HASH_ENTER, NULL);
		s->initial = wf_spi_bool(tup, 2);
		s->terminal = wf_spi_bool(tup, 3);
		s->frozen = wf_spi_bool(tup, 4);
		s->deletable = wf_spi_bool(tup, 5);
		s->nrequired = 0;
		s->required = NULL;
		s->required_desc = NULL;
		if (s->initial && ninitial++ == 0)
			strlcpy(b->tab->initial, s->name, NAMEDATALEN);
	}
	if (ninitial != 1)
		b->tab->initial[0] = '\0';
	return states;
}

/* iso28000.workflow_required_column: the columns each state needs, by position. */
static void
wf_load_required(WfBuild *b, HTAB *states)
{
	uint64		i;

	wf_rules_query(b, "SELECT state, column_name::pg_catalog.text, "
				   "coalesce(description, column_name::pg_catalog.text) "
				   "FROM iso28000.workflow_required_column WHERE workflow OPERATOR(pg_catalog.=) $1 "
				   "ORDER BY state, column_name");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		char	   *name = SPI_getvalue(tup, SPI_tuptable->tupdesc, 1);
		char	   *col = SPI_getvalue(tup, SPI_tuptable->tupdesc, 2);
		char		key[NAMEDATALEN];
		WfState    *s;
		AttrNumber	att;

		wf_state_key(b, key, name, "workflow_required_column", "state");
		s = hash_search(states, key, HASH_FIND, NULL);
		if (s == NULL)			/* the foreign key to workflow_state forbids it */
			elog(ERROR, "workflow \"%s\": required column \"%s\" of unknown state \"%s\"",
				 b->tab->workflow, col, name);
		att = wf_column(b, col, InvalidOid, InvalidOid, NULL);
		if (att == 0)
			wf_misconfigured(b, psprintf("state \"%s\" requires column \"%s\", which the table lacks",
										 name, col));
		if (s->required == NULL)
		{
			s->required = MemoryContextAlloc(b->cxt, sizeof(AttrNumber) * SPI_processed);
			s->required_desc = MemoryContextAlloc(b->cxt, sizeof(char *) * SPI_processed);
		}
		s->required[s->nrequired] = att;
		s->required_desc[s->nrequired++] = wf_spi_text(b, tup, 3);
	}
}

/* The level a transition names, refusing a name that is none (IS139). */
static WfLevel
wf_level(const WfBuild *b, const char *name, const char *from, const char *to)
{
	int			l;

	for (l = WF_LEVEL_READ; l <= WF_LEVEL_MANAGE; l++)
		if (strcmp(name, wf_level_names[l]) == 0)
			return (WfLevel) l;
	wf_bad_rule(b, ERRCODE_ISO28000_WORKFLOW_RULE_LEVEL, "workflow_transition", "required_level",
				psprintf("transition \"%s\" to \"%s\" requires level \"%s\", which is not read, write, audit or manage",
						 from, to, name));
	return WF_LEVEL_MANAGE;		/* not reached */
}

/* Refuses a guard that cannot take the table's row (IS140). */
static void
wf_check_guard(const WfBuild *b, Oid guard, const char *from, const char *to)
{
	Oid			rettype;
	Oid		   *gargs;
	int			gnargs;
	Oid			rowtype = engine_row_type(b->rel);

	rettype = get_func_signature(guard, &gargs, &gnargs);
	if (rettype != TEXTOID || gnargs != 3 ||
		(gargs[0] != rowtype && gargs[0] != RECORDOID) ||
		gargs[1] != TEXTOID || gargs[2] != TEXTOID)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_WORKFLOW_GUARD_MISFIT),
				 errmsg("workflow \"%s\" cannot govern table %s: guard %s of \"%s\" to \"%s\" must take (%s, text, text) and return text",
						b->tab->workflow, b->relname, format_procedure(guard), from, to,
						format_type_be(rowtype)),
				 errhint("Correct iso28000.workflow_transition.guard; attach_workflow() refuses such a guard where it is declared."),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
				 err_generic_string(PG_DIAG_TABLE_NAME, "workflow_transition"),
				 err_generic_string(PG_DIAG_COLUMN_NAME, "guard")));
}

/* Hash of a transition key over its two names' lengths (the key is 128 zero-padded bytes). */
static uint32
wf_trans_hash(const void *key, Size keysize)
{
	const WfTransKey *k = (const WfTransKey *) key;

	return hash_combine(hash_bytes((const unsigned char *) k->from, strlen(k->from)),
						hash_bytes((const unsigned char *) k->to, strlen(k->to)));
}

/* iso28000.workflow_transition: the allowed transitions, their levels and guards. */
static HTAB *
wf_load_transitions(WfBuild *b)
{
	HASHCTL		ctl;
	HTAB	   *transitions;
	uint64		i;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(WfTransKey);
	ctl.entrysize = sizeof(WfTrans);
	ctl.hash = wf_trans_hash;
	ctl.match = memcmp;
	ctl.hcxt = b->cxt;
	transitions = hash_create("iso28000 workflow transitions", 32, &ctl,
							  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);

	wf_rules_query(b, "SELECT from_state, to_state, required_level, guard::pg_catalog.oid "
				   "FROM iso28000.workflow_transition WHERE workflow OPERATOR(pg_catalog.=) $1");
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

		wf_state_key(b, key.from, from, "workflow_transition", "from_state");
		wf_state_key(b, key.to, to, "workflow_transition", "to_state");
		tr = hash_search(transitions, &key, HASH_ENTER, NULL);
		tr->level = wf_level(b, level, from, to);
		tr->guard = isnull ? InvalidOid : DatumGetObjectId(guard);
		if (OidIsValid(tr->guard))
			wf_check_guard(b, tr->guard, from, to);
	}
	return transitions;
}

/* Builds the cache entry of one trigger from the rules tables, in memory context cxt. */
void
wf_build_trigger(WfTrigger *entry, Trigger *trigger, Relation rel, MemoryContext cxt)
{
	WfBuild		b;

	b.rel = rel;
	b.desc = RelationGetDescr(rel);
	b.relname = engine_relname(rel);
	b.tab = &entry->table;
	b.cxt = cxt;

	wf_build_table(&b, trigger);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	wf_load_workflow(&b);
	entry->states = wf_load_states(&b);
	wf_load_required(&b, entry->states);
	entry->transitions = wf_load_transitions(&b);
	SPI_finish();
}
