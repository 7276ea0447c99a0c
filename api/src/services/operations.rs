//! What operators and orchestrators ask of the service: is the database there, how much mail
//! is waiting.

use tenantry_persistence::{jobs, outbox, StoreError};

use crate::app::state::AppState;
use crate::auth::permit::Permit;

/// The database backend's name, once it answered a query.
pub async fn database_answers(state: &AppState, permit: &Permit) -> Result<&'static str, StoreError> {
    state.read(permit, |conn, _| conn.ping()).await
}

/// Messages to people not yet delivered.
pub async fn outbox_backlog(state: &AppState, permit: &Permit) -> Result<i64, StoreError> {
    state.read(permit, |conn, _| outbox::count_undelivered(conn)).await
}

/// Messages given up: refused for good or out of attempts, until an operator retries them.
pub async fn failed_messages(state: &AppState, permit: &Permit) -> Result<i64, StoreError> {
    state.read(permit, |conn, _| outbox::count_failed(conn)).await
}

/// Background jobs given up for good after their last allowed attempt: for an operator to look at.
pub async fn failed_jobs(state: &AppState, permit: &Permit) -> Result<i64, StoreError> {
    state.read(permit, |conn, _| jobs::count_failed(conn)).await
}
