//! Webhook endpoints: registered by a partner's admins for their integrations, or by a tenant's
//! global admins for theirs; each with a secret shown once, the events wanted, and a delivery log.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use tenantry_domain::limits::{self, Cap, CapReached};
use tenantry_domain::partner::PartnerAction;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::webhook::{EndpointRefusal, EventType};
use tenantry_persistence::webhooks::{self, NewEndpoint, Owner};
use tenantry_persistence::StoreError;

use super::lookup::NotFound;
use crate::app::state::AppState;
use crate::auth::permit::Permit;
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::pagination::PageRequest;
use crate::outbound::webhook_security::check_endpoint;
use crate::runtime::ids::new_id;
use crate::views::webhook::{WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret};
use crate::views::Page;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error(transparent)]
    Endpoint(#[from] EndpointRefusal),
    #[error(transparent)]
    Cap(#[from] CapReached),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whose endpoints a request is about.
#[derive(Debug, Clone)]
pub enum OwnerId {
    Partner(String),
    Tenant(String),
}

impl OwnerId {
    fn as_owner(&self) -> Owner<'_> {
        match self {
            OwnerId::Partner(id) => Owner::Partner(id),
            OwnerId::Tenant(id) => Owner::Tenant(id),
        }
    }

    /// Partners' admins manage their endpoints (as their API clients); a tenant's global admins
    /// theirs. Reading the log takes the same rights: it shows what the integration receives.
    fn authorize(&self, caller: &SignedIn) -> Result<Permit, AccessDenied> {
        match self {
            OwnerId::Partner(id) => caller.authorize_partner(id, PartnerAction::ManageApiClients),
            OwnerId::Tenant(id) => caller.authorize(id, Action::ManageWebhooks, Target::Tenant),
        }
    }
}

pub struct NewWebhook {
    pub url: String,
    pub events: Vec<EventType>,
    pub pool_low_below: i32,
}

/// A Standard Webhooks secret: `whsec_` and 32 random bytes in base64.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

pub async fn register(
    state: &AppState,
    caller: &SignedIn,
    owner: OwnerId,
    input: NewWebhook,
) -> Result<WebhookEndpointWithSecret, WebhookError> {
    let permit = owner.authorize(caller)?;
    let allow_private = state.config.webhooks_allow_private;
    let url = input.url.clone();
    // Resolving the host is IO: off the async workers.
    state.blocking(move || check_endpoint(&url, allow_private)).await??;
    let created_by = caller.user_id.clone();
    state
        .transact(&permit, move |tx| {
            // Serialised per owner, so that its endpoints are counted one registration at a time.
            let exists = match &owner {
                OwnerId::Partner(partner) => tenantry_persistence::partners::lock(tx.conn(), partner)?,
                OwnerId::Tenant(tenant) => tenantry_persistence::tenants::lock(tx.conn(), tenant)?,
            };
            if !exists {
                return Err(NotFound("owner").into());
            }
            limits::check_cap(Cap::WebhookEndpointsPerOwner, webhooks::count_endpoints(tx.conn(), owner.as_owner())?)?;
            let (id, secret) = (new_id(), new_secret());
            let events: Vec<&str> = input.events.iter().map(|event| event.as_str()).collect();
            let (partner_id, tenant_id) = match &owner {
                OwnerId::Partner(partner) => (Some(partner.as_str()), None),
                OwnerId::Tenant(tenant) => (None, Some(tenant.as_str())),
            };
            let endpoint = NewEndpoint {
                id: &id,
                partner_id,
                tenant_id,
                url: &input.url,
                events: &events.join(","),
                secret: &secret,
                pool_low_below: input.pool_low_below,
                created_by: &created_by,
                created_at: tx.stamp(),
            };
            webhooks::insert_endpoint(tx.conn(), &endpoint).map_err(|e| match e {
                // The tenant or partner named does not exist.
                StoreError::LostRace(_) => WebhookError::NotFound(NotFound("owner")),
                other => other.into(),
            })?;
            let row = webhooks::find_endpoint(tx.conn(), owner.as_owner(), &id)?.ok_or(NotFound("webhook"))?;
            Ok(WebhookEndpointWithSecret { endpoint: WebhookEndpoint::from(&row), secret })
        })
        .await
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    owner: OwnerId,
    page: PageRequest,
) -> Result<Page<WebhookEndpoint>, WebhookError> {
    let permit = owner.authorize(caller)?;
    state
        .read(&permit, move |conn, _| {
            let rows = webhooks::list_endpoints(conn, owner.as_owner(), page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            Ok(Page { items: rows.iter().map(WebhookEndpoint::from).collect(), next_cursor })
        })
        .await
}

/// One endpoint, without its secret.
pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    owner: OwnerId,
    id: String,
) -> Result<WebhookEndpoint, WebhookError> {
    let permit = owner.authorize(caller)?;
    state
        .read(&permit, move |conn, _| {
            let row = webhooks::find_endpoint(conn, owner.as_owner(), &id)?.ok_or(NotFound("webhook"))?;
            Ok(WebhookEndpoint::from(&row))
        })
        .await
}

/// A change to an endpoint: its events, its `pool.low` threshold, on or off. The address and
/// the secret stay: receivers keep verifying with the secret they have.
#[derive(Debug, Default)]
pub struct WebhookChange {
    pub events: Option<Vec<EventType>>,
    pub pool_low_below: Option<i32>,
    pub enabled: Option<bool>,
}

/// Changes an endpoint; switching it on again forgets its failures.
pub async fn change(
    state: &AppState,
    caller: &SignedIn,
    owner: OwnerId,
    id: String,
    change: WebhookChange,
) -> Result<WebhookEndpoint, WebhookError> {
    let permit = owner.authorize(caller)?;
    state
        .transact(&permit, move |tx| {
            let row = webhooks::find_endpoint(tx.conn(), owner.as_owner(), &id)?.ok_or(NotFound("webhook"))?;
            let events = change.events.map(|events| events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(","));
            let stored = webhooks::EndpointChange {
                events: events.as_deref(),
                pool_low_below: change.pool_low_below,
                enabled: change.enabled,
            };
            let stamp = tx.stamp();
            webhooks::change_endpoint(tx.conn(), &row.id, &stored, stamp)?;
            let changed = webhooks::find_endpoint(tx.conn(), owner.as_owner(), &id)?.ok_or(NotFound("webhook"))?;
            Ok(WebhookEndpoint::from(&changed))
        })
        .await
}

/// Removes an endpoint and its delivery log.
pub async fn remove(state: &AppState, caller: &SignedIn, owner: OwnerId, id: String) -> Result<(), WebhookError> {
    let permit = owner.authorize(caller)?;
    state
        .transact(&permit, move |tx| {
            let row = webhooks::find_endpoint(tx.conn(), owner.as_owner(), &id)?.ok_or(NotFound("webhook"))?;
            webhooks::delete_endpoint(tx.conn(), &row.id)?;
            Ok(())
        })
        .await
}

/// The endpoint's deliveries, newest first.
pub async fn deliveries(
    state: &AppState,
    caller: &SignedIn,
    owner: OwnerId,
    id: String,
    page: PageRequest,
) -> Result<Page<WebhookDelivery>, WebhookError> {
    let permit = owner.authorize(caller)?;
    state
        .read(&permit, move |conn, _| {
            let row = webhooks::find_endpoint(conn, owner.as_owner(), &id)?.ok_or(NotFound("webhook"))?;
            let rows = webhooks::deliveries_of(conn, &row.id, page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            Ok(Page { items: rows.iter().map(WebhookDelivery::from).collect(), next_cursor })
        })
        .await
}
