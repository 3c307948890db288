//! A county may confirm receipt of less than a transfer's amount: the amount received, NULL for
//! the whole amount (every receipt confirmed before this change).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FundTransfers {
    Table,
    ReceivedAmountFen,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(FundTransfers::Table)
                .add_column(
                    ColumnDef::new(FundTransfers::ReceivedAmountFen)
                        .big_integer()
                        .null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(FundTransfers::Table)
                .drop_column(FundTransfers::ReceivedAmountFen)
                .to_owned(),
        )
        .await
    }
}
