//! Progress for portals: every aggregate checked against a recomputation from the raw rows made
//! here in Rust, on hand-built cases with known answers (PLANNED and CANCELLED not counted,
//! 31 December against 1 January, 31 March against 1 April, verified-only against all, empty
//! years), and the number of SQL statements per request held constant as the data grows.
#![allow(clippy::inconsistent_digit_grouping)] // amounts are written in fen: yuan_fen
use crate::fixtures::{World, d, dispatch, letter, transfer, world};
use crate::harness::{TestApp, error_code, token};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use entity::enums::*;
use entity::*;
use pairing_api::auth::Role;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, NotSet, Set};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

fn money(minor: i64, scale: u32) -> String {
    rust_decimal::Decimal::new(minor, scale).to_string()
}

// ---------------------------------------------------------------------------------------------
// Independent recomputation from the raw rows.

struct Raw {
    pairings: HashMap<i64, pairing_agreement::Model>,
    orgs: HashMap<i64, organization::Model>,
    regions: HashMap<i64, region::Model>,
    letters: Vec<responsibility_letter::Model>,
    commitments: Vec<commitment::Model>,
    transfers: Vec<fund_transfer::Model>,
    dispatches: Vec<personnel_dispatch::Model>,
    reports: Vec<progress_report::Model>,
    deals: Vec<produce_deal::Model>,
    placements: Vec<labor_placement::Model>,
}

#[derive(Default, Debug, Clone, Copy, PartialEq)]
struct Fig {
    target: Option<i64>,
    letters: i64,
    achieved: i64,
    counted: i64,
    v_achieved: i64,
    v_counted: i64,
}

fn counted(s: TransferStatus) -> bool {
    matches!(s, TransferStatus::Allocated | TransferStatus::Received)
}

fn fund_indicator(c: FundCategory) -> Indicator {
    *[
        Indicator::FiscalAidFunds,
        Indicator::SocialAidFunds,
        Indicator::DirectInvestment,
        Indicator::AttractedFunds,
    ]
    .iter()
    .find(|i| i.fund_category() == Some(c))
    .expect("a fund indicator per category")
}

fn personnel_indicator(c: PersonnelCategory) -> Indicator {
    *[
        Indicator::CadresDispatched,
        Indicator::TechniciansDispatched,
    ]
    .iter()
    .find(|i| i.personnel_category() == Some(c))
    .expect("a dispatch indicator per category")
}

fn prefix_of(code: &str) -> &str {
    let mut p = code;
    while p.len() > 2 && p.ends_with("00") {
        p = &p[..p.len() - 2];
    }
    p
}

impl Raw {
    async fn load(db: &DatabaseConnection) -> Raw {
        Raw {
            pairings: pairing_agreement::Entity::find()
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|m| (m.id, m))
                .collect(),
            orgs: organization::Entity::find()
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|m| (m.id, m))
                .collect(),
            regions: region::Entity::find()
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|m| (m.id, m))
                .collect(),
            letters: responsibility_letter::Entity::find().all(db).await.unwrap(),
            commitments: commitment::Entity::find().all(db).await.unwrap(),
            transfers: fund_transfer::Entity::find().all(db).await.unwrap(),
            dispatches: personnel_dispatch::Entity::find().all(db).await.unwrap(),
            reports: progress_report::Entity::find().all(db).await.unwrap(),
            deals: produce_deal::Entity::find().all(db).await.unwrap(),
            placements: labor_placement::Entity::find().all(db).await.unwrap(),
        }
    }

    /// Figures per (group key, indicator) for a year; `key` maps a pairing to its group.
    fn figures(
        &self,
        year: i32,
        key: impl Fn(&pairing_agreement::Model) -> Option<String>,
    ) -> BTreeMap<(String, Indicator), Fig> {
        let mut out: BTreeMap<(String, Indicator), Fig> = BTreeMap::new();
        let k = |pairing_id: i64| key(&self.pairings[&pairing_id]);
        for l in &self.letters {
            if l.year != year || l.status != LetterStatus::Signed {
                continue;
            }
            let Some(g) = k(l.pairing_id) else { continue };
            for c in self.commitments.iter().filter(|c| c.letter_id == l.id) {
                let f = out.entry((g.clone(), c.indicator)).or_default();
                f.target = Some(f.target.unwrap_or(0) + c.target);
                f.letters += 1;
            }
        }
        for t in &self.transfers {
            if t.year != year || !counted(t.status) {
                continue;
            }
            let Some(g) = k(t.pairing_id) else { continue };
            let f = out.entry((g, fund_indicator(t.category))).or_default();
            f.achieved += t.amount_fen;
            f.counted += 1;
            f.v_achieved += t.amount_fen;
            f.v_counted += 1;
        }
        for p in &self.dispatches {
            if p.year != year {
                continue;
            }
            let Some(g) = k(p.pairing_id) else { continue };
            let f = out.entry((g, personnel_indicator(p.category))).or_default();
            f.achieved += 1;
            f.counted += 1;
            f.v_achieved += 1;
            f.v_counted += 1;
        }
        // Confirmed deals: each kind's produce indicator, and consumption assistance for both.
        for x in &self.deals {
            if x.year != year || x.status != DealStatus::Confirmed {
                continue;
            }
            let Some(g) = k(x.pairing_id) else { continue };
            let toward: &[Indicator] = match x.kind {
                DealKind::Purchased => &[
                    Indicator::ConsumptionAssistance,
                    Indicator::ProducePurchased,
                ],
                DealKind::SalesHelped => &[
                    Indicator::ConsumptionAssistance,
                    Indicator::ProduceSalesHelped,
                ],
            };
            for i in toward {
                let f = out.entry((g.clone(), *i)).or_default();
                f.achieved += x.amount_fen;
                f.counted += 1;
                f.v_achieved += x.amount_fen;
                f.v_counted += 1;
            }
        }
        // Confirmed placements: their people, toward labour transferred.
        for x in &self.placements {
            if x.year != year || x.status != PlacementStatus::Confirmed {
                continue;
            }
            let Some(g) = k(x.pairing_id) else { continue };
            let f = out.entry((g, Indicator::LaborTransferred)).or_default();
            f.achieved += i64::from(x.people);
            f.counted += 1;
            f.v_achieved += i64::from(x.people);
            f.v_counted += 1;
        }
        // Reports count only toward the indicators no record type achieves.
        let derived = |i: Indicator| {
            i.fund_category().is_some()
                || i.personnel_category().is_some()
                || matches!(
                    i,
                    Indicator::ConsumptionAssistance
                        | Indicator::ProducePurchased
                        | Indicator::ProduceSalesHelped
                        | Indicator::LaborTransferred
                )
        };
        for r in &self.reports {
            if r.year != year || derived(r.indicator) {
                continue;
            }
            let Some(g) = k(r.pairing_id) else { continue };
            let f = out.entry((g, r.indicator)).or_default();
            f.achieved += r.value;
            f.counted += 1;
            if r.verified_at.is_some() {
                f.v_achieved += r.value;
                f.v_counted += 1;
            }
        }
        out
    }

    fn pairing_figures(&self, year: i32) -> BTreeMap<(String, Indicator), Fig> {
        self.figures(year, |p| Some(p.id.to_string()))
    }
}

/// Checks one `indicators` list of the API against the recomputed figures of one group.
fn check_indicators(
    got: &Value,
    expected: &BTreeMap<Indicator, Fig>,
    verified_only: bool,
    all_listed: bool,
    context: &str,
) {
    let list = got.as_array().unwrap_or_else(|| panic!("{context}: {got}"));
    let mut seen = HashSet::new();
    for item in list {
        let ind_s = item["indicator"].as_str().unwrap();
        let ind = Indicator::all_values()
            .iter()
            .position(|v| *v == ind_s)
            .map(|_| {
                use sea_orm::Iterable;
                Indicator::iter().find(|i| i.as_str() == ind_s).unwrap()
            })
            .unwrap();
        seen.insert(ind);
        let f = expected.get(&ind).copied().unwrap_or_default();
        let scale = ind.scale();
        let (ach, cnt) = if verified_only {
            (f.v_achieved, f.v_counted)
        } else {
            (f.achieved, f.counted)
        };
        let ctx = format!("{context} {ind_s}");
        assert_eq!(
            item["target"],
            f.target
                .map(|t| json!(money(t, scale)))
                .unwrap_or(Value::Null),
            "{ctx} target"
        );
        assert_eq!(item["committedLetters"], json!(f.letters), "{ctx} letters");
        assert_eq!(item["achieved"], json!(money(ach, scale)), "{ctx} achieved");
        assert_eq!(item["countedRecords"], json!(cnt), "{ctx} counted");
        match f.target.filter(|t| *t > 0) {
            Some(t) => {
                let rate = item["completionRate"].as_f64().unwrap();
                assert!((rate - ach as f64 / t as f64).abs() < 1e-12, "{ctx} rate");
            }
            None => assert!(item["completionRate"].is_null(), "{ctx} rate null"),
        }
    }
    if all_listed {
        for ind in expected.keys() {
            assert!(seen.contains(ind), "{context}: {ind:?} missing from {got}");
        }
    }
}

fn group(all: &BTreeMap<(String, Indicator), Fig>, key: &str) -> BTreeMap<Indicator, Fig> {
    all.iter()
        .filter(|((k, _), _)| k == key)
        .map(|((_, i), f)| (*i, *f))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Hand-built cases with known answers, on top of the shared world.

async fn add_pairing(
    db: &DatabaseConnection,
    program: Program,
    helper: i64,
    recipient: i64,
    start_year: i32,
) -> i64 {
    pairing_agreement::ActiveModel {
        id: NotSet,
        program: Set(program),
        helper_id: Set(helper),
        recipient_id: Set(recipient),
        start_year: Set(start_year),
        end_year: Set(None),
        status: Set(PairingStatus::Active),
        document_ref: Set(None),
    }
    .insert(db)
    .await
    .expect("insert pairing")
    .id
}

async fn report(
    db: &DatabaseConnection,
    pairing: i64,
    indicator: Indicator,
    year: i32,
    quarter: i32,
    value: i64,
    verified_at: Option<chrono::DateTime<Utc>>,
) {
    progress_report::ActiveModel {
        id: NotSet,
        pairing_id: Set(pairing),
        indicator: Set(indicator),
        year: Set(year),
        quarter: Set(quarter),
        value: Set(value),
        reported_by: Set("test-helper".into()),
        reported_at: Set(Utc::now()),
        verified_by: Set(verified_at.map(|_| "test-recipient".to_string())),
        verified_at: Set(verified_at),
    }
    .insert(db)
    .await
    .expect("insert report");
}

/// Reference, category, amount, status, year, allocated on, received on.
type EdgeTransfer = (
    &'static str,
    FundCategory,
    i64,
    TransferStatus,
    i32,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

/// Guangdong–Guangxi in 2020, each row chosen for an edge:
/// A 300.00 ALLOCATED on 31 Mar (counts, first quarter); B 200.00 RECEIVED, allocated 1 Apr
/// (counts, not first quarter); C 999.00 PLANNED and D 777.00 CANCELLED (never count); E 50.00
/// for 2020 allocated 31 Dec 2019 (counts for 2020 and in its first quarter); F 40.00 for 2019
/// allocated 31 Dec 2019 and G 60.00 for 2021 allocated 1 Jan 2021 (not 2020); social aid
/// H 10.01 allocated 30 Jun, I 1.00 on 15 Apr and J 2.00 on 14 Apr (30 against 31 days before
/// 15 May) against a target of 0.
async fn edges(db: &DatabaseConnection, w: &World) -> i64 {
    use Indicator::*;
    let l = letter(
        db,
        w.gd_gx,
        2020,
        LetterStatus::Signed,
        &[
            (FiscalAidFunds, 1_000_00),
            (SocialAidFunds, 0),
            (CadresDispatched, 2),
            (TechniciansDispatched, 1),
            (LaborTransferred, 100),
            (EnterprisesInvested, 3),
        ],
    )
    .await;
    use FundCategory::*;
    use TransferStatus::*;
    let rows: &[EdgeTransfer] = &[
        (
            "A",
            FiscalAid,
            300_00,
            Allocated,
            2020,
            Some(d(2020, 3, 31)),
            None,
        ),
        (
            "B",
            FiscalAid,
            200_00,
            Received,
            2020,
            Some(d(2020, 4, 1)),
            Some(d(2020, 4, 10)),
        ),
        ("C", FiscalAid, 999_00, Planned, 2020, None, None),
        (
            "D",
            FiscalAid,
            777_00,
            Cancelled,
            2020,
            Some(d(2020, 2, 1)),
            None,
        ),
        (
            "E",
            FiscalAid,
            50_00,
            Received,
            2020,
            Some(d(2019, 12, 31)),
            Some(d(2020, 1, 2)),
        ),
        (
            "F",
            FiscalAid,
            40_00,
            Allocated,
            2019,
            Some(d(2019, 12, 31)),
            None,
        ),
        (
            "G",
            FiscalAid,
            60_00,
            Allocated,
            2021,
            Some(d(2021, 1, 1)),
            None,
        ),
        (
            "H",
            SocialAid,
            10_01,
            Allocated,
            2020,
            Some(d(2020, 6, 30)),
            None,
        ),
        (
            "I",
            SocialAid,
            1_00,
            Allocated,
            2020,
            Some(d(2020, 4, 15)),
            None,
        ),
        (
            "J",
            SocialAid,
            2_00,
            Allocated,
            2020,
            Some(d(2020, 4, 14)),
            None,
        ),
    ];
    for (r, c, amount, status, year, allocated, received) in rows {
        transfer(
            db,
            &format!("GD-GX-EDGE-{r}"),
            w.gd_gx,
            w.gd_gov,
            w.du_an,
            w.guangxi,
            *c,
            *amount,
            *status,
            *year,
            *allocated,
            *received,
            None,
            None,
        )
        .await;
    }
    dispatch(
        db,
        w.gd_gx,
        w.gd_gov,
        w.du_an,
        w.guangxi,
        "赵六",
        PersonnelCategory::PartyGovernmentCadre,
        2020,
        DispatchStatus::InPost,
    )
    .await;
    dispatch(
        db,
        w.gd_gx,
        w.gd_gov,
        w.du_an,
        w.guangxi,
        "钱七",
        PersonnelCategory::PartyGovernmentCadre,
        2021,
        DispatchStatus::Dispatched,
    )
    .await;
    let at = |y, m, d, h, min| Utc.with_ymd_and_hms(y, m, d, h, min, 0).single();
    // 23:59 on 15 May in China: not in the future as of 15 May.
    report(
        db,
        w.gd_gx,
        LaborTransferred,
        2020,
        1,
        40,
        at(2020, 5, 15, 15, 59),
    )
    .await;
    report(db, w.gd_gx, LaborTransferred, 2020, 2, 25, None).await;
    // Deals: 600.00 purchased and 250.50 sales helped confirmed in 2020 count; recorded and
    // disputed ones and a confirmed one of 2019 do not.
    for (kind, amount, status, year) in [
        (DealKind::Purchased, 600_00, DealStatus::Confirmed, 2020),
        (DealKind::SalesHelped, 250_50, DealStatus::Confirmed, 2020),
        (DealKind::Purchased, 999_00, DealStatus::Recorded, 2020),
        (DealKind::SalesHelped, 777_00, DealStatus::Disputed, 2020),
        (DealKind::Purchased, 11_00, DealStatus::Confirmed, 2019),
    ] {
        edge_deal(db, w, kind, amount, status, year).await;
    }
    // Placements: 30 and 12 people confirmed in 2020 count; 100 recorded and 7 of 2021 do not.
    for (people, status, year) in [
        (30, PlacementStatus::Confirmed, 2020),
        (12, PlacementStatus::Confirmed, 2020),
        (100, PlacementStatus::Recorded, 2020),
        (7, PlacementStatus::Confirmed, 2021),
    ] {
        edge_placement(db, w, people, status, year).await;
    }
    // 00:00 on 16 May in China: in the future as of 15 May.
    report(
        db,
        w.gd_gx,
        ConsumptionAssistance,
        2020,
        1,
        1_000_00,
        at(2020, 5, 15, 16, 0),
    )
    .await;
    l
}

/// A deal of Guangdong's from Du'an under its pairing, dated 1 June of `year`.
async fn edge_deal(
    db: &DatabaseConnection,
    w: &World,
    kind: DealKind,
    amount_fen: i64,
    status: DealStatus,
    year: i32,
) {
    produce_deal::ActiveModel {
        id: NotSet,
        pairing_id: Set(w.gd_gx),
        helper_id: Set(w.gd_gov),
        origin_county_id: Set(w.du_an),
        origin_province_id: Set(w.guangxi),
        kind: Set(kind),
        buyer: Set("edge".into()),
        product: Set("tea".into()),
        amount_fen: Set(amount_fen),
        deal_on: Set(d(year, 6, 1)),
        year: Set(year),
        evidence_ref: Set(None),
        status: Set(status),
        confirmed_on: Set((status == DealStatus::Confirmed).then(|| d(year, 6, 5))),
        dispute_reason: Set((status == DealStatus::Disputed).then(|| "edge".into())),
        idempotency_key: Set(None),
        request_hash: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .expect("insert deal");
}

/// A placement of Guangdong's from Du'an under its pairing, started 1 March of `year`.
async fn edge_placement(
    db: &DatabaseConnection,
    w: &World,
    people: i32,
    status: PlacementStatus,
    year: i32,
) {
    labor_placement::ActiveModel {
        id: NotSet,
        pairing_id: Set(w.gd_gx),
        helper_id: Set(w.gd_gov),
        origin_county_id: Set(w.du_an),
        origin_province_id: Set(w.guangxi),
        destination_id: Set(w.guangxi),
        employer: Set("edge".into()),
        people: Set(people),
        start_on: Set(d(year, 3, 1)),
        months: Set(12),
        year: Set(year),
        status: Set(status),
        confirmed_on: Set((status == PlacementStatus::Confirmed).then(|| d(year, 3, 5))),
        idempotency_key: Set(None),
        request_hash: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .expect("insert placement");
}

const LETTERS_Q: &str = "query($v: Boolean!) { responsibilityLetters(first: 100) { nodes {
    year pairingAgreement { id }
    commitments { indicator target achieved(verifiedOnly: $v) completionRate(verifiedOnly: $v)
      basis(verifiedOnly: $v) countedRecords(verifiedOnly: $v) } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commitment_achievement_known_answers_and_edges() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let letter_id = edges(&app.db, &w).await;
    let admin = token(Role::Admin, None, None);
    let q = "query($id: ID!, $v: Boolean!) { node(id: $id) { ... on ResponsibilityLetter {
        commitments { indicator target achieved(verifiedOnly: $v) completionRate(verifiedOnly: $v)
          basis(verifiedOnly: $v) countedRecords(verifiedOnly: $v) } } } }";
    let id = pairing_api::global_id::global_id(
        pairing_api::global_id::NodeKind::ResponsibilityLetter,
        letter_id,
    );
    let mut by: HashMap<(bool, String), Value> = HashMap::new();
    for v in [false, true] {
        let body = app
            .gql_as(Some(&admin), q, json!({ "id": id, "v": v }))
            .await;
        for c in body["data"]["node"]["commitments"]
            .as_array()
            .expect("commitments")
        {
            by.insert((v, c["indicator"].as_str().unwrap().to_string()), c.clone());
        }
    }
    let get = |v: bool, i: &str| by[&(v, i.to_string())].clone();
    // A + B + E; not PLANNED C, CANCELLED D, F (2019) or G (2021).
    let fiscal = get(false, "FISCAL_AID_FUNDS");
    assert_eq!(fiscal["achieved"], "550.00");
    assert_eq!(fiscal["countedRecords"], 3);
    assert_eq!(fiscal["completionRate"], 0.55);
    assert_eq!(fiscal["basis"], "FUND_TRANSFERS");
    let social = get(false, "SOCIAL_AID_FUNDS");
    assert_eq!(social["achieved"], "13.01");
    assert_eq!(social["target"], "0.00");
    assert!(social["completionRate"].is_null(), "target 0 gives no rate");
    let cadres = get(false, "CADRES_DISPATCHED");
    assert_eq!(cadres["achieved"], "1");
    assert_eq!(cadres["completionRate"], 0.5);
    assert_eq!(cadres["basis"], "PERSONNEL_DISPATCHES");
    assert_eq!(get(false, "TECHNICIANS_DISPATCHED")["completionRate"], 0.0);
    // Labour counts the people of the confirmed placements of 2020 (30 + 12), verified-only or
    // not; the progress reports on it (40 and 25) are ignored.
    for v in [false, true] {
        let labor = get(v, "LABOR_TRANSFERRED");
        assert_eq!(labor["achieved"], "42");
        assert_eq!(labor["countedRecords"], 2);
        assert_eq!(labor["completionRate"], 0.42);
        assert_eq!(labor["basis"], "CONFIRMED_LABOR_PLACEMENTS");
    }
    // Enterprises are still reported.
    assert_eq!(
        get(false, "ENTERPRISES_INVESTED")["basis"],
        "PROGRESS_REPORTS"
    );
    assert_eq!(
        get(true, "ENTERPRISES_INVESTED")["basis"],
        "VERIFIED_PROGRESS_REPORTS"
    );
    // Verified-only changes nothing for transfers.
    assert_eq!(get(true, "FISCAL_AID_FUNDS")["achieved"], "550.00");
    assert_eq!(get(false, "ENTERPRISES_INVESTED")["achieved"], "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commitments_of_every_letter_match_the_raw_rows_in_a_fixed_number_of_statements() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    edges(&app.db, &w).await;
    let admin = token(Role::Admin, None, None);

    let check = |body: Value, raw: Raw, v: bool| {
        let nodes = body["data"]["responsibilityLetters"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone();
        let mut by_year: HashMap<i32, BTreeMap<(String, Indicator), Fig>> = HashMap::new();
        let mut commitments = 0;
        for l in &nodes {
            let year = l["year"].as_i64().unwrap() as i32;
            let pid = l["pairingAgreement"]["id"].as_str().unwrap();
            let (_, pairing_id) = pairing_api::global_id::parse_global_id("id", pid).unwrap();
            let figs = by_year
                .entry(year)
                .or_insert_with(|| raw.pairing_figures(year));
            let mut expected = group(figs, &pairing_id.to_string());
            // A commitment's rate is over its own letter's target, signed or not.
            for c in l["commitments"].as_array().unwrap() {
                commitments += 1;
                let ind_s = c["indicator"].as_str().unwrap();
                use sea_orm::Iterable;
                let ind = Indicator::iter().find(|i| i.as_str() == ind_s).unwrap();
                let target = raw
                    .letters
                    .iter()
                    .find(|x| x.pairing_id == pairing_id && x.year == year)
                    .and_then(|x| {
                        raw.commitments
                            .iter()
                            .find(|c| c.letter_id == x.id && c.indicator == ind)
                    })
                    .unwrap()
                    .target;
                let f = expected.entry(ind).or_default();
                f.target = Some(target);
                f.letters = 0;
                let mut one = c.clone();
                one["committedLetters"] = json!(0);
                let only: BTreeMap<Indicator, Fig> = [(ind, *f)].into();
                check_indicators(&json!([one]), &only, v, false, "commitment");
            }
        }
        commitments
    };

    let before = app.sql_statements().await;
    let body = app
        .gql_as(Some(&admin), LETTERS_Q, json!({ "v": false }))
        .await;
    let small = app.sql_statements().await - before;
    let n_small = check(body, Raw::load(&app.db).await, false);
    assert!(n_small >= 10);

    // Ten more pairings with letters, transfers, dispatches and reports across two years.
    for i in 0..10 {
        let p = add_pairing(
            &app.db,
            Program::CountyToCounty,
            w.sh_gov,
            w.xiangyun,
            2000 + i,
        )
        .await;
        let year = 2019 + (i % 2);
        use Indicator::*;
        letter(
            &app.db,
            p,
            year,
            LetterStatus::Signed,
            &[
                (FiscalAidFunds, 1_000_00 * (i as i64 + 1)),
                (CadresDispatched, 2),
                (LaborTransferred, 10),
            ],
        )
        .await;
        transfer(
            &app.db,
            &format!("C2C-{i}"),
            p,
            w.sh_gov,
            w.xiangyun,
            w.yunnan,
            FundCategory::FiscalAid,
            123_45 * (i as i64 + 1),
            TransferStatus::Received,
            year,
            Some(d(year, 2, 1)),
            Some(d(year, 2, 11)),
            None,
            None,
        )
        .await;
        dispatch(
            &app.db,
            p,
            w.sh_gov,
            w.xiangyun,
            w.yunnan,
            "某人",
            PersonnelCategory::PartyGovernmentCadre,
            year,
            DispatchStatus::InPost,
        )
        .await;
        report(&app.db, p, LaborTransferred, year, 1, 3, None).await;
    }
    for v in [false, true] {
        let before = app.sql_statements().await;
        let body = app.gql_as(Some(&admin), LETTERS_Q, json!({ "v": v })).await;
        let large = app.sql_statements().await - before;
        let n_large = check(body, Raw::load(&app.db).await, v);
        assert_eq!(n_large, n_small + 30);
        assert_eq!(
            large, small,
            "statements grew with the number of commitments"
        );
    }
    eprintln!("a page of letters with achievements: {small} statements");
    assert!(small <= 8, "{small} statements for a page of letters");
}

/// Summary in three groupings, per pairing and per helper, against the raw rows.
async fn check_rollups(app: &TestApp, raw: &Raw, years: &[i32]) {
    let viewer = token(Role::Viewer, None, None);
    for &year in years {
        for v in [false, true] {
            // National summary, three ways, as the anonymous caller (aggregates are public).
            for (by, key_q) in [
                ("HELPER", "helper { code }"),
                ("RECIPIENT_PROVINCE", "recipientProvince { code }"),
                ("PROGRAM", "program"),
            ] {
                let q = format!(
                    "query($y: Int!, $v: Boolean!) {{ progressSummary(year: $y, groupBy: {by}, verifiedOnly: $v) {{
                       {key_q} progress {{ year verifiedOnly indicators {{ indicator target committedLetters
                       achieved completionRate countedRecords basis }} }} }} }}"
                );
                let body = app.gql(&q, json!({ "y": year, "v": v })).await;
                let groups = body["data"]["progressSummary"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{body}"));
                let expected = match by {
                    "HELPER" => raw.figures(year, |p| Some(raw.orgs[&p.helper_id].code.clone())),
                    "RECIPIENT_PROVINCE" => raw.figures(year, |p| {
                        let r = &raw.regions[&p.recipient_id];
                        r.province_id.map(|id| raw.regions[&id].code.clone())
                    }),
                    _ => raw.figures(year, |p| Some(p.program.as_str().to_string())),
                };
                let keys: HashSet<String> = expected.keys().map(|(k, _)| k.clone()).collect();
                assert_eq!(groups.len(), keys.len(), "{by} {year}: {body}");
                for g in groups {
                    let key = match by {
                        "HELPER" => g["helper"]["code"].as_str(),
                        "RECIPIENT_PROVINCE" => g["recipientProvince"]["code"].as_str(),
                        _ => g["program"].as_str(),
                    }
                    .unwrap()
                    .to_string();
                    assert_eq!(g["progress"]["year"], year);
                    assert_eq!(g["progress"]["verifiedOnly"], v);
                    check_indicators(
                        &g["progress"]["indicators"],
                        &group(&expected, &key),
                        v,
                        true,
                        &format!("summary {by} {key} {year}"),
                    );
                }
            }

            // Per pairing and per helper, through the loaders, as a viewer.
            let q = "query($y: Int!, $v: Boolean!) {
                pairingAgreements(first: 100) { nodes { id program progress(year: $y, verifiedOnly: $v) {
                  indicators { indicator target committedLetters achieved completionRate countedRecords } } } }
                organizations(first: 100) { nodes { code progress(year: $y, verifiedOnly: $v) {
                  indicators { indicator target committedLetters achieved completionRate countedRecords } } } } }";
            let body = app
                .gql_as(Some(&viewer), q, json!({ "y": year, "v": v }))
                .await;
            let by_pairing = raw.pairing_figures(year);
            for p in body["data"]["pairingAgreements"]["nodes"]
                .as_array()
                .unwrap()
            {
                let (_, id) =
                    pairing_api::global_id::parse_global_id("id", p["id"].as_str().unwrap())
                        .unwrap();
                let expected = group(&by_pairing, &id.to_string());
                let list = &p["progress"]["indicators"];
                check_indicators(list, &expected, v, true, &format!("pairing {id} {year}"));
                let program = raw.pairings[&id].program;
                for i in Indicator::for_program(program) {
                    assert!(
                        list.as_array()
                            .unwrap()
                            .iter()
                            .any(|x| x["indicator"] == i.as_str()),
                        "every indicator of the program is listed"
                    );
                }
            }
            let by_helper = raw.figures(year, |p| Some(raw.orgs[&p.helper_id].code.clone()));
            for o in body["data"]["organizations"]["nodes"].as_array().unwrap() {
                let code = o["code"].as_str().unwrap();
                check_indicators(
                    &o["progress"]["indicators"],
                    &group(&by_helper, code),
                    v,
                    true,
                    &format!("organization {code} {year}"),
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_match_the_raw_rows_for_every_grouping_and_year() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    edges(&app.db, &w).await;
    let raw = Raw::load(&app.db).await;
    check_rollups(&app, &raw, &[2019, 2020, 2021, 2022]).await;
    // An empty year: no groups at all.
    let body = app
        .gql(
            "{ progressSummary(year: 2022) { progress { year } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["progressSummary"], json!([]));
    // Known answers for Guangdong in 2020.
    let body = app
        .gql(
            "{ organization(code: \"440000\") { progress(year: 2020) { indicators { indicator achieved target } } } }",
            json!({}),
        )
        .await;
    let list = body["data"]["organization"]["progress"]["indicators"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone();
    let find = |i: &str| list.iter().find(|x| x["indicator"] == i).cloned().unwrap();
    assert_eq!(find("FISCAL_AID_FUNDS")["achieved"], "550.00");
    assert_eq!(find("FISCAL_AID_FUNDS")["target"], "1000.00");
    // Consumption: the confirmed deals of 2020 of both kinds (600.00 + 250.50), not the report of
    // 1,000.00 on it; each kind also counts toward its produce indicator.
    assert_eq!(find("CONSUMPTION_ASSISTANCE")["target"], Value::Null);
    assert_eq!(find("CONSUMPTION_ASSISTANCE")["achieved"], "850.50");
    assert_eq!(find("PRODUCE_PURCHASED")["achieved"], "600.00");
    assert_eq!(find("PRODUCE_SALES_HELPED")["achieved"], "250.50");
    assert_eq!(find("LABOR_TRANSFERRED")["achieved"], "42");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_over_lists_cost_a_fixed_number_of_statements() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    edges(&app.db, &w).await;
    // One root field per request: sibling root fields resolve concurrently, and whether their
    // loads meet in one batch depends on timing; within one field they always do.
    let lists: &[&str] = &[
        "{ pairingAgreements(first: 100) { nodes { progress(year: 2019) { indicators { achieved target } } } } }",
        "{ organizations(first: 100) { nodes { progress(year: 2019) { indicators { achieved } } } } }",
        "{ regions(first: 100) { nodes { assistance(year: 2019) { received personnelInPostTotal
          funds { helper { code } received } personnelInPost { helper { code } count } } } } }",
    ];
    let roots: &[&str] = &[
        "{ progressSummary(year: 2019) { helper { code } progress { indicators { achieved } } } }",
        "{ fundFlows(groupBy: [HELPER, RECIPIENT_COUNTY, RECIPIENT_PROVINCE]) { helper { code }
          recipientCounty { code } recipientProvince { code } amount } }",
        "{ firstQuarterAllocation(year: 2019) { helper { code } share } }",
        "{ dataQualityFindings(year: 2019, asOf: \"2020-01-01\", first: 100) { nodes { kind pairingAgreement { id } region { code } } } }",
    ];
    let viewer = token(Role::Viewer, None, None);
    let measure = |qs: &'static [&'static str]| {
        let (app, viewer) = (&app, &viewer);
        async move {
            let mut counts = Vec::new();
            let mut size = 0;
            for q in qs {
                // The fewer of two runs: on PostgreSQL under a loaded CI machine, a test's first
                // request once counted one statement more ([3, 2, 6]); a cost that grows with the
                // data shows in both runs.
                let mut runs = Vec::new();
                for run in 0..2 {
                    let before = app.sql_statements().await;
                    let body = app.gql_as(Some(viewer), q, json!({})).await;
                    assert!(body["errors"].is_null(), "{body}");
                    runs.push(app.sql_statements().await - before);
                    if run == 0 {
                        size += body.to_string().len();
                    }
                }
                counts.push(runs.into_iter().min().unwrap_or_default());
            }
            (counts, size)
        }
    };
    let (small, small_body) = measure(lists).await;
    let (small_roots, small_roots_body) = measure(roots).await;
    // Eight more pairings, each with a new helper, a signed letter and a transfer.
    for i in 0..8 {
        let helper = organization::ActiveModel {
            id: NotSet,
            code: Set(format!("ENT-{i}")),
            name: Set(format!("企业{i}")),
            short_name: Set(None),
            kind: Set(OrganizationKind::Enterprise),
            region_id: Set(None),
        }
        .insert(&app.db)
        .await
        .expect("insert organization")
        .id;
        let p = add_pairing(&app.db, Program::CountyToCounty, helper, w.lushui, 2000 + i).await;
        letter(
            &app.db,
            p,
            2019,
            LetterStatus::Signed,
            &[(Indicator::FiscalAidFunds, 5_00)],
        )
        .await;
        transfer(
            &app.db,
            &format!("X-{i}"),
            p,
            helper,
            if i % 2 == 0 { w.lushui } else { w.xiangyun },
            w.yunnan,
            FundCategory::SocialAid,
            7_00,
            TransferStatus::Received,
            2019,
            Some(d(2019, 5, 1)),
            Some(d(2019, 5, 2)),
            None,
            None,
        )
        .await;
    }
    let (large, large_body) = measure(lists).await;
    let (large_roots, large_roots_body) = measure(roots).await;
    assert!(large_body > small_body && large_roots_body > small_roots_body);
    assert_eq!(small, large, "statements grew with the number of pairings");
    assert_eq!(
        small_roots, large_roots,
        "statements grew with the number of groups"
    );
    eprintln!("pairings, organizations, regions with rollups: {small:?} statements");
    eprintln!(
        "progressSummary, fundFlows, firstQuarterAllocation, dataQualityFindings: {small_roots:?} statements"
    );
    assert!(small.iter().all(|n| *n <= 8), "{small:?} statements");
    // The findings run ten statements (six kinds of records, three of them dated, and the
    // unresolved disputes), plus one batch each for the pairings and regions shown.
    assert!(
        small_roots.iter().all(|n| *n <= 12),
        "{small_roots:?} statements"
    );
}

const FLOWS_Q: &str =
    "query($f: FundFlowFilter, $g: [FundFlowDimension!]!) { fundFlows(filter: $f, groupBy: $g) {
    year quarter category status helper { code } recipientProvince { code } recipientCounty { code }
    program amount count } }";

/// Fund flows by every dimension alone, all together, and under each filter, against the raw rows.
async fn check_fund_flows(app: &TestApp, raw: &Raw) {
    let dims = [
        "YEAR",
        "QUARTER",
        "CATEGORY",
        "STATUS",
        "HELPER",
        "RECIPIENT_PROVINCE",
        "RECIPIENT_COUNTY",
        "PROGRAM",
    ];
    let key_of = |t: &fund_transfer::Model, dim: &str| -> Value {
        match dim {
            "YEAR" => json!(t.year),
            "QUARTER" => t
                .allocated_on
                .map(|d| json!(d.month().div_ceil(3)))
                .unwrap_or(Value::Null),
            "CATEGORY" => json!(t.category.as_str()),
            "STATUS" => json!(t.status.as_str()),
            "HELPER" => json!(raw.orgs[&t.helper_id].code),
            "RECIPIENT_PROVINCE" => json!(raw.regions[&t.recipient_province_id].code),
            "RECIPIENT_COUNTY" => json!(raw.regions[&t.recipient_id].code),
            _ => json!(raw.pairings[&t.pairing_id].program.as_str()),
        }
    };
    let key_in = |g: &Value, dim: &str| -> Value {
        match dim {
            "YEAR" => g["year"].clone(),
            "QUARTER" => g["quarter"].clone(),
            "CATEGORY" => g["category"].clone(),
            "STATUS" => g["status"].clone(),
            "HELPER" => g["helper"]["code"].clone(),
            "RECIPIENT_PROVINCE" => g["recipientProvince"]["code"].clone(),
            "RECIPIENT_COUNTY" => g["recipientCounty"]["code"].clone(),
            _ => g["program"].clone(),
        }
    };
    let q = FLOWS_Q;
    let all_statuses = json!(["PLANNED", "ALLOCATED", "RECEIVED", "CANCELLED"]);
    type Keep<'a> = Box<dyn Fn(&fund_transfer::Model) -> bool + 'a>;
    let mut cases: Vec<(Vec<&str>, Value, Keep)> = vec![
        (vec![], json!(null), Box::new(|t| counted(t.status))),
        (
            vec!["YEAR", "QUARTER"],
            json!(null),
            Box::new(|t| counted(t.status)),
        ),
        (
            vec!["STATUS", "CATEGORY"],
            json!({ "statuses": all_statuses }),
            Box::new(|_| true),
        ),
        (
            vec!["QUARTER"],
            json!({ "years": [2020], "statuses": all_statuses }),
            Box::new(|t| t.year == 2020),
        ),
        (
            vec!["HELPER", "PROGRAM"],
            json!({ "fromYear": 2019, "toYear": 2020, "provinceCode": "530000" }),
            Box::new(|t| {
                counted(t.status)
                    && (2019..=2020).contains(&t.year)
                    && raw.regions[&t.recipient_province_id].code == "530000"
            }),
        ),
        (
            vec!["RECIPIENT_COUNTY", "YEAR"],
            json!({ "recipientCode": "532900", "categories": ["FISCAL_AID"] }),
            Box::new(|t| {
                counted(t.status)
                    && t.category == FundCategory::FiscalAid
                    && raw.regions[&t.recipient_id].code.starts_with("5329")
            }),
        ),
        (
            vec!["RECIPIENT_PROVINCE", "HELPER"],
            json!({ "program": "DESIGNATED_ASSISTANCE", "helperCode": "CU-MOE" }),
            Box::new(|t| {
                counted(t.status)
                    && raw.pairings[&t.pairing_id].program == Program::DesignatedAssistance
                    && raw.orgs[&t.helper_id].code == "CU-MOE"
            }),
        ),
        (
            vec!["YEAR"],
            json!({ "years": [2022] }),
            Box::new(|t| counted(t.status) && t.year == 2022),
        ),
    ];
    for d in dims {
        cases.push((
            vec![d],
            json!({ "statuses": all_statuses }),
            Box::new(|_| true),
        ));
    }
    cases.push((dims.to_vec(), json!(null), Box::new(|t| counted(t.status))));
    for (group_by, filter, keep) in &cases {
        let body = app.gql(q, json!({ "f": filter, "g": group_by })).await;
        let groups = body["data"]["fundFlows"]
            .as_array()
            .unwrap_or_else(|| panic!("{group_by:?}: {body}"));
        let mut expected: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for t in raw.transfers.iter().filter(|t| keep(t)) {
            let key: Vec<Value> = group_by.iter().map(|d| key_of(t, d)).collect();
            let e = expected.entry(json!(key).to_string()).or_default();
            e.0 += t.amount_fen;
            e.1 += 1;
        }
        if group_by.is_empty() {
            // One grand-total group, even when nothing matches.
            expected.entry(json!([]).to_string()).or_default();
        }
        let mut got: BTreeMap<String, (String, i64)> = BTreeMap::new();
        for g in groups {
            let key: Vec<Value> = group_by.iter().map(|d| key_in(g, d)).collect();
            for d in dims.iter().filter(|d| !group_by.contains(d)) {
                assert!(key_in(g, d).is_null(), "{d} not grouped by: {g}");
            }
            let dup = got.insert(
                json!(key).to_string(),
                (
                    g["amount"].as_str().unwrap().to_string(),
                    g["count"].as_i64().unwrap(),
                ),
            );
            assert!(dup.is_none(), "duplicate group {key:?}");
        }
        let expected: BTreeMap<String, (String, i64)> = expected
            .into_iter()
            .map(|(k, (a, n))| (k, (money(a, 2), n)))
            .collect();
        assert_eq!(got, expected, "groupBy {group_by:?} filter {filter}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fund_flows_match_the_raw_rows_for_every_dimension() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    edges(&app.db, &w).await;
    let raw = Raw::load(&app.db).await;
    check_fund_flows(&app, &raw).await;
    let q = FLOWS_Q;
    // Known answers: 2020 fiscal aid by quarter of allocation (31 Mar in Q1, 1 Apr in Q2, the
    // 2020 transfer allocated on 31 Dec 2019 in Q4).
    let body = app
        .gql(
            q,
            json!({ "f": { "years": [2020], "categories": ["FISCAL_AID"] }, "g": ["QUARTER"] }),
        )
        .await;
    let got: Vec<(Value, Value)> = body["data"]["fundFlows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["quarter"].clone(), g["amount"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (json!(1), json!("300.00")),
            (json!(2), json!("200.00")),
            (json!(4), json!("50.00"))
        ]
    );
    // Bad input names the field.
    let body = app
        .gql(q, json!({ "f": { "provinceCode": "53" }, "g": [] }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "filter.provinceCode"
    );
    let body = app
        .gql(q, json!({ "f": null, "g": ["YEAR", "YEAR"] }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}

const FIRST_Q: &str =
    "query($y: Int!) { firstQuarterAllocation(year: $y) { helper { code } committed
    allocatedByMarch31 transfersByMarch31 allocatedInYear share } }";

/// First-quarter allocation per helper against the raw rows.
async fn check_first_quarter(app: &TestApp, raw: &Raw, years: &[i32]) {
    let q = FIRST_Q;
    for &year in years {
        let body = app.gql(q, json!({ "y": year })).await;
        let rows = body["data"]["firstQuarterAllocation"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        let march31 = d(year, 3, 31);
        let mut expected: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
        for l in raw
            .letters
            .iter()
            .filter(|l| l.year == year && l.status == LetterStatus::Signed)
        {
            let code = raw.orgs[&raw.pairings[&l.pairing_id].helper_id]
                .code
                .clone();
            for c in raw.commitments.iter().filter(|c| c.letter_id == l.id) {
                if c.indicator.fund_category().is_some() {
                    expected.entry(code.clone()).or_default().0 += c.target;
                }
            }
        }
        // One basis: transfers of the pairings with a signed letter of the year.
        let signed: HashSet<i64> = raw
            .letters
            .iter()
            .filter(|l| l.year == year && l.status == LetterStatus::Signed)
            .map(|l| l.pairing_id)
            .collect();
        for t in raw
            .transfers
            .iter()
            .filter(|t| t.year == year && counted(t.status) && signed.contains(&t.pairing_id))
        {
            let e = expected
                .entry(raw.orgs[&t.helper_id].code.clone())
                .or_default();
            if t.allocated_on.is_some_and(|a| a <= march31) {
                e.1 += t.amount_fen;
                e.2 += 1;
            }
            e.3 += t.amount_fen;
        }
        let got: Vec<String> = rows
            .iter()
            .map(|r| r["helper"]["code"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, expected.keys().cloned().collect::<Vec<_>>(), "{year}");
        for r in rows {
            let (c, q1, n, total) = expected[r["helper"]["code"].as_str().unwrap()];
            assert_eq!(r["committed"], money(c, 2));
            assert_eq!(r["allocatedByMarch31"], money(q1, 2));
            assert_eq!(r["transfersByMarch31"], n);
            assert_eq!(r["allocatedInYear"], money(total, 2));
            if c > 0 {
                assert!((r["share"].as_f64().unwrap() - q1 as f64 / c as f64).abs() < 1e-12);
            } else {
                assert!(r["share"].is_null());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_quarter_allocation_matches_the_raw_rows() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    edges(&app.db, &w).await;
    let raw = Raw::load(&app.db).await;
    check_first_quarter(&app, &raw, &[2019, 2020, 2021, 2022]).await;
    let q = FIRST_Q;
    // Known answer: Guangdong 2020 committed 1000.00 (fiscal) + 0.00 (social); by 31 March it
    // allocated A (31 Mar) and E (31 Dec 2019), not B (1 Apr).
    let body = app.gql(q, json!({ "y": 2020 })).await;
    let gd = body["data"]["firstQuarterAllocation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["helper"]["code"] == "440000")
        .cloned()
        .unwrap();
    assert_eq!(gd["committed"], "1000.00");
    assert_eq!(gd["allocatedByMarch31"], "350.00");
    assert_eq!(gd["transfersByMarch31"], 2);
    assert_eq!(gd["allocatedInYear"], "563.01");
    assert_eq!(gd["share"], 0.35);
}

/// What each region (the first 100 by code) received, against the raw rows.
async fn check_assistance(app: &TestApp, raw: &Raw, years: &[i32]) {
    let q = "query($y: Int!) { regions(first: 100) { nodes { code assistance(year: $y) { year
        funds { program category helper { code } received receivedTransfers allocated allocatedTransfers }
        received receivedTransfers allocated allocatedTransfers projectsFunded projectFunds
        personnelInPost { category helper { code } count } personnelInPostTotal } } } }";
    for &year in years {
        let body = app.gql(q, json!({ "y": year })).await;
        let nodes = body["data"]["regions"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert_eq!(nodes.len(), raw.regions.len().min(100));
        for n in nodes {
            let code = n["code"].as_str().unwrap();
            let level = raw.regions.values().find(|r| r.code == code).unwrap().level;
            let prefix = match level {
                RegionLevel::Province | RegionLevel::Prefecture => prefix_of(code),
                _ => code,
            };
            let within = |rid: i64| raw.regions[&rid].code.starts_with(prefix);
            let a = &n["assistance"];
            let mut funds: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
            let (mut rec, mut rec_n, mut alloc, mut alloc_n, mut pf) = (0, 0, 0, 0, 0);
            let mut projects = HashSet::new();
            for t in raw
                .transfers
                .iter()
                .filter(|t| t.year == year && counted(t.status) && within(t.recipient_id))
            {
                let key = format!(
                    "{}/{}/{}",
                    raw.pairings[&t.pairing_id].program.as_str(),
                    t.category.as_str(),
                    raw.orgs[&t.helper_id].code
                );
                let e = funds.entry(key).or_default();
                if t.status == TransferStatus::Received {
                    e.0 += t.amount_fen;
                    e.1 += 1;
                    rec += t.amount_fen;
                    rec_n += 1;
                }
                e.2 += t.amount_fen;
                e.3 += 1;
                alloc += t.amount_fen;
                alloc_n += 1;
                if let Some(p) = t.project_id {
                    projects.insert(p);
                    pf += t.amount_fen;
                }
            }
            let got: BTreeMap<String, (String, i64, String, i64)> = a["funds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        format!(
                            "{}/{}/{}",
                            f["program"].as_str().unwrap(),
                            f["category"].as_str().unwrap(),
                            f["helper"]["code"].as_str().unwrap()
                        ),
                        (
                            f["received"].as_str().unwrap().to_string(),
                            f["receivedTransfers"].as_i64().unwrap(),
                            f["allocated"].as_str().unwrap().to_string(),
                            f["allocatedTransfers"].as_i64().unwrap(),
                        ),
                    )
                })
                .collect();
            let want: BTreeMap<String, (String, i64, String, i64)> = funds
                .into_iter()
                .map(|(k, (r, rn, al, an))| (k, (money(r, 2), rn, money(al, 2), an)))
                .collect();
            let ctx = format!("{code} {year}");
            assert_eq!(got, want, "{ctx}");
            assert_eq!(a["received"], money(rec, 2), "{ctx}");
            assert_eq!(a["receivedTransfers"], rec_n, "{ctx}");
            assert_eq!(a["allocated"], money(alloc, 2), "{ctx}");
            assert_eq!(a["allocatedTransfers"], alloc_n, "{ctx}");
            assert_eq!(a["projectsFunded"], projects.len(), "{ctx}");
            assert_eq!(a["projectFunds"], money(pf, 2), "{ctx}");
            let (first, last) = (d(year, 1, 1), d(year, 12, 31));
            let mut in_post: BTreeMap<String, i64> = BTreeMap::new();
            for p in raw.dispatches.iter().filter(|p| {
                within(p.recipient_id)
                    && p.arrived_on.is_some_and(|a| a <= last)
                    && p.returned_on.is_none_or(|r| r >= first)
            }) {
                *in_post
                    .entry(format!(
                        "{}/{}",
                        p.category.as_str(),
                        raw.orgs[&p.helper_id].code
                    ))
                    .or_default() += 1;
            }
            let got: BTreeMap<String, i64> = a["personnelInPost"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        format!(
                            "{}/{}",
                            p["category"].as_str().unwrap(),
                            p["helper"]["code"].as_str().unwrap()
                        ),
                        p["count"].as_i64().unwrap(),
                    )
                })
                .collect();
            assert_eq!(got, in_post, "{ctx}");
            assert_eq!(
                a["personnelInPostTotal"],
                in_post.values().sum::<i64>(),
                "{ctx}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_assistance_matches_the_raw_rows() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    edges(&app.db, &w).await;
    // Return edges: one person returned on 31 Dec 2019, one on 1 Jan 2020.
    let ds = personnel_dispatch::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    for (m, returned) in ds.iter().take(2).zip([d(2019, 12, 31), d(2020, 1, 1)]) {
        let mut am: personnel_dispatch::ActiveModel = m.clone().into();
        am.status = Set(DispatchStatus::Returned);
        am.arrived_on = Set(Some(d(2019, 3, 2)));
        am.returned_on = Set(Some(returned));
        am.update(&app.db).await.unwrap();
    }
    let raw = Raw::load(&app.db).await;
    check_assistance(&app, &raw, &[2019, 2020, 2021]).await;
    // Known answers: Yunnan 2019 received the six even-numbered transfers and MOE's; the person
    // who returned on 31 Dec 2019 is out of post in 2020, the one who returned on 1 Jan 2020 in.
    let body = app
        .gql(
            "{ region(code: \"530000\") { a: assistance(year: 2019) { received receivedTransfers personnelInPostTotal }
               b: assistance(year: 2020) { personnelInPostTotal } } }",
            json!({}),
        )
        .await;
    let r = &body["data"]["region"];
    assert_eq!(r["a"]["receivedTransfers"], 7);
    assert_eq!(r["a"]["received"], "8500030.00");
    assert_eq!(r["a"]["personnelInPostTotal"], 3);
    assert_eq!(r["b"]["personnelInPostTotal"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_quality_findings_known_answers() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    edges(&app.db, &w).await;
    // The kinds about letters, receipts, reports, listed counties and dates (the supervision kinds
    // are checked in `supervision`).
    let q = "query($y: Int!, $d: Date) { dataQualityFindings(year: $y, asOf: $d, first: 100,
        filter: { kinds: [MISSING_COMMITMENT, RECEIPT_OVERDUE, MISSING_PROGRESS_REPORT,
          LISTED_COUNTY_WITHOUT_DISPATCH, LISTED_COUNTY_WITHOUT_TRANSFER, FUTURE_DATED_EVENT] }) {
        nodes { kind subjectId pairingAgreement { id } region { code } indicator quarter date event message } } }";
    let body = app.gql(q, json!({ "y": 2020, "d": "2020-05-15" })).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    let viewer = token(Role::Viewer, None, None);
    let body = app
        .gql_as(Some(&viewer), q, json!({ "y": 2020, "d": "2020-05-15" }))
        .await;
    let list = body["data"]["dataQualityFindings"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone();
    let of =
        |kind: &str| -> Vec<Value> { list.iter().filter(|f| f["kind"] == kind).cloned().collect() };
    // Guangdong's letter lacks CONSUMPTION_ASSISTANCE; Shanghai's 2020 draft has only fiscal aid.
    let missing = of("MISSING_COMMITMENT");
    assert_eq!(missing.len(), 7, "{missing:?}");
    assert!(
        missing
            .iter()
            .any(|f| f["indicator"] == "CONSUMPTION_ASSISTANCE")
    );
    // A (31 Mar) and J (14 Apr, 31 days) are overdue; I (15 Apr, 30 days) is not.
    let overdue: HashSet<String> = of("RECEIPT_OVERDUE")
        .iter()
        .map(|f| f["date"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        overdue,
        ["2020-03-31".to_string(), "2020-04-14".to_string()].into()
    );
    // Only the first quarter has ended; enterprises have no report (labour is counted from
    // placements, whatever its reports).
    let reports = of("MISSING_PROGRESS_REPORT");
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0]["indicator"], "ENTERPRISES_INVESTED");
    assert_eq!(reports[0]["quarter"], 1);
    // Lushui (listed) had nothing in 2020; Du'an (listed) had both.
    for kind in [
        "LISTED_COUNTY_WITHOUT_DISPATCH",
        "LISTED_COUNTY_WITHOUT_TRANSFER",
    ] {
        let f = of(kind);
        assert_eq!(f.len(), 1, "{kind}");
        assert_eq!(f[0]["region"]["code"], "533301");
    }
    // H allocated on 30 Jun; the report verified at 00:00 on 16 May China time (not the one at
    // 23:59 on 15 May).
    let future = of("FUTURE_DATED_EVENT");
    let events: HashSet<(String, String)> = future
        .iter()
        .map(|f| {
            (
                f["event"].as_str().unwrap().to_string(),
                f["date"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("allocated".to_string(), "2020-06-30".to_string()),
            ("verified".to_string(), "2020-05-16".to_string())
        ]
        .into()
    );
    assert_eq!(list.len(), 7 + 2 + 1 + 2 + 2);
    assert!(list.iter().all(|f| f["message"].as_str().is_some()));

    // Later in the year: every quarter has ended and nothing is in the future.
    let body = app
        .gql_as(Some(&viewer), q, json!({ "y": 2020, "d": "2021-01-15" }))
        .await;
    let list = body["data"]["dataQualityFindings"]["nodes"]
        .as_array()
        .unwrap();
    let quarters: HashSet<(String, i64)> = list
        .iter()
        .filter(|f| f["kind"] == "MISSING_PROGRESS_REPORT")
        .map(|f| {
            (
                f["indicator"].as_str().unwrap().to_string(),
                f["quarter"].as_i64().unwrap(),
            )
        })
        .collect();
    let want: HashSet<(String, i64)> = (1..=4)
        .map(|q| ("ENTERPRISES_INVESTED".to_string(), q))
        .collect();
    // Labour transferred is counted from placements: no report is missing for it.
    assert_eq!(quarters, want);
    assert!(!list.iter().any(|f| f["kind"] == "FUTURE_DATED_EVENT"));
    // H (allocated 30 Jun) is overdue by then as well.
    assert_eq!(
        list.iter()
            .filter(|f| f["kind"] == "RECEIPT_OVERDUE")
            .count(),
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregates_are_public_and_carry_no_personal_names() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    edges(&app.db, &w).await;
    let q = "{ region(code: \"530000\") { assistance(year: 2019) { personnelInPost { category count } } }
        progressSummary(year: 2019) { helper { code } }
        fundFlows(groupBy: [HELPER]) { amount }
        firstQuarterAllocation(year: 2019) { share } }";
    let body = app.gql(q, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let text = body.to_string();
    for name in ["张三", "李四", "王五", "赵六", "钱七"] {
        assert!(!text.contains(name));
    }
    let body = app
        .gql(
            "{ progressSummary(year: 3000) { helper { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "year");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregates_match_the_raw_rows_on_the_demo_data() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("demo data");
    let raw = Raw::load(&app.db).await;
    // The demo data always has letters and transfers: an empty set is a broken load, not a skip.
    assert!(
        !raw.letters.is_empty() && !raw.transfers.is_empty(),
        "the demo data has {} letters and {} transfers",
        raw.letters.len(),
        raw.transfers.len()
    );
    let mut years: Vec<i32> = raw
        .letters
        .iter()
        .map(|l| l.year)
        .chain(raw.transfers.iter().map(|t| t.year))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    years.sort();
    check_rollups(&app, &raw, &years).await;
    check_fund_flows(&app, &raw).await;
    check_first_quarter(&app, &raw, &years).await;
    check_assistance(&app, &raw, &years).await;
}

/// The README's dashboard queries run without errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_dashboard_queries_run() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    edges(&app.db, &w).await;
    let readme = include_str!("../../README.md");
    let start = readme.find("## Dashboards").expect("a Dashboards section");
    let section = &readme[start + 3..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let admin = token(Role::Admin, None, None);
    let mut n = 0;
    for block in section.split("```graphql").skip(1) {
        let q = &block[..block.find("```").expect("closed block")];
        let body = app.gql_as(Some(&admin), q, json!({})).await;
        assert!(body["errors"].is_null(), "{q}: {body}");
        n += 1;
    }
    assert_eq!(n, 6);
}
