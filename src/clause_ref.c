/*
 * clause_ref.c
 *		SQL-callable functions of the clause_ref type: input and output, binary
 *		send and receive, comparison, hashing, sort support, hierarchy
 *		(@>, <@, parent, depth, top_level, ancestor) and casts to and from text.
 *
 * The packing and the parser live in clause_ref_text.c (no PostgreSQL
 * headers); the planner support (index conditions, selectivity) lives in
 * clause_ref_planner.c.
 */
#include "iso28000_compat.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/sortsupport.h"

#include "clause_ref.h"

/* Longest part of a bad input quoted in an error message, in bytes. */
#define CLAUSE_REF_QUOTE_MAX	64

/* The input as quoted in an error message: clipped when very long. */
static char *
quoted_input(const char *s, size_t len)
{
	int			clip;

	if (len <= CLAUSE_REF_QUOTE_MAX)
		return pnstrdup(s, len);
	clip = pg_mbcliplen(s, (int) len, CLAUSE_REF_QUOTE_MAX);
	return psprintf("%s...", pnstrdup(s, clip));
}

/* The sentence that says what is wrong, for errdetail. */
static char *
parse_error_detail(const char *s, const ClauseRefError *e)
{
	/* positions are reported in characters, 1-based, as PostgreSQL does */
	int			pos = pg_mbstrlen_with_len(s, (int) e->position) + 1;

	switch (e->status)
	{
		case CLAUSE_REF_EMPTY:
			return psprintf("The input is empty.");
		case CLAUSE_REF_WHITESPACE:
			return psprintf("Whitespace (at character %d) is not allowed.", pos);
		case CLAUSE_REF_BAD_CHAR:
			if (e->ch > 0x20 && e->ch < 0x7f)
				return psprintf("Character \"%c\" at position %d is not allowed.",
								e->ch, pos);
			if (e->ch >= 0x80)
				return psprintf("The non-ASCII character at position %d is not allowed.",
								pos);
			return psprintf("Control character 0x%02X at position %d is not allowed.",
							e->ch, pos);
		case CLAUSE_REF_LOWER_ANNEX:
			return psprintf("Annex letters are upper case: \"%c\", not \"%c\".",
							e->ch - 'a' + 'A', e->ch);
		case CLAUSE_REF_ANNEX_NO_DOT:
			return psprintf("An annex letter must be followed by a dot, as in \"A.5.1\".");
		case CLAUSE_REF_ANNEX_NO_LEVEL:
			return psprintf("Annex %c needs at least one numeric level, as in \"%c.1\".",
							s[0], s[0]);
		case CLAUSE_REF_LEADING_DOT:
			return psprintf("The reference starts with a dot.");
		case CLAUSE_REF_TRAILING_DOT:
			return psprintf("The reference ends with a dot.");
		case CLAUSE_REF_EMPTY_LEVEL:
			return psprintf("Level %d is empty (two dots in a row at position %d).",
							e->level, pos);
		case CLAUSE_REF_LEADING_ZERO:
			return psprintf("Level %d is written with a leading zero.", e->level);
		case CLAUSE_REF_LEVEL_ZERO:
			return psprintf("Level %d is 0; each level must be between 1 and %d.",
							e->level, CLAUSE_REF_MAX_LEVEL);
		case CLAUSE_REF_LEVEL_TOO_LARGE:
			return psprintf("Level %d is greater than %d; each level must be between 1 and %d.",
							e->level, CLAUSE_REF_MAX_LEVEL, CLAUSE_REF_MAX_LEVEL);
		case CLAUSE_REF_TOO_DEEP:
			return psprintf("The reference has more than %d levels.",
							CLAUSE_REF_MAX_DEPTH);
		case CLAUSE_REF_OK:
			break;
	}
	elog(ERROR, "unexpected clause_ref parse status %d", (int) e->status);
	return NULL;				/* keep compiler quiet */
}

/* Parses text into a clause_ref, reporting bad input (see clause_ref.h). */
bool
clause_ref_parse_text(const char *s, size_t len, struct Node *escontext,
					  ClauseRef *result)
{
	ClauseRefError e;
	uint64_t	v;

	if (clause_ref_parse(s, len, &v, &e) == CLAUSE_REF_OK)
	{
		*result = (ClauseRef) v;
		return true;
	}

	if (clause_ref_status_is_range(e.status))
		errsave(escontext,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%s\" is out of range for type clause_ref",
						quoted_input(s, len)),
				 errdetail_internal("%s", parse_error_detail(s, &e))));
	else
		errsave(escontext,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type clause_ref: \"%s\"",
						quoted_input(s, len)),
				 errdetail_internal("%s", parse_error_detail(s, &e)),
				 errhint("A clause reference looks like \"4\", \"8.6.4\" or \"A.5.1\": "
						 "up to %d levels, each from 1 to %d, with an optional "
						 "upper-case annex letter first.",
						 CLAUSE_REF_MAX_DEPTH, CLAUSE_REF_MAX_LEVEL)));
	return false;
}

/* Formats a clause_ref as a palloc'd C string. */
static char *
clause_ref_cstring(ClauseRef v)
{
	char	   *buf = palloc(CLAUSE_REF_TEXT_BUFSIZE);

	clause_ref_format(v, buf);
	return buf;
}

/* Text input: "4", "8.6.4", "A.5.1". */
PG_FUNCTION_INFO_V1(clause_ref_in);
Datum
clause_ref_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	ClauseRef	v;

	if (!clause_ref_parse_text(s, strlen(s), fcinfo->context, &v))
		PG_RETURN_NULL();
	PG_RETURN_CLAUSE_REF(v);
}

/* Text output: the canonical form. */
PG_FUNCTION_INFO_V1(clause_ref_out);
Datum
clause_ref_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(clause_ref_cstring(PG_GETARG_CLAUSE_REF(0)));
}

/* Binary input: the packed value as a big-endian int8, checked. */
PG_FUNCTION_INFO_V1(clause_ref_recv);
Datum
clause_ref_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	ClauseRef	v = (ClauseRef) pq_getmsgint64(buf);
	const char *problem = clause_ref_check(v);

	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external clause_ref value 0x%016llX",
						(unsigned long long) v),
				 errdetail_internal("%s", problem)));
	PG_RETURN_CLAUSE_REF(v);
}

/* Binary output: the packed value as a big-endian int8. */
PG_FUNCTION_INFO_V1(clause_ref_send);
Datum
clause_ref_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, (int64) PG_GETARG_CLAUSE_REF(0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Cast from text; bad text raises the same errors as input. */
PG_FUNCTION_INFO_V1(clause_ref_from_text);
Datum
clause_ref_from_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	ClauseRef	v;

	clause_ref_parse_text(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), NULL, &v);
	PG_RETURN_CLAUSE_REF(v);
}

/* Cast to text: the canonical form. */
PG_FUNCTION_INFO_V1(clause_ref_to_text);
Datum
clause_ref_to_text(PG_FUNCTION_ARGS)
{
	char		buf[CLAUSE_REF_TEXT_BUFSIZE];
	size_t		len = clause_ref_format(PG_GETARG_CLAUSE_REF(0), buf);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, (int) len));
}

/* Three-way comparison, btree support function 1. */
PG_FUNCTION_INFO_V1(clause_ref_cmp);
Datum
clause_ref_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cref_cmp(PG_GETARG_CLAUSE_REF(0), PG_GETARG_CLAUSE_REF(1)));
}

/* a = b */
PG_FUNCTION_INFO_V1(clause_ref_eq);
Datum
clause_ref_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_CLAUSE_REF(0) == PG_GETARG_CLAUSE_REF(1));
}

/* a <> b */
PG_FUNCTION_INFO_V1(clause_ref_ne);
Datum
clause_ref_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_CLAUSE_REF(0) != PG_GETARG_CLAUSE_REF(1));
}

/* a < b */
PG_FUNCTION_INFO_V1(clause_ref_lt);
Datum
clause_ref_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_CLAUSE_REF(0) < PG_GETARG_CLAUSE_REF(1));
}

/* a <= b */
PG_FUNCTION_INFO_V1(clause_ref_le);
Datum
clause_ref_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_CLAUSE_REF(0) <= PG_GETARG_CLAUSE_REF(1));
}

/* a > b */
PG_FUNCTION_INFO_V1(clause_ref_gt);
Datum
clause_ref_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_CLAUSE_REF(0) > PG_GETARG_CLAUSE_REF(1));
}

/* a >= b */
PG_FUNCTION_INFO_V1(clause_ref_ge);
Datum
clause_ref_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_CLAUSE_REF(0) >= PG_GETARG_CLAUSE_REF(1));
}

/* The lesser of two clause_refs (for the min aggregate). */
PG_FUNCTION_INFO_V1(clause_ref_smaller);
Datum
clause_ref_smaller(PG_FUNCTION_ARGS)
{
	ClauseRef	a = PG_GETARG_CLAUSE_REF(0);
	ClauseRef	b = PG_GETARG_CLAUSE_REF(1);

	PG_RETURN_CLAUSE_REF(a < b ? a : b);
}

/* The greater of two clause_refs (for the max aggregate). */
PG_FUNCTION_INFO_V1(clause_ref_larger);
Datum
clause_ref_larger(PG_FUNCTION_ARGS)
{
	ClauseRef	a = PG_GETARG_CLAUSE_REF(0);
	ClauseRef	b = PG_GETARG_CLAUSE_REF(1);

	PG_RETURN_CLAUSE_REF(a > b ? a : b);
}

#if SIZEOF_DATUM < 8
/* Sort comparator on Datums, for servers without ssup_datum_signed_cmp. */
static int
clause_ref_fastcmp(Datum a, Datum b, SortSupport ssup)
{
	return cref_cmp(DatumGetClauseRef(a), DatumGetClauseRef(b));
}
#endif

/*
 * Sort support, btree support function 2.  Packed values never have the top
 * bit set, so the signed int64 order is the clause order and PostgreSQL 15's
 * own int64 comparator (which also enables its specialised sort) applies.
 */
PG_FUNCTION_INFO_V1(clause_ref_sortsupport);
Datum
clause_ref_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

#if SIZEOF_DATUM >= 8
	ssup->comparator = ssup_datum_signed_cmp;
#else
	ssup->comparator = clause_ref_fastcmp;
#endif
	PG_RETURN_VOID();
}

/* Hash, hash support function 1: the same as hashint8 of the packed value. */
PG_FUNCTION_INFO_V1(clause_ref_hash);
Datum
clause_ref_hash(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall1(hashint8, PG_GETARG_DATUM(0));
}

/* Seeded hash, hash support function 2: hashint8extended of the packed value. */
PG_FUNCTION_INFO_V1(clause_ref_hash_extended);
Datum
clause_ref_hash_extended(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall2(hashint8extended, PG_GETARG_DATUM(0),
							   PG_GETARG_DATUM(1));
}

/* a @> c: a is an ancestor of c, or c itself. */
PG_FUNCTION_INFO_V1(clause_ref_contains);
Datum
clause_ref_contains(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cref_contains(PG_GETARG_CLAUSE_REF(0),
									   PG_GETARG_CLAUSE_REF(1)));
}

/* c <@ a: c is a descendant of a, or a itself. */
PG_FUNCTION_INFO_V1(clause_ref_contained);
Datum
clause_ref_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cref_contains(PG_GETARG_CLAUSE_REF(1),
									   PG_GETARG_CLAUSE_REF(0)));
}

/* Number of numeric levels: 1 for "8" and "A.5", 3 for "8.6.4". */
PG_FUNCTION_INFO_V1(clause_ref_depth);
Datum
clause_ref_depth(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cref_depth(PG_GETARG_CLAUSE_REF(0)));
}

/*
 * A bigint that sorts like the clause (the packed value without its reserved
 * byte, so never negative): for views that give the clause as text to BI
 * tools, which sort text character by character (10 before 9).
 */
PG_FUNCTION_INFO_V1(clause_ref_sort_key);
Datum
clause_ref_sort_key(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64((int64) (((uint64) PG_GETARG_CLAUSE_REF(0)) >> 8));
}

/* The clause one level up, or NULL for a top-level clause. */
PG_FUNCTION_INFO_V1(clause_ref_parent);
Datum
clause_ref_parent(PG_FUNCTION_ARGS)
{
	ClauseRef	v = PG_GETARG_CLAUSE_REF(0);
	int			d = cref_depth(v);

	if (d <= 1)
		PG_RETURN_NULL();
	PG_RETURN_CLAUSE_REF(cref_ancestor(v, d - 1));
}

/* The top-level clause: "8" for "8.6.4", "A.5" for "A.5.1". */
PG_FUNCTION_INFO_V1(clause_ref_top_level);
Datum
clause_ref_top_level(PG_FUNCTION_ARGS)
{
	PG_RETURN_CLAUSE_REF(cref_ancestor(PG_GETARG_CLAUSE_REF(0), 1));
}

/* The ancestor (or self) at depth n; NULL if the clause is not that deep. */
PG_FUNCTION_INFO_V1(clause_ref_ancestor);
Datum
clause_ref_ancestor(PG_FUNCTION_ARGS)
{
	ClauseRef	v = PG_GETARG_CLAUSE_REF(0);
	int32		n = PG_GETARG_INT32(1);

	if (n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("depth %d is out of range for ancestor of clause_ref", n),
				 errdetail("The depth of an ancestor starts at 1 (the top-level clause).")));
	if (n > cref_depth(v))
		PG_RETURN_NULL();
	PG_RETURN_CLAUSE_REF(cref_ancestor(v, n));
}

/* The greatest clause that c contains: every level below c's set to 255. */
PG_FUNCTION_INFO_V1(clause_ref_last_descendant);
Datum
clause_ref_last_descendant(PG_FUNCTION_ARGS)
{
	PG_RETURN_CLAUSE_REF(cref_last_descendant(PG_GETARG_CLAUSE_REF(0)));
}

/* The annex letter as text ("A"), or NULL for a clause of the numbered body. */
PG_FUNCTION_INFO_V1(clause_ref_annex);
Datum
clause_ref_annex(PG_FUNCTION_ARGS)
{
	int			annex = cref_annex(PG_GETARG_CLAUSE_REF(0));
	char		letter;

	if (annex == 0)
		PG_RETURN_NULL();
	letter = (char) ('A' + annex - 1);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(&letter, 1));
}
