/*
 * conformity_agg.c
 *		Transition, inverse transition and combine functions of the scoring
 *		aggregates conformity_score, conformity_tally and conformity_merge.
 *
 * The state is the concrete, fixed-size conformity_tally (not internal), so
 * partial aggregation can travel between processes and nodes as a plain value
 * (parallel query, Citus) with no serial/deserial functions.  Each transition
 * updates the state in place in the aggregate context: no allocation per row.
 * The grade of a row becomes a tally slot through the per call site cache of
 * conformity_tally.h.  All sums are 64-bit integers checked for overflow, so
 * adding, combining and subtracting commute exactly, which is what lets a
 * moving window subtract the rows that leave the frame.
 */
#include "postgres.h"

#include "common/int.h"
#include "fmgr.h"

#include "conformity_tally.h"
#include "iso28000_errcodes.h"

/* The state argument, after checking that we run as an aggregate. */
static inline CtTally *
agg_state(FunctionCallInfo fcinfo, const char *fname)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "%s called in non-aggregate context", fname);
	return PG_GETARG_TALLY_P(0);
}

/* The weight argument, refusing a negative one. */
static inline int32
agg_weight(FunctionCallInfo fcinfo)
{
	int32		w = PG_GETARG_INT32(2);

	if (unlikely(w < 0))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_NEGATIVE_WEIGHT),
				 errmsg("conformity weight must not be negative: %d", w),
				 errdetail("A weight says how much an item counts in the score; it is zero or more."),
				 errhint("Give the item weight 0, or grade it not_applicable, to leave it out of the score.")));
	return w;
}

/* Adds one item of grade slot g and weight w to the state. */
static inline void
add_item(CtTally *st, int g, int64 w)
{
	if (unlikely(pg_add_s64_overflow(st->count[g], 1, &st->count[g]) ||
				 pg_add_s64_overflow(st->weight[g], w, &st->weight[g])))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("conformity_tally out of range"),
				 errdetail("The count or weight sum of grade %s exceeds 64 bits.", ct_grade_name(g))));
}

/* Removes one item of grade slot g and weight w from the state. */
static inline void
remove_item(CtTally *st, int g, int64 w)
{
	if (unlikely(st->count[g] < 1 || st->weight[g] < w))
		elog(ERROR, "conformity_tally inverse transition removed an item that was not added");
	st->count[g] -= 1;
	st->weight[g] -= w;
}

PG_FUNCTION_INFO_V1(conformity_tally_trans);
/* Transition: one item of the given grade, weight 1. */
Datum
conformity_tally_trans(PG_FUNCTION_ARGS)
{
	CtTally    *st = agg_state(fcinfo, "conformity_tally_trans");

	add_item(st, ct_grade_index(fcinfo->flinfo, PG_GETARG_DATUM(1)), 1);
	PG_RETURN_TALLY_P(st);
}

PG_FUNCTION_INFO_V1(conformity_tally_trans_w);
/* Transition: one item of the given grade and weight (negative weight refused). */
Datum
conformity_tally_trans_w(PG_FUNCTION_ARGS)
{
	CtTally    *st = agg_state(fcinfo, "conformity_tally_trans_w");
	int32		w = agg_weight(fcinfo);

	add_item(st, ct_grade_index(fcinfo->flinfo, PG_GETARG_DATUM(1)), w);
	PG_RETURN_TALLY_P(st);
}

PG_FUNCTION_INFO_V1(conformity_tally_inv);
/* Inverse transition: removes one item of the given grade, weight 1. */
Datum
conformity_tally_inv(PG_FUNCTION_ARGS)
{
	CtTally    *st = agg_state(fcinfo, "conformity_tally_inv");

	remove_item(st, ct_grade_index(fcinfo->flinfo, PG_GETARG_DATUM(1)), 1);
	PG_RETURN_TALLY_P(st);
}

PG_FUNCTION_INFO_V1(conformity_tally_inv_w);
/* Inverse transition: removes one item of the given grade and weight. */
Datum
conformity_tally_inv_w(PG_FUNCTION_ARGS)
{
	CtTally    *st = agg_state(fcinfo, "conformity_tally_inv_w");
	int32		w = agg_weight(fcinfo);

	remove_item(st, ct_grade_index(fcinfo->flinfo, PG_GETARG_DATUM(1)), w);
	PG_RETURN_TALLY_P(st);
}

PG_FUNCTION_INFO_V1(conformity_tally_combine);
/* Combine (and conformity_merge transition): adds the second tally into the first, in place. */
Datum
conformity_tally_combine(PG_FUNCTION_ARGS)
{
	CtTally    *st = agg_state(fcinfo, "conformity_tally_combine");

	ct_add_into(st, PG_GETARG_TALLY_P(1));
	PG_RETURN_TALLY_P(st);
}

PG_FUNCTION_INFO_V1(conformity_tally_uncombine);
/* Inverse transition of conformity_merge: subtracts a tally that was merged in. */
Datum
conformity_tally_uncombine(PG_FUNCTION_ARGS)
{
	CtTally    *st = agg_state(fcinfo, "conformity_tally_uncombine");

	ct_sub_from(st, PG_GETARG_TALLY_P(1));
	PG_RETURN_TALLY_P(st);
}
