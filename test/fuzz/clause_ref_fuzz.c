/*
 * clause_ref_fuzz.c
 *		libFuzzer harness for the clause_ref parser and formatter.
 *
 * Links src/clause_ref_text.c alone (no PostgreSQL).  For every input:
 *
 *	- parse it as text; when it parses, the value must be canonical, its
 *	  text must be exactly the input (the text form is canonical), must fit
 *	  CLAUSE_REF_TEXT_BUFSIZE, and must parse back to the same value
 *	  (parse -> format -> parse);
 *	- read its first 8 bytes as a packed value (what binary receive gets);
 *	  formatting it, canonical or not, must stay inside the documented buffer
 *	  (checked with guard bytes), and a value that clause_ref_check accepts
 *	  must round-trip through text.
 *
 * Any other outcome aborts.  Build and run (make fuzz does both):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       test/fuzz/clause_ref_fuzz.c src/clause_ref_text.c -o clause_ref_fuzz
 *   ./clause_ref_fuzz -max_total_time=60 -dict=test/fuzz/clause_ref.dict
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clause_ref_text.h"

#define GUARD 16

/* Aborts the fuzzer run when a property fails. */
static void
require(int ok)
{
	if (!ok)
		abort();
}

/* Formats v between guard bytes and checks the guards and the length. */
static size_t
format_guarded(uint64_t v, char *text)
{
	char		buf[GUARD + CLAUSE_REF_TEXT_BUFSIZE + GUARD];
	size_t		len;
	int			i;

	memset(buf, 0x5A, sizeof(buf));
	len = clause_ref_format(v, buf + GUARD);
	for (i = 0; i < GUARD; i++)
		require(buf[i] == 0x5A && buf[GUARD + CLAUSE_REF_TEXT_BUFSIZE + i] == 0x5A);
	require(len < CLAUSE_REF_TEXT_BUFSIZE);
	require(buf[GUARD + len] == '\0' && strlen(buf + GUARD) == len);
	memcpy(text, buf + GUARD, len + 1);
	return len;
}

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		text[CLAUSE_REF_TEXT_BUFSIZE];
	uint64_t	v,
				again;
	size_t		len;
	ClauseRefError err;

	/* text -> value -> text -> value */
	if (clause_ref_parse((const char *) data, size, &v, &err) == CLAUSE_REF_OK)
	{
		require(err.status == CLAUSE_REF_OK);
		require(clause_ref_check(v) == NULL);
		len = format_guarded(v, text);
		require(len == size && memcmp(text, data, size) == 0);
		require(clause_ref_parse(text, len, &again, NULL) == CLAUSE_REF_OK);
		require(again == v);
		require(cref_contains(cref_ancestor(v, 1), v));
		require(cref_last_descendant(v) >= v);
	}
	else
	{
		require(err.status != CLAUSE_REF_OK);
		require(err.position <= size);
	}

	/* packed value (binary receive) -> text */
	if (size >= 8)
	{
		uint64_t	packed = 0;
		int			i;

		for (i = 0; i < 8; i++)
			packed = (packed << 8) | data[i];
		len = format_guarded(packed, text);
		if (clause_ref_check(packed) == NULL)
		{
			require(clause_ref_parse(text, len, &again, NULL) == CLAUSE_REF_OK);
			require(again == packed);
		}
	}
	return 0;
}
