//! What every write shares: who is writing (with the request id for the audit log), the checks that
//! recur across modules, and the request hash of idempotent writes.
use crate::auth::{Identity, Role};
use crate::error::{AppError, AppResult};
use crate::graphql::ContextExt;
use async_graphql::Context;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

/// The largest amount of money one record may carry: 10 billion yuan, in fen.
pub const MAX_AMOUNT_FEN: i64 = 10_000_000_000 * 100;

/// A write's caller: database, identity and request id, and the change events its writes
/// emitted (SQLite: published when the writer is dropped, see `Drop`).
pub struct Writer<'a> {
    pub db: &'a DatabaseConnection,
    pub identity: &'a Identity,
    pub request_id: &'a str,
    pub events: crate::events::Pending,
    pub bus: Option<crate::events::Bus>,
    /// The server's own id of the request, kept beside the client's in the audit log.
    pub server_request_id: &'a str,
}

impl<'a> Writer<'a> {
    pub fn from_ctx(ctx: &'a Context<'_>) -> Self {
        Writer {
            db: ctx.pool(),
            identity: ctx.identity(),
            request_id: &ctx.request().request_id,
            events: Default::default(),
            bus: ctx
                .data_opt::<crate::graphql::AppState>()
                .map(|s| s.events.clone()),
            server_request_id: &ctx.request().server_request_id,
        }
    }

    /// The subject of the caller, for `submitted_by`, `reported_by` and the like.
    pub fn actor(&self) -> String {
        self.identity.subject().to_string()
    }

    /// Anonymous callers write nothing: they are told to authenticate.
    pub fn require_user(&self) -> AppResult<Role> {
        self.identity.role().ok_or_else(|| {
            AppError::Unauthenticated("writing needs a token (Authorization: Bearer …)".into())
        })
    }

    /// The caller is the helper organization with this code.
    pub fn is_helper(&self, org_code: &str) -> bool {
        self.identity.helper_org() == Some(org_code)
    }

    /// The caller is a recipient whose region contains (or is) this region.
    pub fn covers_region(&self, region_code: &str) -> bool {
        self.identity
            .recipient_region()
            .is_some_and(|scope| crate::region_code::covers(scope, region_code))
    }
}

/// A writer is dropped once its write is over: committed or rolled back. The SQLite events it
/// holds are published if their audit rows are there, i.e. if the write committed (on
/// PostgreSQL the transaction's `NOTIFY` did that and nothing is pending).
impl Drop for Writer<'_> {
    fn drop(&mut self) {
        let events = self.events.take();
        if events.is_empty() {
            return;
        }
        let (Some(bus), Ok(runtime)) = (self.bus.clone(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let db = self.db.clone();
        runtime.spawn(async move { bus.publish_committed(&db, events).await });
    }
}

/// Allowed, or FORBIDDEN with the rule that was not met (after the anonymous check).
pub fn allow(w: &Writer<'_>, allowed: bool, rule: &str) -> AppResult<()> {
    w.require_user()?;
    if allowed {
        Ok(())
    } else {
        Err(AppError::forbidden(rule.to_string()))
    }
}

/// Today's calendar day in China Standard Time, the day events are dated by.
pub fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// The earliest day an event may be dated: the east–west cooperation began in 1996, so nothing
/// the platform records happened before it (a year typed wrong is refused, not counted).
pub fn earliest_event() -> NaiveDate {
    NaiveDate::from_ymd_opt(1996, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// An event that has happened: dated within the platform's window, and not in the future.
pub fn event_on(field: &str, date: NaiveDate) -> AppResult<()> {
    if date > today() {
        Err(AppError::bad_input(
            field,
            format!("{date} is in the future; record events once they have happened"),
        ))
    } else if date < earliest_event() {
        Err(AppError::bad_input(
            field,
            format!(
                "{date} lies before {}, when the east–west cooperation began",
                earliest_event()
            ),
        ))
    } else {
        Ok(())
    }
}

/// To an integer in the smallest step (fen when `scale` is 2); `None` if it has more decimals
/// than `scale` or overflows.
pub fn to_minor(v: &Decimal, scale: u32) -> Option<i64> {
    let scaled = v.checked_mul(Decimal::from(10i64.pow(scale)))?;
    if scaled.fract() != Decimal::ZERO {
        return None;
    }
    i64::try_from(scaled.trunc()).ok()
}

/// Money in yuan to fen: more than zero, at most two decimals, at most 10 billion yuan.
pub fn amount_fen(field: &str, amount: &Decimal) -> AppResult<i64> {
    let fen = to_minor(amount, 2)
        .ok_or_else(|| AppError::bad_input(field, "an amount has at most two decimals"))?;
    if fen <= 0 {
        return Err(AppError::bad_input(
            field,
            "the amount must be more than zero",
        ));
    }
    if fen > MAX_AMOUNT_FEN {
        return Err(AppError::bad_input(
            field,
            "the amount exceeds 10,000,000,000 yuan; split it or check the figure",
        ));
    }
    Ok(fen)
}

/// A required text: trimmed, not empty, at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(v.to_string())
}

/// An optional text: empty means none.
pub fn opt_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

/// The year lies within a pairing's period.
pub fn year_in_pairing(
    field: &str,
    year: i32,
    pairing: &entity::pairing_agreement::Model,
) -> AppResult<()> {
    let after_start = year >= pairing.start_year;
    let before_end = pairing.end_year.is_none_or(|end| year <= end);
    if after_start && before_end {
        return Ok(());
    }
    let period = match pairing.end_year {
        Some(end) => format!("{}–{end}", pairing.start_year),
        None => format!("from {}", pairing.start_year),
    };
    Err(AppError::bad_input(
        field,
        format!("{year} lies outside the pairing's period ({period})"),
    ))
}

/// An illegal state transition.
pub fn illegal(entity: &str, from: &str, to: &str) -> AppError {
    AppError::Conflict(format!(
        "illegal transition of the {entity}: {from} → {to} is not allowed"
    ))
}

/// SHA-256 (hex) of a canonical JSON payload: tells a retry from a reused idempotency key.
pub fn request_hash(payload: &serde_json::Value) -> String {
    // serde_json's map is ordered by key, so the text is canonical for equal payloads.
    hex::encode(Sha256::digest(payload.to_string().as_bytes()))
}

/// A region named by its code in an input; an unknown code is the input's fault.
pub async fn region_by_code<C: sea_orm::ConnectionTrait>(
    c: &C,
    field: &str,
    code: &str,
) -> AppResult<entity::region::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    crate::region_code::check(field, code)?;
    entity::region::Entity::find()
        .filter(entity::region::Column::Code.eq(code))
        .one(c)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("no region has the code {code}")))
}

/// An organization named by its code in an input.
pub async fn organization_by_code<C: sea_orm::ConnectionTrait>(
    c: &C,
    field: &str,
    code: &str,
) -> AppResult<entity::organization::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::organization::Entity::find()
        .filter(entity::organization::Column::Code.eq(code))
        .one(c)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("no organization has the code {code:?}")))
}

/// Audit image of a record with a note (a reason, a rationale) added.
pub fn with_note<T: serde::Serialize>(
    record: &T,
    note: Option<(&str, String)>,
) -> serde_json::Value {
    let mut image = serde_json::to_value(record).unwrap_or_default();
    if let (Some((k, v)), Some(obj)) = (note, image.as_object_mut()) {
        obj.insert(k.into(), serde_json::Value::String(v));
    }
    image
}

/// A NOT_FOUND names the id the client sent (opaque), not the row number behind it.
pub fn with_id(e: AppError, id: &async_graphql::ID) -> AppError {
    match e {
        AppError::NotFound { entity, .. } => AppError::not_found(entity, id.as_str()),
        other => other,
    }
}
