//! The audit log: one append-only event per write, recorded inside the write's transaction.
pub mod query;
pub mod service;
pub mod types;

pub use service::{Moved, as_is, change, change_alone, insert_once, move_row, record, settle};
pub use types::AuditEvent;
