//! The address a request came from, as the throttles count it: the connection's peer, or, when
//! that peer is a proxy the operator trusts (`TENANTRY_TRUSTED_PROXIES`), the address the proxy
//! says it forwarded for. `X-Forwarded-For` from anyone else is ignored: a caller cannot choose
//! the address it is counted under.
//!
//! IPv6 addresses count by their /64 network: one subscriber usually holds a whole /64, and
//! counting single addresses would let them change address at every request.

use actix_web::{web, HttpRequest};

use crate::app::state::AppState;
use crate::runtime::config::{counted_as, TrustedProxies};

/// The throttles' key for the request's client.
pub fn client_address(req: &HttpRequest) -> String {
    let default = TrustedProxies::default();
    let proxies = req.app_data::<web::Data<AppState>>().map_or(&default, |state| &state.config.trusted_proxies);
    let Some(peer) = req.peer_addr().map(|address| address.ip()) else {
        // Never for a real connection: every such request then shares one count.
        return "unknown".to_owned();
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    counted_as(proxies.client_behind(peer, &forwarded))
}
