//! The one schema both backends share; each migrations folder creates exactly these tables.

diesel::table! {
    tenants (id) {
        id -> Text,
        name -> Text,
        slug -> Text,
        initial_domain -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        managed -> Bool,
        email_domain -> Nullable<Text>,
    }
}

diesel::table! {
    tenant_domains (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        verified -> Bool,
        is_initial -> Bool,
        created_at -> Timestamp,
        origin -> Text,
        verification_code -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        is_default -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        tenant_id -> Nullable<Text>,
        kind -> Text,
        sign_in -> Text,
        display_name -> Text,
        contact_email -> Nullable<Text>,
        password_hash -> Text,
        must_change_password -> Bool,
        preferences -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        partner_id -> Nullable<Text>,
        partner_role -> Nullable<Text>,
        temporary_password_expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        tenant_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    outbox_messages (id) {
        id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        delivered_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        html_body -> Nullable<Text>,
        language -> Text,
        carries_secret -> Bool,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        tenant_id -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        actor_name -> Text,
        partner_id -> Nullable<Text>,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        request_id -> Text,
        details -> Text,
        occurred_at -> Timestamp,
        partner_name -> Nullable<Text>,
    }
}

diesel::table! {
    plans (code) {
        code -> Text,
        name -> Text,
        seat_price_cents -> BigInt,
        seat_limit -> BigInt,
        assignable -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    plan_services (plan_code, service) {
        plan_code -> Text,
        service -> Text,
    }
}

diesel::table! {
    plan_transitions (from_plan, to_plan) {
        from_plan -> Text,
        to_plan -> Text,
        direction -> Text,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Text,
        tenant_id -> Text,
        plan_code -> Text,
        status -> Text,
        purchased -> BigInt,
        active -> BigInt,
        assigned -> BigInt,
        activate_on_provisioning -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
        terminated_at -> Nullable<Timestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    licence_assignments (subscription_id, user_id) {
        subscription_id -> Text,
        user_id -> Text,
        tenant_id -> Text,
        plan_code -> Text,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        subject_id -> Text,
        created_at -> Timestamp,
        run_at -> Timestamp,
        attempts -> Integer,
        done_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (caller_id, key) {
        caller_id -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        location -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partners (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    admin_offers (id) {
        id -> Text,
        partner_id -> Text,
        access -> Text,
        duration_days -> Nullable<Integer>,
        token -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    partner_relationships (id) {
        id -> Text,
        partner_id -> Text,
        tenant_id -> Text,
        offer_id -> Text,
        access -> Text,
        status -> Text,
        accepted_by -> Text,
        accepted_at -> Timestamp,
        ends_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        ended_by -> Nullable<Text>,
        version -> BigInt,
    }
}

diesel::table! {
    delegated_access (relationship_id, grantee_id) {
        relationship_id -> Text,
        grantee_id -> Text,
        access -> Text,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        partner_id -> Text,
        name -> Text,
        secret_digest -> Text,
        previous_secret_digest -> Nullable<Text>,
        previous_secret_valid_until -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    flagged_customers (user_id, tenant_id) {
        user_id -> Text,
        tenant_id -> Text,
        flagged_at -> Timestamp,
    }
}

diesel::table! {
    recent_user_views (viewer_id, user_id) {
        viewer_id -> Text,
        user_id -> Text,
        tenant_id -> Text,
        viewed_at -> Timestamp,
    }
}

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

diesel::table! {
    registry_names (name) {
        name -> Text,
        holder -> Text,
        registered_at -> Timestamp,
    }
}

diesel::table! {
    domain_registrations (id) {
        id -> Text,
        tenant_id -> Text,
        subscription_id -> Text,
        name -> Text,
        status -> Text,
        registrant -> Text,
        failure -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    signups (id) {
        id -> Text,
        email -> Text,
        email_domain -> Text,
        display_name -> Text,
        password_hash -> Text,
        code_digest -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        user_id -> Nullable<Text>,
        language -> Text,
    }
}

diesel::table! {
    takeovers (id) {
        id -> Text,
        tenant_id -> Text,
        user_id -> Text,
        domain -> Text,
        verification_code -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        verified_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        partner_id -> Nullable<Text>,
        tenant_id -> Nullable<Text>,
        url -> Text,
        events -> Text,
        secret -> Text,
        pool_low_below -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        failing_since -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(tenant_domains -> tenants (tenant_id));
diesel::joinable!(subscriptions -> plans (plan_code));
diesel::joinable!(licence_assignments -> subscriptions (subscription_id));
diesel::joinable!(licence_assignments -> users (user_id));
diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(audit_events -> tenants (tenant_id));
diesel::joinable!(partner_relationships -> tenants (tenant_id));
diesel::joinable!(partner_relationships -> partners (partner_id));
diesel::joinable!(admin_offers -> partners (partner_id));
diesel::joinable!(delegated_access -> partner_relationships (relationship_id));
diesel::joinable!(api_clients -> partners (partner_id));
diesel::joinable!(service_request_notes -> service_requests (request_id));
diesel::joinable!(service_request_submissions -> service_requests (request_id));
diesel::joinable!(incident_workloads -> incidents (incident_id));
diesel::joinable!(incident_tenants -> incidents (incident_id));
diesel::joinable!(incident_updates -> incidents (incident_id));
diesel::joinable!(centre_message_tenants -> centre_messages (message_id));
diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    tenant_domains,
    users,
    user_roles,
    outbox_messages,
    audit_events,
    plans,
    plan_services,
    plan_transitions,
    subscriptions,
    licence_assignments,
    jobs,
    idempotency_keys,
    partners,
    admin_offers,
    partner_relationships,
    delegated_access,
    api_clients,
    flagged_customers,
    recent_user_views,
    service_requests,
    service_request_submissions,
    service_request_notes,
    incidents,
    incident_workloads,
    incident_tenants,
    incident_updates,
    centre_messages,
    centre_message_tenants,
    centre_message_states,
    feedback,
    registry_names,
    domain_registrations,
    signups,
    takeovers,
    webhook_endpoints,
    webhook_deliveries
);
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(domain_registrations -> tenants (tenant_id));
diesel::joinable!(takeovers -> tenants (tenant_id));

diesel::define_sql_function! {
    /// Lower-cases text on both backends, for case-insensitive search.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
