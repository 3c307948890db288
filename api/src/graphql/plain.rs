//! A direct path for the items of list pages. async-graphql resolves every field of every item
//! as its own boxed future, builds a value tree and serializes it; on a page of 100 transfers with
//! their helper, recipient and project that machinery cost more CPU than the SQL. When an item's
//! selection is plain (fields without arguments or directives, no fragments, related rows already
//! loaded) and the operation's field collection merges no two fields anywhere (`collect`), the
//! items are written in one synchronous pass straight into JSON text, which the response writer
//! copies as it is. Anything else falls back to the executor, so the answer is the same either
//! way (tests compare both paths, and merged with split documents, on every list type).
use super::RequestContext;
use super::json::Json;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};
use std::borrow::Cow;

/// An object type whose argument-free fields can be written without waiting.
pub trait PlainObject {
    /// Writes the field `name` (with its sub-selection, for a related object) and returns true,
    /// or returns false when this field needs the executor: it takes arguments, has to wait or
    /// may fail. By default only the type's own scalar and enum fields (`plain_leaf`).
    fn plain_field(
        &self,
        out: &mut Json,
        name: &str,
        _selection: &Positioned<SelectionSet>,
    ) -> bool {
        self.plain_leaf(out, name)
    }

    /// Writes the scalar or enum field `name` and returns true, or returns false when it needs
    /// the executor.
    fn plain_leaf(&self, _out: &mut Json, _name: &str) -> bool {
        false
    }
}

/// Writes the object `obj` answering `selection`; false when some part of the selection is not
/// plain (what was written is then to be thrown away). The caller has checked that the operation
/// merges no fields (`loaders`).
pub fn plain_object<T: PlainObject + OutputType>(
    obj: &T,
    out: &mut Json,
    selection: &Positioned<SelectionSet>,
) -> bool {
    let items = &selection.node.items;
    out.punct('{');
    for (i, item) in items.iter().enumerate() {
        let Selection::Field(field) = &item.node else {
            return false;
        };
        let Field {
            name,
            arguments,
            directives,
            selection_set,
            ..
        } = &field.node;
        if !arguments.is_empty() || !directives.is_empty() {
            return false;
        }
        if i > 0 {
            out.punct(',');
        }
        out.name(&field.node.response_key().node);
        out.punct(':');
        if name.node == "__typename" {
            out.name(&obj.introspection_type_name());
        } else if !obj.plain_field(out, &name.node, selection_set) {
            return false;
        }
    }
    out.punct('}');
    true
}

/// Whether the operation allows the direct path: field collection merges no two fields anywhere
/// in it (`collect`), so no written value ever has to be merged with another.
fn direct(ctx: &ContextSelectionSet<'_>) -> bool {
    ctx.data_opt::<RequestContext>()
        .is_some_and(|r| r.direct_items)
}

/// An object written by `plain_object` when its selection allows it, by the executor otherwise.
/// It is the same GraphQL type as `T`.
pub struct Plain<T>(pub T);

impl<T> OutputType for Plain<T>
where
    T: PlainObject + OutputType,
{
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if direct(ctx) {
            let mut out = Json::with_capacity(256);
            if plain_object(&self.0, &mut out, ctx.item) {
                return Ok(out.into_value());
            }
        }
        self.0.resolve(ctx, field).await
    }
}

/// A list of objects written in one pass when every item's selection is plain (see `Plain`).
/// It is the same GraphQL type as `[T!]!`.
pub struct PlainList<'a, T>(pub &'a [T]);

impl<T> OutputType for PlainList<'_, T>
where
    T: PlainObject + OutputType,
{
    fn type_name() -> Cow<'static, str> {
        <&[T] as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <&[T] as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <&[T] as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if direct(ctx) {
            let mut out = Json::with_capacity(64 + 512 * self.0.len());
            out.punct('[');
            let mut plain = true;
            for (i, item) in self.0.iter().enumerate() {
                if i > 0 {
                    out.punct(',');
                }
                if !plain_object(item, &mut out, ctx.item) {
                    plain = false;
                    break;
                }
            }
            if plain {
                out.punct(']');
                return Ok(out.into_value());
            }
        }
        OutputType::resolve(&self.0, ctx, field).await
    }
}
