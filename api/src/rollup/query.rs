//! Root aggregate fields, and the entry points the letter, pairing, organization and region
//! types call for their derived figures.
use super::loader::{AssistanceKey, FamilyKey, RollupKey};
use super::service::{self, FlowDim, FlowFilter, GroupKey, RegionScope, Scope};
use super::types::{
    DataQualityFinding, DataQualityFindingConnection, DataQualityFindingFilter, FindingThresholds,
    FirstQuarterAllocation, FundFlowDimension, FundFlowFilter, FundFlowGroup, IndicatorProgress,
    ProgressGroup, ProgressGroupBy, ProgressRollup, RegionAssistance,
};
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::scalars::Date;
use crate::pairing::types::Program;
use crate::region::service::check_code;
use async_graphql::{Context, Object, Result};
use entity::enums;
use std::collections::BTreeMap;

async fn figures(
    ctx: &Context<'_>,
    scope: Scope,
    id: i64,
    year: i32,
) -> Result<BTreeMap<enums::Indicator, service::Figures>> {
    Ok(ctx
        .loader::<async_graphql::dataloader::DataLoader<crate::rollup::loader::RollupLoader>>()
        .load_one(RollupKey { scope, id, year })
        .await?
        .unwrap_or_default())
}

/// `(achieved, counted records)` of one indicator of a pairing's year, through the batching loader.
pub async fn achievement(
    ctx: &Context<'_>,
    pairing_id: i64,
    year: i32,
    indicator: enums::Indicator,
    verified_only: bool,
) -> Result<(i64, i64)> {
    let all = figures(ctx, Scope::Pairing, pairing_id, year).await?;
    let f = all.get(&indicator).copied().unwrap_or_default();
    Ok(super::types::achieved_of(&f, verified_only))
}

fn progress_of(
    year: i32,
    verified_only: bool,
    mut figures: BTreeMap<enums::Indicator, service::Figures>,
    always: &[enums::Indicator],
) -> ProgressRollup {
    for i in always {
        figures.entry(*i).or_default();
    }
    ProgressRollup {
        year,
        verified_only,
        indicators: figures
            .iter()
            .map(|(i, f)| IndicatorProgress::new(*i, f, verified_only))
            .collect(),
    }
}

/// A pairing's year: every indicator of its program, plus any other the records show.
pub async fn pairing_progress(
    ctx: &Context<'_>,
    pairing: &entity::pairing_agreement::Model,
    year: i32,
    verified_only: bool,
) -> Result<ProgressRollup> {
    service::check_year("year", year)?;
    let f = figures(ctx, Scope::Pairing, pairing.id, year).await?;
    Ok(progress_of(
        year,
        verified_only,
        f,
        enums::Indicator::for_program(pairing.program),
    ))
}

/// A helper's year over all its pairings: every indicator with a target or an achievement.
pub async fn organization_progress(
    ctx: &Context<'_>,
    organization_id: i64,
    year: i32,
    verified_only: bool,
    include_subordinates: bool,
) -> Result<ProgressRollup> {
    service::check_year("year", year)?;
    let f = if include_subordinates {
        family_figures(ctx, organization_id, year).await?
    } else {
        figures(ctx, Scope::Helper, organization_id, year).await?
    };
    Ok(progress_of(year, verified_only, f, &[]))
}

/// A helper's figures with its subordinates' (see `service::Family`), through the batching loader.
async fn family_figures(
    ctx: &Context<'_>,
    head: i64,
    year: i32,
) -> Result<BTreeMap<enums::Indicator, service::Figures>> {
    Ok(ctx
        .loader::<async_graphql::dataloader::DataLoader<crate::rollup::loader::FamilyLoader>>()
        .load_one(FamilyKey { head, year })
        .await?
        .unwrap_or_default())
}

/// What a region and the regions within it received in a year.
pub async fn region_assistance(
    ctx: &Context<'_>,
    region: &entity::region::Model,
    year: i32,
) -> Result<RegionAssistance> {
    service::check_year("year", year)?;
    let data = ctx
        .loader::<async_graphql::dataloader::DataLoader<crate::rollup::loader::AssistanceLoader>>()
        .load_one(AssistanceKey {
            region: RegionScope::of(region),
            year,
            // The look-ahead sees `spent` through fragments (and under @skip too): it may read
            // what is not shown, never show what was not read.
            spent: ctx.look_ahead().field("spent").exists(),
        })
        .await?
        .unwrap_or_default();
    Ok(RegionAssistance { year, data })
}

#[derive(Default)]
pub struct RollupQuery;

#[Object]
impl RollupQuery {
    /// National progress for a year: targets of signed letters against the records, per
    /// indicator, grouped by helper, by recipient province or by program. Public.
    async fn progress_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year of the letters and records.")] year: i32,
        #[graphql(desc = "Only pairings of this program.")] program: Option<Program>,
        #[graphql(desc = "What to group by.", default_with = "ProgressGroupBy::Helper")]
        group_by: ProgressGroupBy,
        #[graphql(
            desc = "Count only progress reports verified by the recipient.",
            default = false
        )]
        verified_only: bool,
        #[graphql(
            desc = "With `groupBy: HELPER`, each helper's group also counts the pairings of the city, county and district governments whose region lies within the helper's region (a province's cities and districts; a pairing then counts in its own helper's group and in the group of every helper above it). Target and achieved then have one basis: the pairings with a SIGNED letter of the year (the records of a pairing without one count toward nothing). BAD_USER_INPUT with another `groupBy`.",
            default = false
        )]
        include_subordinates: bool,
    ) -> Result<Vec<ProgressGroup>> {
        service::check_year("year", year)?;
        let scope = match group_by {
            ProgressGroupBy::Helper => Scope::Helper,
            ProgressGroupBy::RecipientProvince => Scope::RecipientProvince,
            ProgressGroupBy::Program => Scope::Program,
        };
        let program = program.map(Into::into);
        let rollup = if include_subordinates {
            if scope != Scope::Helper {
                return Err(AppError::bad_input(
                    "includeSubordinates",
                    "subordinates roll up into their helper's group: use groupBy: HELPER",
                )
                .into());
            }
            let families = service::helper_families(ctx.db(), program).await?;
            service::family_rollup(ctx.db(), &families, &[year], program).await?
        } else {
            service::rollup(ctx.db(), scope, &[year], None, program).await?
        };
        let mut groups: BTreeMap<GroupKey, BTreeMap<enums::Indicator, service::Figures>> =
            BTreeMap::new();
        for ((key, _, indicator), f) in rollup {
            groups.entry(key).or_default().insert(indicator, f);
        }
        Ok(groups
            .into_iter()
            .map(|(key, f)| ProgressGroup {
                key,
                by: group_by,
                rollup: progress_of(year, verified_only, f, &[]),
            })
            .collect())
    }

    /// Sums (exact to the fen) and counts of fund transfers, grouped by any of the dimensions.
    /// Without `groupBy`, one group with the grand total. Public.
    async fn fund_flows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which transfers to cover.")] filter: Option<FundFlowFilter>,
        #[graphql(desc = "The dimensions to group by, in this order.", default)] group_by: Vec<
            FundFlowDimension,
        >,
    ) -> Result<Vec<FundFlowGroup>> {
        let (flow, dims) = flow_request(filter.unwrap_or_default(), group_by)?;
        let groups = service::fund_flows(ctx.db(), &flow, &dims).await?;
        Ok(groups.into_iter().map(FundFlowGroup).collect())
    }

    /// Per helper, the share of its committed funds for the year (fund-indicator targets of its
    /// signed letters) that it allocated by 31 March, counting the transfers of the same pairings
    /// (those with a signed letter of the year) only. Ordered by helper code. Public.
    async fn first_quarter_allocation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year of the letters and transfers.")] year: i32,
        #[graphql(desc = "Only pairings of this program.")] program: Option<Program>,
    ) -> Result<Vec<FirstQuarterAllocation>> {
        service::check_year("year", year)?;
        let rows = service::first_quarter(ctx.db(), year, program.map(Into::into)).await?;
        Ok(rows.into_iter().map(FirstQuarterAllocation).collect())
    }

    /// Records of a year that look incomplete or inconsistent, judged as of a date, in a stable
    /// order (kind, then record). The time-based kinds allow the days of `thresholds` (receipt 30,
    /// publicity 30, idle funds 90 by default). Requires authentication.
    #[allow(clippy::too_many_arguments)]
    async fn data_quality_findings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year of the letters and records.")] year: i32,
        #[graphql(desc = "Judge as of this date (China Standard Time); today when omitted.")]
        as_of: Option<Date>,
        #[graphql(desc = "Narrows the list.")] filter: Option<DataQualityFindingFilter>,
        #[graphql(desc = "The days the time-based findings allow.")] thresholds: Option<
            FindingThresholds,
        >,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<DataQualityFindingConnection> {
        if !ctx.identity().is_authenticated() {
            return Err(
                AppError::Unauthenticated("data-quality findings require a token".into()).into(),
            );
        }
        service::check_year("year", year)?;
        let as_of = as_of.map(|d| d.0).unwrap_or_else(service::today);
        let mut th = service::Thresholds::default();
        if let Some(t) = thresholds {
            for (field, days) in [
                ("thresholds.receiptDays", t.receipt_days),
                ("thresholds.publicityDays", t.publicity_days),
                ("thresholds.idleDays", t.idle_days),
            ] {
                if !(0..=3650).contains(&days) {
                    return Err(AppError::bad_input(field, "0 to 3650 days").into());
                }
            }
            th = service::Thresholds {
                receipt_days: t.receipt_days.into(),
                publicity_days: t.publicity_days.into(),
                idle_days: t.idle_days.into(),
            };
        }
        let f = filter.unwrap_or_default();
        let region_pattern = match &f.region_code {
            Some(code) => {
                check_code("filter.regionCode", code)?;
                Some(service::code_prefix_pattern(code))
            }
            None => None,
        };
        let spec = service::FindingFilter {
            kinds: f.kinds.map(|ks| ks.into_iter().map(Into::into).collect()),
            region_pattern,
            helper_code: f.helper_code,
        };
        let args = crate::graphql::page_args(ctx, first, after, last, before);
        crate::connection::page_size(&args)?;
        let rows = service::findings(ctx.db(), year, as_of, th).await?;
        let rows = crate::rollup::findings::filter(ctx.db(), rows, &spec).await?;
        let page = crate::connection::page_of_keyed_list(
            rows,
            "finding.key",
            service::Finding::key,
            &args,
        )?;
        Ok(DataQualityFindingConnection::from_page(
            page,
            DataQualityFinding,
        ))
    }
}

/// A fund-flow request checked and turned into the aggregate's filter and dimensions: the
/// `fundFlows` field and the CSV export share it.
pub fn flow_request(
    f: FundFlowFilter,
    group_by: Vec<FundFlowDimension>,
) -> Result<(FlowFilter, Vec<FlowDim>), AppError> {
    for (n, d) in group_by.iter().enumerate() {
        if group_by[..n].contains(d) {
            return Err(AppError::bad_input(
                "groupBy",
                "a dimension is listed twice",
            ));
        }
    }
    for (field, y) in [
        ("filter.fromYear", f.from_year),
        ("filter.toYear", f.to_year),
    ] {
        if let Some(y) = y {
            service::check_year(field, y)?;
        }
    }
    if let Some(code) = &f.province_code {
        check_code("filter.provinceCode", code)?;
    }
    if let Some(code) = &f.recipient_code {
        check_code("filter.recipientCode", code)?;
    }
    let flow = FlowFilter {
        years: f.years,
        from_year: f.from_year,
        to_year: f.to_year,
        program: f.program.map(Into::into),
        categories: f
            .categories
            .map(|cs| cs.into_iter().map(Into::into).collect()),
        statuses: f
            .statuses
            .map(|ss| ss.into_iter().map(Into::into).collect()),
        helper_code: f.helper_code,
        province_code: f.province_code,
        recipient_code: f.recipient_code,
    };
    let dims: Vec<FlowDim> = group_by.into_iter().map(Into::into).collect();
    Ok((flow, dims))
}
