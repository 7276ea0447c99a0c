//! Partner API clients: registered by a partner admin; the secret is shown once and stored as a
//! digest; it can be rotated (the old one stops at once or after an overlap) and the client
//! disabled (its tokens stop at the next request).

use chrono::Duration;
use tenantry_domain::audit::AuditAction;
use tenantry_domain::limits::{self, Cap};
use tenantry_domain::partner::PartnerAction;
use tenantry_domain::PartnerId;
use tenantry_persistence::api_clients::{self as client_rows, ApiClientRow, NewApiClient};
use tenantry_persistence::{time, StoreError};

use super::{lock_partner, require_partner, PartnerError};
use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::auth::secrets;
use crate::http::caller::SignedIn;
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::services::lookup::NotFound;
use crate::views::partner::{ApiClient, ApiClientWithSecret};
use crate::views::Page;

/// The longest a rotated-out secret may keep working.
pub const MAX_OVERLAP_SECONDS: u32 = 7 * 24 * 3600;

fn find(tx: &mut Tx<'_>, partner_id: &str, client_id: &str) -> Result<ApiClientRow, PartnerError> {
    Ok(client_rows::find_of_partner(tx.conn(), partner_id, client_id)?.ok_or(NotFound("API client"))?)
}

pub async fn create(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    name: String,
) -> Result<ApiClientWithSecret, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageApiClients)?;
    state
        .transact(&permit, move |tx| {
            let now = tx.stamp();
            lock_partner(tx.conn(), &partner_id)?;
            limits::check_cap(Cap::ApiClientsPerPartner, client_rows::count_enabled(tx.conn(), &partner_id)?)?;
            let id = new_id();
            let secret = secrets::new_client_secret();
            let digest = secrets::digest(&secret);
            client_rows::insert(
                tx.conn(),
                &NewApiClient {
                    id: &id,
                    partner_id: &partner_id,
                    name: &name,
                    secret_digest: &digest,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            tx.audit(
                AuditAction::ApiClientCreated,
                Subject::platform(&id),
                serde_json::json!({"partner_id": partner_id, "name": name}),
            )?;
            let row = find(tx, &partner_id, &id)?;
            Ok(ApiClientWithSecret {
                client_id: row.id.clone(),
                client: ApiClient::new(&row, tx.now()),
                client_secret: secret,
            })
        })
        .await
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    page: PageRequest,
) -> Result<Page<ApiClient>, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageApiClients)?;
    let now = crate::runtime::clock::now();
    state
        .read(&permit, move |conn, _| {
            require_partner(conn, &partner_id)?;
            let rows = client_rows::list(conn, &partner_id, page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            Ok(Page { items: rows.iter().map(|row| ApiClient::new(row, now)).collect(), next_cursor })
        })
        .await
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    client_id: String,
) -> Result<ApiClient, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageApiClients)?;
    let now = crate::runtime::clock::now();
    state
        .read(&permit, move |conn, _| {
            let row = client_rows::find_of_partner(conn, &partner_id, &client_id)?.ok_or(NotFound("API client"))?;
            Ok(ApiClient::new(&row, now))
        })
        .await
}

/// A new secret, shown once. The previous one stops at once (`overlap_seconds` 0) or after
/// the overlap, so a deployment can switch without downtime.
pub async fn rotate_secret(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    client_id: String,
    overlap_seconds: u32,
) -> Result<ApiClientWithSecret, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageApiClients)?;
    state
        .transact(&permit, move |tx| {
            let now = tx.stamp();
            let row = find(tx, &partner_id, &client_id)?;
            if row.disabled_at.is_some() {
                return Err(PartnerError::ClientDisabled);
            }
            let secret = secrets::new_client_secret();
            let until =
                (overlap_seconds > 0).then(|| time::to_db(tx.now() + Duration::seconds(overlap_seconds.into())));
            if !client_rows::rotate_secret(tx.conn(), &client_id, row.version, &secrets::digest(&secret), until, now)? {
                return Err(StoreError::LostRace(format!("API client {client_id} changed during rotation")).into());
            }
            tx.audit(
                AuditAction::ApiClientSecretRotated,
                Subject::platform(&client_id),
                serde_json::json!({"partner_id": partner_id, "overlap_seconds": overlap_seconds}),
            )?;
            let row = find(tx, &partner_id, &client_id)?;
            Ok(ApiClientWithSecret {
                client_id: row.id.clone(),
                client: ApiClient::new(&row, tx.now()),
                client_secret: secret,
            })
        })
        .await
}

/// Disables a client: its secrets stop working and its tokens are refused from the next
/// request. Disabling twice changes nothing.
pub async fn disable(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    client_id: String,
) -> Result<ApiClient, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageApiClients)?;
    state
        .transact(&permit, move |tx| {
            let now = tx.stamp();
            find(tx, &partner_id, &client_id)?;
            if client_rows::disable(tx.conn(), &client_id, now)? {
                tx.audit(
                    AuditAction::ApiClientDisabled,
                    Subject::platform(&client_id),
                    serde_json::json!({"partner_id": partner_id}),
                )?;
            }
            let row = find(tx, &partner_id, &client_id)?;
            Ok(ApiClient::new(&row, tx.now()))
        })
        .await
}
