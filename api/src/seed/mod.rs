//! Demo data: real reference regions and pairings, synthetic amounts and people.
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait};

/// Loads the demo data set unless the database already has regions.
pub async fn load_demo_if_empty(db: &DatabaseConnection) -> Result<bool, DbErr> {
    if entity::region::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    load_demo(db).await?;
    Ok(true)
}

/// Loads the demo data set into an empty database.
pub async fn load_demo(_db: &DatabaseConnection) -> Result<(), DbErr> {
    Ok(())
}
