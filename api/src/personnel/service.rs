//! Reading personnel dispatches. Anonymous callers see none; names are personal data.
use super::types::{PersonnelDispatchFilter, PersonnelDispatchOrder, PersonnelDispatchOrderField};
use crate::auth::{Identity, Role};
use crate::batch::{ById, Loaders};
use crate::batch::{child_page, related_rows};
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::AppResult;
use crate::region::service::check_code;
use crate::region_code;
use entity::personnel_dispatch::{Column, Entity, Model};
use entity::row::Columns;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

fn ordering(order: PersonnelDispatchOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        PersonnelDispatchOrderField::Id => Ordering {
            name: "dispatch.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        PersonnelDispatchOrderField::StartOn => Ordering {
            name: "dispatch.start",
            column: Column::StartOn,
            id: Column::Id,
            descending,
            key: |m| SortValue::Date(m.start_on),
            row_id: |m| m.id,
        },
    }
}

pub fn visible(identity: &Identity) -> bool {
    identity.is_authenticated()
}

/// ADMIN, the dispatching helper and the receiving recipient may read a person's name.
pub async fn may_read_name(loaders: &Loaders, identity: &Identity, d: &Model) -> AppResult<bool> {
    match identity.role() {
        Some(Role::Admin) => Ok(true),
        Some(Role::Helper) => {
            let org = loaders
                .get::<ById<entity::organization::Entity>>()
                .load_one(d.helper_id)
                .await?;
            Ok(org.is_some_and(|o| Some(o.code.as_str()) == identity.helper_org()))
        }
        Some(Role::Recipient) => {
            let region = loaders
                .get::<ById<entity::region::Entity>>()
                .load_one(d.recipient_id)
                .await?;
            Ok(match (region, identity.recipient_region()) {
                (Some(r), Some(scope)) => region_code::covers(scope, &r.code),
                _ => false,
            })
        }
        _ => Ok(false),
    }
}

/// A dispatch list: its filter, order and whether the caller may see dispatches at all.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DispatchListSpec {
    pub filter: PersonnelDispatchFilter,
    pub order: PersonnelDispatchOrder,
    pub authenticated: bool,
}

/// What a page of dispatches shows, from its selection.
pub struct Projection {
    pub helper: bool,
    pub recipient: bool,
    pub pairing: bool,
    /// The items select `personName`, whose rule reads the helper and the recipient.
    pub person_name: bool,
    pub total: bool,
}

/// One page of dispatches: the one read path of every dispatch list. Under a pairing
/// (`filter.pairing_id`) the page is batched with its sibling pages through the request's loader;
/// the related rows its items select (and those the name rule reads) are loaded in one batch each
/// into the request's cache. Anonymous callers see none.
pub async fn page(
    db: &Db,
    loaders: &Loaders,
    identity: &Identity,
    mut filter: PersonnelDispatchFilter,
    order: PersonnelDispatchOrder,
    args: PageArgs,
    projection: &Projection,
) -> AppResult<Page<Model>> {
    let parent = filter.pairing_id.take();
    let spec = DispatchListSpec {
        filter,
        order,
        authenticated: visible(identity),
    };
    let page = match parent {
        Some(pairing) => {
            let by_pairing = loaders.get::<DispatchesByPairing>();
            child_page(&by_pairing.0, pairing, spec, args, projection.total).await?
        }
        None => {
            let (select, ordering) = build(&spec)?;
            fetch_page(db, select, &ordering, &args).await?
        }
    };
    let rows = || page.rows.iter().map(|(_, m)| m);
    let p = projection;
    let all = |selected: bool| selected.then_some(Columns::ALL);
    let root = parent.is_none();
    futures_util::try_join!(
        related_rows::<entity::organization::Entity>(
            loaders,
            rows().map(|m| m.helper_id),
            all(p.helper || p.person_name),
            root
        ),
        related_rows::<entity::region::Entity>(
            loaders,
            rows().map(|m| m.recipient_id),
            all(p.recipient || p.person_name),
            root
        ),
        related_rows::<entity::pairing_agreement::Entity>(
            loaders,
            rows().map(|m| m.pairing_id),
            all(p.pairing),
            root
        ),
    )?;
    Ok(page)
}

/// The filtered select and ordering of a dispatch list.
pub fn build(spec: &DispatchListSpec) -> AppResult<(Select<Entity>, Ordering<Entity>)> {
    let f = &spec.filter;
    let mut q = Entity::find();
    if !spec.authenticated {
        q = q.filter(Expr::cust("1 = 0"));
    }
    if let Some(id) = f.pairing_id {
        q = q.filter(Column::PairingId.eq(id));
    }
    if let Some(y) = f.year {
        q = q.filter(crate::connection::int_eq(Column::Year, y.into()));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(entity::enums::DispatchStatus::from(s)));
    }
    if let Some(c) = f.category {
        q = q.filter(Column::Category.eq(entity::enums::PersonnelCategory::from(c)));
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
// Writing dispatches: dispatch, record return (the helper); confirm arrival (the recipient).

use super::types::{
    ConfirmPersonnelArrivalInput, DispatchPersonnelInput, RecordPersonnelReturnInput,
};
use crate::error::AppError;
use crate::global_id::{NodeKind, expect_global_id};
use crate::pairing::service::parties;
use crate::write::{Writer, allow, event_on, illegal, region_by_code, year_in_pairing};
use chrono::Datelike;
use entity::enums::DispatchStatus;
use entity::personnel_dispatch::ActiveModel;
use sea_orm::{ActiveModelTrait, NotSet, Set, TransactionTrait};

const ENTITY: &str = crate::global_id::NodeKind::PersonnelDispatch.tag();

/// The acts on a dispatch, each with its one permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchAction {
    Dispatch,
    ConfirmArrival,
    RecordReturn,
}

/// The dispatching helper dispatches and records returns; a recipient whose region contains the
/// dispatch's recipient confirms arrival.
pub fn authorize(
    w: &Writer<'_>,
    action: DispatchAction,
    helper_code: &str,
    recipient_code: &str,
) -> AppResult<()> {
    match action {
        DispatchAction::Dispatch | DispatchAction::RecordReturn => allow(
            w,
            w.is_helper(helper_code),
            "only the dispatching helper organization writes its dispatches",
        ),
        DispatchAction::ConfirmArrival => allow(
            w,
            w.covers_region(recipient_code),
            "only a recipient whose region contains the dispatch's recipient confirms arrival",
        ),
    }
}

/// The audit image of a dispatch: the person's name is personal data and stays out of the log.
fn image(d: &Model) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "person_name".into(),
            serde_json::Value::String("[redacted]".into()),
        );
    }
    v
}

pub async fn dispatch(w: &Writer<'_>, input: DispatchPersonnelInput) -> AppResult<Model> {
    w.require_user()?;
    let pairing_id = expect_global_id(
        "input.pairingAgreementId",
        &input.pairing_agreement_id,
        NodeKind::PairingAgreement,
    )?;
    let p = parties(w.db, pairing_id)
        .await
        .map_err(|e| crate::write::with_id(e, &input.pairing_agreement_id))?;
    authorize(w, DispatchAction::Dispatch, &p.helper_code, "")?;
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
    let name = crate::write::text("input.personName", &input.person_name, 100)?;
    let post = crate::write::text("input.post", &input.post, 200)?;
    let specialty = crate::write::opt_text("input.specialty", input.specialty.as_deref(), 200)?;
    let year = input.start_on.0.year();
    year_in_pairing("input.startOn", year, &p.pairing)?;
    if let Some(end) = input.end_on
        && end.0 < input.start_on.0
    {
        return Err(AppError::bad_input(
            "input.endOn",
            "the period ends before it starts",
        ));
    }
    let txn = w.db.begin().await?;
    let d = ActiveModel {
        id: NotSet,
        pairing_id: Set(pairing_id),
        helper_id: Set(p.pairing.helper_id),
        recipient_id: Set(recipient.id),
        recipient_province_id: Set(recipient.province_id.unwrap_or(recipient.id)),
        person_name: Set(name),
        category: Set(input.category.into()),
        specialty: Set(specialty),
        post: Set(post),
        status: Set(DispatchStatus::Dispatched),
        year: Set(year),
        start_on: Set(input.start_on.0),
        end_on: Set(input.end_on.map(|d| d.0)),
        arrived_on: Set(None),
        returned_on: Set(None),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&txn)
    .await?;
    crate::audit::record(
        &txn,
        w,
        "dispatchPersonnel",
        ENTITY,
        d.id,
        None::<&()>,
        Some(&image(&d)),
    )
    .await?;
    txn.commit().await?;
    Ok(d)
}

async fn load(w: &Writer<'_>, id: &str) -> AppResult<(Model, String, String)> {
    let n = expect_global_id("input.personnelDispatchId", id, NodeKind::PersonnelDispatch)?;
    let d = Entity::find_by_id(n)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, id))?;
    let org = entity::organization::Entity::find_by_id(d.helper_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Organization", d.helper_id))?;
    let region = entity::region::Entity::find_by_id(d.recipient_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found("Region", d.recipient_id))?;
    Ok((d, org.code, region.code))
}

async fn transition(
    w: &Writer<'_>,
    action: &str,
    d: &Model,
    to: DispatchStatus,
    set: (Column, chrono::NaiveDate),
) -> AppResult<Model> {
    let update = Entity::update_many()
        .col_expr(Column::Status, Expr::value(to.as_str()))
        .col_expr(set.0, Expr::value(set.1))
        .filter(Column::Id.eq(d.id))
        .filter(Column::Status.eq(d.status.as_str()));
    let conflict = AppError::Conflict(format!(
        "the dispatch changed concurrently; it is no longer {}",
        d.status.as_str()
    ));
    crate::audit::change_alone(
        w,
        update,
        (action, ENTITY, d.id),
        &image(d),
        |m| Some(image(m)),
        conflict,
    )
    .await
}

pub async fn confirm_arrival(
    w: &Writer<'_>,
    input: ConfirmPersonnelArrivalInput,
) -> AppResult<Model> {
    w.require_user()?;
    let (d, helper, recipient) = load(w, &input.personnel_dispatch_id).await?;
    authorize(w, DispatchAction::ConfirmArrival, &helper, &recipient)?;
    if d.status != DispatchStatus::Dispatched {
        return Err(illegal("dispatch", d.status.as_str(), "IN_POST"));
    }
    event_on("input.arrivedOn", input.arrived_on.0)?;
    transition(
        w,
        "confirmPersonnelArrival",
        &d,
        DispatchStatus::InPost,
        (Column::ArrivedOn, input.arrived_on.0),
    )
    .await
}

pub async fn record_return(w: &Writer<'_>, input: RecordPersonnelReturnInput) -> AppResult<Model> {
    w.require_user()?;
    let (d, helper, recipient) = load(w, &input.personnel_dispatch_id).await?;
    authorize(w, DispatchAction::RecordReturn, &helper, &recipient)?;
    if d.status != DispatchStatus::InPost {
        return Err(illegal("dispatch", d.status.as_str(), "RETURNED"));
    }
    let returned = input.returned_on.0;
    event_on("input.returnedOn", returned)?;
    if let Some(arrived) = d.arrived_on
        && returned < arrived
    {
        return Err(AppError::bad_input(
            "input.returnedOn",
            format!("returned on {returned}, before arriving on {arrived}"),
        ));
    }
    transition(
        w,
        "recordPersonnelReturn",
        &d,
        DispatchStatus::Returned,
        (Column::ReturnedOn, returned),
    )
    .await
}

crate::child_page_loader!(
    /// The `personnelDispatches` pages of a request's pairings.
    DispatchesByPairing,
    personnel_dispatch,
    DispatchListSpec,
    build,
    PairingId,
    |m| m.pairing_id
);

/// The helper corrects a dispatch while answering a dispute (within the dispute's transaction):
/// its start (in the dispatch's year, not after its planned end or the arrival). Only if nobody
/// changed it first; audited with the values before and after (the name redacted).
pub async fn correct<C: sea_orm::ConnectionTrait>(
    c: &C,
    w: &Writer<'_>,
    d: &Model,
    on: chrono::NaiveDate,
) -> AppResult<Model> {
    let field = "input.correction.on";
    if chrono::Datelike::year(&on) != d.year {
        return Err(AppError::bad_input(
            field,
            format!("{on} is not in the dispatch's year {}", d.year),
        ));
    }
    for (limit, what) in [(d.end_on, "its planned end"), (d.arrived_on, "the arrival")] {
        if let Some(limit) = limit
            && on > limit
        {
            return Err(AppError::bad_input(
                field,
                format!("a start on {on} is after {what} on {limit}"),
            ));
        }
    }
    let update = Entity::update_many()
        .col_expr(Column::StartOn, Expr::value(on))
        .filter(Column::Id.eq(d.id))
        .filter(Column::Status.eq(d.status.as_str()))
        .filter(Column::StartOn.eq(d.start_on));
    let conflict = AppError::Conflict("the dispatch changed concurrently; read it again".into());
    let what = ("correctPersonnelDispatch", ENTITY, d.id);
    crate::audit::change(c, w, update, what, &image(d), |m| Some(image(m)), conflict).await
}
