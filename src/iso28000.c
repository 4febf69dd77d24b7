/*
 * iso28000.c
 *		Module entry point of the iso28000 extension.
 *
 * The extension's C code is split one concept per file (clause_ref, risk_rating,
 * conformity_tally, the workflow engine, the history chain); this file only
 * holds the module magic.  Modules that keep per-backend caches register their
 * invalidation callbacks lazily, the first time they build their cache; _PG_init
 * only defines the settings (iso28000.notify_announce, src/notification.c) and
 * installs the hook that carries an error's fields through a Citus coordinator
 * (src/citus_errfields.c), so the library can still be loaded on demand.
 */
#include "iso28000_compat.h"

#include "fmgr.h"

#include "actor.h"
#include "citus_compat.h"
#include "notification.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	notification_define_guc();
	actor_define_guc();
	citus_errfields_install();
}
