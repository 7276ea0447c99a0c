//! The provisioning job: the suite has been set up for an order, so the subscription becomes
//! active with the seats asked for, and the tenant's global admins are welcomed.
//!
//! It runs in the same transaction that marks the job done, so its effect happens once even if
//! the process stops at any point.

use tenantry_domain::AdminRole;
use tenantry_persistence::{subscriptions, time, users, DbConnection};

use super::audit::{self, Actor, Change};
use super::messages;
use crate::config::Config;
use crate::problem::ApiError;

pub fn provision(conn: &mut DbConnection, config: &Config, subscription_id: &str) -> Result<(), ApiError> {
    let now = super::now();
    let Some(row) = subscriptions::find(conn, subscription_id)? else {
        return Err(ApiError::internal(format!("provisioning a subscription that does not exist: {subscription_id}")));
    };
    if !subscriptions::mark_provisioned(conn, subscription_id, time::to_db(now))? {
        // Already active, suspended or terminated: nothing left to provision.
        return Ok(());
    }
    let admins = users::with_role(conn, &row.tenant_id, AdminRole::GlobalAdmin.as_str())?;
    for admin in &admins {
        if let Some(contact) = admin.contact_email.as_deref() {
            let recipient = messages::Recipient {
                contact_email: contact,
                display_name: &admin.display_name,
                sign_in: &admin.sign_in,
            };
            messages::welcome_to_service(conn, config, &recipient, &row.plan_code, row.activate_on_provisioning, now)?;
        }
    }
    let system = Actor {
        user_id: None,
        name: "Provisioning".to_owned(),
        partner_id: None,
        request_id: format!("job:{subscription_id}"),
    };
    audit::record(
        conn,
        &system,
        Change {
            tenant_id: Some(&row.tenant_id),
            action: "subscription.activated",
            target_type: "subscription",
            target_id: subscription_id,
            details: serde_json::json!({"active_seats": row.activate_on_provisioning, "welcomed": admins.len()}),
        },
        now,
    )
}
