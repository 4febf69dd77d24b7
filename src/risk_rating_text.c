/*
 * risk_rating_text.c
 *		Parser and formatter for the text form of risk_rating ("L4C3").
 *
 * Plain C, no PostgreSQL headers: test/fuzz/risk_rating_fuzz.c links this file
 * alone.  The grammar is deliberately tiny and strict so that the text form is
 * unambiguous: one spelling per value on output, and on input only the
 * harmless variations (letter case, surrounding blanks) are accepted.
 */
#include "risk_rating_text.h"

#include <stdio.h>

/* Numbers are clamped here while parsing so that long digit runs cannot overflow. */
#define RR_NUMBER_CLAMP 999999999

/* True for the blanks that may surround a literal. */
static int
rr_is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
		ch == '\f' || ch == '\v';
}

/* True for an ASCII decimal digit. */
static int
rr_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Reads an unsigned decimal number at *pos; returns 0 with *pos untouched when
 * there is no digit, -1 for a leading zero, 1 when a number was read.
 */
static int
rr_read_number(const char *str, size_t end, size_t *pos, int *value)
{
	size_t		p = *pos;
	long		v = 0;

	if (p >= end || !rr_is_digit(str[p]))
		return 0;
	if (str[p] == '0' && p + 1 < end && rr_is_digit(str[p + 1]))
		return -1;
	while (p < end && rr_is_digit(str[p]))
	{
		if (v < RR_NUMBER_CLAMP)
			v = v * 10 + (str[p] - '0');
		if (v > RR_NUMBER_CLAMP)
			v = RR_NUMBER_CLAMP;
		p++;
	}
	*pos = p;
	*value = (int) v;
	return 1;
}

/* Parses len bytes of str into a likelihood and consequence. */
RiskRatingParseResult
risk_rating_parse(const char *str, size_t len)
{
	RiskRatingParseResult r = {RR_PARSE_OK, 0, 0, 0};
	size_t		start = 0;
	size_t		end = len;
	size_t		pos;
	int			got;

	while (start < end && rr_is_blank(str[start]))
		start++;
	while (end > start && rr_is_blank(str[end - 1]))
		end--;
	if (start == end)
	{
		r.status = RR_PARSE_EMPTY;
		r.error_pos = start;
		return r;
	}

	pos = start;
	if (str[pos] != 'L' && str[pos] != 'l')
	{
		r.status = RR_PARSE_SYNTAX;
		r.error_pos = pos;
		return r;
	}
	pos++;
	got = rr_read_number(str, end, &pos, &r.likelihood);
	if (got <= 0)
	{
		r.status = got < 0 ? RR_PARSE_LEADING_ZERO : RR_PARSE_SYNTAX;
		r.error_pos = pos;
		return r;
	}
	if (pos >= end || (str[pos] != 'C' && str[pos] != 'c'))
	{
		r.status = RR_PARSE_SYNTAX;
		r.error_pos = pos;
		return r;
	}
	pos++;
	got = rr_read_number(str, end, &pos, &r.consequence);
	if (got <= 0)
	{
		r.status = got < 0 ? RR_PARSE_LEADING_ZERO : RR_PARSE_SYNTAX;
		r.error_pos = pos;
		return r;
	}
	if (pos != end)
	{
		r.status = RR_PARSE_SYNTAX;
		r.error_pos = pos;
		return r;
	}

	/* Syntax is fine: now the ranges, likelihood first. */
	if (r.likelihood < RISK_RATING_MIN || r.likelihood > RISK_RATING_MAX)
		r.status = RR_PARSE_LIKELIHOOD_RANGE;
	else if (r.consequence < RISK_RATING_MIN || r.consequence > RISK_RATING_MAX)
		r.status = RR_PARSE_CONSEQUENCE_RANGE;
	return r;
}

/* Writes the canonical text of a valid rating into buf; returns its length. */
size_t
risk_rating_format(int likelihood, int consequence, char *buf, size_t buflen)
{
	int			n = snprintf(buf, buflen, "L%dC%d", likelihood, consequence);

	return n < 0 ? 0 : (size_t) n;
}

/* Describes a parse status in one sentence (for error details). */
const char *
risk_rating_parse_message(RiskRatingParseStatus status)
{
	switch (status)
	{
		case RR_PARSE_OK:
			return "The value is valid.";
		case RR_PARSE_EMPTY:
			return "The value is empty.";
		case RR_PARSE_SYNTAX:
			return "A risk rating is written L<likelihood>C<consequence>, for example L4C3.";
		case RR_PARSE_LEADING_ZERO:
			return "Numbers in a risk rating are written without leading zeros.";
		case RR_PARSE_LIKELIHOOD_RANGE:
			return "Likelihood must be between 1 and 10.";
		case RR_PARSE_CONSEQUENCE_RANGE:
			return "Consequence must be between 1 and 10.";
	}
	return "Unknown parse status.";
}
