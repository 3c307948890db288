//! The Subscription root: changes to transfers, dispatches, letters and progress reports, and
//! the recomputed progress of the pairings they touch. Each event (`crate::events`) is re-read
//! with the subscriber's identity through the same by-id read and visibility rule as
//! `node(id:)`, so a subscriber sees exactly what its token may read; an event it may not see is
//! skipped. The loaders are emptied before each event: a long subscription never answers from a
//! row it read for an earlier one.
mod types;

pub use types::{
    ChangeFilter, FundTransferChange, PersonnelDispatchChange, ProgressChange,
    ProgressReportChange, ResponsibilityLetterChange,
};

use crate::batch::ById;
use crate::events::{Event, EventKind, Lagging};
use crate::graphql::{AppState, ContextExt};
use async_graphql::{Context, Result, Subscription as GqlSubscription};
use futures_util::{Stream, StreamExt};
use std::sync::Arc;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

/// The platform's subscriptions (WebSocket only, on `/graphql`).
#[derive(Default)]
pub struct Subscription;

/// The events of these kinds that pass `filter`, from this instance's bus. A subscriber that
/// fell further behind than the bus holds is a slow consumer: its connection is told to close.
fn changes<'a>(
    ctx: &'a Context<'_>,
    kinds: &'static [EventKind],
    filter: types::Filter,
) -> Result<impl Stream<Item = Arc<Event>> + 'a> {
    let bus = &ctx.data::<AppState>()?.events;
    let lagging = ctx.data_opt::<Lagging>().cloned();
    Ok(BroadcastStream::new(bus.subscribe()).filter_map(move |r| {
        let out = match r {
            Ok(e) if kinds.contains(&e.kind) && filter.matches(&e) => Some(e),
            Ok(_) => None,
            Err(BroadcastStreamRecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "a subscriber fell behind; disconnecting it");
                if let Some(l) = &lagging {
                    l.trip();
                }
                None
            }
        };
        async move { out }
    }))
}

/// Re-reads a changed row by id once this subscriber's turn has come (the turn is held until
/// the item is written), with fresh loaders. The row itself is read once per instance and
/// event (`cell`); visibility and every field are then resolved with this subscriber's identity.
async fn reread<E>(
    ctx: &Context<'_>,
    cell: &crate::events::SharedRow,
    id: i64,
) -> Option<(Arc<E::Model>, types::Turn)>
where
    E: crate::batch::Keyed + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + entity::row::FromRow + 'static,
{
    let turn = match ctx.data::<AppState>() {
        Ok(state) => state.events.reader().await,
        Err(_) => None,
    };
    ctx.loaders().clear();
    let row = cell
        .get_or_try_init(|| async {
            let row = ctx.loader::<ById<E>>().load_one(id).await?;
            Ok::<_, Arc<crate::error::AppError>>(
                row.map(|r| r as Arc<dyn std::any::Any + Send + Sync>),
            )
        })
        .await;
    match row {
        Ok(Some(row)) => row.clone().downcast::<E::Model>().ok().map(|r| (r, turn)),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "a changed row could not be re-read");
            None
        }
    }
}

const ALL_KINDS: &[EventKind] = &[
    EventKind::FundTransfer,
    EventKind::PersonnelDispatch,
    EventKind::ResponsibilityLetter,
    EventKind::ProgressReport,
    EventKind::ProduceDeal,
    EventKind::LaborPlacement,
];

#[GqlSubscription]
impl Subscription {
    /// Fund transfers as they are recorded, allocated, received or cancelled. Anonymous
    /// subscribers see publicized transfers only.
    async fn fund_transfer_changed<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "Which changes to receive; all when omitted.")] filter: Option<
            ChangeFilter,
        >,
    ) -> Result<impl Stream<Item = FundTransferChange> + 'a> {
        let filter = types::Filter::new(filter)?;
        let events = changes(ctx, &[EventKind::FundTransfer], filter)?;
        Ok(events.filter_map(move |e| async move {
            let (row, turn) = reread::<entity::fund_transfer::Entity>(ctx, &e.row, e.id).await?;
            crate::transfer::service::visible(ctx.identity(), &row).then(|| FundTransferChange {
                turn,
                action: e.action.clone(),
                fund_transfer: crate::transfer::FundTransfer::from(Arc::unwrap_or_clone(row)),
            })
        }))
    }

    /// Personnel as they are dispatched, arrive or return. Needs a token; personal names only
    /// as the `PersonnelDispatch` type shows them to the token's role.
    async fn personnel_dispatch_changed<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "Which changes to receive; all when omitted.")] filter: Option<
            ChangeFilter,
        >,
    ) -> Result<impl Stream<Item = PersonnelDispatchChange> + 'a> {
        let filter = types::Filter::new(filter)?;
        let events = changes(ctx, &[EventKind::PersonnelDispatch], filter)?;
        Ok(events.filter_map(move |e| async move {
            let (row, turn) =
                reread::<entity::personnel_dispatch::Entity>(ctx, &e.row, e.id).await?;
            crate::personnel::service::visible(ctx.identity()).then(|| PersonnelDispatchChange {
                turn,
                action: e.action.clone(),
                personnel_dispatch: crate::personnel::PersonnelDispatch(Arc::unwrap_or_clone(row)),
            })
        }))
    }

    /// Responsibility letters as they are submitted, amended, signed, returned or withdrawn.
    /// Drafts only to the tokens that may read them.
    async fn responsibility_letter_changed<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "Which changes to receive; all when omitted.")] filter: Option<
            ChangeFilter,
        >,
    ) -> Result<impl Stream<Item = ResponsibilityLetterChange> + 'a> {
        let filter = types::Filter::new(filter)?;
        let events = changes(ctx, &[EventKind::ResponsibilityLetter], filter)?;
        Ok(events.filter_map(move |e| async move {
            let (row, turn) =
                reread::<entity::responsibility_letter::Entity>(ctx, &e.row, e.id).await?;
            crate::letter::service::visible(ctx.identity(), &row).then(|| {
                ResponsibilityLetterChange {
                    turn,
                    action: e.action.clone(),
                    responsibility_letter: crate::letter::ResponsibilityLetter(
                        Arc::unwrap_or_clone(row),
                    ),
                }
            })
        }))
    }

    /// Progress reports as they are reported or verified. Needs a token.
    async fn progress_report_changed<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "Which changes to receive; all when omitted.")] filter: Option<
            ChangeFilter,
        >,
    ) -> Result<impl Stream<Item = ProgressReportChange> + 'a> {
        let filter = types::Filter::new(filter)?;
        let events = changes(ctx, &[EventKind::ProgressReport], filter)?;
        Ok(events.filter_map(move |e| async move {
            let (row, turn) = reread::<entity::progress_report::Entity>(ctx, &e.row, e.id).await?;
            ctx.identity()
                .is_authenticated()
                .then(|| ProgressReportChange {
                    turn,
                    action: e.action.clone(),
                    progress_report: crate::progress::ProgressReport(Arc::unwrap_or_clone(row)),
                })
        }))
    }

    /// The recomputed progress of a pairing each time one of its records changes (a transfer,
    /// a dispatch, a progress report, a letter, a produce deal, a labour placement): of the pairings of the helper `helperCode`, or
    /// of those whose recipient lies within `regionCode`; one of the two is required. Public,
    /// like every rollup.
    async fn progress_changed<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "The helper organization's code.")] helper_code: Option<String>,
        #[graphql(desc = "A recipient region's code (its sub-regions included).")]
        region_code: Option<String>,
        #[graphql(desc = "The year of the records and letters.")] year: i32,
    ) -> Result<impl Stream<Item = ProgressChange> + 'a> {
        let filter = types::Filter::progress(helper_code, region_code, year)?;
        let events = changes(ctx, ALL_KINDS, filter)?;
        Ok(events.filter_map(move |e| async move {
            let (pairing, turn) =
                reread::<entity::pairing_agreement::Entity>(ctx, &e.pairing, e.pairing_id).await?;
            let progress =
                crate::rollup::query::pairing_progress(ctx, &pairing, e.year, false).await;
            match progress {
                Ok(progress) => Some(ProgressChange {
                    turn,
                    year: e.year,
                    cause: e.action.clone(),
                    pairing_agreement: crate::pairing::PairingAgreement(pairing),
                    progress,
                }),
                Err(err) => {
                    tracing::warn!(error = %err.message, "progress could not be recomputed");
                    None
                }
            }
        }))
    }
}
