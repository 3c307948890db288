//! Listed supervision (挂牌督战): counties and villages listed for a year under a supervising
//! province, with their combat plans. The national office lists and lifts; it or the supervising
//! province's government keeps the combat plan.
pub mod loader;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::SupervisionListing;
