use super::types::{
    CorrectProgressReportInput, ProgressReport, ProgressReportPayload, ReportProgressInput,
    VerifyProgressReportInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct ProgressMutation;

#[Object]
impl ProgressMutation {
    /// A helper reports a quarter's figure for an indicator of its pairing.
    async fn report_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report.")] input: ReportProgressInput,
    ) -> Result<ProgressReportPayload> {
        let m = super::service::report(&Writer::from_ctx(ctx), input).await?;
        Ok(ProgressReportPayload {
            progress_report: ProgressReport(m),
        })
    }

    /// The helper corrects a report until it is verified: the figure becomes a new version and
    /// the earlier ones are kept (`versions`). Retrying the same correction answers as the first
    /// did; a stale `version` or a verified report is a CONFLICT.
    async fn correct_progress_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The correction.")] input: CorrectProgressReportInput,
    ) -> Result<ProgressReportPayload> {
        let m = super::service::correct(&Writer::from_ctx(ctx), input).await?;
        Ok(ProgressReportPayload {
            progress_report: ProgressReport(m),
        })
    }

    /// The recipient verifies a report: it then counts as verified progress.
    async fn verify_progress_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report.")] input: VerifyProgressReportInput,
    ) -> Result<ProgressReportPayload> {
        let m = super::service::verify(&Writer::from_ctx(ctx), input).await?;
        Ok(ProgressReportPayload {
            progress_report: ProgressReport(m),
        })
    }
}
