/*
 * notification.c
 *		The notification outbox's triggers in C (sql/interfaces/notification.sql).
 *
 * iso28000.notify_register_change(), the statement trigger that
 * attach_notifications() puts on a register, reads the statement's transition
 * tables itself and writes the notifications they give as the member who
 * changed the register, in the transaction (and the subtransaction) of the
 * register's change: directly where the outbox carries nothing but its own
 * triggers, constraints, policies and foreign key (src/notification_store.c
 * applies the same checks and stamps, and says why the foreign key is implied
 * by the register's), otherwise in one INSERT of the outbox through a plan
 * kept for the life of the backend (generic: planned once), the rows passed
 * as arrays and unnested in order.  That INSERT is an ordinary one: the
 * outbox's row-level security, its foreign key, its constraints, its
 * triggers (the stamps and the announcement, below) all apply.
 *
 * What a row gives (the same as 0.1.0's PL/pgSQL, in the same order):
 *	- after an UPDATE whose status column changed, a transition, to each
 *	  person the row names (or to nobody);
 *	- after an INSERT, an assignment for each person column filled; after an
 *	  UPDATE, for each person column changed to a person.
 * All transitions come first, then the assignments of the first person
 * column, then of the second..., each in the order the statement wrote the
 * rows.  An UPDATE's old and new rows are paired by their position in the
 * transition tables (the executor appends both at once).
 *
 * On a Citus shard (iso28000.nonconformity_102008) the rows go one by one
 * through a VALUES plan, which Citus routes to the outbox's shard: Citus
 * cannot take the arrays of an INSERT ... SELECT from a worker's trigger.
 *
 * iso28000.notification_stamp() stamps every row inserted into the outbox
 * (role, acting person, time, undelivered) and lets an UPDATE only mark a row
 * delivered once (IS562); iso28000.notification_announce() announces each
 * inserted row on channel iso28000_notification, payload its notification_id,
 * in the order of the ids, and stays silent on a Citus shard.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "parser/parse_node.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "actor.h"
#include "engines.h"
#include "citus_compat.h"
#include "iso28000_errcodes.h"
#include "notification.h"
#include "notification_store.h"

/*
 * iso28000.notify_announce: 'row' (the default) announces every row written
 * to the outbox; 'listen' announces them only when a mailer listens through
 * iso28000.listen() (src/notification_listen.c), deciding at commit; 'off'
 * writes the rows and announces none (mailers poll the undelivered rows).
 * PostgreSQL makes a transaction that notified take a lock on the database at
 * commit (PreCommit_Notify), so notifying writers commit one at a time:
 * 'listen' lets them commit side by side while no mailer listens, 'off'
 * always; how an announcing writer takes that lock is the business of
 * iso28000.notify_commit_lock (src/notification_commit.c).  A superuser's
 * setting (ALTER DATABASE / ALTER ROLE ... SET): a member cannot silence his
 * own changes.  Defined when the library is loaded (_PG_init,
 * src/iso28000.c); a value set before that is a placeholder PostgreSQL
 * checks then.
 */
typedef enum
{
	NT_ANNOUNCE_OFF,
	NT_ANNOUNCE_ROW,
	NT_ANNOUNCE_LISTEN
} NtAnnounce;
static const struct config_enum_entry nt_announce_options[] = {
	{"row", NT_ANNOUNCE_ROW, false},
	{"listen", NT_ANNOUNCE_LISTEN, false},
	{"off", NT_ANNOUNCE_OFF, false},
	{NULL, 0, false}
};
static int	nt_announce = NT_ANNOUNCE_ROW;
static bool nt_guc_defined = false;

void
notification_define_guc(void)
{
	if (nt_guc_defined)
		return;
	nt_guc_defined = true;
	DefineCustomEnumVariable("iso28000.notify_announce",
							 "Whether rows written to iso28000.notification are announced with NOTIFY.",
							 "row: every row, payload its notification_id, heard at commit; listen: every "
							 "row while a mailer listens through iso28000.listen(), none otherwise; off: none "
							 "(a mailer polls the undelivered rows; notifying transactions no longer "
							 "commit one at a time).",
							 &nt_announce, NT_ANNOUNCE_ROW, nt_announce_options,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	notification_store_define_guc();
	notification_commit_define_guc();
}

/* See notification.h. */
bool
notification_announces(void)
{
	return nt_announce != NT_ANNOUNCE_OFF;
}

/* The columns of iso28000.notification the register trigger writes, in this order. */
#define NT_NCOLS NS_NCOLS
#define NT_COLUMNS \
	"org_id, kind, recipient_id, register, record_id, record_code, record_title," \
	" subject, reason, from_state, to_state"
static const char *nt_values_sql =
"INSERT INTO iso28000.notification (" NT_COLUMNS ")"
" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
static const char *nt_unnest_sql =
"INSERT INTO iso28000.notification (" NT_COLUMNS ")"
" SELECT u.org_id, u.kind, u.recipient_id, $4, u.record_id, u.record_code, u.record_title,"
" u.subject, u.reason, u.from_state, u.to_state"
" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3),"
" pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8),"
" pg_catalog.unnest($9), pg_catalog.unnest($10), pg_catalog.unnest($11))"
" AS u(org_id, kind, recipient_id, record_id, record_code, record_title, subject, reason, from_state, to_state)";
static Oid	nt_values_types[NT_NCOLS] = {
	INT8OID, TEXTOID, INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID
};
static Oid	nt_unnest_types[NT_NCOLS] = {
	INT8ARRAYOID, TEXTARRAYOID, INT8ARRAYOID, TEXTOID, INT8ARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID
};
static SPIPlanPtr nt_values_plan = NULL;
static SPIPlanPtr nt_unnest_plan = NULL;

/* A plan prepared once, generic (no planning per execution), kept for the backend. */
static SPIPlanPtr
nt_keep_plan(SPIPlanPtr *slot, const char *sql, Oid *types)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(sql, NT_NCOLS, types, CURSOR_OPT_GENERIC_PLAN);

		if (plan == NULL)
			elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "could not keep the plan of \"%s\"", sql);
		*slot = plan;
	}
	return *slot;
}

/* A column of the register the trigger reads: its number (0: none) and output function. */
typedef struct NtCol
{
	AttrNumber	attnum;
	Oid			typid;
	FmgrInfo	out;
} NtCol;

static void
nt_col(NtCol *c, TupleDesc desc, const char *name)
{
	int			n = (name[0] == '\0') ? SPI_ERROR_NOATTRIBUTE : SPI_fnumber(desc, name);
	Oid			outfn;
	bool		varlena;

	/* a column the register lacks reads as NULL, as a missing key of to_jsonb() did */
	c->attnum = (n > 0 && !TupleDescAttr(desc, n - 1)->attisdropped) ? n : 0;
	if (c->attnum == 0)
		return;
	c->typid = TupleDescAttr(desc, n - 1)->atttypid;
	getTypeOutputInfo(c->typid, &outfn, &varlena);
	fmgr_info_cxt(outfn, &c->out, CurrentMemoryContext);
}

/*
 * What a register's trigger reads of the register, kept per trigger for the
 * backend: its columns (numbers, types, output functions), its logical name,
 * whether it is a Citus shard, and the slots its transition tables are read
 * through (over a copy of the register's descriptor).  Looking these up again
 * for every statement cost about 5,000 instructions of a single-row
 * transition of the real register (nt_col, get_rel_name; bench/results/writers.md).
 * An entry goes when its register's relcache entry is invalidated (ALTER
 * TABLE, CREATE/DROP TRIGGER, RENAME, and every relcache reset), through the
 * engines' relcache callback (notification_store_invalidate()): the entries
 * are marked stale there and freed at the next trigger call that is not
 * inside another one (nt_depth), so a trigger never reads a freed entry; a
 * call inside another one (an output function running SQL) makes its own.
 */
typedef struct NtReg
{
	Oid			tgoid;
	Oid			relid;
	bool		on_shard;
	char	   *reg;
	NtCol		org_c,
				id_c,
				code_c,
				title_c,
				status_c;
	int			npersons;
	NtCol	   *person_c;
	TupleDesc	desc;			/* a copy (not reference-counted) for the slots */
	TupleTableSlot *nslot;
	TupleTableSlot *oslot;
	struct NtReg *next;
} NtReg;

static MemoryContext nt_reg_cxt = NULL;
static NtReg *nt_regs = NULL;
static bool nt_regs_stale = false;
static int	nt_depth = 0;

/* See notification.h (called from notification_store_invalidate()). */
void
notification_registers_invalidate(Oid relid)
{
	for (NtReg *e = nt_regs; e != NULL && !nt_regs_stale; e = e->next)
		if (!OidIsValid(relid) || e->relid == relid)
			nt_regs_stale = true;
}

/* The description of trigger tg on register rel, made in memory context cxt. */
static NtReg *
nt_reg_build(Relation rel, Trigger *tg, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	TupleDesc	desc = RelationGetDescr(rel);
	NtReg	   *e = palloc0(sizeof(NtReg));
	const char *reg;

	e->tgoid = tg->tgoid;
	e->relid = RelationGetRelid(rel);
	e->on_shard = iso28000_is_shard(rel);
	reg = get_rel_name(iso28000_logical_relid(rel));
	e->reg = pstrdup(reg != NULL ? reg : RelationGetRelationName(rel));
	nt_col(&e->org_c, desc, "org_id");
	nt_col(&e->id_c, desc, tg->tgargs[0]);
	nt_col(&e->code_c, desc, tg->tgargs[1]);
	nt_col(&e->title_c, desc, tg->tgargs[2]);
	nt_col(&e->status_c, desc, tg->tgargs[3]);
	e->npersons = Max(tg->tgnargs - 4, 0);
	e->person_c = palloc0(sizeof(NtCol) * Max(e->npersons, 1));
	for (int p = 0; p < e->npersons; p++)
		nt_col(&e->person_c[p], desc, tg->tgargs[4 + p]);
	e->desc = CreateTupleDescCopy(desc);
	e->nslot = MakeSingleTupleTableSlot(e->desc, &TTSOpsMinimalTuple);
	e->oslot = MakeSingleTupleTableSlot(e->desc, &TTSOpsMinimalTuple);
	MemoryContextSwitchTo(old);
	return e;
}

/*
 * The kept description of trigger tg on register rel, made if need be; inside
 * another call of the trigger (whose slots are in use), one made for this call
 * alone in memory context work.
 */
static NtReg *
nt_reg_lookup(Relation rel, Trigger *tg, MemoryContext work)
{
	NtReg	   *e;

	/* inside another call (its slots in use), or the kept ones stale while in use: this call's own */
	if (nt_depth > 0)
		return nt_reg_build(rel, tg, work);
	if (nt_regs_stale)
	{
		if (nt_reg_cxt != NULL)
			MemoryContextDelete(nt_reg_cxt);
		nt_reg_cxt = NULL;
		nt_regs = NULL;
		nt_regs_stale = false;
	}
	for (e = nt_regs; e != NULL; e = e->next)
		if (e->tgoid == tg->tgoid && e->relid == RelationGetRelid(rel))
			return e;

	(void) engine_catalog();	/* registers the relcache callback that invalidates us */
	if (nt_reg_cxt == NULL)
		nt_reg_cxt = AllocSetContextCreate(CacheMemoryContext, "iso28000 notification registers",
										   ALLOCSET_SMALL_SIZES);
	e = nt_reg_build(rel, tg, nt_reg_cxt);
	/* linked once made whole: an error above leaves only unlinked memory */
	e->next = nt_regs;
	nt_regs = e;
	return e;
}

/* The column's value as text, or NULL. */
static char *
nt_text(NtCol *c, TupleTableSlot *slot)
{
	bool		isnull;
	Datum		d;

	if (c->attnum == 0)
		return NULL;
	d = slot_getattr(slot, c->attnum, &isnull);
	if (isnull)
		return NULL;
	if (c->typid == TEXTOID)
		return text_to_cstring(DatumGetTextPP(d));	/* what textout() returns, without the call */
	return OutputFunctionCall(&c->out, d);
}

/* The column's value as bigint (a person or id column), or false when NULL. */
static bool
nt_int8(NtCol *c, TupleTableSlot *slot, int64 *v)
{
	bool		isnull;
	Datum		d;

	if (c->attnum == 0)
		return false;
	d = slot_getattr(slot, c->attnum, &isnull);
	if (isnull)
		return false;
	switch (c->typid)
	{
		case INT8OID:
			*v = DatumGetInt64(d);
			break;
		case INT4OID:
			*v = DatumGetInt32(d);
			break;
		case INT2OID:
			*v = DatumGetInt16(d);
			break;
		default:
			*v = DatumGetInt64(DirectFunctionCall1(int8in, CStringGetDatum(OutputFunctionCall(&c->out, d))));
			break;
	}
	return true;
}

static bool
nt_str_distinct(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == NULL) != (b == NULL);
	return strcmp(a, b) != 0;
}

/* The notifications of one statement, column by column, in the order written. */
typedef struct NtRows
{
	int			n;
	int			cap;
	Datum	   *v[NT_NCOLS];
	bool	   *isnull[NT_NCOLS];
} NtRows;

/*
 * A text Datum of the concatenation of n strings (NULL ones left out): one
 * allocation, where psprintf() and CStringGetTextDatum() made the string twice.
 */
static Datum
nt_concat(int n, const char *const *parts)
{
	size_t		len[8];
	size_t		total = 0;
	text	   *t;
	char	   *p;

	Assert(n <= lengthof(len));
	for (int i = 0; i < n; i++)
		total += (len[i] = parts[i] ? strlen(parts[i]) : 0);
	t = (text *) palloc(VARHDRSZ + total);
	SET_VARSIZE(t, VARHDRSZ + total);
	p = VARDATA(t);
	for (int i = 0; i < n; i++)
	{
		memcpy(p, parts[i] ? parts[i] : "", len[i]);
		p += len[i];
	}
	return PointerGetDatum(t);
}

/*
 * The texts every notification of its kind carries, made once per backend
 * (in TopMemoryContext; the rows' Datums point to them, and nothing frees a
 * row's values).
 */
static Datum nt_kind_transition = (Datum) 0;
static Datum nt_kind_assignment;
static Datum nt_reason_named;
static Datum nt_reason_nobody;

static void
nt_constants(void)
{
	MemoryContext old;

	if (nt_kind_transition != (Datum) 0)
		return;
	old = MemoryContextSwitchTo(TopMemoryContext);
	nt_kind_assignment = CStringGetTextDatum("assignment");
	nt_reason_named = CStringGetTextDatum("named on the record");
	nt_reason_nobody = CStringGetTextDatum("the record names nobody");
	nt_kind_transition = CStringGetTextDatum("transition");	/* last: the mark that all are made */
	MemoryContextSwitchTo(old);
}

static void
nt_add(NtRows *r, int64 org, Datum kind, bool has_recipient, int64 recipient,
	   int64 record_id, const char *code, const char *title, Datum subject,
	   Datum reason, const char *from_state, const char *to_state)
{
	int			i = r->n;

	if (r->n == r->cap)
	{
		/* the columns in two blocks (two allocations, not two per column) */
		int			cap = r->cap ? r->cap * 2 : 4;
		Datum	   *v = palloc(sizeof(Datum) * NT_NCOLS * cap);
		bool	   *isnull = palloc(sizeof(bool) * NT_NCOLS * cap);

		for (int c = 0; c < NT_NCOLS; c++)
		{
			if (r->n > 0)
			{
				memcpy(v + c * cap, r->v[c], sizeof(Datum) * r->n);
				memcpy(isnull + c * cap, r->isnull[c], sizeof(bool) * r->n);
			}
			r->v[c] = v + c * cap;
			r->isnull[c] = isnull + c * cap;
		}
		r->cap = cap;
	}
#define NT_SET(c, isn, val) (r->isnull[c][i] = (isn), r->v[c][i] = (isn) ? (Datum) 0 : (val))
	NT_SET(0, false, Int64GetDatum(org));
	NT_SET(1, false, kind);
	NT_SET(2, !has_recipient, Int64GetDatum(recipient));
	NT_SET(3, true, 0);			/* the register: one parameter for all rows */
	NT_SET(4, false, Int64GetDatum(record_id));
	NT_SET(5, code == NULL, code ? CStringGetTextDatum(code) : 0);
	NT_SET(6, title == NULL, title ? CStringGetTextDatum(title) : 0);
	NT_SET(7, false, subject);
	NT_SET(8, false, reason);
	NT_SET(9, from_state == NULL, from_state ? CStringGetTextDatum(from_state) : 0);
	NT_SET(10, to_state == NULL, to_state ? CStringGetTextDatum(to_state) : 0);
#undef NT_SET
	r->n++;
}

/* Refuses a trigger that attach_notifications() did not make (IS571). */
static void
nt_misfired(TriggerData *td, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_ISO28000_NOTIFY_MISFIRED),
			 errmsg("notify_register_change() on table \"%s\" (trigger \"%s\"): %s",
					RelationGetRelationName(td->tg_relation), td->tg_trigger->tgname, what),
			 errhint("Put the notification triggers on a register with iso28000.attach_notifications()."),
			 errtable(td->tg_relation)));
}

/*
 * The notifications of one statement on the register (see the head comment),
 * collected into rows in the order they are written.
 */
static void
nt_collect(TriggerData *td, NtReg *e, bool is_update, NtRows *rows)
{
	Trigger    *tg = td->tg_trigger;
	TupleTableSlot *nslot = e->nslot;
	TupleTableSlot *oslot = is_update ? e->oslot : NULL;

	nt_constants();
	/*
	 * Pass 0 the transitions (an UPDATE of a register with a status column),
	 * pass p the assignments of person column p.
	 */
	for (int pass = (is_update && e->status_c.attnum != 0) ? 0 : 1; pass <= e->npersons; pass++)
	{
		tuplestore_rescan(td->tg_newtable);
		if (is_update)
			tuplestore_rescan(td->tg_oldtable);
		for (;;)
		{
			int64		org,
						rec;
			char	   *code,
					   *title,
					   *idtext;
			char		idbuf[MAXINT8LEN + 1];

			if (!tuplestore_gettupleslot(td->tg_newtable, true, false, nslot))
				break;
			if (is_update && !tuplestore_gettupleslot(td->tg_oldtable, true, false, oslot))
				nt_misfired(td, "the old and new transition tables differ in length");
			if (!nt_int8(&e->org_c, nslot, &org) || !nt_int8(&e->id_c, nslot, &rec))
				continue;		/* NOT NULL in every register: the outbox would refuse it */

			if (pass == 0)
			{
				char	   *from = nt_text(&e->status_c, oslot);
				char	   *to = nt_text(&e->status_c, nslot);
				int			named = 0;
				int64	   *seen;

				if (!nt_str_distinct(from, to))
					continue;
				code = nt_text(&e->code_c, nslot);
				title = nt_text(&e->title_c, nslot);
				idtext = code ? code : (pg_lltoa(rec, idbuf), idbuf);
				{
					const char *parts[] = {e->reg, " ", idtext, ": ", from, " -> ", to};
					Datum		subject = nt_concat(lengthof(parts), parts);

					seen = palloc(sizeof(int64) * Max(e->npersons, 1));
					for (int p = 0; p < e->npersons; p++)
					{
						int64		person;
						bool		dup = false;

						if (!nt_int8(&e->person_c[p], nslot, &person))
							continue;
						for (int q = 0; q < named; q++)
							dup |= (seen[q] == person);
						if (dup)
							continue;
						seen[named++] = person;
						nt_add(rows, org, nt_kind_transition, true, person, rec, code, title, subject,
							   nt_reason_named, from, to);
					}
					if (named == 0)
						nt_add(rows, org, nt_kind_transition, false, 0, rec, code, title, subject,
							   nt_reason_nobody, from, to);
				}
			}
			else
			{
				NtCol	   *pc = &e->person_c[pass - 1];
				int64		person,
							was;

				if (!nt_int8(pc, nslot, &person))
					continue;
				if (is_update && nt_int8(pc, oslot, &was) && was == person)
					continue;
				code = nt_text(&e->code_c, nslot);
				title = nt_text(&e->title_c, nslot);
				idtext = code ? code : (pg_lltoa(rec, idbuf), idbuf);
				{
					const char *subject[] = {e->reg, " ", idtext, ": ", title};
					const char *reason[] = {"named as ", tg->tgargs[4 + pass - 1]};

					nt_add(rows, org, nt_kind_assignment, true, person, rec, code, title,
						   nt_concat(lengthof(subject), subject), nt_concat(lengthof(reason), reason),
						   NULL, nt_text(&e->status_c, nslot));
				}
			}
		}
	}
	ExecClearTuple(nslot);
	if (oslot != NULL)
		ExecClearTuple(oslot);

}

/* nt_collect() with nt_depth counting the calls in progress. */
static void
nt_collect_counted(TriggerData *td, NtReg *e, bool is_update, NtRows *rows)
{
	nt_depth++;
	PG_TRY();
	{
		nt_collect(td, e, is_update, rows);
	}
	PG_FINALLY();
	{
		nt_depth--;
	}
	PG_END_TRY();
}

PG_FUNCTION_INFO_V1(iso28000_notify_register_change);
Datum
iso28000_notify_register_change(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	Trigger    *tg;
	bool		is_update;
	NtReg	   *e;
	AttrNumber	org_att;
	bool		on_shard;
	Datum		regd;
	NtRows		rows = {0};
	MemoryContext work,
				old;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_NOTIFY_MISFIRED),
				 errmsg("notify_register_change() is a trigger function; iso28000.attach_notifications() puts it on a register")));
	rel = td->tg_relation;
	tg = td->tg_trigger;
	is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		!(is_update || TRIGGER_FIRED_BY_INSERT(td->tg_event)))
		nt_misfired(td, "it must fire AFTER INSERT or AFTER UPDATE FOR EACH STATEMENT");
	if (td->tg_newtable == NULL || (is_update && td->tg_oldtable == NULL))
		nt_misfired(td, "it needs the transition tables (REFERENCING NEW TABLE, and OLD TABLE after an UPDATE)");
	if (tg->tgnargs < 4)
		nt_misfired(td, "it needs the arguments id column, code column, title column, status column, person columns");

	work = AllocSetContextCreate(CurrentMemoryContext, "notify_register_change", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	e = nt_reg_lookup(rel, tg, work);
	if (e->org_c.attnum == 0 || e->id_c.attnum == 0)
		nt_misfired(td, "the table has no org_id column or no column named by the first argument");

	nt_collect_counted(td, e, is_update, &rows);
	/* what is needed of e below, taken now: a later call may free the kept entries */
	org_att = e->org_c.attnum;
	on_shard = e->on_shard;
	regd = CStringGetTextDatum(e->reg);

	/*
	 * Written directly where that is equivalent (src/notification_store.c),
	 * else, and on a Citus shard, through the executor.
	 */
	if (rows.n > 0 && !on_shard &&
		notification_store_write(rel, org_att, rows.n, rows.v, rows.isnull, regd))
		rows.n = 0;
	if (rows.n > 0)
	{
		int			rc;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (rows.n == 1 || on_shard)
		{
			/* one row (the common single-row change), or a shard: VALUES, row by row */
			SPIPlanPtr	plan = nt_keep_plan(&nt_values_plan, nt_values_sql, nt_values_types);
			Datum		vals[NT_NCOLS];
			char		nulls[NT_NCOLS];

			for (int i = 0; i < rows.n; i++)
			{
				for (int c = 0; c < NT_NCOLS; c++)
				{
					vals[c] = rows.v[c][i];
					nulls[c] = rows.isnull[c][i] ? 'n' : ' ';
				}
				vals[3] = regd;
				nulls[3] = ' ';
				rc = SPI_execute_plan(plan, vals, nulls, false, 0);
				if (rc != SPI_OK_INSERT)
					elog(ERROR, "could not write the notification: %s", SPI_result_code_string(rc));
			}
		}
		else
		{
			SPIPlanPtr	plan = nt_keep_plan(&nt_unnest_plan, nt_unnest_sql, nt_unnest_types);
			Datum		vals[NT_NCOLS];
			char		nulls[NT_NCOLS];
			int			dims[1] = {rows.n};
			int			lbs[1] = {1};

			for (int c = 0; c < NT_NCOLS; c++)
			{
				Oid			elt = (c == 0 || c == 2 || c == 4) ? INT8OID : TEXTOID;
				int16		len;
				bool		byval;
				char		align;

				nulls[c] = ' ';
				if (c == 3)
				{
					vals[c] = regd;
					continue;
				}
				get_typlenbyvalalign(elt, &len, &byval, &align);
				vals[c] = PointerGetDatum(construct_md_array(rows.v[c], rows.isnull[c], 1, dims, lbs,
															 elt, len, byval, align));
			}
			rc = SPI_execute_plan(plan, vals, nulls, false, 0);
			if (rc != SPI_OK_INSERT)
				elog(ERROR, "could not write the notifications: %s", SPI_result_code_string(rc));
		}
		SPI_finish();
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	return PointerGetDatum(NULL);
}

/* The number of a column of the outbox (or its shard), which must exist. */
static AttrNumber
nt_attnum(Relation rel, const char *name)
{
	int			n = SPI_fnumber(RelationGetDescr(rel), name);

	if (n <= 0)
		elog(ERROR, "table \"%s\" has no column \"%s\"", RelationGetRelationName(rel), name);
	return (AttrNumber) n;
}

/* The current user's name (kept per backend by engine_role_name(), forgotten when pg_authid changes). */
static Datum
nt_current_user_name(void)
{
	Name		n = (Name) palloc(NAMEDATALEN);

	namestrcpy(n, engine_role_name(GetUserId()));
	return NameGetDatum(n);
}

/* See notification.h. */
void
notification_stamp_insert(bool has_org, int64 org, Datum *vals, bool *nulls)
{
	int64		person = 0;
	bool		has_person = false;

	if (has_org)
		has_person = iso28000_acting_person(org, &person);
	vals[0] = nt_current_user_name();
	nulls[0] = false;
	vals[1] = Int64GetDatum(person);
	nulls[1] = !has_person;
	vals[2] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	nulls[2] = false;
	vals[3] = (Datum) 0;
	nulls[3] = true;
	vals[4] = (Datum) 0;
	nulls[4] = true;
}

PG_FUNCTION_INFO_V1(iso28000_notification_stamp);
Datum
iso28000_notification_stamp(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	newtup;
	int			cols[5];
	Datum		vals[5];
	bool		nulls[5];
	AttrNumber	org_a,
				id_a,
				delivered_a;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_NOTIFY_MISFIRED),
				 errmsg("notification_stamp() is the BEFORE INSERT OR UPDATE row trigger of iso28000.notification")));
	rel = td->tg_relation;
	org_a = nt_attnum(rel, "org_id");
	delivered_a = nt_attnum(rel, "delivered_at");

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		bool		isnull;
		int64		org;

		newtup = td->tg_trigtuple;
		org = DatumGetInt64(heap_getattr(newtup, org_a, RelationGetDescr(rel), &isnull));
		notification_stamp_insert(!isnull, org, vals, nulls);
		cols[0] = nt_attnum(rel, "actor");
		cols[1] = nt_attnum(rel, "actor_person");
		cols[2] = nt_attnum(rel, "created_at");
		cols[3] = delivered_a;
		cols[4] = nt_attnum(rel, "delivered_by");
		return PointerGetDatum(heap_modify_tuple_by_cols(newtup, RelationGetDescr(rel), 5, cols, vals, nulls));
	}
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		TupleDesc	desc = RelationGetDescr(rel);
		bool		old_null,
					new_null,
					isnull;
		Datum		old_at = heap_getattr(td->tg_trigtuple, delivered_a, desc, &old_null);
		int64		org;
		int64		id;

		id_a = nt_attnum(rel, "notification_id");
		org = DatumGetInt64(heap_getattr(td->tg_trigtuple, org_a, desc, &isnull));
		id = DatumGetInt64(heap_getattr(td->tg_trigtuple, id_a, desc, &isnull));
		if (!old_null)
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_NOTIFY_DELIVERED),
					 errmsg("notification " INT64_FORMAT " of organisation " INT64_FORMAT " was already delivered at %s",
							id, org, DatumGetCString(DirectFunctionCall1(timestamptz_out, old_at))),
					 errdetail("A notification is marked delivered once."),
					 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
					 err_generic_string(PG_DIAG_TABLE_NAME, "notification"),
					 err_generic_string(PG_DIAG_COLUMN_NAME, "delivered_at")));
		(void) heap_getattr(td->tg_newtuple, delivered_a, desc, &new_null);
		if (new_null)
			ereport(ERROR,
					(errcode(ERRCODE_ISO28000_NOTIFY_DELIVERED),
					 errmsg("notification " INT64_FORMAT " of organisation " INT64_FORMAT ": delivered_at cannot be set to NULL",
							id, org),
					 err_generic_string(PG_DIAG_SCHEMA_NAME, "iso28000"),
					 err_generic_string(PG_DIAG_TABLE_NAME, "notification"),
					 err_generic_string(PG_DIAG_COLUMN_NAME, "delivered_at")));
		cols[0] = nt_attnum(rel, "delivered_by");
		vals[0] = nt_current_user_name();
		nulls[0] = false;
		return PointerGetDatum(heap_modify_tuple_by_cols(td->tg_newtuple, desc, 1, cols, vals, nulls));
	}
	ereport(ERROR,
			(errcode(ERRCODE_ISO28000_NOTIFY_MISFIRED),
			 errmsg("notification_stamp() is the BEFORE INSERT OR UPDATE row trigger of iso28000.notification")));
	return (Datum) 0;
}

/* See notification.h. */
void
notification_announce_ids(int64 *ids, int n)
{
	if (nt_announce == NT_ANNOUNCE_OFF || n == 0)
		return;
	if (nt_announce == NT_ANNOUNCE_LISTEN)
	{
		notification_listen_keep(ids, n);	/* announced at commit if a mailer listens */
		return;
	}
	notification_commit_notify(ids, n);
}

PG_FUNCTION_INFO_V1(iso28000_notification_announce);
Datum
iso28000_notification_announce(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleTableSlot *slot;
	AttrNumber	id_a;
	int64	   *ids;
	int			n = 0,
				cap = 16;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event) ||
		td->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_ISO28000_NOTIFY_MISFIRED),
				 errmsg("notification_announce() is the AFTER INSERT statement trigger (REFERENCING NEW TABLE) of iso28000.notification")));
	rel = td->tg_relation;

	/*
	 * On Citus this fires on a worker's shard (notification_NNNN), inside the
	 * distributed transaction, which cannot PREPARE after a NOTIFY: the shard
	 * stays silent, and raise_due_items() announces from the coordinator.
	 */
	if (strcmp(RelationGetRelationName(rel), "notification") != 0)
		return PointerGetDatum(NULL);
	if (nt_announce == NT_ANNOUNCE_OFF)
		return PointerGetDatum(NULL);

	id_a = nt_attnum(rel, "notification_id");
	slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
	ids = palloc(sizeof(int64) * cap);
	tuplestore_rescan(td->tg_newtable);
	while (tuplestore_gettupleslot(td->tg_newtable, true, false, slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, id_a, &isnull);

		if (isnull)
			continue;
		if (n == cap)
		{
			cap *= 2;
			ids = repalloc(ids, sizeof(int64) * cap);
		}
		ids[n++] = DatumGetInt64(d);
	}
	ExecDropSingleTupleTableSlot(slot);
	notification_announce_ids(ids, n);
	pfree(ids);
	return PointerGetDatum(NULL);
}

/* Which writer the outbox gets in this session, for a statement on a register (or any). */
PG_FUNCTION_INFO_V1(iso28000_notification_writer);
Datum
iso28000_notification_writer(PG_FUNCTION_ARGS)
{
	Relation	reg = NULL;
	AttrNumber	org_att = InvalidAttrNumber;
	const char *why = NULL;

	if (!PG_ARGISNULL(0))
	{
		Oid			relid = PG_GETARG_OID(0);

		/* a table the caller may use: nobody locks another's table through this */
		if (pg_class_aclmask(relid, GetUserId(), ACL_SELECT | ACL_INSERT | ACL_UPDATE, ACLMASK_ANY) == 0)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(relid));
		reg = relation_open(relid, AccessShareLock);
		org_att = get_attnum(RelationGetRelid(reg), "org_id");
		if (org_att <= 0)
			why = "the register has no org_id column";
	}
	if (why == NULL)
		why = notification_store_refuses(reg, org_att);
	if (reg != NULL)
		relation_close(reg, AccessShareLock);
	PG_RETURN_TEXT_P(cstring_to_text(why == NULL ? "direct" : psprintf("executor: %s", why)));
}
