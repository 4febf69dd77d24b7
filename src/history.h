/*
 * history.h
 *		The tamper-evident history: one SHA-256 hash chain per organisation.
 *
 * history.c holds the recording trigger (history_record), the append-only
 * guard (history_refuse_change) and the SQL-callable canonical serialisation
 * and hash (history_canonical, history_hash) that verify_history() uses.
 * The format itself is in history_canon.c and documented in doc/history.md.
 */
#ifndef ISO28000_HISTORY_H
#define ISO28000_HISTORY_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"

/* Length of a SHA-256 hash in bytes. */
#define HISTORY_HASH_LEN 32

/* The fields of one history record that its hash covers. */
typedef struct HistoryRecord
{
	int64		org_id;
	int64		seq;
	TimestampTz recorded_at;
	const char *session_role;
	const char *acting_role;
	int64		txid;
	const char *table_name;
	const char *operation;
	const char *row_key;		/* jsonb text, or NULL */
	const char *before_image;	/* jsonb text, or NULL */
	const char *after_image;	/* jsonb text, or NULL */
	uint8		prev_hash[HISTORY_HASH_LEN];
	bool		has_person;		/* an acting person is recorded (0.2.0 on) */
	int64		acting_person;
} HistoryRecord;

/* SHA-256 of len bytes into out (HISTORY_HASH_LEN bytes); one context kept per backend. */
extern void history_sha256(const char *data, size_t len, uint8 *out);

/* Appends the canonical serialisation of a record to buf. */
extern void history_canonical_text(StringInfo buf, const HistoryRecord *rec);

#endif							/* ISO28000_HISTORY_H */
