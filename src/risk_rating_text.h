/*
 * risk_rating_text.h
 *		Text form of risk_rating: parser and formatter with no PostgreSQL
 *		dependency, so that a libFuzzer harness and a plain C test can link them.
 *
 * The text form is "L<likelihood>C<consequence>", for example "L4C3" or
 * "L10C10": the letters L and C (either case on input, upper case on output),
 * each followed by a decimal integer from 1 to 10 written without sign or
 * leading zero.  Blanks around the whole value are ignored.  Every value has
 * exactly one output spelling, and the output is always accepted as input.
 */
#ifndef RISK_RATING_TEXT_H
#define RISK_RATING_TEXT_H

#include <stddef.h>

#define RISK_RATING_MIN 1		/* lowest likelihood or consequence */
#define RISK_RATING_MAX 10		/* highest likelihood or consequence */

/* Longest output, "L10C10", plus its terminating NUL. */
#define RISK_RATING_TEXT_MAXLEN 7

/* Outcome of parsing a risk_rating literal. */
typedef enum RiskRatingParseStatus
{
	RR_PARSE_OK = 0,
	RR_PARSE_EMPTY,				/* nothing but blanks */
	RR_PARSE_SYNTAX,			/* not of the form L<n>C<n> */
	RR_PARSE_LEADING_ZERO,		/* a number written with a leading zero */
	RR_PARSE_LIKELIHOOD_RANGE,	/* likelihood outside 1..10 */
	RR_PARSE_CONSEQUENCE_RANGE	/* consequence outside 1..10 */
} RiskRatingParseStatus;

/* What the parser found, valid or not. */
typedef struct RiskRatingParseResult
{
	RiskRatingParseStatus status;
	int			likelihood;		/* parsed likelihood (clamped to 999999999) */
	int			consequence;	/* parsed consequence (clamped to 999999999) */
	size_t		error_pos;		/* byte offset of the first offending byte */
} RiskRatingParseResult;

/* Parses len bytes of str (no NUL needed) into a likelihood and consequence. */
extern RiskRatingParseResult risk_rating_parse(const char *str, size_t len);

/* Writes the canonical text of a valid rating into buf; returns its length. */
extern size_t risk_rating_format(int likelihood, int consequence,
								 char *buf, size_t buflen);

/* Describes a parse status in one sentence (for error details). */
extern const char *risk_rating_parse_message(RiskRatingParseStatus status);

/* Packs a valid likelihood and consequence into the 16-bit stored form. */
static inline unsigned short
risk_rating_pack(int likelihood, int consequence)
{
	return (unsigned short) ((likelihood << 8) | consequence);
}

/* Likelihood of a packed rating. */
static inline int
risk_rating_likelihood_of(unsigned short packed)
{
	return packed >> 8;
}

/* Consequence of a packed rating. */
static inline int
risk_rating_consequence_of(unsigned short packed)
{
	return packed & 0xFF;
}

/* True when both parts of a packed rating lie in 1..10. */
static inline int
risk_rating_packed_valid(unsigned short packed)
{
	int			l = risk_rating_likelihood_of(packed);
	int			c = risk_rating_consequence_of(packed);

	return l >= RISK_RATING_MIN && l <= RISK_RATING_MAX &&
		c >= RISK_RATING_MIN && c <= RISK_RATING_MAX;
}

#endif							/* RISK_RATING_TEXT_H */
