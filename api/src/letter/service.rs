//! Reading responsibility letters. Anonymous callers see signed letters only.
use super::types::{
    ResponsibilityLetterFilter, ResponsibilityLetterOrder, ResponsibilityLetterOrderField,
};
use crate::auth::Identity;
use crate::connection::OrderDirection;
use crate::connection::{Ordering, Page, PageArgs, SortValue, fetch_page};
use crate::db::Db;
use crate::error::AppResult;
use crate::region::service::check_code;
use entity::enums::LetterStatus;
use entity::pairing_agreement as pairing;
use entity::responsibility_letter::{Column, Entity, Model};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn ordering(order: ResponsibilityLetterOrder) -> Ordering<Entity> {
    let descending = order.direction == OrderDirection::Desc;
    match order.field {
        ResponsibilityLetterOrderField::Id => Ordering {
            name: "letter.id",
            column: Column::Id,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.id),
            row_id: |m| m.id,
        },
        ResponsibilityLetterOrderField::Year => Ordering {
            name: "letter.year",
            column: Column::Year,
            id: Column::Id,
            descending,
            key: |m| SortValue::Int(m.year.into()),
            row_id: |m| m.id,
        },
    }
}

/// Whether the caller may see this letter at all.
pub fn visible(identity: &Identity, letter: &Model) -> bool {
    identity.is_authenticated() || letter.status == LetterStatus::Signed
}

/// One page of responsibility letters: the one read path of `responsibilityLetters`; anonymous
/// callers see signed letters only.
pub async fn page(
    db: &Db,
    identity: &Identity,
    f: ResponsibilityLetterFilter,
    order: ResponsibilityLetterOrder,
    args: PageArgs,
) -> AppResult<Page<Model>> {
    let mut q = Entity::find();
    if !identity.is_authenticated() {
        q = q.filter(Column::Status.eq(LetterStatus::Signed));
    }
    if let Some(y) = f.year {
        q = q.filter(crate::connection::int_eq(Column::Year, y.into()));
    }
    if let Some(s) = f.status {
        q = q.filter(Column::Status.eq(LetterStatus::from(s)));
    }
    let mut pairings = Query::select()
        .column(pairing::Column::Id)
        .from(pairing::Entity)
        .to_owned();
    let mut by_pairing = false;
    if let Some(p) = f.program {
        pairings.and_where(pairing::Column::Program.eq(entity::enums::Program::from(p)));
        by_pairing = true;
    }
    if let Some(code) = &f.helper_code {
        pairings.and_where(sea_orm::sea_query::ExprTrait::eq(
            pairing::Column::HelperId.into_expr(),
            crate::organization::service::org_code_id(code),
        ));
        by_pairing = true;
    }
    if let Some(code) = &f.recipient_code {
        check_code("filter.recipientCode", code)?;
        pairings.and_where(sea_orm::sea_query::ExprTrait::eq(
            pairing::Column::RecipientId.into_expr(),
            crate::region::service::code_id(code),
        ));
        by_pairing = true;
    }
    if by_pairing {
        q = q.filter(Column::PairingId.in_subquery(pairings));
    }
    fetch_page(db, q, &ordering(order), &args).await
}

/// A pairing's letters that the caller may see, oldest first: the one read path of a pairing's
/// `letters`, batched with its sibling pairings through the by-pairing loader.
pub async fn of_pairing(
    loaders: &crate::batch::Loaders,
    identity: &Identity,
    pairing_id: i64,
    year: Option<i32>,
) -> AppResult<Vec<Model>> {
    let rows = loaders
        .get::<async_graphql::dataloader::DataLoader<super::loader::LettersByPairing>>()
        .load_one(pairing_id)
        .await?
        .unwrap_or_default();
    Ok(rows
        .into_iter()
        .filter(|l| year.is_none_or(|y| l.year == y) && visible(identity, l))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Writing letters: submit, amend, withdraw (the helper); sign, return (the national office).

use super::types::{
    AmendResponsibilityLetterInput, CommitmentInput, ReturnResponsibilityLetterInput,
    SignResponsibilityLetterInput, SubmitResponsibilityLetterInput,
    WithdrawResponsibilityLetterInput,
};
use crate::error::AppError;
use crate::global_id::{NodeKind, expect_global_id};
use crate::pairing::service::{Parties, parties};
use crate::write::{Writer, allow, illegal, year_in_pairing};
use entity::enums::{Indicator, Program};
use entity::{commitment, letter_revision};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ConnectionTrait, NotSet, QueryOrder, Set, TransactionTrait};

const ENTITY: &str = crate::global_id::NodeKind::ResponsibilityLetter.tag();

/// The acts on a letter, each with its one permission rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterAction {
    Submit,
    Amend,
    Withdraw,
    Sign,
    Return,
}

/// Who may do what to a letter: its pairing's helper writes it, the national office signs or
/// returns it.
pub fn authorize(w: &Writer<'_>, action: LetterAction, parties: &Parties) -> AppResult<()> {
    match action {
        LetterAction::Submit | LetterAction::Amend | LetterAction::Withdraw => allow(
            w,
            w.is_helper(&parties.helper_code),
            "only the pairing's helper organization writes its letters",
        ),
        LetterAction::Sign | LetterAction::Return => allow(
            w,
            w.identity.is_admin(),
            "only the national office (ADMIN) signs or returns letters",
        ),
    }
}

/// The largest target of any indicator (10 billion yuan in fen; counts are far below).
const MAX_TARGET: i64 = crate::write::MAX_AMOUNT_FEN;

/// Checks a commitment set against the program: known indicators of the program, once each,
/// targets ≥ 0 in the indicator's step.
fn commitment_set(
    program: Program,
    inputs: &[CommitmentInput],
) -> AppResult<Vec<(Indicator, i64)>> {
    if inputs.is_empty() {
        return Err(AppError::bad_input(
            "input.commitments",
            "a letter has at least one commitment",
        ));
    }
    let allowed = Indicator::allowed_for_program(program);
    let mut out: Vec<(Indicator, i64)> = Vec::with_capacity(inputs.len());
    for (i, c) in inputs.iter().enumerate() {
        let indicator = Indicator::from(c.indicator);
        let field = format!("input.commitments[{i}].indicator");
        if !allowed.contains(&indicator) {
            return Err(AppError::bad_input(
                field,
                format!(
                    "{} is not an indicator of the {} program (its letters may commit to {})",
                    indicator.as_str(),
                    program.as_str(),
                    allowed
                        .iter()
                        .map(Indicator::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if out.iter().any(|(k, _)| *k == indicator) {
            return Err(AppError::bad_input(
                field,
                format!("{} appears twice", indicator.as_str()),
            ));
        }
        let field = format!("input.commitments[{i}].target");
        let scale = indicator.scale();
        let target = crate::write::to_minor(&c.target.0, scale).ok_or_else(|| {
            AppError::bad_input(
                field.clone(),
                format!("at most {scale} decimals for {}", indicator.as_str()),
            )
        })?;
        if target < 0 {
            return Err(AppError::bad_input(field, "a target is zero or more"));
        }
        if target > MAX_TARGET {
            return Err(AppError::bad_input(
                field,
                "the target is implausibly large",
            ));
        }
        out.push((indicator, target));
    }
    Ok(out)
}

fn stored(set: &[(Indicator, i64)]) -> String {
    let items: Vec<serde_json::Value> = set
        .iter()
        .map(|(i, t)| serde_json::json!({ "indicator": i.as_str(), "target": t }))
        .collect();
    serde_json::Value::Array(items).to_string()
}

async fn current_set<C: ConnectionTrait>(
    c: &C,
    letter_id: i64,
) -> AppResult<Vec<(Indicator, i64)>> {
    Ok(commitment::Entity::find()
        .filter(commitment::Column::LetterId.eq(letter_id))
        .order_by_asc(commitment::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .map(|c| (c.indicator, c.target))
        .collect())
}

async fn replace_commitments<C: ConnectionTrait>(
    c: &C,
    letter_id: i64,
    set: &[(Indicator, i64)],
) -> AppResult<()> {
    commitment::Entity::delete_many()
        .filter(commitment::Column::LetterId.eq(letter_id))
        .exec(c)
        .await?;
    for (indicator, target) in set {
        commitment::ActiveModel {
            id: NotSet,
            letter_id: Set(letter_id),
            indicator: Set(*indicator),
            target: Set(*target),
        }
        .insert(c)
        .await?;
    }
    Ok(())
}

async fn add_revision<C: ConnectionTrait>(
    c: &C,
    letter_id: i64,
    version: i32,
    set: &[(Indicator, i64)],
    rationale: Option<String>,
    actor: String,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    letter_revision::ActiveModel {
        id: NotSet,
        letter_id: Set(letter_id),
        version: Set(version),
        commitments: Set(stored(set)),
        rationale: Set(rationale),
        actor: Set(actor),
        created_at: Set(at),
    }
    .insert(c)
    .await?;
    Ok(())
}

/// The letter's audit image: the row plus its commitments.
fn image(
    letter: &Model,
    set: &[(Indicator, i64)],
    extra: Option<(&str, &str)>,
) -> serde_json::Value {
    let mut v = serde_json::to_value(letter).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "commitments".into(),
            serde_json::from_str(&stored(set)).unwrap_or_default(),
        );
        if let Some((k, val)) = extra {
            obj.insert(k.into(), serde_json::Value::String(val.into()));
        }
    }
    v
}

async fn load_letter(w: &Writer<'_>, id: &str) -> AppResult<(Model, Parties)> {
    let letter_id = expect_global_id(
        "input.responsibilityLetterId",
        id,
        NodeKind::ResponsibilityLetter,
    )?;
    let letter = Entity::find_by_id(letter_id)
        .one(w.db)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, id))?;
    let p = parties(w.db, letter.pairing_id).await?;
    Ok((letter, p))
}

fn check_version(letter: &Model, version: i32) -> AppResult<()> {
    if letter.version != version {
        return Err(AppError::Conflict(format!(
            "stale version: the letter is at version {}, the change was based on version {version}",
            letter.version
        )));
    }
    Ok(())
}

/// Moves the letter from `from` to `to` and bumps its version, only if nobody changed it since
/// `version` was read: the conditional UPDATE is the lock, so concurrent writers cannot both win.
async fn bump<C: ConnectionTrait>(
    c: &C,
    letter: &Model,
    version: i32,
    to: LetterStatus,
    extra: &[(Column, sea_orm::Value)],
) -> AppResult<()> {
    let mut q = Entity::update_many()
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .col_expr(Column::Status, Expr::value(to.as_str()))
        .col_expr(Column::UpdatedAt, Expr::value(chrono::Utc::now()));
    for (col, val) in extra {
        q = q.col_expr(*col, Expr::value(val.clone()));
    }
    let done = q
        .filter(Column::Id.eq(letter.id))
        .filter(Column::Version.eq(version))
        .filter(Column::Status.eq(letter.status.as_str()))
        .exec(c)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "stale version: the letter changed after version {version} was read"
        )));
    }
    Ok(())
}

async fn reload<C: ConnectionTrait>(c: &C, id: i64) -> AppResult<Model> {
    Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY, id))
}

pub async fn submit(w: &Writer<'_>, input: SubmitResponsibilityLetterInput) -> AppResult<Model> {
    w.require_user()?;
    let pairing_id = expect_global_id(
        "input.pairingAgreementId",
        &input.pairing_agreement_id,
        NodeKind::PairingAgreement,
    )?;
    let p = parties(w.db, pairing_id)
        .await
        .map_err(|e| crate::write::with_id(e, &input.pairing_agreement_id))?;
    authorize(w, LetterAction::Submit, &p)?;
    year_in_pairing("input.year", input.year, &p.pairing)?;
    let set = commitment_set(p.pairing.program, &input.commitments)?;
    if let Some(existing) = Entity::find()
        .filter(Column::PairingId.eq(pairing_id))
        .filter(Column::Year.eq(input.year))
        .one(w.db)
        .await?
    {
        return Err(AppError::Conflict(format!(
            "the pairing already has a letter for {} (status {}); amend it instead",
            input.year,
            existing.status.as_str()
        )));
    }
    let now = chrono::Utc::now();
    let status = if input.draft {
        LetterStatus::Draft
    } else {
        LetterStatus::Submitted
    };
    let txn = w.db.begin().await?;
    let letter = entity::responsibility_letter::ActiveModel {
        id: NotSet,
        pairing_id: Set(pairing_id),
        year: Set(input.year),
        status: Set(status),
        version: Set(1),
        submitted_at: Set((!input.draft).then_some(now)),
        submitted_by: Set((!input.draft).then(|| w.actor())),
        signed_at: Set(None),
        signed_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    replace_commitments(&txn, letter.id, &set).await?;
    add_revision(&txn, letter.id, 1, &set, None, w.actor(), now).await?;
    let after = image(&letter, &set, None);
    crate::audit::record(
        &txn,
        w,
        "submitResponsibilityLetter",
        ENTITY,
        letter.id,
        None::<&()>,
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(letter)
}

pub async fn amend(w: &Writer<'_>, input: AmendResponsibilityLetterInput) -> AppResult<Model> {
    w.require_user()?;
    let (letter, p) = load_letter(w, &input.responsibility_letter_id).await?;
    authorize(w, LetterAction::Amend, &p)?;
    let rationale = crate::write::text("input.rationale", &input.rationale, 2000)?;
    let set = commitment_set(p.pairing.program, &input.commitments)?;
    check_version(&letter, input.version)?;
    let to = match (letter.status, input.submit) {
        (LetterStatus::Signed, _) => {
            return Err(illegal(
                "letter",
                "SIGNED",
                if input.submit {
                    "SUBMITTED"
                } else {
                    "SIGNED (amended)"
                },
            ));
        }
        (_, true) => LetterStatus::Submitted,
        (LetterStatus::Withdrawn, false) => LetterStatus::Draft,
        (s, false) => s,
    };
    let now = chrono::Utc::now();
    let before_set = current_set(w.db, letter.id).await?;
    let mut extra = Vec::new();
    if input.submit {
        extra.push((Column::SubmittedAt, sea_orm::Value::from(now)));
        extra.push((Column::SubmittedBy, sea_orm::Value::from(w.actor())));
    }
    let txn = w.db.begin().await?;
    bump(&txn, &letter, input.version, to, &extra).await?;
    // Letters that predate revision keeping get their original set recorded first.
    let has_base = letter_revision::Entity::find()
        .filter(letter_revision::Column::LetterId.eq(letter.id))
        .filter(letter_revision::Column::Version.eq(letter.version))
        .one(&txn)
        .await?
        .is_some();
    if !has_base {
        let by = letter
            .submitted_by
            .clone()
            .unwrap_or_else(|| "unknown".to_string());
        add_revision(
            &txn,
            letter.id,
            letter.version,
            &before_set,
            None,
            by,
            letter.updated_at,
        )
        .await?;
    }
    replace_commitments(&txn, letter.id, &set).await?;
    add_revision(
        &txn,
        letter.id,
        letter.version + 1,
        &set,
        Some(rationale.clone()),
        w.actor(),
        now,
    )
    .await?;
    let updated = reload(&txn, letter.id).await?;
    crate::audit::record(
        &txn,
        w,
        "amendResponsibilityLetter",
        ENTITY,
        letter.id,
        Some(&image(&letter, &before_set, None)),
        Some(&image(&updated, &set, Some(("rationale", &rationale)))),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A status change without new commitments: withdraw, sign, return.
async fn change_status(
    w: &Writer<'_>,
    action: LetterAction,
    id: &str,
    version: i32,
    reason: Option<String>,
) -> AppResult<Model> {
    w.require_user()?;
    let (letter, p) = load_letter(w, id).await?;
    authorize(w, action, &p)?;
    check_version(&letter, version)?;
    let (name, to, from_ok): (&str, LetterStatus, &[LetterStatus]) = match action {
        LetterAction::Withdraw => (
            "withdrawResponsibilityLetter",
            LetterStatus::Withdrawn,
            &[
                LetterStatus::Draft,
                LetterStatus::Submitted,
                LetterStatus::Returned,
            ],
        ),
        LetterAction::Sign => (
            "signResponsibilityLetter",
            LetterStatus::Signed,
            &[LetterStatus::Submitted],
        ),
        _ => (
            "returnResponsibilityLetter",
            LetterStatus::Returned,
            &[LetterStatus::Submitted],
        ),
    };
    if !from_ok.contains(&letter.status) {
        return Err(illegal("letter", letter.status.as_str(), to.as_str()));
    }
    let mut extra = Vec::new();
    if action == LetterAction::Sign {
        extra.push((Column::SignedAt, sea_orm::Value::from(chrono::Utc::now())));
        extra.push((Column::SignedBy, sea_orm::Value::from(w.actor())));
    }
    let set = current_set(w.db, letter.id).await?;
    let txn = w.db.begin().await?;
    bump(&txn, &letter, version, to, &extra).await?;
    let updated = reload(&txn, letter.id).await?;
    crate::audit::record(
        &txn,
        w,
        name,
        ENTITY,
        letter.id,
        Some(&image(&letter, &set, None)),
        Some(&image(
            &updated,
            &set,
            reason.as_deref().map(|r| ("reason", r)),
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn withdraw(
    w: &Writer<'_>,
    input: WithdrawResponsibilityLetterInput,
) -> AppResult<Model> {
    let reason = crate::write::opt_text("input.reason", input.reason.as_deref(), 2000)?;
    change_status(
        w,
        LetterAction::Withdraw,
        &input.responsibility_letter_id,
        input.version,
        reason,
    )
    .await
}

pub async fn sign(w: &Writer<'_>, input: SignResponsibilityLetterInput) -> AppResult<Model> {
    change_status(
        w,
        LetterAction::Sign,
        &input.responsibility_letter_id,
        input.version,
        None,
    )
    .await
}

pub async fn return_letter(
    w: &Writer<'_>,
    input: ReturnResponsibilityLetterInput,
) -> AppResult<Model> {
    w.require_user()?;
    let reason = crate::write::text("input.reason", &input.reason, 2000)?;
    change_status(
        w,
        LetterAction::Return,
        &input.responsibility_letter_id,
        input.version,
        Some(reason),
    )
    .await
}
