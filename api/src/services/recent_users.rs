//! The people a person opened recently, newest first.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tenantry_domain::partner::PartnerSeat;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::RoleSet;
use tenantry_persistence::{recent_users, time, DbConnection, StoreError};

use crate::app::state::AppState;
use crate::auth::delegation::{resolve, Delegate, Resolution};
use crate::http::caller::SignedIn;
use crate::services::me::MeError;
use crate::views::partner::RecentUser;

/// The people this person opened, newest first, among those they may still see.
pub async fn list(state: &AppState, caller: &SignedIn) -> Result<Vec<RecentUser>, MeError> {
    if caller.is_api_client() {
        return Err(MeError::NotAPerson);
    }
    let permit = caller.own_account();
    let caller = caller.clone();
    let now = crate::runtime::clock::now();
    state
        .read(&permit, move |conn, _| {
            let mut visible = VisibleTenants::default();
            let mut items = Vec::new();
            for (viewed_at, user) in recent_users::recent_views(conn, &caller.user_id)? {
                let Some(tenant_id) = user.tenant_id.clone() else { continue };
                // Within their own tenant a person sees whom their roles let them read now: one
                // who lost their admin roles sees only themselves.
                let own_tenant = caller.tenant_id.as_deref() == Some(tenant_id.as_str());
                let target = Target::Person { is_caller: user.id == caller.user_id, roles: &RoleSet::default() };
                if own_tenant && caller.authorize(&tenant_id, Action::ReadTenant, target).is_err() {
                    continue;
                }
                if visible.allows(conn, &caller, &tenant_id, now)? {
                    items.push(RecentUser {
                        tenant_id,
                        user_id: user.id,
                        display_name: user.display_name,
                        sign_in: user.sign_in,
                        viewed_at: time::from_db(viewed_at),
                    });
                }
            }
            Ok(items)
        })
        .await
}

/// Which tenants a caller may still read, asked once per tenant.
#[derive(Default)]
struct VisibleTenants {
    known: HashMap<String, bool>,
}

impl VisibleTenants {
    fn allows(
        &mut self,
        conn: &mut DbConnection,
        caller: &SignedIn,
        tenant_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if let Some(known) = self.known.get(tenant_id) {
            return Ok(*known);
        }
        let allowed = if caller.is_operator || caller.tenant_id.as_deref() == Some(tenant_id) {
            true
        } else if let Some(partner) = &caller.partner {
            let delegate = match partner.seat {
                PartnerSeat::Admin => Delegate::PartnerAdmin,
                _ => Delegate::Grantee(&caller.user_id),
            };
            matches!(resolve(conn, &partner.partner_id, delegate, tenant_id, now)?, Resolution::Live(_))
        } else {
            false
        };
        self.known.insert(tenant_id.to_owned(), allowed);
        Ok(allowed)
    }
}
