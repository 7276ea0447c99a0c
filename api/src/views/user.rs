//! People as clients see them: their profile, roles and licenses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_domain::catalogue::Catalogue;
use tenantry_domain::free_meetings::{self, FREE_MEETINGS_PLAN};
use tenantry_domain::license::License;
use tenantry_domain::{AdminRole, RoleSet};
use tenantry_persistence::users::UserRow;
use tenantry_persistence::{time, StoreError};
use utoipa::ToSchema;

/// An administrator role. Roles never consume a license.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CloudManager,
    GlobalAdmin,
    BillingAdmin,
    PasswordAdmin,
}

impl From<Role> for AdminRole {
    fn from(role: Role) -> Self {
        match role {
            Role::CloudManager => AdminRole::CloudManager,
            Role::GlobalAdmin => AdminRole::GlobalAdmin,
            Role::BillingAdmin => AdminRole::BillingAdmin,
            Role::PasswordAdmin => AdminRole::PasswordAdmin,
        }
    }
}

impl From<AdminRole> for Role {
    fn from(role: AdminRole) -> Self {
        match role {
            AdminRole::CloudManager => Role::CloudManager,
            AdminRole::GlobalAdmin => Role::GlobalAdmin,
            AdminRole::BillingAdmin => Role::BillingAdmin,
            AdminRole::PasswordAdmin => Role::PasswordAdmin,
        }
    }
}

/// A person in a tenant.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019a5f3e-7c1a-7d2e-9b1f-3c4d5e6f7a8b", "tenant_id": "019a5f3e-6b00-7a00-8000-000000000001",
    "display_name": "Ada Lovelace", "sign_in": "ada@contoso.tenantry.test", "contact_email": "ada@example.com",
    "roles": ["global_admin"], "must_change_password": false, "account_enabled": true, "created_by_relationship": null, "licenses": [],
    "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"}))]
pub struct User {
    /// The person's id.
    pub id: String,
    /// Their tenant.
    pub tenant_id: String,
    /// The name shown for them.
    pub display_name: String,
    /// The address they sign in with, in one of the tenant's verified domains.
    pub sign_in: String,
    /// Their personal contact email, where sign-in details and resets are sent.
    pub contact_email: Option<String>,
    /// Their administrator roles.
    pub roles: Vec<Role>,
    /// True until they replace a temporary password.
    pub must_change_password: bool,
    /// False while the person is disabled: they cannot sign in and their tokens do not work.
    pub account_enabled: bool,
    /// The delegated-admin relationship through which a partner created the account, if one did.
    pub created_by_relationship: Option<String>,
    /// The licenses they hold, and the services each brings.
    pub licenses: Vec<UserLicense>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A license a person holds.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"subscription_id": "019a5f40-1111-7000-8000-000000000001", "plan": "business_premium",
    "plan_name": "Business Premium", "services": ["mail", "meetings", "office_web_apps", "office_desktop_apps", "sites", "file_storage"],
    "assigned_at": "2026-11-21T10:06:00Z"}))]
pub struct UserLicense {
    pub subscription_id: String,
    pub plan: String,
    pub plan_name: String,
    /// What the license brings.
    pub services: Vec<String>,
    pub assigned_at: DateTime<Utc>,
    /// For the free Meetings tier only: the most participants a meeting may have today (10
    /// during the first 60 days after sign-up, 3 afterwards).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 10)]
    pub meeting_participant_limit: Option<u32>,
    /// For the free Meetings tier only: when the limit drops to 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_drops_at: Option<DateTime<Utc>>,
}

impl UserLicense {
    pub fn new(license: &License, catalogue: &Catalogue) -> Result<Self, StoreError> {
        let plan = catalogue.plan(&license.plan_code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Self {
            subscription_id: license.subscription_id.clone(),
            plan: plan.code.clone(),
            plan_name: plan.name.clone(),
            services: plan.services.iter().map(|s| s.as_str().to_owned()).collect(),
            assigned_at: license.assigned_at,
            // The free license is given at sign-up, so its date is the sign-up date.
            meeting_participant_limit: (plan.code == FREE_MEETINGS_PLAN)
                .then(|| free_meetings::participant_limit(license.assigned_at, crate::runtime::clock::now())),
            limit_drops_at: (plan.code == FREE_MEETINGS_PLAN)
                .then(|| free_meetings::limit_drops_at(license.assigned_at)),
        })
    }
}

impl User {
    pub fn new(
        row: &UserRow,
        roles: &RoleSet,
        licenses: &[License],
        catalogue: &Catalogue,
    ) -> Result<Self, StoreError> {
        let tenant_id = row
            .tenant_id
            .clone()
            .ok_or_else(|| StoreError::Corrupt(format!("user {} is shown as a member but has no tenant", row.id)))?;
        Ok(Self {
            id: row.id.clone(),
            tenant_id,
            display_name: row.display_name.clone(),
            sign_in: row.sign_in.clone(),
            contact_email: row.contact_email.clone(),
            roles: roles.iter().map(Role::from).collect(),
            must_change_password: row.must_change_password,
            account_enabled: row.disabled_at.is_none(),
            created_by_relationship: row.created_by_relationship.clone(),
            licenses: licenses.iter().map(|l| UserLicense::new(l, catalogue)).collect::<Result<_, _>>()?,
            created_at: time::from_db(row.created_at),
            updated_at: time::from_db(row.updated_at),
        })
    }
}

/// One page of people.
#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Where the temporary password went.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"sent_to": "a**@example.com"}))]
pub struct PasswordResetResponse {
    /// The contact email, masked.
    pub sent_to: String,
}

/// The roles a request names, as the domain's set.
pub fn role_set(roles: &[Role]) -> RoleSet {
    RoleSet::new(roles.iter().copied().map(AdminRole::from))
}
