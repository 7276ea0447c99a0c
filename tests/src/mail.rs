//! Reading the messages the service delivered as `.eml` files.

use std::path::Path;
use std::time::{Duration, Instant};

/// Every delivered message, as text, oldest first.
pub fn all(mail_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(mail_dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    files.sort();
    files.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

/// Messages addressed to `recipient`.
pub fn to(mail_dir: &Path, recipient: &str) -> Vec<String> {
    let header = format!("To: {recipient}\r\n");
    all(mail_dir).into_iter().filter(|m| m.contains(&header)).collect()
}

/// Waits (up to 15 s) until `count` messages to `recipient` were delivered; returns them.
pub fn wait_for(mail_dir: &Path, recipient: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let messages = to(mail_dir, recipient);
        if messages.len() >= count {
            return messages;
        }
        assert!(Instant::now() < deadline, "no message #{count} to {recipient} arrived in {}", mail_dir.display());
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The labels of the messages' `Label: value` lines, in English and in French (the templates'
/// wording, `api/templates/`).
const LABELS: [(&str, &str); 4] = [
    ("Temporary password", "Mot de passe temporaire"),
    ("Sign-in address", "Adresse de connexion"),
    ("Confirmation code", "Code de confirmation"),
    ("Reference", "Référence"),
];

/// The value of a `Label: value` line in a message body, the label given in English and found
/// in either language.
pub fn field(message: &str, label: &str) -> Option<String> {
    let french = LABELS.iter().find(|(english, _)| *english == label).map(|(_, french)| *french);
    message
        .lines()
        .find_map(|line| {
            line.strip_prefix(&format!("{label}: "))
                .or_else(|| french.and_then(|french| line.strip_prefix(&format!("{french}: "))))
        })
        .map(|v| v.trim().to_owned())
}

/// The subject of a message as written to the mail drop.
pub fn subject(message: &str) -> Option<String> {
    message.lines().find_map(|line| line.strip_prefix("Subject: ")).map(str::to_owned)
}
