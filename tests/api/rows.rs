//! Rows decoded by position (the read path) equal the ORM's decoding by column name, for every
//! table, NULLs and all.
use crate::harness::TestApp;
use entity::row::FromRow;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryOrder, QuerySelect, QueryTrait,
};
use std::fmt::Debug;

async fn decodes_alike<E>(db: &DatabaseConnection, id: E::Column) -> usize
where
    E: EntityTrait,
    E::Model: FromRow + PartialEq + Debug,
{
    let select = || E::find().order_by_asc(id).limit(20_000);
    let by_name = select().all(db).await.expect("decode by name");
    let rows = db
        .query_all_raw(select().build(db.get_database_backend()))
        .await
        .expect("query");
    let by_position: Vec<E::Model> = rows
        .iter()
        .map(|r| E::Model::from_row(r).expect("decode by position"))
        .collect();
    assert_eq!(by_name, by_position, "{}", E::default().table_name());
    // A whole result: types checked on its first row only.
    let result: Vec<E::Model> = entity::row::from_rows(&rows).expect("decode a result");
    assert_eq!(by_name, result, "{}", E::default().table_name());
    by_name.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positional_decoding_matches_the_orm_for_every_table() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let db = &app.db;
    // The demo writes no audit trail: one event with every optional column set, one with none.
    let now = chrono::Utc::now();
    for (before, request_id) in [
        (Some("{\"a\":1}".to_string()), Some("req-1".to_string())),
        (None, None),
    ] {
        entity::audit_event::ActiveModel {
            actor: Set("tester".into()),
            role: Set("ADMIN".into()),
            action: Set("test".into()),
            entity: Set("FundTransfer".into()),
            entity_id: Set(1),
            before: Set(before.clone()),
            after: Set(before),
            request_id: Set(request_id),
            occurred_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("audit event");
    }

    use entity::*;
    let counts = [
        decodes_alike::<audit_event::Entity>(db, audit_event::Column::Id).await,
        decodes_alike::<commitment::Entity>(db, commitment::Column::Id).await,
        decodes_alike::<fund_transfer::Entity>(db, fund_transfer::Column::Id).await,
        decodes_alike::<letter_revision::Entity>(db, letter_revision::Column::Id).await,
        decodes_alike::<organization::Entity>(db, organization::Column::Id).await,
        decodes_alike::<pairing_agreement::Entity>(db, pairing_agreement::Column::Id).await,
        decodes_alike::<personnel_dispatch::Entity>(db, personnel_dispatch::Column::Id).await,
        decodes_alike::<progress_report::Entity>(db, progress_report::Column::Id).await,
        decodes_alike::<project::Entity>(db, project::Column::Id).await,
        decodes_alike::<region::Entity>(db, region::Column::Id).await,
        decodes_alike::<responsibility_letter::Entity>(db, responsibility_letter::Column::Id).await,
    ];
    assert!(
        counts.iter().all(|n| *n > 0),
        "every table holds rows: {counts:?}"
    );
}
