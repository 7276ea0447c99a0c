//! Subscriptions (licence pools): orders, seats, activation, suspension, termination, plan
//! changes and the tenant's licence summary.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_domain::license_pool::{SeatCount, SubscriptionStatus};
use tenantry_persistence::time::from_db;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::etag::{etag, IfMatch, IfMatchHeader};
use crate::idempotency::{fingerprint, IdempotencyHeader, IdempotencyKey, Replayable};
use crate::pagination::PageRequest;
use crate::problem::{ApiError, Problem};
use crate::services::plan_change::{self as plan_change_service, PlanChangeReport, PlanChangeRequest};
use crate::services::subscriptions::{self as service, OrderInput, SubscriptionRecord};
use crate::state::AppState;
use crate::validation::{optional_whole_number, whole_number};

/// Where a subscription is in its life.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Ordered; the suite is being set up ("activation in progress").
    Provisioning,
    Active,
    /// Stopped by the operator; nothing can be assigned from it.
    Suspended,
    /// Ended: billing stopped, seats gone.
    Terminated,
}

impl From<Status> for SubscriptionStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Provisioning => SubscriptionStatus::Provisioning,
            Status::Active => SubscriptionStatus::Active,
            Status::Suspended => SubscriptionStatus::Suspended,
            Status::Terminated => SubscriptionStatus::Terminated,
        }
    }
}

/// A subscription: a pool of licences of one plan, with
/// `0 <= assigned_seats <= active_seats <= purchased_seats` at every instant.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f40-1111-7000-8000-000000000001", "tenant_id": "019a5f3e-6b00-7a00-8000-000000000001",
    "plan": "business_premium", "plan_name": "Business Premium", "status": "active",
    "purchased_seats": 25, "active_seats": 20, "assigned_seats": 12, "available_seats": 8, "seat_limit": 300,
    "monthly_cost_cents": 21000, "currency": "EUR", "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:05:00Z",
    "activated_at": "2026-11-21T10:00:02Z", "terminated_at": null}))]
pub struct Subscription {
    pub id: String,
    pub tenant_id: String,
    /// The plan's code.
    pub plan: String,
    pub plan_name: String,
    #[schema(value_type = Status)]
    pub status: String,
    /// Seats ordered and paid for.
    pub purchased_seats: i64,
    /// Seats switched on (billed); at most `purchased_seats`.
    pub active_seats: i64,
    /// Seats held by people; at most `active_seats`.
    pub assigned_seats: i64,
    /// `active_seats - assigned_seats`: licences that can be given now.
    pub available_seats: i64,
    /// The plan's limit of purchased seats per subscription.
    pub seat_limit: i64,
    /// What the active seats cost per month, in cents.
    pub monthly_cost_cents: i64,
    /// Always `EUR`.
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub terminated_at: Option<DateTime<Utc>>,
}

impl From<&SubscriptionRecord> for Subscription {
    fn from(record: &SubscriptionRecord) -> Self {
        let row = &record.row;
        Self {
            id: row.id.clone(),
            tenant_id: row.tenant_id.clone(),
            plan: row.plan_code.clone(),
            plan_name: record.plan.name.clone(),
            status: row.status.clone(),
            purchased_seats: row.purchased,
            active_seats: row.active,
            assigned_seats: row.assigned,
            available_seats: row.active - row.assigned,
            seat_limit: record.plan.seat_limit,
            // Billing runs on active seats until termination (a suspended pool is still billed).
            monthly_cost_cents: record.plan.monthly_cost_cents(row.active),
            currency: "EUR".to_owned(),
            created_at: from_db(row.created_at),
            updated_at: from_db(row.updated_at),
            activated_at: row.activated_at.map(from_db),
            terminated_at: row.terminated_at.map(from_db),
        }
    }
}

fn with_etag(mut response: actix_web::HttpResponseBuilder, record: &SubscriptionRecord) -> HttpResponse {
    response.insert_header((header::ETAG, etag(record.row.version))).json(Subscription::from(record))
}

/// One page of subscriptions.
#[derive(Serialize, ToSchema)]
pub struct SubscriptionPage {
    pub items: Vec<Subscription>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// An order: a plan and a number of seats. The subscription starts `provisioning`; a
/// background job makes it `active` and welcomes the tenant's global admins.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"plan": "business_premium", "seats": 25, "activate_seats": 20}))]
pub struct CreateSubscriptionRequest {
    /// A plan code from `GET /v1/plans`.
    #[schema(min_length = 1, max_length = 64)]
    pub plan: String,
    /// Seats to buy.
    #[schema(minimum = 1, maximum = 1000000)]
    #[serde(deserialize_with = "whole_number")]
    pub seats: i64,
    /// Seats to switch on when provisioning completes; all of them when absent.
    #[schema(minimum = 0, maximum = 1000000)]
    #[serde(default, deserialize_with = "optional_whole_number", skip_serializing_if = "Option::is_none")]
    pub activate_seats: Option<i64>,
}

/// More seats to buy. They are purchased, not yet active.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"seats": 5}))]
pub struct BuySeatsRequest {
    #[schema(minimum = 1, maximum = 1000000)]
    #[serde(deserialize_with = "whole_number")]
    pub seats: i64,
}

/// The portal's + and - buttons: a positive delta activates purchased seats, a negative one
/// deactivates free ones.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"delta": 3}))]
pub struct ActivationRequest {
    #[schema(minimum = -1000000, maximum = 1000000)]
    #[serde(deserialize_with = "whole_number")]
    pub delta: i64,
}

/// A plan change: move people from this subscription to another plan in one operation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"target_plan": "business_premium", "buy_missing": true, "terminate_source": true, "dry_run": true}))]
pub struct ChangePlanRequest {
    /// An allowed upgrade or downgrade of the subscription's plan.
    #[schema(min_length = 1, max_length = 64)]
    pub target_plan: String,
    /// The people to move (user ids); everyone holding a licence of this subscription when absent.
    #[schema(max_items = 10000)]
    pub users: Option<Vec<String>>,
    /// Activate inactive seats and buy the rest when the target pool is short (creating the
    /// target subscription if the tenant has none).
    #[serde(default)]
    pub buy_missing: bool,
    /// Terminate this subscription once nobody holds its licences.
    #[serde(default)]
    pub terminate_source: bool,
    /// Report what would happen, change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Something that stops a plan change.
#[derive(Serialize, ToSchema)]
pub struct PlanChangeError {
    /// A stable code, e.g. `license_pool_exhausted`, `plan_change_not_allowed`.
    pub code: String,
    pub message: String,
    /// The person concerned, for per-person errors.
    pub user_id: Option<String>,
}

/// A person the change moves, and what they lose or gain.
#[derive(Serialize, ToSchema)]
pub struct PlanChangeUser {
    pub user_id: String,
    pub sign_in: Option<String>,
    pub services_lost: Vec<String>,
    pub services_gained: Vec<String>,
}

/// What a plan change did, or would do on a dry run.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"dry_run": true, "applied": false, "source_subscription_id": "019a5f40-1111-7000-8000-000000000001",
    "source_plan": "business_essentials", "target_plan": "business_premium", "direction": "upgrade",
    "target_subscription_id": null, "seats_needed": 12, "seats_available": 0, "seats_to_activate": 0, "seats_to_buy": 12,
    "creates_target_subscription": true, "source_terminated": true,
    "users": [{"user_id": "019a5f3e-9000-7000-8000-00000000000a", "sign_in": "grace@contoso.tenantry.test", "services_lost": [], "services_gained": ["office_desktop_apps"]}],
    "errors": []}))]
pub struct PlanChangeReportBody {
    pub dry_run: bool,
    /// Whether the change was made (never on a dry run).
    pub applied: bool,
    pub source_subscription_id: String,
    pub source_plan: String,
    pub target_plan: String,
    /// `upgrade` or `downgrade`; `null` when the target is neither.
    pub direction: Option<String>,
    /// The pool the people go to: existing, or created by the change (`null` on a dry run that would create it).
    pub target_subscription_id: Option<String>,
    pub seats_needed: i64,
    pub seats_available: i64,
    pub seats_to_activate: i64,
    pub seats_to_buy: i64,
    pub creates_target_subscription: bool,
    pub source_terminated: bool,
    pub users: Vec<PlanChangeUser>,
    /// Every error the change hits; it is made only when this is empty.
    pub errors: Vec<PlanChangeError>,
}

impl From<&PlanChangeReport> for PlanChangeReportBody {
    fn from(report: &PlanChangeReport) -> Self {
        let decided = &report.decided;
        let lost: Vec<String> = decided.services_lost.iter().map(|s| s.as_str().to_owned()).collect();
        let gained: Vec<String> = decided.services_gained.iter().map(|s| s.as_str().to_owned()).collect();
        Self {
            dry_run: report.dry_run,
            applied: report.applied,
            source_subscription_id: report.source.id.clone(),
            source_plan: report.source_plan.code.clone(),
            target_plan: report.target_plan.code.clone(),
            direction: decided.direction.map(|d| d.as_str().to_owned()),
            target_subscription_id: report.target_subscription_id.clone(),
            seats_needed: decided.seats_needed,
            seats_available: decided.seats_available,
            seats_to_activate: decided.seats_to_activate,
            seats_to_buy: decided.seats_to_buy,
            creates_target_subscription: decided.creates_target_pool,
            source_terminated: decided.terminates_source && (report.applied || report.dry_run),
            users: report
                .users
                .iter()
                .filter(|u| decided.moving.contains(&u.user_id))
                .map(|u| PlanChangeUser {
                    user_id: u.user_id.clone(),
                    sign_in: u.sign_in.clone(),
                    services_lost: lost.clone(),
                    services_gained: gained.clone(),
                })
                .collect(),
            errors: decided
                .problems
                .iter()
                .map(|p| PlanChangeError {
                    code: p.code().to_owned(),
                    message: p.message(),
                    user_id: match p {
                        tenantry_domain::plan_change::ChangeProblem::LacksSourceLicence { user_id }
                        | tenantry_domain::plan_change::ChangeProblem::AlreadyHoldsTarget { user_id } => {
                            Some(user_id.clone())
                        }
                        _ => None,
                    },
                })
                .collect(),
        }
    }
}

/// One plan's seats across the tenant's subscriptions that are not terminated.
#[derive(Serialize, ToSchema)]
pub struct PlanSeatsLine {
    pub plan: String,
    pub plan_name: String,
    pub purchased_seats: i64,
    pub active_seats: i64,
    pub assigned_seats: i64,
    pub available_seats: i64,
    /// What the active seats cost per month, in cents.
    pub monthly_cost_cents: i64,
}

/// The tenant's licences at a glance, for dashboards.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"plans": [{"plan": "business_premium", "plan_name": "Business Premium", "purchased_seats": 25,
    "active_seats": 20, "assigned_seats": 12, "available_seats": 8, "monthly_cost_cents": 21000}],
    "total_monthly_cost_cents": 21000, "currency": "EUR"}))]
pub struct LicenseSummary {
    pub plans: Vec<PlanSeatsLine>,
    pub total_monthly_cost_cents: i64,
    /// Always `EUR`.
    pub currency: String,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionListQuery {
    /// Only subscriptions in this status.
    pub status: Option<Status>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TenantSubscriptionPath {
    /// Tenant id.
    pub tid: String,
    /// Subscription id.
    pub sid: String,
}

fn seats(field: &str, raw: i64) -> Result<SeatCount, ApiError> {
    SeatCount::parse(raw).map_err(|e| ApiError::invalid_field(field, e))
}

fn replayable(
    status: StatusCode,
    record: &SubscriptionRecord,
    location: Option<String>,
) -> Result<Replayable, ApiError> {
    Ok(Replayable {
        status,
        body: serde_json::to_value(Subscription::from(record)).map_err(ApiError::internal)?,
        location,
        etag: Some(etag(record.row.version)),
        replayed: false,
    })
}

/// Lists the tenant's subscriptions.
///
/// Every subscription of the tenant in order of creation, filtered by `status`, with its licence pool.
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
    let (records, next_cursor) =
        service::list(&state, &caller, tid.into_inner(), query.status.map(Into::into), page).await?;
    Ok(HttpResponse::Ok()
        .json(SubscriptionPage { items: records.iter().map(Subscription::from).collect(), next_cursor }))
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
    let print = fingerprint("POST", req.path(), &serde_json::to_value(&body).map_err(ApiError::internal)?);
    let seat_count = seats("seats", body.seats)?;
    let input = OrderInput {
        plan_code: body.plan,
        seats: seat_count,
        activate_seats: body.activate_seats.unwrap_or(body.seats),
    };
    let tid = tid.into_inner();
    let location_tenant = tid.clone();
    let response = service::order(&state, &caller, tid, input, key, print, move |record| {
        replayable(
            StatusCode::CREATED,
            record,
            Some(format!("/v1/tenants/{location_tenant}/subscriptions/{}", record.row.id)),
        )
    })
    .await?;
    Ok(response.into_response())
}

/// Reads a subscription and its licence pool.
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
    Ok(with_etag(HttpResponse::Ok(), &service::get(&state, &caller, tid, sid).await?))
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
    req: HttpRequest,
    path: web::Path<TenantSubscriptionPath>,
    key: IdempotencyKey,
    body: web::Json<BuySeatsRequest>,
) -> Result<HttpResponse, ApiError> {
    let if_match = IfMatch::from_headers(req.headers())?;
    let body = body.into_inner();
    let print = fingerprint("POST", req.path(), &serde_json::to_value(&body).map_err(ApiError::internal)?);
    let count = seats("seats", body.seats)?;
    let TenantSubscriptionPath { tid, sid } = path.into_inner();
    let response = service::buy_seats(&state, &caller, tid, sid, count, if_match, key, print, |record| {
        replayable(StatusCode::OK, record, None)
    })
    .await?;
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
    if !(-1_000_000..=1_000_000).contains(&body.delta) {
        return Err(ApiError::invalid_field("delta", "between -1000000 and 1000000"));
    }
    let TenantSubscriptionPath { tid, sid } = path.into_inner();
    Ok(with_etag(HttpResponse::Ok(), &service::activate(&state, &caller, tid, sid, body.delta, if_match).await?))
}

/// Suspends an active subscription (operators only).
///
/// Nothing can be assigned from it until it is reactivated; its seats are kept and licences can
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
    let TenantSubscriptionPath { tid, sid } = path.into_inner();
    Ok(with_etag(HttpResponse::Ok(), &service::set_suspended(&state, &caller, tid, sid, true, if_match).await?))
}

/// Reactivates a suspended subscription (operators only).
///
/// Its seats are as they were when it was suspended; licences can be given again.
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
    let TenantSubscriptionPath { tid, sid } = path.into_inner();
    Ok(with_etag(HttpResponse::Ok(), &service::set_suspended(&state, &caller, tid, sid, false, if_match).await?))
}

/// Terminates a subscription: billing stops and its seats are gone.
///
/// Refused with 409 `licences_still_assigned`, naming the holders, while anyone holds one of its
/// licences.
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
    let TenantSubscriptionPath { tid, sid } = path.into_inner();
    Ok(with_etag(HttpResponse::Ok(), &service::terminate(&state, &caller, tid, sid, if_match).await?))
}

/// Moves people from this subscription to another plan in one operation: checks the target is an
/// allowed upgrade or downgrade, finds (or buys and activates, with `buy_missing`) the seats, swaps
/// each person's licence so nobody is ever left with neither, and optionally terminates the emptied
/// source.
///
/// `dry_run: true` returns the same report and changes nothing.
#[utoipa::path(post, path = "/v1/tenants/{tid}/subscriptions/{sid}/change-plan", tag = "subscriptions", operation_id = "change_plan",
    params(TenantSubscriptionPath),
    request_body = ChangePlanRequest,
    responses(
        (status = 200, description = "The report: applied, or what a dry run would do", body = PlanChangeReportBody),
        (status = 409, description = "The pools changed while the change ran (`concurrent_update`); nothing was changed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The change cannot be made (`plan_change_refused`, the report in `context`), or an unknown plan", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn change_plan(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<TenantSubscriptionPath>,
    body: web::Json<ChangePlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.users.as_ref().is_some_and(|users| users.len() > 10_000) {
        return Err(ApiError::invalid_field("users", "at most 10000 people per change"));
    }
    let TenantSubscriptionPath { tid, sid } = path.into_inner();
    let request = PlanChangeRequest {
        target_plan: body.target_plan,
        users: body.users,
        buy_missing: body.buy_missing,
        terminate_source: body.terminate_source,
        dry_run: body.dry_run,
    };
    let report = plan_change_service::change_plan(&state, &caller, tid, sid, request, |report| {
        serde_json::to_value(PlanChangeReportBody::from(report)).unwrap_or_default()
    })
    .await?;
    Ok(HttpResponse::Ok().json(PlanChangeReportBody::from(&report)))
}

/// The tenant's licences per plan, for dashboards.
///
/// Purchased, active, assigned and available seats across the subscriptions that are not
/// terminated, and the monthly cost of the active seats.
#[utoipa::path(get, path = "/v1/tenants/{tid}/license-summary", tag = "subscriptions", operation_id = "get_license_summary",
    params(("tid" = String, Path, description = "Tenant id")),
    responses((status = 200, description = "The summary", body = LicenseSummary)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_license_summary(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let lines = service::summary(&state, &caller, tid.into_inner()).await?;
    let plans: Vec<PlanSeatsLine> = lines
        .iter()
        .map(|line| PlanSeatsLine {
            plan: line.plan.code.clone(),
            plan_name: line.plan.name.clone(),
            purchased_seats: line.purchased,
            active_seats: line.active,
            assigned_seats: line.assigned,
            available_seats: line.active - line.assigned,
            monthly_cost_cents: line.plan.monthly_cost_cents(line.active),
        })
        .collect();
    let total = plans.iter().map(|p| p.monthly_cost_cents).sum();
    Ok(HttpResponse::Ok().json(LicenseSummary { plans, total_monthly_cost_cents: total, currency: "EUR".to_owned() }))
}
