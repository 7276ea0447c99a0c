//! Background work that runs every so often on the actix runtime, off its async workers.

use std::time::Duration;

/// Calls `work` on the blocking pool every `period`, forever. `work` returns how many items it
/// handled; failures are logged and the next tick tries again.
pub async fn run_every<F>(period: Duration, what: &'static str, work: F)
where
    F: Fn() -> Result<usize, String> + Send + Sync + Clone + 'static,
{
    let mut interval = actix_web::rt::time::interval(period);
    loop {
        interval.tick().await;
        match actix_web::web::block(work.clone()).await {
            Ok(Ok(0)) => {}
            Ok(Ok(count)) => log::info!("{what}: handled {count}"),
            Ok(Err(error)) => log::warn!("{what} failed: {error}"),
            Err(error) => log::warn!("{what} task failed: {error}"),
        }
    }
}
