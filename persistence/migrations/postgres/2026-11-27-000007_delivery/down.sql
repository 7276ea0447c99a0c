ALTER TABLE users DROP COLUMN temporary_password_expires_at;
DROP INDEX outbox_failed;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox_messages (next_attempt_at) WHERE delivered_at IS NULL;
ALTER TABLE outbox_messages DROP COLUMN failed_at;
ALTER TABLE outbox_messages DROP COLUMN carries_secret;
ALTER TABLE outbox_messages DROP COLUMN language;
ALTER TABLE outbox_messages DROP COLUMN html_body;
