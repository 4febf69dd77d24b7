/*
 * citus_compat.c
 *		What the engines need to know when they run on a Citus cluster
 *		(citus_compat.h, doc/distribution.md).
 *
 * Citus names a shard after its table and its shard id (person_102008, in
 * the table's schema) and keeps the map in its catalogs, pg_dist_shard and
 * pg_dist_partition, present on every node with metadata.  The helpers read
 * those catalogs through SPI, with every name qualified, and never link
 * against Citus: without Citus (or for a relation whose name does not end in
 * "_<digits>") they answer at once that a relation is itself.  Answers about
 * a relation are cached per backend until the relation's relcache entry is
 * invalidated (a shard move or a DROP sends that invalidation).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "fmgr.h"
#include "utils/typcache.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "nodes/parsenodes.h"
#include "utils/tuplestore.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "utils/fmgrprotos.h"
#include "utils/syscache.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/ruleutils.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "citus_compat.h"
#include "iso28000_errcodes.h"
#include "engines.h"
#include "notification.h"

/* What is known of one relation. */
typedef struct CitusRelInfo
{
	Oid			relid;			/* hash key */
	Oid			logical;		/* its distributed table, or relid itself */
	bool		reference;		/* a placement of a reference table */
	bool		logical_known;	/* logical and reference looked up (citus_rel_info()) */
	Oid			placement;		/* for a reference table: its local placement */
	bool		placement_known;	/* looked up (iso28000_local_placement()) */
} CitusRelInfo;

static HTAB *citus_rels = NULL;

static void org_view_relcache_invalidate(Oid relid);
static void org_plans_drop(void);
static int32 org_hash(int64 org);

/*
 * Drops what is known of an invalidated relation (or of all).  Called from
 * the engines' relcache callback (engines.c): a backend has only ten relcache
 * callback slots, and Citus takes five of them.
 */
void
iso28000_citus_relcache_invalidate(Oid relid)
{
	org_view_relcache_invalidate(relid);
	if (citus_rels == NULL)
		return;
	if (OidIsValid(relid))
		hash_search(citus_rels, &relid, HASH_REMOVE, NULL);
	else
	{
		hash_destroy(citus_rels);
		citus_rels = NULL;
	}
}

/*
 * The cache entry of a relation, made when new with nothing known.  Its two
 * answers are looked up apart, each entered only once known (see
 * citus_rel_info()).
 */
static CitusRelInfo *
citus_rel_entry(Oid relid)
{
	CitusRelInfo *info;
	bool		found;

	if (citus_rels == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(CitusRelInfo);
		ctl.hcxt = TopMemoryContext;
		citus_rels = hash_create("iso28000 citus relations", 32, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		/* The engines' callbacks (which invalidate this cache) are registered. */
		(void) engine_catalog();
	}
	info = hash_search(citus_rels, &relid, HASH_ENTER, &found);
	if (!found)
	{
		info->logical = relid;
		info->reference = false;
		info->logical_known = false;
		info->placement = InvalidOid;
		info->placement_known = false;
	}
	return info;
}

/* True when Citus's catalogs are there to ask. */
static bool
citus_present(void)
{
	return OidIsValid(get_extension_oid("citus", true));
}

/* See citus_compat.h. */
bool
iso28000_citus_loaded(void)
{
	return GetConfigOption("citus.shard_count", true, false) != NULL;
}

/* The shard id at the end of a shard's name ("person_102008"), or 0. */
static int64
shard_id_of_name(const char *relname)
{
	const char *us = strrchr(relname, '_');
	const char *p;
	int64		id = 0;

	if (us == NULL || us == relname || us[1] == '\0')
		return 0;
	for (p = us + 1; *p; p++)
	{
		if (*p < '0' || *p > '9' || id > (PG_INT64_MAX - 9) / 10)
			return 0;
		id = id * 10 + (*p - '0');
	}
	return id;
}

/* Runs one query of at most one row with one int8 or oid argument; true when a row came. */
static bool
citus_query_row(const char *sql, int nargs, Oid *argtypes, Datum *args, Datum *out, int nout, bool *nulls)
{
	int			rc;
	bool		got = false;
	int			i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(sql, nargs, argtypes, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the Citus catalogs failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		got = true;
		for (i = 0; i < nout; i++)
		{
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &nulls[i]);
			Oid			typ = SPI_gettypeid(SPI_tuptable->tupdesc, i + 1);

			/* Only by-value results: oid, int8, bool, char. */
			Assert(typ == OIDOID || typ == INT8OID || typ == BOOLOID || typ == CHAROID);
			(void) typ;
			out[i] = d;
		}
	}
	SPI_finish();
	return got;
}

/* The cache entry of relid when there is one, else NULL. */
static CitusRelInfo *
citus_rel_find(Oid relid)
{
	if (citus_rels == NULL)
		return NULL;
	return hash_search(citus_rels, &relid, HASH_FIND, NULL);
}

/*
 * What is known of a relation, looked up once.  The entry is made only once
 * the answer is known: the look-up runs a query, which an error can end (a
 * cancel, as Citus sends a worker's statement when the coordinator gives up
 * on it), and an entry made before it would have stayed for the life of the
 * backend with the defaults, a reference table's placement taken for a table
 * of its own: every node then recorded its change in the organisation's
 * chain, and the nodes without the chain's shard failed the acting person's
 * look-up (XX000, test/citus/27_rel_cache_cancel.sh).
 */
static CitusRelInfo *
citus_rel_info(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	CitusRelInfo *info;
	Oid			logical = relid;
	bool		reference = false;
	int64		shardid;

	info = citus_rel_find(relid);
	if (info != NULL && info->logical_known)
		return info;

	shardid = shard_id_of_name(RelationGetRelationName(rel));
	if (shardid > 0 && citus_present())
	{
		Datum		out[2];
		bool		nulls[2];

		if (citus_query_row("SELECT s.logicalrelid::pg_catalog.oid,"
							" p.partmethod OPERATOR(pg_catalog.=) 'n'"
							" FROM pg_catalog.pg_dist_shard s"
							" JOIN pg_catalog.pg_dist_partition p"
							"   ON p.logicalrelid OPERATOR(pg_catalog.=) s.logicalrelid"
							" WHERE s.shardid OPERATOR(pg_catalog.=) $1",
							1, (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(shardid)}, out, 2, nulls) &&
			!nulls[0])
		{
			Oid			map = DatumGetObjectId(out[0]);
			char	   *name = get_rel_name(map);

			/* Trust the map only when the names agree: <table>_<shardid>, same schema. */
			if (name != NULL &&
				get_rel_namespace(map) == RelationGetNamespace(rel) &&
				strcmp(psprintf("%s_" INT64_FORMAT, name, shardid),
					   RelationGetRelationName(rel)) == 0)
			{
				logical = map;
				reference = !nulls[1] && DatumGetBool(out[1]);
			}
		}
	}
	info = citus_rel_entry(relid);
	info->logical = logical;
	info->reference = reference;
	info->logical_known = true;
	return info;
}

/* The table a relation stands for: the distributed table of a shard, else itself. */
Oid
iso28000_logical_relid(Relation rel)
{
	return citus_rel_info(rel)->logical;
}

/* True when rel is a shard or placement of a Citus table. */
bool
iso28000_is_shard(Relation rel)
{
	return citus_rel_info(rel)->logical != RelationGetRelid(rel);
}

/* True when rel is a placement of a Citus reference table. */
bool
iso28000_is_reference_placement(Relation rel)
{
	return citus_rel_info(rel)->reference;
}

/* For a reference table with a placement on this node, that placement; else relid. */
Oid
iso28000_local_placement(Oid relid)
{
	CitusRelInfo *info;
	Oid			placement = relid;

	/* (entered once known, as in citus_rel_info()) */
	info = citus_rel_find(relid);
	if (info != NULL && info->placement_known)
		return info->placement;

	if (citus_present())
	{
		Datum		out[1];
		bool		nulls[1];

		if (citus_query_row("SELECT s.shardid FROM pg_catalog.pg_dist_partition p"
							" JOIN pg_catalog.pg_dist_shard s"
							"   ON s.logicalrelid OPERATOR(pg_catalog.=) p.logicalrelid"
							" WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1"
							"   AND p.partmethod OPERATOR(pg_catalog.=) 'n'",
							1, (Oid[]) {OIDOID}, (Datum[]) {ObjectIdGetDatum(relid)}, out, 1, nulls) && !nulls[0])
		{
			char	   *name = get_rel_name(relid);
			Oid			shard;

			if (name != NULL)
			{
				shard = get_relname_relid(psprintf("%s_" INT64_FORMAT, name, DatumGetInt64(out[0])),
										  get_rel_namespace(relid));
				if (OidIsValid(shard))
					placement = shard;
			}
		}
	}
	info = citus_rel_entry(relid);
	info->placement = placement;
	info->placement_known = true;
	return placement;
}

/* True when the shard of iso28000.history that holds the organisation is on this node. */
bool
iso28000_chain_is_local(int64 org_id)
{
	Datum		out[1];
	bool		nulls[1];

	if (!citus_present())
		return true;
	if (!citus_query_row("SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p"
						 "   WHERE p.logicalrelid OPERATOR(pg_catalog.=) 'iso28000.history'::pg_catalog.regclass)"
						 " OR EXISTS (SELECT FROM pg_catalog.pg_dist_shard s"
						 "   JOIN pg_catalog.pg_dist_placement pl ON pl.shardid OPERATOR(pg_catalog.=) s.shardid"
						 "  WHERE s.logicalrelid OPERATOR(pg_catalog.=) 'iso28000.history'::pg_catalog.regclass"
						 "    AND pg_catalog.worker_hash($1) OPERATOR(pg_catalog.>=) s.shardminvalue::pg_catalog.int4"
						 "    AND pg_catalog.worker_hash($1) OPERATOR(pg_catalog.<=) s.shardmaxvalue::pg_catalog.int4"
						 "    AND pl.groupid OPERATOR(pg_catalog.=)"
						 "        (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g))",
						 1, (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(org_id)}, out, 1, nulls))
		return true;
	return nulls[0] || DatumGetBool(out[0]);
}

/* The Citus distributed transaction number of the current transaction, or 0. */
int64
iso28000_distributed_txid(void)
{
	Datum		out[1];
	bool		nulls[1];

	if (!citus_present())
		return 0;
	if (!citus_query_row("SELECT t.transaction_number FROM pg_catalog.get_current_transaction_id() t"
						 " WHERE $1 OPERATOR(pg_catalog.=) $1",
						 1, (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(0)}, out, 1, nulls) || nulls[0])
		return 0;
	return DatumGetInt64(out[0]);
}

/* See citus_compat.h. */
bool
iso28000_citus_remote_transaction(void)
{
	Datum		out[1];
	bool		nulls[1];

	if (!citus_present())
		return false;
	if (!citus_query_row("SELECT t.transaction_number OPERATOR(pg_catalog.<>) 0"
						 "   AND t.initiator_node_identifier OPERATOR(pg_catalog.<>) g.groupid"
						 " FROM pg_catalog.get_current_transaction_id() t, pg_catalog.pg_dist_local_group g"
						 " WHERE $1 OPERATOR(pg_catalog.=) $1",
						 1, (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(0)}, out, 1, nulls) || nulls[0])
		return false;
	return DatumGetBool(out[0]);
}

/* See citus_compat.h.  (Citus's IsCitusInternalBackend() reads the same name.) */
bool
iso28000_citus_task_backend(void)
{
	const char *app = GetConfigOption("application_name", true, false);

	return app != NULL && strncmp(app, "citus_internal", strlen("citus_internal")) == 0;
}

/*
 * The name to read the rows of one organisation from, in SQL: on a node that
 * holds that organisation's shard of the distributed table relid, the shard
 * (a plain local table, which a query already running on a shard may read
 * without starting a distributed query); else the table itself.
 */
char *
iso28000_org_relation_name(Oid relid, int64 org_id)
{
	char	   *name = get_rel_name(relid);
	Oid			nsp = get_rel_namespace(relid);
	Datum		out[1];
	bool		nulls[1];

	if (name == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	if (citus_present() &&
		citus_query_row("SELECT s.shardid FROM pg_catalog.pg_dist_shard s"
						" JOIN pg_catalog.pg_dist_placement pl ON pl.shardid OPERATOR(pg_catalog.=) s.shardid"
						" WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid"
						"   AND pg_catalog.worker_hash($2) OPERATOR(pg_catalog.>=) s.shardminvalue::pg_catalog.int4"
						"   AND pg_catalog.worker_hash($2) OPERATOR(pg_catalog.<=) s.shardmaxvalue::pg_catalog.int4"
						"   AND pl.groupid OPERATOR(pg_catalog.=) (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)",
						2, (Oid[]) {OIDOID, INT8OID},
						(Datum[]) {ObjectIdGetDatum(relid), Int64GetDatum(org_id)}, out, 1, nulls) &&
		!nulls[0])
	{
		char	   *shard = psprintf("%s_" INT64_FORMAT, name, DatumGetInt64(out[0]));

		if (OidIsValid(get_relname_relid(shard, nsp)))
			name = shard;
	}
	return quote_qualified_identifier(get_namespace_name(nsp), name);
}

/*
 * A row of rel (its descriptor desc) as a composite Datum of type rowtype, the
 * row type of the table rel stands for.  On a Citus shard the row has the
 * shard's own type; a function declared to take the table's row (a workflow
 * guard) must get a row of the table's type, formed with the table's
 * descriptor (the columns are the same, in the same order).
 */
Datum
iso28000_row_as_type(HeapTuple tup, TupleDesc desc, Oid rowtype)
{
	TupleDesc	tdesc;
	Datum	   *values;
	bool	   *nulls;
	HeapTuple	conv;
	Datum		result;

	if (!OidIsValid(rowtype) || rowtype == desc->tdtypeid)
		return heap_copy_tuple_as_datum(tup, desc);
	tdesc = lookup_rowtype_tupdesc(rowtype, -1);
	if (tdesc->natts != desc->natts)
		elog(ERROR, "row type %s has %d columns, the shard's row %d",
			 format_type_be(rowtype), tdesc->natts, desc->natts);
	values = palloc(desc->natts * sizeof(Datum));
	nulls = palloc(desc->natts * sizeof(bool));
	heap_deform_tuple(tup, desc, values, nulls);
	conv = heap_form_tuple(tdesc, values, nulls);
	result = heap_copy_tuple_as_datum(conv, tdesc);
	ReleaseTupleDesc(tdesc);
	heap_freetuple(conv);
	return result;
}

PG_FUNCTION_INFO_V1(iso28000_is_citus_shard);
/* SQL iso28000._is_shard(regclass): true when the relation is a Citus shard or placement. */
Datum
iso28000_is_citus_shard(PG_FUNCTION_ARGS)
{
	Relation	rel = try_relation_open(PG_GETARG_OID(0), AccessShareLock);
	bool		shard;

	if (rel == NULL)
		PG_RETURN_NULL();
	shard = iso28000_is_shard(rel);
	relation_close(rel, AccessShareLock);
	PG_RETURN_BOOL(shard);
}

PG_FUNCTION_INFO_V1(iso28000_table_name);
/*
 * SQL iso28000._table_name(regclass): the name of the table a relation stands
 * for, without schema: its distributed or reference table for a Citus shard
 * or placement (person for person_102008), else its own name.  A PL/pgSQL
 * trigger on a shard sees the shard's name in TG_TABLE_NAME; the extension's
 * triggers that decide or name by table ask this instead.
 */
Datum
iso28000_table_name(PG_FUNCTION_ARGS)
{
	Relation	rel = try_relation_open(PG_GETARG_OID(0), AccessShareLock);
	Oid			logical;
	char	   *name;

	if (rel == NULL)
		PG_RETURN_NULL();
	logical = iso28000_logical_relid(rel);
	relation_close(rel, AccessShareLock);
	name = get_rel_name(logical);
	if (name == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(name));
}

PG_FUNCTION_INFO_V1(iso28000_org_relation);
/*
 * SQL iso28000._org_relation(regclass, bigint): the qualified name to read the
 * organisation's rows of a distributed table from, in SQL: its shard when this
 * node holds the organisation's shard of it (a plain local table, which a
 * trigger on a shard may query without a distributed query), else the table
 * itself (one node, the coordinator, a reference table).  Answered from the
 * per-backend map of the table's shards that _org_view_sql() keeps (below).
 */
static char *org_relation_cached(Oid relid, int64 org);

Datum
iso28000_org_relation(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(org_relation_cached(relid, PG_GETARG_INT64(1))));
}

PG_FUNCTION_INFO_V1(iso28000_announce_ids);
/*
 * SQL iso28000._announce(bigint[]): announces outbox ids as
 * iso28000.notify_announce says (notification_announce_ids): each now under
 * 'row', at commit if a mailer listens under 'listen', none under 'off'.
 * raise_due_items() on a distributed outbox calls it from the coordinator,
 * whose rows are written on the workers' shards, which stay silent
 * (doc/distribution.md).  It never announces more than pg_notify(), granted to
 * PUBLIC, already lets any role announce on the channel; it may announce less.
 * NULL elements are skipped.
 */
Datum
iso28000_announce_ids(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int64	   *ids;
	int			n = 0;

	deconstruct_array(arr, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &nelems);
	ids = palloc(sizeof(int64) * Max(nelems, 1));
	for (int i = 0; i < nelems; i++)
		if (!nulls[i])
			ids[n++] = DatumGetInt64(elems[i]);
	notification_announce_ids(ids, n);
	PG_RETURN_VOID();
}

/*
 * iso28000._org_view_sql(view, org), cached (doc/distribution.md, "Provider
 * inclusion on a cluster").  The view's query (pg_get_viewdef()) with each
 * table of the extension it reads replaced by the organisation's shard of it
 * when this node holds that shard.  Before, each call deparsed the view,
 * listed its tables from pg_depend and asked pg_dist_shard once per table
 * (all in PL/pgSQL); now a backend keeps
 *   - per view: its deparsed query and the tables it reads;
 *   - per table: its hash ranges, shard ids and whether this node holds each;
 *   - per view and shard of each table: the finished text;
 * and answers a call by hashing the organisation as Citus does
 * (worker_hash(): the type's hash function, hashint8 for org_id) and looking
 * up the text.  All of it is dropped at the next call after any relcache
 * invalidation of a view or table it used or of a relation it does not know
 * of (InvalidOid: every relation), which Citus sends for the distributed table
 * whenever pg_dist_shard, pg_dist_placement or pg_dist_partition change (a
 * shard move, a split, create/undistribute), and after any change of a
 * schema, function, operator or type (what the deparsed text names).
 */
typedef struct OrgViewDef
{
	Oid			view;			/* hash key */
	char	   *query;
	int			ntables;
	Oid		   *tables;
	char	  **relnames;
} OrgViewDef;

typedef struct OrgShardRange
{
	int32		min;
	int32		max;
	int64		shardid;		/* 0: this node holds no placement of it */
} OrgShardRange;

typedef struct OrgTableShards
{
	Oid			relid;			/* hash key */
	int			nranges;		/* 0: not hash-distributed (or no Citus) */
	OrgShardRange *ranges;
} OrgTableShards;

#define ORG_VIEW_KEYLEN 256
typedef struct OrgViewText
{
	char		key[ORG_VIEW_KEYLEN];	/* "view:shard,shard,..." */
	char	   *text;
} OrgViewText;

static MemoryContext org_view_cxt = NULL;
static HTAB *org_view_defs = NULL;
static HTAB *org_view_tables = NULL;
static HTAB *org_view_texts = NULL;
static bool org_view_stale = false;
static bool org_view_callbacks = false;
/* The relations the cached answers depend on (views and tables). */
static Oid *org_view_watch = NULL;
static int	org_view_nwatch = 0;
static int	org_view_maxwatch = 0;
/* Counters for the tests: builds of a view's text since the backend began. */
static int64 org_view_builds = 0;

/* Called from iso28000_citus_relcache_invalidate (the engines' callback). */
static void
org_view_relcache_invalidate(Oid relid)
{
	if (org_view_cxt == NULL)
		return;
	if (!OidIsValid(relid))
	{
		org_view_stale = true;
		return;
	}
	for (int i = 0; i < org_view_nwatch; i++)
		if (org_view_watch[i] == relid)
		{
			org_view_stale = true;
			return;
		}
}

static void
org_view_syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	org_view_stale = true;
}

static void
org_view_watch_add(Oid relid)
{
	for (int i = 0; i < org_view_nwatch; i++)
		if (org_view_watch[i] == relid)
			return;
	if (org_view_nwatch == org_view_maxwatch)
	{
		org_view_maxwatch = Max(16, org_view_maxwatch * 2);
		org_view_watch = org_view_watch == NULL
			? MemoryContextAlloc(org_view_cxt, org_view_maxwatch * sizeof(Oid))
			: repalloc(org_view_watch, org_view_maxwatch * sizeof(Oid));
	}
	org_view_watch[org_view_nwatch++] = relid;
}

/* Empty caches (made anew, or after an invalidation). */
static void
org_view_reset(void)
{
	HASHCTL		ctl;

	if (!org_view_callbacks)
	{
		/* engines.c's relcache callback calls iso28000_citus_relcache_invalidate */
		(void) engine_catalog();
		CacheRegisterSyscacheCallback(NAMESPACEOID, org_view_syscache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(PROCOID, org_view_syscache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(OPEROID, org_view_syscache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, org_view_syscache_callback, (Datum) 0);
		org_view_callbacks = true;
	}
	org_plans_drop();
	if (org_view_cxt == NULL)
		org_view_cxt = AllocSetContextCreate(TopMemoryContext, "iso28000 org view sql",
											 ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(org_view_cxt);
	org_view_watch = NULL;
	org_view_nwatch = org_view_maxwatch = 0;

	memset(&ctl, 0, sizeof(ctl));
	ctl.hcxt = org_view_cxt;
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(OrgViewDef);
	org_view_defs = hash_create("iso28000 org view defs", 8, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.entrysize = sizeof(OrgTableShards);
	org_view_tables = hash_create("iso28000 org view tables", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = ORG_VIEW_KEYLEN;
	ctl.entrysize = sizeof(OrgViewText);
	org_view_texts = hash_create("iso28000 org view texts", 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	org_view_stale = false;
}

/* The view's deparsed query and the extension's tables it reads. */
static OrgViewDef *
org_view_def(Oid view)
{
	OrgViewDef *def;
	bool		found;
	char	   *q;
	size_t		len;
	int			rc;

	def = hash_search(org_view_defs, &view, HASH_FIND, NULL);
	if (def != NULL)
		return def;

	if (get_rel_relkind(view) != RELKIND_VIEW)
	{
		char	   *name = get_rel_name(view);

		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_ORG_VIEW_NOT_VIEW),
				 errmsg("relation %s is not a view: iso28000._org_view_sql() reads a view's query",
						name ? quote_qualified_identifier(get_namespace_name(get_rel_namespace(view)), name)
						: psprintf("%u", view)),
				 name ? err_generic_string(PG_DIAG_SCHEMA_NAME, get_namespace_name(get_rel_namespace(view))) : 0,
				 name ? err_generic_string(PG_DIAG_TABLE_NAME, name) : 0));
	}
	q = TextDatumGetCString(DirectFunctionCall1(pg_get_viewdef, ObjectIdGetDatum(view)));
	len = strlen(q);
	while (len > 0 && (q[len - 1] == ';' || q[len - 1] == ' ' || q[len - 1] == '\n'))
		q[--len] = '\0';

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(
		"SELECT DISTINCT d.refobjid, c.relname::pg_catalog.text"
		"  FROM pg_catalog.pg_rewrite w"
		"  JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
		"                             AND d.objid OPERATOR(pg_catalog.=) w.oid"
		"                             AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
		"  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.refobjid AND c.relkind OPERATOR(pg_catalog.=) 'r'"
		"  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
		"                                AND n.nspname OPERATOR(pg_catalog.=) 'iso28000'"
		" WHERE w.ev_class OPERATOR(pg_catalog.=) $1",
		1, (Oid[]) {OIDOID}, (Datum[]) {ObjectIdGetDatum(view)}, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the tables of view %u failed: %s", view, SPI_result_code_string(rc));

	def = hash_search(org_view_defs, &view, HASH_ENTER, &found);
	def->query = MemoryContextStrdup(org_view_cxt, q);
	def->ntables = (int) SPI_processed;
	def->tables = MemoryContextAlloc(org_view_cxt, Max(def->ntables, 1) * sizeof(Oid));
	def->relnames = MemoryContextAlloc(org_view_cxt, Max(def->ntables, 1) * sizeof(char *));
	for (int i = 0; i < def->ntables; i++)
	{
		bool		isnull;

		def->tables[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		def->relnames[i] = MemoryContextStrdup(org_view_cxt,
											   SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
		org_view_watch_add(def->tables[i]);
	}
	SPI_finish();
	org_view_watch_add(view);
	return def;
}

/* A table's hash ranges and the shards of them this node holds. */
static OrgTableShards *
org_table_shards(Oid relid, bool citus)
{
	OrgTableShards *ts;
	bool		found;
	int			rc;
	char	   *name;
	Oid			nsp;

	ts = hash_search(org_view_tables, &relid, HASH_FIND, NULL);
	if (ts != NULL)
		return ts;
	name = get_rel_name(relid);
	nsp = get_rel_namespace(relid);
	if (!citus || name == NULL)
	{
		ts = hash_search(org_view_tables, &relid, HASH_ENTER, &found);
		ts->nranges = 0;
		ts->ranges = NULL;
		return ts;
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(
		"SELECT s.shardid, s.shardminvalue::pg_catalog.int4, s.shardmaxvalue::pg_catalog.int4,"
		"       EXISTS (SELECT FROM pg_catalog.pg_dist_placement pl"
		"                WHERE pl.shardid OPERATOR(pg_catalog.=) s.shardid"
		"                  AND pl.groupid OPERATOR(pg_catalog.=) (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g))"
		"  FROM pg_catalog.pg_dist_shard s"
		"  JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid OPERATOR(pg_catalog.=) s.logicalrelid"
		" WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid"
		"   AND p.partmethod OPERATOR(pg_catalog.=) 'h'"
		"   AND s.shardminvalue IS NOT NULL AND s.shardmaxvalue IS NOT NULL",
		1, (Oid[]) {OIDOID}, (Datum[]) {ObjectIdGetDatum(relid)}, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the Citus catalogs failed: %s", SPI_result_code_string(rc));
	ts = hash_search(org_view_tables, &relid, HASH_ENTER, &found);
	ts->nranges = (int) SPI_processed;
	ts->ranges = MemoryContextAlloc(org_view_cxt, Max(ts->nranges, 1) * sizeof(OrgShardRange));
	for (int i = 0; i < ts->nranges; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		n1, n2, n3, n4;
		int64		shardid = DatumGetInt64(SPI_getbinval(tup, desc, 1, &n1));
		bool		local = DatumGetBool(SPI_getbinval(tup, desc, 4, &n4));

		ts->ranges[i].min = DatumGetInt32(SPI_getbinval(tup, desc, 2, &n2));
		ts->ranges[i].max = DatumGetInt32(SPI_getbinval(tup, desc, 3, &n3));
		/* held here only when the placement's relation exists, as _org_relation() asks */
		ts->ranges[i].shardid =
			local && OidIsValid(get_relname_relid(psprintf("%s_" INT64_FORMAT, name, shardid), nsp))
			? shardid : 0;
	}
	SPI_finish();
	org_view_watch_add(relid);
	return ts;
}

/* The shard of ts this node holds for hash value h, or 0 (read the table). */
static int64
org_shard_for_hash(OrgTableShards *ts, int32 h)
{
	for (int i = 0; i < ts->nranges; i++)
		if (h >= ts->ranges[i].min && h <= ts->ranges[i].max)
			return ts->ranges[i].shardid;
	return 0;
}

PG_FUNCTION_INFO_V1(iso28000_org_view_sql);
/*
 * SQL iso28000._org_view_sql(view regclass, org bigint): see above.  The same
 * text as the PL/pgSQL function it replaced, which the tests compare against
 * iso28000._org_relation() of each table.
 */
Datum
iso28000_org_view_sql(PG_FUNCTION_ARGS)
{
	Oid			view = PG_GETARG_OID(0);
	int64		org = PG_GETARG_INT64(1);
	bool		citus = citus_present();
	OrgViewDef *def;
	int64	   *shards;
	StringInfoData key;
	OrgViewText *vt;
	int32		h = 0;
	text	   *result;
	bool		found;

	if (org_view_cxt == NULL || org_view_stale)
		org_view_reset();
	def = org_view_def(view);
	if (citus)
		h = org_hash(org);
	/* org_table_shards may have reset nothing: invalidations only set the flag */
	shards = palloc(Max(def->ntables, 1) * sizeof(int64));
	initStringInfo(&key);
	appendStringInfo(&key, "%u:", view);
	for (int i = 0; i < def->ntables; i++)
	{
		shards[i] = org_shard_for_hash(org_table_shards(def->tables[i], citus), h);
		appendStringInfo(&key, INT64_FORMAT ",", shards[i]);
	}
	if (key.len < ORG_VIEW_KEYLEN)
	{
		vt = hash_search(org_view_texts, key.data, HASH_FIND, NULL);
		if (vt != NULL)
			PG_RETURN_TEXT_P(cstring_to_text(vt->text));
	}

	/* Build: each table read replaced by the shard this node holds, if any. */
	org_view_builds++;
	result = cstring_to_text(def->query);
	for (int i = 0; i < def->ntables; i++)
	{
		char	   *rel;
		char	   *pattern;

		if (shards[i] == 0)
			continue;			/* the table itself: the text names it already */
		rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(def->tables[i])),
										 psprintf("%s_" INT64_FORMAT, def->relnames[i], shards[i]));
		pattern = psprintf("\\miso28000\\.%s\\M(?![.(])", def->relnames[i]);
		result = DatumGetTextPP(DirectFunctionCall4Coll(textregexreplace, C_COLLATION_OID,
														PointerGetDatum(result),
														PointerGetDatum(cstring_to_text(pattern)),
														PointerGetDatum(cstring_to_text(rel)),
														PointerGetDatum(cstring_to_text("g"))));
	}
	if (key.len < ORG_VIEW_KEYLEN)
	{
		vt = hash_search(org_view_texts, key.data, HASH_ENTER, &found);
		vt->text = MemoryContextStrdup(org_view_cxt, text_to_cstring(result));
	}
	PG_RETURN_TEXT_P(result);
}

PG_FUNCTION_INFO_V1(iso28000_org_view_sql_builds);
/* SQL iso28000._org_view_sql_builds(): texts this backend built (for the tests). */
Datum
iso28000_org_view_sql_builds(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(org_view_builds);
}

/* The hash Citus gives org (worker_hash(): the type's hash function). */
static int32
org_hash(int64 org)
{
	TypeCacheEntry *tce = lookup_type_cache(INT8OID, TYPECACHE_HASH_PROC_FINFO);

	return DatumGetInt32(FunctionCall1Coll(&tce->hash_proc_finfo, InvalidOid, Int64GetDatum(org)));
}

static char *
org_relation_cached(Oid relid, int64 org)
{
	bool		citus = citus_present();
	OrgTableShards *ts;
	int64		shard;
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	if (org_view_cxt == NULL || org_view_stale)
		org_view_reset();
	ts = org_table_shards(relid, citus);
	shard = citus ? org_shard_for_hash(ts, org_hash(org)) : 0;
	if (shard != 0)
		name = psprintf("%s_" INT64_FORMAT, name, shard);
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name);
}

/*
 * iso28000._org_query(query text, args text[], keep boolean): the rows of a
 * read-only query (its parameter $1 is args), with the caller's rights.  With
 * keep, its plan is kept in this backend, by the query's text, as a generic
 * plan: provider_reliance() and provider_requirement_check() pass keep when
 * the text reads the organisation's shards on this node (a worker running a
 * trigger on a shard), whose text _org_view_sql() keeps the same from call to
 * call, so the plan is made once per shard instead of at every call.  The
 * plans are dropped with _org_view_sql()'s texts (any invalidation above),
 * and PostgreSQL replans a kept plan itself when a table it reads changes.
 * Without keep (one node, the coordinator: Citus plans the query over the
 * shards) the query is planned and run once, as PL/pgSQL's EXECUTE did.
 */
typedef struct OrgPlan
{
	uint32		hash;			/* hash key: of the query's text */
	char	   *query;
	SPIPlanPtr	plan;
} OrgPlan;

static HTAB *org_plans = NULL;
static int	org_plan_depth = 0;
static List *org_plans_unused = NIL;	/* plans dropped while one was running */
static int64 org_plan_builds = 0;

/*
 * Forgets a kept plan's entry: frees its text, and its plan unless a call of
 * _org_query() may be running it, that is while more than `running` calls
 * run (1: the call replacing a plan of its own table, which is not running
 * that plan; 0: anyone else, to be safe); such a plan waits in
 * org_plans_unused until no call runs (org_plans_free_unused).
 */
static void
org_plan_forget(OrgPlan *p, int running)
{
	if (org_plan_depth > running)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		org_plans_unused = lappend(org_plans_unused, p->plan);
		MemoryContextSwitchTo(old);
	}
	else
		SPI_freeplan(p->plan);
	pfree(p->query);
}

/*
 * Drops the kept plans: called by org_view_reset() before it empties its
 * context, and by _org_query() when the table is full (from inside a call:
 * its plans are then set aside until the call ends, which is safe).
 */
static void
org_plans_drop(void)
{
	HASH_SEQ_STATUS seq;
	OrgPlan    *p;

	if (org_plans == NULL)
		return;
	hash_seq_init(&seq, org_plans);
	while ((p = hash_seq_search(&seq)) != NULL)
		org_plan_forget(p, 0);
	hash_destroy(org_plans);
	org_plans = NULL;
}

static void
org_plans_free_unused(void)
{
	ListCell   *lc;

	if (org_plan_depth > 0 || org_plans_unused == NIL)
		return;
	foreach(lc, org_plans_unused)
		SPI_freeplan((SPIPlanPtr) lfirst(lc));
	list_free(org_plans_unused);
	org_plans_unused = NIL;
}

/*
 * The plan of query (nargs parameters of argtypes) kept in this backend by its
 * text, made with cursor_opts on first use: in org_plans until the next
 * invalidation that org_view_reset() answers (a shard move), or until the
 * table is full.  Called between org_plan_depth++ and --, SPI connected.
 */
static SPIPlanPtr
org_plan_kept(const char *query, int nargs, Oid *argtypes, int cursor_opts)
{
	uint32		h = DatumGetUInt32(hash_any((const unsigned char *) query, strlen(query)));
	OrgPlan    *p;
	bool		found;

	if (org_plans == NULL || hash_get_num_entries(org_plans) >= 256)
	{
		HASHCTL		ctl;

		if (org_plans != NULL)
			org_plans_drop();
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(uint32);
		ctl.entrysize = sizeof(OrgPlan);
		ctl.hcxt = TopMemoryContext;
		org_plans = hash_create("iso28000 org view plans", 32, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	p = hash_search(org_plans, &h, HASH_FIND, NULL);
	if (p != NULL && strcmp(p->query, query) != 0)
	{
		/* another text with the same hash: replaced */
		org_plan_forget(p, 1);
		hash_search(org_plans, &h, HASH_REMOVE, NULL);
		p = NULL;
	}
	if (p == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(query, nargs, argtypes, cursor_opts);

		if (plan == NULL)
			elog(ERROR, "preparing \"%s\" failed: %s", query, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "keeping the plan of \"%s\" failed", query);
		org_plan_builds++;
		p = hash_search(org_plans, &h, HASH_ENTER, &found);
		p->query = MemoryContextStrdup(TopMemoryContext, query);
		p->plan = plan;
	}
	return p->plan;
}

/* See citus_compat.h. */
bool
iso28000_org_shard_execute(const char *sql, int ntables, const char *const *tables, int64 org_id,
						   int nargs, Oid *argtypes, Datum *values, const char *nulls,
						   Snapshot snap, bool read_only, long tcount, int *rc)
{
	Oid			nsp;
	char	   *table[ISO28000_ORG_SHARD_MAXTABLES];
	size_t		len[ISO28000_ORG_SHARD_MAXTABLES];
	char	   *shard[ISO28000_ORG_SHARD_MAXTABLES];
	bool		on_shards = false;
	StringInfoData text;
	const char *p;
	int			i;

	Assert(ntables >= 1 && ntables <= ISO28000_ORG_SHARD_MAXTABLES);
	if (!citus_present() || !OidIsValid(nsp = get_namespace_oid("iso28000", true)))
		return false;
	/* each table's shard here (the per-backend map of _org_relation()), once */
	for (i = 0; i < ntables; i++)
	{
		Oid			relid = get_relname_relid(tables[i], nsp);

		table[i] = psprintf("iso28000.%s", tables[i]);
		len[i] = strlen(table[i]);
		shard[i] = OidIsValid(relid) ? org_relation_cached(relid, org_id) : table[i];
		if (OidIsValid(relid) && strcmp(shard[i], table[i]) == 0)
		{
			/*
			 * Not here by the map: asked of Citus's catalogs, in case the map
			 * was made from a snapshot older than the shard's metadata (a
			 * caller on a shard expects its organisation's shards here).
			 */
			shard[i] = iso28000_org_relation_name(relid, org_id);
			if (strcmp(shard[i], table[i]) != 0)
				org_view_stale = true;	/* the map was wrong: made anew at the next call */
		}
		if (strcmp(shard[i], table[i]) != 0)
			on_shards = true;
	}
	if (!on_shards)
		return false;

	/* sql with each "iso28000.TABLE " of tables read from the organisation's shard here */
	initStringInfo(&text);
	p = sql;
	while (*p != '\0')
	{
		for (i = 0; i < ntables; i++)
			if (strncmp(p, table[i], len[i]) == 0 && p[len[i]] == ' ')
				break;
		if (i < ntables)
		{
			appendStringInfoString(&text, shard[i]);
			p += len[i];
		}
		else
			appendStringInfoChar(&text, *p++);
	}

	/* a shard move or another invalidation since may drop the kept plans */
	if (org_view_cxt == NULL || org_view_stale)
		org_view_reset();
	org_plan_depth++;
	PG_TRY();
	{
		SPIPlanPtr	plan = org_plan_kept(text.data, nargs, argtypes, 0);

		if (snap != NULL)
			*rc = SPI_execute_snapshot(plan, values, nulls, snap, InvalidSnapshot, read_only, false, tcount);
		else
			*rc = SPI_execute_plan(plan, values, nulls, read_only, tcount);
	}
	PG_FINALLY();
	{
		org_plan_depth--;
	}
	PG_END_TRY();
	org_plans_free_unused();
	return true;
}

PG_FUNCTION_INFO_V1(iso28000_org_query);
Datum
iso28000_org_query(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Datum		args = PG_GETARG_DATUM(1);
	bool		keep = PG_GETARG_BOOL(2);
	TupleDesc	want;
	int			rc;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	want = rsinfo->setDesc;

	if (org_view_cxt == NULL || org_view_stale)
		org_view_reset();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	org_plan_depth++;
	PG_TRY();
	{
		if (keep)
			rc = SPI_execute_plan(org_plan_kept(query, 1, (Oid[]) {TEXTARRAYOID}, CURSOR_OPT_GENERIC_PLAN),
								  &args, " ", true, 0);
		else
			rc = SPI_execute_with_args(query, 1, (Oid[]) {TEXTARRAYOID}, &args, " ", true, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "a query of a view returned %s", SPI_result_code_string(rc));
		if (SPI_tuptable->tupdesc->natts != want->natts)
			elog(ERROR, "a query of a view returned %d columns, %d expected",
				 SPI_tuptable->tupdesc->natts, want->natts);
		for (int i = 0; i < want->natts; i++)
			if (TupleDescAttr(SPI_tuptable->tupdesc, i)->atttypid != TupleDescAttr(want, i)->atttypid)
				elog(ERROR, "column %d of a query of a view is %s, %s expected", i + 1,
					 format_type_be(TupleDescAttr(SPI_tuptable->tupdesc, i)->atttypid),
					 format_type_be(TupleDescAttr(want, i)->atttypid));
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			Datum	   *values = palloc(want->natts * sizeof(Datum));
			bool	   *nulls = palloc(want->natts * sizeof(bool));

			heap_deform_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, values, nulls);
			tuplestore_putvalues(rsinfo->setResult, want, values, nulls);
		}
	}
	PG_FINALLY();
	{
		org_plan_depth--;
	}
	PG_END_TRY();
	SPI_finish();
	org_plans_free_unused();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(iso28000_org_query_plans);
/* SQL iso28000._org_query_plans(): plans _org_query() made and kept in this backend (for the tests). */
Datum
iso28000_org_query_plans(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(org_plan_builds);
}
