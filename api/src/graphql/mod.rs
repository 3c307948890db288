//! Schema assembly and the machinery every domain module shares.
pub mod collect;
pub mod fields;
pub mod json;
pub mod plain;
pub mod scalars;
pub mod variables;

use crate::auth::Identity;
use crate::batch::Loaders;
use async_graphql::{Context, SelectionField};
use entity::row::Columns;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Long-lived state shared by all requests.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// This instance's change events, for subscriptions and for writers to publish to.
    pub events: crate::events::Bus,
}

/// Per-operation data: who is calling, the database as the operation sees it, and its loaders.
pub struct RequestContext {
    pub identity: Identity,
    pub db: crate::db::Db,
    pub request_id: String,
    /// The server's own id of the request (`request_id` may be the client's).
    pub server_request_id: String,
    pub loaders: Loaders,
    /// Field collection merges nothing in this operation, so list items may be written directly
    /// (see `collect`).
    pub direct_items: bool,
}

/// Typed access to what a resolver needs from its context.
pub trait ContextExt {
    /// Where the operation's statements run; queries hold one connection through it.
    fn db(&self) -> &crate::db::Db;
    /// The pool itself, for writes (which open transactions); never used by query operations.
    fn pool(&self) -> &DatabaseConnection;
    fn request(&self) -> &RequestContext;
    fn identity(&self) -> &Identity {
        &self.request().identity
    }
    fn loaders(&self) -> &Loaders {
        &self.request().loaders
    }
    /// The request's loader of type `T` (see `batch::RequestLoader`).
    fn loader<T: crate::batch::RequestLoader>(&self) -> Arc<T> {
        self.loaders().get::<T>()
    }
}

impl ContextExt for Context<'_> {
    fn db(&self) -> &crate::db::Db {
        &self.request().db
    }
    fn pool(&self) -> &DatabaseConnection {
        &self.data_unchecked::<AppState>().db
    }
    fn request(&self) -> &RequestContext {
        self.data_unchecked::<RequestContext>()
    }
}

/// Whether a page's items (`edges.node` or `nodes`) select `field`.
pub fn items_select(ctx: &Context<'_>, field: &str) -> bool {
    let la = ctx.look_ahead();
    la.field("edges").field("node").field(field).exists() || la.field("nodes").field(field).exists()
}

/// Whether the client selected `totalCount` on the connection being resolved.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// A connection field's paging arguments; when its selection reads none of the page's rows (no
/// `nodes`, `edges` or `pageInfo`, only `totalCount`), the page itself is not read.
pub fn page_args(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> crate::connection::PageArgs {
    let look = ctx.look_ahead();
    let rows = ["nodes", "edges", "pageInfo"]
        .iter()
        .any(|f| look.field(f).exists());
    crate::connection::PageArgs::new(first, after, last, before).count_only(!rows)
}

/// Declares a Relay connection type and its edge type for one node type.
macro_rules! define_connection {
    ($conn:ident, $edge:ident, $node:ty, $conn_doc:literal, $edge_doc:literal) => {
        #[doc = $conn_doc]
        pub struct $conn {
            pub edges: Vec<$edge>,
            pub page_info: async_graphql::connection::PageInfo,
            pub total: $crate::connection::TotalCount,
        }

        #[doc = $edge_doc]
        pub struct $edge {
            pub cursor: $crate::connection::Cursor,
            pub node: $crate::graphql::plain::Plain<$node>,
        }

        #[doc = $edge_doc]
        #[async_graphql::Object]
        impl $edge {
            /// Opaque cursor of this edge, for `after` and `before`.
            async fn cursor(&self) -> String {
                self.cursor.encode()
            }
            /// The item.
            async fn node(&self) -> &$crate::graphql::plain::Plain<$node> {
                &self.node
            }
        }

        impl $crate::graphql::plain::PlainObject for $edge {
            fn plain_field(
                &self,
                out: &mut $crate::graphql::json::Json,
                name: &str,
                selection: &async_graphql::Positioned<async_graphql::parser::types::SelectionSet>,
            ) -> bool {
                match name {
                    "cursor" => {
                        out.string(&self.cursor.encode());
                        true
                    }
                    "node" => $crate::graphql::plain::plain_object(&self.node.0, out, selection),
                    _ => false,
                }
            }
        }

        #[doc = $conn_doc]
        #[async_graphql::Object]
        impl $conn {
            /// The items of this page with their cursors.
            async fn edges(&self) -> $crate::graphql::plain::PlainList<'_, $edge> {
                $crate::graphql::plain::PlainList(&self.edges)
            }
            /// The items of this page.
            async fn nodes(&self) -> Vec<&$crate::graphql::plain::Plain<$node>> {
                self.edges.iter().map(|e| &e.node).collect()
            }
            /// Whether there are pages before and after, and the cursors at both ends.
            async fn page_info(&self) -> &async_graphql::connection::PageInfo {
                &self.page_info
            }
            /// How many items the whole list has under its filter (counted only when asked for).
            async fn total_count(&self) -> async_graphql::Result<i64> {
                Ok(self.total.get().await?)
            }
        }

        impl $conn {
            pub fn from_page<M>(
                page: $crate::connection::Page<M>,
                wrap: impl Fn(M) -> $node,
            ) -> Self {
                let page_info = async_graphql::connection::PageInfo {
                    has_previous_page: page.has_previous_page,
                    has_next_page: page.has_next_page,
                    start_cursor: page.rows.first().map(|(c, _)| c.encode()),
                    end_cursor: page.rows.last().map(|(c, _)| c.encode()),
                };
                let edges = page
                    .rows
                    .into_iter()
                    .map(|(cursor, m)| $edge {
                        cursor,
                        node: $crate::graphql::plain::Plain(wrap(m)),
                    })
                    .collect();
                $conn {
                    edges,
                    page_info,
                    total: page.total,
                }
            }
        }
    };
}
pub(crate) use define_connection;

/// The columns of `E` that the page's items select under their field `field` (a relation), or
/// `None` when they do not select it.
pub fn related_columns<E: sea_orm::EntityTrait>(
    ctx: &Context<'_>,
    field: &str,
    field_columns: FieldColumns<E::Column>,
) -> Option<Columns> {
    if !items_select(ctx, field) {
        return None;
    }
    let related = item_fields(ctx.field())
        .into_iter()
        .filter(|f| f.name() == field)
        .flat_map(|f| f.selection_set().collect::<Vec<_>>());
    Some(selection_columns::<E>(related, &[], field_columns))
}

/// Which columns of an entity's row a GraphQL field of its object type reads; `None` when the
/// field needs the whole row (or is not known), so that pages read only what their selection shows.
pub type FieldColumns<C> = fn(&str) -> Option<&'static [C]>;

/// The fields selected on a page's items (under `edges.node` and `nodes`), fragments included.
pub fn item_fields<'a>(page: SelectionField<'a>) -> Vec<SelectionField<'a>> {
    let mut fields = Vec::new();
    for f in page.selection_set() {
        match f.name() {
            "nodes" => fields.extend(f.selection_set()),
            "edges" => fields.extend(
                f.selection_set()
                    .filter(|e| e.name() == "node")
                    .flat_map(|e| e.selection_set().collect::<Vec<_>>()),
            ),
            _ => {}
        }
    }
    fields
}

/// The columns the `selected` fields read, with the `always` ones; every column when one of the
/// fields needs the whole row.
pub fn selection_columns<'a, E: sea_orm::EntityTrait>(
    selected: impl IntoIterator<Item = SelectionField<'a>>,
    always: &[E::Column],
    field_columns: FieldColumns<E::Column>,
) -> Columns {
    let mut columns = crate::connection::positions::<E>(always);
    for f in selected {
        if f.name() == "__typename" {
            continue;
        }
        match field_columns(f.name()) {
            Some(read) => columns = columns.union(crate::connection::positions::<E>(read)),
            None => return Columns::ALL,
        }
    }
    columns
}
