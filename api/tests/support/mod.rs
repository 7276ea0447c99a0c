//! What the tests that start the real binary share.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;

/// Reads the child's stderr to the end (so the service never blocks on a full pipe) and sends
/// the address it says it listens on (`http://127.0.0.1:PORT`) once it says so.
pub fn listening_address(child: &mut Child) -> mpsc::Receiver<String> {
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(address) = line.split("listening on ").nth(1).and_then(|rest| rest.split_whitespace().next()) {
                let _ = tx.send(address.to_owned());
            }
        }
    });
    rx
}
