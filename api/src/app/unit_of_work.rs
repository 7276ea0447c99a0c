//! One unit of work for every write use case: one transaction, the time read once, who acts,
//! the catalogue, the audit record and the messages the change sends.
//!
//! A use case gets a [`Tx`] from `AppState::transact`, loads what it needs, asks the domain to
//! decide, writes, and records what it did with [`Tx::audit`]; messages go out with
//! [`Tx::send`]. Everything commits together or not at all. This is also where notifications
//! to partners and webhooks will hang.

use chrono::{DateTime, NaiveDateTime, Utc};
use tenantry_domain::audit::AuditAction;
use tenantry_domain::catalogue::Catalogue;
use tenantry_domain::DomainName;
use tenantry_persistence::audit::{self, NewAuditEvent};
use tenantry_persistence::outbox::{self, NewOutboxMessage};
use tenantry_persistence::{time, DbConnection, StoreResult};

pub use crate::auth::permit::Actor;
use crate::outbound::webhook_events;
use crate::runtime::{clock, ids};

/// What every unit of work may consult: the catalogue, where links in messages point, and the
/// platform's own domain (under which tenants get their initial domain).
pub struct Context {
    pub catalogue: Catalogue,
    pub public_url: String,
    pub platform_domain: DomainName,
}

impl Context {
    /// The catalogue as stored, and the configuration's links and domain.
    pub fn read(conn: &mut DbConnection, config: &crate::runtime::config::Config) -> StoreResult<Self> {
        Ok(Self {
            catalogue: tenantry_persistence::plans::catalogue(conn)?,
            public_url: config.public_url.clone(),
            platform_domain: config.platform_domain.clone(),
        })
    }
}

/// A message to a person, composed by `services::messages` and queued in the outbox.
pub struct Message {
    pub to: String,
    pub subject: String,
    /// The plain-text part.
    pub body: String,
    /// The HTML alternative, when there is one.
    pub html: Option<String>,
    /// The language it is written in (`fr`, `en`), sent as `Content-Language`.
    pub language: String,
    /// It carries a temporary password or a code: the stored copy is redacted once delivered.
    pub carries_secret: bool,
}

impl Message {
    /// The same message, marked as carrying a secret.
    pub fn carrying_secret(self) -> Self {
        Self { carries_secret: true, ..self }
    }
}

/// What an audit event is about: the tenant (none for platform changes) and the target's id.
pub struct Subject<'a> {
    pub tenant_id: Option<&'a str>,
    pub target_id: &'a str,
}

impl<'a> Subject<'a> {
    pub fn in_tenant(tenant_id: &'a str, target_id: &'a str) -> Self {
        Self { tenant_id: Some(tenant_id), target_id }
    }

    /// A change on the platform's side (partners, their offers and clients), in no tenant.
    pub fn platform(target_id: &'a str) -> Self {
        Self { tenant_id: None, target_id }
    }
}

/// One open write transaction, and what the use case needs around it.
pub struct Tx<'a> {
    conn: &'a mut DbConnection,
    now: DateTime<Utc>,
    actor: &'a Actor,
    context: &'a Context,
}

impl<'a> Tx<'a> {
    /// Wraps a connection already inside a write transaction.
    pub fn new(conn: &'a mut DbConnection, actor: &'a Actor, context: &'a Context) -> Self {
        Self { conn, now: clock::now(), actor, context }
    }

    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }

    /// The time of the whole unit of work: every row it writes carries the same instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// [`Tx::now`] as stored.
    pub fn stamp(&self) -> NaiveDateTime {
        time::to_db(self.now)
    }

    /// Until when a temporary password issued by this unit of work works, as stored.
    pub fn temporary_password_until(&self) -> NaiveDateTime {
        time::to_db(tenantry_domain::temporary_password::valid_until(self.now))
    }

    pub fn actor(&self) -> &Actor {
        self.actor
    }

    pub fn catalogue(&self) -> &'a Catalogue {
        &self.context.catalogue
    }

    pub fn public_url(&self) -> &'a str {
        &self.context.public_url
    }

    pub fn platform_domain(&self) -> &'a DomainName {
        &self.context.platform_domain
    }

    /// Records what this unit of work did, in the same transaction as the change, and queues
    /// the webhook event it is for the endpoints that listen.
    pub fn audit(&mut self, action: AuditAction, subject: Subject<'_>, details: serde_json::Value) -> StoreResult<()> {
        webhook_events::on_audit(self.conn, action, subject.tenant_id, subject.target_id, &details, self.stamp())?;
        let id = ids::new_id();
        let details = details.to_string();
        audit::record(
            self.conn,
            &NewAuditEvent {
                id: &id,
                tenant_id: subject.tenant_id,
                actor_id: self.actor.user_id.as_deref(),
                actor_name: &self.actor.name,
                partner_id: self.actor.partner_id.as_deref(),
                action: action.as_str(),
                target_type: action.target_type(),
                target_id: subject.target_id,
                request_id: &self.actor.request_id,
                details: &details,
                occurred_at: self.stamp(),
                partner_name: self.actor.partner_name.as_deref(),
            },
        )
    }

    /// Queues a message: it is delivered only if this unit of work commits.
    pub fn send(&mut self, message: Message) -> StoreResult<()> {
        let id = ids::new_id();
        outbox::enqueue(
            self.conn,
            &NewOutboxMessage {
                id: &id,
                recipient: &message.to,
                subject: &message.subject,
                body: &message.body,
                created_at: self.stamp(),
                next_attempt_at: self.stamp(),
                html_body: message.html.as_deref(),
                language: &message.language,
                carries_secret: message.carries_secret,
            },
        )
    }
}
