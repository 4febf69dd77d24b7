/*
 * history_canon.h
 *		Canonical serialisation of a history record: netstring fields.
 *
 * Pure C, no PostgreSQL headers, so that a fuzzer or a unit test can link it.
 * doc/history.md documents the format; tools/verify-history reimplements it.
 */
#ifndef HISTORY_CANON_H
#define HISTORY_CANON_H

#include <stddef.h>

/* Tag that opens every canonical record; a new format gets a new tag. */
#define HISTORY_CANON_TAG "iso28000.history.v1"

/* Bytes that hc_put_field() writes for a value of n bytes (n + length digits + 2). */
extern size_t hc_field_size(size_t n);

/* Writes "<n>:<bytes>," at out, or "~" when s is NULL; returns the end. */
extern char *hc_put_field(char *out, const char *s, size_t n);

/* Writes the 64 lower-case hex digits of a 32-byte hash at out; returns the end. */
extern char *hc_put_hex32(char *out, const unsigned char *hash);

#endif							/* HISTORY_CANON_H */
