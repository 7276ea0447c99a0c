//! Tenants, their domains, people and their roles, the audit log, idempotency keys, and what
//! sign-in shares across processes (the throttle, the signing keys).

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
        security_stamp -> BigInt,
        disabled_at -> Nullable<Timestamp>,
        created_by_relationship -> Nullable<Text>,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        tenant_id -> Text,
        role -> Text,
        granted_by_relationship -> Nullable<Text>,
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
    sign_in_throttle (scope, throttle_key) {
        scope -> Text,
        throttle_key -> Text,
        failures -> Integer,
        first_failure_at -> Nullable<Timestamp>,
        last_failure_at -> Nullable<Timestamp>,
        in_flight -> Integer,
        in_flight_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_sources (account, address) {
        account -> Text,
        address -> Text,
        last_success_at -> Timestamp,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        private_key -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rate_limit_hits (id) {
        id -> Text,
        rate -> Text,
        owner_id -> Text,
        hit_at -> Timestamp,
    }
}
