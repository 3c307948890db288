use super::types::{
    CreatePairingAgreementInput, EndPairingAgreementInput, PairingAgreement,
    PairingAgreementPayload,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct PairingMutation;

#[Object]
impl PairingMutation {
    /// The national office pairs a helper organization with a recipient region (ADMIN).
    async fn create_pairing_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pairing.")] input: CreatePairingAgreementInput,
    ) -> Result<PairingAgreementPayload> {
        let m = super::service::create(&Writer::from_ctx(ctx), input).await?;
        Ok(PairingAgreementPayload {
            pairing_agreement: PairingAgreement::from(m),
        })
    }

    /// The national office ends a pairing: ACTIVE → ENDED (ADMIN).
    async fn end_pairing_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pairing and its last year.")] input: EndPairingAgreementInput,
    ) -> Result<PairingAgreementPayload> {
        let m = super::service::end(&Writer::from_ctx(ctx), input).await?;
        Ok(PairingAgreementPayload {
            pairing_agreement: PairingAgreement::from(m),
        })
    }
}
