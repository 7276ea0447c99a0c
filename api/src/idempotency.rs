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
use tenantry_persistence::{time, DbConnection, StoreError};

use crate::problem::{ApiError, ErrorCode};
use crate::state::AppState;

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

/// A response that can be stored and replayed.
pub struct Replayable {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub replayed: bool,
}

impl Replayable {
    pub fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
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

    fn from_stored(stored: StoredResponse) -> Result<Self, ApiError> {
        Ok(Self {
            status: StatusCode::from_u16(u16::try_from(stored.status).unwrap_or(500)).map_err(ApiError::internal)?,
            body: serde_json::from_str(&stored.body).map_err(ApiError::internal)?,
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

enum Keyed {
    Failed(ApiError),
    /// A concurrent request with the same key committed first.
    Taken,
}

impl From<ApiError> for Keyed {
    fn from(error: ApiError) -> Self {
        Keyed::Failed(error)
    }
}

impl From<StoreError> for Keyed {
    fn from(error: StoreError) -> Self {
        Keyed::Failed(error.into())
    }
}

impl From<diesel::result::Error> for Keyed {
    fn from(error: diesel::result::Error) -> Self {
        Keyed::Failed(error.into())
    }
}

fn replay_if_same(stored: StoredResponse, fingerprint: &str) -> Result<Replayable, ApiError> {
    if stored.request_hash != fingerprint {
        return Err(ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used with another request; use a new key for a new request",
        ));
    }
    Replayable::from_stored(stored)
}

/// Runs `work` in one write transaction, at most once per (caller, key).
pub async fn run_once<F>(
    state: &AppState,
    caller_id: &str,
    key: IdempotencyKey,
    fingerprint: String,
    work: F,
) -> Result<Replayable, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<Replayable, ApiError> + Send + 'static,
{
    let Some(key) = key.0 else { return state.write(work).await };
    let caller = caller_id.to_owned();
    let (lookup_caller, lookup_key, lookup_fingerprint) = (caller.clone(), key.clone(), fingerprint.clone());
    let outcome = state
        .write(move |conn| -> Result<Replayable, Keyed> {
            if let Some(stored) = idempotency::find(conn, &caller, &key)? {
                return Ok(replay_if_same(stored, &fingerprint)?);
            }
            let response = work(conn)?;
            let stored = StoredResponse {
                caller_id: caller,
                key,
                request_hash: fingerprint,
                status: i32::from(response.status.as_u16()),
                body: response.body.to_string(),
                location: response.location.clone(),
                created_at: time::to_db(crate::services::now()),
            };
            match idempotency::insert(conn, &stored) {
                Ok(()) => Ok(response),
                Err(StoreError::UniqueViolation { .. }) => Err(Keyed::Taken),
                Err(other) => Err(Keyed::Failed(other.into())),
            }
        })
        .await;
    match outcome {
        Ok(response) => Ok(response),
        Err(Keyed::Failed(error)) => Err(error),
        Err(Keyed::Taken) => {
            let stored = state
                .read(move |conn| Ok(idempotency::find(conn, &lookup_caller, &lookup_key)?))
                .await?
                .ok_or_else(|| ApiError::internal("an idempotency key vanished after a conflict"))?;
            replay_if_same(stored, &lookup_fingerprint)
        }
    }
}
