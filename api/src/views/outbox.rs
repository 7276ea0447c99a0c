//! Messages in the outbox, as operators see them: where each stands, never what it says.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_persistence::outbox::{DeliveryStatus, OutboxMessageRow};
use tenantry_persistence::time;
use utoipa::ToSchema;

/// Where a message stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatusName {
    /// Waiting for its next attempt.
    Pending,
    /// The mail server accepted it.
    Delivered,
    /// Refused for good, or every attempt failed: retried only by an operator.
    Failed,
}

impl From<DeliveryStatusName> for DeliveryStatus {
    fn from(status: DeliveryStatusName) -> Self {
        match status {
            DeliveryStatusName::Pending => DeliveryStatus::Pending,
            DeliveryStatusName::Delivered => DeliveryStatus::Delivered,
            DeliveryStatusName::Failed => DeliveryStatus::Failed,
        }
    }
}

/// A message to a person. Its body is not shown: it may carry a temporary password.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-9000-7000-8000-000000000001", "recipient": "ada@example.com",
    "subject": "Votre mot de passe Tenantry a été réinitialisé", "language": "fr", "status": "failed", "attempts": 12,
    "last_error": "smtp.example refused it: permanent error (550): 5.1.1 mailbox unavailable",
    "carries_secret": true, "created_at": "2026-11-27T10:00:00Z", "next_attempt_at": "2026-11-27T17:00:00Z",
    "delivered_at": null, "failed_at": "2026-11-27T17:00:00Z"}))]
pub struct OutboxMessage {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub language: String,
    pub status: DeliveryStatusName,
    pub attempts: i32,
    /// Why the last attempt did not deliver it.
    pub last_error: Option<String>,
    /// It carries a temporary password or a code; its stored body is redacted once delivered.
    pub carries_secret: bool,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
}

impl From<&OutboxMessageRow> for OutboxMessage {
    fn from(row: &OutboxMessageRow) -> Self {
        let status = if row.delivered_at.is_some() {
            DeliveryStatusName::Delivered
        } else if row.failed_at.is_some() {
            DeliveryStatusName::Failed
        } else {
            DeliveryStatusName::Pending
        };
        Self {
            id: row.id.clone(),
            recipient: row.recipient.clone(),
            subject: row.subject.clone(),
            language: row.language.clone(),
            status,
            attempts: row.attempts,
            last_error: row.last_error.clone(),
            carries_secret: row.carries_secret,
            created_at: time::from_db(row.created_at),
            next_attempt_at: time::from_db(row.next_attempt_at),
            delivered_at: row.delivered_at.map(time::from_db),
            failed_at: row.failed_at.map(time::from_db),
        }
    }
}

page_of!(OutboxMessagePage, OutboxMessage, "outbox messages");
