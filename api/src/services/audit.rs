//! Recording who did what, in the transaction of the change itself.

use chrono::{DateTime, Utc};
use tenantry_persistence::audit::{self, NewAuditEvent};
use tenantry_persistence::{time, DbConnection};

use crate::auth::SignedIn;
use crate::problem::ApiError;

/// The person behind a change, as the audit log names them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    pub name: String,
    /// The partner organisation they acted for, when acting through delegated administration.
    pub partner_id: Option<String>,
    pub request_id: String,
}

impl From<&SignedIn> for Actor {
    fn from(caller: &SignedIn) -> Self {
        Self {
            user_id: Some(caller.user_id.clone()),
            name: caller.display_name.clone(),
            partner_id: None,
            request_id: caller.request_id.clone(),
        }
    }
}

/// What changed: an action on a target, in a tenant (or on the platform when `tenant_id` is
/// `None`), with details worth keeping.
pub struct Change<'a> {
    pub tenant_id: Option<&'a str>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub details: serde_json::Value,
}

pub fn record(conn: &mut DbConnection, actor: &Actor, change: Change<'_>, now: DateTime<Utc>) -> Result<(), ApiError> {
    let id = super::new_id();
    let details = change.details.to_string();
    audit::record(
        conn,
        &NewAuditEvent {
            id: &id,
            tenant_id: change.tenant_id,
            actor_id: actor.user_id.as_deref(),
            actor_name: &actor.name,
            partner_id: actor.partner_id.as_deref(),
            action: change.action,
            target_type: change.target_type,
            target_id: change.target_id,
            request_id: &actor.request_id,
            details: &details,
            occurred_at: time::to_db(now),
        },
    )?;
    Ok(())
}

pub struct AuditQuery {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub page: crate::pagination::PageRequest,
}

/// A tenant's audit events, newest first.
pub async fn list(
    state: &crate::state::AppState,
    caller: &SignedIn,
    tenant_id: String,
    query: AuditQuery,
) -> Result<(Vec<audit::AuditEventRow>, Option<String>), ApiError> {
    use tenantry_domain::permissions::{Action, Target};
    caller.authorize(&tenant_id, Action::ReadAuditLog, Target::Tenant)?;
    state
        .read(move |conn| {
            tenantry_persistence::tenants::find(conn, &tenant_id)?.ok_or_else(|| ApiError::not_found("tenant"))?;
            let filter = audit::AuditFilter {
                actor_id: query.actor_id.as_deref(),
                action: query.action.as_deref(),
                from: query.from.map(time::to_db),
                to: query.to.map(time::to_db),
            };
            let rows = audit::list(conn, &tenant_id, &filter, query.page.after.as_deref(), query.page.fetch_limit())?;
            Ok(query.page.finish(rows, |row| row.id.as_str()))
        })
        .await
}
