//! Responsibility letters: the annual compacts of a pairing, their commitments and revisions.
pub mod loader;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::ResponsibilityLetter;
