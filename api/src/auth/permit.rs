//! Who acts, and the proof that they may.
//!
//! The unit of work ([`AppState::read`](crate::app::state::AppState::read) and
//! [`AppState::transact`](crate::app::state::AppState::transact)) runs only with a [`Permit`],
//! and a service has no other way to the database. A permit for a caller is made only by the
//! authorization decisions of [`crate::auth::standing`] (its constructor is private to `auth`),
//! so a service that never asks whether its caller may act has nothing to run its work with, and
//! does not compile.
//!
//! Work nobody signed in asks for has permits of its own, named for what they are: an endpoint
//! open to anyone (decided by its route, never by a service) and the platform's own work (jobs,
//! sweeps, start-up, commands). The layering test fails when a service makes either.

/// The person (or job) behind a change, as the audit log names them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    pub name: String,
    /// The partner organisation they acted for, when acting through delegated administration.
    pub partner_id: Option<String>,
    /// That partner's name at the time, so the log reads without looking it up.
    pub partner_name: Option<String>,
    pub request_id: String,
}

impl Actor {
    /// A background job acting on its own, named for the audit log.
    pub fn job(name: &str, request_id: String) -> Self {
        Self { user_id: None, name: name.to_owned(), partner_id: None, partner_name: None, request_id }
    }
}

/// Proof that an authorization decision let this work through, and who it acts as.
#[derive(Debug, Clone)]
pub struct Permit {
    actor: Actor,
}

impl Permit {
    /// Made by an authorization decision that said yes.
    pub(in crate::auth) fn granted(actor: Actor) -> Self {
        Self { actor }
    }

    /// An endpoint anyone may call (signing up, confirming a sign-up): the route that serves it
    /// decides so. `who` names them in the audit log.
    pub fn open_to_anyone(who: &str, request_id: String) -> Self {
        Self { actor: Actor::job(who, request_id) }
    }

    /// Work the platform does on its own: a job, a sweep, the start-up, a command, reading who
    /// a token belongs to.
    pub fn platform_work(job: &str, request_id: String) -> Self {
        Self { actor: Actor::job(job, request_id) }
    }

    /// Who acts, as the audit log names them.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}
