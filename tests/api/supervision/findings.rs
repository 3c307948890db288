//! PUBLICITY_OVERDUE, FUNDS_IDLE and PROJECT_OVERDUE against the rows, their thresholds, the
//! filters and the paging of the findings.
use super::*;
use crate::fixtures::{d, world};
use crate::harness::TestApp;
use chrono::{Duration, NaiveDate};
use sea_orm::EntityTrait;
use std::collections::BTreeSet;

const Q: &str = "query($d: Date, $f: DataQualityFindingFilter, $t: FindingThresholds, $first: Int, $after: String) {
  dataQualityFindings(year: 2019, asOf: $d, filter: $f, thresholds: $t, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { kind subjectId indicator quarter event date region { code } pairingAgreement { helper { code } } } } }";

/// Every finding over all pages, as (kind, subject id).
async fn all(app: &TestApp, vars: Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut after = Value::Null;
    loop {
        let mut v = vars.clone();
        v["first"] = json!(2);
        v["after"] = after.clone();
        let body = app.gql_as(Some(&viewer()), Q, v).await;
        let page = &ok(&body)["dataQualityFindings"];
        for n in page["nodes"].as_array().expect("nodes") {
            // A record may have several findings of a kind (one per indicator or quarter).
            assert!(
                seen.insert(n.to_string()),
                "a finding shows on two pages: {n}"
            );
            out.insert((
                n["kind"].as_str().expect("kind").to_string(),
                n["subjectId"].as_str().expect("id").to_string(),
            ));
        }
        if page["pageInfo"]["hasNextPage"] != true {
            assert_eq!(page["totalCount"], seen.len(), "{body}");
            return out;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

fn only(kinds: &[&str], set: &BTreeSet<(String, String)>) -> BTreeSet<(String, String)> {
    set.iter()
        .filter(|(k, _)| kinds.contains(&k.as_str()))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervision_findings_follow_the_rows_thresholds_and_filters() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let r = recipient_yn();
    // Spending from one received transfer; the project is due by 31 May and still under way.
    ok(&spend(&app, w.project, w.transfers[0], "10.00", None).await);
    let body = app
        .gql_as(
            Some(&r),
            "mutation($id: ID!) { updateProject(input: { projectId: $id, plannedStart: \"2019-01-01\", plannedEnd: \"2019-05-31\" }) { project { id } } }",
            json!({ "id": gid("Project", w.project) }),
        )
        .await;
    ok(&body);
    // A completed project past its plan is not overdue.
    let body = app
        .gql_as(
            Some(&r),
            "mutation { createProject(input: { countyCode: \"532923\", name: \"已完工\", sector: \"health\",
               budget: \"1.00\", plannedEnd: \"2019-02-01\", status: IN_PROGRESS }) { project { id } } }",
            json!({}),
        )
        .await;
    let done = ok(&body)["createProject"]["project"]["id"].clone();
    ok(&app
        .gql_as(
            Some(&r),
            "mutation($id: ID!) { updateProject(input: { projectId: $id, status: COMPLETED, completedOn: \"2019-03-01\" }) { project { id } } }",
            json!({ "id": done }),
        )
        .await);

    let transfers = entity::fund_transfer::Entity::find()
        .all(&app.db)
        .await
        .expect("rows");
    let spent = entity::expenditure::Entity::find()
        .all(&app.db)
        .await
        .expect("rows");
    let expected = |as_of: NaiveDate, publicity: i64, idle: i64| {
        let mut out = BTreeSet::new();
        for t in transfers
            .iter()
            .filter(|t| t.year == 2019 && t.status == entity::enums::TransferStatus::Received)
        {
            let received = t.received_on.expect("received");
            let public = t.publicized_on.is_some_and(|p| p <= as_of);
            if received < as_of - Duration::days(publicity) && !public {
                out.insert(("PUBLICITY_OVERDUE".to_string(), gid("FundTransfer", t.id)));
            }
            let used = spent
                .iter()
                .any(|e| e.fund_transfer_id == t.id && e.spent_on <= as_of);
            if received < as_of - Duration::days(idle) && !used {
                out.insert(("FUNDS_IDLE".to_string(), gid("FundTransfer", t.id)));
            }
        }
        if as_of > d(2019, 5, 31) {
            out.insert(("PROJECT_OVERDUE".to_string(), gid("Project", w.project)));
        }
        out
    };
    let kinds = ["PUBLICITY_OVERDUE", "FUNDS_IDLE", "PROJECT_OVERDUE"];

    // Defaults: 30 days to publicity, 90 to the first expenditure.
    for as_of in [d(2019, 4, 15), d(2019, 6, 15), d(2019, 8, 1)] {
        let got = all(&app, json!({ "d": as_of.to_string() })).await;
        assert_eq!(only(&kinds, &got), expected(as_of, 30, 90), "as of {as_of}");
    }
    let mid = all(&app, json!({ "d": "2019-06-15" })).await;
    assert!(!only(&["PUBLICITY_OVERDUE"], &mid).is_empty());
    assert!(only(&["FUNDS_IDLE"], &mid).is_empty());
    // Overridden thresholds.
    let got = all(
        &app,
        json!({ "d": "2019-06-15", "t": { "publicityDays": 100, "idleDays": 10 } }),
    )
    .await;
    assert_eq!(only(&kinds, &got), expected(d(2019, 6, 15), 100, 10));
    assert!(!only(&["FUNDS_IDLE"], &got).is_empty());
    assert!(only(&["PUBLICITY_OVERDUE"], &got).is_empty());
    for field in ["publicityDays", "idleDays", "receiptDays"] {
        let body = app
            .gql_as(
                Some(&viewer()),
                Q,
                json!({ "d": "2019-06-15", "t": { field: -1 } }),
            )
            .await;
        assert_error(
            &body,
            "BAD_USER_INPUT",
            Some(&format!("thresholds.{field}")),
        );
    }

    // Filters: kinds, region, helper.
    let f = |filter: Value| json!({ "d": "2019-08-01", "f": filter, "t": { "idleDays": 30 } });
    let every = all(&app, json!({ "d": "2019-08-01", "t": { "idleDays": 30 } })).await;
    let idle = all(&app, f(json!({ "kinds": ["FUNDS_IDLE"] }))).await;
    assert_eq!(idle, only(&["FUNDS_IDLE"], &every));
    let xiangyun = all(&app, f(json!({ "regionCode": "532923", "kinds": kinds }))).await;
    let lushui = all(&app, f(json!({ "regionCode": "533301", "kinds": kinds }))).await;
    let yunnan = all(&app, f(json!({ "regionCode": "530000", "kinds": kinds }))).await;
    assert!(xiangyun.contains(&("PROJECT_OVERDUE".to_string(), gid("Project", w.project))));
    assert!(xiangyun.is_disjoint(&lushui));
    assert_eq!(
        yunnan,
        xiangyun.union(&lushui).cloned().collect::<BTreeSet<_>>()
    );
    assert_eq!(yunnan, only(&kinds, &every));
    let guangxi = all(&app, f(json!({ "regionCode": "450000" }))).await;
    assert!(only(&kinds, &guangxi).is_empty());
    // The helper filter keeps the findings of its pairings (projects have none).
    let shanghai = all(&app, f(json!({ "helperCode": "310000", "kinds": kinds }))).await;
    let sh_transfers: BTreeSet<String> = transfers
        .iter()
        .filter(|t| t.helper_id == w.sh_gov)
        .map(|t| gid("FundTransfer", t.id))
        .collect();
    assert!(!shanghai.is_empty());
    assert!(shanghai.iter().all(|(_, id)| sh_transfers.contains(id)));
    assert_eq!(
        shanghai,
        only(&["PUBLICITY_OVERDUE", "FUNDS_IDLE"], &every)
            .into_iter()
            .filter(|(_, id)| sh_transfers.contains(id))
            .collect::<BTreeSet<_>>()
    );
    let body = app
        .gql_as(Some(&viewer()), Q, f(json!({ "regionCode": "53" })))
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("filter.regionCode"));

    // Paging backwards ends where paging forwards began.
    let body = app
        .gql_as(
            Some(&viewer()),
            "{ a: dataQualityFindings(year: 2019, asOf: \"2019-08-01\", first: 100) { nodes { subjectId kind } }
               b: dataQualityFindings(year: 2019, asOf: \"2019-08-01\", last: 2) { nodes { subjectId kind } pageInfo { hasPreviousPage } } }",
            json!({}),
        )
        .await;
    let a = ok(&body)["a"]["nodes"].as_array().expect("a").clone();
    let b = body["data"]["b"]["nodes"].as_array().expect("b").clone();
    assert_eq!(b, a[a.len() - 2..].to_vec());
    assert_eq!(body["data"]["b"]["pageInfo"]["hasPreviousPage"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_supervision_finding_shows_on_the_demo() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    for kind in ["PUBLICITY_OVERDUE", "FUNDS_IDLE", "PROJECT_OVERDUE"] {
        let body = app
            .gql_as(
                Some(&viewer()),
                "query($k: DataQualityFindingKind!) { dataQualityFindings(year: 2020, asOf: \"2020-12-31\",
                   first: 0, filter: { kinds: [$k] }) { totalCount } }",
                json!({ "k": kind }),
            )
            .await;
        let n = ok(&body)["dataQualityFindings"]["totalCount"]
            .as_i64()
            .expect("count");
        assert!(n > 0, "{kind}: {body}");
    }
    // The demo's spending never exceeds what a transfer brought.
    let transfers = entity::fund_transfer::Entity::find()
        .all(&app.db)
        .await
        .expect("rows");
    let spent = entity::expenditure::Entity::find()
        .all(&app.db)
        .await
        .expect("rows");
    assert!(!spent.is_empty());
    for t in &transfers {
        let sum: i64 = spent
            .iter()
            .filter(|e| e.fund_transfer_id == t.id)
            .map(|e| e.amount_fen)
            .sum();
        assert!(sum <= t.amount_fen, "transfer {}", t.id);
        assert!(sum == 0 || t.status == entity::enums::TransferStatus::Received);
    }
}
