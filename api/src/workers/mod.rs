//! Work done away from requests: durable jobs, mail and webhook delivery, and the periodic sweeps.

pub mod job_worker;
pub mod mail_worker;
pub mod periodic;
pub mod webhook_worker;
