//! The message centre and feedback.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::pagination::PageQuery;
use crate::http::pagination::PageRequest;
use crate::http::problem::{ApiError, Problem};
use crate::http::validation::{distinct_ids, free_text, one_line_text, optional_whole_number, FieldCheck};
use crate::services::message_centre::{self as service, MarksChange, MessageCentreError, NewFeedback, NewMessage};
use crate::views::message_centre::{
    CentreMessage, CentreMessagePage, Feedback, FeedbackPage, MessageCategory, MessageSeverity,
};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_list_messages, list_messages)
        .add(__path_post, post)
        .add(__path_tenant_messages, tenant_messages)
        .add(__path_mark, mark)
        .add(__path_list_feedback, list_feedback)
        .add(__path_send_feedback, send_feedback);
}

impl From<MessageCentreError> for ApiError {
    fn from(error: MessageCentreError) -> Self {
        let detail = error.to_string();
        match error {
            MessageCentreError::Access(denied) => denied.into(),
            MessageCentreError::NotFound(missing) => missing.into(),
            MessageCentreError::UnknownTenant(_) | MessageCentreError::NoTenant => {
                ApiError::invalid_field("tenant_ids", detail)
            }
            MessageCentreError::Rate(reached) => ApiError::rate_limited(reached),
            MessageCentreError::Store(store) => store.into(),
        }
    }
}

/// A message to post.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"category": "plan_for_change", "severity": "high", "title": "Older mail clients will stop connecting",
    "body": "From 1 March, mail clients that use basic authentication stop connecting.",
    "action_required_by": "2027-03-01T00:00:00Z", "all_tenants": true}))]
pub struct PostMessageBody {
    pub category: MessageCategory,
    pub severity: MessageSeverity,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
    /// The date by which tenants must act, if they must.
    pub action_required_by: Option<DateTime<Utc>>,
    /// Every tenant; otherwise list them in `tenant_ids`.
    #[serde(default)]
    pub all_tenants: bool,
    /// The tenants it is for, each once: a repeated id is refused.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub tenant_ids: Vec<String>,
}

/// The caller's own marks; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"read": true, "flagged": true}))]
pub struct MarksBody {
    pub read: Option<bool>,
    pub archived: Option<bool>,
    pub flagged: Option<bool>,
}

/// Feedback on a screen or an operation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"screen": "customers", "message": "Searching by domain is great.", "rating": 5}))]
pub struct FeedbackBody {
    /// The screen or operation it is about (e.g. `customers`, `service-requests`).
    #[schema(min_length = 1, max_length = 100)]
    pub screen: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub message: String,
    /// 1 to 5.
    #[serde(default, deserialize_with = "optional_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 5)]
    pub rating: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TenantMessagesQuery {
    /// `true`: only the messages you archived; `false`: only the others; absent: all.
    pub archived: Option<bool>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

/// Posts a message to the message centre (operators).
///
/// To every tenant, or to the tenants listed; their admins and partners read it.
#[utoipa::path(post, path = "/v1/messages", tag = "support", operation_id = "post_message",
    request_body = PostMessageBody,
    responses(
        (status = 201, description = "Posted", body = CentreMessage, headers(("Location" = String, description = "The messages"))),
        (status = 422, description = "No tenant named, or an unknown tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn post(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<PostMessageBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut check = FieldCheck::default();
    let title = check.check("title", one_line_text(&body.title, 200));
    let message = check.check("body", free_text(&body.body, 10000));
    let tenant_ids = distinct_ids(&mut check, "tenant_ids", &body.tenant_ids, 1000);
    let input = check.finish(|| {
        Some(NewMessage {
            category: body.category,
            severity: body.severity,
            title: title?,
            body: message?,
            action_required_by: body.action_required_by,
            all_tenants: body.all_tenants,
            tenant_ids,
        })
    })?;
    let posted = service::post(&state, &caller, input).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, "/v1/messages")).json(posted))
}

/// Lists every message of the message centre (operators).
///
/// Newest first, with the tenants each was posted to.
#[utoipa::path(get, path = "/v1/messages", tag = "support", operation_id = "list_messages",
    params(PageQuery),
    responses((status = 200, description = "A page of messages", body = CentreMessagePage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_messages(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list_all(&state, &caller, query.page()?).await?;
    Ok(HttpResponse::Ok().json(CentreMessagePage { items: page.items, next_cursor: page.next_cursor }))
}

/// The tenant's messages, newest first, each with your own marks (read, archived, flagged).
///
/// A tenant's admins, its partners and support read them; one reader's marks change nothing another sees.
#[utoipa::path(get, path = "/v1/tenants/{tid}/messages", tag = "support", operation_id = "list_tenant_messages",
    params(("tid" = String, Path, description = "Tenant id"), TenantMessagesQuery),
    responses((status = 200, description = "A page of messages", body = CentreMessagePage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn tenant_messages(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    query: web::Query<TenantMessagesQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let page = service::list_for_tenant(&state, &caller, tid.into_inner().into(), query.archived, page).await?;
    Ok(HttpResponse::Ok().json(CentreMessagePage { items: page.items, next_cursor: page.next_cursor }))
}

/// Sets your own marks on a message: read, archived, flagged.
///
/// Marks are each reader's own: no one else's view of the message changes.
#[utoipa::path(put, path = "/v1/tenants/{tid}/messages/{mid}/marks", tag = "support", operation_id = "mark_message",
    params(("tid" = String, Path, description = "Tenant id"), ("mid" = String, Path, description = "Message id")),
    request_body = MarksBody,
    responses((status = 200, description = "The message with your marks", body = CentreMessage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn mark(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<MarksBody>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, message_id) = path.into_inner();
    let change = MarksChange { read: body.read, archived: body.archived, flagged: body.flagged };
    Ok(HttpResponse::Ok().json(service::mark(&state, &caller, tenant_id.into(), message_id, change).await?))
}

/// Sends feedback about a screen or an operation (anyone signed in).
///
/// Kept with who sent it, their tenant or partner, and when.
#[utoipa::path(post, path = "/v1/feedback", tag = "support", operation_id = "send_feedback",
    request_body = FeedbackBody,
    responses(
        (status = 201, description = "Kept", body = Feedback),
        (status = 429, description = "You sent 10 within the last hour (`rate_limited`)",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn send_feedback(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<FeedbackBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut check = FieldCheck::default();
    let screen = check.check("screen", one_line_text(&body.screen, 100));
    let message = check.check("message", free_text(&body.message, 5000));
    let rating = match body.rating {
        None => Some(None),
        Some(r) if (1..=5).contains(&r) => Some(i32::try_from(r).ok()),
        Some(_) => {
            check.fail("rating", "a rating is 1 to 5");
            None
        }
    };
    let input = check.finish(|| Some(NewFeedback { screen: screen?, message: message?, rating: rating? }))?;
    Ok(HttpResponse::Created().json(service::send_feedback(&state, &caller, input).await?))
}

/// Lists feedback (operators).
///
/// Newest first, with who sent it and from where.
#[utoipa::path(get, path = "/v1/feedback", tag = "support", operation_id = "list_feedback",
    params(PageQuery),
    responses((status = 200, description = "A page of feedback", body = FeedbackPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_feedback(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list_feedback(&state, &caller, query.page()?).await?;
    Ok(HttpResponse::Ok().json(FeedbackPage { items: page.items, next_cursor: page.next_cursor }))
}
