//! The listed-region findings against a recomputation from the rows, and the demo's villages.
use super::*;

/// The listed-region findings of `year` recomputed from the rows: (kind, region code).
async fn recompute(db: &sea_orm::DatabaseConnection, year: i32) -> BTreeSet<(String, String)> {
    let regions: HashMap<i64, entity::region::Model> = entity::region::Entity::find()
        .all(db)
        .await
        .expect("regions")
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let listings = entity::supervision_listing::Entity::find()
        .filter(entity::supervision_listing::Column::Year.eq(year))
        .all(db)
        .await
        .expect("listings");
    let transfers = entity::fund_transfer::Entity::find()
        .all(db)
        .await
        .expect("transfers");
    let dispatches = entity::personnel_dispatch::Entity::find()
        .all(db)
        .await
        .expect("dispatches");
    let mut out = BTreeSet::new();
    for l in listings {
        let r = &regions[&l.region_id];
        let within = |id: i64| regions[&id].code.starts_with(&r.code);
        let has_transfer = transfers.iter().any(|t| {
            t.year == year
                && matches!(
                    t.status,
                    TransferStatus::Allocated | TransferStatus::Received
                )
                && within(t.recipient_id)
        });
        let has_dispatch = dispatches
            .iter()
            .any(|d| d.year == year && within(d.recipient_id));
        let level = match r.level {
            RegionLevel::County => "COUNTY",
            RegionLevel::Village => "VILLAGE",
            _ => continue,
        };
        if !has_dispatch {
            out.insert((format!("LISTED_{level}_WITHOUT_DISPATCH"), r.code.clone()));
        }
        if !has_transfer {
            out.insert((format!("LISTED_{level}_WITHOUT_TRANSFER"), r.code.clone()));
        }
    }
    out
}

/// The same findings as the API reports them, every page.
async fn reported(app: &TestApp, year: i32) -> BTreeSet<(String, String)> {
    let viewer = token(Role::Viewer, None, None);
    let q = "query($y: Int!, $after: String) { dataQualityFindings(year: $y, asOf: \"2021-06-30\", first: 100, after: $after,
        filter: { kinds: [LISTED_COUNTY_WITHOUT_DISPATCH, LISTED_COUNTY_WITHOUT_TRANSFER,
                          LISTED_VILLAGE_WITHOUT_DISPATCH, LISTED_VILLAGE_WITHOUT_TRANSFER] }) {
        nodes { kind region { code } } pageInfo { hasNextPage endCursor } } }";
    let mut out = BTreeSet::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql_as(Some(&viewer), q, json!({ "y": year, "after": after }))
            .await;
        let page = &ok(&body)["dataQualityFindings"];
        for n in page["nodes"].as_array().expect("nodes") {
            out.insert((
                n["kind"].as_str().expect("kind").to_string(),
                n["region"]["code"].as_str().expect("code").to_string(),
            ));
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_findings_match_a_recomputation_from_the_rows() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    // Three listed villages of Xiangyun: one with a transfer, one with a dispatch, one with
    // nothing; a fourth listed for 2019 only.
    let mut ids = Vec::new();
    for n in 1..=4 {
        ids.push(village(&app, &w, n).await);
    }
    let admin = admin();
    for (n, year) in [(1, 2020), (2, 2020), (3, 2020), (4, 2019)] {
        ok(&app
            .gql_as(
                Some(&admin),
                LIST,
                json!({ "input": { "regionCode": format!("532923100{n:03}"), "year": year,
                        "listedOn": format!("{year}-02-01") } }),
            )
            .await);
    }
    transfer(
        &app.db,
        "V-1",
        w.sh_yn,
        w.sh_gov,
        ids[0],
        w.yunnan,
        FundCategory::FiscalAid,
        100_000,
        TransferStatus::Received,
        2020,
        Some(d(2020, 3, 1)),
        Some(d(2020, 3, 5)),
        None,
        None,
    )
    .await;
    // A planned transfer does not count.
    transfer(
        &app.db,
        "V-2",
        w.sh_yn,
        w.sh_gov,
        ids[1],
        w.yunnan,
        FundCategory::FiscalAid,
        100_000,
        TransferStatus::Planned,
        2020,
        None,
        None,
        None,
        None,
    )
    .await;
    dispatch(
        &app.db,
        w.sh_yn,
        w.sh_gov,
        ids[1],
        w.yunnan,
        "赵六",
        PersonnelCategory::PartyGovernmentCadre,
        2020,
        DispatchStatus::InPost,
    )
    .await;
    for year in [2019, 2020] {
        let expected = recompute(&app.db, year).await;
        assert_eq!(reported(&app, year).await, expected, "{year}");
    }
    let found = reported(&app, 2020).await;
    let village = |n: u32| format!("532923100{n:03}");
    assert!(found.contains(&("LISTED_VILLAGE_WITHOUT_DISPATCH".into(), village(1))));
    assert!(!found.contains(&("LISTED_VILLAGE_WITHOUT_TRANSFER".into(), village(1))));
    assert!(found.contains(&("LISTED_VILLAGE_WITHOUT_TRANSFER".into(), village(2))));
    assert!(found.contains(&("LISTED_VILLAGE_WITHOUT_TRANSFER".into(), village(3))));
    assert!(!found.iter().any(|(_, code)| *code == village(4)));
    // The counties' kinds keep their names: Lushui had nothing in 2020.
    assert!(found.contains(&("LISTED_COUNTY_WITHOUT_DISPATCH".into(), "533301".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_lists_1113_synthetic_villages_and_its_findings_match_the_rows() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let body = app
        .gql(
            "{ v: supervisionListings(first: 0, filter: { year: 2020, level: VILLAGE, active: true }) { totalCount }
               c: supervisionListings(first: 0, filter: { year: 2020, level: COUNTY }) { totalCount }
               yn: regions(first: 0, filter: { provinceCode: \"530000\", listedOnly: true, level: COUNTY }) { totalCount }
               lushui: region(code: \"533301\") { supervisionListings(first: 1) { nodes { year active } } } }",
            json!({}),
        )
        .await;
    let data = ok(&body);
    assert_eq!(data["v"]["totalCount"], 1113);
    assert_eq!(data["c"]["totalCount"], 52);
    // Yunnan has 9 of the 52 (data/listed-counties-2020.csv).
    assert_eq!(data["yn"]["totalCount"], 9);
    assert_eq!(
        data["lushui"]["supervisionListings"]["nodes"][0]["active"],
        true
    );
    // Some of the demo's records went to villages, and a project is placed at one.
    let villages: BTreeSet<i64> = entity::region::Entity::find()
        .filter(entity::region::Column::Level.eq(RegionLevel::Village))
        .all(&app.db)
        .await
        .expect("villages")
        .into_iter()
        .map(|r| r.id)
        .collect();
    let to_villages = entity::fund_transfer::Entity::find()
        .all(&app.db)
        .await
        .expect("transfers")
        .iter()
        .filter(|t| villages.contains(&t.recipient_id))
        .count();
    assert!(to_villages > 0);
    let placed = entity::project::Entity::find()
        .filter(entity::project::Column::VillageId.is_not_null())
        .count(&app.db)
        .await
        .expect("projects");
    assert!(placed > 0);
    assert_eq!(reported(&app, 2020).await, recompute(&app.db, 2020).await);
}
