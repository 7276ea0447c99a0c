//! The license pool itself: listing, ordering, reading, buying, activating, suspending,
//! reactivating and terminating.

use actix_web::{web, HttpRequest, HttpResponse};
use tenantry_domain::license_pool::SeatCount;

use super::paths::TenantSubscriptionPath;
use super::requests::{ActivationRequest, BuySeatsRequest, CreateSubscriptionRequest, SubscriptionListQuery};
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::etag::with_etag;
use crate::http::etag::{IfMatch, IfMatchHeader};
use crate::http::idempotency::Idempotent;
use crate::http::idempotency::{fingerprint, IdempotencyHeader, IdempotencyKey};
use crate::http::pagination::PageRequest;
use crate::http::problem::{ApiError, Problem};
use crate::services::subscriptions::{self as service, OrderInput};
use crate::views::subscription::{Subscription, SubscriptionPage};

fn seats(field: &str, raw: i64) -> Result<SeatCount, ApiError> {
    SeatCount::parse(raw).map_err(|e| ApiError::invalid_field(field, e))
}

/// What makes a retried `POST` the same request: its path and its body.
fn idempotent(req: &HttpRequest, key: IdempotencyKey, body: &impl serde::Serialize) -> Result<Idempotent, ApiError> {
    let body = serde_json::to_value(body).map_err(ApiError::internal)?;
    Ok(Idempotent { key, fingerprint: fingerprint("POST", req.path(), &body) })
}

/// Lists the tenant's subscriptions.
///
/// Every subscription of the tenant in order of creation, filtered by `status`, with its license pool.
#[utoipa::path(get, path = "/v1/tenants/{tid}/subscriptions", tag = "subscriptions", operation_id = "list_subscriptions",
    params(("tid" = String, Path, description = "Tenant id"), SubscriptionListQuery),
    responses((status = 200, description = "A page of subscriptions", body = SubscriptionPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    query: web::Query<SubscriptionListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let page = service::list(&state, &caller, tid.into_inner().into(), query.status.map(Into::into), page).await?;
    Ok(HttpResponse::Ok().json(SubscriptionPage { items: page.items, next_cursor: page.next_cursor }))
}

/// Orders a plan.
///
/// Needs a designated global admin in the tenant. Honours `Idempotency-Key`: a retry with the same
/// key and body returns the first response (with `Idempotent-Replayed: true`); the same key with
/// another body is 422.
#[utoipa::path(post, path = "/v1/tenants/{tid}/subscriptions", tag = "subscriptions", operation_id = "create_subscription",
    params(("tid" = String, Path, description = "Tenant id"),
        IdempotencyHeader),
    request_body = CreateSubscriptionRequest,
    responses(
        (status = 201, description = "Ordered; `status` is `provisioning` until the suite is set up", body = Subscription,
            headers(("Location" = String, description = "The new subscription"), ("ETag" = String, description = "Version"))),
        (status = 422, description = "Unknown plan, seat limit, no global admin (`global_admin_required`), or an Idempotency-Key reused with another body",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn create_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    tid: web::Path<String>,
    key: IdempotencyKey,
    body: web::Json<CreateSubscriptionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request = idempotent(&req, key, &body)?;
    let input =
        OrderInput { plan_code: body.plan, seats: seats("seats", body.seats)?, activate_seats: body.activate_seats };
    let response = service::order(&state, &caller, tid.into_inner().into(), input, request).await?;
    Ok(response.into_response())
}

/// Reads a subscription and its license pool.
///
/// The `ETag` is the version to send as `If-Match` when changing it.
#[utoipa::path(get, path = "/v1/tenants/{tid}/subscriptions/{sid}", tag = "subscriptions", operation_id = "get_subscription",
    params(TenantSubscriptionPath),
    responses((status = 200, description = "The subscription", body = Subscription, headers(("ETag" = String, description = "Version")))),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<TenantSubscriptionPath>,
) -> Result<HttpResponse, ApiError> {
    let TenantSubscriptionPath { tid, sid } = path.into_inner();
    let subscription = service::get(&state, &caller, tid.into(), sid.into()).await?;
    Ok(with_etag(HttpResponse::Ok(), &subscription))
}

/// Buys more seats (purchased, not yet active), up to the plan's seat limit.
///
/// Honours `Idempotency-Key` and `If-Match`.
#[utoipa::path(post, path = "/v1/tenants/{tid}/subscriptions/{sid}/seats", tag = "subscriptions", operation_id = "buy_seats",
    params(TenantSubscriptionPath,
        IdempotencyHeader,
        IfMatchHeader),
    request_body = BuySeatsRequest,
    responses(
        (status = 200, description = "Seats bought", body = Subscription, headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "The subscription is not active", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Beyond the plan's seat limit (`seat_limit_exceeded`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn buy_seats(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    req: HttpRequest,
    path: web::Path<TenantSubscriptionPath>,
    key: IdempotencyKey,
    body: web::Json<BuySeatsRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request = idempotent(&req, key, &body)?;
    let count = seats("seats", body.seats)?;
    let response = service::buy_seats(&state, &caller, path.into_inner().change(if_match), count, request).await?;
    Ok(response.into_response())
}

/// Activates (`delta > 0`) or deactivates (`delta < 0`) seats: never beyond the purchased seats,
/// never below the assigned ones.
///
/// Honours `If-Match`.
#[utoipa::path(post, path = "/v1/tenants/{tid}/subscriptions/{sid}/activation", tag = "subscriptions", operation_id = "change_activation",
    params(TenantSubscriptionPath, IfMatchHeader),
    request_body = ActivationRequest,
    responses(
        (status = 200, description = "Seats activated or deactivated", body = Subscription, headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "Beyond the purchased seats (`activation_beyond_purchased`), below the assigned ones (`deactivation_below_assigned`), or not active",
            body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn change_activation(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<TenantSubscriptionPath>,
    body: web::Json<ActivationRequest>,
) -> Result<HttpResponse, ApiError> {
    if !(-1_000_000..=1_000_000).contains(&body.delta) {
        return Err(ApiError::invalid_field("delta", "between -1000000 and 1000000"));
    }
    let subscription = service::activate(&state, &caller, path.into_inner().change(if_match), body.delta).await?;
    Ok(with_etag(HttpResponse::Ok(), &subscription))
}

/// Suspends an active subscription (operators only).
///
/// Nothing can be assigned from it until it is reactivated; its seats are kept and licenses can
/// still be removed.
#[utoipa::path(post, path = "/v1/tenants/{tid}/subscriptions/{sid}/suspend", tag = "subscriptions", operation_id = "suspend_subscription",
    params(TenantSubscriptionPath, IfMatchHeader),
    responses(
        (status = 200, description = "Suspended", body = Subscription, headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "Not active (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn suspend_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<TenantSubscriptionPath>,
) -> Result<HttpResponse, ApiError> {
    let subscription = service::set_suspended(&state, &caller, path.into_inner().change(if_match), true).await?;
    Ok(with_etag(HttpResponse::Ok(), &subscription))
}

/// Reactivates a suspended subscription (operators only).
///
/// Its seats are as they were when it was suspended; licenses can be given again.
#[utoipa::path(post, path = "/v1/tenants/{tid}/subscriptions/{sid}/reactivate", tag = "subscriptions", operation_id = "reactivate_subscription",
    params(TenantSubscriptionPath, IfMatchHeader),
    responses(
        (status = 200, description = "Active again", body = Subscription, headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "Not suspended (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn reactivate_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<TenantSubscriptionPath>,
) -> Result<HttpResponse, ApiError> {
    let subscription = service::set_suspended(&state, &caller, path.into_inner().change(if_match), false).await?;
    Ok(with_etag(HttpResponse::Ok(), &subscription))
}

/// Terminates a subscription: billing stops and its seats are gone.
///
/// Refused with 409 `licences_still_assigned`, naming the holders, while anyone holds one of its
/// licenses.
#[utoipa::path(post, path = "/v1/tenants/{tid}/subscriptions/{sid}/terminate", tag = "subscriptions", operation_id = "terminate_subscription",
    params(TenantSubscriptionPath, IfMatchHeader),
    responses(
        (status = 200, description = "Terminated", body = Subscription, headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "Licences still assigned (`context.holders`), or already terminated", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn terminate_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<TenantSubscriptionPath>,
) -> Result<HttpResponse, ApiError> {
    let subscription = service::terminate(&state, &caller, path.into_inner().change(if_match)).await?;
    Ok(with_etag(HttpResponse::Ok(), &subscription))
}
