//! Every aggregate of the platform, computed in SQL on integers (fen and counts).
//!
//! Each function runs a fixed number of statements whatever the number of groups, and uses only
//! SQL that SQLite and PostgreSQL evaluate alike: sums are cast to BIGINT (PostgreSQL's SUM of a
//! bigint is NUMERIC), and calendar edges are literal dates computed here rather than date
//! functions of either database.
//!
//! The aggregates live in `progress`, `flows`, `assistance` and `findings`; this module names them
//! all, with what they share.
pub use super::assistance::{Assistance, FundsReceived, InPost, RegionScope, assistance};
pub use super::findings::{Finding, FindingFilter, FindingKind, Subject, Thresholds, findings};
pub use super::flows::{FirstQuarter, FlowDim, FlowFilter, FlowGroup, first_quarter, fund_flows};
pub use super::progress::{
    Family, Figures, GroupKey, Rollup, Scope, families, family_rollup, helper_families, rollup,
};
use crate::error::{AppError, AppResult};
use chrono::{Duration, NaiveDate};
use entity::enums::{FundCategory, Indicator, PersonnelCategory, TransferStatus};

/// Transfer statuses that count as delivered: the money reached at least ALLOCATED.
pub const COUNTED: &[TransferStatus] = &[TransferStatus::Allocated, TransferStatus::Received];

/// The indicator a fund category counts toward.
pub fn indicator_of_fund(c: FundCategory) -> Indicator {
    match c {
        FundCategory::FiscalAid => Indicator::FiscalAidFunds,
        FundCategory::SocialAid => Indicator::SocialAidFunds,
        FundCategory::DirectInvestment => Indicator::DirectInvestment,
        FundCategory::AttractedInvestment => Indicator::AttractedFunds,
    }
}

/// The indicator a personnel category counts toward.
pub fn indicator_of_personnel(c: PersonnelCategory) -> Indicator {
    match c {
        PersonnelCategory::PartyGovernmentCadre => Indicator::CadresDispatched,
        PersonnelCategory::ProfessionalTechnician => Indicator::TechniciansDispatched,
    }
}

/// Indicators derived from records (transfers, dispatches, confirmed produce deals and labour
/// placements): progress reports never count toward them.
pub(super) fn derived_indicators() -> Vec<Indicator> {
    use sea_orm::Iterable;
    Indicator::iter().filter(Indicator::is_derived).collect()
}

pub(super) fn date(y: i32, m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::bad_input("year", "the year is out of range"))
}

pub fn check_year(field: &str, year: i32) -> AppResult<()> {
    if (1990..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::bad_input(field, "a year between 1990 and 2100"))
    }
}

/// The LIKE pattern of a region code and everything below it (see `region_code`); an invalid
/// code (callers check codes first) matches no region.
pub fn code_prefix_pattern(code: &str) -> String {
    crate::region_code::within_pattern(code).unwrap_or_default()
}

/// Today in China Standard Time.
pub fn today() -> NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}
