//! Password resets by an administrator: a temporary password to the person's contact email.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::permissions::{self, Target};
use tenantry_domain::user;
use tenantry_domain::EmailAddress;
use tenantry_domain::{TenantId, UserId};
use tenantry_persistence::{users, StoreError};

use super::person::{find, UserError};
use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::auth::passwords;
use crate::http::caller::SignedIn;
use crate::services::lookup::require_tenant;
use crate::services::lookup::NotFound;
use crate::services::messages;
use crate::views::user::PasswordResetResponse;

/// Sends a temporary password to the person's contact email; they choose a new one at next
/// sign-in. Answers with the contact address, masked, for the administrator's confirmation.
pub async fn reset_password(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    user_id: UserId,
) -> Result<PasswordResetResponse, UserError> {
    let permit = caller.ensure_visible(&tenant_id)?;
    let temporary = passwords::temporary();
    let hash = state.hasher.hash(temporary.clone()).await?;
    let caller = caller.clone();
    state
        .transact(&permit, move |tx| {
            require_tenant::<UserError>(tx.conn(), &tenant_id)?;
            let target = find::<UserError>(tx.conn(), &tenant_id, &user_id)?;
            let action = permissions::password_reset_action(&target.roles);
            let is_caller = target.row.id == caller.user_id;
            caller.authorize(&tenant_id, action, Target::Person { is_caller, roles: &target.roles })?;
            let contact = user::password_reset_destination(target.row.contact_email.as_deref())?;
            let sent_to = EmailAddress::parse(contact)
                .map_err(|e| StoreError::Corrupt(format!("user {user_id}: contact email: {e}")))?
                .masked();
            let (stamp, until) = (tx.stamp(), tx.temporary_password_until());
            if !users::set_password(tx.conn(), &user_id, &hash, Some(until), stamp)? {
                return Err(NotFound("user").into());
            }
            if let Some(to) = target.recipient() {
                tx.send(messages::password_reset(&to, &temporary, tx.public_url()))?;
            }
            tx.audit(AuditAction::UserPasswordReset, Subject::in_tenant(&tenant_id, &user_id), serde_json::json!({}))?;
            Ok(PasswordResetResponse { sent_to })
        })
        .await
}
