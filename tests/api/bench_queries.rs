//! The benchmark's queries (bench/queries) on a small run of the benchmark's data generator, so that
//! neither can silently break.
use crate::harness::{TestApp, token};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::enums::OrganizationKind;
use pairing_api::auth::Role;
use pairing_api::seed::scale::{ScaleOptions, load_scale};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

fn query(name: &str) -> String {
    let path = format!(
        "{}/../bench/queries/{name}.graphql",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn no_errors(name: &str, body: &Value) {
    assert!(
        body["errors"].is_null() && body["data"].is_object(),
        "{name}: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn benchmark_queries_run_on_generated_data() {
    let app = TestApp::spawn().await;
    let options = ScaleOptions {
        transfers: 3_000,
        helpers: 20,
        dispatches: 300,
        reports: 200,
    };
    let indexes = || async {
        let sql = match app.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "SELECT indexdef AS d FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname"
            }
            _ => {
                "SELECT sql AS d FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
            }
        };
        let rows = app
            .db
            .query_all_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                sql,
            ))
            .await
            .expect("indexes");
        rows.iter()
            .map(|r| r.try_get::<String>("", "d").expect("definition"))
            .collect::<Vec<_>>()
    };
    let before = indexes().await;
    let summary = load_scale(&app.db, options).await.expect("generate");
    // The load drops secondary indexes while it writes and rebuilds them: all are back.
    assert_eq!(indexes().await, before);
    assert!(before.len() > 20, "{before:?}");
    assert_eq!(summary.transfers, 3_000);
    assert_eq!(summary.pairings, 60);
    assert_eq!(summary.letters, 600);

    let first = entity::fund_transfer::Entity::find()
        .order_by_asc(entity::fund_transfer::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let province = entity::region::Entity::find_by_id(first.recipient_province_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .code;
    let pairing = entity::pairing_agreement::Entity::find_by_id(first.pairing_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let county = entity::region::Entity::find_by_id(pairing.recipient_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .code;
    let helper = entity::organization::Entity::find()
        .filter(entity::organization::Column::Kind.eq(OrganizationKind::ProvincialGovernment))
        .order_by_asc(entity::organization::Column::Code)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .code;
    let unit = entity::organization::Entity::find()
        .filter(entity::organization::Column::Kind.eq(OrganizationKind::CentralUnit))
        .order_by_asc(entity::organization::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let unit_pairing = entity::pairing_agreement::Entity::find()
        .filter(entity::pairing_agreement::Column::HelperId.eq(unit.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let unit_county = entity::region::Entity::find_by_id(unit_pairing.recipient_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .code;
    let viewer = token(Role::Viewer, None, None);

    let body = app
        .gql_as(
            Some(&viewer),
            &query("a-province-progress"),
            json!({ "code": helper, "year": 2019 }),
        )
        .await;
    no_errors("a", &body);
    assert!(
        !body["data"]["organization"]["progress"]["indicators"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{body}"
    );

    let body = app
        .gql_as(
            Some(&viewer),
            &query("b-transfer-page"),
            json!({ "province": province, "year": 2019 }),
        )
        .await;
    no_errors("b", &body);
    assert!(
        !body["data"]["fundTransfers"]["edges"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{body}"
    );

    let body = app
        .gql_as(
            Some(&viewer),
            &query("c-county-assistance"),
            json!({ "code": county, "year": 2019 }),
        )
        .await;
    no_errors("c", &body);
    assert!(
        body["data"]["region"]["assistance"]["funds"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "{body}"
    );

    let cursor = URL_SAFE_NO_PAD.encode(r#"{"o":"transfer.id","v":{"i":1500},"id":1500}"#);
    let body = app
        .gql_as(
            Some(&viewer),
            &query("d-deep-page"),
            json!({ "after": cursor }),
        )
        .await;
    no_errors("d", &body);
    assert_eq!(
        body["data"]["fundTransfers"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        100,
        "{body}"
    );

    let body = app
        .gql_as(
            Some(&viewer),
            &query("e-fund-flows"),
            json!({ "year": 2019 }),
        )
        .await;
    no_errors("e", &body);
    assert!(
        !body["data"]["fundFlows"].as_array().unwrap().is_empty(),
        "{body}"
    );

    let writer = token(Role::Helper, Some(&unit.code), None);
    let pairing_id = pairing_api::global_id::global_id(
        pairing_api::global_id::NodeKind::PairingAgreement,
        unit_pairing.id,
    );
    let input = json!({ "input": {
        "pairingAgreementId": pairing_id.as_str(), "referenceNo": "BENCH-1", "recipientCode": unit_county,
        "category": "DIRECT_INVESTMENT", "amount": "125000.00", "year": 2020, "allocatedOn": "2020-03-01",
        "idempotencyKey": "bench-1" } });
    let body = app
        .gql_as(Some(&writer), &query("f-record-transfer"), input)
        .await;
    no_errors("f", &body);
    assert_eq!(
        body["data"]["recordFundTransfer"]["fundTransfer"]["status"], "ALLOCATED",
        "{body}"
    );
}
