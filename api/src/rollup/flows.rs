//! Fund flows, and the first-quarter allocation of committed funds.
use super::service::{COUNTED, code_prefix_pattern, date};
use super::sql::{
    col, count_all, enum_lits, from_commitments, get, get_enum_opt, ints, lit, statement, sum, when,
};
use crate::db::Db;
use crate::error::AppResult;
use entity::enums::{FundCategory, Indicator, LetterStatus, Program, TransferStatus};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, JoinType, Order, Query, UnionType};

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
    fn expr(self) -> Expr {
        match self {
            FlowDim::Year => col("t", "year"),
            // Calendar quarter of the allocation date: month from the ISO text of the date (the
            // same text on both databases), then (month + 2) / 3 in integer arithmetic.
            FlowDim::Quarter => {
                let allocated = || col("t", "allocated_on");
                let month =
                    Func::cust("SUBSTR").args([allocated().cast_as("TEXT"), lit(6), lit(2)]);
                Expr::case(allocated().is_null(), Expr::null())
                    .finally(Expr::from(month).cast_as("INTEGER").add(lit(2)).div(lit(3)))
                    .into()
            }
            FlowDim::Category => col("t", "category"),
            FlowDim::Status => col("t", "status"),
            FlowDim::Helper => col("t", "helper_id"),
            FlowDim::RecipientProvince => col("t", "recipient_province_id"),
            FlowDim::RecipientCounty => col("t", "recipient_id"),
            FlowDim::Program => col("p", "program"),
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
    let mut q = Query::select();
    for (n, d) in dims.iter().enumerate() {
        q.expr_as(d.expr(), format!("d{n}"));
    }
    q.expr_as(sum(col("t", "amount_fen")), "total")
        .expr_as(count_all(), "n")
        .from_as("fund_transfers", "t")
        .join_as(
            JoinType::Join,
            "pairing_agreements",
            "p",
            col("p", "id").eq(col("t", "pairing_id")),
        );
    if let Some(ys) = &f.years {
        q.and_where(col("t", "year").is_in(ints(ys.iter().map(|y| i64::from(*y)))));
    }
    if let Some(y) = f.from_year {
        q.and_where(col("t", "year").gte(y));
    }
    if let Some(y) = f.to_year {
        q.and_where(col("t", "year").lte(y));
    }
    if let Some(p) = f.program {
        q.and_where(col("p", "program").eq(p.as_str()));
    }
    if let Some(cs) = &f.categories {
        q.and_where(col("t", "category").is_in(cs.iter().map(|c| c.as_str())));
    }
    q.and_where(match &f.statuses {
        Some(ss) => col("t", "status").is_in(ss.iter().map(|s| s.as_str())),
        None => col("t", "status").is_in(enum_lits(COUNTED)),
    });
    // `SELECT id FROM table WHERE cond`: the helper and regions are given by code.
    let ids = |table: &'static str, cond: Expr| {
        Query::select()
            .column("id")
            .from(table)
            .and_where(cond)
            .take()
    };
    if let Some(code) = &f.helper_code {
        q.and_where(
            col("t", "helper_id")
                .in_subquery(ids("organizations", Expr::col("code").eq(code.as_str()))),
        );
    }
    if let Some(code) = &f.province_code {
        q.and_where(
            col("t", "recipient_province_id")
                .in_subquery(ids("regions", Expr::col("code").eq(code.as_str()))),
        );
    }
    if let Some(code) = &f.recipient_code {
        q.and_where(col("t", "recipient_id").in_subquery(ids(
            "regions",
            Expr::col("code").like(code_prefix_pattern(code)),
        )));
    }
    q.add_group_by(dims.iter().map(|d| d.expr()));
    let rows = db.query_all_raw(statement(db, &q)).await?;
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
    // Committed: fund-indicator targets of the signed letters.
    let mut committed = Query::select();
    from_commitments(&mut committed)
        .expr_as(col("p", "helper_id"), "helper_id")
        .expr_as(col("c", "target"), "committed")
        .expr_as(lit(0), "q1")
        .expr_as(lit(0), "q1n")
        .expr_as(lit(0), "total")
        .and_where(col("l", "year").eq(year))
        .and_where(col("l", "status").eq(LetterStatus::Signed.as_str()))
        .and_where(col("c", "indicator").is_in(enum_lits(&fund_indicators)));
    // Allocated: counted transfers, and those of them allocated by 31 March.
    let by_march = || col("t", "allocated_on").lte(march31);
    let mut allocated = Query::select();
    allocated
        .exprs([
            col("t", "helper_id"),
            lit(0),
            when(by_march(), col("t", "amount_fen")),
            when(by_march(), lit(1)),
            col("t", "amount_fen"),
        ])
        .from_as("fund_transfers", "t")
        .join_as(
            JoinType::Join,
            "pairing_agreements",
            "p",
            col("p", "id").eq(col("t", "pairing_id")),
        )
        .and_where(col("t", "year").eq(year))
        .and_where(col("t", "status").is_in(enum_lits(COUNTED)))
        // One basis with `committed`: only pairings with a signed letter of the year.
        .and_where(Expr::exists(
            Query::select()
                .expr(lit(1))
                .from_as("responsibility_letters", "sl")
                .and_where(col("sl", "pairing_id").eq(col("t", "pairing_id")))
                .and_where(col("sl", "year").eq(year))
                .and_where(col("sl", "status").eq(LetterStatus::Signed.as_str()))
                .take(),
        ));
    if let Some(p) = program {
        for part in [&mut committed, &mut allocated] {
            part.and_where(col("p", "program").eq(p.as_str()));
        }
    }
    let both = committed.union(UnionType::All, allocated).take();

    let mut q = Query::select();
    q.expr_as(col("x", "helper_id"), "h")
        .expr_as(sum(col("x", "committed")), "committed")
        .expr_as(sum(col("x", "q1")), "q1")
        .expr_as(sum(col("x", "q1n")), "q1n")
        .expr_as(sum(col("x", "total")), "total")
        .from_subquery(both, "x")
        .join_as(
            JoinType::Join,
            "organizations",
            "o",
            col("o", "id").eq(col("x", "helper_id")),
        )
        .add_group_by([col("x", "helper_id"), col("o", "code")])
        .order_by_expr(col("o", "code"), Order::Asc);
    let mut out = Vec::new();
    for row in db.query_all_raw(statement(db, &q)).await? {
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
