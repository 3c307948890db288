//! Item 7: token lifetimes are capped, `nameContains` is matched literally and refuses NUL, and a
//! cursor whose value has the wrong type is BAD_USER_INPUT.
use super::{code, ok};
use crate::fixtures::world;
use crate::harness::{TestApp, token};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pairing_api::auth::Role;
use serde_json::json;
use std::process::Command;

#[test]
fn token_lifetimes_are_capped_with_a_clear_error() {
    let mint = |ttl: &str| {
        Command::new(env!("CARGO_BIN_EXE_pairing"))
            .args(["token", "--demo", "--role", "VIEWER", "--ttl", ttl])
            .output()
            .expect("run pairing token")
    };
    for ttl in ["9223372036854775807", "106751991167300d", "367d", "9000h"] {
        let out = mint(ttl);
        assert!(!out.status.success(), "{ttl} must be refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("too long") && err.contains("366d"),
            "{ttl}: {err}"
        );
        assert!(out.stdout.is_empty(), "{ttl}: no token printed");
    }
    let out = mint("366d");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_contains_is_matched_literally_and_refuses_nul() {
    let app = TestApp::spawn().await;
    world(&app.db).await;
    let viewer = token(Role::Viewer, None, None);
    for list in ["organizations", "regions"] {
        let q = format!(
            "query($t: String) {{ {list}(first: 100, filter: {{ nameContains: $t }}) {{ totalCount }} }}"
        );
        let count = |body: &serde_json::Value| ok(body)[list]["totalCount"].as_i64().expect("n");
        let all = count(&app.gql_as(Some(&viewer), &q, json!({ "t": "" })).await);
        assert!(all > 0);
        // Wildcards are plain characters: no name holds them.
        for t in ["%", "_", "%%", "市%", "\\", "\\%"] {
            let body = app.gql_as(Some(&viewer), &q, json!({ "t": t })).await;
            assert_eq!(count(&body), 0, "{list} {t:?}: {body}");
        }
        let some = count(&app.gql_as(Some(&viewer), &q, json!({ "t": "市" })).await);
        assert!(some > 0 && some < all, "{list}: {some} of {all}");
        for t in ["\u{0}", "市\u{0}"] {
            let body = app.gql_as(Some(&viewer), &q, json!({ "t": t })).await;
            assert_eq!(code(&body), "BAD_USER_INPUT", "{list}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"],
                "filter.nameContains"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_of_the_wrong_type_is_bad_input() {
    let app = TestApp::spawn().await;
    world(&app.db).await;
    let viewer = token(Role::Viewer, None, None);
    let q = "query($after: String) { fundTransfers(first: 2, after: $after, orderBy: { field: REFERENCE_NO }) { edges { cursor } } }";
    let body = app.gql_as(Some(&viewer), q, json!({})).await;
    let cursor = ok(&body)["fundTransfers"]["edges"][0]["cursor"]
        .as_str()
        .expect("a cursor")
        .to_string();
    let good = app
        .gql_as(Some(&viewer), q, json!({ "after": cursor }))
        .await;
    ok(&good);
    let mut decoded: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&cursor).expect("base64")).expect("json");
    for v in [json!({ "i": 5 }), json!({ "d": "2019-01-01" })] {
        decoded["v"] = v.clone();
        let forged = URL_SAFE_NO_PAD.encode(decoded.to_string());
        let body = app
            .gql_as(Some(&viewer), q, json!({ "after": forged }))
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{v}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "after", "{body}");
    }
}
