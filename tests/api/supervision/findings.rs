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

const OVERDUE: &str = "query($first: Int, $after: String) {
  dataQualityFindings(year: 2020, asOf: \"2020-12-31\", first: $first, after: $after,
    filter: { kinds: [RECEIPT_OVERDUE] }) {
    totalCount pageInfo { hasNextPage endCursor } nodes { kind subjectId date message } } }";

/// The whole list as it is now, and a page after `after`.
async fn overdue(app: &TestApp, first: usize, after: &Value) -> (Vec<Value>, Value) {
    let body = app
        .gql_as(
            Some(&viewer()),
            OVERDUE,
            json!({ "first": first, "after": after }),
        )
        .await;
    let conn = ok(&body)["dataQualityFindings"].clone();
    (
        conn["nodes"].as_array().expect("nodes").clone(),
        conn["pageInfo"]["endCursor"].clone(),
    )
}

/// The whole list as it is now, page by page.
async fn overdue_all(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let (page, end) = overdue(app, 100, &after).await;
        if page.is_empty() {
            return out;
        }
        out.extend(page);
        after = end;
    }
}

/// The transfer a finding is about.
fn transfer_of(finding: &Value) -> i64 {
    let id = finding["subjectId"].as_str().expect("subject");
    let raw =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id).expect("b64");
    let text = String::from_utf8(raw).expect("utf8");
    let (kind, n) = text.split_once(':').expect("kind:id");
    assert_eq!(kind, "FundTransfer");
    n.parse().expect("int")
}

/// Marks the transfer received (its RECEIPT_OVERDUE finding goes) or allocated again (it
/// comes back).
async fn set_received(app: &TestApp, id: i64, received: bool) {
    use entity::enums::TransferStatus;
    use sea_orm::{ActiveModelTrait, Set};
    let t = entity::fund_transfer::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("read")
        .expect("transfer");
    let allocated = t.allocated_on;
    let mut m: entity::fund_transfer::ActiveModel = t.into();
    if received {
        m.status = Set(TransferStatus::Received);
        m.received_on = Set(allocated);
    } else {
        m.status = Set(TransferStatus::Allocated);
        m.received_on = Set(None);
    }
    m.update(&app.db).await.expect("update");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_findings_cursor_survives_changes_before_it() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let all = overdue_all(&app).await;
    assert!(
        all.len() >= 8,
        "the demo has overdue receipts: {}",
        all.len()
    );
    let (page1, cursor) = overdue(&app, 3, &Value::Null).await;
    assert_eq!(page1, all[..3].to_vec());

    // The page after the cursor, checked against the list as it stands: it starts right after
    // page 1's last finding, repeats nothing of page 1 and skips nothing.
    let check = |now: Vec<Value>, page2: Vec<Value>| {
        let last = page1.last().expect("last");
        let at = now
            .iter()
            .position(|f| f == last)
            .expect("the last one stays");
        let want: Vec<Value> = now.iter().skip(at + 1).take(3).cloned().collect();
        assert_eq!(page2, want);
        assert!(page2.iter().all(|f| !page1.contains(f)));
    };

    // A finding before the cursor disappears: the transfer is received after all.
    let first = transfer_of(&page1[0]);
    set_received(&app, first, true).await;
    let now = overdue_all(&app).await;
    assert_eq!(now.len(), all.len() - 1);
    assert!(!now.contains(&page1[0]));
    let (page2, _) = overdue(&app, 3, &cursor).await;
    assert_eq!(page2, all[3..6].to_vec());
    check(now, page2);

    // It appears again (and the cursor's own finding goes): still the same page 2.
    set_received(&app, first, false).await;
    let last = transfer_of(&page1[2]);
    set_received(&app, last, true).await;
    let now = overdue_all(&app).await;
    let (page2, _) = overdue(&app, 3, &cursor).await;
    assert_eq!(page2, all[3..6].to_vec());
    assert!(!now.contains(&page1[2]));
    assert!(page2.iter().all(|f| now.contains(f) && !page1.contains(f)));
    set_received(&app, last, false).await;
    let now = overdue_all(&app).await;
    assert_eq!(now, all);
    let (page2, _) = overdue(&app, 3, &cursor).await;
    check(now, page2);

    // A position cursor of the old kind is refused, naming the argument.
    let body = app
        .gql_as(
            Some(&viewer()),
            OVERDUE,
            json!({ "first": 3, "after": "eyJvIjoiZmluZGluZy5wb3NpdGlvbiIsInYiOnsiaSI6Mn0sImlkIjoyfQ" }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("after"));
}
