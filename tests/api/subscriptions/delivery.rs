//! Events arrive for committed writes only, filtered as asked, with progress recomputed.
use super::{TRANSFERS, TRANSPORT_WS, Ws, drain, record};
use crate::fixtures::world;
use crate::harness::{TestApp, is_postgres, token};
use crate::writes::gid;
use pairing_api::auth::Role;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

/// Makes the commit of any write whose audit image mentions POISON fail: a deferred foreign key
/// is violated by a trigger on the audit log, so the write's transaction gets as far as its
/// commit (its event already emitted inside it) and is then rolled back.
async fn poison_commits(db: &sea_orm::DatabaseConnection) {
    let statements: &[&str] = if is_postgres() {
        &[
            "CREATE TABLE poison_parent (id INT PRIMARY KEY)",
            "CREATE TABLE poison_child (parent_id INT REFERENCES poison_parent (id) \
             DEFERRABLE INITIALLY DEFERRED)",
            "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN \
             IF NEW.after::text LIKE '%POISON%' THEN INSERT INTO poison_child VALUES (42); END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER poison AFTER INSERT ON audit_events FOR EACH ROW \
             EXECUTE FUNCTION poison()",
        ]
    } else {
        &[
            "CREATE TABLE poison_parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE poison_child (parent_id INTEGER REFERENCES poison_parent (id) \
             DEFERRABLE INITIALLY DEFERRED)",
            "CREATE TRIGGER poison AFTER INSERT ON audit_events WHEN NEW.after LIKE '%POISON%' \
             BEGIN INSERT INTO poison_child VALUES (42); END",
        ]
    };
    for s in statements {
        db.execute_unprepared(s).await.expect(s);
    }
}

#[tokio::test]
async fn a_committed_write_reaches_the_subscriber_and_a_rolled_back_one_never_does() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    poison_commits(&app.db).await;
    let admin = token(Role::Admin, None, None);
    let helper = token(Role::Helper, Some("310000"), None);
    let pairing = gid("PairingAgreement", w.sh_yn);

    let mut ws = Ws::connect(&app.base, TRANSPORT_WS, Some(&admin)).await;
    ws.subscribe("t", TRANSFERS, json!({})).await;
    // The subscription is registered once the server has read the message; a quiet moment
    // makes sure of it before the writes.
    ws.quiet(Duration::from_millis(300)).await;

    let failed = record(
        &app,
        &helper,
        &pairing,
        "POISON-1",
        "532923",
        "FISCAL_AID",
        true,
    )
    .await;
    assert!(
        failed["errors"].is_array(),
        "the poisoned write fails: {failed}"
    );
    let stored = entity::fund_transfer::Entity::find()
        .filter(entity::fund_transfer::Column::ReferenceNo.eq("POISON-1"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 0, "the poisoned write was rolled back");

    let done = record(
        &app,
        &helper,
        &pairing,
        "OK-1",
        "532923",
        "FISCAL_AID",
        true,
    )
    .await;
    assert!(done["errors"].is_null(), "{done}");
    let data = ws.data("t", WAIT).await;
    let change = &data["fundTransferChanged"];
    assert_eq!(change["action"], "recordFundTransfer");
    assert_eq!(change["fundTransfer"]["referenceNo"], "OK-1", "{data}");
    assert_eq!(change["fundTransfer"]["status"], "ALLOCATED");
    assert_eq!(change["fundTransfer"]["recipient"]["code"], "532923");
    assert_eq!(change["fundTransfer"]["helper"]["code"], "310000");
    // Nothing else: the rolled-back write produced no event.
    ws.quiet(Duration::from_millis(500)).await;

    // A later state change is an event of its own, with the row as it is now.
    let id = done["data"]["recordFundTransfer"]["fundTransfer"]["id"].clone();
    let recipient = token(Role::Recipient, None, Some("530000"));
    let q = "mutation($input: ConfirmFundReceiptInput!) {
      confirmFundReceipt(input: $input) { fundTransfer { status } } }";
    let body = app
        .gql_as(
            Some(&recipient),
            q,
            json!({ "input": { "fundTransferId": id, "receivedOn": "2020-04-02" } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let data = ws.data("t", WAIT).await;
    assert_eq!(data["fundTransferChanged"]["action"], "confirmFundReceipt");
    assert_eq!(
        data["fundTransferChanged"]["fundTransfer"]["status"],
        "RECEIVED"
    );
}

#[tokio::test]
async fn filters_by_region_with_its_sub_regions_helper_program_and_year() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let admin = token(Role::Admin, None, None);
    let sh = token(Role::Helper, Some("310000"), None);
    let moe = token(Role::Helper, Some("CU-MOE"), None);

    let mut ws = Ws::connect(&app.base, TRANSPORT_WS, Some(&admin)).await;
    // Dali prefecture: Xiangyun county lies within it, Lushui does not.
    ws.subscribe(
        "dali",
        TRANSFERS,
        json!({ "filter": { "regionCode": "532900" } }),
    )
    .await;
    ws.subscribe(
        "moe",
        TRANSFERS,
        json!({ "filter": { "helperCode": "CU-MOE" } }),
    )
    .await;
    ws.subscribe(
        "da2020",
        TRANSFERS,
        json!({ "filter": { "program": "DESIGNATED_ASSISTANCE", "year": 2020 } }),
    )
    .await;
    ws.subscribe(
        "ew2019",
        TRANSFERS,
        json!({ "filter": { "program": "EAST_WEST", "year": 2019 } }),
    )
    .await;
    ws.subscribe(
        "progress",
        "subscription { progressChanged(regionCode: \"530000\", year: 2020) {
           cause year pairingAgreement { id } progress { indicators { indicator achieved } } } }",
        json!({}),
    )
    .await;
    ws.quiet(Duration::from_millis(300)).await;

    let body = record(
        &app,
        &sh,
        &gid("PairingAgreement", w.sh_yn),
        "SH-1",
        "532923",
        "FISCAL_AID",
        true,
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let body = record(
        &app,
        &moe,
        &gid("PairingAgreement", w.moe_lushui),
        "MOE-1",
        "533301",
        "DIRECT_INVESTMENT",
        true,
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");

    let got = drain(&mut ws, Duration::from_millis(1500)).await;
    let of = |id: &str| -> Vec<&serde_json::Value> {
        got.iter()
            .filter(|m| m["id"] == id && m["type"] == "next")
            .map(|m| &m["payload"]["data"])
            .collect()
    };
    let refs = |id: &str| -> Vec<String> {
        of(id)
            .iter()
            .map(|d| d["fundTransferChanged"]["fundTransfer"]["referenceNo"].to_string())
            .collect()
    };
    assert_eq!(refs("dali"), vec!["\"SH-1\""], "{got:?}");
    assert_eq!(refs("moe"), vec!["\"MOE-1\""], "{got:?}");
    assert_eq!(refs("da2020"), vec!["\"MOE-1\""], "{got:?}");
    assert!(refs("ew2019").is_empty(), "{got:?}");

    // Lushui lies in Yunnan too: both pairings' progress is pushed, recomputed.
    let progress = of("progress");
    assert_eq!(progress.len(), 2, "{got:?}");
    let sh_yn = progress
        .iter()
        .find(|d| {
            d["progressChanged"]["pairingAgreement"]["id"] == gid("PairingAgreement", w.sh_yn)
        })
        .expect("the Shanghai–Yunnan pairing's progress");
    assert_eq!(sh_yn["progressChanged"]["cause"], "recordFundTransfer");
    let fiscal = sh_yn["progressChanged"]["progress"]["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|i| i["indicator"] == "FISCAL_AID_FUNDS")
        .expect("FISCAL_AID_FUNDS");
    assert_eq!(fiscal["achieved"], "1000.00", "{fiscal}");
}

#[tokio::test]
async fn a_bad_filter_is_refused_with_the_argument_named() {
    let app = TestApp::spawn().await;
    let mut ws = Ws::connect(&app.base, TRANSPORT_WS, None).await;
    ws.subscribe(
        "bad",
        TRANSFERS,
        json!({ "filter": { "regionCode": "53" } }),
    )
    .await;
    match ws.next(WAIT).await {
        super::Got::Message(m) => {
            let errors = if m["type"] == "error" {
                m["payload"].clone()
            } else {
                m["payload"]["errors"].clone()
            };
            assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{m}");
            assert_eq!(errors[0]["extensions"]["field"], "filter.regionCode", "{m}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    ws.subscribe(
        "none",
        "subscription { progressChanged(year: 2020) { year } }",
        json!({}),
    )
    .await;
    // The first subscription's stream ended after its error.
    match ws.next(WAIT).await {
        super::Got::Message(m) => assert_eq!(m, json!({ "id": "bad", "type": "complete" })),
        other => panic!("expected the end of the first, got {other:?}"),
    }
    match ws.next(WAIT).await {
        super::Got::Message(m) => {
            let text = m.to_string();
            assert!(
                text.contains("BAD_USER_INPUT") && text.contains("helperCode"),
                "{m}"
            );
        }
        other => panic!("expected an error, got {other:?}"),
    }
}
