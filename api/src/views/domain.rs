//! A tenant's domains, the DNS check, availability and registrations, as clients see them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_domain::custom_domain::{self, DomainOrigin};
use tenantry_domain::dns_check::RecordCheck;
use tenantry_domain::registration::{Registrant, RegistrationStatus};
use tenantry_domain::DomainName;
use tenantry_persistence::domains::DomainRow;
use tenantry_persistence::registrations::RegistrationRow;
use tenantry_persistence::{time, StoreError};
use utoipa::ToSchema;

/// The TXT record that proves a domain: publish it at `host`, then verify.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"type": "TXT", "host": "contoso.fr", "value": "tenantry-verification=7d1f0c3a9b2e4d6f", "ttl": 3600}))]
pub struct VerificationRecord {
    #[serde(rename = "type")]
    #[schema(example = "TXT")]
    pub record_type: &'static str,
    pub host: String,
    pub value: String,
    /// A suggested time to live, in seconds.
    pub ttl: u32,
}

impl VerificationRecord {
    pub fn new(host: &str, code: &str) -> Self {
        Self { record_type: "TXT", host: host.to_owned(), value: custom_domain::verification_record(code), ttl: 3600 }
    }
}

/// How the tenant came by a domain.
#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum DomainOriginName {
    Initial,
    Custom,
    Registered,
    Takeover,
}

impl From<DomainOrigin> for DomainOriginName {
    fn from(origin: DomainOrigin) -> Self {
        match origin {
            DomainOrigin::Initial => DomainOriginName::Initial,
            DomainOrigin::Custom => DomainOriginName::Custom,
            DomainOrigin::Registered => DomainOriginName::Registered,
            DomainOrigin::Takeover => DomainOriginName::Takeover,
        }
    }
}

/// A domain of the tenant.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"name": "contoso.fr", "display_name": "contoso.fr", "origin": "custom", "verified": false,
    "is_default": false, "verification": {"type": "TXT", "host": "contoso.fr", "value": "tenantry-verification=7d1f0c3a9b2e4d6f", "ttl": 3600},
    "created_at": "2026-11-27T10:00:00Z", "verified_at": null}))]
pub struct Domain {
    /// The name in its ASCII form (`xn--` labels for internationalised names), as in DNS.
    pub name: String,
    /// The name as people read it (`bücher.fr` for `xn--bcher-kva.fr`).
    pub display_name: String,
    pub origin: DomainOriginName,
    pub verified: bool,
    /// New people created with a user name only sign in with this domain.
    pub is_default: bool,
    /// The TXT record to publish; `null` once verified.
    pub verification: Option<VerificationRecord>,
    pub created_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
}

impl From<&DomainRow> for Domain {
    fn from(row: &DomainRow) -> Self {
        let verification = match (&row.verification_code, row.verified) {
            (Some(code), false) => Some(VerificationRecord::new(&row.name, code)),
            _ => None,
        };
        Self {
            display_name: DomainName::parse(&row.name).map_or_else(|_| row.name.clone(), |name| name.unicode()),
            name: row.name.clone(),
            origin: row.origin.into(),
            verified: row.verified,
            is_default: row.is_default,
            verification,
            created_at: time::from_db(row.created_at),
            verified_at: row.verified_at.map(time::from_db),
        }
    }
}

page_of!(DomainPage, Domain, "a tenant's domains");

/// One record of the DNS check.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"purpose": "mail delivery", "type": "MX", "host": "contoso.fr",
    "expected": "0 contoso-fr.mail.tenantry.test", "status": "missing", "found": [],
    "advice": "publish a MX record at contoso.fr: 0 contoso-fr.mail.tenantry.test"}))]
pub struct DnsRecordCheck {
    pub purpose: &'static str,
    #[serde(rename = "type")]
    #[schema(example = "MX")]
    pub record_type: &'static str,
    pub host: String,
    /// The record as it should be published.
    pub expected: String,
    /// `ok`, `missing`, `wrong`, or `unknown` when DNS did not answer.
    #[schema(example = "missing")]
    pub status: &'static str,
    /// What DNS returned for this record (for SPF, only the SPF records among the TXT ones).
    pub found: Vec<String>,
    /// What to publish or change; `null` when the record is right.
    pub advice: Option<String>,
}

impl From<RecordCheck> for DnsRecordCheck {
    fn from(check: RecordCheck) -> Self {
        Self {
            purpose: check.required.purpose,
            record_type: check.required.record_type.dns_type(),
            host: check.required.host,
            expected: check.required.value,
            status: check.verdict.as_str(),
            found: check.found,
            advice: check.advice,
        }
    }
}

/// The live DNS records of a domain compared with what the suite needs.
#[derive(Serialize, ToSchema)]
pub struct DnsCheck {
    pub domain: String,
    /// True when every record is right.
    pub all_ok: bool,
    pub records: Vec<DnsRecordCheck>,
    pub checked_at: DateTime<Utc>,
}

/// Whether a name can be bought.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"name": "contoso.fr", "available": false, "alternatives": ["contoso.net", "contoso.eu"]}))]
pub struct DomainAvailability {
    pub name: String,
    pub available: bool,
    /// When taken: the same name on other extensions that are still free.
    pub alternatives: Vec<String>,
}

/// A registration's status.
#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatusName {
    Pending,
    Active,
    Failed,
}

impl From<RegistrationStatus> for RegistrationStatusName {
    fn from(status: RegistrationStatus) -> Self {
        match status {
            RegistrationStatus::Pending => RegistrationStatusName::Pending,
            RegistrationStatus::Active => RegistrationStatusName::Active,
            RegistrationStatus::Failed => RegistrationStatusName::Failed,
        }
    }
}

/// The registrant's administrative data.
#[derive(Serialize, ToSchema)]
pub struct RegistrantView {
    pub organisation: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
}

impl From<Registrant> for RegistrantView {
    fn from(r: Registrant) -> Self {
        Self {
            organisation: r.organisation,
            contact_name: r.contact_name,
            email: r.email,
            phone: r.phone,
            street: r.street,
            postal_code: r.postal_code,
            city: r.city,
            country: r.country,
        }
    }
}

/// A domain being bought, or bought, through a Registrar resource.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-7000-7000-8000-000000000001", "tenant_id": "019a5f3e-6b00-7a00-8000-000000000001",
    "subscription_id": "019a5f3e-6c00-7a00-8000-000000000001", "name": "contoso-paris.fr", "status": "pending",
    "registrant": {"organisation": "Contoso SARL", "contact_name": "Camille Martin", "email": "camille@example.com",
        "phone": "+33123456789", "street": "1 rue de la Paix", "postal_code": "75002", "city": "Paris", "country": "FR"},
    "failure": null, "created_at": "2026-11-27T10:00:00Z", "completed_at": null}))]
pub struct DomainRegistration {
    pub id: String,
    pub tenant_id: String,
    /// The Registrar resource whose seat it holds.
    pub subscription_id: String,
    pub name: String,
    /// `pending` until the registry confirms, then `active` (the domain is a verified domain of
    /// the tenant) or `failed` (the seat is free again).
    pub status: RegistrationStatusName,
    pub registrant: RegistrantView,
    /// Why it failed, when it did.
    pub failure: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl TryFrom<&RegistrationRow> for DomainRegistration {
    type Error = StoreError;
    fn try_from(row: &RegistrationRow) -> Result<Self, StoreError> {
        let registrant: Registrant = serde_json::from_str(&row.registrant)
            .map_err(|e| StoreError::Corrupt(format!("registration {}: registrant: {e}", row.id)))?;
        Ok(Self {
            id: row.id.clone(),
            tenant_id: row.tenant_id.clone(),
            subscription_id: row.subscription_id.clone(),
            name: row.name.clone(),
            status: row.status.into(),
            registrant: registrant.into(),
            failure: row.failure.clone(),
            created_at: time::from_db(row.created_at),
            completed_at: row.completed_at.map(time::from_db),
        })
    }
}

page_of!(DomainRegistrationPage, DomainRegistration, "a tenant's domain registrations");
