# test/robust/enforced.sql: requests that must still be refused after a restore
# (test/suite.d/dump_restore), one per line: SQLSTATE<TAB>role<TAB>statement;
# "none" for a request that must go through (the DBA's own rule, restored).
# Used once the registers of test/robust/workflows.sql exist.
IS105	npl_security_manager	UPDATE iso28000.nonconformity SET description = 'edited after closure' WHERE title = 'Restore check: closed'
IS102	npl_security_manager	UPDATE iso28000.nonconformity SET status = 'verified' WHERE title = 'Restore check: reported'
IS103	npl_security_manager	UPDATE iso28000.nonconformity SET status = 'contained' WHERE title = 'Restore check: reported'
IS104	npl_security_manager	UPDATE iso28000.nonconformity SET status = 'action_taken' WHERE title = 'Restore check: planned'
IS107	npl_security_manager	DELETE FROM iso28000.nonconformity WHERE title = 'Restore check: planned'
IS150	npl_security_manager	INSERT INTO iso28000.corrective_action (org_id, nonconformity_id, title, owner_id, due_on) SELECT n.org_id, n.nonconformity_id, 'late', p.person_id, current_date FROM iso28000.nonconformity n JOIN iso28000.person p ON p.org_id = n.org_id AND p.db_role = 'npl_security_manager' WHERE n.title = 'Restore check: closed'
IS106	npl_auditor	UPDATE iso28000.nonconformity SET status = 'cause_analysed' WHERE title = 'Restore check: closed'
IS102	npl_security_manager	UPDATE iso28000.risk SET status = 'treated' WHERE status = 'accepted'
none	npl_security_manager	UPDATE iso28000.nonconformity SET status = 'reported' WHERE title = 'Restore check: rejected'
