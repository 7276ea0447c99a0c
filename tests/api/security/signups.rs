//! Sign-ups can neither starve sign-ins nor relay mail: throttled before hashing, plain greetings.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tenantry_tests::app::Storage;
use tenantry_tests::client::Call;
use tenantry_tests::mail;
use tenantry_tests::people::{add_member, tenant_with_admin, CHOSEN_PASSWORD};
use tenantry_tests::{Backend, TestApp};

use super::BEHIND_A_PROXY;

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

pub(super) fn forty_sign_ups_from_one_source_are_throttled_before_hashing_or_mail(backend: Backend) {
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

pub(super) fn a_sign_up_flood_from_many_addresses_does_not_starve_sign_ins(backend: Backend) {
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

pub(super) fn the_confirmation_mail_greets_only_by_a_plain_name(backend: Backend) {
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
