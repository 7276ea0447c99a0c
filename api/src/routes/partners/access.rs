//! Which agents and API clients act for which customer.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::problem::{ApiError, Problem};
use crate::routes::table::RouteTable;
use crate::services::partners::access::{self as service, Grantee};
use crate::views::partner::{AccessAssignment, AssignedAccessName};

pub fn configure(table: &mut RouteTable) {
    table.add(__path_set_agent_access, set_agent_access).add(__path_set_client_access, set_client_access);
}

/// The access to give for one customer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tenant": "019a5f3e-6b00-7a00-8000-000000000001", "access": "limited"}))]
pub struct SetAccessRequest {
    /// The customer's tenant id.
    #[schema(max_length = 100)]
    pub tenant: String,
    /// `full`, `limited`, or `none` to take access away; never more than the relationship grants.
    pub access: AssignedAccessName,
}

/// Gives a partner agent access to a customer (partner admins).
///
/// Never more than the customer's relationship with the partner grants. Recorded in the customer's audit log.
#[utoipa::path(put, path = "/v1/partners/{pid}/users/{puid}/access", tag = "partners", operation_id = "set_agent_access",
    params(("pid" = String, Path, description = "Partner id"), ("puid" = String, Path, description = "Partner agent id")),
    request_body = SetAccessRequest,
    responses(
        (status = 200, description = "The agent's access to the customer", body = AccessAssignment),
        (status = 422, description = "More than the relationship grants (`access_beyond_relationship`), no live relationship with that tenant (`not_a_customer`), or a partner admin (`not_an_agent`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn set_agent_access(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<SetAccessRequest>,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, person_id) = path.into_inner();
    let body = body.into_inner();
    let assigned = service::assign(
        &state,
        &caller,
        partner_id.into(),
        Grantee::Agent(person_id),
        body.tenant.into(),
        body.access.into(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(assigned))
}

/// Gives a partner API client access to a customer (partner admins).
///
/// Never more than the customer's relationship with the partner grants. Recorded in the customer's audit log.
#[utoipa::path(put, path = "/v1/partners/{pid}/api-clients/{cid}/access", tag = "partners", operation_id = "set_client_access",
    params(("pid" = String, Path, description = "Partner id"), ("cid" = String, Path, description = "API client id")),
    request_body = SetAccessRequest,
    responses(
        (status = 200, description = "The client's access to the customer", body = AccessAssignment),
        (status = 422, description = "More than the relationship grants (`access_beyond_relationship`), or no live relationship with that tenant (`not_a_customer`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn set_client_access(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<SetAccessRequest>,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, client_id) = path.into_inner();
    let body = body.into_inner();
    let assigned = service::assign(
        &state,
        &caller,
        partner_id.into(),
        Grantee::ApiClient(client_id),
        body.tenant.into(),
        body.access.into(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(assigned))
}
