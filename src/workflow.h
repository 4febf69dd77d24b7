/*
 * workflow.h
 *		The workflow engine: one C trigger driven by rules held in tables.
 *
 * iso28000.workflow_guard(workflow [, status_column]) is a BEFORE INSERT OR
 * UPDATE OR DELETE row trigger.  It reads the rules of iso28000.workflow,
 * workflow_state, workflow_transition and workflow_required_column into a
 * per-backend cache (one entry per trigger), which a relcache invalidation
 * callback drops when any rules table or governed table changes; the rules
 * tables send that invalidation themselves from a statement trigger,
 * iso28000.workflow_rules_changed().  See doc/workflow.md, and
 * workflow_internal.h for the rooms of the engine.
 */
#ifndef ISO28000_WORKFLOW_H
#define ISO28000_WORKFLOW_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/rel.h"

/* Membership levels, in increasing order (sql/core/04_tenant.sql). */
typedef enum WfLevel
{
	WF_LEVEL_NONE = 0,			/* a new record: no level asked */
	WF_LEVEL_READ,
	WF_LEVEL_WRITE,
	WF_LEVEL_AUDIT,
	WF_LEVEL_MANAGE
} WfLevel;

extern Datum iso28000_workflow_guard(PG_FUNCTION_ARGS);
extern Datum iso28000_workflow_rules_changed(PG_FUNCTION_ARGS);
extern Datum iso28000_workflow_log(PG_FUNCTION_ARGS);

#endif							/* ISO28000_WORKFLOW_H */
