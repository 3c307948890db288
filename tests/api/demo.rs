//! The demo data set: real reference data in full, synthetic records that keep the domain's rules,
//! the README's first query answering with data, and the same data on every load.
use crate::harness::TestApp;
use entity::enums::{
    DealKind, DealStatus, DispatchStatus, FundCategory, Indicator, PlacementStatus, Program,
    RegionLevel, TransferStatus,
};
use entity::{
    commitment, fund_transfer, organization, pairing_agreement, personnel_dispatch, region,
    responsibility_letter,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

async fn org_id(db: &DatabaseConnection, code: &str) -> i64 {
    organization::Entity::find()
        .filter(organization::Column::Code.eq(code))
        .one(db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("organization {code}"))
        .id
}

async fn region_id(db: &DatabaseConnection, code: &str) -> i64 {
    region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("region {code}"))
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_is_complete_consistent_and_answers_the_readme_query() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let db = &app.db;

    // The real reference data, in full.
    let regions = region::Entity::find().all(db).await.expect("regions");
    // 3,211 real regions, and a synthetic township with 30 villages under each listed county.
    assert_eq!(regions.len(), 3211 + 52 * 31);
    let by_level = |l: RegionLevel| regions.iter().filter(|r| r.level == l).count();
    assert_eq!(
        (
            by_level(RegionLevel::Province),
            by_level(RegionLevel::Prefecture),
            by_level(RegionLevel::County)
        ),
        (34, 333, 2844)
    );
    assert_eq!(
        (
            by_level(RegionLevel::Township),
            by_level(RegionLevel::Village)
        ),
        (52, 52 * 30)
    );
    let listings = entity::supervision_listing::Entity::find()
        .all(db)
        .await
        .expect("listings");
    let listed_ids: std::collections::HashSet<i64> = listings.iter().map(|l| l.region_id).collect();
    assert!(
        listings
            .iter()
            .all(|l| l.year == 2020 && l.lifted_on.is_none())
    );
    let listed: Vec<_> = regions
        .iter()
        .filter(|r| listed_ids.contains(&r.id) && r.level == RegionLevel::County)
        .collect();
    assert_eq!(listed.len(), 52);
    // The real figure: 1,113 villages listed nationwide, all under listed counties here.
    let villages = regions
        .iter()
        .filter(|r| listed_ids.contains(&r.id) && r.level == RegionLevel::Village)
        .count();
    assert_eq!(villages, 1113);
    assert!(
        listed
            .iter()
            .all(|r| r.is_poor == Some(true) && r.exit_year == Some(2020))
    );
    let region_by_id: HashMap<i64, &region::Model> = regions.iter().map(|r| (r.id, r)).collect();
    let yunnan = region_id(db, "530000").await;
    assert_eq!(region_by_id[&yunnan].province_id, Some(yunnan));

    let pairings = pairing_agreement::Entity::find()
        .all(db)
        .await
        .expect("pairings");
    let east_west: Vec<_> = pairings
        .iter()
        .filter(|p| p.program == Program::EastWest)
        .collect();
    assert_eq!(east_west.len(), 32);
    for (helper, recipient) in [
        ("310000", "530000"),
        ("440000", "450000"),
        ("442000", "530600"),
    ] {
        let (h, r) = (org_id(db, helper).await, region_id(db, recipient).await);
        assert!(
            east_west
                .iter()
                .any(|p| p.helper_id == h && p.recipient_id == r),
            "{helper} → {recipient}"
        );
    }
    assert!(
        pairings
            .iter()
            .any(|p| p.program == Program::CountyToCounty)
    );
    assert!(
        pairings
            .iter()
            .any(|p| p.program == Program::DesignatedAssistance)
    );

    // A letter a year per pairing, each committing to every indicator of its program's standard
    // set, and to none outside the indicators the program allows (the 2019 and 2020 letters
    // add the optional ones).
    let letters = responsibility_letter::Entity::find()
        .all(db)
        .await
        .expect("letters");
    assert_eq!(letters.len(), pairings.len() * 5);
    let mut committed: HashMap<i64, BTreeMap<Indicator, i64>> = HashMap::new();
    for c in commitment::Entity::find()
        .all(db)
        .await
        .expect("commitments")
    {
        committed
            .entry(c.letter_id)
            .or_default()
            .insert(c.indicator, c.target);
    }
    let program: HashMap<i64, Program> = pairings.iter().map(|p| (p.id, p.program)).collect();
    let mut target_of: HashMap<(i64, i32, FundCategory), i64> = HashMap::new();
    for l in &letters {
        let set = committed.get(&l.id).cloned().unwrap_or_default();
        let p = program[&l.pairing_id];
        let want: BTreeSet<Indicator> = Indicator::for_program(p).iter().copied().collect();
        let allowed: BTreeSet<Indicator> =
            Indicator::allowed_for_program(p).iter().copied().collect();
        let keys: BTreeSet<Indicator> = set.keys().copied().collect();
        assert!(keys.is_superset(&want), "letter {}: {keys:?}", l.id);
        assert!(keys.is_subset(&allowed), "letter {}: {keys:?}", l.id);
        if l.year >= 2019 && matches!(p, Program::EastWest | Program::DesignatedAssistance) {
            assert_eq!(keys, allowed, "letter {}", l.id);
        }
        for (i, t) in set {
            if let Some(c) = i.fund_category() {
                target_of.insert((l.pairing_id, l.year, c), t);
            }
        }
    }

    // Produce and labour indicators are achieved by deals and placements, in every status, not
    // by progress reports.
    let reports = entity::progress_report::Entity::find()
        .all(db)
        .await
        .expect("reports");
    assert!(!reports.is_empty());
    assert!(
        reports.iter().all(|r| !r.indicator.is_derived()),
        "no report on an indicator that records achieve"
    );
    let deals = entity::produce_deal::Entity::find()
        .all(db)
        .await
        .expect("deals");
    for status in [
        DealStatus::Confirmed,
        DealStatus::Recorded,
        DealStatus::Disputed,
    ] {
        for kind in [DealKind::Purchased, DealKind::SalesHelped] {
            assert!(
                deals.iter().any(|d| d.status == status && d.kind == kind),
                "a {status:?} {kind:?} deal"
            );
        }
    }
    let placements = entity::labor_placement::Entity::find()
        .all(db)
        .await
        .expect("placements");
    for status in [PlacementStatus::Confirmed, PlacementStatus::Recorded] {
        assert!(placements.iter().any(|p| p.status == status), "{status:?}");
    }

    // Transfers keep the date rules and add up to 70–120% of the year's target.
    let transfers = fund_transfer::Entity::find()
        .all(db)
        .await
        .expect("transfers");
    assert!(
        (10_000..=30_000).contains(&transfers.len()),
        "{}",
        transfers.len()
    );
    let mut sums: HashMap<(i64, i32, FundCategory), i64> = HashMap::new();
    let mut q1 = 0;
    for t in &transfers {
        assert!(t.amount_fen > 0);
        if let Some(received) = t.received_on {
            assert!(
                t.allocated_on.is_some_and(|a| a <= received),
                "{}",
                t.reference_no
            );
        }
        if let (Some(p), Some(a)) = (t.planned_on, t.allocated_on) {
            assert!(p <= a, "{}", t.reference_no);
        }
        match t.status {
            TransferStatus::Received => assert!(t.received_on.is_some()),
            TransferStatus::Allocated => {
                assert!(t.allocated_on.is_some() && t.received_on.is_none())
            }
            TransferStatus::Planned | TransferStatus::Cancelled => {
                assert!(t.allocated_on.is_none() && t.publicized_on.is_none())
            }
        }
        let to = region_by_id[&t.recipient_id];
        assert_eq!(
            Some(t.recipient_province_id),
            to.province_id,
            "{}",
            t.reference_no
        );
        if t.status != TransferStatus::Cancelled {
            *sums.entry((t.pairing_id, t.year, t.category)).or_default() += t.amount_fen;
        }
        if t.allocated_on
            .is_some_and(|a| a < chrono::NaiveDate::from_ymd_opt(t.year, 4, 1).unwrap())
        {
            q1 += 1;
        }
    }
    assert_eq!(sums.len(), target_of.len());
    for (key, sum) in &sums {
        let target = target_of[key] as f64;
        let share = *sum as f64 / target;
        assert!((0.7..=1.2).contains(&share), "{key:?}: {share}");
    }
    assert!(q1 * 4 > transfers.len(), "a good share allocated in Q1");
    for s in [TransferStatus::Planned, TransferStatus::Cancelled] {
        assert!(transfers.iter().any(|t| t.status == s), "{s:?}");
    }

    // People: plausible periods and every status present.
    let dispatches = personnel_dispatch::Entity::find()
        .all(db)
        .await
        .expect("dispatches");
    assert!((1_000..=10_000).contains(&dispatches.len()));
    for d in &dispatches {
        assert!(d.end_on.is_none_or(|e| e >= d.start_on));
        match d.status {
            DispatchStatus::Returned => assert!(d.arrived_on.is_some() && d.returned_on.is_some()),
            DispatchStatus::InPost => assert!(d.arrived_on.is_some() && d.returned_on.is_none()),
            DispatchStatus::Dispatched => assert!(d.arrived_on.is_none()),
        }
    }
    for s in [
        DispatchStatus::Dispatched,
        DispatchStatus::InPost,
        DispatchStatus::Returned,
    ] {
        assert!(dispatches.iter().any(|d| d.status == s), "{s:?}");
    }

    // Loading again is refused, and ids keep counting after the demo's explicit ids.
    assert!(
        !pairing_api::seed::load_demo_if_empty(db)
            .await
            .expect("check")
    );
    let added = organization::ActiveModel {
        code: Set("ENT-TEST".into()),
        name: Set("测试企业".into()),
        kind: Set(entity::enums::OrganizationKind::Enterprise),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert after the demo");
    let before = organization::Entity::find()
        .order_by_desc(organization::Column::Id)
        .filter(organization::Column::Id.ne(added.id))
        .one(db)
        .await
        .expect("query")
        .expect("organizations");
    assert!(added.id > before.id);
    assert!(organization::Entity::find().count(db).await.expect("count") > 300);

    // The README's first query, as a new user sends it: Shanghai with its 2019 letters and transfers.
    let body = app
        .gql(
            r#"{ organization(code: "310000") { name pairings(first: 10) { nodes {
                program recipient { code name }
                letters(year: 2019) { status commitments { indicator unit target } }
                fundTransfers(first: 20, filter: { year: 2019 }) {
                  totalCount nodes { referenceNo category amount status allocatedOn recipient { name } } } } } } }"#,
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let org = &body["data"]["organization"];
    assert_eq!(org["name"], "上海市人民政府");
    let nodes = org["pairings"]["nodes"].as_array().expect("pairings");
    let recipients: BTreeSet<&str> = nodes
        .iter()
        .filter_map(|n| n["recipient"]["code"].as_str())
        .collect();
    assert_eq!(recipients, BTreeSet::from(["520300", "530000"]));
    for n in nodes {
        let letter = &n["letters"][0];
        assert_eq!(letter["status"], "SIGNED", "{n}");
        // The seven of the east–west set, and cadres and technicians trained.
        assert_eq!(letter["commitments"].as_array().map(Vec::len), Some(9));
        let t = &n["fundTransfers"];
        assert!(t["totalCount"].as_i64().unwrap_or(0) > 5, "{t}");
        let first = &t["nodes"][0];
        assert!(
            first["referenceNo"]
                .as_str()
                .unwrap_or("")
                .starts_with("EW-310000-")
        );
        assert!(first["amount"].as_str().is_some() && first["recipient"]["name"].is_string());
    }
}

/// What a load produced, compared across loads.
async fn fingerprint(db: &DatabaseConnection) -> (usize, i64, Vec<(String, i64)>, i64) {
    let transfers = fund_transfer::Entity::find()
        .order_by_asc(fund_transfer::Column::Id)
        .all(db)
        .await
        .expect("transfers");
    let sum = transfers.iter().map(|t| t.amount_fen).sum();
    let refs = transfers
        .iter()
        .map(|t| (t.reference_no.clone(), t.amount_fen))
        .collect();
    let targets = commitment::Entity::find()
        .all(db)
        .await
        .expect("commitments")
        .iter()
        .map(|c| c.target)
        .sum();
    (transfers.len(), sum, refs, targets)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_is_the_same_on_every_load() {
    let (a, b) = (TestApp::spawn().await, TestApp::spawn().await);
    pairing_api::seed::load_demo(&a.db).await.expect("load a");
    pairing_api::seed::load_demo(&b.db).await.expect("load b");
    let (fa, fb) = (fingerprint(&a.db).await, fingerprint(&b.db).await);
    assert!(fa.0 > 0 && fa.1 > 0);
    assert_eq!((fa.0, fa.1, fa.3), (fb.0, fb.1, fb.3));
    assert!(fa.2 == fb.2, "transfers differ between loads");
}
