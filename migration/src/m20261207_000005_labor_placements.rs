//! Labour placements: poor labourers from a county placed in jobs under a pairing (counts only,
//! no names), which the origin county confirms.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(col: LaborPlacements, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(LaborPlacements::Table)
        .from_col(col)
        .to_tbl(Alias::new(to))
        .to_col(Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

const STATUSES: &[&str] = &["RECORDED", "CONFIRMED"];

const INDEXES: &[(&str, &[&str])] = &[
    (
        "ix_placements_pairing_year",
        &["pairing_id", "year", "status", "people"],
    ),
    ("ix_placements_origin", &["origin_county_id", "id"]),
    ("ix_placements_province", &["origin_province_id", "id"]),
    ("ix_placements_helper", &["helper_id", "id"]),
    ("ix_placements_start", &["start_on", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use LaborPlacements as L;
        m.create_table(
            Table::create()
                .table(L::Table)
                .col(big_pk_auto(L::Id))
                .col(big_integer(L::PairingId))
                .col(big_integer(L::HelperId))
                .col(big_integer(L::OriginCountyId))
                .col(big_integer(L::OriginProvinceId))
                .col(big_integer(L::DestinationId))
                .col(string_len(L::Employer, 200))
                .col(integer(L::People).check(Expr::col(L::People).gt(0)))
                .col(date(L::StartOn))
                .col(integer(L::Months).check(Expr::col(L::Months).between(1, 120)))
                .col(integer(L::Year))
                .col(
                    string_len(L::Status, 32).check(
                        Expr::col(L::Status).is_in(STATUSES.iter().map(|v| String::from(*v))),
                    ),
                )
                .col(date_null(L::ConfirmedOn))
                .col(string_len_null(L::IdempotencyKey, 128).unique_key())
                .col(string_len_null(L::RequestHash, 64))
                .col(timestamp_with_time_zone(L::CreatedAt))
                .check(
                    Expr::col(L::ConfirmedOn)
                        .is_null()
                        .or(Expr::col(L::ConfirmedOn).gte(Expr::col(L::StartOn))),
                )
                .foreign_key(&mut fk(L::PairingId, "pairing_agreements"))
                .foreign_key(&mut fk(L::HelperId, "organizations"))
                .foreign_key(&mut fk(L::OriginCountyId, "regions"))
                .foreign_key(&mut fk(L::OriginProvinceId, "regions"))
                .foreign_key(&mut fk(L::DestinationId, "regions"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in INDEXES {
            let mut stmt = Index::create();
            stmt.name(*name).table(L::Table);
            for c in *cols {
                stmt.col(Alias::new(*c));
            }
            m.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(LaborPlacements::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum LaborPlacements {
    Table,
    Id,
    PairingId,
    HelperId,
    OriginCountyId,
    OriginProvinceId,
    DestinationId,
    Employer,
    People,
    StartOn,
    Months,
    Year,
    Status,
    ConfirmedOn,
    IdempotencyKey,
    RequestHash,
    CreatedAt,
}
