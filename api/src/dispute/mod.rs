//! Disputes: a recipient's objection to a record (a fund transfer, a personnel dispatch, a
//! produce deal or a labour placement), the helper's answer (with the values it corrected) and
//! the resolution. One table and one state machine for the four kinds of record.
pub mod loader;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::Dispute;
