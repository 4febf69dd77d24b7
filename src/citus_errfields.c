/*
 * citus_errfields.c
 *		Carries an error's schema, table, column, data type and constraint
 *		fields from a Citus worker to the client of the coordinator.
 *
 * Citus raises a worker's error again on the coordinator with only its
 * SQLSTATE, message, detail, hint and context (ReportResultError() in Citus's
 * remote_commands.c): the fields that name the table and column of a refusal
 * are lost.  The context does travel, so:
 *
 * - on a worker, in a backend that serves a Citus connection (application_name
 *   "citus_internal ..."), an error that carries any of those fields gets one
 *   more context line, "iso28000 fields: schema=..., table=..., column=...",
 *   naming the table of a shard rather than the shard (the shard suffix
 *   "_<shard id>" is dropped from table and constraint names of schema
 *   iso28000);
 * - on the coordinator, an error whose context holds that line gets the
 *   fields back, and the line is taken out of the context.
 *
 * Both are an emit_log_hook, installed when the library is loaded (_PG_init),
 * which sees the error when it is reported at the top level of a backend: on
 * the worker that is always the case for a refusal of a shard's statement; on
 * the coordinator the library must be loaded in the client's backend, which
 * nothing in a plain INSERT through the coordinator does (Citus runs the
 * extension's code on the workers only): list iso28000 in
 * session_preload_libraries (or shared_preload_libraries) of the coordinator
 * (doc/distribution.md, "Refusals through the coordinator").  An error caught
 * in PL/pgSQL on the coordinator is not reported, and so keeps the line in its
 * context and has no fields.  Nothing is done without Citus's marks: on one
 * node an error is reported as it was raised.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/elog.h"
#include "utils/guc.h"

#include "citus_compat.h"

#define ERRFIELDS_MARK "iso28000 fields: "
#define ERRFIELDS_REMOTE "while executing command on "

static emit_log_hook_type prev_emit_log_hook = NULL;
static bool errfields_installed = false;

/* name without a trailing "_<digits>" of six digits or more (a Citus shard id) */
static char *
errfields_unshard(const char *name)
{
	size_t		len = strlen(name);
	size_t		i = len;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i > 1 && name[i - 1] == '_' && len - i >= 6)
		return pnstrdup(name, i - 1);
	return pstrdup(name);
}

static void
errfields_add(StringInfo buf, const char *key, const char *value, bool unshard)
{
	if (value == NULL || value[0] == '\0')
		return;
	if (buf->len > 0)
		appendStringInfoString(buf, ", ");
	appendStringInfo(buf, "%s=%s", key, unshard ? errfields_unshard(value) : value);
}

/* On a worker: the fields as one more context line. */
static void
errfields_attach(ErrorData *edata)
{
	StringInfoData buf;
	bool		ours;

	if (edata->schema_name == NULL && edata->table_name == NULL && edata->column_name == NULL &&
		edata->datatype_name == NULL && edata->constraint_name == NULL)
		return;
	if (edata->context != NULL && strstr(edata->context, ERRFIELDS_MARK) != NULL)
		return;
	ours = edata->schema_name != NULL && strcmp(edata->schema_name, "iso28000") == 0;
	initStringInfo(&buf);
	errfields_add(&buf, "schema", edata->schema_name, false);
	errfields_add(&buf, "table", edata->table_name, ours);
	errfields_add(&buf, "column", edata->column_name, false);
	errfields_add(&buf, "datatype", edata->datatype_name, false);
	errfields_add(&buf, "constraint", edata->constraint_name, ours);
	if (edata->context != NULL && edata->context[0] != '\0')
		edata->context = psprintf("%s\n%s%s", edata->context, ERRFIELDS_MARK, buf.data);
	else
		edata->context = psprintf("%s%s", ERRFIELDS_MARK, buf.data);
}

/* On the coordinator: the fields back from the context line, which goes. */
static void
errfields_restore(ErrorData *edata)
{
	char	   *mark;
	char	   *end;
	char	   *line;
	char	   *item;
	char	   *save = NULL;
	StringInfoData rest;

	if (edata->context == NULL || strstr(edata->context, ERRFIELDS_REMOTE) == NULL)
		return;
	mark = strstr(edata->context, ERRFIELDS_MARK);
	if (mark == NULL || (mark != edata->context && mark[-1] != '\n'))
		return;
	end = strchr(mark, '\n');
	line = end ? pnstrdup(mark, end - mark) : pstrdup(mark);
	for (item = strtok_r(line + strlen(ERRFIELDS_MARK), ",", &save); item != NULL;
		 item = strtok_r(NULL, ",", &save))
	{
		char	   *eq;

		while (*item == ' ')
			item++;
		eq = strchr(item, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (strcmp(item, "schema") == 0 && edata->schema_name == NULL)
			edata->schema_name = pstrdup(eq + 1);
		else if (strcmp(item, "table") == 0 && edata->table_name == NULL)
			edata->table_name = pstrdup(eq + 1);
		else if (strcmp(item, "column") == 0 && edata->column_name == NULL)
			edata->column_name = pstrdup(eq + 1);
		else if (strcmp(item, "datatype") == 0 && edata->datatype_name == NULL)
			edata->datatype_name = pstrdup(eq + 1);
		else if (strcmp(item, "constraint") == 0 && edata->constraint_name == NULL)
			edata->constraint_name = pstrdup(eq + 1);
	}
	initStringInfo(&rest);
	appendBinaryStringInfo(&rest, edata->context, mark - edata->context);
	if (end != NULL)
		appendStringInfoString(&rest, end + 1);
	else if (rest.len > 0 && rest.data[rest.len - 1] == '\n')
		rest.data[--rest.len] = '\0';
	edata->context = rest.data;
}

static void
errfields_emit_log_hook(ErrorData *edata)
{
	if (edata->elevel >= ERROR)
	{
		if (application_name != NULL && strncmp(application_name, "citus_internal", 14) == 0)
			errfields_attach(edata);
		else
			errfields_restore(edata);
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

void
citus_errfields_install(void)
{
	if (errfields_installed)
		return;
	errfields_installed = true;
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = errfields_emit_log_hook;
}
