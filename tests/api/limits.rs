//! Operation limits, one test per limit: each refused with a clear code, each configurable; the
//! README's portal queries and GraphiQL's introspection query stay within the defaults.
use crate::fixtures::world;
use crate::harness::{TestApp, error_code, token};
use pairing_api::auth::Role;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// The introspection query GraphiQL sends (graphql-js `getIntrospectionQuery`).
pub const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}"#;

fn nested_parents(levels: usize) -> String {
    format!(
        "{{ region(code: \"310000\") {{ {} code {} }} }}",
        "parent { ".repeat(levels - 2),
        "}".repeat(levels - 2)
    )
}

async fn post(app: &TestApp, body: &Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/graphql"))
        .json(body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON body"))
}

fn assert_code(body: &Value, code: &str) {
    assert_eq!(error_code(body), Some(code), "{body}");
}

fn assert_ok(body: &Value) {
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_is_limited_and_configurable() {
    let app = TestApp::spawn().await;
    world(&app.db).await;
    assert_ok(&app.gql(&nested_parents(12), json!({})).await);
    let body = app.gql(&nested_parents(13), json!({})).await;
    assert_code(&body, "QUERY_TOO_COMPLEX");
    assert!(body.get("data").is_none_or(Value::is_null), "{body}");
    // Fragments are expanded before measuring.
    let q = "{ ...A } fragment A on Query { region(code: \"310000\") { ...B } }
             fragment B on Region { parent { parent { parent { ...C } } } }
             fragment C on Region { parent { parent { parent { parent { parent { parent { parent { parent { code } } } } } } } } }";
    assert_code(&app.gql(q, json!({})).await, "QUERY_TOO_COMPLEX");

    let app = TestApp::spawn_with(|s| s.limits.max_depth = 4).await;
    assert_ok(&app.gql(&nested_parents(4), json!({})).await);
    assert_code(
        &app.gql(&nested_parents(5), json!({})).await,
        "QUERY_TOO_COMPLEX",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_counts_pages_and_is_configurable() {
    let app = TestApp::spawn().await;
    world(&app.db).await;
    // The README's portal queries.
    let portal = r#"{
      organization(code: "310000") {
        name
        pairings(first: 10) {
          nodes {
            program
            recipient { code name }
            letters(year: 2019) { status commitments { indicator unit target } }
            fundTransfers(first: 20, filter: { year: 2019 }) {
              totalCount
              nodes { referenceNo category amount status allocatedOn recipient { name } }
            }
          }
        }
      }
    }"#;
    assert_ok(&app.gql(portal, json!({})).await);
    let listed = r#"{
      regions(filter: { provinceCode: "530000", listedOnly: true }, first: 20) {
        nodes { code name poverty { listedForSupervision exitYear } }
      }
      pairingAgreements(filter: { provinceCode: "530000", year: 2020 }) {
        totalCount
        nodes { program helper { name } recipient { name } }
      }
    }"#;
    assert_ok(&app.gql(listed, json!({})).await);

    // 100 × 100 × 100 regions: refused before any SQL runs.
    let before = app.sql_statements().await;
    let q = "{ regions(first: 100) { nodes { children(first: 100) { nodes { children(first: 100) { nodes { code } } } } } } }";
    let body = app.gql(q, json!({})).await;
    assert_code(&body, "QUERY_TOO_COMPLEX");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("costs")
    );
    assert_eq!(app.sql_statements().await, before, "nothing ran");
    // Page sizes from variables count too.
    let q = "query($n: Int) { regions(first: $n) { nodes { children(first: $n) { nodes { children(first: $n) { nodes { code } } } } } } }";
    assert_code(&app.gql(q, json!({"n": 100})).await, "QUERY_TOO_COMPLEX");
    assert_ok(&app.gql(q, json!({"n": 5})).await);

    let app = TestApp::spawn_with(|s| s.limits.max_complexity = 50).await;
    assert_ok(
        &app.gql("{ regions(first: 10) { nodes { code } } }", json!({}))
            .await,
    );
    assert_code(
        &app.gql("{ regions(first: 60) { nodes { code } } }", json!({}))
            .await,
        "QUERY_TOO_COMPLEX",
    );
    // No `first`: a page of 20 is assumed.
    assert_code(
        &app.gql("{ regions { nodes { code name level } } }", json!({}))
            .await,
        "QUERY_TOO_COMPLEX",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliases_are_limited_and_configurable() {
    let app = TestApp::spawn().await;
    let aliases = |n: usize| {
        let fields: String = (0..n).map(|i| format!("a{i}: __typename ")).collect();
        format!("{{ region(code: \"310000\") {{ {fields} }} }}")
    };
    assert_ok(&app.gql(&aliases(50), json!({})).await);
    assert_code(&app.gql(&aliases(51), json!({})).await, "QUERY_TOO_COMPLEX");
    let app = TestApp::spawn_with(|s| s.limits.max_aliases = 3).await;
    assert_ok(&app.gql(&aliases(3), json!({})).await);
    assert_code(&app.gql(&aliases(4), json!({})).await, "QUERY_TOO_COMPLEX");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_fields_are_limited_and_configurable() {
    let app = TestApp::spawn().await;
    let roots = |n: usize| format!("{{ {} }}", "__typename ".repeat(n));
    assert_ok(&app.gql(&roots(20), json!({})).await);
    assert_code(&app.gql(&roots(21), json!({})).await, "QUERY_TOO_COMPLEX");
    let app = TestApp::spawn_with(|s| s.limits.max_root_fields = 2).await;
    assert_ok(&app.gql(&roots(2), json!({})).await);
    assert_code(&app.gql(&roots(3), json!({})).await, "QUERY_TOO_COMPLEX");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_nesting_are_limited_before_parsing() {
    let app = TestApp::spawn().await;
    let ids = |n: usize| {
        format!(
            "{{ nodes(ids: [{}]) {{ __typename }} }}",
            "\"x\" ".repeat(n)
        )
    };
    let body = app.gql(&ids(15_000), json!({})).await;
    assert_code(&body, "QUERY_TOO_COMPLEX");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("tokens")
    );
    // 100,000 nested brackets: refused by the count, the parser never recurses into them.
    let deep = format!(
        "{{ nodes(ids: {}\"x\"{}) {{ __typename }} }}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let body = app.gql(&deep, json!({})).await;
    assert_code(&body, "QUERY_TOO_COMPLEX");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nests")
    );
    let nest = |n: usize| {
        format!(
            "{{ region(code: {}\"1\"{}) {{ code }} }}",
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    // 2 levels of braces and a parenthesis around the list.
    assert_code(&app.gql(&nest(38), json!({})).await, "BAD_USER_INPUT");
    assert_code(&app.gql(&nest(40), json!({})).await, "QUERY_TOO_COMPLEX");

    // `{ region ( code : "1" ) { code } }` is 11 tokens, nested 2 deep.
    let app = TestApp::spawn_with(|s| s.limits.max_tokens = 11).await;
    assert_ok(
        &app.gql("{ region(code: \"310000\") { code } }", json!({}))
            .await,
    );
    assert_code(
        &app.gql("{ region(code: \"310000\") { code name } }", json!({}))
            .await,
        "QUERY_TOO_COMPLEX",
    );
    let app = TestApp::spawn_with(|s| s.limits.max_nesting = 3).await;
    assert_ok(
        &app.gql(
            "{ region(code: \"310000\") { parent { code } } }",
            json!({}),
        )
        .await,
    );
    let body = app
        .gql(
            "{ region(code: \"310000\") { parent { parent { code } } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "QUERY_TOO_COMPLEX");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directives_per_field_are_limited() {
    let app = TestApp::spawn().await;
    let q = |n: usize| format!("{{ __typename {} }}", "@include(if: true) ".repeat(n));
    let body = app.gql(&q(9), json!({})).await;
    assert_code(&body, "QUERY_TOO_COMPLEX");
    let body = app.gql(&q(5000), json!({})).await;
    assert_code(&body, "QUERY_TOO_COMPLEX");
    assert_ok(&app.gql(&q(8), json!({})).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_size_is_refused_from_the_declared_length() {
    let app = TestApp::spawn_with(|s| s.limits.max_body_bytes = 4096).await;
    // Declared but never sent: the answer comes at once, without waiting for the body.
    let addr = app.base.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{{\"query\":"
    )
    .unwrap();
    let mut buf = [0u8; 1024];
    let n = s.read(&mut buf).unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("BAD_USER_INPUT"), "{head}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // Sent in chunks without a length: cut off once it passes the limit.
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let chunk = "a".repeat(1000);
    for _ in 0..8 {
        if write!(s, "{:x}\r\n{chunk}\r\n", chunk.len()).is_err() {
            break;
        }
    }
    let n = s.read(&mut buf).unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    // Within the limit: fine.
    let (status, body) = post(&app, &json!({"query": "{ __typename }"})).await;
    assert_eq!(status, 200);
    assert_ok(&body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_size_is_limited_and_configurable() {
    let app = TestApp::spawn().await;
    let batch = |n: usize| Value::Array(vec![json!({"query": "{ __typename }"}); n]);
    let (status, body) = post(&app, &batch(10)).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 10);
    let (status, body) = post(&app, &batch(11)).await;
    assert_eq!(status, 400);
    assert_code(&body, "BAD_USER_INPUT");
    let app = TestApp::spawn_with(|s| s.limits.max_batch = 2).await;
    assert_eq!(post(&app, &batch(2)).await.0, 200);
    assert_eq!(post(&app, &batch(3)).await.0, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_size_is_at_most_100() {
    let app = TestApp::spawn().await;
    assert_ok(
        &app.gql("{ regions(first: 100) { totalCount } }", json!({}))
            .await,
    );
    for q in [
        "{ regions(first: 101) { totalCount } }",
        "{ regions(last: 101) { totalCount } }",
        "{ regions(first: -1) { totalCount } }",
    ] {
        assert_code(&app.gql(q, json!({})).await, "BAD_USER_INPUT");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_size_is_limited() {
    let app = TestApp::spawn_with(|s| s.limits.max_response_bytes = 300).await;
    world(&app.db).await;
    assert_ok(
        &app.gql("{ regions(first: 1) { nodes { code } } }", json!({}))
            .await,
    );
    let body = app
        .gql(
            "{ regions(first: 50) { nodes { code name level } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "QUERY_TOO_COMPLEX");
    assert!(body["data"].is_null(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_deadline_cancels_a_write_waiting_on_a_lock_and_answers_timeout() {
    // Both databases: a write waits for another writer's lock on each (SQLite's busy timeout,
    // PostgreSQL's row lock), so a lock held from outside the server keeps it from finishing.
    let app = TestApp::spawn_with(|s| s.limits.request_timeout = 1).await;
    world(&app.db).await;
    let blocker = sea_orm::Database::connect(app.database_url.as_str())
        .await
        .unwrap();
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let txn = blocker.begin().await.unwrap();
    txn.execute_unprepared("UPDATE regions SET name = name WHERE code = '530000'")
        .await
        .unwrap();
    let admin = token(Role::Admin, None, None);
    let rename =
        r#"mutation { updateRegion(input: { code: "530000", name: "滇" }) { region { name } } }"#;
    let started = Instant::now();
    let body = app.gql_as(Some(&admin), rename, json!({})).await;
    let elapsed = started.elapsed();
    txn.rollback().await.unwrap();
    blocker.close().await.ok();
    assert_code(&body, "TIMEOUT");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    // The server goes on answering, and the cancelled write changed nothing.
    let body = app
        .gql("{ region(code: \"530000\") { name } }", json!({}))
        .await;
    assert_eq!(body["data"]["region"]["name"], "云南省", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL only (SQLite's WAL readers never wait on a lock); the PostgreSQL pass runs it with --include-ignored"]
async fn postgres_request_deadline_cancels_a_read_waiting_on_a_lock() {
    assert!(
        crate::harness::is_postgres(),
        "PostgreSQL only: run it with TEST_DATABASE_URL=postgres://… (the PostgreSQL pass does)"
    );
    let app = TestApp::spawn_with(|s| s.limits.request_timeout = 1).await;
    world(&app.db).await;
    // Hold a lock the query needs, from outside the server, so the query cannot finish.
    let url = app.database_url.clone();
    let blocker = sea_orm::Database::connect(url.as_str()).await.unwrap();
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let txn = blocker.begin().await.unwrap();
    // The server's connections carry a statement timeout (10 s by default).
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SHOW statement_timeout",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.try_get::<String>("", "statement_timeout").unwrap(),
        "10s"
    );
    txn.execute_unprepared("LOCK TABLE regions IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = Instant::now();
    let body = app
        .gql("{ regions(first: 5) { nodes { code } } }", json!({}))
        .await;
    let elapsed = started.elapsed();
    txn.rollback().await.unwrap();
    blocker.close().await.ok();
    assert_code(&body, "TIMEOUT");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    // The server goes on answering.
    assert_ok(&app.gql("{ __typename }", json!({})).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_is_limited_and_can_be_switched_off() {
    let app = TestApp::spawn().await;
    // GraphiQL's own query passes, with a schema's worth of types.
    let body = app.gql(INTROSPECTION, json!({})).await;
    assert_ok(&body);
    assert!(body["data"]["__schema"]["types"].as_array().unwrap().len() > 20);
    // Nested lists fan out: refused.
    let bomb = "{ __type(name: \"Query\") { fields { type { fields { type { fields { type { fields { name } } } } } } } } }";
    assert_code(&app.gql(bomb, json!({})).await, "QUERY_TOO_COMPLEX");
    // Two whole schemas in one operation: refused.
    let twice = "{ a: __schema { types { name } } b: __schema { types { name } } }";
    assert_code(&app.gql(twice, json!({})).await, "QUERY_TOO_COMPLEX");

    let app = TestApp::spawn_with(|s| s.limits.no_introspection = true).await;
    for q in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Query\") { name } }",
        "{ ...F } fragment F on Query { __schema { queryType { name } } }",
    ] {
        let body = app.gql(q, json!({})).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("introspection")
        );
    }
    assert_ok(&app.gql("{ __typename }", json!({})).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragment_bombs_and_cycles_are_refused_quickly() {
    let app = TestApp::spawn().await;
    // Spreads doubling at each of 30 levels: 2^30 fields once expanded, from a 2 KB document.
    let mut q = String::from("query { ...F0 }\n");
    for i in 0..30 {
        q.push_str(&format!(
            "fragment F{i} on Query {{ ...F{n} __typename ...F{n} }}\n",
            n = i + 1
        ));
    }
    q.push_str("fragment F30 on Query { __typename }\n");
    let started = Instant::now();
    let body = app.gql(&q, json!({})).await;
    assert_code(&body, "QUERY_TOO_COMPLEX");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // An unused bomb is validated too, so it is refused as well.
    let unused = q.replacen("query { ...F0 }", "query { __typename }", 1);
    assert_code(&app.gql(&unused, json!({})).await, "QUERY_TOO_COMPLEX");

    // Cycles, direct and through another fragment.
    for q in [
        "{ ...A } fragment A on Query { ...A }",
        "{ ...A } fragment A on Query { region(code: \"1\") { ...B } } fragment B on Region { parent { ...C } } fragment C on Region { ...B }",
    ] {
        let started = Instant::now();
        assert_code(&app.gql(q, json!({})).await, "BAD_USER_INPUT");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    assert_ok(&app.gql("{ __typename }", json!({})).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_documents_are_checked_again_with_their_variables() {
    // The server keeps parsed documents by query text; the checks that depend on variables, on
    // the operation or on the text's validity must still hold for every request.
    let app = TestApp::spawn_with(|s| s.limits.max_complexity = 500).await;
    world(&app.db).await;
    let q = "query($n: Int) { regions(first: $n) { nodes { code children(first: $n) { nodes { code } } } } }";
    for _ in 0..2 {
        assert_ok(&app.gql(q, json!({ "n": 3 })).await);
        assert_code(&app.gql(q, json!({ "n": 100 })).await, "QUERY_TOO_COMPLEX");
    }
    let broken = "{ regions(first: 2) { nodes { code } }";
    let unknown = "{ regions(first: 2) { nodes { nope } } }";
    for _ in 0..2 {
        assert!(error_code(&app.gql(broken, json!({})).await).is_some());
        assert!(error_code(&app.gql(unknown, json!({})).await).is_some());
    }
    // One document, two operations: the name picks the operation on every request.
    let two = "query A { region(code: \"310000\") { code } } query B { region(code: \"530000\") { code } }";
    for (name, code) in [("A", "310000"), ("B", "530000"), ("A", "310000")] {
        let (_, body) = post(&app, &json!({ "query": two, "operationName": name })).await;
        assert_eq!(body["data"]["region"]["code"], code, "{body}");
    }
}
