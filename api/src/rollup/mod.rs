//! Progress for portals: achievements derived from the records, rollups, fund flows,
//! first-quarter allocation and data-quality findings. All aggregate SQL lives here.
pub mod assistance;
pub mod findings;
pub mod flows;
pub mod loader;
pub mod progress;
pub mod query;
pub mod service;
pub mod sql;
pub mod types;
