//! Two server processes (the real binary) on one PostgreSQL database: a write through one
//! reaches a subscriber on the other through LISTEN/NOTIFY, and killing one loses no committed
//! write while the other keeps serving.
use crate::harness::{TEST_SECRET, TestDatabase, is_postgres, token};
use crate::shutdown::Server;
use crate::subscriptions::{Got, TRANSFERS, TRANSPORT_WS, Ws, drain};
use crate::writes::gid;
use pairing_api::auth::Role;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn record(
    client: &reqwest::Client,
    base: &str,
    tok: &str,
    pairing: &str,
    reference: &str,
) -> Result<Value, String> {
    let q = "mutation($input: RecordFundTransferInput!) {
      recordFundTransfer(input: $input) { fundTransfer { id referenceNo } } }";
    let input = json!({ "input": {
        "pairingAgreementId": pairing, "referenceNo": reference, "recipientCode": "532923",
        "category": "FISCAL_AID", "amount": "10.00", "year": 2020, "allocatedOn": "2020-03-20",
        "idempotencyKey": reference } });
    let resp = client
        .post(format!("{base}/graphql"))
        .bearer_auth(tok)
        .json(&json!({ "query": q, "variables": input }))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let body: Value = resp.json().await.map_err(|e| e.to_string())?;
    if body["data"]["recordFundTransfer"]["fundTransfer"]["id"].is_string() {
        Ok(body)
    } else {
        Err(body.to_string())
    }
}

#[test]
#[ignore = "needs PostgreSQL: two processes share one database through LISTEN/NOTIFY; the PostgreSQL pass runs it with --include-ignored"]
fn a_write_through_one_instance_reaches_the_other_and_a_killed_instance_loses_nothing() {
    assert!(
        is_postgres(),
        "PostgreSQL only: run it with TEST_DATABASE_URL=postgres://… (the PostgreSQL pass does)"
    );
    let db = TestDatabase::create();
    let args = ["--jwt-secret", TEST_SECRET];
    let mut first = Server::start(Some(&db.url), &args);
    let second = Server::start(Some(&db.url), &args);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let conn = sea_orm::Database::connect(&db.url).await.expect("connect");
        let w = crate::fixtures::world(&conn).await;
        let pairing = gid("PairingAgreement", w.sh_yn);
        let helper = token(Role::Helper, Some("310000"), None);
        let admin = token(Role::Admin, None, None);
        let client = reqwest::Client::new();
        let (a, b) = (first.url(""), second.url(""));

        // A subscriber on each instance.
        let mut on_second = Ws::connect(&b, TRANSPORT_WS, Some(&admin)).await;
        on_second.subscribe("t", TRANSFERS, json!({})).await;
        let mut on_first = Ws::connect(&a, TRANSPORT_WS, Some(&admin)).await;
        on_first.subscribe("t", TRANSFERS, json!({})).await;
        on_second.quiet(Duration::from_millis(300)).await;

        // A write through the first reaches the subscriber on the second within one second.
        let started = Instant::now();
        record(&client, &a, &helper, &pairing, "INST-1")
            .await
            .expect("a write through the first");
        let data = on_second.data("t", Duration::from_secs(1)).await;
        let took = started.elapsed();
        assert_eq!(
            data["fundTransferChanged"]["fundTransfer"]["referenceNo"],
            "INST-1"
        );
        assert!(took < Duration::from_secs(1), "took {took:?}");
        // …and the one on the first as well (every instance hears every event).
        let data = on_first.data("t", Duration::from_secs(1)).await;
        assert_eq!(
            data["fundTransferChanged"]["fundTransfer"]["referenceNo"],
            "INST-1"
        );

        // Writes go through the first while it is killed: every acknowledged write is stored
        // and reaches the subscriber on the second.
        let writer = {
            let (client, a, helper, pairing) =
                (client.clone(), a.clone(), helper.clone(), pairing.clone());
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for i in 0..200 {
                    let reference = format!("KILL-{i}");
                    match record(&client, &a, &helper, &pairing, &reference).await {
                        Ok(_) => acknowledged.push(reference),
                        Err(_) => break,
                    }
                }
                acknowledged
            })
        };
        tokio::time::sleep(Duration::from_millis(400)).await;
        first.signal("KILL");
        // Killed by a signal, it has no exit code: wait for it to be gone.
        let gone = Instant::now() + Duration::from_secs(10);
        while first.child.try_wait().ok().flatten().is_none() {
            assert!(Instant::now() < gone, "the first instance died");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let acknowledged = writer.await.expect("the writer");
        assert!(
            !acknowledged.is_empty() && acknowledged.len() < 200,
            "{} writes",
            acknowledged.len()
        );
        match on_first.next(Duration::from_secs(5)).await {
            Got::Closed(_) | Got::Message(_) => {}
            Got::Nothing => panic!("the killed instance's socket is still open"),
        }

        // The second keeps serving: it reads every acknowledged write …
        let count: i64 = {
            use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
            entity::fund_transfer::Entity::find()
                .filter(entity::fund_transfer::Column::ReferenceNo.is_in(acknowledged.clone()))
                .count(&conn)
                .await
                .expect("count") as i64
        };
        assert_eq!(
            count,
            acknowledged.len() as i64,
            "no acknowledged write was lost"
        );
        let body: Value = client
            .post(format!("{b}/graphql"))
            .bearer_auth(&admin)
            .json(&json!({ "query": "{ fundTransfers(filter: { year: 2020 }) { totalCount } }" }))
            .send()
            .await
            .expect("the second answers")
            .json()
            .await
            .expect("JSON");
        let total = body["data"]["fundTransfers"]["totalCount"]
            .as_i64()
            .expect("totalCount");
        assert!(total > acknowledged.len() as i64, "{body}");

        // … its subscriber got an event for each of them …
        let got = drain(&mut on_second, Duration::from_millis(1500)).await;
        let refs: std::collections::HashSet<String> = got
            .iter()
            .filter(|m| m["type"] == "next")
            .filter_map(|m| {
                m["payload"]["data"]["fundTransferChanged"]["fundTransfer"]["referenceNo"]
                    .as_str()
                    .map(str::to_string)
            })
            .collect();
        for r in &acknowledged {
            assert!(
                refs.contains(r),
                "the event of {r} reached the second's subscriber"
            );
        }
        // … and it takes writes and delivers their events.
        record(&client, &b, &helper, &pairing, "AFTER-1")
            .await
            .expect("a write through the second");
        let data = on_second.data("t", Duration::from_secs(1)).await;
        assert_eq!(
            data["fundTransferChanged"]["fundTransfer"]["referenceNo"],
            "AFTER-1"
        );
        conn.close().await.ok();
    });
    drop(second);
    drop(first);
}

/// A second server of this test's database, in process (an instance of its own: its own
/// listener, pool and leases), with the same adjustments as the first.
async fn another_instance(
    app: &crate::harness::TestApp,
    adjust: impl FnOnce(&mut pairing_api::config::Settings),
) -> String {
    let mut s = crate::harness::settings(app.database_url.clone());
    adjust(&mut s);
    let other = pairing_api::http::Application::build(s)
        .await
        .expect("a second instance");
    let base = format!("http://127.0.0.1:{}", other.port());
    tokio::spawn(other.run_until_stopped());
    base
}

/// The database of a test and a connection to the cluster's own (`TEST_DATABASE_URL`), for what
/// a connection to the test's database cannot do.
async fn cluster(app: &crate::harness::TestApp) -> (String, sea_orm::DatabaseConnection) {
    let name = app
        .database_url
        .rsplit_once('/')
        .map(|(_, n)| n.to_string())
        .expect("a database name");
    let url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let admin = sea_orm::Database::connect(pairing_api::db::normalize_url(&url))
        .await
        .expect("connect to the cluster");
    (name, admin)
}

async fn listeners(admin: &sea_orm::DatabaseConnection, db: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = admin
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*)::bigint FROM pg_stat_activity \
             WHERE datname = $1 AND application_name = $2",
            [db.into(), pairing_api::events::APPLICATION_NAME.into()],
        ))
        .await
        .expect("pg_stat_activity")
        .expect("a row");
    row.try_get_by_index(0).expect("a count")
}

/// The server's pooled connections to the test's database (not the listener's).
async fn pooled(admin: &sea_orm::DatabaseConnection, db: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = admin
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*)::bigint FROM pg_stat_activity \
             WHERE datname = $1 AND application_name <> $2 AND pid <> pg_backend_pid()",
            [db.into(), pairing_api::events::APPLICATION_NAME.into()],
        ))
        .await
        .expect("pg_stat_activity")
        .expect("a row");
    row.try_get_by_index(0).expect("a count")
}

#[tokio::test]
#[ignore = "needs PostgreSQL: the listener's connection is terminated; the PostgreSQL pass runs it with --include-ignored"]
async fn events_committed_while_the_listener_reconnects_are_replayed_from_the_audit_log() {
    use sea_orm::ConnectionTrait;
    assert!(
        is_postgres(),
        "PostgreSQL only: run it with TEST_DATABASE_URL=postgres://… (the PostgreSQL pass does)"
    );
    let app = crate::harness::TestApp::spawn().await;
    let w = crate::fixtures::world(&app.db).await;
    let pairing = gid("PairingAgreement", w.sh_yn);
    let helper = token(Role::Helper, Some("310000"), None);
    let admin = token(Role::Admin, None, None);
    let (name, cluster) = cluster(&app).await;
    let mut ws = Ws::connect(&app.base, TRANSPORT_WS, Some(&admin)).await;
    ws.subscribe("t", TRANSFERS, json!({})).await;
    ws.quiet(Duration::from_millis(300)).await;
    let reference = |m: &Value| {
        m["fundTransferChanged"]["fundTransfer"]["referenceNo"]
            .as_str()
            .map(str::to_string)
    };
    let write = |r: &'static str| {
        let (app, helper, pairing) = (&app, &helper, &pairing);
        async move {
            let body =
                crate::subscriptions::record(app, helper, pairing, r, "532923", "FISCAL_AID", true)
                    .await;
            assert!(
                body["data"]["recordFundTransfer"]["fundTransfer"]["id"].is_string(),
                "{body}"
            );
        }
    };
    write("REPLAY-1").await;
    let data = ws.data("t", Duration::from_secs(5)).await;
    assert_eq!(reference(&data).as_deref(), Some("REPLAY-1"));
    assert_eq!(
        listeners(&cluster, &name).await,
        1,
        "one listening connection"
    );

    // The pool must already hold the connections the write will need: none can open during the
    // outage. Overlapping reads make it open several; it keeps them.
    let warm_until = Instant::now() + Duration::from_secs(20);
    loop {
        let reads = (0..12).map(|_| {
            app.gql_as(
                Some(&admin),
                "{ fundTransfers(first: 50) { totalCount nodes { referenceNo helper { name } } } }",
                json!({}),
            )
        });
        futures_util::future::join_all(reads).await;
        if pooled(&cluster, &name).await >= 4 {
            break;
        }
        assert!(Instant::now() < warm_until, "the pool did not grow");
    }

    // The listener's connection is terminated and cannot come back (the database takes no new
    // connections; the pool's open ones keep serving) while a write commits.
    cluster
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .expect("ALLOW_CONNECTIONS false");
    cluster
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND application_name = $2",
            [
                name.clone().into(),
                pairing_api::events::APPLICATION_NAME.into(),
            ],
        ))
        .await
        .expect("terminate the listener");
    let gone = Instant::now() + Duration::from_secs(5);
    while listeners(&cluster, &name).await > 0 {
        assert!(
            Instant::now() < gone,
            "the listener's backend is still there"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    write("REPLAY-2").await;
    // The outage is real: the event does not come while the listener is away.
    ws.quiet(Duration::from_millis(800)).await;
    assert_eq!(listeners(&cluster, &name).await, 0, "still no listener");

    cluster
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .expect("ALLOW_CONNECTIONS true");
    // Once the listener is back, the write committed in between is delivered, once.
    let data = ws.data("t", Duration::from_secs(15)).await;
    assert_eq!(reference(&data).as_deref(), Some("REPLAY-2"));
    assert_eq!(listeners(&cluster, &name).await, 1, "listening again");
    write("REPLAY-3").await;
    let data = ws.data("t", Duration::from_secs(5)).await;
    assert_eq!(
        reference(&data).as_deref(),
        Some("REPLAY-3"),
        "no event twice"
    );
    ws.quiet(Duration::from_millis(500)).await;
    cluster.close().await.ok();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: two instances share the count of a token's subscriptions; the PostgreSQL pass runs it with --include-ignored"]
async fn a_tokens_subscription_limit_holds_across_instances_and_a_dead_instances_leases_expire() {
    use sea_orm::ConnectionTrait;
    assert!(
        is_postgres(),
        "PostgreSQL only: run it with TEST_DATABASE_URL=postgres://… (the PostgreSQL pass does)"
    );
    let adjust = |s: &mut pairing_api::config::Settings| {
        s.http.socket.ws_max_subscriptions_per_token = 5;
        s.http.socket.ws_lease_ttl = 2;
    };
    let app = crate::harness::TestApp::spawn_with(adjust).await;
    let other = another_instance(&app, adjust).await;
    let admin = token(Role::Admin, None, None);
    let refused = |got: &[Value]| {
        let errors: Vec<_> = got.iter().filter(|m| m["type"] == "error").collect();
        for e in &errors {
            assert_eq!(
                e["payload"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
                "{e}"
            );
        }
        errors.len()
    };

    // Three on the first instance, then four asked of the second: two are left.
    let mut first = Ws::connect(&app.base, TRANSPORT_WS, Some(&admin)).await;
    for i in 0..3 {
        first
            .subscribe(&format!("a{i}"), TRANSFERS, json!({}))
            .await;
    }
    assert_eq!(
        refused(&drain(&mut first, Duration::from_millis(500)).await),
        0
    );
    let mut second = Ws::connect(&other, TRANSPORT_WS, Some(&admin)).await;
    for i in 0..4 {
        second
            .subscribe(&format!("b{i}"), TRANSFERS, json!({}))
            .await;
    }
    assert_eq!(
        refused(&drain(&mut second, Duration::from_millis(500)).await),
        2
    );

    // The first's connection ends: its three are given back, to be taken on the second.
    drop(first);
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 4..7 {
        second
            .subscribe(&format!("b{i}"), TRANSFERS, json!({}))
            .await;
    }
    assert_eq!(
        refused(&drain(&mut second, Duration::from_millis(500)).await),
        0
    );
    second.subscribe("b7", TRANSFERS, json!({})).await;
    assert_eq!(
        refused(&drain(&mut second, Duration::from_millis(500)).await),
        1
    );

    // Live leases are renewed beyond their lifetime: still full after three of them.
    tokio::time::sleep(Duration::from_secs(6)).await;
    second.subscribe("b8", TRANSFERS, json!({})).await;
    assert_eq!(
        refused(&drain(&mut second, Duration::from_millis(500)).await),
        1
    );

    // An instance that died holding all of another token's subscriptions: its lease row is
    // never renewed, and once it has run out the token may subscribe again.
    let viewer = token(Role::Viewer, None, None);
    let key = pairing_api::write::request_hash(&Value::String(format!("Bearer {viewer}")));
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "INSERT INTO subscription_leases (token, instance, subscriptions, expires_at) \
             VALUES ($1, 'crashed', 5, now() + interval '2 seconds')",
            [key.into()],
        ))
        .await
        .expect("a dead instance's lease");
    let mut third = Ws::connect(&other, TRANSPORT_WS, Some(&viewer)).await;
    third.subscribe("c0", TRANSFERS, json!({})).await;
    assert_eq!(
        refused(&drain(&mut third, Duration::from_millis(300)).await),
        1
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    third.subscribe("c1", TRANSFERS, json!({})).await;
    assert_eq!(
        refused(&drain(&mut third, Duration::from_millis(300)).await),
        0
    );
}
