//! Talking to the outside world: DNS lookups, the SMTP transport, mail templates, webhook events, their signatures and the addresses they may go to.

pub mod dns;
pub mod mail_transport;
pub mod templates;
pub mod webhook_events;
pub mod webhook_security;
