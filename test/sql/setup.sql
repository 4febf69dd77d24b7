-- Creates the extension for the pg_regress suite; every later test uses it.
CREATE EXTENSION iso28000;
-- The version made, in a release's form (version-independent output).  Not
-- compared with pg_available_extensions: the suites install into the
-- checkout's tmp_install/ (Debian's extension_destdir), which CREATE
-- EXTENSION reads and pg_available_extensions does not, so on a machine
-- without a system-wide install that view has no row for iso28000.
SELECT extname, extversion ~ '^[0-9]+\.[0-9]+\.[0-9]+$' AS release_form, extrelocatable, nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'iso28000';
