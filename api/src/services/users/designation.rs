//! Designating administrators: the complete set of a person's roles, decided by the domain.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::roles::RoleChange;
use tenantry_domain::RoleSet;
use tenantry_domain::{TenantId, UserId};
use tenantry_persistence::users;

use super::person::{find, load, lock_tenant, other_global_admins, role_names, UserError};
use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::http::caller::SignedIn;
use crate::http::etag::{IfMatch, PreconditionFailed};
use crate::services::messages;
use crate::views::user::User;
use crate::views::Versioned;

/// Replaces a person's admin roles. Newly designated admins are told by message.
pub async fn set_roles(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    user_id: UserId,
    roles: RoleSet,
    if_match: IfMatch,
) -> Result<Versioned<User>, UserError> {
    let permit = caller.authorize(&tenant_id, Action::DesignateAdmins, Target::Tenant)?;
    let granting = caller.granting_in(&tenant_id)?;
    let relationship = caller.delegation_in(&tenant_id).map(|delegation| delegation.relationship_id.clone());
    let is_self = caller.user_id == user_id;
    state
        .transact(&permit, move |tx| {
            lock_tenant(tx.conn(), &tenant_id)?;
            let current = find::<UserError>(tx.conn(), &tenant_id, &user_id)?;
            if_match.check(current.row.version)?;
            granting.check(is_self, &current.roles, &roles)?;
            let change = RoleChange {
                before: &current.roles,
                after: &roles,
                has_contact_email: current.row.contact_email.is_some(),
                other_global_admins: other_global_admins(tx, &tenant_id, &user_id)?,
            };
            let added = change.decide()?;
            if current.roles == roles {
                return Ok(current.view(tx.catalogue())?);
            }
            let stamp = tx.stamp();
            if !users::touch(tx.conn(), &user_id, current.row.version, stamp)? {
                return Err(PreconditionFailed.into());
            }
            users::replace_roles(tx.conn(), &tenant_id, &user_id, &roles, relationship.as_deref())?;
            if let (true, Some(to)) = (added.is_admin(), current.recipient()) {
                tx.send(messages::roles_designated(&to, &added, tx.public_url()))?;
            }
            tx.audit(
                AuditAction::UserRolesChanged,
                Subject::in_tenant(&tenant_id, &user_id),
                serde_json::json!({"from": role_names(&current.roles), "to": role_names(&roles)}),
            )?;
            load(tx, &tenant_id, &user_id)
        })
        .await
}
