/*
 * conformity_tally_text.c
 *		Parser, formatter and consistency check of conformity_tally, in plain C.
 *
 * Text form: the grades that occur, each as label=count/weight_sum, comma
 * separated, inside braces, e.g. {conforming=3/5,minor_nc=1/2}; the empty
 * tally is {}.  Output lists grades in enum order and omits empty ones; input
 * takes them in any order, each at most once, with blanks around tokens.
 * Numbers are unsigned decimal digits: a sign is refused (a tally counts
 * things, it cannot hold a negative), and so is anything past 64 bits.
 */
#include "conformity_tally_text.h"

#include <stdio.h>
#include <string.h>

static const char *const grade_names[CT_NGRADES] = {
	"conforming", "observation", "opportunity", "minor_nc", "major_nc",
	"not_applicable", "not_assessed"
};

/* The label of grade g. */
const char *
ct_grade_name(int g)
{
	return (g >= 0 && g < CT_NGRADES) ? grade_names[g] : "?";
}

/* The grade whose label is the len bytes at s, or -1. */
int
ct_grade_lookup(const char *s, size_t len)
{
	for (int g = 0; g < CT_NGRADES; g++)
		if (strlen(grade_names[g]) == len && memcmp(grade_names[g], s, len) == 0)
			return g;
	return -1;
}

/* Writes a detail sentence, if the caller wants one. */
static void
set_detail(char *detail, size_t detaillen, const char *fmt, const char *a, long long n)
{
	if (detail == NULL || detaillen == 0)
		return;
	snprintf(detail, detaillen, fmt, a, n);
}

/*
 * Checks that a tally could have come from real items: no negative field, no
 * weight without an item, and no weight sum larger than count x the largest
 * integer weight.  Input, receive and the aggregates' merge share it.
 */
CtStatus
ct_check(const CtTally *t, char *detail, size_t detaillen)
{
	for (int g = 0; g < CT_NGRADES; g++)
	{
		if (t->count[g] < 0)
		{
			set_detail(detail, detaillen, "The count of grade %s is negative (%lld).",
					   grade_names[g], (long long) t->count[g]);
			return CT_RANGE;
		}
		if (t->weight[g] < 0)
		{
			set_detail(detail, detaillen, "The weight sum of grade %s is negative (%lld).",
					   grade_names[g], (long long) t->weight[g]);
			return CT_RANGE;
		}
		if (t->count[g] == 0 && t->weight[g] != 0)
		{
			set_detail(detail, detaillen, "Grade %s has a weight sum of %lld but no item.",
					   grade_names[g], (long long) t->weight[g]);
			return CT_INCONSISTENT;
		}
		/* count x max weight >= weight, written without overflow */
		if (t->count[g] < INT64_MAX / CT_MAX_WEIGHT &&
			t->weight[g] > t->count[g] * CT_MAX_WEIGHT)
		{
			set_detail(detail, detaillen,
					   "Grade %s has a weight sum larger than its count times the largest integer weight (%lld).",
					   grade_names[g], (long long) CT_MAX_WEIGHT);
			return CT_INCONSISTENT;
		}
	}
	return CT_OK;
}

/* Skips blanks. */
static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Reads an unsigned 64-bit decimal at *pp into *out; returns the status. */
static CtStatus
read_number(const char **pp, int64_t *out, const char *grade, char *detail, size_t detaillen)
{
	const char *p = *pp;
	int64_t		v = 0;

	if (*p == '-' || *p == '+')
	{
		set_detail(detail, detaillen,
				   *p == '-' ? "A number of grade %s is negative." : "A number of grade %s has a sign.",
				   grade, 0);
		return *p == '-' ? CT_RANGE : CT_SYNTAX;
	}
	if (*p < '0' || *p > '9')
	{
		set_detail(detail, detaillen, "Expected a number for grade %s.", grade, 0);
		return CT_SYNTAX;
	}
	while (*p >= '0' && *p <= '9')
	{
		int			d = *p - '0';

		if (v > (INT64_MAX - d) / 10)
		{
			set_detail(detail, detaillen, "A number of grade %s does not fit in 64 bits.", grade, 0);
			return CT_RANGE;
		}
		v = v * 10 + d;
		p++;
	}
	*pp = p;
	*out = v;
	return CT_OK;
}

/* Parses the text form into *t; on failure writes a sentence into detail. */
CtStatus
ct_parse(const char *s, CtTally *t, char *detail, size_t detaillen)
{
	const char *p = skip_blanks(s);
	int			seen[CT_NGRADES] = {0};
	CtStatus	st;

	memset(t, 0, sizeof(*t));
	if (*p != '{')
	{
		set_detail(detail, detaillen, "A tally starts with \"{\"%s.", "", 0);
		return CT_SYNTAX;
	}
	p = skip_blanks(p + 1);
	if (*p != '}')
	{
		for (;;)
		{
			const char *name = p;
			int			g;
			char		label[16];
			size_t		len;

			while ((*p >= 'a' && *p <= 'z') || *p == '_')
				p++;
			len = (size_t) (p - name);
			g = ct_grade_lookup(name, len);
			if (g < 0)
			{
				if (len == 0)
					set_detail(detail, detaillen, "Expected a grade label%s.", "", 0);
				else
				{
					snprintf(label, sizeof(label), "%.*s", (int) (len < 15 ? len : 15), name);
					set_detail(detail, detaillen, "\"%s\" is not a conformity grade.", label, 0);
				}
				return CT_SYNTAX;
			}
			if (seen[g]++)
			{
				set_detail(detail, detaillen, "Grade %s appears more than once.", grade_names[g], 0);
				return CT_SYNTAX;
			}
			p = skip_blanks(p);
			if (*p != '=')
			{
				set_detail(detail, detaillen, "Expected \"=\" after grade %s.", grade_names[g], 0);
				return CT_SYNTAX;
			}
			p = skip_blanks(p + 1);
			if ((st = read_number(&p, &t->count[g], grade_names[g], detail, detaillen)) != CT_OK)
				return st;
			p = skip_blanks(p);
			if (*p != '/')
			{
				set_detail(detail, detaillen, "Expected \"/\" and a weight sum after the count of grade %s.",
						   grade_names[g], 0);
				return CT_SYNTAX;
			}
			p = skip_blanks(p + 1);
			if ((st = read_number(&p, &t->weight[g], grade_names[g], detail, detaillen)) != CT_OK)
				return st;
			p = skip_blanks(p);
			if (*p == ',')
			{
				p = skip_blanks(p + 1);
				continue;
			}
			if (*p == '}')
				break;
			set_detail(detail, detaillen, "Expected \",\" or \"}\" after grade %s.", grade_names[g], 0);
			return CT_SYNTAX;
		}
	}
	p = skip_blanks(p + 1);
	if (*p != '\0')
	{
		set_detail(detail, detaillen, "Unexpected text after \"}\"%s.", "", 0);
		return CT_SYNTAX;
	}
	return ct_check(t, detail, detaillen);
}

/* Writes the canonical text form into buf; returns its length. */
size_t
ct_format(const CtTally *t, char *buf, size_t buflen)
{
	size_t		n = 0;
	int			first = 1;

	if (buflen == 0)
		return 0;
	n += (size_t) snprintf(buf + n, buflen - n, "{");
	for (int g = 0; g < CT_NGRADES && n < buflen; g++)
	{
		if (t->count[g] == 0 && t->weight[g] == 0)
			continue;
		n += (size_t) snprintf(buf + n, buflen - n, "%s%s=%lld/%lld", first ? "" : ",",
							   grade_names[g], (long long) t->count[g], (long long) t->weight[g]);
		first = 0;
	}
	if (n < buflen)
		n += (size_t) snprintf(buf + n, buflen - n, "}");
	return n < buflen ? n : buflen - 1;
}
