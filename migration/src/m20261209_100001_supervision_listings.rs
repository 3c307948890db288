//! Listed supervision (挂牌督战) as its own record: a county or village listed for a year, by a
//! supervising province, with its combat plan. Replaces the yes/no `regions.is_listed`, whose
//! listed regions become 2020 listings (the year listed supervision ran) before it is dropped.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::prelude::{ChronoDate, ChronoUtc};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PLAN_STATUSES: &[&str] = &["NONE", "DRAFTED", "APPROVED", "IN_PROGRESS", "COMPLETED"];

fn fk(col: Listings, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(Listings::Table)
        .from_col(col)
        .to_tbl(Alias::new(to))
        .to_col(Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use Listings as L;
        m.create_table(
            Table::create()
                .table(L::Table)
                .col(big_pk_auto(L::Id))
                .col(big_integer(L::RegionId))
                .col(integer(L::Year))
                .col(date(L::ListedOn))
                .col(date_null(L::LiftedOn))
                .col(big_integer(L::SupervisingProvinceId))
                .col(text_null(L::CombatPlanReference))
                .col(
                    string_len(L::CombatPlanStatus, 32).check(
                        Expr::col(L::CombatPlanStatus)
                            .is_in(PLAN_STATUSES.iter().map(|v| String::from(*v))),
                    ),
                )
                .col(timestamp_with_time_zone(L::CreatedAt))
                .col(timestamp_with_time_zone(L::UpdatedAt))
                .check(
                    Expr::col(L::LiftedOn)
                        .is_null()
                        .or(Expr::col(L::LiftedOn).gte(Expr::col(L::ListedOn))),
                )
                .foreign_key(&mut fk(L::RegionId, "regions"))
                .foreign_key(&mut fk(L::SupervisingProvinceId, "regions"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_supervision_listings_region_year")
                .table(L::Table)
                .col(L::RegionId)
                .col(L::Year)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_supervision_listings_year")
                .table(L::Table)
                .col(L::Year)
                .col(L::Id)
                .to_owned(),
        )
        .await?;
        // Every region flagged listed becomes a 2020 listing supervised by its own province.
        let now = ChronoUtc::now();
        let listed_on = ChronoDate::from_ymd_opt(2020, 1, 1)
            .ok_or_else(|| DbErr::Custom("2020-01-01".into()))?;
        let select = Query::select()
            .column(Regions::Id)
            .expr(Expr::val(2020))
            .expr(Expr::val(listed_on))
            .column(Regions::ProvinceId)
            .expr(Expr::val("NONE"))
            .expr(Expr::val(now))
            .expr(Expr::val(now))
            .from(Regions::Table)
            .and_where(Expr::col(Regions::IsListed).eq(true))
            .and_where(Expr::col(Regions::ProvinceId).is_not_null())
            .to_owned();
        let insert = Query::insert()
            .into_table(L::Table)
            .columns([
                L::RegionId,
                L::Year,
                L::ListedOn,
                L::SupervisingProvinceId,
                L::CombatPlanStatus,
                L::CreatedAt,
                L::UpdatedAt,
            ])
            .select_from(select)
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        m.exec_stmt(insert).await?;
        // The listings are the one source of truth from here on.
        m.alter_table(
            Table::alter()
                .table(Regions::Table)
                .drop_column(Regions::IsListed)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Regions::Table)
                .add_column(boolean(Regions::IsListed).default(false))
                .to_owned(),
        )
        .await?;
        let listed = Query::select()
            .column(Listings::RegionId)
            .from(Listings::Table)
            .and_where(Expr::col(Listings::LiftedOn).is_null())
            .to_owned();
        m.exec_stmt(
            Query::update()
                .table(Regions::Table)
                .value(Regions::IsListed, true)
                .and_where(Expr::col(Regions::Id).in_subquery(listed))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Listings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
    ProvinceId,
    IsListed,
}

#[derive(DeriveIden, Clone)]
enum Listings {
    #[sea_orm(iden = "supervision_listings")]
    Table,
    Id,
    RegionId,
    Year,
    ListedOn,
    LiftedOn,
    SupervisingProvinceId,
    CombatPlanReference,
    CombatPlanStatus,
    CreatedAt,
    UpdatedAt,
}
