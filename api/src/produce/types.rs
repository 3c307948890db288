use crate::connection::OrderDirection;
use crate::global_id::{NodeKind, global_id};
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::{ContextExt, define_connection};
use crate::organization::Organization;
use crate::pairing::PairingAgreement;
use crate::region::Region;
use async_graphql::{Context, Enum, ID, InputObject, Result, SimpleObject};
use entity::enums;
use entity::produce_deal::Model;

/// What kind of deal: the helper bought, or it brokered a sale to others.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::DealKind")]
pub enum DealKind {
    /// The helper (its canteens, unions, staff) bought the produce.
    Purchased,
    /// The helper brokered a sale to other buyers.
    SalesHelped,
}

/// Where a deal stands: RECORDED by the helper, then CONFIRMED or DISPUTED by the origin county.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Debug)]
#[graphql(remote = "enums::DealStatus")]
pub enum DealStatus {
    /// Recorded by the helper, not yet confirmed.
    Recorded,
    /// Confirmed by the origin county.
    Confirmed,
    /// Disputed by the origin county (see `disputeReason` and `disputes`); back to RECORDED
    /// when the dispute is resolved.
    Disputed,
}

/// Produce a helper bought, or whose sale it brokered, from a poor county under a pairing.
#[derive(Clone)]
pub struct ProduceDeal(pub std::sync::Arc<Model>);

impl From<Model> for ProduceDeal {
    fn from(model: Model) -> Self {
        ProduceDeal(std::sync::Arc::new(model))
    }
}

crate::object! {
    /// Produce a helper bought, or whose sale it brokered, from a poor county under a pairing;
    /// the origin county confirms or disputes it.
    ProduceDeal(0) as m, columns entity::produce_deal {
        /// Opaque global id.
        id: ID [Id] = global_id(NodeKind::ProduceDeal, m.id);
        /// Bought by the helper, or a sale it brokered.
        kind: DealKind [Kind] = m.kind.into();
        /// Who bought the produce.
        buyer: &str [Buyer] = &m.buyer;
        /// What was sold, e.g. tea, walnuts, beef.
        product: &str [Product] = &m.product;
        /// Amount in yuan, exact to the fen.
        amount: Decimal [AmountFen] = Decimal::from_minor(m.amount_fen, 2);
        /// When the deal was made.
        dealOn: Date [DealOn] = Date(m.deal_on);
        /// The year the deal counts toward (the year it was made).
        year: i32 [Year] = m.year;
        /// A reference to the contract, invoice or other evidence.
        evidenceRef: Option<&str> [EvidenceRef] = m.evidence_ref.as_deref();
        /// Where the deal stands.
        status: DealStatus [Status] = m.status.into();
        /// When the origin county confirmed it.
        confirmedOn: Option<Date> [ConfirmedOn] = m.confirmed_on.map(Date);
        /// Why the origin county disputes it.
        disputeReason: Option<&str> [DisputeReason] = m.dispute_reason.as_deref();
    }
    related {
        /// The pairing the deal is recorded under.
        [PairingId] async fn pairingAgreement(&self, ctx: &Context<'_>) -> Result<PairingAgreement> {
            let p = ctx.loader::<crate::batch::ById<entity::pairing_agreement::Entity>>().load_one(self.0.pairing_id).await?;
            Ok(PairingAgreement(p.ok_or_else(|| {
                crate::error::AppError::not_found("PairingAgreement", self.0.pairing_id)
            })?))
        }
        /// The helper that bought or brokered.
        [HelperId] async fn helper(&self, ctx: &Context<'_>) -> Result<Organization> {
            let o = ctx.loader::<crate::batch::ById<entity::organization::Entity>>().load_one(self.0.helper_id).await?;
            Ok(Organization(o.ok_or_else(|| {
                crate::error::AppError::not_found("Organization", self.0.helper_id)
            })?))
        }
        /// The poor county the produce comes from.
        [OriginCountyId] async fn originCounty(&self, ctx: &Context<'_>) -> Result<Region> {
            let r = ctx.loader::<crate::batch::ById<entity::region::Entity>>().load_one(self.0.origin_county_id).await?;
            Ok(Region(r.ok_or_else(|| {
                crate::error::AppError::not_found("Region", self.0.origin_county_id)
            })?))
        }
        /// The disputes raised about this deal, oldest first (none for anonymous callers);
        /// an unresolved one is a `RECORD_DISPUTED` data-quality finding.
        [Id] async fn disputes(&self, ctx: &Context<'_>) -> Result<Vec<crate::dispute::Dispute>> {
            crate::dispute::loader::disputes_of(ctx, entity::enums::DisputeSubjectKind::ProduceDeal, self.0.id).await
        }
    }
}

crate::leaf_enums!(DealKind, DealStatus);
crate::keyed!(produce_deal);

/// Narrows a list of produce deals.
#[derive(InputObject, Default, Clone, PartialEq, Eq, Hash)]
pub struct ProduceDealFilter {
    /// Only deals counting toward this year.
    pub year: Option<i32>,
    /// Only deals with this status.
    pub status: Option<DealStatus>,
    /// Only deals of this kind.
    pub kind: Option<DealKind>,
    /// Only deals of the organization with this code.
    pub helper_code: Option<String>,
    /// Only deals from the county with this code.
    pub origin_county_code: Option<String>,
    /// Only deals from counties in the province with this code.
    pub province_code: Option<String>,
}

/// What deals can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum ProduceDealOrderField {
    /// Recording order.
    #[default]
    Id,
    /// Amount.
    Amount,
    /// Date of the deal.
    DealOn,
}

/// Sort order of a deal list.
#[derive(InputObject, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ProduceDealOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: ProduceDealOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

define_connection!(
    ProduceDealConnection,
    ProduceDealEdge,
    ProduceDeal,
    "A page of produce deals.",
    "A produce deal in a page, with its cursor."
);

/// A helper records a purchase or a sale it brokered, under one of its pairings.
#[derive(InputObject, Clone)]
pub struct RecordProduceDealInput {
    /// The pairing (the caller must be its helper).
    pub pairing_agreement_id: ID,
    /// The origin county's code: a county within the pairing's recipient.
    pub origin_county_code: String,
    /// Who bought the produce (at most 200 characters).
    pub buyer: String,
    /// What was sold (at most 200 characters).
    pub product: String,
    /// Bought by the helper, or a sale it brokered.
    pub kind: DealKind,
    /// Amount in yuan (more than zero, at most two decimals, at most 10 billion).
    pub amount: Decimal,
    /// When the deal was made (not in the future, within the pairing's period).
    pub deal_on: Date,
    /// A reference to the contract, invoice or other evidence (at most 200 characters).
    pub evidence_ref: Option<String>,
    /// A key chosen by the client (at most 128 characters): a retry with the same key and payload
    /// returns the deal recorded first; the same key with a different payload is a CONFLICT.
    pub idempotency_key: Option<String>,
}

/// The origin county confirms a deal: RECORDED → CONFIRMED.
#[derive(InputObject, Clone)]
pub struct ConfirmProduceDealInput {
    /// The deal (RECORDED), from a county within the caller's region.
    pub produce_deal_id: ID,
    /// When it was confirmed: on or after the deal, not in the future.
    pub confirmed_on: Date,
}

/// The origin county disputes a deal: RECORDED → DISPUTED, opening a dispute (`openDispute`
/// with the deal's id does the same).
#[derive(InputObject, Clone)]
pub struct DisputeProduceDealInput {
    /// The deal (RECORDED), from a county within the caller's region.
    pub produce_deal_id: ID,
    /// Why the county disputes it (at most 2000 characters).
    pub reason: String,
}

/// The deal as it stands after the write.
#[derive(SimpleObject)]
pub struct ProduceDealPayload {
    /// The deal written.
    pub produce_deal: ProduceDeal,
}

impl crate::graphql::plain::PlainObject for ProduceDeal {
    fn plain_leaf(&self, out: &mut crate::graphql::json::Json, name: &str) -> bool {
        self.write_leaf(out, name)
    }
}
