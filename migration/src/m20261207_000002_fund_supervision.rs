//! Fund supervision: announcements (publicity, superseded never edited), expenditures against
//! received transfers, project performance targets and the project library's new columns.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CHANNELS: &[&str] = &[
    "COUNTY_WEBSITE",
    "TOWNSHIP_NOTICE_BOARD",
    "VILLAGE_NOTICE_BOARD",
    "OTHER",
];

fn fk(from_table: impl IntoIden, from_col: impl IntoIden, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(from_table)
        .from_col(from_col)
        .to_tbl(Alias::new(to))
        .to_col(Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

async fn index(
    m: &SchemaManager<'_>,
    table: impl IntoIden + Clone,
    name: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for c in cols {
        stmt.col(Alias::new(*c));
    }
    if unique {
        stmt.unique();
    }
    m.create_index(stmt).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        let columns = [
            integer_null(Projects::LibraryYear),
            date_null(Projects::PlannedStart),
            date_null(Projects::PlannedEnd),
            date_null(Projects::CompletedOn),
            date_null(Projects::PublicizedOn),
        ];
        for mut c in columns {
            m.alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(Announcements::Table)
                .col(big_pk_auto(Announcements::Id))
                .col(big_integer_null(Announcements::FundTransferId))
                .col(big_integer_null(Announcements::ProjectId))
                .col(big_integer(Announcements::RegionId))
                .col(integer(Announcements::Year))
                .col(date(Announcements::PeriodStart))
                .col(date(Announcements::PeriodEnd))
                .col(
                    string_len(Announcements::Channel, 32).check(
                        Expr::col(Announcements::Channel)
                            .is_in(CHANNELS.iter().map(|v| String::from(*v))),
                    ),
                )
                .col(string(Announcements::DocumentRef))
                .col(big_integer_null(Announcements::SupersedesId).unique_key())
                .col(string(Announcements::PublishedBy))
                .col(string_null(Announcements::IdempotencyKey).unique_key())
                .col(string_null(Announcements::RequestHash))
                .col(timestamp_with_time_zone(Announcements::CreatedAt))
                .check(
                    Expr::col(Announcements::FundTransferId)
                        .is_null()
                        .ne(Expr::col(Announcements::ProjectId).is_null()),
                )
                .check(
                    Expr::col(Announcements::PeriodEnd).gte(Expr::col(Announcements::PeriodStart)),
                )
                .foreign_key(&mut fk(
                    Announcements::Table,
                    Announcements::FundTransferId,
                    "fund_transfers",
                ))
                .foreign_key(&mut fk(
                    Announcements::Table,
                    Announcements::ProjectId,
                    "projects",
                ))
                .foreign_key(&mut fk(
                    Announcements::Table,
                    Announcements::RegionId,
                    "regions",
                ))
                .foreign_key(&mut fk(
                    Announcements::Table,
                    Announcements::SupersedesId,
                    "announcements",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            Announcements::Table,
            "ix_announcements_year_region",
            &["year", "region_id", "id"],
            false,
        )
        .await?;
        index(
            m,
            Announcements::Table,
            "ix_announcements_transfer",
            &["fund_transfer_id"],
            false,
        )
        .await?;
        index(
            m,
            Announcements::Table,
            "ix_announcements_project",
            &["project_id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Expenditures::Table)
                .col(big_pk_auto(Expenditures::Id))
                .col(big_integer(Expenditures::ProjectId))
                .col(big_integer(Expenditures::FundTransferId))
                .col(
                    big_integer(Expenditures::AmountFen)
                        .check(Expr::col(Expenditures::AmountFen).gt(0)),
                )
                .col(date(Expenditures::SpentOn))
                .col(string(Expenditures::Purpose))
                .col(string(Expenditures::VoucherRef))
                .col(string(Expenditures::RecordedBy))
                .col(string_null(Expenditures::IdempotencyKey).unique_key())
                .col(string_null(Expenditures::RequestHash))
                .col(timestamp_with_time_zone(Expenditures::CreatedAt))
                .foreign_key(&mut fk(
                    Expenditures::Table,
                    Expenditures::ProjectId,
                    "projects",
                ))
                .foreign_key(&mut fk(
                    Expenditures::Table,
                    Expenditures::FundTransferId,
                    "fund_transfers",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            Expenditures::Table,
            "ix_expenditures_transfer",
            &["fund_transfer_id", "amount_fen"],
            false,
        )
        .await?;
        index(
            m,
            Expenditures::Table,
            "ix_expenditures_project",
            &["project_id", "amount_fen"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ProjectTargets::Table)
                .col(big_pk_auto(ProjectTargets::Id))
                .col(big_integer(ProjectTargets::ProjectId))
                .col(string_len(ProjectTargets::Indicator, 64))
                .col(string_len(ProjectTargets::Unit, 32))
                .col(
                    big_integer(ProjectTargets::TargetCenti)
                        .check(Expr::col(ProjectTargets::TargetCenti).gte(0)),
                )
                .col(
                    big_integer_null(ProjectTargets::AchievedCenti)
                        .check(Expr::col(ProjectTargets::AchievedCenti).gte(0)),
                )
                .foreign_key(&mut fk(
                    ProjectTargets::Table,
                    ProjectTargets::ProjectId,
                    "projects",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            ProjectTargets::Table,
            "ux_project_targets_indicator",
            &["project_id", "indicator"],
            true,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["project_targets", "expenditures", "announcements"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        for c in [
            Projects::PublicizedOn,
            Projects::CompletedOn,
            Projects::PlannedEnd,
            Projects::PlannedStart,
            Projects::LibraryYear,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Projects {
    Table,
    LibraryYear,
    PlannedStart,
    PlannedEnd,
    CompletedOn,
    PublicizedOn,
}

#[derive(DeriveIden, Clone)]
enum Announcements {
    Table,
    Id,
    FundTransferId,
    ProjectId,
    RegionId,
    Year,
    PeriodStart,
    PeriodEnd,
    Channel,
    DocumentRef,
    SupersedesId,
    PublishedBy,
    IdempotencyKey,
    RequestHash,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum Expenditures {
    Table,
    Id,
    ProjectId,
    FundTransferId,
    AmountFen,
    SpentOn,
    Purpose,
    VoucherRef,
    RecordedBy,
    IdempotencyKey,
    RequestHash,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum ProjectTargets {
    Table,
    Id,
    ProjectId,
    Indicator,
    Unit,
    TargetCenti,
    AchievedCenti,
}
