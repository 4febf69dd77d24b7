/*
 * risk_rating.c
 *		SQL interface of the risk_rating type: I/O, accessors, default band,
 *		comparison, hashing.
 *
 * Parsing and formatting live in risk_rating_text.c (no PostgreSQL headers);
 * this file turns their outcomes into SQLSTATEs: 22P02 for text that is not a
 * rating at all, 22003 for a well-formed rating whose numbers are outside 1 to
 * 10.  The receive function validates exactly as the input function does.
 */
#include "iso28000_compat.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "risk_rating.h"

/* Default band thresholds on the score (documented in doc/risk_rating.md). */
#define RR_BAND_MEDIUM_FROM		16
#define RR_BAND_HIGH_FROM		36
#define RR_BAND_CRITICAL_FROM	64

/* Raises 22003 unless likelihood and consequence both lie in 1..10. */
static inline void
check_risk_rating_parts(int likelihood, int consequence)
{
	if (likelihood < RISK_RATING_MIN || likelihood > RISK_RATING_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("likelihood %d is out of range for type risk_rating",
						likelihood),
				 errdetail("%s", risk_rating_parse_message(RR_PARSE_LIKELIHOOD_RANGE))));
	if (consequence < RISK_RATING_MIN || consequence > RISK_RATING_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("consequence %d is out of range for type risk_rating",
						consequence),
				 errdetail("%s", risk_rating_parse_message(RR_PARSE_CONSEQUENCE_RANGE))));
}

/* Three-way comparison: score, then consequence, then likelihood. */
static inline int
risk_rating_cmp_internal(RiskRating a, RiskRating b)
{
	int			sa = RiskRatingScore(a);
	int			sb = RiskRatingScore(b);
	int			ca,
				cb;

	if (sa != sb)
		return sa < sb ? -1 : 1;
	ca = risk_rating_consequence_of(a);
	cb = risk_rating_consequence_of(b);
	if (ca != cb)
		return ca < cb ? -1 : 1;
	/* equal score and consequence imply equal likelihood */
	return 0;
}

PG_FUNCTION_INFO_V1(risk_rating_in);
/* Input function: text "L4C3" to risk_rating. */
Datum
risk_rating_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	RiskRatingParseResult r = risk_rating_parse(str, strlen(str));

	switch (r.status)
	{
		case RR_PARSE_OK:
			break;
		case RR_PARSE_EMPTY:
		case RR_PARSE_SYNTAX:
		case RR_PARSE_LEADING_ZERO:
			ereturn(fcinfo->context, (Datum) 0,
					errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					errmsg("invalid input syntax for type risk_rating: \"%s\"", str),
					errdetail("%s", risk_rating_parse_message(r.status)),
					errhint("Write the likelihood after L and the consequence after C, each from 1 to 10, for example L4C3."));
			break;
		case RR_PARSE_LIKELIHOOD_RANGE:
		case RR_PARSE_CONSEQUENCE_RANGE:
			ereturn(fcinfo->context, (Datum) 0,
					errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					errmsg("value \"%s\" is out of range for type risk_rating", str),
					errdetail("%s", risk_rating_parse_message(r.status)));
			break;
	}
	PG_RETURN_RISK_RATING(risk_rating_pack(r.likelihood, r.consequence));
}

PG_FUNCTION_INFO_V1(risk_rating_out);
/* Output function: risk_rating to its canonical text "L4C3". */
Datum
risk_rating_out(PG_FUNCTION_ARGS)
{
	RiskRating	r = PG_GETARG_RISK_RATING(0);
	char	   *buf = palloc(RISK_RATING_TEXT_MAXLEN);

	risk_rating_format(risk_rating_likelihood_of(r), risk_rating_consequence_of(r),
					   buf, RISK_RATING_TEXT_MAXLEN);
	PG_RETURN_CSTRING(buf);
}

PG_FUNCTION_INFO_V1(risk_rating_recv);
/* Receive function: one byte likelihood, one byte consequence, validated. */
Datum
risk_rating_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			likelihood = pq_getmsgbyte(buf);
	int			consequence = pq_getmsgbyte(buf);

	check_risk_rating_parts(likelihood, consequence);
	PG_RETURN_RISK_RATING(risk_rating_pack(likelihood, consequence));
}

PG_FUNCTION_INFO_V1(risk_rating_send);
/* Send function: one byte likelihood, one byte consequence. */
Datum
risk_rating_send(PG_FUNCTION_ARGS)
{
	RiskRating	r = PG_GETARG_RISK_RATING(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, risk_rating_likelihood_of(r));
	pq_sendbyte(&buf, risk_rating_consequence_of(r));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(risk_rating_make);
/* Constructor: risk_rating(likelihood, consequence). */
Datum
risk_rating_make(PG_FUNCTION_ARGS)
{
	int32		likelihood = PG_GETARG_INT32(0);
	int32		consequence = PG_GETARG_INT32(1);

	check_risk_rating_parts(likelihood, consequence);
	PG_RETURN_RISK_RATING(risk_rating_pack(likelihood, consequence));
}

PG_FUNCTION_INFO_V1(risk_rating_likelihood);
/* Likelihood of a rating, 1 to 10. */
Datum
risk_rating_likelihood(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(risk_rating_likelihood_of(PG_GETARG_RISK_RATING(0)));
}

PG_FUNCTION_INFO_V1(risk_rating_consequence);
/* Consequence of a rating, 1 to 10. */
Datum
risk_rating_consequence(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(risk_rating_consequence_of(PG_GETARG_RISK_RATING(0)));
}

PG_FUNCTION_INFO_V1(risk_rating_score);
/* Score of a rating: likelihood times consequence, 1 to 100. */
Datum
risk_rating_score(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RiskRatingScore(PG_GETARG_RISK_RATING(0)));
}

PG_FUNCTION_INFO_V1(risk_rating_default_band);
/* Default band of a rating from its score: low, medium, high or critical. */
Datum
risk_rating_default_band(PG_FUNCTION_ARGS)
{
	int			score = RiskRatingScore(PG_GETARG_RISK_RATING(0));
	const char *band;

	if (score >= RR_BAND_CRITICAL_FROM)
		band = "critical";
	else if (score >= RR_BAND_HIGH_FROM)
		band = "high";
	else if (score >= RR_BAND_MEDIUM_FROM)
		band = "medium";
	else
		band = "low";
	PG_RETURN_TEXT_P(cstring_to_text(band));
}

PG_FUNCTION_INFO_V1(risk_rating_cmp);
/* btree support: three-way comparison. */
Datum
risk_rating_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(risk_rating_cmp_internal(PG_GETARG_RISK_RATING(0),
											 PG_GETARG_RISK_RATING(1)));
}

PG_FUNCTION_INFO_V1(risk_rating_lt);
/* Operator <. */
Datum
risk_rating_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(risk_rating_cmp_internal(PG_GETARG_RISK_RATING(0),
											PG_GETARG_RISK_RATING(1)) < 0);
}

PG_FUNCTION_INFO_V1(risk_rating_le);
/* Operator <=. */
Datum
risk_rating_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(risk_rating_cmp_internal(PG_GETARG_RISK_RATING(0),
											PG_GETARG_RISK_RATING(1)) <= 0);
}

PG_FUNCTION_INFO_V1(risk_rating_eq);
/* Operator =. */
Datum
risk_rating_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_RISK_RATING(0) == PG_GETARG_RISK_RATING(1));
}

PG_FUNCTION_INFO_V1(risk_rating_ne);
/* Operator <>. */
Datum
risk_rating_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_RISK_RATING(0) != PG_GETARG_RISK_RATING(1));
}

PG_FUNCTION_INFO_V1(risk_rating_ge);
/* Operator >=. */
Datum
risk_rating_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(risk_rating_cmp_internal(PG_GETARG_RISK_RATING(0),
											PG_GETARG_RISK_RATING(1)) >= 0);
}

PG_FUNCTION_INFO_V1(risk_rating_gt);
/* Operator >. */
Datum
risk_rating_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(risk_rating_cmp_internal(PG_GETARG_RISK_RATING(0),
											PG_GETARG_RISK_RATING(1)) > 0);
}

PG_FUNCTION_INFO_V1(risk_rating_larger);
/* The greater of two ratings (for max). */
Datum
risk_rating_larger(PG_FUNCTION_ARGS)
{
	RiskRating	a = PG_GETARG_RISK_RATING(0);
	RiskRating	b = PG_GETARG_RISK_RATING(1);

	PG_RETURN_RISK_RATING(risk_rating_cmp_internal(a, b) >= 0 ? a : b);
}

PG_FUNCTION_INFO_V1(risk_rating_smaller);
/* The lesser of two ratings (for min). */
Datum
risk_rating_smaller(PG_FUNCTION_ARGS)
{
	RiskRating	a = PG_GETARG_RISK_RATING(0);
	RiskRating	b = PG_GETARG_RISK_RATING(1);

	PG_RETURN_RISK_RATING(risk_rating_cmp_internal(a, b) <= 0 ? a : b);
}

PG_FUNCTION_INFO_V1(risk_rating_hash);
/* hash support: 32-bit hash of the packed value. */
Datum
risk_rating_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) PG_GETARG_RISK_RATING(0));
}

PG_FUNCTION_INFO_V1(risk_rating_hash_extended);
/* hash support: seeded 64-bit hash of the packed value. */
Datum
risk_rating_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) PG_GETARG_RISK_RATING(0),
								PG_GETARG_INT64(1));
}
