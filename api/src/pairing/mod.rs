//! Pairing agreements: who helps whom, under which program, for which years.
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::{
    PairingAgreement, PairingAgreementConnection, PairingAgreementFilter, PairingAgreementOrder,
};
