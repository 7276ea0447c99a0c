//! Test support: the real server on a random port over a real database, and an HTTP client.
//!
//! Every test runs once per backend. SQLite tests get a fresh file in a temporary folder;
//! PostgreSQL tests get a database of their own, cloned from a migrated template and dropped at
//! the end.

pub mod app;
pub mod backend;
pub mod client;
pub mod concurrent;
pub mod dns;
pub mod health;
pub mod mail;
pub mod outbox;
pub mod partners;
pub mod people;
pub mod pools;
pub mod process;
pub mod raw_http;
pub mod registrations;
pub mod signups;
pub mod smtp;
pub mod support;
pub mod webhook_receiver;

pub use app::TestApp;
pub use backend::Backend;
pub use client::Reply;
