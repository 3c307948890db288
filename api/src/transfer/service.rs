//! Reading fund transfers. Anonymous callers see publicized transfers only.
use super::types::{FundTransferFilter, FundTransferOrder, FundTransferOrderField};
use crate::auth::Identity;
use crate::batch::Loaders;
use crate::batch::{child_page, related_rows};
use crate::connection::OrderDirection;
use crate::connection::{Join, Ordering, Page, PageArgs, SortValue, fetch_page_joined, positions};
use crate::db::Db;
use crate::error::AppResult;
use crate::region::service::check_code;
use entity::fund_transfer::{ActiveModel, Column, Entity, Model};
use entity::pairing_agreement as pairing;
use entity::row::Columns;
use entity::{organization, project, region};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};
use std::sync::Arc;

fn ordering(order: FundTransferOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        FundTransferOrderField::Id => Ordering {
            name: "transfer.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        FundTransferOrderField::Amount => Ordering {
            name: "transfer.amount",
            column: Column::AmountFen,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.amount_fen),
            row_id: |m| m.id,
        },
        FundTransferOrderField::Year => Ordering {
            name: "transfer.year",
            column: Column::Year,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.year.into()),
            row_id: |m| m.id,
        },
        FundTransferOrderField::ReferenceNo => Ordering {
            name: "transfer.ref",
            column: Column::ReferenceNo,
            id: Column::Id,
            descending,
            key: |m| SortValue::Text(m.reference_no.clone()),
            row_id: |m| m.id,
        },
    }
}

/// Whether the caller may see this transfer at all.
pub fn visible(identity: &Identity, t: &Model) -> bool {
    identity.is_authenticated() || t.publicized_on.is_some()
}

/// A transfer list: its filter, order and what the caller may see.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TransferListSpec {
    pub filter: FundTransferFilter,
    pub order: FundTransferOrder,
    pub authenticated: bool,
}

/// What a page of transfers shows, from its selection: the columns its items read, and for each
/// related row (`None` when the items do not select it) the columns read of it.
pub struct Projection {
    pub columns: Columns,
    pub helper: Option<Columns>,
    pub recipient: Option<Columns>,
    pub project: Option<Columns>,
    pub pairing: bool,
    pub total: bool,
}

/// A transfer of a page with the related rows its page read.
pub struct Listed {
    pub row: Model,
    pub helper: Option<Arc<organization::Model>>,
    pub recipient: Option<Arc<region::Model>>,
    pub project: Option<Arc<project::Model>>,
}

/// One page of transfers: the one read path of every transfer list. Under a pairing
/// (`filter.pairing_id`) the page is batched with its sibling pages through the request's loader
/// and its related rows loaded in one batch each; at the root the related rows are joined into the
/// page's statement (only the columns their selections read), so the page is one statement.
/// Anonymous callers see publicized transfers only.
pub async fn page(
    db: &Db,
    loaders: &Loaders,
    identity: &Identity,
    mut filter: FundTransferFilter,
    order: FundTransferOrder,
    args: PageArgs,
    projection: &Projection,
) -> AppResult<Page<Listed>> {
    let authenticated = identity.is_authenticated();
    // Anonymous callers see a transfer's project only once it is publicized (the projection
    // reads its `publicized_on`).
    let hide = move |mut l: Listed| {
        if !authenticated
            && l.project
                .as_ref()
                .is_some_and(|p| p.publicized_on.is_none())
        {
            l.project = None;
            l.row.project_id = None;
        }
        l
    };
    let parent = filter.pairing_id.take();
    let spec = TransferListSpec {
        filter,
        order,
        authenticated,
    };
    let Some(parent) = parent else {
        return Ok(root_page(db, loaders, spec, args, projection)
            .await?
            .map(hide));
    };
    let by_pairing = loaders.get::<TransfersByPairing>();
    let page = child_page(&by_pairing.0, parent, spec, args, projection.total).await?;
    let rows = || page.rows.iter().map(|(_, m)| m);
    let p = projection;
    let (helpers, recipients, projects, _) = futures_util::try_join!(
        related_rows::<organization::Entity>(loaders, rows().map(|m| m.helper_id), p.helper, false),
        related_rows::<region::Entity>(loaders, rows().map(|m| m.recipient_id), p.recipient, false),
        related_rows::<project::Entity>(
            loaders,
            rows().filter_map(|m| m.project_id),
            p.project,
            false
        ),
        related_rows::<pairing::Entity>(
            loaders,
            rows().map(|m| m.pairing_id),
            p.pairing.then_some(Columns::ALL),
            false
        ),
    )?;
    Ok(page
        .map(|row| Listed {
            helper: helpers.get(&row.helper_id).cloned(),
            recipient: recipients.get(&row.recipient_id).cloned(),
            project: row.project_id.and_then(|id| projects.get(&id)).cloned(),
            row,
        })
        .map(hide))
}

async fn root_page(
    db: &Db,
    loaders: &Loaders,
    spec: TransferListSpec,
    args: PageArgs,
    p: &Projection,
) -> AppResult<Page<Listed>> {
    let joins = (
        Join::<Entity, organization::Entity>::new("page_helper", Column::HelperId, p.helper),
        Join::<Entity, region::Entity>::new("page_recipient", Column::RecipientId, p.recipient),
        Join::<Entity, project::Entity>::new("page_project", Column::ProjectId, p.project),
    );
    // A joined row's id is its key: the page does not read the key columns a second time.
    let joined_keys: Vec<Column> = [
        joins.0.joined_key(),
        joins.1.joined_key(),
        joins.2.joined_key(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let columns = p.columns.without(positions::<Entity>(&joined_keys));
    let (select, ordering) = build(&spec)?;
    let page = fetch_page_joined(
        db,
        select,
        &ordering,
        &args,
        columns,
        &joins,
        |m, row, checked, at| {
            let (helper, at) = joins.0.decode(row, checked, at)?;
            let (recipient, at) = joins.1.decode(row, checked, at)?;
            let (project, _) = joins.2.decode(row, checked, at)?;
            if let Some(h) = &helper {
                m.helper_id = h.id;
            }
            if let Some(r) = &recipient {
                m.recipient_id = r.id;
            }
            if joins.2.joined_key().is_some() {
                m.project_id = project.as_ref().map(|p| p.id);
            }
            // Shared from here on: the page's rows move several times before they are written.
            Ok((
                helper.map(Arc::new),
                recipient.map(Arc::new),
                project.map(Arc::new),
            ))
        },
    )
    .await?;
    related_rows::<pairing::Entity>(
        loaders,
        page.rows.iter().map(|(_, (m, _))| m.pairing_id),
        p.pairing.then_some(Columns::ALL),
        true,
    )
    .await?;
    Ok(page.map(|(row, (helper, recipient, project))| Listed {
        row,
        helper,
        recipient,
        project,
    }))
}

/// The filtered select and ordering of a transfer list.
pub fn build(spec: &TransferListSpec) -> AppResult<(Select<Entity>, Ordering<Entity>)> {
    let f = &spec.filter;
    let mut q = Entity::find();
    if !spec.authenticated || f.publicized_only == Some(true) {
        q = q.filter(Column::PublicizedOn.is_not_null());
    }
    if let Some(id) = f.pairing_id {
        q = q.filter(Column::PairingId.eq(id));
    }
    if let Some(id) = &f.project_id {
        let id = crate::global_id::expect_global_id(
            "filter.projectId",
            id,
            crate::global_id::NodeKind::Project,
        )?;
        q = q.filter(Column::ProjectId.eq(id));
    }
    if let Some(y) = f.year {
        q = q.filter(crate::connection::int_eq(Column::Year, y.into()));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(entity::enums::TransferStatus::from(s)));
    }
    if let Some(c) = f.category {
        q = q.filter(Column::Category.eq(entity::enums::FundCategory::from(c)));
    }
    if let Some(p) = f.program {
        let ids = Query::select()
            .column(pairing::Column::Id)
            .from(pairing::Entity)
            .and_where(pairing::Column::Program.eq(entity::enums::Program::from(p)))
            .to_owned();
        q = q.filter(Column::PairingId.in_subquery(ids));
    }
    if let Some(code) = &f.helper_code {
        q = q.filter(sea_orm::sea_query::ExprTrait::eq(
            Column::HelperId.into_expr(),
            crate::organization::service::org_code_id(code),
        ));
    }
    if let Some(code) = &f.recipient_code {
        check_code("filter.recipientCode", code)?;
        q = q.filter(sea_orm::sea_query::ExprTrait::eq(
            Column::RecipientId.into_expr(),
            crate::region::service::code_id(code),
        ));
    }
    if let Some(code) = &f.province_code {
        check_code("filter.provinceCode", code)?;
        q = q.filter(sea_orm::sea_query::ExprTrait::eq(
            Column::RecipientProvinceId.into_expr(),
            crate::region::service::code_id(code),
        ));
    }
    Ok((q, ordering(spec.order)))
}

// ---------------------------------------------------------------------------------------------
// Writing transfers: record, allocate, cancel (the helper); confirm receipt (the recipient).

use super::types::{
    AllocateFundTransferInput, CancelFundTransferInput, ConfirmFundReceiptInput,
    RecordFundTransferInput,
};
use crate::error::AppError;
use crate::global_id::{NodeKind, expect_global_id};
use crate::pairing::service::parties;
use crate::region_code;
use crate::write::{Writer, allow, amount_fen, event_on, illegal, region_by_code, year_in_pairing};
use entity::enums::{FundCategory, Indicator, TransferStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ConnectionTrait, NotSet, Set, TransactionTrait};

const ENTITY: &str = crate::global_id::NodeKind::FundTransfer.tag();

/// The acts on a transfer, each with its one permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferAction {
    Record,
    Allocate,
    ConfirmReceipt,
    Cancel,
}

/// Who may do what to a transfer: the paying helper records, allocates and cancels; a recipient
/// whose region contains the transfer's recipient confirms receipt; ADMIN may cancel (corrections).
pub fn authorize(
    w: &Writer<'_>,
    action: TransferAction,
    helper_code: &str,
    recipient_code: &str,
) -> AppResult<()> {
    match action {
        TransferAction::Record | TransferAction::Allocate => allow(
            w,
            w.is_helper(helper_code),
            "only the paying helper organization records and allocates its transfers",
        ),
        TransferAction::Cancel => allow(
            w,
            w.is_helper(helper_code) || w.identity.is_admin(),
            "only the paying helper organization (or ADMIN) cancels a transfer",
        ),
        TransferAction::ConfirmReceipt => allow(
            w,
            w.covers_region(recipient_code),
            "only a recipient whose region contains the transfer's recipient confirms receipt",
        ),
    }
}

/// The helper's organization code and the recipient's region code of a stored transfer.
async fn codes<C: ConnectionTrait>(c: &C, t: &Model) -> AppResult<(String, String)> {
    let org = entity::organization::Entity::find_by_id(t.helper_id)
        .one(c)
        .await?
        .ok_or_else(|| AppError::not_found("Organization", t.helper_id))?;
    let region = entity::region::Entity::find_by_id(t.recipient_id)
        .one(c)
        .await?
        .ok_or_else(|| AppError::not_found("Region", t.recipient_id))?;
    Ok((org.code, region.code))
}

pub async fn record(w: &Writer<'_>, input: RecordFundTransferInput) -> AppResult<Model> {
    w.require_user()?;
    let pairing_id = expect_global_id(
        "input.pairingAgreementId",
        &input.pairing_agreement_id,
        NodeKind::PairingAgreement,
    )?;
    let p = parties(w.db, pairing_id)
        .await
        .map_err(|e| crate::write::with_id(e, &input.pairing_agreement_id))?;
    authorize(w, TransferAction::Record, &p.helper_code, "")?;

    let reference_no = crate::write::text("input.referenceNo", &input.reference_no, 64)?;
    let recipient = region_by_code(w.db, "input.recipientCode", &input.recipient_code).await?;
    if !region_code::covers(&p.recipient.code, &recipient.code) {
        return Err(AppError::bad_input(
            "input.recipientCode",
            format!(
                "{} lies outside the pairing's recipient {} ({})",
                recipient.code, p.recipient.code, p.recipient.name
            ),
        ));
    }
    let category = FundCategory::from(input.category);
    let fits = Indicator::for_program(p.pairing.program)
        .iter()
        .any(|i| i.fund_category() == Some(category));
    if !fits {
        return Err(AppError::bad_input(
            "input.category",
            format!(
                "{} funds do not belong to the {} program",
                category.as_str(),
                p.pairing.program.as_str()
            ),
        ));
    }
    let amount = amount_fen("input.amount", &input.amount.0)?;
    year_in_pairing("input.year", input.year, &p.pairing)?;
    if let Some(d) = input.allocated_on {
        allocated_in_year("input.allocatedOn", d.0, input.year)?;
    }
    if let Some(d) = input.publicized_on {
        event_on("input.publicizedOn", d.0)?;
    }
    let project_id = match &input.project_id {
        None => None,
        Some(id) => {
            let n = expect_global_id("input.projectId", id, NodeKind::Project)?;
            let project = entity::project::Entity::find_by_id(n)
                .one(w.db)
                .await?
                .ok_or_else(|| AppError::bad_input("input.projectId", "no such project"))?;
            let county = entity::region::Entity::find_by_id(project.county_id)
                .one(w.db)
                .await?
                .ok_or_else(|| AppError::not_found("Region", project.county_id))?;
            if !region_code::covers(&recipient.code, &county.code) {
                return Err(AppError::bad_input(
                    "input.projectId",
                    format!(
                        "the project lies in {} ({}), not within the recipient {}",
                        county.name, county.code, recipient.code
                    ),
                ));
            }
            Some(n)
        }
    };
    let purpose = crate::write::opt_text("input.purpose", input.purpose.as_deref(), 2000)?;
    let key = crate::write::opt_text(
        "input.idempotencyKey",
        input.idempotency_key.as_deref(),
        128,
    )?;
    let hash = crate::write::request_hash(&serde_json::json!({
        "pairing": pairing_id,
        "referenceNo": reference_no,
        "recipient": recipient.code,
        "category": category.as_str(),
        "amountFen": amount,
        "year": input.year,
        "plannedOn": input.planned_on.map(|d| d.0.to_string()),
        "allocatedOn": input.allocated_on.map(|d| d.0.to_string()),
        "project": project_id,
        "purpose": purpose,
        "publicizedOn": input.publicized_on.map(|d| d.0.to_string()),
    }));

    // A retry of a recorded request returns what was recorded: keys are the helper's own.
    let helper_id = p.pairing.helper_id;
    if let Some(k) = &key
        && let Some(existing) = replay(w.db, helper_id, k, &hash).await?
    {
        return Ok(existing);
    }
    let row = ActiveModel {
        id: NotSet,
        reference_no: Set(reference_no),
        pairing_id: Set(pairing_id),
        helper_id: Set(helper_id),
        recipient_id: Set(recipient.id),
        recipient_province_id: Set(recipient.province_id.unwrap_or(recipient.id)),
        project_id: Set(project_id),
        category: Set(category),
        amount_fen: Set(amount),
        currency: Set("CNY".into()),
        status: Set(if input.allocated_on.is_some() {
            TransferStatus::Allocated
        } else {
            TransferStatus::Planned
        }),
        year: Set(input.year),
        planned_on: Set(input.planned_on.map(|d| d.0)),
        allocated_on: Set(input.allocated_on.map(|d| d.0)),
        received_on: Set(None),
        publicized_on: Set(input.publicized_on.map(|d| d.0)),
        purpose: Set(purpose),
        idempotency_key: Set(key.clone()),
        request_hash: Set(Some(hash.clone())),
        created_at: Set(chrono::Utc::now()),
        received_amount_fen: Set(None),
    };
    let attempt = async {
        let txn = w.db.begin().await?;
        let t = row.insert(&txn).await?;
        crate::audit::record(
            &txn,
            w,
            "recordFundTransfer",
            ENTITY,
            t.id,
            None::<&()>,
            Some(&t),
        )
        .await?;
        txn.commit().await?;
        Ok::<Model, AppError>(t)
    };
    match attempt.await {
        Ok(t) => Ok(t),
        // A concurrent request with the same key won the race: answer as a retry would be.
        Err(AppError::Database(e)) if crate::error::is_conflict(&e) => {
            if let Some(k) = &key
                && let Some(existing) = replay(w.db, helper_id, k, &hash).await?
            {
                return Ok(existing);
            }
            Err(AppError::Conflict(
                "this helper already recorded a transfer with this reference number".into(),
            ))
        }
        Err(e) => Err(e),
    }
}

/// The helper's transfer recorded under `key`, if its request matches `hash`; CONFLICT if it does
/// not. Another helper's keys are never looked at: they neither block nor show.
async fn replay(
    db: &sea_orm::DatabaseConnection,
    helper_id: i64,
    key: &str,
    hash: &str,
) -> AppResult<Option<Model>> {
    let Some(existing) = Entity::find()
        .filter(Column::HelperId.eq(helper_id))
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
            "this idempotency key was already used for a different transfer".into(),
        ))
    }
}

async fn load(w: &Writer<'_>, id: &str) -> AppResult<(Model, String, String)> {
    let n = expect_global_id("input.fundTransferId", id, NodeKind::FundTransfer)?;
    let t = Entity::find_by_id(n)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, id))?;
    let (helper, recipient) = codes(w.db, &t).await?;
    Ok((t, helper, recipient))
}

/// Moves a transfer from its current status to `to`, only if nobody moved it first.
async fn transition(
    w: &Writer<'_>,
    action: &str,
    t: &Model,
    to: TransferStatus,
    set: &[(Column, sea_orm::Value)],
    note: Option<(&str, String)>,
) -> AppResult<Model> {
    let mut q = Entity::update_many().col_expr(Column::Status, Expr::value(to.as_str()));
    for (col, val) in set {
        q = q.col_expr(*col, Expr::value(val.clone()));
    }
    let update = q
        .filter(Column::Id.eq(t.id))
        .filter(Column::Status.eq(t.status.as_str()));
    let conflict = AppError::Conflict(format!(
        "the transfer changed concurrently; it is no longer {}",
        t.status.as_str()
    ));
    let image = |after: &Model| Some(crate::write::with_note(after, note));
    crate::audit::change_alone(w, update, (action, ENTITY, t.id), t, image, conflict).await
}

/// Money counts toward the year it was paid out in or a later one: an allocation dated before
/// its year would count as paid early (the first-quarter figure) without having been.
fn allocated_in_year(field: &str, on: chrono::NaiveDate, year: i32) -> AppResult<()> {
    event_on(field, on)?;
    if chrono::Datelike::year(&on) < year {
        return Err(AppError::bad_input(
            field,
            format!("{on} lies before the transfer's year {year}"),
        ));
    }
    Ok(())
}

pub async fn allocate(w: &Writer<'_>, input: AllocateFundTransferInput) -> AppResult<Model> {
    w.require_user()?;
    let (t, helper, recipient) = load(w, &input.fund_transfer_id).await?;
    authorize(w, TransferAction::Allocate, &helper, &recipient)?;
    allocated_in_year("input.allocatedOn", input.allocated_on.0, t.year)?;
    if t.status != TransferStatus::Planned {
        return Err(illegal("transfer", t.status.as_str(), "ALLOCATED"));
    }
    transition(
        w,
        "allocateFundTransfer",
        &t,
        TransferStatus::Allocated,
        &[(Column::AllocatedOn, input.allocated_on.0.into())],
        None,
    )
    .await
}

pub async fn confirm_receipt(w: &Writer<'_>, input: ConfirmFundReceiptInput) -> AppResult<Model> {
    w.require_user()?;
    let (t, helper, recipient) = load(w, &input.fund_transfer_id).await?;
    authorize(w, TransferAction::ConfirmReceipt, &helper, &recipient)?;
    if t.status != TransferStatus::Allocated {
        return Err(illegal("transfer", t.status.as_str(), "RECEIVED"));
    }
    let received = input.received_on.0;
    event_on("input.receivedOn", received)?;
    if let Some(allocated) = t.allocated_on
        && received < allocated
    {
        return Err(AppError::bad_input(
            "input.receivedOn",
            format!("received on {received}, before it was allocated on {allocated}"),
        ));
    }
    let partial = match &input.received_amount {
        None => None,
        Some(a) => {
            let fen = amount_fen("input.receivedAmount", &a.0)?;
            if fen > t.amount_fen {
                return Err(AppError::bad_input(
                    "input.receivedAmount",
                    format!(
                        "{} is more than the transfer's amount {}",
                        a.0,
                        rust_decimal::Decimal::new(t.amount_fen, 2)
                    ),
                ));
            }
            // The whole amount is stored as a receipt of the whole amount.
            (fen < t.amount_fen).then_some(fen)
        }
    };
    transition(
        w,
        "confirmFundReceipt",
        &t,
        TransferStatus::Received,
        &[
            (Column::ReceivedOn, received.into()),
            (Column::ReceivedAmountFen, partial.into()),
        ],
        None,
    )
    .await
}

pub async fn cancel(w: &Writer<'_>, input: CancelFundTransferInput) -> AppResult<Model> {
    w.require_user()?;
    let (t, helper, recipient) = load(w, &input.fund_transfer_id).await?;
    authorize(w, TransferAction::Cancel, &helper, &recipient)?;
    let reason = crate::write::opt_text("input.reason", input.reason.as_deref(), 2000)?;
    if !matches!(
        t.status,
        TransferStatus::Planned | TransferStatus::Allocated
    ) {
        return Err(illegal("transfer", t.status.as_str(), "CANCELLED"));
    }
    transition(
        w,
        "cancelFundTransfer",
        &t,
        TransferStatus::Cancelled,
        &[],
        reason.map(|r| ("reason", r)),
    )
    .await
}

crate::child_page_loader!(
    /// The `fundTransfers` pages of a request's pairings.
    TransfersByPairing,
    fund_transfer,
    TransferListSpec,
    build,
    PairingId,
    |m| m.pairing_id
);

/// The amount the recipient confirmed it received: the whole amount unless it confirmed less;
/// `None` before receipt. Every figure of received money uses this one basis.
pub fn received_fen(t: &Model) -> Option<i64> {
    (t.status == TransferStatus::Received).then(|| t.received_amount_fen.unwrap_or(t.amount_fen))
}

/// The helper corrects a transfer while answering a dispute (within the caller's transaction):
/// its amount (not below what was confirmed received; a receipt of the whole amount stays at
/// the amount confirmed) and its allocation date (in the transfer's year, not after its
/// receipt). Only if nobody changed it first; audited with the values before and after.
pub async fn correct<C: ConnectionTrait>(
    c: &C,
    w: &Writer<'_>,
    t: &Model,
    amount: Option<i64>,
    on: Option<chrono::NaiveDate>,
) -> AppResult<Model> {
    let mut q = Entity::update_many();
    if let Some(a) = amount {
        if let Some(received) = received_fen(t)
            && a < received
        {
            return Err(AppError::bad_input(
                "input.correction.amount",
                format!(
                    "{} is less than the {} the recipient confirmed it received",
                    rust_decimal::Decimal::new(a, 2),
                    rust_decimal::Decimal::new(received, 2)
                ),
            ));
        }
        q = q.col_expr(Column::AmountFen, Expr::value(a));
        if t.status == TransferStatus::Received && t.received_amount_fen.is_none() {
            q = q.col_expr(Column::ReceivedAmountFen, Expr::value(t.amount_fen));
        }
    }
    if let Some(d) = on {
        if t.allocated_on.is_none() {
            return Err(AppError::bad_input(
                "input.correction.on",
                "the transfer has not been allocated: there is no allocation date to correct",
            ));
        }
        allocated_in_year("input.correction.on", d, t.year)?;
        if let Some(received) = t.received_on
            && d > received
        {
            return Err(AppError::bad_input(
                "input.correction.on",
                format!("allocated on {d}, after it was received on {received}"),
            ));
        }
        q = q.col_expr(Column::AllocatedOn, Expr::value(d));
    }
    let mut q = q
        .filter(Column::Id.eq(t.id))
        .filter(Column::Status.eq(t.status.as_str()))
        .filter(Column::AmountFen.eq(t.amount_fen));
    if let Some(d) = t.allocated_on {
        q = q.filter(Column::AllocatedOn.eq(d));
    }
    let conflict = AppError::Conflict("the transfer changed concurrently; read it again".into());
    let what = ("correctFundTransfer", ENTITY, t.id);
    crate::audit::change(c, w, q, what, t, crate::audit::as_is, conflict).await
}
