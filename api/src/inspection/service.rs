//! Reading and writing inspection findings. Any authenticated caller reads them; anonymous
//! callers see none.
use super::types::{
    InspectionFindingFilter, InspectionFindingOrder, InspectionFindingOrderField,
    InspectionFindingSummary, OrganizationFindingCount, ProvinceFindingCount,
};
use crate::auth::Identity;
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::region::service::check_code;
use chrono::NaiveDate;
use entity::enums::{FindingRecordKind, FindingStatus};
use entity::inspection_finding::{ActiveModel, Column, Entity, Model};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};

const ENTITY: &str = crate::global_id::NodeKind::InspectionFinding.tag();

/// The statuses in which the responsible side still owes a rectification.
const AWAITING_RECTIFICATION: [FindingStatus; 3] = [
    FindingStatus::Open,
    FindingStatus::Rectifying,
    FindingStatus::Reopened,
];

/// Past its due date on `today` and not yet reported rectified.
pub fn is_overdue(status: FindingStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    AWAITING_RECTIFICATION.contains(&status) && due_on < today
}

/// Whether the caller may read findings at all.
pub fn visible(identity: &Identity) -> bool {
    identity.is_authenticated()
}

fn ordering(order: InspectionFindingOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        InspectionFindingOrderField::Id => Ordering {
            name: "finding.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        InspectionFindingOrderField::DueOn => Ordering {
            name: "finding.due",
            column: Column::DueOn,
            id: Column::Id,
            descending,
            key: |m| SortValue::Date(m.due_on),
            row_id: |m| m.id,
        },
    }
}

fn status_in(statuses: &[FindingStatus]) -> impl Iterator<Item = &'static str> + '_ {
    statuses.iter().map(FindingStatus::as_str)
}

/// One page of findings: the one read path of every finding list.
pub async fn page(
    db: &Db,
    identity: &Identity,
    f: &InspectionFindingFilter,
    order: InspectionFindingOrder,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    let mut q = Entity::find();
    if !visible(identity) {
        q = q.filter(Expr::val(1).eq(0));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(FindingStatus::from(s).as_str()));
    }
    if f.open_only == Some(true) {
        q = q.filter(Column::Status.ne(FindingStatus::Closed.as_str()));
    }
    if f.overdue_only == Some(true) {
        q = q
            .filter(Column::Status.is_in(status_in(&AWAITING_RECTIFICATION)))
            .filter(Column::DueOn.lt(crate::write::today()));
    }
    if let Some(s) = f.source {
        q = q.filter(Column::Source.eq(entity::enums::FindingSource::from(s).as_str()));
    }
    if let Some(s) = f.severity {
        q = q.filter(Column::Severity.eq(entity::enums::FindingSeverity::from(s).as_str()));
    }
    if let Some(code) = &f.region_code {
        check_code("filter.regionCode", code)?;
        q = q.filter(ExprTrait::eq(
            Column::RegionId.into_expr(),
            crate::region::service::code_id(code),
        ));
    }
    if let Some(code) = &f.province_code {
        check_code("filter.provinceCode", code)?;
        q = q.filter(ExprTrait::eq(
            Column::ProvinceId.into_expr(),
            crate::region::service::code_id(code),
        ));
    }
    if let Some(code) = &f.responsible_organization_code {
        q = q.filter(ExprTrait::eq(
            Column::ResponsibleOrgId.into_expr(),
            crate::organization::service::org_code_id(code),
        ));
    }
    fetch_page(db, q, &ordering(order), args).await
}

/// Open findings per province, with how many are overdue on `$1` (`$2`–`$4`: the statuses
/// that await rectification, `$5`: CLOSED).
const BY_PROVINCE: &str = "\
    SELECT f.province_id AS id, CAST(COUNT(*) AS BIGINT) AS n_open, \
      CAST(SUM(CASE WHEN f.status IN ($2, $3, $4) AND f.due_on < $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue \
    FROM inspection_findings f JOIN regions r ON r.id = f.province_id \
    WHERE f.status <> $5 \
    GROUP BY f.province_id, r.code ORDER BY r.code";

/// The same per responsible organization (findings without one are the counties' own).
const BY_ORGANIZATION: &str = "\
    SELECT f.responsible_org_id AS id, CAST(COUNT(*) AS BIGINT) AS n_open, \
      CAST(SUM(CASE WHEN f.status IN ($2, $3, $4) AND f.due_on < $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue \
    FROM inspection_findings f JOIN organizations o ON o.id = f.responsible_org_id \
    WHERE f.status <> $5 \
    GROUP BY f.responsible_org_id, o.code ORDER BY o.code";

async fn counts(db: &Db, sql: &str, as_of: NaiveDate) -> AppResult<Vec<(i64, i64, i64)>> {
    let mut values: Vec<sea_orm::Value> = vec![as_of.into()];
    values.extend(status_in(&AWAITING_RECTIFICATION).map(Into::into));
    values.push(FindingStatus::Closed.as_str().into());
    let stmt = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    let rows = db.query_all_raw(stmt).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i64>("", "id")?,
                r.try_get::<i64>("", "n_open")?,
                r.try_get::<i64>("", "overdue")?,
            ))
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(AppError::from)
}

/// Open and overdue findings per province and per responsible organization, computed in SQL.
/// Anonymous callers get empty lists.
pub async fn summary(
    db: &Db,
    identity: &Identity,
    as_of: Option<NaiveDate>,
) -> AppResult<InspectionFindingSummary> {
    let as_of = as_of.unwrap_or_else(crate::write::today);
    let (by_province, by_org) = if visible(identity) {
        futures_util::try_join!(
            counts(db, BY_PROVINCE, as_of),
            counts(db, BY_ORGANIZATION, as_of)
        )?
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(InspectionFindingSummary {
        as_of: as_of.into(),
        by_province: by_province
            .into_iter()
            .map(|(province_id, open, overdue)| ProvinceFindingCount {
                province_id,
                open,
                overdue,
            })
            .collect(),
        by_responsible_organization: by_org
            .into_iter()
            .map(
                |(organization_id, open, overdue)| OrganizationFindingCount {
                    organization_id,
                    open,
                    overdue,
                },
            )
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Writing findings: open, close, reopen (an inspector); start and report rectification (the
// responsible side).

use super::types::{
    CloseInspectionFindingInput, OpenInspectionFindingInput, ReopenInspectionFindingInput,
    ReportRectificationInput, StartRectificationInput,
};
use crate::global_id::{NodeKind, expect_global_id, parse_global_id};
use crate::region_code;
use crate::write::{Writer, allow, event_on, illegal, opt_text, organization_by_code, text};
use sea_orm::{NotSet, Set};

/// The acts on a finding, each with its one permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingAction {
    Open,
    Rectify,
    Judge,
}

/// Inspectors (and ADMIN) open, close and reopen findings; the responsible side rectifies: a
/// helper of the responsible organization, or a recipient whose region contains that
/// organization's region (or, when no organization is responsible, the finding's region).
async fn authorize(w: &Writer<'_>, action: FindingAction, f: Option<&Model>) -> AppResult<()> {
    match (action, f) {
        (FindingAction::Open | FindingAction::Judge, _) => allow(
            w,
            w.identity.inspects(),
            "only an INSPECTOR (or ADMIN) records, closes and reopens inspection findings",
        ),
        (FindingAction::Rectify, Some(f)) => {
            w.require_user()?;
            let mut region_id = Some(f.region_id);
            let mut helper = false;
            if let Some(org_id) = f.responsible_org_id {
                let org = entity::organization::Entity::find_by_id(org_id)
                    .one(w.db)
                    .await?
                    .ok_or_else(|| AppError::not_found("Organization", org_id))?;
                helper = w.is_helper(&org.code);
                region_id = org.region_id;
            }
            let mut covered = false;
            if !helper
                && w.identity.recipient_region().is_some()
                && let Some(id) = region_id
                && let Some(r) = entity::region::Entity::find_by_id(id).one(w.db).await?
            {
                covered = w.covers_region(&r.code);
            }
            allow(
                w,
                helper || covered,
                "only the responsible organization (or the county, when none is named) rectifies a finding",
            )
        }
        (FindingAction::Rectify, None) => {
            Err(AppError::Internal("rectification without a finding".into()))
        }
    }
}

/// What a finding is about, worked out from its input: region, pairing, record, responsible.
struct Subject {
    region: entity::region::Model,
    pairing_id: Option<i64>,
    record: Option<(FindingRecordKind, i64)>,
    responsible_org_id: Option<i64>,
}

async fn subject(w: &Writer<'_>, input: &OpenInspectionFindingInput) -> AppResult<Subject> {
    // The record names its region and (for transfers and dispatches) its pairing.
    let mut record = None;
    let mut record_region = None;
    let mut record_pairing = None;
    if let Some(id) = &input.record_id {
        let (kind, n) = parse_global_id("input.recordId", id)?;
        let missing = || AppError::bad_input("input.recordId", "no such record");
        match kind {
            NodeKind::FundTransfer => {
                let t = entity::fund_transfer::Entity::find_by_id(n)
                    .one(w.db)
                    .await?
                    .ok_or_else(missing)?;
                record = Some((FindingRecordKind::FundTransfer, n));
                record_region = Some(t.recipient_id);
                record_pairing = Some(t.pairing_id);
            }
            NodeKind::PersonnelDispatch => {
                let d = entity::personnel_dispatch::Entity::find_by_id(n)
                    .one(w.db)
                    .await?
                    .ok_or_else(missing)?;
                record = Some((FindingRecordKind::PersonnelDispatch, n));
                record_region = Some(d.recipient_id);
                record_pairing = Some(d.pairing_id);
            }
            NodeKind::Project => {
                let p = entity::project::Entity::find_by_id(n)
                    .one(w.db)
                    .await?
                    .ok_or_else(missing)?;
                record = Some((FindingRecordKind::Project, n));
                record_region = Some(p.county_id);
            }
            _ => {
                return Err(AppError::bad_input(
                    "input.recordId",
                    "a finding concerns a fund transfer, a personnel dispatch or a project",
                ));
            }
        }
    }
    let mut pairing = None;
    if let Some(id) = &input.pairing_agreement_id {
        let n = expect_global_id("input.pairingAgreementId", id, NodeKind::PairingAgreement)?;
        if record_pairing.is_some_and(|p| p != n) {
            return Err(AppError::bad_input(
                "input.pairingAgreementId",
                "the record belongs to another pairing",
            ));
        }
        let p = crate::pairing::service::parties(w.db, n)
            .await
            .map_err(|_| AppError::bad_input("input.pairingAgreementId", "no such pairing"))?;
        pairing = Some(p);
    } else if let Some(n) = record_pairing {
        pairing = Some(crate::pairing::service::parties(w.db, n).await?);
    }
    let region = match (&input.region_code, record_region, &pairing) {
        (Some(code), _, _) => {
            let r = crate::write::region_by_code(w.db, "input.regionCode", code).await?;
            if let Some(p) = &pairing
                && !region_code::covers(&p.recipient.code, &r.code)
            {
                return Err(AppError::bad_input(
                    "input.regionCode",
                    format!(
                        "{} lies outside the pairing's recipient {} ({})",
                        r.code, p.recipient.code, p.recipient.name
                    ),
                ));
            }
            r
        }
        (None, Some(id), _) => entity::region::Entity::find_by_id(id)
            .one(w.db)
            .await?
            .ok_or_else(|| AppError::not_found("Region", id))?,
        (None, None, Some(p)) => p.recipient.clone(),
        (None, None, None) => {
            return Err(AppError::bad_input(
                "input.regionCode",
                "name the county, a pairing or a record the finding concerns",
            ));
        }
    };
    let responsible_org_id = match &input.responsible_organization_code {
        Some(code) => Some(
            organization_by_code(w.db, "input.responsibleOrganizationCode", code)
                .await?
                .id,
        ),
        None => pairing.as_ref().map(|p| p.pairing.helper_id),
    };
    Ok(Subject {
        region,
        pairing_id: pairing.map(|p| p.pairing.id),
        record,
        responsible_org_id,
    })
}

pub async fn open(w: &Writer<'_>, input: OpenInspectionFindingInput) -> AppResult<Model> {
    authorize(w, FindingAction::Open, None).await?;
    let description = text("input.description", &input.description, 4000)?;
    event_on("input.foundOn", input.found_on.0)?;
    if input.due_on.0 < input.found_on.0 {
        return Err(AppError::bad_input(
            "input.dueOn",
            format!(
                "due on {}, before it was found on {}",
                input.due_on.0, input.found_on.0
            ),
        ));
    }
    let key = opt_text(
        "input.idempotencyKey",
        input.idempotency_key.as_deref(),
        128,
    )?;
    let s = subject(w, &input).await?;
    let source = entity::enums::FindingSource::from(input.source);
    let severity = entity::enums::FindingSeverity::from(input.severity);
    let hash = crate::write::request_hash(&serde_json::json!({
        "source": source.as_str(),
        "severity": severity.as_str(),
        "description": description,
        "region": s.region.id,
        "pairing": s.pairing_id,
        "record": s.record.map(|(k, id)| format!("{}:{id}", k.as_str())),
        "responsible": s.responsible_org_id,
        "foundOn": input.found_on.0.to_string(),
        "dueOn": input.due_on.0.to_string(),
    }));
    if let Some(k) = &key
        && let Some(existing) = replay(w.db, k, &hash).await?
    {
        return Ok(existing);
    }
    let row = ActiveModel {
        id: NotSet,
        source: Set(source),
        severity: Set(severity),
        status: Set(FindingStatus::Open),
        region_id: Set(s.region.id),
        province_id: Set(s.region.province_id.unwrap_or(s.region.id)),
        pairing_id: Set(s.pairing_id),
        record_kind: Set(s.record.map(|r| r.0)),
        record_id: Set(s.record.map(|r| r.1)),
        responsible_org_id: Set(s.responsible_org_id),
        description: Set(description),
        found_on: Set(input.found_on.0),
        due_on: Set(input.due_on.0),
        opened_by: Set(w.actor()),
        rectification_plan: Set(None),
        rectification_evidence: Set(None),
        rectified_on: Set(None),
        closed_on: Set(None),
        reopened: Set(0),
        idempotency_key: Set(key.clone()),
        request_hash: Set(Some(hash.clone())),
        created_at: Set(chrono::Utc::now()),
    };
    crate::audit::insert_once(
        w,
        "openInspectionFinding",
        ENTITY,
        row,
        |m| m.id,
        || async {
            match &key {
                Some(k) => replay(w.db, k, &hash).await,
                None => Ok(None),
            }
        },
    )
    .await
}

/// The finding recorded under `key`, if its request matches `hash`; CONFLICT if it does not.
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
            "this idempotency key was already used for a different finding".into(),
        ))
    }
}

async fn load(w: &Writer<'_>, id: &str) -> AppResult<Model> {
    let n = expect_global_id("input.inspectionFindingId", id, NodeKind::InspectionFinding)?;
    Entity::find_by_id(n)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, id))
}

/// Moves a finding from its current status to `to`, only if nobody moved it first.
async fn transition(
    w: &Writer<'_>,
    action: &str,
    f: &Model,
    to: FindingStatus,
    set: &[(Column, sea_orm::Value)],
    note: Option<(&str, String)>,
) -> AppResult<Model> {
    let mut q = Entity::update_many().col_expr(Column::Status, Expr::value(to.as_str()));
    for (col, val) in set {
        q = q.col_expr(*col, Expr::value(val.clone()));
    }
    let update = q
        .filter(Column::Id.eq(f.id))
        .filter(Column::Status.eq(f.status.as_str()));
    let conflict = AppError::Conflict(format!(
        "the finding changed concurrently; it is no longer {}",
        f.status.as_str()
    ));
    let image = |after: &Model| Some(crate::write::with_note(after, note));
    crate::audit::change_alone(w, update, (action, ENTITY, f.id), f, image, conflict).await
}

pub async fn start_rectification(
    w: &Writer<'_>,
    input: StartRectificationInput,
) -> AppResult<Model> {
    w.require_user()?;
    let f = load(w, &input.inspection_finding_id).await?;
    authorize(w, FindingAction::Rectify, Some(&f)).await?;
    let plan = text("input.plan", &input.plan, 4000)?;
    if !matches!(f.status, FindingStatus::Open | FindingStatus::Reopened) {
        return Err(illegal("finding", f.status.as_str(), "RECTIFYING"));
    }
    transition(
        w,
        "startRectification",
        &f,
        FindingStatus::Rectifying,
        &[(Column::RectificationPlan, plan.into())],
        None,
    )
    .await
}

pub async fn report_rectification(
    w: &Writer<'_>,
    input: ReportRectificationInput,
) -> AppResult<Model> {
    w.require_user()?;
    let f = load(w, &input.inspection_finding_id).await?;
    authorize(w, FindingAction::Rectify, Some(&f)).await?;
    let evidence = text("input.evidence", &input.evidence, 4000)?;
    let on = input.rectified_on.0;
    event_on("input.rectifiedOn", on)?;
    if on < f.found_on {
        return Err(AppError::bad_input(
            "input.rectifiedOn",
            format!("rectified on {on}, before it was found on {}", f.found_on),
        ));
    }
    if f.status != FindingStatus::Rectifying {
        return Err(illegal("finding", f.status.as_str(), "RECTIFIED"));
    }
    transition(
        w,
        "reportRectification",
        &f,
        FindingStatus::Rectified,
        &[
            (Column::RectificationEvidence, evidence.into()),
            (Column::RectifiedOn, on.into()),
        ],
        None,
    )
    .await
}

pub async fn close(w: &Writer<'_>, input: CloseInspectionFindingInput) -> AppResult<Model> {
    w.require_user()?;
    let f = load(w, &input.inspection_finding_id).await?;
    authorize(w, FindingAction::Judge, Some(&f)).await?;
    let note = opt_text("input.note", input.note.as_deref(), 2000)?;
    let on = input.closed_on.0;
    event_on("input.closedOn", on)?;
    if f.status != FindingStatus::Rectified {
        return Err(illegal("finding", f.status.as_str(), "CLOSED"));
    }
    if let Some(rectified) = f.rectified_on
        && on < rectified
    {
        return Err(AppError::bad_input(
            "input.closedOn",
            format!("closed on {on}, before it was rectified on {rectified}"),
        ));
    }
    transition(
        w,
        "closeInspectionFinding",
        &f,
        FindingStatus::Closed,
        &[(Column::ClosedOn, on.into())],
        note.map(|n| ("note", n)),
    )
    .await
}

pub async fn reopen(w: &Writer<'_>, input: ReopenInspectionFindingInput) -> AppResult<Model> {
    w.require_user()?;
    let f = load(w, &input.inspection_finding_id).await?;
    authorize(w, FindingAction::Judge, Some(&f)).await?;
    let reason = text("input.reason", &input.reason, 2000)?;
    let due = match input.due_on {
        Some(d) if d.0 < crate::write::today() => {
            return Err(AppError::bad_input(
                "input.dueOn",
                format!("{} has passed; a new due date is today or later", d.0),
            ));
        }
        Some(d) => d.0,
        None => f.due_on,
    };
    if !matches!(f.status, FindingStatus::Rectified | FindingStatus::Closed) {
        return Err(illegal("finding", f.status.as_str(), "REOPENED"));
    }
    let closed: Option<NaiveDate> = None;
    transition(
        w,
        "reopenInspectionFinding",
        &f,
        FindingStatus::Reopened,
        &[
            (Column::DueOn, due.into()),
            (Column::ClosedOn, closed.into()),
            (Column::Reopened, (f.reopened + 1).into()),
        ],
        Some(("reason", reason)),
    )
    .await
}
