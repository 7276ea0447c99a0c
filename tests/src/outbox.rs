//! The outbox straight from the database, for what a test must check behind the API: that no
//! secret is left once delivered, and that many messages are queued at once.

use diesel::prelude::*;
use tenantry_persistence::outbox::{self, NewOutboxMessage};
use tenantry_persistence::schema::outbox_messages;
use tenantry_persistence::{time, Database, DbConnection};

use crate::app::Storage;

pub fn connect(storage: &Storage) -> DbConnection {
    Database::from_url(&storage.database_url)
        .expect("the test database URL")
        .connect()
        .expect("the test database answers")
}

/// Every stored body and HTML body, whatever the message's state.
pub fn stored_bodies(storage: &Storage) -> Vec<String> {
    let mut conn = connect(storage);
    let rows: Vec<(String, Option<String>)> = outbox_messages::table
        .select((outbox_messages::body, outbox_messages::html_body))
        .load(&mut conn)
        .expect("the outbox is read");
    rows.into_iter().flat_map(|(body, html)| std::iter::once(body).chain(html)).collect()
}

/// Queues `count` plain messages to `recipient-<n>@<domain>` directly, as a unit of work would.
pub fn queue(storage: &Storage, count: usize, domain: &str) -> Vec<String> {
    let mut conn = connect(storage);
    let now = time::to_db(chrono::Utc::now());
    (0..count)
        .map(|n| {
            let id = uuid::Uuid::now_v7().to_string();
            let recipient = format!("recipient-{n}@{domain}");
            let body = format!("Message number {n}.");
            outbox::enqueue(
                &mut conn,
                &NewOutboxMessage {
                    id: &id,
                    recipient: &recipient,
                    subject: &format!("Message {n}"),
                    body: &body,
                    created_at: now,
                    next_attempt_at: now,
                    html_body: None,
                    language: "en",
                    carries_secret: false,
                },
            )
            .expect("a message is queued");
            id
        })
        .collect()
}

/// A message that failed for good, for routes that act on one.
pub fn failed_message(storage: &Storage, recipient: &str) -> String {
    let id = queue(storage, 1, "failed.example").remove(0);
    let mut conn = connect(storage);
    outbox::mark_failed(&mut conn, &id, "refused for the test", time::to_db(chrono::Utc::now()))
        .expect("marked failed");
    diesel::update(outbox_messages::table.find(&id))
        .set(outbox_messages::recipient.eq(recipient))
        .execute(&mut conn)
        .expect("recipient set");
    id
}
