//! The path of one subscription of a tenant.

use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::etag::IfMatch;
use crate::services::subscriptions::PoolTarget;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TenantSubscriptionPath {
    /// Tenant id.
    pub tid: String,
    /// Subscription id.
    pub sid: String,
}

impl TenantSubscriptionPath {
    /// The subscription a change is about, with the client's precondition.
    pub fn change(self, if_match: IfMatch) -> PoolTarget {
        PoolTarget { tenant_id: self.tid.into(), subscription_id: self.sid.into(), if_match }
    }
}
