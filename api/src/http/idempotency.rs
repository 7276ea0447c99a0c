//! `Idempotency-Key` on the `POST`s that create or buy: a retry with the same key and body gets
//! the first response again, the same key with another body is 422, and two concurrent requests
//! with one key do the work once.
//!
//! The key's response is stored in the same transaction as the work. A concurrent twin either
//! finds it (and replays it) or, having raced past the lookup, fails to store its own copy on
//! the primary key, rolls its work back, and replays the winner's.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use tenantry_persistence::idempotency::{self, StoredResponse};
use tenantry_persistence::StoreError;

use crate::app::state::AppState;
use crate::app::unit_of_work::Tx;
use crate::auth::permit::Permit;
use crate::http::problem::{ApiError, ErrorCode};

pub const HEADER: &str = "idempotency-key";

/// The `Idempotency-Key` header, as documented.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyHeader {
    /// Makes retries safe: the same key and body replay the first response, the same key with
    /// another body is 422. 1 to 255 visible ASCII characters, new for each new request.
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]+$",
        example = "order-2026-11-21-0001"
    )]
    pub idempotency_key: Option<String>,
}

/// The request's `Idempotency-Key`, if it sent one.
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let key = match req.headers().get(HEADER) {
            None => Ok(IdempotencyKey(None)),
            Some(value) => match value.to_str() {
                Ok(text) if (1..=255).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic()) => {
                    Ok(IdempotencyKey(Some(text.to_owned())))
                }
                _ => {
                    Err(ApiError::new(ErrorCode::InvalidHeader, "Idempotency-Key is 1 to 255 visible ASCII characters"))
                }
            },
        };
        std::future::ready(key)
    }
}

/// What a replayable request came to, in the service's words; the HTTP layer picks the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Something new exists (`Location` names it).
    Created,
    /// Done; the body says how things stand.
    Done,
    /// Taken on; it completes later.
    Accepted,
}

impl Outcome {
    fn status(self) -> StatusCode {
        match self {
            Outcome::Created => StatusCode::CREATED,
            Outcome::Done => StatusCode::OK,
            Outcome::Accepted => StatusCode::ACCEPTED,
        }
    }

    /// The outcome a stored status stands for; `None` for a status no outcome answers with.
    fn from_status(status: i32) -> Option<Self> {
        [Outcome::Created, Outcome::Done, Outcome::Accepted]
            .into_iter()
            .find(|outcome| i32::from(outcome.status().as_u16()) == status)
    }
}

/// A response that can be stored and replayed.
pub struct Replayable {
    pub outcome: Outcome,
    pub body: serde_json::Value,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub replayed: bool,
}

impl Replayable {
    pub fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.outcome.status());
        if let Some(location) = self.location {
            response.insert_header((actix_web::http::header::LOCATION, location));
        }
        if let Some(etag) = self.etag {
            response.insert_header((actix_web::http::header::ETAG, etag));
        }
        if self.replayed {
            response.insert_header(("Idempotent-Replayed", "true"));
        }
        response.json(self.body)
    }

    fn from_stored(stored: StoredResponse) -> Result<Self, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("idempotency key {}: {what}", stored.key));
        let outcome =
            Outcome::from_status(stored.status).ok_or_else(|| corrupt(format!("status {}", stored.status)))?;
        Ok(Self {
            outcome,
            body: serde_json::from_str(&stored.body).map_err(|e| corrupt(e.to_string()))?,
            location: stored.location,
            etag: None,
            replayed: true,
        })
    }
}

/// What identifies "the same request": method, path and body, hashed.
pub fn fingerprint(method: &str, path: &str, body: &serde_json::Value) -> String {
    let digest = Sha256::new()
        .chain_update(method)
        .chain_update(" ")
        .chain_update(path)
        .chain_update("\n")
        .chain_update(body.to_string())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The same key came with another request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this Idempotency-Key was used with another request; use a new key for a new request")]
pub struct KeyReused;

impl From<KeyReused> for ApiError {
    fn from(error: KeyReused) -> Self {
        ApiError::new(ErrorCode::IdempotencyKeyReused, error.to_string())
    }
}

/// How a keyed unit of work ended: the use case's own error, or a twin committed first.
enum Keyed<E> {
    Failed(E),
    Taken,
}

impl<E: From<StoreError>> From<StoreError> for Keyed<E> {
    fn from(error: StoreError) -> Self {
        Keyed::Failed(E::from(error))
    }
}

fn replay_if_same(stored: StoredResponse, fingerprint: &str) -> Result<Result<Replayable, KeyReused>, StoreError> {
    if stored.request_hash != fingerprint {
        return Ok(Err(KeyReused));
    }
    Replayable::from_stored(stored).map(Ok)
}

/// The request an idempotent use case runs under: its key, and what identifies its body.
pub struct Idempotent {
    pub key: IdempotencyKey,
    pub fingerprint: String,
}

/// Runs `work` as one unit of work, at most once per (caller, key).
pub async fn run_once<E, F>(
    state: &AppState,
    permit: &Permit,
    key: IdempotencyKey,
    fingerprint: String,
    work: F,
) -> Result<Replayable, E>
where
    E: From<StoreError> + From<KeyReused> + Send + 'static,
    F: FnOnce(&mut Tx<'_>) -> Result<Replayable, E> + Send + 'static,
{
    let Some(key) = key.0 else { return state.transact(permit, work).await };
    let actor = permit.actor();
    let caller = actor.user_id.clone().unwrap_or_else(|| actor.name.clone());
    let (lookup_caller, lookup_key, lookup_fingerprint) = (caller.clone(), key.clone(), fingerprint.clone());
    let outcome = state
        .transact(permit, move |tx| -> Result<Replayable, Keyed<E>> {
            if let Some(stored) = idempotency::find(tx.conn(), &caller, &key)? {
                return replay_if_same(stored, &fingerprint)?.map_err(|reused| Keyed::Failed(E::from(reused)));
            }
            let response = work(tx).map_err(Keyed::Failed)?;
            let stored = StoredResponse {
                caller_id: caller,
                key,
                request_hash: fingerprint,
                status: i32::from(response.outcome.status().as_u16()),
                body: response.body.to_string(),
                location: response.location.clone(),
                created_at: tx.stamp(),
            };
            match idempotency::insert(tx.conn(), &stored) {
                Ok(()) => Ok(response),
                Err(StoreError::UniqueViolation { .. }) => Err(Keyed::Taken),
                Err(other) => Err(other.into()),
            }
        })
        .await;
    match outcome {
        Ok(response) => Ok(response),
        Err(Keyed::Failed(error)) => Err(error),
        Err(Keyed::Taken) => {
            let stored = state
                .read(permit, move |conn, _| idempotency::find(conn, &lookup_caller, &lookup_key))
                .await?
                .ok_or_else(|| StoreError::Corrupt("an idempotency key vanished after a conflict".to_owned()))?;
            Ok(replay_if_same(stored, &lookup_fingerprint)??)
        }
    }
}
