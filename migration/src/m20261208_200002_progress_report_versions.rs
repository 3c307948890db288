//! Corrections of progress reports: every version of a corrected report's figure is kept (the
//! first as it was reported), with who wrote it, when and why. The report row holds the latest.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ProgressReportVersions as V;
        m.create_table(
            Table::create()
                .table(V::Table)
                .col(big_pk_auto(V::Id))
                .col(big_integer(V::ReportId))
                .col(integer(V::Version).check(Expr::col(V::Version).gte(1)))
                .col(big_integer(V::Value).check(Expr::col(V::Value).gte(0)))
                .col(text_null(V::Note))
                .col(string(V::Actor))
                .col(timestamp_with_time_zone(V::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(V::Table)
                        .from_col(V::ReportId)
                        .to_tbl(Alias::new("progress_reports"))
                        .to_col(Alias::new("id"))
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_report_versions_report_version")
                .table(V::Table)
                .col(V::ReportId)
                .col(V::Version)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(ProgressReportVersions::Table)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden, Clone)]
enum ProgressReportVersions {
    Table,
    Id,
    ReportId,
    Version,
    Value,
    Note,
    Actor,
    CreatedAt,
}
