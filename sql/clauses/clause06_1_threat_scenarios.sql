/*
 * sql/clauses/clause06_1_threat_scenarios.sql
 *		ISO 28000 6.1.2, 8.3 (and 8.6 for the plans that answer them): the
 *		organisation's catalog of threat scenarios, so that risks, security
 *		assessments of supply-chain segments and security incidents name the
 *		same scenario instead of free text alone.
 *
 * The catalog is a register (one per organisation, row-level security,
 * history).  seed_threat_scenarios(org) copies a few example scenarios for
 * the supply chain, written for this extension (not taken from any
 * standard), into an organisation's catalog; the organisation edits them and
 * adds its own.  A risk names its scenario with the nullable foreign key
 * risk.threat_scenario_id, beside the free text of risk.threat.
 */

CREATE TABLE iso28000.threat_scenario (
    org_id             bigint NOT NULL REFERENCES iso28000.organization,
    threat_scenario_id bigint GENERATED ALWAYS AS IDENTITY,
    code               text NOT NULL CONSTRAINT threat_scenario_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$'),
    title              text NOT NULL CONSTRAINT threat_scenario_title_present CHECK (btrim(title) <> ''),
    description        text,
    category           text NOT NULL DEFAULT 'other'
                       CONSTRAINT threat_scenario_category_valid CHECK (category IN
                         ('theft', 'tampering', 'smuggling', 'fraud', 'insider', 'cyber', 'sabotage',
                          'terrorism', 'piracy', 'disruption', 'other')),
    chain_position     text NOT NULL DEFAULT 'any'
                       CONSTRAINT threat_scenario_chain_position_valid CHECK (chain_position IN
                         ('upstream', 'at_node', 'in_transit', 'downstream', 'any')),
    seeded             boolean NOT NULL DEFAULT false,
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, threat_scenario_id),
    CONSTRAINT threat_scenario_code_unique UNIQUE (org_id, code)
);
SELECT iso28000.register_table('iso28000.threat_scenario');
COMMENT ON TABLE iso28000.threat_scenario IS
  'ISO 28000 6.1.2, 8.3, 8.6: The organisation''s catalog of threat scenarios (what could happen, where in the supply chain), named by risks, security assessments of supply-chain segments and security incidents instead of free text alone; seed_threat_scenarios() adds the extension''s examples.';
COMMENT ON COLUMN iso28000.threat_scenario.code IS 'Short code, unique within the organisation (letters, digits, _ . -, up to 40 characters), for example SC-THEFT-TRANSIT.';
COMMENT ON COLUMN iso28000.threat_scenario.title IS 'What could happen, in a few words (required).';
COMMENT ON COLUMN iso28000.threat_scenario.description IS 'The scenario: who or what, how, against which asset, with which consequence.';
COMMENT ON COLUMN iso28000.threat_scenario.category IS 'theft, tampering, smuggling, fraud, insider, cyber, sabotage, terrorism, piracy, disruption or other.';
COMMENT ON COLUMN iso28000.threat_scenario.chain_position IS 'Where in the supply chain it strikes: upstream (at providers), at_node (a site of the chain), in_transit, downstream (towards customers) or any.';
COMMENT ON COLUMN iso28000.threat_scenario.seeded IS 'True when the row was copied from the extension''s examples by seed_threat_scenarios(); the organisation may edit it.';
COMMENT ON COLUMN iso28000.threat_scenario.active IS 'False once the scenario is no longer considered; it stays in the catalog for the records that name it.';
COMMENT ON COLUMN iso28000.threat_scenario.created_at IS 'When the scenario entered the catalog.';

-- The extension's example scenarios, copied into an organisation's catalog.
CREATE FUNCTION iso28000.seed_threat_scenarios(org bigint)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    PERFORM iso28000.require_level(org, 'write');
    -- Counted from RETURNING, not ROW_COUNT: on Citus an INSERT ... SELECT
    -- ... ON CONFLICT DO NOTHING reports the rows it sent, not those it
    -- inserted (doc/distribution.md).
    WITH added AS (
    INSERT INTO iso28000.threat_scenario AS t (org_id, code, title, description, category, chain_position, seeded)
    SELECT org, e.code, e.title, e.description, e.category, e.chain_position, true
      FROM (VALUES
        ('SC-THEFT-TRANSIT', 'Cargo theft in transit', 'Criminals steal a load or a whole vehicle while it is parked or stopped on the road (unsecured parking, staged breakdown, hijacking); loss of goods and of the customer''s trust.', 'theft', 'in_transit'),
        ('SC-TAMPER-SEAL', 'Container or seal tampering', 'A container, trailer or package is opened and its seal replaced between two checks, to steal from it or to add something to it; the consignment can no longer be vouched for.', 'tampering', 'in_transit'),
        ('SC-SMUGGLE', 'Contraband hidden in legitimate cargo', 'Drugs, weapons or other illicit goods are concealed in a legitimate shipment (rip-on/rip-off at a port, a corrupted packer upstream); seizure, fines and loss of trusted-trader status.', 'smuggling', 'upstream'),
        ('SC-FRAUD-PICKUP', 'Fictitious pickup', 'Someone posing as the contracted carrier, with forged or stolen credentials, collects a consignment at a site; the goods leave the chain under the organisation''s own paperwork.', 'fraud', 'at_node'),
        ('SC-INSIDER', 'Insider collusion at a site', 'An employee or a contractor''s staff at a warehouse or terminal passes information on loads and schedules, or opens access, to criminals.', 'insider', 'at_node'),
        ('SC-CYBER-PROVIDER', 'Cyber attack on a provider', 'Ransomware or a breach at a provider (carrier, forwarder, port community system) stops bookings, manifests or gate transactions, or leaks shipment data that targets loads.', 'cyber', 'upstream'),
        ('SC-FALSE-DOCS', 'False or altered shipping documents', 'A manifest, declaration or certificate is falsified or altered so that goods are misdeclared or released without the checks they need.', 'fraud', 'any'),
        ('SC-NODE-LOSS', 'Loss of a critical node', 'A critical site of the chain (port, hub, single supplier) is closed by sabotage, blockade, strike or an attack nearby; flows stop until the node recovers or is replaced.', 'disruption', 'at_node')
      ) AS e (code, title, description, category, chain_position)
    ON CONFLICT (org_id, code) DO NOTHING
    RETURNING t.code)
    SELECT count(*)::integer INTO n FROM added;
    RETURN n;
END
$$;
COMMENT ON FUNCTION iso28000.seed_threat_scenarios(bigint) IS
  'Copies the extension''s example threat scenarios for the supply chain (cargo theft in transit, seal tampering, contraband, fictitious pickup, insider collusion, cyber attack on a provider, false documents, loss of a critical node) into the organisation''s catalog, keeping any scenario whose code it already has; returns how many it added. Needs write (IS001). The examples were written for this extension.';

-- Standard's order: the risk register of clause 6 (clause06_planning.sql) names a scenario of this catalog, which is declared after it.
ALTER TABLE iso28000.risk
  ADD COLUMN threat_scenario_id bigint,
  ADD CONSTRAINT risk_threat_scenario_fk FOREIGN KEY (org_id, threat_scenario_id)
      REFERENCES iso28000.threat_scenario (org_id, threat_scenario_id);
CREATE INDEX risk_threat_scenario ON iso28000.risk (org_id, threat_scenario_id);
COMMENT ON COLUMN iso28000.risk.threat_scenario_id IS 'The threat scenario of the organisation''s catalog (threat_scenario) the risk is about, if any; threat keeps the free text.';
