//! National-scale synthetic data for benchmarks: all real regions, ~1,000 helpers, ~3,000 pairings,
//! ten years of letters, N fund transfers, 100,000 dispatches and 50,000 progress reports.
//! Rows are generated and written in chunks (multi-row inserts in one transaction), never all in memory.
#![allow(clippy::inconsistent_digit_grouping)] // amounts in fen, grouped as yuan_fen
use super::names::{CADRE_POSTS, GIVEN_NAMES, SURNAMES, TECHNICIANS};
use super::reference;
use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::enums::{
    DispatchStatus, FundCategory, Indicator, LetterStatus, OrganizationKind, PairingStatus,
    PersonnelCategory, Program, ProjectStatus, RegionLevel, TransferStatus, Zone,
};
use entity::{
    commitment, fund_transfer, organization, pairing_agreement, personnel_dispatch,
    progress_report, project, region, responsibility_letter,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityName, EntityTrait, Statement,
    TransactionTrait,
};

/// The years the benchmark data covers.
pub const FIRST_YEAR: i32 = 2011;
pub const YEARS: i32 = 10;
const PAIRINGS_PER_HELPER: usize = 3;

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct ScaleOptions {
    pub transfers: usize,
    /// Helper organizations (three tenths of them central units); three pairings each.
    pub helpers: usize,
    pub dispatches: usize,
    pub reports: usize,
}

impl ScaleOptions {
    /// The national scale of the benchmark: 1,000 helpers, 100,000 dispatches, 50,000 reports.
    pub fn national(transfers: usize) -> Self {
        ScaleOptions {
            transfers,
            helpers: 1_000,
            dispatches: 100_000,
            reports: 50_000,
        }
    }
}
/// Rows per INSERT: under both databases' bind-parameter limits for the widest table (21 columns).
const CHUNK: usize = 1_000;

/// What the generator wrote.
#[derive(Debug, Default)]
pub struct ScaleSummary {
    pub regions: usize,
    pub organizations: usize,
    pub pairings: usize,
    pub letters: usize,
    pub commitments: usize,
    pub projects: usize,
    pub transfers: usize,
    pub dispatches: usize,
    pub reports: usize,
}

struct Pair {
    id: i64,
    program: Program,
    helper_id: i64,
    recipient_id: i64,
    province_id: i64,
    project_id: i64,
}

fn stamp(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc()
}

fn day(year: i32, ordinal0: u64) -> NaiveDate {
    NaiveDate::from_yo_opt(year, 1).unwrap_or_default() + Days::new(ordinal0)
}

fn loaded_tables() -> [&'static str; 9] {
    [
        region::Entity.table_name(),
        organization::Entity.table_name(),
        pairing_agreement::Entity.table_name(),
        responsibility_letter::Entity.table_name(),
        commitment::Entity.table_name(),
        project::Entity.table_name(),
        fund_transfer::Entity.table_name(),
        personnel_dispatch::Entity.table_name(),
        progress_report::Entity.table_name(),
    ]
}

/// Drops the secondary indexes of the loaded tables (not those backing keys or unique
/// constraints) and returns their definitions. Maintaining fifteen indexes row by row made the
/// million-transfer load take over a minute in PostgreSQL alone; building them once after the
/// load takes seconds. DDL is transactional: a failed load leaves the schema as it was.
async fn drop_secondary_indexes<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let tables = loaded_tables()
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i \
                 WHERE i.schemaname = current_schema() AND i.tablename IN ({tables}) \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) \
                 ORDER BY i.indexname"
            ),
        ))
        .await?;
    let mut definitions = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get("", "indexname")?;
        definitions.push(row.try_get::<String>("", "indexdef")?);
        db.execute_unprepared(&format!("DROP INDEX \"{name}\""))
            .await?;
    }
    Ok(definitions)
}

async fn insert<E, A, C>(db: &C, rows: Vec<A>) -> Result<(), DbErr>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    if !rows.is_empty() {
        E::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Inserts `models` in multi-row statements of `CHUNK` rows.
async fn insert_models<M, A, C>(db: &C, models: &[M]) -> Result<(), DbErr>
where
    M: Clone + sea_orm::IntoActiveModel<A>,
    A: sea_orm::ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    for chunk in models.chunks(CHUNK) {
        insert(
            db,
            chunk
                .iter()
                .cloned()
                .map(|m| m.into_active_model())
                .collect::<Vec<A>>(),
        )
        .await?;
    }
    Ok(())
}

/// Writes the benchmark data set with `transfers` fund transfers into an empty database.
pub async fn load_scale(
    db: &DatabaseConnection,
    options: ScaleOptions,
) -> Result<ScaleSummary, DbErr> {
    let ScaleOptions {
        transfers,
        helpers,
        dispatches,
        reports,
    } = options;
    let central_units = helpers * 3 / 10;
    let mut rng = ChaCha8Rng::seed_from_u64(20_200_101);
    let mut summary = ScaleSummary::default();
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // A bulk load: durability of each statement is not needed, only of the commit.
        txn.execute_unprepared("SET LOCAL synchronous_commit = off")
            .await?;
    }
    let dropped_indexes = match txn.get_database_backend() {
        DbBackend::Postgres => drop_secondary_indexes(&txn).await?,
        _ => Vec::new(),
    };

    let regions = reference::regions()?;
    summary.regions = regions.models.len();
    insert_models(&txn, &regions.models).await?;
    let counties = |zone: Zone| -> Vec<&region::Model> {
        regions
            .models
            .iter()
            .filter(|m| m.level == RegionLevel::County && m.zone == zone)
            .collect()
    };
    let west = counties(Zone::West);
    let east = counties(Zone::East);
    // Eastern provinces first, then their cities: the governments that lead east–west cooperation.
    let east_cities: Vec<&region::Model> = regions
        .models
        .iter()
        .filter(|m| {
            matches!(m.level, RegionLevel::Province | RegionLevel::Prefecture)
                && m.zone == Zone::East
        })
        .filter(|m| !matches!(&m.code[..2], "71" | "81" | "82"))
        .collect();

    // Helpers: central units, eastern city governments, then eastern county governments.
    let mut orgs = Vec::with_capacity(helpers);
    for i in 0..central_units {
        orgs.push(organization::Model {
            id: orgs.len() as i64 + 1,
            code: format!("CU-{i:04}"),
            name: format!("中央定点帮扶单位{i:04}"),
            short_name: None,
            kind: OrganizationKind::CentralUnit,
            region_id: None,
        });
    }
    for m in east_cities
        .iter()
        .chain(east.iter())
        .take(helpers - central_units)
    {
        let kind = match m.level {
            RegionLevel::Province => OrganizationKind::ProvincialGovernment,
            RegionLevel::Prefecture => OrganizationKind::CityGovernment,
            _ => OrganizationKind::CountyGovernment,
        };
        orgs.push(organization::Model {
            id: orgs.len() as i64 + 1,
            code: m.code.clone(),
            name: format!("{}人民政府", m.name),
            short_name: None,
            kind,
            region_id: Some(m.id),
        });
    }
    summary.organizations = orgs.len();

    // Pairings: each helper with three western counties; its program follows its kind.
    let mut pairs = Vec::new();
    let mut pairing_rows = Vec::new();
    let mut project_rows = Vec::new();
    for (h, org) in orgs.iter().enumerate() {
        let program = match org.kind {
            OrganizationKind::CentralUnit => Program::DesignatedAssistance,
            OrganizationKind::ProvincialGovernment | OrganizationKind::CityGovernment => {
                Program::EastWest
            }
            _ => Program::CountyToCounty,
        };
        for j in 0..PAIRINGS_PER_HELPER {
            let county = west[(h * 7 + j * 401) % west.len()];
            let id = pairing_rows.len() as i64 + 1;
            pairing_rows.push(pairing_agreement::Model {
                id,
                program,
                helper_id: org.id,
                recipient_id: county.id,
                start_year: FIRST_YEAR,
                end_year: Some(FIRST_YEAR + YEARS - 1),
                status: PairingStatus::Active,
                document_ref: Some(format!("国开办〔{FIRST_YEAR}〕{id}号")),
            });
            project_rows.push(project::Model {
                id,
                county_id: county.id,
                village_id: None,
                name: format!("{}产业帮扶项目{id}", county.name),
                sector: ["industry", "education", "health", "infrastructure"][j % 4].to_string(),
                budget_fen: rng.random_range(1_000_000_00..50_000_000_00),
                beneficiaries: Some(rng.random_range(100..5_000)),
                status: ProjectStatus::InProgress,
                created_at: stamp(day(FIRST_YEAR, 10)),
                library_year: None,
                planned_start: None,
                planned_end: None,
                completed_on: None,
                publicized_on: None,
            });
            pairs.push(Pair {
                id,
                program,
                helper_id: org.id,
                recipient_id: county.id,
                province_id: county.province_id.unwrap_or(county.id),
                project_id: id,
            });
        }
    }
    insert_models(&txn, &orgs).await?;
    insert_models(&txn, &pairing_rows).await?;
    insert_models(&txn, &project_rows).await?;
    summary.pairings = pairs.len();
    summary.projects = project_rows.len();

    // Ten years of signed letters with a commitment per indicator of the program.
    let mut letters = Vec::new();
    let mut commitments = Vec::new();
    let (mut letter_seq, mut commitment_seq) = (0i64, 0i64);
    for p in &pairs {
        for year in FIRST_YEAR..FIRST_YEAR + YEARS {
            letter_seq += 1;
            let letter_id = letter_seq;
            let signed = stamp(day(year, 20));
            letters.push(responsibility_letter::ActiveModel::from(
                responsibility_letter::Model {
                    id: letter_id,
                    pairing_id: p.id,
                    year,
                    status: LetterStatus::Signed,
                    version: 1,
                    submitted_at: Some(stamp(day(year, 10))),
                    submitted_by: Some("bench".into()),
                    signed_at: Some(signed),
                    signed_by: Some("bench-admin".into()),
                    created_at: signed,
                    updated_at: signed,
                },
            ));
            for indicator in Indicator::for_program(p.program) {
                let target = match indicator.scale() {
                    2 => rng.random_range(1_000_000_00..100_000_000_00),
                    _ => rng.random_range(1..200),
                };
                commitment_seq += 1;
                commitments.push(commitment::ActiveModel::from(commitment::Model {
                    id: commitment_seq,
                    letter_id,
                    indicator: *indicator,
                    target,
                }));
            }
            // Letters go first: their commitments refer to them.
            if letters.len() >= CHUNK / 8 {
                summary.letters += letters.len();
                summary.commitments += commitments.len();
                insert(&txn, std::mem::take(&mut letters)).await?;
                insert(&txn, std::mem::take(&mut commitments)).await?;
            }
        }
    }
    summary.letters += letters.len();
    summary.commitments += commitments.len();
    insert(&txn, letters).await?;
    insert(&txn, commitments).await?;

    // Fund transfers: round-robin over pairings and years so every list and filter has depth.
    let years = YEARS as usize;
    let mut batch = Vec::with_capacity(CHUNK);
    for i in 0..transfers {
        let p = &pairs[i % pairs.len()];
        let year = FIRST_YEAR + ((i / pairs.len()) % years) as i32;
        let main = (i / (pairs.len() * years)).is_multiple_of(2);
        let category = match (p.program, main) {
            (Program::DesignatedAssistance, true) => FundCategory::DirectInvestment,
            (Program::DesignatedAssistance, false) => FundCategory::AttractedInvestment,
            (_, true) => FundCategory::FiscalAid,
            (_, false) => FundCategory::SocialAid,
        };
        let roll = rng.random_range(0..100);
        let status = match roll {
            0..80 => TransferStatus::Received,
            80..92 => TransferStatus::Allocated,
            92..97 => TransferStatus::Planned,
            _ => TransferStatus::Cancelled,
        };
        let planned = day(year, rng.random_range(0..300));
        let allocated = (!matches!(status, TransferStatus::Planned))
            .then(|| planned + Days::new(rng.random_range(0..40)));
        let received = (status == TransferStatus::Received)
            .then(|| allocated.unwrap_or(planned) + Days::new(rng.random_range(2..30)));
        batch.push(fund_transfer::ActiveModel::from(fund_transfer::Model {
            id: i as i64 + 1,
            reference_no: format!("B{year}-{:08}", i + 1),
            pairing_id: p.id,
            helper_id: p.helper_id,
            recipient_id: p.recipient_id,
            recipient_province_id: p.province_id,
            project_id: (i % 3 == 0).then_some(p.project_id),
            category,
            amount_fen: rng.random_range(10_000_00..5_000_000_00),
            currency: "CNY".into(),
            status,
            year,
            planned_on: Some(planned),
            allocated_on: allocated,
            received_on: received,
            publicized_on: received.map(|r| r + Days::new(15)),
            purpose: Some("产业发展".into()),
            idempotency_key: None,
            request_hash: None,
            created_at: stamp(planned),
            received_amount_fen: None,
        }));
        if batch.len() == CHUNK {
            insert(
                &txn,
                std::mem::replace(&mut batch, Vec::with_capacity(CHUNK)),
            )
            .await?;
        }
    }
    insert(&txn, batch).await?;
    summary.transfers = transfers;

    let mut batch = Vec::with_capacity(CHUNK);
    for i in 0..dispatches {
        let p = &pairs[i % pairs.len()];
        let year = FIRST_YEAR + ((i / pairs.len()) % years) as i32;
        let cadre = i % 3 == 0;
        let start = day(year, rng.random_range(0..200));
        let (status, arrived, returned) = if year < FIRST_YEAR + YEARS - 2 {
            (
                DispatchStatus::Returned,
                Some(start),
                Some(start + Days::new(700)),
            )
        } else if i % 5 == 0 {
            (DispatchStatus::Dispatched, None, None)
        } else {
            (DispatchStatus::InPost, Some(start + Days::new(2)), None)
        };
        let (specialty, post) = if cadre {
            (None, CADRE_POSTS[i % CADRE_POSTS.len()].to_string())
        } else {
            let (s, post) = TECHNICIANS[i % TECHNICIANS.len()];
            (Some(s.to_string()), post.to_string())
        };
        batch.push(personnel_dispatch::ActiveModel::from(
            personnel_dispatch::Model {
                id: i as i64 + 1,
                pairing_id: p.id,
                helper_id: p.helper_id,
                recipient_id: p.recipient_id,
                recipient_province_id: p.province_id,
                person_name: format!(
                    "{}{}",
                    SURNAMES[i % SURNAMES.len()],
                    GIVEN_NAMES[(i / SURNAMES.len()) % GIVEN_NAMES.len()]
                ),
                category: if cadre {
                    PersonnelCategory::PartyGovernmentCadre
                } else {
                    PersonnelCategory::ProfessionalTechnician
                },
                specialty,
                post,
                status,
                year,
                start_on: start,
                end_on: Some(start + Days::new(730)),
                arrived_on: arrived,
                returned_on: returned,
                created_at: stamp(start),
            },
        ));
        if batch.len() == CHUNK {
            insert(
                &txn,
                std::mem::replace(&mut batch, Vec::with_capacity(CHUNK)),
            )
            .await?;
        }
    }
    insert(&txn, batch).await?;
    summary.dispatches = dispatches;

    // Progress reports: one per pairing, reported indicator, year and quarter until the quota.
    let mut batch = Vec::with_capacity(CHUNK);
    let mut written = 0;
    'outer: for year in FIRST_YEAR..FIRST_YEAR + YEARS {
        for quarter in 1..=4 {
            for p in &pairs {
                let reported = Indicator::for_program(p.program)
                    .iter()
                    .find(|i| !i.is_derived());
                let Some(indicator) = reported else { continue };
                let at = stamp(day(year, (quarter as u64) * 90 - 5));
                written += 1;
                batch.push(progress_report::ActiveModel::from(progress_report::Model {
                    id: written as i64,
                    pairing_id: p.id,
                    indicator: *indicator,
                    year,
                    quarter,
                    value: rng.random_range(1..500),
                    reported_by: "bench".into(),
                    reported_at: at,
                    verified_by: (written % 4 != 0).then(|| "bench-county".to_string()),
                    verified_at: (written % 4 != 0).then_some(at),
                }));
                if batch.len() == CHUNK {
                    insert(
                        &txn,
                        std::mem::replace(&mut batch, Vec::with_capacity(CHUNK)),
                    )
                    .await?;
                }
                if written == reports {
                    break 'outer;
                }
            }
        }
    }
    insert(&txn, batch).await?;
    summary.reports = written;

    if txn.get_database_backend() == DbBackend::Postgres {
        for table in loaded_tables() {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .await?;
        }
        txn.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'")
            .await?;
        for definition in dropped_indexes {
            txn.execute_unprepared(&definition).await?;
        }
    }
    txn.commit().await?;
    // Fresh statistics, so the planner sees the table sizes the benchmark queries run on.
    db.execute_unprepared("ANALYZE").await?;
    Ok(summary)
}
