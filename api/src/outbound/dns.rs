//! Looking records up in real DNS for domain verification and the DNS check, with hickory's
//! resolver. The nameservers come from `TENANTRY_DNS_SERVERS` (tests and private deployments
//! point at their own), or from the system's resolver configuration.
//!
//! Answers are never cached: someone who has just published a record and asks again must not
//! be told what DNS said a minute ago.

use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::TokioResolver;
use tenantry_domain::dns_check::{self, Answer};

use crate::runtime::config::{Nameserver, Transport};

/// How hickory reaches one configured nameserver.
fn server_config(nameserver: &Nameserver) -> NameServerConfig {
    let connection = |mut connection: ConnectionConfig| {
        connection.port = nameserver.address.port();
        connection
    };
    let connections = match nameserver.transport {
        Transport::UdpThenTcp => vec![connection(ConnectionConfig::udp()), connection(ConnectionConfig::tcp())],
        Transport::Udp => vec![connection(ConnectionConfig::udp())],
        Transport::Tcp => vec![connection(ConnectionConfig::tcp())],
    };
    NameServerConfig::new(nameserver.address.ip(), true, connections)
}

/// The resolver settings, fixed at start-up.
#[derive(Debug, Clone)]
pub struct Dns {
    /// Empty for the system's configuration.
    nameservers: Vec<Nameserver>,
}

/// How long one lookup may take in all before it is reported as failed.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

impl Dns {
    pub fn new(nameservers: Vec<Nameserver>) -> Self {
        Self { nameservers }
    }

    /// A fresh resolver for one check: it lives on the calling worker's runtime and holds no
    /// cache between checks.
    fn resolver(&self) -> Result<TokioResolver, String> {
        let mut builder = if self.nameservers.is_empty() {
            TokioResolver::builder_tokio().map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?
        } else {
            let servers = self.nameservers.iter().map(server_config).collect();
            TokioResolver::builder_with_config(
                ResolverConfig::from_parts(None, vec![], servers),
                TokioRuntimeProvider::default(),
            )
        };
        let options: &mut ResolverOpts = builder.options_mut();
        options.cache_size = 0;
        options.timeout = LOOKUP_TIMEOUT;
        options.attempts = 1;
        options.ndots = 0;
        builder.build().map_err(|e| format!("cannot set up the DNS resolver: {e}"))
    }

    /// Several lookups at once, all answered within `deadline`: a record DNS did not answer by
    /// then is `Failed`, saying so. The answers come in the order asked.
    pub async fn lookup_all(
        &self,
        asked: Vec<(String, dns_check::RecordType)>,
        deadline: std::time::Duration,
    ) -> Vec<Answer> {
        let mut lookups = tokio::task::JoinSet::new();
        for (position, (name, record_type)) in asked.iter().cloned().enumerate() {
            let dns = self.clone();
            lookups.spawn(async move {
                let answer = match tokio::time::timeout(deadline, dns.lookup(&name, record_type)).await {
                    Ok(answer) => answer,
                    Err(_) => Answer::Failed(format!("no answer within {} s", deadline.as_secs())),
                };
                (position, answer)
            });
        }
        let mut answers: Vec<Answer> =
            asked.iter().map(|_| Answer::Failed("the lookup did not finish".to_owned())).collect();
        while let Some(done) = lookups.join_next().await {
            if let Ok((position, answer)) = done {
                answers[position] = answer;
            }
        }
        answers
    }

    /// The TXT records at `name`, each as one string (its character-strings joined).
    pub async fn txt(&self, name: &str) -> Answer {
        self.lookup(name, dns_check::RecordType::SpfTxt).await
    }

    /// The records of `record_type` at `name`, written as the DNS check reads them.
    pub async fn lookup(&self, name: &str, record_type: dns_check::RecordType) -> Answer {
        let resolver = match self.resolver() {
            Ok(resolver) => resolver,
            Err(reason) => return Answer::Failed(reason),
        };
        let asked = match record_type {
            dns_check::RecordType::Mx => RecordType::MX,
            dns_check::RecordType::SpfTxt => RecordType::TXT,
            dns_check::RecordType::Cname => RecordType::CNAME,
            dns_check::RecordType::Srv => RecordType::SRV,
        };
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match resolver.lookup(fqdn.as_str(), asked).await {
            Ok(lookup) => Answer::Values(lookup.answers().iter().filter_map(|record| written(&record.data)).collect()),
            Err(error) if no_such_record(&error) => Answer::Values(Vec::new()),
            Err(error) => Answer::Failed(error.to_string()),
        }
    }
}

fn no_such_record(error: &NetError) -> bool {
    error.is_no_records_found() || error.is_nx_domain()
}

fn host(name: &hickory_resolver::proto::rr::Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

/// A record's data as the DNS check compares it; `None` for records of other types (a CNAME
/// answering an MX query, say).
fn written(data: &RData) -> Option<String> {
    match data {
        RData::TXT(txt) => Some(txt.txt_data.iter().map(|part| String::from_utf8_lossy(part)).collect::<String>()),
        RData::MX(mx) => Some(format!("{} {}", mx.preference, host(&mx.exchange))),
        RData::CNAME(cname) => Some(host(&cname.0)),
        RData::SRV(srv) => Some(format!("{} {} {} {}", srv.priority, srv.weight, srv.port, host(&srv.target))),
        _ => None,
    }
}
