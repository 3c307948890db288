//! Fund flows, and the first-quarter allocation of committed funds.
use super::service::{COUNTED, code_prefix_pattern, date};
use super::sql::{Sql, get, get_enum_opt};
use crate::db::Db;
use crate::error::AppResult;
use entity::enums::{FundCategory, Indicator, LetterStatus, Program, TransferStatus};
use sea_orm::ConnectionTrait;

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
