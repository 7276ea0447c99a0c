//! The message centre: the operator posts to all tenants or some; a tenant's admins and its
//! partners read them, each with marks of their own (read, archived, flagged). Feedback from
//! anyone signed in is kept with its context.

use std::collections::HashMap;
use tenantry_domain::limits::{Rate, RateReached};
use tenantry_domain::TenantId;

use chrono::{DateTime, Utc};
use tenantry_domain::audit::AuditAction;
use tenantry_domain::permissions::{Action, Target};
use tenantry_persistence::feedback::{self as feedback_rows, FeedbackRow};
use tenantry_persistence::message_centre::{self as rows, ArchivedBy, MessageRow};
use tenantry_persistence::{tenants, time, StoreError};

use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::services::lookup::{require_tenant, NotFound};
use crate::services::rates;
use crate::views::message_centre::{CentreMessage, Feedback, Marks, MessageCategory, MessageSeverity};
use crate::views::Page;

#[derive(Debug, thiserror::Error)]
pub enum MessageCentreError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error("no tenant {0}")]
    UnknownTenant(String),
    #[error("name the tenants, or post to all tenants")]
    NoTenant,
    #[error(transparent)]
    Rate(#[from] RateReached),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct NewMessage {
    pub category: MessageCategory,
    pub severity: MessageSeverity,
    pub title: String,
    pub body: String,
    pub action_required_by: Option<DateTime<Utc>>,
    pub all_tenants: bool,
    pub tenant_ids: Vec<String>,
}

pub async fn post(state: &AppState, caller: &SignedIn, input: NewMessage) -> Result<CentreMessage, MessageCentreError> {
    let permit = caller.require_operator()?;
    if !input.all_tenants && input.tenant_ids.is_empty() {
        return Err(MessageCentreError::NoTenant);
    }
    state
        .transact(&permit, move |tx| {
            for tenant_id in &input.tenant_ids {
                if tenants::find(tx.conn(), tenant_id)?.is_none() {
                    return Err(MessageCentreError::UnknownTenant(tenant_id.clone()));
                }
            }
            let tenant_ids = if input.all_tenants { Vec::new() } else { input.tenant_ids };
            let row = MessageRow {
                id: new_id(),
                category: input.category.as_str().to_owned(),
                severity: input.severity.as_str().to_owned(),
                title: input.title,
                body: input.body,
                action_required_by: input.action_required_by.map(time::to_db),
                all_tenants: input.all_tenants,
                created_at: tx.stamp(),
            };
            rows::post(tx.conn(), &row, &tenant_ids)?;
            tx.audit(
                AuditAction::CentreMessagePosted,
                Subject::platform(&row.id),
                serde_json::json!({"title": row.title, "all_tenants": row.all_tenants, "tenant_ids": tenant_ids}),
            )?;
            Ok(CentreMessage::new(row, tenant_ids, None))
        })
        .await
}

/// Every message, newest first (operators).
pub async fn list_all(
    state: &AppState,
    caller: &SignedIn,
    page: PageRequest,
) -> Result<Page<CentreMessage>, MessageCentreError> {
    let permit = caller.require_operator()?;
    state
        .read(&permit, move |conn, _| {
            let found = rows::list(conn, None, None, page.after.as_deref(), page.fetch_limit())?;
            let (found, next_cursor) = page.finish(found, |row| row.id.as_str());
            let mut items = Vec::with_capacity(found.len());
            for row in found {
                let tenant_ids = rows::tenants_of(conn, &row.id)?;
                items.push(CentreMessage::new(row, tenant_ids, None));
            }
            Ok(Page { items, next_cursor })
        })
        .await
}

/// The tenant's messages with the caller's own marks, newest first; `archived` keeps only the
/// archived ones (`Some(true)`) or only the others (`Some(false)`).
pub async fn list_for_tenant(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    archived: Option<bool>,
    page: PageRequest,
) -> Result<Page<CentreMessage>, MessageCentreError> {
    let permit = caller.authorize(&tenant_id, Action::ReadServiceHealth, Target::Tenant)?;
    let reader = caller.user_id.clone();
    state
        .read(&permit, move |conn, _| {
            require_tenant::<MessageCentreError>(conn, &tenant_id)?;
            let archived_by = archived.map(|archived| ArchivedBy { reader_id: &reader, archived });
            let found = rows::list(conn, Some(&tenant_id), archived_by, page.after.as_deref(), page.fetch_limit())?;
            let (found, next_cursor) = page.finish(found, |row| row.id.as_str());
            let ids: Vec<String> = found.iter().map(|row| row.id.clone()).collect();
            let marks: HashMap<String, _> =
                rows::marks_of(conn, &reader, &ids)?.into_iter().map(|m| (m.message_id.clone(), m)).collect();
            let items = found
                .into_iter()
                .map(|row| {
                    let own = Marks::from(marks.get(&row.id));
                    CentreMessage::new(row, Vec::new(), Some(own))
                })
                .collect();
            Ok(Page { items, next_cursor })
        })
        .await
}

/// What the caller marks a message: absent fields stay as they were.
pub struct MarksChange {
    pub read: Option<bool>,
    pub archived: Option<bool>,
    pub flagged: Option<bool>,
}

pub async fn mark(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    message_id: String,
    change: MarksChange,
) -> Result<CentreMessage, MessageCentreError> {
    let permit = caller.authorize(&tenant_id, Action::ReadServiceHealth, Target::Tenant)?;
    let reader = caller.user_id.clone();
    // A person's own marks, like a preference: not a change to the tenant, not audited.
    state
        .transact(&permit, move |tx| {
            let message = rows::find_for_tenant(tx.conn(), &tenant_id, &message_id)?.ok_or(NotFound("message"))?;
            rows::lock(tx.conn(), &message_id)?;
            let current = rows::marks_of(tx.conn(), &reader, std::slice::from_ref(&message_id))?.into_iter().next();
            let stamp = tx.stamp();
            let keep = |wanted: Option<bool>, at: Option<chrono::NaiveDateTime>| match wanted {
                Some(true) => Some(at.unwrap_or(stamp)),
                Some(false) => None,
                None => at,
            };
            let read_at = keep(change.read, current.as_ref().and_then(|m| m.read_at));
            let archived_at = keep(change.archived, current.as_ref().and_then(|m| m.archived_at));
            let flagged = change.flagged.unwrap_or_else(|| current.as_ref().is_some_and(|m| m.flagged));
            rows::set_marks(tx.conn(), &message_id, &reader, read_at, archived_at, flagged)?;
            let marks = Marks { read: read_at.is_some(), archived: archived_at.is_some(), flagged };
            Ok(CentreMessage::new(message, Vec::new(), Some(marks)))
        })
        .await
}

pub struct NewFeedback {
    pub screen: String,
    pub message: String,
    pub rating: Option<i32>,
}

/// Keeps a person's (or an API client's) feedback with who sent it, from where, and when.
pub async fn send_feedback(
    state: &AppState,
    caller: &SignedIn,
    input: NewFeedback,
) -> Result<Feedback, MessageCentreError> {
    let permit = caller.anyone_signed_in();
    let tenant_id = caller.tenant_id.clone();
    let partner_id = caller.partner.as_ref().map(|p| p.partner_id.clone());
    state
        .transact(&permit, move |tx| {
            let author = tx.actor().user_id.clone().unwrap_or_default();
            rates::admit::<MessageCentreError>(tx, Rate::FeedbackPerPerson, &author)?;
            let row = FeedbackRow {
                id: new_id(),
                author_id: tx.actor().user_id.clone().unwrap_or_default(),
                author_name: tx.actor().name.clone(),
                tenant_id,
                partner_id,
                screen: input.screen,
                message: input.message,
                rating: input.rating,
                created_at: tx.stamp(),
            };
            feedback_rows::insert(tx.conn(), &row)?;
            Ok(Feedback::from(row))
        })
        .await
}

pub async fn list_feedback(
    state: &AppState,
    caller: &SignedIn,
    page: PageRequest,
) -> Result<Page<Feedback>, MessageCentreError> {
    let permit = caller.require_operator()?;
    state
        .read(&permit, move |conn, _| {
            let found = feedback_rows::list(conn, page.after.as_deref(), page.fetch_limit())?;
            let (found, next_cursor) = page.finish(found, |row| row.id.as_str());
            Ok(Page { items: found.into_iter().map(Feedback::from).collect(), next_cursor })
        })
        .await
}
