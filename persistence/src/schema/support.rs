//! Service requests, incidents, the message centre and feedback.

diesel::table! {
    service_requests (id) {
        id -> Text,
        tenant_id -> Text,
        workload -> Text,
        severity -> Text,
        status -> Text,
        partner_id -> Nullable<Text>,
        assignee_id -> Nullable<Text>,
        assignee_name -> Nullable<Text>,
        first_response_due_at -> Timestamp,
        first_response_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    service_request_submissions (request_id) {
        request_id -> Text,
        kind -> Text,
        category -> Text,
        title -> Text,
        description -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Nullable<Text>,
        contact_available_24_7 -> Bool,
        opened_by_id -> Text,
        opened_by_name -> Text,
        partner_name -> Nullable<Text>,
    }
}

diesel::table! {
    service_request_notes (id) {
        id -> Text,
        request_id -> Text,
        author_id -> Text,
        author_name -> Text,
        author_side -> Text,
        partner_id -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    incidents (id) {
        id -> Text,
        classification -> Text,
        title -> Text,
        impact -> Text,
        health -> Text,
        all_tenants -> Bool,
        status -> Text,
        started_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    incident_workloads (incident_id, workload) {
        incident_id -> Text,
        workload -> Text,
    }
}

diesel::table! {
    incident_tenants (incident_id, tenant_id) {
        incident_id -> Text,
        tenant_id -> Text,
    }
}

diesel::table! {
    incident_updates (id) {
        id -> Text,
        incident_id -> Text,
        message -> Text,
        health -> Text,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    centre_messages (id) {
        id -> Text,
        category -> Text,
        severity -> Text,
        title -> Text,
        body -> Text,
        action_required_by -> Nullable<Timestamp>,
        all_tenants -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    centre_message_tenants (message_id, tenant_id) {
        message_id -> Text,
        tenant_id -> Text,
    }
}

diesel::table! {
    centre_message_states (message_id, reader_id) {
        message_id -> Text,
        reader_id -> Text,
        read_at -> Nullable<Timestamp>,
        archived_at -> Nullable<Timestamp>,
        flagged -> Bool,
    }
}

diesel::table! {
    feedback (id) {
        id -> Text,
        author_id -> Text,
        author_name -> Text,
        tenant_id -> Nullable<Text>,
        partner_id -> Nullable<Text>,
        screen -> Text,
        message -> Text,
        rating -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}
