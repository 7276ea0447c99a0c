//! Proving who is calling: signing keys, tokens, password hashing and sign-in throttling. The
//! extractors that turn a bearer token into a known caller are in `caller`, above the state.

pub mod hashing;
pub mod keys;
pub mod passwords;
pub mod secrets;
pub mod throttle;
pub mod tokens;
pub mod verified_tokens;
