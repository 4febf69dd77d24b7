/*
 * actor.h
 *		The acting person: who, of an organisation's people, the current
 *		transaction acts for.
 *
 * A person acts either through their own database role (person.db_role =
 * current_user) or through an application role that a manager delegated to
 * act for the organisation's people (iso28000.delegation); the application
 * then names the person per transaction with iso28000.act_as(org, person).
 * The declared person lives in this backend's memory for that transaction
 * only (cleared at commit or abort, and at the abort of the savepoint that
 * declared it), never in a setting a user could SET, so it is safe behind a
 * transaction pooler.  The engines (workflow stamps, guards, the history)
 * ask iso28000_acting_person() and nothing else, so the rule lives here.
 * See doc/security.md.
 */
#ifndef ISO28000_ACTOR_H
#define ISO28000_ACTOR_H

#include "postgres.h"

#include "fmgr.h"

/*
 * The acting person of the current transaction in the organisation: the
 * person declared with act_as() by a role still delegated there (and still
 * the current user), else the active person whose db_role is the current
 * user.  False when there is none.  Runs SPI queries as the owner of
 * iso28000.person (fixed, schema-qualified, no caller code) when its cache
 * (see actor.c) does not hold the answer; callable with or without an SPI
 * connection.
 */
extern bool iso28000_acting_person(int64 org_id, int64 *person_id);

/*
 * Drops the cached look-ups when relid is iso28000.person or delegation, or
 * InvalidOid (everything, or a role changed).  For membership.c's callbacks:
 * only marks, reads nothing.
 */
extern void actor_relcache_invalidate(Oid relid);

/* Defines the setting iso28000.acting_for (_PG_init; see actor.c). */
extern void actor_define_guc(void);

extern Datum iso28000_act_as(PG_FUNCTION_ARGS);
extern Datum iso28000_identity_changed(PG_FUNCTION_ARGS);
extern Datum iso28000_stamp_acting_person(PG_FUNCTION_ARGS);	/* actor_stamp.c */
extern Datum iso28000_acting_person_sql(PG_FUNCTION_ARGS);

#endif							/* ISO28000_ACTOR_H */
