//! The partner app's customer list.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::etag::{json_unless_unchanged, IfNoneMatchHeader};
use crate::http::pagination::PageRequest;
use crate::http::problem::ApiError;
use crate::http::validation::bounded_query;
use crate::routes::table::RouteTable;
use crate::services::partners::customers::{self as service, CustomerQuery};
use crate::views::partner::CustomerPage;

pub fn configure(table: &mut RouteTable) {
    table.add(__path_list_customers, list_customers);
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerListQuery {
    /// Prefix of the customer's default domain.
    #[param(max_length = 253, example = "contoso")]
    pub domain: Option<String>,
    /// `true`: only the customers you flagged (`PUT /v1/me/flagged-customers/{tid}`).
    pub flagged: Option<bool>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

/// Lists the partner's customers with a live relationship.
///
/// Partner admins see every customer; agents and API clients those they were given access to, each with the
/// access they hold. Answers `304 Not Modified` to an `If-None-Match` naming the current `ETag`, so a periodic
/// sync costs nothing when nothing changed.
#[utoipa::path(get, path = "/v1/partners/{pid}/customers", tag = "partners", operation_id = "list_customers",
    params(("pid" = String, Path, description = "Partner id"), CustomerListQuery, IfNoneMatchHeader),
    responses(
        (status = 200, description = "A page of customers", body = CustomerPage,
            headers(("ETag" = String, description = "Names this content; send it back as `If-None-Match`"))),
        (status = 304, description = "Unchanged since the `ETag` you sent"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_customers(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    pid: web::Path<String>,
    query: web::Query<CustomerListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let domain_prefix =
        bounded_query("domain", query.domain, 253)?.map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty());
    let query = CustomerQuery { domain_prefix, flagged_only: query.flagged == Some(true), page };
    let page = service::list(&state, &caller, pid.into_inner().into(), query).await?;
    json_unless_unchanged(req.headers(), &CustomerPage::from(page))
}
