-- The managing director of NPL, Lotte de Boer, chairs management reviews and
-- approves what the security manager writes; the workflows check that the
-- session approving is the person named as approver, so she gets a database
-- role of her own, at manage level.
SET search_path = iso28000, public;   -- the operators of the extension's types, whatever the database's search_path
CREATE ROLE npl_director NOLOGIN;
SET ROLE npl_security_manager;
SELECT iso28000.grant_access(org_id, 'npl_director', 'manage') FROM iso28000.organization WHERE code = 'NPL';
UPDATE iso28000.person SET db_role = 'npl_director'
 WHERE full_name = 'Lotte de Boer' AND org_id = (SELECT org_id FROM iso28000.organization WHERE code = 'NPL');
RESET ROLE;

-- NPL's intranet is an application with one pooled login for many people: the
-- security manager delegates it (doc/security.md), and each of its transactions
-- names the person it acts for with iso28000.act_as(org, person).
CREATE ROLE npl_intranet NOLOGIN;
SET ROLE npl_security_manager;
SELECT iso28000.grant_access(org_id, 'npl_intranet', 'audit') FROM iso28000.organization WHERE code = 'NPL';
SELECT iso28000.grant_delegation(org_id, 'npl_intranet', 'NPL intranet (pooled login)') FROM iso28000.organization WHERE code = 'NPL';
RESET ROLE;
