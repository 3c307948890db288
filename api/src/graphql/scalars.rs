//! Scalars: exact decimals for money and indicator values.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use rust_decimal::Decimal as Dec;
use std::str::FromStr;

/// An exact decimal number serialized as a string, e.g. `"1250000.00"`. Money is in yuan (CNY)
/// with two decimals; counts of people or enterprises have none. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decimal(pub Dec);

/// An exact decimal number serialized as a string, e.g. `"1250000.00"`. Money is in yuan (CNY)
/// with two decimals; counts of people or enterprises have none. Never a float.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        let parsed = match &value {
            Value::String(s) => Dec::from_str(s.trim())
                .map_err(|_| InputValueError::custom(format!("not a decimal number: {s:?}")))?,
            Value::Number(n) if n.is_i64() => Dec::from(n.as_i64().unwrap_or_default()),
            Value::Number(n) if n.is_u64() => Dec::from(n.as_u64().unwrap_or_default()),
            _ => {
                return Err(InputValueError::custom(
                    "a decimal is written as a string, e.g. \"1250000.00\"",
                ));
            }
        };
        Ok(Decimal(parsed))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

impl Decimal {
    /// From an integer in the smallest step (fen when `scale` is 2).
    pub fn from_minor(minor: i64, scale: u32) -> Self {
        Decimal(Dec::new(minor, scale))
    }

    /// To an integer in the smallest step; `None` if it has more decimals than `scale` or overflows.
    pub fn to_minor(&self, scale: u32) -> Option<i64> {
        let scaled = self.0.checked_mul(Dec::from(10i64.pow(scale)))?;
        if scaled.fract() != Dec::ZERO {
            return None;
        }
        i64::try_from(scaled.trunc()).ok()
    }
}

/// A calendar date in ISO 8601 form, `YYYY-MM-DD` (China Standard Time calendar day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub chrono::NaiveDate);

/// A calendar date in ISO 8601 form, `YYYY-MM-DD` (China Standard Time calendar day).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("not a date in YYYY-MM-DD form: {s:?}"))
                }),
            _ => Err(InputValueError::custom(
                "a date is written as a string, e.g. \"2019-03-31\"",
            )),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Written directly: chrono's strftime parses its format string on every call, which
        // showed on pages of 100 dated rows.
        use chrono::Datelike;
        let d = self.0;
        if (0..=9999).contains(&d.year()) {
            write!(f, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
        } else {
            write!(f, "{}", d.format("%Y-%m-%d"))
        }
    }
}

/// An amount in fen, written as the yuan text of `Decimal::from_minor(fen, 2)` without building a
/// decimal (formatting the decimal was a tenth of the JSON writing on a page of 100 transfers).
pub struct Yuan(pub i64);

impl std::fmt::Display for Yuan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let fen = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", fen / 100, fen % 100)
    }
}

#[cfg(test)]
mod yuan_tests {
    use super::*;

    #[test]
    fn yuan_are_written_as_the_decimal_writes_them() {
        let mut amounts = vec![
            0,
            1,
            5,
            10,
            99,
            100,
            101,
            12_345,
            1_000_000_000_000,
            i64::MAX,
        ];
        amounts.extend(amounts.clone().iter().map(|a| -a));
        amounts.push(i64::MIN + 1);
        for fen in amounts {
            assert_eq!(
                Yuan(fen).to_string(),
                Decimal::from_minor(fen, 2).0.to_string(),
                "{fen}"
            );
        }
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        for (y, m, d) in [
            (2019, 3, 1),
            (1, 1, 1),
            (0, 12, 31),
            (9999, 12, 31),
            (-1, 6, 15),
            (10000, 1, 2),
        ] {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a date");
            assert_eq!(
                Date(date).to_value(),
                Value::String(date.format("%Y-%m-%d").to_string())
            );
        }
    }
}
