-- Creates the extension for the pg_regress suite; every later test uses it.
CREATE EXTENSION iso28000;
SELECT extname, extversion, extrelocatable, nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'iso28000';
