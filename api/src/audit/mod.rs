//! The audit log: one append-only event per write, recorded inside the write's transaction.
pub mod query;
pub mod service;
pub mod types;

pub use service::{insert_once, record};
pub use types::AuditEvent;
