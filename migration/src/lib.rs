//! Schema migrations. One file per change; a landed migration is never edited.
pub use sea_orm_migration::prelude::*;

mod m20261128_000001_domain_schema;
mod m20261129_000001_rollup_indexes;
mod m20261207_000001_per_helper_keys;
mod m20261207_000002_fund_supervision;
mod m20261207_000003_verified_delivery;
mod m20261207_000004_produce_deals;
mod m20261207_000005_labor_placements;
mod m20261207_000006_audit_server_request_id;
mod m20261208_200001_indicators_trained;
mod m20261208_200002_progress_report_versions;
mod m20261208_300001_disputes;
mod m20261208_300002_partial_receipt;
mod m20261208_400001_subscription_leases;
mod m20261209_100001_supervision_listings;
mod m20261209_100002_project_village;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_domain_schema::Migration),
            Box::new(m20261129_000001_rollup_indexes::Migration),
            Box::new(m20261207_000001_per_helper_keys::Migration),
            Box::new(m20261207_000002_fund_supervision::Migration),
            Box::new(m20261207_000003_verified_delivery::Migration),
            Box::new(m20261207_000004_produce_deals::Migration),
            Box::new(m20261207_000005_labor_placements::Migration),
            Box::new(m20261207_000006_audit_server_request_id::Migration),
            Box::new(m20261208_200001_indicators_trained::Migration),
            Box::new(m20261208_200002_progress_report_versions::Migration),
            Box::new(m20261208_300001_disputes::Migration),
            Box::new(m20261208_300002_partial_receipt::Migration),
            Box::new(m20261208_400001_subscription_leases::Migration),
            Box::new(m20261209_100001_supervision_listings::Migration),
            Box::new(m20261209_100002_project_village::Migration),
        ]
    }
}
