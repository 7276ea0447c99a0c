//! Issue 19, security first: sign-up cannot starve sign-in nor relay mail, tokens end with the
//! password and the account, nobody raises their own standing, a partner grants nothing beyond
//! its relationship, and others' guesses do not lock an owner out.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tenantry_tests::app::Storage;
use tenantry_tests::client::Call;
use tenantry_tests::mail;
use tenantry_tests::partners::{partner_with_admin, prove_domain, relationship};
use tenantry_tests::people::{add_member, temporary_password, tenant_with_admin, CHOSEN_PASSWORD};
use tenantry_tests::{Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        forty_sign_ups_from_one_source_are_throttled_before_hashing_or_mail,
        a_sign_up_flood_from_many_addresses_does_not_starve_sign_ins,
        the_confirmation_mail_greets_only_by_a_plain_name,
        tokens_end_with_the_password_and_with_the_account,
        nobody_raises_their_own_standing,
        a_partner_grants_no_role_beyond_its_relationship,
        guesses_from_elsewhere_do_not_lock_the_owner_out,
        recently_opened_people_follow_the_roles_held_now,
        answers_are_not_sniffed_framed_or_stored,
        what_a_partner_created_is_shown_when_it_leaves_and_disabled_in_one_call,
        a_customers_unverified_domain_blocks_nobody,
        partner_people_sign_in_only_at_proved_domains_or_the_platform_one,
        caps_per_owner_are_named_when_reached,
        rates_per_owner_answer_429_with_the_wait,
        breached_passwords_are_refused_everywhere_a_password_is_chosen,
    ]
}

/// Every proxy on loopback is trusted, so a test can speak for many client addresses with
/// `X-Forwarded-For`, as a load balancer would.
const BEHIND_A_PROXY: (&str, &str) = ("TENANTRY_TRUSTED_PROXIES", "127.0.0.0/8");
/// The production default: the test harness raises it for tests that sign many people up.
const FIVE_PER_SOURCE: (&str, &str) = ("TENANTRY_SIGNUPS_PER_SOURCE_PER_HOUR", "5");

fn sign_up_from(app: &TestApp, email: &str, display_name: &str, source: Option<&str>) -> tenantry_tests::Reply {
    let body = json!({"email": email, "display_name": display_name, "password": CHOSEN_PASSWORD});
    let mut call = Call::new("POST", "/v1/signups").json(&body);
    if let Some(source) = source {
        call = call.header("X-Forwarded-For", source);
    }
    app.client.send(call)
}

/// `tenantry_password_hashes_total{hasher="..."}` from `/metrics`.
fn hashes(app: &TestApp, hasher: &str) -> u64 {
    let metrics = app.client.send(Call::new("GET", "/metrics"));
    metrics.assert_status(200);
    let prefix = format!("tenantry_password_hashes_total{{hasher=\"{hasher}\"}} ");
    metrics
        .text
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map_or(0, |value| value.trim().parse().expect("a counter"))
}

fn forty_sign_ups_from_one_source_are_throttled_before_hashing_or_mail(backend: Backend) {
    let app = TestApp::spawn_on(Storage::new(backend), &[FIVE_PER_SOURCE]);
    let before = hashes(&app, "sign_up");
    let replies: Vec<_> =
        (0..40).map(|n| sign_up_from(&app, &format!("victim{n}@domain{n}.example"), "You won a prize", None)).collect();
    let accepted = replies.iter().filter(|reply| reply.status == 202).count();
    assert_eq!(accepted, 5, "five sign-ups an hour from one address");
    for reply in &replies[5..] {
        reply.assert_problem(429, "too_many_signups");
        assert!(reply.json()["detail"].as_str().unwrap().contains("from your network address"), "{reply:?}");
        let wait: u64 = reply.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!((3000..=3600).contains(&wait), "{wait}");
    }
    // A caller that is not a trusted proxy cannot pick the address it is counted under.
    sign_up_from(&app, "victim41@domain41.example", "Rob", Some("198.51.100.41"))
        .assert_problem(429, "too_many_signups");
    assert_eq!(hashes(&app, "sign_up") - before, 5, "only the accepted sign-ups were hashed");
    assert_eq!(hashes(&app, "sign_in"), 0, "sign-ups never hash on sign-ins' threads");
    // The five accepted are mailed; none of the refused ever is.
    for n in 0..5 {
        mail::wait_for(&app.storage.mail_dir(), &format!("victim{n}@domain{n}.example"), 1);
    }
    std::thread::sleep(Duration::from_millis(300));
    for n in 5..41 {
        assert!(mail::to(&app.storage.mail_dir(), &format!("victim{n}@domain{n}.example")).is_empty(), "victim{n}");
    }
}

fn a_sign_up_flood_from_many_addresses_does_not_starve_sign_ins(backend: Backend) {
    let app = TestApp::spawn_on(Storage::new(backend), &[BEHIND_A_PROXY, FIVE_PER_SOURCE]);
    let tenant = tenant_with_admin(&app, "flooded");
    let person = add_member(&app, &tenant, "worker", &[]);
    let stop = AtomicBool::new(false);
    let sent = AtomicUsize::new(0);
    let accepted = AtomicUsize::new(0);
    let mut slowest = Duration::ZERO;
    std::thread::scope(|scope| {
        // 32 callers, each from addresses of its own, so that no per-caller limit stops them:
        // only sign-ups' own hashing budget and the platform-wide limit stand in their way.
        for flooder in 0..32 {
            let (app, stop, sent, accepted) = (&app, &stop, &sent, &accepted);
            scope.spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let source = format!("10.{flooder}.{}.{}", n / 250, n % 250 + 1);
                    let email = format!("flood{flooder}x{n}@flood{flooder}x{n}.example");
                    let reply = sign_up_from(app, &email, "Flood", Some(&source));
                    assert!([202, 429, 503].contains(&reply.status), "{reply:?}");
                    sent.fetch_add(1, Ordering::Relaxed);
                    if reply.status == 202 {
                        accepted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(500));
        for attempt in 0..15 {
            let started = Instant::now();
            let reply = app.client.sign_in(&person.sign_in, CHOSEN_PASSWORD);
            let took = started.elapsed();
            assert_eq!(reply.status, 200, "sign-in {attempt} under the flood: {reply:?}");
            assert!(took < Duration::from_secs(2), "sign-in {attempt} took {took:?}");
            slowest = slowest.max(took);
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, Ordering::Relaxed);
    });
    // The flood ran the whole time (every caller was answered, most after waiting for a place)
    // and sign-ups were being hashed meanwhile.
    let (sent, accepted) = (sent.load(Ordering::Relaxed), accepted.load(Ordering::Relaxed));
    assert!(sent >= 32 && accepted > 0, "the flood ran: {sent} sign-ups answered, {accepted} accepted");
    eprintln!("sign-ups answered during the flood: {sent}, accepted: {accepted}");
    eprintln!("slowest sign-in under the flood: {slowest:?}");
}

fn the_confirmation_mail_greets_only_by_a_plain_name(backend: Backend) {
    let app = TestApp::spawn(backend);
    let spam = "Bonjour You won a prize, claim it at http://evil.example";
    sign_up_from(&app, "target@victim.example", spam, None).assert_status(202);
    let message = &mail::wait_for(&app.storage.mail_dir(), "target@victim.example", 1)[0];
    assert!(!message.contains("evil.example") && !message.contains("prize"), "{message}");
    assert!(message.contains("Bonjour,"), "{message}");
    sign_up_from(&app, "rob@victim.example", "Rob Martin", None).assert_status(202);
    let message = &mail::wait_for(&app.storage.mail_dir(), "rob@victim.example", 1)[0];
    assert!(message.contains("Bonjour Rob Martin,"), "{message}");
}

fn tokens_end_with_the_password_and_with_the_account(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "stamps");
    let me = |token: &str| app.client.get("/v1/me", token);

    // Their own password change ends the token they had; the new one works.
    let person = add_member(&app, &tenant, "changer", &[]);
    let old = person.token.clone();
    let new_password = "another long and unusual passphrase";
    app.client
        .post(
            "/v1/me/password",
            &old,
            &json!({"current_password": CHOSEN_PASSWORD, "new_password": new_password, "new_password_confirmation": new_password}),
        )
        .assert_status(204);
    me(&old).assert_problem(401, "invalid_token");
    let fresh = app.client.token(&person.sign_in, new_password);
    me(&fresh).assert_status(200);

    // An admin's reset ends it, and setting the new password does not bring it back.
    let reset = add_member(&app, &tenant, "reset", &[]);
    let path = format!("/v1/tenants/{}/users/{}/password-reset", tenant.id, reset.id);
    app.client.post(&path, &tenant.global_admin.token, &json!({})).assert_status(202);
    me(&reset.token).assert_problem(401, "invalid_token");
    let temporary = temporary_password(&app, &reset.contact_email, 1);
    let first = app.client.token(&reset.sign_in, &temporary);
    app.client
        .post(
            "/v1/me/password",
            &first,
            &json!({"current_password": temporary, "new_password": new_password, "new_password_confirmation": new_password}),
        )
        .assert_status(204);
    me(&reset.token).assert_problem(401, "invalid_token");
    me(&first).assert_problem(401, "invalid_token");
    me(&app.client.token(&reset.sign_in, new_password)).assert_status(200);

    // Disabled: the token fails at once and no new one is issued; enabled again, sign-in works.
    let disabled = add_member(&app, &tenant, "disabled", &[]);
    let person_path = format!("/v1/tenants/{}/users/{}", tenant.id, disabled.id);
    let reply = app.client.patch(&person_path, &tenant.global_admin.token, &json!({"account_enabled": false}));
    reply.assert_status(200);
    assert_eq!(reply.json()["account_enabled"], false);
    me(&disabled.token).assert_problem(401, "invalid_token");
    let refused = app.client.sign_in(&disabled.sign_in, CHOSEN_PASSWORD);
    refused.assert_problem(400, "invalid_grant");
    assert!(refused.json()["detail"].as_str().unwrap().contains("disabled"), "{refused:?}");
    app.client.patch(&person_path, &tenant.global_admin.token, &json!({"account_enabled": true})).assert_status(200);
    me(&disabled.token).assert_problem(401, "invalid_token");
    me(&app.client.token(&disabled.sign_in, CHOSEN_PASSWORD)).assert_status(200);

    // Nobody disables themselves.
    let own = format!("/v1/tenants/{}/users/{}", tenant.id, tenant.global_admin.id);
    app.client
        .patch(&own, &tenant.global_admin.token, &json!({"account_enabled": false}))
        .assert_problem(422, "validation_failed");
    me(&tenant.global_admin.token).assert_status(200);
}

fn nobody_raises_their_own_standing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "standing");
    let roles = |person: &str| format!("/v1/tenants/{}/users/{person}/roles", tenant.id);
    let manager = &tenant.cloud_manager;

    // A cloud manager cannot give itself global admin, and the tenant is as it was.
    let refused =
        app.client.put(&roles(&manager.id), &manager.token, &json!({"roles": ["cloud_manager", "global_admin"]}));
    refused.assert_problem(403, "forbidden");
    let me = app.client.get(&format!("/v1/tenants/{}/users/{}", tenant.id, manager.id), &manager.token).json();
    assert_eq!(me["roles"], json!(["cloud_manager"]));
    app.client.get(&format!("/v1/tenants/{}/webhooks", tenant.id), &manager.token).assert_problem(403, "forbidden");
    let member = add_member(&app, &tenant, "member", &[]);
    app.client.put(&roles(&member.id), &manager.token, &json!({"roles": ["billing_admin"]})).assert_status(200);

    // A billing admin cannot grant global admin, to itself or anyone.
    let billing = add_member(&app, &tenant, "billing", &["billing_admin"]);
    for target in [&billing.id, &member.id] {
        app.client
            .put(&roles(target), &billing.token, &json!({"roles": ["global_admin"]}))
            .assert_problem(403, "forbidden");
    }

    // A global admin designates another global admin (and the cloud manager may too: seed 000).
    let reply = app.client.put(&roles(&member.id), &tenant.global_admin.token, &json!({"roles": ["global_admin"]}));
    reply.assert_status(200);
    assert_eq!(reply.json()["roles"], json!(["global_admin"]));
    // And a person may drop a role of their own.
    let reply = app.client.put(&roles(&manager.id), &manager.token, &json!({"roles": []}));
    reply.assert_status(200);
}

fn a_partner_grants_no_role_beyond_its_relationship(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "customer");
    let partner = partner_with_admin(&app, "fabrikam");
    relationship(&app, &partner, &tenant, "full");
    let users = format!("/v1/tenants/{}/users", tenant.id);
    let person = |user_name: &str, roles: serde_json::Value| {
        json!({"display_name": "Made by the partner", "sign_in": format!("{user_name}@{}", tenant.domain),
               "contact_email": "partner.mailbox@fabrikam.example", "roles": roles, "password": CHOSEN_PASSWORD})
    };
    // Full access is the global admin's role, which stays the customer's: no admin role at all.
    for role in ["billing_admin", "password_admin", "global_admin", "cloud_manager"] {
        let refused = app.client.post(&users, &partner.admin.token, &person("boss", json!([role])));
        refused.assert_problem(403, "forbidden");
    }
    let listed = app.client.get(&format!("{users}?q=boss"), &tenant.global_admin.token).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0, "nothing was created: {listed}");
    // A plain account is allowed, and marked with the relationship it came through.
    let created = app.client.post(&users, &partner.admin.token, &person("helper", json!([])));
    created.assert_status(201);
    let relationship_id = created.json()["created_by_relationship"].clone();
    assert!(relationship_id.is_string(), "{}", created.text);
    let own = app.client.post(&users, &tenant.global_admin.token, &person("own", json!([])));
    own.assert_status(201);
    assert_eq!(own.json()["created_by_relationship"], serde_json::Value::Null);
}

fn guesses_from_elsewhere_do_not_lock_the_owner_out(backend: Backend) {
    let app = TestApp::spawn_on(Storage::new(backend), &[BEHIND_A_PROXY]);
    let tenant = tenant_with_admin(&app, "guessed");
    let owner = &tenant.global_admin;
    let sign_in_from = |password: &str, source: &str| {
        let body = format!(
            "grant_type=password&username={}&password={}",
            tenantry_tests::client::form_encode(&owner.sign_in),
            tenantry_tests::client::form_encode(password)
        );
        app.client.send(
            Call::new("POST", "/v1/auth/token")
                .raw("application/x-www-form-urlencoded", body)
                .header("X-Forwarded-For", source),
        )
    };
    let home = "198.51.100.7";
    sign_in_from(CHOSEN_PASSWORD, home).assert_status(200);

    // One attacker: five wrong passwords lock their address for this account, not the owner's.
    for _ in 0..5 {
        sign_in_from("wrong guess of a password", "203.0.113.1").assert_problem(400, "invalid_grant");
    }
    sign_in_from("wrong guess of a password", "203.0.113.1").assert_problem(429, "too_many_sign_in_attempts");
    sign_in_from(CHOSEN_PASSWORD, home).assert_status(200);

    // Many attackers spend the account's global budget: new addresses are refused, the owner's
    // own address is not.
    let mut refused = 0;
    for attacker in 2..=30 {
        for _ in 0..2 {
            let reply = sign_in_from("wrong guess of a password", &format!("203.0.113.{attacker}"));
            if reply.status == 429 {
                refused += 1;
            } else {
                reply.assert_problem(400, "invalid_grant");
            }
        }
    }
    assert!(refused > 0, "the account's global budget refused some guesses");
    sign_in_from(CHOSEN_PASSWORD, "192.0.2.99").assert_problem(429, "too_many_sign_in_attempts");
    sign_in_from(CHOSEN_PASSWORD, home).assert_status(200);
}

fn recently_opened_people_follow_the_roles_held_now(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "recent");
    let helper = add_member(&app, &tenant, "helper", &["password_admin"]);
    let member = add_member(&app, &tenant, "member", &[]);
    let person = format!("/v1/tenants/{}/users/{}", tenant.id, member.id);
    app.client.get(&person, &helper.token).assert_status(200);
    let recent = app.client.get("/v1/me/recent-users", &helper.token).json();
    assert_eq!(recent["items"][0]["user_id"], member.id.as_str(), "{recent}");
    // Their admin role taken away, they see nobody they opened as an admin.
    let roles = format!("/v1/tenants/{}/users/{}/roles", tenant.id, helper.id);
    app.client.put(&roles, &tenant.global_admin.token, &json!({"roles": []})).assert_status(200);
    let recent = app.client.get("/v1/me/recent-users", &helper.token).json();
    assert_eq!(recent["items"], json!([]), "{recent}");
    app.client.get(&person, &helper.token).assert_problem(403, "forbidden");
}

fn answers_are_not_sniffed_framed_or_stored(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "headers");
    let token = &tenant.global_admin.token;
    let personal = [
        "/v1/me".to_owned(),
        format!("/v1/tenants/{}/users", tenant.id),
        format!("/v1/tenants/{}/users/{}", tenant.id, tenant.global_admin.id),
        format!("/v1/tenants/{}/audit-events", tenant.id),
    ];
    for path in &personal {
        let reply = app.client.get(path, token);
        reply.assert_status(200);
        assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"), "{path}");
        assert_eq!(reply.header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
    }
    // Errors too.
    let refused = app.client.send(Call::new("GET", "/v1/me"));
    refused.assert_status(401);
    assert_eq!(refused.header("x-content-type-options").as_deref(), Some("nosniff"));
    // Swagger UI keeps a bearer token: no other site may frame it.
    let console = app.client.send(Call::new("GET", "/swagger-ui/"));
    assert!([200, 301, 302, 307, 308].contains(&console.status), "{console:?}");
    assert_eq!(console.header("content-security-policy").as_deref(), Some("frame-ancestors 'none'"));
    assert_eq!(console.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(console.header("x-content-type-options").as_deref(), Some("nosniff"));
}

fn what_a_partner_created_is_shown_when_it_leaves_and_disabled_in_one_call(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "leftover");
    let partner = partner_with_admin(&app, "departing");
    let relationship = relationship(&app, &partner, &tenant, "full");
    let rid = relationship["id"].as_str().unwrap().to_owned();
    let users = format!("/v1/tenants/{}/users", tenant.id);
    let created = app.client.post(
        &users,
        &partner.admin.token,
        &json!({"display_name": "Partner Helpdesk", "sign_in": format!("helpdesk@{}", tenant.domain),
                "contact_email": "helpdesk@departing.example", "roles": [], "password": CHOSEN_PASSWORD}),
    );
    created.assert_status(201);
    let helpdesk_id = created.json()["id"].as_str().unwrap().to_owned();
    let helpdesk_token = app.client.token(&format!("helpdesk@{}", tenant.domain), CHOSEN_PASSWORD);
    let own = add_member(&app, &tenant, "own", &[]);

    // The customer ends the relationship and is told what the partner left.
    let ended = app.client.post(
        &format!("/v1/tenants/{}/partner-relationships/{rid}/terminate", tenant.id),
        &tenant.global_admin.token,
        &json!({}),
    );
    ended.assert_status(200);
    let answered = ended.json()["left_behind"].clone();
    assert_eq!(answered.as_array().map(Vec::len), Some(1), "{}", ended.text);
    assert_eq!(answered[0]["user_id"], helpdesk_id.as_str());
    let told = mail::wait_for(&app.storage.mail_dir(), &tenant.global_admin.contact_email, 2);
    let notice = told.iter().find(|m| m.contains("left-behind/disable")).expect("the admin is told what was left");
    assert!(notice.contains(&format!("helpdesk@{}", tenant.domain)), "{notice}");
    assert!(!notice.contains(&own.sign_in), "{notice}");
    let left = format!("/v1/tenants/{}/partner-relationships/{rid}/left-behind", tenant.id);
    let listed = app.client.get(&left, &tenant.global_admin.token);
    listed.assert_status(200);
    let items = listed.json()["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["user_id"], helpdesk_id.as_str());
    assert_eq!(items[0]["account_created"], true);
    assert_eq!(items[0]["account_enabled"], true);
    // Until disabled, the account still works; a plain member may not disable it.
    app.client.get("/v1/me", &helpdesk_token).assert_status(200);
    app.client.post(&format!("{left}/disable"), &own.token, &json!({})).assert_problem(403, "forbidden");

    // One call disables it; its token fails, its sign-in too; the customer's own people are untouched.
    let disabled = app.client.post(&format!("{left}/disable"), &tenant.global_admin.token, &json!({}));
    disabled.assert_status(200);
    assert_eq!(disabled.json()["items"][0]["account_enabled"], false, "{}", disabled.text);
    app.client.get("/v1/me", &helpdesk_token).assert_problem(401, "invalid_token");
    app.client.sign_in(&format!("helpdesk@{}", tenant.domain), CHOSEN_PASSWORD).assert_problem(400, "invalid_grant");
    app.client.get("/v1/me", &own.token).assert_status(200);
    // Again: nothing more to do.
    app.client.post(&format!("{left}/disable"), &tenant.global_admin.token, &json!({})).assert_status(200);
    let audit =
        app.client.get(&format!("/v1/tenants/{}/audit-events?limit=200", tenant.id), &tenant.global_admin.token);
    let disabled_events = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "user.disabled" && e["target_id"] == helpdesk_id.as_str())
        .count();
    assert_eq!(disabled_events, 1);
}

fn a_customers_unverified_domain_blocks_nobody(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "typist");
    let partner = partner_with_admin(&app, "blocked");
    // The customer types a name it has not proved ...
    let added = app.client.post(
        &format!("/v1/tenants/{}/domains", tenant.id),
        &tenant.global_admin.token,
        &json!({"name": "blocked-partner.example"}),
    );
    added.assert_status(201);
    assert_eq!(added.json()["verified"], false, "{}", added.text);
    // ... which stops neither the partner proving it nor its people signing in there.
    prove_domain(&app, &partner.id, &partner.admin.token, "blocked-partner.example");
    let agent = new_partner_person(&app, &partner, "agent@blocked-partner.example");
    agent.assert_status(201);
}

fn new_partner_person(
    app: &TestApp,
    partner: &tenantry_tests::partners::Partner,
    sign_in: &str,
) -> tenantry_tests::Reply {
    app.client.post(
        &format!("/v1/partners/{}/users", partner.id),
        &partner.admin.token,
        &json!({"display_name": "Agent", "sign_in": sign_in, "role": "partner_agent", "password": CHOSEN_PASSWORD}),
    )
}

fn partner_people_sign_in_only_at_proved_domains_or_the_platform_one(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partner_with_admin(&app, "prover");
    let customer = tenant_with_admin(&app, "owner");
    // Unproved: refused, with the way to prove it.
    let refused = new_partner_person(&app, &partner, "agent@unproved.example");
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.json()["errors"][0]["field"], "sign_in", "{}", refused.text);
    assert!(refused.text.contains("/domains"), "{}", refused.text);
    // Its platform domain needs no proof.
    let domains = app.client.get(&format!("/v1/partners/{}/domains", partner.id), &partner.admin.token);
    domains.assert_status(200);
    let platform_domain = domains.json()["platform_domain"].as_str().unwrap().to_owned();
    assert!(platform_domain.ends_with(".partners.tenantry.test"), "{platform_domain}");
    let partner_view = app.client.get(&format!("/v1/partners/{}", partner.id), &partner.admin.token).json();
    assert_eq!(partner_view["platform_domain"], platform_domain.as_str());
    new_partner_person(&app, &partner, &format!("agent@{platform_domain}")).assert_status(201);
    // Another partner's platform domain, and anything else under the platform, are not its own.
    let other = partner_with_admin(&app, "other");
    let others = app.client.get(&format!("/v1/partners/{}/domains", other.id), &other.admin.token).json();
    let other_platform = others["platform_domain"].as_str().unwrap().to_owned();
    new_partner_person(&app, &partner, &format!("spy@{other_platform}")).assert_problem(422, "validation_failed");
    // Proved: allowed. A customer's proved domain: the partner can neither prove it nor use it.
    prove_domain(&app, &partner.id, &partner.admin.token, "proved.example");
    new_partner_person(&app, &partner, "agent@proved.example").assert_status(201);
    let customers_domain = "owner-corp.example";
    let added = app.client.post(
        &format!("/v1/tenants/{}/domains", customer.id),
        &customer.global_admin.token,
        &json!({"name": customers_domain}),
    );
    let record = added.json()["verification"]["value"].as_str().unwrap().to_owned();
    app.dns.set_txt(customers_domain, &[&record]);
    app.client
        .send(
            Call::new("POST", &format!("/v1/tenants/{}/domains/{customers_domain}/verify", customer.id))
                .token(&customer.global_admin.token),
        )
        .assert_status(200);
    let squat = app.client.post(
        &format!("/v1/partners/{}/domains", partner.id),
        &partner.admin.token,
        &json!({"name": customers_domain}),
    );
    squat.assert_status(201);
    let ours = squat.json()["verification"]["value"].as_str().unwrap().to_owned();
    app.dns.set_txt(customers_domain, &[&record, &ours]);
    app.client
        .send(
            Call::new("POST", &format!("/v1/partners/{}/domains/{customers_domain}/verify", partner.id))
                .token(&partner.admin.token),
        )
        .assert_problem(409, "domain_held_elsewhere");
    new_partner_person(&app, &partner, &format!("ceo@{customers_domain}")).assert_problem(422, "validation_failed");
    // The operator vouches for a partner's first people, but not at a customer's domain either.
    let operator = app.operator_token();
    let vouched = app.client.post(
        &format!("/v1/partners/{}/users", partner.id),
        &operator,
        &json!({"display_name": "Boss", "sign_in": format!("boss@{customers_domain}"), "role": "partner_admin",
                "password": CHOSEN_PASSWORD}),
    );
    vouched.assert_problem(422, "validation_failed");

    // A customer proving a domain a partner proved first takes it: one holder per domain.
    prove_domain(&app, &partner.id, &partner.admin.token, "reclaimed.example");
    let added = app.client.post(
        &format!("/v1/tenants/{}/domains", customer.id),
        &customer.global_admin.token,
        &json!({"name": "reclaimed.example"}),
    );
    let record = added.json()["verification"]["value"].as_str().unwrap().to_owned();
    app.dns.set_txt("reclaimed.example", &[&record]);
    app.client
        .send(
            Call::new("POST", &format!("/v1/tenants/{}/domains/reclaimed.example/verify", customer.id))
                .token(&customer.global_admin.token),
        )
        .assert_status(200);
    let listed = app.client.get(&format!("/v1/partners/{}/domains", partner.id), &partner.admin.token).json();
    let reclaimed = listed["items"].as_array().unwrap().iter().find(|d| d["name"] == "reclaimed.example").cloned();
    assert_eq!(reclaimed.expect("still listed")["verified"], false, "{listed}");
    new_partner_person(&app, &partner, "late@reclaimed.example").assert_problem(422, "validation_failed");
}

fn caps_per_owner_are_named_when_reached(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "capped");
    let partner = partner_with_admin(&app, "capping");
    let limit_reached = |reply: &tenantry_tests::Reply, name: &str, max: i64| {
        reply.assert_problem(409, "limit_reached");
        assert_eq!(reply.json()["context"]["limit"], name, "{}", reply.text);
        assert_eq!(reply.json()["context"]["max"], max, "{}", reply.text);
    };
    // Webhook endpoints per tenant: every event goes to each.
    let hooks = format!("/v1/tenants/{}/webhooks", tenant.id);
    for n in 0..10 {
        let body = json!({"url": format!("http://127.0.0.1:9/hook/{n}"), "events": ["licence.assigned"]});
        app.client.post(&hooks, &tenant.global_admin.token, &body).assert_status(201);
    }
    let body = json!({"url": "http://127.0.0.1:9/hook/11", "events": ["licence.assigned"]});
    limit_reached(&app.client.post(&hooks, &tenant.global_admin.token, &body), "webhook_endpoints_per_owner", 10);
    let listed = app.client.get(&format!("{hooks}?limit=200"), &tenant.global_admin.token).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 10, "nothing was added");
    // API clients per partner: a disabled one frees its place.
    let clients = format!("/v1/partners/{}/api-clients", partner.id);
    let mut first = String::new();
    for n in 0..25 {
        let reply = app.client.post(&clients, &partner.admin.token, &json!({"name": format!("client {n}")}));
        reply.assert_status(201);
        if n == 0 {
            first = reply.json()["client"]["id"].as_str().unwrap().to_owned();
        }
    }
    limit_reached(
        &app.client.post(&clients, &partner.admin.token, &json!({"name": "one more"})),
        "api_clients_per_partner",
        25,
    );
    app.client
        .send(Call::new("POST", &format!("{clients}/{first}/disable")).token(&partner.admin.token))
        .assert_status(200);
    app.client.post(&clients, &partner.admin.token, &json!({"name": "in its place"})).assert_status(201);
    // Open offers per partner.
    let offers = format!("/v1/partners/{}/admin-offers", partner.id);
    for _ in 0..100 {
        app.client.post(&offers, &partner.admin.token, &json!({"access": "limited"})).assert_status(201);
    }
    limit_reached(
        &app.client.post(&offers, &partner.admin.token, &json!({"access": "limited"})),
        "open_offers_per_partner",
        100,
    );
    // Domains per tenant.
    let domains = format!("/v1/tenants/{}/domains", tenant.id);
    for n in 0..250 {
        app.client
            .post(&domains, &tenant.global_admin.token, &json!({"name": format!("d{n}.capped.example")}))
            .assert_status(201);
    }
    limit_reached(
        &app.client.post(&domains, &tenant.global_admin.token, &json!({"name": "one-more.capped.example"})),
        "domains_per_tenant",
        250,
    );
}

fn rates_per_owner_answer_429_with_the_wait(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "busy");
    let token = &tenant.global_admin.token;
    let rate_limited = |reply: &tenantry_tests::Reply, name: &str| {
        reply.assert_problem(429, "rate_limited");
        assert_eq!(reply.json()["context"]["limit"], name, "{}", reply.text);
        let wait: u64 = reply.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!(wait >= 1, "{wait}");
    };
    // Service requests per tenant.
    let contact = tenantry_tests::support::ContactCard::office_hours("Ada", "ada@example.com");
    for n in 0..20 {
        let body = tenantry_tests::support::incident(&format!("Slow mail {n}"), "C", "mail", &contact);
        tenantry_tests::support::open(&app, token, &tenant.id, &body);
    }
    let body = tenantry_tests::support::incident("One too many", "C", "mail", &contact);
    rate_limited(&tenantry_tests::support::open_reply(&app, token, &tenant.id, &body), "service_requests_per_tenant");
    // Feedback per person.
    for _ in 0..10 {
        app.client.post("/v1/feedback", token, &json!({"screen": "home", "message": "Fine."})).assert_status(201);
    }
    rate_limited(
        &app.client.post("/v1/feedback", token, &json!({"screen": "home", "message": "Again."})),
        "feedback_per_person",
    );
    // DNS checks and verifications per tenant.
    let domain = "checked.example";
    app.client.post(&format!("/v1/tenants/{}/domains", tenant.id), token, &json!({"name": domain})).assert_status(201);
    let check = format!("/v1/tenants/{}/domains/{domain}/dns-check", tenant.id);
    for _ in 0..20 {
        app.client.get(&check, token).assert_status(200);
    }
    rate_limited(&app.client.get(&check, token), "dns_lookups_per_tenant");
    let verify = format!("/v1/tenants/{}/domains/{domain}/verify", tenant.id);
    rate_limited(&app.client.send(Call::new("POST", &verify).token(token)), "dns_lookups_per_tenant");
}

fn breached_passwords_are_refused_everywhere_a_password_is_chosen(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "breached");
    for common in ["Password123!", "qwerty123456", "iloveyou2026!"] {
        let created = app.client.post(
            &format!("/v1/tenants/{}/users", tenant.id),
            &tenant.global_admin.token,
            &json!({"display_name": "Weak", "sign_in": format!("weak@{}", tenant.domain), "password": common}),
        );
        created.assert_problem(422, "validation_failed");
        assert_eq!(created.json()["errors"][0]["field"], "password", "{}", created.text);
        let body = json!({"email": "weak@breached-corp.example", "display_name": "Weak", "password": common});
        let signed_up = app.client.send(Call::new("POST", "/v1/signups").json(&body));
        signed_up.assert_problem(422, "validation_failed");
        let changed = app.client.post(
            "/v1/me/password",
            &tenant.global_admin.token,
            &json!({"current_password": CHOSEN_PASSWORD, "new_password": common, "new_password_confirmation": common}),
        );
        changed.assert_problem(422, "validation_failed");
    }
    // Nothing was created, and the admin's password is unchanged.
    let found = app.client.get(&format!("/v1/tenants/{}/users?q=weak", tenant.id), &tenant.global_admin.token);
    assert_eq!(found.json()["items"], json!([]));
    app.client.token(&tenant.global_admin.sign_in, CHOSEN_PASSWORD);
}
