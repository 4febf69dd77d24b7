/*
 * conformity_tally.h
 *		The conformity_tally type and the grade look-up shared by its functions
 *		and the scoring aggregates.
 */
#ifndef CONFORMITY_TALLY_H
#define CONFORMITY_TALLY_H

#include "iso28000_compat.h"

#include "fmgr.h"

#include "conformity_tally_text.h"

/* A conformity_tally Datum is a pointer to a CtTally (fixed length, by reference). */
#define DatumGetTallyP(d)		((CtTally *) DatumGetPointer(d))
#define PG_GETARG_TALLY_P(n)	DatumGetTallyP(PG_GETARG_DATUM(n))
#define PG_RETURN_TALLY_P(p)	PG_RETURN_POINTER(p)

/* Span of enum OIDs the direct look-up table covers. */
#define CT_DIRECT_SPAN 64

/*
 * Per call site cache (kept in fn_extra) of the OIDs of the conformity_grade
 * labels, indexed like CtGrade.  Enum values are OIDs; this turns one into a
 * tally slot with no catalog access per row.  The labels of one CREATE TYPE
 * get close OIDs, so a small table indexed by (oid - base) answers in one
 * load; if the labels were spread out (labels added later by ALTER TYPE), the
 * seven OIDs are compared in turn.
 */
typedef struct GradeCache
{
	Oid			oids[CT_NGRADES];
	Oid			base;			/* smallest of oids */
	bool		direct;			/* every label within CT_DIRECT_SPAN of base */
	uint8		slot[CT_DIRECT_SPAN];	/* grade + 1 at (oid - base), 0 if none */
} GradeCache;

/* Builds the grade cache of flinfo (once per call site). */
extern GradeCache *ct_grade_cache_build(FmgrInfo *flinfo);

/* Raises the error for an enum value that is not a conformity grade. */
pg_noreturn extern void ct_grade_unknown(Oid value);

/* The tally slot of the conformity_grade value d. */
static inline int
ct_grade_index(FmgrInfo *flinfo, Datum d)
{
	GradeCache *cache = (GradeCache *) flinfo->fn_extra;
	Oid			v = DatumGetObjectId(d);

	if (unlikely(cache == NULL))
		cache = ct_grade_cache_build(flinfo);
	if (likely(cache->direct))
	{
		uint32		off = v - cache->base;

		if (likely(off < CT_DIRECT_SPAN && cache->slot[off] != 0))
			return cache->slot[off] - 1;
		ct_grade_unknown(v);
	}
	for (int g = 0; g < CT_NGRADES; g++)
		if (cache->oids[g] == v)
			return g;
	ct_grade_unknown(v);
	return -1;					/* not reached */
}

/* Adds b into a, raising 22003 on overflow. */
extern void ct_add_into(CtTally *a, const CtTally *b);

/* Subtracts b from a (inverse transition); b must be part of a. */
extern void ct_sub_from(CtTally *a, const CtTally *b);

#endif							/* CONFORMITY_TALLY_H */
