//! Service requests: opened by a tenant's admins (or a partner acting for the tenant), worked by
//! the operator's support staff, followed up by both through append-only notes. The lifecycle,
//! the deadlines and the severity rules are the domain's (`service_request`).

use tenantry_domain::audit::AuditAction;
use tenantry_domain::limits::{Rate, RateReached};
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::service_request::{
    self as rules, Category, ContactError, RequestFilter, RequestKind, RequestOrder, RequestStatus, Severity, Side,
    TransitionError,
};
use tenantry_domain::workload::Workload;
use tenantry_domain::EmailAddress;
use tenantry_domain::TenantId;
use tenantry_persistence::service_requests::{self as rows, NewHandling, RequestCursor, SubmissionRow};
use tenantry_persistence::{time, StoreError};

use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::etag::{etag, PreconditionFailed};
use crate::http::idempotency::Idempotent;
use crate::http::idempotency::{self, KeyReused, Outcome, Replayable};
use crate::runtime::ids::new_id;
use crate::services::lookup::{require_tenant, NotFound};
use crate::services::rates;
use crate::views::service_request::ServiceRequest;
use crate::views::{Page, Versioned};
mod cursor;
mod handling;
mod notes;

pub use cursor::{decode_cursor, encode_cursor};
pub use handling::{change, RequestChange};
pub use notes::add_note;

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
    Rate(#[from] RateReached),
    #[error(transparent)]
    KeyReused(#[from] KeyReused),
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
pub(super) fn side_of(caller: &SignedIn) -> Side {
    if caller.is_operator {
        Side::Support
    } else {
        Side::Customer
    }
}

pub async fn open(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    input: NewRequest,
    request: Idempotent,
) -> Result<Replayable, ServiceRequestError> {
    if caller.is_operator {
        return Err(ServiceRequestError::OpenedByCustomersOnly);
    }
    let permit = caller.authorize(&tenant_id, Action::WorkServiceRequests, Target::Tenant)?;
    let contact = rules::Contact {
        has_phone: input.contact_phone.as_deref().is_some_and(|phone| !phone.trim().is_empty()),
        reachable_around_the_clock: input.contact_available_24_7,
    };
    let refused = rules::check_contact(input.severity, &contact);
    if !refused.is_empty() {
        return Err(ServiceRequestError::Contact(refused));
    }
    let partner = caller.delegation_in(&tenant_id).and(caller.partner.clone());
    // A retry with the same key and body answers as the first did, and opens nothing more.
    idempotency::run_once(state, &permit, request.key, request.fingerprint, move |tx| {
        require_tenant::<ServiceRequestError>(tx.conn(), &tenant_id)?;
        // Counted per tenant, its admins and partners together: support works each one. A
        // critical one (severity A, services down) is never refused for volume.
        if input.severity != rules::Severity::A {
            rates::admit::<ServiceRequestError>(tx, Rate::ServiceRequestsPerTenant, &tenant_id)?;
        }
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
        let opened = load(tx, &tenant_id, &id, true)?;
        Ok(Replayable {
            outcome: Outcome::Created,
            body: serde_json::to_value(&opened.view).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            location: Some(format!("/v1/tenants/{tenant_id}/service-requests/{id}")),
            etag: Some(etag(opened.version)),
            replayed: false,
        })
    })
    .await
}

pub(super) fn load(
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
    let permit = match &tenant_id {
        Some(tenant_id) => caller.authorize(tenant_id, Action::WorkServiceRequests, Target::Tenant)?,
        None => caller.require_operator()?,
    };
    let now = crate::runtime::clock::now();
    state
        .read(&permit, move |conn, _| {
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

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    id: String,
) -> Result<Versioned<ServiceRequest>, ServiceRequestError> {
    let permit = caller.authorize(&tenant_id, Action::WorkServiceRequests, Target::Tenant)?;
    let now = crate::runtime::clock::now();
    state
        .read(&permit, move |conn, _| {
            require_tenant::<ServiceRequestError>(conn, &tenant_id)?;
            let row = rows::find(conn, &tenant_id, &id)?.ok_or(NotFound("service request"))?;
            let notes = rows::notes(conn, &id)?;
            let version = row.0.version;
            Ok(Versioned { view: ServiceRequest::new(row, Some(notes), now), version })
        })
        .await
}
