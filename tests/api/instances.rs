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
