//! Self-service sign-up and admin takeover end to end: two people of example.org sign
//! up into one unmanaged tenant with the free Meetings tier and no admin rights; one proves the
//! domain in DNS and completes with Business Essentials for both; the tenant is managed, both
//! hold licenses and were told; a third sign-up with the domain is refused. A stranger never
//! learns whether an address has an account; sign-ups are throttled.

use serde_json::{json, Value};
use tenantry_tests::client::Call;
use tenantry_tests::concurrent::{all_at_once, count_status};
use tenantry_tests::people::{self, CHOSEN_PASSWORD};
use tenantry_tests::signups::{code_from_mail, confirm, sign_up, sign_up_and_confirm, SignedUp};
use tenantry_tests::{mail, Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        people_of_one_domain_sign_up_into_one_unmanaged_tenant_without_admin_rights,
        a_takeover_proves_the_domain_and_licenses_everyone_in_one_step,
        an_internationalised_email_domain_signs_up_too,
        first_sign_ups_of_a_domain_at_once_share_one_tenant,
        a_burst_of_guesses_gets_five_tries_in_all,
        the_answer_never_tells_whether_an_address_has_an_account,
        sign_ups_are_refused_for_personal_addresses_and_throttled,
    ]
}

fn own_record(app: &TestApp, person: &SignedUp) -> Value {
    let reply = app.client.get(&format!("/v1/tenants/{}/users/{}", person.tenant_id, person.user_id), &person.token);
    reply.assert_status(200);
    reply.json()
}

fn people_of_one_domain_sign_up_into_one_unmanaged_tenant_without_admin_rights(backend: Backend) {
    let app = TestApp::spawn(backend);
    let rob = sign_up_and_confirm(&app, "rob@example.org", "Rob Martin");
    let sara = sign_up_and_confirm(&app, "Sara@Example.org", "Sara Petit");
    assert_eq!(rob.tenant_id, sara.tenant_id, "grouped by email domain");
    assert_eq!(sara.email, "sara@example.org", "kept lower-cased");

    let operator = app.operator_token();
    let tenant = app.client.get(&format!("/v1/tenants/{}", rob.tenant_id), &operator).json();
    assert_eq!(tenant["managed"], false);
    assert_eq!(tenant["email_domain"], "example.org");
    let listed = app.client.get(&format!("/v1/tenants/{}/users", rob.tenant_id), &operator).json();
    let sign_ins: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|p| p["sign_in"].as_str().unwrap()).collect();
    assert_eq!(sign_ins, ["rob@example.org", "sara@example.org"]);

    // Only the free Meetings tier, with today's limit of 10 participants stated.
    let record = own_record(&app, &rob);
    assert_eq!(record["roles"], json!([]));
    let licenses = record["licenses"].as_array().unwrap();
    assert_eq!(licenses.len(), 1);
    assert_eq!(licenses[0]["plan"], "meetings_free");
    assert_eq!(licenses[0]["meeting_participant_limit"], 10);
    assert!(licenses[0]["limit_drops_at"].is_string());

    // No admin operation works before the takeover: not for them, not for support.
    let base = format!("/v1/tenants/{}", rob.tenant_id);
    let attempts = [
        (
            "POST",
            format!("{base}/users"),
            Some(json!({"display_name": "X", "user_name": "x", "password": CHOSEN_PASSWORD})),
        ),
        ("PUT", format!("{base}/users/{}/roles", rob.user_id), Some(json!({"roles": ["global_admin"]}))),
        ("POST", format!("{base}/subscriptions"), Some(json!({"plan": "business_essentials", "seats": 2}))),
        ("POST", format!("{base}/domains"), Some(json!({"name": "example.org"}))),
        ("GET", format!("{base}/users/{}", sara.user_id), None),
    ];
    for (method, path, body) in &attempts {
        let mut call = Call::new(method, path).token(&rob.token);
        if let Some(body) = body {
            call = call.json(body);
        }
        app.client.send(call).assert_problem(403, "forbidden");
    }
    // The domain is theirs to take over: no managed tenant may claim it meanwhile.
    let managed = people::tenant_with_admin(&app, "claimer");
    let claim = app.client.post(
        &format!("/v1/tenants/{}/domains", managed.id),
        &managed.global_admin.token,
        &json!({"name": "example.org"}),
    );
    claim.assert_problem(409, "domain_held_elsewhere");

    // A wrong code is counted; the right one cannot be used twice.
    let carl = sign_up(&app, "carl@example.org", "Carl");
    carl.assert_status(202);
    let carl_id = carl.json()["id"].as_str().unwrap().to_owned();
    let wrong = confirm(&app, &carl_id, "00000000");
    wrong.assert_problem(422, "confirmation_failed");
    assert!(wrong.json()["detail"].as_str().unwrap().contains("4 attempt(s) left"), "{wrong:?}");
    let code = code_from_mail(&app, "carl@example.org", 1);
    confirm(&app, &carl_id, &code).assert_status(201);
    confirm(&app, &carl_id, &code).assert_problem(422, "confirmation_failed");
}

fn a_takeover_proves_the_domain_and_licenses_everyone_in_one_step(backend: Backend) {
    let app = TestApp::spawn(backend);
    let rob = sign_up_and_confirm(&app, "rob@example.org", "Rob Martin");
    let sara = sign_up_and_confirm(&app, "sara@example.org", "Sara Petit");
    // Sara's settings must survive the takeover.
    app.client.put("/v1/me/preferences", &sara.token, &json!({"sync_frequency": "manual"})).assert_status(200);

    let started = app.client.post("/v1/takeovers", &rob.token, &json!({}));
    started.assert_status(201);
    let takeover = started.json();
    assert_eq!(takeover["domain"], "example.org");
    assert_eq!(takeover["status"], "started");
    let id = takeover["id"].as_str().unwrap().to_owned();
    let record = takeover["verification"]["value"].as_str().unwrap().to_owned();
    assert_eq!(app.client.post("/v1/takeovers", &rob.token, &json!({})).json()["id"], id.as_str(), "the same takeover");
    // Sara cannot see or drive Rob's takeover.
    app.client.get(&format!("/v1/takeovers/{id}"), &sara.token).assert_problem(404, "not_found");

    let complete = format!("/v1/takeovers/{id}/complete");
    app.client
        .post(&complete, &rob.token, &json!({"plan": "business_essentials", "seats": 2}))
        .assert_problem(409, "takeover_refused");
    let verify = format!("/v1/takeovers/{id}/verify");
    app.client.post(&verify, &rob.token, &json!({})).assert_problem(422, "verification_failed");
    app.dns.set_txt("example.org", &["v=spf1 -all", &record]);
    let verified = app.client.post(&verify, &rob.token, &json!({}));
    verified.assert_status(200);
    assert_eq!(verified.json()["status"], "verified");

    // One license for two people: refused, and nothing changes.
    let operator = app.operator_token();
    let too_few = app.client.post(&complete, &rob.token, &json!({"plan": "business_essentials", "seats": 1}));
    too_few.assert_problem(422, "too_few_licences");
    assert_eq!(too_few.json()["context"], json!({"people": 2, "seats": 1}));
    app.client
        .post(&complete, &rob.token, &json!({"plan": "enterprise_e5", "seats": 2}))
        .assert_problem(422, "plan_not_orderable");
    let tenant_path = format!("/v1/tenants/{}", rob.tenant_id);
    assert_eq!(app.client.get(&tenant_path, &operator).json()["managed"], false);
    let plans: Vec<String> = app.client.get(&format!("{tenant_path}/subscriptions"), &operator).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["plan"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(plans, ["meetings_free"]);
    assert_eq!(own_record(&app, &rob)["roles"], json!([]));

    let done = app.client.post(&complete, &rob.token, &json!({"plan": "business_essentials", "seats": 2}));
    done.assert_status(200);
    let done = done.json();
    assert_eq!(done["tenant"]["managed"], true);
    assert_eq!(done["subscription"]["plan"], "business_essentials");
    assert_eq!(done["subscription"]["status"], "active");
    assert_eq!(done["subscription"]["assigned_seats"], 2);
    assert_eq!(done["licensed_people"], 2);
    assert!(done["tenant"]["verified_domains"].as_array().unwrap().contains(&json!("example.org")));

    // Rob is the global admin; both hold Business Essentials; Sara keeps her settings.
    assert_eq!(own_record(&app, &rob)["roles"], json!(["global_admin"]));
    for person in [&rob, &sara] {
        let licenses = own_record(&app, person)["licenses"].clone();
        let plans: Vec<&str> = licenses.as_array().unwrap().iter().map(|l| l["plan"].as_str().unwrap()).collect();
        assert_eq!(plans, ["business_essentials"], "{}", person.email);
        let told = mail::wait_for(&app.storage.mail_dir(), &person.email, 2);
        assert!(
            told.iter().any(|m| m.contains("Votre organisation example.org est désormais administrée")),
            "{} told",
            person.email
        );
    }
    assert_eq!(app.client.get("/v1/me/preferences", &sara.token).json()["sync_frequency"], "manual");
    // Now the tenant is managed: its admin manages it, at the taken-over domain by default.
    let created = app.client.post(
        &format!("{tenant_path}/users"),
        &rob.token,
        &json!({"display_name": "Carl", "user_name": "carl", "password": CHOSEN_PASSWORD}),
    );
    created.assert_status(201);
    assert_eq!(created.json()["sign_in"], "carl@example.org");
    app.client
        .post(&complete, &rob.token, &json!({"plan": "business_essentials", "seats": 2}))
        .assert_problem(409, "takeover_refused");

    // A third person signing up with the domain is sent to the admin.
    let third = sign_up(&app, "dana@example.org", "Dana");
    third.assert_problem(409, "domain_managed_by_tenant");
    assert!(third.json()["detail"].as_str().unwrap().contains("ask its administrator"));
}

fn an_internationalised_email_domain_signs_up_too(backend: Backend) {
    let app = TestApp::spawn(backend);
    let accepted = sign_up(&app, "anna@Bücher-Signup.fr", "Anna");
    accepted.assert_status(202);
    assert_eq!(accepted.json()["email"], "anna@xn--bcher-signup-dlb.fr", "kept in the ASCII form mail uses");
    let code = code_from_mail(&app, "anna@xn--bcher-signup-dlb.fr", 1);
    let confirmed = confirm(&app, accepted.json()["id"].as_str().unwrap(), &code);
    confirmed.assert_status(201);
    let tenant_id = confirmed.json()["tenant_id"].as_str().unwrap().to_owned();
    let tenant = app.client.get(&format!("/v1/tenants/{tenant_id}"), &app.operator_token()).json();
    assert_eq!(tenant["email_domain"], "xn--bcher-signup-dlb.fr");
    assert_eq!(tenant["managed"], false);
}

fn the_answer_never_tells_whether_an_address_has_an_account(backend: Backend) {
    let app = TestApp::spawn(backend);
    sign_up_and_confirm(&app, "rob@known.example", "Rob");
    let again = sign_up(&app, "rob@known.example", "Someone");
    let fresh = sign_up(&app, "new@known.example", "Someone");
    again.assert_status(202);
    fresh.assert_status(202);
    // The same answer but for the id, the address and the time: nothing tells them apart.
    let shape = |reply: &tenantry_tests::Reply| {
        let mut body = reply.json();
        let (id, email) = (body["id"].as_str().unwrap().to_owned(), body["email"].as_str().unwrap().to_owned());
        body["next_step"] = json!(body["next_step"].as_str().unwrap().replace(&id, "ID").replace(&email, "EMAIL"));
        for varying in ["id", "email", "expires_at"] {
            body[varying] = Value::Null;
        }
        (reply.status, body)
    };
    assert_eq!(shape(&again), shape(&fresh), "the same answer");
    // Only the owner of the address learns it, by mail, and no code is sent to them.
    let messages = mail::wait_for(&app.storage.mail_dir(), "rob@known.example", 2);
    assert!(messages[1].contains("a déjà un compte"), "in French, the default: {}", messages[1]);
    assert!(mail::field(&messages[1], "Confirmation code").is_none());
}

fn sign_ups_are_refused_for_personal_addresses_and_throttled(backend: Backend) {
    let storage = tenantry_tests::app::Storage::new(backend);
    let app = TestApp::spawn_on(storage, &[("TENANTRY_CONSUMER_MAIL_DOMAINS", "mail.example-isp.fr, webmail.example")]);
    // Consumer providers, French and international, from the vendored list and the operator's.
    for address in [
        "rob@gmail.com",
        "rob@sfr.fr",
        "rob@neuf.fr",
        "rob@gmx.de",
        "rob@yandex.ru",
        "rob@proton.me",
        "rob@mail.example-isp.fr",
        "rob@webmail.example",
    ] {
        let refused = sign_up(&app, address, "Rob");
        refused.assert_problem(422, "signup_refused");
        assert!(refused.json()["detail"].as_str().unwrap().contains("personal mail domain"), "{address}");
    }
    sign_up(&app, "not an address", "Rob").assert_problem(422, "validation_failed");
    let short = app.client.send(
        Call::new("POST", "/v1/signups")
            .json(&json!({"email": "a@short.example", "display_name": "A", "password": "short"})),
    );
    short.assert_problem(422, "validation_failed");
    for _ in 0..3 {
        sign_up(&app, "eager@throttle.example", "Eager").assert_status(202);
    }
    let throttled = sign_up(&app, "eager@throttle.example", "Eager");
    throttled.assert_problem(429, "too_many_signups");
    let wait: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    // Another address of the domain is still welcome.
    sign_up(&app, "calm@throttle.example", "Calm").assert_status(202);
}

fn first_sign_ups_of_a_domain_at_once_share_one_tenant(backend: Backend) {
    let app = TestApp::spawn(backend);
    let people: Vec<(String, String)> = (0..6)
        .map(|n| {
            let email = format!("p{n}@race.example");
            let accepted = sign_up(&app, &email, &format!("Person {n}"));
            accepted.assert_status(202);
            (accepted.json()["id"].as_str().unwrap().to_owned(), code_from_mail(&app, &email, 1))
        })
        .collect();
    let replies = all_at_once(people.len(), |n| confirm(&app, &people[n].0, &people[n].1));
    assert_eq!(count_status(&replies, 201), 6, "{:?}", replies.iter().find(|r| r.status != 201));
    let tenants: std::collections::BTreeSet<String> =
        replies.iter().map(|r| r.json()["tenant_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(tenants.len(), 1, "one tenant for the domain");
    let tenant_id = tenants.into_iter().next().unwrap();
    let operator = app.operator_token();
    let pools = app.client.get(&format!("/v1/tenants/{tenant_id}/subscriptions"), &operator).json();
    assert_eq!(pools["items"].as_array().unwrap().len(), 1);
    assert_eq!(pools["items"][0]["assigned_seats"], 6, "each counted once in the free pool");
}

fn a_burst_of_guesses_gets_five_tries_in_all(backend: Backend) {
    let app = TestApp::spawn(backend);
    let accepted = sign_up(&app, "target@guess.example", "Target");
    let id = accepted.json()["id"].as_str().unwrap().to_owned();
    let replies = all_at_once(20, |n| confirm(&app, &id, &format!("{:08}", n + 1)));
    assert!(replies.iter().all(|r| r.status == 422), "{:?}", replies.iter().find(|r| r.status != 422));
    let wrong = replies.iter().filter(|r| r.json()["detail"].as_str().unwrap().contains("attempt(s) left")).count();
    assert_eq!(wrong, 4, "four wrong codes are told how many tries are left, then the sign-up is spent");
    let code = code_from_mail(&app, "target@guess.example", 1);
    let too_late = confirm(&app, &id, &code);
    too_late.assert_problem(422, "confirmation_failed");
    assert!(too_late.json()["detail"].as_str().unwrap().contains("too many wrong codes"));
}
