/*
 * iso28000_errcodes.h
 *		The extension's own SQLSTATEs, class IS.
 *
 * The SQL standard leaves classes beginning with I to Z to implementations,
 * and PostgreSQL uses only P0 and XX of them, so class IS is free for the
 * extension's refusals; applications can catch them by class or by code.
 * Every code is listed here and in doc/sqlstates.md, with the same meaning.
 * Codes raised from PL/pgSQL use the same values as string literals.
 *
 * Ranges: IS0xx tenant model and catalog, IS1xx workflow engine, IS2xx
 * history chain, IS3xx scoring, audits and reviews, IS4xx registers of
 * clauses 4 to 8.
 */
#ifndef ISO28000_ERRCODES_H
#define ISO28000_ERRCODES_H

#include "utils/elog.h"

/* IS0xx: tenant model and catalog (raised from sql/core/04_tenant.sql) */

/* the current role lacks the access level the action needs in the organisation */
#define ERRCODE_ISO28000_ACCESS_DENIED			MAKE_SQLSTATE('I','S','0','0','1')
/* a new organisation's manager is a role the session user cannot become */
#define ERRCODE_ISO28000_MANAGER_NOT_ALLOWED	MAKE_SQLSTATE('I','S','0','0','2')
/* an access level that does not exist */
#define ERRCODE_ISO28000_UNKNOWN_LEVEL			MAKE_SQLSTATE('I','S','0','0','3')
/* the change would leave an organisation without a manager */
#define ERRCODE_ISO28000_LAST_MANAGER			MAKE_SQLSTATE('I','S','0','0','4')
/* a table without org_id cannot be made a register */
#define ERRCODE_ISO28000_NOT_A_REGISTER			MAKE_SQLSTATE('I','S','0','0','5')
/* register_table() on a table outside schema iso28000 or not owned by its owner (issue 11) */
#define ERRCODE_ISO28000_REGISTER_NOT_EXTENSION	MAKE_SQLSTATE('I','S','0','1','0')

/* IS020-IS029: the acting person and who-is-who (src/actor.c, sql/core/07_register.sql) */

/* act_as(): the current role is not delegated to act for the organisation's people */
#define ERRCODE_ISO28000_NOT_DELEGATED			MAKE_SQLSTATE('I','S','0','2','0')
/* act_as(): the person is not an active person of the organisation */
#define ERRCODE_ISO28000_NOT_A_PERSON			MAKE_SQLSTATE('I','S','0','2','1')
/* who-is-who (a person's db_role or active flag, a role carrying an authority, its assignment) changes only at manage */
#define ERRCODE_ISO28000_IDENTITY_NEEDS_MANAGE	MAKE_SQLSTATE('I','S','0','2','2')

/* IS05x: distribution with Citus (raised from sql/core/10_distribution.sql) */

/* distribute() was asked to distribute but Citus is not installed in the database */
#define ERRCODE_ISO28000_CITUS_NOT_INSTALLED	MAKE_SQLSTATE('I','S','0','5','0')
/* a table of the extension could not be distributed by org_id as it stands */
#define ERRCODE_ISO28000_NOT_DISTRIBUTABLE		MAKE_SQLSTATE('I','S','0','5','1')
/* _org_view_sql() was given a relation that is not a view */
#define ERRCODE_ISO28000_ORG_VIEW_NOT_VIEW		MAKE_SQLSTATE('I','S','0','5','2')
/* ALTER EXTENSION UPDATE of a distributed installation with citus.enable_ddl_propagation off (raised from sql/upgrades/) */
#define ERRCODE_ISO28000_UPGRADE_NO_DDL_PROPAGATION	MAKE_SQLSTATE('I','S','0','5','7')
/* ALTER EXTENSION UPDATE of a distributed installation with citus.enable_metadata_sync off */
#define ERRCODE_ISO28000_UPGRADE_NO_METADATA_SYNC	MAKE_SQLSTATE('I','S','0','5','8')
/* ALTER EXTENSION UPDATE of a distributed installation with a worker not active or without the shards' metadata */
#define ERRCODE_ISO28000_UPGRADE_WORKER_UNREACHED	MAKE_SQLSTATE('I','S','0','5','9')
/* ALTER EXTENSION UPDATE run on a Citus worker of a distributed installation, not through the coordinator (IS23x: the distributed upgrade) */
#define ERRCODE_ISO28000_UPGRADE_ON_WORKER		MAKE_SQLSTATE('I','S','2','3','0')

/* IS060-IS069: transition(), a workflow move for applications (sql/core/06_workflow_transition.sql) */

/* the record is no longer in the state the caller expected: someone moved it first */
#define ERRCODE_ISO28000_STALE_STATE			MAKE_SQLSTATE('I','S','0','6','0')
/* the record does not exist, or the caller cannot see or change it */
#define ERRCODE_ISO28000_RECORD_NOT_FOUND		MAKE_SQLSTATE('I','S','0','6','1')
/* the changes of a transition name a column the register lacks, or its state, org_id or key */
#define ERRCODE_ISO28000_TRANSITION_COLUMN		MAKE_SQLSTATE('I','S','0','6','2')
/* no workflow governs that column of that table */
#define ERRCODE_ISO28000_NO_WORKFLOW			MAKE_SQLSTATE('I','S','0','6','3')

/* IS1xx: workflow engine (src/workflow*.c, sql/core/06_workflow.sql, sql/clauses/clause10_improvement.sql) */

/* workflow not defined, or the table or its rules do not fit the engine */
#define ERRCODE_ISO28000_WORKFLOW_MISCONFIGURED		MAKE_SQLSTATE('I','S','1','0','0')
/* the status names a state the workflow does not have */
#define ERRCODE_ISO28000_UNKNOWN_STATE				MAKE_SQLSTATE('I','S','1','0','1')
/* no rule allows this transition (or this initial state on insert) */
#define ERRCODE_ISO28000_TRANSITION_NOT_ALLOWED		MAKE_SQLSTATE('I','S','1','0','2')
/* a column the target state requires is NULL or blank */
#define ERRCODE_ISO28000_REQUIRED_COLUMN_MISSING	MAKE_SQLSTATE('I','S','1','0','3')
/* the transition's guard function refused it */
#define ERRCODE_ISO28000_GUARD_REFUSED				MAKE_SQLSTATE('I','S','1','0','4')
/* the record is in a frozen state and the update is no transition out of it */
#define ERRCODE_ISO28000_RECORD_FROZEN				MAKE_SQLSTATE('I','S','1','0','5')
/* the member's level in the organisation is below the transition's */
#define ERRCODE_ISO28000_LEVEL_INSUFFICIENT			MAKE_SQLSTATE('I','S','1','0','6')
/* the record's state does not allow deleting it */
#define ERRCODE_ISO28000_DELETE_REFUSED				MAKE_SQLSTATE('I','S','1','0','7')
/* the engine governs only registers of the extension (schema iso28000, its owner's, permanent) */
#define ERRCODE_ISO28000_WORKFLOW_NOT_REGISTER		MAKE_SQLSTATE('I','S','1','1','0')
/* define_workflow(): the workflow is defined already */
#define ERRCODE_ISO28000_WORKFLOW_EXISTS			MAKE_SQLSTATE('I','S','1','3','0')
/* define_workflow(): a malformed declaration (name, description, not arrays of objects) */
#define ERRCODE_ISO28000_WORKFLOW_MALFORMED			MAKE_SQLSTATE('I','S','1','3','1')
/* define_workflow(): an unknown property of a state or transition, or a value of the wrong type */
#define ERRCODE_ISO28000_WORKFLOW_PROPERTY			MAKE_SQLSTATE('I','S','1','3','2')
/* define_workflow(): a state name that is not an identifier, or declared twice */
#define ERRCODE_ISO28000_WORKFLOW_STATE_NAME		MAKE_SQLSTATE('I','S','1','3','3')
/* define_workflow(): no initial state */
#define ERRCODE_ISO28000_WORKFLOW_NO_INITIAL		MAKE_SQLSTATE('I','S','1','3','4')
/* define_workflow(): a transition between undeclared or equal states, or declared twice */
#define ERRCODE_ISO28000_WORKFLOW_TRANSITION		MAKE_SQLSTATE('I','S','1','3','5')
/* define_workflow(): a level that is not read, write, audit or manage */
#define ERRCODE_ISO28000_WORKFLOW_LEVEL				MAKE_SQLSTATE('I','S','1','3','6')
/* define_workflow(): a guard that is not a function (row, text, text) RETURNS text */
#define ERRCODE_ISO28000_WORKFLOW_GUARD				MAKE_SQLSTATE('I','S','1','3','7')

/* IS138-IS149: rules the workflow engine cannot hold, refused where declared (attach_workflow, the rules tables) and by the engine */
/* a state name of 64 bytes or more (the engine keys states by NAMEDATALEN) */
#define ERRCODE_ISO28000_WORKFLOW_STATE_TOO_LONG	MAKE_SQLSTATE('I','S','1','3','8')
/* a transition's required level that is not read, write, audit or manage */
#define ERRCODE_ISO28000_WORKFLOW_RULE_LEVEL		MAKE_SQLSTATE('I','S','1','3','9')
/* a guard that cannot take the governed table's row: not (table row or record, text, text) RETURNS text */
#define ERRCODE_ISO28000_WORKFLOW_GUARD_MISFIT		MAKE_SQLSTATE('I','S','1','4','0')
/* a workflow attached to a table (or left, by a change of its rules) without an initial state */
#define ERRCODE_ISO28000_WORKFLOW_NO_INITIAL_STATE	MAKE_SQLSTATE('I','S','1','4','1')
/* IS146-IS149: the BEFORE ROW path (triggers engineer of issue 13) */
/* iso28000.fire_on_entering() misdeclared: not BEFORE ROW INSERT/UPDATE, missing arguments, unknown column, a function that is not a schema-qualified trigger function the table's owner may execute */
#define ERRCODE_ISO28000_STATE_GATE_MISDECLARED		MAKE_SQLSTATE('I','S','1','4','6')
/* IS120-IS129: stamps from the acting person (src/workflow_check.c, sql/core/07_register.sql) */

/* a who/when stamp given by the client differs from the one the engine writes (the acting person, the current role, the statement time) */
#define ERRCODE_ISO28000_STAMP_FORGED				MAKE_SQLSTATE('I','S','1','2','0')
/* a stamp changed by an UPDATE that makes no transition */
#define ERRCODE_ISO28000_STAMP_REWRITTEN			MAKE_SQLSTATE('I','S','1','2','1')
/* clause 10.2: a corrective action of a verified or closed nonconformity */
#define ERRCODE_ISO28000_NONCONFORMITY_LOCKED		MAKE_SQLSTATE('I','S','1','5','0')
/* clause 10.2: a corrective action reopened or added while its nonconformity is past action_planned */
#define ERRCODE_ISO28000_ACTION_AFTER_TAKEN			MAKE_SQLSTATE('I','S','1','5','1')

/* IS152-IS169: who acts compared with whom a rule names (trust residuals of issue 11) */
/* 9.2.2: the acting person who writes or removes a finding or an auditee is not independent of the audit */
#define ERRCODE_ISO28000_AUDIT_ACTOR_NOT_INDEPENDENT	MAKE_SQLSTATE('I','S','1','5','2')
/* 9.2.2: an audit reported, its report withdrawn or rewritten by an acting person who is not its lead auditor */
#define ERRCODE_ISO28000_AUDIT_REPORT_NOT_LEAD		MAKE_SQLSTATE('I','S','1','5','3')
/* 9.2.2: an audit finding written or removed by a session acting for nobody */
#define ERRCODE_ISO28000_AUDIT_FINDING_NO_PERSON	MAKE_SQLSTATE('I','S','1','5','4')
/* 9.2.2: the lead auditor of a started audit changed by someone who is neither that lead auditor nor a manager */
#define ERRCODE_ISO28000_AUDIT_LEAD_CHANGED		MAKE_SQLSTATE('I','S','1','5','5')
/* 9.2.2: an audit cancelled by an acting person who is not independent of it, or by nobody */
#define ERRCODE_ISO28000_AUDIT_CANCEL_NOT_INDEPENDENT	MAKE_SQLSTATE('I','S','1','5','6')
/* 9.2.2, 10.2: a nonconformity raised by an audit finding rejected by an acting person who is not independent of that audit */
#define ERRCODE_ISO28000_AUDIT_NC_REJECT_NOT_INDEPENDENT	MAKE_SQLSTATE('I','S','1','5','7')
/* 9.2.2: an auditee or a member of an audit's team written or removed by a session acting for nobody */
#define ERRCODE_ISO28000_AUDIT_PLAN_NO_PERSON		MAKE_SQLSTATE('I','S','1','5','8')
/* 9.2.2: an audit's fieldwork started by an acting person who is neither its lead auditor nor a manager */
#define ERRCODE_ISO28000_AUDIT_START_NOT_LEAD		MAKE_SQLSTATE('I','S','1','5','9')
/* 9.2.2: an auditor (lead or team) works in a process the audit examines (owns an activity or a control of it) */
#define ERRCODE_ISO28000_AUDITOR_WORKS_IN_PROCESS	MAKE_SQLSTATE('I','S','1','6','0')
/* 9.2.2, 10.2 d: a nonconformity raised by an audit finding verified by a verifier who is not independent of that audit */
#define ERRCODE_ISO28000_AUDIT_NC_VERIFY_NOT_INDEPENDENT	MAKE_SQLSTATE('I','S','1','6','1')
/* 9.2.2, 10.2 e: a nonconformity raised by an audit finding closed by an acting person who is not independent of that audit */
#define ERRCODE_ISO28000_AUDIT_NC_CLOSE_NOT_INDEPENDENT	MAKE_SQLSTATE('I','S','1','6','2')
/* 9.2.2: the lead auditor of a planned audit changed by someone who is neither that lead auditor nor a manager */
#define ERRCODE_ISO28000_AUDIT_PLANNED_LEAD_CHANGED	MAKE_SQLSTATE('I','S','1','6','3')
/* 9.2.2: an activity or a control of a process given to an auditor (lead or team) of an audit not over that examines the process */
#define ERRCODE_ISO28000_AUDIT_WORK_GIVEN_TO_AUDITOR	MAKE_SQLSTATE('I','S','1','6','4')
/* 9.2.2: a process given to an auditor (lead or team) of an audit not over that examines it */
#define ERRCODE_ISO28000_AUDIT_PROCESS_GIVEN_TO_AUDITOR	MAKE_SQLSTATE('I','S','1','6','5')
/* 9.2.2, 10.2: a nonconformity with source audit_finding that no audit finding links (checked at commit) */
#define ERRCODE_ISO28000_AUDIT_NC_UNLINKED			MAKE_SQLSTATE('I','S','1','6','6')
/* 9.2.2, 10.2: a finding's link to the nonconformity it raised changed or dropped, or the finding removed */
#define ERRCODE_ISO28000_AUDIT_FINDING_LINK_KEPT	MAKE_SQLSTATE('I','S','1','6','7')
/* 9.2.2, 10.2: a finding linked to a nonconformity not raised by an audit finding, or one another finding links */
#define ERRCODE_ISO28000_AUDIT_FINDING_LINK_FOREIGN	MAKE_SQLSTATE('I','S','1','6','8')

/* IS2xx: history chain */

/* UPDATE, DELETE or TRUNCATE of the history, or DELETE or TRUNCATE of its chain heads */
#define ERRCODE_ISO28000_HISTORY_APPEND_ONLY	MAKE_SQLSTATE('I','S','2','0','1')
/* TRUNCATE of a register: the history could not record the rows it removes */
#define ERRCODE_ISO28000_HISTORY_TRUNCATE_REGISTER	MAKE_SQLSTATE('I','S','2','0','2')
/* a history trigger that is not AFTER, or a statement trigger without transition tables */
#define ERRCODE_ISO28000_HISTORY_BAD_TRIGGER	MAKE_SQLSTATE('I','S','2','0','3')
/* a kept digest given for another organisation than the one verified */
#define ERRCODE_ISO28000_HISTORY_DIGEST_ORG		MAKE_SQLSTATE('I','S','2','0','4')
/* attach_history() on a table without an org_id column or a primary key */
#define ERRCODE_ISO28000_HISTORY_NOT_A_REGISTER	MAKE_SQLSTATE('I','S','2','0','5')
/* the history records only registers of the extension (schema iso28000, its owner's, permanent) */
#define ERRCODE_ISO28000_HISTORY_NOT_EXTENSION	MAKE_SQLSTATE('I','S','2','1','0')
/* a row of an organisation in which the current role may not write */
#define ERRCODE_ISO28000_HISTORY_ORG_DENIED		MAKE_SQLSTATE('I','S','2','1','1')
/* an UPDATE that changes the org_id of a register row */
#define ERRCODE_ISO28000_ORG_ID_CHANGED			MAKE_SQLSTATE('I','S','2','1','2')

/* IS3xx: scoring, audits and management reviews */

/* a weighted conformity aggregate was given a negative weight */
#define ERRCODE_ISO28000_NEGATIVE_WEIGHT		MAKE_SQLSTATE('I','S','3','0','1')
/* an auditor would audit a process they own (raised from clause09_2_internal_audit.sql) */
#define ERRCODE_ISO28000_AUDITOR_NOT_INDEPENDENT	MAKE_SQLSTATE('I','S','3','0','2')
/* an audit finding's clause lies outside the audit scope */
#define ERRCODE_ISO28000_FINDING_OUT_OF_SCOPE	MAKE_SQLSTATE('I','S','3','0','3')
/* a finding of a closed or cancelled audit would be added or changed */
#define ERRCODE_ISO28000_AUDIT_OVER				MAKE_SQLSTATE('I','S','3','0','4')

/* IS4xx: registers of clauses 4 to 8 */

/* IS450-IS499: clause 7, 8.1/8.2, 8.6 and supply-chain assurance (sql/clauses/clause07_support.sql, clause08_*) */

/* clause 8.2: a process dependency names an activity of another process */
#define ERRCODE_ISO28000_ACTIVITY_OTHER_PROCESS	MAKE_SQLSTATE('I','S','4','5','1')

/* IS500-IS519: security incidents, and incidents and exercises feeding improvement (sql/clauses/clause10_2_incidents.sql) */

/* an incident would close without its lessons learned */
#define ERRCODE_ISO28000_INCIDENT_NO_LESSONS	MAKE_SQLSTATE('I','S','5','0','0')
/* an incident would close while a linked risk has no decision */
#define ERRCODE_ISO28000_INCIDENT_RISK_UNDECIDED	MAKE_SQLSTATE('I','S','5','0','1')
/* an incident would close while a risk to re-assess was not assessed since it was reported */
#define ERRCODE_ISO28000_INCIDENT_RISK_NOT_REASSESSED	MAKE_SQLSTATE('I','S','5','0','2')
/* the risks, nodes or processes of a closed or dismissed incident would change */
#define ERRCODE_ISO28000_INCIDENT_LINKS_FROZEN	MAKE_SQLSTATE('I','S','5','0','3')
/* a raise function names an incident or exercise that does not exist or is not visible */
#define ERRCODE_ISO28000_RAISE_SOURCE_MISSING	MAKE_SQLSTATE('I','S','5','0','4')
/* a raise function names an exercise that has not been held */
#define ERRCODE_ISO28000_RAISE_EXERCISE_NOT_HELD	MAKE_SQLSTATE('I','S','5','0','5')
/* a raise function names an incident dismissed as a non-event */
#define ERRCODE_ISO28000_RAISE_INCIDENT_DISMISSED	MAKE_SQLSTATE('I','S','5','0','6')

/* IS520-IS539: supply-chain security, providers as a condition of inclusion (sql/clauses/clause08_4_supply_chain_assurance.sql) */

/* a node cannot become an active provider: it falls short of a security requirement that applies to it */
#define ERRCODE_ISO28000_PROVIDER_NOT_ADMITTED	MAKE_SQLSTATE('I','S','5','2','0')
/* a link of criticality high or critical to a provider that falls short of a requirement at that reliance */
#define ERRCODE_ISO28000_PROVIDER_LINK_REFUSED	MAKE_SQLSTATE('I','S','5','2','1')
/* only an expired exception covered the provider's shortfall */
#define ERRCODE_ISO28000_PROVIDER_EXCEPTION_EXPIRED	MAKE_SQLSTATE('I','S','5','2','2')
/* a provider exception approved by its requester */
#define ERRCODE_ISO28000_EXCEPTION_SELF_APPROVAL	MAKE_SQLSTATE('I','S','5','2','3')
/* a provider exception approved by a person without the authority */
#define ERRCODE_ISO28000_EXCEPTION_NO_AUTHORITY	MAKE_SQLSTATE('I','S','5','2','4')
/* a provider exception approved while nobody acts */
#define ERRCODE_ISO28000_EXCEPTION_NO_APPROVER	MAKE_SQLSTATE('I','S','5','2','5')
/* a provider exception approved after its end date */
#define ERRCODE_ISO28000_EXCEPTION_PAST_END		MAKE_SQLSTATE('I','S','5','2','6')

/* a segment security assessment approved by its assessor */
#define ERRCODE_ISO28000_SEGMENT_SELF_APPROVAL	MAKE_SQLSTATE('I','S','5','3','0')
/* a segment security assessment approved while nobody acts */
#define ERRCODE_ISO28000_SEGMENT_NO_APPROVER	MAKE_SQLSTATE('I','S','5','3','1')
/* a segment security assessment approved without any scored threat scenario */
#define ERRCODE_ISO28000_SEGMENT_NOTHING_SCORED	MAKE_SQLSTATE('I','S','5','3','2')
/* a score or countermeasure of an approved or withdrawn segment assessment would change */
#define ERRCODE_ISO28000_SEGMENT_ASSESSMENT_FROZEN	MAKE_SQLSTATE('I','S','5','3','3')
/* a score or countermeasure names a node outside the assessed segment */
#define ERRCODE_ISO28000_SEGMENT_NODE_OUTSIDE	MAKE_SQLSTATE('I','S','5','3','4')

/* IS540-IS559: several standards side by side, clause maps, maturity (sql/core/08_catalog.sql, clause09_*) */

/* load_clauses(): the standard is missing, or unknown and given without a title */
#define ERRCODE_ISO28000_LOAD_STANDARD			MAKE_SQLSTATE('I','S','5','4','0')
/* load_clauses(): the clauses are not a JSON array of objects with clause and title (and an optional known pdca) */
#define ERRCODE_ISO28000_LOAD_MALFORMED			MAKE_SQLSTATE('I','S','5','4','1')
/* load_clauses(): a clause number is not a clause reference */
#define ERRCODE_ISO28000_LOAD_CLAUSE_REF		MAKE_SQLSTATE('I','S','5','4','2')
/* load_clauses(): a clause given twice or already in the catalog */
#define ERRCODE_ISO28000_LOAD_DUPLICATE			MAKE_SQLSTATE('I','S','5','4','3')
/* load_clauses(): a clause whose parent is neither in the catalog nor loaded with it */
#define ERRCODE_ISO28000_LOAD_NO_PARENT			MAKE_SQLSTATE('I','S','5','4','4')
/* a self-assessment result or audit finding names another standard than its assessment or audit */
#define ERRCODE_ISO28000_STANDARD_MISMATCH		MAKE_SQLSTATE('I','S','5','4','5')
/* the standard of a self-assessment or audit changed while it has results or findings */
#define ERRCODE_ISO28000_STANDARD_KEPT			MAKE_SQLSTATE('I','S','5','4','6')
/* a maturity level given or targeted is not on the organisation's scale */
#define ERRCODE_ISO28000_MATURITY_OFF_SCALE		MAKE_SQLSTATE('I','S','5','4','7')
/* load_clause_map(): a standard is missing, not in the catalog, or both are the same */
#define ERRCODE_ISO28000_MAP_STANDARD			MAKE_SQLSTATE('I','S','5','4','8')
/* load_clause_map(): the maps are not a JSON array of objects with from, to and a known relation (and an optional note) */
#define ERRCODE_ISO28000_MAP_MALFORMED			MAKE_SQLSTATE('I','S','5','4','9')
/* load_clause_map(): a clause of a map is not a clause reference */
#define ERRCODE_ISO28000_MAP_CLAUSE_REF			MAKE_SQLSTATE('I','S','5','5','0')
/* load_clause_map(): a clause of a map is not in the catalog of its standard */
#define ERRCODE_ISO28000_MAP_UNKNOWN_CLAUSE		MAKE_SQLSTATE('I','S','5','5','1')
/* load_clause_map(): a pair of clauses given twice or already mapped (in either direction) */
#define ERRCODE_ISO28000_MAP_DUPLICATE			MAKE_SQLSTATE('I','S','5','5','2')

/* IS553-IS558: announcing the outbox only when a mailer listens (src/notification_listen.c) */

/* iso28000.listen() by a role that reads no organisation */
#define ERRCODE_ISO28000_NOTIFY_LISTENER		MAKE_SQLSTATE('I','S','5','5','3')
/* PREPARE TRANSACTION of a transaction holding outbox rows not announced yet (notify_announce = listen) */
#define ERRCODE_ISO28000_NOTIFY_PREPARE			MAKE_SQLSTATE('I','S','5','5','4')
/* wait_for_notifications() with a timeout that is NULL, negative, infinite or over a day */
#define ERRCODE_ISO28000_NOTIFY_WAIT_TIMEOUT	MAKE_SQLSTATE('I','S','5','5','5')
/* wait_for_notifications() in a REPEATABLE READ or SERIALIZABLE transaction */
#define ERRCODE_ISO28000_NOTIFY_WAIT_SNAPSHOT	MAKE_SQLSTATE('I','S','5','5','6')

/* IS560-IS579: due items, notification outbox, import and export (sql/interfaces/) */

/* raise_due_items() or mark_delivered() in an organisation where the caller does not write */
#define ERRCODE_ISO28000_NOTIFY_NEEDS_WRITE		MAKE_SQLSTATE('I','S','5','6','0')
/* raise_due_items() with a horizon outside 0 to 366 days */
#define ERRCODE_ISO28000_DUE_HORIZON			MAKE_SQLSTATE('I','S','5','6','1')
/* a notification marked delivered again, or un-delivered */
#define ERRCODE_ISO28000_NOTIFY_DELIVERED		MAKE_SQLSTATE('I','S','5','6','2')
/* mark_delivered() given an id that does not exist or is not visible */
#define ERRCODE_ISO28000_NOTIFY_UNKNOWN			MAKE_SQLSTATE('I','S','5','6','3')
/* import_registers() without level write, export_registers() without level read */
#define ERRCODE_ISO28000_TRANSFER_DENIED		MAKE_SQLSTATE('I','S','5','6','4')
/* a register that import and export do not handle */
#define ERRCODE_ISO28000_TRANSFER_REGISTER		MAKE_SQLSTATE('I','S','5','6','5')
/* an unknown column, or one the database sets (org_id, identity key, engine stamps) */
#define ERRCODE_ISO28000_TRANSFER_COLUMN		MAKE_SQLSTATE('I','S','5','6','6')
/* a reference that names no record of the organisation or of the document */
#define ERRCODE_ISO28000_TRANSFER_REF_MISSING	MAKE_SQLSTATE('I','S','5','6','7')
/* a reference that names several records */
#define ERRCODE_ISO28000_TRANSFER_REF_AMBIGUOUS	MAKE_SQLSTATE('I','S','5','6','8')
/* a document that is not a JSON object of arrays of objects */
#define ERRCODE_ISO28000_TRANSFER_SHAPE			MAKE_SQLSTATE('I','S','5','6','9')
/* a _key repeated within a register of the document */
#define ERRCODE_ISO28000_TRANSFER_KEY_REPEATED	MAKE_SQLSTATE('I','S','5','7','0')
/* a notification trigger function fired other than as attach_notifications() and the outbox put it */
#define ERRCODE_ISO28000_NOTIFY_MISFIRED		MAKE_SQLSTATE('I','S','5','7','1')
/* internal: ends a dry run of import_registers(), caught there, never seen by a caller */
#define ERRCODE_ISO28000_TRANSFER_DRY_RUN		MAKE_SQLSTATE('I','S','5','7','9')

/* IS585-IS589: internal audits and nonconformities, their upgrade (sql/clauses/clause09_2_*, clause10_*, sql/upgrades/) */

/* ALTER EXTENSION UPDATE to 0.3.0 refused: a nonconformity is linked by more than one audit finding (IS168 became a unique constraint) */
#define ERRCODE_ISO28000_UPGRADE_SHARED_NC_LINK	MAKE_SQLSTATE('I','S','5','8','5')

#endif							/* ISO28000_ERRCODES_H */
