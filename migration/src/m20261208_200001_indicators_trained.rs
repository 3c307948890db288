//! East–west letters may commit to cadres trained: `CADRES_TRAINED` joins the indicators that
//! commitments and progress reports may name. The value lists are CHECK constraints, which
//! PostgreSQL replaces in place and SQLite only by rebuilding the table (same columns, rows and
//! indexes; nothing references these tables).
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &["commitments", "progress_reports"];
const ADDED: &str = "CADRES_TRAINED";

const BEFORE: &[&str] = &[
    "FISCAL_AID_FUNDS",
    "SOCIAL_AID_FUNDS",
    "CADRES_DISPATCHED",
    "TECHNICIANS_DISPATCHED",
    "LABOR_TRANSFERRED",
    "ENTERPRISES_INVESTED",
    "CONSUMPTION_ASSISTANCE",
    "DIRECT_INVESTMENT",
    "ATTRACTED_FUNDS",
    "GRASSROOTS_CADRES_TRAINED",
    "TECHNICIANS_TRAINED",
    "PRODUCE_PURCHASED",
    "PRODUCE_SALES_HELPED",
];

fn list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn set_values(m: &SchemaManager<'_>, values: &[&str]) -> Result<(), DbErr> {
    let db = m.get_connection();
    match db.get_database_backend() {
        DbBackend::Postgres => {
            for table in TABLES {
                let found = db
                    .query_all_raw(Statement::from_string(
                        DbBackend::Postgres,
                        format!(
                            "SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass \
                             AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%indicator%'"
                        ),
                    ))
                    .await?;
                for row in found {
                    let name: String = row.try_get("", "conname")?;
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {table} DROP CONSTRAINT \"{name}\""
                    ))
                    .await?;
                }
                db.execute_unprepared(&format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {table}_indicator_check \
                     CHECK (indicator IN ({}))",
                    list(values)
                ))
                .await?;
            }
        }
        backend => {
            for table in TABLES {
                rebuild_sqlite(db, backend, table, values).await?;
            }
        }
    }
    Ok(())
}

/// SQLite: a copy of the table under its own definition with the new value list, filled, swapped
/// in, and its indexes made again, in one script.
async fn rebuild_sqlite(
    db: &sea_orm_migration::SchemaManagerConnection<'_>,
    backend: DbBackend,
    table: &str,
    values: &[&str],
) -> Result<(), DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT type, sql FROM sqlite_master WHERE tbl_name = '{table}' AND sql IS NOT NULL"
            ),
        ))
        .await?;
    let mut create = None;
    let mut indexes = Vec::new();
    for row in rows {
        let kind: String = row.try_get("", "type")?;
        let sql: String = row.try_get("", "sql")?;
        if kind == "table" {
            create = Some(sql);
        } else {
            indexes.push(sql);
        }
    }
    let create = create.ok_or_else(|| DbErr::Migration(format!("no table {table}")))?;
    let start = create
        .find("\"indicator\" IN (")
        .ok_or_else(|| DbErr::Migration(format!("{table}: no indicator check")))?
        + "\"indicator\" IN (".len();
    let end = start
        + create[start..]
            .find(')')
            .ok_or_else(|| DbErr::Migration(format!("{table}: unclosed indicator check")))?;
    let new_table = format!("{table}_rebuilt");
    let definition = format!(
        "{}{}{}",
        create[..start].replacen(
            &format!("CREATE TABLE \"{table}\""),
            &format!("CREATE TABLE \"{new_table}\""),
            1
        ),
        list(values),
        &create[end..]
    );
    // One script, so every step runs on the same connection in order.
    let mut script = format!(
        "{definition};\nINSERT INTO \"{new_table}\" SELECT * FROM \"{table}\";\n\
         DROP TABLE \"{table}\";\nALTER TABLE \"{new_table}\" RENAME TO \"{table}\";\n"
    );
    for index in indexes {
        script.push_str(&index);
        script.push_str(";\n");
    }
    db.execute_unprepared(&script).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut values = BEFORE.to_vec();
        values.push(ADDED);
        set_values(m, &values).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        set_values(m, BEFORE).await
    }
}
