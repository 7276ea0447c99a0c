-- Issue 19, security first.

-- A person's tokens carry the stamp they were issued under; changing it (a new password, a
-- reset, being disabled, roles narrowed) ends every token issued before.
ALTER TABLE users ADD COLUMN security_stamp BIGINT NOT NULL DEFAULT 0;
-- A disabled person cannot sign in and their tokens stop working; their data stays.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP;
-- The delegated-admin relationship through which a partner created the account, if any.
ALTER TABLE users ADD COLUMN created_by_relationship TEXT;
-- The relationship through which a partner granted the role, if any.
ALTER TABLE user_roles ADD COLUMN granted_by_relationship TEXT;
CREATE INDEX users_created_by_relationship ON users (created_by_relationship);
CREATE INDEX user_roles_granted_by_relationship ON user_roles (granted_by_relationship);

-- Sign-ups are throttled per caller (the client address) and platform-wide.
ALTER TABLE signups ADD COLUMN client_address TEXT NOT NULL DEFAULT '';
CREATE INDEX signups_client_address ON signups (client_address, created_at);
CREATE INDEX signups_created_at ON signups (created_at);

-- Where each account last signed in successfully: someone else's guesses from other addresses
-- slow the account down, but never lock its owner out of an address they use.
CREATE TABLE sign_in_sources (
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    last_success_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account, address)
);
CREATE INDEX sign_in_sources_last_success ON sign_in_sources (last_success_at);

-- Hits counted against a rate per owner (service requests, feedback, DNS lookups per tenant),
-- in the database so that every process counts the same.
CREATE TABLE rate_limit_hits (
    id TEXT PRIMARY KEY,
    rate TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    hit_at TIMESTAMP NOT NULL
);
CREATE INDEX rate_limit_hits_owner ON rate_limit_hits (rate, owner_id, hit_at);
CREATE INDEX rate_limit_hits_at ON rate_limit_hits (hit_at);

-- A partner's label under the platform domain: its people may sign in at
-- <slug>.partners.<platform domain> without proving anything. Partners made before get one
-- from their id.
ALTER TABLE partners ADD COLUMN slug TEXT;
UPDATE partners SET slug = 'p-' || substr(replace(id, '-', ''), 21);
CREATE UNIQUE INDEX partners_slug ON partners (slug);

-- Domains a partner proves with the TXT record customers use; its people sign in at them.
CREATE TABLE partner_domains (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    verification_code TEXT NOT NULL,
    verified BOOLEAN NOT NULL DEFAULT 0,
    verified_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (partner_id, name)
);
CREATE UNIQUE INDEX partner_domains_verified_name ON partner_domains (name) WHERE verified;
