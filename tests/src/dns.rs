//! An authoritative DNS server on loopback, inside the test process.
//!
//! The service verifies domains with a real resolver; pointing that resolver here lets a test
//! publish the records it needs and see the questions asked, over the same UDP and TCP paths a
//! production nameserver would see, without any network or shared state between tests.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{CNAME, MX, SRV, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// Short enough that a test looking at a changed record never waits on a resolver cache for long.
const TTL: u32 = 60;

/// How long a thread blocks on a socket before looking at the stop flag: keeps `Drop` prompt.
const POLL: Duration = Duration::from_millis(20);

/// A client that stops reading must not keep `Drop` waiting on a full socket buffer forever.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// What we advertise to EDNS clients: the usual size that avoids IP fragmentation.
const EDNS_PAYLOAD: u16 = 1232;

/// A lone character-string holds at most this many bytes (its length is one octet).
const CHARACTER_STRING_MAX: usize = 255;

/// The loopback nameserver; both of its threads stop when it is dropped.
pub struct DnsServer {
    port: u16,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

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
fn zone_key(name: &Name) -> String {
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

fn is_timeout(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted)
}

fn serve_udp(socket: &UdpSocket, shared: &Shared) {
    let mut buffer = vec![0; usize::from(u16::MAX)];
    while !shared.stopped() {
        let (len, peer) = match socket.recv_from(&mut buffer) {
            Ok(received) => received,
            Err(e) if is_timeout(e.kind()) => continue,
            Err(_) => {
                // e.g. an ICMP error from an earlier reply: the socket itself is still good.
                thread::sleep(POLL);
                continue;
            }
        };
        if let Some(reply) = handle(shared, Transport::Udp, &buffer[..len]) {
            // The client may have given up already; nothing to do about it.
            let _ = socket.send_to(&reply, peer);
        }
    }
}

fn serve_tcp(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stopped() {
        match listener.accept() {
            Ok((stream, _)) => {
                let shared = Arc::clone(shared);
                if let Ok(connection) = thread::Builder::new()
                    .name("dns-tcp-connection".to_owned())
                    .spawn(move || serve_connection(stream, &shared))
                {
                    connections.push(connection);
                }
            }
            Err(_) => thread::sleep(POLL),
        }
        connections.retain(|connection| !connection.is_finished());
    }
    // Connections watch the same flag, so the server is only gone once they are too.
    for connection in connections {
        let _ = connection.join();
    }
}

/// Serves queries until the client closes: resolvers reuse one connection for several questions.
fn serve_connection(mut stream: TcpStream, shared: &Shared) {
    // An accepted socket may inherit the listener's non-blocking mode on some platforms.
    let configured = stream.set_nonblocking(false).is_ok()
        && stream.set_read_timeout(Some(POLL)).is_ok()
        && stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_ok();
    if !configured {
        return;
    }
    let _ = stream.set_nodelay(true);
    loop {
        let mut prefix = [0; 2];
        if !read_full(&mut stream, &mut prefix, shared) {
            return;
        }
        let mut request = vec![0; usize::from(u16::from_be_bytes(prefix))];
        if !read_full(&mut stream, &mut request, shared) {
            return;
        }
        let Some(reply) = handle(shared, Transport::Tcp, &request) else { continue };
        let Ok(len) = u16::try_from(reply.len()) else { return };
        let mut framed = Vec::with_capacity(reply.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(&reply);
        if stream.write_all(&framed).is_err() {
            return;
        }
    }
}

/// Like `read_exact`, but survives the short read timeouts (which `read_exact` would turn into a
/// lost partial read) and gives up when the server stops. False on end of stream, error or stop.
fn read_full(stream: &mut TcpStream, buffer: &mut [u8], shared: &Shared) -> bool {
    let mut filled = 0;
    while filled < buffer.len() {
        if shared.stopped() {
            return false;
        }
        match stream.read(&mut buffer[filled..]) {
            Ok(0) => return false,
            Ok(read) => filled += read,
            Err(e) if is_timeout(e.kind()) => {}
            Err(_) => return false,
        }
    }
    true
}

/// The encoded reply to one request, or `None` when there is no one to reply to.
fn handle(shared: &Shared, transport: Transport, request: &[u8]) -> Option<Vec<u8>> {
    let Ok(query) = Message::from_vec(request) else {
        return format_error(request);
    };
    // Answering a response could start a loop between two servers.
    if query.message_type != MessageType::Query {
        return None;
    }
    let response = answer(shared, transport, &query);
    let limit = match transport {
        // 512 bytes without EDNS, else what the client said it can take (never under 512).
        Transport::Udp => usize::from(query.max_payload()),
        Transport::Tcp => usize::from(u16::MAX),
    };
    encode(&response, limit)
}

fn answer(shared: &Shared, transport: Transport, query: &Message) -> Message {
    let mut response = Message::response(query.id, query.op_code);
    response.metadata.authoritative = true;
    response.metadata.recursion_desired = query.recursion_desired;
    // Resolvers configured with this server as a forwarder distrust one that denies recursion.
    response.metadata.recursion_available = true;
    if query.edns.is_some() {
        // RFC 6891: an EDNS query gets an OPT record back.
        let mut edns = Edns::new();
        edns.set_max_payload(EDNS_PAYLOAD);
        response.set_edns(edns);
    }
    if query.op_code != OpCode::Query {
        response.metadata.response_code = ResponseCode::NotImp;
        return response;
    }
    // Like most servers, we don't guess which of several questions the client meant.
    let [question] = query.queries.as_slice() else {
        response.metadata.response_code = ResponseCode::FormErr;
        return response;
    };
    response.add_query(question.clone());

    let name = zone_key(question.name());
    let query_type = question.query_type();
    lock(&shared.queries).push((transport, name.clone(), query_type.to_string()));

    let zone = lock(&shared.zone);
    let Some(records) = zone.get(&name) else {
        // A name with only records below it (`example.com` under `_verify.example.com`) exists,
        // it just has no data; NXDOMAIN would tell the resolver the whole subtree is gone.
        let suffix = format!(".{name}");
        if name.is_empty() || !zone.keys().any(|key| key.ends_with(&suffix)) {
            response.metadata.response_code = ResponseCode::NXDomain;
        }
        return response;
    };
    let is_alias = records.iter().any(|record| record.record_type() == RecordType::CNAME);
    let matching = records.iter().filter(|record| {
        let record_type = record.record_type();
        if is_alias {
            record_type == RecordType::CNAME
        } else {
            query_type == RecordType::ANY || record_type == query_type
        }
    });
    for record in matching {
        response.add_answer(Record::from_rdata(question.name().clone(), TTL, record.clone()));
    }
    response
}

/// A query we cannot read still gets an answer if its id can be read, so the client fails fast
/// instead of timing out.
fn format_error(request: &[u8]) -> Option<Vec<u8>> {
    let [high, low, flags, ..] = *request else {
        return None;
    };
    // Same rule as for parsed messages: never answer a response.
    if flags & 0x80 != 0 {
        return None;
    }
    let mut response = Message::error_msg(u16::from_be_bytes([high, low]), OpCode::Query, ResponseCode::FormErr);
    response.metadata.recursion_available = true;
    response.to_vec().ok()
}

/// Encodes the response; one that does not fit goes out truncated (TC set, no records), which
/// is what makes a resolver retry over TCP.
fn encode(response: &Message, limit: usize) -> Option<Vec<u8>> {
    let fallback = match response.to_vec() {
        Ok(bytes) if bytes.len() <= limit => return Some(bytes),
        Ok(_) => response.truncate(),
        Err(_) => {
            let mut failure = response.truncate();
            failure.metadata.truncation = false;
            failure.metadata.response_code = ResponseCode::ServFail;
            failure
        }
    };
    fallback.to_vec().ok()
}

#[cfg(test)]
mod tests {
    use std::net::{SocketAddr, TcpStream, UdpSocket};
    use std::time::Instant;

    use hickory_proto::op::Query;

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(5);

    fn query(name: &str, record_type: RecordType) -> Message {
        let mut message = Message::query();
        message.metadata.recursion_desired = true;
        message.add_query(Query::query(Name::from_ascii(name).unwrap(), record_type));
        message
    }

    fn server_address(server: &DnsServer) -> SocketAddr {
        server.address().parse().unwrap()
    }

    fn exchange_udp(server: &DnsServer, request: &[u8]) -> Vec<u8> {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(TIMEOUT)).unwrap();
        socket.send_to(request, server_address(server)).unwrap();
        let mut buffer = vec![0; 65_535];
        let (len, _) = socket.recv_from(&mut buffer).unwrap();
        buffer.truncate(len);
        buffer
    }

    fn ask_udp(server: &DnsServer, message: &Message) -> Message {
        let response = Message::from_vec(&exchange_udp(server, &message.to_vec().unwrap())).unwrap();
        assert_eq!(response.id, message.id);
        response
    }

    fn connect(server: &DnsServer) -> TcpStream {
        let stream = TcpStream::connect(server_address(server)).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream
    }

    fn ask_on(stream: &mut TcpStream, message: &Message) -> Message {
        let bytes = message.to_vec().unwrap();
        stream.write_all(&u16::try_from(bytes.len()).unwrap().to_be_bytes()).unwrap();
        stream.write_all(&bytes).unwrap();
        let mut prefix = [0; 2];
        stream.read_exact(&mut prefix).unwrap();
        let mut reply = vec![0; usize::from(u16::from_be_bytes(prefix))];
        stream.read_exact(&mut reply).unwrap();
        let response = Message::from_vec(&reply).unwrap();
        assert_eq!(response.id, message.id);
        response
    }

    fn ask_tcp(server: &DnsServer, message: &Message) -> Message {
        ask_on(&mut connect(server), message)
    }

    fn txt_strings(response: &Message) -> Vec<Vec<String>> {
        response
            .answers
            .iter()
            .map(|record| match &record.data {
                RData::TXT(txt) => txt.txt_data.iter().map(|s| String::from_utf8(s.to_vec()).unwrap()).collect(),
                other => panic!("expected TXT, got {other:?}"),
            })
            .collect()
    }

    fn assert_authoritative(response: &Message, request: &Message, code: ResponseCode) {
        assert_eq!(response.message_type, MessageType::Response);
        assert_eq!(response.response_code, code);
        assert!(response.authoritative);
        assert!(response.recursion_available);
        assert_eq!(response.queries, request.queries);
    }

    #[test]
    fn txt_over_udp() {
        let server = DnsServer::start();
        server.set_txt("_tenantry.example.com", &["token=abc", "v=spf1 -all"]);
        let request = query("_tenantry.example.com.", RecordType::TXT);
        let response = ask_udp(&server, &request);
        assert_authoritative(&response, &request, ResponseCode::NoError);
        assert!(!response.truncation);
        assert_eq!(txt_strings(&response), vec![vec!["token=abc"], vec!["v=spf1 -all"]]);
        assert!(response.answers.iter().all(|r| r.ttl == TTL && r.name == *request.queries[0].name()));
    }

    #[test]
    fn txt_over_tcp() {
        let server = DnsServer::start();
        server.set_txt("_tenantry.example.com.", &["token=abc"]);
        let request = query("_tenantry.example.com.", RecordType::TXT);
        let response = ask_tcp(&server, &request);
        assert_authoritative(&response, &request, ResponseCode::NoError);
        assert_eq!(txt_strings(&response), vec![vec!["token=abc"]]);
    }

    #[test]
    fn names_ignore_case_and_the_trailing_dot() {
        let server = DnsServer::start();
        server.set_txt("Example.COM.", &["one"]);
        let response = ask_udp(&server, &query("eXample.com", RecordType::TXT));
        assert_eq!(txt_strings(&response), vec![vec!["one"]]);
        assert_eq!(server.queries(), vec![(Transport::Udp, "example.com".to_owned(), "TXT".to_owned())]);
    }

    #[test]
    fn unknown_name_is_nxdomain() {
        let server = DnsServer::start();
        server.set_txt("known.example.com", &["x"]);
        let request = query("unknown.example.org.", RecordType::TXT);
        let response = ask_udp(&server, &request);
        assert_authoritative(&response, &request, ResponseCode::NXDomain);
        assert!(response.answers.is_empty());
    }

    #[test]
    fn known_name_without_that_type_is_empty_noerror() {
        let server = DnsServer::start();
        server.set_txt("example.com", &["x"]);
        let request = query("example.com.", RecordType::MX);
        let response = ask_udp(&server, &request);
        assert_authoritative(&response, &request, ResponseCode::NoError);
        assert!(response.answers.is_empty());
    }

    #[test]
    fn parent_of_a_known_name_exists_without_data() {
        let server = DnsServer::start();
        server.set_txt("_verify.example.com", &["x"]);
        let response = ask_udp(&server, &query("example.com.", RecordType::TXT));
        assert_eq!(response.response_code, ResponseCode::NoError);
        assert!(response.answers.is_empty());
    }

    #[test]
    fn mx_answer() {
        let server = DnsServer::start();
        server.set_mx("example.com", &[(10, "mx1.example.net"), (20, "mx2.example.net.")]);
        let response = ask_udp(&server, &query("example.com.", RecordType::MX));
        let exchanges: Vec<(u16, String)> = response
            .answers
            .iter()
            .map(|record| match &record.data {
                RData::MX(mx) => (mx.preference, mx.exchange.to_ascii()),
                other => panic!("expected MX, got {other:?}"),
            })
            .collect();
        assert_eq!(exchanges, vec![(10, "mx1.example.net.".to_owned()), (20, "mx2.example.net.".to_owned())]);
    }

    #[test]
    fn cname_answers_every_type_unchased() {
        let server = DnsServer::start();
        server.set_cname("www.example.com", "target.example.net");
        server.set_txt("target.example.net", &["not chased"]);
        for record_type in [RecordType::TXT, RecordType::MX, RecordType::CNAME] {
            let response = ask_udp(&server, &query("www.example.com.", record_type));
            assert_eq!(response.response_code, ResponseCode::NoError);
            assert_eq!(response.answers.len(), 1, "{record_type}");
            match &response.answers[0].data {
                RData::CNAME(cname) => assert_eq!(cname.0.to_ascii(), "target.example.net."),
                other => panic!("expected CNAME, got {other:?}"),
            }
        }
    }

    #[test]
    fn srv_answer() {
        let server = DnsServer::start();
        server.set_srv("_imaps._tcp.example.com", 1, 5, 993, "imap.example.com");
        let response = ask_tcp(&server, &query("_imaps._tcp.example.com.", RecordType::SRV));
        assert_eq!(response.answers.len(), 1);
        match &response.answers[0].data {
            RData::SRV(srv) => {
                assert_eq!((srv.priority, srv.weight, srv.port), (1, 5, 993));
                assert_eq!(srv.target.to_ascii(), "imap.example.com.");
            }
            other => panic!("expected SRV, got {other:?}"),
        }
    }

    #[test]
    fn set_replaces_and_remove_withdraws() {
        let server = DnsServer::start();
        server.set_txt("example.com", &["old"]);
        server.set_mx("example.com", &[(10, "mx.example.com")]);
        server.set_txt("example.com", &["new"]);
        let response = ask_udp(&server, &query("example.com.", RecordType::TXT));
        assert_eq!(txt_strings(&response), vec![vec!["new"]]);

        server.remove("example.com", "TXT");
        let response = ask_udp(&server, &query("example.com.", RecordType::TXT));
        assert_eq!(response.response_code, ResponseCode::NoError);
        assert!(response.answers.is_empty());

        server.remove("example.com.", "mx");
        let response = ask_udp(&server, &query("example.com.", RecordType::MX));
        assert_eq!(response.response_code, ResponseCode::NXDomain);
    }

    #[test]
    fn long_txt_value_is_split_into_character_strings() {
        let server = DnsServer::start();
        let value = "k".repeat(300);
        server.set_txt("sel._domainkey.example.com", &[&value]);
        let response = ask_tcp(&server, &query("sel._domainkey.example.com.", RecordType::TXT));
        let strings = txt_strings(&response);
        assert_eq!(strings.len(), 1);
        assert_eq!(strings[0].iter().map(String::len).collect::<Vec<_>>(), vec![255, 45]);
        assert_eq!(strings[0].concat(), value);
    }

    #[test]
    fn large_answer_is_truncated_over_udp_and_whole_over_tcp() {
        let server = DnsServer::start();
        let values: Vec<String> = (0..10).map(|i| format!("{i}{}", "v".repeat(99))).collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        server.set_txt("big.example.com", &values);
        let request = query("big.example.com.", RecordType::TXT);

        let truncated = ask_udp(&server, &request);
        assert_authoritative(&truncated, &request, ResponseCode::NoError);
        assert!(truncated.truncation);
        assert!(truncated.answers.is_empty());

        let whole = ask_tcp(&server, &request);
        assert!(!whole.truncation);
        assert_eq!(txt_strings(&whole), values.iter().map(|v| vec![(*v).to_owned()]).collect::<Vec<_>>());

        let transports: Vec<Transport> = server.queries().into_iter().map(|(transport, _, _)| transport).collect();
        assert_eq!(transports, vec![Transport::Udp, Transport::Tcp]);
    }

    #[test]
    fn edns_payload_size_lifts_the_udp_limit() {
        let server = DnsServer::start();
        let values: Vec<String> = (0..10).map(|i| format!("{i}{}", "v".repeat(99))).collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        server.set_txt("big.example.com", &values);
        let mut request = query("big.example.com.", RecordType::TXT);
        let mut edns = Edns::new();
        edns.set_max_payload(4096);
        request.set_edns(edns);

        let response = ask_udp(&server, &request);
        assert!(!response.truncation);
        assert_eq!(response.answers.len(), 10);
        assert!(response.edns.is_some());
    }

    #[test]
    fn several_queries_on_one_tcp_connection() {
        let server = DnsServer::start();
        server.set_txt("a.example.com", &["a"]);
        server.set_txt("b.example.com", &["b"]);
        let mut stream = connect(&server);
        let first = ask_on(&mut stream, &query("a.example.com.", RecordType::TXT));
        let second = ask_on(&mut stream, &query("b.example.com.", RecordType::TXT));
        assert_eq!(txt_strings(&first), vec![vec!["a"]]);
        assert_eq!(txt_strings(&second), vec![vec!["b"]]);
    }

    #[test]
    fn queries_record_the_transport() {
        let server = DnsServer::start();
        ask_udp(&server, &query("One.example.com.", RecordType::TXT));
        ask_tcp(&server, &query("two.example.com", RecordType::MX));
        ask_udp(&server, &query("three.example.com.", RecordType::SRV));
        assert_eq!(
            server.queries(),
            vec![
                (Transport::Udp, "one.example.com".to_owned(), "TXT".to_owned()),
                (Transport::Tcp, "two.example.com".to_owned(), "MX".to_owned()),
                (Transport::Udp, "three.example.com".to_owned(), "SRV".to_owned()),
            ]
        );
    }

    #[test]
    fn unparsable_query_gets_formerr_when_it_has_an_id() {
        let server = DnsServer::start();
        // A header announcing one question, then nothing.
        let request = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0];
        let response = Message::from_vec(&exchange_udp(&server, &request)).unwrap();
        assert_eq!(response.id, 0x1234);
        assert_eq!(response.response_code, ResponseCode::FormErr);
        assert!(server.queries().is_empty());

        // One byte carries no id: no reply, and the server keeps serving.
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.send_to(&[0x12], server_address(&server)).unwrap();
        socket.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        assert!(socket.recv_from(&mut [0; 512]).is_err());
        let response = ask_udp(&server, &query("example.com.", RecordType::TXT));
        assert_eq!(response.response_code, ResponseCode::NXDomain);
    }

    #[test]
    fn udp_and_tcp_share_the_port_and_drop_is_prompt() {
        let server = DnsServer::start();
        assert_eq!(server.address(), format!("127.0.0.1:{}", server.port()));
        // An idle client connection must not hold the server up.
        let _idle = connect(&server);
        let started = Instant::now();
        drop(server);
        assert!(started.elapsed() < Duration::from_secs(1), "drop took {:?}", started.elapsed());
    }
}
