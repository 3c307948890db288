//! Every aggregate of the platform, computed in SQL on integers (fen and counts).
//!
//! Each function runs a fixed number of statements whatever the number of groups, and uses only
//! SQL that SQLite and PostgreSQL evaluate alike: sums are cast to BIGINT (PostgreSQL's SUM of a
//! bigint is NUMERIC), and calendar edges are literal dates computed here rather than date
//! functions of either database.
use super::sql::{AggregateRow, AggregateRows, Sql, get, get_enum, get_enum_opt};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use entity::enums::{
    FundCategory, Indicator, LetterStatus, PersonnelCategory, Program, RegionLevel, TransferStatus,
};
use sea_orm::ConnectionTrait;
use std::collections::{BTreeMap, HashMap};

/// Transfer statuses that count as delivered: the money reached at least ALLOCATED.
pub const COUNTED: &[TransferStatus] = &[TransferStatus::Allocated, TransferStatus::Received];

/// The indicator a fund category counts toward.
pub fn indicator_of_fund(c: FundCategory) -> Indicator {
    match c {
        FundCategory::FiscalAid => Indicator::FiscalAidFunds,
        FundCategory::SocialAid => Indicator::SocialAidFunds,
        FundCategory::DirectInvestment => Indicator::DirectInvestment,
        FundCategory::AttractedInvestment => Indicator::AttractedFunds,
    }
}

/// The indicator a personnel category counts toward.
pub fn indicator_of_personnel(c: PersonnelCategory) -> Indicator {
    match c {
        PersonnelCategory::PartyGovernmentCadre => Indicator::CadresDispatched,
        PersonnelCategory::ProfessionalTechnician => Indicator::TechniciansDispatched,
    }
}

/// Indicators derived from transfers or dispatches: progress reports never count toward them.
fn derived_indicators() -> Vec<Indicator> {
    use sea_orm::Iterable;
    Indicator::iter()
        .filter(|i| i.fund_category().is_some() || i.personnel_category().is_some())
        .collect()
}

fn date(y: i32, m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::bad_input("year", "the year is out of range"))
}

pub fn check_year(field: &str, year: i32) -> AppResult<()> {
    if (1990..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::bad_input(field, "a year between 1990 and 2100"))
    }
}

// ---------------------------------------------------------------------------------------------
// Indicator rollups: targets of signed letters against what the records show.

/// What a rollup groups by. Every group is reached through the pairing of the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Pairing,
    Helper,
    RecipientProvince,
    Program,
}

impl Scope {
    fn key_sql(self) -> &'static str {
        match self {
            Scope::Pairing => "p.id",
            Scope::Helper => "p.helper_id",
            Scope::RecipientProvince => "r.province_id",
            Scope::Program => "p.program",
        }
    }
    fn joins(self) -> &'static str {
        match self {
            Scope::RecipientProvince => " JOIN regions r ON r.id = p.recipient_id",
            _ => "",
        }
    }
}

/// The key of one rollup group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKey {
    Id(i64),
    Program(Program),
}

/// One indicator's figures in one group and year. Amounts are in the indicator's smallest step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Sum of the targets of signed letters; `None` when no signed letter commits to it.
    pub target: Option<i64>,
    /// Signed letters committing to it.
    pub letters: i64,
    /// Achievement over every counted record.
    pub achieved: i64,
    pub counted: i64,
    /// Achievement over verified records only (equal to the above for transfers and dispatches).
    pub verified_achieved: i64,
    pub verified_counted: i64,
}

pub type Rollup = BTreeMap<(GroupKey, i32, Indicator), Figures>;

fn read_key(scope: Scope, row: &AggregateRow<'_>) -> AppResult<Option<GroupKey>> {
    Ok(match scope {
        Scope::Program => row.get::<Option<Program>>("k")?.map(GroupKey::Program),
        _ => row.get::<Option<i64>>("k")?.map(GroupKey::Id),
    })
}

/// `FROM <table> x JOIN pairings p … WHERE x.year IN (…) [AND key IN (…)] [AND p.program = ?]`
fn scoped_from(
    q: &mut Sql,
    table: &str,
    year_col: &str,
    scope: Scope,
    years: &[i32],
    ids: Option<&[i64]>,
    program: Option<Program>,
) {
    q.push(" FROM ").push(table);
    q.push(" x JOIN pairing_agreements p ON p.id = x.pairing_id");
    q.push(scope.joins());
    q.push(" WHERE x.").push(year_col);
    q.in_ints(years.iter().map(|y| i64::from(*y)));
    if let Some(ids) = ids {
        q.push(" AND ").push(scope.key_sql());
        q.in_ints(ids.iter().copied());
    }
    if let Some(p) = program {
        q.push(" AND p.program = ").push_enum(&p);
    }
}

/// Targets and achievements per group, year and indicator, in one statement whatever the number
/// of groups: the four aggregates (targets, transfers, dispatches, progress reports) are joined
/// with UNION ALL and told apart by `src`, so a rollup costs one round trip, not four.
pub async fn rollup(
    db: &Db,
    scope: Scope,
    years: &[i32],
    ids: Option<&[i64]>,
    program: Option<Program>,
) -> AppResult<Rollup> {
    const TARGETS: i64 = 1;
    const TRANSFERS: i64 = 2;
    const DISPATCHES: i64 = 3;
    const REPORTS: i64 = 4;
    let backend = db.get_database_backend();
    let key = scope.key_sql();
    let mut q = Sql::new(backend);

    // Targets of the signed letters.
    q.push("SELECT CAST(")
        .push_int(TARGETS)
        .push(" AS BIGINT) AS src, ")
        .push(key)
        .push(" AS k, l.year AS y, c.indicator AS i, ");
    q.push("CAST(SUM(c.target) AS BIGINT) AS total, COUNT(*) AS n, ");
    q.push("CAST(NULL AS BIGINT) AS vtotal, CAST(NULL AS BIGINT) AS vn FROM commitments c");
    q.push(" JOIN responsibility_letters l ON l.id = c.letter_id");
    q.push(" JOIN pairing_agreements p ON p.id = l.pairing_id");
    q.push(scope.joins());
    q.push(" WHERE l.status = ")
        .push_enum(&LetterStatus::Signed);
    q.push(" AND l.year")
        .in_ints(years.iter().map(|y| i64::from(*y)));
    if let Some(ids) = ids {
        q.push(" AND ").push(key).in_ints(ids.iter().copied());
    }
    if let Some(p) = program {
        q.push(" AND p.program = ").push_enum(&p);
    }
    q.push(" GROUP BY ").push(key).push(", l.year, c.indicator");

    // Transfers that reached at least ALLOCATED, by category.
    q.push(" UNION ALL SELECT CAST(")
        .push_int(TRANSFERS)
        .push(" AS BIGINT), ")
        .push(key)
        .push(", x.year, x.category, ");
    q.push("CAST(SUM(x.amount_fen) AS BIGINT), COUNT(*), NULL, NULL");
    scoped_from(&mut q, "fund_transfers", "year", scope, years, ids, program);
    q.push(" AND x.status IN ").push_enum_list(COUNTED);
    q.push(" GROUP BY ").push(key).push(", x.year, x.category");

    // People dispatched in the year, by category.
    q.push(" UNION ALL SELECT CAST(")
        .push_int(DISPATCHES)
        .push(" AS BIGINT), ")
        .push(key)
        .push(", x.year, x.category, COUNT(*), COUNT(*), NULL, NULL");
    scoped_from(
        &mut q,
        "personnel_dispatches",
        "year",
        scope,
        years,
        ids,
        program,
    );
    q.push(" GROUP BY ").push(key).push(", x.year, x.category");

    // Progress reports, all and verified only, for the indicators not derived from the above.
    q.push(" UNION ALL SELECT CAST(")
        .push_int(REPORTS)
        .push(" AS BIGINT), ")
        .push(key)
        .push(", x.year, x.indicator, ");
    q.push("CAST(SUM(x.value) AS BIGINT), COUNT(*), ");
    q.push("CAST(SUM(CASE WHEN x.verified_at IS NOT NULL THEN x.value ELSE 0 END) AS BIGINT), ");
    q.push("CAST(SUM(CASE WHEN x.verified_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)");
    scoped_from(
        &mut q,
        "progress_reports",
        "year",
        scope,
        years,
        ids,
        program,
    );
    q.push(" AND x.indicator NOT IN ")
        .push_enum_list(&derived_indicators());
    q.push(" GROUP BY ").push(key).push(", x.year, x.indicator");

    let mut out: Rollup = BTreeMap::new();
    let rows = AggregateRows::new(db.query_all_raw(q.build()).await?);
    for row in rows.iter() {
        let Some(k) = read_key(scope, &row)? else {
            continue;
        };
        let src: i64 = row.get("src")?;
        let indicator = match src {
            TRANSFERS => indicator_of_fund(row.get("i")?),
            DISPATCHES => indicator_of_personnel(row.get("i")?),
            _ => row.get("i")?,
        };
        let f = out.entry((k, row.get("y")?, indicator)).or_default();
        let (total, n): (i64, i64) = (row.get("total")?, row.get("n")?);
        if src == TARGETS {
            f.target = Some(total);
            f.letters = n;
        } else {
            // Transfers and dispatches count as verified as they stand.
            let verified = (
                row.get::<Option<i64>>("vtotal")?.unwrap_or(total),
                row.get::<Option<i64>>("vn")?.unwrap_or(n),
            );
            (f.achieved, f.counted) = (total, n);
            (f.verified_achieved, f.verified_counted) = verified;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Fund flows.

/// A dimension transfers can be grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowDim {
    Year,
    Quarter,
    Category,
    Status,
    Helper,
    RecipientProvince,
    RecipientCounty,
    Program,
}

impl FlowDim {
    fn sql(self) -> &'static str {
        match self {
            FlowDim::Year => "t.year",
            // Calendar quarter of the allocation date: month from the ISO text of the date (the
            // same text on both databases), then (month + 2) / 3 in integer arithmetic.
            FlowDim::Quarter => {
                "CASE WHEN t.allocated_on IS NULL THEN NULL ELSE \
                 (CAST(SUBSTR(CAST(t.allocated_on AS TEXT), 6, 2) AS INTEGER) + 2) / 3 END"
            }
            FlowDim::Category => "t.category",
            FlowDim::Status => "t.status",
            FlowDim::Helper => "t.helper_id",
            FlowDim::RecipientProvince => "t.recipient_province_id",
            FlowDim::RecipientCounty => "t.recipient_id",
            FlowDim::Program => "p.program",
        }
    }
}

/// Which transfers a fund-flow aggregate covers.
#[derive(Clone, Debug, Default)]
pub struct FlowFilter {
    pub years: Option<Vec<i32>>,
    pub from_year: Option<i32>,
    pub to_year: Option<i32>,
    pub program: Option<Program>,
    pub categories: Option<Vec<FundCategory>>,
    /// `None`: ALLOCATED and RECEIVED.
    pub statuses: Option<Vec<TransferStatus>>,
    pub helper_code: Option<String>,
    pub province_code: Option<String>,
    /// The recipient is this region or lies within it.
    pub recipient_code: Option<String>,
}

/// One group of a fund-flow aggregate; keys not grouped by are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlowGroup {
    pub year: Option<i32>,
    pub quarter: Option<i32>,
    pub category: Option<FundCategory>,
    pub status: Option<TransferStatus>,
    pub helper_id: Option<i64>,
    pub recipient_province_id: Option<i64>,
    pub recipient_id: Option<i64>,
    pub program: Option<Program>,
    pub amount_fen: i64,
    pub count: i64,
}

/// The LIKE pattern of a region code and everything below it (see `region_code`); an invalid
/// code (callers check codes first) matches no region.
pub fn code_prefix_pattern(code: &str) -> String {
    crate::region_code::within_pattern(code).unwrap_or_default()
}

/// Sums and counts of transfers per group: one statement.
pub async fn fund_flows(db: &Db, f: &FlowFilter, dims: &[FlowDim]) -> AppResult<Vec<FlowGroup>> {
    let mut q = Sql::new(db.get_database_backend());
    q.push("SELECT ");
    for (n, d) in dims.iter().enumerate() {
        q.push(d.sql()).push(&format!(" AS d{n}, "));
    }
    q.push("CAST(SUM(t.amount_fen) AS BIGINT) AS total, COUNT(*) AS n");
    q.push(" FROM fund_transfers t JOIN pairing_agreements p ON p.id = t.pairing_id WHERE 1 = 1");
    if let Some(ys) = &f.years {
        q.push(" AND t.year")
            .in_ints(ys.iter().map(|y| i64::from(*y)));
    }
    if let Some(y) = f.from_year {
        q.push(" AND t.year >= ").bind(y);
    }
    if let Some(y) = f.to_year {
        q.push(" AND t.year <= ").bind(y);
    }
    if let Some(p) = f.program {
        q.push(" AND p.program = ").bind(p.as_str());
    }
    if let Some(cs) = &f.categories {
        q.push(" AND t.category IN ")
            .bind_list(cs.iter().map(|c| c.as_str()));
    }
    match &f.statuses {
        Some(ss) => {
            q.push(" AND t.status IN ")
                .bind_list(ss.iter().map(|s| s.as_str()));
        }
        None => {
            q.push(" AND t.status IN ").push_enum_list(COUNTED);
        }
    }
    if let Some(code) = &f.helper_code {
        q.push(" AND t.helper_id IN (SELECT id FROM organizations WHERE code = ")
            .bind(code.as_str())
            .push(")");
    }
    if let Some(code) = &f.province_code {
        q.push(" AND t.recipient_province_id IN (SELECT id FROM regions WHERE code = ")
            .bind(code.as_str())
            .push(")");
    }
    if let Some(code) = &f.recipient_code {
        q.push(" AND t.recipient_id IN (SELECT id FROM regions WHERE code LIKE ")
            .bind(code_prefix_pattern(code))
            .push(")");
    }
    if !dims.is_empty() {
        q.push(" GROUP BY ");
        for (n, d) in dims.iter().enumerate() {
            if n > 0 {
                q.push(", ");
            }
            q.push(d.sql());
        }
    }
    let rows = db.query_all_raw(q.build()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut g = FlowGroup {
            amount_fen: get::<Option<i64>>(&row, "total")?.unwrap_or(0),
            count: get(&row, "n")?,
            ..FlowGroup::default()
        };
        for (n, d) in dims.iter().enumerate() {
            let col = format!("d{n}");
            match d {
                FlowDim::Year => g.year = get(&row, &col)?,
                FlowDim::Quarter => g.quarter = get::<Option<i32>>(&row, &col)?,
                FlowDim::Category => g.category = get_enum_opt(&row, &col)?,
                FlowDim::Status => g.status = get_enum_opt(&row, &col)?,
                FlowDim::Helper => g.helper_id = get(&row, &col)?,
                FlowDim::RecipientProvince => g.recipient_province_id = get(&row, &col)?,
                FlowDim::RecipientCounty => g.recipient_id = get(&row, &col)?,
                FlowDim::Program => g.program = get_enum_opt(&row, &col)?,
            }
        }
        out.push(g);
    }
    // Sorted here so that both databases give one order (they place NULLs differently).
    out.sort();
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// First-quarter allocation.

/// One helper's committed funds for a year against what it allocated by 31 March.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstQuarter {
    pub helper_id: i64,
    pub committed_fen: i64,
    pub allocated_by_march_fen: i64,
    pub transfers_by_march: i64,
    pub allocated_in_year_fen: i64,
}

/// Per helper: fund-indicator targets of its signed letters of the year, and transfers of that
/// year that reached ALLOCATED, split by whether they were allocated on or before 31 March.
/// One statement.
pub async fn first_quarter(
    db: &Db,
    year: i32,
    program: Option<Program>,
) -> AppResult<Vec<FirstQuarter>> {
    let march31 = date(year, 3, 31)?;
    let fund_indicators: Vec<Indicator> = {
        use sea_orm::Iterable;
        Indicator::iter()
            .filter(|i| i.fund_category().is_some())
            .collect()
    };
    let mut q = Sql::new(db.get_database_backend());
    q.push("SELECT x.helper_id AS h, CAST(SUM(x.committed) AS BIGINT) AS committed, ");
    q.push("CAST(SUM(x.q1) AS BIGINT) AS q1, CAST(SUM(x.q1n) AS BIGINT) AS q1n, ");
    q.push("CAST(SUM(x.total) AS BIGINT) AS total FROM (");
    q.push("SELECT p.helper_id AS helper_id, c.target AS committed, 0 AS q1, 0 AS q1n, 0 AS total");
    q.push(" FROM commitments c JOIN responsibility_letters l ON l.id = c.letter_id");
    q.push(" JOIN pairing_agreements p ON p.id = l.pairing_id");
    q.push(" WHERE l.year = ").bind(year);
    q.push(" AND l.status = ")
        .bind(LetterStatus::Signed.as_str());
    q.push(" AND c.indicator IN ")
        .push_enum_list(&fund_indicators);
    if let Some(p) = program {
        q.push(" AND p.program = ").bind(p.as_str());
    }
    q.push(" UNION ALL SELECT t.helper_id, 0, ");
    q.push("CASE WHEN t.allocated_on <= ")
        .bind(march31)
        .push(" THEN t.amount_fen ELSE 0 END, ");
    q.push("CASE WHEN t.allocated_on <= ")
        .bind(march31)
        .push(" THEN 1 ELSE 0 END, t.amount_fen");
    q.push(" FROM fund_transfers t JOIN pairing_agreements p ON p.id = t.pairing_id");
    q.push(" WHERE t.year = ").bind(year);
    q.push(" AND t.status IN ").push_enum_list(COUNTED);
    if let Some(p) = program {
        q.push(" AND p.program = ").bind(p.as_str());
    }
    q.push(") x JOIN organizations o ON o.id = x.helper_id");
    q.push(" GROUP BY x.helper_id, o.code ORDER BY o.code");
    let mut out = Vec::new();
    for row in db.query_all_raw(q.build()).await? {
        out.push(FirstQuarter {
            helper_id: get(&row, "h")?,
            committed_fen: get(&row, "committed")?,
            allocated_by_march_fen: get(&row, "q1")?,
            transfers_by_march: get(&row, "q1n")?,
            allocated_in_year_fen: get(&row, "total")?,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Assistance received by regions.

/// One region of a batch: its id and the LIKE pattern of its code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RegionScope {
    pub id: i64,
    pub pattern: String,
}

impl RegionScope {
    pub fn of(m: &entity::region::Model) -> Self {
        let pattern = if m.level == RegionLevel::Province || m.level == RegionLevel::Prefecture {
            code_prefix_pattern(&m.code)
        } else {
            // A county's townships and villages have longer codes that start with its own.
            format!("{}%", m.code)
        };
        RegionScope { id: m.id, pattern }
    }
}

/// Funds of one program, category and helper that reached a region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FundsReceived {
    pub program: Option<Program>,
    pub category: Option<FundCategory>,
    pub helper_id: i64,
    pub received_fen: i64,
    pub received_count: i64,
    pub allocated_fen: i64,
    pub allocated_count: i64,
}

/// People of one category and helper in post in a region during the year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InPost {
    pub category: Option<PersonnelCategory>,
    pub helper_id: i64,
    pub count: i64,
}

/// Everything a region received in a year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assistance {
    pub funds: Vec<FundsReceived>,
    pub received_fen: i64,
    pub received_count: i64,
    pub allocated_fen: i64,
    pub allocated_count: i64,
    pub projects_funded: i64,
    pub project_funds_fen: i64,
    pub in_post: Vec<InPost>,
    pub in_post_total: i64,
}

/// `(SELECT CAST(7 AS BIGINT) AS sid, CAST('1501%' AS TEXT) AS pat UNION ALL …) s`. Ids and
/// code patterns are written in (see `Sql::in_ints`): bound, the pattern made PostgreSQL plan
/// these joins afresh on every execution, which cost as much as running them.
fn scopes_table(q: &mut Sql, scopes: &[RegionScope]) {
    q.push("(");
    for (n, s) in scopes.iter().enumerate() {
        if n > 0 {
            q.push(" UNION ALL ");
        }
        q.push("SELECT CAST(")
            .push_int(s.id)
            .push(" AS BIGINT) AS sid, CAST(");
        q.push_code_pattern(&s.pattern).push(" AS TEXT) AS pat");
    }
    q.push(") s JOIN regions rr ON rr.code LIKE s.pat");
}

/// Funds (by program, category and helper, and in total), funded projects and people in post
/// for a batch of regions and one year: four statements whatever the number of regions.
pub async fn assistance(
    db: &Db,
    scopes: &[RegionScope],
    year: i32,
) -> AppResult<HashMap<i64, Assistance>> {
    let mut out: HashMap<i64, Assistance> = scopes
        .iter()
        .map(|s| (s.id, Assistance::default()))
        .collect();
    if scopes.is_empty() {
        return Ok(out);
    }
    let backend = db.get_database_backend();
    let received = TransferStatus::Received.as_str();

    let sums = |q: &mut Sql| {
        q.push("CAST(SUM(CASE WHEN t.status = '")
            .push(received)
            .push("' THEN t.amount_fen ELSE 0 END) AS BIGINT) AS rtotal, ");
        q.push("CAST(SUM(CASE WHEN t.status = '")
            .push(received)
            .push("' THEN 1 ELSE 0 END) AS BIGINT) AS rn, ");
        q.push("CAST(SUM(t.amount_fen) AS BIGINT) AS atotal, COUNT(*) AS an");
    };
    let transfers = |q: &mut Sql| {
        q.push(" FROM ");
        scopes_table(q, scopes);
        q.push(" JOIN fund_transfers t ON t.recipient_id = rr.id");
        q.push(" JOIN pairing_agreements p ON p.id = t.pairing_id");
        q.push(" WHERE t.year = ").push_int(year.into());
        q.push(" AND t.status IN ").push_enum_list(COUNTED);
    };

    let mut q = Sql::new(backend);
    q.push("SELECT s.sid AS sid, p.program AS prog, t.category AS c, t.helper_id AS h, ");
    sums(&mut q);
    transfers(&mut q);
    q.push(" GROUP BY s.sid, p.program, t.category, t.helper_id");
    q.push(" ORDER BY s.sid, p.program, t.category, t.helper_id");
    for row in db.query_all_raw(q.build()).await? {
        let sid: i64 = get(&row, "sid")?;
        if let Some(a) = out.get_mut(&sid) {
            a.funds.push(FundsReceived {
                program: get_enum_opt(&row, "prog")?,
                category: get_enum_opt(&row, "c")?,
                helper_id: get(&row, "h")?,
                received_fen: get(&row, "rtotal")?,
                received_count: get(&row, "rn")?,
                allocated_fen: get(&row, "atotal")?,
                allocated_count: get(&row, "an")?,
            });
        }
    }

    let mut q = Sql::new(backend);
    q.push("SELECT s.sid AS sid, ");
    sums(&mut q);
    q.push(", COUNT(DISTINCT t.project_id) AS projects, ");
    q.push("CAST(SUM(CASE WHEN t.project_id IS NOT NULL THEN t.amount_fen ELSE 0 END) AS BIGINT) AS pfunds");
    transfers(&mut q);
    q.push(" GROUP BY s.sid");
    for row in db.query_all_raw(q.build()).await? {
        let sid: i64 = get(&row, "sid")?;
        if let Some(a) = out.get_mut(&sid) {
            a.received_fen = get(&row, "rtotal")?;
            a.received_count = get(&row, "rn")?;
            a.allocated_fen = get(&row, "atotal")?;
            a.allocated_count = get(&row, "an")?;
            a.projects_funded = get(&row, "projects")?;
            a.project_funds_fen = get(&row, "pfunds")?;
        }
    }

    // In post at some time in the year: arrived by 31 December, not returned before 1 January.
    let (first, last) = (date(year, 1, 1)?, date(year, 12, 31)?);
    let in_post = |q: &mut Sql| {
        q.push(" FROM ");
        scopes_table(q, scopes);
        q.push(" JOIN personnel_dispatches d ON d.recipient_id = rr.id");
        q.push(" WHERE d.arrived_on IS NOT NULL AND d.arrived_on <= ")
            .push_date(last);
        q.push(" AND (d.returned_on IS NULL OR d.returned_on >= ")
            .push_date(first)
            .push(")");
    };
    let mut q = Sql::new(backend);
    q.push("SELECT s.sid AS sid, d.category AS c, d.helper_id AS h, COUNT(*) AS n");
    in_post(&mut q);
    q.push(" GROUP BY s.sid, d.category, d.helper_id ORDER BY s.sid, d.category, d.helper_id");
    for row in db.query_all_raw(q.build()).await? {
        let sid: i64 = get(&row, "sid")?;
        if let Some(a) = out.get_mut(&sid) {
            a.in_post.push(InPost {
                category: get_enum_opt(&row, "c")?,
                helper_id: get(&row, "h")?,
                count: get(&row, "n")?,
            });
        }
    }
    let mut q = Sql::new(backend);
    q.push("SELECT s.sid AS sid, COUNT(*) AS n");
    in_post(&mut q);
    q.push(" GROUP BY s.sid");
    for row in db.query_all_raw(q.build()).await? {
        let sid: i64 = get(&row, "sid")?;
        if let Some(a) = out.get_mut(&sid) {
            a.in_post_total = get(&row, "n")?;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Data quality.

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

/// Today in China Standard Time.
pub fn today() -> NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}
