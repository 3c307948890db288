//! Regions: the GB/T 2260 administrative divisions with their poverty status.
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::Region;
