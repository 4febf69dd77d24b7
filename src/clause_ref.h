/*
 * clause_ref.h
 *		The clause_ref SQL type: Datum conversions for C code of the extension.
 *
 * A clause_ref is a uint64 packed as described in clause_ref_text.h, stored
 * like int8 (passed by value where int8 is, i.e. on every 64-bit build).
 * Other modules that read or build clause_ref values in C include this header.
 */
#ifndef CLAUSE_REF_H
#define CLAUSE_REF_H

#include "postgres.h"
#include "fmgr.h"

#include "clause_ref_text.h"

typedef uint64 ClauseRef;

#define DatumGetClauseRef(X)		((ClauseRef) DatumGetInt64(X))
#define ClauseRefGetDatum(X)		Int64GetDatum((int64) (X))
#define PG_GETARG_CLAUSE_REF(n)		DatumGetClauseRef(PG_GETARG_DATUM(n))
#define PG_RETURN_CLAUSE_REF(x)		return ClauseRefGetDatum(x)

/*
 * Parses len bytes at s into *result.  Bad input raises 22P02 (syntax) or
 * 22003 (a level out of range); on PostgreSQL 16 and later a soft-error
 * context (escontext) receives the error instead and false is returned.
 */
extern bool clause_ref_parse_text(const char *s, size_t len,
								  struct Node *escontext, ClauseRef *result);

#endif							/* CLAUSE_REF_H */
