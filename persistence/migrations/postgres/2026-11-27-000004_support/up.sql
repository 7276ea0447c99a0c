-- Support: service requests and their notes, service-health incidents, the message centre and
-- feedback.

-- A request's handling: where it stands, who works it, its deadline.
CREATE TABLE service_requests (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    workload TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('A', 'B', 'C')),
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'waiting_on_customer', 'resolved', 'closed')),
    -- Set when a partner opened it for the customer.
    partner_id TEXT,
    -- The support person who took it.
    assignee_id TEXT,
    assignee_name TEXT,
    -- Derived from the opening time and the severity, kept to sort by it.
    first_response_due_at TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
-- The request as it was opened, which never changes.
CREATE TABLE service_request_submissions (
    request_id TEXT PRIMARY KEY REFERENCES service_requests (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('incident', 'information_request')),
    category TEXT NOT NULL CHECK (category IN ('technical', 'billing', 'subscription', 'pre_sales')),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT,
    contact_available_24_7 BOOLEAN NOT NULL,
    opened_by_id TEXT NOT NULL,
    opened_by_name TEXT NOT NULL,
    partner_name TEXT
);
CREATE INDEX service_requests_tenant ON service_requests (tenant_id, id);
CREATE INDEX service_requests_tenant_due ON service_requests (tenant_id, first_response_due_at, id);

-- Append-only: there is no update or delete of a note.
CREATE TABLE service_request_notes (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES service_requests (id) ON DELETE CASCADE,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_side TEXT NOT NULL CHECK (author_side IN ('customer', 'partner', 'support')),
    partner_id TEXT,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX service_request_notes_request ON service_request_notes (request_id, id);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    classification TEXT NOT NULL CHECK (classification IN ('incident', 'advisory')),
    title TEXT NOT NULL,
    impact TEXT NOT NULL,
    health TEXT NOT NULL CHECK (health IN ('degraded', 'interrupted')),
    all_tenants BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'resolved')),
    started_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX incidents_status ON incidents (status, id);

CREATE TABLE incident_workloads (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    workload TEXT NOT NULL,
    PRIMARY KEY (incident_id, workload)
);

CREATE TABLE incident_tenants (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, tenant_id)
);
CREATE INDEX incident_tenants_tenant ON incident_tenants (tenant_id);

CREATE TABLE incident_updates (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    message TEXT NOT NULL,
    health TEXT NOT NULL CHECK (health IN ('degraded', 'interrupted')),
    status TEXT NOT NULL CHECK (status IN ('active', 'resolved')),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX incident_updates_incident ON incident_updates (incident_id, id);

-- The message centre: posts from the operator to all tenants or some.
CREATE TABLE centre_messages (
    id TEXT PRIMARY KEY,
    category TEXT NOT NULL CHECK (category IN ('plan_for_change', 'stay_informed', 'prevent_or_fix_issues')),
    severity TEXT NOT NULL CHECK (severity IN ('normal', 'high', 'critical')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    action_required_by TIMESTAMP,
    all_tenants BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE centre_message_tenants (
    message_id TEXT NOT NULL REFERENCES centre_messages (id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, tenant_id)
);
CREATE INDEX centre_message_tenants_tenant ON centre_message_tenants (tenant_id);

-- Read, archived and flagged are each person's own.
CREATE TABLE centre_message_states (
    message_id TEXT NOT NULL REFERENCES centre_messages (id) ON DELETE CASCADE,
    reader_id TEXT NOT NULL,
    read_at TIMESTAMP,
    archived_at TIMESTAMP,
    flagged BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (message_id, reader_id)
);

CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    tenant_id TEXT,
    partner_id TEXT,
    screen TEXT NOT NULL,
    message TEXT NOT NULL,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    created_at TIMESTAMP NOT NULL
);
