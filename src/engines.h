/*
 * engines.h
 *		What the two engines share: the workflow engine (workflow*.c) and the
 *		history recorder (history.c).
 *
 * Both act on the extension's own relations (the rules tables, the event log,
 * the history and its heads), write some of them as their owner, accept only
 * the extension's registers, name a register the same way in messages and in
 * records, and keep their SPI plans for the life of the backend.  This unit
 * says each of those once, and looks the relations and owners up once per
 * backend (engines.c), until an invalidation says they changed.
 *
 * Citus: a trigger on a shard sees the shard, not its table.  engine_relid(),
 * engine_relname() and engine_row_type() are the places that name a register
 * and its row type: they map a shard to its table (citus_compat.c), once for
 * both engines.
 */
#ifndef ISO28000_ENGINES_H
#define ISO28000_ENGINES_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/rel.h"

/* The extension's own relations and their owners, as this backend last saw them. */
typedef struct EngineCatalog
{
	Oid			nsp;			/* schema iso28000 */
	Oid			nsp_owner;		/* its owner: the registers' owner */
	/* the workflow engine's rules tables and its event log */
	Oid			workflow;
	Oid			workflow_state;
	Oid			workflow_transition;
	Oid			workflow_required_column;
	Oid			workflow_event;
	Oid			workflow_event_batch;	/* its store (0.2.0 on); InvalidOid before */
	Oid			workflow_event_owner;
	/* the history chain */
	Oid			history;
	Oid			history_head;
	Oid			history_owner;
	bool		history_has_person; /* acting_person column (0.2.0 on) */
} EngineCatalog;

/*
 * The catalog, looked up when first needed and again after any of its
 * relations (or the schema) changed.  The pointer stays valid for the life of
 * the backend, but its fields may change at the next call.
 */
extern const EngineCatalog *engine_catalog(void);

/*
 * The catalog as last looked up, without looking anything up: for
 * invalidation callbacks, which must not read the catalogs.
 */
extern const EngineCatalog *engine_catalog_last(void);

/*
 * Is the relation one the engines serve: a permanent table of schema iso28000
 * owned by the owner of that schema?
 */
extern bool iso28000_is_extension_table(Relation rel);

/* The register a relation is: itself, or on a Citus shard its table. */
extern Oid	engine_relid(Relation rel);

/* Schema-qualified, quoted name of a register (its table's, on a shard). */
extern const char *engine_relname(Relation rel);

/* The row type of a register (its table's, on a shard). */
extern Oid	engine_row_type(Relation rel);

/* Prepares a plan once and keeps it; the plan cache keeps it valid. */
extern const char *engine_role_name(Oid roleid);

extern SPIPlanPtr engine_keep_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes);

/*
 * Whether PostgreSQL itself keeps rel's org_id column (org_att) pointing at an
 * existing organisation: a foreign key on that column alone to
 * organization's key (org_relid, org_key), int8 equality, validated, not
 * deferrable, both its check triggers on rel enabled in this session; and,
 * when org is given, both its action triggers on organization enabled too.
 * The event log and the outbox leave out a check of their own when it holds.
 */
extern bool iso28000_org_key_enforced(Relation rel, AttrNumber org_att, Oid org_relid,
									  AttrNumber org_key, Relation org);

#endif							/* ISO28000_ENGINES_H */
