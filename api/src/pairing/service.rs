//! Reading pairing agreements.
use super::types::{PairingAgreementFilter, PairingAgreementOrder, PairingAgreementOrderField};
use crate::batch::Loaders;
use crate::batch::{child_page, related_rows};
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::AppResult;
use crate::region::service::check_code;
use entity::pairing_agreement::{Column, Entity, Model};
use entity::row::Columns;
use entity::{organization, region};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

fn ordering(order: PairingAgreementOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        PairingAgreementOrderField::Id => Ordering {
            name: "pairing.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        PairingAgreementOrderField::StartYear => Ordering {
            name: "pairing.start",
            column: Column::StartYear,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.start_year.into()),
            row_id: |m| m.id,
        },
    }
}

/// A pairing list: its filter and order.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PairingListSpec {
    pub filter: PairingAgreementFilter,
    pub order: PairingAgreementOrder,
}

/// What a page of pairings shows, from its selection.
pub struct Projection {
    pub helper: bool,
    pub recipient: bool,
    pub total: bool,
}

/// One page of pairings: the one read path of every pairing list. Under an organization or a
/// region (`filter.helper_id`, `filter.recipient_id`) the page is batched with its sibling pages
/// through the request's loader; the helpers and recipients its items select are loaded in one
/// batch each into the request's cache.
pub async fn page(
    db: &Db,
    loaders: &Loaders,
    mut filter: PairingAgreementFilter,
    order: PairingAgreementOrder,
    args: PageArgs,
    projection: &Projection,
) -> AppResult<Page<Model>> {
    let parent = (filter.helper_id.take(), filter.recipient_id.take());
    // A region's `pairingsCovering`: the region's id and code leave the spec, so that the pages
    // of sibling regions share one.
    let covering = match filter.covering_id.take() {
        Some(id) => filter.covering_code.take().map(|code| (id, code)),
        None => None,
    };
    let spec = PairingListSpec { filter, order };
    let nested = parent.0.is_some() || parent.1.is_some() || covering.is_some();
    let page = match (parent, covering) {
        ((Some(helper), _), _) => {
            let by_helper = loaders.get::<PairingsByHelper>();
            child_page(&by_helper.0, helper, spec, args, projection.total).await?
        }
        ((None, Some(recipient)), _) => {
            let by_recipient = loaders.get::<PairingsByRecipient>();
            child_page(&by_recipient.0, recipient, spec, args, projection.total).await?
        }
        ((None, None), Some((region, code))) => {
            crate::connection::page_size(&args)?;
            let key = CoveringKey {
                region,
                code,
                spec,
                args,
                with_total: projection.total,
            };
            loaders
                .get::<PairingsCovering>()
                .0
                .load_one(key)
                .await?
                .ok_or_else(|| crate::error::AppError::Internal("missing covering page".into()))?
        }
        ((None, None), None) => {
            let (select, ordering) = build(&spec)?;
            fetch_page(db, select, &ordering, &args).await?
        }
    };
    let rows = || page.rows.iter().map(|(_, m)| m);
    let all = |selected: bool| selected.then_some(Columns::ALL);
    futures_util::try_join!(
        related_rows::<organization::Entity>(
            loaders,
            rows().map(|m| m.helper_id),
            all(projection.helper),
            !nested
        ),
        related_rows::<region::Entity>(
            loaders,
            rows().map(|m| m.recipient_id),
            all(projection.recipient),
            !nested
        ),
    )?;
    Ok(page)
}

/// The filtered select and ordering of a pairing list.
pub fn build(spec: &PairingListSpec) -> AppResult<(Select<Entity>, Ordering<Entity>)> {
    let f = &spec.filter;
    let mut q = Entity::find();
    if let Some(p) = f.program {
        q = q.filter(Column::Program.eq(entity::enums::Program::from(p)));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(entity::enums::PairingStatus::from(s)));
    }
    if let Some(y) = f.year {
        q = q.filter(Column::StartYear.lte(y)).filter(
            Condition::any()
                .add(Column::EndYear.is_null())
                .add(Column::EndYear.gte(y)),
        );
    }
    if let Some(id) = f.helper_id {
        q = q.filter(Column::HelperId.eq(id));
    }
    if let Some(id) = f.recipient_id {
        q = q.filter(Column::RecipientId.eq(id));
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
        let in_province = Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(sea_orm::sea_query::ExprTrait::eq(
                region::Column::ProvinceId.into_expr(),
                crate::region::service::code_id(code),
            ))
            .to_owned();
        q = q.filter(Column::RecipientId.in_subquery(in_province));
    }
    if let Some(code) = &f.covering_code {
        let above = Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(region::Column::Code.is_in(crate::region_code::ancestors(code)))
            .to_owned();
        q = q.filter(Column::RecipientId.in_subquery(above));
    }
    if f.listed_only == Some(true) {
        q = q.filter(Column::RecipientId.in_subquery(crate::listing::service::active_region_ids()));
    }
    Ok((q, ordering(spec.order)))
}

/// A pairing with the codes its permission checks need: the helper's organization code and the
/// recipient region.
pub struct Parties {
    pub pairing: Model,
    pub helper_code: String,
    pub recipient: entity::region::Model,
}

pub async fn parties<C: sea_orm::ConnectionTrait>(c: &C, pairing_id: i64) -> AppResult<Parties> {
    let pairing = Entity::find_by_id(pairing_id)
        .one(c)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("PairingAgreement", pairing_id))?;
    let helper = entity::organization::Entity::find_by_id(pairing.helper_id)
        .one(c)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("Organization", pairing.helper_id))?;
    let recipient = entity::region::Entity::find_by_id(pairing.recipient_id)
        .one(c)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("Region", pairing.recipient_id))?;
    Ok(Parties {
        pairing,
        helper_code: helper.code,
        recipient,
    })
}

// ---------------------------------------------------------------------------------------------
// Writing pairings (the national office).

use super::types::{CreatePairingAgreementInput, EndPairingAgreementInput};
use crate::error::AppError;
use crate::global_id::{NodeKind, expect_global_id};
use crate::write::{Writer, allow, illegal, organization_by_code, region_by_code};
use entity::enums::{OrganizationKind, PairingStatus, Program, RegionLevel};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, NotSet, Set, TransactionTrait};

const ENTITY: &str = crate::global_id::NodeKind::PairingAgreement.tag();

/// Pairings are made and ended by the national office only.
pub fn authorize(w: &Writer<'_>) -> AppResult<()> {
    allow(
        w,
        w.identity.is_admin(),
        "only the national office (ADMIN) makes and ends pairings",
    )
}

fn check_year(field: &str, year: i32) -> AppResult<()> {
    if (1978..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::bad_input(field, "a year between 1978 and 2100"))
    }
}

pub async fn create(w: &Writer<'_>, input: CreatePairingAgreementInput) -> AppResult<Model> {
    authorize(w)?;
    let program = Program::from(input.program);
    let helper = organization_by_code(w.db, "input.helperCode", &input.helper_code).await?;
    let recipient = region_by_code(w.db, "input.recipientCode", &input.recipient_code).await?;
    check_year("input.startYear", input.start_year)?;
    if let Some(end) = input.end_year {
        check_year("input.endYear", end)?;
        if end < input.start_year {
            return Err(AppError::bad_input(
                "input.endYear",
                "the pairing ends before it starts",
            ));
        }
    }
    if program == Program::DesignatedAssistance {
        if helper.kind != OrganizationKind::CentralUnit {
            return Err(AppError::bad_input(
                "input.helperCode",
                "designated assistance pairs a central unit with a county",
            ));
        }
        if recipient.level != RegionLevel::County {
            return Err(AppError::bad_input(
                "input.recipientCode",
                "designated assistance pairs a central unit with a county",
            ));
        }
    }
    if helper.region_id.is_some() && helper.region_id == Some(recipient.id) {
        return Err(AppError::bad_input(
            "input.recipientCode",
            "an organization cannot be paired with its own region",
        ));
    }
    let document_ref =
        crate::write::opt_text("input.documentRef", input.document_ref.as_deref(), 200)?;
    let txn = w.db.begin().await?;
    let p = entity::pairing_agreement::ActiveModel {
        id: NotSet,
        program: Set(program),
        helper_id: Set(helper.id),
        recipient_id: Set(recipient.id),
        start_year: Set(input.start_year),
        end_year: Set(input.end_year),
        status: Set(PairingStatus::Active),
        document_ref: Set(document_ref),
    }
    .insert(&txn)
    .await?;
    crate::audit::record(
        &txn,
        w,
        "createPairingAgreement",
        ENTITY,
        p.id,
        None::<&()>,
        Some(&p),
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

pub async fn end(w: &Writer<'_>, input: EndPairingAgreementInput) -> AppResult<Model> {
    authorize(w)?;
    let id = expect_global_id(
        "input.pairingAgreementId",
        &input.pairing_agreement_id,
        NodeKind::PairingAgreement,
    )?;
    let p = Entity::find_by_id(id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, input.pairing_agreement_id.as_str()))?;
    if p.status != PairingStatus::Active {
        return Err(illegal("pairing", p.status.as_str(), "ENDED"));
    }
    check_year("input.endYear", input.end_year)?;
    if input.end_year < p.start_year {
        return Err(AppError::bad_input(
            "input.endYear",
            format!("the pairing started in {}", p.start_year),
        ));
    }
    let update = Entity::update_many()
        .col_expr(Column::Status, Expr::value(PairingStatus::Ended.as_str()))
        .col_expr(Column::EndYear, Expr::value(input.end_year))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(PairingStatus::Active.as_str()));
    let conflict = illegal("pairing", "ENDED", "ENDED");
    let what = ("endPairingAgreement", ENTITY, id);
    crate::audit::change_alone(w, update, what, &p, crate::audit::as_is, conflict).await
}

crate::child_page_loader!(
    /// The `pairings` pages of a request's organizations.
    PairingsByHelper,
    pairing_agreement,
    PairingListSpec,
    build,
    HelperId,
    |m| m.helper_id
);

crate::child_page_loader!(
    /// The `pairings` pages of a request's regions.
    PairingsByRecipient,
    pairing_agreement,
    PairingListSpec,
    build,
    RecipientId,
    |m| m.recipient_id
);

/// One region's `pairingsCovering` page: the region (its id and code), the list spec and the
/// paging arguments.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CoveringKey {
    pub region: i64,
    pub code: String,
    pub spec: PairingListSpec,
    pub args: PageArgs,
    pub with_total: bool,
}

/// Loads the `pairingsCovering` pages of a request's regions: one statement per list spec and
/// paging arguments (two with `totalCount`), whatever the number of regions. Each region's
/// row in the statement's table of `(region, ancestor code)` pairs joins the pairings whose
/// recipient has that code, so a pairing appears under every region it reaches.
pub struct CoveringLoader(Db);

impl async_graphql::dataloader::Loader<CoveringKey> for CoveringLoader {
    type Value = Page<Model>;
    type Error = std::sync::Arc<crate::error::AppError>;

    async fn load(
        &self,
        keys: &[CoveringKey],
    ) -> Result<std::collections::HashMap<CoveringKey, Page<Model>>, Self::Error> {
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, UnionType};
        use sea_orm::{QueryTrait, Value};
        use std::collections::{BTreeMap, HashMap};
        let mut groups: HashMap<(PairingListSpec, PageArgs, bool), BTreeMap<i64, String>> =
            HashMap::new();
        for k in keys {
            groups
                .entry((k.spec.clone(), k.args.clone(), k.with_total))
                .or_default()
                .insert(k.region, k.code.clone());
        }
        let mut out = HashMap::new();
        for ((spec, args, with_total), regions) in groups {
            // `(region id, code of the region or of a region above it)`, one row each.
            let mut table: Option<sea_orm::sea_query::SelectStatement> = None;
            for (id, code) in &regions {
                let mut codes = crate::region_code::ancestors(code);
                if codes.is_empty() {
                    codes.push(code.clone());
                }
                for ancestor in codes {
                    let row = Query::select()
                        .expr_as(Expr::val(*id).cast_as("BIGINT"), "cid")
                        .expr_as(Expr::val(Value::from(ancestor)).cast_as("TEXT"), "acode")
                        .to_owned();
                    match table.as_mut() {
                        Some(t) => {
                            t.union(UnionType::All, row);
                        }
                        None => table = Some(row),
                    }
                }
            }
            let ids: Vec<i64> = regions.keys().copied().collect();
            let pages = match table {
                Some(table) => {
                    let (mut select, ordering) = build(&spec).map_err(std::sync::Arc::new)?;
                    QueryTrait::query(&mut select)
                        .join_as(
                            JoinType::Join,
                            region::Entity,
                            Alias::new("cover_region"),
                            Expr::col((Alias::new("cover_region"), region::Column::Id))
                                .equals((Entity, Column::RecipientId)),
                        )
                        .join_subquery(
                            JoinType::Join,
                            table,
                            Alias::new("cover"),
                            Expr::col((Alias::new("cover"), Alias::new("acode")))
                                .equals((Alias::new("cover_region"), region::Column::Code)),
                        );
                    crate::connection::fetch_grouped_pages(
                        &self.0,
                        select,
                        Expr::col((Alias::new("cover"), Alias::new("cid"))),
                        &ids,
                        &ordering,
                        &args,
                        with_total,
                    )
                    .await
                    .map_err(std::sync::Arc::new)?
                }
                None => HashMap::new(),
            };
            for (region, page) in pages {
                if let Some(code) = regions.get(&region) {
                    let key = CoveringKey {
                        region,
                        code: code.clone(),
                        spec: spec.clone(),
                        args: args.clone(),
                        with_total,
                    };
                    out.insert(key, page);
                }
            }
        }
        Ok(out)
    }
}

/// The `pairingsCovering` pages of a request's regions.
pub struct PairingsCovering(pub async_graphql::dataloader::DataLoader<CoveringLoader>);

impl crate::batch::RequestLoader for PairingsCovering {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        PairingsCovering(crate::batch::batched(
            batch_delay,
            CoveringLoader(db.clone()),
        ))
    }
}

/// The party of a pairing that acted on a record (submitted, amended, signed, reported, verified).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Acting {
    /// The pairing's helper organization.
    Helper,
    /// The pairing's recipient (a recipient whose region contains it).
    Recipient,
    /// The national office (ADMIN).
    NationalOffice,
}

/// Whether the caller may read who acted (a token subject, which an identity provider may make
/// personal: a staff number, an e-mail): AUDITOR and ADMIN may, and so may the acting party itself
/// about its own people. Everyone else sees the acting party only.
pub async fn may_read_subject(
    loaders: &Loaders,
    identity: &crate::auth::Identity,
    pairing_id: i64,
    acting: Acting,
) -> AppResult<bool> {
    use crate::auth::Role;
    match (identity.role(), acting) {
        (Some(Role::Admin | Role::Auditor), _) => Ok(true),
        (Some(Role::Helper), Acting::Helper) => {
            let helper = helper_of(loaders, pairing_id).await?;
            Ok(Some(helper.code.as_str()) == identity.helper_org())
        }
        (Some(Role::Recipient), Acting::Recipient) => {
            let recipient = recipient_of(loaders, pairing_id).await?;
            Ok(identity
                .recipient_region()
                .is_some_and(|scope| crate::region_code::covers(scope, &recipient.code)))
        }
        _ => Ok(false),
    }
}

async fn pairing_of(loaders: &Loaders, pairing_id: i64) -> AppResult<std::sync::Arc<Model>> {
    loaders
        .get::<crate::batch::ById<Entity>>()
        .load_one(pairing_id)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("PairingAgreement", pairing_id))
}

/// The helper organization of a pairing.
pub async fn helper_of(
    loaders: &Loaders,
    pairing_id: i64,
) -> AppResult<std::sync::Arc<organization::Model>> {
    let p = pairing_of(loaders, pairing_id).await?;
    loaders
        .get::<crate::batch::ById<organization::Entity>>()
        .load_one(p.helper_id)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("Organization", p.helper_id))
}

/// The recipient region of a pairing.
pub async fn recipient_of(
    loaders: &Loaders,
    pairing_id: i64,
) -> AppResult<std::sync::Arc<region::Model>> {
    let p = pairing_of(loaders, pairing_id).await?;
    loaders
        .get::<crate::batch::ById<region::Entity>>()
        .load_one(p.recipient_id)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("Region", p.recipient_id))
}
