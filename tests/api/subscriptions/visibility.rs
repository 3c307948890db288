//! A subscriber sees exactly what its token may read, in either subprotocol.
use super::{GRAPHQL_WS, TRANSFERS, TRANSPORT_WS, Ws, drain, record};
use crate::fixtures::world;
use crate::harness::{TestApp, token};
use crate::writes::gid;
use pairing_api::auth::Role;
use serde_json::json;
use std::time::Duration;

const DISPATCHES: &str = "subscription {
  personnelDispatchChanged { action personnelDispatch { personName post status } } }";

/// The events of one subscription among messages.
fn events<'a>(got: &'a [serde_json::Value], id: &str) -> Vec<&'a serde_json::Value> {
    got.iter()
        .filter(|m| m["id"] == id && (m["type"] == "next" || m["type"] == "data"))
        .map(|m| &m["payload"]["data"])
        .collect()
}

#[tokio::test]
async fn personal_names_and_unpublicized_records_are_shown_as_over_http() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let viewer = token(Role::Viewer, None, None);
    let admin = token(Role::Admin, None, None);

    // One client per role; the old protocol for two of them.
    let mut anonymous = Ws::connect(&app.base, GRAPHQL_WS, None).await;
    let mut as_viewer = Ws::connect(&app.base, TRANSPORT_WS, Some(&viewer)).await;
    let mut as_admin = Ws::connect(&app.base, GRAPHQL_WS, Some(&admin)).await;
    let mut as_helper = Ws::connect(&app.base, TRANSPORT_WS, Some(&helper)).await;
    for ws in [
        &mut anonymous,
        &mut as_viewer,
        &mut as_admin,
        &mut as_helper,
    ] {
        ws.subscribe("d", DISPATCHES, json!({})).await;
        ws.subscribe("t", TRANSFERS, json!({})).await;
    }
    for ws in [
        &mut anonymous,
        &mut as_viewer,
        &mut as_admin,
        &mut as_helper,
    ] {
        ws.quiet(Duration::from_millis(200)).await;
    }

    let q = "mutation($input: DispatchPersonnelInput!) {
      dispatchPersonnel(input: $input) { personnelDispatch { id } } }";
    let body = app
        .gql_as(
            Some(&helper),
            q,
            json!({ "input": {
                "pairingAgreementId": gid("PairingAgreement", w.sh_yn), "recipientCode": "532923",
                "personName": "李明", "category": "PARTY_GOVERNMENT_CADRE",
                "post": "副县长", "startOn": "2020-03-01" } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let pairing = gid("PairingAgreement", w.sh_yn);
    let hidden = record(
        &app,
        &helper,
        &pairing,
        "UNPUB-1",
        "532923",
        "FISCAL_AID",
        false,
    )
    .await;
    assert!(hidden["errors"].is_null(), "{hidden}");
    let public = record(
        &app,
        &helper,
        &pairing,
        "PUB-1",
        "532923",
        "FISCAL_AID",
        true,
    )
    .await;
    assert!(public["errors"].is_null(), "{public}");

    let wait = Duration::from_millis(1500);
    let got = drain(&mut anonymous, wait).await;
    assert!(
        events(&got, "d").is_empty(),
        "dispatches need a token: {got:?}"
    );
    let refs: Vec<_> = events(&got, "t")
        .iter()
        .map(|d| d["fundTransferChanged"]["fundTransfer"]["referenceNo"].clone())
        .collect();
    assert_eq!(refs, vec![json!("PUB-1")], "anonymous: publicized only");
    // The old protocol speaks of `data`.
    assert!(got.iter().all(|m| m["type"] != "next"), "{got:?}");

    let got = drain(&mut as_viewer, wait).await;
    let d = events(&got, "d");
    assert_eq!(d.len(), 1, "{got:?}");
    let dispatch = &d[0]["personnelDispatchChanged"]["personnelDispatch"];
    assert_eq!(dispatch["post"], "副县长");
    assert!(
        dispatch["personName"].is_null(),
        "no names to a VIEWER: {dispatch}"
    );
    assert_eq!(
        events(&got, "t").len(),
        2,
        "a token reads unpublicized transfers too"
    );

    for (who, ws) in [("ADMIN", &mut as_admin), ("helper", &mut as_helper)] {
        let got = drain(ws, wait).await;
        let d = events(&got, "d");
        assert_eq!(d.len(), 1, "{who}: {got:?}");
        assert_eq!(
            d[0]["personnelDispatchChanged"]["personnelDispatch"]["personName"], "李明",
            "{who} reads the name"
        );
        assert_eq!(events(&got, "t").len(), 2, "{who}");
    }
}

#[tokio::test]
async fn an_invalid_token_in_connection_init_closes_the_connection() {
    let app = TestApp::spawn().await;
    for protocol in [TRANSPORT_WS, GRAPHQL_WS] {
        let mut ws = Ws::open(&app.base, protocol).await;
        ws.init(Some("not-a-token")).await;
        let got = ws.next(Duration::from_secs(5)).await;
        let refused = match &got {
            super::Got::Closed(_) => true,
            super::Got::Message(m) => m["type"] == "connection_error",
            super::Got::Nothing => false,
        };
        assert!(refused, "{protocol}: {got:?}");
    }
}

#[tokio::test]
async fn letters_and_progress_reports_reach_only_those_who_may_read_them() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let viewer = token(Role::Viewer, None, None);
    let admin = token(Role::Admin, None, None);
    let letters = "subscription { responsibilityLetterChanged(filter: { helperCode: \"310000\" }) {
      action responsibilityLetter { status year } } }";
    let reports = "subscription { progressReportChanged { action progressReport { value } } }";
    let mut anonymous = Ws::connect(&app.base, TRANSPORT_WS, None).await;
    let mut as_viewer = Ws::connect(&app.base, GRAPHQL_WS, Some(&viewer)).await;
    for ws in [&mut anonymous, &mut as_viewer] {
        ws.subscribe("l", letters, json!({})).await;
        ws.subscribe("r", reports, json!({})).await;
    }
    for ws in [&mut anonymous, &mut as_viewer] {
        ws.quiet(Duration::from_millis(200)).await;
    }

    let submit = "mutation($input: SubmitResponsibilityLetterInput!) {
      submitResponsibilityLetter(input: $input) { responsibilityLetter { id version } } }";
    let body = app
        .gql_as(
            Some(&helper),
            submit,
            json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn), "year": 2018,
                "commitments": [{ "indicator": "LABOR_TRANSFERRED", "target": "1200" }] } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let letter = body["data"]["submitResponsibilityLetter"]["responsibilityLetter"].clone();
    // Each event is re-read as the row is when it is pushed: the submission is pushed before
    // the signature is written, so that it shows the letter SUBMITTED.
    let wait = Duration::from_secs(5);
    let data = as_viewer.data("l", wait).await;
    assert_eq!(
        data["responsibilityLetterChanged"]["action"],
        "submitResponsibilityLetter"
    );
    assert_eq!(
        data["responsibilityLetterChanged"]["responsibilityLetter"]["status"],
        "SUBMITTED"
    );
    anonymous.quiet(Duration::from_millis(500)).await;
    let sign = "mutation($input: SignResponsibilityLetterInput!) {
      signResponsibilityLetter(input: $input) { responsibilityLetter { status } } }";
    let body = app
        .gql_as(
            Some(&admin),
            sign,
            json!({ "input": { "responsibilityLetterId": letter["id"], "version": letter["version"] } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    for ws in [&mut anonymous, &mut as_viewer] {
        let data = ws.data("l", wait).await;
        assert_eq!(
            data["responsibilityLetterChanged"]["action"],
            "signResponsibilityLetter"
        );
        assert_eq!(
            data["responsibilityLetterChanged"]["responsibilityLetter"]["status"],
            "SIGNED"
        );
    }
    let report = "mutation($input: ReportProgressInput!) {
      reportProgress(input: $input) { progressReport { id } } }";
    let body = app
        .gql_as(
            Some(&helper),
            report,
            json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
                "indicator": "ENTERPRISES_INVESTED", "year": 2019, "quarter": 2, "value": "10" } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");

    let data = as_viewer.data("r", wait).await;
    assert_eq!(data["progressReportChanged"]["action"], "reportProgress");
    assert_eq!(
        data["progressReportChanged"]["progressReport"]["value"],
        "10"
    );
    anonymous.quiet(Duration::from_millis(500)).await;
    as_viewer.quiet(Duration::from_millis(200)).await;
}
