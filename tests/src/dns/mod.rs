//! An authoritative DNS server on loopback, inside the test process.
//!
//! The service verifies domains with a real resolver; pointing that resolver here lets a test
//! publish the records it needs and see the questions asked, over the same UDP and TCP paths a
//! production nameserver would see, without any network or shared state between tests.

mod answer;
mod serve;
mod server;
#[cfg(test)]
mod tests;

pub use server::DnsServer;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hickory_proto::rr::RData;

/// Short enough that a test looking at a changed record never waits on a resolver cache for long.
const TTL: u32 = 60;

/// How long a thread blocks on a socket before looking at the stop flag: keeps `Drop` prompt.
const POLL: Duration = Duration::from_millis(20);

/// Which socket a question came in on, so a test can tell a truncated-then-retried lookup apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

/// State the serving threads read and the test writes; a test may change records mid-run.
struct Shared {
    /// Lower-case name without the trailing dot, to its records of every type.
    zone: Mutex<BTreeMap<String, Vec<RData>>>,
    queries: Mutex<Vec<(Transport, String, String)>>,
    stop: AtomicBool,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// A test that panics while holding a lock must not take every later assertion down with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
