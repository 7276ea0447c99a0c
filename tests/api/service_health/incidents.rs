//! Incidents turn one tenant's workloads yellow or red, its partner sees it first; bad ones are refused.

use serde_json::{json, Value};
use tenantry_tests::health::{self, Audience};
use tenantry_tests::partners;
use tenantry_tests::people;
use tenantry_tests::{Backend, TestApp};

use super::id_of;

/// The roll-up's tenants, in order, with their overall health.
fn order(items: &[Value]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|i| (i["tenant_id"].as_str().unwrap().to_owned(), i["overall"].as_str().unwrap().to_owned()))
        .collect()
}

/// The affected workloads of one roll-up entry, as (workload, health, colour).
fn affected(entry: &Value) -> Vec<(String, String, String)> {
    entry["affected"]
        .as_array()
        .unwrap_or_else(|| panic!("affected in {entry}"))
        .iter()
        .map(|w| {
            (
                w["workload"].as_str().unwrap().to_owned(),
                w["health"].as_str().unwrap().to_owned(),
                w["colour"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn s(text: &str) -> String {
    text.to_owned()
}

/// Case 4: an incident about mail for tenant X turns X's mail yellow, a second one red; Y stays
/// green; resolving them turns X green; the partner of both sees X first while it lasts.
pub(super) fn an_incident_turns_one_tenants_mail_yellow_then_red_and_its_partner_sees_it_first(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    // By name Y ("acme SARL") comes before X ("zenith SARL"): only health can put X first.
    let x = people::tenant_with_admin(&app, "zenith");
    let y = people::tenant_with_admin(&app, "acme");
    let x_billing = people::add_member(&app, &x, "billing", &["billing_admin"]);
    let x_plain = people::add_member(&app, &x, "plain", &[]);
    let partner = partners::partner_with_admin(&app, "rollup");
    partners::relationship(&app, &partner, &x, "limited");
    partners::relationship(&app, &partner, &y, "full");
    let agent = partners::add_agent(&app, &partner, "agent");
    partners::assign(&app, &partner, &agent, &x.id, "limited");
    let stranger = partners::partner_with_admin(&app, "stranger");

    let by_name = vec![(y.id.clone(), s("healthy")), (x.id.clone(), s("healthy"))];
    let all_green = |tenant: &str| {
        let now = health::tenant_health(&app, &operator, tenant);
        assert_eq!(now.overall, "healthy", "{now:?}");
        assert!(now.unhealthy().is_empty(), "{now:?}");
        assert!(now.workloads.values().all(|w| w.colour == "green" && w.incident_ids.is_empty()), "{now:?}");
    };
    all_green(&x.id);
    all_green(&y.id);
    let items = health::rollup(&app, &partner.admin.token, &partner.id);
    assert_eq!(order(&items), by_name, "{items:?}");
    assert_eq!(items[0]["name"], "acme SARL", "{items:?}");
    assert_eq!(items[1]["name"], "zenith SARL", "{items:?}");
    assert!(items.iter().all(|i| affected(i).is_empty()), "{items:?}");

    // An advisory for all tenants informs and changes nobody's health.
    let advisory = health::publish(
        &app,
        &operator,
        &health::incident_body("advisory", "Planned mail maintenance", "degraded", &["mail", "sign_in"], Audience::All),
    );
    let advisory_id = id_of(&advisory);
    assert_eq!(advisory["all_tenants"], true, "{advisory}");
    all_green(&x.id);
    all_green(&y.id);
    assert_eq!(order(&health::rollup(&app, &partner.admin.token, &partner.id)), by_name);

    // An incident on mail for X only: X's mail turns yellow, nothing else; Y stays green.
    let first = health::publish(
        &app,
        &operator,
        &health::incident_body("incident", "Mail delivery delays", "degraded", &["mail"], Audience::Tenants(&[&x.id])),
    );
    let first_id = id_of(&first);
    let now = health::tenant_health(&app, &x.global_admin.token, &x.id);
    assert_eq!(now.overall, "degraded", "{now:?}");
    assert_eq!(now.unhealthy(), ["mail"], "{now:?}");
    assert_eq!(now.of("mail").colour, "yellow");
    assert_eq!(now.of("mail").incident_ids, vec![first_id.clone()], "{now:?}");
    assert!(now.workloads.iter().filter(|(w, _)| *w != "mail").all(|(_, w)| w.incident_ids.is_empty()), "{now:?}");
    all_green(&y.id);
    let items = health::rollup(&app, &partner.admin.token, &partner.id);
    assert_eq!(order(&items), [(x.id.clone(), s("degraded")), (y.id.clone(), s("healthy"))], "{items:?}");
    assert_eq!(affected(&items[0]), [(s("mail"), s("degraded"), s("yellow"))], "{items:?}");
    assert!(affected(&items[1]).is_empty(), "{items:?}");

    // A second incident on X's mail: red, with both incidents behind it.
    let second = health::publish(
        &app,
        &operator,
        &health::incident_body("incident", "Mail is down", "interrupted", &["mail"], Audience::Tenants(&[&x.id])),
    );
    let second_id = id_of(&second);
    let now = health::tenant_health(&app, &x.global_admin.token, &x.id);
    assert_eq!(now.overall, "interrupted", "{now:?}");
    assert_eq!(now.unhealthy(), ["mail"], "{now:?}");
    assert_eq!(now.of("mail").colour, "red");
    let mut behind = now.of("mail").incident_ids.clone();
    behind.sort_unstable();
    let mut both = vec![first_id.clone(), second_id.clone()];
    both.sort_unstable();
    assert_eq!(behind, both, "{now:?}");
    all_green(&y.id);
    let items = health::rollup(&app, &partner.admin.token, &partner.id);
    assert_eq!(order(&items), [(x.id.clone(), s("interrupted")), (y.id.clone(), s("healthy"))], "{items:?}");
    assert_eq!(affected(&items[0]), [(s("mail"), s("interrupted"), s("red"))], "{items:?}");
    // The agent acts for X only, and sees X only; another partner sees nothing.
    let items = health::rollup(&app, &agent.token, &partner.id);
    assert_eq!(order(&items), [(x.id.clone(), s("interrupted"))], "{items:?}");
    app.client
        .get(&format!("/v1/partners/{}/service-health", partner.id), &stranger.admin.token)
        .assert_problem(404, "not_found");
    // An operator may ask about any partner, and one that does not exist is not found.
    app.client.get("/v1/partners/no-such-partner/service-health", &operator).assert_problem(404, "not_found");

    // X's admins and its partner read X's health and incidents, timelines included, without
    // learning which other tenants an incident names.
    for (who, token) in [
        ("global admin", &x.global_admin.token),
        ("cloud manager", &x.cloud_manager.token),
        ("billing admin", &x_billing.token),
        ("limited agent", &agent.token),
        ("partner admin", &partner.admin.token),
    ] {
        let now = health::tenant_health(&app, token, &x.id);
        assert_eq!((now.overall.as_str(), now.of("mail").colour.as_str()), ("interrupted", "red"), "{who}");
        let reply = app.client.get(&health::incidents_path(&x.id), token);
        reply.assert_status(200);
        let items = reply.json()["items"].as_array().unwrap().clone();
        assert_eq!(health::ids(&items), [second_id.clone(), first_id.clone(), advisory_id.clone()], "{who}: {items:?}");
        for item in &items {
            assert_eq!(item["tenant_ids"], json!([]), "{who}: {item}");
            assert_eq!(item["updates"].as_array().map(Vec::len), Some(1), "{who}: {item}");
        }
        let reply = app.client.get(&format!("{}/{first_id}", health::incidents_path(&x.id)), token);
        reply.assert_status(200);
        let incident = reply.json();
        assert_eq!(incident["title"], "Mail delivery delays", "{who}: {incident}");
        assert_eq!(incident["tenant_ids"], json!([]), "{who}: {incident}");
        assert_eq!(incident["updates"][0]["message"], "Mail delivery delays: we are investigating.", "{incident}");
        let reply = app.client.get(&format!("{}/{advisory_id}", health::incidents_path(&x.id)), token);
        reply.assert_status(200);
        assert_eq!(reply.json()["classification"], "advisory", "{who}");
    }
    // Y's admin: X's health and incidents are not found, nor is X's incident under Y; Y sees the advisory.
    let y_admin = &y.global_admin.token;
    app.client.get(&health::health_path(&x.id), y_admin).assert_problem(404, "not_found");
    app.client.get(&health::incidents_path(&x.id), y_admin).assert_problem(404, "not_found");
    app.client.get(&format!("{}/{first_id}", health::incidents_path(&x.id)), y_admin).assert_problem(404, "not_found");
    app.client.get(&format!("{}/{first_id}", health::incidents_path(&y.id)), y_admin).assert_problem(404, "not_found");
    app.client.get(&format!("{}/{second_id}", health::incidents_path(&y.id)), y_admin).assert_problem(404, "not_found");
    app.client.get(&format!("{}/{advisory_id}", health::incidents_path(&y.id)), y_admin).assert_status(200);
    let reply = app.client.get(&health::incidents_path(&y.id), y_admin);
    reply.assert_status(200);
    assert_eq!(health::ids(reply.json()["items"].as_array().unwrap()), vec![advisory_id.clone()], "{}", reply.text);
    // Another partner is not let in either.
    app.client.get(&health::health_path(&x.id), &stranger.admin.token).assert_problem(404, "not_found");
    // A plain user of X is refused.
    app.client.get(&health::health_path(&x.id), &x_plain.token).assert_problem(403, "forbidden");
    app.client.get(&health::incidents_path(&x.id), &x_plain.token).assert_problem(403, "forbidden");
    app.client
        .get(&format!("{}/{first_id}", health::incidents_path(&x.id)), &x_plain.token)
        .assert_problem(403, "forbidden");
    // Only operators publish, list all incidents and update them.
    let body = health::incident_body("incident", "Not mine", "degraded", &["mail"], Audience::Tenants(&[&x.id]));
    for token in [&x.global_admin.token, &agent.token, &partner.admin.token, &x_plain.token] {
        health::publish_reply(&app, token, &body).assert_problem(403, "forbidden");
        app.client.get("/v1/incidents", token).assert_problem(403, "forbidden");
        app.client.get(&format!("/v1/incidents/{first_id}"), token).assert_problem(403, "forbidden");
        health::update_reply(&app, token, &first_id, &json!({"message": "Fixed?", "resolve": true}))
            .assert_problem(403, "forbidden");
    }
    let reply = app.client.get("/v1/incidents?status=active", &operator);
    reply.assert_status(200);
    let active = reply.json()["items"].as_array().unwrap().clone();
    assert_eq!(health::ids(&active), [second_id.clone(), first_id.clone(), advisory_id.clone()], "{active:?}");
    assert_eq!(active[0]["tenant_ids"], json!([x.id]), "the operator sees whom it names: {}", active[0]);

    // Resolving the red incident leaves X yellow from the first; X still comes first.
    let reply =
        health::update_reply(&app, &operator, &second_id, &json!({"message": "Mail flows again.", "resolve": true}));
    reply.assert_status(200);
    let resolved = reply.json();
    assert_eq!(resolved["status"], "resolved", "{resolved}");
    assert!(resolved["resolved_at"].is_string(), "{resolved}");
    let now = health::tenant_health(&app, &x.global_admin.token, &x.id);
    assert_eq!((now.overall.as_str(), now.of("mail").colour.as_str()), ("degraded", "yellow"), "{now:?}");
    assert_eq!(now.of("mail").incident_ids, vec![first_id.clone()], "{now:?}");
    let items = health::rollup(&app, &partner.admin.token, &partner.id);
    assert_eq!(order(&items), [(x.id.clone(), s("degraded")), (y.id.clone(), s("healthy"))], "{items:?}");

    // The first incident worsens (a timeline entry with a new impact), then is resolved.
    let reply = health::update_reply(
        &app,
        &operator,
        &first_id,
        &json!({"message": "Delays now stop delivery.", "health": "interrupted"}),
    );
    reply.assert_status(200);
    assert_eq!(reply.json()["health"], "interrupted", "{}", reply.text);
    assert_eq!(reply.json()["status"], "active", "{}", reply.text);
    let now = health::tenant_health(&app, &agent.token, &x.id);
    assert_eq!((now.overall.as_str(), now.of("mail").colour.as_str()), ("interrupted", "red"), "{now:?}");
    all_green(&y.id);
    let reply = health::update_reply(&app, &operator, &first_id, &json!({"message": "Fixed.", "resolve": true}));
    reply.assert_status(200);

    // X is green again; both healthy, the roll-up is by name again (Y first).
    all_green(&x.id);
    all_green(&y.id);
    let now = health::tenant_health(&app, &x.global_admin.token, &x.id);
    assert_eq!(now.overall, "healthy", "{now:?}");
    let items = health::rollup(&app, &partner.admin.token, &partner.id);
    assert_eq!(order(&items), by_name, "{items:?}");
    assert!(items.iter().all(|i| affected(i).is_empty()), "{items:?}");

    // The timeline as X's partner reads it: three entries, oldest first.
    let reply = app.client.get(&format!("{}/{first_id}", health::incidents_path(&x.id)), &agent.token);
    reply.assert_status(200);
    let incident = reply.json();
    assert_eq!(incident["status"], "resolved", "{incident}");
    assert!(incident["resolved_at"].is_string(), "{incident}");
    let timeline: Vec<(&str, &str, &str)> = incident["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["message"].as_str().unwrap(), u["health"].as_str().unwrap(), u["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        timeline,
        [
            ("Mail delivery delays: we are investigating.", "degraded", "active"),
            ("Delays now stop delivery.", "interrupted", "active"),
            ("Fixed.", "interrupted", "resolved"),
        ],
        "{incident}"
    );
    // Lists by status.
    let listed = |query: &str| {
        let reply = app.client.get(&format!("{}?status={query}", health::incidents_path(&x.id)), &x.global_admin.token);
        reply.assert_status(200);
        health::ids(reply.json()["items"].as_array().unwrap())
    };
    assert_eq!(listed("resolved"), [second_id.clone(), first_id.clone()]);
    assert_eq!(listed("active"), vec![advisory_id.clone()]);

    // A resolved incident takes no more updates.
    for id in [&first_id, &second_id] {
        health::update_reply(&app, &operator, id, &json!({"message": "Again."}))
            .assert_problem(409, "invalid_transition");
        health::update_reply(&app, &operator, id, &json!({"message": "Again.", "resolve": true}))
            .assert_problem(409, "invalid_transition");
    }
    all_green(&x.id);
}

/// What an operator publishes is checked, each refusal naming the field.
pub(super) fn incidents_are_refused_with_the_field_named(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let (tenant, ..) = people::create_tenant(&app, &operator, "checked");
    let to = [tenant.as_str()];
    let base = || health::incident_body("incident", "Checked", "degraded", &["mail"], Audience::Tenants(&to));

    let mut body = base();
    body["workloads"] = json!([]);
    health::assert_field(&health::publish_reply(&app, &operator, &body), "workloads");
    let mut body = base();
    body.as_object_mut().unwrap().remove("tenant_ids");
    health::assert_field(&health::publish_reply(&app, &operator, &body), "tenant_ids");
    let mut body = base();
    body["tenant_ids"] = json!([]);
    body["all_tenants"] = json!(false);
    health::assert_field(&health::publish_reply(&app, &operator, &body), "tenant_ids");
    let mut body = base();
    body["health"] = json!("healthy");
    health::assert_field(&health::publish_reply(&app, &operator, &body), "health");
    let mut body = base();
    body["workloads"] = json!(["mail", "telepathy"]);
    health::assert_field(&health::publish_reply(&app, &operator, &body), "workloads[1]");
    let mut body = base();
    body["tenant_ids"] = json!(["019a5f3e-6b00-7a00-8000-00000000dead"]);
    health::assert_field(&health::publish_reply(&app, &operator, &body), "tenant_ids");
    let mut body = base();
    body["title"] = json!("  ");
    health::assert_field(&health::publish_reply(&app, &operator, &body), "title");
    // Lists are counted as sent: a repeated entry is refused, not quietly dropped under the limit.
    let mut body = base();
    body["workloads"] = json!(vec!["mail"; 21]);
    health::assert_field(&health::publish_reply(&app, &operator, &body), "workloads");
    let mut body = base();
    body["workloads"] = json!(["mail", "meetings", "mail"]);
    health::assert_field(&health::publish_reply(&app, &operator, &body), "workloads[2]");
    let mut body = base();
    body["tenant_ids"] = json!(vec![tenant.as_str(); 1001]);
    health::assert_field(&health::publish_reply(&app, &operator, &body), "tenant_ids");
    let mut body = base();
    body["tenant_ids"] = json!([tenant.as_str(), tenant.as_str()]);
    health::assert_field(&health::publish_reply(&app, &operator, &body), "tenant_ids[1]");

    // Nothing refused was published; the tenant is still all green.
    let reply = app.client.get("/v1/incidents", &operator);
    reply.assert_status(200);
    assert_eq!(reply.json()["items"], json!([]), "{}", reply.text);
    assert!(health::tenant_health(&app, &operator, &tenant).unhealthy().is_empty());

    // Updates are checked too: a `healthy` impact, an empty message; an unknown incident is not found.
    let incident = id_of(&health::publish(&app, &operator, &base()));
    health::assert_field(
        &health::update_reply(&app, &operator, &incident, &json!({"message": "Better.", "health": "healthy"})),
        "health",
    );
    health::assert_field(&health::update_reply(&app, &operator, &incident, &json!({"message": ""})), "message");
    health::update_reply(&app, &operator, "019a5f3e-6b00-7a00-8000-00000000dead", &json!({"message": "Hello"}))
        .assert_problem(404, "not_found");
    let now = health::tenant_health(&app, &operator, &tenant);
    assert_eq!((now.overall.as_str(), now.unhealthy()), ("degraded", vec!["mail"]), "{now:?}");
}
