//! Produce deals: purchases and sales a helper brokered from a poor county, which the county
//! confirms or disputes.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn enum_col(col: ProduceDeals, values: &[&str]) -> ColumnDef {
    string_len(col.clone(), 32)
        .check(Expr::col(col).is_in(values.iter().map(|v| String::from(*v))))
        .take()
}

fn fk(col: ProduceDeals, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(ProduceDeals::Table)
        .from_col(col)
        .to_tbl(Alias::new(to))
        .to_col(Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

const KINDS: &[&str] = &["PURCHASED", "SALES_HELPED"];
const STATUSES: &[&str] = &["RECORDED", "CONFIRMED", "DISPUTED"];

const INDEXES: &[(&str, &[&str])] = &[
    (
        "ix_deals_pairing_year",
        &["pairing_id", "year", "status", "kind", "amount_fen"],
    ),
    ("ix_deals_origin", &["origin_county_id", "id"]),
    ("ix_deals_province", &["origin_province_id", "id"]),
    ("ix_deals_helper", &["helper_id", "id"]),
    ("ix_deals_amount", &["amount_fen", "id"]),
    ("ix_deals_deal_on", &["deal_on", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ProduceDeals as D;
        m.create_table(
            Table::create()
                .table(D::Table)
                .col(big_pk_auto(D::Id))
                .col(big_integer(D::PairingId))
                .col(big_integer(D::HelperId))
                .col(big_integer(D::OriginCountyId))
                .col(big_integer(D::OriginProvinceId))
                .col(enum_col(D::Kind, KINDS))
                .col(string_len(D::Buyer, 200))
                .col(string_len(D::Product, 200))
                .col(big_integer(D::AmountFen).check(Expr::col(D::AmountFen).gt(0)))
                .col(date(D::DealOn))
                .col(integer(D::Year))
                .col(string_len_null(D::EvidenceRef, 200))
                .col(enum_col(D::Status, STATUSES))
                .col(date_null(D::ConfirmedOn))
                .col(text_null(D::DisputeReason))
                .col(string_len_null(D::IdempotencyKey, 128).unique_key())
                .col(string_len_null(D::RequestHash, 64))
                .col(timestamp_with_time_zone(D::CreatedAt))
                .check(
                    Expr::col(D::ConfirmedOn)
                        .is_null()
                        .or(Expr::col(D::ConfirmedOn).gte(Expr::col(D::DealOn))),
                )
                .foreign_key(&mut fk(D::PairingId, "pairing_agreements"))
                .foreign_key(&mut fk(D::HelperId, "organizations"))
                .foreign_key(&mut fk(D::OriginCountyId, "regions"))
                .foreign_key(&mut fk(D::OriginProvinceId, "regions"))
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
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ProduceDeals::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum ProduceDeals {
    Table,
    Id,
    PairingId,
    HelperId,
    OriginCountyId,
    OriginProvinceId,
    Kind,
    Buyer,
    Product,
    AmountFen,
    DealOn,
    Year,
    EvidenceRef,
    Status,
    ConfirmedOn,
    DisputeReason,
    IdempotencyKey,
    RequestHash,
    CreatedAt,
}
