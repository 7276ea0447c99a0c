//! The one schema both backends share; each migrations folder creates exactly these tables.
//! The tables live in one module per concern; the joins between them are declared here.

mod delivery;
mod domains;
mod partnership;
mod pools;
mod support;
mod tenancy;

pub use delivery::*;
pub use domains::*;
pub use partnership::*;
pub use pools::*;
pub use support::*;
pub use tenancy::*;

diesel::joinable!(tenant_domains -> tenants (tenant_id));
diesel::joinable!(subscriptions -> plans (plan_code));
diesel::joinable!(license_assignments -> subscriptions (subscription_id));
diesel::joinable!(license_assignments -> users (user_id));
diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(users -> partners (partner_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(audit_events -> tenants (tenant_id));
diesel::joinable!(partner_relationships -> tenants (tenant_id));
diesel::joinable!(partner_relationships -> partners (partner_id));
diesel::joinable!(admin_offers -> partners (partner_id));
diesel::joinable!(delegated_access -> partner_relationships (relationship_id));
diesel::joinable!(api_clients -> partners (partner_id));
diesel::joinable!(partner_domains -> partners (partner_id));
diesel::joinable!(service_request_notes -> service_requests (request_id));
diesel::joinable!(service_request_submissions -> service_requests (request_id));
diesel::joinable!(incident_workloads -> incidents (incident_id));
diesel::joinable!(incident_tenants -> incidents (incident_id));
diesel::joinable!(incident_updates -> incidents (incident_id));
diesel::joinable!(centre_message_tenants -> centre_messages (message_id));
diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    tenant_domains,
    users,
    user_roles,
    outbox_messages,
    audit_events,
    plans,
    plan_services,
    plan_transitions,
    subscriptions,
    license_assignments,
    jobs,
    idempotency_keys,
    partners,
    admin_offers,
    partner_relationships,
    delegated_access,
    api_clients,
    flagged_customers,
    recent_user_views,
    service_requests,
    service_request_submissions,
    service_request_notes,
    incidents,
    incident_workloads,
    incident_tenants,
    incident_updates,
    centre_messages,
    centre_message_tenants,
    centre_message_states,
    feedback,
    registry_names,
    domain_registrations,
    signups,
    takeovers,
    webhook_endpoints,
    webhook_deliveries,
    sign_in_throttle,
    sign_in_sources,
    rate_limit_hits,
    partner_domains,
    signing_keys
);
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(domain_registrations -> tenants (tenant_id));
diesel::joinable!(takeovers -> tenants (tenant_id));

diesel::define_sql_function! {
    /// Lower-cases text on both backends, for case-insensitive search.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
