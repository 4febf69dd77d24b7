/*
 * history_jsonb_fuzz.c
 *		libFuzzer harness for the jsonb writer of verify_history
 *		(src/history_jsonb_text.c).
 *
 * Links src/history_jsonb_text.c (no PostgreSQL).  The first input byte picks
 * one of two properties:
 *   even  the rest is taken as a jsonb container as stored, however corrupt:
 *         the writer must not read or write out of bounds (ASan, UBSan), must
 *         answer a length, HJ_FALLBACK or HJ_NO_ROOM, write no raw byte below
 *         0x20, write the same bytes again when given exactly that much room,
 *         and answer HJ_NO_ROOM with one byte less;
 *   odd   the rest drives a generator of a well-formed value (objects with
 *         keys sorted and unique, arrays of up to 40 elements so that offsets
 *         are stored every 32nd entry, strings with bytes that need escaping,
 *         numerics in the short and the long format), encoded as PostgreSQL's
 *         convertJsonb() lays it out, with its text written by a plain
 *         reference writer here (escape_json's rules, get_str_from_var's
 *         digits formatted with printf): the writer must write that text.
 * The pgTAP test test/pgtap/history_jsonb_writer.sql checks the writer
 * against PostgreSQL's own JsonbToCString on edge cases and random values.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       test/fuzz/history_jsonb_fuzz.c src/history_jsonb_text.c -o history_jsonb_fuzz
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_jsonb_text.h"

/* Aborts the fuzzer run when a property fails. */
static void
check(int ok)
{
	if (!ok)
		abort();
}

/* A growable byte buffer. */
typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

/* Appends n bytes. */
static void
buf_put(Buf *b, const void *s, size_t n)
{
	if (b->len + n > b->cap)
	{
		b->cap = (b->len + n) * 2 + 64;
		b->data = realloc(b->data, b->cap);
		check(b->data != NULL);
	}
	if (n > 0)
		memcpy(b->data + b->len, s, n);
	b->len += n;
}

/* Appends a uint32 in native byte order. */
static void
buf_u32(Buf *b, uint32_t v)
{
	buf_put(b, &v, 4);
}

/* Pads to a multiple of 4 bytes from the start (padBufferToInt); returns the padding. */
static size_t
buf_pad4(Buf *b)
{
	size_t		pad = (4 - b->len % 4) % 4;
	static const char zeros[4] = {0, 0, 0, 0};

	buf_put(b, zeros, pad);
	return pad;
}

/* The fuzz input, read a byte at a time (zeros once it is used up). */
typedef struct In
{
	const uint8_t *p;
	size_t		n;
} In;

static unsigned
take(In *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

/* A generated value: its binary form is appended to a Buf, its text to another. */
typedef struct Val
{
	int			kind;			/* 0 null, 1 false, 2 true, 3 string, 4 numeric, 5 array, 6 object */
	Buf			str;			/* string bytes (kind 3) */
	int			neg, weight, dscale, ndigits, longfmt;
	int16_t		digits[8];
	int			nchildren;
	struct Val *children;		/* arrays: elements; objects: key (kind 3), value, key, value... */
} Val;

static void val_free(Val *v);

/* A string of up to 24 bytes from the input, no NUL (the writer leaves a NUL to PostgreSQL). */
static void
gen_string(In *in, Buf *s)
{
	static const char pick[] = "ab\"\\/\n\r\t\b\f\x01\x1f\x7f\xc3\xa9 {}";
	unsigned	n = take(in) % 25;
	unsigned	i;

	for (i = 0; i < n; i++)
	{
		unsigned	c = take(in);
		char		ch = (c & 1) ? pick[(c >> 1) % (sizeof(pick) - 1)] : (char) ('a' + (c >> 1) % 26);

		buf_put(s, &ch, 1);
	}
}

/* A value of the input, at most depth levels deep. */
static void
gen(In *in, Val *v, int depth)
{
	unsigned	k = take(in) % (depth > 0 ? 7 : 5);
	int			i;

	memset(v, 0, sizeof(*v));
	v->kind = (int) k;
	if (k == 3)
		gen_string(in, &v->str);
	else if (k == 4)
	{
		v->neg = take(in) & 1;
		v->longfmt = take(in) & 1;
		v->weight = (int) (take(in) % 17) - 8;
		v->dscale = (int) (take(in) % (v->longfmt ? 100 : 64));
		v->ndigits = (int) (take(in) % 7);
		for (i = 0; i < v->ndigits; i++)
			v->digits[i] = (int16_t) ((take(in) << 8 | take(in)) % 10000);
	}
	else if (k == 5 || k == 6)
	{
		unsigned	n = take(in);

		n = (n & 0x80) ? n % 41 : n % 5;
		v->children = calloc(2 * (size_t) n + 1, sizeof(Val));
		check(v->children != NULL);
		for (i = 0; i < (int) n; i++)
		{
			if (k == 5)
				gen(in, &v->children[v->nchildren++], depth - 1);
			else
			{
				Val		   *key = &v->children[2 * v->nchildren];
				int			j;
				int			dup = 0;

				memset(key, 0, sizeof(*key));
				key->kind = 3;
				gen_string(in, &key->str);
				for (j = 0; j < v->nchildren; j++)
				{
					Buf		   *o = &v->children[2 * j].str;

					if (o->len == key->str.len && (o->len == 0 || memcmp(o->data, key->str.data, o->len) == 0))
						dup = 1;
				}
				if (dup)
				{
					free(key->str.data);
					continue;
				}
				gen(in, &v->children[2 * v->nchildren + 1], depth - 1);
				v->nchildren++;
			}
		}
	}
}

/* Key order of a jsonb object: shorter first, then bytewise (lengthCompareJsonbStringValue). */
static int
key_cmp(const void *a, const void *b)
{
	const Val  *x = a;
	const Val  *y = b;

	if (x->str.len != y->str.len)
		return x->str.len < y->str.len ? -1 : 1;
	return x->str.len ? memcmp(x->str.data, y->str.data, x->str.len) : 0;
}

/* Sorts an object's pairs by key. */
static void
sort_pairs(Val *v)
{
	int			i,
				j;

	for (i = 1; i < v->nchildren; i++)
		for (j = i; j > 0 && key_cmp(&v->children[2 * j - 2], &v->children[2 * j]) > 0; j--)
		{
			Val			t[2];

			memcpy(t, &v->children[2 * j - 2], sizeof(t));
			memcpy(&v->children[2 * j - 2], &v->children[2 * j], sizeof(t));
			memcpy(&v->children[2 * j], t, sizeof(t));
		}
}

static uint32_t encode(Buf *b, Val *v, int top);

/* Encodes a container's children (n JEntries reserved at jpos) as convertJsonbArray/Object do. */
static void
encode_children(Buf *b, size_t jpos, Val **vals, int n, int stride_base)
{
	uint32_t	total = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		size_t		before = b->len;
		uint32_t	meta = encode(b, vals[i], 0);

		total += (uint32_t) (b->len - before);
		if (((i + stride_base) % 32) == 0)
			meta = (meta & 0x70000000u) | total | 0x80000000u;
		memcpy(b->data + jpos + 4 * (size_t) i, &meta, 4);
	}
}

/* Appends v's binary form; returns its JEntry (type and length). */
static uint32_t
encode(Buf *b, Val *v, int top)
{
	size_t		start = b->len;
	int			i;

	switch (v->kind)
	{
		case 0:
			return 0x40000000u;
		case 1:
			return 0x20000000u;
		case 2:
			return 0x30000000u;
		case 3:
			buf_put(b, v->str.data, v->str.len);
			return 0x00000000u | (uint32_t) v->str.len;
		case 4:
			{
				size_t		pad = buf_pad4(b);
				size_t		size = (v->longfmt ? 8 : 6) + 2 * (size_t) v->ndigits;
				uint16_t	h;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
				buf_u32(b, (uint32_t) size);
#else
				buf_u32(b, (uint32_t) size << 2);
#endif
				if (v->longfmt)
				{
					int16_t		w = (int16_t) v->weight;

					h = (uint16_t) ((v->neg ? 0x4000 : 0) | v->dscale);
					buf_put(b, &h, 2);
					buf_put(b, &w, 2);
				}
				else
				{
					h = (uint16_t) (0x8000 | (v->neg ? 0x2000 : 0) | (v->dscale << 7) |
									(v->weight < 0 ? 0x0040 : 0) | (v->weight & 0x003F));
					buf_put(b, &h, 2);
				}
				buf_put(b, v->digits, 2 * (size_t) v->ndigits);
				return 0x10000000u | (uint32_t) (pad + size);
			}
		default:
			{
				int			obj = v->kind == 6;
				int			n = v->nchildren;
				size_t		jpos;
				Val		  **vals = calloc(2 * (size_t) n + 1, sizeof(Val *));

				check(vals != NULL);
				buf_pad4(b);
				buf_u32(b, (uint32_t) n | (obj ? 0x20000000u : 0x40000000u) | (top == 2 ? 0x10000000u : 0));
				jpos = b->len;
				for (i = 0; i < (obj ? 2 * n : n); i++)
					buf_u32(b, 0);
				if (obj)
				{
					sort_pairs(v);
					for (i = 0; i < n; i++)
					{
						vals[i] = &v->children[2 * i];
						vals[n + i] = &v->children[2 * i + 1];
					}
					encode_children(b, jpos, vals, 2 * n, 0);
				}
				else
				{
					for (i = 0; i < n; i++)
						vals[i] = &v->children[i];
					encode_children(b, jpos, vals, n, 0);
				}
				free(vals);
				return 0x50000000u | (uint32_t) (b->len - start);
			}
	}
}

/* The text JsonbToCString writes for v, by the rules, not by the writer's code. */
static void
text(Buf *t, Val *v)
{
	char		tmp[32];
	int			i;

	switch (v->kind)
	{
		case 0:
			buf_put(t, "null", 4);
			break;
		case 1:
			buf_put(t, "false", 5);
			break;
		case 2:
			buf_put(t, "true", 4);
			break;
		case 3:
			buf_put(t, "\"", 1);
			for (i = 0; i < (int) v->str.len; i++)
			{
				unsigned char c = (unsigned char) v->str.data[i];

				if (c == '"' || c == '\\')
				{
					tmp[0] = '\\';
					tmp[1] = (char) c;
					buf_put(t, tmp, 2);
				}
				else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f')
				{
					tmp[0] = '\\';
					tmp[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
					buf_put(t, tmp, 2);
				}
				else if (c < 0x20)
				{
					snprintf(tmp, sizeof(tmp), "\\u%04x", c);
					buf_put(t, tmp, 6);
				}
				else
					buf_put(t, &c, 1);
			}
			buf_put(t, "\"", 1);
			break;
		case 4:
			{
				/* groups 0..weight before the point, then dscale digits from group weight+1 on */
				Buf			frac = {0};
				int			g;

				if (v->neg)
					buf_put(t, "-", 1);
				if (v->weight < 0)
					buf_put(t, "0", 1);
				for (g = 0; g <= v->weight; g++)
				{
					int			n = snprintf(tmp, sizeof(tmp), g == 0 ? "%d" : "%04d",
											 g < v->ndigits ? v->digits[g] : 0);

					buf_put(t, tmp, (size_t) n);
				}
				if (v->dscale > 0)
				{
					for (g = v->weight + 1; (int) frac.len < v->dscale; g++)
					{
						snprintf(tmp, sizeof(tmp), "%04d", (g >= 0 && g < v->ndigits) ? v->digits[g] : 0);
						buf_put(&frac, tmp, 4);
					}
					buf_put(t, ".", 1);
					buf_put(t, frac.data, (size_t) v->dscale);
					free(frac.data);
				}
				break;
			}
		case 5:
			buf_put(t, "[", 1);
			for (i = 0; i < v->nchildren; i++)
			{
				if (i > 0)
					buf_put(t, ", ", 2);
				text(t, &v->children[i]);
			}
			buf_put(t, "]", 1);
			break;
		default:
			sort_pairs(v);
			buf_put(t, "{", 1);
			for (i = 0; i < v->nchildren; i++)
			{
				if (i > 0)
					buf_put(t, ", ", 2);
				text(t, &v->children[2 * i]);
				buf_put(t, ": ", 2);
				text(t, &v->children[2 * i + 1]);
			}
			buf_put(t, "}", 1);
			break;
	}
}

static void
val_free(Val *v)
{
	int			i;

	free(v->str.data);
	if (v->children)
	{
		for (i = 0; i < (v->kind == 6 ? 2 * v->nchildren : v->nchildren); i++)
			val_free(&v->children[i]);
		free(v->children);
	}
}

/* The writer's answer for c with room cap, checked against itself with just enough room. */
static long
write_checked(const char *c, size_t len, char **out)
{
	size_t		cap = 64;
	long		n;
	char	   *again;
	int			i;

	for (;;)
	{
		*out = realloc(*out, cap);
		check(*out != NULL);
		n = hj_jsonb_to_text(c, len, *out, cap);
		if (n != HJ_NO_ROOM)
			break;
		check(cap < ((size_t) 1 << 30));
		cap *= 4;
	}
	check(n == HJ_FALLBACK || (n >= 0 && (size_t) n <= cap));
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		check((unsigned char) (*out)[i] >= 0x20);
	again = malloc((size_t) n + 1);
	check(again != NULL);
	check(hj_jsonb_to_text(c, len, again, (size_t) n) == n && memcmp(again, *out, (size_t) n) == 0);
	if (n > 0)
		check(hj_jsonb_to_text(c, len, again, (size_t) n - 1) == HJ_NO_ROOM);
	free(again);
	return n;
}

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *out = NULL;

	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0)
	{
		/* arbitrary bytes, copied so that ASan sees the exact end */
		char	   *c = malloc(size);

		check(c != NULL);
		memcpy(c, data + 1, size - 1);
		(void) write_checked(c, size - 1, &out);
		free(c);
	}
	else
	{
		In			in = {data + 1, size - 1};
		Val			v;
		Buf			bin = {0};
		Buf			want = {0};
		Val			wrap;
		long		n;
		int			scalar;

		gen(&in, &v, 4);
		scalar = v.kind < 5;
		buf_u32(&bin, 0);		/* the varlena header: alignment counts from here */
		if (scalar)
		{
			/* a top-level scalar is a one-element array flagged scalar */
			memset(&wrap, 0, sizeof(wrap));
			wrap.kind = 5;
			wrap.nchildren = 1;
			wrap.children = &v;
			encode(&bin, &wrap, 2);
		}
		else
			encode(&bin, &v, 1);
		text(&want, &v);
		n = write_checked(bin.data + 4, bin.len - 4, &out);
		check(n == (long) want.len && memcmp(out, want.data, want.len) == 0);
		val_free(&v);
		free(bin.data);
		free(want.data);
	}
	free(out);
	return 0;
}
