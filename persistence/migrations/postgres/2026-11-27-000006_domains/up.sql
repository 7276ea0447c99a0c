-- Domains: custom domains proven in DNS, domains bought from the registry, people who signed up
-- on their own (grouped by email domain into unmanaged tenants), and admin takeovers.

-- A tenant made by self-service sign-up is unmanaged until someone proves its email domain and
-- buys licences; until then nobody in it holds an admin role.
ALTER TABLE tenants ADD COLUMN managed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE tenants ADD COLUMN email_domain TEXT;
CREATE UNIQUE INDEX tenants_unmanaged_email_domain ON tenants (email_domain) WHERE NOT managed;

-- How the tenant came by the domain; the code its TXT record must carry; when it was proven;
-- whether new people created with a user name only get it.
ALTER TABLE tenant_domains ADD COLUMN origin TEXT NOT NULL DEFAULT 'custom'
    CHECK (origin IN ('initial', 'custom', 'registered', 'takeover'));
ALTER TABLE tenant_domains ADD COLUMN verification_code TEXT;
ALTER TABLE tenant_domains ADD COLUMN verified_at TIMESTAMP;
ALTER TABLE tenant_domains ADD COLUMN is_default BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE tenant_domains SET origin = 'initial', verified_at = created_at, is_default = TRUE WHERE is_initial;
CREATE UNIQUE INDEX tenant_domains_one_default ON tenant_domains (tenant_id) WHERE is_default;
-- An unmanaged tenant claims its email domain (an unverified row of origin `takeover`) until its
-- takeover proves it. A claim and a verified row of the same name exclude each other, so a
-- first sign-up and another tenant's verification racing cannot both win.
CREATE UNIQUE INDEX tenant_domains_claimed_name ON tenant_domains (name) WHERE verified OR origin = 'takeover';

-- The embedded registry: every name registered with it, by Tenantry's customers or anyone else.
CREATE TABLE registry_names (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    registered_at TIMESTAMP NOT NULL
);
-- Names someone else already holds, so that availability has something to refuse from day one.
INSERT INTO registry_names (name, holder, registered_at) VALUES
    ('contoso.fr', 'Contoso SA', '2001-03-01 00:00:00'),
    ('contoso.com', 'Contoso Ltd', '1998-06-15 00:00:00'),
    ('fabrikam.fr', 'Fabrikam SARL', '2005-09-12 00:00:00'),
    ('fabrikam.com', 'Fabrikam Inc', '1999-11-02 00:00:00'),
    ('northwind.fr', 'Northwind Traders', '2010-01-20 00:00:00');

CREATE TABLE domain_registrations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- The Registrar resource (a subscription of the registrar plan) whose seat it holds.
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'failed')),
    -- The registrant's administrative data, as JSON.
    registrant TEXT NOT NULL,
    failure TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
-- A name is being bought, or is bought, once.
CREATE UNIQUE INDEX domain_registrations_live_name ON domain_registrations (name) WHERE status <> 'failed';
CREATE INDEX domain_registrations_tenant ON domain_registrations (tenant_id, id);
CREATE INDEX domain_registrations_subscription ON domain_registrations (subscription_id) WHERE status <> 'failed';

-- A sign-up waiting for its confirmation code. The code is kept only as a digest.
CREATE TABLE signups (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_domain TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    code_digest TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    user_id TEXT,
    -- The language the person signed up in: their messages' language from then on.
    language TEXT NOT NULL DEFAULT 'fr'
);
CREATE INDEX signups_email ON signups (email, created_at);
CREATE INDEX signups_email_domain ON signups (email_domain, created_at);

CREATE TABLE takeovers (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    verification_code TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('started', 'verified', 'completed')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    verified_at TIMESTAMP,
    completed_at TIMESTAMP
);
CREATE INDEX takeovers_tenant ON takeovers (tenant_id, id);
