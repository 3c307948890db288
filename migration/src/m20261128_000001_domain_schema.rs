//! The whole domain model: regions, organizations, pairings, letters, commitments, revisions,
//! transfers, dispatches, projects, progress reports and the audit log.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A CHECK that the column holds one of the listed values.
fn one_of(col: impl IntoIden + Clone, values: &[&str]) -> SimpleExpr {
    Expr::col(col).is_in(values.iter().map(|v| String::from(*v)))
}

fn enum_col(col: impl IntoIden + Clone + 'static, values: &[&str]) -> ColumnDef {
    string_len(col.clone(), 32)
        .check(one_of(col, values))
        .take()
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(from_table)
        .from_col(from_col)
        .to_tbl(to_table)
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

const LEVELS: &[&str] = &["PROVINCE", "PREFECTURE", "COUNTY", "TOWNSHIP", "VILLAGE"];
const ZONES: &[&str] = &["EAST", "CENTRAL", "WEST"];
const ORG_KINDS: &[&str] = &[
    "PROVINCIAL_GOVERNMENT",
    "CITY_GOVERNMENT",
    "COUNTY_GOVERNMENT",
    "CENTRAL_UNIT",
    "ENTERPRISE",
    "SOCIAL_ORGANIZATION",
];
const PROGRAMS: &[&str] = &[
    "EAST_WEST",
    "DESIGNATED_ASSISTANCE",
    "COUNTY_TO_COUNTY",
    "ENTERPRISE_VILLAGE",
];
const PAIRING_STATUSES: &[&str] = &["ACTIVE", "ENDED"];
const LETTER_STATUSES: &[&str] = &["DRAFT", "SUBMITTED", "SIGNED", "RETURNED", "WITHDRAWN"];
const INDICATORS: &[&str] = &[
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
const FUND_CATEGORIES: &[&str] = &[
    "FISCAL_AID",
    "SOCIAL_AID",
    "DIRECT_INVESTMENT",
    "ATTRACTED_INVESTMENT",
];
const TRANSFER_STATUSES: &[&str] = &["PLANNED", "ALLOCATED", "RECEIVED", "CANCELLED"];
const PERSONNEL_CATEGORIES: &[&str] = &["PARTY_GOVERNMENT_CADRE", "PROFESSIONAL_TECHNICIAN"];
const DISPATCH_STATUSES: &[&str] = &["DISPATCHED", "IN_POST", "RETURNED"];
const PROJECT_STATUSES: &[&str] = &["PLANNED", "IN_PROGRESS", "COMPLETED", "CANCELLED"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Regions::Table)
                .col(big_pk_auto(Regions::Id))
                .col(string_len_uniq(Regions::Code, 12))
                .col(string(Regions::Name))
                .col(enum_col(Regions::Level, LEVELS))
                .col(enum_col(Regions::Zone, ZONES))
                .col(big_integer_null(Regions::ParentId))
                .col(big_integer_null(Regions::ProvinceId))
                .col(boolean_null(Regions::IsPoor))
                .col(boolean_null(Regions::IsKeyCounty))
                .col(boolean_null(Regions::IsContiguousArea))
                .col(boolean(Regions::IsListed).default(false))
                .col(integer_null(Regions::ExitYear))
                .foreign_key(&mut fk(Regions::Table, Regions::ParentId, Regions::Table))
                .foreign_key(&mut fk(Regions::Table, Regions::ProvinceId, Regions::Table))
                .to_owned(),
        )
        .await?;
        index(
            m,
            Regions::Table,
            "ix_regions_parent_code",
            &["parent_id", "code"],
            false,
        )
        .await?;
        index(
            m,
            Regions::Table,
            "ix_regions_level_code",
            &["level", "code"],
            false,
        )
        .await?;
        index(
            m,
            Regions::Table,
            "ix_regions_province_code",
            &["province_id", "code"],
            false,
        )
        .await?;
        index(m, Regions::Table, "ix_regions_name", &["name", "id"], false).await?;

        m.create_table(
            Table::create()
                .table(Organizations::Table)
                .col(big_pk_auto(Organizations::Id))
                .col(string_len_uniq(Organizations::Code, 64))
                .col(string(Organizations::Name))
                .col(string_null(Organizations::ShortName))
                .col(enum_col(Organizations::Kind, ORG_KINDS))
                .col(big_integer_null(Organizations::RegionId))
                .foreign_key(&mut fk(
                    Organizations::Table,
                    Organizations::RegionId,
                    Regions::Table,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            Organizations::Table,
            "ix_organizations_kind_code",
            &["kind", "code"],
            false,
        )
        .await?;
        index(
            m,
            Organizations::Table,
            "ix_organizations_region",
            &["region_id", "code"],
            false,
        )
        .await?;
        index(
            m,
            Organizations::Table,
            "ix_organizations_name",
            &["name", "id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PairingAgreements::Table)
                .col(big_pk_auto(PairingAgreements::Id))
                .col(enum_col(PairingAgreements::Program, PROGRAMS))
                .col(big_integer(PairingAgreements::HelperId))
                .col(big_integer(PairingAgreements::RecipientId))
                .col(
                    integer(PairingAgreements::StartYear)
                        .check(Expr::col(PairingAgreements::StartYear).between(1978, 2100)),
                )
                .col(integer_null(PairingAgreements::EndYear))
                .col(enum_col(PairingAgreements::Status, PAIRING_STATUSES))
                .col(string_null(PairingAgreements::DocumentRef))
                .check(
                    Expr::col(PairingAgreements::EndYear)
                        .is_null()
                        .or(Expr::col(PairingAgreements::EndYear)
                            .gte(Expr::col(PairingAgreements::StartYear))),
                )
                .foreign_key(&mut fk(
                    PairingAgreements::Table,
                    PairingAgreements::HelperId,
                    Organizations::Table,
                ))
                .foreign_key(&mut fk(
                    PairingAgreements::Table,
                    PairingAgreements::RecipientId,
                    Regions::Table,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            PairingAgreements::Table,
            "ux_pairings_helper_recipient_program_start",
            &["helper_id", "recipient_id", "program", "start_year"],
            true,
        )
        .await?;
        index(
            m,
            PairingAgreements::Table,
            "ix_pairings_recipient",
            &["recipient_id", "id"],
            false,
        )
        .await?;
        index(
            m,
            PairingAgreements::Table,
            "ix_pairings_program",
            &["program", "id"],
            false,
        )
        .await?;
        index(
            m,
            PairingAgreements::Table,
            "ix_pairings_start_year",
            &["start_year", "id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ResponsibilityLetters::Table)
                .col(big_pk_auto(ResponsibilityLetters::Id))
                .col(big_integer(ResponsibilityLetters::PairingId))
                .col(integer(ResponsibilityLetters::Year))
                .col(enum_col(ResponsibilityLetters::Status, LETTER_STATUSES))
                .col(
                    integer(ResponsibilityLetters::Version)
                        .check(Expr::col(ResponsibilityLetters::Version).gte(1)),
                )
                .col(timestamp_with_time_zone_null(
                    ResponsibilityLetters::SubmittedAt,
                ))
                .col(string_null(ResponsibilityLetters::SubmittedBy))
                .col(timestamp_with_time_zone_null(
                    ResponsibilityLetters::SignedAt,
                ))
                .col(string_null(ResponsibilityLetters::SignedBy))
                .col(timestamp_with_time_zone(ResponsibilityLetters::CreatedAt))
                .col(timestamp_with_time_zone(ResponsibilityLetters::UpdatedAt))
                .foreign_key(&mut fk(
                    ResponsibilityLetters::Table,
                    ResponsibilityLetters::PairingId,
                    PairingAgreements::Table,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            ResponsibilityLetters::Table,
            "ux_letters_pairing_year",
            &["pairing_id", "year"],
            true,
        )
        .await?;
        index(
            m,
            ResponsibilityLetters::Table,
            "ix_letters_year",
            &["year", "id"],
            false,
        )
        .await?;
        index(
            m,
            ResponsibilityLetters::Table,
            "ix_letters_status",
            &["status", "id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Commitments::Table)
                .col(big_pk_auto(Commitments::Id))
                .col(big_integer(Commitments::LetterId))
                .col(enum_col(Commitments::Indicator, INDICATORS))
                .col(big_integer(Commitments::Target).check(Expr::col(Commitments::Target).gte(0)))
                .foreign_key(&mut fk(
                    Commitments::Table,
                    Commitments::LetterId,
                    ResponsibilityLetters::Table,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            Commitments::Table,
            "ux_commitments_letter_indicator",
            &["letter_id", "indicator"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LetterRevisions::Table)
                .col(big_pk_auto(LetterRevisions::Id))
                .col(big_integer(LetterRevisions::LetterId))
                .col(integer(LetterRevisions::Version))
                .col(text(LetterRevisions::Commitments))
                .col(text_null(LetterRevisions::Rationale))
                .col(string(LetterRevisions::Actor))
                .col(timestamp_with_time_zone(LetterRevisions::CreatedAt))
                .foreign_key(&mut fk(
                    LetterRevisions::Table,
                    LetterRevisions::LetterId,
                    ResponsibilityLetters::Table,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            LetterRevisions::Table,
            "ux_revisions_letter_version",
            &["letter_id", "version"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Projects::Table)
                .col(big_pk_auto(Projects::Id))
                .col(big_integer(Projects::CountyId))
                .col(string(Projects::Name))
                .col(string_len(Projects::Sector, 64))
                .col(big_integer(Projects::BudgetFen).check(Expr::col(Projects::BudgetFen).gte(0)))
                .col(
                    integer_null(Projects::Beneficiaries)
                        .check(Expr::col(Projects::Beneficiaries).gte(0)),
                )
                .col(enum_col(Projects::Status, PROJECT_STATUSES))
                .col(timestamp_with_time_zone(Projects::CreatedAt))
                .foreign_key(&mut fk(Projects::Table, Projects::CountyId, Regions::Table))
                .to_owned(),
        )
        .await?;
        index(
            m,
            Projects::Table,
            "ix_projects_county",
            &["county_id", "id"],
            false,
        )
        .await?;
        index(
            m,
            Projects::Table,
            "ix_projects_status",
            &["status", "id"],
            false,
        )
        .await?;
        index(
            m,
            Projects::Table,
            "ix_projects_name",
            &["name", "id"],
            false,
        )
        .await?;
        index(
            m,
            Projects::Table,
            "ix_projects_budget",
            &["budget_fen", "id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FundTransfers::Table)
                .col(big_pk_auto(FundTransfers::Id))
                .col(string_len_uniq(FundTransfers::ReferenceNo, 64))
                .col(big_integer(FundTransfers::PairingId))
                .col(big_integer(FundTransfers::HelperId))
                .col(big_integer(FundTransfers::RecipientId))
                .col(big_integer(FundTransfers::RecipientProvinceId))
                .col(big_integer_null(FundTransfers::ProjectId))
                .col(enum_col(FundTransfers::Category, FUND_CATEGORIES))
                .col(
                    big_integer(FundTransfers::AmountFen)
                        .check(Expr::col(FundTransfers::AmountFen).gt(0)),
                )
                .col(string_len(FundTransfers::Currency, 3).default("CNY"))
                .col(enum_col(FundTransfers::Status, TRANSFER_STATUSES))
                .col(integer(FundTransfers::Year))
                .col(date_null(FundTransfers::PlannedOn))
                .col(date_null(FundTransfers::AllocatedOn))
                .col(date_null(FundTransfers::ReceivedOn))
                .col(date_null(FundTransfers::PublicizedOn))
                .col(text_null(FundTransfers::Purpose))
                .col(string_len_null(FundTransfers::IdempotencyKey, 128).unique_key())
                .col(string_len_null(FundTransfers::RequestHash, 64))
                .col(timestamp_with_time_zone(FundTransfers::CreatedAt))
                .check(
                    Expr::col(FundTransfers::ReceivedOn).is_null().or(Expr::col(
                        FundTransfers::AllocatedOn,
                    )
                    .is_not_null()
                    .and(
                        Expr::col(FundTransfers::ReceivedOn)
                            .gte(Expr::col(FundTransfers::AllocatedOn)),
                    )),
                )
                .foreign_key(&mut fk(
                    FundTransfers::Table,
                    FundTransfers::PairingId,
                    PairingAgreements::Table,
                ))
                .foreign_key(&mut fk(
                    FundTransfers::Table,
                    FundTransfers::HelperId,
                    Organizations::Table,
                ))
                .foreign_key(&mut fk(
                    FundTransfers::Table,
                    FundTransfers::RecipientId,
                    Regions::Table,
                ))
                .foreign_key(&mut fk(
                    FundTransfers::Table,
                    FundTransfers::RecipientProvinceId,
                    Regions::Table,
                ))
                .foreign_key(&mut fk(
                    FundTransfers::Table,
                    FundTransfers::ProjectId,
                    Projects::Table,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            FundTransfers::Table,
            "ix_transfers_pairing",
            &["pairing_id", "id"],
            false,
        )
        .await?;
        index(
            m,
            FundTransfers::Table,
            "ix_transfers_helper_year",
            &["helper_id", "year", "id"],
            false,
        )
        .await?;
        index(
            m,
            FundTransfers::Table,
            "ix_transfers_recipient_year",
            &["recipient_id", "year", "id"],
            false,
        )
        .await?;
        index(
            m,
            FundTransfers::Table,
            "ix_transfers_province_year",
            &["recipient_province_id", "year", "id"],
            false,
        )
        .await?;
        index(
            m,
            FundTransfers::Table,
            "ix_transfers_year",
            &["year", "id"],
            false,
        )
        .await?;
        index(
            m,
            FundTransfers::Table,
            "ix_transfers_project",
            &["project_id"],
            false,
        )
        .await?;
        index(
            m,
            FundTransfers::Table,
            "ix_transfers_status",
            &["status", "id"],
            false,
        )
        .await?;
        index(
            m,
            FundTransfers::Table,
            "ix_transfers_amount",
            &["amount_fen", "id"],
            false,
        )
        .await?;
        index(
            m,
            FundTransfers::Table,
            "ix_transfers_allocated_on",
            &["allocated_on", "id"],
            false,
        )
        .await?;
        index(
            m,
            FundTransfers::Table,
            "ix_transfers_reference",
            &["reference_no", "id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PersonnelDispatches::Table)
                .col(big_pk_auto(PersonnelDispatches::Id))
                .col(big_integer(PersonnelDispatches::PairingId))
                .col(big_integer(PersonnelDispatches::HelperId))
                .col(big_integer(PersonnelDispatches::RecipientId))
                .col(big_integer(PersonnelDispatches::RecipientProvinceId))
                .col(string(PersonnelDispatches::PersonName))
                .col(enum_col(
                    PersonnelDispatches::Category,
                    PERSONNEL_CATEGORIES,
                ))
                .col(string_null(PersonnelDispatches::Specialty))
                .col(string(PersonnelDispatches::Post))
                .col(enum_col(PersonnelDispatches::Status, DISPATCH_STATUSES))
                .col(integer(PersonnelDispatches::Year))
                .col(date(PersonnelDispatches::StartOn))
                .col(date_null(PersonnelDispatches::EndOn))
                .col(date_null(PersonnelDispatches::ArrivedOn))
                .col(date_null(PersonnelDispatches::ReturnedOn))
                .col(timestamp_with_time_zone(PersonnelDispatches::CreatedAt))
                .check(
                    Expr::col(PersonnelDispatches::EndOn)
                        .is_null()
                        .or(Expr::col(PersonnelDispatches::EndOn)
                            .gte(Expr::col(PersonnelDispatches::StartOn))),
                )
                .foreign_key(&mut fk(
                    PersonnelDispatches::Table,
                    PersonnelDispatches::PairingId,
                    PairingAgreements::Table,
                ))
                .foreign_key(&mut fk(
                    PersonnelDispatches::Table,
                    PersonnelDispatches::HelperId,
                    Organizations::Table,
                ))
                .foreign_key(&mut fk(
                    PersonnelDispatches::Table,
                    PersonnelDispatches::RecipientId,
                    Regions::Table,
                ))
                .foreign_key(&mut fk(
                    PersonnelDispatches::Table,
                    PersonnelDispatches::RecipientProvinceId,
                    Regions::Table,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            PersonnelDispatches::Table,
            "ix_dispatches_pairing",
            &["pairing_id", "id"],
            false,
        )
        .await?;
        index(
            m,
            PersonnelDispatches::Table,
            "ix_dispatches_helper_year",
            &["helper_id", "year", "id"],
            false,
        )
        .await?;
        index(
            m,
            PersonnelDispatches::Table,
            "ix_dispatches_recipient_year",
            &["recipient_id", "year", "id"],
            false,
        )
        .await?;
        index(
            m,
            PersonnelDispatches::Table,
            "ix_dispatches_province_year",
            &["recipient_province_id", "year", "id"],
            false,
        )
        .await?;
        index(
            m,
            PersonnelDispatches::Table,
            "ix_dispatches_year",
            &["year", "id"],
            false,
        )
        .await?;
        index(
            m,
            PersonnelDispatches::Table,
            "ix_dispatches_status",
            &["status", "id"],
            false,
        )
        .await?;
        index(
            m,
            PersonnelDispatches::Table,
            "ix_dispatches_start_on",
            &["start_on", "id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ProgressReports::Table)
                .col(big_pk_auto(ProgressReports::Id))
                .col(big_integer(ProgressReports::PairingId))
                .col(enum_col(ProgressReports::Indicator, INDICATORS))
                .col(integer(ProgressReports::Year))
                .col(
                    integer(ProgressReports::Quarter)
                        .check(Expr::col(ProgressReports::Quarter).between(1, 4)),
                )
                .col(
                    big_integer(ProgressReports::Value)
                        .check(Expr::col(ProgressReports::Value).gte(0)),
                )
                .col(string(ProgressReports::ReportedBy))
                .col(timestamp_with_time_zone(ProgressReports::ReportedAt))
                .col(string_null(ProgressReports::VerifiedBy))
                .col(timestamp_with_time_zone_null(ProgressReports::VerifiedAt))
                .foreign_key(&mut fk(
                    ProgressReports::Table,
                    ProgressReports::PairingId,
                    PairingAgreements::Table,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            ProgressReports::Table,
            "ux_reports_pairing_indicator_period",
            &["pairing_id", "indicator", "year", "quarter"],
            true,
        )
        .await?;
        index(
            m,
            ProgressReports::Table,
            "ix_reports_year",
            &["year", "id"],
            false,
        )
        .await?;
        index(
            m,
            ProgressReports::Table,
            "ix_reports_indicator",
            &["indicator", "id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(big_pk_auto(AuditEvents::Id))
                .col(string(AuditEvents::Actor))
                .col(string_len(AuditEvents::Role, 32))
                .col(string_len(AuditEvents::Action, 64))
                .col(string_len(AuditEvents::Entity, 64))
                .col(big_integer(AuditEvents::EntityId))
                .col(text_null(AuditEvents::Before))
                .col(text_null(AuditEvents::After))
                .col(string_len_null(AuditEvents::RequestId, 128))
                .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            AuditEvents::Table,
            "ix_audit_entity",
            &["entity", "entity_id", "id"],
            false,
        )
        .await?;
        index(
            m,
            AuditEvents::Table,
            "ix_audit_actor",
            &["actor", "id"],
            false,
        )
        .await?;
        index(
            m,
            AuditEvents::Table,
            "ix_audit_action",
            &["action", "id"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AuditEvents::Table.into_iden(),
            ProgressReports::Table.into_iden(),
            PersonnelDispatches::Table.into_iden(),
            FundTransfers::Table.into_iden(),
            Projects::Table.into_iden(),
            LetterRevisions::Table.into_iden(),
            Commitments::Table.into_iden(),
            ResponsibilityLetters::Table.into_iden(),
            PairingAgreements::Table.into_iden(),
            Organizations::Table.into_iden(),
            Regions::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Regions {
    Table,
    Id,
    Code,
    Name,
    Level,
    Zone,
    ParentId,
    ProvinceId,
    IsPoor,
    IsKeyCounty,
    IsContiguousArea,
    IsListed,
    ExitYear,
}
#[derive(DeriveIden, Clone)]
enum Organizations {
    Table,
    Id,
    Code,
    Name,
    ShortName,
    Kind,
    RegionId,
}
#[derive(DeriveIden, Clone)]
enum PairingAgreements {
    Table,
    Id,
    Program,
    HelperId,
    RecipientId,
    StartYear,
    EndYear,
    Status,
    DocumentRef,
}
#[derive(DeriveIden, Clone)]
enum ResponsibilityLetters {
    Table,
    Id,
    PairingId,
    Year,
    Status,
    Version,
    SubmittedAt,
    SubmittedBy,
    SignedAt,
    SignedBy,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden, Clone)]
enum Commitments {
    Table,
    Id,
    LetterId,
    Indicator,
    Target,
}
#[derive(DeriveIden, Clone)]
enum LetterRevisions {
    Table,
    Id,
    LetterId,
    Version,
    Commitments,
    Rationale,
    Actor,
    CreatedAt,
}
#[derive(DeriveIden, Clone)]
enum Projects {
    Table,
    Id,
    CountyId,
    Name,
    Sector,
    BudgetFen,
    Beneficiaries,
    Status,
    CreatedAt,
}
#[derive(DeriveIden, Clone)]
enum FundTransfers {
    Table,
    Id,
    ReferenceNo,
    PairingId,
    HelperId,
    RecipientId,
    RecipientProvinceId,
    ProjectId,
    Category,
    AmountFen,
    Currency,
    Status,
    Year,
    PlannedOn,
    AllocatedOn,
    ReceivedOn,
    PublicizedOn,
    Purpose,
    IdempotencyKey,
    RequestHash,
    CreatedAt,
}
#[derive(DeriveIden, Clone)]
enum PersonnelDispatches {
    Table,
    Id,
    PairingId,
    HelperId,
    RecipientId,
    RecipientProvinceId,
    PersonName,
    Category,
    Specialty,
    Post,
    Status,
    Year,
    StartOn,
    EndOn,
    ArrivedOn,
    ReturnedOn,
    CreatedAt,
}
#[derive(DeriveIden, Clone)]
enum ProgressReports {
    Table,
    Id,
    PairingId,
    Indicator,
    Year,
    Quarter,
    Value,
    ReportedBy,
    ReportedAt,
    VerifiedBy,
    VerifiedAt,
}
#[derive(DeriveIden, Clone)]
enum AuditEvents {
    Table,
    Id,
    Actor,
    Role,
    Action,
    Entity,
    EntityId,
    Before,
    After,
    RequestId,
    OccurredAt,
}
