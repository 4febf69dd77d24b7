/*
 * conformity_tally.c
 *		The conformity_tally type: input, output, receive, send, equality, the
 *		+ operator, and the figures derived from a tally (score, coverage,
 *		verdict, count_of, weight_of).
 *
 * The scoring model (doc/scoring.md): conforming, observation and
 * opportunity earn full credit, minor_nc half, major_nc none; not_applicable
 * leaves every denominator; not_assessed counts against coverage but not
 * against the score.  score = sum(weight x credit) / sum(weight) over graded
 * items, as a percentage; coverage = graded / applicable items, as a
 * percentage.  Both come from integers only at the end, so any way of adding
 * tallies up gives the same figures.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "conformity_tally.h"

/* Version byte that starts the binary form, so the layout can change later. */
#define CT_BINARY_VERSION 1

/* Builds the grade cache of flinfo (once per call site). */
GradeCache *
ct_grade_cache_build(FmgrInfo *flinfo)
{
	GradeCache *cache;
	Oid			nsp = get_func_namespace(flinfo->fn_oid);
	Oid			typoid;

	typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
							 CStringGetDatum("conformity_grade"),
							 ObjectIdGetDatum(nsp));
	if (!OidIsValid(typoid))
		elog(ERROR, "type conformity_grade not found in the schema of function %u",
			 flinfo->fn_oid);

	cache = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(GradeCache));
	for (int g = 0; g < CT_NGRADES; g++)
	{
		HeapTuple	tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(typoid),
										  CStringGetDatum(ct_grade_name(g)));

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "conformity_grade has no label \"%s\"", ct_grade_name(g));
		cache->oids[g] = ((Form_pg_enum) GETSTRUCT(tup))->oid;
		ReleaseSysCache(tup);
	}
	cache->base = cache->oids[0];
	for (int g = 1; g < CT_NGRADES; g++)
		if (cache->oids[g] < cache->base)
			cache->base = cache->oids[g];
	cache->direct = true;
	for (int g = 0; g < CT_NGRADES; g++)
	{
		if (cache->oids[g] - cache->base >= CT_DIRECT_SPAN)
		{
			cache->direct = false;
			break;
		}
		cache->slot[cache->oids[g] - cache->base] = (uint8) (g + 1);
	}
	flinfo->fn_extra = cache;
	return cache;
}

/* Raises the error for an enum value that is not a conformity grade. */
void
ct_grade_unknown(Oid value)
{
	elog(ERROR, "enum value %u is not a conformity_grade", value);
}

/* Adds b into a, raising 22003 on overflow. */
void
ct_add_into(CtTally *a, const CtTally *b)
{
	for (int g = 0; g < CT_NGRADES; g++)
	{
		if (unlikely(pg_add_s64_overflow(a->count[g], b->count[g], &a->count[g]) ||
					 pg_add_s64_overflow(a->weight[g], b->weight[g], &a->weight[g])))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("conformity_tally out of range"),
					 errdetail("The count or weight sum of grade %s exceeds 64 bits.",
							   ct_grade_name(g))));
	}
}

/* Subtracts b from a (inverse transition); b must be part of a. */
void
ct_sub_from(CtTally *a, const CtTally *b)
{
	for (int g = 0; g < CT_NGRADES; g++)
	{
		a->count[g] -= b->count[g];
		a->weight[g] -= b->weight[g];
		if (a->count[g] < 0 || a->weight[g] < 0)
			elog(ERROR, "conformity_tally inverse transition removed more than was added");
	}
}

/*
 * Reports the input error that matches a failed parse or check, with the one
 * soft-error idiom of the extension (iso28000_compat.h): saved in escontext
 * when the caller passed one (text input on PostgreSQL 16 and later, as
 * pg_input_is_valid does), raised otherwise.
 */
static void
report_bad_tally(struct Node *escontext, CtStatus st, const char *what, const char *detail)
{
	errsave(escontext,
			(errcode(st == CT_RANGE ? ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE
					 : ERRCODE_INVALID_TEXT_REPRESENTATION),
			 st == CT_RANGE
			 ? errmsg("value out of range for type conformity_tally: \"%s\"", what)
			 : st == CT_INCONSISTENT
			 ? errmsg("inconsistent value for type conformity_tally: \"%s\"", what)
			 : errmsg("invalid input syntax for type conformity_tally: \"%s\"", what),
			 errdetail("%s", detail),
			 errhint("A tally reads like {conforming=3/5,minor_nc=1/2}: per grade, the number of items and the sum of their weights.")));
}

PG_FUNCTION_INFO_V1(conformity_tally_in);
/* Text input: {grade=count/weight_sum,...}. */
Datum
conformity_tally_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	CtTally    *t = palloc(sizeof(CtTally));
	char		detail[256];
	CtStatus	st = ct_parse(s, t, detail, sizeof(detail));

	if (st != CT_OK)
	{
		report_bad_tally(fcinfo->context, st, s, detail);
		PG_RETURN_NULL();		/* the error is saved in fcinfo->context */
	}
	PG_RETURN_TALLY_P(t);
}

PG_FUNCTION_INFO_V1(conformity_tally_out);
/* Text output, canonical (grades in enum order, empty grades omitted). */
Datum
conformity_tally_out(PG_FUNCTION_ARGS)
{
	CtTally    *t = PG_GETARG_TALLY_P(0);
	char	   *buf = palloc(CT_TEXT_MAX);

	ct_format(t, buf, CT_TEXT_MAX);
	PG_RETURN_CSTRING(buf);
}

PG_FUNCTION_INFO_V1(conformity_tally_recv);
/* Binary input: version byte, then count and weight sum of each grade; checked like text input. */
Datum
conformity_tally_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	CtTally    *t = palloc(sizeof(CtTally));
	char		detail[256];
	CtStatus	st;
	int			version;

	if (buf->len - buf->cursor != 1 + 2 * CT_NGRADES * 8)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary conformity_tally: %d bytes", buf->len - buf->cursor),
				 errdetail("A binary tally is %d bytes long.", 1 + 2 * CT_NGRADES * 8)));
	version = pq_getmsgbyte(buf);
	if (version != CT_BINARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary conformity_tally: unknown version %d", version),
				 errdetail("This build reads version %d.", CT_BINARY_VERSION)));
	for (int g = 0; g < CT_NGRADES; g++)
	{
		t->count[g] = pq_getmsgint64(buf);
		t->weight[g] = pq_getmsgint64(buf);
	}
	st = ct_check(t, detail, sizeof(detail));
	if (st != CT_OK)
	{
		char		text[CT_TEXT_MAX];

		ct_format(t, text, sizeof(text));
		report_bad_tally(NULL, st, text, detail);
	}
	PG_RETURN_TALLY_P(t);
}

PG_FUNCTION_INFO_V1(conformity_tally_send);
/* Binary output: version byte, then count and weight sum of each grade. */
Datum
conformity_tally_send(PG_FUNCTION_ARGS)
{
	CtTally    *t = PG_GETARG_TALLY_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CT_BINARY_VERSION);
	for (int g = 0; g < CT_NGRADES; g++)
	{
		pq_sendint64(&buf, t->count[g]);
		pq_sendint64(&buf, t->weight[g]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(conformity_tally_eq);
/* True when two tallies hold the same counts and weight sums. */
Datum
conformity_tally_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(memcmp(PG_GETARG_TALLY_P(0), PG_GETARG_TALLY_P(1), sizeof(CtTally)) == 0);
}

PG_FUNCTION_INFO_V1(conformity_tally_ne);
/* True when two tallies differ. */
Datum
conformity_tally_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(memcmp(PG_GETARG_TALLY_P(0), PG_GETARG_TALLY_P(1), sizeof(CtTally)) != 0);
}

PG_FUNCTION_INFO_V1(conformity_tally_add);
/* The + operator: the tally of both sets of items. */
Datum
conformity_tally_add(PG_FUNCTION_ARGS)
{
	CtTally    *r = palloc(sizeof(CtTally));

	memcpy(r, PG_GETARG_TALLY_P(0), sizeof(CtTally));
	ct_add_into(r, PG_GETARG_TALLY_P(1));
	PG_RETURN_TALLY_P(r);
}

/* Sum of weights of graded items, and of their credit in half units. */
static void
weighted_sums(const CtTally *t, double *weight, double *credit)
{
	double		w = 0,
				c = 0;

	for (int g = 0; g <= CT_MAJOR_NC; g++)
		w += (double) t->weight[g];
	c = (double) t->weight[CT_CONFORMING] + (double) t->weight[CT_OBSERVATION] +
		(double) t->weight[CT_OPPORTUNITY] + 0.5 * (double) t->weight[CT_MINOR_NC];
	*weight = w;
	*credit = c;
}

/* Number of graded items (the five judgement grades). */
static int64
graded_count(const CtTally *t)
{
	int64		n = 0;

	for (int g = 0; g <= CT_MAJOR_NC; g++)
		n += t->count[g];
	return n;
}

PG_FUNCTION_INFO_V1(conformity_tally_score);
/* Weighted score as a percentage; NULL when no graded item carries weight. */
Datum
conformity_tally_score(PG_FUNCTION_ARGS)
{
	CtTally    *t = PG_GETARG_TALLY_P(0);
	double		weight,
				credit;

	weighted_sums(t, &weight, &credit);
	if (weight <= 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(100.0 * credit / weight);
}

PG_FUNCTION_INFO_V1(conformity_tally_coverage);
/* Graded items over applicable items (graded + not_assessed), as a percentage; NULL when none is applicable. */
Datum
conformity_tally_coverage(PG_FUNCTION_ARGS)
{
	CtTally    *t = PG_GETARG_TALLY_P(0);
	double		graded = (double) graded_count(t);
	double		applicable = graded + (double) t->count[CT_NOT_ASSESSED];

	if (applicable <= 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(100.0 * graded / applicable);
}

PG_FUNCTION_INFO_V1(conformity_tally_verdict);
/* nonconforming with any major_nc, conforming_with_findings with any minor_nc, else conforming; NULL when nothing is graded. */
Datum
conformity_tally_verdict(PG_FUNCTION_ARGS)
{
	CtTally    *t = PG_GETARG_TALLY_P(0);

	if (graded_count(t) == 0)
		PG_RETURN_NULL();
	if (t->count[CT_MAJOR_NC] > 0)
		PG_RETURN_TEXT_P(cstring_to_text("nonconforming"));
	if (t->count[CT_MINOR_NC] > 0)
		PG_RETURN_TEXT_P(cstring_to_text("conforming_with_findings"));
	PG_RETURN_TEXT_P(cstring_to_text("conforming"));
}

PG_FUNCTION_INFO_V1(conformity_tally_count_of);
/* Number of items of one grade in a tally. */
Datum
conformity_tally_count_of(PG_FUNCTION_ARGS)
{
	CtTally    *t = PG_GETARG_TALLY_P(0);

	PG_RETURN_INT64(t->count[ct_grade_index(fcinfo->flinfo, PG_GETARG_DATUM(1))]);
}

PG_FUNCTION_INFO_V1(conformity_tally_weight_of);
/* Sum of the weights of the items of one grade in a tally. */
Datum
conformity_tally_weight_of(PG_FUNCTION_ARGS)
{
	CtTally    *t = PG_GETARG_TALLY_P(0);

	PG_RETURN_INT64(t->weight[ct_grade_index(fcinfo->flinfo, PG_GETARG_DATUM(1))]);
}
