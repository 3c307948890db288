//! Reference numbers and idempotency keys are unique per helper organization, not across all
//! helpers: otherwise one helper could take another's next number or key first and block its write
//! (and learn from the CONFLICT which keys it used). Existing rows are kept: what was unique across
//! all helpers is unique per helper too.
use sea_orm_migration::SchemaManagerConnection;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "fund_transfers";
/// Column definitions of the first migration, as SQLite keeps them, with and without UNIQUE.
const SQLITE_UNIQUE: &[(&str, &str)] = &[
    (
        r#""reference_no" varchar(64) NOT NULL UNIQUE"#,
        r#""reference_no" varchar(64) NOT NULL"#,
    ),
    (
        r#""idempotency_key" varchar(128) NULL UNIQUE"#,
        r#""idempotency_key" varchar(128) NULL"#,
    ),
];
/// PostgreSQL's names of the same constraints.
const PG_CONSTRAINTS: &[&str] = &[
    "fund_transfers_reference_no_key",
    "fund_transfers_idempotency_key_key",
];
const PER_HELPER: &[(&str, &str)] = &[
    ("ux_transfers_helper_reference", "reference_no"),
    ("ux_transfers_helper_idempotency", "idempotency_key"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // On SQLite too: the table is rebuilt, which must happen whole or not at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match db.get_database_backend() {
            DatabaseBackend::Sqlite => rebuild_without_unique(db).await?,
            _ => {
                for name in PG_CONSTRAINTS {
                    db.execute_unprepared(&format!(
                        r#"ALTER TABLE "{TABLE}" DROP CONSTRAINT IF EXISTS "{name}""#
                    ))
                    .await?;
                }
            }
        }
        for (name, col) in PER_HELPER {
            m.create_index(
                Index::create()
                    .name(*name)
                    .table(Alias::new(TABLE))
                    .col(Alias::new("helper_id"))
                    .col(Alias::new(*col))
                    .unique()
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in PER_HELPER {
            m.drop_index(
                Index::drop()
                    .name(*name)
                    .table(Alias::new(TABLE))
                    .to_owned(),
            )
            .await?;
        }
        for (_, col) in PER_HELPER {
            // Fails, as it should, once two helpers share a number or key.
            let name = format!("ux_transfers_{col}");
            m.create_index(
                Index::create()
                    .name(&name)
                    .table(Alias::new(TABLE))
                    .col(Alias::new(*col))
                    .unique()
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// SQLite cannot drop a column's UNIQUE: the table is rebuilt from its own definition without it
/// (SQLite's documented procedure), its rows and indexes kept. Nothing references the table.
async fn rebuild_without_unique(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
            [TABLE.into()],
        ))
        .await?;
    let mut table_sql = None;
    let mut indexes = Vec::new();
    for row in rows {
        let kind: String = row.try_get("", "type")?;
        let sql: String = row.try_get("", "sql")?;
        if kind == "table" {
            table_sql = Some(sql);
        } else if kind == "index" {
            indexes.push(sql);
        }
    }
    let mut sql = table_sql.ok_or_else(|| DbErr::Migration(format!("no table {TABLE}")))?;
    for (with, without) in SQLITE_UNIQUE {
        if !sql.contains(with) {
            return Err(DbErr::Migration(format!(
                "{TABLE} does not define {with} as expected"
            )));
        }
        sql = sql.replace(with, without);
    }
    let rebuilt = format!("{TABLE}_rebuilt");
    sql = sql.replacen(
        &format!(r#"CREATE TABLE "{TABLE}""#),
        &format!(r#"CREATE TABLE "{rebuilt}""#),
        1,
    );
    db.execute_unprepared(&sql).await?;
    db.execute_unprepared(&format!(
        r#"INSERT INTO "{rebuilt}" SELECT * FROM "{TABLE}""#
    ))
    .await?;
    db.execute_unprepared(&format!(r#"DROP TABLE "{TABLE}""#))
        .await?;
    db.execute_unprepared(&format!(r#"ALTER TABLE "{rebuilt}" RENAME TO "{TABLE}""#))
        .await?;
    for index in indexes {
        db.execute_unprepared(&index).await?;
    }
    Ok(())
}
