//! Delivers webhook events, signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), retried with back-off,
//! recorded in each endpoint's delivery log. An endpoint that has failed every delivery for three
//! days is switched off and its owners told.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tenantry_domain::delivery::RetryPolicy;
use tenantry_domain::partner::PartnerRole;
use tenantry_domain::preferences::Preferences;
use tenantry_domain::retry::AfterFailure;
use tenantry_domain::webhook;
use tenantry_domain::AdminRole;
use tenantry_persistence::webhooks::{self, DeliveryRow, EndpointRow};
use tenantry_persistence::{partners, time, users, DbConnection, DbPool, StoreError};

use crate::app::unit_of_work::{Actor, Context, Tx};
use crate::outbound::webhook_security::{check_endpoint, sign};
use crate::runtime::shutdown::Shutdown;
use crate::services::messages::{self, Recipient};

const CLAIM_LEASE_SECONDS: i64 = 60;
const BATCH: i64 = 50;
/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Webhooks {
    pub context: Arc<Context>,
    pub retry: RetryPolicy,
    /// Private and loopback receivers, and plain http, allowed (tests, private deployments).
    pub allow_private: bool,
    agent: ureq::Agent,
}

impl Webhooks {
    pub fn new(context: Arc<Context>, retry: RetryPolicy, allow_private: bool) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0)
            .build();
        Self { context, retry, allow_private, agent: config.into() }
    }
}

pub async fn run(pool: DbPool, hooks: Webhooks, poll: Duration, shutdown: Arc<Shutdown>) {
    let hooks = Arc::new(hooks);
    let stop = shutdown.clone();
    crate::workers::periodic::run_every(poll, "webhook delivery", shutdown, move || {
        deliver_due(&pool, &hooks, &stop).map_err(|e| e.to_string())
    })
    .await;
}

/// How one attempt ended.
enum Outcome {
    Delivered(i32),
    Failed { status: Option<i32>, error: String },
}

const USER_AGENT: &str = concat!("Tenantry-Webhooks/", env!("CARGO_PKG_VERSION"));

fn attempt(hooks: &Webhooks, endpoint: &EndpointRow, delivery: &DeliveryRow) -> Outcome {
    if let Err(refusal) = check_endpoint(&endpoint.url, hooks.allow_private) {
        return Outcome::Failed { status: None, error: refusal.to_string() };
    }
    let timestamp = crate::runtime::clock::now().timestamp();
    let signature = sign(&endpoint.secret, &delivery.event_id, timestamp, &delivery.payload);
    let sent = hooks
        .agent
        .post(&endpoint.url)
        .header("content-type", "application/json")
        // Receivers and their firewalls see who calls: Tenantry and its version.
        .header("user-agent", USER_AGENT)
        .header("webhook-id", &delivery.event_id)
        .header("webhook-timestamp", &timestamp.to_string())
        .header("webhook-signature", &signature)
        .send(delivery.payload.as_bytes());
    match sent {
        Ok(response) => {
            let status = i32::from(response.status().as_u16());
            if (200..300).contains(&status) {
                Outcome::Delivered(status)
            } else {
                Outcome::Failed { status: Some(status), error: format!("the receiver answered {status}") }
            }
        }
        Err(error) => Outcome::Failed { status: None, error: format!("no answer: {error}") },
    }
}

/// Delivers every due event once; returns how many were delivered.
pub fn deliver_due(pool: &DbPool, hooks: &Webhooks, shutdown: &Shutdown) -> Result<usize, StoreError> {
    let mut conn = pool.get()?;
    let now = crate::runtime::clock::now();
    let mut delivered = 0;
    for delivery in webhooks::due(&mut conn, time::to_db(now), BATCH)? {
        if shutdown.workers_stopping() {
            break;
        }
        // From its own claim, so that slow receivers earlier in the batch cannot let it go stale.
        let lease = time::to_db(crate::runtime::clock::now() + chrono::Duration::seconds(CLAIM_LEASE_SECONDS));
        if !webhooks::claim(&mut conn, &delivery, lease)? {
            continue;
        }
        let Some(endpoint) = webhooks::find_endpoint_by_id(&mut conn, &delivery.endpoint_id)? else { continue };
        if endpoint.disabled_at.is_some() {
            // Disabled while this waited: nothing more goes to it.
            let stamp = time::to_db(crate::runtime::clock::now());
            webhooks::mark_attempt_failed(&mut conn, &delivery, None, "the endpoint is disabled", None, stamp)?;
            continue;
        }
        match attempt(hooks, &endpoint, &delivery) {
            Outcome::Delivered(status) => {
                webhooks::mark_delivered(&mut conn, &delivery, status, time::to_db(crate::runtime::clock::now()))?;
                delivered += 1;
            }
            Outcome::Failed { status, error } => {
                settle_failure(&mut conn, hooks, &endpoint, &delivery, status, &error)?
            }
        }
    }
    Ok(delivered)
}

fn settle_failure(
    conn: &mut DbConnection,
    hooks: &Webhooks,
    endpoint: &EndpointRow,
    delivery: &DeliveryRow,
    status: Option<i32>,
    error: &str,
) -> Result<(), StoreError> {
    let now = crate::runtime::clock::now();
    let jitter: f64 = rand::thread_rng().gen();
    let retry_at = match hooks.retry.after_transient_failure(delivery.attempts + 1, jitter) {
        AfterFailure::RetryIn(pause) => Some(time::to_db(now + pause)),
        AfterFailure::GiveUp => None,
    };
    log::warn!(
        "webhook {} to endpoint {} failed (attempt {}): {error}",
        delivery.id,
        endpoint.id,
        delivery.attempts + 1
    );
    webhooks::mark_attempt_failed(conn, delivery, status, error, retry_at, time::to_db(now))?;
    let failing_since = endpoint.failing_since.map(time::from_db).or(Some(now));
    // Days of failures, and this event failing too after a few tries: not one unlucky attempt
    // after a quiet spell.
    if webhook::should_disable(failing_since, now) && delivery.attempts + 1 >= 3 {
        let actor = Actor::job("Webhooks", format!("webhook:{}", endpoint.id));
        conn.write(|conn| -> Result<(), StoreError> {
            let mut tx = Tx::new(conn, &actor, &hooks.context);
            let stamp = tx.stamp();
            if webhooks::disable(tx.conn(), &endpoint.id, stamp)? {
                log::error!("webhook endpoint {} disabled after failing every delivery for three days", endpoint.id);
                tell_owners(&mut tx, endpoint)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// The endpoint's owners learn it was switched off: the partner's admins, or the tenant's
/// global admins.
fn tell_owners(tx: &mut Tx<'_>, endpoint: &EndpointRow) -> Result<(), StoreError> {
    let owners = match (&endpoint.partner_id, &endpoint.tenant_id) {
        (Some(partner), _) => partners::people_with_role(tx.conn(), partner, PartnerRole::Admin)?,
        (None, Some(tenant)) => users::with_role(tx.conn(), tenant, AdminRole::GlobalAdmin)?,
        (None, None) => Vec::new(),
    };
    for owner in &owners {
        let to = Recipient {
            contact_email: owner.contact_email.as_deref().unwrap_or(&owner.sign_in),
            display_name: &owner.display_name,
            sign_in: &owner.sign_in,
            language: Preferences::read(&owner.preferences).language,
        };
        tx.send(messages::webhook_disabled(&to, &endpoint.url, tx.public_url()))?;
    }
    Ok(())
}
