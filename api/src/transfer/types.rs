use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::{ContextExt, define_connection};
use crate::organization::Organization;
use crate::pairing::PairingAgreement;
use crate::project::Project;
use crate::region::Region;
use async_graphql::{Context, Enum, ID, InputObject, Result};
use entity::enums;
use entity::fund_transfer::Model;

/// What kind of money a transfer is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::FundCategory")]
pub enum FundCategory {
    /// Fiscal aid from the helper's budget (counts toward FISCAL_AID_FUNDS).
    FiscalAid,
    /// Social funds mobilized by the helper (counts toward SOCIAL_AID_FUNDS).
    SocialAid,
    /// A central unit's direct investment (counts toward DIRECT_INVESTMENT).
    DirectInvestment,
    /// Funds a central unit attracted from others (counts toward ATTRACTED_FUNDS).
    AttractedInvestment,
}

/// Where a transfer stands: PLANNED → ALLOCATED → RECEIVED, or CANCELLED.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::TransferStatus")]
pub enum TransferStatus {
    /// Planned, not yet paid out.
    Planned,
    /// Paid out by the helper.
    Allocated,
    /// Receipt confirmed by the recipient.
    Received,
    /// Cancelled.
    Cancelled,
}

/// Money from a helper to a recipient region under a pairing.
pub struct FundTransfer {
    pub row: Model,
    /// Related rows its page loaded already, so writing a page takes each from here instead of
    /// asking a loader once per item.
    related: Related,
}

#[derive(Default)]
struct Related {
    helper: Option<Organization>,
    recipient: Option<Region>,
    project: Option<Project>,
}

impl From<Model> for FundTransfer {
    fn from(row: Model) -> Self {
        FundTransfer {
            row,
            related: Related::default(),
        }
    }
}

impl From<super::service::Listed> for FundTransfer {
    /// A transfer of a page with the related rows its page read.
    fn from(l: super::service::Listed) -> Self {
        FundTransfer {
            row: l.row,
            related: Related {
                helper: l.helper.map(Organization),
                recipient: l.recipient.map(Region),
                project: l.project.map(Project),
            },
        }
    }
}

crate::object! {
    /// Money from a helper to a recipient region under a pairing.
    FundTransfer(row) as m, columns entity::fund_transfer {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::FundTransfer, m.id);
        /// The helper's reference number, unique.
        referenceNo: &str [ReferenceNo] = &m.reference_no;
        /// What kind of money this is.
        category: FundCategory [Category] = m.category.into();
        /// Amount in yuan, exact to the fen.
        amount: Decimal [AmountFen] = Decimal::from_minor(m.amount_fen, 2);
        /// ISO 4217 currency code (always CNY).
        currency: &str [Currency] = &m.currency;
        /// Where the transfer stands.
        status: TransferStatus [Status] = m.status.into();
        /// The year the funds count toward.
        year: i32 [Year] = m.year;
        /// When the transfer was planned for.
        plannedOn: Option<Date> [PlannedOn] = m.planned_on.map(Date);
        /// When the helper paid it out.
        allocatedOn: Option<Date> [AllocatedOn] = m.allocated_on.map(Date);
        /// When the recipient confirmed receipt.
        receivedOn: Option<Date> [ReceivedOn] = m.received_on.map(Date);
        /// How much the recipient confirmed it received, in yuan: the amount, or less after a
        /// partial receipt; `null` until received. Every received figure sums this.
        receivedAmount: Option<Decimal> [Status, AmountFen, ReceivedAmountFen] = super::service::received_fen(m).map(|f| Decimal::from_minor(f, 2));
        /// When its use was published under the announcement system.
        publicizedOn: Option<Date> [PublicizedOn] = m.publicized_on.map(Date);
        /// What the money is for.
        purpose: Option<&str> [Purpose] = m.purpose.as_deref();
    }
    related {
        /// The pairing the transfer is made under.
        [PairingId] async fn pairingAgreement(&self, ctx: &Context<'_>) -> Result<PairingAgreement> {
            let p = ctx.loader::<crate::batch::ById<entity::pairing_agreement::Entity>>().load_one(self.row.pairing_id).await?;
            Ok(PairingAgreement(p.ok_or_else(|| {
                crate::error::AppError::not_found("PairingAgreement", self.row.pairing_id)
            })?))
        }
        /// The paying organization.
        [HelperId] async fn helper(&self, ctx: &Context<'_>) -> Result<Organization> {
            if let Some(o) = &self.related.helper {
                return Ok(o.clone());
            }
            let o = ctx
                .loader::<crate::batch::ById<entity::organization::Entity>>()
                .load_one(self.row.helper_id)
                .await?;
            Ok(Organization(o.ok_or_else(|| {
                crate::error::AppError::not_found("Organization", self.row.helper_id)
            })?))
        }
        /// The receiving region (the pairing's recipient or a region within it).
        [RecipientId] async fn recipient(&self, ctx: &Context<'_>) -> Result<Region> {
            if let Some(r) = &self.related.recipient {
                return Ok(r.clone());
            }
            let r = ctx
                .loader::<crate::batch::ById<entity::region::Entity>>()
                .load_one(self.row.recipient_id)
                .await?;
            Ok(Region(r.ok_or_else(|| {
                crate::error::AppError::not_found("Region", self.row.recipient_id)
            })?))
        }
        /// The project in the county's library the money goes to, if any.
        [ProjectId] async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
            let Some(id) = self.row.project_id else {
                return Ok(None);
            };
            if let Some(p) = &self.related.project {
                return Ok(Some(p.clone()));
            }
            let p = ctx.loader::<crate::batch::ById<entity::project::Entity>>().load_one(id).await?;
            Ok(p.filter(|p| crate::project::service::visible(ctx.identity(), p)).map(Project))
        }
        /// Spent from this transfer so far (recorded expenditures), in yuan.
        [Id] async fn spent(&self, ctx: &Context<'_>) -> Result<Decimal> {
            let fen = crate::expenditure::loader::figure(ctx, crate::expenditure::loader::SpendKey::TransferSpent(self.row.id)).await?;
            Ok(Decimal::from_minor(fen, 2))
        }
        /// `spent` divided by `receivedAmount` (0 to 1; by `amount` before receipt).
        [Id, Status, AmountFen, ReceivedAmountFen] async fn spendRate(&self, ctx: &Context<'_>) -> Result<f64> {
            let fen = crate::expenditure::loader::figure(ctx, crate::expenditure::loader::SpendKey::TransferSpent(self.row.id)).await?;
            let base = super::service::received_fen(&self.row).unwrap_or(self.row.amount_fen);
            // Amounts are more than zero (checked on every write and in the table).
            Ok(fen as f64 / base.max(1) as f64)
        }
        /// The disputes raised about this transfer, oldest first (none for anonymous callers);
        /// an unresolved one is a `RECORD_DISPUTED` data-quality finding.
        [Id] async fn disputes(&self, ctx: &Context<'_>) -> Result<Vec<crate::dispute::Dispute>> {
            crate::dispute::loader::disputes_of(ctx, entity::enums::DisputeSubjectKind::FundTransfer, self.row.id).await
        }
    }
    other {
    /// Money spent from this transfer, one record each (authenticated callers; empty for
    /// anonymous ones, who read `spent`).
    async fn expenditures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<crate::expenditure::types::ExpenditureFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            crate::expenditure::types::ExpenditureOrder,
        >,
    ) -> Result<crate::expenditure::types::ExpenditureConnection> {
        crate::expenditure::query::list(
            ctx,
            filter.unwrap_or_default(),
            Some(crate::expenditure::service::Parent::FundTransfer(self.row.id)),
            order_by,
            crate::graphql::page_args(ctx, first, after, last, before),
        )
        .await
    }
    }
}

crate::leaf_enums!(FundCategory, TransferStatus);

/// Narrows a list of fund transfers.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct FundTransferFilter {
    /// Only transfers counting toward this year.
    pub year: Option<i32>,
    /// Only transfers with this status.
    pub status: Option<TransferStatus>,
    /// Only this category.
    pub category: Option<FundCategory>,
    /// Only transfers of pairings of this program.
    pub program: Option<crate::pairing::types::Program>,
    /// Only transfers from the organization with this code.
    pub helper_code: Option<String>,
    /// Only transfers to the region with this code.
    pub recipient_code: Option<String>,
    /// Only transfers to regions in the province with this code.
    pub province_code: Option<String>,
    /// Only transfers whose use has been publicized.
    pub publicized_only: Option<bool>,
    /// Only transfers earmarked for this project.
    pub project_id: Option<ID>,
    #[graphql(skip)]
    pub pairing_id: Option<i64>,
}

/// What transfers can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum FundTransferOrderField {
    /// Recording order.
    #[default]
    Id,
    /// Amount.
    Amount,
    /// Year the funds count toward.
    Year,
    /// Reference number.
    ReferenceNo,
}

/// Sort order of a transfer list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FundTransferOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: FundTransferOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    FundTransferConnection,
    FundTransferEdge,
    FundTransfer,
    "A page of fund transfers.",
    "A fund transfer in a page, with its cursor."
);

/// A helper records money sent (or planned) under one of its pairings.
#[derive(InputObject, Clone)]
pub struct RecordFundTransferInput {
    /// The pairing (the caller must be its helper).
    pub pairing_agreement_id: ID,
    /// The helper's reference number; unique among the helper's transfers.
    pub reference_no: String,
    /// The receiving region's code: the pairing's recipient or a region within it.
    pub recipient_code: String,
    /// What kind of money; it must fit the pairing's program.
    pub category: FundCategory,
    /// Amount in yuan (more than zero, at most two decimals, at most 10 billion).
    pub amount: Decimal,
    /// The year the funds count toward; within the pairing's period.
    pub year: i32,
    /// When the transfer is planned for.
    pub planned_on: Option<Date>,
    /// When the money was paid out (not in the future); the transfer is then ALLOCATED, else PLANNED.
    pub allocated_on: Option<Date>,
    /// A project in the recipient's library the money goes to.
    pub project_id: Option<ID>,
    /// What the money is for.
    pub purpose: Option<String>,
    /// When its use was published under the announcement system (not in the future).
    pub publicized_on: Option<Date>,
    /// A key chosen by the client (at most 128 characters), unique among the helper's transfers: a
    /// retry with the same key and payload returns the transfer recorded first; the same key with a
    /// different payload is a CONFLICT.
    pub idempotency_key: Option<String>,
}

/// A helper pays out a planned transfer.
#[derive(InputObject, Clone)]
pub struct AllocateFundTransferInput {
    /// The transfer (PLANNED).
    pub fund_transfer_id: ID,
    /// When the money was paid out (not in the future).
    pub allocated_on: Date,
}

/// A recipient confirms that the money arrived.
#[derive(InputObject, Clone)]
pub struct ConfirmFundReceiptInput {
    /// The transfer (ALLOCATED), addressed to the caller's region or a region within it.
    pub fund_transfer_id: ID,
    /// When the money arrived: on or after it was allocated, not in the future.
    pub received_on: Date,
    /// How much arrived, in yuan, when it was less than the transfer's amount (a partial
    /// receipt): more than zero, at most the amount. Omitted: the whole amount arrived.
    pub received_amount: Option<Decimal>,
}

/// A helper (or the national office, as a correction) cancels a transfer not yet received.
#[derive(InputObject, Clone)]
pub struct CancelFundTransferInput {
    /// The transfer (PLANNED or ALLOCATED).
    pub fund_transfer_id: ID,
    /// Why it is cancelled (kept in the audit log).
    pub reason: Option<String>,
}

/// The transfer as it stands after the write.
#[derive(async_graphql::SimpleObject)]
pub struct FundTransferPayload {
    /// The transfer written.
    pub fund_transfer: FundTransfer,
}

impl crate::graphql::plain::PlainObject for FundTransfer {
    fn plain_field(
        &self,
        out: &mut crate::graphql::json::Json,
        name: &str,
        selection: &async_graphql::Positioned<async_graphql::parser::types::SelectionSet>,
    ) -> bool {
        use crate::graphql::plain::plain_object;
        // Items of a page carry the related rows the page loaded (`with_related`); without
        // them the executor answers.
        let r = &self.related;
        match name {
            "helper" => r
                .helper
                .as_ref()
                .is_some_and(|o| plain_object(o, out, selection)),
            "recipient" => r
                .recipient
                .as_ref()
                .is_some_and(|region| plain_object(region, out, selection)),
            "project" => match (self.row.project_id, &r.project) {
                (None, _) => {
                    out.null();
                    true
                }
                (Some(_), Some(p)) => plain_object(p, out, selection),
                (Some(_), None) => false,
            },
            _ => self.plain_leaf(out, name),
        }
    }

    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}
