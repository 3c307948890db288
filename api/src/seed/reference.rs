//! The real reference data in `data/`, embedded in the binary and parsed into region rows.
use entity::enums::{RegionLevel, Zone};
use entity::region;
use sea_orm::DbErr;
use serde::Deserialize;
use std::collections::BTreeMap;

const REGIONS_CSV: &str = include_str!("../../../data/regions.csv");
const POOR_COUNTIES_CSV: &str = include_str!("../../../data/poor-counties.csv");
const LISTED_COUNTIES_CSV: &str = include_str!("../../../data/listed-counties-2020.csv");
const EAST_WEST_CSV: &str = include_str!("../../../data/east-west-pairings-2016.csv");

#[derive(Deserialize)]
struct RegionRow {
    code: String,
    name: String,
    level: String,
    parent_code: String,
}

#[derive(Deserialize)]
struct PoorCountyRow {
    code: String,
    key_county: String,
    contiguous_area: String,
}

#[derive(Deserialize)]
struct ListedCountyRow {
    code: String,
}

/// One of the 2016 east–west pairs (region codes of helper and recipient).
#[derive(Deserialize)]
pub struct EastWestPair {
    pub helper_code: String,
    pub recipient_code: String,
}

/// All regions with ids (in code order, so a parent always precedes its children) and lookups.
pub struct Regions {
    pub models: Vec<region::Model>,
    by_code: BTreeMap<String, usize>,
    /// The 52 counties listed for supervision in 2020, in code order.
    pub listed: std::collections::BTreeSet<usize>,
}

impl Regions {
    pub fn index(&self, code: &str) -> Result<usize, DbErr> {
        self.by_code
            .get(code)
            .copied()
            .ok_or_else(|| DbErr::Custom(format!("demo data: unknown region code {code}")))
    }

    pub fn get(&self, idx: usize) -> &region::Model {
        &self.models[idx]
    }

    pub fn province_id(&self, idx: usize) -> i64 {
        let m = &self.models[idx];
        m.province_id.unwrap_or(m.id)
    }

    /// The counties in or under a region (itself when it is a county), in code order.
    pub fn counties_within(&self, idx: usize) -> Vec<usize> {
        let r = &self.models[idx];
        match r.level {
            RegionLevel::County | RegionLevel::Township | RegionLevel::Village => vec![idx],
            RegionLevel::Province => self.filter_counties(|m| m.province_id == Some(r.id)),
            RegionLevel::Prefecture => self.filter_counties(|m| m.parent_id == Some(r.id)),
        }
    }

    fn filter_counties(&self, keep: impl Fn(&region::Model) -> bool) -> Vec<usize> {
        self.models
            .iter()
            .enumerate()
            .filter(|(_, m)| m.level == RegionLevel::County && keep(m))
            .map(|(i, _)| i)
            .collect()
    }
}

fn rows<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<Vec<T>, DbErr> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| DbErr::Custom(format!("demo data: {name}: {e}")))
}

/// The zone of a province, by the first two digits of its code.
pub fn zone_of(code: &str) -> Result<Zone, DbErr> {
    Ok(match &code[..2.min(code.len())] {
        "11" | "12" | "13" | "21" | "31" | "32" | "33" | "35" | "37" | "44" | "46" | "71"
        | "81" | "82" => Zone::East,
        "14" | "22" | "23" | "34" | "36" | "41" | "42" | "43" => Zone::Central,
        "15" | "45" | "50" | "51" | "52" | "53" | "54" | "61" | "62" | "63" | "64" | "65" => {
            Zone::West
        }
        _ => return Err(DbErr::Custom(format!("demo data: no zone for {code}"))),
    })
}

fn flag(value: &str) -> Option<bool> {
    match value.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Every region of `regions.csv` with the poverty flags that are known.
pub fn regions() -> Result<Regions, DbErr> {
    let mut raw: Vec<RegionRow> = rows("regions.csv", REGIONS_CSV)?;
    // Parent codes are always smaller than their children's, so code order puts parents first.
    raw.sort_by(|a, b| a.code.cmp(&b.code));
    let by_code: BTreeMap<String, usize> = raw
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.clone(), i))
        .collect();
    let id_of = |code: &str| -> Result<i64, DbErr> {
        by_code
            .get(code)
            .map(|i| *i as i64 + 1)
            .ok_or_else(|| DbErr::Custom(format!("demo data: unknown region code {code}")))
    };
    let mut models = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let level = match r.level.as_str() {
            "province" => RegionLevel::Province,
            "prefecture" => RegionLevel::Prefecture,
            "county" => RegionLevel::County,
            other => return Err(DbErr::Custom(format!("demo data: level {other}"))),
        };
        let province_code = crate::region_code::province(&r.code)
            .ok_or_else(|| DbErr::Custom(format!("demo data: invalid region code {}", r.code)))?;
        let parent_id = if r.parent_code.is_empty() {
            None
        } else {
            Some(id_of(&r.parent_code)?)
        };
        models.push(region::Model {
            id: i as i64 + 1,
            code: r.code.clone(),
            name: r.name.clone(),
            level,
            zone: zone_of(&r.code)?,
            parent_id,
            province_id: Some(id_of(&province_code)?),
            is_poor: None,
            is_key_county: None,
            is_contiguous_area: None,
            exit_year: None,
        });
    }
    for p in rows::<PoorCountyRow>("poor-counties.csv", POOR_COUNTIES_CSV)? {
        // Two rows (an abolished county and a sub-county area) have no code of their own.
        if p.code.is_empty() {
            continue;
        }
        let m = &mut models[(id_of(&p.code)? - 1) as usize];
        m.is_poor = Some(true);
        m.is_key_county = flag(&p.key_county);
        m.is_contiguous_area = flag(&p.contiguous_area);
    }
    let mut listed = std::collections::BTreeSet::new();
    for l in rows::<ListedCountyRow>("listed-counties-2020.csv", LISTED_COUNTIES_CSV)? {
        let i = (id_of(&l.code)? - 1) as usize;
        let m = &mut models[i];
        m.is_poor = Some(true);
        m.exit_year = Some(2020);
        listed.insert(i);
    }
    Ok(Regions {
        models,
        by_code,
        listed,
    })
}

/// The 32 east–west pairs of 2016, in the order of the source document.
pub fn east_west_pairs() -> Result<Vec<EastWestPair>, DbErr> {
    rows("east-west-pairings-2016.csv", EAST_WEST_CSV)
}
