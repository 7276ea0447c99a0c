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

diesel::joinable!(tenant_domains -> tenants (tenant_id));
diesel::joinable!(subscriptions -> plans (plan_code));
diesel::joinable!(licence_assignments -> subscriptions (subscription_id));
diesel::joinable!(licence_assignments -> users (user_id));
diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(audit_events -> tenants (tenant_id));
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
    idempotency_keys
);

diesel::define_sql_function! {
    /// Lower-cases text on both backends, for case-insensitive search.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
