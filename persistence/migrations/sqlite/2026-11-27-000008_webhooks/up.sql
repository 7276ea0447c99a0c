-- Webhooks for partner integrations and tenants: endpoints, and the deliveries of the events
-- they subscribed to, written in the transaction of the change (an outbox of their own).
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    -- Exactly one owner: a partner, or a tenant.
    partner_id TEXT REFERENCES partners (id) ON DELETE CASCADE,
    tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- The event types wanted, comma-separated.
    events TEXT NOT NULL,
    -- The signing secret (`whsec_...`). It must be kept to sign: shown once, never again.
    secret TEXT NOT NULL,
    -- `pool.low` fires when a pool's free seats fall below this count.
    pool_low_below INTEGER NOT NULL DEFAULT 5,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- Since when every delivery has failed; cleared by a success.
    failing_since TIMESTAMP,
    disabled_at TIMESTAMP,
    CHECK ((partner_id IS NULL) <> (tenant_id IS NULL))
);
CREATE INDEX webhook_endpoints_partner ON webhook_endpoints (partner_id, id);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, id);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The event's id (`webhook-id`): the same for every endpoint it goes to.
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP,
    failed_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
