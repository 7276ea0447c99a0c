//! The message centre and feedback, as clients see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_persistence::feedback::FeedbackRow;
use tenantry_persistence::message_centre::{MarksRow, MessageRow};
use tenantry_persistence::time;
use utoipa::ToSchema;

/// What a message is about, as the suite's message centre sorts them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MessageCategory {
    PlanForChange,
    StayInformed,
    PreventOrFixIssues,
}

impl MessageCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageCategory::PlanForChange => "plan_for_change",
            MessageCategory::StayInformed => "stay_informed",
            MessageCategory::PreventOrFixIssues => "prevent_or_fix_issues",
        }
    }
}

/// How much it matters.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MessageSeverity {
    Normal,
    High,
    Critical,
}

impl MessageSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageSeverity::Normal => "normal",
            MessageSeverity::High => "high",
            MessageSeverity::Critical => "critical",
        }
    }
}

/// The caller's own marks on a message: no one else's change them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Marks {
    pub read: bool,
    pub archived: bool,
    pub flagged: bool,
}

impl From<Option<&MarksRow>> for Marks {
    fn from(row: Option<&MarksRow>) -> Self {
        Self {
            read: row.is_some_and(|m| m.read_at.is_some()),
            archived: row.is_some_and(|m| m.archived_at.is_some()),
            flagged: row.is_some_and(|m| m.flagged),
        }
    }
}

/// A message of the message centre.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-c000-7000-8000-000000000041", "category": "plan_for_change", "severity": "high",
    "title": "Older mail clients will stop connecting", "body": "From 1 March, mail clients that use basic authentication stop connecting.",
    "action_required_by": "2027-03-01T00:00:00Z", "all_tenants": true, "tenant_ids": [],
    "created_at": "2026-11-27T10:00:00Z", "marks": {"read": false, "archived": false, "flagged": false}}))]
pub struct CentreMessage {
    pub id: String,
    /// `plan_for_change`, `stay_informed` or `prevent_or_fix_issues`.
    pub category: String,
    /// `normal`, `high` or `critical`.
    pub severity: String,
    pub title: String,
    pub body: String,
    /// The date by which the tenant must act, if it must.
    pub action_required_by: Option<DateTime<Utc>>,
    pub all_tenants: bool,
    /// The tenants it was posted to (operators only; empty for a tenant's readers).
    pub tenant_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// The caller's own marks (absent for operators).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marks: Option<Marks>,
}

impl CentreMessage {
    pub fn new(row: MessageRow, tenant_ids: Vec<String>, marks: Option<Marks>) -> Self {
        Self {
            id: row.id,
            category: row.category,
            severity: row.severity,
            title: row.title,
            body: row.body,
            action_required_by: row.action_required_by.map(time::from_db),
            all_tenants: row.all_tenants,
            tenant_ids,
            created_at: time::from_db(row.created_at),
            marks,
        }
    }
}

/// One page of messages, newest first.
#[derive(Serialize, ToSchema)]
pub struct CentreMessagePage {
    pub items: Vec<CentreMessage>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Feedback as stored.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-d000-7000-8000-000000000051", "author_id": "019a5f3e-7c1a-7d2e-9b1f-3c4d5e6f7a8b",
    "author_name": "Ada Lovelace", "tenant_id": "019a5f3e-6b00-7a00-8000-000000000001", "partner_id": null,
    "screen": "customers", "message": "Searching by domain is great.", "rating": 5, "created_at": "2026-11-27T10:00:00Z"}))]
pub struct Feedback {
    pub id: String,
    pub author_id: String,
    pub author_name: String,
    pub tenant_id: Option<String>,
    pub partner_id: Option<String>,
    /// The screen or operation it is about.
    pub screen: String,
    pub message: String,
    pub rating: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl From<FeedbackRow> for Feedback {
    fn from(row: FeedbackRow) -> Self {
        Self {
            id: row.id,
            author_id: row.author_id,
            author_name: row.author_name,
            tenant_id: row.tenant_id,
            partner_id: row.partner_id,
            screen: row.screen,
            message: row.message,
            rating: row.rating,
            created_at: time::from_db(row.created_at),
        }
    }
}

/// One page of feedback, newest first.
#[derive(Serialize, ToSchema)]
pub struct FeedbackPage {
    pub items: Vec<Feedback>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
