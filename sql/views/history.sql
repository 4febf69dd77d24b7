/*
 * sql/views/history.sql
 *		Views of the history chain (sql/core/05_history.sql) for people and
 *		for the independent verifier: who changed what and when (with the
 *		person of the organisation behind the login), each record's versions,
 *		and the export that tools/verify-history reads.  They run with the
 *		caller's rights: the history's policies show members at level audit
 *		their organisations' records.
 */


-- The columns whose value differs between two row images.  A function rather
-- than a sub-select in history_log: Citus runs it on the workers, beside the
-- history shards, where it cannot push down a sub-select without FROM.
CREATE FUNCTION iso28000._changed_columns(before_image jsonb, after_image jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(k, ', ' ORDER BY k)
      FROM (SELECT jsonb_object_keys(coalesce(before_image, '{}'))
            UNION
            SELECT jsonb_object_keys(coalesce(after_image, '{}'))) AS keys (k)
     WHERE before_image -> k IS DISTINCT FROM after_image -> k
$$;
COMMENT ON FUNCTION iso28000._changed_columns(jsonb, jsonb) IS
  'Internal: the keys whose values differ between two row images (all keys when one is NULL), sorted and separated by commas; NULL when none differ. history_log.changed_columns.';

-- Who changed what and when.
CREATE VIEW iso28000.history_log WITH (security_invoker = true) AS
SELECT h.org_id,
       h.seq,
       h.recorded_at,
       h.session_role,
       h.acting_role,
       h.acting_person AS person_id,
       p.full_name AS person_name,
       h.table_name,
       h.operation,
       h.row_key::text AS row_key,
       iso28000._changed_columns(h.before_image, h.after_image) AS changed_columns,
       h.txid
  FROM iso28000.history h
  LEFT JOIN iso28000.person p ON p.org_id = h.org_id AND p.person_id = h.acting_person;
COMMENT ON VIEW iso28000.history_log IS
  'ISO 28000 7.5.3, 9.2: Who changed what and when, one row per history record, with the columns each change touched; auditors (level audit) see their organisations.';
COMMENT ON COLUMN iso28000.history_log.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.history_log.seq IS 'Position in the organisation''s history chain.';
COMMENT ON COLUMN iso28000.history_log.recorded_at IS 'Start time of the transaction that made the change.';
COMMENT ON COLUMN iso28000.history_log.session_role IS 'Login that made the change.';
COMMENT ON COLUMN iso28000.history_log.acting_role IS 'Current user when the change was made.';
COMMENT ON COLUMN iso28000.history_log.person_id IS 'The acting person recorded with the change (history.acting_person): a fact at write time, not moved by later changes of person.db_role; NULL when nobody acted as a person and for records written before 0.2.0.';
COMMENT ON COLUMN iso28000.history_log.person_name IS 'Full name of that person.';
COMMENT ON COLUMN iso28000.history_log.table_name IS 'Register that changed.';
COMMENT ON COLUMN iso28000.history_log.operation IS 'INSERT, UPDATE or DELETE.';
COMMENT ON COLUMN iso28000.history_log.row_key IS 'Primary key of the changed row, as the text of a JSON object.';
COMMENT ON COLUMN iso28000.history_log.changed_columns IS 'Columns whose value differs between the before and after images (all columns for INSERT and DELETE), in name order, separated by a comma and a space.';
COMMENT ON COLUMN iso28000.history_log.txid IS 'Transaction id of the change; records with the same txid were made together.';

-- Each record's versions over time.
CREATE VIEW iso28000.record_version WITH (security_invoker = true) AS
SELECT h.org_id,
       h.table_name,
       h.row_key::text AS row_key,
       row_number() OVER w AS version,
       h.seq,
       h.operation,
       h.recorded_at AS valid_from,
       lead(h.recorded_at) OVER w AS valid_to,
       h.after_image IS NULL AS deleted,
       coalesce(h.after_image, h.before_image)::text AS image,
       h.session_role AS changed_by
  FROM iso28000.history h
WINDOW w AS (PARTITION BY h.org_id, h.table_name, h.row_key ORDER BY h.seq);
COMMENT ON VIEW iso28000.record_version IS
  'ISO 28000 7.5.3: Every version of every register row over time, from the history chain; filter on table_name and row_key to follow one record.';
COMMENT ON COLUMN iso28000.record_version.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.record_version.table_name IS 'Register of the row.';
COMMENT ON COLUMN iso28000.record_version.row_key IS 'Primary key of the row, as the text of a JSON object.';
COMMENT ON COLUMN iso28000.record_version.version IS 'Version number of the row: 1 for its insertion, then one per change.';
COMMENT ON COLUMN iso28000.record_version.seq IS 'History record of this version.';
COMMENT ON COLUMN iso28000.record_version.operation IS 'INSERT, UPDATE or DELETE that made this version.';
COMMENT ON COLUMN iso28000.record_version.valid_from IS 'When this version was written (transaction start).';
COMMENT ON COLUMN iso28000.record_version.valid_to IS 'When the next version was written; NULL for the current one.';
COMMENT ON COLUMN iso28000.record_version.deleted IS 'True for the version that records the row''s deletion.';
COMMENT ON COLUMN iso28000.record_version.image IS 'The row as of this version (its last image for a deletion), as the text of a JSON object (cast it to jsonb to pick a column).';
COMMENT ON COLUMN iso28000.record_version.changed_by IS 'Login that wrote this version.';

-- The history in the form the independent verifier reads (tools/verify-history).
CREATE VIEW iso28000.history_export WITH (security_invoker = true) AS
SELECT h.org_id,
       h.seq,
       ((extract(epoch FROM h.recorded_at) * 1000000)::numeric)::bigint AS recorded_at_us,
       h.session_role,
       h.acting_role,
       h.txid,
       h.table_name,
       h.operation,
       h.row_key::text AS row_key,
       h.before_image::text AS before_image,
       h.after_image::text AS after_image,
       encode(h.prev_hash, 'hex') AS prev_hash,
       encode(h.hash, 'hex') AS hash,
       h.acting_person
  FROM iso28000.history h;
COMMENT ON VIEW iso28000.history_export IS
  'ISO 28000 7.5.3, 9.2: The history as text, field by field as the canonical serialisation uses it, for tools/verify-history: export with COPY (SELECT * FROM iso28000.history_export WHERE org_id = ... ORDER BY seq) TO STDOUT (FORMAT csv, HEADER).';
COMMENT ON COLUMN iso28000.history_export.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.history_export.seq IS 'Position in the chain.';
COMMENT ON COLUMN iso28000.history_export.recorded_at_us IS 'recorded_at as microseconds since 1970-01-01 00:00 UTC.';
COMMENT ON COLUMN iso28000.history_export.session_role IS 'Login that made the change.';
COMMENT ON COLUMN iso28000.history_export.acting_role IS 'Current user when the change was made.';
COMMENT ON COLUMN iso28000.history_export.txid IS 'Transaction id of the change.';
COMMENT ON COLUMN iso28000.history_export.table_name IS 'Register that changed.';
COMMENT ON COLUMN iso28000.history_export.operation IS 'INSERT, UPDATE or DELETE.';
COMMENT ON COLUMN iso28000.history_export.row_key IS 'Primary key of the row, jsonb text.';
COMMENT ON COLUMN iso28000.history_export.before_image IS 'Row before the change, jsonb text (empty when NULL).';
COMMENT ON COLUMN iso28000.history_export.after_image IS 'Row after the change, jsonb text (empty when NULL).';
COMMENT ON COLUMN iso28000.history_export.prev_hash IS 'Hash of the previous record, 64 hex digits.';
COMMENT ON COLUMN iso28000.history_export.hash IS 'Hash of this record, 64 hex digits.';
COMMENT ON COLUMN iso28000.history_export.acting_person IS 'The acting person recorded with the change (empty when none); hashed as a last field only when present.';

GRANT SELECT ON iso28000.history_log, iso28000.record_version, iso28000.history_export TO PUBLIC;
