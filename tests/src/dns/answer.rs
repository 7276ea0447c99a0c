//! The reply to one question: the zone's records, NXDOMAIN or an error, truncated if it does not fit.

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::{Record, RecordType};

use super::server::zone_key;
use super::{lock, Shared, Transport, TTL};

/// What we advertise to EDNS clients: the usual size that avoids IP fragmentation.
const EDNS_PAYLOAD: u16 = 1232;

/// The encoded reply to one request, or `None` when there is no one to reply to.
pub(super) fn handle(shared: &Shared, transport: Transport, request: &[u8]) -> Option<Vec<u8>> {
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
