-- register_table() comments the standard columns of the extension's own
-- registers (org_id and the identity key) unless the register commented them
-- itself, before or after the call; they rely on it instead of repeating it.
BEGIN;
CREATE EXTENSION iso28000;
SELECT plan(2);

-- every register of the extension: org_id and each identity column commented
SELECT is(count(*), 0::bigint, 'every org_id and identity column of the extension''s registers has a comment')
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'iso28000'::regnamespace AND c.relkind = 'r'
   AND (a.attname = 'org_id' OR a.attidentity <> '') AND NOT a.attisdropped
   AND col_description(a.attrelid, a.attnum) IS NULL;
SELECT is(col_description('iso28000.supply_chain_node'::regclass,
                          (SELECT attnum FROM pg_attribute WHERE attrelid = 'iso28000.supply_chain_node'::regclass AND attname = 'node_id')),
          'Surrogate key within the organisation.',
          'a register that says nothing about its key gets the standard comment (supply_chain_node.node_id)');

SELECT * FROM finish();
ROLLBACK;
