//! Buying domains: availability lists free alternatives; a taken name or a missing
//! Registrar seat is refused; a registration holds a seat, reaches `active` through the durable
//! job (also across a restart) and becomes a verified domain; twenty concurrent registrations on
//! five seats give exactly five; termination names the domains that still hold seats.

use serde_json::json;
use tenantry_tests::app::Storage;
use tenantry_tests::concurrent::{all_at_once, count_status};
use tenantry_tests::people;
use tenantry_tests::pools::{self, active_subscription};
use tenantry_tests::registrations::{make_jobs_due, register, registrant, wait_for_status};
use tenantry_tests::{mail, Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        availability_of_a_taken_name_lists_free_alternatives,
        a_registration_holds_a_seat_and_becomes_a_verified_domain,
        the_platforms_own_domain_cannot_be_bought,
        a_registration_pending_at_a_stop_becomes_active_after_restart,
        twenty_concurrent_registrations_on_five_seats_give_exactly_five,
        refused_registrations_change_nothing,
    ]
}

fn availability_of_a_taken_name_lists_free_alternatives(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "avail");
    let token = &tenant.global_admin.token;
    // contoso.fr and contoso.com are held by others in the embedded registry.
    let taken = app.client.get("/v1/domain-availability?name=Contoso.FR", token);
    taken.assert_status(200);
    assert_eq!(taken.json()["available"], false);
    assert_eq!(
        taken.json()["alternatives"],
        json!(["contoso.net", "contoso.org", "contoso.eu", "contoso.be", "contoso.ch"]),
        "the free extensions, without the taken .com"
    );
    let free = app.client.get("/v1/domain-availability?name=avail-unique-name.fr", token).json();
    assert_eq!(free, json!({"name": "avail-unique-name.fr", "available": true, "alternatives": []}));

    app.client.get("/v1/domain-availability?name=mail.contoso.fr", token).assert_problem(422, "domain_not_for_sale");
    app.client.get("/v1/domain-availability?name=contoso.co.uk", token).assert_problem(422, "domain_not_for_sale");
    app.client.get("/v1/domain-availability?name=a..fr", token).assert_problem(422, "validation_failed");
    app.client.get("/v1/domain-availability?name=contoso.fr", "not-a-token").assert_problem(401, "invalid_token");
}

fn a_registration_holds_a_seat_and_becomes_a_verified_domain(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "buyer");
    register(&app, &tenant, "buyer-shop.fr").assert_problem(409, "registrar_seat_required");
    let registrar = active_subscription(&app, &tenant, "registrar", 2);
    let sid = registrar["id"].as_str().unwrap().to_owned();

    let taken = register(&app, &tenant, "contoso.fr");
    taken.assert_problem(409, "domain_taken");
    assert!(taken.json()["context"]["alternatives"].as_array().unwrap().contains(&json!("contoso.net")));

    let reply = register(&app, &tenant, "buyer-shop.fr");
    reply.assert_status(202);
    let registration = reply.json();
    assert_eq!(registration["status"], "pending");
    assert_eq!(registration["subscription_id"], sid.as_str());
    assert_eq!(registration["registrant"]["country"], "FR");
    assert_eq!(registration["registrant"]["phone"], "+33123456789");
    let id = registration["id"].as_str().unwrap().to_owned();
    assert_eq!(pools::get(&app, &tenant, &sid)["assigned_seats"], 1, "the seat is held while pending");

    let active = wait_for_status(&app, &tenant, &id, "active");
    assert!(active["completed_at"].is_string());
    let domain =
        app.client.get(&format!("/v1/tenants/{}/domains/buyer-shop.fr", tenant.id), &tenant.global_admin.token);
    domain.assert_status(200);
    assert_eq!(domain.json()["verified"], true);
    assert_eq!(domain.json()["origin"], "registered");
    // Now the registry holds it: nobody can buy it again, not even this tenant.
    let again = app.client.get("/v1/domain-availability?name=buyer-shop.fr", &tenant.global_admin.token);
    assert_eq!(again.json()["available"], false);
    register(&app, &tenant, "buyer-shop.fr").assert_problem(409, "domain_taken");
    let told = mail::wait_for(&app.storage.mail_dir(), &tenant.global_admin.contact_email, 3);
    assert!(told.iter().any(|m| m.contains("Votre domaine buyer-shop.fr est actif")), "the global admin is told");

    // Listed; the Registrar resource cannot end while the domain holds its seat, and says which.
    let list = app.client.get(&format!("/v1/tenants/{}/domain-registrations", tenant.id), &tenant.global_admin.token);
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
    let terminate = app.client.post(
        &format!("/v1/tenants/{}/subscriptions/{sid}/terminate", tenant.id),
        &tenant.global_admin.token,
        &json!({}),
    );
    terminate.assert_problem(409, "licences_still_assigned");
    assert_eq!(terminate.json()["context"]["domains"][0]["name"], "buyer-shop.fr");
    // Deactivating the seat the domain holds is refused too: used <= active <= purchased.
    app.client
        .post(
            &format!("/v1/tenants/{}/subscriptions/{sid}/activation", tenant.id),
            &tenant.global_admin.token,
            &json!({"delta": -2}),
        )
        .assert_problem(409, "deactivation_below_assigned");
}

fn a_registration_pending_at_a_stop_becomes_active_after_restart(backend: Backend) {
    let storage = Storage::new(backend);
    let app = TestApp::spawn_on(storage, &[]);
    let tenant = people::tenant_with_admin(&app, "restart-buy");
    active_subscription(&app, &tenant, "registrar", 1);
    let storage = app.stop();

    // The registration is due in an hour: it stays pending until the stop, whenever the job
    // worker passes.
    let app = TestApp::spawn_on(storage, &[("TENANTRY_PROVISIONING_DELAY_MS", "3600000")]);
    let reply = register(&app, &tenant, "restart-buy.fr");
    reply.assert_status(202);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let still =
        app.client.get(&format!("/v1/tenants/{}/domain-registrations/{id}", tenant.id), &tenant.global_admin.token);
    assert_eq!(still.json()["status"], "pending", "not registered before the stop");
    let storage = app.stop();

    // Started again once it is due.
    make_jobs_due(&storage);
    let app = TestApp::spawn_on(storage, &[]);
    let active = wait_for_status(&app, &tenant, &id, "active");
    assert_eq!(active["name"], "restart-buy.fr");
    let domains = app.client.get(&format!("/v1/tenants/{}/domains", tenant.id), &tenant.global_admin.token).json();
    assert!(domains["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["name"] == "restart-buy.fr" && d["verified"] == true));
}

fn twenty_concurrent_registrations_on_five_seats_give_exactly_five(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "rush-buy");
    let registrar = active_subscription(&app, &tenant, "registrar", 5);
    let sid = registrar["id"].as_str().unwrap().to_owned();

    let replies = all_at_once(20, |n| register(&app, &tenant, &format!("rush-buy-{n}.fr")));
    assert!(replies.iter().all(|r| r.status < 500), "no 5xx: {:?}", replies.iter().find(|r| r.status >= 500));
    assert_eq!(count_status(&replies, 202), 5, "exactly the five seats");
    assert_eq!(count_status(&replies, 409), 15);
    for refused in replies.iter().filter(|r| r.status == 409) {
        refused.assert_problem(409, "registrar_seat_required");
    }
    let pool = pools::get(&app, &tenant, &sid);
    assert_eq!((pool["assigned_seats"].as_i64(), pool["active_seats"].as_i64()), (Some(5), Some(5)));
    for accepted in replies.iter().filter(|r| r.status == 202) {
        wait_for_status(&app, &tenant, accepted.json()["id"].as_str().unwrap(), "active");
    }
    let list = app.client.get(&format!("/v1/tenants/{}/domain-registrations", tenant.id), &tenant.global_admin.token);
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 5);
}

fn refused_registrations_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "refused-buy");
    let registrar = active_subscription(&app, &tenant, "registrar", 1);
    let sid = registrar["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/tenants/{}/domain-registrations", tenant.id);
    let token = &tenant.global_admin.token;

    let mut wrong = registrant();
    wrong["phone"] = json!("0123");
    let bad_phone = json!({"name": "refused-buy.fr", "registrant": wrong});
    let reply = app.client.post(&path, token, &bad_phone);
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.json()["errors"][0]["field"], "registrant.phone");
    app.client
        .post(&path, token, &json!({"name": "refused-buy.co.uk", "registrant": registrant()}))
        .assert_problem(422, "domain_not_for_sale");
    app.client
        .post(&path, token, &json!({"name": "-bad-.fr", "registrant": registrant()}))
        .assert_problem(422, "validation_failed");
    // A plain user may not buy domains; another tenant does not exist from here.
    let member = people::add_member(&app, &tenant, "plain", &[]);
    app.client
        .post(&path, &member.token, &json!({"name": "refused-buy.fr", "registrant": registrant()}))
        .assert_problem(403, "forbidden");
    let stranger = people::tenant_with_admin(&app, "refused-stranger");
    app.client
        .post(&path, &stranger.global_admin.token, &json!({"name": "refused-buy.fr", "registrant": registrant()}))
        .assert_problem(404, "not_found");

    assert_eq!(app.client.get(&path, token).json()["items"], json!([]), "no registration");
    assert_eq!(pools::get(&app, &tenant, &sid)["assigned_seats"], 0, "no seat taken");
    assert_eq!(app.client.get("/v1/domain-availability?name=refused-buy.fr", token).json()["available"], true);
}

/// Buying is no way around the rule adding follows: on a platform whose domain is for sale, a
/// tenant can neither buy that domain nor a name under it.
fn the_platforms_own_domain_cannot_be_bought(backend: Backend) {
    let app = TestApp::spawn_on(Storage::new(backend), &[("TENANTRY_PLATFORM_DOMAIN", "platform-shop.fr")]);
    let tenant = people::tenant_with_admin(&app, "buyer");
    let registrar = active_subscription(&app, &tenant, "registrar", 2);
    let sid = registrar["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/tenants/{}/domain-registrations", tenant.id);
    let token = &tenant.global_admin.token;
    let reply = app.client.post(&path, token, &json!({"name": "platform-shop.fr", "registrant": registrant()}));
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.json()["errors"][0]["field"], "name");
    assert!(reply.json()["errors"][0]["message"].as_str().unwrap().contains("platform's own domain"));
    assert_eq!(app.client.get(&path, token).json()["items"], json!([]), "no registration");
    assert_eq!(pools::get(&app, &tenant, &sid)["assigned_seats"], 0, "no seat taken");
    // Another name is bought as usual.
    app.client.post(&path, token, &json!({"name": "buyer-own.fr", "registrant": registrant()})).assert_status(202);
}
