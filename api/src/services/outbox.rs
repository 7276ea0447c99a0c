//! The outbox for operators: which messages failed, and trying one again.

use tenantry_persistence::outbox::{self, DeliveryStatus};
use tenantry_persistence::StoreError;

use super::lookup::NotFound;
use crate::app::state::AppState;
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::pagination::PageRequest;
use crate::views::outbox::OutboxMessage;
use crate::views::Page;

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error("only a failed message can be retried; this one is {0}")]
    NotFailed(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    status: Option<DeliveryStatus>,
    page: PageRequest,
) -> Result<Page<OutboxMessage>, OutboxError> {
    let permit = caller.require_operator()?;
    state
        .read(&permit, move |conn, _| {
            let rows = outbox::list(conn, status, page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            Ok(Page { items: rows.iter().map(OutboxMessage::from).collect(), next_cursor })
        })
        .await
}

/// Tries a failed message again, with every attempt anew, from the next pass of the worker.
pub async fn retry(state: &AppState, caller: &SignedIn, id: String) -> Result<OutboxMessage, OutboxError> {
    let permit = caller.require_operator()?;
    state
        .transact(&permit, move |tx| {
            let row = outbox::find(tx.conn(), &id)?.ok_or(NotFound("message"))?;
            let stamp = tx.stamp();
            if !outbox::retry_failed(tx.conn(), &row.id, stamp)? {
                let now = if row.delivered_at.is_some() { "delivered" } else { "still pending" };
                return Err(OutboxError::NotFailed(now));
            }
            let row = outbox::find(tx.conn(), &id)?.ok_or(NotFound("message"))?;
            Ok(OutboxMessage::from(&row))
        })
        .await
}
