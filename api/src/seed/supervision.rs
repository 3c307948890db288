//! Demo supervision data, derived from the generated rows (deterministic, no randomness): the
//! project library's plans, completions, targets and publicity; the announcements of publicized
//! transfers; spending from some of them. Prompt counties publicize and spend, others publicize
//! late or leave funds idle, and projects still under way past their plan are overdue, so every
//! supervision finding shows on the demo.
use chrono::{Datelike, Duration};
use entity::enums::{ProjectStatus, PublicityChannel, TransferStatus};
use entity::{announcement, expenditure, fund_transfer, project, project_target};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryOrder, Set,
};

const CHANNELS: [PublicityChannel; 3] = [
    PublicityChannel::CountyWebsite,
    PublicityChannel::VillageNoticeBoard,
    PublicityChannel::TownshipNoticeBoard,
];

/// Writes the supervision data into the demo's transaction (after the generated rows).
pub async fn seed<C: ConnectionTrait>(c: &C) -> Result<(), DbErr> {
    let projects = project::Entity::find()
        .order_by_asc(project::Column::Id)
        .all(c)
        .await?;
    let mut announcements = Vec::new();
    let mut targets = Vec::new();
    for p in &projects {
        let start = p.created_at.date_naive();
        // Six months to eighteen months of work.
        let end = start + Duration::days(180 + (p.id % 5) * 90);
        let completed =
            (p.status == ProjectStatus::Completed).then(|| end - Duration::days((p.id % 3) * 30));
        // Every fourth project was never publicized.
        let publicized = (p.id % 4 != 3).then(|| start + Duration::days(10));
        let mut am = p.clone().into_active_model();
        am.library_year = Set(Some(start.year()));
        am.planned_start = Set(Some(start));
        am.planned_end = Set(Some(end));
        am.completed_on = Set(completed);
        am.publicized_on = Set(publicized);
        am.update(c).await?;
        if let Some(day) = publicized {
            announcements.push(announcement::Model {
                id: 0,
                fund_transfer_id: None,
                project_id: Some(p.id),
                region_id: p.county_id,
                year: day.year(),
                period_start: day,
                period_end: day + Duration::days(14),
                channel: CHANNELS[(p.id % 3) as usize],
                document_ref: format!("项目公示〔{}〕{}号", day.year(), p.id),
                supersedes_id: None,
                published_by: "demo".into(),
                idempotency_key: None,
                request_hash: None,
                created_at: p.created_at + Duration::days(10),
            });
        }
        let (indicator, unit, per_million) = match p.sector.as_str() {
            "infrastructure" => ("道路里程", "km", 50),
            "industry" => ("带动就业人数", "人", 2_000),
            "education" => ("受益学生", "人", 1_500),
            "health" => ("受益群众", "人", 5_000),
            "water" => ("解决饮水人口", "人", 4_000),
            _ => ("改善住房户数", "户", 300),
        };
        // Per million yuan of budget, in hundredths of the unit.
        let target = (p.budget_fen / 100_000_000).max(1) * per_million;
        let achieved = match p.status {
            ProjectStatus::Completed => Some(target),
            ProjectStatus::InProgress => Some(target / 2),
            _ => None,
        };
        targets.push(project_target::Model {
            id: 0,
            project_id: p.id,
            indicator: indicator.into(),
            unit: unit.into(),
            target_centi: target,
            achieved_centi: achieved,
        });
        if let Some(beneficiaries) = p.beneficiaries {
            targets.push(project_target::Model {
                id: 0,
                project_id: p.id,
                indicator: "受益人口".into(),
                unit: "人".into(),
                target_centi: i64::from(beneficiaries) * 100,
                achieved_centi: achieved.map(|_| i64::from(beneficiaries) * 100),
            });
        }
    }
    let by_id: std::collections::HashMap<i64, &project::Model> =
        projects.iter().map(|p| (p.id, p)).collect();

    let transfers = fund_transfer::Entity::find()
        .order_by_asc(fund_transfer::Column::Id)
        .all(c)
        .await?;
    let mut spending = Vec::new();
    for t in transfers
        .iter()
        .filter(|t| t.status == TransferStatus::Received)
    {
        let (Some(day), Some(received)) = (t.publicized_on, t.received_on) else {
            // Not publicized: neither announced nor spent (the late counties).
            continue;
        };
        announcements.push(announcement::Model {
            id: 0,
            fund_transfer_id: Some(t.id),
            project_id: None,
            region_id: t.recipient_id,
            year: day.year(),
            period_start: day,
            period_end: day + Duration::days(14),
            channel: CHANNELS[(t.id % 3) as usize],
            document_ref: format!("资金公示〔{}〕{}号", day.year(), t.id),
            supersedes_id: None,
            published_by: "demo".into(),
            idempotency_key: None,
            request_hash: None,
            created_at: t.created_at,
        });
        // Spending on the transfer's project: all of it, two fifths, or nothing yet (idle).
        let Some(p) = t.project_id.and_then(|id| by_id.get(&id)) else {
            continue;
        };
        let parts: &[(i64, i64)] = match t.id % 3 {
            0 => &[(1, 2), (1, 2)],
            1 => &[(2, 5)],
            _ => &[],
        };
        let mut left = t.amount_fen;
        for (n, (num, den)) in parts.iter().enumerate() {
            let amount = if n + 1 == parts.len() && *num * 2 == *den {
                left
            } else {
                t.amount_fen * num / den
            };
            left -= amount;
            let on = received + Duration::days(20 + 30 * n as i64);
            spending.push(expenditure::Model {
                id: 0,
                project_id: p.id,
                fund_transfer_id: t.id,
                amount_fen: amount,
                spent_on: on,
                purpose: format!("{}：工程款（第{}笔）", p.name, n + 1),
                voucher_ref: format!("记-{}-{}-{}", on.year(), t.id, n + 1),
                recorded_by: "demo".into(),
                idempotency_key: None,
                request_hash: None,
                created_at: t.created_at,
            });
        }
    }
    super::insert_new::<announcement::Entity, _, _>(c, announcements).await?;
    super::insert_new::<expenditure::Entity, _, _>(c, spending).await?;
    super::insert_new::<project_target::Entity, _, _>(c, targets).await?;
    Ok(())
}
