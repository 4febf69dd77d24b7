-- The demo's roles, organisations and people.  The roles are plain NOLOGIN
-- roles: the demo acts as them with SET ROLE, as an application would log in
-- as them.  Nothing here needs the extension's owner after CREATE EXTENSION.
CREATE EXTENSION iso28000 VERSION '0.2.0';   -- the one change to this copy: the release under test

CREATE ROLE npl_security_manager NOLOGIN;   -- manages Northsea Port & Logistics
CREATE ROLE npl_auditor NOLOGIN;            -- internal auditor at NPL
CREATE ROLE npl_viewer NOLOGIN;             -- a BI reader at NPL
CREATE ROLE bc_quality_lead NOLOGIN;        -- manages Baltic Carriers

SELECT iso28000.create_organization('NPL', 'Northsea Port & Logistics', 'npl_security_manager');
SELECT iso28000.create_organization('BC', 'Baltic Carriers', 'bc_quality_lead');

SET ROLE npl_security_manager;
UPDATE iso28000.organization SET legal_name = 'Northsea Port & Logistics B.V.', country = 'NL', sector = 'Port operations and logistics';
SELECT iso28000.grant_access(org_id, 'npl_auditor', 'audit') FROM iso28000.organization WHERE code = 'NPL';
SELECT iso28000.grant_access(org_id, 'npl_viewer', 'read') FROM iso28000.organization WHERE code = 'NPL';
INSERT INTO iso28000.person (org_id, full_name, email, job_title, db_role)
SELECT org_id, p.full_name, p.email, p.job_title, p.db_role
  FROM iso28000.organization,
       (VALUES ('Marit de Vries', 'm.devries@npl.example', 'Security manager', 'npl_security_manager'),
               ('Joost Bakker',   'j.bakker@npl.example',  'Internal auditor', 'npl_auditor'),
               ('Anouk Jansen',   'a.jansen@npl.example',  'Terminal operations lead', NULL),
               ('Pieter Smit',    'p.smit@npl.example',    'Gate and access control supervisor', NULL),
               ('Sanne Visser',   's.visser@npl.example',  'Supply-chain security officer', NULL),
               ('Daan Mulder',    'd.mulder@npl.example',  'IT security officer', NULL),
               ('Lotte de Boer',  'l.deboer@npl.example',  'Managing director', NULL))
       AS p(full_name, email, job_title, db_role)
 WHERE code = 'NPL';
RESET ROLE;

SET ROLE bc_quality_lead;
INSERT INTO iso28000.person (org_id, full_name, email, job_title, db_role)
SELECT org_id, p.full_name, p.email, p.job_title, p.db_role
  FROM iso28000.organization,
       (VALUES ('Kristjan Tamm', 'k.tamm@bc.example', 'Quality and security lead', 'bc_quality_lead'),
               ('Liis Kask',     'l.kask@bc.example', 'Fleet manager', NULL))
       AS p(full_name, email, job_title, db_role)
 WHERE code = 'BC';
RESET ROLE;
