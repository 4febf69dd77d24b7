/*
 * trigger_cache.c
 *		A per-backend cache by trigger OID of what a C trigger reads from its
 *		arguments (see trigger_cache.h).  Nothing is invalidated from outside:
 *		the callers check at every row that the trigger's arguments are the
 *		ones they read and that each column they found is still at its place
 *		under its name, and read them again otherwise.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "trigger_cache.h"

/* The entry of the trigger, the table made on first use. */
void *
trigger_cache_entry(HTAB **htab, const char *name, Size entrysize, Oid tgoid, bool *found)
{
	void	   *entry;

	if (*htab == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = entrysize;
		ctl.hcxt = CacheMemoryContext;
		*htab = hash_create(name, 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(*htab, &tgoid, HASH_ENTER, found);
	if (!*found)
		memset((char *) entry + sizeof(Oid), 0, entrysize - sizeof(Oid));
	return entry;
}

/* Whether the trigger's arguments are still the nargs strings kept. */
bool
trigger_args_same(Trigger *tg, int nargs, char **kept)
{
	int			i;

	if (tg->tgnargs != nargs)
		return false;
	for (i = 0; i < nargs; i++)
		if (strcmp(kept[i], tg->tgargs[i]) != 0)
			return false;
	return true;
}
