-- 7.5.2, 7.5.3: the document workflow on document_version: draft, in_review,
-- approved (by someone who is not the author), superseded (automatically when
-- a later version is approved), withdrawn; every refusal with its SQLSTATE.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(22);

CREATE ROLE tap_author NOLOGIN;
CREATE ROLE tap_approver NOLOGIN;
SELECT iso28000.create_organization('DOCS', 'Docs Ltd') AS d \gset
SELECT iso28000.grant_access(:d, 'tap_author', 'write');
SELECT iso28000.grant_access(:d, 'tap_approver', 'write');
INSERT INTO iso28000.person (org_id, full_name, db_role)
VALUES (:d, 'Ann Author', 'tap_author'), (:d, 'Paul Approver', 'tap_approver'), (:d, 'Olga Other', NULL);
SELECT person_id AS ann FROM iso28000.person WHERE org_id = :d AND db_role = 'tap_author' \gset
SELECT person_id AS paul FROM iso28000.person WHERE org_id = :d AND db_role = 'tap_approver' \gset
SELECT person_id AS olga FROM iso28000.person WHERE org_id = :d AND full_name = 'Olga Other' \gset
INSERT INTO iso28000.document (org_id, code, title, doc_type, owner_id)
VALUES (:d, 'SEC-PR-1', 'Gate procedure', 'procedure', :ann) RETURNING document_id AS doc \gset

SET SESSION AUTHORIZATION tap_author;
SELECT throws_ok(format($$INSERT INTO iso28000.document_version (org_id, document_id, version_label, status, author_id, approver_id, approved_on)
                          VALUES (%s, %s, '1', 'approved', %s, %s, current_date)$$, :d, :doc, :ann, :paul),
                 'IS102', NULL, 'a version cannot be created approved');
SELECT lives_ok(format($$INSERT INTO iso28000.document_version (org_id, document_id, version_label, author_id)
                         VALUES (%s, %s, '1', %s)$$, :d, :doc, :ann),
                'a version starts as a draft');
SELECT is((SELECT status FROM iso28000.document_version WHERE version_label = '1'), 'draft', 'the initial state is draft');
SELECT throws_ok($$UPDATE iso28000.document_version SET status = 'approved', approver_id = 2, approved_on = current_date$$,
                 'IS102', NULL, 'a draft cannot skip the review');
SELECT throws_ok($$UPDATE iso28000.document_version SET status = 'published'$$, 'IS101', NULL, 'an unknown state is refused');
SELECT lives_ok($$UPDATE iso28000.document_version SET status = 'in_review'$$, 'the author submits the draft');
SELECT throws_ok($$UPDATE iso28000.document_version SET status = 'approved'$$,
                 'IS103', NULL, 'approval needs an approver and a date');
SELECT throws_ok(format($$UPDATE iso28000.document_version SET status = 'approved', approver_id = %s, approved_on = current_date$$, :ann),
                 'IS104', NULL, 'the author cannot be the approver');
SELECT throws_ok(format($$UPDATE iso28000.document_version SET status = 'approved', approver_id = %s, approved_on = current_date$$, :paul),
                 'IS104', NULL, 'the author''s session cannot approve in someone else''s name');
RESET SESSION AUTHORIZATION;

SET SESSION AUTHORIZATION tap_approver;
SELECT throws_ok(format($$UPDATE iso28000.document_version SET status = 'approved', approver_id = %s, approved_on = current_date$$, :olga),
                 'IS104', NULL, 'a session approves only as the approver it names');
SELECT lives_ok(format($$UPDATE iso28000.document_version SET status = 'approved', approver_id = %s, approved_on = current_date - 10$$, :paul),
                'an independent approver approves');
SELECT is((SELECT status_changed_by FROM iso28000.document_version WHERE version_label = '1'), 'tap_approver'::name,
          'the engine stamps who made the transition');
SELECT throws_ok($$UPDATE iso28000.document_version SET content_uri = 'changed'$$, 'IS105', NULL,
                 'an approved version cannot be edited');
SELECT throws_ok($$DELETE FROM iso28000.document_version$$, 'IS107', NULL, 'an approved version cannot be deleted');
RESET SESSION AUTHORIZATION;

-- a second version: approving it supersedes the first
SET SESSION AUTHORIZATION tap_author;
INSERT INTO iso28000.document_version (org_id, document_id, version_label, author_id, change_summary)
VALUES (:d, :doc, '2', :ann, 'New gate hours');
UPDATE iso28000.document_version SET status = 'in_review' WHERE version_label = '2';
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tap_approver;
SELECT lives_ok(format($$UPDATE iso28000.document_version SET status = 'approved', approver_id = %s, approved_on = current_date
                          WHERE version_label = '2'$$, :paul),
                'the second version is approved while the first is in force');
RESET SESSION AUTHORIZATION;
SELECT results_eq($$SELECT version_label, status, superseded_on FROM iso28000.document_version ORDER BY version_label$$,
                  $$VALUES ('1', 'superseded', current_date), ('2', 'approved', NULL::date)$$,
                  'approving version 2 superseded version 1 on the approval date');
SELECT is((SELECT array_agg(coalesce(from_state, '') || '>' || to_state || ' by ' || actor ORDER BY event_id)
             FROM iso28000.workflow_event WHERE table_name = 'iso28000.document_version'::regclass),
          ARRAY['>draft by tap_author', 'draft>in_review by tap_author', 'in_review>approved by tap_approver',
                '>draft by tap_author', 'draft>in_review by tap_author', 'approved>superseded by tap_approver',
                'in_review>approved by tap_approver'],
          'every transition is in the event log, the automatic supersession included');
SELECT is((SELECT version_label FROM iso28000.document_current WHERE document_id = :doc), '2',
          'document_current shows the version in force');
SELECT throws_ok($$UPDATE iso28000.document_version SET status = 'approved' WHERE version_label = '1'$$,
                 'IS102', NULL, 'a superseded version cannot come back');

-- withdrawal, and deleting drafts
SET SESSION AUTHORIZATION tap_author;
INSERT INTO iso28000.document_version (org_id, document_id, version_label, author_id) VALUES (:d, :doc, '3-draft', :ann);
SELECT lives_ok($$DELETE FROM iso28000.document_version WHERE version_label = '3-draft'$$, 'a draft may be deleted');
SELECT lives_ok($$UPDATE iso28000.document_version SET status = 'withdrawn', status_note = 'Gate closed' WHERE version_label = '2'$$,
                'the version in force is withdrawn');
RESET SESSION AUTHORIZATION;
SELECT is_empty('SELECT 1 FROM iso28000.document_current WHERE version_label IS NOT NULL',
                'a withdrawn document has no version in force');

SELECT * FROM finish();
ROLLBACK;
