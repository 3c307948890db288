use super::types::{
    CloseInspectionFindingInput, InspectionFinding, InspectionFindingPayload,
    OpenInspectionFindingInput, ReopenInspectionFindingInput, ReportRectificationInput,
    StartRectificationInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct InspectionMutation;

fn payload(m: entity::inspection_finding::Model) -> InspectionFindingPayload {
    InspectionFindingPayload {
        inspection_finding: InspectionFinding::from(m),
    }
}

#[Object]
impl InspectionMutation {
    /// An inspector (or ADMIN) records a finding: OPEN (idempotent with a key).
    async fn open_inspection_finding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The finding.")] input: OpenInspectionFindingInput,
    ) -> Result<InspectionFindingPayload> {
        Ok(payload(
            super::service::open(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The responsible side starts rectifying, with its plan: OPEN or REOPENED → RECTIFYING.
    async fn start_rectification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The finding and the plan.")] input: StartRectificationInput,
    ) -> Result<InspectionFindingPayload> {
        Ok(payload(
            super::service::start_rectification(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The responsible side reports the rectification with evidence: RECTIFYING → RECTIFIED.
    async fn report_rectification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The finding, the evidence and the date.")]
        input: ReportRectificationInput,
    ) -> Result<InspectionFindingPayload> {
        Ok(payload(
            super::service::report_rectification(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// An inspector (or ADMIN) accepts the rectification: RECTIFIED → CLOSED.
    async fn close_inspection_finding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The finding and the date.")] input: CloseInspectionFindingInput,
    ) -> Result<InspectionFindingPayload> {
        Ok(payload(
            super::service::close(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// An inspector (or ADMIN) does not accept the rectification, or finds the problem again:
    /// RECTIFIED or CLOSED → REOPENED.
    async fn reopen_inspection_finding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The finding and the reason.")] input: ReopenInspectionFindingInput,
    ) -> Result<InspectionFindingPayload> {
        Ok(payload(
            super::service::reopen(&Writer::from_ctx(ctx), input).await?,
        ))
    }
}
