//! Produce deals: consumption assistance a helper records (produce bought from a poor county, or
//! sales it brokered) and the origin county confirms or disputes.
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::ProduceDeal;
