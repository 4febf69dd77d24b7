/*
 * clause_ref_text.h
 *		The clause_ref value: packing, parsing and formatting, in plain C.
 *
 * This header and clause_ref_text.c use no PostgreSQL headers, so the unit test
 * (test/unit) and the libFuzzer harness (test/fuzz) link them on their own.
 *
 * A clause reference is a clause number of a management-system standard:
 * "4", "8.6.4", "10.2", or the annex form "A.5.1".  It is packed into one
 * unsigned 64-bit integer, most significant byte first:
 *
 *		byte 7 (top)	annex letter: 0 for the numbered body, 1..26 for A..Z
 *		bytes 6..1		levels 1..6, each 1..255; 0 means "absent"
 *		byte 0			always 0 (reserved)
 *
 * Why this layout: because an absent level is 0 and a present level is at least
 * 1, and because the levels are stored most significant first, plain unsigned
 * integer comparison IS the hierarchical order of clauses (4 < 4.1 < 4.1.1 <
 * 4.2 < 9.3.3 < 10 < 10.1, annexes after the body, annex A before annex B).
 * Sorting, btree search and hashing therefore cost one integer operation, and
 * the value fits a Datum (passed by value).  "a is an ancestor of (or equal
 * to) c" is a mask compare, and the descendants of a form one contiguous range
 * [a, a with every lower level 255], which is what lets a btree index answer
 * "c <@ a" with a range scan.
 *
 * A packed value is canonical when its reserved byte is 0, its annex byte is
 * 0..26, level 1 is present and no present level follows an absent one.  Only
 * canonical values are ever built; clause_ref_check() tells the others apart
 * (binary receive uses it).
 *
 * The inline accessors below are named cref_* so that they do not clash with
 * the SQL-callable clause_ref_* functions of clause_ref.c.
 */
#ifndef CLAUSE_REF_TEXT_H
#define CLAUSE_REF_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Most numeric levels a clause reference can have. */
#define CLAUSE_REF_MAX_DEPTH	6
/* Largest value of one level (the smallest is 1). */
#define CLAUSE_REF_MAX_LEVEL	255
/* Number of annex letters (A..Z). */
#define CLAUSE_REF_MAX_ANNEX	26

/*
 * Size of the buffer clause_ref_format() needs, terminating NUL included:
 * the longest text is "Z.255.255.255.255.255.255" (25 characters).
 */
#define CLAUSE_REF_TEXT_BUFSIZE 26

/* Outcome of clause_ref_parse(); CLAUSE_REF_OK is 0, every error is non-zero. */
typedef enum ClauseRefStatus
{
	CLAUSE_REF_OK = 0,
	CLAUSE_REF_EMPTY,			/* no characters at all */
	CLAUSE_REF_WHITESPACE,		/* a space, tab or newline anywhere */
	CLAUSE_REF_BAD_CHAR,		/* a character that is not a digit, dot or A..Z */
	CLAUSE_REF_LOWER_ANNEX,		/* annex letter in lower case ("a.5") */
	CLAUSE_REF_ANNEX_NO_DOT,	/* annex letter not followed by a dot ("A5", "AB.1") */
	CLAUSE_REF_ANNEX_NO_LEVEL,	/* annex letter without a level ("A", "A.") */
	CLAUSE_REF_LEADING_DOT,		/* starts with a dot (".8") */
	CLAUSE_REF_TRAILING_DOT,	/* ends with a dot ("8.") */
	CLAUSE_REF_EMPTY_LEVEL,		/* two dots in a row ("8..1") */
	CLAUSE_REF_LEADING_ZERO,	/* a level written with a leading zero ("8.06") */
	CLAUSE_REF_LEVEL_ZERO,		/* a level that is 0 (out of range) */
	CLAUSE_REF_LEVEL_TOO_LARGE, /* a level above 255 (out of range) */
	CLAUSE_REF_TOO_DEEP			/* more than 6 levels */
} ClauseRefStatus;

/* Where and why clause_ref_parse() stopped. */
typedef struct ClauseRefError
{
	ClauseRefStatus status;
	size_t		position;		/* 0-based byte offset of the offending character */
	int			level;			/* 1-based level concerned, or 0 if none */
	unsigned char ch;			/* the offending character, for BAD_CHAR etc. */
} ClauseRefError;

/* Parses len bytes at s (no NUL needed; an embedded NUL is a bad character). */
extern ClauseRefStatus clause_ref_parse(const char *s, size_t len,
										uint64_t *result, ClauseRefError *err);

/* Writes the canonical text of a canonical value; returns its length. */
extern size_t clause_ref_format(uint64_t v, char buf[CLAUSE_REF_TEXT_BUFSIZE]);

/* Returns NULL if v is canonical, else a sentence saying what is wrong. */
extern const char *clause_ref_check(uint64_t v);

/* True if the reference is a status that means "level out of range". */
extern int	clause_ref_status_is_range(ClauseRefStatus status);

/* Annex letter of v: 0 for the numbered body, 1..26 for A..Z. */
static inline int
cref_annex(uint64_t v)
{
	return (int) (v >> 56);
}

/* Level i (1..6) of v, 0 if absent. */
static inline int
cref_level(uint64_t v, int i)
{
	return (int) ((v >> (56 - 8 * i)) & 0xFF);
}

/* Number of numeric levels of a canonical value (1..6). */
static inline int
cref_depth(uint64_t v)
{
	int			d = 0;

	while (d < CLAUSE_REF_MAX_DEPTH && cref_level(v, d + 1) != 0)
		d++;
	return d;
}

/* Mask that keeps the annex byte and levels 1..depth. */
static inline uint64_t
cref_prefix_mask(int depth)
{
	/* depth is 1..6: keep the top (1 + depth) bytes */
	return ~UINT64_C(0) << (8 * (CLAUSE_REF_MAX_DEPTH + 1 - depth));
}

/* Ancestor of v at depth d (1..depth(v)); v itself when d == depth(v). */
static inline uint64_t
cref_ancestor(uint64_t v, int d)
{
	return v & cref_prefix_mask(d);
}

/* True if a is an ancestor of c or equal to it (both canonical). */
static inline int
cref_contains(uint64_t a, uint64_t c)
{
	return (c & cref_prefix_mask(cref_depth(a))) == a;
}

/*
 * Greatest value that a contains: every level below a's depth set to 255.
 * The descendants-or-self of a are exactly the canonical values in
 * [a, cref_last_descendant(a)].
 */
static inline uint64_t
cref_last_descendant(uint64_t a)
{
	return a | (~cref_prefix_mask(cref_depth(a)) & ~UINT64_C(0xFF));
}

/* Three-way comparison: the hierarchical order is the unsigned order. */
static inline int
cref_cmp(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

#endif							/* CLAUSE_REF_TEXT_H */
