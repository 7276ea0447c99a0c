//! Service requests: opened by a tenant's admins (or a partner acting for the tenant), worked by
//! the operator's support staff, followed up by both through append-only notes. The lifecycle,
//! the deadlines and the severity rules are the domain's (`service_request`).

use chrono::{DateTime, Utc};
use tenantry_domain::audit::AuditAction;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::service_request::{
    self as rules, Category, ContactError, RequestFilter, RequestKind, RequestOrder, RequestStatus, Severity, Side,
    TransitionError,
};
use tenantry_domain::workload::Workload;
use tenantry_domain::EmailAddress;
use tenantry_persistence::service_requests::{
    self as rows, NewHandling, NewNote, RequestChanges, RequestCursor, SubmissionRow,
};
use tenantry_persistence::{time, users, StoreError};

use crate::caller::{AccessDenied, SignedIn};
use crate::etag::{IfMatch, PreconditionFailed};
use crate::ids::new_id;
use crate::services::lookup::{require_tenant, NotFound};
use crate::services::messages::{self, Recipient};
use crate::state::AppState;
use crate::unit_of_work::{Subject, Tx};
use crate::views::service_request::{Note, ServiceRequest};
use crate::views::{Page, Versioned};

/// Why a use case about service requests did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceRequestError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Contact(Vec<ContactError>),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("only support may {0}")]
    SupportOnly(&'static str),
    #[error("support works service requests; a tenant's administrators open them")]
    OpenedByCustomersOnly,
    #[error("this request is closed: open a new one")]
    Closed,
    #[error(transparent)]
    Stale(#[from] PreconditionFailed),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A request as a tenant's admin (or partner) opens it, checked field by field.
pub struct NewRequest {
    pub kind: RequestKind,
    pub category: Category,
    pub workload: Workload,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub contact_name: String,
    pub contact_email: EmailAddress,
    pub contact_phone: Option<String>,
    pub contact_available_24_7: bool,
}

/// Which side of the request the caller is on.
fn side_of(caller: &SignedIn) -> Side {
    if caller.is_operator {
        Side::Support
    } else {
        Side::Customer
    }
}

pub async fn open(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    input: NewRequest,
) -> Result<Versioned<ServiceRequest>, ServiceRequestError> {
    if caller.is_operator {
        return Err(ServiceRequestError::OpenedByCustomersOnly);
    }
    caller.authorize(&tenant_id, Action::WorkServiceRequests, Target::Tenant)?;
    let contact = rules::Contact {
        has_phone: input.contact_phone.as_deref().is_some_and(|phone| !phone.trim().is_empty()),
        reachable_around_the_clock: input.contact_available_24_7,
    };
    let refused = rules::check_contact(input.severity, &contact);
    if !refused.is_empty() {
        return Err(ServiceRequestError::Contact(refused));
    }
    let partner = caller.delegation_in(&tenant_id).and(caller.partner.clone());
    state
        .transact(caller.into(), move |tx| {
            require_tenant::<ServiceRequestError>(tx.conn(), &tenant_id)?;
            let id = new_id();
            let due = time::to_db(rules::first_response_due(tx.now(), input.severity));
            let opener = tx.actor().clone();
            let handling = NewHandling {
                id: &id,
                tenant_id: &tenant_id,
                workload: input.workload.as_str(),
                severity: input.severity.as_str(),
                status: RequestStatus::Open.as_str(),
                partner_id: partner.as_ref().map(|p| p.partner_id.as_str()),
                first_response_due_at: due,
                created_at: tx.stamp(),
                updated_at: tx.stamp(),
            };
            let submission = SubmissionRow {
                request_id: id.clone(),
                kind: input.kind,
                category: input.category,
                title: input.title,
                description: input.description,
                contact_name: input.contact_name,
                contact_email: input.contact_email.to_string(),
                contact_phone: input.contact_phone,
                contact_available_24_7: input.contact_available_24_7,
                opened_by_id: opener.user_id.clone().unwrap_or_default(),
                opened_by_name: opener.name.clone(),
                partner_name: partner.as_ref().map(|p| p.partner_name.clone()),
            };
            rows::insert(tx.conn(), &handling, submission)?;
            tx.audit(
                AuditAction::ServiceRequestOpened,
                Subject::in_tenant(&tenant_id, &id),
                serde_json::json!({"severity": input.severity.as_str(), "workload": input.workload.as_str(),
                    "kind": input.kind.as_str()}),
            )?;
            load(tx, &tenant_id, &id, true)
        })
        .await
}

fn load(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    id: &str,
    with_notes: bool,
) -> Result<Versioned<ServiceRequest>, ServiceRequestError> {
    let row = rows::find(tx.conn(), tenant_id, id)?.ok_or(NotFound("service request"))?;
    let notes = if with_notes { Some(rows::notes(tx.conn(), id)?) } else { None };
    let version = row.0.version;
    Ok(Versioned { view: ServiceRequest::new(row, notes, tx.now()), version })
}

/// How a list is asked for.
pub struct RequestQuery {
    pub filter: RequestFilter,
    pub order: RequestOrder,
    pub cursor: Option<RequestCursor>,
    pub limit: i64,
}

/// A tenant's requests, or with `tenant_id` `None` every tenant's: support's queue (operators).
pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: Option<String>,
    query: RequestQuery,
) -> Result<Page<ServiceRequest>, ServiceRequestError> {
    match &tenant_id {
        Some(tenant_id) => caller.authorize(tenant_id, Action::WorkServiceRequests, Target::Tenant)?,
        None => caller.require_operator()?,
    }
    let now = crate::clock::now();
    state
        .read(move |conn, _| {
            if let Some(tenant_id) = &tenant_id {
                require_tenant::<ServiceRequestError>(conn, tenant_id)?;
            }
            let mut found = rows::list(
                conn,
                tenant_id.as_deref(),
                &query.filter,
                query.order,
                query.cursor.as_ref(),
                query.limit + 1,
            )?;
            let more = found.len() > usize::try_from(query.limit).unwrap_or(usize::MAX);
            found.truncate(usize::try_from(query.limit).unwrap_or(usize::MAX));
            let next_cursor = match (more, found.last()) {
                (true, Some((last, _))) => Some(match query.order {
                    RequestOrder::Newest => RequestCursor::Newest { before_id: last.id.clone() },
                    RequestOrder::Deadline => {
                        RequestCursor::Deadline { after_due: last.first_response_due_at, after_id: last.id.clone() }
                    }
                }),
                _ => None,
            };
            let items = found.into_iter().map(|row| ServiceRequest::new(row, None, now)).collect();
            Ok(Page { items, next_cursor: next_cursor.map(|cursor| encode_cursor(&cursor)) })
        })
        .await
}

/// A cursor carries the sort it belongs to and the sort key of the last item seen.
pub fn encode_cursor(cursor: &RequestCursor) -> String {
    use base64::Engine;
    let text = match cursor {
        RequestCursor::Newest { before_id } => format!("newest|{before_id}"),
        RequestCursor::Deadline { after_due, after_id } => {
            format!("deadline|{}|{after_id}", time::from_db(*after_due).timestamp_micros())
        }
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// The cursor back, if it is one this API gave for this sort.
pub fn decode_cursor(cursor: &str, order: RequestOrder) -> Option<RequestCursor> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let parts: Vec<&str> = text.split('|').collect();
    let id = |raw: &str| uuid::Uuid::parse_str(raw).ok().map(|_| raw.to_owned());
    match (order, parts.as_slice()) {
        (RequestOrder::Newest, ["newest", before]) => Some(RequestCursor::Newest { before_id: id(before)? }),
        (RequestOrder::Deadline, ["deadline", micros, after]) => {
            let due = DateTime::<Utc>::from_timestamp_micros(micros.parse().ok()?)?;
            Some(RequestCursor::Deadline { after_due: time::to_db(due), after_id: id(after)? })
        }
        _ => None,
    }
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    id: String,
) -> Result<Versioned<ServiceRequest>, ServiceRequestError> {
    caller.authorize(&tenant_id, Action::WorkServiceRequests, Target::Tenant)?;
    let now = crate::clock::now();
    state
        .read(move |conn, _| {
            require_tenant::<ServiceRequestError>(conn, &tenant_id)?;
            let row = rows::find(conn, &tenant_id, &id)?.ok_or(NotFound("service request"))?;
            let notes = rows::notes(conn, &id)?;
            let version = row.0.version;
            Ok(Versioned { view: ServiceRequest::new(row, Some(notes), now), version })
        })
        .await
}

/// What a `PATCH` asks for.
#[derive(Debug, Default)]
pub struct RequestChange {
    pub status: Option<RequestStatus>,
    /// Re-grading (support only).
    pub severity: Option<Severity>,
    /// Taking the request: the support person becomes its assignee (support only).
    pub take: bool,
}

pub async fn change(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    id: String,
    asked: RequestChange,
    if_match: IfMatch,
) -> Result<Versioned<ServiceRequest>, ServiceRequestError> {
    caller.authorize(&tenant_id, Action::WorkServiceRequests, Target::Tenant)?;
    let side = side_of(caller);
    if side == Side::Customer {
        if asked.severity.is_some() {
            return Err(ServiceRequestError::SupportOnly("re-grade a request's severity"));
        }
        if asked.take {
            return Err(ServiceRequestError::SupportOnly("take a request"));
        }
    }
    state
        .transact(caller.into(), move |tx| {
            if !rows::lock(tx.conn(), &tenant_id, &id)? {
                return Err(NotFound("service request").into());
            }
            let (current, submission) = rows::find(tx.conn(), &tenant_id, &id)?.ok_or(NotFound("service request"))?;
            if_match.check(current.version)?;
            if current.status == RequestStatus::Closed && (asked.severity.is_some() || asked.take) {
                return Err(ServiceRequestError::Closed);
            }
            let now = tx.now();
            let stamp = tx.stamp();
            let mut changes = RequestChanges::default();
            let status_names;
            if let Some(to) = asked.status.filter(|to| *to != current.status) {
                rules::decide_transition(current.status, to, side, current.resolved_at.map(time::from_db), now)?;
                status_names = to.as_str();
                changes.status = Some(status_names);
                match to {
                    RequestStatus::Resolved => changes.resolved_at = Some(Some(stamp)),
                    RequestStatus::Closed => changes.closed_at = Some(stamp),
                    RequestStatus::InProgress if current.status == RequestStatus::Resolved => {
                        changes.resolved_at = Some(None)
                    }
                    _ => {}
                }
            } else if let Some(to) = asked.status {
                // Asking for the status it already has: refused like any move that is not one.
                rules::decide_transition(current.status, to, side, current.resolved_at.map(time::from_db), now)?;
            }
            let regraded = asked.severity.filter(|severity| *severity != current.severity);
            if let Some(severity) = regraded {
                changes.severity = Some(severity.as_str());
                changes.first_response_due_at =
                    Some(time::to_db(rules::first_response_due(time::from_db(current.created_at), severity)));
            }
            let actor = tx.actor().clone();
            let actor_id = actor.user_id.clone().unwrap_or_default();
            if asked.take {
                changes.assignee_id = Some(&actor_id);
                changes.assignee_name = Some(&actor.name);
            }
            let support_acts = side == Side::Support && (changes.status.is_some() || regraded.is_some() || asked.take);
            if support_acts && current.first_response_at.is_none() {
                changes.first_response_at = Some(stamp);
            }
            let nothing = changes.status.is_none() && regraded.is_none() && !asked.take;
            if nothing {
                return load(tx, &tenant_id, &id, true);
            }
            if !rows::change(tx.conn(), &id, current.version, &changes, stamp)? {
                return Err(PreconditionFailed.into());
            }
            let subject = || Subject::in_tenant(&tenant_id, &id);
            if let Some(to) = changes.status {
                tx.audit(
                    AuditAction::ServiceRequestStatusChanged,
                    subject(),
                    serde_json::json!({"from": current.status.as_str(), "to": to}),
                )?;
                let what = format!("is now {}", to.replace('_', " "));
                tell_requester(tx, &submission, &id, &what)?;
            }
            if let Some(severity) = regraded {
                tx.audit(
                    AuditAction::ServiceRequestRegraded,
                    subject(),
                    serde_json::json!({"from": current.severity.as_str(), "to": severity.as_str()}),
                )?;
                let what = format!("was re-graded to severity {} ({})", severity.as_str(), severity.meaning());
                tell_requester(tx, &submission, &id, &what)?;
            }
            if asked.take {
                tx.audit(AuditAction::ServiceRequestTaken, subject(), serde_json::json!({"assignee": actor.name}))?;
            }
            load(tx, &tenant_id, &id, true)
        })
        .await
}

/// The requester hears of each change: at the request's contact address, and at the address of
/// the person who opened it (a partner's person, when a partner opened it) when it differs.
fn tell_requester(tx: &mut Tx<'_>, submission: &SubmissionRow, id: &str, what: &str) -> Result<(), StoreError> {
    let mut addresses = vec![(submission.contact_email.clone(), submission.contact_name.clone())];
    if let Some(opener) = users::find(tx.conn(), &submission.opened_by_id)? {
        if let Some(own) = opener.contact_email.filter(|own| !own.eq_ignore_ascii_case(&submission.contact_email)) {
            addresses.push((own, opener.display_name));
        }
    }
    for (address, name) in addresses {
        let to = Recipient { contact_email: &address, display_name: &name, sign_in: &address };
        tx.send(messages::service_request_changed(&to, &submission.title, id, what, tx.public_url()))?;
    }
    Ok(())
}

/// Adds a note. A note from the customer's side on a request waiting for it puts it back in
/// support's hands; a first note from support is its first response.
pub async fn add_note(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    id: String,
    body: String,
) -> Result<Note, ServiceRequestError> {
    caller.authorize(&tenant_id, Action::WorkServiceRequests, Target::Tenant)?;
    let side = side_of(caller);
    let partner = caller.delegation_in(&tenant_id).and(caller.partner.clone());
    state
        .transact(caller.into(), move |tx| {
            if !rows::lock(tx.conn(), &tenant_id, &id)? {
                return Err(NotFound("service request").into());
            }
            let (current, submission) = rows::find(tx.conn(), &tenant_id, &id)?.ok_or(NotFound("service request"))?;
            if current.status == RequestStatus::Closed {
                return Err(ServiceRequestError::Closed);
            }
            let note_id = new_id();
            let actor = tx.actor().clone();
            let author_side = match (side, &partner) {
                (Side::Support, _) => "support",
                (Side::Customer, Some(_)) => "partner",
                (Side::Customer, None) => "customer",
            };
            let stamp = tx.stamp();
            rows::add_note(
                tx.conn(),
                &NewNote {
                    id: &note_id,
                    request_id: &id,
                    author_id: actor.user_id.as_deref().unwrap_or_default(),
                    author_name: &actor.name,
                    author_side,
                    partner_id: partner.as_ref().map(|p| p.partner_id.as_str()),
                    body: &body,
                    created_at: stamp,
                },
            )?;
            let mut changes = RequestChanges::default();
            if side == Side::Support && current.first_response_at.is_none() {
                changes.first_response_at = Some(stamp);
            }
            let answered = side == Side::Customer && current.status == RequestStatus::WaitingOnCustomer;
            if answered {
                changes.status = Some(RequestStatus::InProgress.as_str());
            }
            // A note changes what reading the request shows: its version (ETag) moves on too.
            if !rows::change(tx.conn(), &id, current.version, &changes, stamp)? {
                return Err(StoreError::LostRace(format!("service request {id} changed meanwhile")).into());
            }
            tx.audit(
                AuditAction::ServiceRequestNoteAdded,
                Subject::in_tenant(&tenant_id, &id),
                serde_json::json!({"note_id": note_id, "author_side": author_side}),
            )?;
            if answered {
                tx.audit(
                    AuditAction::ServiceRequestStatusChanged,
                    Subject::in_tenant(&tenant_id, &id),
                    serde_json::json!({"from": current.status.as_str(), "to": RequestStatus::InProgress.as_str()}),
                )?;
                tell_requester(tx, &submission, &id, "is now in progress")?;
            }
            let note =
                rows::notes(tx.conn(), &id)?.into_iter().find(|note| note.id == note_id).ok_or(NotFound("note"))?;
            Ok(Note::new(note))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_carry_their_sort_and_key() {
        let deadline = RequestCursor::Deadline {
            after_due: time::to_db(DateTime::<Utc>::from_timestamp_micros(1_790_000_000_123_456).unwrap_or_default()),
            after_id: "019a0000-0000-7000-8000-000000000001".to_owned(),
        };
        let encoded = encode_cursor(&deadline);
        assert_eq!(decode_cursor(&encoded, RequestOrder::Deadline), Some(deadline));
        assert_eq!(decode_cursor(&encoded, RequestOrder::Newest), None, "a cursor of another sort is refused");
        let newest = RequestCursor::Newest { before_id: "019a0000-0000-7000-8000-000000000002".to_owned() };
        assert_eq!(decode_cursor(&encode_cursor(&newest), RequestOrder::Newest), Some(newest));
        assert_eq!(decode_cursor("garbage", RequestOrder::Newest), None);
    }
}
