-- bench/workflow_plpgsql.sql: the workflow engine's rules written as a
-- PL/pgSQL trigger, the comparison for bench/workflow.sh only (never part of
-- the extension).  Same checks as iso28000.workflow_guard() on an UPDATE:
-- state and transition looked up in the rules tables, required columns,
-- the member's level, the guard if any, stamps, and the event when the
-- workflow logs events.
CREATE FUNCTION bench_plpgsql_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  wf text := TG_ARGV[0];
  st iso28000.workflow_state;
  tr iso28000.workflow_transition;
  col name;
  img jsonb;
  why text;
  do_log boolean;
  lvl_key text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT * INTO st FROM iso28000.workflow_state WHERE workflow = wf AND state = OLD.status;
    IF NOT coalesce(st.deletable, false) THEN
      RAISE EXCEPTION 'cannot be deleted in state "%"', OLD.status USING ERRCODE = 'IS107';
    END IF;
    RETURN OLD;
  END IF;
  SELECT * INTO st FROM iso28000.workflow_state WHERE workflow = wf AND state = NEW.status;
  IF NOT FOUND THEN
    RAISE EXCEPTION '"%" is not a state of workflow "%"', NEW.status, wf USING ERRCODE = 'IS101';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.status = OLD.status THEN
    IF st.is_frozen THEN
      RAISE EXCEPTION 'frozen in state "%"', OLD.status USING ERRCODE = 'IS105';
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NOT st.is_initial THEN
      RAISE EXCEPTION 'cannot be created in state "%"', NEW.status USING ERRCODE = 'IS102';
    END IF;
  ELSE
    SELECT * INTO tr FROM iso28000.workflow_transition
     WHERE workflow = wf AND from_state = OLD.status AND to_state = NEW.status;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'cannot move from "%" to "%"', OLD.status, NEW.status USING ERRCODE = 'IS102';
    END IF;
  END IF;
  img := to_jsonb(NEW);
  FOR col IN SELECT column_name FROM iso28000.workflow_required_column
              WHERE workflow = wf AND state = NEW.status LOOP
    IF coalesce(btrim(img ->> col), '') = '' THEN
      RAISE EXCEPTION 'cannot enter "%" without %', NEW.status, col USING ERRCODE = 'IS103';
    END IF;
  END LOOP;
  IF TG_OP = 'UPDATE' THEN
    -- the level, cached for the statement as the C engine does (a GUC keyed
    -- by transaction, statement start, role, organisation and level)
    lvl_key := concat_ws(':', txid_current(), statement_timestamp(), current_user, NEW.org_id, tr.required_level);
    IF coalesce(current_setting('bench_workflow.level_ok', true), '') <> lvl_key THEN
      IF NOT iso28000.has_level(NEW.org_id, tr.required_level) THEN
        RAISE EXCEPTION 'needs level %', tr.required_level USING ERRCODE = 'IS106';
      END IF;
      PERFORM set_config('bench_workflow.level_ok', lvl_key, true);
    END IF;
    IF tr.guard IS NOT NULL THEN
      EXECUTE format('SELECT %s($1, $2, $3)', tr.guard::oid::regproc) INTO why USING NEW, OLD.status, NEW.status;
      IF why IS NOT NULL THEN
        RAISE EXCEPTION 'refused: %', why USING ERRCODE = 'IS104';
      END IF;
    END IF;
  END IF;
  NEW.status_changed_at := statement_timestamp();
  NEW.status_changed_by := current_user;
  SELECT w.log_events INTO do_log FROM iso28000.workflow w WHERE w.workflow = wf;
  IF do_log THEN
    -- a row trigger can store only a run of one event per row
    INSERT INTO iso28000.workflow_event_batch (org_id, events, workflow, table_name, key_columns, record_ids,
                                               from_state, to_state, actor, actor_person, occurred_at, notes)
    VALUES (NEW.org_id, 1, wf, TG_RELID::regclass, '(org_id, id)', ARRAY[NEW.id],
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status, current_user,
            (SELECT p.person_id FROM iso28000.person p
              WHERE p.org_id = NEW.org_id AND p.db_role = current_user AND p.active
              ORDER BY p.person_id LIMIT 1),
            statement_timestamp(), NULL);
  END IF;
  RETURN NEW;
END
$$;
