//! Self-service sign-up and admin takeover, as clients see them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_domain::free_meetings;
use tenantry_domain::takeover::TAKEOVER_PLANS;
use tenantry_persistence::takeovers::TakeoverRow;
use tenantry_persistence::time;
use utoipa::ToSchema;

use super::domain::VerificationRecord;
use super::subscription::Subscription;
use super::tenant::Tenant;

/// A sign-up waiting for its code. The same answer whether or not the address has an account.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-8000-7000-8000-000000000001", "email": "rob@example.org", "status": "pending",
    "expires_at": "2026-11-28T10:00:00Z",
    "next_step": "A confirmation code was sent to rob@example.org: confirm with POST /v1/signups/{id}/confirm"}))]
pub struct SignupAccepted {
    pub id: String,
    pub email: String,
    #[schema(example = "pending")]
    pub status: &'static str,
    /// Until when the code can be used.
    pub expires_at: DateTime<Utc>,
    pub next_step: String,
}

impl SignupAccepted {
    pub fn new(id: String, email: String, expires_at: DateTime<Utc>) -> Self {
        let next_step = format!(
            "A confirmation code was sent to {email}: confirm with POST /v1/signups/{id}/confirm {{\"code\": \"...\"}}"
        );
        Self { id, email, status: "pending", expires_at, next_step }
    }
}

/// A confirmed sign-up: the account, in the unmanaged tenant of the email domain.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"user_id": "019a5f3e-8100-7000-8000-000000000001", "tenant_id": "019a5f3e-8200-7000-8000-000000000001",
    "sign_in": "rob@example.org", "plan": "meetings_free", "meeting_participant_limit": 10,
    "limit_drops_at": "2027-01-26T10:00:00Z"}))]
pub struct SignupConfirmed {
    pub user_id: String,
    pub tenant_id: String,
    /// Sign in with this address and the password chosen at sign-up.
    pub sign_in: String,
    /// The free Meetings tier.
    #[schema(example = "meetings_free")]
    pub plan: &'static str,
    /// The most participants a meeting may have now.
    pub meeting_participant_limit: u32,
    /// When the limit drops to 3.
    pub limit_drops_at: DateTime<Utc>,
}

impl SignupConfirmed {
    pub fn new(user_id: String, tenant_id: String, sign_in: String, now: DateTime<Utc>) -> Self {
        Self {
            user_id,
            tenant_id,
            sign_in,
            plan: free_meetings::FREE_MEETINGS_PLAN,
            meeting_participant_limit: free_meetings::participant_limit(now, now),
            limit_drops_at: free_meetings::limit_drops_at(now),
        }
    }
}

/// An admin takeover of the signed-up people's organisation.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-8300-7000-8000-000000000001", "tenant_id": "019a5f3e-8200-7000-8000-000000000001",
    "domain": "example.org", "status": "started",
    "verification": {"type": "TXT", "host": "example.org", "value": "tenantry-verification=7d1f0c3a9b2e4d6f", "ttl": 3600},
    "plans": ["business_essentials", "business_premium"], "created_at": "2026-11-27T10:00:00Z", "verified_at": null, "completed_at": null}))]
pub struct Takeover {
    pub id: String,
    pub tenant_id: String,
    /// The email domain to prove.
    pub domain: String,
    /// `started` (publish the TXT record), `verified` (buy the licenses), `completed`.
    #[schema(example = "started")]
    pub status: &'static str,
    /// The TXT record that proves the domain.
    pub verification: VerificationRecord,
    /// What the takeover may buy, at least one license per person who signed up.
    pub plans: Vec<&'static str>,
    pub created_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<&TakeoverRow> for Takeover {
    fn from(row: &TakeoverRow) -> Self {
        Self {
            id: row.id.clone(),
            tenant_id: row.tenant_id.clone(),
            domain: row.domain.clone(),
            status: row.status.as_str(),
            verification: VerificationRecord::new(&row.domain, &row.verification_code),
            plans: TAKEOVER_PLANS.to_vec(),
            created_at: time::from_db(row.created_at),
            verified_at: row.verified_at.map(time::from_db),
            completed_at: row.completed_at.map(time::from_db),
        }
    }
}

/// A completed takeover: the tenant, managed now, and the subscription bought.
#[derive(Serialize, ToSchema)]
pub struct TakeoverCompleted {
    pub takeover: Takeover,
    pub tenant: Tenant,
    pub subscription: Subscription,
    /// Everyone who signed up, each now holding a license of the plan bought.
    pub licensed_people: usize,
}
