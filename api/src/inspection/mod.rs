//! Inspection findings: what general surveys, spot checks, audits and complaints found, and the
//! rectification the responsible side reports until an inspector closes the finding.
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::InspectionFinding;
