/*
 * engines.c
 *		What the workflow engine and the history recorder share (engines.h).
 *
 * The catalog cache.  Both engines need the OIDs of the extension's own
 * relations and the owners they write as.  Looked up per statement they cost
 * several catalog searches each time (schema by name, relation by name, its
 * pg_class row); here they are looked up once and kept until a relcache
 * invalidation of one of them (ALTER TABLE ... OWNER, ADD COLUMN, DROP and
 * CREATE EXTENSION again) or a change of the schema (syscache of
 * pg_namespace) marks them stale.  The callbacks only mark; the next
 * engine_catalog() looks everything up again, and again if an invalidation
 * arrived while it was doing so.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "citus_compat.h"
#include "engines.h"
#include "notification_store.h"
#include "history_image.h"
#include "history_store.h"
#include "workflow_internal.h"

static EngineCatalog engine_cat;
static bool engine_cat_valid = false;
static bool engine_callbacks = false;

/* Relcache callback: a relation of the catalog (or all relations) changed. */
static void
engine_relcache_callback(Datum arg, Oid relid)
{
	iso28000_citus_relcache_invalidate(relid);	/* one callback slot for all */
	history_store_invalidate(relid);
	history_register_invalidate(relid);
	wf_store_invalidate(relid);
	wf_org_invalidate(relid);
	notification_store_invalidate(relid);
	if (!OidIsValid(relid) ||
		relid == engine_cat.workflow || relid == engine_cat.workflow_state ||
		relid == engine_cat.workflow_transition || relid == engine_cat.workflow_required_column ||
		relid == engine_cat.workflow_event || relid == engine_cat.workflow_event_batch ||
		relid == engine_cat.history ||
		relid == engine_cat.history_head)
		engine_cat_valid = false;
}

/* Syscache callback: a schema changed (its owner, or iso28000 was dropped). */
static void
engine_syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	engine_cat_valid = false;
}

/* The owner of a relation, InvalidOid when it does not exist. */
static Oid
engine_rel_owner(Oid relid)
{
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		return InvalidOid;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* Looks every relation of the catalog up. */
static void
engine_catalog_build(EngineCatalog *c)
{
	HeapTuple	tup;

	memset(c, 0, sizeof(*c));
	c->nsp = get_namespace_oid("iso28000", true);
	if (!OidIsValid(c->nsp))
		return;
	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(c->nsp));
	if (HeapTupleIsValid(tup))
	{
		c->nsp_owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
		ReleaseSysCache(tup);
	}
	c->workflow = get_relname_relid("workflow", c->nsp);
	c->workflow_state = get_relname_relid("workflow_state", c->nsp);
	c->workflow_transition = get_relname_relid("workflow_transition", c->nsp);
	c->workflow_required_column = get_relname_relid("workflow_required_column", c->nsp);
	c->workflow_event = get_relname_relid("workflow_event", c->nsp);
	c->workflow_event_batch = get_relname_relid("workflow_event_batch", c->nsp);
	c->workflow_event_owner = engine_rel_owner(OidIsValid(c->workflow_event_batch) ?
											   c->workflow_event_batch : c->workflow_event);
	c->history = get_relname_relid("history", c->nsp);
	c->history_head = get_relname_relid("history_head", c->nsp);
	c->history_owner = engine_rel_owner(c->history);

	/*
	 * Between installing this library and ALTER EXTENSION UPDATE the history
	 * may still be 0.1.0's, without acting_person: records are then written
	 * (and hashed) without it, as 0.1.0 did.
	 */
	c->history_has_person = OidIsValid(c->history) &&
		get_attnum(c->history, "acting_person") != InvalidAttrNumber;
}

const EngineCatalog *
engine_catalog(void)
{
	if (!engine_callbacks)
	{
		CacheRegisterRelcacheCallback(engine_relcache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, engine_syscache_callback, (Datum) 0);
		engine_callbacks = true;
	}
	while (!engine_cat_valid)
	{
		EngineCatalog c;

		engine_cat_valid = true;
		engine_catalog_build(&c);
		/* Copied at once, so the callback compares against OIDs in use. */
		engine_cat = c;
	}
	return &engine_cat;
}

const EngineCatalog *
engine_catalog_last(void)
{
	return &engine_cat;
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
	const EngineCatalog *c = engine_catalog();

	if (!OidIsValid(c->nsp) || RelationGetNamespace(rel) != c->nsp)
		return false;
	if (rel->rd_rel->relpersistence != RELPERSISTENCE_PERMANENT ||
		(rel->rd_rel->relkind != RELKIND_RELATION && rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE))
		return false;
	return rel->rd_rel->relowner == c->nsp_owner;
}

/* The register a relation is: itself, or on a Citus shard its table (citus_compat.c). */
Oid
engine_relid(Relation rel)
{
	return iso28000_logical_relid(rel);
}

/* Schema-qualified, quoted name of a register (its table's on a shard), for messages and history records. */
const char *
engine_relname(Relation rel)
{
	return quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  get_rel_name(engine_relid(rel)));
}

/* The row type of a register (its table's on a shard), which a workflow guard takes. */
Oid
engine_row_type(Relation rel)
{
	return get_rel_type_id(engine_relid(rel));
}

/* Prepares a plan once and keeps it for the life of the backend. */
SPIPlanPtr
engine_keep_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

		if (plan == NULL)
			elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "could not keep the plan of \"%s\"", sql);
		*slot = plan;
	}
	return *slot;
}

/* Whether a trigger fires in this session (session_replication_role is the caller's). */
static inline bool
engine_trigger_fires(const Trigger *t)
{
	return t->tgenabled == TRIGGER_FIRES_ON_ORIGIN || t->tgenabled == TRIGGER_FIRES_ALWAYS;
}

/* How many triggers of constraint conoid rel has, or -1 when one of them does not fire. */
static int
engine_key_triggers(Relation rel, Oid conoid)
{
	int			n = 0;

	for (int i = 0; rel->trigdesc != NULL && i < rel->trigdesc->numtriggers; i++)
		if (rel->trigdesc->triggers[i].tgconstraint == conoid)
		{
			if (!engine_trigger_fires(&rel->trigdesc->triggers[i]))
				return -1;
			n++;
		}
	return n;
}

/* See engines.h. */
bool
iso28000_org_key_enforced(Relation rel, AttrNumber org_att, Oid org_relid, AttrNumber org_key,
						  Relation org)
{
	ListCell   *lc;

	foreach(lc, RelationGetFKeyList(rel))
	{
		ForeignKeyCacheInfo *fk = lfirst_node(ForeignKeyCacheInfo, lc);
		HeapTuple	tup;
		bool		ok;

		if (fk->nkeys != 1 || fk->conkey[0] != org_att || fk->confrelid != org_relid ||
			fk->confkey[0] != org_key || get_opcode(fk->conpfeqop[0]) != F_INT8EQ)
			continue;
		tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(fk->conoid));
		if (!HeapTupleIsValid(tup))
			continue;
		ok = ((Form_pg_constraint) GETSTRUCT(tup))->convalidated &&
			!((Form_pg_constraint) GETSTRUCT(tup))->condeferrable;
		ReleaseSysCache(tup);
		if (ok && engine_key_triggers(rel, fk->conoid) == 2 &&
			(org == NULL || engine_key_triggers(org, fk->conoid) == 2))
			return true;
	}
	return false;
}

/*
 * Role names.  The workflow engine stamps and logs the current user's name,
 * the history records the session user's and the current user's: each is
 * looked up once per role and kept across transactions until a role changes
 * (pg_authid's syscache invalidation: ALTER ROLE ... RENAME, here or in
 * another session, read at the next command), so nothing written holds an
 * old name.  A few entries, filled in turn: a statement names the session
 * user, the current user and, under a SECURITY DEFINER function, its owner.
 * The name returned is the entry's own, valid until the next call: a caller
 * that keeps it across other work (a nested statement may refill the entry)
 * copies it.
 */
#define ROLE_NAMES_KEPT 4

static struct
{
	Oid			roleid;
	NameData	name;
}			role_names[ROLE_NAMES_KEPT];
static int	role_names_next = 0;

static void
role_names_forget(Datum arg, int cacheid, uint32 hashvalue)
{
	int			i;

	for (i = 0; i < ROLE_NAMES_KEPT; i++)
		role_names[i].roleid = InvalidOid;
}

const char *
engine_role_name(Oid roleid)
{
	static bool registered = false;
	int			i;
	char	   *name;

	if (!registered)
	{
		CacheRegisterSyscacheCallback(AUTHOID, role_names_forget, (Datum) 0);
		registered = true;
	}
	if (OidIsValid(roleid))
		for (i = 0; i < ROLE_NAMES_KEPT; i++)
			if (role_names[i].roleid == roleid)
				return NameStr(role_names[i].name);
	name = GetUserNameFromId(roleid, false);	/* refuses an invalid or dropped role */
	i = role_names_next;
	role_names_next = (i + 1) % ROLE_NAMES_KEPT;
	namestrcpy(&role_names[i].name, name);
	role_names[i].roleid = roleid;
	pfree(name);
	return NameStr(role_names[i].name);
}
