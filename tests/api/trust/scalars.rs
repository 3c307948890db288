//! Items 4 and 5: a bad Decimal, Date or asOf is BAD_USER_INPUT naming the argument (never
//! INTERNAL); amounts are plain decimals, event dates lie within the platform's window.
use super::{code, errors_counted, ok};
use crate::fixtures::world;
use crate::harness::{TestApp, token};
use crate::writes::gid;
use pairing_api::auth::Role;
use serde_json::{Value, json};

const RECORD: &str = "mutation($input: RecordFundTransferInput!) {
  recordFundTransfer(input: $input) { fundTransfer { id amount allocatedOn } }
}";
const ALLOCATE: &str = "mutation($input: AllocateFundTransferInput!) {
  allocateFundTransfer(input: $input) { fundTransfer { id allocatedOn } }
}";

fn transfer(pairing: i64, amount: Value, allocated_on: Value, reference: &str) -> Value {
    json!({ "input": {
        "pairingAgreementId": gid("PairingAgreement", pairing),
        "referenceNo": reference,
        "recipientCode": "532923",
        "category": "FISCAL_AID",
        "amount": amount,
        "year": 2020,
        "allocatedOn": allocated_on,
    }})
}

#[track_caller]
fn refused(body: &Value, field: &str) {
    assert_eq!(code(body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_scalars_are_bad_input_naming_the_argument() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let viewer = token(Role::Viewer, None, None);
    // As variables.
    for amount in [
        json!("NaN"),
        json!(1.5),
        json!("1e3"),
        json!("1_000"),
        json!("+3"),
        json!(" 3"),
        json!("0.001"),
        json!(true),
    ] {
        let body = app
            .gql_as(
                Some(&helper),
                RECORD,
                transfer(w.sh_yn, amount.clone(), json!("2020-03-01"), "T-1"),
            )
            .await;
        refused(&body, "input.amount");
    }
    for date in [
        "2020-13-01",
        "-0001-06-01",
        "+262142-01-01",
        "2020-3-1",
        "bogus",
    ] {
        let body = app
            .gql_as(
                Some(&helper),
                RECORD,
                transfer(w.sh_yn, json!("100.00"), json!(date), "T-1"),
            )
            .await;
        refused(&body, "input.allocatedOn");
    }
    // As literals, and asOf of the findings.
    let literal = format!(
        r#"mutation {{ recordFundTransfer(input: {{ pairingAgreementId: "{}", referenceNo: "T-2",
           recipientCode: "532923", category: FISCAL_AID, amount: "NaN", year: 2020 }}) {{ fundTransfer {{ id }} }} }}"#,
        gid("PairingAgreement", w.sh_yn)
    );
    refused(
        &app.gql_as(Some(&helper), &literal, json!({})).await,
        "input.amount",
    );
    let findings =
        "query($asOf: Date) { dataQualityFindings(year: 2019, asOf: $asOf) { __typename } }";
    for as_of in [json!("bogus"), json!("2019-02-30"), json!(20190101)] {
        refused(
            &app.gql_as(Some(&viewer), findings, json!({ "asOf": as_of }))
                .await,
            "asOf",
        );
    }
    let literal = "{ dataQualityFindings(year: 2019, asOf: \"bogus\") { __typename } }";
    refused(&app.gql_as(Some(&viewer), literal, json!({})).await, "asOf");
    // A DateTime too, in a variable and in a literal.
    let audit = "query($f: AuditEventFilter) { auditEvents(first: 1, filter: $f) { totalCount } }";
    let admin = token(Role::Admin, None, None);
    let body = app
        .gql_as(
            Some(&admin),
            audit,
            json!({ "f": { "occurredAfter": "bogus" } }),
        )
        .await;
    refused(&body, "filter.occurredAfter");
    let literal = "{ auditEvents(first: 1, filter: { occurredBefore: \"2020-13-01T00:00:00Z\" }) { totalCount } }";
    refused(
        &app.gql_as(Some(&admin), literal, json!({})).await,
        "filter.occurredBefore",
    );
    assert_eq!(errors_counted(&app, "INTERNAL").await, 0);
    // A plain amount and a four-digit date are read as they always were.
    let body = app
        .gql_as(
            Some(&helper),
            RECORD,
            transfer(w.sh_yn, json!("1250000.50"), json!("2020-03-01"), "T-3"),
        )
        .await;
    let t = &ok(&body)["recordFundTransfer"]["fundTransfer"];
    assert_eq!(t["amount"], "1250000.50");
    assert_eq!(t["allocatedOn"], "2020-03-01");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_dates_lie_within_the_window_and_allocations_within_their_year() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let future = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .to_string();
    // Before 1996, before the transfer's year (a back-dated allocation), in the future.
    for date in ["1995-12-31", "0001-01-01", "2019-12-31", future.as_str()] {
        let body = app
            .gql_as(
                Some(&helper),
                RECORD,
                transfer(w.sh_yn, json!("100.00"), json!(date), "T-4"),
            )
            .await;
        refused(&body, "input.allocatedOn");
    }
    // A planned transfer of 2020 cannot be allocated in 2019 either.
    let mut planned = transfer(w.sh_yn, json!("100.00"), Value::Null, "T-5");
    planned["input"]["plannedOn"] = json!("2020-02-01");
    let body = app.gql_as(Some(&helper), RECORD, planned).await;
    let id = ok(&body)["recordFundTransfer"]["fundTransfer"]["id"].clone();
    let back_dated = json!({ "input": { "fundTransferId": id, "allocatedOn": "2019-06-30" } });
    refused(
        &app.gql_as(Some(&helper), ALLOCATE, back_dated).await,
        "input.allocatedOn",
    );
    let in_year = json!({ "input": { "fundTransferId": id, "allocatedOn": "2020-01-01" } });
    let body = app.gql_as(Some(&helper), ALLOCATE, in_year).await;
    assert_eq!(
        ok(&body)["allocateFundTransfer"]["fundTransfer"]["allocatedOn"],
        "2020-01-01"
    );
}
