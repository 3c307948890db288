use super::types::{
    ConfirmPersonnelArrivalInput, DispatchPersonnelInput, PersonnelDispatch,
    PersonnelDispatchPayload, RecordPersonnelReturnInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct PersonnelMutation;

fn payload(m: entity::personnel_dispatch::Model) -> PersonnelDispatchPayload {
    PersonnelDispatchPayload {
        personnel_dispatch: PersonnelDispatch(m),
    }
}

#[Object]
impl PersonnelMutation {
    /// A helper dispatches a cadre or technician under one of its pairings.
    async fn dispatch_personnel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dispatch.")] input: DispatchPersonnelInput,
    ) -> Result<PersonnelDispatchPayload> {
        Ok(payload(
            super::service::dispatch(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The recipient confirms arrival: DISPATCHED → IN_POST.
    async fn confirm_personnel_arrival(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dispatch and date.")] input: ConfirmPersonnelArrivalInput,
    ) -> Result<PersonnelDispatchPayload> {
        Ok(payload(
            super::service::confirm_arrival(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The helper records the end of the assignment: IN_POST → RETURNED.
    async fn record_personnel_return(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dispatch and date.")] input: RecordPersonnelReturnInput,
    ) -> Result<PersonnelDispatchPayload> {
        Ok(payload(
            super::service::record_return(&Writer::from_ctx(ctx), input).await?,
        ))
    }
}
