//! Fund transfers: money from a helper to a recipient region under a pairing.
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::{FundTransfer, FundTransferConnection, FundTransferFilter, FundTransferOrder};
