/*
 * sql/upgrades/iso28000--0.2.0--0.3.0.sql
 *		Upgrades iso28000 from 0.2.0 to 0.3.0 (ALTER EXTENSION iso28000 UPDATE).
 *
 * Every change made under sql/ after release 0.2.0 is written here too, in the
 * order it must run.  test/suite.d/upgrade checks that 0.2.0 upgraded with this
 * script describes exactly like a fresh install of 0.3.0.
 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION iso28000 UPDATE TO '0.3.0'" to load this file. \quit

-- Citus (doc/distribution.md, "Upgrading on a cluster"): an installation
-- already distributed is updated through the coordinator.  Citus runs this
-- script on the coordinator, then passes ALTER EXTENSION iso28000 UPDATE on to
-- every worker (with citus.enable_ddl_propagation off there), which runs it
-- again, in the same distributed transaction (two-phase commit: every node or
-- none).  So each node changes its own copy of a table and its own
-- placements of the table's shards, after creating the functions they name:
-- every step that changes a table calls iso28000._upgrade_ddl(table,
-- statement), and a step that reads or writes rows runs only where
-- iso28000._upgrade_data_here() is true (not on a worker of a distributed
-- installation: the coordinator's run reaches every shard; it and the check
-- below ask iso28000._upgrade_distributed()).  These functions live only while the
-- script runs (its last step drops them): steps that
-- change a table go above that one.
CREATE FUNCTION iso28000._upgrade_ddl(tbl regclass, ddl text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    shard bigint;
    propagate text;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        EXECUTE ddl;
        RETURN;
    END IF;
    -- This node's table (without Citus passing the statement on: each node
    -- runs this script), then the shards of it this node holds, renamed as
    -- Citus renames them (worker_apply_shard_ddl_command: the table, its
    -- indexes, constraints and triggers take the shard's id).
    propagate := pg_catalog.current_setting('citus.enable_ddl_propagation');
    PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
    EXECUTE ddl;
    FOR shard IN EXECUTE
        'SELECT s.shardid FROM pg_catalog.pg_dist_shard s
           JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid
          WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1
            AND p.groupid OPERATOR(pg_catalog.=) (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)
          ORDER BY s.shardid' USING tbl
    LOOP
        EXECUTE 'SELECT pg_catalog.worker_apply_shard_ddl_command($1, $2, $3)'
          USING shard, (SELECT n.nspname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
                         WHERE c.oid OPERATOR(pg_catalog.=) tbl), ddl;
    END LOOP;
    PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', propagate, true);
END
$fn$;
REVOKE ALL ON FUNCTION iso28000._upgrade_ddl(regclass, text) FROM PUBLIC;
-- Whether this node's Citus metadata distributes a table of the extension
-- (false without Citus): asked by _upgrade_data_here() and by the check below.
CREATE FUNCTION iso28000._upgrade_distributed() RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    distributed boolean;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition d
                              JOIN pg_catalog.pg_depend x ON x.objid OPERATOR(pg_catalog.=) d.logicalrelid
                             WHERE x.classid OPERATOR(pg_catalog.=) ''pg_catalog.pg_class''::pg_catalog.regclass
                               AND x.refclassid OPERATOR(pg_catalog.=) ''pg_catalog.pg_extension''::pg_catalog.regclass
                               AND x.refobjid OPERATOR(pg_catalog.=) (SELECT e.oid FROM pg_catalog.pg_extension e
                                                                         WHERE e.extname OPERATOR(pg_catalog.=) ''iso28000'')
                               AND x.deptype OPERATOR(pg_catalog.=) ''e'')' INTO distributed;
    RETURN distributed;
END
$fn$;
REVOKE ALL ON FUNCTION iso28000._upgrade_distributed() FROM PUBLIC;
-- False on a worker of a distributed installation, where the coordinator's
-- run of the script reads and writes the rows of every shard.
CREATE FUNCTION iso28000._upgrade_data_here() RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    coordinator boolean;
BEGIN
    IF NOT iso28000._upgrade_distributed() THEN
        RETURN true;
    END IF;
    EXECUTE 'SELECT g.groupid OPERATOR(pg_catalog.=) 0 FROM pg_catalog.pg_dist_local_group g' INTO coordinator;
    RETURN coordinator;
END
$fn$;
REVOKE ALL ON FUNCTION iso28000._upgrade_data_here() FROM PUBLIC;
-- On a distributed installation the update reaches every node only when run
-- on the coordinator with Citus passing it on to every worker, each of which
-- holds the metadata of the shards (refused otherwise, changing nothing).
DO $check$
DECLARE
    distributed boolean := false;
    coordinator boolean;
    started_there boolean;
    missing text;
    setting text;
    code text;
BEGIN
    distributed := iso28000._upgrade_distributed();
    IF NOT distributed THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT g.groupid OPERATOR(pg_catalog.=) 0,
                    t.transaction_number OPERATOR(pg_catalog.<>) 0 AND t.initiator_node_identifier OPERATOR(pg_catalog.=) 0
               FROM pg_catalog.pg_dist_local_group g, pg_catalog.get_current_transaction_id() t'
      INTO coordinator, started_there;
    IF NOT coordinator THEN
        IF NOT started_there THEN
            RAISE EXCEPTION 'iso28000 on a Citus worker is updated through the coordinator: this node holds shards of the distributed installation'
              USING ERRCODE = 'IS230',
                    DETAIL = 'ALTER EXTENSION iso28000 UPDATE run on the coordinator updates every node and every shard in one transaction; run here, it would change this node alone. Nothing was changed.',
                    HINT = 'Run ALTER EXTENSION iso28000 UPDATE on the coordinator, with citus.enable_ddl_propagation and citus.enable_metadata_sync on.',
                    SCHEMA = 'iso28000';
        END IF;
        RETURN;
    END IF;
    FOR setting, code IN VALUES ('citus.enable_ddl_propagation', 'IS057'), ('citus.enable_metadata_sync', 'IS058') LOOP
        IF NOT pg_catalog.current_setting(setting)::boolean THEN
            RAISE EXCEPTION 'iso28000 is distributed: ALTER EXTENSION iso28000 UPDATE with % off would update the coordinator alone', setting
              USING ERRCODE = code,
                    DETAIL = pg_catalog.format('Citus passes ALTER EXTENSION on to the workers only with %s on. Nothing was changed.', setting),
                    HINT = pg_catalog.format('RESET %s, then run ALTER EXTENSION iso28000 UPDATE again.', setting),
                    SCHEMA = 'iso28000';
        END IF;
    END LOOP;
    EXECUTE 'SELECT pg_catalog.string_agg(pg_catalog.format(''%s:%s (group %s%s%s)'', n.nodename, n.nodeport, n.groupid,
                                      CASE WHEN NOT n.isactive THEN '', not active'' ELSE '''' END,
                                      CASE WHEN NOT (n.hasmetadata AND n.metadatasynced) THEN '', without the shards'''' metadata'' ELSE '''' END),
                               ''; '' ORDER BY n.groupid)
               FROM pg_catalog.pg_dist_node n
              WHERE n.groupid OPERATOR(pg_catalog.<>) 0 AND n.noderole OPERATOR(pg_catalog.=) ''primary''
                AND NOT (n.isactive AND n.hasmetadata AND n.metadatasynced)' INTO missing;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'iso28000 is distributed: ALTER EXTENSION iso28000 UPDATE needs every worker active and holding the shards'' metadata: %', missing
          USING ERRCODE = 'IS059',
                DETAIL = 'Each worker updates its own shards, found in its copy of Citus''s metadata; a worker not active, or without that metadata, would keep its shards as they are. Nothing was changed.',
                HINT = 'Activate the worker (citus_activate_node) or sync its metadata (start_metadata_sync_to_node), then run ALTER EXTENSION iso28000 UPDATE again.',
                SCHEMA = 'iso28000';
    END IF;
END
$check$;

-- The BEFORE ROW path of the real register (issue 13, triggers): the state
-- gate stands for nonconformity_audit_independent's WHEN clause
-- (sql/core/06_workflow.sql, sql/clauses/clause10_improvement.sql).
CREATE FUNCTION iso28000.fire_on_entering() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'iso28000_fire_on_entering';
REVOKE ALL ON FUNCTION iso28000.fire_on_entering() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.fire_on_entering() IS
  'State gate trigger (BEFORE INSERT OR UPDATE FOR EACH ROW): arguments are a schema-qualified trigger function (without parentheses), the status column, and one or more states, each "state" or "state:column[:column...]". Calls the function, with the same trigger data, when the new row''s status is one of the states and the old row''s is not (an INSERT always enters), or, for a state with columns, when one of those columns changed while the row stays in it; otherwise passes the row unchanged. Misdeclared: IS146.';
SELECT iso28000._upgrade_ddl('iso28000.nonconformity', $ddl$
DROP TRIGGER nonconformity_audit_independent ON iso28000.nonconformity
$ddl$);
SELECT iso28000._upgrade_ddl('iso28000.nonconformity', $ddl$
CREATE TRIGGER nonconformity_audit_independent
    BEFORE UPDATE OF status, verified_by ON iso28000.nonconformity
    FOR EACH ROW EXECUTE FUNCTION iso28000.fire_on_entering('iso28000.nonconformity_audit_independent', 'status',
                                                            'rejected', 'verified:verified_by', 'closed')
$ddl$);

-- ISO 28000 9.2.2 (trust): the 'works in an examined process' join written once
-- (_audit_worker_conflict), used by audit_worker_conflict and audit_person_conflict.

CREATE FUNCTION iso28000._audit_worker_conflict(org bigint, audit bigint, persons bigint[])
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('%s works in process %s (%s): owns its %s %s (%s)', pe.full_name, pr.sms_process_id, pr.name,
                  w.works_through, w.record_id, w.record_name)
      FROM iso28000.audit_examined_process x
      JOIN iso28000.sms_process_worker w ON w.org_id = org AND w.sms_process_id = x.process_id
      JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
      JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = w.person_id
     WHERE x.org_id = org AND x.audit_id = audit AND w.person_id = ANY (persons)
     ORDER BY pr.sms_process_id, w.works_through, w.record_id
     LIMIT 1
$$;
COMMENT ON FUNCTION iso28000._audit_worker_conflict(bigint, bigint, bigint[]) IS
  'Internal: the first of the persons who works in a process the audit examines (view sms_process_worker: owns an activity or a control of it), as text; NULL when none does. Used by audit_worker_conflict and audit_person_conflict.';

CREATE OR REPLACE FUNCTION iso28000.audit_worker_conflict(org bigint, audit bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT iso28000._audit_worker_conflict(org, audit, ARRAY(
        SELECT a.lead_auditor_id FROM iso28000.audit a WHERE a.org_id = org AND a.audit_id = audit
        UNION
        SELECT t.person_id FROM iso28000.audit_team_member t WHERE t.org_id = org AND t.audit_id = audit))
$$;

CREATE OR REPLACE FUNCTION iso28000.audit_person_conflict(org bigint, audit bigint, person bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(
      (SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name)
         FROM iso28000.audit_examined_process x
         JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
        WHERE x.org_id = org AND x.audit_id = audit AND pr.owner_id = person
        ORDER BY pr.sms_process_id LIMIT 1),
      (SELECT format('%s is an auditee of audit %s', pe.full_name, audit)
         FROM iso28000.audit_auditee x
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = x.person_id
        WHERE x.org_id = org AND x.audit_id = audit AND x.person_id = person
        LIMIT 1),
      iso28000._audit_worker_conflict(org, audit, ARRAY[person]))
$$;


-- ISO 28000 9.2.2 (trust): the audit's row and its examined processes locked
-- before the independence check; work in an examined process given to an
-- auditor of an audit not over refused (IS164, IS165).

CREATE OR REPLACE FUNCTION iso28000.audit_check_independence()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    conflict text;
BEGIN
    PERFORM 1 FROM iso28000.audit a
      WHERE a.org_id = NEW.org_id AND a.audit_id = NEW.audit_id
        FOR NO KEY UPDATE;
    PERFORM 1 FROM iso28000.sms_process p
      WHERE p.org_id = NEW.org_id
        AND p.sms_process_id IN (SELECT x.process_id FROM iso28000.audit_examined_process x
                                  WHERE x.org_id = NEW.org_id AND x.audit_id = NEW.audit_id)
      ORDER BY p.sms_process_id
        FOR SHARE OF p;
    conflict := iso28000.audit_independence_conflict(NEW.org_id, NEW.audit_id);
    IF conflict IS NOT NULL AND conflict = iso28000.audit_worker_conflict(NEW.org_id, NEW.audit_id) THEN
        RAISE EXCEPTION 'auditor independence violated in audit % of organisation %: an auditor works in a process it examines',
                        NEW.audit_id, NEW.org_id
              USING ERRCODE = 'IS160',
                    DETAIL = conflict || '; an auditor may not audit his own work (ISO 28000 9.2.2), and who owns an activity or a control of a process works in it.',
                    HINT = 'Choose an auditor who does not work in the processes the audit examines, or leave the process out of its scope.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                    COLUMN = CASE TG_TABLE_NAME WHEN 'audit' THEN 'lead_auditor_id'
                                                WHEN 'audit_team_member' THEN 'person_id'
                                                ELSE 'process_id' END;
    END IF;
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION 'auditor independence violated in audit %', NEW.audit_id
              USING ERRCODE = 'IS302',
                    DETAIL = conflict || '; an auditor may not audit a process they own, nor be audited by the same audit (ISO 28000 9.2.2).',
                    HINT = 'Choose another auditor for this audit, or leave the process out of its scope.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                    COLUMN = CASE TG_TABLE_NAME WHEN 'audit' THEN 'lead_auditor_id'
                                                WHEN 'audit_team_member' THEN 'person_id'
                                                ELSE 'process_id' END;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION iso28000.process_work_auditor_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    person bigint;
    process bigint;
    what text;
    col text;
    hit record;
BEGIN
    IF TG_TABLE_NAME = 'activity' THEN
        IF NEW.owner_id IS NULL OR NOT NEW.active
           OR (TG_OP = 'UPDATE' AND OLD.active AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id
               AND OLD.sms_process_id IS NOT DISTINCT FROM NEW.sms_process_id) THEN
            RETURN NULL;
        END IF;
        what := format('activity %s (%s)', NEW.activity_id, NEW.name);
        col := CASE WHEN TG_OP = 'INSERT' OR OLD.owner_id IS DISTINCT FROM NEW.owner_id THEN 'owner_id'
                    WHEN OLD.sms_process_id IS DISTINCT FROM NEW.sms_process_id THEN 'sms_process_id'
                    ELSE 'active' END;
    ELSIF TG_TABLE_NAME = 'control' THEN
        IF NEW.owner_id IS NULL OR NEW.sms_process_id IS NULL OR NEW.retired_on IS NOT NULL
           OR (TG_OP = 'UPDATE' AND OLD.retired_on IS NULL AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id
               AND OLD.sms_process_id IS NOT DISTINCT FROM NEW.sms_process_id) THEN
            RETURN NULL;
        END IF;
        what := format('control %s (%s)', NEW.control_id, NEW.code);
        col := CASE WHEN TG_OP = 'INSERT' OR OLD.owner_id IS DISTINCT FROM NEW.owner_id THEN 'owner_id'
                    WHEN OLD.sms_process_id IS DISTINCT FROM NEW.sms_process_id THEN 'sms_process_id'
                    ELSE 'retired_on' END;
    ELSE
        IF NEW.owner_id IS NOT DISTINCT FROM OLD.owner_id THEN
            RETURN NULL;
        END IF;
        what := 'the ownership';
        col := 'owner_id';
    END IF;
    person := NEW.owner_id;
    process := NEW.sms_process_id;
    IF TG_TABLE_NAME <> 'sms_process' THEN
        PERFORM 1 FROM iso28000.sms_process p
          WHERE p.org_id = NEW.org_id AND p.sms_process_id = process
            FOR NO KEY UPDATE;
    END IF;
    SELECT a.audit_id, a.title, a.status, pr.name AS process_name, pe.full_name,
           CASE WHEN a.lead_auditor_id = person THEN 'the lead auditor' ELSE 'a member of the team' END AS role
      INTO hit
      FROM iso28000.audit a
      JOIN iso28000.sms_process pr ON pr.org_id = a.org_id AND pr.sms_process_id = process
      JOIN iso28000.person pe ON pe.org_id = a.org_id AND pe.person_id = person
     WHERE a.org_id = NEW.org_id AND a.status IN ('planned', 'in_progress', 'reported')
       AND (a.lead_auditor_id = person
            OR EXISTS (SELECT FROM iso28000.audit_team_member t
                        WHERE t.org_id = a.org_id AND t.audit_id = a.audit_id AND t.person_id = person))
       AND EXISTS (SELECT FROM iso28000.audit_examined_process x
                    WHERE x.org_id = a.org_id AND x.audit_id = a.audit_id AND x.process_id = process)
     ORDER BY a.audit_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%.% of organisation %: % of process % (%) cannot go to person % (%), % of audit % (%, %), which examines the process',
                        TG_TABLE_SCHEMA, TG_TABLE_NAME, NEW.org_id, what, process, hit.process_name,
                        person, hit.full_name, hit.role, hit.audit_id, hit.title, hit.status
              USING ERRCODE = CASE WHEN TG_TABLE_NAME = 'sms_process' THEN 'IS165' ELSE 'IS164' END,
                    DETAIL = CASE WHEN TG_TABLE_NAME = 'sms_process'
                                  THEN 'An auditor may not audit a process he owns (ISO 28000 9.2.2); the audit is not over.'
                                  ELSE 'An auditor may not audit his own work (ISO 28000 9.2.2), and who owns an activity or a control of a process works in it; the audit is not over.' END,
                    HINT = 'Give it to someone who does not audit the process, or take the person off the audit (a manager changes its lead auditor) first.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = col;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.process_work_auditor_independent() IS
  'ISO 28000 9.2.2: Trigger on activity and control (AFTER INSERT or UPDATE of the owner, the process, active or retired_on) and sms_process (AFTER UPDATE of the owner): refuses work in a process given to an auditor (lead or team) of an audit that examines it and is not over, planned, in_progress or reported (IS164), and the process given to such an auditor (IS165); takes the process''s row FOR NO KEY UPDATE first.';
SELECT iso28000._upgrade_ddl('iso28000.activity', $ddl$
CREATE TRIGGER process_work_auditor_independent
    AFTER INSERT OR UPDATE OF owner_id, sms_process_id, active ON iso28000.activity
    FOR EACH ROW EXECUTE FUNCTION iso28000.process_work_auditor_independent()
$ddl$);
SELECT iso28000._upgrade_ddl('iso28000.control', $ddl$
CREATE TRIGGER process_work_auditor_independent
    AFTER INSERT OR UPDATE OF owner_id, sms_process_id, retired_on ON iso28000.control
    FOR EACH ROW EXECUTE FUNCTION iso28000.process_work_auditor_independent()
$ddl$);
SELECT iso28000._upgrade_ddl('iso28000.sms_process', $ddl$
CREATE TRIGGER process_work_auditor_independent
    AFTER UPDATE OF owner_id ON iso28000.sms_process
    FOR EACH ROW EXECUTE FUNCTION iso28000.process_work_auditor_independent()
$ddl$);


-- ISO 28000 9.2.2, 10.2 (trust): a nonconformity with source audit_finding has a
-- finding that links it (IS166), and a finding keeps the one it raised (IS167).
-- Nonconformities 0.1.0 and 0.2.0 left with that source and no finding are kept
-- as they are: the constraint trigger judges new writes only.

CREATE OR REPLACE FUNCTION iso28000.audit_finding_raise_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lead bigint;
    audit_title text;
BEGIN
    IF NEW.grade NOT IN ('minor_nc', 'major_nc') OR NEW.nonconformity_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT a.lead_auditor_id, a.title INTO lead, audit_title
      FROM iso28000.audit a WHERE a.org_id = NEW.org_id AND a.audit_id = NEW.audit_id;
    -- the finding that links the nonconformity is written after this trigger:
    -- its check waits for the commit even if the session asked for it at once
    SET CONSTRAINTS iso28000.nonconformity_audit_finding_linked DEFERRED;
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by, standard)
    VALUES (NEW.org_id,
            left(format('Audit finding on %s: %s', NEW.clause, NEW.statement), 200),
            concat_ws(E'\n', NEW.statement, 'Evidence: ' || NEW.evidence, 'Audit: ' || audit_title),
            'audit_finding', format('audit %s, finding %s', NEW.audit_id, NEW.finding_id),
            NEW.clause, CASE NEW.grade WHEN 'major_nc' THEN 'major' ELSE 'minor' END,
            NEW.found_on, lead, NEW.standard)
    RETURNING nonconformity_id INTO NEW.nonconformity_id;
    RETURN NEW;
END
$$;

CREATE FUNCTION iso28000.nonconformity_audit_finding_linked()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.source = 'audit_finding' THEN
        RETURN NULL;
    END IF;
    IF iso28000._has_owner_privileges() THEN
        RETURN NULL;
    END IF;
    -- the row as it is now: a later statement of the transaction may have changed its source
    PERFORM 1 FROM iso28000.nonconformity n
      WHERE n.org_id = NEW.org_id AND n.nonconformity_id = NEW.nonconformity_id AND n.source = 'audit_finding'
        AND NOT EXISTS (SELECT FROM iso28000.audit_finding f
                         WHERE f.org_id = n.org_id AND f.nonconformity_id = n.nonconformity_id);
    IF FOUND THEN
        RAISE EXCEPTION 'nonconformity % of organisation % has source audit_finding but no audit finding links it',
                        NEW.nonconformity_id, NEW.org_id
              USING ERRCODE = 'IS166',
                    DETAIL = format('Source reference: %s. A nonconformity is raised by an audit finding when the finding is graded minor_nc or major_nc; the independence of that audit then decides who may reject, verify and close it (ISO 28000 9.2.2, 10.2).', coalesce(NEW.source_ref, 'none')),
                    HINT = 'Record the finding (grade minor_nc or major_nc) in its audit, which raises the nonconformity, or give this one another source.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'source';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_audit_finding_linked() IS
  'ISO 28000 9.2.2, 10.2: Constraint trigger on nonconformity (AFTER INSERT or UPDATE of source, deferred to the commit): a nonconformity given source audit_finding must be linked by an audit finding (audit_finding.nonconformity_id) when the transaction commits (IS166); roles with the privileges of the extension''s owner are let through.';
SELECT iso28000._upgrade_ddl('iso28000.nonconformity', $ddl$
CREATE CONSTRAINT TRIGGER nonconformity_audit_finding_linked
    AFTER INSERT OR UPDATE OF source ON iso28000.nonconformity
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.source = 'audit_finding')
    EXECUTE FUNCTION iso28000.nonconformity_audit_finding_linked()
$ddl$);

-- A finding keeps the nonconformity it raised: its link changes neither to
-- another nonconformity nor to none, and a finding that has one is not
-- removed (IS167).  Unlinked, the nonconformity would leave the rules of
-- its audit (nonconformity_audit_independent) while keeping its source; a
-- finding regraded to minor_nc or major_nc would raise a second one.  A
-- finding without one may be linked to one (a nonconformity an earlier
-- release left without its finding).
CREATE FUNCTION iso28000.audit_finding_keeps_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF OLD.nonconformity_id IS NULL
       OR (TG_OP = 'UPDATE' AND NEW.nonconformity_id IS NOT DISTINCT FROM OLD.nonconformity_id) THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'finding % of audit % (organisation %) raised nonconformity %: it cannot %',
                    OLD.finding_id, OLD.audit_id, OLD.org_id, OLD.nonconformity_id,
                    CASE WHEN TG_OP = 'DELETE' THEN 'be removed'
                         WHEN NEW.nonconformity_id IS NULL THEN 'drop the link'
                         ELSE format('be linked to nonconformity %s instead', NEW.nonconformity_id) END
          USING ERRCODE = 'IS167',
                DETAIL = 'The link says which audit raised the nonconformity, and so who is independent enough to reject, verify or close it (ISO 28000 9.2.2, 10.2).',
                HINT = 'A nonconformity that is not one is rejected through its workflow by a person independent of the audit.',
                SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'nonconformity_id';
END
$$;
COMMENT ON FUNCTION iso28000.audit_finding_keeps_nonconformity() IS
  'ISO 28000 9.2.2, 10.2: Trigger on audit_finding (BEFORE UPDATE of nonconformity_id, BEFORE DELETE): a finding that raised a nonconformity keeps the link, and is not removed (IS167).';
SELECT iso28000._upgrade_ddl('iso28000.audit_finding', $ddl$
CREATE TRIGGER audit_finding_keeps_nonconformity
    BEFORE UPDATE OF nonconformity_id OR DELETE ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_keeps_nonconformity()
$ddl$);
SELECT iso28000._upgrade_ddl('iso28000.audit_finding', $ddl$
CREATE INDEX audit_finding_nonconformity_idx ON iso28000.audit_finding (org_id, nonconformity_id)
$ddl$);


-- planner (issue 13): the registers' policies ask iso28000.policy_has_level(org_id, level),
-- a boolean C function with a planner support function (src/membership_planner.c),
-- instead of org_id = ANY (iso28000.policy_orgs(level)), whose estimate evaluated the
-- array at plan time and asked eqsel() about every organisation of it.
CREATE FUNCTION iso28000.policy_support(internal)
RETURNS internal
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'iso28000_policy_support';
COMMENT ON FUNCTION iso28000.policy_support(internal) IS
  'Internal: planner support of policy_has_level() (index condition on org_id, selectivity).';
CREATE FUNCTION iso28000.policy_has_level(org bigint, min_level text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE
SUPPORT iso28000.policy_support
AS 'MODULE_PATHNAME', 'iso28000_policy_has_level';
COMMENT ON FUNCTION iso28000.policy_has_level(bigint, text) IS
  'True when the current role has at least the given access level in the organisation: has_level() in the form the registers'' row-level security policies call (iso28000.policy_has_level(org_id, level)); the planner makes it an index condition on org_id where that narrows the scan.';
COMMENT ON FUNCTION iso28000.policy_orgs(text) IS
  'Organisations in which the current role has at least the given access level: member_orgs() without a SET clause, the index condition on org_id that the registers'' policies become (org_id = ANY (iso28000.policy_orgs(level))).';
CREATE OR REPLACE FUNCTION iso28000.register_table(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    seq regclass;
    col record;
BEGIN
    PERFORM iso28000._require_extension_table(tbl, 'IS010', format('table %s cannot be made a register', tbl),
                'The history and the workflow engine serve only the extension''s own registers.');
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND NOT attisdropped) THEN
        RAISE EXCEPTION 'table % has no org_id column', tbl
              USING ERRCODE = 'IS005',
                    DETAIL = 'Every register belongs to an organisation through its org_id column.',
                    HINT = 'Add org_id bigint NOT NULL REFERENCES iso28000.organization, first in the primary key.',
                    SCHEMA = 'iso28000', TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl),
                    COLUMN = 'org_id';
    END IF;

    -- The standard columns of the extension's own registers say what they
    -- are, unless the register commented them itself (before this call, or
    -- after it, which overrides): org_id, and the identity column that keys a
    -- row within its organisation.  A user's table keeps its own comments:
    -- nothing of the extension stays on it after DROP EXTENSION.
    FOR col IN
        SELECT a.attname,
               CASE WHEN a.attname = 'org_id' THEN 'The organisation.'
                    ELSE 'Surrogate key within the organisation.' END AS comment
          FROM pg_attribute a
         WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
           AND (a.attname = 'org_id' OR a.attidentity <> '')
           AND col_description(tbl, a.attnum) IS NULL
           AND EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = tbl AND d.deptype = 'e')
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', tbl, col.attname, col.comment);
    END LOOP;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY member_read ON %s FOR SELECT
                      USING (iso28000.policy_has_level(org_id, ''read''))', tbl);
    EXECUTE format('CREATE POLICY member_insert ON %s FOR INSERT
                      WITH CHECK (iso28000.policy_has_level(org_id, ''write''))', tbl);
    EXECUTE format('CREATE POLICY member_update ON %s FOR UPDATE
                      USING (iso28000.policy_has_level(org_id, ''write''))
                      WITH CHECK (iso28000.policy_has_level(org_id, ''write''))', tbl);
    EXECUTE format('CREATE POLICY member_delete ON %s FOR DELETE
                      USING (iso28000.policy_has_level(org_id, ''write''))', tbl);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO PUBLIC', tbl);

    -- pg_dump keeps the rows of the extension's own registers (and the state of
    -- their identity sequences); a user's table attached here is dumped anyway.
    IF EXISTS (SELECT FROM pg_depend
                WHERE classid = 'pg_class'::regclass AND objid = tbl AND deptype = 'e') THEN
        PERFORM pg_catalog.pg_extension_config_dump(tbl, '');
        FOR seq IN
            SELECT pg_get_serial_sequence(tbl::text, attname)::regclass
              FROM pg_attribute
             WHERE attrelid = tbl AND attidentity <> '' AND NOT attisdropped
        LOOP
            PERFORM pg_catalog.pg_extension_config_dump(seq, '');
        END LOOP;
    END IF;

    -- history: every change is recorded in the organisation's chain (sql/core/05_history.sql).
    PERFORM iso28000.attach_history(tbl);
END
$$;
-- The policies of every register (the extension's and those of tables a DBA
-- registered with register_table: the tables with the history chain) that are
-- still as the extension made them.
DO $upgrade$
DECLARE
    p record;
    form constant text := '^\(org_id = ANY \(iso28000\.policy_orgs\(''(read|write|audit|manage)''::text\)\)\)$';
    lvl_qual text;
    lvl_check text;
BEGIN
    FOR p IN
        SELECT pol.polrelid::regclass AS tbl, pol.polname,
               pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) AS qual,
               pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) AS withcheck
          FROM pg_catalog.pg_policy pol
         WHERE pol.polrelid IN (SELECT tg.tgrelid FROM pg_catalog.pg_trigger tg
                                 WHERE tg.tgname = 'iso28000_history_insert')
         ORDER BY pol.polrelid, pol.polname
    LOOP
        lvl_qual := substring(p.qual FROM form);
        lvl_check := substring(p.withcheck FROM form);
        IF lvl_qual IS NOT NULL THEN
            PERFORM iso28000._upgrade_ddl(p.tbl, format('ALTER POLICY %I ON %s USING (iso28000.policy_has_level(org_id, %L))', p.polname, p.tbl, lvl_qual));
        END IF;
        IF lvl_check IS NOT NULL THEN
            PERFORM iso28000._upgrade_ddl(p.tbl, format('ALTER POLICY %I ON %s WITH CHECK (iso28000.policy_has_level(org_id, %L))', p.polname, p.tbl, lvl_check));
        END IF;
    END LOOP;
END
$upgrade$;

-- ISO 28000 9.2.2, 10.2 (trust): a finding is linked only to a nonconformity with
-- source audit_finding that no other finding links (IS168); the trigger fires on
-- INSERT too.
SELECT iso28000._upgrade_ddl('iso28000.audit_finding', $ddl$
DROP TRIGGER audit_finding_keeps_nonconformity ON iso28000.audit_finding
$ddl$);
-- (iso28000.audit_finding_keeps_nonconformity: redefined whole by a later step of this
-- script; nothing in between writes audit_finding.)
COMMENT ON FUNCTION iso28000.audit_finding_keeps_nonconformity() IS
  'ISO 28000 9.2.2, 10.2: Trigger on audit_finding (BEFORE INSERT, UPDATE of nonconformity_id, DELETE): a finding that raised a nonconformity keeps the link and is not removed (IS167); a finding is linked only to a nonconformity with source audit_finding that no other finding links (IS168).';
SELECT iso28000._upgrade_ddl('iso28000.audit_finding', $ddl$
CREATE TRIGGER audit_finding_keeps_nonconformity
    BEFORE INSERT OR UPDATE OF nonconformity_id OR DELETE ON iso28000.audit_finding
    FOR EACH ROW EXECUTE FUNCTION iso28000.audit_finding_keeps_nonconformity()
$ddl$);

-- Citus (test/citus/13_audit_rules.sql): the audit rules on a worker.
-- iso28000._table_name(regclass): the table a shard stands for, which the
-- audit triggers use instead of TG_TABLE_NAME (the shard's name on a worker:
-- audit_actor_independent took a finding for a team member there, IS158 for
-- IS154, and skipped the process and auditee checks of an auditee or a finding
-- it changed or removed; process_work_auditor_independent took an activity for
-- a process; standard_kept read audit_id of a self-assessment).  The audit
-- independence helpers in PL/pgSQL: SQL-language functions, whose
-- parameterised queries Citus cannot plan on a shard (every auditee, team
-- member and finding written after distribute() failed with "could not create
-- distributed plan").
CREATE FUNCTION iso28000._table_name(rel regclass) RETURNS text
LANGUAGE c STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_table_name';
GRANT EXECUTE ON FUNCTION iso28000._table_name(regclass) TO PUBLIC;
COMMENT ON FUNCTION iso28000._table_name(regclass) IS
  'Internal: the name (without schema) of the table a relation stands for: the Citus table of a shard or placement (person for person_102008), else the relation''s own name; what the extension''s PL/pgSQL triggers use instead of TG_TABLE_NAME, which names the shard on a worker.';

CREATE OR REPLACE FUNCTION iso28000._audit_worker_conflict(org bigint, audit bigint, persons bigint[])
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (
    SELECT format('%s works in process %s (%s): owns its %s %s (%s)', pe.full_name, pr.sms_process_id, pr.name,
                  w.works_through, w.record_id, w.record_name)
      FROM iso28000.audit_examined_process x
      JOIN iso28000.sms_process_worker w ON w.org_id = org AND w.sms_process_id = x.process_id
      JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
      JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = w.person_id
     WHERE x.org_id = org AND x.audit_id = audit AND w.person_id = ANY (persons)
     ORDER BY pr.sms_process_id, w.works_through, w.record_id
     LIMIT 1);
END
$$;

CREATE OR REPLACE FUNCTION iso28000.audit_worker_conflict(org bigint, audit bigint)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (
    SELECT iso28000._audit_worker_conflict(org, audit, ARRAY(
        SELECT a.lead_auditor_id FROM iso28000.audit a WHERE a.org_id = org AND a.audit_id = audit
        UNION
        SELECT t.person_id FROM iso28000.audit_team_member t WHERE t.org_id = org AND t.audit_id = audit)));
END
$$;

CREATE OR REPLACE FUNCTION iso28000.audit_independence_conflict(org bigint, audit bigint)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (
    WITH auditors AS (
        SELECT a.lead_auditor_id AS person_id FROM iso28000.audit a WHERE a.org_id = org AND a.audit_id = audit
        UNION
        SELECT t.person_id FROM iso28000.audit_team_member t WHERE t.org_id = org AND t.audit_id = audit)
    SELECT coalesce(
      (SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name)
         FROM iso28000.audit_examined_process x
         JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
         JOIN auditors au ON au.person_id = pr.owner_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
        WHERE x.org_id = org AND x.audit_id = audit
        ORDER BY pr.sms_process_id LIMIT 1),
      (SELECT format('%s is an auditee of audit %s', pe.full_name, audit)
         FROM iso28000.audit_auditee x
         JOIN auditors au ON au.person_id = x.person_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = x.person_id
        WHERE x.org_id = org AND x.audit_id = audit
        ORDER BY x.person_id LIMIT 1),
      iso28000.audit_worker_conflict(org, audit)));
END
$$;

CREATE OR REPLACE FUNCTION iso28000.audit_person_conflict(org bigint, audit bigint, person bigint)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (
    SELECT coalesce(
      (SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name)
         FROM iso28000.audit_examined_process x
         JOIN iso28000.sms_process pr ON pr.org_id = org AND pr.sms_process_id = x.process_id
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
        WHERE x.org_id = org AND x.audit_id = audit AND pr.owner_id = person
        ORDER BY pr.sms_process_id LIMIT 1),
      (SELECT format('%s is an auditee of audit %s', pe.full_name, audit)
         FROM iso28000.audit_auditee x
         JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = x.person_id
        WHERE x.org_id = org AND x.audit_id = audit AND x.person_id = person
        LIMIT 1),
      iso28000._audit_worker_conflict(org, audit, ARRAY[person])));
END
$$;

CREATE OR REPLACE FUNCTION iso28000.standard_kept()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    n bigint;
    id bigint;
BEGIN
    IF NEW.standard IS NOT DISTINCT FROM OLD.standard THEN
        RETURN NEW;
    END IF;
    IF tbl = 'self_assessment' THEN
        id := OLD.assessment_id;
        SELECT count(*) INTO n FROM iso28000.assessment_result r
         WHERE r.org_id OPERATOR(pg_catalog.=) OLD.org_id AND r.assessment_id OPERATOR(pg_catalog.=) id;
    ELSE
        id := OLD.audit_id;
        SELECT count(*) INTO n FROM iso28000.audit_finding f
         WHERE f.org_id OPERATOR(pg_catalog.=) OLD.org_id AND f.audit_id OPERATOR(pg_catalog.=) id;
    END IF;
    IF n > 0 THEN
        RAISE EXCEPTION '% % cannot change its standard from % to %: it has % %',
                        tbl, id, OLD.standard, NEW.standard, n,
                        CASE tbl WHEN 'self_assessment' THEN 'results' ELSE 'findings' END
              USING ERRCODE = 'IS546',
                    DETAIL = 'Results and findings name clauses of the standard their assessment or audit had when they were recorded.',
                    HINT = 'Record a new assessment or audit of the other standard, or read this one through a clause map (conformity_projection, audit_projection).',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = 'standard';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION iso28000.audit_check_independence()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    conflict text;
BEGIN
    PERFORM 1 FROM iso28000.audit a
      WHERE a.org_id = NEW.org_id AND a.audit_id = NEW.audit_id
        FOR NO KEY UPDATE;
    PERFORM 1 FROM iso28000.sms_process p
      WHERE p.org_id = NEW.org_id
        AND p.sms_process_id IN (SELECT x.process_id FROM iso28000.audit_examined_process x
                                  WHERE x.org_id = NEW.org_id AND x.audit_id = NEW.audit_id)
      ORDER BY p.sms_process_id
        FOR SHARE OF p;
    conflict := iso28000.audit_independence_conflict(NEW.org_id, NEW.audit_id);
    IF conflict IS NOT NULL AND conflict = iso28000.audit_worker_conflict(NEW.org_id, NEW.audit_id) THEN
        RAISE EXCEPTION 'auditor independence violated in audit % of organisation %: an auditor works in a process it examines',
                        NEW.audit_id, NEW.org_id
              USING ERRCODE = 'IS160',
                    DETAIL = conflict || '; an auditor may not audit his own work (ISO 28000 9.2.2), and who owns an activity or a control of a process works in it.',
                    HINT = 'Choose an auditor who does not work in the processes the audit examines, or leave the process out of its scope.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl,
                    COLUMN = CASE tbl WHEN 'audit' THEN 'lead_auditor_id'
                                                WHEN 'audit_team_member' THEN 'person_id'
                                                ELSE 'process_id' END;
    END IF;
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION 'auditor independence violated in audit %', NEW.audit_id
              USING ERRCODE = 'IS302',
                    DETAIL = conflict || '; an auditor may not audit a process they own, nor be audited by the same audit (ISO 28000 9.2.2).',
                    HINT = 'Choose another auditor for this audit, or leave the process out of its scope.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl,
                    COLUMN = CASE tbl WHEN 'audit' THEN 'lead_auditor_id'
                                                WHEN 'audit_team_member' THEN 'person_id'
                                                ELSE 'process_id' END;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION iso28000.process_work_auditor_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    person bigint;
    process bigint;
    what text;
    col text;
    hit record;
BEGIN
    IF tbl = 'activity' THEN
        IF NEW.owner_id IS NULL OR NOT NEW.active
           OR (TG_OP = 'UPDATE' AND OLD.active AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id
               AND OLD.sms_process_id IS NOT DISTINCT FROM NEW.sms_process_id) THEN
            RETURN NULL;
        END IF;
        what := format('activity %s (%s)', NEW.activity_id, NEW.name);
        col := CASE WHEN TG_OP = 'INSERT' OR OLD.owner_id IS DISTINCT FROM NEW.owner_id THEN 'owner_id'
                    WHEN OLD.sms_process_id IS DISTINCT FROM NEW.sms_process_id THEN 'sms_process_id'
                    ELSE 'active' END;
    ELSIF tbl = 'control' THEN
        IF NEW.owner_id IS NULL OR NEW.sms_process_id IS NULL OR NEW.retired_on IS NOT NULL
           OR (TG_OP = 'UPDATE' AND OLD.retired_on IS NULL AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id
               AND OLD.sms_process_id IS NOT DISTINCT FROM NEW.sms_process_id) THEN
            RETURN NULL;
        END IF;
        what := format('control %s (%s)', NEW.control_id, NEW.code);
        col := CASE WHEN TG_OP = 'INSERT' OR OLD.owner_id IS DISTINCT FROM NEW.owner_id THEN 'owner_id'
                    WHEN OLD.sms_process_id IS DISTINCT FROM NEW.sms_process_id THEN 'sms_process_id'
                    ELSE 'retired_on' END;
    ELSE
        IF NEW.owner_id IS NOT DISTINCT FROM OLD.owner_id THEN
            RETURN NULL;
        END IF;
        what := 'the ownership';
        col := 'owner_id';
    END IF;
    person := NEW.owner_id;
    process := NEW.sms_process_id;
    IF tbl <> 'sms_process' THEN
        PERFORM 1 FROM iso28000.sms_process p
          WHERE p.org_id = NEW.org_id AND p.sms_process_id = process
            FOR NO KEY UPDATE;
    END IF;
    SELECT a.audit_id, a.title, a.status, pr.name AS process_name, pe.full_name,
           CASE WHEN a.lead_auditor_id = person THEN 'the lead auditor' ELSE 'a member of the team' END AS role
      INTO hit
      FROM iso28000.audit a
      JOIN iso28000.sms_process pr ON pr.org_id = a.org_id AND pr.sms_process_id = process
      JOIN iso28000.person pe ON pe.org_id = a.org_id AND pe.person_id = person
     WHERE a.org_id = NEW.org_id AND a.status IN ('planned', 'in_progress', 'reported')
       AND (a.lead_auditor_id = person
            OR EXISTS (SELECT FROM iso28000.audit_team_member t
                        WHERE t.org_id = a.org_id AND t.audit_id = a.audit_id AND t.person_id = person))
       AND EXISTS (SELECT FROM iso28000.audit_examined_process x
                    WHERE x.org_id = a.org_id AND x.audit_id = a.audit_id AND x.process_id = process)
     ORDER BY a.audit_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%.% of organisation %: % of process % (%) cannot go to person % (%), % of audit % (%, %), which examines the process',
                        TG_TABLE_SCHEMA, tbl, NEW.org_id, what, process, hit.process_name,
                        person, hit.full_name, hit.role, hit.audit_id, hit.title, hit.status
              USING ERRCODE = CASE WHEN tbl = 'sms_process' THEN 'IS165' ELSE 'IS164' END,
                    DETAIL = CASE WHEN tbl = 'sms_process'
                                  THEN 'An auditor may not audit a process he owns (ISO 28000 9.2.2); the audit is not over.'
                                  ELSE 'An auditor may not audit his own work (ISO 28000 9.2.2), and who owns an activity or a control of a process works in it; the audit is not over.' END,
                    HINT = 'Give it to someone who does not audit the process, or take the person off the audit (a manager changes its lead auditor) first.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = col;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION iso28000.audit_actor_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    org bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.org_id ELSE NEW.org_id END;
    me bigint := iso28000.acting_person(org);
    conflict text;
BEGIN
    IF me IS NULL THEN
        IF iso28000._has_owner_privileges() THEN
            RETURN NULL;
        END IF;
        IF tbl = 'audit_finding' THEN
            RAISE EXCEPTION '%.% of organisation %: a finding of audit % needs a person who found it; the session acts for nobody',
                            TG_TABLE_SCHEMA, tbl, org,
                            CASE WHEN TG_OP = 'DELETE' THEN OLD.audit_id ELSE NEW.audit_id END
                  USING ERRCODE = 'IS154',
                        DETAIL = format('Role %s has no person in organisation %s and declared none in this transaction; the independence of who writes a finding can only be judged for a person (ISO 28000 9.2.2).', current_user, org),
                        HINT = 'Write findings through a person''s own login, or call iso28000.act_as(org, person) first in the transaction of a delegated application.',
                        SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = 'audit_id';
        END IF;
        RAISE EXCEPTION '%.% of organisation %: % of audit % needs a person who % it; the session acts for nobody',
                        TG_TABLE_SCHEMA, tbl, org,
                        CASE WHEN tbl = 'audit_auditee' THEN 'an auditee' ELSE 'a member of the team' END,
                        CASE WHEN TG_OP = 'DELETE' THEN OLD.audit_id ELSE NEW.audit_id END,
                        CASE TG_OP WHEN 'INSERT' THEN 'adds' WHEN 'UPDATE' THEN 'changes' ELSE 'removes' END
              USING ERRCODE = 'IS158',
                    DETAIL = format('Role %s has no person in organisation %s and declared none in this transaction; who chooses what an audit examines and who audits can only be judged independent for a person (ISO 28000 9.2.2).', current_user, org),
                    HINT = 'Plan the audit through a person''s own login, or call iso28000.act_as(org, person) first in the transaction of a delegated application.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = 'audit_id';
    END IF;
    IF TG_OP <> 'INSERT' THEN
        -- the row as it was: a process it named, the person it named
        conflict := iso28000.audit_person_conflict(org, OLD.audit_id, me);
        IF conflict IS NULL AND tbl IN ('audit_finding', 'audit_auditee') THEN
            IF OLD.process_id IS NOT NULL THEN
                SELECT format('%s owns process %s (%s)', pe.full_name, pr.sms_process_id, pr.name) INTO conflict
                  FROM iso28000.sms_process pr
                  JOIN iso28000.person pe ON pe.org_id = org AND pe.person_id = pr.owner_id
                 WHERE pr.org_id = org AND pr.sms_process_id = OLD.process_id AND pr.owner_id = me;
            END IF;
        END IF;
        IF conflict IS NULL AND tbl = 'audit_auditee' THEN
            IF OLD.person_id = me THEN
                conflict := format('person %s is an auditee of audit %s', me, OLD.audit_id);
            END IF;
        END IF;
    END IF;
    IF conflict IS NULL AND TG_OP <> 'DELETE' THEN
        conflict := iso28000.audit_person_conflict(org, NEW.audit_id, me);
    END IF;
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION '%.% of organisation %: the acting person % is not independent of audit %',
                        TG_TABLE_SCHEMA, tbl, org, me,
                        CASE WHEN TG_OP = 'DELETE' THEN OLD.audit_id ELSE NEW.audit_id END
              USING ERRCODE = 'IS152',
                    DETAIL = conflict || '; who is examined by an audit may not write its findings, auditees or team (ISO 28000 9.2.2).',
                    HINT = 'An auditor of the audit (or a person independent of it) records the change.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = 'audit_id';
    END IF;
    RETURN NULL;
END
$$;

-- Citus: audit_finding_raise_nonconformity() computes the severity before its INSERT
-- (a CASE over NEW.grade inside the INSERT failed on a worker: "operator does not
-- exist: iso28000.conformity_grade = boolean").
CREATE OR REPLACE FUNCTION iso28000.audit_finding_raise_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lead bigint;
    audit_title text;
    -- computed before the INSERT: on a Citus worker the INSERT is deparsed and
    -- CASE over NEW.grade there became "conformity_grade = boolean"
    sev text := CASE NEW.grade WHEN 'major_nc' THEN 'major' ELSE 'minor' END;
BEGIN
    IF NEW.grade NOT IN ('minor_nc', 'major_nc') OR NEW.nonconformity_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT a.lead_auditor_id, a.title INTO lead, audit_title
      FROM iso28000.audit a WHERE a.org_id = NEW.org_id AND a.audit_id = NEW.audit_id;
    -- the finding that links the nonconformity is written after this trigger:
    -- its check waits for the commit even if the session asked for it at once
    SET CONSTRAINTS iso28000.nonconformity_audit_finding_linked DEFERRED;
    INSERT INTO iso28000.nonconformity (org_id, title, description, source, source_ref, clause, severity,
                                        detected_on, reported_by, standard)
    VALUES (NEW.org_id,
            left(format('Audit finding on %s: %s', NEW.clause, NEW.statement), 200),
            concat_ws(E'\n', NEW.statement, 'Evidence: ' || NEW.evidence, 'Audit: ' || audit_title),
            'audit_finding', format('audit %s, finding %s', NEW.audit_id, NEW.finding_id),
            NEW.clause, sev,
            NEW.found_on, lead, NEW.standard)
    RETURNING nonconformity_id INTO NEW.nonconformity_id;
    RETURN NEW;
END
$$;

-- Citus: the trigger functions that decide by table ask iso28000._table_name(TG_RELID)
-- instead of TG_TABLE_NAME, the shard's name on a worker, where they took the other
-- table's branch: maturity_on_scale failed every assessment_result written after
-- distribute() (record "new" has no field "target_level"), dependency_inclusion_guard
-- checked the dependent node of a supply_chain_dependency instead of the provider,
-- segment_assessment_part_guard read node_control_id of a scenario score
-- (test/citus/14_table_branches.sql).
CREATE OR REPLACE FUNCTION iso28000.dependency_inclusion_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
  target bigint;
  old_target bigint;
  newrank integer := iso28000.criticality_rank(NEW.criticality);
  n record;
BEGIN
  IF tbl = 'supply_chain_dependency' THEN
    target := NEW.depends_on_id;
    old_target := CASE WHEN TG_OP = 'UPDATE' THEN OLD.depends_on_id END;
  ELSE
    target := NEW.node_id;
    old_target := CASE WHEN TG_OP = 'UPDATE' THEN OLD.node_id END;
  END IF;
  IF newrank >= 3
     AND (TG_OP = 'INSERT' OR target IS DISTINCT FROM old_target
          OR newrank > iso28000.criticality_rank(OLD.criticality)) THEN
    SELECT sn.kind, sn.active AND sn.external AS provider INTO n
      FROM iso28000.supply_chain_node sn WHERE sn.org_id = NEW.org_id AND sn.node_id = target;
    IF coalesce(n.provider, false) THEN
      PERFORM iso28000._provider_inclusion_check(
        NEW.org_id, target, n.kind,
        greatest(iso28000.provider_reliance(NEW.org_id, target), newrank),
        true, 'IS521', tbl, 'criticality',
        format('iso28000.%s of organisation %s: a %s link to node %s', tbl, NEW.org_id, NEW.criticality, target));
    END IF;
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION iso28000.segment_assessment_part_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
  rec record := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  ids bigint[];
  a record;
  nd bigint;
BEGIN
  IF tbl = 'segment_scenario_score' THEN
    ids := ARRAY[rec.segment_assessment_id] || CASE WHEN TG_OP = 'UPDATE' THEN ARRAY[OLD.segment_assessment_id] ELSE '{}' END;
  ELSE
    SELECT array_agg(s.segment_assessment_id) INTO ids FROM iso28000.segment_scenario_score s
     WHERE s.org_id = rec.org_id
       AND s.score_id IN (rec.score_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.score_id END);
  END IF;
  FOR a IN SELECT x.segment_assessment_id, x.segment_id, x.status FROM iso28000.segment_assessment x
            WHERE x.org_id = rec.org_id AND x.segment_assessment_id = ANY (ids) LOOP
    IF a.status IN ('approved', 'withdrawn') THEN
      RAISE EXCEPTION 'iso28000.% of organisation %: assessment % is %, its scores and countermeasures cannot change',
                      tbl, rec.org_id, a.segment_assessment_id, a.status
        USING ERRCODE = 'IS533', SCHEMA = 'iso28000', TABLE = tbl,
              COLUMN = CASE WHEN tbl = 'segment_scenario_score' THEN 'segment_assessment_id' ELSE 'score_id' END,
              DETAIL = 'An approved assessment is a record of what was decided; a new assessment records a change.';
    END IF;
  END LOOP;
  IF TG_OP <> 'DELETE' THEN
    IF tbl = 'segment_scenario_score' THEN
      nd := NEW.node_id;
    ELSE
      SELECT c.node_id INTO nd FROM iso28000.node_control c
       WHERE c.org_id = NEW.org_id AND c.node_control_id = NEW.node_control_id;
    END IF;
    IF nd IS NOT NULL AND NOT EXISTS (
         SELECT FROM iso28000.segment_assessment x
           JOIN iso28000.segment_node sn ON sn.org_id = x.org_id AND sn.segment_id = x.segment_id
          WHERE x.org_id = NEW.org_id AND x.segment_assessment_id = ANY (ids) AND sn.node_id = nd) THEN
      RAISE EXCEPTION 'iso28000.% of organisation %: node % is not a node of the assessed segment',
                      tbl, NEW.org_id, nd
        USING ERRCODE = 'IS534', SCHEMA = 'iso28000', TABLE = tbl,
              COLUMN = CASE WHEN tbl = 'segment_scenario_score' THEN 'node_id' ELSE 'node_control_id' END,
              DETAIL = 'A scenario is scored, and a control applied, at a node of the segment (segment_node).';
    END IF;
  END IF;
  RETURN rec;
END
$$;

CREATE OR REPLACE FUNCTION iso28000.maturity_on_scale()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    lvl integer;
    col text;
BEGIN
    IF tbl = 'assessment_result' THEN
        lvl := NEW.maturity; col := 'maturity';
    ELSE
        lvl := NEW.target_level; col := 'target_level';
    END IF;
    -- maturity_scale's rows of the organisation at that level, read from its
    -- tables: on a Citus worker the view (organization, a reference table,
    -- crossed with the defaults) is no query a trigger on a shard may run
    -- ("cannot execute a distributed query from a query on a shard").
    IF lvl IS NOT NULL
       AND NOT EXISTS (SELECT FROM iso28000.maturity_level m
                        WHERE m.org_id OPERATOR(pg_catalog.=) NEW.org_id
                          AND m.level OPERATOR(pg_catalog.=) lvl AND m.in_use)
       AND (NOT EXISTS (SELECT FROM iso28000.maturity_level_default d WHERE d.level OPERATOR(pg_catalog.=) lvl)
            OR EXISTS (SELECT FROM iso28000.maturity_level m
                        WHERE m.org_id OPERATOR(pg_catalog.=) NEW.org_id
                          AND m.level OPERATOR(pg_catalog.=) lvl)) THEN
        RAISE EXCEPTION 'maturity level % is not on the scale of organisation % (%.% of clause %)', lvl, NEW.org_id, tbl, col, NEW.clause
              USING ERRCODE = 'IS547',
                    DETAIL = 'A maturity level is one of the organisation''s scale: the default levels 0 to 5 it has not retired and the levels it defined (maturity_scale).',
                    HINT = 'Choose a level of maturity_scale, or define it in maturity_level first.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = col;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION iso28000.incident_link_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    org   bigint;
    inc   bigint;
    st    text;
BEGIN
    FOR org, inc IN
        SELECT DISTINCT x.org_id, x.incident_id
          FROM (SELECT OLD.org_id, OLD.incident_id WHERE TG_OP <> 'INSERT'
                UNION ALL
                SELECT NEW.org_id, NEW.incident_id WHERE TG_OP <> 'DELETE') AS x (org_id, incident_id)
    LOOP
        SELECT i.status INTO st FROM iso28000.security_incident i
         WHERE i.org_id OPERATOR(pg_catalog.=) org AND i.incident_id OPERATOR(pg_catalog.=) inc
           FOR SHARE;
        IF st IN ('closed', 'dismissed') THEN
            RAISE EXCEPTION 'iso28000.security_incident (org_id, incident_id)=(%, %) is %: its % cannot change', org, inc, st,
                            CASE tbl WHEN 'incident_risk' THEN 'risks' WHEN 'incident_node' THEN 'nodes' ELSE 'processes' END
                  USING ERRCODE = 'IS503', SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = 'incident_id',
                        DETAIL = format('%s of organisation %s cannot be inserted, changed or deleted once its incident is %s.', tbl, org, st),
                        HINT = 'Record what came later in the incident''s timeline, or open a new incident.';
        END IF;
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- Citus: process_work_auditor_independent() names the organisation on every
-- table of its look-up and reads audit_examined_process's two tables: on a
-- worker the view (a UNION) in a correlated sub-select made the look-up a query
-- over every shard, which a trigger on a shard may not run ("cannot execute a
-- distributed query from a query on a shard": every activity written after
-- distribute() failed; test/citus/13_audit_rules.sql).
CREATE OR REPLACE FUNCTION iso28000.process_work_auditor_independent()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
    person bigint;
    process bigint;
    what text;
    col text;
    hit record;
BEGIN
    IF tbl = 'activity' THEN
        IF NEW.owner_id IS NULL OR NOT NEW.active
           OR (TG_OP = 'UPDATE' AND OLD.active AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id
               AND OLD.sms_process_id IS NOT DISTINCT FROM NEW.sms_process_id) THEN
            RETURN NULL;
        END IF;
        what := format('activity %s (%s)', NEW.activity_id, NEW.name);
        col := CASE WHEN TG_OP = 'INSERT' OR OLD.owner_id IS DISTINCT FROM NEW.owner_id THEN 'owner_id'
                    WHEN OLD.sms_process_id IS DISTINCT FROM NEW.sms_process_id THEN 'sms_process_id'
                    ELSE 'active' END;
    ELSIF tbl = 'control' THEN
        IF NEW.owner_id IS NULL OR NEW.sms_process_id IS NULL OR NEW.retired_on IS NOT NULL
           OR (TG_OP = 'UPDATE' AND OLD.retired_on IS NULL AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id
               AND OLD.sms_process_id IS NOT DISTINCT FROM NEW.sms_process_id) THEN
            RETURN NULL;
        END IF;
        what := format('control %s (%s)', NEW.control_id, NEW.code);
        col := CASE WHEN TG_OP = 'INSERT' OR OLD.owner_id IS DISTINCT FROM NEW.owner_id THEN 'owner_id'
                    WHEN OLD.sms_process_id IS DISTINCT FROM NEW.sms_process_id THEN 'sms_process_id'
                    ELSE 'retired_on' END;
    ELSE
        IF NEW.owner_id IS NOT DISTINCT FROM OLD.owner_id THEN
            RETURN NULL;
        END IF;
        what := 'the ownership';
        col := 'owner_id';
    END IF;
    person := NEW.owner_id;
    process := NEW.sms_process_id;
    IF tbl <> 'sms_process' THEN
        PERFORM 1 FROM iso28000.sms_process p
          WHERE p.org_id = NEW.org_id AND p.sms_process_id = process
            FOR NO KEY UPDATE;
    END IF;
    SELECT a.audit_id, a.title, a.status, pr.name AS process_name, pe.full_name,
           CASE WHEN a.lead_auditor_id = person THEN 'the lead auditor' ELSE 'a member of the team' END AS role
      INTO hit
      FROM iso28000.audit a
      JOIN iso28000.sms_process pr ON pr.org_id = NEW.org_id AND pr.sms_process_id = process
      JOIN iso28000.person pe ON pe.org_id = NEW.org_id AND pe.person_id = person
     WHERE a.org_id = NEW.org_id AND a.status IN ('planned', 'in_progress', 'reported')
       AND (a.lead_auditor_id = person
            OR EXISTS (SELECT FROM iso28000.audit_team_member t
                        WHERE t.org_id = NEW.org_id AND t.audit_id = a.audit_id AND t.person_id = person))
       -- audit_examined_process's two tables, each with the organisation named:
       -- on a Citus worker the view (a UNION) in a correlated sub-select made
       -- this a query over every shard, which a trigger on a shard may not run
       AND (EXISTS (SELECT FROM iso28000.audit_auditee x
                     WHERE x.org_id = NEW.org_id AND x.audit_id = a.audit_id AND x.process_id = process)
            OR EXISTS (SELECT FROM iso28000.audit_finding f
                        WHERE f.org_id = NEW.org_id AND f.audit_id = a.audit_id AND f.process_id = process))
     ORDER BY a.audit_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%.% of organisation %: % of process % (%) cannot go to person % (%), % of audit % (%, %), which examines the process',
                        TG_TABLE_SCHEMA, tbl, NEW.org_id, what, process, hit.process_name,
                        person, hit.full_name, hit.role, hit.audit_id, hit.title, hit.status
              USING ERRCODE = CASE WHEN tbl = 'sms_process' THEN 'IS165' ELSE 'IS164' END,
                    DETAIL = CASE WHEN tbl = 'sms_process'
                                  THEN 'An auditor may not audit a process he owns (ISO 28000 9.2.2); the audit is not over.'
                                  ELSE 'An auditor may not audit his own work (ISO 28000 9.2.2), and who owns an activity or a control of a process works in it; the audit is not over.' END,
                    HINT = 'Give it to someone who does not audit the process, or take the person off the audit (a manager changes its lead auditor) first.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl, COLUMN = col;
    END IF;
    RETURN NULL;
END
$$;

-- Import (import_registers): a nonconformity with source audit_finding that no finding
-- links (IS166, checked at commit) is listed by the dry run with its row and refused
-- by a real run in its own call.
-- (iso28000.import_registers: redefined by a later step of this script.)

-- citus: provider inclusion after distribute() (doc/distribution.md, "Provider inclusion on a cluster"):
-- the inclusion functions in PL/pgSQL, reading the views through _org_view_sql().
CREATE FUNCTION iso28000._org_relation(rel regclass, org bigint) RETURNS text
LANGUAGE c STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_org_relation';
GRANT EXECUTE ON FUNCTION iso28000._org_relation(regclass, bigint) TO PUBLIC;
COMMENT ON FUNCTION iso28000._org_relation(regclass, bigint) IS
  'Internal: the qualified name to read an organisation''s rows of a table from in SQL: the organisation''s Citus shard of it when this node holds that shard, else the table itself.';

CREATE FUNCTION iso28000._org_view_sql(view regclass, org bigint) RETURNS text
LANGUAGE c STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_org_view_sql';
GRANT EXECUTE ON FUNCTION iso28000._org_view_sql(regclass, bigint) TO PUBLIC;

-- (iso28000.provider_reliance: redefined by a later step of this script.)

-- (iso28000.provider_requirement_check: redefined by a later step of this script.)

CREATE OR REPLACE FUNCTION iso28000.provider_unmet_requirement(org bigint, node bigint, node_kind text, reliance integer)
RETURNS TABLE (requirement_id bigint, requirement_code text, status text,
               exception_id bigint, exception_expired_on date)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c record;
BEGIN
  -- One query per requirement short (a few): each reads one register of one
  -- organisation, which Citus routes to its shard, also from a shard.
  FOR c IN SELECT k.requirement_id, k.requirement_code, k.status
             FROM iso28000.provider_requirement_check(org, node, node_kind, reliance) k
            WHERE k.status <> ALL (ARRAY['met', 'expiring'])
  LOOP
    requirement_id := c.requirement_id;
    requirement_code := c.requirement_code;
    status := c.status;
    exception_expired_on := NULL;
    SELECT e.exception_id INTO exception_id FROM iso28000.provider_exception e
     WHERE e.org_id = org AND e.node_id = node AND e.status = 'approved'
       AND (e.requirement_id IS NULL OR e.requirement_id = c.requirement_id)
       AND e.valid_from <= current_date AND e.valid_until >= current_date
     ORDER BY e.valid_until DESC, e.exception_id LIMIT 1;
    IF exception_id IS NULL THEN
      SELECT e.valid_until INTO exception_expired_on FROM iso28000.provider_exception e
       WHERE e.org_id = org AND e.node_id = node AND e.status = 'approved'
         AND (e.requirement_id IS NULL OR e.requirement_id = c.requirement_id)
         AND e.valid_until < current_date
       ORDER BY e.valid_until DESC LIMIT 1;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION iso28000._provider_refresh(org bigint, node bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: Citus cannot plan an SQL function's parameterised
  -- statement on a shard.
  INSERT INTO iso28000.provider_inclusion AS i (org_id, node_id) VALUES (org, node)
  ON CONFLICT (org_id, node_id) DO UPDATE SET state = i.state;
END
$$;

-- citus: risk_criteria_guard names the table, not the shard (iso28000._table_name(TG_RELID)).
CREATE OR REPLACE FUNCTION iso28000.risk_criteria_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  org bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.org_id ELSE NEW.org_id END;
  tbl text := iso28000._table_name(TG_RELID);   -- TG_TABLE_NAME names the shard on a Citus worker
BEGIN
  IF NOT coalesce(iso28000.has_level(org, 'manage'), false) THEN
    RAISE EXCEPTION 'role "%" cannot % %.% of organisation %: the risk criteria need level manage',
                    current_user, lower(TG_OP), TG_TABLE_SCHEMA, tbl, org
      USING ERRCODE = 'IS001', SCHEMA = TG_TABLE_SCHEMA, TABLE = tbl,
            DETAIL = 'The risk matrix and the risk appetite decide which risks are acceptable (ISO 28000 6.1.2); top management sets them.',
            HINT = 'A manager of the organisation makes the change.';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- 0.3.0: announcing the outbox only when a mailer listens (iso28000.notify_announce = listen):
-- a mailer calls iso28000.listen() instead of LISTEN (src/notification_listen.c).
CREATE FUNCTION iso28000.listen()
RETURNS boolean
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_listen';
REVOKE ALL ON FUNCTION iso28000.listen() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.listen() IS
  'For a mailer: LISTEN iso28000_notification, and takes for the session the lock that tells writers under iso28000.notify_announce = listen to announce their rows (waiting for the commits in progress that announced nothing). Read the undelivered rows after the transaction that called it commits. True when it started listening, false when the session already did. Needs level read in an organisation (IS553); not granted to PUBLIC: a DBA grants it to the mailer''s role.';

CREATE FUNCTION iso28000.unlisten()
RETURNS boolean
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_unlisten';
REVOKE ALL ON FUNCTION iso28000.unlisten() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.unlisten() IS
  'For a mailer: UNLISTEN iso28000_notification, and releases the listener lock of iso28000.listen() when the transaction commits; true when the session held it. Not granted to PUBLIC.';


-- One finding per nonconformity (IS168) as a unique constraint,
-- audit_finding_one_per_nonconformity (replacing the plain index
-- audit_finding_nonconformity_idx): two sessions linking two findings to one
-- nonconformity at once could both commit.  The trigger takes the
-- nonconformity's row FOR NO KEY UPDATE before its check, so that the later
-- one waits and fails as IS168.  0.1.0 and 0.2.0 let two findings link one
-- nonconformity; the upgrade does not choose which keeps the link (it says
-- whose independence judges the nonconformity's rejection, verification and
-- closure): it refuses (IS585), naming them, and changes nothing.
DO $$
DECLARE
    n bigint;
    dup text;
BEGIN
    IF NOT iso28000._upgrade_data_here() THEN
        RETURN;
    END IF;
    SELECT count(*), string_agg(format('nonconformity %s of organisation %s (findings %s)', d.nonconformity_id, d.org_id, d.findings),
                                '; ' ORDER BY d.org_id, d.nonconformity_id)
      INTO n, dup
      FROM (SELECT f.org_id, f.nonconformity_id, string_agg(f.finding_id::text, ', ' ORDER BY f.finding_id) AS findings
              FROM iso28000.audit_finding f
             WHERE f.nonconformity_id IS NOT NULL
             GROUP BY f.org_id, f.nonconformity_id
            HAVING count(*) > 1) d;
    IF n > 0 THEN
        RAISE EXCEPTION 'iso28000 0.3.0 cannot be installed: % linked by more than one audit finding: %',
                        CASE WHEN n = 1 THEN 'one nonconformity is' ELSE n || ' nonconformities are' END, dup
              USING ERRCODE = 'IS585',
                    DETAIL = 'From 0.3.0 one finding links a nonconformity (IS168, constraint audit_finding_one_per_nonconformity): the link says which audit''s independence judges who may reject, verify and close it (ISO 28000 9.2.2, 10.2). The upgrade does not choose which finding keeps it; nothing was changed.',
                    HINT = 'Leave one finding linked to each, set nonconformity_id to NULL on the others (the installed release allows it: UPDATE iso28000.audit_finding SET nonconformity_id = NULL WHERE org_id = ... AND finding_id = ...), then run ALTER EXTENSION iso28000 UPDATE again.',
                    SCHEMA = 'iso28000', TABLE = 'audit_finding', COLUMN = 'nonconformity_id';
    END IF;
END
$$;
SELECT iso28000._upgrade_ddl('iso28000.audit_finding', $ddl$
DROP INDEX iso28000.audit_finding_nonconformity_idx
$ddl$);
SELECT iso28000._upgrade_ddl('iso28000.audit_finding', $ddl$
ALTER TABLE iso28000.audit_finding
  ADD CONSTRAINT audit_finding_one_per_nonconformity UNIQUE (org_id, nonconformity_id)
$ddl$);
-- (iso28000.audit_finding_keeps_nonconformity: redefined by a later step of this script.)
COMMENT ON FUNCTION iso28000.audit_finding_keeps_nonconformity() IS
  'ISO 28000 9.2.2, 10.2: Trigger on audit_finding (BEFORE INSERT, UPDATE of nonconformity_id, DELETE): a finding that raised a nonconformity keeps the link and is not removed (IS167); a finding is linked only to a nonconformity with source audit_finding that no other finding links (IS168), checked after taking the nonconformity''s row FOR NO KEY UPDATE, so that two sessions linking one nonconformity at once queue (the unique constraint audit_finding_one_per_nonconformity holds whatever the isolation level).';

-- IS166's condition stated once, iso28000._nonconformity_lacks_finding(org, nc):
-- asked by the constraint trigger nonconformity_audit_finding_linked and by
-- import_registers (which lists it per row before the commit).
-- PL/pgSQL, not SQL: Citus cannot plan an SQL function's parameterised
-- query from a trigger on a shard.
CREATE FUNCTION iso28000._nonconformity_lacks_finding(org bigint, nc bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN EXISTS (SELECT FROM iso28000.nonconformity n
                    WHERE n.org_id OPERATOR(pg_catalog.=) org
                      AND n.nonconformity_id OPERATOR(pg_catalog.=) nc
                      AND n.source OPERATOR(pg_catalog.=) 'audit_finding'
                      AND NOT EXISTS (SELECT FROM iso28000.audit_finding f
                                       WHERE f.org_id OPERATOR(pg_catalog.=) n.org_id
                                         AND f.nonconformity_id OPERATOR(pg_catalog.=) n.nonconformity_id));
END
$$;
COMMENT ON FUNCTION iso28000._nonconformity_lacks_finding(bigint, bigint) IS
  'Internal: true when nonconformity nc of organisation org has source audit_finding and no audit finding links it (audit_finding.nonconformity_id), read as the row is now: the condition of IS166, asked by the constraint trigger nonconformity_audit_finding_linked and by import_registers.';

CREATE OR REPLACE FUNCTION iso28000.nonconformity_audit_finding_linked()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.source = 'audit_finding' THEN
        RETURN NULL;
    END IF;
    IF iso28000._has_owner_privileges() THEN
        RETURN NULL;
    END IF;
    -- the row as it is now: a later statement of the transaction may have changed its source
    IF iso28000._nonconformity_lacks_finding(NEW.org_id, NEW.nonconformity_id) THEN
        RAISE EXCEPTION 'nonconformity % of organisation % has source audit_finding but no audit finding links it',
                        NEW.nonconformity_id, NEW.org_id
              USING ERRCODE = 'IS166',
                    DETAIL = format('Source reference: %s. A nonconformity is raised by an audit finding when the finding is graded minor_nc or major_nc; the independence of that audit then decides who may reject, verify and close it (ISO 28000 9.2.2, 10.2).', coalesce(NEW.source_ref, 'none')),
                    HINT = 'Record the finding (grade minor_nc or major_nc) in its audit, which raises the nonconformity, or give this one another source.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'source';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION iso28000.nonconformity_audit_finding_linked() IS
  'ISO 28000 9.2.2, 10.2: Constraint trigger on nonconformity (AFTER INSERT or UPDATE of source, deferred to the commit): a nonconformity given source audit_finding must be linked by an audit finding (audit_finding.nonconformity_id) when the transaction commits (IS166); roles with the privileges of the extension''s owner are let through.';
CREATE OR REPLACE FUNCTION iso28000.import_registers(org bigint, data jsonb, dry_run boolean DEFAULT true)
RETURNS TABLE (register text, row_number integer, row_key text, column_name text, sqlstate text, message text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  regs jsonb;
  problems jsonb := '[]';
  keys jsonb := '{}';          -- register -> {_key -> new id}
  seen jsonb := '{}';          -- register -> {_key -> true}, every row read
  rowmap jsonb := '{}';        -- register -> {new id -> row number}, for the inclusion checks
  t record;
  ref iso28000.transfer_reference_row;
  rowv jsonb;
  n integer;
  k text;
  v jsonb;
  cols text[];
  vals jsonb;
  rkey text;
  ok boolean;
  newid bigint;
  hits bigint[];
  allowed text[];
  e_state text; e_msg text; e_col text; e_table text;
  p jsonb;
  wf text;
  wf_col text;
  path text[];
  refmap jsonb;
BEGIN
  IF NOT coalesce(iso28000.has_level(org, 'write'), false) THEN
    RAISE EXCEPTION 'role "%" cannot import into organisation %: that needs level write', current_user, org
      USING ERRCODE = 'IS564', SCHEMA = 'iso28000', TABLE = 'organization', COLUMN = 'org_id';
  END IF;
  regs := CASE WHEN data ? 'registers' THEN data -> 'registers' ELSE data END;
  IF jsonb_typeof(regs) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'import into organisation %: the document is not a JSON object of registers', org
      USING ERRCODE = 'IS569', SCHEMA = 'iso28000',
            HINT = 'Give {"registers": {"risk": [{...}, ...], ...}}, the form export_registers() writes.';
  END IF;
  FOR k IN SELECT jsonb_object_keys(regs) LOOP
    IF NOT EXISTS (SELECT FROM iso28000.transfer_register() x WHERE x.register OPERATOR(pg_catalog.=) k) THEN
      problems := problems || jsonb_build_object('register', k, 'sqlstate', 'IS565',
                    'message', format('"%s" is not a register that import handles', k));
    ELSIF jsonb_typeof(regs -> k) IS DISTINCT FROM 'array' THEN
      problems := problems || jsonb_build_object('register', k, 'sqlstate', 'IS569',
                    'message', format('the rows of register %s are not a JSON array', k));
    END IF;
  END LOOP;

  BEGIN
    -- a provider comes with its evidence later in the import: its inclusion is
    -- checked once every register is in (sql/clauses/clause08_4_supply_chain_assurance.sql)
    SET CONSTRAINTS iso28000.inclusion_guard DEFERRED;
    FOR t IN SELECT x.* FROM iso28000.transfer_register() x
              WHERE regs ? x.register AND jsonb_typeof(regs -> x.register) OPERATOR(pg_catalog.=) 'array'
              ORDER BY x.seq LOOP
      keys := keys || jsonb_build_object(t.register, '{}'::jsonb);
      rowmap := rowmap || jsonb_build_object(t.register, '{}'::jsonb);
      seen := seen || jsonb_build_object(t.register, '{}'::jsonb);
      SELECT array_agg(a.attname::text) INTO allowed FROM pg_catalog.pg_attribute a
       WHERE a.attrelid OPERATOR(pg_catalog.=) ('iso28000.' || quote_ident(t.register))::regclass
         AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
         AND a.attname::text IS DISTINCT FROM t.id_column
         AND iso28000.transfer_column_ok(t.register, a.attname::text);
      SELECT coalesce(jsonb_object_agg(x.column_name, to_jsonb(x)), '{}') INTO refmap
        FROM iso28000.transfer_reference(t.register) x;
      n := 0;
      FOR rowv IN SELECT e.value FROM jsonb_array_elements(regs -> t.register) e LOOP
        n := n + 1;
        ok := true;
        IF jsonb_typeof(rowv) IS DISTINCT FROM 'object' THEN
          problems := problems || jsonb_build_object('register', t.register, 'row', n, 'sqlstate', 'IS569',
                        'message', format('row %s of register %s is not a JSON object', n, t.register));
          CONTINUE;
        END IF;
        rkey := coalesce(rowv ->> '_key', n::text);
        IF seen -> t.register ? rkey THEN
          problems := problems || jsonb_build_object('register', t.register, 'row', n, 'key', rkey, 'column', '_key',
                        'sqlstate', 'IS570', 'message', format('row %s of register %s repeats _key "%s"', n, t.register, rkey));
          ok := false;
        END IF;
        seen := jsonb_set(seen, ARRAY[t.register, rkey], 'true');
        cols := '{}';
        vals := '{}';
        FOR k, v IN SELECT e.key, e.value FROM jsonb_each(rowv) e WHERE e.key OPERATOR(pg_catalog.<>) '_key' LOOP
          IF NOT k OPERATOR(pg_catalog.=) ANY (allowed) THEN
            problems := problems || jsonb_build_object('register', t.register, 'row', n, 'key', rkey, 'column', k,
                          'sqlstate', 'IS566', 'message',
                          format('row %s of register %s: column "%s" %s', n, t.register, k,
                                 CASE WHEN k IS NOT DISTINCT FROM t.id_column OR NOT iso28000.transfer_column_ok(t.register, k)
                                      THEN 'is set by the database, not by an import' ELSE 'does not exist' END));
            ok := false;
            CONTINUE;
          END IF;
          IF refmap ? k AND jsonb_typeof(v) OPERATOR(pg_catalog.<>) 'null' THEN
            ref := jsonb_populate_record(NULL::iso28000.transfer_reference_row, refmap -> k);
            -- a record of this import (by _key), else of the organisation (by code, e-mail or name)
            hits := NULL;
            IF keys -> ref.target ? (v #>> '{}') THEN
              hits := ARRAY[(keys -> ref.target ->> (v #>> '{}'))::bigint];
            ELSIF ref.target_key OPERATOR(pg_catalog.=) 'email' THEN
              EXECUTE 'SELECT array_agg(p.person_id) FROM iso28000.person p
                        WHERE p.org_id OPERATOR(pg_catalog.=) $1
                          AND (p.email OPERATOR(pg_catalog.=) $2
                               OR (p.full_name OPERATOR(pg_catalog.=) $2
                                   AND NOT EXISTS (SELECT FROM iso28000.person q WHERE q.org_id OPERATOR(pg_catalog.=) $1
                                                     AND q.email OPERATOR(pg_catalog.=) $2)))'
                INTO hits USING org, v #>> '{}';
            ELSIF ref.target_key OPERATOR(pg_catalog.=) 'code' THEN
              EXECUTE format('SELECT array_agg(t.%I) FROM iso28000.%I t WHERE t.org_id OPERATOR(pg_catalog.=) $1 AND t.code OPERATOR(pg_catalog.=) $2',
                             ref.target_id, ref.target)
                INTO hits USING org, v #>> '{}';
            END IF;
            IF coalesce(array_length(hits, 1), 0) OPERATOR(pg_catalog.=) 1 THEN
              v := to_jsonb(hits[1]);
            ELSE
              problems := problems || jsonb_build_object('register', t.register, 'row', n, 'key', rkey, 'column', k,
                            'sqlstate', CASE WHEN hits IS NULL THEN 'IS567' ELSE 'IS568' END,
                            'message', format('row %s of register %s: %s "%s" %s', n, t.register, k, v #>> '{}',
                                              CASE WHEN hits IS NULL
                                                   THEN format('names no %s of the organisation or of this import', ref.target)
                                                   ELSE format('names %s records of %s', array_length(hits, 1), ref.target) END));
              ok := false;
              CONTINUE;
            END IF;
          END IF;
          cols := cols || k;
          vals := vals || jsonb_build_object(k, v);
        END LOOP;
        CONTINUE WHEN NOT ok;
        BEGIN
          IF t.register OPERATOR(pg_catalog.=) 'review_input_item' AND vals ? 'review_id' AND vals ? 'input_code' THEN
            -- a management review fills its checklist when it is created: the row is updated, not added
            EXECUTE format('UPDATE iso28000.review_input_item t SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::iso28000.review_input_item, $2) r)
                             WHERE t.org_id OPERATOR(pg_catalog.=) $1 AND t.review_id OPERATOR(pg_catalog.=) (($2) ->> ''review_id'')::bigint
                               AND t.input_code OPERATOR(pg_catalog.=) (($2) ->> ''input_code'')
                            RETURNING t.input_item_id',
                           (SELECT string_agg(quote_ident(c), ', ') FROM unnest(cols || 'org_id'::text) c),
                           (SELECT string_agg('r.' || quote_ident(c), ', ') FROM unnest(cols || 'org_id'::text) c))
              INTO newid USING org, vals || jsonb_build_object('org_id', org);
          ELSE
            newid := NULL;
          END IF;
          IF newid IS NULL THEN
            -- a record of a workflow in a later state: inserted in an initial state and moved
            -- along the shortest chain of transitions, each step checked by the engine
            path := NULL;
            SELECT pg_catalog.split_part(pg_catalog.encode(g.tgargs, 'escape'), '\000', 1),
                   coalesce(nullif(pg_catalog.split_part(pg_catalog.encode(g.tgargs, 'escape'), '\000', 2), ''), 'status')
              INTO wf, wf_col
              FROM pg_catalog.pg_trigger g
             WHERE g.tgrelid OPERATOR(pg_catalog.=) ('iso28000.' || quote_ident(t.register))::regclass
               AND g.tgfoid OPERATOR(pg_catalog.=) 'iso28000.workflow_guard()'::regprocedure;
            IF FOUND AND vals ? wf_col AND NOT EXISTS (
                   SELECT FROM iso28000.workflow_state s
                    WHERE s.workflow OPERATOR(pg_catalog.=) wf AND s.state OPERATOR(pg_catalog.=) (vals ->> wf_col) AND s.is_initial) THEN
              WITH RECURSIVE walk (state, steps) AS (
                SELECT s.state, ARRAY[s.state] FROM iso28000.workflow_state s
                 WHERE s.workflow OPERATOR(pg_catalog.=) wf AND s.is_initial
                UNION ALL
                SELECT tr.to_state, w.steps || tr.to_state
                  FROM walk w JOIN iso28000.workflow_transition tr
                    ON tr.workflow OPERATOR(pg_catalog.=) wf AND tr.from_state OPERATOR(pg_catalog.=) w.state
                 WHERE NOT tr.to_state OPERATOR(pg_catalog.=) ANY (w.steps) AND pg_catalog.cardinality(w.steps) OPERATOR(pg_catalog.<) 20)
              SELECT w.steps INTO path FROM walk w
               WHERE w.state OPERATOR(pg_catalog.=) (vals ->> wf_col)
               ORDER BY pg_catalog.cardinality(w.steps) LIMIT 1;
            END IF;
            EXECUTE format('INSERT INTO iso28000.%I (org_id%s) SELECT $1%s FROM jsonb_populate_record(NULL::iso28000.%I, $2) r RETURNING %I',
                           t.register,
                           (SELECT coalesce(string_agg(', ' || quote_ident(c), ''), '') FROM unnest(cols) c),
                           (SELECT coalesce(string_agg(', r.' || quote_ident(c), ''), '') FROM unnest(cols) c),
                           t.register, coalesce(t.id_column, 'org_id'))
              INTO newid USING org, CASE WHEN path IS NULL THEN vals ELSE vals || jsonb_build_object(wf_col, path[1]) END;
            FOR i IN 2 .. coalesce(pg_catalog.cardinality(path), 0) LOOP
              EXECUTE format('UPDATE iso28000.%I t SET %I = $3 WHERE t.org_id OPERATOR(pg_catalog.=) $1 AND t.%I OPERATOR(pg_catalog.=) $2',
                             t.register, wf_col, t.id_column)
                USING org, newid, path[i];
            END LOOP;
          END IF;
          keys := jsonb_set(keys, ARRAY[t.register, rkey], to_jsonb(newid));
          rowmap := jsonb_set(rowmap, ARRAY[t.register, newid::text], to_jsonb(n));
        EXCEPTION WHEN OTHERS THEN
          GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT, e_col = COLUMN_NAME, e_table = TABLE_NAME;
          problems := problems || jsonb_build_object('register', t.register, 'row', n, 'key', rkey,
                        'column', nullif(e_col, ''), 'sqlstate', e_state,
                        'message', format('row %s of register %s: %s', n, t.register, e_msg));
        END;
      END LOOP;
    END LOOP;
    -- every provider and high or critical link imported, checked now that its evidence is in, row by row
    FOR t IN SELECT x.* FROM iso28000.transfer_register() x
              WHERE x.register IN ('supply_chain_node', 'supply_chain_dependency', 'process_dependency')
                AND rowmap ? x.register
              ORDER BY x.seq LOOP
      FOR k, v IN SELECT e.key, e.value FROM jsonb_each(rowmap -> t.register) e LOOP
        BEGIN
          PERFORM iso28000.provider_inclusion_recheck(t.register, org, k::bigint);
        EXCEPTION WHEN OTHERS THEN
          GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT, e_col = COLUMN_NAME;
          problems := problems || jsonb_build_object('register', t.register, 'row', (v #>> '{}')::integer,
                        'column', nullif(e_col, ''), 'sqlstate', e_state,
                        'message', format('row %s of register %s: %s', v #>> '{}', t.register, e_msg));
        END;
      END LOOP;
    END LOOP;
    -- a nonconformity with source audit_finding that no finding links (IS166,
    -- checked at commit by nonconformity_audit_finding_linked, which asks the
    -- same function), listed with its row
    IF rowmap ? 'nonconformity' AND NOT iso28000._has_owner_privileges() THEN
      FOR k, v IN SELECT e.key, e.value FROM jsonb_each(rowmap -> 'nonconformity') e
                   WHERE iso28000._nonconformity_lacks_finding(org, e.key::bigint)
                   ORDER BY (e.value #>> '{}')::integer LOOP
        problems := problems || jsonb_build_object('register', 'nonconformity', 'row', (v #>> '{}')::integer,
                      'column', 'source', 'sqlstate', 'IS166',
                      'message', format('row %s of register nonconformity: it has source audit_finding but no audit finding links it', v #>> '{}'));
      END LOOP;
    END IF;
    BEGIN
      SET CONSTRAINTS iso28000.inclusion_guard IMMEDIATE;
    EXCEPTION WHEN OTHERS THEN
      NULL;   -- the same checks as above, which listed each refusal with its row
    END;
    IF dry_run THEN
      RAISE EXCEPTION 'dry run' USING ERRCODE = 'IS579';
    END IF;
  EXCEPTION WHEN SQLSTATE 'IS579' THEN
    NULL;   -- the dry run's writes are undone; its problems are kept
  END;

  IF NOT dry_run AND jsonb_array_length(problems) OPERATOR(pg_catalog.>) 0 THEN
    p := problems -> 0;
    RAISE EXCEPTION '%', format('import into organisation %s refused, nothing written: %s%s', org, p ->> 'message',
                                CASE WHEN jsonb_array_length(problems) OPERATOR(pg_catalog.>) 1
                                     THEN format(' (and %s more problems)', jsonb_array_length(problems) - 1) ELSE '' END)
      USING ERRCODE = p ->> 'sqlstate', SCHEMA = 'iso28000', TABLE = coalesce(p ->> 'register', ''),
            COLUMN = coalesce(p ->> 'column', ''),
            HINT = 'import_registers(org, data, dry_run => true) lists every problem of every row.';
  END IF;
  FOR p IN SELECT e.value FROM jsonb_array_elements(problems) e LOOP
    register := p ->> 'register';
    row_number := (p ->> 'row')::integer;
    row_key := p ->> 'key';
    column_name := p ->> 'column';
    sqlstate := p ->> 'sqlstate';
    message := p ->> 'message';
    RETURN NEXT;
  END LOOP;
END
$$;

-- (iso28000.provider_reliance, iso28000.provider_requirement_check: static SQL without
-- Citus; redefined whole by a later step of this script.)

-- 0.3.0 (citus2): raise_due_items() on a distributed outbox announces its rows
-- as iso28000.notify_announce says (it called pg_notify whatever the setting):
-- through iso28000._announce(bigint[]) (src/citus_compat.c).
-- Announces outbox ids as iso28000.notify_announce says (src/citus_compat.c):
-- what raise_due_items() calls on a distributed outbox, whose shards stay silent.
CREATE FUNCTION iso28000._announce(ids bigint[]) RETURNS void
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_announce_ids';
GRANT EXECUTE ON FUNCTION iso28000._announce(bigint[]) TO PUBLIC;
COMMENT ON FUNCTION iso28000._announce(bigint[]) IS
  'Internal: announces each id on channel iso28000_notification as iso28000.notify_announce says (row: now; listen: at commit if a mailer listens through listen(); off: none). raise_due_items() calls it on a Citus cluster, where the outbox''s shards stay silent. Never announces more than pg_notify(), granted to PUBLIC, already allows.';

CREATE OR REPLACE FUNCTION iso28000.raise_due_items(org bigint DEFAULT NULL, horizon_days integer DEFAULT 0)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer;
  ids bigint[];
  distributed boolean := false;
BEGIN
  IF horizon_days IS NULL OR horizon_days < 0 OR horizon_days > 366 THEN
    RAISE EXCEPTION 'raise_due_items: horizon_days must be between 0 and 366, not %', coalesce(horizon_days::text, 'NULL')
      USING ERRCODE = 'IS561', SCHEMA = 'iso28000', TABLE = 'notification', COLUMN = 'due_on';
  END IF;
  IF org IS NOT NULL AND NOT coalesce(iso28000.has_level(org, 'write'), false) THEN
    RAISE EXCEPTION 'role "%" cannot raise the due items of organisation %: that needs level write', current_user, org
      USING ERRCODE = 'IS560', SCHEMA = 'iso28000', TABLE = 'notification', COLUMN = 'org_id',
            HINT = 'A manager grants the scheduler''s role write access with iso28000.grant_access(org, role, ''write'').';
  END IF;
  WITH raised AS (
    INSERT INTO iso28000.notification AS nt (org_id, kind, recipient_id, register, record_id, record_code, record_title,
                                             subject, reason, item, due_on)
    SELECT d.org_id, 'due', d.responsible_id, d.register, d.record_id, d.record_code, d.record_title,
           pg_catalog.format('%s %s: %s %s', d.register, coalesce(d.record_code, d.record_id::text),
                             replace(d.item, '_', ' '),
                             CASE WHEN d.due_on IS NULL THEN 'never done'
                                  WHEN d.overdue THEN 'overdue since ' || d.due_on::text
                                  ELSE 'due on ' || d.due_on::text END),
           d.reason, d.item, d.due_on
      FROM iso28000.due_item d
     WHERE (org IS NULL OR d.org_id OPERATOR(pg_catalog.=) org)
       AND d.org_id OPERATOR(pg_catalog.=) ANY (iso28000.policy_orgs('write'))
       AND (d.due_on IS NULL OR d.due_on OPERATOR(pg_catalog.<=) current_date + horizon_days)
    ON CONFLICT DO NOTHING
    RETURNING nt.notification_id)
  SELECT count(*)::integer, array_agg(r.notification_id ORDER BY r.notification_id) INTO n, ids FROM raised r;
  -- On Citus the rows are written on the workers, whose shards stay silent
  -- (notification_announce): the coordinator announces them, as
  -- iso28000.notify_announce says (row, listen, off), as on one node.
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1)'
       INTO distributed USING 'iso28000.notification'::regclass;
  END IF;
  IF distributed AND n OPERATOR(pg_catalog.>) 0 THEN
    PERFORM iso28000._announce(ids);
  END IF;
  RETURN n;
END
$$;

-- 0.3.0 (citus2): audit_finding_keeps_nonconformity on a Citus worker: its
-- check was refused there (XX000, a sub-select correlated to the
-- nonconformity run from a trigger on a shard); now two queries on the
-- organisation's shard, the table field naming the table, not the shard.
CREATE OR REPLACE FUNCTION iso28000.audit_finding_keeps_nonconformity()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    src text;
    other bigint;
    nc_found boolean;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.nonconformity_id IS NOT NULL
       AND (TG_OP = 'DELETE' OR NEW.nonconformity_id IS DISTINCT FROM OLD.nonconformity_id) THEN
        RAISE EXCEPTION 'finding % of audit % (organisation %) raised nonconformity %: it cannot %',
                        OLD.finding_id, OLD.audit_id, OLD.org_id, OLD.nonconformity_id,
                        CASE WHEN TG_OP = 'DELETE' THEN 'be removed'
                             WHEN NEW.nonconformity_id IS NULL THEN 'drop the link'
                             ELSE format('be linked to nonconformity %s instead', NEW.nonconformity_id) END
              USING ERRCODE = 'IS167',
                    DETAIL = 'The link says which audit raised the nonconformity, and so who is independent enough to reject, verify or close it (ISO 28000 9.2.2, 10.2).',
                    HINT = 'A nonconformity that is not one is rejected through its workflow by a person independent of the audit.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = iso28000._table_name(TG_RELID), COLUMN = 'nonconformity_id';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.nonconformity_id IS NULL OR (TG_OP = 'UPDATE' AND OLD.nonconformity_id IS NOT NULL) THEN
        RETURN NEW;
    END IF;
    -- Two queries, each on the organisation's shard alone: on a Citus worker
    -- a sub-select correlated to the nonconformity was refused from this
    -- trigger on a shard (XX000, cannot execute a distributed query from a
    -- query on a shard; doc/distribution.md).
    SELECT n.source INTO src
      FROM iso28000.nonconformity n
     WHERE n.org_id = NEW.org_id AND n.nonconformity_id = NEW.nonconformity_id
       FOR NO KEY UPDATE;
    nc_found := FOUND;
    SELECT f.finding_id INTO other
      FROM iso28000.audit_finding f
     WHERE f.org_id = NEW.org_id AND f.nonconformity_id = NEW.nonconformity_id
       AND f.finding_id IS DISTINCT FROM NEW.finding_id
     ORDER BY f.finding_id LIMIT 1;
    IF nc_found AND (src IS DISTINCT FROM 'audit_finding' OR other IS NOT NULL) THEN
        RAISE EXCEPTION 'finding % of audit % (organisation %) cannot be linked to nonconformity %: %',
                        NEW.finding_id, NEW.audit_id, NEW.org_id, NEW.nonconformity_id,
                        CASE WHEN other IS NOT NULL THEN format('finding %s links it already', other)
                             ELSE format('its source is %s, not audit_finding', src) END
              USING ERRCODE = 'IS168',
                    DETAIL = 'A finding links the nonconformity it raised (a minor_nc or major_nc finding raises its own), or one with source audit_finding that no other finding links.',
                    HINT = 'Leave nonconformity_id out: a minor_nc or major_nc finding raises its nonconformity by itself.',
                    SCHEMA = TG_TABLE_SCHEMA, TABLE = iso28000._table_name(TG_RELID), COLUMN = 'nonconformity_id';
    END IF;
    RETURN NEW;
END
$$;

-- Issue 13 (the event log's writer): one btree for the event store's key and
-- its reads by table.  The primary key leads with (org_id, table_name), and
-- the separate (org_id, table_name) index, which cost every single-row
-- transition a btree entry, goes.  The rows stay; the key is rebuilt.
SELECT iso28000._upgrade_ddl('iso28000.workflow_event_batch', $ddl$
ALTER TABLE iso28000.workflow_event_batch DROP CONSTRAINT workflow_event_batch_pkey,
  ADD CONSTRAINT workflow_event_batch_pkey PRIMARY KEY (org_id, table_name, first_event_id)
$ddl$);
SELECT iso28000._upgrade_ddl('iso28000.workflow_event_batch', $ddl$
DROP INDEX iso28000.workflow_event_batch_table_idx
$ddl$);

-- History (issue 13): a record's images are stored as they are up to what a
-- page holds, not compressed with pglz past 2 kB at every write
-- (sql/core/05_history.sql); records written before stay as they are.
SELECT iso28000._upgrade_ddl('iso28000.history', $ddl$
ALTER TABLE iso28000.history SET (toast_tuple_target = 8160)
$ddl$);


-- citus: _org_view_sql() in C (created so by an earlier step), its text cached per backend by view and shard,
-- _org_relation() from the same map, and _org_query(), which keeps the plan of
-- provider_reliance()'s and provider_requirement_check()'s query over this
-- node's shards (src/citus_compat.c; doc/distribution.md, "Provider inclusion
-- on a cluster").
COMMENT ON FUNCTION iso28000._org_view_sql(regclass, bigint) IS
  'Internal: the query of a view of the extension with each table it reads replaced by the organisation''s Citus shard of it when this node holds that shard (iso28000._org_relation()); on one node, the view''s own query. Lets a trigger on a shard read the view for one organisation. Cached per backend by view and shard (src/citus_compat.c), dropped when the view, a table it reads, the Citus metadata of one, or a schema, function, operator or type changes.';
CREATE FUNCTION iso28000._org_view_sql_builds() RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_org_view_sql_builds';
COMMENT ON FUNCTION iso28000._org_view_sql_builds() IS
  'Internal, for the tests: how many texts iso28000._org_view_sql() built in this backend (the others came from its cache).';
CREATE FUNCTION iso28000._org_query(query text, args text[], keep boolean) RETURNS SETOF record
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_org_query';
COMMENT ON FUNCTION iso28000._org_query(text, text[], boolean) IS
  'Internal: the rows of a read-only query whose parameter $1 is args, with the caller''s rights (nothing a caller could not run itself). With keep, its plan is kept in this backend by the query''s text (a generic plan), dropped with _org_view_sql()''s texts: provider_reliance() and provider_requirement_check() keep the plan of a view''s query over this node''s shards.';
CREATE FUNCTION iso28000._org_query_plans() RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_org_query_plans';
COMMENT ON FUNCTION iso28000._org_query_plans() IS
  'Internal, for the tests: how many plans iso28000._org_query() made and kept in this backend (the other calls with keep used a kept one).';
CREATE OR REPLACE FUNCTION iso28000.provider_reliance(org bigint, node bigint) RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r integer;
BEGIN
  -- Without Citus the view itself, through a plan PL/pgSQL keeps; on a
  -- cluster the view's query over the organisation's shards (_org_view_sql,
  -- whose text this backend keeps per shard), run by _org_query, which keeps
  -- its plan when the text reads this node's shards (a trigger on a worker),
  -- and plans it at each call otherwise (the coordinator: Citus plans it).
  -- Both read the same view.
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    SELECT v.reliance_rank INTO r FROM iso28000.supply_chain_node_reliance v
     WHERE v.org_id OPERATOR(pg_catalog.=) org AND v.node_id OPERATOR(pg_catalog.=) node;
    RETURN r;
  END IF;
  SELECT q.reliance_rank INTO r
    FROM iso28000._org_query(
           pg_catalog.format('SELECT v.reliance_rank FROM (%s) v WHERE v.org_id OPERATOR(pg_catalog.=) ($1[1])::pg_catalog.int8 AND v.node_id OPERATOR(pg_catalog.=) ($1[2])::pg_catalog.int8',
                             iso28000._org_view_sql('iso28000.supply_chain_node_reliance', org)),
           ARRAY[org::text, node::text],
           iso28000._org_relation('iso28000.supply_chain_node', org) OPERATOR(pg_catalog.<>) 'iso28000.supply_chain_node')
         AS q(reliance_rank integer);
  RETURN r;
END
$$;
CREATE OR REPLACE FUNCTION iso28000.provider_requirement_check(org bigint, node bigint, node_kind text, reliance integer)
RETURNS TABLE (requirement_id bigint, requirement_code text, requirement_kind text, status text,
               expires_on date, last_assessed_on date, last_score numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- Without Citus the view itself, through a plan PL/pgSQL keeps (the same
  -- query as below); on a cluster the view's query over the organisation's
  -- shards (_org_view_sql), run by _org_query: its plan kept when it reads
  -- this node's shards (a trigger on a worker), else planned at each call.
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    RETURN QUERY
      SELECT j.requirement_id, j.requirement_code, j.requirement_kind, j.status, j.expires_on,
             j.last_assessed_on, j.last_score
        FROM iso28000.supply_chain_node_requirement j
        JOIN iso28000.security_requirement r ON r.org_id OPERATOR(pg_catalog.=) j.org_id
                                            AND r.requirement_id OPERATOR(pg_catalog.=) j.requirement_id
       WHERE j.org_id OPERATOR(pg_catalog.=) org AND j.node_id OPERATOR(pg_catalog.=) node
         AND (r.applies_to_kinds IS NULL OR node_kind OPERATOR(pg_catalog.=) ANY (r.applies_to_kinds))
         AND (r.min_criticality IS NULL OR reliance OPERATOR(pg_catalog.>=) iso28000.criticality_rank(r.min_criticality));
    RETURN;
  END IF;
  RETURN QUERY SELECT * FROM iso28000._org_query(pg_catalog.format(
    $q$SELECT j.requirement_id, j.requirement_code, j.requirement_kind, j.status, j.expires_on,
              j.last_assessed_on, j.last_score
         FROM (%s) j
         JOIN %s r ON r.org_id OPERATOR(pg_catalog.=) j.org_id AND r.requirement_id OPERATOR(pg_catalog.=) j.requirement_id
        WHERE j.org_id OPERATOR(pg_catalog.=) ($1[1])::pg_catalog.int8 AND j.node_id OPERATOR(pg_catalog.=) ($1[2])::pg_catalog.int8
          AND (r.applies_to_kinds IS NULL OR $1[3] OPERATOR(pg_catalog.=) ANY (r.applies_to_kinds))
          AND (r.min_criticality IS NULL OR ($1[4])::pg_catalog.int4 OPERATOR(pg_catalog.>=) iso28000.criticality_rank(r.min_criticality))$q$,
    iso28000._org_view_sql('iso28000.supply_chain_node_requirement', org),
    iso28000._org_relation('iso28000.security_requirement', org)),
    ARRAY[org::text, node::text, node_kind, reliance::text],
    iso28000._org_relation('iso28000.supply_chain_node', org) OPERATOR(pg_catalog.<>) 'iso28000.supply_chain_node')
    AS q(requirement_id bigint, requirement_code text, requirement_kind text, status text,
         expires_on date, last_assessed_on date, last_score numeric);
END
$$;

-- 0.3.0: a mailer waits for the outbox without LISTEN: writers under
-- iso28000.notify_announce = listen set its latch after they commit, no NOTIFY
-- (src/notification_listen.c).
CREATE FUNCTION iso28000.wait_for_notifications(timeout interval)
RETURNS boolean
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'iso28000_wait_for_notifications';
REVOKE ALL ON FUNCTION iso28000.wait_for_notifications(interval) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.wait_for_notifications(interval) IS
  'For a mailer, without LISTEN: true as soon as an undelivered row of the outbox that the caller may read is there (at once if there is one), false after the timeout (0 to 1 day, IS555). Writers under iso28000.notify_announce = listen wake it after they commit, without NOTIFY; under row and off it finds the rows by checking at least every 10 s. READ COMMITTED only (IS556). Needs level read in an organisation (IS553); not granted to PUBLIC: a DBA grants it to the mailer''s role.';

-- The update's helpers for Citus (created by the first step): gone.  Steps
-- that change a table go above this one.
DROP FUNCTION iso28000._upgrade_ddl(regclass, text);
DROP FUNCTION iso28000._upgrade_data_here();
DROP FUNCTION iso28000._upgrade_distributed();
