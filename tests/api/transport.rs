//! GraphQL over HTTP: methods, media types, status codes; health, readiness, GraphiQL; the SDL.
use crate::harness::TestApp;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_json_and_content_negotiation() {
    let app = TestApp::spawn().await;
    let c = &app.client;
    let ok = json!({"query": "{ regions(first: 1) { totalCount } }"});

    // No Accept: application/json assumed.
    let r = c.post(app.url("/graphql")).json(&ok).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(r.headers().contains_key("x-request-id"));

    // graphql-response+json preferred when asked for.
    let r = c
        .post(app.url("/graphql"))
        .header(
            "accept",
            "application/graphql-response+json, application/json;q=0.9",
        )
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );

    // Unacceptable media type → 406.
    let r = c
        .post(app.url("/graphql"))
        .header("accept", "text/csv")
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);

    // Validation failure: 200 with application/json, 400 without `data` with graphql-response+json.
    let bad = json!({"query": "{ regions { nope } }"});
    let r = c.post(app.url("/graphql")).json(&bad).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let r = c
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body.get("data").is_none());

    // Parse failure and variable-coercion failure are request errors too.
    for req in [
        json!({"query": "{ regions("}),
        json!({"query": "query($n: Int) { regions(first: $n) { totalCount } }", "variables": {"n": "x"}}),
    ] {
        let r = c
            .post(app.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&req)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{req}");
    }

    // Missing content type → 415; malformed JSON → 400; a JSON body that is no request → 400.
    let r = c
        .post(app.url("/graphql"))
        .body(ok.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = c
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .post(app.url("/graphql"))
        .header("content-type", "text/plain")
        .body(ok.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::spawn().await;
    let c = &app.client;
    let r = c
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query Q($n: Int) { regions(first: $n) { totalCount } }",
            ),
            ("variables", r#"{"n": 2}"#),
            ("operationName", "Q"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"]["regions"]["totalCount"], 0);

    let r = c
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { x }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");

    let r = c
        .get(app.url("/graphql"))
        .query(&[
            ("query", "{ regions { totalCount } }"),
            ("variables", "[1]"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // A browser gets GraphiQL.
    let r = c
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().to_lowercase().contains("graphiql"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_ready_metrics() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.client
            .get(app.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.client
            .get(app.url("/ready"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let before = app.sql_statements().await;
    app.gql("{ regions(first: 1) { totalCount } }", json!({}))
        .await;
    assert!(app.sql_statements().await > before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_is_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db.clone().close().await.unwrap();
    let r = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let body = app
        .gql("{ regions(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{body}"
    );
}

#[test]
fn checked_in_schema_matches_the_live_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let checked_in = std::fs::read_to_string(path).expect("schema.graphql at the repository root");
    assert!(
        checked_in == pairing_api::schema::sdl(),
        "schema.graphql is stale: regenerate it with `cargo run -q --bin pairing -- schema > schema.graphql`"
    );
}

#[test]
fn every_type_field_and_argument_has_a_description() {
    let sdl = pairing_api::schema::sdl();
    let doc = async_graphql::parser::parse_schema(&sdl).expect("SDL parses");
    let mut missing = Vec::new();
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    for def in doc.definitions {
        let TypeSystemDefinition::Type(t) = def else {
            continue;
        };
        let t = t.node;
        let name = t.name.node.to_string();
        if t.description.is_none()
            && !matches!(name.as_str(), "Query" | "Mutation" | "Subscription")
        {
            missing.push(name.clone());
        }
        match t.kind {
            TypeKind::Object(o) => {
                for f in o.fields {
                    if f.node.description.is_none() {
                        missing.push(format!("{name}.{}", f.node.name.node));
                    }
                    for a in &f.node.arguments {
                        if a.node.description.is_none() {
                            missing
                                .push(format!("{name}.{}({})", f.node.name.node, a.node.name.node));
                        }
                    }
                }
            }
            TypeKind::Interface(o) => {
                for f in o.fields {
                    if f.node.description.is_none() {
                        missing.push(format!("{name}.{}", f.node.name.node));
                    }
                }
            }
            TypeKind::InputObject(i) => {
                for f in i.fields {
                    if f.node.description.is_none() {
                        missing.push(format!("{name}.{}", f.node.name.node));
                    }
                }
            }
            TypeKind::Enum(e) => {
                for v in e.values {
                    if v.node.description.is_none() {
                        missing.push(format!("{name}.{}", v.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:?}");
}
