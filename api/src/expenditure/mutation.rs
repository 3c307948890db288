use super::types::{Expenditure, ExpenditurePayload, RecordExpenditureInput};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct ExpenditureMutation;

#[Object]
impl ExpenditureMutation {
    /// The county records money spent on a project from a received transfer (idempotent with a
    /// key). Never more than what the transfer brought.
    async fn record_expenditure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The expenditure.")] input: RecordExpenditureInput,
    ) -> Result<ExpenditurePayload> {
        let m = super::service::record(&Writer::from_ctx(ctx), input).await?;
        Ok(ExpenditurePayload {
            expenditure: Expenditure::from(m),
        })
    }
}
