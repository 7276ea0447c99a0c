//! The registry, domain registrations, sign-ups and takeovers.

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
        client_address -> Text,
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
