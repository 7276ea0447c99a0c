-- What every process of the service must see alike, so that N processes on one database need
-- nothing else shared: the sign-in throttle and the keys that sign access tokens.

-- Failed sign-ins and attempts being checked, per account and per client address.
CREATE TABLE sign_in_throttle (
    -- `account` or `address`.
    scope TEXT NOT NULL,
    throttle_key TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    first_failure_at TIMESTAMP,
    last_failure_at TIMESTAMP,
    -- Attempts admitted and not yet ended, in any process.
    in_flight INTEGER NOT NULL DEFAULT 0,
    -- After this, attempts still counted in flight belong to a process that died mid-check
    -- and no longer count.
    in_flight_until TIMESTAMP,
    PRIMARY KEY (scope, throttle_key)
);
CREATE INDEX sign_in_throttle_last_failure ON sign_in_throttle (last_failure_at);

-- Ed25519 keys that sign access tokens (PKCS#8 PEM). The newest key not retired signs; a
-- retired key still verifies until the tokens it signed have expired.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);
