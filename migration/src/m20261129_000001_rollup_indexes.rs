//! Indexes for the aggregates: per-pairing sums of transfers and counts of dispatches by year
//! and category, read from the index alone.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &str, &[&str])] = &[
    (
        "fund_transfers",
        "ix_transfers_pairing_year_category",
        &["pairing_id", "year", "category", "status", "amount_fen"],
    ),
    (
        "personnel_dispatches",
        "ix_dispatches_pairing_year_category",
        &["pairing_id", "year", "category"],
    ),
    (
        "fund_transfers",
        "ix_transfers_year_status_allocated",
        &["year", "status", "allocated_on"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, name, cols) in INDEXES {
            let mut stmt = Index::create();
            stmt.name(*name).table(Alias::new(*table));
            for c in *cols {
                stmt.col(Alias::new(*c));
            }
            m.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, name, _) in INDEXES {
            m.drop_index(
                Index::drop()
                    .name(*name)
                    .table(Alias::new(*table))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
