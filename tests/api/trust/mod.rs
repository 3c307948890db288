//! Issue 18: one helper cannot block another, who acted is shown only to those entitled, bad input
//! is never INTERNAL, and the demo secret stays on a developer's machine.
mod demo;
mod keys;
mod request_ids;
mod scalars;
mod smaller;
mod subjects;

use crate::harness::TestApp;
use serde_json::Value;

/// The `extensions.code` of the first error.
#[track_caller]
pub fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an error with a code: {body}"))
}

/// The data of an answer without errors.
#[track_caller]
pub fn ok(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    &body["data"]
}

/// How many errors of `code` the server has counted (from `/metrics`).
pub async fn errors_counted(app: &TestApp, code: &str) -> u64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let prefix = format!("pairing_graphql_errors_total{{code=\"{code}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map(|v| v.trim().parse().expect("a count"))
        .unwrap_or(0)
}
