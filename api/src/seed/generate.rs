//! Builds the whole demo data set in memory: real regions and east–west pairs, everything else
//! synthetic. Deterministic: one ChaCha stream with a fixed seed, ordered collections only, no clock.
use super::names::{
    CADRE_POSTS, CENTRAL_UNITS, ENTERPRISES, FISCAL_PURPOSES, GIVEN_NAMES, INVESTMENT_PURPOSES,
    PROJECTS, SOCIAL_PURPOSES, SURNAMES, TECHNICIANS,
};
use super::reference::{self, Regions};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use entity::enums::{
    DealKind, DealStatus, DispatchStatus, FundCategory, Indicator, IndicatorUnit, LetterStatus,
    OrganizationKind, PairingStatus, PersonnelCategory, PlacementStatus, Program, ProjectStatus,
    RegionLevel, TransferStatus,
};
use entity::{
    commitment, fund_transfer, labor_placement, letter_revision, organization, pairing_agreement,
    personnel_dispatch, produce_deal, progress_report, project, region, responsibility_letter,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::DbErr;
use std::collections::{BTreeMap, BTreeSet};

/// The fixed seed: the same data set on every machine and every database.
pub const SEED: u64 = 20_161_207;
/// The years of the 2016–2020 pairing period.
pub const FIRST_YEAR: i32 = 2016;
pub const LAST_YEAR: i32 = 2020;
/// Growth of the annual targets over the period (2019 = 1).
const GROWTH: [f64; 5] = [0.55, 0.7, 0.85, 1.0, 1.1];

/// Every row of the demo, with explicit ids, in insertion order.
#[derive(Default)]
pub struct DemoData {
    pub regions: Vec<region::Model>,
    pub organizations: Vec<organization::Model>,
    pub pairings: Vec<pairing_agreement::Model>,
    pub letters: Vec<responsibility_letter::Model>,
    pub commitments: Vec<commitment::Model>,
    pub revisions: Vec<letter_revision::Model>,
    pub projects: Vec<project::Model>,
    pub transfers: Vec<fund_transfer::Model>,
    pub dispatches: Vec<personnel_dispatch::Model>,
    pub reports: Vec<progress_report::Model>,
    /// Numbered by the database when loaded (after the reports).
    pub deals: Vec<produce_deal::Model>,
    pub placements: Vec<labor_placement::Model>,
    /// The 2020 listings: the 52 real counties, then the synthetic villages.
    pub listings: Vec<entity::supervision_listing::Model>,
    /// The synthetic townships and villages, numbered after the reference regions.
    pub villages: Vec<region::Model>,
}

/// The size class of a pairing, which sets the magnitudes of its targets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scale {
    EastWestProvince,
    EastWestCity,
    County,
    Central,
}

/// A pairing with what the generator needs to know about it.
struct Pair {
    id: i64,
    program: Program,
    scale: Scale,
    helper_id: i64,
    helper_code: String,
    recipient: usize,
    /// Counties in the recipient region that receive its funds and people (empty: the recipient).
    counties: Vec<usize>,
}

/// A project of a county, for linking transfers.
struct ProjectRef {
    id: i64,
    name: String,
}

fn day(year: i32, ordinal0: u64) -> NaiveDate {
    NaiveDate::from_yo_opt(year, 1).unwrap_or_default() + Days::new(ordinal0)
}

fn at(date: NaiveDate, seconds: i64) -> DateTime<Utc> {
    (date.and_time(NaiveTime::MIN) + TimeDelta::seconds(seconds)).and_utc()
}

/// The demo's "today": transfer and dispatch statuses are as of the end of the period.
fn as_of() -> NaiveDate {
    day(LAST_YEAR, 365)
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn office_hours(rng: &mut ChaCha8Rng) -> i64 {
    rng.random_range(3600..9 * 3600)
}

fn government_name(region: &region::Model) -> String {
    format!("{}人民政府", region.name)
}

/// The 2019 level of an indicator's annual target for a pairing of this size (yuan or count).
fn base_range(scale: Scale, indicator: Indicator) -> (f64, f64) {
    use Indicator::*;
    use Scale::*;
    match (scale, indicator) {
        (EastWestProvince, FiscalAidFunds) => (3.0e8, 9.0e8),
        (EastWestProvince, SocialAidFunds) => (2.0e7, 1.0e8),
        (EastWestProvince, CadresDispatched) => (8.0, 20.0),
        (EastWestProvince, TechniciansDispatched) => (20.0, 45.0),
        (EastWestProvince, LaborTransferred) => (3000.0, 9000.0),
        (EastWestProvince, EnterprisesInvested) => (20.0, 60.0),
        (EastWestProvince, ConsumptionAssistance) => (3.0e8, 1.2e9),
        (EastWestCity, FiscalAidFunds) => (8.0e7, 3.0e8),
        (EastWestCity, SocialAidFunds) => (1.0e7, 5.0e7),
        (EastWestCity, CadresDispatched) => (4.0, 12.0),
        (EastWestCity, TechniciansDispatched) => (10.0, 30.0),
        (EastWestCity, LaborTransferred) => (1000.0, 4000.0),
        (EastWestCity, EnterprisesInvested) => (8.0, 30.0),
        (EastWestCity, ConsumptionAssistance) => (1.0e8, 4.0e8),
        (_, FiscalAidFunds) => (5.0e6, 3.0e7),
        (_, SocialAidFunds) => (1.0e6, 5.0e6),
        (_, CadresDispatched) => (1.0, 3.0),
        (_, TechniciansDispatched) => (3.0, 8.0),
        (_, LaborTransferred) => (100.0, 800.0),
        (_, EnterprisesInvested) => (1.0, 5.0),
        (_, ConsumptionAssistance) => (5.0e6, 3.0e7),
        (_, DirectInvestment) => (5.0e6, 5.0e7),
        (_, AttractedFunds) => (1.0e7, 1.0e8),
        (_, GrassrootsCadresTrained) => (500.0, 3000.0),
        (_, TechniciansTrained) => (300.0, 2000.0),
        (_, CadresTrained) => (200.0, 1500.0),
        (_, ProducePurchased) => (3.0e6, 3.0e7),
        (_, ProduceSalesHelped) => (5.0e6, 6.0e7),
    }
}

/// How many transfers a pairing makes in a year for one fund category.
fn transfers_per_year(scale: Scale, category: FundCategory) -> std::ops::RangeInclusive<usize> {
    let main = matches!(
        category,
        FundCategory::FiscalAid | FundCategory::DirectInvestment
    );
    match (scale, main) {
        (Scale::EastWestProvince, true) => 30..=60,
        (Scale::EastWestProvince, false) => 8..=16,
        (Scale::EastWestCity, true) => 15..=35,
        (Scale::EastWestCity, false) => 4..=10,
        (Scale::County, true) => 4..=10,
        (Scale::County, false) => 1..=4,
        (Scale::Central, true) => 4..=10,
        (Scale::Central, false) => 2..=6,
    }
}

/// A value in the indicator's stored step: whole 10,000 yuan in fen for money, counts otherwise.
fn stored_value(indicator: Indicator, value: f64) -> i64 {
    match indicator.unit() {
        IndicatorUnit::Yuan => ((value / 10_000.0).round() as i64).max(1) * 1_000_000,
        _ => (value.round() as i64).max(1),
    }
}

/// Splits `total` into `n` positive parts with random weights.
fn split(rng: &mut ChaCha8Rng, total: i64, n: usize) -> Vec<i64> {
    let n = n.clamp(1, total.max(1) as usize);
    let weights: Vec<f64> = (0..n).map(|_| rng.random_range(0.4..1.6)).collect();
    let sum: f64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| ((total as f64 * w / sum).floor() as i64).max(1))
        .collect();
    let rest = total - parts.iter().sum::<i64>();
    if let Some(largest) = (0..n).max_by_key(|&i| parts[i]) {
        parts[largest] = (parts[largest] + rest).max(1);
    }
    parts
}

/// Recipient counties ranked for assistance: listed first, then known poor, then rural counties.
fn ranked(rng: &mut ChaCha8Rng, regions: &Regions, mut counties: Vec<usize>) -> Vec<usize> {
    counties.shuffle(rng);
    counties.sort_by_key(|&i| {
        let r = regions.get(i);
        if regions.listed.contains(&i) {
            0
        } else if r.is_poor == Some(true) {
            1
        } else if !r.name.ends_with('区') {
            2
        } else {
            3
        }
    });
    counties
}

pub fn generate() -> Result<DemoData, DbErr> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let regions = reference::regions()?;
    let east_west = reference::east_west_pairs()?;

    // Which regions take part: east–west pairs (real), county pairs and central units' counties.
    let mut ew: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    let mut county_pairs: Vec<(usize, usize)> = Vec::new();
    let mut used_helpers = BTreeSet::new();
    let mut used_recipients = BTreeSet::new();
    for p in &east_west {
        let helper = regions.index(&p.helper_code)?;
        let recipient = regions.index(&p.recipient_code)?;
        let mut helpers: Vec<usize> = regions
            .counties_within(helper)
            .into_iter()
            .filter(|c| !used_helpers.contains(c))
            .collect();
        helpers.shuffle(&mut rng);
        let candidates: Vec<usize> = regions
            .counties_within(recipient)
            .into_iter()
            .filter(|c| !used_recipients.contains(c))
            .collect();
        let candidates = ranked(&mut rng, &regions, candidates);
        // 中山 and 东莞 have no counties of their own, so they have no county pairs.
        let n = rng
            .random_range(2..=4usize)
            .min(helpers.len())
            .min(candidates.len());
        for i in 0..n {
            used_helpers.insert(helpers[i]);
            used_recipients.insert(candidates[i]);
            county_pairs.push((helpers[i], candidates[i]));
        }
        let extra = rng.random_range(1..=3usize);
        let targets: Vec<usize> = candidates.iter().take(n + extra).copied().collect();
        ew.push((helper, recipient, targets));
    }
    let mut poor: Vec<usize> = (0..regions.models.len())
        .filter(|&i| regions.get(i).is_poor == Some(true))
        .collect();
    poor.shuffle(&mut rng);
    let mut poor = poor.into_iter();
    let mut designated: Vec<(usize, usize)> = Vec::new();
    for unit in 0..CENTRAL_UNITS.len() {
        for _ in 0..rng.random_range(1..=2) {
            if let Some(county) = poor.next() {
                designated.push((unit, county));
            }
        }
    }

    let mut data = DemoData::default();

    // Organizations: governments of the east–west regions, county governments, central units.
    let mut government: BTreeMap<usize, i64> = BTreeMap::new();
    for (helper, recipient, _) in &ew {
        for &r in [helper, recipient] {
            if government.contains_key(&r) {
                continue;
            }
            let m = regions.get(r);
            let kind = if m.level == RegionLevel::Province {
                OrganizationKind::ProvincialGovernment
            } else {
                OrganizationKind::CityGovernment
            };
            let id = add_org(
                &mut data,
                m.code.clone(),
                government_name(m),
                Some(m.name.clone()),
                kind,
                Some(m.id),
            );
            government.insert(r, id);
        }
    }
    let assisted: BTreeSet<usize> = county_pairs
        .iter()
        .map(|&(_, r)| r)
        .chain(designated.iter().map(|&(_, r)| r))
        .chain(ew.iter().flat_map(|(_, _, t)| t.iter().copied()))
        .collect();
    let counties: BTreeSet<usize> = assisted
        .iter()
        .copied()
        .chain(county_pairs.iter().map(|&(h, _)| h))
        .collect();
    for &c in &counties {
        let m = regions.get(c);
        let id = add_org(
            &mut data,
            m.code.clone(),
            government_name(m),
            Some(m.name.clone()),
            OrganizationKind::CountyGovernment,
            Some(m.id),
        );
        government.insert(c, id);
    }
    let mut central_ids = Vec::new();
    for (code, name, short) in CENTRAL_UNITS {
        central_ids.push(add_org(
            &mut data,
            code.to_string(),
            name.to_string(),
            Some(short.to_string()),
            OrganizationKind::CentralUnit,
            None,
        ));
    }
    for (code, name, short) in ENTERPRISES {
        add_org(
            &mut data,
            code.to_string(),
            name.to_string(),
            Some(short.to_string()),
            OrganizationKind::Enterprise,
            None,
        );
    }
    let org_code = |id: i64, data: &DemoData| data.organizations[(id - 1) as usize].code.clone();

    // Pairings: the real east–west pairs, then county pairs, then designated assistance.
    let mut pairs: Vec<Pair> = Vec::new();
    let gov = |r: usize| -> Result<i64, DbErr> {
        government
            .get(&r)
            .copied()
            .ok_or_else(|| DbErr::Custom(format!("demo data: no government for region {r}")))
    };
    for (helper, recipient, targets) in &ew {
        let both_provinces = regions.get(*helper).level == RegionLevel::Province
            && regions.get(*recipient).level == RegionLevel::Province;
        let helper_id = gov(*helper)?;
        pairs.push(Pair {
            id: 0,
            program: Program::EastWest,
            scale: if both_provinces {
                Scale::EastWestProvince
            } else {
                Scale::EastWestCity
            },
            helper_id,
            helper_code: org_code(helper_id, &data),
            recipient: *recipient,
            counties: targets.clone(),
        });
    }
    for &(helper, recipient) in &county_pairs {
        let helper_id = gov(helper)?;
        pairs.push(Pair {
            id: 0,
            program: Program::CountyToCounty,
            scale: Scale::County,
            helper_id,
            helper_code: org_code(helper_id, &data),
            recipient,
            counties: Vec::new(),
        });
    }
    for &(unit, county) in &designated {
        let helper_id = central_ids[unit];
        pairs.push(Pair {
            id: 0,
            program: Program::DesignatedAssistance,
            scale: Scale::Central,
            helper_id,
            helper_code: org_code(helper_id, &data),
            recipient: county,
            counties: Vec::new(),
        });
    }
    for (i, p) in pairs.iter_mut().enumerate() {
        p.id = i as i64 + 1;
        data.pairings.push(pairing_agreement::Model {
            id: p.id,
            program: p.program,
            helper_id: p.helper_id,
            recipient_id: regions.get(p.recipient).id,
            start_year: FIRST_YEAR,
            end_year: Some(LAST_YEAR),
            status: PairingStatus::Active,
            document_ref: Some(
                match p.program {
                    Program::EastWest => {
                        "中办国办《关于进一步加强东西部扶贫协作工作的指导意见》（2016年12月）"
                    }
                    Program::CountyToCounty => "携手奔小康行动结对帮扶协议",
                    _ => "中央单位定点扶贫结对关系",
                }
                .to_string(),
            ),
        });
    }

    // Each assisted county's project library.
    let mut projects: BTreeMap<usize, Vec<ProjectRef>> = BTreeMap::new();
    for &c in &assisted {
        let county = regions.get(c);
        for _ in 0..rng.random_range(3..=6) {
            let (sector, names) = pick(&mut rng, PROJECTS);
            let name = format!("{}{}", county.name, pick(&mut rng, names));
            let id = data.projects.len() as i64 + 1;
            let roll: f64 = rng.random();
            let status = if roll < 0.6 {
                ProjectStatus::Completed
            } else if roll < 0.9 {
                ProjectStatus::InProgress
            } else if roll < 0.97 {
                ProjectStatus::Planned
            } else {
                ProjectStatus::Cancelled
            };
            let created = day(
                rng.random_range(FIRST_YEAR..=LAST_YEAR),
                rng.random_range(0..300),
            );
            data.projects.push(project::Model {
                id,
                county_id: county.id,
                village_id: None,
                name: name.clone(),
                sector: sector.to_string(),
                budget_fen: rng.random_range(100..=3_000i64) * 1_000_000,
                beneficiaries: Some(rng.random_range(200..=20_000)),
                status,
                created_at: at(created, office_hours(&mut rng)),
                library_year: None,
                planned_start: None,
                planned_end: None,
                completed_on: None,
                publicized_on: None,
            });
            projects.entry(c).or_default().push(ProjectRef { id, name });
        }
    }

    for p in &pairs {
        let recipient = regions.get(p.recipient);
        let prefix = match p.program {
            Program::EastWest => "EW",
            Program::CountyToCounty => "CC",
            Program::DesignatedAssistance => "DA",
            Program::EnterpriseVillage => "EV",
        };
        let indicators = Indicator::for_program(p.program);
        let helper_actor = format!("helper-{}", p.helper_code);
        let recipient_actor = format!("recipient-{}", recipient.code);
        // A pairing's level stays put over the years: one base per indicator, then growth.
        let bases: Vec<f64> = indicators
            .iter()
            .map(|&i| {
                let (lo, hi) = base_range(p.scale, i);
                rng.random_range(lo..=hi)
            })
            .collect();
        for year in FIRST_YEAR..=LAST_YEAR {
            let growth = GROWTH[(year - FIRST_YEAR) as usize];
            let targets: Vec<(Indicator, i64)> = indicators
                .iter()
                .zip(&bases)
                .map(|(&i, &b)| {
                    (
                        i,
                        stored_value(i, b * growth * rng.random_range(0.95..1.05)),
                    )
                })
                .collect();

            // The letter, its commitments and its first revision.
            let letter_id = data.letters.len() as i64 + 1;
            let created = at(day(year, rng.random_range(4..45)), office_hours(&mut rng));
            let status = if year < LAST_YEAR {
                LetterStatus::Signed
            } else {
                let roll: f64 = rng.random();
                if roll < 0.65 {
                    LetterStatus::Signed
                } else if roll < 0.88 {
                    LetterStatus::Submitted
                } else {
                    LetterStatus::Draft
                }
            };
            let submitted = (status != LetterStatus::Draft)
                .then(|| created + TimeDelta::days(rng.random_range(3..30)));
            let signed = (status == LetterStatus::Signed)
                .then(|| submitted.map(|s| s + TimeDelta::days(rng.random_range(2..25))))
                .flatten();
            data.letters.push(responsibility_letter::Model {
                id: letter_id,
                pairing_id: p.id,
                year,
                status,
                version: 1,
                submitted_at: submitted,
                submitted_by: submitted.map(|_| helper_actor.clone()),
                signed_at: signed,
                signed_by: signed.map(|_| "admin-cpad".to_string()),
                created_at: created,
                updated_at: signed.or(submitted).unwrap_or(created),
            });
            for &(indicator, target) in &targets {
                data.commitments.push(commitment::Model {
                    id: data.commitments.len() as i64 + 1,
                    letter_id,
                    indicator,
                    target,
                });
            }
            let json: Vec<serde_json::Value> = targets
                .iter()
                .map(|(i, t)| serde_json::json!({ "indicator": i.as_str(), "target": t }))
                .collect();
            data.revisions.push(letter_revision::Model {
                id: data.revisions.len() as i64 + 1,
                letter_id,
                version: 1,
                commitments: serde_json::Value::Array(json).to_string(),
                rationale: Some(format!("{year}年度帮扶责任书")),
                actor: helper_actor.clone(),
                created_at: created,
            });

            let first_transfer = data.transfers.len();
            for &(indicator, target) in &targets {
                if let Some(category) = indicator.fund_category() {
                    transfers(
                        &mut rng, &mut data, &regions, &projects, p, year, category, target,
                    );
                } else if let Some(category) = indicator.personnel_category() {
                    let n = (target as f64 * rng.random_range(0.85..1.15)).round() as usize;
                    dispatches(&mut rng, &mut data, &regions, p, year, category, n);
                } else {
                    let quarters = quarterly(&mut rng, indicator, year, target);
                    if indicator.is_derived() {
                        // Produce and labour indicators count confirmed deals and placements.
                        records(&mut data, &regions, p, indicator, year, &quarters);
                    } else {
                        reports(
                            &mut data,
                            p.id,
                            indicator,
                            year,
                            &quarters,
                            &helper_actor,
                            &recipient_actor,
                        );
                    }
                }
            }
            // Reference numbers run in date order within a pairing's year.
            let batch = &mut data.transfers[first_transfer..];
            batch.sort_by_key(|t| (t.allocated_on.or(t.planned_on), t.category));
            for (i, t) in batch.iter_mut().enumerate() {
                t.id = (first_transfer + i) as i64 + 1;
                t.reference_no = format!(
                    "{prefix}-{}-{}-{year}-{:04}",
                    p.helper_code,
                    recipient.code,
                    i + 1
                );
            }
            if p.program == Program::DesignatedAssistance {
                // Central units post cadres too, though their letters count training instead.
                let n = rng.random_range(1..=2);
                dispatches(
                    &mut rng,
                    &mut data,
                    &regions,
                    p,
                    year,
                    PersonnelCategory::PartyGovernmentCadre,
                    n,
                );
            }
        }
    }
    optional_commitments(&mut data, &pairs, &regions);
    // Last, so that the random draws above stay as they were before villages were added.
    super::villages::add(&mut data, &regions)?;
    data.regions = regions.models;
    Ok(data)
}

fn add_org(
    data: &mut DemoData,
    code: String,
    name: String,
    short_name: Option<String>,
    kind: OrganizationKind,
    region_id: Option<i64>,
) -> i64 {
    let id = data.organizations.len() as i64 + 1;
    data.organizations.push(organization::Model {
        id,
        code,
        name,
        short_name,
        kind,
        region_id,
    });
    id
}

/// Where a pairing's money or people go: its recipient, or a county in it.
fn destination(rng: &mut ChaCha8Rng, p: &Pair, share_to_counties: f64) -> usize {
    if !p.counties.is_empty() && rng.random_bool(share_to_counties) {
        *pick(rng, &p.counties)
    } else {
        p.recipient
    }
}

/// A year's transfers of one category, adding up to 72–118% of the target (cancelled ones aside).
#[allow(clippy::too_many_arguments)]
fn transfers(
    rng: &mut ChaCha8Rng,
    data: &mut DemoData,
    regions: &Regions,
    projects: &BTreeMap<usize, Vec<ProjectRef>>,
    p: &Pair,
    year: i32,
    category: FundCategory,
    target: i64,
) {
    // Amounts in whole thousands of yuan.
    const STEP: i64 = 100_000;
    let ratio = rng.random_range(0.72..1.18);
    let total = ((target as f64 * ratio) / STEP as f64).round() as i64;
    let n = rng.random_range(transfers_per_year(p.scale, category));
    let mut amounts: Vec<(i64, bool)> = split(rng, total.max(1), n)
        .into_iter()
        .map(|a| (a * STEP, false))
        .collect();
    if rng.random_bool(0.12) {
        let typical = amounts[0].0;
        amounts.push((
            ((typical / STEP) as f64 * rng.random_range(0.3..1.2)).max(1.0) as i64 * STEP,
            true,
        ));
    }
    // Early allocation (in the first quarter) became the rule over the period.
    let q1_share = 0.25 + 0.06 * f64::from(year - FIRST_YEAR);
    let today = as_of();
    for (amount_fen, cancelled) in amounts {
        let to = destination(rng, p, 0.75);
        let to_region = regions.get(to);
        let allocated = if rng.random_bool(q1_share) {
            day(year, rng.random_range(2..88))
        } else {
            day(year, rng.random_range(91..350))
        };
        let planned = (allocated - Days::new(rng.random_range(7..40))).max(day(year, 0));
        let received = allocated + Days::new(rng.random_range(3..45));
        let (status, planned_on, allocated_on, received_on) = if cancelled {
            (TransferStatus::Cancelled, Some(planned), None, None)
        } else if year == LAST_YEAR && rng.random_bool(0.1) {
            let planned = day(year, rng.random_range(240..360));
            (TransferStatus::Planned, Some(planned), None, None)
        } else if received > today || rng.random_bool(0.07) {
            (
                TransferStatus::Allocated,
                Some(planned),
                Some(allocated),
                None,
            )
        } else {
            (
                TransferStatus::Received,
                Some(planned),
                Some(allocated),
                Some(received),
            )
        };
        let publicized_on = match status {
            TransferStatus::Received if rng.random_bool(0.88) => {
                Some(received + Days::new(rng.random_range(5..30)))
            }
            TransferStatus::Allocated if rng.random_bool(0.45) => {
                Some(allocated + Days::new(rng.random_range(10..30)))
            }
            _ => None,
        }
        .filter(|d| *d <= today);
        let linkable = to_region.level == RegionLevel::County
            && rng.random_bool(match category {
                FundCategory::FiscalAid | FundCategory::DirectInvestment => 0.5,
                _ => 0.2,
            });
        let project = if linkable {
            projects.get(&to).map(|list| pick(rng, list))
        } else {
            None
        };
        let purpose = match (project, category) {
            (Some(pr), _) => pr.name.clone(),
            (None, FundCategory::FiscalAid) => {
                format!("财政援助资金：{}", pick(rng, FISCAL_PURPOSES))
            }
            (None, FundCategory::SocialAid) => {
                format!("社会帮扶资金：{}", pick(rng, SOCIAL_PURPOSES))
            }
            (None, FundCategory::DirectInvestment) => {
                format!("直接投入帮扶资金：{}", pick(rng, INVESTMENT_PURPOSES))
            }
            (None, FundCategory::AttractedInvestment) => {
                format!("引进帮扶资金：{}", pick(rng, INVESTMENT_PURPOSES))
            }
        };
        data.transfers.push(fund_transfer::Model {
            id: data.transfers.len() as i64 + 1,
            // Numbered once the pairing's year is complete.
            reference_no: String::new(),
            pairing_id: p.id,
            helper_id: p.helper_id,
            recipient_id: to_region.id,
            recipient_province_id: regions.province_id(to),
            project_id: project.map(|pr| pr.id),
            category,
            amount_fen,
            currency: "CNY".to_string(),
            status,
            year,
            planned_on,
            allocated_on,
            received_on,
            publicized_on,
            purpose: Some(purpose),
            idempotency_key: None,
            request_hash: None,
            created_at: at(planned, office_hours(rng)),
            received_amount_fen: None,
        });
    }
}

/// `n` people of one category sent under a pairing in a year, with statuses as of the period's end.
fn dispatches(
    rng: &mut ChaCha8Rng,
    data: &mut DemoData,
    regions: &Regions,
    p: &Pair,
    year: i32,
    category: PersonnelCategory,
    n: usize,
) {
    let today = as_of();
    for _ in 0..n {
        let to = destination(rng, p, 0.8);
        let (start, term, specialty, post) = match category {
            PersonnelCategory::PartyGovernmentCadre => {
                let term = if rng.random_bool(0.7) { 730 } else { 365 };
                let post = if p.program == Program::DesignatedAssistance {
                    *pick(rng, &CADRE_POSTS[..3])
                } else {
                    *pick(rng, CADRE_POSTS)
                };
                (day(year, rng.random_range(20..200)), term, None, post)
            }
            PersonnelCategory::ProfessionalTechnician => {
                let (specialty, post) = *pick(rng, TECHNICIANS);
                // Some of the last year's technicians set out in December and are still travelling.
                let start = if year == LAST_YEAR && rng.random_bool(0.1) {
                    rng.random_range(335..365)
                } else {
                    rng.random_range(20..335)
                };
                (
                    day(year, start),
                    rng.random_range(90..365),
                    Some(specialty.to_string()),
                    post,
                )
            }
        };
        let end = start + Days::new(term - 1);
        let arrived = (start + Days::new(rng.random_range(0..7))).min(today);
        let (status, arrived_on, returned_on) = if end < today {
            let returned = (end + Days::new(rng.random_range(0..10))).min(today);
            (DispatchStatus::Returned, Some(arrived), Some(returned))
        } else if start + Days::new(14) > today && rng.random_bool(0.7) {
            (DispatchStatus::Dispatched, None, None)
        } else {
            (DispatchStatus::InPost, Some(arrived), None)
        };
        let name = format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN_NAMES));
        data.dispatches.push(personnel_dispatch::Model {
            id: data.dispatches.len() as i64 + 1,
            pairing_id: p.id,
            helper_id: p.helper_id,
            recipient_id: regions.get(to).id,
            recipient_province_id: regions.province_id(to),
            person_name: name,
            category,
            specialty,
            post: post.to_string(),
            status,
            year,
            start_on: start,
            end_on: Some(end),
            arrived_on,
            returned_on,
            created_at: at(
                start - Days::new(rng.random_range(10..30)),
                office_hours(rng),
            ),
        });
    }
}

/// The optional indicators, on the letters of 2019 and 2020 (after everything else, from a
/// stream of their own, so the rest of the demo stays as it was): east–west letters commit to
/// cadres and technicians trained, reported quarterly; central units' letters to the cadres they
/// dispatch (one or two a year), counted from the dispatches.
fn optional_commitments(data: &mut DemoData, pairs: &[Pair], regions: &Regions) {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    let by_id: BTreeMap<i64, &Pair> = pairs.iter().map(|p| (p.id, p)).collect();
    let letters: Vec<(i64, i64, i32)> = data
        .letters
        .iter()
        .filter(|l| l.year >= 2019)
        .map(|l| (l.id, l.pairing_id, l.year))
        .collect();
    for (letter_id, pairing_id, year) in letters {
        let Some(p) = by_id.get(&pairing_id) else {
            continue;
        };
        let added: Vec<(Indicator, i64)> = match p.program {
            Program::EastWest => [Indicator::CadresTrained, Indicator::TechniciansTrained]
                .into_iter()
                .map(|i| {
                    let (lo, hi) = base_range(p.scale, i);
                    (i, stored_value(i, rng.random_range(lo..=hi)))
                })
                .collect(),
            Program::DesignatedAssistance => vec![(Indicator::CadresDispatched, 2)],
            _ => continue,
        };
        let helper_actor = format!("helper-{}", p.helper_code);
        let recipient_actor = format!("recipient-{}", regions.get(p.recipient).code);
        for &(indicator, target) in &added {
            data.commitments.push(commitment::Model {
                id: data.commitments.len() as i64 + 1,
                letter_id,
                indicator,
                target,
            });
            if !indicator.is_derived() {
                let quarters = quarterly(&mut rng, indicator, year, target);
                reports(
                    data,
                    pairing_id,
                    indicator,
                    year,
                    &quarters,
                    &helper_actor,
                    &recipient_actor,
                );
            }
        }
        // The letter's first revision holds its whole commitment set.
        if let Some(r) = data
            .revisions
            .iter_mut()
            .find(|r| r.letter_id == letter_id && r.version == 1)
            && let Ok(serde_json::Value::Array(mut set)) = serde_json::from_str(&r.commitments)
        {
            for (i, t) in &added {
                set.push(serde_json::json!({ "indicator": i.as_str(), "target": t }));
            }
            r.commitments = serde_json::Value::Array(set).to_string();
        }
    }
}

/// One quarter's figure: quarter, value, when it was reported and when (if) the recipient
/// verified or confirmed it.
type Quarter = (i32, i64, DateTime<Utc>, Option<DateTime<Utc>>);

/// Quarterly figures adding up to 75–125% of the year's target; most verified by the recipient.
fn quarterly(rng: &mut ChaCha8Rng, indicator: Indicator, year: i32, target: i64) -> Vec<Quarter> {
    let ratio = rng.random_range(0.75..1.25);
    let weights: Vec<f64> = [0.15, 0.25, 0.3, 0.3]
        .iter()
        .map(|w| w * rng.random_range(0.7..1.3))
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(4);
    for (q, w) in weights.iter().enumerate() {
        let quarter = q as i32 + 1;
        let raw = target as f64 * ratio * w / sum;
        let value = match indicator.unit() {
            IndicatorUnit::Yuan => (raw / 1_000_000.0).round() as i64 * 1_000_000,
            _ => raw.round() as i64,
        };
        let quarter_end = day(year, [89, 180, 272, 364][q]);
        let reported_at = at(
            quarter_end + Days::new(rng.random_range(3..20)),
            office_hours(rng),
        );
        let verify_share = if year == LAST_YEAR && quarter == 4 {
            0.4
        } else {
            0.93
        };
        let verified_at = rng
            .random_bool(verify_share)
            .then(|| reported_at + TimeDelta::days(rng.random_range(2..30)));
        out.push((quarter, value.max(0), reported_at, verified_at));
    }
    out
}

/// Quarterly progress reports of an indicator no record type achieves.
fn reports(
    data: &mut DemoData,
    pairing_id: i64,
    indicator: Indicator,
    year: i32,
    quarters: &[Quarter],
    helper_actor: &str,
    recipient_actor: &str,
) {
    for &(quarter, value, reported_at, verified_at) in quarters {
        data.reports.push(progress_report::Model {
            id: data.reports.len() as i64 + 1,
            pairing_id,
            indicator,
            year,
            quarter,
            value,
            reported_by: helper_actor.to_string(),
            reported_at,
            verified_by: verified_at.map(|_| recipient_actor.to_string()),
            verified_at,
        });
    }
}

const PRODUCTS: &[&str] = &[
    "高山茶叶 (tea)",
    "核桃 (walnuts)",
    "牦牛肉 (yak beef)",
    "咖啡豆 (coffee)",
    "小米 (millet)",
    "苹果 (apples)",
];
const BUYERS: &[&str] = &[
    "机关食堂 (canteens)",
    "工会 (trade union)",
    "东部商超 (eastern supermarkets)",
    "电商平台 (online market)",
];
const EMPLOYERS: &[&str] = &[
    "电子厂 (electronics plant)",
    "物流园 (logistics park)",
    "服装厂 (garment factory)",
    "建筑公司 (builder)",
];

/// The quarters' figures of a produce or labour indicator as the records that achieve it: a
/// produce deal or a labour placement a quarter from a county of the pairing, confirmed when the
/// figure would have been verified (unconfirmed ones of past years were disputed).
fn records(
    data: &mut DemoData,
    regions: &Regions,
    p: &Pair,
    indicator: Indicator,
    year: i32,
    quarters: &[Quarter],
) {
    let china_day = |t: DateTime<Utc>| (t + TimeDelta::hours(8)).date_naive();
    for &(quarter, value, reported_at, verified_at) in quarters {
        if value <= 0 {
            continue;
        }
        let q = (quarter - 1) as usize;
        let county = if p.counties.is_empty() {
            p.recipient
        } else {
            p.counties[(q + year as usize) % p.counties.len()]
        };
        let origin = regions.get(county).id;
        let origin_province = regions.province_id(county);
        let confirmed_on = verified_at.map(china_day);
        let kinds = indicator.deal_kinds();
        if !kinds.is_empty() {
            let kind = if kinds.len() == 1 {
                kinds[0]
            } else if quarter % 2 == 1 {
                DealKind::Purchased
            } else {
                DealKind::SalesHelped
            };
            let disputed = confirmed_on.is_none() && year < LAST_YEAR;
            data.deals.push(produce_deal::Model {
                id: 0,
                pairing_id: p.id,
                helper_id: p.helper_id,
                origin_county_id: origin,
                origin_province_id: origin_province,
                kind,
                buyer: BUYERS[(p.id as usize + q) % BUYERS.len()].to_string(),
                product: PRODUCTS[(p.id as usize + q) % PRODUCTS.len()].to_string(),
                amount_fen: value,
                deal_on: day(year, [80, 170, 260, 350][q]),
                year,
                evidence_ref: Some(format!("DEAL-{}-{year}-Q{quarter}-{}", p.id, kind.as_str())),
                status: match (confirmed_on, disputed) {
                    (Some(_), _) => DealStatus::Confirmed,
                    (None, true) => DealStatus::Disputed,
                    (None, false) => DealStatus::Recorded,
                },
                confirmed_on,
                dispute_reason: disputed
                    .then(|| "县里台账无此笔交易 (not in the county's ledger)".to_string()),
                idempotency_key: None,
                request_hash: None,
                created_at: reported_at,
            });
        } else if indicator.counts_placements() {
            let helper = &data.organizations[(p.helper_id - 1) as usize];
            data.placements.push(labor_placement::Model {
                id: 0,
                pairing_id: p.id,
                helper_id: p.helper_id,
                origin_county_id: origin,
                origin_province_id: origin_province,
                destination_id: helper.region_id.unwrap_or(origin_province),
                employer: EMPLOYERS[(p.id as usize + q) % EMPLOYERS.len()].to_string(),
                people: i32::try_from(value).unwrap_or(i32::MAX),
                start_on: day(year, [10, 100, 190, 280][q]),
                months: 12,
                year,
                status: if confirmed_on.is_some() {
                    PlacementStatus::Confirmed
                } else {
                    PlacementStatus::Recorded
                },
                confirmed_on,
                idempotency_key: None,
                request_hash: None,
                created_at: reported_at,
            });
        }
    }
}
