//! Live WebSocket subscriptions per token and instance, so that the per-token limit holds across
//! instances on PostgreSQL: each instance keeps its own row per token current and renews it while
//! it lives; a row whose `expires_at` has passed (its instance died) no longer counts.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SubscriptionLeases {
    Table,
    Token,
    Instance,
    Subscriptions,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SubscriptionLeases::Table)
                .col(
                    ColumnDef::new(SubscriptionLeases::Token)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(SubscriptionLeases::Instance)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(SubscriptionLeases::Subscriptions)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(SubscriptionLeases::ExpiresAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(SubscriptionLeases::Token)
                        .col(SubscriptionLeases::Instance),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SubscriptionLeases::Table).to_owned())
            .await
    }
}
