/*
 * actor.c
 *		The acting person (see actor.h): iso28000.act_as(), acting_person()
 *		and the C entry point the engines call.
 *
 * Why backend memory and not a setting.  A custom setting (SET LOCAL
 * iso28000.person = ...) can be set by any user, so it would be a claim, not
 * a fact.  Here the declaration is accepted only after the database checked
 * it (the current user is delegated in the organisation, the person is one of
 * its active people) and is kept in static memory of this backend, tagged
 * with the user who made it and the subtransaction that made it:
 *
 *	- a transaction callback forgets every declaration at commit, abort and
 *	  prepare, so the next transaction of a pooled connection (PgBouncer in
 *	  transaction mode hands it to another client) starts with none;
 *	- a subtransaction callback forgets the declarations made inside a
 *	  savepoint that is rolled back, and hands those of a released savepoint
 *	  to its parent;
 *	- at use the declaration counts only while the current user is still the
 *	  role that made it (SET LOCAL ROLE to another role falls back to that
 *	  role's own person) and that role is still delegated in the organisation
 *	  and the person still active (re-checked at every statement, see below).
 *
 * The look-ups and their cache.  Two questions go to the tables, as the
 * owner of iso28000.person: "which active person of the organisation has
 * this role as db_role?" and "is this role delegated in the organisation,
 * and is this person active there?".  Their answers depend only on
 * iso28000.person, iso28000.delegation and the role graph, so they are kept
 * per backend, across statements and transactions, and dropped when one of
 * those changes:
 *	- iso28000.person (INSERT, DELETE, TRUNCATE, UPDATE OF db_role or active)
 *	  and iso28000.delegation (every change): their statement trigger
 *	  iso28000.identity_changed() sends a relcache invalidation of the table,
 *	  which PostgreSQL delivers to this backend at its next command (and again
 *	  when the transaction or savepoint rolls back) and to every other backend
 *	  when the transaction commits; an ALTER or DROP of either table sends one
 *	  too;
 *	- roles and role membership (pg_authid, pg_auth_members): syscache
 *	  callbacks, as for the membership cache (membership.c, which holds the
 *	  one relcache callback both use);
 *	- every look-up first processes pending invalidations
 *	  (AcceptInvalidationMessages), and a miss reads the tables with a fresh
 *	  snapshot taken after that, so a change committed elsewhere counts from
 *	  this backend's next statement, even inside a transaction that already
 *	  holds its locks, and a change of the own transaction from its next
 *	  command.
 * act_as() declarations are not cached: they are read from backend memory at
 * every look-up.  In parallel mode (no new snapshot may be taken) and on a
 * Citus node (where a change of a distributed person table reaches the shards,
 * not the table this backend would hear of) the cache is not used: each
 * statement reads the tables with its own snapshot, as before, and keeps the
 * answer for that statement.
 *
 * Distribution.  On a Citus cluster the triggers run in the workers'
 * backends, which do not share this memory.  act_as() on the coordinator
 * therefore also sets iso28000.acting_for with SET LOCAL, which Citus passes
 * on to the workers inside the transaction (actor_carry()); a worker believes
 * that setting only in a transaction another node began, for the role that is
 * its current user, and only after the check act_as() makes (actor_decide()).
 * The look-ups on the coordinator run as the current user (actor_query()),
 * and name the role, whose oid differs from node to node.  On a worker they
 * read the organisation's shards of person and delegation there, never the
 * distributed tables: they run from triggers on a register's shard, where
 * Citus refuses a distributed query that it does not execute locally.
 * doc/distribution.md, "The acting person on a cluster".
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "actor.h"
#include "citus_compat.h"
#include "iso28000_errcodes.h"
#include "membership.h"

/* Declarations one transaction may hold at once (one per organisation and savepoint level). */
#define ACTOR_MAX_DECL 32

/* One act_as() declaration. */
typedef struct ActorDecl
{
	int64		org;
	int64		person;
	Oid			userid;			/* the current user that declared it */
	SubTransactionId subxid;	/* the (sub)transaction that owns it */
} ActorDecl;

/* The declarations of the current transaction, oldest first. */
static ActorDecl actor_decl[ACTOR_MAX_DECL];
static int	actor_ndecl = 0;
static bool actor_callbacks_registered = false;

/*
 * Carrying the declarations to Citus workers (actor_carry()): the
 * subtransaction that last set iso28000.acting_for, and whether it must be
 * set again before the next query.  Citus keeps a SET LOCAL made inside a
 * savepoint for the workers its transaction reaches later only until the
 * savepoint ends, also when it is released (PostgreSQL keeps the value): a
 * released savepoint (a PL/pgSQL block with EXCEPTION, pgTAP's lives_ok)
 * would leave those workers without the declaration.
 */
static SubTransactionId actor_carry_subxid = InvalidSubTransactionId;
static bool actor_recarry = false;
static ExecutorStart_hook_type actor_prev_executor_start = NULL;

/* Bumped at every change of the declarations; part of the cache key. */
static uint64 actor_generation = 0;

/* A look-up answer kept across statements: its key ... */
typedef struct ActorLookupKey
{
	int64		org;
	int64		person;			/* ACTOR_DECLARED: the declared person; else 0 */
	Oid			userid;
	int32		kind;			/* ACTOR_ROLE_PERSON or ACTOR_DECLARED */
} ActorLookupKey;

#define ACTOR_ROLE_PERSON	1	/* the active person whose db_role is userid */
#define ACTOR_DECLARED		2	/* userid delegated in org; person active in org */

/* ... and the answer. */
typedef struct ActorLookup
{
	ActorLookupKey key;			/* hash key */
	bool		a;				/* ROLE_PERSON: found; DECLARED: delegated */
	bool		b;				/* DECLARED: active */
	int64		person;			/* ROLE_PERSON: the person */
} ActorLookup;

/* Answers kept at most; past that the cache starts again. */
#define ACTOR_LOOKUP_MAX 4096

/* The cross-statement cache (see the head comment); its memory is reset, never freed by a callback. */
static MemoryContext actor_lookup_cxt = NULL;
static HTAB *actor_lookups = NULL;
static bool actor_lookups_valid = false;
static bool actor_lookups_shared = false;	/* false: Citus is installed, no cache */
static uint64 actor_inval_generation = 0;	/* bumped by every invalidation */
static Oid	actor_person_relid = InvalidOid;
static Oid	actor_delegation_relid = InvalidOid;
static Oid	actor_owner_id = InvalidOid;

/* The last answer of iso28000_acting_person(), valid for one statement (when uncached). */
static struct
{
	bool		valid;
	LocalTransactionId lxid;
	CommandId	cid;
	Oid			userid;
	int64		org;
	uint64		generation;
	bool		found;
	int64		person;
}			actor_cache;

/* Saved plans, prepared and run as the owner of iso28000.person. */
static SPIPlanPtr actor_role_plan = NULL;
static SPIPlanPtr actor_check_plan = NULL;

/*
 * iso28000.acting_for: the act_as() declarations of the transaction as
 * Citus carries them to the workers ("org:person:role,...", the role
 * quoted as an identifier).  act_as() on a node with Citus sets it with SET
 * LOCAL, which Citus passes on to every worker the transaction uses (see
 * actor_carry()).  It is a claim, not a fact: a node believes it only in a
 * transaction that another node of the cluster began, for the role that is
 * the current user there, and only after the same check act_as() makes (the
 * role delegated in the organisation, the person active in it), at every
 * statement.  Anyone may SET it; it then grants nothing act_as() would not.
 */
static char *actor_acting_for = NULL;

/* A change of iso28000.acting_for (SET, its end, a savepoint rolled back): no kept answer counts. */
static void
actor_acting_for_assign(const char *newval, void *extra)
{
	actor_generation++;
	actor_cache.valid = false;
}

/* See actor.h. */
void
actor_define_guc(void)
{
	DefineCustomStringVariable("iso28000.acting_for",
							   "The act_as() declarations of the transaction, carried to the workers of a Citus cluster.",
							   "Set by iso28000.act_as() with SET LOCAL on a node with Citus; a worker believes "
							   "it only for a transaction another node began, after checking the delegation.",
							   &actor_acting_for, "", PGC_USERSET,
							   GUC_NO_RESET_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, actor_acting_for_assign, NULL);
}

/*
 * The person that iso28000.acting_for declares for the organisation, and the
 * name of the role that declared it; false when it names none (or cannot be
 * read).
 */
static bool
actor_carried(int64 org, int64 *person, char **role)
{
	const char *p = actor_acting_for;

	while (p != NULL && *p != '\0')
	{
		char	   *end;
		int64		o,
					who;
		StringInfoData name;

		o = strtoi64(p, &end, 10);
		if (end == p || *end != ':')
			return false;
		p = end + 1;
		who = strtoi64(p, &end, 10);
		if (end == p || *end != ':')
			return false;
		p = end + 1;
		initStringInfo(&name);
		if (*p == '"')
		{
			for (p++;; p++)
			{
				if (*p == '\0')
					return false;
				if (*p == '"')
				{
					if (p[1] != '"')
						break;
					p++;
				}
				appendStringInfoChar(&name, *p);
			}
			p++;
		}
		else
			while (*p != '\0' && *p != ',')
				appendStringInfoChar(&name, *p++);
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return false;
		if (o == org)
		{
			*person = who;
			*role = name.data;
			return true;
		}
	}
	return false;
}

/* The local transaction id of this backend, across PostgreSQL versions. */
static inline LocalTransactionId
actor_local_xid(void)
{
#if PG_VERSION_NUM >= 170000
	return MyProc->vxid.lxid;
#else
	return MyProc->lxid;
#endif
}

/* Forgets every declaration (end of transaction). */
static void
actor_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			actor_ndecl = 0;
			actor_carry_subxid = InvalidSubTransactionId;
			actor_recarry = false;
			actor_generation++;
			actor_cache.valid = false;
			break;
		default:
			break;
	}
}

/* Drops the declarations of an aborted savepoint; hands a released one's to its parent. */
static void
actor_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	int			i,
				n;

	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		for (i = 0, n = 0; i < actor_ndecl; i++)
			if (actor_decl[i].subxid != mySubid)
				actor_decl[n++] = actor_decl[i];
		actor_ndecl = n;
		actor_generation++;
		actor_cache.valid = false;
		if (actor_carry_subxid == mySubid)
			actor_carry_subxid = parentSubid;	/* Citus and the workers went back with it */
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		for (i = 0; i < actor_ndecl; i++)
			if (actor_decl[i].subxid == mySubid)
				actor_decl[i].subxid = parentSubid;
		if (actor_carry_subxid == mySubid)
		{
			actor_carry_subxid = parentSubid;
			actor_recarry = true;	/* Citus dropped it for workers reached later */
		}
	}
}

/* A relation of schema iso28000 by name, InvalidOid when there is none. */
static Oid
actor_relid(const char *name)
{
	Oid			nsp = get_namespace_oid("iso28000", true);

	return OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
}

/* The owner of iso28000.person, as whom the look-ups run (row-level security aside). */
static Oid
actor_owner(void)
{
	Oid			relid = actor_relid("person");
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		elog(ERROR, "iso28000.person does not exist");
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

#define ACTOR_NODE_ALONE		0	/* no Citus */
#define ACTOR_NODE_COORDINATOR	1	/* Citus; the transaction began here */
#define ACTOR_NODE_WORKER		2	/* Citus; another node began the transaction, or a Citus task runs here */

/* Which node of a Citus cluster this is for the current transaction (once per transaction). */
static int
actor_node(void)
{
	static LocalTransactionId lxid = InvalidLocalTransactionId;
	static int	answer = ACTOR_NODE_ALONE;

	if (lxid != actor_local_xid())
	{
		if (!OidIsValid(get_extension_oid("citus", true)))
			answer = ACTOR_NODE_ALONE;
		else
			answer = iso28000_citus_task_backend() || iso28000_citus_remote_transaction()
				? ACTOR_NODE_WORKER : ACTOR_NODE_COORDINATOR;
		lxid = actor_local_xid();
	}
	return answer;
}

/*
 * True on the node of a Citus cluster where the transaction began (the
 * coordinator), where the look-ups are distributed queries: they then run as
 * the current user, under row-level security (the people and delegations of
 * the organisations where the user may read; a delegated role is a member).
 * As the owner they would reach the workers over connections of another
 * user, which Citus refuses once the transaction wrote there ("cannot
 * perform query on placements that were modified in this transaction by a
 * different user"): act_as() or acting_person() after a write.  On a worker
 * (and on one node) they read the local shards as the owner.  Known once per
 * transaction (actor_node()).
 */
static bool
actor_on_coordinator(void)
{
	return actor_node() == ACTOR_NODE_COORDINATOR;
}

/*
 * True on a node of a Citus cluster running a transaction another node began
 * (a worker running the coordinator's statements): the look-ups read the
 * organisation's local shards (actor_query()).  Known once per transaction.
 */
static bool
actor_on_worker(void)
{
	return actor_node() == ACTOR_NODE_WORKER;
}

/* A plan kept for the life of the backend (SPI connected). */
static SPIPlanPtr
actor_keep_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*slot = p;
	}
	return *slot;
}

/*
 * Runs one fixed query as the owner of iso28000.person and returns its first
 * row's boolean or bigint columns.  The queries name every relation, function
 * and operator with its schema and take only bigint, name and oid
 * parameters: nothing the caller can shape runs under the owner's rights.
 * On a Citus worker that holds the organisation's shards, each of tables
 * (of schema iso28000, named "iso28000.TABLE " in sql) is read from its shard
 * there (iso28000_org_shard_execute()), a plain local table, since the query
 * may run from a trigger fired on a register's shard (the cascade of an
 * organisation's DELETE), where a query of the distributed table would be a
 * distributed query from a query on a shard, which Citus refuses (XX000).
 * The plans are kept for the life of the backend, the shards' until the
 * next shard move.  With a snapshot, the query reads with it; else with the
 * statement's.
 */
static bool
actor_query(SPIPlanPtr *slot, const char *sql, int ntables, const char *const *tables,
			int64 org, int nargs, Oid *argtypes, Datum *values,
			int ncols, Datum *out, bool *outnull, Snapshot snap)
{
	Oid			save_userid;
	int			save_sec;
	int			rc;
	int			i;
	bool		found;
	Oid			owner = OidIsValid(actor_owner_id) ? actor_owner_id : actor_owner();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	GetUserIdAndSecContext(&save_userid, &save_sec);
	if (actor_on_coordinator())
		owner = save_userid;
	SetUserIdAndSecContext(owner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION | SECURITY_NOFORCE_RLS);
	if (actor_on_worker() &&
		iso28000_org_shard_execute(sql, ntables, tables, org, nargs, argtypes, values, NULL,
								   snap, true, 1, &rc))
		;						/* read from the organisation's shards here */
	else if (snap != NULL)
		rc = SPI_execute_snapshot(actor_keep_plan(slot, sql, nargs, argtypes), values, NULL, snap,
								  InvalidSnapshot, true, false, 1);
	else
		rc = SPI_execute_plan(actor_keep_plan(slot, sql, nargs, argtypes), values, NULL, true, 1);
	SetUserIdAndSecContext(save_userid, save_sec);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "acting person look-up failed: %s", SPI_result_code_string(rc));
	found = SPI_processed == 1;
	for (i = 0; i < ncols; i++)
	{
		out[i] = (Datum) 0;
		outnull[i] = true;
		if (found)
			out[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &outnull[i]);
	}
	SPI_finish();
	return found;
}

/* Whether role userid is delegated in the organisation, and whether person is an active person of it. */
static void
actor_check_query(int64 org, Oid userid, int64 person, bool *delegated, bool *active, Snapshot snap)
{
	static const char *const tables[2] = {"delegation", "person"};
	Oid			argtypes[3] = {INT8OID, NAMEOID, INT8OID};
	Datum		values[3];
	Datum		out[2];
	bool		outnull[2];
	NameData	name;

	/*
	 * The role by name: on a Citus cluster this query runs on the worker that
	 * holds the organisation's shard of delegation, where the role has
	 * another oid than here (delegate holds the worker's oid).
	 */
	namestrcpy(&name, GetUserNameFromId(userid, false));
	values[0] = Int64GetDatum(org);
	values[1] = NameGetDatum(&name);
	values[2] = Int64GetDatum(person);
	actor_query(&actor_check_plan,
				"SELECT EXISTS (SELECT FROM iso28000.delegation d "
				"WHERE d.org_id OPERATOR(pg_catalog.=) $1 "
				"AND pg_catalog.pg_has_role($2, d.delegate::pg_catalog.oid, 'USAGE')), "
				"EXISTS (SELECT FROM iso28000.person p "
				"WHERE p.org_id OPERATOR(pg_catalog.=) $1 "
				"AND p.person_id OPERATOR(pg_catalog.=) $3 AND p.active)",
				2, tables, org, 3, argtypes, values, 2, out, outnull, snap);
	*delegated = !outnull[0] && DatumGetBool(out[0]);
	*active = !outnull[1] && DatumGetBool(out[1]);
}

/* The active person of the organisation whose db_role is the role userid. */
static bool
actor_role_person_query(int64 org, Oid userid, int64 *person, Snapshot snap)
{
	static const char *const tables[1] = {"person"};
	Oid			argtypes[2] = {INT8OID, NAMEOID};
	Datum		values[2];
	NameData	name;
	Datum		out[1];
	bool		outnull[1];

	namestrcpy(&name, GetUserNameFromId(userid, false));
	values[0] = Int64GetDatum(org);
	values[1] = NameGetDatum(&name);
	if (!actor_query(&actor_role_plan,
					 "SELECT p.person_id FROM iso28000.person p "
					 "WHERE p.org_id OPERATOR(pg_catalog.=) $1 "
					 "AND p.db_role OPERATOR(pg_catalog.=) $2 AND p.active "
					 "ORDER BY p.person_id LIMIT 1",
					 1, tables, org, 2, argtypes, values, 1, out, outnull, snap) || outnull[0])
		return false;
	*person = DatumGetInt64(out[0]);
	return true;
}

/* See actor.h. */
void
actor_relcache_invalidate(Oid relid)
{
	if (!OidIsValid(relid) || relid == actor_person_relid || relid == actor_delegation_relid)
	{
		actor_lookups_valid = false;
		actor_inval_generation++;
	}
}

/*
 * Whether look-ups may use the cross-statement cache now; starts a new
 * generation of the cache when it was invalidated.  Processes pending
 * invalidations first.
 */
static bool
actor_cache_ready(void)
{
	if (IsInParallelMode())
		return false;
	membership_register_callbacks();
	AcceptInvalidationMessages();
	while (!actor_lookups_valid)
	{
		uint64		gen = actor_inval_generation;
		HASHCTL		ctl;

		if (actor_lookup_cxt == NULL)
			actor_lookup_cxt = AllocSetContextCreate(CacheMemoryContext, "iso28000 acting person cache",
													 ALLOCSET_SMALL_SIZES);
		else
			MemoryContextReset(actor_lookup_cxt);
		actor_lookups = NULL;
		actor_person_relid = actor_relid("person");
		actor_delegation_relid = actor_relid("delegation");
		actor_owner_id = InvalidOid;
		actor_lookups_shared = !OidIsValid(get_extension_oid("citus", true));
		if (!OidIsValid(actor_person_relid) || !OidIsValid(actor_delegation_relid))
			return false;
		actor_owner_id = actor_owner();
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(ActorLookupKey);
		ctl.entrysize = sizeof(ActorLookup);
		ctl.hcxt = actor_lookup_cxt;
		actor_lookups = hash_create("iso28000 acting person look-ups", 64, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		/* the look-ups above may have processed an invalidation: start again */
		actor_lookups_valid = (gen == actor_inval_generation);
	}
	return actor_lookups_shared;
}

/*
 * A look-up through the cache: the kept answer, or the tables read with a
 * fresh snapshot and the answer kept unless an invalidation came meanwhile.
 */
static ActorLookup
actor_lookup(int kind, int64 org, Oid userid, int64 person)
{
	ActorLookupKey key;
	ActorLookup *e;
	ActorLookup ans;
	uint64		gen = actor_inval_generation;
	Snapshot	snap;

	memset(&key, 0, sizeof(key));
	key.org = org;
	key.person = person;
	key.userid = userid;
	key.kind = kind;
	e = hash_search(actor_lookups, &key, HASH_FIND, NULL);
	if (e != NULL)
		return *e;

	memset(&ans, 0, sizeof(ans));
	ans.key = key;
	/* after AcceptInvalidationMessages: a change it did not see will invalidate later */
	snap = RegisterSnapshot(GetLatestSnapshot());
	PG_TRY();
	{
		if (kind == ACTOR_DECLARED)
			actor_check_query(org, userid, person, &ans.a, &ans.b, snap);
		else
			ans.a = actor_role_person_query(org, userid, &ans.person, snap);
	}
	PG_FINALLY();
	{
		UnregisterSnapshot(snap);
	}
	PG_END_TRY();

	if (actor_lookups_valid && gen == actor_inval_generation)
	{
		bool		found;

		if (hash_get_num_entries(actor_lookups) >= ACTOR_LOOKUP_MAX)
		{
			actor_lookups_valid = false;	/* the next look-up starts afresh */
			return ans;
		}
		e = hash_search(actor_lookups, &key, HASH_ENTER, &found);
		*e = ans;
	}
	return ans;
}

/* Whether role userid is delegated in the organisation, and whether person is an active person of it. */
static void
actor_check(int64 org, Oid userid, int64 person, bool *delegated, bool *active)
{
	if (actor_cache_ready())
	{
		ActorLookup a = actor_lookup(ACTOR_DECLARED, org, userid, person);

		*delegated = a.a;
		*active = a.b;
	}
	else
		actor_check_query(org, userid, person, delegated, active, NULL);
}

/* The active person of the organisation whose db_role is the role userid. */
static bool
actor_role_person(int64 org, Oid userid, int64 *person)
{
	if (actor_cache_ready())
	{
		ActorLookup a = actor_lookup(ACTOR_ROLE_PERSON, org, userid, 0);

		if (a.a)
			*person = a.person;
		return a.a;
	}
	return actor_role_person_query(org, userid, person, NULL);
}

/* The latest declaration for the organisation, or NULL. */
static const ActorDecl *
actor_declared(int64 org)
{
	int			i;

	for (i = actor_ndecl - 1; i >= 0; i--)
		if (actor_decl[i].org == org)
			return &actor_decl[i];
	return NULL;
}

/* The acting person, decided from the declarations and the look-ups. */
static bool
actor_decide(int64 org_id, Oid userid, int64 *person)
{
	const ActorDecl *d = actor_declared(org_id);

	if (d != NULL && d->userid == userid)
	{
		bool		delegated,
					active;

		actor_check(org_id, userid, d->person, &delegated, &active);
		if (delegated && active)
		{
			*person = d->person;
			return true;
		}
	}
	else if (d == NULL && actor_acting_for != NULL && actor_acting_for[0] != '\0')
	{
		int64		carried;
		char	   *role;
		bool		delegated,
					active;

		/* A declaration of the coordinator, checked here as act_as() checked it there. */
		if (actor_carried(org_id, &carried, &role) &&
			strcmp(role, GetUserNameFromId(userid, false)) == 0 &&
			iso28000_citus_remote_transaction())
		{
			actor_check(org_id, userid, carried, &delegated, &active);
			if (delegated && active)
			{
				*person = carried;
				return true;
			}
		}
	}
	return actor_role_person(org_id, userid, person);
}

/* See actor.h. */
bool
iso28000_acting_person(int64 org_id, int64 *person_id)
{
	Oid			userid = GetUserId();
	LocalTransactionId lxid;
	CommandId	cid;
	bool		found;
	int64		person = 0;

	/* With the cache: decided at every call, from memory while nothing changed. */
	if (actor_cache_ready())
	{
		found = actor_decide(org_id, userid, &person);
		*person_id = person;
		return found;
	}

	/* Without (parallel mode, Citus): once per statement. */
	lxid = actor_local_xid();
	cid = GetCurrentCommandId(false);
	if (actor_cache.valid && actor_cache.lxid == lxid && actor_cache.cid == cid &&
		actor_cache.userid == userid && actor_cache.org == org_id &&
		actor_cache.generation == actor_generation)
	{
		*person_id = actor_cache.person;
		return actor_cache.found;
	}
	found = actor_decide(org_id, userid, &person);

	actor_cache.valid = true;
	actor_cache.lxid = lxid;
	actor_cache.cid = cid;
	actor_cache.userid = userid;
	actor_cache.org = org_id;
	actor_cache.generation = actor_generation;
	actor_cache.found = found;
	actor_cache.person = person;
	*person_id = person;
	return found;
}

PG_FUNCTION_INFO_V1(iso28000_identity_changed);
/* Statement trigger on person and delegation: every session drops its acting-person look-ups. */
Datum
iso28000_identity_changed(PG_FUNCTION_ARGS)
{
	return iso28000_invalidate_changed_table(fcinfo, "identity_changed");
}

/*
 * On a node with Citus: the declarations in force, one per organisation, set
 * in iso28000.acting_for with SET LOCAL, which Citus (with
 * citus.propagate_set_commands = local, set here for that one command)
 * sends to the workers the transaction already uses and to those it begins
 * later, inside the transaction, and takes back with a rolled-back savepoint
 * as PostgreSQL does.  The workers' triggers then find the person (see
 * actor_decide()).  Runs the SET through SPI so that it passes Citus's
 * utility hook.
 */
static void
actor_carry(void)
{
	StringInfoData v;
	int			i,
				j;
	int			level;
	int			rc;

	/* the setting first: without Citus no catalog scan at every act_as() */
	if (!iso28000_citus_loaded() || !OidIsValid(get_extension_oid("citus", true)))
		return;
	initStringInfo(&v);
	for (i = actor_ndecl - 1; i >= 0; i--)
	{
		for (j = actor_ndecl - 1; j > i; j--)
			if (actor_decl[j].org == actor_decl[i].org)
				break;
		if (j > i)
			continue;			/* a later declaration of this organisation counts */
		appendStringInfo(&v, "%s" INT64_FORMAT ":" INT64_FORMAT ":%s", v.len > 0 ? "," : "",
						 actor_decl[i].org, actor_decl[i].person,
						 quote_identifier(GetUserNameFromId(actor_decl[i].userid, false)));
	}
	level = NewGUCNestLevel();
	(void) set_config_option("citus.propagate_set_commands", "local", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute(psprintf("SET LOCAL iso28000.acting_for = %s", quote_literal_cstr(v.data)), false, 0);
	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "setting iso28000.acting_for failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	AtEOXact_GUC(true, level);
	actor_carry_subxid = GetCurrentSubTransactionId();
	actor_recarry = false;
}

/* Sets iso28000.acting_for again before a query, after a released savepoint had set it. */
static void
actor_executor_start(QueryDesc *qd, int eflags)
{
	if (actor_recarry && !IsParallelWorker() && IsTransactionState())
	{
		actor_recarry = false;
		actor_carry();
	}
	if (actor_prev_executor_start)
		actor_prev_executor_start(qd, eflags);
	else
		standard_ExecutorStart(qd, eflags);
}

PG_FUNCTION_INFO_V1(iso28000_act_as);
/* act_as(org, person): the current transaction acts for the person, if the current role is delegated. */
Datum
iso28000_act_as(PG_FUNCTION_ARGS)
{
	Oid			userid = GetUserId();
	SubTransactionId subxid = GetCurrentSubTransactionId();
	int64		org;
	int64		person;
	bool		delegated,
				active;
	int			i;

	if (IsParallelWorker())
		elog(ERROR, "iso28000.act_as() cannot run in a parallel worker");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_NOT_A_PERSON),
				 errmsg("act_as needs an organisation and a person"),
				 errdetail("A delegated role acts for one person of one organisation at a time."),
				 errhint("Call iso28000.act_as(org_id, person_id)."),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
				 err_generic_string(PG_DIAG_TABLE_NAME, "person"),
				 err_generic_string(PG_DIAG_COLUMN_NAME, PG_ARGISNULL(0) ? "org_id" : "person_id")));
	org = PG_GETARG_INT64(0);
	person = PG_GETARG_INT64(1);

	actor_check(org, userid, person, &delegated, &active);
	if (!delegated)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_NOT_DELEGATED),
				 errmsg("role \"%s\" may not act for the people of organisation %lld",
						GetUserNameFromId(userid, false), (long long) org),
				 errdetail("No delegation of organisation %lld names the role or a role whose privileges it has.",
						   (long long) org),
				 errhint("A manager of the organisation delegates with iso28000.grant_delegation(org, role)."),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
				 err_generic_string(PG_DIAG_TABLE_NAME, "delegation")));
	if (!active)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_NOT_A_PERSON),
				 errmsg("person %lld is not an active person of organisation %lld",
						(long long) person, (long long) org),
				 errdetail("A delegated role acts only for the active people of the organisation that delegated it."),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
				 err_generic_string(PG_DIAG_TABLE_NAME, "person"),
				 err_generic_string(PG_DIAG_COLUMN_NAME, "person_id")));

	if (!actor_callbacks_registered)
	{
		RegisterXactCallback(actor_xact_callback, NULL);
		RegisterSubXactCallback(actor_subxact_callback, NULL);
		actor_prev_executor_start = ExecutorStart_hook;
		ExecutorStart_hook = actor_executor_start;
		actor_callbacks_registered = true;
	}

	/* A new declaration in the same savepoint replaces the earlier one. */
	for (i = actor_ndecl - 1; i >= 0; i--)
		if (actor_decl[i].org == org && actor_decl[i].subxid == subxid)
			break;
	if (i < 0)
	{
		if (actor_ndecl >= ACTOR_MAX_DECL)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many act_as declarations in one transaction (at most %d)", ACTOR_MAX_DECL)));
		i = actor_ndecl++;
	}
	actor_decl[i].org = org;
	actor_decl[i].person = person;
	actor_decl[i].userid = userid;
	actor_decl[i].subxid = subxid;
	actor_generation++;
	actor_cache.valid = false;
	actor_carry();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(iso28000_acting_person_sql);
/* acting_person(org): the acting person of the current transaction in the organisation, or NULL. */
Datum
iso28000_acting_person_sql(PG_FUNCTION_ARGS)
{
	int64		person;

	if (IsParallelWorker())
		elog(ERROR, "iso28000.acting_person() cannot run in a parallel worker");
	if (!iso28000_acting_person(PG_GETARG_INT64(0), &person))
		PG_RETURN_NULL();
	PG_RETURN_INT64(person);
}
