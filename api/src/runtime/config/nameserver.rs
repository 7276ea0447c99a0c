//! The nameservers domain checks ask (`TENANTRY_DNS_SERVERS`).

use std::net::SocketAddr;

/// How a configured nameserver is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP, and TCP when an answer is truncated: what resolvers do.
    UdpThenTcp,
    Udp,
    Tcp,
}

/// One nameserver from `TENANTRY_DNS_SERVERS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nameserver {
    pub address: SocketAddr,
    pub transport: Transport,
}

impl Nameserver {
    /// `ip:port` (UDP, then TCP for truncated answers), `udp://ip:port` or `tcp://ip:port`; the
    /// port defaults to 53.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (transport, rest) = if let Some(rest) = raw.strip_prefix("udp://") {
            (Transport::Udp, rest)
        } else if let Some(rest) = raw.strip_prefix("tcp://") {
            (Transport::Tcp, rest)
        } else {
            (Transport::UdpThenTcp, raw)
        };
        let address = rest
            .parse::<SocketAddr>()
            .or_else(|_| rest.parse::<std::net::IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
            .map_err(|_| format!("`{raw}` is not `ip:port`, `udp://ip:port` or `tcp://ip:port`"))?;
        Ok(Self { address, transport })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameservers_are_read_with_their_transport() {
        let both = Nameserver::parse("127.0.0.1:5353").unwrap();
        assert_eq!(both.transport, Transport::UdpThenTcp);
        assert_eq!(both.address.port(), 5353);
        assert_eq!(Nameserver::parse("tcp://127.0.0.1:53").unwrap().transport, Transport::Tcp);
        assert_eq!(Nameserver::parse("udp://[::1]:53").unwrap().transport, Transport::Udp);
        assert_eq!(Nameserver::parse("9.9.9.9").unwrap().address.port(), 53);
        assert!(Nameserver::parse("dns.example").is_err());
    }
}
