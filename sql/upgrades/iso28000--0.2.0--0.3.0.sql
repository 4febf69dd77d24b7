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
