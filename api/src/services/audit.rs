//! Reading a tenant's audit log. Writing it is `Tx::audit`, in the transaction of each change.

use chrono::{DateTime, Utc};
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::TenantId;
use tenantry_persistence::audit::{self, AuditFilter};
use tenantry_persistence::{time, StoreError};

use super::lookup::{require_tenant, NotFound};
use crate::app::state::AppState;
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::pagination::PageRequest;
use crate::views::audit::AuditEvent;
use crate::views::Page;

/// Why the audit log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct AuditQuery {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub page: PageRequest,
}

/// A tenant's audit events, newest first.
pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    query: AuditQuery,
) -> Result<Page<AuditEvent>, AuditError> {
    let permit = caller.authorize(&tenant_id, Action::ReadAuditLog, Target::Tenant)?;
    let seen_by_partner = caller.delegation_in(&tenant_id).and(caller.partner.as_ref()).map(|p| p.partner_id.clone());
    state
        .read(&permit, move |conn, _| {
            require_tenant::<AuditError>(conn, &tenant_id)?;
            let filter = AuditFilter {
                actor_id: query.actor_id.as_deref(),
                action: query.action.as_deref(),
                from: query.from.map(time::to_db),
                to: query.to.map(time::to_db),
                seen_by_partner: seen_by_partner.as_deref(),
            };
            let rows = audit::list(conn, &tenant_id, &filter, query.page.after.as_deref(), query.page.fetch_limit())?;
            let (rows, next_cursor) = query.page.finish(rows, |row| row.id.as_str());
            let items = rows.into_iter().map(AuditEvent::try_from).collect::<Result<_, _>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}
