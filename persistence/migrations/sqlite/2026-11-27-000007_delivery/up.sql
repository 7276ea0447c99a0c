-- Delivery you can trust: messages in the recipient's language with an HTML part, a terminal
-- `failed` state an operator can retry from, and secrets kept only until delivery.
ALTER TABLE outbox_messages ADD COLUMN html_body TEXT;
ALTER TABLE outbox_messages ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
-- Set when the message carries a temporary password: its body is redacted once delivered.
ALTER TABLE outbox_messages ADD COLUMN carries_secret BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE outbox_messages ADD COLUMN failed_at TIMESTAMP;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox_messages (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_failed ON outbox_messages (failed_at, id) WHERE failed_at IS NOT NULL;

-- A temporary password stops working after this instant.
ALTER TABLE users ADD COLUMN temporary_password_expires_at TIMESTAMP;
