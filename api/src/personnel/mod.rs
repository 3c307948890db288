//! Personnel dispatches: cadres and technicians sent by a helper to a recipient region.
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;

pub use types::{
    PersonnelDispatch, PersonnelDispatchConnection, PersonnelDispatchFilter, PersonnelDispatchOrder,
};
