/*
 * clause_ref_unit.c
 *		Plain C unit test of the clause_ref parser and formatter
 *		(src/clause_ref_text.c), run by test/suite.d/clause_ref_unit.
 *
 * Prints a "not ok - ..." line per failed check, then "N passed, N failed";
 * exits non-zero on any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clause_ref_text.h"

static int	passed;
static int	failed;

/* Records one check; prints the ones that fail. */
static void
check(int ok, const char *what, const char *input)
{
	if (ok)
		passed++;
	else
	{
		failed++;
		printf("not ok - %s: \"%s\"\n", what, input);
	}
}

/* Parses a NUL-terminated string. */
static ClauseRefStatus
parse(const char *s, uint64_t *v, ClauseRefError *e)
{
	return clause_ref_parse(s, strlen(s), v, e);
}

/* A good input parses to the given packed value and formats back to itself. */
static void
good(const char *s, uint64_t expect)
{
	uint64_t	v = 0;
	char		buf[CLAUSE_REF_TEXT_BUFSIZE];
	size_t		len;

	check(parse(s, &v, NULL) == CLAUSE_REF_OK, "parses", s);
	check(v == expect, "packs as expected", s);
	check(clause_ref_check(v) == NULL, "is canonical", s);
	len = clause_ref_format(v, buf);
	check(len == strlen(s) && strcmp(buf, s) == 0, "formats back to itself", s);
}

/* A bad input fails with the given status, position and level. */
static void
bad(const char *s, size_t len, ClauseRefStatus status, size_t position, int level)
{
	uint64_t	v = 12345;
	ClauseRefError e;

	memset(&e, 0, sizeof(e));
	check(clause_ref_parse(s, len, &v, &e) == status, "fails with the expected status", s);
	check(e.status == status, "reports its status", s);
	check(e.position == position, "reports the position", s);
	check(e.level == level, "reports the level", s);
	check(v == 12345, "leaves the result alone", s);
	check(clause_ref_parse(s, len, &v, NULL) == status, "fails without an error struct", s);
}

/* Runs every check and prints the summary. */
int
main(void)
{
	static const char *const document[] = {
		"1", "2", "3", "4", "4.1", "4.1.1", "4.2", "4.2.1", "4.10", "5", "8.6",
		"8.6.4", "8.6.4.1.1.1", "8.6.4.1.1.2", "8.6.5", "9.3.3", "10", "10.1",
		"10.2", "99", "255.255.255.255.255.255", "A.1", "A.5", "A.5.1", "A.5.37",
		"A.8.34", "B.1", "Z.255.255.255.255.255.255"
	};
	uint64_t	prev = 0;
	size_t		i;
	char		buf[CLAUSE_REF_TEXT_BUFSIZE + 8];
	uint64_t	v,
				w;
	long		roundtrips = 0;
	char		firstbad[CLAUSE_REF_TEXT_BUFSIZE] = "";
	int			annex;

	/* good inputs and their packing */
	good("4", UINT64_C(0x0004000000000000));
	good("8.6.4", UINT64_C(0x0008060400000000));
	good("10.2", UINT64_C(0x000A020000000000));
	good("A.5.1", UINT64_C(0x0105010000000000));
	good("Z.1", UINT64_C(0x1A01000000000000));
	good("1.2.3.4.5.6", UINT64_C(0x0001020304050600));
	good("255", UINT64_C(0x00FF000000000000));
	good("100.20.3", UINT64_C(0x0064140300000000));
	good("255.255.255.255.255.255", UINT64_C(0x00FFFFFFFFFFFF00));
	good("Z.255.255.255.255.255.255", UINT64_C(0x1AFFFFFFFFFFFF00));

	/* every kind of bad input: status, 0-based position, level */
	bad("", 0, CLAUSE_REF_EMPTY, 0, 0);
	bad(" ", 1, CLAUSE_REF_WHITESPACE, 0, 0);
	bad("8.6 ", 4, CLAUSE_REF_WHITESPACE, 3, 0);
	bad("8\t6", 3, CLAUSE_REF_WHITESPACE, 1, 0);
	bad("8..1", 4, CLAUSE_REF_EMPTY_LEVEL, 2, 2);
	bad("8.", 2, CLAUSE_REF_TRAILING_DOT, 1, 1);
	bad(".8", 2, CLAUSE_REF_LEADING_DOT, 0, 1);
	bad(".", 1, CLAUSE_REF_LEADING_DOT, 0, 1);
	bad("0", 1, CLAUSE_REF_LEVEL_ZERO, 0, 1);
	bad("8.0", 3, CLAUSE_REF_LEVEL_ZERO, 2, 2);
	bad("256", 3, CLAUSE_REF_LEVEL_TOO_LARGE, 0, 1);
	bad("8.6.1000", 8, CLAUSE_REF_LEVEL_TOO_LARGE, 4, 3);
	bad("99999999999999999999999", 23, CLAUSE_REF_LEVEL_TOO_LARGE, 0, 1);
	bad("08", 2, CLAUSE_REF_LEADING_ZERO, 0, 1);
	bad("8.00", 4, CLAUSE_REF_LEADING_ZERO, 2, 2);
	bad("1.2.3.4.5.6.7", 13, CLAUSE_REF_TOO_DEEP, 12, 7);
	bad("A.1.2.3.4.5.6.7", 15, CLAUSE_REF_TOO_DEEP, 14, 7);
	bad("A", 1, CLAUSE_REF_ANNEX_NO_LEVEL, 0, 1);
	bad("A.", 2, CLAUSE_REF_ANNEX_NO_LEVEL, 1, 1);
	bad("A..1", 4, CLAUSE_REF_EMPTY_LEVEL, 2, 1);
	bad("A5", 2, CLAUSE_REF_ANNEX_NO_DOT, 1, 0);
	bad("AB.1", 4, CLAUSE_REF_ANNEX_NO_DOT, 1, 0);
	bad("a.5.1", 5, CLAUSE_REF_LOWER_ANNEX, 0, 0);
	bad("a", 1, CLAUSE_REF_LOWER_ANNEX, 0, 0);
	bad("ab", 2, CLAUSE_REF_BAD_CHAR, 0, 1);
	bad("8.A", 3, CLAUSE_REF_BAD_CHAR, 2, 2);
	bad("8.6x", 4, CLAUSE_REF_BAD_CHAR, 3, 0);
	bad("-8", 2, CLAUSE_REF_BAD_CHAR, 0, 1);
	bad("8\0", 2, CLAUSE_REF_BAD_CHAR, 1, 0);
	bad("\0", 1, CLAUSE_REF_BAD_CHAR, 0, 1);
	bad("8.\xc3\xa9", 4, CLAUSE_REF_BAD_CHAR, 2, 2);

	/* hierarchical order: the list above is strictly increasing */
	for (i = 0; i < sizeof(document) / sizeof(document[0]); i++)
	{
		check(parse(document[i], &v, NULL) == CLAUSE_REF_OK, "document clause parses", document[i]);
		check(i == 0 || v > prev, "comes after the previous clause", document[i]);
		check(i == 0 || cref_cmp(prev, v) == -1, "cref_cmp says so", document[i]);
		prev = v;
	}

	/* hierarchy helpers */
	parse("8.6.4", &v, NULL);
	parse("8.6", &w, NULL);
	check(cref_depth(v) == 3, "depth is 3", "8.6.4");
	check(cref_ancestor(v, 2) == w, "ancestor at depth 2 is 8.6", "8.6.4");
	check(cref_contains(w, v) && !cref_contains(v, w), "8.6 contains 8.6.4, not the reverse", "8.6");
	check(cref_contains(v, v), "contains itself", "8.6.4");
	check(cref_last_descendant(w) == UINT64_C(0x000806FFFFFFFF00), "last descendant of 8.6", "8.6");
	parse("8.60", &w, NULL);
	check(!cref_contains(w, v) && !cref_contains(v, w), "8.60 and 8.6.4 are unrelated", "8.60");
	parse("A.5", &w, NULL);
	check(cref_annex(w) == 1 && cref_depth(w) == 1, "A.5 is annex A, depth 1", "A.5");
	parse("5", &v, NULL);
	check(!cref_contains(v, w) && !cref_contains(w, v), "5 and A.5 are unrelated", "5");

	/* checking packed values (binary receive) */
	check(clause_ref_check(0) != NULL, "0 is not canonical", "0x0");
	check(clause_ref_check(UINT64_C(0x0008060400000001)) != NULL, "reserved byte", "0x...01");
	check(clause_ref_check(UINT64_C(0x1B01000000000000)) != NULL, "annex above Z", "0x1B01...");
	check(clause_ref_check(UINT64_C(0x0008000400000000)) != NULL, "gap in levels", "0x00080004...");
	check(clause_ref_check(UINT64_C(0x0100000000000000)) != NULL, "annex without level", "0x01...");

	/*
	 * Exhaustive round trip of every value with up to two levels in the body
	 * and in annexes A and Z, plus a deeper sample: format, then parse back.
	 */
	for (annex = 0; annex <= CLAUSE_REF_MAX_ANNEX; annex += (annex == 1 ? 25 : 1))
	{
		int			a,
					b;

		for (a = 1; a <= CLAUSE_REF_MAX_LEVEL; a++)
			for (b = 0; b <= CLAUSE_REF_MAX_LEVEL; b++)
			{
				int			c = (a * 7 + b) % 256;
				uint64_t	x = ((uint64_t) annex << 56) | ((uint64_t) a << 48) |
					((uint64_t) b << 40);
				size_t		len;

				if (b != 0 && c != 0)
					x |= (uint64_t) c << 32 | (uint64_t) ((c * 3) % 255 + 1) << 24;
				len = clause_ref_format(x, buf);
				if (clause_ref_parse(buf, len, &w, NULL) != CLAUSE_REF_OK || w != x ||
					len >= CLAUSE_REF_TEXT_BUFSIZE || clause_ref_check(x) != NULL)
				{
					if (firstbad[0] == '\0')
						memcpy(firstbad, buf, sizeof(firstbad));
				}
				else
					roundtrips++;
			}
	}
	check(roundtrips == 3L * 255 * 256, "every formatted value parses back to itself; first failure",
		  firstbad);

	/* formatting any 64-bit pattern stays within the documented buffer */
	{
		uint64_t	x = UINT64_C(0x9E3779B97F4A7C15);
		int			overflow = 0;

		for (i = 0; i < 200000; i++)
		{
			size_t		len;

			memset(buf, 'X', sizeof(buf));
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			len = clause_ref_format(x, buf);
			if (len >= CLAUSE_REF_TEXT_BUFSIZE || buf[len] != '\0' ||
				buf[CLAUSE_REF_TEXT_BUFSIZE] != 'X')
				overflow++;
		}
		check(overflow == 0, "format never exceeds CLAUSE_REF_TEXT_BUFSIZE", "random");
		check(clause_ref_format(UINT64_C(0x1AFFFFFFFFFFFF00), buf) == CLAUSE_REF_TEXT_BUFSIZE - 1,
			  "the longest text fills the buffer exactly", buf);
	}

	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
