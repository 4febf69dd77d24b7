/*
 * notification_store.c
 *		Writing a register statement's notifications into the outbox without
 *		the executor (notification_store.h).
 *
 * notify_register_change() (src/notification.c) wrote each statement's
 * notifications with an SPI INSERT of iso28000.notification.  Profiled on a
 * single-row transition of the real register (perf, one backend), that
 * INSERT spent its time starting and ending an executor (a fifth), parsing
 * the outbox's CHECK constraints and index predicates again for every
 * statement (stringToNode and the expression planner: another fifth), and
 * in the foreign key's RI trigger, an SPI query per row that takes FOR KEY
 * SHARE on the organisation (a fifth); the row itself (heap, indexes, the
 * identity sequence, the stamp) was the smallest part.
 *
 * What the executor did for that INSERT and what stands in for it here:
 *
 * - privileges: INSERT on the outbox for the current user
 *   (pg_class_aclcheck, kept per role: ns_privileges()); without the
 *   table-level grant, the executor path;
 * - notification_id: the identity's sequence, nextval_internal() without a
 *   permission check, row by row in the order written, as the executor's
 *   NextValueExpr does; no other column may have a default (item, due_on
 *   had none: they stay NULL);
 * - the BEFORE ROW trigger notification_stamp: the same function body
 *   (notification_stamp_insert(), src/notification.c);
 * - NOT NULL and CHECK constraints: every one of the table's, the CHECK
 *   expressions planned once per backend and evaluated on each row as
 *   ExecConstraints() does (NULL passes);
 * - row-level security: when check_enable_rls() says the policies apply to
 *   the current user, the WITH CHECK expressions of the outbox's INSERT
 *   policies, planned once per backend, evaluated on each row as
 *   ExecWithCheckOptions() does (the permissive ones ORed, the restrictive
 *   ones each; NULL fails); only policies for PUBLIC without sub-queries;
 * - indexes: an entry in each (partial ones when their predicate holds,
 *   expression ones with their expressions), unique ones checked, as
 *   ExecInsertIndexTuples() does; deferrable unique and exclusion
 *   constraints are left to the executor;
 * - the foreign key org_id -> organization: not checked, and the
 *   organisation's row not locked, because the register row whose change
 *   gave the notification implies it.  That row carries the same org_id and
 *   has its own foreign key to the same organisation row, validated, not
 *   deferrable, its check triggers enabled (checked for every statement on
 *   the register: nt_register_implies_fk()).  After an INSERT of the
 *   register that key was checked, and the organisation locked FOR KEY
 *   SHARE in this transaction, by the register's RI trigger, which fires
 *   before this AFTER STATEMENT trigger.  After an UPDATE (org_id never
 *   changes on a register) the old version of the row, committed and
 *   referencing the organisation, is what a concurrent DELETE or key change
 *   of the organisation finds through the register's own foreign key: its
 *   check waits for this transaction (it locks the row's updated version
 *   too), after which the outbox's own foreign key sees our committed
 *   notification and refuses (test/specs/notification_direct_fk.spec); the
 *   organisation outlives the notification as it would with the lock;
 * - the AFTER STATEMENT trigger notification_announce: Async_Notify of each
 *   id, in the order of the ids, unless iso28000.notify_announce is off;
 * - the command counter advanced before the rows are written, as SPI does.
 *
 * It applies only where nothing else is there: the outbox a plain table, no
 * rule, no trigger on INSERT but its own two (enabled) and its foreign key's,
 * no foreign key but org_id -> organization, no generated column, columns of
 * the types written, valid and ready indexes, no Citus, no row-security hooks,
 * not in session_replication_role replica.  Anything else, or any row that
 * fails a check, and nothing is written here: the statement goes through the
 * executor as before (SPI, src/notification.c), which writes it or refuses it
 * with the executor's own error.  The setting iso28000.notify_direct = off (a
 * superuser's) sends every statement through the executor.
 *
 * The outbox's description is kept per backend and dropped when the outbox's
 * relcache entry (CREATE TRIGGER, CREATE INDEX, ALTER TABLE, CREATE POLICY
 * ...) or any function (the expressions call policy_orgs()) is invalidated;
 * it is rebuilt under the outbox's lock.  No function is looked up by name:
 * the outbox and the organisation are found in schema iso28000 by catalog
 * look-ups, the expressions are the catalog's own.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rowsecurity.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include "notification.h"
#include "engines.h"
#include "notification_store.h"

/* iso28000.notify_direct: on (the default) writes through this file where it applies. */
static bool nt_direct = true;

/* Columns written, in the order of the register trigger's rows (NT_COLUMNS), then the stamps. */
static const char *const ns_colnames[NS_NCOLS + NS_NSTAMPS] = {
	"org_id", "kind", "recipient_id", "register", "record_id", "record_code", "record_title",
	"subject", "reason", "from_state", "to_state",
	"actor", "actor_person", "created_at", "delivered_at", "delivered_by"
};
static const Oid ns_coltypes[NS_NCOLS + NS_NSTAMPS] = {
	INT8OID, TEXTOID, INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	NAMEOID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, NAMEOID
};

typedef struct NsIndex
{
	Oid			oid;
	IndexInfo  *info;			/* with its expression and predicate states */
	bool		unique;
} NsIndex;

/* What is known of the outbox, kept until invalidated (see the head comment). */
static struct
{
	bool		valid;
	bool		usable;
	const char *why;			/* when not usable: why (a constant string, or in cxt) */
	MemoryContext cxt;
	Oid			relid;
	Oid			orgrel;			/* iso28000.organization */
	AttrNumber	orgkey;			/* its org_id */
	int			natts;
	AttrNumber	att[NS_NCOLS + NS_NSTAMPS];
	AttrNumber	id_att;
	Oid			id_seq;
	int			nchecks;
	ExprState **checks;
	bool		has_permissive;
	ExprState  *permissive;
	int			nrestrictive;
	ExprState **restrictive;
	int			nidx;
	NsIndex    *idx;
	/* kept for the statements of one backend, in cxt (see notification_store_write()) */
	TupleDesc	slot_desc;		/* a copy (not reference-counted) of the outbox's */
	TupleTableSlot *slot;
	ExprContext *econtext;
	bool		in_use;			/* by the write in progress of transaction in_use_lxid */
	LocalTransactionId in_use_lxid;
}			ns;

/*
 * The last register whose own foreign key was found to imply the outbox's
 * (ns_register_implies_fk()): asked again only after the register's relcache
 * entry, or the outbox's description, is invalidated (the key, its
 * validation, deferrability and check triggers are all in the register's
 * relcache entry; session_replication_role replica never gets this far).
 */
static Oid	ns_fk_relid = InvalidOid;
static AttrNumber ns_fk_att = InvalidAttrNumber;

static bool ns_callbacks = false;

/*
 * The current user's table-level INSERT on the outbox and what
 * check_enable_rls() answers for it there, kept for that user (ns_priv_user)
 * until the outbox's description is dropped (its relcache entry: a GRANT,
 * REVOKE, owner change or ALTER TABLE ... ROW LEVEL SECURITY changes pg_class)
 * or a role or role membership changes (pg_authid: superuser, BYPASSRLS;
 * pg_auth_members: a grant through a role, ownership through a role): both
 * answers read nothing else but the setting row_security, read again at every
 * statement, and InNoForceRLSOperation(), under which the cache is not used.
 * Asked per statement they cost about 1,700 instructions of a transition.
 */
static Oid	ns_priv_user = InvalidOid;
static bool ns_priv_insert;
static int	ns_priv_rls;
static uint64 ns_priv_gen = 0;	/* advanced by every invalidation of them */

/* The local id of this backend's transaction. */
static inline LocalTransactionId
ns_lxid(void)
{
#if PG_VERSION_NUM >= 170000
	return MyProc->vxid.lxid;
#else
	return MyProc->lxid;
#endif
}

/*
 * Whether the kept slot and expression context are in use by a write in
 * progress (a write inside another one).  A write that failed left in_use
 * set in a transaction since ended (or rolled back to a savepoint: then the
 * rest of that transaction makes its own, as a write inside another does).
 */
static inline bool
ns_kept_busy(void)
{
	return ns.in_use && ns.in_use_lxid == ns_lxid();
}

/*
 * Called from the engines' relcache callback (engines.c): a backend has only
 * ten relcache callback slots, Citus takes several, and one more callback
 * of this library made every backend of a Citus node fail with "out of
 * relcache_callback_list slots".
 */
void
notification_store_invalidate(Oid relid)
{
	notification_registers_invalidate(relid);
	if (!OidIsValid(relid) || relid == ns_fk_relid)
		ns_fk_relid = InvalidOid;
	if (!OidIsValid(relid) || relid == ns.relid)
	{
		ns.valid = false;
		ns_priv_user = InvalidOid;
		ns_priv_gen++;
	}
	else
		for (int i = 0; i < ns.nidx; i++)
			if (ns.idx[i].oid == relid)
				ns.valid = false;
}

static void
ns_syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	ns.valid = false;
	ns_fk_relid = InvalidOid;
	ns_priv_user = InvalidOid;
	ns_priv_gen++;
}

/* A role or a role's membership changed: the kept privilege answers go. */
static void
ns_role_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	ns_priv_user = InvalidOid;
	ns_priv_gen++;
}

/* See notification_store.h. */
void
notification_store_define_guc(void)
{
	DefineCustomBoolVariable("iso28000.notify_direct",
							 "Whether the notification outbox is written without the executor where that is equivalent.",
							 "on: a register statement's notifications are written directly when the outbox "
							 "carries nothing but its own triggers, constraints, policies and foreign key; "
							 "off: always through an INSERT (the executor).",
							 &nt_direct, true, PGC_SUSET, 0, NULL, NULL, NULL);
}

/* The OID of a relation of schema iso28000, or InvalidOid. */
static Oid
ns_relid(const char *name)
{
	Oid			nsp = get_namespace_oid("iso28000", true);

	return OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
}

/* Whether a trigger is enabled in this session (session_replication_role is checked by the caller). */
static bool
ns_trigger_on(const Trigger *t)
{
	return t->tgenabled == TRIGGER_FIRES_ON_ORIGIN || t->tgenabled == TRIGGER_FIRES_ALWAYS;
}

/* An expression of the catalog (varno 1: the row), planned and made evaluable, in ns.cxt. */
static ExprState *
ns_expr(Expr *e, bool qual)
{
	e = expression_planner(e);
	return qual ? ExecInitQual(list_make1(e), NULL) : ExecInitExpr(e, NULL);
}

/* Decides whether the outbox (open and locked) can be written here, and prepares it. */
static const char *
ns_build(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TriggerDesc *td = rel->trigdesc;
	bool		stamp = false,
				announce = false;
	List	   *fks;
	ListCell   *lc;
	List	   *indexes;
	List	   *perm = NIL;
	AttrNumber	org_att;

	ns.relid = RelationGetRelid(rel);
	ns.natts = desc->natts;
	if (rel->rd_rel->relkind != RELKIND_RELATION)
		return "the outbox is not a plain table";
	if (rel->rd_rel->relhasrules)
		return "the outbox has a rule";
	if (OidIsValid(get_extension_oid("citus", true)))
		return "Citus is installed (the outbox may be distributed)";

	/* Columns: those written, of the types written; the id from its identity; no other default. */
	for (int c = 0; c < NS_NCOLS + NS_NSTAMPS; c++)
	{
		AttrNumber	a = get_attnum(ns.relid, ns_colnames[c]);

		if (a <= 0 || TupleDescAttr(desc, a - 1)->atttypid != ns_coltypes[c])
			return psprintf("column %s is missing or of another type", ns_colnames[c]);
		ns.att[c] = a;
	}
	ns.id_att = get_attnum(ns.relid, "notification_id");
	if (ns.id_att <= 0 || TupleDescAttr(desc, ns.id_att - 1)->atttypid != INT8OID ||
		TupleDescAttr(desc, ns.id_att - 1)->attidentity == '\0')
		return "notification_id is not a bigint identity";
#if PG_VERSION_NUM >= 170000
	ns.id_seq = getIdentitySequence(rel, ns.id_att, true);
#else
	ns.id_seq = getIdentitySequence(ns.relid, ns.id_att, true);
#endif
	if (!OidIsValid(ns.id_seq))
		return "notification_id has no sequence";
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		written = (att->attnum == ns.id_att);

		if (att->attisdropped)
			continue;
		if (att->attgenerated)
			return psprintf("column %s is generated", NameStr(att->attname));
		for (int c = 0; c < NS_NCOLS + NS_NSTAMPS; c++)
			written |= (att->attnum == ns.att[c]);
		if (!written && (att->atthasdef || att->attidentity))
			return psprintf("column %s has a default", NameStr(att->attname));
	}

	/* Triggers that fire on INSERT: its own two, and its foreign key's checks. */
	for (int i = 0; td != NULL && i < td->numtriggers; i++)
	{
		Trigger    *t = &td->triggers[i];
		FmgrInfo	fi;

		if (!TRIGGER_FOR_INSERT(t->tgtype) || t->tgenabled == TRIGGER_DISABLED)
			continue;
		if (t->tgisinternal && (t->tgfoid == F_RI_FKEY_CHECK_INS || t->tgfoid == F_RI_FKEY_CHECK_UPD))
			continue;			/* the foreign keys: below */
		fmgr_info_cxt(t->tgfoid, &fi, CurrentMemoryContext);
		if (fi.fn_addr == iso28000_notification_stamp && !stamp && ns_trigger_on(t) &&
			TRIGGER_FOR_ROW(t->tgtype) && TRIGGER_FOR_BEFORE(t->tgtype) && t->tgqual == NULL &&
			t->tgnattr == 0)
			stamp = true;
		else if (fi.fn_addr == iso28000_notification_announce && !announce && ns_trigger_on(t) &&
				 !TRIGGER_FOR_ROW(t->tgtype) && TRIGGER_FOR_AFTER(t->tgtype) && t->tgqual == NULL &&
				 t->tgnewtable != NULL)
			announce = true;
		else
			return psprintf("trigger \"%s\" fires on INSERT of the outbox", t->tgname);
	}
	if (!stamp || !announce)
		return "the outbox's own triggers notification_stamp and notification_announce are not both there and enabled";

	/* Foreign keys: org_id -> organization (org_id) only; the register's own key implies it. */
	ns.orgrel = ns_relid("organization");
	ns.orgkey = OidIsValid(ns.orgrel) ? get_attnum(ns.orgrel, "org_id") : InvalidAttrNumber;
	org_att = ns.att[0];
	fks = RelationGetFKeyList(rel);
	foreach(lc, fks)
	{
		ForeignKeyCacheInfo *fk = lfirst_node(ForeignKeyCacheInfo, lc);

		if (fk->nkeys != 1 || fk->conkey[0] != org_att || fk->confrelid != ns.orgrel ||
			fk->confkey[0] != ns.orgkey || get_opcode(fk->conpfeqop[0]) != F_INT8EQ)
			return "the outbox has a foreign key other than org_id -> organization";
	}

	/* CHECK constraints, as ExecRelCheck() prepares them. */
	ns.nchecks = (desc->constr != NULL) ? desc->constr->num_check : 0;
	ns.checks = palloc0(sizeof(ExprState *) * Max(ns.nchecks, 1));
	for (int i = 0; i < ns.nchecks; i++)
		ns.checks[i] = ns_expr(stringToNode(desc->constr->check[i].ccbin), false);

	/* Row-level security: the WITH CHECK of the INSERT policies, as the rewriter builds it. */
	ns.has_permissive = false;
	ns.nrestrictive = 0;
	ns.restrictive = palloc0(sizeof(ExprState *) * Max(rel->rd_rsdesc ? list_length(rel->rd_rsdesc->policies) : 0, 1));
	if (rel->rd_rsdesc != NULL)
	{
		foreach(lc, rel->rd_rsdesc->policies)
		{
			RowSecurityPolicy *p = (RowSecurityPolicy *) lfirst(lc);
			Oid		   *roles = (Oid *) ARR_DATA_PTR(p->roles);
			Expr	   *q;

			if (p->polcmd != '*' && p->polcmd != ACL_INSERT_CHR)
				continue;
			if (ARR_NDIM(p->roles) != 1 || ARR_DIMS(p->roles)[0] != 1 || roles[0] != ACL_ID_PUBLIC)
				return psprintf("policy \"%s\" of the outbox is for some roles only", p->policy_name);
			if (p->hassublinks)
				return psprintf("policy \"%s\" of the outbox has a sub-query", p->policy_name);
			q = p->with_check_qual ? p->with_check_qual : p->qual;
			if (q == NULL)
				return psprintf("policy \"%s\" of the outbox has no expression", p->policy_name);
			if (p->permissive)
				perm = lappend(perm, copyObject(q));
			else
				ns.restrictive[ns.nrestrictive++] = ns_expr(copyObject(q), true);
		}
	}
	if (perm != NIL)
	{
		ns.has_permissive = true;
		ns.permissive = ns_expr(list_length(perm) == 1 ? linitial(perm) : makeBoolExpr(OR_EXPR, perm, -1), true);
	}

	/* Indexes, as ExecOpenIndices() and ExecInsertIndexTuples() use them. */
	indexes = RelationGetIndexList(rel);
	ns.nidx = 0;
	ns.idx = palloc0(sizeof(NsIndex) * Max(list_length(indexes), 1));
	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index ind = idx->rd_index;
		NsIndex    *x = &ns.idx[ns.nidx++];
		const char *bad = NULL;

		x->oid = RelationGetRelid(idx);
		if (!ind->indisvalid || !ind->indisready || !ind->indislive)
			bad = "is not valid and ready";
		else if (ind->indisexclusion)
			bad = "is an exclusion constraint";
		else if (ind->indisunique && !ind->indimmediate)
			bad = "is a deferrable unique constraint";
		if (bad == NULL)
		{
			x->info = BuildIndexInfo(idx);
			x->unique = ind->indisunique;
			if (x->info->ii_Expressions != NIL)
			{
				List	   *states = NIL;
				ListCell   *e;

				foreach(e, x->info->ii_Expressions)
					states = lappend(states, ns_expr((Expr *) lfirst(e), false));
				x->info->ii_ExpressionsState = states;
			}
			if (x->info->ii_Predicate != NIL)
				x->info->ii_PredicateState =
					ExecInitQual((List *) expression_planner((Expr *) x->info->ii_Predicate), NULL);
		}
		index_close(idx, AccessShareLock);
		if (bad != NULL)
			return psprintf("index \"%s\" of the outbox %s", get_rel_name(x->oid), bad);
	}
	return NULL;
}

/* Makes ns valid for the outbox, which the caller has open and locked. */
static void
ns_validate(Relation rel)
{
	if (!ns_callbacks)
	{
		(void) engine_catalog();	/* registers the relcache callback that calls ours */
		CacheRegisterSyscacheCallback(PROCOID, ns_syscache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHOID, ns_role_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, ns_role_callback, (Datum) 0);
		ns_callbacks = true;
	}
	while (!ns.valid || ns.relid != RelationGetRelid(rel))
	{
		MemoryContext old;

		ns.valid = true;
		ns_fk_relid = InvalidOid;
		ns_priv_user = InvalidOid;
		ns_priv_gen++;
		if (ns.cxt != NULL && !ns_kept_busy())
			MemoryContextDelete(ns.cxt);
		ns.nidx = 0;
		ns.slot = NULL;
		ns.econtext = NULL;
		ns.in_use = false;
		ns.cxt = AllocSetContextCreate(CacheMemoryContext, "iso28000 notification store", ALLOCSET_SMALL_SIZES);
		old = MemoryContextSwitchTo(ns.cxt);
		ns.why = ns_build(rel);
		ns.usable = (ns.why == NULL);
		MemoryContextSwitchTo(old);
		if (ns.relid != RelationGetRelid(rel))
			ns.valid = false;	/* cannot happen: ns_build sets it */
	}
}

/*
 * Whether the register's own foreign key implies the outbox's for rows of
 * this register (see the head comment): a foreign key on its org_id column
 * alone to organization (org_id), validated, not deferrable, with both its
 * check triggers enabled.
 */
static const char *
ns_register_implies_fk(Relation reg, AttrNumber reg_org_att)
{
	if (RelationGetRelid(reg) == ns_fk_relid && reg_org_att == ns_fk_att && ns.valid)
		return NULL;
	if (iso28000_org_key_enforced(reg, reg_org_att, ns.orgrel, ns.orgkey, NULL))
	{
		ns_fk_relid = RelationGetRelid(reg);
		ns_fk_att = reg_org_att;
		return NULL;
	}
	return "the register has no validated, immediate, enabled foreign key org_id -> organization";
}

/* What holds for every statement, whatever the outbox: NULL when the direct path may be tried. */
static const char *
ns_session_refuses(void)
{
	if (!nt_direct)
		return "iso28000.notify_direct is off";
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return "session_replication_role is replica";
	if (row_security_policy_hook_permissive != NULL || row_security_policy_hook_restrictive != NULL)
		return "a row-level security hook is loaded";
	return NULL;
}

/* See notification_store.h. */
const char *
notification_store_refuses(Relation reg, AttrNumber reg_org_att)
{
	const char *why = ns_session_refuses();
	Oid			relid;
	Relation	rel;

	if (why != NULL)
		return why;
	relid = ns_relid("notification");
	if (!OidIsValid(relid))
		return "there is no table iso28000.notification";
	rel = table_open(relid, AccessShareLock);
	ns_validate(rel);
	why = ns.why ? pstrdup(ns.why) : NULL;
	table_close(rel, AccessShareLock);
	if (why == NULL && reg != NULL)
		why = ns_register_implies_fk(reg, reg_org_att);
	if (why == NULL && pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		why = "the current user has no table-level INSERT on the outbox";
	return why;
}

/*
 * The current user's INSERT on the outbox (relid, open and locked, ns valid)
 * and check_enable_rls()'s answer for it, into ns_priv_insert and
 * ns_priv_rls: asked again only for another user, after an invalidation (see
 * ns_priv_user), or under InNoForceRLSOperation().
 */
static void
ns_privileges(Oid relid)
{
	Oid			user = GetUserId();
	uint64		gen;

	if (user == ns_priv_user && !InNoForceRLSOperation())
		return;
	ns_priv_user = InvalidOid;
	gen = ns_priv_gen;
	ns_priv_insert = (pg_class_aclcheck(relid, user, ACL_INSERT) == ACLCHECK_OK);
	ns_priv_rls = check_enable_rls(relid, InvalidOid, true);
	/* kept unless an invalidation came in meanwhile */
	if (!InNoForceRLSOperation() && gen == ns_priv_gen)
		ns_priv_user = user;
}

/* The values of one index entry, as FormIndexDatum() computes them. */
static void
ns_index_values(IndexInfo *info, TupleTableSlot *slot, ExprContext *econtext,
				Datum *values, bool *isnull)
{
	ListCell   *e = list_head(info->ii_ExpressionsState);

	for (int i = 0; i < info->ii_NumIndexAttrs; i++)
	{
		AttrNumber	a = info->ii_IndexAttrNumbers[i];

		if (a != 0)
			values[i] = slot_getattr(slot, a, &isnull[i]);
		else
		{
			values[i] = ExecEvalExprSwitchContext((ExprState *) lfirst(e), econtext, &isnull[i]);
			e = lnext(info->ii_ExpressionsState, e);
		}
	}
}

/* See notification_store.h. */
bool
notification_store_write(Relation reg, AttrNumber reg_org_att, int nrows,
						 Datum **v, bool **isnull, Datum regd)
{
	Oid			relid;
	Relation	rel;
	Relation   *idx = NULL;
	TupleDesc	desc;
	ExprContext *econtext = NULL;
	TupleTableSlot *slot = NULL;
	Datum	   *rv;
	bool	   *rn;
	int64	   *ids;
	int			opened = 0;
	bool		rls;
	bool		ok = true;
	bool		kept = false;

	if (ns_session_refuses() != NULL)
		return false;
	relid = (ns.valid && ns.usable) ? ns.relid : ns_relid("notification");
	if (!OidIsValid(relid))
		return false;
	rel = try_relation_open(relid, RowExclusiveLock);	/* dropped since: the executor will say */
	if (rel == NULL)
		return false;
	ns_validate(rel);
	if (!ns.usable || ns_register_implies_fk(reg, reg_org_att) != NULL)
	{
		table_close(rel, NoLock);
		return false;
	}
	ns_privileges(relid);
	if (!ns_priv_insert)
	{
		table_close(rel, NoLock);
		return false;
	}
	switch (ns_priv_rls)
	{
		case RLS_ENABLED:
			rls = true;
			if (!ns.has_permissive || !row_security)
				ok = false;		/* every row refused, or row_security = off: the executor says so */
			break;
		case RLS_NONE:
			rls = false;
			break;
		default:
			rls = false;
			ok = false;			/* row_security = off where it applies: the executor refuses */
			break;
	}
	if (!ok)
	{
		table_close(rel, NoLock);
		return false;
	}
	/*
	 * An index is opened (and locked) when the first row that goes into it
	 * is written: a transition never enters the index of the due items, and
	 * one relation lock fewer per transition keeps every lock a transition of
	 * the real register takes within the backend's sixteen fast-path slots.
	 */
	idx = palloc0(sizeof(Relation) * Max(ns.nidx, 1));
	opened = ns.nidx;
	desc = RelationGetDescr(rel);
	if (!ns.valid || ns.natts != desc->natts)
		ok = false;				/* changed under the index locks: let the executor see it */

	/* Every row formed and checked before any is written. */
	rv = palloc(sizeof(Datum) * desc->natts * Max(nrows, 1));
	rn = palloc(sizeof(bool) * desc->natts * Max(nrows, 1));
	ids = palloc(sizeof(int64) * Max(nrows, 1));
	if (ok && !ns_kept_busy())
	{
		/* the backend's slot and expression context, made once with the description */
		if (ns.slot == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(ns.cxt);

			ns.slot_desc = CreateTupleDescCopy(desc);
			ns.slot = MakeSingleTupleTableSlot(ns.slot_desc, &TTSOpsVirtual);
			ns.econtext = CreateStandaloneExprContext();
			MemoryContextSwitchTo(old);
		}
		slot = ns.slot;
		econtext = ns.econtext;
		ns.in_use = true;
		ns.in_use_lxid = ns_lxid();
		kept = true;
	}
	else if (ok)
	{
		/* inside another write (a constraint's function wrote a register): its own */
		econtext = CreateStandaloneExprContext();
		slot = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
	}
	for (int r = 0; ok && r < nrows; r++)
	{
		Datum	   *values = rv + r * desc->natts;
		bool	   *nulls = rn + r * desc->natts;
		Datum		sv[NS_NSTAMPS];
		bool		sn[NS_NSTAMPS];

		memset(values, 0, sizeof(Datum) * desc->natts);
		memset(nulls, true, sizeof(bool) * desc->natts);
		for (int c = 0; c < NS_NCOLS; c++)
		{
			values[ns.att[c] - 1] = (c == 3) ? regd : v[c][r];
			nulls[ns.att[c] - 1] = (c == 3) ? false : isnull[c][r];
		}
		ids[r] = nextval_internal(ns.id_seq, false);
		values[ns.id_att - 1] = Int64GetDatum(ids[r]);
		nulls[ns.id_att - 1] = false;
		notification_stamp_insert(!isnull[0][r], isnull[0][r] ? 0 : DatumGetInt64(v[0][r]), sv, sn);
		for (int s = 0; s < NS_NSTAMPS; s++)
		{
			values[ns.att[NS_NCOLS + s] - 1] = sv[s];
			nulls[ns.att[NS_NCOLS + s] - 1] = sn[s];
		}

		ExecClearTuple(slot);
		memcpy(slot->tts_values, values, sizeof(Datum) * desc->natts);
		memcpy(slot->tts_isnull, nulls, sizeof(bool) * desc->natts);
		ExecStoreVirtualTuple(slot);
		econtext->ecxt_scantuple = slot;
		for (int i = 0; ok && i < desc->natts; i++)
			if (TupleDescAttr(desc, i)->attnotnull && nulls[i])
				ok = false;
		for (int i = 0; ok && i < ns.nchecks; i++)
			ok = ExecCheck(ns.checks[i], econtext);
		if (ok && rls)
		{
			ok = ExecQual(ns.permissive, econtext);
			for (int i = 0; ok && i < ns.nrestrictive; i++)
				ok = ExecQual(ns.restrictive[i], econtext);
		}
		ResetExprContext(econtext);
	}

	if (ok)
	{
		CommandId	cid;

		CommandCounterIncrement();
		cid = GetCurrentCommandId(true);
		for (int r = 0; r < nrows; r++)
		{
			ExecClearTuple(slot);
			memcpy(slot->tts_values, rv + r * desc->natts, sizeof(Datum) * desc->natts);
			memcpy(slot->tts_isnull, rn + r * desc->natts, sizeof(bool) * desc->natts);
			ExecStoreVirtualTuple(slot);
			table_tuple_insert(rel, slot, cid, 0, NULL);
			econtext->ecxt_scantuple = slot;
			for (int i = 0; i < ns.nidx; i++)
			{
				IndexInfo  *info = ns.idx[i].info;
				Datum		iv[INDEX_MAX_KEYS];
				bool		in[INDEX_MAX_KEYS];

				if (info->ii_PredicateState != NULL && !ExecQual(info->ii_PredicateState, econtext))
					continue;
				if (idx[i] == NULL)
					idx[i] = index_open(ns.idx[i].oid, RowExclusiveLock);
				ns_index_values(info, slot, econtext, iv, in);
				index_insert(idx[i], iv, in, &slot->tts_tid, rel,
							 ns.idx[i].unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO, false, info);
			}
			ResetExprContext(econtext);
		}
		/* notification_announce: every id, in the order of the ids */
		if (notification_announces())
			notification_announce_ids(ids, nrows);
	}

	if (kept)
	{
		ExecClearTuple(slot);
		ResetExprContext(econtext);
		ns.in_use = false;
	}
	else
	{
		if (slot != NULL)
			ExecDropSingleTupleTableSlot(slot);
		if (econtext != NULL)
			FreeExprContext(econtext, true);
	}
	for (int i = 0; i < opened; i++)
		if (idx[i] != NULL)
			index_close(idx[i], NoLock);
	table_close(rel, NoLock);
	pfree(rv);
	pfree(rn);
	pfree(ids);
	pfree(idx);
	return ok;
}
