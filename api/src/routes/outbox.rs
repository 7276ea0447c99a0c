//! The outbox for operators: failed messages, and retrying them.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::pagination::PageRequest;
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::services::outbox::{self as service, OutboxError};
use crate::views::outbox::{DeliveryStatusName, OutboxMessage, OutboxMessagePage};

pub fn configure(table: &mut RouteTable) {
    table.add(__path_list_outbox, list_outbox).add(__path_retry_message, retry_message);
}

impl From<OutboxError> for ApiError {
    fn from(error: OutboxError) -> Self {
        let detail = error.to_string();
        match error {
            OutboxError::Access(denied) => denied.into(),
            OutboxError::NotFound(missing) => missing.into(),
            OutboxError::NotFailed(_) => ApiError::new(ErrorCode::InvalidTransition, detail),
            OutboxError::Store(store) => store.into(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Only messages in this state, e.g. `failed`.
    #[param(inline)]
    pub status: Option<DeliveryStatusName>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

/// Lists messages to people and where each stands (operators).
///
/// Bodies are never shown: a message may carry a temporary password. `?status=failed` lists those refused for good or out of attempts.
#[utoipa::path(get, path = "/v1/outbox", tag = "operations", operation_id = "list_outbox",
    params(OutboxQuery),
    responses((status = 200, description = "A page of messages, oldest first", body = OutboxMessagePage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_outbox(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let page = service::list(&state, &caller, query.status.map(Into::into), page).await?;
    Ok(HttpResponse::Ok().json(OutboxMessagePage::from(page)))
}

/// Tries a failed message again (operators), with all its attempts anew.
///
/// The worker takes it on its next pass.
#[utoipa::path(post, path = "/v1/outbox/{msgid}/retry", tag = "operations", operation_id = "retry_message",
    params(("msgid" = String, Path, description = "Message id")),
    responses(
        (status = 200, description = "Pending again", body = OutboxMessage),
        (status = 409, description = "The message is not failed (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn retry_message(
    state: web::Data<AppState>,
    caller: Caller,
    msgid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service::retry(&state, &caller, msgid.into_inner()).await?))
}
