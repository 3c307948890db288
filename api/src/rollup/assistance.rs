//! Assistance received by regions: funds and people in post.
use super::service::{COUNTED, code_prefix_pattern, date};
use super::sql::{
    bigint, col, count_all, enum_lit, enum_lits, get, get_enum_opt, lit, statement, sum, union_all,
    when,
};
use crate::db::Db;
use crate::error::AppResult;
use entity::enums::{FundCategory, PersonnelCategory, Program, RegionLevel, TransferStatus};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
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
    /// Spent (expenditures recorded) from the year's counted transfers.
    pub spent_fen: i64,
    pub in_post: Vec<InPost>,
    pub in_post_total: i64,
}

/// A region code's LIKE pattern: written in when it holds only digits and `%` (as stored codes
/// do), bound otherwise.
fn code_pattern(pattern: &str) -> Expr {
    if !pattern.is_empty() && pattern.bytes().all(|b| b.is_ascii_digit() || b == b'%') {
        lit(pattern)
    } else {
        Expr::val(pattern)
    }
}

/// `(SELECT CAST(7 AS BIGINT) AS sid, CAST('1501%' AS TEXT) AS pat UNION ALL …)`, or `None`
/// without scopes. Ids and code patterns are written in (see `sql`): bound, the pattern made
/// PostgreSQL plan these joins afresh on every execution, which cost as much as running them.
fn scopes_table(scopes: &[RegionScope]) -> Option<SelectStatement> {
    union_all(scopes.iter().map(|s| {
        Query::select()
            .expr_as(bigint(lit(s.id)), "sid")
            .expr_as(code_pattern(&s.pattern).cast_as("TEXT"), "pat")
            .take()
    }))
}

/// Funds (by program, category and helper, and in total), funded projects and people in post
/// for a batch of regions and one year, and (`with_spent`) what was spent of those funds: four
/// statements, five with `spent`, whatever the number of regions.
pub async fn assistance(
    db: &Db,
    scopes: &[RegionScope],
    year: i32,
    with_spent: bool,
) -> AppResult<HashMap<i64, Assistance>> {
    let mut out: HashMap<i64, Assistance> = scopes
        .iter()
        .map(|s| (s.id, Assistance::default()))
        .collect();
    let Some(table) = scopes_table(scopes) else {
        return Ok(out);
    };
    // Every region `s` with the regions `rr` within it.
    let from_regions = |q: &mut SelectStatement| {
        q.from_subquery(table.clone(), "s").join_as(
            JoinType::Join,
            "regions",
            "rr",
            col("rr", "code").binary(BinOper::Like, col("s", "pat")),
        );
    };

    // Counted transfers of the year to the regions: received, and allocated (all of them).
    let received = || col("t", "status").eq(enum_lit(&TransferStatus::Received));
    let sums = |q: &mut SelectStatement| {
        // What the recipient confirmed it received: less than the amount after a partial receipt.
        let received_fen = Expr::from(sea_orm::sea_query::Func::coalesce([
            col("t", "received_amount_fen"),
            col("t", "amount_fen"),
        ]));
        q.expr_as(sum(when(received(), received_fen)), "rtotal")
            .expr_as(sum(when(received(), lit(1))), "rn")
            .expr_as(sum(col("t", "amount_fen")), "atotal")
            .expr_as(count_all(), "an");
    };
    // What the two transfer statements share; each adds its columns and groups.
    let mut transfers = Query::select();
    transfers.expr_as(col("s", "sid"), "sid");
    from_regions(&mut transfers);
    transfers
        .join_as(
            JoinType::Join,
            "fund_transfers",
            "t",
            col("t", "recipient_id").eq(col("rr", "id")),
        )
        .join_as(
            JoinType::Join,
            "pairing_agreements",
            "p",
            col("p", "id").eq(col("t", "pairing_id")),
        )
        .and_where(col("t", "year").eq(lit(year)))
        .and_where(col("t", "status").is_in(enum_lits(COUNTED)));

    let keys = [
        col("s", "sid"),
        col("p", "program"),
        col("t", "category"),
        col("t", "helper_id"),
    ];
    let mut q = transfers.clone();
    q.expr_as(col("p", "program"), "prog")
        .expr_as(col("t", "category"), "c")
        .expr_as(col("t", "helper_id"), "h");
    sums(&mut q);
    q.add_group_by(keys.clone());
    for k in keys {
        q.order_by_expr(k, Order::Asc);
    }
    for row in db.query_all_raw(statement(db, &q)).await? {
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

    // Spent of the counted transfers: their expenditures, summed per region.
    if with_spent {
        let mut q = transfers.clone();
        q.join_as(
            JoinType::Join,
            "expenditures",
            "e",
            col("e", "fund_transfer_id").eq(col("t", "id")),
        )
        .expr_as(sum(col("e", "amount_fen")), "spent")
        .add_group_by([col("s", "sid")]);
        for row in db.query_all_raw(statement(db, &q)).await? {
            let sid: i64 = get(&row, "sid")?;
            if let Some(a) = out.get_mut(&sid) {
                a.spent_fen = get(&row, "spent")?;
            }
        }
    }

    let mut q = transfers;
    sums(&mut q);
    q.expr_as(col("t", "project_id").count_distinct(), "projects")
        .expr_as(
            sum(when(
                col("t", "project_id").is_not_null(),
                col("t", "amount_fen"),
            )),
            "pfunds",
        )
        .add_group_by([col("s", "sid")]);
    for row in db.query_all_raw(statement(db, &q)).await? {
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
    let (first_day, last_day) = (date(year, 1, 1)?, date(year, 12, 31)?);
    // What the two in-post statements share.
    let mut in_post = Query::select();
    in_post.expr_as(col("s", "sid"), "sid");
    from_regions(&mut in_post);
    in_post
        .join_as(
            JoinType::Join,
            "personnel_dispatches",
            "d",
            col("d", "recipient_id").eq(col("rr", "id")),
        )
        .and_where(col("d", "arrived_on").is_not_null())
        .and_where(col("d", "arrived_on").lte(lit(last_day)))
        .and_where(
            col("d", "returned_on")
                .is_null()
                .or(col("d", "returned_on").gte(lit(first_day))),
        );

    let keys = [col("s", "sid"), col("d", "category"), col("d", "helper_id")];
    let mut q = in_post.clone();
    q.expr_as(col("d", "category"), "c")
        .expr_as(col("d", "helper_id"), "h")
        .expr_as(count_all(), "n")
        .add_group_by(keys.clone());
    for k in keys {
        q.order_by_expr(k, Order::Asc);
    }
    for row in db.query_all_raw(statement(db, &q)).await? {
        let sid: i64 = get(&row, "sid")?;
        if let Some(a) = out.get_mut(&sid) {
            a.in_post.push(InPost {
                category: get_enum_opt(&row, "c")?,
                helper_id: get(&row, "h")?,
                count: get(&row, "n")?,
            });
        }
    }
    let mut q = in_post;
    q.expr_as(count_all(), "n").add_group_by([col("s", "sid")]);
    for row in db.query_all_raw(statement(db, &q)).await? {
        let sid: i64 = get(&row, "sid")?;
        if let Some(a) = out.get_mut(&sid) {
            a.in_post_total = get(&row, "n")?;
        }
    }
    Ok(out)
}
