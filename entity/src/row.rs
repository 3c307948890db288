//! Decoding rows by column position.
//!
//! SeaORM's derived decoder looks every column up by name and formats an error string for every
//! NULL it meets; on a page of a hundred transfers that was a fifth of the server's CPU. These
//! decoders read the columns of `Entity::find()` (the model's fields, in declaration order) by
//! position, straight from the driver's row on PostgreSQL.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sqlx::postgres::{PgRow, PgValueFormat};
use sea_orm::sqlx::{Decode, Postgres, Row, Type, ValueRef};
use sea_orm::{DbErr, QueryResult};

/// A value read from one column of a row. With `checked`, the column's type is compared with the
/// Rust type first; every row of one result has the same column types, so only the first row of a
/// result needs it (the comparison was a tenth of the server's CPU on a page of 100 transfers).
pub trait Col: Sized {
    fn col(row: &QueryResult, index: usize, checked: bool) -> Result<Self, DbErr>;
}

/// Which of a model's columns a statement reads: bit `i` is the model's `i`-th field (its
/// declaration order, which is also the order of the entity's `Column` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    /// Every column (what `Entity::find()` selects).
    pub const ALL: Columns = Columns(u64::MAX);

    /// Only the columns at these positions.
    pub fn at(positions: impl IntoIterator<Item = usize>) -> Columns {
        Columns(positions.into_iter().fold(0, |bits, i| bits | (1 << i)))
    }

    pub fn has(self, position: usize) -> bool {
        self.0 & (1 << position) != 0
    }

    pub fn is_all(self) -> bool {
        self == Columns::ALL
    }

    pub fn union(self, other: Columns) -> Columns {
        Columns(self.0 | other.0)
    }

    /// These columns but not `other`'s (every column stays every column).
    pub fn without(self, other: Columns) -> Columns {
        if self.is_all() {
            return self;
        }
        Columns(self.0 & !other.0)
    }
}

/// What a field not read from the database holds. Callers read such a model only for the fields
/// whose columns they selected; the placeholder is never shown.
pub trait Placeholder {
    fn placeholder() -> Self;
}

macro_rules! default_placeholder {
    ($($t:ty),+) => {$(
        impl Placeholder for $t {
            fn placeholder() -> Self {
                <$t>::default()
            }
        }
    )+};
}
default_placeholder!(i64, i32, bool, String, NaiveDate, DateTime<Utc>);

impl<T> Placeholder for Option<T> {
    fn placeholder() -> Self {
        None
    }
}

/// A model read from the columns `Entity::find()` selects, in order, or from some of them.
pub trait FromRow: Sized {
    /// Decodes one row holding the `columns` of the model, in declaration order; the fields of
    /// the other columns hold placeholders. `checked` as for [`Col`].
    fn from_row_of(row: &QueryResult, checked: bool, columns: Columns) -> Result<Self, DbErr> {
        Ok(Self::from_row_at(row, checked, columns, 0)?.0)
    }

    /// Decodes the `columns` of the model from the row's values starting at index `start` (a
    /// statement that joins other tables reads several models from one row); returns the model
    /// and the index after its last column.
    fn from_row_at(
        row: &QueryResult,
        checked: bool,
        columns: Columns,
        start: usize,
    ) -> Result<(Self, usize), DbErr>;

    /// Decodes one row of every column; `checked` as for [`Col`].
    fn from_row_with(row: &QueryResult, checked: bool) -> Result<Self, DbErr> {
        Self::from_row_of(row, checked, Columns::ALL)
    }

    /// Decodes a row on its own, checking its column types.
    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Self::from_row_with(row, true)
    }
}

/// Decodes the rows of one result, checking the column types on its first row.
pub fn from_rows<M: FromRow>(rows: &[QueryResult]) -> Result<Vec<M>, DbErr> {
    from_rows_of(rows, Columns::ALL)
}

/// Decodes the rows of one result holding the `columns` of the model (see `from_row_of`).
pub fn from_rows_of<M: FromRow>(rows: &[QueryResult], columns: Columns) -> Result<Vec<M>, DbErr> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| M::from_row_of(row, i == 0, columns))
        .collect()
}

#[cold]
fn decode_error(index: usize, e: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!("column {index}: {e}"))
}

/// One column of a PostgreSQL row; `None` for NULL. The checked read goes through sqlx's typed
/// decoding (type names compared). The unchecked read takes the value's bytes and decodes
/// PostgreSQL's binary format directly: sqlx's per-value decoding (type info copied, errors
/// wrapped, dates built by calendar arithmetic) cost about 280 instructions a column, a quarter
/// of the server's work on a page of 100 transfers. A value of the wrong size still fails cleanly.
fn pg_col<'r, T>(row: &'r PgRow, index: usize, checked: bool) -> Result<Option<T>, DbErr>
where
    T: Decode<'r, Postgres> + Type<Postgres> + PgBinary,
{
    if checked {
        return Row::try_get::<Option<T>, usize>(row, index).map_err(|e| decode_error(index, e));
    }
    match pg_bytes(row, index)? {
        PgBytes::Null => Ok(None),
        PgBytes::Binary(bytes) => match T::from_binary(bytes) {
            Some(v) => Ok(Some(v)),
            None => Err(malformed::<T>(index)),
        },
        PgBytes::Text => Row::try_get_unchecked::<Option<T>, usize>(row, index)
            .map_err(|e| decode_error(index, e)),
    }
}

/// The bytes of one value of a PostgreSQL row.
enum PgBytes<'r> {
    Null,
    Binary(&'r [u8]),
    /// In the text format (rows of the simple query protocol): sqlx decodes it.
    Text,
}

/// Kept apart from the generic decoders so that each of them stays small. The value is matched
/// where sqlx returns it: mapping its `Result` to ours first copied the value byte by byte into
/// another layout, and reading it back stalled the CPU (store forwarding) on every column.
#[inline(never)]
fn pg_bytes(row: &PgRow, index: usize) -> Result<PgBytes<'_>, DbErr> {
    // Borrowed, not moved: a move copied the value once more.
    match &row.try_get_raw(index) {
        Ok(value) if value.is_null() => Ok(PgBytes::Null),
        Ok(value) if value.format() != PgValueFormat::Binary => Ok(PgBytes::Text),
        Ok(value) => match value.as_bytes() {
            Ok(bytes) => Ok(PgBytes::Binary(bytes)),
            Err(e) => Err(decode_error(index, e)),
        },
        Err(e) => Err(decode_error(index, e)),
    }
}

#[cold]
fn malformed<T>(index: usize) -> DbErr {
    decode_error(index, format!("malformed {}", std::any::type_name::<T>()))
}

#[cold]
fn null_error(index: usize) -> DbErr {
    decode_error(index, "unexpected NULL")
}

/// A value in PostgreSQL's binary wire format; `None` when the bytes do not fit the type.
pub trait PgBinary: Sized {
    fn from_binary(bytes: &[u8]) -> Option<Self>;
}

/// PostgreSQL counts dates and timestamps from 2000-01-01 (UTC).
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

impl PgBinary for i64 {
    fn from_binary(bytes: &[u8]) -> Option<Self> {
        Some(i64::from_be_bytes(bytes.try_into().ok()?))
    }
}

impl PgBinary for i32 {
    fn from_binary(bytes: &[u8]) -> Option<Self> {
        Some(i32::from_be_bytes(bytes.try_into().ok()?))
    }
}

impl PgBinary for bool {
    fn from_binary(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [b] => Some(*b != 0),
            _ => None,
        }
    }
}

impl PgBinary for String {
    /// Checked with SIMD (simdutf8), short text too: the text is mostly Chinese, which the
    /// standard check walks character by character; it was 6% of the server's instructions on a
    /// page of transfers.
    fn from_binary(bytes: &[u8]) -> Option<Self> {
        // simdutf8 hands text under 64 bytes (most names) to the standard check; padded with
        // ASCII it takes the SIMD path. Padding keeps validity: a sequence cut short at the end
        // is still cut short by the NUL that follows it.
        let mut padded = [0u8; SHORT_TEXT];
        let checked = match bytes.len() {
            n if n < SHORT_TEXT => {
                padded[..n].copy_from_slice(bytes);
                &padded[..]
            }
            _ => bytes,
        };
        let text = simdutf8::basic::from_utf8(checked).ok()?;
        // Any padding starts at a character boundary (an ASCII byte).
        text.get(..bytes.len()).map(str::to_owned)
    }
}

/// The length from which simdutf8 checks text with SIMD.
const SHORT_TEXT: usize = 64;

impl PgBinary for NaiveDate {
    fn from_binary(bytes: &[u8]) -> Option<Self> {
        let days = i32::from_binary(bytes)?;
        NaiveDate::from_num_days_from_ce_opt(days.checked_add(PG_EPOCH_DAYS_FROM_CE)?)
    }
}

impl PgBinary for DateTime<Utc> {
    fn from_binary(bytes: &[u8]) -> Option<Self> {
        let micros = i64::from_binary(bytes)?;
        DateTime::from_timestamp_micros(micros.checked_add(PG_EPOCH_UNIX_MICROS)?)
    }
}

macro_rules! driver_col {
    ($($t:ty),+) => {$(
        impl Col for $t {
            fn col(row: &QueryResult, index: usize, checked: bool) -> Result<Self, DbErr> {
                match row.try_as_pg_row() {
                    Some(pg) => pg_col(pg, index, checked)?.ok_or_else(|| null_error(index)),
                    None => row.try_get_by_index::<$t>(index),
                }
            }
        }
        impl Col for Option<$t> {
            fn col(row: &QueryResult, index: usize, checked: bool) -> Result<Self, DbErr> {
                match row.try_as_pg_row() {
                    Some(pg) => pg_col(pg, index, checked),
                    None => row.try_get_by_index::<Option<$t>>(index),
                }
            }
        }
    )+};
}
driver_col!(i64, i32, bool, String, NaiveDate, DateTime<Utc>);

/// The bytes of a text column handed to `parse` (enums stored as text): borrowed from the row on
/// PostgreSQL's unchecked path, so no `String` is built for it.
pub fn text_col<R>(
    row: &QueryResult,
    index: usize,
    checked: bool,
    parse: impl FnOnce(&[u8]) -> Result<R, DbErr>,
) -> Result<R, DbErr> {
    match row.try_as_pg_row() {
        // Text has the same bytes in the binary and the text format.
        Some(pg) if !checked => match pg_bytes(pg, index)? {
            PgBytes::Null => Err(null_error(index)),
            PgBytes::Binary(bytes) => parse(bytes),
            PgBytes::Text => parse(String::col(row, index, checked)?.as_bytes()),
        },
        _ => parse(String::col(row, index, checked)?.as_bytes()),
    }
}

/// Declares an entity's model once: the struct (for SeaORM's derives) and its positional decoder
/// ([`FromRow`]) both come from the one field list, so they cannot fall out of step.
#[macro_export]
macro_rules! model {
    (
        $(#[$m:meta])*
        pub struct Model {
            $( $(#[$fm:meta])* pub $field:ident : $ty:ty ),+ $(,)?
        }
    ) => {
        $(#[$m])*
        pub struct Model {
            $( $(#[$fm])* pub $field : $ty ),+
        }
        $crate::from_row!(Model { $($field),+ });
    };
}

/// Implements [`FromRow`] for a model from its fields, in declaration order (see `model!`).
#[macro_export]
macro_rules! from_row {
    ($model:path { $($field:ident),+ $(,)? }) => {
        impl $crate::row::FromRow for $model {
            #[allow(unused_assignments)]
            fn from_row_at(
                row: &sea_orm::QueryResult,
                checked: bool,
                columns: $crate::row::Columns,
                start: usize,
            ) -> Result<(Self, usize), sea_orm::DbErr> {
                let mut position = 0usize;
                let mut index = start;
                let model = Self {
                    $($field: {
                        let value = if columns.has(position) {
                            index += 1;
                            $crate::row::Col::col(row, index - 1, checked)?
                        } else {
                            $crate::row::Placeholder::placeholder()
                        };
                        position += 1;
                        value
                    },)+
                };
                Ok((model, index))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone};

    #[test]
    fn binary_dates_and_timestamps_count_from_2000() {
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        assert_eq!(epoch.num_days_from_ce(), PG_EPOCH_DAYS_FROM_CE);
        for days in [-730_119i32, -36_525, -1, 0, 1, 9_000, 2_000_000] {
            let expected = epoch + chrono::Duration::days(days.into());
            assert_eq!(NaiveDate::from_binary(&days.to_be_bytes()), Some(expected));
        }
        let epoch = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(epoch.timestamp_micros(), PG_EPOCH_UNIX_MICROS);
        for micros in [-1_000_000_000_123_456i64, -1, 0, 1, 912_345_678_901_234] {
            let expected = epoch + chrono::Duration::microseconds(micros);
            assert_eq!(
                DateTime::<Utc>::from_binary(&micros.to_be_bytes()),
                Some(expected)
            );
        }
    }

    #[test]
    fn binary_values_of_the_wrong_size_are_rejected() {
        assert_eq!(i64::from_binary(&[0; 4]), None);
        assert_eq!(i32::from_binary(&[0; 8]), None);
        assert_eq!(bool::from_binary(&[]), None);
        assert_eq!(NaiveDate::from_binary(&[0; 3]), None);
        assert_eq!(DateTime::<Utc>::from_binary(&[0; 7]), None);
        assert_eq!(String::from_binary(&[0xff, 0xfe]), None);
        assert_eq!(NaiveDate::from_binary(&i32::MAX.to_be_bytes()), None);
        assert_eq!(DateTime::<Utc>::from_binary(&i64::MAX.to_be_bytes()), None);
        assert_eq!(i64::from_binary(&(-2i64).to_be_bytes()), Some(-2));
        assert_eq!(bool::from_binary(&[1]), Some(true));
        assert_eq!(String::from_binary("县".as_bytes()).as_deref(), Some("县"));
        let long = "云南省怒江傈僳族自治州泸水市 \"quoted\" and ASCII ".repeat(8);
        assert_eq!(String::from_binary(long.as_bytes()), Some(long.clone()));
        let mut broken = long.into_bytes();
        broken[5] = 0xff;
        assert_eq!(
            String::from_binary(&broken),
            None,
            "invalid UTF-8 is refused"
        );
        assert_eq!(
            String::from_binary(&[0xe5, 0x8e]),
            None,
            "a cut character is refused"
        );
    }

    /// Text under 64 bytes is padded for the SIMD check: every length around the padding's edge,
    /// valid and broken, is judged as the standard check judges it.
    #[test]
    fn short_text_is_checked_as_the_standard_check_does() {
        let text = "县a泸水市\u{0}".repeat(8);
        let bytes = text.as_bytes();
        for end in 0..=bytes.len().min(70) {
            let cut = &bytes[..end];
            let expected = std::str::from_utf8(cut).ok().map(str::to_owned);
            assert_eq!(String::from_binary(cut), expected, "the first {end} bytes");
            for broken_at in 0..end {
                let mut broken = cut.to_vec();
                broken[broken_at] = 0xff;
                assert_eq!(
                    String::from_binary(&broken),
                    None,
                    "0xff at {broken_at} of {end}"
                );
                broken[broken_at] = 0x80;
                let expected = std::str::from_utf8(&broken).ok().map(str::to_owned);
                assert_eq!(
                    String::from_binary(&broken),
                    expected,
                    "0x80 at {broken_at} of {end}"
                );
            }
        }
    }
}

#[cfg(test)]
mod model_tests {
    use sea_orm::{ColumnTrait, ColumnType, IdenStatic, Iterable};

    /// The derives see through `model!`: optional fields are nullable columns, the rest are not,
    /// and the columns keep the fields' order (the positions `FromRow` reads).
    #[test]
    fn model_declarations_keep_nullability_and_order() {
        use crate::fund_transfer::Column as C;
        let nullable: Vec<bool> = C::iter().map(|c| c.def().is_null()).collect();
        let names: Vec<String> = C::iter().map(|c| c.as_str().to_string()).collect();
        assert_eq!(names[0], "id");
        assert_eq!(names[1], "reference_no");
        assert!(!nullable[0] && !nullable[1]);
        let project = names
            .iter()
            .position(|n| n == "project_id")
            .expect("project_id");
        assert!(nullable[project], "project_id is nullable");
        assert!(!C::AmountFen.def().is_null());
        assert!(matches!(
            C::AmountFen.def().get_column_type(),
            ColumnType::BigInteger
        ));
        assert!(C::PlannedOn.def().is_null());
    }
}
