//! Demo data of verified delivery: produce deals and labour placements in every status, and inspection findings in every
//! status against transfers of the demo, a project and listed counties. Dates are fixed, so which
//! findings are overdue is stable.
use chrono::NaiveDate;
use entity::enums::{
    DealKind, DealStatus, FindingRecordKind, FindingSeverity, FindingSource, FindingStatus,
    PlacementStatus, RegionLevel,
};
use entity::inspection_finding::ActiveModel;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, NotSet, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

fn day(y: i32, m: u32, d: u32) -> Result<NaiveDate, DbErr> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| DbErr::Custom(format!("{y}-{m}-{d}")))
}

/// One finding's story so far: status, and the dates and texts its steps left.
struct Story {
    source: FindingSource,
    severity: FindingSeverity,
    status: FindingStatus,
    description: &'static str,
    found: (i32, u32, u32),
    due: (i32, u32, u32),
}

const ON_TRANSFERS: [Story; 4] = [
    Story {
        source: FindingSource::SpotCheck,
        severity: FindingSeverity::Serious,
        status: FindingStatus::Open,
        description: "资金拨付凭证与到账记录金额不一致 (allocation voucher and receipt differ)",
        found: (2021, 3, 15),
        due: (2021, 6, 30),
    },
    Story {
        source: FindingSource::GeneralSurvey,
        severity: FindingSeverity::Minor,
        status: FindingStatus::Rectifying,
        description: "资金使用情况未按规定公示 (use of funds not publicized)",
        found: (2021, 4, 10),
        due: (2021, 9, 30),
    },
    Story {
        source: FindingSource::Audit,
        severity: FindingSeverity::Serious,
        status: FindingStatus::Rectified,
        description: "项目资金闲置超过一年 (funds idle for over a year)",
        found: (2021, 5, 20),
        due: (2021, 12, 31),
    },
    Story {
        source: FindingSource::SpotCheck,
        severity: FindingSeverity::Minor,
        status: FindingStatus::Closed,
        description: "到账确认日期晚于实际到账 (receipt confirmed late)",
        found: (2020, 11, 5),
        due: (2021, 2, 28),
    },
];

/// Loads the demo's deals and findings (after the records they point at), within the demo's
/// transaction.
pub async fn load<C: ConnectionTrait>(c: &C) -> Result<(), DbErr> {
    deals(c).await?;
    placements(c).await?;
    let transfers = entity::fund_transfer::Entity::find()
        .order_by_asc(entity::fund_transfer::Column::Id)
        .limit(ON_TRANSFERS.len() as u64)
        .all(c)
        .await?;
    for (t, s) in transfers.iter().zip(ON_TRANSFERS.iter()) {
        let mut f = base(s)?;
        f.region_id = Set(t.recipient_id);
        f.province_id = Set(t.recipient_province_id);
        f.pairing_id = Set(Some(t.pairing_id));
        f.record_kind = Set(Some(FindingRecordKind::FundTransfer));
        f.record_id = Set(Some(t.id));
        f.responsible_org_id = Set(Some(t.helper_id));
        f.insert(c).await?;
    }
    // A project reopened after a rectification that did not hold.
    if let Some(p) = entity::project::Entity::find()
        .order_by_asc(entity::project::Column::Id)
        .one(c)
        .await?
        && let Some(county) = entity::region::Entity::find_by_id(p.county_id)
            .one(c)
            .await?
    {
        let mut f = base(&Story {
            source: FindingSource::Complaint,
            severity: FindingSeverity::Critical,
            status: FindingStatus::Reopened,
            description: "群众反映项目建成后未投入使用 (project built but unused)",
            found: (2021, 1, 12),
            due: (2021, 7, 31),
        })?;
        f.region_id = Set(county.id);
        f.province_id = Set(county.province_id.unwrap_or(county.id));
        f.record_kind = Set(Some(FindingRecordKind::Project));
        f.record_id = Set(Some(p.id));
        f.reopened = Set(1);
        f.insert(c).await?;
    }
    // Listed counties answering for themselves: open, due well ahead.
    let listed = entity::region::Entity::find()
        .filter(
            entity::region::Column::Id.in_subquery(crate::listing::service::active_region_ids()),
        )
        .filter(entity::region::Column::Level.eq(RegionLevel::County))
        .order_by_asc(entity::region::Column::Code)
        .limit(2)
        .all(c)
        .await?;
    for county in listed {
        let mut f = base(&Story {
            source: FindingSource::GeneralSurvey,
            severity: FindingSeverity::Serious,
            status: FindingStatus::Open,
            description: "挂牌督战作战方案未按期推进 (combat plan behind schedule)",
            found: (2020, 9, 1),
            due: (2030, 6, 30),
        })?;
        f.region_id = Set(county.id);
        f.province_id = Set(county.province_id.unwrap_or(county.id));
        f.insert(c).await?;
    }
    Ok(())
}

/// A finding as its story left it, without its subject.
fn base(s: &Story) -> Result<ActiveModel, DbErr> {
    let found = day(s.found.0, s.found.1, s.found.2)?;
    let due = day(s.due.0, s.due.1, s.due.2)?;
    let past = |st: &[FindingStatus]| st.contains(&s.status);
    use FindingStatus::*;
    let started = past(&[Rectifying, Rectified, Closed, Reopened]);
    let rectified = past(&[Rectified, Closed, Reopened]);
    Ok(ActiveModel {
        id: NotSet,
        source: Set(s.source),
        severity: Set(s.severity),
        status: Set(s.status),
        region_id: NotSet,
        province_id: NotSet,
        pairing_id: Set(None),
        record_kind: Set(None),
        record_id: Set(None),
        responsible_org_id: Set(None),
        description: Set(s.description.into()),
        found_on: Set(found),
        due_on: Set(due),
        opened_by: Set("demo-inspector".into()),
        rectification_plan: Set(
            started.then(|| "整改方案：逐笔核对并补正 (check and correct each item)".into())
        ),
        rectification_evidence: Set(
            rectified.then(|| "整改报告 (rectification report) DEMO-RECT-1".into())
        ),
        rectified_on: Set(rectified.then_some(due)),
        closed_on: Set((s.status == Closed).then_some(due)),
        reopened: Set(0),
        idempotency_key: Set(None),
        request_hash: Set(None),
        created_at: Set(chrono::Utc::now()),
    })
}

/// The first transfers to counties: the demo's deals and placements come from their counties.
async fn county_transfers<C: ConnectionTrait>(
    c: &C,
) -> Result<Vec<entity::fund_transfer::Model>, DbErr> {
    use entity::fund_transfer::Column as T;
    let counties = entity::region::Entity::find()
        .filter(entity::region::Column::Level.eq(RegionLevel::County))
        .select_only()
        .column(entity::region::Column::Id);
    entity::fund_transfer::Entity::find()
        .filter(T::RecipientId.in_subquery(sea_orm::QueryTrait::into_query(counties)))
        .order_by_asc(T::Id)
        .limit(6)
        .all(c)
        .await
}

/// Produce deals from the counties the first transfers went to, one per status and kind.
async fn deals<C: ConnectionTrait>(c: &C) -> Result<(), DbErr> {
    let transfers = county_transfers(c).await?;
    let products = [
        "高山茶叶 (tea)",
        "核桃 (walnuts)",
        "牦牛肉 (yak beef)",
        "咖啡豆 (coffee)",
    ];
    let buyers = [
        "机关食堂 (canteens)",
        "工会 (trade union)",
        "东部商超 (eastern supermarkets)",
    ];
    for (i, t) in transfers.iter().enumerate() {
        let (status, confirmed, dispute) = match i % 3 {
            0 => (DealStatus::Confirmed, Some(day(t.year, 7, 1)?), None),
            1 => (DealStatus::Recorded, None, None),
            _ => (
                DealStatus::Disputed,
                None,
                Some("合同金额与县里台账不符 (amount differs from the county's ledger)".into()),
            ),
        };
        let deal = entity::produce_deal::ActiveModel {
            id: NotSet,
            pairing_id: Set(t.pairing_id),
            helper_id: Set(t.helper_id),
            origin_county_id: Set(t.recipient_id),
            origin_province_id: Set(t.recipient_province_id),
            kind: Set(if i % 2 == 0 {
                DealKind::Purchased
            } else {
                DealKind::SalesHelped
            }),
            buyer: Set(buyers[i % buyers.len()].into()),
            product: Set(products[i % products.len()].into()),
            amount_fen: Set(1_000_000 * (i as i64 + 1)),
            deal_on: Set(day(t.year, 6, 15)?),
            year: Set(t.year),
            evidence_ref: Set(Some(format!("DEMO-DEAL-{}", i + 1))),
            status: Set(status),
            confirmed_on: Set(confirmed),
            dispute_reason: Set(dispute.clone()),
            idempotency_key: Set(None),
            request_hash: Set(None),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(c)
        .await?;
        // A disputed deal has its open dispute, as `disputeProduceDeal` would have left it.
        if let Some(reason) = dispute {
            open_dispute(c, &deal, reason).await?;
        }
    }
    Ok(())
}

/// The open dispute of a demo deal the county disputed.
async fn open_dispute<C: ConnectionTrait>(
    c: &C,
    deal: &entity::produce_deal::Model,
    reason: String,
) -> Result<(), DbErr> {
    use entity::enums::{DisputeStatus, DisputeSubjectKind};
    let kind = DisputeSubjectKind::ProduceDeal;
    entity::dispute::ActiveModel {
        id: NotSet,
        subject_kind: Set(kind),
        subject_id: Set(deal.id),
        pairing_id: Set(deal.pairing_id),
        helper_id: Set(deal.helper_id),
        region_id: Set(deal.origin_county_id),
        province_id: Set(deal.origin_province_id),
        year: Set(deal.year),
        status: Set(DisputeStatus::Open),
        reason: Set(reason),
        opened_by: Set("demo-county".into()),
        opened_at: Set(day(deal.year, 7, 1)?
            .and_hms_opt(2, 0, 0)
            .ok_or_else(|| DbErr::Custom("time of day".into()))?
            .and_utc()),
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
        open_key: Set(Some(format!("{}:{}", kind.as_str(), deal.id))),
    }
    .insert(c)
    .await?;
    Ok(())
}

/// Labour placements from the same counties into the helpers' regions, confirmed and not.
async fn placements<C: ConnectionTrait>(c: &C) -> Result<(), DbErr> {
    let employers = [
        "电子厂 (electronics plant)",
        "物流园 (logistics park)",
        "服装厂 (garment factory)",
    ];
    for (i, t) in county_transfers(c).await?.iter().enumerate() {
        let helper = entity::organization::Entity::find_by_id(t.helper_id)
            .one(c)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("organization {}", t.helper_id)))?;
        let start = day(t.year, 3, 1)?;
        let confirmed = i % 2 == 0;
        entity::labor_placement::ActiveModel {
            id: NotSet,
            pairing_id: Set(t.pairing_id),
            helper_id: Set(t.helper_id),
            origin_county_id: Set(t.recipient_id),
            origin_province_id: Set(t.recipient_province_id),
            destination_id: Set(helper.region_id.unwrap_or(t.recipient_province_id)),
            employer: Set(employers[i % employers.len()].into()),
            people: Set(20 + 15 * i as i32),
            start_on: Set(start),
            months: Set(12),
            year: Set(t.year),
            status: Set(if confirmed {
                PlacementStatus::Confirmed
            } else {
                PlacementStatus::Recorded
            }),
            confirmed_on: Set(confirmed.then_some(day(t.year, 4, 1)?)),
            idempotency_key: Set(None),
            request_hash: Set(None),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(c)
        .await?;
    }
    Ok(())
}
