//! People in a tenant and their administrator roles.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use tenantry_domain::roles::RoleChangeError;
use tenantry_domain::user::{DisablingRefusal, DisplayName, NewPersonError};
use tenantry_domain::{EmailAddress, Password};
use utoipa::{IntoParams, ToSchema};

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::etag::with_etag;
use crate::http::etag::{json_unless_unchanged, IfMatch, IfMatchHeader, IfNoneMatchHeader};
use crate::http::pagination::PageRequest;
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::http::validation::{bounded_query, FieldCheck};
use crate::services::users::{self as service, NewSignIn, NewUserInput, UserChanges, UserError};
use crate::views::user::{role_set, PasswordResetResponse, Role, User, UserPage};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_list_users, list_users)
        .add(__path_create_user, create_user)
        .add(__path_get_user, get_user)
        .add(__path_update_user, update_user)
        .add(__path_delete_user, delete_user)
        .add(__path_set_user_roles, set_user_roles)
        .add(__path_reset_user_password, reset_user_password);
}

fn role_problem(error: &RoleChangeError) -> ApiError {
    let code = match error {
        RoleChangeError::LastGlobalAdmin => ErrorCode::LastGlobalAdmin,
        RoleChangeError::ContactEmailRequired | RoleChangeError::AdminKeepsContactEmail => {
            ErrorCode::ContactEmailRequired
        }
    };
    ApiError::new(code, error.to_string())
}

impl From<UserError> for ApiError {
    fn from(error: UserError) -> Self {
        let detail = error.to_string();
        match error {
            UserError::Access(denied) => denied.into(),
            UserError::NotFound(missing) => missing.into(),
            UserError::SignInTaken(_) => ApiError::new(ErrorCode::SignInTaken, detail),
            UserError::DomainNotVerified { verified_domains, .. } => {
                ApiError::new(ErrorCode::DomainNotVerified, detail)
                    .with_context(serde_json::json!({ "verified_domains": verified_domains }))
            }
            UserError::NewPerson(NewPersonError::Roles(roles)) | UserError::Roles(roles) => role_problem(&roles),
            UserError::Delegated(_) | UserError::Grant(_) => ApiError::forbidden(detail),
            UserError::Disabling(DisablingRefusal::LastGlobalAdmin) => {
                ApiError::new(ErrorCode::LastGlobalAdmin, detail)
            }
            UserError::Disabling(DisablingRefusal::Yourself) => ApiError::invalid_field("account_enabled", detail),
            UserError::InvalidSignIn(message) => ApiError::invalid_field("user_name", message),
            UserError::NewPerson(NewPersonError::NoWayToSendPassword) | UserError::PasswordReset(_) => {
                ApiError::new(ErrorCode::ContactEmailRequired, detail)
            }
            UserError::Stale(stale) => stale.into(),
            UserError::Hashing(failure) => failure.into(),
            UserError::Store(store) => store.into(),
        }
    }
}

/// A new person. With admin roles this designates an administrator, who must have a contact
/// email; without a password, a temporary one is sent to the contact email.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Ada Lovelace", "user_name": "ada",
    "contact_email": "ada@example.com", "roles": ["global_admin"]}))]
pub struct CreateUserRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    /// `local@domain`, the domain one of the tenant's verified domains. Give this or `user_name`.
    #[schema(max_length = 254)]
    pub sign_in: Option<String>,
    /// The part before `@` only: the person signs in at the tenant's default domain. Give this or `sign_in`.
    #[schema(min_length = 1, max_length = 64, example = "ada")]
    pub user_name: Option<String>,
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
#[schema(example = json!({"display_name": "Ada King", "account_enabled": true}))]
pub struct UpdateUserRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<String>, max_length = 254)]
    pub contact_email: Option<Option<String>>,
    #[schema(max_length = 254)]
    pub sign_in: Option<String>,
    /// `false` disables the person (no sign-in; every token they hold stops working at once),
    /// `true` enables them again. Nobody disables themselves, nor the tenant's last global admin.
    pub account_enabled: Option<bool>,
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

/// Lists the tenant's people, searchable with `q`.
///
/// Each person with their roles and licenses, in order of creation. `q` matches the display name or the sign-in address (case-insensitive). Answers `304 Not Modified` to an `If-None-Match` naming the current `ETag`, so a periodic sync costs nothing when nothing changed.
#[utoipa::path(get, path = "/v1/tenants/{tid}/users", tag = "users", operation_id = "list_users",
    params(("tid" = String, Path, description = "Tenant id"), UserListQuery, IfNoneMatchHeader),
    responses(
        (status = 200, description = "A page of people", body = UserPage,
            headers(("ETag" = String, description = "Names this content; send it back as `If-None-Match`"))),
        (status = 304, description = "Unchanged since the `ETag` you sent"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    tid: web::Path<String>,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let search = bounded_query("q", query.q, 200)?;
    let page = service::list(&state, &caller, tid.into_inner().into(), search, page).await?;
    json_unless_unchanged(req.headers(), &UserPage { items: page.items, next_cursor: page.next_cursor })
}

/// Creates a person, or designates a new administrator when `roles` is not empty.
///
/// The sign-in address must be in one of the tenant's verified domains; with `user_name` instead, it is `<user_name>@<default domain>`. Without a `password`, a temporary one is sent to `contact_email` and must be changed at first sign-in.
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
    let sign_in = match (&body.sign_in, &body.user_name) {
        (Some(address), None) => check.check("sign_in", EmailAddress::parse(address).map(NewSignIn::Address)),
        (None, Some(user_name)) => {
            // The shape of the part before `@`; the domain is the tenant's default, read later.
            let shape = EmailAddress::in_domain(user_name, &state.config.platform_domain);
            check.check("user_name", shape.map(|address| NewSignIn::UserName(address.local_part().to_owned())))
        }
        _ => {
            check.fail("sign_in", "give either `sign_in` (a full address) or `user_name` (at the default domain)");
            None
        }
    };
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
    let created = service::create(&state, &caller, tid.clone().into(), input).await?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/v1/tenants/{tid}/users/{}", created.view.id)));
    Ok(with_etag(response, &created))
}

/// Reads a person. A plain user may read only themselves.
///
/// With their roles, and the licenses they hold with the services each brings.
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
    let person = service::get(&state, &caller, tid.into(), uid.into()).await?;
    Ok(with_etag(HttpResponse::Ok(), &person))
}

/// Edits a person's profile, or disables or enables them. Honours `If-Match`.
///
/// Absent fields stay as they are; `contact_email: null` removes the contact email (not for administrators). `account_enabled: false` disables the person: they can no longer sign in and every token they hold is refused (401) from the next request.
#[utoipa::path(patch, path = "/v1/tenants/{tid}/users/{uid}", tag = "users", operation_id = "update_user",
    params(TenantUserPath, IfMatchHeader),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated", body = User, headers(("ETag" = String, description = "New version"))),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The sign-in address is taken (`sign_in_taken`), or this is the last global admin (`last_global_admin`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Domain not verified, an admin would lose their contact email, or you would disable yourself", body = Problem, content_type = "application/problem+json"),
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
        Some(UserChanges {
            display_name: display_name?,
            contact_email: contact_email?,
            sign_in: sign_in?,
            account_enabled: body.account_enabled,
        })
    })?;
    let TenantUserPath { tid, uid } = path.into_inner();
    let person = service::update(&state, &caller, tid.into(), uid.into(), changes, if_match).await?;
    Ok(with_etag(HttpResponse::Ok(), &person))
}

/// Deletes a person. The tenant's last global admin cannot be deleted. Honours `If-Match`.
///
/// Their licenses go back to the pools they came from.
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
    service::delete(&state, &caller, tid.into(), uid.into(), if_match).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets the person's administrator roles (the complete set).
///
/// Newly designated admins are sent their sign-in details; they need a contact email. The last
/// global admin stays one. Nobody adds a role to themselves (dropping one is fine); a role goes to
/// someone else only from a person who could exercise it, or from the cloud manager; a partner
/// grants only its relationship's roles, never a cloud manager's or global admin's (403).
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
    let person = service::set_roles(&state, &caller, tid.into(), uid.into(), role_set(&body.roles), if_match).await?;
    Ok(with_etag(HttpResponse::Ok(), &person))
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
    let sent: PasswordResetResponse = service::reset_password(&state, &caller, tid.into(), uid.into()).await?;
    Ok(HttpResponse::Accepted().json(sent))
}
