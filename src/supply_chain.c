/*
 * supply_chain.c
 *		The transitive dependencies of one supply-chain node, with the
 *		criticality of the strongest path to each: iso28000.supply_chain_reach().
 *
 * A path is as critical as its weakest link and a dependency as critical as
 * its strongest path, so this is a widest-path search with only four widths
 * (criticality ranks 1 to 4).  It runs as a bucket queue: nodes are expanded
 * from the highest rank bucket down, so each node is expanded once, at its
 * final rank, and each link is read once: O(nodes + links) on any graph,
 * cycles included.  The recursive UNION in SQL reaches the same answer but
 * may enter a node once per rank (up to four times), and expands it each time.
 *
 * Links are read level by level with one prepared SPI query per batch of
 * nodes (node_id = ANY ($2)), as the calling role: row-level security applies
 * exactly as to any query of the caller.  The visited set is a hash table in
 * the call's memory context; nothing outlives the call.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "citus_compat.h"

#define SC_MAX_RANK 4			/* critical */
#define SC_START_RANK (SC_MAX_RANK + 1)	/* the start node: wider than any link */

typedef struct ScEntry
{
	int64		node_id;		/* hash key */
	int			rank;			/* best rank found so far, 1..4 (5: start) */
	bool		expanded;		/* its links have been read */
} ScEntry;

typedef struct ScBucket
{
	int64	   *nodes;
	int			len;
	int			cap;
} ScBucket;

/* Appends a node to a bucket, growing it as needed. */
static void
bucket_push(ScBucket *b, int64 node)
{
	if (b->len == b->cap)
	{
		b->cap = b->cap ? b->cap * 2 : 64;
		b->nodes = b->nodes ? repalloc(b->nodes, b->cap * sizeof(int64))
			: palloc(b->cap * sizeof(int64));
	}
	b->nodes[b->len++] = node;
}

/* Sets up the tuplestore that a materialising set-returning function fills. */
static Tuplestorestate *
sc_init_srf(FunctionCallInfo fcinfo, TupleDesc *tupdesc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcxt;
	Tuplestorestate *ts;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("supply_chain_reach must be called where a set is accepted"),
				 errhint("Call it in the FROM clause.")));
	if (get_call_result_type(fcinfo, NULL, tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "supply_chain_reach: return type must be a row type");

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	*tupdesc = CreateTupleDescCopy(*tupdesc);
	ts = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcxt);

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = ts;
	rsinfo->setDesc = *tupdesc;
	return ts;
}

/* Records that node was reached with rank cand; queues it when that is an improvement. */
static void
reach(HTAB *seen, ScBucket *buckets, int64 node, int cand)
{
	bool		found;
	ScEntry    *e = hash_search(seen, &node, HASH_ENTER, &found);

	if (!found)
	{
		e->rank = cand;
		e->expanded = false;
		bucket_push(&buckets[cand], node);
	}
	else if (e->rank < cand && !e->expanded)
	{
		e->rank = cand;
		bucket_push(&buckets[cand], node);
	}
}

PG_FUNCTION_INFO_V1(supply_chain_reach);
/* Every node one node depends on (or that depends on it), with the strongest path's rank. */
Datum
supply_chain_reach(PG_FUNCTION_ARGS)
{
	int64		org_id = PG_GETARG_INT64(0);
	int64		start = PG_GETARG_INT64(1);
	bool		downstream = PG_GETARG_BOOL(2);
	TupleDesc	tupdesc;
	Tuplestorestate *ts = sc_init_srf(fcinfo, &tupdesc);
	HASHCTL		ctl;
	HTAB	   *seen;
	ScBucket	buckets[SC_START_RANK + 1];
	int			start_cycle_rank = 0;
	SPIPlanPtr	plan;
	Oid			argtypes[2] = {INT8OID, INT8ARRAYOID};
	/*
	 * The links of the organisation: on a Citus worker that holds its shard,
	 * the shard itself (a walk that runs beside a query on a shard may not
	 * start a distributed query; citus_compat.c), else the table.
	 */
	const char *links = iso28000_org_relation_name(get_relname_relid("supply_chain_dependency",
																	 get_namespace_oid("iso28000", false)),
												   org_id);
	const char *sql = downstream
		? psprintf("SELECT d.node_id, iso28000.criticality_rank(d.criticality)"
				   "  FROM %s d"
				   " WHERE d.org_id OPERATOR(pg_catalog.=) $1 AND d.depends_on_id OPERATOR(pg_catalog.=) ANY ($2)", links)
		: psprintf("SELECT d.depends_on_id, iso28000.criticality_rank(d.criticality)"
				   "  FROM %s d"
				   " WHERE d.org_id OPERATOR(pg_catalog.=) $1 AND d.node_id OPERATOR(pg_catalog.=) ANY ($2)", links);
	HASH_SEQ_STATUS it;
	ScEntry    *e;

	memset(buckets, 0, sizeof(buckets));
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(ScEntry);
	ctl.hcxt = CurrentMemoryContext;
	seen = hash_create("supply_chain_reach", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	reach(seen, buckets, start, SC_START_RANK);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "supply_chain_reach: SPI_connect failed");
	plan = SPI_prepare(sql, 2, argtypes);
	if (plan == NULL)
		elog(ERROR, "supply_chain_reach: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));

	for (int r = SC_START_RANK; r >= 1; r--)
	{
		ScBucket   *b = &buckets[r];

		while (b->len > 0)
		{
			/* Take the bucket as one batch; links found at rank r refill it. */
			int64	   *batch = b->nodes;
			int			n = b->len;
			Datum	   *elems = palloc(n * sizeof(Datum));
			int			k = 0;

			b->nodes = NULL;
			b->len = b->cap = 0;
			for (int i = 0; i < n; i++)
			{
				ScEntry    *be = hash_search(seen, &batch[i], HASH_FIND, NULL);

				if (be->expanded || be->rank != r)
					continue;	/* already expanded, or queued again higher */
				be->expanded = true;
				elems[k++] = Int64GetDatum(batch[i]);
			}
			pfree(batch);
			if (k > 0)
			{
				Datum		args[2];
				ArrayType  *arr = construct_array(elems, k, INT8OID, sizeof(int64),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
				int			rc;

				CHECK_FOR_INTERRUPTS();
				args[0] = Int64GetDatum(org_id);
				args[1] = PointerGetDatum(arr);
				rc = SPI_execute_plan(plan, args, NULL, true, 0);
				if (rc != SPI_OK_SELECT)
					elog(ERROR, "supply_chain_reach: query failed: %s", SPI_result_code_string(rc));
				for (uint64 j = 0; j < SPI_processed; j++)
				{
					HeapTuple	tup = SPI_tuptable->vals[j];
					bool		isnull;
					int64		next = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
					Datum		rd = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull);
					int			link = isnull ? 1 : DatumGetInt32(rd);
					int			cand = Min(r, Max(1, Min(link, SC_MAX_RANK)));

					if (next == start)
						start_cycle_rank = Max(start_cycle_rank, cand);
					else
						reach(seen, buckets, next, cand);
				}
				SPI_freetuptable(SPI_tuptable);
				pfree(arr);
			}
			pfree(elems);
		}
	}
	SPI_finish();

	hash_seq_init(&it, seen);
	while ((e = hash_seq_search(&it)) != NULL)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		if (e->node_id == start)
		{
			if (start_cycle_rank == 0)
				continue;
			values[1] = Int32GetDatum(start_cycle_rank);
		}
		else
			values[1] = Int32GetDatum(e->rank);
		values[0] = Int64GetDatum(e->node_id);
		tuplestore_putvalues(ts, tupdesc, values, nulls);
	}
	hash_destroy(seen);
	return (Datum) 0;
}
