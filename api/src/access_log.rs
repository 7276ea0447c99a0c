//! What the access log says of a request: its request line, with secrets in paths masked.
//!
//! A delegated-admin offer's token is the secret part of its URL, and a customer accepts it with
//! `/v1/tenants/{tid}/admin-offers/{token}/accept`: logs are read by more people than may accept
//! offers, so the token is written as `***`.

use actix_web::dev::ServiceRequest;

pub fn request_line(req: &ServiceRequest) -> String {
    let path = masked_path(req.path());
    let query = req.query_string();
    let target = if query.is_empty() { path } else { format!("{path}?{query}") };
    format!("{} {target} {:?}", req.method(), req.version())
}

fn masked_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let is_customer_offer = |i: usize| i >= 3 && segments.get(1) == Some(&"v1") && segments.get(2) == Some(&"tenants");
    // The link sent to customers (`{public url}/delegated-admin-offers/{token}`), should it reach us.
    let is_offer_link = |i: usize| i == 2 && segments.get(1) == Some(&"delegated-admin-offers");
    segments
        .iter()
        .enumerate()
        .map(|(i, segment)| {
            let after_offers = i > 0 && segments[i - 1] == "admin-offers";
            if (after_offers && is_customer_offer(i) || is_offer_link(i)) && !segment.is_empty() {
                "***"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::masked_path;

    #[test]
    fn offer_tokens_are_masked_and_nothing_else() {
        assert_eq!(masked_path("/v1/tenants/t1/admin-offers/s3cr3t/accept"), "/v1/tenants/t1/admin-offers/***/accept");
        assert_eq!(masked_path("/v1/tenants/t1/admin-offers/s3cr3t"), "/v1/tenants/t1/admin-offers/***");
        assert_eq!(masked_path("/v1/partners/p1/admin-offers/o1"), "/v1/partners/p1/admin-offers/o1");
        assert_eq!(masked_path("/v1/tenants/t1/users"), "/v1/tenants/t1/users");
        assert_eq!(masked_path("/healthz"), "/healthz");
        assert_eq!(masked_path("/delegated-admin-offers/s3cr3t"), "/delegated-admin-offers/***");
    }
}
