//! Produce deals: a helper records, the origin county confirms or disputes; permissions, bad
//! input, idempotent retries and the audit log.
use crate::fixtures::world;
use crate::harness::{TestApp, error_code, token};
use crate::writes::gid;
use pairing_api::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const RECORD: &str =
    "mutation($input: RecordProduceDealInput!) { recordProduceDeal(input: $input) {
    produceDeal { id kind buyer product amount dealOn year evidenceRef status
      helper { code } originCounty { code } pairingAgreement { id } } } }";
const CONFIRM: &str =
    "mutation($input: ConfirmProduceDealInput!) { confirmProduceDeal(input: $input) {
    produceDeal { status confirmedOn } } }";
const DISPUTE: &str =
    "mutation($input: DisputeProduceDealInput!) { disputeProduceDeal(input: $input) {
    produceDeal { status disputeReason } } }";

#[track_caller]
fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    assert_eq!(error_code(body), Some(code), "{body}");
    if let Some(f) = field {
        assert_eq!(body["errors"][0]["extensions"]["field"], f, "{body}");
    }
}

#[track_caller]
fn deal<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]["produceDeal"]
}

async fn audited(app: &TestApp) -> Vec<String> {
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Entity.eq("ProduceDeal"))
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helper_records_deals_and_the_county_confirms_or_disputes_them() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let county = token(Role::Recipient, None, Some("532923"));
    let input = json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
        "originCountyCode": "532923", "buyer": "上海机关食堂", "product": "祥云蔬菜",
        "kind": "PURCHASED", "amount": "12345.67", "dealOn": "2019-06-01",
        "evidenceRef": "INV-1", "idempotencyKey": "deal-1" } });
    let body = app.gql_as(Some(&helper), RECORD, input.clone()).await;
    let d = deal(&body, "recordProduceDeal").clone();
    assert_eq!(d["status"], "RECORDED");
    assert_eq!(d["amount"], "12345.67");
    assert_eq!(d["year"], 2019);
    assert_eq!(d["helper"]["code"], "310000");
    assert_eq!(d["originCounty"]["code"], "532923");
    assert_eq!(
        d["pairingAgreement"]["id"],
        gid("PairingAgreement", w.sh_yn)
    );
    let stored = entity::produce_deal::Entity::find()
        .one(&app.db)
        .await
        .expect("read")
        .expect("a deal");
    assert_eq!(stored.amount_fen, 1_234_567, "exact fen");

    // A retry answers with the same deal; the key with another payload is a conflict.
    let again = app.gql_as(Some(&helper), RECORD, input.clone()).await;
    assert_eq!(deal(&again, "recordProduceDeal")["id"], d["id"]);
    let mut changed = input.clone();
    changed["input"]["amount"] = json!("1.00");
    assert_error(
        &app.gql_as(Some(&helper), RECORD, changed).await,
        "CONFLICT",
        None,
    );
    let count = entity::produce_deal::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(count, 1);

    // Only a recipient covering the origin county answers, and only once.
    let confirm = json!({ "input": { "produceDealId": d["id"], "confirmedOn": "2019-07-01" } });
    for other in [
        helper.clone(),
        token(Role::Recipient, None, Some("450000")),
        token(Role::Recipient, None, Some("533300")),
        token(Role::Admin, None, None),
    ] {
        assert_error(
            &app.gql_as(Some(&other), CONFIRM, confirm.clone()).await,
            "FORBIDDEN",
            None,
        );
    }
    let early = json!({ "input": { "produceDealId": d["id"], "confirmedOn": "2019-05-31" } });
    assert_error(
        &app.gql_as(Some(&county), CONFIRM, early).await,
        "BAD_USER_INPUT",
        Some("input.confirmedOn"),
    );
    let body = app
        .gql_as(
            Some(&token(Role::Recipient, None, Some("530000"))),
            CONFIRM,
            confirm.clone(),
        )
        .await;
    let c = deal(&body, "confirmProduceDeal");
    assert_eq!(c["status"], "CONFIRMED");
    assert_eq!(c["confirmedOn"], "2019-07-01");
    let dispute = json!({ "input": { "produceDealId": d["id"], "reason": "too late" } });
    assert_error(
        &app.gql_as(Some(&county), DISPUTE, dispute).await,
        "CONFLICT",
        None,
    );

    // A second deal is disputed with a reason.
    let mut second = input.clone();
    second["input"]["idempotencyKey"] = json!("deal-2");
    second["input"]["kind"] = json!("SALES_HELPED");
    let body = app.gql_as(Some(&helper), RECORD, second).await;
    let id = deal(&body, "recordProduceDeal")["id"].clone();
    let blank = json!({ "input": { "produceDealId": id, "reason": "  " } });
    assert_error(
        &app.gql_as(Some(&county), DISPUTE, blank).await,
        "BAD_USER_INPUT",
        Some("input.reason"),
    );
    let dispute =
        json!({ "input": { "produceDealId": id, "reason": "no such sale in the ledger" } });
    let body = app.gql_as(Some(&county), DISPUTE, dispute).await;
    let x = deal(&body, "disputeProduceDeal");
    assert_eq!(x["status"], "DISPUTED");
    assert_eq!(x["disputeReason"], "no such sale in the ledger");

    assert_eq!(
        audited(&app).await,
        [
            "recordProduceDeal",
            "confirmProduceDeal",
            "recordProduceDeal",
            "disputeProduceDeal"
        ]
    );
    let list = app
        .gql_as(
            Some(&token(Role::Viewer, None, None)),
            "{ produceDeals(first: 10, filter: { status: DISPUTED, originCountyCode: \"532923\" }) { nodes { id kind } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["data"]["produceDeals"]["nodes"],
        json!([{ "id": id, "kind": "SALES_HELPED" }]),
        "{list}"
    );
    let anonymous = app
        .gql("{ produceDeals(first: 10) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(anonymous["data"]["produceDeals"]["nodes"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_deals_name_the_argument_and_write_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let base = json!({ "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
        "originCountyCode": "532923", "buyer": "食堂", "product": "茶叶",
        "kind": "PURCHASED", "amount": "10.00", "dealOn": "2019-06-01" });
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        json!({ "input": i })
    };
    let cases = [
        (
            with("pairingAgreementId", json!("nope")),
            "input.pairingAgreementId",
        ),
        (
            with("pairingAgreementId", json!(gid("FundTransfer", 1))),
            "input.pairingAgreementId",
        ),
        (
            with("originCountyCode", json!("451228")),
            "input.originCountyCode",
        ),
        (
            with("originCountyCode", json!("532900")),
            "input.originCountyCode",
        ),
        (
            with("originCountyCode", json!("999999")),
            "input.originCountyCode",
        ),
        (with("buyer", json!("")), "input.buyer"),
        (with("product", json!("x".repeat(201))), "input.product"),
        (with("amount", json!("0")), "input.amount"),
        (with("amount", json!("1.001")), "input.amount"),
        (with("amount", json!("-5")), "input.amount"),
        (with("dealOn", json!("2999-01-01")), "input.dealOn"),
        (with("dealOn", json!("2010-01-01")), "input.dealOn"),
        (
            with("evidenceRef", json!("e".repeat(201))),
            "input.evidenceRef",
        ),
    ];
    for (vars, field) in cases {
        let body = app.gql_as(Some(&helper), RECORD, vars).await;
        assert_error(&body, "BAD_USER_INPUT", Some(field));
    }
    let count = entity::produce_deal::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(count, 0);
    assert!(audited(&app).await.is_empty());
}
