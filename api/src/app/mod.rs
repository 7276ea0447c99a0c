//! The state every request and worker shares, the unit of work that writes, audits and sends in
//! one transaction, and the first run's bootstrap.

pub mod bootstrap;
pub mod state;
pub mod unit_of_work;
