//! Synthetic villages under the 52 real listed counties (the real village list is not public in
//! machine-readable form): one township `<county>100` per county and its villages
//! `<county>100001…`, named as synthetic. 1,113 of them are listed for 2020, as nationwide, and
//! some of the demo's records go to them.
use super::generate::DemoData;
use super::reference::Regions;
use chrono::{NaiveDate, TimeZone, Utc};
use entity::enums::{CombatPlanStatus, RegionLevel};
use entity::{region, supervision_listing};
use sea_orm::DbErr;

/// Villages generated per listed county.
pub const VILLAGES_PER_COUNTY: usize = 30;
/// Listed villages nationwide in 2020.
pub const LISTED_VILLAGES: usize = 1113;
/// The year the listings are for.
const YEAR: i32 = 2020;

fn plan(i: usize, code: &str) -> (CombatPlanStatus, Option<String>) {
    match i % 4 {
        0 => (CombatPlanStatus::None, None),
        1 => (CombatPlanStatus::Drafted, Some(format!("SYN-PLAN-{code}"))),
        2 => (CombatPlanStatus::Approved, Some(format!("SYN-PLAN-{code}"))),
        _ => (
            CombatPlanStatus::InProgress,
            Some(format!("SYN-PLAN-{code}")),
        ),
    }
}

pub fn add(data: &mut DemoData, regions: &Regions) -> Result<(), DbErr> {
    let listed_on = NaiveDate::from_ymd_opt(YEAR, 1, 1)
        .ok_or_else(|| DbErr::Custom("demo data: listing date".into()))?;
    let stamp = Utc
        .with_ymd_and_hms(YEAR, 1, 1, 0, 0, 0)
        .single()
        .ok_or_else(|| DbErr::Custom("demo data: listing time".into()))?;
    let listing = |id: i64, region: &region::Model, plan: (CombatPlanStatus, Option<String>)| {
        supervision_listing::Model {
            id,
            region_id: region.id,
            year: YEAR,
            listed_on,
            lifted_on: None,
            supervising_province_id: region.province_id.unwrap_or(region.id),
            combat_plan_reference: plan.1,
            combat_plan_status: plan.0,
            created_at: stamp,
            updated_at: stamp,
        }
    };
    let counties: Vec<&region::Model> = regions.listed.iter().map(|&i| regions.get(i)).collect();
    for c in &counties {
        let id = data.listings.len() as i64 + 1;
        data.listings
            .push(listing(id, c, (CombatPlanStatus::None, None)));
    }
    // 21 listed villages per county, one more in the first counties: 1,113 in all.
    let base = LISTED_VILLAGES / counties.len();
    let extra = LISTED_VILLAGES % counties.len();
    let mut next_id = regions.models.len() as i64 + 1;
    for (n, c) in counties.iter().enumerate() {
        let township = region::Model {
            id: next_id,
            code: format!("{}100", c.code),
            name: format!("{}合成乡 (synthetic township)", c.name),
            level: RegionLevel::Township,
            zone: c.zone,
            parent_id: Some(c.id),
            province_id: c.province_id,
            is_poor: None,
            is_key_county: None,
            is_contiguous_area: None,
            exit_year: None,
        };
        next_id += 1;
        let listed_here = base + usize::from(n < extra);
        let mut first_village = None;
        for v in 0..VILLAGES_PER_COUNTY {
            let village = region::Model {
                id: next_id,
                code: format!("{}{:03}", township.code, v + 1),
                name: format!("合成{}村 (synthetic village {:02})", v + 1, v + 1),
                level: RegionLevel::Village,
                zone: c.zone,
                parent_id: Some(township.id),
                province_id: c.province_id,
                is_poor: Some(v < listed_here),
                is_key_county: None,
                is_contiguous_area: None,
                exit_year: (v < listed_here).then_some(YEAR),
            };
            next_id += 1;
            if v < listed_here {
                let id = data.listings.len() as i64 + 1;
                let p = plan(v, &village.code);
                data.listings.push(listing(id, &village, p));
            }
            first_village.get_or_insert(village.id);
            data.villages.push(village);
        }
        data.villages
            .insert(data.villages.len() - VILLAGES_PER_COUNTY, township);
        if let Some(v) = first_village {
            to_village(data, c.id, v);
        }
    }
    Ok(())
}

/// The county's first 2020 transfer and dispatch go to its first village, and its first project
/// is placed there: the county's own figures (which include its villages) stay as they were.
fn to_village(data: &mut DemoData, county: i64, village: i64) {
    if let Some(t) = data
        .transfers
        .iter_mut()
        .find(|t| t.recipient_id == county && t.year == YEAR)
    {
        t.recipient_id = village;
    }
    if let Some(d) = data
        .dispatches
        .iter_mut()
        .find(|d| d.recipient_id == county && d.year == YEAR)
    {
        d.recipient_id = village;
    }
    if let Some(p) = data.projects.iter_mut().find(|p| p.county_id == county) {
        p.village_id = Some(village);
    }
}
