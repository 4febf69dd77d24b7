/*
 * history_jsonb_text.c
 *		The text of a jsonb value, written straight from its binary container,
 *		byte for byte as PostgreSQL's JsonbToCString() writes it.
 *
 * Why: the history hashes each record's jsonb columns as JsonbToCString()
 * writes them, and verifying a chain spent most of its time there (the jsonb
 * iterator allocates a frame per container and copies every scalar into a
 * JsonbValue, numeric_out() allocates, escape_json() copies each string and
 * measures it again).  This file walks the container's JEntry arrays in place
 * and writes into one caller's buffer.
 *
 * What JsonbToCString() writes, without indentation (src/backend/utils/adt/
 * jsonb.c, JsonbToCStringWorker and jsonb_put_escaped_value, PostgreSQL 15 to
 * 18):
 *   object     "{" then "key": value pairs in stored order, ", " between, "}"
 *   array      "[" then the elements, ", " between, "]"
 *   raw scalar (the top-level container flagged scalar) the element alone
 *   string     escape_json(): '"', the bytes, '"'; \b \f \n \r \t \" \\ as
 *              such, other bytes below 0x20 as \u00xx (lower-case hex), every
 *              other byte (UTF-8 included) as is
 *   numeric    numeric_out(): get_str_from_var() of the stored digits
 *   bool, null true, false, null
 *
 * The binary layout (src/include/utils/jsonb.h, src/backend/utils/adt/
 * numeric.c) is PostgreSQL's on-disk format, the same in every version that
 * pg_upgrade carries data across, so the constants are repeated here to keep
 * this file free of PostgreSQL headers.  Anything not written in the plain
 * way answers HJ_FALLBACK and the caller asks JsonbToCString() itself: a
 * special numeric (NaN, infinities), a numeric not stored with a plain 4-byte
 * header or with a digit out of range, a NUL byte in a string (PostgreSQL 15
 * stops at it, 18 writes \u0000; jsonb input refuses it anyway), nesting
 * deeper than HJ_MAX_DEPTH, flags or offsets that are not consistent, any
 * read beyond the value.  So every byte is PostgreSQL's, and a corrupt value
 * is never read out of bounds here.
 */
#include "history_jsonb_text.h"

#include <stdint.h>
#include <string.h>

/* Container header (jsonb.h). */
#define HJ_CMASK		0x0FFFFFFFu
#define HJ_FSCALAR		0x10000000u
#define HJ_FOBJECT		0x20000000u
#define HJ_FARRAY		0x40000000u

/* JEntry (jsonb.h). */
#define HJ_OFFLENMASK	0x0FFFFFFFu
#define HJ_TYPEMASK		0x70000000u
#define HJ_HAS_OFF		0x80000000u
#define HJ_STRING		0x00000000u
#define HJ_NUMERIC		0x10000000u
#define HJ_FALSE		0x20000000u
#define HJ_TRUE			0x30000000u
#define HJ_NULL			0x40000000u
#define HJ_CONTAINER	0x50000000u

/* Numeric header (numeric.c). */
#define HJ_NUM_SIGN_MASK	0xC000u
#define HJ_NUM_NEG			0x4000u
#define HJ_NUM_SHORT		0x8000u
#define HJ_NUM_SPECIAL		0xC000u
#define HJ_NUM_SHORT_SIGN	0x2000u
#define HJ_NUM_SHORT_DSCALE_MASK	0x1F80u
#define HJ_NUM_SHORT_DSCALE_SHIFT	7
#define HJ_NUM_SHORT_WEIGHT_SIGN	0x0040u
#define HJ_NUM_SHORT_WEIGHT_MASK	0x003Fu
#define HJ_NUM_DSCALE_MASK	0x3FFFu

/* Nesting beyond this is left to JsonbToCString() (which does not recurse). */
#define HJ_MAX_DEPTH 256

/* 4-byte alignment of an offset inside a container (INTALIGN). */
#define HJ_INTALIGN(x) (((x) + 3u) & ~(size_t) 3u)

/* The output: the next byte to write and the end of the room. */
typedef struct HjOut
{
	char	   *p;
	char	   *end;
} HjOut;

/* Status of a write: 0, HJ_FALLBACK or HJ_NO_ROOM. */
#define HJ_ROOM(o, n) ((size_t) ((o)->end - (o)->p) >= (size_t) (n))

/* A uint32 at any alignment. */
static inline uint32_t
hj_u32(const char *p)
{
	uint32_t	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A uint16 at any alignment. */
static inline uint16_t
hj_u16(const char *p)
{
	uint16_t	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* An int16 at any alignment. */
static inline int16_t
hj_i16(const char *p)
{
	int16_t		v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Appends n bytes. */
static inline int
hj_put(HjOut *o, const char *s, size_t n)
{
	if (!HJ_ROOM(o, n))
		return HJ_NO_ROOM;
	memcpy(o->p, s, n);
	o->p += n;
	return 0;
}

/* True when one of the 8 bytes of w is below 0x20, '"' or '\\' (escape_json's cases). */
static inline int
hj_special8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t	q = w ^ (ones * '"');
	uint64_t	b = w ^ (ones * '\\');

	return (((w - ones * 0x20) & ~w) |
			((q - ones) & ~q) |
			((b - ones) & ~b)) & high ? 1 : 0;
}

/* True when one of the n bytes at s is one that escape_json() escapes. */
static inline int
hj_has_special(const unsigned char *s, size_t n)
{
	size_t		i;
	uint64_t	w;

	if (n >= 8)
	{
		for (i = 0; i + 8 <= n; i += 8)
		{
			memcpy(&w, s + i, 8);
			if (hj_special8(w))
				return 1;
		}
		if (i < n)
		{
			memcpy(&w, s + n - 8, 8);	/* the last 8 bytes, overlapping */
			return hj_special8(w);
		}
		return 0;
	}
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
			return 1;
	return 0;
}

/* A string as escape_json() writes it. */
static int
hj_string(HjOut *o, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t		i = 0;

	if (!HJ_ROOM(o, n + 2))
		return HJ_NO_ROOM;
	if (!hj_has_special(s, n))
	{
		/* the usual case: nothing to escape */
		*o->p++ = '"';
		memcpy(o->p, s, n);
		o->p += n;
		*o->p++ = '"';
		return 0;
	}
	if (!HJ_ROOM(o, n + 2))
		return HJ_NO_ROOM;
	*o->p++ = '"';
	while (i < n)
	{
		unsigned char c;
		char		e;

		if (n - i >= 8)
		{
			uint64_t	w;

			memcpy(&w, s + i, 8);
			if (!hj_special8(w))
			{
				if (!HJ_ROOM(o, 8))
					return HJ_NO_ROOM;
				memcpy(o->p, s + i, 8);
				o->p += 8;
				i += 8;
				continue;
			}
		}
		c = s[i++];
		if (c >= 0x20 && c != '"' && c != '\\')
		{
			if (!HJ_ROOM(o, 1))
				return HJ_NO_ROOM;
			*o->p++ = (char) c;
			continue;
		}
		if (c == 0)
			return HJ_FALLBACK;
		switch (c)
		{
			case '\b':
				e = 'b';
				break;
			case '\f':
				e = 'f';
				break;
			case '\n':
				e = 'n';
				break;
			case '\r':
				e = 'r';
				break;
			case '\t':
				e = 't';
				break;
			case '"':
				e = '"';
				break;
			case '\\':
				e = '\\';
				break;
			default:
				e = 0;			/* \u00xx */
				break;
		}
		if (!HJ_ROOM(o, e ? 2 : 6))
			return HJ_NO_ROOM;
		*o->p++ = '\\';
		if (e)
			*o->p++ = e;
		else
		{
			*o->p++ = 'u';
			*o->p++ = '0';
			*o->p++ = '0';
			*o->p++ = hex[c >> 4];
			*o->p++ = hex[c & 0x0f];
		}
	}
	if (!HJ_ROOM(o, 1))
		return HJ_NO_ROOM;
	*o->p++ = '"';
	return 0;
}

/* "00" to "99". */
static const char hj_pairs[] =
"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
"8081828384858687888990919293949596979899";

/*
 * A numeric (its varlena at v, avail bytes) as numeric_out() writes it:
 * get_str_from_var() of numeric.c with DEC_DIGITS 4 (base-10000 digits, each
 * written as four decimal digits but the first without leading zeroes; dscale
 * decimals, the last group cut), two decimal digits at a time.
 */
static int
hj_numeric(HjOut *o, const char *v, size_t avail)
{
	uint32_t	vhdr;
	size_t		size;
	size_t		hdrsize;
	uint16_t	nh;
	int			neg;
	int			dscale;
	int			weight;
	int			ndigits;
	const char *digits;
	size_t		need;
	int			d;
	int			i;

	if (avail < 6)
		return HJ_FALLBACK;
	vhdr = hj_u32(v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if ((vhdr & 0x03u) != 0)	/* not a plain 4-byte header (VARATT_IS_4B_U) */
		return HJ_FALLBACK;
	size = (vhdr >> 2) & 0x3FFFFFFFu;
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	if ((vhdr & 0xC0000000u) != 0)
		return HJ_FALLBACK;
	size = vhdr & 0x3FFFFFFFu;
#else
	return HJ_FALLBACK;
#endif
	if (size < 6 || size > avail)
		return HJ_FALLBACK;
	nh = hj_u16(v + 4);
	if ((nh & HJ_NUM_SIGN_MASK) == HJ_NUM_SPECIAL)
		return HJ_FALLBACK;		/* NaN, Infinity, -Infinity */
	if ((nh & HJ_NUM_SIGN_MASK) == HJ_NUM_SHORT)
	{
		hdrsize = 6;
		neg = (nh & HJ_NUM_SHORT_SIGN) != 0;
		dscale = (nh & HJ_NUM_SHORT_DSCALE_MASK) >> HJ_NUM_SHORT_DSCALE_SHIFT;
		weight = (int) (nh & HJ_NUM_SHORT_WEIGHT_MASK);
		if (nh & HJ_NUM_SHORT_WEIGHT_SIGN)
			weight |= ~(int) HJ_NUM_SHORT_WEIGHT_MASK;
	}
	else
	{
		if (size < 8)
			return HJ_FALLBACK;
		hdrsize = 8;
		neg = (nh & HJ_NUM_SIGN_MASK) == HJ_NUM_NEG;
		dscale = nh & HJ_NUM_DSCALE_MASK;
		weight = hj_i16(v + 6);
	}
	ndigits = (int) ((size - hdrsize) / 2);
	digits = v + hdrsize;

	/* exactly the room needed: sign, digits before the point, point and dscale digits */
	if (weight < 0)
		need = 1;
	else
	{
		int			dig0 = ndigits > 0 ? hj_i16(digits) : 0;

		if (dig0 < 0 || dig0 > 9999)
			return HJ_FALLBACK;
		need = (dig0 >= 1000 ? 4 : dig0 >= 100 ? 3 : dig0 >= 10 ? 2 : 1) + 4 * (size_t) weight;
	}
	need += (neg ? 1 : 0) + (dscale > 0 ? 1 + (size_t) dscale : 0);
	if (!HJ_ROOM(o, need))
		return HJ_NO_ROOM;
	if (neg)
		*o->p++ = '-';
	if (weight < 0)
	{
		d = weight + 1;
		*o->p++ = '0';
	}
	else
	{
		for (d = 0; d <= weight; d++)
		{
			int			dig = (d < ndigits) ? hj_i16(digits + 2 * d) : 0;
			int			hi;
			int			lo;

			if (dig < 0 || dig > 9999)
				return HJ_FALLBACK;
			hi = dig / 100;
			lo = dig - hi * 100;
			/* in the first digit, no leading decimal zeroes (the last one is written) */
			if (d > 0 || dig >= 1000)
			{
				memcpy(o->p, hj_pairs + 2 * hi, 2);
				memcpy(o->p + 2, hj_pairs + 2 * lo, 2);
				o->p += 4;
			}
			else if (dig >= 100)
			{
				*o->p++ = (char) ('0' + hi);
				memcpy(o->p, hj_pairs + 2 * lo, 2);
				o->p += 2;
			}
			else if (dig >= 10)
			{
				memcpy(o->p, hj_pairs + 2 * lo, 2);
				o->p += 2;
			}
			else
				*o->p++ = (char) ('0' + lo);
		}
	}
	if (dscale > 0)
	{
		/* four digits a group, the last group cut to dscale */
		*o->p++ = '.';
		for (i = 0; i < dscale; d++, i += 4)
		{
			int			dig = (d >= 0 && d < ndigits) ? hj_i16(digits + 2 * d) : 0;
			int			hi;
			char		q[4];

			if (dig < 0 || dig > 9999)
				return HJ_FALLBACK;
			hi = dig / 100;
			memcpy(q, hj_pairs + 2 * hi, 2);
			memcpy(q + 2, hj_pairs + 2 * (dig - hi * 100), 2);
			memcpy(o->p, q, dscale - i < 4 ? (size_t) (dscale - i) : 4);
			o->p += dscale - i < 4 ? dscale - i : 4;
		}
	}
	return 0;
}

static int	hj_container(HjOut *o, const char *c, size_t len, int depth);

/* A child [start, end) of the data area at data: a scalar or a nested container. */
static int
hj_child(HjOut *o, uint32_t je, const char *data, size_t start, size_t end, int depth)
{
	size_t		a;

	switch (je & HJ_TYPEMASK)
	{
		case HJ_STRING:
			return hj_string(o, (const unsigned char *) data + start, end - start);
		case HJ_NUMERIC:
			a = HJ_INTALIGN(start);
			if (a > end)
				return HJ_FALLBACK;
			return hj_numeric(o, data + a, end - a);
		case HJ_FALSE:
			return hj_put(o, "false", 5);
		case HJ_TRUE:
			return hj_put(o, "true", 4);
		case HJ_NULL:
			return hj_put(o, "null", 4);
		case HJ_CONTAINER:
			a = HJ_INTALIGN(start);
			if (a > end)
				return HJ_FALLBACK;
			return hj_container(o, data + a, end - a, depth + 1);
		default:
			return HJ_FALLBACK;
	}
}

/* Moves offset past the child of JEntry je (JBE_ADVANCE_OFFSET); 0 when it stays in [offset, dlen]. */
static inline int
hj_advance(size_t *offset, uint32_t je, size_t dlen)
{
	size_t		next = (je & HJ_HAS_OFF) ? (size_t) (je & HJ_OFFLENMASK)
		: *offset + (size_t) (je & HJ_OFFLENMASK);

	if (next < *offset || next > dlen)
		return 0;
	*offset = next;
	return 1;
}

/* A container (len bytes at c): an object, an array, or at the top the raw scalar. */
static int
hj_container(HjOut *o, const char *c, size_t len, int depth)
{
	uint32_t	header;
	uint32_t	kind;
	size_t		count;
	size_t		nentries;
	const char *children;
	const char *data;
	size_t		dlen;
	size_t		i;
	int			rc;

	if (depth > HJ_MAX_DEPTH || len < 4)
		return HJ_FALLBACK;
	header = hj_u32(c);
	count = header & HJ_CMASK;
	kind = header & ~HJ_CMASK;
	if (kind == HJ_FOBJECT)
		nentries = count * 2;
	else if (kind == HJ_FARRAY || (kind == (HJ_FARRAY | HJ_FSCALAR) && depth == 0 && count == 1))
		nentries = count;
	else
		return HJ_FALLBACK;
	if ((len - 4) / 4 < nentries)
		return HJ_FALLBACK;
	children = c + 4;
	data = children + 4 * nentries;
	dlen = len - 4 - 4 * nentries;

	if (kind & HJ_FARRAY)
	{
		int			scalar = (kind & HJ_FSCALAR) != 0;
		size_t		off = 0;

		if (scalar && (hj_u32(children) & HJ_TYPEMASK) == HJ_CONTAINER)
			return HJ_FALLBACK;
		if (!scalar && (rc = hj_put(o, "[", 1)) != 0)
			return rc;
		for (i = 0; i < count; i++)
		{
			uint32_t	je = hj_u32(children + 4 * i);
			size_t		start = off;

			if (!hj_advance(&off, je, dlen))
				return HJ_FALLBACK;
			if (i > 0 && (rc = hj_put(o, ", ", 2)) != 0)
				return rc;
			if ((rc = hj_child(o, je, data, start, off, depth)) != 0)
				return rc;
		}
		if (!scalar && (rc = hj_put(o, "]", 1)) != 0)
			return rc;
		return 0;
	}
	else
	{
		size_t		koff = 0;
		size_t		voff;

		/* the values' data follows the keys' */
		for (i = 0; i < count; i++)
			if (!hj_advance(&koff, hj_u32(children + 4 * i), dlen))
				return HJ_FALLBACK;
		voff = koff;
		koff = 0;
		if ((rc = hj_put(o, "{", 1)) != 0)
			return rc;
		for (i = 0; i < count; i++)
		{
			uint32_t	kje = hj_u32(children + 4 * i);
			uint32_t	vje = hj_u32(children + 4 * (count + i));
			size_t		kstart = koff;
			size_t		vstart = voff;

			if ((kje & HJ_TYPEMASK) != HJ_STRING ||
				!hj_advance(&koff, kje, dlen) || !hj_advance(&voff, vje, dlen))
				return HJ_FALLBACK;
			if (i > 0 && (rc = hj_put(o, ", ", 2)) != 0)
				return rc;
			if ((rc = hj_string(o, (const unsigned char *) data + kstart, koff - kstart)) != 0 ||
				(rc = hj_put(o, ": ", 2)) != 0 ||
				(rc = hj_child(o, vje, data, vstart, voff, depth)) != 0)
				return rc;
		}
		return hj_put(o, "}", 1);
	}
}

/* Writes the text of the jsonb container at c (len bytes) at out; see history_jsonb_text.h. */
long
hj_jsonb_to_text(const char *c, size_t len, char *out, size_t cap)
{
	HjOut		o;
	int			rc;

	o.p = out;
	o.end = out + cap;
	rc = hj_container(&o, c, len, 0);
	if (rc != 0)
		return rc;
	return (long) (o.p - out);
}

/* See history_jsonb_text.h. */
long
hj_string_to_text(const char *s, size_t n, char *out, size_t cap)
{
	HjOut		o;
	int			rc;

	o.p = out;
	o.end = out + cap;
	rc = hj_string(&o, (const unsigned char *) s, n);
	if (rc < 0)
		return rc;
	return (long) (o.p - out);
}
