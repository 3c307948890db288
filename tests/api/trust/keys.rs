//! Item 2: reference numbers and idempotency keys are unique per helper. One helper cannot take
//! another's number or key first, and a CONFLICT tells nothing about another helper's keys.
use super::{code, ok};
use crate::fixtures::{World, world};
use crate::harness::{TestApp, TestDatabase, token};
use crate::writes::gid;
use migration::{Migrator, MigratorTrait};
use pairing_api::auth::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::{Value, json};

const RECORD: &str = "mutation($input: RecordFundTransferInput!) {
  recordFundTransfer(input: $input) { fundTransfer { id referenceNo amount } }
}";

/// Shanghai's transfer to Yunnan, or Guangdong's to Guangxi, with the given number and key.
fn input(w: &World, shanghai: bool, reference: &str, key: &str, amount: &str) -> Value {
    let (pairing, recipient) = if shanghai {
        (w.sh_yn, "532923")
    } else {
        (w.gd_gx, "451228")
    };
    json!({ "input": {
        "pairingAgreementId": gid("PairingAgreement", pairing),
        "referenceNo": reference,
        "recipientCode": recipient,
        "category": "FISCAL_AID",
        "amount": amount,
        "year": 2020,
        "allocatedOn": "2020-03-01",
        "idempotencyKey": key,
    }})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_helpers_may_use_the_same_key_and_reference_number() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let shanghai = token(Role::Helper, Some("310000"), None);
    let guangdong = token(Role::Helper, Some("440000"), None);
    // Guangdong takes Shanghai's next number and key first, with a different payload.
    let first = app
        .gql_as(
            Some(&guangdong),
            RECORD,
            input(&w, false, "SH-YN-2020-001", "sh-key-1", "10.00"),
        )
        .await;
    let gd = ok(&first)["recordFundTransfer"]["fundTransfer"].clone();
    // Shanghai's own write still succeeds, and its retry returns its own transfer.
    let sh_input = input(&w, true, "SH-YN-2020-001", "sh-key-1", "500.00");
    let body = app.gql_as(Some(&shanghai), RECORD, sh_input.clone()).await;
    let sh = ok(&body)["recordFundTransfer"]["fundTransfer"].clone();
    assert_ne!(sh["id"], gd["id"]);
    assert_eq!(sh["amount"], "500.00");
    let retry = app.gql_as(Some(&shanghai), RECORD, sh_input).await;
    assert_eq!(ok(&retry)["recordFundTransfer"]["fundTransfer"], sh);
    // Guangdong's retry still finds its own.
    let retry = app
        .gql_as(
            Some(&guangdong),
            RECORD,
            input(&w, false, "SH-YN-2020-001", "sh-key-1", "10.00"),
        )
        .await;
    assert_eq!(ok(&retry)["recordFundTransfer"]["fundTransfer"], gd);
    // Within one helper both stay unique: a reused key or number is a CONFLICT.
    let reused_key = app
        .gql_as(
            Some(&shanghai),
            RECORD,
            input(&w, true, "SH-YN-2020-002", "sh-key-1", "7.00"),
        )
        .await;
    assert_eq!(code(&reused_key), "CONFLICT", "{reused_key}");
    let reused_number = app
        .gql_as(
            Some(&shanghai),
            RECORD,
            input(&w, true, "SH-YN-2020-001", "sh-key-2", "7.00"),
        )
        .await;
    assert_eq!(code(&reused_number), "CONFLICT", "{reused_number}");
    // A key only another helper used is no CONFLICT for this one: nothing about it shows.
    let body = app
        .gql_as(
            Some(&shanghai),
            RECORD,
            input(&w, true, "SH-YN-2020-003", "gd-only", "8.00"),
        )
        .await;
    ok(&body);
    let body = app
        .gql_as(
            Some(&guangdong),
            RECORD,
            input(&w, false, "GD-GX-2020-003", "gd-only", "9.00"),
        )
        .await;
    ok(&body);
    let rows = entity::fund_transfer::Entity::find()
        .filter(entity::fund_transfer::Column::IdempotencyKey.is_not_null())
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(rows, 4);
}

/// The migration keeps the rows recorded before it, and from then on allows the same number to
/// two helpers only.
#[test]
fn the_migration_keeps_existing_transfers() {
    let database = TestDatabase::create();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let url = pairing_api::db::normalize_url(&database.url);
        let db = sea_orm::Database::connect(&url).await.expect("connect");
        // The schema as it stood before the migration, with data in it.
        let before = Migrator::get_pending_migrations(&db)
            .await
            .expect("pending")
            .len();
        Migrator::up(&db, Some(u32::try_from(before - 1).expect("a count")))
            .await
            .expect("earlier migrations");
        let w = world(&db).await;
        use entity::fund_transfer::{Column, Entity};
        let rows = |db| async move {
            // Only the columns every version of the table has.
            let mut all: Vec<(i64, String, i64)> = Entity::find()
                .select_only()
                .columns([Column::Id, Column::ReferenceNo, Column::AmountFen])
                .into_tuple()
                .all(db)
                .await
                .expect("transfers");
            all.sort();
            all
        };
        let kept = rows(&db).await;
        assert!(!kept.is_empty());
        Migrator::up(&db, None).await.expect("the migration");
        assert_eq!(rows(&db).await, kept, "every transfer kept as it was");
        // Another helper may now use an existing number; the same helper may not.
        let existing = Entity::find()
            .filter(Column::HelperId.eq(w.sh_gov))
            .one(&db)
            .await
            .expect("query")
            .expect("a Shanghai transfer");
        let copy = |helper: i64, pairing: i64| {
            let mut t: entity::fund_transfer::ActiveModel = existing.clone().into();
            t.id = sea_orm::ActiveValue::NotSet;
            t.helper_id = Set(helper);
            t.pairing_id = Set(pairing);
            t
        };
        let other = copy(w.gd_gov, w.gd_gx).insert(&db).await.expect("insert");
        assert!(other.id > kept.iter().map(|r| r.0).max().expect("ids"));
        let same = copy(w.sh_gov, w.sh_yn).insert(&db).await;
        assert!(same.is_err(), "a number is still unique per helper");
        db.close().await.ok();
    });
}
