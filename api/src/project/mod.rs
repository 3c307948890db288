//! Projects: a county's project library that assistance funds go to.
pub mod loader;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::Project;
