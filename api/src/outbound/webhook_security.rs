//! What keeps webhooks safe: the Standard Webhooks signature receivers verify, and the check
//! that an endpoint is an `https://` address on the public internet (no server-side request
//! forgery into the service's own network).

use std::net::ToSocketAddrs;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tenantry_domain::webhook::{self, EndpointRefusal};

/// The signature of one delivery: `v1,` and the base64 HMAC-SHA256, keyed by the secret's bytes
/// (the base64 after `whsec_`), of `id.timestamp.body`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = STANDARD.decode(secret.trim_start_matches("whsec_")).unwrap_or_else(|_| secret.as_bytes().to_vec());
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else { return String::new() };
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Checks an endpoint address: `https://` and a host that resolves to public addresses only,
/// unless private receivers are allowed. Resolving is IO: it runs at registration and again
/// before each delivery, so a name later pointed at a private address is refused then too.
pub fn check_endpoint(url: &str, allow_private: bool) -> Result<(), EndpointRefusal> {
    let rest = if allow_private {
        url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))
    } else {
        url.strip_prefix("https://")
    }
    .ok_or(EndpointRefusal::NotHttps)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(EndpointRefusal::NotHttps);
    }
    if allow_private {
        return Ok(());
    }
    let with_port = if authority.ends_with(']') || !authority.contains(':') {
        format!("{authority}:443")
    } else {
        authority.to_owned()
    };
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(bracketed),
        None => authority.split(':').next().unwrap_or(authority),
    }
    .to_owned();
    let addresses: Vec<std::net::SocketAddr> =
        with_port.to_socket_addrs().map_err(|_| EndpointRefusal::Unresolvable(host.clone()))?.collect();
    if addresses.is_empty() {
        return Err(EndpointRefusal::Unresolvable(host));
    }
    if addresses.iter().any(|address| webhook::is_private(address.ip())) {
        return Err(EndpointRefusal::PrivateAddress(host));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn endpoints_are_https_and_public_unless_allowed() {
        assert_eq!(check_endpoint("http://example.com/hook", false), Err(EndpointRefusal::NotHttps));
        assert_eq!(
            check_endpoint("https://127.0.0.1:8443/hook", false),
            Err(EndpointRefusal::PrivateAddress("127.0.0.1".into()))
        );
        assert_eq!(check_endpoint("https://[::1]/hook", false), Err(EndpointRefusal::PrivateAddress("::1".into())));
        assert_eq!(
            check_endpoint("https://localhost/hook", false),
            Err(EndpointRefusal::PrivateAddress("localhost".into()))
        );
        assert_eq!(check_endpoint("https://user@example.com/", false), Err(EndpointRefusal::NotHttps));
        assert_eq!(check_endpoint("http://127.0.0.1:9000/hook", true), Ok(()));
        assert_eq!(check_endpoint("ftp://example.com", true), Err(EndpointRefusal::NotHttps));
    }
}
