//! The address a request came from, as the throttles count it: the connection's peer, or, when
//! that peer is a proxy the operator trusts (`TENANTRY_TRUSTED_PROXIES`), the address the proxy
//! says it forwarded for. `X-Forwarded-For` from anyone else is ignored: a caller cannot choose
//! the address it is counted under.
//!
//! IPv6 addresses count by their /64 network: one subscriber usually holds a whole /64, and
//! counting single addresses would let them change address at every request.

use std::net::IpAddr;

use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed, as addresses or networks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads a comma-separated list of addresses (`10.0.0.7`) and networks (`10.0.0.0/8`).
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for item in value.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let network = match item.parse::<IpNet>() {
                Ok(network) => network,
                Err(_) => item
                    .parse::<IpAddr>()
                    .map(IpNet::from)
                    .map_err(|_| format!("`{item}` is neither an IP address nor a network such as 10.0.0.0/8"))?,
            };
            networks.push(network);
        }
        Ok(Self(networks))
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client behind `peer`: `peer` itself unless it is a trusted proxy; then the nearest
    /// address in `forwarded_for` (read from the right) that is not a trusted proxy. An
    /// unreadable entry ends the walk at the last address known good.
    ///
    /// Addresses are compared in canonical form: on a dual-stack listener an IPv4 proxy
    /// arrives as `::ffff:10.0.0.7`, which must still match `10.0.0.0/8`.
    pub fn client_behind(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let peer = peer.to_canonical();
        let mut client = peer;
        if !self.trusts(peer) {
            return client;
        }
        for hop in forwarded_for.iter().rev() {
            let Ok(address) = hop.trim().parse::<IpAddr>().map(|address| address.to_canonical()) else { break };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

/// How an address is counted: an IPv4 address (or an IPv4-mapped IPv6 one) as itself, an IPv6
/// address by its /64 network.
pub fn counted_as(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => IpNet::new(IpAddr::V6(v6), 64).map_or_else(|_| v6.to_string(), |net| net.trunc().to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.1").unwrap();
        // A caller that is not a proxy is counted as itself, whatever it claims.
        assert_eq!(proxies.client_behind(ip("203.0.113.9"), &["198.51.100.1"]), ip("203.0.113.9"));
        // Behind one trusted proxy: the address it forwarded for.
        assert_eq!(proxies.client_behind(ip("10.1.2.3"), &["198.51.100.1"]), ip("198.51.100.1"));
        // A caller's own forged entries sit left of the first untrusted hop and are ignored.
        assert_eq!(
            proxies.client_behind(ip("10.1.2.3"), &["1.1.1.1", "198.51.100.1", "192.0.2.1"]),
            ip("198.51.100.1")
        );
        // An unreadable entry stops the walk at the last proxy.
        assert_eq!(proxies.client_behind(ip("10.1.2.3"), &["198.51.100.1", "garbage"]), ip("10.1.2.3"));
        // A dual-stack listener sees an IPv4 proxy as an IPv4-mapped IPv6 address.
        assert_eq!(proxies.client_behind(ip("::ffff:10.1.2.3"), &["198.51.100.1"]), ip("198.51.100.1"));
        // No header from a proxy: the proxy itself.
        assert_eq!(proxies.client_behind(ip("10.1.2.3"), &[]), ip("10.1.2.3"));
        // Nobody is trusted by default.
        assert_eq!(TrustedProxies::default().client_behind(ip("10.1.2.3"), &["198.51.100.1"]), ip("10.1.2.3"));
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
        assert_eq!(TrustedProxies::parse("::1, 10.0.0.0/8").unwrap().0.len(), 2);
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.internal").is_err());
    }

    #[test]
    fn ipv6_counts_by_its_64_network() {
        assert_eq!(counted_as(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(counted_as(ip("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_eq!(counted_as(ip("::ffff:198.51.100.7")), "198.51.100.7");
        assert_eq!(counted_as(ip("198.51.100.7")), "198.51.100.7");
    }
}
