/*
 * risk_rating.h
 *		The risk_rating base type: likelihood x consequence, each 1 to 10.
 *
 * Stored in two bytes and passed by value: the likelihood in the high byte,
 * the consequence in the low byte (see risk_rating_text.h for the packing and
 * the text form).  The sort order is score (likelihood x consequence), then
 * consequence, then likelihood: a total order, since score and consequence
 * together determine the likelihood.
 */
#ifndef RISK_RATING_H
#define RISK_RATING_H

#include "postgres.h"
#include "fmgr.h"

#include "risk_rating_text.h"

typedef uint16 RiskRating;

#define DatumGetRiskRating(d)	((RiskRating) DatumGetUInt16(d))
#define RiskRatingGetDatum(r)	UInt16GetDatum(r)
#define PG_GETARG_RISK_RATING(n) DatumGetRiskRating(PG_GETARG_DATUM(n))
#define PG_RETURN_RISK_RATING(r) return RiskRatingGetDatum(r)

/* Score of a rating: likelihood times consequence, 1 to 100. */
static inline int
RiskRatingScore(RiskRating r)
{
	return risk_rating_likelihood_of(r) * risk_rating_consequence_of(r);
}

#endif							/* RISK_RATING_H */
