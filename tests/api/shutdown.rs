//! Stopping under load: SIGTERM drains, and no client is left without an answer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tenantry_tests::app::Storage;
use tenantry_tests::process::ServiceProcess;
use tenantry_tests::raw_http::{self, Outcome};
use tenantry_tests::Backend;

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        sigterm_drains_and_every_accepted_request_is_answered,
        a_second_signal_stops_at_once,
        a_worker_stuck_on_its_item_does_not_hold_the_exit
    ]
}

const CLIENTS: usize = 16;
/// Long enough for the write below to be made inside it on a loaded machine.
const DRAIN_SECONDS: u64 = 4;

/// What the clients saw, each request stamped with when it ended.
#[derive(Default)]
struct Seen {
    answered: Vec<(Instant, u16)>,
    refused: usize,
    unanswered: Vec<String>,
}

fn sigterm_drains_and_every_accepted_request_is_answered(backend: Backend) {
    let storage = Storage::new(backend);
    let settings = [("TENANTRY_SHUTDOWN_DRAIN_SECONDS", DRAIN_SECONDS.to_string())];
    let mut service = ServiceProcess::start(&storage, &settings);
    let token = service.operator_token();

    // Sixteen clients, each opening a new connection per request, until the service is gone.
    let seen = Arc::new(Mutex::new(Seen::default()));
    let gone = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (seen, gone, address, token) = (seen.clone(), gone.clone(), service.address.clone(), token.clone());
            std::thread::spawn(move || {
                while !gone.load(Ordering::Relaxed) {
                    let outcome = raw_http::request(&address, "GET", "/v1/plans", Some(&token), None);
                    let mut seen = seen.lock().unwrap();
                    match outcome {
                        Outcome::Answered(status) => seen.answered.push((Instant::now(), status)),
                        Outcome::Refused => {
                            seen.refused += 1;
                            drop(seen);
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        Outcome::Unanswered(why) => seen.unanswered.push(why),
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));

    let signalled = Instant::now();
    service.signal("TERM");
    // Readiness turns 503 at once.
    let not_ready_at = loop {
        match raw_http::request(&service.address, "GET", "/readyz", None, None) {
            Outcome::Answered(503) => break Instant::now(),
            Outcome::Answered(200) => {
                // Well before the drain ends: readiness turning only at its end would fail this.
                assert!(signalled.elapsed() < Duration::from_secs(2), "/readyz still 200 two seconds after SIGTERM")
            }
            other => panic!("/readyz during the drain: {other:?}"),
        }
    };
    // A write during the drain is acknowledged...
    let body = json!({"name": "Drained SARL", "slug": "drained",
        "cloud_manager": {"display_name": "Manager", "user_name": "manager", "contact_email": "manager@example.com"}})
    .to_string();
    let (outcome, created) = raw_http::exchange(&service.address, "POST", "/v1/tenants", Some(&token), Some(&body));
    assert_eq!(outcome, Outcome::Answered(201), "a write during the drain: {created}");
    assert!(signalled.elapsed() < Duration::from_secs(DRAIN_SECONDS), "the write was made during the drain");
    let tenant_id =
        serde_json::from_str::<serde_json::Value>(&created).unwrap()["tenant"]["id"].as_str().unwrap().to_owned();

    let status = service.wait(Duration::from_secs(DRAIN_SECONDS + 25));
    gone.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let status = status.expect("the service exits within its bound after SIGTERM");
    assert_eq!(status.code(), Some(0), "exit status after a drain; output:\n{}", service.output().join("\n"));

    let seen = seen.lock().unwrap();
    assert!(seen.unanswered.is_empty(), "requests without an answer: {:?}", seen.unanswered);
    let during_drain = seen.answered.iter().filter(|(at, status)| *at > not_ready_at && *status == 200).count();
    assert!(during_drain > 0, "requests were still answered while /readyz said 503");
    assert!(seen.answered.iter().all(|(_, status)| *status == 200), "every answer was the catalogue");
    assert!(seen.refused > 0, "after the drain, new connections are refused");
    drop(seen);

    // ...and present after a restart.
    let restarted = ServiceProcess::start(&storage, &[]);
    let token = restarted.operator_token();
    let tenant = restarted.client.get(&format!("/v1/tenants/{tenant_id}"), &token);
    tenant.assert_status(200);
    assert_eq!(tenant.json()["name"], "Drained SARL");
}

fn a_second_signal_stops_at_once(backend: Backend) {
    let storage = Storage::new(backend);
    // A drain far longer than the test waits: only the second signal can end it in time.
    let mut service = ServiceProcess::start(&storage, &[("TENANTRY_SHUTDOWN_DRAIN_SECONDS", "120".to_owned())]);
    service.signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(5);
    while raw_http::request(&service.address, "GET", "/readyz", None, None) != Outcome::Answered(503) {
        assert!(Instant::now() < deadline, "/readyz did not turn 503 after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        raw_http::request(&service.address, "GET", "/healthz", None, None),
        Outcome::Answered(200),
        "still serving during the drain"
    );
    service.signal("INT");
    let status = service.wait(Duration::from_secs(5)).expect("a second signal stops the process at once");
    assert_eq!(status.code(), Some(1), "a stop that did not drain says so in its status");
}

fn a_worker_stuck_on_its_item_does_not_hold_the_exit(backend: Backend) {
    let storage = Storage::new(backend);
    // An SMTP server that accepts and never says a word: the mail worker's item hangs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let (accepted_tx, accepted) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().map_while(Result::ok) {
            held.push(stream);
            let _ = accepted_tx.send(());
        }
    });
    let settings = [
        ("TENANTRY_SMTP_HOST", "127.0.0.1".to_owned()),
        ("TENANTRY_SMTP_SECURITY", "none".to_owned()),
        ("TENANTRY_SMTP_PORT", port.to_string()),
        ("TENANTRY_SMTP_TIMEOUT_SECONDS", "120".to_owned()),
        ("TENANTRY_SHUTDOWN_DRAIN_SECONDS", "0".to_owned()),
        ("TENANTRY_SHUTDOWN_TIMEOUT_SECONDS", "2".to_owned()),
    ];
    let mut service = ServiceProcess::start(&storage, &settings);
    let token = service.operator_token();
    service
        .client
        .post(
            "/v1/tenants",
            &token,
            &json!({"name": "Stuck SARL", "slug": "stuck",
                    "cloud_manager": {"display_name": "Manager", "user_name": "manager", "contact_email": "manager@example.com"}}),
        )
        .assert_status(201);
    accepted.recv_timeout(Duration::from_secs(20)).expect("the mail worker connects to the silent server");

    let signalled = Instant::now();
    service.signal("TERM");
    let status = service.wait(Duration::from_secs(30)).expect("the process exits");
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(0), "{}", service.output().join("\n"));
    // About 2.5 s (settle + timeout); the SMTP timeout would be 120 s.
    assert!(took < Duration::from_secs(15), "exit within drain + timeout, not the SMTP timeout: {took:?}");
    assert!(
        service.output().iter().any(|line| line.contains("did not finish its item")),
        "the unfinished item is said"
    );
}
