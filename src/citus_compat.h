/*
 * citus_compat.h
 *		What the engines need to know when they run on a Citus cluster.
 *
 * On a cluster the triggers of a register fire on its shards, in the workers'
 * backends: the relation a trigger sees is a shard (iso28000.person_102008),
 * with a row type of its own, and a reference table has one placement per
 * node, each firing its own triggers.  These helpers answer, without linking
 * against Citus and at no cost when Citus is not installed, which table a
 * shard belongs to, where the organisation's chain lives, and which
 * transaction a change belongs to across nodes.  doc/distribution.md.
 */
#ifndef ISO28000_CITUS_COMPAT_H
#define ISO28000_CITUS_COMPAT_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

/*
 * True when the Citus library is loaded in this backend (its settings are
 * defined), whether or not the extension is created in this database.
 */
extern bool iso28000_citus_loaded(void);

/* The table a relation stands for: the distributed table of a shard, else itself. */
extern Oid	iso28000_logical_relid(Relation rel);

/* True when rel is a shard or placement of a Citus table. */
extern bool iso28000_is_shard(Relation rel);

/* True when rel is a placement of a Citus reference table. */
extern bool iso28000_is_reference_placement(Relation rel);

/*
 * For a reference table with a placement on this node, that placement (a
 * plain local table, which a query on a shard may read); else relid itself.
 */
extern Oid	iso28000_local_placement(Oid relid);

/* True when the shard of iso28000.history that holds the organisation is on this node. */
extern bool iso28000_chain_is_local(int64 org_id);

/*
 * The Citus distributed transaction number of the current transaction (the
 * same on every node it touches), or 0 outside a distributed transaction.
 */
extern int64 iso28000_distributed_txid(void);

/*
 * True when the current transaction on this node was begun by another node
 * of the cluster (Citus's distributed transaction id names another node as
 * its initiator): a worker running a coordinator's statements.  False
 * without Citus.
 */
extern bool iso28000_citus_remote_transaction(void);

/*
 * True in a backend of one of Citus's own connections (application_name
 * "citus_internal ..."): a node running a task another node sent it, even a
 * single-shard statement outside a transaction block, which carries no
 * distributed transaction id (iso28000_citus_remote_transaction() is false
 * there).  Citus refuses a distributed query from inside a shard's statement
 * in such a backend unless it executes it locally.
 */
extern bool iso28000_citus_task_backend(void);

/*
 * The qualified name to read one organisation's rows of table relid from: its
 * shard when this node holds it (Citus), else the table.
 */
extern char *iso28000_org_relation_name(Oid relid, int64 org_id);

/*
 * Runs sql, a fixed SPI query whose relations, functions and operators are
 * all qualified, with each of tables (names of schema iso28000, written
 * "iso28000.TABLE " in sql: a space after the name) read from the
 * organisation's shard of it on this node when this node holds that shard:
 * for a query run from a trigger on a shard (a worker running a statement of
 * the coordinator), where a query of the distributed table is a distributed
 * query from a query on a shard, which Citus runs only when it can run it
 * locally and refuses otherwise (XX000).  The caller is connected to SPI and
 * decides that it runs inside a shard's statement; the plan of each shard's
 * text is kept in the backend until the next shard move (any invalidation of
 * the tables' map of _org_relation()).  With snap, the query reads with it.
 * Returns false, running nothing, when this node holds no shard of
 * org_id's of any of tables (without Citus, not distributed, the node holds
 * no placement): the caller runs sql as it is.  Else *rc is SPI's result.
 */
#define ISO28000_ORG_SHARD_MAXTABLES 2
extern bool iso28000_org_shard_execute(const char *sql, int ntables, const char *const *tables,
									   int64 org_id, int nargs, Oid *argtypes, Datum *values,
									   const char *nulls, Snapshot snap, bool read_only,
									   long tcount, int *rc);

/* Installs the emit_log_hook that carries an error's fields from a worker to the coordinator's client (src/citus_errfields.c). */
extern void citus_errfields_install(void);

/*
 * A row of a relation (tuple, descriptor) as a composite Datum of the given
 * row type: a shard's row as a row of its table (workflow guards).
 */
extern Datum iso28000_row_as_type(HeapTuple tup, TupleDesc desc, Oid rowtype);

/* Drops the cached answers about a relation (InvalidOid: all); engines.c's relcache callback. */
extern void iso28000_citus_relcache_invalidate(Oid relid);

#endif							/* ISO28000_CITUS_COMPAT_H */
