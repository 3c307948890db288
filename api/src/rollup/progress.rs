//! Indicator rollups: targets of signed letters against what the records show.
use super::service::{COUNTED, derived_indicators, indicator_of_fund, indicator_of_personnel};
use super::sql::{
    AggregateRow, AggregateRows, bigint, col, count_all, enum_lit, enum_lits, from_commitments,
    get, ints, lit, statement, sum, union_all, when,
};
use crate::db::Db;
use crate::error::AppResult;
use entity::enums::{
    DealKind, DealStatus, Indicator, LetterStatus, OrganizationKind, PlacementStatus, Program,
};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, JoinType, Query, SelectStatement, UnionType};
use std::collections::{BTreeMap, BTreeSet};

/// What a rollup groups by. Every group is reached through the pairing of the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Pairing,
    Helper,
    RecipientProvince,
    Program,
    /// A helper with its subordinate governments (see [`Family`]): the key is the head's id.
    Family,
}

impl Scope {
    /// The group key, reached through the pairing `p`.
    fn key(self) -> Expr {
        match self {
            Scope::Pairing => col("p", "id"),
            Scope::Helper => col("p", "helper_id"),
            Scope::RecipientProvince => col("r", "province_id"),
            Scope::Program => col("p", "program"),
            Scope::Family => col("f", "hid"),
        }
    }

    /// Joins what the key needs beyond the pairing `p` (`families`: the table of
    /// [`families_table`], for `Family`).
    fn join_key(self, q: &mut SelectStatement, families: Option<&SelectStatement>) {
        if self == Scope::RecipientProvince {
            q.join_as(
                JoinType::Join,
                "regions",
                "r",
                col("r", "id").eq(col("p", "recipient_id")),
            );
        }
        if let (Scope::Family, Some(families)) = (self, families) {
            // The pairing's helper `h` and its region `hr`; a row for every head `f` that is
            // the helper or whose region holds the helper's (a government's) region.
            q.join_as(
                JoinType::Join,
                "organizations",
                "h",
                col("h", "id").eq(col("p", "helper_id")),
            )
            .join_as(
                JoinType::LeftJoin,
                "regions",
                "hr",
                col("hr", "id").eq(col("h", "region_id")),
            )
            .join_subquery(
                JoinType::Join,
                families.clone(),
                "f",
                col("f", "hid")
                    .eq(col("p", "helper_id"))
                    .or(col("h", "kind")
                        .is_in(enum_lits(GOVERNMENTS))
                        .and(col("hr", "code").binary(BinOper::Like, col("f", "pat")))),
            );
        }
    }
}

/// The organizations that answer to a head whose region holds theirs.
const GOVERNMENTS: &[OrganizationKind] = &[
    OrganizationKind::ProvincialGovernment,
    OrganizationKind::CityGovernment,
    OrganizationKind::CountyGovernment,
];

/// A helper with its subordinates: the governments whose region lies within the head's region
/// (a province's cities and districts, a city's districts and counties). A head without a region
/// has none.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Family {
    pub head: i64,
    /// The LIKE pattern of the codes within the head's region.
    pub pattern: Option<String>,
}

/// The families of the organizations `heads`, with their regions' patterns: one statement.
pub async fn families(db: &Db, heads: &BTreeSet<i64>) -> AppResult<Vec<Family>> {
    let mut q = Query::select();
    q.expr_as(col("o", "id"), "id")
        .expr_as(col("r", "code"), "code")
        .from_as("organizations", "o")
        .join_as(
            JoinType::LeftJoin,
            "regions",
            "r",
            col("r", "id").eq(col("o", "region_id")),
        )
        .and_where(col("o", "id").is_in(ints(heads.iter().copied())));
    let rows = db.query_all_raw(statement(db, &q)).await?;
    rows.iter()
        .map(|row| {
            let code: Option<String> = get(row, "code")?;
            Ok(Family {
                head: get(row, "id")?,
                pattern: code.and_then(|c| crate::region_code::within_pattern(&c).ok()),
            })
        })
        .collect()
}

/// The families of every helper of a pairing (of `program`, when given): two statements.
pub async fn helper_families(db: &Db, program: Option<Program>) -> AppResult<Vec<Family>> {
    let mut q = Query::select();
    q.distinct()
        .expr_as(col("p", "helper_id"), "id")
        .from_as("pairing_agreements", "p");
    if let Some(p) = program {
        q.and_where(col("p", "program").eq(enum_lit(&p)));
    }
    let rows = db.query_all_raw(statement(db, &q)).await?;
    let heads = rows
        .iter()
        .map(|row| get(row, "id"))
        .collect::<AppResult<BTreeSet<i64>>>()?;
    families(db, &heads).await
}

/// `(SELECT CAST(7 AS BIGINT) AS hid, CAST('31%' AS TEXT) AS pat UNION ALL …)`. Patterns come
/// from `region_code` (digits and `%`), so they are written in like the ids.
fn families_table(families: &[Family]) -> Option<SelectStatement> {
    union_all(families.iter().map(|f| {
        let pat = match &f.pattern {
            Some(p) if p.bytes().all(|b| b.is_ascii_digit() || b == b'%') => lit(p.as_str()),
            _ => Expr::null(),
        };
        Query::select()
            .expr_as(bigint(lit(f.head)), "hid")
            .expr_as(pat.cast_as("TEXT"), "pat")
            .take()
    }))
}

/// Targets and achievements of each family (its head's id) per year and indicator: one
/// statement whatever the number of families, each pairing counted once per family it is in.
/// One basis for both: the pairings with a SIGNED letter of the year (the records of a pairing
/// without one count toward nothing, as its missing letter commits to nothing).
pub async fn family_rollup(
    db: &Db,
    families: &[Family],
    years: &[i32],
    program: Option<Program>,
) -> AppResult<Rollup> {
    let Some(table) = families_table(families) else {
        return Ok(BTreeMap::new());
    };
    rollup_in(db, Scope::Family, Some(&table), years, None, program).await
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

/// The indicators a confirmed deal of `kind` counts toward.
fn indicators_of_deal(kind: DealKind) -> Vec<Indicator> {
    use sea_orm::Iterable;
    Indicator::iter()
        .filter(|i| i.deal_kinds().contains(&kind))
        .collect()
}

fn read_key(scope: Scope, row: &AggregateRow<'_>) -> AppResult<Option<GroupKey>> {
    Ok(match scope {
        Scope::Program => row.get::<Option<Program>>("k")?.map(GroupKey::Program),
        _ => row.get::<Option<i64>>("k")?.map(GroupKey::Id),
    })
}

/// Targets and achievements per group, year and indicator, in one statement whatever the number
/// of groups: the six aggregates (targets, transfers, dispatches, progress reports, confirmed
/// produce deals, confirmed labour placements) are joined with UNION ALL and told apart by `src`,
/// so a rollup costs one round trip, not six.
pub async fn rollup(
    db: &Db,
    scope: Scope,
    years: &[i32],
    ids: Option<&[i64]>,
    program: Option<Program>,
) -> AppResult<Rollup> {
    rollup_in(db, scope, None, years, ids, program).await
}

async fn rollup_in(
    db: &Db,
    scope: Scope,
    families: Option<&SelectStatement>,
    years: &[i32],
    ids: Option<&[i64]>,
    program: Option<Program>,
) -> AppResult<Rollup> {
    if scope == Scope::Family && families.is_none() {
        // A family's key is its head, which only `family_rollup` names.
        return Ok(BTreeMap::new());
    }
    const TARGETS: i64 = 1;
    const TRANSFERS: i64 = 2;
    const DISPATCHES: i64 = 3;
    const REPORTS: i64 = 4;
    const DEALS: i64 = 5;
    const PLACEMENTS: i64 = 6;
    let key = scope.key();
    // What every aggregate keeps: rows of the years, groups and program asked for.
    let scoped = |q: &mut SelectStatement, year: Expr| {
        q.and_where(year.is_in(ints(years.iter().map(|y| i64::from(*y)))));
        if let Some(ids) = ids {
            q.and_where(key.clone().is_in(ints(ids.iter().copied())));
        }
        if let Some(p) = program {
            q.and_where(col("p", "program").eq(enum_lit(&p)));
        }
    };

    // Targets of the signed letters.
    let mut q = Query::select();
    from_commitments(&mut q)
        .expr_as(bigint(lit(TARGETS)), "src")
        .expr_as(key.clone(), "k")
        .expr_as(col("l", "year"), "y")
        .expr_as(col("c", "indicator"), "i")
        .expr_as(sum(col("c", "target")), "total")
        .expr_as(count_all(), "n")
        .expr_as(bigint(Expr::null()), "vtotal")
        .expr_as(bigint(Expr::null()), "vn");
    scope.join_key(&mut q, families);
    q.and_where(col("l", "status").eq(enum_lit(&LetterStatus::Signed)));
    scoped(&mut q, col("l", "year"));
    q.add_group_by([key.clone(), col("l", "year"), col("c", "indicator")]);

    // The records of `table` (`x`) by year and `kind`; `values` are total, n, vtotal and vn.
    let records = |src: i64, table: &'static str, kind: &'static str, values: [Expr; 4]| {
        let mut q = Query::select();
        q.exprs([
            bigint(lit(src)),
            key.clone(),
            col("x", "year"),
            col("x", kind),
        ])
        .exprs(values)
        .from_as(table, "x")
        .join_as(
            JoinType::Join,
            "pairing_agreements",
            "p",
            col("p", "id").eq(col("x", "pairing_id")),
        );
        scope.join_key(&mut q, families);
        scoped(&mut q, col("x", "year"));
        if scope == Scope::Family {
            // One basis with the targets: only pairings with a signed letter of the record's year.
            q.and_where(Expr::exists(
                Query::select()
                    .expr(lit(1))
                    .from_as("responsibility_letters", "sl")
                    .and_where(col("sl", "pairing_id").eq(col("x", "pairing_id")))
                    .and_where(col("sl", "year").eq(col("x", "year")))
                    .and_where(col("sl", "status").eq(enum_lit(&LetterStatus::Signed)))
                    .take(),
            ));
        }
        q.add_group_by([key.clone(), col("x", "year"), col("x", kind)]);
        q
    };
    // Transfers that reached at least ALLOCATED, by category.
    let mut transfers = records(
        TRANSFERS,
        "fund_transfers",
        "category",
        [
            sum(col("x", "amount_fen")),
            count_all(),
            Expr::null(),
            Expr::null(),
        ],
    );
    transfers.and_where(col("x", "status").is_in(enum_lits(COUNTED)));
    // People dispatched in the year, by category.
    let dispatches = records(
        DISPATCHES,
        "personnel_dispatches",
        "category",
        [count_all(), count_all(), Expr::null(), Expr::null()],
    );
    // Progress reports, all and verified only, for the indicators not derived from the above.
    let verified = || col("x", "verified_at").is_not_null();
    let mut reports = records(
        REPORTS,
        "progress_reports",
        "indicator",
        [
            sum(col("x", "value")),
            count_all(),
            sum(when(verified(), col("x", "value"))),
            sum(when(verified(), lit(1))),
        ],
    );
    reports.and_where(col("x", "indicator").is_not_in(enum_lits(&derived_indicators())));
    // Produce deals the origin county confirmed, by kind (each counts toward its produce
    // indicator and toward consumption assistance).
    let mut deals = records(
        DEALS,
        "produce_deals",
        "kind",
        [
            sum(col("x", "amount_fen")),
            count_all(),
            Expr::null(),
            Expr::null(),
        ],
    );
    deals.and_where(col("x", "status").eq(enum_lit(&DealStatus::Confirmed)));
    // Labour placements the origin county confirmed: their people.
    let mut placements = records(
        PLACEMENTS,
        "labor_placements",
        "status",
        [
            sum(col("x", "people")),
            count_all(),
            Expr::null(),
            Expr::null(),
        ],
    );
    placements.and_where(col("x", "status").eq(enum_lit(&PlacementStatus::Confirmed)));
    q.union(UnionType::All, transfers)
        .union(UnionType::All, dispatches)
        .union(UnionType::All, reports)
        .union(UnionType::All, deals)
        .union(UnionType::All, placements);

    let mut out: Rollup = BTreeMap::new();
    let rows = AggregateRows::new(db.query_all_raw(statement(db, &q)).await?);
    for row in rows.iter() {
        let Some(k) = read_key(scope, &row)? else {
            continue;
        };
        let src: i64 = row.get("src")?;
        let indicators = match src {
            TRANSFERS => vec![indicator_of_fund(row.get("i")?)],
            DISPATCHES => vec![indicator_of_personnel(row.get("i")?)],
            DEALS => indicators_of_deal(row.get("i")?),
            PLACEMENTS => vec![Indicator::LaborTransferred],
            _ => vec![row.get("i")?],
        };
        let year: i32 = row.get("y")?;
        let (total, n): (i64, i64) = (row.get("total")?, row.get("n")?);
        // Records count as verified as they stand (confirmed deals and placements were confirmed
        // by the recipient); progress reports carry their verified share.
        let verified = (
            row.get::<Option<i64>>("vtotal")?.unwrap_or(total),
            row.get::<Option<i64>>("vn")?.unwrap_or(n),
        );
        for indicator in indicators {
            let f = out.entry((k, year, indicator)).or_default();
            if src == TARGETS {
                f.target = Some(total);
                f.letters = n;
            } else {
                // Several rows (deals of both kinds) may add to one indicator.
                f.achieved += total;
                f.counted += n;
                f.verified_achieved += verified.0;
                f.verified_counted += verified.1;
            }
        }
    }
    Ok(out)
}
