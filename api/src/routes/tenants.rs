//! Customer tenants, created and listed by platform operators.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use tenantry_domain::tenant::{TenantName, TenantSlug};
use tenantry_domain::user::DisplayName;
use tenantry_domain::EmailAddress;
use utoipa::{IntoParams, ToSchema};

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::etag::with_etag;
use crate::http::etag::{IfMatch, IfMatchHeader};
use crate::http::pagination::PageRequest;
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::http::validation::{bounded_query, FieldCheck};
use crate::services::tenants::{self as service, NewManagerInput, NewTenantInput, TenantError, TenantQuery};
use crate::views::tenant::{CreatedTenant, Tenant, TenantPage};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_list_tenants, list_tenants)
        .add(__path_create_tenant, create_tenant)
        .add(__path_get_tenant, get_tenant)
        .add(__path_update_tenant, update_tenant);
}

impl From<TenantError> for ApiError {
    fn from(error: TenantError) -> Self {
        let detail = error.to_string();
        match error {
            TenantError::Access(denied) => denied.into(),
            TenantError::NotFound(missing) => missing.into(),
            TenantError::SlugTaken { .. } => ApiError::new(ErrorCode::SlugTaken, detail),
            TenantError::SignInTaken(_) => ApiError::new(ErrorCode::SignInTaken, detail),
            TenantError::Stale(stale) => stale.into(),
            TenantError::Hashing(failure) => failure.into(),
            TenantError::Store(store) => store.into(),
        }
    }
}

/// A new tenant and the cloud manager who will run it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Contoso SARL", "slug": "contoso",
    "cloud_manager": {"display_name": "Camille Martin", "user_name": "camille", "contact_email": "camille.martin@example.com"}}))]
pub struct CreateTenantRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// 3 to 40 lower-case letters, digits and hyphens; makes the initial domain.
    #[schema(min_length = 3, max_length = 40, pattern = "^[a-z][a-z0-9-]*[a-z0-9]$")]
    pub slug: String,
    pub cloud_manager: NewCloudManager,
}

/// The tenant's first cloud manager. They sign in as `<user_name>@<initial domain>`; a
/// temporary password is sent to their contact email.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCloudManager {
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    /// The part of the sign-in address before `@`.
    #[schema(min_length = 1, max_length = 64)]
    pub user_name: String,
    /// A personal address that already exists, where the sign-in details are sent.
    #[schema(max_length = 254)]
    pub contact_email: String,
}

/// Changes to a tenant; the slug and initial domain never change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Contoso SAS"}))]
pub struct UpdateTenantRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TenantListQuery {
    /// Case-insensitive substring of the tenant's name.
    #[param(max_length = 200, example = "contoso")]
    pub q: Option<String>,
    /// Prefix of any verified domain of the tenant.
    #[param(max_length = 253, example = "contoso.")]
    pub domain: Option<String>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

/// Lists tenants (operators only).
///
/// Filter by `q` (a substring of the name) and `domain` (a prefix of any verified domain).
#[utoipa::path(get, path = "/v1/tenants", tag = "tenants", operation_id = "list_tenants",
    params(TenantListQuery),
    responses((status = 200, description = "A page of tenants", body = TenantPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_tenants(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<TenantListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let clean = |v: Option<String>| v.map(|v| v.trim().to_lowercase()).filter(|v| !v.is_empty());
    let name_contains = clean(bounded_query("q", query.q, 200)?);
    let domain_prefix = clean(bounded_query("domain", query.domain, 253)?);
    let query = TenantQuery { name_contains, domain_prefix, page };
    let page = service::list(&state, &caller, query).await?;
    Ok(HttpResponse::Ok().json(TenantPage { items: page.items, next_cursor: page.next_cursor }))
}

/// Creates a tenant with its cloud manager (operators only).
///
/// The cloud manager is sent their sign-in details.
#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", operation_id = "create_tenant",
    request_body = CreateTenantRequest,
    responses(
        (status = 201, description = "Created", body = CreatedTenant,
            headers(("Location" = String, description = "The new tenant"), ("ETag" = String, description = "Version"))),
        (status = 409, description = "The slug is taken (`slug_taken`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn create_tenant(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateTenantRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut check = FieldCheck::default();
    let name = check.check("name", TenantName::parse(&body.name));
    let slug = check.check("slug", TenantSlug::parse(&body.slug));
    let initial_domain =
        slug.as_ref().and_then(|s| check.check("slug", s.initial_domain(&state.config.platform_domain)));
    let manager_name = check.check("cloud_manager.display_name", DisplayName::parse(&body.cloud_manager.display_name));
    let sign_in = initial_domain.as_ref().and_then(|d| {
        check.check("cloud_manager.user_name", EmailAddress::in_domain(&body.cloud_manager.user_name, d))
    });
    let contact = check.check("cloud_manager.contact_email", EmailAddress::parse(&body.cloud_manager.contact_email));
    let input = check.finish(|| {
        Some(NewTenantInput {
            name: name?,
            slug: slug?,
            initial_domain: initial_domain?,
            manager: NewManagerInput { display_name: manager_name?, sign_in: sign_in?, contact_email: contact? },
        })
    })?;
    let created = service::create(&state, &caller, input).await?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/v1/tenants/{}", created.view.tenant.id)));
    Ok(with_etag(response, &created))
}

/// Reads a tenant.
///
/// Its verified domains included. A plain user reads their tenant through `GET /v1/me`.
#[utoipa::path(get, path = "/v1/tenants/{tid}", tag = "tenants", operation_id = "get_tenant",
    params(("tid" = String, Path, description = "Tenant id")),
    responses((status = 200, description = "The tenant", body = Tenant, headers(("ETag" = String, description = "Version")))),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_tenant(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tenant = service::get(&state, &caller, tid.into_inner().into()).await?;
    Ok(with_etag(HttpResponse::Ok(), &tenant))
}

/// Renames a tenant (operators only). Honours `If-Match`.
///
/// Only the name can change: the slug and the initial domain are fixed at creation.
#[utoipa::path(patch, path = "/v1/tenants/{tid}", tag = "tenants", operation_id = "update_tenant",
    params(("tid" = String, Path, description = "Tenant id"),
        IfMatchHeader),
    request_body = UpdateTenantRequest,
    responses(
        (status = 200, description = "Updated", body = Tenant, headers(("ETag" = String, description = "New version"))),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn update_tenant(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    tid: web::Path<String>,
    body: web::Json<UpdateTenantRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut check = FieldCheck::default();
    let name = check.check_optional("name", body.name.as_deref(), TenantName::parse);
    let name = check.finish(|| name)?;
    let tenant = service::rename(&state, &caller, tid.into_inner().into(), name, if_match).await?;
    Ok(with_etag(HttpResponse::Ok(), &tenant))
}
