//! Recording spending. The sum of a transfer's expenditures never exceeds its amount: the check
//! and the insert run in one transaction that first takes the transfer's row lock.
use super::types::RecordExpenditureInput;
use crate::error::{AppError, AppResult};
use crate::global_id::{NodeKind, expect_global_id};
use crate::region_code;
use crate::write::{Writer, allow, amount_fen, event_on};
use entity::enums::TransferStatus;
use entity::expenditure::{ActiveModel, Column, Entity, Model};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QuerySelect,
    Set, TransactionTrait,
};

const ENTITY: &str = crate::global_id::NodeKind::Expenditure.tag();

/// A county's spending is recorded by a recipient whose region contains the project's county.
pub fn authorize(w: &Writer<'_>, county_code: &str) -> AppResult<()> {
    allow(
        w,
        w.covers_region(county_code),
        "only a recipient whose region contains the project's county records its spending",
    )
}

/// What was spent of a transfer so far, in fen.
pub async fn spent_of<C: ConnectionTrait>(c: &C, transfer_id: i64) -> AppResult<i64> {
    let row = Entity::find()
        .select_only()
        .column_as(Expr::col(Column::AmountFen).sum().cast_as("BIGINT"), "s")
        .filter(Column::FundTransferId.eq(transfer_id))
        .into_tuple::<Option<i64>>()
        .one(c)
        .await?;
    Ok(row.flatten().unwrap_or(0))
}

pub async fn record(w: &Writer<'_>, input: RecordExpenditureInput) -> AppResult<Model> {
    w.require_user()?;
    let project_id = expect_global_id("input.projectId", &input.project_id, NodeKind::Project)?;
    let transfer_id = expect_global_id(
        "input.fundTransferId",
        &input.fund_transfer_id,
        NodeKind::FundTransfer,
    )?;
    let project = entity::project::Entity::find_by_id(project_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::bad_input("input.projectId", "no such project"))?;
    let county = entity::region::Entity::find_by_id(project.county_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Region", project.county_id))?;
    authorize(w, &county.code)?;
    let transfer = entity::fund_transfer::Entity::find_by_id(transfer_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::bad_input("input.fundTransferId", "no such transfer"))?;
    let recipient = entity::region::Entity::find_by_id(transfer.recipient_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Region", transfer.recipient_id))?;
    if !(region_code::covers(&recipient.code, &county.code)
        || region_code::covers(&county.code, &recipient.code))
    {
        return Err(AppError::bad_input(
            "input.fundTransferId",
            format!(
                "the transfer went to {} ({}), which neither contains nor lies within the project's county {}",
                recipient.name, recipient.code, county.code
            ),
        ));
    }
    let Some(received_on) = transfer
        .received_on
        .filter(|_| transfer.status == TransferStatus::Received)
    else {
        return Err(AppError::bad_input(
            "input.fundTransferId",
            format!(
                "only received funds are spent; the transfer is {}",
                transfer.status.as_str()
            ),
        ));
    };
    let amount = amount_fen("input.amount", &input.amount.0)?;
    let spent_on = input.spent_on.0;
    event_on("input.spentOn", spent_on)?;
    if spent_on < received_on {
        return Err(AppError::bad_input(
            "input.spentOn",
            format!("spent on {spent_on}, before the funds were received on {received_on}"),
        ));
    }
    let purpose = crate::write::text("input.purpose", &input.purpose, 2000)?;
    let voucher = crate::write::text("input.voucherRef", &input.voucher_ref, 128)?;
    let key = crate::write::opt_text(
        "input.idempotencyKey",
        input.idempotency_key.as_deref(),
        128,
    )?;
    let hash = crate::write::request_hash(&serde_json::json!({
        "project": project_id,
        "transfer": transfer_id,
        "amountFen": amount,
        "spentOn": spent_on.to_string(),
        "purpose": purpose,
        "voucherRef": voucher,
    }));
    if let Some(k) = &key
        && let Some(existing) = replay(w.db, k, &hash).await?
    {
        return Ok(existing);
    }
    let row = ActiveModel {
        id: NotSet,
        project_id: Set(project_id),
        fund_transfer_id: Set(transfer_id),
        amount_fen: Set(amount),
        spent_on: Set(spent_on),
        purpose: Set(purpose),
        voucher_ref: Set(voucher),
        recorded_by: Set(w.actor()),
        idempotency_key: Set(key.clone()),
        request_hash: Set(Some(hash.clone())),
        created_at: Set(chrono::Utc::now()),
    };
    let attempt = async {
        let txn = w.db.begin().await?;
        // Takes the transfer's row lock (a write lock on SQLite), so concurrent expenditures
        // from one transfer check its balance one after the other.
        entity::fund_transfer::Entity::update_many()
            .col_expr(
                entity::fund_transfer::Column::Status,
                Expr::col(entity::fund_transfer::Column::Status),
            )
            .filter(entity::fund_transfer::Column::Id.eq(transfer_id))
            .exec(&txn)
            .await?;
        let spent = spent_of(&txn, transfer_id).await?;
        // What arrived, which is less than the amount after a partial receipt.
        let brought =
            crate::transfer::service::received_fen(&transfer).unwrap_or(transfer.amount_fen);
        if spent + amount > brought {
            return Err(AppError::bad_input(
                "input.amount",
                format!(
                    "exceeds what the transfer brought: {} yuan, of which {} already spent; at most {} remains",
                    rust_decimal::Decimal::new(brought, 2),
                    rust_decimal::Decimal::new(spent, 2),
                    rust_decimal::Decimal::new(brought - spent, 2)
                ),
            ));
        }
        let e = row.insert(&txn).await?;
        crate::audit::record(
            &txn,
            w,
            "recordExpenditure",
            ENTITY,
            e.id,
            None::<&()>,
            Some(&e),
        )
        .await?;
        txn.commit().await?;
        Ok::<Model, AppError>(e)
    };
    match attempt.await {
        Ok(e) => Ok(e),
        Err(AppError::Database(e)) if crate::error::is_conflict(&e) => {
            if let Some(k) = &key
                && let Some(existing) = replay(w.db, k, &hash).await?
            {
                return Ok(existing);
            }
            Err(AppError::Conflict(
                "the expenditure conflicts with one recorded concurrently; retry".into(),
            ))
        }
        Err(e) => Err(e),
    }
}

/// The expenditure recorded under `key`, if its request matches `hash`; CONFLICT if it does not.
async fn replay(
    db: &sea_orm::DatabaseConnection,
    key: &str,
    hash: &str,
) -> AppResult<Option<Model>> {
    let Some(existing) = Entity::find()
        .filter(Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if existing.request_hash.as_deref() == Some(hash) {
        Ok(Some(existing))
    } else {
        Err(AppError::Conflict(
            "this idempotency key was already used for a different expenditure".into(),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Reading expenditures: the one read path of every expenditure list.

use super::types::{ExpenditureFilter, ExpenditureOrder, ExpenditureOrderField};
use crate::auth::Identity;
use crate::batch::Loaders;
use crate::batch::child_page;
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use chrono::NaiveDate;

/// Whether the caller may read expenditures at all: as `node(id:)` reads one, authenticated
/// callers only (anonymous callers read the spent figures of publicized transfers and projects).
pub fn visible(identity: &Identity) -> bool {
    identity.is_authenticated()
}

fn ordering(order: ExpenditureOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        ExpenditureOrderField::Id => Ordering {
            name: "expenditure.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        ExpenditureOrderField::Amount => Ordering {
            name: "expenditure.amount",
            column: Column::AmountFen,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.amount_fen),
            row_id: |m| m.id,
        },
        ExpenditureOrderField::SpentOn => Ordering {
            name: "expenditure.on",
            column: Column::SpentOn,
            id: Column::Id,
            descending,
            key: |m| SortValue::Date(m.spent_on),
            row_id: |m| m.id,
        },
    }
}

/// An expenditure list: its filter (ids decoded, the region as its pattern), order and whether
/// the caller may read any.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ExpenditureListSpec {
    pub project_id: Option<i64>,
    pub fund_transfer_id: Option<i64>,
    pub region_pattern: Option<String>,
    pub year: Option<i32>,
    pub spent_after: Option<NaiveDate>,
    pub spent_before: Option<NaiveDate>,
    pub order: ExpenditureOrder,
    pub visible: bool,
}

/// The list an expenditure list nests under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parent {
    Project(i64),
    FundTransfer(i64),
}

/// One page of expenditures: the one read path of every expenditure list. Under a project or a
/// transfer the page is batched with its sibling pages through the request's loader.
pub async fn page(
    db: &Db,
    loaders: &Loaders,
    identity: &Identity,
    filter: ExpenditureFilter,
    parent: Option<Parent>,
    order: ExpenditureOrder,
    args: PageArgs,
    with_total: bool,
) -> AppResult<Page<Model>> {
    let spec = spec(identity, filter, order)?;
    match parent {
        Some(Parent::Project(id)) => {
            let loader = loaders.get::<ExpendituresByProject>();
            child_page(&loader.0, id, spec, args, with_total).await
        }
        Some(Parent::FundTransfer(id)) => {
            let loader = loaders.get::<ExpendituresByTransfer>();
            child_page(&loader.0, id, spec, args, with_total).await
        }
        None => {
            let (select, ordering) = build(&spec)?;
            fetch_page(db, select, &ordering, &args).await
        }
    }
}

/// The list's spec from the caller's filter: ids and codes checked, naming the argument.
fn spec(
    identity: &Identity,
    f: ExpenditureFilter,
    order: ExpenditureOrder,
) -> AppResult<ExpenditureListSpec> {
    let project_id = f
        .project_id
        .map(|id| expect_global_id("filter.projectId", &id, NodeKind::Project))
        .transpose()?;
    let fund_transfer_id = f
        .fund_transfer_id
        .map(|id| expect_global_id("filter.fundTransferId", &id, NodeKind::FundTransfer))
        .transpose()?;
    let region_pattern = f
        .region_code
        .map(|code| {
            region_code::within_pattern(&code)
                .map_err(|_| AppError::bad_input("filter.regionCode", "not a GB/T 2260 code"))
        })
        .transpose()?;
    if let (Some(a), Some(b)) = (&f.spent_after, &f.spent_before)
        && a.0 > b.0
    {
        return Err(AppError::bad_input(
            "filter.spentBefore",
            "lies before filter.spentAfter",
        ));
    }
    Ok(ExpenditureListSpec {
        project_id,
        fund_transfer_id,
        region_pattern,
        year: f.year,
        spent_after: f.spent_after.map(|d| d.0),
        spent_before: f.spent_before.map(|d| d.0),
        order,
        visible: visible(identity),
    })
}

/// The filtered select and ordering of an expenditure list.
pub fn build(spec: &ExpenditureListSpec) -> AppResult<(sea_orm::Select<Entity>, Ordering<Entity>)> {
    use entity::{fund_transfer as ft, region};
    use sea_orm::sea_query::{JoinType, Query};
    let mut q = Entity::find();
    if !spec.visible {
        q = q.filter(Expr::val(1).eq(0));
    }
    if let Some(id) = spec.project_id {
        q = q.filter(Column::ProjectId.eq(id));
    }
    if let Some(id) = spec.fund_transfer_id {
        q = q.filter(Column::FundTransferId.eq(id));
    }
    if let Some(d) = spec.spent_after {
        q = q.filter(Column::SpentOn.gte(d));
    }
    if let Some(d) = spec.spent_before {
        q = q.filter(Column::SpentOn.lte(d));
    }
    if spec.year.is_some() || spec.region_pattern.is_some() {
        // The transfers the money came from: of the year, addressed within the region.
        let mut transfers = Query::select()
            .column((ft::Entity, ft::Column::Id))
            .from(ft::Entity)
            .to_owned();
        if let Some(y) = spec.year {
            transfers.and_where(Expr::col((ft::Entity, ft::Column::Year)).eq(y));
        }
        if let Some(pattern) = &spec.region_pattern {
            transfers
                .join(
                    JoinType::Join,
                    region::Entity,
                    Expr::col((region::Entity, region::Column::Id))
                        .equals((ft::Entity, ft::Column::RecipientId)),
                )
                .and_where(
                    Expr::col((region::Entity, region::Column::Code)).like(pattern.as_str()),
                );
        }
        q = q.filter(Column::FundTransferId.in_subquery(transfers));
    }
    Ok((q, ordering(spec.order)))
}

crate::child_page_loader!(
    /// The `expenditures` pages of a request's projects.
    ExpendituresByProject,
    expenditure,
    ExpenditureListSpec,
    build,
    ProjectId,
    |m| m.project_id
);

crate::child_page_loader!(
    /// The `expenditures` pages of a request's transfers.
    ExpendituresByTransfer,
    expenditure,
    ExpenditureListSpec,
    build,
    FundTransferId,
    |m| m.fund_transfer_id
);
