//! Who acts for which customer: a partner admin gives its agents and API clients `full`,
//! `limited` or `none` for each customer, never more than the relationship grants.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::partner::{self, AssignedAccess, PartnerAction, PartnerRole};
use tenantry_domain::{PartnerId, TenantId};
use tenantry_persistence::{api_clients, delegation, partners as partner_rows};

use super::PartnerError;
use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::http::caller::SignedIn;
use crate::services::lookup::NotFound;
use crate::views::partner::AccessAssignment;

/// Who is given access.
pub enum Grantee {
    Agent(String),
    ApiClient(String),
}

impl Grantee {
    fn id(&self) -> &str {
        match self {
            Grantee::Agent(id) | Grantee::ApiClient(id) => id,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Grantee::Agent(_) => "partner_agent",
            Grantee::ApiClient(_) => "api_client",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("partner admins hold the relationship's access themselves; access is assigned to agents and API clients")]
pub struct NotAnAgent;

pub async fn assign(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    grantee: Grantee,
    tenant_id: TenantId,
    access: AssignedAccess,
) -> Result<AccessAssignment, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageDelegation)?;
    state
        .transact(&permit, move |tx| {
            let now = tx.stamp();
            match &grantee {
                Grantee::Agent(id) => {
                    let person =
                        partner_rows::find_person(tx.conn(), &partner_id, id)?.ok_or(NotFound("partner person"))?;
                    if person.partner_role()? != Some(PartnerRole::Agent) {
                        return Err(PartnerError::AdminNotAssignable(NotAnAgent));
                    }
                }
                Grantee::ApiClient(id) => {
                    api_clients::find_of_partner(tx.conn(), &partner_id, id)?.ok_or(NotFound("API client"))?;
                }
            }
            let relationship = delegation::active_relationship(tx.conn(), &partner_id, &tenant_id)?
                .filter(|row| row.relationship().is_live(tx.now()))
                .ok_or(PartnerError::NotACustomer)?;
            partner::check_assignment(relationship.access, access)?;
            delegation::lock_relationship(tx.conn(), &relationship.id)?;
            let given = match access {
                AssignedAccess::Some(level) => Some(level),
                AssignedAccess::None => None,
            };
            delegation::set_access(tx.conn(), &relationship.id, grantee.id(), given, now)?;
            // Recorded in the customer's log: the customer sees who was given access to it.
            tx.audit(
                AuditAction::DelegatedAccessAssigned,
                Subject::in_tenant(&tenant_id, grantee.id()),
                serde_json::json!({"partner_id": partner_id, "grantee_kind": grantee.kind(),
                    "relationship_id": relationship.id, "access": access.as_str()}),
            )?;
            Ok(AccessAssignment {
                tenant_id: tenant_id.into_string(),
                grantee_id: grantee.id().to_owned(),
                relationship_id: relationship.id,
                access: access.into(),
            })
        })
        .await
}
