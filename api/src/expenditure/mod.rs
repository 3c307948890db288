//! Spending: money spent on a county's projects from received transfers, and the derived figures
//! (`spent`, `spendRate`, `fundedAmount`) computed from it in SQL.
pub mod loader;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::Expenditure;
