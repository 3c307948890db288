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
            Value::String(s) => parse_plain(s).map_err(InputValueError::custom)?,
            Value::Number(n) if n.is_i64() => Dec::from(n.as_i64().unwrap_or_default()),
            Value::Number(n) if n.is_u64() => Dec::from(n.as_u64().unwrap_or_default()),
            _ => return Err(InputValueError::custom(DECIMAL_RULE)),
        };
        Ok(Decimal(parsed))
    }

    // Checked during validation, so a bad value is the request's fault (BAD_USER_INPUT naming the
    // argument) rather than a resolver's failure.
    fn is_valid(value: &Value) -> bool {
        Self::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// What a Decimal input looks like, for error messages.
pub const DECIMAL_RULE: &str =
    "a decimal is a string in plain notation with at most two decimals, e.g. \"1250000.00\"";

/// The most digits a Decimal input may have before its point (beyond any amount or figure).
const MAX_INTEGER_DIGITS: usize = 18;

/// Plain decimal notation only: an optional minus, digits, and at most two decimals. No exponent,
/// no `+`, no `_` separators, no spaces: a typo must not turn into a different amount.
fn parse_plain(s: &str) -> Result<Dec, String> {
    let bad = || format!("not a decimal number: {s:?}; {DECIMAL_RULE}");
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(int)
        || int.len() > MAX_INTEGER_DIGITS
        || frac.is_some_and(|f| !digits(f) || f.len() > 2)
    {
        return Err(bad());
    }
    Dec::from_str(s).map_err(|_| bad())
}

impl Decimal {
    /// From an integer in the smallest step (fen when `scale` is 2).
    pub fn from_minor(minor: i64, scale: u32) -> Self {
        Decimal(Dec::new(minor, scale))
    }
}

/// A calendar date in ISO 8601 form, `YYYY-MM-DD` (China Standard Time calendar day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub chrono::NaiveDate);

impl From<chrono::NaiveDate> for Date {
    fn from(d: chrono::NaiveDate) -> Self {
        Date(d)
    }
}

/// A calendar date in ISO 8601 form, `YYYY-MM-DD` (China Standard Time calendar day).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => parse_date(s).map(Date).ok_or_else(|| {
                InputValueError::custom(format!("not a date in YYYY-MM-DD form: {s:?}"))
            }),
            _ => Err(InputValueError::custom(DATE_RULE)),
        }
    }

    // Checked during validation, as for Decimal.
    fn is_valid(value: &Value) -> bool {
        Self::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

/// A moment in RFC 3339 form, e.g. `"2020-03-25T08:30:00+08:00"`; written in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub chrono::DateTime<chrono::Utc>);

/// A moment in RFC 3339 form, e.g. `"2020-03-25T08:30:00+08:00"`; written in UTC.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| DateTime(t.with_timezone(&chrono::Utc)))
                .map_err(|_| InputValueError::custom(format!("not an RFC 3339 moment: {s:?}"))),
            _ => Err(InputValueError::custom(DATE_TIME_RULE)),
        }
    }

    // Checked during validation, as for Decimal.
    fn is_valid(value: &Value) -> bool {
        Self::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

/// What a DateTime input looks like, for error messages.
pub const DATE_TIME_RULE: &str =
    "a moment is a string in RFC 3339 form, e.g. \"2020-03-25T08:30:00+08:00\"";

/// What a Date input looks like, for error messages.
pub const DATE_RULE: &str =
    "a date is a string YYYY-MM-DD of a real calendar day, e.g. \"2019-03-31\"";

/// Exactly `YYYY-MM-DD` with a four-digit year (chrono alone also reads signed and longer years).
fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let year = i32::try_from(num(0..4)?).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)
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
    fn only_plain_amounts_and_four_digit_dates_are_read() {
        for ok in ["0", "1250000.00", "-5.5", "007.10", "3"] {
            assert!(parse_plain(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1e3",
            "1_000",
            "+3",
            " 3",
            "3 ",
            "1.",
            ".5",
            "0.001",
            "NaN",
            "inf",
            "",
            "-",
            "1234567890123456789",
        ] {
            assert!(parse_plain(bad).is_err(), "{bad}");
        }
        assert!(parse_date("2019-03-31").is_some());
        for bad in [
            "2020-13-01",
            "2019-02-29",
            "-0001-06-01",
            "+262142-01-01",
            "2019-3-31",
            "20190331",
            "2019-03-31T00:00",
            "２０１９-03-31",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
    }

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
