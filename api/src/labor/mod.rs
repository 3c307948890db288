//! Labour placements: poor labourers a helper placed in jobs (counts only, no names), which the
//! origin county confirms.
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::LaborPlacement;
