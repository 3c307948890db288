//! `firstQuarterAllocation.share` has one basis: the pairings with a signed letter of the year,
//! for what was committed and for what was allocated.
use super::*;
use crate::fixtures::{d, transfer, world};
use crate::harness::TestApp;
use entity::enums::{FundCategory, LetterStatus, TransferStatus};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_quarter_share_counts_the_transfers_of_signed_letters_only() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    // Shanghai's 2020 letter is a draft; it allocates 30,000,000.00 yuan in February anyway.
    transfer(
        &app.db,
        "SH-YN-2020-Q1",
        w.sh_yn,
        w.sh_gov,
        w.xiangyun,
        w.yunnan,
        FundCategory::FiscalAid,
        3_000_000_000, // fen
        TransferStatus::Allocated,
        2020,
        Some(d(2020, 2, 1)),
        None,
        None,
        None,
    )
    .await;
    let q = "{ firstQuarterAllocation(year: 2020) { helper { code } committed allocatedByMarch31 allocatedInYear share } }";
    let shanghai = |body: &Value| {
        ok(body)["firstQuarterAllocation"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["helper"]["code"] == "310000")
            .cloned()
    };
    let body = app.gql(q, json!({})).await;
    assert_eq!(shanghai(&body), None, "unsigned: nothing counts {body}");

    // Signed, its target (120,000,000.00 yuan) and the transfer count together.
    let letter = entity::responsibility_letter::Entity::find_by_id(w.letter_2020)
        .one(&app.db)
        .await
        .expect("read")
        .expect("letter");
    let mut am = letter.into_active_model();
    am.status = Set(LetterStatus::Signed);
    am.update(&app.db).await.expect("sign");
    let body = app.gql(q, json!({})).await;
    let row = shanghai(&body).unwrap_or_else(|| panic!("{body}"));
    assert_eq!(row["committed"], "120000000.00");
    assert_eq!(row["allocatedByMarch31"], "30000000.00");
    assert_eq!(row["share"], 0.25);
}
