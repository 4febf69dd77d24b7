/*
 * history_canon.c
 *		Canonical serialisation of a history record (see history_canon.h).
 *
 * A record is serialised as a sequence of netstrings: each field is its length
 * in bytes in decimal, a colon, the bytes, and a comma; an SQL NULL is the
 * single character "~".  Netstrings need no escaping, so any text (images with
 * newlines, quoted identifiers with commas) serialises unambiguously, and a
 * verifier in any language rebuilds the same bytes in a few lines.
 */
#include "history_canon.h"

#include <string.h>

/* Bytes that hc_put_field() writes for a value of n bytes. */
size_t
hc_field_size(size_t n)
{
	size_t		digits = 1;
	size_t		v = n;

	while (v >= 10)
	{
		v /= 10;
		digits++;
	}
	return digits + 1 + n + 1;
}

/* Writes "<n>:<bytes>," at out, or "~" when s is NULL; returns the end. */
char *
hc_put_field(char *out, const char *s, size_t n)
{
	char		digits[24];
	int			nd = 0;
	size_t		v = n;

	if (s == NULL)
	{
		*out++ = '~';
		return out;
	}
	do
	{
		digits[nd++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (nd > 0)
		*out++ = digits[--nd];
	*out++ = ':';
	if (n > 0)
		memcpy(out, s, n);
	out += n;
	*out++ = ',';
	return out;
}

/* Writes the 64 lower-case hex digits of a 32-byte hash at out; returns the end. */
char *
hc_put_hex32(char *out, const unsigned char *hash)
{
	static const char hex[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < 32; i++)
	{
		*out++ = hex[hash[i] >> 4];
		*out++ = hex[hash[i] & 0x0f];
	}
	return out;
}
