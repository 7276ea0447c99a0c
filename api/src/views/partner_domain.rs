//! A partner's domains, where its people sign in, as clients see them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_persistence::partner_domains::PartnerDomainRow;
use tenantry_persistence::time;
use utoipa::ToSchema;

use super::domain::VerificationRecord;

/// A domain the partner added to prove.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"name": "fabrikam.example", "verified": false,
    "verification": {"type": "TXT", "host": "fabrikam.example", "value": "tenantry-verification=7d1f0c3a9b2e4d6f", "ttl": 3600},
    "created_at": "2026-12-07T10:00:00Z", "verified_at": null}))]
pub struct PartnerDomain {
    /// The name in its ASCII form, as in DNS.
    pub name: String,
    /// Proved: the partner's people may sign in at it.
    pub verified: bool,
    /// The TXT record to publish; `null` once proved.
    pub verification: Option<VerificationRecord>,
    pub created_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
}

impl From<&PartnerDomainRow> for PartnerDomain {
    fn from(row: &PartnerDomainRow) -> Self {
        Self {
            name: row.name.clone(),
            verified: row.verified,
            verification: (!row.verified).then(|| VerificationRecord::new(&row.name, &row.verification_code)),
            created_at: time::from_db(row.created_at),
            verified_at: row.verified_at.map(time::from_db),
        }
    }
}

/// Where a partner's people may sign in.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"platform_domain": "fabrikam-partners.partners.tenantry.test", "items": [{"name": "fabrikam.example",
    "verified": true, "verification": null, "created_at": "2026-12-07T10:00:00Z", "verified_at": "2026-12-07T10:05:00Z"}]}))]
pub struct PartnerDomains {
    /// Always usable, without proof.
    pub platform_domain: String,
    /// The domains it added, by name; only proved ones may be used.
    pub items: Vec<PartnerDomain>,
}
