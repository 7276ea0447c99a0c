//! What a process runs with, below everything else: configuration, the clock, new ids, metrics, logging and the shutdown signal.

pub mod clock;
pub mod config;
pub mod ids;
pub mod logging;
pub mod metrics;
pub mod shutdown;
