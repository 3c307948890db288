//! Assistance received by regions: funds and people in post.
use super::service::{COUNTED, code_prefix_pattern, date};
use super::sql::{Sql, get, get_enum_opt};
use crate::db::Db;
use crate::error::AppResult;
use entity::enums::{FundCategory, PersonnelCategory, Program, RegionLevel, TransferStatus};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

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
