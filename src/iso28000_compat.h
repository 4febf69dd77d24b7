/*
 * iso28000_compat.h
 *		What differs between the PostgreSQL versions iso28000 supports (15 to
 *		18), in one place.  A C file that needs any of it includes this header
 *		instead of postgres.h; iso28000.c does, so that a build for a server
 *		older than 15 stops at the #error below.
 *
 * - The header of VARDATA_ANY and friends: varatt.h, which postgres.h no
 *   longer includes from 16 on.
 * - One noreturn idiom: pg_noreturn, written before the declaration
 *   ("pg_noreturn extern void f(void);").  PostgreSQL 18 defines it (and
 *   removed pg_attribute_noreturn()); before 18 it maps to the attribute,
 *   which GCC and Clang accept in that place too.
 * - One soft-error idiom: errsave(escontext, ...) and ereturn(escontext,
 *   value, ...), as in 16 and later.  On 15, which has no soft errors, both
 *   raise the error (ereport(ERROR, ...)): input functions then fail hard,
 *   as every input function did before 16, and SOFT_ERROR_OCCURRED is false.
 *
 * Other PG_VERSION_NUM guards stay next to the one API they cover.
 */
#ifndef ISO28000_COMPAT_H
#define ISO28000_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000
#error "iso28000 needs PostgreSQL 15 or later"
#endif

#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

#if PG_VERSION_NUM < 160000
#define errsave(escontext, ...) ereport(ERROR, __VA_ARGS__)
#define ereturn(escontext, dummy_value, ...) ereport(ERROR, __VA_ARGS__)
#define SOFT_ERROR_OCCURRED(escontext) false
#else
#include "nodes/miscnodes.h"
#endif

#endif							/* ISO28000_COMPAT_H */
