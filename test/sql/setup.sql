-- Creates the extension for the pg_regress suite; every later test uses it.
CREATE EXTENSION iso28000;
-- the version this checkout builds (any release: version-independent output)
SELECT extname, extversion = a.default_version AS default_version, extrelocatable, nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  JOIN pg_available_extensions a ON a.name = e.extname
 WHERE extname = 'iso28000';
