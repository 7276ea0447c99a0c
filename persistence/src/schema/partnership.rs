//! Partners, their offers and relationships, delegated access, API clients, partner people's marks.

diesel::table! {
    partners (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        slug -> Nullable<Text>,
    }
}

diesel::table! {
    partner_domains (id) {
        id -> Text,
        partner_id -> Text,
        name -> Text,
        verification_code -> Text,
        verified -> Bool,
        verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
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
