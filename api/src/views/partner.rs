//! Partners, their people, offers, relationships, API clients and customers, as clients see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_domain::partner::{AssignedAccess, DelegatedAccess, PartnerRole};
use tenantry_domain::relationship::RelationshipStatus;
use tenantry_persistence::api_clients::ApiClientRow;
use tenantry_persistence::delegation::{OfferRow, RelationshipRow};
use tenantry_persistence::partners::PartnerRow;
use tenantry_persistence::tenants::TenantRow;
use tenantry_persistence::users::UserRow;
use tenantry_persistence::{time, StoreError};
use utoipa::ToSchema;

/// A partner organisation.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-5000-7000-8000-000000000001", "name": "Fabrikam Partners",
    "platform_domain": "fabrikam-partners.partners.tenantry.test",
    "created_at": "2026-11-27T10:00:00Z", "updated_at": "2026-11-27T10:00:00Z"}))]
pub struct Partner {
    pub id: String,
    pub name: String,
    /// Its people may sign in at this domain without proving it; other domains are proved with
    /// a TXT record (`/v1/partners/{pid}/domains`).
    pub platform_domain: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Partner {
    /// `platform_domain`: where its people sign in without proving a domain.
    pub fn new(row: PartnerRow, platform_domain: String) -> Self {
        Self {
            id: row.id,
            name: row.name,
            platform_domain,
            created_at: time::from_db(row.created_at),
            updated_at: time::from_db(row.updated_at),
        }
    }
}

/// A person's role in a partner organisation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PartnerRoleName {
    PartnerAdmin,
    PartnerAgent,
}

impl From<PartnerRole> for PartnerRoleName {
    fn from(role: PartnerRole) -> Self {
        match role {
            PartnerRole::Admin => PartnerRoleName::PartnerAdmin,
            PartnerRole::Agent => PartnerRoleName::PartnerAgent,
        }
    }
}

impl From<PartnerRoleName> for PartnerRole {
    fn from(role: PartnerRoleName) -> Self {
        match role {
            PartnerRoleName::PartnerAdmin => PartnerRole::Admin,
            PartnerRoleName::PartnerAgent => PartnerRole::Agent,
        }
    }
}

/// A person in a partner organisation.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-5100-7000-8000-000000000002", "partner_id": "019a5f3e-5000-7000-8000-000000000001",
    "display_name": "Paul Agent", "sign_in": "paul@fabrikam.example", "contact_email": "paul@fabrikam.example",
    "role": "partner_agent", "created_at": "2026-11-27T10:00:00Z"}))]
pub struct PartnerPerson {
    pub id: String,
    pub partner_id: String,
    pub display_name: String,
    pub sign_in: String,
    pub contact_email: Option<String>,
    pub role: PartnerRoleName,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for PartnerPerson {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        let role = row.partner_role()?;
        let (Some(partner_id), Some(role)) = (row.partner_id.clone(), role) else {
            return Err(StoreError::Corrupt(format!(
                "user {} is listed with a partner but has no partner role",
                row.id
            )));
        };
        Ok(Self {
            id: row.id,
            partner_id,
            display_name: row.display_name,
            sign_in: row.sign_in,
            contact_email: row.contact_email,
            role: role.into(),
            created_at: time::from_db(row.created_at),
        })
    }
}

/// The access delegated administration gives: `full` (the customer's global administrator
/// rights) or `limited` (password administrator rights).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Full,
    Limited,
}

impl From<DelegatedAccess> for Access {
    fn from(access: DelegatedAccess) -> Self {
        match access {
            DelegatedAccess::Full => Access::Full,
            DelegatedAccess::Limited => Access::Limited,
        }
    }
}

impl From<Access> for DelegatedAccess {
    fn from(access: Access) -> Self {
        match access {
            Access::Full => DelegatedAccess::Full,
            Access::Limited => DelegatedAccess::Limited,
        }
    }
}

/// What a partner admin gives an agent or API client for one customer; `none` takes it away.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AssignedAccessName {
    Full,
    Limited,
    None,
}

impl From<AssignedAccessName> for AssignedAccess {
    fn from(access: AssignedAccessName) -> Self {
        match access {
            AssignedAccessName::Full => AssignedAccess::Some(DelegatedAccess::Full),
            AssignedAccessName::Limited => AssignedAccess::Some(DelegatedAccess::Limited),
            AssignedAccessName::None => AssignedAccess::None,
        }
    }
}

impl From<AssignedAccess> for AssignedAccessName {
    fn from(access: AssignedAccess) -> Self {
        match access {
            AssignedAccess::Some(DelegatedAccess::Full) => AssignedAccessName::Full,
            AssignedAccess::Some(DelegatedAccess::Limited) => AssignedAccessName::Limited,
            AssignedAccess::None => AssignedAccessName::None,
        }
    }
}

/// A reusable delegated-admin offer: send its `url` to any number of customers.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-5200-7000-8000-000000000003", "partner_id": "019a5f3e-5000-7000-8000-000000000001",
    "access": "limited", "duration_days": 365, "token": "q3Vt0iJ1c2VyIjoiYWRtaW4iLCJ0eXAiOiJvZmZlciJ9",
    "url": "http://127.0.0.1:8080/delegated-admin-offers/q3Vt0iJ1c2VyIjoiYWRtaW4iLCJ0eXAiOiJvZmZlciJ9",
    "created_at": "2026-11-27T10:00:00Z", "revoked_at": null}))]
pub struct AdminOffer {
    pub id: String,
    pub partner_id: String,
    pub access: Access,
    /// How many days a relationship from this offer lasts; `null`: until either side ends it.
    pub duration_days: Option<i32>,
    /// The unguessable part of the URL; a customer's global admin accepts with
    /// `POST /v1/tenants/{tid}/admin-offers/{token}/accept`.
    pub token: String,
    /// The link to send to customers.
    pub url: String,
    pub created_at: DateTime<Utc>,
    /// Set once revoked: it can no longer be accepted.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl AdminOffer {
    pub fn new(row: OfferRow, public_url: &str) -> Self {
        Self {
            url: format!("{}/delegated-admin-offers/{}", public_url.trim_end_matches('/'), row.token),
            id: row.id,
            partner_id: row.partner_id,
            access: row.access.into(),
            duration_days: row.duration_days,
            token: row.token,
            created_at: time::from_db(row.created_at),
            revoked_at: row.revoked_at.map(time::from_db),
        }
    }
}

/// What accepting an offer would give: read it before accepting.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"partner_id": "019a5f3e-5000-7000-8000-000000000001", "partner_name": "Fabrikam Partners",
    "access": "limited", "duration_days": 365, "revoked": false}))]
pub struct OfferPreview {
    pub partner_id: String,
    pub partner_name: String,
    /// `full`: the rights of a global administrator; `limited`: those of a password administrator.
    pub access: Access,
    /// How long the relationship would last; `null`: until either side ends it.
    pub duration_days: Option<i32>,
    /// A revoked offer can no longer be accepted.
    pub revoked: bool,
}

/// Where a relationship stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipStatusName {
    Active,
    Ended,
    Expired,
}

/// A customer's delegated-admin relationship with a partner.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-5300-7000-8000-000000000004", "tenant_id": "019a5f3e-6b00-7a00-8000-000000000001",
    "partner_id": "019a5f3e-5000-7000-8000-000000000001", "partner_name": "Fabrikam Partners", "offer_id": "019a5f3e-5200-7000-8000-000000000003",
    "access": "limited", "status": "active", "accepted_at": "2026-11-27T10:00:00Z", "ends_at": "2027-11-27T10:00:00Z",
    "ended_at": null, "ended_by": null}))]
pub struct PartnerRelationship {
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub partner_name: String,
    pub offer_id: String,
    pub access: Access,
    /// `expired` as soon as the end date has passed, even before it is recorded.
    pub status: RelationshipStatusName,
    pub accepted_at: DateTime<Utc>,
    /// When it expires; `null`: until either side ends it.
    pub ends_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Who ended it: `customer`, `partner`, or `expiry` (its end date passed).
    pub ended_by: Option<EndedByName>,
    /// In the customer's answer to ending it only: the accounts the partner created and the
    /// roles it granted through it that are still there (`.../left-behind/disable` disables
    /// them all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_behind: Option<Vec<super::left_behind::LeftBehindAccount>>,
}

impl PartnerRelationship {
    pub fn new(row: RelationshipRow, partner_name: String, now: DateTime<Utc>) -> Result<Self, StoreError> {
        let relationship = row.relationship();
        let status = match row.status {
            _ if relationship.has_lapsed(now) => RelationshipStatusName::Expired,
            RelationshipStatus::Active => RelationshipStatusName::Active,
            RelationshipStatus::Ended => RelationshipStatusName::Ended,
            RelationshipStatus::Expired => RelationshipStatusName::Expired,
        };
        let (ended_at, ended_by) = if relationship.has_lapsed(now) {
            (row.ends_at, Some(EndedByName::Expiry))
        } else {
            (row.ended_at, row.ended_by.as_deref().map(EndedByName::try_from).transpose()?)
        };
        Ok(Self {
            id: row.id,
            tenant_id: row.tenant_id,
            partner_id: row.partner_id,
            partner_name,
            offer_id: row.offer_id,
            access: row.access.into(),
            status,
            accepted_at: time::from_db(row.accepted_at),
            ends_at: row.ends_at.map(time::from_db),
            ended_at: ended_at.map(time::from_db),
            ended_by,
            left_behind: None,
        })
    }
}

/// Who ended a relationship.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EndedByName {
    Customer,
    Partner,
    Expiry,
}

impl TryFrom<&str> for EndedByName {
    type Error = StoreError;
    fn try_from(stored: &str) -> Result<Self, StoreError> {
        match stored {
            "customer" => Ok(EndedByName::Customer),
            "partner" => Ok(EndedByName::Partner),
            "expiry" => Ok(EndedByName::Expiry),
            other => Err(StoreError::Corrupt(format!("a relationship ended by `{other}`"))),
        }
    }
}

/// What an agent or API client may do for one customer.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"tenant_id": "019a5f3e-6b00-7a00-8000-000000000001", "grantee_id": "019a5f3e-5100-7000-8000-000000000002",
    "relationship_id": "019a5f3e-5300-7000-8000-000000000004", "access": "limited"}))]
pub struct AccessAssignment {
    pub tenant_id: String,
    /// The partner agent or API client.
    pub grantee_id: String,
    pub relationship_id: String,
    pub access: AssignedAccessName,
}

/// A partner's integration.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-5400-7000-8000-000000000005", "partner_id": "019a5f3e-5000-7000-8000-000000000001",
    "name": "Billing sync", "previous_secret_valid_until": null, "disabled_at": null,
    "created_at": "2026-11-27T10:00:00Z", "updated_at": "2026-11-27T10:00:00Z"}))]
pub struct ApiClient {
    /// The `client_id` to send to `POST /v1/auth/token`.
    pub id: String,
    pub partner_id: String,
    pub name: String,
    /// While a rotation's overlap runs, the previous secret still works until then.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    /// Set once disabled: its secrets and tokens stop working.
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ApiClient {
    pub fn new(row: &ApiClientRow, now: DateTime<Utc>) -> Self {
        let overlap = row.previous_secret_valid_until.map(time::from_db).filter(|until| *until > now);
        Self {
            id: row.id.clone(),
            partner_id: row.partner_id.clone(),
            name: row.name.clone(),
            previous_secret_valid_until: overlap,
            disabled_at: row.disabled_at.map(time::from_db),
            created_at: time::from_db(row.created_at),
            updated_at: time::from_db(row.updated_at),
        }
    }
}

/// An API client with its secret: the only response that ever shows the secret.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"client_id": "019a5f3e-5400-7000-8000-000000000005", "client": {"id": "019a5f3e-5400-7000-8000-000000000005", "partner_id": "019a5f3e-5000-7000-8000-000000000001",
    "name": "Billing sync", "previous_secret_valid_until": null, "disabled_at": null,
    "created_at": "2026-11-27T10:00:00Z", "updated_at": "2026-11-27T10:00:00Z"},
    "client_secret": "tcs_6Jc1y2m0Qe8v3Rk9pWb7nTz4Xh5LdA0sFgUoYiEqNw"}))]
pub struct ApiClientWithSecret {
    /// The client's id, as `POST /v1/auth/token` takes it beside the secret.
    pub client_id: String,
    pub client: ApiClient,
    /// Shown once: store it now. Only its digest is kept.
    pub client_secret: String,
}

/// A customer of the partner, as the partner app lists it.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"tenant_id": "019a5f3e-6b00-7a00-8000-000000000001", "name": "Contoso SARL",
    "default_domain": "contoso.tenantry.test", "relationship_id": "019a5f3e-5300-7000-8000-000000000004",
    "relationship_access": "full", "access": "limited", "ends_at": null, "flagged": true}))]
pub struct Customer {
    pub tenant_id: String,
    pub name: String,
    /// The domain the customer is known by (its initial domain until it chooses another).
    pub default_domain: String,
    pub relationship_id: String,
    /// What the customer granted the partner.
    pub relationship_access: Access,
    /// What the caller holds there: the relationship's for partner admins, their assignment
    /// (never more) for agents and API clients.
    pub access: Access,
    /// When the relationship ends; `null`: until either side ends it.
    pub ends_at: Option<DateTime<Utc>>,
    /// Whether the caller flagged this customer.
    pub flagged: bool,
}

impl Customer {
    pub fn new(tenant: TenantRow, relationship: RelationshipRow, access: DelegatedAccess, flagged: bool) -> Self {
        Self {
            tenant_id: tenant.id,
            name: tenant.name,
            default_domain: tenant.initial_domain,
            relationship_id: relationship.id,
            relationship_access: relationship.access.into(),
            access: access.into(),
            ends_at: relationship.ends_at.map(time::from_db),
            flagged,
        }
    }
}

/// A person the caller opened recently.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"tenant_id": "019a5f3e-6b00-7a00-8000-000000000001", "user_id": "019a5f3e-9000-7000-8000-00000000000a",
    "display_name": "Grace Hopper", "sign_in": "grace@contoso.tenantry.test", "viewed_at": "2026-11-27T10:05:00Z"}))]
pub struct RecentUser {
    pub tenant_id: String,
    pub user_id: String,
    pub display_name: String,
    pub sign_in: String,
    pub viewed_at: DateTime<Utc>,
}

page_of!(PartnerPage, Partner, "partners");
page_of!(PartnerPersonPage, PartnerPerson, "a partner's people");
page_of!(AdminOfferPage, AdminOffer, "delegated-admin offers");
page_of!(PartnerRelationshipPage, PartnerRelationship, "partner relationships");
page_of!(ApiClientPage, ApiClient, "API clients");
page_of!(CustomerPage, Customer, "customers");

/// The people the caller opened most recently, newest first (at most 20).
#[derive(Serialize, ToSchema)]
pub struct RecentUserList {
    pub items: Vec<RecentUser>,
}
