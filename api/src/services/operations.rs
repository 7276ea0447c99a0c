//! What operators and orchestrators ask of the service: is the database there, how much mail
//! is waiting.

use tenantry_persistence::{jobs, outbox, StoreError};

use crate::app::state::AppState;

/// The database backend's name, once it answered a query.
pub async fn database_answers(state: &AppState) -> Result<&'static str, StoreError> {
    state.read(|conn, _| conn.ping()).await
}

/// Messages to people not yet delivered.
pub async fn outbox_backlog(state: &AppState) -> Result<i64, StoreError> {
    state.read(|conn, _| outbox::count_undelivered(conn)).await
}

/// Messages given up: refused for good or out of attempts, until an operator retries them.
pub async fn failed_messages(state: &AppState) -> Result<i64, StoreError> {
    state.read(|conn, _| outbox::count_failed(conn)).await
}

/// Background jobs given up for good after their last allowed attempt: for an operator to look at.
pub async fn failed_jobs(state: &AppState) -> Result<i64, StoreError> {
    state.read(|conn, _| jobs::count_failed(conn)).await
}
