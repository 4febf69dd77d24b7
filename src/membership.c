/*
 * membership.c
 *		The organisations a role may read, write, audit or manage, decided
 *		from a per-backend cache: the one membership rule of the extension.
 *
 * Why C and a cache.  Every row-level security policy, every API function
 * and the workflow engine ask "may this role act at this level in this
 * organisation?".  Asked in SQL (0.1.0: a SECURITY DEFINER SQL function,
 * wrapped in a sub-select so that it ran once per statement), the question
 * cost about 0.7 ms per single-row UPDATE, because the function was planned
 * again in every transaction, and the sub-select is what Citus refuses in a
 * policy.  Here it is a hash look-up and a binary search.
 *
 * The rule (the same as _role_orgs() of 0.1.0, which the engine applied in
 * its own query): role r has at least level L in organisation o when
 *	- the session user is a member of r (pg_has_role(session_user, r,
 *	  'MEMBER')): nobody learns or uses the memberships of a role they could
 *	  not become, so a SECURITY DEFINER function owned by another role answers
 *	  for that owner only if the session could become it; and
 *	- iso28000.membership has a row (o, m, l) with rank(l) >= rank(L) in
 *	  iso28000.access_level, for a role m whose privileges r has
 *	  (pg_has_role(r, m, 'USAGE'): r itself, a group it inherits from, or
 *	  any role when r is a superuser).
 *
 * What is cached, per backend, in one memory context per generation:
 *	- the levels (name, rank) and every membership row, grouped by member
 *	  role, read by a heap scan (no SPI, no planning, no row-level security,
 *	  no user-defined operator: nothing the caller can shape runs here);
 *	- per (role asked about, session user), the sorted organisations with the
 *	  highest rank the role reaches in each, computed on first use with
 *	  PostgreSQL's own has_privs_of_role() and is_member_of_role(), which
 *	  keep their own caches of the role graph.
 * The role asked about is always passed in (GetUserId() for the SQL
 * functions), so SET ROLE, SET LOCAL ROLE and SECURITY DEFINER functions
 * each get the answer for the role they run as, never another's.
 *
 * When it is dropped.  The callbacks only mark the cache stale; the next
 * look-up rebuilds it (so a callback run in the middle of a build, which a
 * lock or catalog look-up may trigger, never frees memory in use, and the
 * build starts again when one did).
 *	- iso28000.membership or iso28000.access_level changed: their statement
 *	  trigger iso28000.membership_changed() sends a relcache invalidation of
 *	  the table.  PostgreSQL delivers it transactionally: to this backend at
 *	  the next command of the transaction (and again when the transaction or a
 *	  savepoint rolls back), to every other backend once the transaction
 *	  commits.
 *	- roles or role membership changed (pg_authid, pg_auth_members): syscache
 *	  callbacks, the same events that acl.c's own role cache listens to.
 *	- every look-up first processes pending invalidations
 *	  (AcceptInvalidationMessages: one unlocked read when there are none), so
 *	  a revoke committed elsewhere counts from this backend's next statement,
 *	  even inside a transaction that already holds its locks.
 * The rows are read with a fresh snapshot, like the catalogs: the latest
 * committed membership plus the transaction's own earlier commands, also in a
 * REPEATABLE READ transaction.  In parallel mode no new snapshot may be taken;
 * the statement's snapshot is used and the cache is kept for that transaction
 * only.
 *
 * Distribution (Citus): the policies call these functions on the node that
 * runs the shard query; mb_membership_relid() is the one place that says
 * which relation holds the membership rows on this node.
 */
#include "iso28000_compat.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "iso28000_errcodes.h"
#include "actor.h"
#include "citus_compat.h"
#include "membership.h"

/* One organisation at a rank. */
typedef struct MbGrant
{
	int64		org;
	int16		rank;
} MbGrant;

/* The membership rows of one member role. */
typedef struct MbMember
{
	Oid			member;			/* hash key */
	int			n;
	int			cap;
	MbGrant    *grants;
} MbMember;

/* Key of a role's answer: the role asked about and the session user. */
typedef struct MbRoleKey
{
	Oid			role;
	Oid			session;
} MbRoleKey;

/* A role's organisations, sorted by org, each with the highest rank reached. */
typedef struct MbRole
{
	MbRoleKey	key;			/* hash key */
	int			n;
	MbGrant    *orgs;
} MbRole;

/* An access level. */
typedef struct MbLevel
{
	char		name[NAMEDATALEN];
	size_t		len;			/* strlen(name): compared first */
	int16		rank;
} MbLevel;

/* The cache: everything below lives in mb_context, one generation at a time. */
static MemoryContext mb_context = NULL;
static HTAB *mb_members = NULL;
static HTAB *mb_roles = NULL;
static MbLevel *mb_levels = NULL;
static int	mb_nlevels = 0;
static MbRole *mb_last = NULL;	/* the last answer, for the common case */
static bool mb_valid = false;
static uint64 mb_generation = 0;	/* bumped by every invalidation */
static LocalTransactionId mb_transient_lxid = InvalidLocalTransactionId;
static Oid	mb_membership_relid = InvalidOid;
static Oid	mb_level_relid = InvalidOid;
static bool mb_callbacks_registered = false;

/* The local transaction id of this backend, across PostgreSQL versions. */
static inline LocalTransactionId
mb_local_xid(void)
{
#if PG_VERSION_NUM >= 170000
	return MyProc->vxid.lxid;
#else
	return MyProc->lxid;
#endif
}

/* Marks the cache stale (never frees: a build may be running). */
static inline void
mb_invalidate(void)
{
	mb_valid = false;
	mb_generation++;
}

/* Relcache callback: membership or the levels changed (or everything did). */
static void
mb_relcache_callback(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == mb_membership_relid || relid == mb_level_relid)
		mb_invalidate();
	actor_relcache_invalidate(relid);	/* one callback slot for both (engines.c) */
}

/* Syscache callback: a role or a role membership changed. */
static void
mb_syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	mb_invalidate();
	actor_relcache_invalidate(InvalidOid);
}

/*
 * Registers the callbacks of the membership cache and of the acting person's
 * (actor.c), once per backend.
 */
void
membership_register_callbacks(void)
{
	if (!mb_callbacks_registered)
	{
		CacheRegisterRelcacheCallback(mb_relcache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, mb_syscache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHOID, mb_syscache_callback, (Datum) 0);
		mb_callbacks_registered = true;
	}
}

/* A relation of schema iso28000, by name. */
static Oid
mb_relid(const char *name)
{
	Oid			nsp = get_namespace_oid("iso28000", true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;

	if (!OidIsValid(relid))
		elog(ERROR, "iso28000.%s does not exist", name);
	return relid;
}

/* The relation that holds the membership rows on this node. */
static Oid
mb_membership_relid_lookup(void)
{
	/* On Citus: the reference table's placement on this node (citus_compat.c). */
	return iso28000_local_placement(mb_relid("membership"));
}

/* Column number of a column that must exist and have the type. */
static AttrNumber
mb_attnum(Relation rel, const char *name, Oid type)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
		{
			if (att->atttypid != type)
				elog(ERROR, "column %s of %s has type %s, expected %s", name,
					 RelationGetRelationName(rel), format_type_be(att->atttypid), format_type_be(type));
			return att->attnum;
		}
	}
	elog(ERROR, "column %s of %s does not exist", name, RelationGetRelationName(rel));
	return InvalidAttrNumber;	/* keep compiler quiet */
}

/* The rank of a level name in the cache, or false when there is no such level. */
static bool
mb_rank(const char *name, size_t len, int16 *rank)
{
	int			i;

	for (i = 0; i < mb_nlevels; i++)
		if (mb_levels[i].len == len && memcmp(mb_levels[i].name, name, len) == 0)
		{
			*rank = mb_levels[i].rank;
			return true;
		}
	return false;
}

/* Reads the levels and the membership rows into the current memory context. */
static void
mb_load(Snapshot snap)
{
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	a_level,
				a_rank,
				a_org,
				a_member,
				a_mlevel;
	HASHCTL		ctl;
	int			cap = 4;

	/* access_level (level text, rank smallint) */
	rel = table_open(mb_level_relid, AccessShareLock);
	a_level = mb_attnum(rel, "level", TEXTOID);
	a_rank = mb_attnum(rel, "rank", INT2OID);
	mb_levels = palloc(cap * sizeof(MbLevel));
	mb_nlevels = 0;
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, snap, 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull_l,
					isnull_r;
		Datum		l = slot_getattr(slot, a_level, &isnull_l);
		Datum		r = slot_getattr(slot, a_rank, &isnull_r);
		char	   *name;

		if (isnull_l || isnull_r)
			continue;
		name = TextDatumGetCString(l);
		if (strlen(name) >= NAMEDATALEN)
			continue;			/* no level name this long can be asked for */
		if (mb_nlevels == cap)
		{
			cap *= 2;
			mb_levels = repalloc(mb_levels, cap * sizeof(MbLevel));
		}
		strlcpy(mb_levels[mb_nlevels].name, name, NAMEDATALEN);
		mb_levels[mb_nlevels].len = strlen(name);
		mb_levels[mb_nlevels].rank = DatumGetInt16(r);
		mb_nlevels++;
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);

	/* membership (org_id bigint, member regrole, level text), by member */
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(MbMember);
	ctl.hcxt = CurrentMemoryContext;
	mb_members = hash_create("iso28000 membership by member", 64, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	rel = table_open(mb_membership_relid, AccessShareLock);
	a_org = mb_attnum(rel, "org_id", INT8OID);
	a_member = mb_attnum(rel, "member", REGROLEOID);
	a_mlevel = mb_attnum(rel, "level", TEXTOID);
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, snap, 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		n1,
					n2,
					n3,
					found;
		Datum		org = slot_getattr(slot, a_org, &n1);
		Datum		member = slot_getattr(slot, a_member, &n2);
		Datum		level = slot_getattr(slot, a_mlevel, &n3);
		text	   *lt;
		int16		rank;
		MbMember   *m;

		if (n1 || n2 || n3)
			continue;
		lt = DatumGetTextPP(level);
		if (!mb_rank(VARDATA_ANY(lt), VARSIZE_ANY_EXHDR(lt), &rank))
			continue;			/* the foreign key to access_level forbids it */
		m = hash_search(mb_members, &member, HASH_ENTER, &found);
		if (!found)
		{
			m->n = 0;
			m->cap = 4;
			m->grants = palloc(m->cap * sizeof(MbGrant));
		}
		else if (m->n == m->cap)
		{
			m->cap *= 2;
			m->grants = repalloc(m->grants, m->cap * sizeof(MbGrant));
		}
		m->grants[m->n].org = DatumGetInt64(org);
		m->grants[m->n].rank = rank;
		m->n++;
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(MbRoleKey);
	ctl.entrysize = sizeof(MbRole);
	ctl.hcxt = CurrentMemoryContext;
	mb_roles = hash_create("iso28000 membership by role", 16, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Builds a new generation of the cache, again if it was invalidated meanwhile. */
static void
mb_build(void)
{
	membership_register_callbacks();
	for (;;)
	{
		uint64		gen = mb_generation;
		MemoryContext old;
		Snapshot	snap;
		bool		transient = IsInParallelMode();

		mb_valid = false;
		mb_last = NULL;
		mb_members = NULL;
		mb_roles = NULL;
		mb_levels = NULL;
		mb_nlevels = 0;
		if (mb_context == NULL)
			mb_context = AllocSetContextCreate(CacheMemoryContext, "iso28000 membership cache",
											   ALLOCSET_SMALL_SIZES);
		else
			MemoryContextReset(mb_context);

		mb_membership_relid = mb_membership_relid_lookup();
		mb_level_relid = iso28000_local_placement(mb_relid("access_level"));

		/*
		 * A fresh snapshot, like the catalogs; in parallel mode none may be
		 * taken, so the statement's is used and the result kept for this
		 * transaction only.
		 */
		if (transient && !ActiveSnapshotSet())
			elog(ERROR, "iso28000 membership: no snapshot to read membership in parallel mode");
		snap = RegisterSnapshot(transient ? GetActiveSnapshot() : GetLatestSnapshot());
		/* on error, error recovery restores the context and releases the snapshot */
		old = MemoryContextSwitchTo(mb_context);
		mb_load(snap);
		MemoryContextSwitchTo(old);
		UnregisterSnapshot(snap);

		mb_transient_lxid = transient ? mb_local_xid() : InvalidLocalTransactionId;
		if (gen == mb_generation)
		{
			mb_valid = true;
			return;
		}
	}
}

/* Orders grants by organisation, the highest rank first. */
static int
mb_grant_cmp(const void *a, const void *b)
{
	const MbGrant *x = a;
	const MbGrant *y = b;

	if (x->org != y->org)
		return x->org < y->org ? -1 : 1;
	return y->rank - x->rank;
}

/*
 * The organisations of role (as the session user may ask), from the cache,
 * built or completed as needed.  Processes pending invalidations first.
 * The answer stays valid until the next call into this file.
 */
static MbRole *
mb_role(Oid role)
{
	MbRoleKey	key;

	AcceptInvalidationMessages();
	memset(&key, 0, sizeof(key));
	key.role = role;
	key.session = GetSessionUserId();

	for (;;)
	{
		MbRole	   *r;
		uint64		gen;
		MbGrant    *all = NULL;
		int			n = 0,
					cap = 0,
					i,
					k;
		bool		found;

		if (!mb_valid ||
			(mb_transient_lxid != InvalidLocalTransactionId && mb_transient_lxid != mb_local_xid()))
			mb_build();
		if (mb_last != NULL && mb_last->key.role == key.role && mb_last->key.session == key.session)
			return mb_last;
		r = hash_search(mb_roles, &key, HASH_FIND, NULL);
		if (r != NULL)
			return mb_last = r;

		/*
		 * Compute the role's answer.  The role look-ups below may process
		 * invalidations; if one arrives, everything is built again.
		 */
		gen = mb_generation;
		if (is_member_of_role(key.session, key.role))
		{
			HASH_SEQ_STATUS seq;
			MbMember   *m;

			hash_seq_init(&seq, mb_members);
			while ((m = hash_seq_search(&seq)) != NULL)
			{
				if (!has_privs_of_role(key.role, m->member))
					continue;
				if (n + m->n > cap)
				{
					cap = Max(2 * cap, n + m->n);
					all = all ? repalloc(all, cap * sizeof(MbGrant)) : palloc(cap * sizeof(MbGrant));
				}
				memcpy(all + n, m->grants, m->n * sizeof(MbGrant));
				n += m->n;
			}
		}
		if (gen != mb_generation)
		{
			if (all)
				pfree(all);
			continue;
		}
		if (n > 1)
			qsort(all, n, sizeof(MbGrant), mb_grant_cmp);
		for (i = 0, k = 0; i < n; i++)
			if (k == 0 || all[k - 1].org != all[i].org)
				all[k++] = all[i];	/* the first of each org has its highest rank */

		r = hash_search(mb_roles, &key, HASH_ENTER, &found);
		r->n = k;
		r->orgs = MemoryContextAlloc(mb_context, Max(k, 1) * sizeof(MbGrant));
		if (k > 0)
			memcpy(r->orgs, all, k * sizeof(MbGrant));
		if (all)
			pfree(all);
		return mb_last = r;
	}
}

/* The highest rank of the role in the organisation, or false when it has none. */
static inline bool
mb_org_rank(MbRole *r, int64 org, int16 *rank)
{
	int			lo = 0,
				hi = r->n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (r->orgs[mid].org == org)
		{
			*rank = r->orgs[mid].rank;
			return true;
		}
		if (r->orgs[mid].org < org)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/* Whether the role has at least the level (name of len bytes) in the organisation. */
static bool
mb_has_level(Oid role, int64 org, const char *level, size_t len)
{
	MbRole	   *r = mb_role(role);
	int16		want,
				have;

	return mb_rank(level, len, &want) && mb_org_rank(r, org, &have) && have >= want;
}

/*
 * The organisations in which role has at least the level (name of len
 * bytes), sorted, in a palloc'd array (*orgs); their number, or -1 when there
 * is no such level.
 */
int
membership_orgs(Oid role, const char *level, size_t len, int64 **orgs)
{
	MbRole	   *r = mb_role(role);
	int16		want;
	int			i,
				n = 0;

	*orgs = NULL;
	if (!mb_rank(level, len, &want))
		return -1;
	*orgs = palloc(Max(r->n, 1) * sizeof(int64));
	for (i = 0; i < r->n; i++)
		if (r->orgs[i].rank >= want)
			(*orgs)[n++] = r->orgs[i].org;
	return n;
}

/*
 * The rank of a level name (len bytes), from the cache, and the relation
 * that holds the levels (a plan that relies on the ranks depends on it);
 * false when there is no such level.  Invalidations are not processed here:
 * the planner, its caller, has done so at the start of the statement.
 */
bool
membership_level_rank(const char *level, size_t len, int16 *rank, Oid *levels_relid)
{
	if (!mb_valid ||
		(mb_transient_lxid != InvalidLocalTransactionId && mb_transient_lxid != mb_local_xid()))
		mb_build();
	*levels_relid = mb_level_relid;
	return mb_rank(level, len, rank);
}

/* Whether role has at least the named level in the organisation (for the engines). */
bool
membership_has_level(Oid role, int64 org, const char *level)
{
	return mb_has_level(role, org, level, strlen(level));
}

/* The organisations in which role has at least the level, as a sorted bigint[]. */
static ArrayType *
mb_orgs_array(Oid role, text *level)
{
	MbRole	   *r = mb_role(role);
	int16		want;
	Datum	   *elems;
	int			i,
				n = 0;

	if (!mb_rank(VARDATA_ANY(level), VARSIZE_ANY_EXHDR(level), &want))
		return construct_empty_array(INT8OID);
	elems = palloc(Max(r->n, 1) * sizeof(Datum));
	for (i = 0; i < r->n; i++)
		if (r->orgs[i].rank >= want)
			elems[n++] = Int64GetDatum(r->orgs[i].org);
	if (n == 0)
		return construct_empty_array(INT8OID);
	return construct_array(elems, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * The last array a call site built, kept in its fn_extra: a policy in a
 * filter calls the function once per row, and copying the array is cheaper
 * than building it.
 */
typedef struct MbOrgsCache
{
	uint64		generation;
	Oid			role;
	Oid			session;
	int			levellen;
	char		level[NAMEDATALEN];
	ArrayType  *orgs;			/* in fn_mcxt */
} MbOrgsCache;

/* member_orgs() for role from the call site's copy when still valid. */
static Datum
mb_orgs_cached(FunctionCallInfo fcinfo, Oid role, text *level)
{
	MbOrgsCache *c = fcinfo->flinfo->fn_extra;
	ArrayType  *a;
	int			len = VARSIZE_ANY_EXHDR(level);

	AcceptInvalidationMessages();
	if (c != NULL && mb_valid && c->generation == mb_generation &&
		c->role == role && c->session == GetSessionUserId() &&
		c->levellen == len && memcmp(c->level, VARDATA_ANY(level), len) == 0 &&
		(mb_transient_lxid == InvalidLocalTransactionId || mb_transient_lxid == mb_local_xid()))
		a = c->orgs;
	else
	{
		ArrayType  *fresh = mb_orgs_array(role, level);	/* validates the cache */

		if (len >= NAMEDATALEN)
			return PointerGetDatum(fresh);	/* no such level; not worth keeping */
		if (c == NULL)
			c = fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(MbOrgsCache));
		else if (c->orgs != NULL)
			pfree(c->orgs);
		c->orgs = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE(fresh));
		memcpy(c->orgs, fresh, VARSIZE(fresh));
		c->generation = mb_generation;
		c->role = role;
		c->session = GetSessionUserId();
		c->levellen = len;
		memcpy(c->level, VARDATA_ANY(level), len);
		return PointerGetDatum(fresh);
	}
	return PointerGetDatum(memcpy(palloc(VARSIZE(a)), a, VARSIZE(a)));
}

PG_FUNCTION_INFO_V1(iso28000_member_orgs);
/* member_orgs(level) and policy_orgs(level): the organisations where the current role has at least the level. */
Datum
iso28000_member_orgs(PG_FUNCTION_ARGS)
{
	return mb_orgs_cached(fcinfo, GetUserId(), PG_GETARG_TEXT_PP(0));
}

PG_FUNCTION_INFO_V1(iso28000_role_orgs);
/* _role_orgs(role, level): the same for a role the session user can become, else empty. */
Datum
iso28000_role_orgs(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(mb_orgs_array(PG_GETARG_OID(0), PG_GETARG_TEXT_PP(1)));
}

PG_FUNCTION_INFO_V1(iso28000_has_level);
/* has_level(org, level): whether the current role has at least the level in the organisation. */
Datum
iso28000_has_level(PG_FUNCTION_ARGS)
{
	text	   *level = PG_GETARG_TEXT_PP(1);

	PG_RETURN_BOOL(mb_has_level(GetUserId(), PG_GETARG_INT64(0),
								VARDATA_ANY(level), VARSIZE_ANY_EXHDR(level)));
}

PG_FUNCTION_INFO_V1(iso28000_policy_has_level);
/*
 * policy_has_level(org, level): has_level() in the form the row-level
 * security policies call (no SET clause; its planner support is in
 * membership_planner.c).
 */
Datum
iso28000_policy_has_level(PG_FUNCTION_ARGS)
{
	text	   *level = PG_GETARG_TEXT_PP(1);

	PG_RETURN_BOOL(mb_has_level(GetUserId(), PG_GETARG_INT64(0),
								VARDATA_ANY(level), VARSIZE_ANY_EXHDR(level)));
}

PG_FUNCTION_INFO_V1(iso28000_require_level);
/* require_level(org, level): raises IS001 unless the current role has the level. */
Datum
iso28000_require_level(PG_FUNCTION_ARGS)
{
	text	   *level = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	Oid			role = GetUserId();

	if (PG_ARGISNULL(0) || level == NULL ||
		!mb_has_level(role, PG_GETARG_INT64(0), VARDATA_ANY(level), VARSIZE_ANY_EXHDR(level)))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_ACCESS_DENIED),
				 errmsg("role \"%s\" does not have %s access to organisation %s",
						GetUserNameFromId(role, false),
						level ? text_to_cstring(level) : "<NULL>",
						PG_ARGISNULL(0) ? "<NULL>" : psprintf(INT64_FORMAT, PG_GETARG_INT64(0))),
				 errdetail("Levels rise from read to write, audit and manage; the action needs at least the level named."),
				 errhint("A manager of the organisation grants access with iso28000.grant_access()."),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
				 err_generic_string(PG_DIAG_TABLE_NAME, "membership"),
				 err_generic_string(PG_DIAG_COLUMN_NAME, "level")));
	PG_RETURN_VOID();
}

/*
 * The body of the statement triggers that drop the per-backend caches
 * (membership_changed() here, identity_changed() in actor.c): a relcache
 * invalidation of the changed table, which this backend processes at its
 * next command and every other backend when the transaction commits; the
 * callbacks registered on that table drop the cache.
 */
Datum
iso28000_invalidate_changed_table(FunctionCallInfo fcinfo, const char *fname)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		elog(ERROR, "iso28000.%s() must be called as a statement trigger", fname);
	CacheInvalidateRelcache(td->tg_relation);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(iso28000_membership_changed);
/* Statement trigger on membership and access_level: every session drops its membership cache. */
Datum
iso28000_membership_changed(PG_FUNCTION_ARGS)
{
	return iso28000_invalidate_changed_table(fcinfo, "membership_changed");
}
