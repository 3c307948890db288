//! A direct path for the items of list pages. async-graphql resolves every field of every item
//! as its own boxed future and merges the results one by one; on a page of 100 transfers with
//! their helper, recipient and project that executor machinery cost more CPU than the SQL. When
//! an item's selection is plain (fields without arguments or directives, no fragments, no
//! repeated response keys, related rows already in the request's loader caches), the item is
//! written in one synchronous pass instead. Anything else falls back to the executor, so the
//! answer is the same either way (a test compares both paths field by field).
use super::{Loaders, RequestContext};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};
use std::borrow::Cow;

/// An object type whose argument-free fields can be written without waiting.
pub trait PlainObject {
    /// The value of the field `name` (with its sub-selection, for a related object), or `None`
    /// when this field needs the executor: it takes arguments, has to wait or may fail.
    /// By default only the type's own scalar and enum fields (`plain_leaf`).
    fn plain_field(
        &self,
        _loaders: &Loaders,
        name: &str,
        _selection: &Positioned<SelectionSet>,
    ) -> Option<Value> {
        self.plain_leaf(name)
    }

    /// The value of the scalar or enum field `name`, or `None` when it needs the executor.
    fn plain_leaf(&self, _name: &str) -> Option<Value> {
        None
    }
}

/// The object `obj` answering `selection`, or `None` when some part of the selection is not plain.
pub fn plain_object<T: PlainObject + OutputType>(
    obj: &T,
    loaders: &Loaders,
    selection: &Positioned<SelectionSet>,
) -> Option<Value> {
    let items = &selection.node.items;
    let mut out = IndexMap::with_capacity(items.len());
    for item in items {
        let Selection::Field(field) = &item.node else {
            return None;
        };
        let Field {
            name,
            arguments,
            directives,
            selection_set,
            ..
        } = &field.node;
        if !arguments.is_empty() || !directives.is_empty() {
            return None;
        }
        let value = if name.node == "__typename" {
            Value::String(obj.introspection_type_name().into_owned())
        } else {
            obj.plain_field(loaders, &name.node, selection_set)?
        };
        let (_, previous) = out.insert_full(field.node.response_key().node.clone(), value);
        if previous.is_some() {
            return None; // the executor merges repeated keys
        }
    }
    Some(Value::Object(out))
}

/// The related row `id` from a loader's request cache, only if it is already there (list pages
/// prime their items' relations in one batch before the items are written).
pub fn cached<L>(
    loader: &async_graphql::dataloader::DataLoader<L, async_graphql::dataloader::HashMapCache>,
    id: i64,
) -> Option<L::Value>
where
    L: async_graphql::dataloader::Loader<i64>,
{
    use futures_util::FutureExt;
    loader.load_one(id).now_or_never()?.ok()?
}

fn loaders<'a>(ctx: &ContextSelectionSet<'a>) -> Option<&'a Loaders> {
    ctx.data_opt::<RequestContext>().map(|r| &r.loaders)
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
        if let Some(value) = loaders(ctx).and_then(|l| plain_object(&self.0, l, ctx.item)) {
            return Ok(value);
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
        if let Some(l) = loaders(ctx) {
            let items: Option<Vec<Value>> = self
                .0
                .iter()
                .map(|item| plain_object(item, l, ctx.item))
                .collect();
            if let Some(items) = items {
                return Ok(Value::List(items));
            }
        }
        OutputType::resolve(&self.0, ctx, field).await
    }
}

/// A string field.
pub fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// A nullable field: `null` when absent.
pub fn nullable<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    v.map_or(Value::Null, f)
}

/// A scalar field (ids, decimals, dates).
pub fn scalar<T: async_graphql::ScalarType>(v: T) -> Value {
    v.to_value()
}

/// An enum field.
pub fn enumeration<T: async_graphql::resolver_utils::EnumType>(v: T) -> Value {
    async_graphql::resolver_utils::enum_value(v)
}
