//! Labour placements: a helper records, the origin county confirms; permissions, bad input,
//! idempotent retries and the audit log.
use crate::fixtures::world;
use crate::harness::{TestApp, error_code, token};
use crate::writes::gid;
use pairing_api::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const RECORD: &str =
    "mutation($input: RecordLaborPlacementInput!) { recordLaborPlacement(input: $input) {
    laborPlacement { id employer people startOn months year status
      helper { code } originCounty { code } destination { code } } } }";
const CONFIRM: &str =
    "mutation($input: ConfirmLaborPlacementInput!) { confirmLaborPlacement(input: $input) {
    laborPlacement { status confirmedOn } } }";

#[track_caller]
fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    assert_eq!(error_code(body), Some(code), "{body}");
    if let Some(f) = field {
        assert_eq!(body["errors"][0]["extensions"]["field"], f, "{body}");
    }
}

#[track_caller]
fn placement<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]["laborPlacement"]
}

async fn audited(app: &TestApp) -> Vec<String> {
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Entity.eq("LaborPlacement"))
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn count(app: &TestApp) -> u64 {
    entity::labor_placement::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helper_records_a_placement_and_the_county_confirms_it_once() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let input = json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
        "originCountyCode": "533301", "destinationCode": "310101", "employer": "上海某电子厂",
        "people": 35, "startOn": "2019-03-01", "months": 12, "idempotencyKey": "place-1" } });
    let body = app.gql_as(Some(&helper), RECORD, input.clone()).await;
    let p = placement(&body, "recordLaborPlacement").clone();
    assert_eq!(p["status"], "RECORDED");
    assert_eq!(p["people"], 35);
    assert_eq!(p["year"], 2019);
    assert_eq!(p["originCounty"]["code"], "533301");
    assert_eq!(p["destination"]["code"], "310101");
    assert_eq!(p["helper"]["code"], "310000");
    let again = app.gql_as(Some(&helper), RECORD, input.clone()).await;
    assert_eq!(placement(&again, "recordLaborPlacement")["id"], p["id"]);
    let mut changed = input.clone();
    changed["input"]["people"] = json!(36);
    assert_error(
        &app.gql_as(Some(&helper), RECORD, changed).await,
        "CONFLICT",
        None,
    );
    assert_eq!(count(&app).await, 1);

    let confirm = json!({ "input": { "laborPlacementId": p["id"], "confirmedOn": "2019-04-01" } });
    for other in [
        helper.clone(),
        token(Role::Helper, Some("440000"), None),
        token(Role::Recipient, None, Some("532923")),
        token(Role::Admin, None, None),
    ] {
        assert_error(
            &app.gql_as(Some(&other), CONFIRM, confirm.clone()).await,
            "FORBIDDEN",
            None,
        );
    }
    let county = token(Role::Recipient, None, Some("533301"));
    let early = json!({ "input": { "laborPlacementId": p["id"], "confirmedOn": "2019-02-28" } });
    assert_error(
        &app.gql_as(Some(&county), CONFIRM, early).await,
        "BAD_USER_INPUT",
        Some("input.confirmedOn"),
    );
    let body = app.gql_as(Some(&county), CONFIRM, confirm.clone()).await;
    let c = placement(&body, "confirmLaborPlacement");
    assert_eq!(c["status"], "CONFIRMED");
    assert_eq!(c["confirmedOn"], "2019-04-01");
    assert_error(
        &app.gql_as(Some(&county), CONFIRM, confirm).await,
        "CONFLICT",
        None,
    );
    assert_eq!(
        audited(&app).await,
        ["recordLaborPlacement", "confirmLaborPlacement"]
    );
    let list = app
        .gql_as(
            Some(&token(Role::Viewer, None, None)),
            "{ laborPlacements(first: 10, filter: { status: CONFIRMED, provinceCode: \"530000\" }) { nodes { id people } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["data"]["laborPlacements"]["nodes"],
        json!([{ "id": p["id"], "people": 35 }]),
        "{list}"
    );
    let anonymous = app
        .gql("{ laborPlacements(first: 10) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(anonymous["data"]["laborPlacements"]["nodes"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_placements_name_the_argument_and_write_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let base = json!({ "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
        "originCountyCode": "532923", "destinationCode": "310000", "employer": "工厂",
        "people": 10, "startOn": "2019-03-01", "months": 12 });
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        json!({ "input": i })
    };
    let cases = [
        (
            with("pairingAgreementId", json!("x")),
            "input.pairingAgreementId",
        ),
        (
            with("originCountyCode", json!("451228")),
            "input.originCountyCode",
        ),
        (
            with("originCountyCode", json!("530000")),
            "input.originCountyCode",
        ),
        (
            with("destinationCode", json!("999999")),
            "input.destinationCode",
        ),
        (
            with("destinationCode", json!("abc")),
            "input.destinationCode",
        ),
        (with("employer", json!(" ")), "input.employer"),
        (with("people", json!(0)), "input.people"),
        (with("people", json!(100_001)), "input.people"),
        (with("months", json!(0)), "input.months"),
        (with("months", json!(121)), "input.months"),
        (with("startOn", json!("2999-03-01")), "input.startOn"),
        (with("startOn", json!("2010-03-01")), "input.startOn"),
        (
            with("idempotencyKey", json!("k".repeat(129))),
            "input.idempotencyKey",
        ),
    ];
    for (vars, field) in cases {
        let body = app.gql_as(Some(&helper), RECORD, vars).await;
        assert_error(&body, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(count(&app).await, 0);
    assert!(audited(&app).await.is_empty());
}
