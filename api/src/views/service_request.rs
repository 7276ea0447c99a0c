//! Service requests as clients see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_domain::service_request::{self as rules, Category, RequestKind, RequestStatus, Severity};
use tenantry_persistence::service_requests::{NoteRow, ServiceRequestRow};
use tenantry_persistence::time;
use utoipa::ToSchema;

/// `A` critical (a service unusable or inaccessible, many users or services affected), `B` high
/// (usable but degraded, moderate impact), `C` non-critical (minimal impact).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum SeverityName {
    A,
    B,
    C,
}

impl From<SeverityName> for Severity {
    fn from(severity: SeverityName) -> Self {
        match severity {
            SeverityName::A => Severity::A,
            SeverityName::B => Severity::B,
            SeverityName::C => Severity::C,
        }
    }
}

impl From<Severity> for SeverityName {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::A => SeverityName::A,
            Severity::B => SeverityName::B,
            Severity::C => SeverityName::C,
        }
    }
}

/// `incident` (something is broken) or `information_request` (a question).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    Incident,
    InformationRequest,
}

impl From<KindName> for RequestKind {
    fn from(kind: KindName) -> Self {
        match kind {
            KindName::Incident => RequestKind::Incident,
            KindName::InformationRequest => RequestKind::InformationRequest,
        }
    }
}

impl From<RequestKind> for KindName {
    fn from(kind: RequestKind) -> Self {
        match kind {
            RequestKind::Incident => KindName::Incident,
            RequestKind::InformationRequest => KindName::InformationRequest,
        }
    }
}

/// The kind of support needed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CategoryName {
    Technical,
    Billing,
    Subscription,
    PreSales,
}

impl From<CategoryName> for Category {
    fn from(category: CategoryName) -> Self {
        match category {
            CategoryName::Technical => Category::Technical,
            CategoryName::Billing => Category::Billing,
            CategoryName::Subscription => Category::Subscription,
            CategoryName::PreSales => Category::PreSales,
        }
    }
}

impl From<Category> for CategoryName {
    fn from(category: Category) -> Self {
        match category {
            Category::Technical => CategoryName::Technical,
            Category::Billing => CategoryName::Billing,
            Category::Subscription => CategoryName::Subscription,
            Category::PreSales => CategoryName::PreSales,
        }
    }
}

/// Where a request stands: `open` -> `in_progress` -> `waiting_on_customer` -> `resolved` -> `closed`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatusName {
    Open,
    InProgress,
    WaitingOnCustomer,
    Resolved,
    Closed,
}

impl From<RequestStatusName> for RequestStatus {
    fn from(status: RequestStatusName) -> Self {
        match status {
            RequestStatusName::Open => RequestStatus::Open,
            RequestStatusName::InProgress => RequestStatus::InProgress,
            RequestStatusName::WaitingOnCustomer => RequestStatus::WaitingOnCustomer,
            RequestStatusName::Resolved => RequestStatus::Resolved,
            RequestStatusName::Closed => RequestStatus::Closed,
        }
    }
}

impl From<RequestStatus> for RequestStatusName {
    fn from(status: RequestStatus) -> Self {
        match status {
            RequestStatus::Open => RequestStatusName::Open,
            RequestStatus::InProgress => RequestStatusName::InProgress,
            RequestStatus::WaitingOnCustomer => RequestStatusName::WaitingOnCustomer,
            RequestStatus::Resolved => RequestStatusName::Resolved,
            RequestStatus::Closed => RequestStatusName::Closed,
        }
    }
}

/// Who support calls back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+33 1 23 45 67 89", "available_24_7": true}))]
pub struct Contact {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(max_length = 254)]
    pub email: String,
    /// Needed for severity A.
    #[schema(max_length = 40)]
    pub phone: Option<String>,
    /// Reachable around the clock; needed for severity A.
    #[serde(default)]
    pub available_24_7: bool,
}

/// Who wrote something: the customer's admin, a partner acting for the customer, or support.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AuthorSide {
    Customer,
    Partner,
    Support,
}

/// Who opened a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct Requester {
    pub id: String,
    pub name: String,
    /// `customer`, or `partner` when a partner opened it for the customer.
    pub side: AuthorSide,
    pub partner_id: Option<String>,
    pub partner_name: Option<String>,
}

/// The support person working a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assignee {
    pub id: String,
    pub name: String,
}

/// A note on a request. Notes are never edited nor deleted.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-a100-7000-8000-000000000021", "author_id": "019a5f3e-7c1a-7d2e-9b1f-3c4d5e6f7a8b",
    "author_name": "Ada Lovelace", "author_side": "customer", "partner_id": null,
    "body": "It happens for every user since 9:00.", "created_at": "2026-11-27T10:05:00Z"}))]
pub struct Note {
    pub id: String,
    pub author_id: String,
    pub author_name: String,
    pub author_side: AuthorSide,
    pub partner_id: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl Note {
    pub fn new(row: NoteRow) -> Self {
        let author_side = match row.author_side.as_str() {
            "support" => AuthorSide::Support,
            "partner" => AuthorSide::Partner,
            _ => AuthorSide::Customer,
        };
        Self {
            id: row.id,
            author_id: row.author_id,
            author_name: row.author_name,
            author_side,
            partner_id: row.partner_id,
            body: row.body,
            created_at: time::from_db(row.created_at),
        }
    }
}

/// A service request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-a000-7000-8000-000000000020", "tenant_id": "019a5f3e-6b00-7a00-8000-000000000001",
    "kind": "incident", "category": "technical", "workload": "mail", "title": "Mail is slow to arrive",
    "description": "Messages take 20 minutes to arrive since 9:00.", "severity": "B", "status": "in_progress",
    "contact": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+33 1 23 45 67 89", "available_24_7": false},
    "requester": {"id": "019a5f3e-7c1a-7d2e-9b1f-3c4d5e6f7a8b", "name": "Ada Lovelace", "side": "customer", "partner_id": null, "partner_name": null},
    "assignee": {"id": "019a5f3e-7000-7000-8000-0000000000aa", "name": "Sam Support"},
    "first_response_due_at": "2026-11-27T14:00:00Z", "first_response_at": "2026-11-27T10:30:00Z", "overdue": false,
    "resolved_at": null, "closed_at": null, "created_at": "2026-11-27T10:00:00Z", "updated_at": "2026-11-27T10:30:00Z", "notes": []}))]
pub struct ServiceRequest {
    pub id: String,
    pub tenant_id: String,
    pub kind: KindName,
    pub category: CategoryName,
    /// The workload concerned (`mail`, `meetings`, `office_web_apps`, `sites`, `directory_sync`, `sign_in`, `portal`, ...).
    pub workload: String,
    pub title: String,
    pub description: String,
    pub severity: SeverityName,
    pub status: RequestStatusName,
    pub contact: Contact,
    pub requester: Requester,
    /// The support person who took it.
    pub assignee: Option<Assignee>,
    /// When support must first answer: 1 hour after opening for severity A, 4 for B, 8 for C.
    pub first_response_due_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    /// Past the deadline without an answer from support (computed when read).
    pub overdue: bool,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Oldest first; present when one request is read, absent from lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<Note>>,
}

impl ServiceRequest {
    pub fn new(row: ServiceRequestRow, notes: Option<Vec<NoteRow>>, now: DateTime<Utc>) -> Self {
        let (handling, submission) = row;
        let due = time::from_db(handling.first_response_due_at);
        let first_response_at = handling.first_response_at.map(time::from_db);
        let side = if handling.partner_id.is_some() { AuthorSide::Partner } else { AuthorSide::Customer };
        Self {
            overdue: rules::is_overdue(due, first_response_at, handling.status, now),
            id: handling.id,
            tenant_id: handling.tenant_id,
            kind: submission.kind.into(),
            category: submission.category.into(),
            workload: handling.workload,
            title: submission.title,
            description: submission.description,
            severity: handling.severity.into(),
            status: handling.status.into(),
            contact: Contact {
                name: submission.contact_name,
                email: submission.contact_email,
                phone: submission.contact_phone,
                available_24_7: submission.contact_available_24_7,
            },
            requester: Requester {
                id: submission.opened_by_id,
                name: submission.opened_by_name,
                side,
                partner_id: handling.partner_id,
                partner_name: submission.partner_name,
            },
            assignee: handling.assignee_id.zip(handling.assignee_name).map(|(id, name)| Assignee { id, name }),
            first_response_due_at: due,
            first_response_at,
            resolved_at: handling.resolved_at.map(time::from_db),
            closed_at: handling.closed_at.map(time::from_db),
            created_at: time::from_db(handling.created_at),
            updated_at: time::from_db(handling.updated_at),
            notes: notes.map(|notes| notes.into_iter().map(Note::new).collect()),
        }
    }
}

/// One page of service requests.
#[derive(Serialize, ToSchema)]
pub struct ServiceRequestPage {
    pub items: Vec<ServiceRequest>,
    /// Pass as `cursor` (with the same `sort`) to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
