//! People in a tenant and their administrator roles.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_domain::plan::Plan;
use tenantry_domain::user::DisplayName;
use tenantry_domain::{AdminRole, EmailAddress, Password, RoleSet};
use tenantry_persistence::subscriptions::AssignmentRow;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::etag::{etag, IfMatch, IfMatchHeader};
use crate::pagination::PageRequest;
use crate::problem::{ApiError, Problem};
use crate::services::users::{self as service, NewUserInput, UserChanges, UserRecord};
use crate::state::AppState;
use crate::validation::{bounded_query, FieldCheck};

/// An administrator role. Roles never consume a licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CloudManager,
    GlobalAdmin,
    BillingAdmin,
    PasswordAdmin,
}

impl From<Role> for AdminRole {
    fn from(role: Role) -> Self {
        match role {
            Role::CloudManager => AdminRole::CloudManager,
            Role::GlobalAdmin => AdminRole::GlobalAdmin,
            Role::BillingAdmin => AdminRole::BillingAdmin,
            Role::PasswordAdmin => AdminRole::PasswordAdmin,
        }
    }
}

impl From<AdminRole> for Role {
    fn from(role: AdminRole) -> Self {
        match role {
            AdminRole::CloudManager => Role::CloudManager,
            AdminRole::GlobalAdmin => Role::GlobalAdmin,
            AdminRole::BillingAdmin => Role::BillingAdmin,
            AdminRole::PasswordAdmin => Role::PasswordAdmin,
        }
    }
}

/// A person in a tenant.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019a5f3e-7c1a-7d2e-9b1f-3c4d5e6f7a8b", "tenant_id": "019a5f3e-6b00-7a00-8000-000000000001",
    "display_name": "Ada Lovelace", "sign_in": "ada@contoso.tenantry.test", "contact_email": "ada@example.com",
    "roles": ["global_admin"], "must_change_password": false, "licenses": [],
    "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"}))]
pub struct User {
    /// The person's id.
    pub id: String,
    /// Their tenant.
    pub tenant_id: String,
    /// The name shown for them.
    pub display_name: String,
    /// The address they sign in with, in one of the tenant's verified domains.
    pub sign_in: String,
    /// Their personal contact email, where sign-in details and resets are sent.
    pub contact_email: Option<String>,
    /// Their administrator roles.
    pub roles: Vec<Role>,
    /// True until they replace a temporary password.
    pub must_change_password: bool,
    /// The licences they hold, and the services each brings.
    pub licenses: Vec<UserLicense>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A licence a person holds.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"subscription_id": "019a5f40-1111-7000-8000-000000000001", "plan": "business_premium",
    "plan_name": "Business Premium", "services": ["mail", "meetings", "office_web_apps", "office_desktop_apps", "sites", "file_storage"],
    "assigned_at": "2026-11-21T10:06:00Z"}))]
pub struct UserLicense {
    pub subscription_id: String,
    pub plan: String,
    pub plan_name: String,
    /// What the licence brings.
    pub services: Vec<String>,
    pub assigned_at: DateTime<Utc>,
}

impl UserLicense {
    pub fn from_row(row: &AssignmentRow, catalogue: &[Plan]) -> Result<Self, ApiError> {
        let plan = catalogue
            .iter()
            .find(|p| p.code == row.plan_code)
            .ok_or_else(|| ApiError::internal(format!("plan {} is not in the catalogue", row.plan_code)))?;
        Ok(Self {
            subscription_id: row.subscription_id.clone(),
            plan: plan.code.clone(),
            plan_name: plan.name.clone(),
            services: plan.services.iter().map(|s| s.as_str().to_owned()).collect(),
            assigned_at: tenantry_persistence::time::from_db(row.assigned_at),
        })
    }
}

impl User {
    pub fn from_record(record: &UserRecord, catalogue: &[Plan]) -> Result<Self, ApiError> {
        Ok(Self {
            id: record.row.id.clone(),
            tenant_id: record.row.tenant_id.clone().unwrap_or_default(),
            display_name: record.row.display_name.clone(),
            sign_in: record.row.sign_in.clone(),
            contact_email: record.row.contact_email.clone(),
            roles: record.role_set()?.iter().map(Role::from).collect(),
            must_change_password: record.row.must_change_password,
            licenses: record.licences.iter().map(|l| UserLicense::from_row(l, catalogue)).collect::<Result<_, _>>()?,
            created_at: tenantry_persistence::time::from_db(record.row.created_at),
            updated_at: tenantry_persistence::time::from_db(record.row.updated_at),
        })
    }
}

/// One page of people.
#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A new person. With admin roles this designates an administrator, who must have a contact
/// email; without a password, a temporary one is sent to the contact email.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Ada Lovelace", "sign_in": "ada@contoso.tenantry.test",
    "contact_email": "ada@example.com", "roles": ["global_admin"]}))]
pub struct CreateUserRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    /// `local@domain`, the domain one of the tenant's verified domains.
    #[schema(max_length = 254)]
    pub sign_in: String,
    #[schema(max_length = 254)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub roles: Vec<Role>,
    /// At least 12 characters; omit to send a temporary password instead.
    #[schema(min_length = 12, max_length = 128)]
    pub password: Option<String>,
}

/// Changes to a person's profile; absent fields stay as they are, `contact_email: null`
/// removes the contact email.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Ada King"}))]
pub struct UpdateUserRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<String>, max_length = 254)]
    pub contact_email: Option<Option<String>>,
    #[schema(max_length = 254)]
    pub sign_in: Option<String>,
}

/// Distinguishes `"field": null` (Some(None)) from an absent field (None).
fn present_or_null<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// The complete set of administrator roles the person should hold.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"roles": ["global_admin", "billing_admin"]}))]
pub struct SetRolesRequest {
    pub roles: Vec<Role>,
}

/// Where the temporary password went.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"sent_to": "a**@example.com"}))]
pub struct PasswordResetResponse {
    /// The contact email, masked.
    pub sent_to: String,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Searches display names and sign-in addresses (case-insensitive substring).
    #[param(max_length = 200, example = "ada")]
    pub q: Option<String>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TenantUserPath {
    /// Tenant id.
    pub tid: String,
    /// User id.
    pub uid: String,
}

fn role_set(roles: &[Role]) -> RoleSet {
    RoleSet::new(roles.iter().copied().map(AdminRole::from))
}

fn with_etag(
    mut response: actix_web::HttpResponseBuilder,
    record: &UserRecord,
    catalogue: &[Plan],
) -> Result<HttpResponse, ApiError> {
    Ok(response.insert_header((header::ETAG, etag(record.row.version))).json(User::from_record(record, catalogue)?))
}

/// Lists the tenant's people, searchable with `q`.
///
/// Each person with their roles and licences, in order of creation. `q` matches the display name or the sign-in address (case-insensitive).
#[utoipa::path(get, path = "/v1/tenants/{tid}/users", tag = "users", operation_id = "list_users",
    params(("tid" = String, Path, description = "Tenant id"), UserListQuery),
    responses((status = 200, description = "A page of people", body = UserPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let search = bounded_query("q", query.q, 200)?;
    let (records, next_cursor) = service::list(&state, &caller, tid.into_inner(), search, page).await?;
    let items = records.iter().map(|r| User::from_record(r, &state.catalogue)).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(UserPage { items, next_cursor }))
}

/// Creates a person, or designates a new administrator when `roles` is not empty.
///
/// The sign-in address must be in one of the tenant's verified domains. Without a `password`, a temporary one is sent to `contact_email` and must be changed at first sign-in.
#[utoipa::path(post, path = "/v1/tenants/{tid}/users", tag = "users", operation_id = "create_user",
    params(("tid" = String, Path, description = "Tenant id")),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = User,
            headers(("Location" = String, description = "The new person"), ("ETag" = String, description = "Version"))),
        (status = 409, description = "The sign-in address is taken (`sign_in_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The domain is not verified (`domain_not_verified`) or an admin has no contact email (`contact_email_required`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    body: web::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut check = FieldCheck::default();
    let display_name = check.check("display_name", DisplayName::parse(&body.display_name));
    let sign_in = check.check("sign_in", EmailAddress::parse(&body.sign_in));
    let contact_email = check.check_optional("contact_email", body.contact_email.as_deref(), EmailAddress::parse);
    let local = sign_in.as_ref().map(|s| s.local_part().to_owned());
    let password = check.check_optional("password", body.password.as_deref(), |p| Password::parse(p, local.as_deref()));
    let input = check.finish(|| {
        Some(NewUserInput {
            display_name: display_name?,
            sign_in: sign_in?,
            contact_email: contact_email?,
            roles: role_set(&body.roles),
            password: password?,
        })
    })?;
    let tid = tid.into_inner();
    let record = service::create(&state, &caller, tid.clone(), input).await?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/v1/tenants/{tid}/users/{}", record.row.id)));
    with_etag(response, &record, &state.catalogue)
}

/// Reads a person. A plain user may read only themselves.
///
/// With their roles, and the licences they hold with the services each brings.
#[utoipa::path(get, path = "/v1/tenants/{tid}/users/{uid}", tag = "users", operation_id = "get_user",
    params(TenantUserPath),
    responses((status = 200, description = "The person", body = User, headers(("ETag" = String, description = "Version")))),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<TenantUserPath>,
) -> Result<HttpResponse, ApiError> {
    let TenantUserPath { tid, uid } = path.into_inner();
    let record = service::get(&state, &caller, tid, uid).await?;
    with_etag(HttpResponse::Ok(), &record, &state.catalogue)
}

/// Edits a person's profile. Honours `If-Match`.
///
/// Absent fields stay as they are; `contact_email: null` removes the contact email (not for administrators).
#[utoipa::path(patch, path = "/v1/tenants/{tid}/users/{uid}", tag = "users", operation_id = "update_user",
    params(TenantUserPath, IfMatchHeader),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated", body = User, headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "The sign-in address is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Domain not verified, or an admin would lose their contact email", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<TenantUserPath>,
    body: web::Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut check = FieldCheck::default();
    let display_name = check.check_optional("display_name", body.display_name.as_deref(), DisplayName::parse);
    let sign_in = check.check_optional("sign_in", body.sign_in.as_deref(), EmailAddress::parse);
    let contact_email = match body.contact_email {
        None => Some(None),
        Some(None) => Some(Some(None)),
        Some(Some(raw)) => check.check("contact_email", EmailAddress::parse(&raw)).map(|e| Some(Some(e))),
    };
    let changes = check.finish(|| {
        Some(UserChanges { display_name: display_name?, contact_email: contact_email?, sign_in: sign_in? })
    })?;
    let TenantUserPath { tid, uid } = path.into_inner();
    let record = service::update(&state, &caller, tid, uid, changes, if_match).await?;
    with_etag(HttpResponse::Ok(), &record, &state.catalogue)
}

/// Deletes a person. The tenant's last global admin cannot be deleted. Honours `If-Match`.
///
/// Their licences go back to the pools they came from.
#[utoipa::path(delete, path = "/v1/tenants/{tid}/users/{uid}", tag = "users", operation_id = "delete_user",
    params(TenantUserPath, IfMatchHeader),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The last global admin (`last_global_admin`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn delete_user(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<TenantUserPath>,
) -> Result<HttpResponse, ApiError> {
    let TenantUserPath { tid, uid } = path.into_inner();
    service::delete(&state, &caller, tid, uid, if_match).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets the person's administrator roles (the complete set).
///
/// Newly designated admins are sent their sign-in details; they need a contact email. The last
/// global admin stays one.
#[utoipa::path(put, path = "/v1/tenants/{tid}/users/{uid}/roles", tag = "users", operation_id = "set_user_roles",
    params(TenantUserPath, IfMatchHeader),
    request_body = SetRolesRequest,
    responses(
        (status = 200, description = "Roles set", body = User, headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "Would remove the last global admin (`last_global_admin`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The person has no contact email (`contact_email_required`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn set_user_roles(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<TenantUserPath>,
    body: web::Json<SetRolesRequest>,
) -> Result<HttpResponse, ApiError> {
    let TenantUserPath { tid, uid } = path.into_inner();
    let record = service::set_roles(&state, &caller, tid, uid, role_set(&body.roles), if_match).await?;
    with_etag(HttpResponse::Ok(), &record, &state.catalogue)
}

/// Resets a person's password: a temporary password goes to their contact email (never in this
/// response) and they choose a new one at next sign-in.
///
/// Who may reset whom follows the permission matrix: password admins reset plain users and other
/// password admins.
#[utoipa::path(post, path = "/v1/tenants/{tid}/users/{uid}/password-reset", tag = "users", operation_id = "reset_user_password",
    params(TenantUserPath),
    responses(
        (status = 202, description = "A temporary password is on its way", body = PasswordResetResponse),
        (status = 422, description = "The person has no contact email", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn reset_user_password(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<TenantUserPath>,
) -> Result<HttpResponse, ApiError> {
    let TenantUserPath { tid, uid } = path.into_inner();
    let sent_to = service::reset_password(&state, &caller, tid, uid).await?;
    Ok(HttpResponse::Accepted().json(PasswordResetResponse { sent_to }))
}
