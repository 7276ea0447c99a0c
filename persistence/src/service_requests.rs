//! Service requests and their append-only notes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::service_request::{Category, RequestFilter, RequestKind, RequestOrder, RequestStatus, Severity};

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{lower, service_request_notes, service_request_submissions, service_requests};
use crate::tenants::contains_pattern;

/// A request's handling: where it stands, who works it, its deadline.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = service_requests)]
pub struct HandlingRow {
    pub id: String,
    pub tenant_id: String,
    pub workload: String,
    #[diesel(deserialize_as = String)]
    pub severity: Severity,
    #[diesel(deserialize_as = String)]
    pub status: RequestStatus,
    pub partner_id: Option<String>,
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    pub first_response_due_at: NaiveDateTime,
    pub first_response_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// The request as it was opened, which never changes.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_request_submissions)]
pub struct SubmissionRow {
    pub request_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: RequestKind,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub category: Category,
    pub title: String,
    pub description: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub contact_available_24_7: bool,
    pub opened_by_id: String,
    pub opened_by_name: String,
    pub partner_name: Option<String>,
}

/// A whole request: as opened, and as handled since.
pub type ServiceRequestRow = (HandlingRow, SubmissionRow);

#[derive(Debug, Insertable)]
#[diesel(table_name = service_requests)]
pub struct NewHandling<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub workload: &'a str,
    pub severity: &'a str,
    pub status: &'a str,
    pub partner_id: Option<&'a str>,
    pub first_response_due_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, handling: &NewHandling<'_>, submission: SubmissionRow) -> StoreResult<()> {
    diesel::insert_into(service_requests::table).values(handling).execute(conn)?;
    diesel::insert_into(service_request_submissions::table).values(submission).execute(conn)?;
    Ok(())
}

/// A request of the tenant; `None` for anyone else's.
pub fn find(conn: &mut DbConnection, tenant_id: &str, id: &str) -> StoreResult<Option<ServiceRequestRow>> {
    Ok(service_requests::table
        .inner_join(service_request_submissions::table)
        .filter(service_requests::id.eq(id))
        .filter(service_requests::tenant_id.eq(tenant_id))
        .select((HandlingRow::as_select(), SubmissionRow::as_select()))
        .first(conn)
        .optional()?)
}

/// Where the previous page ended, in the list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestCursor {
    Newest { before_id: String },
    Deadline { after_due: NaiveDateTime, after_id: String },
}

/// One page of a tenant's requests, or of every tenant's (`tenant_id` `None`: support's queue).
pub fn list(
    conn: &mut DbConnection,
    tenant_id: Option<&str>,
    filter: &RequestFilter,
    order: RequestOrder,
    cursor: Option<&RequestCursor>,
    limit: i64,
) -> StoreResult<Vec<ServiceRequestRow>> {
    let mut query = service_requests::table
        .inner_join(service_request_submissions::table)
        .select((HandlingRow::as_select(), SubmissionRow::as_select()))
        .into_boxed();
    if let Some(tenant_id) = tenant_id {
        query = query.filter(service_requests::tenant_id.eq(tenant_id.to_owned()));
    }
    if !filter.statuses.is_empty() {
        let names: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        query = query.filter(service_requests::status.eq_any(names));
    }
    if let Some(severity) = filter.severity {
        query = query.filter(service_requests::severity.eq(severity.as_str()));
    }
    if let Some(workload) = filter.workload {
        query = query.filter(service_requests::workload.eq(workload.as_str()));
    }
    if let Some(text) = &filter.text {
        let pattern = contains_pattern(text);
        query = query.filter(
            lower(service_request_submissions::title).like(pattern.clone()).escape('\\').or(lower(
                service_request_submissions::description,
            )
            .like(pattern)
            .escape('\\')),
        );
    }
    query = match cursor {
        Some(RequestCursor::Newest { before_id }) => query.filter(service_requests::id.lt(before_id.clone())),
        Some(RequestCursor::Deadline { after_due, after_id }) => {
            query.filter(service_requests::first_response_due_at.gt(*after_due).or(
                service_requests::first_response_due_at.eq(*after_due).and(service_requests::id.gt(after_id.clone())),
            ))
        }
        None => query,
    };
    let query = match order {
        RequestOrder::Newest => query.order(service_requests::id.desc()),
        RequestOrder::Deadline => {
            query.order((service_requests::first_response_due_at.asc(), service_requests::id.asc()))
        }
    };
    Ok(query.limit(limit).load(conn)?)
}

/// Takes the request's row lock until the transaction ends, so that changes and notes to one
/// request queue behind each other instead of failing on its version. On PostgreSQL the no-op
/// update locks the row; SQLite's write transactions are serialised already.
pub fn lock(conn: &mut DbConnection, tenant_id: &str, id: &str) -> StoreResult<bool> {
    let locked = diesel::update(service_requests::table.find(id).filter(service_requests::tenant_id.eq(tenant_id)))
        .set(service_requests::id.eq(service_requests::id))
        .execute(conn)?;
    Ok(locked == 1)
}

/// What a change sets; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = service_requests)]
pub struct RequestChanges<'a> {
    pub status: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub first_response_due_at: Option<NaiveDateTime>,
    pub first_response_at: Option<NaiveDateTime>,
    pub assignee_id: Option<&'a str>,
    pub assignee_name: Option<&'a str>,
    pub resolved_at: Option<Option<NaiveDateTime>>,
    pub closed_at: Option<NaiveDateTime>,
}

/// Applies a change if the request is still at `expected_version`; false when it moved on.
pub fn change(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
    changes: &RequestChanges<'_>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let changed =
        diesel::update(service_requests::table.find(id).filter(service_requests::version.eq(expected_version)))
            .set((
                changes,
                service_requests::updated_at.eq(now),
                service_requests::version.eq(service_requests::version + 1),
            ))
            .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = service_request_notes)]
pub struct NoteRow {
    pub id: String,
    pub request_id: String,
    pub author_id: String,
    pub author_name: String,
    pub author_side: String,
    pub partner_id: Option<String>,
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = service_request_notes)]
pub struct NewNote<'a> {
    pub id: &'a str,
    pub request_id: &'a str,
    pub author_id: &'a str,
    pub author_name: &'a str,
    pub author_side: &'a str,
    pub partner_id: Option<&'a str>,
    pub body: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn add_note(conn: &mut DbConnection, note: &NewNote<'_>) -> StoreResult<()> {
    diesel::insert_into(service_request_notes::table).values(note).execute(conn)?;
    Ok(())
}

/// A request's notes, oldest first.
pub fn notes(conn: &mut DbConnection, request_id: &str) -> StoreResult<Vec<NoteRow>> {
    Ok(service_request_notes::table
        .filter(service_request_notes::request_id.eq(request_id))
        .order(service_request_notes::id.asc())
        .select(NoteRow::as_select())
        .load(conn)?)
}
