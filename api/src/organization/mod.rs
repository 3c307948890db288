//! Organizations: the helpers (governments, central units, enterprises) and county governments.
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::Organization;
