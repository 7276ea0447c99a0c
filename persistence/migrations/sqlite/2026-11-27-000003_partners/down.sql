PRAGMA foreign_keys = OFF;
BEGIN;
ALTER TABLE audit_events DROP COLUMN partner_name;
DROP TABLE recent_user_views;
DROP TABLE flagged_customers;
DROP TABLE api_clients;
DROP TABLE delegated_access;
DROP TABLE partner_relationships;
DROP TABLE admin_offers;
CREATE TABLE users_rebuilt (
    id TEXT PRIMARY KEY,
    tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('operator', 'member')),
    sign_in TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    contact_email TEXT,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    preferences TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK ((kind = 'operator') = (tenant_id IS NULL))
);
INSERT INTO users_rebuilt SELECT id, tenant_id, kind, sign_in, display_name, contact_email, password_hash,
        must_change_password, preferences, created_at, updated_at, version
    FROM users WHERE kind <> 'partner';
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE INDEX users_tenant ON users (tenant_id, id);
DROP TABLE partners;
COMMIT;
PRAGMA foreign_keys = ON;
