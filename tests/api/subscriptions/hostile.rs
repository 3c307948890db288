//! Hostile clients: thousands of subscriptions, a client that never reads, oversized messages,
//! idle connections, and operations that do not belong on the socket.
use super::{Got, TRANSFERS, TRANSPORT_WS, Ws, drain, record};
use crate::fixtures::world;
use crate::harness::{TestApp, token};
use crate::writes::gid;
use futures_util::SinkExt;
use pairing_api::auth::Role;
use serde_json::json;
use std::time::Duration;

async fn metric(app: &TestApp, name: &str) -> i64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} in /metrics"))
}

#[tokio::test]
async fn thousands_of_subscriptions_are_refused_beyond_the_limit() {
    let app = TestApp::spawn_with(|s| {
        s.http.socket.ws_max_subscriptions = 50;
        s.http.socket.ws_max_subscriptions_per_token = 70;
    })
    .await;
    let w = world(&app.db).await;
    let admin = token(Role::Admin, None, None);
    let mut ws = Ws::connect(&app.base, TRANSPORT_WS, Some(&admin)).await;
    for i in 0..2000 {
        ws.subscribe(&format!("s{i}"), TRANSFERS, json!({})).await;
    }
    // On PostgreSQL each accepted subscription of a token first takes its lease (a short
    // transaction), so the first refusal may come after some seconds on a busy machine.
    let got = drain(&mut ws, Duration::from_millis(5000)).await;
    let refused: Vec<_> = got.iter().filter(|m| m["type"] == "error").collect();
    assert_eq!(refused.len(), 1950, "all beyond 50 are refused");
    assert!(
        refused
            .iter()
            .all(|m| m["payload"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"),
        "{:?}",
        refused.first()
    );
    assert_eq!(metric(&app, "pairing_ws_subscriptions").await, 50);

    // The same token on a second connection gets what is left of its 70.
    let mut other = Ws::connect(&app.base, TRANSPORT_WS, Some(&admin)).await;
    for i in 0..30 {
        other
            .subscribe(&format!("o{i}"), TRANSFERS, json!({}))
            .await;
    }
    let got = drain(&mut other, Duration::from_millis(3000)).await;
    assert_eq!(got.iter().filter(|m| m["type"] == "error").count(), 10);
    assert!(got[0].to_string().contains("per token"), "{}", got[0]);

    // The accepted ones work: one write, one event each.
    let helper = token(Role::Helper, Some("310000"), None);
    let body = record(
        &app,
        &helper,
        &gid("PairingAgreement", w.sh_yn),
        "MANY-1",
        "532923",
        "FISCAL_AID",
        true,
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let got = drain(&mut ws, Duration::from_millis(2000)).await;
    assert_eq!(got.iter().filter(|m| m["type"] == "next").count(), 50);

    // Closing gives the token's subscriptions back.
    drop(ws);
    drop(other);
    let mut left = 0;
    for _ in 0..50 {
        left = metric(&app, "pairing_ws_subscriptions").await;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_client_that_never_reads_is_disconnected_and_others_are_served() {
    let app = TestApp::spawn_with(|s| {
        s.http.socket.ws_send_buffer = 4;
        s.http.socket.ws_send_timeout = 1;
    })
    .await;
    let w = world(&app.db).await;
    let admin = token(Role::Admin, None, None);
    let helper = token(Role::Helper, Some("310000"), None);
    let pairing = gid("PairingAgreement", w.sh_yn);

    let mut stalled = Ws::open_small(&app.base, TRANSPORT_WS).await;
    stalled.init(Some(&admin)).await;
    let heavy = "subscription { fundTransferChanged {
      a: fundTransfer { referenceNo purpose amount status } b: fundTransfer { purpose }
      c: fundTransfer { purpose } d: fundTransfer { purpose } } }";
    for i in 0..40 {
        stalled.subscribe(&format!("s{i}"), heavy, json!({})).await;
    }
    stalled.stream.flush().await.expect("flush");
    let mut healthy = Ws::connect(&app.base, TRANSPORT_WS, Some(&admin)).await;
    healthy.subscribe("h", TRANSFERS, json!({})).await;
    healthy.quiet(Duration::from_millis(300)).await;

    // Each write sends the stalled client 40 messages of 8 kB or so; it reads none of them.
    let q = "mutation($input: RecordFundTransferInput!) {
      recordFundTransfer(input: $input) { fundTransfer { id } } }";
    let long = "x".repeat(1900);
    let mut writes = 0;
    for i in 0..60 {
        let body = app
            .gql_as(
                Some(&helper),
                q,
                json!({ "input": {
                    "pairingAgreementId": pairing, "referenceNo": format!("SLOW-{i}"),
                    "recipientCode": "532923", "category": "FISCAL_AID", "amount": "1.00",
                    "year": 2020, "purpose": long } }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        writes += 1;
        if metric(&app, "pairing_ws_slow_consumers_total").await > 0 {
            break;
        }
    }
    let mut slow = 0;
    for _ in 0..50 {
        slow = metric(&app, "pairing_ws_slow_consumers_total").await;
        if slow > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        slow, 1,
        "the stalled client was disconnected after {writes} writes"
    );

    // The healthy subscriber got every event.
    let got = drain(&mut healthy, Duration::from_millis(1500)).await;
    assert_eq!(
        got.iter().filter(|m| m["type"] == "next").count(),
        writes,
        "the healthy subscriber is served throughout"
    );
    // The stalled one, reading at last, finds its connection ended before all of its events.
    let mut received = 0;
    loop {
        match stalled.next(Duration::from_secs(5)).await {
            Got::Message(_) => received += 1,
            Got::Closed(_) => break,
            Got::Nothing => panic!("the stalled connection is still open"),
        }
    }
    assert!(received < writes * 40, "{received} of {}", writes * 40);
}

#[tokio::test]
async fn an_oversized_message_closes_the_connection() {
    let app = TestApp::spawn_with(|s| s.http.socket.ws_max_message_bytes = 4096).await;
    let mut ws = Ws::connect(&app.base, TRANSPORT_WS, None).await;
    let query = format!(
        "subscription {{ fundTransferChanged {{ action }} }} # {}",
        "x".repeat(8000)
    );
    ws.subscribe("big", &query, json!({})).await;
    match ws.next(Duration::from_secs(5)).await {
        Got::Closed(code) => assert_eq!(code, Some(1009)),
        other => panic!("expected the connection closed, got {other:?}"),
    }
}

#[tokio::test]
async fn queries_mutations_and_oversized_operations_are_refused_on_the_socket() {
    let app = TestApp::spawn_with(|s| s.limits.max_depth = 4).await;
    let mut ws = Ws::connect(&app.base, TRANSPORT_WS, None).await;
    ws.subscribe("q", "{ viewer { role } }", json!({})).await;
    ws.subscribe(
        "m",
        "mutation { recordFundTransfer(input: {pairingAgreementId: \"x\", referenceNo: \"x\", \
         recipientCode: \"530000\", category: FISCAL_AID, amount: \"1\", year: 2020}) { fundTransfer { id } } }",
        json!({}),
    )
    .await;
    ws.subscribe(
        "deep",
        "subscription { fundTransferChanged { fundTransfer { pairingAgreement { helper { region { parent { code } } } } } } }",
        json!({}),
    )
    .await;
    let got = drain(&mut ws, Duration::from_millis(800)).await;
    let code = |id: &str| {
        got.iter()
            .find(|m| m["id"] == id)
            .map(|m| m["payload"][0]["extensions"]["code"].clone())
    };
    assert_eq!(code("q"), Some(json!("BAD_USER_INPUT")), "{got:?}");
    assert_eq!(code("m"), Some(json!("BAD_USER_INPUT")), "{got:?}");
    assert_eq!(code("deep"), Some(json!("QUERY_TOO_COMPLEX")), "{got:?}");
}

#[tokio::test]
async fn a_connection_without_subscriptions_is_closed_when_idle() {
    let app = TestApp::spawn_with(|s| {
        s.http.socket.ws_idle_timeout = 2;
        s.http.socket.ws_ping_interval = 1;
    })
    .await;
    let mut ws = Ws::connect(&app.base, TRANSPORT_WS, None).await;
    let started = std::time::Instant::now();
    match ws.next(Duration::from_secs(8)).await {
        Got::Closed(_) => {}
        other => panic!("expected the idle connection closed, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_secs(1));
}
