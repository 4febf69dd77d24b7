/*
 * clause_ref_text.c
 *		Parsing, formatting and checking of packed clause references.
 *
 * Plain C, no PostgreSQL headers (see clause_ref_text.h for the packing).
 *
 * The text form is strict so that text and value correspond one to one: every
 * accepted text is the canonical text of its value.  Grammar:
 *
 *		clause_ref	:= [ annex "." ] level { "." level }	(at most 6 levels)
 *		annex		:= "A" .. "Z"
 *		level		:= "1" .. "255", written without leading zeros
 *
 * No whitespace, sign, leading zero or lower-case annex letter is accepted;
 * the parser reports the first thing wrong, scanning left to right.
 */
#include "clause_ref_text.h"

/* Records an error and returns its status. */
static ClauseRefStatus
fail(ClauseRefError *err, ClauseRefStatus status, size_t position, int level,
	 unsigned char ch)
{
	if (err)
	{
		err->status = status;
		err->position = position;
		err->level = level;
		err->ch = ch;
	}
	return status;
}

/* True for the whitespace characters PostgreSQL's scanner knows. */
static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* True for an ASCII digit. */
static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Parses len bytes at s into *result; on error fills *err (if not NULL). */
ClauseRefStatus
clause_ref_parse(const char *s, size_t len, uint64_t *result, ClauseRefError *err)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;
	uint64_t	v = 0;
	int			depth = 0;

	if (len == 0)
		return fail(err, CLAUSE_REF_EMPTY, 0, 0, 0);

	/* Whitespace is refused wherever it is, before anything else is said. */
	for (i = 0; i < len; i++)
		if (is_space(p[i]))
			return fail(err, CLAUSE_REF_WHITESPACE, i, 0, p[i]);

	i = 0;
	/* Optional annex letter, which must be followed by a dot and a level. */
	if (p[0] >= 'A' && p[0] <= 'Z')
	{
		if (len == 1 || (len == 2 && p[1] == '.'))
			return fail(err, CLAUSE_REF_ANNEX_NO_LEVEL, len - 1, 1, p[0]);
		if (p[1] != '.')
			return fail(err, CLAUSE_REF_ANNEX_NO_DOT, 1, 0, p[1]);
		v = (uint64_t) (p[0] - 'A' + 1) << 56;
		i = 2;
	}
	else if (p[0] >= 'a' && p[0] <= 'z' && (len == 1 || p[1] == '.'))
		return fail(err, CLAUSE_REF_LOWER_ANNEX, 0, 0, p[0]);
	else if (p[0] == '.')
		return fail(err, CLAUSE_REF_LEADING_DOT, 0, 1, '.');

	/* Levels, separated by single dots. */
	for (;;)
	{
		size_t		start = i;
		unsigned	value = 0;

		if (i == len)			/* only reached after a dot */
			return fail(err, CLAUSE_REF_TRAILING_DOT, i - 1, depth, '.');
		if (p[i] == '.')
			return fail(err, CLAUSE_REF_EMPTY_LEVEL, i, depth + 1, '.');
		if (!is_digit(p[i]))
			return fail(err, CLAUSE_REF_BAD_CHAR, i, depth + 1, p[i]);
		if (depth == CLAUSE_REF_MAX_DEPTH)
			return fail(err, CLAUSE_REF_TOO_DEEP, i, depth + 1, p[i]);

		if (p[i] == '0' && i + 1 < len && is_digit(p[i + 1]))
			return fail(err, CLAUSE_REF_LEADING_ZERO, i, depth + 1, '0');
		while (i < len && is_digit(p[i]))
		{
			/* saturate: anything above the limit is only "too large" */
			if (value <= CLAUSE_REF_MAX_LEVEL)
				value = value * 10 + (unsigned) (p[i] - '0');
			i++;
		}
		depth++;
		if (value == 0)
			return fail(err, CLAUSE_REF_LEVEL_ZERO, start, depth, '0');
		if (value > CLAUSE_REF_MAX_LEVEL)
			return fail(err, CLAUSE_REF_LEVEL_TOO_LARGE, start, depth, p[start]);
		v |= (uint64_t) value << (56 - 8 * depth);

		if (i == len)
			break;
		if (p[i] != '.')
			return fail(err, CLAUSE_REF_BAD_CHAR, i, 0, p[i]);
		i++;
	}

	*result = v;
	if (err)
		err->status = CLAUSE_REF_OK;
	return CLAUSE_REF_OK;
}

/* Writes the decimal digits of n (1..255) at buf; returns how many. */
static size_t
put_level(char *buf, int n)
{
	size_t		k = 0;

	if (n >= 100)
		buf[k++] = (char) ('0' + n / 100);
	if (n >= 10)
		buf[k++] = (char) ('0' + (n / 10) % 10);
	buf[k++] = (char) ('0' + n % 10);
	return k;
}

/*
 * Writes the canonical text of v into buf (CLAUSE_REF_TEXT_BUFSIZE bytes),
 * NUL-terminated, and returns its length.  Only the defined bytes of v are
 * read, so even a non-canonical value cannot overflow buf.
 */
size_t
clause_ref_format(uint64_t v, char buf[CLAUSE_REF_TEXT_BUFSIZE])
{
	size_t		k = 0;
	int			annex = cref_annex(v);
	int			d;

	if (annex >= 1 && annex <= CLAUSE_REF_MAX_ANNEX)
	{
		buf[k++] = (char) ('A' + annex - 1);
		buf[k++] = '.';
	}
	for (d = 1; d <= CLAUSE_REF_MAX_DEPTH; d++)
	{
		int			level = cref_level(v, d);

		if (level == 0)
			break;
		if (d > 1)
			buf[k++] = '.';
		k += put_level(buf + k, level);
	}
	buf[k] = '\0';
	return k;
}

/* Returns NULL if v is a canonical packed value, else what is wrong with it. */
const char *
clause_ref_check(uint64_t v)
{
	int			d;

	if ((v & 0xFF) != 0)
		return "The reserved low byte is not zero.";
	if (cref_annex(v) > CLAUSE_REF_MAX_ANNEX)
		return "The annex byte is above 26 (Z).";
	if (cref_level(v, 1) == 0)
		return "Level 1 is absent.";
	for (d = 2; d <= CLAUSE_REF_MAX_DEPTH; d++)
		if (cref_level(v, d - 1) == 0 && cref_level(v, d) != 0)
			return "A level is present after an absent one.";
	return NULL;
}

/* True for the statuses that mean "a level is out of range" (SQLSTATE 22003). */
int
clause_ref_status_is_range(ClauseRefStatus status)
{
	return status == CLAUSE_REF_LEVEL_ZERO || status == CLAUSE_REF_LEVEL_TOO_LARGE;
}
