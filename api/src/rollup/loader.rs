//! Batching for the per-object aggregates: a page of letters, pairings, organizations or regions
//! costs the same few statements as one of them.
use super::service::{self, Assistance, Figures, GroupKey, RegionScope, Scope};
use crate::db::Db;
use crate::error::AppError;
use async_graphql::dataloader::Loader;
use entity::enums::Indicator;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// One pairing's, helper's or province's figures for one year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RollupKey {
    pub scope: Scope,
    pub id: i64,
    pub year: i32,
}

/// Loads indicator figures (targets of signed letters, achievements with and without the
/// verified-only rule) for many groups: four statements per scope kind in the batch.
pub struct RollupLoader(Db);

impl RollupLoader {
    pub fn new(db: Db) -> Self {
        RollupLoader(db)
    }
}

impl Loader<RollupKey> for RollupLoader {
    type Value = BTreeMap<Indicator, Figures>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[RollupKey],
    ) -> Result<HashMap<RollupKey, Self::Value>, Self::Error> {
        let mut by_scope: BTreeMap<Scope, (BTreeSet<i64>, BTreeSet<i32>)> = BTreeMap::new();
        for k in keys {
            let e = by_scope.entry(k.scope).or_default();
            e.0.insert(k.id);
            e.1.insert(k.year);
        }
        let mut out: HashMap<RollupKey, Self::Value> =
            keys.iter().map(|k| (*k, BTreeMap::new())).collect();
        for (scope, (ids, years)) in by_scope {
            let ids: Vec<i64> = ids.into_iter().collect();
            let years: Vec<i32> = years.into_iter().collect();
            let rollup = service::rollup(&self.0, scope, &years, Some(&ids), None)
                .await
                .map_err(Arc::new)?;
            for ((key, year, indicator), figures) in rollup {
                let GroupKey::Id(id) = key else { continue };
                if let Some(m) = out.get_mut(&RollupKey { scope, id, year }) {
                    m.insert(indicator, figures);
                }
            }
        }
        Ok(out)
    }
}

/// One helper's figures with its subordinates' for one year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FamilyKey {
    pub head: i64,
    pub year: i32,
}

/// Loads the figures of helpers with their subordinates: two statements per batch (the heads'
/// regions, then the rollup).
pub struct FamilyLoader(Db);

impl Loader<FamilyKey> for FamilyLoader {
    type Value = BTreeMap<Indicator, Figures>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[FamilyKey],
    ) -> Result<HashMap<FamilyKey, Self::Value>, Self::Error> {
        let heads: BTreeSet<i64> = keys.iter().map(|k| k.head).collect();
        let years: BTreeSet<i32> = keys.iter().map(|k| k.year).collect();
        let families = service::families(&self.0, &heads).await.map_err(Arc::new)?;
        let years: Vec<i32> = years.into_iter().collect();
        let rollup = service::family_rollup(&self.0, &families, &years, None)
            .await
            .map_err(Arc::new)?;
        let mut out: HashMap<FamilyKey, Self::Value> =
            keys.iter().map(|k| (*k, BTreeMap::new())).collect();
        for ((key, year, indicator), figures) in rollup {
            let GroupKey::Id(head) = key else { continue };
            if let Some(m) = out.get_mut(&FamilyKey { head, year }) {
                m.insert(indicator, figures);
            }
        }
        Ok(out)
    }
}

/// One region's assistance in one year.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AssistanceKey {
    pub region: RegionScope,
    pub year: i32,
    /// Whether `spent` is selected: its statement runs only then.
    pub spent: bool,
}

/// Loads what regions received: four statements per year in the batch.
pub struct AssistanceLoader(Db);

impl AssistanceLoader {
    pub fn new(db: Db) -> Self {
        AssistanceLoader(db)
    }
}

impl Loader<AssistanceKey> for AssistanceLoader {
    type Value = Assistance;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[AssistanceKey],
    ) -> Result<HashMap<AssistanceKey, Self::Value>, Self::Error> {
        let mut by_year: BTreeMap<(i32, bool), Vec<RegionScope>> = BTreeMap::new();
        for k in keys {
            let scopes = by_year.entry((k.year, k.spent)).or_default();
            if !scopes.contains(&k.region) {
                scopes.push(k.region.clone());
            }
        }
        let mut out = HashMap::new();
        for ((year, spent), scopes) in by_year {
            let mut found = service::assistance(&self.0, &scopes, year, spent)
                .await
                .map_err(Arc::new)?;
            for s in scopes {
                let a = found.remove(&s.id).unwrap_or_default();
                out.insert(
                    AssistanceKey {
                        region: s,
                        year,
                        spent,
                    },
                    a,
                );
            }
        }
        Ok(out)
    }
}

impl crate::batch::RequestLoader for async_graphql::dataloader::DataLoader<RollupLoader> {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        crate::batch::batched(batch_delay, RollupLoader::new(db.clone()))
    }
}

impl crate::batch::RequestLoader for async_graphql::dataloader::DataLoader<FamilyLoader> {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        crate::batch::batched(batch_delay, FamilyLoader(db.clone()))
    }
}

impl crate::batch::RequestLoader for async_graphql::dataloader::DataLoader<AssistanceLoader> {
    fn create(db: &Db, batch_delay: std::time::Duration) -> Self {
        crate::batch::batched(batch_delay, AssistanceLoader::new(db.clone()))
    }
}
