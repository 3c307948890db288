//! Verified delivery beyond money: inspection findings and their rectification.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn enum_col(col: InspectionFindings, values: &[&str]) -> ColumnDef {
    string_len(col.clone(), 32)
        .check(Expr::col(col).is_in(values.iter().map(|v| String::from(*v))))
        .take()
}

fn fk(col: InspectionFindings, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(InspectionFindings::Table)
        .from_col(col)
        .to_tbl(Alias::new(to))
        .to_col(Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

const SOURCES: &[&str] = &["GENERAL_SURVEY", "SPOT_CHECK", "AUDIT", "COMPLAINT"];
const SEVERITIES: &[&str] = &["MINOR", "SERIOUS", "CRITICAL"];
const STATUSES: &[&str] = &["OPEN", "RECTIFYING", "RECTIFIED", "CLOSED", "REOPENED"];
const RECORD_KINDS: &[&str] = &["FUND_TRANSFER", "PERSONNEL_DISPATCH", "PROJECT"];

const INDEXES: &[(&str, &[&str])] = &[
    ("ix_findings_status", &["status", "id"]),
    ("ix_findings_province", &["province_id", "status"]),
    ("ix_findings_responsible", &["responsible_org_id", "status"]),
    ("ix_findings_region", &["region_id", "id"]),
    ("ix_findings_due", &["due_on", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use InspectionFindings as F;
        m.create_table(
            Table::create()
                .table(F::Table)
                .col(big_pk_auto(F::Id))
                .col(enum_col(F::Source, SOURCES))
                .col(enum_col(F::Severity, SEVERITIES))
                .col(enum_col(F::Status, STATUSES))
                .col(big_integer(F::RegionId))
                .col(big_integer(F::ProvinceId))
                .col(big_integer_null(F::PairingId))
                .col(
                    string_len_null(F::RecordKind, 32).check(
                        Expr::col(F::RecordKind)
                            .is_null()
                            .or(Expr::col(F::RecordKind)
                                .is_in(RECORD_KINDS.iter().map(|v| String::from(*v)))),
                    ),
                )
                .col(big_integer_null(F::RecordId))
                .col(big_integer_null(F::ResponsibleOrgId))
                .col(text(F::Description))
                .col(date(F::FoundOn))
                .col(date(F::DueOn))
                .col(string_len(F::OpenedBy, 128))
                .col(text_null(F::RectificationPlan))
                .col(text_null(F::RectificationEvidence))
                .col(date_null(F::RectifiedOn))
                .col(date_null(F::ClosedOn))
                .col(
                    integer(F::Reopened)
                        .default(0)
                        .check(Expr::col(F::Reopened).gte(0)),
                )
                .col(string_len_null(F::IdempotencyKey, 128).unique_key())
                .col(string_len_null(F::RequestHash, 64))
                .col(timestamp_with_time_zone(F::CreatedAt))
                .check(Expr::col(F::DueOn).gte(Expr::col(F::FoundOn)))
                .check(
                    Expr::col(F::RecordKind)
                        .is_null()
                        .eq(Expr::col(F::RecordId).is_null()),
                )
                .foreign_key(&mut fk(F::RegionId, "regions"))
                .foreign_key(&mut fk(F::ProvinceId, "regions"))
                .foreign_key(&mut fk(F::PairingId, "pairing_agreements"))
                .foreign_key(&mut fk(F::ResponsibleOrgId, "organizations"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in INDEXES {
            let mut stmt = Index::create();
            stmt.name(*name).table(F::Table);
            for c in *cols {
                stmt.col(Alias::new(*c));
            }
            m.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(InspectionFindings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum InspectionFindings {
    Table,
    Id,
    Source,
    Severity,
    Status,
    RegionId,
    ProvinceId,
    PairingId,
    RecordKind,
    RecordId,
    ResponsibleOrgId,
    Description,
    FoundOn,
    DueOn,
    OpenedBy,
    RectificationPlan,
    RectificationEvidence,
    RectifiedOn,
    ClosedOn,
    Reopened,
    IdempotencyKey,
    RequestHash,
    CreatedAt,
}
