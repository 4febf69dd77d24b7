-- After distribution, through the coordinator, as the members of two
-- organisations (roles with LOGIN, none a superuser): every view answers, the
-- aggregation is split between workers and coordinator, the workflows refuse
-- illegal transitions with their SQLSTATEs, the history names tables and
-- every chain verifies, and a member sees nothing of another organisation.
SET client_min_messages = warning;
SET search_path = public, iso28000;
SELECT plan(36);
SELECT org_id AS a FROM iso28000.organization WHERE code = 'CA' \gset
SELECT org_id AS b FROM iso28000.organization WHERE code = 'CB' \gset

-- Every view of the extension answers, for a manager of A.
CREATE SCHEMA citus_test;
GRANT USAGE ON SCHEMA citus_test TO PUBLIC;
CREATE FUNCTION citus_test.failing_views() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE v regclass; bad text[] := '{}';
BEGIN
    FOR v IN SELECT c.oid::regclass FROM pg_class c
              WHERE c.relnamespace = 'iso28000'::regnamespace AND c.relkind = 'v' ORDER BY 1 LOOP
        BEGIN
            EXECUTE format('SELECT count(*) FROM %s', v);
        EXCEPTION WHEN OTHERS THEN
            bad := bad || format('%s: %s %s', v, SQLSTATE, SQLERRM);
        END;
    END LOOP;
    RETURN bad;
END $$;
CREATE FUNCTION citus_test.plan_text(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; t text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP t := t || r || E'\n'; END LOOP;
    RETURN t;
END $$;
SET client_min_messages = warning;

SET ROLE citus_mgr_a;
SELECT is(citus_test.failing_views(), '{}', 'every view answers for a member, through the coordinator');
SELECT ok((SELECT count(*) FROM iso28000.conformity_by_clause) > 0, 'conformity_by_clause has rows');
SELECT ok((SELECT count(*) FROM iso28000.supply_chain_interdependency) > 0, 'supply_chain_interdependency finds the cycle');
SELECT matches(citus_test.plan_text($$SELECT clause, iso28000.conformity_score(grade, weight) FROM iso28000.assessment_result GROUP BY clause$$),
               'worker_partial_agg\(.*conformity_score', 'EXPLAIN: the workers compute the partial scores of the register');
SELECT matches(citus_test.plan_text($$SELECT clause, iso28000.conformity_score(grade, weight) FROM iso28000.assessment_result GROUP BY clause$$),
               'coord_combine_agg\(', 'EXPLAIN: the coordinator combines them');

-- Workflows: illegal transitions refused with their SQLSTATEs.
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'closed' WHERE org_id = %s AND title = 'Badge not returned'$$, :a),
                 'IS102', NULL, 'a transition the workflow does not allow: IS102');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'contained' WHERE org_id = %s AND title = 'Badge not returned'$$, :a),
                 'IS103', NULL, 'a state without its required column: IS103');
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'bogus' WHERE org_id = %s AND title = 'Badge not returned'$$, :a),
                 'IS101', NULL, 'an unknown state: IS101');
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'contained', correction = 'Badge disabled.' WHERE org_id = %s AND title = 'Badge not returned'$$, :a),
                'a legal transition passes');
-- A guard that reads another register, on the worker: refused without a live
-- corrective action (IS104), allowed with one.
UPDATE iso28000.nonconformity SET status = 'cause_analysed', root_cause = 'Seal check skipped at shift change.',
       analysis_method = '5 whys', similar_nonconformities = 'None found.'
 WHERE org_id = :a AND title = 'Seal not verified';
SELECT throws_ok(format($$UPDATE iso28000.nonconformity SET status = 'action_planned' WHERE org_id = %s AND title = 'Seal not verified'$$, :a),
                 'IS104', NULL, 'a guard reading corrective_action on the worker refuses action_planned without one: IS104');
SELECT nonconformity_id AS seal FROM iso28000.nonconformity WHERE org_id = :a AND title = 'Seal not verified' \gset
SELECT person_id AS mgr FROM iso28000.person WHERE org_id = :a AND db_role = 'citus_mgr_a' \gset
INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on)
VALUES (:a, :seal, 'Retrain the gate staff', :mgr, date '2027-01-31');
SELECT lives_ok(format($$UPDATE iso28000.nonconformity SET status = 'action_planned' WHERE org_id = %s AND title = 'Seal not verified'$$, :a),
                'and lets it pass with a live corrective action');
-- (A query that filters on one organisation runs whole on that organisation's
-- worker, select list included: the figures are taken first, then tested.)
SELECT count(*) AS n FROM iso28000.workflow_event WHERE org_id = :a AND to_state = 'contained' \gset
SELECT is(:n, 2, 'the event log has both transitions');
-- A statement changing many rows (the recorder on a shard, no tuple store).
SELECT lives_ok(format($$UPDATE iso28000.assessment_result SET note = 'reviewed' WHERE org_id = %s$$, :a),
                'a statement changing many rows of one organisation is recorded');
SELECT ok((SELECT valid FROM iso28000.verify_history(:a)), 'organisation A''s chain verifies');
SELECT count(*) FILTER (WHERE h.table_name !~ '^iso28000\.[a-z_]+$') AS shard_names,
       count(*) FILTER (WHERE to_regclass(h.table_name) IS NULL) AS unknown_names
  FROM iso28000.history h WHERE h.org_id = :a \gset
SELECT is(:shard_names, 0, 'history.table_name names tables, never shards');
SELECT is(:unknown_names, 0, 'every history.table_name is a table of the coordinator');
SELECT array_agg(DISTINCT table_name::text)::text AS event_tables FROM iso28000.workflow_event WHERE org_id = :a \gset
SELECT matches(:'event_tables'::text, '^\{(iso28000\.)?corrective_action,(iso28000\.)?nonconformity\}$', 'workflow_event.table_name names the tables');
SELECT count(DISTINCT txid) AS txids, count(*) AS updates FROM iso28000.history h
 WHERE h.org_id = :a AND h.table_name = 'iso28000.assessment_result' AND h.operation = 'UPDATE' \gset
SELECT is(:txids, 1, 'the rows of one statement share one txid');
SELECT ok(:updates > 8, 'and each changed row has its record (' || :updates || ')');
-- An incident's authority notification is a due item of its owner; the
-- incident's owner and its transition are written to the outbox on the shard.
INSERT INTO iso28000.security_incident (org_id, reference, title, severity, owner_id, detected_at, reported_at,
                                        authority_notification_required, authority_notify_by)
VALUES (:a, 'INC-C1', 'Seal broken', 'high', :mgr, now() - interval '2 days', now() - interval '2 days', true, now() - interval '1 day');
SELECT count(*) AS n, min(item) AS item, min(responsible_id) AS who, min(due_on - current_date) AS days, bool_and(overdue) AS late
  FROM iso28000.due_item WHERE org_id = :a AND register = 'security_incident' \gset
SELECT is(format('%s %s %s %s %s', :n, :'item', :who, :days, :'late'), format('1 authority_notification %s -1 t', :mgr),
          'due_item lists the incident''s overdue authority notification with its owner, on the cluster');
UPDATE iso28000.security_incident SET status = 'triaged', triage_note = 'High' WHERE org_id = :a AND reference = 'INC-C1';
SELECT string_agg(kind || ':' || coalesce(to_state, '') || ':' || recipient_id, ' ' ORDER BY notification_id) AS outbox
  FROM iso28000.notification WHERE org_id = :a AND register = 'security_incident' \gset
SELECT is(:'outbox', format('assignment:reported:%1$s transition:triaged:%1$s', :mgr),
          'reporting and triaging the incident wrote its owner''s assignment and the transition to the outbox');
SELECT iso28000.raise_due_items(:a) AS raised \gset
SELECT count(*) AS n FROM iso28000.notification WHERE org_id = :a AND kind = 'due' AND register = 'security_incident' AND recipient_id = :mgr \gset
SELECT is(:n, 1, 'raise_due_items raises it for its owner');
SELECT incident_id AS inc FROM iso28000.security_incident WHERE org_id = :a AND reference = 'INC-C1' \gset
SELECT lives_ok(format($$INSERT INTO iso28000.incident_notification (org_id, incident_id, recipient_kind, recipient, content)
                         VALUES (%s, %s, 'authority', 'Customs', 'Seal broken')$$, :a, :inc),
                'the authority notification is recorded');
SELECT count(*) AS n FROM iso28000.due_item WHERE org_id = :a AND register = 'security_incident' \gset
SELECT is(:n, 0, 'and the item is gone');
-- Citus reports the rows an INSERT ... SELECT ... ON CONFLICT DO NOTHING sent,
-- not those it inserted (its issue 3377): the functions that insert so count
-- their RETURNING rows, and a second call adds and reports nothing.
SELECT iso28000.seed_threat_scenarios(:a) AS seeded_first \gset
SELECT iso28000.seed_threat_scenarios(:a) AS seeded_again \gset
SELECT count(*) AS scenarios FROM iso28000.threat_scenario WHERE org_id = :a \gset
SELECT is(:seeded_first, 8, 'seed_threat_scenarios adds the eight examples on the cluster');
SELECT is(:seeded_again, 0, 'and seeding again reports 0 (not the 8 rows Citus sent)');
SELECT is(:scenarios, 8, 'and the catalog holds each example once');
SELECT count(*) AS due_before FROM iso28000.notification WHERE org_id = :a AND kind = 'due' \gset
SELECT iso28000.raise_due_items(:a, 366) AS raised_first \gset
SELECT iso28000.raise_due_items(:a, 366) AS raised_again \gset
SELECT count(*) AS due_rows, count(DISTINCT (register, record_id, item, due_on)) AS due_items
  FROM iso28000.notification WHERE org_id = :a AND kind = 'due' \gset
SELECT ok(:raised_first > 0, 'raise_due_items raises the items of A falling due within a year (' || :raised_first || ')');
SELECT is(:raised_again, 0, 'and raising again reports 0 on the cluster, as on one node');
SELECT is(ARRAY[:due_rows, :due_items]::bigint[], ARRAY[:due_before + :raised_first, :due_before + :raised_first]::bigint[], 'and the outbox holds each due item once');
SELECT lives_ok(format($$SELECT iso28000.grant_access(%s, 'citus_reader_b', 'read')$$, :a), 'a manager grants access through the coordinator');
SELECT lives_ok(format($$SELECT iso28000.revoke_access(%s, 'citus_reader_b')$$, :a), 'and revokes it');
RESET ROLE;

-- A member of B sees nothing of A.
SET ROLE citus_reader_b;
SELECT is((SELECT array_agg(DISTINCT org_id) FROM iso28000.person), ARRAY[:b::bigint], 'a reader of B sees the people of B only');
SELECT count(*) AS seen FROM iso28000.conformity_by_clause WHERE org_id = :a \gset
SELECT is(:seen, 0, 'and no score of A');
SELECT throws_ok(format($$INSERT INTO iso28000.person (org_id, full_name) VALUES (%s, 'intruder')$$, :a),
                 '42501', NULL, 'and cannot write into A');
RESET ROLE;
SET ROLE citus_mgr_b;
SELECT ok((SELECT valid FROM iso28000.verify_history(:b)), 'organisation B''s chain verifies');
RESET ROLE;

SELECT * FROM finish();
DROP SCHEMA citus_test CASCADE;
