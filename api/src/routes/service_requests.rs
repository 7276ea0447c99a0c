//! Service requests: opened by a tenant's admins or partners, worked by support.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use tenantry_domain::service_request::{RequestFilter, RequestOrder, RequestStatus, TransitionError};
use tenantry_domain::user::DisplayName;
use tenantry_domain::workload::Workload;
use tenantry_domain::EmailAddress;
use utoipa::{IntoParams, ToSchema};

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::etag::{with_etag, IfMatch, IfMatchHeader};
use crate::http::idempotency::Idempotent;
use crate::http::idempotency::{fingerprint, IdempotencyHeader, IdempotencyKey};
use crate::http::pagination::PageRequest;
use crate::http::problem::{ApiError, ErrorCode, FieldError, Problem};
use crate::http::validation::{bounded_query, free_text, one_line_text, FieldCheck};
use crate::services::service_requests::{
    self as service, decode_cursor, NewRequest, RequestChange, RequestQuery, ServiceRequestError,
};
use crate::views::service_request::{
    CategoryName, Contact, KindName, Note, RequestStatusName, ServiceRequest, ServiceRequestPage, SeverityName,
};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_list_requests, list_requests)
        .add(__path_open_request, open_request)
        .add(__path_get_request, get_request)
        .add(__path_change_request, change_request)
        .add(__path_add_note, add_note)
        .add(__path_support_queue, support_queue);
}

impl From<ServiceRequestError> for ApiError {
    fn from(error: ServiceRequestError) -> Self {
        let detail = error.to_string();
        match error {
            ServiceRequestError::Access(denied) => denied.into(),
            ServiceRequestError::NotFound(missing) => missing.into(),
            ServiceRequestError::Contact(refused) => {
                ApiError::invalid(refused.iter().map(|e| FieldError::new(e.field(), e)).collect())
            }
            ServiceRequestError::Transition(TransitionError::SupportOnly { .. })
            | ServiceRequestError::SupportOnly(_)
            | ServiceRequestError::OpenedByCustomersOnly => ApiError::forbidden(detail),
            ServiceRequestError::Transition(_) | ServiceRequestError::Closed => {
                ApiError::new(ErrorCode::InvalidTransition, detail)
            }
            ServiceRequestError::Stale(stale) => stale.into(),
            ServiceRequestError::Rate(reached) => ApiError::rate_limited(reached),
            ServiceRequestError::KeyReused(reused) => reused.into(),
            ServiceRequestError::Store(store) => store.into(),
        }
    }
}

/// A new service request.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "incident", "category": "technical", "workload": "mail",
    "title": "Mail is slow to arrive", "description": "Messages take 20 minutes to arrive since 9:00 for every user.",
    "severity": "B", "contact": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+33 1 23 45 67 89", "available_24_7": false}}))]
pub struct OpenRequestBody {
    pub kind: KindName,
    pub category: CategoryName,
    /// The workload concerned: a service of the catalogue (`mail`, `meetings`, `office_web_apps`,
    /// `office_desktop_apps`, `sites`, ...) or `directory_sync`, `sign_in`, `portal`.
    #[schema(max_length = 40, example = "mail")]
    pub workload: String,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(min_length = 1, max_length = 10000)]
    pub description: String,
    /// `A` needs a contact with a phone, reachable 24/7.
    pub severity: SeverityName,
    pub contact: Contact,
}

/// A change to a request. The customer's side moves it from `waiting_on_customer` back to
/// `in_progress`, closes a resolved request or reopens it (`in_progress`) within 14 days of its
/// resolution; support works the whole lifecycle, re-grades and takes requests.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "in_progress", "take": true}))]
pub struct ChangeRequestBody {
    pub status: Option<RequestStatusName>,
    /// Re-grading (support only).
    pub severity: Option<SeverityName>,
    /// `true`: the support person calling becomes the assignee (support only).
    #[serde(default)]
    pub take: bool,
}

/// A note: notes are never edited nor deleted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "It happens for every user since 9:00."}))]
pub struct NoteBody {
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
}

/// How requests are sorted.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SortName {
    /// The newest first.
    Newest,
    /// The nearest first-response deadline first.
    Deadline,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RequestListQuery {
    /// Any of these statuses, comma-separated (`open,in_progress`) or repeated (`status=open&status=in_progress`).
    #[param(max_length = 200, pattern = "^[a-z_]+(,[a-z_]+)*$", example = "open,in_progress")]
    pub status: Option<String>,
    pub severity: Option<SeverityName>,
    /// The workload concerned.
    #[param(max_length = 40, example = "mail")]
    pub workload: Option<String>,
    /// Case-insensitive text in the title or the description.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// `newest` (the default) or `deadline`.
    #[param(inline)]
    pub sort: Option<SortName>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, with the same `sort`.
    #[param(max_length = 300)]
    pub cursor: Option<String>,
}

fn parse_workload(raw: &str) -> Result<Workload, String> {
    raw.parse::<Workload>().map_err(|e| e.to_string())
}

/// Opens a service request (a tenant's admins, or a partner acting for the tenant).
///
/// Plain users cannot open requests (403). The first answer from support is due 1 hour after opening for severity A,
/// 4 hours for B and 8 hours for C. Severity A needs a contact with a phone number, reachable 24/7.
#[utoipa::path(post, path = "/v1/tenants/{tid}/service-requests", tag = "support", operation_id = "open_service_request",
    params(("tid" = String, Path, description = "Tenant id"), IdempotencyHeader),
    request_body = OpenRequestBody,
    responses(
        (status = 201, description = "Opened", body = ServiceRequest,
            headers(("Location" = String, description = "The new request"), ("ETag" = String, description = "Version"))),
        (status = 429, description = "The tenant opened 20 requests within the last hour (`rate_limited`)",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 422, description = "An invalid field, e.g. severity A without a phone contact reachable 24/7 (`contact.phone`, `contact.available_24_7`), or an Idempotency-Key reused with another body (`idempotency_key_reused`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn open_request(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    tid: web::Path<String>,
    key: IdempotencyKey,
    body: web::Json<OpenRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let body_value = serde_json::to_value(&body).map_err(ApiError::internal)?;
    let request = Idempotent { key, fingerprint: fingerprint("POST", req.path(), &body_value) };
    let mut check = FieldCheck::default();
    let workload = check.check("workload", parse_workload(&body.workload));
    let title = check.check("title", one_line_text(&body.title, 200));
    let description = check.check("description", free_text(&body.description, 10000));
    let contact_name = check.check("contact.name", DisplayName::parse(&body.contact.name));
    let contact_email = check.check("contact.email", EmailAddress::parse(&body.contact.email));
    let phone = match body.contact.phone.as_deref().map(str::trim).filter(|phone| !phone.is_empty()) {
        None => Some(None),
        Some(phone) => check.check("contact.phone", phone_number(phone)).map(Some),
    };
    let input = check.finish(|| {
        Some(NewRequest {
            kind: body.kind.into(),
            category: body.category.into(),
            workload: workload?,
            title: title?,
            description: description?,
            severity: body.severity.into(),
            contact_name: contact_name?.as_str().to_owned(),
            contact_email: contact_email?,
            contact_phone: phone?,
            contact_available_24_7: body.contact.available_24_7,
        })
    })?;
    Ok(service::open(&state, &caller, tid.into_inner().into(), input, request).await?.into_response())
}

/// A phone number as people write them: digits, spaces and `+-.()`, with 6 to 20 digits.
fn phone_number(raw: &str) -> Result<String, String> {
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let allowed = raw.chars().all(|c| c.is_ascii_digit() || " +-.()".contains(c));
    if allowed && (6..=20).contains(&digits) && raw.chars().count() <= 40 {
        Ok(raw.to_owned())
    } else {
        Err("a phone number is 6 to 20 digits, with spaces and + - . ( ) allowed".to_owned())
    }
}

/// Lists the tenant's service requests.
///
/// Filter by `status` (any of several, comma-separated), `severity`, `workload` and text (`q`); sort by `newest` or
/// by `deadline` (the nearest first-response deadline first). The cursor carries the sort key: pass it back with
/// the same `sort`.
#[utoipa::path(get, path = "/v1/tenants/{tid}/service-requests", tag = "support", operation_id = "list_service_requests",
    params(("tid" = String, Path, description = "Tenant id"), RequestListQuery),
    responses((status = 200, description = "A page of requests", body = ServiceRequestPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_requests(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = request_query(list_query(&req)?)?;
    let page = service::list(&state, &caller, Some(tid.into_inner()), query).await?;
    Ok(HttpResponse::Ok().json(ServiceRequestPage { items: page.items, next_cursor: page.next_cursor }))
}

/// Support's queue: every tenant's requests (operators), with the same filters and sorts.
///
/// `?status=open&sort=deadline` lists what support must answer first.
#[utoipa::path(get, path = "/v1/service-requests", tag = "support", operation_id = "list_all_service_requests",
    params(RequestListQuery),
    responses((status = 200, description = "A page of requests", body = ServiceRequestPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn support_queue(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = request_query(list_query(&req)?)?;
    let page = service::list(&state, &caller, None, query).await?;
    Ok(HttpResponse::Ok().json(ServiceRequestPage { items: page.items, next_cursor: page.next_cursor }))
}

/// The list's query. `status` may be given comma-separated or repeated
/// (`?status=open&status=in_progress`), as clients write "any of these" either way.
fn list_query(req: &HttpRequest) -> Result<RequestListQuery, ApiError> {
    let invalid =
        |e: &dyn std::fmt::Display| ApiError::new(ErrorCode::InvalidQuery, format!("the query is not valid: {e}"));
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).map_err(|e| invalid(&e))?;
    let mut merged: Vec<(String, String)> = Vec::with_capacity(pairs.len());
    for (name, value) in pairs {
        match merged.iter_mut().find(|(seen, _)| seen == "status" && name == "status") {
            Some((_, statuses)) => {
                statuses.push(',');
                statuses.push_str(&value);
            }
            None => merged.push((name, value)),
        }
    }
    let text = serde_urlencoded::to_string(&merged).map_err(|e| invalid(&e))?;
    serde_urlencoded::from_str(&text).map_err(|e| invalid(&e))
}

fn request_query(query: RequestListQuery) -> Result<RequestQuery, ApiError> {
    let page = PageRequest::parse(query.limit, None)?;
    // Well-formed values that name no status or workload break a rule of the domain: 422.
    let statuses = match bounded_query("status", query.status, 200)? {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|name| name.trim().parse::<RequestStatus>().map_err(|e| ApiError::invalid_field("status", e)))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let workload = bounded_query("workload", query.workload, 40)?
        .map(|raw| parse_workload(&raw).map_err(|e| ApiError::invalid_field("workload", e)))
        .transpose()?;
    let text = bounded_query("q", query.q, 200)?.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    let order = match query.sort.unwrap_or(SortName::Newest) {
        SortName::Newest => RequestOrder::Newest,
        SortName::Deadline => RequestOrder::Deadline,
    };
    let cursor = bounded_query("cursor", query.cursor, 300)?
        .map(|raw| {
            decode_cursor(&raw, order).ok_or_else(|| {
                ApiError::new(ErrorCode::InvalidCursor, "the cursor is not one this API returned for this sort")
            })
        })
        .transpose()?;
    let filter = RequestFilter { statuses, severity: query.severity.map(Into::into), workload, text };
    Ok(RequestQuery { filter, order, cursor, limit: page.limit })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RequestPath {
    /// Tenant id.
    pub tid: String,
    /// Service request id.
    pub srid: String,
}

/// Reads a service request.
///
/// With its notes, oldest first, and whether it is overdue.
#[utoipa::path(get, path = "/v1/tenants/{tid}/service-requests/{srid}", tag = "support", operation_id = "get_service_request",
    params(RequestPath),
    responses((status = 200, description = "The request and its notes", body = ServiceRequest,
        headers(("ETag" = String, description = "Version")))),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_request(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RequestPath>,
) -> Result<HttpResponse, ApiError> {
    let RequestPath { tid, srid } = path.into_inner();
    let request = service::get(&state, &caller, tid.into(), srid).await?;
    Ok(with_etag(HttpResponse::Ok(), &request))
}

/// Changes a request's status, severity or assignee. Honours `If-Match`.
///
/// Support moves a request through `open` -> `in_progress` -> `waiting_on_customer` -> `resolved` -> `closed`, re-grades
/// it (the requester is told) and takes it. The customer's side answers (`waiting_on_customer` -> `in_progress`),
/// closes a resolved request, or reopens it (`in_progress`) within 14 days of its resolution. Each status change is
/// sent to the requester.
#[utoipa::path(patch, path = "/v1/tenants/{tid}/service-requests/{srid}", tag = "support", operation_id = "change_service_request",
    params(RequestPath, IfMatchHeader),
    request_body = ChangeRequestBody,
    responses(
        (status = 200, description = "Changed", body = ServiceRequest, headers(("ETag" = String, description = "New version"))),
        (status = 403, description = "Support only (re-grading, taking, moving it forward)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A change of status the lifecycle refuses (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn change_request(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<RequestPath>,
    body: web::Json<ChangeRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let RequestPath { tid, srid } = path.into_inner();
    let body = body.into_inner();
    let asked =
        RequestChange { status: body.status.map(Into::into), severity: body.severity.map(Into::into), take: body.take };
    let changed = service::change(&state, &caller, tid.into(), srid, asked, if_match).await?;
    Ok(with_etag(HttpResponse::Ok(), &changed))
}

/// Adds a note to a request. Notes are append-only: there is no way to edit or delete one.
///
/// A note from the customer's side on a request `waiting_on_customer` puts it back `in_progress`.
#[utoipa::path(post, path = "/v1/tenants/{tid}/service-requests/{srid}/notes", tag = "support", operation_id = "add_service_request_note",
    params(RequestPath),
    request_body = NoteBody,
    responses(
        (status = 201, description = "Added", body = Note),
        (status = 409, description = "The request is closed (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn add_note(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RequestPath>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse, ApiError> {
    let RequestPath { tid, srid } = path.into_inner();
    let mut check = FieldCheck::default();
    let note = check.check("body", free_text(&body.body, 10000));
    let note = check.finish(|| note)?;
    let added = service::add_note(&state, &caller, tid.into(), srid, note).await?;
    Ok(HttpResponse::Created().json(added))
}
