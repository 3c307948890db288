//! Publicity (公告公示): the county announces the transfers it received and its projects; a
//! correction is a new announcement that supersedes the old one, and both are kept.
pub mod loader;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::Announcement;
