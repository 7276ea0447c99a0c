//! Customer tenants as clients see them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_persistence::tenants::TenantRow;
use tenantry_persistence::time;
use utoipa::ToSchema;

use super::user::User;

/// A customer tenant.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-6b00-7a00-8000-000000000001", "name": "Contoso SARL", "slug": "contoso",
    "initial_domain": "contoso.tenantry.test", "verified_domains": ["contoso.tenantry.test"], "managed": true, "email_domain": null,
    "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"}))]
pub struct Tenant {
    pub id: String,
    /// The customer's name.
    pub name: String,
    /// The short name that made the initial domain.
    pub slug: String,
    /// `<slug>.<platform domain>`: verified from the start, never changes.
    pub initial_domain: String,
    /// Every verified domain of the tenant, the initial one included.
    pub verified_domains: Vec<String>,
    /// False for a tenant of people who signed up on their own, until one of them takes it
    /// over; no admin operation works in it before.
    pub managed: bool,
    /// The email domain an unmanaged tenant groups people by; `null` for managed tenants.
    pub email_domain: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Tenant {
    pub fn new(row: &TenantRow, verified_domains: Vec<String>) -> Self {
        Self {
            id: row.id.clone(),
            name: row.name.clone(),
            slug: row.slug.clone(),
            initial_domain: row.initial_domain.clone(),
            verified_domains,
            managed: row.managed,
            email_domain: if row.managed { None } else { row.email_domain.clone() },
            created_at: time::from_db(row.created_at),
            updated_at: time::from_db(row.updated_at),
        }
    }
}

/// The created tenant and its cloud manager.
#[derive(Serialize, ToSchema)]
pub struct CreatedTenant {
    pub tenant: Tenant,
    pub cloud_manager: User,
}

/// One page of tenants.
#[derive(Serialize, ToSchema)]
pub struct TenantPage {
    pub items: Vec<Tenant>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
