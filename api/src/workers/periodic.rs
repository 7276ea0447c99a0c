//! Background work that runs every so often on the actix runtime, off its async workers.

use std::sync::Arc;
use std::time::Duration;

use crate::runtime::shutdown::Shutdown;

/// Calls `work` on the blocking pool every `period` until the workers are asked to stop: the
/// call in progress then finishes (the work itself checks between items and stops early), and
/// no new one starts. `work` returns how many items it handled; failures are logged and the
/// next tick tries again.
pub async fn run_every<F>(period: Duration, what: &'static str, shutdown: Arc<Shutdown>, work: F)
where
    F: Fn() -> Result<usize, String> + Send + Sync + Clone + 'static,
{
    let mut interval = actix_web::rt::time::interval(period);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            () = shutdown.workers_stopped() => return,
        }
        match actix_web::web::block(work.clone()).await {
            Ok(Ok(0)) => {}
            Ok(Ok(count)) => log::info!("{what}: handled {count}"),
            Ok(Err(error)) => log::warn!("{what} failed: {error}"),
            Err(error) => log::warn!("{what} task failed: {error}"),
        }
        if shutdown.workers_stopping() {
            return;
        }
    }
}
