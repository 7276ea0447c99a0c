//! What a partner left in a customer through one relationship, as the customer's admins see it.

use serde::Serialize;
use tenantry_persistence::users::DelegatedGrant;
use utoipa::ToSchema;

use super::user::Role;

/// An account a partner created, or roles it granted, through one relationship with a customer.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"user_id": "019a5f3e-7000-7000-8000-000000000009", "display_name": "Helpdesk",
    "sign_in": "helpdesk@contoso.fr", "account_created": true, "roles_granted": [], "account_enabled": true}))]
pub struct LeftBehindAccount {
    pub user_id: String,
    pub display_name: String,
    pub sign_in: String,
    /// The partner created the account itself.
    pub account_created: bool,
    /// Roles the person still holds that the partner granted.
    pub roles_granted: Vec<Role>,
    /// False once disabled.
    pub account_enabled: bool,
}

impl From<&DelegatedGrant> for LeftBehindAccount {
    fn from(grant: &DelegatedGrant) -> Self {
        Self {
            user_id: grant.user.id.clone(),
            display_name: grant.user.display_name.clone(),
            sign_in: grant.user.sign_in.clone(),
            account_created: grant.account_created,
            roles_granted: grant.roles_granted.iter().map(Role::from).collect(),
            account_enabled: grant.user.disabled_at.is_none(),
        }
    }
}

/// What a partner created in a customer through one relationship.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"relationship_id": "019a5f3e-5300-7000-8000-000000000004", "partner_name": "Fabrikam Partners",
    "items": [{"user_id": "019a5f3e-7000-7000-8000-000000000009", "display_name": "Helpdesk",
    "sign_in": "helpdesk@contoso.fr", "account_created": true, "roles_granted": [], "account_enabled": false}]}))]
pub struct LeftBehind {
    pub relationship_id: String,
    pub partner_name: String,
    pub items: Vec<LeftBehindAccount>,
}
