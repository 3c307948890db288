use super::types::{
    ResponsibilityLetter, ResponsibilityLetterConnection, ResponsibilityLetterFilter,
    ResponsibilityLetterOrder,
};
use crate::connection::PageArgs;
use crate::graphql::ContextExt;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct LetterQuery;

/// A pairing's letters that the caller may see, through the by-pairing loader.
pub async fn letters_of_pairing(
    ctx: &Context<'_>,
    pairing_id: i64,
    year: Option<i32>,
) -> Result<Vec<ResponsibilityLetter>> {
    let rows = ctx
        .loader::<async_graphql::dataloader::DataLoader<crate::letter::loader::LettersByPairing>>()
        .load_one(pairing_id)
        .await?
        .unwrap_or_default();
    Ok(rows
        .into_iter()
        .filter(|l| year.is_none_or(|y| l.year == y) && super::service::visible(ctx.identity(), l))
        .map(ResponsibilityLetter)
        .collect())
}

#[Object]
impl LetterQuery {
    /// Responsibility letters (anonymous callers see signed letters only).
    async fn responsibility_letters(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<ResponsibilityLetterFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            ResponsibilityLetterOrder,
        >,
    ) -> Result<ResponsibilityLetterConnection> {
        let page = super::service::list(
            ctx.db(),
            ctx.identity(),
            &filter.unwrap_or_default(),
            order_by.unwrap_or_default(),
            &PageArgs::new(first, after, last, before),
        )
        .await?;
        Ok(ResponsibilityLetterConnection::from_page(
            page,
            ResponsibilityLetter,
        ))
    }
}
