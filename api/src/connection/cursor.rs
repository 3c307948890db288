//! Cursors and orderings: what a cursor holds, and the seek conditions it becomes.
use super::*;

/// The value a row is ordered by, as kept in a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortValue {
    #[serde(rename = "i")]
    Int(i64),
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "d")]
    Date(NaiveDate),
}

impl From<SortValue> for Value {
    fn from(v: SortValue) -> Value {
        match v {
            SortValue::Int(i) => Value::BigInt(Some(i)),
            SortValue::Text(s) => Value::String(Some(s)),
            SortValue::Date(d) => Value::ChronoDate(Some(d)),
        }
    }
}

/// Where a row stands in its ordering. Encoded only when a client selects it: a page deep in a
/// list that shows no cursors spends nothing on them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cursor {
    /// Which ordering the cursor belongs to, so a cursor is not reused under another. Borrowed
    /// from the ordering for the rows of a page, so a page that shows no cursors allocates none.
    pub(super) o: std::borrow::Cow<'static, str>,
    pub(super) v: SortValue,
    pub(super) id: i64,
}

impl Cursor {
    /// The opaque text clients send back in `after` and `before`.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }
}

pub(super) fn decode_cursor(field: &str, raw: &str, ordering: &str) -> AppResult<Cursor> {
    let bad = || {
        AppError::bad_input(
            field,
            "malformed cursor; use a cursor returned by this list",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).map_err(|_| bad())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if cursor.o != ordering {
        return Err(AppError::bad_input(
            field,
            "the cursor belongs to another ordering of this list",
        ));
    }
    Ok(cursor)
}

/// How a list is ordered: a column (ties broken by id) and how to read its value off a row.
pub struct Ordering<E: EntityTrait> {
    pub name: &'static str,
    pub column: E::Column,
    pub id: E::Column,
    pub descending: bool,
    pub key: fn(&E::Model) -> SortValue,
    pub row_id: fn(&E::Model) -> i64,
}

pub(super) fn seek(column: SimpleExpr, id: SimpleExpr, c: Cursor, greater: bool) -> SimpleExpr {
    let left = Expr::tuple([column, id]);
    let right = Expr::tuple([Expr::val(Value::from(c.v)), Expr::val(c.id)]);
    if greater {
        left.gt(right)
    } else {
        left.lt(right)
    }
}

/// Whether a cursor's value has the type of the column it seeks on (a text where a number is
/// ordered would otherwise reach the database as a comparison of mismatched types).
pub(super) fn value_fits<C: ColumnTrait>(column: C, v: &SortValue) -> bool {
    use sea_orm::sea_query::ColumnType as T;
    matches!(
        (column.def().get_column_type(), v),
        (T::Date, SortValue::Date(_))
            | (
                T::TinyInteger
                    | T::SmallInteger
                    | T::Integer
                    | T::BigInteger
                    | T::TinyUnsigned
                    | T::SmallUnsigned
                    | T::Unsigned
                    | T::BigUnsigned,
                SortValue::Int(_),
            )
            | (T::String(_) | T::Text | T::Char(_), SortValue::Text(_))
    )
}

/// Adds the `after`/`before` seek conditions of `args` to `select`.
pub(super) fn apply_cursors<E: EntityTrait>(
    select: Select<E>,
    ordering: &Ordering<E>,
    args: &PageArgs,
) -> AppResult<Select<E>> {
    let col: SimpleExpr = Expr::col((E::default(), ordering.column));
    let idc: SimpleExpr = Expr::col((E::default(), ordering.id));
    let same_column = ordering.column.as_str() == ordering.id.as_str();
    let mut query = select;
    for (field, raw, greater) in [
        ("after", &args.after, !ordering.descending),
        ("before", &args.before, ordering.descending),
    ] {
        let Some(raw) = raw else { continue };
        let c = decode_cursor(field, raw, ordering.name)?;
        if !value_fits(ordering.column, &c.v) {
            return Err(AppError::bad_input(
                field,
                "the cursor's value does not fit this ordering; use a cursor returned by this list",
            ));
        }
        query = query.filter(if same_column {
            let v = Expr::val(c.id);
            if greater {
                idc.clone().gt(v)
            } else {
                idc.clone().lt(v)
            }
        } else {
            seek(col.clone(), idc.clone(), c, greater)
        });
    }
    Ok(query)
}
