//! Partners and delegated administration: a customer accepts a partner's offer, the partner's
//! agents and API clients act for it within what the customer granted and what they were
//! assigned, every change is audited as theirs, and the partner loses access the moment the
//! relationship ends or lapses.

mod api_clients;
mod delegation;
mod partner_app;
mod relationships;

use serde_json::{json, Value};
use tenantry_tests::client::Call;
use tenantry_tests::people::{Tenant, CHOSEN_PASSWORD};
use tenantry_tests::{Reply, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        delegation::a_limited_agent_resets_passwords_and_nothing_more,
        delegation::a_full_agent_administers_the_customer_and_is_audited_as_itself,
        relationships::an_ended_or_lapsed_relationship_stops_the_partner_at_once,
        delegation::limited_never_yields_full,
        relationships::offers_are_accepted_once_and_revoked_offers_never,
        relationships::partners_never_reach_each_others_customers,
        api_clients::api_clients_use_client_credentials_within_their_assignment,
        partner_app::the_partner_app_filters_flags_caches_and_remembers,
        delegation::a_full_delegate_cannot_make_itself_one_of_the_customers_own_administrators,
        delegation::partner_people_cannot_take_addresses_in_a_customers_domain,
        api_clients::a_rotation_ends_the_tokens_of_the_retired_secret,
        relationships::racing_acceptances_make_one_relationship,
        relationships::a_customer_reads_an_offer_before_accepting_it,
        relationships::a_partner_reads_nothing_of_another_partner_in_a_shared_customers_log,
    ]
}

fn users_path(tenant: &str) -> String {
    format!("/v1/tenants/{tenant}/users")
}

fn new_user(app: &TestApp, token: &str, tenant: &Tenant, user_name: &str, roles: &[&str]) -> Reply {
    app.client.post(
        &users_path(&tenant.id),
        token,
        &json!({"display_name": format!("Made {user_name}"), "sign_in": format!("{user_name}@{}", tenant.domain),
                "contact_email": format!("{user_name}.{}@example.com", tenant.slug), "roles": roles,
                "password": CHOSEN_PASSWORD}),
    )
}

fn reset_password(app: &TestApp, token: &str, tenant: &Tenant, user: &str) -> Reply {
    app.client.post(&format!("/v1/tenants/{}/users/{user}/password-reset", tenant.id), token, &json!({}))
}

fn terminate(app: &TestApp, token: &str, tenant: &str, relationship: &str) -> Reply {
    app.client.send(
        Call::new("POST", &format!("/v1/tenants/{tenant}/partner-relationships/{relationship}/terminate")).token(token),
    )
}

fn sign_ins(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|u| u["sign_in"].as_str().unwrap().to_owned()).collect()
}

fn ids(list: &Value, field: &str) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|i| i[field].as_str().unwrap().to_owned()).collect()
}
