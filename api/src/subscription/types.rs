//! What the subscriptions take and push.
use crate::error::AppError;
use crate::events::Event;
use crate::pairing::types::Program;
use async_graphql::{InputObject, Result, SimpleObject};

/// Which changes a subscription receives: every condition given must hold.
#[derive(InputObject, Default, Clone)]
pub struct ChangeFilter {
    /// Only records of this helper organization (its code).
    pub helper_code: Option<String>,
    /// Only records whose recipient lies within this region: the region itself or below it.
    pub region_code: Option<String>,
    /// Only records of pairings of this program.
    pub program: Option<Program>,
    /// Only records of this year (a transfer's, dispatch's or report's year; a letter's year).
    pub year: Option<i32>,
}

/// A checked filter, matched against each event before anything is read.
#[derive(Clone, Default)]
pub(super) struct Filter {
    helper: Option<String>,
    region: Option<String>,
    program: Option<&'static str>,
    year: Option<i32>,
}

impl Filter {
    pub(super) fn new(f: Option<ChangeFilter>) -> Result<Filter> {
        let f = f.unwrap_or_default();
        if let Some(code) = &f.region_code {
            crate::region_code::check("filter.regionCode", code)?;
        }
        if let Some(y) = f.year {
            crate::rollup::service::check_year("filter.year", y)?;
        }
        Ok(Filter {
            helper: f.helper_code,
            region: f.region_code,
            program: f.program.map(|p| entity::enums::Program::from(p).as_str()),
            year: f.year,
        })
    }

    /// `progressChanged`: a helper or a region (one of them), and a year.
    pub(super) fn progress(
        helper: Option<String>,
        region: Option<String>,
        year: i32,
    ) -> Result<Filter> {
        if helper.is_none() && region.is_none() {
            return Err(AppError::bad_input(
                "helperCode",
                "give helperCode or regionCode (the progress of which pairings to follow)",
            )
            .into());
        }
        if let Some(code) = &region {
            crate::region_code::check("regionCode", code)?;
        }
        crate::rollup::service::check_year("year", year)?;
        Ok(Filter {
            helper,
            region,
            program: None,
            year: Some(year),
        })
    }

    pub(super) fn matches(&self, e: &Event) -> bool {
        self.helper.as_ref().is_none_or(|h| *h == e.helper)
            && self
                .region
                .as_ref()
                .is_none_or(|r| crate::region_code::covers(r, &e.recipient))
            && self.program.is_none_or(|p| p == e.program)
            && self.year.is_none_or(|y| y == e.year)
    }
}

/// Held while an item is re-read and written.
pub type Turn = Option<tokio::sync::OwnedSemaphorePermit>;

/// A fund transfer that changed, as it is now.
#[derive(SimpleObject)]
pub struct FundTransferChange {
    /// The mutation that changed it (`recordFundTransfer`, `confirmFundReceipt`, …).
    pub action: String,
    /// The transfer after the change.
    pub fund_transfer: crate::transfer::FundTransfer,
    /// The turn to read (see `events::Bus::reader`), given back once the item is written.
    #[graphql(skip)]
    pub turn: Turn,
}

/// A personnel dispatch that changed, as it is now.
#[derive(SimpleObject)]
pub struct PersonnelDispatchChange {
    /// The mutation that changed it (`dispatchPersonnel`, `confirmArrival`, …).
    pub action: String,
    /// The dispatch after the change.
    pub personnel_dispatch: crate::personnel::PersonnelDispatch,
    /// The turn to read (see `events::Bus::reader`), given back once the item is written.
    #[graphql(skip)]
    pub turn: Turn,
}

/// A responsibility letter that changed, as it is now.
#[derive(SimpleObject)]
pub struct ResponsibilityLetterChange {
    /// The mutation that changed it (`submitResponsibilityLetter`, `signResponsibilityLetter`, …).
    pub action: String,
    /// The letter after the change.
    pub responsibility_letter: crate::letter::ResponsibilityLetter,
    /// The turn to read (see `events::Bus::reader`), given back once the item is written.
    #[graphql(skip)]
    pub turn: Turn,
}

/// A progress report that changed, as it is now.
#[derive(SimpleObject)]
pub struct ProgressReportChange {
    /// The mutation that changed it (`reportProgress`, `verifyProgressReport`).
    pub action: String,
    /// The report after the change.
    pub progress_report: crate::progress::ProgressReport,
    /// The turn to read (see `events::Bus::reader`), given back once the item is written.
    #[graphql(skip)]
    pub turn: Turn,
}

/// A pairing's progress, recomputed after one of its records changed.
#[derive(SimpleObject)]
pub struct ProgressChange {
    /// The year recomputed.
    pub year: i32,
    /// The mutation that caused it.
    pub cause: String,
    /// The pairing whose records changed (its `letters(year:)` carry the affected commitments).
    pub pairing_agreement: crate::pairing::PairingAgreement,
    /// The pairing's progress in that year, every indicator of its program.
    pub progress: crate::rollup::types::ProgressRollup,
    /// The turn to read (see `events::Bus::reader`), given back once the item is written.
    #[graphql(skip)]
    pub turn: Turn,
}
