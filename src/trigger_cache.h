/*
 * trigger_cache.h
 *		What a C trigger reads from its arguments, kept per backend by
 *		trigger: the state gate (state_gate.c) and the person stamps
 *		(actor_stamp.c) read column names into positions once, not at every
 *		statement, and check at every row that what they read still holds.
 */
#ifndef ISO28000_TRIGGER_CACHE_H
#define ISO28000_TRIGGER_CACHE_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "commands/trigger.h"
#include "utils/hsearch.h"

/*
 * The entry of the trigger in *htab (made on first use in CacheMemoryContext,
 * named name, entries of entrysize bytes beginning with the trigger's OID);
 * *found false for a new one, whose other bytes are zero.
 */
extern void *trigger_cache_entry(HTAB **htab, const char *name, Size entrysize, Oid tgoid, bool *found);

/* Whether the trigger's arguments are still the nargs strings kept. */
extern bool trigger_args_same(Trigger *tg, int nargs, char **kept);

/* Whether column att of desc is still the live column name. */
static inline bool
trigger_att_is(TupleDesc desc, AttrNumber att, const char *name)
{
	Form_pg_attribute a;

	if (att <= 0 || att > desc->natts)
		return false;
	a = TupleDescAttr(desc, att - 1);
	return !a->attisdropped && strcmp(NameStr(a->attname), name) == 0;
}

#endif							/* ISO28000_TRIGGER_CACHE_H */
