//! One declaration per field. `object!` declares an object type's fields once and derives from
//! that one list its GraphQL resolvers, the columns each field reads (for pages that read only the
//! columns their selection shows) and the direct writer of its scalar and enum fields (`plain`).
//!
//! ```text
//! object! {
//!     /// A region.
//!     Region(0) as m, columns entity::region {
//!         /// Its code.
//!         code: &str [Code] = &m.code;
//!     }
//!     related {
//!         /// The region above.
//!         [ParentId] async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> { … }
//!     }
//!     other { /* fields that read no single column set, written as usual */ }
//! }
//! ```
//!
//! Field names are written as their GraphQL names (camelCase), so that the resolver, the column
//! table and the writer all take the same identifier.
use super::json::Json;
use async_graphql::{ID, ScalarType};

/// A scalar or enum value the direct writer writes exactly as the executor would serialize it.
pub trait Leaf {
    fn write(&self, out: &mut Json);
}

impl Leaf for &str {
    fn write(&self, out: &mut Json) {
        out.string(self);
    }
}

impl Leaf for String {
    fn write(&self, out: &mut Json) {
        out.string(self);
    }
}

impl Leaf for i32 {
    fn write(&self, out: &mut Json) {
        out.int((*self).into());
    }
}

impl Leaf for i64 {
    fn write(&self, out: &mut Json) {
        out.int(*self);
    }
}

impl Leaf for bool {
    fn write(&self, out: &mut Json) {
        out.value(&async_graphql::Value::Boolean(*self));
    }
}

impl Leaf for f64 {
    fn write(&self, out: &mut Json) {
        out.value(&async_graphql::Value::from(*self));
    }
}

impl Leaf for ID {
    fn write(&self, out: &mut Json) {
        out.value(&self.to_value());
    }
}

impl Leaf for super::scalars::Date {
    fn write(&self, out: &mut Json) {
        // `to_value` is this text.
        out.quoted(self);
    }
}

impl Leaf for super::scalars::DateTime {
    fn write(&self, out: &mut Json) {
        out.value(&self.to_value());
    }
}

impl Leaf for super::scalars::Decimal {
    fn write(&self, out: &mut Json) {
        // Money (two decimals) is written without formatting a decimal; the text is the same.
        match i64::try_from(self.0.mantissa()) {
            Ok(minor) if self.0.scale() == 2 => out.quoted(super::scalars::Yuan(minor)),
            _ => out.quoted(self.0),
        }
    }
}

impl<T: Leaf> Leaf for Option<T> {
    fn write(&self, out: &mut Json) {
        match self {
            Some(v) => v.write(out),
            None => out.null(),
        }
    }
}

/// Implements `Leaf` for GraphQL enums: their value's name.
#[macro_export]
macro_rules! leaf_enums {
    ($($t:ty),+ $(,)?) => {$(
        impl $crate::graphql::fields::Leaf for $t {
            fn write(&self, out: &mut $crate::graphql::json::Json) {
                match async_graphql::Value::from(*self) {
                    async_graphql::Value::Enum(name) => out.name(name.as_str()),
                    other => out.value(&other),
                }
            }
        }
    )+};
}

/// Declares an object type's fields once; see the module documentation.
#[macro_export]
macro_rules! object {
    (@access $s:ident self) => { $s };
    (@access $s:ident $acc:tt) => { $s.$acc };
    (@columns [] $($ignored:tt)*) => {};
    (@columns [$($emod:ident)::+] $ty:ident
        [$($field:ident [$($col:ident),*])*] [$($rel:ident [$($rcol:ident),*])*]) => {
        impl $ty {
            /// The columns each field reads (see `FieldColumns`); `None` for the fields that need
            /// the whole row.
            pub fn field_columns(field: &str) -> Option<&'static [$($emod)::+::Column]> {
                use $($emod)::+::Column as C;
                Some(match field {
                    $(stringify!($field) => &[$(C::$col),*],)*
                    $(stringify!($rel) => &[$(C::$rcol),*],)*
                    _ => return None,
                })
            }
        }
    };
    (@emit $columns:tt
        $(#[$meta:meta])*
        $ty:ident ($acc:tt) as $m:ident {
            $(
                $(#[$lmeta:meta])*
                $leaf:ident : $lty:ty [$($lcol:ident),*] = $lexpr:expr;
            )*
        }
        $(related {
            $(
                $(#[$rmeta:meta])*
                [$($rcol:ident),*] async fn $rel:ident ($($rargs:tt)*) -> $rty:ty $rbody:block
            )*
        })?
        $(other { $($other:tt)* })?
    ) => {
        #[async_graphql::Object]
        $(#[$meta])*
        #[allow(non_snake_case)]
        impl $ty {
            $(
                $(#[$lmeta])*
                pub async fn $leaf(&self) -> $lty {
                    let $m = &$crate::object!(@access self $acc);
                    $lexpr
                }
            )*
            $($(
                $(#[$rmeta])*
                async fn $rel($($rargs)*) -> $rty $rbody
            )*)?
            $($($other)*)?
        }

        impl $ty {
            /// Writes the scalar or enum field `name` as the executor would; false for any other.
            pub fn write_leaf(&self, out: &mut $crate::graphql::json::Json, name: &str) -> bool {
                let $m = &$crate::object!(@access self $acc);
                match name {
                    $(stringify!($leaf) => {
                        let value: $lty = $lexpr;
                        $crate::graphql::fields::Leaf::write(&value, out);
                    })*
                    _ => return false,
                }
                true
            }
        }

        $crate::object!(@columns $columns $ty
            [$($leaf [$($lcol),*])*] [$($($rel [$($rcol),*])*)?]);
    };
    ($(#[$meta:meta])* $ty:ident ($acc:tt) as $m:ident, columns $($emod:ident)::+
        { $($leaves:tt)* } $($rest:tt)*) => {
        $crate::object!(@emit [$($emod)::+] $(#[$meta])* $ty ($acc) as $m { $($leaves)* } $($rest)*);
    };
    ($(#[$meta:meta])* $ty:ident ($acc:tt) as $m:ident $($rest:tt)*) => {
        $crate::object!(@emit [] $(#[$meta])* $ty ($acc) as $m $($rest)*);
    };
}
