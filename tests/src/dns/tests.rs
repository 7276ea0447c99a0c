//! The nameserver's own tests, asked over UDP and TCP with hand-built messages.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use hickory_proto::op::{Edns, Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};

use super::{DnsServer, Transport, TTL};

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
