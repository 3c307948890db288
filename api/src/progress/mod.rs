//! Progress reports: reported figures for the indicators no record type achieves, corrected by
//! their author until verified (every version kept).
pub mod loader;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::ProgressReport;
