//! Publicizing, superseding and spending: permissions are in `permissions`; here the rules, bad
//! input, idempotent retries and the audit log.
use super::*;
use crate::fixtures::world;
use crate::harness::TestApp;
use sea_orm::{EntityTrait, PaginatorTrait};

async fn announcements(app: &TestApp) -> u64 {
    entity::announcement::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

async fn expenditures(app: &TestApp) -> u64 {
    entity::expenditure::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

fn publicity(transfer: i64, start: &str, end: &str) -> Value {
    json!({ "fundTransferId": gid("FundTransfer", transfer), "periodStart": start, "periodEnd": end,
            "channel": "COUNTY_WEBSITE", "documentRef": "祥云县公示〔2019〕3号" })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_publicizes_a_transfer_and_corrects_it_only_by_superseding() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let r = recipient_yn();
    // Received on 1 April 2019 and not publicized.
    let t = w.transfers[2];

    // Bad input answers BAD_USER_INPUT naming the argument and writes nothing.
    let bad = [
        (publicity(t, "2019-04-20", "2019-04-10"), "input.periodEnd"),
        (
            publicity(t, "2099-01-01", "2099-01-10"),
            "input.periodStart",
        ),
        (
            publicity(t, "2019-03-20", "2019-04-10"),
            "input.periodStart",
        ),
        // Allocated, not received.
        (
            publicity(w.transfers[1], "2019-04-20", "2019-05-01"),
            "input.fundTransferId",
        ),
    ];
    for (input, field) in bad {
        let body = app
            .gql_as(Some(&r), PUBLICIZE_TRANSFER, json!({ "input": input }))
            .await;
        assert_error(&body, "BAD_USER_INPUT", Some(field));
    }
    let mut blank = publicity(t, "2019-04-20", "2019-05-01");
    blank["documentRef"] = json!("  ");
    let body = app
        .gql_as(Some(&r), PUBLICIZE_TRANSFER, json!({ "input": blank }))
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.documentRef"));
    assert_eq!(announcements(&app).await, 0);
    assert!(audited(&app, "publicizeFundTransfer").await.is_empty());

    // The first announcement publicizes the transfer from its period's start.
    let mut input = publicity(t, "2019-04-20", "2019-05-01");
    input["idempotencyKey"] = json!("pub-1");
    let body = app
        .gql_as(
            Some(&r),
            PUBLICIZE_TRANSFER,
            json!({ "input": input.clone() }),
        )
        .await;
    let first = ok(&body)["publicizeFundTransfer"]["announcement"].clone();
    assert_eq!(first["fundTransfer"]["publicizedOn"], "2019-04-20");
    assert_eq!(first["supersedes"], Value::Null);
    // A retry with the key answers the same announcement; the key with another payload conflicts.
    let again = app
        .gql_as(
            Some(&r),
            PUBLICIZE_TRANSFER,
            json!({ "input": input.clone() }),
        )
        .await;
    assert_eq!(
        ok(&again)["publicizeFundTransfer"]["announcement"]["id"],
        first["id"]
    );
    input["documentRef"] = json!("另一份");
    let reused = app
        .gql_as(Some(&r), PUBLICIZE_TRANSFER, json!({ "input": input }))
        .await;
    assert_error(&reused, "CONFLICT", None);
    assert_eq!(announcements(&app).await, 1);

    // A second announcement must supersede the first.
    let body = app
        .gql_as(
            Some(&r),
            PUBLICIZE_TRANSFER,
            json!({ "input": publicity(t, "2019-04-25", "2019-05-05") }),
        )
        .await;
    assert_error(&body, "CONFLICT", None);
    let mut correction = publicity(t, "2019-04-25", "2019-05-05");
    correction["supersedes"] = first["id"].clone();
    let body = app
        .gql_as(
            Some(&r),
            PUBLICIZE_TRANSFER,
            json!({ "input": correction.clone() }),
        )
        .await;
    let second = ok(&body)["publicizeFundTransfer"]["announcement"].clone();
    assert_eq!(second["supersedes"]["id"], first["id"]);
    // The first publicity date stays.
    assert_eq!(second["fundTransfer"]["publicizedOn"], "2019-04-20");
    // The superseded one cannot be superseded again.
    let body = app
        .gql_as(Some(&r), PUBLICIZE_TRANSFER, json!({ "input": correction }))
        .await;
    assert_error(&body, "CONFLICT", None);
    // Nor can another record's announcement be superseded from here.
    let mut foreign = publicity(w.transfers[8], "2019-04-25", "2019-05-05");
    foreign["supersedes"] = second["id"].clone();
    let body = app
        .gql_as(Some(&r), PUBLICIZE_TRANSFER, json!({ "input": foreign }))
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.supersedes"));

    // Both kept, publicly, each pointing at the other.
    let body = app
        .gql(
            r#"{ publicAnnouncements(regionCode: "532923", year: 2019) { totalCount
                nodes { id supersedes { id } supersededBy { id } fundTransfer { id } } } }"#,
            json!({}),
        )
        .await;
    let list = ok(&body)["publicAnnouncements"]["nodes"].clone();
    assert_eq!(
        body["data"]["publicAnnouncements"]["totalCount"], 2,
        "{body}"
    );
    assert_eq!(list[0]["id"], first["id"]);
    assert_eq!(list[0]["supersededBy"]["id"], second["id"]);
    assert_eq!(list[1]["supersededBy"], Value::Null);
    assert_eq!(list[1]["fundTransfer"]["id"], gid("FundTransfer", t));
    // Not in another county's or another year's list.
    let body = app
        .gql(
            r#"{ a: publicAnnouncements(regionCode: "533301", year: 2019) { totalCount }
                 b: publicAnnouncements(regionCode: "530000", year: 2020) { totalCount }
                 c: publicAnnouncements(regionCode: "530000", year: 2019) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["a"]["totalCount"], 0);
    assert_eq!(body["data"]["b"]["totalCount"], 0);
    assert_eq!(body["data"]["c"]["totalCount"], 2);
    let body = app
        .gql(
            r#"{ publicAnnouncements(regionCode: "53", year: 2019) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("regionCode"));

    // Every successful write, and only those, is audited with its record.
    let events = audited(&app, "publicizeFundTransfer").await;
    assert_eq!(events.len(), 2);
    let after: Value =
        serde_json::from_str(events[1].after.as_deref().expect("after")).expect("json");
    assert_eq!(after["supersedes_id"], events[0].entity_id);
    assert_eq!(after["document_ref"], "祥云县公示〔2019〕3号");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_publicizes_its_projects() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let r = recipient_yn();
    let created = app
        .gql_as(
            Some(&r),
            "mutation { createProject(input: { countyCode: \"532923\", name: \"祥云县产业路\",
               sector: \"infrastructure\", budget: \"300000.00\" }) { project { id publicizedOn } } }",
            json!({}),
        )
        .await;
    let id = ok(&created)["createProject"]["project"]["id"].clone();
    assert_eq!(
        created["data"]["createProject"]["project"]["publicizedOn"],
        Value::Null
    );
    let input = json!({ "projectId": id, "periodStart": "2019-06-01", "periodEnd": "2019-06-10",
                        "channel": "VILLAGE_NOTICE_BOARD", "documentRef": "公示〔2019〕8号" });
    let body = app
        .gql_as(
            Some(&r),
            PUBLICIZE_PROJECT,
            json!({ "input": input.clone() }),
        )
        .await;
    assert_eq!(
        ok(&body)["publicizeProject"]["announcement"]["project"]["publicizedOn"],
        "2019-06-01"
    );
    let body = app
        .gql_as(Some(&r), PUBLICIZE_PROJECT, json!({ "input": input }))
        .await;
    assert_error(&body, "CONFLICT", None);
    // An unknown project is named.
    let body = app
        .gql_as(
            Some(&r),
            PUBLICIZE_PROJECT,
            json!({ "input": { "projectId": gid("FundTransfer", w.transfers[0]), "periodStart": "2019-06-01",
                    "periodEnd": "2019-06-10", "channel": "OTHER", "documentRef": "x" } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.projectId"));
    assert_eq!(audited(&app, "publicizeProject").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spending_never_exceeds_what_the_transfer_brought() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    // 1,000,000.00 yuan received on 1 April 2019 by Xiangyun, earmarked for the project.
    let t = w.transfers[0];
    let body = spend(&app, w.project, t, "600000.00", Some("exp-1")).await;
    let e = ok(&body)["recordExpenditure"]["expenditure"].clone();
    assert_eq!(e["amount"], "600000.00");
    assert_eq!(e["fundTransfer"]["spent"], "600000.00");
    assert_eq!(e["fundTransfer"]["spendRate"], 0.6);
    // A retry answers the first; the key with another payload conflicts.
    let again = spend(&app, w.project, t, "600000.00", Some("exp-1")).await;
    assert_eq!(
        ok(&again)["recordExpenditure"]["expenditure"]["id"],
        e["id"]
    );
    let reused = spend(&app, w.project, t, "1.00", Some("exp-1")).await;
    assert_error(&reused, "CONFLICT", None);
    assert_eq!(expenditures(&app).await, 1);

    // More than remains: BAD_USER_INPUT naming the amount, nothing written.
    let body = spend(&app, w.project, t, "400000.01", None).await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.amount"));
    assert_eq!(expenditures(&app).await, 1);
    // Exactly what remains is fine.
    let body = spend(&app, w.project, t, "400000.00", None).await;
    assert_eq!(
        ok(&body)["recordExpenditure"]["expenditure"]["fundTransfer"]["spendRate"],
        1.0
    );

    // Only received funds, only after receipt, only funds that reached the project's county.
    let body = spend(&app, w.project, w.transfers[1], "1.00", None).await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.fundTransferId"));
    let gd = w.transfers[12];
    let body = spend(&app, w.project, gd, "1.00", None).await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.fundTransferId"));
    for (amount, field) in [("0", "input.amount"), ("1.001", "input.amount")] {
        let body = spend(&app, w.project, w.transfers[2], amount, None).await;
        assert_error(&body, "BAD_USER_INPUT", Some(field));
    }
    let body = app
        .gql_as(
            Some(&recipient_yn()),
            RECORD_EXPENDITURE,
            json!({ "input": {
                "projectId": gid("Project", w.project), "fundTransferId": gid("FundTransfer", w.transfers[2]),
                "amount": "1.00", "spentOn": "2019-03-31", "purpose": "x", "voucherRef": "v" } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.spentOn"));
    assert_eq!(expenditures(&app).await, 2);

    // Concurrent spending from one transfer: the balance is checked one after the other.
    let t = w.transfers[4];
    let calls = (0..4).map(|_| spend(&app, w.project, t, "300000.00", None));
    let answers = futures_util::future::join_all(calls).await;
    let succeeded = answers.iter().filter(|b| b.get("errors").is_none()).count();
    for b in answers.iter().filter(|b| b.get("errors").is_some()) {
        assert_error(b, "BAD_USER_INPUT", Some("input.amount"));
    }
    // 1,000,004.00 yuan holds three of them.
    assert_eq!(succeeded, 3, "{answers:?}");
    assert_eq!(expenditures(&app).await, 5);

    let events = audited(&app, "recordExpenditure").await;
    assert_eq!(events.len(), 5);
    let after: Value =
        serde_json::from_str(events[0].after.as_deref().expect("after")).expect("json");
    assert_eq!(after["amount_fen"], 60_000_000);
    assert_eq!(after["voucher_ref"], "记-2019-05-001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_library_keeps_plans_completion_and_targets() {
    let app = TestApp::spawn().await;
    let _w = world(&app.db).await;
    let r = recipient_yn();
    const CREATE: &str = "mutation($input: CreateProjectInput!) { createProject(input: $input) {
        project { id libraryYear plannedStart plannedEnd completedOn status
          targets { indicator unit target achieved completionRate } } } }";
    let input = json!({ "countyCode": "532923", "name": "村组道路硬化", "sector": "infrastructure",
        "budget": "1200000.00", "libraryYear": 2019, "plannedStart": "2019-03-01", "plannedEnd": "2019-10-31",
        "targets": [ { "indicator": "道路里程", "unit": "km", "target": "12.5" },
                     { "indicator": "受益户数", "unit": "户", "target": "340", "achieved": "170" } ] });
    let body = app
        .gql_as(Some(&r), CREATE, json!({ "input": input.clone() }))
        .await;
    let p = ok(&body)["createProject"]["project"].clone();
    assert_eq!(p["libraryYear"], 2019);
    assert_eq!(p["plannedEnd"], "2019-10-31");
    assert_eq!(p["targets"][0]["target"], "12.50");
    assert_eq!(p["targets"][0]["achieved"], Value::Null);
    assert_eq!(p["targets"][1]["completionRate"], 0.5);

    let mut bad = input.clone();
    bad["plannedEnd"] = json!("2019-02-01");
    let body = app.gql_as(Some(&r), CREATE, json!({ "input": bad })).await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.plannedEnd"));
    let mut bad = input.clone();
    bad["targets"] = json!([{ "indicator": "a", "unit": "km", "target": "1" }, { "indicator": "a", "unit": "km", "target": "2" }]);
    let body = app.gql_as(Some(&r), CREATE, json!({ "input": bad })).await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.targets"));
    let mut bad = input;
    bad["libraryYear"] = json!(1900);
    let body = app.gql_as(Some(&r), CREATE, json!({ "input": bad })).await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.libraryYear"));

    const UPDATE: &str = "mutation($input: UpdateProjectInput!) { updateProject(input: $input) {
        project { status completedOn plannedEnd targets { indicator target achieved } } } }";
    // A completion date without completing is refused.
    let body = app
        .gql_as(
            Some(&r),
            UPDATE,
            json!({ "input": { "projectId": p["id"], "completedOn": "2019-09-30" } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.completedOn"));
    let body = app
        .gql_as(Some(&r), UPDATE, json!({ "input": { "projectId": p["id"], "status": "IN_PROGRESS",
            "targets": [ { "indicator": "受益户数", "unit": "户", "target": "340", "achieved": "340" } ] } }))
        .await;
    let u = ok(&body)["updateProject"]["project"].clone();
    assert_eq!(u["targets"].as_array().map(Vec::len), Some(2), "{u}");
    assert_eq!(u["targets"][1]["achieved"], "340.00");
    let body = app
        .gql_as(Some(&r), UPDATE, json!({ "input": { "projectId": p["id"], "status": "COMPLETED", "completedOn": "2019-09-30" } }))
        .await;
    let u = ok(&body)["updateProject"]["project"].clone();
    assert_eq!(u["status"], "COMPLETED");
    assert_eq!(u["completedOn"], "2019-09-30");
    // The audit log keeps the targets before and after.
    let events = audited(&app, "updateProject").await;
    let before: Value =
        serde_json::from_str(events[0].before.as_deref().expect("before")).expect("json");
    let after: Value =
        serde_json::from_str(events[0].after.as_deref().expect("after")).expect("json");
    assert_eq!(before["targets"][1]["achieved_centi"], 17_000);
    assert_eq!(after["targets"][1]["achieved_centi"], 34_000);
}
