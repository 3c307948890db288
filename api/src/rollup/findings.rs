//! Data quality: records of a year that look incomplete or inconsistent.
use super::service::{date, derived_indicators};
use super::sql::{col, enum_lits, get, get_enum, lit, named, statement, union_all};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use entity::enums::{Indicator, LetterStatus, Program, RegionLevel, TransferStatus};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query};
use std::collections::BTreeSet;

/// What a data-quality finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    MissingCommitment,
    ReceiptOverdue,
    MissingProgressReport,
    ListedCountyWithoutDispatch,
    ListedCountyWithoutTransfer,
    FutureDatedEvent,
    PublicityOverdue,
    FundsIdle,
    ProjectOverdue,
    RecordDisputed,
    ListedVillageWithoutDispatch,
    ListedVillageWithoutTransfer,
}

/// How many days the time-based findings allow, each overridable per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// RECEIPT_OVERDUE: days from allocation to confirmed receipt.
    pub receipt_days: i64,
    /// PUBLICITY_OVERDUE: days from receipt to publicity.
    pub publicity_days: i64,
    /// FUNDS_IDLE: days from receipt to the first expenditure.
    pub idle_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            receipt_days: 30,
            publicity_days: 30,
            idle_days: 90,
        }
    }
}

/// The record a finding points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Letter(i64),
    Transfer(i64),
    Dispatch(i64),
    Report(i64),
    Region(i64),
    Project(i64),
    Dispute(i64),
}

/// One data-quality finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub kind: FindingKind,
    pub subject: Subject,
    pub pairing_id: Option<i64>,
    pub region_id: Option<i64>,
    pub indicator: Option<Indicator>,
    pub quarter: Option<i32>,
    /// The date in question: allocation date, receipt date (publicity and idle funds), planned
    /// end (overdue project), or the future event's date.
    pub date: Option<NaiveDate>,
    /// Which event is future-dated (`allocated`, `received`, `arrived`, `returned`, `verified`).
    pub event: Option<&'static str>,
}

impl Finding {
    fn new(kind: FindingKind, subject: Subject) -> Self {
        Finding {
            kind,
            subject,
            pairing_id: None,
            region_id: None,
            indicator: None,
            quarter: None,
            date: None,
            event: None,
        }
    }
}

/// The quarters (1–4) of `year` that ended before `as_of`.
fn ended_quarters(year: i32, as_of: NaiveDate) -> AppResult<Vec<i32>> {
    let ends = [
        date(year, 3, 31)?,
        date(year, 6, 30)?,
        date(year, 9, 30)?,
        date(year, 12, 31)?,
    ];
    Ok((1..=4)
        .filter(|q| ends[(*q - 1) as usize] < as_of)
        .collect())
}

/// Transfers of year `$1` with status `$2` (ALLOCATED) allocated before `$3`.
const ALLOCATED_BEFORE: &str = "\
    SELECT t.id AS id, t.pairing_id AS pid, t.recipient_id AS rid, t.allocated_on AS d \
    FROM fund_transfers t \
    WHERE t.year = $1 AND t.status = $2 AND t.allocated_on < $3";

/// Counties and villages (levels `$2`, `$3`) with a supervision listing of year `$1` (lifted or
/// not: they were listed that year), kind `L`; then the codes of the regions a dispatch (`D`) or a
/// counted transfer (`T`, the statuses of `COUNTED`) of the year went to. One statement.
const LISTED_REGIONS: &str = "\
    SELECT 'L' AS k, c.id AS id, c.code AS code, c.level AS level \
    FROM regions c WHERE c.level IN ($2, $3) \
    AND c.id IN (SELECT l.region_id FROM supervision_listings l WHERE l.year = $1) \
    UNION ALL SELECT DISTINCT 'D' AS k, CAST(0 AS BIGINT) AS id, rr.code AS code, '' AS level \
    FROM personnel_dispatches d JOIN regions rr ON rr.id = d.recipient_id WHERE d.year = $1 \
    UNION ALL SELECT DISTINCT 'T' AS k, CAST(0 AS BIGINT) AS id, rr.code AS code, '' AS level \
    FROM fund_transfers t JOIN regions rr ON rr.id = t.recipient_id \
    WHERE t.year = $1 AND t.status IN ('ALLOCATED', 'RECEIVED')";

/// Whether a code in `codes` is `code` or lies within it (codes within a region start with its
/// code and sort right after it).
fn reached(codes: &BTreeSet<String>, code: &str) -> bool {
    codes
        .range::<str, _>((std::ops::Bound::Included(code), std::ops::Bound::Unbounded))
        .next()
        .is_some_and(|c| c.starts_with(code))
}

/// Transfers of year `$1` allocated or received after `$2`.
const TRANSFERS_AFTER: &str = "\
    SELECT t.id AS id, t.pairing_id AS pid, t.recipient_id AS rid, \
    t.allocated_on AS a, t.received_on AS b \
    FROM fund_transfers t \
    WHERE t.year = $1 AND (t.allocated_on > $2 OR t.received_on > $2)";

/// Dispatches of year `$1` arrived or returned after `$2`.
const DISPATCHES_AFTER: &str = "\
    SELECT d.id AS id, d.pairing_id AS pid, d.recipient_id AS rid, \
    d.arrived_on AS a, d.returned_on AS b \
    FROM personnel_dispatches d \
    WHERE d.year = $1 AND (d.arrived_on > $2 OR d.returned_on > $2)";

/// Progress reports of year `$1` verified at or after the instant `$2`.
const VERIFIED_FROM: &str = "\
    SELECT r.id AS id, r.pairing_id AS pid, r.indicator AS i, r.quarter AS q, \
    r.verified_at AS v \
    FROM progress_reports r WHERE r.year = $1 AND r.verified_at >= $2";

/// Received transfers of year `$1` (status `$2`): `late` when received before `$3` and not
/// publicized by `$5`, `idle` when received before `$4` with nothing spent by `$5`.
const RECEIVED_BEFORE: &str = "\
    SELECT t.id AS id, t.pairing_id AS pid, t.recipient_id AS rid, t.received_on AS d, \
    CASE WHEN t.received_on < $3 AND (t.publicized_on IS NULL OR t.publicized_on > $5) \
    THEN 1 ELSE 0 END AS late, \
    CASE WHEN t.received_on < $4 AND NOT EXISTS (SELECT 1 FROM expenditures e \
        WHERE e.fund_transfer_id = t.id AND e.spent_on <= $5) \
    THEN 1 ELSE 0 END AS idle \
    FROM fund_transfers t \
    WHERE t.year = $1 AND t.status = $2 AND (t.received_on < $3 OR t.received_on < $4)";

/// Projects due by `$1` (31 December of the year) whose planned end is before `$2` (the as-of
/// date), neither cancelled nor completed by then.
const OVERDUE_PROJECTS: &str = "\
    SELECT p.id AS id, p.county_id AS rid, p.planned_end AS d \
    FROM projects p \
    WHERE p.planned_end <= $1 AND p.planned_end < $2 AND p.status <> 'CANCELLED' \
    AND (p.completed_on IS NULL OR p.completed_on > $2) \
    AND NOT (p.status = 'COMPLETED' AND p.completed_on IS NULL)";

/// Disputes about records of year `$1` raised before the instant `$2` (the start of the day
/// after the as-of date, China Standard Time) and not resolved before it.
const DISPUTED: &str = "\
    SELECT d.id AS id, d.pairing_id AS pid, d.region_id AS rid, d.opened_at AS o \
    FROM disputes d \
    WHERE d.year = $1 AND d.opened_at < $2 AND (d.resolved_at IS NULL OR d.resolved_at >= $2)";

/// All findings for a year, judged as of a date under the thresholds: ten statements.
pub async fn findings(
    db: &Db,
    year: i32,
    as_of: NaiveDate,
    th: Thresholds,
) -> AppResult<Vec<Finding>> {
    let mut out = Vec::new();

    // 1. Letters of the year lacking a commitment for an indicator of their program.
    let programs = [
        Program::EastWest,
        Program::DesignatedAssistance,
        Program::CountyToCounty,
        Program::EnterpriseVillage,
    ];
    // (program, indicator) rows, one per indicator of each program.
    let expected = union_all(programs.into_iter().flat_map(|program| {
        Indicator::for_program(program).iter().map(move |i| {
            Query::select()
                .expr_as(Expr::val(program.as_str()).cast_as("TEXT"), "prog")
                .expr_as(Expr::val(i.as_str()).cast_as("TEXT"), "ind")
                .take()
        })
    }))
    .ok_or_else(|| AppError::Internal("no indicators".into()))?;
    let mut q = Query::select();
    q.expr_as(col("l", "id"), "lid")
        .expr_as(col("l", "pairing_id"), "pid")
        .expr_as(col("x", "ind"), "i")
        .from_as("responsibility_letters", "l")
        .join_as(
            JoinType::Join,
            "pairing_agreements",
            "p",
            col("p", "id").eq(col("l", "pairing_id")),
        )
        .join_subquery(
            JoinType::Join,
            expected,
            "x",
            col("x", "prog").eq(col("p", "program")),
        )
        .and_where(col("l", "year").eq(year))
        .and_where(col("l", "status").ne(LetterStatus::Withdrawn.as_str()))
        .and_where(Expr::not_exists(
            Query::select()
                .expr(lit(1))
                .from_as("commitments", "c")
                .and_where(col("c", "letter_id").eq(col("l", "id")))
                .and_where(col("c", "indicator").eq(col("x", "ind")))
                .take(),
        ));
    for row in db.query_all_raw(statement(db, &q)).await? {
        let mut f = Finding::new(
            FindingKind::MissingCommitment,
            Subject::Letter(get(&row, "lid")?),
        );
        f.pairing_id = Some(get(&row, "pid")?);
        f.indicator = Some(get_enum(&row, "i")?);
        out.push(f);
    }

    // 2. Allocated but not confirmed as received more than the threshold's days after allocation.
    let cutoff = as_of - Duration::days(th.receipt_days);
    let q = named(
        db,
        ALLOCATED_BEFORE,
        [
            year.into(),
            TransferStatus::Allocated.as_str().into(),
            cutoff.into(),
        ],
    );
    for row in db.query_all_raw(q).await? {
        let mut f = Finding::new(
            FindingKind::ReceiptOverdue,
            Subject::Transfer(get(&row, "id")?),
        );
        f.pairing_id = Some(get(&row, "pid")?);
        f.region_id = Some(get(&row, "rid")?);
        f.date = get(&row, "d")?;
        out.push(f);
    }

    // 3. Ended quarters without a progress report for a report-based indicator of a signed letter.
    let quarters = ended_quarters(year, as_of)?;
    let quarters = union_all(quarters.into_iter().map(|quarter| {
        Query::select()
            .expr_as(Expr::val(quarter).cast_as("INTEGER"), "q")
            .take()
    }));
    if let Some(quarters) = quarters {
        let mut q = Query::select();
        q.expr_as(col("l", "id"), "lid")
            .expr_as(col("l", "pairing_id"), "pid")
            .expr_as(col("c", "indicator"), "i")
            .expr_as(col("qs", "q"), "q")
            .from_as("responsibility_letters", "l")
            .join_as(
                JoinType::Join,
                "commitments",
                "c",
                col("c", "letter_id").eq(col("l", "id")),
            )
            // Every letter with every quarter (not CROSS JOIN, which fixes SQLite's join order).
            .join_subquery(JoinType::Join, quarters, "qs", lit(1).eq(lit(1)))
            .and_where(col("l", "year").eq(year))
            .and_where(col("l", "status").eq(LetterStatus::Signed.as_str()))
            .and_where(col("c", "indicator").is_not_in(enum_lits(&derived_indicators())))
            .and_where(Expr::not_exists(
                Query::select()
                    .expr(lit(1))
                    .from_as("progress_reports", "r")
                    .and_where(col("r", "pairing_id").eq(col("l", "pairing_id")))
                    .and_where(col("r", "indicator").eq(col("c", "indicator")))
                    .and_where(col("r", "year").eq(col("l", "year")))
                    .and_where(col("r", "quarter").eq(col("qs", "q")))
                    .take(),
            ));
        for row in db.query_all_raw(statement(db, &q)).await? {
            let mut f = Finding::new(
                FindingKind::MissingProgressReport,
                Subject::Letter(get(&row, "lid")?),
            );
            f.pairing_id = Some(get(&row, "pid")?);
            f.indicator = Some(get_enum(&row, "i")?);
            f.quarter = Some(get(&row, "q")?);
            out.push(f);
        }
    }

    // 4. Counties and villages listed for supervision in the year without a dispatch or without
    // a transfer in the year reaching them (or a region within them).
    let q = named(
        db,
        LISTED_REGIONS,
        [
            year.into(),
            RegionLevel::County.as_str().into(),
            RegionLevel::Village.as_str().into(),
        ],
    );
    let (mut listed, mut dispatched, mut transferred) =
        (Vec::new(), BTreeSet::new(), BTreeSet::new());
    for row in db.query_all_raw(q).await? {
        let kind: String = get(&row, "k")?;
        let code: String = get(&row, "code")?;
        match kind.as_str() {
            "L" => listed.push((
                get::<i64>(&row, "id")?,
                code,
                get_enum::<RegionLevel>(&row, "level")?,
            )),
            "D" => {
                dispatched.insert(code);
            }
            _ => {
                transferred.insert(code);
            }
        }
    }
    for (id, code, level) in listed {
        let has_dispatch = reached(&dispatched, &code);
        let has_transfer = reached(&transferred, &code);
        let (no_dispatch, no_transfer) = match level {
            RegionLevel::Village => (
                FindingKind::ListedVillageWithoutDispatch,
                FindingKind::ListedVillageWithoutTransfer,
            ),
            _ => (
                FindingKind::ListedCountyWithoutDispatch,
                FindingKind::ListedCountyWithoutTransfer,
            ),
        };
        for (has, kind) in [(has_dispatch, no_dispatch), (has_transfer, no_transfer)] {
            if !has {
                let mut f = Finding::new(kind, Subject::Region(id));
                f.region_id = Some(id);
                out.push(f);
            }
        }
    }

    // 5. Actual events dated after the as-of date.
    let q = named(db, TRANSFERS_AFTER, [year.into(), as_of.into()]);
    for row in db.query_all_raw(q).await? {
        let id = get(&row, "id")?;
        for (col, event) in [("a", "allocated"), ("b", "received")] {
            let d: Option<NaiveDate> = get(&row, col)?;
            if let Some(d) = d.filter(|d| *d > as_of) {
                let mut f = Finding::new(FindingKind::FutureDatedEvent, Subject::Transfer(id));
                f.pairing_id = Some(get(&row, "pid")?);
                f.region_id = Some(get(&row, "rid")?);
                f.date = Some(d);
                f.event = Some(event);
                out.push(f);
            }
        }
    }
    let q = named(db, DISPATCHES_AFTER, [year.into(), as_of.into()]);
    for row in db.query_all_raw(q).await? {
        let id = get(&row, "id")?;
        for (col, event) in [("a", "arrived"), ("b", "returned")] {
            let d: Option<NaiveDate> = get(&row, col)?;
            if let Some(d) = d.filter(|d| *d > as_of) {
                let mut f = Finding::new(FindingKind::FutureDatedEvent, Subject::Dispatch(id));
                f.pairing_id = Some(get(&row, "pid")?);
                f.region_id = Some(get(&row, "rid")?);
                f.date = Some(d);
                f.event = Some(event);
                out.push(f);
            }
        }
    }
    // Verification times are instants: future means on or after the next China Standard Time day.
    let next_day = (as_of + Duration::days(1)).and_time(NaiveTime::MIN);
    let cst = chrono::FixedOffset::east_opt(8 * 3600)
        .ok_or_else(|| AppError::Internal("time zone offset".into()))?;
    let limit = cst
        .from_local_datetime(&next_day)
        .single()
        .ok_or_else(|| AppError::Internal("time zone conversion".into()))?
        .with_timezone(&chrono::Utc);
    let q = named(db, VERIFIED_FROM, [year.into(), limit.into()]);
    for row in db.query_all_raw(q).await? {
        let mut f = Finding::new(
            FindingKind::FutureDatedEvent,
            Subject::Report(get(&row, "id")?),
        );
        f.pairing_id = Some(get(&row, "pid")?);
        f.indicator = Some(get_enum(&row, "i")?);
        f.quarter = Some(get(&row, "q")?);
        let v: Option<chrono::DateTime<chrono::Utc>> = get(&row, "v")?;
        f.date = v.map(|v| v.with_timezone(&cst).date_naive());
        f.event = Some("verified");
        out.push(f);
    }

    // 6. Received, not publicized, and idle funds (one statement); 7. projects past their
    // planned end.
    let q = named(
        db,
        RECEIVED_BEFORE,
        [
            year.into(),
            TransferStatus::Received.as_str().into(),
            (as_of - Duration::days(th.publicity_days)).into(),
            (as_of - Duration::days(th.idle_days)).into(),
            as_of.into(),
        ],
    );
    for row in db.query_all_raw(q).await? {
        let late: i32 = get(&row, "late")?;
        let idle: i32 = get(&row, "idle")?;
        for (flag, kind) in [
            (late, FindingKind::PublicityOverdue),
            (idle, FindingKind::FundsIdle),
        ] {
            if flag == 1 {
                let mut f = Finding::new(kind, Subject::Transfer(get(&row, "id")?));
                f.pairing_id = Some(get(&row, "pid")?);
                f.region_id = Some(get(&row, "rid")?);
                f.date = get(&row, "d")?;
                out.push(f);
            }
        }
    }
    let q = named(
        db,
        OVERDUE_PROJECTS,
        [date(year, 12, 31)?.into(), as_of.into()],
    );
    for row in db.query_all_raw(q).await? {
        let mut f = Finding::new(
            FindingKind::ProjectOverdue,
            Subject::Project(get(&row, "id")?),
        );
        f.region_id = Some(get(&row, "rid")?);
        f.date = get(&row, "d")?;
        out.push(f);
    }

    // 8. Records disputed by their recipient and not resolved as of the date.
    let q = named(db, DISPUTED, [year.into(), limit.into()]);
    for row in db.query_all_raw(q).await? {
        let mut f = Finding::new(
            FindingKind::RecordDisputed,
            Subject::Dispute(get(&row, "id")?),
        );
        f.pairing_id = Some(get(&row, "pid")?);
        f.region_id = Some(get(&row, "rid")?);
        let o: chrono::DateTime<chrono::Utc> = get(&row, "o")?;
        f.date = Some(o.with_timezone(&cst).date_naive());
        out.push(f);
    }

    out.sort();
    out.dedup();
    Ok(out)
}

/// Where a finding stands in the list's order (kind, subject, then the rest of the finding), as
/// its cursor keeps it: ordered exactly as `Finding` is.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct FindingKey(
    u8,
    (u8, i64),
    Option<i64>,
    Option<i64>,
    Option<Indicator>,
    Option<i32>,
    /// The date as days from the common era, which orders as the date does.
    Option<i32>,
    Option<String>,
);

impl Finding {
    /// The finding's sort key (see [`FindingKey`]).
    pub fn key(&self) -> FindingKey {
        let subject = match self.subject {
            Subject::Letter(id) => (0, id),
            Subject::Transfer(id) => (1, id),
            Subject::Dispatch(id) => (2, id),
            Subject::Report(id) => (3, id),
            Subject::Region(id) => (4, id),
            Subject::Project(id) => (5, id),
            Subject::Dispute(id) => (6, id),
        };
        FindingKey(
            self.kind as u8,
            subject,
            self.pairing_id,
            self.region_id,
            self.indicator,
            self.quarter,
            self.date.map(|d| chrono::Datelike::num_days_from_ce(&d)),
            self.event.map(str::to_string),
        )
    }
}

/// Narrows findings: kinds, the region they concern (their region, else their pairing's
/// recipient) lying within a region, their pairing's helper.
#[derive(Clone, Debug, Default)]
pub struct FindingFilter {
    pub kinds: Option<Vec<FindingKind>>,
    /// LIKE pattern of the codes within the region.
    pub region_pattern: Option<String>,
    pub helper_code: Option<String>,
}

/// Keeps the findings that pass the filter: two statements (regions, pairings) at most.
pub async fn filter(db: &Db, found: Vec<Finding>, f: &FindingFilter) -> AppResult<Vec<Finding>> {
    let mut found: Vec<Finding> = match &f.kinds {
        Some(kinds) => found
            .into_iter()
            .filter(|x| kinds.contains(&x.kind))
            .collect(),
        None => found,
    };
    if f.region_pattern.is_none() && f.helper_code.is_none() {
        return Ok(found);
    }
    use std::collections::{BTreeSet, HashMap};
    // The pairings' helpers (with codes) and recipients.
    let pairing_ids: BTreeSet<i64> = found.iter().filter_map(|x| x.pairing_id).collect();
    let mut pairings: HashMap<i64, (String, i64)> = HashMap::new();
    if !pairing_ids.is_empty() {
        let ids: Vec<String> = pairing_ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT p.id AS id, o.code AS h, p.recipient_id AS rid FROM pairing_agreements p \
             JOIN organizations o ON o.id = p.helper_id WHERE p.id IN ({})",
            ids.join(", ")
        );
        for row in db.query_all_raw(named(db, &sql, [])).await? {
            pairings.insert(get(&row, "id")?, (get(&row, "h")?, get(&row, "rid")?));
        }
    }
    let region_of = |x: &Finding| {
        x.region_id
            .or_else(|| x.pairing_id.and_then(|p| pairings.get(&p).map(|v| v.1)))
    };
    let mut codes: HashMap<i64, String> = HashMap::new();
    if f.region_pattern.is_some() {
        let region_ids: BTreeSet<i64> = found.iter().filter_map(region_of).collect();
        if !region_ids.is_empty() {
            let ids: Vec<String> = region_ids.iter().map(i64::to_string).collect();
            let sql = format!(
                "SELECT id, code FROM regions WHERE id IN ({})",
                ids.join(", ")
            );
            for row in db.query_all_raw(named(db, &sql, [])).await? {
                codes.insert(get(&row, "id")?, get(&row, "code")?);
            }
        }
    }
    found.retain(|x| {
        let helper_ok = f.helper_code.as_ref().is_none_or(|h| {
            x.pairing_id
                .and_then(|p| pairings.get(&p))
                .is_some_and(|(code, _)| code == h)
        });
        let region_ok = f.region_pattern.as_ref().is_none_or(|pat| {
            let prefix = pat.trim_end_matches('%');
            region_of(x)
                .and_then(|r| codes.get(&r))
                .is_some_and(|code| code.starts_with(prefix))
        });
        helper_ok && region_ok
    });
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_regions_count_the_counted_statuses() {
        let statuses: Vec<String> = crate::rollup::service::COUNTED
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let condition = format!("t.status IN ({})", statuses.join(", "));
        assert!(LISTED_REGIONS.contains(&condition), "{condition}");
    }

    #[test]
    fn a_code_is_reached_by_itself_and_the_codes_within_it() {
        let codes: std::collections::BTreeSet<String> =
            ["532923100001", "533301"].map(String::from).into();
        assert!(reached(&codes, "532923"));
        assert!(reached(&codes, "532923100001"));
        assert!(reached(&codes, "533301"));
        assert!(!reached(&codes, "532923100002"));
        assert!(!reached(&codes, "533302"));
    }
}
