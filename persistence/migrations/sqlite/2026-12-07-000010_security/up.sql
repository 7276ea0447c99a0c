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
