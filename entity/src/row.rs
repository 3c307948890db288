//! Decoding rows by column position.
//!
//! SeaORM's derived decoder looks every column up by name and formats an error string for every
//! NULL it meets; on a page of a hundred transfers that was a fifth of the server's CPU. These
//! decoders read the columns of `Entity::find()` (the model's fields, in declaration order) by
//! position, straight from the driver's row on PostgreSQL.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{Decode, Postgres, Row, Type};
use sea_orm::{DbErr, QueryResult};

/// A value read from one column of a row. With `checked`, the column's type is compared with the
/// Rust type first; every row of one result has the same column types, so only the first row of a
/// result needs it (the comparison was a tenth of the server's CPU on a page of 100 transfers).
pub trait Col: Sized {
    fn col(row: &QueryResult, index: usize, checked: bool) -> Result<Self, DbErr>;
}

/// A model read from the columns `Entity::find()` selects, in order.
pub trait FromRow: Sized {
    /// Decodes one row; `checked` as for [`Col`].
    fn from_row_with(row: &QueryResult, checked: bool) -> Result<Self, DbErr>;

    /// Decodes a row on its own, checking its column types.
    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Self::from_row_with(row, true)
    }
}

/// Decodes the rows of one result, checking the column types on its first row.
pub fn from_rows<M: FromRow>(rows: &[QueryResult]) -> Result<Vec<M>, DbErr> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| M::from_row_with(row, i == 0))
        .collect()
}

fn decode_error(index: usize, e: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!("column {index}: {e}"))
}

/// One column of a PostgreSQL row, straight from the driver. Unchecked decoding still fails
/// cleanly on a NULL or a value of the wrong size; it only skips comparing type names.
fn pg_col<'r, T>(row: &'r PgRow, index: usize, checked: bool) -> Result<T, DbErr>
where
    T: Decode<'r, Postgres> + Type<Postgres>,
{
    let value = match checked {
        true => Row::try_get::<T, usize>(row, index),
        false => Row::try_get_unchecked::<T, usize>(row, index),
    };
    value.map_err(|e| decode_error(index, e))
}

macro_rules! driver_col {
    ($($t:ty),+) => {$(
        impl Col for $t {
            fn col(row: &QueryResult, index: usize, checked: bool) -> Result<Self, DbErr> {
                match row.try_as_pg_row() {
                    Some(pg) => pg_col(pg, index, checked),
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

/// Implements [`FromRow`] for a model from its fields, listed in declaration order.
#[macro_export]
macro_rules! from_row {
    ($model:path { $($field:ident),+ $(,)? }) => {
        impl $crate::row::FromRow for $model {
            #[allow(unused_assignments)]
            fn from_row_with(
                row: &sea_orm::QueryResult,
                checked: bool,
            ) -> Result<Self, sea_orm::DbErr> {
                let mut index = 0usize;
                Ok(Self {
                    $($field: {
                        let value = $crate::row::Col::col(row, index, checked)?;
                        index += 1;
                        value
                    },)+
                })
            }
        }
    };
}

from_row!(crate::audit_event::Model {
    id,
    actor,
    role,
    action,
    entity,
    entity_id,
    before,
    after,
    request_id,
    occurred_at
});
from_row!(crate::commitment::Model {
    id,
    letter_id,
    indicator,
    target
});
from_row!(crate::fund_transfer::Model {
    id,
    reference_no,
    pairing_id,
    helper_id,
    recipient_id,
    recipient_province_id,
    project_id,
    category,
    amount_fen,
    currency,
    status,
    year,
    planned_on,
    allocated_on,
    received_on,
    publicized_on,
    purpose,
    idempotency_key,
    request_hash,
    created_at
});
from_row!(crate::letter_revision::Model {
    id,
    letter_id,
    version,
    commitments,
    rationale,
    actor,
    created_at
});
from_row!(crate::organization::Model {
    id,
    code,
    name,
    short_name,
    kind,
    region_id
});
from_row!(crate::pairing_agreement::Model {
    id,
    program,
    helper_id,
    recipient_id,
    start_year,
    end_year,
    status,
    document_ref
});
from_row!(crate::personnel_dispatch::Model {
    id,
    pairing_id,
    helper_id,
    recipient_id,
    recipient_province_id,
    person_name,
    category,
    specialty,
    post,
    status,
    year,
    start_on,
    end_on,
    arrived_on,
    returned_on,
    created_at
});
from_row!(crate::progress_report::Model {
    id,
    pairing_id,
    indicator,
    year,
    quarter,
    value,
    reported_by,
    reported_at,
    verified_by,
    verified_at
});
from_row!(crate::project::Model {
    id,
    county_id,
    name,
    sector,
    budget_fen,
    beneficiaries,
    status,
    created_at
});
from_row!(crate::region::Model {
    id,
    code,
    name,
    level,
    zone,
    parent_id,
    province_id,
    is_poor,
    is_key_county,
    is_contiguous_area,
    is_listed,
    exit_year
});
from_row!(crate::responsibility_letter::Model {
    id,
    pairing_id,
    year,
    status,
    version,
    submitted_at,
    submitted_by,
    signed_at,
    signed_by,
    created_at,
    updated_at
});
