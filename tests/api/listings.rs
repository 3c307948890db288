//! Listed supervision (挂牌督战): the listing lifecycle and its validation, who reads what,
//! records going to a listed village end to end, the derived `listedForSupervision` and
//! `listedOnly`, and the listed-region findings against a recomputation from the rows.
use crate::fixtures::{World, d, dispatch, region, transfer, world};
use crate::harness::{TestApp, error_code, token};
use crate::writes::gid;
use entity::enums::{
    DispatchStatus, FundCategory, PersonnelCategory, RegionLevel, TransferStatus, Zone,
};
use pairing_api::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

const LIST: &str = "mutation($input: ListForSupervisionInput!) {
  listForSupervision(input: $input) { supervisionListing {
    id year listedOn liftedOn active combatPlanStatus combatPlanReference
    region { code } supervisingProvince { code } } } }";
const LIFT: &str = "mutation($input: LiftSupervisionListingInput!) {
  liftSupervisionListing(input: $input) { supervisionListing { id liftedOn active } } }";
const PLAN: &str = "mutation($input: UpdateCombatPlanInput!) {
  updateCombatPlan(input: $input) { supervisionListing { id combatPlanStatus combatPlanReference } } }";
const LISTED: &str = "query($code: String!) {
  region(code: $code) { poverty { listedForSupervision } }
  regions(filter: { listedOnly: true }, first: 100) { nodes { code } } }";

fn admin() -> String {
    token(Role::Admin, None, None)
}

fn ok(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    &body["data"]
}

fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    assert_eq!(error_code(body), Some(code), "{body}");
    if let Some(f) = field {
        assert_eq!(body["errors"][0]["extensions"]["field"], f, "{body}");
    }
}

/// Whether `code` is listed, by `listedForSupervision` and by the `listedOnly` filter.
async fn listed(app: &TestApp, code: &str) -> (bool, bool) {
    let body = app.gql(LISTED, json!({ "code": code })).await;
    let data = ok(&body);
    let flag = data["region"]["poverty"]["listedForSupervision"]
        .as_bool()
        .expect("flag");
    let in_filter = data["regions"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .any(|n| n["code"] == code);
    (flag, in_filter)
}

/// A synthetic township and village under Xiangyun (532923).
async fn village(app: &TestApp, w: &World, n: u32) -> i64 {
    let township = match entity::region::Entity::find()
        .filter(entity::region::Column::Code.eq("532923100"))
        .one(&app.db)
        .await
        .expect("township")
    {
        Some(t) => t.id,
        None => {
            region(
                &app.db,
                "532923100",
                "合成乡",
                RegionLevel::Township,
                Zone::West,
                Some(w.xiangyun),
                Some(w.yunnan),
                false,
            )
            .await
        }
    };
    region(
        &app.db,
        &format!("532923100{n:03}"),
        &format!("合成{n}村"),
        RegionLevel::Village,
        Zone::West,
        Some(township),
        Some(w.yunnan),
        false,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_is_listed_its_plan_recorded_and_the_listing_lifted() {
    let app = TestApp::spawn().await;
    let _w = world(&app.db).await;
    let admin = admin();
    assert_eq!(listed(&app, "532923").await, (false, false));

    let input = json!({ "regionCode": "532923", "year": 2020, "listedOn": "2020-03-01" });
    // Refused: anonymous, a county, the province's government (it updates plans only).
    let vars = json!({ "input": input });
    assert_error(&app.gql(LIST, vars.clone()).await, "UNAUTHENTICATED", None);
    for t in [
        token(Role::Recipient, None, Some("532923")),
        token(Role::Recipient, None, Some("530000")),
        token(Role::Viewer, None, None),
    ] {
        assert_error(
            &app.gql_as(Some(&t), LIST, vars.clone()).await,
            "FORBIDDEN",
            None,
        );
    }
    // Bad input names its field.
    let bad = |k: &str, v: Value| {
        let mut i = input.clone();
        i[k] = v;
        json!({ "input": i })
    };
    for (vars, field) in [
        (bad("regionCode", json!("530000")), "input.regionCode"),
        (bad("regionCode", json!("532999")), "input.regionCode"),
        (bad("regionCode", json!("53")), "input.regionCode"),
        (bad("listedOn", json!("2019-12-31")), "input.listedOn"),
        (bad("listedOn", json!("2999-01-01")), "input.listedOn"),
        (bad("year", json!(1900)), "input.year"),
        (
            bad("supervisingProvinceCode", json!("532900")),
            "input.supervisingProvinceCode",
        ),
    ] {
        assert_error(
            &app.gql_as(Some(&admin), LIST, vars).await,
            "BAD_USER_INPUT",
            Some(field),
        );
    }

    let body = app.gql_as(Some(&admin), LIST, vars.clone()).await;
    let l = ok(&body)["listForSupervision"]["supervisionListing"].clone();
    assert_eq!(l["region"]["code"], "532923");
    assert_eq!(l["supervisingProvince"]["code"], "530000");
    assert_eq!(l["combatPlanStatus"], "NONE");
    assert_eq!(l["active"], true);
    assert_eq!(listed(&app, "532923").await, (true, true));
    // A retry answers with the same listing; another listing of the region for 2020 conflicts.
    let retry = app.gql_as(Some(&admin), LIST, vars).await;
    assert_eq!(
        ok(&retry)["listForSupervision"]["supervisionListing"]["id"],
        l["id"]
    );
    let other = bad("listedOn", json!("2020-04-01"));
    assert_error(
        &app.gql_as(Some(&admin), LIST, other).await,
        "CONFLICT",
        None,
    );

    // The combat plan: a reference is needed beyond NONE; Yunnan's government records it, not
    // Guangxi's nor the county.
    let id = l["id"].clone();
    let plan = |status: &str, reference: Option<&str>| {
        json!({ "input": { "supervisionListingId": id, "combatPlanStatus": status,
                "combatPlanReference": reference } })
    };
    let yunnan = token(Role::Recipient, None, Some("530000"));
    assert_error(
        &app.gql_as(Some(&yunnan), PLAN, plan("DRAFTED", None)).await,
        "BAD_USER_INPUT",
        Some("input.combatPlanReference"),
    );
    for t in [
        token(Role::Recipient, None, Some("450000")),
        token(Role::Recipient, None, Some("532923")),
    ] {
        assert_error(
            &app.gql_as(Some(&t), PLAN, plan("DRAFTED", Some("滇作战〔2020〕1号")))
                .await,
            "FORBIDDEN",
            None,
        );
    }
    let body = app
        .gql_as(
            Some(&yunnan),
            PLAN,
            plan("APPROVED", Some("滇作战〔2020〕1号")),
        )
        .await;
    let p = &ok(&body)["updateCombatPlan"]["supervisionListing"];
    assert_eq!(p["combatPlanStatus"], "APPROVED");
    assert_eq!(p["combatPlanReference"], "滇作战〔2020〕1号");
    // The reference stays when only the status moves.
    let body = app
        .gql_as(Some(&admin), PLAN, plan("IN_PROGRESS", None))
        .await;
    let p = &ok(&body)["updateCombatPlan"]["supervisionListing"];
    assert_eq!(p["combatPlanReference"], "滇作战〔2020〕1号");

    // Lifting: not before the listing, not in the future; a retry is the same lifting.
    let lift = |on: &str| json!({ "input": { "supervisionListingId": id, "liftedOn": on } });
    assert_error(
        &app.gql_as(Some(&admin), LIFT, lift("2020-02-01")).await,
        "BAD_USER_INPUT",
        Some("input.liftedOn"),
    );
    assert_error(
        &app.gql_as(Some(&yunnan), LIFT, lift("2020-12-31")).await,
        "FORBIDDEN",
        None,
    );
    let body = app.gql_as(Some(&admin), LIFT, lift("2020-12-31")).await;
    let lifted = &ok(&body)["liftSupervisionListing"]["supervisionListing"];
    assert_eq!(lifted["active"], false);
    assert_eq!(lifted["liftedOn"], "2020-12-31");
    ok(&app.gql_as(Some(&admin), LIFT, lift("2020-12-31")).await);
    assert_error(
        &app.gql_as(Some(&admin), LIFT, lift("2020-11-30")).await,
        "CONFLICT",
        None,
    );
    assert_eq!(listed(&app, "532923").await, (false, false));

    // Every write is audited once (retries that changed nothing are not).
    let audited = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Entity.eq("SupervisionListing"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(audited, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_region_lists_and_lifts_for_the_current_year() {
    let app = TestApp::spawn().await;
    let _w = world(&app.db).await;
    let q = "mutation($input: UpdateRegionInput!) { updateRegion(input: $input) {
        region { poverty { listedForSupervision } supervisionListings(first: 5) { nodes { year active } } } } }";
    let admin = admin();
    let body = app
        .gql_as(
            Some(&admin),
            q,
            json!({ "input": { "code": "532923", "listedForSupervision": true } }),
        )
        .await;
    let r = &ok(&body)["updateRegion"]["region"];
    assert_eq!(r["poverty"]["listedForSupervision"], true);
    let year = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y")
        .to_string();
    assert_eq!(
        r["supervisionListings"]["nodes"][0]["year"].to_string(),
        year
    );
    // Lushui's 2020 listing is lifted by `false`.
    let body = app
        .gql_as(
            Some(&admin),
            q,
            json!({ "input": { "code": "533301", "listedForSupervision": false } }),
        )
        .await;
    let r = &ok(&body)["updateRegion"]["region"];
    assert_eq!(r["poverty"]["listedForSupervision"], false);
    assert_eq!(r["supervisionListings"]["nodes"][0]["active"], false);
    // A prefecture cannot be listed.
    let body = app
        .gql_as(
            Some(&admin),
            q,
            json!({ "input": { "code": "532900", "listedForSupervision": true } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.listedForSupervision"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_village_receives_a_transfer_a_dispatch_and_a_project() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    village(&app, &w, 1).await;
    let admin = admin();
    let body = app
        .gql_as(
            Some(&admin),
            LIST,
            json!({ "input": { "regionCode": "532923100001", "year": 2020, "listedOn": "2020-03-01",
                    "combatPlanReference": "祥作战〔2020〕7号", "combatPlanStatus": "DRAFTED" } }),
        )
        .await;
    ok(&body);
    assert_eq!(listed(&app, "532923100001").await, (true, true));

    // Public, except the plan's reference.
    let q = "{ supervisionListings(first: 10, filter: { level: VILLAGE, regionCode: \"532923\" }) {
        totalCount nodes { region { code } combatPlanStatus combatPlanReference } } }";
    let anon = app.gql(q, json!({})).await;
    let n = &ok(&anon)["supervisionListings"];
    assert_eq!(n["totalCount"], 1);
    assert_eq!(n["nodes"][0]["combatPlanStatus"], "DRAFTED");
    assert_eq!(n["nodes"][0]["combatPlanReference"], Value::Null);
    let viewer = token(Role::Viewer, None, None);
    let seen = app.gql_as(Some(&viewer), q, json!({})).await;
    assert_eq!(
        ok(&seen)["supervisionListings"]["nodes"][0]["combatPlanReference"],
        "祥作战〔2020〕7号"
    );
    // A level that is never listed is refused, naming the filter.
    let body = app
        .gql(
            "{ supervisionListings(first: 1, filter: { level: PROVINCE }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("filter.level"));

    // The helper sends money and a first secretary to the village; the county confirms both.
    let helper = token(Role::Helper, Some("310000"), None);
    let county = token(Role::Recipient, None, Some("532923"));
    let body = app
        .gql_as(
            Some(&helper),
            "mutation($input: RecordFundTransferInput!) { recordFundTransfer(input: $input) { fundTransfer { id recipient { code } } } }",
            json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
                "referenceNo": "SH-YN-2020-V1", "recipientCode": "532923100001",
                "category": "FISCAL_AID", "amount": "300000.00", "year": 2020,
                "allocatedOn": "2020-04-01" } }),
        )
        .await;
    let t = ok(&body)["recordFundTransfer"]["fundTransfer"].clone();
    assert_eq!(t["recipient"]["code"], "532923100001");
    let body = app
        .gql_as(
            Some(&county),
            "mutation($input: ConfirmFundReceiptInput!) { confirmFundReceipt(input: $input) { fundTransfer { status } } }",
            json!({ "input": { "fundTransferId": t["id"], "receivedOn": "2020-04-10" } }),
        )
        .await;
    assert_eq!(
        ok(&body)["confirmFundReceipt"]["fundTransfer"]["status"],
        "RECEIVED"
    );
    let body = app
        .gql_as(
            Some(&helper),
            "mutation($input: DispatchPersonnelInput!) { dispatchPersonnel(input: $input) { personnelDispatch { id } } }",
            json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
                "recipientCode": "532923100001", "personName": "王五",
                "category": "PARTY_GOVERNMENT_CADRE", "post": "village first secretary",
                "startOn": "2020-05-01" } }),
        )
        .await;
    let dispatch_id = ok(&body)["dispatchPersonnel"]["personnelDispatch"]["id"].clone();
    let body = app
        .gql_as(
            Some(&county),
            "mutation($input: ConfirmPersonnelArrivalInput!) { confirmPersonnelArrival(input: $input) { personnelDispatch { status } } }",
            json!({ "input": { "personnelDispatchId": dispatch_id, "arrivedOn": "2020-05-03" } }),
        )
        .await;
    ok(&body);

    // A project placed at the village; a village of another county is refused.
    let create = "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id county { code } village { code } } } }";
    let project = |village: &str| {
        json!({ "input": { "countyCode": "532923", "villageCode": village, "name": "村级光伏电站",
                "sector": "industry", "budget": "500000.00" } })
    };
    let body = app
        .gql_as(Some(&county), create, project("532923100001"))
        .await;
    let p = &ok(&body)["createProject"]["project"];
    assert_eq!(p["county"]["code"], "532923");
    assert_eq!(p["village"]["code"], "532923100001");
    for code in ["533301100001", "532923100", "5329"] {
        assert_error(
            &app.gql_as(Some(&county), create, project(code)).await,
            "BAD_USER_INPUT",
            Some("input.villageCode"),
        );
    }

    // The rollups count the village's records for the village and for its county.
    let q = "{ v: region(code: \"532923100001\") { assistance(year: 2020) { received receivedTransfers personnelInPostTotal } }
               c: region(code: \"532923\") { assistance(year: 2020) { received personnelInPostTotal } } }";
    let body = app.gql(q, json!({})).await;
    let data = ok(&body);
    assert_eq!(data["v"]["assistance"]["received"], "300000.00");
    assert_eq!(data["v"]["assistance"]["receivedTransfers"], 1);
    assert_eq!(data["v"]["assistance"]["personnelInPostTotal"], 1);
    let county_received = data["c"]["assistance"]["received"]
        .as_str()
        .expect("received")
        .parse::<f64>()
        .expect("number");
    assert!(county_received >= 300_000.0, "{body}");

    // Neither listed-village finding for it: it had both in 2020.
    let body = app
        .gql_as(
            Some(&viewer),
            "{ dataQualityFindings(year: 2020, asOf: \"2020-12-31\", first: 100,
                 filter: { kinds: [LISTED_VILLAGE_WITHOUT_DISPATCH, LISTED_VILLAGE_WITHOUT_TRANSFER] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["dataQualityFindings"]["totalCount"], 0);
}

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

/// The README's listed-supervision examples: each query with the answer printed after it.
fn readme_examples() -> Vec<(String, Value)> {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("### Listed supervision: counties and villages")
        .expect("the section");
    let section = &readme[start..];
    let section = &section[..section.find("\n## ").expect("the section's end")];
    let mut out = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find("```graphql\n") {
        let after = &rest[i + "```graphql\n".len()..];
        let end = after.find("```").expect("the query's end");
        let query = after[..end].to_string();
        let after = &after[end + 3..];
        let j = after.find("```json\n").expect("the printed answer");
        let answer = &after[j + "```json\n".len()..];
        let k = answer.find("```").expect("the answer's end");
        let printed: Value = serde_json::from_str(&answer[..k]).expect("printed JSON");
        out.push((query, printed));
        rest = &answer[k + 3..];
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_examples_answer_as_printed_on_the_demo() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let callers = [
        None,
        Some(admin()),
        Some(admin()),
        Some(token(Role::Recipient, None, Some("530000"))),
        Some(token(Role::Recipient, None, Some("533301"))),
    ];
    let examples = readme_examples();
    assert_eq!(examples.len(), callers.len());
    for ((query, printed), caller) in examples.into_iter().zip(callers) {
        let body = app.gql_as(caller.as_deref(), &query, json!({})).await;
        assert_eq!(body, printed, "{query}");
    }
}

/// The listings migration turns every region flagged listed into a 2020 listing supervised by its
/// own province, and drops the flag.
#[test]
fn the_migration_lists_the_flagged_regions_for_2020() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    let database = crate::harness::TestDatabase::create();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let url = pairing_api::db::normalize_url(&database.url);
        let db = sea_orm::Database::connect(&url).await.expect("connect");
        let pending = Migrator::get_pending_migrations(&db)
            .await
            .expect("pending");
        let at = pending
            .iter()
            .position(|m| m.name() == "m20261209_100001_supervision_listings")
            .expect("the listings migration");
        Migrator::up(&db, Some(u32::try_from(at).expect("a count")))
            .await
            .expect("earlier migrations");
        // The flag as it stood: Yunnan, Nujiang, Lushui (listed) and Xiangyun (not).
        for sql in [
            "INSERT INTO regions (id, code, name, level, zone, is_listed) VALUES (1, '530000', '云南省', 'PROVINCE', 'WEST', false)",
            "UPDATE regions SET province_id = 1 WHERE id = 1",
            "INSERT INTO regions (id, code, name, level, zone, parent_id, province_id, is_listed) VALUES (2, '533300', '怒江州', 'PREFECTURE', 'WEST', 1, 1, false)",
            "INSERT INTO regions (id, code, name, level, zone, parent_id, province_id, is_listed) VALUES (3, '533301', '泸水市', 'COUNTY', 'WEST', 2, 1, true)",
            "INSERT INTO regions (id, code, name, level, zone, parent_id, province_id, is_listed) VALUES (4, '532923', '祥云县', 'COUNTY', 'WEST', 2, 1, false)",
        ] {
            db.execute_unprepared(sql).await.expect(sql);
        }
        Migrator::up(&db, None).await.expect("the migration");
        let listings = entity::supervision_listing::Entity::find()
            .all(&db)
            .await
            .expect("listings");
        assert_eq!(listings.len(), 1);
        let l = &listings[0];
        assert_eq!(
            (l.region_id, l.year, l.listed_on, l.supervising_province_id, l.lifted_on),
            (3, 2020, d(2020, 1, 1), 1, None)
        );
        assert_eq!(l.combat_plan_status, entity::enums::CombatPlanStatus::None);
        // The flag is gone: the listing is the one source.
        let gone = db
            .execute_unprepared("SELECT is_listed FROM regions")
            .await;
        assert!(gone.is_err());
        db.close().await.ok();
    });
}
