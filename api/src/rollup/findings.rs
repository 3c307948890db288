//! Data quality: records of a year that look incomplete or inconsistent.
use super::service::{COUNTED, date, derived_indicators};
use super::sql::{Sql, get, get_enum};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use entity::enums::{Indicator, LetterStatus, Program, RegionLevel, TransferStatus};
use sea_orm::ConnectionTrait;

/// What a data-quality finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    MissingCommitment,
    ReceiptOverdue,
    MissingProgressReport,
    ListedCountyWithoutDispatch,
    ListedCountyWithoutTransfer,
    FutureDatedEvent,
}

/// The record a finding points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Letter(i64),
    Transfer(i64),
    Dispatch(i64),
    Report(i64),
    Region(i64),
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
    /// The date in question: allocation date, or the future event's date.
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

/// All findings for a year, judged as of a date: seven statements.
pub async fn findings(db: &Db, year: i32, as_of: NaiveDate) -> AppResult<Vec<Finding>> {
    let backend = db.get_database_backend();
    let mut out = Vec::new();

    // 1. Letters of the year lacking a commitment for an indicator of their program.
    let mut q = Sql::new(backend);
    q.push("SELECT l.id AS lid, l.pairing_id AS pid, x.ind AS i FROM responsibility_letters l");
    q.push(" JOIN pairing_agreements p ON p.id = l.pairing_id JOIN (");
    let mut first = true;
    for program in [
        Program::EastWest,
        Program::DesignatedAssistance,
        Program::CountyToCounty,
        Program::EnterpriseVillage,
    ] {
        for i in Indicator::for_program(program) {
            if !first {
                q.push(" UNION ALL ");
            }
            first = false;
            q.push("SELECT CAST(")
                .bind(program.as_str())
                .push(" AS TEXT) AS prog, CAST(");
            q.bind(i.as_str()).push(" AS TEXT) AS ind");
        }
    }
    q.push(") x ON x.prog = p.program WHERE l.year = ")
        .bind(year);
    q.push(" AND l.status <> ")
        .bind(LetterStatus::Withdrawn.as_str());
    q.push(" AND NOT EXISTS (SELECT 1 FROM commitments c WHERE c.letter_id = l.id AND c.indicator = x.ind)");
    for row in db.query_all_raw(q.build()).await? {
        let mut f = Finding::new(
            FindingKind::MissingCommitment,
            Subject::Letter(get(&row, "lid")?),
        );
        f.pairing_id = Some(get(&row, "pid")?);
        f.indicator = Some(get_enum(&row, "i")?);
        out.push(f);
    }

    // 2. Allocated but not confirmed as received more than 30 days after allocation.
    let cutoff = as_of - Duration::days(30);
    let mut q = Sql::new(backend);
    q.push("SELECT t.id AS id, t.pairing_id AS pid, t.recipient_id AS rid, t.allocated_on AS d");
    q.push(" FROM fund_transfers t WHERE t.year = ").bind(year);
    q.push(" AND t.status = ")
        .bind(TransferStatus::Allocated.as_str());
    q.push(" AND t.allocated_on < ").bind(cutoff);
    for row in db.query_all_raw(q.build()).await? {
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
    if !quarters.is_empty() {
        let mut q = Sql::new(backend);
        q.push("SELECT l.id AS lid, l.pairing_id AS pid, c.indicator AS i, qs.q AS q");
        q.push(" FROM responsibility_letters l JOIN commitments c ON c.letter_id = l.id JOIN (");
        for (n, quarter) in quarters.iter().enumerate() {
            if n > 0 {
                q.push(" UNION ALL ");
            }
            q.push("SELECT CAST(")
                .bind(*quarter)
                .push(" AS INTEGER) AS q");
        }
        q.push(") qs ON 1 = 1 WHERE l.year = ").bind(year);
        q.push(" AND l.status = ")
            .bind(LetterStatus::Signed.as_str());
        q.push(" AND c.indicator NOT IN ")
            .push_enum_list(&derived_indicators());
        q.push(
            " AND NOT EXISTS (SELECT 1 FROM progress_reports r WHERE r.pairing_id = l.pairing_id",
        );
        q.push(" AND r.indicator = c.indicator AND r.year = l.year AND r.quarter = qs.q)");
        for row in db.query_all_raw(q.build()).await? {
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

    // 4. Listed-supervision counties without a dispatch or without a transfer in the year.
    let mut q = Sql::new(backend);
    q.push("SELECT c.id AS id, ");
    q.push("CASE WHEN EXISTS (SELECT 1 FROM personnel_dispatches d JOIN regions rr ON rr.id = d.recipient_id");
    q.push(" WHERE d.year = ").bind(year);
    q.push(" AND rr.code LIKE c.code || '%') THEN 1 ELSE 0 END AS has_dispatch, ");
    q.push("CASE WHEN EXISTS (SELECT 1 FROM fund_transfers t JOIN regions rr ON rr.id = t.recipient_id");
    q.push(" WHERE t.year = ").bind(year);
    q.push(" AND t.status IN ").push_enum_list(COUNTED);
    q.push(" AND rr.code LIKE c.code || '%') THEN 1 ELSE 0 END AS has_transfer");
    q.push(" FROM regions c WHERE c.is_listed = ").bind(true);
    q.push(" AND c.level = ").bind(RegionLevel::County.as_str());
    for row in db.query_all_raw(q.build()).await? {
        let id: i64 = get(&row, "id")?;
        let has_dispatch: i32 = get(&row, "has_dispatch")?;
        let has_transfer: i32 = get(&row, "has_transfer")?;
        for (has, kind) in [
            (has_dispatch, FindingKind::ListedCountyWithoutDispatch),
            (has_transfer, FindingKind::ListedCountyWithoutTransfer),
        ] {
            if has == 0 {
                let mut f = Finding::new(kind, Subject::Region(id));
                f.region_id = Some(id);
                out.push(f);
            }
        }
    }

    // 5. Actual events dated after the as-of date.
    let mut q = Sql::new(backend);
    q.push("SELECT t.id AS id, t.pairing_id AS pid, t.recipient_id AS rid, ");
    q.push("t.allocated_on AS a, t.received_on AS b FROM fund_transfers t WHERE t.year = ")
        .bind(year);
    q.push(" AND (t.allocated_on > ").bind(as_of);
    q.push(" OR t.received_on > ").bind(as_of).push(")");
    for row in db.query_all_raw(q.build()).await? {
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
    let mut q = Sql::new(backend);
    q.push("SELECT d.id AS id, d.pairing_id AS pid, d.recipient_id AS rid, ");
    q.push("d.arrived_on AS a, d.returned_on AS b FROM personnel_dispatches d WHERE d.year = ")
        .bind(year);
    q.push(" AND (d.arrived_on > ").bind(as_of);
    q.push(" OR d.returned_on > ").bind(as_of).push(")");
    for row in db.query_all_raw(q.build()).await? {
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
    let mut q = Sql::new(backend);
    q.push("SELECT r.id AS id, r.pairing_id AS pid, r.indicator AS i, r.quarter AS q, r.verified_at AS v");
    q.push(" FROM progress_reports r WHERE r.year = ")
        .bind(year);
    q.push(" AND r.verified_at >= ").bind(limit);
    for row in db.query_all_raw(q.build()).await? {
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

    out.sort();
    Ok(out)
}
