-- Baltic Carriers (BC), a second organisation in the same database: a road
-- and rail carrier with a small SMS of its own.  Its quality lead sees only
-- BC; NPL's roles never see BC's rows, and the other way round (row-level
-- security on every register), which the dashboard shows.
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
SET ROLE bc_quality_lead;
SELECT org_id AS bc FROM iso28000.organization WHERE code = 'BC' \gset
SELECT max(person_id) FILTER (WHERE full_name = 'Kristjan Tamm') AS kristjan,
       max(person_id) FILTER (WHERE full_name = 'Liis Kask')     AS liis
  FROM iso28000.person WHERE org_id = :bc \gset

INSERT INTO iso28000.sms_process (org_id, code, name, purpose, owner_id, critical, established_on)
VALUES (:bc, 'T1', 'Road and rail haulage', 'Move containers between ports and inland terminals.', :liis, true, current_date - 500);

INSERT INTO iso28000.risk (org_id, reference, title, threat, vulnerability, asset, sms_process_id,
                           inherent_rating, residual_rating, owner_id, treatment, identified_on, assessed_on, review_on)
SELECT :bc, 'BC-' || g, r.title, r.threat, r.vuln, r.asset, p.sms_process_id,
       r.inh::iso28000.risk_rating, CASE WHEN g <= 4 THEN r.res::iso28000.risk_rating END, :liis, 'reduce',
       current_date - 200, current_date - 190, current_date + 30 * g
  FROM (VALUES (1, 'Cargo theft at unsecured parking', 'Cargo theft', 'No secured parking on the Baltic corridor', 'Trucks', 'L6C6', 'L4C5'),
               (2, 'Driver coercion by criminals', 'Coercion', 'Drivers alone on long routes', 'Drivers', 'L4C7', 'L3C6'),
               (3, 'GPS jamming of trackers', 'Jamming', 'Single tracking technology', 'Telematics', 'L5C4', 'L3C4'),
               (4, 'Seal tampering in rail yards', 'Tampering', 'Unattended wagons', 'Rail wagons', 'L5C6', 'L3C5'),
               (5, 'Fuel card fraud', 'Fraud', 'Cards not PIN-protected', 'Fuel cards', 'L6C3', 'L2C3'),
               (6, 'Stowaways at ferry terminals', 'Stowaways', 'Trailer doors not locked during waits', 'Trailers', 'L4C5', 'L2C4'))
       AS r(g, title, threat, vuln, asset, inh, res)
  JOIN iso28000.sms_process p ON p.org_id = :bc AND p.code = 'T1';

-- Assessed through the risk workflow; two kept at their inherent rating only.
UPDATE iso28000.risk SET status = 'assessed' WHERE org_id = :bc;

INSERT INTO iso28000.objective (org_id, title, target, unit, direction, baseline, baseline_on, set_on, due_on, owner_id, evaluation_method)
VALUES (:bc, 'Trips using secured parking', 90, '%', 'increase', 40, current_date - 370, current_date - 365, current_date + 100, :liis, 'Telematics stops, monthly');
INSERT INTO iso28000.objective_measurement (org_id, objective_id, measured_on, value, measured_by)
SELECT :bc, o.objective_id, (current_date - 360 + 30 * m)::date, 40 + 4 * m, :liis
  FROM iso28000.objective o CROSS JOIN generate_series(0, 11) AS m
 WHERE o.org_id = :bc;

SELECT to_regclass('iso28000.nonconformity') IS NOT NULL AS has_nc \gset
\if :has_nc
INSERT INTO iso28000.nonconformity (org_id, title, source, clause, severity, detected_on, reported_by, owner_id)
VALUES (:bc, 'Truck parked overnight at an unsecured lay-by', 'monitoring', '8.1', 'minor', current_date - 45, :liis, :liis),
       (:bc, 'Driver training records missing', 'other', '7.2', 'minor', current_date - 20, :kristjan, :liis);
\endif
RESET ROLE;
