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
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/ruleutils.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "citus_compat.h"
#include "engines.h"
#include "notification.h"

/* What is known of one relation. */
typedef struct CitusRelInfo
{
	Oid			relid;			/* hash key */
	Oid			logical;		/* its distributed table, or relid itself */
	bool		reference;		/* a placement of a reference table */
	Oid			placement;		/* for a reference table: its local placement */
	bool		placement_known;
} CitusRelInfo;

static HTAB *citus_rels = NULL;

/*
 * Drops what is known of an invalidated relation (or of all).  Called from
 * the engines' relcache callback (engines.c): a backend has only ten relcache
 * callback slots, and Citus takes five of them.
 */
void
iso28000_citus_relcache_invalidate(Oid relid)
{
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

/* The cache entry of a relation, made empty when new. */
static CitusRelInfo *
citus_rel_entry(Oid relid, bool *found)
{
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
	return hash_search(citus_rels, &relid, HASH_ENTER, found);
}

/* True when Citus's catalogs are there to ask. */
static bool
citus_present(void)
{
	return OidIsValid(get_extension_oid("citus", true));
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

/* What is known of a relation, looked up once. */
static CitusRelInfo *
citus_rel_info(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	CitusRelInfo *info;
	bool		found;
	int64		shardid;

	info = citus_rel_entry(relid, &found);
	if (found)
		return info;
	info->logical = relid;
	info->reference = false;
	info->placement = InvalidOid;
	info->placement_known = false;

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
			Oid			logical = DatumGetObjectId(out[0]);
			char	   *name = get_rel_name(logical);

			/* Trust the map only when the names agree: <table>_<shardid>, same schema. */
			if (name != NULL &&
				get_rel_namespace(logical) == RelationGetNamespace(rel) &&
				strcmp(psprintf("%s_" INT64_FORMAT, name, shardid),
					   RelationGetRelationName(rel)) == 0)
			{
				/* The entry may have moved if the lookup invalidated others. */
				info = citus_rel_entry(relid, &found);
				info->logical = logical;
				info->reference = !nulls[1] && DatumGetBool(out[1]);
				info->placement = InvalidOid;
				info->placement_known = false;
			}
		}
		info = citus_rel_entry(relid, &found);
		if (!found)
		{
			info->logical = relid;
			info->reference = false;
			info->placement = InvalidOid;
			info->placement_known = false;
		}
	}
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
	bool		found;
	Oid			placement = relid;

	info = citus_rel_entry(relid, &found);
	if (!found)
	{
		info->logical = relid;
		info->reference = false;
		info->placement_known = false;
	}
	if (info->placement_known)
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
	info = citus_rel_entry(relid, &found);
	if (!found)
	{
		info->logical = relid;
		info->reference = false;
	}
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
 * itself (one node, the coordinator, a reference table).
 */
Datum
iso28000_org_relation(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(iso28000_org_relation_name(relid, PG_GETARG_INT64(1))));
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
