//! What a partner left in a customer through one relationship: the accounts it created and the
//! roles it granted. The customer's global admins read it and disable it all in one call, so
//! that nothing a partner set up keeps working once the partner is gone.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::user;
use tenantry_domain::TenantId;
use tenantry_persistence::delegation;
use tenantry_persistence::users::{self, DelegatedGrant};
use tenantry_persistence::{partners as partner_rows, tenants as tenant_rows, DbConnection, StoreError};

use super::PartnerError;
use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::http::caller::SignedIn;
use crate::http::etag::PreconditionFailed;
use crate::services::lookup::NotFound;
use crate::services::users::{other_global_admins, UserError};
use crate::views::left_behind::{LeftBehind, LeftBehindAccount};

/// The accounts and roles the relationship's partner left in the tenant.
pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    relationship_id: String,
) -> Result<LeftBehind, PartnerError> {
    let permit = caller.authorize(&tenant_id, Action::ManagePartnerRelationships, Target::Tenant)?;
    state
        .read(&permit, move |conn, _| {
            let (partner_name, grants) = grants_of::<PartnerError>(conn, &tenant_id, &relationship_id)?;
            Ok(LeftBehind {
                relationship_id,
                partner_name,
                items: grants.iter().map(LeftBehindAccount::from).collect(),
            })
        })
        .await
}

/// Disables every account the partner created through the relationship and takes away every
/// role it granted to people it did not create, in one transaction; their tokens stop working
/// at once. Doing it again changes nothing.
pub async fn disable(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    relationship_id: String,
) -> Result<LeftBehind, UserError> {
    let permit = caller.authorize(&tenant_id, Action::ManagePartnerRelationships, Target::Tenant)?;
    let caller_id = caller.user_id.clone();
    state
        .transact(&permit, move |tx| {
            // Serialised with other changes of the tenant's people and roles.
            if !tenant_rows::lock(tx.conn(), &tenant_id)? {
                return Err(NotFound("tenant").into());
            }
            let (partner_name, grants) = grants_of::<UserError>(tx.conn(), &tenant_id, &relationship_id)?;
            for grant in &grants {
                if grant.account_created {
                    disable_account(tx, &tenant_id, grant, &caller_id)?;
                } else if grant.roles_granted.is_admin() {
                    take_back_roles(tx, &tenant_id, grant)?;
                }
            }
            let (_, after) = grants_of::<UserError>(tx.conn(), &tenant_id, &relationship_id)?;
            Ok(LeftBehind { relationship_id, partner_name, items: after.iter().map(LeftBehindAccount::from).collect() })
        })
        .await
}

/// The relationship's partner name and what it left, or 404 when the relationship is not the
/// tenant's.
fn grants_of<E: From<NotFound> + From<StoreError>>(
    conn: &mut DbConnection,
    tenant_id: &str,
    relationship_id: &str,
) -> Result<(String, Vec<DelegatedGrant>), E> {
    let row = delegation::find_relationship(conn, tenant_id, relationship_id)?.ok_or(NotFound("relationship"))?;
    let partner_name = partner_rows::find(conn, &row.partner_id)?.map_or(row.partner_id, |partner| partner.name);
    Ok((partner_name, users::delegated_grants(conn, tenant_id, relationship_id)?))
}

fn disable_account(tx: &mut Tx<'_>, tenant_id: &str, grant: &DelegatedGrant, caller_id: &str) -> Result<(), UserError> {
    if grant.user.disabled_at.is_some() {
        return Ok(());
    }
    let roles = users::roles_of(tx.conn(), &grant.user.id)?;
    let others = other_global_admins(tx, tenant_id, &grant.user.id)?;
    user::check_disabling(grant.user.id == caller_id, &roles, others)?;
    let stamp = tx.stamp();
    if !users::set_disabled(tx.conn(), &grant.user.id, Some(stamp), grant.user.version, stamp)? {
        return Err(PreconditionFailed.into());
    }
    tx.audit(
        AuditAction::UserDisabled,
        Subject::in_tenant(tenant_id, &grant.user.id),
        serde_json::json!({"sign_in": grant.user.sign_in, "left_by_relationship": grant.user.created_by_relationship}),
    )?;
    Ok(())
}

fn take_back_roles(tx: &mut Tx<'_>, tenant_id: &str, grant: &DelegatedGrant) -> Result<(), UserError> {
    let before = users::roles_of(tx.conn(), &grant.user.id)?;
    let after = tenantry_domain::RoleSet::new(before.iter().filter(|role| !grant.roles_granted.contains(*role)));
    let others = other_global_admins(tx, tenant_id, &grant.user.id)?;
    tenantry_domain::roles::RoleChange {
        before: &before,
        after: &after,
        has_contact_email: true,
        other_global_admins: others,
    }
    .decide()?;
    let stamp = tx.stamp();
    if !users::touch(tx.conn(), &grant.user.id, grant.user.version, stamp)? {
        return Err(PreconditionFailed.into());
    }
    users::replace_roles(tx.conn(), tenant_id, &grant.user.id, &after, None)?;
    let names = |roles: &tenantry_domain::RoleSet| roles.iter().map(|role| role.as_str()).collect::<Vec<_>>();
    tx.audit(
        AuditAction::UserRolesChanged,
        Subject::in_tenant(tenant_id, &grant.user.id),
        serde_json::json!({"from": names(&before), "to": names(&after)}),
    )?;
    Ok(())
}
