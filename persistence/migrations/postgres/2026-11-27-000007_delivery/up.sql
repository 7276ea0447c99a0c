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

-- Messages written before this version that carry a temporary password: delivered ones lose it
-- now, pending ones once delivered.
UPDATE outbox_messages SET carries_secret = TRUE WHERE body LIKE '%Temporary password:%';
UPDATE outbox_messages
    SET body = '[redacted after delivery: this message carried a temporary password]'
    WHERE carries_secret AND delivered_at IS NOT NULL;

-- A temporary password stops working after this instant. Those mailed before this version get
-- 72 hours from now; the first operator's, printed on the console, has no end.
ALTER TABLE users ADD COLUMN temporary_password_expires_at TIMESTAMP;
UPDATE users SET temporary_password_expires_at = (now() AT TIME ZONE 'UTC') + INTERVAL '72 hours'
    WHERE must_change_password AND kind <> 'operator';
