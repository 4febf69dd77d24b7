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
 * iso28000.person (fixed, schema-qualified, no caller code), cached per
 * statement; callable with or without an SPI connection.
 */
extern bool iso28000_acting_person(int64 org_id, int64 *person_id);

extern Datum iso28000_act_as(PG_FUNCTION_ARGS);
extern Datum iso28000_acting_person_sql(PG_FUNCTION_ARGS);

#endif							/* ISO28000_ACTOR_H */
