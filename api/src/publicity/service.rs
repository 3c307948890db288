//! Reading and writing announcements. Publicizing sets the subject's `publicized_on` (the start
//! of its first publicity), which is what makes it visible to anonymous callers.
use super::types::{PublicityChannel, PublicizeFundTransferInput, PublicizeProjectInput};
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::global_id::{NodeKind, expect_global_id};
use crate::write::{Writer, allow, event_on};
use chrono::{Datelike, NaiveDate};
use entity::announcement::{ActiveModel, Column, Entity, Model};
use entity::enums::TransferStatus;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set,
    TransactionTrait,
};

const ENTITY: &str = crate::global_id::NodeKind::Announcement.tag();

fn ordering() -> Ordering<Entity> {
    Ordering {
        name: "announcement.id",
        column: Column::Id,
        id: Column::Id,
        descending: false,
        key: |m| SortValue::Int(m.id),
        row_id: |m| m.id,
    }
}

/// A region's announcements of a year, the regions within it included. Public.
pub async fn page(
    db: &Db,
    region_code: &str,
    year: i32,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    crate::region_code::check("regionCode", region_code)?;
    crate::rollup::service::check_year("year", year)?;
    let pattern = crate::region_code::within_pattern(region_code)
        .map_err(|_| AppError::bad_input("regionCode", "not a region code"))?;
    let within = Query::select()
        .column(entity::region::Column::Id)
        .from(entity::region::Entity)
        .and_where(Expr::col(entity::region::Column::Code).like(pattern))
        .to_owned();
    let q = Entity::find()
        .filter(crate::connection::int_eq(Column::Year, year.into()))
        .filter(Column::RegionId.in_subquery(within));
    fetch_page(db, q, &ordering(), args).await
}

/// Who may publicize: a recipient whose region contains the subject's region, or ADMIN.
pub fn authorize(w: &Writer<'_>, region_code: &str) -> AppResult<()> {
    allow(
        w,
        w.covers_region(region_code) || w.identity.is_admin(),
        "only the recipient county (a recipient whose region contains it) or ADMIN publicizes",
    )
}

/// What is publicized.
#[derive(Clone, Copy)]
enum Subject {
    Transfer(i64),
    Project(i64),
}

/// The publicity as the client sent it, validated.
struct Publicity {
    period_start: NaiveDate,
    period_end: NaiveDate,
    channel: PublicityChannel,
    document_ref: String,
    supersedes: Option<i64>,
    key: Option<String>,
}

fn publicity(
    period_start: NaiveDate,
    period_end: NaiveDate,
    channel: PublicityChannel,
    document_ref: &str,
    supersedes: Option<&str>,
    key: Option<&str>,
) -> AppResult<Publicity> {
    event_on("input.periodStart", period_start)?;
    if period_end < period_start {
        return Err(AppError::bad_input(
            "input.periodEnd",
            format!("{period_end} is before the period's start {period_start}"),
        ));
    }
    Ok(Publicity {
        period_start,
        period_end,
        channel,
        document_ref: crate::write::text("input.documentRef", document_ref, 200)?,
        supersedes: supersedes
            .map(|id| expect_global_id("input.supersedes", id, NodeKind::Announcement))
            .transpose()?,
        key: crate::write::opt_text("input.idempotencyKey", key, 128)?,
    })
}

pub async fn publicize_transfer(
    w: &Writer<'_>,
    input: PublicizeFundTransferInput,
) -> AppResult<Model> {
    w.require_user()?;
    let id = expect_global_id(
        "input.fundTransferId",
        &input.fund_transfer_id,
        NodeKind::FundTransfer,
    )?;
    let t = entity::fund_transfer::Entity::find_by_id(id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("FundTransfer", input.fund_transfer_id.as_str()))?;
    let region = entity::region::Entity::find_by_id(t.recipient_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Region", t.recipient_id))?;
    authorize(w, &region.code)?;
    let p = publicity(
        input.period_start.0,
        input.period_end.0,
        input.channel,
        &input.document_ref,
        input.supersedes.as_ref().map(|s| s.as_str()),
        input.idempotency_key.as_deref(),
    )?;
    let Some(received) = t
        .received_on
        .filter(|_| t.status == TransferStatus::Received)
    else {
        return Err(AppError::bad_input(
            "input.fundTransferId",
            format!(
                "a county publicizes what it received; the transfer is {}",
                t.status.as_str()
            ),
        ));
    };
    if p.period_start < received {
        return Err(AppError::bad_input(
            "input.periodStart",
            format!(
                "{} is before the funds were received on {received}",
                p.period_start
            ),
        ));
    }
    publicize(
        w,
        Subject::Transfer(id),
        region.id,
        p,
        "publicizeFundTransfer",
    )
    .await
}

pub async fn publicize_project(w: &Writer<'_>, input: PublicizeProjectInput) -> AppResult<Model> {
    w.require_user()?;
    let id = expect_global_id("input.projectId", &input.project_id, NodeKind::Project)?;
    let project = entity::project::Entity::find_by_id(id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Project", input.project_id.as_str()))?;
    let county = entity::region::Entity::find_by_id(project.county_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Region", project.county_id))?;
    authorize(w, &county.code)?;
    let p = publicity(
        input.period_start.0,
        input.period_end.0,
        input.channel,
        &input.document_ref,
        input.supersedes.as_ref().map(|s| s.as_str()),
        input.idempotency_key.as_deref(),
    )?;
    publicize(w, Subject::Project(id), county.id, p, "publicizeProject").await
}

/// The subject's current announcement (the one nobody superseded), if any.
async fn current<C: ConnectionTrait>(c: &C, subject: Subject) -> AppResult<Option<Model>> {
    let superseded = Query::select()
        .expr(Expr::val(1))
        .from_as(Entity, "later")
        .and_where(Expr::col(("later", Column::SupersedesId)).equals((Entity, Column::Id)))
        .to_owned();
    let q = match subject {
        Subject::Transfer(id) => Entity::find().filter(Column::FundTransferId.eq(id)),
        Subject::Project(id) => Entity::find().filter(Column::ProjectId.eq(id)),
    };
    Ok(q.filter(Expr::exists(superseded).not()).one(c).await?)
}

async fn publicize(
    w: &Writer<'_>,
    subject: Subject,
    region_id: i64,
    p: Publicity,
    action: &'static str,
) -> AppResult<Model> {
    let (transfer_id, project_id) = match subject {
        Subject::Transfer(id) => (Some(id), None),
        Subject::Project(id) => (None, Some(id)),
    };
    let hash = crate::write::request_hash(&serde_json::json!({
        "transfer": transfer_id,
        "project": project_id,
        "periodStart": p.period_start.to_string(),
        "periodEnd": p.period_end.to_string(),
        "channel": entity::enums::PublicityChannel::from(p.channel).as_str(),
        "documentRef": p.document_ref,
        "supersedes": p.supersedes,
    }));
    if let Some(k) = &p.key
        && let Some(existing) = replay(w.db, k, &hash).await?
    {
        return Ok(existing);
    }
    let row = ActiveModel {
        id: NotSet,
        fund_transfer_id: Set(transfer_id),
        project_id: Set(project_id),
        region_id: Set(region_id),
        year: Set(p.period_start.year()),
        period_start: Set(p.period_start),
        period_end: Set(p.period_end),
        channel: Set(p.channel.into()),
        document_ref: Set(p.document_ref.clone()),
        supersedes_id: Set(p.supersedes),
        published_by: Set(w.actor()),
        idempotency_key: Set(p.key.clone()),
        request_hash: Set(Some(hash.clone())),
        created_at: Set(chrono::Utc::now()),
    };
    let attempt = async {
        let txn = w.db.begin().await?;
        // Takes the subject's row lock (so two announcements of one subject are written one
        // after the other), then marks it publicized from this period unless it already was.
        match subject {
            Subject::Transfer(id) => {
                use entity::fund_transfer as t;
                t::Entity::update_many()
                    .col_expr(t::Column::Status, Expr::col(t::Column::Status))
                    .filter(t::Column::Id.eq(id))
                    .exec(&txn)
                    .await?;
                t::Entity::update_many()
                    .col_expr(t::Column::PublicizedOn, Expr::value(p.period_start))
                    .filter(t::Column::Id.eq(id))
                    .filter(t::Column::PublicizedOn.is_null())
                    .exec(&txn)
                    .await?;
            }
            Subject::Project(id) => {
                use entity::project as pr;
                pr::Entity::update_many()
                    .col_expr(pr::Column::Status, Expr::col(pr::Column::Status))
                    .filter(pr::Column::Id.eq(id))
                    .exec(&txn)
                    .await?;
                pr::Entity::update_many()
                    .col_expr(pr::Column::PublicizedOn, Expr::value(p.period_start))
                    .filter(pr::Column::Id.eq(id))
                    .filter(pr::Column::PublicizedOn.is_null())
                    .exec(&txn)
                    .await?;
            }
        }
        let now = current(&txn, subject).await?;
        match (now, p.supersedes) {
            (Some(c), None) => {
                return Err(AppError::Conflict(format!(
                    "already publicized; correct it with a new announcement that supersedes {}",
                    crate::global_id::global_id(NodeKind::Announcement, c.id).as_str()
                )));
            }
            (None, Some(_)) => {
                return Err(AppError::bad_input(
                    "input.supersedes",
                    "the record has no announcement to supersede",
                ));
            }
            (Some(c), Some(s)) if c.id != s => {
                let other = Entity::find_by_id(s).one(&txn).await?;
                let same_subject = other.as_ref().is_some_and(|o| {
                    o.fund_transfer_id == transfer_id && o.project_id == project_id
                });
                return Err(if same_subject {
                    AppError::Conflict(
                        "that announcement was already superseded; supersede the current one"
                            .into(),
                    )
                } else {
                    AppError::bad_input("input.supersedes", "not an announcement of this record")
                });
            }
            _ => {}
        }
        let a = row.insert(&txn).await?;
        crate::audit::record(&txn, w, action, ENTITY, a.id, None::<&()>, Some(&a)).await?;
        txn.commit().await?;
        Ok::<Model, AppError>(a)
    };
    match attempt.await {
        Ok(a) => Ok(a),
        Err(AppError::Database(e)) if crate::error::is_conflict(&e) => {
            if let Some(k) = &p.key
                && let Some(existing) = replay(w.db, k, &hash).await?
            {
                return Ok(existing);
            }
            Err(AppError::Conflict(
                "another announcement was recorded concurrently; retry".into(),
            ))
        }
        Err(e) => Err(e),
    }
}

/// The announcement recorded under `key`, if its request matches `hash`; CONFLICT if it does not.
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
            "this idempotency key was already used for a different announcement".into(),
        ))
    }
}
