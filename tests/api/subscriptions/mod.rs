//! Subscriptions over WebSocket against the real server: events of committed writes only,
//! filters, what each role sees, both subprotocols, and hostile clients.
mod client;
mod delivery;
mod hostile;
mod lifetime;
mod visibility;

use crate::harness::TestApp;
use serde_json::{Value, json};

pub use client::{GRAPHQL_WS, Got, TRANSPORT_WS, Ws};

pub const TRANSFERS: &str = "subscription($filter: ChangeFilter) {
  fundTransferChanged(filter: $filter) {
    action
    fundTransfer { referenceNo status amount year recipient { code } helper { code } }
  }
}";

/// A transfer recorded over HTTP by the helper holding `token`; the response body.
pub async fn record(
    app: &TestApp,
    token: &str,
    pairing: &str,
    reference: &str,
    recipient: &str,
    category: &str,
    publicized: bool,
) -> Value {
    let q = "mutation($input: RecordFundTransferInput!) {
      recordFundTransfer(input: $input) { fundTransfer { id status } } }";
    let mut input = json!({
        "pairingAgreementId": pairing, "referenceNo": reference, "recipientCode": recipient,
        "category": category, "amount": "1000.00", "year": 2020,
        "allocatedOn": "2020-03-20", "purpose": "a road",
    });
    if publicized {
        input["publicizedOn"] = json!("2020-04-01");
    }
    app.gql_as(Some(token), q, json!({ "input": input })).await
}

/// Every message that arrives within `wait`, until the connection falls quiet.
pub async fn drain(ws: &mut Ws, wait: std::time::Duration) -> Vec<Value> {
    let mut out = Vec::new();
    while let Got::Message(m) = ws.next(wait).await {
        out.push(m);
    }
    out
}
