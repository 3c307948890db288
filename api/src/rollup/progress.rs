//! Indicator rollups: targets of signed letters against what the records show.
use super::service::{COUNTED, derived_indicators, indicator_of_fund, indicator_of_personnel};
use super::sql::{AggregateRow, AggregateRows, Sql};
use crate::db::Db;
use crate::error::AppResult;
use entity::enums::{Indicator, LetterStatus, Program};
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;

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
