DROP TABLE audit_events;
DROP TABLE outbox_messages;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE tenant_domains;
DROP TABLE tenants;
