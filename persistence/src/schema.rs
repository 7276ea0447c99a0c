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

diesel::joinable!(tenant_domains -> tenants (tenant_id));
diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(audit_events -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    tenant_domains,
    users,
    user_roles,
    outbox_messages,
    audit_events
);

diesel::define_sql_function! {
    /// Lower-cases text on both backends, for case-insensitive search.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
