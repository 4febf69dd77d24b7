/*
 * history_image.h
 *		The jsonb images of a register's rows, and what the recorder keeps of
 *		each register between statements.
 *
 * A history record holds the row before and after the change as jsonb, equal
 * to the byte to to_jsonb() of the row (doc/history.md: the hash covers the
 * image's text, and verification recomputes nothing else).  to_jsonb() looks
 * up, for every column of every row, the column's base type, its category and
 * its output function: several catalog cache searches per column.  The
 * recorder does that once per register (history_register()), keeps it until
 * the register's relcache entry is invalidated (ALTER TABLE ... ADD, DROP,
 * ALTER TYPE, RENAME COLUMN all send one), and builds the image from the kept
 * answers (history_row_image()), the same way to_jsonb() does.
 */
#ifndef ISO28000_HISTORY_IMAGE_H
#define ISO28000_HISTORY_IMAGE_H

#include "postgres.h"

#include "access/htup.h"
#include "fmgr.h"
#include "utils/jsonb.h"
#include "utils/relcache.h"

/* How a column's value becomes its jsonb value, as to_jsonb() decides it. */
typedef enum HistoryColumnKind
{
	HCOL_DROPPED,				/* not in the image */
	HCOL_BOOL,					/* true or false */
	HCOL_INTEGER,				/* smallint, integer, bigint: a number */
	HCOL_NUMBER,				/* a number, or a string when its text holds N or n (NaN, Infinity) */
	HCOL_DATE,					/* ISO 8601 strings, whatever the DateStyle */
	HCOL_TIMESTAMP,
	HCOL_TIMESTAMPTZ,
	HCOL_TEXT,					/* the output function's text, as a string */
	HCOL_OTHER					/* to_jsonb() of the value (arrays, composites, json, types of users) */
} HistoryColumnKind;

/* One column of a register. */
typedef struct HistoryColumn
{
	HistoryColumnKind kind;
	char	   *name;
	int			namelen;
	FmgrInfo	fn;				/* output function (NUMBER, TEXT) or to_jsonb (OTHER) */
	Oid			typid;			/* INTEGER: its base type */
	char	   *keytext;		/* the name as the jsonb text writes a key: "name": */
	int			keytextlen;
} HistoryColumn;

/* What the recorder keeps of a register (a shard, on Citus) between statements. */
typedef struct HistoryRegister
{
	Oid			relid;			/* hash key */
	bool		valid;
	MemoryContext cxt;			/* everything below */
	const char *table_name;		/* schema-qualified, quoted (its table's, on a shard) */
	AttrNumber	org_attnum;		/* 0: no org_id column */
	int			npk;			/* primary key columns, for the row key */
	char	  **pk_names;
	int			natts;
	HistoryColumn *cols;
	/*
	 * Without a column of kind OTHER an image is built as one object value
	 * whose pairs are already in jsonb's key order (shorter names first, then
	 * bytewise: what pushJsonbValue() would sort them into), so nothing is
	 * sorted per row, and the row key is built from the same values.
	 */
	bool		presorted;
	int			nkeys;			/* columns in the image */
	int		   *key_order;		/* their indexes in cols, in jsonb key order */
	int			npk_cols;		/* primary key columns found in cols */
	int		   *pk_order;		/* their indexes in cols, in jsonb key order */
	/*
	 * For a presorted image and key: the start of their jsonb datum, which
	 * depends only on the keys (the varlena header left to fill, the
	 * object's header, the keys' entries and the keys), made once.
	 */
	char	   *image_head;
	int			image_headlen;
	int			image_keyslen;	/* bytes of the keys' data */
	char	   *key_head;
	int			key_headlen;
	int			key_keyslen;
} HistoryRegister;

/* The kept description of a register, made (again) when missing or invalidated. */
extern HistoryRegister *history_register(Relation rel);

/* The jsonb image of a row of the register: to_jsonb(row), to the byte. */
extern Jsonb *history_row_image(HistoryRegister *reg, TupleDesc desc, HeapTuple tup,
								Datum *values, bool *nulls);

/*
 * The same, and when key is not NULL the row key (the primary key columns'
 * object, as the recorder's row_key() takes it from the image) built from
 * the same values; *key is left NULL when the register is not presorted (the
 * caller takes the key from the image then).
 */
extern Jsonb *history_row_image_key(HistoryRegister *reg, TupleDesc desc, HeapTuple tup,
									Datum *values, bool *nulls, Jsonb **key);

/*
 * The same, and for a presorted register the jsonb text of the image (and,
 * when key is not NULL, of the key) that the record's hash covers, written
 * from the same values as JsonbToCString() writes the jsonb value, to the
 * byte; *text (*key_text) is left NULL when the register is not presorted
 * (the caller writes the text from the jsonb then).
 */
extern Jsonb *history_row_image_text(HistoryRegister *reg, TupleDesc desc, HeapTuple tup,
									 Datum *values, bool *nulls, Jsonb **key,
									 char **text, char **key_text);

/*
 * What an image of a presorted register was made of, kept so that the other
 * image of the same row (the after image of an UPDATE) takes a column whose
 * value is the same datum (datum_image_eq()) from it instead of converting
 * and escaping it again: its jsonb value, and the span of its value in the
 * image's text.  Both images are made in one call of the recorder, under the
 * same settings (TimeZone, extra_float_digits ...), so the same datum has
 * the same jsonb value and text in both: the bytes do not change.
 */
typedef struct HistoryImageParts
{
	bool		made;			/* false: nothing kept (not presorted, or no text) */
	Datum	   *values;			/* the row's values and nulls, by column */
	bool	   *nulls;
	JsonbPair  *pairs;			/* the image's pairs, in jsonb key order */
	int		   *vstart;			/* each pair's value: its start in text */
	int		   *vlen;			/* and its length */
	const char *text;
} HistoryImageParts;

/*
 * history_row_image_text(), keeping what the image was made of in *keep
 * (when not NULL), and taking unchanged columns from *like (when not NULL
 * and made): the same image, key and texts, to the byte.
 */
extern Jsonb *history_row_image_like(HistoryRegister *reg, TupleDesc desc, HeapTuple tup,
									 Datum *values, bool *nulls, Jsonb **key,
									 char **text, char **key_text,
									 const HistoryImageParts *like, HistoryImageParts *keep);

/* Frees what history_row_image_like() kept in parts (not the text). */
extern void history_image_parts_free(HistoryImageParts *parts);

/* Forgets what is kept of relid (every register: InvalidOid); the engines' relcache callback. */
extern void history_register_invalidate(Oid relid);

#endif							/* ISO28000_HISTORY_IMAGE_H */
