-- test/soak/step.sql: one pgbench transaction; soak.step() (test/soak/setup.sql)
-- acts as the client's own role and logs what it asked for and what happened.
\set r random(1, 100)
SELECT soak.step(:client_id, :r);
