//! A small SQL text builder with bound values, for the aggregate statements of this module.
//! The statements are plain SQL that runs unchanged on SQLite and PostgreSQL; only the
//! placeholder syntax differs (`?` against `$n`).
use crate::error::{AppError, AppResult};
use sea_orm::{ActiveEnum, DbBackend, QueryResult, Statement, TryGetable, Value};
use std::fmt::Write;

pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Sql {
            backend,
            text: String::with_capacity(512),
            values: Vec::new(),
        }
    }

    /// Appends SQL text (never caller input: that goes through `bind`).
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder for `v`.
    pub fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.values.push(v.into());
        match self.backend {
            DbBackend::Postgres => {
                let _ = write!(self.text, "${}", self.values.len());
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends `(?, ?, …)` for the values; `(NULL)` (matches nothing) when there are none.
    pub fn bind_list<V: Into<Value>>(&mut self, vs: impl IntoIterator<Item = V>) -> &mut Self {
        self.text.push('(');
        let mut any = false;
        for v in vs {
            if any {
                self.text.push_str(", ");
            }
            self.bind(v);
            any = true;
        }
        if !any {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    /// ` IN (1, 2, …)` with the integers written into the statement. These aggregates join three or
    /// four tables: with parameters, PostgreSQL plans them afresh on every execution (a custom plan
    /// wins over the generic one), which cost more than running them. Without parameters the
    /// prepared statement keeps its plan, and a repeated dashboard query is only executed. Only
    /// integers are written this way; caller text always goes through `bind`.
    pub fn in_ints(&mut self, vs: impl IntoIterator<Item = i64>) -> &mut Self {
        self.text.push_str(" IN (");
        let mut any = false;
        for v in vs {
            if any {
                self.text.push_str(", ");
            }
            let _ = write!(self.text, "{v}");
            any = true;
        }
        if !any {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    /// `'VALUE'`: a stored enum value, a compile-time constant (never caller input), written into
    /// the statement for the same reason as `in_ints`.
    pub fn push_const(&mut self, value: &'static str) -> &mut Self {
        debug_assert!(value.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        self.text.push('\'');
        self.text.push_str(value);
        self.text.push('\'');
        self
    }

    /// `'A', 'B'` for constant enum values known at compile time (never caller input).
    pub fn push_enum_list<E: ActiveEnum<Value = String>>(&mut self, vs: &[E]) -> &mut Self {
        self.text.push('(');
        for (i, v) in vs.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            let _ = write!(self.text, "'{}'", v.to_value());
        }
        self.text.push(')');
        self
    }

    pub fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// Reads a column of an aggregate row.
pub fn get<T: TryGetable>(row: &QueryResult, col: &str) -> AppResult<T> {
    row.try_get::<T>("", col).map_err(AppError::from)
}

/// Reads a stored enum value.
pub fn get_enum<E: ActiveEnum<Value = String>>(row: &QueryResult, col: &str) -> AppResult<E> {
    let s: String = get(row, col)?;
    E::try_from_value(&s).map_err(AppError::from)
}

/// Reads an optional stored enum value.
pub fn get_enum_opt<E: ActiveEnum<Value = String>>(
    row: &QueryResult,
    col: &str,
) -> AppResult<Option<E>> {
    let s: Option<String> = get(row, col)?;
    s.map(|s| E::try_from_value(&s).map_err(AppError::from))
        .transpose()
}
