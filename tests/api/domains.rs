//! Custom domains against a real DNS server on loopback: added with a TXT record to publish,
//! verified over UDP and over TCP, refused when the record is absent or wrong, kept by one tenant
//! only, made the default for new people, removed only when nobody uses them; the DNS check
//! names the missing MX and the wrong SPF; names that are not domain names are refused.

use serde_json::{json, Value};
use tenantry_tests::app::Storage;
use tenantry_tests::dns::{DnsServer, Transport};
use tenantry_tests::people::{self, Tenant};
use tenantry_tests::{Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        a_domain_is_verified_over_udp_once_its_record_is_published,
        verification_over_tcp_and_a_verified_domain_belongs_to_one_tenant,
        the_default_domain_names_new_people_and_a_used_domain_stays,
        the_dns_check_reports_the_missing_mx_and_the_wrong_spf,
        names_that_are_not_domain_names_are_refused_and_idn_round_trips,
        with_dns_silent_the_check_answers_within_its_deadline_saying_what_is_missing,
    ]
}

/// An application that reaches its DNS server over one transport only (`udp` or `tcp`).
fn app_over(backend: Backend, transport: &str) -> TestApp {
    let dns = DnsServer::start();
    let nameserver = format!("{transport}://{}", dns.address());
    TestApp::spawn_with_dns(Storage::new(backend), &[("TENANTRY_DNS_SERVERS", &nameserver)], dns)
}

fn add(app: &TestApp, tenant: &Tenant, name: &str) -> Value {
    let reply = app.client.post(
        &format!("/v1/tenants/{}/domains", tenant.id),
        &tenant.global_admin.token,
        &json!({"name": name}),
    );
    reply.assert_status(201);
    reply.json()
}

fn verify(app: &TestApp, tenant: &Tenant, name: &str) -> tenantry_tests::Reply {
    app.client.post(&format!("/v1/tenants/{}/domains/{name}/verify", tenant.id), &tenant.global_admin.token, &json!({}))
}

fn a_domain_is_verified_over_udp_once_its_record_is_published(backend: Backend) {
    let app = app_over(backend, "udp");
    let dns = &app.dns;
    let tenant = people::tenant_with_admin(&app, "verify");

    let added = add(&app, &tenant, "Contoso-Verify.FR");
    assert_eq!(added["name"], "contoso-verify.fr");
    assert_eq!(added["verified"], false);
    let record = &added["verification"];
    assert_eq!(record["type"], "TXT");
    assert_eq!(record["host"], "contoso-verify.fr");
    let value = record["value"].as_str().unwrap().to_owned();
    assert!(value.starts_with("tenantry-verification="), "{value}");

    // Nothing published yet: a clear refusal, and the domain stays unverified.
    let absent = verify(&app, &tenant, "contoso-verify.fr");
    absent.assert_problem(422, "verification_failed");
    assert_eq!(absent.json()["context"]["expected"], value.as_str());
    assert!(absent.json()["detail"].as_str().unwrap().contains("no TXT record"));
    // Another code (say an old one) is named in the refusal.
    dns.set_txt("contoso-verify.fr", &["v=spf1 -all", "tenantry-verification=0000"]);
    let wrong = verify(&app, &tenant, "contoso-verify.fr");
    wrong.assert_problem(422, "verification_failed");
    assert_eq!(wrong.json()["context"]["published"], json!(["tenantry-verification=0000"]));
    let domain_path = format!("/v1/tenants/{}/domains/contoso-verify.fr", tenant.id);
    assert_eq!(app.client.get(&domain_path, &tenant.global_admin.token).json()["verified"], false);

    dns.set_txt("contoso-verify.fr", &["v=spf1 -all", &value]);
    let verified = verify(&app, &tenant, "contoso-verify.fr");
    verified.assert_status(200);
    assert_eq!(verified.json()["verified"], true);
    assert!(verified.json()["verification"].is_null());
    assert!(dns
        .queries()
        .iter()
        .any(|(transport, name, kind)| *transport == Transport::Udp && name == "contoso-verify.fr" && kind == "TXT"));
    verify(&app, &tenant, "contoso-verify.fr").assert_problem(409, "domain_already_verified");

    let tenant_view = app.client.get(&format!("/v1/tenants/{}", tenant.id), &tenant.global_admin.token).json();
    assert!(tenant_view["verified_domains"].as_array().unwrap().contains(&json!("contoso-verify.fr")));
    // A plain user may not manage domains; the audit log says who verified it.
    let member = people::add_member(&app, &tenant, "plain", &[]);
    app.client
        .post(&format!("/v1/tenants/{}/domains", tenant.id), &member.token, &json!({"name": "other-verify.fr"}))
        .assert_problem(403, "forbidden");
    let log = app.client.get(&format!("/v1/tenants/{}/audit-events", tenant.id), &tenant.global_admin.token).json();
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"domain.added") && actions.contains(&"domain.verified"), "{actions:?}");
}

fn verification_over_tcp_and_a_verified_domain_belongs_to_one_tenant(backend: Backend) {
    let app = app_over(backend, "tcp");
    let dns = &app.dns;
    let first = people::tenant_with_admin(&app, "first-holder");
    let second = people::tenant_with_admin(&app, "second-holder");

    // Both may add it while nobody has proven it.
    let theirs = add(&app, &second, "shared-name.fr");
    let ours = add(&app, &first, "shared-name.fr");
    assert_ne!(theirs["verification"]["value"], ours["verification"]["value"], "each tenant has its own code");
    dns.set_txt("shared-name.fr", &[ours["verification"]["value"].as_str().unwrap()]);
    // The second tenant's code is not what is published.
    verify(&app, &second, "shared-name.fr").assert_problem(422, "verification_failed");
    verify(&app, &first, "shared-name.fr").assert_status(200);
    assert!(dns.queries().iter().any(|(transport, name, _)| *transport == Transport::Tcp && name == "shared-name.fr"));

    // Now it is the first tenant's: the second can neither verify it nor add it again elsewhere.
    dns.set_txt("shared-name.fr", &[theirs["verification"]["value"].as_str().unwrap()]);
    verify(&app, &second, "shared-name.fr").assert_problem(409, "domain_held_elsewhere");
    let third = people::tenant_with_admin(&app, "third-holder");
    app.client
        .post(
            &format!("/v1/tenants/{}/domains", third.id),
            &third.global_admin.token,
            &json!({"name": "shared-name.fr"}),
        )
        .assert_problem(409, "domain_held_elsewhere");
    // Another tenant's domains are invisible.
    app.client
        .get(&format!("/v1/tenants/{}/domains/shared-name.fr", first.id), &second.global_admin.token)
        .assert_problem(404, "not_found");
}

fn the_default_domain_names_new_people_and_a_used_domain_stays(backend: Backend) {
    let app = TestApp::spawn(backend);
    let dns = &app.dns;
    let tenant = people::tenant_with_admin(&app, "defaults");
    let token = &tenant.global_admin.token;
    let added = add(&app, &tenant, "contoso-default.fr");
    let base = format!("/v1/tenants/{}/domains", tenant.id);

    app.client
        .post(&format!("{base}/contoso-default.fr/default"), token, &json!({}))
        .assert_problem(422, "domain_not_verified");
    dns.set_txt("contoso-default.fr", &[added["verification"]["value"].as_str().unwrap()]);
    verify(&app, &tenant, "contoso-default.fr").assert_status(200);
    let made = app.client.post(&format!("{base}/contoso-default.fr/default"), token, &json!({}));
    made.assert_status(200);
    assert_eq!(made.json()["is_default"], true);
    let list = app.client.get(&base, token).json();
    let defaults: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["is_default"] == true)
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(defaults, ["contoso-default.fr"], "one default domain");

    // A person created with a user name only signs in at the default domain.
    let created = app.client.post(
        &format!("/v1/tenants/{}/users", tenant.id),
        token,
        &json!({"display_name": "Rob Default", "user_name": "rob", "password": people::CHOSEN_PASSWORD}),
    );
    created.assert_status(201);
    assert_eq!(created.json()["sign_in"], "rob@contoso-default.fr");
    app.client.token("rob@contoso-default.fr", people::CHOSEN_PASSWORD);
    // Both or neither of sign_in and user_name is refused.
    app.client
        .post(&format!("/v1/tenants/{}/users", tenant.id), token, &json!({"display_name": "Nobody"}))
        .assert_problem(422, "validation_failed");

    // The default domain and the initial domain cannot be removed; a used one neither.
    app.client.delete(&format!("{base}/contoso-default.fr"), token).assert_problem(409, "domain_not_removable");
    app.client.delete(&format!("{base}/{}", tenant.domain), token).assert_problem(409, "domain_not_removable");
    app.client.post(&format!("{base}/{}/default", tenant.domain), token, &json!({})).assert_status(200);
    let in_use = app.client.delete(&format!("{base}/contoso-default.fr"), token);
    in_use.assert_problem(409, "domain_in_use");
    assert_eq!(in_use.json()["context"]["addresses_using_it"], 1);
    // Moving the person to the initial domain frees it.
    let rob = created.json()["id"].as_str().unwrap().to_owned();
    app.client
        .patch(
            &format!("/v1/tenants/{}/users/{rob}", tenant.id),
            token,
            &json!({"sign_in": format!("rob@{}", tenant.domain)}),
        )
        .assert_status(200);
    app.client.delete(&format!("{base}/contoso-default.fr"), token).assert_status(204);
    app.client.get(&format!("{base}/contoso-default.fr"), token).assert_problem(404, "not_found");
}

fn the_dns_check_reports_the_missing_mx_and_the_wrong_spf(backend: Backend) {
    let app = TestApp::spawn(backend);
    let dns = &app.dns;
    let tenant = people::tenant_with_admin(&app, "dnscheck");
    add(&app, &tenant, "contoso-check.fr");
    dns.set_txt("contoso-check.fr", &["v=spf1 include:other-provider.example -all"]);
    dns.set_cname("autodiscover.contoso-check.fr", "autodiscover.tenantry.test");
    dns.set_srv("_sip._tls.contoso-check.fr", 100, 1, 443, "sipdir.tenantry.test");
    dns.set_srv("_sipfederationtls._tcp.contoso-check.fr", 100, 1, 5061, "sipfed.tenantry.test");

    let reply = app
        .client
        .get(&format!("/v1/tenants/{}/domains/contoso-check.fr/dns-check", tenant.id), &tenant.global_admin.token);
    reply.assert_status(200);
    let check = reply.json();
    assert_eq!(check["all_ok"], false);
    let by_type = |kind: &str| -> Vec<Value> {
        check["records"].as_array().unwrap().iter().filter(|r| r["type"] == kind).cloned().collect()
    };
    let mx = &by_type("MX")[0];
    assert_eq!(mx["status"], "missing");
    assert_eq!(mx["expected"], "0 contoso-check-fr.mail.tenantry.test");
    assert!(mx["advice"].as_str().unwrap().contains("publish a MX record"));
    let spf = &by_type("TXT")[0];
    assert_eq!(spf["status"], "wrong");
    assert_eq!(spf["found"], json!(["v=spf1 include:other-provider.example -all"]));
    assert!(spf["advice"].as_str().unwrap().contains("include:spf.tenantry.test"));
    assert_eq!(by_type("CNAME")[0]["status"], "ok");
    assert!(by_type("SRV").iter().all(|srv| srv["status"] == "ok"));

    // Once fixed, everything is right.
    dns.set_mx("contoso-check.fr", &[(0, "contoso-check-fr.mail.tenantry.test")]);
    dns.set_txt("contoso-check.fr", &["v=spf1 include:spf.tenantry.test -all"]);
    let fixed = app
        .client
        .get(&format!("/v1/tenants/{}/domains/contoso-check.fr/dns-check", tenant.id), &tenant.global_admin.token);
    assert_eq!(fixed.json()["all_ok"], true, "{}", fixed.json());
}

fn names_that_are_not_domain_names_are_refused_and_idn_round_trips(backend: Backend) {
    let app = TestApp::spawn(backend);
    let dns = &app.dns;
    let tenant = people::tenant_with_admin(&app, "names");
    let base = format!("/v1/tenants/{}/domains", tenant.id);
    let long_label = format!("{}.fr", "a".repeat(64));
    let long_name = format!("{}fr", "abcdefghi.".repeat(26));
    for bad in
        ["", "contoso", "a..fr", "-contoso.fr", "con_toso.fr", "con toso.fr", "co.uk", "fr", &long_label, &long_name]
    {
        let reply = app.client.post(&base, &tenant.global_admin.token, &json!({"name": bad}));
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.json()["errors"][0]["field"], "name", "{bad}");
    }
    // The platform's own domain, and the names under it where tenants get their initial
    // domain, belong to no tenant: adding one would take another tenant's slug.
    for reserved in ["tenantry.test", "someone-else.tenantry.test", "mail.names.tenantry.test"] {
        let reply = app.client.post(&base, &tenant.global_admin.token, &json!({"name": reserved}));
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.json()["errors"][0]["field"], "name", "{reserved}");
        assert!(reply.json()["errors"][0]["message"].as_str().unwrap().contains("platform's own domain"), "{reserved}");
    }
    let not_a_name = app.client.get(&format!("{base}/a..fr"), &tenant.global_admin.token);
    not_a_name.assert_problem(404, "not_found");
    assert!(not_a_name.json()["detail"].as_str().unwrap().contains("is not a domain name"));
    let listed = app.client.get(&base, &tenant.global_admin.token).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "nothing was added");

    let idn = add(&app, &tenant, "Bücher-Paris.fr");
    assert_eq!(idn["name"], "xn--bcher-paris-thb.fr");
    assert_eq!(idn["display_name"], "bücher-paris.fr");
    let by_unicode = app.client.get(&format!("{base}/b%C3%BCcher-paris.fr"), &tenant.global_admin.token);
    by_unicode.assert_status(200);
    assert_eq!(by_unicode.json()["name"], "xn--bcher-paris-thb.fr");
    dns.set_txt("xn--bcher-paris-thb.fr", &[idn["verification"]["value"].as_str().unwrap()]);
    verify(&app, &tenant, "xn--bcher-paris-thb.fr").assert_status(200);
}

/// DNS that never answers: the check asks every record at once under one deadline (7 s), so it
/// answers in seconds with each record unknown and why, instead of one timeout after another
/// (each lookup gives up after 3 s here: five in turn took 15 s).
fn with_dns_silent_the_check_answers_within_its_deadline_saying_what_is_missing(backend: Backend) {
    // A nameserver that takes every question and answers none.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = format!("udp://{}", silent.local_addr().unwrap());
    let app = TestApp::spawn_on(Storage::new(backend), &[("TENANTRY_DNS_SERVERS", &address)]);
    let tenant = people::tenant_with_admin(&app, "dns-down");
    add(&app, &tenant, "silent-dns.fr");
    let started = std::time::Instant::now();
    let reply = app
        .client
        .get(&format!("/v1/tenants/{}/domains/silent-dns.fr/dns-check", tenant.id), &tenant.global_admin.token);
    let took = started.elapsed();
    reply.assert_status(200);
    assert!(took < std::time::Duration::from_secs(10), "the check waited {took:?} for a silent DNS");
    let check = reply.json();
    assert_eq!(check["all_ok"], false);
    let records = check["records"].as_array().unwrap();
    assert!(records.len() >= 4, "{check}");
    for record in records {
        assert_eq!(record["status"], "unknown", "{record}");
        assert!(record["advice"].as_str().unwrap().contains("DNS did not answer"), "{record}");
    }
    drop(silent);
}
