use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::ContextExt;
use crate::graphql::define_connection;
use crate::graphql::scalars::{Date, Decimal};
use crate::project::Project;
use crate::transfer::FundTransfer;
use async_graphql::{Context, Enum, ID, InputObject, Result};
use entity::expenditure::Model;

/// Money spent on a project from a received transfer.
#[derive(Clone)]
pub struct Expenditure(pub std::sync::Arc<Model>);

impl From<Model> for Expenditure {
    fn from(model: Model) -> Self {
        Expenditure(std::sync::Arc::new(model))
    }
}

crate::object! {
    /// Money spent on a project from a received transfer.
    Expenditure(0) as m, columns entity::expenditure {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::Expenditure, m.id);
        /// Amount in yuan, exact to the fen.
        amount: Decimal [AmountFen] = Decimal::from_minor(m.amount_fen, 2);
        /// When the money was spent.
        spentOn: Date [SpentOn] = Date(m.spent_on);
        /// What it was spent on.
        purpose: &str [Purpose] = &m.purpose;
        /// The accounting voucher's reference.
        voucherRef: &str [VoucherRef] = &m.voucher_ref;
    }
    related {
        /// The project the money was spent on.
        [ProjectId] async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
            let p = ctx.loader::<crate::batch::ById<entity::project::Entity>>().load_one(self.0.project_id).await?;
            Ok(Project(p.ok_or_else(|| crate::error::AppError::not_found("Project", self.0.project_id))?))
        }
        /// The received transfer the money came from.
        [FundTransferId] async fn fundTransfer(&self, ctx: &Context<'_>) -> Result<FundTransfer> {
            let t = ctx.loader::<crate::batch::ById<entity::fund_transfer::Entity>>().load_one(self.0.fund_transfer_id).await?;
            let t = t.ok_or_else(|| crate::error::AppError::not_found("FundTransfer", self.0.fund_transfer_id))?;
            Ok(FundTransfer::from(std::sync::Arc::unwrap_or_clone(t)))
        }
    }
}

/// A county records money spent on a project from a received transfer.
#[derive(InputObject, Clone)]
pub struct RecordExpenditureInput {
    /// The project, in the library of a county within the caller's region.
    pub project_id: ID,
    /// The transfer the money came from: RECEIVED, addressed to the project's county or a region
    /// containing or within it.
    pub fund_transfer_id: ID,
    /// Amount in yuan (more than zero, at most two decimals). All expenditures from one transfer
    /// together never exceed its amount.
    pub amount: Decimal,
    /// When the money was spent: on or after the transfer was received, not in the future.
    pub spent_on: Date,
    /// What it was spent on.
    pub purpose: String,
    /// The accounting voucher's reference.
    pub voucher_ref: String,
    /// A key chosen by the client (at most 128 characters): a retry with the same key and payload
    /// returns the expenditure recorded first; the same key with a different payload is a CONFLICT.
    pub idempotency_key: Option<String>,
}

/// The expenditure as recorded.
#[derive(async_graphql::SimpleObject)]
pub struct ExpenditurePayload {
    /// The expenditure written.
    pub expenditure: Expenditure,
}

/// Narrows a list of expenditures.
#[derive(InputObject, Default, Clone)]
pub struct ExpenditureFilter {
    /// Only spending on this project.
    pub project_id: Option<ID>,
    /// Only spending from this transfer.
    pub fund_transfer_id: Option<ID>,
    /// Only spending from transfers addressed to the region with this code or a region within
    /// it (as `RegionAssistance.spent` counts it).
    pub region_code: Option<String>,
    /// Only spending from transfers counting toward this year (the transfer's year, as
    /// `RegionAssistance.spent` counts it), whenever the money was spent.
    pub year: Option<i32>,
    /// Only money spent on or after this date.
    pub spent_after: Option<Date>,
    /// Only money spent on or before this date.
    pub spent_before: Option<Date>,
}

/// What expenditures can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum ExpenditureOrderField {
    /// Recording order.
    #[default]
    Id,
    /// Amount.
    Amount,
    /// When the money was spent.
    SpentOn,
}

/// Sort order of an expenditure list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ExpenditureOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: ExpenditureOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl crate::graphql::plain::PlainObject for Expenditure {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}

define_connection!(
    ExpenditureConnection,
    ExpenditureEdge,
    Expenditure,
    "A page of expenditures.",
    "An expenditure in a page, with its cursor."
);
