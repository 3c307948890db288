//! Verified delivery beyond money: inspection findings and their rectification.
mod disputes;
mod indicators;
mod inspection;
mod labor;
mod produce;
mod races;
mod readme;

use entity::enums::{
    DealKind, DealStatus, FindingSeverity, FindingSource, FindingStatus, PlacementStatus,
};
use sea_orm::{ActiveModelTrait, DatabaseConnection, NotSet, Set};

/// A finding in `status` against `county`, `org` responsible (none: the county itself), found on
/// 2020-01-01, due on 2020-06-30, rectified (when it is) on 2020-03-01.
pub async fn finding(
    db: &DatabaseConnection,
    county: i64,
    province: i64,
    org: Option<i64>,
    status: FindingStatus,
) -> i64 {
    let d = crate::fixtures::d;
    let rectified = matches!(status, FindingStatus::Rectified | FindingStatus::Closed);
    entity::inspection_finding::ActiveModel {
        id: NotSet,
        source: Set(FindingSource::SpotCheck),
        severity: Set(FindingSeverity::Minor),
        status: Set(status),
        region_id: Set(county),
        province_id: Set(province),
        pairing_id: Set(None),
        record_kind: Set(None),
        record_id: Set(None),
        responsible_org_id: Set(org),
        description: Set("fixture".into()),
        found_on: Set(d(2020, 1, 1)),
        due_on: Set(d(2020, 6, 30)),
        opened_by: Set("fixture".into()),
        rectification_plan: Set(None),
        rectification_evidence: Set(rectified.then(|| "fixture".into())),
        rectified_on: Set(rectified.then(|| d(2020, 3, 1))),
        closed_on: Set((status == FindingStatus::Closed).then(|| d(2020, 4, 1))),
        reopened: Set(0),
        idempotency_key: Set(None),
        request_hash: Set(None),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await
    .expect("insert finding")
    .id
}

/// A RECORDED deal of 1,000.00 yuan from `county` under `pairing`, made on 2019-06-01.
pub async fn deal(
    db: &DatabaseConnection,
    pairing: i64,
    helper: i64,
    county: i64,
    province: i64,
) -> i64 {
    entity::produce_deal::ActiveModel {
        id: NotSet,
        pairing_id: Set(pairing),
        helper_id: Set(helper),
        origin_county_id: Set(county),
        origin_province_id: Set(province),
        kind: Set(DealKind::Purchased),
        buyer: Set("fixture".into()),
        product: Set("tea".into()),
        amount_fen: Set(100_000),
        deal_on: Set(crate::fixtures::d(2019, 6, 1)),
        year: Set(2019),
        evidence_ref: Set(None),
        status: Set(DealStatus::Recorded),
        confirmed_on: Set(None),
        dispute_reason: Set(None),
        idempotency_key: Set(None),
        request_hash: Set(None),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await
    .expect("insert deal")
    .id
}

/// A RECORDED placement of 10 people from `county` into `destination`, started 2019-03-01.
pub async fn placement(
    db: &DatabaseConnection,
    pairing: i64,
    helper: i64,
    county: i64,
    province: i64,
    destination: i64,
) -> i64 {
    entity::labor_placement::ActiveModel {
        id: NotSet,
        pairing_id: Set(pairing),
        helper_id: Set(helper),
        origin_county_id: Set(county),
        origin_province_id: Set(province),
        destination_id: Set(destination),
        employer: Set("fixture".into()),
        people: Set(10),
        start_on: Set(crate::fixtures::d(2019, 3, 1)),
        months: Set(12),
        year: Set(2019),
        status: Set(PlacementStatus::Recorded),
        confirmed_on: Set(None),
        idempotency_key: Set(None),
        request_hash: Set(None),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await
    .expect("insert placement")
    .id
}

/// An OPEN dispute about the record `subject` of `kind`; `owner` is its pairing, helper, region
/// and province.
pub async fn dispute(
    db: &DatabaseConnection,
    kind: entity::enums::DisputeSubjectKind,
    subject: i64,
    owner: [i64; 4],
    year: i32,
) -> i64 {
    let [pairing, helper, region, province] = owner;
    entity::dispute::ActiveModel {
        id: NotSet,
        subject_kind: Set(kind),
        subject_id: Set(subject),
        pairing_id: Set(pairing),
        helper_id: Set(helper),
        region_id: Set(region),
        province_id: Set(province),
        year: Set(year),
        status: Set(entity::enums::DisputeStatus::Open),
        reason: Set("fixture".into()),
        opened_by: Set("fixture".into()),
        opened_at: Set(chrono::Utc::now()),
        answer: Set(None),
        answered_by: Set(None),
        answered_at: Set(None),
        previous_amount_fen: Set(None),
        corrected_amount_fen: Set(None),
        previous_on: Set(None),
        corrected_on: Set(None),
        resolution: Set(None),
        resolved_by: Set(None),
        resolved_at: Set(None),
        open_key: Set(Some(format!("{}:{subject}", kind.as_str()))),
    }
    .insert(db)
    .await
    .expect("insert dispute")
    .id
}
