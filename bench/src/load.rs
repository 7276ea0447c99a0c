//! The load: workers on threads, each with its own keep-alive HTTP connection, sending one
//! scenario's requests back to back for a fixed time, recording every latency.

use std::time::{Duration, Instant};

use rand::Rng;

use crate::seed::SeedData;
use crate::Settings;

pub struct ScenarioResult {
    pub name: &'static str,
    pub requests: usize,
    pub failures: usize,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(Clone, Copy)]
enum Scenario {
    /// An authenticated read: one subscription.
    Read,
    /// A list: the first page of a tenant's people.
    List,
    /// A write: give a licence, then take it back (two requests, both counted).
    Write,
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(30))).build(),
    )
}

fn send(agent: &ureq::Agent, method: &str, url: &str, token: &str) -> (bool, Duration) {
    let started = Instant::now();
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .body(Vec::<u8>::new());
    let ok = match request {
        Ok(request) => match agent.run(request) {
            Ok(mut response) => {
                let ok = response.status().is_success();
                let _ = response.body_mut().read_to_vec();
                ok
            }
            Err(_) => false,
        },
        Err(_) => false,
    };
    (ok, started.elapsed())
}

fn worker(scenario: Scenario, base: &str, data: &SeedData, worker: usize, deadline: Instant) -> (Vec<Duration>, usize) {
    let agent = agent();
    let mut rng = rand::thread_rng();
    let mut latencies = Vec::new();
    let mut failures = 0;
    while Instant::now() < deadline {
        let tenant = &data.tenants[rng.gen_range(0..data.tenants.len())];
        let calls: Vec<(&str, String)> = match scenario {
            Scenario::Read => {
                vec![("GET", format!("{base}/v1/tenants/{}/subscriptions/{}", tenant.id, tenant.subscription_id))]
            }
            Scenario::List => vec![("GET", format!("{base}/v1/tenants/{}/users?limit=50", tenant.id))],
            Scenario::Write => {
                // Workers take distinct people, so two never move the same licence.
                let person = &tenant.unlicensed[worker % tenant.unlicensed.len()];
                let url = format!("{base}/v1/tenants/{}/users/{person}/licenses/{}", tenant.id, tenant.subscription_id);
                vec![("PUT", url.clone()), ("DELETE", url)]
            }
        };
        for (method, url) in calls {
            let (ok, took) = send(&agent, method, &url, &tenant.token);
            latencies.push(took);
            if !ok {
                failures += 1;
            }
        }
    }
    (latencies, failures)
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn run(settings: &Settings, base: &str, data: &SeedData, name: &'static str, scenario: Scenario) -> ScenarioResult {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(settings.seconds);
    let outcomes: Vec<(Vec<Duration>, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            (0..settings.concurrency).map(|w| scope.spawn(move || worker(scenario, base, data, w, deadline))).collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies: Vec<Duration> = outcomes.iter().flat_map(|(l, _)| l.iter().copied()).collect();
    latencies.sort();
    ScenarioResult {
        name,
        requests: latencies.len(),
        failures: outcomes.iter().map(|(_, f)| f).sum(),
        per_second: latencies.len() as f64 / elapsed,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
    }
}

pub fn run_all(settings: &Settings, base: &str, data: &SeedData) -> Vec<ScenarioResult> {
    vec![
        run(settings, base, data, "read", Scenario::Read),
        run(settings, base, data, "list", Scenario::List),
        run(settings, base, data, "write", Scenario::Write),
    ]
}
