//! The state every request and worker shares, and the unit of work that writes, audits and sends in one transaction.

pub mod state;
pub mod unit_of_work;
