//! Who may reach what, route by route: another tenant's ids are 404 and change nothing; a role
//! the permission matrix forbids is 403. The routes are enumerated in [`routes::ROUTES`], and a
//! test checks that the table covers every operation of the published OpenAPI document, so a new
//! route cannot escape these checks.
//!
//! Partners' agents and API clients act in a customer with the matrix's delegated columns, and
//! nowhere else (404); the partner side follows the domain's partner table.

mod delegated;
mod fixtures;
mod isolation;
mod partner_setup;
mod partner_table;
mod routes;
mod rules;
mod tenant_matrix;

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        routes::the_route_table_covers_every_published_operation,
        isolation::another_tenants_ids_are_not_found_and_nothing_changes,
        tenant_matrix::every_tenant_route_follows_the_permission_matrix,
        delegated::every_customer_route_follows_the_matrix_for_delegated_callers,
        partner_table::every_partner_route_follows_the_partner_table,
        routes::requests_without_a_token_are_unauthorized_everywhere,
    ]
}
