-- The plan catalogue, subscriptions as licence pools, licence assignments, durable jobs and
-- idempotency keys.

CREATE TABLE plans (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    seat_price_cents BIGINT NOT NULL CHECK (seat_price_cents >= 0),
    seat_limit BIGINT NOT NULL CHECK (seat_limit > 0),
    assignable BOOLEAN NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE plan_services (
    plan_code TEXT NOT NULL REFERENCES plans (code),
    service TEXT NOT NULL,
    PRIMARY KEY (plan_code, service)
);

CREATE TABLE plan_transitions (
    from_plan TEXT NOT NULL REFERENCES plans (code),
    to_plan TEXT NOT NULL REFERENCES plans (code),
    direction TEXT NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),
    PRIMARY KEY (from_plan, to_plan),
    CHECK (from_plan <> to_plan)
);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    plan_code TEXT NOT NULL REFERENCES plans (code),
    status TEXT NOT NULL CHECK (status IN ('provisioning', 'active', 'suspended', 'terminated')),
    purchased BIGINT NOT NULL,
    active BIGINT NOT NULL,
    assigned BIGINT NOT NULL,
    -- Seats switched on when provisioning completes.
    activate_on_provisioning BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    activated_at TIMESTAMP,
    terminated_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- The licence pool's invariant, whatever the code does.
    CHECK (0 <= assigned AND assigned <= active AND active <= purchased)
);
CREATE INDEX subscriptions_tenant ON subscriptions (tenant_id, id);

CREATE TABLE licence_assignments (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    -- No cascade: removing a person must give their licences back to the pools first.
    user_id TEXT NOT NULL REFERENCES users (id),
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    plan_code TEXT NOT NULL REFERENCES plans (code),
    assigned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (subscription_id, user_id),
    -- A person holds at most one licence of a plan.
    UNIQUE (user_id, plan_code)
);
CREATE INDEX licence_assignments_user ON licence_assignments (user_id);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    run_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL;

CREATE TABLE idempotency_keys (
    caller_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    location TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (caller_id, key)
);

-- The catalogue. Prices are per active seat per month, in euro cents.
INSERT INTO plans (code, name, seat_price_cents, seat_limit, assignable, position) VALUES
    ('exchange_online', 'Exchange Online (Plan 1)', 400, 10000, 1, 1),
    ('business_essentials', 'Business Essentials', 500, 300, 1, 2),
    ('business_premium', 'Business Premium', 1050, 300, 1, 3),
    ('enterprise_e1', 'Enterprise E1', 790, 10000, 1, 4),
    ('enterprise_e3', 'Enterprise E3', 2070, 10000, 1, 5),
    ('enterprise_e5', 'Enterprise E5', 3480, 10000, 1, 6),
    ('meetings_free', 'Meetings (free)', 0, 10000, 1, 7),
    ('registrar', 'Domain Registrar', 100, 100, 0, 8);

INSERT INTO plan_services (plan_code, service) VALUES
    ('exchange_online', 'mail'),
    ('business_essentials', 'mail'), ('business_essentials', 'meetings'), ('business_essentials', 'office_web_apps'),
    ('business_essentials', 'sites'), ('business_essentials', 'file_storage'),
    ('business_premium', 'mail'), ('business_premium', 'meetings'), ('business_premium', 'office_web_apps'),
    ('business_premium', 'office_desktop_apps'), ('business_premium', 'sites'), ('business_premium', 'file_storage'),
    ('enterprise_e1', 'mail'), ('enterprise_e1', 'meetings'), ('enterprise_e1', 'office_web_apps'),
    ('enterprise_e1', 'sites'), ('enterprise_e1', 'file_storage'),
    ('enterprise_e3', 'mail'), ('enterprise_e3', 'meetings'), ('enterprise_e3', 'office_web_apps'),
    ('enterprise_e3', 'office_desktop_apps'), ('enterprise_e3', 'sites'), ('enterprise_e3', 'file_storage'),
    ('enterprise_e5', 'mail'), ('enterprise_e5', 'meetings'), ('enterprise_e5', 'office_web_apps'),
    ('enterprise_e5', 'office_desktop_apps'), ('enterprise_e5', 'sites'), ('enterprise_e5', 'file_storage'),
    ('enterprise_e5', 'phone'), ('enterprise_e5', 'advanced_security'), ('enterprise_e5', 'analytics'),
    ('meetings_free', 'meetings'),
    ('registrar', 'domain_registration');

-- Upgrades and downgrades, as the source documents move people between plans.
INSERT INTO plan_transitions (from_plan, to_plan, direction) VALUES
    ('exchange_online', 'business_essentials', 'upgrade'),
    ('exchange_online', 'business_premium', 'upgrade'),
    ('exchange_online', 'enterprise_e1', 'upgrade'),
    ('business_essentials', 'business_premium', 'upgrade'),
    ('business_essentials', 'enterprise_e1', 'upgrade'),
    ('business_essentials', 'enterprise_e3', 'upgrade'),
    ('business_essentials', 'exchange_online', 'downgrade'),
    ('business_premium', 'enterprise_e3', 'upgrade'),
    ('business_premium', 'enterprise_e5', 'upgrade'),
    ('business_premium', 'business_essentials', 'downgrade'),
    ('business_premium', 'exchange_online', 'downgrade'),
    ('enterprise_e1', 'enterprise_e3', 'upgrade'),
    ('enterprise_e1', 'enterprise_e5', 'upgrade'),
    ('enterprise_e1', 'business_essentials', 'downgrade'),
    ('enterprise_e3', 'enterprise_e5', 'upgrade'),
    ('enterprise_e3', 'enterprise_e1', 'downgrade'),
    ('enterprise_e3', 'business_premium', 'downgrade'),
    ('enterprise_e5', 'enterprise_e3', 'downgrade'),
    ('enterprise_e5', 'enterprise_e1', 'downgrade'),
    ('meetings_free', 'business_essentials', 'upgrade'),
    ('meetings_free', 'business_premium', 'upgrade'),
    ('meetings_free', 'enterprise_e1', 'upgrade'),
    ('meetings_free', 'enterprise_e3', 'upgrade');
