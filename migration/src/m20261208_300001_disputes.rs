//! Disputes: a recipient's objection to a transfer, a dispatch, a produce deal or a labour
//! placement, the helper's answer (with the values it corrected) and the resolution. One table
//! for the four kinds of record; at most one unresolved dispute per record.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn enum_col(col: Disputes, values: &[&str]) -> ColumnDef {
    string_len(col.clone(), 32)
        .check(Expr::col(col).is_in(values.iter().map(|v| String::from(*v))))
        .take()
}

fn fk(col: Disputes, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(Disputes::Table)
        .from_col(col)
        .to_tbl(Alias::new(to))
        .to_col(Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

const KINDS: &[&str] = &[
    "FUND_TRANSFER",
    "PERSONNEL_DISPATCH",
    "PRODUCE_DEAL",
    "LABOR_PLACEMENT",
];
const STATUSES: &[&str] = &["OPEN", "ANSWERED", "RESOLVED"];

const INDEXES: &[(&str, &[&str])] = &[
    ("ix_disputes_subject", &["subject_kind", "subject_id", "id"]),
    ("ix_disputes_year_status", &["year", "status", "id"]),
    ("ix_disputes_region", &["region_id", "id"]),
    ("ix_disputes_province", &["province_id", "id"]),
    ("ix_disputes_helper", &["helper_id", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use Disputes as D;
        m.create_table(
            Table::create()
                .table(D::Table)
                .col(big_pk_auto(D::Id))
                .col(enum_col(D::SubjectKind, KINDS))
                .col(big_integer(D::SubjectId))
                .col(big_integer(D::PairingId))
                .col(big_integer(D::HelperId))
                .col(big_integer(D::RegionId))
                .col(big_integer(D::ProvinceId))
                .col(integer(D::Year))
                .col(enum_col(D::Status, STATUSES))
                .col(text(D::Reason))
                .col(string_len(D::OpenedBy, 200))
                .col(timestamp_with_time_zone(D::OpenedAt))
                .col(text_null(D::Answer))
                .col(string_len_null(D::AnsweredBy, 200))
                .col(timestamp_with_time_zone_null(D::AnsweredAt))
                .col(big_integer_null(D::PreviousAmountFen))
                .col(big_integer_null(D::CorrectedAmountFen))
                .col(date_null(D::PreviousOn))
                .col(date_null(D::CorrectedOn))
                .col(text_null(D::Resolution))
                .col(string_len_null(D::ResolvedBy, 200))
                .col(timestamp_with_time_zone_null(D::ResolvedAt))
                // "KIND:id" while unresolved, NULL once resolved: one open dispute per record.
                .col(string_len_null(D::OpenKey, 64).unique_key())
                .check(
                    Expr::col(D::Status)
                        .eq("RESOLVED")
                        .and(Expr::col(D::OpenKey).is_null())
                        .or(Expr::col(D::Status)
                            .ne("RESOLVED")
                            .and(Expr::col(D::OpenKey).is_not_null())),
                )
                .foreign_key(&mut fk(D::PairingId, "pairing_agreements"))
                .foreign_key(&mut fk(D::HelperId, "organizations"))
                .foreign_key(&mut fk(D::RegionId, "regions"))
                .foreign_key(&mut fk(D::ProvinceId, "regions"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in INDEXES {
            let mut stmt = Index::create();
            stmt.name(*name).table(D::Table);
            for c in *cols {
                stmt.col(Alias::new(*c));
            }
            m.create_index(stmt).await?;
        }
        // Deals disputed before this change get their open dispute.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO disputes (subject_kind, subject_id, pairing_id, helper_id, region_id, \
                 province_id, year, status, reason, opened_by, opened_at, open_key) \
                 SELECT 'PRODUCE_DEAL', id, pairing_id, helper_id, origin_county_id, \
                 origin_province_id, year, 'OPEN', COALESCE(dispute_reason, ''), 'migration', \
                 created_at, 'PRODUCE_DEAL:' || CAST(id AS TEXT) \
                 FROM produce_deals WHERE status = 'DISPUTED'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Disputes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum Disputes {
    Table,
    Id,
    SubjectKind,
    SubjectId,
    PairingId,
    HelperId,
    RegionId,
    ProvinceId,
    Year,
    Status,
    Reason,
    OpenedBy,
    OpenedAt,
    Answer,
    AnsweredBy,
    AnsweredAt,
    PreviousAmountFen,
    CorrectedAmountFen,
    PreviousOn,
    CorrectedOn,
    Resolution,
    ResolvedBy,
    ResolvedAt,
    OpenKey,
}
