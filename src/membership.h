/*
 * membership.h
 *		Which organisations a role may read, write, audit or manage: the one
 *		membership rule of the extension, decided in C from a per-backend cache.
 *
 * The rule (doc/tenant.md): role r has at least level L in organisation o
 * when the session user can become r (is a member of it) and iso28000.membership
 * has a row (o, m, l) with rank(l) >= rank(L) for a role m whose privileges r
 * has (r itself, or a group r inherits from).  iso28000.member_orgs(),
 * has_level(), require_level(), _role_orgs(), every row-level security policy
 * and the workflow engine's level check all ask the functions below.
 *
 * The cache is dropped when iso28000.membership or iso28000.access_level
 * change (a statement trigger on them sends a relcache invalidation), when
 * role membership or roles change (pg_auth_members, pg_authid), and is read
 * again with a fresh snapshot, so a change committed by another session counts
 * from the next statement on and one made by the own transaction from its
 * next command on.  See src/membership.c.
 */
#ifndef ISO28000_MEMBERSHIP_H
#define ISO28000_MEMBERSHIP_H

#include "postgres.h"

#include "fmgr.h"

/* Whether role has at least the named level in the organisation. */
extern bool membership_has_level(Oid role, int64 org, const char *level);

/*
 * The organisations in which role has at least the level (name of len bytes),
 * sorted, palloc'd in *orgs; their number, or -1 when there is no such level.
 */
extern int	membership_orgs(Oid role, const char *level, size_t len, int64 **orgs);

/*
 * The rank of the level (name of len bytes), and the relation holding the
 * levels in *levels_relid; false when there is no such level.
 */
extern bool membership_level_rank(const char *level, size_t len, int16 *rank, Oid *levels_relid);

/*
 * Registers the relcache and syscache callbacks that invalidate this cache
 * and the acting person's (actor.c): one relcache callback slot for both.
 */
extern void membership_register_callbacks(void);

extern Datum iso28000_member_orgs(PG_FUNCTION_ARGS);
extern Datum iso28000_role_orgs(PG_FUNCTION_ARGS);
extern Datum iso28000_has_level(PG_FUNCTION_ARGS);
extern Datum iso28000_require_level(PG_FUNCTION_ARGS);
extern Datum iso28000_policy_has_level(PG_FUNCTION_ARGS);
extern Datum iso28000_policy_support(PG_FUNCTION_ARGS);
extern Datum iso28000_membership_changed(PG_FUNCTION_ARGS);
extern Datum iso28000_invalidate_changed_table(FunctionCallInfo fcinfo, const char *fname);

#endif							/* ISO28000_MEMBERSHIP_H */
