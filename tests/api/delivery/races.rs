//! A guarded state change that loses a race: the row moved between the server's read and its
//! guarded UPDATE. The same change made by someone else is replayed (the caller gets the row as
//! it is, nothing more is written); a different one is a CONFLICT. The race is made certain by
//! holding the row's lock from outside the server while it waits on its UPDATE.
use crate::fixtures::world;
use crate::harness::{TestApp, error_code, token};
use crate::writes::gid;
use pairing_api::auth::Role;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::{Value, json};
use std::time::Duration;

const OPEN: &str =
    "mutation($input: OpenDisputeInput!) { openDispute(input: $input) { dispute { id } } }";
const ANSWER: &str = "mutation($input: AnswerDisputeInput!) { answerDispute(input: $input) {
    dispute { id status answer } } }";
const RESOLVE: &str = "mutation($input: ResolveDisputeInput!) { resolveDispute(input: $input) {
    dispute { id status resolution } } }";
const RECORD_DEAL: &str =
    "mutation($input: RecordProduceDealInput!) { recordProduceDeal(input: $input) {
    produceDeal { id } } }";
const CONFIRM_DEAL: &str =
    "mutation($input: ConfirmProduceDealInput!) { confirmProduceDeal(input: $input) {
    produceDeal { id status } } }";

/// Waits until a statement of the server's that starts with `prefix` waits on a lock.
async fn until_waiting(db: &DatabaseConnection, prefix: &str) {
    let sql = format!(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
         AND wait_event_type = 'Lock' AND query LIKE '{prefix}%'"
    );
    for _ in 0..200 {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql.clone(),
            ))
            .await
            .expect("pg_stat_activity")
            .expect("a row");
        if row.try_get::<i64>("", "n").expect("n") > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no statement starting with {prefix:?} waited on the lock");
}

/// The row id inside a global id.
fn id_of(global: &str) -> i64 {
    let (_, n) = pairing_api::global_id::parse_global_id("id", global).expect("a global id");
    n
}

/// The audit events of `action`, as stored.
async fn audited(db: &DatabaseConnection, action: &str) -> usize {
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq(action))
        .all(db)
        .await
        .expect("audit events")
        .len()
}

/// Opens a dispute about transfer `t` as `county`; its global id and row id.
async fn open_dispute(app: &TestApp, county: &str, reason: &str, t: i64) -> (String, i64) {
    let input = json!({ "input": { "subjectId": gid("FundTransfer", t), "reason": reason } });
    let body = app.gql_as(Some(county), OPEN, input).await;
    let id = body["data"]["openDispute"]["dispute"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let n = id_of(&id);
    (id, n)
}

/// Runs `mutation` while the row `id` of `table` is locked from outside the server; once the
/// server's UPDATE waits on the lock, `change` is written to the row and committed. Returns the
/// server's answer.
async fn race(
    app: &TestApp,
    who: &str,
    mutation: &str,
    input: Value,
    table: &str,
    id: i64,
    change: &str,
) -> Value {
    let blocker = sea_orm::Database::connect(app.database_url.as_str())
        .await
        .expect("a connection of its own");
    let txn = blocker.begin().await.expect("begin");
    txn.execute_unprepared(&format!(
        "SELECT id FROM {table} WHERE id = {id} FOR UPDATE"
    ))
    .await
    .expect("lock the row");
    let request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(who)
        .json(&json!({ "query": mutation, "variables": input }))
        .send();
    let request = tokio::spawn(async move {
        let resp = request.await.expect("request");
        resp.json::<Value>().await.expect("JSON body")
    });
    until_waiting(&app.db, &format!("UPDATE \"{table}\"")).await;
    txn.execute_unprepared(&format!("UPDATE {table} SET {change} WHERE id = {id}"))
        .await
        .expect("the other writer's change");
    txn.commit().await.expect("commit");
    let body = tokio::time::timeout(Duration::from_secs(10), request)
        .await
        .expect("the server answers once the lock is released")
        .expect("the request task");
    blocker.close().await.ok();
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL only (SQLite has no row locks to hold the server between its read and its write); the PostgreSQL pass runs it with --include-ignored"]
async fn postgres_a_lost_race_is_replayed_when_the_same_and_a_conflict_when_not() {
    assert!(
        crate::harness::is_postgres(),
        "PostgreSQL only: run it with TEST_DATABASE_URL=postgres://… (the PostgreSQL pass does)"
    );
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let county = token(Role::Recipient, None, Some("533301"));
    // Transfers 1, 3 and 5 went to Lushui (533301).

    // Resolving a dispute that someone else resolved meanwhile: the caller gets it resolved,
    // and the server writes and audits nothing of its own.
    let (id, n) = open_dispute(&app, &county, "only part arrived", w.transfers[1]).await;
    let resolve = json!({ "input": { "disputeId": id, "resolution": "accepted" } });
    let before = audited(&app.db, "resolveDispute").await;
    let body = race(
        &app,
        &county,
        RESOLVE,
        resolve,
        "disputes",
        n,
        "status = 'RESOLVED', resolution = 'settled by phone', open_key = NULL",
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let d = &body["data"]["resolveDispute"]["dispute"];
    assert_eq!(d["status"], "RESOLVED", "{body}");
    assert_eq!(
        d["resolution"], "settled by phone",
        "the row as it is: {body}"
    );
    assert_eq!(audited(&app.db, "resolveDispute").await, before);

    // Answering a dispute that was answered differently meanwhile: CONFLICT, and the other
    // answer stands.
    let (id, n) = open_dispute(&app, &county, "nothing arrived", w.transfers[3]).await;
    let answer = json!({ "input": { "disputeId": id, "answer": "sent on the 5th" } });
    let before = audited(&app.db, "answerDispute").await;
    let body = race(
        &app,
        &helper,
        ANSWER,
        answer.clone(),
        "disputes",
        n,
        "status = 'ANSWERED', answer = 'another answer'",
    )
    .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert_eq!(audited(&app.db, "answerDispute").await, before);
    let stored = entity::dispute::Entity::find_by_id(n)
        .one(&app.db)
        .await
        .expect("read")
        .expect("the dispute");
    assert_eq!(stored.answer.as_deref(), Some("another answer"));

    // The same answer made meanwhile: replayed.
    let (id, n) = open_dispute(&app, &county, "late", w.transfers[5]).await;
    let answer = json!({ "input": { "disputeId": id, "answer": "sent on the 5th" } });
    let body = race(
        &app,
        &helper,
        ANSWER,
        answer,
        "disputes",
        n,
        "status = 'ANSWERED', answer = 'sent on the 5th'",
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["answerDispute"]["dispute"]["status"],
        "ANSWERED"
    );
    assert_eq!(audited(&app.db, "answerDispute").await, before);

    // A deal disputed while its county's confirmation waited: a state change without a replay
    // rule is a CONFLICT.
    let xiangyun = token(Role::Recipient, None, Some("532923"));
    let record = json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
        "originCountyCode": "532923", "buyer": "上海机关食堂", "product": "祥云蔬菜",
        "kind": "PURCHASED", "amount": "100.00", "dealOn": "2019-06-01",
        "idempotencyKey": "race-deal" } });
    let body = app.gql_as(Some(&helper), RECORD_DEAL, record).await;
    let deal = body["data"]["recordProduceDeal"]["produceDeal"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let confirm = json!({ "input": { "produceDealId": deal, "confirmedOn": "2019-06-30" } });
    let before = audited(&app.db, "confirmProduceDeal").await;
    let body = race(
        &app,
        &xiangyun,
        CONFIRM_DEAL,
        confirm,
        "produce_deals",
        id_of(&deal),
        "status = 'DISPUTED'",
    )
    .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert_eq!(audited(&app.db, "confirmProduceDeal").await, before);
}
