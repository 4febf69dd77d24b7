/*
 * risk_rating_fuzz.c
 *		libFuzzer harness for the risk_rating text parser and formatter.
 *
 * Links src/risk_rating_text.c alone (no PostgreSQL).  For every input: parse
 * it; when it parses, the rating must be in range, its canonical text must
 * parse back to the same rating, and formatting that must give the same text
 * (parse -> format -> parse round trip).  Any other outcome aborts.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       test/fuzz/risk_rating_fuzz.c src/risk_rating_text.c -o risk_rating_fuzz
 *   ./risk_rating_fuzz -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "risk_rating_text.h"

/* Aborts the fuzzer run when a round-trip property fails. */
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
	RiskRatingParseResult r = risk_rating_parse((const char *) data, size);
	RiskRatingParseResult again;
	char		text[RISK_RATING_TEXT_MAXLEN];
	char		text2[RISK_RATING_TEXT_MAXLEN];
	size_t		len;
	size_t		len2;

	check(r.error_pos <= size);
	if (r.status != RR_PARSE_OK)
		return 0;

	check(r.likelihood >= RISK_RATING_MIN && r.likelihood <= RISK_RATING_MAX);
	check(r.consequence >= RISK_RATING_MIN && r.consequence <= RISK_RATING_MAX);
	check(risk_rating_packed_valid(risk_rating_pack(r.likelihood, r.consequence)));

	len = risk_rating_format(r.likelihood, r.consequence, text, sizeof(text));
	check(len > 0 && len < sizeof(text));

	again = risk_rating_parse(text, len);
	check(again.status == RR_PARSE_OK);
	check(again.likelihood == r.likelihood && again.consequence == r.consequence);

	len2 = risk_rating_format(again.likelihood, again.consequence, text2, sizeof(text2));
	check(len2 == len && memcmp(text, text2, len) == 0);
	return 0;
}
