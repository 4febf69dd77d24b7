/*
 * sql/clauses/clause08_1-2_operation.sql
 *
 * ISO 28000:2022 clauses 8.1 and 8.2, Operational planning and control and the
 * identification of processes and activities: activities of the SMS processes
 * (the process register itself is clause 4.4, iso28000.sms_process), the
 * supply-chain nodes and the dependency links between them, what processes
 * depend on, and the views over that graph: transitive dependencies both ways,
 * interdependencies (cycles) and single points of failure.
 *
 * Graph semantics, used by every view and function below:
 *   - supply_chain_dependency (node_id, depends_on_id): node_id needs depends_on_id.
 *   - criticality low < medium < high < critical.  A dependency of criticality
 *     critical is one without which the dependent cannot operate at all; lower
 *     criticalities degrade it but do not stop it.
 *   - Dependencies of one dependent that share an alternative_group are
 *     interchangeable: the need is met while any one of them is available.  A
 *     dependency with no alternative_group is a need on its own.
 *   - The criticality of a transitive dependency is that of its strongest path,
 *     where a path is as critical as its weakest link.
 */

------------------------------------------------------------------------------
-- Supply-chain nodes and their dependency links
------------------------------------------------------------------------------

-- Rank of a criticality label: low 1, medium 2, high 3, critical 4, else NULL.
-- Not STRICT, so that the planner inlines it (array_position is not strict).
CREATE FUNCTION iso28000.criticality_rank(criticality text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS
$$ SELECT array_position(ARRAY['low', 'medium', 'high', 'critical'], criticality) $$;

COMMENT ON FUNCTION iso28000.criticality_rank(text) IS
  'ISO 28000 8.2: Rank of a criticality label (low 1, medium 2, high 3, critical 4; NULL for anything else), to order and compare criticalities.';

-- Label of a criticality rank: the inverse of criticality_rank.
CREATE FUNCTION iso28000.criticality_label(rank integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS
$$ SELECT (ARRAY['low', 'medium', 'high', 'critical'])[rank] $$;

COMMENT ON FUNCTION iso28000.criticality_label(integer) IS
  'ISO 28000 8.2: Label of a criticality rank (1 low, 2 medium, 3 high, 4 critical; NULL outside 1 to 4), the inverse of criticality_rank.';

CREATE TABLE iso28000.supply_chain_node (
  org_id      bigint  NOT NULL REFERENCES iso28000.organization,
  node_id     bigint  GENERATED ALWAYS AS IDENTITY,
  code        text    NOT NULL,
  name        text    NOT NULL,
  kind        text    NOT NULL,
  external    boolean NOT NULL DEFAULT false,
  country     text,
  location    text,
  description text,
  owner_id    bigint,
  active      boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, node_id),
  UNIQUE (org_id, code),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  CONSTRAINT supply_chain_node_code_check CHECK (btrim(code) <> ''),
  CONSTRAINT supply_chain_node_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT supply_chain_node_kind_check CHECK (kind IN ('supplier', 'manufacturer', 'site',
    'carrier', 'forwarder', 'warehouse', 'port', 'airport', 'border_crossing', 'customer',
    'service_provider', 'authority', 'other')),
  CONSTRAINT supply_chain_node_country_check CHECK (country ~ '^[A-Z]{2}$')
);
SELECT iso28000.register_table('iso28000.supply_chain_node');

COMMENT ON TABLE iso28000.supply_chain_node IS
  'ISO 28000 8.1, 8.2: Nodes of the supply chain: the organisation''s own sites and the suppliers, manufacturers, carriers, forwarders, warehouses, ports, customers, service providers and authorities it deals with. External nodes are providers or customers run by another party.';
COMMENT ON COLUMN iso28000.supply_chain_node.org_id IS 'The organisation whose supply chain this is.';
COMMENT ON COLUMN iso28000.supply_chain_node.code IS 'Short identification, unique within the organisation (required, not blank).';
COMMENT ON COLUMN iso28000.supply_chain_node.name IS 'Name (required, not blank).';
COMMENT ON COLUMN iso28000.supply_chain_node.kind IS
  'supplier, manufacturer, site, carrier, forwarder, warehouse, port, airport, border_crossing, customer, service_provider, authority or other.';
COMMENT ON COLUMN iso28000.supply_chain_node.external IS
  'True when another party runs the node: the security requirements for providers apply to it.';
COMMENT ON COLUMN iso28000.supply_chain_node.country IS 'ISO 3166-1 alpha-2 country code (two capital letters).';
COMMENT ON COLUMN iso28000.supply_chain_node.location IS 'Address or coordinates.';
COMMENT ON COLUMN iso28000.supply_chain_node.description IS 'What the node does in the supply chain.';
COMMENT ON COLUMN iso28000.supply_chain_node.owner_id IS 'The person who manages the relationship or the site.';
COMMENT ON COLUMN iso28000.supply_chain_node.active IS 'False once the node has left the supply chain.';

CREATE TABLE iso28000.supply_chain_dependency (
  org_id            bigint NOT NULL REFERENCES iso28000.organization,
  dependency_id     bigint GENERATED ALWAYS AS IDENTITY,
  node_id           bigint NOT NULL,
  depends_on_id     bigint NOT NULL,
  criticality       text   NOT NULL DEFAULT 'medium',
  alternative_group text,
  flow              text   NOT NULL DEFAULT 'goods',
  description       text,
  PRIMARY KEY (org_id, dependency_id),
  UNIQUE (org_id, node_id, depends_on_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  FOREIGN KEY (org_id, depends_on_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  CONSTRAINT supply_chain_dependency_self_check CHECK (node_id <> depends_on_id),
  CONSTRAINT supply_chain_dependency_criticality_check
    CHECK (criticality IN ('low', 'medium', 'high', 'critical')),
  CONSTRAINT supply_chain_dependency_alternative_group_check CHECK (btrim(alternative_group) <> ''),
  CONSTRAINT supply_chain_dependency_flow_check CHECK (flow IN ('goods', 'service', 'transport',
    'information', 'utility', 'finance', 'other'))
);
SELECT iso28000.register_table('iso28000.supply_chain_dependency');

-- Walking the graph downstream needs the reverse direction indexed too.
CREATE INDEX supply_chain_dependency_reverse
  ON iso28000.supply_chain_dependency (org_id, depends_on_id, node_id);

COMMENT ON TABLE iso28000.supply_chain_dependency IS
  'ISO 28000 8.1, 8.2: Dependency links of the supply chain: node_id needs depends_on_id, with a criticality (critical: cannot operate without it) and an optional alternative_group (links of one node in the same group can replace each other).';
COMMENT ON COLUMN iso28000.supply_chain_dependency.node_id IS 'The dependent node (downstream end).';
COMMENT ON COLUMN iso28000.supply_chain_dependency.depends_on_id IS 'The node it depends on (upstream end); never node_id itself.';
COMMENT ON COLUMN iso28000.supply_chain_dependency.criticality IS
  'low, medium, high or critical; critical means the dependent cannot operate without it (or without an alternative of the same group).';
COMMENT ON COLUMN iso28000.supply_chain_dependency.alternative_group IS
  'Links of the same dependent with the same group are alternatives: the need is met while any one is available. NULL: the link is a need on its own.';
COMMENT ON COLUMN iso28000.supply_chain_dependency.flow IS 'What flows along the link: goods, service, transport, information, utility, finance or other.';
COMMENT ON COLUMN iso28000.supply_chain_dependency.description IS 'What exactly is needed.';

------------------------------------------------------------------------------
-- 8.2 Activities of the SMS processes, and what processes depend on
------------------------------------------------------------------------------

CREATE TABLE iso28000.activity (
  org_id      bigint NOT NULL REFERENCES iso28000.organization,
  activity_id bigint GENERATED ALWAYS AS IDENTITY,
  sms_process_id  bigint NOT NULL,
  name        text   NOT NULL,
  description text,
  owner_id    bigint,
  node_id     bigint,
  sequence_no integer,
  active      boolean NOT NULL DEFAULT true,
  PRIMARY KEY (org_id, activity_id),
  UNIQUE (org_id, sms_process_id, name),
  FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES iso28000.person (org_id, person_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  CONSTRAINT activity_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT activity_sequence_no_check CHECK (sequence_no > 0)
);
SELECT iso28000.register_table('iso28000.activity');

COMMENT ON TABLE iso28000.activity IS
  'ISO 28000 8.1, 8.2: Activities of the SMS processes (the processes are in iso28000.sms_process, clause 4.4), where they are performed and who owns them.';
COMMENT ON COLUMN iso28000.activity.sms_process_id IS 'The process the activity belongs to.';
COMMENT ON COLUMN iso28000.activity.name IS 'Name, unique within the process (required, not blank).';
COMMENT ON COLUMN iso28000.activity.description IS 'What is done, and the security-relevant controls applied.';
COMMENT ON COLUMN iso28000.activity.owner_id IS 'The person responsible for the activity.';
COMMENT ON COLUMN iso28000.activity.node_id IS 'The supply-chain node where it is performed.';
COMMENT ON COLUMN iso28000.activity.sequence_no IS 'Position in the process (positive).';
COMMENT ON COLUMN iso28000.activity.active IS 'False once the activity is no longer performed.';

CREATE TABLE iso28000.process_dependency (
  org_id                bigint NOT NULL REFERENCES iso28000.organization,
  process_dependency_id bigint GENERATED ALWAYS AS IDENTITY,
  sms_process_id            bigint NOT NULL,
  activity_id           bigint,
  node_id               bigint NOT NULL,
  criticality           text   NOT NULL DEFAULT 'medium',
  alternative_group     text,
  description           text,
  PRIMARY KEY (org_id, process_dependency_id),
  FOREIGN KEY (org_id, sms_process_id) REFERENCES iso28000.sms_process (org_id, sms_process_id),
  FOREIGN KEY (org_id, activity_id) REFERENCES iso28000.activity (org_id, activity_id),
  FOREIGN KEY (org_id, node_id) REFERENCES iso28000.supply_chain_node (org_id, node_id),
  CONSTRAINT process_dependency_criticality_check
    CHECK (criticality IN ('low', 'medium', 'high', 'critical')),
  CONSTRAINT process_dependency_alternative_group_check CHECK (btrim(alternative_group) <> '')
);
SELECT iso28000.register_table('iso28000.process_dependency');

CREATE UNIQUE INDEX process_dependency_unique
  ON iso28000.process_dependency (org_id, sms_process_id, node_id, coalesce(activity_id, 0));

COMMENT ON TABLE iso28000.process_dependency IS
  'ISO 28000 8.1, 8.2: The supply-chain nodes a process (or one of its activities) depends on, with criticality and alternatives as in supply_chain_dependency. A process stops when one of its critical dependencies has lost every alternative.';
COMMENT ON COLUMN iso28000.process_dependency.sms_process_id IS 'The dependent process.';
COMMENT ON COLUMN iso28000.process_dependency.activity_id IS 'The activity of that process that needs the node, if the dependency is that specific.';
COMMENT ON COLUMN iso28000.process_dependency.node_id IS 'The node the process depends on.';
COMMENT ON COLUMN iso28000.process_dependency.criticality IS 'low, medium, high or critical (the process cannot run without it).';
COMMENT ON COLUMN iso28000.process_dependency.alternative_group IS 'Dependencies of the same process with the same group are alternatives; NULL: a need on its own.';
COMMENT ON COLUMN iso28000.process_dependency.description IS 'What the process needs from the node.';

-- The activity named in a process dependency must belong to that process.
CREATE FUNCTION iso28000.process_dependency_check_activity() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.activity_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM iso28000.activity a
        WHERE a.org_id = NEW.org_id AND a.activity_id = NEW.activity_id
          AND a.sms_process_id = NEW.sms_process_id) THEN
    RAISE EXCEPTION 'activity % does not belong to process %', NEW.activity_id, NEW.sms_process_id
      USING ERRCODE = 'IS451',
            DETAIL = 'A process dependency may name an activity only of the same process.',
            HINT = 'Use the sms_process_id of the activity, or leave activity_id empty.',
            SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = 'activity_id';
  END IF;
  RETURN NEW;
END $$;

COMMENT ON FUNCTION iso28000.process_dependency_check_activity() IS
  'ISO 28000 8.2: Trigger function refusing (IS451) a process dependency whose activity belongs to another process.';

CREATE TRIGGER process_dependency_check_activity
  BEFORE INSERT OR UPDATE OF sms_process_id, activity_id ON iso28000.process_dependency
  FOR EACH ROW EXECUTE FUNCTION iso28000.process_dependency_check_activity();

-- The risk register (clause 6.1, 8.3) may name the supply-chain node at risk.
-- Standard's order: the 6.1 risk register precedes the 8.1 supply-chain nodes it names, so its link is declared here.
ALTER TABLE iso28000.risk
  ADD CONSTRAINT risk_node_fkey FOREIGN KEY (org_id, node_id)
  REFERENCES iso28000.supply_chain_node (org_id, node_id);

------------------------------------------------------------------------------
-- Transitive dependencies
------------------------------------------------------------------------------

-- The walk of src/supply_chain.c: every node reached from one node, with the strongest path's rank.
CREATE FUNCTION iso28000.supply_chain_reach(org_id bigint, node_id bigint, downstream boolean DEFAULT false,
                                            OUT reached_node_id bigint, OUT rank integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'supply_chain_reach' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION iso28000.supply_chain_reach(bigint, bigint, boolean) IS
  'ISO 28000 8.1, 8.2: Every node that the node depends on (downstream false) or that depends on it (downstream true), directly or transitively, once each, with the criticality rank (1 to 4) of the strongest path. A widest-path search in C that expands each node once: O(nodes + links), terminating on cycles; the node itself is listed when it lies on a cycle. Reads the links as the caller, through row-level security.';

-- Every node one node depends on, transitively, with the strongest path's criticality.
CREATE FUNCTION iso28000.node_upstream(org_id bigint, node_id bigint)
RETURNS TABLE (upstream_node_id bigint, criticality text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.reached_node_id, iso28000.criticality_label(r.rank)
    FROM iso28000.supply_chain_reach($1, $2, false) r
$$;

COMMENT ON FUNCTION iso28000.node_upstream(bigint, bigint) IS
  'ISO 28000 8.1, 8.2: Everything a node depends on, directly or transitively, each once, with the criticality of the strongest path. Terminates on cycles; the node itself is listed when it lies on a cycle.';

-- Every node that depends on one node, transitively, with the strongest path's criticality.
CREATE FUNCTION iso28000.node_downstream(org_id bigint, node_id bigint)
RETURNS TABLE (downstream_node_id bigint, criticality text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.reached_node_id, iso28000.criticality_label(r.rank)
    FROM iso28000.supply_chain_reach($1, $2, true) r
$$;

COMMENT ON FUNCTION iso28000.node_downstream(bigint, bigint) IS
  'ISO 28000 8.1, 8.2: Everything that depends on a node, directly or transitively, each once, with the criticality of the strongest path. Terminates on cycles; the node itself is listed when it lies on a cycle.';

-- The nodes reached from one node, as an array (for supply_chain_closure).
CREATE FUNCTION iso28000._reach_nodes(org_id bigint, node_id bigint, downstream boolean)
RETURNS bigint[]
LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(r.reached_node_id), '{}') FROM iso28000.supply_chain_reach($1, $2, $3) r
$$;

COMMENT ON FUNCTION iso28000._reach_nodes(bigint, bigint, boolean) IS
  'Internal: the nodes supply_chain_reach() reaches from a node, as an array; supply_chain_closure.interdependent.';

-- One walk in C per node (supply_chain_reach, called in the select list) rather
-- than a recursive CTE over every organisation: the same pairs and
-- criticalities, in a shape that Citus runs beside each organisation's shard
-- (doc/distribution.md).
CREATE VIEW iso28000.supply_chain_closure WITH (security_invoker = true) AS
SELECT s.org_id, s.node_id, (s.reach).reached_node_id AS upstream_node_id,
       iso28000.criticality_label((s.reach).rank) AS criticality,
       d.dependency_id IS NOT NULL AS direct,
       (s.reach).reached_node_id = ANY (s.downstream) AS interdependent
  FROM (SELECT n.org_id, n.node_id,
               iso28000.supply_chain_reach(n.org_id, n.node_id, false) AS reach,
               iso28000._reach_nodes(n.org_id, n.node_id, true) AS downstream
          FROM iso28000.supply_chain_node n) s
  LEFT JOIN iso28000.supply_chain_dependency d
    ON d.org_id = s.org_id AND d.node_id = s.node_id AND d.depends_on_id = (s.reach).reached_node_id;

COMMENT ON VIEW iso28000.supply_chain_closure IS
  'ISO 28000 8.1, 8.2: Transitive closure of the supply chain: one row per node and every node it depends on, directly or through others (read by upstream_node_id for everything that depends on a node). Terminates on cycles and flags interdependencies. For one node, node_upstream() and node_downstream() are faster.';
GRANT SELECT ON iso28000.supply_chain_closure TO PUBLIC;
COMMENT ON COLUMN iso28000.supply_chain_closure.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_closure.node_id IS 'The dependent node.';
COMMENT ON COLUMN iso28000.supply_chain_closure.upstream_node_id IS 'A node it depends on, directly or transitively (itself when it lies on a cycle).';
COMMENT ON COLUMN iso28000.supply_chain_closure.criticality IS 'Criticality of the strongest path from node to upstream node (a path is as critical as its weakest link).';
COMMENT ON COLUMN iso28000.supply_chain_closure.direct IS 'True when a direct dependency link exists.';
COMMENT ON COLUMN iso28000.supply_chain_closure.interdependent IS 'True when the upstream node also depends on the node, i.e. both lie on one cycle.';

CREATE VIEW iso28000.supply_chain_interdependency WITH (security_invoker = true) AS
SELECT c.org_id, c.node_id, n.code AS node_code, n.name AS node_name,
       c.upstream_node_id AS interdependent_node_id, u.code AS interdependent_node_code,
       u.name AS interdependent_node_name, c.criticality
  FROM iso28000.supply_chain_closure c
  JOIN iso28000.supply_chain_node n ON n.org_id = c.org_id AND n.node_id = c.node_id
  JOIN iso28000.supply_chain_node u ON u.org_id = c.org_id AND u.node_id = c.upstream_node_id
 WHERE c.interdependent;

COMMENT ON VIEW iso28000.supply_chain_interdependency IS
  'ISO 28000 8.1, 8.2: Interdependencies: pairs of nodes that depend on each other through a cycle of dependency links (each pair in both orders; a node paired with itself lies on a cycle).';
GRANT SELECT ON iso28000.supply_chain_interdependency TO PUBLIC;
COMMENT ON COLUMN iso28000.supply_chain_interdependency.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.node_id IS 'A node on a cycle.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.interdependent_node_id IS 'A node it depends on that also depends on it.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.interdependent_node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.interdependent_node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.supply_chain_interdependency.criticality IS 'Criticality of the strongest path from the node to the interdependent node.';

------------------------------------------------------------------------------
-- Single points of failure
------------------------------------------------------------------------------

-- Nodes and processes that stop when the given nodes are lost, by propagation over critical needs.
CREATE FUNCTION iso28000.node_loss_impact(org_id bigint, lost_node_ids bigint[])
RETURNS TABLE (kind text, id bigint)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  failed bigint[] := lost_node_ids;
  added  bigint[];
BEGIN
  -- A node fails once any of its critical needs has lost every alternative.
  LOOP
    SELECT array_agg(DISTINCT g.node_id) INTO added
      FROM (SELECT d.node_id
              FROM iso28000.supply_chain_dependency d
             WHERE d.org_id = node_loss_impact.org_id
               AND NOT d.node_id = ANY (failed)
             GROUP BY d.node_id, d.alternative_group,
                      CASE WHEN d.alternative_group IS NULL THEN d.dependency_id END
            HAVING bool_or(d.criticality = 'critical')
               AND bool_and(d.depends_on_id = ANY (failed))) g;
    EXIT WHEN added IS NULL;
    failed := failed || added;
  END LOOP;

  RETURN QUERY SELECT 'node'::text, f FROM unnest(failed) AS f;
  RETURN QUERY
    SELECT DISTINCT 'process'::text, g.sms_process_id
      FROM (SELECT pd.sms_process_id
              FROM iso28000.process_dependency pd
             WHERE pd.org_id = node_loss_impact.org_id
             GROUP BY pd.sms_process_id, pd.alternative_group,
                      CASE WHEN pd.alternative_group IS NULL THEN pd.process_dependency_id END
            HAVING bool_or(pd.criticality = 'critical')
               AND bool_and(pd.node_id = ANY (failed))) g;
END $$;

COMMENT ON FUNCTION iso28000.node_loss_impact(bigint, bigint[]) IS
  'ISO 28000 8.1, 8.2, 8.6: What stops when the given nodes are lost: kind node for every node that can no longer operate (the lost ones included), kind process for every process cut. A node or process stops when one of its critical needs has lost every alternative; failure propagates until nothing more stops, so cycles terminate.';

-- Every (node, critical process) pair where losing that node alone cuts the process:
-- node_loss_impact's rules for every candidate at once, over a dominator tree (src/spof.c).
CREATE FUNCTION iso28000.single_points_of_failure(org_id bigint)
RETURNS TABLE (node_id bigint, sms_process_id bigint, nodes_lost integer)
AS 'MODULE_PATHNAME', 'single_points_of_failure' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION iso28000.single_points_of_failure(bigint) IS
  'ISO 28000 8.1, 8.2: For one organisation, every node whose loss alone cuts a critical process in use (sms_process.critical, not retired), with the number of nodes that stop with it; node_loss_impact''s rules (cycles included), computed in C for all nodes in one pass over a dominator tree, near-linear on chains and trees of needs. Reads as the caller, through row-level security.';

-- One call per organisation that has processes, in the select list of a query
-- grouped by org_id over a register: on Citus it runs beside that
-- organisation's shards, where single_points_of_failure() reads them
-- (doc/distribution.md); an organisation without processes has no answer.
CREATE VIEW iso28000.single_point_of_failure WITH (security_invoker = true) AS
SELECT s.org_id, (s.spof).node_id, n.code AS node_code, n.name AS node_name, n.kind AS node_kind,
       n.external, (s.spof).sms_process_id, p.name AS process_name, (s.spof).nodes_lost
  FROM (SELECT pr.org_id, iso28000.single_points_of_failure(pr.org_id) AS spof
          FROM iso28000.sms_process pr
         GROUP BY pr.org_id) s
  JOIN iso28000.supply_chain_node n ON n.org_id = s.org_id AND n.node_id = (s.spof).node_id
  JOIN iso28000.sms_process p ON p.org_id = s.org_id AND p.sms_process_id = (s.spof).sms_process_id;

COMMENT ON VIEW iso28000.single_point_of_failure IS
  'ISO 28000 8.1, 8.2: Single points of failure: the supply-chain nodes whose loss alone cuts a critical process (sms_process.critical), directly or through the nodes that stop with them, because no alternative remains.';
GRANT SELECT ON iso28000.single_point_of_failure TO PUBLIC;
COMMENT ON COLUMN iso28000.single_point_of_failure.org_id IS 'The organisation.';
COMMENT ON COLUMN iso28000.single_point_of_failure.node_id IS 'The node whose loss cuts the process.';
COMMENT ON COLUMN iso28000.single_point_of_failure.node_code IS 'Its code.';
COMMENT ON COLUMN iso28000.single_point_of_failure.node_name IS 'Its name.';
COMMENT ON COLUMN iso28000.single_point_of_failure.node_kind IS 'Its kind (supplier, carrier, site...).';
COMMENT ON COLUMN iso28000.single_point_of_failure.external IS 'True when another party runs the node.';
COMMENT ON COLUMN iso28000.single_point_of_failure.sms_process_id IS 'The process cut.';
COMMENT ON COLUMN iso28000.single_point_of_failure.process_name IS 'Its name.';
COMMENT ON COLUMN iso28000.single_point_of_failure.nodes_lost IS 'How many nodes stop when this node is lost (itself included).';
