//! Proving who is calling: signing keys, tokens, password hashing, sign-in throttling, and a
//! partner's delegated standing in a customer. The extractors that turn a bearer token into a
//! known caller are in `http::caller`, above the state.

pub mod delegation;
pub mod hashing;
pub mod keys;
pub mod passwords;
pub mod permit;
pub mod secrets;
pub mod standing;
pub mod throttle;
pub mod tokens;
pub mod verified_tokens;
