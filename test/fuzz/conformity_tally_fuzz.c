/*
 * conformity_tally_fuzz.c
 *		libFuzzer harness for the conformity_tally text parser and formatter.
 *
 * Links src/conformity_tally_text.c alone (no PostgreSQL).  For every input:
 * parse it (as a NUL-terminated copy, which is what the type input function
 * sees); when it parses, the tally must pass the consistency check, its
 * canonical text must fit CT_TEXT_MAX, parse back to the same tally and
 * format to the same text.  When it does not parse, the detail must be set.
 * Any other outcome aborts.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       test/fuzz/conformity_tally_fuzz.c src/conformity_tally_text.c -o conformity_tally_fuzz
 *   ./conformity_tally_fuzz -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conformity_tally_text.h"

/* Aborts the fuzzer run when a property fails. */
static void
check(int ok)
{
	if (!ok)
		abort();
}

/* libFuzzer entry point: one input, one round trip. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);
	CtTally		t,
				t2;
	char		detail[256];
	char		text[CT_TEXT_MAX];
	char		text2[CT_TEXT_MAX];
	size_t		len,
				len2;
	CtStatus	st;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	detail[0] = '\0';
	st = ct_parse(s, &t, detail, sizeof(detail));
	free(s);
	if (st != CT_OK)
	{
		check(st == CT_SYNTAX || st == CT_RANGE || st == CT_INCONSISTENT);
		check(detail[0] != '\0');
		return 0;
	}
	check(ct_check(&t, NULL, 0) == CT_OK);
	len = ct_format(&t, text, sizeof(text));
	check(len > 0 && len < sizeof(text) && text[len] == '\0' && strlen(text) == len);
	check(ct_parse(text, &t2, detail, sizeof(detail)) == CT_OK);
	check(memcmp(&t, &t2, sizeof(CtTally)) == 0);
	len2 = ct_format(&t2, text2, sizeof(text2));
	check(len == len2 && memcmp(text, text2, len) == 0);
	return 0;
}
