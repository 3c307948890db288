//! A recipient's scope below the county, over HTTP: a township's token reaches its own township
//! and the villages in it, not a sibling township whose code shares its leading digits.
use crate::fixtures::{d, region, transfer, world};
use crate::harness::{TestApp, error_code, token};
use crate::writes::gid;
use entity::enums::{FundCategory, RegionLevel, TransferStatus, Zone};
use pairing_api::auth::Role;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

const CONFIRM: &str = "mutation($input: ConfirmFundReceiptInput!) {
  confirmFundReceipt(input: $input) { fundTransfer { status receivedOn } }
}";

fn confirm(transfer_id: i64) -> Value {
    json!({ "input": {
        "fundTransferId": gid("FundTransfer", transfer_id),
        "receivedOn": "2019-03-05",
    }})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_recipient_cannot_confirm_receipt_for_a_sibling_township() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    // Two townships of 泸水 (533301) whose codes share the digits `5333012`, and a village of the
    // first (the reference data stops at counties; the names are made up).
    let (west, yunnan) = (Zone::West, Some(w.yunnan));
    let own = region(
        &app.db,
        "533301200",
        "甲乡",
        RegionLevel::Township,
        west,
        Some(w.lushui),
        yunnan,
        false,
    )
    .await;
    let sibling = region(
        &app.db,
        "533301201",
        "乙乡",
        RegionLevel::Township,
        west,
        Some(w.lushui),
        yunnan,
        false,
    )
    .await;
    let village = region(
        &app.db,
        "533301200001",
        "甲村",
        RegionLevel::Village,
        west,
        Some(own),
        yunnan,
        false,
    )
    .await;
    let mut allocated = Vec::new();
    for (n, recipient) in [sibling, village].into_iter().enumerate() {
        allocated.push(
            transfer(
                &app.db,
                &format!("SH-YN-2019-T{n}"),
                w.sh_yn,
                w.sh_gov,
                recipient,
                w.yunnan,
                FundCategory::FiscalAid,
                500_000 * 100, // fen
                TransferStatus::Allocated,
                2019,
                Some(d(2019, 3, 1)),
                None,
                None,
                None,
            )
            .await,
        );
    }
    let (to_sibling, to_village) = (allocated[0], allocated[1]);
    let township = token(Role::Recipient, None, Some("533301200"));

    let body = app
        .gql_as(Some(&township), CONFIRM, confirm(to_sibling))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let stored = entity::fund_transfer::Entity::find_by_id(to_sibling)
        .one(&app.db)
        .await
        .expect("read the transfer")
        .expect("the transfer exists");
    assert_eq!(stored.status, TransferStatus::Allocated);
    assert_eq!(stored.received_on, None);

    // The township's own village is within its scope.
    let body = app
        .gql_as(Some(&township), CONFIRM, confirm(to_village))
        .await;
    assert_eq!(
        body["data"]["confirmFundReceipt"]["fundTransfer"]["status"], "RECEIVED",
        "{body}"
    );

    // The sibling township confirms its own transfer.
    let sibling_token = token(Role::Recipient, None, Some("533301201"));
    let body = app
        .gql_as(Some(&sibling_token), CONFIRM, confirm(to_sibling))
        .await;
    assert_eq!(
        body["data"]["confirmFundReceipt"]["fundTransfer"]["status"], "RECEIVED",
        "{body}"
    );
}
