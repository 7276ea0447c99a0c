//! Who is calling: signing keys, tokens, password hashing, sign-in throttling, and the
//! extractors that turn a bearer token into a known caller.

pub mod caller;
pub mod hashing;
pub mod keys;
pub mod passwords;
pub mod throttle;
pub mod tokens;

pub use caller::{AccessDenied, Caller, SignedIn};
