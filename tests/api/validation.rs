//! A document that passed full validation once skips it on later requests whose variables surely
//! fit (`graphql::variables`). Whatever a request's variables, the answer is the one full
//! validation gives: bad values sent to a known document fail exactly as they do the first time.
use crate::fixtures::world;
use crate::harness::{TestApp, token};
use pairing_api::auth::Role;
use serde_json::{Value, json};

const PROGRESS: &str = "query($code: String!, $year: Int!) { organization(code: $code) { name progress(year: $year) { indicators { indicator target } } } }";
const TRANSFERS: &str = "query($s: TransferStatus, $ids: [ID!]!, $n: Int) { fundTransfers(first: $n, filter: { status: $s }) { totalCount } nodes(ids: $ids) { id } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_documents_answer_bad_variables_as_full_validation_does() {
    let viewer = token(Role::Viewer, None, None);
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            PROGRESS,
            json!({ "code": "310000", "year": 2019 }),
            json!({ "code": "310000", "year": "2019" }),
        ),
        (
            PROGRESS,
            json!({ "code": "310000", "year": 2019 }),
            json!({ "code": "310000", "year": null }),
        ),
        (
            PROGRESS,
            json!({ "code": "310000", "year": 2019 }),
            json!({ "code": 310000, "year": 2019 }),
        ),
        (
            PROGRESS,
            json!({ "code": "310000", "year": 2019 }),
            json!({ "code": "310000", "year": 1.5 }),
        ),
        (
            PROGRESS,
            json!({ "code": "310000", "year": 2019 }),
            json!({ "code": "310000", "year": 9_000_000_000i64 }),
        ),
        (
            PROGRESS,
            json!({ "code": "310000", "year": 2019 }),
            json!({ "code": "310000" }),
        ),
        (
            TRANSFERS,
            json!({ "s": "RECEIVED", "ids": [], "n": 5 }),
            json!({ "s": "NOPE", "ids": [], "n": 5 }),
        ),
        (
            TRANSFERS,
            json!({ "s": "RECEIVED", "ids": [], "n": 5 }),
            json!({ "s": "RECEIVED", "ids": [true], "n": 5 }),
        ),
        (
            TRANSFERS,
            json!({ "s": "RECEIVED", "ids": [], "n": 5 }),
            json!({ "s": "RECEIVED", "ids": "x", "n": 5 }),
        ),
        (
            TRANSFERS,
            json!({ "s": "RECEIVED", "ids": [], "n": 5 }),
            json!({ "s": "RECEIVED", "ids": [], "n": "5" }),
        ),
    ];
    for (query, good, bad) in cases {
        // A server that never saw the document answers the bad variables with full validation.
        let cold = TestApp::spawn().await;
        world(&cold.db).await;
        let expected = cold.gql_as(Some(&viewer), query, bad.clone()).await;
        // A server that validated it already, with good variables, answers them the same.
        let warm = TestApp::spawn().await;
        world(&warm.db).await;
        let first = warm.gql_as(Some(&viewer), query, good.clone()).await;
        assert!(first.get("errors").is_none(), "{first}");
        let again = warm.gql_as(Some(&viewer), query, good.clone()).await;
        assert_eq!(
            first, again,
            "a known document answers as it did the first time"
        );
        let answer = warm.gql_as(Some(&viewer), query, bad.clone()).await;
        assert!(answer.get("errors").is_some(), "{bad}: {answer}");
        assert_eq!(answer, expected, "variables {bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_that_failed_validation_keeps_failing() {
    let app = TestApp::spawn().await;
    world(&app.db).await;
    let q = "query($year: Int!) { organization(code: \"310000\") { nosuchfield progress(year: $year) { indicators { indicator } } } }";
    let first = app.gql(q, json!({ "year": 2019 })).await;
    for _ in 0..3 {
        assert_eq!(app.gql(q, json!({ "year": 2019 })).await, first);
    }
    assert!(
        first["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nosuchfield")),
        "{first}"
    );
}
