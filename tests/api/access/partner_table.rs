//! Every partner route, called from inside and outside the partner, follows the partner table.

use serde_json::json;
use tenantry_domain::partner::{DelegatedAccess, PartnerSeat};
use tenantry_domain::{AdminRole, RoleSet};
use tenantry_tests::people::{self, CHOSEN_PASSWORD};
use tenantry_tests::{Backend, TestApp};

use super::fixtures::{call, webhook_body, webhook_for, Ids};
use super::partner_setup::{accept_offer, api_client, give_access, offer, partner_org, partner_person};
use super::routes::ROUTES;
use super::rules::{expected, Who};

pub(super) fn every_partner_route_follows_the_partner_table(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let customer = people::tenant_with_admin(&app, "table-customer");
    let partner = partner_org(&app, &operator, "table");
    accept_offer(&app, &customer, offer(&app, &partner, "full")["token"].as_str().unwrap());
    let agent = partner_person(&app, &partner.admin.token, &partner.id, "table", "agent", "partner_agent");
    let (client, client_token) = api_client(&app, &partner, "caller");
    give_access(&app, &partner, "users", &agent.id, &customer.id, "full");
    give_access(&app, &partner, "api-clients", &client, &customer.id, "full");
    // What the routes act on: another agent and an offer (revoking is idempotent).
    let target_agent = partner_person(&app, &partner.admin.token, &partner.id, "table", "target", "partner_agent");
    let target_offer = offer(&app, &partner, "limited")["id"].as_str().unwrap().to_owned();
    let outsider = partner_org(&app, &operator, "outsider");
    let full = Some(DelegatedAccess::Full);
    // Whether each caller is inside the partner: outsiders do not learn it exists.
    let callers: Vec<(&str, &str, Who<'_>, bool)> = vec![
        ("operator", &operator, Who::Operator, true),
        ("partner admin", &partner.admin.token, Who::Partner { seat: PartnerSeat::Admin, access: full }, true),
        ("agent", &agent.token, Who::Partner { seat: PartnerSeat::Agent, access: full }, true),
        ("API client", &client_token, Who::Partner { seat: PartnerSeat::ApiClient, access: full }, true),
        (
            "another partner's admin",
            &outsider.admin.token,
            Who::Partner { seat: PartnerSeat::Admin, access: None },
            false,
        ),
        ("a customer's global admin", &customer.global_admin.token, Who::Member(&[AdminRole::GlobalAdmin]), false),
    ];
    let fixture =
        app.client.post(&format!("/v1/partners/{}/webhooks", partner.id), &partner.admin.token, &webhook_body());
    fixture.assert_status(201);
    let partner_webhook = fixture.json()["id"].as_str().unwrap().to_owned();
    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| r.path.starts_with("/v1/partners")) {
        // A client of its own for each route: disabling one ends what the next route could do.
        let target_client =
            if route.path.contains("{cid}") { api_client(&app, &partner, "target").0 } else { String::new() };
        // An endpoint of its own for a removal; the partner's fixture otherwise.
        let webhooks = format!("/v1/partners/{}/webhooks", partner.id);
        let target_webhook = webhook_for(&app, &webhooks, &partner.admin.token, route, &partner_webhook);
        for (who, token, caller, inside) in &callers {
            // A domain of its own for a removal (nobody signs in at it); the proved one to verify.
            let target_domain = if route.method == "DELETE" && route.path.ends_with("/domains/{name}") {
                let name = format!("gone-{checked}.example");
                app.client
                    .post(&format!("/v1/partners/{}/domains", partner.id), &partner.admin.token, &json!({"name": name}))
                    .assert_status(201);
                name
            } else {
                "table.partners.example".to_owned()
            };
            let body = match (route.method, route.path) {
                ("POST", "/v1/partners") => Some(json!({"name": format!("Made partner {checked}")})),
                ("POST", "/v1/partners/{pid}/users") => Some(json!({"display_name": format!("Made {checked}"),
                    "sign_in": format!("made-{checked}@table.partners.example"), "role": "partner_agent",
                    "password": CHOSEN_PASSWORD})),
                ("PUT", path) if path.ends_with("/access") => Some(json!({"tenant": customer.id, "access": "limited"})),
                ("POST", "/v1/partners/{pid}/admin-offers") => Some(json!({"access": "limited"})),
                ("POST", "/v1/partners/{pid}/api-clients") => Some(json!({"name": format!("made {checked}")})),
                ("POST", path) if path.ends_with("/rotate-secret") => Some(json!({"overlap_seconds": 0})),
                ("POST", "/v1/partners/{pid}/webhooks") => Some(webhook_body()),
                ("PATCH", "/v1/partners/{pid}/webhooks/{whid}") => Some(json!({"pool_low_below": 4})),
                ("POST", "/v1/partners/{pid}/domains") => Some(json!({"name": format!("made-{checked}.example")})),
                _ => None,
            };
            let ids = Ids {
                name: &target_domain,
                pid: &partner.id,
                puid: &target_agent.id,
                cid: &target_client,
                oid: &target_offer,
                whid: &target_webhook,
                ..Ids::default()
            };
            let reply = call(&app, route, token, &ids, body);
            if route.path.contains("{pid}") && !inside {
                assert_eq!(reply.status, 404, "{who} {} {} of another partner: {reply:?}", route.method, route.path);
                reply.assert_problem(404, "not_found");
            } else if expected(route.rule, *caller, &RoleSet::default()) {
                assert!((200..300).contains(&reply.status), "{who} may {} {}: {reply:?}", route.method, route.path);
            } else {
                assert_eq!(reply.status, 403, "{who} may not {} {}: {reply:?}", route.method, route.path);
                reply.assert_problem(403, "forbidden");
            }
            checked += 1;
        }
    }
    let routes = ROUTES.iter().filter(|r| r.path.starts_with("/v1/partners")).count();
    assert_eq!(checked, callers.len() * routes, "every partner route was tried for every caller");
}
