//! Working a request: status changes, re-grading, taking it, and telling the requester.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::language::Language;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::preferences::Preferences;
use tenantry_domain::service_request::{self as rules, RequestStatus, Severity, Side};
use tenantry_domain::TenantId;
use tenantry_persistence::service_requests::{self as rows, RequestChanges, SubmissionRow};
use tenantry_persistence::{time, users, StoreError};

use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::http::caller::SignedIn;
use crate::http::etag::{IfMatch, PreconditionFailed};
use crate::services::lookup::NotFound;
use crate::services::messages::{self, Recipient, WhatChanged};
use crate::views::service_request::ServiceRequest;
use crate::views::Versioned;

use super::{load, side_of, ServiceRequestError};

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
    tenant_id: TenantId,
    id: String,
    asked: RequestChange,
    if_match: IfMatch,
) -> Result<Versioned<ServiceRequest>, ServiceRequestError> {
    let permit = caller.authorize(&tenant_id, Action::WorkServiceRequests, Target::Tenant)?;
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
        .transact(&permit, move |tx| {
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
                tell_requester(tx, &submission, &id, WhatChanged::Status(to))?;
            }
            if let Some(severity) = regraded {
                tx.audit(
                    AuditAction::ServiceRequestRegraded,
                    subject(),
                    serde_json::json!({"from": current.severity.as_str(), "to": severity.as_str()}),
                )?;
                tell_requester(tx, &submission, &id, WhatChanged::Regraded(severity.as_str()))?;
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
pub(super) fn tell_requester(
    tx: &mut Tx<'_>,
    submission: &SubmissionRow,
    id: &str,
    change: WhatChanged<'_>,
) -> Result<(), StoreError> {
    let mut addresses = vec![(submission.contact_email.clone(), submission.contact_name.clone())];
    // The request's contact reads the language of the person who opened it.
    let mut language = Language::default();
    if let Some(opener) = users::find(tx.conn(), &submission.opened_by_id)? {
        language = Preferences::read(&opener.preferences).language;
        if let Some(own) = opener.contact_email.filter(|own| !own.eq_ignore_ascii_case(&submission.contact_email)) {
            addresses.push((own, opener.display_name));
        }
    }
    for (address, name) in addresses {
        let to = Recipient { contact_email: &address, display_name: &name, sign_in: &address, language };
        tx.send(messages::service_request_changed(&to, &submission.title, id, change, tx.public_url()))?;
    }
    Ok(())
}
