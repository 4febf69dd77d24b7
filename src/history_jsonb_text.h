/*
 * history_jsonb_text.h
 *		The text PostgreSQL's JsonbToCString() writes for a jsonb value, written
 *		straight from the jsonb binary container.
 *
 * Pure C, no PostgreSQL headers, so that a fuzzer and a unit test can link
 * it.  history_verify.c uses it to hash each record's jsonb columns without
 * the jsonb iterator; any value it does not write in the plain way (a special
 * or oddly stored numeric, a NUL in a string, anything out of bounds) makes it
 * answer HJ_FALLBACK, and the caller writes that value with JsonbToCString()
 * itself, so the bytes are PostgreSQL's in every case.
 */
#ifndef HISTORY_JSONB_TEXT_H
#define HISTORY_JSONB_TEXT_H

#include <stddef.h>

/* The value is not written in the plain way: use JsonbToCString(). */
#define HJ_FALLBACK (-1)
/* The output did not fit in cap bytes: call again with more room. */
#define HJ_NO_ROOM (-2)

/*
 * Writes the text of the jsonb container at c (len bytes: the jsonb datum
 * without its varlena header; any alignment) at out, at most cap bytes, no
 * terminating NUL.  Returns the number of bytes written, HJ_FALLBACK or
 * HJ_NO_ROOM.
 */
extern long hj_jsonb_to_text(const char *c, size_t len, char *out, size_t cap);

/*
 * Writes the n bytes at s as escape_json() writes a string (the quotes
 * included) at out, at most cap bytes; 6 * n + 2 are always enough.  Returns
 * the number of bytes written, HJ_FALLBACK (a NUL byte) or HJ_NO_ROOM.
 */
extern long hj_string_to_text(const char *s, size_t n, char *out, size_t cap);

#endif							/* HISTORY_JSONB_TEXT_H */
