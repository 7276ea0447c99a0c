//! The route table: registering a handler documents it.
//!
//! A route is added with the documentation its `#[utoipa::path]` generated (the unit struct
//! `__path_<handler>`): the table serves the handler at the path and method that documentation
//! names, and the OpenAPI document is built from the same table, so nothing is served that is
//! not documented, nor documented that is not served. This is what utoipa-actix-web does; it
//! is a few lines here rather than another dependency, and the contract test still compares
//! what actix serves with `openapi.yaml` both ways.

use std::any::type_name;

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder, Route};
use utoipa::openapi::path::{HttpMethod, Paths};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

use super::resource::resource;

/// The routes of the API, each with its documentation.
#[derive(Default)]
pub struct RouteTable {
    /// Per path, in order of registration, the routes of each method.
    resources: Vec<(String, Vec<(Method, Route)>)>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
    /// Handlers added with another handler's documentation (see [`RouteTable::mismatches`]).
    mismatched: Vec<String>,
}

impl RouteTable {
    /// Serves `handler` where `Doc` (its `__path_<handler>`) says, and documents it so.
    pub fn add<Doc, F, Args>(&mut self, _doc: Doc, handler: F) -> &mut Self
    where
        Doc: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let (path, methods) = (Doc::path(), Doc::methods());
        let documented = type_name::<Doc>().rsplit("::").next().unwrap_or_default().trim_start_matches("__path_");
        let served = type_name::<F>().rsplit("::").next().unwrap_or_default();
        if documented != served {
            self.mismatched.push(format!("{served} is served with the documentation of {documented}"));
        }
        let position = match self.resources.iter().position(|(known, _)| *known == path) {
            Some(position) => position,
            None => {
                self.resources.push((path.clone(), Vec::new()));
                self.resources.len() - 1
            }
        };
        for method in &methods {
            let method = actix_method(method);
            self.resources[position].1.push((method.clone(), web::route().method(method).to(handler.clone())));
        }
        let mut operation = Doc::operation();
        operation.tags.get_or_insert_with(Vec::new).extend(Doc::tags().into_iter().map(str::to_owned));
        self.paths.add_path_operation(&path, methods, operation);
        Doc::schemas(&mut self.schemas);
        self
    }

    /// Serves one handler under an operation documented for it among others (the same handler
    /// for a partner's and a tenant's webhooks): the names need not match.
    pub fn add_as<Doc, F, Args>(&mut self, doc: Doc, handler: F) -> &mut Self
    where
        Doc: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let before = self.mismatched.len();
        self.add(doc, handler);
        self.mismatched.truncate(before);
        self
    }

    /// Handlers added with the documentation of another: none in a correct table.
    pub fn mismatches(&self) -> &[String] {
        &self.mismatched
    }

    /// The documentation of every route: paths, and the schemas they use.
    pub fn documentation(self) -> (Paths, Vec<(String, RefOr<Schema>)>) {
        (self.paths, self.schemas)
    }

    /// Registers every route with actix, one resource per path; other methods get 405 with
    /// `Allow`.
    pub fn serve(self, cfg: &mut web::ServiceConfig) {
        for (path, routes) in self.resources {
            let allow = routes.iter().map(|(method, _)| method.as_str()).collect::<Vec<_>>().join(", ");
            let mut served = resource(&path, allow);
            for (_, route) in routes {
                served = served.route(route);
            }
            cfg.service(served);
        }
    }
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::HttpResponse;

    use super::RouteTable;

    /// Probes.
    #[utoipa::path(get, path = "/probe/a", responses((status = 200, description = "Probed")))]
    pub async fn probe_a() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    /// Probes again.
    #[utoipa::path(post, path = "/probe/b", responses((status = 200, description = "Probed")))]
    pub async fn probe_b() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[test]
    fn every_handler_of_the_api_is_served_with_its_own_documentation() {
        let table = crate::routes::table();
        assert!(table.mismatches().is_empty(), "{:#?}", table.mismatches());
        let (paths, schemas) = table.documentation();
        assert!(paths.paths.len() > 80, "the table documents the API: {} paths", paths.paths.len());
        assert!(schemas.iter().any(|(name, _)| name == "UserPage"), "schemas are collected from the handlers");
    }

    #[test]
    fn a_handler_served_with_another_handlers_documentation_is_found() {
        let mut table = RouteTable::default();
        table.add(__path_probe_a, probe_a).add(__path_probe_a, probe_b);
        assert_eq!(table.mismatches(), ["probe_b is served with the documentation of probe_a"]);
        let mut shared = RouteTable::default();
        shared.add_as(__path_probe_a, probe_b);
        assert!(shared.mismatches().is_empty(), "a shared handler is declared as such");
    }

    #[test]
    fn a_route_is_served_and_documented_where_its_documentation_says() {
        let mut table = RouteTable::default();
        table.add(__path_probe_a, probe_a).add(__path_probe_b, probe_b);
        let (paths, _) = table.documentation();
        assert!(paths.paths["/probe/a"].get.is_some() && paths.paths["/probe/a"].post.is_none());
        assert!(paths.paths["/probe/b"].post.is_some());
    }
}
