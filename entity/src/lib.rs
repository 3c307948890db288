//! SeaORM entities of the paired-assistance platform, one module per table.
pub mod audit_event;
pub mod commitment;
pub mod enums;
pub mod fund_transfer;
pub mod inspection_finding;
pub mod labor_placement;
pub mod letter_revision;
pub mod organization;
pub mod pairing_agreement;
pub mod personnel_dispatch;
pub mod produce_deal;
pub mod progress_report;
pub mod project;
pub mod region;
pub mod responsibility_letter;
pub mod row;
