use super::service::TransferListSpec;
use super::types::{FundTransfer, FundTransferConnection, FundTransferFilter, FundTransferOrder};
use crate::connection::{Join, PageArgs, fetch_page_joined, positions};
use crate::graphql::{
    ContextExt, item_fields, list_page, prime_selected, related_columns, selection_columns,
};
use crate::organization::Organization;
use crate::project::Project;
use crate::region::Region;
use async_graphql::{Context, Object, Result};
use entity::fund_transfer::{Column, Entity};
use entity::row::Columns;
use std::sync::Arc;

#[derive(Default)]
pub struct TransferQuery;

/// Lists transfers (also used by `PairingAgreement.fundTransfers`).
pub async fn list(
    ctx: &Context<'_>,
    filter: FundTransferFilter,
    order: Option<FundTransferOrder>,
    args: PageArgs,
) -> Result<FundTransferConnection> {
    let mut spec = TransferListSpec {
        filter,
        order: order.unwrap_or_default(),
        authenticated: ctx.identity().is_authenticated(),
    };
    let l = ctx.loaders();
    let nested = spec
        .filter
        .pairing_id
        .take()
        .map(|parent| (&l.transfers_by_pairing, parent));
    // A page at the root reads only the columns its items show.
    let columns = selection_columns::<Entity>(
        item_fields(ctx.field()),
        &[Column::Id],
        FundTransfer::field_columns,
    );
    if nested.is_none() {
        return root_list(ctx, spec, args, columns).await;
    }
    let page = list_page(ctx, nested, spec, super::service::build, args, columns).await?;
    // The page's selected relations, each in one batch with the sibling pages'.
    let rows = || page.rows.iter().map(|(_, m)| m);
    let (helpers, recipients, projects, _) = futures_util::try_join!(
        prime_selected(
            ctx,
            "helper",
            &l.organizations,
            rows().map(|m| m.helper_id),
            Some(Organization::field_columns)
        ),
        prime_selected(
            ctx,
            "recipient",
            &l.regions,
            rows().map(|m| m.recipient_id),
            Some(Region::field_columns)
        ),
        prime_selected(
            ctx,
            "project",
            &l.projects,
            rows().filter_map(|m| m.project_id),
            Some(Project::field_columns)
        ),
        prime_selected(
            ctx,
            "pairingAgreement",
            &l.pairings,
            rows().map(|m| m.pairing_id),
            None
        ),
    )?;
    Ok(FundTransferConnection::from_page(page, |m| {
        FundTransfer::with_related(m, &helpers, &recipients, &projects)
    }))
}

/// A list at the query's root: the items' helpers, recipients and projects are joined into the
/// page's statement (only the columns their selections read), so the page is one statement.
async fn root_list(
    ctx: &Context<'_>,
    spec: TransferListSpec,
    args: PageArgs,
    columns: Columns,
) -> Result<FundTransferConnection> {
    let joins = (
        Join::<Entity, entity::organization::Entity>::new(
            "page_helper",
            Column::HelperId,
            related_columns::<entity::organization::Entity>(
                ctx,
                "helper",
                Organization::field_columns,
            ),
        ),
        Join::<Entity, entity::region::Entity>::new(
            "page_recipient",
            Column::RecipientId,
            related_columns::<entity::region::Entity>(ctx, "recipient", Region::field_columns),
        ),
        Join::<Entity, entity::project::Entity>::new(
            "page_project",
            Column::ProjectId,
            related_columns::<entity::project::Entity>(ctx, "project", Project::field_columns),
        ),
    );
    // A joined row's id is its key: the page does not read the key columns a second time.
    let joined_keys = [
        joins.0.joined_key(),
        joins.1.joined_key(),
        joins.2.joined_key(),
    ];
    let joined_keys: Vec<Column> = joined_keys.into_iter().flatten().collect();
    let columns = columns.without(positions::<Entity>(&joined_keys));
    let (select, ordering) = super::service::build(&spec)?;
    let page = fetch_page_joined(
        ctx.db(),
        select,
        &ordering,
        &args,
        columns,
        &joins,
        |m, row, checked, at| {
            let (helper, at) = joins.0.decode(row, checked, at)?;
            let (recipient, at) = joins.1.decode(row, checked, at)?;
            let (project, _) = joins.2.decode(row, checked, at)?;
            if let Some(h) = &helper {
                m.helper_id = h.id;
            }
            if let Some(r) = &recipient {
                m.recipient_id = r.id;
            }
            if joins.2.joined_key().is_some() {
                m.project_id = project.as_ref().map(|p| p.id);
            }
            // Shared from here on: the page's rows move several times before they are written.
            Ok((
                helper.map(Arc::new),
                recipient.map(Arc::new),
                project.map(Arc::new),
            ))
        },
    )
    .await?;
    prime_selected(
        ctx,
        "pairingAgreement",
        &ctx.loaders().pairings,
        page.rows.iter().map(|(_, (m, _))| m.pairing_id),
        None,
    )
    .await?;
    Ok(FundTransferConnection::from_page(
        page,
        |(m, (helper, recipient, project))| FundTransfer::joined(m, helper, recipient, project),
    ))
}

#[Object]
impl TransferQuery {
    /// Fund transfers (anonymous callers see publicized transfers only).
    async fn fund_transfers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (0 to 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<FundTransferFilter>,
        #[graphql(desc = "Sort order; by id ascending when omitted.")] order_by: Option<
            FundTransferOrder,
        >,
    ) -> Result<FundTransferConnection> {
        list(
            ctx,
            filter.unwrap_or_default(),
            order_by,
            PageArgs::new(first, after, last, before),
        )
        .await
    }
}
