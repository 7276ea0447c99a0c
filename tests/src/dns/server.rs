//! The nameserver: one port for UDP and TCP, the records a test publishes, the questions it was asked.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use hickory_proto::rr::rdata::{CNAME, MX, SRV, TXT};
use hickory_proto::rr::{Name, RData, RecordType};

use super::serve::{serve_tcp, serve_udp};
use super::{lock, Shared, Transport, POLL};

/// A lone character-string holds at most this many bytes (its length is one octet).
const CHARACTER_STRING_MAX: usize = 255;

/// The loopback nameserver; both of its threads stop when it is dropped.
pub struct DnsServer {
    port: u16,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl DnsServer {
    /// Binds UDP and TCP on the SAME loopback port (127.0.0.1:0 for UDP, then TCP on that port;
    /// retry with a new port if TCP's is taken), because a resolver is given one address and
    /// falls back from UDP to TCP on it.
    pub fn start() -> DnsServer {
        let (udp, tcp) = bind_same_port();
        let port = udp.local_addr().expect("DNS UDP socket has an address").port();
        udp.set_read_timeout(Some(POLL)).expect("DNS UDP read timeout");
        // std has no accept timeout: polling a non-blocking listener is what lets it stop.
        tcp.set_nonblocking(true).expect("DNS TCP listener non-blocking");

        let shared = Arc::new(Shared {
            zone: Mutex::new(BTreeMap::new()),
            queries: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let udp_thread = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("dns-udp-{port}"))
                .spawn(move || serve_udp(&udp, &shared))
                .expect("spawn the DNS UDP thread")
        };
        let tcp_thread = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("dns-tcp-{port}"))
                .spawn(move || serve_tcp(&tcp, &shared))
                .expect("spawn the DNS TCP thread")
        };
        DnsServer { port, shared, threads: vec![udp_thread, tcp_thread] }
    }

    /// The port both transports listen on, for configurations that take host and port apart.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The nameserver as the service's configuration expects it: `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Replaces all TXT records of `name`, one record per value; a value longer than 255 bytes
    /// becomes several character-strings of one record, as DKIM keys and the like are published.
    pub fn set_txt(&self, name: &str, values: &[&str]) {
        let records = values
            .iter()
            .map(|value| {
                let mut strings: Vec<&[u8]> = value.as_bytes().chunks(CHARACTER_STRING_MAX).collect();
                if strings.is_empty() {
                    // A TXT record needs at least one character-string, even an empty one.
                    strings.push(b"");
                }
                RData::TXT(TXT::from_bytes(strings))
            })
            .collect();
        self.replace(name, RecordType::TXT, records);
    }

    /// Replaces all MX records of `name` with `(preference, exchange host)` pairs.
    pub fn set_mx(&self, name: &str, exchanges: &[(u16, &str)]) {
        let records = exchanges
            .iter()
            .map(|&(preference, exchange)| RData::MX(MX::new(preference, target_name(exchange))))
            .collect();
        self.replace(name, RecordType::MX, records);
    }

    /// Makes `name` an alias of `target`; the alias answers queries of every type, unchased, so
    /// tests see exactly what a resolver does with a bare CNAME.
    pub fn set_cname(&self, name: &str, target: &str) {
        self.replace(name, RecordType::CNAME, vec![RData::CNAME(CNAME(target_name(target)))]);
    }

    /// Replaces the SRV records of `name` with this one.
    pub fn set_srv(&self, name: &str, priority: u16, weight: u16, port: u16, target: &str) {
        let record = SRV::new(priority, weight, port, target_name(target));
        self.replace(name, RecordType::SRV, vec![RData::SRV(record)]);
    }

    /// Withdraws every record of one type; a name left with none becomes unknown (NXDOMAIN).
    ///
    /// Panics on a type other than "TXT", "MX", "CNAME" or "SRV": a typo must not pass silently.
    pub fn remove(&self, name: &str, record_type: &str) {
        let record_type = match record_type.to_ascii_uppercase().as_str() {
            "TXT" => RecordType::TXT,
            "MX" => RecordType::MX,
            "CNAME" => RecordType::CNAME,
            "SRV" => RecordType::SRV,
            other => panic!("the test DNS server holds no {other} records"),
        };
        self.replace(name, record_type, Vec::new());
    }

    /// Every question answered so far, in order: (transport, lower-case name without trailing
    /// dot, type as "TXT"/"MX"/...), so a test can prove a lookup really went out (and how).
    pub fn queries(&self) -> Vec<(Transport, String, String)> {
        lock(&self.shared.queries).clone()
    }

    fn replace(&self, name: &str, record_type: RecordType, records: Vec<RData>) {
        let key = zone_key(&parse_name(name));
        let mut zone = lock(&self.shared.zone);
        let existing = zone.entry(key.clone()).or_default();
        existing.retain(|record| record.record_type() != record_type);
        existing.extend(records);
        if existing.is_empty() {
            zone.remove(&key);
        }
    }
}

impl Drop for DnsServer {
    /// Stops both threads promptly: their sockets time out every few milliseconds to look at the
    /// stop flag, so a finished test never leaves a listener behind.
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            // A serving thread that panicked has nothing left to clean up; don't panic in drop.
            let _ = thread.join();
        }
    }
}

/// Accepts what a test would write: any case, with or without the trailing dot, underscores
/// (`_dmarc`) and internationalised names alike.
fn parse_name(name: &str) -> Name {
    Name::from_str_relaxed(name).unwrap_or_else(|e| panic!("{name:?} is not a DNS name: {e}"))
}

/// Targets go on the wire as they are: always absolute, since the zone has no origin.
fn target_name(name: &str) -> Name {
    let mut name = parse_name(name);
    name.set_fqdn(true);
    name
}

/// One spelling per name, so lookups ignore case and the trailing dot as DNS does.
pub(super) fn zone_key(name: &Name) -> String {
    name.to_lowercase().to_ascii().trim_end_matches('.').to_owned()
}

fn bind_same_port() -> (UdpSocket, TcpListener) {
    for _ in 0..100 {
        let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind the DNS UDP socket");
        let port = udp.local_addr().expect("DNS UDP socket has an address").port();
        match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            Ok(tcp) => return (udp, tcp),
            // Some other process holds this TCP port; another UDP port will have a free twin.
            Err(e) if e.kind() == ErrorKind::AddrInUse => continue,
            Err(e) => panic!("bind the DNS TCP listener on port {port}: {e}"),
        }
    }
    panic!("found no loopback port free for both UDP and TCP");
}
