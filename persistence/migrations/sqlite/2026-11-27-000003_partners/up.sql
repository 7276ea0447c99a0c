-- Partners, their people, delegated-admin offers, relationships, who acts for whom, API clients.
--
-- SQLite cannot change a table's CHECK constraints, so `users` is rebuilt (the procedure of
-- https://www.sqlite.org/lang_altertable.html#otheralter). Foreign keys must be off while the
-- old table is dropped, or the drop would cascade into roles and licences; that pragma only
-- works outside a transaction, so this migration runs its own (metadata.toml).
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX partners_name_lower ON partners (lower(name));

-- Partner people are users of a kind of their own, with a partner role (never a tenant role).
CREATE TABLE users_rebuilt (
    id TEXT PRIMARY KEY,
    tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('operator', 'member', 'partner')),
    sign_in TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    contact_email TEXT,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    preferences TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    partner_id TEXT REFERENCES partners (id) ON DELETE CASCADE,
    partner_role TEXT CHECK (partner_role IN ('partner_admin', 'partner_agent')),
    CHECK ((kind = 'member') = (tenant_id IS NOT NULL)),
    CHECK ((kind = 'partner') = (partner_id IS NOT NULL)),
    CHECK ((kind = 'partner') = (partner_role IS NOT NULL))
);
INSERT INTO users_rebuilt (id, tenant_id, kind, sign_in, display_name, contact_email, password_hash,
        must_change_password, preferences, created_at, updated_at, version)
    SELECT id, tenant_id, kind, sign_in, display_name, contact_email, password_hash,
        must_change_password, preferences, created_at, updated_at, version
    FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE INDEX users_tenant ON users (tenant_id, id);
CREATE INDEX users_partner ON users (partner_id, id);

-- A reusable offer (seed 003): not tied to a customer; its token is the secret part of its URL.
CREATE TABLE admin_offers (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    access TEXT NOT NULL CHECK (access IN ('full', 'limited')),
    duration_days INTEGER CHECK (duration_days BETWEEN 1 AND 730),
    token TEXT NOT NULL UNIQUE,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX admin_offers_partner ON admin_offers (partner_id, id);

CREATE TABLE partner_relationships (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    offer_id TEXT NOT NULL REFERENCES admin_offers (id) ON DELETE CASCADE,
    access TEXT NOT NULL CHECK (access IN ('full', 'limited')),
    status TEXT NOT NULL CHECK (status IN ('active', 'ended', 'expired')),
    accepted_by TEXT NOT NULL,
    accepted_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP,
    ended_at TIMESTAMP,
    ended_by TEXT CHECK (ended_by IN ('customer', 'partner', 'expiry')),
    version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK ((status = 'active') = (ended_at IS NULL))
);
-- At most one live relationship between a partner and a customer, whoever races to accept.
CREATE UNIQUE INDEX partner_relationships_one_active ON partner_relationships (partner_id, tenant_id)
    WHERE status = 'active';
CREATE INDEX partner_relationships_tenant ON partner_relationships (tenant_id, id);

-- What a partner admin gave an agent or an API client for one relationship; none is no row.
CREATE TABLE delegated_access (
    relationship_id TEXT NOT NULL REFERENCES partner_relationships (id) ON DELETE CASCADE,
    grantee_id TEXT NOT NULL,
    access TEXT NOT NULL CHECK (access IN ('full', 'limited')),
    assigned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (relationship_id, grantee_id)
);
CREATE INDEX delegated_access_grantee ON delegated_access (grantee_id);

-- Partner integrations. Secrets are stored as SHA-256 digests: they are long and random, so a
-- slow hash adds nothing. The previous secret is kept while a rotation's overlap runs.
CREATE TABLE api_clients (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    previous_secret_digest TEXT,
    previous_secret_valid_until TIMESTAMP,
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX api_clients_partner ON api_clients (partner_id, id);

-- The partner app (seed 002): customers a person marked, people a person opened recently.
CREATE TABLE flagged_customers (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    flagged_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, tenant_id)
);

CREATE TABLE recent_user_views (
    viewer_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    viewed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (viewer_id, user_id)
);
CREATE INDEX recent_user_views_viewer ON recent_user_views (viewer_id, viewed_at);

-- Who the partner was when an event was done under delegation, as it was called then.
ALTER TABLE audit_events ADD COLUMN partner_name TEXT;

COMMIT;
PRAGMA foreign_keys = ON;
