/*
 * conformity_tally_text.h
 *		The conformity_tally value and its text form, in plain C.
 *
 * No PostgreSQL header is included here, so a libFuzzer harness and a plain C
 * unit test can link conformity_tally_text.c on its own.  The SQL-callable side
 * lives in conformity_tally.c and conformity_agg.c.
 */
#ifndef CONFORMITY_TALLY_TEXT_H
#define CONFORMITY_TALLY_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The grades, in the order of the SQL enum iso28000.conformity_grade (which is
 * also the order of ISO 28000 practice: from best to worst, then the two grades
 * that are not a judgement).  The index is the slot in the tally.
 */
typedef enum CtGrade
{
	CT_CONFORMING = 0,
	CT_OBSERVATION,
	CT_OPPORTUNITY,
	CT_MINOR_NC,
	CT_MAJOR_NC,
	CT_NOT_APPLICABLE,
	CT_NOT_ASSESSED
} CtGrade;

#define CT_NGRADES 7

/*
 * The tally: for each grade, how many items had it and the sum of their
 * weights.  Keeping counts and weight sums per grade (rather than a running
 * score) is what makes the state exact and mergeable: every derived figure
 * (score, coverage, verdict) is computed from integers at the end, so serial,
 * parallel, merged and windowed runs agree to the last digit, and the inverse
 * transition of a moving window is plain subtraction.  Fixed size (112 bytes),
 * no varlena header: a tally can be stored in a table and merged later.
 */
typedef struct CtTally
{
	int64_t		count[CT_NGRADES];	/* items with this grade */
	int64_t		weight[CT_NGRADES]; /* sum of their weights */
} CtTally;

/* The largest weight one item can carry (weights are SQL integers). */
#define CT_MAX_WEIGHT INT64_C(2147483647)

/* What ct_parse and ct_check found wrong. */
typedef enum CtStatus
{
	CT_OK = 0,
	CT_SYNTAX,					/* not the text form */
	CT_RANGE,					/* negative, or beyond 64 bits */
	CT_INCONSISTENT				/* weights that the counts cannot produce */
} CtStatus;

/* Longest text form, terminating NUL included (every grade, 19-digit pairs). */
#define CT_TEXT_MAX 400

/* The label of grade g ("conforming", "minor_nc"...). */
extern const char *ct_grade_name(int g);

/* The grade whose label is the len bytes at s, or -1. */
extern int	ct_grade_lookup(const char *s, size_t len);

/* Checks that a tally could have come from real items; detail explains why not. */
extern CtStatus ct_check(const CtTally *t, char *detail, size_t detaillen);

/* Parses the text form into *t; on failure writes a sentence into detail. */
extern CtStatus ct_parse(const char *s, CtTally *t, char *detail, size_t detaillen);

/* Writes the canonical text form into buf (at least CT_TEXT_MAX bytes); returns its length. */
extern size_t ct_format(const CtTally *t, char *buf, size_t buflen);

#endif							/* CONFORMITY_TALLY_TEXT_H */
