/*
 * sql/core/05_history.sql
 *		The tamper-evident history: every change to every register, one SHA-256
 *		hash chain per organisation, append-only and verifiable.
 *
 * Recording is in C (src/history.c): a statement-level AFTER trigger with
 * transition tables, attached to each register by attach_history(), which
 * register_table() calls.  Record n of an organisation stores the hash of
 * record n-1 (prev_hash) and the SHA-256 hash over the canonical serialisation
 * of its fields (doc/history.md documents it byte by byte; tools/verify-history
 * recomputes it from an export).  history_head holds each organisation's last
 * sequence number and hash; its row is the per-organisation lock that keeps the
 * chain linear, and verify_history() checks the chain against it.
 *
 * Who sees what.  Members at level audit read their organisations' history
 * and chain heads (the tables' policies; the views and functions run with the
 * caller's rights, so they show no more, and require_level() refuses a caller
 * below audit with IS001).  Nobody
 * writes it directly: the recorder writes as the table owner, INSERT is not
 * granted, and UPDATE, DELETE and TRUNCATE are refused by trigger (IS201).
 */

-- The history records.
CREATE TABLE iso28000.history (
    org_id       bigint NOT NULL,
    seq          bigint NOT NULL,
    recorded_at  timestamptz NOT NULL,
    session_role text NOT NULL,
    acting_role  text NOT NULL,
    txid         bigint NOT NULL,
    table_name   text NOT NULL,
    operation    text NOT NULL,
    row_key      jsonb,
    before_image jsonb,
    after_image  jsonb,
    prev_hash    bytea NOT NULL,
    hash         bytea NOT NULL,
    acting_person bigint,
    PRIMARY KEY (org_id, seq)
);
-- A record holds two images of its row: past 2 kB TOAST would compress them
-- with pglz at every write (while the chain head is held, at the link at
-- commit), which costs several times what the rest of the record does; up
-- to what a page holds they are stored as they are (doc/history.md, "Cost").
ALTER TABLE iso28000.history SET (toast_tuple_target = 8160);
COMMENT ON TABLE iso28000.history IS
  'ISO 28000 7.5.3, 9.2: Tamper-evident history of every change to every register: one SHA-256 hash chain per organisation, append-only; check it with verify_history().';
COMMENT ON COLUMN iso28000.history.org_id IS 'Organisation whose chain holds the record (the org_id of the changed row).';
COMMENT ON COLUMN iso28000.history.seq IS 'Position in the organisation''s chain: 1, 2, 3 ... without gaps.';
COMMENT ON COLUMN iso28000.history.recorded_at IS 'Start time of the transaction that made the change.';
COMMENT ON COLUMN iso28000.history.session_role IS 'Session user (the login) that made the change.';
COMMENT ON COLUMN iso28000.history.acting_role IS 'Current user when the change was made (differs from the session user under SET ROLE or inside SECURITY DEFINER functions).';
COMMENT ON COLUMN iso28000.history.txid IS 'Transaction id (64-bit, as pg_current_xact_id()) of the change.';
COMMENT ON COLUMN iso28000.history.table_name IS 'Schema-qualified name of the register that changed.';
COMMENT ON COLUMN iso28000.history.operation IS 'INSERT, UPDATE or DELETE.';
COMMENT ON COLUMN iso28000.history.row_key IS 'Primary key of the changed row, as a jsonb object of its key columns.';
COMMENT ON COLUMN iso28000.history.before_image IS 'The row before the change (UPDATE, DELETE), as jsonb; NULL for INSERT.';
COMMENT ON COLUMN iso28000.history.after_image IS 'The row after the change (INSERT, UPDATE), as jsonb; NULL for DELETE.';
COMMENT ON COLUMN iso28000.history.prev_hash IS 'Hash of the previous record of the chain; 32 zero bytes for the first.';
COMMENT ON COLUMN iso28000.history.hash IS 'SHA-256 over the canonical serialisation of this record, prev_hash included (doc/history.md).';
COMMENT ON COLUMN iso28000.history.acting_person IS 'The acting person of the organisation when the change was made (acting_person(): act_as() of a delegated role, or the person whose db_role was the current role), recorded as a fact at write time and covered by the hash; NULL when nobody acted as a person, and for every record written before 0.2.0.';

-- The head of each organisation's chain, and its lock.
CREATE TABLE iso28000.history_head (
    org_id   bigint PRIMARY KEY,
    seq      bigint NOT NULL,
    hash     bytea NOT NULL,
    moved_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE iso28000.history_head IS
  'ISO 28000 7.5.3: Head of each organisation''s history chain (last sequence number and hash); its row is locked while a change is chained, so the chain stays linear.';
COMMENT ON COLUMN iso28000.history_head.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.history_head.seq IS 'Sequence number of the last record of the chain (0 before the first).';
COMMENT ON COLUMN iso28000.history_head.hash IS 'Hash of the last record of the chain.';
COMMENT ON COLUMN iso28000.history_head.moved_at IS 'When the head last moved.';

-- pg_dump keeps the history and the heads, so a restored chain verifies and goes on.
SELECT pg_catalog.pg_extension_config_dump('iso28000.history', '');
SELECT pg_catalog.pg_extension_config_dump('iso28000.history_head', '');

REVOKE ALL ON iso28000.history, iso28000.history_head FROM PUBLIC;
GRANT SELECT ON iso28000.history, iso28000.history_head TO PUBLIC;
ALTER TABLE iso28000.history ENABLE ROW LEVEL SECURITY;
CREATE POLICY auditor_read ON iso28000.history FOR SELECT
  USING (org_id = ANY (iso28000.policy_orgs('audit')));
ALTER TABLE iso28000.history_head ENABLE ROW LEVEL SECURITY;
CREATE POLICY auditor_read ON iso28000.history_head FOR SELECT
  USING (org_id = ANY (iso28000.policy_orgs('audit')));

-- Records the changed rows of a register into their organisations' chains.
CREATE FUNCTION iso28000.history_record()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'history_record';
REVOKE ALL ON FUNCTION iso28000.history_record() FROM PUBLIC;
COMMENT ON FUNCTION iso28000.history_record() IS
  'Trigger: appends one history record per changed row to the chain of the row''s organisation (statement level, with transition tables); refuses TRUNCATE of a register (IS202). Attach it with attach_history().';

-- Refuses any change to the history other than the recorder's appends.
CREATE FUNCTION iso28000.history_refuse_change()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'history_refuse_change';
COMMENT ON FUNCTION iso28000.history_refuse_change() IS
  'Trigger: refuses UPDATE, DELETE and TRUNCATE of the history (and DELETE and TRUNCATE of its heads) with IS201.';

CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON iso28000.history
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_refuse_change();
CREATE TRIGGER history_append_only_truncate BEFORE TRUNCATE ON iso28000.history
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_refuse_change();
CREATE TRIGGER history_head_kept BEFORE DELETE ON iso28000.history_head
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_refuse_change();
CREATE TRIGGER history_head_kept_truncate BEFORE TRUNCATE ON iso28000.history_head
  FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_refuse_change();

-- The canonical serialisation of a history record (what its hash covers).
CREATE FUNCTION iso28000.history_canonical(org_id bigint, seq bigint, recorded_at timestamptz,
    session_role text, acting_role text, txid bigint, table_name text, operation text,
    row_key jsonb, before_image jsonb, after_image jsonb, prev_hash bytea, acting_person bigint DEFAULT NULL)
RETURNS text
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'history_canonical';
COMMENT ON FUNCTION iso28000.history_canonical(bigint, bigint, timestamptz, text, text, bigint, text, text, jsonb, jsonb, jsonb, bytea, bigint) IS
  'Canonical serialisation of a history record: netstring fields, as documented in doc/history.md; the acting person is a last field only when it is not NULL. NULL when a required field is NULL or prev_hash is not 32 bytes.';

-- SHA-256 over the canonical serialisation of a history record.
CREATE FUNCTION iso28000.history_hash(org_id bigint, seq bigint, recorded_at timestamptz,
    session_role text, acting_role text, txid bigint, table_name text, operation text,
    row_key jsonb, before_image jsonb, after_image jsonb, prev_hash bytea, acting_person bigint DEFAULT NULL)
RETURNS bytea
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'history_hash';
COMMENT ON FUNCTION iso28000.history_hash(bigint, bigint, timestamptz, text, text, bigint, text, text, jsonb, jsonb, jsonb, bytea, bigint) IS
  'SHA-256 of history_canonical() of the same fields: the hash a history record must carry.';

-- Attaches the history chain to a register (register_table() calls it).
CREATE FUNCTION iso28000.attach_history(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
BEGIN
    PERFORM iso28000._require_extension_table(tbl, 'IS210', format('table %s cannot have a history', tbl),
                'The history records only the extension''s own registers.');
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND attnum > 0 AND NOT attisdropped) THEN
        RAISE EXCEPTION 'table % has no org_id column', tbl
              USING ERRCODE = 'IS205', SCHEMA = 'iso28000', TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl),
                    COLUMN = 'org_id',
                    DETAIL = 'The history chains each row into the chain of the organisation named by its org_id.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = tbl AND attname = 'org_id' AND atttypid = 'bigint'::regtype AND attnotnull) THEN
        RAISE EXCEPTION 'column org_id of table % is not bigint NOT NULL', tbl
              USING ERRCODE = 'IS205', SCHEMA = 'iso28000', TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl),
                    COLUMN = 'org_id',
                    DETAIL = 'org_id refers to iso28000.organization, whose key is bigint; every row belongs to one organisation.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = tbl AND contype = 'p') THEN
        RAISE EXCEPTION 'table % has no primary key', tbl
              USING ERRCODE = 'IS205', SCHEMA = 'iso28000', TABLE = (SELECT c.relname::text FROM pg_class c WHERE c.oid = tbl),
                    DETAIL = 'A history record names the changed row by its primary key.';
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_insert ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_update ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_delete ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS iso28000_history_truncate ON %s', tbl);
    -- A trigger with transition tables fires for one event only: three of them.
    EXECUTE format('CREATE TRIGGER iso28000_history_insert AFTER INSERT ON %s
                      REFERENCING NEW TABLE AS iso28000_new
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
    EXECUTE format('CREATE TRIGGER iso28000_history_update AFTER UPDATE ON %s
                      REFERENCING OLD TABLE AS iso28000_old NEW TABLE AS iso28000_new
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
    EXECUTE format('CREATE TRIGGER iso28000_history_delete AFTER DELETE ON %s
                      REFERENCING OLD TABLE AS iso28000_old
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
    EXECUTE format('CREATE TRIGGER iso28000_history_truncate BEFORE TRUNCATE ON %s
                      FOR EACH STATEMENT EXECUTE FUNCTION iso28000.history_record()', tbl);
END
$$;
REVOKE ALL ON FUNCTION iso28000.attach_history(regclass) FROM PUBLIC;
COMMENT ON FUNCTION iso28000.attach_history(regclass) IS
  'Attaches the history chain to a register: every INSERT, UPDATE and DELETE is recorded, TRUNCATE is refused (IS202). The table must be a permanent table of schema iso28000 owned by the extension''s owner (IS210) with org_id bigint NOT NULL and a primary key (IS205). register_table() calls it. Not granted to PUBLIC.';

-- The two tables of the tenant model (sql/core/04_tenant.sql) are recorded
-- too; every register after this file is recorded by register_table().
SELECT iso28000.attach_history('iso28000.membership');
SELECT iso28000.attach_history('iso28000.organization');

-- The head of an organisation's chain, to keep outside the database.
CREATE FUNCTION iso28000.history_digest(org bigint,
    OUT org_id bigint, OUT seq bigint, OUT hash bytea, OUT digest text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM iso28000.require_level(org, 'audit');
    org_id := org;
    SELECT h.seq, h.hash INTO seq, hash FROM iso28000.history_head h WHERE h.org_id = org;
    IF NOT FOUND THEN
        seq := 0;
        hash := decode(repeat('00', 32), 'hex');
    END IF;
    digest := format('%s:%s:%s', org, seq, encode(hash, 'hex'));
END
$$;
COMMENT ON FUNCTION iso28000.history_digest(bigint) IS
  'Head of the organisation''s history chain: last sequence number, its hash, and both as one digest text "org_id:seq:hash" to keep outside the database and pass to verify_history() later. Needs level audit (IS001).';

-- The walk of verify_history(): every record of a chain in seq order, streamed in C.
CREATE FUNCTION iso28000.history_verify_chain(org bigint, kept_seq bigint, kept_hash bytea,
    OUT records_checked bigint, OUT first_broken_seq bigint, OUT problem text, OUT detail text,
    OUT last_hash bytea)
RETURNS record
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'history_verify_chain';
COMMENT ON FUNCTION iso28000.history_verify_chain(bigint, bigint, bytea) IS
  'The records walk of verify_history(), in C (src/history_verify.c): reads the organisation''s history in seq order with one query whose rows it checks as the executor produces them, as the caller (row-level security applies), recomputes each hash over the canonical serialisation and returns the records checked and the first broken link (missing, reordered, inserted, altered, digest_mismatch against kept_seq and kept_hash), or the hash of the last record when none is broken. verify_history() adds the level check and the chain head.';

-- The jsonb text that verify_history() hashes, written from the binary value.
CREATE FUNCTION iso28000.history_jsonb_text(value jsonb, fallback boolean DEFAULT true)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'history_jsonb_text';
COMMENT ON FUNCTION iso28000.history_jsonb_text(jsonb, boolean) IS
  'The text of a jsonb value as verify_history() hashes it: written straight from the stored binary value (src/history_jsonb_text.c), byte for byte what value::text (JsonbToCString) writes, which the history''s hashes cover; a value the writer leaves to JsonbToCString (a NUL byte in a string, nesting deeper than 256, a special or oddly stored numeric) is written by JsonbToCString, or is NULL when fallback is false. For checking the writer against value::text.';

-- Recomputes an organisation's chain and names the first broken link.
CREATE FUNCTION iso28000.verify_history(org bigint, kept_digest text DEFAULT NULL,
    OUT valid boolean, OUT records_checked bigint, OUT first_broken_seq bigint,
    OUT problem text, OUT detail text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    prev bytea;
    head_seq bigint;
    head_hash bytea;
    kept text[];
    kept_seq bigint;
    kept_hash bytea;
BEGIN
    PERFORM iso28000.require_level(org, 'audit');
    IF kept_digest IS NOT NULL THEN
        kept := regexp_match(kept_digest, '^([0-9]+):([0-9]+):([0-9a-f]{64})$');
        IF kept IS NULL THEN
            RAISE EXCEPTION 'invalid input syntax for a history digest: "%"', kept_digest
                  USING ERRCODE = '22P02',
                        HINT = 'A digest is "org_id:seq:hash" as returned by iso28000.history_digest().';
        END IF;
        IF kept[1]::bigint <> org THEN
            RAISE EXCEPTION 'digest "%" is of organisation %, not of organisation %', kept_digest, kept[1], org
                  USING ERRCODE = 'IS204', SCHEMA = 'iso28000', TABLE = 'history_head', COLUMN = 'org_id',
                        DETAIL = 'A kept digest only vouches for the chain of its own organisation.',
                        HINT = 'Pass the digest that iso28000.history_digest() returned for this organisation.';
        END IF;
        kept_seq := kept[2]::bigint;
        kept_hash := decode(kept[3], 'hex');
    END IF;

    valid := false;
    SELECT c.records_checked, c.first_broken_seq, c.problem, c.detail, c.last_hash
      INTO records_checked, first_broken_seq, problem, detail, prev
      FROM iso28000.history_verify_chain(org, kept_seq, kept_hash) c;
    IF problem IS NOT NULL THEN
        RETURN;
    END IF;

    SELECT h.seq, h.hash INTO head_seq, head_hash FROM iso28000.history_head h WHERE h.org_id = org;
    IF NOT FOUND THEN
        head_seq := 0;
        head_hash := decode(repeat('00', 32), 'hex');
    END IF;
    IF head_seq > records_checked THEN
        first_broken_seq := records_checked + 1;
        problem := 'missing';
        detail := format('the chain ends at record %s but its head is at record %s: records were removed',
                         records_checked, head_seq);
        RETURN;
    ELSIF head_seq < records_checked THEN
        first_broken_seq := head_seq + 1;
        problem := 'inserted';
        detail := format('records %s to %s lie beyond the chain head (record %s)',
                         head_seq + 1, records_checked, head_seq);
        RETURN;
    ELSIF head_hash IS DISTINCT FROM prev THEN
        first_broken_seq := head_seq;
        problem := 'altered';
        detail := format('the chain head does not carry the hash of record %s', head_seq);
        RETURN;
    END IF;
    IF kept_seq > records_checked THEN
        first_broken_seq := records_checked + 1;
        problem := 'missing';
        detail := format('the kept digest names record %s but the chain ends at record %s',
                         kept_seq, records_checked);
        RETURN;
    END IF;
    valid := true;
END
$$;
COMMENT ON FUNCTION iso28000.verify_history(bigint, text) IS
  'Recomputes the organisation''s history chain and checks it against its head and, if given, a digest kept from history_digest(). Returns valid, the records checked before the first broken link, and that link: its seq, the problem (missing, altered, reordered, inserted, digest_mismatch) and a sentence. Needs level audit (IS001).';
