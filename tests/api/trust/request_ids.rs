//! Item 7: a client's `X-Request-Id` is kept only when short and plain, and the audit log keeps
//! the server's own id beside it.
use super::ok;
use crate::fixtures::world;
use crate::harness::{TestApp, token};
use crate::writes::gid;
use pairing_api::auth::Role;
use serde_json::{Value, json};

const RECORD: &str = "mutation($input: RecordFundTransferInput!) {
  recordFundTransfer(input: $input) { fundTransfer { id } } }";
const AUDIT: &str = "{ auditEvents(first: 100) { nodes { requestId serverRequestId } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_request_ids_are_bounded_and_kept_beside_the_servers_own() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let long = "a".repeat(65);
    let sent = [
        "trace-me-42",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        long.as_str(),
        "<script>alert(1)</script>",
        "a b",
        "x\"y",
    ];
    let mut answered = Vec::new();
    for (i, id) in sent.iter().enumerate() {
        let body = json!({ "query": RECORD, "variables": { "input": {
            "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
            "referenceNo": format!("RID-{i}"),
            "recipientCode": "532923",
            "category": "FISCAL_AID",
            "amount": "1.00",
            "year": 2020,
        }}});
        let resp = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&helper)
            .header("x-request-id", *id)
            .json(&body)
            .send()
            .await
            .expect("request");
        let echoed = resp.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_string();
        let answer: Value = resp.json().await.expect("JSON");
        ok(&answer);
        answered.push(echoed);
    }
    // Acceptable ids are kept; the others are replaced by the server's own.
    assert_eq!(answered[0], sent[0]);
    assert_eq!(answered[1], sent[1]);
    for (i, echoed) in answered.iter().enumerate().skip(2) {
        assert_ne!(echoed, sent[i]);
        assert!(uuid::Uuid::parse_str(echoed).is_ok(), "{echoed}");
    }
    let auditor = token(Role::Auditor, None, None);
    let body = app.gql_as(Some(&auditor), AUDIT, json!({})).await;
    let events = ok(&body)["auditEvents"]["nodes"]
        .as_array()
        .expect("events")
        .clone();
    assert_eq!(events.len(), sent.len());
    let mut servers = std::collections::HashSet::new();
    for (e, echoed) in events.iter().zip(&answered) {
        assert_eq!(e["requestId"], echoed.as_str(), "{e}");
        let server = e["serverRequestId"].as_str().expect("the server's own id");
        assert!(uuid::Uuid::parse_str(server).is_ok(), "{server}");
        servers.insert(server.to_string());
    }
    // The server's id is its own for each request, even where the client's was kept.
    assert_eq!(servers.len(), sent.len());
    assert_ne!(events[0]["serverRequestId"], sent[0]);
}
