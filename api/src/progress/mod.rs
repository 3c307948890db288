//! Progress reports: reported figures for indicators that are neither funds nor dispatches.
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::ProgressReport;
