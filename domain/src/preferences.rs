//! A person's own settings, such as how often their mail client synchronises.

use serde::{Deserialize, Serialize};

use crate::language::Language;

/// How often a person's devices synchronise with the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SyncFrequency {
    #[serde(rename = "15m")]
    #[default]
    Every15Minutes,
    #[serde(rename = "30m")]
    Every30Minutes,
    #[serde(rename = "manual")]
    Manual,
}

/// Everything a person may set for themselves. New settings get a default so that stored
/// preferences written by an older version still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Preferences {
    #[serde(default)]
    pub sync_frequency: SyncFrequency,
    /// The language of the messages the person receives.
    #[serde(default)]
    pub language: Language,
}

impl Preferences {
    /// Reads stored preferences; unreadable ones (which only a bug could write) give the
    /// defaults rather than keep a person from receiving mail.
    pub fn read(stored: &str) -> Self {
        serde_json::from_str(stored).unwrap_or_default()
    }
}
