use super::types::{
    AmendResponsibilityLetterInput, ResponsibilityLetter, ResponsibilityLetterPayload,
    ReturnResponsibilityLetterInput, SignResponsibilityLetterInput,
    SubmitResponsibilityLetterInput, WithdrawResponsibilityLetterInput,
};
use crate::write::Writer;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct LetterMutation;

fn payload(m: entity::responsibility_letter::Model) -> ResponsibilityLetterPayload {
    ResponsibilityLetterPayload {
        responsibility_letter: ResponsibilityLetter(m),
    }
}

#[Object]
impl LetterMutation {
    /// A helper submits (or drafts) the year's responsibility letter for one of its pairings.
    async fn submit_responsibility_letter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The letter.")] input: SubmitResponsibilityLetterInput,
    ) -> Result<ResponsibilityLetterPayload> {
        Ok(payload(
            super::service::submit(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// A helper replaces the commitments of its unsigned letter, with a rationale; the previous
    /// set is kept in `revisions`.
    async fn amend_responsibility_letter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The amendment.")] input: AmendResponsibilityLetterInput,
    ) -> Result<ResponsibilityLetterPayload> {
        Ok(payload(
            super::service::amend(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// A helper withdraws its unsigned letter.
    async fn withdraw_responsibility_letter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The letter and version.")] input: WithdrawResponsibilityLetterInput,
    ) -> Result<ResponsibilityLetterPayload> {
        Ok(payload(
            super::service::withdraw(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The national office signs a submitted letter: it comes into force and becomes public.
    async fn sign_responsibility_letter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The letter and version.")] input: SignResponsibilityLetterInput,
    ) -> Result<ResponsibilityLetterPayload> {
        Ok(payload(
            super::service::sign(&Writer::from_ctx(ctx), input).await?,
        ))
    }

    /// The national office returns a submitted letter to its helper for revision.
    async fn return_responsibility_letter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The letter, version and reason.")] input: ReturnResponsibilityLetterInput,
    ) -> Result<ResponsibilityLetterPayload> {
        Ok(payload(
            super::service::return_letter(&Writer::from_ctx(ctx), input).await?,
        ))
    }
}
