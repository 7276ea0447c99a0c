//! Requests sent all at once, to race each other.

use std::sync::{Arc, Barrier};

use crate::client::Reply;

/// Runs `count` requests all at once (released together by a barrier) and returns the replies.
pub fn all_at_once<F>(count: usize, request: F) -> Vec<Reply>
where
    F: Fn(usize) -> Reply + Sync,
{
    let barrier = Arc::new(Barrier::new(count));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .map(|n| {
                let barrier = barrier.clone();
                let request = &request;
                scope.spawn(move || {
                    barrier.wait();
                    request(n)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a request thread")).collect()
    })
}

/// How many replies have `status`.
pub fn count_status(replies: &[Reply], status: u16) -> usize {
    replies.iter().filter(|r| r.status == status).count()
}
