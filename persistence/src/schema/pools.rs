//! The plan catalogue, subscriptions as license pools, licenses, durable jobs.

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
    /// Stored under the table's first name, spelled as the British do.
    #[sql_name = "licence_assignments"]
    license_assignments (subscription_id, user_id) {
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
