//! Notes on a request: append-only, from the customer's side, a partner or support.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::TenantId;

use crate::services::messages::WhatChanged;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::service_request::{RequestStatus, Side};
use tenantry_persistence::service_requests::{self as rows, NewNote, RequestChanges};
use tenantry_persistence::StoreError;

use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::http::caller::SignedIn;
use crate::runtime::ids::new_id;
use crate::services::lookup::NotFound;
use crate::views::service_request::Note;

use super::handling::tell_requester;
use super::{side_of, ServiceRequestError};

/// Adds a note. A note from the customer's side on a request waiting for it puts it back in
/// support's hands; a first note from support is its first response.
pub async fn add_note(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    id: String,
    body: String,
) -> Result<Note, ServiceRequestError> {
    let permit = caller.authorize(&tenant_id, Action::WorkServiceRequests, Target::Tenant)?;
    let side = side_of(caller);
    let partner = caller.delegation_in(&tenant_id).and(caller.partner.clone());
    state
        .transact(&permit, move |tx| {
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
                tell_requester(tx, &submission, &id, WhatChanged::Status("in_progress"))?;
            }
            let note =
                rows::notes(tx.conn(), &id)?.into_iter().find(|note| note.id == note_id).ok_or(NotFound("note"))?;
            Ok(Note::new(note))
        })
        .await
}
